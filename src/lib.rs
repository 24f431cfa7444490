//! govwatch: oversight platform for a city government's websites and official social-media accounts.

pub mod rules;
