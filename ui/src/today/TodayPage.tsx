// Today: my overdue tasks, what is due today, and the next seven days. Complete a task with its
// outcome and schedule the next step in the same action; a completed test drive or delivery moves
// its deal along by itself.
import { useCallback, useEffect, useState } from "react";
import type { ActivityKind, ApiError, DayOf, Me, OverdueGroup, Staff, Today, TodayItem } from "../bindings";
import { api } from "../api";
import { Field } from "../components/Field";
import { useToast } from "../components/Toasts";
import { formatPhone, localInput, timeOfDay, shortDate } from "../lib/format";
import { now, nowMs } from "../lib/clock";
import { locale } from "../lib/locale";

const KINDS: [ActivityKind, string][] = [
  ["call", "Call"], ["email", "Email"], ["sms", "Text"], ["meeting", "Meeting"], ["test_drive", "Test drive"], ["follow_up", "Follow-up"], ["delivery", "Delivery"],
];
const kindLabel = (k: ActivityKind) => KINDS.find(([x]) => x === k)?.[1] ?? k;

function endOfToday(): string {
  const d = now();
  d.setHours(23, 59, 59, 999);
  return d.toISOString();
}


export function TodayPage({ onOpenCustomer, dataVersion = 0, me }: { onOpenCustomer: (id: string) => void; dataVersion?: number; me: Me | null }) {
  const [today, setToday] = useState<Today | null>(null);
  const [completing, setCompleting] = useState<string | null>(null);
  // Whose day: mine unless a manager picks the team or a rep.
  const [of, setOf] = useState<string>("mine");
  const [allOverdue, setAllOverdue] = useState(false);
  const [staff, setStaff] = useState<Staff | null>(null);
  const toast = useToast();
  const dayOf = (v: string): DayOf => (v === "mine" ? { of: "mine" } : v === "team" ? { of: "team" } : { of: "rep", user: v });
  const load = useCallback(() => {
    api.today(endOfToday(), dayOf(of), allOverdue ? 500 : 8).then(setToday).catch((e: ApiError) => toast(e.message, { kind: "error" }));
  }, [toast, of, allOverdue]);
  useEffect(load, [load, dataVersion, me?.user?.id]);
  useEffect(() => { if (today) api.painted("today"); }, [today]);
  useEffect(() => { if (me?.sees_team) api.staff().then(setStaff).catch(() => {}); }, [me?.sees_team]);

  const list = (items: TodayItem[], tone: string) => (
    <ul className="today-list">
      {items.map((it) => (
        <li key={it.activity.id} data-activity={it.activity.id} className="today-item">
          <div className="today-main">
            <span className={`kind kind-${it.activity.kind}`}>{kindLabel(it.activity.kind)}</span>
            <div className="today-text">
              <div className="strong">{it.activity.subject}</div>
              <div className="muted">
                <button className="link" onClick={() => onOpenCustomer(it.activity.customer_id)}>{it.customer}</button>
                {it.phone && <> · {formatPhone(it.phone)}</>}
                {it.deal && <> · {it.deal}</>}
              </div>
            </div>
            <span className={`today-due ${tone}`}>{tone === "today" ? "" : `${shortDate(it.activity.due_at)} `}{timeOfDay(it.activity.due_at)}</span>
            {it.activity.message && completing !== it.activity.id && <SendPrepared item={it} onSent={(m, failed) => { toast(m, failed ? { kind: "error" } : undefined); load(); }} />}
            {completing !== it.activity.id && <button className="btn small" onClick={() => setCompleting(it.activity.id)}>Done…</button>}
          </div>
          {completing === it.activity.id && (
            <CompleteForm item={it} checklist={it.activity.kind === "delivery" ? today?.delivery_checklist ?? [] : []} onCancel={() => setCompleting(null)}
              onDone={(message) => { setCompleting(null); toast(message); load(); }} />
          )}
        </li>
      ))}
    </ul>
  );
  const section = (title: string, items: TodayItem[], tone: string, empty: string) => (
    <section aria-label={title} className={`today-section ${tone}`}>
      <h2 className="form-section">{title} <span className="badge">{items.length}</span></h2>
      {items.length === 0 ? <p className="muted">{empty}</p> : list(items, tone)}
    </section>
  );
  const overdue = (groups: OverdueGroup[], total: number) => (
    <section aria-label="Overdue" className="today-section overdue">
      <h2 className="form-section">Overdue <span className="badge">{total.toLocaleString(locale())}</span></h2>
      {total === 0 ? <p className="muted">Nothing overdue.</p> : groups.map((g) => (
        <div key={g.label} className="overdue-group" data-group={g.label}>
          <h3 className="overdue-label">{g.label} <span className="muted">{g.total.toLocaleString(locale())}</span></h3>
          {list(g.items, "overdue")}
          {g.total > g.items.length && (
            <button className="btn small show-all" onClick={() => setAllOverdue(true)}>
              Show all {g.total.toLocaleString(locale())} ({(g.total - g.items.length).toLocaleString(locale())} more)
            </button>
          )}
        </div>
      ))}
    </section>
  );
  const reps = staff?.users.filter((u) => u.id !== me?.user?.id) ?? [];

  return (
    <>
      <header className="page-header">
        <h1 className="page-title">Today</h1>
        <span className="page-count">{now().toLocaleDateString(locale(), { weekday: "long", month: "long", day: "numeric" })}{today ? ` · ${today.whose === "the team" ? "the team's day" : `${today.whose}'s day`}` : ""}</span>
        {me?.sees_team && (
          <label className="whose">
            <select className="input" aria-label="Whose day" value={of === "mine" && !me.user ? "team" : of} onChange={(e) => { setOf(e.target.value); setAllOverdue(false); }}>
              {me.user && <option value="mine">My day</option>}
              <option value="team">The team</option>
              {reps.map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
            </select>
          </label>
        )}
      </header>
      <div className="today-page">
        {me && !me.user && (
          <p className="banner info" role="note">Showing the whole team's day. Choose who you are (bottom left) to see your own.</p>
        )}
        {!today ? <p className="muted" aria-busy="true">Loading…</p> : (
          <>
            {section("Due today", today.due_today, "today", "Nothing else due today.")}
            {overdue(today.overdue, today.overdue_total)}
            {section("Next 7 days", today.upcoming, "upcoming", "Nothing scheduled yet.")}
          </>
        )}
      </div>
    </>
  );
}

function CompleteForm({ item, checklist, onCancel, onDone }: { item: TodayItem; checklist: string[]; onCancel: () => void; onDone: (message: string) => void }) {
  const [outcome, setOutcome] = useState("");
  const [ticked, setTicked] = useState<string[]>([]);
  const [next, setNext] = useState(false);
  const [kind, setKind] = useState<ActivityKind>("call");
  const [subject, setSubject] = useState("");
  const [due, setDue] = useState(localInput(new Date(nowMs() + 24 * 3600 * 1000)));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const submit = async () => {
    try {
      const when = new Date(due);
      await api.completeActivity(item.activity.id, {
        outcome,
        checklist: ticked,
        send_message: false,
        next: next ? {
          customer_id: item.activity.customer_id, opportunity_id: item.activity.opportunity_id, kind, subject,
          due_at: Number.isNaN(when.getTime()) ? due : when.toISOString(), owner_id: null,
        } : null,
      });
      onDone(next ? `Done; next: ${subject}` : `Done: ${item.activity.subject}`);
    } catch (e) {
      const err = e as ApiError;
      setErrors(Object.fromEntries(err.fields.map((f) => [f.field, f.message])));
      if (!err.fields.length) setErrors({ outcome: err.message });
    }
  };
  return (
    <form className="complete-form" aria-label={`Complete ${item.activity.subject}`} noValidate
      onSubmit={(e) => { e.preventDefault(); void submit(); }}
      onKeyDown={(e) => { if (e.key === "Escape") { e.stopPropagation(); onCancel(); } }}>
      <Field name="outcome" label="Outcome" required multiline autoFocus value={outcome}
        onChange={(v) => { setOutcome(v); setErrors(({ outcome: _, ...rest }) => rest); }} error={errors.outcome}
        placeholder="How did it go?" />
      {checklist.length > 0 && (
        <fieldset className="checklist">
          <legend>Delivery checklist</legend>
          {checklist.map((c) => (
            <label key={c} className="check"><input type="checkbox" checked={ticked.includes(c)}
              onChange={(e) => setTicked((t) => (e.target.checked ? [...t, c] : t.filter((x) => x !== c)))} /> {c}</label>
          ))}
          {errors.checklist && <div className="field-error" role="alert" data-field-error="checklist">{errors.checklist}</div>}
        </fieldset>
      )}
      <label className="check"><input type="checkbox" name="schedule_next" checked={next} onChange={(e) => setNext(e.target.checked)} /> Schedule the next step</label>
      {next && (
        <div className="form-grid three">
          <div className="field">
            <label htmlFor="next-kind">Type</label>
            <select id="next-kind" className="input" value={kind} onChange={(e) => setKind(e.target.value as ActivityKind)}>
              {KINDS.map(([k, l]) => <option key={k} value={k}>{l}</option>)}
            </select>
          </div>
          <Field name="next_subject" label="What" required value={subject} onChange={setSubject} error={errors["next.subject"]} />
          <Field name="next_due" label="When" required type="datetime-local" value={due} onChange={setDue} error={errors["next.due_at"]} />
        </div>
      )}
      <div className="row-actions">
        <button type="button" className="btn" onClick={onCancel}>Cancel</button>
        <button type="submit" className="btn primary">Complete</button>
      </div>
    </form>
  );
}

/** A cadence step's prepared email or text: queued for the server's outbox and the task completed
 *  in one action (works offline; it leaves at the next sync). */
function SendPrepared({ item, onSent }: { item: TodayItem; onSent: (message: string, failed?: boolean) => void }) {
  const a = item.activity;
  const email = a.kind === "email";
  const to = email ? item.email : item.phone;
  if (!to || (a.kind !== "email" && a.kind !== "sms")) return null;
  const send = async () => {
    try {
      await api.completeActivity(a.id, { outcome: "Queued to send", next: null, checklist: [], send_message: true });
      onSent(`${email ? "Email" : "Text"} queued and the step marked done: it leaves at the next sync`);
    } catch (e) {
      onSent((e as ApiError).message, true);
    }
  };
  return (
    <button className="btn small" title={a.message} onClick={() => void send()}>
      {email ? "Send email" : "Send text"}
    </button>
  );
}
