//! Interface languages: Fluent files per locale (`crates/web/i18n/*.ftl`), Simplified Chinese by
//! default, English beside it. A unit test checks both files carry the same message ids.

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::langid;

/// A supported interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Locale {
    /// 简体中文
    #[default]
    ZhCn,
    /// English
    En,
}

impl Locale {
    /// Parses a stored or requested locale; anything unknown falls back to Chinese.
    pub fn parse(raw: &str) -> Locale {
        if raw.trim().to_ascii_lowercase().starts_with("en") {
            Locale::En
        } else {
            Locale::ZhCn
        }
    }

    /// The BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// The other language (for the switch link).
    pub fn other(self) -> Locale {
        match self {
            Locale::ZhCn => Locale::En,
            Locale::En => Locale::ZhCn,
        }
    }
}

struct Bundles {
    zh: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(tag: unic_langid::LanguageIdentifier, source: &str) -> FluentBundle<FluentResource> {
    let mut b = FluentBundle::new_concurrent(vec![tag]);
    b.set_use_isolating(false);
    // The files ship inside the binary and a unit test parses them, so a broken one never runs.
    let res = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, _)| r);
    let _ = b.add_resource(res);
    b
}

fn bundles() -> &'static Bundles {
    static B: OnceLock<Bundles> = OnceLock::new();
    B.get_or_init(|| Bundles {
        zh: bundle(langid!("zh-CN"), include_str!("../i18n/zh-CN.ftl")),
        en: bundle(langid!("en"), include_str!("../i18n/en.ftl")),
    })
}

/// Translates message ids for one locale; templates hold one as `tr`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    /// The locale.
    pub locale: Locale,
}

impl Tr {
    /// A translator for `locale`.
    pub fn new(locale: Locale) -> Tr {
        Tr { locale }
    }

    fn bundle(&self) -> &'static FluentBundle<FluentResource> {
        match self.locale {
            Locale::ZhCn => &bundles().zh,
            Locale::En => &bundles().en,
        }
    }

    /// The message `id`, or the id itself when missing (visible in review, never a crash).
    pub fn t(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with a numeric `$count`.
    pub fn count(&self, id: &str, count: impl Count) -> String {
        let mut args = FluentArgs::new();
        args.set("count", FluentValue::from(count.value()));
        self.format(id, Some(&args))
    }

    /// The message `id` with a text `$name`.
    pub fn named(&self, id: &str, name: &str) -> String {
        let mut args = FluentArgs::new();
        args.set("name", FluentValue::from(name.to_string()));
        self.format(id, Some(&args))
    }

    /// A half-day report slot (`2026-11-30-am`) in words: `11-30 上午`.
    pub fn slot(&self, slot: &str) -> String {
        let date = slot
            .get(..10)
            .filter(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok());
        match (date, slot.get(10..)) {
            (Some(d), Some(half @ ("-am" | "-pm"))) => {
                format!("{} {}", &d[5..], self.of("slot-", &half[1..]))
            }
            _ => slot.to_string(),
        }
    }

    /// A message with one text argument `$key`, e.g. a `{n}` a script fills in.
    pub fn with(&self, id: &str, key: &str, value: &str) -> String {
        self.with_args(id, &[(key, value.to_string())])
    }

    /// A message with text arguments.
    pub fn with_args(&self, id: &str, pairs: &[(&str, String)]) -> String {
        let mut args = FluentArgs::new();
        for (key, value) in pairs {
            args.set(key.to_string(), FluentValue::from(value.clone()));
        }
        self.format(id, Some(&args))
    }

    /// A gate's rule in words: `每户每 2 天可外出 1 次，6:00–22:00 可出门`.
    pub fn gate_policy(&self, p: &sanshe_core::gates::GatePolicy) -> String {
        let hours = [
            ("from", p.out_from_hour.to_string()),
            ("until", p.out_until_hour.to_string()),
        ];
        if p.exits_per_period == 0 {
            return self.with_args("gate-policy-unlimited", &hours);
        }
        let mut args = vec![
            ("exits", p.exits_per_period.to_string()),
            ("days", p.period_days.to_string()),
        ];
        args.extend(hours);
        self.with_args("gate-policy-words", &args)
    }

    /// Every refusal of a form in one line, for a page that shows them together.
    pub fn fields(&self, errors: &sanshe_core::FieldErrors) -> String {
        errors
            .0
            .iter()
            .map(|e| self.field(e))
            .collect::<Vec<_>>()
            .join("；")
    }

    /// The message of a rejected field, naming the limit it went past where it has one.
    pub fn field(&self, e: &sanshe_core::FieldError) -> String {
        match e.limit {
            Some(limit) => {
                let mut args = FluentArgs::new();
                args.set("limit", FluentValue::from(limit));
                self.format(e.key, Some(&args))
            }
            None => self.t(e.key),
        }
    }

    fn format(&self, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let b = self.bundle();
        match b.get_message(id).and_then(|m| m.value()) {
            Some(p) => {
                let mut errors = Vec::new();
                b.format_pattern(p, args, &mut errors).into_owned()
            }
            None => id.to_string(),
        }
    }

    /// The message for a prefixed value, e.g. `kind-` + `community`.
    pub fn of(&self, prefix: &str, value: impl std::fmt::Display) -> String {
        self.t(&format!("{prefix}{value}"))
    }

    /// An audit entry's detail in the reader's language. Details are written in neither: names,
    /// numbers, dates, ids and codes. An action with a message of its own
    /// (`audit-detail-resident-moved`) is given the detail's `name=value` words; otherwise the
    /// words that are codes (`AUDIT_DETAIL_CODES`) become words, and the rest stay as written.
    pub fn audit_detail(&self, action: &str, detail: &str) -> String {
        let mut words: Vec<String> = detail.split(' ').map(String::from).collect();
        for (_, at, prefix) in AUDIT_DETAIL_CODES.iter().filter(|(a, ..)| *a == action) {
            if let Some(word) = words.get_mut(*at) {
                let id = format!("{prefix}{word}");
                let said = self.t(&id);
                if said != id {
                    *word = said;
                }
            }
        }
        let args: Vec<(&str, String)> = words
            .iter()
            .filter_map(|w| w.split_once('='))
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        let id = format!("audit-detail-{}", action.replace('.', "-"));
        match self.with_args(&id, &args) {
            said if !args.is_empty() && said != id => said,
            _ => words.join(" "),
        }
    }

    /// An audit entry's action in words (`resident.revealed` → 查看完整证件号); the code itself
    /// for one without words yet.
    pub fn audit_action(&self, code: &str) -> String {
        let id = format!("audit-{}", code.replace('.', "-"));
        let words = self.t(&id);
        if words == id { code.to_string() } else { words }
    }
}

/// The audit details that hold a code, and where its words are: (action, which word of the
/// detail, message prefix).
const AUDIT_DETAIL_CODES: &[(&str, usize, &str)] = &[
    ("help.asked", 0, "help-urgency-"),
    ("isolation.opened", 0, "episode-kind-"),
    ("isolation.released", 0, "release-reason-"),
    ("isolation.follow_up", 0, "follow-up-mode-"),
    ("area.created", 0, "kind-"),
    ("member.kind_set", 0, "member-kind-"),
    ("user.created", 1, "role-"),
    ("grant.created", 0, "role-"),
    ("grant.revoked", 0, "role-"),
    ("resident.revealed", 0, "revealed-field-"),
    ("resident.revealed", 1, "revealed-field-"),
];

/// Something templates can pass as `$count`.
pub trait Count {
    /// The number.
    fn value(&self) -> i64;
}

impl Count for i64 {
    fn value(&self) -> i64 {
        *self
    }
}

impl Count for usize {
    fn value(&self) -> i64 {
        *self as i64
    }
}

impl<T: Count> Count for &T {
    fn value(&self) -> i64 {
        (*self).value()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(src: &str) -> Vec<String> {
        let res = FluentResource::try_new(src.to_string()).expect("file parses");
        let mut v: Vec<String> = res
            .entries()
            .filter_map(|e| match e {
                fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
                _ => None,
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        assert_eq!(
            ids(include_str!("../i18n/zh-CN.ftl")),
            ids(include_str!("../i18n/en.ftl"))
        );
    }

    /// A message defined twice is dropped silently by the bundle (the first wins), which once
    /// labelled the notice form's text box with the whole isolation notice.
    #[test]
    fn no_message_is_defined_twice() {
        for source in [
            include_str!("../i18n/zh-CN.ftl"),
            include_str!("../i18n/en.ftl"),
        ] {
            let res = FluentResource::try_new(source.to_string()).expect("parses");
            let mut b = FluentBundle::new_concurrent(vec![langid!("zh-CN")]);
            assert!(b.add_resource(res).is_ok(), "a message is defined twice");
        }
    }

    fn rust_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir)
            .expect("readable source folder")
            .flatten()
        {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    // Every rejection a use case can send names a message both languages carry: a key with no
    // message would reach the user as `err-something`.
    #[test]
    fn every_error_key_in_the_code_has_a_message_in_both_languages() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for c in ["core", "store", "app", "web"] {
            rust_files(&crates.join(c).join("src"), &mut files);
        }
        let zh = ids(include_str!("../i18n/zh-CN.ftl"));
        let en = ids(include_str!("../i18n/en.ftl"));
        let mut missing = Vec::new();
        for f in files {
            let text = std::fs::read_to_string(&f).expect("readable source file");
            for piece in text.split("\"err-").skip(1) {
                let key = format!("err-{}", piece.split('"').next().unwrap_or(""));
                if key.len() > 4
                    && key.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                    && (!zh.contains(&key) || !en.contains(&key))
                {
                    missing.push(format!("{key} ({})", f.display()));
                }
            }
        }
        assert!(missing.is_empty(), "keys without messages: {missing:?}");
    }

    /// Every action the code writes into the audit log reads as words in both languages and is
    /// offered on the audit page: the string literals shaped `subject.action` in `app` (the
    /// demo's user names aside), and the errand steps written `help.<step>`.
    #[test]
    fn every_audit_action_in_the_code_has_words_in_both_languages() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        rust_files(&crates.join("app").join("src"), &mut files);
        let zh = ids(include_str!("../i18n/zh-CN.ftl"));
        let en = ids(include_str!("../i18n/en.ftl"));
        let mut actions: Vec<String> = ["assign", "claim", "release", "buy", "deliver", "cancel"]
            .iter()
            .map(|s| format!("help.{s}"))
            .collect();
        for f in files.iter().filter(|f| !f.ends_with("demo.rs")) {
            let text = std::fs::read_to_string(f).expect("readable source file");
            for piece in text.split('"').skip(1).step_by(2) {
                let shaped = piece.split_once('.').is_some_and(|(a, b)| {
                    let word = |w: &str| {
                        !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                    };
                    word(a) && word(b)
                });
                if shaped {
                    actions.push(piece.to_string());
                }
            }
        }
        assert!(actions.len() > 50, "{actions:?}");
        let missing: Vec<&String> = actions
            .iter()
            .filter(|a| {
                let id = format!("audit-{}", a.replace('.', "-"));
                !zh.contains(&id) || !en.contains(&id)
            })
            .collect();
        assert!(
            missing.is_empty(),
            "audit actions without words: {missing:?}"
        );
        // The audit page offers `ACTIONS` to filter by: an action missing there cannot be found.
        let unlisted: Vec<&String> = actions
            .iter()
            .filter(|a| !sanshe_app::audit::ACTIONS.contains(&a.as_str()))
            .collect();
        assert!(
            unlisted.is_empty(),
            "audit actions missing from audit::ACTIONS: {unlisted:?}"
        );
        assert_eq!(
            Tr::new(Locale::ZhCn).audit_action("resident.revealed"),
            "查看完整证件号"
        );
    }

    #[test]
    fn every_core_error_key_has_a_message() {
        let zh = Tr::new(Locale::ZhCn);
        for key in [
            "err-id-check-digit",
            "err-phone",
            "err-sex-mismatch",
            "err-duplicate-elsewhere",
            "err-required",
        ] {
            assert_ne!(zh.t(key), key);
        }
        assert_eq!(
            Tr::new(Locale::En).count("import-accepted", 3i64),
            "3 added"
        );
    }
}
