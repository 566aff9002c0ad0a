//! Demo data for Tianjin as the February 2020 story tells it (shared/seed): the districts,
//! streets and communities it names, the organizations and their linkages, 2,500 households in
//! 凌研里社区, and demo accounts. Deterministic: the same seed gives the same people.
//!
//! Where the story does not say (which compound a care home is in, the names of buildings and
//! residents) the demo picks plausible values; names and ID numbers are synthetic.

use chrono::{Datelike, NaiveDate};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sanshe_core::accounts::Role;
use sanshe_core::areas::AreaKind::{self, Building, City, Community, Compound, District, Street};
use sanshe_core::identity::{DocumentKind, IdentityDocument, MainlandId, Sex};
use sanshe_core::organizations::OrganizationKind;
use sanshe_core::phone::Phone;
use sanshe_core::registry::{PersonName, ResidentFlags, ValidResident, age_on};
use sanshe_store::areas::{self as area_store, AreaRow};
use sanshe_store::{
    accounts as account_store, new_id, organizations as org_store, registry as store,
};

use crate::accounts::hash_password;
use crate::registry::seal_record;
use crate::{App, AppError, Result};

/// What `load` created.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// Households created.
    pub households: usize,
    /// Residents created.
    pub residents: usize,
}

/// The demo accounts: user name, display name, role, and the area or organization name.
pub const ACCOUNTS: [(&str, &str, Role, &str); 9] = [
    ("admin", "市民政局协调员", Role::Coordinator, "天津市"),
    (
        "worker.lingyanli",
        "孙志雯",
        Role::CommunityWorker,
        "凌研里社区",
    ),
    (
        "worker2.lingyanli",
        "刘海燕",
        Role::CommunityWorker,
        "凌研里社区",
    ),
    (
        "worker.yudeli",
        "裕德里社区工作者",
        Role::CommunityWorker,
        "裕德里社区",
    ),
    (
        "org.ruoshui",
        "若水社工站管理员",
        Role::OrgAdmin,
        "天津市若水社会工作服务中心",
    ),
    // Volunteers of 若水, deployed to a community (their area grant is the deployment).
    ("vol.zhanglei", "张磊", Role::Volunteer, "凌研里社区"),
    ("vol.wangfang", "王芳", Role::Volunteer, "凌研里社区"),
    ("vol.liuyang", "刘洋", Role::Volunteer, "裕德里社区"),
    // 若水's social worker in 北闸口村, where 若水 visits door to door and follows up by phone.
    ("sw.ruoshui", "孙静", Role::Volunteer, "北闸口村"),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
    "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
    "袁", "邓", "许", "傅", "沈", "曾", "彭", "吕",
];
const MALE_GIVEN: &[&str] = &[
    "伟", "强", "磊", "军", "勇", "杰", "涛", "明", "超", "刚", "建国", "建华", "志强", "国庆",
    "海涛", "子轩", "浩然", "宇航", "俊杰", "振华", "德胜", "长林", "宝山", "永利",
];
const FEMALE_GIVEN: &[&str] = &[
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀英", "桂兰", "淑珍", "玉兰", "凤英", "秀珍",
    "欣怡", "雨涵", "梓萱", "思彤", "丽华", "淑兰", "春梅", "晓燕", "佳怡", "婷婷",
];
const OLD_REGIONS: &[&str] = &[
    "120104", "120104", "120104", "120101", "120102", "120105", "120107", "120221", "130102",
    "370102",
];

/// Whether the database already holds data (demo is loaded only into an empty one).
pub async fn is_empty(app: &App) -> Result<bool> {
    let mut conn = app.db.conn().await?;
    Ok(area_store::count(&mut conn).await? == 0)
}

async fn child(
    conn: &mut sanshe_store::Conn,
    parent: Option<&AreaRow>,
    kind: AreaKind,
    code: Option<&str>,
    name: &str,
) -> Result<AreaRow> {
    Ok(area_store::insert(conn, parent, kind, code, name).await?)
}

async fn street(
    conn: &mut sanshe_store::Conn,
    district: &AreaRow,
    code: &str,
    name: &str,
) -> Result<AreaRow> {
    child(conn, Some(district), Street, Some(code), name).await
}

/// Loads the demo into an empty database; every account gets `password`.
pub async fn load(app: &App, password: &str) -> Result<DemoSummary> {
    if !is_empty(app).await? {
        return Err(AppError::Internal(
            "the database is not empty; demo data goes only into a new one".into(),
        ));
    }
    let mut tx = app.db.begin().await?;
    let tj = child(&mut tx, None, City, Some("120000"), "天津市").await?;
    let heping = child(&mut tx, Some(&tj), District, Some("120101"), "和平区").await?;
    let hedong = child(&mut tx, Some(&tj), District, Some("120102"), "河东区").await?;
    let nankai = child(&mut tx, Some(&tj), District, Some("120104"), "南开区").await?;
    let jinnan = child(&mut tx, Some(&tj), District, Some("120112"), "津南区").await?;
    let wuqing = child(&mut tx, Some(&tj), District, Some("120114"), "武清区").await?;
    let nanshi = street(&mut tx, &heping, "120101006", "南市街道").await?;
    let xinxing = street(&mut tx, &heping, "120101004", "新兴街道").await?;
    let tiyu = street(&mut tx, &nankai, "120104011", "体育中心街道").await?;
    let bzk = street(&mut tx, &jinnan, "120112108", "北闸口镇").await?;
    street(&mut tx, &hedong, "120102001", "大王庄街道").await?;
    street(&mut tx, &wuqing, "120114001", "杨村街道").await?;
    let yudeli = child(&mut tx, Some(&nanshi), Community, None, "裕德里社区").await?;
    let chaoyangli = child(&mut tx, Some(&xinxing), Community, None, "朝阳里社区").await?;
    let lingyanli = child(&mut tx, Some(&tiyu), Community, None, "凌研里社区").await?;
    let bzk_village = child(&mut tx, Some(&bzk), Community, None, "北闸口村").await?;

    // (kind, name, home area, contact): a table reads better in columns.
    #[rustfmt::skip]
    let orgs = [
        (OrganizationKind::Bureau, "天津市民政局", &tj, "022-00000000"),
        (OrganizationKind::Bureau, "和平区民政局", &heping, ""),
        (OrganizationKind::SocialWorkAgency, "天津市若水社会工作服务中心", &jinnan, ""),
        (OrganizationKind::SocialWorkAgency, "天津市睦邻社会工作服务中心", &nankai, ""),
        (OrganizationKind::SocialWorkAgency, "和众社会工作服务中心", &heping, ""),
        (OrganizationKind::SocialWorkAgency, "天津市易欣向上社会服务中心", &tj, ""),
        (OrganizationKind::SocialWorkAgency, "天津市爱心芳程社会工作服务中心", &heping, ""),
        (OrganizationKind::SocialWorkAgency, "天津昊泽社会工作发展服务中心", &hedong, ""),
        (OrganizationKind::SocialWorkAgency, "天津明德社会工作事务所", &tj, ""),
        (OrganizationKind::VolunteerAssociation, "和平区社区服务志愿者协会", &heping, ""),
        (OrganizationKind::CareHome, "天津市益美嵌入式社区养老院", &yudeli, ""),
    ];
    let mut org_ids = std::collections::HashMap::new();
    for (kind, name, home, contact) in orgs {
        let o =
            org_store::insert(&mut tx, kind, name, Some((&home.id, &home.path)), contact).await?;
        org_ids.insert(name, o.id);
    }
    // The duties each takes on decide what its people may do there (issue 15).
    let links: [(&str, &AreaRow, &str, &str, &str); 9] = [
        (
            "天津市若水社会工作服务中心",
            &lingyanli,
            "卡口执勤志愿者、为居家隔离户代购",
            "值守点位、社区工作者对接",
            "gate_duty,errands",
        ),
        (
            "天津市若水社会工作服务中心",
            &bzk_village,
            "逐户排查、发放防控告知书、社区消毒、外地来津人员排查跟踪、居家隔离登记、每日体温汇报、通行证办理、心理支持、为独居老人代买药品和消毒水",
            "场地、居民名册、村居工作人员对接",
            "door_to_door,follow_up",
        ),
        (
            "天津市睦邻社会工作服务中心",
            &lingyanli,
            "卡口执勤、线上表格设计、资源链接、心理辅导对接、居民出入数据统计、入户问卷汇总",
            "值守点位、社区工作者对接",
            "gate_duty,data",
        ),
        (
            "天津市易欣向上社会服务中心",
            &lingyanli,
            "免费心理测评、心理支持志愿服务",
            "向居民推送测评链接",
            "counseling",
        ),
        (
            "和众社会工作服务中心",
            &yudeli,
            "养老院防疫方案与应急预案、24小时应急值守、个案辅导、老人与家属视频沟通",
            "养老院所在社区的联络与物资协调",
            "counseling,data",
        ),
        (
            "天津市爱心芳程社会工作服务中心",
            &chaoyangli,
            "“义心向阳”心理咨询室、线上心理咨询、社区工作者“暖心营地”",
            "咨询室场地、居民动员",
            "counseling",
        ),
        (
            "天津明德社会工作事务所",
            &yudeli,
            "为值岗人员捐赠防寒棉帽、手套、遮雨篷、暖宝宝",
            "值岗人员名单与需求",
            "supplies",
        ),
        (
            "和平区社区服务志愿者协会",
            &yudeli,
            "防护口罩、一次性橡胶手套、消毒酒精，慰问门口值守志愿者",
            "值守志愿者名单",
            "supplies,errands",
        ),
        (
            "和平区社区服务志愿者协会",
            &chaoyangli,
            "防护口罩、一次性橡胶手套、消毒酒精，慰问门口值守志愿者",
            "值守志愿者名单",
            "supplies,errands",
        ),
    ];
    for (org, community, provides, receives, duties) in links {
        org_store::link(
            &mut tx,
            &org_store::NewLinkage {
                organization_id: &org_ids[org],
                community: (&community.id, &community.path),
                organization_provides: provides,
                community_provides: receives,
                duties,
                status: sanshe_core::organizations::LinkageStatus::Active,
                proposed_by: sanshe_core::organizations::LinkageSide::Organization,
                starts_on: None,
                ends_on: None,
                contact: "",
            },
        )
        .await?;
    }

    let mut rng = StdRng::seed_from_u64(20200125);
    let mut summary = DemoSummary {
        households: 0,
        residents: 0,
    };
    // 凌研里: 2,500 households in three compounds.
    let mut remaining = 2500usize;
    for (ci, compound_name) in ["凌研里一区", "凌研里二区", "凌研里三区"]
        .iter()
        .enumerate()
    {
        let compound = child(&mut tx, Some(&lingyanli), Compound, None, compound_name).await?;
        for b in 1..=12 {
            if remaining == 0 {
                break;
            }
            let building_name = format!("{}号楼", ci * 12 + b);
            let building = child(&mut tx, Some(&compound), Building, None, &building_name).await?;
            'units: for unit in 1..=3 {
                for floor in 1..=6 {
                    for door in 1..=4 {
                        if remaining == 0 {
                            break 'units;
                        }
                        let room = format!("{floor}0{door}");
                        populate(
                            app,
                            &mut tx,
                            &mut rng,
                            &building,
                            &building_name,
                            &format!("{unit}单元"),
                            &room,
                            &mut summary,
                        )
                        .await?;
                        remaining -= 1;
                    }
                }
            }
        }
    }
    // 裕德里 and 朝阳里: older, smaller compounds.
    for (community, compound_name, buildings) in
        [(&yudeli, "裕德里小区", 4), (&chaoyangli, "朝阳里小区", 3)]
    {
        let compound = child(&mut tx, Some(community), Compound, None, compound_name).await?;
        for b in 1..=buildings {
            let building_name = format!("{b}号楼");
            let building = child(&mut tx, Some(&compound), Building, None, &building_name).await?;
            for unit in 1..=2 {
                for floor in 1..=5 {
                    for door in 1..=2 {
                        let room = format!("{floor}0{door}");
                        populate(
                            app,
                            &mut tx,
                            &mut rng,
                            &building,
                            &building_name,
                            &format!("{unit}门"),
                            &room,
                            &mut summary,
                        )
                        .await?;
                    }
                }
            }
        }
    }
    sanshe_store::commit(tx).await?;

    let hash = hash_password(password)?;
    let mut conn = app.db.conn().await?;
    let mut lingyanli_workers = Vec::new();
    for (username, display, role, scope) in ACCOUNTS {
        let user = account_store::insert_user(&mut conn, username, display, &hash, false).await?;
        if role == Role::Volunteer {
            account_store::insert_grant(
                &mut conn,
                &user.id,
                role,
                None,
                Some(&org_ids["天津市若水社会工作服务中心"]),
            )
            .await?;
        }
        if role.is_area_role() || role == Role::Volunteer {
            let area = area_store::search(
                &mut conn,
                std::slice::from_ref(&tj.path),
                None,
                Some(scope),
                1,
            )
            .await?;
            let area = area.into_iter().next().ok_or(AppError::NotFound)?;
            account_store::insert_grant(&mut conn, &user.id, role, Some(&area.id), None).await?;
            if area.id == lingyanli.id && role.is_area_role() {
                lingyanli_workers.push(user.id.clone());
            }
        } else {
            account_store::insert_grant(&mut conn, &user.id, role, None, Some(&org_ids[scope]))
                .await?;
        }
    }
    if let Some(sw) = account_store::user_by_name(&mut conn, "sw.ruoshui").await? {
        account_store::set_member_kind(
            &mut conn,
            &org_ids["天津市若水社会工作服务中心"],
            &sw.id,
            sanshe_core::organizations::MemberKind::SocialWorker,
        )
        .await?;
    }
    drop(conn);
    front_line(app, &lingyanli, &lingyanli_workers, &mut rng).await?;
    rotas_and_errands(app, &lingyanli).await?;
    applications_waiting(app).await?;
    bureau_notice(app).await?;
    village_follow_up(app).await?;
    Ok(summary)
}

/// The front line of the last days in 凌研里, replayed through the use cases with a clock set
/// in the past: a door-to-door campaign two days in, arrivals and close contacts in home
/// observation with their twice-daily reports — one with a fever, one who stopped reporting.
async fn front_line(
    app: &App,
    community: &AreaRow,
    workers: &[String],
    rng: &mut StdRng,
) -> Result<()> {
    use crate::campaigns::{self, CampaignInput, VisitInput};
    use crate::contacts::{self, ArrivalInput, ContactInput, IsolationChoice, PersonRef};
    use crate::isolation::{self, ReportInput};
    use crate::{Clock, utc_ms};

    let now = app.clock.now_ms();
    let today = app.today();
    let at = |days_back: i64, hour: u32, minute: u32| {
        utc_ms(
            (today - chrono::Duration::days(days_back))
                .and_hms_opt(hour, minute, 0)
                .unwrap_or_default(),
        )
    };
    let past = |ms: i64| App {
        clock: Clock::fixed_ms(ms),
        ..app.clone()
    };
    let mut actors = Vec::new();
    for w in workers {
        actors.push(crate::accounts::actor_of(app, w).await?);
    }
    let (Some(first), Some(second)) = (actors.first(), actors.get(1)) else {
        return Ok(());
    };
    // The community office's phone, printed on the notices households receive.
    crate::areas::set_contact(
        app,
        first,
        &community.id,
        &crate::areas::AreaContact {
            phone: "022-23456789".into(),
        },
    )
    .await?;

    // The campaign started the day before yesterday; each worker walks their buildings.
    let started = past(at(2, 8, 30));
    let campaign = campaigns::create(
        &started,
        first,
        &CampaignInput {
            area_id: community.id.clone(),
            name: "凌研里社区入户排查（第二轮）".into(),
            questions: vec![
                "fever_or_cough".into(),
                "arrived_from_elsewhere".into(),
                "elderly_alone_needs_help".into(),
            ],
            custom_questions: vec!["家中口罩、消毒用品是否够用？".into()],
        },
    )
    .await?;
    let mut households = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let f = crate::registry::HouseholdFilter {
            area: Some(community.id.clone()),
            after: after.take(),
            limit: Some(500),
        };
        let page = crate::registry::households(app, first, &f).await?;
        households.extend(page.items.into_iter().map(|h| h.id));
        match page.next {
            Some(n) => after = Some(n),
            None => break,
        }
    }
    let mut door = households.iter();
    for (walk, (days_back, actor, visits)) in [
        (2, first, 180),
        (2, second, 150),
        (1, first, 160),
        (1, second, 140),
    ]
    .into_iter()
    .enumerate()
    {
        let walker = past(at(days_back, 9, 0));
        for i in 0..visits {
            let Some(household) = door.next() else { break };
            walker
                .clock
                .advance(chrono::Duration::seconds(rng.gen_range(60..150)));
            let roll: u32 = rng.gen_range(0..1000);
            let outcome = match roll {
                0..=89 => "not_home",
                90..=94 => "refused",
                95..=99 => "moved_out",
                _ => "answered",
            };
            let mut answers = std::collections::BTreeMap::new();
            if outcome == "answered" {
                answers.insert("fever_or_cough".to_string(), i == 37 && walk % 3 == 0);
                answers.insert("arrived_from_elsewhere".to_string(), i % 61 == 7);
                answers.insert(
                    "elderly_alone_needs_help".to_string(),
                    i == 71 && walk % 3 != 0,
                );
                answers.insert("custom_1".to_string(), !roll.is_multiple_of(3));
            }
            campaigns::visit(
                &walker,
                actor,
                &campaign.id,
                &VisitInput {
                    id: None,
                    household_id: household.clone(),
                    outcome: outcome.into(),
                    answers,
                    note: String::new(),
                },
            )
            .await?;
        }
    }

    // People in home observation, opened over the last days, each with their reports.
    let residents = crate::registry::search(
        app,
        first,
        &crate::registry::ResidentSearch {
            area: Some(community.id.clone()),
            limit: Some(40),
            ..Default::default()
        },
    )
    .await?
    .items;
    let arrivals = [
        ("湖北省武汉市", "train", "G2032 次", 5),
        ("北京市", "train", "C2565 次", 4),
        ("河北省石家庄市", "coach", "", 3),
        ("广东省广州市", "plane", "CZ3103", 2),
        ("黑龙江省哈尔滨市", "car", "", 1),
    ];
    let mut episodes = Vec::new();
    for (i, (origin, transport, note, days_back)) in arrivals.iter().enumerate() {
        let Some(person) = residents.get(i * 3) else {
            break;
        };
        let clerk = past(at(*days_back, 10, 0));
        let date = (today - chrono::Duration::days(*days_back))
            .format("%Y-%m-%d")
            .to_string();
        let r = contacts::register_arrival(
            &clerk,
            first,
            &ArrivalInput {
                person: PersonRef {
                    resident_id: Some(person.id.clone()),
                    ..Default::default()
                },
                origin: (*origin).into(),
                arrival_date: date,
                transport: (*transport).into(),
                note: (*note).into(),
                isolation: Some(IsolationChoice {
                    kind: "home_medical_observation".into(),
                    follow_up: Some(if i == 4 { "phone" } else { "link" }.into()),
                    worker_id: None,
                }),
            },
        )
        .await?;
        if let Some(e) = r.episode_id {
            episodes.push((e, *days_back, at(*days_back, 10, 0)));
        }
    }
    // Close contacts of the first arrival, found two days later.
    if let Some(index) = residents.first() {
        for j in 0..3 {
            let Some(person) = residents.get(20 + j) else {
                break;
            };
            let clerk = past(at(3, 16, 0));
            let r = contacts::register_contact(
                &clerk,
                second,
                &ContactInput {
                    person: PersonRef {
                        resident_id: Some(person.id.clone()),
                        ..Default::default()
                    },
                    index_resident_id: Some(index.id.clone()),
                    index_label: String::new(),
                    last_contact_date: (today - chrono::Duration::days(4))
                        .format("%Y-%m-%d")
                        .to_string(),
                    note: "同乘一部电梯".into(),
                    isolation: Some(IsolationChoice {
                        kind: "home_isolation".into(),
                        follow_up: None,
                        worker_id: None,
                    }),
                },
            )
            .await?;
            if let Some(e) = r.episode_id {
                episodes.push((e, 3, at(3, 16, 0)));
            }
        }
    }
    // Twice-daily reports up to now. The second episode has a fever since yesterday
    // afternoon; the third stopped reporting yesterday.
    for (n, (episode, days_back, opened)) in episodes.iter().enumerate() {
        for day in (0..=*days_back).rev() {
            // On the first day the worker takes the first reading when opening the episode.
            let morning = if day == *days_back { (10, 30) } else { (8, 20) };
            for (hour, minute) in [morning, (16, 40)] {
                let when = at(day, hour, minute + rng.gen_range(0..15));
                if when >= now || when < *opened {
                    continue;
                }
                if n == 2 && day <= 1 {
                    continue;
                }
                let fever = n == 1 && (day == 0 || (day == 1 && hour > 12));
                let tenths = if fever {
                    rng.gen_range(376..389)
                } else {
                    rng.gen_range(360..372)
                };
                let reporter = past(when);
                let input = ReportInput {
                    temperature: sanshe_core::isolation::format_tenths(tenths),
                    symptoms: if fever {
                        vec!["cough".into(), "fatigue".into()]
                    } else {
                        Vec::new()
                    },
                    reported_at: None,
                };
                isolation::report_by_worker(&reporter, first, episode, &input).await?;
            }
        }
    }
    isolation::scan(app).await?;
    gates_in_use(app, community, first, rng).await
}

/// 凌研里's compounds closed: a south and a north gate each, a pass for every household, and
/// the last three days of traffic through the real scan writer (some fevers, quotas used,
/// passes suspended for the households in observation).
async fn gates_in_use(
    app: &App,
    community: &AreaRow,
    worker: &crate::accounts::Actor,
    rng: &mut StdRng,
) -> Result<()> {
    use crate::gates::{self, IssuePasses, ScanInput, ScanWriter};
    use crate::{Clock, utc_ms};

    let today = app.today();
    let mut conn = app.db.conn().await?;
    let compounds = area_store::children(&mut conn, Some(&community.id)).await?;
    drop(conn);
    let mut gate_ids = Vec::new();
    let mut codes = Vec::new();
    let issued_on = (today - chrono::Duration::days(7))
        .format("%Y-%m-%d")
        .to_string();
    let until = (today + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let back_then = App {
        clock: Clock::fixed_ms(utc_ms(
            (today - chrono::Duration::days(7))
                .and_hms_opt(9, 0, 0)
                .unwrap_or_default(),
        )),
        ..app.clone()
    };
    for c in &compounds {
        for name in ["南门", "北门"] {
            gate_ids.push(gates::add_gate(app, worker, &c.id, name).await?.id);
        }
        let passes = gates::issue_passes(
            &back_then,
            worker,
            &IssuePasses {
                area_id: Some(c.id.clone()),
                valid_from: Some(issued_on.clone()),
                valid_to: until.clone(),
                ..Default::default()
            },
        )
        .await?;
        codes.push(passes.into_iter().map(|p| p.code).collect::<Vec<_>>());
    }
    for days_back in (0..=3).rev() {
        let day = today - chrono::Duration::days(days_back);
        let walker = App {
            clock: Clock::fixed_ms(utc_ms(day.and_hms_opt(7, 0, 0).unwrap_or_default())),
            ..app.clone()
        };
        let writer = ScanWriter::start(walker.clone());
        for i in 0..240 {
            walker
                .clock
                .advance(chrono::Duration::seconds(rng.gen_range(60..240)));
            if walker.clock.now_ms() >= app.clock.now_ms() {
                break;
            }
            let c = i % codes.len().max(1);
            let Some(list) = codes.get(c).filter(|l| !l.is_empty()) else {
                continue;
            };
            let code = list[rng.gen_range(0..list.len())].clone();
            let gate = gate_ids[c * 2 + (i / 7) % 2].clone();
            let temperature = if i % 97 == 13 { "37.9" } else { "36.4" };
            writer
                .scan(
                    &walker,
                    worker,
                    ScanInput {
                        id: crate::new_id(),
                        gate_id: gate,
                        pass_code: Some(code),
                        direction: if i % 2 == 0 { "out" } else { "in" }.into(),
                        temperature: serde_json::Value::String(temperature.into()),
                        ..Default::default()
                    },
                )
                .await?;
        }
    }
    Ok(())
}

/// 凌研里's gates and its hotline staffed by volunteers for the coming week (the night shifts
/// of the last days still open: the gaps a worker fills), and help requests in every state.
async fn rotas_and_errands(app: &App, community: &AreaRow) -> Result<()> {
    use crate::help::{self, HelpInput, StepInput};
    use crate::rotas::{self, PostInput};

    let worker = crate::accounts::actor_of(app, &user_id(app, "worker.lingyanli").await?).await?;
    let today = app.today();
    let mut conn = app.db.conn().await?;
    let compounds = area_store::children(&mut conn, Some(&community.id)).await?;
    drop(conn);
    let mut posts = Vec::new();
    for c in compounds.iter().take(2) {
        let mut conn = app.db.conn().await?;
        let south = sanshe_store::gates::gates(&mut conn, std::slice::from_ref(&c.path))
            .await?
            .into_iter()
            .find(|g| g.name == "南门")
            .map(|g| g.id);
        drop(conn);
        posts.push(
            rotas::add_post(
                app,
                &worker,
                &PostInput {
                    area_id: c.id.clone(),
                    name: format!("{} 南门", c.name),
                    kind: "gate".into(),
                    cover_from: "08:00".into(),
                    cover_hours: 24,
                    shift_hours: 8,
                    people: 1,
                    skill: None,
                    gate_id: south,
                },
            )
            .await?,
        );
    }
    posts.push(
        rotas::add_post(
            app,
            &worker,
            &PostInput {
                area_id: community.id.clone(),
                name: "凌研里心理支持热线".into(),
                kind: "hotline".into(),
                cover_from: "08:00".into(),
                cover_hours: 12,
                shift_hours: 6,
                people: 1,
                skill: None,
                gate_id: None,
            },
        )
        .await?,
    );
    let tomorrow = today + chrono::Duration::days(1);
    for p in &posts {
        rotas::make_shifts(app, &worker, &p.id, tomorrow, 7).await?;
    }
    // 张磊 (若水, which took on gate duty here) stands at 一区's south gate now, checked in:
    // his phone scans there and nowhere else.
    let zhang_actor = crate::accounts::actor_of(app, &user_id(app, "vol.zhanglei").await?).await?;
    let first_gate = &posts[0];
    rotas::make_shifts(
        app,
        &worker,
        &first_gate.id,
        today - chrono::Duration::days(1),
        2,
    )
    .await?;
    let now_rota = rotas::rota(
        app,
        &worker,
        &first_gate.area_id,
        today - chrono::Duration::days(1),
        2,
    )
    .await?;
    if let Some(current) = now_rota
        .posts
        .iter()
        .filter(|p| p.post.id == first_gate.id)
        .flat_map(|p| p.shifts.iter())
        .find(|s| s.started && s.check_in_open)
        && let Some(zhang_id) = zhang_actor.user_id.as_deref()
    {
        rotas::assign(app, &worker, &current.id, zhang_id).await?;
        rotas::check_in(app, &zhang_actor, &current.id).await?;
    }
    // 凌研里 asks its linked organizations for a night gate, 4 people a night this week; 若水
    // sends 王芳, booked into the nights: the need stands partly met.
    let night = rotas::add_post(
        app,
        &worker,
        &PostInput {
            area_id: community.id.clone(),
            name: "凌研里夜班卡口".into(),
            kind: "gate".into(),
            cover_from: "20:00".into(),
            cover_hours: 12,
            shift_hours: 12,
            people: 4,
            skill: None,
            gate_id: None,
        },
    )
    .await?;
    rotas::make_shifts(app, &worker, &night.id, tomorrow, 7).await?;
    let need = crate::needs::post_need(
        app,
        &worker,
        &crate::needs::NeedInput {
            area_id: community.id.clone(),
            kind: "people".into(),
            title: "夜班卡口 每晚 4 人，本周".into(),
            detail: "20:00–次日08:00，穿厚衣服，社区提供热水和暖宝宝".into(),
            post_id: Some(night.id.clone()),
            wanted: 4,
            from: tomorrow.to_string(),
            to: (tomorrow + chrono::Duration::days(2)).to_string(),
            urgency: "urgent".into(),
            audience: "linked".into(),
            ..Default::default()
        },
    )
    .await?;
    let org_admin = crate::accounts::actor_of(app, &user_id(app, "org.ruoshui").await?).await?;
    let ruoshui = sanshe_core::accounts::organizations_run(&org_admin.grants)
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    // 若水's third group, led by 王芳, answers with the whole team.
    let wangfang = user_id(app, "vol.wangfang").await?;
    let team = crate::organizations::create_team(
        app,
        &org_admin,
        &crate::organizations::TeamInput {
            organization_id: ruoshui.clone(),
            name: "第三小组".into(),
            leader_id: Some(wangfang.clone()),
            member_ids: vec![wangfang],
        },
    )
    .await?;
    crate::needs::commit(
        app,
        &org_admin,
        &need.id,
        &crate::needs::CommitmentInput {
            organization_id: ruoshui,
            user_ids: Vec::new(),
            team_id: Some(team.id),
            note: "若水第三小组，王芳带队".into(),
        },
    )
    .await?;
    // Each volunteer takes what the limits let them over the first days, leaving the rest open.
    let rota = rotas::rota(app, &worker, &community.id, tomorrow, 4).await?;
    for name in ["vol.zhanglei", "vol.wangfang"] {
        let volunteer = crate::accounts::actor_of(app, &user_id(app, name).await?).await?;
        for p in &rota.posts {
            for s in p.shifts.iter().filter(|s| s.gap_minutes > 0) {
                // Refusals (limits, full) are what leave the gaps; they are expected here.
                let _ = rotas::take(app, &volunteer, &s.id).await;
            }
        }
    }
    // 王芳 offers her last shift for a swap (换班).
    let wang = crate::accounts::actor_of(app, &user_id(app, "vol.wangfang").await?).await?;
    let rota = rotas::rota(app, &worker, &community.id, tomorrow, 4).await?;
    let last = rota
        .posts
        .iter()
        .flat_map(|p| p.shifts.iter())
        .filter(|s| {
            s.holders
                .iter()
                .any(|h| Some(&h.user_id) == wang.user_id.as_ref())
        })
        .max_by(|a, b| a.starts.cmp(&b.starts));
    if let Some(s) = last {
        rotas::offer(app, &wang, &s.id, true).await?;
    }
    let zhang = user_id(app, "vol.zhanglei").await?;
    let mut conn = app.db.conn().await?;
    let buildings = area_store::children(&mut conn, Some(&compounds[0].id)).await?;
    drop(conn);
    let building = buildings.first().ok_or(AppError::NotFound)?;
    let steps: [&[(&str, Option<&str>)]; 5] = [
        &[],
        &[("assign", None)],
        &[("assign", None), ("buy", Some("46.80"))],
        &[("assign", None), ("buy", Some("12.00")), ("deliver", None)],
        &[("cancel", None)],
    ];
    let asks = [
        ("王奶奶", "降压药（硝苯地平缓释片）两盒", "urgent"),
        ("李大爷", "胰岛素笔针头一盒", "today"),
        ("赵阿姨家", "84消毒液两瓶、口罩一包", "today"),
        ("陈奶奶", "蔬菜、鸡蛋、挂面", "soon"),
        ("周先生家", "退烧药", "urgent"),
    ];
    for ((for_whom, needs, urgency), steps) in asks.into_iter().zip(steps) {
        let h = help::ask(
            app,
            &worker,
            &HelpInput {
                area_id: Some(building.id.clone()),
                address: format!("{} 2单元 50{}", building.name, steps.len() + 1),
                for_whom: for_whom.into(),
                needs: needs.into(),
                urgency: urgency.into(),
                ..Default::default()
            },
        )
        .await?;
        for (step, cost) in steps.iter() {
            help::step(
                app,
                &worker,
                &h.id,
                &StepInput {
                    step: (*step).into(),
                    user_id: Some(zhang.clone()),
                    cost: cost.map(String::from),
                    reason: Some("家人已买到".into()),
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// 市民政局 mobilises: a notice to everyone deployed in the city, which 张磊 has read.
async fn bureau_notice(app: &App) -> Result<()> {
    let bureau = crate::accounts::actor_of(app, &user_id(app, "admin").await?).await?;
    let mut conn = app.db.conn().await?;
    let city = area_store::children(&mut conn, None)
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let notice = crate::notices::send(
        app,
        &bureau,
        &crate::notices::NoticeInput {
            area_id: Some(city.id),
            title: "寒潮来临，卡口执勤注意保暖".into(),
            body: "今明两天最低气温零下10度。执勤人员每两小时轮换取暖，社区备有热水和暖宝宝。"
                .into(),
            ..Default::default()
        },
    )
    .await?;
    let zhang = crate::accounts::actor_of(app, &user_id(app, "vol.zhanglei").await?).await?;
    crate::notices::mark_read(app, &zhang, &notice.id).await
}

/// 北闸口村's 东街: a villager back from out of town, in home medical observation and followed
/// up by phone by 若水's social worker 孙静 (`sw.ruoshui`), who entered yesterday evening's
/// reading; and the village's door-to-door round, whose 东街 is handed to her.
async fn village_follow_up(app: &App) -> Result<()> {
    use crate::isolation::{self, OpenEpisode, ReportInput};
    use crate::registry::{self, HouseholdTarget};
    let bureau = crate::accounts::actor_of(app, &user_id(app, "admin").await?).await?;
    let social_worker = user_id(app, "sw.ruoshui").await?;
    let mut conn = app.db.conn().await?;
    let village = area_store::search(
        &mut conn,
        &[String::new()],
        Some(Community),
        Some("北闸口村"),
        1,
    )
    .await?
    .into_iter()
    .next()
    .ok_or(AppError::NotFound)?;
    drop(conn);
    let today = app.today();
    let resident = registry::add_resident(
        app,
        &bureau,
        &HouseholdTarget::Address {
            area_id: village.id.clone(),
            building: "东街".into(),
            unit: String::new(),
            room: "12号".into(),
        },
        &sanshe_core::registry::ResidentInput {
            name: "赵长林".into(),
            document_number: MainlandId::synthesize(
                "120112",
                NaiveDate::from_ymd_opt(1962, 4, 9).unwrap_or_default(),
                15,
            )
            .as_str()
            .to_string(),
            phone: "13920011234".into(),
            ..Default::default()
        },
    )
    .await?;
    let at = |days_back: i64, hour: u32| App {
        clock: crate::Clock::fixed_ms(crate::utc_ms(
            (today - chrono::Duration::days(days_back))
                .and_hms_opt(hour, 0, 0)
                .unwrap_or_default(),
        )),
        ..app.clone()
    };
    let opened = isolation::open(
        &at(3, 10),
        &bureau,
        &OpenEpisode {
            resident_id: resident.id,
            kind: "home_medical_observation".into(),
            exposure_date: Some((today - chrono::Duration::days(3)).to_string()),
            planned_end: None,
            worker_id: Some(social_worker.clone()),
            follow_up: Some("phone".into()),
        },
    )
    .await?;
    // 东街's other doors, and a door-to-door round of the village whose 东街 is 孙静's.
    for (room, name, born, seq) in [
        ("10号", "钱淑珍", (1948, 11, 2), 24),
        ("14号", "孙德胜", (1957, 6, 21), 31),
        ("16号", "李春梅", (1979, 2, 14), 42),
    ] {
        let birth = NaiveDate::from_ymd_opt(born.0, born.1, born.2).unwrap_or_default();
        registry::add_resident(
            app,
            &bureau,
            &HouseholdTarget::Address {
                area_id: village.id.clone(),
                building: "东街".into(),
                unit: String::new(),
                room: room.into(),
            },
            &sanshe_core::registry::ResidentInput {
                name: name.into(),
                document_number: MainlandId::synthesize("120112", birth, seq)
                    .as_str()
                    .to_string(),
                ..Default::default()
            },
        )
        .await?;
    }
    let round = crate::campaigns::create(
        app,
        &bureau,
        &crate::campaigns::CampaignInput {
            area_id: village.id.clone(),
            name: "北闸口村入户排查".into(),
            questions: vec!["fever_or_cough".into(), "arrived_from_elsewhere".into()],
            custom_questions: Vec::new(),
        },
    )
    .await?;
    crate::campaigns::assign(
        app,
        &bureau,
        &round.id,
        &crate::campaigns::AssignmentInput {
            area_id: village.id.clone(),
            building: "东街".into(),
            user_id: social_worker.clone(),
        },
    )
    .await?;
    let sun = crate::accounts::actor_of(app, &social_worker).await?;
    isolation::report_by_worker(
        &at(1, 19),
        &sun,
        &opened.episode.id,
        &ReportInput {
            temperature: "36.7".into(),
            symptoms: Vec::new(),
            reported_at: None,
        },
    )
    .await?;
    Ok(())
}

/// People of 凌研里 and 裕德里 who signed up on the public page and wait for vetting.
async fn applications_waiting(app: &App) -> Result<()> {
    use crate::volunteers::{self, ApplicationInput};
    let mut conn = app.db.conn().await?;
    let communities =
        area_store::search(&mut conn, &[String::new()], Some(Community), None, 10).await?;
    drop(conn);
    let id_of = |name: &str| {
        communities
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.id.clone())
            .unwrap_or_default()
    };
    let born = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    let applicants = [
        (
            "钱思远",
            "120104",
            born(1995, 3, 15),
            "13920001001",
            "凌研里社区",
            vec!["driving"],
            "周末全天",
        ),
        (
            "孙悦",
            "120104",
            born(1998, 11, 2),
            "13920001002",
            "凌研里社区",
            vec!["counselling", "languages"],
            "工作日晚上",
        ),
        (
            "周建业",
            "120101",
            born(1987, 6, 6),
            "13920001003",
            "裕德里社区",
            vec!["logistics"],
            "每天上午",
        ),
    ];
    for (seq, (name, region, birth, phone, community, skills, when)) in
        applicants.into_iter().enumerate()
    {
        let id = MainlandId::synthesize(region, birth, seq as u16 * 2 + 1);
        volunteers::apply(
            app,
            &ApplicationInput {
                name: name.into(),
                document_number: id.as_str().into(),
                phone: phone.into(),
                area_id: id_of(community),
                skills: skills.into_iter().map(String::from).collect(),
                availability: when.into(),
                organization: String::new(),
                volunteer_number: String::new(),
                consent: true,
            },
        )
        .await?;
    }
    // One who named 若水, vouched for by its admin: in the reserve pool for the bureau to send.
    let id = MainlandId::synthesize("120103", born(1990, 8, 18), 9);
    let vouched = volunteers::apply(
        app,
        &ApplicationInput {
            name: "吴静".into(),
            document_number: id.as_str().into(),
            phone: "13920001004".into(),
            area_id: id_of("裕德里社区"),
            skills: vec!["medical".into()],
            availability: "夜班可以".into(),
            organization: "天津市若水社会工作服务中心".into(),
            // Registered in the national system already: approval records it for her account.
            volunteer_number: "TJ-20200318".into(),
            consent: true,
        },
    )
    .await?;
    let org_admin = crate::accounts::actor_of(app, &user_id(app, "org.ruoshui").await?).await?;
    volunteers::decide(
        app,
        &org_admin,
        &vouched.id,
        &volunteers::DecisionInput {
            decision: "approve".into(),
            note: String::new(),
            deploy: None,
        },
    )
    .await?;
    Ok(())
}

async fn user_id(app: &App, username: &str) -> Result<String> {
    let mut conn = app.db.conn().await?;
    Ok(account_store::user_by_name(&mut conn, username)
        .await?
        .ok_or(AppError::NotFound)?
        .id)
}

#[allow(clippy::too_many_arguments)]
async fn populate(
    app: &App,
    conn: &mut sanshe_store::Conn,
    rng: &mut StdRng,
    building: &AreaRow,
    building_name: &str,
    unit: &str,
    room: &str,
    summary: &mut DemoSummary,
) -> Result<()> {
    let household_id = store::ensure_household(
        conn,
        &building.id,
        &building.path,
        building_name,
        unit,
        room,
    )
    .await?;
    summary.households += 1;
    let today = app.today();
    let surname = SURNAMES[rng.gen_range(0..SURNAMES.len())];
    // Household shapes: an elderly person alone, an elderly couple, a couple, a family.
    let shape = rng.gen_range(0..100);
    let members: Vec<(u32, Sex)> = match shape {
        0..=9 => vec![(
            rng.gen_range(70..95),
            if rng.gen_bool(0.7) {
                Sex::Female
            } else {
                Sex::Male
            },
        )],
        10..=34 => {
            let a = rng.gen_range(60..90);
            vec![(a, Sex::Male), (a - rng.gen_range(0..5), Sex::Female)]
        }
        35..=59 => {
            let a = rng.gen_range(25..60);
            vec![(a, Sex::Male), (a - rng.gen_range(0..4), Sex::Female)]
        }
        _ => {
            let a = rng.gen_range(30..50);
            let mut m = vec![
                (a, Sex::Male),
                (a - rng.gen_range(0..4), Sex::Female),
                (
                    rng.gen_range(1..18),
                    if rng.gen_bool(0.5) {
                        Sex::Male
                    } else {
                        Sex::Female
                    },
                ),
            ];
            if rng.gen_bool(0.4) {
                m.push((a + rng.gen_range(25..32), Sex::Female));
            }
            m
        }
    };
    let alone = members.len() == 1;
    for (i, (age, sex)) in members.into_iter().enumerate() {
        let family = if i == 0 || sex == Sex::Male || i >= 2 {
            surname
        } else {
            SURNAMES[rng.gen_range(0..SURNAMES.len())]
        };
        let given = if sex == Sex::Male {
            MALE_GIVEN[rng.gen_range(0..MALE_GIVEN.len())]
        } else {
            FEMALE_GIVEN[rng.gen_range(0..FEMALE_GIVEN.len())]
        };
        let year = today.year() - age as i32;
        let birth = NaiveDate::from_yo_opt(year, rng.gen_range(1..=365)).unwrap_or(today);
        let sequence = rng.gen_range(0..500u16) * 2 + if sex == Sex::Male { 1 } else { 0 };
        let id = MainlandId::synthesize(
            OLD_REGIONS[rng.gen_range(0..OLD_REGIONS.len())],
            birth,
            sequence,
        );
        let document = IdentityDocument::parse(DocumentKind::MainlandId, id.as_str(), today)
            .map_err(|k| AppError::Internal(k.into()))?;
        let phone = if age >= 14 && rng.gen_bool(0.9) {
            let prefix =
                ["138", "139", "135", "186", "131", "150", "177", "189"][rng.gen_range(0..8)];
            Phone::parse(&format!("{prefix}{:08}", rng.gen_range(0..100_000_000u32))).ok()
        } else {
            None
        };
        let age_now = age_on(birth, today);
        let flags = ResidentFlags {
            living_alone: alone && age_now >= 60,
            elderly_80: age_now >= 80,
            disabled: rng.gen_bool(0.02),
            chronic_illness: age_now >= 55 && rng.gen_bool(0.25),
            pregnant: sex == Sex::Female && (22..38).contains(&age_now) && rng.gen_bool(0.05),
        };
        let valid = ValidResident {
            name: PersonName::parse(&format!("{family}{given}"))
                .map_err(|k| AppError::Internal(k.into()))?,
            sex,
            birth_date: birth,
            document,
            phone,
            flags,
        };
        let record = seal_record(
            app,
            new_id(),
            household_id.clone(),
            building.path.clone(),
            &valid,
        );
        // A synthetic number can repeat; the demo skips the rare repeat rather than fail.
        if store::resident_by_document(conn, &record.document_hash)
            .await?
            .is_none()
        {
            store::insert_resident(conn, &record).await?;
            summary.residents += 1;
        }
    }
    Ok(())
}
