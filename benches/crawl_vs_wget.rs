//! Crawl throughput and peak memory, in one run on the same generated loopback site:
//!
//! 1. the crawler alone (`govwatch-crawlers`: parse, text, columns, every link target checked
//!    including an external host, attachments extracted, a blake3 of every body);
//! 2. the crawler plus the snapshot store (every body hashed, zstd-compressed, each new one
//!    written once, 500 to a durable pack file; no database), which tells the store's cost
//!    apart;
//! 3. the whole platform (`govwatch crawl` of a registered website: the same crawl plus
//!    content-addressed zstd snapshots on disk, metadata and link checks in SQLite, the rules
//!    engine over every page and attachment, findings with ledger entries);
//! 4. `wget --spider -r -l inf` (Debian's wget), which only spiders the one host.
//!
//! Each runs as a child process under `/usr/bin/time -v`, so its peak RSS is measured alone.
//! Run with `cargo bench --bench crawl_vs_wget`; `BENCH_PAGES` sets the site size (5000).

#[path = "support/site.rs"]
mod site;

use std::process::Command;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use govwatch::storage::SnapshotStore;
use site::{HTML_GETS, REQUESTS, build_site, external_site, router};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let url = args.get(i + 1).expect("--child URL");
        child(url, None);
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--child-snapshots") {
        let url = args.get(i + 1).expect("--child-snapshots URL DATA_DIR");
        let data_dir = args.get(i + 2).expect("--child-snapshots URL DATA_DIR");
        child(
            url,
            Some(std::path::Path::new(data_dir).join("snapshots-only")),
        );
        return;
    }
    if let Some(i) = args.iter().position(|a| a == "--child-platform") {
        let url = args.get(i + 1).expect("--child-platform URL");
        let data_dir = args.get(i + 2).expect("--child-platform URL DATA_DIR");
        child_platform(url, std::path::Path::new(data_dir));
        return;
    }
    driver();
}

// ---------------------------------------------------------------------------------------
// The driver

fn driver() {
    let n: usize = std::env::var("BENCH_PAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5000);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("server runtime");
    let (main_addr, ext_addr) = rt.block_on(async {
        let ext = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let ext_addr = ext.local_addr().expect("addr");
        tokio::spawn(async move { axum::serve(ext, router(external_site(), false)).await });
        let main = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let main_addr = main.local_addr().expect("addr");
        let site = build_site(n, &ext_addr.to_string());
        tokio::spawn(async move { axum::serve(main, router(site, true)).await });
        (main_addr, ext_addr)
    });
    let base = format!("http://{main_addr}/");
    println!("site: {n} pages on {main_addr}, external host {ext_addr}");
    let exe = std::env::current_exe().expect("current exe");

    // Every folder written in the run is removed only after the last contestant: on ext4,
    // allocating inodes next to thousands of just-deleted ones is several times slower
    // (`recently_deleted` in the kernel profile), so one contestant's clean-up would
    // slow the next one down.
    let platform_dir = tempfile::tempdir().expect("tempdir");
    let run_child = |flag: &str| -> Contestant {
        let t = timed(
            Command::new("/usr/bin/time")
                .arg("-v")
                .arg(&exe)
                .arg(flag)
                .arg(&base)
                .arg(platform_dir.path()),
        );
        let out = String::from_utf8_lossy(&t.stdout).into_owned();
        if !t.status_ok {
            eprintln!("{flag} failed:\n{}", String::from_utf8_lossy(&t.stderr));
            std::process::exit(1);
        }
        let stat = |key: &str| -> f64 {
            out.lines()
                .find_map(|l| l.strip_prefix(&format!("{key}=")))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(f64::NAN)
        };
        let c = Contestant {
            pages: stat("pages"),
            requests: REQUESTS.swap(0, Relaxed),
            secs: t.elapsed.as_secs_f64(),
            rss_mib: t.max_rss_kib as f64 / 1024.0,
            links: stat("links_checked"),
            broken: stat("broken_links"),
            attachments: stat("attachments"),
            findings: stat("findings"),
        };
        HTML_GETS.store(0, Relaxed);
        c
    };
    let ours = run_child("--child");
    let snapshots = run_child("--child-snapshots");
    let platform = run_child("--child-platform");

    let dir = tempfile::tempdir().expect("tempdir");
    let wget = timed(
        Command::new("/usr/bin/time")
            .arg("-v")
            .arg("wget")
            .args([
                "--spider",
                "-r",
                "-l",
                "inf",
                "--no-verbose",
                "-e",
                "robots=on",
                "-P",
            ])
            .arg(dir.path())
            .arg(&base),
    );
    // Pages wget fetched, counted by the server (wget sends HEAD then GET for each page).
    let wget_pages = HTML_GETS.load(Relaxed) as f64;
    let wget_requests = REQUESTS.load(Relaxed);
    let wget_secs = wget.elapsed.as_secs_f64();
    let wget_rate = wget_pages / wget_secs;

    println!();
    println!(
        "| crawler | pages | requests to site | seconds | pages/s | × wget | peak RSS (MiB) | work done |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    println!(
        "| govwatch-crawlers | {:.0} | {} | {:.2} | {:.0} | {:.2} | {:.1} | parse + text + columns, {} link checks ({} broken), {} attachments extracted, blake3 of every body |",
        ours.pages,
        ours.requests,
        ours.secs,
        ours.pages / ours.secs,
        (ours.pages / ours.secs) / wget_rate,
        ours.rss_mib,
        ours.links,
        ours.broken,
        ours.attachments,
    );
    println!(
        "| crawler + snapshot store | {:.0} | {} | {:.2} | {:.0} | {:.2} | {:.1} | the same, plus every body in the content-addressed zstd store, packed, on disk (no database) |",
        snapshots.pages,
        snapshots.requests,
        snapshots.secs,
        snapshots.pages / snapshots.secs,
        (snapshots.pages / snapshots.secs) / wget_rate,
        snapshots.rss_mib,
    );
    println!(
        "| govwatch crawl (platform) | {:.0} | {} | {:.2} | {:.0} | {:.2} | {:.1} | the same, plus zstd snapshots on disk, SQLite rows, rules on every page and attachment, {} findings with ledger entries |",
        platform.pages,
        platform.requests,
        platform.secs,
        platform.pages / platform.secs,
        (platform.pages / platform.secs) / wget_rate,
        platform.rss_mib,
        platform.findings,
    );
    println!(
        "| wget --spider -r | {wget_pages:.0} | {wget_requests} | {wget_secs:.2} | {wget_rate:.0} | 1.00 | {:.1} | spider one host |",
        wget.max_rss_kib as f64 / 1024.0,
    );
    println!();
    println!("goal: ≥ 1.5× wget's pages/s while doing more");
}

/// One crawler's figures.
struct Contestant {
    pages: f64,
    requests: u64,
    secs: f64,
    rss_mib: f64,
    links: f64,
    broken: f64,
    attachments: f64,
    findings: f64,
}

/// The crawler settings every contestant of ours uses: politeness opened up for loopback.
fn bench_config() -> govwatch_crawlers::CrawlConfig {
    govwatch_crawlers::CrawlConfig {
        allow_private_addresses: true,
        per_host_concurrency: 16,
        per_host_delay: Duration::ZERO,
        global_concurrency: 32,
        max_pages: 100_000,
        max_depth: 1000,
        ..govwatch_crawlers::CrawlConfig::default()
    }
}

/// The platform child: a fresh data directory with SQLite, the site registered as a website
/// account, one `govwatch crawl` of it.
fn child_platform(base: &str, data_dir: &std::path::Path) {
    use govwatch::auth::Actor;
    use govwatch::registry::{self, AccountInput, Platform};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        govwatch::install_crypto_provider();
        let mut settings = govwatch::config::Settings {
            data_dir: data_dir.to_path_buf(),
            ..Default::default()
        };
        settings.crawler = bench_config();
        let db = govwatch::startup::open_database(&settings)
            .await
            .expect("database");
        let d = registry::departments::create(
            &db,
            &Actor::cli(),
            registry::departments::DepartmentInput {
                code: "bench".into(),
                name: "基准".into(),
                parent_code: None,
            },
        )
        .await
        .expect("department");
        let input = AccountInput {
            platform: Platform::Website,
            name: "基准网站".into(),
            handle: None,
            url: Some(base.to_string()),
            department_id: d.id,
            operator: None,
            responsible: None,
            contacts: vec![],
            opened_on: None,
            crawl_cron: None,
        };
        let id = registry::accounts::register(&db, &Actor::cli(), input, "基准")
            .await
            .expect("register")
            .id;
        let engine = govwatch::worker::crawl_engine(&settings, db).expect("engine");
        let o = engine.crawl_account(id, None).await.expect("crawl");
        println!("pages={}", o.pages);
        println!("attachments={}", o.attachments);
        println!("links_checked={}", o.links_checked);
        println!("broken_links={}", o.broken_links);
        println!("findings={}", o.findings_opened);
        println!("snapshots={}", o.snapshots_new);
        println!("bytes={}", o.bytes);
    });
}

struct Timed {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    elapsed: Duration,
    max_rss_kib: u64,
    status_ok: bool,
}

/// Runs a command under `/usr/bin/time -v`, parsing its peak RSS from stderr.
fn timed(cmd: &mut Command) -> Timed {
    let started = Instant::now();
    let out = cmd.output().expect("run child");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let max_rss_kib = stderr
        .lines()
        .find_map(|l| l.trim().strip_prefix("Maximum resident set size (kbytes):"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    Timed {
        stdout: out.stdout,
        stderr: out.stderr,
        elapsed,
        max_rss_kib,
        status_ok: out.status.success(),
    }
}

// ---------------------------------------------------------------------------------------
// The crawler child

/// The crawler child; with `store_dir`, every body also goes into a snapshot store there as
/// the platform stores it (hashed and compressed in parallel, each new body once, 500 to a
/// pack; no database index), to tell the store's cost from the database's and rules'.
fn child(base: &str, store_dir: Option<std::path::PathBuf>) {
    use govwatch_crawlers::{Crawler, Observation, Source};

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let config = bench_config();
        let crawler = Crawler::new(config).expect("crawler");
        let (tx, mut rx) = tokio::sync::mpsc::channel(64);
        let store = store_dir.map(|d| std::sync::Arc::new(SnapshotStore::open_local_batched(d)));
        let consumer = tokio::spawn(async move {
            let mut digest = blake3::Hasher::new();
            let mut n = 0u64;
            let mut puts: tokio::task::JoinSet<
                Result<govwatch::storage::Prepared, govwatch::storage::StorageError>,
            > = tokio::task::JoinSet::new();
            let mut batch = Vec::new();
            let mut packed = std::collections::HashSet::new();
            let mut add = |p: govwatch::storage::Prepared, batch: &mut Vec<_>| {
                if packed.insert(p.hash) {
                    batch.push(p);
                }
            };
            while let Some(obs) = rx.recv().await {
                let body = match &obs {
                    Observation::Page(p) => p.body.clone(),
                    Observation::Attachment(a) => a.body.clone(),
                    _ => bytes::Bytes::new(),
                };
                digest.update(blake3::hash(&body).as_bytes());
                if let Some(store) = &store
                    && !body.is_empty()
                {
                    // As many writes in flight as the platform's ingest allows.
                    while puts.len() >= 4 {
                        let p = puts
                            .join_next()
                            .await
                            .expect("a put")
                            .expect("put task")
                            .expect("put");
                        add(p, &mut batch);
                    }
                    if batch.len() >= 500 {
                        store
                            .write_pack(std::mem::take(&mut batch))
                            .await
                            .expect("pack");
                    }
                    let store = store.clone();
                    puts.spawn(async move { store.prepare(body).await });
                }
                n += 1;
            }
            while let Some(done) = puts.join_next().await {
                add(done.expect("put task").expect("put"), &mut batch);
            }
            if let Some(store) = &store {
                store.write_pack(batch).await.expect("pack");
            }
            (n, digest.finalize())
        });
        let source = Source {
            url: Some(url::Url::parse(base).expect("base url")),
            ..Source::default()
        };
        let started = Instant::now();
        let stats = crawler.crawl(source, tx).await.expect("crawl");
        let (observations, _) = consumer.await.expect("consumer");
        let secs = started.elapsed().as_secs_f64();
        println!("pages={}", stats.pages);
        println!("seconds={secs}");
        println!("attachments={}", stats.attachments);
        println!("links_checked={}", stats.links_checked);
        println!("broken_links={}", stats.broken_links);
        println!("failures={}", stats.failures);
        println!("observations={observations}");
        println!("bytes={}", stats.bytes);
        let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        for line in status
            .lines()
            .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        {
            eprintln!("child {line}");
        }
    });
}
