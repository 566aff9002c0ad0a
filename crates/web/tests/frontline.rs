//! Front-line control over HTTP on SQLite and PostgreSQL: campaigns and visits, arrivals and
//! close contacts, isolation episodes with their reports, missed-report and due-date alerts found
//! by moving the clock, the resident's report link, the alert centre and chat-webhook delivery.

mod support;

use axum::http::StatusCode;
use serde_json::{Value, json};
use support::{TestApp, id_for, on_both, start_receiver, words};

async fn resident(
    t: &TestApp,
    token: &str,
    area: &str,
    room: &str,
    name: &str,
    seq: u16,
) -> String {
    let r = t
        .resident(name, &id_for(1985, 3, 14, seq))
        .room(room)
        .phone("13812345678")
        .in_area(area)
        .by(token)
        .await;
    r["id"].as_str().unwrap().to_string()
}

async fn open_episode(t: &TestApp, token: &str, resident_id: &str, exposure: &str) -> Value {
    let r = t
        .post_json(
            "/api/v1/isolations",
            Some(token),
            json!({"resident_id": resident_id, "kind": "home_medical_observation", "exposure_date": exposure}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

async fn report(
    t: &TestApp,
    token: &str,
    episode: &str,
    temperature: Value,
) -> (StatusCode, Value) {
    let path = format!("/api/v1/isolations/{episode}/reports");
    let body = json!({"temperature": temperature, "symptoms": []});
    t.post_json(&path, Some(token), body).await.answer()
}

fn field_keys(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn alerts(t: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = t.get(&format!("/api/v1/alerts{query}"), Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_episode_takes_two_reports_a_day_and_a_fever_is_one_alert() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let rid = resident(t, &w, &t.lingyanli_building, "101", "王建国", 1).await;
        let opened = open_episode(t, &w, &rid, "2026-11-20").await;
        let ep = opened["episode"]["id"].as_str().unwrap().to_string();
        assert_eq!(
            opened["episode"]["planned_end"], "2026-12-04",
            "14 days after exposure"
        );
        assert!(
            opened["episode"]["worker_name"].is_string(),
            "the community's worker is responsible"
        );
        let link = opened["report_link"].as_str().unwrap().to_string();
        assert!(link.starts_with("/r/") && link.len() > 30);

        // One open episode per person.
        let again = t
            .post_json(
                "/api/v1/isolations",
                Some(&w),
                json!({"resident_id": rid, "kind": "home_isolation"}),
            )
            .await;
        assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_keys(&again.json()), ["resident_id"]);

        // Typos are refused with the reason.
        for typo in [json!(373), json!("3.73"), json!("33.9"), json!("abc")] {
            let (status, body) = report(t, &w, &ep, typo.clone()).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{typo}");
            assert_eq!(field_keys(&body), ["temperature"]);
        }
        assert!(alerts(t, &w, "").await.is_empty());

        // 09:00: a normal morning report, then a correction in the same half-day replaces it.
        let (status, first) = report(t, &w, &ep, json!(36.6)).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(first["slot"], "2026-11-28-am");
        assert_eq!(first["replaced"], false);
        let (_, second) = report(t, &w, &ep, json!("37.5")).await;
        assert_eq!(second["replaced"], true);
        assert_eq!(second["fever"], true);
        let detail = t
            .get(&format!("/api/v1/isolations/{ep}"), Some(&w))
            .await
            .json();
        assert_eq!(
            detail["reports"].as_array().unwrap().len(),
            1,
            "one report per half-day"
        );
        assert_eq!(detail["reports"][0]["temperature"], "37.5");
        let fever = alerts(t, &w, "?kind=fever").await;
        assert_eq!(fever.len(), 1);
        assert_eq!(fever[0]["occurrences"], 1);

        // The same slot again does not count twice; the afternoon's fever counts on the same alert.
        report(t, &w, &ep, json!(37.6)).await;
        assert_eq!(alerts(t, &w, "?kind=fever").await[0]["occurrences"], 1);
        t.app.clock.advance(chrono::Duration::hours(6));
        let (_, pm) = report(t, &w, &ep, json!(37.8)).await;
        assert_eq!(pm["slot"], "2026-11-28-pm");
        let fever = alerts(t, &w, "?kind=fever").await;
        assert_eq!(fever.len(), 1, "one alert, not one per report");
        assert_eq!(fever[0]["occurrences"], 2);

        // Acknowledge, then resolve with a note (a note is required).
        let aid = fever[0]["id"].as_str().unwrap();
        let ack = t
            .post_json(
                &format!("/api/v1/alerts/{aid}/acknowledge"),
                Some(&w),
                json!({}),
            )
            .await;
        assert_eq!(ack.json()["status"], "acknowledged");
        let twice = t
            .post_json(
                &format!("/api/v1/alerts/{aid}/acknowledge"),
                Some(&w),
                json!({}),
            )
            .await;
        assert_eq!(twice.status, StatusCode::UNPROCESSABLE_ENTITY);
        let no_note = t
            .post_json(
                &format!("/api/v1/alerts/{aid}/resolve"),
                Some(&w),
                json!({"note": " "}),
            )
            .await;
        assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);
        let done = t
            .post_json(
                &format!("/api/v1/alerts/{aid}/resolve"),
                Some(&w),
                json!({"note": "电话随访，已转发热门诊"}),
            )
            .await;
        assert_eq!(done.json()["status"], "resolved");
        assert!(alerts(t, &w, "").await.is_empty());
        assert_eq!(alerts(t, &w, "?status=resolved").await.len(), 1);

        // Scope: the other community's worker sees none of it.
        let y = t.token("worker.yudeli").await;
        assert_eq!(
            t.get(&format!("/api/v1/isolations/{ep}"), Some(&y))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            report(t, &y, &ep, json!(36.5)).await.0,
            StatusCode::NOT_FOUND
        );
        assert!(
            t.get("/api/v1/isolations", Some(&y)).await.json()["items"]
                .as_array()
                .unwrap()
                .is_empty()
        );
        assert!(alerts(t, &y, "?status=resolved").await.is_empty());
        assert_eq!(
            t.post_json(
                &format!("/api/v1/alerts/{aid}/acknowledge"),
                Some(&y),
                json!({})
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );

        // The follow-up list of the responsible worker has it; phone follow-up can be switched on.
        let mine = t.get("/api/v1/isolations?worker=me", Some(&w)).await.json()["items"].clone();
        assert_eq!(mine.as_array().unwrap().len(), 1);
        let phone = t
            .post_json(
                &format!("/api/v1/isolations/{ep}/follow-up"),
                Some(&w),
                json!({"follow_up": "phone"}),
            )
            .await;
        assert_eq!(phone.json()["follow_up"], "phone");

        // Extension, release, and a second episode later.
        let bad = t
            .post_json(
                &format!("/api/v1/isolations/{ep}/extend"),
                Some(&w),
                json!({"planned_end": "2026-11-01"}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ext = t
            .post_json(
                &format!("/api/v1/isolations/{ep}/extend"),
                Some(&w),
                json!({"planned_end": "2026-12-10"}),
            )
            .await;
        assert_eq!(ext.json()["planned_end"], "2026-12-10");
        let no_reason = t
            .post_json(
                &format!("/api/v1/isolations/{ep}/release"),
                Some(&w),
                json!({"reason": "bored"}),
            )
            .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        let released = t
            .post_json(
                &format!("/api/v1/isolations/{ep}/release"),
                Some(&w),
                json!({"reason": "referred", "note": "转定点医院"}),
            )
            .await;
        assert_eq!(released.json()["status"], "released");
        let again = t
            .post_json(
                &format!("/api/v1/isolations/{ep}/release"),
                Some(&w),
                json!({"reason": "completed"}),
            )
            .await;
        assert_eq!(
            again.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "an illegal transition is a clear 4xx"
        );
        // A released episode's settings stay as they were released.
        for (path, body) in [
            ("extend", json!({"planned_end": "2026-12-12"})),
            ("follow-up", json!({"follow_up": "link"})),
            ("link", json!({})),
        ] {
            let closed = t
                .post_json(&format!("/api/v1/isolations/{ep}/{path}"), Some(&w), body)
                .await;
            assert_eq!(closed.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            assert_eq!(
                closed.json()["errors"][0]["code"],
                "err-episode-closed",
                "{path}"
            );
        }
        let kept = t
            .get(&format!("/api/v1/isolations/{ep}"), Some(&w))
            .await
            .json();
        assert_eq!(kept["episode"]["planned_end"], "2026-12-10");
        assert_eq!(kept["episode"]["follow_up"], "phone");
        let (late, _) = report(t, &w, &ep, json!(36.5)).await;
        assert_eq!(late, StatusCode::UNPROCESSABLE_ENTITY);
        let second = open_episode(t, &w, &rid, "2026-11-28").await;
        let second = second["episode"]["id"].as_str().unwrap();
        assert_ne!(second, ep);

        // The list shows the open ones unless asked for the released or all of them.
        let listed = async |query: &str| -> Vec<String> {
            let list = t.get(&format!("/api/v1/isolations{query}"), Some(&w)).await;
            let list = list.json();
            let ids = list["items"].as_array().unwrap().iter();
            ids.map(|e| e["id"].as_str().unwrap().to_string()).collect()
        };
        // A page at a time: one to a page here, each once, with the total.
        let (paged, total) = t
            .every_page("/api/v1/isolations?status=all&limit=1", &w)
            .await;
        let paged: Vec<String> = paged
            .iter()
            .map(|e| e["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!((paged, total), (listed("?status=all").await, 2));
        let bad = t.get("/api/v1/isolations?after=zz", Some(&w)).await;
        assert_eq!(
            (bad.status, bad.json()["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("after"))
        );
        assert_eq!(listed("").await, [second]);
        assert_eq!(listed("?status=open").await, [second]);
        assert_eq!(listed("?status=released").await, [ep.as_str()]);
        let mut all = listed("?status=all").await;
        all.sort();
        let mut both = [ep.clone(), second.to_string()];
        both.sort();
        assert_eq!(all, both);
        let bogus = t.get("/api/v1/isolations?status=closed", Some(&w)).await;
        assert_eq!(bogus.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bogus.json()["errors"][0]["code"], "err-episode-status");
    })
    .await;
}

#[tokio::test]
async fn two_reports_of_one_slot_at_once_are_one_report_not_an_error() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let rid = resident(t, &w, &t.lingyanli_building, "102", "李春花", 2).await;
        let ep = open_episode(t, &w, &rid, "2026-11-20").await["episode"]["id"]
            .as_str()
            .unwrap()
            .to_string();

        // A double tap, or the resident and a worker in the same minute, on two nodes.
        let other = t.second_node().await;
        let (a, b) = tokio::join!(
            report(t, &w, &ep, json!(36.5)),
            report(&other, &w, &ep, json!(36.8))
        );
        assert_eq!((a.0, b.0), (StatusCode::CREATED, StatusCode::CREATED));
        let replaced = [&a.1, &b.1].map(|r| r["replaced"].as_bool());
        assert!(
            replaced.contains(&Some(true)) && replaced.contains(&Some(false)),
            "{replaced:?}"
        );
        let detail = t
            .get(&format!("/api/v1/isolations/{ep}"), Some(&w))
            .await
            .json();
        assert_eq!(detail["reports"].as_array().unwrap().len(), 1);
        other.finish().await;

        // On PostgreSQL the first writer's transaction is held open: the second report waits
        // for it and replaces it, where a read before the write would have found nothing and
        // then broken the slot's unique rule (a 500).
        if t.backend == "postgres" {
            let later = sanshe_store::isolation::SlotReport {
                episode_id: &ep,
                slot: "2026-11-28-pm",
                temperature: 366,
                symptoms: "",
                reported_at: t.app.clock.now_ms(),
                entered_by: "resident",
            };
            let mut first = t.app.db.begin().await.unwrap();
            let id = sanshe_store::new_id();
            let replaced =
                sanshe_store::isolation::upsert_report(&mut first, &id, &later, later.reported_at)
                    .await
                    .unwrap();
            assert!(!replaced);
            let (node, episode, at) = (t.handle(), ep.clone(), later.reported_at);
            let second = tokio::spawn(async move {
                let mut conn = node.app.db.conn().await.unwrap();
                let correction = sanshe_store::isolation::SlotReport {
                    episode_id: &episode,
                    slot: "2026-11-28-pm",
                    temperature: 371,
                    symptoms: "",
                    reported_at: at,
                    entered_by: "resident",
                };
                let id = sanshe_store::new_id();
                sanshe_store::isolation::upsert_report(
                    &mut conn,
                    &id,
                    &correction,
                    correction.reported_at,
                )
                .await
            });
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            assert!(
                !second.is_finished(),
                "the second write waits for the first"
            );
            sanshe_store::commit(first).await.unwrap();
            assert!(
                second.await.unwrap().expect("no conflict error"),
                "it replaced the first"
            );
            let detail = t
                .get(&format!("/api/v1/isolations/{ep}"), Some(&w))
                .await
                .json();
            let reports = detail["reports"].as_array().unwrap();
            assert_eq!(reports.len(), 2);
            assert_eq!(reports[1]["temperature"], "37.1");
        }
    })
    .await;
}

#[tokio::test]
async fn the_report_link_reaches_only_its_episode_and_can_be_revoked() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let rid = resident(t, &w, &t.lingyanli_building, "102", "李秀英", 2).await;
        let other = resident(t, &w, &t.lingyanli_building, "103", "赵卫东", 3).await;
        let link = open_episode(t, &w, &rid, "2026-11-25").await["report_link"]
            .as_str()
            .unwrap()
            .to_string();
        open_episode(t, &w, &other, "2026-11-25").await;

        let page = t.get(&link, None).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("李*"), "the name is masked");
        assert!(
            !html.contains("李秀英") && !html.contains("赵卫东") && !html.contains("102"),
            "no one's name or address"
        );

        let sent = t
            .request(
                axum::http::Request::post(&link)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from("temperature=36.4&symptoms=cough"))
                    .unwrap(),
            )
            .await;
        assert_eq!(sent.status, StatusCode::OK, "{}", sent.text());
        let bad = t
            .request(
                axum::http::Request::post(&link)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from("temperature=364"))
                    .unwrap(),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.text().contains("34.0"),
            "says what a temperature looks like"
        );

        let list = t.get("/api/v1/isolations", Some(&w)).await.json()["items"].clone();
        let mine = list
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["resident_id"] == rid.as_str())
            .unwrap();
        assert_eq!(mine["last_temperature"], "36.4");
        // The worker's page says in words who entered it and for which half-day.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let page = t
            .page(
                &format!("/isolations/{}", mine["id"].as_str().unwrap()),
                &cookie,
            )
            .await
            .text();
        assert!(
            page.contains(">11-28 上午 <small") && page.contains(">居民自报<"),
            "{page}"
        );
        // Its release form offers every reason, and opening an episode offers every kind.
        for reason in sanshe_core::isolation::ReleaseReason::WORDS {
            assert!(
                page.contains(&format!("<option value=\"{reason}\">")),
                "{reason}"
            );
        }
        let form = t
            .page(&format!("/isolations/new?resident={rid}"), &cookie)
            .await
            .text();
        for kind in sanshe_core::isolation::EpisodeKind::WORDS {
            assert!(
                form.contains(&format!("<option value=\"{kind}\">")),
                "{kind} in {form}"
            );
        }
        let theirs = list
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["resident_id"] == other.as_str())
            .unwrap();
        assert!(
            theirs["last_temperature"].is_null(),
            "the link reported for its own episode only"
        );

        assert_eq!(
            t.get("/r/not-a-real-token-at-all-000000000000", None)
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // A new link replaces the old; revoking leaves none.
        let ep = mine["id"].as_str().unwrap();
        let renewed = t
            .post_json(
                &format!("/api/v1/isolations/{ep}/link"),
                Some(&w),
                json!({}),
            )
            .await;
        assert_eq!(renewed.status, StatusCode::CREATED);
        let new_link = renewed.json()["report_link"].as_str().unwrap().to_string();
        assert_eq!(t.get(&link, None).await.status, StatusCode::NOT_FOUND);
        assert_eq!(t.get(&new_link, None).await.status, StatusCode::OK);
        let revoked = t
            .send_json(
                "DELETE",
                &format!("/api/v1/isolations/{ep}/link"),
                Some(&w),
                json!({}),
            )
            .await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        assert_eq!(t.get(&new_link, None).await.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn missed_reports_and_due_dates_are_found_by_moving_the_clock() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let a = resident(t, &w, &t.lingyanli_building, "201", "孙丽", 4).await;
        let b = resident(t, &w, &t.lingyanli_building, "202", "周强", 5).await;
        let ea = open_episode(t, &w, &a, "2026-11-27").await["episode"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let eb = open_episode(t, &w, &b, "2026-11-27").await["episode"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        report(t, &w, &ea, json!(36.5)).await;

        // 09:00: yesterday's slots ended before these episodes began: nothing is missed.
        let s = sanshe_app::isolation::scan(&t.app).await.unwrap();
        assert_eq!(s.missed, 0);
        assert!(alerts(t, &w, "?kind=missed_report").await.is_empty());

        // 13:30: the morning slot has ended but its two hours of grace have not.
        t.app.clock.advance(chrono::Duration::minutes(270));
        assert_eq!(sanshe_app::isolation::scan(&t.app).await.unwrap().missed, 0);
        // 14:30: B missed the morning.
        t.app.clock.advance(chrono::Duration::hours(1));
        let s = sanshe_app::isolation::scan(&t.app).await.unwrap();
        assert_eq!(s.slots, ["2026-11-28-am"]);
        assert_eq!(s.missed, 1);
        let missed = alerts(t, &w, "?kind=missed_report").await;
        assert_eq!(missed.len(), 1);
        assert_eq!(missed[0]["subject_id"], eb.as_str());
        // It says who missed it (name masked, with the address) and which half-day, in words.
        let who = missed[0]["who"].as_str().unwrap_or_default().to_string();
        assert!(who.starts_with("周* · ") && who.ends_with("202"), "{who}");
        // And where: every compound has a 202, the bureau sees every compound.
        assert_eq!(missed[0]["place"], "凌研里一区", "{}", missed[0]);
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let page = t.page("/alerts", &cookie).await.text();
        assert!(
            page.contains(&format!(
                "<span class=\"alert-place\">凌研里一区</span> <b class=\"alert-who\">{who}</b> <span class=\"muted\">11-28 上午</span>"
            )),
            "{page}"
        );
        let sheet = t.page("/alerts/export.xlsx", &cookie).await;
        let rows = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert_eq!(rows[0][1], "所在小区/社区");
        assert!(rows.iter().any(|r| r[1] == "凌研里一区" && r[2] == who), "{rows:?}");
        let yudeli = t.token("worker.yudeli").await;
        assert!(alerts(t, &yudeli, "?kind=missed_report").await.is_empty());
        // Scanning again raises nothing new.
        assert_eq!(sanshe_app::isolation::scan(&t.app).await.unwrap().missed, 0);
        assert_eq!(
            alerts(t, &w, "?kind=missed_report").await[0]["occurrences"],
            1
        );

        // The board: both due twice today (the afternoon has begun), one received, one missed.
        let board = t
            .get(&format!("/api/v1/boards/{}", t.lingyanli), Some(&w))
            .await
            .json();
        assert_eq!(board["total"]["open"], 2);
        assert_eq!(board["total"]["due"], 4);
        assert_eq!(board["total"]["received"], 1);
        assert_eq!(board["total"]["missed"], 1);
        assert_eq!(board["parts"][0]["name"], "凌研里一区");

        // Next day 03:00: both missed the afternoon; B's open alert counts it, A gets a new one.
        t.app.clock.advance(chrono::Duration::minutes(750));
        let s = sanshe_app::isolation::scan(&t.app).await.unwrap();
        assert_eq!(s.slots, ["2026-11-28-pm"]);
        assert_eq!(s.missed, 2);
        let missed = alerts(t, &w, "?kind=missed_report").await;
        assert_eq!(missed.len(), 2);
        let of_b = missed
            .iter()
            .find(|m| m["subject_id"] == eb.as_str())
            .unwrap();
        assert_eq!(of_b["occurrences"], 2);

        // Past the planned end: an alert, settled by an extension.
        let c = resident(t, &w, &t.lingyanli_building, "203", "吴敏", 6).await;
        let ec = open_episode(t, &w, &c, "2026-11-01").await["episode"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        sanshe_app::isolation::scan(&t.app).await.unwrap();
        let due = alerts(t, &w, "?kind=end_due").await;
        assert_eq!(due.len(), 1);
        assert_eq!(due[0]["subject_id"], ec.as_str());
        let ep = t
            .get(&format!("/api/v1/isolations/{ec}"), Some(&w))
            .await
            .json();
        assert_eq!(ep["episode"]["overdue"], true);
        t.post_json(
            &format!("/api/v1/isolations/{ec}/extend"),
            Some(&w),
            json!({"planned_end": "2026-12-05"}),
        )
        .await;
        assert!(alerts(t, &w, "?kind=end_due").await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn an_isolated_person_without_a_worker_raises_an_alert_until_assigned() {
    on_both(async |t| {
        let admin = t.token("admin").await;
        // A community nobody works in yet.
        let street = t.parent_of(&t.yudeli).await;
        let area = t.post_json("/api/v1/areas", Some(&admin), json!({"parent_id": street, "name": "新文化街社区"})).await.json();
        let rid = resident(t, &admin, area["id"].as_str().unwrap(), "1", "郑华", 7).await;
        let opened = open_episode(t, &admin, &rid, "2026-11-27").await;
        assert!(opened["episode"]["worker_id"].is_null());
        let ep = opened["episode"]["id"].as_str().unwrap().to_string();
        let unassigned = alerts(t, &admin, "?kind=unassigned").await;
        assert_eq!(unassigned.len(), 1);
        assert_eq!(unassigned[0]["subject_id"], ep.as_str());
        // A worker of another community cannot be made responsible here.
        let users = t.get("/api/v1/users", Some(&admin)).await.json()["items"].clone();
        let lingyanli_worker = users.as_array().unwrap().iter().find(|u| u["username"] == "worker.lingyanli").unwrap()["id"].as_str().unwrap().to_string();
        let wrong = t.post_json(&format!("/api/v1/isolations/{ep}/assign"), Some(&admin), json!({"worker_id": lingyanli_worker})).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Give the community a worker and assign: the alert settles.
        let u = t.post_json("/api/v1/users", Some(&admin), json!({"username": "worker.xinwenhua", "display_name": "新文化街社工", "password": "correct-horse-2020", "role": "community_worker", "area_id": area["id"]})).await;
        assert_eq!(u.status, StatusCode::CREATED, "{}", u.text());
        let assigned = t.post_json(&format!("/api/v1/isolations/{ep}/assign"), Some(&admin), json!({"worker_id": u.json()["id"]})).await;
        assert_eq!(assigned.status, StatusCode::OK, "{}", assigned.text());
        assert!(alerts(t, &admin, "?kind=unassigned").await.is_empty());
    })
    .await;
}

#[tokio::test]
async fn a_campaign_logs_visits_shows_coverage_and_opens_follow_ups() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let r1 = t.resident("钱进", &id_for(1970, 1, 2, 9)).room("301").in_area(&t.lingyanli_building).by(&w).await;
        let r2 = t.resident("冯兰", &id_for(1972, 5, 6, 10)).room("302").in_area(&t.lingyanli_building).by(&w).await;
        let h1 = r1.household_id.clone();
        let h2 = r2.household_id.clone();
        let bad = t.post_json("/api/v1/campaigns", Some(&w), json!({"area_id": t.lingyanli, "name": "入户排查", "questions": []})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "at least one question");
        let c = t.post_json("/api/v1/campaigns", Some(&w), json!({"area_id": t.lingyanli, "name": "凌研里社区入户排查", "questions": ["fever_or_cough", "arrived_from_elsewhere"], "custom_questions": ["家中是否有孕妇？"]})).await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
        let cid = c.json()["id"].as_str().unwrap().to_string();
        assert_eq!(c.json()["households"], 2);

        let doors = t.get(&format!("/api/v1/campaigns/{cid}/visits"), Some(&w)).await.json();
        assert_eq!((doors["items"].as_array().unwrap().len(), doors["total"].as_i64()), (2, Some(2)));
        assert!(doors["items"][0]["outcome"].is_null());
        // A door at a time, by address: 301 then 302; a forged cursor and a list asked to be
        // both revisits and never visited are refused.
        let first = t.get(&format!("/api/v1/campaigns/{cid}/visits?limit=1"), Some(&w)).await.json();
        assert_eq!(first["items"][0]["household_id"], h1.as_str());
        let next = first["next"].as_str().expect("a second page");
        let second = t.get(&format!("/api/v1/campaigns/{cid}/visits?limit=1&after={next}"), Some(&w)).await.json();
        assert_eq!((second["items"][0]["household_id"].as_str(), second["next"].as_str()), (Some(h2.as_str()), None));
        assert_eq!(t.get(&format!("/api/v1/campaigns/{cid}/visits?after=zz"), Some(&w)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        let both = t.get(&format!("/api/v1/campaigns/{cid}/visits?revisit=true&unvisited=true"), Some(&w)).await;
        assert_eq!(both.status, StatusCode::UNPROCESSABLE_ENTITY);

        let not_home = t.post_json(&format!("/api/v1/campaigns/{cid}/visits"), Some(&w), json!({"household_id": h1, "outcome": "not_home"})).await;
        assert_eq!(not_home.status, StatusCode::CREATED);
        let revisits = t.get(&format!("/api/v1/campaigns/{cid}/visits?revisit=true"), Some(&w)).await.json();
        assert_eq!(revisits["items"].as_array().unwrap().len(), 1, "not home: a revisit; never visited: listed apart");
        assert_eq!(revisits["items"][0]["household_id"], h1.as_str());
        let never = t.get(&format!("/api/v1/campaigns/{cid}/visits?unvisited=true"), Some(&w)).await.json();
        assert_eq!((never["total"].as_i64(), never["items"][0]["household_id"].as_str()), (Some(1), Some(h2.as_str())));
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let revisit_tile = async |n: i64| {
            let home = t.page("/", &cookie).await.text();
            let tile = format!("href=\"/campaigns/{cid}\" data-task=\"home-revisit\"><b>{n}</b>");
            assert!(home.contains(&tile), "{tile} in {home}");
        };
        revisit_tile(1).await;
        let never = t.page(&format!("/campaigns/{cid}/grid?unvisited=1"), &cookie).await.text();
        let listed = |h: &str| never.contains(&format!("data-household=\"{h}\""));
        assert!(listed(&h2) && !listed(&h1), "the unvisited list holds the door never knocked on: {never}");
        assert!(never.contains("<span id=\"doors-total\">1</span>"), "{never}");

        let visit_id = uuid::Uuid::now_v7().to_string();
        let body = json!({"id": visit_id, "household_id": h1, "outcome": "answered", "answers": {"fever_or_cough": true, "arrived_from_elsewhere": true, "custom_1": false}, "note": "老人咳嗽两天"});
        let answered = t.post_json(&format!("/api/v1/campaigns/{cid}/visits"), Some(&w), body.clone()).await;
        assert_eq!(answered.status, StatusCode::CREATED, "{}", answered.text());
        let follow_ups = answered.json()["follow_ups"].as_array().unwrap().clone();
        let kinds: Vec<&str> = follow_ups.iter().map(|f| f["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["fever", "arrival"]);
        assert_eq!(follow_ups[1]["link"], format!("/households/{h1}/arrival"));
        // The phone retries after a dropped connection: recorded once, no second alert.
        let retry = t.post_json(&format!("/api/v1/campaigns/{cid}/visits"), Some(&w), body).await;
        assert_eq!(retry.status, StatusCode::OK);
        assert_eq!(retry.json()["new"], false);
        let fever = alerts(t, &w, "?kind=visit_fever").await;
        assert_eq!(fever.len(), 1);
        // The alert says whose door, when it was visited and what the worker noted.
        assert_eq!(fever[0]["detail"], "凌研里社区入户排查 · 11-28 09:00 · 老人咳嗽两天");
        assert!(fever[0]["who"].as_str().unwrap().ends_with("301"), "{}", fever[0]);

        let wrong_q = t.post_json(&format!("/api/v1/campaigns/{cid}/visits"), Some(&w), json!({"household_id": h2, "outcome": "answered", "answers": {"nope": true}})).await;
        assert_eq!(wrong_q.status, StatusCode::UNPROCESSABLE_ENTITY);
        let wrong_outcome = t.post_json(&format!("/api/v1/campaigns/{cid}/visits"), Some(&w), json!({"household_id": h2, "outcome": "maybe"})).await;
        assert_eq!(wrong_outcome.status, StatusCode::UNPROCESSABLE_ENTITY);

        // A refusal is a revisit too, and each door counts once across the outcome columns.
        let refused = t.post_json(&format!("/api/v1/campaigns/{cid}/visits"), Some(&w), json!({"household_id": h2, "outcome": "refused"})).await;
        assert_eq!(refused.status, StatusCode::CREATED);
        let revisits = t.get(&format!("/api/v1/campaigns/{cid}/visits?revisit=true"), Some(&w)).await.json();
        assert_eq!(revisits["items"].as_array().unwrap().len(), 1, "{revisits}");
        assert_eq!(revisits["items"][0]["outcome"], "refused");
        let line = &t.get(&format!("/api/v1/campaigns/{cid}/coverage"), Some(&w)).await.json()["buildings"][0];
        let parts: i64 = ["answered", "not_home", "refused", "moved_out", "unvisited"].iter().map(|k| line[k].as_i64().unwrap()).sum();
        assert_eq!((line["answered"].as_i64(), line["refused"].as_i64(), parts), (Some(1), Some(1), 2), "{line}");
        // Reopening a visited door shows its last visit, the answers given chosen again.
        let form = t.page(&format!("/campaigns/{cid}/visit/{h1}"), &cookie).await.text();
        assert!(form.contains("id=\"last-visit\"") && form.contains("老人咳嗽两天"), "{form}");
        assert!(form.contains("name=\"q_fever_or_cough\" value=\"yes\" checked"), "{form}");
        assert!(form.contains("name=\"outcome\" value=\"answered\" checked"), "{form}");
        let page = t.page(&format!("/campaigns/{cid}/grid?revisit=1"), &cookie).await.text();
        assert!(page.contains("待回访") && page.contains("302"), "the refused door is on the revisit page");
        // The worker's home page counts the same doors and leads to the campaign.
        revisit_tile(1).await;

        let cov = t.get(&format!("/api/v1/campaigns/{cid}/coverage"), Some(&w)).await.json();
        assert_eq!(cov["buildings"][0]["building"], "1号楼");
        assert_eq!(cov["buildings"][0]["households"], 2);
        assert_eq!(cov["buildings"][0]["reached"], 2, "answered and refused: both doors opened");
        assert_eq!(cov["buildings"][0]["unvisited"], 0);
        assert_eq!(cov["compounds"][0]["compound"], "凌研里一区");
        assert_eq!(cov["compounds"][0]["percent"], 100);
        assert_eq!(cov["workers"][0]["day"], "2026-11-28");
        assert_eq!(cov["workers"][0]["visits"], 3);
        assert_eq!(cov["workers"][0]["reached"], 2);

        // A household of another community is not part of this campaign; others cannot see it.
        let y = t.token("worker.yudeli").await;
        let elsewhere = t.resident("陈刚", &id_for(1966, 6, 6, 11)).room("9").in_area(&t.yudeli).by(&y).await;
        let outside = t.post_json(&format!("/api/v1/campaigns/{cid}/visits"), Some(&w), json!({"household_id": elsewhere["household_id"], "outcome": "answered"})).await;
        assert_eq!(outside.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(t.get(&format!("/api/v1/campaigns/{cid}"), Some(&y)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(t.get("/api/v1/campaigns", Some(&y)).await.json()["total"], 0);

        // Campaigns come newest first, a page at a time, each once, with the total.
        for n in 2..=5 {
            t.app.clock.advance(chrono::Duration::seconds(1));
            let body = json!({"area_id": t.lingyanli, "name": format!("第{n}轮排查"), "questions": ["fever_or_cough"]});
            let r = t.post_json("/api/v1/campaigns", Some(&w), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let (all, total) = t.every_page("/api/v1/campaigns?limit=2", &w).await;
        let names: Vec<&str> = all.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!((names, total), (vec!["第5轮排查", "第4轮排查", "第3轮排查", "第2轮排查", "凌研里社区入户排查"], 5));
        let forged = t.get("/api/v1/campaigns?after=zz", Some(&w)).await;
        assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = t.page("/campaigns", &cookie).await.text();
        assert!(html.contains("<span id=\"campaigns-total\">5</span>") && html.contains("第5轮排查"), "{html}");
        // The workbook holds every campaign with its coverage, newest first; 裕德里 has none.
        assert!(html.contains("href=\"/campaigns/export.xlsx\""), "{html}");
        let sheet = t.page("/campaigns/export.xlsx", &cookie).await;
        assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.text());
        let rows = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        let names: Vec<&str> = rows.iter().map(|r| r[0].as_str()).collect();
        assert_eq!(names, ["排查名称", "第5轮排查", "第4轮排查", "第3轮排查", "第2轮排查", "凌研里社区入户排查"]);
        let first = t.get(&format!("/api/v1/campaigns/{cid}"), Some(&w)).await.json();
        let first_row = &rows[5];
        assert_eq!(first_row[1], "凌研里社区");
        assert_eq!(first_row[3..7], [first["households"].to_string(), first["reached"].to_string(), first["percent"].to_string(), "进行中".to_string()], "{first}");
        assert!(first_row[2].starts_with("2026-") && first_row[2].len() == 16, "{first_row:?}");
        let (other, _) = t.browser("worker.yudeli").await;
        let theirs = sanshe_app::sheets::read_table(&t.page("/campaigns/export.xlsx", &other).await.bytes).unwrap();
        assert_eq!(theirs.len(), 1, "the header alone: {theirs:?}");
    })
    .await;
}

#[tokio::test]
async fn arrivals_and_contacts_open_isolation_from_the_right_day() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let index = t.resident("何平", &id_for(1980, 8, 8, 13)).room("401").in_area(&t.lingyanli_building).by(&w).await;
        let hh = index.household_id.clone();

        let bad = t.post_json("/api/v1/arrivals", Some(&w), json!({"household_id": hh, "resident": {"name": "何小平", "document_number": id_for(2005, 1, 1, 15)}, "origin": "", "arrival_date": "2026-12-01", "transport": "boat"})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut fields = field_keys(&bad.json());
        fields.sort();
        assert_eq!(fields, ["arrival_date", "origin", "transport"]);

        let arrival = t.post_json("/api/v1/arrivals", Some(&w), json!({
            "household_id": hh,
            "resident": {"name": "何小平", "document_number": id_for(2005, 1, 1, 15), "phone": "13900001111"},
            "origin": "湖北省武汉市", "arrival_date": "2026-11-22", "transport": "train", "note": "G2032",
            "isolation": {"kind": "home_medical_observation"}
        })).await;
        assert_eq!(arrival.status, StatusCode::CREATED, "{}", arrival.text());
        let a = arrival.json();
        let ep = t.get(&format!("/api/v1/isolations/{}", a["episode_id"].as_str().unwrap()), Some(&w)).await.json();
        assert_eq!(ep["episode"]["planned_end"], "2026-12-06");
        assert_eq!(ep["episode"]["source_kind"], "arrival");
        assert!(a["report_link"].as_str().unwrap().starts_with("/r/"));

        let listed = t.get("/api/v1/arrivals", Some(&w)).await.json()["items"].clone();
        assert_eq!(listed[0]["from"], "湖北省武汉市");
        assert_eq!(listed[0]["isolated"], true);

        let contact = t.resident("邓洁", &id_for(1990, 2, 2, 16)).room("402").in_area(&t.lingyanli_building).by(&w).await;
        let myself = t.post_json("/api/v1/contacts", Some(&w), json!({"resident_id": index["id"], "index_resident_id": index["id"], "last_contact_date": "2026-11-26"})).await;
        assert_eq!(myself.status, StatusCode::UNPROCESSABLE_ENTITY);
        let no_index = t.post_json("/api/v1/contacts", Some(&w), json!({"resident_id": contact["id"], "last_contact_date": "2026-11-26"})).await;
        assert_eq!(field_keys(&no_index.json()), ["index_label"]);
        let c = t.post_json("/api/v1/contacts", Some(&w), json!({"resident_id": contact["id"], "index_resident_id": index["id"], "last_contact_date": "2026-11-26", "isolation": {"kind": "home_isolation", "follow_up": "phone"}})).await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
        let ep = t.get(&format!("/api/v1/isolations/{}", c.json()["episode_id"].as_str().unwrap()), Some(&w)).await.json();
        assert_eq!(ep["episode"]["planned_end"], "2026-12-10");
        assert_eq!(ep["episode"]["follow_up"], "phone");
        let contacts = t.get("/api/v1/contacts", Some(&w)).await.json()["items"].clone();
        assert_eq!(contacts[0]["from"], "何平", "the index person is named from the registry");

        let y = t.token("worker.yudeli").await;
        assert!(t.get("/api/v1/contacts", Some(&y)).await.json()["items"].as_array().unwrap().is_empty());
        let foreign = t.post_json("/api/v1/arrivals", Some(&y), json!({"resident_id": contact["id"], "origin": "北京", "arrival_date": "2026-11-20", "transport": "car"})).await;
        assert_eq!(foreign.status, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

/// A community sends up the arrivals of a period each day: the list and the API keep those of
/// the period with their total, a mistyped or backwards period is refused on its field, and the
/// workbook holds every arrival of the period, however many pages that takes.
#[tokio::test]
async fn arrivals_of_a_period_are_listed_and_sent_up_as_a_workbook() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let person = t.resident("何小平", &id_for(2005, 1, 1, 15)).room("401").in_area(&t.lingyanli_building).by(&w).await;
        for (origin, day, how) in [
            ("北京", "2026-11-01", "car"),
            ("湖北省武汉市", "2026-11-15", "train"),
            ("上海", "2026-11-20", "plane"),
            ("河北省廊坊市", "2026-11-28", "coach"),
        ] {
            let body = json!({"resident_id": person.id, "origin": origin, "arrival_date": day, "transport": how});
            let r = t.post_json("/api/v1/arrivals", Some(&w), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let dates = |page: &Value| -> Vec<String> {
            let items = page["items"].as_array().unwrap();
            items.iter().map(|a| a["date"].as_str().unwrap().to_string()).collect()
        };
        let period = t.get("/api/v1/arrivals?from=2026-11-15&to=2026-11-20", Some(&w)).await.json();
        assert_eq!((period["total"].as_i64(), dates(&period)), (Some(2), vec!["2026-11-20".into(), "2026-11-15".into()]));
        let since = t.get("/api/v1/arrivals?from=2026-11-15&to=", Some(&w)).await.json();
        assert_eq!(since["total"], 3, "a blank end is open");
        let until = t.get("/api/v1/arrivals?to=2026-11-14", Some(&w)).await.json();
        assert_eq!(dates(&until), ["2026-11-01"]);
        let backwards = t.get("/api/v1/arrivals?from=2026-11-20&to=2026-11-15", Some(&w)).await;
        assert_eq!((backwards.status, field_keys(&backwards.json())), (StatusCode::UNPROCESSABLE_ENTITY, vec!["to".to_string()]));
        let typo = t.get("/api/v1/contacts?from=2026-02-30", Some(&w)).await;
        assert_eq!((typo.status, field_keys(&typo.json())), (StatusCode::UNPROCESSABLE_ENTITY, vec!["from".to_string()]));

        // The page: the period kept in its form and in the workbook's link, the last fourteen
        // days a click away, a backwards period told beside its field.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let html = t.page("/arrivals?from=2026-11-15&to=2026-11-20", &cookie).await.text();
        assert!(html.contains("湖北省武汉市") && html.contains("上海") && !html.contains("廊坊"), "{html}");
        assert!(html.contains("id=\"trace-total\">共 2 条"), "{html}");
        assert!(html.contains("href=\"/arrivals/export.xlsx?from=2026-11-15&#38;to=2026-11-20\""), "{html}");
        assert!(html.contains("href=\"/arrivals?from=2026-11-15\" id=\"trace-fortnight\""), "{html}");
        let refused = t.page("/arrivals?from=2026-11-20&to=2026-11-15", &cookie).await;
        assert_eq!(refused.status, StatusCode::OK);
        let refused = refused.text();
        assert!(refused.contains("id=\"error-to\"") && !refused.contains("trace-export"), "no workbook of a wrong period: {refused}");
        assert_eq!(t.page("/arrivals/export.xlsx?to=x", &cookie).await.status, StatusCode::UNPROCESSABLE_ENTITY);

        // Six hundred more on one day: the workbook walks every page of them.
        let mut conn = t.app.db.conn().await.unwrap();
        let area = sanshe_store::areas::get(&mut conn, &t.lingyanli_building).await.unwrap();
        drop(conn);
        let mut tx = t.app.db.begin().await.unwrap();
        for n in 0..600 {
            let arrival = sanshe_store::contacts::ArrivalRow {
                id: sanshe_store::new_id(),
                resident_id: person.id.clone(),
                area_path: area.path.clone(),
                origin: format!("外省市 {n}"),
                arrival_date: "2026-11-10".into(),
                transport: sanshe_core::contacts::Transport::Train,
                note: String::new(),
                created_by: "worker.lingyanli".into(),
                created_at: t.app.clock.now_ms(),
            };
            sanshe_store::contacts::insert_arrival(&mut tx, &arrival).await.unwrap();
        }
        sanshe_store::commit(tx).await.unwrap();
        let sheet = t.page("/arrivals/export.xlsx?from=2026-11-10&to=2026-11-15", &cookie).await;
        assert_eq!(sheet.status, StatusCode::OK);
        let rows = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert_eq!(rows.len(), 1 + 601, "the header, the 600 and 湖北's");
        assert_eq!(rows[0][..5], ["姓名", "住址", "从哪里来", "交通方式", "到达日期"]);
        let wuhan = rows.iter().find(|r| r[2] == "湖北省武汉市").unwrap();
        assert_eq!((wuhan[0].as_str(), wuhan[3].as_str(), wuhan[4].as_str()), ("何小平", "火车/高铁", "2026-11-15"));
        let origins: std::collections::HashSet<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
        assert_eq!(origins.len(), 601, "each once");
        let contacts = t.page("/contacts/export.xlsx", &cookie).await;
        assert_eq!(sanshe_app::sheets::read_table(&contacts.bytes).unwrap().len(), 1, "the header alone");
    })
    .await;
}

/// A community sends up who was released from isolation on which days: the released list and
/// the API keep those released on the days asked for (China time), the workbook holds them with
/// the day and the reason, and a backwards period is told beside its field.
#[tokio::test]
async fn the_released_list_is_asked_for_by_days_and_sent_up_as_a_workbook() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let mut episodes = Vec::new();
        for (n, name) in ["张丽", "李强", "王芳"].into_iter().enumerate() {
            let rid = resident(
                t,
                &w,
                &t.lingyanli_building,
                &format!("{}01", n + 6),
                name,
                60 + n as u16,
            )
            .await;
            let opened = open_episode(t, &w, &rid, "2026-11-20").await;
            episodes.push(opened["episode"]["id"].as_str().unwrap().to_string());
        }
        // 张丽 on the 28th at 09:00, 李强 on the 29th at 09:00; 王芳 stays in.
        for (ep, reason) in episodes[..2].iter().zip(["referred", "completed"]) {
            let r = t
                .post_json(
                    &format!("/api/v1/isolations/{ep}/release"),
                    Some(&w),
                    json!({"reason": reason}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            t.app.clock.advance(chrono::Duration::days(1));
        }
        let names = async |path: &str| -> Vec<String> {
            let page = t.get(path, Some(&w)).await.json();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            names("/api/v1/isolations?status=released&from=2026-11-29").await,
            ["李强"]
        );
        assert_eq!(
            names("/api/v1/isolations?status=released&from=2026-11-28&to=2026-11-28").await,
            ["张丽"]
        );
        let mut both = names("/api/v1/isolations?status=released&from=&to=").await;
        both.sort();
        assert_eq!(both, ["张丽", "李强"]);
        let backwards = t
            .get(
                "/api/v1/isolations?status=released&from=2026-11-29&to=2026-11-28",
                Some(&w),
            )
            .await;
        assert_eq!(
            (backwards.status, field_keys(&backwards.json())),
            (StatusCode::UNPROCESSABLE_ENTITY, vec!["to".to_string()])
        );
        // With `all`, the days keep the released of those days; asked of the open, who have
        // no release day, they are refused rather than answered with nobody.
        assert_eq!(
            names("/api/v1/isolations?status=all&from=2026-11-29").await,
            ["李强"]
        );
        for open in ["status=open&", ""] {
            let r = t
                .get(
                    &format!("/api/v1/isolations?{open}from=2026-11-29"),
                    Some(&w),
                )
                .await;
            assert_eq!(
                (r.status, field_keys(&r.json())),
                (StatusCode::UNPROCESSABLE_ENTITY, vec!["status".to_string()]),
                "{open}"
            );
        }

        let (cookie, _) = t.browser("worker.lingyanli").await;
        let page = t
            .page("/isolations?tab=released&from=2026-11-29", &cookie)
            .await
            .text();
        assert!(
            page.contains("李强") && !page.contains("张丽") && page.contains("解除日期 2026-11-29"),
            "{page}"
        );
        assert!(
            page.contains("href=\"/isolations/export.xlsx?tab=released&#38;from=2026-11-29\""),
            "{page}"
        );
        let next = t.page("/isolations?tab=open", &cookie).await.text();
        assert!(
            next.contains("王芳")
                && next
                    .contains("id=\"isolations-export\" href=\"/isolations/export.xlsx?tab=open\"")
                && !next.contains("name=\"from\""),
            "the open list has no period: {next}"
        );
        // Its workbook holds who is under observation, with the day and the latest reading.
        let open = t.page("/isolations/export.xlsx?tab=open", &cookie).await;
        let rows = sanshe_app::sheets::read_table(&open.bytes).unwrap();
        assert_eq!(
            rows[0][4..],
            [
                "计划解除日期",
                "观察第几天",
                "最近体温",
                "最近报告时间",
                "责任人",
                "报告方式"
            ],
            "{rows:?}"
        );
        let wang = rows
            .iter()
            .find(|r| r[0] == "王芳")
            .expect("王芳 is under observation");
        assert!(wang[5].parse::<i64>().is_ok_and(|d| d >= 1), "{wang:?}");
        assert!(
            rows.iter().all(|r| r[0] != "李强" && r[0] != "张丽"),
            "no one released: {rows:?}"
        );
        // The bureau follows nobody up itself: its list opens on everyone under observation,
        // not on an empty list of its own, which stays one tab away.
        let (bureau, _) = t.browser("admin").await;
        let opened = t.page("/isolations", &bureau).await.text();
        assert!(
            opened.contains("王芳")
                && opened.contains("<a class=\"button \"\n   href=\"/isolations?tab=open\">"),
            "{opened}"
        );
        // The bureau's home counts everyone under observation in the city and leads to them;
        // a community's worker has their board's tiles instead.
        let observed = t
            .get("/api/v1/isolations?limit=1", Some(&t.token("admin").await))
            .await;
        let observed = observed.json()["total"].as_i64().unwrap();
        assert!(observed >= 1, "王芳 is under observation");
        let home = t.page("/", &bureau).await.text();
        assert_eq!(
            support::tile(&home, "home-under-observation"),
            Some(observed),
            "{home}"
        );
        assert!(
            home.contains("href=\"/isolations?tab=open\" data-task=\"home-under-observation\"")
        );
        let worker_home = t.page("/", &cookie).await.text();
        assert_eq!(support::tile(&worker_home, "home-under-observation"), None);
        let own = t.page("/isolations?tab=mine", &bureau).await.text();
        assert!(!own.contains("王芳"), "{own}");
        let own = t.page("/isolations/export.xlsx?tab=mine", &bureau).await;
        let rows = sanshe_app::sheets::read_table(&own.bytes).unwrap();
        assert_eq!(rows.len(), 1, "the bureau follows nobody up: {rows:?}");
        let typo = t.page("/isolations/export.xlsx?tab=every", &bureau).await;
        assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
        let sheet = t
            .page(
                "/isolations/export.xlsx?tab=released&from=2026-11-28&to=2026-11-29",
                &cookie,
            )
            .await;
        let rows = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert_eq!(rows.len(), 3, "{rows:?}");
        let zhang = rows.iter().find(|r| r[0] == "张丽").unwrap();
        assert_eq!(
            (zhang[4].as_str(), zhang[5].as_str()),
            ("2026-11-28", "转诊就医")
        );
        let refused = t
            .page(
                "/isolations?tab=released&from=2026-11-29&to=2026-11-28",
                &cookie,
            )
            .await
            .text();
        assert!(
            refused.contains("id=\"error-to\"") && !refused.contains("isolations-export"),
            "{refused}"
        );
    })
    .await;
}

#[tokio::test]
async fn alerts_reach_chat_groups_at_least_once_across_failures_and_restarts() {
    on_both(async |t| {
        let (base, rx) = start_receiver(1).await;
        let admin = t.token("admin").await;
        let w = t.token("worker.lingyanli").await;
        let hook = t.post_json("/api/v1/webhooks", Some(&admin), json!({"area_id": t.lingyanli, "name": "凌研里社区防控群", "kind": "dingtalk", "url": format!("{base}/robot/send?access_token=robot-token-ling"), "secret": "SECexample0123456789"})).await;
        assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text());
        assert!(!hook.text().contains("robot-token-ling") && !hook.text().contains("SECexample"), "credentials are not shown back");
        // Community workers cannot configure robots; bad input is refused field by field.
        let denied = t.post_json("/api/v1/webhooks", Some(&w), json!({"area_id": t.lingyanli, "name": "x", "kind": "json", "url": base})).await;
        assert_eq!(denied.status, StatusCode::UNPROCESSABLE_ENTITY);
        let bad = t.post_json("/api/v1/webhooks", Some(&admin), json!({"area_id": t.lingyanli, "name": "", "kind": "wechat", "url": "ftp://x"})).await;
        let mut fields = field_keys(&bad.json());
        fields.sort();
        assert_eq!(fields, ["kind", "name", "url"]);

        let rid = resident(t, &w, &t.lingyanli_building, "501", "蒋文", 17).await;
        let ep = open_episode(t, &w, &rid, "2026-11-27").await["episode"]["id"].as_str().unwrap().to_string();
        report(t, &w, &ep, json!(38.2)).await;

        let client = reqwest::Client::new();
        // First try: the receiver fails; the message waits with the error visible.
        let round = sanshe_app::notify::deliver_due(&t.app, &client, &words).await.unwrap();
        assert_eq!(round.failures, 1);
        let hooks = t.get("/api/v1/webhooks", Some(&admin)).await.json();
        assert_eq!(hooks[0]["pending"], 1);
        assert!(hooks[0]["last_error"].as_str().unwrap().contains("500"));
        // Backoff: nothing is tried again before it is due.
        let round = sanshe_app::notify::deliver_due(&t.app, &client, &words).await.unwrap();
        assert_eq!(round, sanshe_app::notify::Round::default());

        // The process restarts; the queue is in the database, so the message is still sent.
        t.restart().await;
        t.app.clock.advance(chrono::Duration::seconds(11));
        let round = sanshe_app::notify::deliver_due(&t.app, &client, &words).await.unwrap();
        assert_eq!((round.messages, round.alerts), (1, 1));
        let got = rx.got.lock().unwrap().clone();
        assert_eq!(got.len(), 2);
        let (uri, body) = &got[1];
        let text = body["text"]["content"].as_str().unwrap();
        assert!(text.contains("凌研里社区") && text.contains("体温异常") && text.contains("/alerts/"), "{text}");
        // The link's alert id is random hex and may contain "501" by chance: check the words.
        let words_only = text.split("http").next().unwrap();
        for private in ["蒋文", "501", "1381234", "38.2", &id_for(1985, 3, 14, 17)[..10]] {
            assert!(!words_only.contains(private), "{private} leaked into {text}");
        }
        // DingTalk signing: the timestamp and signature in the address match the secret.
        let query = uri.split_once('?').unwrap().1;
        let param = |k: &str| query.split('&').find_map(|p| p.strip_prefix(&format!("{k}="))).unwrap().to_string();
        let ts: i64 = param("timestamp").parse().unwrap();
        assert_eq!(param("sign"), sanshe_app::notify::dingtalk_sign("SECexample0123456789", ts));
        assert_eq!(param("access_token"), "robot-token-ling");

        // A node that dies after taking messages but before sending: its lease runs out and
        // another run sends them.
        let other = resident(t, &w, &t.lingyanli_building, "502", "韩梅", 19).await;
        let ep2 = open_episode(t, &w, &other, "2026-11-27").await["episode"]["id"].as_str().unwrap().to_string();
        report(t, &w, &ep2, json!(37.9)).await;
        {
            let mut conn = t.app.db.conn().await.unwrap();
            let hook_id = hooks[0]["id"].as_str().unwrap();
            let taken = sanshe_store::notify::lease_due(&mut conn, hook_id, t.app.clock.now_ms(), 60_000, 10).await.unwrap();
            assert_eq!(taken.len(), 1);
        }
        t.restart().await;
        let round = sanshe_app::notify::deliver_due(&t.app, &client, &words).await.unwrap();
        assert_eq!(round.messages, 0, "leased by the dead node");
        t.app.clock.advance(chrono::Duration::seconds(61));
        let round = sanshe_app::notify::deliver_due(&t.app, &client, &words).await.unwrap();
        assert_eq!(round.messages, 1);
        assert_eq!(rx.got.lock().unwrap().len(), 3);
        let hooks = t.get("/api/v1/webhooks", Some(&admin)).await.json();
        assert_eq!((hooks[0]["pending"].as_i64(), hooks[0]["delivered"].as_i64()), (Some(0), Some(2)));
    })
    .await;
}

#[tokio::test]
async fn over_a_robots_rate_limit_alerts_merge_into_one_digest() {
    on_both(async |t| {
        let (base, rx) = start_receiver(0).await;
        let admin = t.token("admin").await;
        let w = t.token("worker.lingyanli").await;
        let hook = t.post_json("/api/v1/webhooks", Some(&admin), json!({"area_id": t.city, "name": "市级防控群", "kind": "wecom", "url": format!("{base}/cgi-bin/webhook/send?key=k")})).await;
        assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text());
        for i in 0..25u16 {
            let rid = resident(t, &w, &t.lingyanli_building, &format!("6{i:02}"), "测试", 21 + 2 * i).await;
            let ep = open_episode(t, &w, &rid, "2026-11-27").await["episode"]["id"].as_str().unwrap().to_string();
            report(t, &w, &ep, json!(38.0)).await;
        }
        let client = reqwest::Client::new();
        let round = sanshe_app::notify::deliver_due(&t.app, &client, &words).await.unwrap();
        assert_eq!((round.messages, round.alerts), (1, 25), "one digest, not 25 messages");
        let got = rx.got.lock().unwrap().clone();
        assert_eq!(got.len(), 1);
        let text = got[0].1["text"]["content"].as_str().unwrap().to_string();
        assert!(text.contains("× 25") && text.contains("凌研里社区"), "{text}");
        assert!(text.len() <= 2048, "within WeCom's limit");
        // A few more within the minute go one by one.
        for i in 0..2u16 {
            let rid = resident(t, &w, &t.lingyanli_building, &format!("7{i:02}"), "测试", 81 + 2 * i).await;
            let ep = open_episode(t, &w, &rid, "2026-11-27").await["episode"]["id"].as_str().unwrap().to_string();
            report(t, &w, &ep, json!(38.0)).await;
        }
        let round = sanshe_app::notify::deliver_due(&t.app, &client, &words).await.unwrap();
        assert_eq!((round.messages, round.alerts), (2, 2));
    })
    .await;
}

fn enc(s: &str) -> String {
    sanshe_web::auth::urlencode(s)
}

#[tokio::test]
async fn the_front_line_pages_work_end_to_end_for_a_worker() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        let r = t.resident("田野", &id_for(1960, 4, 4, 25)).room("801").phone("13698765432").in_area(&t.lingyanli_building).by(&w).await;
        let hh = r.household_id.clone();
        let (cookie, csrf) = t.browser("worker.lingyanli").await;

        // Start a campaign from its page; a campaign without questions is refused on the form.
        let empty = t.post_form("/campaigns", &cookie, &format!("csrf={csrf}&name={}&area_id={}", enc("排查"), t.lingyanli)).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(empty.text().contains("至少需要一个问题"));
        let made = t.post_form("/campaigns", &cookie, &format!("csrf={csrf}&name={}&area_id={}&questions=fever_or_cough&questions=arrived_from_elsewhere", enc("入户排查"), t.lingyanli)).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
        let campaign_url = made.headers.get("location").unwrap().to_str().unwrap().to_string();
        let cid = campaign_url.rsplit('/').next().unwrap().to_string();
        let page = t.page(&campaign_url, &cookie).await.text();
        assert!(page.contains("0/1") && page.contains("1号楼"), "coverage before any visit");

        // The building grid shows the door; the visit form logs it; the grid colours it.
        let grid = t.page(&format!("/campaigns/{cid}/grid?building={}", enc("1号楼")), &cookie).await.text();
        assert!(grid.contains(&format!("/campaigns/{cid}/visit/{hh}")) && grid.contains("1单元 801"));
        let form = t.page(&format!("/campaigns/{cid}/visit/{hh}"), &cookie).await.text();
        let i = form.find("name=\"visit_id\" value=\"").unwrap() + "name=\"visit_id\" value=\"".len();
        let visit_id = form[i..i + 32].to_string();
        let body = format!("csrf={csrf}&visit_id={visit_id}&outcome=answered&q_fever_or_cough=yes&q_arrived_from_elsewhere=no&note=");
        let saved = t.post_form(&format!("/campaigns/{cid}/visit/{hh}"), &cookie, &body).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        assert!(saved.text().contains("已登记") && saved.text().contains("已发出发热咳嗽预警"));
        // Pressing send twice records once.
        t.post_form(&format!("/campaigns/{cid}/visit/{hh}"), &cookie, &body).await;
        let cov = t.get(&format!("/api/v1/campaigns/{cid}/coverage"), Some(&w)).await.json();
        assert_eq!(cov["workers"][0]["visits"], 1);
        let grid = t.page(&format!("/campaigns/{cid}/grid?building={}", enc("1号楼")), &cookie).await.text();
        assert!(grid.contains("door door-answered"));

        // Register an arrival from the household page's form, with isolation: lands on the episode.
        let arrival = t.post_form(&format!("/households/{hh}/arrival"), &cookie, &format!("csrf={csrf}&resident_id={}&origin={}&transport=train&date=2026-11-25&note=&isolate=on&kind=home_medical_observation&follow_up=link", r["id"].as_str().unwrap(), enc("湖北省武汉市"))).await;
        assert_eq!(arrival.status, StatusCode::SEE_OTHER, "{}", arrival.text());
        let episode_url = arrival.headers.get("location").unwrap().to_str().unwrap().to_string();
        assert!(episode_url.starts_with("/isolations/"));
        let bad = t.post_form(&format!("/households/{hh}/arrival"), &cookie, &format!("csrf={csrf}&resident_id={}&origin=&transport=train&date=2030-01-01", r["id"].as_str().unwrap())).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().contains("日期不能晚于今天"));

        // The episode page: a worker enters a report; a typo is explained; the chart appears.
        let typo = t.post_form(&episode_url, &cookie, &format!("csrf={csrf}&action=report&temperature=385")).await;
        assert_eq!(typo.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(typo.text().contains("34.0"));
        let ok = t.post_form(&episode_url, &cookie, &format!("csrf={csrf}&action=report&temperature=38.5&symptoms=cough&symptoms=fatigue")).await;
        assert_eq!(ok.status, StatusCode::OK);
        let html = ok.text();
        assert!(html.contains("<svg class=\"chart\"") && html.contains("38.5") && html.contains("咳嗽") && html.contains("乏力"));
        let forged = t.post_form(&episode_url, &cookie, "csrf=nope&action=report&temperature=36.5").await;
        assert_ne!(forged.status, StatusCode::OK);

        // The board, the roster and the printable notice with its QR code.
        let board = t.page(&format!("/boards/{}", t.lingyanli), &cookie).await.text();
        assert!(board.contains("id=\"total-open\">1<") && board.contains("id=\"total-fever\">1<"), "{board}");
        let roster = t.page(&format!("/areas/{}/roster", t.lingyanli), &cookie).await.text();
        assert!(roster.contains("田野") && roster.contains("38.5"));
        let sheet = t.page(&format!("/areas/{}/roster.xlsx", t.lingyanli), &cookie).await;
        let table = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert_eq!(table.len(), 2, "header and one line: {table:?}");
        assert!(format!("{table:?}").contains("田野") && format!("{table:?}").contains("38.5"));
        let sheet = t.page(&format!("/campaigns/{cid}/coverage.xlsx"), &cookie).await;
        let table = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert!(format!("{:?}", table).contains("1号楼"), "{table:?}");
        // The community's phone, set once on its page, is printed with the worker's name.
        let bad = t.send_json("PUT", &format!("/api/v1/areas/{}/contact", t.lingyanli), Some(&w), json!({"phone": "12345"})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let yudeli = t.token("worker.yudeli").await;
        let other = t.send_json("PUT", &format!("/api/v1/areas/{}/contact", t.lingyanli), Some(&yudeli), json!({"phone": "022-23456789"})).await;
        assert_eq!(other.status, StatusCode::NOT_FOUND, "another community's worker");
        let set = t.post_form(&format!("/areas/{}/contact", t.lingyanli), &cookie, &format!("csrf={csrf}&phone=022-2345%206789")).await;
        assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.text());
        let area_page = t.page(&format!("/areas/{}", t.lingyanli_building), &cookie).await.text();
        assert!(area_page.contains("href=\"tel:022-23456789\""), "a building shows its community's phone");
        let notice = t.page(&format!("/households/{hh}/notice"), &cookie).await.text();
        assert!(notice.contains("<svg") && notice.contains("/r/") && notice.contains("居家隔离医学观察告知书"));
        let worker = t.get("/api/v1/isolations", Some(&w)).await.json()["items"].clone()[0]["worker_name"].as_str().unwrap().to_string();
        assert!(notice.contains(&format!("有事请联系：负责人 {worker} · 电话 022-23456789")), "{notice}");
        // The notices form is labelled as a form, not with the isolation notice's text.
        let notices = t.page("/notices", &cookie).await.text();
        assert!(notices.contains("<label for=\"body\">内容</label>"), "{notices}");

        // The alert centre: the fever from the report and the one from the visit; resolve one.
        let alerts_page = t.page("/alerts", &cookie).await.text();
        assert!(alerts_page.contains("体温异常") && alerts_page.contains("走访发现发热咳嗽"));
        let fever = alerts(t, &w, "?kind=fever").await;
        let aid = fever[0]["id"].as_str().unwrap();
        let no_note = t.post_form(&format!("/alerts/{aid}"), &cookie, &format!("csrf={csrf}&action=resolve&note=")).await;
        assert_eq!(no_note.status, StatusCode::UNPROCESSABLE_ENTITY);
        let resolved = t.post_form(&format!("/alerts/{aid}"), &cookie, &format!("csrf={csrf}&action=resolve&note={}", enc("已送发热门诊"))).await;
        assert_eq!(resolved.status, StatusCode::SEE_OTHER);
        assert!(t.page(&format!("/alerts/{aid}"), &cookie).await.text().contains("已送发热门诊"));

        // Release from the page ends the link.
        let link = t.get(&format!("/api/v1/isolations/{}", episode_url.rsplit('/').next().unwrap()), Some(&w)).await.json();
        assert_eq!(link["link_live"], true);
        let released = t.post_form(&episode_url, &cookie, &format!("csrf={csrf}&action=release&reason=completed&note=")).await;
        assert_eq!(released.status, StatusCode::OK);
        assert!(released.text().contains("期满解除"));

        // Community workers do not see the chat-robot settings; the coordinator does.
        assert!(!t.page("/", &cookie).await.text().contains("href=\"/webhooks\""));
        let (admin_cookie, admin_csrf) = t.browser("admin").await;
        let add = t.post_form("/webhooks", &admin_cookie, &format!("csrf={admin_csrf}&area_id={}&name={}&kind=feishu&url={}&secret=s3cret", t.lingyanli, enc("凌研里防控群"), enc("https://open.feishu.cn/open-apis/bot/v2/hook/0123456789abcdef"))).await;
        assert_eq!(add.status, StatusCode::SEE_OTHER, "{}", add.text());
        let hooks = t.page("/webhooks", &admin_cookie).await.text();
        assert!(hooks.contains("凌研里防控群") && hooks.contains("hook/0123…") && !hooks.contains("0123456789abcdef") && !hooks.contains("s3cret"));
        // Turning a working robot off asks first: its group would hear of no alert.
        assert!(hooks.contains(&format!(" data-confirm=\"{}\"", support::words("webhook-disable-confirm"))), "{hooks}");
    })
    .await;
}

#[tokio::test]
async fn the_alert_centre_is_read_a_page_at_a_time_latest_first_with_the_total() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        assert_eq!(
            t.get("/api/v1/alerts?kind=gate_fever", Some(&w))
                .await
                .json()["total"],
            0
        );
        // 103 fevers at 凌研里's gates, a minute apart.
        let start = t.app.clock.now_ms();
        for n in 0..103i64 {
            t.gate_fever_alert(&t.lingyanli, &format!("gate-{n:03}"), start + n * 60_000)
                .await;
        }
        // Fifty at a time: each once, the latest first, the total on every page.
        let (seen, total) = t
            .every_page("/api/v1/alerts?kind=gate_fever&limit=50", &w)
            .await;
        let seen: Vec<String> = seen
            .iter()
            .map(|a| a["subject_id"].as_str().unwrap().to_string())
            .collect();
        let latest: Vec<String> = (0..103).rev().map(|n| format!("gate-{n:03}")).collect();
        assert_eq!((seen, total), (latest, 103));
        let r = t.get("/api/v1/alerts?after=zz", Some(&w)).await;
        assert_eq!(
            (r.status, r.json()["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("after"))
        );
        // The page shows a hundred, says how many, and leads on to the rest with its filter.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let html = t
            .page("/alerts?status=open&kind=gate_fever", &cookie)
            .await
            .text();
        assert!(html.contains("共 103 条"), "{html}");
        assert_eq!(html.matches("<a href=\"/alerts/").count(), 100, "{html}");
        let next = support::pager_link(&html, "next-alerts").expect("a next page");
        assert!(next.contains("kind=gate_fever"), "{next}");
        let rest = t.page(&next, &cookie).await.text();
        assert_eq!(rest.matches("<a href=\"/alerts/").count(), 3, "{rest}");
    })
    .await;
}

/// The day's roster of a community holds every open episode however many: 500 to a printed
/// page, numbered on across pages, each line with its own reading, and the export holds all.
#[tokio::test]
async fn the_days_roster_pages_a_whole_community_and_its_export_holds_every_line() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        const PEOPLE: usize = 501;
        let name = |n: usize| {
            let digits: Vec<char> = "零一二三四五六七八九".chars().collect();
            let spelled: String = n
                .to_string()
                .bytes()
                .map(|b| digits[usize::from(b - b'0')])
                .collect();
            format!("隔离{spelled}")
        };
        let mut csv = String::from("姓名,性别,身份证号,手机号,小区,楼栋,单元,房号,独居\n");
        for n in 0..PEOPLE {
            let id = id_for(1940 + (n / 12) as i32, 1 + (n % 12) as u32, 15, 11);
            csv.push_str(&format!(
                "{},男,{id},,凌研里二区,5号楼,1单元,{},\n",
                name(n),
                1000 + n
            ));
        }
        let fields = [("community", t.lingyanli.as_str())];
        let imported = t
            .post_multipart(
                "/api/v1/imports/residents",
                Some(&w),
                None,
                &fields,
                ("r.csv", csv.as_bytes()),
            )
            .await;
        assert_eq!(imported.status, StatusCode::OK, "{}", imported.text());
        let (residents, _) = t
            .every_page(
                &format!("/api/v1/residents?area={}&limit=500", t.lingyanli),
                &w,
            )
            .await;
        let mut episodes = std::collections::HashMap::new();
        for r in residents
            .iter()
            .filter(|r| r["name"].as_str().unwrap().starts_with("隔离"))
        {
            let opened = open_episode(t, &w, r["id"].as_str().unwrap(), "2026-11-25").await;
            episodes.insert(
                r["name"].as_str().unwrap().to_string(),
                opened["episode"]["id"].as_str().unwrap().to_string(),
            );
        }
        assert_eq!(episodes.len(), PEOPLE);
        // Readings for the first by address and the last, who is on the second page.
        let (first, last) = (name(0), name(PEOPLE - 1));
        assert_eq!(
            report(t, &w, &episodes[&first], json!(36.6)).await.0,
            StatusCode::CREATED
        );
        assert_eq!(
            report(t, &w, &episodes[&last], json!(38.2)).await.0,
            StatusCode::CREATED
        );

        let (cookie, _) = t.browser("worker.lingyanli").await;
        let line_of = |html: &str, who: &str| -> String {
            let at = html
                .find(&format!("<td>{who}</td>"))
                .unwrap_or_else(|| panic!("{who} listed"));
            let start = html[..at].rfind("<tr>").unwrap();
            let end = at + html[at..].find("</tr>").unwrap();
            html[start..end].to_string()
        };
        let roster = format!("/areas/{}/roster", t.lingyanli);
        let one = t.page(&roster, &cookie).await.text();
        assert_eq!(one.matches("<tr><td>").count(), 500, "500 to a page");
        assert!(
            one.contains("id=\"roster-total\">共 501 条<"),
            "{}",
            &one[..one.len().min(3000)]
        );
        assert!(line_of(&one, &first).starts_with("<tr><td>1</td>"));
        assert!(line_of(&one, &first).contains("<td>36.6</td>"));
        assert!(!one.contains(&format!("<td>{last}</td>")));
        let next = support::pager_link(&one, "next-roster").expect("a link to the rest");
        let two = t.page(&next, &cookie).await.text();
        assert_eq!(two.matches("<tr><td>").count(), 1);
        let line = line_of(&two, &last);
        assert!(
            line.starts_with("<tr><td>501</td>") && line.contains("<td>38.2</td>"),
            "{line}"
        );
        assert!(!line.contains("36.6"));
        assert_eq!(support::pager_link(&two, "next-roster"), None);
        let bad = t.page(&format!("{roster}?after=zz"), &cookie).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

        let sheet = t.page(&format!("{roster}.xlsx"), &cookie).await;
        let table = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert_eq!(table.len(), PEOPLE + 1, "the header and every line");
        let names: std::collections::HashSet<&str> =
            table[1..].iter().map(|row| row[0].as_str()).collect();
        assert_eq!(names.len(), PEOPLE, "each once");
        let row = table.iter().find(|row| row[0] == last).unwrap();
        assert!(row.contains(&"38.2".to_string()), "{row:?}");
        assert_eq!(
            table
                .iter()
                .filter(|row| row.contains(&"38.2".to_string()))
                .count(),
            1
        );
    })
    .await;
}

/// A coordinator over several communities narrows the alerts and the isolation list to one:
/// the list, its total, its next pages and its workbook hold that community's only; a worker
/// of one community is not offered the choice and cannot reach another's.
#[tokio::test]
async fn a_coordinator_narrows_alerts_and_isolations_to_one_community() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let yu = t.token("worker.yudeli").await;
        for (token, area, name, seq) in [
            (&ling, &t.lingyanli_building, "王建国", 1),
            (&yu, &t.yudeli, "赵长林", 3),
        ] {
            let rid = resident(t, token, area, "101", name, seq).await;
            let opened = open_episode(t, token, &rid, "2026-11-20").await;
            let ep = opened["episode"]["id"].as_str().unwrap().to_string();
            assert_eq!(
                report(t, token, &ep, json!(38.2)).await.0,
                StatusCode::CREATED
            );
        }
        let admin = t.token("admin").await;
        assert_eq!(alerts(t, &admin, "?kind=fever").await.len(), 2);
        let only = |items: Vec<Value>| -> Vec<String> {
            items
                .iter()
                .map(|a| a["place"].as_str().unwrap_or("").to_string())
                .collect()
        };
        let ling_only = alerts(t, &admin, &format!("?kind=fever&area={}", t.lingyanli)).await;
        assert_eq!(only(ling_only), ["凌研里一区"]);
        // Another community's alerts stay out of reach, and an unknown area is not found.
        let r = t.get("/api/v1/alerts?area=nowhere", Some(&admin)).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
        let (yu_only, html, rows) = t
            .narrowed_to_yudeli(
                "/api/v1/alerts",
                "/alerts",
                "/alerts/export.xlsx?status=open",
            )
            .await;
        assert_eq!(
            only(yu_only["items"].as_array().unwrap().clone()),
            ["裕德里社区"]
        );
        assert!(
            html.contains("<option value=\"\">全部社区</option>"),
            "{html}"
        );
        assert!(html.contains("共 1 条"), "{html}");
        assert_eq!(rows.len(), 2, "the header and the one alert: {rows:?}");
        assert_eq!(rows[1][1], "裕德里社区");
        let (cookie, _) = t.browser("admin").await;
        // The isolation list: the picker on every tab, and the tabs keep the community.
        let html = t
            .page(&format!("/isolations?tab=open&area={}", t.yudeli), &cookie)
            .await
            .text();
        assert!(
            html.contains("赵长林") && !html.contains("王建国"),
            "{html}"
        );
        assert!(
            support::chosen_option(&html, &t.yudeli, "裕德里社区"),
            "{html}"
        );
        assert!(
            html.contains(&format!(
                "href=\"/isolations?tab=released&amp;area={}\"",
                t.yudeli
            )),
            "{html}"
        );
        let every = t.page("/isolations?tab=open", &cookie).await.text();
        assert!(
            every.contains("赵长林") && every.contains("王建国"),
            "{every}"
        );
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let html = t.page("/alerts", &cookie).await.text();
        assert!(
            !html.contains("全部社区"),
            "one community, nothing to choose: {html}"
        );
        let html = t.page("/isolations?tab=open", &cookie).await.text();
        assert!(
            !html.contains("全部社区") && html.contains("王建国"),
            "{html}"
        );
    })
    .await;
}

/// A coordinator narrows the door-to-door rounds to one community, on the page, in its
/// workbook and through the API.
#[tokio::test]
async fn a_coordinator_narrows_the_campaigns_to_one_community() {
    on_both(async |t| {
        for (user, area, name) in [
            ("worker.lingyanli", &t.lingyanli, "凌研里入户排查"),
            ("worker.yudeli", &t.yudeli, "裕德里入户排查"),
        ] {
            let token = t.token(user).await;
            let body = json!({"area_id": area, "name": name, "questions": ["fever_or_cough"]});
            let r = t.post_json("/api/v1/campaigns", Some(&token), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let admin = t.token("admin").await;
        let every = t.get("/api/v1/campaigns", Some(&admin)).await.json();
        assert_eq!(every["total"], 2, "{every}");
        let (one, html, rows) = t
            .narrowed_to_yudeli("/api/v1/campaigns", "/campaigns", "/campaigns/export.xlsx")
            .await;
        assert_eq!(
            (one["total"].as_i64(), one["items"][0]["name"].as_str()),
            (Some(1), Some("裕德里入户排查"))
        );
        assert!(
            html.contains("<span id=\"campaigns-total\">1</span>"),
            "{html}"
        );
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[1][0], "裕德里入户排查");
    })
    .await;
}

/// Among many people under observation a worker finds one by the beginning of the name, on
/// the list (every tab) and through the API; a name written otherwise but read alike is not
/// a match, and a search past a name's length is refused beside the box.
#[tokio::test]
async fn a_worker_finds_someone_under_observation_by_name() {
    on_both(async |t| {
        let w = t.token("worker.lingyanli").await;
        for (room, name, seq) in [
            ("101", "王建国", 1),
            ("102", "汪建华", 3),
            ("103", "李明", 5),
        ] {
            let rid = resident(t, &w, &t.lingyanli_building, room, name, seq).await;
            open_episode(t, &w, &rid, "2026-11-20").await;
        }
        let names = async |query: &str| -> Vec<String> {
            let page = t
                .get(&format!("/api/v1/isolations?{query}"), Some(&w))
                .await
                .json();
            let items = page["items"].as_array().unwrap().clone();
            items
                .iter()
                .map(|e| e["name"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(names("q=%E7%8E%8B").await, ["王建国"], "王, not 汪");
        assert_eq!(names("q=%E7%8E%8B%E5%BB%BA").await, ["王建国"]);
        assert_eq!(names("q=%E6%B1%AA").await, ["汪建华"]);
        assert_eq!(names("").await.len(), 3);
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let html = t
            .page("/isolations?tab=open&q=%E6%9D%8E", &cookie)
            .await
            .text();
        assert!(
            html.contains("李明") && !html.contains("王建国") && html.contains("共 1 条"),
            "{html}"
        );
        assert!(
            html.contains("name=\"q\" value=\"李\""),
            "the box keeps what was searched: {html}"
        );
        let long = "%E7%8E%8B".repeat(51);
        let r = t
            .page(&format!("/isolations?tab=open&q={long}"), &cookie)
            .await;
        assert!(r.text().contains("id=\"error-q\""), "{}", r.text());
        let r = t
            .get(&format!("/api/v1/isolations?q={long}"), Some(&w))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

/// On a bad afternoon a worker ticks the open alerts on the list and takes them at once; one
/// another worker took first is not counted twice, and an alert outside the worker's
/// communities cannot be slipped in.
#[tokio::test]
async fn a_worker_takes_the_ticked_alerts_from_the_list_at_once() {
    on_both(async |t| {
        let now = t.app.clock.now_ms();
        for n in 0..3 {
            t.gate_fever_alert(&t.lingyanli, &format!("gate-{n}"), now + n)
                .await;
        }
        t.gate_fever_alert(&t.yudeli, "gate-9", now + 9).await;
        let ids_in = async |token: &str| -> Vec<String> {
            let page = t
                .get("/api/v1/alerts?kind=gate_fever", Some(token))
                .await
                .json();
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_str().unwrap().to_string())
                .collect()
        };
        let ling = ids_in(&t.token("worker.lingyanli").await).await;
        let yu = ids_in(&t.token("worker.yudeli").await).await;
        assert_eq!((ling.len(), yu.len()), (3, 1));

        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let list = t.page("/alerts?kind=gate_fever", &cookie).await.text();
        for id in &ling {
            assert!(
                list.contains(&format!("name=\"id\" value=\"{id}\"")),
                "{list}"
            );
        }
        assert!(
            list.contains("action=\"/alerts/acknowledge\"")
                && list.contains(&words("alerts-take-chosen"))
        );
        // Another worker took the first one a moment before.
        let other = t.token("admin").await;
        let r = t
            .post_json(
                &format!("/api/v1/alerts/{}/acknowledge", ling[0]),
                Some(&other),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let ticked: String = ling.iter().map(|id| format!("&id={id}")).collect();
        let r = t
            .post_form(
                "/alerts/acknowledge",
                &cookie,
                &format!("csrf={csrf}&kind=gate_fever{ticked}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let back = r.headers["location"].to_str().unwrap().to_string();
        assert_eq!(back, "/alerts?kind=gate_fever&taken=2");
        let page = t.page(&back, &cookie).await.text();
        assert!(page.contains("已接手 2 条预警"), "{page}");
        assert!(
            !page.contains("name=\"id\" value=\""),
            "nothing left to take: {page}"
        );
        let me = t
            .get(
                &format!("/api/v1/alerts/{}", ling[1]),
                Some(&t.token("worker.lingyanli").await),
            )
            .await
            .json();
        assert_eq!(me["status"], "acknowledged");
        // Nothing ticked says so; one of 裕德里 among 凌研里's takes none of them.
        let r = t
            .post_form("/alerts/acknowledge", &cookie, &format!("csrf={csrf}"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("请先勾选要接手的预警"));
        let r = t
            .post_form(
                "/alerts/acknowledge",
                &cookie,
                &format!("csrf={csrf}&id={}", yu[0]),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let theirs = t
            .get(
                &format!("/api/v1/alerts/{}", yu[0]),
                Some(&t.token("worker.yudeli").await),
            )
            .await
            .json();
        assert_eq!(theirs["status"], "open");
    })
    .await;
}
