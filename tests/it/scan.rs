//! `govwatch scan`: the rules on local files, linter-style output, exit codes.

use std::process::Command;

/// An 18-digit ID with a valid GB 11643 check character.
fn valid_id(first17: &str) -> String {
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first17
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(10).unwrap() * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

fn scan(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_govwatch"))
        .arg("scan")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn scan_reports_pii_and_misused_words_with_locations_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let id = valid_id("37020219800101123");
    let txt = dir.path().join("公示.txt");
    std::fs::write(
        &txt,
        format!("低保名单公示\n张三 身份证号 {id} 联系电话 13912345678\n我们要再接再励。\n"),
    )
    .unwrap();
    let (code, out, err) = scan(&[txt.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("公示.txt:第2行 pii.resident_id"), "{out}");
    assert!(out.contains("pii.mobile"), "{out}");
    assert!(
        out.contains("公示.txt:第3行 error.misused_word") && out.contains("再接再厉"),
        "{out}"
    );
    assert!(
        !out.contains(&id) && !out.contains("13912345678"),
        "raw personal information must never be printed: {out}"
    );
    assert!(out.contains("370202********"), "masked value shown: {out}");

    // Only the wording rules: no pii, so exit 0 even though a word is wrong (not a veto).
    let (code, out, _) = scan(&["--rules", "error.misused_word", txt.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert!(!out.contains("pii."));

    // A clean file passes; JSON output is machine-readable.
    let clean = dir.path().join("clean.md");
    std::fs::write(
        &clean,
        "# 通知\n请于 2025-05-16 前报送材料，咨询电话 0532-85912345，政务服务热线 12345。\n",
    )
    .unwrap();
    let (code, out, _) = scan(&["--format", "json", clean.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        serde_json::from_str::<Vec<serde_json::Value>>(&out)
            .unwrap()
            .len(),
        0
    );

    // The office's own dictionary adds words.
    let dict = dir.path().join("dict.tsv");
    std::fs::write(&dict, "青岛市政付\t青岛市政府\n").unwrap();
    let doc = dir.path().join("a.txt");
    std::fs::write(&doc, "青岛市政付办公厅发布通知。").unwrap();
    let (code, out, _) = scan(&[
        "--dictionary",
        dict.to_str().unwrap(),
        "--format",
        "json",
        doc.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let v: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(v.len(), 1, "{out}");
    assert_eq!(v[0]["suggestion"], "青岛市政府");
    let (code, _, err) = scan(&["--dictionary", txt.to_str().unwrap(), doc.to_str().unwrap()]);
    assert_eq!(code, 2, "a malformed dictionary is an error: {err}");
}

#[test]
fn scan_reads_spreadsheets_with_cell_locations_and_reports_unreadable_files() {
    let dir = tempfile::tempdir().unwrap();
    let id = valid_id("37021219751231001");
    let path = dir.path().join("名单.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("名单").unwrap();
    ws.write_string(0, 0, "姓名").unwrap();
    ws.write_string(0, 1, "身份证号").unwrap();
    ws.write_string(1, 0, "李四").unwrap();
    ws.write_string(1, 1, &id).unwrap();
    // Typed as a number: Excel keeps 15 significant digits.
    ws.write_number(2, 1, 370212197512310000.0).unwrap();
    wb.save(&path).unwrap();
    let broken = dir.path().join("坏文件.pdf");
    std::fs::write(&broken, b"%PDF-1.4 this is not a pdf").unwrap();
    let (code, out, err) = scan(&["--rules", "pii", dir.path().to_str().unwrap()]);
    assert_eq!(
        code, 2,
        "an unreadable file means 'not checked': {out}{err}"
    );
    assert!(
        err.contains("坏文件.pdf") && err.contains("未能检查"),
        "{err}"
    );
    assert!(out.contains("名单.xlsx:名单!B2 pii.resident_id"), "{out}");
    assert!(
        out.contains("名单!B3") && out.contains("末位已丢失"),
        "truncated numeric ID is reported: {out}"
    );
    assert!(!out.contains(&id));
}
