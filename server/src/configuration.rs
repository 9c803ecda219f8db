//! Settings, in layers: built-in defaults, then a TOML file (`--config`),
//! then `CONSENT_*` environment variables, then command-line flags.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::client_ip::TrustedProxies;

/// Writes per minute one network may make: far above what a visitor clicks
/// (a few decisions per visit), far below what fills a database.
pub const DEFAULT_WRITE_RATE_LIMIT: u32 = 60;

/// Flags shared by every command that opens the database.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct DatabaseArgs {
    /// Database URL: `sqlite://FILE` or `postgres://USER@HOST/DB`
    /// [default: a SQLite file in the data dir; `DATABASE_URL` is read too]
    #[arg(long, env = "CONSENT_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Directory for the SQLite database and the signing key [default: ./data]
    #[arg(long, env = "CONSENT_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// TOML file with any of these settings (flags and environment win)
    #[arg(long, env = "CONSENT_CONFIG")]
    pub config: Option<PathBuf>,
}

/// Flags of `serve`.
#[derive(Debug, Default, Clone, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Address to listen on [default: 127.0.0.1:8080]
    #[arg(long, env = "CONSENT_BIND")]
    pub bind: Option<SocketAddr>,
    /// Directory with organization.toml and sites/*.toml [default: the shipped policies]
    #[arg(long, env = "CONSENT_POLICIES")]
    pub policies: Option<PathBuf>,
    /// The `iss` claim of consent tokens [default: nexxt-consent]
    #[arg(long, env = "CONSENT_ISSUER")]
    pub issuer: Option<String>,
    /// Seconds between signed checkpoints of the ledger; 0 turns them off [default: 3600]
    #[arg(long, env = "CONSENT_CHECKPOINT_INTERVAL")]
    pub checkpoint_interval: Option<u64>,
    /// Public writes (record, withdraw, erase) per minute per client network;
    /// 0 turns the limit off, e.g. for benchmarks [default: 60]
    #[arg(long, env = "CONSENT_WRITE_RATE_LIMIT")]
    pub write_rate_limit: Option<u32>,
    /// A load balancer or proxy (address or CIDR network) whose
    /// X-Forwarded-For names the client; repeat, or separate with commas
    /// [default: none: the connecting address is the client]
    #[arg(
        long = "trusted-proxy",
        env = "CONSENT_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<String>,
}

/// The config file: the same settings, all optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    bind: Option<SocketAddr>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    policies: Option<PathBuf>,
    issuer: Option<String>,
    checkpoint_interval: Option<u64>,
    write_rate_limit: Option<u32>,
    trusted_proxies: Option<Vec<String>>,
}

/// Where the data lives.
#[derive(Clone)]
pub struct DatabaseSettings {
    pub url: String,
    pub data_dir: PathBuf,
}

/// Everything `serve` needs, resolved.
#[derive(Clone, Debug)]
pub struct Settings {
    pub bind: SocketAddr,
    pub database: DatabaseSettings,
    pub policies: Option<PathBuf>,
    pub issuer: String,
    /// Seconds between periodic checkpoints; 0 = none.
    pub checkpoint_interval: u64,
    /// Public writes per minute per client network; 0 = no limit.
    pub write_rate_limit: u32,
    /// Whose `X-Forwarded-For` names the client.
    pub trusted_proxies: TrustedProxies,
}

impl fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .field("data_dir", &self.data_dir)
            .finish()
    }
}

/// The URL without its password, for logs and errors.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:[redacted]@{host}")
        }
        None => url.to_owned(),
    }
}

impl Settings {
    /// # Errors
    /// When the config file cannot be read or has unknown settings.
    pub fn resolve(args: ServeArgs) -> anyhow::Result<Self> {
        let file = read_file(args.database.config.as_deref())?;
        let proxies = match (args.trusted_proxies.is_empty(), file.trusted_proxies) {
            (false, _) => args.trusted_proxies,
            (true, file) => file.unwrap_or_default(),
        };
        let trusted_proxies =
            TrustedProxies::parse(&proxies).map_err(|e| anyhow::anyhow!("--trusted-proxy: {e}"))?;
        let bind = args
            .bind
            .or(file.bind)
            .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 8080)));
        Ok(Self {
            bind,
            policies: args.policies.or(file.policies),
            issuer: args
                .issuer
                .or(file.issuer)
                .unwrap_or_else(|| "nexxt-consent".to_owned()),
            checkpoint_interval: args
                .checkpoint_interval
                .or(file.checkpoint_interval)
                .unwrap_or(3600),
            write_rate_limit: args
                .write_rate_limit
                .or(file.write_rate_limit)
                .unwrap_or(DEFAULT_WRITE_RATE_LIMIT),
            trusted_proxies,
            database: DatabaseSettings::merge(args.database, file.database_url, file.data_dir),
        })
    }
}

impl DatabaseSettings {
    /// # Errors
    /// When the config file cannot be read or has unknown settings.
    pub fn resolve(args: DatabaseArgs) -> anyhow::Result<Self> {
        let file = read_file(args.config.as_deref())?;
        Ok(Self::merge(args, file.database_url, file.data_dir))
    }

    fn merge(args: DatabaseArgs, file_url: Option<String>, file_dir: Option<PathBuf>) -> Self {
        let data_dir = args
            .data_dir
            .or(file_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        // Environment beats the file, so the conventional DATABASE_URL does too.
        let env_url = std::env::var("DATABASE_URL").ok().filter(|u| !u.is_empty());
        let url = args
            .database_url
            .or(env_url)
            .or(file_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("consent.db").display()));
        Self { url, data_dir }
    }

    /// Creates the data directory if it is missing.
    ///
    /// # Errors
    /// When it cannot be created.
    pub fn ensure_data_dir(&self) -> anyhow::Result<()> {
        std::fs::create_dir_all(&self.data_dir).with_context(|| {
            format!(
                "while creating the data dir {} (set --data-dir)",
                self.data_dir.display()
            )
        })
    }
}

fn read_file(path: Option<&Path>) -> anyhow::Result<FileSettings> {
    let Some(path) = path else {
        return Ok(FileSettings::default());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("while reading the config file {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("in the config file {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_is_redacted_from_database_urls() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/consent"),
            "postgres://app:[redacted]@db:5432/consent"
        );
        assert_eq!(
            redact_url("sqlite://data/consent.db"),
            "sqlite://data/consent.db"
        );
    }

    #[test]
    fn debug_of_settings_never_shows_the_password() {
        let settings = DatabaseSettings {
            url: "postgres://u:hunter2@h/d".into(),
            data_dir: "d".into(),
        };
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn flags_beat_the_file_and_the_file_beats_defaults() {
        let dir = std::env::temp_dir().join(format!("consent-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(
            &file,
            "bind = \"127.0.0.1:9999\"\nissuer = \"from-file\"\ndata_dir = \"/tmp/x\"\n",
        )
        .unwrap();
        let args = ServeArgs {
            issuer: Some("from-flag".into()),
            database: DatabaseArgs {
                config: Some(file),
                ..Default::default()
            },
            ..Default::default()
        };
        let settings = Settings::resolve(args).unwrap();
        assert_eq!(settings.issuer, "from-flag");
        assert_eq!(settings.bind.port(), 9999);
        assert_eq!(settings.database.data_dir, PathBuf::from("/tmp/x"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_setting_in_the_file_is_an_error() {
        let dir = std::env::temp_dir().join(format!("consent-config-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, "port = 80\n").unwrap();
        let args = DatabaseArgs {
            config: Some(file),
            ..Default::default()
        };
        let err = format!("{:#}", DatabaseSettings::resolve(args).unwrap_err());
        assert!(err.contains("port"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn trusted_proxies_come_from_flags_or_the_file_and_bad_ones_are_named() {
        let dir = std::env::temp_dir().join(format!("consent-config-proxy-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("c.toml");
        std::fs::write(&file, "trusted_proxies = [\"10.0.0.0/8\"]\n").unwrap();
        let with = |flags: &[&str]| ServeArgs {
            trusted_proxies: flags.iter().map(|f| (*f).to_owned()).collect(),
            database: DatabaseArgs {
                config: Some(file.clone()),
                ..Default::default()
            },
            ..Default::default()
        };
        let from_file = Settings::resolve(with(&[])).unwrap().trusted_proxies;
        assert_eq!(from_file, TrustedProxies::parse(&["10.0.0.0/8"]).unwrap());
        let from_flag = Settings::resolve(with(&["192.0.2.1"]))
            .unwrap()
            .trusted_proxies;
        assert_eq!(from_flag, TrustedProxies::parse(&["192.0.2.1"]).unwrap());
        let err = format!(
            "{:#}",
            Settings::resolve(with(&["lb.internal"])).unwrap_err()
        );
        assert!(
            err.contains("--trusted-proxy") && err.contains("lb.internal"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
