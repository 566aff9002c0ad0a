//! Help requests over HTTP on SQLite and PostgreSQL: triage order, the steps and their order
//! (an illegal step is a 422), who may take which step, costs, overdue, scope.

mod support;

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};
use support::{TestApp, id_for, on_both};

async fn ask(t: &TestApp, token: &str, body: Value) -> Value {
    let r = t
        .post_json("/api/v1/help-requests", Some(token), body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()
}

async fn step(t: &TestApp, token: &str, id: &str, body: Value) -> (StatusCode, Value) {
    let r = t
        .post_json(
            &format!("/api/v1/help-requests/{id}/steps"),
            Some(token),
            body,
        )
        .await;
    (r.status, r.json())
}

#[tokio::test]
async fn help_requests_are_triaged_and_move_only_by_allowed_steps() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        // 王奶奶 lives alone.
        let alone = t
            .post_json(
                "/api/v1/residents",
                Some(&worker),
                json!({"area_id": t.lingyanli_building, "building": "1号楼", "unit": "1单元", "room": "301",
                       "name": "王淑兰", "document_number": id_for(1938, 3, 3, 12),
                       "flags": {"living_alone": true, "elderly_80": false, "disabled": false, "chronic_illness": false, "pregnant": false}}),
            )
            .await;
        assert_eq!(alone.status, StatusCode::CREATED, "{}", alone.text());
        let alone_household = alone.json()["household_id"].as_str().unwrap().to_string();
        let family = t
            .resident("李强", &id_for(1985, 5, 5, 13)).room("302").in_area(&t.lingyanli_building).by(&worker)
            .await;
        let family_household = family.household_id.clone();

        // Bad input, field by field.
        let bad = t
            .post_json("/api/v1/help-requests", Some(&worker), json!({"for_whom": "", "needs": "", "urgency": "now", "contact": "123"}))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = bad.json()["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect();
        for f in ["for_whom", "needs", "urgency", "contact", "address"] {
            assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
        }

        let urgent_family = ask(t, &worker, json!({"household_id": family_household, "for_whom": "李强的孩子", "needs": "退烧药", "urgency": "urgent", "contact": "13812345678"})).await;
        assert_eq!(urgent_family["vulnerable"], false);
        assert_eq!(urgent_family["contact"], "138****5678");
        t.app.clock.advance(Duration::minutes(5));
        let soon_alone = ask(t, &worker, json!({"household_id": alone_household, "for_whom": "王奶奶", "needs": "降压药一盒", "urgency": "soon"})).await;
        assert_eq!(soon_alone["vulnerable"], true, "she lives alone");
        t.app.clock.advance(Duration::minutes(5));
        let today_alone = ask(t, &worker, json!({"household_id": alone_household, "for_whom": "王奶奶", "needs": "消毒液", "urgency": "today"})).await;

        let order: Vec<String> = t.get("/api/v1/help-requests?active=true", Some(&worker)).await.json()
            .as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect();
        let id = |v: &Value| v["id"].as_str().unwrap().to_string();
        assert_eq!(
            order,
            [id(&today_alone), id(&soon_alone), id(&urgent_family)],
            "living alone first, then by urgency"
        );

        // A volunteer deployed here claims; one deployed elsewhere sees nothing of it.
        let (vol, vol_token) = t.with_user("vol.help", "volunteer", &t.lingyanli).await;
        let (_, far_token) = t.with_user("vol.far", "volunteer", &t.yudeli).await;
        let theirs = t.get("/api/v1/help-requests", Some(&far_token)).await.json();
        assert_eq!(theirs.as_array().unwrap().len(), 0);
        let (s, _) = step(t, &far_token, &id(&soon_alone), json!({"step": "claim"})).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        let open: Vec<String> = t.get("/api/v1/help-requests", Some(&vol_token)).await.json()
            .as_array().unwrap().iter().map(|h| h["status"].as_str().unwrap().to_string()).collect();
        assert_eq!(open, ["open", "open", "open"]);

        // Steps out of order are refused with a clear 422.
        let (s, v) = step(t, &vol_token, &id(&soon_alone), json!({"step": "deliver"})).await;
        assert_eq!((s, v["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("err-help-step")));
        let (s, v) = step(t, &vol_token, &id(&soon_alone), json!({"step": "claim"})).await;
        assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("assigned")));
        assert_eq!(v["volunteer"], "vol.help");
        let (s, _) = step(t, &vol_token, &id(&soon_alone), json!({"step": "cancel", "reason": "不想去"})).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "only a worker cancels");
        let (s, v) = step(t, &vol_token, &id(&soon_alone), json!({"step": "buy", "cost": "23.555"})).await;
        assert_eq!((s, v["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("cost")));
        let (s, v) = step(t, &vol_token, &id(&soon_alone), json!({"step": "buy", "cost": "23.5"})).await;
        assert_eq!((s, v["status"].as_str(), v["cost"].as_str()), (StatusCode::OK, Some("bought"), Some("23.50")));
        let (s, _) = step(t, &vol_token, &id(&soon_alone), json!({"step": "release"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "bought goods are delivered, not given back");
        // The resident's receipt link: no account, no contact shown, confirm only once delivered.
        let link = soon_alone["receipt_link"].as_str().unwrap().to_string();
        let page = t.page(&link, "").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
        assert!(page.text().contains("降压药一盒") && page.text().contains("已买到"), "{}", page.text());
        assert!(!page.text().contains("vol.help"), "the volunteer's name shows as its first character");
        let early = t.post_form(&link, "", "").await;
        assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(early.text().contains("还没有送到"));
        assert_eq!(t.page("/h/not-a-real-token", "").await.status, StatusCode::NOT_FOUND);
        let (s, v) = step(t, &vol_token, &id(&soon_alone), json!({"step": "deliver"})).await;
        assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("delivered")));
        assert_eq!(v["confirmed"], false);
        let confirmed = t.post_form(&link, "", "").await;
        assert_eq!(confirmed.status, StatusCode::OK);
        assert!(confirmed.text().contains("已确认收货"));
        let admin = t.token("admin").await;
        let audit = t.get("/api/v1/audit?action=help.confirmed", Some(&admin)).await.json();
        assert_eq!(audit[0]["actor"], "resident", "the log names who confirmed: {audit}");
        let listed = t.get("/api/v1/help-requests", Some(&worker)).await.json();
        let mine = listed.as_array().unwrap().iter().find(|h| h["id"] == soon_alone["id"]).unwrap().clone();
        assert_eq!(mine["confirmed"], true);
        assert!(mine["receipt_link"].is_null(), "the link is given once, when recorded");
        let (s, _) = step(t, &worker, &id(&soon_alone), json!({"step": "cancel", "reason": "重复"})).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a delivered request is finished");

        // A worker assigns only someone deployed here; cancelling needs a reason.
        let (s, v) = step(t, &worker, &id(&today_alone), json!({"step": "assign", "user_id": t.ruoshui})).await;
        assert_eq!((s, v["errors"][0]["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("err-rota-not-deployed")));
        let (s, v) = step(t, &worker, &id(&today_alone), json!({"step": "assign", "user_id": vol})).await;
        assert_eq!((s, v["volunteer_id"].as_str()), (StatusCode::OK, Some(vol.as_str())));
        let (s, v) = step(t, &vol_token, &id(&today_alone), json!({"step": "release"})).await;
        assert_eq!((s, v["status"].as_str()), (StatusCode::OK, Some("open")));
        let (s, v) = step(t, &worker, &id(&urgent_family), json!({"step": "cancel"})).await;
        assert_eq!((s, v["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")));
        let (s, v) = step(t, &worker, &id(&urgent_family), json!({"step": "cancel", "reason": "家人已买到"})).await;
        assert_eq!((s, v["cancel_reason"].as_str()), (StatusCode::OK, Some("家人已买到")));

        // Overdue once its urgency's time has passed undelivered (today: at midnight China
        // time, or 4 hours on when asked late in the evening).
        let first = t.get("/api/v1/help-requests?active=true", Some(&worker)).await.json();
        assert_eq!(first[0]["overdue"], false);
        let now = sanshe_app::local_time(t.app.clock.now_ms());
        let midnight = (now.date() + Duration::days(1)).and_hms_opt(0, 0, 0).unwrap();
        let due = midnight.max(now + Duration::hours(4));
        t.app.clock.advance(due - now - Duration::minutes(1));
        let before = t.get("/api/v1/help-requests?active=true", Some(&worker)).await.json();
        assert_eq!(before[0]["overdue"], false, "a minute before midnight it is still today");
        t.app.clock.advance(Duration::minutes(2));
        let later = t.get("/api/v1/help-requests?active=true", Some(&worker)).await.json();
        assert_eq!(later[0]["overdue"], true);
        // The minute watch raises one alert for it (the delivered and cancelled ones are done).
        let w = sanshe_app::rotas::watch(&t.app).await.unwrap();
        assert_eq!(w.overdue, 1, "{w:?}");
        assert_eq!(sanshe_app::rotas::watch(&t.app).await.unwrap().overdue, 0, "once");
        let alerts = t.get("/api/v1/alerts?kind=errand_overdue", Some(&worker)).await.json()["items"].clone();
        assert_eq!(alerts.as_array().unwrap().len(), 1, "{alerts}");
        assert_eq!(alerts[0]["subject_id"], id(&today_alone));

        // Another community's worker sees none of it.
        let other = t.token("worker.yudeli").await;
        assert_eq!(t.get("/api/v1/help-requests", Some(&other)).await.json().as_array().unwrap().len(), 0);
    })
    .await;
}

#[tokio::test]
async fn an_isolated_resident_asks_through_their_link_and_a_hotline_volunteer_for_a_caller() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let isolated = t
            .resident("孙丽", &id_for(1979, 6, 6, 41)).room("501").phone("13600001111").in_area(&t.lingyanli_building).by(&worker)
            .await;
        let household = isolated.household_id.clone();
        let opened = t
            .post_json(
                "/api/v1/isolations",
                Some(&worker),
                json!({"resident_id": isolated["id"], "kind": "home_medical_observation", "exposure_date": t.app.clock.today().to_string()}),
            )
            .await;
        assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text());
        let link = opened.json()["report_link"].as_str().unwrap().to_string();
        assert!(t.page(&link, "").await.text().contains(&format!("action=\"{link}/help\"")));

        // Nothing asked for: said on the page, nothing recorded.
        let r = t.post_form(&format!("{link}/help"), "", "needs=&for_whom=%E6%9C%AC%E4%BA%BA&urgency=today").await;
        assert!(r.text().contains("必填"), "{}", r.text());
        assert_eq!(t.get("/api/v1/help-requests", Some(&worker)).await.json(), json!([]));
        // Asked: to the request's receipt page; for the household, triaged as isolated.
        let form = "needs=%E9%80%80%E7%83%A7%E8%8D%AF&for_whom=%E6%9C%AC%E4%BA%BA&urgency=urgent&contact=13600001111";
        let r = t.post_form(&format!("{link}/help"), "", form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let receipt = r.headers.get("location").unwrap().to_str().unwrap().to_string();
        assert!(receipt.starts_with("/h/"));
        assert!(t.page(&receipt, "").await.text().contains("退烧药"));
        let listed = t.get("/api/v1/help-requests", Some(&worker)).await.json();
        assert_eq!(listed.as_array().unwrap().len(), 1);
        assert_eq!(listed[0]["asked_by"], "resident");
        assert!(listed[0]["address"].as_str().unwrap().contains("501"), "{listed}");
        assert_eq!(listed[0]["vulnerable"], true);
        assert_eq!(listed[0]["urgency"], "urgent");
        // A link that opens nothing asks nothing.
        let r = t.post_form("/r/not-a-real-token-at-all-000000000000/help", "", form).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // A hotline volunteer deployed to 凌研里 records a caller's errand by address, not by
        // household (volunteers do not see the registry), and not for another community.
        let (_, hotline) = t.with_user("vol.hotline", "volunteer", &t.lingyanli).await;
        let call = json!({"area_id": t.lingyanli, "address": "2号楼3单元402", "for_whom": "周大爷", "needs": "胰岛素", "urgency": "today"});
        let r = t.post_json("/api/v1/help-requests", Some(&hotline), call.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(r.json()["vulnerable"], false);
        assert_eq!(r.json()["address"], "凌研里社区 2号楼3单元402");
        // An address that already names its building gets the compound in front, not the
        // building twice.
        let building = json!({"area_id": t.lingyanli_building, "address": "1号楼 2单元 301", "for_whom": "钱奶奶", "needs": "面包", "urgency": "soon"});
        let r = t.post_json("/api/v1/help-requests", Some(&hotline), building).await;
        assert_eq!(r.json()["address"], "凌研里一区 1号楼 2单元 301", "{}", r.text());
        let by_household = t
            .post_json("/api/v1/help-requests", Some(&hotline), json!({"household_id": household, "for_whom": "孙丽", "needs": "水果", "urgency": "soon"}))
            .await;
        assert_eq!(by_household.json()["errors"][0]["field"], "household_id");
        let elsewhere = t
            .post_json("/api/v1/help-requests", Some(&hotline), json!({"area_id": t.yudeli, "address": "1号楼", "for_whom": "某人", "needs": "米", "urgency": "soon"}))
            .await;
        assert_eq!(elsewhere.json()["errors"][0]["field"], "area_id");
        assert_eq!(t.get("/api/v1/help-requests", Some(&worker)).await.json().as_array().unwrap().len(), 3);
    })
    .await;
}

#[tokio::test]
async fn errands_are_recorded_assigned_and_run_on_the_errands_page() {
    on_both(async |t| {
        let (_, _) = t.with_user("vol.page", "volunteer", &t.lingyanli).await;
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let page = t.page("/errands", &cookie).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.text().contains("暂无代买代办请求"));
        // Missing what is needed: said next to the form, what was typed kept.
        let form = |needs: &str| {
            format!(
                "csrf={csrf}&area_id={}&address=3%E5%8F%B7%E6%A5%BC101&for_whom=%E5%88%98%E5%A5%B6%E5%A5%B6&needs={needs}&urgency=urgent&contact=",
                t.lingyanli
            )
        };
        let r = t.post_form("/errands", &cookie, &form("")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("必填") && r.text().contains("3号楼101"), "{}", r.text());
        // The reason sits under the field it is about, and the area stays chosen.
        assert!(r.text().contains("aria-describedby=\"error-needs\">") && r.text().contains("<div class=\"field-error\" id=\"error-needs\">"), "{}", r.text());
        assert!(r.text().contains(&format!("<option value=\"{}\" selected>", t.lingyanli)), "{}", r.text());
        assert!(r.text().contains("value=\"urgent\" checked>") && r.text().contains("value=\"soon\">"), "{}", r.text());
        let r = t.post_form("/errands", &cookie, &form("%E9%99%8D%E5%8E%8B%E8%8D%AF")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let html = t.page("/errands?done=asked", &cookie).await.text();
        assert!(html.contains("降压药") && html.contains("已登记，等待志愿者"), "{html}");
        let i = html.find("data-errand=\"").unwrap() + "data-errand=\"".len();
        let id = html[i..i + 32].to_string();
        assert!(html.contains("vol.page"), "the volunteers to assign are offered");

        // The volunteer claims it on their phone, buys, delivers; the worker sees it done.
        let (vcookie, vcsrf) = t.browser("vol.page").await;
        let html = t.page("/errands", &vcookie).await.text();
        assert!(html.contains(&format!("/errands/{id}/claim")), "{html}");
        let step = |step: &str, extra: &str| format!("/errands/{id}/{step}?{extra}");
        let r = t.post_form(&format!("/errands/{id}/claim"), &vcookie, &format!("csrf={vcsrf}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = t.post_form(&format!("/errands/{id}/buy"), &vcookie, &format!("csrf={vcsrf}&cost=12.345")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "a cost with three decimals");
        let r = t.post_form(&format!("/errands/{id}/buy"), &vcookie, &format!("csrf={vcsrf}&cost=12.30")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let r = t.post_form(&format!("/errands/{id}/deliver"), &vcookie, &format!("csrf={vcsrf}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let html = t.page("/errands?all=1", &cookie).await.text();
        assert!(html.contains("已送到") && html.contains("¥12.30"), "{html}");
        // The tab shown stands out from the other, as the other lists' tabs do.
        let shown = |tab: &str| format!("<a class=\"button \" href=\"{tab}\" aria-current=\"page\">");
        assert!(html.contains(&shown("/errands?all=1")), "{html}");
        let active = t.page("/errands", &cookie).await.text();
        assert!(active.contains(&shown("/errands")), "{active}");
        // A forged form does nothing.
        let r = t.post_form(&step("cancel", ""), &cookie, "csrf=forged&reason=x").await;
        assert_ne!(r.status, StatusCode::SEE_OTHER);
    })
    .await;
}

#[tokio::test]
async fn a_full_errands_list_says_how_many_less_pressing_ones_wait_off_it() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let first = ask(t, &worker, json!({"area_id": t.lingyanli, "address": "1号楼", "for_whom": "刘奶奶", "needs": "降压药", "urgency": "soon"})).await;
        let (cookie, _) = t.browser("worker.lingyanli").await;
        assert!(!t.page("/errands", &cookie).await.text().contains("id=\"errands-unlisted\""));
        // 1,001 more, each asked later than the first: a full list and two over.
        let id = first["id"].as_str().unwrap();
        let row = sanshe_store::help::get(&mut *t.app.db.conn().await.unwrap(), id).await.unwrap();
        let mut tx = t.app.db.begin().await.unwrap();
        for n in 1..=sanshe_store::help::ACTIVE_LISTED + 1 {
            let later = sanshe_store::help::HelpRow { id: sanshe_store::new_id(), link_hash: sanshe_store::new_id(), asked_at: row.asked_at + n, ..row.clone() };
            sanshe_store::help::insert(&mut *tx, &later).await.unwrap();
        }
        sanshe_store::commit(tx).await.unwrap();
        let html = t.page("/errands", &cookie).await.text();
        assert!(html.contains("另有 2 件较不紧急的请求未列出"), "the two newest wait off the list");
        assert_eq!(html.matches("data-errand=\"").count(), 1000);
        assert!(html.contains(&format!("data-errand=\"{id}\"")), "the longest waiting stays listed");
    })
    .await;
}

/// The volunteers an errand's assign list offers, in its order; `None` when it has no list.
fn offered(html: &str, errand: &str) -> Option<Vec<String>> {
    let at = html.find(&format!("id=\"errand-{errand}\""))?;
    let card = &html[at..at + html[at..].find("</li>")?];
    card.find("<select name=\"user_id\"")?;
    Some(
        card.split("<option value=\"")
            .skip(1)
            .map(|o| o[o.find('>').unwrap() + 1..o.find("</option>").unwrap()].to_string())
            .collect(),
    )
}

#[tokio::test]
async fn each_open_errand_offers_to_assign_only_the_volunteers_deployed_where_it_is() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let yude = t.token("worker.yudeli").await;
        let errand = |area: &str, needs: &str| {
            json!({"area_id": area, "address": "3号楼101", "for_whom": "刘奶奶", "needs": needs, "urgency": "today"})
        };
        let here = ask(t, &ling, errand(&t.lingyanli, "降压药")).await["id"].as_str().unwrap().to_string();
        let there = ask(t, &yude, errand(&t.yudeli, "胰岛素")).await["id"].as_str().unwrap().to_string();
        let (admin, _) = t.browser("admin").await;

        // Nobody deployed yet: the city's coordinator is told so under each, with no list.
        let html = t.page("/errands", &admin).await.text();
        for id in [&here, &there] {
            assert_eq!(offered(&html, id), None, "{html}");
            assert!(html.contains(&format!("id=\"no-one-for-{id}\"")), "{html}");
        }
        assert!(html.contains("这里还没有派驻志愿者"), "{html}");

        // 于 (yú) comes after 王 (wáng) for a Chinese reader, though not by code point.
        // 陈静 is deployed at the street above 凌研里, over its worker's own community: the
        // errand may be given to her, so she is offered there and not in 裕德里.
        let yu = t.volunteer("vol.yu", "于洋", &t.lingyanli).await;
        t.volunteer("vol.wang", "王芳", &t.lingyanli).await;
        t.volunteer("vol.zhang", "张伟", &t.yudeli).await;
        let chen = t.volunteer("vol.chen", "陈静", &t.parent_of(&t.lingyanli).await).await;
        let here_offers = Some(["陈静", "王芳", "于洋"].map(String::from).to_vec());
        let html = t.page("/errands", &admin).await.text();
        assert_eq!(offered(&html, &here), here_offers, "{html}");
        assert_eq!(offered(&html, &there), Some(vec!["张伟".to_string()]), "{html}");
        assert!(!html.contains("这里还没有派驻志愿者"), "{html}");

        // The community's worker is offered the street's volunteer too, and may give it to her.
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let html = t.page("/errands", &cookie).await.text();
        assert_eq!(offered(&html, &here), here_offers, "{html}");
        let given = step(t, &ling, &here, json!({"step": "assign", "user_id": chen})).await;
        assert_eq!(given.0, StatusCode::OK, "{:?}", given.1);
        assert_eq!(step(t, &ling, &here, json!({"step": "release"})).await.0, StatusCode::OK);

        // The worker assigns one offered from the page; the errand then offers no one.
        assert!(!html.contains(&there), "another community's errand");
        let r = t
            .post_form(&format!("/errands/{here}/assign"), &cookie, &format!("csrf={csrf}&user_id={yu}"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let html = t.page("/errands", &cookie).await.text();
        assert_eq!(offered(&html, &here), None, "{html}");
        assert!(html.contains("<b>志愿者已接单</b> · 于洋"), "{html}");

        // A volunteer's phone shows the errands to claim, never a list to assign from.
        let (vcookie, _) = t.browser("vol.zhang").await;
        let html = t.page("/errands", &vcookie).await.text();
        assert!(html.contains(&format!("/errands/{there}/claim")), "{html}");
        assert_eq!(offered(&html, &there), None, "{html}");
    })
    .await;
}

#[tokio::test]
async fn an_errands_assign_list_offers_the_first_two_hundred_by_name_and_counts_everyone_else() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let errand = json!({"area_id": t.lingyanli, "address": "3号楼101", "for_whom": "刘奶奶", "needs": "降压药", "urgency": "today"});
        let here = ask(t, &ling, errand).await["id"].as_str().unwrap().to_string();
        // 1,205 deployed in 凌研里 (more deployments than are read at once), and 甲双 both there
        // and at the street above: one person, offered and counted once.
        let street = t.parent_of(&t.lingyanli).await;
        let mut tx = t.app.db.begin().await.unwrap();
        let mut last = String::new();
        for n in 0..1206 {
            let name = if n == 1205 { "甲双".to_string() } else { format!("志愿者{n:04}") };
            let u = sanshe_store::accounts::insert_user(&mut tx, &format!("e.{n}"), &name, "x", false).await.unwrap();
            let places = if n == 1205 { vec![&t.lingyanli, &street] } else { vec![&t.lingyanli] };
            for place in places {
                sanshe_store::accounts::insert_grant(&mut tx, &u.id, sanshe_core::accounts::Role::Volunteer, Some(place), None)
                    .await
                    .unwrap();
            }
            if n == 1204 {
                last = u.id;
            }
        }
        sanshe_store::commit(tx).await.unwrap();
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let html = t.page("/errands", &cookie).await.text();
        let listed = offered(&html, &here).unwrap_or_else(|| panic!("{html}"));
        let mut first: Vec<String> = (0..199).map(|n| format!("志愿者{n:04}")).collect();
        first.insert(0, "甲双".to_string());
        assert_eq!(listed, first, "甲 (jiǎ) before 志 (zhì), each once, two hundred");
        assert!(html.contains(&format!("id=\"more-for-{here}\"")) && html.contains("另有 1006 名志愿者"), "{html}");
        // Someone past the list may still be given the errand.
        let given = step(t, &ling, &here, json!({"step": "assign", "user_id": last})).await;
        assert_eq!(given.0, StatusCode::OK, "{:?}", given.1);
    })
    .await;
}

#[tokio::test]
async fn the_volunteer_holding_an_errand_sees_the_number_to_call_until_it_is_delivered() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let family = t
            .resident("赵敏", &id_for(1980, 2, 2, 14))
            .room("402")
            .in_area(&t.lingyanli_building)
            .by(&worker)
            .await;
        let h = ask(
            t,
            &worker,
            json!({"household_id": family["household_id"], "for_whom": "赵敏", "needs": "退烧药",
            "urgency": "urgent", "contact": "13812345678"}),
        )
        .await;
        let id = h["id"].as_str().unwrap().to_string();
        let phone = format!("/api/v1/help-requests/{id}/phone");
        let (_, vol) = t.with_user("vol.caller", "volunteer", &t.lingyanli).await;
        let (_, other) = t.with_user("vol.other", "volunteer", &t.lingyanli).await;
        // Nobody holds it yet: nobody gets the number, not even the worker (who may reveal it).
        assert_eq!(
            t.get(&phone, Some(&vol)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            t.get(&phone, Some(&worker)).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            step(t, &vol, &id, json!({"step": "claim"})).await.0,
            StatusCode::OK
        );
        let r = t.get(&phone, Some(&vol)).await;
        assert_eq!(
            (r.status, r.json()["phone"].as_str()),
            (StatusCode::OK, Some("13812345678"))
        );
        assert_eq!(
            t.get(&phone, Some(&other)).await.status,
            StatusCode::NOT_FOUND
        );
        // On the phone: a call button on the errand, a tel: link behind it, kept out of caches.
        let (cookie, _) = t.browser("vol.caller").await;
        assert!(
            t.page("/errands", &cookie)
                .await
                .text()
                .contains(&format!("/errands/{id}/call"))
        );
        let call = t.page(&format!("/errands/{id}/call"), &cookie).await;
        assert!(
            call.text().contains("href=\"tel:13812345678\""),
            "{}",
            call.text()
        );
        assert_eq!(call.headers.get("cache-control").unwrap(), "no-store");
        // Each look is audited, naming the masked number only.
        let admin = t.token("admin").await;
        let log = t
            .get("/api/v1/audit?action=help.phone_shown", Some(&admin))
            .await
            .json();
        assert_eq!(log.as_array().map(Vec::len), Some(2), "{log}");
        assert!(!log.to_string().contains("13812345678"));
        // Delivered, the number is hidden again.
        step(t, &vol, &id, json!({"step": "buy", "cost": "12"})).await;
        assert_eq!(
            step(t, &vol, &id, json!({"step": "deliver"})).await.0,
            StatusCode::OK
        );
        assert_eq!(
            t.get(&phone, Some(&vol)).await.status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn finished_errands_are_read_a_page_at_a_time_latest_first_under_the_active_ones() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let (vol, vol_token) = t.with_user("vol.pages", "volunteer", &t.lingyanli).await;
        let errand = |n: usize| {
            json!({"area_id": t.lingyanli, "address": format!("{n}号楼"), "for_whom": "刘奶奶",
                   "needs": format!("第{n}件"), "urgency": "today"})
        };
        let still_open = ask(t, &worker, errand(0)).await["id"]
            .as_str()
            .unwrap()
            .to_string();
        // 52 finished: the volunteer ran every fourth, the others were called off.
        let mut finished = Vec::new();
        for n in 1..=52 {
            let id = ask(t, &worker, errand(n)).await["id"]
                .as_str()
                .unwrap()
                .to_string();
            let steps: &[(&str, Value)] = if n % 4 == 0 {
                &[
                    (&worker, json!({"step": "assign", "user_id": vol})),
                    (&vol_token, json!({"step": "deliver"})),
                ]
            } else {
                &[(&worker, json!({"step": "cancel", "reason": "家属已买"}))]
            };
            for (token, body) in steps {
                let (s, v) = step(t, token, &id, body.clone()).await;
                assert_eq!(s, StatusCode::OK, "{v}");
            }
            finished.push(id);
        }
        finished.reverse();
        let ids = |v: Value| -> Vec<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|h| h["id"].as_str().unwrap().to_string())
                .collect()
        };

        // The API: the active ones, then `limit` finished, latest first; `before` goes on.
        let first = ids(t
            .get("/api/v1/help-requests?limit=20", Some(&worker))
            .await
            .json());
        assert_eq!(first[0], still_open);
        assert_eq!(first[1..], finished[..20]);
        let next = format!("/api/v1/help-requests?limit=20&before={}", finished[19]);
        assert_eq!(
            ids(t.get(&next, Some(&worker)).await.json()),
            finished[20..40]
        );
        let last = format!("/api/v1/help-requests?limit=20&before={}", finished[39]);
        assert_eq!(
            ids(t.get(&last, Some(&worker)).await.json()),
            finished[40..]
        );
        let active = ids(t
            .get("/api/v1/help-requests?active=true", Some(&worker))
            .await
            .json());
        assert_eq!(active, std::slice::from_ref(&still_open));
        let cursor_ignored = format!("/api/v1/help-requests?active=true&before={}", finished[19]);
        assert_eq!(
            ids(t.get(&cursor_ignored, Some(&worker)).await.json()),
            active
        );
        let empty_cursor = ids(t
            .get("/api/v1/help-requests?limit=20&before=", Some(&worker))
            .await
            .json());
        assert_eq!(empty_cursor, first, "an empty cursor is the first page");
        // A volunteer's finished ones are those they ran, paged the same way.
        let ran: Vec<String> = finished
            .iter()
            .enumerate()
            .filter(|(i, _)| (52 - i) % 4 == 0)
            .map(|(_, id)| id.clone())
            .collect();
        assert_eq!(ran.len(), 13);
        let theirs = ids(t
            .get("/api/v1/help-requests?limit=10", Some(&vol_token))
            .await
            .json());
        assert_eq!(
            (theirs[0].as_str(), &theirs[1..]),
            (still_open.as_str(), &ran[..10])
        );
        let more = format!("/api/v1/help-requests?limit=10&before={}", ran[9]);
        assert_eq!(ids(t.get(&more, Some(&vol_token)).await.json()), ran[10..]);

        // The page: 50 finished under the open one, then a link to the rest.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let html = t.page("/errands?all=1", &cookie).await.text();
        let shown = |html: &str| html.matches("data-errand=\"").count();
        assert_eq!(shown(&html), 51, "{html}");
        assert!(
            html.contains("第0件") && html.contains("第52件") && !html.contains("第2件<"),
            "{html}"
        );
        let href = support::pager_link(&html, "next-page").expect("a next page");
        assert_eq!(href, format!("/errands?all=1&before={}", finished[49]));
        let rest = t.page(&href, &cookie).await.text();
        assert_eq!(shown(&rest), 2, "{rest}");
        assert!(
            rest.contains("第2件") && rest.contains("第1件") && !rest.contains("第0件"),
            "{rest}"
        );
        assert!(
            !rest.contains("id=\"next-page\"") && rest.contains("href=\"/errands?all=1\""),
            "{rest}"
        );
        // The active list has no pager.
        assert!(
            !t.page("/errands", &cookie)
                .await
                .text()
                .contains("id=\"next-page\"")
        );
    })
    .await;
}

#[tokio::test]
async fn the_errands_sheet_holds_every_errand_in_scope_with_what_was_advanced_and_no_phone() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let (vol, vol_token) = t.with_user("vol.sheet", "volunteer", &t.lingyanli).await;
        let errand = |needs: &str, urgency: &str| {
            json!({"area_id": t.lingyanli, "address": "3号楼101", "for_whom": "刘奶奶",
                   "needs": needs, "urgency": urgency, "contact": "13812345678"})
        };
        let bought = ask(t, &worker, errand("降压药", "urgent")).await;
        let id = bought["id"].as_str().unwrap();
        for (token, body) in [
            (&worker, json!({"step": "assign", "user_id": vol})),
            (&vol_token, json!({"step": "buy", "cost": "23.5"})),
            (&vol_token, json!({"step": "deliver"})),
        ] {
            let (s, v) = step(t, token, id, body).await;
            assert_eq!(s, StatusCode::OK, "{v}");
        }
        ask(t, &worker, errand("消毒液", "soon")).await;

        let (cookie, _) = t.browser("worker.lingyanli").await;
        let page = t.page("/errands", &cookie).await.text();
        assert!(page.contains("href=\"/errands/export.xlsx\""), "{page}");
        let r = t.page("/errands/export.xlsx", &cookie).await;
        assert_eq!(r.status, StatusCode::OK);
        let table = sanshe_app::sheets::read_table(&r.bytes).unwrap();
        assert_eq!(
            (
                table[0][0].as_str(),
                table[0][7].as_str(),
                table[0][8].as_str()
            ),
            ("登记时间", "垫付金额（元）", "送达时间")
        );
        assert_eq!(table.len(), 3, "{table:?}");
        let row = |needs: &str| table.iter().find(|r| r[3] == needs).unwrap().clone();
        let done = row("降压药");
        assert_eq!(
            (
                done[4].as_str(),
                done[5].as_str(),
                done[6].as_str(),
                done[7].as_str(),
                done[9].as_str()
            ),
            ("很急（4小时内）", "已送到", "vol.sheet", "23.50", "否")
        );
        assert!(done[8].starts_with("20"), "delivered at: {done:?}");
        let waiting = row("消毒液");
        assert_eq!(
            (
                waiting[5].as_str(),
                waiting[7].as_str(),
                waiting[8].as_str()
            ),
            ("已登记，等待志愿者", "", "")
        );
        assert!(
            table.iter().flatten().all(|cell| !cell.contains("5678")),
            "the contact's phone is not in the sheet"
        );
        // A volunteer's phone shows their errands, not a sheet.
        let (vcookie, _) = t.browser("vol.sheet").await;
        let theirs = t.page("/errands", &vcookie).await.text();
        assert!(
            theirs.contains("消毒液") && !theirs.contains("errands-export"),
            "{theirs}"
        );
        // Another community's worker gets the header alone.
        let (yude, _) = t.browser("worker.yudeli").await;
        let theirs = t.page("/errands/export.xlsx", &yude).await;
        assert_eq!(
            sanshe_app::sheets::read_table(&theirs.bytes).unwrap().len(),
            1
        );
    })
    .await;
}

/// However many errands run late at once, one watch raises an alert for each of them, and the
/// next raises none: the watch reads a thousand at a time until none is left.
#[tokio::test]
async fn every_late_errand_alerts_in_one_watch_however_many_there_are() {
    on_both(async |t| {
        let batch = sanshe_store::help::OVERDUE_BATCH;
        let now = t.app.clock.now_ms();
        let mut conn = t.app.db.conn().await.unwrap();
        let area = sanshe_store::areas::get(&mut conn, &t.lingyanli)
            .await
            .unwrap();
        drop(conn);
        let mut tx = t.app.db.begin().await.unwrap();
        for n in 0..batch + 3 {
            let errand = sanshe_store::help::HelpRow {
                id: sanshe_store::new_id(),
                area_path: area.path.clone(),
                household_id: None,
                address: format!("5号楼 1单元 {}", 100 + n),
                for_whom: "王奶奶".into(),
                needs: "降压药".into(),
                urgency: sanshe_core::help::Urgency::Today,
                vulnerable: false,
                contact_cipher: None,
                contact_masked: None,
                status: sanshe_core::help::HelpStatus::Open,
                volunteer_id: None,
                asked_at: now - 10 * 3_600_000,
                // Run late an hour ago, the oldest first.
                due_at: now - 3_600_000 + n as i64,
                bought_at: None,
                delivered_at: None,
                cancelled_at: None,
                cancel_reason: None,
                cost_fen: None,
                created_by: "worker.lingyanli".into(),
                link_hash: sanshe_store::new_id(),
                confirmed_at: None,
            };
            sanshe_store::help::insert(&mut *tx, &errand).await.unwrap();
        }
        sanshe_store::commit(tx).await.unwrap();
        let w = sanshe_app::rotas::watch(&t.app).await.unwrap();
        assert_eq!(w.overdue, batch + 3, "the newest too");
        assert_eq!(
            sanshe_app::rotas::watch(&t.app).await.unwrap().overdue,
            0,
            "once"
        );
    })
    .await;
}
