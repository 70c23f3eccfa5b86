import { createRoot } from "react-dom/client";
import "./styles/tokens.css";
import "./styles/app.css";
import { App } from "./app/App";
import { DataGate } from "./app/DataGate";
import { ToastProvider } from "./components/Toasts";
import { applyAppearance, loadAppearance } from "./app/appearance";

applyAppearance(loadAppearance());
createRoot(document.getElementById("root")!).render(
  <ToastProvider>
    <DataGate>
      <App />
    </DataGate>
  </ToastProvider>,
);
