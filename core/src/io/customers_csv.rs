//! CSV import of customers: tolerant headers (any case, spaces, common aliases), `,` `;` or tab
//! separated, UTF-8 with or without BOM. Rows match existing customers by id, then email, then
//! phone; a match is updated with the non-empty cells, the rest are created.

use crate::domain::validate::{normalize_email, normalize_phone};
use crate::domain::{Consent, Customer, CustomerDraft, Preferences, Timestamp, new_id};
use crate::error::{CoreError, FieldError, Result};
use crate::store::record::query;
use crate::store::{Store, Writer};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// Validate and report, write nothing.
    pub dry_run: bool,
    /// Import the valid rows even when some are invalid (those are reported as skipped).
    pub skip_invalid: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ImportAction {
    Created,
    Updated,
    Unchanged,
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct RowOutcome {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    pub action: ImportAction,
    pub customer_id: Option<Uuid>,
    pub name: String,
    /// Why the row is invalid, or warnings for a valid one.
    pub problems: Vec<FieldError>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ImportReport {
    pub dry_run: bool,
    /// Whether anything was written.
    pub committed: bool,
    pub created: u32,
    pub updated: u32,
    /// Rows not written: unchanged rows and, with `skip_invalid`, invalid ones.
    pub skipped: u32,
    pub invalid: u32,
    /// Columns that were not understood and were ignored.
    pub ignored_columns: Vec<String>,
    pub rows: Vec<RowOutcome>,
}

impl ImportReport {
    /// A short human summary, one line.
    pub fn summary(&self) -> String {
        let verb = if self.committed {
            "imported"
        } else if self.dry_run {
            "dry run, nothing written"
        } else {
            "nothing written"
        };
        format!(
            "{verb}: {} created, {} updated, {} skipped, {} invalid",
            self.created, self.updated, self.skipped, self.invalid
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Id,
    OwnerId,
    FirstName,
    LastName,
    FullName,
    Email,
    Phone,
    Street,
    City,
    Region,
    PostalCode,
    Language,
    BirthDate,
    ConsentEmail,
    ConsentSms,
    ConsentPhone,
    Consent,
    Preferences,
    Notes,
    Ignored,
}

fn field_for(header: &str) -> Option<Field> {
    let key: String = header.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
    Some(match key.as_str() {
        "id" | "customerid" => Field::Id,
        "ownerid" => Field::OwnerId,
        "firstname" | "first" | "givenname" | "forename" => Field::FirstName,
        "lastname" | "last" | "surname" | "familyname" => Field::LastName,
        "name" | "fullname" | "customername" => Field::FullName,
        "email" | "emailaddress" | "mail" => Field::Email,
        "phone" | "phonenumber" | "mobile" | "mobilephone" | "cell" | "cellphone" | "telephone" | "tel" => Field::Phone,
        "street" | "address" | "address1" | "streetaddress" => Field::Street,
        "city" | "town" => Field::City,
        "region" | "state" | "province" => Field::Region,
        "postalcode" | "zip" | "zipcode" | "postcode" => Field::PostalCode,
        "language" | "lang" | "preferredlanguage" => Field::Language,
        "birthdate" | "dob" | "dateofbirth" | "birthday" => Field::BirthDate,
        "consentemail" | "emailconsent" | "emailoptin" => Field::ConsentEmail,
        "consentsms" | "smsconsent" | "smsoptin" | "textoptin" => Field::ConsentSms,
        "consentphone" | "phoneconsent" | "calloptin" | "phoneoptin" => Field::ConsentPhone,
        "consent" => Field::Consent,
        "preferences" => Field::Preferences,
        "notes" | "note" | "comments" | "comment" => Field::Notes,
        "createdat" | "updatedat" | "deletedat" => Field::Ignored,
        _ => return None,
    })
}

fn field_name(f: Field) -> &'static str {
    match f {
        Field::Id => "id",
        Field::OwnerId => "owner_id",
        Field::FirstName => "first_name",
        Field::LastName => "last_name",
        Field::FullName => "name",
        Field::Email => "email",
        Field::Phone => "phone",
        Field::Street => "street",
        Field::City => "city",
        Field::Region => "region",
        Field::PostalCode => "postal_code",
        Field::Language => "language",
        Field::BirthDate => "birth_date",
        Field::ConsentEmail => "consent_email",
        Field::ConsentSms => "consent_sms",
        Field::ConsentPhone => "consent_phone",
        Field::Consent => "consent",
        Field::Preferences => "preferences",
        Field::Notes => "notes",
        Field::Ignored => "ignored",
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "1" | "y" | "yes" | "true" | "x" | "opt-in" | "optin" => Some(true),
        "0" | "n" | "no" | "false" | "opt-out" | "optout" => Some(false),
        _ => None,
    }
}

fn sniff_delimiter(first_line: &[u8]) -> u8 {
    let count = |b: u8| first_line.iter().filter(|&&c| c == b).count();
    [b',', b';', b'\t'].into_iter().max_by_key(|&b| count(b)).unwrap_or(b',')
}

/// Imports customers from CSV bytes into `store` as one transaction and reports every row.
pub fn import_customers(
    store: &mut Store,
    bytes: &[u8],
    region: &str,
    today: NaiveDate,
    opts: ImportOptions,
) -> Result<ImportReport> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(CoreError::Import("the file is empty".into()));
    }
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(sniff_delimiter(first_line))
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|e| CoreError::Import(format!("line 1: cannot read the header row ({e})")))?
        .clone();
    let mut report = ImportReport { dry_run: opts.dry_run, ..Default::default() };
    let mut columns = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        let h = std::str::from_utf8(h).map_err(|_| {
            CoreError::Import(format!("line 1, column {}: header is not UTF-8 text; save the file as UTF-8", i + 1))
        })?;
        match field_for(h) {
            Some(f) => {
                if columns.contains(&f) && f != Field::Ignored {
                    return Err(CoreError::Import(format!("line 1: two columns mean {}; keep one", field_name(f))));
                }
                columns.push(f);
            }
            None => {
                report.ignored_columns.push(h.to_string());
                columns.push(Field::Ignored);
            }
        }
    }
    let has_name = columns.iter().any(|f| matches!(f, Field::LastName | Field::FullName | Field::FirstName));
    if !has_name {
        return Err(CoreError::Import(format!(
            "line 1: no name column found (expected first_name and last_name, or name); the header has: {}",
            headers.iter().map(|h| String::from_utf8_lossy(h).into_owned()).collect::<Vec<_>>().join(", ")
        )));
    }

    let commit = store.write_if(|w| {
        let mut record = csv::ByteRecord::new();
        loop {
            let line = reader.position().line() + 1;
            match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(e) => {
                    report.invalid += 1;
                    report.rows.push(RowOutcome {
                        line,
                        action: ImportAction::Invalid,
                        customer_id: None,
                        name: String::new(),
                        problems: vec![FieldError::new("row", format!("cannot be read as CSV ({e})"))],
                    });
                    continue;
                }
            }
            let line = record.position().map(|p| p.line()).unwrap_or(line);
            if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                continue;
            }
            let outcome = import_row(w, &columns, &record, line, region, today)?;
            match outcome.action {
                ImportAction::Created => report.created += 1,
                ImportAction::Updated => report.updated += 1,
                ImportAction::Unchanged => report.skipped += 1,
                ImportAction::Invalid => {
                    report.invalid += 1;
                    if opts.skip_invalid {
                        report.skipped += 1;
                    }
                }
            }
            report.rows.push(outcome);
        }
        let ok = !opts.dry_run && (report.invalid == 0 || opts.skip_invalid);
        Ok(ok)
    })?;
    report.committed = commit;
    Ok(report)
}

fn import_row(
    w: &mut Writer<'_>,
    columns: &[Field],
    record: &csv::ByteRecord,
    line: u64,
    region: &str,
    today: NaiveDate,
) -> Result<RowOutcome> {
    let mut problems = Vec::new();
    if record.len() != columns.len() {
        problems
            .push(FieldError::new("row", format!("has {} fields but the header has {}", record.len(), columns.len())));
    }
    let mut cells: Vec<(Field, String)> = Vec::new();
    for (i, raw) in record.iter().enumerate() {
        let Some(&f) = columns.get(i) else { break };
        match std::str::from_utf8(raw) {
            Ok(s) => cells.push((f, s.trim().to_string())),
            Err(_) => problems.push(FieldError::new(
                field_name(f),
                "is not UTF-8 text (the file looks like Windows-1252 or Latin-1); save it as UTF-8",
            )),
        }
    }
    let cell = |f: Field| cells.iter().find(|(g, _)| *g == f).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());

    // Which stored customer this row is about: id, then email, then phone.
    let mut existing: Option<Customer> = None;
    if let Some(id) = cell(Field::Id) {
        match id.parse::<Uuid>() {
            Ok(id) => {
                existing = query::<Customer>(w.conn(), "WHERE id = ?1 AND deleted_at IS NULL", [id.to_string()])?.pop()
            }
            Err(_) => problems.push(FieldError::new("id", format!("{id:?} is not a customer id"))),
        }
    }
    if existing.is_none()
        && let Some(email) = cell(Field::Email).and_then(|e| normalize_email(e).ok())
    {
        existing = query::<Customer>(w.conn(), "WHERE email = ?1 AND deleted_at IS NULL LIMIT 1", [email])?.pop();
    }
    if existing.is_none()
        && let Some(phone) = cell(Field::Phone).and_then(|p| normalize_phone(p, region).ok())
    {
        existing = query::<Customer>(w.conn(), "WHERE phone = ?1 AND deleted_at IS NULL LIMIT 1", [phone])?.pop();
    }

    let mut draft = existing.as_ref().map(CustomerDraft::from_customer).unwrap_or_default();
    for (f, v) in &cells {
        if v.is_empty() {
            continue;
        }
        match f {
            Field::FirstName => draft.first_name = v.clone(),
            Field::LastName => draft.last_name = v.clone(),
            Field::FullName => {
                let (first, last) = v.rsplit_once(' ').unwrap_or(("", v));
                draft.first_name = first.trim().to_string();
                draft.last_name = last.trim().to_string();
            }
            Field::Email => draft.email = v.clone(),
            Field::Phone => draft.phone = v.clone(),
            Field::Street => draft.street = v.clone(),
            Field::City => draft.city = v.clone(),
            Field::Region => draft.region = v.clone(),
            Field::PostalCode => draft.postal_code = v.clone(),
            Field::Language => draft.language = v.clone(),
            Field::BirthDate => draft.birth_date = v.clone(),
            Field::Notes => draft.notes = v.clone(),
            Field::OwnerId => match v.parse() {
                Ok(u) => draft.owner_id = Some(u),
                Err(_) => problems.push(FieldError::new("owner_id", format!("{v:?} is not a user id"))),
            },
            Field::ConsentEmail | Field::ConsentSms | Field::ConsentPhone => match parse_bool(v) {
                Some(b) => match f {
                    Field::ConsentEmail => draft.consent.email = b,
                    Field::ConsentSms => draft.consent.sms = b,
                    _ => draft.consent.phone = b,
                },
                None => problems.push(FieldError::new(field_name(*f), format!("{v:?} is not yes or no"))),
            },
            Field::Consent => match serde_json::from_str::<Consent>(v) {
                Ok(c) => draft.consent = c,
                Err(e) => problems.push(FieldError::new("consent", format!("is not valid consent JSON ({e})"))),
            },
            Field::Preferences => match serde_json::from_str::<Preferences>(v) {
                Ok(p) => draft.preferences = p,
                Err(e) => problems.push(FieldError::new("preferences", format!("is not valid preferences JSON ({e})"))),
            },
            Field::Id | Field::Ignored => {}
        }
    }

    let now = Timestamp::now();
    let base = existing.clone().unwrap_or_else(|| Customer::blank(new_id(), now));
    let name = format!("{} {}", draft.first_name, draft.last_name).trim().to_string();
    let applied = draft.apply(&base, region, today);
    let (mut customer, warnings) = match applied {
        Ok(ok) if problems.is_empty() => ok,
        Ok(_) => return Ok(invalid(line, name, problems)),
        Err(errs) => {
            problems.extend(errs);
            return Ok(invalid(line, name, problems));
        }
    };
    let action = match existing {
        Some(old) if old == customer => ImportAction::Unchanged,
        Some(old) => {
            customer.updated_at = Timestamp::now_after(old.updated_at);
            w.update(&old, &customer)?;
            ImportAction::Updated
        }
        None => {
            w.insert(&customer)?;
            ImportAction::Created
        }
    };
    Ok(RowOutcome { line, action, customer_id: Some(customer.id), name, problems: warnings })
}

fn invalid(line: u64, name: String, problems: Vec<FieldError>) -> RowOutcome {
    RowOutcome { line, action: ImportAction::Invalid, customer_id: None, name, problems }
}
