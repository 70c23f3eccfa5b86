//! The customer portal's laptop side: share links made offline (only a hash stored), the rules a
//! portal action must pass, a customer's answer completed into records on the rep's laptop, and
//! messages queued offline with consent checked.

use crate::{app, draft};
use showroom_core::domain::{Consent, Customer, Timestamp, Vehicle, VehicleStatus};
use showroom_core::portal::page::{Drive, QuotePage, Standing, quote_page};
use showroom_core::portal::{
    self, Action, MessageDraft, MessageStatus, PortalResponse, ResponseKind, check, check_link, order_id_for,
    token_hash,
};
use showroom_core::quotes::{Quote, QuoteStatus, QuoteTarget, SalesOrder};
use showroom_core::store::{get, query};
use showroom_core::sync::round::Session;
use showroom_core::{ErrorCode, Showroom};
use uuid::Uuid;

fn loan(vehicle: &Vehicle, price: &str) -> showroom_core::desk::Deal {
    let mut deal: showroom_core::desk::Deal = serde_json::from_value(serde_json::json!({
        "jurisdiction": "TX", "price": price, "terms": {"type": "loan", "apr": "6.9", "term_months": 60}
    }))
    .unwrap();
    deal.vehicle.description = vehicle.title();
    deal.vehicle.stock_no = vehicle.stock_no.clone();
    deal
}

/// The demo dealership with a rep signed in on this laptop, her new customer (email consent) and
/// a quote on an available vehicle.
fn rep_with_quote() -> (Showroom, Uuid, Customer, Quote, Vehicle) {
    let mut app = app();
    app.load_demo().unwrap();
    let rep: Uuid = app
        .store()
        .conn()
        .query_row("SELECT id FROM users WHERE role = 'rep' ORDER BY name LIMIT 1", [], |r| r.get::<_, String>(0))
        .unwrap()
        .parse()
        .unwrap();
    app.store_mut().set_user(Some(rep)).unwrap();
    app.save_session(Some(&Session {
        server: "https://sync.lakeside.example/".into(),
        token: "t".into(),
        user_id: rep,
        user: "ana".into(),
        role: "rep".into(),
        expires_at: "2099-01-01T00:00:00Z".into(),
    }))
    .unwrap();
    let customer = app.create_customer(&draft("Maria", "Harris", "maria.harris@example.com", "512-555-0142")).unwrap();
    let vehicle: Vehicle =
        query(app.store().conn(), "WHERE status = 'available' ORDER BY rid LIMIT 1", []).unwrap().remove(0);
    let target = QuoteTarget { customer_id: Some(customer.id), vehicle_id: Some(vehicle.id), ..Default::default() };
    let quote = app.create_quote(&target, &loan(&vehicle, "31250")).unwrap().quote;
    (app, rep, customer, quote, vehicle)
}

/// A response as the server would write it (arriving by sync).
fn arrives(app: &mut Showroom, r: &PortalResponse) {
    app.store_mut().write(|w| w.insert(r).map(|_| ())).unwrap();
}

fn answered(quote: &Quote, kind: ResponseKind, version: i64, message: &str) -> PortalResponse {
    PortalResponse {
        id: Uuid::now_v7(),
        customer_id: quote.customer_id,
        quote_id: Some(quote.id),
        share_id: None,
        kind,
        version,
        message: message.into(),
        at: Timestamp::now(),
        handled_at: None,
        outcome: String::new(),
        starts_at: None,
    }
}

#[test]
fn a_share_link_is_made_offline_presents_the_quote_and_only_its_hash_is_kept() {
    let (mut app, rep, _, quote, _) = rep_with_quote();
    let link = app.share_quote(quote.id, None).unwrap();
    let token = link.url.strip_prefix("https://sync.lakeside.example/p/").expect(&link.url);
    assert!(portal::token_shaped(token), "{token}");
    assert_eq!(link.share.token_hash, token_hash(token));
    assert_eq!(link.share.created_by, Some(rep));
    let days = (link.share.expires_at.millis() - link.share.created_at.millis()) / 86_400_000;
    assert_eq!(days, i64::from(portal::DEFAULT_SHARE_DAYS));
    // The customer sees the version the rep saw: sharing presents (freezes) it.
    let detail = app.quote_detail(quote.id).unwrap();
    assert_eq!(detail.status, QuoteStatus::Presented);
    assert!(detail.versions.last().unwrap().frozen);
    // The token itself is nowhere in the database (only its hash syncs).
    let conn = app.store().conn();
    let leaks: i64 =
        conn.query_row("SELECT COUNT(*) FROM outbox WHERE value LIKE '%' || ?1 || '%'", [token], |r| r.get(0)).unwrap();
    assert_eq!(leaks, 0);
    let hashed: i64 = conn
        .query_row("SELECT COUNT(*) FROM outbox WHERE tbl = 'quote_shares' AND field = 'token_hash'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(hashed, 1);
    // Two links are two tokens; a withdrawn link stops working.
    let second = app.share_quote(quote.id, Some(3)).unwrap();
    assert_ne!(second.url, link.url);
    let revoked = app.revoke_share(link.share.id).unwrap();
    assert_eq!(check_link(&revoked, Timestamp::now()).unwrap_err().status, 410);
    assert!(check_link(&second.share, Timestamp::now()).is_ok());
    assert_eq!(app.quote_shares(quote.id).unwrap().len(), 2);
    // Bad input is named.
    assert_eq!(app.share_quote(quote.id, Some(0)).unwrap_err().fields()[0].field, "days");
    assert_eq!(app.share_quote(quote.id, Some(91)).unwrap_err().fields()[0].field, "days");
    app.save_session(None).unwrap();
    assert_eq!(app.share_quote(quote.id, None).unwrap_err().fields()[0].field, "server");
}

#[test]
fn a_portal_action_is_refused_when_replayed_stale_expired_or_empty() {
    let (mut app, _, _, quote, _) = rep_with_quote();
    let link = app.share_quote(quote.id, None).unwrap();
    let quote: Quote = get(app.store().conn(), quote.id).unwrap();
    let now = Timestamp::now();
    let today = now.date();
    let accept = Action::Accept { version: quote.version };
    assert!(check(&accept, &link.share, &quote, &[], now, today).is_ok());
    // A replayed form: the customer already accepted.
    let done = answered(&quote, ResponseKind::Accepted, quote.version, "");
    let r = check(&accept, &link.share, &quote, std::slice::from_ref(&done), now, today).unwrap_err();
    assert_eq!(r.status, 409);
    assert!(r.message.contains("You accepted this quote"), "{}", r.message);
    let decline = Action::Decline { version: quote.version, reason: String::new() };
    assert_eq!(check(&decline, &link.share, &quote, &[done], now, today).unwrap_err().status, 409);
    // The rep revised the quote after the page was opened.
    let stale = Action::Accept { version: quote.version - 1 };
    let r = check(&stale, &link.share, &quote, &[], now, today).unwrap_err();
    assert!(r.message.contains("changed since you opened it"), "{}", r.message);
    // Past its validity the quote cannot be accepted; a question still can be asked.
    let late = quote.valid_until + chrono::Days::new(1);
    assert!(check(&accept, &link.share, &quote, &[], now, late).unwrap_err().message.contains("valid until"));
    let ask = Action::Question { text: "Is the blue one still there?".into() };
    assert!(check(&ask, &link.share, &quote, &[], now, late).is_ok());
    let empty = Action::Question { text: "   ".into() };
    assert_eq!(check(&empty, &link.share, &quote, &[], now, today).unwrap_err().status, 422);
    let long = Action::Question { text: "x".repeat(portal::MAX_TEXT + 1) };
    assert_eq!(check(&long, &link.share, &quote, &[], now, today).unwrap_err().status, 422);
    // An expired link opens nothing, whatever the action.
    let after = Timestamp::from_millis(link.share.expires_at.millis() + 1);
    assert_eq!(check(&ask, &link.share, &quote, &[], after, today).unwrap_err().status, 410);
}

#[test]
fn an_acceptance_made_online_becomes_the_sales_order_on_the_reps_laptop_once() {
    let (mut app, rep, customer, quote, vehicle) = rep_with_quote();
    app.share_quote(quote.id, None).unwrap();
    let quote: Quote = get(app.store().conn(), quote.id).unwrap();
    let yes = answered(&quote, ResponseKind::Accepted, quote.version, "");
    arrives(&mut app, &yes);

    // Another user's laptop (a manager's) leaves it to the rep's.
    let manager: Uuid = app
        .store()
        .conn()
        .query_row("SELECT id FROM users WHERE role = 'manager' LIMIT 1", [], |r| r.get::<_, String>(0))
        .unwrap()
        .parse()
        .unwrap();
    app.store_mut().set_user(Some(manager)).unwrap();
    assert!(portal::complete(app.store_mut(), Timestamp::now().date()).unwrap().is_empty());
    app.store_mut().set_user(Some(rep)).unwrap();

    let done = portal::complete(app.store_mut(), Timestamp::now().date()).unwrap();
    assert_eq!(done.len(), 1, "{done:?}");
    assert!(
        done[0].starts_with(&format!(
            "Maria Harris accepted quote {} v{} online: sales order SO-",
            quote.number, quote.version
        )),
        "{done:?}"
    );
    let detail = app.quote_detail(quote.id).unwrap();
    assert_eq!(detail.status, QuoteStatus::Accepted);
    let order: SalesOrder = detail.order.clone().unwrap();
    assert_eq!(order.id, order_id_for(yes.id), "every laptop makes the same order");
    assert_eq!(get::<Vehicle>(app.store().conn(), vehicle.id).unwrap().status, VehicleStatus::OnHold);
    let handled: PortalResponse = get(app.store().conn(), yes.id).unwrap();
    assert!(handled.handled_at.is_some());
    assert!(handled.outcome.contains(&order.number), "{}", handled.outcome);
    // On the timeline, and a call on the rep's list.
    let c = app.customer_detail(customer.id).unwrap();
    assert!(c.interactions.iter().any(|i| i.summary.contains("accepted quote") && i.summary.contains(&order.number)));
    assert!(c.activities.iter().any(|a| a.subject.contains("accepted quote") && a.owner_id == Some(rep)));
    // Done once: a second sync does nothing more.
    assert!(portal::complete(app.store_mut(), Timestamp::now().date()).unwrap().is_empty());
    assert_eq!(
        query::<SalesOrder>(app.store().conn(), "WHERE quote_id = ?1", [quote.id.to_string()]).unwrap().len(),
        1
    );
}

#[test]
fn a_decline_a_question_and_an_acceptance_of_an_old_version_each_land_as_the_rep_expects() {
    let (mut app, _, customer, quote, vehicle) = rep_with_quote();
    app.share_quote(quote.id, None).unwrap();
    let quote: Quote = get(app.store().conn(), quote.id).unwrap();
    // A question becomes a call task with the customer's words.
    arrives(&mut app, &answered(&quote, ResponseKind::Question, 0, "Can I pick it up Saturday?"));
    // An acceptance of a version the rep has since replaced is not turned into an order.
    let deal = loan(&vehicle, "30900");
    app.revise_quote(quote.id, &deal).unwrap();
    arrives(&mut app, &answered(&quote, ResponseKind::Accepted, quote.version, ""));
    let done = portal::complete(app.store_mut(), Timestamp::now().date()).unwrap();
    assert_eq!(done.len(), 2, "{done:?}");
    assert!(done.iter().any(|d| d.contains("not turned into an order: the quote is at version 2")), "{done:?}");
    let c = app.customer_detail(customer.id).unwrap();
    assert!(c.activities.iter().any(|a| a.subject.contains("Can I pick it up Saturday?")), "{:?}", c.activities);
    assert!(app.quote_detail(quote.id).unwrap().order.is_none());
    // A decline declines the quote with the customer's reason.
    let now: Quote = get(app.store().conn(), quote.id).unwrap();
    arrives(&mut app, &answered(&now, ResponseKind::Declined, now.version, "Payment too high"));
    portal::complete(app.store_mut(), Timestamp::now().date()).unwrap();
    let q = app.quote_detail(quote.id).unwrap();
    assert_eq!(
        (q.status, q.quote.decline_reason.as_str()),
        (QuoteStatus::Declined, "Declined online: Payment too high")
    );
}

#[test]
fn a_message_is_queued_offline_only_with_consent_and_can_be_withdrawn_before_it_leaves() {
    let (mut app, rep, customer, quote, _) = rep_with_quote();
    let email = MessageDraft {
        customer_id: Some(customer.id),
        channel: Some(showroom_core::contact::MessageChannel::Email),
        subject: "Your quote for the RAV4".into(),
        body: format!("Hi Maria, here it is: {}", portal::LINK_FIELD),
        quote_id: Some(quote.id),
    };
    let m = app.queue_message(&email).unwrap();
    assert_eq!(
        (m.status, m.to_address.as_str(), m.author_id),
        (MessageStatus::Queued, "maria.harris@example.com", Some(rep))
    );
    assert_eq!(app.quote_detail(quote.id).unwrap().status, QuoteStatus::Presented, "the attached version is frozen");
    assert_eq!(app.outgoing_messages(customer.id).unwrap().len(), 1);
    // No consent to texts: refused, naming the channel; an empty body is named too.
    let text = MessageDraft {
        channel: Some(showroom_core::contact::MessageChannel::Sms),
        subject: String::new(),
        ..email.clone()
    };
    let e = app.queue_message(&text).unwrap_err();
    assert_eq!(e.fields()[0].field, "channel");
    assert!(e.to_string().contains("has not agreed to text messages"), "{e}");
    let e = app.queue_message(&MessageDraft { body: " ".into(), subject: String::new(), ..email.clone() }).unwrap_err();
    let named: Vec<_> = e.fields().iter().map(|f| f.field.clone()).collect();
    assert_eq!(named, ["subject", "body"]);
    // Consent withdrawn (say, by the customer's unsubscribe arriving by sync): refused.
    let withdrawn = Customer { consent: Consent { email: false, ..customer.consent }, ..customer.clone() };
    app.store_mut().write(|w| w.update(&customer, &withdrawn).map(|_| ())).unwrap();
    assert_eq!(app.queue_message(&email).unwrap_err().fields()[0].field, "channel");
    // Withdrawn before it left; a second withdrawal is a conflict.
    let gone = app.cancel_message(m.id).unwrap();
    assert_eq!(gone.status, MessageStatus::Cancelled);
    assert_eq!(app.cancel_message(m.id).unwrap_err().code(), ErrorCode::Conflict);
}

#[test]
fn the_portal_page_shows_every_figure_the_pdf_prints_and_escapes_what_people_typed() {
    let (mut app, _, _, quote, _) = rep_with_quote();
    let detail = app.quote_detail(quote.id).unwrap();
    let v = detail.versions.last().unwrap();
    let header = showroom_core::pdf::QuoteHeader {
        customer: showroom_core::pdf::QuoteParty { name: "Maria <b>Harris</b>".into(), ..Default::default() },
        quote_number: format!("{} v1", quote.number),
        show_grid: true,
        ..Default::default()
    };
    let sheet = showroom_core::pdf::quote_sheet(&header, &v.deal, &v.calc);
    let letterhead = app.letterhead();
    let html = quote_page(&QuotePage {
        letterhead: &letterhead,
        sheet: &sheet,
        token: "tok",
        csrf: "c\"s",
        version: 1,
        standing: Standing::Open,
        consent: Consent::default(),
        flash: None,
        first_name: "Maria",
        link_expires: "2026-12-02".into(),
        drive: Drive::Slots(vec![(
            "Saturday, <December> 5".into(),
            vec![("2026-12-05T16:00:00.000Z".into(), "Sat, <Dec> 5 · 10:00 AM".into())],
        )]),
        locale: &showroom_core::locale::Locale::for_country("US"),
    });
    assert!(html.contains("<optgroup label=\"Saturday, &lt;December&gt; 5\">"), "escaped");
    assert!(html.contains("<option value=\"2026-12-05T16:00:00.000Z\">Sat, &lt;Dec&gt; 5 · 10:00 AM</option>"));
    assert!(html.contains("action=\"/p/tok/drive\"") && html.contains("your driving license"), "US spelling");
    let rows: Vec<_> = sheet
        .blocks
        .iter()
        .filter_map(|b| match b {
            showroom_core::pdf::Block::Row { amount, .. } => Some(amount.clone()),
            _ => None,
        })
        .collect();
    assert!(rows.len() > 8, "{rows:?}");
    for amount in &rows {
        assert!(html.contains(&html_escape::encode_text(amount).to_string()), "{amount} missing");
    }
    assert!(html.contains(&sheet.headline) && sheet.headline.contains("a month for 60 months"), "{}", sheet.headline);
    assert!(html.contains("Maria &lt;b&gt;Harris&lt;/b&gt;") && !html.contains("<b>Harris"));
    assert!(html.contains("value=\"c&quot;s\""), "attributes escaped");
    assert!(html.contains("<meta name=\"referrer\" content=\"no-referrer\">"));
    assert!(html.contains("action=\"/p/tok/accept\""));
    // The PDF prints the same figures (its text, extracted).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q.pdf");
    std::fs::write(&file, showroom_core::pdf::quote_pdf(&header, &v.deal, &v.calc).unwrap()).unwrap();
    let printed = crate::pdf::pdf_text(&file);
    for amount in &rows {
        assert!(printed.contains(amount.as_str()), "{amount} not printed");
    }
    let _ = app.store_mut();
}

#[test]
fn a_cadence_step_sends_its_prepared_message_and_is_done_in_one_action_or_not_at_all() {
    use showroom_core::activities::Completion;
    use showroom_core::domain::{Activity, ActivityKind};
    let (mut app, rep, customer, quote, _) = rep_with_quote();
    let now = Timestamp::now();
    let step = |kind, subject: &str| Activity {
        id: Uuid::now_v7(),
        customer_id: customer.id,
        opportunity_id: None,
        kind,
        subject: subject.into(),
        due_at: now,
        done_at: None,
        outcome: String::new(),
        owner_id: Some(rep),
        created_at: now,
        updated_at: now,
        deleted_at: None,
        lead_id: None,
        message: "Hi Maria, thanks for your interest in the RAV4.".into(),
    };
    let (email, text) =
        (step(ActivityKind::Email, "Email: Thanks for your interest"), step(ActivityKind::Sms, "Text: Quick hello"));
    app.store_mut()
        .write(|w| {
            w.insert(&email)?;
            w.insert(&text)
        })
        .unwrap();
    let send = Completion { outcome: "Email sent".into(), next: None, checklist: vec![], send_message: true };
    // No consent to texts: refused, the step stays open and nothing is queued.
    let e = app.complete_activity(text.id, &send).unwrap_err();
    assert_eq!(e.fields()[0].field, "channel", "{e}");
    assert!(get::<Activity>(app.store().conn(), text.id).unwrap().done_at.is_none());
    assert!(app.outgoing_messages(customer.id).unwrap().is_empty());
    // The email step: queued with the step's own words, and the step done, in one action.
    app.complete_activity(email.id, &send).unwrap();
    let queued = app.outgoing_messages(customer.id).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (queued[0].subject.as_str(), queued[0].body.as_str(), queued[0].status),
        ("Thanks for your interest", email.message.as_str(), MessageStatus::Queued)
    );
    assert!(get::<Activity>(app.store().conn(), email.id).unwrap().done_at.is_some());
    assert_eq!(app.customer_detail(customer.id).unwrap().messages.len(), 1, "the timeline shows it");
    // A quote link needs a quote to go with it.
    let e = app
        .queue_message(&MessageDraft {
            customer_id: Some(customer.id),
            channel: Some(showroom_core::contact::MessageChannel::Email),
            subject: "Your quote".into(),
            body: format!("See {}", portal::LINK_FIELD),
            quote_id: None,
        })
        .unwrap_err();
    assert_eq!(e.fields()[0].field, "quote_id", "{e}");
    let _ = quote;
}

#[test]
fn a_test_drive_booked_on_the_portal_becomes_the_booking_or_a_call_when_the_car_was_taken() {
    use showroom_core::domain::{Activity, ActivityKind, TestDrive, TestDriveStatus};
    let (mut app, rep, customer, quote, vehicle) = rep_with_quote();
    let share = app.share_quote(quote.id, None).unwrap().share;
    let now = Timestamp::now();
    let slot = |h: i64| Timestamp::from_millis((now.millis() / 3_600_000 + h) * 3_600_000);
    let booked = |starts_at: Timestamp| {
        let r = portal::response(
            &Action::TestDrive { starts_at, when: "Saturday, December 5 at 10:00 AM".into() },
            &share,
            customer.consent,
            Timestamp::now(),
        );
        assert_eq!((r.kind, r.starts_at), (ResponseKind::TestDrive, Some(starts_at)));
        r
    };
    // A booking still waiting for the rep's laptop: a second one is refused.
    let first = booked(slot(30));
    let e = check(
        &Action::TestDrive { starts_at: slot(40), when: "later".into() },
        &share,
        &quote,
        std::slice::from_ref(&first),
        now,
        now.date(),
    )
    .unwrap_err();
    assert_eq!(e.status, 409);
    assert!(e.message.contains("already booked a test drive for Saturday, December 5"), "{}", e.message);
    assert_eq!(
        portal::notice_text("Maria Harris", &first, &quote.number),
        "Maria Harris booked a test drive for Saturday, December 5 at 10:00 AM"
    );
    arrives(&mut app, &first);
    let done = portal::complete(app.store_mut(), Timestamp::now().date()).unwrap();
    assert_eq!(done.len(), 1, "{done:?}");
    let drives: Vec<TestDrive> =
        query(app.store().conn(), "WHERE customer_id = ?1", [customer.id.to_string()]).unwrap();
    assert_eq!(drives.len(), 1);
    assert_eq!(
        (drives[0].vehicle_id, drives[0].starts_at, drives[0].status),
        (vehicle.id, slot(30), TestDriveStatus::Scheduled)
    );
    let task: Activity = get(app.store().conn(), drives[0].activity_id.unwrap()).unwrap();
    assert_eq!((task.kind, task.owner_id, task.due_at), (ActivityKind::TestDrive, Some(rep), slot(30)));
    assert!(task.subject.contains("booked online") && task.subject.contains("licence"), "{}", task.subject);
    // Completing again (a second sync) makes nothing twice.
    assert!(portal::complete(app.store_mut(), Timestamp::now().date()).unwrap().is_empty());
    // Another customer's booking of the same car at the same time (made on another laptop while
    // the server listed the slot): not booked, a call task instead.
    let other = booked(slot(30));
    arrives(&mut app, &other);
    let done = portal::complete(app.store_mut(), Timestamp::now().date()).unwrap();
    assert!(done[0].contains("not booked") && done[0].contains("is booked"), "{done:?}");
    let calls: Vec<Activity> =
        query(app.store().conn(), "WHERE customer_id = ?1 AND kind = 'call'", [customer.id.to_string()]).unwrap();
    assert!(calls.iter().any(|a| a.subject.contains("could not be booked")), "{calls:?}");
    let drives: Vec<TestDrive> =
        query(app.store().conn(), "WHERE customer_id = ?1", [customer.id.to_string()]).unwrap();
    assert_eq!(drives.len(), 1, "no double booking");
}
