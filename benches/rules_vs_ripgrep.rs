//! Throughput of the rules engine against ripgrep on the same file, single thread.
//!
//! 1. Generates ≥ 100 MB of Chinese 政务 prose with numbers, dates, look-alikes and
//!    planted personal data and misused words at a low density, plus a 10,000-entry
//!    wrong→right dictionary (2–6 CJK characters), into a temporary directory.
//! 2. (a) Our PII detectors (`--rules pii`) vs `rg` searching the same shapes with
//!    regular expressions and no validation.
//! 3. (b) The full rule set with that dictionary added (every dictionary engine
//!    variant) vs `rg -F -c -f dictionary.txt`.
//! 4. Precision and recall on the same corpus.
//!
//! Run: `cargo bench -p govwatch --bench rules_vs_ripgrep` (optional arg: size in MB).
//! Goals: (a) ≥ 0.7× ripgrep's MB/s, (b) ≥ 1.5× ripgrep's MB/s.

use std::collections::HashSet;
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use govwatch::rules::synth::{self, SynthRng};
use govwatch::rules::{
    CompileOptions, DictEngine, DictEntry, PackSource, RuleFilter, RuleOverride, RuleOverrides,
    RuleSet, TextContext, ValueHasher,
};

const RG: &str = "/usr/bin/rg";

/// Best wall time of `runs` runs of `f`, and its last result.
fn best<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed());
        out = Some(r);
    }
    (best, out.expect("at least one run"))
}

/// Runs the real `govwatch scan` binary and returns how many findings it reported (JSON).
fn govwatch_scan(args: &[&str]) -> usize {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .arg("scan")
        .args(args)
        .output()
        .expect("run govwatch scan");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "govwatch scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).map_or(0, |v| v.len())
}

fn mbps(bytes: usize, d: Duration) -> f64 {
    bytes as f64 / 1e6 / d.as_secs_f64()
}

/// Runs rg and returns its stdout (exit code 1 = no match is fine).
fn rg(args: &[&str]) -> String {
    let out = Command::new(RG)
        .args(args)
        .output()
        .expect("run /usr/bin/rg");
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "rg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// 10,000 wrong → right pairs of 2–6 CJK characters, none equal to a built-in entry.
fn dictionary(seed: u64, n: usize) -> Vec<(String, String)> {
    let builtin: HashSet<&str> = include_str!("../src/rules/packs/misused_words.tsv")
        .lines()
        .filter_map(|l| l.split('\t').next())
        .collect();
    let mut rng = SynthRng::new(seed);
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    let cjk = |rng: &mut SynthRng| {
        char::from_u32(0x4E00 + rng.below(0x9FA5 - 0x4E00) as u32).unwrap_or('中')
    };
    while out.len() < n {
        let len = *rng.pick(&[2, 3, 3, 4, 4, 4, 4, 5, 5, 6]);
        let wrong: String = (0..len).map(|_| cjk(&mut rng)).collect();
        if builtin.contains(wrong.as_str()) || !seen.insert(wrong.clone()) {
            continue;
        }
        let mut right: Vec<char> = wrong.chars().collect();
        let last = right.len() - 1;
        right[last] = cjk(&mut rng);
        let right: String = right.into_iter().collect();
        if right != wrong {
            out.push((wrong, right));
        }
    }
    out
}

fn main() {
    let mb: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .and_then(|a| a.parse().ok())
        .unwrap_or(110);
    let as_of = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
    let hasher = ValueHasher::new(b"bench-key-bench-key-bench-key-32").expect("key");
    let dir = tempfile::tempdir().expect("temp dir");
    let text_path = dir.path().join("corpus.txt");
    let dict_path = dir.path().join("dictionary.txt");

    // Corpus and dictionary.
    let dict = dictionary(42, 10_000);
    let mut plants: Vec<(String, String)> = dict.iter().step_by(20).cloned().collect();
    plants.extend(
        include_str!("../src/rules/packs/misused_words.tsv")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .step_by(9)
            .filter_map(|l| {
                let mut c = l.split('\t');
                Some((c.next()?.to_string(), c.next()?.to_string()))
            }),
    );
    let t = Instant::now();
    let doc = synth::prose_with_plants(7, mb << 20, 24 * 1024, &plants);
    std::fs::write(&text_path, &doc.text).expect("write corpus");
    let dict_txt: String = dict.iter().map(|(w, _)| format!("{w}\n")).collect();
    std::fs::write(&dict_path, dict_txt).expect("write dictionary");
    let bytes = doc.text.len();
    println!(
        "corpus: {:.1} MB, {} planted items, generated in {:.1?}; dictionary: {} entries",
        bytes as f64 / 1e6,
        doc.planted.len(),
        t.elapsed(),
        dict.len()
    );
    let file = text_path.to_str().expect("utf-8 path");
    let dict_file = dict_path.to_str().expect("utf-8 path");
    // Warm the page cache for both tools.
    let _ = rg(&["-c", "zzzzzz", file]);

    let mut overrides = RuleOverrides::default();
    overrides.rules.insert(
        "error.misused_word".into(),
        RuleOverride {
            add_entries: dict
                .iter()
                .map(|(w, r)| DictEntry {
                    wrong: w.clone(),
                    right: r.clone(),
                    exceptions: vec![],
                    effective_from: None,
                    effective_to: None,
                    note: None,
                })
                .collect(),
            ..Default::default()
        },
    );

    // (a) PII.
    println!("\n(a) personal information");
    let base = RuleSet::compile(&PackSource::defaults(), &RuleOverrides::default(), as_of)
        .expect("compile");
    let pii = RuleFilter::parse("pii");
    let ctx = TextContext::default();
    // Profiling aid: `RULES_BENCH_PROFILE=pii|error|all` scans 10 times with that filter and stops.
    if let Ok(filter) = std::env::var("RULES_BENCH_PROFILE") {
        let f = if filter == "all" {
            RuleFilter::all()
        } else {
            RuleFilter::parse(&filter)
        };
        let with_dict =
            RuleSet::compile(&PackSource::defaults(), &overrides, as_of).expect("compile");
        let (t, hits) = best(10, || {
            with_dict.scan_text_filtered(&doc.text, &ctx, &hasher, &f)
        });
        println!(
            "  profile {filter}: {:.0} MB/s, {} hits",
            mbps(bytes, t),
            hits.len()
        );
        return;
    }
    // End to end: read the file into a reused buffer (as a CLI scanning many files
    // would; ripgrep memory-maps instead), validate UTF-8 (SIMD), scan.
    let buf = std::cell::RefCell::new(Vec::with_capacity(bytes + 1));
    let read_and_scan = |rules: &RuleSet, filter: &RuleFilter, path: &Path| {
        let mut b = buf.borrow_mut();
        b.clear();
        std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut b))
            .expect("read corpus");
        let text = simdutf8::basic::from_utf8(&b).expect("corpus is UTF-8");
        rules.scan_text_filtered(text, &ctx, &hasher, filter)
    };
    let (t_ours, hits) = best(3, || read_and_scan(&base, &pii, &text_path));
    let (t_scan, _) = best(3, || {
        base.scan_text_filtered(&doc.text, &ctx, &hasher, &pii)
    });
    let rg_unicode = [
        "-c",
        "-e",
        r"\d{17}[\dXx]",
        "-e",
        r"1[3-9]\d{9}",
        "-e",
        r"\d{16,19}",
        file,
    ];
    let rg_ascii = [
        "-c",
        "-e",
        r"[0-9]{17}[0-9Xx]",
        "-e",
        r"1[3-9][0-9]{9}",
        "-e",
        r"[0-9]{16,19}",
        file,
    ];
    let (t_rg, rg_lines) = best(3, || rg(&rg_unicode));
    let (t_rg_ascii, rg_lines_ascii) = best(3, || rg(&rg_ascii));
    println!(
        "  ours  govwatch --rules pii (read + validate UTF-8 + scan): {:>8.0} MB/s  ({} hits; scan only {:.0} MB/s)",
        mbps(bytes, t_ours),
        hits.len(),
        mbps(bytes, t_scan)
    );
    println!(
        "  rg    {RG} {}: {:>8.0} MB/s  ({rg_lines} matching lines)",
        rg_unicode[..7].join(" "),
        mbps(bytes, t_rg)
    );
    println!(
        "  rg    {RG} {}: {:>8.0} MB/s  ({rg_lines_ascii} matching lines)",
        rg_ascii[..7].join(" "),
        mbps(bytes, t_rg_ascii)
    );
    println!(
        "  ratio ours/rg (\\d, same full-width digit coverage as ours): {:.2}× (goal ≥ 0.7×)",
        t_rg.as_secs_f64() / t_ours.as_secs_f64()
    );
    println!(
        "  ratio ours/rg ([0-9], ASCII digits only):                   {:.2}×",
        t_rg_ascii.as_secs_f64() / t_ours.as_secs_f64()
    );

    let (t_cli, cli_hits) = best(3, || {
        govwatch_scan(&["--rules", "pii", "--format", "json", file])
    });
    println!(
        "  cli   govwatch scan --rules pii --format json (whole process, output to a pipe): {:>8.0} MB/s  ({cli_hits} findings)  ratio {:.2}× rg",
        mbps(bytes, t_cli),
        t_rg.as_secs_f64() / t_cli.as_secs_f64()
    );

    // (b) Full rule set with the 10,000-entry dictionary.
    println!("\n(b) full rule set + 10,000-entry dictionary");
    let tsv_path = dir.path().join("dictionary.tsv");
    let tsv: String = dict.iter().map(|(w, r)| format!("{w}\t{r}\n")).collect();
    std::fs::write(&tsv_path, tsv).expect("write dictionary");
    let tsv_file = tsv_path.to_str().expect("utf-8 path");
    let rg_dict = ["-F", "-c", "-f", dict_file, file];
    let (t_rgd, rgd_lines) = best(3, || rg(&rg_dict));
    println!(
        "  rg    {RG} {}: {:>8.0} MB/s  ({rgd_lines} matching lines)",
        rg_dict.join(" "),
        mbps(bytes, t_rgd)
    );
    let variants = [
        (
            "char-level two-char hash (default)",
            DictEngine::CharHash,
            true,
        ),
        ("aho-corasick DFA, prefilter on", DictEngine::AcDfa, true),
        ("aho-corasick DFA, prefilter off", DictEngine::AcDfa, false),
        (
            "aho-corasick contiguous NFA, prefilter on",
            DictEngine::AcContiguousNfa,
            true,
        ),
        (
            "aho-corasick contiguous NFA, prefilter off",
            DictEngine::AcContiguousNfa,
            false,
        ),
        (
            "aho-corasick noncontiguous NFA",
            DictEngine::AcNoncontiguousNfa,
            true,
        ),
        ("aho-corasick auto kind", DictEngine::AcAuto, true),
    ];
    let generated: HashSet<&str> = dict.iter().map(|(w, _)| w.as_str()).collect();
    let mut full_default = None;
    for (name, engine, prefilter) in variants {
        let t = Instant::now();
        let rules = RuleSet::compile_with(
            &PackSource::defaults(),
            &overrides,
            as_of,
            CompileOptions {
                dict_engine: engine,
                ac_prefilter: prefilter,
            },
        )
        .expect("compile with dictionary");
        let build = t.elapsed();
        let (t_full, hits) = best(2, || read_and_scan(&rules, &RuleFilter::all(), &text_path));
        let (t_dict, _) = best(2, || {
            rules.scan_text_filtered(&doc.text, &ctx, &hasher, &RuleFilter::parse("error"))
        });
        let from_dict = hits
            .iter()
            .filter(|h| generated.contains(h.value_hash.as_str()))
            .count();
        println!(
            "  ours  {name:<44} build {build:>8.1?}  full scan {:>6.0} MB/s ({:.2}× rg)  dictionaries only {:>6.0} MB/s  ({} hits, {from_dict} from the 10k dictionary)",
            mbps(bytes, t_full),
            t_rgd.as_secs_f64() / t_full.as_secs_f64(),
            mbps(bytes, t_dict),
            hits.len()
        );
        if engine == DictEngine::CharHash {
            full_default = Some((rules, from_dict));
        }
    }
    let (t_cli_full, cli_full_hits) = best(2, || {
        govwatch_scan(&["--dictionary", tsv_file, "--format", "json", file])
    });
    println!(
        "  cli   govwatch scan --dictionary dictionary.tsv --format json (all rules, whole process): {:>6.0} MB/s ({cli_full_hits} findings)  ratio {:.2}× rg",
        mbps(bytes, t_cli_full),
        t_rgd.as_secs_f64() / t_cli_full.as_secs_f64()
    );
    let rg_matches = rg(&["-F", "-o", "-f", dict_file, file]).lines().count();
    let (rules, from_dict) = full_default.expect("default engine measured");
    println!("  check: rg -F -o finds {rg_matches} dictionary matches, ours {from_dict}");

    // Precision and recall on the same corpus (full rule set, default engine).
    println!("\nprecision / recall on this corpus (full rule set):");
    let report = synth::evaluate(
        &rules,
        std::slice::from_ref(&doc),
        &hasher,
        &RuleFilter::all(),
    );
    println!(
        "  {:<28} {:>8} {:>8} {:>6} {:>7} {:>10} {:>8}",
        "rule", "planted", "hits", "fp", "missed", "precision", "recall"
    );
    for (rule, c) in &report.rules {
        println!(
            "  {:<28} {:>8} {:>8} {:>6} {:>7} {:>10.5} {:>8.5}",
            rule,
            c.planted,
            c.hits,
            c.false_positives,
            c.missed,
            c.precision(),
            c.recall()
        );
    }
    for fp in report.false_positives.iter().take(5) {
        println!("    false positive: {fp}");
    }
    for m in report.missed.iter().take(5) {
        println!("    missed: {m}");
    }
}
