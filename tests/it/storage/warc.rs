//! WARC export, checked by the reference tool (`warcio`) and read back by our reader.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use chrono::{DateTime, Utc};
use govwatch::storage::warc::{HttpRequest, HttpResponse, WarcError, WarcReader, WarcWriter};

use crate::support::warcio;

const HTML_URL: &str = "http://www.example.gov.cn/index.html";
const GBK_URL: &str = "http://www.example.gov.cn/tzgg/2025/notice.htm?id=7";
const BINARY_URL: &str = "http://www.example.gov.cn/images/logo.png";

fn fetched_at() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-05-16T08:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// A page as a Chinese government server sends it: GBK bytes (市政府办公厅 / 关于春节放假的通知).
fn gbk_body() -> Vec<u8> {
    let title = [
        0xca, 0xd0, 0xd5, 0xfe, 0xb8, 0xae, 0xb0, 0xec, 0xb9, 0xab, 0xcc, 0xfc,
    ];
    let text = [
        0xb9, 0xd8, 0xd3, 0xda, 0xb4, 0xba, 0xbd, 0xda, 0xb7, 0xc5, 0xbc, 0xd9, 0xb5, 0xc4, 0xcd,
        0xa8, 0xd6, 0xaa,
    ];
    let mut body = b"<html><head><meta charset=\"gbk\"><title>".to_vec();
    body.extend_from_slice(&title);
    body.extend_from_slice(b"</title></head><body>");
    body.extend_from_slice(&text);
    body.extend_from_slice(b"</body></html>");
    assert!(std::str::from_utf8(&body).is_err(), "premise: not UTF-8");
    body
}

/// PNG signature, then bytes that look like WARC framing: the reader must trust Content-Length.
fn binary_body() -> Vec<u8> {
    let mut body = vec![
        0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d,
    ];
    body.extend_from_slice(b"\r\n\r\nWARC/1.1\r\n");
    body.extend((0..=255u8).cycle().take(3000));
    body
}

struct Sample {
    html: Vec<u8>,
    gbk: Vec<u8>,
    binary: Vec<u8>,
}

fn sample() -> Sample {
    Sample {
        html: "<html><body><h1>政务公开</h1></body></html>"
            .as_bytes()
            .to_vec(),
        gbk: gbk_body(),
        binary: binary_body(),
    }
}

fn write_sample(path: &Path, gzip: bool, s: &Sample) {
    let file = std::fs::File::create(path).unwrap();
    let mut w = if gzip {
        WarcWriter::new_gzip(file)
    } else {
        WarcWriter::new(file)
    };
    w.write_warcinfo(
        "sample.warc",
        &[
            ("software", "govwatch test"),
            ("format", "WARC File Format 1.1"),
        ],
    )
    .unwrap();

    let html_headers = headers(&[
        ("Content-Type", "text/html; charset=utf-8"),
        ("Server", "nginx"),
    ]);
    let response = w
        .write_response(&HttpResponse {
            url: HTML_URL,
            fetched_at: fetched_at(),
            status: 200,
            headers: &html_headers,
            body: &s.html,
            ip: Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1))),
        })
        .unwrap();
    let request_headers = headers(&[("User-Agent", "govwatch/0.1"), ("Accept", "*/*")]);
    w.write_request(
        &HttpRequest {
            url: HTML_URL,
            sent_at: fetched_at(),
            method: "GET",
            headers: &request_headers,
        },
        Some(&response),
    )
    .unwrap();

    // As received: gzip-encoded and chunked on the wire, decoded by the client.
    let gbk_headers = headers(&[
        ("Content-Type", "text/html; charset=GBK"),
        ("Content-Encoding", "gzip"),
        ("Transfer-Encoding", "chunked"),
        ("Content-Length", "57"),
    ]);
    w.write_response(&HttpResponse {
        url: GBK_URL,
        fetched_at: fetched_at(),
        status: 200,
        headers: &gbk_headers,
        body: &s.gbk,
        ip: None,
    })
    .unwrap();

    let png_headers = headers(&[("Content-Type", "image/png")]);
    w.write_response(&HttpResponse {
        url: BINARY_URL,
        fetched_at: fetched_at(),
        status: 200,
        headers: &png_headers,
        body: &s.binary,
        ip: None,
    })
    .unwrap();
    w.finish().unwrap();
}

#[test]
fn warcio_checks_indexes_and_extracts_our_files() {
    let Some(warcio) = warcio::warcio_command("warcio_checks_indexes_and_extracts_our_files")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = sample();
    for (name, gzip) in [("sample.warc", false), ("sample.warc.gz", true)] {
        let path = dir.path().join(name);
        write_sample(&path, gzip, &s);

        let check = warcio::run(&warcio, &["check", "-v"], &path);
        let out = String::from_utf8_lossy(&check.stdout);
        assert!(
            check.status.success(),
            "warcio check {name} failed:\n{out}\n{}",
            String::from_utf8_lossy(&check.stderr)
        );
        // Not vacuous: warcio verified digests of all five records (it passes files without any).
        assert_eq!(out.matches("digest pass").count(), 5, "{out}");

        let index = warcio::run(
            &warcio,
            &[
                "index",
                "-f",
                "warc-type,warc-target-uri,offset,http:status",
            ],
            &path,
        );
        assert!(
            index.status.success(),
            "warcio index {name}: {}",
            String::from_utf8_lossy(&index.stderr)
        );
        let lines: Vec<serde_json::Value> = String::from_utf8(index.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let responses: BTreeSet<&str> = lines
            .iter()
            .filter(|l| l["warc-type"] == "response")
            .map(|l| l["warc-target-uri"].as_str().unwrap())
            .collect();
        assert_eq!(responses, BTreeSet::from([HTML_URL, GBK_URL, BINARY_URL]));
        assert!(
            lines
                .iter()
                .all(|l| l["warc-type"] != "response" || l["http:status"] == "200")
        );

        // The GBK body comes back byte for byte.
        let gbk_offset = lines
            .iter()
            .find(|l| l["warc-target-uri"] == GBK_URL)
            .and_then(|l| {
                l["offset"]
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| l["offset"].as_u64().map(|o| o.to_string()))
            })
            .unwrap();
        let extract = std::process::Command::new(&warcio[0])
            .args(&warcio[1..])
            .args(["extract", "--payload"])
            .arg(&path)
            .arg(&gbk_offset)
            .output()
            .unwrap();
        assert!(extract.status.success());
        assert_eq!(extract.stdout, s.gbk, "{name}");
    }
}

#[test]
fn records_read_back_with_our_reader() {
    let dir = tempfile::tempdir().unwrap();
    let s = sample();
    for (name, gzip) in [("a.warc", false), ("a.warc.gz", true)] {
        let path = dir.path().join(name);
        write_sample(&path, gzip, &s);
        let records: Vec<_> = WarcReader::new(std::fs::File::open(&path).unwrap(), 1 << 20)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let types: Vec<&str> = records.iter().map(|r| r.record_type().unwrap()).collect();
        assert_eq!(
            types,
            ["warcinfo", "response", "request", "response", "response"]
        );
        for r in &records {
            assert_eq!(r.version, "WARC/1.1");
            assert_eq!(r.block_digest_ok(), Some(true));
            assert!(
                r.header("WARC-Record-ID")
                    .unwrap()
                    .starts_with("<urn:uuid:")
            );
        }
        let warcinfo_id = records[0].header("WARC-Record-ID").unwrap();
        assert_eq!(records[1].header("WARC-Warcinfo-ID"), Some(warcinfo_id));
        assert_eq!(records[1].header("WARC-Date"), Some("2025-05-16T08:00:00Z"));
        assert_eq!(records[1].header("WARC-IP-Address"), Some("127.0.0.1"));
        assert_eq!(
            records[1].header("Content-Type"),
            Some("application/http;msgtype=response")
        );
        assert_eq!(
            records[2].header("WARC-Concurrent-To"),
            records[1].header("WARC-Record-ID")
        );

        let html = records[1].http_parts().unwrap();
        assert_eq!(html.start_line, "HTTP/1.1 200 OK");
        assert_eq!(html.body, s.html.as_slice());

        let request = records[2].http_parts().unwrap();
        assert_eq!(request.start_line, "GET /index.html HTTP/1.1");
        assert!(
            request
                .headers
                .contains(&("Host".to_owned(), "www.example.gov.cn".to_owned()))
        );

        let gbk = records[3].http_parts().unwrap();
        assert_eq!(records[3].target_uri(), Some(GBK_URL));
        assert_eq!(gbk.body, s.gbk.as_slice());
        let header = |name: &str| {
            gbk.headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(
            header("Content-Length"),
            Some(s.gbk.len().to_string().as_str())
        );
        assert_eq!(header("X-Archive-Orig-Content-Encoding"), Some("gzip"));
        assert_eq!(header("X-Archive-Orig-Transfer-Encoding"), Some("chunked"));
        assert_eq!(header("X-Archive-Orig-Content-Length"), Some("57"));
        assert_eq!(header("Content-Encoding"), None);

        assert_eq!(records[4].http_parts().unwrap().body, s.binary.as_slice());
    }
}

#[test]
fn payload_digest_is_conventional_sha1_base32() {
    let mut out = Vec::new();
    let mut w = WarcWriter::new(&mut out);
    for body in [&b""[..], b"abc"] {
        w.write_response(&HttpResponse {
            url: HTML_URL,
            fetched_at: fetched_at(),
            status: 204,
            headers: &[],
            body,
            ip: None,
        })
        .unwrap();
    }
    w.finish().unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("WARC-Payload-Digest: sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ\r\n"));
    assert!(text.contains("WARC-Payload-Digest: sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5\r\n"));
}

#[test]
fn values_that_would_corrupt_a_record_are_refused() {
    let mut w = WarcWriter::new(Vec::new());
    let injected = headers(&[("X-Note", "ok\r\nWARC-Type: revisit")]);
    let bad_name = headers(&[("Bad Name", "v")]);
    let cases: [(&str, &[(String, String)]); 3] = [
        (HTML_URL, &injected),
        ("http://example.gov.cn/a b", &[]),
        (HTML_URL, &bad_name),
    ];
    for (url, hs) in cases {
        let result = w.write_response(&HttpResponse {
            url,
            fetched_at: fetched_at(),
            status: 200,
            headers: hs,
            body: b"x",
            ip: None,
        });
        assert!(
            matches!(result, Err(WarcError::InvalidField { .. })),
            "{url} {hs:?}: {result:?}"
        );
    }
    assert!(
        w.finish().unwrap().is_empty(),
        "nothing written for refused records"
    );
}

#[test]
fn reader_refuses_oversized_and_truncated_records() {
    let s = sample();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.warc");
    write_sample(&path, false, &s);
    let mut reader = WarcReader::new(std::fs::File::open(&path).unwrap(), 1000).unwrap();
    let outcome: Result<Vec<_>, _> = reader.by_ref().collect();
    assert!(
        matches!(outcome, Err(WarcError::TooLarge { .. })),
        "the binary record is over 1000 bytes"
    );

    let bytes = std::fs::read(&path).unwrap();
    let truncated = bytes[..bytes.len() - 100].to_vec();
    let outcome: Result<Vec<_>, _> = WarcReader::new(std::io::Cursor::new(truncated), 1 << 20)
        .unwrap()
        .collect();
    assert!(
        matches!(outcome, Err(WarcError::Malformed(_))),
        "{outcome:?}"
    );
}
