//! TypeScript bindings: the declarations of every type that crosses to the UI, generated from the
//! Rust types into `ui/src/bindings.ts`. A test fails when the committed file is stale; run
//! `UPDATE_BINDINGS=1 cargo test -p showroom-core bindings` to regenerate it.

use ts_rs::{Config, TS};

macro_rules! decls {
    ($cfg:ident; $($ty:ty),* $(,)?) => {
        vec![$(format!("export {}", <$ty as TS>::decl(&$cfg))),*]
    };
}

/// The full text of `ui/src/bindings.ts`.
pub fn typescript() -> String {
    use crate::activities::{ActivityDraft, Completion, OverdueGroup, Today, TodayItem};
    use crate::analytics::commissions::{Line as CommissionLine, LineKind as CommissionLineKind, Statement};
    use crate::analytics::forecast::{Accuracy, AccuracyReport, Expectation, Forecast};
    use crate::analytics::group::{GroupDashboard, RooftopFigures};
    use crate::analytics::{
        ActivityCounts, Conversion, CustomerMetrics, Dashboard, DashboardQuery, DrillQuery, DrillRow, FunnelStep,
        GoalProgress, LostGroup, LostReport, MonthTrend, PipelineHealth, RepRow, Sales, SamePoint, SourceReturn,
        SpeedToLead, Spend, StageHealth,
    };
    use crate::api::{AppStatus, SyncStatus};
    use crate::api::{DayOf, Me, Staff};
    use crate::coaching::{CoachingDraft, CoachingRow};
    use crate::contact::{ContactDraft, Message, MessageChannel, Template};
    use crate::demo::DemoSummary;
    use crate::desk::money::Money;
    use crate::desk::tax::{CustomJurisdiction, Jurisdiction, LeaseTax, TaxRate};
    use crate::desk::*;
    use crate::domain::*;
    use crate::engagement::{Booking, Relations, SurveyDraft, TestDriveDraft};
    use crate::error::{ApiError, ErrorCode, FieldError};
    use crate::inventory::{VehicleFilter, VehicleMatch};
    use crate::io::{ImportAction, ImportReport, RowOutcome};
    use crate::io::{ImportOptions, LeadFilePreview};
    use crate::leads::cadence::{Cadence, Step};
    use crate::leads::dedupe::MatchReason;
    use crate::leads::floor::{Checkin, Rotation, TrafficEntry, UpRep, WalkIn};
    use crate::leads::inbox::{Capture, Captured, Converted, Inbox, InboxFilter, InboxItem, PossibleMatch, Routed};
    use crate::leads::merge::{DuplicatePair, MergeReport, MergeRequest};
    use crate::leads::routing::{Distribution, Rule};
    use crate::leads::scoring::{Band, Reason, Weights};
    use crate::leads::{CsvPreset, LeadAssignment, LeadSettings, WorkingHours};
    use crate::locale::{Locale, Spelling};
    use crate::lock::LockSettings;
    use crate::orders::{Gross, ProductDraft};
    use crate::pdf::Letterhead;
    use crate::pipeline::{Board, BoardFilter, Card, Column, MoveRequest, OpportunityDraft, Progress};
    use crate::portal::{
        MessageDraft, MessageStatus, OutgoingMessage, PortalResponse, QuoteShare, ResponseKind, ShareLink,
    };
    use crate::quotes::*;
    use crate::rooftops::RooftopSynced;
    use crate::store::customers::{CustomerDetail, CustomerQuery, Page};
    use crate::store::search::{HitKind, SearchHit};
    use crate::store::syncing::{Conflict, RefusedChange, SyncNotice};
    use crate::sync::protocol::{GroupVehicle, Transfer};
    use crate::sync::round::SyncReport;
    use crate::sync::status::SyncAccount;
    use crate::vault::DataLock;
    let cfg = Config::new().with_large_int("number");
    let body = decls![cfg;
        ApiError, ErrorCode, FieldError, AppStatus, Locale, Spelling, SyncStatus, DemoSummary, SyncAccount, SyncReport,
        Conflict, RefusedChange, SyncNotice,
        Board, BoardFilter, Card, Column, MoveRequest, OpportunityDraft, Progress, ActivityDraft, Completion, Today, TodayItem, OverdueGroup, Me, DayOf,
        ContactDraft, Message, MessageChannel, Template, Booking, Relations, SurveyDraft, TestDriveDraft,
        Timestamp, Customer, CustomerDraft, Consent, Preferences, Timeframe, Condition, CustomerDetail, CustomerQuery, Page<()>,
        Lead, Channel, LeadStatus, Opportunity, OpportunityStatus, PipelineStage,
        Activity, ActivityKind, Interaction, InteractionChannel, Direction,
        Vehicle, VehicleStatus, Dealership, DealershipPlace, User, Role, Team, TestDrive, TestDriveStatus, Survey, SurveyKind, Referral,
        SearchHit, HitKind, ImportReport, RowOutcome, ImportAction,
        Money, Deal, DealVehicle, Item, Fee, FeeKind, TradeIn, Terms, GridSpec,
        DealCalc, Line, LineKind, TaxLine, LoanResult, LeaseResult, GridCell,
        Jurisdiction, TaxRate, LeaseTax, CustomJurisdiction,
        Quote, QuoteStatus, QuoteVersion, QuoteDetail, QuoteTarget, Acceptance, SalesOrder, OrderStatus, Product, ProductDraft, Gross, QuoteFilter, QuoteRow,
        VehicleFilter, VehicleMatch, Letterhead,
        Staff, Event, ImportOptions, LeadFilePreview, Cadence, Step, MatchReason, Checkin, Rotation, TrafficEntry, UpRep, WalkIn,
        Capture, Captured, Converted, Inbox, InboxFilter, InboxItem, PossibleMatch, Routed,
        DuplicatePair, MergeReport, MergeRequest, Distribution, Rule, Band, Reason, Weights,
        CsvPreset, LeadAssignment, LeadSettings, WorkingHours,
        Goal, CommissionPlan, Tier, Statement, CommissionLine, CommissionLineKind, Accuracy, AccuracyReport, Expectation,
        LockSettings,
        DataLock,
        QuoteShare, ShareLink, PortalResponse, ResponseKind, OutgoingMessage, MessageStatus, MessageDraft,
        LostGroup, LostReport, CoachingKind, CoachingNote, CoachingDraft, CoachingRow,
        Forecast, ActivityCounts, Conversion, CustomerMetrics, Dashboard, DashboardQuery, DrillQuery, DrillRow,
        FunnelStep, GoalProgress, MonthTrend, SamePoint, PipelineHealth, RepRow, Sales, SourceReturn, Spend, SpeedToLead, StageHealth,
        GroupDashboard, RooftopFigures, RooftopSynced, GroupVehicle, Transfer,
    ];
    format!(
        "// Generated from the Rust types by showroom-core (src/bindings.rs). Do not edit.\n// Regenerate: UPDATE_BINDINGS=1 cargo test -p showroom-core bindings\n\n{}\n",
        body.join("\n\n")
    )
}
