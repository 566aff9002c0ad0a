//! `docs/permissions.md` is written from the rule itself: this test builds it from
//! `sanshe_core::accounts` and fails when the file in the repository says anything else.
//! After changing the rule: `SANSHE_WRITE_DOCS=1 cargo test -p sanshe-core --test permissions_doc`.

use sanshe_core::accounts::{Action, Role};

/// How a role's grant is held, for the column heading.
fn held_over(role: Role) -> &'static str {
    match role {
        Role::Coordinator | Role::CommunityWorker => "area",
        Role::OrgAdmin => "organization",
        Role::Volunteer => "organization; area where deployed",
    }
}

/// Where a role's allowed action applies.
fn cell(role: Role, action: Action) -> &'static str {
    match (role, action) {
        _ if !role.allows(action) => "–",
        (Role::Coordinator | Role::CommunityWorker, _) => "✓ in subtree",
        (Role::Volunteer, Action::TakeShifts) => "✓ where deployed",
        _ => "✓ own organization",
    }
}

fn document() -> String {
    let mut out = String::from(
        "# Permissions — who may do what, where\n\n\
         <!-- Written by crates/core/tests/permissions_doc.rs from sanshe_core::accounts; do not edit by hand. -->\n\n\
         The rule lives in `sanshe_core::accounts`: `permits` (a role's actions, applied to the\n\
         target's area path or organization) and the few named exceptions below it. Anything outside\n\
         a user's scope answers 404 and is absent from lists, counts, search and exports.\n\n\
         A grant is a role over an **area subtree** (coordinator, community worker; a volunteer's\n\
         area grant is their deployment there) or over **one organization** (org admin, volunteer).\n\n",
    );
    out.push_str("| action |");
    for role in Role::ALL {
        out.push_str(&format!(" {} ({}) |", role.as_str(), held_over(role)));
    }
    out.push_str("\n|---|");
    for _ in Role::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for action in Action::ALL {
        out.push_str(&format!("| {} |", action.summary()));
        for role in Role::ALL {
            out.push_str(&format!(" {} |", cell(role, action)));
        }
        out.push('\n');
    }
    let notes = [
        "",
        "A volunteer's **area** grant is their deployment: it is what lets them take shifts and run",
        "errands there; their organization's grant lets them see their organization.",
        "",
        "## Exceptions, also in `sanshe_core::accounts`",
        "",
        "- `may_add_area`: districts, streets and communities are added by whoever manages areas;",
        "  compounds and buildings also by whoever keeps the registry there (community workers).",
        "- `may_grant`: whoever manages users over the target grants any role there; an",
        "  organization's admin adds **volunteers** to its own organization, and nothing else.",
        "- `manages_users_somewhere`: the users page and the user import are open to whoever manages",
        "  users in some subtree, and to an organization's admin.",
        "- `vets_somewhere`: volunteer vetting is open to whoever vets in some subtree, and to an",
        "  organization's admin (for the applications naming their organization).",
        "- `organizations_run`: the organizations an admin runs, by id: an application belongs to",
        "  the organization registered under the name given when applying, and its admin vets it",
        "  and sees its members' hours whatever either is renamed to.",
        "- An organization registered with no home area is the whole city's: a grant over the",
        "  city covers it (`permits`). `organizations_seen`: a list of organizations holds those",
        "  registered in the holder's subtrees, those a grant names, and those linked (now or",
        "  before) to a community whose registry the holder sees, as its page is seen.",
        "- `may_link_somewhere`: an organization is linked to a community by whoever manages the",
        "  organization, or by a coordinator, to the communities of their own subtree.",
        "- Linkages (`organizations::proposal_status`, `may_accept`): a linkage is proposed by one",
        "  side — the organization's managers, or whoever speaks for the community",
        "  (`LinkOrganizations`) — and accepted by the other; someone speaking for both makes it",
        "  active at once. Either side ends it.",
        "- `member_of`: a volunteer or social worker holds no area role of their own. Deployed to a",
        "  community and checked in on a shift of a gate post, they scan passes and register",
        "  visitors at that post's gate from check-in until check-out, or 30 minutes after the",
        "  shift ends (`rotas::gate_duty_window`) — and only while one of their organizations holds",
        "  an active linkage with **gate duty** there (someone in no organization, vetted by the",
        "  community itself, acts on the posts its workers put them on). They see no registry.",
        "- Phone follow-up: a member of the social-worker kind, deployed to a community where one of",
        "  their organizations holds an active linkage with **follow-up** duty, may be made the",
        "  responsible worker of someone isolated there. They list those people masked (first",
        "  character of the name, no address, the phone masked) and enter their reports, while the",
        "  episode is open and the duty held; they cannot open, release or reassign it.",
        "- Door to door: the community hands a campaign's buildings to such social workers of an",
        "  organization holding the **door-to-door** duty there. They see those buildings' doors",
        "  (addresses, no names, no notes) and log visits there only, while the campaign runs and",
        "  the duty holds; the campaign's coverage and its other doors stay the community's.",
        "- An organization's admin adds the organization's own chat robot; it is told of urgent",
        "  needs addressed to the organization (its linked communities', or city-wide) and of",
        "  nothing else — the area's alerts go only to the area's robots.",
        "- Teams: an organization's admin puts its people in teams with a leader. The leader sees",
        "  the team's members and their shifts of the coming week and books them into open",
        "  shifts where they are deployed, within the booking limits; other members do not see",
        "  the team's page. The admin may answer a need with a whole team.",
        "",
        "## Without an account",
        "",
        "A resident's report link (`/r/{token}`) and an errand's receipt link (`/h/{token}`) open one",
        "episode or one errand: its kind, dates and a masked name, and the reports or the receipt it",
        "takes — nothing else. An applicant's status link (`/v/{token}`) shows their own application.",
        "Each token is random, stored as a hash, replaced or revoked by the worker, and dead once the",
        "episode is released or the errand closed.",
    ];
    for line in notes {
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn docs_permissions_md_is_the_rule_in_words() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/permissions.md");
    let written = document();
    if std::env::var_os("SANSHE_WRITE_DOCS").is_some() {
        std::fs::write(&path, &written).expect("docs/permissions.md written");
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == written,
        "docs/permissions.md does not match the rule; run \
         `SANSHE_WRITE_DOCS=1 cargo test -p sanshe-core --test permissions_doc` and commit it"
    );
}

#[test]
fn every_action_is_in_the_table_once() {
    let mut seen = Action::ALL.to_vec();
    seen.dedup();
    assert_eq!(seen.len(), Action::ALL.len());
    // A new action added to the enum without a row would be missing here; `summary`'s match
    // already makes the compiler ask for its words.
    let table = document();
    for action in Action::ALL {
        assert_eq!(table.matches(action.summary()).count(), 1, "{action:?}");
    }
}
