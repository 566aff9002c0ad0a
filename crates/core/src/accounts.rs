//! Roles, grants and the permission rule: who may do what, where.
//!
//! A grant is a role held over an area subtree or over one organization. `permits` is the one
//! place that decides; `docs/permissions.md` is the same table in words.

use serde::Serialize;

use crate::spelling::spelled;

spelled! {
    /// A role a user holds through a grant.
    pub enum Role("err-role") {
        /// 民政局协调员: runs everything within an area subtree.
        Coordinator = "coordinator",
        /// 社区工作者: keeps the registry of an area subtree.
        CommunityWorker = "community_worker",
        /// 机构管理员: runs one organization and its linkages.
        OrgAdmin = "org_admin",
        /// 志愿者/社工: a member of an organization, no registry access.
        Volunteer = "volunteer",
    }
}

spelled! {
    /// How a session was opened: a browser's sign-in form (a cookie) or the API (a bearer token).
    pub enum SessionKind("err-session-kind") {
        /// The sign-in page; the token travels in a cookie and forms echo its CSRF token.
        Web = "web",
        /// `POST /api/v1/session`; the token travels as `Authorization: Bearer`.
        Api = "api",
    }
}

impl Role {
    /// Whether this role is held over an area (otherwise over an organization).
    pub fn is_area_role(self) -> bool {
        matches!(self, Role::Coordinator | Role::CommunityWorker)
    }
}

/// Where a grant applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GrantScope {
    /// An area and everything below it; `path` is the area's materialized path.
    Area {
        /// The area's id.
        id: String,
        /// The area's path (ids of its ancestors and itself, concatenated).
        path: String,
    },
    /// One organization.
    Organization {
        /// The organization's id.
        id: String,
    },
}

/// A role over a scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grant {
    /// The role.
    pub role: Role,
    /// Where it applies.
    pub scope: GrantScope,
}

/// What a user may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// See areas, households and residents (masked).
    ViewRegistry,
    /// Add, edit, move, merge residents and households; import.
    EditRegistry,
    /// Reveal a full ID number or phone, with a reason.
    RevealPersonal,
    /// Export with full ID numbers and phones.
    ExportUnmasked,
    /// Add areas below an area.
    ManageAreas,
    /// Register new organizations.
    RegisterOrganizations,
    /// Edit an organization and its linkages.
    ManageOrganization,
    /// See an organization.
    ViewOrganization,
    /// Create users and grant roles.
    ManageUsers,
    /// Read the audit log.
    ReadAudit,
    /// Run front-line work: campaigns and visits, arrivals, contacts, isolation, reports, alerts.
    FrontLine,
    /// Configure the chat-group webhooks alerts go to (their addresses are credentials).
    ManageWebhooks,
    /// Set up gates and their policies, issue and revoke passes.
    ManageGates,
    /// Staff a gate: scan passes, register visitors.
    GateDuty,
    /// Set up duty posts and their shifts, book and unbook people.
    ManageRotas,
    /// See a rota and take, drop and check in to one's own shifts.
    TakeShifts,
    /// Vet volunteers' applications for an area and deploy the approved there.
    VetVolunteers,
    /// Speak for a community in its linkages: propose, accept and end them.
    LinkOrganizations,
}

/// What an action is aimed at.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// Something located in the area with this path.
    Area(&'a str),
    /// An organization; `home_path` is the path of the area it is registered in, if any.
    Organization {
        /// Its id.
        id: &'a str,
        /// The path of its home area.
        home_path: Option<&'a str>,
    },
}

impl Action {
    /// Every action, in the order the permissions table lists them.
    pub const ALL: [Action; 18] = [
        Action::ViewRegistry,
        Action::EditRegistry,
        Action::RevealPersonal,
        Action::ExportUnmasked,
        Action::ManageAreas,
        Action::RegisterOrganizations,
        Action::ManageOrganization,
        Action::ViewOrganization,
        Action::ManageUsers,
        Action::ReadAudit,
        Action::FrontLine,
        Action::ManageWebhooks,
        Action::ManageGates,
        Action::GateDuty,
        Action::ManageRotas,
        Action::TakeShifts,
        Action::VetVolunteers,
        Action::LinkOrganizations,
    ];

    /// What the action lets someone do, in the words of `docs/permissions.md`.
    pub fn summary(self) -> &'static str {
        match self {
            Action::ViewRegistry => "see areas, households and residents (numbers masked)",
            Action::EditRegistry => "add, edit, move and merge residents and households; import",
            Action::RevealPersonal => "reveal a full ID number or phone (reason, audited)",
            Action::ExportUnmasked => "export with full numbers (reason, audited)",
            Action::ManageAreas => "add areas below an area",
            Action::RegisterOrganizations => "register organizations",
            Action::ManageOrganization => "edit an organization; link it to communities",
            Action::ViewOrganization => "see an organization",
            Action::ManageUsers => "create users and grant roles",
            Action::ReadAudit => "read the audit log",
            Action::FrontLine => {
                "front line: campaigns and visits, arrivals, close contacts, isolation, alerts, errands"
            }
            Action::ManageWebhooks => {
                "configure chat-group webhooks (their addresses are credentials)"
            }
            Action::ManageGates => "set up gates and policies; issue, print and revoke passes",
            Action::GateDuty => "staff a gate: scans, visitors, traffic",
            Action::ManageRotas => "set up duty posts and shifts; book and unbook people",
            Action::TakeShifts => {
                "see a rota; take, swap, drop and check in to one's own shifts; run errands"
            }
            Action::VetVolunteers => "vet volunteer applications and deploy the approved",
            Action::LinkOrganizations => {
                "speak for a community in its linkages: propose, accept, end"
            }
        }
    }
}

impl Role {
    /// Whether a grant of this role allows `action` on what lies in the grant's scope.
    pub fn allows(self, action: Action) -> bool {
        role_allows(self, action)
    }
}

fn role_allows(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Coordinator => true,
        Role::CommunityWorker => matches!(
            action,
            ViewRegistry
                | EditRegistry
                | RevealPersonal
                | ViewOrganization
                | FrontLine
                | ManageGates
                | GateDuty
                | ManageRotas
                | TakeShifts
                | VetVolunteers
                | LinkOrganizations
        ),
        Role::OrgAdmin => matches!(action, ManageOrganization | ViewOrganization),
        // A volunteer's area grant is their deployment: they take shifts there.
        Role::Volunteer => matches!(action, ViewOrganization | TakeShifts),
    }
}

/// Whether `path` lies in the subtree rooted at `root` (paths are prefix-closed).
pub fn path_within(path: &str, root: &str) -> bool {
    path.starts_with(root)
}

/// Decides whether the holder of `grants` may do `action` on `target`.
pub fn permits(grants: &[Grant], action: Action, target: Target<'_>) -> bool {
    grants.iter().any(|g| {
        role_allows(g.role, action)
            && match (&g.scope, target) {
                (GrantScope::Area { path, .. }, Target::Area(p)) => path_within(p, path),
                (
                    GrantScope::Area { path, .. },
                    Target::Organization {
                        home_path: Some(h), ..
                    },
                ) => path_within(h, path),
                // One registered with no home area is the whole city's.
                (
                    GrantScope::Area { path, .. },
                    Target::Organization {
                        home_path: None, ..
                    },
                ) => path.len() == crate::areas::PATH_STEP,
                (GrantScope::Organization { id }, Target::Organization { id: target_id, .. }) => {
                    id == target_id
                }
                _ => false,
            }
    })
}

/// Whether the holder may grant `role` on `target`: whoever manages users there grants any
/// role; an organization's admin adds volunteers (its members) to its own organization.
pub fn may_grant(grants: &[Grant], role: Role, target: Target<'_>) -> bool {
    permits(grants, Action::ManageUsers, target)
        || (role == Role::Volunteer
            && matches!(target, Target::Organization { .. })
            && permits(grants, Action::ManageOrganization, target))
}

/// Whether the holder may add an area of `kind` below the area at `parent_path`: districts,
/// streets and communities are the bureau's (`ManageAreas`); compounds and buildings also
/// whoever keeps the registry there, since community workers know them.
pub fn may_add_area(grants: &[Grant], kind: crate::areas::AreaKind, parent_path: &str) -> bool {
    let target = Target::Area(parent_path);
    permits(grants, Action::ManageAreas, target)
        || (kind >= crate::areas::AreaKind::Compound
            && permits(grants, Action::EditRegistry, target))
}

/// The organizations the holder runs (a grant of a role that manages them): an admin vets the
/// applications naming one of them and sees their members' hours, matched by these ids.
pub fn organizations_run(grants: &[Grant]) -> Vec<String> {
    grants
        .iter()
        .filter(|g| role_allows(g.role, Action::ManageOrganization))
        .filter_map(|g| match &g.scope {
            GrantScope::Organization { id } => Some(id.clone()),
            GrantScope::Area { .. } => None,
        })
        .collect()
}

/// The organizations a holder sees, as a list query filters by them: those registered in one
/// of `home_roots`, those in `ids` (granted on the organization itself), and those linked
/// (proposed, active, or ended and kept for the record) to a community in one of
/// `linked_roots`, as the organization's own page is seen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrganizationsSeen {
    /// Subtrees whose registered organizations are seen.
    pub home_roots: Vec<String>,
    /// Organizations seen because a grant names them.
    pub ids: Vec<String>,
    /// Subtrees whose communities' linked organizations are seen.
    pub linked_roots: Vec<String>,
    /// Whether those registered with no home area (the whole city's) are seen.
    pub homeless: bool,
}

/// The organizations `grants` let their holder see: the rule of `ViewOrganization`, plus the
/// organizations working with a community whose registry the holder sees.
pub fn organizations_seen(grants: &[Grant]) -> OrganizationsSeen {
    let ids = grants
        .iter()
        .filter(|g| role_allows(g.role, Action::ViewOrganization))
        .filter_map(|g| match &g.scope {
            GrantScope::Organization { id } => Some(id.clone()),
            GrantScope::Area { .. } => None,
        })
        .collect();
    let home_roots = AreaScope::for_action(grants, Action::ViewOrganization).roots;
    OrganizationsSeen {
        homeless: home_roots
            .iter()
            .any(|r| r.len() == crate::areas::PATH_STEP),
        home_roots,
        ids,
        linked_roots: AreaScope::for_action(grants, Action::ViewRegistry).roots,
    }
}

/// The organizations the holder holds a grant on (runs or serves in), as their home page lists them.
pub fn organizations_held(grants: &[Grant]) -> Vec<String> {
    let mut ids: Vec<String> = grants
        .iter()
        .filter_map(|g| match &g.scope {
            GrantScope::Organization { id } => Some(id.clone()),
            GrantScope::Area { .. } => None,
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The organizations the holder belongs to as a member (a social worker or a volunteer): their
/// people act in a community only within those organizations' active duties there.
pub fn member_of(grants: &[Grant]) -> Vec<String> {
    grants
        .iter()
        .filter(|g| g.role == Role::Volunteer)
        .filter_map(|g| match &g.scope {
            GrantScope::Organization { id } => Some(id.clone()),
            GrantScope::Area { .. } => None,
        })
        .collect()
}

/// Whether the holder coordinates a root (city-wide) area: they also see audit entries of no
/// area, register organizations without a home area and see every account.
pub fn coordinates_the_city(grants: &[Grant]) -> bool {
    grants.iter().any(|g| {
        g.role == Role::Coordinator
            && matches!(&g.scope, GrantScope::Area { path, .. } if path.len() == crate::areas::PATH_STEP)
    })
}

/// The area paths where the holder is deployed as a volunteer (their volunteer area grants).
pub fn deployed_in(grants: &[Grant]) -> Vec<String> {
    grants
        .iter()
        .filter(|g| g.role == Role::Volunteer)
        .filter_map(|g| match &g.scope {
            GrantScope::Area { path, .. } => Some(path.clone()),
            GrantScope::Organization { .. } => None,
        })
        .collect()
}

/// Whether the holder runs at least one organization: their home lists its people and needs.
pub fn runs_an_organization(grants: &[Grant]) -> bool {
    !organizations_run(grants).is_empty()
}

/// Whether the holder serves as a member (an organization's social worker or volunteer, or a
/// deployed volunteer): their gate duty, errands and teams come from the shifts they take, not
/// from an area role of their own.
pub fn serves_by_shifts(grants: &[Grant]) -> bool {
    grants.iter().any(|g| g.role == Role::Volunteer)
}

/// Whether the holder may create accounts anywhere: the users page and the user import.
pub fn manages_users_somewhere(grants: &[Grant]) -> bool {
    !AreaScope::for_action(grants, Action::ManageUsers).is_empty() || runs_an_organization(grants)
}

/// Whether the holder vets volunteer applications anywhere: those for an area in their scope,
/// or, for an organization's admin, those naming the organization.
pub fn vets_somewhere(grants: &[Grant]) -> bool {
    !AreaScope::for_action(grants, Action::VetVolunteers).is_empty() || runs_an_organization(grants)
}

/// Whether the holder sees needs anywhere: they speak for a community (post and confirm), or
/// run an organization (answer).
pub fn answers_needs_somewhere(grants: &[Grant]) -> bool {
    !AreaScope::for_action(grants, Action::LinkOrganizations).is_empty()
        || runs_an_organization(grants)
}

/// Whether the holder may link `organization` to a community: they manage the organization, or
/// they manage organizations in some area subtree (a coordinator links to the communities there).
pub fn may_link_somewhere(grants: &[Grant], organization: Target<'_>) -> bool {
    permits(grants, Action::ManageOrganization, organization)
        || !AreaScope::for_action(grants, Action::ManageOrganization).is_empty()
}

/// The area subtrees in which `action` is allowed: what list queries filter by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AreaScope {
    roots: Vec<String>,
}

impl AreaScope {
    /// The subtrees of `grants` whose role allows `action`, with nested subtrees folded away.
    pub fn for_action(grants: &[Grant], action: Action) -> AreaScope {
        let mut roots: Vec<String> = grants
            .iter()
            .filter(|g| role_allows(g.role, action))
            .filter_map(|g| match &g.scope {
                GrantScope::Area { path, .. } => Some(path.clone()),
                GrantScope::Organization { .. } => None,
            })
            .collect();
        roots.sort();
        let mut folded: Vec<String> = Vec::new();
        for r in roots {
            if !folded.iter().any(|f| path_within(&r, f)) {
                folded.push(r);
            }
        }
        AreaScope { roots: folded }
    }

    /// A scope over the given subtrees (for the command line, which acts as the whole database).
    pub fn of_roots(roots: Vec<String>) -> AreaScope {
        AreaScope { roots }
    }

    /// The subtree roots.
    pub fn roots(&self) -> &[String] {
        &self.roots
    }

    /// Whether nothing is visible.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// Whether `path` is visible.
    pub fn contains(&self, path: &str) -> bool {
        self.roots.iter().any(|r| path_within(path, r))
    }

    /// Whether any of the subtree of `path` is visible: the area itself, or an area below it
    /// (a community worker looking at their street's rota or board sees their part of it).
    pub fn overlaps(&self, path: &str) -> bool {
        self.contains(path) || self.roots.iter().any(|r| path_within(r, path))
    }
}

/// The exclusive upper bound of the subtree range `[root, upper)`; paths use only `0-9a-f`, so `g`
/// sorts after every continuation in both SQLite's and PostgreSQL's C collation.
pub fn subtree_upper_bound(root: &str) -> String {
    format!("{root}g")
}

/// A checked user name: 3–40 of `a-z 0-9 . _ -`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

/// The name written where a resident did something through their link (a health report, an
/// errand asked for or confirmed): there is no account, and no user may take the name, so a
/// report or an audit entry under it is the resident's.
pub const RESIDENT: &str = "resident";

/// The name the command line acts under; no user may take it either.
pub const COMMAND_LINE: &str = "cli";

impl Username {
    /// Parses a user name (lower-cased); `RESIDENT` and `COMMAND_LINE` are not to be had.
    pub fn parse(raw: &str) -> Result<Username, &'static str> {
        let t = raw.trim().to_ascii_lowercase();
        if t.is_empty() {
            return Err("err-required");
        }
        if t == RESIDENT || t == COMMAND_LINE {
            return Err("err-username-reserved");
        }
        let ok = (3..=40).contains(&t.len())
            && t.starts_with(|c: char| c.is_ascii_lowercase())
            && t.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')
            });
        if ok {
            Ok(Username(t))
        } else {
            Err("err-username")
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password good enough to set: at least 10 characters.
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    /// Parses a password for a new account.
    pub fn parse(raw: &str) -> Result<NewPassword, &'static str> {
        if raw.chars().count() < 10 {
            Err("err-password-short")
        } else {
            Ok(NewPassword(raw.to_string()))
        }
    }

    /// The password.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn area(role: Role, path: &str) -> Grant {
        Grant {
            role,
            scope: GrantScope::Area {
                id: path.to_string(),
                path: path.to_string(),
            },
        }
    }

    #[test]
    fn worker_sees_own_subtree_only() {
        let g = [area(Role::CommunityWorker, "aa01")];
        assert!(permits(&g, Action::ViewRegistry, Target::Area("aa01bb")));
        assert!(!permits(&g, Action::ViewRegistry, Target::Area("aa02bb")));
        assert!(!permits(&g, Action::ManageUsers, Target::Area("aa01")));
    }

    #[test]
    fn org_admin_runs_only_its_organization() {
        let g = [Grant {
            role: Role::OrgAdmin,
            scope: GrantScope::Organization { id: "o1".into() },
        }];
        assert!(permits(
            &g,
            Action::ManageOrganization,
            Target::Organization {
                id: "o1",
                home_path: None
            }
        ));
        assert!(!permits(
            &g,
            Action::ManageOrganization,
            Target::Organization {
                id: "o2",
                home_path: None
            }
        ));
        assert!(!permits(&g, Action::ViewRegistry, Target::Area("aa")));
        assert!(AreaScope::for_action(&g, Action::ViewRegistry).is_empty());
    }

    #[test]
    fn members_serve_by_shifts_and_admins_run_their_organization() {
        let org = |role| Grant {
            role,
            scope: GrantScope::Organization { id: "o1".into() },
        };
        let member = [org(Role::Volunteer)];
        let deployed = [area(Role::Volunteer, "a1")];
        let admin = [org(Role::OrgAdmin)];
        let coordinator = [area(Role::Coordinator, "a1")];
        let worker = [area(Role::CommunityWorker, "a1")];
        assert!(serves_by_shifts(&member) && serves_by_shifts(&deployed));
        assert!(!serves_by_shifts(&admin) && !serves_by_shifts(&coordinator));
        assert!(
            !serves_by_shifts(&worker),
            "a worker's duty is their own role"
        );
        assert!(runs_an_organization(&admin));
        assert!(!runs_an_organization(&member) && !runs_an_organization(&deployed));
        assert!(
            !runs_an_organization(&coordinator),
            "a coordinator manages organizations by area, not runs one"
        );
        assert_eq!(deployed_in(&deployed), ["a1"]);
        assert!(
            deployed_in(&member).is_empty(),
            "membership is not a deployment"
        );
        assert!(deployed_in(&worker).is_empty());
    }

    #[test]
    fn an_organization_is_seen_from_its_home_its_grant_or_a_linked_community() {
        let admin = Grant {
            role: Role::OrgAdmin,
            scope: GrantScope::Organization { id: "o1".into() },
        };
        let seen = organizations_seen(&[admin.clone(), area(Role::CommunityWorker, "a1")]);
        assert_eq!(seen.ids, ["o1"]);
        assert_eq!(seen.home_roots, ["a1"]);
        assert_eq!(seen.linked_roots, ["a1"]);
        let deployed = organizations_seen(&[area(Role::Volunteer, "a2")]);
        assert_eq!(deployed.home_roots, ["a2"]);
        assert!(
            deployed.linked_roots.is_empty(),
            "a volunteer does not see the registry, so not who works with it"
        );
        assert_eq!(
            organizations_held(&[admin.clone(), admin, area(Role::Volunteer, "a2")]),
            ["o1"]
        );
        // One registered with no home area is the whole city's.
        let root = "r".repeat(crate::areas::PATH_STEP);
        let street = format!("{root}{}", "s".repeat(crate::areas::PATH_STEP));
        let homeless = Target::Organization {
            id: "o9",
            home_path: None,
        };
        let city = [area(Role::Coordinator, &root)];
        assert!(permits(&city, Action::ManageOrganization, homeless));
        assert!(organizations_seen(&city).homeless);
        let streets = [area(Role::Coordinator, &street)];
        assert!(!permits(&streets, Action::ViewOrganization, homeless));
        assert!(!organizations_seen(&streets).homeless);
    }

    #[test]
    fn only_a_coordinator_of_a_root_area_coordinates_the_city() {
        let root = "r".repeat(crate::areas::PATH_STEP);
        let street = format!("{root}{}", "s".repeat(crate::areas::PATH_STEP));
        assert!(coordinates_the_city(&[area(Role::Coordinator, &root)]));
        assert!(!coordinates_the_city(&[area(Role::Coordinator, &street)]));
        assert!(!coordinates_the_city(&[area(Role::CommunityWorker, &root)]));
    }

    #[test]
    fn an_organizations_admin_adds_its_volunteers_and_nothing_else() {
        let admin = vec![Grant {
            role: Role::OrgAdmin,
            scope: GrantScope::Organization { id: "o1".into() },
        }];
        let own = Target::Organization {
            id: "o1",
            home_path: None,
        };
        let other = Target::Organization {
            id: "o2",
            home_path: None,
        };
        assert!(may_grant(&admin, Role::Volunteer, own));
        assert!(!may_grant(&admin, Role::OrgAdmin, own));
        assert!(!may_grant(&admin, Role::Volunteer, other));
        assert!(!may_grant(&admin, Role::Volunteer, Target::Area("a1")));
        assert!(manages_users_somewhere(&admin) && vets_somewhere(&admin));
        assert_eq!(organizations_run(&admin), ["o1"]);
        let volunteer = vec![Grant {
            role: Role::Volunteer,
            scope: GrantScope::Organization { id: "o1".into() },
        }];
        assert!(!manages_users_somewhere(&volunteer) && !vets_somewhere(&volunteer));
        assert!(
            organizations_run(&volunteer).is_empty(),
            "a member does not run it"
        );
        assert!(!may_link_somewhere(&volunteer, own));
        let worker = vec![area(Role::CommunityWorker, "a1")];
        assert!(!manages_users_somewhere(&worker) && vets_somewhere(&worker));
        assert!(
            !may_link_somewhere(&worker, other),
            "workers do not link organizations"
        );
        let coordinator = vec![area(Role::Coordinator, "a1")];
        assert!(may_link_somewhere(&coordinator, other));
        use crate::areas::AreaKind;
        assert!(may_add_area(&worker, AreaKind::Compound, "a1x"));
        assert!(!may_add_area(&worker, AreaKind::Community, "a1x"));
        assert!(!may_add_area(&worker, AreaKind::Building, "b1"));
        assert!(may_add_area(&coordinator, AreaKind::Community, "a1x"));
    }

    #[test]
    fn nested_scopes_fold() {
        let g = [
            area(Role::CommunityWorker, "aa01bb"),
            area(Role::Coordinator, "aa01"),
        ];
        let s = AreaScope::for_action(&g, Action::ViewRegistry);
        assert_eq!(s.roots(), ["aa01".to_string()]);
        assert!(s.contains("aa01cc"));
        assert!(!s.contains("aa02"));
        assert!(subtree_upper_bound("aa01").as_str() > "aa01ffff");
    }

    #[test]
    fn a_community_overlaps_its_street_but_not_a_neighbour() {
        let s = AreaScope::of_roots(vec!["aa01bb".into()]);
        assert!(s.overlaps("aa01bb"), "itself");
        assert!(s.overlaps("aa01bbcc"), "below it");
        assert!(s.overlaps("aa01"), "the street above it");
        assert!(!s.overlaps("aa01cc"), "a neighbouring community");
        assert!(!s.contains("aa01"), "but the street itself is not visible");
    }

    #[test]
    fn usernames() {
        assert_eq!(
            Username::parse("Worker.Lingyanli").unwrap().as_str(),
            "worker.lingyanli"
        );
        assert!(Username::parse("1abc").is_err());
        for reserved in [RESIDENT, COMMAND_LINE, " Resident "] {
            assert_eq!(Username::parse(reserved), Err("err-username-reserved"));
        }
        assert!(Username::parse("ab").is_err());
    }
}
