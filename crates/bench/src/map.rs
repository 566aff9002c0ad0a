//! Linkage-map benchmark (issue 15 › Speed: the bureau's map of 5,000 communities and 2,000
//! organizations answers in < 200 ms):
//!
//! ```sh
//! cargo run --release -p sanshe-bench -- map
//! cargo run --release -p sanshe-bench -- map --postgres postgres://postgres@127.0.0.1:5432/test
//! ```
//!
//! A city of 10 districts, 250 streets and 5,000 communities; 2,000 organizations holding
//! 12,000 linkages (a tenth still proposed); 20,000 members deployed; a month of one shift a day
//! per community with its service recorded. The map is read as the city coordinator reads it,
//! through the real router (JSON and the page), against a baseline measured in the same run:
//! the same four bare reads (communities, linkages, deployments, service) without folding them
//! into communities or writing them out.

use sanshe_core::accounts::SessionKind;
use sanshe_core::areas::AreaKind::{City, Community, District, Street};
use std::time::Instant;

use anyhow::Result;
use sanshe_app::accounts::{Actor, GrantTarget};
use sanshe_store::new_id;

use crate::frontline::{Cell, USER_COLUMNS, insert, t};
use crate::{
    add_communities, area, bench_account, bench_session, discard, median, ms, open, timed_get,
};

const COMMUNITIES: usize = 5_000;
const ORGANIZATIONS: usize = 2_000;
const LINKAGES: usize = 12_000;
const MEMBERS: usize = 20_000;
const DAYS: usize = 30;

/// Builds the city, measures, and prints the ratio.
pub async fn run(postgres: Option<&str>) -> Result<()> {
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    println!("sanshe linkage-map benchmark on {backend}");
    let (app, url) = open(postgres, "map").await?;
    let built = Instant::now();
    let mut conn = app.db.conn().await?;
    let city = area(&mut conn, None, City, "天津市").await?;
    let mut communities = Vec::with_capacity(COMMUNITIES);
    for d in 0..10 {
        let district = area(&mut conn, Some(&city), District, &format!("{d}区")).await?;
        for s in 0..25 {
            let street = area(&mut conn, Some(&district), Street, &format!("{d}区{s}街道")).await?;
            let named = |c| format!("{d}区{s}街{c}社区");
            communities
                .extend(add_communities(&mut conn, &street, COMMUNITIES / 250, named).await?);
        }
    }
    drop(conn);
    let now = app.clock.now_ms();
    let organizations: Vec<String> = (0..ORGANIZATIONS).map(|_| new_id()).collect();
    insert(
        &app,
        "organizations",
        &["id", "kind", "name", "contact", "created_at"],
        organizations
            .iter()
            .enumerate()
            .map(|(i, id)| {
                vec![
                    t(id.clone()),
                    t("social_work_agency"),
                    t(format!("社会工作服务中心{i:04}")),
                    t(""),
                    Cell::Int(now),
                ]
            })
            .collect(),
    )
    .await?;
    let duties = [
        "gate_duty,errands",
        "door_to_door,follow_up",
        "counseling",
        "supplies,data",
    ];
    let mut linkages = Vec::with_capacity(LINKAGES);
    let mut pairs = Vec::with_capacity(LINKAGES);
    // Every fifth community left without any; the others with three organizations each.
    for (c, community) in communities.iter().enumerate().filter(|(c, _)| c % 5 != 0) {
        for k in 0..LINKAGES / (COMMUNITIES * 4 / 5) {
            let o = (c * 3 + k * 677) % ORGANIZATIONS;
            let i = linkages.len();
            pairs.push((o, c));
            linkages.push(vec![
                t(new_id()),
                t(organizations[o].clone()),
                t(community.id.clone()),
                t(community.path.clone()),
                t(""),
                t(""),
                t(duties[i % duties.len()]),
                t(if i % 10 == 0 { "proposed" } else { "active" }),
                t("organization"),
                t(""),
                Cell::Int(now),
                Cell::Int(now),
            ]);
        }
    }
    insert(
        &app,
        "linkages",
        &[
            "id",
            "organization_id",
            "community_id",
            "community_path",
            "organization_provides",
            "community_provides",
            "duties",
            "status",
            "proposed_by",
            "contact",
            "changed_at",
            "created_at",
        ],
        linkages,
    )
    .await?;
    // Members: a user, the organization's grant and a deployment to one of its communities.
    let linked = pairs;
    let (mut users, mut grants) = (Vec::new(), Vec::new());
    for m in 0..MEMBERS {
        let (o, c) = linked[(m * 31) % linked.len()];
        let user = new_id();
        users.push(vec![
            t(user.clone()),
            t(format!("member{m:05}")),
            t(format!("志愿者{m:05}")),
            t("-"),
            t("zh-CN"),
            Cell::Int(1),
            Cell::Int(now),
        ]);
        grants.push(vec![
            t(new_id()),
            t(user.clone()),
            t("volunteer"),
            Cell::Null,
            t(organizations[o].clone()),
            Cell::Int(now),
        ]);
        grants.push(vec![
            t(new_id()),
            t(user),
            t("volunteer"),
            t(communities[c].id.clone()),
            Cell::Null,
            Cell::Int(now),
        ]);
    }
    let user_ids: Vec<String> = users
        .iter()
        .map(|u| match &u[0] {
            Cell::Text(s) => s.clone(),
            _ => String::new(),
        })
        .collect();
    insert(&app, "users", USER_COLUMNS, users).await?;
    insert(
        &app,
        "grants",
        &[
            "id",
            "user_id",
            "role",
            "area_id",
            "organization_id",
            "created_at",
        ],
        grants,
    )
    .await?;
    // A post per community and one 8-hour shift a day for a month, served by a member.
    let (mut posts, mut shifts, mut people) = (Vec::new(), Vec::new(), Vec::new());
    for (c, community) in communities.iter().enumerate() {
        let post = new_id();
        posts.push(vec![
            t(post.clone()),
            t(community.id.clone()),
            t(community.path.clone()),
            t("卡口"),
            t("gate"),
            Cell::Int(480),
            Cell::Int(8),
            Cell::Int(8),
            Cell::Int(1),
            Cell::Int(now),
        ]);
        for d in 0..DAYS {
            let shift = new_id();
            let starts = now - (d as i64 + 1) * 86_400_000;
            shifts.push(vec![
                t(shift.clone()),
                t(post.clone()),
                t(community.path.clone()),
                Cell::Int(starts),
                Cell::Int(starts + 8 * 3_600_000),
                Cell::Int(1),
                Cell::Int(1),
            ]);
            people.push(vec![
                t(shift),
                t(user_ids[(c * DAYS + d) % user_ids.len()].clone()),
                Cell::Int(starts),
                Cell::Int(starts + 8 * 3_600_000),
                t("bench"),
                Cell::Int(starts),
                Cell::Int(starts),
                Cell::Int(starts + 8 * 3_600_000),
                Cell::Int(480),
            ]);
        }
    }
    insert(
        &app,
        "posts",
        &[
            "id",
            "area_id",
            "area_path",
            "name",
            "kind",
            "cover_from_minute",
            "cover_hours",
            "shift_hours",
            "people",
            "created_at",
        ],
        posts,
    )
    .await?;
    insert(
        &app,
        "shifts",
        &[
            "id",
            "post_id",
            "area_path",
            "starts_at",
            "ends_at",
            "people",
            "taken",
        ],
        shifts,
    )
    .await?;
    insert(
        &app,
        "shift_people",
        &[
            "shift_id",
            "user_id",
            "starts_at",
            "ends_at",
            "booked_by",
            "booked_at",
            "checked_in_at",
            "checked_out_at",
            "served_minutes",
        ],
        people,
    )
    .await?;
    // The service roll-up the check-outs would have kept (store::rotas::check_out).
    let days = communities
        .iter()
        .flat_map(|c| {
            (0..DAYS).map(move |d| {
                let starts = now - (d as i64 + 1) * 86_400_000;
                vec![
                    t(c.path.clone()),
                    Cell::Int(sanshe_store::rotas::service_day(starts)),
                    Cell::Int(480),
                ]
            })
        })
        .collect();
    insert(&app, "service_days", &["area_path", "day", "minutes"], days).await?;
    let mut conn = app.db.conn().await?;
    sqlx::query("ANALYZE").execute(&mut *conn).await?;
    drop(conn);
    println!(
        "{COMMUNITIES} communities, {ORGANIZATIONS} organizations, {LINKAGES} linkages, {MEMBERS} members, {} shifts served, built in {:.1} s",
        COMMUNITIES * DAYS,
        built.elapsed().as_secs_f64()
    );

    let cli = Actor::command_line(&app).await?;
    bench_account(&app, "bench.bureau", "市民政局", "coordinator", &city.id).await?;

    // Baseline: the four reads the map is made of, bare.
    let roots = vec![city.path.clone()];
    let mut raw = Vec::new();
    for _ in 0..20 {
        let mut conn = app.db.conn().await?;
        let started = Instant::now();
        let c =
            sanshe_store::areas::search(&mut conn, &roots, Some(Community), None, 20_000).await?;
        let l = sanshe_store::organizations::linkages_within(&mut *conn, &roots).await?;
        let d = sanshe_store::accounts::deployments(&mut *conn, &roots).await?;
        let s = sanshe_store::rotas::served_by_place(
            &mut *conn,
            &roots,
            now - 30 * 86_400_000,
            now - 7 * 86_400_000,
        )
        .await?;
        raw.push(started.elapsed());
        assert_eq!((c.len(), l.len()), (COMMUNITIES, LINKAGES));
        assert!(!d.is_empty() && !s.is_empty());
    }
    let raw = median(raw);
    // Where the baseline's time goes, once.
    let mut conn = app.db.conn().await?;
    let mut parts = Vec::new();
    let started = Instant::now();
    sanshe_store::areas::search(&mut conn, &roots, Some(Community), None, 20_000).await?;
    parts.push(("communities", started.elapsed()));
    let started = Instant::now();
    sanshe_store::organizations::linkages_within(&mut *conn, &roots).await?;
    parts.push(("linkages", started.elapsed()));
    let started = Instant::now();
    sanshe_store::accounts::deployments(&mut *conn, &roots).await?;
    parts.push(("deployments", started.elapsed()));
    let started = Instant::now();
    sanshe_store::rotas::served_by_place(
        &mut *conn,
        &roots,
        now - 30 * 86_400_000,
        now - 7 * 86_400_000,
    )
    .await?;
    parts.push(("service", started.elapsed()));
    drop(conn);
    println!(
        "  bare reads: {}",
        parts
            .iter()
            .map(|(what, d)| format!("{what} {:.1} ms", ms(*d)))
            .collect::<Vec<_>>()
            .join(", ")
    );

    let router = sanshe_web::router(sanshe_web::AppState::new(app.clone(), Default::default()));
    let session = bench_session(&app, "bench.bureau", SessionKind::Web).await?;
    let (mut json, mut page, mut whole) = (Vec::new(), Vec::new(), Vec::new());
    let mut size = (0, 0);
    let mut whole_read = (0, 0);
    for _ in 0..20 {
        for (path, out) in [
            ("/api/v1/linkage-map", &mut json),
            ("/linkage-map", &mut page),
        ] {
            let (took, body) = timed_get(&router, &session.token, path).await?;
            out.push(took);
            if path.starts_with("/api") {
                size.0 = body.len();
            } else {
                size.1 = body.len();
            }
        }
        let (took, pages, bytes) = whole_map(&router, &session.token).await?;
        whole.push(took);
        whole_read = (pages, bytes);
    }
    let (json, page, whole) = (median(json), median(page), median(whole));
    let read_map = || async {
        let (took, _) = timed_get(&router, &session.token, "/api/v1/linkage-map").await?;
        anyhow::Ok(took)
    };
    // After a change on this node: a member deployed to another community, as a coordinator
    // does it; the read re-reads that community before it answers.
    let mut changed = Vec::new();
    for k in 0..10 {
        sanshe_app::accounts::grant_role(
            &app,
            &cli,
            &user_ids[(k * 1_009) % user_ids.len()],
            "volunteer",
            GrantTarget::Area(communities[(k * 487) % communities.len()].id.clone()),
        )
        .await?;
        changed.push(read_map().await?);
    }
    let changed = median(changed);
    // Cold: the first read on a node, or after a change whose places it does not know.
    let mut cold = Vec::new();
    for _ in 0..5 {
        app.linkage_map.touch_everything();
        cold.push(read_map().await?);
    }
    let cold = median(cold);
    println!(
        "linkage map of {COMMUNITIES} communities, from this node's snapshot: JSON first page {:.1} ms ({} KB, 100 rows), every page {:.1} ms ({} pages of 500, {} KB), page {:.1} ms ({} KB, 300 rows) (median of 20; target < 200 ms)\n  after a deployment on this node (its community read again): JSON {:.1} ms (median of 10)\n  cold, the whole city read from the tables (first read on a node): JSON {:.1} ms (median of 5)\n  baseline bare reads {:.1} ms -> JSON/baseline {:.2}x, every page/baseline {:.2}x, page/baseline {:.2}x, after a change/baseline {:.2}x, cold/baseline {:.2}x",
        ms(json),
        size.0 / 1024,
        ms(whole),
        whole_read.0,
        whole_read.1 / 1024,
        ms(page),
        size.1 / 1024,
        ms(changed),
        ms(cold),
        ms(raw),
        ms(json) / ms(raw),
        ms(whole) / ms(raw),
        ms(page) / ms(raw),
        ms(changed) / ms(raw),
        ms(cold) / ms(raw),
    );
    discard(app, postgres, &url).await
}

/// Reads the whole map through the API as a client that wants all of it does, 500 communities
/// a page: (the time of the requests, how many pages, how many bytes).
async fn whole_map(
    router: &axum::Router,
    token: &str,
) -> Result<(std::time::Duration, usize, usize)> {
    let first = "/api/v1/linkage-map?limit=500";
    let (mut took, mut pages, mut bytes) = (std::time::Duration::ZERO, 0, 0);
    let mut path = first.to_string();
    loop {
        let (t, body) = timed_get(router, token, &path).await?;
        took += t;
        pages += 1;
        bytes += body.len();
        let page: serde_json::Value = serde_json::from_slice(&body)?;
        match page["next"].as_str() {
            Some(next) => path = format!("{first}&after={next}"),
            None => return Ok((took, pages, bytes)),
        }
    }
}
