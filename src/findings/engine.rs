//! The rules as the platform runs them: the compiled rule set for today (defaults plus the
//! office's overrides from the database), recompiled when the day or the overrides change,
//! and the keyed hasher whose key lives in the data directory.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;
use rand::RngCore;
use sea_orm::{ConnectionTrait, EntityTrait};
use tokio::sync::RwLock;

use super::FindingDraft;
use crate::db::entities::rule_override;
use crate::rules::{Hit, Judgement, PackSource, RuleOverrides, RuleSet, RulesError, ValueHasher};

/// Errors of the rules runtime.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The rule packs or overrides do not compile.
    #[error("规则编译失败: {0}")]
    Rules(#[from] RulesError),
    /// The stored overrides are not valid JSON.
    #[error("规则覆盖配置损坏: {0}")]
    Overrides(String),
    /// The hash key could not be read or created.
    #[error("无法读取或创建哈希密钥 {path}: {message}")]
    Key {
        /// The key file.
        path: String,
        /// Why.
        message: String,
    },
    /// Database.
    #[error("数据库错误: {0}")]
    Db(#[from] sea_orm::DbErr),
}

/// Loads (or creates, 32 random bytes, owner-only) the key for keyed hashes of matched
/// values. Losing it only changes future fingerprints; it never reveals a value.
pub fn load_hash_key(path: &Path) -> Result<Vec<u8>, EngineError> {
    let err = |m: String| EngineError::Key {
        path: path.display().to_string(),
        message: m,
    };
    match std::fs::read(path) {
        Ok(k) if k.len() >= ValueHasher::MIN_KEY_LEN => Ok(k),
        Ok(_) => Err(err("密钥过短".into())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
            }
            let mut key = vec![0u8; 32];
            rand::rng().fill_bytes(&mut key);
            let mut opts = std::fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            match opts.open(path) {
                Ok(mut f) => {
                    use std::io::Write;
                    f.write_all(&key)
                        .and_then(|_| f.sync_all())
                        .map_err(|e| err(e.to_string()))?;
                    Ok(key)
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    std::fs::read(path).map_err(|e| err(e.to_string()))
                }
                Err(e) => Err(err(e.to_string())),
            }
        }
        Err(e) => Err(err(e.to_string())),
    }
}

/// The office's overrides as stored (empty when none), with their version.
pub async fn load_overrides<C: ConnectionTrait>(
    db: &C,
) -> Result<(RuleOverrides, i64), EngineError> {
    match rule_override::Entity::find_by_id(1).one(db).await? {
        Some(row) => {
            let o = serde_json::from_str(&row.body)
                .map_err(|e| EngineError::Overrides(e.to_string()))?;
            Ok((o, row.version))
        }
        None => Ok((RuleOverrides::default(), 0)),
    }
}

/// The compiled rule set for today, shared and refreshed.
pub struct RulesEngine {
    hasher: ValueHasher,
    cache: RwLock<Option<(NaiveDate, i64, Arc<RuleSet>)>>,
}

impl RulesEngine {
    /// An engine with the hash key at `key_path` (created on first use).
    pub fn open(key_path: &Path) -> Result<Self, EngineError> {
        let key = load_hash_key(key_path)?;
        Ok(Self {
            hasher: ValueHasher::new(&key)?,
            cache: RwLock::new(None),
        })
    }

    /// The keyed hasher.
    pub fn hasher(&self) -> &ValueHasher {
        &self.hasher
    }

    /// The rule set for `today` with the current overrides, compiled at most once per day
    /// and overrides version.
    pub async fn rules<C: ConnectionTrait>(
        &self,
        db: &C,
        today: NaiveDate,
    ) -> Result<Arc<RuleSet>, EngineError> {
        let (overrides, version) = load_overrides(db).await?;
        if let Some((day, v, set)) = self.cache.read().await.as_ref()
            && *day == today
            && *v == version
        {
            return Ok(set.clone());
        }
        let set = tokio::task::spawn_blocking(move || {
            RuleSet::compile(&PackSource::defaults(), &overrides, today)
        })
        .await
        .map_err(|e| EngineError::Overrides(format!("规则编译任务失败: {e}")))??;
        let set = Arc::new(set);
        *self.cache.write().await = Some((today, version, set.clone()));
        Ok(set)
    }
}

impl FindingDraft {
    /// A draft from a text hit at `url` / `location`.
    pub fn from_hit(h: &Hit, url: &str, location: &str) -> Self {
        let mut message = h.message.clone();
        if let Some(note) = &h.note {
            message = format!("{message}（{note}）");
        }
        Self {
            rule_id: h.rule_id.clone(),
            category: h.category.as_str().to_string(),
            severity: h.severity.as_str().to_string(),
            points: h.points,
            url: url.to_string(),
            location: location.to_string(),
            title: h.title.clone(),
            message,
            excerpt: h.excerpt.clone(),
            masked_value: h.masked_value.clone(),
            suggestion: h.suggestion.clone(),
            value_hash: h.value_hash.clone(),
            needs_confirmation: h.needs_confirmation,
        }
    }

    /// A draft from a structured judgement about the account at `url`.
    pub fn from_judgement(j: &Judgement, url: &str) -> Self {
        Self {
            rule_id: j.rule_id.clone(),
            category: j.category.as_str().to_string(),
            severity: j.severity.as_str().to_string(),
            points: j.points,
            url: url.to_string(),
            location: j.subject.clone(),
            title: j.title.clone(),
            message: j.message.clone(),
            excerpt: String::new(),
            masked_value: None,
            suggestion: None,
            // The subject is the stable identity of a judgement (a link target, a column).
            value_hash: hex::encode(<sha2::Sha256 as sha2::Digest>::digest(j.subject.as_bytes())),
            needs_confirmation: j.needs_confirmation,
        }
    }
}
