//! External extraction tools (pdftotext, antiword, catdoc) run as subprocesses with a time
//! limit and an output cap: a hostile file can make a tool spin or print forever, and the
//! crawler must survive both.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::{ExtractError, ExtractLimits, Sink, TextSegment, located};

/// What a tool printed.
pub(crate) struct ToolOutput {
    pub(crate) stdout: Vec<u8>,
    pub(crate) stderr: String,
    pub(crate) success: bool,
    /// Exit code, when the tool exited normally.
    pub(crate) code: Option<i32>,
    /// Stdout was cut at the cap.
    pub(crate) truncated: bool,
}

/// Runs `program args` with no stdin; kills it after `timeout`; keeps at most `max_output`
/// bytes of stdout.
pub(crate) fn run(
    program: &str,
    args: &[&OsStr],
    timeout: Duration,
    max_output: usize,
) -> Result<ToolOutput, ExtractError> {
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ExtractError::ToolMissing(program.to_string()));
        }
        Err(e) => return Err(ExtractError::ToolFailed(format!("{program}: {e}"))),
    };
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let mut truncated = false;
        if let Some(out) = stdout {
            let mut limited = out.take(max_output as u64 + 1);
            let _ = limited.read_to_end(&mut buf);
            if buf.len() > max_output {
                buf.truncate(max_output);
                truncated = true;
            }
        }
        (buf, truncated)
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut err) = stderr {
            let _ = (&mut err).take(64 * 1024).read_to_end(&mut buf);
            // Drain the rest so the tool never blocks on a full stderr pipe.
            let _ = std::io::copy(&mut err, &mut std::io::sink());
        }
        String::from_utf8_lossy(&buf).into_owned()
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(ExtractError::Timeout(timeout.as_millis() as u64));
            }
            Ok(None) => {
                // Stop early when stdout hit the cap: the reader has closed the pipe.
                if out_reader.is_finished() {
                    let _ = child.kill();
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(ExtractError::ToolFailed(format!("{program}: {e}"))),
        }
    };
    let (stdout, truncated) = out_reader
        .join()
        .map_err(|_| ExtractError::ToolFailed(format!("{program}: reader thread panicked")))?;
    let stderr = err_reader.join().unwrap_or_default();
    Ok(ToolOutput {
        success: status.success() || truncated,
        code: status.code(),
        stdout,
        stderr,
        truncated,
    })
}

/// Writes `bytes` to a temporary file with `suffix` for tools that need a path.
pub(crate) fn temp_file(
    bytes: &[u8],
    suffix: &str,
) -> Result<tempfile::NamedTempFile, ExtractError> {
    let mut f = tempfile::Builder::new()
        .prefix("govwatch-")
        .suffix(suffix)
        .tempfile()
        .map_err(|e| ExtractError::Io(e.to_string()))?;
    f.write_all(bytes)
        .and_then(|_| f.flush())
        .map_err(|e| ExtractError::Io(e.to_string()))?;
    Ok(f)
}

/// `.doc` / `.wps`: antiword (UTF-8 output), falling back to catdoc.
pub(crate) fn legacy_word(
    bytes: &[u8],
    limits: &ExtractLimits,
    prefix: &str,
    sink: &mut Sink,
) -> Result<(), ExtractError> {
    // Word 97-2003 and WPS files are OLE2 compound documents; catdoc would happily print
    // anything else as "text".
    if !bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        return Err(ExtractError::Malformed(
            "not an OLE2 (Word 97-2003/WPS) document".into(),
        ));
    }
    let file = temp_file(bytes, ".doc")?;
    let path = file.path().as_os_str();
    let max = limits.max_output_bytes;
    let attempts: [(&str, Vec<&OsStr>); 2] = [
        (
            "antiword",
            vec![
                OsStr::new("-m"),
                OsStr::new("UTF-8.txt"),
                OsStr::new("-w"),
                OsStr::new("0"),
                path,
            ],
        ),
        (
            "catdoc",
            vec![
                OsStr::new("-d"),
                OsStr::new("utf-8"),
                OsStr::new("-w"),
                path,
            ],
        ),
    ];
    let mut missing = Vec::new();
    let mut last_error = None;
    for (program, args) in attempts {
        match run(program, &args, limits.tool_timeout, max) {
            Ok(out) if out.success && !out.stdout.is_empty() => {
                let text = String::from_utf8_lossy(&out.stdout);
                let mut n = 0;
                for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                    n += 1;
                    if !sink.push(TextSegment::new(located(prefix, &format!("段落{n}")), line)) {
                        break;
                    }
                }
                return Ok(());
            }
            Ok(out) => {
                if out.stderr.to_ascii_lowercase().contains("encrypt") {
                    return Err(ExtractError::Encrypted);
                }
                last_error = Some(format!("{program}: {}", out.stderr.trim()));
            }
            Err(ExtractError::ToolMissing(p)) => missing.push(p),
            Err(e) => last_error = Some(e.to_string()),
        }
    }
    match last_error {
        Some(e) => Err(ExtractError::ToolFailed(e)),
        None => Err(ExtractError::ToolMissing(missing.join("/"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_tool_is_a_distinct_error() {
        let r = run("govwatch-no-such-tool", &[], Duration::from_secs(1), 10);
        assert!(matches!(r, Err(ExtractError::ToolMissing(ref t)) if t == "govwatch-no-such-tool"));
    }

    #[test]
    fn runaway_tool_is_killed_and_output_capped() {
        let r = run("sleep", &[OsStr::new("30")], Duration::from_millis(200), 10);
        assert!(matches!(r, Err(ExtractError::Timeout(200))));
        let out = run("yes", &[], Duration::from_secs(10), 1000).expect("yes runs");
        assert!(out.truncated && out.stdout.len() == 1000);
    }
}
