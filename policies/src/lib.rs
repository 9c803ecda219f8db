//! The consent policies of nexxt-consent: one typed definition of sites,
//! categories, vendors, cookies and texts, their validation, and the policy
//! files shipped with the project (`policies/organization.toml`,
//! `policies/sites/*.toml`).
//!
//! ```
//! let set = policies::PolicySet::shipped().expect("shipped policies are valid");
//! let www = set.site("www").expect("www is shipped");
//! assert_eq!(www.policy.categories[0].id, policies::NECESSARY);
//! assert_eq!(www.hash.len(), 64);
//! ```
#![forbid(unsafe_code)]

mod diff;
mod model;
mod statement;
mod validate;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

pub use diff::{PolicyDiff, diff};
pub use model::{
    BannerTexts, CONSENT_MODE_KEYS, Category, Cookie, Localized, NECESSARY, Organization,
    Processor, SiteInfo, SitePolicy, Vendor,
};
pub use statement::{Insert, ReportLabels, Section, Statement, StatementLabels, SubjectLabels};
pub use validate::{Violation, validate};

/// The organisation file, relative to a policy directory.
pub const ORGANIZATION_FILE: &str = "organization.toml";
/// The folder of site files, relative to a policy directory.
pub const SITES_DIR: &str = "sites";

const SHIPPED_ORGANIZATION: &str = include_str!("../organization.toml");
/// The folder of privacy statements (`<lang>.toml`), relative to a policy directory.
pub const STATEMENT_DIR: &str = "statement";
const SHIPPED_STATEMENTS: &[(&str, &str)] = &[
    ("nl", include_str!("../statement/nl.toml")),
    ("en", include_str!("../statement/en.toml")),
];
const SHIPPED_SITES: &[(&str, &str)] = &[
    ("sites/www.toml", include_str!("../sites/www.toml")),
    ("sites/app.toml", include_str!("../sites/app.toml")),
];

/// Why a policy could not be loaded. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Parse { file: PathBuf, message: String },
    #[error("{file}: {}", describe(.violations))]
    Invalid {
        file: PathBuf,
        violations: Vec<Violation>,
    },
    #[error("{file}: site id `{id}` is defined twice")]
    DuplicateSite { file: PathBuf, id: String },
    #[error("{dir}: no site policies found in {SITES_DIR}/")]
    NoSites { dir: PathBuf },
    #[error("{file}: {}", .problems.join("; "))]
    BadStatement {
        file: PathBuf,
        problems: Vec<String>,
    },
    #[error("site `{site}` is offered in `{lang}` but {STATEMENT_DIR}/{lang}.toml is missing")]
    MissingStatement { site: String, lang: String },
}

fn describe(violations: &[Violation]) -> String {
    let parts: Vec<String> = violations
        .iter()
        .map(|v| format!("{}: {}", v.field, v.message))
        .collect();
    parts.join("; ")
}

/// A validated site policy with its content hash.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    pub policy: SitePolicy,
    /// Hex SHA-256 of [`LoadedPolicy::document`]: any change of what a
    /// visitor is told changes it.
    pub hash: String,
    /// The canonical JSON `[organisation, site policy]` the hash is computed
    /// from: every text in every language, category, vendor, cookie, host
    /// and default. Kept as it is, it proves later what was shown.
    pub document: String,
}

/// Every site policy of one deployment plus the organisation behind them.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub organization: Organization,
    sites: BTreeMap<String, LoadedPolicy>,
    statements: BTreeMap<String, Statement>,
}

impl PolicySet {
    /// The policies compiled into the binary (the files in this crate).
    ///
    /// # Errors
    /// When a shipped file is invalid; the crate's tests make sure it is not.
    pub fn shipped() -> Result<Self, LoadError> {
        let sites = SHIPPED_SITES
            .iter()
            .map(|(name, text)| (PathBuf::from(name), (*text).to_owned()));
        Self::with_sites(sites)
    }

    /// The shipped organisation and statements with these site files
    /// instead of the shipped ones: for tools that check a site file
    /// before it is deployed (and for fuzzing the loader).
    ///
    /// # Errors
    /// As [`PolicySet::load_dir`], naming the given file names.
    pub fn with_sites(
        sites: impl IntoIterator<Item = (PathBuf, String)>,
    ) -> Result<Self, LoadError> {
        let org = parse(Path::new(ORGANIZATION_FILE), SHIPPED_ORGANIZATION)?;
        let statements = SHIPPED_STATEMENTS.iter().map(|(lang, text)| {
            (
                PathBuf::from(format!("{STATEMENT_DIR}/{lang}.toml")),
                (*text).to_owned(),
            )
        });
        Self::build(org, sites, statements)
    }

    /// The policies in `dir` when one is given (`--policies`), else the
    /// shipped ones.
    ///
    /// # Errors
    /// As [`PolicySet::load_dir`] and [`PolicySet::shipped`].
    pub fn load(dir: Option<&Path>) -> Result<Self, LoadError> {
        match dir {
            Some(dir) => Self::load_dir(dir),
            None => Self::shipped(),
        }
    }

    /// Loads `dir/organization.toml` and every `dir/sites/*.toml`.
    ///
    /// # Errors
    /// When a file cannot be read, does not parse, or breaks a rule; the
    /// message names the file and the field.
    pub fn load_dir(dir: &Path) -> Result<Self, LoadError> {
        let org_file = dir.join(ORGANIZATION_FILE);
        let org = parse(&org_file, &read(&org_file)?)?;
        let files = toml_files(&dir.join(SITES_DIR))?;
        if files.is_empty() {
            return Err(LoadError::NoSites { dir: dir.into() });
        }
        let mut sites = Vec::with_capacity(files.len());
        for file in files {
            let text = read(&file)?;
            sites.push((file, text));
        }
        let mut statements = Vec::new();
        for file in toml_files(&dir.join(STATEMENT_DIR))? {
            let text = read(&file)?;
            statements.push((file, text));
        }
        Self::build(org, sites, statements)
    }

    fn build(
        organization: Organization,
        files: impl IntoIterator<Item = (PathBuf, String)>,
        statement_files: impl IntoIterator<Item = (PathBuf, String)>,
    ) -> Result<Self, LoadError> {
        let statements = load_statements(statement_files)?;
        let mut sites = BTreeMap::new();
        for (file, text) in files {
            let policy: SitePolicy = parse(&file, &text)?;
            let violations = validate(&policy);
            if !violations.is_empty() {
                return Err(LoadError::Invalid { file, violations });
            }
            let document = canonical_document(&organization, &policy);
            let hash = document_hash(&document);
            let id = policy.site.id.clone();
            if sites
                .insert(
                    id.clone(),
                    LoadedPolicy {
                        policy,
                        hash,
                        document,
                    },
                )
                .is_some()
            {
                return Err(LoadError::DuplicateSite { file, id });
            }
        }
        for site in sites.values() {
            for lang in &site.policy.site.languages {
                if !statements.contains_key(lang) {
                    let site = site.policy.site.id.clone();
                    return Err(LoadError::MissingStatement {
                        site,
                        lang: lang.clone(),
                    });
                }
            }
        }
        Ok(Self {
            organization,
            sites,
            statements,
        })
    }

    /// The privacy statement in `lang`, if there is one.
    pub fn statement(&self, lang: &str) -> Option<&Statement> {
        self.statements.get(lang)
    }

    /// The policy of one site, if the deployment has it.
    pub fn site(&self, id: &str) -> Option<&LoadedPolicy> {
        self.sites.get(id)
    }

    /// Every site, ordered by id.
    pub fn sites(&self) -> impl Iterator<Item = &LoadedPolicy> {
        self.sites.values()
    }
}

fn load_statements(
    files: impl IntoIterator<Item = (PathBuf, String)>,
) -> Result<BTreeMap<String, Statement>, LoadError> {
    let mut statements = BTreeMap::new();
    for (file, text) in files {
        let statement: Statement = parse(&file, &text)?;
        let problems = statement.problems();
        if !problems.is_empty() {
            return Err(LoadError::BadStatement { file, problems });
        }
        let lang = file
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        statements.insert(lang, statement);
    }
    Ok(statements)
}

/// The `*.toml` files of a directory, sorted.
fn toml_files(dir: &Path) -> Result<Vec<PathBuf>, LoadError> {
    let entries = std::fs::read_dir(dir).map_err(|source| LoadError::Read {
        file: dir.into(),
        source,
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    Ok(files)
}

fn read(file: &Path) -> Result<String, LoadError> {
    std::fs::read_to_string(file).map_err(|source| LoadError::Read {
        file: file.into(),
        source,
    })
}

fn parse<T: serde::de::DeserializeOwned>(file: &Path, text: &str) -> Result<T, LoadError> {
    toml::from_str(text).map_err(|e| LoadError::Parse {
        file: file.into(),
        message: e.to_string().trim_end().replace('\n', " "),
    })
}

fn canonical_document(org: &Organization, policy: &SitePolicy) -> String {
    // serde_json writes struct fields in declaration order and maps sorted
    // (BTreeMap), so the same policy always gives the same bytes.
    serde_json::to_string(&(org, policy)).expect("policy serializes to JSON")
}

/// The hash of a policy document, as events and tokens name it: hex SHA-256
/// of its bytes. Anyone holding an archived document recomputes it.
pub fn document_hash(document: &str) -> String {
    hex::encode(Sha256::digest(document.as_bytes()))
}

#[cfg(test)]
mod tests;
