import type { IconName } from "../components/Icon";

export type PageId = "today" | "leads" | "customers" | "pipeline" | "quotes" | "inventory" | "reports" | "settings" | "sync";

export const NAV: { id: PageId; label: string; icon: IconName; key: string }[] = [
  { id: "today", label: "Today", icon: "today", key: "1" },
  { id: "leads", label: "Leads", icon: "leads", key: "2" },
  { id: "customers", label: "Customers", icon: "customers", key: "3" },
  { id: "pipeline", label: "Pipeline", icon: "pipeline", key: "4" },
  { id: "quotes", label: "Quotes", icon: "quotes", key: "5" },
  { id: "inventory", label: "Inventory", icon: "inventory", key: "6" },
  { id: "reports", label: "Reports", icon: "reports", key: "7" },
  { id: "settings", label: "Settings", icon: "settings", key: "8" },
  { id: "sync", label: "Sync & conflicts", icon: "sync", key: "9" },
];
