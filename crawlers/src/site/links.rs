//! The crawl's link table: every distinct link target, who links to it, and what checking it
//! found. Sized by `max_pages` × links per page, not by the site: pages beyond `max_pages` are
//! never parsed, so they add no targets.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use url::Url;

use crate::html::LinkKind;
use crate::observation::{LinkCheck, LinkSource, LinkStatus};

/// 64-bit key of a URL. SipHash with fixed keys: stable within a process, and collisions
/// among a few million URLs are vanishingly unlikely (~1e-7).
pub(crate) fn url_key(url: &str) -> u64 {
    let mut h = DefaultHasher::new();
    url.hash(&mut h);
    h.finish()
}

pub(crate) struct LinkEntry {
    pub(crate) url: Box<str>,
    pub(crate) kind: LinkKind,
    pub(crate) external: bool,
    pub(crate) status: Option<LinkStatus>,
    /// Page ids (index into `LinkTable::pages`), capped.
    pub(crate) referrers: Vec<u32>,
    pub(crate) referrer_count: u32,
    /// A check has been queued or the target is being fetched by the crawl.
    pub(crate) pending: bool,
}

#[derive(Default)]
pub(crate) struct LinkTable {
    entries: HashMap<u64, LinkEntry>,
    /// URLs of parsed pages, by page id.
    pages: Vec<Box<str>>,
    /// Page id of the home page, once parsed.
    home: Option<u32>,
}

impl LinkTable {
    /// Registers a parsed page and returns its id.
    pub(crate) fn add_page(&mut self, url: &Url, is_home: bool) -> u32 {
        self.pages.push(url.as_str().into());
        let id = (self.pages.len() - 1) as u32;
        if is_home {
            self.home = Some(id);
        }
        id
    }

    /// Records that page `from` links to `url`. Returns the entry and whether it is new.
    pub(crate) fn add_link(
        &mut self,
        key: u64,
        url: &Url,
        kind: LinkKind,
        external: bool,
        from: u32,
        max_referrers: usize,
    ) -> (&mut LinkEntry, bool) {
        let mut new = false;
        let entry = self.entries.entry(key).or_insert_with(|| {
            new = true;
            LinkEntry {
                url: url.as_str().into(),
                kind,
                external,
                status: None,
                referrers: Vec::new(),
                referrer_count: 0,
                pending: false,
            }
        });
        if entry.referrers.last() != Some(&from) {
            entry.referrer_count = entry.referrer_count.saturating_add(1);
            if entry.referrers.len() < max_referrers {
                entry.referrers.push(from);
            }
        }
        (entry, new)
    }

    /// Records the outcome of fetching `url` (by the crawl or a check).
    pub(crate) fn set_status(&mut self, key: u64, url: &Url, kind: LinkKind, status: LinkStatus) {
        let entry = self.entries.entry(key).or_insert_with(|| LinkEntry {
            url: url.as_str().into(),
            kind,
            external: false,
            status: None,
            referrers: Vec::new(),
            referrer_count: 0,
            pending: true,
        });
        entry.status = Some(status);
    }

    pub(crate) fn get_mut(&mut self, key: u64) -> Option<&mut LinkEntry> {
        self.entries.get_mut(&key)
    }

    /// Linked targets nobody has fetched or queued (e.g. pages beyond `max_pages`).
    pub(crate) fn unresolved(&mut self) -> Vec<(u64, Url)> {
        self.entries
            .iter_mut()
            .filter(|(_, e)| e.status.is_none() && !e.pending && e.referrer_count > 0)
            .filter_map(|(k, e)| {
                e.pending = true;
                Url::parse(&e.url).ok().map(|u| (*k, u))
            })
            .collect()
    }

    /// Referring page URLs of `key` (for attachments).
    pub(crate) fn referrer_urls(&self, key: u64) -> Vec<Url> {
        self.entries
            .get(&key)
            .map(|e| {
                e.referrers
                    .iter()
                    .filter_map(|id| self.pages.get(*id as usize))
                    .filter_map(|u| Url::parse(u).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The final link-check reports, sorted by URL, consuming the table. Lazy: each report
    /// (with its referrer URLs) is built only when the caller takes it, so sending them
    /// through the bounded channel never materialises all of them at once.
    pub(crate) fn into_reports(self) -> impl Iterator<Item = LinkCheck> {
        let pages = self.pages;
        let home = self.home;
        // No status: deliberately not checked (e.g. external links switched off).
        let mut entries: Vec<LinkEntry> = self
            .entries
            .into_values()
            .filter(|e| e.referrer_count > 0 && e.status.is_some())
            .collect();
        entries.sort_by(|a, b| a.url.cmp(&b.url));
        entries.into_iter().filter_map(move |e| {
            let url = Url::parse(&e.url).ok()?;
            let linked_from = e
                .referrers
                .iter()
                .filter_map(|id| {
                    let page = pages.get(*id as usize)?;
                    Some(LinkSource {
                        page_url: Url::parse(page).ok()?,
                        is_home: Some(*id) == home,
                    })
                })
                .collect();
            Some(LinkCheck {
                url,
                kind: e.kind,
                result: e.status?,
                linked_from,
                linked_from_count: e.referrer_count as usize,
                external: e.external,
            })
        })
    }
}
