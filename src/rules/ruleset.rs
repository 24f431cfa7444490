//! Compiling packs plus overrides into a [`RuleSet`].

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::dict::{DictEngine, DictMatcher};
use super::error::RulesError;
use super::model::{Category, DictEntry, RuleKind, RuleMeta, Severity};
use super::overrides::{RuleOverride, RuleOverrides};
use super::pack::{self, PackSource, RuleSpec};
use super::params::{
    ActivityParams, AddressParams, AvailabilityParams, BankCardParams, BlankParams, ColumnParams,
    HomepageParams, LinkParams, MobileParams, ResidentIdParams, ScoreParams, resolve, toml_to_json,
};
use super::pii::address::AddressDetector;

/// Tuning knobs that are not rules: which dictionary engine to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompileOptions {
    /// Dictionary matching engine.
    pub dict_engine: DictEngine,
    /// Prefilter for the Aho-Corasick engines.
    pub ac_prefilter: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            dict_engine: DictEngine::default(),
            ac_prefilter: true,
        }
    }
}

/// One dictionary entry ready for matching.
#[derive(Debug, Clone)]
pub(crate) struct CompiledEntry {
    pub rule: usize,
    pub wrong: String,
    pub right: String,
    /// Exceptions with the byte offset of `wrong` inside each.
    pub exceptions: Vec<(usize, String)>,
    pub note: Option<String>,
    /// Effective window, checked again against a text's publication date.
    pub effective_from: Option<NaiveDate>,
    pub effective_to: Option<NaiveDate>,
}

/// All dictionary rules in one automaton.
#[derive(Debug, Clone)]
pub(crate) struct Dictionaries {
    pub matcher: DictMatcher,
    /// Entries of each pattern (the same wrong form may be in several rules).
    pub by_pattern: Vec<Vec<CompiledEntry>>,
    /// The entries in force, as written (rule index, entry), for listing.
    pub in_force: Vec<(usize, DictEntry)>,
}

/// A compiled rule with its typed parameters.
#[derive(Debug, Clone)]
pub(crate) struct Compiled<P> {
    pub rule: usize,
    pub p: P,
}

/// The compiled judges' parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Judges {
    pub links: Option<Compiled<LinkParams>>,
    pub availability: Option<Compiled<AvailabilityParams>>,
    pub homepage: Option<Compiled<HomepageParams>>,
    pub columns: Option<Compiled<ColumnParams>>,
    pub blank: Option<Compiled<BlankParams>>,
    pub activity: Option<Compiled<ActivityParams>>,
    pub source: Option<usize>,
    pub score: Option<Compiled<ScoreParams>>,
}

/// The rules in force on one day: packs plus the office's overrides, compiled.
///
/// Build it with [`RuleSet::compile`], share it (it is `Send + Sync`), and rebuild
/// it when overrides change or the day changes (dictionary entries have effective
/// dates and birth dates are checked against `as_of`).
#[derive(Debug, Clone)]
pub struct RuleSet {
    pub(crate) as_of: NaiveDate,
    pub(crate) rules: Vec<RuleMeta>,
    pub(crate) resident: Option<Compiled<ResidentIdParams>>,
    pub(crate) mobile: Option<Compiled<MobileParams>>,
    pub(crate) card: Option<Compiled<BankCardParams>>,
    pub(crate) address: Option<Compiled<AddressDetector>>,
    pub(crate) dict: Option<Dictionaries>,
    pub(crate) judges: Judges,
}

fn is_text_kind(k: RuleKind) -> bool {
    matches!(
        k,
        RuleKind::ResidentId
            | RuleKind::Mobile
            | RuleKind::BankCard
            | RuleKind::Address
            | RuleKind::Dictionary
    )
}

impl RuleSet {
    /// Compiles `sources` (usually [`PackSource::defaults`]) with the office's
    /// `overrides` for the day `as_of`.
    pub fn compile(
        sources: &[PackSource],
        overrides: &RuleOverrides,
        as_of: NaiveDate,
    ) -> Result<RuleSet, RulesError> {
        RuleSet::compile_with(sources, overrides, as_of, CompileOptions::default())
    }

    /// [`RuleSet::compile`] with a choice of dictionary engine (for benchmarks).
    pub fn compile_with(
        sources: &[PackSource],
        overrides: &RuleOverrides,
        as_of: NaiveDate,
        options: CompileOptions,
    ) -> Result<RuleSet, RulesError> {
        let loaded = pack::load(sources)?;
        check_specs(&loaded.rules)?;
        let ids: HashSet<&str> = loaded.rules.iter().map(|r| r.id.as_str()).collect();
        for id in overrides
            .disabled_rules
            .iter()
            .chain(overrides.rules.keys())
        {
            if !ids.contains(id.as_str()) {
                return Err(RulesError::UnknownRule { rule: id.clone() });
            }
        }
        let disabled: HashSet<&str> = overrides
            .disabled_rules
            .iter()
            .map(String::as_str)
            .collect();
        let empty = RuleOverride::default();
        let mut set = RuleSet {
            as_of,
            rules: Vec::new(),
            resident: None,
            mobile: None,
            card: None,
            address: None,
            dict: None,
            judges: Judges::default(),
        };
        let mut dict_entries: Vec<CompiledEntry> = Vec::new();
        let mut in_force: Vec<(usize, DictEntry)> = Vec::new();
        for spec in &loaded.rules {
            if disabled.contains(spec.id.as_str()) {
                continue;
            }
            let o = overrides.rules.get(&spec.id).unwrap_or(&empty);
            let meta = apply_meta(spec, o)?;
            let idx = set.rules.len();
            let base = toml_to_json(&spec.id, &spec.params)?;
            let po: Map<String, Value> = o.params.clone().into_iter().collect();
            let id = spec.id.as_str();
            if spec.kind != RuleKind::Dictionary
                && (!o.add_entries.is_empty()
                    || !o.disable_entries.is_empty()
                    || !o.add_exceptions.is_empty())
            {
                return Err(RulesError::NotADictionary {
                    rule: spec.id.clone(),
                });
            }
            match spec.kind {
                RuleKind::ResidentId => {
                    set.resident = Some(Compiled {
                        rule: idx,
                        p: resolve(id, &base, &po)?,
                    })
                }
                RuleKind::Mobile => {
                    set.mobile = Some(Compiled {
                        rule: idx,
                        p: resolve(id, &base, &po)?,
                    })
                }
                RuleKind::BankCard => {
                    set.card = Some(Compiled {
                        rule: idx,
                        p: resolve(id, &base, &po)?,
                    })
                }
                RuleKind::Address => {
                    let p: AddressParams = resolve(id, &base, &po)?;
                    set.address = Some(Compiled {
                        rule: idx,
                        p: address_detector(id, p, &loaded.lists)?,
                    });
                }
                RuleKind::Dictionary => {
                    if !po.is_empty() {
                        let k = po.keys().next().cloned().unwrap_or_default();
                        return Err(RulesError::UnknownParam {
                            rule: spec.id.clone(),
                            param: k,
                        });
                    }
                    for e in dictionary_entries(spec, o)? {
                        if e.in_effect(as_of) {
                            in_force.push((idx, e.clone()));
                            dict_entries.push(compile_entry(idx, e));
                        }
                    }
                }
                RuleKind::BrokenLinks => {
                    set.judges.links = Some(Compiled {
                        rule: idx,
                        p: resolve(id, &base, &po)?,
                    })
                }
                RuleKind::Availability => {
                    set.judges.availability = Some(Compiled {
                        rule: idx,
                        p: resolve(id, &base, &po)?,
                    })
                }
                RuleKind::HomepageFreshness => {
                    set.judges.homepage = Some(Compiled {
                        rule: idx,
                        p: resolve(id, &base, &po)?,
                    })
                }
                RuleKind::ColumnFreshness => {
                    set.judges.columns = Some(Compiled {
                        rule: idx,
                        p: resolve(id, &base, &po)?,
                    })
                }
                RuleKind::BlankColumns => {
                    set.judges.blank = Some(Compiled {
                        rule: idx,
                        p: resolve(id, &base, &po)?,
                    })
                }
                RuleKind::AccountActivity => {
                    set.judges.activity = Some(Compiled {
                        rule: idx,
                        p: resolve(id, &base, &po)?,
                    })
                }
                RuleKind::SourceStatus => {
                    if let Some(k) = po.keys().next() {
                        return Err(RulesError::UnknownParam {
                            rule: spec.id.clone(),
                            param: k.clone(),
                        });
                    }
                    set.judges.source = Some(idx);
                }
                RuleKind::Score => {
                    set.judges.score = Some(Compiled {
                        rule: idx,
                        p: resolve(id, &base, &po)?,
                    })
                }
            }
            set.rules.push(meta);
        }
        if !dict_entries.is_empty() {
            let mut d = build_dictionaries(dict_entries, options)?;
            d.in_force = in_force;
            set.dict = Some(d);
        }
        Ok(set)
    }

    /// The day the rule set was compiled for.
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// The enabled rules, in pack order.
    pub fn rules(&self) -> &[RuleMeta] {
        &self.rules
    }

    /// The enabled rule with this id.
    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The dictionary entries of `rule_id` in force on `as_of` (packs plus
    /// overrides, minus disabled entries), e.g. to show the office its word list.
    pub fn dictionary_entries(&self, rule_id: &str) -> Vec<&DictEntry> {
        let Some(d) = &self.dict else {
            return Vec::new();
        };
        d.in_force
            .iter()
            .filter(|(r, _)| self.rules[*r].id == rule_id)
            .map(|(_, e)| e)
            .collect()
    }

    /// Number of dictionary entries in force (all dictionary rules).
    pub fn dictionary_len(&self) -> usize {
        self.dict
            .as_ref()
            .map_or(0, |d| d.by_pattern.iter().map(Vec::len).sum())
    }
}

/// Pack-level consistency: unique ids, id prefix = category, one rule per code kind,
/// and points that match the severity.
fn check_specs(specs: &[RuleSpec]) -> Result<(), RulesError> {
    let mut seen = HashSet::new();
    let mut kinds = HashMap::new();
    for s in specs {
        if !seen.insert(s.id.as_str()) {
            return Err(RulesError::DuplicateRule { id: s.id.clone() });
        }
        let invalid = |reason: String| RulesError::InvalidRule {
            rule: s.id.clone(),
            reason,
        };
        let prefix = format!("{}.", s.category.as_str());
        if !s.id.starts_with(&prefix) || s.id.len() == prefix.len() {
            return Err(invalid(format!("规则 id 应以“{prefix}”开头")));
        }
        if s.kind != RuleKind::Dictionary
            && let Some(other) = kinds.insert(s.kind, s.id.as_str())
        {
            return Err(invalid(format!(
                "与规则 {other} 的类型相同，该类型只能有一条规则"
            )));
        }
        if s.kind != RuleKind::Dictionary && (!s.entries.is_empty()) {
            return Err(invalid("只有词典规则可以有词条".into()));
        }
        if s.category == Category::Pii
            && !matches!(
                s.kind,
                RuleKind::ResidentId | RuleKind::Mobile | RuleKind::BankCard | RuleKind::Address
            )
        {
            return Err(invalid("pii 类规则只能是个人信息检测器".into()));
        }
        if is_text_kind(s.kind) {
            check_points(&s.id, s.severity, s.points)?;
        }
    }
    Ok(())
}

fn check_points(rule: &str, severity: Severity, points: f64) -> Result<(), RulesError> {
    if !points.is_finite() || points < 0.0 {
        return Err(RulesError::InvalidParam {
            rule: rule.into(),
            param: "points".into(),
            reason: "应为非负数".into(),
        });
    }
    if severity == Severity::Deduct && points == 0.0 {
        return Err(RulesError::InvalidParam {
            rule: rule.into(),
            param: "points".into(),
            reason: "扣分规则需要正的分值".into(),
        });
    }
    Ok(())
}

fn apply_meta(spec: &RuleSpec, o: &RuleOverride) -> Result<RuleMeta, RulesError> {
    let text = is_text_kind(spec.kind);
    if !text && o.severity.is_some() {
        return Err(RulesError::NotOverridable {
            rule: spec.id.clone(),
            field: "严重程度".into(),
        });
    }
    if !text && o.points.is_some() {
        return Err(RulesError::NotOverridable {
            rule: spec.id.clone(),
            field: "扣分".into(),
        });
    }
    let severity = o.severity.unwrap_or(spec.severity);
    let points = match (severity, o.points) {
        (_, Some(p)) => p,
        (Severity::Deduct, None) => spec.points,
        (_, None) if text => 0.0,
        _ => spec.points,
    };
    if text {
        check_points(&spec.id, severity, points)?;
    }
    Ok(RuleMeta {
        id: spec.id.clone(),
        kind: spec.kind,
        category: spec.category,
        severity,
        points,
        needs_confirmation: o.needs_confirmation.unwrap_or(spec.needs_confirmation),
        title: spec.title.clone(),
        message: spec.message.clone(),
    })
}

/// Checks one entry; `rule` names it in errors.
fn check_entry(rule: &str, e: &DictEntry) -> Result<(), RulesError> {
    let bad = |reason: &str| RulesError::InvalidEntry {
        rule: rule.into(),
        wrong: e.wrong.clone(),
        reason: reason.into(),
    };
    if e.wrong.chars().count() < 2 {
        return Err(bad("错误写法至少两个字"));
    }
    if e.right.trim().is_empty() {
        return Err(bad("缺少正确写法"));
    }
    if e.wrong == e.right {
        return Err(bad("错误写法与正确写法相同"));
    }
    if e.wrong.contains(['\n', '\t', '\r']) {
        return Err(bad("不能包含换行或制表符"));
    }
    if let (Some(f), Some(t)) = (e.effective_from, e.effective_to)
        && f > t
    {
        return Err(bad("生效日期晚于失效日期"));
    }
    if let Some(x) = e
        .exceptions
        .iter()
        .find(|x| !x.contains(e.wrong.as_str()) || **x == e.wrong)
    {
        return Err(bad(&format!("例外语境“{x}”必须是包含错误写法的更长文字")));
    }
    Ok(())
}

/// The rule's entries after the override's additions, removals and exceptions.
fn dictionary_entries(spec: &RuleSpec, o: &RuleOverride) -> Result<Vec<DictEntry>, RulesError> {
    let mut entries: Vec<DictEntry> = Vec::with_capacity(spec.entries.len() + o.add_entries.len());
    let mut index: HashMap<String, usize> = HashMap::new();
    for e in spec.entries.iter().chain(&o.add_entries) {
        check_entry(&spec.id, e)?;
        if index.insert(e.wrong.clone(), entries.len()).is_some() {
            return Err(RulesError::InvalidEntry {
                rule: spec.id.clone(),
                wrong: e.wrong.clone(),
                reason: "词条重复".into(),
            });
        }
        entries.push(e.clone());
    }
    for (wrong, extra) in &o.add_exceptions {
        let i = *index.get(wrong).ok_or_else(|| RulesError::UnknownEntry {
            rule: spec.id.clone(),
            wrong: wrong.clone(),
        })?;
        entries[i].exceptions.extend(extra.iter().cloned());
        check_entry(&spec.id, &entries[i])?;
    }
    let mut off = vec![false; entries.len()];
    for wrong in &o.disable_entries {
        let i = *index.get(wrong).ok_or_else(|| RulesError::UnknownEntry {
            rule: spec.id.clone(),
            wrong: wrong.clone(),
        })?;
        off[i] = true;
    }
    Ok(entries
        .into_iter()
        .zip(off)
        .filter(|(_, off)| !off)
        .map(|(e, _)| e)
        .collect())
}

fn compile_entry(rule: usize, e: DictEntry) -> CompiledEntry {
    let exceptions = e
        .exceptions
        .iter()
        .flat_map(|x| {
            x.match_indices(e.wrong.as_str())
                .map(move |(off, _)| (off, x.clone()))
        })
        .collect();
    CompiledEntry {
        rule,
        wrong: e.wrong,
        right: e.right,
        exceptions,
        note: e.note,
        effective_from: e.effective_from,
        effective_to: e.effective_to,
    }
}

fn build_dictionaries(
    entries: Vec<CompiledEntry>,
    options: CompileOptions,
) -> Result<Dictionaries, RulesError> {
    let mut patterns: Vec<String> = Vec::new();
    let mut by_pattern: Vec<Vec<CompiledEntry>> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for e in entries {
        let i = *index.entry(e.wrong.clone()).or_insert_with(|| {
            patterns.push(e.wrong.clone());
            by_pattern.push(Vec::new());
            patterns.len() - 1
        });
        by_pattern[i].push(e);
    }
    let matcher = DictMatcher::build(&patterns, options.dict_engine, options.ac_prefilter)?;
    Ok(Dictionaries {
        matcher,
        by_pattern,
        in_force: Vec::new(),
    })
}

fn address_detector(
    rule: &str,
    p: AddressParams,
    lists: &toml::Table,
) -> Result<AddressDetector, RulesError> {
    let missing = |name: &str| RulesError::InvalidRule {
        rule: rule.into(),
        reason: format!("缺少共享词表 lists.{name}"),
    };
    let surnames = lists
        .get("surnames")
        .and_then(|v| v.as_str())
        .ok_or_else(|| missing("surnames"))?;
    let strings = |name: &str| -> Result<Vec<String>, RulesError> {
        let arr = lists
            .get(name)
            .and_then(|v| v.as_array())
            .ok_or_else(|| missing(name))?;
        Ok(arr
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect())
    };
    Ok(AddressDetector::new(
        p,
        surnames,
        strings("compound_surnames")?,
        strings("name_stopwords")?,
    ))
}
