//! Leads, opportunities and pipeline stages: the sales side of a customer.

use super::time::Timestamp;
use super::validate::{Checker, phone_search_tokens};
use crate::error::FieldError;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

/// Where a lead came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    WalkIn,
    Phone,
    Web,
    Email,
    Event,
    Referral,
    Advertising,
    Social,
    Chat,
    Marketplace,
}

impl Channel {
    pub const ALL: [Channel; 10] = [
        Channel::WalkIn,
        Channel::Phone,
        Channel::Web,
        Channel::Email,
        Channel::Event,
        Channel::Referral,
        Channel::Advertising,
        Channel::Social,
        Channel::Chat,
        Channel::Marketplace,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Contacted,
    Qualified,
    Converted,
    Lost,
}

/// A sales enquiry. It carries its own contact fields because it may arrive before anyone has
/// made it a customer; `customer_id` links it once matched or converted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Lead {
    pub id: Uuid,
    pub customer_id: Option<Uuid>,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub channel: Channel,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub campaign: String,
    #[serde(default)]
    pub vehicle_interest: String,
    pub vehicle_id: Option<Uuid>,
    pub status: LeadStatus,
    /// 0-100.
    pub score: i32,
    pub assignee_id: Option<Uuid>,
    pub received_at: Timestamp,
    pub first_response_at: Option<Timestamp>,
    #[serde(default)]
    pub notes: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// The auto show or event it was captured at.
    #[serde(default)]
    pub event_id: Option<Uuid>,
    /// Days until they plan to buy, when they said.
    #[serde(default)]
    pub timeframe_days: Option<i32>,
    #[serde(default)]
    pub trade_in: bool,
    #[serde(default)]
    pub financing: bool,
    /// Why the score is what it is, signal by signal.
    #[serde(default)]
    pub score_reasons: Vec<crate::leads::scoring::Reason>,
    /// When it was last assigned (the first-response deadline runs from here).
    #[serde(default)]
    pub assigned_at: Option<Timestamp>,
    /// The follow-up cadence started for it, by name; empty when none.
    #[serde(default)]
    pub cadence: String,
    /// Why its cadence stopped (`replied`, `booked_appointment`, `converted`...); empty while running.
    #[serde(default)]
    pub cadence_stopped: String,
    /// Set when merged into another lead.
    #[serde(default)]
    pub merged_into: Option<Uuid>,
    /// The record as it arrived from a feed (an ADF `<prospect>`, decoded); empty for a lead
    /// typed in.
    #[serde(default)]
    pub original: String,
    /// What reading it from a feed repaired or could not read, for the rep to check ("phone
    /// could not be read: 393-999-3922").
    #[serde(default)]
    pub intake_warnings: Vec<crate::error::FieldError>,
}

impl Lead {
    pub fn search_terms(&self) -> String {
        let mut t = vec![self.first_name.clone(), self.last_name.clone(), self.vehicle_interest.clone()];
        t.extend(crate::store::search::name_keys(&self.first_name, &self.last_name));
        t.extend(self.email.clone());
        if let Some(p) = &self.phone {
            t.extend(phone_search_tokens(p));
        }
        t.join(" ")
    }

    pub fn validate(&mut self, phone_region: &str) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        self.first_name = c.text("first_name", &self.first_name, 80);
        self.last_name = c.text("last_name", &self.last_name, 80);
        self.email = self.email.as_deref().and_then(|e| c.email("email", e));
        self.phone = self.phone.as_deref().and_then(|p| c.phone("phone", p, phone_region));
        let reachable = self.email.is_some() || self.phone.is_some() || self.customer_id.is_some();
        // Refused only with no way at all to reach the person and no name: anything else is a lead.
        if self.first_name.is_empty() && self.last_name.is_empty() {
            if reachable {
                c.warn("last_name", "no name given: ask for it at the first contact");
            } else {
                c.error("last_name", "a lead needs a name, or an email or phone to reach them");
            }
        } else if !reachable {
            c.warn("email", "no email or phone: this lead cannot be contacted");
        }
        self.source = c.text("source", &self.source, 80);
        self.campaign = c.text("campaign", &self.campaign, 80);
        self.vehicle_interest = c.text("vehicle_interest", &self.vehicle_interest, 120);
        self.notes = c.text("notes", &self.notes, 20_000);
        if !(0..=100).contains(&self.score) {
            c.error("score", "must be between 0 and 100");
        }
        if let Some(fr) = self.first_response_at
            && fr < self.received_at
        {
            c.error("first_response_at", "is before the lead was received");
        }
        c.finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityStatus {
    Open,
    Won,
    Lost,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PipelineStage {
    pub id: Uuid,
    pub pipeline: String,
    pub name: String,
    pub position: i32,
    /// Win probability of a deal in this stage, 0-100.
    pub probability: i32,
    pub colour: String,
    /// A deal idle longer than this many days is "going cold".
    pub idle_days: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
}

impl PipelineStage {
    pub fn validate(&mut self) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        self.name = c.required("name", &self.name, 60);
        self.pipeline = c.required("pipeline", &self.pipeline, 60);
        if !(0..=100).contains(&self.probability) {
            c.error("probability", "must be between 0 and 100");
        }
        if self.idle_days < 1 {
            c.error("idle_days", "must be at least 1 day");
        }
        c.finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Opportunity {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub lead_id: Option<Uuid>,
    pub vehicle_id: Option<Uuid>,
    pub stage_id: Uuid,
    pub title: String,
    #[ts(type = "number")]
    pub amount_cents: i64,
    pub owner_id: Option<Uuid>,
    pub status: OpportunityStatus,
    #[ts(type = "string | null")]
    pub expected_close: Option<NaiveDate>,
    pub lost_reason: String,
    pub stage_entered_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// Front-end gross of the sale (price less cost), once known: from the accepted quote.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub gross_cents: Option<i64>,
    /// The second rep of a split deal (each gets half the unit and half the commission).
    #[serde(default)]
    pub co_owner_id: Option<Uuid>,
    /// When a sold deal unwound (financing fell through, the car came back): a chargeback.
    #[serde(default)]
    pub unwound_at: Option<Timestamp>,
    /// Where the deal came from: its lead's source and channel, for attribution.
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub channel: Option<Channel>,
    /// Where the customer bought instead (a competitor or a brand): named when the deal is lost
    /// because they bought elsewhere.
    #[serde(default)]
    pub competitor: String,
}

/// A deal entering a stage: written with every change of a deal's stage (a move on the board, a
/// step that advances it, winning or losing it, its opening), so the forecast learns from what
/// happened at each stage instead of the configured probabilities. Never edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct StageMove {
    pub id: Uuid,
    pub opportunity_id: Uuid,
    pub customer_id: Uuid,
    /// The stage it left; `None` when the deal was opened.
    pub from_stage_id: Option<Uuid>,
    pub stage_id: Uuid,
    pub at: Timestamp,
    pub by_id: Option<Uuid>,
}

impl Opportunity {
    pub fn validate(&mut self) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        self.title = c.required("title", &self.title, 120);
        if !(0..=1_000_000_000).contains(&self.amount_cents) {
            c.error("amount_cents", "must be between $0 and $10,000,000");
        }
        self.lost_reason = c.text("lost_reason", &self.lost_reason, 200);
        self.competitor = c.text("competitor", &self.competitor, 80);
        if self.status == OpportunityStatus::Lost && self.lost_reason.is_empty() {
            c.error("lost_reason", "is required when a deal is lost");
        }
        if self.status != OpportunityStatus::Open && self.closed_at.is_none() {
            c.error("closed_at", "is required when a deal is won or lost");
        }
        c.finish()
    }
}
