//! Types that carry the rules of a consent: parsed once at the edge, trusted after.

mod choices;
mod client;
mod consent_id;
mod event;

pub use choices::{Choices, ChoicesError, ConsentRequest};
pub use client::{ClientInfo, Locale, LocaleError, PageUrl, PageUrlError, truncate_ip};
pub use consent_id::{ConsentId, ConsentIdError};
pub use event::{
    Action, Cell, ChainPosition, EventDraft, FIELDS, Field, FieldError, FieldValue, Kind, Personal,
    PersonalSeal, PublicEvent, Source, StoredEvent, choices_json,
};
