// A labelled form control with its error shown right under it, linked for screen readers.
import { useId, type ReactNode } from "react";

type Props = {
  label: string;
  value: string;
  onChange: (v: string) => void;
  error?: string;
  hint?: string;
  required?: boolean;
  type?: string;
  multiline?: boolean;
  autoFocus?: boolean;
  placeholder?: string;
  name: string;
  className?: string;
  inputMode?: "text" | "tel" | "email" | "numeric";
  autoComplete?: string;
};

export function Field(p: Props) {
  const id = useId();
  const errId = `${id}-err`;
  const common = {
    id,
    name: p.name,
    className: "input",
    value: p.value,
    placeholder: p.placeholder,
    autoFocus: p.autoFocus,
    "aria-invalid": p.error ? true : undefined,
    "aria-describedby": p.error ? errId : undefined,
    "aria-required": p.required || undefined,
  };
  return (
    <div className={`field ${p.className ?? ""}`}>
      <label htmlFor={id}>
        {p.label}
        {p.required && <span className="required" aria-hidden="true">*</span>}
      </label>
      {p.multiline ? (
        <textarea {...common} onChange={(e) => p.onChange(e.target.value)} />
      ) : (
        <input {...common} type={p.type ?? "text"} inputMode={p.inputMode} autoComplete={p.autoComplete ?? "off"}
          onChange={(e) => p.onChange(e.target.value)} />
      )}
      {p.error ? (
        <div className="field-error" id={errId} role="alert" data-field-error={p.name}>{p.error}</div>
      ) : p.hint ? (
        <div className="field-hint">{p.hint}</div>
      ) : null}
    </div>
  );
}

export function Checkbox(p: { label: ReactNode; checked: boolean; onChange: (v: boolean) => void; name: string }) {
  return (
    <label className="check">
      <input type="checkbox" name={p.name} checked={p.checked} onChange={(e) => p.onChange(e.target.checked)} />
      {p.label}
    </label>
  );
}
