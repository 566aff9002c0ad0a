//! Test harness: a real router over a real, isolated database, on SQLite always and on
//! PostgreSQL when `SANSHE_TEST_DATABASE_URL` is set (each run gets a new database).

#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use sanshe_app::accounts::{Actor, GrantTarget};
use sanshe_app::vault::Vault;
use sanshe_app::{App, Clock};
use sanshe_core::areas::AreaKind;
use serde_json::Value;
use tower::ServiceExt;

/// The password of every fixture account.
pub const PASSWORD: &str = "correct-horse-2020";

/// Valid ID numbers for fixtures.
pub const ID_FEMALE_1949: &str = "11010519491231002X";
/// A man born in 1880 (the oldest a valid number can be).
pub const ID_MALE_1880: &str = "440524188001010014";

/// A running sanshe over one database, with the fixture tree:
/// 天津市 › 南开区 › 体育中心街道 › 凌研里社区 › 凌研里一区 › 1号楼, and 天津市 › 和平区 › 南市街道 › 裕德里社区.
pub struct TestApp {
    /// The application behind the router.
    pub app: App,
    /// The whole router, as `serve` builds it.
    pub router: Router,
    /// `sqlite` or `postgres`.
    pub backend: &'static str,
    /// Id of 天津市.
    pub city: String,
    /// Id of 凌研里社区.
    pub lingyanli: String,
    /// Id of 凌研里一区 1号楼.
    pub lingyanli_building: String,
    /// Id of 裕德里社区.
    pub yudeli: String,
    /// Id of the organization 若水.
    pub ruoshui: String,
    /// The database URL (empty for `around`).
    pub url: String,
    drop_db: Option<(String, String)>,
}

/// A response read to the end.
pub struct Resp {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: axum::http::HeaderMap,
    /// Body.
    pub bytes: Vec<u8>,
}

impl Resp {
    /// The body as JSON; panics, showing the body, when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.bytes)
            .unwrap_or_else(|_| panic!("not JSON ({}): {}", self.status, self.text()))
    }
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }

    /// The status and the body as JSON (null when there is none), for a one-line assertion.
    pub fn answer(&self) -> (StatusCode, Value) {
        let body = if self.bytes.is_empty() {
            Value::Null
        } else {
            self.json()
        };
        (self.status, body)
    }
}

fn fixed_key() -> String {
    "11".repeat(32) + &"22".repeat(32)
}

async fn make_app(url: &str) -> App {
    let mut app = App::open(url, Vault::from_hex(&fixed_key()).unwrap())
        .await
        .expect("open app");
    app.clock = Clock::fixed_local(chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap(), 9, 0);
    app
}

impl TestApp {
    async fn build(
        app: App,
        backend: &'static str,
        drop_db: Option<(String, String)>,
        url: String,
    ) -> TestApp {
        let router = sanshe_web::router(sanshe_web::AppState::new(app.clone(), Default::default()));
        let mut conn = app.db.conn().await.unwrap();
        // The fixture's areas: (parent, kind, code, name).
        let mut area =
            async |parent: Option<&sanshe_store::areas::AreaRow>, kind: AreaKind, code, name| {
                sanshe_store::areas::insert(&mut conn, parent, kind, code, name)
                    .await
                    .unwrap()
            };
        let city = area(None, AreaKind::City, Some("120000"), "天津市").await;
        let nankai = area(Some(&city), AreaKind::District, Some("120104"), "南开区").await;
        let tiyu = area(
            Some(&nankai),
            AreaKind::Street,
            Some("120104011"),
            "体育中心街道",
        )
        .await;
        let lingyanli = area(Some(&tiyu), AreaKind::Community, None, "凌研里社区").await;
        let compound = area(Some(&lingyanli), AreaKind::Compound, None, "凌研里一区").await;
        let building = area(Some(&compound), AreaKind::Building, None, "1号楼").await;
        let heping = area(Some(&city), AreaKind::District, Some("120101"), "和平区").await;
        let nanshi = area(
            Some(&heping),
            AreaKind::Street,
            Some("120101006"),
            "南市街道",
        )
        .await;
        let yudeli = area(Some(&nanshi), AreaKind::Community, None, "裕德里社区").await;
        let ruoshui = sanshe_store::organizations::insert(
            &mut conn,
            sanshe_core::organizations::OrganizationKind::SocialWorkAgency,
            "天津市若水社会工作服务中心",
            Some((&city.id, &city.path)),
            "",
        )
        .await
        .unwrap();
        drop(conn);
        let cli = Actor::command_line(&app).await.unwrap();
        for (name, role, target) in [
            ("admin", "coordinator", GrantTarget::Area(city.id.clone())),
            (
                "worker.lingyanli",
                "community_worker",
                GrantTarget::Area(lingyanli.id.clone()),
            ),
            (
                "worker.yudeli",
                "community_worker",
                GrantTarget::Area(yudeli.id.clone()),
            ),
            (
                "org.ruoshui",
                "org_admin",
                GrantTarget::Organization(ruoshui.id.clone()),
            ),
        ] {
            let user =
                sanshe_app::accounts::create_user(&app, &cli, name, name, PASSWORD, role, target)
                    .await
                    .unwrap();
            own_password(&app, &user.id).await;
        }
        TestApp {
            app,
            router,
            backend,
            city: city.id,
            lingyanli: lingyanli.id,
            lingyanli_building: building.id,
            yudeli: yudeli.id,
            ruoshui: ruoshui.id,
            url,
            drop_db,
        }
    }

    /// A fresh SQLite database in a temporary file, with the fixture.
    pub async fn sqlite() -> TestApp {
        let (app, cleanup, url) = empty_app_at(false).await.expect("sqlite");
        TestApp::build(app, "sqlite", cleanup, url).await
    }

    /// A fresh PostgreSQL database with the fixture, when `SANSHE_TEST_DATABASE_URL` is set.
    pub async fn postgres() -> Option<TestApp> {
        let (app, cleanup, url) = empty_app_at(true).await?;
        Some(TestApp::build(app, "postgres", cleanup, url).await)
    }

    /// A test app around an application whose data the test made itself (no fixture ids).
    pub fn around(app: App, drop_db: Option<(String, String)>) -> TestApp {
        let router = sanshe_web::router(sanshe_web::AppState::new(app.clone(), Default::default()));
        let backend = if drop_db.is_some() {
            "postgres"
        } else {
            "sqlite"
        };
        TestApp {
            app,
            router,
            backend,
            city: String::new(),
            lingyanli: String::new(),
            lingyanli_building: String::new(),
            yudeli: String::new(),
            ruoshui: String::new(),
            url: String::new(),
            drop_db,
        }
    }

    /// Stops this process's application and opens the database again, as a restarted server
    /// would: nothing survives but what was committed. The clock carries over.
    pub async fn restart(&mut self) {
        self.app.db.pool.close().await;
        let mut app = App::open(&self.url, Vault::from_hex(&fixed_key()).unwrap())
            .await
            .expect("reopen app");
        app.clock = self.app.clock.clone();
        app.public_url = self.app.public_url.clone();
        self.router =
            sanshe_web::router(sanshe_web::AppState::new(app.clone(), Default::default()));
        self.app = app;
    }

    /// Closes the pool and drops a PostgreSQL test database.
    pub async fn finish(self) {
        self.app.db.pool.close().await;
        drop_database(self.drop_db).await;
    }

    /// This node again (the same application and router) for tasks that must own it, such as
    /// spawned ones; only the original drops the database when finished.
    pub fn handle(&self) -> TestApp {
        TestApp {
            app: self.app.clone(),
            router: self.router.clone(),
            backend: self.backend,
            city: self.city.clone(),
            lingyanli: self.lingyanli.clone(),
            lingyanli_building: self.lingyanli_building.clone(),
            yudeli: self.yudeli.clone(),
            ruoshui: self.ruoshui.clone(),
            url: self.url.clone(),
            drop_db: None,
        }
    }

    /// A second node on the same database: its own pool, scan writer and caches, the same
    /// clock and fixture ids. `finish` on it closes its pool only.
    pub async fn second_node(&self) -> TestApp {
        let mut app = App::open(&self.url, Vault::from_hex(&fixed_key()).unwrap())
            .await
            .expect("open the second node");
        app.clock = self.app.clock.clone();
        app.public_url = self.app.public_url.clone();
        TestApp {
            router: sanshe_web::router(sanshe_web::AppState::new(app.clone(), Default::default())),
            app,
            ..self.handle()
        }
    }

    /// Sends a request through the router.
    pub async fn request(&self, req: Request<Body>) -> Resp {
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec();
        Resp {
            status,
            headers,
            bytes,
        }
    }

    /// Sends `req` as if it came over a connection from `peer` (throttles and sign-in failures
    /// count per client address).
    pub async fn request_from(&self, peer: &str, mut req: Request<Body>) -> Resp {
        let addr: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        self.request(req).await
    }

    /// A JSON request from `peer`.
    pub async fn post_json_from(&self, peer: &str, path: &str, body: Value) -> Resp {
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.request_from(peer, req).await
    }

    /// Rows of a table (no filter: a test's own database).
    pub async fn count(&self, table: &str) -> i64 {
        let mut conn = self.app.db.conn().await.unwrap();
        sqlx::Row::try_get(
            &sqlx::query(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&mut *conn)
                .await
                .unwrap(),
            0,
        )
        .unwrap()
    }

    /// Every item of a paged API list (`{items, total, next}`), walked from its first page by
    /// `next`: the items in order, and the total, which every page must give alike. `path` may
    /// carry a query already.
    pub async fn every_page(&self, path: &str, token: &str) -> (Vec<Value>, i64) {
        let joint = if path.contains('?') { '&' } else { '?' };
        let (mut items, mut total, mut url) = (Vec::new(), None, path.to_string());
        loop {
            let page = self.get(&url, Some(token)).await.json();
            let said = page["total"]
                .as_i64()
                .unwrap_or_else(|| panic!("a page: {page}"));
            assert_eq!(
                *total.get_or_insert(said),
                said,
                "each page gives one total: {page}"
            );
            items.extend(page["items"].as_array().unwrap().iter().cloned());
            match page["next"].as_str() {
                Some(next) => url = format!("{path}{joint}after={next}"),
                None => return (items, said),
            }
        }
    }

    /// A new user with one grant, made as the command line would: `role` over the area
    /// `area_id`. Returns (their id, a bearer token signed in as them).
    pub async fn with_user(&self, username: &str, role: &str, area_id: &str) -> (String, String) {
        let id = self.user_named(username, username, role, area_id).await;
        (id, self.token(username).await)
    }

    /// A volunteer deployed to `area_id` under a (Chinese) display name, who has set their own
    /// password: their user id.
    pub async fn volunteer(&self, username: &str, name: &str, area_id: &str) -> String {
        self.user_named(username, name, "volunteer", area_id).await
    }

    /// A user named `name` holding `role` over `area_id`, who has set their own password.
    async fn user_named(&self, username: &str, name: &str, role: &str, area_id: &str) -> String {
        let cli = Actor::command_line(&self.app).await.unwrap();
        let user = sanshe_app::accounts::create_user(
            &self.app,
            &cli,
            username,
            name,
            PASSWORD,
            role,
            GrantTarget::Area(area_id.to_string()),
        )
        .await
        .unwrap_or_else(|e| panic!("fixture user {username}: {e}"));
        self.has_set_own_password(&user.id).await;
        user.id
    }

    /// The id of the area `area_id` lies in (the street of a community), as the city's admin reads it.
    pub async fn parent_of(&self, area_id: &str) -> String {
        let admin = self.token("admin").await;
        let area = self
            .get(&format!("/api/v1/areas/{area_id}"), Some(&admin))
            .await
            .json();
        area["parent_id"]
            .as_str()
            .unwrap_or_else(|| panic!("no parent: {area}"))
            .to_string()
    }

    /// Signs `username` in through the API with `password` as if from the address `peer` (the
    /// sign-in throttle and its failures count per address): the answer.
    pub async fn sign_in_from(&self, peer: &str, username: &str, password: &str) -> Resp {
        let body = serde_json::json!({"username": username, "password": password});
        self.post_json_from(peer, "/api/v1/sessions", body).await
    }

    /// Signs `username` in through the API; its bearer token.
    pub async fn token(&self, username: &str) -> String {
        let r = self
            .post_json(
                "/api/v1/sessions",
                None,
                serde_json::json!({"username": username, "password": PASSWORD}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()["token"].as_str().unwrap().to_string()
    }

    /// A new account's first API session: signs in with the password someone else set, sets
    /// its own (every other call is refused until then), and answers the bearer token.
    pub async fn first_token(&self, username: &str, given: &str) -> String {
        let body = serde_json::json!({"username": username, "password": given});
        let s = self.post_json("/api/v1/sessions", None, body).await;
        assert_eq!(s.status, StatusCode::CREATED, "{}", s.text());
        let session = s.json();
        let token = session["token"].as_str().unwrap().to_string();
        assert_eq!(session["must_change_password"], true, "{session}");
        let body =
            serde_json::json!({"current_password": given, "new_password": format!("{given}-own")});
        let r = self
            .post_json("/api/v1/account/password", Some(&token), body)
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        token
    }

    /// Whom `username` acts as, to call the application layer directly.
    pub async fn actor(&self, username: &str) -> Actor {
        let mut conn = self.app.db.conn().await.unwrap();
        let user = sanshe_store::accounts::user_by_name(&mut conn, username)
            .await
            .unwrap()
            .expect("a fixture user");
        drop(conn);
        sanshe_app::accounts::actor_of(&self.app, &user.id)
            .await
            .unwrap()
    }

    /// GET, with a bearer token if given.
    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        let mut b = Request::get(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.request(b.body(Body::empty()).unwrap()).await
    }

    /// A JSON request of any method.
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Value,
    ) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        self.request(b.body(Body::from(body.to_string())).unwrap())
            .await
    }

    /// POST of a JSON body.
    pub async fn post_json(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.send_json("POST", path, token, body).await
    }

    /// POST of a file as multipart form data.
    pub async fn post_multipart(
        &self,
        path: &str,
        token: Option<&str>,
        cookie: Option<&str>,
        fields: &[(&str, &str)],
        file: (&str, &[u8]),
    ) -> Resp {
        let boundary = "----sanshe-test-boundary";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: application/octet-stream\r\n\r\n", file.0).as_bytes());
        body.extend(file.1);
        body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut b = Request::post(path).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(c) = cookie {
            b = b.header(header::COOKIE, c);
        }
        self.request(b.body(Body::from(body)).unwrap()).await
    }

    /// Signs in through the page and returns (cookie header value, csrf token from the home page).
    pub async fn browser(&self, username: &str) -> (String, String) {
        let cookie = self.page_sign_in(username, PASSWORD).await;
        let html = self.page("/", &cookie).await.text();
        let csrf = csrf_on(&html).expect("csrf field on page");
        (cookie, csrf)
    }

    /// Signs in through the sign-in form with `password`: the session's cookie header value.
    pub async fn page_sign_in(&self, username: &str, password: &str) -> String {
        let (login_cookie, login_csrf) = self.login_form().await;
        let form = format!("username={username}&password={password}&next=%2F&csrf={login_csrf}");
        let r = self.post_sign_in(Some(&login_cookie), &form).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let set = r.headers.get(header::SET_COOKIE).unwrap().to_str().unwrap();
        set.split(';').next().unwrap().to_string()
    }

    /// Where the home page leads right after signing in on the sign-in form: the redirect's
    /// target, or `None` when it opens.
    pub async fn home_after_sign_in(&self, username: &str, password: &str) -> Option<String> {
        let cookie = self.page_sign_in(username, password).await;
        let r = self.page("/", &cookie).await;
        let to = r
            .headers
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok());
        to.map(str::to_string)
    }

    /// The user made by someone else with `PASSWORD` has since set it as their own, so their
    /// pages open without first asking for a new one.
    pub async fn has_set_own_password(&self, user_id: &str) {
        own_password(&self.app, user_id).await
    }

    /// Opens the sign-in page: (its cookie, the form's CSRF token).
    pub async fn login_form(&self) -> (String, String) {
        let r = self
            .request(Request::get("/login").body(Body::empty()).unwrap())
            .await;
        let cookie = r
            .headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .unwrap_or("")
            .to_string();
        let csrf = csrf_on(&r.text()).expect("csrf on the sign-in page");
        (cookie, csrf)
    }

    /// GET of a page with a session cookie.
    pub async fn page(&self, path: &str, cookie: &str) -> Resp {
        self.request(
            Request::get(path)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// POST of a url-encoded form with a session cookie.
    pub async fn post_form(&self, path: &str, cookie: &str, form: &str) -> Resp {
        self.request(
            Request::post(path)
                .header(header::COOKIE, cookie)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(form.to_string()))
                .unwrap(),
        )
        .await
    }

    /// 凌研里一区, the compound of the fixture's building, as `token`'s holder reads it.
    pub async fn lingyanli_compound(&self, token: &str) -> String {
        let path = format!("/api/v1/areas/{}", self.lingyanli_building);
        let building = self.get(&path, Some(token)).await.json();
        building["parent_id"].as_str().unwrap().to_string()
    }

    /// A gate named `name` at 凌研里一区, made by `token`'s holder; fails the test unless it is
    /// created; the gate as answered.
    pub async fn add_gate(&self, token: &str, name: &str) -> Value {
        let compound = self.lingyanli_compound(token).await;
        let body = serde_json::json!({"compound_id": compound, "name": name});
        let r = self.post_json("/api/v1/gates", Some(token), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()
    }

    /// A post on the rota to make through the API: a gate post in 凌研里社区 covered from 08:00
    /// for 8 hours in one shift of one person, unless the builder says otherwise;
    /// `.by(token)` makes it.
    pub fn rota_post<'a>(&'a self, name: &str) -> NewPost<'a> {
        NewPost {
            t: self,
            body: serde_json::json!({"area_id": self.lingyanli, "name": name, "kind": "gate",
                "cover_from": "08:00", "cover_hours": 8, "shift_hours": 8, "people": 1}),
        }
    }

    /// Makes `days` days of a post's shifts from `from` (YYYY-MM-DD), as `token`.
    pub async fn make_shifts(
        &self,
        token: &str,
        post_id: &str,
        from: impl std::fmt::Display,
        days: u32,
    ) -> Resp {
        let body = serde_json::json!({"from": from.to_string(), "days": days});
        let path = format!("/api/v1/posts/{post_id}/shifts");
        self.post_json(&path, Some(token), body).await
    }

    /// Posts the sign-in form `form` (url-encoded), with the sign-in page's cookie if given.
    pub async fn post_sign_in(&self, cookie: Option<&str>, form: &str) -> Resp {
        let mut req = Request::post("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            req = req.header(header::COOKIE, cookie);
        }
        self.request(req.body(Body::from(form.to_string())).unwrap())
            .await
    }

    /// A list narrowed to 裕德里社区 by the city's coordinator (`admin`), read three ways: the
    /// API at `api`, the page at `page` and its workbook at `export`, each given `area`. Holds
    /// what every narrowed list keeps: 凌研里's worker is answered 404 for that community, the
    /// page's picker has it chosen and the page leads to the narrowed workbook. Returns the
    /// API's answer, the page and the workbook's rows.
    pub async fn narrowed_to_yudeli(
        &self,
        api: &str,
        page: &str,
        export: &str,
    ) -> (Value, String, Vec<Vec<String>>) {
        let with_area = |path: &str| {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}area={}", self.yudeli)
        };
        let ling = self.token("worker.lingyanli").await;
        let refused = self.get(&with_area(api), Some(&ling)).await;
        assert_eq!(
            refused.status,
            StatusCode::NOT_FOUND,
            "{api}: another community's"
        );
        let admin = self.token("admin").await;
        let listed = self.get(&with_area(api), Some(&admin)).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.text());
        let (cookie, _) = self.browser("admin").await;
        let html = self.page(&with_area(page), &cookie).await.text();
        assert!(chosen_option(&html, &self.yudeli, "裕德里社区"), "{html}");
        let export = with_area(export);
        let link = format!("href=\"{}\"", export.replace('&', "&#38;"));
        assert!(html.contains(&link), "{link}: {html}");
        let sheet = self.page(&export, &cookie).await;
        let rows = sanshe_app::sheets::read_table(&sheet.bytes).expect("a workbook");
        (listed.json(), html, rows)
    }

    /// A resident to register through the API: in 凌研里社区's 1号楼 1单元 room 101 with no
    /// phone unless the builder says otherwise; `.by(token)` sends it.
    pub fn resident<'a>(&'a self, name: &str, document_number: &str) -> NewResident<'a> {
        NewResident {
            t: self,
            area: self.lingyanli.clone(),
            room: "101".into(),
            name: name.into(),
            document_number: document_number.into(),
            phone: String::new(),
        }
    }
}

/// A migrated, empty database: SQLite in a temporary folder, or (when `postgres` and
/// `SANSHE_TEST_DATABASE_URL` is set) a new PostgreSQL database to drop afterwards.
pub async fn empty_app(postgres: bool) -> Option<(App, Option<(String, String)>)> {
    empty_app_at(postgres)
        .await
        .map(|(app, cleanup, _)| (app, cleanup))
}

/// `empty_app`, also returning the database URL (to reopen it as a restarted process would).
pub async fn empty_app_at(postgres: bool) -> Option<(App, Option<(String, String)>, String)> {
    let (url, cleanup) = empty_database(postgres).await?;
    Some((make_app(&url).await, cleanup, url))
}

/// A new database with nothing in it, not even the schema: a SQLite file in a temporary folder,
/// or (when `postgres` and `SANSHE_TEST_DATABASE_URL` is set) a PostgreSQL database to drop
/// afterwards. Its URL, and what `finish` needs to drop it.
///
/// The PostgreSQL database sorts text as a Chinese server's would, and more harshly (ICU `zh`
/// passing over spaces and punctuation): whatever compares keys must not depend on it.
pub async fn empty_database(postgres: bool) -> Option<(String, Option<(String, String)>)> {
    if !postgres {
        let dir =
            std::env::temp_dir().join(format!("sanshe-test-{}", uuid::Uuid::now_v7().simple()));
        return Some((format!("sqlite://{}/sanshe.db", dir.display()), None));
    }
    let base = std::env::var("SANSHE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())?;
    sqlx::any::install_default_drivers();
    let name = format!("sanshe_t_{}", uuid::Uuid::now_v7().simple());
    let mut admin = <sqlx::AnyConnection as sqlx::Connection>::connect(&base)
        .await
        .expect("connect to SANSHE_TEST_DATABASE_URL");
    sqlx::query(&format!(
        "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' LOCALE_PROVIDER icu ICU_LOCALE 'zh-u-ka-shifted'"
    ))
    .execute(&mut admin)
    .await
    .expect("create test database");
    let url = match base.rfind('/') {
        Some(i) if i > "postgres://".len() => format!("{}/{name}", &base[..i]),
        _ => format!("{base}/{name}"),
    };
    Some((url, Some((base, name))))
}

/// Drops a database `empty_database` made (nothing for SQLite).
pub async fn drop_database(cleanup: Option<(String, String)>) {
    if let Some((base, name)) = cleanup
        && let Ok(mut admin) = <sqlx::AnyConnection as sqlx::Connection>::connect(&base).await
    {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await;
    }
}

/// The engines a test that runs on both goes through, as `postgres` flags: SQLite unless
/// `SANSHE_TEST_SKIP_SQLITE` is set, then PostgreSQL (which is skipped later when unconfigured).
pub fn engines() -> Vec<bool> {
    let sqlite = std::env::var_os("SANSHE_TEST_SKIP_SQLITE").is_none();
    [false, true]
        .into_iter()
        .filter(|pg| *pg || sqlite)
        .collect()
}

/// Runs `body` on SQLite, then on PostgreSQL when configured: one test body, two backends.
/// Each app is finished (its database dropped) after the body, whatever the body did with it.
/// `SANSHE_TEST_SKIP_SQLITE` leaves the SQLite half out, for a CI pass after one that ran it.
pub async fn on_both(body: impl AsyncFn(&mut TestApp)) {
    if engines().contains(&false) {
        let mut t = TestApp::sqlite().await;
        body(&mut t).await;
        t.finish().await;
    }
    if let Some(mut pg) = TestApp::postgres().await {
        body(&mut pg).await;
        pg.finish().await;
    }
}

/// A valid ID number for a person born on `y-m-d` with sequence `seq` (odd = male).
pub fn id_for(y: i32, m: u32, d: u32, seq: u16) -> String {
    sanshe_core::identity::MainlandId::synthesize(
        "120104",
        chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap(),
        seq,
    )
    .as_str()
    .to_string()
}

/// A chat-robot stand-in: records what arrives and fails the first `fail_first` requests.
#[derive(Clone, Default)]
pub struct Receiver {
    /// What it received: (the path with its signed query, the body).
    pub got: std::sync::Arc<std::sync::Mutex<Vec<(String, Value)>>>,
    /// How many requests it still answers with 500.
    pub fail_first: std::sync::Arc<std::sync::Mutex<usize>>,
}

async fn receive(
    axum::extract::State(r): axum::extract::State<Receiver>,
    uri: axum::http::Uri,
    axum::Json(body): axum::Json<Value>,
) -> (StatusCode, axum::Json<Value>) {
    r.got.lock().unwrap().push((uri.to_string(), body));
    let mut fail = r.fail_first.lock().unwrap();
    if *fail > 0 {
        *fail -= 1;
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(serde_json::json!({"errcode": 500})),
        );
    }
    (
        StatusCode::OK,
        axum::Json(serde_json::json!({"errcode": 0, "errmsg": "ok"})),
    )
}

/// Whether a page's select (a community picker …) has the option `value` chosen, shown as
/// `label`.
pub fn chosen_option(html: &str, value: &str, label: &str) -> bool {
    html.contains(&format!(
        "<option value=\"{value}\" selected>{label}</option>"
    ))
}

/// The CSRF token of a page's first form, if it has one.
pub fn csrf_on(html: &str) -> Option<String> {
    let field = "name=\"csrf\" value=\"";
    let at = html.find(field)? + field.len();
    html.get(at..at + 64).map(str::to_string)
}

/// Where the pager's link with this `id` (`next-page`, …) leads, as a path to request; none
/// when the page has no such link.
pub fn pager_link(html: &str, id: &str) -> Option<String> {
    let start = format!("id=\"{id}\" href=\"");
    let at = html.find(&start)? + start.len();
    let href = html[at..].split('"').next()?;
    Some(href.replace("&#38;", "&"))
}

/// The person has set `PASSWORD` as their own, as each new account does at its first sign-in;
/// written straight to the store, for hashing it again is what every test would pay for.
async fn own_password(app: &sanshe_app::App, user_id: &str) {
    let mut conn = app.db.conn().await.unwrap();
    let user = sanshe_store::accounts::user(&mut conn, user_id)
        .await
        .unwrap();
    sanshe_store::accounts::set_password(&mut conn, user_id, &user.password_hash, false)
        .await
        .unwrap();
}

/// A webhook receiver on a free port that fails its first `fail_first` deliveries; its URL.
pub async fn start_receiver(fail_first: usize) -> (String, Receiver) {
    let r = Receiver::default();
    *r.fail_first.lock().unwrap() = fail_first;
    let app = axum::Router::new()
        .route("/{*path}", axum::routing::post(receive))
        .with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    (format!("http://{addr}"), r)
}

/// A message key's Simplified Chinese text.
pub fn words(id: &str) -> String {
    sanshe_web::i18n::Tr::new(sanshe_web::i18n::Locale::ZhCn).t(id)
}

/// A resident a test is about to register (see `TestApp::resident`).
pub struct NewResident<'a> {
    t: &'a TestApp,
    area: String,
    room: String,
    name: String,
    document_number: String,
    phone: String,
}

impl NewResident<'_> {
    /// In this area (a community or a compound) instead of 凌研里社区.
    pub fn in_area(mut self, area_id: &str) -> Self {
        self.area = area_id.into();
        self
    }

    /// In this room of 1号楼 1单元.
    pub fn room(mut self, room: &str) -> Self {
        self.room = room.into();
        self
    }

    /// With this phone number.
    pub fn phone(mut self, phone: &str) -> Self {
        self.phone = phone.into();
        self
    }

    /// Registers the resident as the holder of `token`; fails the test unless it is created.
    pub async fn by(self, token: &str) -> Registered {
        let body = serde_json::json!({
            "area_id": self.area,
            "building": "1号楼",
            "unit": "1单元",
            "room": self.room,
            "name": self.name,
            "document_number": self.document_number,
            "phone": self.phone,
        });
        let r = self
            .t
            .post_json("/api/v1/residents", Some(token), body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let json = r.json();
        Registered {
            id: json["id"].as_str().unwrap().to_string(),
            household_id: json["household_id"].as_str().unwrap().to_string(),
            json,
        }
    }
}

/// A resident the API registered: its ids, and the answer as the worker saw it (masked).
pub struct Registered {
    /// The resident's id.
    pub id: String,
    /// Their household's id.
    pub household_id: String,
    /// The whole answer.
    pub json: Value,
}

impl std::ops::Index<&str> for Registered {
    type Output = Value;

    fn index(&self, field: &str) -> &Value {
        &self.json[field]
    }
}

/// A post a test is about to make (see `TestApp::rota_post`).
pub struct NewPost<'a> {
    t: &'a TestApp,
    body: Value,
}

impl NewPost<'_> {
    /// Any other field of the post's body (`kind`, `cover_from`, `people`, `skill`, `gate_id` …).
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.body[field] = value.into();
        self
    }

    /// Covered `cover_hours` a day from `from`, in shifts of `shift_hours`.
    pub fn covering(self, from: &str, cover_hours: u32, shift_hours: u32) -> Self {
        self.with("cover_from", from)
            .with("cover_hours", cover_hours)
            .with("shift_hours", shift_hours)
    }

    /// The answer to making it as the holder of `token`, whatever it is.
    pub async fn send(self, token: &str) -> Resp {
        self.t
            .post_json("/api/v1/posts", Some(token), self.body)
            .await
    }

    /// Makes it as the holder of `token`; fails the test unless it is created; its id.
    pub async fn by(self, token: &str) -> String {
        let r = self.send(token).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()["id"].as_str().unwrap().to_string()
    }
}

/// The number a home page's tile shows for `task`, or `None` when it has no such tile.
pub fn tile(home: &str, task: &str) -> Option<i64> {
    let at = home.find(&format!("data-task=\"{task}\"><b>"))?;
    let rest = &home[at..];
    let from = rest.find("<b>")? + 3;
    rest[from..rest.find("</b>")?].parse().ok()
}

impl TestApp {
    /// A fever alert raised at gate `subject` below `area` at `at` (ms), as a gate post raises
    /// one (kept open under its key, so one per gate).
    pub async fn gate_fever_alert(&self, area: &str, subject: &str, at: i64) {
        let mut conn = self.app.db.conn().await.unwrap();
        let path = sanshe_store::areas::get(&mut conn, area)
            .await
            .unwrap()
            .path;
        let key = format!("gate_fever:{subject}");
        let alert = sanshe_store::alerts::NewAlert {
            kind: sanshe_core::alerts::AlertKind::GateFever,
            area_path: &path,
            subject_kind: sanshe_core::alerts::AlertSubject::Gate,
            subject_id: subject,
            open_key: &key,
            event: "e",
            detail: "37.6℃",
        };
        sanshe_store::alerts::insert(&mut *conn, &alert, at)
            .await
            .unwrap();
    }
}
