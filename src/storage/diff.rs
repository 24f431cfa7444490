//! Line diffs between two versions of a page (the "page changed" view), with `similar`.
//!
//! Government pages can be huge (a 20 MB table pasted into a notice), and a diff is quadratic in
//! the worst case, so inputs are cut to [`DiffLimits`] and the algorithm gets a deadline (after
//! which `similar` returns a correct but less minimal diff). Whatever was cut is flagged in
//! [`Diff::truncated`] so the view can say so.

use std::time::Duration;

use similar::{Algorithm, DiffTag, TextDiff};

/// Bounds on the work a diff may do.
#[derive(Debug, Clone)]
pub struct DiffLimits {
    /// Bytes of each side that are compared (cut at a line end).
    pub max_input_bytes: usize,
    /// Lines of each side that are compared.
    pub max_lines: usize,
    /// Time the diff algorithm may take before it settles for a coarser diff.
    pub timeout: Duration,
    /// Unchanged lines shown around each change.
    pub context_lines: usize,
    /// Size of the unified text kept (cut at a line end).
    pub max_unified_bytes: usize,
}

impl Default for DiffLimits {
    fn default() -> Self {
        Self {
            max_input_bytes: 2 * 1024 * 1024,
            max_lines: 50_000,
            timeout: Duration::from_secs(1),
            context_lines: 3,
            max_unified_bytes: 1024 * 1024,
        }
    }
}

/// One region of change, with its context, in 1-based line numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Hunk {
    /// First line in the old text.
    pub old_start: usize,
    /// Lines of the old text covered.
    pub old_lines: usize,
    /// First line in the new text.
    pub new_start: usize,
    /// Lines of the new text covered.
    pub new_lines: usize,
    /// Lines added within the hunk.
    pub added: usize,
    /// Lines removed within the hunk.
    pub removed: usize,
}

/// The difference between two texts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diff {
    /// Unified diff (`--- before` / `+++ after` / `@@ … @@`), empty if the texts are equal.
    pub unified: String,
    /// Lines only in the new text.
    pub added_lines: usize,
    /// Lines only in the old text.
    pub removed_lines: usize,
    /// The changed regions.
    pub hunks: Vec<Hunk>,
    /// An input or the unified text was cut to the limits: the diff covers only the beginning.
    pub truncated: bool,
}

impl Diff {
    /// Whether the texts differ (within the compared part).
    pub fn is_changed(&self) -> bool {
        !self.hunks.is_empty()
    }
}

/// [`text_diff_with`] with the default limits.
pub fn text_diff(old: &str, new: &str) -> Diff {
    text_diff_with(old, new, &DiffLimits::default())
}

/// Cuts `text` to at most `max_bytes` and `max_lines`, at a line end where there is one. The search is on bytes:
/// `\n` is ASCII and never part of a multi-byte UTF-8 character, so a cut right after it is
/// always a character boundary.
fn cut(text: &str, max_bytes: usize, max_lines: usize) -> (&str, bool) {
    let bytes = text.as_bytes();
    let mut end = text.len();
    if end > max_bytes {
        end = bytes[..max_bytes]
            .iter()
            .rposition(|&b| b == b'\n')
            // One enormous line (minified HTML): cut inside it rather than compare nothing.
            .map_or_else(|| text.floor_char_boundary(max_bytes), |i| i + 1);
    }
    if max_lines == 0 {
        end = 0;
    } else if let Some(i) = bytes[..end]
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(max_lines - 1)
        .map(|(i, _)| i)
    {
        end = i + 1;
    }
    (&text[..end], end < text.len())
}

/// Line diff of `old` and `new` within `limits`.
pub fn text_diff_with(old: &str, new: &str, limits: &DiffLimits) -> Diff {
    let (old, old_cut) = cut(old, limits.max_input_bytes, limits.max_lines);
    let (new, new_cut) = cut(new, limits.max_input_bytes, limits.max_lines);
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .timeout(limits.timeout)
        .diff_lines(old, new);

    let (mut added_lines, mut removed_lines) = (0, 0);
    for op in diff.ops() {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        match tag {
            DiffTag::Equal => {}
            DiffTag::Delete => removed_lines += old_range.len(),
            DiffTag::Insert => added_lines += new_range.len(),
            DiffTag::Replace => {
                removed_lines += old_range.len();
                added_lines += new_range.len();
            }
        }
    }

    let hunks = diff
        .grouped_ops(limits.context_lines)
        .iter()
        .filter_map(|group| {
            let (first, last) = (group.first()?, group.last()?);
            let (mut added, mut removed) = (0, 0);
            for op in group {
                let (tag, old_range, new_range) = op.as_tag_tuple();
                if matches!(tag, DiffTag::Delete | DiffTag::Replace) {
                    removed += old_range.len();
                }
                if matches!(tag, DiffTag::Insert | DiffTag::Replace) {
                    added += new_range.len();
                }
            }
            Some(Hunk {
                old_start: first.old_range().start + 1,
                old_lines: last.old_range().end - first.old_range().start,
                new_start: first.new_range().start + 1,
                new_lines: last.new_range().end - first.new_range().start,
                added,
                removed,
            })
        })
        .collect::<Vec<_>>();

    let mut unified = if hunks.is_empty() {
        String::new()
    } else {
        diff.unified_diff()
            .context_radius(limits.context_lines)
            .header("before", "after")
            .to_string()
    };
    let mut truncated = old_cut || new_cut;
    if unified.len() > limits.max_unified_bytes {
        let (kept, _) = cut(&unified, limits.max_unified_bytes, usize::MAX);
        unified = format!("{kept}… (diff truncated)\n");
        truncated = true;
    }
    Diff {
        unified,
        added_lines,
        removed_lines,
        hunks,
        truncated,
    }
}
