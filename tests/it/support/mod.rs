//! Helpers shared by the integration tests, one file per service.

pub mod redis;
pub mod warcio;
