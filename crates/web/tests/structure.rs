//! What the structure guarantees (issue 14): a route cannot forget what every route must do.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use support::on_both;

/// A path of the route table with each `{parameter}` filled in.
fn filled(path: &str, id: &str) -> String {
    path.split('/')
        .map(|segment| {
            if segment.starts_with('{') {
                id
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_signed_in_page_refuses_a_post_without_the_session_csrf_token() {
    on_both(async |t| {
        let state = sanshe_web::AppState::new(t.app.clone(), Default::default());
        let paths = sanshe_web::pages::session_paths(&state);
        assert!(
            paths.len() > 50,
            "the table lists the session routes: {paths:?}"
        );
        let (cookie, csrf) = t.browser("admin").await;
        let expired = support::words("err-csrf");
        let mut refused = 0;
        for path in &paths {
            // A real area id: a route that would act on it must still refuse.
            let url = filled(path, &t.lingyanli);
            for body in [String::from("csrf=forged&name=x"), String::from("name=x")] {
                let r = t
                    .request(
                        Request::post(url.as_str())
                            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                            .header(header::COOKIE, &cookie)
                            .body(Body::from(body))
                            .unwrap(),
                    )
                    .await;
                if r.status == StatusCode::METHOD_NOT_ALLOWED {
                    continue;
                }
                assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "POST {url}");
                assert!(r.text().contains(&expired), "POST {url}: {}", r.text());
                refused += 1;
            }
        }
        assert!(
            refused > 40,
            "{refused} refusals: the table has form routes"
        );
        // The same forged post as JSON with a wrong header, the gate post's way, is refused too.
        let r = t
            .request(
                Request::post(filled("/gates/{id}/scan", "x"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .header(header::COOKIE, &cookie)
                    .header("x-csrf-token", "forged")
                    .body(Body::from("{}"))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["errors"][0]["field"], "csrf");
        // With the token, the layer lets a form through to its handler.
        let ok = t
            .post_form(
                &format!("/areas/{}/children", t.lingyanli),
                &cookie,
                &format!("csrf={csrf}&kind=compound&name=%E6%96%B0%E5%B0%8F%E5%8C%BA"),
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    })
    .await;
}

/// The import page's form, as a browser sends it: the token first, then the community, the file.
async fn import(t: &support::TestApp, cookie: &str, token: &str) -> support::Resp {
    let sheet = "姓名,身份证号,楼栋,单元,房号\n王淑兰,11010519491231002X,1,1,501\n";
    t.post_multipart(
        "/import",
        None,
        Some(cookie),
        &[("csrf", token), ("community", t.lingyanli.as_str())],
        ("r.csv", sheet.as_bytes()),
    )
    .await
}

#[tokio::test]
async fn an_upload_form_is_checked_by_its_first_part_and_read_whole_only_when_it_passes() {
    on_both(async |t| {
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let forged = import(t, &cookie, "forged").await;
        assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(forged.text().contains(&support::words("err-csrf")));
        let ling = t.token("worker.lingyanli").await;
        assert_eq!(
            t.get("/api/v1/residents", Some(&ling)).await.json()["total"],
            0,
            "nothing was imported"
        );
        let done = import(t, &cookie, &csrf).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.text());
        assert_eq!(
            t.get("/api/v1/residents", Some(&ling)).await.json()["total"],
            1
        );
    })
    .await;
}

#[tokio::test]
async fn every_api_error_is_written_in_the_language_the_request_asks_for() {
    on_both(async |t| {
        let english = sanshe_web::i18n::Tr::new(sanshe_web::i18n::Locale::En);
        let ling = t.token("worker.lingyanli").await;
        let ask = |method: &str, path: &str, token: Option<&str>, body: &str| {
            let mut b = Request::builder()
                .method(method)
                .uri(path)
                .header("accept-language", "en")
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(token) = token {
                b = b.header(header::AUTHORIZATION, format!("Bearer {token}"));
            }
            b.body(Body::from(body.to_string())).unwrap()
        };
        // Refused before any handler runs: no token, a body that is not JSON, a bad query.
        let r = t.request(ask("GET", "/api/v1/residents", None, "")).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["title"], english.t("error-unauthorized"));
        let r = t
            .request(ask("POST", "/api/v1/residents", Some(&ling), "{not json"))
            .await;
        assert_eq!(r.json()["errors"][0]["message"], english.t("err-json"));
        let r = t
            .request(ask("GET", "/api/v1/residents?limit=many", Some(&ling), ""))
            .await;
        assert_eq!(r.json()["errors"][0]["message"], english.t("err-query"));
        // Refused by a use case, returned with `?` and nothing else.
        let r = t
            .request(ask("GET", "/api/v1/residents/none-such", Some(&ling), ""))
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        assert_eq!(r.json()["title"], english.t("error-not-found"));
        assert_eq!(r.headers[header::CONTENT_TYPE], "application/problem+json");
        // And in Chinese when nothing is asked for.
        let r = t.get("/api/v1/residents/none-such", Some(&ling)).await;
        assert_eq!(r.json()["title"], support::words("error-not-found"));
    })
    .await;
}

fn templates_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates")
}

/// Every line of every template: its file, the line and its index.
fn template_lines() -> Vec<(std::path::PathBuf, String, usize)> {
    let mut lines = Vec::new();
    for entry in std::fs::read_dir(templates_dir()).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            lines.push((path.clone(), line.to_string(), n));
        }
    }
    lines
}

/// The page policy (`default-src 'self'`, no inline script or style) blocks inline handlers and
/// style attributes: a confirmation written as `onclick` never runs, so the destructive action
/// goes through unasked. Confirmations are `data-confirm` on the form (assets/confirm.js).
#[test]
fn no_template_carries_an_inline_style_or_handler() {
    let mut found = Vec::new();
    for (path, line, n) in template_lines() {
        let lower = line.to_ascii_lowercase();
        let handler = [
            " onclick=",
            " onsubmit=",
            " onchange=",
            " oninput=",
            " onload=",
        ]
        .iter()
        .any(|h| lower.contains(h));
        if handler || lower.contains(" style=\"") || lower.contains("<style") {
            found.push(format!("{}:{}", path.display(), n + 1));
        }
    }
    assert!(found.is_empty(), "inline style or handler: {found:?}");
}

/// What a form does that cannot be taken back, or takes away what someone was given, by the end
/// of the address it posts to.
const DESTRUCTIVE: &[&str] = &[
    "/delete",
    "/remove",
    "/revoke",
    "/reissue",
    "/cancel",
    "/merge",
    "/close",
    "/deactivate",
    "/recalls",
    "/password-reset",
    "/sign-out-everywhere",
];

/// The same, for a form that posts to its record's address with the step in a hidden `action`:
/// releasing a person from isolation, and taking away or replacing their report link.
const DESTRUCTIVE_STEPS: &[&str] = &["release", "revoke_link", "renew_link"];

/// Every form that deletes, cancels, closes or takes away asks first (`data-confirm`), so a
/// slip of the thumb on a phone does not; the confirmation page that unlinks an organization
/// (`confirm.html`) is itself the question.
#[test]
fn every_destructive_form_asks_before_it_posts() {
    let mut unasked = Vec::new();
    let mut seen = 0;
    let mut last_form = String::new();
    for (path, line, n) in template_lines() {
        if let Some(step) = line
            .split("name=\"action\" value=\"")
            .nth(1)
            .and_then(|v| v.split('"').next())
            && DESTRUCTIVE_STEPS.contains(&step)
        {
            seen += 1;
            if !last_form.contains("data-confirm=\"") {
                unasked.push(format!("{}:{} {step}", path.display(), n + 1));
            }
        }
        let Some(at) = line.find("<form") else {
            continue;
        };
        let form = &line[at..];
        last_form = form.to_string();
        let action = form
            .split("action=\"")
            .nth(1)
            .and_then(|a| a.split('"').next())
            .unwrap_or("");
        if DESTRUCTIVE.iter().any(|d| action.ends_with(d)) {
            seen += 1;
            if !form.contains("data-confirm=\"") {
                unasked.push(format!("{}:{} {action}", path.display(), n + 1));
            }
        }
    }
    assert!(
        seen >= 15,
        "only {seen} destructive forms found: is the pattern still right?"
    );
    assert!(
        unasked.is_empty(),
        "destructive forms that do not ask: {unasked:?}"
    );
}

/// Block elements and form controls: two of them side by side on one line make the markup hard
/// to read and to diff, as the 692-character lines this issue found did.
const ONE_A_LINE: &[&str] = &[
    "p", "li", "tr", "td", "th", "dt", "dd", "div", "form", "section", "table", "thead", "tbody",
    "ul", "ol", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "option", "fieldset", "legend", "label",
    "select", "textarea", "details", "summary", "button", "input",
];

/// The widest a template line may be, in characters.
const TEMPLATE_WIDTH: usize = 160;

/// Where on a line an element of `ONE_A_LINE` starts after a sibling of the same kind ended
/// (`</td><td>`, `<input …><button>`); a parent and its first child (`<tr><td>`) may share one.
fn sibling_on_the_same_line(line: &str) -> bool {
    let mut ended = false;
    let mut rest = line;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        let closing = rest.starts_with('/');
        let name: String = rest
            .trim_start_matches('/')
            .chars()
            .take_while(char::is_ascii_alphanumeric)
            .collect();
        if !ONE_A_LINE.contains(&name.as_str()) {
            continue;
        }
        if closing {
            ended = true;
        } else if ended {
            return true;
        } else if name == "input" {
            ended = true;
        }
    }
    false
}

/// One element a line and no line wider than `TEMPLATE_WIDTH`: the templates read like the code.
#[test]
fn every_template_line_holds_one_element_and_fits_the_width() {
    assert!(sibling_on_the_same_line("<dt>a</dt><dd>b</dd>"));
    assert!(sibling_on_the_same_line(
        "<input type=\"hidden\"><button>b</button>"
    ));
    assert!(!sibling_on_the_same_line("<tr><td>a</td>"));
    assert!(!sibling_on_the_same_line(
        "<label><input type=\"checkbox\"> a</label>"
    ));
    let mut found = Vec::new();
    for (path, line, n) in template_lines() {
        let wide = line.chars().count() > TEMPLATE_WIDTH;
        if wide || sibling_on_the_same_line(&line) {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            found.push(format!("{name}:{}", n + 1));
        }
    }
    assert!(
        found.is_empty(),
        "{} lines to break: {found:?}",
        found.len()
    );
}

/// A field marked invalid names the message that says why (`aria-describedby`), the way
/// `macros.html`'s `input` writes it; a form written by hand cannot drop the pointer.
#[test]
fn every_field_marked_invalid_points_at_its_message() {
    let mut found = Vec::new();
    for (path, line, n) in template_lines() {
        let mut rest = line.as_str();
        while let Some(at) = rest.find(".has(\"") {
            rest = &rest[at + 6..];
            let field = &rest[..rest.find('"').unwrap_or(0)];
            let clause = &rest[..rest.find("{% endif %}").unwrap_or(rest.len())];
            if clause.contains("aria-invalid")
                && !clause.contains(&format!("aria-describedby=\"error-{field}\""))
            {
                found.push(format!("{}:{}", path.display(), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "invalid without its message: {found:?}");
}

/// A refused form shows again what was typed in each field, through whichever handler it
/// went, and never a password or a secret.
#[tokio::test]
async fn a_refused_form_keeps_what_was_typed_but_no_secret() {
    on_both(async |t| {
        let (cookie, csrf) = t.browser("admin").await;
        let r = t
            .post_form(
                "/webhooks",
                &cookie,
                &format!(
                    "csrf={csrf}&name=%E5%87%8C%E7%A0%94%E9%87%8C%E9%98%B2%E6%8E%A7%E7%BE%A4\
                     &area_id={}&kind=wechat&url=ftp%3A%2F%2Fx&secret=SECexample0123456789",
                    t.lingyanli
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let html = r.text();
        assert!(
            html.contains("name=\"name\" value=\"凌研里防控群\""),
            "{html}"
        );
        assert!(
            html.contains(
                "name=\"url\" value=\"ftp://x\" autocomplete=\"off\" aria-invalid=\"true\""
            ),
            "{html}"
        );
        assert!(!html.contains("SECexample0123456789"), "{html}");
        let r = t
            .post_form(
                "/users",
                &cookie,
                &format!(
                    "csrf={csrf}&username=new.worker&display_name=%E6%96%B0%E7%A4%BE%E5%B7%A5\
                     &password=short7&role=worker&area_id={}&organization_id=",
                    t.lingyanli
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let html = r.text();
        assert!(
            html.contains("name=\"username\" value=\"new.worker\""),
            "{html}"
        );
        assert!(
            html.contains("name=\"display_name\" value=\"新社工\""),
            "{html}"
        );
        assert!(!html.contains("short7"), "{html}");
        // A page read afresh keeps nothing.
        let fresh = t.page("/webhooks", &cookie).await.text();
        assert!(!fresh.contains("ftp://x"), "{fresh}");
        // A form past the limit is still refused whole, not kept, and says why in Chinese
        // inside the caller's menu (it was axum's line of English).
        let long = "x".repeat(sanshe_web::FORM_BODY);
        let r = t
            .post_form("/webhooks", &cookie, &format!("csrf={csrf}&name={long}"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let html = r.text();
        assert!(
            html.contains(&support::words("err-form-too-long")),
            "{html}"
        );
        assert!(html.contains("href=\"/webhooks\""), "{html}");
        assert!(!html.contains("xxxxxxxx"), "{html}");
        // The same through the handlers that read a form's pairs (checkbox groups).
        let r = t
            .post_form(
                "/isolations/new",
                &cookie,
                &format!("csrf={csrf}&note={long}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains(&support::words("err-form-too-long")));
        // The same on a public form, under its smaller limit, to someone not signed in.
        let long = "x".repeat(sanshe_web::PUBLIC_BODY);
        let r = t.post_sign_in(None, &format!("username={long}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains(&support::words("err-form-too-long")));
    })
    .await;
}

/// A list read a page at a time links back to its first page once past it, with the search
/// kept, and writes no link onward from its last page.
#[tokio::test]
async fn a_paged_list_links_back_to_its_first_page_with_its_filters() {
    on_both(async |t| {
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let first = t.page("/residents?q=%E7%8E%8B", &cookie).await.text();
        assert!(!first.contains("first-page") && !first.contains(&support::words("first-page")));
        let later = t
            .page("/residents?q=%E7%8E%8B&after=zzzz", &cookie)
            .await
            .text();
        assert!(
            later.contains(&format!(
                "<a class=\"button secondary\" href=\"/residents?q=%E7%8E%8B\">{}</a>",
                support::words("first-page")
            )),
            "{later}"
        );
        assert!(!later.contains("id=\"next-page\""), "{later}");
    })
    .await;
}

/// Every alert leads to a page that exists: `subject_page` gives each kind of subject a link
/// (an exhaustive match, so a new kind does not compile without one), and each link is a route
/// of the page table.
#[tokio::test]
async fn every_alert_kinds_link_is_a_page_route() {
    let t = support::TestApp::sqlite().await;
    let state = sanshe_web::AppState::new(t.app.clone(), Default::default());
    let routes = sanshe_web::pages::session_paths(&state);
    for kind in sanshe_core::alerts::AlertSubject::ALL {
        let link = sanshe_app::alerts::subject_page(kind, "{id}");
        assert!(
            routes.contains(&link.as_str()),
            "alerts about a {kind:?} lead to {link}, which is no page"
        );
    }
    t.finish().await;
}

#[tokio::test]
async fn a_page_that_fails_shows_the_error_inside_the_callers_menu_with_no_handler_wrapping_it() {
    on_both(async |t| {
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let not_found = support::words("error-not-found");
        // A read and a form, both failing inside the use case with `?` in the handler.
        let read = t.page("/households/no-such-household", &cookie).await;
        let form = format!("csrf={csrf}");
        let act = t
            .post_form("/campaigns/no-such-campaign/close", &cookie, &form)
            .await;
        for r in [read, act] {
            assert_eq!(r.status, StatusCode::NOT_FOUND);
            let html = r.text();
            assert!(html.contains(&not_found), "{html}");
            assert!(
                html.contains("action=\"/logout\""),
                "the signed-in menu: {html}"
            );
            assert!(
                html.contains(&csrf),
                "the menu's forms carry the session's token"
            );
        }
        // Without a session the page asks to sign in first, and an error is never framed.
        let r = t
            .page("/households/no-such-household", "sanshe_session=x")
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    })
    .await;
}

#[tokio::test]
async fn a_refused_form_keeps_its_choices_ticks_and_text_areas() {
    on_both(async |t| {
        let (cookie, csrf) = t.browser("admin").await;
        let (wcookie, wcsrf) = t.browser("worker.lingyanli").await;
        // A campaign without a name: two of the four questions ticked, its own question typed.
        let r = t
            .post_form(
                "/campaigns",
                &wcookie,
                &format!(
                    "csrf={wcsrf}&name=&area_id={}&questions=fever_or_cough\
                     &questions=contact_with_case&custom_questions=%E5%AE%B6%E4%B8%AD%E6%9C%89%E5%AD%95%E5%A6%87%E5%90%97",
                    t.lingyanli
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let html = r.text();
        for (question, ticked) in [
            ("fever_or_cough", true),
            ("arrived_from_elsewhere", false),
            ("elderly_alone_needs_help", false),
            ("contact_with_case", true),
        ] {
            let tick = format!("value=\"{question}\" checked");
            assert_eq!(html.contains(&tick), ticked, "{question}: {html}");
        }
        assert!(html.contains(">家中有孕妇吗</textarea>"), "{html}");
        assert!(
            html.contains(&format!("value=\"{}\" selected", t.lingyanli)),
            "{html}"
        );
        // A fresh form ticks every standard question.
        let fresh = t.page("/campaigns", &wcookie).await.text();
        assert!(fresh.contains("value=\"arrived_from_elsewhere\" checked"), "{fresh}");

        // A need without a title: its urgency and details come back as chosen.
        let r = t
            .post_form(
                "/needs",
                &cookie,
                &format!(
                    "csrf={csrf}&area_id={}&kind=service&title=&service=errands&wanted=1\
                     &urgency=urgent&audience=city&detail=%E6%AF%8F%E6%99%9A",
                    t.lingyanli
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let html = r.text();
        for (chosen, expected) in [
            ("value=\"urgent\" checked", true),
            ("value=\"normal\" checked", false),
            ("value=\"service\" checked", true),
            ("value=\"people\" checked", false),
            ("value=\"city\" checked", true),
            (">每晚</textarea>", true),
        ] {
            assert_eq!(html.contains(chosen), expected, "{chosen}: {html}");
        }

        // A delivery at the gate without a name: the kind and the "let in" tick stay.
        let worker = t.token("worker.lingyanli").await;
        let gate = t.add_gate(&worker, "南门").await;
        let r = t
            .post_form(
                &format!("/gates/{}/visitors", gate["id"].as_str().unwrap()),
                &wcookie,
                &format!("csrf={wcsrf}&kind=delivery&name=&phone=13812345678&entered=on"),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let html = r.text();
        assert!(html.contains("value=\"delivery\" checked"), "{html}");
        assert!(!html.contains("value=\"visitor\" checked"), "{html}");
        assert!(html.contains("name=\"entered\" checked"), "{html}");
        assert!(html.contains("value=\"13812345678\""), "{html}");
    })
    .await;
}

/// A stored word is one word everywhere: the API sends each value as the word it is stored as,
/// and the API document lists exactly those words for the field, so a client can read every
/// status and kind from the document.
#[tokio::test]
async fn the_api_document_lists_the_words_the_api_sends() {
    use sanshe_core::{alerts, campaigns, isolation, needs, volunteers};
    let t = support::TestApp::sqlite().await;
    let doc = t.get("/api/openapi.json", None).await.json();
    let schemas = &doc["components"]["schemas"];
    let listed = |name: &str| -> Vec<String> {
        let values = schemas[name]["enum"].as_array();
        let values = values.unwrap_or_else(|| panic!("{name} lists no words"));
        values
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect()
    };
    // Each value as the API sends it (JSON) and as it is stored (`Display` writes `as_str`).
    fn words<T: serde::Serialize + std::fmt::Display>(all: &[T]) -> (Vec<String>, Vec<String>) {
        let json = all.iter().map(|v| serde_json::to_value(v).unwrap());
        let sent = json.filter_map(|v| v.as_str().map(String::from)).collect();
        (sent, all.iter().map(ToString::to_string).collect())
    }
    let cases = [
        ("AlertKind", words(&alerts::AlertKind::ALL)),
        ("AlertStatus", words(&alerts::AlertStatus::ALL)),
        ("EpisodeStatus", words(&isolation::EpisodeStatus::ALL)),
        ("VisitOutcome", words(&campaigns::VisitOutcome::ALL)),
        ("NeedUrgency", words(&needs::NeedUrgency::ALL)),
        ("Vetting", words(&volunteers::Vetting::ALL)),
    ];
    for (name, (sent, stored)) in cases {
        assert_eq!(sent, stored, "{name}: the API sends the stored words");
        assert_eq!(listed(name), stored, "{name}: the document lists them");
    }
    let alert = &schemas["AlertView"]["properties"]["kind"]["$ref"];
    assert_eq!(
        alert, "#/components/schemas/AlertKind",
        "an alert's kind is typed"
    );
    t.finish().await;
}

#[tokio::test]
async fn every_choice_list_offers_every_word_of_its_type() {
    on_both(async |t| {
        let (cookie, _) = t.browser("admin").await;
        let lists: [(&str, &[&str]); 3] = [
            ("/users", &sanshe_core::accounts::Role::WORDS),
            ("/webhooks", &sanshe_core::alerts::WebhookKind::WORDS),
            (
                "/organizations",
                &sanshe_core::organizations::OrganizationKind::WORDS,
            ),
        ];
        for (path, words) in lists {
            let page = t.page(path, &cookie).await.text();
            for word in words {
                let option = format!("<option value=\"{word}\">");
                assert!(page.contains(&option), "{path} offers {word}: {page}");
            }
        }
    })
    .await;
}
