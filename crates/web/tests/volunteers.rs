//! Volunteers' sign-up and vetting over HTTP on SQLite and PostgreSQL: the public form and its
//! checks, scope of the vetters, decisions, and the approved volunteer's account deployed to the
//! community.

mod support;

use axum::http::StatusCode;
use serde_json::json;
use support::{TestApp, id_for, on_both};

fn codes(v: &serde_json::Value) -> Vec<(String, String)> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn applicants_are_vetted_and_the_approved_deployed_to_their_community() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let bad = t
            .post_json(
                "/api/v1/volunteers/applications",
                None,
                json!({"name": "", "document_number": "120104199001011235", "phone": "12345",
                       "area_id": t.lingyanli_building, "skills": ["magic"]}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = codes(&bad.json()).into_iter().map(|(f, _)| f).collect();
        for f in ["name", "document_number", "phone", "area_id", "skills", "consent"] {
            assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
        }
        let document = id_for(1992, 4, 4, 21);
        let body = json!({"name": "赵晓光", "document_number": document, "phone": "13912345678",
                          "area_id": t.lingyanli, "skills": ["driving", "medical"],
                          "availability": "周末全天", "organization": "若水", "consent": true});
        let r = t.post_json("/api/v1/volunteers/applications", None, body.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let a = r.json();
        assert_eq!(a["status"], "pending");
        assert_eq!(a["community"], "凌研里社区");
        assert_eq!(a["phone"], "139****5678");
        assert!(!r.text().contains(&document), "the ID number is never sent back in clear");
        // The applicant's own link reads the outcome, without an account.
        let link = a["status_link"].as_str().unwrap().to_string();
        assert!(link.starts_with("/v/"));
        let status = t.page(&link, "").await;
        assert_eq!(status.headers.get("cache-control").unwrap(), "no-store");
        assert!(status.text().contains("正在审核") && status.text().contains("赵**"), "{}", status.text());
        assert!(!status.text().contains("13912345678") && !status.text().contains(&document));
        assert_eq!(t.page("/v/not-a-real-link", "").await.status, StatusCode::NOT_FOUND);
        // The same number again is answered like any application (the answer must not tell
        // whether a number applied); the vetter sees the two side by side and declines one.
        let again = t.post_json("/api/v1/volunteers/applications", None, body).await;
        assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
        let twin = again.json()["id"].as_str().unwrap().to_string();
        let pending = t.get("/api/v1/volunteers/applications?status=pending", Some(&worker)).await.json();
        assert_eq!(pending["total"], 2, "{pending}");
        let pending = pending["items"].as_array().unwrap();
        assert_eq!(pending.len(), 2);
        assert!(pending.iter().all(|a| a["same_document"] == 1), "{pending:?}");
        assert!(pending.iter().all(|a| a["community"] == "凌研里社区"), "{pending:?}");
        let r = t
            .post_json(&format!("/api/v1/volunteers/applications/{twin}/decision"), Some(&worker), json!({"decision": "decline", "note": "重复报名"}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());

        // Vetters see their own areas' applications only.
        let pending = t.get("/api/v1/volunteers/applications?status=pending", Some(&worker)).await.json()["items"].clone();
        assert_eq!(pending.as_array().unwrap().len(), 1);
        assert_eq!(pending[0]["same_document"], 0);
        let other = t.token("worker.yudeli").await;
        assert_eq!(t.get("/api/v1/volunteers/applications", Some(&other)).await.json()["total"], 0);
        let id = a["id"].as_str().unwrap();
        let decide = |token: String, body: serde_json::Value| {
            let t = &t;
            async move {
                t.post_json(&format!("/api/v1/volunteers/applications/{id}/decision"), Some(&token), body).await
            }
        };
        assert_eq!(decide(other.clone(), json!({"decision": "approve"})).await.status, StatusCode::NOT_FOUND);
        let r = decide(worker.clone(), json!({"decision": "decline"})).await;
        assert_eq!(codes(&r.json()), [("note".to_string(), "err-required".to_string())]);
        let r = decide(worker.clone(), json!({"decision": "approved"})).await;
        assert_eq!(codes(&r.json()), [("decision".to_string(), "err-volunteer-decision".to_string())]);
        let r = decide(worker.clone(), json!({"decision": "more_info", "note": "请补充健康证明"})).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["application"]["status"], "more_info");
        assert_eq!(r.json()["application"]["community"], "凌研里社区");
        // "open" lists what still waits for a decision: pending and more_info, not the declined twin.
        let list = async |status: &str| {
            let r = t.get(&format!("/api/v1/volunteers/applications?status={status}"), Some(&worker)).await;
            (r.status, r.json()["items"].as_array().map(|a| a.iter().map(|x| x["id"].as_str().unwrap().to_string()).collect::<Vec<_>>()))
        };
        assert_eq!(list("open").await, (StatusCode::OK, Some(vec![id.to_string()])));
        assert_eq!(list("declined").await, (StatusCode::OK, Some(vec![twin.clone()])));
        let r = t.get("/api/v1/volunteers/applications?status=waiting", Some(&worker)).await;
        assert_eq!(codes(&r.json()), [("status".to_string(), "err-volunteer-status".to_string())]);
        assert!(t.page(&link, "").await.text().contains("请补充健康证明"));

        // Approval makes an account deployed to 凌研里: it sees the community's rota.
        let r = decide(worker.clone(), json!({"decision": "approve"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let d = r.json();
        assert_eq!(d["application"]["status"], "approved");
        assert!(d["application"]["status_link"].is_null(), "the link is given once");
        let status = t.page(&link, "").await.text();
        assert!(status.contains("已通过审核") && status.contains("登录账号"), "{status}");
        let (username, password) = (d["username"].as_str().unwrap(), d["password"].as_str().unwrap());
        // A password the system made: the volunteer's pages first ask for one of their own.
        let first = t.home_after_sign_in(username, password).await;
        assert_eq!(first.as_deref(), Some("/account"));
        // … and so does the API: its session says so, and nothing but the password change (or
        // signing out) is answered until then.
        let s = t
            .post_json("/api/v1/sessions", None, json!({"username": username, "password": password}))
            .await;
        assert_eq!(s.status, StatusCode::CREATED, "{}", s.text());
        let session = s.json();
        assert_eq!(session["must_change_password"], true, "{session}");
        let token = session["token"].as_str().unwrap().to_string();
        let today = t.app.clock.today();
        let rota_path = format!("/api/v1/shifts?area={}&from={today}&days=1", t.lingyanli);
        let refused = t.get(&rota_path, Some(&token)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
        assert_eq!(refused.json()["type"], "https://sanshe.invalid/problems/password-change-first");
        let own = json!({"current_password": password, "new_password": "zhao-xiaoguang-own-2020"});
        let r = t.post_json("/api/v1/account/password", Some(&token), own).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        let rota = t.get(&rota_path, Some(&token)).await;
        assert_eq!(rota.status, StatusCode::OK, "{}", rota.text());
        let elsewhere = t
            .get(&format!("/api/v1/shifts?area={}&from={today}&days=1", t.yudeli), Some(&token))
            .await;
        assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
        // The new volunteer is listed among those deployed, with the skills they gave.
        let listed = t.get("/api/v1/volunteers?skill=driving", Some(&worker)).await.json();
        let me = listed["items"].as_array().unwrap().iter().find(|v| v["name"] == "赵晓光").unwrap().clone();
        assert_eq!(me["skills"], json!(["driving", "medical"]));
        assert_eq!(me["served_minutes"], 0);
        assert_eq!(t.get("/api/v1/volunteers?skill=counselling", Some(&worker)).await.json()["total"], 0);
        assert_eq!(t.get("/api/v1/volunteers", Some(&other)).await.json()["items"], json!([]));
        let r = decide(worker.clone(), json!({"decision": "decline", "note": "重复"})).await;
        assert_eq!(codes(&r.json()), [("decision".to_string(), "err-volunteer-decided".to_string())]);

        // The public page works without an account and says what is missing in Chinese.
        let page = t.page("/volunteer", "").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("凌研里社区"));
        let form = format!(
            "name=%E9%92%B1%E4%BC%9F&document_number={}&phone=13812340000&area_id={}&skills=driving",
            id_for(1990, 9, 9, 23),
            t.lingyanli
        );
        let r = t.post_form("/volunteer", "", &form).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("请阅读并同意隐私说明"));
        assert!(r.text().contains("value=\"driving\" checked"), "the answers are kept");
        let r = t.post_form("/volunteer", "", &format!("{form}&consent=yes")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(r.text().contains("报名已提交") && r.text().contains(&format!("id=\"status-link\" class=\"break\" href=\"{}/v/", t.app.public_url.trim_end_matches('/'))));
        assert_eq!(t.get("/api/v1/volunteers/applications?status=pending", Some(&worker)).await.json()["total"], 1);
    })
    .await;
}

async fn sign_in(t: &TestApp, decided: &serde_json::Value) -> String {
    let (username, password) = (decided["username"].as_str(), decided["password"].as_str());
    t.first_token(username.unwrap(), password.unwrap()).await
}

#[tokio::test]
async fn the_bureau_dispatches_from_the_reserve_pool_and_skilled_posts_go_to_the_skilled() {
    on_both(async |t| {
        let admin = t.token("admin").await;
        let worker = t.token("worker.lingyanli").await;
        let yudeli_worker = t.token("worker.yudeli").await;
        let mut decided = Vec::new();
        for (seq, name, skills, organization) in [
            (31, "孙心怡", json!(["counselling"]), "天津市若水社会工作服务中心"),
            (32, "钱多多", json!(["driving"]), ""),
        ] {
            let r = t
                .post_json(
                    "/api/v1/volunteers/applications",
                    None,
                    json!({"name": name, "document_number": id_for(1991, 3, 3, seq), "phone": "13900001111",
                           "area_id": t.lingyanli, "skills": skills, "organization": organization, "consent": true}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            let id = r.json()["id"].as_str().unwrap().to_string();
            let d = t
                .post_json(
                    &format!("/api/v1/volunteers/applications/{id}/decision"),
                    Some(&worker),
                    json!({"decision": "approve", "deploy": false}),
                )
                .await;
            assert_eq!(d.status, StatusCode::OK, "{}", d.text());
            decided.push(d.json());
        }
        let counsellor = decided[0]["application"]["user_id"].as_str().unwrap().to_string();
        let driver = decided[1]["application"]["user_id"].as_str().unwrap().to_string();

        // In the pool: approved, deployed nowhere, so no community's rota is theirs yet.
        let pool = t.get("/api/v1/volunteers/reserve", Some(&admin)).await.json();
        assert_eq!((pool["items"].as_array().unwrap().len(), pool["total"].as_i64()), (2, Some(2)), "{pool}");
        let pool = t.get("/api/v1/volunteers/reserve?skill=counselling", Some(&admin)).await.json();
        assert_eq!(pool["total"], 1);
        assert_eq!(pool["items"][0]["user_id"], counsellor.as_str());
        // One at a time: the longest-waiting first, then the other; a forged cursor is refused.
        let one = t.get("/api/v1/volunteers/reserve?limit=1", Some(&admin)).await.json();
        assert_eq!(one["items"][0]["user_id"], counsellor.as_str(), "approved first");
        let next = one["next"].as_str().expect("a second page");
        let two = t.get(&format!("/api/v1/volunteers/reserve?limit=1&after={next}"), Some(&admin)).await.json();
        assert_eq!((two["items"][0]["user_id"].as_str(), two["next"].as_str()), (Some(driver.as_str()), None));
        assert_eq!(t.get("/api/v1/volunteers/reserve?after=zz", Some(&admin)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        let (cookie, _) = t.browser("admin").await;
        let vetting = t.page("/volunteers", &cookie).await.text();
        assert!(vetting.contains("<span id=\"reserve-total\">2</span>"), "{vetting}");
        assert_eq!(t.get("/api/v1/volunteers/reserve?skill=magic", Some(&admin)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        let by_area = |area: &str| format!("/api/v1/volunteers/reserve?area={area}");
        assert_eq!(t.get(&by_area(&t.lingyanli), Some(&admin)).await.json()["total"], 2);
        assert_eq!(t.get(&by_area(&t.yudeli), Some(&admin)).await.json()["items"], json!([]), "they live in 凌研里");
        assert_eq!(t.get("/api/v1/volunteers/reserve", Some(&yudeli_worker)).await.json()["items"], json!([]));
        let counsellor_token = sign_in(t, &decided[0]).await;
        let today = t.app.clock.today();
        let rota_of = |area: &str| format!("/api/v1/shifts?area={area}&from={today}&days=2");
        assert_eq!(t.get(&rota_of(&t.lingyanli), Some(&counsellor_token)).await.status, StatusCode::NOT_FOUND);

        // 凌研里's worker cannot send them to 裕德里; the bureau can, once.
        let deploy = |token: String, user: String, area: String| {
            let t = &t;
            async move {
                t.post_json(&format!("/api/v1/volunteers/{user}/deployments"), Some(&token), json!({"area_id": area})).await
            }
        };
        let r = deploy(worker.clone(), counsellor.clone(), t.yudeli.clone()).await;
        assert_eq!((r.status, codes(&r.json())), (StatusCode::UNPROCESSABLE_ENTITY, vec![("area_id".into(), "err-area-not-found".into())]));
        let r = deploy(admin.clone(), counsellor.clone(), t.yudeli.clone()).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        let r = deploy(admin.clone(), counsellor.clone(), t.yudeli.clone()).await;
        assert_eq!(codes(&r.json()), [("area_id".to_string(), "err-volunteer-deployed".to_string())]);
        let r = deploy(admin.clone(), driver.clone(), t.yudeli.clone()).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        assert_eq!(t.get("/api/v1/volunteers/reserve", Some(&admin)).await.json()["total"], 0);
        let there = t.get("/api/v1/volunteers", Some(&yudeli_worker)).await.json();
        assert_eq!(there["items"].as_array().unwrap().len(), 2, "{there}");

        // A hotline post needs counselling: only the counsellor sees and takes its shifts.
        let hotline = t.rota_post("心理热线").with("area_id", t.yudeli.as_str());
        let hotline = hotline.with("kind", "hotline").covering("08:00", 12, 6);
        let post = hotline.with("skill", "counselling").send(&yudeli_worker).await;
        assert_eq!(post.status, StatusCode::CREATED, "{}", post.text());
        assert_eq!(post.json()["skill"], "counselling");
        let hotline = t.rota_post("热线").with("area_id", t.yudeli.as_str());
        let hotline = hotline.with("kind", "hotline").covering("08:00", 12, 6);
        let bad = hotline.with("skill", "magic").send(&yudeli_worker).await;
        assert_eq!(codes(&bad.json()), [("skill".to_string(), "err-volunteer-skill".to_string())]);
        let made = t
            .post_json("/api/v1/shifts", Some(&yudeli_worker), json!({"area_id": t.yudeli, "from": today + chrono::Duration::days(1), "days": 1}))
            .await;
        assert_eq!(made.json()["shifts"], 2);
        let driver_token = sign_in(t, &decided[1]).await;
        let seen = t.get(&rota_of(&t.yudeli), Some(&driver_token)).await.json();
        assert_eq!(seen["posts"], json!([]), "the driver does not see the hotline");
        let seen = t.get(&rota_of(&t.yudeli), Some(&counsellor_token)).await.json();
        let shift = seen["posts"][0]["shifts"][0]["id"].as_str().unwrap().to_string();
        let r = t.post_json(&format!("/api/v1/shifts/{shift}/take"), Some(&driver_token), json!({})).await;
        assert_eq!(codes(&r.json()), [("shift_id".to_string(), "err-shift-skill".to_string())]);
        let r = t.post_json(&format!("/api/v1/shifts/{shift}/take"), Some(&counsellor_token), json!({})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());

        // Recalled while holding a shift there: refused; the driver goes back to the pool.
        let recall = |user: &str| format!("/api/v1/volunteers/{user}/deployments/{}", t.yudeli);
        let r = t.send_json("DELETE", &recall(&counsellor), Some(&admin), json!({})).await;
        assert_eq!(codes(&r.json()), [("area_id".to_string(), "err-volunteer-has-shifts".to_string())]);
        let r = t.send_json("DELETE", &recall(&driver), Some(&admin), json!({})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        let pool = t.get("/api/v1/volunteers/reserve", Some(&admin)).await.json();
        assert_eq!(pool["items"][0]["user_id"], driver.as_str());
        assert_eq!(t.get(&rota_of(&t.yudeli), Some(&driver_token)).await.status, StatusCode::NOT_FOUND);

        // The counsellor serves the shift: 若水's admin sees it among the organization's hours,
        // 裕德里's worker among the community's, 凌研里's worker nothing.
        let starts = seen["posts"][0]["shifts"][0]["starts"].as_str().unwrap().to_string();
        let start = chrono::NaiveDateTime::parse_from_str(&starts, "%Y-%m-%d %H:%M").unwrap();
        let at = |m: i64| sanshe_app::utc_ms(start) + m * 60_000 - t.app.clock.now_ms();
        t.app.clock.advance(chrono::Duration::milliseconds(at(-5)));
        let r = t.post_json(&format!("/api/v1/shifts/{shift}/check-in"), Some(&counsellor_token), json!({})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        t.app.clock.advance(chrono::Duration::milliseconds(at(6 * 60)));
        let r = t.post_json(&format!("/api/v1/shifts/{shift}/check-out"), Some(&counsellor_token), json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let org = t.token("org.ruoshui").await;
        let totals = t.get("/api/v1/hours/totals", Some(&org)).await.json();
        assert_eq!(totals["by_organization"], json!([{"name": "天津市若水社会工作服务中心", "people": 1, "shifts": 1, "minutes": 365}]));
        assert_eq!(totals["by_community"], json!([]), "an organization sees its members, not areas");
        let totals = t.get("/api/v1/hours/totals", Some(&yudeli_worker)).await.json();
        assert_eq!(totals["by_community"][0], json!({"name": "裕德里社区", "people": 1, "shifts": 1, "minutes": 365}));
        assert_eq!(t.get("/api/v1/hours/totals", Some(&worker)).await.json()["all"]["minutes"], 0);
    })
    .await;
}

#[tokio::test]
async fn an_organization_vets_those_who_name_it_and_its_approval_goes_to_the_reserve() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let admin = t.token("admin").await;
        let (mut ids, mut links) = (Vec::new(), Vec::new());
        for (seq, name, organization) in [(51, "周敏", "天津市若水社会工作服务中心"), (52, "吴刚", "")] {
            let r = t
                .post_json(
                    "/api/v1/volunteers/applications",
                    None,
                    json!({"name": name, "document_number": id_for(1993, 5, 5, seq), "phone": "13700002222",
                           "area_id": t.yudeli, "skills": ["logistics"], "organization": organization, "consent": true}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            ids.push(r.json()["id"].as_str().unwrap().to_string());
            links.push(r.json()["status_link"].as_str().unwrap().to_string());
        }
        let listed = t.get("/api/v1/volunteers/applications", Some(&org)).await.json()["items"].clone();
        let names: Vec<&str> = listed.as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["周敏"], "only those who named the organization");
        // Matched by id when they applied: renaming the organization keeps its applicants, and
        // nobody can reach its vetting by typing its new name later.
        let renamed = json!({"kind": "social_work_agency", "name": "若水社工服务中心", "contact": ""});
        let r = t.send_json("PUT", &format!("/api/v1/organizations/{}", t.ruoshui), Some(&org), renamed).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let listed = t.get("/api/v1/volunteers/applications", Some(&org)).await.json()["items"].clone();
        assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
        assert_eq!(listed[0]["name"], "周敏");
        let decide = |id: &str| format!("/api/v1/volunteers/applications/{id}/decision");
        let r = t.post_json(&decide(&ids[1]), Some(&org), json!({"decision": "approve"})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = t.post_json(&decide(&ids[0]), Some(&org), json!({"decision": "approve"})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let user = r.json()["application"]["user_id"].as_str().unwrap().to_string();
        // Vouched for, not deployed: in the pool for 裕德里's worker or the bureau to deploy.
        let pool = t.get("/api/v1/volunteers/reserve", Some(&admin)).await.json();
        assert_eq!(pool["items"][0]["user_id"], user.as_str(), "{pool}");
        assert!(t.page(&links[0], "").await.text().contains("后备志愿者库"));
        let yudeli = t.token("worker.yudeli").await;
        assert_eq!(t.get("/api/v1/volunteers", Some(&yudeli)).await.json()["items"], json!([]));
    })
    .await;
}

#[tokio::test]
async fn a_worker_vets_and_deploys_on_the_volunteers_page() {
    on_both(async |t| {
        for (seq, name) in [(61, "郑洁"), (62, "冯涛")] {
            let r = t
                .post_json(
                    "/api/v1/volunteers/applications",
                    None,
                    json!({"name": name, "document_number": id_for(1994, 7, 7, seq), "phone": "13500003333",
                           "area_id": t.lingyanli, "skills": ["medical"], "consent": true}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let html = t.page("/volunteers", &cookie).await.text();
        assert!(html.contains("郑洁") && html.contains("冯涛") && html.contains("待审核的报名"), "{html}");
        // Where each would serve, for a vetter over many communities.
        assert_eq!(html.matches("凌研里社区 · 报名于").count(), 2, "{html}");
        assert!(html.contains("服务时长统计") && html.contains("<svg") && html.contains("/volunteer</a>"), "totals and the sign-up QR code");
        assert!(html.contains("id=\"hours-none\""), "no hours served yet, said so: {html}");
        let id_of = |html: &str, name: &str| {
            let at = html.find(name).unwrap();
            let i = html[..at].rfind("data-application=\"").unwrap() + "data-application=\"".len();
            html[i..i + 32].to_string()
        };
        // Declining needs a note; the page says so.
        let first = id_of(&html, "郑洁");
        let r = t.post_form(&format!("/volunteers/applications/{first}"), &cookie, &format!("csrf={csrf}&decision=decline&note=")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Approved and deployed: the account and its first password, shown this once.
        let r = t.post_form(&format!("/volunteers/applications/{first}"), &cookie, &format!("csrf={csrf}&decision=approve&deploy=deploy")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
        let html = r.text();
        assert!(html.contains("已为志愿者开通账号") && html.contains("vol."), "{html}");
        assert!(html.contains("已派驻的志愿者 (1)"), "{html}");
        // The other into the reserve pool, then deployed from it.
        let second = id_of(&html, "冯涛");
        let r = t.post_form(&format!("/volunteers/applications/{second}"), &cookie, &format!("csrf={csrf}&decision=approve&deploy=reserve")).await;
        let html = r.text();
        assert!(html.contains("后备志愿者库（已通过、尚未派驻） (<span id=\"reserve-total\">1</span>)"), "{html}");
        let i = html.find("/volunteers/").and_then(|_| html.find("/deploy\"")).unwrap();
        let user = html[i - 32..i].to_string();
        let r = t.post_form(&format!("/volunteers/{user}/deploy"), &cookie, &format!("csrf={csrf}&area_id={}", t.lingyanli)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(r.text().contains("已派驻的志愿者 (2)"), "{}", r.text());
        // Both now serve 凌研里.
        let worker = t.token("worker.lingyanli").await;
        assert_eq!(t.get("/api/v1/volunteers", Some(&worker)).await.json()["total"], 2);
    })
    .await;
}

#[tokio::test]
async fn a_vetter_exports_every_application_with_what_became_of_it() {
    on_both(async |t| {
        let mut ids = Vec::new();
        for (seq, name, area) in [(71, "郑洁", &t.lingyanli), (72, "冯涛", &t.lingyanli), (73, "韩梅", &t.lingyanli), (74, "邓超", &t.yudeli)] {
            let r = t
                .post_json(
                    "/api/v1/volunteers/applications",
                    None,
                    json!({"name": name, "document_number": id_for(1994, 7, 7, seq), "phone": "13500003333",
                           "area_id": area, "skills": ["medical", "driving"], "availability": "周末", "consent": true}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            ids.push(r.json()["id"].as_str().unwrap().to_string());
        }
        let worker = t.token("worker.lingyanli").await;
        let decide = async |id: &str, body: serde_json::Value| {
            let r = t.post_json(&format!("/api/v1/volunteers/applications/{id}/decision"), Some(&worker), body).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        };
        decide(&ids[0], json!({"decision": "approve"})).await;
        decide(&ids[1], json!({"decision": "decline", "note": "未满十八周岁"})).await;
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let html = t.page("/volunteers", &cookie).await.text();
        assert!(html.contains("href=\"/volunteers/applications.xlsx\""), "{html}");
        let sheet = async |path: &str| {
            let r = t.page(path, &cookie).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            sanshe_app::sheets::read_table(&r.bytes).unwrap()
        };
        let rows = sheet("/volunteers/applications.xlsx").await;
        assert_eq!(rows[0][0], "姓名");
        assert_eq!(rows.len(), 4, "凌研里's three, not 裕德里's: {rows:?}");
        let row = |name: &str| rows.iter().find(|r| r[0] == name).unwrap().clone();
        let (approved, declined, waiting) = (row("郑洁"), row("冯涛"), row("韩梅"));
        assert_eq!(approved[9], "已通过");
        assert_eq!((declined[9].as_str(), declined[10].as_str()), ("未通过", "未满十八周岁"));
        assert_eq!(waiting[9], "待审核");
        // Numbers masked as on the page; the community, skills and availability as given.
        assert_eq!(waiting[2], "135****3333", "{waiting:?}");
        assert!(!waiting[1].contains("19940707"), "{waiting:?}");
        assert_eq!(waiting[3..6], ["凌研里社区", "驾驶、医护", "周末"]);
        // The page's search narrows the workbook it offers; a status narrows it too.
        let searched = t.page("/volunteers?q=%E5%86%AF&skill=medical", &cookie).await.text();
        assert!(searched.contains("href=\"/volunteers/applications.xlsx?q=%E5%86%AF&#38;skill=medical\""), "{searched}");
        let found = sheet("/volunteers/applications.xlsx?q=%E5%86%AF&skill=medical").await;
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[1][0], "冯涛");
        let only = sheet("/volunteers/applications.xlsx?status=declined").await;
        assert_eq!(only.len(), 2, "{only:?}");
        assert_eq!(only[1][0], "冯涛");
        // Someone who vets nowhere has none to export.
        t.volunteer("vol.zhengjie", "郑洁", &t.lingyanli).await;
        let (volunteer, _) = t.browser("vol.zhengjie").await;
        assert_eq!(t.page("/volunteers/applications.xlsx", &volunteer).await.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn the_sign_up_form_offers_the_registered_organizations_so_an_applicant_is_matched() {
    on_both(async |t| {
        let page = t.page("/volunteer", "").await.text();
        assert!(
            page.contains(r#"<datalist id="v-org-names"><option value="天津市若水社会工作服务中心">"#),
            "{page}"
        );
        // Picked from the list, the applicant belongs to the organization: its admin vets them.
        let r = t
            .post_json(
                "/api/v1/volunteers/applications",
                None,
                json!({"name": "陈静", "document_number": id_for(1995, 6, 6, 71), "phone": "13600004444",
                       "area_id": t.yudeli, "skills": ["logistics"], "organization": "天津市若水社会工作服务中心", "consent": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let org = t.token("org.ruoshui").await;
        let listed = t.get("/api/v1/volunteers/applications", Some(&org)).await.json()["items"].clone();
        assert_eq!(listed[0]["name"], "陈静", "{listed}");
    })
    .await;
}

#[tokio::test]
async fn an_applicant_gives_their_national_volunteer_number_and_approval_records_it() {
    on_both(async |t| {
        let form = |number: &str| {
            format!(
                "name=%E9%99%88%E6%99%A8&document_number={}&phone=13600006666&area_id={}&consent=yes&volunteer_number={number}",
                id_for(1993, 3, 3, 71),
                t.lingyanli
            )
        };
        // The field is on the public form, optional.
        let page = t.page("/volunteer", "").await.text();
        assert!(page.contains("name=\"volunteer_number\""), "{page}");
        // Refused beside the field, the answer kept; nothing recorded.
        let r = t.post_form("/volunteer", "", &form("12%3B456")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let html = r.text();
        assert!(html.contains("id=\"error-volunteer_number\""), "{html}");
        assert!(html.contains("value=\"12;456\""), "{html}");
        let worker = t.token("worker.lingyanli").await;
        let pending = async || {
            let page = t.get("/api/v1/volunteers/applications?status=pending", Some(&worker)).await;
            page.json()["items"].clone()
        };
        assert_eq!(pending().await, json!([]));

        // Given as typed, the vetter sees it as issued.
        let r = t.post_form("/volunteer", "", &form("tj+2020+0318")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let list = pending().await;
        assert_eq!(list[0]["volunteer_number"], "TJ20200318", "{list}");
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let html = t.page("/volunteers", &cookie).await.text();
        assert!(html.contains("志愿者编号 TJ20200318"), "{html}");

        // Approval records it as the new account's number, which the worker's list of
        // volunteers (and the volunteer's record of hours) reads.
        let id = list[0]["id"].as_str().unwrap();
        let body = format!("csrf={csrf}&decision=approve&deploy=deploy");
        let r = t.post_form(&format!("/volunteers/applications/{id}"), &cookie, &body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let volunteers = t.get("/api/v1/volunteers", Some(&worker)).await.json();
        assert_eq!(volunteers["items"][0]["volunteer_number"], "TJ20200318", "{volunteers}");
    })
    .await;
}

#[tokio::test]
async fn the_roster_lists_every_deployed_volunteer_a_page_at_a_time_searched_and_exported() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let roster = async |query: String| {
            t.get(&format!("/api/v1/volunteers{query}"), Some(&worker))
                .await
        };
        let before = roster(String::new()).await.json()["total"]
            .as_i64()
            .unwrap();
        let names = ["王一", "王二", "王三", "李四", "赵五", "孙六", "周七"];
        for (i, name) in names.iter().enumerate() {
            t.volunteer(&format!("r.v{i}"), name, &t.lingyanli).await;
        }
        t.volunteer("r.elsewhere", "王八", &t.yudeli).await;
        let all = before + names.len() as i64;

        // Pages of three: every deployment once, the total on each page, none of 裕德里's.
        let (mut seen, mut after, mut pages) = (Vec::new(), String::new(), 0);
        loop {
            let page = roster(format!("?limit=3{after}")).await.json();
            assert_eq!(page["total"], all, "{page}");
            let items = page["items"].as_array().unwrap();
            assert!(items.len() <= 3, "{page}");
            seen.extend(
                items
                    .iter()
                    .map(|v| v["name"].as_str().unwrap().to_string()),
            );
            pages += 1;
            match page["next"].as_str() {
                Some(next) => after = format!("&after={next}"),
                None => break,
            }
        }
        assert_eq!(seen.len() as i64, all, "{seen:?}");
        assert_eq!(pages, (all + 2) / 3);
        assert!(
            names
                .iter()
                .all(|n| seen.iter().filter(|s| s == n).count() == 1),
            "{seen:?}"
        );
        assert!(
            !seen.iter().any(|s| s == "王八"),
            "another community's volunteer"
        );

        // By the beginning of a name; a bad skill or cursor is refused by its field.
        let wang = roster("?q=%E7%8E%8B".into()).await.json();
        assert_eq!(wang["total"], 3, "{wang}");
        for (query, field) in [("?skill=magic", "skill"), ("?after=zz", "after")] {
            let r = roster(query.into()).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            assert_eq!(codes(&r.json())[0].0, field, "{query}");
        }

        // On the pages: the volunteers page links to the roster, which searches and exports.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let vetting = t.page("/volunteers", &cookie).await.text();
        assert!(
            vetting.contains(&format!("已派驻的志愿者 ({all})")),
            "{vetting}"
        );
        assert!(
            vetting.contains("id=\"roster-link\" href=\"/volunteers/roster\""),
            "{vetting}"
        );
        let html = t
            .page("/volunteers/roster?q=%E7%8E%8B", &cookie)
            .await
            .text();
        assert!(
            html.contains("共 3 条") && html.contains("王二") && !html.contains("李四"),
            "{html}"
        );
        assert!(
            html.contains("href=\"/volunteers/roster.xlsx?q=%E7%8E%8B\""),
            "{html}"
        );
        let sheet = t.page("/volunteers/roster.xlsx?q=%E7%8E%8B", &cookie).await;
        assert_eq!(sheet.status, StatusCode::OK);
        let table = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert_eq!(
            table[0],
            ["姓名", "技能", "派驻社区", "小时", "志愿者编号"],
            "{table:?}"
        );
        let mut listed: Vec<&str> = table[1..].iter().map(|r| r[0].as_str()).collect();
        listed.sort();
        assert_eq!(listed, ["王一", "王三", "王二"], "{table:?}");
        assert!(table[1..].iter().all(|r| r[2] == "凌研里社区"), "{table:?}");
        let whole = t.page("/volunteers/roster.xlsx", &cookie).await;
        let whole = sanshe_app::sheets::read_table(&whole.bytes).unwrap();
        assert_eq!(whole.len() as i64, all + 1, "{whole:?}");
    })
    .await;
}

#[tokio::test]
async fn the_sign_up_form_groups_communities_by_street_and_narrows_them_to_a_district() {
    on_both(async |t| {
        let page = t.page("/volunteer", "").await.text();
        // Every community under its district and street.
        let group = |html: &str, label: &str| {
            let at = html
                .find(&format!("<optgroup label=\"{label}\">"))
                .unwrap_or_else(|| panic!("{label}: {html}"));
            html[at..at + html[at..].find("</optgroup>").unwrap()].to_string()
        };
        assert!(
            group(&page, "南开区 · 体育中心街道").contains(&format!(
                "<option value=\"{}\">凌研里社区</option>",
                t.lingyanli
            )),
            "{page}"
        );
        assert!(
            group(&page, "和平区 · 南市街道").contains("裕德里社区"),
            "{page}"
        );
        // Narrowed to 和平区: its communities only, the district kept chosen.
        let heping = t.parent_of(&t.parent_of(&t.yudeli).await).await;
        let page = t
            .page(&format!("/volunteer?district={heping}"), "")
            .await
            .text();
        assert!(
            page.contains("裕德里社区") && !page.contains("凌研里社区"),
            "{page}"
        );
        assert!(
            page.contains(&format!(
                "<option value=\"{heping}\" selected>和平区</option>"
            )),
            "{page}"
        );
        // A district that is not one lists nothing rather than failing.
        let r = t.page("/volunteer?district=nonsense", "").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.text().contains("<optgroup"), "{}", r.text());
    })
    .await;
}
