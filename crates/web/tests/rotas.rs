//! Rotas over HTTP on SQLite and PostgreSQL: posts and their shifts, gaps, taking and assigning
//! within the booking limits, drops, scope, check-in and check-out in China time, no-shows, and
//! the service-hours ledger.

mod support;

use axum::http::StatusCode;
use chrono::{Duration, NaiveDate};
use serde_json::{Value, json};
use support::{TestApp, on_both};

/// Moves the test clock to a China-time moment.
fn set_clock(t: &TestApp, day: NaiveDate, h: u32, m: u32) {
    let target = sanshe_app::utc_ms(day.and_hms_opt(h, m, 0).unwrap());
    t.app
        .clock
        .advance(Duration::milliseconds(target - t.app.clock.now_ms()));
}

async fn act(t: &TestApp, token: &str, shift: &str, what: &str) -> (StatusCode, Value) {
    let path = format!("/api/v1/shifts/{shift}/{what}");
    t.post_json(&path, Some(token), json!({})).await.answer()
}

fn field_error(v: &Value) -> String {
    v["errors"][0]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn rota(t: &TestApp, token: &str, area: &str, from: NaiveDate, days: u32) -> Value {
    let r = t
        .get(
            &format!("/api/v1/shifts?area={area}&from={from}&days={days}"),
            Some(token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn shifts_are_booked_within_the_limits_and_their_hours_counted() {
    on_both(async |t| {
        let admin = t.token("admin").await;
        let worker = t.token("worker.lingyanli").await;
        let d1 = t.app.clock.today() + Duration::days(1);

        // A post with a bad shape is refused field by field.
        let bad = t
            .post_json(
                "/api/v1/posts",
                Some(&worker),
                json!({"area_id": t.lingyanli, "name": "", "kind": "tower", "cover_from": "8点",
                       "cover_hours": 25, "shift_hours": 8, "people": 2}),
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            bad.text()
        );
        let fields: Vec<String> = bad.json()["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_string())
            .collect();
        for f in ["name", "kind", "cover_from", "hours"] {
            assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
        }

        // A gate round the clock from 08:00, three 8-hour shifts of two people a day.
        let post_id = t
            .rota_post("一区南门")
            .covering("08:00", 24, 8)
            .with("people", 2)
            .by(&worker)
            .await;
        for _ in 0..2 {
            let made = t.make_shifts(&worker, &post_id, d1, 2).await;
            assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
            assert_eq!(made.json()["shifts"], 6);
        }
        let r = rota(t, &worker, &t.lingyanli, d1, 2).await;
        let shifts = r["posts"][0]["shifts"].as_array().unwrap().clone();
        // Made twice, kept once; the second day's night shift starts on the third day, outside
        // a two-day rota.
        assert_eq!(shifts.len(), 5);
        assert_eq!(r["gap_minutes"], 5 * 480, "nothing covered yet");
        assert_eq!(
            rota(t, &worker, &t.lingyanli, d1, 3).await["posts"][0]["shifts"]
                .as_array()
                .unwrap()
                .len(),
            6
        );
        assert_eq!(shifts[0]["starts"], format!("{d1} 08:00"));
        assert_eq!(
            shifts[2]["ends"],
            format!("{} 08:00", d1 + Duration::days(1)),
            "the night shift runs past midnight"
        );
        let id = |i: usize| shifts[i]["id"].as_str().unwrap().to_string();
        let (morning, evening, night, next_morning) = (id(0), id(1), id(2), id(3));

        let (v1, v1_token) = t.with_user("vol.one", "volunteer", &t.lingyanli).await;
        let (v2, v2_token) = t.with_user("vol.two", "volunteer", &t.lingyanli).await;
        let (v3, _) = t.with_user("vol.three", "volunteer", &t.lingyanli).await;
        let (_, far_token) = t.with_user("vol.yudeli", "volunteer", &t.yudeli).await;

        assert_eq!(
            act(t, &v1_token, &morning, "take").await.0,
            StatusCode::NO_CONTENT
        );
        let (s, v) = act(t, &v1_token, &morning, "take").await;
        assert_eq!(
            (s, field_error(&v).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "err-shift-double-booked")
        );
        // 16:00 straight after a shift ending at 16:00: no rest.
        let (s, v) = act(t, &v1_token, &evening, "take").await;
        assert_eq!(
            (s, field_error(&v).as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "err-shift-too-little-rest"
            )
        );
        // 00:00–08:00 after 08:00–16:00 keeps 8 hours' rest but makes 16 hours in 24.
        let (s, v) = act(t, &v1_token, &night, "take").await;
        assert_eq!(
            (s, field_error(&v).as_str()),
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                "err-shift-over-daily-limit"
            )
        );
        assert_eq!(
            act(t, &v1_token, &next_morning, "take").await.0,
            StatusCode::NO_CONTENT
        );

        // Someone deployed elsewhere does not see the shift.
        assert_eq!(
            act(t, &far_token, &morning, "take").await.0,
            StatusCode::NOT_FOUND
        );
        // A worker fills the second place; a third is refused.
        let assign = |who: String| {
            let (t, worker, morning) = (&t, worker.clone(), morning.clone());
            async move {
                t.post_json(
                    &format!("/api/v1/shifts/{morning}/assign"),
                    Some(&worker),
                    json!({"user_id": who}),
                )
                .await
            }
        };
        assert_eq!(assign(v2.clone()).await.status, StatusCode::NO_CONTENT);
        let full = assign(v3.clone()).await;
        assert_eq!(full.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_error(&full.json()), "err-shift-full");
        let r = rota(t, &worker, &t.lingyanli, d1, 2).await;
        assert_eq!(r["posts"][0]["shifts"][0]["gap_minutes"], 0);
        assert_eq!(
            r["gap_minutes"],
            4 * 480,
            "the morning and the next morning's half are not gaps now"
        );
        let counted = t
            .get(
                &format!("/api/v1/shifts/gaps?area={}&from={d1}&days=2", t.lingyanli),
                Some(&worker),
            )
            .await
            .json();
        assert_eq!(
            counted["gap_minutes"],
            4 * 480,
            "counted in the database the same: {counted}"
        );
        assert_eq!(counted["posts"][0]["short"], 4);
        assert_eq!(counted["posts"][0]["shifts"], 5);

        // A drop frees the place; dropping again is refused.
        assert_eq!(
            act(t, &v2_token, &morning, "drop").await.0,
            StatusCode::NO_CONTENT
        );
        // The worker is told: an alert on the shift, in the alert centre.
        let told = t
            .get("/api/v1/alerts?kind=shift_dropped", Some(&worker))
            .await
            .json();
        let told = told["items"].as_array().unwrap().clone();
        assert_eq!(told.len(), 1, "{told:?}");
        assert_eq!(told[0]["subject_id"], morning.as_str());
        let (s, v) = act(t, &v2_token, &morning, "drop").await;
        assert_eq!(
            (s, field_error(&v).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "err-shift-not-yours")
        );
        assert_eq!(
            rota(t, &worker, &t.lingyanli, d1, 1).await["posts"][0]["shifts"][0]["gap_minutes"],
            480
        );
        assert_eq!(assign(v2.clone()).await.status, StatusCode::NO_CONTENT);

        // Check-in opens 30 minutes before the start (China time).
        set_clock(t, d1, 7, 20);
        let (s, v) = act(t, &v1_token, &morning, "check-in").await;
        assert_eq!(
            (s, field_error(&v).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "err-shift-not-now")
        );
        set_clock(t, d1, 7, 45);
        assert_eq!(
            act(t, &v1_token, &morning, "check-in").await.0,
            StatusCode::NO_CONTENT
        );
        let (s, v) = act(t, &v1_token, &morning, "check-in").await;
        assert_eq!(
            (s, field_error(&v).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "err-shift-checked-in")
        );
        set_clock(t, d1, 8, 20);
        let r = rota(t, &worker, &t.lingyanli, d1, 1).await;
        let holders = r["posts"][0]["shifts"][0]["holders"]
            .as_array()
            .unwrap()
            .clone();
        let by_name = |n: &str| holders.iter().find(|h| h["name"] == n).unwrap().clone();
        assert_eq!(by_name("vol.one")["no_show"], false);
        assert_eq!(
            by_name("vol.two")["no_show"],
            true,
            "not checked in 20 minutes into the shift"
        );
        let (_, v3_token) = (v3.clone(), t.token("vol.three").await);
        let (s, v) = act(t, &v3_token, &morning, "take").await;
        assert_eq!(
            (s, field_error(&v).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "err-shift-started")
        );

        // Checked out after midnight: counted from 07:45 to two hours past the 16:00 end.
        set_clock(t, d1 + Duration::days(1), 0, 10);
        let (s, v) = act(t, &v1_token, &morning, "check-out").await;
        assert_eq!((s, v["minutes"].clone()), (StatusCode::OK, json!(615)));
        let (s, v) = act(t, &v1_token, &morning, "check-out").await;
        assert_eq!(
            (s, field_error(&v).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "err-shift-not-checked-in")
        );
        let (s, v) = act(t, &v2_token, &morning, "check-out").await;
        assert_eq!(
            (s, field_error(&v).as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "err-shift-not-checked-in")
        );

        // Tightened limits find the bookings made under the old ones: vol.one's two mornings
        // 24 hours apart break a 20-hour rest.
        let worker_actor = t.actor("worker.lingyanli").await;
        assert!(
            sanshe_app::rotas::breaches(&t.app, &worker_actor, &t.lingyanli, d1, 2)
                .await
                .unwrap()
                .is_empty()
        );
        let mut strict = t.app.clone();
        strict.rules.booking.min_rest_minutes = 20 * 60;
        let found = sanshe_app::rotas::breaches(&strict, &worker_actor, &t.lingyanli, d1, 2)
            .await
            .unwrap();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found
                .iter()
                .all(|b| b.user_id == v1 && b.limit == "err-shift-too-little-rest")
        );

        let mine = t.get("/api/v1/hours", Some(&v1_token)).await.json();
        assert_eq!(mine["total_minutes"], 615);
        // The printable record: 615 minutes are 10.2 hours.
        let (cookie, _) = t.browser("vol.one").await;
        let cert = t.page("/hours/certificate", &cookie).await.text();
        assert!(
            cert.contains("志愿服务时长记录") && cert.contains("一区南门"),
            "{cert}"
        );
        assert!(cert.contains("<b id=\"cert-total\">10.2</b>"), "{cert}");
        // Where, who is to sign and seal, whose record, and a number entered in the register.
        assert!(
            cert.contains("服务地点") && cert.contains("凌研里社区") && cert.contains("负责人"),
            "{cert}"
        );
        // The account is said to be the platform's, never passed off as a national volunteer
        // number, which is not named until the volunteer gives one.
        assert!(
            cert.contains("平台账号: vol.one") && !cert.contains("id=\"cert-number\""),
            "{cert}"
        );
        let serial = cert
            .split("id=\"cert-serial\">")
            .nth(1)
            .unwrap()
            .split('<')
            .next()
            .unwrap()
            .to_string();
        assert!(serial.ends_with("-615"), "{serial}");
        let register = t
            .get("/api/v1/audit?action=hours.certificate", Some(&admin))
            .await
            .json();
        assert!(register.to_string().contains(&serial), "{register}");
        // Shown again, the same record keeps its number and the register lists it once.
        assert!(
            t.page("/hours/certificate", &cookie)
                .await
                .text()
                .contains(&serial)
        );
        let register = t
            .get("/api/v1/audit?action=hours.certificate", Some(&admin))
            .await
            .json();
        assert_eq!(
            register.to_string().matches(&serial).count(),
            1,
            "{register}"
        );
        assert_eq!(mine["lines"][0]["post"], "一区南门");
        assert_eq!(mine["lines"][0]["date"], d1.to_string());
        assert_eq!(mine["lines"][0]["confirmed_by"], "vol.one");
        assert_eq!(
            t.get("/api/v1/hours", Some(&v2_token)).await.json()["total_minutes"],
            0
        );
        let all = t.get("/api/v1/hours?who=all", Some(&worker)).await.json();
        assert_eq!(all["lines"].as_array().unwrap().len(), 1);
        assert_eq!(all["lines"][0]["user_id"], v1);
        let other = t.token("worker.yudeli").await;
        let theirs = t.get("/api/v1/hours?who=all", Some(&other)).await.json();
        assert_eq!(
            theirs["lines"].as_array().unwrap().len(),
            0,
            "another community's hours stay there"
        );
        // Totals: the worker's community; a sign-up without an organization counts as individual.
        let totals = t.get("/api/v1/hours/totals", Some(&worker)).await.json();
        assert_eq!(
            totals["all"],
            json!({"name": "", "people": 1, "shifts": 1, "minutes": 615})
        );
        assert_eq!(
            totals["by_community"],
            json!([{"name": "凌研里社区", "people": 1, "shifts": 1, "minutes": 615}])
        );
        assert_eq!(totals["by_organization"][0]["name"], "");
        let (worker_cookie, _) = t.browser("worker.lingyanli").await;
        let page = t.page("/volunteers", &worker_cookie).await.text();
        assert!(
            page.contains("<tr><td>凌研里社区</td>") && !page.contains("id=\"hours-none\""),
            "the same totals on the volunteers page: {page}"
        );
        let theirs = t.get("/api/v1/hours/totals", Some(&other)).await.json();
        assert_eq!(
            (
                theirs["all"]["minutes"].clone(),
                theirs["by_community"].clone()
            ),
            (json!(0), json!([]))
        );
        assert_eq!(
            t.get("/api/v1/hours/totals", Some(&v1_token)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            t.get(
                &format!("/api/v1/shifts?area={}&from={d1}&days=1", t.lingyanli),
                Some(&other)
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn a_volunteer_takes_and_checks_in_to_a_shift_on_the_rota_page() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let d1 = t.app.clock.today() + Duration::days(1);
        let post = t
            .rota_post("心理热线")
            .with("kind", "hotline")
            .covering("08:00", 12, 6);
        let post = post.by(&worker).await;
        let made = t.make_shifts(&worker, &post, d1, 1).await;
        assert_eq!(made.status, StatusCode::CREATED);
        t.with_user("vol.page", "volunteer", &t.lingyanli).await;
        let (cookie, csrf) = t.browser("vol.page").await;
        let page = t.page(&format!("/rota?from={d1}&days=1"), &cookie).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.text());
        let html = page.text();
        assert!(html.contains("心理热线"), "{html}");
        assert_eq!(
            html.matches("class=\"shift gap\"").count(),
            2,
            "both shifts missing their one person"
        );
        let i = html.find("/rota/shifts/").unwrap() + "/rota/shifts/".len();
        let shift = html[i..i + 32].to_string();
        let form = format!("csrf={csrf}&area={}&from={d1}", t.lingyanli);
        let r = t
            .post_form(&format!("/rota/shifts/{shift}/take"), &cookie, &form)
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let html = t
            .page(&format!("/rota?from={d1}&days=1&done=take"), &cookie)
            .await
            .text();
        assert_eq!(html.matches("class=\"shift gap\"").count(), 1);
        assert!(html.contains("已认领班次"));
        assert!(
            !html.contains(&format!("/rota/shifts/{shift}/check-in")),
            "no check-in button a day ahead"
        );
        // Too early to check in: the page says why, in Chinese.
        let r = t
            .post_form(&format!("/rota/shifts/{shift}/check-in"), &cookie, &form)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("只能在班次开始前30分钟"), "{}", r.text());
        // The volunteer's home shows the shift taken, without check-in a day ahead, and no
        // registry (no resident search, no scope).
        let home = t.page("/", &cookie).await.text();
        let shifts = &home[home.find("id=\"home-shifts\"").expect("the next shifts")..];
        assert!(
            shifts.contains("心理热线") && shifts.contains(&format!("{d1} 08:00–14:00")),
            "{home}"
        );
        assert!(!home.contains(&format!("/rota/shifts/{shift}/check-in")));
        assert!(
            !home.contains("action=\"/residents\"") && !home.contains("id=\"home-tasks\""),
            "{home}"
        );
        set_clock(t, d1, 7, 50);
        let html = t
            .page(&format!("/rota?from={d1}&days=1"), &cookie)
            .await
            .text();
        assert!(html.contains(&format!("/rota/shifts/{shift}/check-in")));
        // Ten minutes before the start the home page carries the check-in, and it works there.
        let home = t.page("/", &cookie).await.text();
        assert!(
            home.contains(&format!("action=\"/rota/shifts/{shift}/check-in\"")),
            "{home}"
        );
        let r = t
            .post_form(
                &format!("/rota/shifts/{shift}/check-in"),
                &cookie,
                &format!("csrf={csrf}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let home = t.page("/", &cookie).await.text();
        assert!(
            home.contains("已签到") && !home.contains(&format!("/rota/shifts/{shift}/check-in"))
        );
        // The worker's home counts what to do now: the other shift of the day still short.
        let (worker_cookie, _) = t.browser("worker.lingyanli").await;
        let home = t.page("/", &worker_cookie).await.text();
        let short = &home[home
            .find("data-task=\"home-short\"")
            .expect("today's shifts short")..];
        assert!(
            short.starts_with("data-task=\"home-short\"><b>1</b>"),
            "{home}"
        );
        // The tile leads to today's shifts missing someone: that one, not the one taken; its
        // forms bring the worker back to the same view.
        let link = "/rota?days=1&#38;short=true";
        assert!(
            home.contains(&format!("href=\"{link}\" data-task=\"home-short\"")),
            "{home}"
        );
        let gaps = t
            .page(&link.replace("&#38;", "&"), &worker_cookie)
            .await
            .text();
        assert_eq!(gaps.matches("data-shift=").count(), 1, "{gaps}");
        assert!(!gaps.contains(&format!("data-shift=\"{shift}\"")), "{gaps}");
        assert!(
            gaps.contains("<input type=\"hidden\" name=\"short\" value=\"true\">"),
            "{gaps}"
        );
        let every = t
            .page(&format!("/rota?from={d1}&days=1"), &worker_cookie)
            .await
            .text();
        assert_eq!(every.matches("data-shift=").count(), 2, "{every}");
        let html = t
            .page(&format!("/rota?from={d1}&days=1"), &cookie)
            .await
            .text();
        assert!(html.contains(&format!("/rota/shifts/{shift}/check-out")));
        // The city is summed up per post, not listed shift by shift.
        let (admin_cookie, _) = t.browser("admin").await;
        let html = t
            .page(
                &format!("/rota?area={}&from={d1}&days=1", t.city),
                &admin_cookie,
            )
            .await
            .text();
        assert!(
            html.contains("rota-posts") && html.contains("心理热线"),
            "{html}"
        );
        assert!(
            !html.contains("class=\"shift"),
            "no shift lines at city level"
        );
        // A forged form is refused.
        let r = t
            .post_form(
                &format!("/rota/shifts/{shift}/check-out"),
                &cookie,
                "csrf=forged",
            )
            .await;
        assert_ne!(r.status, StatusCode::SEE_OTHER);
    })
    .await;
}

#[tokio::test]
async fn a_community_gets_a_stretch_of_shifts_for_all_its_posts_at_once() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let other = t.token("worker.yudeli").await;
        let d1 = t.app.clock.today() + Duration::days(1);
        // A gate round the clock (3 shifts a day) and a hotline 12 hours a day (2 of 6 hours).
        for (name, kind, from, hours, shift) in [
            ("一区南门", "gate", "08:00", 24, 8),
            ("心理热线", "hotline", "08:00", 12, 6),
        ] {
            let r = t
                .post_json(
                    "/api/v1/posts",
                    Some(&worker),
                    json!({"area_id": t.lingyanli_building, "name": name, "kind": kind,
                           "cover_from": from, "cover_hours": hours, "shift_hours": shift, "people": 1}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        }
        // Made twice: the second time keeps what is there, so the rota has them once.
        for _ in 0..2 {
            let r = make_area(t, &worker, &t.lingyanli, d1, 3).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            assert_eq!(r.json()["shifts"], 15);
        }
        // The gate's third night shift starts at midnight after the third day.
        let r = rota(t, &worker, &t.lingyanli, d1, 4).await;
        let counts: Vec<usize> = r["posts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["shifts"].as_array().unwrap().len())
            .collect();
        assert_eq!(counts.iter().sum::<usize>(), 15, "{counts:?}");
        assert!(counts.contains(&9) && counts.contains(&6), "{counts:?}");

        // Another community's worker cannot make them; a stretch out of range is refused.
        let r = make_area(t, &other, &t.lingyanli, d1, 3).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(field_error(&r.json()), "err-area-not-found");
        let r = make_area(t, &worker, &t.lingyanli, d1, 63).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert_eq!(field_error(&r.json()), "err-rota-days");
    })
    .await;
}

async fn make_area(
    t: &TestApp,
    token: &str,
    area: &str,
    from: NaiveDate,
    days: u32,
) -> support::Resp {
    t.post_json(
        "/api/v1/shifts",
        Some(token),
        json!({"area_id": area, "from": from, "days": days}),
    )
    .await
}

#[tokio::test]
async fn holders_are_reminded_and_a_no_show_alerted_once_with_who_could_cover() {
    on_both(async |t| {
        let admin = t.token("admin").await;
        let worker = t.token("worker.lingyanli").await;
        let d0 = t.app.clock.today();
        let d1 = d0 + Duration::days(1);
        set_clock(t, d0, 20, 0);
        let post_id = t.rota_post("二区北门").covering("08:00", 24, 8).by(&worker).await;
        let made = t.make_shifts(&worker, &post_id, d1, 1).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let r = rota(t, &worker, &t.lingyanli, d1, 1).await;
        let shifts = r["posts"][0]["shifts"].as_array().unwrap().clone();
        let (morning, afternoon) = (shifts[0]["id"].as_str().unwrap(), shifts[1]["id"].as_str().unwrap());
        let (v1, v1_token) = t.with_user("v.early", "volunteer", &t.lingyanli).await;
        let (_, v2_token) = t.with_user("v.late", "volunteer", &t.lingyanli).await;
        let (v3, _) = t.with_user("v.free", "volunteer", &t.lingyanli).await;
        let (v4, _) = t.with_user("v.yudeli", "volunteer", &t.yudeli).await;
        let (v5, _) = t.with_user("v.street", "volunteer", &t.parent_of(&t.lingyanli).await).await;
        assert_eq!(act(t, &v1_token, morning, "take").await.0, StatusCode::NO_CONTENT);
        assert_eq!(act(t, &v2_token, afternoon, "take").await.0, StatusCode::NO_CONTENT);

        // The community's chat group (a robot) hears of reminders too.
        let (base, rx) = support::start_receiver(0).await;
        let hook = t
            .post_json("/api/v1/webhooks", Some(&admin), json!({"area_id": t.lingyanli, "name": "凌研里志愿者群", "kind": "json", "url": format!("{base}/hook")}))
            .await;
        assert_eq!(hook.status, StatusCode::CREATED, "{}", hook.text());

        // 07:10: the morning's holder is reminded, once; the afternoon's not yet.
        set_clock(t, d1, 7, 10);
        let w = sanshe_app::rotas::watch(&t.app).await.unwrap();
        assert_eq!(w.reminded, 1);
        assert_eq!(sanshe_app::rotas::watch(&t.app).await.unwrap().reminded, 0);
        let client = reqwest::Client::new();
        let hooks = t.get("/api/v1/webhooks", Some(&admin)).await.json();
        let round = sanshe_app::notify::deliver_due(&t.app, &client, &support::words).await.unwrap();
        assert_eq!(round.messages, 1, "{round:?} {hooks}");
        let got = rx.got.lock().unwrap().clone();
        let text = got[0].1.to_string();
        assert!(text.contains("凌研里社区") && text.contains("班次提醒") && text.contains("/rota"), "{text}");
        assert!(!text.contains("v.early"), "no names in chat groups");
        let mine = t.get("/api/v1/shifts/reminders", Some(&v1_token)).await.json();
        assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
        assert_eq!(mine[0]["shift_id"], morning);
        assert_eq!(mine[0]["minutes_to_start"], 50);
        assert_eq!(t.get("/api/v1/shifts/reminders", Some(&v2_token)).await.json(), json!([]));
        let (v1_cookie, _) = t.browser("v.early").await;
        let html = t.page("/rota", &v1_cookie).await.text();
        assert!(html.contains("班次提醒") && html.contains("还有 50 分钟开始"), "{html}");

        // 08:14 is not yet a no-show; 08:20 is, alerted once, and stays told after it is closed.
        set_clock(t, d1, 8, 14);
        assert_eq!(sanshe_app::rotas::watch(&t.app).await.unwrap().no_shows, 0);
        set_clock(t, d1, 8, 20);
        assert_eq!(sanshe_app::rotas::watch(&t.app).await.unwrap().no_shows, 1);
        let alerts = t.get("/api/v1/alerts?kind=no_show", Some(&worker)).await.json()["items"].clone();
        let list = alerts.as_array().unwrap().clone();
        assert_eq!(list.len(), 1, "{alerts}");
        let alert_id = list[0]["id"].as_str().unwrap();
        let resolved = t
            .post_json(&format!("/api/v1/alerts/{alert_id}/resolve"), Some(&worker), json!({"note": "已电话联系，安排顶班"}))
            .await;
        assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.text());
        assert_eq!(sanshe_app::rotas::watch(&t.app).await.unwrap().no_shows, 0);
        let other = t.token("worker.yudeli").await;
        let theirs = t.get("/api/v1/alerts?kind=no_show", Some(&other)).await.json()["items"].clone();
        assert_eq!(theirs, json!([]));

        // Who could cover now: not the holder, not the afternoon's (no rest, over 12 h), not
        // someone of another community; the free volunteer of 凌研里, and the one deployed at
        // its street, above the worker's own community (equally loaded, so by name).
        let cover = t.get(&format!("/api/v1/shifts/{morning}/cover"), Some(&worker)).await;
        assert_eq!(cover.status, StatusCode::OK, "{}", cover.text());
        let ids: Vec<String> = cover.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["user_id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, [v3.clone(), v5], "not {v1} (holder) nor {v4} (裕德里)");
        assert_eq!(t.get(&format!("/api/v1/shifts/{morning}/cover"), Some(&other)).await.status, StatusCode::NOT_FOUND);

        // On the rota page the worker finds cover: takes the no-show off (a volunteer cannot
        // take a started shift back) and puts the free volunteer on the shift under way.
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let html = t.page(&format!("/rota?area={}&from={d1}&days=1", t.lingyanli), &cookie).await.text();
        let cover_page = format!("/rota/shifts/{morning}/cover?area={}&from={d1}", t.lingyanli);
        assert!(html.contains(&cover_page.replace('&', "&amp;")), "{html}");
        // The new-post form offers every kind of post, each under its name.
        for (kind, name) in [("gate", "卡口"), ("hotline", "热线"), ("care_home", "养老院值守"), ("support", "支援组"), ("other", "其他")] {
            assert!(html.contains(&format!("<option value=\"{kind}\">")), "{kind}");
            assert!(html.contains(name), "{name}");
        }
        // … and every skill a post may ask for, the same list volunteers choose theirs from.
        for skill in sanshe_app::volunteers::SKILLS {
            assert!(html.contains(&format!("<option value=\"{skill}\">")), "{skill}");
        }
        // The rota's workbook is the duty list as shown: each shift, who holds it (the no-show
        // marked) and how many are still missing; with `short`, only the shifts missing someone.
        let export = format!("/rota/export.xlsx?area={}&from={d1}&days=1", t.lingyanli);
        assert!(html.contains(&format!("id=\"rota-export\" href=\"{}\"", export.replace('&', "&#38;"))), "{html}");
        let rows = sanshe_app::sheets::read_table(&t.page(&export, &cookie).await.bytes).unwrap();
        assert_eq!(rows[0], ["岗位", "开始", "结束", "需要人数", "已排人员", "还缺几人"]);
        let lines: Vec<(&str, &str)> = rows[1..].iter().map(|r| (r[4].as_str(), r[5].as_str())).collect();
        assert_eq!(lines, [("v.early（未到岗）", "1"), ("v.late", "0")], "{rows:?}");
        assert!(rows[1][0] == "二区北门" && rows[1][1].ends_with("08:00") && rows[1][2].ends_with("16:00"), "{rows:?}");
        let short = sanshe_app::sheets::read_table(&t.page(&format!("{export}&short=true"), &cookie).await.bytes).unwrap();
        assert_eq!(short.len(), 2, "a header and the no-show's shift: {short:?}");
        // A street's is counted per post, as its page is.
        let (bureau, _) = t.browser("admin").await;
        let street = t.parent_of(&t.lingyanli).await;
        let summed = t.page(&format!("/rota/export.xlsx?area={street}&from={d1}&days=1"), &bureau).await;
        let summed = sanshe_app::sheets::read_table(&summed.bytes).unwrap();
        assert_eq!(summed[0], ["岗位", "类型", "缺人班次/总班次", "缺人的小时数"]);
        assert!(summed.iter().any(|r| r[0] == "二区北门" && r[2].ends_with("/2")), "{summed:?}");
        let html = t.page(&cover_page, &cookie).await.text();
        assert!(html.contains("v.free") && html.contains("未到岗"), "{html}");
        assert!(!html.contains("/assign"), "no place free while the no-show holds it");
        let form = |user: &str| format!("csrf={csrf}&area={}&from={d1}&user_id={user}", t.lingyanli);
        let r = t.post_form(&format!("/rota/shifts/{morning}/remove"), &cookie, &form(&v1)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert!(r.headers.get("location").unwrap().to_str().unwrap().starts_with(&format!("/rota/shifts/{morning}/cover")));
        assert_eq!(act(t, &v1_token, morning, "take").await.1["errors"][0]["code"], "err-shift-started");
        let html = t.page(&cover_page, &cookie).await.text();
        assert!(html.contains(&format!("/rota/shifts/{morning}/assign")), "{html}");
        let r = t.post_form(&format!("/rota/shifts/{morning}/assign"), &cookie, &form(&v3)).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = rota(t, &worker, &t.lingyanli, d1, 1).await;
        assert_eq!(r["posts"][0]["shifts"][0]["holders"][0]["user_id"], v3.as_str());
        assert_eq!(t.get("/api/v1/shifts/reminders", Some(&v1_token)).await.json(), json!([]));
    })
    .await;
}

#[tokio::test]
async fn a_volunteer_swaps_a_shift_and_the_worker_is_told() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let d1 = t.app.clock.today() + Duration::days(1);
        let post = t
            .rota_post("三区西门")
            .covering("08:00", 24, 8)
            .by(&worker)
            .await;
        let made = t.make_shifts(&worker, &post, d1, 1).await;
        assert_eq!(made.status, StatusCode::CREATED);
        let r = rota(t, &worker, &t.lingyanli, d1, 1).await;
        let shifts = r["posts"][0]["shifts"].as_array().unwrap().clone();
        let (morning, afternoon) = (
            shifts[0]["id"].as_str().unwrap(),
            shifts[1]["id"].as_str().unwrap(),
        );
        let (v1, v1_token) = t.with_user("v.swap1", "volunteer", &t.lingyanli).await;
        let (_, v2_token) = t.with_user("v.swap2", "volunteer", &t.lingyanli).await;
        let (v3, v3_token) = t.with_user("v.swap3", "volunteer", &t.lingyanli).await;
        assert_eq!(
            act(t, &v1_token, morning, "take").await.0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            act(t, &v2_token, afternoon, "take").await.0,
            StatusCode::NO_CONTENT
        );
        let take_over = |token: String, from: String| {
            let t = &t;
            async move {
                t.post_json(
                    &format!("/api/v1/shifts/{morning}/take-over"),
                    Some(&token),
                    json!({"user_id": from}),
                )
                .await
            }
        };

        // Nothing to take over until it is offered.
        let r = take_over(v3_token.clone(), v1.clone()).await;
        assert_eq!(field_error(&r.json()), "err-shift-not-offered");
        assert_eq!(
            act(t, &v1_token, morning, "offer").await.0,
            StatusCode::NO_CONTENT
        );
        let r = rota(t, &worker, &t.lingyanli, d1, 1).await;
        let holder = &r["posts"][0]["shifts"][0]["holders"][0];
        assert_eq!(
            (holder["user_id"].as_str(), holder["offered"].as_bool()),
            (Some(v1.as_str()), Some(true))
        );
        assert_eq!(
            r["posts"][0]["shifts"][0]["gap_minutes"], 0,
            "an offered place is still held"
        );
        let (cookie, _) = t.browser("v.swap3").await;
        let html = t
            .page(&format!("/rota?from={d1}&days=1"), &cookie)
            .await
            .text();
        assert!(
            html.contains(&format!("/rota/shifts/{morning}/take-over")) && html.contains("换班中"),
            "{html}"
        );

        // The afternoon's holder may not (no rest between); the free volunteer takes it over.
        let r = take_over(v2_token.clone(), v1.clone()).await;
        assert_eq!(field_error(&r.json()), "err-shift-too-little-rest");
        let r = take_over(v3_token.clone(), v1.clone()).await;
        assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.text());
        let r = take_over(v2_token.clone(), v1.clone()).await;
        assert_eq!(
            field_error(&r.json()),
            "err-shift-not-offered",
            "taken over once"
        );
        let r = rota(t, &worker, &t.lingyanli, d1, 1).await;
        let holders = r["posts"][0]["shifts"][0]["holders"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(holders.len(), 1);
        assert_eq!(
            (
                holders[0]["user_id"].as_str(),
                holders[0]["offered"].as_bool()
            ),
            (Some(v3.as_str()), Some(false))
        );
        assert_eq!(
            act(t, &v1_token, morning, "drop").await.1["errors"][0]["code"],
            "err-shift-not-yours"
        );
        let told = t
            .get("/api/v1/alerts?kind=shift_swapped", Some(&worker))
            .await
            .json()["items"]
            .clone();
        assert_eq!(told.as_array().unwrap().len(), 1, "{told}");
        assert!(told[0]["detail"].as_str().unwrap().contains("三区西门"));
        // An offer can be taken back; the place stays with its holder.
        let offer = format!("/api/v1/shifts/{morning}/offer");
        assert_eq!(
            t.post_json(&offer, Some(&v3_token), json!({})).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            t.send_json("DELETE", &offer, Some(&v3_token), json!({}))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let r = take_over(v2_token.clone(), v3.clone()).await;
        assert_eq!(field_error(&r.json()), "err-shift-not-offered");
    })
    .await;
}

#[tokio::test]
async fn a_worker_adds_a_post_and_makes_its_shifts_on_the_rota_page() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let d1 = t.app.clock.today() + Duration::days(1);
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let html = t.page(&format!("/rota?area={}&from={d1}&days=2", t.lingyanli), &cookie).await.text();
        assert!(html.contains("action=\"/rota/posts\"") && html.contains("action=\"/rota/make\""), "{html}");
        let post = |name: &str| {
            format!(
                "csrf={csrf}&area={}&from={d1}&days=2&name={name}&kind=hotline&cover_from=08%3A00&cover_hours=12&shift_hours=6&people=1&skill=counselling",
                t.lingyanli
            )
        };
        let r = t.post_form("/rota/posts", &cookie, &post("")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("必填"), "{}", r.text());
        let r = t.post_form("/rota/posts", &cookie, &post("%E7%83%AD%E7%BA%BF")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = t
            .post_form("/rota/make", &cookie, &format!("csrf={csrf}&area={}&from={d1}&days=99", t.lingyanli))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "at most 62 days");
        let r = t
            .post_form("/rota/make", &cookie, &format!("csrf={csrf}&area={}&from={d1}&days=2", t.lingyanli))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = rota(t, &worker, &t.lingyanli, d1, 2).await;
        assert_eq!(r["posts"][0]["post"]["skill"], "counselling");
        assert_eq!(r["posts"][0]["shifts"].as_array().unwrap().len(), 4);
        // A volunteer's rota page has no such forms.
        t.with_user("v.noforms", "volunteer", &t.lingyanli).await;
        let (vcookie, _) = t.browser("v.noforms").await;
        let html = t.page(&format!("/rota?from={d1}&days=2"), &vcookie).await.text();
        assert!(!html.contains("action=\"/rota/posts\""));
    })
    .await;
}

#[tokio::test]
async fn a_worker_puts_someone_on_an_open_shift_from_the_rota() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let d1 = t.app.clock.today() + Duration::days(1);
        let post = t.rota_post("北门").with("people", 2).by(&worker).await;
        t.make_shifts(&worker, &post, d1, 1).await;
        let (volunteer, _) = t.with_user("v.fill", "volunteer", &t.lingyanli).await;
        let shift = rota(t, &worker, &t.lingyanli, d1, 1).await["posts"][0]["shifts"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let html = t
            .page(
                &format!("/rota?area={}&from={d1}&days=1", t.lingyanli),
                &cookie,
            )
            .await
            .text();
        let fill = format!(
            "/rota/shifts/{shift}/cover?area={}&amp;from={d1}",
            t.lingyanli
        );
        assert!(
            html.contains(&format!("class=\"button secondary fill\" href=\"{fill}\"")),
            "{html}"
        );
        let html = t.page(&fill.replace("&amp;", "&"), &cookie).await.text();
        assert!(
            html.contains("v.fill") && html.contains(&format!("/rota/shifts/{shift}/assign")),
            "{html}"
        );
        let r = t
            .post_form(
                &format!("/rota/shifts/{shift}/assign"),
                &cookie,
                &format!(
                    "csrf={csrf}&area={}&from={d1}&user_id={volunteer}",
                    t.lingyanli
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let r = rota(t, &worker, &t.lingyanli, d1, 1).await;
        assert_eq!(
            r["posts"][0]["shifts"][0]["holders"][0]["user_id"],
            volunteer.as_str()
        );
        // A volunteer's rota offers no such link.
        let (vcookie, _) = t.browser("v.fill").await;
        let html = t
            .page(
                &format!("/rota?area={}&from={d1}&days=1", t.lingyanli),
                &vcookie,
            )
            .await
            .text();
        assert!(!html.contains("button secondary fill"));
    })
    .await;
}

#[tokio::test]
async fn a_new_post_is_audited_as_a_post_in_its_community() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let post = t.rota_post("一区南门").by(&worker).await;
        let admin = t.token("admin").await;
        let log = t
            .get("/api/v1/audit?action=post.created", Some(&admin))
            .await
            .json();
        let entries = log.as_array().unwrap();
        assert_eq!(entries.len(), 1, "{log}");
        assert_eq!(entries[0]["target_kind"], "post");
        assert_eq!(entries[0]["target_id"], post.as_str());
    })
    .await;
}

#[tokio::test]
async fn a_volunteer_gives_their_national_volunteer_number_and_the_record_names_them_by_it() {
    on_both(async |t| {
        let (id, _) = t.with_user("vol.num", "volunteer", &t.lingyanli).await;
        let (cookie, csrf) = t.browser("vol.num").await;
        let give = |number: &str| format!("csrf={csrf}&number={number}");
        let record = async || t.page("/hours/certificate", &cookie).await.text();
        assert!(record().await.contains("id=\"volunteer-number-form\""));

        // Refused beside the field, with what was typed kept: a semicolon, then too long.
        for (typed, kept) in [("12%3B456", "12;456"), (&*"1".repeat(200), "")] {
            let r = t
                .post_form("/hours/volunteer-number", &cookie, &give(typed))
                .await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
            let html = r.text();
            assert!(
                html.contains("<div class=\"field-error\" id=\"error-number\">"),
                "{html}"
            );
            assert!(html.contains("6 到 32 位字母、数字或连字符"), "{html}");
            assert!(
                kept.is_empty() || html.contains(&format!("value=\"{kept}\"")),
                "{html}"
            );
        }
        assert!(!record().await.contains("id=\"cert-number\""));
        // The community's worker, entering hours into the national system, sees who has not
        // given theirs yet.
        let (worker_cookie, _) = t.browser("worker.lingyanli").await;
        let worker = t.token("worker.lingyanli").await;
        let row_of = async || {
            let html = t.page("/volunteers", &worker_cookie).await.text();
            let at = html
                .find("<td>vol.num ")
                .unwrap_or_else(|| panic!("{html}"));
            html[at..at + html[at..].find("</tr>").unwrap()].to_string()
        };
        let number_in_list = async || {
            let list = t.get("/api/v1/volunteers", Some(&worker)).await.json();
            let me = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["user_id"] == id.as_str())
                .cloned();
            me.unwrap_or_else(|| panic!("{list}"))["volunteer_number"].clone()
        };
        assert!(row_of().await.contains("未填写志愿者编号"));
        assert_eq!(number_in_list().await, serde_json::Value::Null);

        // Given as typed on a phone, kept as issued; the record names them by it.
        let r = t
            .post_form("/hours/volunteer-number", &cookie, &give("tj-2020+0815"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        assert_eq!(r.headers["location"], "/hours/certificate?saved=1");
        let html = t.page("/hours/certificate?saved=1", &cookie).await.text();
        assert!(html.contains("志愿者编号已保存"), "{html}");
        assert!(
            html.contains(
                "志愿者编号（全国志愿服务信息系统）: <span id=\"cert-number\">TJ-20200815</span>"
            ),
            "{html}"
        );
        assert!(html.contains("平台账号: vol.num"), "{html}");
        let row = row_of().await;
        assert!(
            row.contains("志愿者编号 TJ-20200815") && !row.contains("未填写"),
            "{row}"
        );
        assert_eq!(number_in_list().await, "TJ-20200815");

        // Given again, it replaces the first; each time is in the audit log.
        let r = t
            .post_form("/hours/volunteer-number", &cookie, &give("120104000123"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let html = record().await;
        assert!(
            html.contains("<span id=\"cert-number\">120104000123</span>")
                && !html.contains("TJ-20200815"),
            "{html}"
        );
        let admin = t.token("admin").await;
        let log = t
            .get("/api/v1/audit?action=volunteer.number_set", Some(&admin))
            .await
            .json();
        let entries = log.as_array().unwrap_or_else(|| panic!("{log}"));
        assert_eq!(entries.len(), 2, "{log}");
        assert!(
            entries
                .iter()
                .all(|e| e["target_id"] == id.as_str() && e["detail"] == ""),
            "{log}"
        );
    })
    .await;
}

/// Writes that `user_id` served every one of these shifts, checked in at its start and out at
/// its end, less `short` minutes each: the lines of the ledger as check-outs leave them.
async fn served(t: &TestApp, shifts: &[(String, i64, i64)], user_id: &str, short: i64) -> i64 {
    let mut conn = t.app.db.conn().await.unwrap();
    let mut total = 0;
    for (id, starts, ends) in shifts {
        let minutes = (ends - starts) / 60_000 - short;
        total += minutes;
        sqlx::query(
            "INSERT INTO shift_people (shift_id, user_id, starts_at, ends_at, booked_by, booked_at, checked_in_at, checked_out_at, served_minutes) \
             VALUES ($1, $2, $3, $4, 'worker.lingyanli', $3, $3, $4, $5)",
        )
        .bind(id.clone())
        .bind(user_id.to_string())
        .bind(*starts)
        .bind(*ends)
        .bind(minutes)
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    total
}

#[tokio::test]
async fn the_ledger_is_read_a_page_at_a_time_with_every_lines_total_and_exported_with_volunteer_numbers()
 {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let post = t
            .rota_post("一区南门")
            .covering("00:00", 24, 8)
            .with("people", 2)
            .by(&worker)
            .await;
        let made = t.make_shifts(&worker, &post, t.app.today(), 2).await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
        let shifts: Vec<(String, i64, i64)> = {
            let mut conn = t.app.db.conn().await.unwrap();
            sqlx::query_as(
                "SELECT id, starts_at, ends_at FROM shifts WHERE post_id = $1 ORDER BY starts_at",
            )
            .bind(post.clone())
            .fetch_all(&mut *conn)
            .await
            .unwrap()
        };
        assert_eq!(shifts.len(), 6);
        // Two people on every shift: lines that share a check-in time, which paging must neither
        // skip nor repeat.
        let (one, one_token) = t.with_user("vol.ledger1", "volunteer", &t.lingyanli).await;
        let (two, _) = t.with_user("vol.ledger2", "volunteer", &t.lingyanli).await;
        let total = served(t, &shifts, &one, 0).await + served(t, &shifts, &two, 15).await;
        let actor = sanshe_app::accounts::actor_of(&t.app, &one).await.unwrap();
        sanshe_app::volunteers::set_own_number(&t.app, &actor, "tj-2020-0001")
            .await
            .unwrap();

        // Pages of five: 5, 5 and 2 lines, each line once, latest first, every page with the
        // total of all twelve.
        let mut seen = Vec::new();
        let mut path = "/api/v1/hours?who=all&limit=5".to_string();
        let mut sizes = Vec::new();
        loop {
            let page = t.get(&path, Some(&worker)).await.json();
            assert_eq!(page["total_minutes"], total, "{page}");
            let lines = page["lines"].as_array().unwrap();
            sizes.push(lines.len());
            for l in lines {
                let number = l["volunteer_number"].as_str().map(str::to_string);
                seen.push((
                    format!("{} {}", l["date"], l["from"]),
                    l["user_id"].clone(),
                    number,
                ));
            }
            match page["next"].as_str() {
                Some(next) => path = format!("/api/v1/hours?who=all&limit=5&before={next}"),
                None => break,
            }
        }
        assert_eq!(sizes, [5, 5, 2]);
        let mut order: Vec<&String> = seen.iter().map(|s| &s.0).collect();
        assert!(
            order.windows(2).all(|w| w[0] >= w[1]),
            "latest first: {order:?}"
        );
        order.dedup();
        assert_eq!(order.len(), 6, "each shift's two lines");
        let mut lines: Vec<(String, String)> = seen
            .iter()
            .map(|s| (s.0.clone(), s.1.to_string()))
            .collect();
        lines.sort();
        lines.dedup();
        assert_eq!(lines.len(), 12, "no line twice");
        assert!(
            seen.iter()
                .all(|s| s.2.as_deref() == (s.1 == one.as_str()).then_some("TJ-2020-0001"))
        );

        // A cursor that is not one is refused; another community's worker sees none; a volunteer
        // their own.
        let bad = t
            .get("/api/v1/hours?who=all&before=x.y", Some(&worker))
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["errors"][0]["code"], "err-cursor");
        let far = t
            .get(
                "/api/v1/hours?who=all",
                Some(&t.token("worker.yudeli").await),
            )
            .await
            .json();
        assert_eq!(
            (
                far["lines"].as_array().unwrap().len(),
                far["total_minutes"].clone()
            ),
            (0, json!(0))
        );
        let own = t.get("/api/v1/hours", Some(&one_token)).await.json();
        assert_eq!(
            (
                own["lines"].as_array().unwrap().len(),
                own["total_minutes"].clone()
            ),
            (6, json!(6 * 480))
        );

        // The worker's sheet: every line, with the number beside the name of whoever gave one.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        assert!(
            t.page("/rota", &cookie)
                .await
                .text()
                .contains("id=\"ledger-export\"")
        );
        let sheet = t.page("/hours/ledger.xlsx", &cookie).await;
        assert_eq!(sheet.status, StatusCode::OK);
        let table = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert_eq!(
            table[0][..2],
            ["志愿者", "志愿者编号（全国志愿服务信息系统）"]
        );
        assert_eq!(table.len(), 13);
        for row in &table[1..] {
            let number = if row[0] == "vol.ledger1" {
                "TJ-2020-0001"
            } else {
                ""
            };
            assert_eq!(row[1], number, "{row:?}");
        }
        let minutes: i64 = table[1..]
            .iter()
            .map(|r| r[6].parse::<i64>().unwrap())
            .sum();
        assert_eq!(minutes, total);

        // A month's hours, as the national system is filled in: the shifts checked in on the
        // days asked for (China time: the shift at midnight opens the second day), in the API
        // and in the sheet; the page's form starts at the first of this month.
        let day = async |path: &str| t.get(path, Some(&worker)).await.json();
        let second = day("/api/v1/hours?who=all&from=2026-11-29").await;
        let first = day("/api/v1/hours?who=all&from=&to=2026-11-28").await;
        let lines = |page: &Value| page["lines"].as_array().unwrap().len();
        assert_eq!((lines(&second), lines(&first)), (6, 6));
        assert!(
            second["lines"]
                .as_array()
                .unwrap()
                .iter()
                .all(|l| l["date"] == "2026-11-29")
        );
        let minutes_of = |page: &Value| page["total_minutes"].as_i64().unwrap();
        assert_eq!(minutes_of(&second) + minutes_of(&first), total);
        let backwards = t
            .get(
                "/api/v1/hours?from=2026-11-29&to=2026-11-28",
                Some(&one_token),
            )
            .await;
        assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
        let month = t
            .page("/hours/ledger.xlsx?from=2026-11-29&to=2026-11-29", &cookie)
            .await;
        assert_eq!(
            sanshe_app::sheets::read_table(&month.bytes).unwrap().len(),
            1 + 6
        );
        let rota = t.page("/rota", &cookie).await.text();
        assert!(
            rota.contains("name=\"from\" value=\"2026-11-01\""),
            "{rota}"
        );
        let (vcookie, _) = t.browser("vol.ledger1").await;
        assert!(
            !t.page("/rota", &vcookie)
                .await
                .text()
                .contains("id=\"ledger-export\"")
        );
    })
    .await;
}

#[tokio::test]
async fn a_cover_list_weighs_every_volunteer_deployed_there_and_lists_the_least_loaded_hundred() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let d1 = t.app.clock.today() + Duration::days(1);
        let post_id = t
            .rota_post("三区南门")
            .covering("08:00", 24, 8)
            .by(&worker)
            .await;
        assert_eq!(
            t.make_shifts(&worker, &post_id, d1, 1).await.status,
            StatusCode::CREATED
        );
        let r = rota(t, &worker, &t.lingyanli, d1, 1).await;
        let morning = r["posts"][0]["shifts"][0]["id"]
            .as_str()
            .unwrap()
            .to_string();
        set_clock(t, d1, 9, 0);
        let cover = |t: &TestApp| {
            let (t, worker, morning) = (t.handle(), worker.clone(), morning.clone());
            async move {
                t.get(&format!("/api/v1/shifts/{morning}/cover"), Some(&worker))
                    .await
                    .json()
            }
        };
        let names = |v: &Value| -> Vec<String> {
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["name"].as_str().unwrap().to_string())
                .collect()
        };
        let before = cover(t).await;
        // 1,203 more deployed in 凌研里: more than are weighed at once, and ids in no order of
        // their names.
        let mut tx = t.app.db.begin().await.unwrap();
        for n in 0..1203 {
            let u = sanshe_store::accounts::insert_user(
                &mut tx,
                &format!("cover.{n}"),
                &format!("志愿者{n:04}"),
                "x",
                false,
            )
            .await
            .unwrap();
            sanshe_store::accounts::insert_grant(
                &mut tx,
                &u.id,
                sanshe_core::accounts::Role::Volunteer,
                Some(&t.lingyanli),
                None,
            )
            .await
            .unwrap();
        }
        sanshe_store::commit(tx).await.unwrap();
        let after = cover(t).await;
        assert_eq!(
            after["total"].as_i64(),
            before["total"].as_i64().map(|n| n + 1203),
            "{after}"
        );
        let mut everyone = names(&before);
        everyone.extend((0..1203).map(|n| format!("志愿者{n:04}")));
        everyone.sort();
        everyone.truncate(100);
        assert_eq!(
            names(&after),
            everyone,
            "the hundred first by load (all free), then by name"
        );
        // The page lists those hundred and says how many more could cover.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let html = t
            .page(&format!("/rota/shifts/{morning}/cover"), &cookie)
            .await
            .text();
        assert_eq!(html.matches("<tr><td>").count(), 100, "{html}");
        let more = after["total"].as_i64().unwrap() - 100;
        assert!(
            html.contains(&format!("另有 {more} 人也可以顶班")),
            "{html}"
        );
    })
    .await;
}

/// The new-post form offers the gates a post there may stand at, not every gate its manager
/// can see: the city's coordinator making a post for 凌研里 is not offered 裕德里's gate, and a
/// post for a building is offered the gate of the compound the building is in.
#[tokio::test]
async fn the_new_post_form_offers_the_gates_of_its_area() {
    on_both(async |t| {
        let worker = t.token("worker.lingyanli").await;
        let south = t.add_gate(&worker, "南门").await["id"]
            .as_str()
            .unwrap()
            .to_string();
        let yudeli = t.token("worker.yudeli").await;
        let body = json!({"compound_id": t.yudeli, "name": "北门"});
        let r = t.post_json("/api/v1/gates", Some(&yudeli), body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let north = r.json()["id"].as_str().unwrap().to_string();
        let offered = |id: &str| format!("<option value=\"{id}\">");
        let (cookie, _) = t.browser("admin").await;
        for area in [&t.lingyanli, &t.lingyanli_building] {
            let html = t.page(&format!("/rota?area={area}"), &cookie).await.text();
            assert!(html.contains(&offered(&south)), "{html}");
            assert!(!html.contains(&offered(&north)), "{html}");
        }
        let html = t
            .page(&format!("/rota?area={}", t.yudeli), &cookie)
            .await
            .text();
        assert!(html.contains(&offered(&north)) && !html.contains(&offered(&south)));
    })
    .await;
}
