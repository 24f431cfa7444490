//! The `govwatch` binary as operators script it: import, list, lifecycle, users, ledger
//! verify (exit 0 intact, 1 tampered, naming the first bad entry), checkpoint, prove, export.

use std::io::Write;
use std::process::{Command, Stdio};

use sea_orm::ConnectionTrait;

use crate::support::db::{TestDb, test_db};

struct Cli<'a> {
    t: &'a TestDb,
}

impl Cli<'_> {
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        self.run_with_stdin(args, None)
    }

    fn run_with_stdin(&self, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_govwatch"));
        cmd.args([
            "--data-dir",
            self.t.dir.path().to_str().unwrap(),
            "--database-url",
            &self.t.url,
        ])
        .args(args)
        .env_remove("GOVWATCH_CONFIG")
        .current_dir(self.t.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("run govwatch");
        if let Some(input) = stdin {
            child
                .stdin
                .as_mut()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

#[tokio::test]
async fn operator_workflow_end_to_end() {
    let t = test_db().await;
    let cli = Cli { t: &t };
    let csv = t.dir.path().join("in.csv");
    std::fs::write(&csv, "name,platform,department,url,handle\n青岛政务网,website,市政府,https://www.qingdao.gov.cn/,\n青岛发布,weibo,市政府,,qdfb\n").unwrap();
    let (code, out, err) = cli.run(&["accounts", "import", csv.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("已导入 2 个账号"));

    let (code, out, _) = cli.run(&["accounts", "list", "--format", "json"]);
    assert_eq!(code, 0);
    let list: Vec<serde_json::Value> = serde_json::from_str(&out).unwrap();
    assert_eq!(list.len(), 2);
    let id = list[1]["id"].as_i64().unwrap().to_string();
    let (_, table, _) = cli.run(&["accounts", "list"]);
    assert!(table.contains("青岛发布") && table.contains("运行中"));

    assert_eq!(
        cli.run(&["accounts", "suspend", &id, "--reason", "整改"]).0,
        0
    );
    let (code, _, err) = cli.run(&["accounts", "suspend", &id, "--reason", "再次暂停"]);
    assert_ne!(code, 0);
    assert!(err.contains("只有运行中的账号可以暂停"), "{err}");
    assert_eq!(
        cli.run(&["accounts", "resume", &id, "--reason", "恢复"]).0,
        0
    );
    assert_eq!(
        cli.run(&[
            "accounts",
            "update",
            &id,
            "--operator",
            "某公司",
            "--reason",
            "变更"
        ])
        .0,
        0
    );
    assert_eq!(cli.run(&["departments", "add", "jyj", "市教育局"]).0, 0);
    assert_eq!(
        cli.run(&[
            "accounts", "transfer", &id, "--to", "jyj", "--reason", "划转"
        ])
        .0,
        0
    );
    assert_eq!(
        cli.run(&[
            "accounts",
            "close",
            &id,
            "--reason",
            "停更",
            "--notice-url",
            "https://www.qingdao.gov.cn/n.html"
        ])
        .0,
        0
    );
    let (code, out, _) = cli.run(&[
        "accounts",
        "deregister",
        &id,
        "--reason",
        "注销",
        "--reference",
        "回执",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("已注销"));
    let main_id = list[0]["id"].as_i64().unwrap().to_string();
    let (code, _, err) = cli.run(&[
        "accounts", "merge", &id, "--into", &main_id, "--reason", "整合",
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("已注销"), "{err}");

    let (code, out, err) = cli.run_with_stdin(
        &[
            "users",
            "add",
            "zhang",
            "--role",
            "owner",
            "--department",
            "jyj",
            "--password-stdin",
        ],
        Some("a long enough password\n"),
    );
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = cli.run(&["users", "token", "zhang"]);
    assert_eq!(code, 0);
    assert!(out.trim().starts_with("gwt_"));

    let (code, out, _) = cli.run(&["ledger", "checkpoint"]);
    assert_eq!(code, 0);
    let cp: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(cp["tree_size"].as_u64().unwrap() >= 10);
    let (code, out, _) = cli.run(&["ledger", "public-key"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), cp["public_key"].as_str().unwrap());
    let (code, out, _) = cli.run(&["ledger", "prove", "3"]);
    assert_eq!(code, 0);
    let proof: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(proof["leaf_index"], 2);
    let (code, out, _) = cli.run(&["ledger", "verify"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("账本完整"));
    let export = t.dir.path().join("ledger.jsonl");
    assert_eq!(
        cli.run(&["ledger", "export", "-o", export.to_str().unwrap()])
            .0,
        0
    );
    let lines = std::fs::read_to_string(&export).unwrap();
    let n = lines.lines().count();
    assert_eq!(
        n as u64,
        cp["tree_size"].as_u64().unwrap(),
        "export has every entry"
    );
    let first: serde_json::Value = serde_json::from_str(lines.lines().next().unwrap()).unwrap();
    assert_eq!(first["seq"], 1);
    assert!(first["payload"].is_object());

    // Tamper directly in the database: exit 1, first bad entry named.
    t.db.execute_unprepared("UPDATE ledger_entries SET reason = '改' WHERE seq = 4")
        .await
        .unwrap();
    let (code, out, _) = cli.run(&["ledger", "verify"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("第 4 条"), "{out}");
}

#[tokio::test]
async fn bad_import_exits_1_naming_rows_and_help_explains() {
    let t = test_db().await;
    let cli = Cli { t: &t };
    let csv = t.dir.path().join("bad.csv");
    std::fs::write(&csv, "name,platform,department,url\n好的,website,市政府,https://a.gov.cn/\n坏的,website,市政府,\n").unwrap();
    let (code, _, err) = cli.run(&["accounts", "import", csv.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(
        err.contains("第 3 行") && err.contains("网站必须填写网址"),
        "{err}"
    );
    let (code, out, _) = cli.run(&["accounts", "list", "--format", "json"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), "[]");
    let (code, out, _) = cli.run(&["--help"]);
    assert_eq!(code, 0);
    for word in [
        "serve",
        "accounts",
        "ledger",
        "--database-url",
        "--data-dir",
    ] {
        assert!(out.contains(word), "--help lacks {word}");
    }
    let (_, out, _) = cli.run(&["ledger", "verify", "--help"]);
    assert!(out.contains("Exit 0 when intact"));
}
