//! How one field of an event is written and read: as a cell of a storage
//! row, as text (hashed, and a CSV cell), and as JSON. The event's field
//! table (`event_fields!` in the parent module) lists every field once with
//! its type; each form of the event is derived from that table through
//! [`FieldValue`], so no form can list the fields in another order or miss
//! one.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Action, Source};
use crate::clock::LedgerTime;
use crate::domain::ConsentId;

/// A field's storage type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Int,
    Bool,
}

/// One field of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Its name: the storage column, the JSON key and the CSV header.
    pub name: &'static str,
    /// Where it is in a `StoredEvent` (`seal.salt`).
    pub path: &'static str,
    pub kind: Kind,
    /// Whether the event hash covers it (in table order).
    pub hashed: bool,
    /// Whether an event may lack it.
    pub optional: bool,
}

/// A field's value on its way to or from a row, a CSV cell or the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell<'a> {
    Absent,
    Text(Cow<'a, str>),
    Int(i64),
    Bool(bool),
}

impl<'a> Cell<'a> {
    /// The text form, taking the cell's own text where it has one.
    pub fn into_text(self) -> Option<Cow<'a, str>> {
        match self {
            Self::Text(text) => Some(text),
            Self::Absent => None,
            Self::Int(n) => Some(Cow::Owned(n.to_string())),
            Self::Bool(b) => Some(Cow::Borrowed(if b { "true" } else { "false" })),
        }
    }

    /// The text form: what the hash and a CSV cell hold; `None` when absent.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        match self {
            Self::Text(text) => Some(Cow::Borrowed(text)),
            // The other cells own no text: a copy of them costs nothing.
            other => other.clone().into_text(),
        }
    }
}

/// A type an event field may have.
pub trait FieldValue: Sized {
    const KIND: Kind;
    const OPTIONAL: bool = false;

    fn cell(&self) -> Cell<'_>;

    /// Whether the value is the absence of one (cheaper than its cell).
    fn is_absent(&self) -> bool {
        false
    }

    /// Reads a cell written by [`cell`](Self::cell), or the same as text (a
    /// CSV cell), and refuses any other spelling of the value: the hash
    /// covers the one the ledger wrote.
    ///
    /// # Errors
    /// Why the cell is not a value of this field.
    fn from_cell(cell: Cell<'_>) -> Result<Self, String>;

    /// The JSON form; by default the cell's.
    ///
    /// # Errors
    /// The serializer's.
    fn serialize_json<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.cell() {
            Cell::Absent => s.serialize_none(),
            Cell::Text(text) => s.serialize_str(&text),
            Cell::Int(n) => s.serialize_i64(n),
            Cell::Bool(b) => s.serialize_bool(b),
        }
    }

    /// Reads the JSON form written by [`serialize_json`](Self::serialize_json).
    ///
    /// # Errors
    /// When the JSON is not a value of this field.
    fn deserialize_json<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let cell = match Self::KIND {
            Kind::Text => Cell::Text(Cow::<str>::deserialize(d)?),
            Kind::Int => Cell::Int(i64::deserialize(d)?),
            Kind::Bool => Cell::Bool(bool::deserialize(d)?),
        };
        Self::from_cell(cell).map_err(D::Error::custom)
    }
}

/// A field value as JSON, for serde's derive-free paths.
pub struct Json<'a, T>(pub &'a T);

impl<T: FieldValue> Serialize for Json<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_json(s)
    }
}

/// A field value read from JSON.
pub struct FromJson<T>(pub T);

impl<'de, T: FieldValue> Deserialize<'de> for FromJson<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize_json(d).map(Self)
    }
}

fn missing() -> String {
    "is missing".to_owned()
}

fn text_of(cell: Cell<'_>) -> Result<Cow<'_, str>, String> {
    match cell {
        Cell::Text(text) => Ok(text),
        Cell::Absent => Err(missing()),
        _ => Err("is not text".to_owned()),
    }
}

impl FieldValue for String {
    const KIND: Kind = Kind::Text;

    fn cell(&self) -> Cell<'_> {
        Cell::Text(Cow::Borrowed(self))
    }

    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        text_of(cell).map(Cow::into_owned)
    }
}

impl FieldValue for i64 {
    const KIND: Kind = Kind::Int;

    fn cell(&self) -> Cell<'_> {
        Cell::Int(*self)
    }

    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Int(n) => Ok(n),
            Cell::Text(text) => match text.parse::<i64>() {
                // `+1` and `01` parse too, but are not what was written.
                Ok(n) if n.to_string() == text => Ok(n),
                _ => Err("is not a number".to_owned()),
            },
            Cell::Absent => Err(missing()),
            Cell::Bool(_) => Err("is not a number".to_owned()),
        }
    }
}

impl FieldValue for bool {
    const KIND: Kind = Kind::Bool;

    fn cell(&self) -> Cell<'_> {
        Cell::Bool(*self)
    }

    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Bool(b) => Ok(b),
            Cell::Text(text) if text == "true" => Ok(true),
            Cell::Text(text) if text == "false" => Ok(false),
            Cell::Absent => Err(missing()),
            _ => Err("is not `true` or `false`".to_owned()),
        }
    }
}

impl<T: FieldValue> FieldValue for Option<T> {
    const KIND: Kind = T::KIND;
    const OPTIONAL: bool = true;

    fn cell(&self) -> Cell<'_> {
        self.as_ref().map_or(Cell::Absent, T::cell)
    }

    fn is_absent(&self) -> bool {
        self.is_none()
    }

    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        match cell {
            Cell::Absent => Ok(None),
            cell => T::from_cell(cell).map(Some),
        }
    }

    fn serialize_json<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Some(value) => value.serialize_json(s),
            None => s.serialize_none(),
        }
    }

    fn deserialize_json<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Option::<FromJson<T>>::deserialize(d)?.map(|v| v.0))
    }
}

/// Text fields with a type of their own: the cell is their one spelling.
macro_rules! text_field {
    ($ty:ty, $to_text:expr, $parse:expr) => {
        impl FieldValue for $ty {
            const KIND: Kind = Kind::Text;

            fn cell(&self) -> Cell<'_> {
                Cell::Text($to_text(self))
            }

            fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
                $parse(&*text_of(cell)?)
            }
        }
    };
}

text_field!(Action, |a: &Action| Cow::Borrowed(a.as_str()), |t: &str| {
    Action::parse(t).ok_or_else(|| "is not given, changed or withdrawn".to_owned())
});
text_field!(Source, |s: &Source| Cow::Borrowed(s.as_str()), |t: &str| {
    Source::parse(t).ok_or_else(|| "is not banner, api or operator".to_owned())
});
text_field!(
    ConsentId,
    |id: &ConsentId| Cow::Owned(id.to_string()),
    |t: &str| ConsentId::parse_stored(t).map_err(|_| "is not a lowercase UUID".to_owned())
);
text_field!(
    LedgerTime,
    |at: &LedgerTime| Cow::Owned(at.to_string()),
    |t: &str| LedgerTime::parse(t).map_err(|e| e.to_string())
);

/// The choices: canonical JSON text (stored, hashed, a CSV cell), a JSON
/// object in NDJSON and the API.
impl FieldValue for BTreeMap<String, bool> {
    const KIND: Kind = Kind::Text;

    fn cell(&self) -> Cell<'_> {
        Cell::Text(Cow::Owned(super::choices_json(self)))
    }

    fn from_cell(cell: Cell<'_>) -> Result<Self, String> {
        let text = text_of(cell)?;
        let choices: Self =
            serde_json::from_str(&text).map_err(|_| "are not a JSON map".to_owned())?;
        // Only the canonical form was ever written; anything else was edited.
        if super::choices_json(&choices) != text {
            return Err("are not in canonical form".to_owned());
        }
        Ok(choices)
    }

    fn serialize_json<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize(s)
    }

    fn deserialize_json<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::deserialize(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cells_read_back_only_as_written() {
        assert_eq!(i64::from_cell(Cell::Text("12".into())), Ok(12));
        for bad in ["+12", "012", "1e1", ""] {
            assert!(i64::from_cell(Cell::Text(bad.into())).is_err(), "{bad}");
        }
        assert_eq!(bool::from_cell(Cell::Text("true".into())), Ok(true));
        assert!(bool::from_cell(Cell::Text("TRUE".into())).is_err());
        let id = "0192f3c4-0000-7000-8000-000000000001";
        assert!(ConsentId::from_cell(Cell::Text(id.into())).is_ok());
        assert!(ConsentId::from_cell(Cell::Text(id.to_uppercase().into())).is_err());
        assert!(BTreeMap::<String, bool>::from_cell(Cell::Text("{\"a\": true}".into())).is_err());
        assert_eq!(Option::<String>::from_cell(Cell::Absent), Ok(None));
        assert!(String::from_cell(Cell::Absent).is_err());
    }
}
