//! A feed's bytes as text. The byte-order mark decides first; else the encoding the document
//! declares (in any case and either declaration shape, `<?xml … encoding="ISO-8859-1"?>` or the
//! ADF 1.0 sample's `<?XML VERSION "1.0" ENCODING "…"?>`); else UTF-8. Bytes that are not valid in
//! the encoding used are read as Windows-1252 (what "Latin-1" files really hold) with a note, so
//! no lead is lost for its bytes. Binary files are refused.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

/// The text of a feed and what reading it took.
#[derive(Debug)]
pub struct Decoded {
    pub text: String,
    /// One sentence per deviation, e.g. "declared ISO-8859-1: read as windows-1252".
    pub notes: Vec<String>,
}

/// How far into the file the declarations are looked for.
const PROLOGUE: usize = 4096;

pub fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    let mut notes = Vec::new();
    if looks_binary(bytes) {
        return Err("is binary data, not an ADF/XML document".into());
    }
    let (encoding, body) = match unicode(bytes) {
        Some((enc, 0)) => {
            notes.push(format!("no byte-order mark; read as {} by its byte pattern", enc.name()));
            (enc, bytes)
        }
        Some((enc, bom)) => (enc, &bytes[bom..]),
        None => (declared(bytes, &mut notes).unwrap_or(UTF_8), bytes),
    };
    let (text, had_errors) = encoding.decode_without_bom_handling(body);
    let text = if had_errors && encoding == UTF_8 {
        notes.push("is not valid UTF-8; read as windows-1252 (Latin-1)".into());
        WINDOWS_1252.decode_without_bom_handling(body).0.into_owned()
    } else {
        if had_errors {
            notes.push(format!("holds bytes that are not valid {}; each shown as \u{FFFD}", encoding.name()));
        }
        text.into_owned()
    };
    if text.contains('\0') {
        return Err("is binary data, not an ADF/XML document".into());
    }
    Ok(Decoded { text, notes })
}

/// The Unicode encoding a file announces by its first bytes, with the length of its byte-order
/// mark: a BOM, or UTF-16 written without one (`<` beside a zero byte, then `?` or `a`).
pub fn unicode(bytes: &[u8]) -> Option<(&'static Encoding, usize)> {
    Encoding::for_bom(bytes).or(match bytes {
        [b'<', 0, b'?' | b'a' | b'A', 0, ..] => Some((UTF_16LE, 0)),
        [0, b'<', 0, b'?' | b'a' | b'A', ..] => Some((UTF_16BE, 0)),
        _ => None,
    })
}

/// Zero bytes or many control bytes at the start (UTF-16 aside, where every other byte is zero):
/// an image, an archive, a spreadsheet.
pub fn looks_binary(bytes: &[u8]) -> bool {
    if unicode(bytes).is_some_and(|(enc, _)| enc == UTF_16LE || enc == UTF_16BE) {
        return false;
    }
    let head = &bytes[..bytes.len().min(PROLOGUE)];
    let control = head.iter().filter(|b| **b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0c)).count();
    head.contains(&0) || control * 20 > head.len().max(1)
}

/// The encoding named by a declaration before the first element, any case, quoted or not.
fn declared(bytes: &[u8], notes: &mut Vec<String>) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(PROLOGUE)];
    let mut at = 0;
    while let Some(open) = find(&head[at..], b"<?").map(|o| at + o) {
        let body = &head[open + 2..];
        let close = find(body, b"?>").or_else(|| find(body, b">")).map(|c| open + 2 + c)?;
        let decl = &head[open + 2..close];
        if let Some(label) = label_in(decl) {
            let shown = String::from_utf8_lossy(label).into_owned();
            return match Encoding::for_label(label) {
                Some(enc) if enc == UTF_8 => None,
                Some(enc) => {
                    if !shown.eq_ignore_ascii_case(enc.name()) {
                        notes.push(format!("declared {shown}: read as {}", enc.name()));
                    }
                    Some(enc)
                }
                None => {
                    notes.push(format!("declares the unknown encoding {shown:?}; read as UTF-8"));
                    None
                }
            };
        }
        at = close + 1;
    }
    None
}

/// The value after `encoding` in a declaration: `encoding="x"`, `encoding='x'`, `ENCODING "x"`, `encoding=x`.
fn label_in(decl: &[u8]) -> Option<&[u8]> {
    let lower: Vec<u8> = decl.to_ascii_lowercase();
    let at = find(&lower, b"encoding")? + b"encoding".len();
    let rest = &decl[at..];
    let rest = rest.trim_ascii_start();
    let rest = rest.strip_prefix(b"=").unwrap_or(rest).trim_ascii_start();
    let (quoted, rest) = match rest.first() {
        Some(q @ (b'"' | b'\'')) => (Some(*q), &rest[1..]),
        _ => (None, rest),
    };
    let end = rest
        .iter()
        .position(|b| Some(*b) == quoted || b.is_ascii_whitespace() || *b == b'?' || (quoted.is_none() && *b == b'"'))
        .unwrap_or(rest.len());
    let label = &rest[..end];
    (!label.is_empty()).then_some(label)
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_declared_encoding_is_honoured_in_any_shape() {
        let latin = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><adf><name>Jos\xe9 Pe\xf1a</name></adf>";
        let d = decode(latin).unwrap();
        assert!(d.text.contains("José Peña"), "{}", d.text);
        let spec = b"<?ADF VERSION \"1.0\"?>\n<?XML VERSION \"1.0\" ENCODING \"ISO-8859-1\"?>\n<adf>M\xfcller</adf>";
        assert!(decode(spec).unwrap().text.contains("Müller"));
        let unquoted = b"<?xml version=1.0 encoding=windows-1252?><adf>\x93quoted\x94</adf>";
        assert!(decode(unquoted).unwrap().text.contains("\u{201c}quoted\u{201d}"));
    }

    #[test]
    fn undeclared_latin1_falls_back_with_a_note_and_utf16_is_read() {
        let d = decode(b"<adf>Ren\xe9e</adf>").unwrap();
        assert!(d.text.contains("Renée"));
        assert!(d.notes[0].contains("not valid UTF-8"), "{:?}", d.notes);
        let utf16: Vec<u8> = "\u{feff}<adf>Zoë</adf>".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
        assert_eq!(decode(&utf16).unwrap().text, "<adf>Zoë</adf>");
        let no_bom: Vec<u8> = "<?xml?><adf>Zoë</adf>".encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
        assert!(decode(&no_bom).unwrap().text.contains("Zoë"));
    }

    #[test]
    fn a_declaration_that_ends_where_it_starts_is_no_declaration() {
        // Found by the fuzzer: `<?>` ended before it began.
        assert_eq!(decode(b"<?>encoding=latin1<adf/>").unwrap().text, "<?>encoding=latin1<adf/>");
        assert!(decode(b"<?").is_ok());
    }

    #[test]
    fn binary_files_are_refused() {
        assert!(decode(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR").unwrap_err().contains("binary"));
        assert!(decode(b"PK\x03\x04\x14\0\x06\0").unwrap_err().contains("binary"));
    }
}
