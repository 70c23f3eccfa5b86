// Event mode for auto shows: choose the event once, then a large, fast capture form, one visitor
// after another. Works offline like everything else; the leads sync when the network is back.
import { useEffect, useState } from "react";
import type { Captured, Event } from "../bindings";
import { api, fieldErrors } from "../api";
import { Field } from "../components/Field";
import { CaptureForm, blankCapture } from "./CaptureForm";
import { now } from "../lib/clock";

const today = () => now().toISOString().slice(0, 10);

export function EventMode({ onExit }: { onExit: () => void }) {
  const [events, setEvents] = useState<Event[]>([]);
  const [event, setEvent] = useState<Event | null>(null);
  const [draft, setDraft] = useState<Event>({ id: "00000000-0000-0000-0000-000000000000", name: "", venue: "", starts_on: today(), ends_on: today() });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [captured, setCaptured] = useState<Captured[]>([]);
  useEffect(() => { api.events().then(setEvents).catch(() => {}); }, []);
  const create = async () => {
    try { const e = await api.saveEvent(draft); setEvent(e); } catch (e) { setErrors(fieldErrors(e)); }
  };
  if (!event) {
    return (
      <div className="event-mode">
        <header className="page-header"><h1 className="page-title">Event mode</h1>
          <div className="page-actions"><button className="btn" onClick={onExit}>Back to leads</button></div></header>
        <div className="event-pick">
          {events.length > 0 && (
            <section aria-label="Events">
              <h2 className="form-section">Choose the event</h2>
              {events.map((e) => <button key={e.id} className="btn large event-choice" onClick={() => setEvent(e)}>{e.name} <span className="muted">{e.venue} · {e.starts_on}</span></button>)}
            </section>
          )}
          <section aria-label="New event" className="card">
            <h2 className="form-section" style={{ marginTop: 0 }}>New event</h2>
            <form className="form-grid" noValidate onSubmit={(e) => { e.preventDefault(); void create(); }}>
              <Field name="event_name" label="Event" required value={draft.name} onChange={(v) => setDraft({ ...draft, name: v })} error={errors.name} placeholder="Austin Auto Show" />
              <Field name="venue" label="Venue" value={draft.venue} onChange={(v) => setDraft({ ...draft, venue: v })} error={errors.venue} />
              <Field name="starts_on" label="First day" type="date" value={draft.starts_on} onChange={(v) => setDraft({ ...draft, starts_on: v })} error={errors.starts_on} />
              <Field name="ends_on" label="Last day" type="date" value={draft.ends_on} onChange={(v) => setDraft({ ...draft, ends_on: v })} error={errors.ends_on} />
              <div className="row-actions span-2"><button type="submit" className="btn primary">Start event mode</button></div>
            </form>
          </section>
        </div>
      </div>
    );
  }
  return (
    <div className="event-mode live">
      <header className="page-header">
        <h1 className="page-title">{event.name}</h1>
        <span className="page-count" aria-live="polite">{captured.length} captured here</span>
        <div className="page-actions"><button className="btn" onClick={onExit}>Exit event mode</button></div>
      </header>
      <div className="event-capture">
        <CaptureForm large showChannel={false} initial={{ ...blankCapture("event", event.id), source: event.name }}
          onSaved={(c) => setCaptured((x) => [c, ...x])} />
        {captured.length > 0 && (
          <ul className="event-recent" aria-label="Captured at this event">
            {captured.slice(0, 5).map((c) => (
              <li key={c.lead.id}><strong>{c.lead.first_name} {c.lead.last_name}</strong> <span className="muted">{c.lead.vehicle_interest} · score {c.lead.score}</span>
                {c.possible_duplicates.length > 0 && <span className="chip warn">looks like {c.possible_duplicates[0].name}</span>}</li>
            ))}
          </ul>
        )}
      </div>
    </div>
  );
}
