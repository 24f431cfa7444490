//! `govwatch accounts import FILE`: CSV, XLSX or JSON, all or nothing.
//!
//! Columns `name, platform, department, url` and optional `handle, operator, contact`
//! (Chinese headers such as 账号名称/平台/主办单位/网址 are accepted too). Every row is checked
//! first; if any row is bad, nothing is written and every bad row is reported with its row
//! number (spreadsheet rows count the header as row 1; JSON counts elements from 1).
//! Departments named in the file are found by code or name, or created (`市政府/市教育局`
//! creates the path).

use std::collections::HashMap;
use std::path::Path;

use calamine::{Data, Reader};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use serde::Serialize;

use super::accounts::{self, AccountInput, Contact};
use super::departments;
use super::error::RegistryError;
use super::model::{Platform, Status};
use super::validate;
use crate::auth::Actor;
use crate::db::entities::account;
use crate::ledger;

/// Most rows accepted in one file.
pub const MAX_ROWS: usize = 100_000;

/// A bad row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Row number as the user sees it.
    pub row: usize,
    /// Why it was refused.
    pub reason: String,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file could not be read or parsed at all.
    #[error("无法读取导入文件: {0}")]
    File(String),
    /// Some rows are invalid; nothing was written.
    #[error("{} 行有误，未导入任何数据", .0.len())]
    Rows(Vec<RowError>),
    /// A registry error while writing (the transaction was rolled back).
    #[error(transparent)]
    Registry(#[from] RegistryError),
}

/// One row as read from the file.
#[derive(Debug, Clone, Default)]
struct RawRow {
    row: usize,
    fields: HashMap<&'static str, String>,
}

/// A validated row.
#[derive(Debug, Clone)]
struct ValidRow {
    row: usize,
    platform: Platform,
    name: String,
    department: String,
    url: Option<String>,
    handle: Option<String>,
    operator: Option<String>,
    contact: Option<Contact>,
    key: String,
}

/// Maps a header cell to a canonical column name.
fn column_of(header: &str) -> Option<&'static str> {
    let h = header.trim().trim_start_matches('\u{feff}').to_lowercase();
    Some(match h.as_str() {
        "name" | "名称" | "账号名称" | "网站名称" | "账号" => "name",
        "platform" | "平台" | "类型" | "平台类型" => "platform",
        "department" | "单位" | "主办单位" | "所属单位" | "开办主体" => "department",
        "url" | "网址" | "地址" | "链接" | "订阅源" => "url",
        "handle" | "账号标识" | "账号id" | "id" | "平台账号" => "handle",
        "operator" | "运维单位" | "运营单位" => "operator",
        "contact" | "联系人" | "联系方式" => "contact",
        _ => return None,
    })
}

/// Reads the file into raw rows.
fn read_rows(path: &Path) -> Result<Vec<RawRow>, ImportError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .unwrap_or_default();
    match ext.as_str() {
        "csv" => read_csv(path),
        "xlsx" | "xlsm" | "xls" | "ods" => read_sheet(path),
        "json" => read_json(path),
        other => Err(ImportError::File(format!(
            "不支持的文件类型 .{other}（支持 .csv、.xlsx、.xls、.json）"
        ))),
    }
}

fn header_map(headers: &[String]) -> Result<Vec<Option<&'static str>>, ImportError> {
    let cols: Vec<Option<&'static str>> = headers.iter().map(|h| column_of(h)).collect();
    let missing: Vec<&str> = ["name", "platform", "department"]
        .into_iter()
        .filter(|c| !cols.contains(&Some(*c)))
        .collect();
    if !missing.is_empty() {
        return Err(ImportError::File(format!(
            "表头缺少必需的列: {}（表头应含 name,platform,department,url）",
            missing.join(", ")
        )));
    }
    Ok(cols)
}

fn read_csv(path: &Path) -> Result<Vec<RawRow>, ImportError> {
    let bytes =
        std::fs::read(path).map_err(|e| ImportError::File(format!("{}: {e}", path.display())))?;
    // Spreadsheets saved as CSV on Chinese Windows are usually GBK; accept both.
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_string(),
        Err(_) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(&bytes);
            if bad {
                return Err(ImportError::File("文件既不是 UTF-8 也不是 GBK 编码".into()));
            }
            t.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ImportError::File(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let cols = header_map(&headers)?;
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| ImportError::File(format!("第 {row} 行: {e}")))?;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut fields = HashMap::new();
        for (c, v) in cols.iter().zip(rec.iter()) {
            if let Some(c) = c {
                fields.insert(*c, v.to_string());
            }
        }
        rows.push(RawRow { row, fields });
        if rows.len() > MAX_ROWS {
            return Err(ImportError::File(format!("超过 {MAX_ROWS} 行，请分批导入")));
        }
    }
    Ok(rows)
}

fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        // Handles such as numeric user ids arrive as numbers: no ".0".
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        Data::Bool(b) => b.to_string(),
        other => other.to_string(),
    }
}

fn read_sheet(path: &Path) -> Result<Vec<RawRow>, ImportError> {
    let mut wb = calamine::open_workbook_auto(path)
        .map_err(|e| ImportError::File(format!("{}: {e}", path.display())))?;
    let Some(range) = wb.worksheet_range_at(0) else {
        return Err(ImportError::File("工作簿中没有工作表".into()));
    };
    let range = range.map_err(|e| ImportError::File(e.to_string()))?;
    let mut iter = range.rows();
    let Some(header) = iter.next() else {
        return Err(ImportError::File("工作表为空".into()));
    };
    let headers: Vec<String> = header.iter().map(cell_text).collect();
    let cols = header_map(&headers)?;
    // Row numbers as Excel shows them, even when the used range does not start at A1.
    let first_row = range.start().map_or(0, |(r, _)| r as usize) + 1;
    let mut rows = Vec::new();
    for (i, cells) in iter.enumerate() {
        let row = first_row + 1 + i;
        if cells.iter().all(|c| cell_text(c).trim().is_empty()) {
            continue;
        }
        let mut fields = HashMap::new();
        for (c, v) in cols.iter().zip(cells.iter()) {
            if let Some(c) = c {
                fields.insert(*c, cell_text(v));
            }
        }
        rows.push(RawRow { row, fields });
        if rows.len() > MAX_ROWS {
            return Err(ImportError::File(format!("超过 {MAX_ROWS} 行，请分批导入")));
        }
    }
    Ok(rows)
}

fn read_json(path: &Path) -> Result<Vec<RawRow>, ImportError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ImportError::File(format!("{}: {e}", path.display())))?;
    let value: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| ImportError::File(format!("JSON 格式错误: {e}")))?;
    let items = value
        .as_array()
        .ok_or_else(|| ImportError::File("JSON 应为对象数组".into()))?;
    if items.len() > MAX_ROWS {
        return Err(ImportError::File(format!("超过 {MAX_ROWS} 条，请分批导入")));
    }
    let mut rows = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let mut fields = HashMap::new();
        if let Some(obj) = item.as_object() {
            for (k, v) in obj {
                if let Some(c) = column_of(k) {
                    let s = match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    fields.insert(c, s);
                }
            }
        }
        rows.push(RawRow { row: i + 1, fields });
    }
    Ok(rows)
}

fn parse_contact(s: &str) -> Option<Contact> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    let parts: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || c == ',' || c == '，')
        .filter(|p| !p.is_empty())
        .collect();
    let looks_like_phone = |p: &str| {
        p.chars().filter(char::is_ascii_digit).count() >= 7
            && p.chars().all(|c| c.is_ascii_digit() || "-+() ".contains(c))
    };
    match parts.as_slice() {
        [name, phone] if looks_like_phone(phone) => Some(Contact {
            name: name.to_string(),
            phone: Some(phone.to_string()),
            email: None,
        }),
        _ => Some(Contact {
            name: s.to_string(),
            phone: None,
            email: None,
        }),
    }
}

fn validate_row(r: &RawRow) -> Result<ValidRow, String> {
    let get = |k: &str| r.fields.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let name = get("name").ok_or("缺少名称（name）")?;
    let platform_text = get("platform").ok_or("缺少平台（platform）")?;
    let platform = Platform::parse(platform_text).ok_or_else(|| {
        format!("平台 {platform_text:?} 无法识别（可用: website, wechat, weibo, douyin, toutiao, kuaishou, bilibili, xiaohongshu, other 或对应中文名）")
    })?;
    let department = get("department").ok_or("缺少单位（department）")?;
    let url = match get("url") {
        Some(u) => Some(validate::http_url("url", u).map_err(|e| e.to_string())?),
        None => None,
    };
    let handle = get("handle").map(str::to_string);
    let key = validate::identity_key(platform, handle.as_deref(), url.as_deref())
        .map_err(|e| e.to_string())?;
    let name = validate::required_text("name", "名称", name, 200).map_err(|e| e.to_string())?;
    Ok(ValidRow {
        row: r.row,
        platform,
        name,
        department: department.to_string(),
        url,
        handle,
        operator: get("operator").map(str::to_string),
        contact: get("contact").and_then(parse_contact),
        key,
    })
}

/// Imports accounts from `path`; returns the created accounts. All or nothing.
pub async fn import_file(
    db: &DatabaseConnection,
    actor: &Actor,
    path: &Path,
    reason: &str,
) -> Result<Vec<account::Model>, ImportError> {
    if !actor.is_office() {
        return Err(RegistryError::Forbidden("只有办公厅可以批量导入".into()).into());
    }
    let raw = read_rows(path)?;
    if raw.is_empty() {
        return Err(ImportError::File("文件中没有数据行".into()));
    }
    let mut errors = Vec::new();
    let mut valid = Vec::new();
    let mut seen: HashMap<(Platform, String), usize> = HashMap::new();
    for r in &raw {
        match validate_row(r) {
            Ok(v) => {
                if let Some(first) = seen.get(&(v.platform, v.key.clone())) {
                    errors.push(RowError {
                        row: r.row,
                        reason: format!(
                            "与第 {first} 行是同一账号（{} {}）",
                            v.platform.label(),
                            v.key
                        ),
                    });
                } else {
                    seen.insert((v.platform, v.key.clone()), r.row);
                    valid.push(v);
                }
            }
            Err(reason) => errors.push(RowError { row: r.row, reason }),
        }
    }
    // Clashes with live accounts already in the registry.
    for v in &valid {
        let existing = account::Entity::find()
            .filter(account::Column::Platform.eq(v.platform.as_str()))
            .filter(account::Column::IdentityKey.eq(&v.key))
            .filter(
                account::Column::Status
                    .is_in([Status::Active.as_str(), Status::Suspended.as_str()]),
            )
            .one(db)
            .await
            .map_err(RegistryError::from)?;
        if let Some(e) = existing {
            errors.push(RowError {
                row: v.row,
                reason: format!("台账中已有运行中的同一账号「{}」（编号 {}）", e.name, e.id),
            });
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.row);
        return Err(ImportError::Rows(errors));
    }
    let txn = db.begin().await.map_err(RegistryError::from)?;
    let mut head = ledger::lock_head(&txn).await.map_err(RegistryError::from)?;
    let mut created = Vec::with_capacity(valid.len());
    let mut dept_cache: HashMap<String, i64> = HashMap::new();
    for v in valid {
        let dept_id = match dept_cache.get(&v.department) {
            Some(id) => *id,
            None => {
                let d =
                    departments::resolve_or_create(&txn, &mut head, actor, &v.department).await?;
                dept_cache.insert(v.department.clone(), d.id);
                d.id
            }
        };
        let input = AccountInput {
            platform: v.platform,
            name: v.name,
            handle: v.handle,
            url: v.url,
            department_id: dept_id,
            operator: v.operator,
            responsible: None,
            contacts: v.contact.into_iter().collect(),
            opened_on: None,
            crawl_cron: None,
        };
        let row = v.row;
        let model = accounts::register_in(&txn, &mut head, actor, input, reason)
            .await
            .map_err(|e| match e {
                RegistryError::Invalid { .. } | RegistryError::DuplicateLive { .. } => {
                    ImportError::Rows(vec![RowError {
                        row,
                        reason: e.to_string(),
                    }])
                }
                other => ImportError::Registry(other),
            })?;
        created.push(model);
    }
    txn.commit().await.map_err(RegistryError::from)?;
    Ok(created)
}
