//! Sheet downloads of lists read from the database, on SQLite and PostgreSQL: what one holds in
//! memory while it is built (a few pages of rows, never the whole list and never the whole
//! file), and how many the node builds at once.
//!
//! Memory is counted by an instrumented global allocator over the Rust heap. SQLite's page
//! cache is SQLite's own allocation, bounded by its setting whatever is exported, and is not
//! counted.

mod support;

use std::alloc::System;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use calamine::Reader;
use peakmem_alloc::{INSTRUMENTED_SYSTEM, PeakMemAlloc, PeakMemAllocTrait};
use support::{TestApp, on_both};
use tower::ServiceExt;

#[global_allocator]
static HEAP: &PeakMemAlloc<System> = &INSTRUMENTED_SYSTEM;

/// The heap and the export folder are the process's: under `cargo test`, which runs this
/// file's tests on threads of one process, another test's allocations (a sign-in's 19 MiB
/// hash) would count in the measured peak, and its file would be in the folder one test
/// finds empty. The tests here take turns.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Entries written into the log before it is exported.
const ENTRIES: usize = 100_000;
/// What building one download may hold at its peak, whatever its length.
const BUDGET_MB: usize = 8;

/// Writes `n` entries a city coordinator sees straight into the log, as a winter of closed
/// management leaves them.
async fn fill_audit_log(t: &TestApp, n: usize) {
    let mut conn = t.app.db.conn().await.unwrap();
    for start in (0..n).step_by(500) {
        let batch = start..(start + 500).min(n);
        let values: Vec<String> = (0..batch.len())
            .map(|k| {
                let p = k * 4;
                format!(
                    "(${}, ${}, 'admin', 'resident.viewed', 'area', ${}, ${})",
                    p + 1,
                    p + 2,
                    p + 3,
                    p + 4
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO audit_log (id, at, actor_name, action, target_kind, target_id, detail) VALUES {}",
            values.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for i in batch {
            q = q
                .bind(uuid::Uuid::now_v7().to_string())
                .bind(1_600_000_000_000_i64 + i as i64 * 1000)
                .bind(format!("area-{i}"))
                .bind(format!(
                    "第{i}条：查看居民登记信息，核对隔离期健康监测记录与上门随访情况"
                ));
        }
        q.execute(&mut *conn).await.unwrap();
    }
}

#[tokio::test]
async fn a_long_audit_log_is_exported_holding_a_few_pages_of_it_at_a_time() {
    let _turn = ONE_AT_A_TIME.lock().await;
    on_both(async |t| {
        fill_audit_log(t, ENTRIES).await;
        let (cookie, _) = t.browser("admin").await;
        let export = Request::get("/audit/export.xlsx")
            .header(header::COOKIE, &cookie)
            .body(Body::empty())
            .unwrap();

        // The file is finished before its first byte is sent, so the peak up to the answer is
        // the peak of building it.
        HEAP.reset_peak_memory();
        let r = t.router.clone().oneshot(export).await.unwrap();
        let peak = HEAP.get_peak_memory();
        assert_eq!(r.status(), StatusCode::OK);

        let file = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(file.to_vec())).unwrap();
        let sheet = book.worksheet_range_at(0).unwrap().unwrap();
        // Every entry is in it under the header, the fixture's own entries with them.
        assert!(sheet.height() > ENTRIES, "{} rows", sheet.height());
        println!(
            "{}: {} rows, {} KB, peak heap while building {} KB",
            t.backend,
            sheet.height(),
            file.len() / 1024,
            peak / 1024
        );
        assert!(peak < BUDGET_MB << 20, "{} KB at the peak", peak / 1024);
    })
    .await;
}

#[tokio::test]
async fn a_download_waits_for_a_free_export_slot_and_is_told_when_to_come_back() {
    let _turn = ONE_AT_A_TIME.lock().await;
    on_both(async |t| {
        let (cookie, _) = t.browser("admin").await;
        // Two downloads being built elsewhere on this node hold both of its slots.
        let first = t.app.capacity.export().unwrap();
        let _second = t.app.capacity.export().unwrap();
        let downloads = [
            "/audit/export.xlsx",
            "/users/export.xlsx",
            "/errands/export.xlsx",
            "/hours/ledger.xlsx",
        ];
        for path in downloads {
            let r = t.page(path, &cookie).await;
            assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{path}");
            assert_eq!(r.headers[header::RETRY_AFTER], "30", "{path}");
        }
        drop(first);
        for path in downloads {
            let r = t.page(path, &cookie).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
        }
        // Each download gave its slot back with its last byte, and took its file with it from
        // the node's export folder (by default one for each process).
        assert!(t.app.capacity.export().is_ok());
        let folder = std::env::temp_dir().join(format!("sanshe-exports-{}", std::process::id()));
        let left: Vec<_> = std::fs::read_dir(&folder).unwrap().flatten().collect();
        assert!(left.is_empty(), "{left:?}");
    })
    .await;
}
