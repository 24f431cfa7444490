//! The unit-test-sized labelled corpus: every planted item found, no look-alike hit.

use super::super::synth::{self, SynthRng};
use super::super::{CompileOptions, DictEngine, PackSource, RuleFilter, RuleOverrides, RuleSet};
use super::{day, hasher, rules};

fn misused_sample() -> Vec<(String, String)> {
    let text = include_str!("../packs/misused_words.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .step_by(7)
        .filter_map(|l| {
            let mut c = l.split('\t');
            Some((c.next()?.to_string(), c.next()?.to_string()))
        })
        .collect()
}

#[test]
fn labelled_corpus_full_recall_no_false_positives() {
    let docs = synth::labelled_corpus(20250601, 240, &misused_sample());
    let report = synth::evaluate(&rules(), &docs, &hasher(), &RuleFilter::all());
    for (rule, c) in &report.rules {
        assert!(c.planted > 0 || c.hits == 0, "{rule}: {c:?}");
    }
    for rule in [
        "pii.resident_id",
        "pii.mobile",
        "pii.bank_card",
        "pii.address",
        "error.misused_word",
    ] {
        let c = report.rules[rule];
        assert!(c.planted >= 20, "{rule}: {c:?}");
    }
    assert!(report.missed.is_empty(), "missed: {:#?}", report.missed);
    assert!(
        report.false_positives.is_empty(),
        "false positives: {:#?}",
        report.false_positives
    );
}

#[test]
fn every_lookalike_kind_alone_produces_no_hit() {
    let r = rules();
    let mut rng = SynthRng::new(7);
    for kind in synth::LookAlike::ALL {
        for _ in 0..200 {
            let mut doc = synth::Doc::default();
            synth::append_lookalike(&mut doc, &mut rng, kind);
            let hits = r.scan_text(&doc.text, &Default::default(), &hasher());
            assert!(
                hits.is_empty(),
                "{kind:?}: {:?}",
                hits.iter()
                    .map(|h| (&h.rule_id, &h.excerpt))
                    .collect::<Vec<_>>()
            );
        }
    }
}

#[test]
fn every_dictionary_engine_gives_the_same_hits() {
    let docs = synth::labelled_corpus(99, 80, &misused_sample());
    let engines = [
        DictEngine::AcAuto,
        DictEngine::AcNoncontiguousNfa,
        DictEngine::AcContiguousNfa,
        DictEngine::AcDfa,
        DictEngine::CharHash,
    ];
    let sets: Vec<RuleSet> = engines
        .iter()
        .map(|&e| {
            let opts = CompileOptions {
                dict_engine: e,
                ac_prefilter: e != DictEngine::AcDfa,
            };
            RuleSet::compile_with(
                &PackSource::defaults(),
                &RuleOverrides::default(),
                day("2025-06-01"),
                opts,
            )
            .unwrap()
        })
        .collect();
    for doc in &docs {
        let base = sets[0].scan_text(&doc.text, &Default::default(), &hasher());
        for s in &sets[1..] {
            assert_eq!(s.scan_text(&doc.text, &Default::default(), &hasher()), base);
        }
    }
}
