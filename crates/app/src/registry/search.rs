//! Searching residents: filters, flags and a cursor for the next page.

use super::*;

/// How to list residents: the API's query parameters, the list page's and an export's filters.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct ResidentSearch {
    /// Within this area.
    pub area: Option<String>,
    /// Name prefix, whole ID number or phone.
    pub q: Option<String>,
    /// Only with this flag: living_alone, elderly_80, disabled, chronic_illness, pregnant.
    pub flag: Option<String>,
    /// `name` (default) or `birth_date`.
    pub sort: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
    /// Page size (1–500, default 50).
    pub limit: Option<i64>,
}

/// A page of residents.
pub type ResidentPage = crate::cursor::Page<ResidentView>;

/// The flag names a list may filter by (each a column of `residents`).
pub const FLAGS: [&str; 5] = [
    "living_alone",
    "elderly_80",
    "disabled",
    "chronic_illness",
    "pregnant",
];

/// Builds the store query for a search within the actor's scope for `action`.
pub async fn build_query(
    app: &App,
    actor: &Actor,
    s: &ResidentSearch,
    action: Action,
) -> Result<ResidentQuery> {
    let scope = actor.scope(action);
    let mut q = ResidentQuery {
        roots: scope.roots().to_vec(),
        ..Default::default()
    };
    if let Some(area) = s.area.as_deref().filter(|a| !a.is_empty()) {
        let a = crate::areas::visible_area(app, actor, area).await?;
        q.within = Some(a.path);
    }
    if let Some(text) = s.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        if let Ok(id) = MainlandId::parse(text, app.today()) {
            q.document_hash = Some(app.vault.lookup_hash(id.as_str()));
        } else if let Ok(p) = Phone::parse(text) {
            q.phone_hash = Some(app.vault.lookup_hash(p.as_str()));
        } else if text.chars().any(|c| c.is_ascii_digit()) {
            if let Ok(d) = IdentityDocument::parse(DocumentKind::Passport, text, app.today()) {
                q.document_hash = Some(app.vault.lookup_hash(d.number()));
            } else {
                return Err(AppError::field("q", "err-search-number"));
            }
        } else {
            q.name_prefix = Some(text.to_string());
        }
    }
    if let Some(f) = s.flag.as_deref().filter(|f| !f.is_empty()) {
        q.flag = Some(
            FLAGS
                .into_iter()
                .find(|k| *k == f)
                .ok_or_else(|| AppError::field("flag", "err-flag"))?,
        );
    }
    q.order = match s.sort.as_deref().unwrap_or("name") {
        "" | "name" => ResidentOrder::Name,
        "birth_date" => ResidentOrder::BirthDate,
        _ => return Err(AppError::field("sort", "err-sort")),
    };
    q.after = crate::cursor::after(s.after.as_deref())?.map(|[key, id]| (key, id));
    Ok(q)
}

/// How many residents `search` would find, without reading any: a home page's figure.
pub async fn count(app: &App, actor: &Actor, s: &ResidentSearch) -> Result<i64> {
    let q = build_query(app, actor, s, Action::ViewRegistry).await?;
    let mut conn = app.db.conn().await?;
    Ok(store::count_residents(&mut conn, &q).await?)
}

/// Searches residents within the actor's scope, a page at a time.
pub async fn search(app: &App, actor: &Actor, s: &ResidentSearch) -> Result<ResidentPage> {
    let q = build_query(app, actor, s, Action::ViewRegistry).await?;
    let limit = s.limit.unwrap_or(50).clamp(1, 500);
    let mut conn = app.db.conn().await?;
    let mut rows = store::search_residents(&mut conn, &q, limit + 1).await?;
    let next = crate::cursor::cut(&mut rows, limit, |r| {
        let key = if q.order == ResidentOrder::BirthDate {
            &r.record.birth_date
        } else {
            &r.sort_key
        };
        crate::cursor::encode(&[key, &r.record.id])
    });
    let total = store::count_residents(&mut conn, &q).await?;
    Ok(ResidentPage {
        items: rows.into_iter().map(|r| view(app, r)).collect(),
        total,
        next,
    })
}
