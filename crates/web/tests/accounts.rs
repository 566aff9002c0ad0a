//! Account basics over HTTP on SQLite and PostgreSQL (issue 16): a person changes their own
//! password and signs out everywhere; an administrator over every place a user works resets
//! their password once and deactivates or reactivates them; each ends the sessions it must.

mod support;

use axum::http::StatusCode;
use serde_json::{Value, json};
use support::{PASSWORD, TestApp, on_both};

fn code(v: &Value) -> String {
    v["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn sign_in(t: &TestApp, username: &str, password: &str) -> Option<String> {
    let r = t
        .post_json(
            "/api/v1/sessions",
            None,
            json!({"username": username, "password": password}),
        )
        .await;
    (r.status == StatusCode::CREATED).then(|| r.json()["token"].as_str().unwrap().to_string())
}

async fn signed_in(t: &TestApp, token: &str) -> bool {
    t.get("/api/v1/users", Some(token)).await.status != StatusCode::UNAUTHORIZED
}

#[tokio::test]
async fn a_person_changes_their_password_and_signs_out_everywhere() {
    on_both(async |t| {
        let phone = t.token("worker.lingyanli").await;
        let laptop = t.token("worker.lingyanli").await;
        let change = |current: &str, new: &str| {
            let (t, phone) = (&t, phone.clone());
            let body = json!({"current_password": current, "new_password": new});
            async move {
                t.post_json("/api/v1/account/password", Some(&phone), body)
                    .await
            }
        };
        assert_eq!(
            code(
                &change("wrong-password-1", "a-new-password-2020")
                    .await
                    .json()
            ),
            "err-password-wrong"
        );
        assert_eq!(
            code(&change(PASSWORD, "short").await.json()),
            "err-password-short"
        );
        assert_eq!(
            change(PASSWORD, "a-new-password-2020").await.status,
            StatusCode::NO_CONTENT
        );
        // This session stays; the other device is signed out; the old password no longer works.
        assert!(signed_in(t, &phone).await);
        assert!(!signed_in(t, &laptop).await);
        assert!(sign_in(t, "worker.lingyanli", PASSWORD).await.is_none());
        let again = sign_in(t, "worker.lingyanli", "a-new-password-2020")
            .await
            .unwrap();
        // Signing out everywhere ends this one too.
        let r = t
            .send_json(
                "DELETE",
                "/api/v1/account/sessions",
                Some(&phone),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert!(!signed_in(t, &phone).await && !signed_in(t, &again).await);
    })
    .await;
}

#[tokio::test]
async fn an_administrator_resets_a_password_once_and_deactivates_and_reactivates_a_user() {
    on_both(async |t| {
        let admin = t.token("admin").await;
        let worker = t.token("worker.lingyanli").await;
        let users = t.get("/api/v1/users", Some(&admin)).await.json()["items"].clone();
        let id_of = |name: &str| {
            users
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["username"] == name)
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        };
        let (yudeli, admin_id) = (id_of("worker.yudeli"), id_of("admin"));
        let their_session = t.token("worker.yudeli").await;
        // A community worker may not reset the coordinator; nobody resets their own this way.
        let r = t
            .post_json(
                &format!("/api/v1/users/{admin_id}/password-reset"),
                Some(&worker),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = t
            .post_json(
                &format!("/api/v1/users/{admin_id}/password-reset"),
                Some(&admin),
                json!({}),
            )
            .await;
        assert_eq!(code(&r.json()), "err-not-yourself");
        // The coordinator resets it: a one-time password, the old sessions and password gone.
        let r = t
            .post_json(
                &format!("/api/v1/users/{yudeli}/password-reset"),
                Some(&admin),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let one_time = r.json()["password"].as_str().unwrap().to_string();
        assert_eq!(one_time.chars().count(), 12);
        assert!(!signed_in(t, &their_session).await);
        assert!(sign_in(t, "worker.yudeli", PASSWORD).await.is_none());
        assert!(sign_in(t, "worker.yudeli", &one_time).await.is_some());
        let log = t
            .get("/api/v1/audit?action=password.reset", Some(&admin))
            .await
            .json();
        assert_eq!(log.as_array().map(Vec::len), Some(1), "{log}");
        assert!(
            !log.to_string().contains(&one_time),
            "the password is not in the log"
        );

        // Deactivated, they cannot sign in and their sessions end; reactivated, they can again.
        let session = sign_in(t, "worker.yudeli", &one_time).await.unwrap();
        let active = |on: bool| {
            let (t, admin, yudeli) = (&t, admin.clone(), yudeli.clone());
            async move {
                t.send_json(
                    "PUT",
                    &format!("/api/v1/users/{yudeli}/active"),
                    Some(&admin),
                    json!({"active": on}),
                )
                .await
            }
        };
        let r = active(false).await;
        assert_eq!(
            (r.status, r.json()["active"].as_bool()),
            (StatusCode::OK, Some(false))
        );
        assert!(!signed_in(t, &session).await);
        assert!(sign_in(t, "worker.yudeli", &one_time).await.is_none());
        assert_eq!(active(true).await.json()["active"], true);
        assert!(sign_in(t, "worker.yudeli", &one_time).await.is_some());
    })
    .await;
}

/// `username` signs in on the sign-in page with a `given` password: every page leads to their
/// account, which asks for a password of their own, refuses the given one again and takes `own`;
/// then the pages open.
async fn sets_own_password_first(t: &TestApp, username: &str, given: &str, own: &str) {
    let cookie = t.page_sign_in(username, given).await;
    for path in ["/", "/residents", "/rota"] {
        let r = t.page(path, &cookie).await;
        assert_eq!(
            (
                r.status,
                r.headers.get("location").and_then(|l| l.to_str().ok())
            ),
            (StatusCode::SEE_OTHER, Some("/account")),
            "{username} {path}"
        );
    }
    let account = t.page("/account", &cookie).await.text();
    assert!(
        account.contains("请先设置一个只有您自己知道的新密码"),
        "{account}"
    );
    let csrf = support::csrf_on(&account).unwrap();
    let change = |new: &str| format!("csrf={csrf}&current_password={given}&new_password={new}");
    let r = t
        .post_form("/account/password", &cookie, &change(given))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert!(r.text().contains("新密码与当前密码相同"), "{}", r.text());
    assert_eq!(t.page("/", &cookie).await.status, StatusCode::SEE_OTHER);
    let r = t
        .post_form("/account/password", &cookie, &change(own))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(t.page("/", &cookie).await.status, StatusCode::OK);
    assert!(sign_in(t, username, given).await.is_none());
}

#[tokio::test]
async fn an_account_someone_else_made_sets_its_own_password_at_the_first_sign_in() {
    on_both(async |t| {
        let given = "given-by-them-1";
        let admin = t.token("admin").await;
        let org = t.token("org.ruoshui").await;
        // Made through the API by a coordinator and by an organization's admin ...
        for (token, body) in [
            (
                &admin,
                json!({"username": "new.worker", "role": "community_worker", "area_id": t.lingyanli}),
            ),
            (
                &org,
                json!({"username": "new.member", "role": "volunteer", "organization_id": t.ruoshui}),
            ),
        ] {
            let mut body = body;
            body["display_name"] = json!("新同事");
            body["password"] = json!(given);
            let r = t.post_json("/api/v1/users", Some(token), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        // ... and on the users page.
        let (cookie, csrf) = t.browser("admin").await;
        let r = t
            .post_form(
                "/users",
                &cookie,
                &format!(
                    "csrf={csrf}&username=new.page&display_name=%E6%96%B0&password={given}\
                     &role=community_worker&area_id={}&organization_id=",
                    t.lingyanli
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        for username in ["new.worker", "new.member", "new.page"] {
            sets_own_password_first(t, username, given, "only-mine-2020").await;
        }
    })
    .await;
}

#[tokio::test]
async fn account_pages_change_a_password_and_reset_one_with_the_password_shown_once() {
    on_both(async |t| {
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let page = t.page("/account", &cookie).await.text();
        assert!(
            page.contains("修改密码") && page.contains("退出所有设备"),
            "{page}"
        );
        let r = t
            .post_form(
                "/account/password",
                &cookie,
                &format!("csrf={csrf}&current_password=nope-nope-1&new_password=another-one-2020"),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("id=\"error-current_password\""));
        // A refused form shows again what was typed, but never a password.
        assert!(
            !r.text().contains("nope-nope-1") && !r.text().contains("another-one-2020"),
            "{}",
            r.text()
        );
        let r = t
            .post_form(
                "/account/password",
                &cookie,
                &format!("csrf={csrf}&current_password={PASSWORD}&new_password=another-one-2020"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text().contains("密码已修改"));
        assert!(
            sign_in(t, "worker.lingyanli", "another-one-2020")
                .await
                .is_some()
        );

        // The coordinator's users page: the title holds only the title; reset shows the
        // one-time password once, and the page is not cached.
        let (admin_cookie, admin_csrf) = t.browser("admin").await;
        let users = t.page("/users", &admin_cookie).await.text();
        let title = &users[users.find("<title>").unwrap()..users.find("</title>").unwrap()];
        assert!(!title.contains("<details"), "{title}");
        let admin = t.token("admin").await;
        let yudeli = t.get("/api/v1/users", Some(&admin)).await.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == "worker.yudeli")
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let r = t
            .post_form(
                &format!("/users/{yudeli}/password-reset"),
                &admin_cookie,
                &format!("csrf={admin_csrf}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers.get("cache-control").unwrap(), "no-store");
        let html = r.text();
        let at = html
            .find("id=\"one-time-password\"")
            .expect("the one-time password is shown");
        let shown = &html[at..];
        let password: String = shown
            .split("<b class=\"mono\">")
            .nth(2)
            .unwrap()
            .chars()
            .take(12)
            .collect();
        assert!(sign_in(t, "worker.yudeli", &password).await.is_some());
        assert!(
            !t.page("/users", &admin_cookie)
                .await
                .text()
                .contains(&password),
            "shown once"
        );
        // Signed in with it, every page leads to their account until they set their own.
        sets_own_password_first(t, "worker.yudeli", &password, "my-own-password-9").await;
        // The audit page says it in words.
        let audit = t.page("/audit", &admin_cookie).await.text();
        assert!(
            audit.contains(">重置密码</td>") && audit.contains("title=\"password.reset\""),
            "{audit}"
        );
        // Deactivate and add a role from the page.
        let r = t
            .post_form(
                &format!("/users/{yudeli}/active/deactivate"),
                &admin_cookie,
                &format!("csrf={admin_csrf}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            sign_in(t, "worker.yudeli", "my-own-password-9")
                .await
                .is_none()
        );
        let r = t
            .post_form(
                &format!("/users/{yudeli}/grants"),
                &admin_cookie,
                &format!(
                    "csrf={admin_csrf}&role=community_worker&area_id={}&organization_id=",
                    t.lingyanli
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let grants = t.get("/api/v1/users", Some(&admin)).await.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == "worker.yudeli")
            .unwrap()["grants"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(grants, 2);
    })
    .await;
}

#[tokio::test]
async fn the_user_list_is_searched_and_paged_by_user_name_within_what_the_caller_manages() {
    on_both(async |t| {
        let admin = t.token("admin").await;
        let org = t.token("org.ruoshui").await;
        for (name, display, area) in [
            ("ling.b", "张三丰", &t.lingyanli),
            ("ling.a", "李四", &t.lingyanli),
            ("ling.c", "王五", &t.lingyanli),
            ("yude.coord", "裕德里主任", &t.yudeli),
        ] {
            let body = json!({"username": name, "display_name": display, "password": PASSWORD,
                              "role": "coordinator", "area_id": area});
            let r = t.post_json("/api/v1/users", Some(&admin), body).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        let body = json!({"username": "ruoshui.m", "display_name": "若水队员", "password": PASSWORD,
                          "role": "volunteer", "organization_id": t.ruoshui});
        let r = t.post_json("/api/v1/users", Some(&org), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let names = |v: Value| -> Vec<String> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|u| u["username"].as_str().unwrap().to_string())
                .collect()
        };
        let list = async |token: &str, query: &str| {
            let r = t.get(&format!("/api/v1/users{query}"), Some(token)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            names(r.json())
        };

        // By user name, a page at a time.
        assert_eq!(
            list(&admin, "?limit=3").await,
            ["admin", "ling.a", "ling.b"]
        );
        let first = t.get("/api/v1/users?limit=3", Some(&admin)).await.json();
        let next = first["next"].as_str().unwrap();
        assert_eq!(
            list(&admin, &format!("?limit=3&after={next}")).await,
            ["ling.c", "org.ruoshui", "ruoshui.m"]
        );
        let (everyone, total) = t.every_page("/api/v1/users?limit=3", &admin).await;
        let last: Vec<&str> = everyone
            .iter()
            .rev()
            .take(2)
            .map(|u| u["username"].as_str().unwrap())
            .collect();
        assert_eq!(
            (last, everyone.len() as i64),
            (vec!["yude.coord", "worker.yudeli"], total)
        );
        // Searched in the user name or the display name, any case; LIKE's wildcards are letters.
        assert_eq!(
            list(&admin, "?q=LING.").await,
            ["ling.a", "ling.b", "ling.c"]
        );
        assert_eq!(
            list(&admin, "?q=%E4%B8%89%E4%B8%B0").await,
            ["ling.b"],
            "三丰"
        );
        assert_eq!(list(&admin, "?q=_").await, Vec::<String>::new());
        assert_eq!(list(&admin, "?q=%25").await, Vec::<String>::new());
        let long = t
            .get(&format!("/api/v1/users?q={}", "x".repeat(41)), Some(&admin))
            .await;
        assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(code(&long.json()), "err-too-long");
        // A community's coordinator sees the people of their community; an organization's
        // admin, its people.
        let yude = t.first_token("yude.coord", PASSWORD).await;
        assert_eq!(list(&yude, "").await, ["worker.yudeli", "yude.coord"]);
        assert_eq!(list(&yude, "?q=ling").await, Vec::<String>::new());
        assert_eq!(list(&org, "").await, ["org.ruoshui", "ruoshui.m"]);

        // The page: a search box, the list it finds, an export of what it found.
        let (cookie, _) = t.browser("admin").await;
        let html = t.page("/users?q=ling.", &cookie).await.text();
        assert!(html.contains("name=\"q\" value=\"ling.\""), "{html}");
        assert!(
            html.contains(">ling.a<")
                && html.contains(">ling.c<")
                && !html.contains(">worker.yudeli<"),
            "{html}"
        );
        let export = t.page("/users/export.xlsx?q=ling.", &cookie).await;
        let table = sanshe_app::sheets::read_table(&export.bytes).unwrap();
        let exported: Vec<&str> = table[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(exported, ["ling.a", "ling.b", "ling.c"]);
        let none = t.page("/users?q=nobody", &cookie).await.text();
        assert!(none.contains("暂无记录"), "{none}");
        let refused = t
            .page(&format!("/users?q={}", "x".repeat(41)), &cookie)
            .await
            .text();
        assert!(
            refused.contains("role=\"alert\"") && refused.contains("aria-invalid=\"true\""),
            "{refused}"
        );
        // A hundred to a page, then a link to the next, the search kept. (Written straight to
        // the store: a hundred password hashes would be the test's whole time.)
        let mut conn = t.app.db.conn().await.unwrap();
        for n in 0..101 {
            let name = format!("many.{n:03}");
            let user = sanshe_store::accounts::insert_user(&mut conn, &name, &name, "-", false)
                .await
                .unwrap();
            let role = sanshe_core::accounts::Role::CommunityWorker;
            sanshe_store::accounts::insert_grant(
                &mut conn,
                &user.id,
                role,
                Some(&t.lingyanli),
                None,
            )
            .await
            .unwrap();
        }
        drop(conn);
        let html = t.page("/users?q=many", &cookie).await.text();
        assert_eq!(
            html.matches("<td class=\"mono\">many.").count(),
            100,
            "{html}"
        );
        assert!(html.contains("共 101 条"), "{html}");
        let href = support::pager_link(&html, "next-page").expect("a next page");
        assert!(href.starts_with("/users?q=many&after="), "{href}");
        let rest = t.page(&href, &cookie).await.text();
        assert_eq!(
            rest.matches("<td class=\"mono\">many.").count(),
            1,
            "{rest}"
        );
        assert!(
            rest.contains("<td class=\"mono\">many.100") && rest.contains("href=\"/users?q=many\""),
            "{rest}"
        );
        assert!(
            support::pager_link(&rest, "next-page").is_none(),
            "the last page"
        );
    })
    .await;
}

/// The forms that grant a role over a place, or register an organization at one, offer every
/// community of the city, grouped by street, however many; the users page writes that list in
/// one form opened from a user's row, not once for each user on the page.
#[tokio::test]
async fn grant_forms_offer_every_community_and_the_users_page_writes_the_list_once() {
    on_both(async |t| {
        let street = t.parent_of(&t.lingyanli).await;
        let mut conn = t.app.db.conn().await.unwrap();
        let street = sanshe_store::areas::get(&mut conn, &street).await.unwrap();
        let mut communities = Vec::new();
        for n in 0..503 {
            let name = format!("新建{n:03}社区");
            let c = sanshe_store::areas::insert(
                &mut conn,
                Some(&street),
                sanshe_core::areas::AreaKind::Community,
                None,
                &name,
            )
            .await
            .unwrap();
            communities.push(c.id);
        }
        drop(conn);
        let admin = t.token("admin").await;
        let users = t
            .get("/api/v1/users?q=worker.yudeli", Some(&admin))
            .await
            .json();
        let uid = users["items"][0]["id"].as_str().unwrap().to_string();
        let (cookie, csrf) = t.browser("admin").await;
        let option = |id: &str| format!("<option value=\"{id}\"");

        let page = t.page("/users", &cookie).await.text();
        for id in communities.iter().chain([&t.lingyanli, &t.yudeli]) {
            assert_eq!(
                page.matches(&option(id)).count(),
                1,
                "{id} once, in the new-user form"
            );
        }
        assert!(page.contains("<optgroup label=\""), "grouped by street");
        assert!(!page.contains("id=\"add-grant\""));
        let link = format!("href=\"/users?grant_to={uid}#add-grant\"");
        assert!(page.contains(&link), "{link}");

        // The row's link opens the one form for that user; a refusal keeps it open, saying why.
        let opened = t
            .page(&format!("/users?grant_to={uid}"), &cookie)
            .await
            .text();
        assert!(
            opened.contains("id=\"add-grant\"")
                && opened.contains(&format!("action=\"/users/{uid}/grants\""))
        );
        assert_eq!(
            opened.matches(&option(&communities[502])).count(),
            2,
            "and in the grant form"
        );
        let refused = t
            .post_form(
                &format!("/users/{uid}/grants"),
                &cookie,
                &format!("csrf={csrf}&role=community_worker&area_id=&organization_id="),
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = refused.text();
        let form = &html[html.find("id=\"add-grant\"").expect("the form stays open")..];
        assert!(form.contains("id=\"error-area_id\""), "{form}");
        let granted = t
            .post_form(
                &format!("/users/{uid}/grants"),
                &cookie,
                &format!(
                    "csrf={csrf}&role=community_worker&area_id={}&organization_id=",
                    communities[502]
                ),
            )
            .await;
        assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.text());
        let after = t
            .get("/api/v1/users?q=worker.yudeli", Some(&admin))
            .await
            .json();
        let places: Vec<&str> = after["items"][0]["grants"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|g| g["area_id"].as_str())
            .collect();
        assert!(places.contains(&communities[502].as_str()), "{after}");

        // An organization is registered at any of them too.
        let orgs = t.page("/organizations", &cookie).await.text();
        assert!(communities.iter().all(|id| orgs.contains(&option(id))));
    })
    .await;
}
