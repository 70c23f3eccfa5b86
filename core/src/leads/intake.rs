//! Internet leads arriving at the server around the clock (web forms, OEM and marketplace feeds,
//! posted as JSON or ADF/XML): the JSON shape a lead source posts, turning a post into lead
//! records, and choosing the rep. Pure, so the server routes a lead at 3 AM with the same reader,
//! the same lead building ([`crate::io::lead_from`]) and the same rules ([`super::routing`]) a
//! manager's laptop uses.

use super::LeadSettings;
use super::adf;
use super::routing::{self, Assignment, LeadFacts, RepState};
use crate::domain::{Channel, Customer, Lead, Vehicle};
use crate::error::FieldError;
use crate::io::LeadRecord;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The most leads one post may carry (a nightly OEM batch fits; send more in several posts).
pub const MAX_LEADS: usize = 5_000;

/// A lead as a website or a provider posts it in JSON. Unknown fields are refused, so a
/// misspelled field is an answer, not a silently lost value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebLead {
    /// The provider's id of the lead: a lead posted again with the same id is stored once.
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
    /// The vehicle asked about, in words ("a family SUV"), when there is no `vehicle`.
    pub interest: String,
    pub vehicle: Option<WebVehicle>,
    pub comments: String,
    /// "within 2 weeks", "this month", "ASAP".
    pub timeframe: String,
    pub campaign: String,
    /// The channel when it is not the source's (e.g. `chat` from the website's chat widget).
    pub channel: Option<Channel>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebVehicle {
    pub year: Option<u16>,
    pub make: String,
    pub model: String,
    pub trim: String,
    /// `new` or `used`.
    pub condition: String,
    pub vin: String,
    pub stock: String,
}

/// A JSON post: `{"leads": [...]}`, or one lead on its own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebPost {
    pub leads: Vec<WebLead>,
}

/// One lead of a post, ready to store: the provider's id (empty when it gave none) and the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    pub provider_id: String,
    pub record: LeadRecord,
}

impl WebLead {
    /// "2025 Toyota RAV4 XLE", or the interest in words.
    pub fn vehicle_text(&self) -> String {
        match &self.vehicle {
            Some(v) => {
                let year = v.year.map(|y| y.to_string()).unwrap_or_default();
                let parts = [year.as_str(), v.condition_word(), &v.make, &v.model, &v.trim];
                let text = parts.iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(" ");
                if text.is_empty() { self.interest.trim().to_string() } else { text }
            }
            None => self.interest.trim().to_string(),
        }
    }

    /// The lead as a record from `source`, with `channel` unless it names its own.
    pub fn into_incoming(self, source: &str, channel: Channel) -> Incoming {
        let interest = self.vehicle_text();
        let mut notes = self.comments.trim().to_string();
        if let Some(v) = &self.vehicle {
            for (label, value) in [("VIN", &v.vin), ("Stock", &v.stock)] {
                if !value.trim().is_empty() {
                    notes = format!("{notes}\n{label}: {}", value.trim()).trim().to_string();
                }
            }
        }
        let mut original = serde_json::to_string(&self).unwrap_or_default();
        crate::sync::rules::fit_document(&mut original);
        Incoming {
            provider_id: self.id.trim().to_string(),
            record: LeadRecord {
                first: self.first_name.trim().to_string(),
                last: self.last_name.trim().to_string(),
                email: self.email.trim().to_string(),
                phone: self.phone.trim().to_string(),
                channel: self.channel.unwrap_or(channel),
                source: source.to_string(),
                campaign: self.campaign.trim().to_string(),
                interest,
                notes,
                // Speed to lead counts from the moment the server received it.
                received: None,
                timeframe: self.timeframe,
                problems: Vec::new(),
                original,
            },
        }
    }
}

impl WebVehicle {
    /// "Used" in the interest when the lead says so (routing rules read new or used from it).
    fn condition_word(&self) -> &'static str {
        match self.condition.trim().to_ascii_lowercase().as_str() {
            "used" | "pre-owned" | "preowned" | "cpo" => "used",
            "new" => "new",
            _ => "",
        }
    }
}

/// Reads a JSON post: each problem names its place (`leads[2].vehicle.year: invalid type…`).
pub fn read_json(bytes: &[u8], source: &str, channel: Channel) -> Result<Vec<Incoming>, FieldError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| FieldError::new("body", format!("is not JSON: {e}")))?;
    let batch = value.as_object().is_some_and(|o| o.contains_key("leads"));
    let leads = if batch {
        let post: WebPost = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            FieldError::new(path, e.into_inner().to_string())
        })?;
        post.leads
    } else {
        let lead: WebLead = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "body".to_string() } else { path };
            FieldError::new(field, e.into_inner().to_string())
        })?;
        vec![lead]
    };
    if leads.is_empty() {
        return Err(FieldError::new("leads", "holds no lead"));
    }
    if leads.len() > MAX_LEADS {
        return Err(FieldError::new("leads", format!("{} leads; send at most {MAX_LEADS} in one post", leads.len())));
    }
    Ok(leads.into_iter().map(|l| l.into_incoming(source, channel)).collect())
}

/// Reads an ADF post with the desktop's tolerant reader; `source` names the lead source (the
/// feed's own provider name goes into the notes).
pub fn read_adf(bytes: &[u8], source: &str, channel: Channel, region: &str) -> Result<Vec<Incoming>, FieldError> {
    let prospects = adf::read(bytes).map_err(|e| match e {
        crate::error::CoreError::Validation(mut f) if !f.is_empty() => {
            let mut first = f.swap_remove(0);
            if first.field == "file" {
                first.field = "body".into();
            }
            first
        }
        other => FieldError::new("body", other.to_string()),
    })?;
    if prospects.len() > MAX_LEADS {
        return Err(FieldError::new(
            "body",
            format!("{} prospects; send at most {MAX_LEADS} in one post", prospects.len()),
        ));
    }
    Ok(prospects
        .into_iter()
        .map(|p| {
            let provider_id = p.provider_id.trim().to_string();
            let provider = p.provider.trim().to_string();
            let mut record = crate::io::from_prospect(p, region);
            record.channel = channel;
            if !provider.is_empty() && !provider.eq_ignore_ascii_case(source) {
                record.notes = format!("{}\nVia {provider}", record.notes).trim().to_string();
            }
            record.source = source.to_string();
            for w in &mut record.problems {
                if w.field == "file" {
                    w.field = "body".into();
                }
            }
            // Speed to lead counts from the moment the server received it, not the feed's date.
            record.received = None;
            Incoming { provider_id, record }
        })
        .collect())
}

/// What routing reads from a lead: make and model (of the vehicle it names, else of its interest
/// in words), language and postal code of its customer, channel, new or used.
pub fn lead_facts(lead: &Lead, customer: Option<&Customer>, vehicle: Option<&Vehicle>) -> LeadFacts {
    let interest = lead.vehicle_interest.to_lowercase();
    let words: Vec<&str> = lead.vehicle_interest.split_whitespace().filter(|w| !is_condition(w)).collect();
    let (make, model) = match vehicle {
        Some(v) => (v.make.clone(), v.model.clone()),
        None => {
            // "2024 Toyota RAV4" or "Toyota RAV4".
            let skip = usize::from(words.first().is_some_and(|w| w.parse::<i32>().is_ok()));
            (
                words.get(skip).map(|s| s.to_string()).unwrap_or_default(),
                words.get(skip + 1..).map(|s| s.join(" ")).unwrap_or_default(),
            )
        }
    };
    LeadFacts {
        make,
        model,
        language: customer.map(|c| c.language.clone()).unwrap_or_default(),
        channel: Some(lead.channel),
        postal_code: customer.map(|c| c.postal_code.clone()).unwrap_or_default(),
        condition: if interest.contains("used") || interest.contains("pre-owned") {
            "used".into()
        } else if interest.contains("new") {
            "new".into()
        } else {
            String::new()
        },
    }
}

fn is_condition(word: &str) -> bool {
    matches!(word.to_ascii_lowercase().as_str(), "new" | "used" | "pre-owned" | "certified")
}

/// The rep for a lead arriving while nobody may be at work: the customer's own rep when they have
/// one (a returning customer stays with their salesperson), else the dealership's rules among the
/// reps working now; outside working hours (or with nobody checked in for the up rotation) the
/// rules pick among every active rep by round robin, and the lead's first-response clock starts
/// at the next opening ([`super::WorkingHours::clock_starts`]).
pub fn choose_rep(
    facts: &LeadFacts,
    s: &LeadSettings,
    reps: &[RepState],
    customer_owner: Option<Uuid>,
) -> Result<Assignment, String> {
    if let Some(owner) = customer_owner
        && let Some(r) = reps.iter().find(|r| r.id == owner)
    {
        return Ok(Assignment { rep: r.id, reason: format!("returning customer of {}", r.name) });
    }
    match routing::route(facts, &s.rules, reps, s.distribution, &[]) {
        Ok(a) => Ok(a),
        Err(why) => {
            let everyone: Vec<RepState> = reps.iter().map(|r| RepState { available: true, ..r.clone() }).collect();
            routing::route(facts, &s.rules, &everyone, routing::Distribution::RoundRobin, &[])
                .map(|a| Assignment { rep: a.rep, reason: format!("after hours ({why}); {}", a.reason) })
                .map_err(|_| why)
        }
    }
}

/// The message the assigned rep's laptop shows when the lead arrives.
pub fn arrival_notice(lead: &Lead) -> String {
    let name = format!("{} {}", lead.first_name, lead.last_name).trim().to_string();
    let name = if name.is_empty() { "A new lead".to_string() } else { name };
    let what = if lead.vehicle_interest.is_empty() { String::new() } else { format!(" · {}", lead.vehicle_interest) };
    format!("New lead from {}: {name}{what}", if lead.source.is_empty() { "the web" } else { &lead.source })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leads::routing::{Distribution, Rule};

    fn rep(n: u128, available: bool) -> RepState {
        RepState {
            id: Uuid::from_u128(n),
            name: format!("Rep {n}"),
            available,
            open_leads: 0,
            last_assigned_ms: n as i64,
            up_position: None,
            overdue_followups: false,
        }
    }

    #[test]
    fn a_json_post_reads_one_lead_or_a_batch_and_names_the_place_of_a_mistake() {
        let one = br#"{"id":"w-1","first_name":"Maria","last_name":"Harris","email":"maria@example.com",
            "vehicle":{"year":2025,"make":"Toyota","model":"RAV4","trim":"XLE","condition":"used","vin":"JT123"}}"#;
        let got = read_json(one, "Website", Channel::Web).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].provider_id, "w-1");
        assert_eq!(got[0].record.interest, "2025 used Toyota RAV4 XLE");
        assert_eq!(got[0].record.source, "Website");
        assert_eq!(got[0].record.channel, Channel::Web);
        assert!(got[0].record.notes.contains("VIN: JT123"), "{}", got[0].record.notes);
        assert_eq!(got[0].record.received, None, "the server's receipt time is the lead's");
        let batch = br#"{"leads":[{"first_name":"A","email":"a@example.com","channel":"chat"},{"first_name":"B","phone":"5125550100"}]}"#;
        let got = read_json(batch, "Website", Channel::Web).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].record.channel, Channel::Chat);
        let e =
            read_json(br#"{"leads":[{"first_name":"A"},{"vehicle":{"year":"soon"}}]}"#, "W", Channel::Web).unwrap_err();
        assert_eq!(e.field, "leads[1].vehicle.year", "{e:?}");
        let e = read_json(br#"{"first_name":"A","emial":"a@example.com"}"#, "W", Channel::Web).unwrap_err();
        assert!(e.message.contains("unknown field `emial`"), "{e:?}");
        assert_eq!(read_json(b"{not json", "W", Channel::Web).unwrap_err().field, "body");
        assert_eq!(read_json(br#"{"leads":[]}"#, "W", Channel::Web).unwrap_err().field, "leads");
    }

    #[test]
    fn an_adf_post_keeps_the_providers_id_and_takes_the_sources_name() {
        let xml = br#"<?xml version="1.0"?><?adf version="1.0"?><adf><prospect>
            <id sequence="1" source="CarsDirect">CD-778</id><requestdate>2026-11-17T02:00:00-06:00</requestdate>
            <vehicle interest="buy" status="new"><year>2026</year><make>Honda</make><model>CR-V</model></vehicle>
            <customer><contact><name part="first">Lee</name><name part="last">Park</name>
            <email>lee@example.com</email></contact></customer><provider><name>CarsDirect</name></provider>
            </prospect></adf>"#;
        let got = read_adf(xml, "OEM feed", Channel::Marketplace, "US").unwrap();
        assert_eq!(got[0].provider_id, "CD-778");
        assert_eq!(got[0].record.source, "OEM feed");
        assert!(got[0].record.notes.contains("Via CarsDirect"));
        assert_eq!(got[0].record.received, None);
        assert!(got[0].record.original.contains("CD-778"));
        let e = read_adf(b"<html><body>hi</body></html>", "OEM", Channel::Web, "US").unwrap_err();
        assert_eq!(e.field, "body");
        assert!(e.message.contains("<html>"), "{e:?}");
    }

    #[test]
    fn a_returning_customer_stays_with_their_rep_and_at_night_every_active_rep_takes_turns() {
        let s = LeadSettings::default();
        let reps = vec![rep(1, true), rep(2, true)];
        let a = choose_rep(&LeadFacts::default(), &s, &reps, Some(Uuid::from_u128(2))).unwrap();
        assert_eq!((a.rep, a.reason.as_str()), (Uuid::from_u128(2), "returning customer of Rep 2"));
        // Daytime: the rules among the reps working now (rep 1 waited longest).
        assert_eq!(choose_rep(&LeadFacts::default(), &s, &reps, None).unwrap().rep, Uuid::from_u128(1));
        // Night: nobody is working; still assigned, and the reason says so.
        let night = vec![rep(1, false), rep(2, false)];
        let a = choose_rep(&LeadFacts::default(), &s, &night, None).unwrap();
        assert_eq!(a.rep, Uuid::from_u128(1));
        assert!(a.reason.starts_with("after hours"), "{}", a.reason);
        // The rules still narrow the pool at night.
        let mut s = s;
        s.rules = vec![Rule {
            name: "Trucks".into(),
            make: Some("Ford".into()),
            reps: vec![Uuid::from_u128(2)],
            ..Default::default()
        }];
        s.distribution = Distribution::UpRotation;
        let ford = LeadFacts { make: "Ford".into(), ..Default::default() };
        assert_eq!(choose_rep(&ford, &s, &night, None).unwrap().rep, Uuid::from_u128(2));
        assert!(choose_rep(&LeadFacts::default(), &s, &[], None).is_err(), "no reps at all: nobody");
    }

    #[test]
    fn a_lead_assigned_at_night_starts_its_response_clock_at_the_next_opening() {
        use crate::domain::Timestamp;
        let hours = crate::leads::WorkingHours::default(); // 9 to 20, Monday to Saturday
        let chicago = -6 * 60;
        let at = |s: &str| Timestamp::parse(s).unwrap();
        // Wednesday 3 AM in Chicago: the clock starts at 9 AM.
        assert_eq!(hours.clock_starts(at("2026-11-18T09:00:00Z"), chicago), at("2026-11-18T15:00:00Z"));
        // Within hours: at once.
        assert_eq!(hours.clock_starts(at("2026-11-18T16:30:00Z"), chicago), at("2026-11-18T16:30:00Z"));
        // Friday 9 PM: Saturday 9 AM. Saturday 9 PM: Sunday is closed, so Monday 9 AM.
        assert_eq!(hours.clock_starts(at("2026-11-21T03:00:00Z"), chicago), at("2026-11-21T15:00:00Z"));
        assert_eq!(hours.clock_starts(at("2026-11-22T03:00:00Z"), chicago), at("2026-11-23T15:00:00Z"));
    }

    #[test]
    fn the_facts_of_a_lead_skip_its_year_and_condition_words() {
        let mut lead: Lead = serde_json::from_value(serde_json::json!({
            "id": Uuid::from_u128(9), "customer_id": null, "first_name": "A", "last_name": "B", "email": null,
            "phone": null, "channel": "web", "source": "", "campaign": "", "vehicle_interest": "2025 used Toyota RAV4 XLE",
            "vehicle_id": null, "status": "new", "score": 0, "assignee_id": null, "received_at": "2026-11-18T10:00:00Z",
            "first_response_at": null, "notes": "", "created_at": "2026-11-18T10:00:00Z",
            "updated_at": "2026-11-18T10:00:00Z", "deleted_at": null, "event_id": null, "timeframe_days": null,
            "trade_in": false, "financing": false, "score_reasons": [], "assigned_at": null, "cadence": "",
            "cadence_stopped": "", "merged_into": null, "original": "", "intake_warnings": []
        }))
        .unwrap();
        let f = lead_facts(&lead, None, None);
        assert_eq!((f.make.as_str(), f.model.as_str(), f.condition.as_str()), ("Toyota", "RAV4 XLE", "used"));
        lead.vehicle_interest = "Ford F-150".into();
        let f = lead_facts(&lead, None, None);
        assert_eq!((f.make.as_str(), f.model.as_str(), f.condition.as_str()), ("Ford", "F-150", ""));
        assert!(arrival_notice(&lead).contains("A B · Ford F-150"));
    }
}
