//! The server's peak memory while it refuses hostile uploads (issue 13, findings 1 and 2): a
//! 10 KB sheet with one cell at XFD1048576, a zip bomb, and 60 MB CSVs of commas, three at once.
//! Runs the real `sanshe` binary and reads its peak resident set from /proc after resetting it.

use std::io::Write;
use std::time::Duration;

use serde_json::Value;

mod common;
use common::DemoServer;

const PASSWORD: &str = "memory-test-2020";
/// What the issue allows above idle for any upload.
const BUDGET_MB: u64 = 256;

/// A field of /proc/PID/status in kB.
fn status_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn multipart(file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "sanshe-memory-test";
    let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

fn sparse_sheet() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save_to_buffer().unwrap()
}

fn zip_bomb() -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    out.start_file("xl/worksheets/sheet1.xml", options).unwrap();
    let chunk = b"<c><v>1</v></c>".repeat(64 * 1024);
    // About 3 GB inflated (the bomb: 3.2 GB) from a few MB.
    for _ in 0..3_200 {
        out.write_all(&chunk).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusing_hostile_uploads_stays_within_the_memory_budget() {
    let mut server = DemoServer::start("mem", PASSWORD, Duration::from_secs(120)).await;
    let (client, base) = (server.client.clone(), server.base.clone());
    let pid = server.process.id();
    let token = server.token("worker.lingyanli").await;
    let areas = server.get_json(&token, "/api/v1/areas").await;
    let community = areas[0]["id"].as_str().unwrap().to_string();
    let url = format!("{base}/api/v1/imports/residents?community={community}");
    let send = |file: Vec<u8>| {
        let (client, url, token) = (client.clone(), url.clone(), token.clone());
        async move {
            let (kind, body) = multipart(&file);
            drop(file);
            client
                .post(&url)
                .bearer_auth(&token)
                .header("content-type", kind)
                .body(body)
                .send()
                .await
        }
    };

    // Peak memory from here on: the kernel resets VmHWM to the present size.
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("reset the peak");
    let idle = status_kb(pid, "VmRSS:");

    let r = send(sparse_sheet()).await.unwrap();
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["errors"][0]["code"], "err-file-too-many-columns");

    let bomb = zip_bomb();
    assert!(bomb.len() < 16 * 1024 * 1024, "{} bytes", bomb.len());
    let r = send(bomb).await.unwrap();
    assert_eq!(r.status(), 422);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["errors"][0]["code"], "err-file-unzipped-too-large");

    // Three 60 MB CSVs of commas at once: two are read and refused, the third finds no upload
    // slot (429) or is cut off unread; nothing answers 5xx and the server stays up.
    let commas = || b",".repeat(60 * 1024 * 1024);
    let (a, b, c) = tokio::join!(send(commas()), send(commas()), send(commas()));
    let mut refused = 0;
    for r in [a, b, c].into_iter().flatten() {
        let status = r.status().as_u16();
        assert!(status == 422 || status == 429, "{status}");
        refused += usize::from(status == 422);
    }
    assert!(refused >= 1);
    let peak = status_kb(pid, "VmHWM:");
    let health = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert!(health.status().is_success());
    let _ = server.process.kill();
    let _ = server.process.wait();
    let _ = std::fs::remove_dir_all(&server.dir);
    let above = peak.saturating_sub(idle) / 1024;
    println!(
        "idle {} MB, peak {} MB, {above} MB above idle",
        idle / 1024,
        peak / 1024
    );
    assert!(above < BUDGET_MB, "peak {above} MB above idle");
}
