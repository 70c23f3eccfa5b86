// Ctrl+K: one box that finds customers, leads and vehicles and offers actions and pages.
// ↑/↓ + Enter act, Esc clears then closes, Backspace on an empty box closes.
import { useEffect, useMemo, useRef, useState } from "react";
import type { SearchHit } from "../bindings";
import { api } from "../api";
import { Icon, type IconName } from "../components/Icon";
import { useToast } from "../components/Toasts";
import { useKeyLayer } from "../lib/keys";

export type Command = { id: string; label: string; hint?: string; run: () => void };
type Item = { key: string; group: string; icon: IconName; title: string; sub?: string; run: () => void };

const GROUPS: Record<SearchHit["kind"], [string, IconName]> = {
  customer: ["Customers", "customers"],
  lead: ["Leads", "leads"],
  vehicle: ["Vehicles", "car"],
};

export function CommandMenu(p: {
  commands: Command[]; onClose: () => void; onOpenCustomer: (id: string) => void; onOpenVehicle: (stockNo: string) => void;
}) {
  const [text, setText] = useState("");
  // The hits on screen and the text they answer (benchmarks and tests read it from the list).
  const [found, setFound] = useState<{ q: string; hits: SearchHit[] }>({ q: "", hits: [] });
  const hits = found.hits;
  const [active, setActive] = useState(0);
  const toast = useToast();
  const listRef = useRef<HTMLUListElement>(null);

  // Every keystroke searches at once (a search takes a few ms); an answer to an older keystroke is dropped.
  useEffect(() => {
    let live = true;
    const q = text.trim();
    if (!q) {
      setFound({ q: "", hits: [] });
      return;
    }
    api.search(q).then((h) => live && setFound({ q, hits: h })).catch(() => live && setFound({ q, hits: [] }));
    return () => { live = false; };
  }, [text]);

  const items: Item[] = useMemo(() => {
    const found: Item[] = hits.map((h) => ({
      key: `${h.kind}-${h.id}`,
      group: GROUPS[h.kind][0],
      icon: GROUPS[h.kind][1],
      title: h.title,
      sub: h.subtitle,
      run: () => {
        if (h.customer_id) p.onOpenCustomer(h.customer_id);
        else if (h.kind === "vehicle") p.onOpenVehicle(h.subtitle.replace(/^Stock (\S+).*$/, "$1"));
        else {
          p.onClose();
          toast(`${h.title} has no customer record yet`);
        }
      },
    }));
    const q = text.trim().toLowerCase();
    const actions: Item[] = p.commands
      .filter((c) => !q || c.label.toLowerCase().includes(q))
      .map((c) => ({ key: c.id, group: "Actions", icon: "plus", title: c.label, sub: c.hint, run: () => { p.onClose(); c.run(); } }));
    return [...found, ...actions];
  }, [hits, text, p, toast]);

  useEffect(() => setActive(0), [items.length, text]);
  useEffect(() => {
    listRef.current?.querySelector('[aria-selected="true"]')?.scrollIntoView({ block: "nearest" });
  }, [active]);

  useKeyLayer((e) => {
    if (e.key === "Escape") {
      e.preventDefault();
      if (text) setText("");
      else p.onClose();
    } else if (e.key === "ArrowDown") {
      e.preventDefault();
      setActive((a) => Math.min(a + 1, items.length - 1));
    } else if (e.key === "ArrowUp") {
      e.preventDefault();
      setActive((a) => Math.max(a - 1, 0));
    } else if (e.key === "Enter") {
      e.preventDefault();
      items[active]?.run();
    } else if (e.key === "Backspace" && !text) {
      p.onClose();
    } else {
      return false;
    }
    return true;
  });

  let lastGroup = "";
  return (
    <div className="overlay" onMouseDown={(e) => e.target === e.currentTarget && p.onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label="Search and commands">
        <input className="cmdk-input" autoFocus placeholder="Search customers, leads, vehicles, or type a command…"
          value={text} onChange={(e) => setText(e.target.value)} aria-label="Search"
          role="combobox" aria-expanded="true" aria-controls="cmdk-list" aria-activedescendant={items[active] ? `cmdk-${items[active].key}` : undefined} />
        <ul className="cmdk-list" id="cmdk-list" role="listbox" ref={listRef} data-query={found.q}>
          {items.length === 0 && <li className="cmdk-empty">Nothing matches “{text}”.</li>}
          {items.map((it, i) => {
            const header = it.group !== lastGroup ? <li className="cmdk-group" role="presentation">{it.group}</li> : null;
            lastGroup = it.group;
            return [
              header,
              <li key={it.key} id={`cmdk-${it.key}`} role="option" className="cmdk-item" aria-selected={i === active}
                onMouseMove={() => setActive(i)} onClick={() => it.run()} data-kind={it.group}>
                <Icon name={it.icon} />
                <span>{it.title}</span>
                {it.sub && <span className="sub">{it.sub}</span>}
              </li>,
            ];
          })}
        </ul>
        <div className="cmdk-footer">
          <span><span className="kbd">↑</span> <span className="kbd">↓</span> move</span>
          <span><span className="kbd">Enter</span> open</span>
          <span><span className="kbd">Esc</span> clear / close</span>
        </div>
      </div>
    </div>
  );
}
