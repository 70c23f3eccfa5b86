//! CSV import of inventory from a DMS export: tolerant column names ("Stock #", "Ext Color",
//! "Internet Price", …), money with `$` and `,`, condition words (New, Used, Certified). Rows match
//! stored vehicles by stock number, then VIN; one transaction for the file.

use super::customers_csv::{ImportAction, ImportOptions, ImportReport, RowOutcome};
use super::sheet::{self, header_key};
use crate::desk::money::Money;
use crate::domain::{Condition, Timestamp, Vehicle, VehicleStatus, new_id};
use crate::error::{CoreError, FieldError, Result};
use crate::store::{Store, Writer, query};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Stock,
    Vin,
    Year,
    Make,
    Model,
    Trim,
    Body,
    Colour,
    Mileage,
    Condition,
    Msrp,
    Invoice,
    Price,
    Status,
    Location,
}

const ALL_FIELDS: [Field; 15] = [
    Field::Stock,
    Field::Vin,
    Field::Year,
    Field::Make,
    Field::Model,
    Field::Trim,
    Field::Body,
    Field::Colour,
    Field::Mileage,
    Field::Condition,
    Field::Msrp,
    Field::Invoice,
    Field::Price,
    Field::Status,
    Field::Location,
];

/// An inventory file before importing it: its columns, the field each feeds (by `mapping`, else by
/// header) and the first rows.
pub fn preview_vehicles(bytes: &[u8], mapping: &[(String, String)]) -> Result<super::LeadFilePreview> {
    sheet::preview(bytes, |h| sheet::mapped(h, mapping, &ALL_FIELDS, field_name, field_for), field_name, &ALL_FIELDS)
}

fn field_for(header: &str) -> Option<Field> {
    Some(match header_key(header).as_str() {
        "stock" | "stockno" | "stocknumber" | "stocknum" => Field::Stock,
        "vin" | "vinnumber" => Field::Vin,
        "year" | "modelyear" | "yr" => Field::Year,
        "make" | "manufacturer" | "brand" => Field::Make,
        "model" => Field::Model,
        "trim" | "series" | "trimlevel" => Field::Trim,
        "body" | "bodystyle" | "bodytype" => Field::Body,
        "colour" | "color" | "extcolor" | "exteriorcolor" | "extcolour" | "exteriorcolour" => Field::Colour,
        "mileage" | "miles" | "odometer" => Field::Mileage,
        "condition" | "newused" | "type" | "stocktype" => Field::Condition,
        "msrp" | "sticker" | "listprice" | "stickerprice" => Field::Msrp,
        "invoice" | "cost" | "dealercost" | "invoiceprice" => Field::Invoice,
        "price" | "sellingprice" | "internetprice" | "saleprice" | "askingprice" => Field::Price,
        "status" | "vehiclestatus" => Field::Status,
        "location" | "lot" | "lotlocation" => Field::Location,
        _ => return None,
    })
}

fn field_name(f: Field) -> &'static str {
    match f {
        Field::Stock => "stock_no",
        Field::Vin => "vin",
        Field::Year => "year",
        Field::Make => "make",
        Field::Model => "model",
        Field::Trim => "trim",
        Field::Body => "body",
        Field::Colour => "colour",
        Field::Mileage => "mileage",
        Field::Condition => "condition",
        Field::Msrp => "msrp",
        Field::Invoice => "invoice",
        Field::Price => "price",
        Field::Status => "status",
        Field::Location => "location",
    }
}

fn parse_condition(v: &str) -> Option<Condition> {
    match header_key(v).as_str() {
        "new" | "n" => Some(Condition::New),
        "used" | "u" | "preowned" => Some(Condition::Used),
        "cpo" | "certified" | "certifiedpreowned" | "c" => Some(Condition::Cpo),
        _ => None,
    }
}

fn parse_status(v: &str) -> Option<VehicleStatus> {
    match header_key(v).as_str() {
        "available" | "instock" | "stock" | "" => Some(VehicleStatus::Available),
        "reserved" | "pending" => Some(VehicleStatus::Reserved),
        "intransit" | "transit" | "inbound" => Some(VehicleStatus::InTransit),
        "onhold" | "hold" => Some(VehicleStatus::OnHold),
        "sold" | "delivered" => Some(VehicleStatus::Sold),
        _ => None,
    }
}

/// Imports vehicles from CSV bytes as one transaction and reports every row.
pub fn import_vehicles(store: &mut Store, bytes: &[u8], this_year: i32, opts: ImportOptions) -> Result<ImportReport> {
    import_vehicles_mapped(store, bytes, this_year, opts, &[])
}

/// [`import_vehicles`] with the person's column mapping (header → field name; "" ignores it).
pub fn import_vehicles_mapped(
    store: &mut Store,
    bytes: &[u8],
    this_year: i32,
    opts: ImportOptions,
    mapping: &[(String, String)],
) -> Result<ImportReport> {
    let sheet = sheet::read(bytes, |h| sheet::mapped(h, mapping, &ALL_FIELDS, field_name, field_for), field_name)?;
    for needed in [Field::Stock, Field::Vin] {
        if !sheet.columns.contains(&Some(needed)) {
            return Err(CoreError::Import(format!("line 1: no {} column found", field_name(needed))));
        }
    }
    sheet::run(store, &sheet, field_name, opts, sheet.ignored.clone(), |w, cells, problems, line| {
        import_row(w, &cells, problems, line, this_year)
    })
}

fn import_row(
    w: &mut Writer<'_>,
    cells: &[(Field, String)],
    mut problems: Vec<FieldError>,
    line: u64,
    this_year: i32,
) -> Result<RowOutcome> {
    let cell = |f: Field| cells.iter().find(|(g, _)| *g == f).map(|(_, v)| v.as_str()).unwrap_or("");
    let stock = cell(Field::Stock).to_uppercase();
    let vin = cell(Field::Vin).to_uppercase();
    let mut existing: Option<Vehicle> = None;
    if !stock.is_empty() {
        existing = query::<Vehicle>(w.conn(), "WHERE stock_no = ?1 AND deleted_at IS NULL", [stock.clone()])?.pop();
    }
    if existing.is_none() && !vin.is_empty() {
        existing = query::<Vehicle>(w.conn(), "WHERE vin = ?1 AND deleted_at IS NULL", [vin.clone()])?.pop();
    }
    let now = Timestamp::now();
    let mut v = existing.clone().unwrap_or(Vehicle {
        id: new_id(),
        vin: String::new(),
        stock_no: String::new(),
        year: 0,
        make: String::new(),
        model: String::new(),
        trim: String::new(),
        body: String::new(),
        colour: String::new(),
        mileage: 0,
        condition: Condition::New,
        msrp_cents: 0,
        invoice_cents: 0,
        price_cents: 0,
        status: VehicleStatus::Available,
        location: String::new(),
        received_at: now,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    });
    for (f, value) in cells {
        let money = |problems: &mut Vec<FieldError>| match Money::parse(value) {
            Ok(m) => m.cents(),
            Err(e) => {
                problems.push(FieldError::new(field_name(*f), e));
                0
            }
        };
        match f {
            Field::Stock => v.stock_no = stock.clone(),
            Field::Vin => v.vin = vin.clone(),
            Field::Year => match value.parse() {
                Ok(y) => v.year = y,
                Err(_) => problems.push(FieldError::new("year", format!("{value:?} is not a year"))),
            },
            Field::Make => v.make = value.clone(),
            Field::Model => v.model = value.clone(),
            Field::Trim => v.trim = value.clone(),
            Field::Body => v.body = value.clone(),
            Field::Colour => v.colour = value.clone(),
            Field::Location => v.location = value.clone(),
            Field::Mileage => match value.replace(',', "").parse() {
                Ok(m) => v.mileage = m,
                Err(_) => problems.push(FieldError::new("mileage", format!("{value:?} is not a number of miles"))),
            },
            Field::Condition => match parse_condition(value) {
                Some(c) => v.condition = c,
                None => problems.push(FieldError::new("condition", format!("{value:?} is not new, used or CPO"))),
            },
            Field::Status => match parse_status(value) {
                Some(s) => v.status = s,
                None => problems.push(FieldError::new(
                    "status",
                    format!("{value:?} is not available, reserved, in transit, on hold or sold"),
                )),
            },
            Field::Msrp => v.msrp_cents = money(&mut problems),
            Field::Invoice => v.invoice_cents = money(&mut problems),
            Field::Price => v.price_cents = money(&mut problems),
        }
    }
    let name = format!("{} {} {} (stock {})", v.year, v.make, v.model, v.stock_no).trim().to_string();
    let warnings = match v.validate(this_year) {
        Ok(w) => w,
        Err(errs) => {
            problems.extend(errs);
            Vec::new()
        }
    };
    if !problems.is_empty() {
        return Ok(RowOutcome { line, action: ImportAction::Invalid, record_id: None, name, problems });
    }
    let action = match existing {
        Some(old) if old == v => ImportAction::Unchanged,
        Some(old) => {
            v.updated_at = Timestamp::now_after(old.updated_at);
            w.update(&old, &v)?;
            // In transit until now: it arrived.
            if old.status == VehicleStatus::InTransit && v.status == VehicleStatus::Available {
                crate::inventory::notify_arrival(w, &v, v.updated_at)?;
            }
            ImportAction::Updated
        }
        None => {
            w.insert(&v).map_err(|e| match e {
                CoreError::Conflict(_) => {
                    CoreError::Import(format!("line {line}: stock number {} is used twice", v.stock_no))
                }
                other => other,
            })?;
            crate::inventory::notify_arrival(w, &v, v.updated_at)?;
            ImportAction::Created
        }
    };
    Ok(RowOutcome { line, action, record_id: Some(v.id), name, problems: warnings })
}
