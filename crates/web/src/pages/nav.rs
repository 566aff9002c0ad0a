//! The page frame's menu: who is signed in, the language switch, and the links a role can use
//! with the page shown marked.

use sanshe_app::accounts::Actor;
use sanshe_core::accounts::Action;

use crate::auth::{PageCaller, urlencode};
use crate::i18n::Tr;

/// What the page frame shows: language, user, CSRF token and which menu entries apply.
pub struct Nav {
    /// Translator.
    pub tr: Tr,
    /// Signed-in user's display name.
    pub user: Option<String>,
    /// CSRF token for forms.
    pub csrf: String,
    /// This page's path (for the language switch).
    pub here: String,
    /// Show registry entries.
    pub registry: bool,
    /// Show user management.
    pub users: bool,
    /// Show the audit log.
    pub audit: bool,
    /// Show front-line work (campaigns, isolation, alerts).
    pub frontline: bool,
    /// Show chat-robot settings.
    pub webhooks: bool,
    /// Show the rota.
    pub rota: bool,
    /// Show volunteer vetting and deployment.
    pub vetting: bool,
    /// Show needs and commitments.
    pub needs: bool,
    /// Show the linkage map (whoever speaks for communities).
    pub linkage_map: bool,
    /// Show phone follow-up (members of an organization).
    pub follow_ups: bool,
    /// The menu: (path, label, whether it is the page shown), only what the role can use.
    pub links: Vec<(&'static str, String, bool)>,
}

impl Nav {
    pub(super) fn of(caller: &PageCaller, here: &str) -> Nav {
        Nav::framed(&caller.actor, &caller.csrf, caller.tr, here)
    }

    /// The menu of a signed-in person, the current page marked.
    pub(super) fn framed(a: &Actor, csrf: &str, tr: Tr, here: &str) -> Nav {
        Nav {
            tr,
            user: Some(a.display_name.clone()),
            csrf: csrf.to_string(),
            here: urlencode(here),
            registry: !a.scope(Action::EditRegistry).is_empty(),
            users: sanshe_core::accounts::manages_users_somewhere(&a.grants),
            audit: !a.scope(Action::ReadAudit).is_empty(),
            frontline: !a.scope(Action::FrontLine).is_empty(),
            webhooks: !a.scope(Action::ManageWebhooks).is_empty(),
            rota: !a.scope(Action::TakeShifts).is_empty(),
            vetting: sanshe_core::accounts::vets_somewhere(&a.grants),
            needs: sanshe_core::accounts::answers_needs_somewhere(&a.grants),
            linkage_map: !a.scope(Action::LinkOrganizations).is_empty(),
            follow_ups: !sanshe_core::accounts::member_of(&a.grants).is_empty(),
            links: Vec::new(),
        }
        .with_links(here, !a.scope(Action::ViewRegistry).is_empty())
    }

    /// The menu of this signed-in person, the current page marked.
    fn with_links(mut self, here: &str, registry: bool) -> Nav {
        let shown: [(&'static str, &str, bool); 21] = [
            ("/", "nav-home", true),
            ("/residents", "nav-residents", registry),
            ("/campaigns", "nav-campaigns", self.frontline),
            ("/isolations", "nav-isolations", self.frontline),
            ("/arrivals", "nav-arrivals", self.frontline),
            ("/contacts", "nav-contacts", self.frontline),
            ("/alerts", "nav-alerts", self.frontline),
            ("/gates", "nav-gates", self.frontline),
            ("/rota", "nav-rota", self.rota),
            ("/errands", "nav-errands", self.rota || self.frontline),
            ("/volunteers", "nav-volunteers", self.vetting),
            ("/needs", "needs", self.needs),
            ("/notices", "notices", self.needs || self.rota),
            ("/follow-ups", "follow-ups", self.follow_ups),
            ("/door-to-door", "door-to-door", self.follow_ups),
            ("/linkage-map", "linkage-map", self.linkage_map),
            ("/webhooks", "nav-webhooks", self.webhooks),
            ("/import", "nav-import", self.registry),
            ("/organizations", "nav-organizations", true),
            ("/users", "nav-users", self.users),
            ("/audit", "nav-audit", self.audit),
        ];
        // The page shown is the link whose path starts it the longest way ("/" only for home).
        let current = shown
            .iter()
            .filter(|(path, _, on)| {
                *on && (here == *path || (*path != "/" && here.starts_with(&format!("{path}/"))))
            })
            .map(|(path, _, _)| *path)
            .max_by_key(|p| p.len());
        self.links = shown
            .iter()
            .filter(|(_, _, on)| *on)
            .map(|(path, key, _)| (*path, self.tr.t(key), Some(*path) == current))
            .collect();
        self
    }

    pub(super) fn anonymous(tr: Tr, here: &str) -> Nav {
        Nav {
            tr,
            user: None,
            csrf: String::new(),
            here: urlencode(here),
            registry: false,
            users: false,
            audit: false,
            frontline: false,
            webhooks: false,
            rota: false,
            vetting: false,
            needs: false,
            linkage_map: false,
            follow_ups: false,
            links: Vec::new(),
        }
    }
}
