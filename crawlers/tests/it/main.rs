//! Integration tests of govwatch-crawlers against loopback fixture servers.

mod encoding;
mod extract;
mod feeds;
mod fetching;
mod site;
mod support;
