use crate::{app, draft};
use showroom_core::domain::Customer;
use showroom_core::io::{ImportAction, ImportOptions, PIPELINE_FROM};

const GOOD: &str = "First Name,Last Name,E-mail,Mobile,City,SMS opt-in\n\
Ana,García,ana@example.com,(415) 555-2671,Austin,yes\n\
Ben,Okafor,ben@example.com,,Round Rock,no\n";

#[test]
fn a_clean_file_imports_and_a_second_run_updates_or_skips() {
    let mut app = app();
    let r = app.import_customers_csv(GOOD.as_bytes(), ImportOptions::default()).unwrap();
    assert!(r.committed);
    assert_eq!((r.created, r.updated, r.skipped, r.invalid), (2, 0, 0, 0));
    let ana = app.search("garcia").unwrap().remove(0);
    let c = app.customer_detail(ana.id).unwrap().customer;
    assert_eq!(c.phone.as_deref(), Some("+14155552671"));
    assert!(c.consent.sms);

    let again = GOOD.replace("Round Rock", "Austin");
    let r = app.import_customers_csv(again.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!((r.created, r.updated, r.skipped), (0, 1, 1));
    assert_eq!(r.rows[1].line, 3);
    assert_eq!(r.rows[1].action, ImportAction::Updated);
    assert_eq!(app.store().count::<Customer>().unwrap(), 2);
}

#[test]
fn one_bad_row_refuses_the_whole_file_with_line_and_field() {
    let mut app = app();
    let csv = "first_name;last_name;email;phone;birth_date\n\
Ana;García;ana@example.com;;1980-01-01\n\
Bad;Email;not-an-email;;\n\
Old;Timer;old@example.com;;1801-01-01\n";
    let r = app.import_customers_csv(csv.as_bytes(), ImportOptions::default()).unwrap();
    assert!(!r.committed);
    assert_eq!(r.invalid, 2);
    let bad: Vec<_> = r.rows.iter().filter(|o| o.action == ImportAction::Invalid).collect();
    assert_eq!((bad[0].line, bad[0].problems[0].field.as_str()), (3, "email"));
    assert_eq!((bad[1].line, bad[1].problems[0].field.as_str()), (4, "birth_date"));
    assert_eq!(app.store().count::<Customer>().unwrap(), 0, "nothing half-imported");
    assert_eq!(app.store().pending_changes().unwrap(), 0);

    let r = app.import_customers_csv(csv.as_bytes(), ImportOptions { skip_invalid: true, dry_run: false }).unwrap();
    assert!(r.committed);
    assert_eq!((r.created, r.skipped, r.invalid), (1, 2, 2));
    assert_eq!(app.store().count::<Customer>().unwrap(), 1);
}

/// A file large enough that its rows are prepared on a second thread while the first writes
/// them: rows still meet the customers stored before them (in the database and earlier in the same
/// file), in file order, and the file is still one transaction.
#[test]
fn a_large_file_is_prepared_ahead_and_still_written_in_file_order() {
    let mut app = app();
    let old = "first_name,last_name,email,phone,city\nOld,Customer,old@example.com,(512) 555-0100,Austin\n";
    app.import_customers_csv(old.as_bytes(), ImportOptions::default()).unwrap();
    let rows = 3 * PIPELINE_FROM;
    let mut csv = String::from("first_name,last_name,email,phone,city\n");
    for i in 0..rows {
        let line = match i {
            // The stored customer, found by email; then by phone alone, after that first update.
            100 => "Old,Customer,old@example.com,,Round Rock".to_string(),
            1400 => "Old,Customer,,512-555-0100,Houston".to_string(),
            300 => format!("Bad{i},Row{i},not-an-email,,Austin"),
            // A customer created earlier in this same file.
            1300 => "First10,Last10,p10@example.com,,Dallas".to_string(),
            _ => format!("First{i},Last{i},p{i}@example.com,,Austin"),
        };
        csv.push_str(&line);
        csv.push('\n');
    }
    let before = app.store().pending_changes().unwrap();

    let refused = app.import_customers_csv(csv.as_bytes(), ImportOptions::default()).unwrap();
    assert!(!refused.committed);
    assert_eq!(refused.invalid, 1);
    assert_eq!(app.store().count::<Customer>().unwrap(), 1, "a refused file writes nothing");
    assert_eq!(app.store().pending_changes().unwrap(), before);

    let r = app.import_customers_csv(csv.as_bytes(), ImportOptions { skip_invalid: true, dry_run: false }).unwrap();
    assert!(r.committed);
    assert_eq!((r.created, r.updated, r.skipped, r.invalid), (rows as u32 - 4, 3, 1, 1));
    let lines: Vec<u64> = r.rows.iter().map(|o| o.line).collect();
    assert_eq!(lines, (2..rows as u64 + 2).collect::<Vec<_>>(), "one outcome per row, in file order");
    for (i, action) in [(100, ImportAction::Updated), (300, ImportAction::Invalid), (1300, ImportAction::Updated)] {
        assert_eq!(r.rows[i].action, action, "row {i}");
    }
    assert_eq!(r.rows[1400].action, ImportAction::Updated);
    assert_eq!(r.rows[300].problems[0].field, "email");
    assert_eq!(app.store().count::<Customer>().unwrap(), rows as i64 - 4 + 1);

    let city = |app: &showroom_core::api::Showroom, who: &str| {
        let hit = app.search(who).unwrap().remove(0);
        app.customer_detail(hit.id).unwrap().customer.city
    };
    assert_eq!(city(&app, "First10 Last10"), "Dallas");
    assert_eq!(city(&app, "Old Customer"), "Houston");
    assert_eq!(city(&app, &format!("Last{}", rows - 1)), "Austin");
    assert!(app.store().pending_changes().unwrap() > before + (rows as i64 - 4));
}

#[test]
fn dry_run_reports_but_writes_nothing() {
    let mut app = app();
    let r = app.import_customers_csv(GOOD.as_bytes(), ImportOptions { dry_run: true, skip_invalid: false }).unwrap();
    assert_eq!(r.created, 2);
    assert!(!r.committed);
    assert_eq!(app.store().count::<Customer>().unwrap(), 0);
}

#[test]
fn wrong_encoding_short_rows_and_missing_columns_are_named() {
    let mut app = app();
    // "Peña" in Latin-1: 0xF1 is not UTF-8.
    let mut latin1 = b"first_name,last_name,email\nJuan,Pe".to_vec();
    latin1.extend_from_slice(&[0xF1]);
    latin1.extend_from_slice(b"a,juan@example.com\nAna,Lee\n");
    let r = app.import_customers_csv(&latin1, ImportOptions::default()).unwrap();
    assert!(!r.committed);
    assert_eq!(r.rows[0].line, 2);
    assert_eq!(r.rows[0].problems[0].field, "last_name");
    assert!(r.rows[0].problems[0].message.contains("UTF-8"));
    // Short rows are fine when the missing cells are optional; a CSV with no name column is not.
    assert_eq!(r.rows[1].action, ImportAction::Invalid);
    assert!(r.rows[1].problems[0].message.contains("2 fields but the header has 3"));

    let err = app.import_customers_csv(b"email,phone\na@example.com,\n", ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("no name column"), "{err}");
    let err = app.import_customers_csv(b"", ImportOptions::default()).unwrap_err();
    assert!(err.to_string().contains("empty"));
    assert_eq!(app.store().count::<Customer>().unwrap(), 0);
}

#[test]
fn export_json_has_every_entity_and_csv_round_trips_customers() {
    let mut app = app();
    app.create_customer(&draft("Ana", "García", "ana@example.com", "(415) 555-2671")).unwrap();
    let json = app.export_json().unwrap();
    for key in [
        "customers",
        "vehicles",
        "leads",
        "opportunities",
        "activities",
        "interactions",
        "users",
        "pipeline_stages",
        "quotes",
        "quote_versions",
        "sales_orders",
        "test_drives",
        "surveys",
        "referrals",
        "events",
        "traffic",
        "goals",
        "commission_plans",
        "commission_statements",
        "marketing_spend",
    ] {
        assert!(json[key].is_array(), "{key} missing");
    }
    assert_eq!(json["customers"][0]["email"], "ana@example.com");

    let dir = tempfile::tempdir().unwrap();
    let files = app.export_csv(dir.path()).unwrap();
    assert!(files.iter().any(|f| f.ends_with("customers.csv")));
    let bytes = std::fs::read(dir.path().join("customers.csv")).unwrap();
    // Importing our own export into a fresh database gives the same customer.
    let mut other = crate::app();
    let r = other.import_customers_csv(&bytes, ImportOptions::default()).unwrap();
    assert_eq!(r.created, 1, "{r:?}");
    assert!(r.ignored_columns.is_empty(), "{:?}", r.ignored_columns);
    let a = &app.list_customers(&Default::default()).unwrap().items[0];
    let b = &other.list_customers(&Default::default()).unwrap().items[0];
    assert_eq!((&a.first_name, &a.email, &a.phone, a.consent), (&b.first_name, &b.email, &b.phone, b.consent));
    // Re-importing it into the original matches by id and changes nothing.
    let r = app.import_customers_csv(&bytes, ImportOptions::default()).unwrap();
    assert_eq!((r.created, r.updated, r.skipped), (0, 0, 1));
}

#[test]
fn a_full_export_restores_into_an_empty_folder_and_exports_the_same() {
    let mut demo = app();
    demo.load_demo().unwrap();
    let first = demo.export_json().unwrap();
    // Every table the rule book exports is in the file, quotes and orders among them.
    for t in showroom_core::sync::rules::TABLES.iter().filter(|t| t.exported) {
        assert!(first.get(t.table).is_some_and(|v| v.is_array()), "{} missing from the export", t.table);
    }
    for t in ["quotes", "quote_versions", "sales_orders", "traffic", "goals", "stage_moves"] {
        assert!(!first[t].as_array().unwrap().is_empty(), "the demo has {t}");
    }

    let mut restored = app();
    let r = restored.restore_backup(&first).unwrap();
    assert!(r.rows > 10_000, "{}", r.rows);
    let second = restored.export_json().unwrap();
    let text = |v: &serde_json::Value| {
        // Rows in id order per table, so the comparison does not depend on insertion order.
        let mut v = v.clone();
        for (_, rows) in v.as_object_mut().unwrap().iter_mut() {
            if let Some(rows) = rows.as_array_mut() {
                rows.sort_by_key(|r| r["id"].as_str().unwrap_or_default().to_string());
            }
        }
        serde_json::to_string(&v).unwrap()
    };
    assert!(text(&first) == text(&second), "the restored folder exports the same bytes");
    assert_eq!(restored.status().unwrap().customers, 5_000);

    // Into a folder that already holds data: refused, nothing written.
    let err = restored.restore_backup(&first).unwrap_err();
    assert!(err.to_string().contains("already holds"), "{err}");
    let mut empty = app();
    let err = empty.restore_backup(&serde_json::json!({"format": "something else"})).unwrap_err();
    assert!(err.to_string().contains("not a Showroom export"), "{err}");
    let mut bad = first.clone();
    bad["customers"][3]["first_name"] = serde_json::json!(42);
    let err = empty.restore_backup(&bad).unwrap_err();
    assert!(err.to_string().contains("customers[3]"), "{err}");
    assert_eq!(empty.status().unwrap().customers, 0, "a bad row stores nothing");
}

#[test]
fn a_crm_export_with_address_line_headers_keeps_the_street() {
    let mut app = app();
    let csv = "First Name,Last Name,Email,Address Line 1,City\nRosa,Delgado,rosa@example.com,12 Oak St,Austin\n";
    let r = app.import_customers_csv(csv.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!(r.created, 1, "{r:?}");
    let c: Customer = showroom_core::store::query(app.store().conn(), "LIMIT 1", []).unwrap().remove(0);
    assert_eq!((c.street.as_str(), c.city.as_str()), ("12 Oak St", "Austin"));
    let csv = "first_name,last_name,email,address_line\nLi,Wei,li@example.com,9 Elm Ave\n";
    app.import_customers_csv(csv.as_bytes(), ImportOptions::default()).unwrap();
    let li: Customer =
        showroom_core::store::query(app.store().conn(), "WHERE email = 'li@example.com'", []).unwrap().remove(0);
    assert_eq!(li.street, "9 Elm Ave");
}

#[test]
fn a_row_without_email_finds_its_customer_by_phone_however_it_is_written() {
    let mut app = app();
    app.import_customers_csv(GOOD.as_bytes(), ImportOptions::default()).unwrap();
    // The same mobile as "(415) 555-2671", written another way, no email: the same customer.
    let csv = "first_name,last_name,phone,city\nAna,García,+1 415-555-2671,San Marcos\n";
    let r = app.import_customers_csv(csv.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!((r.created, r.updated, r.invalid), (0, 1, 0));
    assert_eq!(app.store().count::<Customer>().unwrap(), 2);
    let ana = app.search("garcia").unwrap().remove(0);
    assert_eq!(app.customer_detail(ana.id).unwrap().customer.city, "San Marcos");
    // A number that is not a valid one is refused by name, whatever it would look like stored.
    let csv = "first_name,last_name,phone\nAna,García,(415) 555-267\n";
    let r = app.import_customers_csv(csv.as_bytes(), ImportOptions::default()).unwrap();
    assert_eq!((r.created, r.updated, r.invalid), (0, 0, 1));
    assert!(r.rows[0].problems.iter().any(|p| p.field == "phone"), "{:?}", r.rows[0].problems);
}
