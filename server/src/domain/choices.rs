//! A visitor's decision, parsed against the policy it was given under.

use std::collections::BTreeMap;

use policies::{LoadedPolicy, NECESSARY, PolicySet};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{ConsentId, ConsentIdError, Locale, LocaleError, PageUrl, PageUrlError, Source};

/// Body of `POST /v1/consents`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    /// Site id, as in the policy (`www`, `app`).
    pub site: String,
    /// The policy version the banner showed.
    pub policy_version: String,
    /// Every category of the policy with `true` (granted) or `false`.
    #[schema(example = json!({"necessary": true, "analytics": false}))]
    pub choices: BTreeMap<String, bool>,
    /// The consent id being changed. Optional even then: the token sent as
    /// `Authorization: Bearer` names it. Without that token a request naming
    /// an id is refused (401).
    pub consent_id: Option<String>,
    /// Page the choice was made on; only scheme, host and path are kept.
    pub url: Option<String>,
    /// Language the banner was shown in (BCP 47).
    pub locale: Option<String>,
    /// `banner` when sent by the banner; defaults to `api`.
    pub source: Option<SourceParam>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceParam {
    Banner,
    Api,
}

/// Why a consent request cannot be recorded; each variant is a distinct answer.
#[derive(Debug, thiserror::Error)]
pub enum ChoicesError {
    #[error("unknown site `{0}`")]
    UnknownSite(String),
    #[error("policy version `{given}` is not the current one (`{current}`): reload the policy")]
    StalePolicy { given: String, current: String },
    #[error("unknown category `{0}`")]
    UnknownCategory(String),
    #[error("category `{0}` is missing: every category of the policy needs true or false")]
    MissingCategory(String),
    #[error("`necessary` must be true: it cannot be refused")]
    NecessaryRefused,
    #[error(transparent)]
    ConsentId(#[from] ConsentIdError),
    #[error(transparent)]
    Url(#[from] PageUrlError),
    #[error(transparent)]
    Locale(#[from] LocaleError),
}

/// A request that obeys every rule of its site's policy.
#[derive(Debug)]
pub struct Choices<'p> {
    pub policy: &'p LoadedPolicy,
    /// The consent id the body names, if any: a claim, not a proof. Only
    /// the use case, holding the token, decides whose consent this changes.
    pub named_id: Option<ConsentId>,
    /// Effective state of every category, after the GPC signal.
    pub states: BTreeMap<String, bool>,
    pub gpc: bool,
    pub url: Option<PageUrl>,
    pub locale: Option<Locale>,
    pub source: Source,
}

impl<'p> Choices<'p> {
    /// Checks `request` against the current policy of its site. With `gpc`,
    /// the categories the policy ties to Global Privacy Control are forced off.
    /// The page URL must be on one of the site's origins or of `own_origins`
    /// (the server's own demo pages).
    ///
    /// # Errors
    /// One [`ChoicesError`] per broken rule, the first one found.
    pub fn parse(
        policies: &'p PolicySet,
        request: ConsentRequest,
        gpc: bool,
        own_origins: &[String],
    ) -> Result<Self, ChoicesError> {
        let policy = policies
            .site(&request.site)
            .ok_or_else(|| ChoicesError::UnknownSite(request.site.clone()))?;
        let current = &policy.policy.site.version;
        if request.policy_version != *current {
            return Err(ChoicesError::StalePolicy {
                given: request.policy_version,
                current: current.clone(),
            });
        }
        let states = category_states(policy, request.choices, gpc)?;
        let named_id = request
            .consent_id
            .as_deref()
            .map(ConsentId::parse)
            .transpose()?;
        let site_origins = &policy.policy.site.origins;
        let on_site = |origin: &str| site_origins.iter().chain(own_origins).any(|o| o == origin);
        Ok(Self {
            policy,
            named_id,
            states,
            gpc,
            url: request
                .url
                .as_deref()
                .map(|url| PageUrl::parse(url, on_site))
                .transpose()?,
            locale: request.locale.as_deref().map(Locale::parse).transpose()?,
            source: match request.source {
                Some(SourceParam::Banner) => Source::Banner,
                Some(SourceParam::Api) | None => Source::Api,
            },
        })
    }

    /// Granted category ids, in the order the policy lists them.
    pub fn granted(&self) -> Vec<String> {
        self.policy
            .policy
            .category_ids()
            .filter(|id| self.states.get(*id) == Some(&true))
            .map(str::to_owned)
            .collect()
    }
}

fn category_states(
    policy: &LoadedPolicy,
    mut given: BTreeMap<String, bool>,
    gpc: bool,
) -> Result<BTreeMap<String, bool>, ChoicesError> {
    let mut states = BTreeMap::new();
    for id in policy.policy.category_ids() {
        let on = given
            .remove(id)
            .ok_or_else(|| ChoicesError::MissingCategory(id.to_owned()))?;
        states.insert(id.to_owned(), on);
    }
    if let Some(unknown) = given.into_keys().next() {
        return Err(ChoicesError::UnknownCategory(unknown));
    }
    if states.get(NECESSARY) != Some(&true) {
        return Err(ChoicesError::NecessaryRefused);
    }
    if gpc {
        for id in &policy.policy.site.gpc_forces_off {
            states.insert(id.clone(), false);
        }
    }
    Ok(states)
}

#[cfg(test)]
mod tests;
