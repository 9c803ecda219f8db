//! `event_fields!`: from the one list of an event's fields, the code that
//! walks them in every form (cells, JSON), and the API's view of an event.

use std::borrow::Cow;

use serde::{Serialize, Serializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};

use super::{FIELDS, Field, Kind, StoredEvent};

/// A field that did not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` {reason}")]
pub struct FieldError {
    pub field: &'static str,
    pub reason: String,
}

/// Generates, for the table `name => path.in.event: Type[, hashed];`:
/// `FIELDS`, `StoredEvent::for_each_cell`, `StoredEvent::from_cells`, the
/// JSON map of the event (`StoredEvent::serialize_fields`) and its
/// `Deserialize`.
macro_rules! event_fields {
    ($($name:ident => $($path:ident).+ : $ty:ty $(, $hashed:ident)?;)*) => {
        /// Every field of an event, in table order.
        pub const FIELDS: &[Field] = &[$(Field {
            name: stringify!($name),
            path: stringify!($($path).+),
            kind: <$ty as FieldValue>::KIND,
            hashed: event_fields!(@hashed $($hashed)?),
            optional: <$ty as FieldValue>::OPTIONAL,
        }),*];

        impl StoredEvent {
            /// Calls `f` with every field and its cell, in table order.
            pub fn for_each_cell<'a>(&'a self, mut f: impl FnMut(&'static Field, Cell<'a>)) {
                let mut fields = FIELDS.iter();
                $(f(fields.next().expect("one entry a field"), self.$($path).+.cell());)*
            }

            /// The event from its cells, asked for in table order.
            ///
            /// # Errors
            /// The first field that is missing or does not read.
            pub fn from_cells<'c>(
                mut cell: impl FnMut(&'static Field) -> Cell<'c>,
            ) -> Result<Self, FieldError> {
                let mut event = Self::default();
                let mut fields = FIELDS.iter();
                $(
                    let field = fields.next().expect("one entry a field");
                    event.$($path).+ = <$ty as FieldValue>::from_cell(cell(field))
                        .map_err(|reason| FieldError { field: field.name, reason })?;
                )*
                Ok(event)
            }

            /// The event as a JSON map in table order, absent fields left
            /// out, and the fields named in `except` too.
            ///
            /// # Errors
            /// The serializer's.
            pub fn serialize_fields<S: serde::Serializer>(
                &self,
                s: S,
                except: &[&str],
            ) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap as _;
                let mut map = s.serialize_map(None)?;
                $(
                    if !self.$($path).+.is_absent() && !except.contains(&stringify!($name)) {
                        map.serialize_entry(stringify!($name), &fields::Json(&self.$($path).+))?;
                    }
                )*
                map.end()
            }
        }

        impl<'de> serde::Deserialize<'de> for StoredEvent {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Visitor;

                impl<'de> serde::de::Visitor<'de> for Visitor {
                    type Value = StoredEvent;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a consent event")
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<StoredEvent, A::Error> {
                        let mut event = StoredEvent::default();
                        let mut seen = [false; FIELDS.len()];
                        'keys: while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                            let mut index = 0;
                            $(
                                if key == stringify!($name) {
                                    event.$($path).+ = map.next_value::<fields::FromJson<$ty>>()?.0;
                                    seen[index] = true;
                                    continue 'keys;
                                }
                                index += 1;
                            )*
                            let _ = index;
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                        if let Some(field) = FIELDS.iter().zip(seen).find(|(f, seen)| !f.optional && !seen) {
                            return Err(serde::de::Error::missing_field(field.0.name));
                        }
                        Ok(event)
                    }
                }

                d.deserialize_map(Visitor)
            }
        }
    };
    (@hashed hashed) => { true };
    (@hashed) => { false };
}

impl Serialize for StoredEvent {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.serialize_fields(s, &[])
    }
}

/// An event as the API shows it to the holder of its token: every field
/// but the salt, which stays in the ledger and in auditors' exports.
#[derive(Debug, Clone, Copy)]
pub struct PublicEvent<'a>(pub &'a StoredEvent);

/// Fields the API leaves out of an event.
const NOT_PUBLIC: &[&str] = &["personal_salt"];

impl Serialize for PublicEvent<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize_fields(s, NOT_PUBLIC)
    }
}

impl utoipa::PartialSchema for PublicEvent<'_> {
    /// The object from the field table: absent optional fields are left out.
    fn schema() -> RefOr<Schema> {
        let mut object = ObjectBuilder::new().description(Some(
            "One recorded decision. Times are UTC with six fractional digits.",
        ));
        for field in FIELDS.iter().filter(|f| !NOT_PUBLIC.contains(&f.name)) {
            object = object.property(field.name, field_schema(field));
            if !field.optional {
                object = object.required(field.name);
            }
        }
        RefOr::T(Schema::Object(object.build()))
    }
}

impl utoipa::ToSchema for PublicEvent<'_> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("ConsentEvent")
    }
}

fn field_schema(field: &Field) -> ObjectBuilder {
    if field.name == "choices" {
        // The one field whose JSON is not its cell: a map of categories.
        return ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .additional_properties(Some(ObjectBuilder::new().schema_type(Type::Boolean)));
    }
    let kind = match field.kind {
        Kind::Text => Type::String,
        Kind::Int => Type::Integer,
        Kind::Bool => Type::Boolean,
    };
    ObjectBuilder::new().schema_type(kind)
}
