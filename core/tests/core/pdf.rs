//! Printed quotes: the PDF's text must carry the engine's figures, and its pages must render.

use showroom_core::Showroom;
use showroom_core::desk::Deal;
use showroom_core::pdf::{QuoteHeader, QuoteParty};
use std::path::{Path, PathBuf};
use std::process::Command;

fn example(name: &str) -> Deal {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/deals").join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

pub fn pdf_text(pdf: &Path) -> String {
    let out =
        Command::new("pdftotext").args(["-layout"]).arg(pdf).arg("-").output().expect("pdftotext (poppler-utils)");
    assert!(out.status.success(), "pdftotext failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Renders page `page` to a greyscale PGM and returns the share of pixels that are not white.
pub fn ink_on_page(pdf: &Path, page: u32) -> f64 {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("p");
    let status = Command::new("pdftoppm")
        .args(["-gray", "-r", "40", "-f", &page.to_string(), "-l", &page.to_string()])
        .arg(pdf)
        .arg(&prefix)
        .status()
        .expect("pdftoppm (poppler-utils)");
    assert!(status.success());
    let file = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
    let bytes = std::fs::read(file).unwrap();
    // PGM: "P5\n<w> <h>\n255\n" then one byte per pixel.
    let mut fields = 0;
    let mut i = 0;
    while fields < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields += 1;
    }
    let pixels = &bytes[i + 1..];
    pixels.iter().filter(|&&p| p < 200).count() as f64 / pixels.len() as f64
}

fn write_pdf(app: &Showroom, deal: &Deal, grid: bool) -> (tempfile::TempDir, PathBuf, usize) {
    let header = QuoteHeader {
        customer: QuoteParty {
            name: "Zoë Quintero-Hale".into(), phone: "(512) 201-4477".into(), email: String::new()
        },
        quote_number: "Q-2026-0042 v1".into(),
        valid_until: "2026-12-04".into(),
        show_grid: grid,
        ..Default::default()
    };
    let bytes = app.quote_pdf(deal, header).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quote.pdf");
    std::fs::write(&path, &bytes).unwrap();
    (dir, path, bytes.len())
}

#[test]
fn a_loan_quote_prints_every_figure_of_the_engine() {
    let app = Showroom::open_in_memory().unwrap();
    let deal = example("loan");
    let calc = app.calculate_deal(&deal).unwrap();
    let (_dir, path, size) = write_pdf(&app, &deal, true);
    assert!(size < 150 * 1024, "{size} bytes");
    let text = pdf_text(&path);
    let loan = calc.loan.as_ref().unwrap();
    for line in &calc.lines {
        assert!(text.contains(&line.label), "missing line {:?}", line.label);
        assert!(text.contains(&line.amount.pretty()), "missing amount {} for {}", line.amount.pretty(), line.label);
    }
    for t in &calc.taxes {
        assert!(text.contains(&t.amount.pretty()) && text.contains("TX rules"), "tax {t:?}");
    }
    for figure in [loan.payment, loan.amount_financed, loan.total_of_payments, loan.finance_charge, calc.out_the_door] {
        assert!(text.contains(&figure.pretty()), "missing {}", figure.pretty());
    }
    assert!(text.contains("6.49%"));
    // The grid shows every cell, and the customer's name prints with its accent.
    for cell in &calc.loan_grid {
        assert!(text.contains(&cell.payment.pretty()), "grid cell {cell:?}");
    }
    assert!(text.contains("Zoë Quintero-Hale"));
    assert!(text.contains("VIN 2T3P1RFV8RW123456"));
    assert!(text.contains("Page 1 of"));
    // Manager-only figures never reach the customer's copy.
    let gross = calc.front_end_gross.unwrap();
    assert!(!text.contains("gross") && !text.contains(&gross.pretty()), "front-end gross leaked");
    assert!(ink_on_page(&path, 1) > 0.01, "page 1 renders blank");
}

#[test]
fn a_lease_quote_shows_money_factor_residual_and_due_at_signing() {
    let app = Showroom::open_in_memory().unwrap();
    let deal = example("lease");
    let calc = app.calculate_deal(&deal).unwrap();
    let l = calc.lease.as_ref().unwrap();
    let (_dir, path, _) = write_pdf(&app, &deal, false);
    let text = pdf_text(&path);
    for figure in [l.residual, l.adjusted_cap_cost, l.depreciation, l.rent_charge, l.payment, l.due_at_signing_total] {
        assert!(text.contains(&figure.pretty()), "missing {}", figure.pretty());
    }
    assert!(text.contains("0.00175") && text.contains("4.2% APR"), "money factor with APR equivalent");
    assert!(text.contains("Residual value (56% of MSRP)"));
    assert!(text.contains("Acquisition fee (capitalized)"));
    assert!(text.contains("Illinois retailers' occupation tax"));
}

#[test]
fn a_long_quote_breaks_onto_numbered_pages() {
    let app = Showroom::open_in_memory().unwrap();
    let mut deal = example("loan");
    for i in 0..60 {
        deal.options.push(showroom_core::desk::Item {
            name: format!("Accessory {i}: Crème de la crème edition trim, €-market spec"),
            amount: showroom_core::desk::money::Money(10_000 + i),
            taxable: true,
        });
    }
    let (_dir, path, _) = write_pdf(&app, &deal, true);
    let text = pdf_text(&path);
    assert!(
        text.contains("Page 1 of 3") || text.contains("Page 1 of 2"),
        "{}",
        &text[text.len().saturating_sub(300)..]
    );
    assert!(text.contains("Accessory 59: Crème de la crème edition trim, €-market spec"));
    let pages = text.matches("Page ").filter(|_| true).count();
    assert!(pages >= 2);
    assert!(ink_on_page(&path, 2) > 0.005, "page 2 renders blank");
}

#[test]
fn a_bad_deal_prints_nothing_and_names_the_field() {
    let app = Showroom::open_in_memory().unwrap();
    let mut deal = example("loan");
    deal.price = showroom_core::desk::money::Money(-1);
    let err = app.quote_pdf(&deal, QuoteHeader::default()).unwrap_err();
    assert!(err.to_string().contains("price: must not be negative"), "{err}");
}

/// A 2×1 PNG (one blue, one white pixel), made by hand so the test needs no image library.
const TINY_PNG: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAIAAAB7QOjdAAAAD0lEQVR4nGOQizrx//9/AAuXBD6JLCBGAAAAAElFTkSuQmCC";

#[test]
fn the_letterhead_and_logo_from_settings_print_on_the_quote() {
    let mut app = Showroom::open_in_memory().unwrap();
    let saved = app
        .save_letterhead(showroom_core::pdf::Letterhead {
            name: " Lakeside Motors ".into(),
            address: "4100 Lakeshore Blvd, Austin".into(),
            phone: "(512) 201-0000".into(),
            email: "sales@lakeside.example".into(),
            logo_png: Some(format!("data:image/png;base64,{TINY_PNG}")),
        })
        .unwrap();
    assert_eq!(saved.name, "Lakeside Motors");
    let (_dir, path, _) = write_pdf(&app, &example("cash"), false);
    let text = pdf_text(&path);
    assert!(text.contains("Lakeside Motors") && text.contains("4100 Lakeshore Blvd, Austin"), "{text}");
    let images = Command::new("pdfimages").arg("-list").arg(&path).output().expect("pdfimages (poppler-utils)");
    let listing = String::from_utf8_lossy(&images.stdout);
    assert_eq!(listing.lines().count(), 3, "header, rule, one image:\n{listing}");

    let bad = showroom_core::pdf::Letterhead {
        name: "".into(),
        logo_png: Some("R0lGODlhAQABAAAAACw=".into()),
        ..Default::default()
    };
    let err = app.save_letterhead(bad).unwrap_err().to_string();
    assert!(err.contains("name: is required") && err.contains("logo_png: must be a PNG"), "{err}");
    assert_eq!(app.letterhead().name, "Lakeside Motors", "nothing changed");
}

#[test]
fn a_signed_in_laptop_prints_its_rooftops_name_until_a_manager_saves_a_letterhead() {
    let mut app = Showroom::open_in_memory().unwrap();
    assert_eq!(app.letterhead().name, "", "a laptop on its own has no name to print");
    assert_eq!(app.status().unwrap().dealership, None);
    // What sign-in keeps: the rooftop's name as the server calls it.
    app.store().set_meta(showroom_core::rooftops::NAME, "Hillside Auto").unwrap();
    assert_eq!(app.status().unwrap().dealership.as_deref(), Some("Hillside Auto"));
    assert_eq!(app.letterhead().name, "Hillside Auto");
    let (_dir, path, _) = write_pdf(&app, &example("cash"), false);
    assert!(pdf_text(&path).contains("Hillside Auto"), "the quote names the rooftop");
    // A manager's letterhead wins over the server's name.
    app.save_letterhead(showroom_core::pdf::Letterhead { name: "Hillside Toyota".into(), ..Default::default() })
        .unwrap();
    assert_eq!(app.letterhead().name, "Hillside Toyota");
    assert_eq!(app.status().unwrap().dealership.as_deref(), Some("Hillside Toyota"));
}
