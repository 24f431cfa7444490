//! Runs Python's `warcio` (the reference WARC tool) on files our writer produced.

use std::path::Path;
use std::process::{Command, Output};

/// Candidates for the `warcio` command line.
fn candidates() -> Vec<Vec<String>> {
    let v = |parts: &[&str]| parts.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        v(&["warcio"]),
        v(&["/root/.pyenv/shims/warcio"]),
        v(&[
            "python3",
            "-c",
            "import sys; from warcio.cli import main; sys.exit(main())",
        ]),
    ]
}

/// The first candidate that answers `--help`, or `None` (skip locally, panic on CI).
pub fn warcio_command(test: &str) -> Option<Vec<String>> {
    for candidate in candidates() {
        let ok = Command::new(&candidate[0])
            .args(&candidate[1..])
            .arg("--help")
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return Some(candidate);
        }
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "warcio is not installed but CI is set ({test}): pip install warcio"
    );
    eprintln!("note: skipping {test}: warcio not found (pip install warcio)");
    None
}

/// Runs `warcio <args…> <file>`.
pub fn run(command: &[String], args: &[&str], file: &Path) -> Output {
    Command::new(&command[0])
        .args(&command[1..])
        .args(args)
        .arg(file)
        .output()
        .expect("run warcio")
}
