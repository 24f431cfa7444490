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

/// Bytes read per chunk when streaming a plain-text file.
const CHUNK: usize = 8 << 20;

/// Streams a UTF-8 text file in chunks cut at line ends, scanning each, with hits located by
/// line (`第N行`). `None` when the file is not UTF-8 (the extractors then decode it).
fn scan_plain_text(
    path: &Path,
    rules: &RuleSet,
    hasher: &ValueHasher,
    filter: &RuleFilter,
) -> std::io::Result<Option<Vec<(String, Hit)>>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut out = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + 4096);
    let mut line_base = 1usize;
    let ctx = crate::rules::TextContext::default();
    let mut eof = false;
    while !eof {
        let start = buf.len();
        buf.resize(start + CHUNK, 0);
        let n = f.read(&mut buf[start..])?;
        buf.truncate(start + n);
        eof = n == 0;
        if buf.is_empty() {
            break;
        }
        // Scan up to the last line end; keep the rest for the next round.
        let cut = if eof {
            buf.len()
        } else {
            memchr::memrchr(b'\n', &buf).map_or(0, |i| i + 1)
        };
        if cut == 0 && !eof {
            if buf.len() > 64 * CHUNK {
                return Ok(None);
            }
            continue;
        }
        let Ok(text) = simdutf8::basic::from_utf8(&buf[..cut]) else {
            return Ok(None);
        };
        let text = if line_base == 1 {
            text.trim_start_matches('\u{feff}')
        } else {
            text
        };
        let bom = buf[..cut].len() - text.len();
        let mut hits = rules.scan_text_filtered(text, &ctx, hasher, filter);
        hits.sort_by_key(|h| h.span.start);
        let (mut line, mut pos) = (line_base, 0usize);
        for h in hits {
            line += memchr::memchr_iter(b'\n', &text.as_bytes()[pos..h.span.start]).count();
            pos = h.span.start;
            out.push((format!("第{line}行"), h));
        }
        line_base += memchr::memchr_iter(b'\n', &buf[bom..cut]).count();
        buf.drain(..cut);
    }
    Ok(Some(out))
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
        let plain = file
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| matches!(e.to_lowercase().as_str(), "txt" | "md" | "text" | "log"));
        // Plain UTF-8 text is streamed (any size); everything else, and text in other
        // encodings, goes through the extractors.
        let streamed = if plain {
            scan_plain_text(file, &rules, &hasher, &filter)
                .with_context(|| format!("无法读取 {name}"))?
        } else {
            None
        };
        let hits = match streamed {
            Some(hits) => hits,
            None => match govwatch_crawlers::extract_file(file, &limits) {
                Ok(extracted) => crate::findings::segments::scan_segments(
                    &rules,
                    &hasher,
                    &filter,
                    &extracted.segments,
                ),
                Err(e) => {
                    unchecked += 1;
                    eprintln!("{name}: 未能检查: {e}");
                    continue;
                }
            },
        };
        findings.extend(hits.into_iter().map(|(location, hit)| ScanFinding {
            file: name.clone(),
            location,
            hit,
        }));
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
    fn large_text_is_streamed_with_line_numbers_across_chunks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big.txt");
        let filler = "依法做好政府信息公开工作，接受社会监督。\n";
        let lines_before = (CHUNK / filler.len()) + 10;
        let mut text = filler.repeat(lines_before);
        text.push_str("我们要再接再励。\n");
        std::fs::write(&path, &text).unwrap();
        let rules = RuleSet::compile(
            &PackSource::defaults(),
            &RuleOverrides::default(),
            crate::time::today(),
        )
        .unwrap();
        let hasher = ValueHasher::new(&[7u8; 32]).unwrap();
        let hits = scan_plain_text(&path, &rules, &hasher, &RuleFilter::all())
            .unwrap()
            .unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].0, format!("第{}行", lines_before + 1));
        let gbk = dir.path().join("gbk.txt");
        std::fs::write(&gbk, encoding_rs::GBK.encode("再接再励").0).unwrap();
        assert!(
            scan_plain_text(&gbk, &rules, &hasher, &RuleFilter::all())
                .unwrap()
                .is_none(),
            "not UTF-8: left to the extractors"
        );
    }
}
