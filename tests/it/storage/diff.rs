//! Line diffs for the "page changed" view.

use govwatch::storage::{DiffLimits, text_diff, text_diff_with};

#[test]
fn changed_lines_are_counted_and_shown() {
    let old = "首页\n通知公告\n关于春节放假的通知\n联系我们\n";
    let new = "首页\n通知公告\n关于国庆节放假的通知\n关于招聘的公告\n联系我们\n";
    let diff = text_diff(old, new);
    assert!(diff.is_changed());
    assert_eq!(diff.added_lines, 2);
    assert_eq!(diff.removed_lines, 1);
    assert_eq!(diff.hunks.len(), 1);
    let hunk = diff.hunks[0];
    assert_eq!(
        (
            hunk.old_start,
            hunk.old_lines,
            hunk.new_start,
            hunk.new_lines
        ),
        (1, 4, 1, 5)
    );
    assert_eq!((hunk.added, hunk.removed), (2, 1));
    assert!(
        diff.unified
            .starts_with("--- before\n+++ after\n@@ -1,4 +1,5 @@\n"),
        "{}",
        diff.unified
    );
    assert!(diff.unified.contains("-关于春节放假的通知\n"));
    assert!(
        diff.unified
            .contains("+关于国庆节放假的通知\n+关于招聘的公告\n")
    );
    assert!(!diff.truncated);
}

#[test]
fn equal_texts_have_no_diff() {
    let diff = text_diff("a\nb\n", "a\nb\n");
    assert!(!diff.is_changed());
    assert_eq!(diff.unified, "");
    assert_eq!((diff.added_lines, diff.removed_lines), (0, 0));
}

#[test]
fn distant_changes_make_separate_hunks() {
    let old: String = (0..100).map(|i| format!("line {i}\n")).collect();
    let new = old
        .replace("line 10\n", "line ten\n")
        .replace("line 90\n", "line ninety\n");
    let diff = text_diff(&old, &new);
    assert_eq!(diff.hunks.len(), 2);
    assert_eq!(diff.hunks[1].old_start, 88); // 3 lines of context before line 91 (1-based)
}

#[test]
fn huge_inputs_are_cut_and_flagged() {
    let limits = DiffLimits {
        max_input_bytes: 1000,
        max_lines: 30,
        ..DiffLimits::default()
    };
    let old: String = (0..10_000).map(|i| format!("第{i}行\n")).collect();
    let new = old.replacen("第5行", "第五行", 1);
    let diff = text_diff_with(&old, &new, &limits);
    assert!(diff.truncated);
    assert_eq!((diff.added_lines, diff.removed_lines), (1, 1));

    // A change beyond the compared part is not seen, and the flag says the diff is partial.
    let late = old.replacen("第9000行", "第九千行", 1);
    let diff = text_diff_with(&old, &late, &limits);
    assert!(!diff.is_changed() && diff.truncated);

    // One enormous line without a newline: cut inside a multi-byte character boundary safely.
    let one_line = "政".repeat(5000);
    let diff = text_diff_with(&one_line, &format!("{one_line}务"), &limits);
    assert!(diff.truncated);

    // The unified text itself is bounded.
    let small_output = DiffLimits {
        max_unified_bytes: 200,
        ..DiffLimits::default()
    };
    let a: String = (0..100).map(|i| format!("a{i}\n")).collect();
    let b: String = (0..100).map(|i| format!("b{i}\n")).collect();
    let diff = text_diff_with(&a, &b, &small_output);
    assert!(
        diff.truncated && diff.unified.len() < 260,
        "{}",
        diff.unified.len()
    );
    assert!(diff.unified.ends_with("… (diff truncated)\n"));
    assert_eq!(diff.added_lines, 100);
}
