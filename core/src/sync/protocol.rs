//! Wire types of the sync protocol (`/api/v1`, JSON), shared by the server and the client so both
//! sides agree by construction. Documented in `docs/sync-protocol.md`. Conversions to and from the
//! core's own types live here, at the boundary.

use super::Hlc;
use super::merge::FieldChange;
use crate::error::{CoreError, FieldError, Result};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most changes one push may carry. It was 1,000: a first sync of 50,000 customers made 700
/// round trips, each with a commit on both sides; at 5,000 that push took 7.3 s instead of 8.1 s.
/// At 15,000 (47 round trips instead of 140) it took 2.81-3.10 s instead of 3.35-3.47 s in three
/// alternating pairs, the laptop's peak memory in that sync 133 MB instead of 103. A client also
/// stays under [`MAX_PUSH_BYTES`], counting each change at 200 bytes over its value.
pub const MAX_PUSH: usize = 15_000;
/// The smallest limit a server ever had. A server refusing a push for its size states its limit
/// (`... a push carries at most N`); the client pushes that many at a time for the rest of the
/// sync, or this many when the refusal does not say.
pub const OLD_MAX_PUSH: usize = 1_000;
/// The most changes one pull page returns.
pub const PAGE: usize = 1_000;
/// The most log entries (row writes) a client asks one pull page for. Fewer, larger pages write
/// less on a big first pull: a laptop commits each page, rewriting the index pages its rows landed
/// on. The server still ends a page at about 4 MiB (its `PAGE_BYTES`), however wide the rows.
/// A round's first page asks for [`PAGE`] and the pages after it double up to this (client.rs):
/// asked for at once, 5,000-write pages made a 50k first pull slower (2.6-2.9 -> 3.0-3.1 s: the
/// first page arrives later and the last one is applied alone). With the ramp, 200k customers
/// pulled 14.2-19.2 -> 11.9-12.2 s and 50k stayed 2.7-2.9 s (release bench `sync_e2e --bench`).
pub const PULL_PAGE: usize = 5 * PAGE;
/// The most bytes a client puts in one push (the server accepts 8 MiB).
pub const MAX_PUSH_BYTES: usize = 4 * 1024 * 1024;
/// How far ahead of this device's clock a pulled change may be dated. The server refuses pushes
/// more than 5 minutes ahead of its own clock; anything much further is a broken or hostile
/// server (or a connection tampered with) trying to push the device's clock into the future.
pub const MAX_PULL_SKEW_MS: u64 = 60 * 60 * 1000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub user: String,
    pub password: String,
    /// The device signing in (its id from the local store).
    pub device_id: Uuid,
    /// The rooftop to sign in to when it is not the user's own: a group manager's sister store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dealership: Option<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedIn {
    pub token: String,
    pub user_id: Uuid,
    pub role: String,
    pub expires_at: String,
}

/// One field change on the wire; the HLC travels in its sortable text form.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireChange {
    pub change_id: Uuid,
    pub table: String,
    pub row_id: Uuid,
    pub field: String,
    pub value: serde_json::Value,
    pub hlc: String,
    /// Who made the change: filled in by the server on pull (a push's author is its token's user).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Uuid>,
}

/// The request header with which a client asks for a pull page's row writes as [`WireWrite`]s
/// (value [`PULL_WRITES`]). Without it a server sends one [`WireChange`] per field, as servers
/// did before, and a server from before ignores it: a client reads either shape.
pub const PULL_SHAPE_HEADER: &str = "x-showroom-pull";
/// The value of [`PULL_SHAPE_HEADER`] that asks for [`PullPage::writes`].
pub const PULL_WRITES: &str = "writes";

/// One row write on the wire, in a pull page: the fields written together share their table, row,
/// clock, author and write id, which travel once instead of with each field (a 14-field customer
/// is about a fifth of the bytes of 14 [`WireChange`]s, and the clock is read once). Field `i`'s
/// change id is the write id with `i` in its last byte.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WireWrite {
    pub table: String,
    pub row_id: Uuid,
    /// A v7 uuid whose last byte is 00.
    pub write_id: Uuid,
    pub hlc: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<Uuid>,
    /// `[index, field, value]` for each field of the write.
    pub fields: Vec<(u8, String, serde_json::Value)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Push {
    /// The pushing device: the one its token was issued to (the server refuses any other). The
    /// server keeps each device's pull cursor itself; a client's word for it is not trusted.
    pub device_id: Uuid,
    pub changes: Vec<WireChange>,
}

/// A push as it travels. A client sends its changes grouped by row write ([`WireWrite`]: the
/// fields written together share their table, row, clock and write id, sent once), which is about
/// a fifth of the bytes of one [`WireChange`] per field and took the server's JSON reading from
/// 13% to a few percent of a first push. A server reads either shape ([`PushBody::into_push`]) and
/// turns it into the same [`Push`], changes first, then each write's fields in order, so a
/// refusal's `changes[i]` names the same change as if it had been sent alone. A server from before
/// refuses `writes` as an unknown field; the client then sends `changes` (client.rs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushBody {
    pub device_id: Uuid,
    #[serde(default)]
    pub changes: Vec<WireChange>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<WireWrite>,
}

/// The longest table name and clock a pushed write may carry: each is copied into every field
/// of the write when it is read, so a hostile push cannot multiply its body's size in memory.
const MAX_WRITE_TABLE: usize = 64;
const MAX_WRITE_HLC: usize = 128;

impl PushBody {
    /// `push` grouped by row write: consecutive changes of one write (same write id, table, row,
    /// clock and author, each field index once) travel as one [`WireWrite`]. Lossless: the
    /// server's [`PushBody::into_push`] gives back `push`, in the same order.
    pub fn by_writes(push: &Push) -> PushBody {
        let mut writes: Vec<WireWrite> = Vec::new();
        for c in &push.changes {
            let (write_id, index) = crate::store::outbox_writes::write_of(c.change_id);
            let field = (index, c.field.clone(), c.value.clone());
            match writes.last_mut() {
                Some(w)
                    if w.write_id == write_id
                        && w.row_id == c.row_id
                        && w.table == c.table
                        && w.hlc == c.hlc
                        && w.author == c.author
                        && w.fields.iter().all(|(i, _, _)| *i != index) =>
                {
                    w.fields.push(field)
                }
                _ => writes.push(WireWrite {
                    table: c.table.clone(),
                    row_id: c.row_id,
                    write_id,
                    hlc: c.hlc.clone(),
                    author: c.author,
                    fields: vec![field],
                }),
            }
        }
        PushBody { device_id: push.device_id, changes: Vec::new(), writes }
    }

    /// The push this body carries: its changes, then each write's fields as changes. An error
    /// names the write: more changes in all than a push may carry, a write id whose last byte is
    /// not 00, a table name or clock too long to be one.
    pub fn into_push(self) -> std::result::Result<Push, FieldError> {
        let n = self.changes.len() + self.writes.iter().map(|w| w.fields.len()).sum::<usize>();
        if n > MAX_PUSH {
            return Err(FieldError::new("changes", format!("{n} changes; a push carries at most {MAX_PUSH}")));
        }
        let mut changes = self.changes;
        changes.reserve(n - changes.len());
        for (i, w) in self.writes.into_iter().enumerate() {
            if w.write_id.as_bytes()[15] != 0 {
                return Err(FieldError::new(format!("writes[{i}].write_id"), "the last byte of a write id is 00"));
            }
            if w.table.len() > MAX_WRITE_TABLE {
                return Err(FieldError::new(format!("writes[{i}].table"), "is not a table"));
            }
            if w.hlc.len() > MAX_WRITE_HLC {
                return Err(FieldError::new(format!("writes[{i}].hlc"), "is not a clock"));
            }
            changes.extend(w.into_changes());
        }
        Ok(Push { device_id: self.device_id, changes })
    }
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// Stable machine code: `bad_request`, `unauthorized`, `forbidden`, `too_many_requests`, ...
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub fields: Vec<FieldError>,
}

/// A change the server acknowledged without applying: a vehicle reservation that lost to an
/// earlier one. The current holder's value comes back in the next pull.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Refused {
    pub change_id: Uuid,
    pub reason: String,
}

/// A row the client must remove: its partition moved to another rep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowRef {
    pub table: String,
    pub row_id: Uuid,
}

/// Something the user must be told after a sync (a reservation that lost).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notice {
    /// The server sequence number of the notice; unique.
    pub seq: i64,
    pub kind: String,
    pub message: String,
    pub table: String,
    pub row_id: Uuid,
    pub at: String,
}

/// The server's checksum of one partition's winning changes (see [`super::partition::Checksum`]),
/// as of this page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionChecksum {
    pub partition: String,
    pub checksum: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PushAck {
    /// Change ids now durable on the server (new or seen before): the client may drop them from
    /// its outbox.
    pub acknowledged: Vec<Uuid>,
    /// Writes every field of which this push carried was acknowledged: the answer to a push sent
    /// by writes names each such write once instead of each of its fields (a 5,000-change push's
    /// answer was 190 KB of change ids). [`PushAck::by_writes`] and [`PushAck::expand_writes`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acknowledged_writes: Vec<Uuid>,
    /// The server's sequence number after this push.
    pub server_seq: i64,
    /// Acknowledged but not applied (reservations that lost); the user gets a notice.
    #[serde(default)]
    pub refused: Vec<Refused>,
    /// Rows this push wrote to that the server has purged (deleted, and every device that
    /// syncs had the deletion): their changes were taken and dropped; the client drops the rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub purged: Vec<RowRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullPage {
    pub changes: Vec<WireChange>,
    /// The page's row writes, when the client asked for them ([`PULL_SHAPE_HEADER`]); `changes`
    /// is then empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub writes: Vec<WireWrite>,
    /// Rows to remove from this device (their partition moved to another rep).
    #[serde(default)]
    pub evict: Vec<RowRef>,
    #[serde(default)]
    pub notices: Vec<Notice>,
    /// On the last page (`more == false`): the checksum of every partition this page touched.
    #[serde(default)]
    pub checksums: Vec<PartitionChecksum>,
    /// Pass back as `since` for the next page.
    pub next_cursor: i64,
    pub more: bool,
    /// This device was away longer than the server keeps what it purged: pull everything again
    /// from 0, then drop every row the server did not send (see `round`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub resync: bool,
}

impl WireWrite {
    /// One [`WireChange`] per field, in order; field `i`'s change id is the write id with `i` in
    /// its last byte.
    pub fn into_changes(self) -> impl Iterator<Item = WireChange> {
        let WireWrite { table, row_id, write_id, hlc, author, fields } = self;
        fields.into_iter().map(move |(index, field, value)| WireChange {
            change_id: crate::store::outbox_writes::change_id(write_id, index),
            table: table.clone(),
            row_id,
            field,
            value,
            hlc: hlc.clone(),
            author,
        })
    }
}

impl WireChange {
    pub fn from_change(c: &FieldChange) -> Self {
        WireChange {
            change_id: c.change_id,
            table: c.table.clone(),
            row_id: c.row_id,
            field: c.field.clone(),
            value: c.value.clone(),
            hlc: c.hlc.to_string(),
            author: c.author,
        }
    }

    /// The change's clock, once its shape is checked; `index` names the change in errors.
    fn checked_hlc(&self, index: usize) -> std::result::Result<Hlc, FieldError> {
        let hlc: Hlc = self.hlc.parse().map_err(|e: String| FieldError::new(format!("changes[{index}].hlc"), e))?;
        if self.table.is_empty() || self.field.is_empty() {
            return Err(FieldError::new(format!("changes[{index}]"), "table and field are required"));
        }
        Ok(hlc)
    }

    /// Checks the shape and converts; `index` names the change in errors.
    pub fn to_change(&self, index: usize) -> std::result::Result<FieldChange, FieldError> {
        let hlc = self.checked_hlc(index)?;
        Ok(FieldChange {
            change_id: self.change_id,
            table: self.table.clone(),
            row_id: self.row_id,
            field: self.field.clone(),
            value: self.value.clone(),
            hlc,
            author: self.author,
        })
    }
}

impl PullPage {
    /// Takes every field change out of the page, from either shape, checked; an error names the
    /// change. `changes` and `writes` are empty afterwards.
    pub fn take_field_changes(&mut self) -> std::result::Result<Vec<FieldChange>, FieldError> {
        let mut out: Vec<FieldChange> =
            Vec::with_capacity(self.changes.len() + self.writes.iter().map(|w| w.fields.len()).sum::<usize>());
        for (i, c) in std::mem::take(&mut self.changes).into_iter().enumerate() {
            // As `WireChange::to_change`, moving the values instead of copying them.
            let hlc = c.checked_hlc(i)?;
            let WireChange { change_id, table, row_id, field, value, author, .. } = c;
            out.push(FieldChange { change_id, table, row_id, field, value, hlc, author });
        }
        for (i, w) in std::mem::take(&mut self.writes).into_iter().enumerate() {
            let hlc: Hlc = w.hlc.parse().map_err(|e: String| FieldError::new(format!("writes[{i}].hlc"), e))?;
            if w.table.is_empty() || w.fields.iter().any(|(_, f, _)| f.is_empty()) {
                return Err(FieldError::new(format!("writes[{i}]"), "table and field are required"));
            }
            if w.write_id.as_bytes()[15] != 0 {
                return Err(FieldError::new(format!("writes[{i}].write_id"), "the last byte of a write id is 00"));
            }
            let WireWrite { table, row_id, write_id, author, fields, .. } = w;
            out.extend(fields.into_iter().map(|(index, field, value)| FieldChange {
                change_id: crate::store::outbox_writes::change_id(write_id, index),
                table: table.clone(),
                row_id,
                field,
                value,
                hlc,
                author,
            }));
        }
        Ok(out)
    }
}

impl Push {
    /// Every change of the push, or every problem with it: size, duplicated ids, bad clocks, and
    /// clocks more than `max_skew_ms` ahead of `now_ms` (a device whose clock runs ahead).
    pub fn validate(&self, now_ms: u64, max_skew_ms: u64) -> Result<Vec<FieldChange>> {
        if self.changes.len() > MAX_PUSH {
            return Err(CoreError::field(
                "changes",
                format!("{} changes; a push carries at most {MAX_PUSH}", self.changes.len()),
            ));
        }
        let mut errors = Vec::new();
        let mut out = Vec::with_capacity(self.changes.len());
        // foldhash: SipHash of every change id was a measurable part of a large push's check.
        let mut ids = std::collections::HashSet::with_capacity_and_hasher(
            self.changes.len(),
            foldhash::fast::RandomState::default(),
        );
        for (i, w) in self.changes.iter().enumerate() {
            if !ids.insert(w.change_id) {
                errors.push(FieldError::new(format!("changes[{i}].change_id"), "appears twice in this push"));
                continue;
            }
            match w.to_change(i) {
                Ok(c) if c.hlc.ms > now_ms + max_skew_ms => errors.push(FieldError::new(
                    format!("changes[{i}].hlc"),
                    format!("is {} s ahead of the server's clock; fix the device's clock", (c.hlc.ms - now_ms) / 1000),
                )),
                Ok(c) => out.push(c),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() { Ok(out) } else { Err(CoreError::Validation(errors)) }
    }
}

impl PushAck {
    /// This answer to a push of the changes `sent` (in push order), naming each write all of whose
    /// changes in `sent` were acknowledged by its write id in `acknowledged_writes`; other
    /// acknowledged changes stay in `acknowledged`.
    pub fn by_writes(mut self, sent: &[Uuid]) -> PushAck {
        use crate::store::outbox_writes::write_of;
        let acked: std::collections::HashSet<Uuid, foldhash::fast::RandomState> =
            self.acknowledged.iter().copied().collect();
        // Each write of `sent` (in order of first appearance): whether all its changes were acknowledged.
        let mut whole: std::collections::HashMap<Uuid, bool, foldhash::fast::RandomState> = Default::default();
        let mut order = Vec::new();
        for id in sent {
            let write = write_of(*id).0;
            let all = whole.entry(write).or_insert_with(|| {
                order.push(write);
                true
            });
            *all &= acked.contains(id);
        }
        let named = |w: &Uuid| whole.get(w) == Some(&true);
        self.acknowledged.retain(|id| !named(&write_of(*id).0));
        self.acknowledged_writes = order.into_iter().filter(|w| named(w)).collect();
        self
    }

    /// The reverse of [`PushAck::by_writes`] on the client: every change of `sent` whose write is
    /// named in `acknowledged_writes` joins `acknowledged`, in push order.
    pub fn expand_writes(&mut self, sent: &Push) {
        if self.acknowledged_writes.is_empty() {
            return;
        }
        use crate::store::outbox_writes::write_of;
        let named: std::collections::HashSet<Uuid, foldhash::fast::RandomState> =
            std::mem::take(&mut self.acknowledged_writes).into_iter().collect();
        self.acknowledged
            .extend(sent.changes.iter().map(|c| c.change_id).filter(|id| named.contains(&write_of(*id).0)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(n: u128, ms: u64) -> WireChange {
        WireChange {
            change_id: Uuid::from_u128(n),
            table: "customers".into(),
            row_id: Uuid::from_u128(7),
            field: "city".into(),
            value: serde_json::json!("Austin"),
            hlc: Hlc { ms, counter: 0, node: Uuid::from_u128(1) }.to_string(),
            author: None,
        }
    }

    #[test]
    fn a_push_round_trips_and_is_checked() {
        let push = Push { device_id: Uuid::from_u128(1), changes: vec![wire(1, 1_000), wire(2, 2_000)] };
        let json = serde_json::to_string(&push).unwrap();
        let back: Push = serde_json::from_str(&json).unwrap();
        assert_eq!(back, push);
        assert_eq!(back.validate(2_000, 300_000).unwrap().len(), 2);
        // Unknown fields are refused when the JSON is read.
        assert!(
            serde_json::from_str::<Push>(r#"{"device_id":"00000000-0000-0000-0000-000000000001","changes":[],"x":1}"#)
                .is_err()
        );
    }

    fn page(writes: Vec<WireWrite>) -> PullPage {
        PullPage {
            changes: vec![],
            writes,
            evict: vec![],
            notices: vec![],
            checksums: vec![],
            next_cursor: 1,
            more: false,
            resync: false,
        }
    }

    /// A page's row writes become one change per field, each with the write id and its index
    /// as change id; a malformed write is named and nothing of the page is taken.
    #[test]
    fn a_pages_writes_become_field_changes_and_bad_ones_are_named() {
        let write_id = crate::store::outbox_writes::write_of(Uuid::now_v7()).0;
        let hlc = Hlc { ms: 5_000, counter: 2, node: Uuid::from_u128(1) };
        let w = WireWrite {
            table: "customers".into(),
            row_id: Uuid::from_u128(7),
            write_id,
            hlc: hlc.to_string(),
            author: Some(Uuid::from_u128(3)),
            fields: vec![(0, "city".into(), serde_json::json!("Austin")), (4, "notes".into(), serde_json::json!("Hi"))],
        };
        let json = serde_json::to_string(&page(vec![w.clone()])).unwrap();
        assert!(json.contains(r#""fields":[[0,"city","Austin"],[4,"notes","Hi"]]"#), "{json}");
        let mut back: PullPage = serde_json::from_str(&json).unwrap();
        let changes = back.take_field_changes().unwrap();
        assert!(back.writes.is_empty());
        let got: Vec<(Uuid, &str, u64, Option<Uuid>)> =
            changes.iter().map(|c| (c.change_id, c.field.as_str(), c.hlc.ms, c.author)).collect();
        let id = |i| crate::store::outbox_writes::change_id(write_id, i);
        assert_eq!(
            got,
            vec![(id(0), "city", 5_000, Some(Uuid::from_u128(3))), (id(4), "notes", 5_000, Some(Uuid::from_u128(3)))]
        );
        assert!(changes.iter().all(|c| c.hlc == hlc && c.row_id == Uuid::from_u128(7) && c.table == "customers"));

        let mut late = w.clone();
        late.hlc = "yesterday".into();
        let err = page(vec![w.clone(), late]).take_field_changes().unwrap_err();
        assert_eq!(err.field, "writes[1].hlc");
        let mut odd = w.clone();
        odd.write_id = Uuid::from_u128(0x1ff);
        assert_eq!(page(vec![odd]).take_field_changes().unwrap_err().field, "writes[0].write_id");
        let mut nameless = w;
        nameless.fields[1].1 = String::new();
        assert_eq!(page(vec![nameless]).take_field_changes().unwrap_err().field, "writes[0]");
        // A page without `writes` (every server from before) reads as it did.
        let old = r#"{"changes":[],"next_cursor":3,"more":false}"#;
        assert!(serde_json::from_str::<PullPage>(old).unwrap().writes.is_empty());
    }

    /// Changes as an outbox pushes them: write `w`'s fields 0..n of row `row`, at `ms`.
    fn write(w: u128, row: u128, ms: u64, fields: &[(&str, serde_json::Value)]) -> Vec<WireChange> {
        let id = Uuid::from_u128(w << 8);
        fields
            .iter()
            .enumerate()
            .map(|(i, (f, v))| WireChange {
                change_id: crate::store::outbox_writes::change_id(id, i as u8),
                table: "customers".into(),
                row_id: Uuid::from_u128(row),
                field: (*f).into(),
                value: v.clone(),
                hlc: Hlc { ms, counter: 0, node: Uuid::from_u128(1) }.to_string(),
                author: None,
            })
            .collect()
    }

    #[test]
    fn a_push_sent_by_writes_reads_back_as_the_same_changes_in_the_same_order() {
        use serde_json::json;
        let mut changes = write(1, 10, 1_000, &[("first_name", json!("Dana")), ("city", json!("Austin"))]);
        changes.extend(write(2, 11, 2_000, &[("first_name", json!("Eli")), ("tags", json!(["vip"]))]));
        // Write 1's first field again after another write, then twice in a row: each starts a
        // write of its own, so the server still sees (and refuses) exactly what was sent.
        changes.extend(write(1, 10, 1_000, &[("notes", json!("again"))]));
        let twice = changes[4].clone();
        changes.push(twice);
        let push = Push { device_id: Uuid::from_u128(1), changes };
        let body = PushBody::by_writes(&push);
        assert_eq!(body.writes.iter().map(|w| w.fields.len()).collect::<Vec<_>>(), [2, 2, 1, 1]);
        let json = serde_json::to_vec(&body).unwrap();
        let read: PushBody = serde_json::from_slice(&json).unwrap();
        let back = read.into_push().unwrap();
        assert_eq!(back, push);
        assert_eq!(
            back.validate(2_000, 0).unwrap_err().to_string(),
            "changes[4].change_id: appears twice in this push; changes[5].change_id: appears twice in this push"
        );
        // A write of 14 fields is far fewer bytes than its 14 changes.
        let wide: Vec<(String, serde_json::Value)> = (0..14).map(|i| (format!("field_{i}"), json!("value"))).collect();
        let wide: Vec<(&str, serde_json::Value)> = wide.iter().map(|(f, v)| (f.as_str(), v.clone())).collect();
        let push = Push { device_id: Uuid::nil(), changes: write(3, 12, 1_000, &wide) };
        let (by_field, by_write) =
            (serde_json::to_vec(&push).unwrap().len(), serde_json::to_vec(&PushBody::by_writes(&push)).unwrap().len());
        assert!(by_write * 3 < by_field, "{by_write} bytes by write, {by_field} by field");
        // A body of changes (every client from before) reads as it always did.
        let old: PushBody = serde_json::from_slice(&serde_json::to_vec(&push).unwrap()).unwrap();
        assert_eq!(old.into_push().unwrap(), push);
    }

    #[test]
    fn a_push_by_writes_is_refused_whole_when_it_is_too_big_or_malformed() {
        use serde_json::json;
        let body = |changes: Vec<WireChange>| PushBody::by_writes(&Push { device_id: Uuid::nil(), changes });
        let many: Vec<WireChange> =
            (0..=MAX_PUSH as u128).flat_map(|w| write(w + 1, w, 1_000, &[("city", json!("A"))])).collect();
        let e = body(many).into_push().unwrap_err();
        let said = format!("{} changes; a push carries at most {MAX_PUSH}", MAX_PUSH + 1);
        assert_eq!((e.field.as_str(), e.message.as_str()), ("changes", said.as_str()));
        let mut odd = body(write(1, 10, 1_000, &[("city", json!("A"))]));
        odd.writes[0].write_id = Uuid::from_u128(0x101);
        assert_eq!(odd.into_push().unwrap_err().field, "writes[0].write_id");
        let mut long = body(write(1, 10, 1_000, &[("city", json!("A"))]));
        long.writes[0].table = "t".repeat(1 << 20);
        assert_eq!(long.into_push().unwrap_err().field, "writes[0].table");
        let mut late = body(write(1, 10, 1_000, &[("city", json!("A"))]));
        late.writes[0].hlc = "9".repeat(1 << 20);
        assert_eq!(late.into_push().unwrap_err().field, "writes[0].hlc");
    }

    #[test]
    fn an_answer_by_writes_names_whole_writes_and_the_client_reads_back_every_change() {
        use serde_json::json;
        let mut changes = write(1, 10, 1_000, &[("first_name", json!("Dana")), ("city", json!("Austin"))]);
        changes.extend(write(2, 11, 1_000, &[("first_name", json!("Eli")), ("city", json!("Waco"))]));
        let push = Push { device_id: Uuid::nil(), changes };
        let sent: Vec<Uuid> = push.changes.iter().map(|c| c.change_id).collect();
        // Write 2's second field was not acknowledged: write 2 stays named by its one change.
        let ack = PushAck {
            acknowledged: sent[..3].to_vec(),
            acknowledged_writes: Vec::new(),
            server_seq: 4,
            refused: Vec::new(),
            purged: Vec::new(),
        };
        let mut short = ack.clone().by_writes(&sent);
        assert_eq!(short.acknowledged_writes, [Uuid::from_u128(1 << 8)]);
        assert_eq!(short.acknowledged, [sent[2]]);
        let json = serde_json::to_string(&short).unwrap();
        assert!(!json.contains(&sent[1].to_string()), "write 1's fields are not listed: {json}");
        short = serde_json::from_str(&json).unwrap();
        short.expand_writes(&push);
        let (mut got, mut want) = (short.acknowledged.clone(), ack.acknowledged.clone());
        got.sort();
        want.sort();
        assert_eq!(got, want);
        assert!(short.acknowledged_writes.is_empty());
        // An answer from a server from before has no `acknowledged_writes` and reads as before.
        let old = r#"{"acknowledged":[],"server_seq":1,"refused":[]}"#;
        assert!(serde_json::from_str::<PushAck>(old).unwrap().acknowledged_writes.is_empty());
    }

    #[test]
    fn oversized_duplicated_skewed_or_malformed_pushes_name_each_problem() {
        let too_many = Push { device_id: Uuid::nil(), changes: (0..=MAX_PUSH as u128).map(|n| wire(n, 1)).collect() };
        assert!(too_many.validate(1, 1).unwrap_err().to_string().contains(&format!("at most {MAX_PUSH}")));
        let mut bad = wire(3, 1_000);
        bad.hlc = "yesterday".into();
        let p =
            Push { device_id: Uuid::nil(), changes: vec![wire(1, 1_000), wire(1, 1_000), bad, wire(4, 10_000_000)] };
        let err = p.validate(1_000, 300_000).unwrap_err();
        let CoreError::Validation(fields) = err else { panic!() };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(names, ["changes[1].change_id", "changes[2].hlc", "changes[3].hlc"]);
        assert!(fields[2].message.contains("ahead of the server's clock"));
    }
}

/// A dealership (rooftop) the caller may sign in to, or one of its group's (`GET /api/v1/rooftops`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rooftop {
    pub id: Uuid,
    pub name: String,
    /// The dealer group it belongs to, if any.
    pub group: Option<String>,
    /// The rooftop the caller's token serves now.
    pub current: bool,
    /// Whether the caller may sign in to it (their own; every rooftop of a group manager's group).
    pub may_sign_in: bool,
}

/// A token for another rooftop of the caller's group, for a device of its own
/// (`POST /api/v1/rooftops/{id}/token`): a group manager's laptop keeps one store per rooftop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RooftopToken {
    pub device_id: Uuid,
}

/// A sister rooftop's vehicle found by the group inventory search (`GET /api/v1/group/inventory`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct GroupVehicle {
    pub vehicle: crate::domain::Vehicle,
    pub dealership_id: Uuid,
    pub dealership: String,
    /// An open transfer request for it, if any.
    pub requested: bool,
}

/// A rep's request for a sister rooftop's vehicle (`POST /api/v1/group/transfers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub vehicle_id: Uuid,
    #[serde(default)]
    pub note: String,
}

/// The owning rooftop's answer to a transfer request (`POST /api/v1/group/transfers/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferDecision {
    pub approve: bool,
    #[serde(default)]
    pub reason: String,
}

/// A vehicle transfer between two rooftops of a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    pub id: Uuid,
    pub vehicle_id: Uuid,
    /// The vehicle as requested ("2025 Toyota RAV4 XLE · stock T1234").
    pub vehicle: String,
    pub from_dealership: String,
    pub to_dealership: String,
    pub requested_by: String,
    pub requested_at: String,
    pub note: String,
    /// `requested`, `approved` or `declined`.
    pub status: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub reason: String,
}

/// A group manager moves a customer, with everything in their partition, to another rooftop of
/// the group (`POST /api/v1/group/customers/{id}/move`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomerMove {
    /// The rooftop the customer goes to.
    pub to: Uuid,
    /// The salesperson there who takes the customer (a user of that rooftop).
    pub owner: Uuid,
}

/// What a customer move did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Moved {
    pub customer_id: Uuid,
    pub from_dealership: String,
    pub to_dealership: String,
    /// Rows moved (the customer, their leads, deals, quotes, notes…).
    pub rows: u64,
}
