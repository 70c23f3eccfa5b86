//! The headless CLI of the real `showroom` binary: demo, export, import.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use showroom_e2e::showroom;
use std::io::Write;

#[test]
fn demo_then_export_json_and_csv() {
    let data = tempfile::tempdir().unwrap();
    let (code, out, err) = showroom(data.path(), &["demo"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("5000 customers"), "{out}");
    assert!(data.path().join("showroom.sqlite3").exists());

    // A second demo load is refused with a clear message, and nothing changes.
    let (code, _, err) = showroom(data.path(), &["demo"]);
    assert_ne!(code, 0);
    assert!(err.contains("already holds 5000 customers"), "{err}");

    let (code, out, err) = showroom(data.path(), &["export", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["customers"].as_array().unwrap().len(), 5000);
    assert_eq!(json["vehicles"].as_array().unwrap().len(), 300);
    assert!(json["leads"].as_array().unwrap().len() >= 5000);
    for key in ["opportunities", "activities", "interactions", "users", "pipeline_stages", "dealerships"] {
        assert!(!json[key].as_array().unwrap().is_empty(), "{key}");
    }

    let out_dir = data.path().join("csv");
    let (code, _, err) = showroom(data.path(), &["export", "--format", "csv", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let customers = std::fs::read_to_string(out_dir.join("customers.csv")).unwrap();
    assert_eq!(customers.lines().count(), 5001, "header + 5000 rows");
    assert!(customers.starts_with("id,owner_id,first_name,last_name,email,phone"));

    // The JSON export is a backup: restored into an empty folder, that folder exports the same.
    let backup = data.path().join("backup.json");
    std::fs::write(&backup, &out).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let (code, restored, err) = showroom(fresh.path(), &["import", "backup", backup.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(restored.contains("customers") && restored.contains("Restored "), "{restored}");
    let (code, again, err) = showroom(fresh.path(), &["export", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(again == out, "the restored folder's export equals the original byte for byte");
    // A second restore into the now full folder is refused.
    let (code, _, err) = showroom(fresh.path(), &["import", "backup", backup.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("already holds"), "{err}");
}

fn write(dir: &std::path::Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn import_customers_reports_lines_and_refuses_bad_files_whole() {
    let data = tempfile::tempdir().unwrap();
    let good = write(
        data.path(),
        "good.csv",
        "Name,Email,Phone\nAna García,ana@example.com,415-555-2671\nBen Okafor,,(512) 201-4477\n".as_bytes(),
    );
    let (code, out, err) = showroom(data.path(), &["import", "customers", &good, "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("dry run, nothing written: 2 created"), "{out}");
    let (code, out, _) = showroom(data.path(), &["import", "customers", &good]);
    assert_eq!(code, 0);
    // Rows without a problem are counted, not listed, unless asked for.
    assert!(!out.contains("line 2"), "{out}");
    let (_, listed, _) = showroom(data.path(), &["import", "customers", &good, "--dry-run", "--every-row"]);
    assert!(listed.contains("line 2: skipped (unchanged) Ana García"), "{listed}");
    assert!(out.contains("imported: 2 created, 0 updated, 0 skipped"), "{out}");
    let (_, out, _) = showroom(data.path(), &["import", "customers", &good]);
    assert!(out.contains("0 created, 0 updated, 2 skipped"), "{out}");

    let bad = write(
        data.path(),
        "bad.csv",
        "first_name,last_name,email,birth_date\nCara,Nguyen,cara@example.com,1990-04-01\nDan,Lee,dan@@example,\nEve,Stone,,2999-01-01\n"
            .as_bytes(),
    );
    let (code, out, _) = showroom(data.path(), &["import", "customers", &bad]);
    assert_eq!(code, 1);
    assert!(out.contains("line 3: invalid Dan Lee: email:"), "{out}");
    assert!(out.contains("line 4: invalid Eve Stone: birth_date:"), "{out}");
    assert!(out.contains("nothing was imported"), "{out}");
    let (_, json, _) = showroom(data.path(), &["export", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["customers"].as_array().unwrap().len(), 2, "the bad file added nobody");

    let (code, out, _) = showroom(data.path(), &["import", "customers", &bad, "--skip-invalid"]);
    assert_eq!(code, 0);
    assert!(out.contains("1 created, 0 updated, 2 skipped, 2 invalid"), "{out}");

    let mut latin1 = b"first_name,last_name\nJuan,Pe".to_vec();
    latin1.extend_from_slice(&[0xF1, b'a', b'\n']);
    let latin1 = write(data.path(), "latin1.csv", &latin1);
    let (code, out, _) = showroom(data.path(), &["import", "customers", &latin1]);
    assert_eq!(code, 1);
    assert!(out.contains("line 2: invalid") && out.contains("last_name: is not UTF-8"), "{out}");

    let (code, _, err) = showroom(data.path(), &["import", "customers", "/nonexistent.csv"]);
    assert_ne!(code, 0);
    assert!(err.contains("cannot read /nonexistent.csv"), "{err}");
}

#[test]
fn a_database_from_a_newer_version_is_refused_untouched() {
    let data = tempfile::tempdir().unwrap();
    let (code, _, _) = showroom(data.path(), &["export", "--format", "json"]);
    assert_eq!(code, 0, "first run creates the database");
    let db = data.path().join("showroom.sqlite3");
    {
        let conn = showroom_e2e::open_db(data.path());
        conn.execute_batch("PRAGMA user_version = 999;").unwrap();
    }
    let before = std::fs::read(&db).unwrap();
    let (code, _, err) = showroom(data.path(), &["export", "--format", "json"]);
    assert_ne!(code, 0);
    assert!(err.contains("newer Showroom (schema version 999)"), "{err}");
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn data_dir_comes_from_the_environment_when_no_flag_is_given() {
    let data = tempfile::tempdir().unwrap();
    let out = showroom_e2e::pin(&mut std::process::Command::new(showroom_e2e::binary("showroom")))
        .args(["export", "--format", "json"])
        .env("SHOWROOM_DATA_DIR", data.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(data.path().join("showroom.sqlite3").exists());
}

fn example(name: &str) -> String {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/deals").join(name).to_string_lossy().into_owned()
}

#[test]
fn quote_calc_and_pdf_from_the_documented_examples() {
    let data = tempfile::tempdir().unwrap();
    let (code, out, err) = showroom(data.path(), &["quote", "calc", &example("loan.json")]);
    assert_eq!(code, 0, "{err}");
    let calc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(calc["jurisdiction"], "TX");
    assert!(calc["loan"]["payment"].as_str().unwrap().parse::<f64>().unwrap() > 0.0);
    assert_eq!(calc["loan_grid"].as_array().unwrap().len(), 9);

    let (code, out, _) = showroom(data.path(), &["quote", "calc", &example("lease.json")]);
    assert_eq!(code, 0);
    let calc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(calc["lease"]["apr_equivalent"], "4.2");

    let pdf = data.path().join("q.pdf");
    let (code, _, err) = showroom(
        data.path(),
        &["quote", "pdf", &example("cash.json"), "-o", pdf.to_str().unwrap(), "--customer", "Zoë"],
    );
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));

    let bad = data.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"jurisdiction": "ZZ", "price": "-5", "terms": {"type": "loan", "apr": "75", "term_months": 0}}"#,
    )
    .unwrap();
    let (code, _, err) = showroom(data.path(), &["quote", "calc", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    for field in ["price:", "terms.apr:", "terms.term_months:", "jurisdiction:"] {
        assert!(err.contains(&format!("error: {field}")), "{err}");
    }
    std::fs::write(&bad, "{ not json").unwrap();
    let (code, _, err) = showroom(data.path(), &["quote", "calc", bad.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(err.contains("is not a valid deal"), "{err}");
}

#[test]
fn leads_import_from_adf_and_csv_and_export_as_adf() {
    let data = tempfile::tempdir().unwrap();
    // A known customer, so an incoming lead links to them by phone.
    let customers = data.path().join("customers.csv");
    std::fs::write(&customers, "first_name,last_name,phone\nDana,Whitfield,(512) 555-0100\n").unwrap();
    assert_eq!(showroom(data.path(), &["import", "customers", customers.to_str().unwrap()]).0, 0);

    let adf = data.path().join("feed.xml");
    std::fs::write(
        &adf,
        r#"<?xml version="1.0"?><ADF>
  <prospect><requestdate>2026-11-20T08:30:00-06:00</requestdate>
    <vehicle interest="buy" status="used"><year>2021</year><make>Toyota</make><model>RAV4</model></vehicle>
    <customer><contact><name part="first">Dana</name><name part="last">Whitfield</name><phone>512.555.0100</phone></contact>
      <timeframe><description>This week</description></timeframe></customer>
    <provider><name part="full">AutoTrader</name></provider></prospect>
  <prospect><requestdate>soon</requestdate>
    <customer><contact><name part="full">Ono, Kai</name><email>KAI@example.com</email></contact></customer></prospect>
  <prospect><customer><contact><name part="first">Nobody</name></contact></customer></prospect>
</ADF>"#,
    )
    .unwrap();
    let (code, out, err) = showroom(data.path(), &["import", "leads", adf.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("imported: 3 created") && !out.contains("Dana Whitfield"), "{out}");
    assert!(out.contains("requestdate") && out.contains("\"soon\" is not a date"), "{out}");
    assert!(out.contains("Nobody") && out.contains("cannot be contacted"), "{out}");

    // CSV: a row with a bad email refuses the file unless --skip-invalid.
    let csv = data.path().join("leads.csv");
    std::fs::write(&csv, "First Name,Last Name,E-mail,Lead Source,Channel\nRosa,Diaz,rosa@example.com,Website,web\nBad,Row,not-an-email,Event,carrier pigeon\n").unwrap();
    let (code, out, _) = showroom(data.path(), &["import", "leads", csv.to_str().unwrap()]);
    assert_ne!(code, 0);
    assert!(out.contains("line 3: invalid Bad Row") && out.contains("email"), "{out}");
    let (code, out, _) =
        showroom(data.path(), &["import", "leads", csv.to_str().unwrap(), "--skip-invalid", "--every-row"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("line 2: created Rosa Diaz") && out.contains("line 3: skipped (invalid) Bad Row"), "{out}");

    let conn = showroom_e2e::open_db(data.path());
    let (leads, linked): (i64, i64) =
        conn.query_row("SELECT COUNT(*), COUNT(customer_id) FROM leads", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((leads, linked), (4, 1), "Dana's lead is linked to her customer record");

    let (code, xml, err) = showroom(data.path(), &["export", "leads", "--format", "adf"]);
    assert_eq!(code, 0, "{err}");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?adf version=\"1.0\"?>"), "{xml}");
    assert_eq!(xml.matches("<prospect").count(), 4);
    assert!(xml.contains("<name part=\"last\">Whitfield</name>") && xml.contains("<make>Toyota</make>"), "{xml}");
    let (code, _, err) = showroom(data.path(), &["export", "--format", "adf"]);
    assert_ne!(code, 0);
    assert!(err.contains("showroom export leads --format adf"), "{err}");
}
