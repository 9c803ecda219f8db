//! One data subject's events as a whole: whether the ledger holds them and
//! whether they were withdrawn, which decides if a token still counts.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::entities::consent_event::{Column, Entity};
use crate::domain::Action;

/// Where a consent id stands in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectState {
    /// No event of this id on this site (never recorded, or purged).
    Unknown,
    /// Recorded and never withdrawn.
    Active,
    /// Withdrawn (and erased): no token of it is accepted again.
    Withdrawn,
}

/// The state of `consent_id` on `site`, from the actions its events name.
pub async fn subject_state(
    db: &impl ConnectionTrait,
    site: &str,
    consent_id: &str,
) -> Result<SubjectState, sea_orm::DbErr> {
    let actions: Vec<String> = Entity::find()
        .select_only()
        .column(Column::Action)
        .distinct()
        .filter(Column::Site.eq(site))
        .filter(Column::ConsentId.eq(consent_id))
        .into_tuple()
        .all(db)
        .await?;
    Ok(SubjectState::of_actions(actions.iter().map(String::as_str)))
}

impl SubjectState {
    /// The state that the actions of one id's events make.
    pub fn of_actions<'a>(actions: impl IntoIterator<Item = &'a str>) -> Self {
        let mut state = Self::Unknown;
        for action in actions {
            if action == Action::Withdrawn.as_str() {
                return Self::Withdrawn;
            }
            state = Self::Active;
        }
        state
    }
}
