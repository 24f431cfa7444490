//! The Ed25519 key that signs checkpoints: a 32-byte seed stored as hex in a file readable
//! only by its owner, created on first use.

use std::path::Path;

use ed25519_dalek::{SigningKey, VerifyingKey};
use rand::RngCore;

use super::LedgerError;

fn key_err(path: &Path, message: impl Into<String>) -> LedgerError {
    LedgerError::Key {
        path: path.display().to_string(),
        message: message.into(),
    }
}

/// Loads the key at `path`, creating it (and its directory) when it does not exist.
pub fn load_or_create(path: &Path) -> Result<SigningKey, LedgerError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => create(path),
        Err(e) => Err(key_err(path, e.to_string())),
    }
}

/// Loads the key at `path` if it exists.
pub fn load(path: &Path) -> Result<Option<SigningKey>, LedgerError> {
    match std::fs::read_to_string(path) {
        Ok(text) => parse(path, &text).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(key_err(path, e.to_string())),
    }
}

fn parse(path: &Path, text: &str) -> Result<SigningKey, LedgerError> {
    let mut seed = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut seed)
        .map_err(|e| key_err(path, format!("不是 64 位十六进制密钥: {e}")))?;
    Ok(SigningKey::from_bytes(&seed))
}

fn create(path: &Path) -> Result<SigningKey, LedgerError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| key_err(path, e.to_string()))?;
    }
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    let key = SigningKey::from_bytes(&seed);
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    use std::io::Write;
    let mut f = match opts.open(path) {
        Ok(f) => f,
        // Another process created it between our read and our create: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return load(path)?.ok_or_else(|| key_err(path, "密钥文件消失"));
        }
        Err(e) => return Err(key_err(path, e.to_string())),
    };
    f.write_all(hex::encode(seed).as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| key_err(path, e.to_string()))?;
    tracing::info!(path = %path.display(), "created ledger signing key");
    Ok(key)
}

/// Hex form of a public key.
pub fn public_hex(key: &VerifyingKey) -> String {
    hex::encode(key.as_bytes())
}

/// Parses a hex public key.
pub fn parse_public(hex_key: &str) -> Option<VerifyingKey> {
    let mut b = [0u8; 32];
    hex::decode_to_slice(hex_key.trim(), &mut b).ok()?;
    VerifyingKey::from_bytes(&b).ok()
}
