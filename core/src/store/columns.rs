//! An entity's values in its `COLUMNS` order, read straight from its `Serialize` impl. A derived
//! struct hands serde its fields one by one with `&'static str` names in declaration order, which
//! is `COLUMNS`' order, so the values land in a vector by position: no map keyed by owned field
//! names is built and no name is looked up in one. The insert of every row of an import or a
//! first sync did both (`to_fields`: ~5 % of a 50,000-customer import).
//!
//! A type that does not serialize as a plain struct (a `#[serde(flatten)]` field makes serde write
//! a map) is read through [`super::record::to_fields`] instead, with the same result.

use super::record::{Col, Entity, compact_json, to_fields};
use crate::error::Result;
use serde::Serialize;
use serde::ser::{self, Impossible, SerializeStruct, Serializer};
use serde_json::{Map, Value};

/// A row's values in `COLUMNS` order (`None`: the field is not written).
type Row = Vec<Option<Value>>;

/// Each of `E::COLUMNS`' values in `e`, as stored and sent: `None` for a field `e` does not write
/// (skipped), as `to_fields` leaves it out of its map; a JSON column's object without the empty
/// keys its type reads back the same ([`compact_json`]).
pub(crate) fn to_columns<E: Entity>(e: &E) -> Result<Row> {
    let mut values = match e.serialize(Top { columns: E::COLUMNS }) {
        Ok(values) => values,
        Err(NotPlain::Value(err)) => return Err(err.into()),
        Err(NotPlain::Shape) => {
            let mut fields = to_fields(e)?;
            E::COLUMNS.iter().map(|(n, _)| fields.remove(*n)).collect()
        }
    };
    compact_json(e, &mut values)?;
    Ok(values)
}

/// The values [`to_columns`] returned, as the map of field name to value that
/// [`super::record::to_fields`] gives (for the rare reader that wants one: stage history).
pub(crate) fn as_map<E: Entity>(values: &[Option<Value>]) -> Map<String, Value> {
    E::COLUMNS.iter().zip(values).filter_map(|((n, _), v)| Some((n.to_string(), v.clone()?))).collect()
}

/// Why a type was not read as a plain struct.
#[derive(Debug)]
enum NotPlain {
    /// Not a struct of named fields: read through the map instead.
    Shape,
    /// A field's value could not be serialized (the same error `to_fields` would give).
    Value(serde_json::Error),
}

impl std::fmt::Display for NotPlain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotPlain::Shape => f.write_str("not a struct of named fields"),
            NotPlain::Value(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for NotPlain {}

impl ser::Error for NotPlain {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        NotPlain::Value(<serde_json::Error as ser::Error>::custom(msg))
    }
}

/// The serializer of the entity itself: accepts a struct (or a newtype around one) only.
struct Top {
    columns: &'static [(&'static str, Col)],
}

/// Everything but a struct is refused: the caller falls back to the map.
macro_rules! refuse {
    ($($name:ident($($arg:ty),*) -> $ok:ty;)*) => {
        $(fn $name(self, $(_: $arg),*) -> std::result::Result<$ok, NotPlain> { Err(NotPlain::Shape) })*
    };
}

impl Serializer for Top {
    type Ok = Row;
    type Error = NotPlain;
    type SerializeSeq = Impossible<Row, NotPlain>;
    type SerializeTuple = Impossible<Row, NotPlain>;
    type SerializeTupleStruct = Impossible<Row, NotPlain>;
    type SerializeTupleVariant = Impossible<Row, NotPlain>;
    type SerializeMap = Impossible<Row, NotPlain>;
    type SerializeStruct = Columns;
    type SerializeStructVariant = Impossible<Row, NotPlain>;

    refuse! {
        serialize_bool(bool) -> Row;
        serialize_i8(i8) -> Row;
        serialize_i16(i16) -> Row;
        serialize_i32(i32) -> Row;
        serialize_i64(i64) -> Row;
        serialize_u8(u8) -> Row;
        serialize_u16(u16) -> Row;
        serialize_u32(u32) -> Row;
        serialize_u64(u64) -> Row;
        serialize_f32(f32) -> Row;
        serialize_f64(f64) -> Row;
        serialize_char(char) -> Row;
        serialize_str(&str) -> Row;
        serialize_bytes(&[u8]) -> Row;
        serialize_none() -> Row;
        serialize_unit() -> Row;
        serialize_unit_struct(&'static str) -> Row;
        serialize_unit_variant(&'static str, u32, &'static str) -> Row;
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> std::result::Result<Row, NotPlain> {
        Err(NotPlain::Shape)
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> std::result::Result<Row, NotPlain> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> std::result::Result<Row, NotPlain> {
        Err(NotPlain::Shape)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> std::result::Result<Columns, NotPlain> {
        Ok(Columns { values: vec![None; self.columns.len()], columns: self.columns, next: 0 })
    }
}

/// A struct's fields placed by name, in `COLUMNS`' order; a field no column names is left out,
/// as the insert leaves it out.
struct Columns {
    columns: &'static [(&'static str, Col)],
    values: Row,
    /// Where the next field is expected (declaration order = column order).
    next: usize,
}

impl SerializeStruct for Columns {
    type Ok = Row;
    type Error = NotPlain;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> std::result::Result<(), NotPlain> {
        let at = match self.columns.get(self.next) {
            Some((n, _)) if *n == key => Some(self.next),
            _ => self.columns.iter().position(|(n, _)| *n == key),
        };
        if let Some(at) = at {
            self.values[at] = Some(serde_json::to_value(value).map_err(NotPlain::Value)?);
            self.next = at + 1;
        }
        Ok(())
    }

    fn end(self) -> std::result::Result<Row, NotPlain> {
        Ok(self.values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Showroom;
    use crate::store::record::query;
    use serde::Deserialize;
    use uuid::Uuid;

    /// What `to_columns` gives for every stored row of `E`: `to_fields`' values in column order
    /// (none missing, none added, the same JSON, but for the empty keys a JSON object leaves out),
    /// checked on each row of the demo, which reads back as the same record.
    fn same_as_the_map<E: Entity>(app: &Showroom) -> usize {
        let rows: Vec<E> = query(app.store().conn(), "", []).unwrap();
        for e in &rows {
            let mut map = to_fields(e).unwrap();
            let full: Vec<Option<Value>> = E::COLUMNS.iter().map(|(n, _)| map.remove(*n)).collect();
            let got = to_columns(e).unwrap();
            for (((name, col), got), full) in E::COLUMNS.iter().zip(&got).zip(&full) {
                match (col, got, full) {
                    // A JSON object may leave out empty keys, and only those.
                    (Col::Json, Some(Value::Object(got)), Some(Value::Object(full))) => {
                        assert!(got.iter().all(|(k, v)| full.get(k) == Some(v)), "{}.{name}", E::NAME);
                        let left_out = full.iter().filter(|(k, _)| !got.contains_key(*k));
                        assert!(
                            left_out.clone().all(|(_, v)| matches!(v, Value::Null | Value::Bool(false))
                                || v == ""
                                || v == &Value::Array(vec![])
                                || v == &Value::Object(Map::new())),
                            "{}.{name} left out a value: {:?}",
                            E::NAME,
                            left_out.collect::<Vec<_>>()
                        );
                    }
                    _ => assert_eq!(got, full, "{}.{name} read by position", E::NAME),
                }
            }
            assert_eq!(as_map::<E>(&full), to_fields(e).unwrap(), "a {} as a map again", E::NAME);
            // What is stored reads back as the same record.
            let back: E = serde_json::from_value(Value::Object(as_map::<E>(&got))).unwrap();
            assert_eq!(to_fields(&back).unwrap(), to_fields(e).unwrap(), "a {} read back", E::NAME);
        }
        rows.len()
    }

    #[test]
    fn every_demo_record_reads_the_same_by_position_as_by_name() {
        let mut app = Showroom::open_in_memory().unwrap();
        app.load_demo().unwrap();
        use crate::domain::{
            Activity, Customer, Event, Goal, Interaction, Lead, Opportunity, Referral, StageMove, Vehicle,
        };
        let counts = [
            same_as_the_map::<Customer>(&app),
            same_as_the_map::<Lead>(&app),
            same_as_the_map::<Opportunity>(&app),
            same_as_the_map::<Vehicle>(&app),
            same_as_the_map::<Activity>(&app),
            same_as_the_map::<Interaction>(&app),
            same_as_the_map::<crate::quotes::Quote>(&app),
            same_as_the_map::<crate::quotes::SalesOrder>(&app),
            same_as_the_map::<StageMove>(&app),
            same_as_the_map::<Event>(&app),
            same_as_the_map::<Referral>(&app),
            same_as_the_map::<Goal>(&app),
            same_as_the_map::<crate::leads::floor::Checkin>(&app),
        ];
        assert!(counts.iter().all(|n| *n > 0), "the demo has rows of every type checked: {counts:?}");
    }

    /// A test type stored as (id, name, note).
    macro_rules! id_name_note {
        ($t:ident, $table:literal) => {
            impl Entity for $t {
                const TABLE: &'static str = $table;
                const NAME: &'static str = $table;
                const COLUMNS: &'static [(&'static str, Col)] =
                    &[("id", Col::Text), ("name", Col::Text), ("note", Col::Text)];
                fn id(&self) -> Uuid {
                    self.id
                }
            }
        };
    }

    /// A type serde writes as a map (a flattened part) is read through the map, with the same
    /// values; a field it leaves out is `None`.
    #[derive(Serialize, Deserialize)]
    struct Flat {
        id: Uuid,
        #[serde(flatten)]
        rest: Rest,
    }
    #[derive(Serialize, Deserialize)]
    struct Rest {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    }
    id_name_note!(Flat, "flat");

    #[test]
    fn a_flattened_type_is_read_through_its_map() {
        let flat = Flat { id: Uuid::nil(), rest: Rest { name: "Ann".into(), note: None } };
        assert_eq!(
            to_columns(&flat).unwrap(),
            vec![Some(Value::String(Uuid::nil().to_string())), Some(Value::String("Ann".into())), None]
        );
    }

    /// A plain struct's skipped field is `None` (as `to_fields` leaves it out), and a field no
    /// column names is not read.
    #[derive(Serialize, Deserialize)]
    struct Plain {
        id: Uuid,
        extra: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        name: String,
    }
    id_name_note!(Plain, "plain");

    #[test]
    fn a_skipped_field_is_none_and_an_unlisted_one_is_left_out() {
        let plain = Plain { id: Uuid::nil(), extra: 7, note: None, name: "Bo".into() };
        assert_eq!(
            to_columns(&plain).unwrap(),
            vec![Some(Value::String(Uuid::nil().to_string())), Some(Value::String("Bo".into())), None]
        );
        let noted = Plain { note: Some("call".into()), ..plain };
        assert_eq!(to_columns(&noted).unwrap()[2], Some(Value::String("call".into())));
    }
}
