// Inventory: the lot as a table with instant search and filters, days in stock with aged units
// flagged, and "Quote" on every row to price it on the desk.
import { useEffect, useMemo, useRef, useState } from "react";
import type { Condition, Vehicle, VehicleFilter, VehicleStatus } from "../bindings";
import { api } from "../api";
import { CsvImportDialog } from "../components/CsvImport";
import { SisterStockDialog } from "./SisterStock";
import type { SyncAccount } from "../bindings";
import { MoneyInput } from "../components/Field";
import { Icon } from "../components/Icon";
import { useToast } from "../components/Toasts";
import { rowHeight, useVirtualList, VirtualRows } from "../components/VirtualRows";
import { formatCents } from "../lib/format";
import { nowMs } from "../lib/clock";
import { locale, spell } from "../lib/locale";

const STATUS: Record<VehicleStatus, string> = {
  available: "Available", reserved: "Reserved", in_transit: "In transit", on_hold: "On hold", sold: "Sold",
};
const CONDITION: Record<Condition, string> = { new: "New", used: "Used", cpo: "CPO" };

export function daysInStock(v: Vehicle, now = nowMs()): number {
  return Math.max(0, Math.floor((now - new Date(v.received_at).getTime()) / 86_400_000));
}

export function InventoryPage({ onQuote, initialText = "" }: { onQuote: (v: Vehicle) => void; initialText?: string }) {
  const [filter, setFilter] = useState<VehicleFilter>({
    text: initialText, make: null, model: null, body: null, condition: null, status: null, min_price_cents: null, max_price_cents: null,
  });
  const [maxPrice, setMaxPrice] = useState("");
  const [items, setItems] = useState<Vehicle[] | null>(null);
  const [all, setAll] = useState<Vehicle[]>([]);
  const toast = useToast();
  const [importing, setImporting] = useState(false);
  const [imported, setImported] = useState(0);
  const [account, setAccount] = useState<SyncAccount | null>(null);
  const [sisters, setSisters] = useState(false);
  useEffect(() => { api.syncAccount().then(setAccount).catch(() => {}); }, []);
  const scroller = useRef<HTMLDivElement>(null);
  const list = useVirtualList(items?.length ?? 0, scroller, rowHeight());

  useEffect(() => { api.filterVehicles({ ...filter, text: "", make: null, body: null, condition: null, status: null, max_price_cents: null }).then(setAll).catch(() => {}); }, [imported]); // eslint-disable-line
  useEffect(() => {
    const t = setTimeout(async () => {
      try {
        const max = maxPrice.trim() ? await api.parseMoney(maxPrice, "max_price").catch(() => null) : null;
        setItems(await api.filterVehicles({ ...filter, max_price_cents: max }));
      } catch (e) { toast((e as { message: string }).message, { kind: "error" }); }
    }, 60);
    return () => clearTimeout(t);
  }, [filter, maxPrice, toast, imported]);

  const makes = useMemo(() => [...new Set(all.map((v) => v.make))].sort(), [all]);
  const bodies = useMemo(() => [...new Set(all.map((v) => v.body).filter(Boolean))].sort(), [all]);
  const set = <K extends keyof VehicleFilter>(k: K, v: VehicleFilter[K]) => setFilter((f) => ({ ...f, [k]: v }));
  const select = (label: string, value: string | null, options: [string, string][], onChange: (v: string | null) => void) => (
    <label className="filter">
      <span className="sr-only">{label}</span>
      <select className="input" value={value ?? ""} onChange={(e) => onChange(e.target.value || null)} aria-label={label}>
        <option value="">{label}: any</option>
        {options.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
      </select>
    </label>
  );

  return (
    <>
      <header className="page-header">
        <h1 className="page-title">Inventory</h1>
        <span className="page-count">{items ? `${items.length.toLocaleString(locale())}${items.length === 500 ? "+" : ""} vehicles` : "Loading…"}</span>
        <div className="page-actions">
          <div className="search">
            <Icon name="search" size={16} />
            <input className="input" type="search" placeholder="Stock, VIN, model…" aria-label="Search inventory"
              value={filter.text} onChange={(e) => set("text", e.target.value)} />
          </div>
          {account && <button className="btn" onClick={() => setSisters(true)}>Sister stores…</button>}
          <button className="btn" onClick={() => setImporting(true)}>Import CSV…</button>
        </div>
      </header>
      {sisters && <SisterStockDialog manager={account?.role !== "rep"} onClose={() => setSisters(false)} onMoved={() => setImported((n) => n + 1)} />}
      {importing && <CsvImportDialog kind="vehicles" onClose={() => setImporting(false)} onDone={() => setImported((n) => n + 1)} />}
      <div className="filters" role="group" aria-label="Filters">
        {select("Make", filter.make, makes.map((m) => [m, m]), (v) => set("make", v))}
        {select("Body", filter.body, bodies.map((b) => [b, b]), (v) => set("body", v))}
        {select("Condition", filter.condition, Object.entries(CONDITION), (v) => set("condition", v as Condition | null))}
        {select("Status", filter.status, Object.entries(STATUS), (v) => set("status", v as VehicleStatus | null))}
        <label className="filter"><span className="sr-only">Maximum price</span>
          <MoneyInput placeholder="Max price" aria-label="Maximum price" value={maxPrice} onValue={setMaxPrice} />
        </label>
      </div>
      <div className="page-body">
        <div className="table-wrap" ref={scroller}>
          {items && items.length === 0 ? (
            <div className="empty">
              <Icon name="inventory" size={36} />
              <h2>{all.length ? "No vehicle matches these filters" : "No vehicles yet"}</h2>
              <p>{all.length ? "Clear a filter to see more." : <>Import your DMS export with <code>showroom import vehicles FILE.csv</code>.</>}</p>
            </div>
          ) : (
            <table className="grid inventory" aria-label="Vehicles">
              <thead><tr><th>Stock</th><th>Vehicle</th><th>Body</th><th>{spell("Colour")}</th><th>Miles</th><th>Price</th><th>Status</th><th>In stock</th><th /></tr></thead>
              <tbody>
                <VirtualRows items={items ?? []} list={list} columns={9} row={(v, i, measure) => {
                  const days = daysInStock(v);
                  return (
                    <tr key={v.id} ref={measure} data-index={i} className="row" data-stock={v.stock_no}>
                      <td className="strong">{v.stock_no}</td>
                      <td>{v.year} {v.make} {v.model} <span className="muted">{v.trim}</span> <span className="chip">{CONDITION[v.condition]}</span></td>
                      <td className="muted">{v.body}</td>
                      <td className="muted">{v.colour}</td>
                      <td>{v.mileage.toLocaleString(locale())}</td>
                      <td className="strong">{formatCents(v.price_cents)}</td>
                      <td><span className={`chip status-${v.status}`}>{STATUS[v.status]}</span></td>
                      <td><span className={days > 90 ? "aged old" : days > 60 ? "aged" : ""} title={days > 60 ? "Aged unit" : undefined}>{days} d</span></td>
                      <td><button className="btn ghost" onClick={() => onQuote(v)} aria-label={`Quote ${v.stock_no}`}>Quote</button></td>
                    </tr>
                  );
                }} />
              </tbody>
            </table>
          )}
        </div>
      </div>
    </>
  );
}
