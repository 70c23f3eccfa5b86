// A quote's customer links: make one (offline; only its hash is kept, so the link is shown once
// to copy), see which are open, expired or revoked, and revoke one. The customer opens the link on
// the dealership's server to see, download, accept or decline the quote, or ask a question.
import { useCallback, useEffect, useState } from "react";
import type { ApiError, QuoteShare, ShareLink } from "../bindings";
import { api } from "../api";
import { useToast } from "../components/Toasts";
import { nowMs } from "../lib/clock";
import { shortDate } from "../lib/format";

const DAYS = [7, 14, 30, 90];

export function QuoteShareSection({ quoteId, open, onChanged }: { quoteId: string; open: boolean; onChanged: () => void }) {
  const [shares, setShares] = useState<QuoteShare[] | null>(null);
  const [made, setMade] = useState<ShareLink | null>(null);
  const [days, setDays] = useState(14);
  const [error, setError] = useState<string | null>(null);
  const toast = useToast();
  const load = useCallback(() => { api.quoteShares(quoteId).then(setShares).catch(() => setShares([])); }, [quoteId]);
  useEffect(load, [load]);

  const make = async () => {
    try {
      const link = await api.shareQuote(quoteId, days);
      setMade(link); setError(null); load(); onChanged();
      await navigator.clipboard?.writeText(link.url).then(() => toast("Link copied: paste it into a text or an email"), () => {});
    } catch (e) { setError((e as ApiError).message); }
  };
  const revoke = async (s: QuoteShare) => {
    try { await api.revokeShare(s.id); toast("Link revoked: it stops working at the next sync"); if (made?.share.id === s.id) setMade(null); load(); }
    catch (e) { toast((e as ApiError).message, { kind: "error" }); }
  };
  const now = nowMs();
  const state = (s: QuoteShare) => (s.revoked_at ? "Revoked" : Date.parse(s.expires_at) <= now ? "Expired" : "Open");

  return (
    <section aria-label="Customer link">
      <h3 className="form-section">Customer link</h3>
      {open && (
        <div className="row-actions wrap start">
          <label className="filter">Valid for
            <select className="input" name="share_days" value={days} onChange={(e) => setDays(Number(e.target.value))}>
              {DAYS.map((d) => <option key={d} value={d}>{d} days</option>)}
            </select>
          </label>
          <button className="btn" onClick={() => void make()}>Make a link</button>
        </div>
      )}
      {error && <div className="field-error" role="alert" data-field-error="share">{error}</div>}
      {made && (
        <div className="share-made" data-testid="share-link">
          <input className="input" readOnly aria-label="Link to send the customer" value={made.url} onFocus={(e) => e.currentTarget.select()} />
          <button className="btn small" onClick={() => void navigator.clipboard?.writeText(made.url).then(() => toast("Copied"))}>Copy</button>
          <div className="muted small">Shown once: only a fingerprint of it is kept. It works once this laptop has synced.</div>
        </div>
      )}
      {shares && shares.length > 0 && (
        <ul className="plain-list" aria-label="Links made">
          {shares.map((s) => (
            <li key={s.id}>
              <span>Made {shortDate(s.created_at)} · {state(s) === "Open" ? `valid until ${shortDate(s.expires_at)}` : state(s) === "Expired" ? `expired ${shortDate(s.expires_at)}` : `revoked ${shortDate(s.revoked_at)}`}</span>
              {state(s) === "Open" && <button className="btn small" onClick={() => void revoke(s)}>Revoke</button>}
            </li>
          ))}
        </ul>
      )}
      {shares && shares.length === 0 && !open && <p className="muted">No links were made for this quote.</p>}
    </section>
  );
}
