//! Black-box tests of the real `showroom` binary in a real window (Xvfb + WebKitWebDriver +
//! tauri-driver), driven over WebDriver like a person would: click, type, read the screen.
//! Set SHOWROOM_SCREENSHOTS=DIR to keep screenshots of each step.
#![allow(clippy::unwrap_used)] // tests: a failed unwrap is a failed test

use showroom_e2e::{Display, Guard, binary, display, screenshot, showroom, tauri_driver, tauri_driver_asking};
use std::path::{Path, PathBuf};
use std::time::Duration;
use thirtyfour::prelude::*;

/// One window at a time: two WebKit processes at once are slow on a 2-core machine.
static ONE_WINDOW: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

async fn open_app(display: &Display, port: u16, data_dir: &Path) -> WebDriverResult<WebDriver> {
    let _ = display;
    let mut caps = Capabilities::new();
    caps.set("browserName", "wry")?;
    caps.set(
        "tauri:options",
        serde_json::json!({
            "application": binary("showroom"),
            "args": ["--data-dir", data_dir],
        }),
    )?;
    let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps).await?;
    driver.set_implicit_wait_timeout(Duration::from_millis(0)).await?;
    Ok(driver)
}

/// Selects a field's text and types over it: WebDriver's clear() bypasses React's change events,
/// so the old value can come back under the new one.
async fn retype(field: &WebElement, text: impl AsRef<str>) {
    field.send_keys(Key::Control + "a").await.unwrap();
    field.send_keys(Key::Backspace).await.unwrap();
    field.send_keys(text.as_ref()).await.unwrap();
}

fn shot(display: &Display, name: &str) {
    if let Some(dir) = std::env::var_os("SHOWROOM_SCREENSHOTS") {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        // Let the last keystroke's render land before taking the picture.
        std::thread::sleep(Duration::from_millis(400));
        assert!(screenshot(display, &dir.join(format!("{name}.png"))), "screenshot {name} failed");
    }
}

/// The window under test. Every lookup waits; a lookup that fails saves a picture of the screen
/// to the temp folder and names it in the panic message.
struct Ui {
    driver: WebDriver,
    display: Display,
    _tauri_driver: Guard,
}

/// Opens the real app on `data_dir` in its own X display, driven through its own tauri-driver.
async fn launch(data_dir: &Path) -> Ui {
    let display = display();
    // A driver that fails to answer a session request (it happens on a busy machine) is replaced by
    // a fresh one, twice at most.
    for attempt in 0.. {
        let (guard, port) = tauri_driver(&display);
        match open_app(&display, port, data_dir).await {
            Ok(driver) => return Ui { driver, display, _tauri_driver: guard },
            Err(e) if attempt < 2 => eprintln!("tauri-driver did not open a session ({e}); starting another"),
            Err(e) => panic!("cannot open the app: {e}"),
        }
    }
    unreachable!()
}

/// Opens the real app with no passphrase in its environment and no keyring: it asks in the window.
async fn launch_asking(data_dir: &Path) -> Ui {
    let display = display();
    let (guard, port) = tauri_driver_asking(&display);
    let driver = open_app(&display, port, data_dir).await.unwrap();
    Ui { driver, display, _tauri_driver: guard }
}

/// A data folder holding the demo dealership, loaded through the CLI.
fn demo_data() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let (code, _, err) = showroom(data.path(), &["demo"]);
    assert_eq!(code, 0, "{err}");
    data
}

impl Ui {
    fn fail(&self, what: String) -> ! {
        let path = std::env::temp_dir().join(format!("showroom-e2e-failure-{}.png", std::process::id()));
        screenshot(&self.display, &path);
        panic!("{what}\nscreen at failure: {}", path.display());
    }

    async fn find(&self, by: By, what: &str, secs: u64) -> WebElement {
        match self.driver.query(by).wait(Duration::from_secs(secs), Duration::from_millis(100)).first().await {
            Ok(e) => e,
            Err(e) => self.fail(format!("{what}: {e}")),
        }
    }

    async fn button(&self, text: &str) -> WebElement {
        self.find(
            By::XPath(format!("//button[contains(normalize-space(.), '{text}')]")),
            &format!("no button {text:?}"),
            30,
        )
        .await
    }

    async fn input(&self, name: &str) -> WebElement {
        self.find(By::Css(format!("[name='{name}']")), &format!("no input {name:?}"), 10).await
    }

    /// Opens a page from the sidebar (the app opens on Today).
    async fn go(&self, page: &str) {
        let nav = self
            .find(By::Css(format!("nav.sidebar button[title^='{page} (']")), &format!("no {page} in the sidebar"), 30)
            .await;
        self.click(&nav, page).await;
    }

    async fn click(&self, e: &WebElement, what: &str) {
        let _ = e.scroll_into_view().await;
        if let Err(err) = e.click().await {
            self.fail(format!("cannot click {what}: {err}"));
        }
    }

    /// A click dispatched by the page itself, for controls WebKitWebDriver reports as "not
    /// interactable" although they are on screen (the panel's tab strip, which scrolls sideways).
    async fn activate(&self, e: &WebElement, what: &str) {
        let arg = e.to_json().unwrap();
        if let Err(err) = self.driver.execute("arguments[0].click();", vec![arg]).await {
            self.fail(format!("cannot activate {what}: {err}"));
        }
    }

    /// Waits until the list at `css` shows the answer to `text` (its `data-query`): search runs on
    /// every keystroke, so while typing the rows of an earlier keystroke's answer are on screen.
    async fn settled(&self, css: &str, text: &str) {
        for _ in 0..150 {
            if let Ok(e) = self.driver.find(By::Css(css)).await
                && e.attr("data-query").await.ok().flatten().as_deref() == Some(text.trim())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.fail(format!("{css} never showed the answer to {text:?}"));
    }

    /// Finds the customer `name` (id `id`) on Customers and opens their Deals tab.
    async fn customer_deals(&self, name: &str, id: &str) {
        self.go("Customers").await;
        let search = self.find(By::Css("[aria-label='Search customers']"), "the customer search", 20).await;
        search.send_keys(name).await.unwrap();
        self.settled("table[aria-label='Customers']", name).await;
        let row = self.find(By::Css(format!("tr[data-id='{id}'] td")), "the customer row", 15).await;
        self.click(&row, "the customer").await;
        let tab = self
            .find(By::XPath("//button[@role='tab'][starts-with(normalize-space(.), 'Deals')]"), "the Deals tab", 10)
            .await;
        self.activate(&tab, "Deals").await;
    }

    /// Chooses who uses this laptop (`"Ana Morales · Sales rep"`) from the chip at the bottom left.
    async fn laptop_user(&self, who: &str) {
        self.click(&self.find(By::Css("[data-testid='me']"), "who uses this laptop", 10).await, "who").await;
        let pick = self.find(By::Css("select[aria-label='Who uses this laptop']"), "the user picker", 10).await;
        thirtyfour::components::SelectElement::new(&pick).await.unwrap().select_by_visible_text(who).await.unwrap();
    }

    /// Runs the import's dry run: nothing stored, and `problem` named in the report.
    async fn dry_run_names(&self, problem: &str) {
        self.click(&self.button("Dry run").await, "Dry run").await;
        self.wait_text("[data-import-summary]", "Dry run: nothing stored").await;
        self.find(
            By::XPath(format!("//table[@aria-label='Records with problems']//td[contains(., '{problem}')]")),
            &format!("{problem:?} named in the import report"),
            15,
        )
        .await;
    }

    /// Imports the file of the open import dialog, waits for `toast`, and closes the dialog.
    async fn import_in_dialog(&self, toast: &str) {
        let import =
            self.find(By::XPath("//div[@role='dialog']//button[normalize-space(.)='Import']"), "Import", 10).await;
        self.click(&import, "Import").await;
        self.wait_text(".toast-body > span", toast).await;
        let done = self.find(By::XPath("//div[@role='dialog']//button[normalize-space(.)='Done']"), "Done", 10).await;
        self.click(&done, "Done").await;
    }

    /// Maps each column of the file being imported to a field (the option's text).
    async fn map_columns(&self, mapping: &[(&str, &str)]) {
        for (column, field) in mapping {
            let sel = self.find(By::Css(format!("[aria-label='Field for column {column}']")), column, 10).await;
            sel.send_keys(*field).await.unwrap();
        }
    }

    /// Picks an option of the select named `name` (by value; the first real option when `None`),
    /// scrolled into view first (a select below the fold cannot be clicked).
    async fn choose(&self, name: &str, value: Option<&str>) {
        let sel = self.input(name).await;
        let _ = sel.scroll_into_view().await;
        let pick = thirtyfour::components::SelectElement::new(&sel).await.unwrap();
        let done = match value {
            Some(v) => pick.select_by_value(v).await,
            None => pick.select_by_index(1).await,
        };
        if let Err(e) = done {
            self.fail(format!("cannot choose {value:?} in {name}: {e}"));
        }
    }

    /// Reports › Commissions for `rep` (this month): the text of the first `kind` line holding `want`.
    async fn statement_line_of(&self, rep: &str, kind: &str, want: &str) -> String {
        self.go("Reports").await;
        let tab =
            self.find(By::XPath("//button[@role='tab'][normalize-space(.)='Commissions']"), "Commissions", 10).await;
        self.activate(&tab, "Commissions").await;
        self.choose("statement_rep", Some(rep)).await;
        // (Table cells' text is matched with XPath: WebKitWebDriver's element text of a table is
        // not reliable.)
        let cell = self
            .find(
                By::XPath(format!("//tr[@data-line='{kind}']/td[contains(., '{want}')]")),
                &format!("a {kind} line with {want:?} on the statement"),
                20,
            )
            .await;
        cell.prop("textContent").await.unwrap().unwrap_or_default()
    }

    async fn statement_line(&self, rep: &str, want: &str) -> String {
        self.statement_line_of(rep, "deal", want).await
    }

    async fn wait_text(&self, css: &str, want: &str) -> WebElement {
        // A toast that leaves while its text is read goes stale: look again.
        let mut tries = 0;
        loop {
            let q = self
                .driver
                .query(By::Css(css))
                .with_text(thirtyfour::stringmatch::StringMatch::new(want.to_string()).partial())
                .wait(Duration::from_secs(15), Duration::from_millis(100))
                .first()
                .await;
            match q {
                Ok(e) => return e,
                Err(e) if tries < 3 && e.to_string().to_lowercase().contains("stale") => tries += 1,
                Err(e) => self.fail(format!("{css} never showed {want:?}: {e}")),
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_a_customer_in_the_window_and_find_it_again() {
    let _one = ONE_WINDOW.lock().await;
    let data = tempfile::tempdir().unwrap();
    let ui = launch(data.path()).await;
    let driver = &ui.driver;

    // First run on an empty database offers the demo or an empty start.
    ui.button("Load demo dealership").await;
    shot(&ui.display, "01-first-run");
    ui.click(&ui.button("Start empty").await, "Start empty").await;
    ui.go("Customers").await;

    ui.click(&ui.button("New customer").await, "New customer").await;
    ui.input("first_name").await.send_keys("Zoë").await.unwrap();
    ui.input("last_name").await.send_keys("Quintero-Hale").await.unwrap();
    ui.input("email").await.send_keys("zoe@").await.unwrap();
    ui.input("phone").await.send_keys("(512) 201-4477").await.unwrap();
    ui.click(&ui.button("Create customer").await, "Create customer").await;

    // The bad email is named next to its field, and nothing was saved.
    let err = ui.wait_text("[data-field-error='email']", "not a valid email").await;
    assert!(err.is_displayed().await.unwrap());
    shot(&ui.display, "02-validation");

    let email = ui.input("email").await;
    retype(&email, "zoe.quintero@example.com").await;
    ui.click(&ui.button("Create customer").await, "Create customer").await;
    ui.wait_text("[data-testid='customer-name']", "Zoë Quintero-Hale").await;
    shot(&ui.display, "03-created");

    // Close the panel, then find her again with Ctrl+K by a prefix of her last name.
    driver.find(By::Css("[aria-label='Close panel']")).await.unwrap().click().await.unwrap();
    driver.find(By::Tag("body")).await.unwrap().send_keys(Key::Control + "k").await.unwrap();
    let search = driver
        .query(By::Css(".cmdk-input"))
        .wait(Duration::from_secs(10), Duration::from_millis(100))
        .first()
        .await
        .unwrap();
    search.send_keys("quinte").await.unwrap();
    ui.settled(".cmdk-list", "quinte").await;
    ui.wait_text(".cmdk-item[data-kind='Customers']", "Zoë Quintero-Hale").await;
    shot(&ui.display, "04-command-menu");
    search.send_keys(Key::Enter).await.unwrap();
    ui.wait_text("[data-testid='customer-name']", "Zoë Quintero-Hale").await;

    // The list search finds her by the phone digits a rep would type.
    let list_search = driver.find(By::Css("[aria-label='Search customers']")).await.unwrap();
    list_search.send_keys("201-44").await.unwrap();
    ui.settled("table[aria-label='Customers']", "201-44").await;
    ui.find(By::XPath("//table//td[contains(., 'Quintero-Hale')]"), "the list row", 15).await;
    ui.driver.quit().await.unwrap();

    // The window wrote a real SQLite file in the data dir, with the outbox records beside the row.
    let conn = showroom_e2e::open_db(data.path());
    let (email, phone): (String, String) = conn
        .query_row("SELECT email, phone FROM customers WHERE last_name = 'Quintero-Hale'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((email.as_str(), phone.as_str()), ("zoe.quintero@example.com", "+15122014477"));
    let changes: i64 = conn
        .query_row("SELECT count(*) FROM outbox WHERE tbl = 'customers' AND field = 'email'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(changes, 1, "exactly one create recorded; the refused attempt left nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_dealership_opens_with_a_customer_360_and_edits_persist() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    let ui = launch(data.path()).await;
    let driver = &ui.driver;

    ui.go("Customers").await;
    ui.wait_text(".page-count", "5,000 total").await;
    let first = driver
        .query(By::Css("table.grid tbody tr.row"))
        .wait(Duration::from_secs(10), Duration::from_millis(100))
        .first()
        .await
        .unwrap();
    let cell = first.find(By::Css("td")).await.unwrap();
    let name = cell.text().await.unwrap();
    ui.click(&cell, "the first customer").await;
    ui.wait_text("[data-testid='customer-name']", &name).await;
    ui.wait_text("[role='tab']", "Timeline (").await;
    shot(&ui.display, "05-customer-360");

    // Edit in place: change the city and save with the keyboard.
    ui.click(&ui.button("Edit").await, "Edit").await;
    let city = ui.input("city").await;
    retype(&city, "Dripping Springs").await;
    city.send_keys(Key::Control + Key::Enter).await.unwrap();
    ui.wait_text(".panel-sub", "Dripping Springs").await;
    shot(&ui.display, "06-edited");
    ui.driver.quit().await.unwrap();

    let conn = showroom_e2e::open_db(data.path());
    let n: i64 =
        conn.query_row("SELECT count(*) FROM customers WHERE city = 'Dripping Springs'", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 1);
    // (The app's own housekeeping may also route a late lead or expire a quote meanwhile.)
    let fields: Vec<String> = conn
        .prepare("SELECT field FROM outbox WHERE tbl = 'customers' ORDER BY field")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(fields, ["city", "updated_at"], "one edit, one change per changed field");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deal_desk_prices_a_deal_as_you_type_and_saves_the_quote_pdf() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    let ui = launch(data.path()).await;
    let driver = &ui.driver;

    let nav = ui.button("Quotes").await;
    ui.click(&nav, "Quotes").await;
    // Pick a customer and a vehicle from the pickers.
    let customer = ui.input("customer").await;
    customer.click().await.unwrap();
    customer.send_keys("adams").await.unwrap();
    let first = ui.find(By::Css(".picker-list li"), "customer suggestions", 15).await;
    ui.click(&first, "a customer suggestion").await;
    let vehicle = ui.input("vehicle").await;
    vehicle.click().await.unwrap();
    vehicle.send_keys("n100").await.unwrap(); // a new vehicle: it has an MSRP, so a lease is priced beside the loan
    let first = ui.find(By::Css(".picker-list li"), "vehicle suggestions", 15).await;
    ui.click(&first, "a vehicle suggestion").await;

    // The payment appears, computed locally.
    let payment = ui.find(By::Css("[data-testid='payment']"), "the payment", 15).await;
    let before = payment.text().await.unwrap();
    assert!(before.starts_with('$'), "{before}");
    shot(&ui.display, "07-deal-desk");

    // A grid cell applies its term and down payment.
    let cells = driver.find_all(By::Css("table[aria-label='Finance payment grid'] .cell")).await.unwrap();
    assert_eq!(cells.len(), 9);
    let lease_cells = driver.find_all(By::Css("table[aria-label='Lease payment grid'] .cell")).await.unwrap();
    assert!(!lease_cells.is_empty(), "a lease grid beside the finance grid");
    let target = cells[0].text().await.unwrap();
    ui.click(&cells[0], "the first grid cell").await;
    ui.wait_text("[data-testid='payment']", &target).await;

    // A bad APR is named next to its field.
    let apr = ui.input("apr").await;
    retype(&apr, "75").await;
    ui.wait_text("[data-field-error='apr']", "not between").await;
    retype(&apr, "5.9").await;
    ui.find(By::Css("[data-testid='payment']"), "the payment again", 15).await;

    let save = ui.button("Save PDF").await;
    ui.click(&save, "Save PDF").await;
    let toast = ui.wait_text(".toast-body > span", "PDF saved: ").await;
    let text = toast.text().await.unwrap();
    let path = text.split("PDF saved: ").nth(1).unwrap().lines().next().unwrap().trim().to_string();

    // Accepting makes the sales order and holds the vehicle.
    ui.click(&ui.button("Accept…").await, "Accept…").await;
    let deposit = ui.input("deposit").await;
    retype(&deposit, "750").await;
    ui.click(&ui.button("Accept and create the sales order").await, "Accept").await;
    ui.wait_text(".toast-body > span", "sales order SO-").await;
    ui.driver.quit().await.unwrap();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert!(bytes.starts_with(b"%PDF-"));

    let conn = showroom_e2e::open_db(data.path());
    let frozen: i64 = conn.query_row("SELECT frozen FROM quote_versions", [], |r| r.get(0)).unwrap();
    assert_eq!(frozen, 1, "printing froze the version");
    let (deposit, status): (i64, String) = conn
        .query_row(
            "SELECT o.deposit_cents, v.status FROM sales_orders o JOIN vehicles v ON v.id = o.vehicle_id",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((deposit, status.as_str()), (75_000, "on_hold"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_quote_is_reopened_revised_printed_accepted_funded_and_delivered() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    // A customer of a rep with an open deal and no quote yet.
    let (name, deal, rep): (String, String, String) = showroom_e2e::open_db(data.path())
        .query_row(
            "SELECT c.first_name || ' ' || c.last_name, o.id, o.owner_id FROM opportunities o
             JOIN customers c ON c.id = o.customer_id JOIN users u ON u.id = o.owner_id
             WHERE o.status = 'open' AND u.role = 'rep'
               AND c.email IS NOT NULL AND json_extract(c.consent, '$.email') = 1
               AND NOT EXISTS (SELECT 1 FROM quotes q WHERE q.customer_id = c.id)
               AND (SELECT count(*) FROM customers x WHERE x.first_name || ' ' || x.last_name = c.first_name || ' ' || c.last_name) = 1
               AND (SELECT count(*) FROM opportunities y WHERE y.customer_id = c.id AND y.status = 'open') = 1
             ORDER BY o.rid LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let ui = launch(data.path()).await;
    ui.click(&ui.button("Quotes").await, "Quotes").await;
    let customer = ui.input("customer").await;
    customer.click().await.unwrap();
    customer.send_keys(&name).await.unwrap();
    let first = ui.find(By::Css(".picker-list li"), "customer suggestions", 15).await;
    ui.click(&first, "the customer").await;
    let vehicle = ui.input("vehicle").await;
    vehicle.click().await.unwrap();
    vehicle.send_keys("n100").await.unwrap();
    let first = ui.find(By::Css(".picker-list li"), "vehicle suggestions", 15).await;
    ui.click(&first, "a vehicle").await;
    ui.find(By::Css("[data-testid='payment']"), "the payment", 15).await;

    // Print: the quote PDF (version 1), which presents and freezes it.
    ui.click(&ui.button("Print").await, "Print").await;
    let toast = ui.wait_text(".toast-body > span", "to print").await;
    let opened = toast.text().await.unwrap();
    assert!(opened.contains(" v1.pdf"), "{opened}");
    let number = opened.split_whitespace().find(|w| w.starts_with("Q-")).unwrap().to_string();

    // The saved quote is in the list; reopened on the desk, a new price makes version 2.
    ui.click(&ui.button("Saved quotes").await, "Saved quotes").await;
    let search = ui.find(By::Css("input[aria-label='Search quotes']"), "the quote search", 10).await;
    search.send_keys(&number).await.unwrap();
    // The list answers the search first (a click on the unfiltered list can land as it redraws).
    ui.find(By::XPath("//span[@class='page-count'][normalize-space(.)='1 quote']"), "the search's answer", 15).await;
    let row = ui.find(By::Css(format!("tr[data-quote='{number}'] td.strong")), "the saved quote", 15).await;
    ui.click(&row, "the saved quote").await;
    shot(&ui.display, "40-quotes-list");
    // Send…: the quote template (the customer agreed to email), this quote attached.
    ui.click(&ui.button("Send…").await, "Send…").await;
    let chosen = ui.find(By::Css("[role='option'][aria-selected='true']"), "the chosen template", 10).await;
    let chosen = chosen.prop("textContent").await.unwrap().unwrap_or_default();
    let attached = ui.find(By::Css("select[name='message_quote'] option:checked"), "the attached quote", 10).await;
    let attached = attached.text().await.unwrap();
    assert!(chosen.contains("Your quote"), "{chosen}");
    assert!(attached.starts_with(&number), "{attached}");
    let body = ui.input("message_body").await.value().await.unwrap().unwrap_or_default();
    assert!(body.contains("{quote_link}"), "the server puts the link in: {body}");
    shot(&ui.display, "40b-send-quote");
    ui.click(&ui.button("Cancel").await, "Cancel").await;
    // A customer link opens on the dealership's server: this laptop has never signed in.
    ui.click(&ui.button("Make a link").await, "Make a link").await;
    ui.wait_text("[data-field-error='share']", "sign in to the sync server first").await;
    ui.click(&ui.button("Reopen on the desk").await, "Reopen").await;
    // The new price: $2,000 over the vehicle's cost, so the front-end gross is known.
    let v1: String = showroom_e2e::open_db(data.path())
        .query_row(
            "SELECT v.deal FROM quote_versions v JOIN quotes q ON q.id = v.quote_id WHERE q.number = ?1",
            [&number],
            |r| r.get(0),
        )
        .unwrap();
    let v1: serde_json::Value = serde_json::from_str(&v1).unwrap();
    let cost = v1["vehicle"]["invoice"].as_str().unwrap().split('.').next().unwrap().parse::<i64>().unwrap();
    let new_price = cost + 2_000;
    let grouped = format!("{},{:03}", new_price / 1000, new_price % 1000);
    let price = ui.input("price").await;
    // Select and type over (WebDriver's clear() bypasses React's change events).
    price.send_keys(Key::Control + "a").await.unwrap();
    price.send_keys(Key::Backspace).await.unwrap();
    price.send_keys(new_price.to_string()).await.unwrap();
    // Thousands separators go in as the amount is typed.
    assert_eq!(price.value().await.unwrap().as_deref(), Some(grouped.as_str()));
    ui.find(By::Css("[data-testid='payment']"), "the new payment", 15).await;
    ui.click(&ui.button("Print").await, "Print").await;
    ui.wait_text(".toast-body > span", " v2.pdf to print").await;

    // Accepted: the sales order, the vehicle on hold.
    ui.click(&ui.button("Accept…").await, "Accept…").await;
    ui.click(&ui.button("Accept and create the sales order").await, "Accept").await;
    ui.wait_text(".toast-body > span", "sales order SO-").await;

    // The order's life in the quote's panel: an F&I product, funded, delivered.
    ui.click(&ui.button("Saved quotes").await, "Saved quotes").await;
    let search = ui.find(By::Css("input[aria-label='Search quotes']"), "the quote search", 10).await;
    search.send_keys(&number).await.unwrap();
    // The list answers the search first (a click on the unfiltered list can land as it redraws).
    ui.find(By::XPath("//span[@class='page-count'][normalize-space(.)='1 quote']"), "the search's answer", 15).await;
    let row = ui.find(By::Css(format!("tr[data-quote='{number}'] td.strong")), "the accepted quote", 15).await;
    ui.click(&row, "the accepted quote").await;
    ui.find(By::Css("section[aria-label='Sales order'] table[aria-label='F&I products']"), "the order's products", 15)
        .await;
    ui.click(&ui.button("Add product").await, "Add product").await;
    let product_price = ui.find(By::Css("[aria-label='Price of product 1']"), "the product's price", 10).await;
    product_price.send_keys("1995").await.unwrap();
    let cost = ui.find(By::Css("[aria-label='Cost of product 1']"), "the product's cost", 10).await;
    cost.send_keys("900").await.unwrap();
    ui.click(&ui.button("Save products").await, "Save products").await;
    ui.wait_text(".gross", "$1,095").await;
    ui.click(&ui.button("Mark funded").await, "Mark funded").await;
    ui.wait_text(".toast-body > span", "funded").await;
    ui.click(&ui.button("Deliver").await, "Deliver").await;
    ui.wait_text(".toast-body > span", "the vehicle is sold and the deal won").await;
    shot(&ui.display, "41-order-delivered");

    // The rep's commission statement on Reports pays on that gross.
    let line = ui.statement_line(&rep, "gross $3,095").await;
    assert!(!line.contains("split"), "{line}");
    shot(&ui.display, "42-statement-with-gross");

    // A manager splits the sale with a colleague on the customer's Deals tab: both statements
    // carry half.
    let (customer_id, colleague): (String, String) = showroom_e2e::open_db(data.path())
        .query_row(
            "SELECT o.customer_id, (SELECT u.id FROM users u WHERE u.role = 'rep' AND u.id != o.owner_id ORDER BY u.name LIMIT 1)
             FROM opportunities o WHERE o.id = ?1",
            [&deal],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    ui.customer_deals(&name, &customer_id).await;
    ui.wait_text(&format!("[data-deal-credit='{deal}']"), "Gross $3,095").await;
    let split =
        ui.find(By::Css(format!("[data-deal-credit='{deal}'] select[name='co_owner']")), "Split with", 10).await;
    thirtyfour::components::SelectElement::new(&split).await.unwrap().select_by_value(&colleague).await.unwrap();
    ui.wait_text(".toast-body > span", "Split with").await;
    ui.wait_text(&format!("[data-deal-credit='{deal}']"), "split ").await;
    shot(&ui.display, "43-deal-split");
    for who in [&rep, &colleague] {
        let line = ui.statement_line(who, "gross $3,095").await;
        assert!(line.contains("(split 50/50)"), "{line}");
    }
    ui.driver.quit().await.unwrap();

    // The records: two versions, both PDFs, the vehicle sold, the deal won with its gross.
    let conn = showroom_e2e::open_db(data.path());
    let (quote_id, versions): (String, i64) = conn
        .query_row("SELECT id, version FROM quotes WHERE number = ?1", [&number], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(versions, 2);
    let docs = showroom_core::paths::documents_dir(data.path());
    for v in [1, 2] {
        let pdf = docs.join(format!("{number} v{v}.pdf"));
        assert!(std::fs::read(&pdf).unwrap_or_default().starts_with(b"%PDF-"), "{}", pdf.display());
    }
    let text =
        std::process::Command::new("pdftotext").arg(docs.join(format!("{number} v2.pdf"))).arg("-").output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains(&grouped), "the printed v2 carries the new price");
    let (order_status, vehicle_status): (String, String) = conn
        .query_row(
            "SELECT o.status, v.status FROM sales_orders o JOIN vehicles v ON v.id = o.vehicle_id WHERE o.quote_id = ?1",
            [&quote_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((order_status.as_str(), vehicle_status.as_str()), ("delivered", "sold"));
    let (status, gross): (String, Option<i64>) = conn
        .query_row("SELECT status, gross_cents FROM opportunities WHERE id = ?1", [&deal], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    // Front-end $2,000 (price over cost) + back-end $1,095 (the product's price over its cost).
    assert_eq!((status.as_str(), gross), ("won", Some(3_095_00)));
    drop(conn);

    // The rep's commission statement pays on that gross.
    let app = showroom_core::Showroom::open(data.path(), &showroom_e2e::unlock()).unwrap();
    let closed: String = showroom_e2e::open_db(data.path())
        .query_row("SELECT substr(closed_at, 1, 7) FROM opportunities WHERE id = ?1", [&deal], |r| r.get(0))
        .unwrap();
    let st = app.commission_statement(rep.parse().unwrap(), &closed).unwrap();
    let line = st.lines.iter().find(|l| l.opportunity_id.map(|o| o.to_string()) == Some(deal.clone())).unwrap();
    assert!(line.text.contains("$3,095"), "{}", line.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inventory_filters_the_lot_and_sends_a_vehicle_to_the_desk() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    let ui = launch(data.path()).await;
    let driver = &ui.driver;

    let nav = ui.button("Inventory").await;
    ui.click(&nav, "Inventory").await;
    ui.wait_text(".page-count", "vehicles").await;
    let make = ui.find(By::Css("select[aria-label='Make']"), "the make filter", 10).await;
    thirtyfour::components::SelectElement::new(&make).await.unwrap().select_by_value("Toyota").await.unwrap();
    // Every row left is a Toyota.
    ui.find(By::XPath("//table//td[contains(., 'Toyota')]"), "a Toyota row", 15).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let rows = driver.find_all(By::Css("table.grid tbody tr.row")).await.unwrap();
    assert!(!rows.is_empty());
    for r in &rows {
        assert!(r.text().await.unwrap().contains("Toyota"));
    }
    shot(&ui.display, "08-inventory");
    let stock = rows[0].attr("data-stock").await.unwrap().unwrap();
    // Ctrl+K finds the vehicle by stock number and opens it in the inventory.
    driver.find(By::Tag("body")).await.unwrap().send_keys(Key::Control + "k").await.unwrap();
    let search = ui.find(By::Css(".cmdk-input"), "the command menu", 10).await;
    search.send_keys(&stock).await.unwrap();
    ui.settled(".cmdk-list", &stock).await;
    ui.find(By::XPath(format!("//li[@data-kind='Vehicles'][contains(., '{stock}')]")), "the vehicle in Ctrl+K", 15)
        .await;
    search.send_keys(Key::Enter).await.unwrap();
    ui.find(By::Css(format!("table.grid tbody tr[data-stock='{stock}']")), "the vehicle opened from Ctrl+K", 10).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(driver.find_all(By::Css("table.grid tbody tr.row")).await.unwrap().len(), 1);
    let rows = driver.find_all(By::Css("table.grid tbody tr.row")).await.unwrap();
    let quote = rows[0].find(By::Css("button")).await.unwrap();
    ui.click(&quote, "Quote on the first row").await;
    let vehicle = ui.input("vehicle").await;
    let picked = vehicle.value().await.unwrap().unwrap_or_default();
    assert!(picked.starts_with(&stock), "{picked} vs {stock}");
    ui.find(By::Css("[data-testid='payment']"), "the payment", 15).await;
    ui.driver.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_custom_tax_jurisdiction_added_in_settings_reaches_the_desk() {
    let _one = ONE_WINDOW.lock().await;
    let data = tempfile::tempdir().unwrap();
    let ui = launch(data.path()).await;
    ui.click(&ui.button("Start empty").await, "Start empty").await;
    ui.click(&ui.button("Settings").await, "Settings").await;
    let name = ui.input("lh_name").await;
    name.send_keys("Lakeside Motors of Austin").await.unwrap();
    ui.click(&ui.button("Save letterhead").await, "Save letterhead").await;
    ui.wait_text(".toast-body > span", "Letterhead saved").await;
    ui.wait_text(".brand-sub", "Lakeside Motors of Austin").await;
    // Country and time zone (working hours and the server's night routing follow the zone).
    let country = ui.input("place_country").await;
    retype(&country, "USA").await;
    let zone = ui.find(By::Id("place_timezone"), "the time zone select", 10).await;
    thirtyfour::components::SelectElement::new(&zone).await.unwrap().select_by_value("America/Denver").await.unwrap();
    ui.click(&ui.button("Save country and time zone").await, "Save country and time zone").await;
    ui.wait_text("[data-field-error='place_country']", "two-letter country code").await;
    retype(&country, "us").await;
    ui.click(&ui.button("Save country and time zone").await, "Save country and time zone").await;
    ui.wait_text(".toast-body > span", "Country and time zone saved").await;
    ui.driver
        .execute("document.getElementById('place_timezone').scrollIntoView({block: 'center'})", vec![])
        .await
        .unwrap();
    shot(&ui.display, "11-settings-place");
    let saved: (String, String) = showroom_e2e::open_db(data.path())
        .query_row("SELECT country, timezone FROM dealerships", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(saved, ("US".to_string(), "America/Denver".to_string()));
    // The dark theme applies at once (tokens are CSS variables).
    ui.click(&ui.button("Dark").await, "Dark").await;
    let theme = ui.driver.find(By::Css("html")).await.unwrap().attr("data-theme").await.unwrap();
    assert_eq!(theme.as_deref(), Some("dark"));
    shot(&ui.display, "10-settings-dark");
    // Back to the system theme: the webview keeps the choice for the next test's window.
    ui.click(&ui.button("System").await, "System").await;

    ui.input("code").await.send_keys("TX").await.unwrap();
    ui.input("name").await.send_keys("Austin").await.unwrap();
    ui.input("rate_name_0").await.send_keys("Texas").await.unwrap();
    ui.input("rate_0").await.send_keys("6.25").await.unwrap();
    ui.click(&ui.button("Save jurisdiction").await, "Save jurisdiction").await;
    // A shipped state's code is refused next to the field.
    ui.wait_text("[data-field-error='code']", "shipped state").await;
    let code = ui.input("code").await;
    code.send_keys("-AUS").await.unwrap();
    ui.input("rate_name_1").await.send_keys("City of Austin").await.unwrap();
    ui.input("rate_1").await.send_keys("2").await.unwrap();
    ui.click(&ui.button("Save jurisdiction").await, "Save jurisdiction").await;
    ui.wait_text(".toast-body > span", "Saved TX-AUS").await;
    ui.wait_text("table[aria-label='Tax jurisdictions'] td", "8.25%").await;
    shot(&ui.display, "09-settings-tax");

    ui.click(&ui.button("Quotes").await, "Quotes").await;
    ui.find(By::Css("select[name='jurisdiction'] option[value='TX-AUS']"), "the custom jurisdiction on the desk", 10)
        .await;
    let select = ui.find(By::Css("select[name='jurisdiction']"), "the jurisdiction select", 10).await;
    thirtyfour::components::SelectElement::new(&select).await.unwrap().select_by_value("TX-AUS").await.unwrap();
    ui.input("price").await.send_keys("10000").await.unwrap();
    ui.click(&ui.button("Cash").await, "Cash").await;
    // 8.25% on the price and the taxable doc fee: 6.25% of $10,150 = $634.38, 2% = $203.00.
    ui.find(By::XPath("//dd[contains(., '$837.38') and contains(., 'TX-AUS')]"), "8.25% Austin tax", 15).await;
    ui.driver.quit().await.unwrap();
}

/// A manager's device (the core's sync client, no window) syncing until `done` holds.
async fn manager_sees(
    client: &showroom_core::sync::client::Client,
    store: &mut showroom_core::store::Store,
    session: &showroom_core::sync::round::Session,
    what: &str,
    done: impl Fn(&showroom_core::store::Store) -> bool,
) {
    for _ in 0..60 {
        client.sync(&mut *store, session).await.unwrap();
        if done(store) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    panic!("the manager never saw {what}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_sync_a_new_customer_and_keep_mine_in_the_window() {
    use showroom_core::domain::Customer;
    use showroom_core::store::query;
    const PW: &str = "correct horse battery";
    let _one = ONE_WINDOW.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let mut server = showroom_e2e::SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.add_user("ana", "Ana Ruiz", "rep", None, PW);
    server.add_user("mia", "Mia Stone", "manager", None, PW);
    let data = dir.path().join("ana-laptop");
    let ui = launch(&data).await;

    ui.click(&ui.button("Start empty").await, "Start empty").await;
    ui.wait_text("[data-testid='sync-state']", "Not signed in").await;

    // Settings: a wrong password is named next to its field; the right one signs in and syncs.
    ui.click(&ui.button("Settings").await, "Settings").await;
    ui.input("server").await.send_keys(server.url()).await.unwrap();
    ui.input("user").await.send_keys("ana").await.unwrap();
    ui.input("password").await.send_keys("not the password").await.unwrap();
    ui.click(&ui.button("Sign in").await, "Sign in").await;
    ui.wait_text("[data-field-error='password']", "wrong user or password").await;
    let pw = ui.input("password").await;
    retype(&pw, PW).await;
    ui.click(&ui.button("Sign in").await, "Sign in").await;
    ui.wait_text("[data-testid='sync-state']", "Synced").await;
    ui.wait_text("[data-testid='settings-sync-state']", "Synced").await;
    // The header names the rooftop signed in to, not "My dealership".
    ui.wait_text(".brand-sub", "Lakeside Motors").await;
    shot(&ui.display, "20-sync-settings");

    // A customer created in the window reaches the manager by itself.
    ui.click(&ui.button("Customers").await, "Customers").await;
    ui.click(&ui.button("New customer").await, "New customer").await;
    ui.input("first_name").await.send_keys("Dana").await.unwrap();
    ui.input("last_name").await.send_keys("Whitfield").await.unwrap();
    ui.click(&ui.button("Create customer").await, "Create customer").await;
    ui.wait_text("[data-testid='customer-name']", "Dana Whitfield").await;
    let client = showroom_core::sync::client::Client::new(&server.url()).unwrap();
    let mut m = showroom_core::store::Store::open(&dir.path().join("mia.sqlite3")).unwrap();
    let ms = client.sign_in("mia", PW, m.device_id()).await.unwrap();
    m.set_user(Some(ms.user_id)).unwrap();
    let dana = |s: &showroom_core::store::Store| {
        query::<Customer>(s.conn(), "WHERE last_name = 'Whitfield'", []).unwrap().pop()
    };
    manager_sees(&client, &mut m, &ms, "the new customer", |s| dana(s).is_some()).await;

    // Ana edits the notes; later the manager edits them too, so Ana's value loses.
    ui.click(&ui.button("Edit").await, "Edit").await;
    let notes = ui.input("notes").await;
    notes.send_keys("Ana: prefers blue").await.unwrap();
    notes.send_keys(Key::Control + Key::Enter).await.unwrap();
    manager_sees(&client, &mut m, &ms, "Ana's note", |s| dana(s).is_some_and(|c| c.notes == "Ana: prefers blue")).await;
    let old = dana(&m).unwrap();
    m.write(|w| w.update(&old, &Customer { notes: "Mia: wants red".into(), ..old.clone() }).map(|_| ())).unwrap();
    client.sync(&mut m, &ms).await.unwrap();

    // The conflicts view shows both values and who won; "Keep mine" makes Ana's win again.
    ui.click(&ui.find(By::Css("[title^='Sync & conflicts']"), "the Sync nav item", 10).await, "Sync").await;
    ui.click(&ui.button("Sync now").await, "Sync now").await;
    let row = ui.wait_text("table.conflicts tbody tr", "Mia: wants red").await;
    ui.wait_text("[data-testid='sync-state']", "1 to review").await;
    shot(&ui.display, "21-conflicts");
    let text = row.prop("textContent").await.unwrap().unwrap_or_default();
    if !(text.contains("Ana: prefers blue") && text.contains("Mia Stone") && text.contains("Notes")) {
        ui.fail(format!("the conflict row reads {text:?}"));
    }
    ui.click(&ui.button("Keep mine").await, "Keep mine").await;
    ui.find(By::Css("[data-testid='no-conflicts']"), "the empty conflicts list", 15).await;
    manager_sees(&client, &mut m, &ms, "Ana's kept note", |s| dana(s).is_some_and(|c| c.notes == "Ana: prefers blue"))
        .await;

    // The network goes away: edits keep landing locally, the status bar says offline with the
    // count waiting, and once the server is back "Retry now" sends them.
    server.kill9();
    ui.click(&ui.button("Customers").await, "Customers").await;
    ui.click(&ui.find(By::XPath("//table//td[contains(., 'Whitfield')]"), "Dana's row", 10).await, "Dana").await;
    ui.click(&ui.button("Edit").await, "Edit").await;
    let city = ui.input("city").await;
    city.send_keys("Round Rock").await.unwrap();
    city.send_keys(Key::Control + Key::Enter).await.unwrap();
    ui.wait_text("[data-testid='sync-state']", "Offline since").await;
    ui.wait_text("[data-testid='sync-state']", "waiting").await;
    shot(&ui.display, "22-offline");
    server.restart();
    ui.click(&ui.button("Retry now").await, "Retry now").await;
    manager_sees(&client, &mut m, &ms, "the edit made offline", |s| dana(s).is_some_and(|c| c.city == "Round Rock"))
        .await;
    ui.wait_text("[data-testid='sync-state']", "Synced").await;

    // A change from the manager shows up in the open customer panel by itself after a sync
    // (started here from Ctrl+K instead of waiting for the 30-second round).
    let old = dana(&m).unwrap();
    m.write(|w| w.update(&old, &Customer { city: "Georgetown".into(), ..old.clone() }).map(|_| ())).unwrap();
    client.sync(&mut m, &ms).await.unwrap();
    ui.driver.find(By::Tag("body")).await.unwrap().send_keys(Key::Control + "k").await.unwrap();
    let search = ui.find(By::Css(".cmdk-input"), "the command menu", 10).await;
    search.send_keys("sync now").await.unwrap();
    search.send_keys(Key::Enter).await.unwrap();
    ui.wait_text(".panel-sub", "Georgetown").await;
    ui.find(By::XPath("//table//td[contains(., 'Georgetown')]"), "the refreshed list row", 15).await;
    ui.driver.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drag_a_deal_to_another_stage_and_see_it_saved_and_logged() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    let ui = launch(data.path()).await;
    let driver = &ui.driver;
    ui.click(&ui.button("Pipeline").await, "Pipeline").await;
    let first = ui.find(By::Css("[data-stage='New'] .deal-card"), "a deal in New", 20).await;
    let deal = first.attr("data-deal").await.unwrap().unwrap();
    let customer = first.find(By::Css(".deal-customer")).await.unwrap().text().await.unwrap();
    shot(&ui.display, "30-pipeline-board");

    // Drag it onto Needs analysis with the mouse.
    let target =
        ui.find(By::Css("[data-stage='Needs analysis'] .board-column-head"), "the Needs analysis column", 10).await;
    first.scroll_into_view().await.unwrap();
    driver
        .action_chain()
        .click_and_hold_element(&first)
        .move_by_offset(12, 12)
        .move_to_element_center(&target)
        .move_by_offset(0, 40)
        .release()
        .perform()
        .await
        .unwrap();
    ui.find(By::Css(format!("[data-stage='Needs analysis'] [data-deal='{deal}']")), "the card in Needs analysis", 15)
        .await;
    shot(&ui.display, "31-pipeline-dragged");

    // The keyboard moves it one stage on.
    let card = ui.find(By::Css(format!("[data-deal='{deal}']")), "the card", 10).await;
    card.focus().await.unwrap();
    card.send_keys(Key::Shift + Key::Right).await.unwrap();
    ui.find(
        By::Css(format!("[data-stage='Vehicle selected'] [data-deal='{deal}']")),
        "the card in Vehicle selected",
        15,
    )
    .await;
    ui.driver.quit().await.unwrap();

    // Saved in the database and logged on the customer's timeline, both moves.
    let conn = showroom_e2e::open_db(data.path());
    let stage: String = conn
        .query_row(
            "SELECT s.name FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id WHERE o.id = ?1",
            [&deal],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stage, "Vehicle selected");
    let lines: Vec<String> = conn
        .prepare(
            "SELECT summary FROM interactions WHERE customer_id = (SELECT customer_id FROM opportunities WHERE id = ?1)
             AND summary LIKE '%moved from%' ORDER BY rid",
        )
        .unwrap()
        .query_map([&deal], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(lines.iter().any(|l| l.contains("moved from New to Needs analysis")), "{customer}: {lines:?}");
    assert!(lines.iter().any(|l| l.contains("moved from Needs analysis to Vehicle selected")), "{lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completing_a_test_drive_on_today_moves_the_deal_by_itself() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    // Fixture: one open deal in New with a test drive due within the hour.
    let (activity, deal): (String, String) = {
        let conn = showroom_e2e::open_db(data.path());
        let (a, o): (String, String) = conn
            .query_row(
                "SELECT a.id, a.opportunity_id FROM activities a JOIN opportunities o ON o.id = a.opportunity_id
                 WHERE a.done_at IS NULL AND o.status = 'open' ORDER BY a.rid LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let soon = showroom_core::domain::Timestamp::now().0 + chrono::Duration::minutes(30);
        conn.execute(
            "UPDATE activities SET kind = 'test_drive', subject = 'Test drive the demo car', due_at = ?2 WHERE id = ?1",
            rusqlite::params![a, soon.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()],
        )
        .unwrap();
        conn.execute(
            "UPDATE opportunities SET stage_id = (SELECT id FROM pipeline_stages WHERE name = 'New') WHERE id = ?1",
            [&o],
        )
        .unwrap();
        (a, o)
    };
    let ui = launch(data.path()).await;
    ui.click(&ui.button("Today").await, "Today").await;
    let item = ui.find(By::Css(format!("[data-activity='{activity}']")), "the test drive on Today", 20).await;
    shot(&ui.display, "32-today");
    ui.click(&item.find(By::XPath(".//button[contains(., 'Done')]")).await.unwrap(), "Done").await;
    // An empty outcome is named next to its field.
    ui.click(&ui.button("Complete").await, "Complete").await;
    ui.wait_text("[data-field-error='outcome']", "say how it went").await;
    ui.input("outcome").await.send_keys("Loved it; wants numbers on a lease").await.unwrap();
    ui.find(By::Css("[name='schedule_next']"), "schedule next", 5).await.click().await.unwrap();
    ui.input("next_subject").await.send_keys("Send lease numbers").await.unwrap();
    shot(&ui.display, "33-today-complete");
    ui.click(&ui.button("Complete").await, "Complete").await;
    ui.wait_text(".toast, [role='status']", "Send lease numbers").await;
    ui.driver.quit().await.unwrap();

    let conn = showroom_e2e::open_db(data.path());
    let stage: String = conn
        .query_row(
            "SELECT s.name FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id WHERE o.id = ?1",
            [&deal],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stage, "Test drive");
    let logged: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM interactions WHERE summary LIKE '%moved from New to Test drive automatically (test drive completed)%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(logged, 1);
    let next: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM activities WHERE subject = 'Send lease numbers' AND done_at IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(next, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_customer_360_logs_contacts_and_offers_only_consented_templates() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    let (id, first, last): (String, String, String) = showroom_e2e::open_db(data.path())
        .query_row(
            "SELECT id, first_name, last_name FROM customers WHERE email IS NOT NULL AND json_extract(consent, '$.email') = 1
             AND json_extract(consent, '$.sms') = 0 ORDER BY rid LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let ui = launch(data.path()).await;
    ui.go("Customers").await;
    let search = ui.find(By::Css("[aria-label='Search customers']"), "the customer search", 20).await;
    search.send_keys(format!("{first} {last}")).await.unwrap();
    ui.settled("table[aria-label='Customers']", &format!("{first} {last}")).await;
    // The demo has namesakes: open this customer's own row.
    let row = ui.find(By::Css(format!("tr[data-id='{id}'] td")), "the customer row", 15).await;
    ui.click(&row, "the customer").await;
    ui.wait_text("[data-testid='customer-name']", &last).await;

    // Templates: email ones only, since they never agreed to texts.
    ui.click(&ui.button("Message").await, "Message").await;
    let list = ui.find(By::Css("[role='listbox'][aria-label='Templates']"), "the template list", 10).await;
    let text = list.prop("textContent").await.unwrap().unwrap_or_default();
    assert!(text.contains("Quote follow-up") && !text.contains("Text"), "{text}");
    let body = ui.input("message_body").await.value().await.unwrap().unwrap_or_default();
    assert!(body.contains(&format!("Hi {first},")) && !body.contains('{'), "{body}");
    // The quote template needs a quote: sent without one, the core names the field.
    let quote_template =
        ui.find(By::XPath("//li[@role='option'][contains(., 'Your quote')]"), "the quote template", 10).await;
    ui.click(&quote_template, "Your quote").await;
    ui.click(&ui.button("Send email").await, "Send email").await;
    ui.wait_text("[data-field-error='quote_id']", "pick the quote").await;
    // The follow-up, its subject edited, is queued (no network needed) and shows on the timeline.
    let follow_up =
        ui.find(By::XPath("//li[@role='option'][contains(., 'Quote follow-up')]"), "the follow-up", 10).await;
    ui.click(&follow_up, "Quote follow-up").await;
    let subject = ui.input("message_subject").await;
    subject.send_keys(Key::Control + "a").await.unwrap();
    subject.send_keys(Key::Backspace).await.unwrap();
    subject.send_keys("Your numbers, as promised").await.unwrap();
    // This demo laptop never signed in to a server: the dialog says the message waits.
    ui.wait_text("[data-testid='not-syncing']", "waits here until it is").await;
    shot(&ui.display, "34-message-templates");
    ui.click(&ui.button("Send email").await, "Send email").await;
    ui.wait_text(".toast-body > span", "queued: it leaves from the dealership's server at the next sync").await;
    let line = ui.wait_text("[data-testid='timeline-message']", "Your numbers, as promised").await;
    let chip = line.prop("textContent").await.unwrap().unwrap_or_default();
    assert!(chip.contains("Waiting to sync"), "{chip}");
    shot(&ui.display, "34b-message-queued");
    let queued: (String, String) = showroom_e2e::open_db(data.path())
        .query_row(
            "SELECT status, to_address FROM outgoing_messages WHERE customer_id = ?1 AND subject = 'Your numbers, as promised'",
            [&id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(queued.0, "queued");
    assert!(queued.1.contains('@'), "{queued:?}");
    // Withdrawn before it leaves.
    ui.click(&ui.button("Withdraw").await, "Withdraw").await;
    ui.wait_text("[data-testid='timeline-message'] .chip", "Withdrawn").await;

    // Log a call on the timeline.
    ui.click(&ui.button("Log contact").await, "Log contact").await;
    ui.input("summary").await.send_keys("Called about the trade appraisal; coming Saturday").await.unwrap();
    ui.input("duration_min").await.send_keys("6").await.unwrap();
    ui.click(&ui.button("Log it").await, "Log it").await;
    ui.wait_text(".timeline-item", "coming Saturday").await;
    shot(&ui.display, "35-customer-360");
    ui.driver.quit().await.unwrap();
    let n: i64 = showroom_e2e::open_db(data.path())
        .query_row(
            "SELECT COUNT(*) FROM interactions WHERE summary LIKE '%coming Saturday' AND channel = 'call' AND duration_s = 360",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pipeline_stages_are_edited_in_settings_and_a_stage_with_deals_stays() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    let ui = launch(data.path()).await;
    ui.click(&ui.button("Settings").await, "Settings").await;
    let prob = ui.find(By::Css("[aria-label='Win probability of Proposal']"), "Proposal's probability", 15).await;
    prob.scroll_into_view().await.unwrap();
    // Select what is there and type over it (a clear() racing the stage list's load left "5055").
    prob.send_keys(Key::Control + "a").await.unwrap();
    prob.send_keys("55").await.unwrap();
    assert_eq!(prob.value().await.unwrap().as_deref(), Some("55"));
    let row = ui.find(By::Css("[data-stage-row='Proposal']"), "the Proposal row", 5).await;
    ui.click(&row.find(By::XPath(".//button[.='Save']")).await.unwrap(), "Save").await;
    ui.wait_text(".toast", "Saved Proposal").await;
    let new_row = ui.find(By::Css("[data-stage-row='New']"), "the New row", 5).await;
    ui.click(&new_row.find(By::XPath(".//button[.='Delete']")).await.unwrap(), "Delete").await;
    ui.wait_text("[data-stage-error='New']", "move them to another stage first").await;
    shot(&ui.display, "36-pipeline-settings");
    ui.driver.quit().await.unwrap();
    let conn = showroom_e2e::open_db(data.path());
    let (p, deleted): (i64, i64) = conn
        .query_row(
            "SELECT (SELECT probability FROM pipeline_stages WHERE name = 'Proposal'),
                    (SELECT COUNT(*) FROM pipeline_stages WHERE name = 'New' AND deleted_at IS NOT NULL)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((p, deleted), (55, 0));
}

/// Fills and sends the test drive form for stock N100 at the default time.
async fn book_n100(ui: &Ui) {
    ui.click(&ui.button("Book test drive").await, "Book test drive").await;
    ui.input("td_vehicle").await.send_keys("n100").await.unwrap();
    let pick = ui.find(By::Css(".inline-form .picker-list li"), "a vehicle suggestion", 15).await;
    ui.click(&pick, "the vehicle").await;
    ui.input("td_licence").await.send_keys("tx9988776").await.unwrap();
    ui.input("td_expiry").await.send_keys("01/31/2031").await.unwrap();
    ui.click(&ui.button("Book test drive").await, "Book").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_test_drive_is_booked_once_per_slot_and_survey_answers_are_checked() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    let count = |sql: &str| -> i64 {
        let conn = showroom_e2e::open_db(data.path());
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    };
    let surveys_before = count("SELECT COUNT(*) FROM surveys");
    let ui = launch(data.path()).await;
    let driver = &ui.driver;
    ui.go("Customers").await;
    let first = driver
        .query(By::Css("table.grid tbody tr.row td"))
        .wait(Duration::from_secs(15), Duration::from_millis(100))
        .first()
        .await
        .unwrap();
    ui.click(&first, "the first customer").await;
    let tasks = ui.wait_text("[role='tab']", "Tasks (").await;
    ui.activate(&tasks, "Tasks").await;
    book_n100(&ui).await;
    ui.wait_text(".toast", "Test drive booked").await;
    // The same vehicle at the same time again: refused next to the time, naming the booking.
    book_n100(&ui).await;
    ui.wait_text("[data-field-error='td_start']", "is booked").await;
    shot(&ui.display, "37-test-drive-clash");
    ui.click(&ui.button("Cancel").await, "Cancel").await;

    let profile = ui.wait_text("[role='tab']", "Profile").await;
    ui.activate(&profile, "Profile").await;
    let score = ui.input("survey_score").await;
    score.scroll_into_view().await.unwrap();
    score.send_keys("9").await.unwrap();
    ui.click(&ui.button("Record").await, "Record").await;
    ui.wait_text("[data-field-error='survey_score']", "between 1 and 5").await;
    retype(&score, "5").await;
    ui.input("survey_comment").await.send_keys("Smooth delivery").await.unwrap();
    ui.click(&ui.button("Record").await, "Record").await;
    ui.wait_text(".relationships", "CSAT 5/5").await;
    shot(&ui.display, "38-relationships");
    ui.driver.quit().await.unwrap();
    let conn = showroom_e2e::open_db(data.path());
    let (drives, surveys): (i64, i64) = conn
        .query_row("SELECT (SELECT COUNT(*) FROM test_drives), (SELECT COUNT(*) FROM surveys)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((drives, surveys - surveys_before), (1, 1), "one booking, one answer (the demo has its own answers)");
}

// ---- Leads ----

/// A data folder started empty with three reps (no one signed in: a single-user device, which
/// may route and reorder like a manager), prepared through the core like a synced team would be.
fn floor_data(extra: impl FnOnce(&mut showroom_core::Showroom)) -> tempfile::TempDir {
    use showroom_core::domain::{Role, Timestamp, User, new_id};
    showroom_e2e::pinned_now();
    let data = tempfile::tempdir().unwrap();
    let mut app = showroom_core::Showroom::open(data.path(), &showroom_e2e::unlock()).unwrap();
    app.start_empty().unwrap();
    let now = Timestamp::now();
    app.store_mut()
        .write(|w| {
            for name in ["Ann Ames", "Ben Bose", "Cam Cruz"] {
                w.insert(&User {
                    id: new_id(),
                    name: name.into(),
                    email: format!("{}@example.com", name.split(' ').next().unwrap().to_lowercase()),
                    role: Role::Rep,
                    team_id: None,
                    active: true,
                    created_at: now,
                    updated_at: now,
                })?;
            }
            Ok(())
        })
        .unwrap();
    extra(&mut app);
    data
}

async fn go_leads(ui: &Ui, tab: &str) {
    ui.click(&ui.button("Leads").await, "Leads").await;
    let t = ui.find(By::XPath(format!("//button[@role='tab'][normalize-space(.)='{tab}']")), tab, 20).await;
    ui.activate(&t, tab).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_in_is_quick_added_by_keyboard_and_an_internet_lead_is_converted_in_one_click() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    let ui = launch(data.path()).await;
    let body = ui.find(By::Tag("body"), "body", 30).await;
    ui.go("Customers").await;
    ui.wait_text(".page-count", "5,000 total").await;

    // Alt+N from the customer list, four fields, Enter: keyboard only.
    let started = std::time::Instant::now();
    body.send_keys(Key::Alt + "n").await.unwrap();
    let first = ui.input("first_name").await;
    first.send_keys("Marisol").await.unwrap();
    ui.input("last_name").await.send_keys("Quintanilla").await.unwrap();
    ui.input("phone").await.send_keys("(512) 201-8080").await.unwrap();
    ui.input("interest").await.send_keys("Toyota RAV4 hybrid").await.unwrap();
    shot(&ui.display, "40-quick-add");
    ui.input("interest").await.send_keys(Key::Enter).await.unwrap();
    ui.wait_text(".toast, [role='status']", "Marisol Quintanilla saved").await;
    println!("quick add in the window, keystrokes to saved: {:.1} s", started.elapsed().as_secs_f64());

    // A walk-in with no phone and no email is refused next to the phone field.
    body.send_keys(Key::Alt + "n").await.unwrap();
    ui.input("last_name").await.send_keys("Nocontact").await.unwrap();
    ui.input("last_name").await.send_keys(Key::Enter).await.unwrap();
    ui.wait_text("[data-field-error='phone']", "give a phone number or an email").await;
    ui.input("last_name").await.send_keys(Key::Escape).await.unwrap();

    // The inbox: uncontacted leads first, each with its clock; convert one.
    go_leads(&ui, "Inbox").await;
    let status = ui.input("status").await;
    status.send_keys("Not contacted").await.unwrap();
    let row = ui.find(By::Css("table.leads tbody tr.row"), "an uncontacted lead", 20).await;
    let who = row.attr("data-lead").await.unwrap().unwrap();
    ui.find(By::Css("table.leads .timer.live, table.leads .timer.late"), "a running speed-to-lead clock", 10).await;
    shot(&ui.display, "41-lead-inbox");
    if std::env::var_os("SHOWROOM_SCREENSHOTS").is_some() {
        ui.driver.execute("document.documentElement.dataset.theme = 'dark';", vec![]).await.unwrap();
        shot(&ui.display, "41-lead-inbox-dark");
        ui.driver.execute("document.documentElement.dataset.theme = 'light';", vec![]).await.unwrap();
    }
    ui.click(&row.find(By::XPath(".//button[normalize-space(.)='Convert']")).await.unwrap(), "Convert").await;
    ui.wait_text(".toast, [role='status']", "deal opened").await;
    ui.wait_text("[data-testid='customer-name']", who.split(' ').next().unwrap()).await;
    ui.driver.quit().await.unwrap();

    let conn = showroom_e2e::open_db(data.path());
    let (status, channel, customer): (String, String, Option<String>) = conn
        .query_row("SELECT status, channel, customer_id FROM leads WHERE last_name = 'Quintanilla'", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((status.as_str(), channel.as_str()), ("contacted", "walk_in"));
    let phone: String =
        conn.query_row("SELECT phone FROM customers WHERE id = ?1", [customer.unwrap()], |r| r.get(0)).unwrap();
    assert_eq!(phone, "+15122018080");
    let converted: i64 = conn
        .query_row(
            "SELECT count(*) FROM leads l JOIN opportunities o ON o.lead_id = l.id WHERE l.status = 'converted'
             AND o.created_at > ?1",
            [showroom_core::domain::Timestamp::from_millis(showroom_core::domain::Timestamp::now().millis() - 600_000)
                .to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(converted, 1, "one converted lead with its new deal");
    assert_eq!(
        conn.query_row("SELECT count(*) FROM leads WHERE last_name = 'Nocontact'", [], |r| r.get::<_, i64>(0)).unwrap(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_up_rotation_gives_the_walk_in_to_the_next_rep_and_the_floor_log_becomes_a_lead() {
    let _one = ONE_WINDOW.lock().await;
    let data = floor_data(|_| {});
    let ui = launch(data.path()).await;
    go_leads(&ui, "Showroom floor").await;
    for name in ["Ann Ames", "Ben Bose", "Cam Cruz"] {
        ui.click(&ui.button(&format!("Check in {name}")).await, "Check in").await;
        ui.find(By::Css(format!("[data-up='{name}']")), name, 10).await;
    }
    ui.wait_text(".next-up", "Next up: Ann Ames").await;
    // An anonymous walk-in: the up goes to Ann, who moves to the back.
    ui.input("walkin_interest").await.send_keys("F-150").await.unwrap();
    ui.click(&ui.button("Log walk-in").await, "Log walk-in").await;
    ui.wait_text(".toast, [role='status']", "Ann Ames has the up").await;
    ui.wait_text(".next-up", "Next up: Ben Bose").await;
    ui.wait_text(".queue li:last-child", "Ann Ames").await;
    // The manager moves Cam ahead of Ben.
    ui.click(&ui.find(By::Css("[aria-label='Move Cam Cruz up']"), "move Cam up", 10).await, "move up").await;
    ui.wait_text(".next-up", "Next up: Cam Cruz").await;
    // A party size that makes no sense is named.
    let party = ui.input("party_size").await;
    retype(&party, "45").await;
    ui.click(&ui.button("Log walk-in").await, "Log walk-in").await;
    ui.wait_text("[data-field-error='party_size']", "between 1 and 20").await;
    shot(&ui.display, "42-showroom-floor");
    // The anonymous walk-in gives a name and number: captured from the traffic log.
    let row = ui.find(By::Css("[data-traffic='anonymous']"), "the walk-in", 10).await;
    ui.click(&row.find(By::XPath(".//button[contains(., 'Capture lead')]")).await.unwrap(), "Capture lead").await;
    ui.input("first_name").await.send_keys("Walt").await.unwrap();
    ui.input("last_name").await.send_keys("Ingram").await.unwrap();
    ui.input("phone").await.send_keys("512 201 3131").await.unwrap();
    ui.input("phone").await.send_keys(Key::Enter).await.unwrap();
    ui.wait_text(".toast, [role='status']", "Walt Ingram saved").await;
    ui.find(By::Css("[data-traffic='Walt Ingram']"), "the walk-in, now named", 10).await;
    ui.driver.quit().await.unwrap();

    let conn = showroom_e2e::open_db(data.path());
    let (rep, outcome, lead): (String, String, Option<String>) = conn
        .query_row("SELECT u.name, t.outcome, t.lead_id FROM traffic t JOIN users u ON u.id = t.rep_id", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((rep.as_str(), outcome.as_str()), ("Ann Ames", "lead"));
    assert!(lead.is_some());
    let ups: i64 = conn
        .query_row(
            "SELECT ups_taken FROM floor_checkins c JOIN users u ON u.id = c.user_id WHERE u.name = 'Ann Ames'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(ups, 1);
}

/// A vendor feed shaped like the ADF 1.0 sample (pseudo-declarations, a number that cannot be a
/// phone) plus one with bare ampersands and HTML in the comments: imported from the Import screen,
/// each lead shows what was repaired and the record as it arrived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_vendor_feed_is_imported_and_the_lead_shows_its_repairs_and_original() {
    let _one = ONE_WINDOW.lock().await;
    let data = floor_data(|_| {});
    let file = data.path().join("vendor-feed.xml");
    let spec = include_str!("../../core/tests/fixtures/adf/01-spec-sample.xml");
    let html = include_str!("../../core/tests/fixtures/adf/04-bare-ampersands-and-html.xml");
    let second = &html[html.find("<prospect>").unwrap()..html.find("</adf>").unwrap()];
    std::fs::write(&file, spec.replace("</adf>", &format!("{second}</adf>"))).unwrap();
    let ui = launch(data.path()).await;
    go_leads(&ui, "Import").await;
    ui.input("lead_file").await.send_keys(file.to_str().unwrap()).await.unwrap();
    ui.wait_text(".lead-import", "2 records").await;
    let import =
        ui.find(By::XPath("//button[normalize-space(.)='Import'][not(@role='tab')]"), "the Import button", 10).await;
    ui.click(&import, "Import").await;
    ui.wait_text("[data-import-summary]", "Imported.").await;
    go_leads(&ui, "Inbox").await;
    let row = ui.find(By::Css("tr[data-lead='John Doe']"), "the spec sample's lead", 20).await;
    ui.activate(&row, "John Doe").await;
    ui.wait_text("[aria-label='Read with repairs'] li.warn", "Phone could not be read: 393-999-3922").await;
    ui.wait_text("[aria-label='Read with repairs']", "the ADF declaration <?ADF VERSION").await;
    let summary = ui.find(By::XPath("//summary[contains(., 'Original record as received')]"), "original", 10).await;
    ui.click(&summary, "Original record").await;
    ui.wait_text(".original-record pre", "<phone>393-999-3922</phone>").await;
    shot(&ui.display, "47-lead-read-with-repairs");
    ui.click(&ui.find(By::Css("[aria-label='Close lead']"), "close", 5).await, "close").await;
    let row = ui.find(By::Css("tr[data-lead=\"Dana O'Neil & Sons\"]"), "the ampersand lead", 20).await;
    ui.activate(&row, "Dana").await;
    ui.wait_text("[aria-label='Read with repairs']", "HTML in <comments> was kept as its text").await;
    ui.wait_text(".lead-detail .notes", "needs 3 trucks by Q1. Trade & financing?").await;
    ui.driver.quit().await.unwrap();

    let conn = showroom_e2e::open_db(data.path());
    let (phone, warnings, original): (Option<String>, String, String) = conn
        .query_row("SELECT phone, intake_warnings, original FROM leads WHERE last_name = 'Doe'", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(phone, None);
    assert!(warnings.contains("could not be read: 393-999-3922"), "{warnings}");
    assert!(original.starts_with("<prospect>") && original.contains("Acura of Bellevue"), "{original}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_file_is_mapped_previewed_dry_run_and_imported_and_duplicates_are_merged() {
    let _one = ONE_WINDOW.lock().await;
    let data = floor_data(|app| {
        use showroom_core::domain::{Consent, CustomerDraft};
        let d = |first: &str, email: &str, phone: &str| CustomerDraft {
            first_name: first.into(),
            last_name: "Kline".into(),
            email: email.into(),
            phone: phone.into(),
            consent: Consent { email: !email.is_empty(), sms: false, phone: !phone.is_empty() },
            ..Default::default()
        };
        app.create_customer(&d("Robert", "rob.kline@example.com", "")).unwrap();
        let bob = app.create_customer(&d("Bob", "", "(512) 201-6060")).unwrap();
        app.create_opportunity(&showroom_core::pipeline::OpportunityDraft {
            customer_id: bob.id,
            ..Default::default()
        })
        .unwrap();
    });
    let file = data.path().join("dealer-site.csv");
    std::fs::write(
        &file,
        "Given,Family,E-post,Wagen\nMaja,Berg,maja@example.com,Volvo XC60\nLars,Holm,lars@example,Volvo XC90\nNo,Contact,,\n",
    )
    .unwrap();
    let ui = launch(data.path()).await;
    go_leads(&ui, "Import").await;
    ui.input("lead_file").await.send_keys(file.to_str().unwrap()).await.unwrap();
    ui.wait_text(".lead-import", "3 records").await;
    // The headers mean nothing to the importer until mapped.
    ui.map_columns(&[
        ("Given", "first name"),
        ("Family", "last name"),
        ("E-post", "email"),
        ("Wagen", "vehicle interest"),
    ])
    .await;
    // (The preview rows under the sticky two-row header are not "visible text" to WebKitWebDriver;
    // the dry run below shows the mapping took.)
    ui.dry_run_names("not a valid email").await;
    shot(&ui.display, "43-lead-import");
    ui.input("preset_name").await.send_keys("Dealer site").await.unwrap();
    ui.click(&ui.button("Save preset").await, "Save preset").await;
    ui.wait_text(".toast, [role='status']", "Preset Dealer site saved").await;
    let import =
        ui.find(By::XPath("//button[normalize-space(.)='Import'][not(@role='tab')]"), "the Import button", 10).await;
    ui.click(&import, "Import").await;
    ui.wait_text("[data-import-summary]", "Imported.").await;

    // Possible duplicates: Robert and Bob Kline; keep Robert, take Bob's phone; Bob's deal moves over.
    go_leads(&ui, "Possible duplicates").await;
    let pair = ui.find(By::Css("[data-pair*='Kline']"), "the Kline pair", 20).await;
    ui.click(&pair.find(By::XPath(".//button[contains(., 'Review merge')]")).await.unwrap(), "Review merge").await;
    shot(&ui.display, "44-merge");
    ui.click(&ui.button("Merge").await, "Merge").await;
    ui.wait_text(".toast, [role='status']", "moved 1 deal").await;
    ui.driver.quit().await.unwrap();

    let conn = showroom_e2e::open_db(data.path());
    let leads: Vec<(String, String)> = {
        let mut s = conn.prepare("SELECT first_name, vehicle_interest FROM leads ORDER BY first_name").unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(
        leads,
        vec![("Maja".to_string(), "Volvo XC60".to_string()), ("No".to_string(), String::new())],
        "the bad email stayed out, the uncontactable one came in with a warning"
    );
    let presets: String = conn.query_row("SELECT csv_presets FROM lead_settings", [], |r| r.get(0)).unwrap();
    assert!(presets.contains("E-post") && presets.contains("Dealer site"), "{presets}");
    let (live, phone): (i64, Option<String>) = conn
        .query_row(
            "SELECT count(*), max(phone) FROM customers WHERE last_name = 'Kline' AND deleted_at IS NULL",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((live, phone.as_deref()), (1, Some("+15122016060")));
    let deals_on_survivor: i64 = conn
        .query_row(
            "SELECT count(*) FROM opportunities o JOIN customers c ON c.id = o.customer_id WHERE c.first_name = 'Robert'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(deals_on_survivor, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn event_mode_takes_one_visitor_after_another_and_settings_name_bad_weights() {
    let _one = ONE_WINDOW.lock().await;
    let data = floor_data(|_| {});
    let ui = launch(data.path()).await;
    ui.click(&ui.button("Leads").await, "Leads").await;
    ui.click(&ui.button("Event mode").await, "Event mode").await;
    ui.click(&ui.button("Start event mode").await, "Start").await;
    ui.wait_text("[data-field-error='event_name']", "").await;
    ui.input("event_name").await.send_keys("Austin Auto Show").await.unwrap();
    ui.input("venue").await.send_keys("Palmer Events Center").await.unwrap();
    ui.click(&ui.button("Start event mode").await, "Start").await;
    ui.wait_text(".page-title", "Austin Auto Show").await;
    for (first, last, contact) in [("Ivy", "Nguyen", "ivy@example.com"), ("Raj", "Patel", "raj.patel@example.com")] {
        ui.input("first_name").await.send_keys(first).await.unwrap();
        ui.input("last_name").await.send_keys(last).await.unwrap();
        ui.input("email").await.send_keys(contact).await.unwrap();
        ui.input("email").await.send_keys(Key::Enter).await.unwrap();
        ui.wait_text(".event-recent", &format!("{first} {last}")).await;
    }
    ui.wait_text(".page-count", "2 captured here").await;
    shot(&ui.display, "45-event-mode");
    ui.click(&ui.button("Exit event mode").await, "Exit").await;

    // Settings › Leads: a weight over 100 is named next to it, nothing saved.
    ui.click(&ui.button("Settings").await, "Settings").await;
    let w = ui.find(By::Css("[aria-label='Weight of Channel quality']"), "channel weight", 20).await;
    w.scroll_into_view().await.unwrap();
    retype(&w, "150").await;
    ui.click(&ui.button("Save lead settings").await, "Save lead settings").await;
    ui.wait_text("[data-field-error='weights.channel']", "between 0 and 100").await;
    shot(&ui.display, "46-lead-settings");
    ui.driver.quit().await.unwrap();

    let conn = showroom_e2e::open_db(data.path());
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM leads l JOIN events e ON e.id = l.event_id WHERE e.name = 'Austin Auto Show'
             AND l.channel = 'event' AND l.source = 'Austin Auto Show'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 2);
    assert_eq!(conn.query_row("SELECT count(*) FROM lead_settings", [], |r| r.get::<_, i64>(0)).unwrap(), 0);
}

// ---- Reports ----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_manager_dashboard_drills_down_exports_and_a_statement_is_approved_and_printed() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    let ui = launch(data.path()).await;
    ui.click(&ui.button("Reports").await, "Reports").await;
    // Headline numbers and the charts from the demo's history.
    let units = ui.find(By::Css("[data-kpi='Units sold'] .kpi-value"), "units sold", 30).await;
    let n: f64 = units.text().await.unwrap().parse().unwrap();
    assert!(n > 0.0, "the demo sells every month");
    let funnel = ui.find(By::Css("section[aria-label='Funnel'] canvas"), "the funnel chart", 10).await;
    ui.find(By::Css("[data-rep]"), "a leaderboard row", 10).await;
    shot(&ui.display, "50-manager-dashboard");
    // How far to trust the forecast: its backtest over the last twelve months, on screen.
    let mape = ui.find(By::Css("[data-testid='backtest-mape'] strong"), "the backtest's error", 30).await;
    let mape: f64 = mape.text().await.unwrap().trim_end_matches('%').parse().unwrap();
    assert!(mape > 0.0 && mape <= 12.0, "backtest MAPE {mape}%");
    let months = ui.driver.find_all(By::Css("table[aria-label='Backtest by month'] tbody tr")).await.unwrap();
    assert_eq!(months.len(), 12);
    if std::env::var_os("SHOWROOM_SCREENSHOTS").is_some() {
        months[0].scroll_into_view().await.unwrap();
        shot(&ui.display, "50-forecast-accuracy");
    }
    if std::env::var_os("SHOWROOM_SCREENSHOTS").is_some() {
        funnel.scroll_into_view().await.unwrap();
        shot(&ui.display, "50-manager-charts");
        // Dark theme: the charts take their colours from the tokens when drawn.
        ui.driver.execute("document.documentElement.dataset.theme = 'dark';", vec![]).await.unwrap();
        ui.click(&ui.button("Last month").await, "Last month").await;
        ui.find(By::Css("section[aria-label='Funnel'] canvas"), "the funnel chart", 10)
            .await
            .scroll_into_view()
            .await
            .unwrap();
        shot(&ui.display, "50-manager-charts-dark");
        ui.driver.execute("document.documentElement.dataset.theme = 'light';", vec![]).await.unwrap();
        ui.click(&ui.button("This month").await, "This month").await;
    }
    // Last 90 days; a source row lists the deals behind it.
    ui.click(&ui.button("Last 90 days").await, "Last 90 days").await;
    let row = ui.find(By::Css("tr[data-source='Autotrader'], tr[data-source='Cars.com']"), "a source row", 20).await;
    ui.activate(&row, "source row").await;
    ui.find(By::Css("aside.drill li"), "the deals behind the number", 15).await;
    shot(&ui.display, "51-drill-down");
    ui.click(&ui.find(By::Css("[aria-label='Close list']"), "close", 5).await, "close").await;
    // A rep's row opens their dashboard.
    let rep = ui.find(By::Css("tr[data-rep]"), "a rep", 10).await;
    let name = rep.attr("data-rep").await.unwrap().unwrap();
    ui.activate(&rep, "rep row").await;
    ui.wait_text("section[aria-label='Goals']", &name).await;
    // Export: the CSV lands in the documents folder.
    ui.click(&ui.button("Export CSV").await, "Export CSV").await;
    let toast = ui.wait_text(".toast-body > span", "Saved ").await;
    let csv_path =
        toast.text().await.unwrap().split("Saved ").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    // Commissions: the first rep's statement for this month; approve; save the PDF.
    let tab = ui.find(By::XPath("//button[@role='tab'][normalize-space(.)='Commissions']"), "Commissions", 10).await;
    ui.activate(&tab, "Commissions").await;
    ui.find(By::Css("[data-total]"), "the statement total", 20).await;
    ui.click(&ui.button("Approve").await, "Approve").await;
    ui.wait_text(".toast-body > span", "Statement approved").await;
    ui.wait_text("section[aria-label='Commission statement'] .chip", "Approved").await;
    ui.click(&ui.button("Save PDF").await, "Save PDF").await;
    let toast = ui.wait_text(".toast-body > span", ".pdf").await;
    let pdf_path =
        toast.text().await.unwrap().split("Saved ").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    shot(&ui.display, "52-commission-statement");
    // Goals & plans: the team's unit goal for this month, saved.
    let tab =
        ui.find(By::XPath("//button[@role='tab'][normalize-space(.)='Goals & plans']"), "Goals & plans", 10).await;
    ui.activate(&tab, "Goals & plans").await;
    // Wait for the stored goals to load into the table (the demo sets this month's).
    // (the table re-renders as they arrive: a handle can go stale between lookups, so look again)
    let mut found = None;
    for _ in 0..200 {
        if let Ok(e) = ui.driver.find(By::Css("[aria-label='Units goal of Team']")).await
            && e.prop("value").await.ok().flatten().is_some_and(|v| !v.is_empty() && v != "0")
        {
            found = Some(e);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let team = found.unwrap_or_else(|| ui.fail("the team's unit goal never loaded".into()));
    retype(&team, "64").await;
    assert_eq!(team.value().await.unwrap().as_deref(), Some("64"));
    let save = ui
        .find(By::XPath("//tr[@data-goal-row='Team']//button[normalize-space(.)='Save']"), "save the team goal", 5)
        .await;
    ui.activate(&save, "Save").await;
    ui.wait_text(".toast-body > span", "Goal saved").await;
    shot(&ui.display, "53-goals-and-plans");
    ui.driver.quit().await.unwrap();

    let csv = std::fs::read_to_string(&csv_path).unwrap_or_else(|e| panic!("{csv_path}: {e}"));
    assert!(csv.contains("Funnel step,Count,Rate") && csv.contains(&name), "{csv}");
    let pdf = std::fs::read(&pdf_path).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    // The statement renders, and says what it is.
    let out = std::process::Command::new("pdftotext").args([&pdf_path, "-"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Commission statement") && text.contains("Approved on") && text.contains("Total"), "{text}");
    let conn = showroom_e2e::open_db(data.path());
    let approved: i64 = conn
        .query_row("SELECT count(*) FROM commission_statements WHERE approved_at IS NOT NULL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(approved, 1);
    let team_goal: i64 = conn
        .query_row(
            "SELECT units FROM goals WHERE user_id IS NULL AND month = ?1",
            [showroom_core::domain::Timestamp::now().0.format("%Y-%m").to_string()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(team_goal, 64, "saving again replaced the demo's goal");
}

/// The app lock: a PIN set in Settings, Ctrl+L locks (nothing of the page stays on screen), a
/// wrong PIN is named, the right one unlocks where the rep was, and the app opens locked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_window_locks_with_a_pin_and_opens_locked() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    let ui = launch(data.path()).await;
    ui.wait_text("h1.page-title", "Today").await;
    ui.click(&ui.button("Settings").await, "Settings").await;
    let pin = ui.input("pin").await;
    pin.scroll_into_view().await.unwrap();
    pin.send_keys("2468").await.unwrap();
    ui.input("pin_again").await.send_keys("2468").await.unwrap();
    ui.click(&ui.button("Save lock").await, "Save lock").await;
    ui.wait_text(".toast", "Ctrl+L locks this computer").await;
    shot(&ui.display, "39-lock-settings");
    ui.driver.find(By::Tag("body")).await.unwrap().send_keys(Key::Control + "l").await.unwrap();
    ui.find(By::Css("[data-testid='lock-screen']"), "the lock screen", 10).await;
    assert!(ui.driver.find_all(By::Css("nav.sidebar")).await.unwrap().is_empty(), "the app is hidden while locked");
    shot(&ui.display, "40-locked");
    let field = ui.input("unlock_pin").await;
    field.send_keys("1111").await.unwrap();
    field.send_keys(Key::Enter).await.unwrap();
    ui.wait_text("#unlock-error", "wrong PIN (4 tries left").await;
    let field = ui.input("unlock_pin").await;
    field.send_keys("2468").await.unwrap();
    field.send_keys(Key::Enter).await.unwrap();
    ui.wait_text("h1.page-title", "Settings").await;
    ui.driver.quit().await.unwrap();

    // Opened again, the app starts locked.
    let ui = launch(data.path()).await;
    ui.find(By::Css("[data-testid='lock-screen']"), "the lock screen at start", 20).await;
    let field = ui.input("unlock_pin").await;
    field.send_keys("2468").await.unwrap();
    field.send_keys(Key::Enter).await.unwrap();
    ui.wait_text("h1.page-title", "Today").await;
    ui.driver.quit().await.unwrap();
    let conn = showroom_e2e::open_db(data.path());
    let hash: String = conn.query_row("SELECT value FROM meta WHERE key = 'lock_pin'", [], |r| r.get(0)).unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("2468"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_keyring_the_data_is_opened_with_a_passphrase_typed_in_the_window() {
    let _one = ONE_WINDOW.lock().await;
    // First use: the passphrase is chosen, typed twice, checked before anything is written.
    let fresh = tempfile::tempdir().unwrap();
    let ui = launch_asking(fresh.path()).await;
    ui.wait_text("#gate-title", "Protect this laptop's data").await;
    ui.input("passphrase").await.send_keys("short").await.unwrap();
    ui.input("passphrase_again").await.send_keys("short").await.unwrap();
    ui.click(&ui.button("Encrypt and open").await, "Encrypt and open").await;
    ui.wait_text("#gate-error", "at least 8 characters").await;
    let first = ui.input("passphrase").await;
    retype(&first, showroom_e2e::PASSPHRASE).await;
    let again = ui.input("passphrase_again").await;
    retype(&again, "test data passphrasf").await;
    ui.click(&ui.button("Encrypt and open").await, "Encrypt and open").await;
    ui.wait_text("#gate-error", "two passphrases differ").await;
    shot(&ui.display, "41-data-gate-first-time");
    let again = ui.input("passphrase_again").await;
    retype(&again, showroom_e2e::PASSPHRASE).await;
    again.send_keys(Key::Enter).await.unwrap();
    ui.button("Load demo dealership").await;
    let Ui { driver, display: _display, _tauri_driver } = ui;
    driver.quit().await.unwrap();
    drop(_tauri_driver);
    // What was written is encrypted with that passphrase: readable with it, not as plain SQLite.
    let conn = showroom_e2e::open_db(fresh.path());
    let _: i64 = conn.query_row("SELECT count(*) FROM customers", [], |r| r.get(0)).unwrap();
    let plain = rusqlite::Connection::open(fresh.path().join("showroom.sqlite3")).unwrap();
    assert!(plain.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)).is_err());

    // Later: the data is opened only with the right passphrase.
    let data = demo_data();
    let ui = launch_asking(data.path()).await;
    ui.wait_text("#gate-title", "Open this laptop's data").await;
    assert!(
        ui.driver.find_all(By::Css("nav.sidebar")).await.unwrap().is_empty(),
        "nothing shows before the data opens"
    );
    let field = ui.input("passphrase").await;
    field.send_keys("not the passphrase").await.unwrap();
    field.send_keys(Key::Enter).await.unwrap();
    ui.wait_text("#gate-error", "passphrase is wrong").await;
    shot(&ui.display, "42-data-gate-wrong");
    let field = ui.input("passphrase").await;
    field.send_keys(showroom_e2e::PASSPHRASE).await.unwrap();
    field.send_keys(Key::Enter).await.unwrap();
    ui.wait_text("h1.page-title", "Today").await;
    ui.driver.quit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_opens_on_today_and_a_laptop_user_sees_their_own_day() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    {
        // The demo's reps keep up with their follow-ups; Ana let a dozen slide weeks ago (the
        // Older group, capped on screen).
        let conn = showroom_e2e::open_db(data.path());
        let (ana, customer): (String, String) = conn
            .query_row(
                "SELECT u.id, (SELECT c.id FROM customers c WHERE c.owner_id = u.id LIMIT 1) FROM users u
                 WHERE u.name = 'Ana Morales'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        use showroom_core::domain::Timestamp;
        let pin = Timestamp::parse(showroom_e2e::PINNED_NOW).unwrap().millis();
        for i in 0..12 {
            let due = Timestamp::from_millis(pin - (20 + i) * 86_400_000).to_string();
            conn.execute(
                "INSERT INTO activities (id, customer_id, kind, subject, due_at, outcome, owner_id, created_at, updated_at)
                 VALUES (?1, ?2, 'call', 'Call back about the trade-in', ?3, '', ?4, ?3, ?3)",
                rusqlite::params![uuid::Uuid::now_v7().to_string(), customer, due, ana],
            )
            .unwrap();
        }
    }
    let ui = launch(data.path()).await;
    // Nobody signed in, nobody chosen: the team's day, with the way to make it one's own.
    ui.wait_text("h1.page-title", "Today").await;
    ui.wait_text(".banner.info", "Choose who you are").await;
    ui.wait_text(".page-count", "the team's day").await;
    // Due today comes first, then overdue grouped by how late, each group capped.
    let sections = ui.driver.find_all(By::Css(".today-section")).await.unwrap();
    let mut order = Vec::new();
    for s in &sections {
        order.push(s.attr("aria-label").await.unwrap().unwrap_or_default());
    }
    assert_eq!(order, ["Due today", "Overdue", "Next 7 days"]);
    let older = ui.find(By::Css(".overdue-group[data-group='Older']"), "the older overdue group", 10).await;
    let listed = older.find_all(By::Css(".today-item")).await.unwrap().len();
    assert!(listed <= 8, "a group lists at most 8 until asked: {listed}");
    older.find(By::XPath(".//button[contains(., 'Show all')]")).await.unwrap();

    // Ana is this laptop's user: her name at the bottom left, her day on Today.
    ui.laptop_user("Ana Morales · Sales rep").await;
    ui.find(By::Css("[data-testid='me'][aria-label^='Ana Morales uses this laptop']"), "Ana as this laptop's user", 15)
        .await;
    ui.wait_text(".page-count", "Ana Morales's day").await;
    assert!(ui.driver.find_all(By::Css(".banner.info")).await.unwrap().is_empty(), "the hint goes");
    shot(&ui.display, "43-today-mine");
    let conn = showroom_e2e::open_db(data.path());
    let (ana, mine_overdue): (String, i64) = conn
        .query_row(
            "SELECT u.id, (SELECT count(*) FROM activities a WHERE a.owner_id = u.id AND a.done_at IS NULL
                AND a.deleted_at IS NULL AND a.due_at < ?1) FROM users u WHERE u.name = 'Ana Morales'",
            [showroom_e2e::pinned_now()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let badge = ui.find(By::Css("section[aria-label='Overdue'] h2 .badge"), "the overdue count", 10).await;
    let shown: i64 = badge.text().await.unwrap().replace(',', "").parse().unwrap();
    assert!((shown - mine_overdue).abs() <= 1, "Ana's overdue: {shown} on screen, {mine_overdue} in the records");
    let stored: String = conn.query_row("SELECT value FROM meta WHERE key = 'laptop_user'", [], |r| r.get(0)).unwrap();
    assert_eq!(stored, ana);

    // The whole team is one choice away, and the choice is kept across restarts.
    let whose = ui.find(By::Css("select[aria-label='Whose day']"), "whose day", 10).await;
    thirtyfour::components::SelectElement::new(&whose).await.unwrap().select_by_visible_text("The team").await.unwrap();
    ui.wait_text(".page-count", "the team's day").await;
    ui.driver.quit().await.unwrap();
    let ui = launch(data.path()).await;
    ui.wait_text(".page-count", "Ana Morales's day").await;
    ui.driver.quit().await.unwrap();
}

// ---- Layout ----

/// What is cut off at the window's size: the page scrolling sideways, a control, table header or
/// tab reaching past the box that clips it (an ancestor that hides or scrolls its overflow, or the
/// window), and text cut inside a box that hides overflow without an ellipsis.
const CLIPPED: &str = r#"
const out = [];
const vw = document.documentElement.clientWidth;
const name = (el) => {
  const label = el.getAttribute('aria-label') || el.getAttribute('name') || (el.textContent || '').trim().slice(0, 30);
  return `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} "${label}"`;
};
if (document.documentElement.scrollWidth > vw + 1) out.push(`the page scrolls sideways (${document.documentElement.scrollWidth} px)`);
const visible = (el) => { const cs = getComputedStyle(el); const r = el.getBoundingClientRect(); return cs.visibility !== 'hidden' && r.width > 0 && r.height > 0; };
for (const el of document.querySelectorAll('button, input, select, textarea, a, th, [role=tab], .kpi, .deal-card time, .deal-card .card-meta')) {
  if (!visible(el)) continue;
  const r = el.getBoundingClientRect();
  if (r.right > vw + 1) { out.push(`${name(el)} reaches past the window (${Math.round(r.right)} > ${vw})`); continue; }
  for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
    const cs = getComputedStyle(a);
    if (cs.overflowX === 'visible') continue;
    const b = a.getBoundingClientRect();
    if (r.right > b.right + 2 || r.left < b.left - 2) { out.push(`${name(el)} is cut off by ${name(a)} (${Math.round(r.left)}–${Math.round(r.right)} outside ${Math.round(b.left)}–${Math.round(b.right)})`); }
    break;
  }
}
// A figure must show whole (free text may scroll inside its field, as text fields do).
for (const el of document.querySelectorAll('input[inputmode=numeric], input[inputmode=decimal], input[type=number], input[type=tel]')) {
  if (visible(el) && el.value && el.scrollWidth > el.clientWidth + 1) out.push(`${name(el)} cuts its value "${el.value}"`);
}
for (const el of document.querySelectorAll('main *')) {
  if (!visible(el) || el.children.length > 0 || el.closest('.sr-only')) continue;
  const cs = getComputedStyle(el);
  if ((cs.overflowX === 'hidden' || cs.overflowX === 'clip') && cs.textOverflow !== 'ellipsis' && el.scrollWidth > el.clientWidth + 1) {
    out.push(`${name(el)} cuts its text (${el.scrollWidth} > ${el.clientWidth})`);
  }
}
return [...new Set(out)];
"#;

impl Ui {
    /// Fails with every clipped thing on the screen now.
    async fn nothing_clipped(&self, screen: &str) {
        // Let the screen settle (charts and lists render after their data).
        tokio::time::sleep(Duration::from_millis(600)).await;
        let found = self.driver.execute(CLIPPED, vec![]).await.unwrap();
        let found: Vec<String> = found.convert().unwrap();
        if !found.is_empty() {
            shot(&self.display, &format!("clipped-{screen}"));
            self.fail(format!("{screen} at 1280×800 clips:\n  {}", found.join("\n  ")));
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_screen_fits_1280_by_800_without_clipping() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    let ui = launch(data.path()).await;
    let size = ui.driver.execute("return [window.innerWidth, window.innerHeight];", vec![]).await.unwrap();
    let size: Vec<i64> = size.convert().unwrap();
    assert_eq!(size, [1280, 800], "the window opens at 1280×800");
    ui.wait_text("h1.page-title", "Today").await;
    ui.nothing_clipped("today").await;
    for (page, title) in [
        ("Leads", "Leads"),
        ("Customers", "Customers"),
        ("Pipeline", "Pipeline"),
        ("Quotes", "Deal desk"),
        ("Inventory", "Inventory"),
        ("Reports", "Reports"),
        ("Settings", "Settings"),
    ] {
        ui.go(page).await;
        ui.wait_text("h1.page-title", title).await;
        ui.nothing_clipped(page).await;
    }
    // The panels a rep opens while talking to a customer.
    ui.go("Leads").await;
    let lead = ui.find(By::Css("tr.row[data-lead] td.strong"), "a lead", 20).await;
    ui.click(&lead, "a lead").await;
    ui.find(By::Css("aside.lead-detail"), "the lead panel", 10).await;
    ui.nothing_clipped("lead panel").await;
    ui.go("Customers").await;
    let row = ui.find(By::Css("table.grid tbody tr.row td"), "a customer", 20).await;
    ui.click(&row, "a customer").await;
    ui.wait_text("[role='tab']", "Timeline (").await;
    ui.nothing_clipped("customer panel").await;
    ui.go("Pipeline").await;
    ui.find(By::Css(".deal-card"), "a deal card", 20).await;
    ui.nothing_clipped("pipeline board").await;
    // The desk with a vehicle on it: price, MSRP and every input of the deal.
    ui.go("Inventory").await;
    let quote = ui.find(By::Css("button[aria-label^='Quote ']"), "a vehicle's Quote button", 20).await;
    ui.click(&quote, "Quote").await;
    ui.wait_text("h1.page-title", "Deal desk").await;
    ui.find(By::Css("[name='price']"), "the price input", 15).await;
    ui.nothing_clipped("desk").await;
    shot(&ui.display, "60-desk-1280");
    // The saved quotes with one open in its panel.
    ui.click(&ui.button("Saved quotes").await, "Saved quotes").await;
    let quote = ui.find(By::Css("tr[data-quote] td.strong"), "a saved quote", 20).await;
    ui.click(&quote, "a saved quote").await;
    ui.find(By::Css("aside.quote-panel h3"), "the quote panel", 10).await;
    ui.nothing_clipped("quote panel").await;
    shot(&ui.display, "61-quotes-1280");
    ui.driver.quit().await.unwrap();
}

/// A manager's week: a deal lost to a competitor (named, or refused), the lost-deals report with
/// its drill-down, a coaching goal the rep then sees on their dashboard, and a sale unwound with
/// the chargeback on the statement.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_reads_lost_deals_coaches_a_rep_and_unwinds_a_sale() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    // A fresh open deal to lose, and one of Ana's sales from last month to unwind.
    let (losing, sold, sold_title, sold_customer, sold_name, ana) = {
        let mut app = showroom_core::Showroom::open(data.path(), &showroom_e2e::unlock()).unwrap();
        let c = app
            .create_customer(&showroom_core::domain::CustomerDraft {
                first_name: "Ingrid".into(),
                last_name: "Halvorsen".into(),
                email: "ingrid.halvorsen@example.com".into(),
                consent: showroom_core::domain::Consent { email: true, sms: false, phone: false },
                ..Default::default()
            })
            .unwrap();
        app.create_opportunity(&showroom_core::pipeline::OpportunityDraft { customer_id: c.id, ..Default::default() })
            .unwrap();
        let conn = showroom_e2e::open_db(data.path());
        let (sold, title, customer, name, ana): (String, String, String, String, String) = conn
            .query_row(
                "SELECT o.id, o.title, c.id, c.first_name || ' ' || c.last_name, u.id FROM opportunities o
                 JOIN customers c ON c.id = o.customer_id JOIN users u ON u.id = o.owner_id
                 WHERE u.name = 'Ana Morales' AND o.status = 'won' AND o.unwound_at IS NULL AND o.co_owner_id IS NULL
                   AND substr(o.closed_at, 1, 7) = '2026-10' AND o.gross_cents > 0
                 ORDER BY o.closed_at DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        (c.id.to_string(), sold, title, customer, name, ana)
    };
    let ui = launch(data.path()).await;

    // Lost because she bought elsewhere: where is asked for, and required.
    ui.go("Pipeline").await;
    ui.click(&ui.button("List").await, "List").await;
    let stage = ui.find(By::Css("select[aria-label=\"Stage of Ingrid Halvorsen's deal\"]"), "Ingrid's deal", 15).await;
    stage.send_keys("Lost").await.unwrap();
    let elsewhere = ui.find(By::Css("input[name='lost_reason'][value='Bought elsewhere']"), "the reasons", 10).await;
    ui.click(&elsewhere, "Bought elsewhere").await;
    ui.click(&ui.button("Mark lost").await, "Mark lost").await;
    ui.wait_text("[data-field-error='competitor']", "name where the customer bought").await;
    ui.input("competitor").await.send_keys("Lakeview Kia").await.unwrap();
    shot(&ui.display, "44-lost-to-a-competitor");
    ui.click(&ui.button("Mark lost").await, "Mark lost").await;
    ui.wait_text(".toast-body > span", "moved to Lost").await;

    // Reports › Lost deals: by reason, by competitor (with hers), by rep and source; a row opens
    // the deals behind it.
    ui.go("Reports").await;
    let tab = ui.find(By::XPath("//button[@role='tab'][normalize-space(.)='Lost deals']"), "Lost deals", 10).await;
    ui.activate(&tab, "Lost deals").await;
    let kia = ui
        .find(
            By::Css("section[aria-label='Bought elsewhere: where'] tr[data-group='Lakeview Kia'] td"),
            "Lakeview Kia",
            15,
        )
        .await;
    shot(&ui.display, "45-lost-deals");
    ui.click(&kia, "Lakeview Kia").await;
    ui.wait_text("aside.drill", "Ingrid Halvorsen").await;
    ui.wait_text("aside.drill", "1 records").await;
    ui.click(&ui.find(By::Css("aside.drill [aria-label='Close list']"), "close", 5).await, "close").await;
    let reason = ui
        .find(By::Css("section[aria-label='By reason'] tr[data-group='Price too high'] td.num"), "Price too high", 10)
        .await;
    let shown: usize = reason.prop("textContent").await.unwrap().unwrap_or_default().trim().parse().unwrap();
    let row =
        ui.find(By::Css("section[aria-label='By reason'] tr[data-group='Price too high'] td"), "the row", 5).await;
    ui.click(&row, "Price too high").await;
    ui.wait_text("aside.drill", &format!("{shown} records")).await;

    // Coaching: a goal for Ana.
    let tab = ui.find(By::XPath("//button[@role='tab'][normalize-space(.)='Coaching']"), "Coaching", 10).await;
    ui.activate(&tab, "Coaching").await;
    ui.choose("coaching_rep", Some(&ana)).await;
    let goal = ui.find(By::XPath("//button[normalize-space(.)='Goal']"), "the Goal kind", 10).await;
    ui.click(&goal, "Goal").await;
    ui.input("coaching_body").await.send_keys("Book two appointments a day from internet leads").await.unwrap();
    ui.click(&ui.button("Save goal").await, "Save goal").await;
    ui.wait_text(".toast-body > span", "Goal saved for Ana Morales").await;
    ui.wait_text(".coaching-item[data-coaching='goal']", "Book two appointments").await;
    shot(&ui.display, "46-coaching");

    // Unwind Ana's October sale: a reason is required; the car is back; November charges it back.
    ui.customer_deals(&sold_name, &sold_customer).await;
    let credit = format!("[data-deal-credit='{sold}']");
    ui.click(&ui.find(By::Css(format!("{credit} button")), "Unwind…", 10).await, "Unwind…").await;
    ui.click(&ui.button("Unwind the deal").await, "Unwind the deal").await;
    ui.wait_text("[data-field-error='unwind_reason']", "say why the deal unwound").await;
    ui.input("unwind_reason").await.send_keys("Financing fell through").await.unwrap();
    ui.click(&ui.button("Unwind the deal").await, "Unwind the deal").await;
    ui.wait_text(".toast-body > span", "unwound").await;
    ui.wait_text(&credit, "Unwound").await;
    shot(&ui.display, "47-unwound");
    let back = ui.statement_line_of(&ana, "chargeback", &sold_title).await;
    assert!(back.starts_with("Chargeback"), "{back}");

    // Ana at this laptop sees her goal on her dashboard.
    ui.laptop_user("Ana Morales · Sales rep").await;
    ui.go("Reports").await;
    ui.wait_text("section[aria-label='Coaching']", "Book two appointments a day").await;
    shot(&ui.display, "48-my-coaching");
    ui.driver.quit().await.unwrap();

    let conn = showroom_e2e::open_db(data.path());
    let (status, reason, competitor): (String, String, String) = conn
        .query_row("SELECT status, lost_reason, competitor FROM opportunities WHERE customer_id = ?1", [&losing], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!((status.as_str(), reason.as_str(), competitor.as_str()), ("lost", "Bought elsewhere", "Lakeview Kia"));
    let (unwound, vehicle): (Option<String>, Option<String>) = conn
        .query_row(
            "SELECT o.unwound_at, v.status FROM opportunities o LEFT JOIN vehicles v ON v.id = o.vehicle_id WHERE o.id = ?1",
            [&sold],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(unwound.is_some_and(|u| u.starts_with("2026-11")));
    assert!(vehicle.as_deref().is_none_or(|v| v == "available"), "{vehicle:?}");
    let goal: (String, String) = conn
        .query_row("SELECT kind, rep_id FROM coaching_notes WHERE deleted_at IS NULL", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(goal, ("goal".to_string(), ana));
}

/// Needs typed on the customer form find the vehicle a CSV brings in: the columns mapped in the
/// window, a dry run, the import, and the arrival on the rep's Today.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn needs_typed_on_the_form_meet_a_vehicle_imported_in_the_window_and_today_says_so() {
    let _one = ONE_WINDOW.lock().await;
    let data = demo_data();
    let file = data.path().join("dms-export.csv");
    std::fs::write(
        &file,
        "Unit,Serial,MY,Mfr,Model,New/Used,Internet Price,Paint\n\
         N9001,1HGCM82633A004352,2026,Polestar,2,New,\"$38,900\",Autumn Green\n\
         N9002,NOTAVIN,2026,Polestar,3,New,\"$53,100\",White\n",
    )
    .unwrap();
    let ui = launch(data.path()).await;
    // Ben works this laptop: what he creates is his.
    ui.laptop_user("Ben Carter · Sales rep").await;
    ui.wait_text(".page-count", "Ben Carter's day").await;

    ui.go("Customers").await;
    ui.click(&ui.button("New customer").await, "New customer").await;
    ui.input("first_name").await.send_keys("Maren").await.unwrap();
    ui.input("last_name").await.send_keys("Solberg").await.unwrap();
    ui.input("email").await.send_keys("maren.solberg@example.com").await.unwrap();
    ui.choose("timeframe", None).await;
    ui.choose("condition", Some("new")).await;
    ui.input("makes").await.send_keys("Polestar").await.unwrap();
    ui.input("models").await.send_keys("2").await.unwrap();
    ui.input("budget_max").await.send_keys("40000").await.unwrap();
    shot(&ui.display, "49-needs-analysis");
    ui.click(&ui.button("Create customer").await, "Create customer").await;
    ui.wait_text("[data-testid='customer-name']", "Maren Solberg").await;

    // Inventory › Import CSV: the columns mapped, a dry run names the bad row, then the import.
    ui.go("Inventory").await;
    ui.click(&ui.button("Import CSV").await, "Import CSV").await;
    ui.input("vehicles_file").await.send_keys(file.to_str().unwrap()).await.unwrap();
    ui.wait_text(".lead-import", "2 records").await;
    ui.map_columns(&[("Unit", "stock no"), ("Serial", "vin"), ("MY", "year"), ("Mfr", "make"), ("Paint", "colour")])
        .await;
    ui.dry_run_names("vin: must be 17 characters").await;
    shot(&ui.display, "50-vehicle-import-mapped");
    ui.import_in_dialog("1 vehicle added").await;

    // Customers › Import CSV the same way: a file whose headers mean nothing until mapped.
    let people = data.path().join("show-signups.csv");
    std::fs::write(&people, "Given,Family,E-post,Adresse\nSigrid,Nyhus,sigrid.nyhus@example.com,14 Fjord Lane\n")
        .unwrap();
    ui.go("Customers").await;
    ui.click(&ui.button("Import CSV").await, "Import CSV").await;
    ui.input("customers_file").await.send_keys(people.to_str().unwrap()).await.unwrap();
    ui.wait_text(".lead-import", "1 records").await;
    ui.map_columns(&[("Given", "first name"), ("Family", "last name"), ("E-post", "email"), ("Adresse", "street")])
        .await;
    ui.import_in_dialog("1 customer added").await;

    // Ben's Today: the arrival, with why it fits.
    ui.go("Today").await;
    let item = ui.wait_text(".today-item", "Just arrived for Maren Solberg").await;
    let text = item.text().await.unwrap();
    assert!(text.contains("Polestar 2") && text.contains("N9001") && text.contains("fits 85%"), "{text}");
    shot(&ui.display, "51-arrival-on-today");
    ui.driver.quit().await.unwrap();

    let conn = showroom_e2e::open_db(data.path());
    let (owner, task_owner, prefs): (String, String, String) = conn
        .query_row(
            "SELECT c.owner_id, a.owner_id, c.preferences FROM customers c JOIN activities a ON a.customer_id = c.id
             WHERE c.email = 'maren.solberg@example.com' AND a.subject LIKE 'Just arrived%'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    let ben: String = conn.query_row("SELECT id FROM users WHERE name = 'Ben Carter'", [], |r| r.get(0)).unwrap();
    assert_eq!((owner.as_str(), task_owner.as_str()), (ben.as_str(), ben.as_str()));
    assert!(prefs.contains("Polestar") && prefs.contains("4000000"), "{prefs}");
    let (colour, price): (String, i64) = conn
        .query_row("SELECT colour, price_cents FROM vehicles WHERE stock_no = 'N9001'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((colour.as_str(), price), ("Autumn Green", 38_900_00));
    let bad: i64 = conn.query_row("SELECT count(*) FROM vehicles WHERE stock_no = 'N9002'", [], |r| r.get(0)).unwrap();
    assert_eq!(bad, 0, "the row with a bad VIN was skipped");
    let (street, owner): (String, Option<String>) = conn
        .query_row("SELECT street, owner_id FROM customers WHERE email = 'sigrid.nyhus@example.com'", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((street.as_str(), owner.as_deref()), ("14 Fjord Lane", Some(ben.as_str())), "imported by Ben: his");
}

/// Signs in from Settings and waits for the first sync.
impl Ui {
    async fn sign_in(&self, server: &str, user: &str, password: &str) {
        self.click(&self.button("Settings").await, "Settings").await;
        self.input("server").await.send_keys(server).await.unwrap();
        self.input("user").await.send_keys(user).await.unwrap();
        self.input("password").await.send_keys(password).await.unwrap();
        self.click(&self.button("Sign in").await, "Sign in").await;
        self.wait_text("[data-testid='sync-state']", "Synced").await;
    }
}

/// A dealer group in the window: a rep finds a car at the sister store and asks for it; its
/// manager approves and it arrives in transit; the group manager's laptop syncs every rooftop and
/// the Group report's total adds up the rooftops' own figures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rep_asks_a_sister_store_for_a_car_and_the_group_manager_reads_every_rooftop() {
    use showroom_core::domain::{Customer, Timestamp, Vehicle};
    use showroom_core::store::{Store, get};
    const PW: &str = "correct horse battery";
    let _one = ONE_WINDOW.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let server = showroom_e2e::SyncServer::start(dir.path(), "Lakeside Motors", &[]);
    server.admin(&["group", "add", "Lakeside Group", "--rooftop", "Lakeside Motors"], None);
    server.admin(&["dealership", "add", "Hillside Auto", "--group", "Lakeside Group"], None);
    server.add_user("ana", "Ana Ruiz", "rep", Some("Lakeside Motors"), PW);
    server.add_user("hal", "Hal Moore", "manager", Some("Hillside Auto"), PW);
    let gina = ["--login", "gina", "--name", "Gina Park", "--role", "group-manager", "--group", "Lakeside Group"];
    server.admin(&[&["user", "add"][..], &gina[..], &["--dealership", "Lakeside Motors"][..]].concat(), Some(PW));

    // Hal's desk at Hillside: a RAV4 on the lot and two cars sold this month (one deal lost).
    let now = Timestamp::parse(&showroom_e2e::pinned_now()).unwrap();
    let client = showroom_core::sync::client::Client::new(&server.url()).unwrap();
    let mut hal = Store::open(&dir.path().join("hal.sqlite3")).unwrap();
    let hs = client.sign_in("hal", PW, hal.device_id()).await.unwrap();
    hal.set_user(Some(hs.user_id)).unwrap();
    let rav4: Vehicle = serde_json::from_value(serde_json::json!({
        "id": uuid::Uuid::now_v7(), "vin": "2T3P1RFV2RC123456", "stock_no": "H100", "year": 2025, "make": "Toyota",
        "model": "RAV4", "trim": "XLE", "body": "SUV", "colour": "Blue", "mileage": 12, "condition": "new",
        "msrp_cents": 3_450_000, "invoice_cents": 3_200_000, "price_cents": 3_390_000, "status": "available",
        "location": "Lot B", "received_at": now, "created_at": now, "updated_at": now, "deleted_at": null
    }))
    .unwrap();
    hal.write(|w| {
        w.insert(&rav4)?;
        for (i, status) in ["won", "won", "lost"].into_iter().enumerate() {
            let mut c = Customer::blank(uuid::Uuid::now_v7(), now);
            (c.owner_id, c.first_name, c.last_name) = (Some(hs.user_id), "Buyer".into(), format!("Number {i}"));
            w.insert(&c)?;
            let deal: showroom_core::domain::Opportunity = serde_json::from_value(serde_json::json!({
                "id": uuid::Uuid::now_v7(), "customer_id": c.id, "lead_id": null, "vehicle_id": null,
                "stage_id": showroom_core::pipeline::default_stage_id(10), "title": "2026 Camry", "amount_cents": 3_000_000,
                "owner_id": hs.user_id, "status": status, "expected_close": null,
                "lost_reason": if status == "lost" { "price" } else { "" },
                "stage_entered_at": now, "closed_at": now, "created_at": now, "updated_at": now, "deleted_at": null,
                "gross_cents": 200_000
            }))
            .unwrap();
            w.insert(&deal)?;
        }
        Ok(())
    })
    .unwrap();
    let r = client.sync(&mut hal, &hs).await.unwrap();
    assert_eq!(r.refused, 0, "{r:?}");

    // Ana, in the window at Lakeside: Inventory › Sister stores finds the RAV4 and asks for it.
    let ana_data = dir.path().join("ana-laptop");
    let ui = launch(&ana_data).await;
    ui.click(&ui.button("Start empty").await, "Start empty").await;
    ui.sign_in(&server.url(), "ana", PW).await;
    ui.go("Inventory").await;
    ui.click(&ui.button("Sister stores").await, "Sister stores").await;
    ui.input("group_query").await.send_keys("rav4").await.unwrap();
    // (In the dialog WebKit's element text reads empty: match on the text content.)
    let row = ui
        .find(By::XPath("//tr[@data-sister-stock='H100'][contains(., 'Hillside Auto')]"), "H100 at Hillside", 15)
        .await;
    let text = row.prop("textContent").await.unwrap().unwrap_or_default();
    if !(text.contains("2025 Toyota RAV4 XLE") && text.contains("$33,900")) {
        ui.fail(format!("the sister store's row reads {text:?}"));
    }
    ui.click(&ui.find(By::Css("button[aria-label='Request H100']"), "Request H100", 10).await, "Request").await;
    ui.input("transfer_note").await.send_keys("For Maria Harris, Saturday").await.unwrap();
    ui.click(&ui.button("Send request").await, "Send request").await;
    ui.find(By::XPath("//tr[@data-sister-stock='H100'][contains(., 'Requested')]"), "H100 requested", 15).await;
    ui.find(By::XPath("//table[@aria-label='Transfers']//tr[contains(., 'Waiting for approval')]"), "the transfer", 15)
        .await;
    shot(&ui.display, "70-sister-stores");
    ui.nothing_clipped("sister stores").await;

    // Hal approves; at Ana's next sync the RAV4 is on her lot, in transit.
    let listed = client.transfers(&hs).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].note, "For Maria Harris, Saturday");
    let decision = showroom_core::sync::protocol::TransferDecision { approve: true, reason: String::new() };
    client.decide_transfer(&hs, listed[0].id, &decision).await.unwrap();
    ui.click(&ui.button("Close").await, "Close").await;
    ui.click(&ui.find(By::Css("[title^='Sync & conflicts']"), "the Sync nav item", 10).await, "Sync").await;
    ui.click(&ui.button("Sync now").await, "Sync now").await;
    ui.wait_text("[data-testid='sync-state']", "Synced").await;
    ui.go("Inventory").await;
    ui.wait_text("tr[data-stock='H100']", "In transit").await;
    ui.driver.quit().await.unwrap();
    drop((ui._tauri_driver, ui.display));
    client.sync(&mut hal, &hs).await.unwrap();
    assert!(get::<Vehicle>(hal.conn(), rav4.id).is_err(), "the RAV4 left Hillside's laptops");

    // Gina's laptop: Reports › Group is empty until she syncs every rooftop, then shows both.
    let ui = launch(&dir.path().join("gina-laptop")).await;
    ui.click(&ui.button("Start empty").await, "Start empty").await;
    ui.sign_in(&server.url(), "gina", PW).await;
    ui.go("Reports").await;
    ui.click(
        &ui.find(By::XPath("//button[@role='tab'][normalize-space(.)='Group']"), "the Group tab", 15).await,
        "Group",
    )
    .await;
    ui.find(By::Css("[data-testid='group-empty']"), "the empty group report", 15).await;
    ui.click(&ui.button("Sync every rooftop").await, "Sync every rooftop").await;
    let hill =
        ui.find(By::XPath("//tr[@data-rooftop='Hillside Auto'][contains(., '$60,000')]"), "Hillside's row", 30).await;
    let lake = ui.find(By::Css("tr[data-rooftop='Lakeside Motors']"), "Lakeside's row", 15).await;
    let total = ui.find(By::Css("tfoot tr.total-row"), "the group total", 15).await;
    let cells = |e: WebElement| async move {
        let mut out = Vec::new();
        for c in e.find_all(By::Css("td, th")).await.unwrap() {
            out.push(c.prop("textContent").await.unwrap().unwrap_or_default());
        }
        out
    };
    let (hill, lake, total) = (cells(hill).await, cells(lake).await, cells(total).await);
    // Rooftop, units, revenue, gross, win rate, leads, speed, open · weighted, forecast, synced.
    assert_eq!(&hill[1..5], ["2", "$60,000", "$4,000", "67%"], "{hill:?}");
    assert_eq!(&lake[1..3], ["0", "$0"], "{lake:?}");
    assert_eq!(&total[..5], ["Group total", "2", "$60,000", "$4,000", "67%"], "{total:?}");
    shot(&ui.display, "71-group-report");
    ui.nothing_clipped("group report").await;
    ui.driver.quit().await.unwrap();
}

/// The window's WebKit processes get the app's settings (`cli::WEBKIT_ENV`): the page's
/// JavaScript runs without JavaScriptCore's JIT (it held ~58 MB for nothing the page needs) and
/// WebKit paints without compositing through OpenGL (~100 MB less on Today, ~220 MB after every
/// screen), whether the app is started as `showroom` or as `showroom-app` directly (which starts
/// itself again with them), and the page still draws. The harness sets neither, so this reads
/// what the app set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_processes_get_the_apps_webkit_settings_however_the_app_is_started() {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::CommandExt;
    let _one = ONE_WINDOW.lock().await;
    let display = display();
    // A data folder set up already, so the app shell paints (and says so).
    let data = demo_data();
    for program in ["showroom", "showroom-app"] {
        let mut child =
            showroom_e2e::in_window(showroom_e2e::pin(&mut std::process::Command::new(binary(program))), &display.name)
                .arg("--data-dir")
                .arg(data.path())
                .env("SHOWROOM_STARTUP_PROBE", "1")
                .env_remove("JSC_useJIT")
                .env_remove("WEBKIT_DISABLE_COMPOSITING_MODE")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .process_group(0)
                .spawn()
                .unwrap();
        let out = child.stdout.take().unwrap();
        let app = Guard(child);
        let (painted, seen) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let painted_shell =
                BufReader::new(out).lines().map_while(Result::ok).any(|l| l.starts_with("first-paint shell"));
            let _ = painted.send(painted_shell);
        });
        assert_eq!(seen.recv_timeout(Duration::from_secs(90)), Ok(true), "{program}: the window never painted");
        let web: Vec<u32> = showroom_e2e::process_tree(app.0.id())
            .into_iter()
            .filter(|pid| {
                std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.starts_with("WebKitWebProces"))
            })
            .collect();
        assert!(!web.is_empty(), "{program}: no WebKit web process under the app");
        for pid in web {
            let env = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
            for setting in ["JSC_useJIT=false", "WEBKIT_DISABLE_COMPOSITING_MODE=1"] {
                assert!(
                    env.split(|b| *b == 0).any(|v| v == setting.as_bytes()),
                    "{program}: web process {pid} runs without {setting}"
                );
            }
        }
    }
}
