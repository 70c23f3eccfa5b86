//! Files in and out: export of every entity (JSON or CSV), leads as ADF, and imports of customers,
//! vehicles and leads (CSV, or ADF for leads) with a line-by-line report. An import is one transaction: all of it, or (by default, when any row is
//! invalid) none of it.

mod customers_csv;
mod export;
mod leads_import;
mod sheet;
mod vehicles_csv;

pub use customers_csv::{
    ImportAction, ImportOptions, ImportReport, RowOutcome, import_customers, import_customers_mapped, preview_customers,
};
pub use export::{Restored, export_csv, export_json, import_json};
pub use leads_import::{
    LEAD_FIELDS, LeadFilePreview, LeadRecord, export_adf, from_prospect, import_leads, lead_from, preview_leads,
    timeframe_days,
};
pub use sheet::PIPELINE_FROM;
pub use vehicles_csv::{import_vehicles, import_vehicles_mapped, preview_vehicles};
