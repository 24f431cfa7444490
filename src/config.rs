//! Configuration: built-in defaults, then an optional `govwatch.toml`, then `GOVWATCH_*`
//! environment variables, then command-line flags (the last wins).
//!
//! Every setting has a default that works on a fresh machine with no services: the data
//! directory `./govwatch-data`, an SQLite database inside it, and the server on
//! `127.0.0.1:8080`. The same binary runs on PostgreSQL by setting the database URL.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Errors while loading configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The configuration file could not be read.
    #[error("无法读取配置文件 {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The configuration file is not valid TOML or has unknown keys.
    #[error("配置文件 {path} 有误: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said, with line and column.
        message: String,
    },
    /// An environment variable has a value that cannot be used.
    #[error("环境变量 {name} 的值无效: {message}")]
    Env {
        /// The variable.
        name: &'static str,
        /// Why.
        message: String,
    },
}

/// All of govwatch's settings. Field docs name the environment variable that overrides them.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where the SQLite database, keys and snapshots live (`GOVWATCH_DATA_DIR`).
    pub data_dir: PathBuf,
    /// Database URL (`GOVWATCH_DATABASE_URL`); `sqlite://…` or `postgres://…`.
    /// Default: `sqlite://<data_dir>/govwatch.db`.
    pub database_url: Option<String>,
    /// Address the web server listens on (`GOVWATCH_LISTEN`).
    pub listen: SocketAddr,
    /// Redis URL for the distributed queue (`GOVWATCH_REDIS_URL`); unset means in-process.
    pub redis_url: Option<String>,
    /// Public base URL of this installation, used in links and the crawler's user agent.
    pub public_url: Option<String>,
    /// Run pending migrations when a command starts (default true). PostgreSQL deployments
    /// that migrate explicitly with `govwatch migrate` can turn this off.
    pub auto_migrate: bool,
    /// Authentication and session settings.
    pub auth: AuthSettings,
    /// Ledger settings.
    pub ledger: LedgerSettings,
    /// Crawler limits and politeness (`[crawler]`; durations in milliseconds, e.g.
    /// `per_host_delay_ms = 500`). See `govwatch_crawlers::CrawlConfig` for every key.
    pub crawler: govwatch_crawlers::CrawlConfig,
    /// Job queue and workers.
    pub queue: QueueSettings,
}

/// Job queue and worker settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueSettings {
    /// Crawl workers per process (`serve` runs them in-process when there is no Redis;
    /// `govwatch worker` runs this many).
    pub workers: usize,
    /// Seconds a job may run unacknowledged before another worker takes it over.
    pub visibility_timeout_secs: u64,
    /// Deliveries before a job is dead-lettered.
    pub max_attempts: u32,
    /// Seconds before a failed job is retried.
    pub retry_delay_secs: u64,
    /// Redis key prefix (several installations can share one Redis).
    pub redis_prefix: String,
    /// Run the cron scheduler inside `serve` (with Redis, every `serve` may run it: each
    /// tick is enqueued once).
    pub scheduler: bool,
}

impl Default for QueueSettings {
    fn default() -> Self {
        Self {
            workers: 2,
            visibility_timeout_secs: 30 * 60,
            max_attempts: 3,
            retry_delay_secs: 120,
            redis_prefix: "govwatch:".into(),
            scheduler: true,
        }
    }
}

/// Authentication and session settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// How long a web session lasts, in hours.
    pub session_hours: i64,
    /// Mark the session cookie `Secure` (set this when served over HTTPS).
    pub cookie_secure: bool,
    /// Failed logins allowed per user name per minute before further attempts are refused.
    pub failed_logins_per_minute: u32,
    /// Extra origins trusted for cross-origin form posts (e.g. a reverse proxy's public URL).
    pub trusted_origins: Vec<String>,
}

/// Ledger settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LedgerSettings {
    /// Ed25519 signing key for checkpoints; created on first use.
    /// Default: `<data_dir>/keys/ledger-ed25519.key`.
    pub signing_key_path: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("govwatch-data"),
            database_url: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            redis_url: None,
            public_url: None,
            auto_migrate: true,
            auth: AuthSettings::default(),
            ledger: LedgerSettings::default(),
            crawler: govwatch_crawlers::CrawlConfig::default(),
            queue: QueueSettings::default(),
        }
    }
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            session_hours: 12,
            cookie_secure: false,
            failed_logins_per_minute: 5,
            trusted_origins: Vec::new(),
        }
    }
}

/// Values given on the command line; they win over everything else.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--database-url`.
    pub database_url: Option<String>,
    /// `--data-dir`.
    pub data_dir: Option<PathBuf>,
    /// `--listen`.
    pub listen: Option<SocketAddr>,
}

impl Settings {
    /// Loads settings: defaults, then `file` (or `./govwatch.toml` when it exists), then the
    /// environment, then `overrides`.
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, ConfigError> {
        let implicit = Path::new("govwatch.toml");
        let file = match file {
            Some(f) => Some(f.to_path_buf()),
            None if implicit.exists() => Some(implicit.to_path_buf()),
            None => None,
        };
        let mut settings = match file {
            Some(path) => Self::from_file(&path)?,
            None => Self::default(),
        };
        settings.apply_env(|name| std::env::var(name).ok())?;
        settings.apply_overrides(overrides);
        Ok(settings)
    }

    /// Parses a TOML file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_toml(&text).map_err(|message| ConfigError::Parse {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses TOML text.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    /// Applies `GOVWATCH_*` variables read through `get` (a parameter so tests need not
    /// touch the process environment).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        if let Some(v) = get("GOVWATCH_DATA_DIR").filter(|v| !v.is_empty()) {
            self.data_dir = PathBuf::from(v);
        }
        if let Some(v) = get("GOVWATCH_DATABASE_URL").filter(|v| !v.is_empty()) {
            self.database_url = Some(v);
        }
        if let Some(v) = get("GOVWATCH_LISTEN").filter(|v| !v.is_empty()) {
            self.listen = v
                .parse()
                .map_err(|e: std::net::AddrParseError| ConfigError::Env {
                    name: "GOVWATCH_LISTEN",
                    message: format!("{v:?}: {e}（应为 IP:端口，例如 127.0.0.1:8080）"),
                })?;
        }
        if let Some(v) = get("GOVWATCH_REDIS_URL").filter(|v| !v.is_empty()) {
            self.redis_url = Some(v);
        }
        if let Some(v) = get("GOVWATCH_PUBLIC_URL").filter(|v| !v.is_empty()) {
            self.public_url = Some(v);
        }
        if let Some(v) = get("GOVWATCH_RSSHUB_URL").filter(|v| !v.is_empty()) {
            self.crawler.rsshub_base = Some(url::Url::parse(&v).map_err(|e| ConfigError::Env {
                name: "GOVWATCH_RSSHUB_URL",
                message: format!("{v:?}: {e}"),
            })?);
        }
        Ok(())
    }

    /// Applies command-line values.
    pub fn apply_overrides(&mut self, o: &Overrides) {
        if let Some(d) = &o.data_dir {
            self.data_dir = d.clone();
        }
        if let Some(u) = &o.database_url {
            self.database_url = Some(u.clone());
        }
        if let Some(l) = o.listen {
            self.listen = l;
        }
    }

    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("govwatch.db").display()
            ),
        }
    }

    /// The checkpoint signing key path in effect.
    pub fn signing_key_path(&self) -> PathBuf {
        self.ledger
            .signing_key_path
            .clone()
            .unwrap_or_else(|| self.data_dir.join("keys").join("ledger-ed25519.key"))
    }

    /// The crawler configuration in effect: the `[crawler]` section, with this
    /// installation's public URL as the contact in the user agent unless one is set.
    pub fn crawl_config(&self) -> govwatch_crawlers::CrawlConfig {
        let mut c = self.crawler.clone();
        if let Some(public) = &self.public_url
            && c.contact_url == govwatch_crawlers::CrawlConfig::default().contact_url
        {
            c.contact_url = public.clone();
        }
        c
    }

    /// Where the keyed-hash key for findings lives.
    pub fn hash_key_path(&self) -> PathBuf {
        self.data_dir.join("keys").join("findings-hmac.key")
    }

    /// The queue tuning in effect.
    pub fn queue_config(&self) -> crate::queue::QueueConfig {
        crate::queue::QueueConfig {
            visibility_timeout: std::time::Duration::from_secs(
                self.queue.visibility_timeout_secs.max(1),
            ),
            max_attempts: self.queue.max_attempts.max(1),
            retry_delay: std::time::Duration::from_secs(self.queue.retry_delay_secs),
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_services() {
        let s = Settings::default();
        assert!(s.database_url().starts_with("sqlite://"));
        assert!(s.database_url().contains("govwatch-data"));
        assert!(s.redis_url.is_none());
    }

    #[test]
    fn env_overrides_file_and_flags_override_env() {
        let mut s = Settings::from_toml(
            "data_dir = \"/srv/a\"\nlisten = \"0.0.0.0:9000\"\n[auth]\nsession_hours = 4\n",
        )
        .unwrap();
        assert_eq!(s.auth.session_hours, 4);
        s.apply_env(|k| match k {
            "GOVWATCH_DATA_DIR" => Some("/srv/b".into()),
            "GOVWATCH_DATABASE_URL" => Some("postgres://x/y".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.data_dir, PathBuf::from("/srv/b"));
        assert_eq!(s.listen.port(), 9000);
        s.apply_overrides(&Overrides {
            database_url: Some("sqlite://z.db".into()),
            ..Default::default()
        });
        assert_eq!(s.database_url(), "sqlite://z.db");
    }

    #[test]
    fn unknown_keys_and_bad_env_are_clear_errors() {
        let err = Settings::from_toml("databse_url = \"x\"").unwrap_err();
        assert!(err.contains("databse_url"), "{err}");
        let mut s = Settings::default();
        let err = s
            .apply_env(|k| (k == "GOVWATCH_LISTEN").then(|| "localhost".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("GOVWATCH_LISTEN"));
    }
}
