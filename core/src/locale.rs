//! The dealership's language conventions, from its country: the BCP 47 tag the UI formats dates,
//! numbers and phones with, and the spelling of built-in text (a US dealership reads "color" and
//! "license"; a Canadian, British or Australian one "colour" and "licence"). Built-in text is
//! written once, in Commonwealth spelling, and [`Locale::spell`] turns it American where the
//! dealership is; text a user typed is never rewritten.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// How the dealership spells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Spelling {
    American,
    Commonwealth,
}

/// The dealership's locale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Locale {
    /// "en-US", "en-CA", "en-GB"…: the UI's `Intl` formats use it.
    pub tag: String,
    pub spelling: Spelling,
}

/// Countries whose English spells the American way.
const AMERICAN: &[&str] = &["US", "PR", "PH", "LR", "GU", "VI", "AS", "MP", "UM"];

/// Commonwealth form → American form, lower case; [`Locale::spell`] keeps the first letter's case.
/// Longest forms first so "cancelled" is not caught by a shorter word.
const WORDS: &[(&str, &str)] = &[
    ("colours", "colors"),
    ("colour", "color"),
    ("licences", "licenses"),
    ("licence", "license"),
    ("cancelled", "canceled"),
    ("cancelling", "canceling"),
    ("recognised", "recognized"),
    ("recognise", "recognize"),
    ("organisation", "organization"),
    ("favourite", "favorite"),
    ("centre", "center"),
    ("catalogue", "catalog"),
    ("analyse", "analyze"),
    ("dialled", "dialed"),
    ("labelled", "labeled"),
];

impl Locale {
    /// The locale of a dealership in `country` (ISO 3166 alpha-2; empty reads as the US).
    pub fn for_country(country: &str) -> Locale {
        let c = country.trim().to_ascii_uppercase();
        let c = if c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic()) { c } else { "US".to_string() };
        let spelling = if AMERICAN.contains(&c.as_str()) { Spelling::American } else { Spelling::Commonwealth };
        Locale { tag: format!("en-{c}"), spelling }
    }

    /// The word forms [`Locale::spell`] rewrites here (none for Commonwealth spelling).
    pub fn respellings(&self) -> Vec<(String, String)> {
        match self.spelling {
            Spelling::American => WORDS.iter().map(|(uk, us)| ((*uk).to_string(), (*us).to_string())).collect(),
            Spelling::Commonwealth => Vec::new(),
        }
    }

    /// Built-in `text` in this locale's spelling (whole words only; case of the first letter kept).
    pub fn spell(&self, text: &str) -> String {
        if self.spelling == Spelling::Commonwealth {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut word = String::new();
        let flush = |word: &mut String, out: &mut String| {
            out.push_str(&american(word));
            word.clear();
        };
        for ch in text.chars() {
            if ch.is_alphabetic() {
                word.push(ch);
            } else {
                flush(&mut word, &mut out);
                out.push(ch);
            }
        }
        flush(&mut word, &mut out);
        out
    }
}

fn american(word: &str) -> String {
    let lower = word.to_lowercase();
    let Some((_, us)) = WORDS.iter().find(|(uk, _)| *uk == lower) else { return word.to_string() };
    if word.chars().all(|c| c.is_uppercase()) && word.chars().count() > 1 {
        us.to_uppercase()
    } else if word.chars().next().is_some_and(char::is_uppercase) {
        let mut c = us.chars();
        c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
    } else {
        (*us).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_us_dealership_reads_american_spelling_and_others_keep_theirs() {
        let us = Locale::for_country("US");
        assert_eq!(us.tag, "en-US");
        assert_eq!(us.spell("Colour"), "Color");
        assert_eq!(
            us.spell("Bring your licence. Order cancelled; colours: RED."),
            "Bring your license. Order canceled; colors: RED."
        );
        assert_eq!(us.spell("LICENCE"), "LICENSE");
        // Whole words only: a name that contains a form is left alone.
        assert_eq!(us.spell("Colourful Centreville"), "Colourful Centreville");
        let ca = Locale::for_country("ca");
        assert_eq!((ca.tag.as_str(), ca.spelling), ("en-CA", Spelling::Commonwealth));
        assert_eq!(ca.spell("Colour"), "Colour");
        assert_eq!(Locale::for_country("GB").spell("licence"), "licence");
        // Unknown or empty: the US.
        assert_eq!(Locale::for_country("").tag, "en-US");
        assert_eq!(Locale::for_country("Texas").spelling, Spelling::American);
    }
}
