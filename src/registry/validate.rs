//! Field validation shared by the API, the pages and the importer (parse, don't validate:
//! each function returns the cleaned value).

use super::error::RegistryError;
use super::model::Platform;

/// A cleaned, required text of at most `max` characters.
pub fn required_text(
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> Result<String, RegistryError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(RegistryError::invalid(field, format!("{label}不能为空")));
    }
    if v.chars().count() > max {
        return Err(RegistryError::invalid(
            field,
            format!("{label}不能超过 {max} 个字符"),
        ));
    }
    if v.chars().any(|c| c.is_control() && c != '\n') {
        return Err(RegistryError::invalid(
            field,
            format!("{label}含有控制字符"),
        ));
    }
    Ok(v.to_string())
}

/// An optional text: empty means none.
pub fn optional_text(
    field: &'static str,
    label: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, RegistryError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => required_text(field, label, v, max).map(Some),
        None => Ok(None),
    }
}

/// A reason, required for every lifecycle action.
pub fn reason(value: &str) -> Result<String, RegistryError> {
    required_text("reason", "事由", value, 2000)
}

/// An absolute http(s) URL with a host.
pub fn http_url(field: &'static str, value: &str) -> Result<String, RegistryError> {
    let v = value.trim();
    let parsed = url::Url::parse(v).map_err(|e| {
        RegistryError::invalid(
            field,
            format!("网址 {v:?} 无法解析（应为以 http:// 或 https:// 开头的完整网址）: {e}"),
        )
    })?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(RegistryError::invalid(
            field,
            format!("网址 {v:?} 须以 http:// 或 https:// 开头"),
        ));
    }
    if v.len() > 2048 {
        return Err(RegistryError::invalid(field, "网址过长"));
    }
    Ok(parsed.to_string())
}

/// The identity key of an account: the handle (lower-cased, without a leading `@`), or for
/// accounts without a handle the URL with scheme and host lower-cased and no trailing slash.
pub fn identity_key(
    platform: Platform,
    handle: Option<&str>,
    url: Option<&str>,
) -> Result<String, RegistryError> {
    if let Some(h) = handle.map(str::trim).filter(|h| !h.is_empty()) {
        return Ok(h.trim_start_matches('@').to_lowercase());
    }
    match url {
        Some(u) => {
            let parsed =
                url::Url::parse(u).map_err(|e| RegistryError::invalid("url", e.to_string()))?;
            let host = parsed.host_str().unwrap_or_default().to_lowercase();
            let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
            let path = parsed.path().trim_end_matches('/');
            let query = parsed.query().map(|q| format!("?{q}")).unwrap_or_default();
            Ok(format!("{host}{port}{path}{query}"))
        }
        None if platform == Platform::Website => {
            Err(RegistryError::invalid("url", "网站必须填写网址"))
        }
        None => Err(RegistryError::invalid(
            "handle",
            "新媒体账号须填写账号标识（handle）或订阅源网址",
        )),
    }
}

/// A 5- or 6-field cron line (minute hour day month weekday, optionally seconds first).
pub fn cron(value: Option<&str>) -> Result<Option<String>, RegistryError> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    let fields = v.split_whitespace().count();
    if !(5..=6).contains(&fields) {
        return Err(RegistryError::invalid(
            "crawl_cron",
            format!("抓取计划 {v:?} 应为 5 段 cron 表达式，例如 \"0 3 * * *\"（每天 3 点）"),
        ));
    }
    Ok(Some(v.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_keys() {
        assert_eq!(
            identity_key(Platform::Weibo, Some(" @QingdaoFabu "), None).unwrap(),
            "qingdaofabu"
        );
        assert_eq!(
            identity_key(Platform::Website, None, Some("HTTP://WWW.Qingdao.gov.cn/")).unwrap(),
            "www.qingdao.gov.cn"
        );
        assert!(identity_key(Platform::Website, None, None).is_err());
        assert!(identity_key(Platform::Wechat, Some("  "), None).is_err());
    }

    #[test]
    fn urls_must_be_http() {
        assert!(http_url("url", "javascript:alert(1)").is_err());
        assert!(http_url("url", "ftp://x.gov.cn").is_err());
        assert!(http_url("url", "qingdao.gov.cn").is_err());
        assert_eq!(
            http_url("url", " https://www.qingdao.gov.cn ").unwrap(),
            "https://www.qingdao.gov.cn/"
        );
    }
}
