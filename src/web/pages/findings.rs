//! The findings page (问题): filters and a table of what the rules found, within the caller's
//! scope. Excerpts are crawled text: askama escapes them like everything else.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::{UserBar, error_page, opt, render};
use crate::findings::scores::{category_label, severity_label};
use crate::findings::{self, FindingFilter};
use crate::registry::{AccountFilter, query};
use crate::web::AppState;
use crate::web::api::findings::{FindingView, views};
use crate::web::authn::{Authed, PageUser};

/// The finding statuses with their Chinese names.
pub const STATUSES: [(&str, &str); 5] = [
    ("open", "待整改"),
    ("assigned", "已交办"),
    ("fixed", "已整改待核验"),
    ("verified", "已核验"),
    ("reopened", "重新打开"),
];

/// The categories with their Chinese names.
pub const CATEGORIES: [&str; 6] = ["pii", "error", "link", "site", "activity", "source"];

/// A finding as a table row.
pub struct FindingRow {
    /// Id.
    pub id: i64,
    /// Account id.
    pub account_id: i64,
    /// Account name.
    pub account_name: String,
    /// Rule id.
    pub rule_id: String,
    /// Title.
    pub title: String,
    /// Message.
    pub message: String,
    /// Severity code (for the CSS class).
    pub severity: String,
    /// Severity in Chinese.
    pub severity_label: &'static str,
    /// Points, when deducting.
    pub points: String,
    /// Category in Chinese.
    pub category_label: &'static str,
    /// URL.
    pub url: String,
    /// Whether the URL may be a link (http or https only: a crawled `javascript:` URL is text).
    pub linkable: bool,
    /// Location inside the resource.
    pub location: String,
    /// Masked excerpt.
    pub excerpt: String,
    /// Suggestion.
    pub suggestion: String,
    /// Needs a person's confirmation.
    pub needs_confirmation: bool,
    /// Status in Chinese.
    pub status_label: &'static str,
    /// First seen, Beijing time.
    pub first_seen: String,
    /// Last seen, Beijing time.
    pub last_seen: String,
}

impl From<FindingView> for FindingRow {
    fn from(f: FindingView) -> Self {
        let lower = f.url.to_ascii_lowercase();
        Self {
            id: f.id,
            account_id: f.account_id,
            account_name: f.account_name,
            severity_label: severity_label(&f.severity),
            points: if f.severity == "deduct" {
                crate::findings::scores::format_points(f.points)
            } else {
                String::new()
            },
            severity: f.severity,
            category_label: category_label(&f.category),
            rule_id: f.rule_id,
            title: f.title,
            message: f.message,
            linkable: lower.starts_with("http://") || lower.starts_with("https://"),
            url: f.url,
            location: f.location,
            excerpt: f.excerpt,
            suggestion: f.suggestion.unwrap_or_default(),
            needs_confirmation: f.needs_confirmation,
            status_label: STATUSES
                .iter()
                .find(|(c, _)| *c == f.status)
                .map_or("其他", |(_, l)| l),
            first_seen: crate::time::local(f.first_seen_at),
            last_seen: crate::time::local(f.last_seen_at),
        }
    }
}

/// One `<option>`.
pub struct Opt {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "findings.html")]
struct FindingsPage {
    user: Option<UserBar>,
    notice: Option<String>,
    error: Option<String>,
    rule: String,
    accounts: Vec<Opt>,
    statuses: Vec<Opt>,
    categories: Vec<Opt>,
    rows: Vec<FindingRow>,
    show_account: bool,
    limit: usize,
}

/// The query string (empty values mean "any").
#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindingsQuery {
    rule: String,
    account: String,
    status: String,
    category: String,
}

const PAGE_LIMIT: u64 = 500;

fn internal(a: &Authed, e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "findings page");
    error_page(
        StatusCode::INTERNAL_SERVER_ERROR,
        Some(UserBar::of(a)),
        "服务器内部错误，请联系管理员",
    )
}

/// `GET /findings`.
pub async fn list(
    State(state): State<AppState>,
    PageUser(a): PageUser,
    Query(q): Query<FindingsQuery>,
) -> Response {
    let account = q.account.trim().parse::<i64>().ok();
    let category = opt(&q.category).filter(|c| CATEGORIES.contains(&c.as_str()));
    // Rule ids start with their category, so a category is a rule prefix.
    let rule = opt(&q.rule);
    let effective_rule = match (&rule, &category) {
        (Some(r), Some(c)) if !(r == c || r.starts_with(&format!("{c}."))) => None,
        (Some(r), _) => Some(r.clone()),
        (None, c) => c.clone(),
    };
    let contradictory = rule.is_some() && category.is_some() && effective_rule.is_none();
    let status = match q.status.as_str() {
        "all" => None,
        "" => Some("open".to_string()),
        s => Some(s.to_string()),
    };
    let rows = if contradictory {
        Vec::new()
    } else {
        let filter = FindingFilter {
            rule: effective_rule,
            account,
            status: status.clone(),
            limit: Some(PAGE_LIMIT),
        };
        match findings::list(&state.db, &a.actor, &filter).await {
            Ok(r) => match views(&state.db, r).await {
                Ok(v) => v,
                Err(e) => return internal(&a, e),
            },
            Err(e) => return internal(&a, e),
        }
    };
    let accounts = match query::list(&state.db, &a.actor, &AccountFilter::default()).await {
        Ok(list) => list,
        Err(e) => return internal(&a, e),
    };
    let status_code = status.as_deref().unwrap_or("all");
    let mut statuses: Vec<Opt> = STATUSES
        .iter()
        .map(|(c, l)| Opt {
            value: (*c).to_string(),
            label: (*l).to_string(),
            selected: *c == status_code,
        })
        .collect();
    statuses.push(Opt {
        value: "all".into(),
        label: "全部".into(),
        selected: status_code == "all",
    });
    render(
        StatusCode::OK,
        &FindingsPage {
            user: Some(UserBar::of(&a)),
            notice: None,
            error: None,
            rule: q.rule.clone(),
            accounts: accounts
                .into_iter()
                .map(|acc| Opt {
                    selected: Some(acc.id) == account,
                    value: acc.id.to_string(),
                    label: format!("{}（{}）", acc.name, acc.platform_label),
                })
                .collect(),
            statuses,
            categories: CATEGORIES
                .iter()
                .map(|c| Opt {
                    value: (*c).to_string(),
                    label: category_label(c).to_string(),
                    selected: category.as_deref() == Some(*c),
                })
                .collect(),
            rows: rows.into_iter().map(FindingRow::from).collect(),
            show_account: true,
            limit: PAGE_LIMIT as usize,
        },
    )
}
