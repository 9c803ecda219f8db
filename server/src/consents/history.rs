//! Reading one's own records (access and portability).

use serde::Serialize;
use utoipa::ToSchema;

use super::{ConsentError, Holder};
use crate::domain::StoredEvent;
use crate::storage;

/// Everything recorded under one consent id.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentHistory {
    pub consent_id: String,
    pub site: String,
    pub events: Vec<StoredEvent>,
}

/// Every event of the holder's consent id, oldest first.
///
/// # Errors
/// When the database cannot be read.
pub async fn history(
    db: &impl sea_orm::ConnectionTrait,
    holder: &Holder,
) -> Result<ConsentHistory, ConsentError> {
    let id = holder.consent_id().to_string();
    let events = storage::events_of(db, holder.site(), &id).await?;
    Ok(ConsentHistory {
        consent_id: id,
        site: holder.site().to_owned(),
        events,
    })
}
