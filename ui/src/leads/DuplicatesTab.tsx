// Possible duplicates over the stored customers, and the field-by-field merge: pick which value
// survives for each field; every lead, deal, task and timeline entry of the other record moves over.
import { useCallback, useEffect, useState } from "react";
import type { Customer, DuplicatePair } from "../bindings";
import { api } from "../api";
import { useToast } from "../components/Toasts";
import { useKeyLayer } from "../lib/keys";
import { formatPhone } from "../lib/format";

const REASONS: Record<string, string> = { email: "same email", phone: "same phone", name: "similar name", name_and_contact: "same name and contact" };
const FIELDS: [keyof Customer, string][] = [
  ["first_name", "First name"], ["last_name", "Last name"], ["email", "Email"], ["phone", "Phone"], ["street", "Street"], ["city", "City"],
  ["region", "State"], ["postal_code", "ZIP"], ["language", "Language"], ["birth_date", "Birth date"], ["owner_id", "Owner"],
];

let staffNames: Record<string, string> = {};

function show(c: Customer, f: keyof Customer): string {
  const v = c[f];
  if (v === null || v === undefined || v === "") return "—";
  if (f === "owner_id") return staffNames[v as string] ?? "another rep";
  return f === "phone" ? formatPhone(v as string) : String(v);
}

export function DuplicatesTab({ onOpenCustomer }: { onOpenCustomer: (id: string) => void }) {
  const [pairs, setPairs] = useState<DuplicatePair[] | null>(null);
  const [merging, setMerging] = useState<DuplicatePair | null>(null);
  const toast = useToast();
  const load = useCallback(() => { api.possibleDuplicates().then(setPairs).catch((e) => toast(e.message, { kind: "error" })); }, [toast]);
  useEffect(load, [load]);
  useEffect(() => {
    api.staff().then((st) => { staffNames = Object.fromEntries(st.users.map((u) => [u.id, u.name])); }).catch(() => {});
  }, []);
  return (
    <div className="duplicates">
      {!pairs ? <p className="muted" aria-busy="true">Looking for duplicates…</p> : pairs.length === 0 ? <p className="empty muted">No possible duplicates.</p> : (
        <table className="grid" aria-label="Possible duplicates">
          <thead><tr><th>Record</th><th>Looks like</th><th>Why</th><th /></tr></thead>
          <tbody>
            {pairs.map((p) => (
              <tr key={`${p.a.id}-${p.b.id}`} data-pair={`${p.a.first_name} ${p.a.last_name} / ${p.b.first_name} ${p.b.last_name}`}>
                <td><button className="link" onClick={() => onOpenCustomer(p.a.id)}>{p.a.first_name} {p.a.last_name}</button> <span className="muted">{p.a.email ?? formatPhone(p.a.phone)}</span></td>
                <td><button className="link" onClick={() => onOpenCustomer(p.b.id)}>{p.b.first_name} {p.b.last_name}</button> <span className="muted">{p.b.email ?? formatPhone(p.b.phone)}</span></td>
                <td><span className="chip">{REASONS[p.reason] ?? p.reason}</span></td>
                <td><button className="btn small" onClick={() => setMerging(p)}>Review merge</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {merging && <MergeDialog pair={merging} onClose={() => setMerging(null)} onMerged={(msg) => { setMerging(null); toast(msg); load(); }} />}
    </div>
  );
}

function MergeDialog({ pair, onClose, onMerged }: { pair: DuplicatePair; onClose: () => void; onMerged: (message: string) => void }) {
  // The older record survives by default (or the other, swapped); for each field the filled-in
  // value is preselected.
  const [flip, setFlip] = useState(false);
  const [keep, other] = flip ? [pair.b, pair.a] : [pair.a, pair.b];
  const prefill = (k: Customer, o: Customer) => FIELDS.filter(([f]) => show(k, f) === "—" && show(o, f) !== "—").map(([f]) => f as string);
  const [take, setTake] = useState<string[]>(prefill(pair.a, pair.b));
  const swap = () => { setFlip(!flip); setTake(flip ? prefill(pair.a, pair.b) : prefill(pair.b, pair.a)); };
  const [error, setError] = useState("");
  useKeyLayer((e) => { if (e.key === "Escape") { onClose(); return true; } return false; });
  const merge = async () => {
    try {
      const r = await api.mergeCustomers({ keep: keep.id, merge: other.id, take });
      onMerged(`Merged into ${r.customer.first_name} ${r.customer.last_name}${r.moved.length ? `: moved ${r.moved.join(", ")}` : ""}`);
    } catch (e) {
      setError((e as { message: string }).message);
    }
  };
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog wide" role="dialog" aria-modal="true" aria-labelledby="merge-title">
        <div className="dialog-body">
          <h2 id="merge-title" style={{ marginTop: 0 }}>Merge duplicates</h2>
          <p className="muted">Pick the value to keep for each field. Everything of both records (leads, deals, tasks, timeline, quotes) is kept.</p>
          <table className="grid merge" aria-label="Fields to keep">
            <thead><tr><th>Field</th><th>{keep.first_name} {keep.last_name} (kept)</th><th>{other.first_name} {other.last_name}</th></tr></thead>
            <tbody>
              {FIELDS.filter(([f]) => show(keep, f) !== show(other, f)).map(([f, label]) => {
                const theirs = take.includes(f);
                return (
                  <tr key={f}>
                    <td>{label}</td>
                    <td><label className="check"><input type="radio" name={`merge-${f}`} checked={!theirs}
                      onChange={() => setTake((t) => t.filter((x) => x !== f))} /> {show(keep, f)}</label></td>
                    <td><label className="check"><input type="radio" name={`merge-${f}`} aria-label={`Take ${label} ${show(other, f)}`} checked={theirs}
                      onChange={() => setTake((t) => [...t, f])} /> {show(other, f)}</label></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <p className="field-hint">{FIELDS.filter(([f]) => show(keep, f) === show(other, f)).length} other fields are the same in both; notes are combined.</p>
          {error && <p className="field-error" role="alert">{error}</p>}
          <div className="form-actions">
            <button className="btn ghost" onClick={swap} style={{ marginRight: "auto" }}>Keep {other.first_name} {other.last_name} instead</button>
            <button className="btn" onClick={onClose}>Cancel</button>
            <button className="btn primary" onClick={() => void merge()}>Merge</button>
          </div>
        </div>
      </div>
    </div>
  );
}
