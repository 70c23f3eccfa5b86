// Toasts: ~6 s, a draining bar that pauses on hover, at most one action.
import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from "react";
import { spell } from "../lib/locale";

type Toast = { id: number; text: string; kind: "info" | "error"; action?: { label: string; run: () => void } };
type Push = (text: string, opts?: { kind?: "info" | "error"; action?: Toast["action"] }) => void;

const ToastContext = createContext<Push>(() => {});
export const useToast = () => useContext(ToastContext);
const DURATION_MS = 6000;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const remove = useCallback((id: number) => setToasts((ts) => ts.filter((t) => t.id !== id)), []);
  const push = useCallback<Push>((text, opts) => {
    const id = next.current++;
    setToasts((ts) => [...ts.slice(-2), { id, text, kind: opts?.kind ?? "info", action: opts?.action }]);
  }, []);
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast ${t.kind}`}>
            <div className="toast-body">
              <span style={{ flex: 1 }}>{t.kind === "error" ? spell(t.text) : t.text}</span>
              {t.action && (
                <button className="btn ghost" style={{ color: "inherit" }} onClick={() => { t.action!.run(); remove(t.id); }}>
                  {t.action.label}
                </button>
              )}
              <button className="btn ghost" style={{ color: "inherit", padding: "0 8px" }} aria-label="Dismiss" onClick={() => remove(t.id)}>×</button>
            </div>
            <div className="toast-bar" style={{ animationDuration: `${DURATION_MS}ms` }} onAnimationEnd={() => remove(t.id)} />
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}
