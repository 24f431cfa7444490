//! The registry (台账) of departments and accounts, and the account lifecycle.
//!
//! Every change goes through this module, in one database transaction that also writes its
//! ledger entry (see [`crate::ledger`]). Permissions are checked here, against the
//! [`Actor`](crate::auth::Actor), so the CLI, the API and the pages share one set of rules.

pub mod accounts;
pub mod departments;
pub mod error;
pub mod import;
pub mod model;
pub mod query;
pub mod validate;

pub use accounts::{AccountInput, AccountPatch, Contact};
pub use error::RegistryError;
pub use model::{Action, Platform, Status, next_status};
pub use query::{AccountFilter, AccountView};
