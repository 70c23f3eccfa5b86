import { createRoot } from "react-dom/client";
import "./styles/tokens.css";
import "./styles/app.css";
import { App } from "./app/App";
import { ToastProvider } from "./components/Toasts";
import { applyAppearance, loadAppearance } from "./app/appearance";

applyAppearance(loadAppearance());
createRoot(document.getElementById("root")!).render(
  <ToastProvider>
    <App />
  </ToastProvider>,
);
