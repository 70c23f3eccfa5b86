//! Who may see a row: the visibility model shared by the server (which enforces it on push and
//! pull) and the client (which checks a pulled partition against the server's checksum).
//!
//! Shared reference data (inventory, pipeline stages, staff, tax tables) is visible to the whole
//! dealership and written by managers. Everything about one customer lives in that customer's
//! partition, keyed by the customer id: the customer, their leads, opportunities, activities,
//! interactions, quotes, quote versions and sales orders. A lead with no customer yet is its own
//! partition. A partition's owner is the customer's `owner_id` (a lead's `assignee_id`); a rep sees
//! the partitions they own, a manager every partition of the dealership. Reassigning the owner moves
//! the whole partition.

use uuid::Uuid;

/// Where a table's rows belong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    /// Reference data of the whole dealership.
    Shared,
    /// The row is a partition of its own (a customer).
    Own,
    /// The partition named by this field (a customer id).
    Field(&'static str),
    /// A lead: its customer's partition, or its own while it has no customer.
    Lead,
    /// The partition of the row of `table` named by `field` (a quote version's quote).
    Parent { table: &'static str, field: &'static str },
}

/// Where a table's rows belong ([`super::rules::TABLES`]); `None` for a table that does not sync.
pub fn home(table: &str) -> Option<Home> {
    super::rules::table(table).map(|r| r.home)
}

/// The field that names the owner of a partition whose root is a row of `table`.
pub fn owner_field(table: &str) -> Option<&'static str> {
    super::rules::table(table).and_then(|r| r.owner_field)
}

/// The fields that decide a row's partition (a change to one of them can move the row).
pub fn placement_fields(table: &str) -> &'static [&'static str] {
    match home(table) {
        Some(Home::Field("customer_id")) => &["customer_id"],
        Some(Home::Lead) => &["customer_id"],
        Some(Home::Parent { field: "quote_id", .. }) => &["quote_id"],
        Some(Home::Parent { field: "lead_id", .. }) => &["lead_id"],
        _ => &[],
    }
}

/// Reserving a vehicle is a request the server grants to the first arrival: a change of
/// `vehicles.status` to one of these values while another user holds the vehicle is refused.
pub fn is_reservation(table: &str, field: &str) -> bool {
    table == "vehicles" && field == "status"
}

/// Whether a vehicle status value takes the vehicle off the market.
pub fn is_held(status: &serde_json::Value) -> bool {
    matches!(status.as_str(), Some("reserved" | "on_hold" | "sold"))
}

/// An order-independent checksum of a partition's winning changes: the wrapping sum of the
/// FNV-1a hash of every `table/row/field/change id`, and how many there are. Two replicas that hold
/// the same winners compute the same value whatever order they read them in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Checksum {
    pub sum: u64,
    pub count: u64,
}

impl Checksum {
    pub fn add(&mut self, table: &str, row_id: &str, field: &str, change_id: &str) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in [table, row_id, field, change_id] {
            for b in part.as_bytes().iter().chain(b"/") {
                h ^= u64::from(*b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        self.sum = self.sum.wrapping_add(h);
        self.count += 1;
    }

    /// The text form that travels: `<count>-<sum as 16 hex digits>`.
    pub fn text(&self) -> String {
        format!("{}-{:016x}", self.count, self.sum)
    }
}

/// The partition key that travels: a customer's (or lone lead's) id, or `shared`.
pub fn partition_name(partition: Option<Uuid>) -> String {
    partition.map(|p| p.to_string()).unwrap_or_else(|| "shared".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_synced_table_has_a_home() {
        for t in super::super::rules::synced_tables() {
            assert!(home(t).is_some(), "{t} has no home");
        }
        assert_eq!(home("outbox"), None);
        assert_eq!(placement_fields("quote_versions"), ["quote_id"]);
        assert_eq!(placement_fields("customers"), [] as [&str; 0]);
    }

    #[test]
    fn checksums_ignore_order_and_see_every_entry() {
        let entries =
            [("customers", "r1", "city", "c1"), ("customers", "r1", "email", "c2"), ("leads", "r2", "x", "c3")];
        let mut a = Checksum::default();
        let mut b = Checksum::default();
        for e in entries {
            a.add(e.0, e.1, e.2, e.3);
        }
        for e in entries.iter().rev() {
            b.add(e.0, e.1, e.2, e.3);
        }
        assert_eq!(a, b);
        let mut c = Checksum::default();
        for e in &entries[..2] {
            c.add(e.0, e.1, e.2, e.3);
        }
        c.add("leads", "r2", "x", "c4");
        assert_ne!(a, c);
        assert_eq!(a.text().split('-').next(), Some("3"));
    }
}
