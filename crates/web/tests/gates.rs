//! Gate checkpoints over HTTP on SQLite and PostgreSQL: policies, passes, the scan rule (fever,
//! quota across midnight in China time, hours, validity, revocation, suspension during isolation,
//! wrong compound, forged codes), idempotent scans, visitors, traffic, scope.

mod support;

use axum::http::StatusCode;
use serde_json::{Value, json};
use support::{TestApp, id_for, on_both};

struct Gate {
    id: String,
    compound: String,
}

async fn gate(t: &TestApp, token: &str) -> Gate {
    let compound = t.lingyanli_compound(token).await;
    let g = t.add_gate(token, "南门").await;
    assert_eq!(
        g["policy"]["exits_per_period"], 1,
        "one outing per household every two days by default"
    );
    assert_eq!(g["policy"]["period_days"], 2);
    Gate {
        id: g["id"].as_str().unwrap().to_string(),
        compound,
    }
}

async fn household_pass(
    t: &TestApp,
    token: &str,
    room: &str,
    seq: u16,
    valid_to: &str,
) -> (Value, String) {
    let r = t
        .resident("马红", &id_for(1975, 7, 7, seq))
        .room(room)
        .in_area(&t.lingyanli_building)
        .by(token)
        .await;
    let hh = r.household_id.clone();
    let p = t
        .post_json(
            "/api/v1/passes",
            Some(token),
            json!({"household_id": hh, "valid_to": valid_to}),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
    (p.json()[0].clone(), r["id"].as_str().unwrap().to_string())
}

fn scan_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

async fn scan(t: &TestApp, token: &str, body: Value) -> (StatusCode, Value) {
    t.post_json("/api/v1/scans", Some(token), body)
        .await
        .answer()
}

async fn pass_token(t: &TestApp, token: &str, pass: &str) -> String {
    // The QR code is an SVG; the token inside is what a camera reads. Tests ask the app for it.
    let r = t
        .get(&format!("/api/v1/passes/{pass}/qr.svg"), Some(token))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().starts_with("<?xml") || r.text().contains("<svg"));
    sanshe_app::gates::pass_token(&t.app, pass)
}

async fn out(t: &TestApp, token: &str, gate: &str, code: &str, temp: f64) -> (StatusCode, Value) {
    scan(t, token, json!({"id": scan_id(), "gate_id": gate, "pass_code": code, "direction": "out", "temperature": temp})).await
}

#[tokio::test]
async fn the_gate_rule_on_passes_fever_quota_and_signatures() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let g = gate(t, &w).await;
        let (pass, _) = household_pass(t, &w, "101", 1, "2026-12-31").await;
        let code = pass["code"].as_str().unwrap().to_string();
        let pid = pass["id"].as_str().unwrap().to_string();
        let token = pass_token(t, &w, &pid).await;

        // 09:00 Saturday: the first outing of the household is allowed, by QR code.
        let first = json!({"id": scan_id(), "gate_id": g.id, "pass_token": token, "direction": "out", "temperature": 36.5});
        let (status, a) = scan(t, &w, first.clone()).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(a["decision"], "allowed");
        // The same scan sent again: the first answer, nothing new recorded.
        let (_, again) = scan(t, &w, first).await;
        assert_eq!(again["decision"], "allowed");
        assert_eq!(again["repeated"], true);
        // A second outing by someone else of the household, typed by code with a dash.
        let typed = format!("{}-{}", code[..4].to_lowercase(), &code[4..]);
        let (_, b) = out(t, &w, &g.id, &typed, 36.6).await;
        assert_eq!((b["decision"].as_str(), b["reason"].as_str()), (Some("refused"), Some("quota_used")));
        // Coming home is never rationed; a fever is refused and raises an alert.
        let (_, home) = scan(t, &w, json!({"id": scan_id(), "gate_id": g.id, "pass_code": code, "direction": "in", "temperature": "36.4"})).await;
        assert_eq!(home["decision"], "allowed");
        let (_, hot) = scan(t, &w, json!({"id": scan_id(), "gate_id": g.id, "pass_code": code, "direction": "in", "temperature": 37.6})).await;
        assert_eq!(hot["reason"], "fever");
        let alerts = t.get("/api/v1/alerts?kind=gate_fever", Some(&w)).await.json()["items"].clone();
        assert_eq!(alerts.as_array().unwrap().len(), 1);
        // The alert is the household's: it leads there and says where and when, no name.
        let fever = &alerts[0];
        assert_eq!(fever["subject_kind"], "household");
        assert_eq!(fever["link"], format!("/households/{}", pass["household_id"].as_str().unwrap()));
        assert!(fever["detail"].as_str().unwrap().contains("37.6℃"), "{fever}");
        // A second fever of the same household later is the same alert, counted again; the
        // alert's page lists both readings with their times and gates.
        t.app.clock.advance(chrono::Duration::hours(20));
        let (_, again) = scan(t, &w, json!({"id": scan_id(), "gate_id": g.id, "pass_code": code, "direction": "in", "temperature": 38.0})).await;
        assert_eq!(again["reason"], "fever");
        let alerts = t.get("/api/v1/alerts?kind=gate_fever", Some(&w)).await.json()["items"].clone();
        assert_eq!((alerts.as_array().unwrap().len(), alerts[0]["occurrences"].as_i64()), (1, Some(2)));
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let page = t.page(&format!("/alerts/{}", alerts[0]["id"].as_str().unwrap()), &cookie).await.text();
        // The worker's home counts the open alerts and leads to them.
        let open = t.get("/api/v1/alerts", Some(&w)).await.json()["items"].clone().as_array().unwrap().len();
        let home = t.page("/", &cookie).await.text();
        assert!(home.contains(&format!("href=\"/alerts\" data-task=\"home-alerts\"><b>{open}</b>")), "{home}");
        assert_eq!(page.matches("<tr class=\"reading\">").count(), 2, "{page}");
        assert!(page.contains("37.6℃") && page.contains("38.0℃"), "{page}");
        t.app.clock.advance(chrono::Duration::hours(-20));

        // Forged or altered codes are refused.
        let mut forged = token.clone();
        let last = forged.pop().unwrap();
        forged.push(if last == '0' { '1' } else { '0' });
        let (_, f) = scan(t, &w, json!({"id": scan_id(), "gate_id": g.id, "pass_token": forged, "direction": "in", "temperature": 36.5})).await;
        assert_eq!(f["reason"], "unknown_pass");
        let other_id = token.replace(&pid, &"0".repeat(32));
        let (_, f) = scan(t, &w, json!({"id": scan_id(), "gate_id": g.id, "pass_token": other_id, "direction": "in", "temperature": 36.5})).await;
        assert_eq!(f["reason"], "unknown_pass");
        let (_, f) = out(t, &w, &g.id, "ZZZZZZZZ", 36.5).await;
        assert_eq!(f["reason"], "unknown_pass");

        // Bad input is a clear 422, field by field.
        let (status, p) = scan(t, &w, json!({"id": "nope", "gate_id": g.id, "pass_code": code, "direction": "sideways", "temperature": 373})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut fields: Vec<&str> = p["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        fields.sort();
        assert_eq!(fields, ["direction", "id", "temperature"]);
        let (status, _) = scan(t, &w, json!({"id": scan_id(), "gate_id": g.id, "pass_code": code, "direction": "in", "temperature": 36.5, "scanned_at": "2026-11-01T08:00:00+08:00"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a week-old queue is not a scan");

        // Revoked passes are refused.
        let (p2, _) = household_pass(t, &w, "102", 3, "2026-12-31").await;
        let r = t.post_json(&format!("/api/v1/passes/{}/revoke", p2["id"].as_str().unwrap()), Some(&w), json!({})).await;
        assert_eq!(r.json()["revoked"], true);
        let (_, f) = out(t, &w, &g.id, p2["code"].as_str().unwrap(), 36.5).await;
        assert_eq!(f["reason"], "revoked");

        // Traffic of the day: one exit and one entry allowed, refusals by reason.
        let tr = t.get(&format!("/api/v1/gates/{}/traffic?date=2026-11-28", g.id), Some(&w)).await.json();
        assert_eq!(tr["total"]["exits"], 1);
        assert_eq!(tr["total"]["entries"], 1);
        assert_eq!(tr["hours"][9]["exits"], 1, "09:00 China time");
        let reasons: Vec<(String, i64)> = serde_json::from_value(tr["refusals"].clone()).unwrap();
        assert!(reasons.contains(&("quota_used".into(), 1)) && reasons.contains(&("unknown_pass".into(), 3)), "{reasons:?}");
        assert_eq!(reasons.iter().map(|r| r.1).sum::<i64>(), tr["total"]["refused"].as_i64().unwrap(), "the reasons add up to the refusals");
        let community = t.get(&format!("/api/v1/areas/{}/traffic?date=2026-11-28", t.lingyanli), Some(&w)).await.json();
        assert_eq!(community["total"], tr["total"]);
    })
    .await;
}

#[tokio::test]
async fn quota_periods_turn_over_at_midnight_china_time_and_hours_close_the_gate() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let g = gate(t, &w).await;
        let bad = t.send_json("PUT", &format!("/api/v1/gates/{}/policy", g.id), Some(&w), json!({"exits_per_period": 1, "period_days": 0, "out_from_hour": 6, "out_until_hour": 22})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let set = t.send_json("PUT", &format!("/api/v1/gates/{}/policy", g.id), Some(&w), json!({"exits_per_period": 1, "period_days": 1, "out_from_hour": 0, "out_until_hour": 24})).await;
        assert_eq!(set.status, StatusCode::OK, "{}", set.text());
        let (pass, _) = household_pass(t, &w, "201", 5, "2026-12-31").await;
        let code = pass["code"].as_str().unwrap().to_string();
        // 23:59 China time (15:59 UTC): allowed, then the quota is used for the day.
        t.app.clock.advance(chrono::Duration::minutes(14 * 60 + 59));
        assert_eq!(out(t, &w, &g.id, &code, 36.5).await.1["decision"], "allowed");
        assert_eq!(out(t, &w, &g.id, &code, 36.5).await.1["reason"], "quota_used");
        // 00:01 China time is a new day and a new period, though the UTC date has not changed.
        t.app.clock.advance(chrono::Duration::minutes(2));
        assert_eq!(out(t, &w, &g.id, &code, 36.5).await.1["decision"], "allowed");
        // Hours: nobody goes out after 22:00 under the usual rules.
        t.send_json("PUT", &format!("/api/v1/gates/{}/policy", g.id), Some(&w), json!({"exits_per_period": 0, "period_days": 1, "out_from_hour": 6, "out_until_hour": 22})).await;
        assert_eq!(out(t, &w, &g.id, &code, 36.5).await.1["reason"], "closed");
        // A scan queued offline at 21:30 yesterday is judged at its own time.
        let (_, late) = scan(t, &w, json!({"id": scan_id(), "gate_id": g.id, "pass_code": code, "direction": "out", "temperature": 36.5, "scanned_at": "2026-11-28T21:30:00+08:00"})).await;
        assert_eq!(late["decision"], "allowed");
        // Past its validity the pass is refused, and the offline decision that let them out is flagged.
        t.app.clock.advance(chrono::Duration::days(40));
        let (_, expired) = scan(t, &w, json!({"id": scan_id(), "gate_id": g.id, "pass_code": code, "direction": "in", "temperature": 36.5, "device_decision": "allowed"})).await;
        assert_eq!(expired["reason"], "expired");
        assert_eq!(expired["flagged"], true);
    })
    .await;
}

#[tokio::test]
async fn passes_are_suspended_while_someone_of_the_household_is_isolated_and_stay_in_their_compound()
 {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let g = gate(t, &w).await;
        let (pass, resident) = household_pass(t, &w, "301", 7, "2026-12-31").await;
        let code = pass["code"].as_str().unwrap().to_string();
        let opened = t.post_json("/api/v1/isolations", Some(&w), json!({"resident_id": resident, "kind": "home_isolation"})).await.json();
        let ep = opened["episode"]["id"].as_str().unwrap().to_string();
        let (_, s) = scan(t, &w, json!({"id": scan_id(), "gate_id": g.id, "pass_code": code, "direction": "in", "temperature": 36.5})).await;
        assert_eq!(s["reason"], "suspended");
        t.post_json(&format!("/api/v1/isolations/{ep}/release"), Some(&w), json!({"reason": "completed"})).await;
        let (_, s) = scan(t, &w, json!({"id": scan_id(), "gate_id": g.id, "pass_code": code, "direction": "in", "temperature": 36.5})).await;
        assert_eq!(s["decision"], "allowed", "restored on release");

        // A gate of another community: its worker cannot scan at 凌研里's gate, and a 凌研里 pass
        // is refused at theirs.
        let y = t.token("worker.yudeli").await;
        let (status, p) = out(t, &y, &g.id, &code, 36.5).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(p["errors"][0]["field"], "gate_id");
        let other = t.post_json("/api/v1/gates", Some(&y), json!({"compound_id": t.yudeli, "name": "北门"})).await.json();
        let (_, s) = scan(t, &y, json!({"id": scan_id(), "gate_id": other["id"], "pass_code": code, "direction": "in", "temperature": 36.5})).await;
        assert_eq!(s["reason"], "wrong_compound");
        assert_eq!(t.get(&format!("/api/v1/passes/{}/qr.svg", pass["id"].as_str().unwrap()), Some(&y)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(t.get(&format!("/api/v1/gates/{}/traffic", g.id), Some(&y)).await.status, StatusCode::NOT_FOUND);
        let gates = t.get("/api/v1/gates", Some(&y)).await.json();
        assert_eq!((gates["items"].as_array().unwrap().len(), &gates["total"]), (1, &json!(1)));
        // The city's coordinator reads the gates of both communities a page at a time, each once.
        let admin = t.token("admin").await;
        let (all, total) = t.every_page("/api/v1/gates?limit=1", &admin).await;
        let ids: std::collections::HashSet<&str> = all.iter().map(|g| g["id"].as_str().unwrap()).collect();
        assert!(ids.contains(g.id.as_str()) && ids.contains(other["id"].as_str().unwrap()), "{all:?}");
        assert_eq!((all.len(), ids.len()), (total as usize, total as usize));

        // Passes for a whole building: every household without a live pass gets one.
        t.resident("卢刚", &id_for(1980, 1, 1, 9)).room("302").in_area(&t.lingyanli_building).by(&w).await;
        let issued = t.post_json("/api/v1/passes", Some(&w), json!({"area_id": g.compound, "valid_to": "2026-12-31"})).await;
        assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.text());
        assert_eq!(issued.json().as_array().unwrap().len(), 1, "only 302 lacked a pass");
        let listed = t.get(&format!("/api/v1/passes?area={}", t.lingyanli_building), Some(&w)).await.json();
        assert_eq!(listed["items"].as_array().unwrap().len(), 2);
        assert_eq!(listed["total"], 2);

        // A close contact suspends the household's pass for the 14 days after the contact, even
        // without an isolation episode.
        let c = t.post_json("/api/v1/contacts", Some(&w), json!({"resident_id": resident, "index_label": "病例12", "last_contact_date": "2026-11-27"})).await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
        let (_, s) = scan(t, &w, json!({"id": scan_id(), "gate_id": g.id, "pass_code": code, "direction": "in", "temperature": 36.5})).await;
        assert_eq!(s["reason"], "suspended");
        t.app.clock.advance(chrono::Duration::days(15));
        let (_, s) = scan(t, &w, json!({"id": scan_id(), "gate_id": g.id, "pass_code": code, "direction": "in", "temperature": 36.5})).await;
        assert_eq!(s["decision"], "allowed");
    })
    .await;
}

#[tokio::test]
async fn scans_sent_many_times_at_once_are_recorded_once() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let g = gate(t, &w).await;
        t.send_json("PUT", &format!("/api/v1/gates/{}/policy", g.id), Some(&w), json!({"exits_per_period": 0, "period_days": 1, "out_from_hour": 0, "out_until_hour": 24})).await;
        let (pass, _) = household_pass(t, &w, "401", 11, "2026-12-31").await;
        let code = pass["code"].as_str().unwrap().to_string();
        let ids: Vec<String> = (0..40).map(|_| scan_id()).collect();
        let mut calls = Vec::new();
        for round in 0..3 {
            for id in &ids {
                let body = json!({"id": id, "gate_id": g.id, "pass_code": code, "direction": if round == 0 { "out" } else { "in" }, "temperature": 36.5});
                calls.push(scan(t, &w, body));
            }
        }
        let answers = futures_join(calls).await;
        assert!(answers.iter().all(|(s, a)| *s == StatusCode::CREATED && a["decision"] == "allowed"));
        let firsts = answers.iter().filter(|(_, a)| a["repeated"] == false).count();
        assert_eq!(firsts, 40, "each id recorded once");
        let tr = t.get(&format!("/api/v1/gates/{}/traffic", g.id), Some(&w)).await.json();
        assert_eq!(tr["total"]["exits"].as_i64().unwrap() + tr["total"]["entries"].as_i64().unwrap(), 40);
    })
    .await;
}

/// Runs futures concurrently on this task (the router handles them in parallel).
async fn futures_join<F: std::future::Future>(fs: Vec<F>) -> Vec<F::Output> {
    let mut handles = Vec::new();
    for f in fs {
        handles.push(Box::pin(f));
    }
    let mut out = Vec::new();
    // Poll all together: join them pairwise through a simple select-free loop.
    let joined = join_all(handles).await;
    out.extend(joined);
    out
}

async fn join_all<F: std::future::Future + Unpin>(mut fs: Vec<F>) -> Vec<F::Output> {
    use std::task::Poll;
    let mut results: Vec<Option<F::Output>> = fs.iter().map(|_| None).collect();
    std::future::poll_fn(move |cx| {
        let mut pending = false;
        for (i, f) in fs.iter_mut().enumerate() {
            if results[i].is_none() {
                match std::pin::Pin::new(f).poll(cx) {
                    Poll::Ready(v) => results[i] = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(results.iter_mut().map(|r| r.take().unwrap()).collect())
        }
    })
    .await
}

#[tokio::test]
async fn visitors_are_registered_in_seconds_and_a_fever_keeps_them_out() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let g = gate(t, &w).await;
        let v = t.post_json("/api/v1/visitors", Some(&w), json!({"gate_id": g.id, "name": "张师傅", "phone": "13912345678", "reason": "维修暖气", "host": "1号楼 101", "temperature": 36.6, "entered": true})).await;
        assert_eq!(v.status, StatusCode::CREATED, "{}", v.text());
        assert_eq!(v.json()["phone"], "139****5678");
        let courier = t.post_json("/api/v1/visitors", Some(&w), json!({"gate_id": g.id, "kind": "delivery", "name": "顺丰", "reason": "快递", "entered": false})).await;
        assert_eq!(courier.status, StatusCode::CREATED, "a courier without entering needs no temperature");
        let hot = t.post_json("/api/v1/visitors", Some(&w), json!({"gate_id": g.id, "name": "访客", "temperature": "38.1", "entered": true})).await.json();
        assert_eq!(hot["entered"], false, "a fever keeps them out");
        let missing = t.post_json("/api/v1/visitors", Some(&w), json!({"gate_id": g.id, "name": "", "entered": true})).await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        let strange = t.post_json("/api/v1/visitors", Some(&w), json!({"gate_id": g.id, "kind": "courier", "name": "顺丰", "entered": false})).await;
        assert_eq!(strange.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(strange.json()["errors"][0]["code"], "err-visitor-kind", "{}", strange.text());
        let list = t.get(&format!("/api/v1/visitors?at={}", g.id), Some(&w)).await.json()["items"].clone();
        assert_eq!(list.as_array().unwrap().len(), 3);
        let kinds: Vec<&str> = list.as_array().unwrap().iter().filter_map(|v| v["kind"].as_str()).collect();
        assert_eq!((kinds.iter().filter(|k| **k == "delivery").count(), kinds.len()), (1, 3), "{list}");
        assert!(!list.to_string().contains("13912345678"));
        let tr = t.get(&format!("/api/v1/gates/{}/traffic", g.id), Some(&w)).await.json();
        assert_eq!(tr["total"]["visitors"], 3);
        assert_eq!(t.get("/api/v1/alerts?kind=gate_fever", Some(&w)).await.json()["items"].clone().as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn a_days_visitors_are_read_a_page_at_a_time_at_a_gate_or_over_its_compound() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let south = gate(t, &w).await;
        let north = t.add_gate(&w, "北门").await["id"].as_str().unwrap().to_string();
        let register = |gate: String, name: String| {
            let (t, w) = (&t, w.clone());
            async move {
                let body = json!({"gate_id": gate, "kind": "delivery", "name": name, "reason": "快递", "entered": false});
                let r = t.post_json("/api/v1/visitors", Some(&w), body).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            }
        };
        // Five at the south gate, a minute apart, with three at the north gate among them.
        for n in 0..8 {
            t.app.clock.advance(chrono::Duration::minutes(1));
            let at = if n % 3 == 1 { north.clone() } else { south.id.clone() };
            register(at, format!("快递员{n}")).await;
        }
        // The south gate's, two at a time: each once, latest first, none of the north gate's.
        let (seen, total) = t.every_page(&format!("/api/v1/visitors?at={}&limit=2", south.id), &w).await;
        let seen: Vec<&str> = seen.iter().map(|v| v["name"].as_str().unwrap()).collect();
        assert_eq!((seen, total), (vec!["快递员6", "快递员5", "快递员3", "快递员2", "快递员0"], 5));
        // Over the compound, both gates'.
        let all = t.get(&format!("/api/v1/visitors?at={}&limit=500", south.compound), Some(&w)).await.json();
        assert_eq!((all["total"].as_i64(), all["items"].as_array().map(Vec::len)), (Some(8), Some(8)));
        let r = t.get(&format!("/api/v1/visitors?at={}&after=zz", south.id), Some(&w)).await;
        assert_eq!((r.status, r.json()["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("after")));
    })
    .await;
}

#[tokio::test]
async fn the_gate_pages_post_traffic_and_printed_passes() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let g = gate(t, &w).await;
        let (pass, _) = household_pass(t, &w, "501", 13, "2026-12-31").await;
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let post = t.page(&format!("/gates/{}/post", g.id), &cookie).await;
        assert_eq!(post.status, StatusCode::OK);
        assert!(post.text().contains("/assets/gate.js") && post.text().contains(&format!("data-csrf=\"{csrf}\"")));
        // The page's script posts JSON with the session cookie and the CSRF token in a header.
        let body = json!({"id": scan_id(), "gate_id": g.id, "pass_code": pass["code"], "direction": "out", "temperature": "36.5"}).to_string();
        let send = |csrf: String| {
            axum::http::Request::post(format!("/gates/{}/scan", g.id))
                .header("content-type", "application/json")
                .header("cookie", &cookie)
                .header("x-csrf-token", csrf)
                .body(axum::body::Body::from(body.clone()))
                .unwrap()
        };
        let forged = t.request(send("nope".into())).await;
        assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ok = t.request(send(csrf.clone())).await;
        assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
        assert_eq!(ok.json()["decision"], "allowed");
        // A scan that is not JSON is answered as the API answers it, a problem document.
        let garbled = axum::http::Request::post(format!("/gates/{}/scan", g.id))
            .header("content-type", "application/json")
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf)
            .body(axum::body::Body::from("{\"id\":"))
            .unwrap();
        let garbled = t.request(garbled).await;
        assert_eq!(garbled.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(garbled.json()["errors"][0]["field"], "body", "{}", garbled.text());
        let page = t.page(&format!("/traffic/{}", g.id), &cookie).await.text();
        assert!(page.contains("id=\"t-exits\">1<") && page.contains("<svg class=\"chart\""));
        let sheet = t.page(&format!("/traffic/{}/export.xlsx", g.id), &cookie).await;
        let table = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert_eq!(table.len(), 25, "a header and 24 hours");
        let listed = t.page(&format!("/areas/{}/passes", g.compound), &cookie).await.text();
        assert!(listed.contains(pass["code"].as_str().unwrap()), "{listed}");
        let gates_page = t.page("/gates", &cookie).await.text();
        assert!(gates_page.contains("南门") && gates_page.contains(&format!("/gates/{}/post", g.id)));
        assert!(gates_page.contains("每户每 2 天可外出 1 次，6:00–22:00 可出门"), "the rule in words");
    })
    .await;
}

#[tokio::test]
async fn a_gate_fever_alert_leads_to_the_gate_and_not_to_a_household() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let g = gate(t, &w).await;
        let r = t
            .post_json("/api/v1/visitors", Some(&w), json!({"gate_id": g.id, "kind": "visitor", "name": "访客",
                "phone": "", "temperature": 38.6, "entered": true, "reason": "探望", "host": "1号楼"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let items = t.get("/api/v1/alerts", Some(&w)).await.json()["items"].clone();
        let fever = items
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["subject_kind"] == "gate")
            .cloned()
            .unwrap_or_else(|| panic!("a gate alert: {items}"));
        let link = fever["link"].as_str().unwrap().to_string();
        assert_eq!(link, format!("/traffic/{}", g.id));
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let page = t.page(&format!("/alerts/{}", fever["id"].as_str().unwrap()), &cookie).await.text();
        assert!(page.contains(&format!("href=\"{link}\"")), "{page}");
        assert_eq!(t.page(&link, &cookie).await.status, StatusCode::OK, "the link resolves");
    })
    .await;
}

/// The passes page goes by building, a page at a time and without QR codes; the print sheet is
/// one building's; a reissued pass refuses its old code at once and prints alone.
#[tokio::test]
async fn passes_go_by_building_and_a_reissued_pass_refuses_its_old_code_at_once() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let g = gate(t, &w).await;
        let (first, _) = household_pass(t, &w, "501", 21, "2026-12-31").await;
        let (second, _) = household_pass(t, &w, "502", 22, "2026-12-31").await;
        let building = first["building"].as_str().unwrap().to_string();
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        // The household's breadcrumb names each level and links to that level.
        let page = t
            .page(
                &format!("/households/{}", first["household_id"].as_str().unwrap()),
                &cookie,
            )
            .await
            .text();
        let crumbs = &page[page.find("<div class=\"crumbs\">").unwrap()..];
        let crumbs = &crumbs[..crumbs.find("</div>").unwrap()];
        let order: Vec<usize> = [&t.lingyanli, &g.compound, &t.lingyanli_building]
            .iter()
            .map(|id| {
                crumbs
                    .find(&format!("href=\"/areas/{id}\""))
                    .unwrap_or_else(|| panic!("{id} in {crumbs}"))
            })
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "community › compound › building: {crumbs}"
        );
        let listed = t
            .page(&format!("/areas/{}/passes", g.compound), &cookie)
            .await
            .text();
        assert!(
            listed.contains(&format!("{building} <small>2<")),
            "{listed}"
        );
        assert_eq!(listed.matches("class=\"pass-row\"").count(), 2, "{listed}");
        assert!(!listed.contains("<svg"), "the list carries no QR codes");
        let sheet = t
            .page(
                &format!(
                    "/areas/{}/passes/print?building={}",
                    g.compound,
                    urlencoding(&building)
                ),
                &cookie,
            )
            .await
            .text();
        assert_eq!(sheet.matches("class=\"pass-card\"").count(), 2, "{sheet}");
        let other = t
            .page(
                &format!("/areas/{}/passes/print?building=99", g.compound),
                &cookie,
            )
            .await
            .text();
        assert_eq!(other.matches("class=\"pass-card\"").count(), 0);

        // The worker reissues the lost first pass from the page: the old code is refused at
        // once, the new one lets the household out, and the print sheet shows the new one alone.
        let old_code = first["code"].as_str().unwrap();
        let r = t
            .post_form(
                &format!("/passes/{}/reissue", first["id"].as_str().unwrap()),
                &cookie,
                &format!(
                    "csrf={csrf}&area={}&building={}",
                    g.compound,
                    urlencoding(&building)
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let to = r.headers["location"].to_str().unwrap().to_string();
        let alone = t.page(&to, &cookie).await.text();
        assert_eq!(alone.matches("class=\"pass-card\"").count(), 1, "{alone}");
        assert!(!alone.contains(old_code));
        let (other_cookie, _) = t.browser("worker.yudeli").await;
        let theirs = t.page(&to, &other_cookie).await;
        assert_eq!(
            theirs.status,
            StatusCode::NOT_FOUND,
            "another community's pass"
        );
        let (_, refused) = out(t, &w, &g.id, old_code, 36.5).await;
        assert_eq!(refused["reason"], "revoked");
        let passes = t
            .get(&format!("/api/v1/passes?area={}", g.compound), Some(&w))
            .await
            .json();
        let new = passes["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["household_id"] == first["household_id"] && p["revoked"] == false)
            .expect("a live pass for the household")
            .clone();
        assert_ne!(new["code"], first["code"]);
        assert_eq!(new["valid_to"], "2026-12-31");
        let (_, allowed) = out(t, &w, &g.id, new["code"].as_str().unwrap(), 36.5).await;
        assert_eq!(allowed["decision"], "allowed", "{allowed}");
        // The guard reads whose pass it is: the room masked, the outings left this period.
        let address = first["address"].as_str().unwrap();
        assert_eq!(
            allowed["address"],
            format!("{}5**", address.trim_end_matches("501")),
            "{address}"
        );
        assert_eq!(allowed["outings_left"], 0);
        let listed = t
            .page(&format!("/areas/{}/passes", g.compound), &cookie)
            .await
            .text();
        assert!(listed.contains("已作废") && listed.contains(new["code"].as_str().unwrap()));
        // The building's button counts its passes in the database: two live, one revoked.
        assert!(
            listed.contains(&format!("{building} <small>2 · 已作废 1<")),
            "{listed}"
        );
        // The API lists one building's passes when asked, from the compound or the building.
        let of = async |area: &str, b: &str| {
            let path = format!("/api/v1/passes?area={area}&building={}", urlencoding(b));
            t.get(&path, Some(&w)).await
        };
        let theirs = of(&g.compound, &building).await.json();
        assert_eq!(
            theirs["items"].as_array().map(Vec::len),
            Some(3),
            "{theirs}"
        );
        assert_eq!(of(&g.compound, "99").await.json()["total"], 0);
        let from_building = of(&t.lingyanli_building, "99").await.json();
        assert_eq!(from_building["total"], 3, "a building lists its own");
        let long = of(&g.compound, &"楼".repeat(300)).await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(long.json()["errors"][0]["field"], "building");

        // The API reissues too, and another community's worker cannot.
        let stranger = t.token("worker.yudeli").await;
        let path = format!("/api/v1/passes/{}/reissue", second["id"].as_str().unwrap());
        assert_eq!(
            t.post_json(&path, Some(&stranger), json!({})).await.status,
            StatusCode::NOT_FOUND
        );
        let r = t.post_json(&path, Some(&w), json!({})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_ne!(r.json()["code"], second["code"]);
        let (_, refused) = out(t, &w, &g.id, second["code"].as_str().unwrap(), 36.5).await;
        assert_eq!(refused["reason"], "revoked");
        // A pass already revoked is not reissued again.
        assert_eq!(
            t.post_json(&path, Some(&w), json!({})).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // Two nodes reissuing the same live pass at once make one new pass, not two.
        let (third, _) = household_pass(t, &w, "503", 23, "2026-12-31").await;
        let other = t.second_node().await;
        let w2 = other.token("worker.lingyanli").await;
        let path = format!("/api/v1/passes/{}/reissue", third["id"].as_str().unwrap());
        let (a, b) = tokio::join!(
            t.post_json(&path, Some(&w), json!({})),
            other.post_json(&path, Some(&w2), json!({}))
        );
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(
            statuses,
            [StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY]
        );
        let passes = t
            .get(&format!("/api/v1/passes?area={}", g.compound), Some(&w))
            .await
            .json();
        let live = passes["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["household_id"] == third["household_id"] && p["revoked"] == false)
            .count();
        assert_eq!(live, 1, "one live pass for the household");
        other.finish().await;
    })
    .await;
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// A building of more than one page of passes is read page by page: where the page is among
/// them, on to the next, back to the one before, through the same pager as every other list.
#[tokio::test]
async fn a_buildings_passes_are_read_page_by_page() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let g = gate(t, &w).await;
        for n in 0..51u16 {
            let room = format!("{}", 101 + n);
            t.resident("住户", &id_for(1960, 3, 3, 100 + n))
                .room(&room)
                .in_area(&t.lingyanli_building)
                .by(&w)
                .await;
        }
        let issued = t
            .post_json(
                "/api/v1/passes",
                Some(&w),
                json!({"area_id": g.compound, "valid_to": "2026-12-31"}),
            )
            .await;
        assert_eq!(issued.json().as_array().map(Vec::len), Some(51));
        let building = issued.json()[0]["building"].as_str().unwrap().to_string();
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let at = format!(
            "/areas/{}/passes?building={}",
            g.compound,
            urlencoding(&building)
        );
        // Links are written HTML-escaped (`&#38;`); read them as the browser does.
        let read = async |path: &str| t.page(path, &cookie).await.text().replace("&#38;", "&");
        let first = read(&at).await;
        assert_eq!(first.matches("class=\"pass-row\"").count(), 50);
        assert!(first.contains("<span>1 / 2</span>"), "{first}");
        let next = format!("id=\"next-page\" href=\"{at}&page=2\"");
        assert!(first.contains(&next), "{next} in {first}");
        let second = read(&format!("{at}&page=2")).await;
        assert_eq!(second.matches("class=\"pass-row\"").count(), 1);
        assert!(second.contains("<span>2 / 2</span>") && !second.contains("id=\"next-page\""));
        assert!(
            second.contains(&format!("href=\"{at}&page=1\"")),
            "{second}"
        );
        // The API reads a compound's passes a page at a time by address, each once.
        let (all, total) = t
            .every_page(&format!("/api/v1/passes?area={}&limit=7", g.compound), &w)
            .await;
        let rooms: Vec<&str> = all.iter().map(|p| p["address"].as_str().unwrap()).collect();
        let mut sorted = rooms.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!((rooms.len(), total), (51, 51));
        assert_eq!(rooms, sorted, "by address, each once");
        let bad = t
            .get(
                &format!("/api/v1/passes?area={}&after=zz", g.compound),
                Some(&w),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

/// The pickers that choose a compound or a community offer every one in reach, grouped by
/// place, however many: the gate form, the import form and a resident's move form.
#[tokio::test]
async fn the_place_pickers_offer_every_compound_and_community_grouped_by_place() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let existing = t.lingyanli_compound(&w).await;
        let mut conn = t.app.db.conn().await.unwrap();
        let community = sanshe_store::areas::get(&mut conn, &t.lingyanli)
            .await
            .unwrap();
        let street = sanshe_store::areas::get(&mut conn, community.parent_id.as_deref().unwrap())
            .await
            .unwrap();
        let kind = sanshe_core::areas::AreaKind::Compound;
        let mut compounds = vec![existing];
        for n in 0..503 {
            let c = sanshe_store::areas::insert(
                &mut conn,
                Some(&community),
                kind,
                None,
                &format!("新苑{n:03}"),
            )
            .await
            .unwrap();
            compounds.push(c.id);
        }
        // Another community of the street, with a compound of its own.
        let neighbour = sanshe_store::areas::insert(
            &mut conn,
            Some(&street),
            sanshe_core::areas::AreaKind::Community,
            None,
            "邻里社区",
        )
        .await
        .unwrap();
        let next_door =
            sanshe_store::areas::insert(&mut conn, Some(&neighbour), kind, None, "邻苑")
                .await
                .unwrap();
        drop(conn);
        let option = |id: &str| format!("<option value=\"{id}\"");

        // The worker of 凌研里 adds a gate to any of its compounds, listed under the community.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let gates = t.page("/gates", &cookie).await.text();
        assert!(
            compounds.iter().all(|id| gates.contains(&option(id))),
            "every compound"
        );
        assert!(
            !gates.contains(&option(&next_door.id)),
            "not another community's"
        );
        let group = format!("<optgroup label=\"{} · 凌研里社区\">", street.name);
        assert_eq!(
            gates.matches(&group).count(),
            1,
            "grouped by community: {group}"
        );

        // The city's admin imports to any community, grouped by street, the neighbour too; a
        // compound asked for by the link is offered and chosen.
        let (admin, _) = t.browser("admin").await;
        let import = t
            .page(&format!("/import?area={}", compounds[503]), &admin)
            .await
            .text();
        for id in [&t.lingyanli, &t.yudeli, &neighbour.id] {
            assert!(import.contains(&option(id)), "{id}");
        }
        assert!(
            import.contains(&format!("{} selected>新苑502<", option(&compounds[503]))),
            "{import}"
        );

        // A resident moves to a compound of their street or to any community.
        let r = t
            .resident("搬家", &support::id_for(1970, 5, 5, 31))
            .by(&w)
            .await;
        let page = t.page(&format!("/residents/{}", r.id), &admin).await.text();
        let form = &page[page.find("id=\"move-area\"").unwrap()..];
        let form = &form[..form.find("</select>").unwrap()];
        assert!(compounds.iter().all(|id| form.contains(&option(id))));
        assert!(form.contains(&option(&next_door.id)) && form.contains(&option(&t.yudeli)));
    })
    .await;
}

/// The gates page lists the gates a worker keeps fifty at a time with the total, each once,
/// by compound and name.
#[tokio::test]
async fn the_gates_page_is_read_a_page_at_a_time_with_the_total() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let compound = t.lingyanli_compound(&w).await;
        let mut conn = t.app.db.conn().await.unwrap();
        let area = sanshe_store::areas::get(&mut conn, &compound)
            .await
            .unwrap();
        let mut made = Vec::new();
        for n in 0..53 {
            let id = sanshe_store::new_id();
            sanshe_store::gates::insert_gate(
                &mut conn,
                &id,
                &area.id,
                &area.path,
                &format!("{n:02}号门"),
                0,
            )
            .await
            .unwrap();
            made.push(id);
        }
        drop(conn);
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let first = t.page("/gates", &cookie).await.text();
        assert_eq!(first.matches("class=\"card gate\"").count(), 50);
        assert!(
            first.contains("id=\"gate-total\">共 53 条<"),
            "{}",
            &first[..first.len().min(2000)]
        );
        let next = support::pager_link(&first, "next-gates").expect("a link to the rest");
        let second = t.page(&next, &cookie).await.text();
        assert_eq!(second.matches("class=\"card gate\"").count(), 3);
        assert_eq!(support::pager_link(&second, "next-gates"), None);
        for id in &made {
            let post = format!("/gates/{id}/post\"");
            assert_eq!(
                first.matches(&post).count() + second.matches(&post).count(),
                1,
                "{id} once"
            );
        }
        assert!(
            first.find("00号门").unwrap() < first.find("49号门").unwrap(),
            "by name"
        );
        let bad = t.page("/gates?after=zz", &cookie).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

/// The address of each item of a list, as `field` names its parts.
fn addresses(items: &[Value], fields: &[&str]) -> Vec<String> {
    items
        .iter()
        .map(|i| {
            let parts: Vec<&str> = fields.iter().map(|f| i[*f].as_str().unwrap()).collect();
            parts.join(" ")
        })
        .collect()
}

#[tokio::test]
async fn compounds_and_addresses_are_listed_as_people_count() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        // Made in this order so that neither the order they were made in nor code points put
        // them right: 三 (U+4E09) comes before 二 (U+4E8C).
        let mut compounds = Vec::new();
        for name in ["凌研里三区", "凌研里二区"] {
            let body = json!({"parent_id": t.lingyanli, "name": name});
            let r = t.post_json("/api/v1/areas", Some(&ling), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            compounds.push(r.json()["id"].as_str().unwrap().to_string());
            t.post_json("/api/v1/gates", Some(&ling), json!({"compound_id": compounds.last(), "name": "北门"}))
                .await;
        }
        let (three, two) = (&compounds[0], &compounds[1]);
        // A compound's gates and a community's posts made out of the order people count them.
        for name in ["10号门", "2号门"] {
            let r = t.post_json("/api/v1/gates", Some(&ling), json!({"compound_id": two, "name": name})).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        for name in ["10号岗", "2号岗"] {
            t.rota_post(name).by(&ling).await;
        }
        // Registered out of order, in a tower of more than nine floors.
        let homes = [
            (two, "10号楼", "101"),
            (two, "2号楼", "1001"),
            (three, "1号楼", "101"),
            (two, "2号楼", "201"),
        ];
        for (seq, (area, building, room)) in (1..).zip(homes) {
            let body = json!({"area_id": area, "building": building, "unit": "1单元", "room": room,
                "name": "王淑兰", "document_number": id_for(1950, 1, 1, seq)});
            let r = t.post_json("/api/v1/residents", Some(&ling), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            let body = json!({"resident_id": r.json()["id"], "kind": "home_medical_observation",
                "exposure_date": "2026-11-26"});
            let r = t.post_json("/api/v1/isolations", Some(&ling), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let in_order = ["2号楼 1单元 201", "2号楼 1单元 1001", "10号楼 1单元 101"];
        let r = t
            .post_json("/api/v1/passes", Some(&ling), json!({"area_id": two, "valid_to": "2026-12-05"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let campaign = t
            .post_json("/api/v1/campaigns", Some(&ling),
                json!({"area_id": t.lingyanli, "name": "入户排查", "questions": ["fever_or_cough"]}))
            .await
            .json();
        let doors_path = format!("/api/v1/campaigns/{}/visits?limit=1", campaign["id"].as_str().unwrap());
        // What each list says, a row a page so that every page boundary is crossed.
        let lists = async |t: &TestApp| {
            let households = t.every_page(&format!("/api/v1/households?area={two}&limit=1"), &ling).await.0;
            let passes = t.every_page(&format!("/api/v1/passes?area={two}&limit=1"), &ling).await.0;
            let doors = t.every_page(&doors_path, &ling).await.0;
            let gates = t.every_page("/api/v1/gates?limit=1", &ling).await.0;
            let isolated = t.every_page("/api/v1/isolations?limit=1", &ling).await.0;
            let posts = t.get(&format!("/api/v1/posts?area={}", t.lingyanli), Some(&ling)).await.json();
            let posts: Vec<String> = posts.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect();
            (
                posts,
                addresses(&households, &["building", "unit", "room"]),
                addresses(&passes, &["address"]),
                addresses(&doors, &["compound", "building", "door"]),
                addresses(&gates, &["compound_name", "name"]),
                addresses(&isolated, &["area_name", "address"]),
            )
        };
        let (posts, households, passes, doors, gates, isolated) = lists(t).await;
        assert_eq!(posts, ["2号岗", "10号岗"], "a community's posts");
        assert_eq!(households, in_order, "a compound's households");
        assert_eq!(passes, in_order, "a compound's passes");
        assert_eq!(
            doors,
            [
                "凌研里二区 2号楼 1单元 201",
                "凌研里二区 2号楼 1单元 1001",
                "凌研里二区 10号楼 1单元 101",
                "凌研里三区 1号楼 1单元 101"
            ],
            "a community's doors in a campaign"
        );
        assert_eq!(gates, ["凌研里二区 2号门", "凌研里二区 10号门", "凌研里二区 北门", "凌研里三区 北门"]);
        // Where a compound is picked: the community's areas, and a search by name.
        for picker in [format!("/api/v1/areas?parent={}", t.lingyanli), "/api/v1/areas?kind=compound&q=凌研里".into()] {
            let found = t.get(&picker, Some(&ling)).await.json();
            let names: Vec<&str> = found.as_array().unwrap().iter().filter_map(|a| a["name"].as_str()).collect();
            let (two_at, three_at) = (names.iter().position(|n| *n == "凌研里二区"), names.iter().position(|n| *n == "凌研里三区"));
            assert!(two_at.is_some() && two_at < three_at, "{picker}: {names:?}");
        }
        assert_eq!(isolated, doors, "the people in isolation, by address");
        // Rows stored before the keys existed get them when the server starts.
        let mut conn = t.app.db.conn().await.unwrap();
        for forget in ["UPDATE households SET address_key = ''", "UPDATE areas SET sort_key = ''", "UPDATE gates SET name_key = ''"] {
            sanshe_store::statements::Statements::run(&mut *conn, forget, &[]).await.unwrap();
        }
        drop(conn);
        t.restart().await;
        let again = lists(t).await;
        assert_eq!(
            again,
            (posts, households, passes, doors, gates, isolated),
            "keyed again at start-up"
        );
    })
    .await;
}

/// A coordinator over several communities sees where each gate stands (its community beside
/// its compound), narrows the list to one community, and sends the list up as a workbook.
#[tokio::test]
async fn a_coordinator_narrows_the_gates_to_one_community_and_exports_them() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let yu = t.token("worker.yudeli").await;
        let body = json!({"parent_id": t.lingyanli, "name": "一区"});
        let compound = t.post_json("/api/v1/areas", Some(&ling), body).await.json();
        for (token, place, name) in [
            (&ling, compound["id"].as_str().unwrap(), "南门"),
            (&ling, compound["id"].as_str().unwrap(), "北门"),
            (&yu, t.yudeli.as_str(), "东门"),
        ] {
            let body = json!({"compound_id": place, "name": name});
            let r = t.post_json("/api/v1/gates", Some(token), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let admin = t.token("admin").await;
        let every = t.get("/api/v1/gates", Some(&admin)).await.json();
        assert_eq!(every["total"], 3, "{every}");
        let named = |page: &Value| -> Vec<String> {
            let items = page["items"].as_array().unwrap();
            items
                .iter()
                .map(|g| {
                    format!(
                        "{} {} {}",
                        g["community_name"], g["compound_name"], g["name"]
                    )
                })
                .map(|s| s.replace('"', ""))
                .collect()
        };
        let narrowed = t
            .get(&format!("/api/v1/gates?area={}", t.lingyanli), Some(&admin))
            .await
            .json();
        assert_eq!(
            (named(&narrowed), narrowed["total"].as_i64()),
            (
                vec![
                    "凌研里社区 一区 北门".to_string(),
                    "凌研里社区 一区 南门".to_string()
                ],
                Some(2)
            ),
            "{narrowed}"
        );
        let (_, html, narrowed_rows) = t
            .narrowed_to_yudeli("/api/v1/gates", "/gates", "/gates/export.xlsx")
            .await;
        assert!(
            html.contains("共 1 条") && html.contains("裕德里社区 · 东门"),
            "{html}"
        );
        assert_eq!(narrowed_rows.len(), 2, "{narrowed_rows:?}");
        let (cookie, _) = t.browser("admin").await;
        let rows =
            sanshe_app::sheets::read_table(&t.page("/gates/export.xlsx", &cookie).await.bytes)
                .unwrap();
        assert_eq!(rows[0], ["社区", "小区", "卡口名称", "管控规则"]);
        assert_eq!(rows.len(), 4, "{rows:?}");
        assert_eq!(rows[1][..3], ["凌研里社区", "一区", "北门"]);
        assert!(rows[1][3].contains("可出门"), "{rows:?}");
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let html = t.page("/gates", &cookie).await.text();
        assert!(
            !html.contains("全部社区") && html.contains("一区 · 南门"),
            "{html}"
        );
    })
    .await;
}

/// A policy typed on a phone with a word for a number is sent back with the reason beside it in
/// Chinese, the old policy kept; a number in range is saved.
#[tokio::test]
async fn a_policy_typed_with_a_word_for_a_number_is_sent_back_with_the_reason() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let body = json!({"compound_id": t.lingyanli, "name": "南门"});
        let gate = t.post_json("/api/v1/gates", Some(&ling), body).await.json();
        let gate = gate["id"].as_str().unwrap().to_string();
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let page = t.page("/gates", &cookie).await.text();
        let csrf = support::csrf_on(&page).unwrap();
        let send = async |exits: &str, from: &str| {
            let form = format!(
                "csrf={csrf}&exits_per_period={exits}&period_days=3&out_from_hour={from}&out_until_hour=22"
            );
            t.post_form(&format!("/gates/{gate}/policy"), &cookie, &form).await
        };
        let r = send("%E4%B8%A4", "6").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("外出人次应在 0–50 之间"), "{}", r.text());
        let r = send("1", "6%E7%82%B9").await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("外出时段不对"), "{}", r.text());
        let policy = async || t.get("/api/v1/gates", Some(&ling)).await.json()["items"][0]["policy"].clone();
        assert_eq!(policy().await["period_days"], 2, "the old policy kept");
        assert_eq!(send("1", "6").await.status, StatusCode::SEE_OTHER);
        assert_eq!(policy().await["period_days"], 3);
    })
    .await;
}
