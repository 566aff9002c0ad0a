//! The registry to .xlsx, streamed to a file row by row.

use super::*;

/// Header of a resident export.
pub const EXPORT_HEADER: [&str; 11] = [
    "姓名",
    "性别",
    "出生日期",
    "年龄",
    "证件类型",
    "证件号码",
    "手机号",
    "所在区域",
    "住址",
    "标记",
    "ID",
];

/// Exports the residents matching `s` to an .xlsx at `path` (masked unless a reason for full
/// numbers is given, which needs the permission and is audited); returns the rows written.
/// `progress` is told (rows done, rows in all) after each page. Rows are read a page at a time
/// and the sheet is written on a blocking thread in constant memory, so a city's export holds
/// a page of rows, not the file.
pub async fn export_to(
    app: &App,
    actor: &Actor,
    s: &ResidentSearch,
    unmasked_reason: Option<&str>,
    progress: &(dyn Fn(usize, usize) + Sync),
    path: &std::path::Path,
) -> Result<usize> {
    let action = if unmasked_reason.is_some() {
        Action::ExportUnmasked
    } else {
        Action::ViewRegistry
    };
    let mut q = build_query(app, actor, s, action).await?;
    if let Some(reason) = unmasked_reason {
        sanshe_core::text::line("reason", reason, sanshe_core::text::LABEL_CHARS)?;
        if reason.trim().chars().count() < 2 {
            return Err(AppError::field("reason", "err-reason-required"));
        }
        if q.roots.is_empty() {
            return Err(AppError::Forbidden);
        }
    }
    let mut sheet = crate::sheets::SheetFile::create(
        path.to_path_buf(),
        "居民".into(),
        EXPORT_HEADER.map(String::from).to_vec(),
    );
    let mut conn = app.db.conn().await?;
    let total = store::count_residents(&mut conn, &q).await? as usize;
    let mut done = 0;
    q.order = ResidentOrder::Name;
    loop {
        let rows = store::search_residents(&mut conn, &q, 5000).await?;
        let Some(last) = rows.last() else { break };
        q.after = Some((last.sort_key.clone(), last.record.id.clone()));
        let mut page = Vec::with_capacity(rows.len());
        for row in rows {
            page.push(export_row(app, row, unmasked_reason.is_some())?);
        }
        done += page.len();
        sheet.push(page).await?;
        progress(done, total);
    }
    sheet.finish().await?;
    audit_store::append(
        &mut *conn,
        &audit_store::NewAuditEntry {
            action: if unmasked_reason.is_some() {
                "residents.exported_unmasked"
            } else {
                "residents.exported"
            },
            target_kind: "residents",
            target_id: q.within.as_deref().unwrap_or("scope"),
            area_path: q.within.as_deref(),
            detail: &format!("rows={done}"),
            reason: unmasked_reason,
            ..actor.audit_entry()
        },
    )
    .await?;
    Ok(done)
}

/// Exports the households of an area (within scope) to an .xlsx at `path` under `header` (the
/// area, building, unit, room and number of residents, in the reader's language); returns the
/// rows written. `progress` is told (rows done, rows in all) after each page; like the
/// residents, a page of rows is held at a time whatever the area's size.
pub async fn export_households_to(
    app: &App,
    actor: &Actor,
    area: &str,
    header: Vec<String>,
    progress: &(dyn Fn(usize, usize) + Sync),
    path: &std::path::Path,
) -> Result<usize> {
    let scope = actor.scope(Action::ViewRegistry);
    let within = crate::areas::visible_area(app, actor, area).await?.path;
    let mut conn = app.db.conn().await?;
    let total = store::count_households(&mut conn, scope.roots(), Some(&within)).await? as usize;
    let mut sheet =
        crate::sheets::SheetFile::create(path.to_path_buf(), "households".into(), header);
    let (mut done, mut after) = (0, None);
    loop {
        let rows = store::households(
            &mut conn,
            scope.roots(),
            Some(&within),
            after.as_ref(),
            5000,
        )
        .await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.position());
        done += rows.len();
        let page = rows
            .into_iter()
            .map(|h| {
                let count = h.residents.to_string();
                vec![h.area_name, h.building, h.unit, h.room, count]
            })
            .collect();
        sheet.push(page).await?;
        progress(done, total);
    }
    sheet.finish().await?;
    Ok(done)
}

/// One resident as an export row.
pub(super) fn export_row(app: &App, row: ResidentListRow, unmasked: bool) -> Result<Vec<String>> {
    let (doc, phone) = if unmasked {
        (
            app.vault.open(&row.record.document_cipher)?,
            row.record
                .phone_cipher
                .as_deref()
                .map(|c| app.vault.open(c))
                .transpose()?
                .unwrap_or_default(),
        )
    } else {
        (
            row.record.document_masked.clone(),
            row.record.phone_masked.clone().unwrap_or_default(),
        )
    };
    let (sex, kind) = (row.record.sex.name_zh(), row.record.document_kind.name_zh());
    let v = view(app, row);
    let flags: Vec<&str> = [
        (v.flags.living_alone, "独居"),
        (v.flags.elderly_80, "80岁以上"),
        (v.flags.disabled, "残疾"),
        (v.flags.chronic_illness, "慢性病"),
        (v.flags.pregnant, "孕妇"),
    ]
    .into_iter()
    .filter_map(|(on, label)| on.then_some(label))
    .collect();
    Ok(vec![
        v.name,
        sex.into(),
        v.birth_date,
        v.age.to_string(),
        kind.into(),
        doc,
        phone,
        v.area_name,
        v.address,
        flags.join("、"),
        v.id,
    ])
}
