// The shell: sidebar navigation, the current page, the status bar, and the global overlays
// (Ctrl+K command menu, ? shortcuts sheet). Shows the first-run choice on an empty database.
import { lazy, Suspense, useCallback, useEffect, useState } from "react";
import type { AppStatus } from "../bindings";
import { api } from "../api";
import { Icon } from "../components/Icon";
import { isTyping, useKeyLayer } from "../lib/keys";
import { CommandMenu, type Command } from "./CommandMenu";
import { FirstRun } from "./FirstRun";
import { NAV, type PageId } from "./nav";
import { Placeholder } from "./Placeholder";
import { SettingsPage } from "./SettingsPage";
import { SyncPage } from "./SyncPage";
import { sameStatus, syncSummary } from "../lib/sync";
import { Shortcuts } from "./Shortcuts";
import { CustomersPage } from "../customers/CustomersPage";
import { QuotesPage } from "../desk/QuotesPage";
import { InventoryPage } from "../inventory/InventoryPage";
import { PipelinePage } from "../pipeline/PipelinePage";
import { TodayPage } from "../today/TodayPage";
import { LeadsPage } from "../leads/LeadsPage";
// The charts (chart.js) load with the Reports page, not at start.
const ReportsPage = lazy(() => import("../reports/ReportsPage").then((m) => ({ default: m.ReportsPage })));
import { QuickAdd } from "../leads/QuickAdd";
import { LockScreen, useIdle } from "./LockScreen";
import { useToast } from "../components/Toasts";
import type { LockSettings, Me, SearchHit, Vehicle } from "../bindings";
import { MeChip } from "./MeChip";
import { locale } from "../lib/locale";

export function App() {
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  // The app opens on the user's day.
  const [page, setPage] = useState<PageId>("today");
  const [me, setMe] = useState<Me | null>(null);
  const [openCustomer, setOpenCustomer] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [menu, setMenu] = useState(false);
  const [help, setHelp] = useState(false);
  // Quick add (Alt+N from anywhere), optionally for a walk-in already on the traffic log.
  const toast = useToast();
  // Bumped by a quick add so the open lead views reload.
  const [captures, setCaptures] = useState(0);
  const [quickAdd, setQuickAdd] = useState<{ trafficId: string | null; name: string } | null>(null);
  // What the inventory search starts with when a vehicle is opened from Ctrl+K.
  const [inventoryText, setInventoryText] = useState("");
  // What the desk starts with when opened from a vehicle or a customer.
  const [deskSeed, setDeskSeed] = useState<{ key: number; vehicle: Vehicle | null; customer: SearchHit | null }>({ key: 0, vehicle: null, customer: null });

  const refreshStatus = useCallback(() => {
    api.status().then((s) => setStatus((shown) => (shown && sameStatus(shown, s) ? shown : s))).catch((e) => setLoadError(e.message));
  }, []);
  useEffect(refreshStatus, [refreshStatus]);
  useEffect(() => { if (status?.onboarded) api.painted("shell"); }, [status?.onboarded]);
  // Who "me" is changes with a sign-in or a sign-out (the status's account), or a choice here.
  const account = !status ? "" : status.sync.state === "local" ? "local" : status.sync.server;
  useEffect(() => { if (status?.onboarded) api.me().then(setMe).catch(() => {}); }, [account, status?.onboarded, status?.data_version]);
  // The sync engine works in the background: keep the status bar current.
  useEffect(() => {
    const t = window.setInterval(() => { if (document.visibilityState === "visible") refreshStatus(); }, 3000);
    return () => window.clearInterval(t);
  }, [refreshStatus]);

  // The app lock: with a PIN set the window opens locked, locks after the idle time and on Ctrl+L.
  const [lock, setLock] = useState<LockSettings | null>(null);
  const [locked, setLocked] = useState(false);
  useEffect(() => {
    api.lockSettings().then((l) => { setLock(l); setLocked(l.has_pin); }).catch(() => {});
  }, []);
  useIdle(lock?.has_pin ? lock.idle_minutes : 0, () => setLocked(true));

  useKeyLayer((e) => {
    if (locked) return false;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "l" && lock?.has_pin) {
      e.preventDefault();
      setMenu(false);
      setQuickAdd(null);
      setLocked(true);
      return true;
    }
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
      e.preventDefault();
      setMenu(true);
      return true;
    }
    if (e.altKey && e.key.toLowerCase() === "n") {
      e.preventDefault();
      setQuickAdd({ trafficId: null, name: "" });
      return true;
    }
    if (isTyping(e)) return false;
    if (e.key === "?") {
      setHelp(true);
      return true;
    }
    if (e.altKey && /^[1-9]$/.test(e.key)) {
      setPage(NAV[Number(e.key) - 1].id);
      return true;
    }
    return false;
  });

  if (loadError) {
    return (
      <div className="welcome">
        <div className="card" role="alert">
          <h1>Showroom cannot open its data</h1>
          <p>{loadError}</p>
        </div>
      </div>
    );
  }
  if (!status) return <div className="welcome" aria-busy="true" />;
  if (locked) return <LockScreen who={null} onUnlocked={() => setLocked(false)} />;
  if (!status.onboarded) return <FirstRun onDone={setStatus} />;

  const goCustomer = (id: string | null) => {
    setPage("customers");
    setCreating(false);
    setOpenCustomer(id);
  };
  const commands: Command[] = [
    { id: "new-customer", label: "New customer", hint: "N", run: () => { setPage("customers"); setOpenCustomer(null); setCreating(true); } },
    ...NAV.map((n) => ({ id: `go-${n.id}`, label: `Go to ${n.label}`, hint: `Alt+${n.key}`, run: () => setPage(n.id) })),
    { id: "quick-add", label: "Quick add lead", hint: "Alt+N", run: () => setQuickAdd({ trafficId: null, name: "" }) },
    { id: "shortcuts", label: "Keyboard shortcuts", hint: "?", run: () => setHelp(true) },
    { id: "sync-now", label: "Sync now", run: () => { void api.syncNow().then(refreshStatus); } },
  ];

  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <img src="./logo.svg" width={30} height={30} alt="" />
          <div className="brand-text">
            <div className="brand-name">Showroom</div>
            <div className="brand-sub">{status.dealership ?? "My dealership"}</div>
          </div>
        </div>
        <button className="nav-item" onClick={() => setMenu(true)} aria-label="Search (Ctrl+K)">
          <Icon name="search" />
          <span className="label">Search</span>
          <span className="kbd badge" style={{ marginLeft: "auto" }}>Ctrl K</span>
        </button>
        {NAV.filter((n) => n.id !== "settings" && n.id !== "sync").map((n) => (
          <button key={n.id} className="nav-item" aria-current={page === n.id ? "page" : undefined} onClick={() => setPage(n.id)}
            title={`${n.label} (Alt+${n.key})`}>
            <Icon name={n.icon} />
            <span className="label">{n.label}</span>
            {n.id === "customers" && <span className="badge">{status.customers.toLocaleString(locale())}</span>}
          </button>
        ))}
        <div className="sidebar-footer">
          <MeChip me={me} onChange={setMe} />
          <button className="nav-item" aria-current={page === "sync" ? "page" : undefined} onClick={() => setPage("sync")} title="Sync & conflicts (Alt+9)">
            <Icon name="sync" />
            <span className="label">Sync</span>
            {status.sync_attention > 0 && <span className="badge attention" aria-label={`${status.sync_attention} need your attention`}>{status.sync_attention}</span>}
          </button>
          <button className="nav-item" aria-current={page === "settings" ? "page" : undefined} onClick={() => setPage("settings")} title="Settings (Alt+8)">
            <Icon name="settings" />
            <span className="label">Settings</span>
          </button>
          <button className="nav-item" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)">
            <Icon name="keyboard" />
            <span className="label">Shortcuts</span>
          </button>
        </div>
      </nav>

      <main className="main">
        {page === "customers" ? (
          <CustomersPage
            selected={openCustomer}
            onSelect={(id) => { setCreating(false); setOpenCustomer(id); }}
            creating={creating}
            onCreate={setCreating}
            onChanged={refreshStatus}
            dataVersion={status.data_version}
            onQuote={(customer, vehicle) => { setDeskSeed((s) => ({ key: s.key + 1, vehicle, customer })); setPage("quotes"); }}
          />
        ) : page === "quotes" ? (
          <QuotesPage seed={deskSeed} dataVersion={status.data_version} />
        ) : page === "inventory" ? (
          <InventoryPage key={inventoryText} initialText={inventoryText} onQuote={(vehicle) => { setDeskSeed((s) => ({ key: s.key + 1, vehicle, customer: null })); setPage("quotes"); }} />
        ) : page === "leads" ? (
          <LeadsPage onOpenCustomer={goCustomer} dataVersion={status.data_version + captures}
            onQuickAdd={(trafficId, name) => setQuickAdd({ trafficId: trafficId ?? null, name: name ?? "" })} />
        ) : page === "reports" ? (
          <Suspense fallback={<p className="muted" aria-busy="true" style={{ padding: 24 }}>Loading reports…</p>}>
            {/* Whose reports they are changes with who uses this laptop: a fresh page for them. */}
            <ReportsPage key={me?.user?.id ?? "team"} onOpenCustomer={goCustomer} dataVersion={status.data_version} />
          </Suspense>
        ) : page === "today" ? (
          <TodayPage onOpenCustomer={goCustomer} dataVersion={status.data_version} me={me} />
        ) : page === "pipeline" ? (
          <PipelinePage onOpenCustomer={goCustomer} dataVersion={status.data_version} />
        ) : page === "sync" ? (
          <SyncPage status={status} onChanged={refreshStatus} />
        ) : page === "settings" ? (
          <SettingsPage status={status} onChanged={refreshStatus} onLockChanged={setLock} />
        ) : (
          <Placeholder page={page} onCustomers={() => setPage("customers")} />
        )}
      </main>

      <footer className="statusbar" aria-label="Status">
        <SyncState status={status} onSettings={() => setPage("settings")} onRetry={() => { void api.syncNow().then(refreshStatus); }}
          onConflicts={() => setPage("sync")} />
        <span className="spacer" />
        <Icon name="database" size={13} />
        <span className="path" title={status.data_file} data-testid="data-file">{status.data_file}</span>
      </footer>

      {menu && <CommandMenu commands={commands} onClose={() => setMenu(false)} onOpenCustomer={(id) => { setMenu(false); goCustomer(id); }}
        onOpenVehicle={(stock) => { setMenu(false); setInventoryText(stock); setPage("inventory"); }} />}
      {help && <Shortcuts onClose={() => setHelp(false)} />}
      {quickAdd && <QuickAdd trafficId={quickAdd.trafficId} name={quickAdd.name} onClose={() => setQuickAdd(null)}
        onSaved={(c) => {
          const dup = c.possible_duplicates[0];
          toast(`${c.lead.first_name} ${c.lead.last_name} saved${c.new_customer ? "" : " (existing customer)"} · score ${c.lead.score}${c.tasks ? ` · ${c.tasks} follow-ups planned` : ""}${dup ? ` · looks like ${dup.name}: review in Leads › Possible duplicates` : ""}`);
          setCaptures((n) => n + 1);
          refreshStatus();
        }} />}
    </div>
  );
}

function SyncState({ status, onSettings, onRetry, onConflicts }: { status: AppStatus; onSettings: () => void; onRetry: () => void; onConflicts: () => void }) {
  const s = syncSummary(status.sync);
  return (
    <span className="sync-state" data-testid="sync-state" data-state={status.sync.state} role="status" aria-live="polite">
      <span className={`dot ${s.tone}`} /> {s.text}
      {s.action === "retry" && <button className="link" onClick={onRetry}>Retry now</button>}
      {s.action === "sign-in" && status.sync.state === "sign_in_needed" && <button className="link" onClick={onSettings}>Sign in</button>}
      {status.sync_attention > 0 && <button className="link" onClick={onConflicts}>{status.sync_attention} to review</button>}
    </span>
  );
}
