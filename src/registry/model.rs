//! Registry vocabulary: platforms, statuses, lifecycle actions and the state machine.

use serde::{Deserialize, Serialize};

/// Where an account lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// A government website (政府网站).
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
    /// Anything else.
    Other,
}

impl Platform {
    /// Every platform, in display order.
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

    /// The stable code stored in the database and used by the API.
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

    /// The Chinese name shown in pages.
    pub fn label(self) -> &'static str {
        match self {
            Platform::Website => "政府网站",
            Platform::Wechat => "微信",
            Platform::Weibo => "微博",
            Platform::Douyin => "抖音",
            Platform::Toutiao => "今日头条",
            Platform::Kuaishou => "快手",
            Platform::Bilibili => "哔哩哔哩",
            Platform::Xiaohongshu => "小红书",
            Platform::Other => "其他",
        }
    }

    /// Parses a code or a common Chinese name (as typed in a spreadsheet).
    pub fn parse(s: &str) -> Option<Platform> {
        let t = s.trim().to_lowercase();
        Some(match t.as_str() {
            "website" | "web" | "site" | "网站" | "政府网站" | "门户网站" => {
                Platform::Website
            }
            "wechat" | "weixin" | "微信" | "微信公众号" | "公众号" => Platform::Wechat,
            "weibo" | "微博" | "新浪微博" => Platform::Weibo,
            "douyin" | "抖音" => Platform::Douyin,
            "toutiao" | "头条" | "今日头条" | "头条号" => Platform::Toutiao,
            "kuaishou" | "快手" => Platform::Kuaishou,
            "bilibili" | "b站" | "哔哩哔哩" => Platform::Bilibili,
            "xiaohongshu" | "小红书" => Platform::Xiaohongshu,
            "other" | "其他" | "其它" => Platform::Other,
            _ => return None,
        })
    }
}

/// An account's lifecycle status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Operating (运行中).
    Active,
    /// Temporarily suspended (已暂停).
    Suspended,
    /// Closure announced, no longer updated (已关停).
    Closed,
    /// Merged into another account (已整合).
    Merged,
    /// Deregistered on the platform; terminal (已注销).
    Deregistered,
}

impl Status {
    /// Every status, in display order.
    pub const ALL: [Status; 5] = [
        Status::Active,
        Status::Suspended,
        Status::Closed,
        Status::Merged,
        Status::Deregistered,
    ];

    /// The stable code.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Suspended => "suspended",
            Status::Closed => "closed",
            Status::Merged => "merged",
            Status::Deregistered => "deregistered",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Status::Active => "运行中",
            Status::Suspended => "已暂停",
            Status::Closed => "已关停",
            Status::Merged => "已整合",
            Status::Deregistered => "已注销",
        }
    }

    /// Parses a stable code.
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }

    /// Live accounts are the ones that may not share platform and handle.
    pub fn is_live(self) -> bool {
        matches!(self, Status::Active | Status::Suspended)
    }
}

/// A lifecycle action on an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Open an account (开设).
    Register,
    /// Change its fields (变更).
    Update,
    /// Move it to another department (划转).
    Transfer,
    /// Suspend it (暂停).
    Suspend,
    /// Resume a suspended account (恢复).
    Resume,
    /// Announce closure (停更公告 → 关停).
    Close,
    /// Merge into a main account (整合).
    Merge,
    /// Deregister (注销), terminal.
    Deregister,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 8] = [
        Action::Register,
        Action::Update,
        Action::Transfer,
        Action::Suspend,
        Action::Resume,
        Action::Close,
        Action::Merge,
        Action::Deregister,
    ];

    /// The stable code (also the ledger action suffix: `account.<code>`).
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Register => "register",
            Action::Update => "update",
            Action::Transfer => "transfer",
            Action::Suspend => "suspend",
            Action::Resume => "resume",
            Action::Close => "close",
            Action::Merge => "merge",
            Action::Deregister => "deregister",
        }
    }

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Action::Register => "开设",
            Action::Update => "变更",
            Action::Transfer => "划转",
            Action::Suspend => "暂停",
            Action::Resume => "恢复",
            Action::Close => "关停",
            Action::Merge => "整合",
            Action::Deregister => "注销",
        }
    }

    /// The Chinese name of a ledger action code such as `account.close`.
    pub fn label_of_ledger_action(code: &str) -> &str {
        code.strip_prefix("account.")
            .and_then(|a| Action::ALL.into_iter().find(|x| x.as_str() == a))
            .map_or(code, |a| a.label())
    }
}

/// The lifecycle state machine: the status after `action`, or `None` if it is not allowed.
/// `Register` has no "from"; it always yields `Active`.
pub fn next_status(from: Status, action: Action) -> Option<Status> {
    use Action as A;
    use Status as S;
    match (from, action) {
        (_, A::Register) => None,
        (S::Active | S::Suspended | S::Closed, A::Update | A::Transfer) => Some(from),
        (S::Active, A::Suspend) => Some(S::Suspended),
        (S::Suspended, A::Resume) => Some(S::Active),
        (S::Active | S::Suspended, A::Close) => Some(S::Closed),
        (S::Active | S::Suspended | S::Closed, A::Merge) => Some(S::Merged),
        (S::Closed | S::Merged, A::Deregister) => Some(S::Deregistered),
        _ => None,
    }
}

/// Why `action` is refused in `from`, in Chinese, for the UI.
pub fn refusal_message(from: Status, action: Action) -> String {
    let hint = match (from, action) {
        (Status::Deregistered, _) => "已注销的账号不能再做任何操作",
        (Status::Merged, _) => "已整合的账号只能注销",
        (_, Action::Resume) => "只有已暂停的账号可以恢复",
        (_, Action::Suspend) => "只有运行中的账号可以暂停",
        (_, Action::Deregister) => "须先发布停更公告（关停）或整合后方可注销",
        (Status::Closed, Action::Close) => "账号已关停",
        _ => "当前状态不允许此操作",
    };
    format!(
        "账号当前状态为「{}」，不能执行「{}」：{hint}",
        from.label(),
        action.label()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_codes_and_chinese_names_parse() {
        for p in Platform::ALL {
            assert_eq!(Platform::parse(p.as_str()), Some(p));
            assert_eq!(Platform::parse(p.label()), Some(p), "{}", p.label());
        }
        assert_eq!(Platform::parse("  微信公众号 "), Some(Platform::Wechat));
        assert_eq!(Platform::parse("myspace"), None);
    }

    #[test]
    fn deregistered_is_terminal() {
        for a in Action::ALL {
            assert_eq!(next_status(Status::Deregistered, a), None, "{a:?}");
        }
    }
}
