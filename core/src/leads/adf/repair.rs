//! Repairs a feed's markup the way a browser recovers HTML, so that a slightly wrong file still
//! gives its leads. One pass, linear in the file, never backtracking:
//!
//! - declarations anywhere and in any shape (`<?ADF VERSION "1.0"?>`, `<?XML …?>`, `<?adf?>`
//!   before `<?xml?>`) are dropped: the text is already decoded, and nothing in them is needed;
//! - unquoted attribute values (`<id sequence=1>`) are quoted; an attribute without a value gets
//!   an empty one; a repeated attribute keeps its first value; namespace prefixes are dropped;
//! - a bare `&` becomes text, HTML named entities (`&nbsp;`, `&eacute;`) become their character,
//!   a bare `<` in text becomes text; characters XML forbids are dropped;
//! - HTML inside `<comments>` is kept as its text (tags dropped, the words kept);
//! - end tags close by name in any case; elements left open are closed; a stray end tag is dropped;
//!   text and markup around the document, several documents in one file, and a file cut short are
//!   all read;
//! - every repair is noted with its line, and offsets map back to the source so each prospect's
//!   original text can be kept.
//!
//! Still refused: a `<!DOCTYPE` with an internal subset (entity declarations: the XML bomb),
//! and nesting deeper than [`MAX_DEPTH`].

/// The element the repaired text is wrapped in, so that several documents (or none) read as one.
pub const ROOT: &str = "showroom-feed";
/// Deeper nesting is refused (an ADF prospect is six levels deep).
pub const MAX_DEPTH: usize = 256;

/// Well-formed XML made from a feed, with what was repaired.
#[derive(Debug)]
pub struct Repaired {
    /// The feed's elements inside one `<showroom-feed>` element. Newlines are kept where the
    /// source had them, so line numbers agree with the source.
    pub text: String,
    pub repairs: Vec<Repair>,
    /// (offset in `text`, offset in the source) at every tag, ascending in both.
    map: Vec<(usize, usize)>,
}

/// One repair: where it landed in the repaired text, its line in the source, what was done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repair {
    pub at: usize,
    pub line: u32,
    pub message: String,
}

impl Repaired {
    /// The source range of a range of the repaired text that starts at a tag.
    pub fn source_range(&self, range: std::ops::Range<usize>, source_len: usize) -> std::ops::Range<usize> {
        let start_at = self.map.partition_point(|(out, _)| *out < range.start);
        let start = self.map.get(start_at).map_or(source_len, |(_, src)| *src);
        let end_at = self.map.partition_point(|(out, _)| *out < range.end);
        let end = self.map.get(end_at).map_or(source_len, |(_, src)| *src);
        start.min(source_len)..end.clamp(start.min(source_len), source_len)
    }
}

/// Repairs `src` (already decoded text). Errors name what is refused and why.
pub fn repair(src: &str) -> Result<Repaired, String> {
    let mut r = Repairer {
        src,
        b: src.as_bytes(),
        i: 0,
        out: String::with_capacity(src.len() + src.len() / 16 + 64),
        repairs: Vec::new(),
        map: Vec::new(),
        stack: Vec::new(),
        seen_markup: false,
        memo: [(usize::MAX, None); NEEDLES.len()],
    };
    r.out.push('<');
    r.out.push_str(ROOT);
    r.out.push('>');
    r.run()?;
    r.close_all("the file ends");
    r.map.push((r.out.len(), src.len()));
    r.out.push_str("</");
    r.out.push_str(ROOT);
    r.out.push('>');
    let repairs = lines(src, r.repairs);
    Ok(Repaired { text: r.out, repairs, map: r.map })
}

/// Line numbers for repairs noted at source offsets (in the order they were found, which is
/// source order).
fn lines(src: &str, found: Vec<(usize, usize, String)>) -> Vec<Repair> {
    let b = src.as_bytes();
    let (mut at, mut line) = (0usize, 1u32);
    found
        .into_iter()
        .map(|(out, src_at, message)| {
            let src_at = src_at.min(b.len());
            if src_at > at {
                line += b[at..src_at].iter().filter(|c| **c == b'\n').count() as u32;
                at = src_at;
            }
            Repair { at: out, line, message }
        })
        .collect()
}

struct Repairer<'a> {
    src: &'a str,
    b: &'a [u8],
    i: usize,
    out: String,
    /// (offset in out, offset in src, message)
    repairs: Vec<(usize, usize, String)>,
    map: Vec<(usize, usize)>,
    /// Open elements, as spelled by their start tags.
    stack: Vec<String>,
    /// An element or declaration was seen (so an XML declaration now is misplaced).
    seen_markup: bool,
    /// The last search for each needle: (searched from, found at). A search from a later point
    /// reuses it while it still lies ahead, so repeated searches stay linear in the file.
    memo: [(usize, Option<usize>); NEEDLES.len()],
}

/// The needles searched for ahead of the current point.
const NEEDLES: [&str; 4] = [">", "-->", "]]>", "</comments"];

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':')
}

/// Characters XML 1.0 allows.
fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// A name without its namespace prefix (`adf:prospect` → `prospect`).
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// What is wrong with a declaration (`<?name body?>`, written as `source`), if anything: the ADF
/// 1.0 sample's `<?XML VERSION "1.0"?>` and `<?ADF VERSION "1.0"?>` are not XML syntax, and an XML
/// declaration belongs at the very start. Read by the repair pass and by the well-formed path.
pub(crate) fn declaration_note(name: &str, body: &str, source: &str, after_markup: bool) -> Option<String> {
    let proper = body.contains("version=\"") || body.contains("version='");
    let shown = excerpt(source);
    if name.eq_ignore_ascii_case("xml") {
        if name != "xml" || !proper {
            Some(format!("the declaration {shown} is not XML syntax; ignored"))
        } else if after_markup {
            Some(format!("the XML declaration {shown} is not at the start of the file; ignored"))
        } else {
            None
        }
    } else if name.eq_ignore_ascii_case("adf") && (name != "adf" || !proper) {
        Some(format!("the ADF declaration {shown} is not XML syntax; ignored"))
    } else {
        None
    }
}

/// A short, single-line excerpt of the source for a message.
fn excerpt(s: &str) -> String {
    let one: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 40 { format!("{}…", one.chars().take(40).collect::<String>()) } else { one }
}

const BLOCK_TAGS: &[&str] = &["br", "p", "div", "li", "tr", "td", "h1", "h2", "h3", "ul", "ol", "table"];

impl Repairer<'_> {
    fn note(&mut self, src_at: usize, message: String) {
        self.repairs.push((self.out.len(), src_at, message));
    }

    /// Keeps the newlines of a dropped stretch of the source (line numbers stay true).
    fn keep_newlines(&mut self, from: usize, to: usize) {
        for _ in self.b[from..to].iter().filter(|c| **c == b'\n') {
            self.out.push('\n');
        }
    }

    /// The next occurrence of `NEEDLES[slot]` at or after `from` (ASCII case ignored).
    fn find(&mut self, from: usize, slot: usize) -> Option<usize> {
        let (searched, found) = self.memo[slot];
        if searched <= from && found.is_none_or(|f| f >= from) {
            return found;
        }
        let n = NEEDLES[slot].as_bytes();
        let found = self.b.get(from..).and_then(|h| h.windows(n.len()).position(|w| w.eq_ignore_ascii_case(n)));
        let found = found.map(|o| from + o);
        self.memo[slot] = (from, found);
        found
    }

    fn starts_ignore_case(&self, at: usize, prefix: &str) -> bool {
        self.b.get(at..at + prefix.len()).is_some_and(|w| w.eq_ignore_ascii_case(prefix.as_bytes()))
    }

    fn read_name(&self, mut j: usize) -> usize {
        while j < self.b.len() && is_name_char(self.b[j]) {
            j += 1;
        }
        j
    }

    fn skip_ws(&self, mut j: usize) -> usize {
        while j < self.b.len() && self.b[j].is_ascii_whitespace() {
            j += 1;
        }
        j
    }

    fn run(&mut self) -> Result<(), String> {
        while self.i < self.b.len() {
            if self.b[self.i] == b'<' {
                self.tag()?;
            } else {
                let end = self.src[self.i..].find('<').map_or(self.b.len(), |o| self.i + o);
                self.text(self.i, end);
                self.i = end;
            }
        }
        Ok(())
    }

    /// Text between tags: escaped inside an element, dropped (newlines kept) outside.
    fn text(&mut self, from: usize, to: usize) {
        let s = &self.src[from..to];
        if self.stack.is_empty() {
            if !s.trim().is_empty() {
                self.note(from, format!("text outside the ADF document was ignored: {:?}", excerpt(s)));
            }
            self.keep_newlines(from, to);
        } else {
            self.escape(s, from, false);
        }
    }

    /// Appends text as XML character data (or an attribute value), repairing `&`, `<`, `"` and
    /// characters XML forbids. `at` is the text's offset in the source, for notes.
    fn escape(&mut self, s: &str, at: usize, attr: bool) {
        let b = s.as_bytes();
        let mut copied = 0;
        let mut j = 0;
        let mut dropped_chars = false;
        while j < b.len() {
            let c = b[j];
            let special = c == b'&' || c == b'<' || c < 0x20 || (attr && c == b'"') || c == 0xEF;
            if !special {
                j += 1;
                continue;
            }
            self.out.push_str(&s[copied..j]);
            match c {
                b'&' => j = self.entity(s, j, at),
                b'<' => {
                    self.out.push_str("&lt;");
                    j += 1;
                }
                b'"' => {
                    self.out.push_str("&quot;");
                    j += 1;
                }
                b'\t' | b'\n' | b'\r' => {
                    self.out.push(c as char);
                    j += 1;
                }
                0xEF => {
                    // U+FFFE and U+FFFF (EF BF BE / EF BF BF) are not XML characters.
                    let ch = s[j..].chars().next().unwrap_or('\u{FFFD}');
                    if xml_char(ch) {
                        self.out.push(ch);
                    } else {
                        dropped_chars = true;
                    }
                    j += ch.len_utf8();
                }
                _ => {
                    dropped_chars = true;
                    j += 1;
                }
            }
            copied = j;
        }
        self.out.push_str(&s[copied..]);
        if dropped_chars {
            self.note(at, "control characters XML does not allow were removed".into());
        }
    }

    /// An entity reference at `s[j] == '&'`: returns where the text continues.
    fn entity(&mut self, s: &str, j: usize, at: usize) -> usize {
        let b = s.as_bytes();
        let limit = (j + 40).min(b.len());
        let semi = b[j + 1..limit].iter().position(|c| *c == b';').map(|o| j + 1 + o);
        let Some(semi) = semi else {
            self.out.push_str("&amp;");
            self.note(at + j, "a bare & was read as text".into());
            return j + 1;
        };
        let name = &s[j + 1..semi];
        if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
            self.out.push_str(&s[j..=semi]);
            return semi + 1;
        }
        if let Some(num) = name.strip_prefix('#') {
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok(),
                None => num.parse::<u32>().ok(),
            };
            match code.and_then(char::from_u32) {
                Some(ch) if xml_char(ch) => self.out.push_str(&s[j..=semi]),
                _ => self.note(at + j, format!("the character reference &{name}; is not an XML character; removed")),
            }
            return semi + 1;
        }
        if !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric()) {
            let decoded = html_escape::decode_html_entities(&s[j..=semi]);
            if decoded != s[j..=semi] {
                let decoded = decoded.into_owned();
                self.note(at + j, format!("the HTML entity &{name}; was read as {decoded:?}"));
                for ch in decoded.chars() {
                    match ch {
                        '&' => self.out.push_str("&amp;"),
                        '<' => self.out.push_str("&lt;"),
                        '"' => self.out.push_str("&quot;"),
                        c if xml_char(c) => self.out.push(c),
                        _ => {}
                    }
                }
                return semi + 1;
            }
        }
        self.out.push_str("&amp;");
        self.note(at + j, format!("&{} is not an entity XML knows; read as text", excerpt(name)));
        j + 1
    }

    fn tag(&mut self) -> Result<(), String> {
        let i = self.i;
        self.map.push((self.out.len(), i));
        if self.src[i..].starts_with("<?") {
            self.declaration(i);
        } else if self.src[i..].starts_with("<!--") {
            match self.find(i + 4, 1) {
                Some(end) => {
                    self.keep_newlines(i, end + 3);
                    self.i = end + 3;
                }
                None => {
                    self.note(i, "a comment (<!--) is never closed; its opening was ignored".into());
                    self.i = i + 4;
                }
            }
        } else if self.src[i..].starts_with("<![CDATA[") {
            match self.find(i + 9, 2) {
                Some(end) if !self.stack.is_empty() => {
                    self.out.push_str(&self.src[i..end + 3]);
                    self.i = end + 3;
                }
                Some(end) => {
                    self.text(i, end + 3);
                    self.i = end + 3;
                }
                None => {
                    self.note(i, "a <![CDATA[ section is never closed; read as text".into());
                    self.i = i + 9;
                }
            }
        } else if self.starts_ignore_case(i, "<!DOCTYPE") {
            self.doctype(i)?;
        } else if self.src[i..].starts_with("</") {
            self.end_tag(i);
        } else if self.b.get(i + 1).is_some_and(|c| is_name_start(*c)) {
            self.start_tag(i)?;
        } else {
            // A `<` that starts no tag ("price < 30k", "<!junk"): text.
            if self.stack.is_empty() {
                self.note(i, "a stray < outside the document was ignored".into());
            } else {
                self.out.push_str("&lt;");
                self.note(i, "a bare < was read as text".into());
            }
            self.i = i + 1;
        }
        Ok(())
    }

    /// `<?…?>`: dropped; a deviation from the XML and ADF declarations is noted.
    fn declaration(&mut self, i: usize) {
        // Up to the first `>` (a declaration ends with `?>`; one written without the `?` ends too).
        let (end, inner_end) = match self.find(i + 2, 0) {
            Some(gt) if gt > i + 2 && self.b[gt - 1] == b'?' => (gt + 1, gt - 1),
            Some(gt) => (gt + 1, gt),
            None => (self.b.len(), self.b.len()),
        };
        let body = &self.src[i + 2..inner_end.max(i + 2)];
        let name_end = self.read_name(i + 2);
        let name = &self.src[i + 2..name_end];
        if let Some(note) = declaration_note(name, body, &self.src[i..end], self.seen_markup) {
            self.note(i, note);
        }
        self.seen_markup = true;
        self.keep_newlines(i, end);
        self.i = end;
    }

    /// `<!DOCTYPE adf>` is dropped; one with an internal subset (where entities are declared) is
    /// refused.
    fn doctype(&mut self, i: usize) -> Result<(), String> {
        let mut j = i + 9;
        let mut quote: Option<u8> = None;
        while j < self.b.len() {
            let c = self.b[j];
            match quote {
                Some(q) if c == q => quote = None,
                Some(_) => {}
                None if c == b'"' || c == b'\'' => quote = Some(c),
                None if c == b'[' => {
                    return Err("has a DTD (<!DOCTYPE … [ … ]>) that may declare entities; ADF feeds never \
                                need one and it is refused for safety"
                        .into());
                }
                None if c == b'>' => break,
                None => {}
            }
            j += 1;
        }
        let end = (j + 1).min(self.b.len());
        self.note(i, "the <!DOCTYPE> line was ignored (ADF needs no DTD)".into());
        self.seen_markup = true;
        self.keep_newlines(i, end);
        self.i = end;
        Ok(())
    }

    fn start_tag(&mut self, i: usize) -> Result<(), String> {
        let name_end = self.read_name(i + 1);
        let full = &self.src[i + 1..name_end];
        let name = local(full).to_string();
        // `<ana@example.com>` or `<https://…>` in a mail's text: not a tag.
        let not_a_tag = self.b.get(name_end).is_some_and(|c| !c.is_ascii_whitespace() && !matches!(c, b'>' | b'/'));
        if name.is_empty() || !is_name_start(name.as_bytes()[0]) || not_a_tag {
            if self.stack.is_empty() {
                self.note(i, "a stray < outside the document was ignored".into());
            } else {
                self.out.push_str("&lt;");
                self.note(i, "a bare < was read as text".into());
            }
            self.i = i + 1;
            return Ok(());
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(format!("nests elements more than {MAX_DEPTH} deep"));
        }
        if full != name {
            self.note(i, format!("the prefix of <{full}> was dropped"));
        }
        self.seen_markup = true;
        self.out.push('<');
        self.out.push_str(&name);
        let mut seen: Vec<String> = Vec::new();
        let mut j = name_end;
        let mut self_closing = false;
        let mut junk = false;
        loop {
            j = self.skip_ws(j);
            let Some(&c) = self.b.get(j) else {
                self.note(i, format!("the file ends inside <{name}>"));
                break;
            };
            match c {
                b'>' => {
                    j += 1;
                    break;
                }
                b'/' if self.b.get(j + 1) == Some(&b'>') => {
                    j += 2;
                    self_closing = true;
                    break;
                }
                b'<' => {
                    self.note(i, format!("<{name} is not closed with >"));
                    break;
                }
                c if is_name_start(c) => j = self.attribute(i, j, &name, &mut seen),
                _ => {
                    junk = true;
                    j += self.src[j..].chars().next().map_or(1, char::len_utf8);
                }
            }
        }
        if junk {
            self.note(i, format!("stray characters inside <{name}> were ignored"));
        }
        if self_closing {
            self.out.push_str("/>");
        } else {
            self.out.push('>');
            self.stack.push(name.clone());
        }
        self.keep_newlines(i, j);
        self.i = j;
        if !self_closing && name.eq_ignore_ascii_case("comments") {
            self.comments();
        }
        Ok(())
    }

    /// One attribute at `j`; returns where the tag continues.
    fn attribute(&mut self, tag_at: usize, j: usize, tag: &str, seen: &mut Vec<String>) -> usize {
        let name_end = self.read_name(j);
        let full = self.src[j..name_end].to_string();
        let name = local(&full).to_string();
        let mut k = self.skip_ws(name_end);
        let value: String;
        if self.b.get(k) == Some(&b'=') {
            k = self.skip_ws(k + 1);
            match self.b.get(k) {
                Some(&q) if q == b'"' || q == b'\'' => {
                    // A value never holds `<` or a line break: at one, the closing quote is missing.
                    let stop = self.b[k + 1..]
                        .iter()
                        .position(|c| *c == q || *c == b'<' || *c == b'\n')
                        .map_or(self.b.len(), |o| k + 1 + o);
                    if self.b.get(stop) == Some(&q) {
                        value = self.src[k + 1..stop].to_string();
                        k = stop + 1;
                    } else {
                        let end = self.b[k + 1..stop].iter().position(|c| *c == b'>').map_or(stop, |o| k + 1 + o);
                        value = self.src[k + 1..end].trim_end_matches('/').to_string();
                        self.note(tag_at, format!("the value of {name} in <{tag}> has no closing quote"));
                        k = end;
                    }
                }
                _ => {
                    let start = k;
                    while k < self.b.len()
                        && !self.b[k].is_ascii_whitespace()
                        && self.b[k] != b'>'
                        && !(self.b[k] == b'/' && self.b.get(k + 1) == Some(&b'>'))
                    {
                        k += 1;
                    }
                    value = self.src[start..k].to_string();
                    self.note(tag_at, format!("the value of {name} in <{tag}> was not quoted: {name}={value}"));
                }
            }
        } else {
            value = String::new();
            self.note(tag_at, format!("the attribute {name} in <{tag}> has no value"));
            k = name_end;
        }
        if full == "xmlns" || full.starts_with("xmlns:") {
            return k;
        }
        if seen.contains(&name) {
            self.note(tag_at, format!("<{tag}> repeats the attribute {name}; the first value was kept"));
            return k;
        }
        seen.push(name.clone());
        self.out.push(' ');
        self.out.push_str(&name);
        self.out.push_str("=\"");
        self.escape(&value, tag_at, true);
        self.out.push('"');
        k
    }

    /// The inside of `<comments>`: free text, where HTML and stray markup are kept as their words.
    fn comments(&mut self) {
        let Some(end) = self.find(self.i, 3) else { return };
        let from = self.i;
        let raw = &self.src[from..end];
        if !raw.contains('<') {
            self.escape(raw, from, false);
            self.i = end;
            return;
        }
        let mut text = String::with_capacity(raw.len());
        let mut html = false;
        let mut rest = raw;
        while let Some(lt) = rest.find('<') {
            text.push_str(&rest[..lt]);
            rest = &rest[lt..];
            if let Some(body) = rest.strip_prefix("<![CDATA[") {
                let end = body.find("]]>").unwrap_or(body.len());
                text.push_str(&body[..end]);
                rest = body.get(end + 3..).unwrap_or("");
            } else if let Some(body) = rest.strip_prefix("<!--") {
                rest = body.find("-->").and_then(|e| body.get(e + 3..)).unwrap_or("");
                html = true;
            } else if rest[1..].starts_with(|c: char| c.is_ascii_alphabetic() || c == '/') {
                let close = rest.find('>').unwrap_or(rest.len());
                let tag = rest[1..close].trim_start_matches('/');
                let tag_name: String = tag.chars().take_while(char::is_ascii_alphanumeric).collect();
                if BLOCK_TAGS.iter().any(|t| t.eq_ignore_ascii_case(&tag_name)) {
                    text.push('\n');
                }
                html = true;
                rest = rest.get(close + 1..).unwrap_or("");
            } else {
                text.push('<');
                rest = &rest[1..];
            }
        }
        text.push_str(rest);
        if html {
            self.note(from, "HTML in <comments> was kept as its text".into());
        }
        // Newlines of the source are kept in the text itself (tags held none that matter).
        self.escape(&text, from, false);
        let missing = raw.matches('\n').count().saturating_sub(text.matches('\n').count());
        for _ in 0..missing {
            self.out.push('\n');
        }
        self.i = end;
    }

    fn end_tag(&mut self, i: usize) {
        let name_end = self.read_name(i + 2);
        let full = &self.src[i + 2..name_end];
        let name = local(full).to_string();
        let gt = self.b[name_end..].iter().position(|c| *c == b'>' || *c == b'<').map(|o| name_end + o);
        let end = match gt {
            Some(g) if self.b[g] == b'>' => g + 1,
            Some(g) => g,
            None => self.b.len(),
        };
        if name.is_empty() {
            if self.stack.is_empty() {
                self.note(i, "a stray </ outside the document was ignored".into());
            } else {
                self.out.push_str("&lt;/");
                self.note(i, "a bare </ was read as text".into());
            }
            self.i = i + 2;
            return;
        }
        match self.stack.iter().rposition(|open| open.eq_ignore_ascii_case(&name)) {
            Some(at) => {
                while self.stack.len() > at + 1 {
                    let open = self.stack.pop().unwrap_or_default();
                    self.out.push_str(&format!("</{open}>"));
                    self.note(i, format!("<{open}> was not closed before </{name}>"));
                    self.map.push((self.out.len(), i));
                }
                let open = self.stack.pop().unwrap_or_default();
                if open != name {
                    self.note(i, format!("</{full}> closes <{open}> (the case differs)"));
                }
                self.out.push_str(&format!("</{open}>"));
            }
            None => self.note(i, format!("a stray </{full}> was ignored")),
        }
        self.keep_newlines(i, end);
        self.i = end;
    }

    /// Closes every open element (the file ended).
    fn close_all(&mut self, why: &str) {
        if self.stack.is_empty() {
            return;
        }
        let open: Vec<String> = self.stack.iter().rev().map(|s| format!("</{s}>")).collect();
        self.note(self.b.len(), format!("{why} before {} (was it cut short?)", open.join("")));
        while let Some(s) = self.stack.pop() {
            self.out.push_str(&format!("</{s}>"));
            self.map.push((self.out.len(), self.b.len()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed(src: &str) -> (String, Vec<String>) {
        let r = repair(src).unwrap();
        let inner =
            r.text.strip_prefix("<showroom-feed>").unwrap().strip_suffix("</showroom-feed>").unwrap().to_string();
        (inner, r.repairs.into_iter().map(|x| format!("{}: {}", x.line, x.message)).collect())
    }

    /// Repairs `src` and compares the document and how many repairs were noted.
    fn check(src: &str, want: &str, repairs: usize) -> Vec<String> {
        let (out, notes) = fixed(src);
        assert_eq!(out, want, "{src:?}");
        assert_eq!(notes.len(), repairs, "{src:?}: {notes:?}");
        notes
    }

    #[test]
    fn each_deviation_is_repaired_and_noted() {
        // Well-formed XML passes through untouched (single quotes become double).
        let ok =
            "<adf>\n <prospect status=\"new\"><name part='first'>A &amp; B</name><![CDATA[x<y]]></prospect>\n</adf>";
        check(ok, &ok.replace("part='first'", "part=\"first\""), 0);
        // Attributes: unquoted, valueless, repeated, namespaced, an unclosed quote.
        check(
            "<adf><id sequence=1 source=\"Web\" source=\"x\" primary xmlns:a=\"u\" a:kind=lead/></adf>",
            "<adf><id sequence=\"1\" source=\"Web\" primary=\"\" kind=\"lead\"/></adf>",
            4,
        );
        check("<adf><name part=\"first>Ann</name></adf>", "<adf><name part=\"first\">Ann</name></adf>", 1);
        // Ampersands, entities, bare brackets, forbidden characters.
        check(
            "<a>Smith & Sons &nbsp;Caf&eacute; &bogus; &#0; &#233; 5 < 6 &amp;</a>",
            "<a>Smith &amp; Sons \u{a0}Café &amp;bogus;  &#233; 5 &lt; 6 &amp;</a>",
            6,
        );
        // HTML in comments is kept as its text.
        check(
            "<comments>Call <b>after 5</b><br>Trade & finance<p>Thanks!</comments>",
            "<comments>Call after 5\nTrade &amp; finance\nThanks!</comments>",
            2,
        );
        // End tags close by name in any case; stray ones are dropped; a cut-short file is closed.
        check("<ADF><Prospect><x>1</prospect></adf></junk>", "<ADF><Prospect><x>1</x></Prospect></ADF>", 4);
        let notes = check("<adf>\n<prospect><name>Ann", "<adf>\n<prospect><name>Ann</name></prospect></adf>", 1);
        assert!(notes[0].starts_with("2: ") && notes[0].contains("cut short"), "{notes:?}");
        // Text around the document, and several documents, are read.
        check(
            "Sent from my phone\n<adf><p/></adf>\n-- \nregards\n<adf><p/></adf>",
            "\n<adf><p/></adf>\n\n\n<adf><p/></adf>",
            2,
        );
    }

    #[test]
    fn declarations_in_any_shape_are_dropped_and_deviations_noted() {
        let notes = check("<?ADF VERSION \"1.0\"?>\n<?XML VERSION \"1.0\"?>\n<adf/>", "\n\n<adf/>", 2);
        assert!(notes[0].starts_with("1: the ADF declaration"), "{notes:?}");
        let notes = check("<?adf version=\"1.0\"?>\n<?xml version=\"1.0\"?>\n<adf/>", "\n\n<adf/>", 1);
        assert_eq!(notes, ["2: the XML declaration <?xml version=\"1.0\"?> is not at the start of the file; ignored"]);
        check("<?xml version=\"1.0\"?>\n<?adf version=\"1.0\"?>\n<adf/>", "\n\n<adf/>", 0);
    }

    #[test]
    fn entity_declarations_and_deep_nesting_are_refused() {
        assert!(repair("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>").unwrap_err().contains("DTD"));
        let (_, notes) = fixed("<!DOCTYPE adf SYSTEM \"adf.dtd\"><adf/>");
        assert!(notes[0].contains("DOCTYPE"));
        assert!(repair(&"<a>".repeat(MAX_DEPTH + 1)).unwrap_err().contains("deep"));
    }

    #[test]
    fn source_ranges_map_back_to_the_original() {
        let src = "<?XML VERSION \"1.0\"?><adf><prospect a=1>R&D</prospect><prospect>x</adf>";
        let r = repair(src).unwrap();
        let doc = roxmltree::Document::parse(&r.text).unwrap();
        let ranges: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("prospect")).map(|n| n.range()).collect();
        assert_eq!(&src[r.source_range(ranges[0].clone(), src.len())], "<prospect a=1>R&D</prospect>");
        assert_eq!(&src[r.source_range(ranges[1].clone(), src.len())], "<prospect>x");
    }
}
