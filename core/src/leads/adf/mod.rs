//! ADF/XML 1.0 (the auto industry's lead format): reading prospects from a feed and writing leads
//! back out. Real feeds deviate from the spec in their bytes (Latin-1, UTF-16, a wrong or missing
//! declaration: [`decode`]), their markup (pseudo-declarations, unquoted attributes, bare `&`,
//! HTML in comments, unclosed tags: [`repair`]) and their content (element case, missing name
//! parts, malformed dates, odd phones), so reading is tolerant: every prospect comes back with each
//! repair and problem as a warning and its original text, and nothing is dropped silently.
//! `docs/adf-feeds.md` lists what is accepted and what is refused. Refused: a DTD with an
//! internal subset (no entity expansion, so no XML bombs), binary files, files over
//! [`MAX_BYTES`], more than `MAX_NODES` nodes. One reader serves the CLI, the app's import screen
//! and the server's intake.

pub mod decode;
pub mod repair;

use crate::error::{CoreError, FieldError, Result};
use roxmltree::{Document, Node, ParsingOptions};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The largest feed read in one go.
pub const MAX_BYTES: usize = 50 * 1024 * 1024;
const MAX_NODES: u32 = 5_000_000;

/// One `<prospect>` as read, before it becomes a lead.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Prospect {
    /// Its position in the feed (1-based), for reports.
    pub index: usize,
    /// Line of the `<prospect>` element in the file.
    pub line: u32,
    /// `requestdate` as UTC RFC 3339, when it could be read.
    pub request_date: Option<String>,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    /// Phones as written, with their `type` (voice, cellphone, fax…).
    pub phones: Vec<(String, String)>,
    pub interest: String,
    /// new / used, as the feed says.
    pub condition: String,
    pub year: String,
    pub make: String,
    pub model: String,
    pub trim: String,
    pub vin: String,
    pub stock: String,
    pub timeframe: String,
    pub comments: String,
    pub vendor: String,
    pub provider: String,
    /// The provider's id of the lead (`<prospect><id source="…">`): a lead sent twice is stored once.
    pub provider_id: String,
    pub warnings: Vec<FieldError>,
    /// The `<prospect>` element as it arrived (decoded to text, before any repair).
    pub original: String,
}

impl Prospect {
    /// Whether there is any way to reach the person.
    pub fn contactable(&self) -> bool {
        !self.email.trim().is_empty()
            || self.phones.iter().any(|(_, n)| n.chars().filter(char::is_ascii_digit).count() >= 7)
    }

    /// "2021 Toyota RAV4 XLE", from whatever parts the feed gave.
    pub fn vehicle(&self) -> String {
        [self.year.as_str(), &self.make, &self.model, &self.trim]
            .iter()
            .filter(|s| !s.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn eq(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

fn child<'a, 'i>(n: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    n.children().find(|c| c.is_element() && eq(c.tag_name().name(), name))
}

fn children<'a, 'i>(n: Node<'a, 'i>, name: &'a str) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| c.is_element() && eq(c.tag_name().name(), name))
}

/// All the text inside an element, whitespace collapsed.
fn text(n: Option<Node<'_, '_>>) -> String {
    let Some(n) = n else { return String::new() };
    let raw: String = n.descendants().filter(|d| d.is_text()).filter_map(|d| d.text()).collect();
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn attr(n: Node<'_, '_>, name: &str) -> String {
    n.attributes().find(|a| eq(a.name(), name)).map(|a| a.value().trim().to_string()).unwrap_or_default()
}

/// Reads an ADF date: RFC 3339 / ISO 8601 with or without a zone or seconds, or a bare date.
pub fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    if let Ok(d) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(d.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M%z", "%Y-%m-%d %H:%M:%S%z"] {
        if let Ok(d) = chrono::DateTime::parse_from_str(s, f) {
            return Some(d.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y %I:%M %p"] {
        if let Ok(d) = chrono::NaiveDateTime::parse_from_str(s, f) {
            return Some(d.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        }
    }
    for f in ["%Y-%m-%d", "%m/%d/%Y"] {
        if let Ok(d) = chrono::NaiveDate::parse_from_str(s, f) {
            return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc().to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
        }
    }
    None
}

/// Whether a file is ADF/XML rather than CSV, by its content: it starts with markup, or names an
/// ADF element near its start (a feed pasted out of an email starts with the mail's text), in
/// UTF-8, a single-byte encoding or UTF-16.
pub fn sniff(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let text = match decode::unicode(head) {
        Some((enc, bom)) => enc.decode_without_bom_handling(&head[bom..]).0,
        None => String::from_utf8_lossy(head),
    };
    let lower = text.to_ascii_lowercase();
    lower.trim_start().starts_with('<') || ["<adf", "<?adf", "<prospect"].iter().any(|tag| lower.contains(tag))
}

/// Reads a feed. A file that cannot be read at all (binary, too big, a DTD, no ADF inside) is an
/// error naming why; everything else is read, with each repair and problem a warning on the
/// prospect it touched (repairs outside any prospect are on every prospect).
pub fn read(bytes: &[u8]) -> Result<Vec<Prospect>> {
    if bytes.len() > MAX_BYTES {
        return Err(CoreError::field(
            "file",
            format!("{} MB; an ADF file may be at most {} MB", bytes.len() / 1_048_576, MAX_BYTES / 1_048_576),
        ));
    }
    let decoded = decode::decode(bytes).map_err(|why| CoreError::field("file", why))?;
    let source = decoded.text.as_str();
    let opts = || ParsingOptions { allow_dtd: false, nodes_limit: MAX_NODES, ..ParsingOptions::default() };
    // A well-formed feed parses as it is, its ranges the source's own; the repair pass (and its
    // copy of the text) is for the rest.
    let strict = Document::parse_with_options(source, opts()).ok();
    let repaired = match strict {
        Some(_) => None,
        None => Some(repair::repair(source).map_err(|why| CoreError::field("file", why))?),
    };
    let parsed = match &repaired {
        Some(r) => Some(
            Document::parse_with_options(&r.text, opts())
                .map_err(|e| CoreError::field("file", format!("is not readable XML: {e}")))?,
        ),
        None => None,
    };
    let Some(doc) = strict.as_ref().or(parsed.as_ref()) else {
        return Err(CoreError::field("file", "is not readable XML"));
    };
    // The repaired document wraps what the file held: ADF documents, or prospects on their own.
    // Wherever they are: junk around a document can leave an element open around it.
    let wrapper = doc.root_element();
    let mut prospects: Vec<Node<'_, '_>> = Vec::new();
    let mut bare = false;
    let mut has_adf = false;
    for n in wrapper.descendants().filter(Node::is_element) {
        let name = n.tag_name().name();
        if eq(name, "adf") {
            has_adf = true;
        } else if eq(name, "prospect") && !n.ancestors().skip(1).any(|a| eq(a.tag_name().name(), "prospect")) {
            bare |= n.parent_element().is_none_or(|p| !eq(p.tag_name().name(), "adf"));
            prospects.push(n);
        }
    }
    let top = if repaired.is_some() { wrapper.first_element_child() } else { Some(wrapper) };
    let other = top.map(|e| e.tag_name().name().to_string());
    if prospects.is_empty() {
        return Err(CoreError::field(
            "file",
            match (has_adf, other) {
                (true, _) => "holds no <prospect>".to_string(),
                (false, Some(name)) => format!("the root element is <{name}>, not <adf>"),
                (false, None) => "is not an ADF/XML document (it holds no <adf> element)".to_string(),
            },
        ));
    }
    // Document-wide notes: the decoding, repairs outside every prospect.
    let mut general: Vec<FieldError> = decoded.notes.iter().map(|n| FieldError::new("file", n.clone())).collect();
    if bare {
        general.push(FieldError::new("file", "prospects outside an <adf> element were read"));
    }
    if repaired.is_none() {
        // Well-formed, but declarations in the ADF 1.0 sample's shape are still worth a word.
        for pi in doc.root().children().filter(|n| n.is_pi()) {
            let Some(decl) = pi.pi() else { continue };
            let written = &source[pi.range()];
            if let Some(note) = repair::declaration_note(decl.target, decl.value.unwrap_or(""), written, false) {
                let line = doc.text_pos_at(pi.range().start).row;
                general.push(FieldError::new("file", format!("line {line}: {note}")));
            }
        }
    }
    let ranges: Vec<std::ops::Range<usize>> = prospects.iter().map(|p| p.range()).collect();
    let mut per: Vec<Vec<FieldError>> = vec![Vec::new(); prospects.len()];
    for r in repaired.iter().flat_map(|r| &r.repairs) {
        let warning = FieldError::new("file", format!("line {}: {}", r.line, r.message));
        // Prospects are in document order: the first whose range ends after the repair.
        let k = ranges.partition_point(|range| range.end <= r.at);
        match ranges.get(k) {
            Some(range) if range.start <= r.at => per[k].push(warning),
            _ => general.push(warning),
        }
    }
    let mut out = Vec::with_capacity(prospects.len());
    // Line numbers counted incrementally (asking the document for each would rescan from the top).
    let text = repaired.as_ref().map_or(source, |r| r.text.as_str()).as_bytes();
    let (mut at, mut line) = (0usize, 1u32);
    for (i, (p, repairs)) in prospects.into_iter().zip(per).enumerate() {
        let start = p.range().start;
        if start >= at {
            line += text[at..start].iter().filter(|b| **b == b'\n').count() as u32;
            at = start;
        }
        let mut prospect = prospect(p, i + 1, line);
        let mut warnings = general.clone();
        warnings.extend(repairs);
        warnings.append(&mut prospect.warnings);
        prospect.warnings = warnings;
        // Up to the next tag of the source: without the whitespace before it.
        let range = match &repaired {
            Some(r) => r.source_range(p.range(), source.len()),
            None => p.range(),
        };
        prospect.original = source[range].trim_end().to_string();
        crate::sync::rules::fit_document(&mut prospect.original);
        out.push(prospect);
    }
    Ok(out)
}

fn prospect(p: Node<'_, '_>, index: usize, line: u32) -> Prospect {
    let mut out = Prospect { index, line, ..Default::default() };
    let mut warn = |field: &str, msg: String| out.warnings.push(FieldError::new(field, msg));
    let date = text(child(p, "requestdate"));
    let request_date = if date.is_empty() {
        warn("requestdate", "missing; the time it was read is used".into());
        None
    } else {
        let parsed = parse_date(&date);
        if parsed.is_none() {
            warn("requestdate", format!("{date:?} is not a date; the time it was read is used"));
        }
        parsed
    };
    let (mut first, mut last, mut email, mut phones) = (String::new(), String::new(), String::new(), Vec::new());
    let (mut timeframe, mut comments) = (String::new(), String::new());
    match child(p, "customer") {
        None => warn("customer", "missing".into()),
        Some(c) => {
            let contact =
                children(c, "contact").find(|x| attr(*x, "primarycontact") == "1").or_else(|| child(c, "contact"));
            if let Some(ct) = contact {
                let mut full = String::new();
                for n in children(ct, "name") {
                    match attr(n, "part").to_ascii_lowercase().as_str() {
                        "first" => first = text(Some(n)),
                        "last" => last = text(Some(n)),
                        "middle" => {}
                        _ => full = text(Some(n)),
                    }
                }
                if first.is_empty() && last.is_empty() && !full.is_empty() {
                    // "Doe, John" or "John Doe".
                    if let Some((l, f)) = full.split_once(',') {
                        (first, last) = (f.trim().to_string(), l.trim().to_string());
                    } else if let Some((f, l)) = full.rsplit_once(' ') {
                        (first, last) = (f.trim().to_string(), l.trim().to_string());
                    } else {
                        last = full.clone();
                    }
                    warn("name", format!("only a full name {full:?}; split into first and last"));
                }
                email = text(child(ct, "email"));
                for ph in children(ct, "phone") {
                    let number = text(Some(ph));
                    if !number.is_empty() {
                        let kind = attr(ph, "type");
                        phones.push((if kind.is_empty() { "voice".into() } else { kind }, number));
                    }
                }
            } else {
                warn("contact", "missing".into());
            }
            let tf = child(c, "timeframe");
            timeframe = text(tf.and_then(|t| child(t, "description")));
            if timeframe.is_empty()
                && let Some(latest) = tf.and_then(|t| child(t, "latestdate"))
            {
                timeframe = format!("by {}", text(Some(latest)));
            }
            comments = text(child(c, "comments"));
        }
    }
    if first.is_empty() && last.is_empty() {
        warn("name", "no name given".into());
    }
    out.request_date = request_date;
    out.first_name = first;
    out.last_name = last;
    out.email = email;
    out.phones = phones;
    out.timeframe = timeframe;
    out.comments = comments;
    if let Some(v) = child(p, "vehicle") {
        out.interest = attr(v, "interest");
        out.condition = attr(v, "status");
        out.year = text(child(v, "year"));
        out.make = text(child(v, "make"));
        out.model = text(child(v, "model"));
        out.trim = text(child(v, "trim"));
        out.vin = text(child(v, "vin"));
        out.stock = text(child(v, "stock"));
        if !out.year.is_empty() && !out.year.parse::<i32>().is_ok_and(|y| (1900..=2100).contains(&y)) {
            out.warnings.push(FieldError::new("vehicle.year", format!("{:?} is not a model year", out.year)));
        }
    }
    out.provider_id = text(child(p, "id"));
    out.vendor = text(child(p, "vendor").and_then(|v| child(v, "vendorname")));
    out.provider = text(child(p, "provider").and_then(|v| child(v, "name")));
    if !out.contactable() {
        out.warnings.push(FieldError::new("contact", "no email or phone: the lead cannot be contacted"));
    }
    out
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&apos;")
}

/// Writes prospects as an ADF 1.0 document.
pub fn write(prospects: &[Prospect]) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?adf version=\"1.0\"?>\n<adf>\n");
    for p in prospects {
        x.push_str("  <prospect status=\"new\">\n");
        if !p.provider_id.is_empty() {
            let source = if p.provider.is_empty() { "Showroom" } else { &p.provider };
            x.push_str(&format!("    <id sequence=\"1\" source=\"{}\">{}</id>\n", esc(source), esc(&p.provider_id)));
        }
        if let Some(d) = &p.request_date {
            x.push_str(&format!("    <requestdate>{}</requestdate>\n", esc(d)));
        }
        if !p.vehicle().is_empty() || !p.vin.is_empty() {
            let interest = if p.interest.is_empty() { "buy" } else { &p.interest };
            let status = if p.condition.is_empty() { "used" } else { &p.condition };
            x.push_str(&format!("    <vehicle interest=\"{}\" status=\"{}\">\n", esc(interest), esc(status)));
            for (tag, v) in [
                ("year", &p.year),
                ("make", &p.make),
                ("model", &p.model),
                ("trim", &p.trim),
                ("vin", &p.vin),
                ("stock", &p.stock),
            ] {
                if !v.is_empty() {
                    x.push_str(&format!("      <{tag}>{}</{tag}>\n", esc(v)));
                }
            }
            x.push_str("    </vehicle>\n");
        }
        x.push_str("    <customer>\n      <contact>\n");
        x.push_str(&format!("        <name part=\"first\">{}</name>\n", esc(&p.first_name)));
        x.push_str(&format!("        <name part=\"last\">{}</name>\n", esc(&p.last_name)));
        if !p.email.is_empty() {
            x.push_str(&format!("        <email>{}</email>\n", esc(&p.email)));
        }
        for (kind, number) in &p.phones {
            x.push_str(&format!("        <phone type=\"{}\">{}</phone>\n", esc(kind), esc(number)));
        }
        x.push_str("      </contact>\n");
        if !p.timeframe.is_empty() {
            x.push_str(&format!("      <timeframe><description>{}</description></timeframe>\n", esc(&p.timeframe)));
        }
        if !p.comments.is_empty() {
            x.push_str(&format!("      <comments>{}</comments>\n", esc(&p.comments)));
        }
        x.push_str("    </customer>\n");
        x.push_str(&format!("    <vendor><vendorname>{}</vendorname></vendor>\n", esc(&p.vendor)));
        if !p.provider.is_empty() {
            x.push_str(&format!("    <provider><name part=\"full\">{}</name></provider>\n", esc(&p.provider)));
        }
        x.push_str("  </prospect>\n");
    }
    x.push_str("</adf>\n");
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"<?xml version="1.0"?>
<?adf version="1.0"?>
<adf>
  <prospect status="new">
    <requestdate>2026-11-20T08:30:00-06:00</requestdate>
    <vehicle interest="buy" status="used">
      <year>2021</year><make>Toyota</make><model>RAV4</model><trim>XLE</trim><stock>U2231</stock>
    </vehicle>
    <customer>
      <contact primarycontact="1">
        <name part="first">Dana</name>
        <name part="last">Whitfield</name>
        <email>dana@example.com</email>
        <phone type="cellphone" time="day">(512) 555-0100</phone>
      </contact>
      <timeframe><description>Within 2 weeks</description></timeframe>
      <comments>Trade: 2015 Civic. Needs financing &amp; a third row?</comments>
    </customer>
    <vendor><vendorname>Lakeside Motors</vendorname></vendor>
    <provider><name part="full">AutoTrader</name></provider>
  </prospect>
</adf>"#;

    #[test]
    fn a_spec_prospect_reads_completely() {
        let p = read(SPEC.as_bytes()).unwrap();
        assert_eq!(p.len(), 1);
        let p = &p[0];
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        assert_eq!(
            (p.first_name.as_str(), p.last_name.as_str(), p.email.as_str()),
            ("Dana", "Whitfield", "dana@example.com")
        );
        assert_eq!(p.phones, vec![("cellphone".to_string(), "(512) 555-0100".to_string())]);
        assert_eq!(p.request_date.as_deref(), Some("2026-11-20T14:30:00.000Z"));
        assert_eq!(p.vehicle(), "2021 Toyota RAV4 XLE");
        assert_eq!((p.condition.as_str(), p.stock.as_str()), ("used", "U2231"));
        assert_eq!(p.timeframe, "Within 2 weeks");
        assert!(p.comments.contains("financing & a third row"));
        assert_eq!((p.vendor.as_str(), p.provider.as_str()), ("Lakeside Motors", "AutoTrader"));
        assert_eq!(p.line, 4);
    }

    #[test]
    fn real_world_deviations_are_warnings_not_failures() {
        let feed = r#"<ADF><Prospect><RequestDate>11/20/2026 3:15 PM</RequestDate>
            <Customer><Contact><Name part="full">Whitfield, Dana</Name><Phone>512.555.0100</Phone></Contact></Customer></Prospect>
          <prospect><requestdate>last tuesday</requestdate><customer><contact><name part="first">Kai</name></contact></customer>
            <vehicle><year>20x1</year><make>Ford</make></vehicle></prospect>
          <prospect><customer><contact><name part="first">Nobody</name><name part="last">Reachable</name></contact></customer></prospect></ADF>"#;
        let p = read(feed.as_bytes()).unwrap();
        assert_eq!(p.len(), 3, "no prospect is dropped");
        assert_eq!((p[0].first_name.as_str(), p[0].last_name.as_str()), ("Dana", "Whitfield"));
        assert_eq!(p[0].request_date.as_deref(), Some("2026-11-20T15:15:00.000Z"));
        assert!(p[0].warnings.iter().any(|w| w.field == "name"));
        assert!(p[1].warnings.iter().any(|w| w.field == "requestdate" && w.message.contains("last tuesday")));
        assert!(p[1].warnings.iter().any(|w| w.field == "vehicle.year"));
        assert!(p[1].warnings.iter().any(|w| w.field == "contact"), "no email or phone");
        assert!(!p[2].contactable());
    }

    #[test]
    fn broken_files_and_xml_bombs_are_refused_with_a_reason() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><adf><prospect><comments>&lol2;</comments></prospect></adf>"#;
        assert!(read(bomb.as_bytes()).unwrap_err().to_string().contains("DTD"));
        assert!(read(b"<leads/>").unwrap_err().to_string().contains("not <adf>"));
        assert!(read(b"<adf></adf>").unwrap_err().to_string().contains("no <prospect>"));
        assert!(read(b"Dear team, see attached.").unwrap_err().to_string().contains("not an ADF/XML document"));
        assert!(read(&[0xff, 0xfe, 0x00]).unwrap_err().to_string().contains("not an ADF/XML document"));
        assert!(read(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR<adf>").unwrap_err().to_string().contains("binary"));
        let big = vec![b' '; MAX_BYTES + 1];
        assert!(read(&big).unwrap_err().to_string().contains("at most 50 MB"));
    }

    #[test]
    fn a_file_cut_short_still_gives_its_lead_and_says_so() {
        let p = read(b"<adf><prospect><customer><contact><name part=\"full\">Ann Lee</name><email>ann@example.com")
            .unwrap();
        assert_eq!((p[0].first_name.as_str(), p[0].email.as_str()), ("Ann", "ann@example.com"));
        assert!(p[0].warnings.iter().any(|w| w.message.contains("cut short")), "{:?}", p[0].warnings);
    }

    #[test]
    fn each_repair_is_on_the_prospect_it_touched_and_the_original_is_kept() {
        let feed = "<?ADF VERSION \"1.0\"?>\n<adf>\n<prospect><customer><contact><name part=first>Ann</name>\
                    <email>ann@example.com</email></contact></customer></prospect>\n<prospect><customer><contact>\
                    <name part=\"last\">B&B</name><email>b@example.com</email></contact></customer></prospect>\n</adf>";
        let p = read(feed.as_bytes()).unwrap();
        let msgs = |i: usize| p[i].warnings.iter().map(|w| w.message.clone()).collect::<Vec<_>>();
        assert!(msgs(0).iter().any(|m| m.starts_with("line 3: the value of part")), "{:?}", msgs(0));
        assert!(!msgs(0).iter().any(|m| m.contains("bare &")), "{:?}", msgs(0));
        assert!(msgs(1).iter().any(|m| m.starts_with("line 4: a bare &")), "{:?}", msgs(1));
        assert!(msgs(1).iter().any(|m| m.starts_with("line 1: the ADF declaration")), "{:?}", msgs(1));
        assert_eq!(p[1].last_name, "B&B");
        assert!(
            p[0].original.starts_with("<prospect><customer><contact><name part=first>Ann</name>"),
            "{}",
            p[0].original
        );
        assert!(p[1].original.contains("B&B</name>") && p[1].original.ends_with("</prospect>"), "{}", p[1].original);
    }

    #[test]
    fn written_adf_reads_back_the_same() {
        let p = read(SPEC.as_bytes()).unwrap();
        let again = read(write(&p).as_bytes()).unwrap();
        let strip = |v: &[Prospect]| {
            v.iter().map(|p| Prospect { line: 0, original: String::new(), ..p.clone() }).collect::<Vec<_>>()
        };
        assert_eq!(strip(&again), strip(&p));
        assert!(write(&p).starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?adf version=\"1.0\"?>\n<adf>"));
    }
}
