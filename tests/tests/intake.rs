//! Internet leads through a real `showroom-sync` process on loopback: a lead source's key made
//! with the admin CLI, an ADF lead posted while every laptop is closed, routed by the server, and
//! another mailed to the source's mailbox over real SMTP, and the rep's laptop (the real CLI)
//! receiving both with a notice each at its next sync.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use showroom_e2e::SyncServer;
use std::process::{Command, Stdio};

const PW: &str = "correct horse battery";

const ADF: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf>
  <prospect status="new">
    <id sequence="1" source="CarsDirect">CD-20931</id>
    <requestdate>2026-11-18T02:55:00-06:00</requestdate>
    <vehicle interest="buy" status="new"><year>2026</year><make>Honda</make><model>CR-V</model><trim>EX-L</trim></vehicle>
    <customer><contact>
      <name part="first">Lee</name><name part="last">Park</name>
      <email>lee.park@example.com</email><phone type="cellphone">512-555-0101</phone>
    </contact><comments>Is the blue one still there?</comments></customer>
    <provider><name>CarsDirect</name></provider>
  </prospect>
</adf>"#;

fn cli(data: &std::path::Path, args: &[&str], password: &str) -> (bool, String) {
    let out = showroom_e2e::pin(&mut Command::new(showroom_e2e::binary("showroom")))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env("SHOWROOM_PASSWORD", password)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_lead_posted_with_every_laptop_closed_reaches_its_rep_at_the_next_sync() {
    let dir = tempfile::tempdir().unwrap();
    let smtp_port = showroom_e2e::free_port();
    let smtp = format!("127.0.0.1:{smtp_port}");
    let server = SyncServer::start(dir.path(), "Lakeside Motors", &["--smtp-listen", &smtp]);
    let ana = server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    server.add_user("mia", "Mia Stone", "manager", None, PW);
    let out = server.admin(&["source", "add", "CarsDirect", "--channel", "marketplace"], None);
    let key = out.lines().last().unwrap().trim().to_string();
    assert_eq!(key.len(), 64, "{out}");
    let mailbox = out
        .lines()
        .find_map(|l| l.strip_prefix("email intake mailbox: "))
        .and_then(|l| l.split('@').next())
        .unwrap()
        .to_string();

    let http = reqwest::Client::new();
    let url = format!("{}/api/v1/intake/leads", server.url());
    let post = || http.post(&url).header("x-api-key", &key).header("content-type", "application/xml").body(ADF);
    let res = post().send().await.unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let receipt: serde_json::Value = res.json().await.unwrap();
    assert_eq!(receipt["leads"][0]["assigned_to"], "Ana Ruiz", "{receipt}");
    // The feed retries (no answer seen on its side): the same lead, nothing stored twice.
    let res = post().send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let again: serde_json::Value = res.json().await.unwrap();
    assert_eq!(again["leads"][0]["lead_id"], receipt["leads"][0]["lead_id"]);

    // A second provider mails its ADF to the source's mailbox: a real SMTP conversation.
    {
        use lettre::{Message, SmtpTransport, Transport};
        let mailer = SmtpTransport::builder_dangerous("127.0.0.1").port(smtp_port).build();
        let mail = Message::builder()
            .from("leads@carsdirect.example".parse().unwrap())
            .to(format!("{mailbox}@leads.lakeside.example").parse().unwrap())
            .subject("New internet lead")
            .body(ADF.replace("CD-20931", "CD-20932").replace("Lee", "Ann").replace("lee.park", "ann.park"))
            .unwrap();
        let answer = mailer.send(&mail).unwrap();
        assert!(answer.message().any(|l| l.contains("stored 1 lead(s)")), "{answer:?}");
    }

    // Ana opens her laptop and syncs: the leads are hers, with a notice each.
    let laptop = dir.path().join("ana-laptop");
    let (ok, text) = cli(&laptop, &["sync", "--server", &server.url(), "--user", "ana"], PW);
    assert!(ok, "{text}");
    assert!(text.contains("notice: New lead from CarsDirect: Lee Park · 2026 Honda CR-V EX-L"), "{text}");
    assert!(text.contains("notice: New lead from CarsDirect: Ann Park · 2026 Honda CR-V EX-L"), "{text}");
    let (ok, text) = cli(&laptop, &["export", "--format", "json"], "");
    assert!(ok, "{text}");
    let export: serde_json::Value = serde_json::from_str(&text).unwrap();
    let leads = export["leads"].as_array().unwrap().clone();
    assert_eq!(leads.len(), 2, "{text}");
    let lead = leads.iter().find(|l| l["first_name"] == "Lee").unwrap();
    assert_eq!(lead["assignee_id"], ana.as_str());
    assert_eq!(lead["source"], "CarsDirect");
    assert_eq!(lead["channel"], "marketplace");
    assert_eq!(lead["phone"], "+15125550101");
    assert!(lead["original"].as_str().unwrap().contains("CD-20931"));
    assert!(export["lead_assignments"].as_array().unwrap().iter().any(|a| a["lead_id"] == lead["id"]));

    // The admin sees when the source last posted; a revoked key is refused from then on.
    let list = server.admin(&["source", "list"], None);
    assert!(list.contains("CarsDirect") && list.contains("live") && !list.contains("last post never"), "{list}");
    server.admin(&["source", "revoke", "CarsDirect"], None);
    let res = post().send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let list = server.admin(&["source", "list"], None);
    assert!(list.contains("revoked"), "{list}");
}
