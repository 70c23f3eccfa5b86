// Who uses this window, at the bottom of the sidebar: the signed-in user, or (on a laptop that
// does not sync) the person chosen as this laptop's user. "Me" decides whose day Today shows.
import { useEffect, useState } from "react";
import type { ApiError, Me, Staff } from "../bindings";
import { api } from "../api";
import { useToast } from "../components/Toasts";

export function initials(name: string): string {
  const words = name.trim().split(/\s+/).filter(Boolean);
  return ((words[0]?.[0] ?? "") + (words.length > 1 ? words[words.length - 1][0] : "")).toUpperCase() || "?";
}

const ROLE: Record<string, string> = { rep: "Sales rep", manager: "Manager", admin: "Admin" };

export function MeChip({ me, onChange }: { me: Me | null; onChange: (me: Me) => void }) {
  const [choosing, setChoosing] = useState(false);
  const [staff, setStaff] = useState<Staff | null>(null);
  const toast = useToast();
  useEffect(() => { if (choosing) api.staff().then(setStaff).catch(() => {}); }, [choosing]);
  if (!me) return null;
  const choose = (id: string) => {
    api.setLaptopUser(id || null)
      .then((m) => { onChange(m); setChoosing(false); if (m.user) toast(`This laptop is ${m.user.name}'s`); })
      .catch((e: ApiError) => toast(e.fields[0]?.message ?? e.message, { kind: "error" }));
  };
  if (choosing) {
    return (
      <div className="me-chip">
        <select className="input" aria-label="Who uses this laptop" autoFocus defaultValue={me.user?.id ?? ""}
          onChange={(e) => choose(e.target.value)} onKeyDown={(e) => { if (e.key === "Escape") setChoosing(false); }}
          onBlur={() => setChoosing(false)}>
          <option value="">Nobody in particular</option>
          {staff?.users.map((u) => <option key={u.id} value={u.id}>{u.name} · {ROLE[u.role] ?? u.role}</option>)}
        </select>
      </div>
    );
  }
  if (!me.user) {
    return (
      <button className="nav-item" data-testid="me" onClick={() => setChoosing(true)} title="Choose who uses this laptop: Today then shows their day">
        <span className="avatar-placeholder" aria-hidden="true">?</span>
        <span className="label">Who are you?</span>
      </button>
    );
  }
  const how = me.signed_in ? `${ROLE[me.user.role] ?? me.user.role} · signed in` : `${ROLE[me.user.role] ?? me.user.role} · this laptop`;
  const body = (
    <>
      <span className="avatar" aria-hidden="true">{initials(me.user.name)}</span>
      <span className="who label"><span className="name">{me.user.name}</span><span className="how">{how}</span></span>
    </>
  );
  return me.signed_in ? (
    <div className="me-chip" data-testid="me" aria-label={`Signed in as ${me.user.name}, ${ROLE[me.user.role] ?? me.user.role}`}>{body}</div>
  ) : (
    <button className="me-chip nav-item" data-testid="me" onClick={() => setChoosing(true)}
      aria-label={`${me.user.name} uses this laptop; change`} title="Change who uses this laptop">{body}</button>
  );
}
