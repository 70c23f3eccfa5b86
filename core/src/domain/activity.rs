//! Activities (things to do: calls, meetings, test drives) and interactions (the append-only
//! timeline of every touchpoint with a customer).

use super::time::Timestamp;
use super::validate::Checker;
use crate::error::FieldError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Call,
    Email,
    Sms,
    Meeting,
    TestDrive,
    FollowUp,
    Delivery,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Activity {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub kind: ActivityKind,
    pub subject: String,
    pub due_at: Timestamp,
    pub done_at: Option<Timestamp>,
    pub outcome: String,
    pub owner_id: Option<Uuid>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub deleted_at: Option<Timestamp>,
    /// The lead whose follow-up cadence made this task (a reply stops the rest).
    #[serde(default)]
    pub lead_id: Option<Uuid>,
    /// A prepared email or text for a cadence step, merge fields filled.
    #[serde(default)]
    pub message: String,
}

impl Activity {
    pub fn validate(&mut self) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        self.subject = c.required("subject", &self.subject, 200);
        self.outcome = c.text("outcome", &self.outcome, 2_000);
        c.finish()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum InteractionChannel {
    Call,
    Email,
    Sms,
    Visit,
    Chat,
    Event,
    Note,
    TestDrive,
    Quote,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Inbound,
    Outbound,
    Internal,
}

/// One entry of a customer's timeline. Append-only: never edited, so never in conflict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Interaction {
    pub id: Uuid,
    pub customer_id: Uuid,
    pub channel: InteractionChannel,
    pub direction: Direction,
    pub summary: String,
    pub duration_s: Option<i32>,
    pub author_id: Option<Uuid>,
    pub occurred_at: Timestamp,
    pub created_at: Timestamp,
}

impl Interaction {
    /// A new timeline entry happening at `at`.
    pub fn at(
        customer_id: Uuid,
        channel: InteractionChannel,
        direction: Direction,
        summary: String,
        author_id: Option<Uuid>,
        at: Timestamp,
    ) -> Self {
        Interaction {
            id: super::time::new_id(),
            customer_id,
            channel,
            direction,
            summary,
            duration_s: None,
            author_id,
            occurred_at: at,
            created_at: at,
        }
    }

    pub fn validate(&mut self) -> Result<Vec<FieldError>, Vec<FieldError>> {
        let mut c = Checker::default();
        self.summary = c.required("summary", &self.summary, 5_000);
        if let Some(d) = self.duration_s
            && !(0..=86_400).contains(&d)
        {
            c.error("duration_s", "must be between 0 and 24 hours");
        }
        c.finish()
    }
}
