//! `link.broken`: broken links, images and attachments, scored by where they are linked from.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::super::model::Severity;
use super::super::ruleset::RuleSet;
use super::{Assessment, fmt_points, judgement};

/// What a link points to. Images and attachments count like pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// An HTML page.
    Page,
    /// An image.
    Image,
    /// A downloadable attachment (pdf, doc, xls…).
    Attachment,
    /// Anything else (scripts, stylesheets, media).
    Other,
}

impl LinkKind {
    fn label(self) -> &'static str {
        match self {
            LinkKind::Page => "网页",
            LinkKind::Image => "图片",
            LinkKind::Attachment => "附件",
            LinkKind::Other => "资源",
        }
    }
}

/// A page that links to a target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkSource {
    /// URL of the linking page.
    pub page: String,
    /// The linking page is the site's home page.
    pub is_home: bool,
}

/// One checked link target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkCheck {
    /// The target URL (normalised by the crawler).
    pub target: String,
    /// What it points to.
    pub kind: LinkKind,
    /// The check failed (HTTP error, timeout, DNS…).
    pub broken: bool,
    /// Pages linking to it.
    pub linked_from: Vec<LinkSource>,
}

impl RuleSet {
    /// Judges broken links: home page 1 point each, elsewhere 0.1 (pack defaults);
    /// each target counts once, as a home-page link if any home page links to it.
    pub fn judge_links(&self, checks: &[LinkCheck]) -> Assessment {
        let Some(c) = &self.judges.links else {
            return Assessment::disabled("link.broken");
        };
        let rule = &self.rules[c.rule];
        // target → (kind, from home?)
        let mut broken: BTreeMap<&str, (LinkKind, bool)> = BTreeMap::new();
        for ch in checks.iter().filter(|c| c.broken) {
            let home = ch.linked_from.iter().any(|s| s.is_home);
            let e = broken.entry(ch.target.as_str()).or_insert((ch.kind, false));
            e.1 |= home;
        }
        let judgements = broken
            .into_iter()
            .map(|(target, (kind, home))| {
                let points = if home {
                    c.p.home_points
                } else {
                    c.p.other_points
                };
                let pts = fmt_points(points);
                judgement(
                    rule,
                    Severity::Deduct,
                    points,
                    target,
                    &[
                        ("where", if home { "首页" } else { "其他页面" }),
                        ("kind", kind.label()),
                        ("target", target),
                        ("points", &pts),
                    ],
                )
            })
            .collect();
        Assessment::from_judgements(&rule.id, judgements, "未发现不可用链接")
    }
}
