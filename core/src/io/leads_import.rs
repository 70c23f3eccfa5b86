//! Importing leads from a file: ADF/XML (recognised by content) or CSV. Each record becomes a lead
//! with its channel, source and interest, a transparent score, and a link to the customer it
//! belongs to when one with the same email or phone exists; a record with no way to contact is
//! reported, and a repeat of an earlier record in the same file is flagged. One transaction for
//! the file, like every import. Also: leads written out as ADF.

use super::customers_csv::{ImportAction, ImportOptions, ImportReport, RowOutcome};
use super::sheet::{self, header_key};
use crate::domain::{Channel, Customer, Lead, LeadStatus, Timestamp, new_id};
use crate::error::{FieldError, Result};
use crate::leads::adf::{self, Prospect};
use crate::leads::dedupe::{self, Keys, Person};
use crate::leads::scoring::{self, Signals, Weights};
use crate::store::{Store, Writer, query};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    First,
    Last,
    Email,
    Phone,
    Channel,
    Source,
    Campaign,
    Interest,
    Notes,
    Received,
    Timeframe,
}

/// The lead fields a CSV column can be mapped to, as named in presets and reports.
pub const LEAD_FIELDS: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "phone",
    "channel",
    "source",
    "campaign",
    "vehicle_interest",
    "notes",
    "received_at",
    "timeframe",
];

const ALL_FIELDS: [Field; 11] = [
    Field::First,
    Field::Last,
    Field::Email,
    Field::Phone,
    Field::Channel,
    Field::Source,
    Field::Campaign,
    Field::Interest,
    Field::Notes,
    Field::Received,
    Field::Timeframe,
];

/// The field a column feeds: the user's mapping first (an empty field ignores the column), else
/// recognised by its header.
fn mapped(header: &str, mapping: &[(String, String)]) -> Option<Field> {
    sheet::mapped(header, mapping, &ALL_FIELDS, field_name, field_for)
}

fn field_for(header: &str) -> Option<Field> {
    Some(match header_key(header).as_str() {
        "firstname" | "first" | "givenname" => Field::First,
        "lastname" | "last" | "surname" | "familyname" => Field::Last,
        "email" | "emailaddress" => Field::Email,
        "phone" | "mobile" | "cell" | "phonenumber" | "telephone" => Field::Phone,
        "channel" | "leadtype" => Field::Channel,
        "source" | "leadsource" | "provider" => Field::Source,
        "campaign" => Field::Campaign,
        "interest" | "vehicle" | "vehicleinterest" | "vehicleofinterest" => Field::Interest,
        "notes" | "comments" | "message" => Field::Notes,
        "received" | "date" | "receivedat" | "created" | "requestdate" => Field::Received,
        "timeframe" | "purchasetimeframe" | "buying" => Field::Timeframe,
        _ => return None,
    })
}

fn field_name(f: Field) -> &'static str {
    match f {
        Field::First => "first_name",
        Field::Last => "last_name",
        Field::Email => "email",
        Field::Phone => "phone",
        Field::Channel => "channel",
        Field::Source => "source",
        Field::Campaign => "campaign",
        Field::Interest => "vehicle_interest",
        Field::Notes => "notes",
        Field::Received => "received_at",
        Field::Timeframe => "timeframe",
    }
}

fn channel_of(text: &str) -> Option<Channel> {
    let k = header_key(text);
    Channel::ALL.into_iter().find(|c| header_key(&format!("{c:?}")) == k).or(match k.as_str() {
        "walkin" | "showroom" => Some(Channel::WalkIn),
        "internet" | "website" | "online" => Some(Channel::Web),
        "call" | "telephone" => Some(Channel::Phone),
        "facebook" | "instagram" => Some(Channel::Social),
        _ => None,
    })
}

/// Everything needed to turn one record into a lead (a file's row, an ADF prospect, a web lead
/// posted to the server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadRecord {
    pub first: String,
    pub last: String,
    pub email: String,
    pub phone: String,
    pub channel: Channel,
    pub source: String,
    pub campaign: String,
    pub interest: String,
    pub notes: String,
    pub received: Option<Timestamp>,
    pub timeframe: String,
    pub problems: Vec<FieldError>,
    /// The record as it arrived (an ADF prospect's text), kept on the lead.
    pub original: String,
}

impl LeadRecord {
    /// A phone that cannot be read does not cost the lead: the number is dropped from the lead
    /// and named in its problems, for the rep.
    pub fn clean_phone(&mut self, region: &str) {
        let phone = self.phone.trim().to_string();
        if !phone.is_empty() && crate::domain::validate::normalize_phone(&phone, region).is_err() {
            self.problems.push(FieldError::new("phone", format!("could not be read: {phone}")));
            self.phone.clear();
        } else {
            self.phone = phone;
        }
    }

    /// Who the record is, for duplicate checks.
    pub fn person(&self) -> Person {
        Person {
            first_name: self.first.clone(),
            last_name: self.last.clone(),
            email: self.email.clone(),
            phone: self.phone.clone(),
        }
    }
}

/// A record (its phone cleaned) as a new, unassigned lead of `customer_id`, scored: the lead and
/// the warnings it carries, or every problem that stops it (each naming its field). Pure: the
/// import and the server's intake build leads the same way.
pub fn lead_from(
    r: LeadRecord,
    region: &str,
    weights: &Weights,
    matching_vehicles: i32,
    customer_id: Option<uuid::Uuid>,
    now: Timestamp,
) -> std::result::Result<(Lead, Vec<FieldError>), Vec<FieldError>> {
    let mut problems = r.problems;
    let received = r.received.unwrap_or(now);
    let age_hours = ((now.millis() - received.millis()) / 3_600_000).clamp(0, i64::from(i32::MAX)) as i32;
    let timeframe = timeframe_days(&r.timeframe);
    let text = format!("{} {}", r.interest, r.notes).to_lowercase();
    let trade_in = text.contains("trade");
    let financing = text.contains("financ") || text.contains("monthly payment");
    let scored = scoring::score(
        &Signals {
            channel: Some(r.channel),
            timeframe_days: timeframe,
            has_trade_in: trade_in,
            wants_financing: financing,
            engagements: 0,
            age_hours,
            matching_vehicles,
        },
        weights,
    );
    let mut lead = Lead {
        id: new_id(),
        customer_id,
        first_name: r.first,
        last_name: r.last,
        email: (!r.email.trim().is_empty()).then_some(r.email),
        phone: (!r.phone.is_empty()).then_some(r.phone),
        channel: r.channel,
        source: r.source,
        campaign: r.campaign,
        vehicle_interest: r.interest,
        vehicle_id: None,
        status: LeadStatus::New,
        score: scored.score,
        assignee_id: None,
        received_at: received,
        first_response_at: None,
        notes: r.notes,
        created_at: now,
        updated_at: now,
        deleted_at: None,
        event_id: None,
        timeframe_days: timeframe,
        trade_in,
        financing,
        score_reasons: scored.reasons,
        assigned_at: None,
        cadence: String::new(),
        cadence_stopped: String::new(),
        merged_into: None,
        original: r.original,
        intake_warnings: Vec::new(),
    };
    match lead.validate(region) {
        Err(mut errors) => {
            errors.extend(problems);
            Err(errors)
        }
        Ok(warnings) => {
            problems.extend(warnings);
            // An unreadable phone already says what "no email or phone" would.
            if problems.iter().any(|p| p.field == "phone") {
                problems.retain(|p| !p.message.starts_with("no email or phone"));
            }
            lead.intake_warnings = problems.iter().filter(|p| p.field != "duplicate").cloned().collect();
            Ok((lead, problems))
        }
    }
}

/// Days until a purchase from how people write it: "within 2 weeks", "this month", "30 days",
/// "3-6 months", "ASAP". `None` when it says nothing usable.
pub fn timeframe_days(text: &str) -> Option<i32> {
    let t = text.to_lowercase();
    if t.trim().is_empty() {
        return None;
    }
    if ["asap", "now", "today", "immediately", "this week"].iter().any(|w| t.contains(w)) {
        return Some(3);
    }
    if t.contains("this month") {
        return Some(30);
    }
    let n: i32 =
        t.split(|c: char| !c.is_ascii_digit()).find(|p| !p.is_empty()).and_then(|p| p.parse().ok()).unwrap_or(1);
    let unit = if t.contains("day") {
        1
    } else if t.contains("week") {
        7
    } else if t.contains("month") {
        30
    } else if t.contains("year") {
        365
    } else {
        return None;
    };
    Some(n.clamp(0, 3650) * unit)
}

/// Existing customers by contact, and what this file already had, indexed so each record costs a
/// few lookups (a 100k-lead file stays linear).
struct Matcher {
    by_email: std::collections::HashMap<String, uuid::Uuid>,
    by_phone: std::collections::HashMap<String, uuid::Uuid>,
    /// Records of this file, and their candidates by email, phone and last-name key.
    seen: Vec<(Keys, u64)>,
    blocks: std::collections::HashMap<String, Vec<usize>>,
    weights: Weights,
    fit: crate::leads::inbox::StockFit,
}

fn block_keys(k: &Keys) -> Vec<String> {
    let mut out = Vec::with_capacity(3);
    if let Some(e) = &k.email {
        out.push(format!("e:{e}"));
    }
    if let Some(p) = &k.phone {
        out.push(format!("p:{p}"));
    }
    if let Some(n) = dedupe::name_key(k) {
        out.push(format!("n:{n}"));
    }
    out
}

impl Matcher {
    fn new(w: &Writer<'_>, region: &str) -> Result<Matcher> {
        let list: Vec<Customer> =
            query(w.conn(), "WHERE deleted_at IS NULL AND (email IS NOT NULL OR phone IS NOT NULL)", [])?;
        let mut m = Matcher {
            by_email: Default::default(),
            by_phone: Default::default(),
            seen: Vec::new(),
            blocks: Default::default(),
            weights: crate::leads::settings(w.conn())?.weights,
            fit: crate::leads::inbox::StockFit::load(w.conn())?,
        };
        for c in list {
            let p = Person {
                first_name: c.first_name.clone(),
                last_name: c.last_name.clone(),
                email: c.email.clone().unwrap_or_default(),
                phone: c.phone.clone().unwrap_or_default(),
            };
            let k = dedupe::keys(&p, region);
            if let Some(e) = k.email {
                m.by_email.entry(e).or_insert(c.id);
            }
            if let Some(p) = k.phone {
                m.by_phone.entry(p).or_insert(c.id);
            }
        }
        Ok(m)
    }

    fn customer(&self, k: &Keys) -> Option<uuid::Uuid> {
        k.email
            .as_ref()
            .and_then(|e| self.by_email.get(e))
            .or_else(|| k.phone.as_ref().and_then(|p| self.by_phone.get(p)))
            .copied()
    }

    /// The line of an earlier record of this file that is the same person.
    fn earlier(&self, k: &Keys) -> Option<u64> {
        let mut best: Option<u64> = None;
        for key in block_keys(k) {
            // The most recent few hundred of a block are enough to catch a repeat; a huge block
            // (a very common name) would otherwise make the import quadratic.
            let block = self.blocks.get(&key).map(Vec::as_slice).unwrap_or_default();
            for &i in block.iter().rev().take(500) {
                let (other, line) = &self.seen[i];
                if dedupe::same_person(other, k).is_some() {
                    best = Some(best.map_or(*line, |b| b.min(*line)));
                }
            }
        }
        best
    }

    fn remember(&mut self, k: Keys, line: u64) {
        let i = self.seen.len();
        for key in block_keys(&k) {
            self.blocks.entry(key).or_default().push(i);
        }
        self.seen.push((k, line));
    }
}

fn save(
    w: &mut Writer<'_>,
    mut r: LeadRecord,
    line: u64,
    region: &str,
    m: &mut Matcher,
    now: Timestamp,
) -> Result<RowOutcome> {
    let name = format!("{} {}", r.first, r.last).trim().to_string();
    r.clean_phone(region);
    let keys = dedupe::keys(&r.person(), region);
    // The customer this lead belongs to: an exact contact match only (a name alone is a "possible
    // duplicate" for a person to decide, not a link made silently).
    let customer_id = m.customer(&keys);
    if let Some(earlier) = m.earlier(&keys) {
        r.problems.push(FieldError::new("duplicate", format!("the same person as line {earlier}")));
    }
    let matching = m.fit.count(&r.interest);
    match lead_from(r, region, &m.weights, matching, customer_id, now) {
        Err(errors) => Ok(RowOutcome { line, action: ImportAction::Invalid, record_id: None, name, problems: errors }),
        Ok((lead, problems)) => {
            w.insert(&lead)?;
            m.remember(keys, line);
            Ok(RowOutcome { line, action: ImportAction::Created, record_id: Some(lead.id), name, problems })
        }
    }
}

/// Imports leads from an ADF or CSV file.
pub fn import_leads(
    store: &mut Store,
    bytes: &[u8],
    region: &str,
    opts: ImportOptions,
    mapping: &[(String, String)],
) -> Result<ImportReport> {
    let now = Timestamp::now();
    refuse_binary(bytes)?;
    if adf::sniff(bytes) {
        let prospects = adf::read(bytes)?;
        let mut report = ImportReport { dry_run: opts.dry_run, ..Default::default() };
        let commit = store.write_if(|w| {
            let mut m = Matcher::new(w, region)?;
            for p in prospects {
                let line = u64::from(p.line);
                let outcome = save(w, from_prospect(p, region), line, region, &mut m, now)?;
                report.count(&outcome, opts);
                report.rows.push(outcome);
            }
            Ok(!opts.dry_run && (report.invalid == 0 || opts.skip_invalid))
        })?;
        report.committed = commit;
        return Ok(report);
    }
    let sheet = sheet::read(bytes, |h| mapped(h, mapping), field_name)?;
    let ignored = sheet.ignored.clone();
    let mut matcher: Option<Matcher> = None;
    sheet::run(store, &sheet, field_name, opts, ignored, |w, cells, problems, line| {
        if matcher.is_none() {
            matcher = Some(Matcher::new(w, region)?);
        }
        let get = |f: Field| cells.iter().find(|(g, _)| *g == f).map(|(_, v)| v.clone()).unwrap_or_default();
        let mut problems = problems;
        let channel_text = get(Field::Channel);
        let channel = if channel_text.is_empty() {
            Channel::Web
        } else {
            channel_of(&channel_text).unwrap_or_else(|| {
                problems.push(FieldError::new("channel", format!("{channel_text:?} is not a channel; web assumed")));
                Channel::Web
            })
        };
        let received_text = get(Field::Received);
        let received = if received_text.is_empty() {
            None
        } else {
            let parsed = adf::parse_date(&received_text).and_then(|t| Timestamp::parse(&t));
            if parsed.is_none() {
                problems.push(FieldError::new("received_at", format!("{received_text:?} is not a date; today used")));
            }
            parsed
        };
        let record = LeadRecord {
            first: get(Field::First),
            last: get(Field::Last),
            email: get(Field::Email),
            phone: get(Field::Phone),
            channel,
            source: get(Field::Source),
            campaign: get(Field::Campaign),
            interest: get(Field::Interest),
            notes: get(Field::Notes),
            received,
            timeframe: get(Field::Timeframe),
            problems,
            original: String::new(),
        };
        let m = matcher.as_mut().ok_or_else(|| crate::error::CoreError::Import("matcher".into()))?;
        save(w, record, line, region, m, now)
    })
}

/// A prospect as a lead record: its first phone that can be read (else its first phone, which
/// `save` flags), the others that cannot be read named as problems.
pub fn from_prospect(p: Prospect, region: &str) -> LeadRecord {
    let readable = |n: &str| crate::domain::validate::normalize_phone(n, region).is_ok();
    let phone =
        p.phones.iter().find(|(_, n)| readable(n)).or(p.phones.first()).map(|(_, n)| n.clone()).unwrap_or_default();
    let notes = p.comments.clone();
    let mut problems = p.warnings.clone();
    problems.retain(|w| w.field != "contact"); // the lead's own check says it in the same words
    for (_, other) in p.phones.iter().filter(|(_, n)| *n != phone && !readable(n)) {
        problems.push(FieldError::new("phone", format!("could not be read: {other}")));
    }
    LeadRecord {
        first: p.first_name.clone(),
        last: p.last_name.clone(),
        email: p.email.clone(),
        phone,
        channel: Channel::Marketplace,
        source: if p.provider.is_empty() { "ADF feed".into() } else { p.provider.clone() },
        campaign: String::new(),
        interest: p.vehicle(),
        notes,
        received: p.request_date.as_deref().and_then(Timestamp::parse),
        timeframe: p.timeframe.clone(),
        problems,
        original: p.original,
    }
}

/// What a CSV file looks like before importing it: its columns, the field each feeds (by the
/// mapping given, else recognised by header) and the first rows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct LeadFilePreview {
    /// `adf` or `csv`.
    pub format: String,
    pub columns: Vec<(String, String)>,
    /// Up to 5 rows, cells in column order.
    pub sample: Vec<Vec<String>>,
    #[ts(type = "number")]
    pub records: u64,
    /// The lead fields a column may be mapped to.
    pub fields: Vec<String>,
}

/// An image, an archive or a spreadsheet is neither ADF nor CSV: refused before either reader.
fn refuse_binary(bytes: &[u8]) -> Result<()> {
    if adf::decode::looks_binary(bytes) {
        return Err(crate::error::CoreError::field("file", "is binary data, not an ADF/XML or CSV file"));
    }
    Ok(())
}

pub fn preview_leads(bytes: &[u8], mapping: &[(String, String)]) -> Result<LeadFilePreview> {
    refuse_binary(bytes)?;
    let fields = LEAD_FIELDS.iter().map(|f| f.to_string()).collect();
    if adf::sniff(bytes) {
        let prospects = adf::read(bytes)?;
        let sample = prospects
            .iter()
            .take(5)
            .map(|p| vec![p.first_name.clone(), p.last_name.clone(), p.email.clone(), p.vehicle()])
            .collect();
        let columns = ["first_name", "last_name", "email", "vehicle_interest"]
            .iter()
            .map(|f| (f.to_string(), f.to_string()))
            .collect();
        return Ok(LeadFilePreview { format: "adf".into(), columns, sample, records: prospects.len() as u64, fields });
    }
    sheet::preview(bytes, |h| mapped(h, mapping), field_name, &ALL_FIELDS)
}

/// Every live lead as an ADF document.
pub fn export_adf(conn: &rusqlite::Connection) -> Result<String> {
    let leads: Vec<Lead> = query(conn, "WHERE deleted_at IS NULL AND merged_into IS NULL ORDER BY received_at", [])?;
    let prospects: Vec<Prospect> = leads
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let mut parts = l.vehicle_interest.splitn(3, ' ');
            let (year, make, model) =
                (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            let has_year = year.parse::<i32>().is_ok();
            Prospect {
                index: i + 1,
                request_date: Some(l.received_at.to_string()),
                first_name: l.first_name,
                last_name: l.last_name,
                email: l.email.unwrap_or_default(),
                phones: l.phone.map(|p| vec![("voice".to_string(), p)]).unwrap_or_default(),
                year: if has_year { year.to_string() } else { String::new() },
                make: if has_year { make.to_string() } else { String::new() },
                model: if has_year { model.to_string() } else { l.vehicle_interest.clone() },
                comments: l.notes,
                timeframe: l.timeframe_days.map(|d| format!("Within {d} days")).unwrap_or_default(),
                vendor: "Showroom".into(),
                provider: l.source,
                ..Default::default()
            }
        })
        .collect();
    Ok(adf::write(&prospects))
}
