//! Needs and commitments (需求对接) over HTTP on SQLite and PostgreSQL: who sees a need, people
//! committed are booked into its shifts within the booking limits, the community confirms and
//! closes, and two organizations answering at once on two nodes both count.

mod support;

use axum::http::StatusCode;
use chrono::Duration;
use serde_json::{Value, json};
use support::{TestApp, on_both};

fn code(v: &Value) -> String {
    v["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// An active linkage of 若水 with 凌研里 taking on `duties`.
async fn link(t: &TestApp, org: &str, worker: &str, duties: Value) {
    let l = t
        .post_json(
            &format!("/api/v1/organizations/{}/linkages", t.ruoshui),
            Some(org),
            json!({"community_id": t.lingyanli, "duties": duties}),
        )
        .await
        .json();
    let r = t
        .post_json(
            &format!("/api/v1/linkages/{}/accept", l["id"].as_str().unwrap()),
            Some(worker),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
}

/// A member of 若水, deployed to 凌研里 unless `deploy` is false: their id.
async fn member(t: &TestApp, org: &str, username: &str, deploy: bool) -> String {
    let r = t
        .post_json(
            "/api/v1/users",
            Some(org),
            json!({"username": username, "display_name": username,
            "password": support::PASSWORD, "role": "volunteer", "organization_id": t.ruoshui}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_string();
    t.has_set_own_password(&id).await;
    if deploy {
        let d = t
            .post_json(
                &format!(
                    "/api/v1/organizations/{}/members/{id}/deployments",
                    t.ruoshui
                ),
                Some(org),
                json!({"area_id": t.lingyanli}),
            )
            .await;
        assert_eq!(d.status, StatusCode::CREATED, "{}", d.text());
    }
    id
}

#[tokio::test]
async fn people_committed_to_a_need_are_booked_into_its_shifts_within_the_limits() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let worker = t.token("worker.lingyanli").await;
        // A night gate: 20:00–08:00 in one 12-hour shift of 4 people.
        let post = t.rota_post("夜班卡口").covering("20:00", 12, 12).with("people", 4);
        let post_id = post.by(&worker).await;
        // The form offers it under the place it guards, where posts of other compounds named
        // alike can be told apart.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let form = t.page("/needs", &cookie).await.text();
        let group = &form[form.find("<optgroup label=\"凌研里社区\">").unwrap_or_else(|| panic!("{form}"))..];
        assert!(group[..group.find("</optgroup>").unwrap()].contains(&format!("<option value=\"{post_id}\">夜班卡口</option>")), "{form}");
        let d1 = t.app.clock.today() + Duration::days(1);
        t.make_shifts(&worker, &post_id, d1.to_string(), 3).await;
        let need = |body: Value| {
            let (t, worker) = (&t, worker.clone());
            async move { t.post_json("/api/v1/needs", Some(&worker), body).await }
        };
        let base = json!({"area_id": t.lingyanli, "kind": "people", "title": "夜班卡口 每晚 4 人", "post_id": post_id,
            "wanted": 3, "from": d1.to_string(), "to": (d1 + Duration::days(1)).to_string(), "urgency": "urgent"});
        // Bad needs are refused field by field.
        let mut bad = base.clone();
        bad["wanted"] = json!(0);
        bad["to"] = json!((d1 - Duration::days(1)).to_string());
        bad["post_id"] = json!("nope");
        bad["urgency"] = json!("asap");
        bad["audience"] = json!("everyone");
        let codes: Vec<String> = need(bad).await.json()["errors"].as_array().unwrap().iter()
            .map(|e| e["code"].as_str().unwrap().to_string()).collect();
        assert_eq!(codes, ["err-need-audience", "err-need-urgency", "err-date-order", "err-need-wanted", "err-need-post"]);
        // A need is a community's, not a building's.
        let mut building = base.clone();
        building["area_id"] = json!(t.lingyanli_building);
        assert_eq!(code(&need(building).await.json()), "err-not-a-community");
        // An organization's admin posts no needs for a community.
        assert_eq!(t.post_json("/api/v1/needs", Some(&org), base.clone()).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        let n = need(base.clone()).await;
        assert_eq!(n.status, StatusCode::CREATED, "{}", n.text());
        let n = n.json();
        let id = n["id"].as_str().unwrap().to_string();
        assert_eq!((n["status"].as_str(), n["committed"].as_i64()), (Some("open"), Some(0)));
        assert_eq!((n["urgency"].as_str(), n["audience"].as_str()), (Some("urgent"), Some("linked")), "a blank audience is the linked organizations");

        // Not linked, 若水 does not see it.
        assert_eq!(t.get("/api/v1/needs", Some(&org)).await.json()["items"], json!([]));
        assert_eq!(t.get(&format!("/api/v1/needs/{id}"), Some(&org)).await.status, StatusCode::NOT_FOUND);
        link(t, &org, &worker, json!(["gate_duty"])).await;
        assert_eq!(t.get("/api/v1/needs", Some(&org)).await.json()["items"][0]["id"], id.as_str());

        let zhang = member(t, &org, "vol.zhang", true).await;
        let wang = member(t, &org, "vol.wang", true).await;
        let far = member(t, &org, "vol.far", false).await;
        // Its admin's answer form offers its people; a name narrows them.
        let (org_cookie, _) = t.browser("org.ruoshui").await;
        let offered = |html: &str| ["vol.zhang", "vol.wang", "vol.far"].into_iter().filter(|n| html.contains(&format!("{n} <span"))).count();
        assert_eq!(offered(&t.page(&format!("/needs/{id}"), &org_cookie).await.text()), 3);
        let narrowed = t.page(&format!("/needs/{id}?q=vol.w"), &org_cookie).await.text();
        assert_eq!(offered(&narrowed), 1, "{narrowed}");
        assert!(narrowed.contains("找到 1 人，下面最多列出按姓名排序的前 500 人") && narrowed.contains(&format!("value=\"{wang}\"")), "{narrowed}");
        // A need for supplies is answered with a note, not people: its form lists none.
        let supplies = json!({"area_id": t.lingyanli, "kind": "service", "service": "supplies", "title": "消毒液 20 箱",
            "from": d1.to_string(), "to": d1.to_string()});
        let supplies = need(supplies).await;
        assert_eq!(supplies.status, StatusCode::CREATED, "{}", supplies.text());
        let form = t.page(&format!("/needs/{}", supplies.json()["id"].as_str().unwrap()), &org_cookie).await.text();
        assert!(form.contains("id=\"commit-") && !form.contains("name=\"user_ids\"") && offered(&form) == 0, "{form}");
        let commit = |people: Vec<&str>| {
            let (t, org, id) = (&t, org.clone(), id.clone());
            let people: Vec<String> = people.into_iter().map(String::from).collect();
            async move {
                t.post_json(&format!("/api/v1/needs/{id}/commitments"), Some(&org),
                    json!({"organization_id": t.ruoshui, "user_ids": people, "note": "张磊带队 139****0001"}))
                    .await
            }
        };
        assert_eq!(code(&commit(vec![&far]).await.json()), "err-rota-not-deployed");
        let outsider = t.with_user("vol.outsider", "volunteer", &t.lingyanli).await.0;
        assert_eq!(code(&commit(vec![&outsider]).await.json()), "err-need-not-member");
        let c = commit(vec![&zhang, &wang]).await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
        assert_eq!((c.json()["people"].as_i64(), c.json()["shifts_booked"].as_i64()), (Some(2), Some(4)), "two nights each");
        // Booked already on those nights: the limits leave zhang nothing, and nothing is counted.
        assert_eq!(code(&commit(vec![&zhang]).await.json()), "err-need-nothing-booked");
        let (detail, rota) = (
            t.get(&format!("/api/v1/needs/{id}"), Some(&worker)).await.json(),
            t.get(&format!("/api/v1/shifts?area={}&from={d1}&days=2", t.lingyanli), Some(&worker)).await.json(),
        );
        assert_eq!((detail["need"]["committed"].as_i64(), detail["need"]["status"].as_str()), (Some(2), Some("partly_met")));
        let holders: Vec<usize> = rota["posts"][0]["shifts"].as_array().unwrap().iter()
            .map(|s| s["holders"].as_array().unwrap().len()).collect();
        assert_eq!(holders, [2, 2], "on the rota, both nights");
        // The organization's list says what it has committed itself; the community's does not.
        let ours = async |token: &str| {
            let page = t.get("/api/v1/needs", Some(token)).await.json();
            let items = page["items"].as_array().unwrap().clone();
            items.iter().find(|n| n["id"] == id.as_str()).map(|n| n["ours"].clone())
        };
        assert_eq!(ours(&org).await, Some(json!(2)));
        assert_eq!(ours(&worker).await, Some(json!(0)));
        let (org_cookie, _) = t.browser("org.ruoshui").await;
        let listed = t.page("/needs", &org_cookie).await.text();
        assert!(listed.contains("<span class=\"tag need-ours\">本机构已承诺 2</span>"), "{listed}");
        // Its workbook says so too, in a column of its own; the community's has none.
        let rows = sanshe_app::sheets::read_table(&t.page("/needs/export.xlsx", &org_cookie).await.bytes).unwrap();
        assert_eq!(rows[0].last().map(String::as_str), Some("本机构已承诺"));
        let row = rows.iter().find(|r| r[2] == "夜班卡口 每晚 4 人").expect("the need");
        assert_eq!(row.last().map(String::as_str), Some("2"), "{rows:?}");
        let (worker_cookie, _) = t.browser("worker.lingyanli").await;
        let rows = sanshe_app::sheets::read_table(&t.page("/needs/export.xlsx", &worker_cookie).await.bytes).unwrap();
        assert!(!rows[0].iter().any(|h| h == "本机构已承诺"), "{rows:?}");

        // The community confirms and closes; nothing more is taken.
        let cid = detail["commitments"][0]["id"].as_str().unwrap();
        assert_eq!(t.post_json(&format!("/api/v1/needs/{id}/commitments/{cid}/confirm"), Some(&org), json!({})).await.status,
            StatusCode::NOT_FOUND, "the organization does not confirm its own answer");
        assert_eq!(t.post_json(&format!("/api/v1/needs/{id}/commitments/{cid}/confirm"), Some(&worker), json!({})).await.status, StatusCode::NO_CONTENT);
        assert_eq!(t.post_json(&format!("/api/v1/needs/{id}/close"), Some(&worker), json!({})).await.status, StatusCode::NO_CONTENT);
        let third = member(t, &org, "vol.third", true).await;
        assert_eq!(code(&commit(vec![&third]).await.json()), "err-need-closed");
    })
    .await;
}

#[tokio::test]
async fn a_city_wide_need_reaches_every_organization_and_two_answers_at_once_on_two_nodes_count() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let admin = t.token("admin").await;
        let d1 = t.app.clock.today() + Duration::days(1);
        let body = |audience: &str| json!({"area_id": t.lingyanli, "kind": "service", "service": "counseling", "title": "心理疏导",
            "from": d1.to_string(), "to": d1.to_string(), "audience": audience});
        let linked = t.post_json("/api/v1/needs", Some(&worker), body("linked")).await.json();
        let city = t.post_json("/api/v1/needs", Some(&worker), body("city")).await.json();
        assert_eq!(city["wanted"], 1, "a service is one");
        // 睦邻, linked nowhere, sees only the city-wide need.
        let other = t.post_json("/api/v1/organizations", Some(&admin),
            json!({"kind": "social_work_agency", "name": "天津市睦邻社会工作服务中心", "home_area_id": t.city})).await.json();
        t.post_json("/api/v1/users", Some(&admin), json!({"username": "org.mulin", "display_name": "睦邻", "password": support::PASSWORD,
            "role": "org_admin", "organization_id": other["id"]})).await;
        let mulin = t.first_token("org.mulin", support::PASSWORD).await;
        let org = t.token("org.ruoshui").await;
        let seen: Vec<String> = t.get("/api/v1/needs", Some(&mulin)).await.json()["items"].as_array().unwrap().iter()
            .map(|n| n["id"].as_str().unwrap().to_string()).collect();
        assert_eq!(seen, [city["id"].as_str().unwrap()]);
        assert_eq!(t.get(&format!("/api/v1/needs/{}", linked["id"].as_str().unwrap()), Some(&mulin)).await.status, StatusCode::NOT_FOUND);
        // A worker of another community sees neither.
        let yude = t.token("worker.yudeli").await;
        assert_eq!(t.get("/api/v1/needs", Some(&yude)).await.json(), json!({"items": [], "total": 0, "next": null}));

        // Both organizations answer at once, one on each node: both count.
        let second = t.second_node().await;
        let path = format!("/api/v1/needs/{}/commitments", city["id"].as_str().unwrap());
        let (a, b) = tokio::join!(
            t.post_json(&path, Some(&org), json!({"organization_id": t.ruoshui})),
            second.post_json(&path, Some(&mulin), json!({"organization_id": other["id"]})),
        );
        assert_eq!((a.status, b.status), (StatusCode::CREATED, StatusCode::CREATED), "{} {}", a.text(), b.text());
        let n = t.get(&format!("/api/v1/needs/{}", city["id"].as_str().unwrap()), Some(&worker)).await.json();
        assert_eq!((n["need"]["committed"].as_i64(), n["need"]["status"].as_str()), (Some(2), Some("met")));
        assert_eq!(n["commitments"].as_array().unwrap().len(), 2);
        second.finish().await;
    })
    .await;
}

#[tokio::test]
async fn a_need_is_posted_and_answered_on_its_pages_and_a_rejected_form_keeps_what_was_typed() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let worker = t.token("worker.lingyanli").await;
        link(t, &org, &worker, json!(["counseling"])).await;
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        // A fresh form offers every choice, the usual one ticked.
        let fresh = t.page("/needs", &cookie).await.text();
        for offered in ["value=\"people\" checked", "value=\"service\">", "value=\"normal\" checked", "value=\"urgent\">", "value=\"linked\" checked", "value=\"city\">"] {
            assert!(fresh.contains(offered), "{offered} in {fresh}");
        }
        let d1 = t.app.clock.today() + Duration::days(1);
        let bad = t
            .post_form("/needs", &cookie, &format!("csrf={csrf}&area_id={}&kind=service&title=%E5%BF%83%E7%90%86%E7%96%8F%E5%AF%BC&service=&from={d1}&to={d1}&urgency=urgent&audience=linked&detail=%E7%8B%AC%E5%B1%85%E8%80%81%E4%BA%BA", t.lingyanli))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text();
        assert!(html.contains("id=\"error-service\""), "{html}");
        for kept in ["value=\"心理疏导\"", "独居老人</textarea>", "value=\"urgent\" checked", "value=\"service\" checked"] {
            assert!(html.contains(kept), "{kept} kept");
        }
        let ok = t
            .post_form("/needs", &cookie, &format!("csrf={csrf}&area_id={}&kind=service&title=%E5%BF%83%E7%90%86%E7%96%8F%E5%AF%BC&service=counseling&from={d1}&to={d1}&urgency=urgent&audience=linked", t.lingyanli))
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        let need_path = ok.headers["location"].to_str().unwrap().to_string();
        // 若水's admin finds it on the list and answers it on its page.
        let (org_cookie, org_csrf) = t.browser("org.ruoshui").await;
        let listed = t.page("/needs", &org_cookie).await.text();
        assert!(listed.contains(&need_path));
        // A need runs from one day to another: the column says so of the two dates it shows.
        assert!(listed.contains(&format!("data-label=\"起止日期\">{d1} – {d1}</td>")), "{listed}");
        // Its home page says one need is waiting, next to its people.
        let home = t.page("/", &org_cookie).await.text();
        let tiles = &home[home.find("id=\"home-organization\"").expect("the organization's tiles")..];
        assert!(tiles.contains("天津市若水社会工作服务中心") && tiles.contains("<b>1</b>待响应的需求"), "{home}");
        assert!(!home.contains("action=\"/residents\""), "an organization keeps no registry");
        let answered = t
            .post_form(&format!("{need_path}/commitments"), &org_cookie,
                &format!("csrf={org_csrf}&organization_id={}&note=%E6%9D%8E%E8%80%81%E5%B8%88", t.ruoshui))
            .await;
        assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.text());
        let page = t.page(&need_path, &cookie).await.text();
        assert!(page.contains("1 / 1") && page.contains("已满足") && page.contains("李老师"), "{page}");
    })
    .await;
}

#[tokio::test]
async fn notices_reach_exactly_their_audience_and_count_each_reader_once() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let worker = t.token("worker.lingyanli").await;
        link(t, &org, &worker, json!(["errands"])).await;
        let there = member(t, &org, "vol.there", true).await;
        let _home = member(t, &org, "vol.home", false).await;
        // Its admin's home counts each member once, deployed or not.
        let (org_cookie, _) = t.browser("org.ruoshui").await;
        let home = t.page("/", &org_cookie).await.text();
        assert!(home.contains("<b>2</b>天津市若水社会工作服务中心"), "{home}");
        let (_, own) = t.with_user("vol.own", "volunteer", &t.lingyanli).await;
        let (_, far) = t.with_user("vol.far", "volunteer", &t.yudeli).await;
        let send = |token: String, body: Value| {
            let t = &t;
            async move { t.post_json("/api/v1/notices", Some(&token), body).await }
        };
        // 若水 to all its members; then only to those deployed in 凌研里.
        let all = send(org.clone(), json!({"organization_id": t.ruoshui, "title": "今晚降温，执勤带好棉衣"})).await;
        assert_eq!(all.status, StatusCode::CREATED, "{}", all.text());
        assert_eq!(all.json()["audience"], 2);
        let here = send(org.clone(), json!({"organization_id": t.ruoshui, "community_id": t.lingyanli, "title": "凌研里集合"})).await.json();
        assert_eq!(here["audience"], 1);
        // The community's worker to the people deployed there (its own volunteer and 若水's).
        let community = send(worker.clone(), json!({"area_id": t.lingyanli, "title": "卡口换岗时间调整"})).await.json();
        assert_eq!(community["audience"], 2, "{community}");
        // A worker cannot send as an organization; nobody sends over an area not theirs.
        assert_eq!(send(worker.clone(), json!({"organization_id": t.ruoshui, "title": "x"})).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(send(worker.clone(), json!({"area_id": t.yudeli, "title": "x"})).await.status, StatusCode::UNPROCESSABLE_ENTITY);

        let titles = |token: String| {
            let t = &t;
            async move {
                let v = t.get("/api/v1/notices", Some(&token)).await.json();
                v["items"].as_array().unwrap().iter().map(|n| n["title"].as_str().unwrap().to_string()).collect::<Vec<_>>()
            }
        };
        let there_token = t.token("vol.there").await;
        assert_eq!(titles(there_token.clone()).await, ["卡口换岗时间调整", "凌研里集合", "今晚降温，执勤带好棉衣"]);
        assert_eq!(titles(t.token("vol.home").await).await, ["今晚降温，执勤带好棉衣"]);
        assert_eq!(titles(own).await, ["卡口换岗时间调整"]);
        assert_eq!(titles(far.clone()).await, Vec::<String>::new());

        // Read twice, counted once; someone it was not sent to cannot mark it.
        let id = all.json()["id"].as_str().unwrap().to_string();
        // Before anyone reads it, both members are on its unread list, a page at a time by
        // user name.
        let unread = format!("/api/v1/notices/{id}/unread");
        let usernames = |people: Vec<Value>| -> Vec<String> {
            people.iter().map(|p| p["username"].as_str().unwrap().to_string()).collect()
        };
        let (people, total) = t.every_page(&format!("{unread}?limit=1"), &org).await;
        assert_eq!((usernames(people), total), (vec!["vol.home".to_string(), "vol.there".to_string()], 2));
        for _ in 0..2 {
            let r = t.post_json(&format!("/api/v1/notices/{id}/read"), Some(&there_token), json!({})).await;
            assert_eq!(r.status, StatusCode::NO_CONTENT);
        }
        assert_eq!(t.post_json(&format!("/api/v1/notices/{id}/read"), Some(&far), json!({})).await.status, StatusCode::NOT_FOUND);
        let sent = t.get("/api/v1/notices/sent", Some(&org)).await.json();
        let counted = sent["items"].as_array().unwrap().iter().find(|n| n["id"] == id.as_str()).unwrap().clone();
        assert_eq!((counted["read_count"].as_i64(), counted["audience"].as_i64()), (Some(1), Some(2)));
        // Its unread list holds who has not read it, for its sender only.
        let (people, total) = t.every_page(&unread, &org).await;
        assert_eq!((usernames(people), total), (vec!["vol.home".to_string()], 1));
        for other in [&worker, &there_token] {
            assert_eq!(t.get(&unread, Some(other)).await.status, StatusCode::NOT_FOUND);
        }
        assert_eq!(t.get("/api/v1/notices/no-such/unread", Some(&org)).await.status, StatusCode::NOT_FOUND);
        // The sender's page leads from the read count to the list, and on to its workbook.
        let page = t.page("/notices", &org_cookie).await.text();
        assert!(page.contains(&format!("href=\"/notices/{id}/unread\"")), "{page}");
        let page = t.page(&format!("/notices/{id}/unread"), &org_cookie).await.text();
        assert!(page.contains("id=\"unread-total\">1<") && page.contains("vol.home"), "{page}");
        assert!(!page.contains(">vol.there<"), "{page}");
        let sheet = t.page(&format!("/notices/{id}/unread.xlsx"), &org_cookie).await;
        let rows = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert_eq!((rows.len(), rows[0][1].as_str(), rows[1][1].as_str()), (2, "用户名", "vol.home"));
        let (wc, _) = t.browser("worker.lingyanli").await;
        assert_eq!(t.page(&format!("/notices/{id}/unread.xlsx"), &wc).await.status, StatusCode::NOT_FOUND);
        // On the member's home page: read ones without the button.
        let (cookie, _) = t.browser("vol.there").await;
        let home = t.page("/", &cookie).await.text();
        assert!(home.contains("今晚降温") && home.contains("凌研里集合"), "{home}");
        assert_eq!(home.matches("/read\"").count(), 2, "two unread keep their button");
        // To one team: its members only, decided when read (a member added later sees it).
        let home_id = _home;
        let team = t
            .post_json("/api/v1/teams", Some(&org), json!({"organization_id": t.ruoshui, "name": "第一小组", "leader_id": there}))
            .await;
        assert_eq!(team.status, StatusCode::CREATED, "{}", team.text());
        let team_id = team.json()["id"].as_str().unwrap().to_string();
        let to_team = send(org.clone(), json!({"organization_id": t.ruoshui, "team_id": team_id, "title": "第一小组今晚集合"})).await;
        assert_eq!(to_team.status, StatusCode::CREATED, "{}", to_team.text());
        assert_eq!(to_team.json()["audience"], 1);
        assert_eq!(titles(there_token.clone()).await[0], "第一小组今晚集合");
        assert!(!titles(t.token("vol.home").await).await.contains(&"第一小组今晚集合".to_string()));
        // A team of no organization of the sender's, or on an area's notice, is refused.
        let r = send(worker.clone(), json!({"area_id": t.lingyanli, "team_id": team_id, "title": "x"})).await;
        assert_eq!((r.status, code(&r.json()).as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "err-not-found"));
        let r = send(org.clone(), json!({"organization_id": t.ruoshui, "team_id": "no-such-team", "title": "x"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        // From the page: the team is offered, and a team on the community's notice is said
        // under the team field with what was typed kept.
        let (org_cookie, org_csrf) = t.browser("org.ruoshui").await;
        let page = t.page("/notices", &org_cookie).await.text();
        assert!(page.contains(&format!("value=\"{team_id}\"")) && page.contains("第一小组"), "{page}");
        // Its people in one community: chosen from the city's communities by district and street.
        let group = &page[page.find("<optgroup label=\"南开区 · 体育中心街道\">").unwrap_or_else(|| panic!("{page}"))..];
        assert!(group[..group.find("</optgroup>").unwrap()].contains(&format!("<option value=\"{}\">凌研里社区</option>", t.lingyanli)), "{page}");
        let (wc, wcsrf) = t.browser("worker.lingyanli").await;
        let r = t
            .post_form("/notices", &wc, &format!("csrf={wcsrf}&sender=area:{}&team_id={team_id}&title=%E9%9B%86%E5%90%88", t.lingyanli))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let r = t
            .post_form("/notices", &org_cookie, &format!("csrf={org_csrf}&sender=organization:{}&team_id={team_id}&title=%E5%B0%8F%E7%BB%84%E9%9B%86%E5%90%88", t.ruoshui))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(titles(there_token.clone()).await[0], "小组集合");
        // Fifty more to that team do not push a member outside it off their own list: they still
        // see, and may mark, the one meant for everyone.
        for _ in 0..50 {
            let r = send(org.clone(), json!({"organization_id": t.ruoshui, "team_id": team_id, "title": "第一小组换岗"})).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let home_token = t.token("vol.home").await;
        assert_eq!(titles(home_token.clone()).await, ["今晚降温，执勤带好棉衣"]);
        let r = t.post_json(&format!("/api/v1/notices/{id}/read"), Some(&home_token), json!({})).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        let _ = home_id;
        // Everyone has read it now.
        assert_eq!(t.every_page(&unread, &org).await.1, 0);
        let page = t.page(&format!("/notices/{id}/unread"), &org_cookie).await.text();
        assert!(page.contains("id=\"all-read\"") && !page.contains("unread-export"), "{page}");
    })
    .await;
}

#[tokio::test]
async fn notices_are_read_a_page_at_a_time_newest_first_each_once() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        link(
            t,
            &org,
            &t.token("worker.lingyanli").await,
            json!(["errands"]),
        )
        .await;
        member(t, &org, "vol.many", true).await;
        for n in 1..=23 {
            t.app.clock.advance(Duration::seconds(1));
            let body = json!({"organization_id": t.ruoshui, "title": format!("第{n:02}号通知")});
            let r = t.post_json("/api/v1/notices", Some(&org), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let newest_first: Vec<String> = (1..=23).rev().map(|n| format!("第{n:02}号通知")).collect();
        // The member's list, ten at a time: every notice once, newest first, the total on each.
        let token = t.token("vol.many").await;
        let (seen, total) = t.every_page("/api/v1/notices?limit=10", &token).await;
        let seen: Vec<String> = seen
            .iter()
            .map(|n| n["title"].as_str().unwrap().to_string())
            .collect();
        assert_eq!((seen, total), (newest_first, 23));
        // The sender's list pages the same way, each notice with its reach.
        let sent = t
            .get("/api/v1/notices/sent?limit=5", Some(&org))
            .await
            .json();
        assert_eq!(
            (
                sent["total"].as_i64(),
                sent["items"].as_array().map(Vec::len)
            ),
            (Some(23), Some(5))
        );
        assert_eq!(
            (
                sent["items"][0]["title"].as_str(),
                sent["items"][0]["audience"].as_i64()
            ),
            (Some("第23号通知"), Some(1))
        );
        for bad in [
            "/api/v1/notices?after=zz",
            "/api/v1/notices/sent?after=e78e8b",
        ] {
            let r = t.get(bad, Some(&token)).await;
            assert_eq!(
                (r.status, r.json()["errors"][0]["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some("after")),
                "{bad}"
            );
        }
        // Home shows the newest ten of 23, and leads on to the rest on the notices page.
        let (cookie, _) = t.browser("vol.many").await;
        let home = t.page("/", &cookie).await.text();
        assert!(home.contains("动员通知 (23)"), "{home}");
        assert_eq!(home.matches("class=\"notice-item").count(), 10, "{home}");
        assert!(
            home.contains("第14号通知") && !home.contains("第13号通知"),
            "{home}"
        );
        let rest = t
            .page(
                &support::pager_link(&home, "next-notices").expect("a link to the rest"),
                &cookie,
            )
            .await
            .text();
        assert_eq!(rest.matches("class=\"notice-item").count(), 13, "{rest}");
        assert!(
            rest.contains("第13号通知")
                && rest.contains("第01号通知")
                && !rest.contains("第14号通知"),
            "{rest}"
        );
        // The sender's page: twenty sent, then the other three a page on.
        let (org_cookie, _) = t.browser("org.ruoshui").await;
        let page = t.page("/notices", &org_cookie).await.text();
        assert!(page.contains("已发出的通知 (23)"), "{page}");
        assert_eq!(page.matches("class=\"sent-notice\"").count(), 20, "{page}");
        let more = t
            .page(
                &support::pager_link(&page, "next-sent").expect("a next page of sent"),
                &org_cookie,
            )
            .await
            .text();
        assert_eq!(more.matches("class=\"sent-notice\"").count(), 3, "{more}");
        assert!(
            more.contains("第01号通知") && !more.contains("第04号通知"),
            "{more}"
        );
    })
    .await;
}

#[tokio::test]
async fn an_urgent_need_reaches_the_addressed_organizations_robots_and_an_unmet_one_alerts_in_time()
{
    on_both(async |t| {
        let (base, rx) = support::start_receiver(0).await;
        let org = t.token("org.ruoshui").await;
        let worker = t.token("worker.lingyanli").await;
        let admin = t.token("admin").await;
        // 若水's admin adds its own robot; a community worker cannot add one for 若水.
        let robot = json!({"area_id": t.lingyanli, "name": "若水志愿者群", "kind": "json",
            "url": format!("{base}/ruoshui"), "organization_id": t.ruoshui});
        let r = t.post_json("/api/v1/webhooks", Some(&worker), robot.clone()).await;
        assert_eq!((r.status, code(&r.json()).as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "err-organization-not-found"));
        let r = t.post_json("/api/v1/webhooks", Some(&org), robot).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(t.get("/api/v1/webhooks", Some(&org)).await.json()[0]["name"], "若水志愿者群");
        // The area's robot, which hears the area's alerts.
        let r = t
            .post_json("/api/v1/webhooks", Some(&admin), json!({"area_id": t.lingyanli, "name": "凌研里社区防控群",
                "kind": "json", "url": format!("{base}/lingyanli")}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

        let today = t.app.clock.today();
        let need = |title: &str, urgency: &str, hours: i64| {
            let (t, worker) = (&t, worker.clone());
            let body = json!({"area_id": t.lingyanli, "kind": "service", "service": "supplies", "title": title,
                "from": today.to_string(), "to": today.to_string(), "urgency": urgency, "alert_after_hours": hours});
            async move { t.post_json("/api/v1/needs", Some(&worker), body).await }
        };
        let r = need("消毒液 20 箱", "normal", 0).await;
        assert_eq!(code(&r.json()), "err-need-alert-after");
        let client = reqwest::Client::new();
        let deliver = || sanshe_app::notify::deliver_due(&t.app, &client, &support::words);
        let paths = || -> Vec<String> { rx.got.lock().unwrap().iter().map(|(p, _)| p.clone()).collect() };

        // Not linked yet: an urgent need reaches the community's robot, not 若水's.
        assert_eq!(need("口罩 500 个", "urgent", 24).await.status, StatusCode::CREATED);
        deliver().await.unwrap();
        assert_eq!(paths(), ["/lingyanli"]);
        // Linked: the next urgent need reaches 若水's robot too, with no personal data.
        link(t, &org, &worker, json!(["supplies"])).await;
        let n = need("消毒液 20 箱", "urgent", 2).await.json();
        deliver().await.unwrap();
        let got = rx.got.lock().unwrap().clone();
        assert_eq!(got.iter().filter(|(p, _)| p == "/ruoshui").count(), 1, "{got:?}");
        let message = got.iter().find(|(p, _)| p == "/ruoshui").unwrap().1.to_string();
        assert!(message.contains("消毒液") && message.contains("紧急需求"), "{message}");
        // A normal need tells no robot.
        need("热水壶 2 个", "normal", 24).await;
        deliver().await.unwrap();
        assert_eq!(rx.got.lock().unwrap().len(), 3);

        // Notices copied to the chat: 若水's to its own robot only, the bureau's city-wide one to
        // the robots of the places below; a notice not copied goes nowhere.
        let notice = |token: &str, body: Value| {
            let (t, token) = (&t, token.to_string());
            async move { t.post_json("/api/v1/notices", Some(&token), body).await }
        };
        let r = notice(&org, json!({"organization_id": t.ruoshui, "title": "今晚集合 18:00", "to_chat": true})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        notice(&admin, json!({"area_id": t.city, "title": "寒潮来临，注意保暖", "to_chat": true})).await;
        notice(&admin, json!({"area_id": t.city, "title": "不发群的通知"})).await;
        deliver().await.unwrap();
        let got = rx.got.lock().unwrap().clone();
        let said = |path: &str| -> Vec<String> {
            got.iter().filter(|(p, _)| p == path).map(|(_, b)| b.to_string()).collect()
        };
        assert!(said("/ruoshui").iter().any(|m| m.contains("今晚集合")), "{got:?}");
        assert!(!said("/lingyanli").iter().any(|m| m.contains("今晚集合")));
        assert!(said("/lingyanli").iter().any(|m| m.contains("寒潮来临")));
        assert!(!said("/ruoshui").iter().any(|m| m.contains("寒潮来临")));
        assert!(!got.iter().any(|(_, b)| b.to_string().contains("不发群")));

        // Two hours on, still unmet: the community is alerted once, however often the scan runs.
        t.app.clock.advance(Duration::minutes(119));
        assert_eq!(sanshe_app::needs::scan(&t.app).await.unwrap(), 0);
        t.app.clock.advance(Duration::minutes(2));
        assert_eq!(sanshe_app::needs::scan(&t.app).await.unwrap(), 1);
        assert_eq!(sanshe_app::needs::scan(&t.app).await.unwrap(), 0);
        let alerts = t.get("/api/v1/alerts", Some(&worker)).await.json()["items"].clone();
        let unmet: Vec<&Value> = alerts.as_array().unwrap().iter()
            .filter(|a| a["kind"] == "need_unmet").collect();
        assert_eq!(unmet.len(), 1, "{alerts}");
        assert_eq!(unmet[0]["link"], format!("/needs/{}", n["id"].as_str().unwrap()));
        // Closing the need settles its alerts.
        let id = n["id"].as_str().unwrap();
        assert_eq!(t.post_json(&format!("/api/v1/needs/{id}/close"), Some(&worker), json!({})).await.status, StatusCode::NO_CONTENT);
        let open: Vec<Value> = t.get("/api/v1/alerts?status=open", Some(&worker)).await.json()["items"].clone()
            .as_array().unwrap().iter().filter(|a| a["kind"] == "need_unmet").cloned().collect();
        assert_eq!(open, Vec::<Value>::new());
    })
    .await;
}

#[tokio::test]
async fn a_team_leader_sees_and_fills_the_teams_shifts_and_a_whole_team_answers_a_need() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let worker = t.token("worker.lingyanli").await;
        link(t, &org, &worker, json!(["gate_duty"])).await;
        let leader = member(t, &org, "vol.leader", true).await;
        let li = member(t, &org, "vol.li", true).await;
        let outsider = t.with_user("vol.outsider", "volunteer", &t.lingyanli).await.0;
        let team = |name: &str, members: Vec<&str>| {
            let (t, org) = (&t, org.clone());
            let body = json!({"organization_id": t.ruoshui, "name": name, "leader_id": leader, "member_ids": members});
            async move { t.post_json("/api/v1/teams", Some(&org), body).await }
        };
        assert_eq!(code(&team("第一小组", vec![&li, &outsider]).await.json()), "err-team-not-member");
        let r = team("第一小组", vec![&li]).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_string();
        assert_eq!(r.json()["members"].as_array().map(Vec::len), Some(2), "the leader is a member");
        assert_eq!(code(&team("第一小组", vec![&li]).await.json()), "err-team-exists");
        // Only the community's worker could not make one for 若水.
        let r = t.post_json("/api/v1/teams", Some(&worker), json!({"organization_id": t.ruoshui, "name": "x"})).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);

        // The leader sees the team; a member of it does not.
        let lead = t.token("vol.leader").await;
        let member_token = t.token("vol.li").await;
        let teams = format!("/api/v1/teams?organization_id={}", t.ruoshui);
        assert_eq!(t.get(&teams, Some(&lead)).await.json()[0]["name"], "第一小组");
        assert_eq!(t.get(&teams, Some(&member_token)).await.json(), json!([]));
        assert_eq!(t.get(&format!("/api/v1/teams/{id}"), Some(&member_token)).await.status, StatusCode::NOT_FOUND);

        // The leader fills an open gate shift with a member; the limits still hold.
        let post = t.rota_post("南门").with("people", 2).by(&worker).await;
        let d1 = t.app.clock.today() + Duration::days(1);
        t.make_shifts(&worker, &post, d1, 2).await;
        let rota = t.get(&format!("/api/v1/shifts?area={}&from={d1}&days=1", t.lingyanli), Some(&worker)).await.json();
        let shift = rota["posts"][0]["shifts"][0]["id"].as_str().unwrap().to_string();
        let book = |user: &str| {
            let (t, lead, id, shift) = (&t, lead.clone(), id.clone(), shift.clone());
            let body = json!({"shift_id": shift, "user_id": user});
            async move { t.post_json(&format!("/api/v1/teams/{id}/bookings"), Some(&lead), body).await }
        };
        let r = book(&li).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let li_row = r.json()["members"].as_array().unwrap().iter().find(|m| m["user_id"] == li.as_str()).cloned().unwrap();
        assert_eq!(li_row["shifts"][0]["shift_id"], shift.as_str());
        assert_eq!(code(&book(&li).await.json()), "err-shift-double-booked");
        assert_eq!(code(&book(&outsider).await.json()), "err-team-not-member");
        let rota = t.get(&format!("/api/v1/shifts?area={}&from={d1}&days=1", t.lingyanli), Some(&worker)).await.json();
        assert_eq!(rota["posts"][0]["shifts"][0]["holders"].as_array().map(Vec::len), Some(1));

        // The leader does the same on a phone: home leads to the team's page, which lists the
        // members with their shifts and the open shifts where the leader serves.
        let (cookie, csrf) = t.browser("vol.leader").await;
        let home = t.page("/", &cookie).await.text();
        assert!(home.contains(&format!("href=\"/teams/{id}\">第一小组</a>")), "{home}");
        let page = t.page(&format!("/teams/{id}"), &cookie).await.text();
        assert!(page.contains(&format!("<option value=\"{shift}\"")) && page.contains("南门"), "{page}");
        let r = t.post_form(&format!("/teams/{id}/bookings"), &cookie, &format!("csrf={csrf}&user_id={leader}&shift_id={shift}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let page = t.page(&format!("/teams/{id}?done=booked"), &cookie).await.text();
        assert!(page.contains("已为组员排上班次"), "{page}");
        assert!(!page.contains(&format!("<option value=\"{shift}\"")), "the shift is full now");
        // A refusal comes back on the page beside the form, the choices kept.
        let d2_shift = t.get(&format!("/api/v1/shifts?area={}&from={}&days=1", t.lingyanli, d1 + Duration::days(1)), Some(&worker)).await.json()["posts"][0]["shifts"][0]["id"].as_str().unwrap().to_string();
        let r = t.post_form(&format!("/teams/{id}/bookings"), &cookie, &format!("csrf={csrf}&user_id={outsider}&shift_id={d2_shift}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("id=\"error-user_id\"") && r.text().contains(&format!("<option value=\"{d2_shift}\" selected>")), "{}", r.text());
        // Someone who leads no team finds no team page.
        let (li_cookie, _) = t.browser("vol.li").await;
        assert_eq!(t.page(&format!("/teams/{id}"), &li_cookie).await.status, StatusCode::NOT_FOUND);

        // The organization's admin makes a team on its page; a bad name is said under the team
        // form, the choices kept.
        let (org_cookie, org_csrf) = t.browser("org.ruoshui").await;
        let page = t.page(&format!("/organizations/{}", t.ruoshui), &org_cookie).await.text();
        assert!(page.contains(&format!("href=\"/teams/{id}\">第一小组</a>")), "{page}");
        let path = format!("/organizations/{}/teams", t.ruoshui);
        let bad = t.post_form(&path, &org_cookie, &format!("csrf={org_csrf}&team_name=&leader_id={li}&member_ids={leader}")).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = bad.text();
        assert!(html.contains("id=\"error-team_name\"") && !html.contains("id=\"error-name\""), "{html}");
        assert!(html.contains(&format!("value=\"{leader}\" checked")) && html.contains(&format!("value=\"{li}\" selected")), "{html}");
        let made = t.post_form(&path, &org_cookie, &format!("csrf={org_csrf}&team_name=%E7%AC%AC%E4%BA%8C%E5%B0%8F%E7%BB%84&leader_id={li}&member_ids={leader}")).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
        let team_page = t.page(made.headers["location"].to_str().unwrap(), &org_cookie).await.text();
        assert!(team_page.contains("第二小组") && team_page.contains("vol.li"), "{team_page}");

        // A whole team answers a need for people on the next day: both are booked.
        let d2 = (d1 + Duration::days(1)).to_string();
        let need = t
            .post_json("/api/v1/needs", Some(&worker), json!({"area_id": t.lingyanli, "kind": "people", "title": "南门 2 人",
                "post_id": post, "wanted": 2, "from": d2, "to": d2}))
            .await
            .json();
        let c = t
            .post_json(&format!("/api/v1/needs/{}/commitments", need["id"].as_str().unwrap()), Some(&org),
                json!({"organization_id": t.ruoshui, "team_id": id}))
            .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
        assert_eq!((c.json()["people"].as_i64(), c.json()["shifts_booked"].as_i64()), (Some(2), Some(2)));
    })
    .await;
}

#[tokio::test]
async fn needs_are_read_a_page_at_a_time_newest_first_with_the_total() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let d1 = (t.app.clock.today() + Duration::days(1)).to_string();
        let mut posted = Vec::new();
        for title in ["心理疏导 一", "心理疏导 二", "心理疏导 三"] {
            let body = json!({"area_id": t.lingyanli, "kind": "service", "service": "counseling", "title": title,
                "from": d1, "to": d1, "urgency": "normal"});
            let r = t.post_json("/api/v1/needs", Some(&worker), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            posted.push(r.json()["id"].as_str().unwrap().to_string());
            t.app.clock.advance(Duration::minutes(1));
        }
        let ids = |page: &Value| page["items"].as_array().unwrap().iter().map(|n| n["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
        let first = t.get("/api/v1/needs?limit=2", Some(&worker)).await.json();
        assert_eq!((ids(&first), first["total"].as_i64()), (vec![posted[2].clone(), posted[1].clone()], Some(3)), "{first}");
        let rest = t.get(&format!("/api/v1/needs?limit=2&after={}", first["next"].as_str().unwrap()), Some(&worker)).await.json();
        assert_eq!((ids(&rest), rest["next"].clone()), (vec![posted[0].clone()], Value::Null), "{rest}");
        assert_eq!(t.get("/api/v1/needs?after=zz", Some(&worker)).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        let closed = t.post_json(&format!("/api/v1/needs/{}/close", posted[0]), Some(&worker), json!({})).await;
        assert_eq!(closed.status, StatusCode::NO_CONTENT);
        assert_eq!(t.get("/api/v1/needs?open=true", Some(&worker)).await.json()["total"], 2);
        // The page counts them all, and its form offers the communities by street.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let html = t.page("/needs", &cookie).await.text();
        assert!(html.contains("(3)</h1>") && html.contains("<optgroup label=") && html.contains(&format!("<option value=\"{}\"", t.lingyanli)), "{html}");
        // Its workbook: newest first, each need's service and state in words.
        assert!(html.contains("href=\"/needs/export.xlsx\""), "{html}");
        let rows = sanshe_app::sheets::read_table(&t.page("/needs/export.xlsx", &cookie).await.bytes).unwrap();
        assert_eq!(rows.len(), 4, "{rows:?}");
        assert_eq!(rows[0][2], "需求");
        assert_eq!(rows[3][1..3], ["服务 · 心理疏导", "心理疏导 一"]);
        assert_eq!((rows[3][10].as_str(), rows[1][10].as_str()), ("已关闭", "待响应"));
        // The home page's tile counts the two not closed and leads to them, not to all three;
        // the tab's workbook holds what the tab shows.
        let home = t.page("/", &cookie).await.text();
        assert!(home.contains("href=\"/needs?open=true\" data-task=\"home-open-needs\"><b>2</b>"), "{home}");
        let open = t.page("/needs?open=true", &cookie).await.text();
        assert!(open.contains("(2)</h1>") && !open.contains("心理疏导 一"), "{open}");
        assert!(open.contains("href=\"/needs/export.xlsx?open=true\""), "{open}");
        let rows = sanshe_app::sheets::read_table(&t.page("/needs/export.xlsx?open=true", &cookie).await.bytes).unwrap();
        assert_eq!(rows.len(), 3, "{rows:?}");
        assert!(rows.iter().all(|r| r[10] != "已关闭"), "{rows:?}");
    })
    .await;
}

/// However many needs stay unmet, each alerts once when its time runs out: a city's old unmet
/// needs do not crowd a new one out of the scan, and a second node's scan raises nothing twice.
#[tokio::test]
async fn every_overdue_need_alerts_once_however_many_stay_unmet() {
    on_both(async |t| {
        let batch = sanshe_store::needs::OVERDUE_BATCH;
        let now = t.app.clock.now_ms();
        let day = t.app.clock.today().to_string();
        let mut conn = t.app.db.conn().await.unwrap();
        let area = sanshe_store::areas::get(&mut conn, &t.lingyanli)
            .await
            .unwrap();
        let mut tx = t.app.db.begin().await.unwrap();
        for n in 0..batch + 3 {
            let need = sanshe_store::needs::NeedRow {
                id: sanshe_store::new_id(),
                area_id: area.id.clone(),
                area_path: area.path.clone(),
                kind: sanshe_core::needs::NeedKind::Service,
                title: format!("消毒液 {n}"),
                detail: String::new(),
                post_id: None,
                service: Some(sanshe_core::organizations::Duty::Supplies),
                wanted: 1,
                committed: 0,
                from_day: day.clone(),
                to_day: day.clone(),
                urgency: sanshe_core::needs::NeedUrgency::Normal,
                audience: sanshe_core::needs::Audience::Linked,
                status: sanshe_core::needs::NeedStatus::Open,
                created_by: "worker.lingyanli".into(),
                // The oldest first: the last three are the newest.
                created_at: now - 3_600_000 * 48 + n as i64,
                alert_after_hours: 24,
            };
            sanshe_store::needs::insert(&mut *tx, &need).await.unwrap();
        }
        sanshe_store::commit(tx).await.unwrap();
        drop(conn);
        let other = t.second_node().await;
        let (one, two) = tokio::join!(
            sanshe_app::needs::scan(&t.app),
            sanshe_app::needs::scan(&other.app)
        );
        assert_eq!(
            one.unwrap() + two.unwrap(),
            batch + 3,
            "each need once, the newest too"
        );
        assert_eq!(sanshe_app::needs::scan(&t.app).await.unwrap(), 0);
        let w = t.token("worker.lingyanli").await;
        let (alerts, _) = t.every_page("/api/v1/alerts?limit=500", &w).await;
        let unmet = alerts.iter().filter(|a| a["kind"] == "need_unmet").count();
        assert_eq!(unmet, batch + 3, "one alert a need");
        let mut unmet = alerts.iter().filter(|a| a["kind"] == "need_unmet");
        let oldest = unmet.next_back().unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        // The workbook holds every one of them, however many pages of needs that takes.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let sheet = t.page("/needs/export.xlsx", &cookie).await;
        let rows = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert_eq!(rows.len(), 1 + batch + 3);
        let titles: std::collections::HashSet<&str> =
            rows[1..].iter().map(|r| r[2].as_str()).collect();
        assert_eq!(titles.len(), batch + 3, "each once");
        let alerts = t
            .page("/alerts/export.xlsx?status=open&kind=need_unmet", &cookie)
            .await;
        let rows = sanshe_app::sheets::read_table(&alerts.bytes).unwrap();
        assert_eq!(
            rows.len(),
            1 + batch + 3,
            "every alert, a page of 500 at a time"
        );
        assert!(
            rows[1..]
                .iter()
                .all(|r| r[0] == "需求超时未满足" && r[1] == "凌研里社区" && r[4] == "待处理"),
            "{:?}",
            &rows[..2]
        );
        let html = t
            .page("/alerts?status=open&kind=need_unmet", &cookie)
            .await
            .text();
        assert!(
            html.contains("href=\"/alerts/export.xlsx?status=open&#38;kind=need_unmet\""),
            "{html}"
        );
        // The workbook reads its pages in the order the alerts were first raised: the oldest
        // alert, raised again after the first page was read, keeps its place, not skipped for
        // jumping back to the top.
        let worker = t.actor("worker.lingyanli").await;
        let filter = |after: Option<String>| sanshe_app::alerts::AlertFilter {
            status: Some("open".into()),
            kind: Some("need_unmet".into()),
            after,
            limit: Some(sanshe_app::alerts::MAX_ALERTS_PAGE),
            ..Default::default()
        };
        let read = async |after| {
            sanshe_app::alerts::list_by_first_raised(&t.app, &worker, &filter(after))
                .await
                .unwrap()
        };
        let first = read(None).await;
        assert!(
            first.items.iter().all(|a| a.id != oldest),
            "on a later page"
        );
        let mut conn = t.app.db.conn().await.unwrap();
        sanshe_store::alerts::repeat(&mut *conn, &oldest, "again", "{}", now + 60_000)
            .await
            .unwrap();
        drop(conn);
        let mut seen: Vec<String> = first.items.into_iter().map(|a| a.id).collect();
        let mut next = first.next;
        while let Some(after) = next.take() {
            let page = read(Some(after)).await;
            seen.extend(page.items.into_iter().map(|a| a.id));
            next = page.next;
        }
        assert!(seen.contains(&oldest), "raised again, still read");
        let once: std::collections::HashSet<&String> = seen.iter().collect();
        assert_eq!((seen.len(), once.len()), (batch + 3, batch + 3));

        // An upgrade from a build before migration 0023: no need is marked yet and every alert
        // was dealt with. The migration marks the needs that alerted, so none alerts again.
        let mut conn = t.app.db.conn().await.unwrap();
        for sql in [
            "UPDATE needs SET unmet_alerted_at = NULL",
            "UPDATE alerts SET status = 'resolved', open_key = NULL",
        ] {
            sanshe_store::statements::Statements::run(&mut *conn, sql, &[])
                .await
                .unwrap();
        }
        let upgrade = include_str!("../../store/migrations/0023_need_unmet_marks.sql");
        let marking = &upgrade[upgrade.find("UPDATE needs").unwrap()..];
        sanshe_store::statements::Statements::run(&mut *conn, marking, &[])
            .await
            .unwrap();
        drop(conn);
        assert_eq!(sanshe_app::needs::scan(&t.app).await.unwrap(), 0);
    })
    .await;
}

/// A coordinator over several communities narrows the needs to one, on the page, in its
/// workbook and through the API; a worker cannot reach another community's through it.
#[tokio::test]
async fn a_coordinator_narrows_the_needs_to_one_community() {
    on_both(async |t| {
        let d1 = (t.app.clock.today() + Duration::days(1)).to_string();
        for (user, area, title) in [
            ("worker.lingyanli", &t.lingyanli, "凌研里 心理疏导"),
            ("worker.yudeli", &t.yudeli, "裕德里 心理疏导"),
        ] {
            let token = t.token(user).await;
            let body = json!({"area_id": area, "kind": "service", "service": "counseling",
                "title": title, "from": d1, "to": d1, "urgency": "normal"});
            let r = t.post_json("/api/v1/needs", Some(&token), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let admin = t.token("admin").await;
        let titles = |page: Value| -> Vec<String> {
            let items = page["items"].as_array().unwrap().clone();
            items
                .iter()
                .map(|n| n["title"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(
            titles(t.get("/api/v1/needs", Some(&admin)).await.json()).len(),
            2
        );
        let (one, html, rows) = t
            .narrowed_to_yudeli(
                "/api/v1/needs",
                "/needs?open=true",
                "/needs/export.xlsx?open=true",
            )
            .await;
        assert_eq!(
            (titles(one.clone()), one["total"].as_i64()),
            (vec!["裕德里 心理疏导".to_string()], Some(1))
        );
        assert!(
            html.contains("(1)</h1>") && !html.contains("凌研里 心理疏导"),
            "{html}"
        );
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[1][2], "裕德里 心理疏导");
    })
    .await;
}
