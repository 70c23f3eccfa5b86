//! Real lead feeds as they arrive (`core/tests/fixtures/adf/`): each deviation is read with its
//! names and contact details intact and its repairs listed, imported as a lead that keeps its
//! original text, and what must be refused is refused with nothing stored.

use showroom_core::Showroom;
use showroom_core::domain::Lead;
use showroom_core::io::ImportOptions;
use showroom_core::leads::adf;
use showroom_core::store::query;
use std::path::PathBuf;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/adf").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One expected lead: (first, last, email, first phone as written) and a phrase each of the
/// repairs that must be listed on it.
struct Want {
    file: &'static str,
    leads: &'static [(&'static str, &'static str, &'static str, &'static str)],
    repairs: &'static [&'static str],
}

const FEEDS: &[Want] = &[
    Want {
        file: "01-spec-sample.xml",
        leads: &[("John", "Doe", "", "393-999-3922")],
        repairs: &[
            "the ADF declaration <?ADF VERSION \"1.0\"?> is not XML syntax",
            "<?XML VERSION \"1.0\"?> is not XML syntax",
        ],
    },
    Want {
        file: "02-adf-before-xml-declaration.xml",
        leads: &[("Priya", "Raman", "priya.raman@example.com", "(512) 555-0142")],
        repairs: &["line 2: the XML declaration <?xml version=\"1.0\"?> is not at the start of the file"],
    },
    Want {
        file: "03-unquoted-attributes.xml",
        leads: &[("Marcus", "Bell", "mbell@example.com", "214-555-0187")],
        repairs: &[
            "sequence=1",
            "the value of part in <name> was not quoted: part=first",
            "primarycontact in <contact> has no value",
        ],
    },
    Want {
        file: "04-bare-ampersands-and-html.xml",
        leads: &[("Dana", "O'Neil & Sons", "dana@oneil-sons.example.com", "(312) 555-0110")],
        repairs: &["line 11: a bare & was read as text", "line 13: HTML in <comments> was kept as its text", "&nbsp;"],
    },
    Want {
        file: "05-latin1-declared.xml",
        leads: &[("José", "Muñoz", "jose.munoz@example.com", "+1 (210) 555-0123")],
        repairs: &["declared ISO-8859-1: read as windows-1252"],
    },
    Want {
        file: "06-windows-1252-undeclared.xml",
        leads: &[("Renée", "D\u{2019}Amico", "renee.damico@example.com", "")],
        repairs: &["not valid UTF-8; read as windows-1252"],
    },
    Want { file: "07-utf16-bom.xml", leads: &[("Zoë", "Nguyễn", "zoe.nguyen@example.com", "")], repairs: &[] },
    Want {
        file: "08-mixed-case-and-unclosed.xml",
        leads: &[("Hiro", "Tanaka", "hiro.tanaka@example.com", "415-555-0199")],
        repairs: &["</name> closes <Name> (the case differs)", "<Phone> was not closed before </Contact>"],
    },
    Want {
        file: "09-email-body-two-documents.txt",
        leads: &[("Lena", "Ortiz", "lena.ortiz@example.com", ""), ("Sam", "Cole", "", "(702) 555-0160")],
        repairs: &["line 1: text outside the ADF document was ignored"],
    },
    Want {
        file: "10-cut-short.xml",
        leads: &[("Ava", "Brooks", "ava.brooks@example.com", "(303) 555-01")],
        repairs: &["the file ends before </phone></contact></customer></prospect></adf> (was it cut short?)"],
    },
    Want {
        file: "11-namespaces-and-doctype.xml",
        leads: &[("Noor", "Haddad", "noor.haddad@example.com", "")],
        repairs: &["line 2: the <!DOCTYPE> line was ignored", "the prefix of <adf:prospect> was dropped"],
    },
    Want {
        file: "12-bare-prospect-cdata-controls.xml",
        leads: &[("Eli", "Park", "", "(617) 555-0133")],
        repairs: &[
            "prospects outside an <adf> element were read",
            "control characters XML does not allow were removed",
        ],
    },
];

#[test]
fn every_feed_shape_is_read_with_its_people_intact_and_its_repairs_listed() {
    for want in FEEDS {
        let prospects = adf::read(&fixture(want.file)).unwrap_or_else(|e| panic!("{}: {e}", want.file));
        assert_eq!(prospects.len(), want.leads.len(), "{}", want.file);
        for (p, (first, last, email, phone)) in prospects.iter().zip(want.leads) {
            let got = (p.first_name.as_str(), p.last_name.as_str(), p.email.as_str());
            assert_eq!(got, (*first, *last, *email), "{}", want.file);
            assert_eq!(p.phones.first().map_or("", |(_, n)| n.as_str()), *phone, "{}", want.file);
            assert!(p.original.contains(first) || want.file.starts_with("07"), "{}: {}", want.file, p.original);
        }
        let said: Vec<String> = prospects.iter().flat_map(|p| p.warnings.iter().map(|w| w.message.clone())).collect();
        for repair in want.repairs {
            assert!(said.iter().any(|s| s.contains(repair)), "{}: no repair {repair:?} in {said:#?}", want.file);
        }
    }
}

#[test]
fn html_in_comments_and_entities_read_as_the_text_a_rep_expects() {
    let p = &adf::read(&fixture("04-bare-ampersands-and-html.xml")).unwrap()[0];
    assert_eq!(p.comments, "Fleet buyer \u{2013} needs 3 trucks by Q1. Trade & financing?");
    let p = &adf::read(&fixture("05-latin1-declared.xml")).unwrap()[0];
    assert_eq!(p.comments, "Quiere un sedán híbrido; financiación a 60 meses.");
    let p = &adf::read(&fixture("12-bare-prospect-cdata-controls.xml")).unwrap()[0];
    assert_eq!(p.comments, "Budget < $30k & wants AWD price < 30000 thanks");
}

#[test]
fn each_feed_imports_as_leads_that_keep_the_original_and_flag_an_unreadable_phone() {
    for want in FEEDS {
        let mut app = Showroom::open_in_memory().unwrap();
        let report = app
            .import_leads(&fixture(want.file), ImportOptions::default(), &[])
            .unwrap_or_else(|e| panic!("{}: {e}", want.file));
        assert!(report.committed && report.invalid == 0, "{}: {report:#?}", want.file);
        assert_eq!(report.created as usize, want.leads.len(), "{}", want.file);
        let leads: Vec<Lead> = query(app.store().conn(), "ORDER BY received_at, first_name", []).unwrap();
        for (first, last, email, _) in want.leads {
            let lead =
                leads.iter().find(|l| l.first_name == *first).unwrap_or_else(|| panic!("{}: {first}", want.file));
            assert_eq!(
                (lead.last_name.as_str(), lead.email.as_deref().unwrap_or("")),
                (*last, *email),
                "{}",
                want.file
            );
            let original = lead.original.to_lowercase();
            assert!(original.starts_with("<prospect") || original.starts_with("<adf:prospect"), "{}", want.file);
            assert!(original.ends_with("prospect>") || want.file.starts_with("10"), "{}: {original}", want.file);
            for repair in want.repairs.iter().filter(|r| !r.contains("outside the ADF document")) {
                assert!(
                    lead.intake_warnings.iter().any(|w| w.message.contains(repair))
                        || want.leads.len() > 1 && !repair.contains("line"),
                    "{}: {repair:?} not kept on the lead: {:#?}",
                    want.file,
                    lead.intake_warnings
                );
            }
        }
    }
    // The specification's own sample: a fictional number is still a lead, its number flagged.
    let mut app = Showroom::open_in_memory().unwrap();
    app.import_leads(&fixture("01-spec-sample.xml"), ImportOptions::default(), &[]).unwrap();
    let leads: Vec<Lead> = query(app.store().conn(), "", []).unwrap();
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0].phone, None);
    assert!(
        leads[0].intake_warnings.iter().any(|w| w.field == "phone" && w.message == "could not be read: 393-999-3922"),
        "{:#?}",
        leads[0].intake_warnings
    );
    assert_eq!(leads[0].vehicle_interest, "1999 Chevrolet Blazer");
    // A cut-short number is kept the same way.
    let mut app = Showroom::open_in_memory().unwrap();
    app.import_leads(&fixture("10-cut-short.xml"), ImportOptions::default(), &[]).unwrap();
    let leads: Vec<Lead> = query(app.store().conn(), "", []).unwrap();
    assert!(leads[0].intake_warnings.iter().any(|w| w.message == "could not be read: (303) 555-01"));
}

#[test]
fn a_lead_is_refused_only_with_no_name_and_no_way_to_reach_them() {
    let feed = br#"<adf>
      <prospect><customer><contact><email>no.name@example.com</email></contact></customer></prospect>
      <prospect><customer><contact><name part="full">Only Name</name></contact></customer></prospect>
      <prospect><customer><contact><phone>393-999-3922</phone></contact></customer></prospect>
    </adf>"#;
    let mut app = Showroom::open_in_memory().unwrap();
    let report = app.import_leads(feed, ImportOptions { dry_run: false, skip_invalid: true }, &[]).unwrap();
    assert_eq!((report.created, report.invalid), (2, 1), "{report:#?}");
    let refused = &report.rows[2];
    assert!(refused.problems.iter().any(|p| p.message.contains("needs a name, or an email or phone")), "{refused:#?}");
    assert!(refused.problems.iter().any(|p| p.message == "could not be read: 393-999-3922"), "{refused:#?}");
    let kept = &report.rows[0];
    assert!(kept.problems.iter().any(|p| p.message.contains("no name given")), "{kept:#?}");
}

#[test]
fn bombs_entities_binary_and_oversized_files_are_refused_with_nothing_stored() {
    for (file, why) in
        [("refused-bomb.xml", "DTD"), ("refused-external-entity.xml", "DTD"), ("refused-binary.bin", "binary")]
    {
        let err = adf::read(&fixture(file)).unwrap_err().to_string();
        assert!(err.contains(why), "{file}: {err}");
        let mut app = Showroom::open_in_memory().unwrap();
        assert!(app.import_leads(&fixture(file), ImportOptions::default(), &[]).is_err(), "{file}");
        assert_eq!(query::<Lead>(app.store().conn(), "", []).unwrap().len(), 0, "{file}");
    }
    let mut big = b"<adf>".to_vec();
    big.resize(adf::MAX_BYTES + 1, b' ');
    assert!(adf::read(&big).unwrap_err().to_string().contains("at most 50 MB"));
}

/// Every fixture cut at every byte and with bytes flipped: each read ends with leads or a
/// refusal, never a panic. (The fuzz target `adf_read` explores further: `scripts/fuzz`.)
#[test]
fn every_prefix_and_flipped_byte_of_every_fixture_is_read_or_refused() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/adf");
    for entry in std::fs::read_dir(dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for cut in 0..bytes.len() {
            let _ = adf::read(&bytes[..cut]);
        }
        for (i, flip) in (0..bytes.len())
            .step_by(3)
            .zip([b'<', b'>', b'&', b'"', b'\'', b'/', b'=', 0x80, b'?', b'!'].iter().cycle())
        {
            let mut b = bytes.clone();
            b[i] = *flip;
            let _ = adf::read(&b);
        }
    }
}

/// Inputs the fuzzer (`scripts/fuzz`) once crashed on: each is read or refused, never a panic.
#[test]
fn inputs_the_fuzzer_found_are_read_or_refused() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/adf-crashes");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let _ = adf::read(&std::fs::read(entry.unwrap().path()).unwrap());
        n += 1;
    }
    assert!(n > 0);
}
