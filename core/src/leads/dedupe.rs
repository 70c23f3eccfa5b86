//! Duplicate detection, pure: two people are the same when they share a normalised email, the same
//! phone number (E.164), or a last name and either a first name (compared fuzzily, nicknames
//! known) or part of a contact. Candidates are found by blocking on email, phone and a last-name
//! key, so a list of N people costs about N lookups, not N².

use crate::domain::validate::{normalize_email, normalize_phone};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use ts_rs::TS;

/// What a person is compared on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub phone: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    Email,
    Phone,
    /// Same last name and a similar first name.
    Name,
    /// Same last name and part of a contact (the email's local part, the phone's last 7 digits).
    NameAndContact,
}

/// A person reduced to what is compared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub first: String,
    pub last: String,
    pub email_local: Option<String>,
    pub phone7: Option<String>,
}

const NICKNAMES: &[(&str, &str)] = &[
    ("bob", "robert"),
    ("rob", "robert"),
    ("bobby", "robert"),
    ("bill", "william"),
    ("will", "william"),
    ("liz", "elizabeth"),
    ("beth", "elizabeth"),
    ("mike", "michael"),
    ("kate", "katherine"),
    ("katie", "katherine"),
    ("jim", "james"),
    ("jimmy", "james"),
    ("tom", "thomas"),
    ("dave", "david"),
    ("chris", "christopher"),
    ("jen", "jennifer"),
    ("jenny", "jennifer"),
    ("alex", "alexander"),
    ("sam", "samuel"),
    ("dan", "daniel"),
    ("danny", "daniel"),
    ("matt", "matthew"),
    ("tony", "anthony"),
    ("nick", "nicholas"),
    ("joe", "joseph"),
    ("steve", "stephen"),
    ("andy", "andrew"),
    ("ben", "benjamin"),
    ("pat", "patricia"),
    ("sue", "susan"),
    ("meg", "margaret"),
    ("peggy", "margaret"),
    ("rick", "richard"),
    ("dick", "richard"),
    ("ed", "edward"),
    ("ted", "edward"),
    ("greg", "gregory"),
    ("jeff", "jeffrey"),
    ("larry", "lawrence"),
    ("abby", "abigail"),
    ("josh", "joshua"),
    ("nate", "nathan"),
];

/// Lower case, accents removed, letters only.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().to_lowercase().chars() {
        let base = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            'ß' => 's',
            c => c,
        };
        if base.is_alphabetic() {
            out.push(base);
        }
    }
    out
}

/// The key people are grouped by for the name rules: the last name and the first letter of the
/// first name (nicknames resolved), so "Bob Smith" and "Robert Smith" meet but not every Smith.
pub fn name_key(k: &Keys) -> Option<String> {
    let first = canonical_first(&k.first).chars().next()?;
    (!k.last.is_empty()).then(|| format!("{}:{first}", k.last))
}

fn canonical_first(f: &str) -> &str {
    NICKNAMES.iter().find(|(n, _)| *n == f).map(|(_, full)| *full).unwrap_or(f)
}

pub fn keys(p: &Person, region: &str) -> Keys {
    let email = normalize_email(&p.email).ok();
    let phone = normalize_phone(&p.phone, region).ok();
    Keys {
        email_local: email
            .as_ref()
            .and_then(|e| e.split('@').next())
            .map(|l| l.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase())
            .filter(|l| l.len() >= 4),
        phone7: phone.as_ref().map(|p| p.chars().rev().take(7).collect::<String>()),
        email,
        phone,
        first: fold(&p.first_name),
        last: fold(&p.last_name),
    }
}

fn first_names_match(a: &str, b: &str) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (ca, cb) = (canonical_first(a), canonical_first(b));
    ca == cb || strsim::jaro_winkler(ca, cb) >= 0.90
}

fn last_names_match(a: &str, b: &str) -> bool {
    !a.is_empty() && !b.is_empty() && (a == b || (a.len() >= 6 && strsim::jaro_winkler(a, b) >= 0.97))
}

/// Whether `a` and `b` are the same person, and why.
pub fn same_person(a: &Keys, b: &Keys) -> Option<MatchReason> {
    if a.email.is_some() && a.email == b.email {
        return Some(MatchReason::Email);
    }
    if a.phone.is_some() && a.phone == b.phone {
        return Some(MatchReason::Phone);
    }
    if !last_names_match(&a.last, &b.last) {
        return None;
    }
    if first_names_match(&a.first, &b.first) {
        // The same name with a different email, or a different phone, on both sides is two people.
        let differ = |x: &Option<String>, y: &Option<String>| x.is_some() && y.is_some() && x != y;
        let contact_conflict = differ(&a.email, &b.email) || differ(&a.phone, &b.phone);
        return (!contact_conflict).then_some(MatchReason::Name);
    }
    let local = a.email_local.is_some() && a.email_local == b.email_local;
    let tail = a.phone7.is_some() && a.phone7 == b.phone7;
    (local || tail).then_some(MatchReason::NameAndContact)
}

/// Pairs `(i, j, reason)` with `i < j` of people in `list` who are the same person.
pub fn find(list: &[Keys]) -> Vec<(usize, usize, MatchReason)> {
    let mut blocks: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, k) in list.iter().enumerate() {
        if let Some(e) = &k.email {
            blocks.entry(format!("e:{e}")).or_default().push(i);
        }
        if let Some(p) = &k.phone {
            blocks.entry(format!("p:{p}")).or_default().push(i);
        }
        if k.last.len() >= 2 {
            blocks.entry(format!("l:{}", &k.last[..k.last.len().min(3)])).or_default().push(i);
        }
    }
    // Only matches are remembered (a pair in two blocks is found twice): remembering every pair
    // compared held ~200,000 entries for the demo's 5,000 customers, and more as a name prefix
    // block grows.
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for members in blocks.values() {
        if members.len() > 2_000 {
            continue; // a block this big is a common name with no shared contact; the name rule needs a tighter key
        }
        for (x, &i) in members.iter().enumerate() {
            for &j in &members[x + 1..] {
                let (i, j) = (i.min(j), i.max(j));
                if i != j
                    && let Some(r) = same_person(&list[i], &list[j])
                    && seen.insert((i, j))
                {
                    out.push((i, j, r));
                }
            }
        }
    }
    out.sort_by_key(|(i, j, _)| (*i, *j));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(first: &str, last: &str, email: &str, phone: &str) -> Keys {
        keys(
            &Person { first_name: first.into(), last_name: last.into(), email: email.into(), phone: phone.into() },
            "US",
        )
    }

    #[test]
    fn each_rule_matches_and_near_misses_do_not() {
        let dana = p("Dana", "Whitfield", "Dana.W@Example.com", "(512) 555-0100");
        assert_eq!(same_person(&dana, &p("D", "W", " dana.w@example.com ", "")), Some(MatchReason::Email));
        assert_eq!(same_person(&dana, &p("", "", "", "512.555.0100")), Some(MatchReason::Phone));
        assert_eq!(same_person(&p("Robert", "Müller", "", ""), &p("bob", "Muller", "", "")), Some(MatchReason::Name));
        assert_eq!(
            same_person(&p("Jonathon", "Smith", "", ""), &p("Jonathan", "Smith", "", "")),
            Some(MatchReason::Name)
        );
        assert_eq!(
            same_person(
                &p("Dana", "Whitfield", "danaw1980@gmail.com", ""),
                &p("Danielle", "Whitfield", "danaw1980@yahoo.com", "")
            ),
            Some(MatchReason::NameAndContact)
        );
        // Same family, different people.
        assert_eq!(same_person(&p("Dana", "Whitfield", "", ""), &p("Marcus", "Whitfield", "", "")), None);
        // Same common name with different contacts on both sides.
        assert_eq!(
            same_person(
                &p("John", "Smith", "js1@example.com", "5125550101"),
                &p("John", "Smith", "js2@example.com", "5125550199")
            ),
            None
        );
    }

    /// A generated dealership list with known duplicates; the issue asks for precision >= 0.95 and
    /// recall >= 0.90.
    #[test]
    fn precision_and_recall_on_a_generated_set_with_known_duplicates() {
        let firsts = [
            "James",
            "Mary",
            "Robert",
            "Patricia",
            "Michael",
            "Jennifer",
            "William",
            "Linda",
            "David",
            "Elizabeth",
            "Richard",
            "Susan",
            "Joseph",
            "Jessica",
            "Thomas",
            "Sarah",
            "Christopher",
            "Karen",
            "Daniel",
            "Nancy",
            "Matthew",
            "Lisa",
            "Anthony",
            "Margaret",
            "Mark",
            "Sandra",
            "Steven",
            "Ashley",
            "Andrew",
            "Emily",
            "José",
            "Zoë",
            "Björn",
            "Aisha",
            "Kevin",
            "Donna",
            "Brian",
            "Carol",
            "George",
            "Michelle",
            "Edward",
            "Amanda",
            "Ronald",
            "Dorothy",
            "Timothy",
            "Melissa",
            "Jason",
            "Deborah",
            "Jeffrey",
            "Stephanie",
            "Ryan",
            "Rebecca",
            "Jacob",
            "Laura",
            "Gary",
            "Sharon",
            "Nicholas",
            "Cynthia",
            "Eric",
            "Kathleen",
            "Jonathan",
            "Amy",
            "Stephen",
            "Shirley",
            "Larry",
            "Angela",
            "Justin",
            "Helen",
            "Scott",
            "Anna",
            "Brandon",
            "Brenda",
            "Benjamin",
            "Pamela",
            "Samuel",
            "Nicole",
            "Gregory",
            "Emma",
            "Alexander",
            "Samantha",
            "Frank",
            "Katherine",
            "Patrick",
            "Christine",
            "Raymond",
            "Debra",
            "Jack",
            "Rachel",
            "Dennis",
            "Catherine",
            "Jerry",
            "Carolyn",
            "Tyler",
            "Janet",
            "Aaron",
            "Ruth",
            "Wei",
            "Priya",
            "Kwame",
            "Yuki",
            "Mateo",
            "Fatima",
            "Olga",
            "Siobhan",
            "Ravi",
        ];
        // Surnames as varied as a real customer list's (about 1,500 here): syllables combined, so
        // distinct people rarely share a full name, as in life; some still do.
        let heads = [
            "Ab", "Bar", "Car", "Dav", "El", "Fer", "Gar", "Hal", "Iv", "Jan", "Kow", "Lar", "Mor", "Nak", "Ok", "Pet",
            "Quin", "Ros", "Sal", "Tor", "Ul", "Val", "Wat", "Yam", "Zel", "Brad", "Chan", "Dom", "Fitz", "Gal",
        ];
        let tails = [
            "aki", "berg", "dale", "enko", "field", "gan", "hart", "ito", "jic", "kins", "ley", "man", "nez", "ova",
            "quist", "ro", "son", "ton", "uzzi", "vik", "wood", "x", "yard", "zewski", "ard", "bury", "ck", "dotti",
            "ello", "ford",
        ];
        let mut lasts: Vec<String> = heads.iter().flat_map(|h| tails.iter().map(move |t| format!("{h}{t}"))).collect();
        lasts
            .extend(["Müller", "O'Brien", "Quintero-Hale", "Nguyen", "Smith", "Johnson"].iter().map(|s| s.to_string()));
        let mut rng = fastrand::Rng::with_seed(7);
        let mut people: Vec<(Person, usize)> = Vec::new(); // (person, identity)
        for id in 0..1500usize {
            let f = firsts[rng.usize(..firsts.len())];
            let l = lasts[rng.usize(..lasts.len())].as_str();
            let email =
                if rng.f32() < 0.8 { format!("{}.{}{}@example.com", fold(f), fold(l), id) } else { String::new() };
            let phone = if rng.f32() < 0.8 { format!("512{:07}", 2_000_000 + id * 37) } else { String::new() };
            people.push((
                Person { first_name: f.into(), last_name: l.into(), email: email.clone(), phone: phone.clone() },
                id,
            ));
            // About one in five has a duplicate entry, the way they creep in.
            if rng.f32() < 0.2 {
                let variant = match rng.u8(..5) {
                    0 => Person {
                        first_name: f.into(),
                        last_name: l.into(),
                        email: email.to_uppercase(),
                        phone: String::new(),
                    },
                    1 => Person {
                        first_name: f.to_lowercase(),
                        last_name: l.to_uppercase(),
                        email: String::new(),
                        phone: if phone.is_empty() {
                            String::new()
                        } else {
                            format!("({}) {}-{}", &phone[..3], &phone[3..6], &phone[6..])
                        },
                    },
                    2 => {
                        let nick = NICKNAMES
                            .iter()
                            .find(|(_, full)| *full == fold(f))
                            .map(|(n, _)| n.to_string())
                            .unwrap_or_else(|| f.to_string());
                        Person { first_name: nick, last_name: l.into(), email: String::new(), phone: String::new() }
                    }
                    3 => {
                        // A typo in the first name, no contact.
                        let mut chars: Vec<char> = f.chars().collect();
                        let at = chars.len() / 2;
                        chars.swap(at, at - 1);
                        Person {
                            first_name: chars.into_iter().collect(),
                            last_name: l.into(),
                            email: String::new(),
                            phone: String::new(),
                        }
                    }
                    _ => Person {
                        first_name: f.into(),
                        last_name: l.into(),
                        email: email.replace("@example.com", "@gmail.com"),
                        phone: phone.clone(),
                    },
                };
                people.push((variant, id));
            }
        }
        let keys_list: Vec<Keys> = people.iter().map(|(p, _)| keys(p, "US")).collect();
        let found = find(&keys_list);
        let truth: usize = {
            let mut per: HashMap<usize, usize> = HashMap::new();
            for (_, id) in &people {
                *per.entry(*id).or_default() += 1;
            }
            per.values().map(|n| n * (n - 1) / 2).sum()
        };
        let correct = found.iter().filter(|(i, j, _)| people[*i].1 == people[*j].1).count();

        let precision = correct as f64 / found.len().max(1) as f64;
        let recall = correct as f64 / truth.max(1) as f64;
        println!(
            "duplicates: {} people, {truth} true pairs, {} found, precision {precision:.3}, recall {recall:.3}",
            people.len(),
            found.len()
        );
        assert!(precision >= 0.95, "precision {precision:.3}");
        assert!(recall >= 0.90, "recall {recall:.3}");
    }
}
