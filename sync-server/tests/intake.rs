//! Lead intake through the HTTP API (the router on an in-memory store): keys, formats, routing,
//! idempotency, and every bad post answered clearly with nothing stored.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use showroom_core::domain::time::clock;
use showroom_core::domain::{Channel, Customer, Timestamp};
use showroom_core::sync::protocol::{Push, WireChange};
use showroom_core::sync::{Clock, Hlc};
use showroom_sync::storage::{Role, Storage, User};
use showroom_sync::testpg::Kind;
use showroom_sync::{AppState, app};
use std::collections::HashMap;
use tower::ServiceExt;
use uuid::Uuid;

/// Rows as a pull rebuilds them: (table, id) → fields.
type Rows = HashMap<(String, Uuid), serde_json::Map<String, Value>>;

struct Shop {
    state: AppState,
    /// The PostgreSQL server under the store, if any (dropped after it).
    _pg: Option<showroom_sync::testpg::TestPostgres>,
    ana: User,
    bo: User,
    mia: User,
    key: String,
}

/// Every test of this file runs on Wednesday 2026-11-18 from 09:00 UTC: daytime for a dealership
/// on UTC, 3 AM for one in Chicago.
fn pin() {
    static PINNED: std::sync::Once = std::sync::Once::new();
    PINNED.call_once(|| clock::start_at(Timestamp::parse(NIGHT).unwrap()));
}

const NIGHT: &str = "2026-11-18T09:00:00Z";

fn shop(kind: Kind) -> Shop {
    pin();
    let (s, pg) = kind.open();
    s.create_dealership("Lakeside Motors").unwrap();
    let ana = s.add_user(None, "ana", "Ana Ruiz", Role::Rep, "x").unwrap();
    let bo = s.add_user(None, "bo", "Bo Chen", Role::Rep, "x").unwrap();
    let mia = s.add_user(None, "mia", "Mia Stone", Role::Manager, "x").unwrap();
    let (key, hash) = showroom_sync::auth::new_token();
    s.add_lead_source(None, "Website", Channel::Web, &hash, 0).unwrap();
    Shop { state: AppState::new(s), ana, bo, mia, key, _pg: pg }
}

impl Shop {
    async fn post(&self, key: Option<&str>, content_type: &str, body: impl Into<Body>) -> (StatusCode, Value) {
        let mut req = Request::post("/api/v1/intake/leads").header("content-type", content_type);
        if let Some(k) = key {
            req = req.header("x-api-key", k);
        }
        let res = app(self.state.clone()).oneshot(req.body(body.into()).unwrap()).await.unwrap();
        let status = res.status();
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    async fn json(&self, body: Value) -> (StatusCode, Value) {
        self.post(Some(&self.key), "application/json", body.to_string()).await
    }

    fn storage(&self) -> &dyn Storage {
        self.state.storage.as_ref()
    }

    /// Every row `user` may see, rebuilt from a full pull, and the notices for them.
    fn seen_by(&self, user: &User) -> (Rows, Vec<String>) {
        let page = self.storage().pull(user, Uuid::now_v7(), 0, 10_000).unwrap();
        let mut rows: Rows = HashMap::new();
        for c in page.changes {
            rows.entry((c.table, c.row_id)).or_default().insert(c.field, c.value);
        }
        (rows, page.notices.into_iter().map(|n| n.message).collect())
    }

    fn leads_seen_by(&self, user: &User) -> Vec<(Uuid, serde_json::Map<String, Value>)> {
        let mut out: Vec<_> =
            self.seen_by(user).0.into_iter().filter(|((t, _), _)| t == "leads").map(|((_, id), m)| (id, m)).collect();
        out.sort_by_key(|(id, _)| *id);
        out
    }

    /// A manager's (or rep's) own edit of a row, pushed as a laptop would.
    fn push_row(&self, user: &User, table: &str, row: Value) {
        self.try_push_row(user, table, row).unwrap();
    }

    fn try_push_row(&self, user: &User, table: &str, row: Value) -> Result<(), String> {
        let mut clock = Clock::new(Uuid::now_v7(), None);
        let hlc: Hlc = clock.tick(Timestamp::now().millis() as u64);
        let Value::Object(fields) = row else { panic!("a row is an object") };
        let id: Uuid = fields["id"].as_str().unwrap().parse().unwrap();
        let changes = fields
            .into_iter()
            .filter(|(f, _)| f != "id")
            .map(|(field, value)| WireChange {
                change_id: Uuid::now_v7(),
                table: table.into(),
                row_id: id,
                field,
                value,
                hlc: hlc.to_string(),
                author: None,
            })
            .collect();
        self.storage()
            .push(user, &Push { device_id: Uuid::now_v7(), changes }, Timestamp::now().millis() as u64)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

fn maria(id: &str) -> Value {
    json!({"id": id, "first_name": "Maria", "last_name": "Harris", "email": "Maria.Harris@Example.com",
           "phone": "(512) 555-0142", "vehicle": {"year": 2025, "make": "Toyota", "model": "RAV4", "trim": "XLE"},
           "comments": "Do you have it in blue?", "timeframe": "within 2 weeks"})
}

async fn a_posted_lead_is_stored_routed_to_one_rep_and_answered_once_per_provider_id(kind: Kind) {
    let shop = shop(kind);
    let (status, body) = shop.json(maria("web-1001")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!((body["stored"].as_u64(), body["duplicates"].as_u64()), (Some(1), Some(0)), "{body}");
    let first = &body["leads"][0];
    let lead_id: Uuid = first["lead_id"].as_str().unwrap().parse().unwrap();
    let rep_name = first["assigned_to"].as_str().unwrap().to_string();
    assert!(["Ana Ruiz", "Bo Chen"].contains(&rep_name.as_str()), "{body}");
    assert!(first["reason"].as_str().unwrap().contains(&rep_name), "{body}");
    let (rep, other) = if rep_name == "Ana Ruiz" { (&shop.ana, &shop.bo) } else { (&shop.bo, &shop.ana) };

    // The rep sees the lead, normalised, from the source, received when the server took it, with a
    // notice; the other rep sees nothing of it; the manager sees it.
    let (rows, notices) = shop.seen_by(rep);
    let lead = &rows[&("leads".to_string(), lead_id)];
    assert_eq!(lead["email"], "maria.harris@example.com");
    assert_eq!(lead["phone"], "+15125550142");
    assert_eq!(lead["source"], "Website");
    assert_eq!(lead["channel"], "web");
    assert_eq!(lead["assignee_id"], json!(rep.id));
    assert_eq!(lead["vehicle_interest"], "2025 Toyota RAV4 XLE");
    let received = Timestamp::parse(lead["received_at"].as_str().unwrap()).unwrap();
    assert!((Timestamp::now().millis() - received.millis()).abs() < 60_000, "received {received}");
    assert!(rows.keys().any(|(t, _)| t == "lead_assignments"), "the assignment travels with the lead");
    assert_eq!(notices, vec!["New lead from Website: Maria Harris · 2025 Toyota RAV4 XLE".to_string()]);
    assert!(shop.leads_seen_by(other).is_empty());
    assert!(shop.seen_by(other).1.is_empty());
    assert_eq!(shop.leads_seen_by(&shop.mia).len(), 1);

    // The provider retries: the same lead answered, nothing stored again.
    let (status, body) = shop.json(maria("web-1001")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!((body["stored"].as_u64(), body["duplicates"].as_u64()), (Some(0), Some(1)));
    assert_eq!(body["leads"][0]["lead_id"], json!(lead_id));
    assert_eq!(shop.leads_seen_by(&shop.mia).len(), 1);

    // A batch: a second lead goes to the other rep (round robin), a repeat inside it is not stored twice.
    let (status, body) = shop
        .json(json!({"leads": [
            {"id": "web-1002", "first_name": "Kai", "last_name": "Ono", "phone": "512-555-0199", "interest": "a used truck"},
            {"id": "web-1002", "first_name": "Kai", "last_name": "Ono", "phone": "512-555-0199"},
        ]}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!((body["stored"].as_u64(), body["duplicates"].as_u64()), (Some(1), Some(1)), "{body}");
    assert_eq!(body["leads"][1]["lead_id"], body["leads"][0]["lead_id"]);
    assert_ne!(body["leads"][0]["assigned_to"].as_str(), Some(rep_name.as_str()), "round robin: {body}");
    assert_eq!(shop.leads_seen_by(&shop.mia).len(), 2);
}

async fn a_returning_customer_stays_with_their_rep(kind: Kind) {
    let shop = shop(kind);
    let customer = Customer {
        owner_id: Some(shop.bo.id),
        first_name: "Maria".into(),
        last_name: "Harris".into(),
        email: Some("maria.harris@example.com".into()),
        ..Customer::blank(Uuid::now_v7(), Timestamp::now())
    };
    shop.push_row(&shop.bo, "customers", serde_json::to_value(&customer).unwrap());
    let (status, body) = shop.json(maria("web-2001")).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["leads"][0]["assigned_to"], "Bo Chen");
    assert_eq!(body["leads"][0]["reason"], "returning customer of Bo Chen");
    let leads = shop.leads_seen_by(&shop.bo);
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0].1["customer_id"], json!(customer.id), "linked to the customer with the same email");
    assert!(shop.leads_seen_by(&shop.ana).is_empty());
}

async fn a_lead_at_three_in_the_morning_is_assigned_and_its_clock_waits_for_the_opening(kind: Kind) {
    let shop = shop(kind);
    let dealership = json!({"id": Uuid::now_v7(), "name": "Lakeside Motors", "country": "US",
        "timezone": "America/Chicago", "address": "", "phone": "", "email": "", "logo_png": null,
        "created_at": Timestamp::now(), "updated_at": Timestamp::now()});
    shop.push_row(&shop.mia, "dealerships", dealership);
    // 3 AM in Chicago: nobody is working (9 to 8).
    let night = Timestamp::now();
    assert!((night.millis() - Timestamp::parse(NIGHT).unwrap().millis()).abs() < 60_000);
    let mut source = shop.storage().lead_sources().unwrap().remove(0);
    source.region = "US".into();
    let xml = br#"<?xml version="1.0"?><adf><prospect><id source="CarsDirect">CD-9</id>
        <requestdate>2026-11-17T20:00:00-06:00</requestdate>
        <vehicle interest="buy" status="new"><year>2026</year><make>Honda</make><model>CR-V</model></vehicle>
        <customer><contact><name part="full">Lee Park</name><phone>512 555 0101</phone></contact></customer>
        </prospect></adf>"#;
    let leads = showroom_core::leads::intake::read_adf(xml, "Website", Channel::Marketplace, "US").unwrap();
    let receipt = shop.storage().take_leads(&source, leads, night.millis() as u64).unwrap();
    let o = &receipt.leads[0];
    assert!(o.assigned_to.is_some(), "{o:?}");
    assert!(o.reason.starts_with("after hours"), "{o:?}");
    assert!(o.warnings.iter().any(|w| w.field == "name"), "the full name split is worth a look: {o:?}");
    // Speed to lead counts from the server's receipt, not the feed's date.
    let lead = shop.leads_seen_by(&shop.mia).remove(0).1;
    assert_eq!(lead["received_at"], json!(night));
    assert_eq!(lead["assigned_at"], json!(night));
    let night = Timestamp::parse(NIGHT).unwrap();
    assert_eq!(showroom_sync::storage::utc_offset_min("America/Chicago", night), -360);
    let hours = showroom_core::leads::WorkingHours::default();
    let starts = hours.clock_starts(night, -360);
    assert_eq!(starts, Timestamp::parse("2026-11-18T15:00:00Z").unwrap(), "the clock starts at 9 AM");
}

async fn bad_posts_get_clear_answers_and_store_nothing(kind: Kind) {
    let shop = shop(kind);
    let lead = maria("web-1").to_string();
    let (status, body) = shop.post(None, "application/json", lead.clone()).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("unauthorized")));
    assert!(body["message"].as_str().unwrap().contains("X-Api-Key"), "{body}");
    let (status, body) = shop.post(Some("guessed"), "application/json", lead.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["message"].as_str().unwrap().contains("unknown"), "{body}");

    let (status, body) = shop.post(Some(&shop.key), "text/plain", lead.clone()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
    assert_eq!(body["fields"][0]["field"], "content-type");

    let (status, body) = shop.post(Some(&shop.key), "application/json", "{\"first_name\": ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["fields"][0]["field"], "body", "{body}");
    let (status, body) = shop.json(json!({"leads": [{"first_name": "A", "emial": "a@example.com"}]})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["fields"][0]["field"], "leads[0].emial", "{body}");
    assert!(body["message"].as_str().unwrap().contains("unknown field `emial`"), "{body}");
    // A feed cut short is repaired as far as it goes; what is left of the lead is named.
    let (status, body) = shop.post(Some(&shop.key), "application/xml", "<adf><prospect><customer>").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["field"], "leads[0].last_name", "{body}");
    assert!(body["message"].as_str().unwrap().contains("nothing was stored"), "{body}");
    assert!(body["fields"].as_array().unwrap().iter().any(|f| f["field"] == "leads[0].body"), "{body}");
    let (status, body) = shop.post(Some(&shop.key), "application/xml", "<html><body>x</body></html>").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["message"].as_str().unwrap().contains("<html>"), "{body}");

    // One bad lead in a post: every problem named, the good one not stored either.
    let (status, body) =
        shop.json(json!({"leads": [maria("web-2"), {"id": "web-3", "email": "not an email"}, {"id": "web-4"}]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert!(fields.contains(&"leads[1].email"), "{body}");
    assert!(fields.iter().any(|f| f.starts_with("leads[2].")), "{body}");
    assert!(!fields.iter().any(|f| f.starts_with("leads[0].")), "{body}");
    assert!(shop.leads_seen_by(&shop.mia).is_empty(), "nothing stored half-way");

    // Too large, announced: refused before the body is read.
    let req = Request::post("/api/v1/intake/leads")
        .header("content-type", "application/xml")
        .header("x-api-key", &shop.key)
        .header("content-length", (showroom_core::leads::adf::MAX_BYTES + 1).to_string())
        .body(Body::from("<adf/>"))
        .unwrap();
    let res = app(shop.state.clone()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // A revoked key is refused at once, and says so.
    shop.storage().revoke_lead_source(None, "website", 1).unwrap();
    let (status, body) = shop.json(maria("web-5")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body["message"].as_str().unwrap().contains("revoked"), "{body}");
    assert!(shop.leads_seen_by(&shop.mia).is_empty());
    // The name is free again for a new key.
    let (_, hash) = showroom_sync::auth::new_token();
    shop.storage().add_lead_source(None, "Website", Channel::Web, &hash, 2).unwrap();
    let err = shop.storage().add_lead_source(None, "website", Channel::Web, "other", 3).unwrap_err();
    assert!(err.to_string().contains("exists"), "{err}");
}

const MAILED_ADF: &str = r#"<?xml version="1.0"?>
<adf><prospect><id source="AutoTrader">AT-5150</id><requestdate>2026-11-18T01:00:00-06:00</requestdate>
<vehicle interest="buy" status="used"><year>2022</year><make>Ford</make><model>F-150</model></vehicle>
<customer><contact><name part="first">Rosa</name><name part="last">Diaz</name><email>rosa@example.com</email></contact></customer>
</prospect></adf>"#;

#[test]
fn adf_mailed_to_a_sources_mailbox_is_taken_like_a_post_on_sqlite() {
    adf_mailed_to_a_sources_mailbox_is_taken_like_a_post(Kind::Sqlite)
}

#[test]
fn adf_mailed_to_a_sources_mailbox_is_taken_like_a_post_on_postgres() {
    adf_mailed_to_a_sources_mailbox_is_taken_like_a_post(Kind::Postgres)
}

fn adf_mailed_to_a_sources_mailbox_is_taken_like_a_post(kind: Kind) {
    use lettre::message::{Attachment, MultiPart, SinglePart, header::ContentType};
    use lettre::{Message, SmtpTransport, Transport};
    let shop = shop(kind);
    let mailbox = shop.storage().lead_sources().unwrap()[0].mailbox.clone();
    assert!(mailbox.starts_with("website-") && mailbox.len() == "website-".len() + 10, "{mailbox}");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    showroom_sync::smtp::serve(listener, shop.state.storage.clone(), "leads.lakeside.example", None).unwrap();
    let mailer = SmtpTransport::builder_dangerous("127.0.0.1").port(port).build();
    let to = format!("{mailbox}@leads.lakeside.example");
    let mail = |to: &str| Message::builder().from("feeds@autotrader.example".parse().unwrap()).to(to.parse().unwrap());

    // ADF as the message's body.
    let body = mail(&to).subject("New lead").header(ContentType::TEXT_PLAIN).body(MAILED_ADF.to_string()).unwrap();
    let answer = mailer.send(&body).unwrap();
    assert_eq!(answer.code().to_string(), "250");
    assert!(answer.message().any(|l| l.contains("stored 1 lead(s), 0 already received")), "{answer:?}");
    // The provider's mail server retries: taken once.
    let answer = mailer.send(&body).unwrap();
    assert!(answer.message().any(|l| l.contains("stored 0 lead(s), 1 already received")), "{answer:?}");
    let leads = shop.leads_seen_by(&shop.mia);
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0].1["source"], "Website");
    assert_eq!(leads[0].1["email"], "rosa@example.com");
    assert!(leads[0].1["assignee_id"].is_string(), "routed: {:?}", leads[0].1);

    // ADF as an attachment beside a text body (how most feeds send it), mailbox in any case.
    let adf = MAILED_ADF.replace("AT-5150", "AT-5151").replace("Rosa", "Rosie");
    let attached = mail(&to.to_uppercase())
        .subject("Lead from CarsDirect")
        .multipart(
            MultiPart::mixed().singlepart(SinglePart::plain("A new lead is attached.".to_string())).singlepart(
                Attachment::new("lead.xml".into()).body(adf, ContentType::parse("application/xml").unwrap()),
            ),
        )
        .unwrap();
    let answer = mailer.send(&attached).unwrap();
    assert!(answer.message().any(|l| l.contains("stored 1 lead(s)")), "{answer:?}");
    assert_eq!(shop.leads_seen_by(&shop.mia).len(), 2);

    // Refused, each with its reason, nothing stored: an unknown mailbox, a message without ADF,
    // a lead that cannot be stored. Each answer comes at once (no client left waiting).
    let started = std::time::Instant::now();
    let err =
        mailer.send(&mail("nobody-0000000000@leads.lakeside.example").body("x".to_string()).unwrap()).unwrap_err();
    assert!(err.to_string().contains("550"), "{err}");
    let err = mailer.send(&mail(&to).body("Call me about the truck".to_string()).unwrap()).unwrap_err();
    assert!(err.to_string().contains("no ADF document"), "{err}");
    let nameless = MAILED_ADF
        .replace("AT-5150", "AT-1")
        .replace("<name part=\"first\">Rosa</name><name part=\"last\">Diaz</name><email>rosa@example.com</email>", "");
    let err = mailer.send(&mail(&to).body(nameless).unwrap()).unwrap_err();
    assert!(err.to_string().contains("leads[0].last_name"), "{err}");
    assert_eq!(shop.leads_seen_by(&shop.mia).len(), 2);
    // By hand: after a refused message the same session takes the next one (RFC 5321: the DATA
    // answer ends the transaction either way).
    {
        use std::io::{BufRead, BufReader, Write};
        let stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut w = stream;
        let mut say = |line: &str| -> String {
            if !line.is_empty() {
                w.write_all(format!("{line}\r\n").as_bytes()).unwrap();
            }
            let mut answer = String::new();
            loop {
                let mut l = String::new();
                reader.read_line(&mut l).unwrap();
                answer.push_str(&l);
                if l.len() < 4 || l.as_bytes()[3] != b'-' {
                    return answer;
                }
            }
        };
        assert!(say("").starts_with("220"));
        assert!(say("HELO test").starts_with("250"));
        for (text, expect) in [("Subject: hi\r\n\r\nno feed here", "550"), (MAILED_ADF, "250")] {
            assert!(say("MAIL FROM:<feeds@autotrader.example>").starts_with("250"));
            assert!(say(&format!("RCPT TO:<{to}>")).starts_with("250"));
            assert!(say("DATA").starts_with("354"));
            let text = text.replace("AT-5150", "AT-8").replace('\n', "\r\n");
            let answer = say(&format!("{text}\r\n."));
            assert!(answer.starts_with(expect), "{answer}");
        }
        assert!(say("QUIT").starts_with("221"));
    }
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "refusals answered at once: {:?}",
        started.elapsed()
    );

    // A revoked source's mailbox is closed.
    shop.storage().revoke_lead_source(None, "Website", 5).unwrap();
    let err = mailer.send(&body).unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
}

async fn the_server_refuses_a_dealership_place_the_settings_screen_would_refuse(kind: Kind) {
    let shop = shop(kind);
    let row = |country: &str, timezone: &str| {
        json!({"id": Uuid::now_v7(), "name": "Lakeside Motors", "country": country, "timezone": timezone,
            "address": "", "phone": "", "email": "", "logo_png": null,
            "created_at": Timestamp::now(), "updated_at": Timestamp::now()})
    };
    // What the desktop refuses (a made-up zone, a country that is not a code, lower case), a
    // client sending anything meets on the server too; nothing is stored.
    for (country, timezone, field) in [
        ("US", "Mars/Olympus_Mons", "timezone"),
        ("USA", "America/Chicago", "country"),
        ("us", "America/Chicago", "country"),
    ] {
        let e = shop.try_push_row(&shop.mia, "dealerships", row(country, timezone)).unwrap_err();
        assert!(e.contains(field), "{country} {timezone}: {e}");
    }
    let zone: Option<String> = shop
        .storage()
        .pull(&shop.mia, Uuid::now_v7(), 0, 1000)
        .unwrap()
        .changes
        .into_iter()
        .find(|c| c.table == "dealerships" && c.field == "timezone")
        .map(|c| c.value.to_string());
    assert_eq!(zone, None, "nothing stored");
    // Valid, or not set yet: taken.
    shop.push_row(&shop.mia, "dealerships", row("US", "America/Chicago"));
    shop.push_row(&shop.mia, "dealerships", row("", ""));
}

showroom_sync::on_both_stores!(
    a_posted_lead_is_stored_routed_to_one_rep_and_answered_once_per_provider_id,
    a_returning_customer_stays_with_their_rep,
    a_lead_at_three_in_the_morning_is_assigned_and_its_clock_waits_for_the_opening,
    bad_posts_get_clear_answers_and_store_nothing,
    the_server_refuses_a_dealership_place_the_settings_screen_would_refuse
);
