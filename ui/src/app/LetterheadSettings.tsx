// Settings › Letterhead: the dealership's name, contact line and logo printed on every quote.
import { useEffect, useState } from "react";
import type { ApiError, Letterhead } from "../bindings";
import { api } from "../api";
import { Field } from "../components/Field";
import { useToast } from "../components/Toasts";

export function LetterheadSettings({ onSaved }: { onSaved: () => void }) {
  const [l, setL] = useState<Letterhead>({ name: "", address: "", phone: "", email: "", logo_png: null });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const toast = useToast();
  useEffect(() => { api.letterhead().then(setL).catch(() => {}); }, []);

  const pickLogo = (file: File | undefined) => {
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => setL((x) => ({ ...x, logo_png: String(reader.result) }));
    reader.readAsDataURL(file);
  };
  const save = async () => {
    try {
      setL(await api.saveLetterhead(l));
      setErrors({});
      toast("Letterhead saved: new quotes print with it");
      onSaved();
    } catch (e) {
      const err = e as ApiError;
      setErrors(Object.fromEntries(err.fields.map((f) => [f.field, f.message])));
    }
  };
  const src = l.logo_png ? (l.logo_png.startsWith("data:") ? l.logo_png : `data:image/png;base64,${l.logo_png}`) : null;
  return (
    <form onSubmit={(e) => { e.preventDefault(); void save(); }} aria-label="Letterhead" noValidate>
      <h2 className="form-section">Letterhead on printed quotes</h2>
      <div className="form-grid">
        <Field name="lh_name" label="Dealership name" required value={l.name} onChange={(v) => setL({ ...l, name: v })} error={errors.name} />
        <Field name="lh_address" label="Address" value={l.address} onChange={(v) => setL({ ...l, address: v })} />
        <Field name="lh_phone" label="Phone" value={l.phone} onChange={(v) => setL({ ...l, phone: v })} />
        <Field name="lh_email" label="Email" value={l.email} onChange={(v) => setL({ ...l, email: v })} />
        <div className="field">
          <label htmlFor="lh_logo">Logo (PNG, up to 512 KB)</label>
          <div style={{ display: "flex", gap: 12, alignItems: "center" }}>
            {src && <img src={src} alt="Current logo" style={{ height: 40, borderRadius: 6 }} />}
            <input id="lh_logo" type="file" accept="image/png" onChange={(e) => pickLogo(e.target.files?.[0])} />
            {src && <button type="button" className="btn ghost" onClick={() => setL({ ...l, logo_png: null })}>Remove</button>}
          </div>
          {errors.logo_png && <div className="field-error" role="alert" data-field-error="logo_png">{errors.logo_png}</div>}
        </div>
      </div>
      <div className="form-actions" style={{ position: "static" }}>
        <button type="submit" className="btn primary">Save letterhead</button>
      </div>
    </form>
  );
}
