//! Password hashing with Argon2id (through `password-auth`, which stores PHC strings with
//! the parameters inside, so they can be raised later without a migration). Hashing is slow
//! on purpose, so it runs on the blocking pool.

/// Errors of password handling.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The password is too short.
    #[error("密码至少需要 {0} 个字符")]
    TooShort(usize),
    /// The blocking task failed.
    #[error("密码处理失败: {0}")]
    Task(String),
}

/// Minimum password length.
pub const MIN_LEN: usize = 10;

/// Hashes a password (Argon2id).
pub async fn hash(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_LEN {
        return Err(PasswordError::TooShort(MIN_LEN));
    }
    let p = password.to_string();
    tokio::task::spawn_blocking(move || password_auth::generate_hash(p))
        .await
        .map_err(|e| PasswordError::Task(e.to_string()))
}

/// Checks a password against a stored hash.
pub async fn verify(password: &str, stored: &str) -> bool {
    let (p, s) = (password.to_string(), stored.to_string());
    tokio::task::spawn_blocking(move || password_auth::verify_password(p, &s).is_ok())
        .await
        .unwrap_or(false)
}

/// A random password for the first `admin` user: 20 characters from an alphabet without
/// look-alikes.
pub fn random_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}
