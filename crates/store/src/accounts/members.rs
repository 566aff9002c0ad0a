//! An organization's members: the volunteer grants held over it, and what is asked of them —
//! who belongs, a page of them by name, how many, the social workers deployed at a place, and
//! whether each is a social worker or a volunteer.

use sanshe_core::organizations::MemberKind;
use sqlx::AnyConnection;

use crate::Result;
use crate::statements::{Cell, Statements};

crate::query_row! {
    /// A member of an organization (a volunteer grant held over it).
    #[derive(Debug, Clone)]
    pub struct MemberRow {
        /// The user.
        pub user_id: String,
        /// Their display name.
        pub display_name: String,
        /// Their sign-in name (what their scans are recorded under).
        pub username: String,
        /// Social worker or volunteer.
        pub member_kind: MemberKind,
    }
}

/// Those of `user_ids` who are active members of the organization, by name: a membership check
/// that holds however many members the organization has.
pub async fn members_among(
    conn: &mut impl crate::statements::Statements,
    organization_id: &str,
    user_ids: &[String],
) -> Result<Vec<MemberRow>> {
    let mut args = vec![organization_id.into()];
    let among = crate::one_of("u.id", user_ids, &mut args);
    conn.fetch_all(
        &format!("{MEMBER_COLUMNS}{MEMBERS_FROM} AND {among} {MEMBERS_BY_NAME}"),
        &args,
    )
    .await
}

/// Which of an organization's members a page lists.
#[derive(Debug, Clone, Default)]
pub struct MemberQuery {
    /// The organization.
    pub organization_id: String,
    /// Only names starting with this.
    pub name_prefix: Option<String>,
    /// After this (name, user id), the last of the previous page.
    pub after: Option<(String, String)>,
}

/// An organization's active members (`$1`), one row each once grouped (`MEMBERS_BY_NAME`): a
/// person may hold several grants.
const MEMBER_COLUMNS: &str =
    "SELECT u.id AS user_id, u.display_name, u.username, MIN(g.member_kind) AS member_kind";
/// Where `MEMBER_COLUMNS` come from.
const MEMBERS_FROM: &str = " FROM grants g JOIN users u ON u.id = g.user_id \
     WHERE g.organization_id = $1 AND g.role = 'volunteer' AND u.active = 1";
/// How members are grouped and ordered.
const MEMBERS_BY_NAME: &str =
    "GROUP BY u.id, u.display_name, u.username ORDER BY u.display_name, u.id";

/// `MEMBERS_FROM` narrowed by the query's name (not its cursor), and its arguments.
fn members_matching(q: &MemberQuery) -> (String, Vec<Cell>) {
    let mut sql = String::from(MEMBERS_FROM);
    let mut args = vec![Cell::from(&q.organization_id)];
    if let Some(p) = &q.name_prefix {
        let named = crate::starting_with("u.display_name", p, &mut args);
        sql.push_str(&format!(" AND {named}"));
    }
    (sql, args)
}

/// A page of an organization's active members: at most `limit` after the query's cursor, by
/// name and user.
pub async fn members_page(
    conn: &mut impl crate::statements::Statements,
    q: &MemberQuery,
    limit: i64,
) -> Result<Vec<MemberRow>> {
    let (mut sql, mut args) = members_matching(q);
    if let Some((name, user)) = &q.after {
        args.extend([name, user].map(|v| Cell::from(v.clone())));
        let columns = ["u.display_name", "u.id"];
        sql.push_str(&crate::sql::beyond(&columns, args.len() - 1, false));
    }
    args.push(limit.into());
    let sql = format!(
        "{MEMBER_COLUMNS}{sql} {MEMBERS_BY_NAME} LIMIT ${}",
        args.len()
    );
    conn.fetch_all(&sql, &args).await
}

/// How many active members the query lists over all its pages.
pub async fn count_members(
    conn: &mut impl crate::statements::Statements,
    q: &MemberQuery,
) -> Result<i64> {
    let (from, args) = members_matching(q);
    conn.one_row(&format!("SELECT COUNT(DISTINCT u.id) AS n{from}"), &args)
        .await?
        .try_get("n")
}

/// Every active member of an organization, (user id, sign-in name), for sums over what they
/// did: two short strings each, so even a city-wide association's members fit in a few MB.
pub async fn member_accounts(
    conn: &mut impl crate::statements::Statements,
    organization_id: &str,
) -> Result<Vec<(String, String)>> {
    conn.rows(
        "SELECT DISTINCT u.id AS user_id, u.username FROM grants g JOIN users u ON u.id = g.user_id \
         WHERE g.organization_id = $1 AND g.role = 'volunteer' AND u.active = 1",
        &[organization_id.into()],
    )
    .await?
    .iter()
    .map(|r| r.columns(["user_id", "username"]))
    .collect()
}

/// The active social workers of any of `organizations` deployed at one of `paths`, each once:
/// (user id, name). One of an organization's grants naming them a social worker is
/// enough, as on its members page.
pub async fn social_workers_deployed_at(
    conn: &mut impl crate::statements::Statements,
    organizations: &[String],
    paths: &[String],
) -> Result<Vec<(String, String)>> {
    let mut args = Vec::new();
    let of = crate::one_of("m.organization_id", organizations, &mut args);
    let at = crate::one_of("a.path", paths, &mut args);
    conn.rows(
        &format!(
            "SELECT DISTINCT u.id AS user_id, u.display_name FROM grants m JOIN users u ON u.id = m.user_id \
             JOIN grants g ON g.user_id = u.id JOIN areas a ON a.id = g.area_id \
             WHERE m.role = 'volunteer' AND m.member_kind = '{}' AND {of} \
             AND g.role = 'volunteer' AND {at} AND u.active = 1",
            MemberKind::SocialWorker.as_str()
        ),
        &args,
    )
    .await?
    .iter()
    .map(|r| r.columns(["user_id", "display_name"]))
    .collect()
}

/// Sets whether an organization's member is a social worker or a volunteer.
pub async fn set_member_kind(
    conn: &mut AnyConnection,
    organization_id: &str,
    user_id: &str,
    kind: MemberKind,
) -> Result<()> {
    conn.run("UPDATE grants SET member_kind = $3 WHERE organization_id = $1 AND user_id = $2 AND role = 'volunteer'", &[Cell::from(organization_id), Cell::from(user_id), Cell::from(kind)])
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{insert_grant, insert_user, set_active};
    use sanshe_core::accounts::Role;
    use sanshe_core::areas::AreaKind;
    use sanshe_core::organizations::OrganizationKind;

    #[tokio::test]
    async fn membership_is_checked_past_the_listed_five_thousand() {
        let scratch = crate::ScratchDb::new().await;
        let mut tx = scratch.db.begin().await.unwrap();
        let org = crate::organizations::insert(
            &mut tx,
            OrganizationKind::VolunteerAssociation,
            "志愿者协会",
            None,
            "",
        )
        .await
        .unwrap();
        let other = crate::organizations::insert(
            &mut tx,
            OrganizationKind::SocialOrganization,
            "另一家",
            None,
            "",
        )
        .await
        .unwrap();
        // 5,000 members named before the one the check is about, who has two grants.
        let mut first = String::new();
        for n in 0..5000 {
            let user = insert_user(&mut tx, &format!("m.{n}"), &format!("甲{n:04}"), "x", false)
                .await
                .unwrap();
            insert_grant(&mut tx, &user.id, Role::Volunteer, None, Some(&org.id))
                .await
                .unwrap();
            if n == 0 {
                first = user.id;
            }
        }
        let last = insert_user(&mut tx, "last", "癸", "x", false)
            .await
            .unwrap();
        insert_grant(&mut tx, &last.id, Role::Volunteer, None, Some(&org.id))
            .await
            .unwrap();
        insert_grant(&mut tx, &last.id, Role::Volunteer, None, Some(&org.id))
            .await
            .unwrap();
        let elsewhere = insert_user(&mut tx, "elsewhere", "丙", "x", false)
            .await
            .unwrap();
        insert_grant(
            &mut tx,
            &elsewhere.id,
            Role::Volunteer,
            None,
            Some(&other.id),
        )
        .await
        .unwrap();
        let gone = insert_user(&mut tx, "gone", "丁", "x", false)
            .await
            .unwrap();
        insert_grant(&mut tx, &gone.id, Role::Volunteer, None, Some(&org.id))
            .await
            .unwrap();
        set_active(&mut tx, &gone.id, false).await.unwrap();
        // Deployed where a duty is done: 癸 a social worker, 甲0000 a volunteer, the street's
        // social worker above the community; 丙 is another organization's, 丁 inactive.
        let city = crate::areas::insert(&mut tx, None, AreaKind::Street, None, "街道")
            .await
            .unwrap();
        let community =
            crate::areas::insert(&mut tx, Some(&city), AreaKind::Community, None, "社区")
                .await
                .unwrap();
        let street_worker = insert_user(&mut tx, "street", "庚", "x", false)
            .await
            .unwrap();
        insert_grant(
            &mut tx,
            &street_worker.id,
            Role::Volunteer,
            None,
            Some(&org.id),
        )
        .await
        .unwrap();
        for (who, at) in [
            (&last.id, &community),
            (&first, &community),
            (&street_worker.id, &city),
            (&elsewhere.id, &community),
            (&gone.id, &community),
        ] {
            insert_grant(&mut tx, who, Role::Volunteer, Some(&at.id), None)
                .await
                .unwrap();
        }
        for (who, of) in [
            (&last.id, &org.id),
            (&street_worker.id, &org.id),
            (&elsewhere.id, &other.id),
            (&gone.id, &org.id),
        ] {
            set_member_kind(&mut tx, of, who, MemberKind::SocialWorker)
                .await
                .unwrap();
        }
        crate::commit(tx).await.unwrap();

        let mut conn = scratch.db.conn().await.unwrap();
        let everyone = MemberQuery {
            organization_id: org.id.clone(),
            ..Default::default()
        };
        // Pages by name follow on from each other: 庚, 甲0000…甲4998, then 甲4999 and 癸.
        let listed = members_page(&mut *conn, &everyone, 5000).await.unwrap();
        assert_eq!(listed.len(), 5000);
        assert!(listed.iter().all(|m| m.user_id != last.id));
        let end = listed.last().unwrap();
        let after = MemberQuery {
            after: Some((end.display_name.clone(), end.user_id.clone())),
            ..everyone.clone()
        };
        let rest = members_page(&mut *conn, &after, 5000).await.unwrap();
        let names = |rows: &[MemberRow]| {
            rows.iter()
                .map(|m| m.display_name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&rest), ["甲4999", "癸"]);
        assert_eq!(rest[1].member_kind, MemberKind::SocialWorker);
        let named = |prefix: &str| MemberQuery {
            name_prefix: Some(prefix.to_string()),
            ..everyone.clone()
        };
        assert_eq!(
            names(&members_page(&mut *conn, &named("癸"), 10).await.unwrap()),
            ["癸"]
        );
        assert_eq!(count_members(&mut *conn, &named("甲")).await.unwrap(), 5000);
        assert_eq!(
            count_members(&mut *conn, &named("丁")).await.unwrap(),
            0,
            "inactive"
        );
        let asked = [last.id.clone(), elsewhere.id.clone(), gone.id.clone()];
        let found = members_among(&mut *conn, &org.id, &asked).await.unwrap();
        assert_eq!(
            found.iter().map(|m| m.user_id.as_str()).collect::<Vec<_>>(),
            [last.id.as_str()]
        );
        assert_eq!(count_members(&mut *conn, &everyone).await.unwrap(), 5002);
        let accounts = member_accounts(&mut *conn, &org.id).await.unwrap();
        assert_eq!(accounts.len(), 5002);
        assert!(accounts.contains(&(last.id.clone(), "last".to_string())));
        let lineage = [city.path.clone(), community.path.clone()];
        let mut workers =
            social_workers_deployed_at(&mut *conn, std::slice::from_ref(&org.id), &lineage)
                .await
                .unwrap();
        workers.sort();
        let mut expected = [
            (last.id.clone(), "癸".to_string()),
            (street_worker.id.clone(), "庚".to_string()),
        ];
        expected.sort();
        assert_eq!(workers, expected);
        let at_the_street_only =
            social_workers_deployed_at(&mut *conn, std::slice::from_ref(&org.id), &lineage[..1])
                .await
                .unwrap();
        assert_eq!(
            at_the_street_only,
            [(street_worker.id.clone(), "庚".to_string())]
        );
        let theirs = MemberQuery {
            organization_id: other.id.clone(),
            ..Default::default()
        };
        assert_eq!(count_members(&mut *conn, &theirs).await.unwrap(), 1);
    }
}
