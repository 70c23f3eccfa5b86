use crate::{app, draft};
use showroom_core::Showroom;
use showroom_core::activities::{ActivityDraft, Completion};
use showroom_core::domain::{ActivityKind, Interaction, Opportunity, OpportunityStatus, Timestamp};
use showroom_core::pipeline::{BoardFilter, MoveRequest, OpportunityDraft, default_stage_id};
use showroom_core::quotes::{Acceptance, QuoteTarget};
use showroom_core::store::{get, query};

fn stage_name(app: &Showroom, o: &Opportunity) -> String {
    get::<showroom_core::domain::PipelineStage>(app.store().conn(), o.stage_id).unwrap().name
}

fn in_an_hour() -> String {
    Timestamp::from_millis(Timestamp::now().millis() + 3_600_000).to_string()
}

fn timeline(app: &Showroom, customer: uuid::Uuid) -> Vec<String> {
    query::<Interaction>(app.store().conn(), "WHERE customer_id = ?1 ORDER BY rid", [customer.to_string()])
        .unwrap()
        .into_iter()
        .map(|i| i.summary)
        .collect()
}

fn setup() -> (Showroom, uuid::Uuid, Opportunity) {
    let mut app = app();
    app.start_empty().unwrap();
    let c = app.create_customer(&draft("Dana", "Whitfield", "dana@example.com", "")).unwrap();
    let o = app
        .create_opportunity(&OpportunityDraft {
            customer_id: c.id,
            title: "2024 Ford F-150".into(),
            amount: "52,000".into(),
            ..Default::default()
        })
        .unwrap();
    (app, c.id, o)
}

fn activity(
    app: &mut Showroom,
    customer: uuid::Uuid,
    o: &Opportunity,
    kind: ActivityKind,
    subject: &str,
) -> uuid::Uuid {
    app.create_activity(&ActivityDraft {
        customer_id: customer,
        opportunity_id: Some(o.id),
        kind,
        subject: subject.into(),
        due_at: in_an_hour(),
        owner_id: None,
    })
    .unwrap()
    .id
}

fn done(outcome: &str) -> Completion {
    Completion { outcome: outcome.into(), next: None, checklist: Vec::new(), send_message: false }
}

#[test]
fn a_deal_moves_forward_by_itself_and_never_backwards() {
    let (mut app, customer, o) = setup();
    assert_eq!(stage_name(&app, &o), "New");
    assert_eq!(o.amount_cents, 5_200_000);

    // A completed test drive moves it to Test drive, with the reason in the timeline.
    let td = activity(&mut app, customer, &o, ActivityKind::TestDrive, "Test drive the F-150");
    app.complete_activity(td, &done("Loved the ride; wants a quote")).unwrap();
    let o1: Opportunity = get(app.store().conn(), o.id).unwrap();
    assert_eq!(stage_name(&app, &o1), "Test drive");
    let lines = timeline(&app, customer);
    assert!(
        lines.iter().any(|l| l.contains("moved from New to Test drive automatically (test drive completed)")),
        "{lines:?}"
    );
    assert!(lines.iter().any(|l| l.contains("Loved the ride")), "the completed activity is on the timeline");

    // A presented quote moves it to Proposal (the quote finds the open deal by itself).
    let deal: showroom_core::desk::Deal = serde_json::from_value(serde_json::json!({
        "jurisdiction": "TX", "price": "52000", "terms": {"type": "cash"}
    }))
    .unwrap();
    let q = app.create_quote(&QuoteTarget { customer_id: Some(customer), ..Default::default() }, &deal).unwrap();
    assert_eq!(q.quote.opportunity_id, Some(o.id));
    app.present_quote(q.quote.id).unwrap();
    assert_eq!(stage_name(&app, &get(app.store().conn(), o.id).unwrap()), "Proposal");

    // Another test drive now does not move it back.
    let td2 = activity(&mut app, customer, &o, ActivityKind::TestDrive, "Second drive with spouse");
    app.complete_activity(td2, &done("Spouse approves")).unwrap();
    assert_eq!(stage_name(&app, &get(app.store().conn(), o.id).unwrap()), "Proposal");

    // Accepting moves it to Documentation; a completed delivery wins it and plans the follow-ups.
    app.accept_quote(q.quote.id, &Acceptance::default()).unwrap();
    assert_eq!(stage_name(&app, &get(app.store().conn(), o.id).unwrap()), "Documentation");
    let delivery = activity(&mut app, customer, &o, ActivityKind::Delivery, "Deliver the F-150");
    // A delivery is done only when its checklist is: the missing items are named, nothing changes.
    let mut partial = done("Delivered");
    partial.checklist = showroom_core::engagement::DELIVERY_CHECKLIST[..3].iter().map(|s| s.to_string()).collect();
    let err = app.complete_activity(delivery, &partial).unwrap_err().to_string();
    assert!(err.contains("checklist: 5 of the delivery checklist left") && !err.contains("Insurance"), "{err}");
    assert_eq!(stage_name(&app, &get(app.store().conn(), o.id).unwrap()), "Documentation");
    let mut full = done("Delivered, walkaround done");
    full.checklist = showroom_core::engagement::DELIVERY_CHECKLIST.iter().map(|s| s.to_string()).collect();
    app.complete_activity(delivery, &full).unwrap();
    let won: Opportunity = get(app.store().conn(), o.id).unwrap();
    assert_eq!((stage_name(&app, &won).as_str(), won.status), ("Won", OpportunityStatus::Won));
    let follow_ups: i64 = app
        .store()
        .conn()
        .query_row(
            "SELECT COUNT(*) FROM activities WHERE customer_id = ?1 AND done_at IS NULL",
            [customer.to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(follow_ups, 5, "next day, 1 week, 1 month, first service, 1 year");

    // A won deal cannot be moved; nothing changes.
    let err =
        app.move_opportunity(o.id, &MoveRequest { stage_id: default_stage_id(2), ..Default::default() }).unwrap_err();
    assert!(err.to_string().contains("won; reopen"), "{err}");
    assert_eq!(get::<Opportunity>(app.store().conn(), o.id).unwrap(), won);
}

#[test]
fn manual_moves_are_logged_and_lost_needs_a_reason() {
    let (mut app, customer, o) = setup();
    let moved = app
        .move_opportunity(
            o.id,
            &MoveRequest { stage_id: default_stage_id(6), note: "Wants $1k off".into(), ..Default::default() },
        )
        .unwrap();
    assert_eq!(stage_name(&app, &moved), "Negotiation");
    assert!(timeline(&app, customer).iter().any(|l| l.ends_with("moved from New to Negotiation. Wants $1k off")));
    let before = app.store().pending_changes().unwrap();
    let err =
        app.move_opportunity(o.id, &MoveRequest { stage_id: default_stage_id(11), ..Default::default() }).unwrap_err();
    assert!(err.to_string().contains("lost_reason"), "{err}");
    assert_eq!(app.store().pending_changes().unwrap(), before, "nothing written");
    let elsewhere = |competitor: &str| MoveRequest {
        stage_id: default_stage_id(11),
        lost_reason: "bought elsewhere".into(),
        competitor: competitor.into(),
        ..Default::default()
    };
    let err = app.move_opportunity(o.id, &elsewhere("")).unwrap_err();
    assert_eq!(err.fields()[0].field, "competitor", "bought elsewhere names where");
    assert_eq!(app.store().pending_changes().unwrap(), before, "nothing written");
    let lost = app.move_opportunity(o.id, &elsewhere(" Harbor Toyota ")).unwrap();
    assert_eq!(
        (lost.status, lost.lost_reason.as_str(), lost.competitor.as_str()),
        (OpportunityStatus::Lost, "Bought elsewhere", "Harbor Toyota"),
        "the reason as listed, the competitor trimmed"
    );
    assert!(timeline(&app, customer).iter().any(|l| l.ends_with("(Bought elsewhere: Harbor Toyota)")));
}

#[test]
fn the_board_counts_totals_and_flags_deals_going_cold() {
    let (mut app, customer, o) = setup();
    let second = app
        .create_opportunity(&OpportunityDraft {
            customer_id: customer,
            title: "Trade-in SUV".into(),
            amount: "30,000".into(),
            ..Default::default()
        })
        .unwrap();
    app.move_opportunity(second.id, &MoveRequest { stage_id: default_stage_id(5), ..Default::default() }).unwrap();
    // The first deal has sat in New for a week (idle threshold: 2 days).
    let old = get::<Opportunity>(app.store().conn(), o.id).unwrap();
    let week_ago = Timestamp::from_millis(Timestamp::now().millis() - 7 * 86_400_000);
    app.store_mut()
        .write(|w| w.update(&old, &Opportunity { stage_entered_at: week_ago, ..old.clone() }).map(|_| ()))
        .unwrap();
    let board = app.board(&BoardFilter::default()).unwrap();
    assert_eq!(board.columns.len(), 12);
    let new = &board.columns[0];
    assert_eq!((new.count, new.total_cents, new.weighted_cents), (1, 5_200_000, 520_000));
    assert!(new.cards[0].going_cold);
    assert_eq!(new.cards[0].days_in_stage, 7);
    assert_eq!(new.cards[0].customer, "Dana Whitfield");
    let proposal = &board.columns[5];
    assert_eq!((proposal.count, proposal.weighted_cents), (1, 1_500_000));
    assert!(!proposal.cards[0].going_cold);
    // Deleting a stage that holds deals is refused.
    let mut stage = board.columns[5].stage.clone();
    stage.deleted_at = Some(Timestamp::now());
    let err = app.save_stage(stage).unwrap_err();
    assert!(err.to_string().contains("holds 1 deals") || err.to_string().contains("holds 1 deal"), "{err}");
    // A won deal shown with the closed ones counts in its column, not in the weighted pipeline.
    app.move_opportunity(second.id, &MoveRequest { stage_id: default_stage_id(10), ..Default::default() }).unwrap();
    let board = app.board(&BoardFilter { include_closed: true, ..Default::default() }).unwrap();
    let won = &board.columns[10];
    assert_eq!((won.stage.name.as_str(), won.count, won.total_cents, won.weighted_cents), ("Won", 1, 3_000_000, 0));
    let weighted: i64 = board.columns.iter().map(|c| c.weighted_cents).sum();
    assert_eq!(weighted, 520_000, "only the open deal in New is weighted");
}

#[test]
fn reminders_in_the_past_are_refused_and_today_sorts_the_day() {
    let (mut app, customer, o) = setup();
    let past = Timestamp::from_millis(Timestamp::now().millis() - 86_400_000).to_string();
    let err = app
        .create_activity(&ActivityDraft {
            customer_id: customer,
            opportunity_id: Some(o.id),
            kind: ActivityKind::Call,
            subject: "Call back".into(),
            due_at: past,
            owner_id: None,
        })
        .unwrap_err();
    assert!(err.to_string().contains("due_at: is in the past"), "{err}");
    let soon = activity(&mut app, customer, &o, ActivityKind::Call, "Call about financing");
    let day_end = Timestamp::from_millis(Timestamp::now().millis() + 2 * 3_600_000).to_string();
    let today = app.my_day(&day_end).unwrap();
    assert_eq!(today.due_today.len(), 1);
    assert_eq!(today.due_today[0].activity.id, soon);
    assert_eq!(today.due_today[0].customer, "Dana Whitfield");
    assert_eq!(today.due_today[0].deal.as_deref(), Some("2024 Ford F-150"));
    // Completing needs an outcome; "schedule next" happens in the same step.
    let err = app
        .complete_activity(
            soon,
            &Completion { outcome: " ".into(), next: None, checklist: Vec::new(), send_message: false },
        )
        .unwrap_err();
    assert!(err.to_string().contains("outcome"));
    let next = ActivityDraft {
        customer_id: customer,
        opportunity_id: Some(o.id),
        kind: ActivityKind::Email,
        subject: "Send the finance options".into(),
        due_at: Timestamp::from_millis(Timestamp::now().millis() + 26 * 3_600_000).to_string(),
        owner_id: None,
    };
    app.complete_activity(
        soon,
        &Completion { outcome: "Wants 60 months".into(), next: Some(next), checklist: Vec::new(), send_message: false },
    )
    .unwrap();
    let today = app.my_day(&day_end).unwrap();
    assert!(today.due_today.is_empty());
    assert_eq!(today.upcoming.len(), 1);
    assert_eq!(today.upcoming[0].activity.subject, "Send the finance options");
}

#[test]
fn reminders_are_the_activities_that_fell_due_since_the_last_look() {
    let (mut app, customer, o) = setup();
    let a = activity(&mut app, customer, &o, ActivityKind::Call, "Call about financing");
    let due: Timestamp = get::<showroom_core::domain::Activity>(app.store().conn(), a).unwrap().due_at;
    // Nothing is due yet; looked at from just before its time, it is.
    assert!(app.reminders_since(Timestamp::now()).unwrap().is_empty());
    let soon = Timestamp::from_millis(due.millis() - 1);
    let day = showroom_core::activities::due_between(
        app.store().conn(),
        None,
        soon,
        Timestamp::from_millis(due.millis() + 1),
    )
    .unwrap();
    assert_eq!(day.len(), 1);
    assert_eq!(day[0].activity.subject, "Call about financing");
    let later = showroom_core::activities::due_between(
        app.store().conn(),
        None,
        due,
        Timestamp::from_millis(due.millis() + 60_000),
    )
    .unwrap();
    assert!(later.is_empty(), "shown once");
}

/// Stage history: opening a deal and every change of its stage (by hand, by a step, winning) leave
/// a stage move in the same transaction; a synced or demo write carries its own.
#[test]
fn every_stage_a_deal_enters_is_remembered_for_the_forecast() {
    use showroom_core::domain::StageMove;
    let (mut app, customer, _) = setup();
    let deal = app
        .create_opportunity(&OpportunityDraft {
            customer_id: customer,
            title: "2026 Honda CR-V EX".into(),
            amount: "34,000".into(),
            ..Default::default()
        })
        .unwrap();
    app.move_opportunity(deal.id, &MoveRequest { stage_id: default_stage_id(4), ..Default::default() }).unwrap();
    app.move_opportunity(deal.id, &MoveRequest { stage_id: default_stage_id(4), ..Default::default() }).unwrap();
    app.move_opportunity(deal.id, &MoveRequest { stage_id: default_stage_id(10), ..Default::default() }).unwrap();
    let moves: Vec<StageMove> =
        query(app.store().conn(), "WHERE opportunity_id = ?1 ORDER BY at, rid", [deal.id.to_string()]).unwrap();
    let path: Vec<(Option<uuid::Uuid>, uuid::Uuid)> = moves.iter().map(|m| (m.from_stage_id, m.stage_id)).collect();
    assert_eq!(
        path,
        vec![
            (None, default_stage_id(0)),
            (Some(default_stage_id(0)), default_stage_id(4)),
            (Some(default_stage_id(4)), default_stage_id(10)),
        ],
        "opened in New, moved to Test drive (once: a move to the same stage is no move), won"
    );
    let won = get::<Opportunity>(app.store().conn(), deal.id).unwrap();
    assert_eq!(moves.last().unwrap().at, won.stage_entered_at);
    assert!(moves.iter().all(|m| m.customer_id == customer));
    // They travel like the deal: recorded changes waiting in the outbox.
    let queued: i64 = app
        .store()
        .conn()
        .query_row("SELECT count(DISTINCT row_id) FROM outbox WHERE tbl = 'stage_moves'", [], |r| r.get(0))
        .unwrap();
    assert!(queued >= 3, "{queued}");
}

#[test]
fn a_column_lists_the_newest_arrival_first_so_a_moved_card_is_seen() {
    let (mut app, customer, o) = setup();
    let later = app
        .create_opportunity(&OpportunityDraft {
            customer_id: customer,
            title: "Second look".into(),
            amount: "20,000".into(),
            ..Default::default()
        })
        .unwrap();
    // The first deal entered New a day before the second.
    let old = get::<Opportunity>(app.store().conn(), o.id).unwrap();
    let day_ago = Timestamp::from_millis(Timestamp::now().millis() - 86_400_000);
    app.store_mut()
        .write(|w| w.update(&old, &Opportunity { stage_entered_at: day_ago, ..old.clone() }).map(|_| ()))
        .unwrap();
    let board = app.board(&BoardFilter::default()).unwrap();
    let ids: Vec<_> = board.columns[0].cards.iter().map(|c| c.opportunity.id).collect();
    assert_eq!(ids, vec![later.id, o.id]);
}
