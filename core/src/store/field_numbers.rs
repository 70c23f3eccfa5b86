//! Field names written as numbers. A laptop's clock records ([`super::clocks`]) and outbox
//! ([`super::outbox_writes`]) name each field of a row write; spelt, the names of a new
//! 14-field customer take ~110 bytes in each. Both write a listed name as its position in
//! [`NAMES`] (one or two bytes) and spell any other. `field_numbers`, a table of the same list,
//! lets SQL (the `outbox` view) read the names back.

use crate::error::Result;
use rusqlite::Connection;

/// Every synced table's columns when numbering began, the most common first (a position under
/// 128 takes one byte in a clock record).
///
/// Append only: stored records name a field by its position, so a name never moves or leaves
/// (`the_field_numbers_never_move` pins them). A column added to a table is spelt until it is
/// appended here (`every_synced_column_has_a_number` asks for it).
pub(super) const NAMES: &[&str] = &[
    "id",
    "created_at",
    "updated_at",
    "customer_id",
    "deleted_at",
    "name",
    "status",
    "vehicle_id",
    "quote_id",
    "email",
    "owner_id",
    "channel",
    "lead_id",
    "opportunity_id",
    "kind",
    "month",
    "phone",
    "notes",
    "body",
    "source",
    "outcome",
    "author_id",
    "version",
    "at",
    "rep_id",
    "user_id",
    "team_id",
    "first_name",
    "last_name",
    "merged_into",
    "colour",
    "received_at",
    "score",
    "position",
    "stage_id",
    "amount_cents",
    "gross_cents",
    "subject",
    "done_at",
    "message",
    "number",
    "starts_at",
    "by_id",
    "country",
    "timezone",
    "address",
    "logo_png",
    "role",
    "active",
    "street",
    "city",
    "region",
    "postal_code",
    "language",
    "birth_date",
    "consent",
    "preferences",
    "vin",
    "stock_no",
    "year",
    "make",
    "model",
    "trim",
    "mileage",
    "condition",
    "msrp_cents",
    "invoice_cents",
    "price_cents",
    "location",
    "campaign",
    "vehicle_interest",
    "assignee_id",
    "first_response_at",
    "event_id",
    "timeframe_days",
    "trade_in",
    "financing",
    "score_reasons",
    "assigned_at",
    "cadence",
    "cadence_stopped",
    "original",
    "intake_warnings",
    "pipeline",
    "probability",
    "idle_days",
    "title",
    "expected_close",
    "lost_reason",
    "stage_entered_at",
    "closed_at",
    "co_owner_id",
    "unwound_at",
    "competitor",
    "due_at",
    "direction",
    "summary",
    "duration_s",
    "occurred_at",
    "valid_until",
    "decline_reason",
    "deal",
    "calc",
    "frozen",
    "quote_version",
    "deposit_cents",
    "delivery_date",
    "products",
    "funded_at",
    "delivered_at",
    "cancelled_at",
    "cancel_reason",
    "code",
    "rule",
    "ends_at",
    "licence_number",
    "licence_region",
    "licence_expiry",
    "feedback",
    "activity_id",
    "from_stage_id",
    "order_id",
    "comment",
    "answered_at",
    "referrer_id",
    "note",
    "venue",
    "starts_on",
    "ends_on",
    "arrived_at",
    "party_size",
    "interest",
    "day",
    "checked_in_at",
    "ups_taken",
    "reason",
    "weights",
    "rules",
    "distribution",
    "response_minutes",
    "cadences",
    "csv_presets",
    "working_hours",
    "units",
    "activities",
    "flat_per_unit_cents",
    "gross_percent_bp",
    "minimum_per_deal_cents",
    "tiers",
    "csat_bonus_cents",
    "csat_min_tenths",
    "user_ids",
    "plan_id",
    "total_cents",
    "lines",
    "approved_by",
    "approved_at",
    "due",
    "made_at",
    "units_milli",
    "units_low_milli",
    "units_high_milli",
    "revenue_cents",
    "revenue_low_cents",
    "revenue_high_cents",
    "token_hash",
    "expires_at",
    "revoked_at",
    "created_by",
    "share_id",
    "handled_at",
    "to_address",
    "status_detail",
    "queued_at",
    "sent_at",
];

/// A listed name's number.
pub(super) fn number_of(name: &str) -> Option<u16> {
    static BY_NAME: std::sync::OnceLock<std::collections::HashMap<&'static str, u16>> = std::sync::OnceLock::new();
    BY_NAME.get_or_init(|| NAMES.iter().enumerate().map(|(i, n)| (*n, i as u16)).collect()).get(name).copied()
}

/// The name numbered `n` (none past the list: a record from a newer build).
pub(super) fn name_of(n: u16) -> Option<&'static str> {
    NAMES.get(n as usize).copied()
}

/// Fills `field_numbers` with [`NAMES`] when it lacks some (a fresh store, or names appended
/// since): one count on every open.
pub(super) fn ensure_table(conn: &Connection) -> Result<()> {
    let held: i64 = conn.query_row("SELECT count(*) FROM field_numbers", [], |r| r.get(0))?;
    if held as usize == NAMES.len() {
        return Ok(());
    }
    let mut insert = conn.prepare("INSERT OR IGNORE INTO field_numbers (n, name) VALUES (?1, ?2)")?;
    for (n, name) in NAMES.iter().enumerate() {
        insert.execute(rusqlite::params![n as i64, name])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_synced_column_has_a_number() {
        let mut missing = Vec::new();
        for t in crate::sync::rules::TABLES {
            for (name, _) in crate::store::remote::columns_of(t.table).unwrap() {
                if number_of(name).is_none() {
                    missing.push(format!("{}.{name}", t.table));
                }
            }
        }
        assert!(missing.is_empty(), "append these to field_numbers::NAMES: {missing:?}");
        let unique: std::collections::HashSet<_> = NAMES.iter().collect();
        assert_eq!(unique.len(), NAMES.len(), "a name is listed twice");
    }

    const FROZEN_DIGEST: u64 = 0x4cdce4de04f29c63;

    #[test]
    fn the_field_numbers_never_move() {
        // Records on laptops name fields by these positions: a digest of the first 175 (the list
        // when numbering began) catches a name moved, renamed or removed. Appending is free.
        let mut digest: u64 = 0xcbf2_9ce4_8422_2325;
        for b in NAMES[..175].join(",").bytes() {
            digest = (digest ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        assert_eq!(digest, FROZEN_DIGEST, "{digest:#x}");
        assert_eq!((number_of("id"), number_of("first_name"), number_of("sent_at")), (Some(0), Some(27), Some(174)));
    }
}
