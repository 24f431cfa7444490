//! Rule packs: TOML files of rule definitions plus TSV/TOML dictionaries.
//!
//! The defaults live in `src/rules/packs/` and are compiled in with `include_str!`,
//! so a deployment on an offline government intranet has every rule without
//! shipping extra files. The office's run-time changes are [`RuleOverrides`]
//! (crate::rules::RuleOverrides), never edits of these files.
//!
//! A pack file holds `[[rule]]` tables:
//!
//! ```toml
//! [[rule]]
//! id = "error.misused_word"        # category.name
//! kind = "dictionary"              # which detector or judge (see RuleKind)
//! category = "error"
//! severity = "deduct"              # veto | deduct | warn
//! points = 1.0                     # for deduct
//! needs_confirmation = false       # a person confirms before it counts as a veto
//! title = "错别字"
//! message = "“{wrong}”应为“{right}”。"
//! dictionary_files = ["misused_words.tsv"]
//! [rule.params]                    # thresholds and word lists, per kind
//! ```
//!
//! Dictionaries are either TSV (`wrong<TAB>right[<TAB>exception|exception…]`, `#` comments)
//! or TOML with `[[entry]]` tables carrying the full [`DictEntry`] fields.

use serde::Deserialize;

use super::error::RulesError;
use super::model::{Category, DictEntry, RuleKind, Severity};

/// One named pack file: a rule file (`*.toml` with `[[rule]]`) or a dictionary
/// (`*.tsv`, or `*.toml` with `[[entry]]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackSource {
    /// File name, used to resolve `dictionary_files` and in error messages.
    pub name: String,
    /// File contents.
    pub text: String,
}

impl PackSource {
    /// A pack source from a name and its text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        PackSource {
            name: name.into(),
            text: text.into(),
        }
    }

    /// The built-in national packs and dictionaries.
    pub fn defaults() -> Vec<PackSource> {
        const FILES: [(&str, &str); 7] = [
            ("pii.toml", include_str!("packs/pii.toml")),
            ("errors.toml", include_str!("packs/errors.toml")),
            ("links.toml", include_str!("packs/links.toml")),
            ("freshness.toml", include_str!("packs/freshness.toml")),
            ("misused_words.tsv", include_str!("packs/misused_words.tsv")),
            (
                "serious_expressions.toml",
                include_str!("packs/serious_expressions.toml"),
            ),
            ("surnames.toml", include_str!("packs/surnames.toml")),
        ];
        FILES
            .iter()
            .map(|(name, text)| PackSource::new(*name, *text))
            .collect()
    }
}

/// A rule as written in a pack, before overrides.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleSpec {
    pub id: String,
    pub kind: RuleKind,
    pub category: Category,
    pub severity: Severity,
    #[serde(default)]
    pub points: f64,
    #[serde(default)]
    pub needs_confirmation: bool,
    pub title: String,
    pub message: String,
    #[serde(default)]
    pub params: toml::Table,
    #[serde(default)]
    pub entries: Vec<DictEntry>,
    #[serde(default)]
    pub dictionary_files: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
    #[serde(default)]
    entry: Vec<DictEntry>,
    /// Shared word lists that rules reference by file (e.g. surnames).
    #[serde(default)]
    lists: toml::Table,
}

/// Everything read from the pack sources: rules with their dictionary entries
/// resolved, and named shared lists.
#[derive(Debug, Clone, Default)]
pub(crate) struct LoadedPacks {
    pub rules: Vec<RuleSpec>,
    pub lists: toml::Table,
}

/// Parses all sources, resolves every rule's `dictionary_files` into its entries.
pub(crate) fn load(sources: &[PackSource]) -> Result<LoadedPacks, RulesError> {
    let mut loaded = LoadedPacks::default();
    for src in sources.iter().filter(|s| s.name.ends_with(".toml")) {
        let file: RuleFile = toml::from_str(&src.text).map_err(|e| RulesError::PackParse {
            pack: src.name.clone(),
            message: e.to_string(),
        })?;
        loaded.rules.extend(file.rule);
        for (k, v) in file.lists {
            loaded.lists.insert(k, v);
        }
    }
    for rule in &mut loaded.rules {
        for file in std::mem::take(&mut rule.dictionary_files) {
            let src = sources.iter().find(|s| s.name == file).ok_or_else(|| {
                RulesError::MissingDictionaryFile {
                    rule: rule.id.clone(),
                    file: file.clone(),
                }
            })?;
            rule.entries.extend(parse_dictionary(src)?);
        }
    }
    Ok(loaded)
}

/// Reads a dictionary source (TSV or TOML `[[entry]]`).
pub(crate) fn parse_dictionary(src: &PackSource) -> Result<Vec<DictEntry>, RulesError> {
    if src.name.ends_with(".toml") {
        let file: RuleFile = toml::from_str(&src.text).map_err(|e| RulesError::PackParse {
            pack: src.name.clone(),
            message: e.to_string(),
        })?;
        return Ok(file.entry);
    }
    let mut out = Vec::new();
    for (i, raw) in src.text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut cols = line.split('\t');
        let wrong = cols.next().unwrap_or_default().trim();
        let right = cols.next().map(str::trim).unwrap_or_default();
        if wrong.is_empty() || right.is_empty() {
            return Err(RulesError::DictionaryParse {
                file: src.name.clone(),
                line: i + 1,
                message: "需要“错误写法<TAB>正确写法”两列".into(),
            });
        }
        let exceptions = cols
            .next()
            .map(|c| {
                c.split('|')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        if cols.next().is_some() {
            return Err(RulesError::DictionaryParse {
                file: src.name.clone(),
                line: i + 1,
                message: "最多三列：错误写法、正确写法、例外语境".into(),
            });
        }
        out.push(DictEntry {
            wrong: wrong.to_string(),
            right: right.to_string(),
            exceptions,
            effective_from: None,
            effective_to: None,
            note: None,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_dictionary_reads_exceptions_and_reports_bad_lines() {
        let src = PackSource::new(
            "d.tsv",
            "# 注释\n按装\t安装\t按装修|按装配\n\n再接再励\t再接再厉\n",
        );
        let entries = parse_dictionary(&src).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].exceptions, vec!["按装修", "按装配"]);
        let bad = PackSource::new("d.tsv", "按装\n");
        assert_eq!(
            parse_dictionary(&bad),
            Err(RulesError::DictionaryParse {
                file: "d.tsv".into(),
                line: 1,
                message: "需要“错误写法<TAB>正确写法”两列".into()
            })
        );
    }

    #[test]
    fn missing_dictionary_file_names_the_rule() {
        let src = PackSource::new(
            "r.toml",
            r#"
[[rule]]
id = "error.x"
kind = "dictionary"
category = "error"
severity = "warn"
title = "t"
message = "m"
dictionary_files = ["nope.tsv"]
"#,
        );
        let err = load(&[src]).unwrap_err();
        assert_eq!(
            err,
            RulesError::MissingDictionaryFile {
                rule: "error.x".into(),
                file: "nope.tsv".into()
            }
        );
    }

    #[test]
    fn unknown_field_in_pack_is_a_parse_error_naming_the_pack() {
        let src = PackSource::new(
            "r.toml",
            "[[rule]]\nid = \"error.x\"\nkind = \"dictionary\"\ncategory = \"error\"\nseverity = \"warn\"\ntitle = \"t\"\nmessage = \"m\"\nsevrity = 1\n",
        );
        match load(&[src]) {
            Err(RulesError::PackParse { pack, .. }) => assert_eq!(pack, "r.toml"),
            other => panic!("expected a parse error, got {other:?}"),
        }
    }

    #[test]
    fn default_packs_all_parse() {
        let loaded = load(&PackSource::defaults()).unwrap();
        assert!(loaded.rules.len() >= 12);
        let misused = loaded
            .rules
            .iter()
            .find(|r| r.id == "error.misused_word")
            .unwrap();
        assert!(misused.entries.len() >= 300);
    }
}
