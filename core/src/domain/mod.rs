//! Domain: plain types and their validation. No I/O here; the store persists these types and the
//! UI receives them through generated TypeScript bindings.

pub mod activity;
pub mod customer;
pub mod engagement;
pub mod org;
pub mod sales;
pub mod time;
pub mod validate;
pub mod vehicle;

pub use activity::{Activity, ActivityKind, Direction, Interaction, InteractionChannel};
pub use customer::{Condition, Consent, Customer, CustomerDraft, Preferences, Timeframe};
pub use engagement::{
    CoachingKind, CoachingNote, CommissionPlan, Event, Goal, Referral, Survey, SurveyKind, TestDrive, TestDriveStatus,
    Tier,
};
pub use org::{Dealership, DealershipPlace, Role, Team, User};
pub use sales::{Channel, Lead, LeadStatus, Opportunity, OpportunityStatus, PipelineStage, StageMove};
pub use time::{Timestamp, new_id};
pub use vehicle::{Vehicle, VehicleStatus};
