//! Platforms of the registry and how to reach each account as a feed.
//!
//! Social-media platforms offer no open API for government accounts, so accounts are read
//! through an RSSHub instance the operator runs (routes such as `/weibo/user/{uid}`), or through
//! a direct feed URL recorded for the account. Route templates are configuration because
//! RSSHub routes change between versions and WeChat has several competing ones.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use url::Url;

/// A platform, as the registry spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// A government website.
    #[default]
    Website,
    /// WeChat official account (微信公众号).
    Wechat,
    /// Weibo (微博).
    Weibo,
    /// Douyin (抖音).
    Douyin,
    /// Toutiao (今日头条).
    Toutiao,
    /// Kuaishou (快手).
    Kuaishou,
    /// Bilibili (哔哩哔哩).
    Bilibili,
    /// Xiaohongshu (小红书).
    Xiaohongshu,
    /// Anything else with a feed.
    Other,
}

impl Platform {
    /// All platforms, in registry order.
    pub const ALL: [Platform; 9] = [
        Platform::Website,
        Platform::Wechat,
        Platform::Weibo,
        Platform::Douyin,
        Platform::Toutiao,
        Platform::Kuaishou,
        Platform::Bilibili,
        Platform::Xiaohongshu,
        Platform::Other,
    ];

    /// The registry spelling (`weibo`).
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Website => "website",
            Platform::Wechat => "wechat",
            Platform::Weibo => "weibo",
            Platform::Douyin => "douyin",
            Platform::Toutiao => "toutiao",
            Platform::Kuaishou => "kuaishou",
            Platform::Bilibili => "bilibili",
            Platform::Xiaohongshu => "xiaohongshu",
            Platform::Other => "other",
        }
    }

    /// The default RSSHub route template, with `{base}` and `{handle}`.
    pub fn default_route(self) -> Option<&'static str> {
        Some(match self {
            Platform::Weibo => "{base}/weibo/user/{handle}",
            Platform::Bilibili => "{base}/bilibili/user/dynamic/{handle}",
            Platform::Douyin => "{base}/douyin/user/{handle}",
            // RSSHub's WeChat routes depend on the deployment; override in config.
            Platform::Wechat => "{base}/wechat/mp/{handle}",
            Platform::Toutiao => "{base}/toutiao/user/{handle}",
            Platform::Kuaishou => "{base}/kuaishou/user/{handle}",
            Platform::Xiaohongshu => "{base}/xiaohongshu/user/{handle}/notes",
            Platform::Website | Platform::Other => return None,
        })
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown platform name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知平台 / unknown platform: {0}")]
pub struct UnknownPlatform(pub String);

impl FromStr for Platform {
    type Err = UnknownPlatform;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        Platform::ALL
            .into_iter()
            .find(|p| p.as_str() == lower)
            .ok_or_else(|| UnknownPlatform(s.to_string()))
    }
}

/// Why no feed URL could be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RouteError {
    /// Neither a direct feed URL nor (handle + RSSHub base + route) is available.
    #[error(
        "{platform} 账号缺少订阅地址：请填写 feed URL，或配置 rsshub_base 并填写账号 ID / \
         no feed for this {platform} account: give a feed URL, or configure rsshub_base and the account handle ({missing})"
    )]
    NoFeed {
        /// The platform.
        platform: Platform,
        /// What is missing.
        missing: &'static str,
    },
    /// The template produced an invalid URL.
    #[error("订阅地址无效 / feed URL template gave an invalid URL: {0}")]
    InvalidUrl(String),
}

/// Builds the feed URL for an account: a direct URL wins; otherwise the platform's route
/// template (configured, else default) filled with the RSSHub base and the handle.
pub fn feed_url(
    platform: Platform,
    direct: Option<&Url>,
    handle: Option<&str>,
    rsshub_base: Option<&Url>,
    templates: &HashMap<Platform, String>,
) -> Result<Url, RouteError> {
    if let Some(url) = direct {
        return Ok(url.clone());
    }
    let template = templates
        .get(&platform)
        .map(String::as_str)
        .or_else(|| platform.default_route())
        .ok_or(RouteError::NoFeed {
            platform,
            missing: "no route template for this platform",
        })?;
    let handle = handle
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .ok_or(RouteError::NoFeed {
            platform,
            missing: "account handle",
        })?;
    let base = rsshub_base.ok_or(RouteError::NoFeed {
        platform,
        missing: "rsshub_base",
    })?;
    let encoded: String = url::form_urlencoded::byte_serialize(handle.as_bytes()).collect();
    let filled = template
        .replace("{base}", base.as_str().trim_end_matches('/'))
        .replace("{handle}", &encoded);
    Url::parse(&filled).map_err(|e| RouteError::InvalidUrl(format!("{filled}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_default_and_configured_routes() {
        let base = Url::parse("http://rsshub.local:1200/").expect("url");
        let mut t = HashMap::new();
        let weibo = feed_url(Platform::Weibo, None, Some("1234"), Some(&base), &t).expect("ok");
        assert_eq!(weibo.as_str(), "http://rsshub.local:1200/weibo/user/1234");
        let xhs = feed_url(Platform::Xiaohongshu, None, Some("abc"), Some(&base), &t).expect("ok");
        assert_eq!(
            xhs.as_str(),
            "http://rsshub.local:1200/xiaohongshu/user/abc/notes"
        );
        t.insert(Platform::Wechat, "{base}/wechat/ce/{handle}".to_string());
        let wx = feed_url(Platform::Wechat, None, Some("gh 1"), Some(&base), &t).expect("ok");
        assert_eq!(wx.as_str(), "http://rsshub.local:1200/wechat/ce/gh+1");
    }

    #[test]
    fn direct_url_wins_and_missing_parts_are_named() {
        let direct = Url::parse("https://x.gov.cn/rss.xml").expect("url");
        let t = HashMap::new();
        assert_eq!(
            feed_url(Platform::Weibo, Some(&direct), None, None, &t),
            Ok(direct.clone())
        );
        let err = feed_url(Platform::Weibo, None, Some("1"), None, &t).expect_err("no base");
        assert!(err.to_string().contains("rsshub_base"));
        assert!(feed_url(Platform::Other, None, Some("1"), None, &t).is_err());
        assert_eq!("WeiBo".parse::<Platform>(), Ok(Platform::Weibo));
    }
}
