//! CSV import of customers: tolerant headers (any case, spaces, common aliases), `,` `;` or tab
//! separated, UTF-8 with or without BOM. Rows match existing customers by id, then email, then
//! phone; a match is updated with the non-empty cells, the rest are created.

use super::sheet;
use crate::domain::validate::{normalize_email, phone_key};
use crate::domain::{Consent, Customer, CustomerDraft, Preferences, Timestamp, new_id};
use crate::error::{CoreError, FieldError, Result};
use crate::store::record::query_fixed;
use crate::store::{NewRow, Store, Writer};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
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
    /// The record created or updated.
    pub record_id: Option<Uuid>,
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
    /// Counts one row's outcome and keeps it.
    pub fn add(&mut self, row: RowOutcome, opts: ImportOptions) {
        self.count(&row, opts);
        self.rows.push(row);
    }

    /// Counts one row's outcome.
    pub fn count(&mut self, row: &RowOutcome, opts: ImportOptions) {
        match row.action {
            ImportAction::Created => self.created += 1,
            ImportAction::Updated => self.updated += 1,
            ImportAction::Unchanged => self.skipped += 1,
            ImportAction::Invalid => {
                self.invalid += 1;
                if opts.skip_invalid {
                    self.skipped += 1;
                }
            }
        }
    }

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
}

const ALL_FIELDS: [Field; 19] = [
    Field::Id,
    Field::OwnerId,
    Field::FirstName,
    Field::LastName,
    Field::FullName,
    Field::Email,
    Field::Phone,
    Field::Street,
    Field::City,
    Field::Region,
    Field::PostalCode,
    Field::Language,
    Field::BirthDate,
    Field::ConsentEmail,
    Field::ConsentSms,
    Field::ConsentPhone,
    Field::Consent,
    Field::Preferences,
    Field::Notes,
];

/// A customer file before importing it: its columns, the field each feeds (by `mapping`, else by
/// header) and the first rows.
pub fn preview_customers(bytes: &[u8], mapping: &[(String, String)]) -> Result<super::LeadFilePreview> {
    sheet::preview(bytes, |h| sheet::mapped(h, mapping, &ALL_FIELDS, field_name, field_for), field_name, &ALL_FIELDS)
}

fn field_for(header: &str) -> Option<Field> {
    let key = sheet::header_key(header);
    Some(match key.as_str() {
        "id" | "customerid" => Field::Id,
        "ownerid" => Field::OwnerId,
        "firstname" | "first" | "givenname" | "forename" => Field::FirstName,
        "lastname" | "last" | "surname" | "familyname" => Field::LastName,
        "name" | "fullname" | "customername" => Field::FullName,
        "email" | "emailaddress" | "mail" => Field::Email,
        "phone" | "phonenumber" | "mobile" | "mobilephone" | "cell" | "cellphone" | "telephone" | "tel" => Field::Phone,
        "street" | "address" | "address1" | "streetaddress" | "addressline" | "addressline1" | "line1" | "street1" => {
            Field::Street
        }
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
    }
}

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "1" | "y" | "yes" | "true" | "x" | "opt-in" | "optin" => Some(true),
        "0" | "n" | "no" | "false" | "opt-out" | "optout" => Some(false),
        _ => None,
    }
}

/// Imports customers from CSV bytes into `store` as one transaction and reports every row.
pub fn import_customers(
    store: &mut Store,
    bytes: &[u8],
    region: &str,
    today: NaiveDate,
    opts: ImportOptions,
) -> Result<ImportReport> {
    import_customers_mapped(store, bytes, region, today, opts, &[])
}

/// [`import_customers`] with the person's column mapping (header → field name; "" ignores it).
pub fn import_customers_mapped(
    store: &mut Store,
    bytes: &[u8],
    region: &str,
    today: NaiveDate,
    opts: ImportOptions,
    mapping: &[(String, String)],
) -> Result<ImportReport> {
    let sheet = sheet::read(bytes, |h| sheet::mapped(h, mapping, &ALL_FIELDS, field_name, field_for), field_name)?;
    let has_name =
        sheet.columns.iter().any(|f| matches!(f, Some(Field::LastName | Field::FullName | Field::FirstName)));
    if !has_name {
        return Err(CoreError::Import(
            "line 1: no name column found (expected first_name and last_name, or name)".into(),
        ));
    }
    // Our own export's bookkeeping columns are expected, not "ignored".
    let ignored = sheet
        .ignored
        .iter()
        .filter(|h| !matches!(sheet::header_key(h).as_str(), "createdat" | "updatedat" | "deletedat" | "mergedinto"))
        .cloned()
        .collect();
    // New customers are whoever imports them's (a row may name another owner).
    let owner = store.acting_user();
    sheet::run_prepared(
        store,
        &sheet,
        field_name,
        opts,
        ignored,
        |cells, problems, line| prepare_row(cells, problems, line, region, today, owner),
        |w, row| write_row(w, row, region, today),
    )
}

/// A row read and checked without the database: its keys for finding the stored customer it may
/// be about, and what it makes as a new customer (most rows of a large file are new).
struct PreparedRow {
    line: u64,
    cells: Vec<(Field, String)>,
    /// The row's problems before it meets a stored customer (its shape, encoding and id).
    problems: Vec<FieldError>,
    id: Option<Uuid>,
    email: Option<String>,
    phone: Option<String>,
    /// The row as a new customer (of `owner` unless it names one), and its insert.
    new: Built,
    insert: Option<NewRow<Customer>>,
}

/// A row applied to a customer: the name it gives, and the customer with its warnings, or every
/// problem of the row.
struct Built {
    name: String,
    customer: std::result::Result<(Customer, Vec<FieldError>), Vec<FieldError>>,
}

fn prepare_row(
    cells: Vec<(Field, String)>,
    mut problems: Vec<FieldError>,
    line: u64,
    region: &str,
    today: NaiveDate,
    owner: Option<Uuid>,
) -> PreparedRow {
    let cell = |f: Field| cells.iter().find(|(g, _)| *g == f).map(|(_, v)| v.as_str());
    let id = cell(Field::Id).and_then(|id| match id.parse::<Uuid>() {
        Ok(id) => Some(id),
        Err(_) => {
            problems.push(FieldError::new("id", format!("{id:?} is not a customer id")));
            None
        }
    });
    let email = cell(Field::Email).and_then(|e| normalize_email(e).ok());
    let phone = cell(Field::Phone).and_then(|p| phone_key(p, region));
    let mut new = build(None, &cells, problems.clone(), region, today);
    let mut insert = None;
    if let Ok((customer, _)) = &mut new.customer {
        customer.owner_id = customer.owner_id.or(owner);
        insert = NewRow::new(&*customer).ok();
    }
    PreparedRow { line, cells, problems, id, email, phone, new, insert }
}

fn write_row(w: &mut Writer<'_>, row: PreparedRow, region: &str, today: NaiveDate) -> Result<RowOutcome> {
    // Which stored customer this row is about: id, then email, then phone.
    let mut existing: Option<Customer> = None;
    if let Some(id) = row.id {
        existing = query_fixed::<Customer>(w.conn(), "WHERE id = ?1 AND deleted_at IS NULL", [id.to_string()])?.pop()
    }
    if existing.is_none()
        && let Some(email) = &row.email
    {
        existing = query_fixed::<Customer>(w.conn(), "WHERE email = ?1 AND deleted_at IS NULL LIMIT 1", [email])?.pop();
    }
    if existing.is_none()
        && let Some(phone) = &row.phone
    {
        existing = query_fixed::<Customer>(w.conn(), "WHERE phone = ?1 AND deleted_at IS NULL LIMIT 1", [phone])?.pop();
    }
    let Built { name, customer } = match &existing {
        Some(old) => build(Some(old), &row.cells, row.problems, region, today),
        None => row.new,
    };
    let (mut customer, warnings) = match customer {
        Ok(ok) => ok,
        Err(problems) => return Ok(invalid(row.line, name, problems)),
    };
    let action = match existing {
        Some(old) if old == customer => ImportAction::Unchanged,
        Some(old) => {
            customer.updated_at = Timestamp::now_after(old.updated_at);
            w.update(&old, &customer)?;
            ImportAction::Updated
        }
        None => {
            match row.insert {
                Some(insert) => w.insert_new(insert)?,
                None => w.insert(&customer)?,
            }
            ImportAction::Created
        }
    };
    Ok(RowOutcome { line: row.line, action, record_id: Some(customer.id), name, problems: warnings })
}

/// The row's cells applied to `existing` (its non-empty cells over the stored values) or, with
/// none, to a new customer.
fn build(
    existing: Option<&Customer>,
    cells: &[(Field, String)],
    mut problems: Vec<FieldError>,
    region: &str,
    today: NaiveDate,
) -> Built {
    let mut draft = existing.map(CustomerDraft::from_customer).unwrap_or_default();
    for (f, v) in cells {
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
            Field::Id => {}
        }
    }
    let base = existing.cloned().unwrap_or_else(|| Customer::blank(new_id(), Timestamp::now()));
    let name = format!("{} {}", draft.first_name, draft.last_name).trim().to_string();
    let customer = match draft.apply(&base, region, today) {
        Ok(ok) if problems.is_empty() => Ok(ok),
        Ok(_) => Err(problems),
        Err(errs) => {
            problems.extend(errs);
            Err(problems)
        }
    };
    Built { name, customer }
}

fn invalid(line: u64, name: String, problems: Vec<FieldError>) -> RowOutcome {
    RowOutcome { line, action: ImportAction::Invalid, record_id: None, name, problems }
}
