//! 三社联动 over HTTP on SQLite and PostgreSQL: linkages with duties proposed by one side and
//! accepted by the other, an organization's people deployed within its linkages, and a member
//! staffing a gate only through a checked-in shift of its post and their organization's duty.

mod support;

use axum::http::StatusCode;
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};
use support::{TestApp, id_for, on_both, tile};

/// Moves the test clock to a China-time moment.
fn set_clock(t: &TestApp, day: NaiveDate, h: u32, m: u32) {
    let target = sanshe_app::utc_ms(day.and_hms_opt(h, m, 0).unwrap());
    t.app
        .clock
        .advance(Duration::milliseconds(target - t.app.clock.now_ms()));
}

fn code(v: &Value) -> String {
    v["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn propose(t: &TestApp, token: &str, community: &str, duties: Value) -> (StatusCode, Value) {
    let r = t
        .post_json(
            &format!("/api/v1/organizations/{}/linkages", t.ruoshui),
            Some(token),
            json!({"community_id": community, "duties": duties, "contact": "若水 李老师 / 凌研里 王主任"}),
        )
        .await;
    (r.status, r.json())
}

async fn linkage_step(t: &TestApp, token: &str, id: &str, step: &str) -> (StatusCode, Value) {
    let path = format!("/api/v1/linkages/{id}/{step}");
    t.post_json(&path, Some(token), json!({})).await.answer()
}

/// 凌研里 on a linkage map's JSON.
fn lingyanli_on(map: &Value) -> Value {
    map["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "凌研里社区")
        .cloned()
        .expect("凌研里 on the map")
}

/// 若水's admin deploys its member to 凌研里.
async fn deploy_to_lingyanli(t: &TestApp, org: &str, member_id: &str) {
    let r = t
        .post_json(
            &format!(
                "/api/v1/organizations/{}/members/{member_id}/deployments",
                t.ruoshui
            ),
            Some(org),
            json!({"area_id": t.lingyanli}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
}

/// A member of 若水 made by its admin: (user id, token).
async fn member(t: &TestApp, org: &str, username: &str) -> (String, String) {
    let r = t
        .post_json(
            "/api/v1/users",
            Some(org),
            json!({"username": username, "display_name": "张磊", "password": support::PASSWORD,
                   "role": "volunteer", "organization_id": t.ruoshui}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    t.has_set_own_password(&id).await;
    (id, t.token(username).await)
}

#[tokio::test]
async fn a_linkage_is_proposed_by_one_side_and_accepted_by_the_other() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let ling = t.token("worker.lingyanli").await;
        let yude = t.token("worker.yudeli").await;
        // Bad terms are refused field by field.
        let (s, v) = propose(t, &org, &t.lingyanli, json!([])).await;
        assert_eq!((s, code(&v).as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "err-duties-required"));
        let (_, v) = propose(t, &org, &t.lingyanli, json!(["guarding"])).await;
        assert_eq!(code(&v), "err-duty");
        let r = t
            .post_json(
                &format!("/api/v1/organizations/{}/linkages", t.ruoshui),
                Some(&org),
                json!({"community_id": t.lingyanli, "duties": ["errands"], "starts_on": "2026-12-10", "ends_on": "2026-12-01"}),
            )
            .await;
        assert_eq!(code(&r.json()), "err-date-order");

        // The organization proposes; it cannot accept its own proposal.
        let (s, l) = propose(t, &org, &t.lingyanli, json!(["errands", "gate_duty", "errands"])).await;
        assert_eq!(s, StatusCode::CREATED, "{l}");
        assert_eq!(l["status"], "proposed");
        assert_eq!(l["duties"], json!(["gate_duty", "errands"]), "each once, in order");
        assert_eq!(l["may_accept"], false);
        let id = l["id"].as_str().unwrap().to_string();
        let (s, v) = linkage_step(t, &org, &id, "accept").await;
        assert_eq!((s, code(&v).as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "err-linkage-not-acceptable"));
        // Another community's worker does not see it at all.
        assert_eq!(linkage_step(t, &yude, &id, "accept").await.0, StatusCode::NOT_FOUND);

        // The community's worker sees the proposal and accepts it.
        let seen = t
            .get(&format!("/api/v1/organizations/{}/linkages", t.ruoshui), Some(&ling))
            .await
            .json();
        assert_eq!(seen[0]["may_accept"], true, "{seen}");
        // The list of organizations says where each works, a proposal marked as one.
        let (admin_cookie, _) = t.browser("admin").await;
        let listed = async || {
            let html = t.page("/organizations", &admin_cookie).await.text();
            let at = html.find(&format!("data-organization=\"{}\"", t.ruoshui)).unwrap_or_else(|| panic!("{html}"));
            let row = &html[at..];
            row[..row.find("</tr>").unwrap()].split_whitespace().collect::<String>()
        };
        assert!(listed().await.contains("凌研里社区<spanclass=\"tag\">待对方确认</span>"), "{}", listed().await);
        let (s, v) = linkage_step(t, &ling, &id, "accept").await;
        assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("active")));
        let row = listed().await;
        assert!(row.contains("凌研里社区</span>") && !row.contains("待对方确认"), "{row}");
        assert_eq!(linkage_step(t, &ling, &id, "accept").await.0, StatusCode::UNPROCESSABLE_ENTITY);

        // Ending it is asked first, of either side and of nobody else.
        let ask = format!("/linkages/{id}/delete");
        let (ling_cookie, _) = t.browser("worker.lingyanli").await;
        let page = t.page(&ask, &ling_cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        assert!(page.text().contains("天津市若水社会工作服务中心 ↔ 凌研里社区"), "{}", page.text());
        assert!(page.text().contains(&format!("action=\"{ask}\"")), "{}", page.text());
        let (yude_cookie, _) = t.browser("worker.yudeli").await;
        assert_eq!(t.page(&ask, &yude_cookie).await.status, StatusCode::NOT_FOUND);

        // Either side ends it; ended once.
        let (s, v) = linkage_step(t, &org, &id, "end").await;
        assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("ended")));
        let (_, v) = linkage_step(t, &ling, &id, "end").await;
        assert_eq!(code(&v), "err-linkage-ended");
        assert!(listed().await.contains("暂无联动"), "ended, it works nowhere now");
        // The community still finds the organization it worked with, in the list as on its
        // page, with the ended linkage on record: to propose anew, or to look back.
        let listed = t.get("/api/v1/organizations?q=%E5%A4%A9%E6%B4%A5", Some(&ling)).await.json();
        assert_eq!(listed["items"][0]["id"], t.ruoshui.as_str(), "{listed}");
        let page = t.page(&format!("/organizations/{}", t.ruoshui), &ling_cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("已结束"), "{}", page.text());
        // Another community's worker, never linked, finds it in neither.
        let listed = t.get("/api/v1/organizations", Some(&yude)).await.json();
        assert_eq!(listed["total"], 0, "{listed}");
        assert_eq!(t.page(&format!("/organizations/{}", t.ruoshui), &yude_cookie).await.status, StatusCode::NOT_FOUND);
        // Proposed again, the same pair is one row again waiting for the other side.
        let (s, again) = propose(t, &ling, &t.lingyanli, json!(["data"])).await;
        assert_eq!(s, StatusCode::CREATED, "{again}");
        assert_eq!((again["id"].as_str(), again["status"].as_str()), (Some(id.as_str()), Some("proposed")));
        assert_eq!(again["proposed_by"], "community");
        assert_eq!(linkage_step(t, &org, &id, "accept").await.0, StatusCode::OK);

        // A coordinator of the organization's own area speaks for both sides: active at once.
        let admin = t.token("admin").await;
        let (s, both) = propose(t, &admin, &t.yudeli, json!(["supplies"])).await;
        assert_eq!((s, both["status"].as_str()), (StatusCode::CREATED, Some("active")));

        // Every step is in the audit log.
        let log = t.get("/api/v1/audit?limit=50", Some(&admin)).await.json();
        let actions: Vec<&str> = log
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["action"].as_str())
            .filter(|a| a.starts_with("linkage."))
            .collect();
        for step in ["linkage.proposed", "linkage.accepted", "linkage.ended", "linkage.created"] {
            assert!(actions.contains(&step), "{step} in {actions:?}");
        }
    })
    .await;
}

struct GatePost {
    south: String,
    north: String,
    pass_code: String,
    first_shift: String,
    second_shift: String,
    day: NaiveDate,
}

/// 凌研里一区 with a south and a north gate, a household's pass, a post at the south gate with
/// shifts from tomorrow, and the member assigned to its first two morning shifts.
async fn gate_post(t: &TestApp, worker: &str, member_id: &str) -> GatePost {
    let compound = t.lingyanli_compound(worker).await;
    let mut gates = Vec::new();
    for name in ["南门", "北门"] {
        let g = t.add_gate(worker, name).await;
        gates.push(g["id"].as_str().unwrap().to_string());
    }
    // Every exit allowed at any hour, so only the duty decides.
    t.send_json(
        "PUT",
        &format!("/api/v1/gates/{}/policy", gates[0]),
        Some(worker),
        json!({"exits_per_period": 0, "period_days": 1, "out_from_hour": 0, "out_until_hour": 24}),
    )
    .await;
    let r = t
        .resident("马红", &id_for(1975, 7, 7, 31))
        .room("301")
        .in_area(&t.lingyanli_building)
        .by(worker)
        .await;
    let pass = t
        .post_json(
            "/api/v1/passes",
            Some(worker),
            json!({"household_id": r["household_id"], "valid_to": "2027-01-31"}),
        )
        .await;
    assert_eq!(pass.status, StatusCode::CREATED, "{}", pass.text());
    let pass_code = pass.json()[0]["code"].as_str().unwrap().to_string();
    // A gate post naming a gate of another kind of post is refused.
    let post = t
        .rota_post("一区南门")
        .with("area_id", compound.as_str())
        .with("gate_id", gates[0].as_str());
    let wrong = post.with("kind", "hotline").send(worker).await;
    assert_eq!(code(&wrong.json()), "err-post-gate-kind");
    let post = t
        .rota_post("一区南门")
        .with("area_id", compound.as_str())
        .with("gate_id", gates[0].as_str());
    let post = post.send(worker).await;
    assert_eq!(post.status, StatusCode::CREATED, "{}", post.text());
    assert_eq!(post.json()["gate_id"], gates[0].as_str());
    let post_id = post.json()["id"].as_str().unwrap().to_string();
    let day = t.app.clock.today() + Duration::days(1);
    let made = t.make_shifts(worker, &post_id, day.to_string(), 2).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    let rota = t
        .get(
            &format!("/api/v1/shifts?area={compound}&from={day}&days=2"),
            Some(worker),
        )
        .await
        .json();
    let shifts: Vec<String> = rota["posts"][0]["shifts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    for s in &shifts {
        let r = t
            .post_json(
                &format!("/api/v1/shifts/{s}/assign"),
                Some(worker),
                json!({"user_id": member_id}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
    }
    GatePost {
        south: gates[0].clone(),
        north: gates[1].clone(),
        pass_code,
        first_shift: shifts[0].clone(),
        second_shift: shifts[1].clone(),
        day,
    }
}

async fn scan(t: &TestApp, token: &str, gate: &str, code: &str) -> (StatusCode, Value) {
    let r = t
        .post_json(
            "/api/v1/scans",
            Some(token),
            json!({"id": uuid::Uuid::now_v7().to_string(),
            "gate_id": gate, "pass_code": code, "direction": "out", "temperature": 36.5}),
        )
        .await;
    (r.status, r.json())
}

#[tokio::test]
async fn a_member_scans_at_their_shifts_gate_only_inside_the_window_and_only_there() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let worker = t.token("worker.lingyanli").await;
        let (member_id, vol) = member(t, &org, "vol.zhanglei").await;
        // 若水 takes on gate duty in 凌研里; the community accepts; 若水 deploys its member.
        let (_, l) = propose(t, &org, &t.lingyanli, json!(["gate_duty", "errands"])).await;
        let linkage = l["id"].as_str().unwrap().to_string();
        assert_eq!(linkage_step(t, &worker, &linkage, "accept").await.0, StatusCode::OK);
        deploy_to_lingyanli(t, &org, &member_id).await;
        let g = gate_post(t, &worker, &member_id).await;

        // Before check-in: no gate.
        set_clock(t, g.day, 7, 0);
        assert_eq!(scan(t, &vol, &g.south, &g.pass_code).await.1["errors"][0]["code"], "err-gate-not-found");
        assert_eq!(t.get("/api/v1/gates", Some(&vol)).await.json()["items"], json!([]));
        set_clock(t, g.day, 7, 40);
        let r = t.post_json(&format!("/api/v1/shifts/{}/check-in", g.first_shift), Some(&vol), json!({})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        // Checked in: the south gate, and only it.
        let (s, v) = scan(t, &vol, &g.south, &g.pass_code).await;
        assert_eq!((s, v["decision"].as_str()), (StatusCode::CREATED, Some("allowed")), "{v}");
        assert!(!v.to_string().contains("1975"), "no number in what the member sees: {v}");
        let (s, v) = scan(t, &vol, &g.north, &g.pass_code).await;
        assert_eq!((s, code(&v).as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "err-gate-not-found"));
        let gates = t.get("/api/v1/gates", Some(&vol)).await.json()["items"].clone();
        assert_eq!(gates.as_array().unwrap().len(), 1);
        assert_eq!(gates[0]["id"], g.south.as_str());
        assert_eq!(t.get(&format!("/api/v1/gates/{}", g.north), Some(&vol)).await.status, StatusCode::NOT_FOUND);
        let visitor = |gate: String| {
            let (t, vol) = (&t, vol.clone());
            async move {
                t.post_json("/api/v1/visitors", Some(&vol), json!({"gate_id": gate, "kind": "delivery",
                    "name": "快递员", "phone": "", "temperature": 36.4, "entered": true, "reason": "送药", "host": "3号楼"}))
                    .await
                    .status
            }
        };
        assert_eq!(visitor(g.south.clone()).await, StatusCode::CREATED);
        assert_eq!(visitor(g.north.clone()).await, StatusCode::UNPROCESSABLE_ENTITY);
        // The shift ends at 16:00; without a check-out the duty runs 30 minutes more.
        set_clock(t, g.day, 16, 20);
        assert_eq!(scan(t, &vol, &g.south, &g.pass_code).await.0, StatusCode::CREATED);
        set_clock(t, g.day, 16, 31);
        assert_eq!(code(&scan(t, &vol, &g.south, &g.pass_code).await.1), "err-gate-not-found");

        // Next morning: the duty holds only while the linkage does, and ends at check-out.
        let next = g.day + Duration::days(1);
        set_clock(t, next, 7, 40);
        let r = t.post_json(&format!("/api/v1/shifts/{}/check-in", g.second_shift), Some(&vol), json!({})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        set_clock(t, next, 9, 0);
        assert_eq!(scan(t, &vol, &g.south, &g.pass_code).await.0, StatusCode::CREATED);
        assert_eq!(linkage_step(t, &worker, &linkage, "end").await.0, StatusCode::OK);
        assert_eq!(code(&scan(t, &vol, &g.south, &g.pass_code).await.1), "err-gate-not-found", "no duty, no gate");
        // A linkage without gate duty does not let them act either.
        let (_, again) = propose(t, &org, &t.lingyanli, json!(["errands"])).await;
        assert_eq!(linkage_step(t, &worker, &linkage, "accept").await.0, StatusCode::OK, "{again}");
        assert_eq!(code(&scan(t, &vol, &g.south, &g.pass_code).await.1), "err-gate-not-found");
        linkage_step(t, &org, &linkage, "end").await;
        propose(t, &org, &t.lingyanli, json!(["gate_duty"])).await;
        assert_eq!(linkage_step(t, &worker, &linkage, "accept").await.0, StatusCode::OK);
        assert_eq!(scan(t, &vol, &g.south, &g.pass_code).await.0, StatusCode::CREATED);
        set_clock(t, next, 10, 0);
        let r = t.post_json(&format!("/api/v1/shifts/{}/check-out", g.second_shift), Some(&vol), json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        set_clock(t, next, 10, 1);
        assert_eq!(code(&scan(t, &vol, &g.south, &g.pass_code).await.1), "err-gate-not-found");

        // 若水's contribution there: one person, the shift they checked out of, four scans.
        let c = t
            .get(&format!("/api/v1/organizations/{}/contributions?from={}&to={next}", t.ruoshui, g.day), Some(&org))
            .await
            .json();
        let ling = c.as_array().unwrap().iter().find(|r| r["community_name"] == "凌研里社区").cloned().unwrap_or_default();
        assert_eq!((ling["people"].as_i64(), ling["shifts"].as_i64(), ling["scans"].as_i64()), (Some(1), Some(1), Some(4)), "{c}");
        assert_eq!(ling["hours"], 2, "08:00 to the 10:00 check-out");
        assert_eq!(
            t.get(&format!("/api/v1/organizations/{}/contributions", t.ruoshui), Some(&worker)).await.status,
            StatusCode::NOT_FOUND,
            "only whoever runs the organization"
        );
        let (cookie, _) = t.browser("org.ruoshui").await;
        let sheet = t.page(&format!("/organizations/{}/contributions.xlsx?from={}&to={next}", t.ruoshui, g.day), &cookie).await;
        assert_eq!(sheet.status, StatusCode::OK);
        assert!(sheet.bytes.starts_with(b"PK"), "an .xlsx workbook");
        // The page's form with its dates left empty exports the last 30 days; a bad date is refused.
        let blank = t.page(&format!("/organizations/{}/contributions.xlsx?from=&to=", t.ruoshui), &cookie).await;
        assert_eq!(blank.status, StatusCode::OK, "{}", blank.text());
        let bad = t.page(&format!("/organizations/{}/contributions.xlsx?from=2026-13-01", t.ruoshui), &cookie).await;
        assert!(bad.status.is_client_error(), "{}", bad.status);

        // The member never reaches the registry.
        assert_eq!(t.get("/api/v1/residents", Some(&vol)).await.json()["total"], 0);
        let households = t.get("/api/v1/households", Some(&vol)).await;
        assert_eq!(households.status, StatusCode::OK);
        assert_eq!(households.json()["items"], json!([]), "{}", households.text());
    })
    .await;
}

#[tokio::test]
async fn an_organizations_people_are_read_a_page_at_a_time_and_found_by_name() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        // Three namesakes, whom only the cursor's id tells apart, and 李娜.
        for username in ["vol.zhang1", "vol.zhang2", "vol.zhang3"] {
            member(t, &org, username).await;
        }
        let r = t
            .post_json(
                "/api/v1/users",
                Some(&org),
                json!({"username": "vol.lina", "display_name": "李娜",
                "password": support::PASSWORD, "role": "volunteer", "organization_id": t.ruoshui}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let path = format!("/api/v1/organizations/{}/members", t.ruoshui);
        let mut seen = Vec::new();
        let mut next = String::new();
        loop {
            let page = t
                .get(&format!("{path}?limit=2&after={next}"), Some(&org))
                .await
                .json();
            assert_eq!(page["total"], 4, "{page}");
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|m| m["user_id"].as_str().unwrap().to_string()),
            );
            match page["next"].as_str() {
                Some(n) => next = n.to_string(),
                None => break,
            }
        }
        let mut distinct = seen.clone();
        distinct.dedup();
        assert_eq!((seen.len(), distinct.len()), (4, 4), "each once: {seen:?}");
        let found = t
            .get(&format!("{path}?q=%E6%9D%8E"), Some(&org))
            .await
            .json();
        assert_eq!(
            (found["total"].clone(), found["items"][0]["name"].clone()),
            (json!(1), json!("李娜"))
        );
        let bad = t.get(&format!("{path}?after=zz"), Some(&org)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        // The page finds them by name too, and counts all of them.
        let (cookie, _) = t.browser("org.ruoshui").await;
        let page = format!("/organizations/{}", t.ruoshui);
        assert!(t.page(&page, &cookie).await.text().contains("机构成员 (4)"));
        let html = t.page(&format!("{page}?q=%E6%9D%8E"), &cookie).await.text();
        assert!(
            html.contains("机构成员 (1)")
                && html.contains("<td>李娜</td>")
                && !html.contains("<td>张磊</td>"),
            "{html}"
        );
        // Two to a page: a link on to the rest, and the pickers say they offer this page only.
        let html = t.page(&format!("{page}?limit=2"), &cookie).await.text();
        assert_eq!(html.matches("<tr class=\"member\">").count(), 2, "{html}");
        assert!(
            html.contains("id=\"next-members\"") && html.contains("先在成员列表里按姓名查找或翻页"),
            "{html}"
        );
        assert!(
            !t.page(&page, &cookie)
                .await
                .text()
                .contains("先在成员列表里按姓名查找或翻页")
        );
        // The members as a workbook, as searched; nobody else's organization's people.
        let found = t.page(&format!("{page}?q=%E6%9D%8E"), &cookie).await.text();
        let export = format!("/organizations/{}/members.xlsx?q=%E6%9D%8E", t.ruoshui);
        assert!(found.contains(&format!("href=\"{export}\"")), "{found}");
        let rows = sanshe_app::sheets::read_table(&t.page(&export, &cookie).await.bytes).unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[1][..2], ["李娜", "志愿者"]);
        let everyone = format!("/organizations/{}/members.xlsx", t.ruoshui);
        let all = sanshe_app::sheets::read_table(&t.page(&everyone, &cookie).await.bytes).unwrap();
        assert_eq!(all.len(), 1 + 4);
        let (other, _) = t.browser("worker.yudeli").await;
        assert_eq!(
            t.page(&everyone, &other).await.status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn organizations_are_read_a_page_at_a_time_found_by_name_and_each_sees_only_theirs() {
    on_both(async |t| {
        let admin = t.token("admin").await;
        for (kind, name, home) in [
            (
                "social_work_agency",
                "天津市睦邻社会工作服务中心",
                Some(&t.city),
            ),
            ("social_organization", "凌研里爱心小组", Some(&t.lingyanli)),
            ("volunteer_association", "裕德里志愿服务队", Some(&t.yudeli)),
            ("donor", "天津市红十字会", None),
        ] {
            let r = t
                .post_json(
                    "/api/v1/organizations",
                    Some(&admin),
                    json!({"kind": kind, "name": name, "home_area_id": home}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let names = |items: &[Value]| -> Vec<String> {
            items
                .iter()
                .map(|o| o["name"].as_str().unwrap().to_string())
                .collect()
        };
        // Two at a time: each once, in the order of the whole list, the total on every page.
        let (paged, total) = t.every_page("/api/v1/organizations?limit=2", &admin).await;
        let whole = t
            .get("/api/v1/organizations?limit=500", Some(&admin))
            .await
            .json();
        assert_eq!(total, 5);
        assert_eq!(names(&paged), names(whole["items"].as_array().unwrap()));
        let mut distinct = names(&paged);
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 5, "{paged:?}");
        let prefix = "%E5%A4%A9%E6%B4%A5%E5%B8%82"; // 天津市
        let (found, total) = t
            .every_page(&format!("/api/v1/organizations?q={prefix}"), &admin)
            .await;
        assert_eq!(total, 3);
        assert!(
            names(&found).iter().all(|n| n.starts_with("天津市")),
            "{found:?}"
        );
        let bad = t.get("/api/v1/organizations?after=zz", Some(&admin)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

        // A community's worker sees the organizations registered there, and those working
        // with it; another community's worker sees neither; an admin sees its own.
        let ling = t.token("worker.lingyanli").await;
        let yude = t.token("worker.yudeli").await;
        let org = t.token("org.ruoshui").await;
        let seen_by =
            async |token: &str| names(&t.every_page("/api/v1/organizations", token).await.0);
        assert_eq!(seen_by(&ling).await, ["凌研里爱心小组"]);
        let (s, _) = propose(t, &org, &t.lingyanli, json!(["errands"])).await;
        assert_eq!(s, StatusCode::CREATED);
        let mut ling_sees = seen_by(&ling).await;
        ling_sees.sort();
        assert_eq!(ling_sees, ["凌研里爱心小组", "天津市若水社会工作服务中心"]);
        assert_eq!(seen_by(&yude).await, ["裕德里志愿服务队"]);
        assert_eq!(seen_by(&org).await, ["天津市若水社会工作服务中心"]);

        // The page counts them, finds them by name, pages them, and its workbook holds what
        // it found, a row for each linkage.
        let (cookie, _) = t.browser("admin").await;
        let html = t.page("/organizations", &cookie).await.text();
        assert!(
            html.contains("<span id=\"organizations-total\">5</span>")
                && html.contains("placeholder=\"按机构名称查找\""),
            "{html}"
        );
        let html = t.page("/organizations?limit=2", &cookie).await.text();
        let next = support::pager_link(&html, "next-page").expect("a link to the next page");
        assert_eq!(t.page(&next, &cookie).await.status, StatusCode::OK);
        let html = t
            .page(&format!("/organizations?q={prefix}"), &cookie)
            .await
            .text();
        assert!(
            html.contains("<span id=\"organizations-total\">3</span>")
                && !html.contains("凌研里爱心小组</a>"),
            "{html}"
        );
        let export = format!("/organizations/export.xlsx?q={prefix}");
        assert!(html.contains(&format!("href=\"{export}\"")), "{html}");
        let rows = sanshe_app::sheets::read_table(&t.page(&export, &cookie).await.bytes).unwrap();
        assert_eq!(rows.len(), 1 + 3, "{rows:?}");
        let ruoshui = rows
            .iter()
            .find(|r| r[0] == "天津市若水社会工作服务中心")
            .unwrap();
        assert_eq!(
            ruoshui.get(3).map(String::as_str),
            Some("凌研里社区"),
            "{rows:?}"
        );
        let (yude_cookie, _) = t.browser("worker.yudeli").await;
        let theirs = sanshe_app::sheets::read_table(
            &t.page("/organizations/export.xlsx", &yude_cookie)
                .await
                .bytes,
        )
        .unwrap();
        assert_eq!(theirs.len(), 1 + 1, "{theirs:?}");

        // A volunteer deployed to 凌研里 is not a member of the group registered there: their
        // home page names the organizations they belong to, none here.
        t.volunteer("vol.ling", "王芳", &t.lingyanli).await;
        let (vol, _) = t.browser("vol.ling").await;
        let home = t.page("/", &vol).await.text();
        assert!(!home.contains("凌研里爱心小组"), "{home}");
    })
    .await;
}

#[tokio::test]
async fn an_organization_admin_sees_and_deploys_only_its_own_people_within_its_linkages() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let worker = t.token("worker.lingyanli").await;
        let (member_id, _) = member(t, &org, "vol.wangfang").await;
        let members_path = format!("/api/v1/organizations/{}/members", t.ruoshui);
        let deploy = |area: String| {
            let (t, org, path) = (&t, org.clone(), format!("{members_path}/{member_id}/deployments"));
            async move { t.post_json(&path, Some(&org), json!({"area_id": area})).await }
        };
        // No active linkage yet: nowhere to deploy.
        assert_eq!(code(&deploy(t.lingyanli.clone()).await.json()), "err-deploy-not-linked");
        let (_, l) = propose(t, &org, &t.lingyanli, json!(["errands"])).await;
        assert_eq!(code(&deploy(t.lingyanli.clone()).await.json()), "err-deploy-not-linked", "proposed is not active");
        linkage_step(t, &worker, l["id"].as_str().unwrap(), "accept").await;
        assert_eq!(deploy(t.lingyanli.clone()).await.status, StatusCode::CREATED);
        assert_eq!(code(&deploy(t.lingyanli.clone()).await.json()), "err-volunteer-deployed");
        assert_eq!(code(&deploy(t.yudeli.clone()).await.json()), "err-deploy-not-linked");

        let members = t.get(&members_path, Some(&org)).await.json()["items"].clone();
        assert_eq!(members.as_array().unwrap().len(), 1, "{members}");
        assert_eq!(members[0]["kind"], "volunteer");
        assert_eq!(members[0]["deployments"][0]["area_name"], "凌研里社区");
        // Its deployed people show on the vetting page, which said 0 before.
        let (cookie, _) = t.browser("org.ruoshui").await;
        let html = t.page("/volunteers", &cookie).await.text();
        assert!(html.contains("已派驻的志愿者 (1)"), "{html}");
        // Nobody else sees them: not the community's worker, not another organization's admin.
        assert_eq!(t.get(&members_path, Some(&worker)).await.status, StatusCode::NOT_FOUND);
        let admin = t.token("admin").await;
        let other = t.post_json("/api/v1/organizations", Some(&admin),
            json!({"kind": "social_work_agency", "name": "天津市睦邻社会工作服务中心", "home_area_id": t.city})).await.json();
        t.post_json("/api/v1/users", Some(&admin), json!({"username": "org.mulin", "display_name": "睦邻", "password": support::PASSWORD,
            "role": "org_admin", "organization_id": other["id"]})).await;
        let mulin = t.first_token("org.mulin", support::PASSWORD).await;
        assert_eq!(t.get(&members_path, Some(&mulin)).await.status, StatusCode::NOT_FOUND);
        let foreign = t
            .post_json(&format!("/api/v1/organizations/{}/members/{member_id}/deployments", other["id"].as_str().unwrap()),
                Some(&mulin), json!({"area_id": t.lingyanli}))
            .await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "not its member");

        // Recalled, they are deployed nowhere.
        let r = t
            .send_json("DELETE", &format!("{members_path}/{member_id}/deployments/{}", t.lingyanli), Some(&org), json!({}))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        assert_eq!(t.get(&members_path, Some(&org)).await.json()["items"][0]["deployments"], json!([]));
    })
    .await;
}

#[tokio::test]
async fn checked_in_on_a_gate_post_the_phone_opens_that_gates_post_with_the_visitor_form() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let worker = t.token("worker.lingyanli").await;
        let (member_id, _) = member(t, &org, "vol.zhanglei").await;
        let (_, l) = propose(t, &org, &t.lingyanli, json!(["gate_duty"])).await;
        linkage_step(t, &worker, l["id"].as_str().unwrap(), "accept").await;
        deploy_to_lingyanli(t, &org, &member_id).await;
        let g = gate_post(t, &worker, &member_id).await;
        set_clock(t, g.day, 7, 45);
        let (cookie, csrf) = t.browser("vol.zhanglei").await;
        // Not on duty there before check-in: the gate post is not theirs.
        assert_eq!(t.page(&format!("/gates/{}/post", g.south), &cookie).await.status, StatusCode::NOT_FOUND);
        let r = t
            .post_form(&format!("/rota/shifts/{}/check-in", g.first_shift), &cookie,
                &format!("csrf={csrf}&area={}&from={}", t.lingyanli, g.day))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.headers["location"], format!("/gates/{}/post", g.south).as_str());
        let post = t.page(&format!("/gates/{}/post", g.south), &cookie).await;
        assert_eq!(post.status, StatusCode::OK);
        assert!(post.text().contains("id=\"visitor\""), "the visitor form is on the post");
        // A bad phone keeps everything typed, beside the error.
        let bad = t
            .post_form(&format!("/gates/{}/visitors", g.south), &cookie,
                &format!("csrf={csrf}&kind=delivery&name=%E5%BF%AB%E9%80%92%E5%91%98&phone=123&temperature=36.6&reason=%E9%80%81%E8%8D%AF&host=3%E5%8F%B7%E6%A5%BC&entered=on"))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text();
        assert!(html.contains("id=\"error-phone\""), "{html}");
        for kept in ["value=\"快递员\"", "value=\"36.6\"", "value=\"送药\"", "value=\"3号楼\"", "value=\"delivery\" checked", "name=\"entered\" checked"] {
            assert!(html.contains(kept), "{kept} kept");
        }
        let ok = t
            .post_form(&format!("/gates/{}/visitors", g.south), &cookie,
                &format!("csrf={csrf}&kind=delivery&name=%E5%BF%AB%E9%80%92%E5%91%98&phone=&temperature=36.6&reason=&host="))
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        // At the north gate they are nobody.
        let north = t
            .post_form(&format!("/gates/{}/visitors", g.north), &cookie,
                &format!("csrf={csrf}&kind=delivery&name=x&temperature=36.6"))
            .await;
        assert_eq!(north.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn a_streets_linkage_holds_in_each_of_its_communities() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let admin = t.token("admin").await;
        let street = t.parent_of(&t.lingyanli).await;
        // Neither a building nor a district: a community or a street.
        let (s, v) = propose(t, &org, &t.lingyanli_building, json!(["errands"])).await;
        assert_eq!(
            (s, code(&v).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "err-not-a-community")
        );
        let map = |token: String| {
            let t = &t;
            async move { t.get("/api/v1/linkage-map", Some(&token)).await.json() }
        };
        let ling = |m: Value| lingyanli_on(&m);
        assert_eq!(ling(map(admin.clone()).await)["unsupported"], true);
        let (s, l) = propose(t, &org, &street, json!(["errands"])).await;
        assert_eq!(s, StatusCode::CREATED, "{l}");
        let (s, _) = linkage_step(t, &admin, l["id"].as_str().unwrap(), "accept").await;
        assert_eq!(s, StatusCode::OK);
        let c = ling(map(admin.clone()).await);
        assert_eq!(
            (c["unsupported"].clone(), c["duties_uncovered"].clone()),
            (json!(false), json!(["errands"])),
            "{c}"
        );

        // Its member is deployed to a community of the street; the map, read again for that
        // community only, keeps the street's linkage and counts them.
        let (member_id, _) = member(t, &org, "vol.street").await;
        deploy_to_lingyanli(t, &org, &member_id).await;
        let c = ling(map(admin.clone()).await);
        assert_eq!(
            (c["people"].as_i64(), c["duties_uncovered"].clone()),
            (Some(1), json!([])),
            "{c}"
        );
        assert_eq!(c["organizations"][0]["name"], "天津市若水社会工作服务中心");
    })
    .await;
}

#[tokio::test]
async fn another_nodes_linkage_shows_on_the_map_within_thirty_seconds() {
    on_both(async |t| {
        let b = t.second_node().await;
        let admin = t.token("admin").await;
        let supported = |m: Value| lingyanli_on(&m)["unsupported"] == false;
        let map = t.get("/api/v1/linkage-map", Some(&admin)).await;
        assert!(!supported(map.json()), "{}", map.text());

        // The other node links 若水 to 凌研里; this node's snapshot does not know yet.
        let org = b.token("org.ruoshui").await;
        let worker = b.token("worker.lingyanli").await;
        let (status, l) = propose(&b, &org, &b.lingyanli, json!(["gate_duty"])).await;
        assert_eq!(status, StatusCode::CREATED, "{l}");
        linkage_step(&b, &worker, l["id"].as_str().unwrap(), "accept").await;
        let on_b = b.get("/api/v1/linkage-map", Some(&admin)).await.json();
        assert!(supported(on_b), "the node that changed it shows it at once");

        // Thirty seconds on, a read starts a re-read of the whole city; it shows shortly.
        t.app.clock.advance(Duration::seconds(31));
        let mut shown = false;
        for _ in 0..100 {
            if supported(t.get("/api/v1/linkage-map", Some(&admin)).await.json()) {
                shown = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert!(shown, "another node's linkage reaches this node's map");
        b.finish().await;
    })
    .await;
}

#[tokio::test]
async fn the_linkage_map_marks_unsupported_communities_and_duties_nobody_is_deployed_for() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let worker = t.token("worker.lingyanli").await;
        let admin = t.token("admin").await;
        let (_, l) = propose(t, &org, &t.lingyanli, json!(["gate_duty", "errands"])).await;
        linkage_step(t, &worker, l["id"].as_str().unwrap(), "accept").await;
        let map = |token: String| {
            let t = &t;
            async move { t.get("/api/v1/linkage-map", Some(&token)).await }
        };
        let map_after = |token: String, after: String| {
            let t = &t;
            async move {
                t.get(&format!("/api/v1/linkage-map?after={after}"), Some(&token))
                    .await
            }
        };
        let m = map(admin.clone()).await.json();
        let names: Vec<&str> = m["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["裕德里社区", "凌研里社区"],
            "the unsupported first: {m}"
        );
        // A page at a time, in the same order, each once; a forged cursor is refused.
        let (paged, total) = t.every_page("/api/v1/linkage-map?limit=1", &admin).await;
        let paged: Vec<&str> = paged.iter().map(|c| c["name"].as_str().unwrap()).collect();
        assert_eq!((paged, total), (names.clone(), 2));
        let forged = sanshe_app::cursor::encode(&["first", "裕德里社区", "x"]);
        for after in ["zz", forged.as_str()] {
            let r = map_after(admin.clone(), after.to_string()).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{after}");
        }
        assert_eq!(m["items"][0]["unsupported"], true);
        assert_eq!(m["items"][1]["unsupported"], false);
        assert_eq!(
            m["items"][1]["duties_uncovered"],
            json!(["gate_duty", "errands"]),
            "linked, but nobody there"
        );
        assert_eq!(
            m["items"][1]["organizations"][0]["name"],
            "天津市若水社会工作服务中心"
        );

        // 若水 deploys a member, who serves a shift there: covered, counted, hours shown.
        let (member_id, vol) = member(t, &org, "vol.map").await;
        deploy_to_lingyanli(t, &org, &member_id).await;
        let post = t.rota_post("一区南门").by(&worker).await;
        let day = t.app.clock.today() + Duration::days(1);
        t.make_shifts(&worker, &post, day, 1).await;
        let rota = t
            .get(
                &format!("/api/v1/shifts?area={}&from={day}&days=1", t.lingyanli),
                Some(&worker),
            )
            .await
            .json();
        let shift = rota["posts"][0]["shifts"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        t.post_json(
            &format!("/api/v1/shifts/{shift}/assign"),
            Some(&worker),
            json!({"user_id": member_id}),
        )
        .await;
        set_clock(t, day, 7, 55);
        t.post_json(
            &format!("/api/v1/shifts/{shift}/check-in"),
            Some(&vol),
            json!({}),
        )
        .await;
        set_clock(t, day, 16, 0);
        let out = t
            .post_json(
                &format!("/api/v1/shifts/{shift}/check-out"),
                Some(&vol),
                json!({}),
            )
            .await;
        assert_eq!(out.status, StatusCode::OK, "{}", out.text());
        let m = map(admin.clone()).await.json();
        let ling = lingyanli_on(&m);
        assert_eq!(ling["duties_uncovered"], json!([]), "{ling}");
        assert_eq!(
            (
                ling["people"].as_i64(),
                ling["organizations"][0]["people"].as_i64()
            ),
            (Some(1), Some(1))
        );
        assert_eq!(
            (ling["hours_7d"].as_i64(), ling["hours_30d"].as_i64()),
            (Some(8), Some(8))
        );

        // The same person also deployed to a building of the community is still one person.
        let grant = t
            .post_json(
                &format!("/api/v1/users/{member_id}/grants"),
                Some(&admin),
                json!({"role": "volunteer", "area_id": t.lingyanli_building}),
            )
            .await;
        assert_eq!(grant.status, StatusCode::CREATED, "{}", grant.text());
        let m = map(admin.clone()).await.json();
        let ling = lingyanli_on(&m);
        assert_eq!(
            (
                ling["people"].as_i64(),
                ling["organizations"][0]["people"].as_i64()
            ),
            (Some(1), Some(1)),
            "{ling}"
        );

        // A community's worker sees their own community; an organization's admin has no map.
        let yude = map(t.token("worker.yudeli").await).await.json();
        assert_eq!(yude["items"].as_array().unwrap().len(), 1);
        assert_eq!(yude["items"][0]["name"], "裕德里社区");
        assert_eq!(map(org.clone()).await.status, StatusCode::NOT_FOUND);
        let (cookie, _) = t.browser("admin").await;
        let html = t.page("/linkage-map?marked=true", &cookie).await.text();
        assert!(
            html.contains("裕德里社区") && !html.contains(">凌研里社区<"),
            "only the marked: {html}"
        );
        // The workbook holds every community of the map (the page lists the first 300), or
        // the marked ones when the page shows those.
        assert!(
            html.contains("href=\"/linkage-map/export.xlsx?marked=true\""),
            "{html}"
        );
        let sheet = async |path: &str| {
            let r = t.page(path, &cookie).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            sanshe_app::sheets::read_table(&r.bytes).unwrap()
        };
        let rows = sheet("/linkage-map/export.xlsx").await;
        let whole = map(admin.clone()).await.json();
        assert_eq!(rows.len() as i64, 1 + whole["total"].as_i64().unwrap());
        let row = |name: &str| rows.iter().find(|r| r[0] == name).unwrap().clone();
        let ling = row("凌研里社区");
        assert_eq!(
            ling[1],
            "天津市若水社会工作服务中心 · 卡口执勤、代购跑腿 · 1"
        );
        assert_eq!(ling[2..6], ["1", "8", "8", "否"]);
        assert!(
            ling.get(6).is_none_or(String::is_empty),
            "no duty uncovered: {ling:?}"
        );
        assert_eq!(row("裕德里社区")[5], "是");
        let marked = sheet("/linkage-map/export.xlsx?marked=true").await;
        assert!(marked.iter().any(|r| r[0] == "裕德里社区"), "{marked:?}");
        assert!(marked.iter().all(|r| r[0] != "凌研里社区"), "{marked:?}");
        let (org_cookie, _) = t.browser("org.ruoshui").await;
        let refused = t.page("/linkage-map/export.xlsx", &org_cookie).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn a_social_worker_follows_up_by_phone_only_whom_they_are_assigned_masked_while_the_duty_holds()
 {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let worker = t.token("worker.lingyanli").await;
        let (sw_id, sw) = member(t, &org, "sw.sun").await;
        // 若水 takes on phone follow-up in 凌研里 and deploys its member there.
        let (_, l) = propose(t, &org, &t.lingyanli, json!(["follow_up"])).await;
        let linkage = l["id"].as_str().unwrap().to_string();
        assert_eq!(
            linkage_step(t, &worker, &linkage, "accept").await.0,
            StatusCode::OK
        );
        deploy_to_lingyanli(t, &org, &sw_id).await;
        let resident = t
            .resident("李秀英", &id_for(1950, 2, 3, 7))
            .room("301")
            .phone("13812345678")
            .in_area(&t.lingyanli_building)
            .by(&worker)
            .await;
        let r = t
            .post_json(
                "/api/v1/isolations",
                Some(&worker),
                json!({"resident_id": resident["id"],
                "kind": "home_isolation", "exposure_date": t.app.today().to_string()}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let episode = r.json()["episode"]["id"].as_str().unwrap().to_string();
        let assign = |who: String| {
            let (t, worker, episode) = (&t, worker.clone(), episode.clone());
            async move {
                t.post_json(
                    &format!("/api/v1/isolations/{episode}/assign"),
                    Some(&worker),
                    json!({"worker_id": who}),
                )
                .await
            }
        };
        // A volunteer member follows nobody up; a social worker may be assigned.
        let r = assign(sw_id.clone()).await;
        assert_eq!(
            (r.status, code(&r.json()).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "err-worker")
        );
        let set_kind = async |kind: &str| {
            let path = format!("/api/v1/organizations/{}/members/{sw_id}/kind", t.ruoshui);
            t.send_json("PUT", &path, Some(&org), json!({ "kind": kind }))
                .await
        };
        let r = set_kind("doctor").await;
        assert_eq!(
            (r.status, code(&r.json()).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "err-member-kind")
        );
        let kind = set_kind("social_worker").await;
        assert_eq!(kind.status, StatusCode::NO_CONTENT, "{}", kind.text());
        assert_eq!(assign(sw_id.clone()).await.status, StatusCode::OK);

        // Their list: the person masked, no address, no number.
        let list = t.get("/api/v1/follow-ups", Some(&sw)).await.json();
        assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
        assert_eq!(list[0]["name"], "李**");
        assert_eq!(list[0]["address"], "");
        let text = list.to_string();
        assert!(
            !text.contains("13812345678") && !text.contains("1950"),
            "{text}"
        );
        assert_eq!(
            t.get(&format!("/api/v1/follow-ups/{episode}"), Some(&sw))
                .await
                .status,
            StatusCode::OK
        );
        // They enter the person's report, and nothing else of the episode or the registry.
        let report = |temperature: &'static str| {
            let (t, sw, episode) = (&t, sw.clone(), episode.clone());
            async move {
                t.post_json(
                    &format!("/api/v1/isolations/{episode}/reports"),
                    Some(&sw),
                    json!({"temperature": temperature, "symptoms": []}),
                )
                .await
                .status
            }
        };
        assert_eq!(report("36.6").await, StatusCode::CREATED);
        assert_eq!(
            t.get(&format!("/api/v1/isolations/{episode}"), Some(&sw))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let release = t
            .post_json(
                &format!("/api/v1/isolations/{episode}/release"),
                Some(&sw),
                json!({"reason": "completed"}),
            )
            .await;
        assert_eq!(release.status, StatusCode::NOT_FOUND);
        assert_eq!(
            t.get("/api/v1/residents", Some(&sw)).await.json()["total"],
            0
        );
        // The community sees the report, entered by the social worker.
        let detail = t
            .get(&format!("/api/v1/isolations/{episode}"), Some(&worker))
            .await
            .json();
        assert_eq!(detail["reports"][0]["entered_by"], "sw.sun", "{detail}");
        assert_eq!(detail["reports"][0]["by_resident"], false);

        // On the phone: the page lists the person masked; a typo keeps what was typed and ticked.
        let (cookie, csrf) = t.browser("sw.sun").await;
        let page = t.page("/follow-ups", &cookie).await.text();
        assert!(
            page.contains("李**") && !page.contains("李秀英") && !page.contains("13812345678"),
            "{page}"
        );
        let r = t
            .post_form(
                &format!("/follow-ups/{episode}"),
                &cookie,
                &format!("csrf={csrf}&temperature=3.65&symptoms=cough"),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text();
        assert!(
            html.contains("value=\"3.65\""),
            "the typed value stays: {html}"
        );
        assert!(
            html.contains("value=\"cough\" checked"),
            "the ticked symptom stays"
        );
        assert!(html.contains("field-error"), "the error sits by the field");
        let r = t
            .post_form(
                &format!("/follow-ups/{episode}"),
                &cookie,
                &format!("csrf={csrf}&temperature=36.8"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        // Once the linkage ends, the follow-up ends with it.
        assert_eq!(
            linkage_step(t, &org, &linkage, "end").await.0,
            StatusCode::OK
        );
        assert_eq!(report("36.7").await, StatusCode::NOT_FOUND);
        assert_eq!(
            t.get("/api/v1/follow-ups", Some(&sw)).await.json(),
            json!([])
        );
    })
    .await;
}

#[tokio::test]
async fn a_social_worker_visits_only_the_buildings_handed_to_them_while_the_duty_holds() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let worker = t.token("worker.lingyanli").await;
        let (sw_id, sw) = member(t, &org, "sw.doors").await;
        let (_, l) = propose(t, &org, &t.lingyanli, json!(["door_to_door"])).await;
        let linkage = l["id"].as_str().unwrap().to_string();
        assert_eq!(linkage_step(t, &worker, &linkage, "accept").await.0, StatusCode::OK);
        deploy_to_lingyanli(t, &org, &sw_id).await;
        // Two households: one in the building area 1号楼, one registered on the community itself.
        let handed_door = t
            .resident("周桂兰", &id_for(1948, 5, 6, 3)).phone("13812340001").in_area(&t.lingyanli_building).by(&worker)
            .await;
        let other_door = t
            .resident("吴德胜", &id_for(1955, 7, 8, 5)).room("202").phone("13812340002").by(&worker)
            .await;
        let c = t
            .post_json("/api/v1/campaigns", Some(&worker),
                json!({"area_id": t.lingyanli, "name": "入户排查", "questions": ["fever_or_cough"]}))
            .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
        let campaign = c.json()["id"].as_str().unwrap().to_string();
        let assignments = format!("/api/v1/campaigns/{campaign}/assignments");
        let hand = |building: &'static str| {
            let (t, worker, path, sw_id) = (&t, worker.clone(), assignments.clone(), sw_id.clone());
            async move {
                let r = t
                    .post_json(&path, Some(&worker),
                        json!({"area_id": t.lingyanli_building, "building": building, "user_id": sw_id}))
                    .await;
                (r.status, r.json())
            }
        };
        // Only a social worker of an organization holding the duty here may be handed doors.
        let (s, v) = hand("1号楼").await;
        assert_eq!((s, code(&v).as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "err-worker"));
        let kind = t
            .send_json("PUT", &format!("/api/v1/organizations/{}/members/{sw_id}/kind", t.ruoshui), Some(&org),
                json!({"kind": "social_worker"}))
            .await;
        assert_eq!(kind.status, StatusCode::NO_CONTENT);
        let (s, v) = hand("9号楼").await;
        assert_eq!((s, code(&v).as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "err-building-no-households"));
        let (s, v) = hand("1号楼").await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        assert_eq!(t.get(&assignments, Some(&worker)).await.json()[0]["user_name"], "张磊");
        assert_eq!(t.get(&assignments, Some(&sw)).await.status, StatusCode::NOT_FOUND);
        // The campaign page shows who holds which building and offers the duty's social workers.
        let (wcookie, wcsrf) = t.browser("worker.lingyanli").await;
        let page = t.page(&format!("/campaigns/{campaign}"), &wcookie).await.text();
        assert!(page.contains("1号楼 → 张磊"), "{page}");
        assert!(page.contains(&format!("<option value=\"{sw_id}\">张磊</option>")), "{page}");
        let r = t
            .post_form(&format!("/campaigns/{campaign}/assignments"), &wcookie,
                &format!("csrf={wcsrf}&building=nowhere&user_id={sw_id}"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("field-error"));

        // Their buildings, and the doors of those only: addresses, no names.
        let mine = t.get("/api/v1/door-to-door", Some(&sw)).await.json();
        assert_eq!(mine.as_array().map(Vec::len), Some(1), "{mine}");
        assert_eq!(mine[0]["building"], "1号楼");
        let encoded: String = "1号楼".bytes().map(|b| format!("%{b:02X}")).collect();
        let doors = t
            .get(&format!("/api/v1/campaigns/{campaign}/visits?building={encoded}"), Some(&sw))
            .await
            .json();
        assert_eq!(doors["items"].as_array().map(Vec::len), Some(1), "{doors}");
        assert_eq!(doors["items"][0]["household_id"], handed_door["household_id"]);
        let all = t.get(&format!("/api/v1/campaigns/{campaign}/visits"), Some(&sw)).await.json();
        assert_eq!(all["total"], 1, "only the handed building's doors, whatever is asked: {all}");
        assert!(!doors.to_string().contains("周桂兰"), "{doors}");
        let visit = |household: Value| {
            let (t, sw, campaign) = (&t, sw.clone(), campaign.clone());
            async move {
                let r = t
                    .post_json(&format!("/api/v1/campaigns/{campaign}/visits"), Some(&sw),
                        json!({"household_id": household, "outcome": "answered", "answers": {"fever_or_cough": false}}))
                    .await;
                (r.status, r.json())
            }
        };
        assert_eq!(visit(handed_door["household_id"].clone()).await.0, StatusCode::CREATED);
        let (s, v) = visit(other_door["household_id"].clone()).await;
        assert_eq!((s, code(&v).as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "err-household-not-found"));
        assert_eq!(t.get(&format!("/api/v1/campaigns/{campaign}"), Some(&sw)).await.status, StatusCode::NOT_FOUND);
        assert_eq!(t.get(&format!("/api/v1/campaigns/{campaign}/coverage"), Some(&sw)).await.status, StatusCode::NOT_FOUND);
        // On the phone: their building's doors, no names; a refused visit keeps what was chosen.
        let (cookie, csrf) = t.browser("sw.doors").await;
        let page = t.page("/door-to-door", &cookie).await.text();
        let handed_id = handed_door.household_id.as_str();
        assert!(page.contains("入户排查") && page.contains(&format!("/door-to-door/{campaign}/{handed_id}")), "{page}");
        // Not the other door (by its id: a room number could stand in a random token).
        let other_id = other_door.household_id.as_str();
        assert!(!page.contains("周桂兰") && !page.contains(other_id), "{page}");
        let door = format!("/door-to-door/{campaign}/{}", handed_door["household_id"].as_str().unwrap());
        let r = t
            .post_form(&door, &cookie, &format!("csrf={csrf}&outcome=flying&q_fever_or_cough=yes&note=%E4%B8%89%E6%AC%A1"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text();
        assert!(html.contains("name=\"q_fever_or_cough\" value=\"yes\" checked"), "the answer stays");
        assert!(html.contains("value=\"三次\""), "the note stays");
        let r = t
            .post_form(&door, &cookie, &format!("csrf={csrf}&outcome=not_home&q_fever_or_cough=no"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        // The community's coverage counts the social worker's visit.
        let cov = t.get(&format!("/api/v1/campaigns/{campaign}"), Some(&worker)).await.json();
        assert_eq!(cov["reached"], 1, "{cov}");

        // Once the linkage ends, so do the visits.
        assert_eq!(linkage_step(t, &org, &linkage, "end").await.0, StatusCode::OK);
        assert_eq!(visit(handed_door["household_id"].clone()).await.0, StatusCode::NOT_FOUND);
        assert_eq!(t.get("/api/v1/door-to-door", Some(&sw)).await.json(), json!([]));
    })
    .await;
}

#[tokio::test]
async fn the_organization_page_deploys_and_recalls_a_member_and_says_why_it_refuses() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let worker = t.token("worker.lingyanli").await;
        let (member_id, _) = member(t, &org, "vol.wangfang").await;
        let (_, l) = propose(t, &org, &t.lingyanli, json!(["errands"])).await;
        linkage_step(t, &worker, l["id"].as_str().unwrap(), "accept").await;
        let (cookie, csrf) = t.browser("org.ruoshui").await;
        let page = format!("/organizations/{}", t.ruoshui);
        let members = format!("/api/v1/organizations/{}/members", t.ruoshui);
        let form = |area: &str| format!("csrf={csrf}&user_id={member_id}&area_id={area}");

        // 裕德里 has no linkage with 若水: refused on the page, with the reason, nothing stored.
        let refused = t
            .post_form(&format!("{page}/deployments"), &cookie, &form(&t.yudeli))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused.text().contains("只能派驻到本机构生效联动的社区"),
            "{}",
            refused.text()
        );
        assert_eq!(
            t.get(&members, Some(&org)).await.json()["items"][0]["deployments"],
            json!([])
        );

        let deployed = t
            .post_form(&format!("{page}/deployments"), &cookie, &form(&t.lingyanli))
            .await;
        assert_eq!(
            deployed.status,
            StatusCode::SEE_OTHER,
            "{}",
            deployed.text()
        );
        let to = deployed.headers.get("location").unwrap().to_str().unwrap();
        assert_eq!(to, format!("{page}#members"));
        let now = t.get(&members, Some(&org)).await.json();
        assert_eq!(
            now["items"][0]["deployments"][0]["area_name"], "凌研里社区",
            "{now}"
        );

        let recalled = t
            .post_form(&format!("{page}/recalls"), &cookie, &form(&t.lingyanli))
            .await;
        assert_eq!(
            recalled.status,
            StatusCode::SEE_OTHER,
            "{}",
            recalled.text()
        );
        assert_eq!(
            t.get(&members, Some(&org)).await.json()["items"][0]["deployments"],
            json!([])
        );
    })
    .await;
}

#[tokio::test]
async fn an_organization_chooses_a_community_to_link_with_from_a_list_grouped_by_street() {
    on_both(async |t| {
        let (cookie, _) = t.browser("org.ruoshui").await;
        let html = t
            .page(&format!("/organizations/{}", t.ruoshui), &cookie)
            .await
            .text();
        let form = &html[html
            .find("id=\"community_id\"")
            .unwrap_or_else(|| panic!("{html}"))..];
        let form = &form[..form.find("</select>").unwrap()];
        for (street, community, id) in [
            ("南开区 · 体育中心街道", "凌研里社区", &t.lingyanli),
            ("和平区 · 南市街道", "裕德里社区", &t.yudeli),
        ] {
            let at = form
                .find(&format!("<optgroup label=\"{street}\">"))
                .unwrap_or_else(|| panic!("{street}: {form}"));
            let group = &form[at..at + form[at..].find("</optgroup>").unwrap()];
            assert!(
                group.contains(&format!("<option value=\"{id}\">{community}</option>")),
                "{group}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn the_home_page_counts_the_applications_communities_and_needs_waiting_on_their_vetters_and_speakers()
 {
    on_both(async |t| {
        let home = async |who: &str| {
            let (cookie, _) = t.browser(who).await;
            t.page("/", &cookie).await.text()
        };
        let admin = t.token("admin").await;
        let marked = t.get("/api/v1/linkage-map?marked=true&limit=1", Some(&admin)).await.json()["total"]
            .as_i64()
            .unwrap();
        assert!(marked >= 2, "no organization is linked yet: every community is marked");
        let city = home("admin").await;
        assert_eq!(tile(&city, "home-marked-communities"), Some(marked), "{city}");
        assert!(city.contains("href=\"/linkage-map?marked=true\" data-task=\"home-marked-communities\""));
        assert_eq!(tile(&city, "home-applications"), Some(0));
        assert_eq!(tile(&city, "home-open-needs"), Some(0));
        // An applicant to 凌研里 naming 若水: the bureau, 凌研里's worker and 若水's admin each
        // have one to vet; 裕德里's worker none.
        let r = t
            .post_json(
                "/api/v1/volunteers/applications",
                None,
                json!({"name": "周敏", "document_number": id_for(1993, 5, 5, 51), "phone": "13700002222",
                       "area_id": t.lingyanli, "skills": ["logistics"], "organization": "天津市若水社会工作服务中心",
                       "consent": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        for (who, waiting) in [("admin", 1), ("worker.lingyanli", 1), ("org.ruoshui", 1), ("worker.yudeli", 0)] {
            let html = home(who).await;
            assert_eq!(tile(&html, "home-applications"), Some(waiting), "{who}: {html}");
        }
        // A need 凌研里 posts is open on its worker's home and the bureau's, not 裕德里's.
        let worker = t.token("worker.lingyanli").await;
        let d1 = t.app.clock.today() + Duration::days(1);
        let need = json!({"area_id": t.lingyanli, "kind": "service", "service": "counseling", "title": "心理疏导",
            "from": d1.to_string(), "to": d1.to_string()});
        let r = t.post_json("/api/v1/needs", Some(&worker), need).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        for (who, open) in [("admin", 1), ("worker.lingyanli", 1), ("worker.yudeli", 0)] {
            let html = home(who).await;
            assert_eq!(tile(&html, "home-open-needs"), Some(open), "{who}");
            assert_eq!(tile(&html, "home-marked-communities"), Some(if who == "admin" { marked } else { 1 }), "{who}");
        }
        // Closed, it waits on nobody.
        let r = t.post_json(&format!("/api/v1/needs/{}/close", r.json()["id"].as_str().unwrap()), Some(&worker), json!({})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        assert_eq!(tile(&home("worker.lingyanli").await, "home-open-needs"), Some(0));
    })
    .await;
}
