//! `govwatch ledger …`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};

use crate::config::Settings;
use crate::ledger::{self, checkpoint, keys};

/// Ledger commands.
#[derive(Debug, Subcommand)]
pub enum LedgerCmd {
    /// Recompute every hash, the chain, the Merkle tree and every checkpoint. Exit 0 when intact, 1 otherwise (naming the first bad entry).
    Verify {
        /// Also check checkpoints kept outside the database (JSON Lines, as printed by `ledger checkpoint`).
        #[arg(long = "checkpoint", value_name = "FILE")]
        checkpoints: Vec<PathBuf>,
        /// Require checkpoints to be signed by this public key (hex); default: this installation's key.
        #[arg(long)]
        public_key: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Verify the ledger and sign a checkpoint of its current size and Merkle root (Ed25519).
    Checkpoint,
    /// Print an inclusion proof of entry SEQ against the latest checkpoint covering it (JSON).
    Prove {
        /// Entry sequence number.
        seq: i64,
        /// Use the checkpoint with exactly this many entries.
        #[arg(long)]
        tree_size: Option<u64>,
    },
    /// Write every entry with its payload as JSON Lines.
    Export {
        /// Output file (default: stdout).
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Print the checkpoint signing public key (hex), creating the key if needed.
    PublicKey,
    /// Redact the payload of entry SEQ (lawful erasure); the chain stays verifiable.
    Redact {
        /// Entry sequence number.
        seq: i64,
        /// Legal basis / reason.
        #[arg(long)]
        reason: String,
    },
}

fn progress_bar() -> ProgressBar {
    if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        let pb = ProgressBar::new(0);
        pb.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, 剩余 {eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        pb.set_message("校验账本");
        pb
    } else {
        ProgressBar::hidden()
    }
}

/// Runs a ledger command.
pub async fn run(cmd: LedgerCmd, settings: &Settings) -> anyhow::Result<i32> {
    let db = super::open(settings).await?;
    match cmd {
        LedgerCmd::Verify {
            checkpoints,
            public_key,
            json,
        } => {
            let mut opts = crate::web::verify_options(settings)?;
            if let Some(pk) = public_key {
                opts.pinned_key = Some(
                    keys::parse_public(&pk)
                        .context("--public-key 不是有效的 Ed25519 公钥（64 位十六进制）")?,
                );
            }
            for f in &checkpoints {
                opts.external_checkpoints.extend(checkpoint::read_file(f)?);
            }
            let pb = progress_bar();
            let started = std::time::Instant::now();
            let report = ledger::verify(&db, &opts, |done, total| {
                pb.set_length(total);
                pb.set_position(done);
            })
            .await?;
            pb.finish_and_clear();
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else if let Some(p) = &report.problem {
                println!("账本校验未通过: {}", p.message);
                if let Some(seq) = p.seq {
                    println!("第一处问题: 第 {seq} 条 ({})", p.code);
                }
            } else {
                println!(
                    "账本完整: {} 条，检查点 {} 个，一致性证明 {} 个，用时 {:.2} 秒",
                    report.entries,
                    report.checkpoints,
                    report.consistency_proofs,
                    started.elapsed().as_secs_f64()
                );
                println!("Merkle 根: {}", report.root_hash);
                if report.redacted_payloads > 0 {
                    println!("其中 {} 条载荷已依法删除", report.redacted_payloads);
                }
            }
            Ok(if report.ok() { 0 } else { 1 })
        }
        LedgerCmd::Checkpoint => {
            let key = keys::load_or_create(&settings.signing_key_path())?;
            let log = settings.data_dir.join("ledger").join("checkpoints.jsonl");
            match ledger::checkpoint(&db, &key, Some(&log)).await? {
                Ok(cp) => {
                    println!("{}", serde_json::to_string(&cp)?);
                    eprintln!("已签署检查点: {} 条，根哈希 {}", cp.tree_size, cp.root_hash);
                    Ok(0)
                }
                Err(report) => {
                    eprintln!(
                        "账本校验未通过，拒绝签署检查点: {}",
                        report.problem.map(|p| p.message).unwrap_or_default()
                    );
                    Ok(1)
                }
            }
        }
        LedgerCmd::Prove { seq, tree_size } => {
            let proof = ledger::prove(&db, seq, tree_size).await?;
            println!("{}", serde_json::to_string_pretty(&proof)?);
            Ok(0)
        }
        LedgerCmd::Export { output } => {
            let n = match output {
                Some(path) => {
                    let f = std::fs::File::create(&path)
                        .with_context(|| format!("无法创建 {}", path.display()))?;
                    ledger::export::export_jsonl(&db, std::io::BufWriter::new(f)).await?
                }
                None => {
                    let stdout = std::io::stdout();
                    let n =
                        ledger::export::export_jsonl(&db, std::io::BufWriter::new(stdout.lock()))
                            .await?;
                    std::io::stdout().flush()?;
                    n
                }
            };
            eprintln!("已导出 {n} 条");
            Ok(0)
        }
        LedgerCmd::PublicKey => {
            let key = keys::load_or_create(&settings.signing_key_path())?;
            println!("{}", keys::public_hex(&key.verifying_key()));
            Ok(0)
        }
        LedgerCmd::Redact { seq, reason } => {
            ledger::redact_payload(&db, seq, &crate::auth::Actor::cli().name, &reason).await?;
            println!("第 {seq} 条的载荷已删除，删除操作已记入账本");
            Ok(0)
        }
    }
}
