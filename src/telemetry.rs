//! Logging with `tracing`. `GOVWATCH_LOG` (or `RUST_LOG`) sets the filter;
//! `GOVWATCH_LOG_FORMAT=json` writes JSON lines for log collectors. Logs go to stderr so
//! that command output on stdout stays clean for scripts.

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber with `default_filter` unless the environment says
/// otherwise. Safe to call more than once (later calls do nothing).
pub fn init(default_filter: &str) {
    let filter = std::env::var("GOVWATCH_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok()
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new(default_filter));
    let json = std::env::var("GOVWATCH_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}
