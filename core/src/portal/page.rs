//! The customer portal's pages: plain server-rendered HTML that reads on a 360 px phone without
//! JavaScript. The quote is drawn from [`crate::pdf::QuoteSheet`], the content the PDF prints, so
//! the two cannot disagree. Every value is HTML-escaped; forms post back to the same link with a
//! CSRF field; nothing here fetches anything from elsewhere (the style is inline).

use crate::domain::Consent;
use crate::pdf::{Block, Letterhead, QuoteSheet, Weight};
use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

/// A date as a customer reads it: "November 18, 2026".
pub fn long_date(d: chrono::NaiveDate) -> String {
    d.format("%B %-d, %Y").to_string()
}

/// Where the quote stands for the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// They may accept or decline it.
    Open,
    Accepted {
        on: String,
    },
    Declined {
        on: String,
    },
    Expired {
        on: String,
    },
    /// The dealership withdrew or replaced it.
    Closed,
}

/// Everything one portal page shows.
#[derive(Debug, Clone)]
pub struct QuotePage<'a> {
    pub letterhead: &'a Letterhead,
    pub sheet: &'a QuoteSheet,
    /// The link's token (the page's own address is `/p/<token>`).
    pub token: &'a str,
    pub csrf: &'a str,
    pub version: i64,
    pub standing: Standing,
    pub consent: Consent,
    /// A line at the top after an action ("Thank you: …" or what went wrong).
    pub flash: Option<(bool, String)>,
    pub first_name: &'a str,
    /// Until when the link works.
    pub link_expires: String,
    /// Booking a test drive of the quote's vehicle.
    pub drive: Drive,
    /// The dealership's spelling ("licence" or "license").
    pub locale: &'a crate::locale::Locale,
}

/// The test-drive part of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drive {
    /// Nothing to book (no vehicle on the quote, or the quote is closed).
    Off,
    /// Already booked, in the dealership's words.
    Booked(String),
    /// Free slots by day: the day's label, then each slot's value (RFC 3339) and its words in the
    /// list ("Wed, Nov 18 · 10:00 AM": short enough for a phone's closed list).
    Slots(Vec<(String, Vec<(String, String)>)>),
}

const STYLE: &str = "
:root{color-scheme:light dark;--fg:#1b1f24;--muted:#5b6470;--bg:#fff;--card:#f4f6f8;--line:#d7dce1;--accent:#1f5fbf;--ok:#1d7a3e;--bad:#a4262c}
@media (prefers-color-scheme:dark){:root{--fg:#e8eaed;--muted:#a6adb5;--bg:#15181c;--card:#1f2328;--line:#353b42;--accent:#7fb0ff;--ok:#6fd08f;--bad:#ff8a8f}}
*{box-sizing:border-box}body{margin:0;font:16px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:var(--fg);background:var(--bg)}
main,header,footer{max-width:40rem;margin:0 auto;padding:0 16px}header{padding-top:16px}
h1{font-size:1.5rem;margin:.5rem 0}h2{font-size:1.05rem;margin:1.25rem 0 .25rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
.muted{color:var(--muted)}.small{font-size:.85rem}.dealer{font-weight:700;font-size:1.1rem}
.card{background:var(--card);border-radius:12px;padding:14px 16px;margin:12px 0}
.headline{font-size:1.35rem;font-weight:700}
.row{display:flex;justify-content:space-between;gap:12px;padding:4px 0;border-bottom:1px dotted var(--line)}
.row span:last-child{white-space:nowrap;text-align:right;font-variant-numeric:tabular-nums}
.strong{font-weight:700}.emphasis{font-weight:700;font-size:1.1rem}
.grid{overflow-x:auto}table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{padding:4px 6px;text-align:right;border-bottom:1px solid var(--line);white-space:nowrap}th:first-child,td:first-child{text-align:left}
.btn{display:block;width:100%;min-height:48px;border-radius:10px;border:1px solid var(--line);background:var(--bg);color:var(--fg);font:inherit;font-weight:600;margin:8px 0;padding:10px;text-align:center;text-decoration:none}
.btn.primary{background:var(--accent);border-color:var(--accent);color:#fff}
@media (prefers-color-scheme:dark){.btn.primary{color:#0b1b33}}
textarea,input[type=text],select{width:100%;font:inherit;padding:10px;border-radius:8px;border:1px solid var(--line);background:var(--bg);color:var(--fg)}select{min-height:48px}
label{display:block;font-weight:600;margin:.5rem 0 .25rem}.check{display:flex;gap:10px;align-items:center;font-weight:400;min-height:40px}.check input{width:22px;height:22px}
.flash{border-radius:10px;padding:12px 14px;margin:12px 0;font-weight:600}.flash.ok{background:color-mix(in srgb,var(--ok) 15%,transparent);color:var(--ok)}.flash.bad{background:color-mix(in srgb,var(--bad) 15%,transparent);color:var(--bad)}
details{margin:8px 0;border-bottom:1px solid var(--line)}summary{cursor:pointer;font-weight:600;min-height:48px;display:flex;align-items:center;justify-content:space-between;list-style:none}
summary::-webkit-details-marker{display:none}summary::after{content:'+';font-size:1.4rem;color:var(--muted)}details[open] summary::after{content:'−'}
footer{padding-bottom:32px}
";

/// The head of every portal page: no referrer, no indexing, the phone's width.
fn head(title: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\"><meta name=\"robots\" content=\"noindex, nofollow\">\
         <title>{}</title><style>{STYLE}</style></head><body>",
        text(title)
    )
}

fn dealer_header(l: &Letterhead) -> String {
    let contact =
        [l.address.as_str(), &l.phone, &l.email].into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>().join(" · ");
    let name = if l.name.is_empty() { "Showroom" } else { &l.name };
    format!(
        "<header><div class=\"dealer\">{}</div><div class=\"muted small\">{}</div></header>",
        text(name),
        text(&contact)
    )
}

fn hidden(csrf: &str) -> String {
    format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", attr(csrf))
}

/// The quote page: what the customer was quoted, what they may do, their contact preferences.
pub fn quote_page(p: &QuotePage<'_>) -> String {
    let s = p.sheet;
    let mut h =
        head(&format!("{} — {}", s.kind, if p.letterhead.name.is_empty() { "Showroom" } else { &p.letterhead.name }));
    h.push_str(&dealer_header(p.letterhead));
    h.push_str("<main>");
    if let Some((ok, msg)) = &p.flash {
        h.push_str(&format!(
            "<div class=\"flash {}\" role=\"status\" data-flash=\"{}\">{}</div>",
            if *ok { "ok" } else { "bad" },
            if *ok { "ok" } else { "refused" },
            text(msg)
        ));
    }
    let title = match p.first_name {
        "" => format!("Here is your {}", s.kind.to_lowercase()),
        name => format!("{name}, here is your {}", s.kind.to_lowercase()),
    };
    h.push_str(&format!(
        "<h1>{}</h1><p class=\"muted small\" data-ident>{}</p>",
        text(&title),
        text(&s.ident.join(" · "))
    ));
    h.push_str(&format!(
        "<div class=\"card\"><div>{}</div><div class=\"headline\" data-headline>{}</div>{}</div>",
        text(s.vehicle.first().map(String::as_str).unwrap_or("")),
        text(&s.headline),
        if s.salesperson.is_empty() {
            String::new()
        } else {
            format!("<div class=\"muted small\">Your salesperson: {}</div>", text(&s.salesperson))
        }
    ));
    match &p.standing {
        Standing::Open => {
            h.push_str(&format!(
                "<form method=\"post\" action=\"/p/{t}/accept\">{c}<input type=\"hidden\" name=\"version\" value=\"{v}\">\
                 <button class=\"btn primary\" type=\"submit\" id=\"accept\">Accept this quote</button></form>\
                 <p class=\"muted small\">Accepting tells your salesperson to prepare the paperwork; nothing is charged. \
                 Figures are confirmed when you sign.</p>",
                t = attr(p.token),
                c = hidden(p.csrf),
                v = p.version
            ));
        }
        Standing::Accepted { on } => h.push_str(&format!(
            "<div class=\"flash ok\" role=\"status\" data-standing=\"accepted\">Thank you! You accepted this quote on {}. \
             Your salesperson has been told and will be in touch to set up delivery.</div>",
            text(on)
        )),
        Standing::Declined { on } => h.push_str(&format!(
            "<div class=\"flash bad\" role=\"status\" data-standing=\"declined\">You declined this quote on {}. \
             Thank you for letting us know; your salesperson has been told.</div>",
            text(on)
        )),
        Standing::Expired { on } => h.push_str(&format!(
            "<div class=\"flash bad\" data-standing=\"expired\">This quote was valid until {}. Ask your salesperson for a new one.</div>",
            text(on)
        )),
        Standing::Closed => h.push_str(
            "<div class=\"flash bad\" data-standing=\"closed\">This quote is no longer open. Ask your salesperson for a new one.</div>",
        ),
    }
    h.push_str(&format!("<a class=\"btn\" href=\"/p/{}/quote.pdf\" download>Download the PDF</a>", attr(p.token)));
    h.push_str(&format!(
        "<details><summary>Ask a question</summary><form method=\"post\" action=\"/p/{t}/question\">{c}\
         <label for=\"question\">Your question</label><textarea id=\"question\" name=\"text\" rows=\"4\" maxlength=\"2000\" required></textarea>\
         <button class=\"btn\" type=\"submit\">Send the question</button></form></details>",
        t = attr(p.token),
        c = hidden(p.csrf)
    ));
    match &p.drive {
        Drive::Off => {}
        Drive::Booked(when) => h.push_str(&format!(
            "<div class=\"flash ok\" role=\"status\" data-drive>Your test drive: {}. Your salesperson will have the car ready.</div>",
            text(when)
        )),
        Drive::Slots(days) if days.is_empty() => h.push_str(
            "<p class=\"muted small\" data-drive>No test-drive times are free this week; ask your salesperson.</p>",
        ),
        Drive::Slots(days) => {
            h.push_str(&format!(
                "<details><summary>Book a test drive</summary><form method=\"post\" action=\"/p/{t}/drive\">{c}\
                 <label for=\"slot\">Pick a time (30 minutes)</label><select id=\"slot\" name=\"slot\" required>",
                t = attr(p.token),
                c = hidden(p.csrf)
            ));
            for (day, slots) in days {
                h.push_str(&format!("<optgroup label=\"{}\">", attr(day)));
                for (value, time) in slots {
                    h.push_str(&format!("<option value=\"{}\">{}</option>", attr(value), text(time)));
                }
                h.push_str("</optgroup>");
            }
            h.push_str(&format!(
                "</select><button class=\"btn\" type=\"submit\" id=\"book-drive\">Book the test drive</button>\
                 <p class=\"muted small\">{}</p></form></details>",
                text(&p.locale.spell("Please bring your driving licence."))
            ));
        }
    }
    if p.standing == Standing::Open {
        h.push_str(&format!(
            "<details><summary>Decline this quote</summary><form method=\"post\" action=\"/p/{t}/decline\">{c}\
             <input type=\"hidden\" name=\"version\" value=\"{v}\">\
             <label for=\"reason\">What would make it work for you? (optional)</label>\
             <textarea id=\"reason\" name=\"reason\" rows=\"3\" maxlength=\"2000\"></textarea>\
             <button class=\"btn\" type=\"submit\" id=\"decline\">Decline</button></form></details>",
            t = attr(p.token),
            c = hidden(p.csrf),
            v = p.version
        ));
    }

    // The quote itself, as printed.
    h.push_str("<section aria-label=\"Quote details\">");
    h.push_str(&format!(
        "<h2>Customer</h2><div>{}</div><h2>Vehicle</h2><div>{}</div>",
        s.customer.iter().map(|l| text(l).to_string()).collect::<Vec<_>>().join("<br>"),
        s.vehicle.iter().map(|l| text(l).to_string()).collect::<Vec<_>>().join("<br>")
    ));
    for b in &s.blocks {
        match b {
            Block::Section(t) => h.push_str(&format!("<h2>{}</h2>", text(t))),
            Block::Row { label, amount, weight } => h.push_str(&format!(
                "<div class=\"row {}\"><span>{}</span><span>{}</span></div>",
                match weight {
                    Weight::Body => "",
                    Weight::Strong => "strong",
                    Weight::Emphasis => "emphasis",
                },
                text(label),
                text(amount)
            )),
            Block::Table { head, rows } => {
                h.push_str("<div class=\"grid\"><table><thead><tr>");
                for c in head {
                    h.push_str(&format!("<th scope=\"col\">{}</th>", text(c)));
                }
                h.push_str("</tr></thead><tbody>");
                for r in rows {
                    h.push_str("<tr>");
                    for c in r {
                        h.push_str(&format!("<td>{}</td>", text(c)));
                    }
                    h.push_str("</tr>");
                }
                h.push_str("</tbody></table></div>");
            }
            Block::Text(t) => h.push_str(&format!("<p>{}</p>", text(t))),
            Block::Fine(t) => h.push_str(&format!("<p class=\"muted small\">{}</p>", text(t))),
        }
    }
    h.push_str("</section>");

    // Contact preferences.
    let check = |name: &str, label: &str, on: bool| {
        format!(
            "<label class=\"check\"><input type=\"checkbox\" name=\"{name}\" value=\"yes\"{}> {}</label>",
            if on { " checked" } else { "" },
            text(label)
        )
    };
    h.push_str(&format!(
        "<h2>How we may contact you</h2><form method=\"post\" action=\"/p/{t}/consent\">{c}{}{}{}\
         <button class=\"btn\" type=\"submit\" id=\"save-consent\">Save my preferences</button></form>",
        check("email", "Email about my purchase and offers", p.consent.email),
        check("sms", "Text messages", p.consent.sms),
        check("phone", "Phone calls", p.consent.phone),
        t = attr(p.token),
        c = hidden(p.csrf)
    ));
    h.push_str(&format!(
        "</main><footer class=\"muted small\"><p>This link is personal to you and works until {}. \
         Do not forward it.</p></footer></body></html>",
        text(&p.link_expires)
    ));
    h
}

/// A page that only says something (a gone link, a refused action, an unsubscribe).
pub fn notice_page(letterhead: Option<&Letterhead>, title: &str, message: &str, form: Option<(&str, &str)>) -> String {
    let mut h = head(title);
    if let Some(l) = letterhead {
        h.push_str(&dealer_header(l));
    }
    h.push_str(&format!("<main><h1>{}</h1><p data-message>{}</p>", text(title), text(message)));
    if let Some((action, button)) = form {
        h.push_str(&format!(
            "<form method=\"post\" action=\"{}\"><button class=\"btn primary\" type=\"submit\">{}</button></form>",
            attr(action),
            text(button)
        ));
    }
    h.push_str("</main></body></html>");
    h
}
