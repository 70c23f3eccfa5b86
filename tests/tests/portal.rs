//! The dealership's front door end to end, with real processes: an ADF lead posted to a real
//! `showroom-sync` at 3 AM is routed with every laptop closed; the rep's laptop gets it, builds a
//! quote offline and sends it when back online; the server's outbox mails it (PDF attached, a
//! share link, one-click unsubscribe) to a real SMTP sink (Debian's aiosmtpd); the customer opens
//! the link in headless Chromium at a phone's width and accepts; the rep's laptop shows the
//! acceptance and the sales order. Set SHOWROOM_SCREENSHOTS=DIR to keep the phone's screens.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use showroom_core::Showroom;
use showroom_core::domain::time::clock;
use showroom_core::domain::{Consent, CustomerDraft, DealershipPlace, Timestamp};
use showroom_core::portal::{MessageDraft, MessageStatus};
use showroom_core::quotes::{QuoteStatus, QuoteTarget};
use showroom_core::sync::client::Client;
use showroom_core::sync::round::Session;
use showroom_e2e::{Guard, SyncServer, free_port, wait_for_port};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use thirtyfour::prelude::*;

const PW: &str = "correct horse battery";
/// 3 AM in Chicago on a Wednesday: the dealership is closed, every laptop too.
const NIGHT: &str = "2026-11-18T09:00:00Z";

const ADF: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf><prospect status="new">
  <id sequence="1" source="Lakeside website">WEB-7731</id>
  <requestdate>2026-11-18T02:58:00-06:00</requestdate>
  <vehicle interest="buy" status="new"><year>2025</year><make>Toyota</make><model>RAV4</model><trim>XLE</trim></vehicle>
  <customer><contact>
    <name part="first">Maria</name><name part="last">Harris</name>
    <email>maria.harris@example.com</email><phone type="cellphone">512-555-0142</phone>
  </contact><comments>Can I see a payment on the silver one?</comments></customer>
  <provider><name>Lakeside website</name></provider>
</prospect></adf>"#;

/// A real SMTP sink on loopback: Debian's aiosmtpd writing each message into a maildir.
struct Sink {
    port: u16,
    maildir: PathBuf,
    _process: Guard,
}

impl Sink {
    fn start(dir: &Path) -> Sink {
        let port = free_port();
        let maildir = dir.join("maildir");
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&maildir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3-aiosmtpd (scripts/setup --test installs it)");
        let guard = Guard(child);
        assert!(wait_for_port(port, Duration::from_secs(20)), "the SMTP sink did not start");
        Sink { port, maildir, _process: guard }
    }

    /// The messages delivered so far, as raw text.
    fn mail(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else { return Vec::new() };
        entries.filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok()).collect()
    }

    fn wait_for_mail(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let got = self.mail();
            if got.len() >= n || Instant::now() > deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Headless Debian Chromium through chromedriver, at a 360 px phone's width.
async fn phone() -> (WebDriver, Guard) {
    let port = free_port();
    let child = Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium-driver (scripts/setup --test installs it)");
    let guard = Guard(child);
    assert!(wait_for_port(port, Duration::from_secs(20)), "chromedriver did not start");
    let mut caps = DesiredCapabilities::chrome();
    caps.set_binary("/usr/bin/chromium").unwrap();
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=360,780"] {
        caps.add_arg(arg).unwrap();
    }
    caps.add_experimental_option(
        "mobileEmulation",
        serde_json::json!({"deviceMetrics": {"width": 360, "height": 780, "pixelRatio": 2.0, "mobile": true, "touch": true}}),
    )
    .unwrap();
    let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await.unwrap();
    (driver, guard)
}

async fn shot(driver: &WebDriver, name: &str) {
    if let Some(dir) = std::env::var_os("SHOWROOM_SCREENSHOTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        driver.screenshot(&dir.join(format!("{name}.png"))).await.unwrap();
    }
}

/// A laptop: the core's API (what the window calls) on its own encrypted data folder, signed in.
struct Laptop {
    app: Mutex<Showroom>,
    session: Session,
}

impl Laptop {
    async fn sign_in(client: &Client, dir: &Path, login: &str) -> Laptop {
        let mut app = Showroom::open(dir, &showroom_e2e::unlock()).unwrap();
        let session = client.sign_in(login, PW, app.store().device_id()).await.unwrap();
        app.store_mut().set_user(Some(session.user_id)).unwrap();
        app.save_session(Some(&session)).unwrap();
        Laptop { app: Mutex::new(app), session }
    }

    /// One sync round; laptop and server must agree on every partition afterwards.
    async fn sync(&self, client: &Client) -> showroom_core::sync::round::SyncReport {
        let report = client.sync(&self.app, &self.session).await.unwrap();
        assert!(report.mismatched.is_empty(), "laptop and server agree after a sync: {report:?}");
        report
    }

    fn with<T>(&self, f: impl FnOnce(&mut Showroom) -> T) -> T {
        f(&mut self.app.lock().unwrap())
    }
}

/// A quoted-printable body as a mail app shows it (soft line breaks joined, =XX decoded).
fn unquote(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).to_string()
}

/// One header's value in a raw message (unfolded).
fn header(mail: &str, name: &str) -> Option<String> {
    let head =
        mail.split("\n\n").next().unwrap_or_default().replace("\r\n", "\n").replace("\n ", " ").replace("\n\t", " ");
    head.lines().find_map(|l| l.strip_prefix(&format!("{name}: ")).map(str::to_string))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_night_lead_becomes_a_quote_the_customer_accepts_on_her_phone_and_the_reps_laptop_opens_the_order() {
    // Every process of this test runs from 3 AM Chicago time.
    showroom_e2e::pinned_now();
    clock::start_at(Timestamp::parse(NIGHT).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let sink = Sink::start(dir.path());
    let relay = format!("127.0.0.1:{}", sink.port);
    let smtp_port = free_port();
    let smtp = format!("127.0.0.1:{smtp_port}");
    let server = SyncServer::start_with_env(
        dir.path(),
        "Lakeside Motors",
        &["--mail-relay", &relay, "--mail-from", "quotes@lakeside.example", "--smtp-listen", &smtp],
        &[(clock::ENV, &Timestamp::now().to_string())],
    );
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    server.add_user("mia", "Mia Stone", "manager", None, PW);
    let client = Client::new(&server.url()).unwrap();

    // The manager set the dealership up the day before: Chicago, letterhead.
    let mia = Laptop::sign_in(&client, &dir.path().join("mia"), "mia").await;
    mia.with(|a| {
        a.save_dealership_place(DealershipPlace { country: "US".into(), timezone: "America/Chicago".into() }).unwrap();
        let mut l = a.letterhead();
        l.name = "Lakeside Motors".into();
        l.address = "1200 Lake Shore Dr, Austin TX".into();
        l.phone = "(512) 555-0100".into();
        a.save_letterhead(l).unwrap();
        let stocked = a
            .import_vehicles_csv(
                b"Stock #,VIN,Year,Make,Model,Trim,Internet Price\nN2002,2T3P1RFV2RC123456,2025,Toyota,RAV4,XLE,\"$33,900\"\n",
                showroom_core::io::ImportOptions::default(),
            )
            .unwrap();
        assert_eq!(stocked.created, 1, "{stocked:?}");
    });
    mia.sync(&client).await;

    // 3 AM: the website posts a lead; the server routes it itself.
    let out = server.admin(&["source", "add", "Lakeside website"], None);
    let key = out.lines().last().unwrap().trim().to_string();
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/api/v1/intake/leads", server.url()))
        .header("x-api-key", &key)
        .header("content-type", "application/xml")
        .body(ADF)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let receipt: serde_json::Value = res.json().await.unwrap();
    assert_eq!(receipt["leads"][0]["assigned_to"], "Ana Ruiz", "{receipt}");
    assert!(receipt["leads"][0]["reason"].as_str().unwrap().contains("after hours"), "{receipt}");

    // Morning: Ana's laptop syncs and has the lead, with a notice.
    let ana = Laptop::sign_in(&client, &dir.path().join("ana"), "ana").await;
    ana.sync(&client).await;
    let notices: Vec<String> = ana.with(|a| a.sync_notices().unwrap()).into_iter().map(|n| n.message).collect();
    assert!(notices.iter().any(|n| n.contains("New lead from Lakeside website: Maria Harris")), "{notices:?}");

    // Offline (no sync from here until "back online"): she converts the lead, records Maria's
    // consent to email, builds a quote and queues it to Maria with the PDF and a link.
    let lead_id: uuid::Uuid = ana.with(|a| {
        a.store()
            .conn()
            .query_row("SELECT id FROM leads LIMIT 1", [], |r| r.get::<_, String>(0))
            .unwrap()
            .parse()
            .unwrap()
    });
    let (customer, quote) = ana.with(|a| {
        let converted = a.convert_lead(lead_id, None).unwrap();
        let c = converted.customer;
        let draft = CustomerDraft {
            owner_id: c.owner_id,
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone().unwrap_or_default(),
            phone: c.phone.clone().unwrap_or_default(),
            consent: Consent { email: true, sms: false, phone: true },
            ..Default::default()
        };
        let c = a.update_customer(c.id, &draft).unwrap();
        let mut deal: showroom_core::desk::Deal = serde_json::from_value(serde_json::json!({
            "jurisdiction": "TX", "price": "31250", "terms": {"type": "loan", "apr": "6.9", "term_months": 60}
        }))
        .unwrap();
        deal.vehicle.description = "2025 Toyota RAV4 XLE".into();
        let rav4: showroom_core::domain::Vehicle =
            showroom_core::store::query(a.store().conn(), "WHERE stock_no = 'N2002'", []).unwrap().remove(0);
        let target = QuoteTarget {
            customer_id: Some(c.id),
            opportunity_id: Some(converted.opportunity.id),
            vehicle_id: Some(rav4.id),
            valid_days: None,
        };
        let q = a.create_quote(&target, &deal).unwrap().quote;
        a.queue_message(&MessageDraft {
            customer_id: Some(c.id),
            channel: Some(showroom_core::contact::MessageChannel::Email),
            subject: "Your RAV4 quote".into(),
            body: "Hi Maria,\n\nHere is the payment on the silver RAV4: {quote_link}\n\nAna".into(),
            quote_id: Some(q.id),
        })
        .unwrap();
        (c, q)
    });
    assert!(sink.mail().is_empty(), "nothing leaves while the laptop is offline");

    // Back online: one sync and the server's outbox sends it.
    ana.sync(&client).await;
    let mail = sink.wait_for_mail(1);
    assert_eq!(mail.len(), 1, "the quote email reached the SMTP sink");
    let m = &mail[0];
    assert_eq!(header(m, "To").as_deref(), Some("maria.harris@example.com"));
    assert!(header(m, "From").unwrap().contains("Lakeside Motors"), "{m}");
    assert_eq!(header(m, "Subject").as_deref(), Some("Your RAV4 quote"));
    assert_eq!(header(m, "List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));
    let unsubscribe = header(m, "List-Unsubscribe").unwrap();
    let unsubscribe = unsubscribe.trim_start_matches('<').trim_end_matches('>').to_string();
    assert!(unsubscribe.starts_with(&format!("{}/u/", server.url())), "{unsubscribe}");
    assert!(m.contains("application/pdf") && m.contains(&format!("Quote {} v1.pdf", quote.number)), "{m}");
    let body = unquote(m);
    assert!(body.contains("Here is the payment on the silver RAV4: "), "{body}");
    let prefix = format!("{}/p/", server.url());
    let at = body.find(&prefix).expect("a link in the body");
    let link: String = body[at..].chars().take_while(|c| !c.is_whitespace()).collect();
    assert_eq!(link.len(), prefix.len() + 43, "{link}");

    // The laptop learns it left.
    let deadline = Instant::now() + Duration::from_secs(10);
    let sent = loop {
        ana.sync(&client).await;
        let m = ana.with(|a| a.outgoing_messages(customer.id).unwrap()).remove(0);
        if m.status != MessageStatus::Queued || Instant::now() > deadline {
            break m;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(sent.status, MessageStatus::Sent, "{sent:?}");
    assert!(sent.status_detail.starts_with("accepted by the mail server: 250"), "{sent:?}");

    // Maria opens the link on her phone (headless Chromium, 360 px wide) and accepts.
    let (driver, _chromedriver) = phone().await;
    driver.goto(&link).await.unwrap();
    let h1 = driver.find(By::Tag("h1")).await.unwrap().text().await.unwrap();
    assert_eq!(h1, "Maria, here is your finance purchase quote");
    let headline = driver.find(By::Css("[data-headline]")).await.unwrap().text().await.unwrap();
    assert!(headline.contains("a month for 60 months"), "{headline}");
    let widths: Vec<i64> = serde_json::from_value(
        driver
            .execute("return [document.documentElement.scrollWidth, window.innerWidth];", vec![])
            .await
            .unwrap()
            .json()
            .clone(),
    )
    .unwrap();
    assert!(widths[0] <= widths[1] && widths[1] <= 360, "the page fits a phone: {widths:?}");
    let tap = driver.find(By::Id("accept")).await.unwrap();
    let height: f64 = serde_json::from_value(
        driver
            .execute("return arguments[0].getBoundingClientRect().height;", vec![tap.to_json().unwrap()])
            .await
            .unwrap()
            .json()
            .clone(),
    )
    .unwrap();
    assert!(height >= 44.0, "a thumb-sized button: {height}px");
    shot(&driver, "portal-01-quote").await;
    // She books a test drive first: the first free slot is 9 AM her time (it is 3 AM).
    driver.find(By::XPath("//summary[normalize-space(.)='Book a test drive']")).await.unwrap().click().await.unwrap();
    let slots = driver.find_all(By::Css("#slot option")).await.unwrap();
    let first = slots[0].text().await.unwrap();
    assert!(first.ends_with("· 9:00 AM"), "{first}");
    let pick = slots[2].clone();
    let picked = pick.text().await.unwrap();
    pick.click().await.unwrap();
    shot(&driver, "portal-03-test-drive").await;
    driver.find(By::Id("book-drive")).await.unwrap().click().await.unwrap();
    let booked = driver.query(By::Css("[data-drive]")).first().await.unwrap().text().await.unwrap();
    // The list says "Wed, Nov 18 · 10:00 AM"; the booking reads in full.
    assert!(picked.starts_with("Wed, Nov 18 · "), "{picked}");
    let time = picked.rsplit(" · ").next().unwrap().to_string();
    let when = format!("Wednesday, November 18 at {time}");
    assert_eq!(booked, format!("Your test drive: {when}. Your salesperson will have the car ready."));
    let tap = driver.find(By::Id("accept")).await.unwrap();
    tap.click().await.unwrap();
    let done = driver.query(By::Css("[data-standing=accepted]")).first().await.unwrap().text().await.unwrap();
    assert!(done.starts_with("Thank you! You accepted this quote on November 18, 2026."), "{done}");
    assert!(driver.find_all(By::Id("accept")).await.unwrap().is_empty());
    shot(&driver, "portal-02-accepted").await;
    // Reloading the page after accepting posts nothing again.
    driver.refresh().await.unwrap();
    assert!(driver.source().await.unwrap().contains("data-standing=\"accepted\""));
    // The customer's phone number reads as dialled at home, not in E.164.
    assert!(driver.source().await.unwrap().contains("(512) 555-0142"));
    driver.quit().await.unwrap();

    // Ana's laptop shows the test drive, the acceptance and the sales order.
    let report = ana.sync(&client).await;
    assert_eq!(report.completed.len(), 2, "{report:?}");
    assert!(report.completed[0].contains(&format!("booked a test drive for {when}")), "{report:?}");
    let drives: i64 = ana.with(|a| {
        a.store()
            .conn()
            .query_row(
                "SELECT count(*) FROM test_drives WHERE customer_id = ?1 AND status = 'scheduled'",
                [customer.id.to_string()],
                |r| r.get(0),
            )
            .unwrap()
    });
    assert_eq!(drives, 1, "the drive is on Ana's calendar");
    let notices: Vec<String> = ana.with(|a| a.sync_notices().unwrap()).into_iter().map(|n| n.message).collect();
    assert!(notices.contains(&format!("Maria Harris accepted quote {} v1", quote.number)), "{notices:?}");
    let detail = ana.with(|a| a.quote_detail(quote.id).unwrap());
    assert_eq!(detail.status, QuoteStatus::Accepted);
    let order = detail.order.expect("the sales order");
    let c = ana.with(|a| a.customer_detail(customer.id).unwrap());
    assert!(c.orders.iter().any(|o| o.id == order.id));
    assert!(c.interactions.iter().any(|i| i.summary.contains(&order.number)), "{:?}", c.interactions);

    // Later her mailbox's forward fails and a delivery report comes back to the email's own
    // envelope sender (VERP), through the server's SMTP listener: the message reads "bounced" on
    // Ana's laptop, with the reason, and she is told.
    let token = unsubscribe.rsplit('/').next().unwrap().to_string();
    let bounce = format!("bounce+{token}@lakeside.example");
    assert_eq!(header(m, "X-MailFrom").as_deref(), Some(bounce.as_str()), "the envelope sender");
    {
        use lettre::{Message, SmtpTransport, Transport};
        assert!(wait_for_port(smtp_port, Duration::from_secs(10)));
        let report = Message::builder()
            .from("mailer-daemon@mx.example.com".parse().unwrap())
            .to(bounce.parse().unwrap())
            .subject("Undelivered Mail Returned to Sender")
            .body(
                "Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; maria.forward@example.net\r\n\
                 Action: failed\r\nStatus: 5.1.1\r\n\
                 Diagnostic-Code: smtp; 550 5.1.1 <maria.forward@example.net>: Recipient address rejected\r\n"
                    .to_string(),
            )
            .unwrap();
        let mailer = SmtpTransport::builder_dangerous("127.0.0.1").port(smtp_port).build();
        let answer = mailer.send(&report).unwrap();
        assert!(answer.message().any(|l| l.contains("delivery report recorded")), "{answer:?}");
        // A report to a made-up bounce address is refused.
        let forged = Message::builder()
            .from("mailer-daemon@mx.example.com".parse().unwrap())
            .to(format!("bounce+{}@lakeside.example", showroom_core::portal::new_token()).parse().unwrap())
            .subject("Undelivered")
            .body("Status: 5.1.1".to_string())
            .unwrap();
        assert!(mailer.send(&forged).is_err(), "unknown bounce address");
    }
    ana.sync(&client).await;
    let bounced = ana.with(|a| a.outgoing_messages(customer.id).unwrap()).remove(0);
    assert_eq!(bounced.status, MessageStatus::Bounced, "{bounced:?}");
    assert_eq!(bounced.status_detail, "550 5.1.1 <maria.forward@example.net>: Recipient address rejected");
    let notices: Vec<String> = ana.with(|a| a.sync_notices().unwrap()).into_iter().map(|n| n.message).collect();
    assert!(
        notices
            .iter()
            .any(|n| n.starts_with("Your email to Maria Harris (maria.harris@example.com) bounced: 550 5.1.1")),
        "{notices:?}"
    );

    // One click in Maria's mail app unsubscribes her (RFC 8058), on every laptop.
    let res = http
        .post(&unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    mia.sync(&client).await;
    let seen_by_mia = mia.with(|a| a.customer_detail(customer.id).unwrap()).customer.consent;
    assert!(!seen_by_mia.email && seen_by_mia.phone, "{seen_by_mia:?}");
    ana.sync(&client).await;
    let e = ana
        .with(|a| {
            a.queue_message(&MessageDraft {
                customer_id: Some(customer.id),
                channel: Some(showroom_core::contact::MessageChannel::Email),
                subject: "One more thing".into(),
                body: "Hi".into(),
                quote_id: None,
            })
        })
        .unwrap_err();
    assert_eq!(e.fields()[0].field, "channel");
}
