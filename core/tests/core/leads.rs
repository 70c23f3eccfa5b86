//! Lead management against a real store: capture, cadences, conversion, routing, the floor,
//! merging and settings.

use crate::{app, draft};
use showroom_core::Showroom;
use showroom_core::contact::ContactDraft;
use showroom_core::domain::*;
use showroom_core::io::ImportOptions;
use showroom_core::leads::floor::{self, WalkIn};
use showroom_core::leads::inbox::{self, Capture, Clock, InboxFilter};
use showroom_core::leads::merge::MergeRequest;
use showroom_core::leads::routing::{Distribution, Rule};
use showroom_core::leads::{LeadAssignment, LeadSettings, WorkingHours};
use showroom_core::store::{get, query};
use uuid::Uuid;

/// Wednesday 2026-11-25 14:00 UTC, clocks at UTC.
fn clock(minutes_later: i64) -> Clock {
    let base = Timestamp::parse("2026-11-25T14:00:00.000Z").unwrap();
    Clock { now: Timestamp::from_millis(base.millis() + minutes_later * 60_000), utc_offset_min: 0 }
}

fn staff(app: &Showroom) -> (User, Vec<User>) {
    let users: Vec<User> = query(app.store().conn(), "WHERE active = 1 ORDER BY name", []).unwrap();
    let manager = users.iter().find(|u| u.role == Role::Manager).unwrap().clone();
    let reps = users.into_iter().filter(|u| u.role == Role::Rep).collect();
    (manager, reps)
}

fn walk_in(first: &str, last: &str, phone: &str, email: &str) -> Capture {
    Capture {
        first_name: first.into(),
        last_name: last.into(),
        phone: phone.into(),
        email: email.into(),
        interest: "Toyota RAV4".into(),
        consent: Consent { email: !email.is_empty(), sms: !phone.is_empty(), phone: !phone.is_empty() },
        ..Default::default()
    }
}

fn demo() -> Showroom {
    let mut app = app();
    app.load_demo().unwrap();
    app
}

fn open_tasks(app: &Showroom, lead: Uuid) -> Vec<Activity> {
    query(
        app.store().conn(),
        "WHERE lead_id = ?1 AND deleted_at IS NULL AND done_at IS NULL ORDER BY due_at",
        [lead.to_string()],
    )
    .unwrap()
}

#[test]
fn a_walk_in_is_captured_with_its_customer_score_cadence_and_assignment_in_one_action() {
    let mut app = demo();
    let (_, reps) = staff(&app);
    app.store_mut().set_user(Some(reps[0].id)).unwrap();

    // Nothing to follow up with: refused, naming the field, nothing written.
    let before = app.store().pending_changes().unwrap();
    let err = inbox::capture(app.store_mut(), &walk_in("Rosa", "Mendez", "", ""), "US", clock(0)).unwrap_err();
    assert!(err.to_string().contains("phone: give a phone number or an email"), "{err}");
    let bad = inbox::capture(app.store_mut(), &walk_in("Rosa", "Mendez", "12", ""), "US", clock(0)).unwrap_err();
    assert!(bad.to_string().contains("phone"), "{bad}");
    assert_eq!(app.store().pending_changes().unwrap(), before);

    let got =
        inbox::capture(app.store_mut(), &walk_in("Rosa", "Mendez", "(512) 201-3344", ""), "US", clock(0)).unwrap();
    assert!(got.new_customer);
    assert_eq!(got.customer.phone.as_deref(), Some("+15122013344"));
    assert_eq!(got.customer.owner_id, Some(reps[0].id));
    let lead: Lead = get(app.store().conn(), got.lead.id).unwrap();
    assert_eq!(lead.customer_id, Some(got.customer.id));
    assert_eq!(lead.channel, Channel::WalkIn);
    assert_eq!(lead.status, LeadStatus::Contacted, "a walk-in is answered on the spot");
    assert_eq!(lead.first_response_at, Some(clock(0).now));
    assert_eq!(lead.score, lead.score_reasons.iter().map(|r| r.points).sum::<i32>());
    assert!(lead.score_reasons.iter().any(|r| r.signal == "channel" && r.why == "walked in"));
    // The showroom cadence, minus email (no address): text at +2 h with the message filled in.
    let tasks = open_tasks(&app, lead.id);
    assert_eq!(tasks.len() as u32, got.tasks);
    assert!(tasks.iter().all(|t| t.kind != ActivityKind::Email));
    assert_eq!(tasks[0].kind, ActivityKind::Sms);
    assert_eq!(tasks[0].due_at, clock(120).now);
    assert!(
        tasks[0].message.starts_with("Hi Rosa,") && tasks[0].message.contains(&reps[0].name),
        "{}",
        tasks[0].message
    );
    assert!(!tasks[0].message.contains('{'), "every merge field filled");
    let log: Vec<LeadAssignment> = inbox::assignments(app.store().conn(), lead.id).unwrap();
    assert_eq!(log.len(), 1);
    assert!(log[0].reason.starts_with("captured by"), "{}", log[0].reason);

    // The same phone again links to the same customer; a similar name is offered as a duplicate.
    let again =
        inbox::capture(app.store_mut(), &walk_in("Rosa", "Mendez", "512.201.3344", ""), "US", clock(5)).unwrap();
    assert!(!again.new_customer);
    assert_eq!(again.customer.id, got.customer.id);
    let twin =
        inbox::capture(app.store_mut(), &walk_in("Rosa", "Méndez", "", "rosa.m@example.com"), "US", clock(6)).unwrap();
    assert!(twin.new_customer);
    assert!(
        twin.possible_duplicates.iter().any(|d| d.customer_id == got.customer.id),
        "{:?}",
        twin.possible_duplicates
    );
}

#[test]
fn a_cadence_stops_when_the_customer_replies_or_books_an_appointment() {
    let mut app = demo();
    let (_, reps) = staff(&app);
    app.store_mut().set_user(Some(reps[1].id)).unwrap();
    let web =
        Capture { channel: Some(Channel::Web), ..walk_in("Omar", "Haddad", "(512) 201-7788", "omar@example.com") };
    let got = inbox::capture(app.store_mut(), &web, "US", clock(0)).unwrap();
    let tasks = open_tasks(&app, got.lead.id);
    // Call now, text in 1 h, email day 1, call day 3, emails on days 7, 14 and 30.
    assert_eq!(tasks.len(), 7);
    assert_eq!(tasks[0].kind, ActivityKind::Call);
    assert_eq!(tasks[1].due_at, clock(60).now);
    assert_eq!(tasks[6].due_at, clock(30 * 24 * 60).now);
    assert_eq!(got.lead.cadence, "New internet lead");

    // Our own call out does not stop it; their reply does.
    let call = |direction| ContactDraft {
        customer_id: got.customer.id,
        channel: InteractionChannel::Call,
        direction,
        summary: "Called about the RAV4".into(),
        duration_min: Some(4),
    };
    app.log_contact(&call(Direction::Outbound)).unwrap();
    assert_eq!(open_tasks(&app, got.lead.id).len(), 7);
    app.log_contact(&call(Direction::Inbound)).unwrap();
    assert!(open_tasks(&app, got.lead.id).is_empty());
    let lead: Lead = get(app.store().conn(), got.lead.id).unwrap();
    assert_eq!(lead.cadence_stopped, "replied");

    // Another lead: booking a test drive stops it.
    let other = Capture { channel: Some(Channel::Web), ..walk_in("Ines", "Okafor", "(512) 201-9900", "") };
    let got = inbox::capture(app.store_mut(), &other, "US", clock(0)).unwrap();
    assert!(!open_tasks(&app, got.lead.id).is_empty());
    let v: Vehicle = query(app.store().conn(), "WHERE status = 'available' LIMIT 1", []).unwrap().remove(0);
    let start = Timestamp::from_millis(Timestamp::now().millis() + 3 * 3_600_000).to_string();
    app.schedule_test_drive(&showroom_core::engagement::TestDriveDraft {
        customer_id: got.customer.id,
        vehicle_id: v.id,
        opportunity_id: None,
        starts_at: start,
        minutes: 30,
        licence_number: "TX99887766".into(),
        licence_region: "TX".into(),
        licence_expiry: "2030-01-01".into(),
    })
    .unwrap();
    assert!(open_tasks(&app, got.lead.id).is_empty());
    let lead: Lead = get(app.store().conn(), got.lead.id).unwrap();
    assert_eq!(lead.cadence_stopped, "booked_appointment");
}

#[test]
fn converting_an_imported_lead_makes_the_customer_and_the_deal_in_one_action() {
    let mut app = app();
    let csv = b"First,Last,Email,Phone,Source,Vehicle,Timeframe\n\
        Lena,Varga,lena.varga@example.com,,Cars.com,2025 Honda CR-V,within 2 weeks\n";
    let report = app.import_leads(csv, ImportOptions::default(), &[]).unwrap();
    assert!(report.committed, "{:?}", report.rows);
    let lead_id = report.rows[0].record_id.unwrap();
    let lead: Lead = get(app.store().conn(), lead_id).unwrap();
    assert_eq!(lead.timeframe_days, Some(14));
    assert!(lead.score_reasons.iter().any(|r| r.signal == "timeframe" && r.why == "buying this month"));
    assert_eq!(lead.customer_id, None);

    let inbox = app.lead_inbox(&InboxFilter::default()).unwrap();
    assert_eq!(inbox.uncontacted, 1);
    assert!(!inbox.items[0].responded);

    let c = app.convert_lead(lead_id, None).unwrap();
    assert!(c.new_customer);
    assert_eq!(c.customer.email.as_deref(), Some("lena.varga@example.com"));
    assert_eq!(c.opportunity.customer_id, c.customer.id);
    assert_eq!(c.opportunity.lead_id, Some(lead_id));
    assert_eq!(c.opportunity.title, "2025 Honda CR-V");
    assert_eq!(c.lead.status, LeadStatus::Converted);
    assert!(c.lead.first_response_at.is_some());
    let detail = app.customer_detail(c.customer.id).unwrap();
    assert!(detail.interactions.iter().any(|i| i.summary.starts_with("Lead from Cars.com converted")));
    assert!(!detail.activities.is_empty(), "the cadence started");
    // Twice: refused, naming the lead.
    let err = app.convert_lead(lead_id, None).unwrap_err().to_string();
    assert!(err.contains("lead_id") && err.contains("already converted"), "{err}");
}

#[test]
fn a_lead_the_server_assigned_at_night_is_not_passed_on_before_the_rep_could_answer() {
    let mut app = demo();
    let (manager, reps) = staff(&app);
    app.store_mut().set_user(Some(manager.id)).unwrap();
    let settings = LeadSettings {
        response_minutes: 5,
        working_hours: WorkingHours { open_hour: 9, close_hour: 20, days: (1..=7).collect() },
        ..LeadSettings::default()
    };
    app.save_lead_settings(settings).unwrap();
    let report = showroom_core::io::import_leads(
        app.store_mut(),
        b"First,Last,Email\nNoor,Haddad,noor@example.com\n",
        "US",
        ImportOptions::default(),
        &[],
    )
    .unwrap();
    let id = report.rows[0].record_id.unwrap();
    // As the server's intake leaves it: assigned at 03:00 (clock(0) is 14:00 UTC; the offset is 0).
    let night = clock(-11 * 60).now;
    app.store_mut()
        .write(|w| {
            let old: Lead = w.get(id)?;
            let mut new = old.clone();
            new.assignee_id = Some(reps[0].id);
            new.assigned_at = Some(night);
            w.update(&old, &new)?;
            Ok(())
        })
        .unwrap();
    // 03:10 and 09:04: still the rep's; 09:06, five minutes after the opening: passed on.
    let at = |hour: i64, minute: i64| clock((hour - 14) * 60 + minute);
    assert!(inbox::route_new(app.store_mut(), at(3, 10)).unwrap().iter().all(|r| r.lead_id != id));
    assert!(inbox::route_new(app.store_mut(), at(9, 4)).unwrap().iter().all(|r| r.lead_id != id));
    let passed = inbox::route_new(app.store_mut(), at(9, 6)).unwrap();
    let moved = passed.iter().find(|r| r.lead_id == id).expect("passed on after the opening");
    assert_ne!(moved.rep_id, Some(reps[0].id));
}

#[test]
fn routing_follows_the_rules_logs_why_and_passes_on_a_lead_nobody_answered() {
    let mut app = demo();
    let (manager, reps) = staff(&app);
    app.store_mut().set_user(Some(manager.id)).unwrap();
    let spanish = reps[2].id;
    let settings = LeadSettings {
        rules: vec![Rule {
            name: "Spanish".into(),
            language: Some("es".into()),
            reps: vec![spanish],
            ..Default::default()
        }],
        distribution: Distribution::FewestOpen,
        response_minutes: 5,
        working_hours: WorkingHours { open_hour: 0, close_hour: 24, days: (1..=7).collect() },
        ..LeadSettings::default()
    };
    app.save_lead_settings(settings).unwrap();
    // A Spanish-speaking customer's web lead.
    let mut d = draft("Lucía", "Paredes", "lucia@example.com", "");
    d.language = "es".into();
    let cust = app.create_customer(&d).unwrap();
    let csv = b"First,Last,Email\nLucia,Paredes,lucia@example.com\nTom,Baker,tom.baker@example.com\n";
    let report = showroom_core::io::import_leads(app.store_mut(), csv, "US", ImportOptions::default(), &[]).unwrap();
    let (es, other) = (report.rows[0].record_id.unwrap(), report.rows[1].record_id.unwrap());
    assert_eq!(get::<Lead>(app.store().conn(), es).unwrap().customer_id, Some(cust.id));

    let routed = inbox::route_new(app.store_mut(), clock(0)).unwrap();
    let for_es = routed.iter().find(|r| r.lead_id == es).unwrap();
    assert_eq!(for_es.rep_id, Some(spanish));
    assert!(for_es.reason.starts_with("rule \"Spanish\"; fewest open leads"), "{}", for_es.reason);
    let first_rep = routed.iter().find(|r| r.lead_id == other).unwrap().rep_id.unwrap();

    // Four minutes later nothing moves; six minutes later the unanswered lead goes to someone else.
    assert!(inbox::route_new(app.store_mut(), clock(4)).unwrap().is_empty());
    let passed = inbox::route_new(app.store_mut(), clock(6)).unwrap();
    let again = passed.iter().find(|r| r.lead_id == other).unwrap();
    assert_ne!(again.rep_id, Some(first_rep));
    assert!(again.reason.starts_with("no first response within 5 min"), "{}", again.reason);
    let log = inbox::assignments(app.store().conn(), other).unwrap();
    assert_eq!(log.len(), 2);
    // Two days on, a lead still unanswered is the manager's to reassign by hand: not bounced again.
    let later = inbox::route_new(app.store_mut(), clock(2 * 24 * 60)).unwrap();
    assert!(later.iter().all(|r| r.lead_id != other), "{later:?}");

    // Outside working hours nobody is available: the lead waits, with the reason.
    let mut s = app.lead_settings().unwrap();
    s.working_hours = WorkingHours { open_hour: 9, close_hour: 10, days: vec![1] };
    app.save_lead_settings(s).unwrap();
    showroom_core::io::import_leads(
        app.store_mut(),
        b"First,Last,Email\nAmy,Liu,amy@example.com\n",
        "US",
        ImportOptions::default(),
        &[],
    )
    .unwrap();
    let waiting = inbox::route_new(app.store_mut(), clock(10)).unwrap();
    assert!(waiting.iter().any(|r| r.rep_id.is_none() && r.reason.contains("no rep")), "{waiting:?}");

    // Bulk assignment by hand: a rep may not, a manager may, each logged.
    // (to a rep who has neither lead yet, so both move)
    let holder = |id| get::<Lead>(app.store().conn(), id).unwrap().assignee_id;
    let to = reps.iter().find(|r| Some(r.id) != holder(other) && Some(r.id) != holder(es)).unwrap().clone();
    app.store_mut().set_user(Some(to.id)).unwrap();
    assert!(app.assign_leads(&[other], to.id, "").unwrap_err().to_string().contains("only a manager"));
    app.store_mut().set_user(Some(manager.id)).unwrap();
    assert_eq!(app.assign_leads(&[other, es], to.id, "").unwrap(), 2);
    assert_eq!(
        inbox::assignments(app.store().conn(), other).unwrap()[0].reason,
        format!("assigned by hand to {}", to.name)
    );
}

#[test]
fn the_up_rotation_skips_overdue_reps_and_sends_the_taker_to_the_back() {
    let mut app = demo();
    let (manager, reps) = staff(&app);
    // Fresh reps with no history: the demo's reps have overdue tasks.
    let now = clock(0).now;
    let mut ids = Vec::new();
    app.store_mut()
        .write(|w| {
            for n in ["Ann Up", "Ben Up", "Cam Up"] {
                let u = User {
                    id: new_id(),
                    name: n.into(),
                    email: format!("{}@example.com", n.replace(' ', ".").to_lowercase()),
                    role: Role::Rep,
                    team_id: None,
                    active: true,
                    created_at: now,
                    updated_at: now,
                };
                ids.push(u.id);
                w.insert(&u)?;
            }
            Ok(())
        })
        .unwrap();
    app.store_mut().set_user(Some(manager.id)).unwrap();
    for id in &ids {
        floor::check_in(app.store_mut(), *id, true, clock(0)).unwrap();
    }
    // A demo rep with overdue follow-ups checks in too: queued, but skipped.
    let busy = reps.iter().find(|r| {
        let n: i64 = app
            .store()
            .conn()
            .query_row(
                "SELECT count(*) FROM activities WHERE owner_id = ?1 AND done_at IS NULL AND deleted_at IS NULL AND due_at < ?2",
                [r.id.to_string(), clock(0).start_of_day().to_string()],
                |x| x.get(0),
            )
            .unwrap();
        n > 0
    });
    let rot = floor::rotation(app.store().conn(), clock(0)).unwrap();
    assert_eq!(rot.queue.iter().map(|r| r.user_id).collect::<Vec<_>>(), ids);
    assert_eq!(rot.next_up, Some(ids[0]));
    if let Some(b) = busy {
        floor::check_in(app.store_mut(), b.id, true, clock(1)).unwrap();
        floor::reorder(app.store_mut(), &[b.id, ids[0], ids[1], ids[2]], clock(1)).unwrap();
        let rot = floor::rotation(app.store().conn(), clock(1)).unwrap();
        assert_eq!(rot.queue[0].user_id, b.id);
        assert_eq!(rot.next_up, Some(ids[0]), "{} has overdue follow-ups", b.name);
        floor::check_in(app.store_mut(), b.id, false, clock(1)).unwrap();
    }
    // The next up takes the walk-in and goes to the back; the traffic log has it.
    let e =
        floor::walk_in(app.store_mut(), &WalkIn { interest: "F-150".into(), ..Default::default() }, clock(2)).unwrap();
    assert_eq!(e.rep_id, Some(ids[0]));
    assert_eq!(e.party_size, 1);
    let rot = floor::rotation(app.store().conn(), clock(3)).unwrap();
    assert_eq!(rot.next_up, Some(ids[1]));
    assert_eq!(rot.queue.last().unwrap().user_id, ids[0]);
    assert_eq!(rot.queue.last().unwrap().ups_taken, 1);
    // Today's log holds the demo's walk-ins of the day and this one.
    assert_eq!(rot.traffic.iter().filter(|t| t.id == e.id).count(), 1);
    assert!(rot.traffic.iter().all(|t| t.id == e.id || t.lead_id.is_some()), "the demo's walk-ins all became leads");
    // An anonymous walk-in becomes a lead from the floor: the entry links it.
    app.store_mut().set_user(Some(ids[0])).unwrap();
    let cap = Capture { traffic_id: Some(e.id), ..walk_in("Gus", "Ward", "(512) 201-5151", "") };
    let got = inbox::capture(app.store_mut(), &cap, "US", clock(4)).unwrap();
    let entry: floor::TrafficEntry = get(app.store().conn(), e.id).unwrap();
    assert_eq!((entry.lead_id, entry.outcome.as_str(), entry.name.as_str()), (Some(got.lead.id), "lead", "Gus Ward"));
    // A rep cannot reorder or check in someone else, nor take an up when not next.
    assert!(floor::reorder(app.store_mut(), &[ids[1]], clock(5)).unwrap_err().to_string().contains("only a manager"));
    let not_next = floor::walk_in(app.store_mut(), &WalkIn::default(), clock(5)).unwrap_err().to_string();
    assert!(not_next.contains("rep_id") && not_next.contains("is up"), "{not_next}");
    assert!(floor::check_in(app.store_mut(), ids[1], false, clock(5)).is_err());
    // A bad party size is named.
    let err = floor::walk_in(app.store_mut(), &WalkIn { party_size: 40, ..Default::default() }, clock(6)).unwrap_err();
    assert!(err.to_string().contains("party_size"), "{err}");
}

#[test]
fn merging_keeps_every_record_and_takes_the_chosen_fields() {
    let mut app = demo();
    let a = app.create_customer(&draft("Robert", "Kline", "rob.kline@example.com", "")).unwrap();
    let b = app.create_customer(&draft("Bob", "Kline", "", "(512) 201-6060")).unwrap();
    app.log_contact(&ContactDraft {
        customer_id: b.id,
        channel: InteractionChannel::Call,
        direction: Direction::Inbound,
        summary: "Asked about trucks".into(),
        duration_min: Some(3),
    })
    .unwrap();
    let deal = app
        .create_opportunity(&showroom_core::pipeline::OpportunityDraft { customer_id: b.id, ..Default::default() })
        .unwrap();
    let pairs = app.possible_duplicates(500).unwrap();
    assert!(
        pairs.iter().any(|p| [p.a.id, p.b.id].contains(&a.id) && [p.a.id, p.b.id].contains(&b.id)),
        "Robert and Bob Kline are listed"
    );
    // Each side of a pair is the whole stored record, and a deleted customer is never listed.
    for p in &pairs {
        for c in [&p.a, &p.b] {
            assert_eq!(*c, get::<Customer>(app.store().conn(), c.id).unwrap());
            assert!(c.deleted_at.is_none(), "{c:?}");
        }
    }
    let bad = app.merge_customers(&MergeRequest { keep: a.id, merge: b.id, take: vec!["created_at".into()] });
    assert!(bad.unwrap_err().to_string().contains("take"));

    let before = app.store().pending_changes().unwrap();
    let r = app.merge_customers(&MergeRequest { keep: a.id, merge: b.id, take: vec!["phone".into()] }).unwrap();
    assert_eq!(r.customer.email.as_deref(), Some("rob.kline@example.com"));
    assert_eq!(r.customer.phone.as_deref(), Some("+15122016060"));
    assert!(r.moved.contains(&"1 deal".to_string()), "{:?}", r.moved);
    let gone: Customer = get(app.store().conn(), b.id).unwrap();
    assert_eq!(gone.merged_into, Some(a.id));
    assert!(gone.deleted_at.is_some());
    let moved: Opportunity = get(app.store().conn(), deal.id).unwrap();
    assert_eq!(moved.customer_id, a.id);
    let detail = app.customer_detail(a.id).unwrap();
    assert!(detail.interactions.iter().any(|i| i.summary == "Asked about trucks"));
    assert!(
        detail
            .interactions
            .iter()
            .any(|i| i.summary.starts_with("Merged Bob Kline into this record, taking its phone"))
    );
    assert!(app.store().pending_changes().unwrap() > before, "the merge is recorded for sync");
    let after = app.possible_duplicates(500).unwrap();
    assert!(after.iter().all(|p| p.a.id != b.id && p.b.id != b.id), "the merged record is no longer listed");
    // Merging the removed one again is refused.
    assert!(app.merge_customers(&MergeRequest { keep: a.id, merge: b.id, take: vec![] }).is_err());
}

#[test]
fn settings_are_checked_field_by_field_and_presets_map_csv_columns() {
    let mut app = app();
    let mut s = LeadSettings::default();
    s.weights.channel = 140;
    s.response_minutes = 0;
    s.cadences[0].steps[1].message = String::new();
    s.csv_presets.push(showroom_core::leads::CsvPreset {
        name: "Dealer site".into(),
        columns: vec![("Cust Name".into(), "shoe_size".into())],
    });
    let err = app.save_lead_settings(s).unwrap_err().to_string();
    for f in ["weights.channel", "response_minutes", "cadences[0].steps[1].message", "csv_presets[0].columns[0]"] {
        assert!(err.contains(f), "{f} in {err}");
    }
    assert_eq!(app.lead_settings().unwrap(), LeadSettings::default(), "nothing stored");

    // A file whose headers nobody would guess, mapped by a preset; preview, then a dry run.
    let csv = b"Given,Family,E-post,Wagen\nMaja,Berg,maja@example.com,Volvo XC60\nNoContact,Person,,\n";
    let mapping: Vec<(String, String)> = vec![
        ("Given".into(), "first_name".into()),
        ("Family".into(), "last_name".into()),
        ("E-post".into(), "email".into()),
        ("Wagen".into(), "vehicle_interest".into()),
    ];
    let p = app.preview_lead_file(csv, &mapping).unwrap();
    assert_eq!(p.records, 2);
    assert_eq!(p.columns[2], ("E-post".to_string(), "email".to_string()));
    let unmapped = app.preview_lead_file(csv, &[]).unwrap();
    assert_eq!(unmapped.columns[2].1, "", "not recognised without the preset");
    let dry = app.import_leads(csv, ImportOptions { dry_run: true, skip_invalid: true }, &mapping).unwrap();
    assert!(!dry.committed);
    assert_eq!(app.lead_inbox(&InboxFilter::default()).unwrap().total, 0, "a dry run stores nothing");
    let real = app.import_leads(csv, ImportOptions { dry_run: false, skip_invalid: true }, &mapping).unwrap();
    assert!(real.committed);
    let inbox = app.lead_inbox(&InboxFilter { search: "maja".into(), ..Default::default() }).unwrap();
    assert_eq!(inbox.items[0].lead.vehicle_interest, "Volvo XC60");
    assert!(real.rows[1].problems.iter().any(|p| p.field == "email" && p.message.contains("cannot be contacted")));
}

#[test]
fn calibration_compares_score_bands_with_what_sold_in_the_demo_history() {
    let app = demo();
    let bands = app.lead_calibration().unwrap();
    assert_eq!(bands.len(), 5);
    let leads: i64 = bands.iter().map(|b| b.leads).sum();
    assert!(leads > 1000, "{leads}");
    assert!(bands.iter().all(|b| b.conversion.is_none_or(|c| (0.0..=1.0).contains(&c))));
    // The demo's outcomes and its scoring agree: every band with enough leads converts at least as
    // well as each band below it, and none is flagged.
    let rates: Vec<f64> = bands.iter().filter(|b| b.leads >= 30).filter_map(|b| b.conversion).collect();
    assert!(rates.len() >= 3, "{bands:?}");
    assert!(rates.windows(2).all(|w| w[1] >= w[0]), "bands inverted: {bands:?}");
    assert!(bands.iter().all(|b| b.worse_than.is_none()), "{bands:?}");
}

#[test]
fn completing_the_first_cadence_call_stops_the_speed_to_lead_clock() {
    let mut app = demo();
    let (_, reps) = staff(&app);
    app.store_mut().set_user(Some(reps[0].id)).unwrap();
    // A web enquiry taken down by the rep: the clock runs until someone answers.
    let web = Capture { channel: Some(Channel::Web), ..walk_in("Nia", "Adeyemi", "(512) 201-4545", "nia@example.com") };
    let got = inbox::capture(app.store_mut(), &web, "US", clock(0)).unwrap();
    assert_eq!(got.lead.first_response_at, None);
    let call = open_tasks(&app, got.lead.id).into_iter().find(|t| t.kind == ActivityKind::Call).unwrap();
    let outcome = showroom_core::activities::Completion {
        outcome: "Left a voicemail".into(),
        next: None,
        checklist: vec![],
        send_message: false,
    };
    app.complete_activity(call.id, &outcome).unwrap();
    let l: Lead = get(app.store().conn(), got.lead.id).unwrap();
    assert!(l.first_response_at.is_some());
    assert_eq!(l.status, LeadStatus::Contacted);
    // The email steps carry their prepared message; Today hands over the address.
    let email = open_tasks(&app, got.lead.id).into_iter().find(|t| t.kind == ActivityKind::Email).unwrap();
    assert!(email.message.contains("Hi Nia,"), "{}", email.message);
}

#[test]
fn a_manager_sets_the_dealerships_country_and_time_zone_and_bad_values_are_named() {
    use showroom_core::domain::DealershipPlace;
    let mut app = Showroom::open_in_memory().unwrap();
    // An empty database starts in the US, Central time.
    assert_eq!(app.dealership_place().timezone, "America/Chicago");
    let err = app
        .save_dealership_place(DealershipPlace { country: "USA".into(), timezone: "Central".into() })
        .unwrap_err()
        .to_string();
    assert!(err.contains("country") && err.contains("timezone"), "{err}");
    let saved = app
        .save_dealership_place(DealershipPlace { country: " ca ".into(), timezone: "America/Toronto".into() })
        .unwrap();
    assert_eq!(saved, DealershipPlace { country: "CA".into(), timezone: "America/Toronto".into() });
    assert_eq!(app.phone_region(), "CA");
    // The letterhead keeps the place, the place keeps the letterhead.
    let mut lh = app.letterhead();
    lh.name = "Lakeside Motors".into();
    app.save_letterhead(lh).unwrap();
    assert_eq!(app.dealership_place().timezone, "America/Toronto");
    assert_eq!(app.letterhead().name, "Lakeside Motors");
    // A rep signed in to a server cannot move the dealership.
    let mut demo = demo();
    let (_, reps) = staff(&demo);
    demo.store_mut().set_user(Some(reps[0].id)).unwrap();
    let err = demo
        .save_dealership_place(DealershipPlace { country: "US".into(), timezone: "America/Denver".into() })
        .unwrap_err()
        .to_string();
    assert!(err.contains("only a manager"), "{err}");
}
