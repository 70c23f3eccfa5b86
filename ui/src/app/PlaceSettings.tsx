// Settings › Dealership's place: its country (phone numbers, spelling) and time zone (working
// hours; the server routes web leads by it while every laptop is closed).
import { useEffect, useMemo, useState } from "react";
import type { ApiError, DealershipPlace } from "../bindings";
import { api } from "../api";
import { Field } from "../components/Field";
import { useToast } from "../components/Toasts";

/// Every IANA zone the web view knows (modern WebKit lists them all), the saved one first if absent.
function zones(current: string): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (key: string) => string[] };
  const all = intl.supportedValuesOf ? intl.supportedValuesOf("timeZone") : [];
  return current && !all.includes(current) ? [current, ...all] : all;
}

export function PlaceSettings({ onSaved }: { onSaved: () => void }) {
  const [p, setP] = useState<DealershipPlace>({ country: "US", timezone: "America/Chicago" });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const toast = useToast();
  useEffect(() => { api.dealershipPlace().then(setP).catch(() => {}); }, []);
  const list = useMemo(() => zones(p.timezone), [p.timezone]);
  const save = async () => {
    try {
      setP(await api.saveDealershipPlace(p));
      setErrors({});
      toast("Country and time zone saved");
      onSaved();
    } catch (e) {
      const err = e as ApiError;
      setErrors(Object.fromEntries(err.fields.map((f) => [f.field, f.message])));
    }
  };
  return (
    <form onSubmit={(e) => { e.preventDefault(); void save(); }} aria-label="Country and time zone" noValidate>
      <h2 className="form-section">Country and time zone</h2>
      <p className="field-hint">Working hours and the routing of web leads that arrive at night follow this time zone.</p>
      <div className="form-grid">
        <Field name="place_country" label="Country (two letters)" required value={p.country} onChange={(v) => setP({ ...p, country: v })} error={errors.country} />
        {list.length > 0 ? (
          <div className="field">
            <label htmlFor="place_timezone">Time zone</label>
            <select id="place_timezone" className="input" value={p.timezone} onChange={(e) => setP({ ...p, timezone: e.target.value })}
              aria-invalid={errors.timezone ? true : undefined}>
              {list.map((z) => <option key={z} value={z}>{z.replace(/_/g, " ")}</option>)}
            </select>
            {errors.timezone && <div className="field-error" role="alert" data-field-error="timezone">{errors.timezone}</div>}
          </div>
        ) : (
          <Field name="place_timezone" label="Time zone (e.g. America/Chicago)" required value={p.timezone} onChange={(v) => setP({ ...p, timezone: v })} error={errors.timezone} />
        )}
      </div>
      <div className="form-actions" style={{ position: "static" }}>
        <button type="submit" className="btn primary">Save country and time zone</button>
      </div>
    </form>
  );
}
