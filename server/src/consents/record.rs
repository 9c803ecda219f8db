//! Recording a decision: a first one under a new id, or a change by the
//! holder of an existing one.

use policies::LoadedPolicy;

use super::{ConsentError, Context, Holder};
use crate::domain::{
    Action, Choices, ClientInfo, ConsentId, ConsentRequest, EventDraft, Personal, StoredEvent,
};
use crate::tokens::ConsentClaims;

/// A decision as committed to the ledger, ready to be answered with a token.
#[derive(Debug)]
pub struct Recorded<'p> {
    pub event: StoredEvent,
    /// Granted categories in the policy's order.
    pub granted: Vec<String>,
    policy: &'p LoadedPolicy,
}

impl Recorded<'_> {
    /// The claims of the token that proves this decision, issued now.
    pub fn claims(&self, issuer: &str) -> ConsentClaims {
        let iat = time::OffsetDateTime::now_utc().unix_timestamp();
        let lifetime = i64::from(self.policy.policy.site.consent_lifetime_days) * 86_400;
        ConsentClaims {
            iss: issuer.to_owned(),
            sub: self.event.consent_id.to_string(),
            aud: self.event.site.clone(),
            iat,
            exp: iat + lifetime,
            pv: self.event.policy_version.clone(),
            ph: self.event.policy_hash.clone(),
            cat: self.granted.clone(),
            gpc: self.event.gpc,
        }
    }
}

/// Checks `request` against its site's policy and appends it: as `given`
/// under a fresh id when no `holder` is presented, or as `changed` under the
/// holder's id. `own_origins` are page origins accepted besides the site's.
///
/// # Errors
/// The broken policy rule; [`ConsentError::TokenRequired`] when the body
/// names an id without its token; [`ConsentError::NotHolder`] when the token
/// is for another site or another id than the body names; the ledger's
/// failure (then nothing was recorded).
pub async fn record<'p>(
    ctx: Context<'p>,
    holder: Option<&Holder>,
    request: ConsentRequest,
    gpc: bool,
    own_origins: &[String],
    client: ClientInfo,
) -> Result<Recorded<'p>, ConsentError> {
    let choices = Choices::parse(ctx.policies, request, gpc, own_origins)?;
    let site = &choices.policy.policy.site.id;
    let (consent_id, action) = match (holder, choices.named_id) {
        (Some(holder), named) => {
            let foreign =
                holder.site() != site.as_str() || named.is_some_and(|id| id != holder.consent_id());
            if foreign {
                return Err(ConsentError::NotHolder);
            }
            (holder.consent_id(), Action::Changed)
        }
        (None, Some(named)) => return Err(ConsentError::TokenRequired(named.to_string())),
        (None, None) => (ConsentId::generate(), Action::Given),
    };
    let event = ctx
        .writer
        .append(draft(&choices, consent_id, action, client))
        .await?;
    ctx.metrics.count_consent(action.as_str());
    Ok(Recorded {
        event,
        granted: choices.granted(),
        policy: choices.policy,
    })
}

fn draft(
    choices: &Choices<'_>,
    consent_id: ConsentId,
    action: Action,
    client: ClientInfo,
) -> EventDraft {
    let policy = choices.policy;
    EventDraft {
        site: policy.policy.site.id.clone(),
        consent_id,
        action,
        source: choices.source,
        policy_version: policy.policy.site.version.clone(),
        policy_hash: policy.hash.clone(),
        choices: choices.states.clone(),
        gpc: choices.gpc,
        locale: choices.locale.as_ref().map(|l| l.as_str().to_owned()),
        personal: Personal {
            url: choices.url.as_ref().map(|u| u.as_str().to_owned()),
            ip_prefix: client.ip_prefix,
            user_agent: client.user_agent,
        },
        erasure: false,
    }
}
