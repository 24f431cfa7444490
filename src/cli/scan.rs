//! `govwatch scan PATH...`: the same text rules on local files before they are published.
//! Owners check a 公示 list on their own machine: no database, no network.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Serialize;

use crate::rules::{
    DictEntry, Hit, PackSource, RuleFilter, RuleOverride, RuleOverrides, RuleSet, ValueHasher,
};

/// Options of `govwatch scan`.
#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or folders (html, htm, txt, md, pdf, docx, doc, xlsx, xls, et, csv, zip).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: super::Format,
    /// Only rules with these id prefixes, comma-separated (e.g. `pii` or `pii,error.misused_word`).
    #[arg(long)]
    pub rules: Option<String>,
    /// The office's own misused-word list: one `wrong<TAB>right` per line.
    #[arg(long)]
    pub dictionary: Option<PathBuf>,
}

/// One finding in a file.
#[derive(Debug, Serialize)]
pub struct ScanFinding {
    /// The file.
    pub file: String,
    /// Where in it: sheet and cell, page, paragraph, or line.
    pub location: String,
    /// The hit (masked; never the raw value).
    #[serde(flatten)]
    pub hit: Hit,
}

const EXTENSIONS: &[&str] = &[
    "html", "htm", "txt", "md", "pdf", "docx", "doc", "wps", "xlsx", "xls", "et", "ods", "csv",
    "zip",
];

fn collect(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<_> = std::fs::read_dir(path)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                collect(&p, out)?;
            } else if p
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| EXTENSIONS.contains(&e.to_lowercase().as_str()))
            {
                out.push(p);
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// Reads a `wrong<TAB>right` list into dictionary entries.
pub fn read_dictionary(path: &Path) -> anyhow::Result<Vec<DictEntry>> {
    let f =
        std::fs::File::open(path).with_context(|| format!("无法打开词典 {}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(f).lines().enumerate() {
        let line =
            line.with_context(|| format!("{} 第 {} 行不是 UTF-8 文本", path.display(), i + 1))?;
        let line = line.trim_start_matches('\u{feff}');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((wrong, right)) = line.split_once('\t') else {
            anyhow::bail!(
                "{} 第 {} 行应为「错误写法<Tab>正确写法」",
                path.display(),
                i + 1
            );
        };
        out.push(DictEntry {
            wrong: wrong.trim().to_string(),
            right: right.trim().to_string(),
            exceptions: Vec::new(),
            effective_from: None,
            effective_to: None,
            note: Some("office dictionary".into()),
        });
    }
    Ok(out)
}

/// Line and column (1-based, in characters) of a byte offset, for plain-text locations.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Runs `govwatch scan`; exit 1 when any veto or personal-information finding, 2 when a
/// file could not be checked.
pub fn run(args: ScanArgs) -> anyhow::Result<i32> {
    let mut overrides = RuleOverrides::default();
    if let Some(d) = &args.dictionary {
        let entries = read_dictionary(d)?;
        overrides.rules.insert(
            "error.misused_word".into(),
            RuleOverride {
                add_entries: entries,
                ..Default::default()
            },
        );
    }
    let rules = RuleSet::compile(&PackSource::defaults(), &overrides, crate::time::today())
        .context("规则编译失败")?;
    let filter = args
        .rules
        .as_deref()
        .map_or_else(RuleFilter::all, RuleFilter::parse);
    // Hashes only matter for fingerprints in the database; a fresh key each run is fine here.
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rng(), &mut key);
    let hasher = ValueHasher::new(&key)?;
    let mut files = Vec::new();
    for p in &args.paths {
        collect(p, &mut files).with_context(|| format!("无法读取 {}", p.display()))?;
    }
    let limits = govwatch_crawlers::ExtractLimits::default();
    let mut findings = Vec::new();
    let mut unchecked = 0;
    for file in &files {
        let name = file.display().to_string();
        match govwatch_crawlers::extract_file(file, &limits) {
            Ok(extracted) => {
                let segments = &extracted.segments;
                for (location, hit) in
                    crate::findings::segments::scan_segments(&rules, &hasher, &filter, segments)
                {
                    let seg_text = segments
                        .iter()
                        .find(|s| s.location == location)
                        .map(|s| s.text.as_str())
                        .unwrap_or_default();
                    let location = if seg_text.contains('\n') && !location.contains('!') {
                        let (l, c) = line_col(seg_text, hit.span.start);
                        if location.is_empty() {
                            format!("{l}:{c}")
                        } else {
                            format!("{location}:{l}:{c}")
                        }
                    } else {
                        location
                    };
                    findings.push(ScanFinding {
                        file: name.clone(),
                        location,
                        hit,
                    });
                }
            }
            Err(e) => {
                unchecked += 1;
                eprintln!("{name}: 未能检查: {e}");
            }
        }
    }
    match args.format {
        super::Format::Json => println!("{}", serde_json::to_string_pretty(&findings)?),
        super::Format::Table => {
            for f in &findings {
                let mut line = format!(
                    "{}:{} {} {}",
                    f.file, f.location, f.hit.rule_id, f.hit.message
                );
                if let Some(s) = f
                    .hit
                    .suggestion
                    .as_deref()
                    .filter(|s| !f.hit.message.contains(s))
                {
                    line.push_str(&format!("（应为「{s}」）"));
                }
                if !f.hit.excerpt.is_empty() {
                    line.push_str(&format!(" …{}…", f.hit.excerpt));
                }
                println!("{line}");
            }
            eprintln!(
                "检查了 {} 个文件，发现 {} 处问题{}",
                files.len() - unchecked,
                findings.len(),
                if unchecked > 0 {
                    format!("，{unchecked} 个文件未能检查")
                } else {
                    String::new()
                }
            );
        }
    }
    let serious = findings
        .iter()
        .any(|f| f.hit.category.as_str() == "pii" || f.hit.severity.as_str() == "veto");
    Ok(if unchecked > 0 {
        2
    } else if serious {
        1
    } else {
        0
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_count_characters() {
        assert_eq!(line_col("第一行\n第二行有错", 10 + 3 + 3), (2, 3));
        assert_eq!(line_col("abc", 0), (1, 1));
    }
}
