//! Today is the user's own day: due today first, overdue grouped by how late and capped, the
//! next 7 days; a manager (or a laptop nobody signed in to) may look at the team's or a rep's
//! day; "me" is the signed-in user, else the laptop's chosen user.

use crate::{app, draft};
use showroom_core::api::DayOf;
use showroom_core::domain::*;
use uuid::Uuid;

const H: i64 = 3_600_000;

fn user(app: &mut showroom_core::Showroom, name: &str, role: Role, active: bool) -> Uuid {
    let now = Timestamp::now();
    let u = User {
        id: new_id(),
        name: name.into(),
        email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
        role,
        team_id: None,
        active,
        created_at: now,
        updated_at: now,
    };
    app.store_mut().write(|w| w.insert(&u)).unwrap();
    u.id
}

fn task(app: &mut showroom_core::Showroom, customer: Uuid, owner: Uuid, subject: &str, due_in_h: i64) -> Uuid {
    let now = Timestamp::now();
    let a = Activity {
        id: new_id(),
        customer_id: customer,
        opportunity_id: None,
        kind: ActivityKind::Call,
        subject: subject.into(),
        due_at: Timestamp::from_millis(now.millis() + due_in_h * H),
        done_at: None,
        outcome: String::new(),
        owner_id: Some(owner),
        created_at: now,
        updated_at: now,
        deleted_at: None,
        lead_id: None,
        message: String::new(),
    };
    app.store_mut().write(|w| w.insert(&a)).unwrap();
    a.id
}

fn subjects(items: &[showroom_core::activities::TodayItem]) -> Vec<&str> {
    items.iter().map(|i| i.activity.subject.as_str()).collect()
}

#[test]
fn today_is_my_day_due_today_first_and_overdue_grouped_by_how_late() {
    let mut app = app();
    app.start_empty().unwrap();
    let manager = user(&mut app, "Mia Manager", Role::Manager, true);
    let ana = user(&mut app, "Ana Ruiz", Role::Rep, true);
    let bo = user(&mut app, "Bo Chen", Role::Rep, true);
    let gone = user(&mut app, "Old Timer", Role::Rep, false);
    let c = app.create_customer(&draft("Dana", "Whitfield", "dana@example.com", "")).unwrap().id;
    // The local day ends two hours from now, so it began 22 hours ago.
    let day_end = Timestamp::from_millis(Timestamp::now().millis() + 2 * H - 1).to_string();
    task(&mut app, c, ana, "due within the hour", 1);
    task(&mut app, c, ana, "late this morning", -1);
    task(&mut app, c, ana, "yesterday's call", -23);
    task(&mut app, c, ana, "three days late", -72);
    for d in [10, 11, 12] {
        task(&mut app, c, ana, &format!("{d} days late"), -24 * d);
    }
    task(&mut app, c, ana, "tomorrow", 5);
    task(&mut app, c, bo, "Bo's call", 1);

    // Nobody signed in and nobody chosen: "mine" is the team's day.
    let me = app.me().unwrap();
    assert_eq!((me.user, me.signed_in, me.sees_team), (None, false, true));
    assert_eq!(app.day(&day_end, DayOf::Mine, 8).unwrap().whose, "the team");

    // Ana is chosen as this laptop's user: her day, hers only.
    let me = app.set_laptop_user(Some(ana)).unwrap();
    assert_eq!(me.user.map(|u| u.name), Some("Ana Ruiz".to_string()));
    let day = app.day(&day_end, DayOf::Mine, 2).unwrap();
    assert_eq!(day.whose, "Ana Ruiz");
    assert_eq!(subjects(&day.due_today), ["due within the hour"]);
    assert_eq!(subjects(&day.upcoming), ["tomorrow"]);
    let groups: Vec<(&str, i64, Vec<&str>)> =
        day.overdue.iter().map(|g| (g.label.as_str(), g.total, subjects(&g.items))).collect();
    assert_eq!(
        groups,
        [
            ("Earlier today", 1, vec!["late this morning"]),
            ("Yesterday", 1, vec!["yesterday's call"]),
            ("Earlier this week", 1, vec!["three days late"]),
            ("Older", 3, vec!["10 days late", "11 days late"]),
        ],
        "the most recent first; the cap lists two of the three older ones"
    );
    assert_eq!(day.overdue_total, 6);
    assert_eq!(app.staff().unwrap().me, Some(ana));

    // The team and another rep's day, from a laptop nobody signed in to.
    let team = app.day(&day_end, DayOf::Team, 8).unwrap();
    assert_eq!((team.whose.as_str(), team.due_today.len(), team.overdue_total), ("the team", 2, 6));
    let bos = app.day(&day_end, DayOf::Rep { user: bo }, 8).unwrap();
    assert_eq!((bos.whose.as_str(), subjects(&bos.due_today)), ("Bo Chen", vec!["Bo's call"]));

    // Choices that cannot be made.
    let err = app.set_laptop_user(Some(gone)).unwrap_err().to_string();
    assert!(err.contains("no longer active"), "{err}");
    let err = app.set_laptop_user(Some(new_id())).unwrap_err().to_string();
    assert!(err.contains("user: no such user"), "{err}");

    // Signed in as Bo (a rep): Bo is me; the team's and Ana's days are for managers.
    app.store_mut().set_user(Some(bo)).unwrap();
    let me = app.me().unwrap();
    assert_eq!((me.user.map(|u| u.id), me.signed_in, me.sees_team), (Some(bo), true, false));
    assert_eq!(subjects(&app.my_day(&day_end).unwrap().due_today), ["Bo's call"]);
    assert_eq!(app.day(&day_end, DayOf::Rep { user: bo }, 8).unwrap().whose, "Bo Chen");
    for of in [DayOf::Team, DayOf::Rep { user: ana }] {
        let err = app.day(&day_end, of, 8).unwrap_err().to_string();
        assert!(err.contains("of: a rep sees their own day"), "{err}");
    }
    let err = app.set_laptop_user(Some(ana)).unwrap_err().to_string();
    assert!(err.contains("signed in as Bo Chen"), "{err}");

    // A manager signed in sees everyone's.
    app.store_mut().set_user(Some(manager)).unwrap();
    assert!(app.me().unwrap().sees_team);
    assert_eq!(app.day(&day_end, DayOf::Team, 8).unwrap().overdue_total, 6);
    assert_eq!(app.my_day(&day_end).unwrap().overdue_total, 0, "the manager's own day is empty");
}
