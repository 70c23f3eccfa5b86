//! Field-level validation and normalisation shared by every entity: names, email, phone (E.164),
//! VIN (49 CFR 565 check digit), dates. Each check names its field in the error it returns.

use crate::error::FieldError;
use chrono::NaiveDate;
use rlibphonenumber::{PhoneNumber, PhoneNumberFormat, Region};

/// Collects the problems of one input so that all of them are reported at once.
#[derive(Debug, Default)]
pub struct Checker {
    pub errors: Vec<FieldError>,
    pub warnings: Vec<FieldError>,
}

impl Checker {
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn warn(&mut self, field: &str, message: impl Into<String>) {
        self.warnings.push(FieldError::new(field, message));
    }

    /// A required free-text field: trimmed, non-empty, at most `max` characters, no control characters.
    pub fn required(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = self.text(field, value, max);
        if v.is_empty() {
            self.error(field, "is required");
        }
        v
    }

    /// An optional free-text field: trimmed, at most `max` characters, no control characters.
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.chars().count() > max {
            self.error(field, format!("is too long (at most {max} characters)"));
        }
        if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
            self.error(field, "contains control characters");
        }
        v.to_string()
    }

    pub fn email(&mut self, field: &str, value: &str) -> Option<String> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        match normalize_email(v) {
            Ok(e) => Some(e),
            Err(m) => {
                self.error(field, m);
                None
            }
        }
    }

    pub fn phone(&mut self, field: &str, value: &str, region: &str) -> Option<String> {
        let v = value.trim();
        if v.is_empty() {
            return None;
        }
        match normalize_phone(v, region) {
            Ok(p) => Some(p),
            Err(m) => {
                self.error(field, m);
                None
            }
        }
    }

    pub fn finish(self) -> Result<Vec<FieldError>, Vec<FieldError>> {
        if self.errors.is_empty() { Ok(self.warnings) } else { Err(self.errors) }
    }
}

/// Lower-cases and checks an email address (RFC 5322 addr-spec, with a dot in the domain).
pub fn normalize_email(raw: &str) -> Result<String, String> {
    let v = raw.trim().to_lowercase();
    let parsed: Result<email_address::EmailAddress, _> = v.parse();
    match parsed {
        Ok(addr) if addr.domain().contains('.') && !addr.domain().ends_with('.') => Ok(v),
        Ok(_) => Err(format!("{raw:?} is not a valid email address: the domain needs a dot, as in name@example.com")),
        Err(e) => Err(format!("{raw:?} is not a valid email address ({e})")),
    }
}

/// Parses a phone number as dialled in `region` (ISO 3166 alpha-2, e.g. "US") and returns E.164.
pub fn normalize_phone(raw: &str, region: &str) -> Result<String, String> {
    let parsed = parse_phone(raw, region).ok_or_else(|| {
        format!("{raw:?} is not a phone number (digits, with +country code when it is not a {region} number)")
    })?;
    if !parsed.is_valid() {
        return Err(format!("{raw:?} is not a valid phone number for its country"));
    }
    Ok(parsed.format_as(PhoneNumberFormat::E164).into_owned())
}

/// The E.164 form a number would be stored under, without checking that it is a valid number:
/// for finding a stored customer by phone, since a stored number is valid and validity depends on
/// the E.164 form alone.
pub fn phone_key(raw: &str, region: &str) -> Option<String> {
    let parsed = parse_phone(raw, region)?;
    Some(parsed.format_as(PhoneNumberFormat::E164).into_owned())
}

/// `raw` read as a number of `region`. A row of an import is looked up by its number
/// ([`phone_key`]) and then validated ([`normalize_phone`]), the same text twice in a row; parsing
/// is most of what either costs (a twentieth of a 50k-customer import), so the thread keeps its
/// last answer.
fn parse_phone(raw: &str, region: &str) -> Option<PhoneNumber> {
    use std::cell::RefCell;
    type Last = Option<(String, String, Option<PhoneNumber>)>;
    thread_local! { static LAST: RefCell<Last> = const { RefCell::new(None) }; }
    let raw = raw.trim();
    LAST.with_borrow_mut(|last| {
        if let Some((r, g, parsed)) = last
            && r == raw
            && g == region
        {
            return parsed.clone();
        }
        let parsed = PhoneNumber::parse(raw, region.parse().ok()).ok();
        *last = Some((raw.to_string(), region.to_string(), parsed.clone()));
        parsed
    })
}

/// A stored (E.164) number as people read it: national format for a number of `region`
/// ("(512) 555-0142"), international otherwise; unreadable text is returned as it was.
pub fn display_phone(e164: &str, region: &str) -> String {
    let Ok(parsed) = PhoneNumber::parse(e164.trim(), None) else { return e164.to_string() };
    let home = region.parse::<Region>().ok();
    let mode = if home.is_some() && parsed.get_region_code() == home {
        PhoneNumberFormat::National
    } else {
        PhoneNumberFormat::International
    };
    parsed.format_as(mode).into_owned()
}

/// Search tokens for an E.164 number: all digits, the national number, and its last seven digits,
/// so that typing any of them as a prefix finds the record. Stored numbers are E.164 already, so
/// the country code is split off by its length alone ([`calling_code_len`]): indexing a synced
/// customer never loads the phone-number metadata (paid once per process).
pub fn phone_search_tokens(e164: &str) -> Vec<String> {
    let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
    let mut out = vec![digits.clone()];
    if e164.trim_start().starts_with('+') && digits.len() > 4 {
        let national = digits[calling_code_len(&digits)..].to_string();
        if national.len() > 7 {
            out.push(national[national.len() - 7..].to_string());
        }
        out.insert(1, national);
    }
    out
}

/// Digits of the country calling code at the start of an international number (ITU-T E.164:
/// codes are prefix-free; these are the one- and two-digit ones, every other code has three).
pub fn calling_code_len(digits: &str) -> usize {
    const ONE: [&str; 2] = ["1", "7"];
    const TWO: [&str; 44] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
        "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
        "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    if ONE.iter().any(|c| digits.starts_with(c)) {
        1
    } else if TWO.iter().any(|c| digits.starts_with(c)) {
        2
    } else {
        3
    }
}

/// Loads the phone-number metadata on another thread (the first number read in a process builds
/// its tables): started while a command derives the database key, a headless import or edit does
/// not pay both one after the other.
pub fn warm_up_phone_numbers() {
    std::thread::spawn(|| {
        let _ = PhoneNumber::parse("+14155552671", None);
    });
}

/// Outcome of a VIN check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VinCheck {
    /// A 17-character VIN whose check digit is right.
    Valid,
    /// Well formed, but the position-9 check digit does not match. Only North American VINs
    /// (first character 1-5) must carry it; for others this is a warning, not an error.
    CheckDigitNotUsed { expected: char, found: char },
}

fn vin_value(c: char) -> Option<u32> {
    Some(match c {
        '0'..='9' => c as u32 - '0' as u32,
        'A' | 'J' => 1,
        'B' | 'K' | 'S' => 2,
        'C' | 'L' | 'T' => 3,
        'D' | 'M' | 'U' => 4,
        'E' | 'N' | 'V' => 5,
        'F' | 'W' => 6,
        'G' | 'P' | 'X' => 7,
        'H' | 'Y' => 8,
        'R' | 'Z' => 9,
        _ => return None, // I, O, Q and anything else are not allowed
    })
}

const VIN_WEIGHTS: [u32; 17] = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/// Checks a VIN per 49 CFR 565: 17 characters from 0-9 and A-Z without I, O, Q; the check digit in
/// position 9 is the weighted sum mod 11 (10 written as X). Returns the upper-cased VIN.
pub fn check_vin(raw: &str) -> Result<(String, VinCheck), String> {
    let vin: String = raw.trim().to_uppercase();
    let n = vin.chars().count();
    if n != 17 {
        return Err(format!("must be 17 characters, got {n}"));
    }
    let mut sum = 0;
    for (i, c) in vin.chars().enumerate() {
        if matches!(c, 'I' | 'O' | 'Q') {
            return Err(format!("character {} is {c:?}; VINs never use I, O or Q", i + 1));
        }
        let Some(v) = vin_value(c) else {
            return Err(format!("character {} is {c:?}; only 0-9 and A-Z are allowed", i + 1));
        };
        sum += v * VIN_WEIGHTS[i];
    }
    let expected = match sum % 11 {
        10 => 'X',
        d => char::from_digit(d, 10).unwrap_or('0'),
    };
    let found = vin.chars().nth(8).unwrap_or('0');
    if expected == found {
        return Ok((vin, VinCheck::Valid));
    }
    let north_american = matches!(vin.chars().next(), Some('1'..='5'));
    if north_american {
        Err(format!("check digit (position 9) is {found:?} but should be {expected:?}; check for a typo"))
    } else {
        Ok((vin, VinCheck::CheckDigitNotUsed { expected, found }))
    }
}

/// A date that is plausible for a person's birth: not in the future, not more than 120 years ago.
pub fn check_birth_date(date: NaiveDate, today: NaiveDate) -> Result<(), String> {
    if date > today {
        return Err(format!("{date} is in the future"));
    }
    if today.years_since(date).unwrap_or(0) > 120 {
        return Err(format!("{date} is more than 120 years ago"));
    }
    Ok(())
}

/// Parses a date typed by a person or found in a file: ISO `2024-03-31`, US `03/31/2024`.
pub fn parse_date(raw: &str) -> Result<NaiveDate, String> {
    let v = raw.trim();
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(v, "%m/%d/%Y"))
        .map_err(|_| format!("{v:?} is not a date (use YYYY-MM-DD)"))
}

/// Why something was stopped (a quote declined, an order cancelled, a deal unwound): trimmed,
/// required with `ask` as the message when empty, at most 200 characters. The one rule for every
/// reason the app asks for.
pub fn reason(field: &str, value: &str, ask: &str) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, ask));
    }
    if v.chars().count() > 200 {
        return Err(FieldError::new(field, "at most 200 characters"));
    }
    Ok(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rlibphonenumber::PHONE_NUMBER_UTIL;

    #[test]
    fn the_kept_parse_answers_only_for_the_same_text_and_region() {
        assert_eq!(phone_key("(512) 201-0000", "US").as_deref(), Some("+15122010000"));
        // Same text, another region: parsed again, as a UK number.
        assert_eq!(normalize_phone("020 7946 0018", "GB").as_deref(), Ok("+442079460018"));
        assert_ne!(phone_key("020 7946 0018", "US").as_deref(), Some("+442079460018"));
        assert!(normalize_phone("020 7946 0018", "US").is_err());
        // Same region, other text.
        assert_eq!(normalize_phone(" (512) 201-0000 ", "US").as_deref(), Ok("+15122010000"));
        assert_eq!(normalize_phone("(512) 201-0001", "US").as_deref(), Ok("+15122010001"));
    }

    #[test]
    fn stored_numbers_read_in_national_format_at_home_and_international_abroad() {
        assert_eq!(display_phone("+15125550142", "US"), "(512) 555-0142");
        assert_eq!(display_phone("+442079460958", "US"), "+44 20 7946 0958");
        assert_eq!(display_phone("+442079460958", "GB"), "020 7946 0958");
        assert_eq!(display_phone("not a number", "US"), "not a number");
    }

    #[test]
    fn vin_check_digit_per_49_cfr_565() {
        assert_eq!(check_vin("1G4AH59H45G118341").unwrap().1, VinCheck::Valid);
        assert_eq!(check_vin(" 1g4ah59h45g118341 ").unwrap().0, "1G4AH59H45G118341");
        assert_eq!(check_vin("11111111111111111").unwrap().1, VinCheck::Valid);
        // Wrong check digit on a North American VIN is an error naming both digits.
        let e = check_vin("1G4AH59H55G118341").unwrap_err();
        assert!(e.contains("'5'") && e.contains("'4'"), "{e}");
        // I, O, Q are never valid.
        for bad in ["1G4AH59I45G118341", "1G4AH59O45G118341", "1G4AH59Q45G118341"] {
            assert!(check_vin(bad).unwrap_err().contains("never use I, O or Q"), "{bad}");
        }
        assert!(check_vin("1G4AH59H45G11834").unwrap_err().contains("17 characters"));
        assert!(check_vin("1G4AH59H45G11834-").is_err());
    }

    #[test]
    fn non_north_american_vin_with_other_check_digit_is_only_a_warning() {
        // A European VIN (W = Germany) whose position 9 is not a check digit.
        let (vin, check) = check_vin("WVWZZZ1JZXW000001").unwrap();
        assert_eq!(vin, "WVWZZZ1JZXW000001");
        assert!(matches!(check, VinCheck::CheckDigitNotUsed { .. }));
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(normalize_email(" Ana.Garcia@Example.COM ").unwrap(), "ana.garcia@example.com");
        for bad in ["ana", "ana@", "@example.com", "ana@example", "ana garcia@example.com", "ana@@example.com"] {
            assert!(normalize_email(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(normalize_phone("(415) 555-2671", "US").unwrap(), "+14155552671");
        assert_eq!(phone_search_tokens("+14155552671"), ["14155552671", "4155552671", "5552671"]);
        assert_eq!(phone_search_tokens("+4930901820"), ["4930901820", "30901820", "0901820"]);
        assert_eq!(normalize_phone("+44 20 7946 0958", "US").unwrap(), "+442079460958");
        assert_eq!(normalize_phone("030 901820", "DE").unwrap(), "+4930901820");
        assert!(normalize_phone("555", "US").is_err());
        assert_eq!(phone_search_tokens("5552671"), ["5552671"], "not E.164: the digits only");
        assert!(normalize_phone("call me maybe", "US").is_err());
        assert!(normalize_phone("(415) 555-26711111", "US").is_err());
    }

    #[test]
    fn phone_tokens_cover_full_national_and_local() {
        assert_eq!(phone_search_tokens("+14155552671"), vec!["14155552671", "4155552671", "5552671"]);
    }

    #[test]
    fn dates() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 27).unwrap();
        assert_eq!(parse_date("1980-02-29").unwrap(), NaiveDate::from_ymd_opt(1980, 2, 29).unwrap());
        assert_eq!(parse_date("02/29/1980").unwrap(), NaiveDate::from_ymd_opt(1980, 2, 29).unwrap());
        assert!(parse_date("1981-02-29").is_err());
        assert!(check_birth_date(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(), today).is_err());
        assert!(check_birth_date(NaiveDate::from_ymd_opt(1850, 1, 1).unwrap(), today).is_err());
        assert!(check_birth_date(NaiveDate::from_ymd_opt(1990, 6, 1).unwrap(), today).is_ok());
    }

    #[test]
    fn checker_collects_every_problem() {
        let mut c = Checker::default();
        c.required("first_name", "  ", 80);
        c.email("email", "nope");
        c.phone("phone", "12", "US");
        let errs = c.finish().unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["first_name", "email", "phone"]);
    }

    #[test]
    fn the_country_code_split_agrees_with_the_phone_number_metadata() {
        // A valid number of every country the metadata knows, split both ways. (Italy and a few
        // others keep a leading zero in the number as dialled, which the metadata sets apart.)
        let mut checked = 0;
        for region in PHONE_NUMBER_UTIL.get_supported_regions() {
            let Ok(parsed) = PHONE_NUMBER_UTIL.get_example_number(region) else { continue };
            let code = parsed.country_code.to_string();
            let e164 = parsed.format_as(PhoneNumberFormat::E164).into_owned();
            let digits: String = e164.chars().filter(char::is_ascii_digit).collect();
            assert_eq!(calling_code_len(&digits), code.len(), "{e164} ({region})");
            if !parsed.italian_leading_zero.unwrap_or(false) {
                assert_eq!(digits[code.len()..], parsed.national_number.to_string(), "{e164}");
            }
            checked += 1;
        }
        assert!(checked > 200, "{checked} countries checked");
    }
}
