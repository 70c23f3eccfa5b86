// The customer list: instant search, keyboard navigation, paging as you scroll, and the side
// panel (detail or new-customer form) beside it.
import { memo, useCallback, useEffect, useRef, useState } from "react";
import type { Customer, SearchHit, Vehicle } from "../bindings";
import { api } from "../api";
import { CsvImportDialog } from "../components/CsvImport";
import { Icon } from "../components/Icon";
import { useToast } from "../components/Toasts";
import { rowHeight, useVirtualList, VirtualRows } from "../components/VirtualRows";
import { formatPhone, fullName, shortDate } from "../lib/format";
import { isTyping, useKeyLayer } from "../lib/keys";
import { CustomerForm } from "./CustomerForm";
import { CustomerPanel } from "./CustomerPanel";
import { locale } from "../lib/locale";

// A page of rows: more than a 1280×800 or a tablet screen shows; scrolling loads the next.
const PAGE = 50;

/** One row; re-rendered only when its customer or its selection changes (typing keeps most rows). */
const CustomerRow = memo(function CustomerRow({ c, index, selected, onPick, measure }: {
  c: Customer; index: number; selected: boolean; onPick: (index: number, id: string) => void; measure?: (el: Element | null) => void;
}) {
  return (
    <tr ref={measure} className="row" data-index={index} data-id={c.id} aria-selected={selected} onClick={() => onPick(index, c.id)}>
      <td className="strong">{fullName(c)}</td>
      <td>{formatPhone(c.phone)}</td>
      <td>{c.email ?? ""}</td>
      <td className="muted">{c.city}</td>
      <td className="muted">{shortDate(c.created_at)}</td>
    </tr>
  );
});

type Props = {
  selected: string | null;
  onSelect: (id: string | null) => void;
  creating: boolean;
  onCreate: (v: boolean) => void;
  onChanged: () => void;
  /** Changes when a sync brought data: the list and the open customer reload quietly. */
  dataVersion?: number;
  onQuote: (customer: SearchHit, vehicle: Vehicle | null) => void;
};

export function CustomersPage({ selected, onSelect, creating, onCreate, onChanged, onQuote, dataVersion = 0 }: Props) {
  const [search, setSearch] = useState("");
  const [items, setItems] = useState<Customer[]>([]);
  const [total, setTotal] = useState(0);
  const [totalCapped, setTotalCapped] = useState(false);
  const [loading, setLoading] = useState(true);
  // The search the rows on screen answer (benchmarks and tests read it from the table).
  const [shownFor, setShownFor] = useState("");
  const [cursor, setCursor] = useState(0);
  const searchRef = useRef<HTMLInputElement>(null);
  const tableRef = useRef<HTMLDivElement>(null);
  const generation = useRef(0);
  const shown = useRef(0); // rows on screen, read by `load` without re-creating it
  const toast = useToast();
  const [importing, setImporting] = useState(false);
  const [imported, setImported] = useState(0);

  const load = useCallback((text: string, offset: number, quiet = false) => {
    const gen = ++generation.current;
    // While typing, the rows on screen stay until the next answer replaces them (no flash, one render).
    if (!quiet && (offset > 0 || shown.current === 0)) setLoading(true);
    api.listCustomers({ search: text, offset, limit: PAGE })
      .then((page) => {
        if (gen !== generation.current) return; // a newer keystroke won
        setItems((prev) => (offset === 0 ? page.items : [...prev, ...page.items]));
        setTotal(page.total);
        setTotalCapped(page.total_capped);
        setShownFor(text);
        if (offset === 0 && !quiet) setCursor(0);
      })
      .catch((e) => toast(e.message, { kind: "error" }))
      .finally(() => gen === generation.current && setLoading(false));
  }, [toast]);
  shown.current = items.length;
  const onPick = useCallback((i: number, id: string) => { setCursor(i); onSelect(id); }, [onSelect]);

  // Every keystroke searches at once (a search takes a few ms); an answer to an older keystroke is dropped.
  useEffect(() => load(search, 0), [search, load, imported]);

  // Data arrived from other devices: refresh the first page in place, keeping the selection.
  const firstVersion = useRef(dataVersion);
  useEffect(() => {
    if (dataVersion === firstVersion.current) return;
    firstVersion.current = dataVersion;
    load(search, 0, true);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [dataVersion]);

  const onScroll = () => {
    const el = tableRef.current;
    if (!el || loading || items.length >= total) return;
    if (el.scrollTop + el.clientHeight > el.scrollHeight - 400) load(search, items.length);
  };

  const list = useVirtualList(items.length, tableRef, rowHeight());
  useEffect(() => {
    if (cursor < items.length) list.scrollToIndex(cursor, { align: "auto" });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cursor]);

  useKeyLayer((e) => {
    if (e.key === "Escape" && isTyping(e) && e.target === searchRef.current) {
      if (search) setSearch("");
      else searchRef.current?.blur();
      return true;
    }
    if (e.key === "ArrowDown" && (!isTyping(e) || e.target === searchRef.current)) {
      e.preventDefault();
      setCursor((c) => Math.min(c + 1, items.length - 1));
      return true;
    }
    if (e.key === "ArrowUp" && (!isTyping(e) || e.target === searchRef.current)) {
      e.preventDefault();
      setCursor((c) => Math.max(c - 1, 0));
      return true;
    }
    if (e.key === "Enter" && (!isTyping(e) || e.target === searchRef.current) && items[cursor]) {
      e.preventDefault();
      onSelect(items[cursor].id);
      return true;
    }
    if (isTyping(e)) return false;
    if (e.key === "/") {
      e.preventDefault();
      searchRef.current?.focus();
      return true;
    }
    if ((e.key === "n" || e.key === "N") && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      onSelect(null);
      onCreate(true);
      return true;
    }
    return false;
  });

  const upsert = (c: Customer) => {
    setItems((prev) => (prev.some((x) => x.id === c.id) ? prev.map((x) => (x.id === c.id ? c : x)) : [c, ...prev]));
    onChanged();
  };

  return (
    <>
      <header className="page-header">
        <h1 className="page-title">Customers</h1>
        <span className="page-count" aria-live="polite">{loading && items.length === 0 ? "Loading…" : `${total.toLocaleString(locale())}${totalCapped ? "+" : ""} ${search ? "found" : "total"}`}</span>
        <div className="page-actions">
          <div className="search">
            <Icon name="search" size={16} />
            <input ref={searchRef} className="input" type="search" placeholder="Search customers…"
              aria-label="Search customers" value={search} onChange={(e) => setSearch(e.target.value)} />
          </div>
          <button className="btn" onClick={() => setImporting(true)}>Import CSV…</button>
          <button className="btn primary" onClick={() => { onSelect(null); onCreate(true); }}>
            <Icon name="plus" size={16} /> New customer <span className="kbd">N</span>
          </button>
        </div>
      </header>
      {importing && <CsvImportDialog kind="customers" onClose={() => setImporting(false)} onDone={() => setImported((n) => n + 1)} />}
      <div className="page-body">
        <div className="table-wrap" ref={tableRef} onScroll={onScroll}>
          {!loading && items.length === 0 ? (
            search ? (
              <div className="empty">
                <Icon name="search" size={36} />
                <h2>No customer matches “{search}”</h2>
                <p>Search looks at names, email, phone digits and city. Check the spelling, or add this person.</p>
                <div className="actions">
                  <button className="btn" onClick={() => setSearch("")}>Clear search</button>
                  <button className="btn primary" onClick={() => onCreate(true)}>New customer</button>
                </div>
              </div>
            ) : (
              <div className="empty">
                <Icon name="customers" size={40} />
                <h2>No customers yet</h2>
                <p>Add the first one now, or import a CSV from your old CRM with <code>showroom import customers FILE.csv</code>.</p>
                <div className="actions"><button className="btn primary" onClick={() => onCreate(true)}>New customer</button></div>
              </div>
            )
          ) : (
            <table className={`grid customers${selected || creating ? " beside-panel" : ""}`} aria-label="Customers" aria-rowcount={total} data-query={shownFor.trim()}>
              <thead>
                <tr><th scope="col">Name</th><th scope="col">Phone</th><th scope="col">Email</th><th scope="col">City</th><th scope="col">Since</th></tr>
              </thead>
              <tbody>
                {items.length === 0 && loading && Array.from({ length: 8 }, (_, i) => (
                  <tr key={i}>{Array.from({ length: 5 }, (_, j) => <td key={j}><span className="skeleton" /></td>)}</tr>
                ))}
                <VirtualRows items={items} list={list} columns={5} row={(c, i, measure) => (
                  <CustomerRow key={c.id} c={c} index={i} onPick={onPick} measure={measure}
                    selected={c.id === selected || (i === cursor && !selected)} />
                )} />
              </tbody>
            </table>
          )}
        </div>
        {creating ? (
          <aside className="panel" aria-label="New customer">
            <div className="panel-header">
              <h2 className="panel-title" style={{ flex: 1 }}>New customer</h2>
              <button className="btn ghost" onClick={() => onCreate(false)} aria-label="Close panel"><Icon name="close" /></button>
            </div>
            <CustomerForm onCancel={() => onCreate(false)} onSaved={(c) => {
              upsert(c);
              onCreate(false);
              onSelect(c.id);
              toast(`Created ${fullName(c)}`);
            }} />
          </aside>
        ) : selected ? (
          <CustomerPanel id={selected} onClose={() => onSelect(null)} onSaved={upsert} onQuote={onQuote} dataVersion={dataVersion} />
        ) : null}
      </div>
    </>
  );
}
