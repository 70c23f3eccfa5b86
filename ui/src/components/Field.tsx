// A labelled form control with its error shown right under it, linked for screen readers.
import { useId, useLayoutEffect, useRef, useState, type InputHTMLAttributes, type ReactNode } from "react";
import { groupMoneyInput } from "../lib/format";
import { spell } from "../lib/locale";

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
  inputMode?: "text" | "tel" | "email" | "numeric" | "decimal";
  /** A dollar amount: thousands separators go in as it is typed (the core parses it). */
  money?: boolean;
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
        {spell(p.label)}
        {p.required && <span className="required" aria-hidden="true">*</span>}
      </label>
      {p.multiline ? (
        <textarea {...common} onChange={(e) => p.onChange(e.target.value)} />
      ) : (
        p.money ? <MoneyInput {...common} onValue={p.onChange} /> : (
          <input {...common} type={p.type ?? "text"} inputMode={p.inputMode} autoComplete={p.autoComplete ?? "off"}
            onChange={(e) => p.onChange(e.target.value)} />
        )
      )}
      {p.error ? (
        <div className="field-error" id={errId} role="alert" data-field-error={p.name}>{spell(p.error)}</div>
      ) : p.hint ? (
        <div className="field-hint">{spell(p.hint)}</div>
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

/** A dollar amount input: thousands separators go in as it is typed, the caret stays after the
 * digit it followed; the text goes to the core's money parsing unchanged otherwise. */
export function MoneyInput({ value, onValue, defaultValue, ...rest }: Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onChange" | "defaultValue"> & {
  /** Controlled: the text and its setter. Without them the input keeps its own text from `defaultValue`. */
  value?: string; onValue?: (v: string) => void; defaultValue?: string;
}) {
  const [own, setOwn] = useState(defaultValue ?? "");
  const shown = value ?? own;
  const input = useRef<HTMLInputElement>(null);
  const caret = useRef<number | null>(null);
  useLayoutEffect(() => {
    if (caret.current !== null && input.current && document.activeElement === input.current) {
      input.current.setSelectionRange(caret.current, caret.current);
    }
    caret.current = null;
  }, [shown]);
  return (
    <input className="input" {...rest} ref={input} value={shown} inputMode="decimal" autoComplete="off"
      onChange={(e) => {
        const g = groupMoneyInput(e.target.value, e.target.selectionStart ?? e.target.value.length);
        caret.current = g.caret;
        if (value === undefined) setOwn(g.text);
        onValue?.(g.text);
      }} />
  );
}
