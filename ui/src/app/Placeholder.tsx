// Areas whose features arrive in later work: an honest empty state that names what is coming.
import { Icon } from "../components/Icon";
import { NAV, type PageId } from "./nav";

const COMING: Partial<Record<PageId, string>> = {
  today: "Overdue and due-today tasks, unanswered leads with their timers, and today's appointments.",
  leads: "The lead inbox: every channel, speed-to-lead timers, duplicates and routing.",
  pipeline: "The deal board by stage, with counts, totals and going-cold flags.",
  quotes: "The deal desk: exact finance and lease payments, payment grids and printed quotes.",
  inventory: "Every vehicle in stock with search, filters and matching to customers.",
  reports: "Pipeline health, forecasts, activity, commissions and goals.",
};

export function Placeholder({ page, onCustomers }: { page: PageId; onCustomers: () => void }) {
  const nav = NAV.find((n) => n.id === page)!;
  return (
    <>
      <header className="page-header"><h1 className="page-title">{nav.label}</h1></header>
      <div className="page-body">
        <div className="empty">
          <Icon name={nav.icon} size={40} />
          <h2>{nav.label} is on its way</h2>
          <p>{COMING[page]}</p>
          <div className="actions"><button className="btn" onClick={onCustomers}>Go to Customers</button></div>
        </div>
      </div>
    </>
  );
}
