//! Safe on the internet (issue 13): each test is named after the finding it holds, and runs on
//! SQLite and, when configured, on PostgreSQL.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;
use support::{PASSWORD, on_both};

/// An .xlsx with the header in row 1 and one cell at the far corner, XFD1048576.
fn sparse_sheet() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet.write_string(1_048_575, 16_383, "x").unwrap();
    book.save_to_buffer().unwrap()
}

fn problem_code(r: &support::Resp) -> (String, String, String) {
    let p = r.json();
    (
        p["errors"][0]["field"].as_str().unwrap_or("").to_string(),
        p["errors"][0]["code"].as_str().unwrap_or("").to_string(),
        p["errors"][0]["message"].as_str().unwrap_or("").to_string(),
    )
}

#[tokio::test]
async fn finding_1_a_sparse_sheet_is_refused_by_its_cell_reference() {
    on_both(async |t| {
        let file = sparse_sheet();
        assert!(file.len() < 16 * 1024, "{} bytes", file.len());
        let ling = t.token("worker.lingyanli").await;
        let path = format!("/api/v1/imports/residents?community={}", t.lingyanli);
        let r = t
            .post_multipart(&path, Some(&ling), None, &[], ("sparse.xlsx", &file))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let (field, code, message) = problem_code(&r);
        assert_eq!(
            (field.as_str(), code.as_str()),
            ("file", "err-file-too-many-columns")
        );
        // The message names the limit.
        assert!(message.contains("64"), "{message}");
        assert_eq!(t.count("residents").await, 0);
        // Someone who may import nothing is refused before a byte of the file is read.
        let (_, vol) = t.with_user("vol.test", "volunteer", &t.lingyanli).await;
        for path in ["/api/v1/imports/users", path.as_str()] {
            let r = t
                .post_multipart(path, Some(&vol), None, &[], ("sparse.xlsx", &file))
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}: {}", r.text());
        }
    })
    .await;
}

#[tokio::test]
async fn finding_2_bodies_are_bounded_per_route() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        // A JSON route takes tens of kilobytes, a public one less, an upload route megabytes.
        let big = "x".repeat(100 * 1024);
        let r = t
            .post_json(
                "/api/v1/areas",
                Some(&ling),
                json!({"parent_id": t.lingyanli, "name": big}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["errors"][0]["field"], "body");
        // It says the body is too long, not that it is not JSON.
        assert_eq!(r.json()["errors"][0]["code"], "err-body-too-long");
        let r = t
            .post_json(
                "/api/v1/volunteers/applications",
                None,
                json!({"name": "x".repeat(20 * 1024)}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(r.json()["errors"][0]["code"], "err-body-too-long");
        let csv = format!(
            "姓名,身份证号,房号\n{}",
            "张三,11010519491231002X,101\n".repeat(3_000)
        );
        assert!(csv.len() > 80 * 1024);
        let path = format!("/api/v1/imports/residents?community={}", t.lingyanli);
        let r = t
            .post_multipart(&path, Some(&ling), None, &[], ("big.csv", csv.as_bytes()))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        // A CSV of commas is refused before the reader indexes a field of it.
        let commas = ",".repeat(3 * 1024 * 1024);
        let r = t
            .post_multipart(
                &path,
                Some(&ling),
                None,
                &[],
                ("commas.csv", commas.as_bytes()),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem_code(&r).1, "err-file-too-many-columns");
    })
    .await;
}

#[tokio::test]
async fn finding_13_a_title_row_and_a_two_row_header_are_read() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        // As offices make them: a title merged across the columns, a note, then a header whose
        // 住址 spans 楼栋 单元 房号 in the row below.
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let title = rust_xlsxwriter::Format::new().set_bold();
        sheet
            .merge_range(0, 0, 0, 5, "凌研里社区居民信息登记表", &title)
            .unwrap();
        sheet.write_string(1, 0, "填表日期：2020年2月1日").unwrap();
        for (c, h) in ["姓名", "身份证号", "住址", "", "", "手机号"]
            .iter()
            .enumerate()
        {
            sheet.write_string(2, c as u16, *h).unwrap();
        }
        for (c, h) in [(2, "楼栋"), (3, "单元"), (4, "房号")] {
            sheet.write_string(3, c, h).unwrap();
        }
        let rows = [
            [
                "王淑兰",
                "11010519491231002X",
                "1号楼",
                "1单元",
                "101",
                "13812345678",
            ],
            ["李建国", "bad-number", "1号楼", "1单元", "102", ""],
        ];
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet.write_string(4 + r as u32, c as u16, *v).unwrap();
            }
        }
        let file = book.save_to_buffer().unwrap();
        let path = format!("/api/v1/imports/residents?community={}", t.lingyanli);
        let r = t
            .post_multipart(&path, Some(&ling), None, &[], ("登记表.xlsx", &file))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let report = r.json();
        assert_eq!(report["accepted"], 1, "{report}");
        // The bad row is reported under the row number Excel shows.
        assert_eq!(report["rejected"][0]["row"], 6, "{report}");
        assert_eq!(report["rejected"][0]["column"], "身份证号");
        let found = t
            .get("/api/v1/residents?q=王淑兰", Some(&ling))
            .await
            .json();
        assert_eq!(found["items"][0]["address"], "1号楼 1单元 101", "{found}");
    })
    .await;
}

#[tokio::test]
async fn finding_3_long_user_names_are_refused_before_any_write() {
    on_both(async |t| {
        let failures = t.count("sign_in_failures").await;
        let audit = t.count("audit_log").await;
        let r = t
            .post_json(
                "/api/v1/sessions",
                None,
                json!({"username": "a".repeat(1_000), "password": "x"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Ten megabytes never reach the handler.
        let r = t
            .post_json(
                "/api/v1/sessions",
                None,
                json!({"username": "a".repeat(10 * 1024 * 1024), "password": "x"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(t.count("sign_in_failures").await, failures);
        assert_eq!(t.count("audit_log").await, audit);
    })
    .await;
}

#[tokio::test]
async fn finding_7_a_stranger_cannot_lock_the_owner_out() {
    on_both(async |t| {
        for _ in 0..3 {
            let r = t
                .sign_in_from("203.0.113.9", "admin", "wrong-password")
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        // The owner, elsewhere, gets in at once with the right password.
        let started = std::time::Instant::now();
        let r = t.sign_in_from("198.51.100.7", "admin", PASSWORD).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        // The stranger's next failure waits longer than the first did.
        let started = std::time::Instant::now();
        let r = t.sign_in_from("203.0.113.9", "admin", "wrong-again").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(started.elapsed() >= std::time::Duration::from_millis(800));
    })
    .await;
}

#[tokio::test]
async fn finding_4_a_sign_in_flood_does_not_starve_signed_in_users() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let t = std::sync::Arc::new(t.handle());
        // 400 wrong sign-ins with random names from 400 addresses (so no per-address budget
        // stops them), 64 at a time.
        let flood = {
            let t = t.clone();
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for wave in 0..7 {
                    let mut calls = Vec::new();
                    for i in 0..64 {
                        let n = wave * 64 + i;
                        if n >= 400 {
                            break;
                        }
                        let t = t.clone();
                        calls.push(tokio::spawn(async move {
                            let peer = format!("10.{}.{}.{}", n / 65536, (n / 256) % 256, n % 256);
                            t.sign_in_from(&peer, &format!("guess{n}"), "nope")
                                .await
                                .status
                        }));
                    }
                    for c in calls {
                        statuses.push(c.await.unwrap());
                    }
                }
                statuses
            })
        };
        let mut slowest = std::time::Duration::ZERO;
        while !flood.is_finished() {
            let started = std::time::Instant::now();
            let r = t.get("/api/v1/residents", Some(&ling)).await;
            assert_eq!(r.status, StatusCode::OK);
            slowest = slowest.max(started.elapsed());
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let statuses = flood.await.unwrap();
        let limited = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        println!(
            "{}: flood answered 422 x{}, 429 x{limited}; slowest signed-in list {slowest:?}",
            t.backend,
            statuses.len() - limited
        );
        assert_eq!(statuses.len(), 400);
        assert!(
            statuses.iter().all(|s| !s.is_server_error()),
            "{statuses:?}"
        );
        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY
                    || *s == StatusCode::TOO_MANY_REQUESTS),
            "{statuses:?}"
        );
        assert!(
            slowest < std::time::Duration::from_millis(1_000),
            "a signed-in list took {slowest:?}"
        );
        assert_eq!(t.get("/healthz", None).await.status, StatusCode::OK);
    })
    .await;
}

#[tokio::test]
async fn public_routes_are_throttled_per_address() {
    on_both(async |t| {
        let mut limited = None;
        for i in 0..80 {
            let r = t.sign_in_from("192.0.2.1", "", "").await;
            if r.status == StatusCode::TOO_MANY_REQUESTS {
                limited = Some((i, r));
                break;
            }
        }
        let (i, r) = limited.expect("throttled within 80 sign-ins");
        assert!(i >= 50, "throttled after {i}");
        assert!(r.headers.get(header::RETRY_AFTER).is_some());
        assert_eq!(
            r.headers.get(header::CONTENT_TYPE).unwrap(),
            "application/problem+json"
        );
        // Another address is not.
        let r = t.sign_in_from("192.0.2.2", "admin", PASSWORD).await;
        assert_eq!(r.status, StatusCode::CREATED);
    })
    .await;
}

#[tokio::test]
async fn finding_12_metrics_answer_this_machine_only() {
    on_both(async |t| {
        let get = |peer: &'static str| {
            Request::get("/metrics")
                .body(Body::empty())
                .map(|r| (peer, r))
                .unwrap()
        };
        let (peer, req) = get("127.0.0.1");
        assert_eq!(t.request_from(peer, req).await.status, StatusCode::OK);
        let (peer, req) = get("203.0.113.5");
        assert_eq!(
            t.request_from(peer, req).await.status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn finding_6_redirects_stay_on_this_site_and_never_fail() {
    let t = support::TestApp::sqlite().await;
    for next in [
        "/%5Cevil.example",
        "/%09/evil.example",
        "//evil.example",
        "https://evil.example",
        "/%0D%0ASet-Cookie:%20x=1",
        "/a%7Fb",
        "/%20/evil.example",
    ] {
        let r = t.get(&format!("/lang/en?next={next}"), None).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(r.headers["location"], "/", "{next}");
    }
    let r = t.get("/lang/en?next=/residents%3Fq%3D1", None).await;
    assert_eq!(r.headers["location"], "/residents?q=1");
    // Signing in with a poisoned `next` lands at home, signed in.
    let (cookie, csrf) = t.login_form().await;
    let r = t
        .post_sign_in(
            Some(&cookie),
            &format!("username=admin&password={PASSWORD}&csrf={csrf}&next=%2F%0D%0Ax"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(r.headers["location"], "/");
    t.finish().await;
}

#[tokio::test]
async fn finding_12_the_sign_in_form_has_a_csrf_token() {
    let t = support::TestApp::sqlite().await;
    // A form posted from elsewhere carries neither the cookie nor the token: nobody is signed in.
    let r = t
        .post_sign_in(None, &format!("username=admin&password={PASSWORD}"))
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .all(|c| !c.to_str().unwrap().starts_with("sanshe_session=")),
    );
    // A token from another visit does not fit this visitor's cookie.
    let (cookie, _) = t.login_form().await;
    let (_, other_token) = t.login_form().await;
    let r = t
        .post_sign_in(
            Some(&cookie),
            &format!("username=admin&password={PASSWORD}&csrf={other_token}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Behind https, cookies are Secure without a setting.
    let mut app = t.app.clone();
    app.public_url = "https://sanshe.example".into();
    let https = sanshe_web::router(sanshe_web::AppState::new(app, Default::default()));
    let r = tower::ServiceExt::oneshot(https, Request::get("/login").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let set = r.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_string();
    assert!(set.contains("; Secure"), "{set}");
    t.finish().await;
}

/// A gate of the fixture's compound (one outing per household every two days) and a pass for
/// each of `households` new households; the passes' codes.
async fn gate_and_passes(
    t: &support::TestApp,
    token: &str,
    households: usize,
) -> (String, Vec<String>) {
    let compound = t.lingyanli_compound(token).await;
    let g = t.add_gate(token, "南门").await;
    for i in 0..households {
        t.resident("马红", &support::id_for(1975, 7, 7, 2 * i as u16 + 1))
            .room(&format!("{}", 101 + i))
            .in_area(&t.lingyanli_building)
            .by(token)
            .await;
    }
    let passes = t
        .post_json(
            "/api/v1/passes",
            Some(token),
            json!({"area_id": compound, "valid_from": "2026-11-01", "valid_to": "2026-12-31"}),
        )
        .await;
    assert_eq!(passes.status, StatusCode::CREATED, "{}", passes.text());
    let codes = passes
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect();
    (g["id"].as_str().unwrap().to_string(), codes)
}

fn scan_body(gate: &str, code: &str, direction: &str, temperature: f64) -> serde_json::Value {
    json!({"id": uuid::Uuid::now_v7().to_string(), "gate_id": gate, "pass_code": code, "direction": direction, "temperature": temperature})
}

#[tokio::test]
async fn finding_5_two_nodes_on_one_database_keep_the_rules_of_one() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let (gate, codes) = gate_and_passes(t, &w, 50).await;
        let b = t.second_node().await;
        let wb = b.token("worker.lingyanli").await;
        let (a, b) = (std::sync::Arc::new(t.handle()), std::sync::Arc::new(b));

        // Two exits of each household at the same moment, one through each node, under a quota
        // of one: exactly one of each pair goes out.
        let mut calls = Vec::new();
        for code in &codes {
            for (node, token) in [(a.clone(), w.clone()), (b.clone(), wb.clone())] {
                let body = scan_body(&gate, code, "out", 36.5);
                calls.push(tokio::spawn(async move {
                    node.post_json("/api/v1/scans", Some(&token), body).await
                }));
            }
        }
        let mut allowed = std::collections::HashMap::<String, usize>::new();
        for (i, c) in calls.into_iter().enumerate() {
            let r = c.await.unwrap();
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            let v = r.json();
            if v["decision"] == "allowed" {
                *allowed.entry(codes[i / 2].clone()).or_default() += 1;
            } else {
                assert_eq!(v["reason"], "quota_used", "{v}");
            }
        }
        assert_eq!(allowed.len(), 50, "every household got out once");
        assert!(allowed.values().all(|n| *n == 1), "{allowed:?}");

        // One scan id sent to both nodes, each inside a batch of new scans: both answer with the
        // one stored outcome, and the other scans of both batches are recorded.
        let twice = scan_body(&gate, &codes[0], "in", 36.6);
        let mut calls = Vec::new();
        for (node, token) in [(a.clone(), w.clone()), (b.clone(), wb.clone())] {
            for (i, code) in codes.iter().take(20).enumerate() {
                let body = if i == 10 {
                    twice.clone()
                } else {
                    scan_body(&gate, code, "in", 36.6)
                };
                let (node, token) = (node.clone(), token.clone());
                calls.push(tokio::spawn(async move {
                    node.post_json("/api/v1/scans", Some(&token), body).await
                }));
            }
        }
        let mut repeats = Vec::new();
        for c in calls {
            let r = c.await.unwrap();
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            let v = r.json();
            if v["id"].as_str().map(|s| s.replace('-', ""))
                == twice["id"].as_str().map(|s| s.replace('-', ""))
            {
                repeats.push(v["repeated"].as_bool().unwrap());
            }
        }
        repeats.sort();
        assert_eq!(repeats, [false, true]);
        assert_eq!(a.count("scans").await, 100 + 39);

        // The first fever of a household, at once on both nodes: one alert, counted twice.
        let mut calls = Vec::new();
        for (node, token, code) in [
            (a.clone(), w.clone(), &codes[1]),
            (b.clone(), wb.clone(), &codes[1]),
        ] {
            let body = scan_body(&gate, code, "in", 38.4);
            calls.push(tokio::spawn(async move {
                node.post_json("/api/v1/scans", Some(&token), body).await
            }));
        }
        for c in calls {
            let r = c.await.unwrap();
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            assert_eq!(r.json()["reason"], "fever");
        }
        let alerts = a.get("/api/v1/alerts", Some(&w)).await.json()["items"].clone();
        let fevers: Vec<&serde_json::Value> = alerts
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["kind"] == "gate_fever")
            .collect();
        assert_eq!(fevers.len(), 1, "{alerts}");
        assert_eq!(fevers[0]["occurrences"], 2);

        let b = std::sync::Arc::try_unwrap(b).ok().unwrap();
        b.finish().await;
    })
    .await;
}

#[tokio::test]
async fn finding_10_backdated_offline_exits_cannot_reopen_past_quotas() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let (gate, codes) = gate_and_passes(t, &w, 1).await;
        let now = t.app.clock.now_ms();
        let days_ago = |d: i64| {
            chrono::DateTime::from_timestamp_millis(now - d * 86_400_000)
                .unwrap()
                .to_rfc3339()
        };
        let mut outcomes = Vec::new();
        for d in [2, 4, 6] {
            let mut body = scan_body(&gate, &codes[0], "out", 36.5);
            body["scanned_at"] = json!(days_ago(d));
            body["device_decision"] = json!("allowed");
            let r = t.post_json("/api/v1/scans", Some(&w), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            outcomes.push(r.json());
        }
        // Queued offline, sent in one real day: one outing, the others refused and flagged.
        assert_eq!(outcomes[0]["decision"], "allowed");
        for o in &outcomes[1..] {
            assert_eq!(
                (o["decision"].as_str(), o["reason"].as_str()),
                (Some("refused"), Some("quota_used")),
                "{o}"
            );
            assert_eq!(o["flagged"], true);
        }
        // Nor does a scan made now get a second outing in this real period.
        let r = t
            .post_json(
                "/api/v1/scans",
                Some(&w),
                scan_body(&gate, &codes[0], "out", 36.5),
            )
            .await;
        assert_eq!(r.json()["reason"], "quota_used");
        // The next period has room again.
        t.app.clock.advance(chrono::Duration::days(2));
        let r = t
            .post_json(
                "/api/v1/scans",
                Some(&w),
                scan_body(&gate, &codes[0], "out", 36.5),
            )
            .await;
        assert_eq!(r.json()["decision"], "allowed", "{}", r.text());
    })
    .await;
}

#[tokio::test]
async fn finding_12_gate_traffic_counts_its_own_refusals() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let (south, codes) = gate_and_passes(t, &w, 1).await;
        let north = t.add_gate(&w, "北门").await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = t
            .post_json(
                "/api/v1/scans",
                Some(&w),
                scan_body(&south, &codes[0], "in", 38.5),
            )
            .await;
        assert_eq!(r.json()["reason"], "fever");
        let at_north = t
            .get(&format!("/api/v1/gates/{north}/traffic"), Some(&w))
            .await
            .json();
        assert_eq!(at_north["refusals"], json!([]), "{at_north}");
        let at_south = t
            .get(&format!("/api/v1/gates/{south}/traffic"), Some(&w))
            .await
            .json();
        assert_eq!(at_south["refusals"], json!([["fever", 1]]), "{at_south}");
    })
    .await;
}

#[tokio::test]
async fn finding_12_nodes_starting_at_once_migrate_once_and_edits_are_caught() {
    for pg in support::engines() {
        let Some((url, cleanup)) = support::empty_database(pg).await else {
            continue;
        };
        let (one, two) = tokio::join!(
            sanshe_store::Db::connect(&url),
            sanshe_store::Db::connect(&url)
        );
        let (one, two) = (one.unwrap(), two.unwrap());
        let (a, b) = tokio::join!(one.migrate(), two.migrate());
        let (a, b) = (
            a.expect("first node migrates"),
            b.expect("second node migrates"),
        );
        // Every migration ran once, on one node or the other.
        assert_eq!(
            a.len() + b.len(),
            sanshe_store::migration_count(),
            "{a:?} {b:?}"
        );
        assert!(one.migrate().await.unwrap().is_empty());
        // An applied migration whose text changed stops the start, saying which.
        sqlx::query("UPDATE schema_checksums SET checksum = 'edited' WHERE version = 3")
            .execute(&one.pool)
            .await
            .unwrap();
        let e = two.migrate().await.unwrap_err().to_string();
        assert!(e.contains("0003_gates"), "{e}");
        one.pool.close().await;
        two.pool.close().await;
        support::drop_database(cleanup).await;
    }
}

fn application(t: &support::TestApp, name: &str, seq: u16, skill: &str) -> serde_json::Value {
    json!({"name": name, "document_number": support::id_for(1990, 1, 1, seq), "phone": "13912345678",
           "area_id": t.lingyanli, "skills": [skill], "consent": true})
}

#[tokio::test]
async fn finding_8_public_sign_up_is_throttled_paged_and_tells_nothing() {
    on_both(async |t| {
        // One place sends a burst of applications: the budget runs out.
        let mut statuses = Vec::new();
        for i in 0..25u16 {
            let r = t
                .post_json_from(
                    "198.51.100.20",
                    "/api/v1/volunteers/applications",
                    application(t, "赵一", 2 * i + 1, "driving"),
                )
                .await;
            statuses.push(r.status);
        }
        assert!(
            statuses[..20].iter().all(|s| *s == StatusCode::CREATED),
            "{statuses:?}"
        );
        assert!(
            statuses[20..]
                .iter()
                .all(|s| *s == StatusCode::TOO_MANY_REQUESTS)
        );
        // The same ID number again, from elsewhere: the same answer as a first application.
        let first = t
            .post_json_from(
                "198.51.100.21",
                "/api/v1/volunteers/applications",
                application(t, "钱二", 101, "medical"),
            )
            .await;
        let again = t
            .post_json_from(
                "198.51.100.22",
                "/api/v1/volunteers/applications",
                application(t, "孙三", 101, "medical"),
            )
            .await;
        assert_eq!(first.status, again.status);
        let keys = |r: &support::Resp| {
            let v = r.json();
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            (k, v["status"].clone(), v["same_document"].clone())
        };
        assert_eq!(keys(&first), keys(&again));
        // The vetting list pages and filters: 22 open applications, 15 at a time, each once, in
        // the order they came, with the total on every page.
        let w = t.token("worker.lingyanli").await;
        let (open, total) = t
            .every_page("/api/v1/volunteers/applications?status=open&limit=15", &w)
            .await;
        let ids: Vec<&str> = open.iter().map(|a| a["id"].as_str().unwrap()).collect();
        let mut in_order = ids.clone();
        in_order.sort();
        in_order.dedup();
        assert_eq!((ids.len(), total), (22, 22));
        assert_eq!(ids, in_order, "each once, in the order they came");
        let medical = t
            .get("/api/v1/volunteers/applications?skill=medical", Some(&w))
            .await
            .json()["items"]
            .clone();
        assert_eq!(medical.as_array().unwrap().len(), 2);
        assert!(
            medical
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["same_document"] == 1)
        );
        let named = t
            .get("/api/v1/volunteers/applications?q=孙", Some(&w))
            .await
            .json();
        assert_eq!(
            (named["items"].as_array().unwrap().len(), &named["total"]),
            (1, &json!(1))
        );
        let forged = t
            .get(
                "/api/v1/volunteers/applications?after=not-a-cursor",
                Some(&w),
            )
            .await;
        assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
        let bad = t
            .get(
                "/api/v1/volunteers/applications?status=everything",
                Some(&w),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        // The page shows a page at a time with a link to the next.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let html = t.page("/volunteers?skill=driving", &cookie).await.text();
        assert_eq!(html.matches("data-application=").count(), 20, "{html}");
        assert!(
            html.contains("<span id=\"pending-total\">20</span>"),
            "{html}"
        );
    })
    .await;
}

#[tokio::test]
async fn finding_8_a_report_link_holds_a_few_open_errands_at_most() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let isolated = t
            .resident("孙丽", &support::id_for(1979, 6, 6, 41)).room("501").in_area(&t.lingyanli_building).by(&w)
            .await;
        let opened = t
            .post_json(
                "/api/v1/isolations",
                Some(&w),
                json!({"resident_id": isolated["id"], "kind": "home_medical_observation", "exposure_date": t.app.clock.today().to_string()}),
            )
            .await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text());
        let link = opened.json()["report_link"].as_str().unwrap().to_string();
        let t = std::sync::Arc::new(t.handle());
        // Ten at once: three are taken, the rest are told why.
        let mut calls = Vec::new();
        for i in 0..10 {
            let (t, link) = (t.clone(), link.clone());
            calls.push(tokio::spawn(async move {
                let form = format!("needs=%E8%8D%AF{i}&for_whom=%E6%9C%AC%E4%BA%BA&urgency=urgent");
                t.post_form(&format!("{link}/help"), "", &form).await
            }));
        }
        let mut taken = 0;
        for c in calls {
            let r = c.await.unwrap();
            match r.status {
                StatusCode::SEE_OTHER => taken += 1,
                s => {
                    assert!(!s.is_server_error(), "{s}");
                    assert!(r.text().contains("3 个求助正在处理"), "{}", r.text());
                }
            }
        }
        assert_eq!(taken, 3);
        let listed = t.get("/api/v1/help-requests", Some(&w)).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn finding_12_many_reveals_in_minutes_alert_the_coordinator() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let mut ids = Vec::new();
        for i in 0..21u16 {
            let r = t
                .resident("周四", &support::id_for(1960, 3, 3, 2 * i + 1))
                .room(&format!("{}", 201 + i))
                .in_area(&t.lingyanli_building)
                .by(&w)
                .await;
            ids.push(r["id"].as_str().unwrap().to_string());
        }
        let admin = t.token("admin").await;
        let alerts_of = |kind: &'static str| {
            let (t, admin) = (&t, admin.clone());
            async move {
                let all = t.get("/api/v1/alerts", Some(&admin)).await.json()["items"].clone();
                all.as_array()
                    .unwrap()
                    .iter()
                    .filter(|a| a["kind"] == kind)
                    .cloned()
                    .collect::<Vec<_>>()
            }
        };
        for (n, id) in ids.iter().enumerate() {
            let r = t
                .post_json(
                    &format!("/api/v1/residents/{id}/reveal"),
                    Some(&w),
                    json!({"reason": "核对身份"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            if n == 18 {
                assert!(
                    alerts_of("many_reveals").await.is_empty(),
                    "19 reveals are a desk's work"
                );
            }
        }
        let raised = alerts_of("many_reveals").await;
        assert_eq!(raised.len(), 1, "{raised:?}");
        assert_eq!(raised[0]["subject_kind"], "user");
    })
    .await;
}

#[tokio::test]
async fn finding_9_every_field_has_a_length_a_count_or_a_window() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let code = |r: &support::Resp| (r.status, problem_code(r).0, problem_code(r).1);
        // An errand's address.
        let r = t
            .post_json(
                "/api/v1/help-requests",
                Some(&w),
                json!({"area_id": t.lingyanli, "address": "长".repeat(201), "for_whom": "王奶奶", "needs": "药", "urgency": "today"}),
            )
            .await;
        assert_eq!(code(&r), (StatusCode::UNPROCESSABLE_ENTITY, "address".into(), "err-too-long-max".into()));
        assert!(problem_code(&r).2.contains("200"));
        // A campaign's questions: counted before anything is built from them.
        let many: Vec<String> = (0..21).map(|i| format!("问题{i}")).collect();
        let r = t
            .post_json(
                "/api/v1/campaigns",
                Some(&w),
                json!({"area_id": t.lingyanli, "name": "排查", "custom_questions": many}),
            )
            .await;
        assert_eq!(code(&r), (StatusCode::UNPROCESSABLE_ENTITY, "questions".into(), "err-too-many-questions".into()));
        // Passes valid from year 0000 to 9999.
        let resident = t
            .resident("马红", &support::id_for(1975, 7, 7, 1)).in_area(&t.lingyanli_building).by(&w)
            .await;
        let hh = resident.household_id.as_str();
        for (from, to, field, key) in [
            ("0000-01-01", "2026-12-31", "valid_from", "err-date-too-early"),
            ("2026-11-28", "9999-12-31", "valid_to", "err-date-span-too-long"),
            ("2026-11-28", "2028-01-01", "valid_to", "err-date-span-too-long"),
        ] {
            let r = t
                .post_json(
                    "/api/v1/passes",
                    Some(&w),
                    json!({"household_id": hh, "valid_from": from, "valid_to": to}),
                )
                .await;
            assert_eq!(code(&r), (StatusCode::UNPROCESSABLE_ENTITY, field.into(), key.into()), "{from}..{to}");
        }
        // Shifts made for year 1.
        let post = t.rota_post("一区南门").covering("08:00", 24, 8).with("people", 2);
        let post = post.by(&w).await;
        let r = t.make_shifts(&w, &post, "0001-01-01", 7).await;
        assert_eq!(code(&r), (StatusCode::UNPROCESSABLE_ENTITY, "from".into(), "err-date-too-early".into()));
        assert_eq!(t.count("shifts").await, 0);
        // Names with a right-to-left override and zero-width marks are stored as they look.
        let r = t
            .resident("王\u{202E}芳\u{200B}", &support::id_for(1980, 1, 1, 4)).room("102").in_area(&t.lingyanli_building).by(&w)
            .await;
        assert_eq!(r["name"], "王芳");
        let r = t
            .post_json("/api/v1/gates", Some(&w), json!({"compound_id": t.lingyanli, "name": "\u{2066}南门\u{2069}"}))
            .await;
        assert_eq!(r.json()["name"], "南门", "{}", r.text());
    })
    .await;
}

/// Resolves a local `$ref` in the document, or fails the test naming it.
fn resolve<'a>(doc: &'a serde_json::Value, reference: &str) -> &'a serde_json::Value {
    let pointer = reference.strip_prefix('#').expect("local reference");
    doc.pointer(pointer)
        .unwrap_or_else(|| panic!("{reference} does not resolve"))
}

#[tokio::test]
async fn finding_11_the_api_document_is_valid_for_every_operation() {
    let t = support::TestApp::sqlite().await;
    let doc = t.get("/api/openapi.json", None).await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let placeholders: Vec<String> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(String::from)
            .collect();
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let at = format!("{method} {path}");
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let mut in_path: Vec<String> = Vec::new();
            for p in &params {
                let name = p["name"].as_str().unwrap().to_string();
                match p["in"].as_str() {
                    Some("path") => {
                        assert!(
                            placeholders.contains(&name),
                            "{at}: {name} is no path segment"
                        );
                        assert_eq!(p["required"], true, "{at}: path {name}");
                        in_path.push(name.clone());
                    }
                    Some("query") => assert!(!placeholders.contains(&name), "{at}: {name}"),
                    other => panic!("{at}: {name} in {other:?}"),
                }
                assert!(p["schema"].is_object(), "{at}: {name} has no schema");
            }
            in_path.sort();
            let mut expected = placeholders.clone();
            expected.sort();
            assert_eq!(in_path, expected, "{at}: path parameters");
            if let Some(body) = op.get("requestBody") {
                for (kind, content) in body["content"].as_object().unwrap() {
                    let schema = &content["schema"];
                    let schema = match schema["$ref"].as_str() {
                        Some(r) => resolve(&doc, r),
                        None => schema,
                    };
                    assert!(
                        schema["properties"].is_object()
                            || schema["allOf"].is_array()
                            || schema["oneOf"].is_array()
                            || schema["type"].as_str().is_some_and(|t| t != "object"),
                        "{at}: {kind} body is untyped: {schema}"
                    );
                }
            }
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|c| c.starts_with('2')),
                "{at}: no success"
            );
            for code in ["404", "422", "429"] {
                assert!(responses.contains_key(code), "{at}: no {code}");
            }
            for (code, r) in responses {
                if code.starts_with('4') {
                    // A client reads why it was refused from the document, one line a status.
                    assert!(
                        r["description"].as_str().is_some_and(|d| !d.is_empty()),
                        "{at} {code}: no description"
                    );
                    assert!(
                        r["content"]["application/problem+json"].is_object(),
                        "{at} {code}: not a problem document"
                    );
                }
                for (kind, content) in r["content"].as_object().into_iter().flatten() {
                    if let Some(reference) = content["schema"]["$ref"].as_str() {
                        resolve(&doc, reference);
                        if reference.ends_with("/Problem") {
                            assert_eq!(kind, "application/problem+json", "{at} {code}");
                        }
                    }
                }
            }
        }
    }
    assert!(operations >= 100, "{operations} operations");
    // Every operation needs the bearer token but the few a handler opens with `security(())`.
    let mut open: Vec<String> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            match op.get("security") {
                None => open.push(format!("{method} {path}")),
                Some(s) => assert_eq!(s, &serde_json::json!([{"bearer": []}]), "{method} {path}"),
            }
        }
    }
    open.sort();
    assert_eq!(
        open,
        [
            "get /api/v1/divisions",
            "get /api/v1/imports/residents/template.xlsx",
            "post /api/v1/sessions",
            "post /api/v1/volunteers/applications",
        ]
    );
    // Every reference anywhere resolves.
    fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r);
                }
                m.values().for_each(|x| refs(x, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    for r in all {
        resolve(&doc, r);
    }
    // A query that does not parse is a problem document like every other error.
    let admin = t.token("admin").await;
    let r = t.get("/api/v1/residents?limit=many", Some(&admin)).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    assert_eq!(r.json()["errors"][0]["field"], "query");
    let r = t
        .request(
            Request::post("/api/v1/imports/users")
                .header(header::AUTHORIZATION, format!("Bearer {admin}"))
                .header(header::CONTENT_TYPE, "multipart/form-data")
                .body(Body::from("x"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
    t.finish().await;
}

#[tokio::test]
async fn retention_purges_personal_data_and_keeps_the_counts() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let (gate, codes) = gate_and_passes(t, &w, 1).await;
        let scanned = t
            .post_json("/api/v1/scans", Some(&w), scan_body(&gate, &codes[0], "out", 36.5))
            .await;
        assert_eq!(scanned.json()["decision"], "allowed");
        let visitor = t
            .post_json("/api/v1/visitors", Some(&w), json!({"gate_id": gate, "name": "快递员", "phone": "13800001111"}))
            .await;
        assert_eq!(visitor.status, StatusCode::CREATED, "{}", visitor.text());
        let person = t
            .resident("孙丽", &support::id_for(1979, 6, 6, 41)).room("301").in_area(&t.lingyanli_building).by(&w)
            .await;
        let episode = t
            .post_json("/api/v1/isolations", Some(&w), json!({"resident_id": person["id"], "kind": "home_isolation"}))
            .await
            .json()["episode"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = t
            .post_json(&format!("/api/v1/isolations/{episode}/reports"), Some(&w), json!({"temperature": 36.6}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let r = t
            .post_json(&format!("/api/v1/isolations/{episode}/release"), Some(&w), json!({"reason": "completed", "note": "期满"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let applied = t
            .post_json("/api/v1/volunteers/applications", None, application(t, "赵一", 7, "driving"))
            .await
            .json();
        let r = t
            .post_json(
                &format!("/api/v1/volunteers/applications/{}/decision", applied["id"].as_str().unwrap()),
                Some(&w),
                json!({"decision": "decline", "note": "人数已满"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let errand = t
            .post_json("/api/v1/help-requests", Some(&w), json!({"area_id": t.lingyanli, "address": "1号楼101", "for_whom": "王奶奶", "needs": "药", "urgency": "today", "contact": "13900002222"}))
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = t
            .post_json(&format!("/api/v1/help-requests/{errand}/steps"), Some(&w), json!({"step": "cancel", "reason": "家属送到"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let day = t.app.clock.today().to_string();

        // Past every retention period (the longest is a year for applicants): a dry run counts
        // and changes nothing; the purge removes.
        t.app.clock.advance(chrono::Duration::days(400));
        let keep = sanshe_app::retention::Retention::default();
        let cli = sanshe_app::accounts::Actor::command_line(&t.app).await.unwrap();
        let counted = sanshe_app::retention::purge(&t.app, &cli, &keep, true).await.unwrap();
        let rows = |what: &str, of: &[sanshe_app::retention::Purged]| {
            of.iter().find(|p| p.what == what).unwrap().rows
        };
        for what in ["health_reports", "episode_links", "scans", "visitors", "applicant_details", "errand_contacts"] {
            assert_eq!(rows(what, &counted), 1, "{what}: {counted:?}");
        }
        assert_eq!(t.count("scans").await, 1);
        let done = sanshe_app::retention::purge(&t.app, &cli, &keep, false).await.unwrap();
        assert_eq!(done, counted);
        // The audit log says what went, in the reader's language.
        let (cookie, _) = t.browser("admin").await;
        let zh = t.page("/audit", &cookie).await.text();
        assert!(zh.contains("按期限清除数据") && zh.contains("健康打卡 1 条，隔离填报链接 1 个，门岗扫码 1 条"), "{zh}");
        assert!(!zh.contains("health_reports"), "{zh}");
        for table in ["scans", "visitors", "health_reports"] {
            assert_eq!(t.count(table).await, 0, "{table}");
        }
        assert_eq!(t.count("isolation_episodes").await, 1, "the episode still counts");
        // The traffic of that day is still told, from the rollup.
        let traffic = t
            .get(&format!("/api/v1/gates/{gate}/traffic?date={day}"), Some(&w))
            .await
            .json();
        assert_eq!(traffic["total"]["exits"], 1, "{traffic}");
        assert_eq!(traffic["total"]["visitors"], 1);
        let mut conn = t.app.db.conn().await.unwrap();
        let (masked, name): (String, String) = sqlx::query_as(
            "SELECT document_masked, name FROM volunteer_applications",
        )
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!((masked.as_str(), name.as_str()), ("", "赵*"));
        let contact: Option<String> =
            sqlx::query_scalar("SELECT contact_masked FROM help_requests")
                .fetch_one(&mut *conn)
                .await
                .unwrap();
        assert_eq!(contact, None);
        drop(conn);
        // A second purge finds nothing more.
        let again = sanshe_app::retention::purge(&t.app, &cli, &keep, false).await.unwrap();
        assert!(again.iter().filter(|p| p.what != "sessions").all(|p| p.rows == 0), "{again:?}");
    })
    .await;
}

/// A page address or a form mistyped by hand (letters where a number goes) is answered with the
/// error page in Chinese inside the signed-in frame, never with a line of English.
#[tokio::test]
async fn a_mistyped_page_address_or_form_says_so_in_the_callers_language() {
    on_both(async |t| {
        let (cookie, _) = t.browser("worker.lingyanli").await;
        for path in [
            "/rota?days=abc",
            "/needs?open=maybe",
            "/rota?short=yes&from=2026-13-40",
        ] {
            let r = t.page(path, &cookie).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            let html = r.text();
            assert!(
                html.contains("查询参数有误") && html.contains("退出"),
                "{path}: {html}"
            );
            assert!(!html.contains("Failed to deserialize"), "{path}: {html}");
        }
        // A form body no page writes (a field twice) says so, in Chinese too.
        let csrf = support::csrf_on(&t.page("/gates", &cookie).await.text()).unwrap();
        let form = format!("csrf={csrf}&compound_id=x&name=a&name=b");
        let r = t.post_form("/gates", &cookie, &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("表单内容有误"), "{}", r.text());
        // An address nothing answers, or a form's address opened as a page.
        for (path, status) in [
            ("/no-such-page", StatusCode::NOT_FOUND),
            ("/gates/x/policy", StatusCode::METHOD_NOT_ALLOWED),
        ] {
            let r = t.page(path, &cookie).await;
            assert_eq!(r.status, status, "{path}");
            if status == StatusCode::METHOD_NOT_ALLOWED {
                assert_eq!(
                    r.headers.get("allow").map(|v| v.to_str().unwrap()),
                    Some("POST")
                );
            }
            assert!(
                r.text().contains("没有找到") && r.text().contains("首页"),
                "{path}: {}",
                r.text()
            );
        }
        let r = t
            .send_json("DELETE", "/api/v1/gates", None, serde_json::json!({}))
            .await;
        assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
        assert!(
            r.headers.get("allow").is_some(),
            "the API's 405 says what it takes"
        );
        let r = t.get("/api/v1/no-such-thing", None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.json()["status"], 404, "a problem document: {}", r.text());
        // An upload that is not one.
        let r = t
            .post_form("/import", &cookie, &format!("csrf={csrf}&file=x"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("无法读取"), "{}", r.text());
    })
    .await;
}

/// Two workers on two nodes tick the same alerts at the same moment: each alert is taken once,
/// by one of them, and audited once; the two counts they are told add up to the alerts.
#[tokio::test]
async fn two_nodes_take_the_same_ticked_alerts_once() {
    on_both(async |t| {
        let now = t.app.clock.now_ms();
        for n in 0..100 {
            t.gate_fever_alert(&t.lingyanli, &format!("gate-{n}"), now + n)
                .await;
        }
        let w = t.token("worker.lingyanli").await;
        let page = t
            .get("/api/v1/alerts?kind=gate_fever", Some(&w))
            .await
            .json();
        let ticked: String = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| format!("&id={}", a["id"].as_str().unwrap()))
            .collect();
        assert_eq!(ticked.matches("&id=").count(), 100);
        let audited = "audit_log WHERE action = 'alert.acknowledged'";
        let before = t.count(audited).await;
        let b = t.second_node().await;
        // Both signed in first, so that the two forms are sent together.
        let mut signed_in = Vec::new();
        for node in [std::sync::Arc::new(t.handle()), std::sync::Arc::new(b)] {
            let (cookie, csrf) = node.browser("worker.lingyanli").await;
            signed_in.push((node, cookie, format!("csrf={csrf}&kind=gate_fever{ticked}")));
        }
        let calls: Vec<_> = signed_in
            .into_iter()
            .map(|(node, cookie, form)| {
                tokio::spawn(
                    async move { node.post_form("/alerts/acknowledge", &cookie, &form).await },
                )
            })
            .collect();
        let mut taken = 0;
        for c in calls {
            let r = c.await.unwrap();
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
            let back = r.headers["location"].to_str().unwrap().to_string();
            taken += back
                .rsplit("taken=")
                .next()
                .unwrap()
                .parse::<i64>()
                .unwrap();
        }
        assert_eq!(taken, 100);
        assert_eq!(t.count(audited).await - before, 100);
    })
    .await;
}
