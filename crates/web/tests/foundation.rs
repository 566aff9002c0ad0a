//! HTTP-level tests of the foundation: scope, validation, privacy, import/export, accounts.
//! Each test body runs on SQLite and, when `SANSHE_TEST_DATABASE_URL` is set, on PostgreSQL.

mod support;

use axum::http::{StatusCode, header};
use serde_json::json;
use support::{ID_FEMALE_1949, ID_MALE_1880, TestApp, id_for, on_both};

#[tokio::test]
async fn a_resident_outside_the_scope_is_not_found_by_any_route_search_count_or_export() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let yude = t.token("worker.yudeli").await;
        let r = t
            .resident("孙秀英", ID_FEMALE_1949)
            .phone("13812345678")
            .by(&ling)
            .await;
        let id = r.id.clone();
        let household = r.household_id.clone();
        let mine = t
            .resident("赵大爷", ID_MALE_1880)
            .room("1")
            .in_area(&t.yudeli)
            .by(&yude)
            .await;
        let mine = mine.id.clone();
        let area = t.lingyanli.clone();
        let gets = [
            format!("/api/v1/residents/{id}"),
            format!("/api/v1/households/{household}"),
            format!("/api/v1/areas/{area}"),
            format!("/api/v1/areas?parent={area}"),
            format!("/api/v1/households?area={area}"),
            format!("/api/v1/residents?area={area}"),
            format!("/api/v1/residents/export.xlsx?area={area}"),
        ];
        for path in &gets {
            assert_eq!(
                t.get(path, Some(&yude)).await.status,
                StatusCode::NOT_FOUND,
                "GET {path} on {}",
                t.backend
            );
        }
        let posts = [
            (
                format!("/api/v1/residents/{id}/reveal"),
                json!({"reason": "核实"}),
            ),
            (
                format!("/api/v1/residents/{id}/move"),
                json!({"area_id": t.yudeli, "room": "9"}),
            ),
            (
                format!("/api/v1/residents/{mine}/merge"),
                json!({"remove": id}),
            ),
            (
                format!("/api/v1/residents/{id}/merge"),
                json!({"remove": mine}),
            ),
            (
                "/api/v1/exports/residents".to_string(),
                json!({"area": area}),
            ),
        ];
        for (path, body) in &posts {
            assert_eq!(
                t.post_json(path, Some(&yude), body.clone()).await.status,
                StatusCode::NOT_FOUND,
                "POST {path} on {}",
                t.backend
            );
        }
        assert_eq!(
            t.send_json(
                "PUT",
                &format!("/api/v1/residents/{id}"),
                Some(&yude),
                json!({"name": "x"})
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );
        let (cookie, _) = t.browser("worker.yudeli").await;
        for path in [
            format!("/residents/{id}"),
            format!("/residents/{id}/edit"),
            format!("/households/{household}"),
            format!("/areas/{area}"),
            format!("/areas/{area}/households/export"),
            format!("/residents/new?area={area}"),
            format!("/residents/new?household={household}"),
            format!("/residents/export?area={area}"),
        ] {
            assert_eq!(
                t.page(&path, &cookie).await.status,
                StatusCode::NOT_FOUND,
                "page {path} on {}",
                t.backend
            );
        }
        // Find and count: by name, ID number and phone; the list page as well.
        for q in ["孙秀英", ID_FEMALE_1949, "13812345678"] {
            let search = format!("/api/v1/residents?q={}", urlencode(q));
            for (token, seen) in [(&yude, 0), (&ling, 1)] {
                let total = t.get(&search, Some(token)).await.json()["total"].clone();
                assert_eq!(total, seen, "{q} on {}", t.backend);
            }
        }
        assert!(
            !t.page("/residents?q=%E5%AD%99", &cookie)
                .await
                .text()
                .contains("孙秀英")
        );
        // Areas offered as one types, and the export of the whole scope: none of lingyanli's.
        let areas = t.get("/api/v1/areas?q=%E5%87%8C", Some(&yude)).await.json();
        assert_eq!(areas.as_array().unwrap().len(), 0);
        let x = t.get("/api/v1/residents/export.xlsx", Some(&yude)).await;
        assert_eq!(x.status, StatusCode::OK);
        let table = sanshe_app::sheets::read_table(&x.bytes).unwrap();
        let names: Vec<&str> = table[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(names, ["赵大爷"], "yudeli's own alone: {table:?}");
        // Nothing changed: the resident is where lingyanli put it, with the same numbers.
        let still = t
            .get(&format!("/api/v1/residents/{id}"), Some(&ling))
            .await
            .json();
        assert_eq!(still["household_id"], household.as_str());
        assert_eq!(
            t.get("/api/v1/residents", Some(&yude)).await.json()["total"],
            1
        );
    })
    .await;
}

fn urlencode(s: &str) -> String {
    sanshe_web::auth::urlencode(s)
}

#[tokio::test]
async fn a_bad_id_number_is_refused_on_its_field_and_nothing_is_saved() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let r = t
            .post_json("/api/v1/residents", Some(&ling), json!({"area_id": t.lingyanli_building, "room": "502", "name": "王淑兰", "document_number": "120101199001011234"}))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.headers["content-type"], "application/problem+json");
        let body = r.json();
        assert_eq!(body["errors"][0]["field"], "document_number");
        assert_eq!(body["errors"][0]["code"], "err-id-check-digit");
        assert!(body["errors"][0]["message"].as_str().unwrap().contains("校验位"));
        assert_eq!(t.get("/api/v1/residents", Some(&ling)).await.json()["total"], 0);
        assert_eq!(t.get("/api/v1/households", Some(&ling)).await.json()["items"].as_array().unwrap().len(), 0, "no empty household left behind");
        // Sex and birth date must agree with the number.
        let r = t
            .post_json("/api/v1/residents", Some(&ling), json!({"area_id": t.lingyanli_building, "room": "502", "name": "王淑兰", "sex": "male", "document_number": ID_FEMALE_1949}))
            .await;
        assert_eq!(r.json()["errors"][0]["code"], "err-sex-mismatch");
        // English on request.
        let req = axum::http::Request::post("/api/v1/residents")
            .header("content-type", "application/json")
            .header("authorization", format!("Bearer {ling}"))
            .header("accept-language", "en");
        let r = t.request(req.body(axum::body::Body::from(json!({"area_id": t.lingyanli_building, "room": "1", "name": "A", "document_number": "123"}).to_string())).unwrap()).await;
        assert!(r.json()["errors"][0]["message"].as_str().unwrap().starts_with("ID numbers have 18"));
        // Malformed JSON is a 422 problem, not a 500.
        let r = t.request(axum::http::Request::post("/api/v1/residents").header("content-type", "application/json").header("authorization", format!("Bearer {ling}")).body(axum::body::Body::from("{not json")).unwrap()).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    })
    .await;
}

#[tokio::test]
async fn one_id_number_belongs_to_one_resident_in_the_whole_database() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let yude = t.token("worker.yudeli").await;
        t.resident("王淑兰", ID_FEMALE_1949).by(&ling).await;
        let r = t.post_json("/api/v1/residents", Some(&yude), json!({"area_id": t.yudeli, "room": "2", "name": "王淑兰", "document_number": ID_FEMALE_1949})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["errors"][0]["code"], "err-duplicate-document");
    })
    .await;
}

#[tokio::test]
async fn lists_and_exports_are_masked_and_reveal_needs_a_reason_and_is_audited() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let r = t.resident("王淑兰", ID_FEMALE_1949).phone("+86 138 1234 5678").by(&ling).await;
        let id = r.id.clone();
        assert_eq!(r["document_number"], "110***********002X");
        assert_eq!(r["phone"], "138****5678");
        let list = t.get("/api/v1/residents", Some(&ling)).await;
        assert!(!list.text().contains(ID_FEMALE_1949) && !list.text().contains("13812345678"));
        let x = t.get("/api/v1/residents/export.xlsx", Some(&ling)).await;
        let table = sanshe_app::sheets::read_table(&x.bytes).unwrap();
        assert_eq!((table[1][1].as_str(), table[1][4].as_str()), ("女", "居民身份证"), "sex and the document's kind in words");
        assert_eq!(table[1][5], "110***********002X");
        assert_eq!(table[1][6], "138****5678");
        // The database holds no clear numbers either.
        let mut conn = t.app.db.conn().await.unwrap();
        let row = sanshe_store::registry::resident(&mut conn, &id).await.unwrap();
        assert!(!row.record.document_cipher.contains("1101051949") && row.record.phone_cipher.as_deref().is_some_and(|p| !p.contains("1381234")));
        drop(conn);

        let no_reason = t.post_json(&format!("/api/v1/residents/{id}/reveal"), Some(&ling), json!({"reason": " "})).await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        let shown = t.post_json(&format!("/api/v1/residents/{id}/reveal"), Some(&ling), json!({"reason": "核实隔离人员身份"})).await.json();
        assert_eq!(shown["document_number"], ID_FEMALE_1949);
        assert_eq!(shown["phone"], "13812345678");
        // Unmasked export needs the permission: a community worker lacks it.
        assert_eq!(t.get("/api/v1/residents/export.xlsx?unmasked_reason=%E4%B8%8A%E6%8A%A5", Some(&ling)).await.status, StatusCode::FORBIDDEN);
        let admin = t.token("admin").await;
        let full = t.get("/api/v1/residents/export.xlsx?unmasked_reason=%E4%B8%8A%E6%8A%A5%E5%8D%AB%E5%81%A5%E5%A7%94", Some(&admin)).await;
        assert_eq!(sanshe_app::sheets::read_table(&full.bytes).unwrap()[1][5], ID_FEMALE_1949);

        let audit = t.get("/api/v1/audit?action=resident.revealed", Some(&admin)).await.json();
        let entries = audit.as_array().unwrap();
        assert_eq!(entries.len(), 1, "{audit}");
        assert_eq!(entries[0]["actor"], "worker.lingyanli");
        assert_eq!(entries[0]["target_id"], id.as_str());
        assert_eq!(entries[0]["reason"], "核实隔离人员身份");
        // Whose numbers were revealed, and by whom, in words: the page and the sheet name the
        // worker and the resident (masked), not user names and hex ids alone.
        assert_eq!((entries[0]["subject"].as_str(), entries[0]["actor_name"].as_str()), (Some("王**"), Some("worker.lingyanli")));
        let (admin_cookie, _) = t.browser("admin").await;
        let page = t.page("/audit?action=resident.revealed", &admin_cookie).await.text();
        assert!(page.contains("<b class=\"audit-subject\">王**</b>"), "{page}");
        let sheet = sanshe_app::sheets::read_table(&t.page("/audit/export.xlsx?action=resident.revealed", &admin_cookie).await.bytes).unwrap();
        assert_eq!(sheet[1][3], format!("王** {id}"), "{sheet:?}");
        let exports = t.get("/api/v1/audit?action=residents.exported_unmasked", Some(&admin)).await.json();
        assert_eq!(exports[0]["reason"], "上报卫健委");
        // A worker cannot read the audit log.
        assert_eq!(t.get("/api/v1/audit", Some(&ling)).await.status, StatusCode::NOT_FOUND);
    })
    .await;
}

/// An auditor asks who saw full ID numbers on which days: the action chosen in words, the days
/// typed (China time, so 10:00 on the 28th is the 28th); the API, the page and the workbook keep
/// only those entries, and a backwards period is refused on its field.
#[tokio::test]
async fn the_audit_log_is_searched_by_action_in_words_and_by_days() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let r = t.resident("王淑兰", ID_FEMALE_1949).by(&ling).await;
        // One seen on the 28th of January 2020 at 10:00 China time (the log's time is the
        // wall clock's, so the older entry is written as it stands), one seen now.
        let jan28 = chrono::NaiveDate::from_ymd_opt(2020, 1, 28).unwrap().and_hms_opt(2, 0, 0).unwrap();
        let then = jan28.and_utc().timestamp_millis();
        let mut conn = t.app.db.conn().await.unwrap();
        let insert = format!(
            "INSERT INTO audit_log (id, at, actor_id, actor_name, action, target_kind, target_id, area_path, detail, reason) \
             VALUES ('{}', {then}, NULL, 'worker.lingyanli', 'resident.revealed', 'resident', '{}', NULL, '', '核实隔离人员身份')",
            sanshe_store::new_id(),
            r.id
        );
        sanshe_store::statements::Statements::run(&mut *conn, &insert, &[]).await.unwrap();
        drop(conn);
        let reveal = format!("/api/v1/residents/{}/reveal", r.id);
        let shown = t.post_json(&reveal, Some(&ling), json!({"reason": "核对返津登记"})).await;
        assert_eq!(shown.status, StatusCode::OK, "{}", shown.text());
        let admin = t.token("admin").await;
        let reasons = async |path: &str| -> Vec<String> {
            let entries = t.get(path, Some(&admin)).await.json();
            let entries = entries.as_array().unwrap().clone();
            entries.iter().map(|e| e["reason"].as_str().unwrap_or("").to_string()).collect()
        };
        let revealed = "/api/v1/audit?action=resident.revealed";
        assert_eq!(reasons(revealed).await, ["核对返津登记", "核实隔离人员身份"]);
        assert_eq!(reasons(&format!("{revealed}&from=2020-01-29")).await, ["核对返津登记"]);
        assert_eq!(reasons(&format!("{revealed}&from=2020-01-28&to=2020-01-28")).await, ["核实隔离人员身份"]);
        assert!(reasons(&format!("{revealed}&from=&to=2020-01-27")).await.is_empty());
        let backwards = t.get(&format!("{revealed}&from=2020-01-29&to=2020-01-28"), Some(&admin)).await;
        assert_eq!(backwards.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(backwards.json()["errors"][0]["field"], "to");
        let unknown = t.get("/api/v1/audit?action=resident.stolen", Some(&admin)).await;
        assert_eq!((unknown.status, unknown.json()["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("action")));

        // The page offers the actions in words, keeps the choice and the days, and links the
        // workbook of just those entries.
        let (cookie, _) = t.browser("admin").await;
        let page = t.page("/audit", &cookie).await.text();
        assert!(page.contains("<option value=\"resident.revealed\">查看完整证件号</option>"), "{page}");
        assert!(!page.contains("placeholder=\"resident.revealed\""), "no code to type");
        let chosen = t.page("/audit?action=resident.revealed&from=2020-01-29", &cookie).await.text();
        assert!(chosen.contains("<option value=\"resident.revealed\" selected>"), "{chosen}");
        assert!(chosen.contains("核对返津登记") && !chosen.contains("核实隔离人员身份"), "{chosen}");
        assert!(chosen.contains("href=\"/audit/export.xlsx?action=resident.revealed&#38;from=2020-01-29\""), "{chosen}");
        let sheet = t.page("/audit/export.xlsx?action=resident.revealed&from=2020-01-29", &cookie).await;
        let rows = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[1][5], "核对返津登记");
        let refused = t.page("/audit?from=2020-01-29&to=2020-01-28", &cookie).await.text();
        assert!(refused.contains("id=\"error-to\"") && !refused.contains("audit-export"), "{refused}");
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_refuses_changes_in_the_database_itself() {
    on_both(async |t| {
        let _ = t.token("admin").await;
        let mut conn = t.app.db.conn().await.unwrap();
        let update = sqlx::query("UPDATE audit_log SET actor_name = 'nobody'")
            .execute(&mut *conn)
            .await;
        assert!(update.is_err(), "update allowed on {}", t.backend);
        let delete = sqlx::query("DELETE FROM audit_log")
            .execute(&mut *conn)
            .await;
        assert!(delete.is_err(), "delete allowed on {}", t.backend);
        drop(conn);
    })
    .await;
}

fn csv_with(rows: &[&str]) -> String {
    let mut s = String::from("姓名,性别,身份证号,手机号,小区,楼栋,单元,房号,独居\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

#[tokio::test]
async fn import_reports_bad_rows_and_importing_twice_changes_nothing() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let good1 = id_for(1950, 3, 1, 12);
        let good2 = id_for(1988, 7, 9, 23);
        let csv = csv_with(&[
            &format!("李桂芝,女,{good1},13900001111,凌研里二区,5号楼,1单元,301,是"),
            &format!("张伟,男,{good2},,凌研里二区,5号楼,1单元,302,"),
            "错号,男,120101199001011234,,凌研里二区,5号楼,1单元,303,",
            &format!(
                "刘强,男,{},12345,凌研里二区,5号楼,1单元,304,",
                id_for(1970, 1, 1, 31)
            ),
            ",女,,,凌研里二区,5号楼,1单元,,",
        ]);
        let file = [b"\xEF\xBB\xBF".as_slice(), csv.as_bytes()].concat();
        let r = t
            .post_multipart(
                "/api/v1/imports/residents",
                Some(&ling),
                None,
                &[("community", &t.lingyanli)],
                ("r.csv", &file),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let report = r.json();
        assert_eq!(report["accepted"], 2, "{report}");
        let rejected: Vec<(u64, String, String)> = report["rejected"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                (
                    x["row"].as_u64().unwrap(),
                    x["column"].as_str().unwrap().to_string(),
                    x["code"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert!(
            rejected.contains(&(4, "身份证号".into(), "err-id-check-digit".into())),
            "{rejected:?}"
        );
        assert!(
            rejected.contains(&(5, "手机号".into(), "err-phone".into())),
            "{rejected:?}"
        );
        assert!(
            rejected.contains(&(6, "姓名".into(), "err-required".into())),
            "{rejected:?}"
        );
        assert!(
            rejected.contains(&(6, "房号".into(), "err-required".into())),
            "{rejected:?}"
        );
        // The flag column was read, and the compound and building became areas.
        let old = t
            .get(&format!("/api/v1/residents?q={good1}"), Some(&ling))
            .await
            .json();
        assert_eq!(old["items"][0]["flags"]["living_alone"], true);
        assert_eq!(old["items"][0]["area_name"], "凌研里二区");
        // Twice: nothing new.
        let again = t
            .post_multipart(
                "/api/v1/imports/residents",
                Some(&ling),
                None,
                &[("community", &t.lingyanli)],
                ("r.csv", &file),
            )
            .await
            .json();
        assert_eq!(again["accepted"], 0);
        assert_eq!(again["unchanged"], 2);
        assert_eq!(
            t.get("/api/v1/residents", Some(&ling)).await.json()["total"],
            2
        );
        // The same person in another household is reported as a duplicate, and leaves no household behind.
        let households_before = t
            .get("/api/v1/households?limit=500", Some(&ling))
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len();
        let moved = csv_with(&[&format!("李桂芝,女,{good1},,凌研里二区,6号楼,1单元,101,")]);
        let dup = t
            .post_multipart(
                "/api/v1/imports/residents",
                Some(&ling),
                None,
                &[("community", &t.lingyanli)],
                ("m.csv", moved.as_bytes()),
            )
            .await
            .json();
        assert_eq!(dup["rejected"][0]["code"], "err-duplicate-elsewhere");
        let households_after = t
            .get("/api/v1/households?limit=500", Some(&ling))
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(households_before, households_after);
        // Another community's worker cannot import into this one.
        let yude = t.token("worker.yudeli").await;
        let r = t
            .post_multipart(
                "/api/v1/imports/residents",
                Some(&yude),
                None,
                &[("community", &t.lingyanli)],
                ("r.csv", &file),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn import_reads_gbk_csv_and_xlsx_with_english_headers() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let id1 = id_for(1960, 2, 2, 41);
        let text = format!("姓名,身份证号,楼栋,房号\n赵玉兰,{id1},2号楼,201\n");
        let (gbk, _, _) = encoding_rs::GBK.encode(&text);
        let r = t
            .post_multipart(
                "/api/v1/imports/residents",
                Some(&ling),
                None,
                &[("community", &t.lingyanli)],
                ("gbk.csv", &gbk),
            )
            .await
            .json();
        assert_eq!(r["accepted"], 1, "{r}");
        assert_eq!(
            t.get(&format!("/api/v1/residents?q={id1}"), Some(&ling))
                .await
                .json()["items"][0]["name"],
            "赵玉兰"
        );

        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["Name", "ID number", "Building", "Unit", "Room", "Phone"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        let id2 = id_for(1990, 12, 12, 52);
        sheet.write_string(1, 0, "钱芳").unwrap();
        sheet.write_string(1, 1, &id2).unwrap();
        sheet.write_string(1, 2, "3号楼").unwrap();
        sheet.write_string(1, 3, "").unwrap();
        sheet.write_number(1, 4, 101).unwrap();
        sheet.write_number(1, 5, 13700001234_f64).unwrap();
        // An ID typed into a number cell loses its last digits: reported, not imported wrongly.
        sheet.write_string(2, 0, "孙丽").unwrap();
        sheet.write_number(2, 1, 110105194912310020.0).unwrap();
        sheet.write_number(2, 4, 102).unwrap();
        let bytes = book.save_to_buffer().unwrap();
        let r = t
            .post_multipart(
                "/api/v1/imports/residents",
                Some(&ling),
                None,
                &[("community", &t.lingyanli)],
                ("x.xlsx", &bytes),
            )
            .await
            .json();
        assert_eq!(r["accepted"], 1, "{r}");
        assert_eq!(r["rejected"][0]["code"], "err-id-stored-as-number");
        assert_eq!(r["rejected"][0]["column"], "ID number");
        let found = t
            .get(&format!("/api/v1/residents?q={id2}"), Some(&ling))
            .await
            .json();
        assert_eq!(found["items"][0]["address"], "3号楼 101");
        assert_eq!(found["items"][0]["phone"], "137****1234");
    })
    .await;
}

#[tokio::test]
async fn resident_search_pages_without_gaps_or_repeats_and_sorts() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        for i in 0..8u16 {
            let name = [
                "张三", "李四", "王五", "赵六", "孙七", "周八", "吴九", "连杰",
            ][i as usize];
            t.resident(name, &id_for(1940 + i as i32 * 5, 1, 1, i * 2 + 1))
                .room(&format!("{}", 100 + i))
                .by(&ling)
                .await;
        }
        let (items, total) = t.every_page("/api/v1/residents?limit=3", &ling).await;
        assert_eq!(total, 8);
        let seen: Vec<String> = items
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect();
        let mut sorted = seen.clone();
        sorted.sort();
        // Pinyin order, as a Chinese reader lists them (code points would put 吴 before 周), a
        // syllable before the longer ones it begins (li before lian) whatever the database's
        // collation: one that passes over spaces would put 连杰 (lianjie) before 李四 (lisi).
        assert_eq!(
            seen,
            [
                "李四", "连杰", "孙七", "王五", "吴九", "张三", "赵六", "周八"
            ],
            "pages follow pinyin order"
        );
        // Residents stored before the key existed get one when the server starts.
        let mut conn = t.app.db.conn().await.unwrap();
        sanshe_store::statements::Statements::run(
            &mut *conn,
            "UPDATE residents SET sort_key = ''",
            &[],
        )
        .await
        .unwrap();
        drop(conn);
        t.restart().await;
        let again = t.get("/api/v1/residents?limit=8", Some(&ling)).await.json();
        let names: Vec<&str> = again["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, seen, "keyed again at start-up");
        // The home page counts them under the community the worker keeps.
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let home = t.page("/", &cookie).await.text();
        assert!(home.contains("共 8 条 居民"), "{home}");
        sorted.dedup();
        assert_eq!(sorted.len(), 8);
        let oldest = t
            .get("/api/v1/residents?sort=birth_date&limit=1", Some(&ling))
            .await
            .json();
        assert_eq!(oldest["items"][0]["name"], "张三");
        let prefix = t
            .get("/api/v1/residents?q=%E5%91%A8", Some(&ling))
            .await
            .json();
        assert_eq!(prefix["total"], 1);
        // A name read alike but written otherwise (汪 and 王 are both "wang") is not a match.
        t.resident("汪五", &id_for(1950, 2, 2, 41))
            .room("120")
            .by(&ling)
            .await;
        let wang = t
            .get("/api/v1/residents?q=%E7%8E%8B", Some(&ling))
            .await
            .json();
        assert_eq!(
            (wang["total"].as_i64(), wang["items"][0]["name"].as_str()),
            (Some(1), Some("王五"))
        );
        assert_eq!(
            t.get("/api/v1/residents?sort=height", Some(&ling))
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            t.get("/api/v1/residents?after=zz", Some(&ling))
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
    })
    .await;
}

#[tokio::test]
async fn edit_move_flag_and_merge_a_resident() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let a = t.resident("王淑兰", ID_FEMALE_1949).by(&ling).await;
        let b = t.resident("王淑兰", &id_for(1949, 12, 31, 2)).room("102").phone("13912345678").by(&ling).await;
        let a_id = a.id.as_str();
        // An edit that sends back the masked number keeps the stored one.
        let edited = t
            .send_json("PUT", &format!("/api/v1/residents/{a_id}"), Some(&ling), json!({"name": "王淑兰", "document_number": a["document_number"], "flags": {"living_alone": true, "chronic_illness": true}}))
            .await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.text());
        assert_eq!(edited.json()["flags"]["living_alone"], true);
        let shown = t.post_json(&format!("/api/v1/residents/{a_id}/reveal"), Some(&ling), json!({"reason": "核对"})).await.json();
        assert_eq!(shown["document_number"], ID_FEMALE_1949);
        // Pregnant men are refused.
        let bad = t.send_json("PUT", &format!("/api/v1/residents/{a_id}"), Some(&ling), json!({"name": "王淑兰", "sex": "male", "document_number": ID_MALE_1880, "flags": {"pregnant": true}})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["errors"][0]["code"], "err-pregnant-male");
        // Move to another household in scope, then out of scope (refused).
        let moved = t.post_json(&format!("/api/v1/residents/{a_id}/move"), Some(&ling), json!({"area_id": t.lingyanli_building, "room": "601"})).await.json();
        assert_eq!(moved["address"], "1号楼 601");
        let out = t.post_json(&format!("/api/v1/residents/{a_id}/move"), Some(&ling), json!({"area_id": t.yudeli, "room": "1"})).await;
        assert_eq!(out.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Merge the duplicate: phone carried over, the other record gone.
        let merged = t.post_json(&format!("/api/v1/residents/{a_id}/merge"), Some(&ling), json!({"remove": b["id"]})).await.json();
        assert_eq!(merged["phone"], "139****5678");
        assert_eq!(t.get(&format!("/api/v1/residents/{}", b["id"].as_str().unwrap()), Some(&ling)).await.status, StatusCode::NOT_FOUND);
    })
    .await;
}

#[tokio::test]
async fn a_resident_page_offers_to_merge_the_records_of_the_same_name_and_birth_date() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let yude = t.token("worker.yudeli").await;
        // Born 1949-12-31, as ID_FEMALE_1949: the same person entered again under another number.
        let born_that_day = |seq| id_for(1949, 12, 31, seq);
        let kept = t.resident("王淑兰", ID_FEMALE_1949).by(&ling).await;
        let again = t
            .resident("王淑兰", &born_that_day(2))
            .room("102")
            .phone("13912345678")
            .by(&ling)
            .await;
        let other_day = t.resident("王淑兰", &id_for(1950, 1, 1, 4)).by(&ling).await;
        let other_name = t.resident("李淑兰", &born_that_day(6)).by(&ling).await;
        let elsewhere = t
            .resident("王淑兰", &born_that_day(8))
            .in_area(&t.yudeli)
            .by(&yude)
            .await;
        let page = format!("/residents/{}", kept.id);
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let html = t.page(&page, &cookie).await.text();
        let offered =
            |html: &str, id: &str| html.contains(&format!("data-merge-candidate=\"{id}\""));
        assert!(offered(&html, &again.id), "{html}");
        for (id, why) in [
            (&other_day.id, "born another day"),
            (&other_name.id, "another name"),
            (&elsewhere.id, "out of scope"),
            (&kept.id, "itself"),
        ] {
            assert!(!offered(&html, id), "{why}: {html}");
        }
        // Merging deletes a record: the page asks first.
        assert!(
            html.contains("data-confirm=\"合并后，另一条记录将被删除"),
            "{html}"
        );
        let r = t
            .post_form(
                &format!("{page}/merge"),
                &cookie,
                &format!("csrf={csrf}&remove={}", again.id),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let html = t.page(&page, &cookie).await.text();
        assert!(
            html.contains("id=\"no-merge-candidates\"") && html.contains("139****5678"),
            "{html}"
        );
        assert_eq!(
            t.page(&format!("/residents/{}", again.id), &cookie)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn the_audit_log_says_what_was_done_in_the_readers_language() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        let a = t.resident("王淑兰", ID_FEMALE_1949).by(&ling).await;
        let b = t
            .resident("王淑兰", &id_for(1949, 12, 31, 2))
            .room("102")
            .by(&ling)
            .await;
        let a_id = a.id.as_str();
        let r = t
            .post_json(
                &format!("/api/v1/residents/{a_id}/reveal"),
                Some(&ling),
                json!({"reason": "核对"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = t
            .post_json(
                &format!("/api/v1/residents/{a_id}/move"),
                Some(&ling),
                json!({"area_id": t.lingyanli_building, "room": "601"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = t
            .post_json(
                &format!("/api/v1/residents/{a_id}/merge"),
                Some(&ling),
                json!({"remove": b.id}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            t.get("/api/v1/residents/export.xlsx", Some(&ling))
                .await
                .status,
            StatusCode::OK
        );
        let (cookie, _) = t.browser("admin").await;
        let zh = t.page("/audit", &cookie).await.text();
        for said in [
            "证件号码 手机号",
            &format!("原住户 {}", a.household_id),
            &b.id,
            "共 1 条",
        ] {
            assert!(zh.contains(said), "{said}: {zh}");
        }
        for english in ["document_number", "from household", "merged ", " rows"] {
            assert!(!zh.contains(english), "{english}: {zh}");
        }
        assert_eq!(
            t.page("/lang/en?next=/audit", &cookie).await.status,
            StatusCode::SEE_OTHER
        );
        let en = t.page("/audit", &cookie).await.text();
        for said in [
            "document number phone",
            &format!("from household {}", a.household_id),
            "rows: 1",
        ] {
            assert!(en.contains(said), "{said}: {en}");
        }
        // The sheet says it as the page does.
        let sheet = t.page("/audit/export.xlsx", &cookie).await;
        let table = sanshe_app::sheets::read_table(&sheet.bytes).unwrap();
        assert!(
            table
                .iter()
                .any(|row| row.iter().any(|c| c == "document number phone")),
            "{table:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn forms_without_the_session_csrf_token_change_nothing() {
    on_both(async |t| {
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let form = |token: &str| format!("csrf={token}&area_id={}&room=501&name=%E7%8E%8B%E6%B7%91%E5%85%B0&document_number={ID_FEMALE_1949}", t.lingyanli_building);
        let forged = t.post_form("/residents/new", &cookie, &form("0000")).await;
        assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ling = t.token("worker.lingyanli").await;
        assert_eq!(t.get("/api/v1/residents", Some(&ling)).await.json()["total"], 0);
        let ok = t.post_form("/residents/new", &cookie, &form(&csrf)).await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
        assert_eq!(t.get("/api/v1/residents", Some(&ling)).await.json()["total"], 1);
    })
    .await;
}

#[tokio::test]
async fn the_resident_form_shows_the_message_beside_the_bad_field_in_chinese() {
    on_both(async |t| {
        let (cookie, csrf) = t.browser("worker.lingyanli").await;
        let r = t.post_form("/residents/new", &cookie, &format!("csrf={csrf}&area_id={}&room=501&name=%E7%8E%8B&document_number=120101199001011234&phone=123", t.lingyanli_building)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let html = r.text();
        assert!(html.contains("id=\"error-document_number\">身份证号校验位不对"), "{html}");
        assert!(html.contains("id=\"error-phone\""));
        assert!(html.contains("value=\"120101199001011234\""), "what was typed stays in the form");
        // A screen reader hears which field is wrong and why: the input points at its message.
        assert!(html.contains("name=\"document_number\" value=\"120101199001011234\" autocomplete=\"off\" aria-invalid=\"true\" aria-describedby=\"error-document_number\">"), "{html}");
        assert!(html.contains("name=\"name\" value=\"王\">"), "a field that passed is not marked: {html}");
    })
    .await;
}

#[tokio::test]
async fn pages_switch_between_chinese_and_english() {
    on_both(async |t| {
        let (cookie, _) = t.browser("worker.lingyanli").await;
        assert!(
            t.page("/residents", &cookie)
                .await
                .text()
                .contains("导出 Excel")
        );
        let r = t.page("/lang/en?next=/residents", &cookie).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let html = t.page("/residents", &cookie).await.text();
        assert!(html.contains("Export to Excel") && html.contains("lang=\"en\""));
        // The menu marks the page shown and offers only what the role can use.
        let campaigns = t.page("/campaigns", &cookie).await.text();
        assert!(
            campaigns.contains("<a href=\"/campaigns\" aria-current=\"page\">"),
            "{campaigns}"
        );
        assert!(campaigns.contains("<a href=\"/residents\">"));
        t.with_user("v.menu", "volunteer", &t.lingyanli).await;
        for who in ["v.menu", "org.ruoshui"] {
            let (c, _) = t.browser(who).await;
            let home = t.page("/", &c).await.text();
            assert!(
                !home.contains("href=\"/residents\""),
                "{who} sees no empty resident list"
            );
            assert!(
                home.contains("<a href=\"/\" aria-current=\"page\">"),
                "{who}: home is marked"
            );
        }
        // The tab shows sanshe's icon: where the page points, and where browsers ask anyway.
        assert!(html.contains("rel=\"icon\" href=\"/assets/favicon.svg\""));
        let icon = t.page("/favicon.ico", "").await;
        assert_eq!(icon.status, StatusCode::OK);
        assert_eq!(icon.headers[header::CONTENT_TYPE], "image/svg+xml");
        assert!(icon.text().starts_with("<svg"));
    })
    .await;
}

#[tokio::test]
async fn organizations_linkages_and_who_may_manage_them() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let ling = t.token("worker.lingyanli").await;
        let admin = t.token("admin").await;
        // An org admin links their organization to a community.
        let l = t.post_json(&format!("/api/v1/organizations/{}/linkages", t.ruoshui), Some(&org), json!({"community_id": t.lingyanli, "organization_provides": "逐户排查、心理支持", "community_provides": "场地", "duties": ["door_to_door", "follow_up"]})).await;
        assert_eq!(l.status, StatusCode::CREATED, "{}", l.text());
        let twice = t.post_json(&format!("/api/v1/organizations/{}/linkages", t.ruoshui), Some(&org), json!({"community_id": t.lingyanli, "organization_provides": "x", "duties": ["data"]})).await;
        assert_eq!(twice.json()["errors"][0]["code"], "err-linkage-exists");
        // The linked community's worker sees the organization and the linkage; yudeli's does not.
        let seen = t.get(&format!("/api/v1/organizations/{}", t.ruoshui), Some(&ling)).await.json();
        assert_eq!(seen["linkages"][0]["community_name"], "凌研里社区");
        let yude = t.token("worker.yudeli").await;
        assert_eq!(t.get(&format!("/api/v1/organizations/{}", t.ruoshui), Some(&yude)).await.status, StatusCode::NOT_FOUND);
        // Only a coordinator registers organizations.
        let body = json!({"kind": "social_work_agency", "name": "天津市睦邻社会工作服务中心", "home_area_id": t.city});
        assert_eq!(t.post_json("/api/v1/organizations", Some(&ling), body.clone()).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(t.post_json("/api/v1/organizations", Some(&admin), body.clone()).await.status, StatusCode::CREATED);
        assert_eq!(t.post_json("/api/v1/organizations", Some(&admin), body).await.json()["errors"][0]["code"], "err-organization-exists");
        // The org admin sees no residents at all.
        t.resident("王淑兰", ID_FEMALE_1949).by(&ling).await;
        assert_eq!(t.get("/api/v1/residents", Some(&org)).await.json()["total"], 0);
    })
    .await;
}

#[tokio::test]
async fn coordinators_create_users_and_workers_cannot() {
    on_both(async |t| {
        let admin = t.token("admin").await;
        let ling = t.token("worker.lingyanli").await;
        let body = json!({"username": "huang.tao", "display_name": "黄涛", "password": "stairs-1200-a-day", "role": "community_worker", "area_id": t.lingyanli});
        assert_eq!(t.post_json("/api/v1/users", Some(&ling), body.clone()).await.status, StatusCode::FORBIDDEN);
        let created = t.post_json("/api/v1/users", Some(&admin), body.clone()).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
        assert_eq!(t.post_json("/api/v1/users", Some(&admin), body).await.json()["errors"][0]["code"], "err-username-taken");
        // Reports and audit entries name the resident as `resident`: no user may pass for them.
        let resident = json!({"username": "Resident", "display_name": "假居民", "password": "stairs-1200-a-day", "role": "community_worker", "area_id": t.lingyanli});
        let refused = t.post_json("/api/v1/users", Some(&admin), resident).await;
        assert_eq!((refused.status, refused.json()["errors"][0]["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("err-username-reserved")));
        let short = t.post_json("/api/v1/users", Some(&admin), json!({"username": "x1y", "display_name": "x", "password": "short", "role": "coordinator", "area_id": t.city})).await;
        assert_eq!(short.json()["errors"][0]["code"], "err-password-short");
        let r = t.post_json("/api/v1/sessions", None, json!({"username": "huang.tao", "password": "stairs-1200-a-day"})).await;
        assert_eq!(r.status, StatusCode::CREATED);
    })
    .await;
}

#[tokio::test]
async fn health_security_headers_and_sign_in_redirect() {
    let t = TestApp::sqlite().await;
    let h = t.get("/healthz", None).await;
    assert_eq!(h.status, StatusCode::OK);
    let login = t.get("/login", None).await;
    assert!(
        login.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert_eq!(login.headers["x-frame-options"], "DENY");
    let home = t.get("/residents", None).await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.headers["location"], "/login?next=/residents");
    let (cookie, _) = t.browser("admin").await;
    let r = t
        .post_sign_in(None, "username=admin&password=x&next=//evil.example")
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(cookie.starts_with("sanshe_session="));
    t.finish().await;
}

#[tokio::test]
async fn the_demo_tells_the_tianjin_story() {
    for pg in support::engines() {
        let Some((app, cleanup)) = support::empty_app(pg).await else {
            continue;
        };
        let summary = sanshe_app::demo::load(&app, support::PASSWORD)
            .await
            .unwrap();
        assert!(summary.residents > 5000, "{summary:?}");
        let t = TestApp::around(app, cleanup);
        let ling = t.token("worker.lingyanli").await;
        let areas = t.get("/api/v1/areas", Some(&ling)).await.json();
        assert_eq!(areas[0]["name"], "凌研里社区");
        let community = areas[0]["id"].as_str().unwrap().to_string();
        // Compounds and buildings list the way people count them, not in code-point order.
        let compounds = t
            .get(&format!("/api/v1/areas?parent={community}"), Some(&ling))
            .await
            .json();
        let names: Vec<&str> = compounds
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["凌研里一区", "凌研里二区", "凌研里三区"]);
        // … and so do the parts of the isolation board.
        let board = t
            .get(&format!("/api/v1/boards/{community}"), Some(&ling))
            .await
            .json();
        let parts: Vec<&str> = board["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        let order: Vec<&str> = ["凌研里一区", "凌研里二区", "凌研里三区"]
            .into_iter()
            .filter(|n| parts.contains(n))
            .collect();
        assert!(order.len() >= 2, "{parts:?}");
        assert_eq!(
            parts
                .iter()
                .filter(|p| order.contains(p))
                .copied()
                .collect::<Vec<_>>(),
            order
        );
        let buildings = t
            .get(
                &format!(
                    "/api/v1/areas?parent={}",
                    compounds[0]["id"].as_str().unwrap()
                ),
                Some(&ling),
            )
            .await
            .json();
        let names: Vec<&str> = buildings
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert_eq!(&names[..3], ["1号楼", "2号楼", "3号楼"]);
        assert_eq!(names.last(), Some(&"12号楼"));
        // 2,500 households in 凌研里, as the story says.
        let url = format!("/api/v1/households?area={community}&limit=500");
        let (households, total) = t.every_page(&url, &ling).await;
        assert_eq!((households.len(), total), (2500, 2500));
        let r = t
            .get(
                &format!("/api/v1/households?area={community}&after=zz"),
                Some(&ling),
            )
            .await;
        assert_eq!(
            (r.status, r.json()["errors"][0]["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("after"))
        );
        // The front line two days into the second sweep: a campaign in progress, people in
        // observation with their reports, one fever and one who stopped reporting.
        let campaigns = t.get("/api/v1/campaigns", Some(&ling)).await.json()["items"].clone();
        assert_eq!(campaigns.as_array().unwrap().len(), 1);
        let reached = campaigns[0]["reached"].as_i64().unwrap();
        assert!((400..2500).contains(&reached), "in progress: {reached}");
        let cov = t
            .get(
                &format!(
                    "/api/v1/campaigns/{}/coverage",
                    campaigns[0]["id"].as_str().unwrap()
                ),
                Some(&ling),
            )
            .await
            .json();
        assert_eq!(
            cov["workers"].as_array().unwrap().len(),
            4,
            "two workers, two days"
        );
        let open = t.get("/api/v1/isolations", Some(&ling)).await.json()["items"].clone();
        assert_eq!(open.as_array().unwrap().len(), 8);
        assert!(
            open.as_array()
                .unwrap()
                .iter()
                .all(|e| e["worker_id"].is_string())
        );
        let alerts = t.get("/api/v1/alerts", Some(&ling)).await.json()["items"].clone();
        let kinds: Vec<&str> = alerts
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["kind"].as_str().unwrap())
            .collect();
        for k in ["fever", "missed_report"] {
            assert!(kinds.contains(&k), "{k} in {kinds:?}");
        }
        // The five arrivals two at a time: each once, the latest first, the total on each page.
        let (arrivals, total) = t.every_page("/api/v1/arrivals?limit=2", &ling).await;
        assert_eq!(total, 5);
        let mut ids: Vec<&str> = arrivals.iter().map(|a| a["id"].as_str().unwrap()).collect();
        assert!(
            arrivals
                .windows(2)
                .all(|w| w[0]["date"].as_str() >= w[1]["date"].as_str()),
            "{arrivals:?}"
        );
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 5);
        let contacts = t.get("/api/v1/contacts", Some(&ling)).await.json();
        assert_eq!(
            (
                contacts["total"].as_i64(),
                contacts["items"].as_array().map(Vec::len)
            ),
            (Some(3), Some(3))
        );
        let bad = t.get("/api/v1/contacts?after=zz", Some(&ling)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let admin = t.token("admin").await;
        let orgs = t.get("/api/v1/organizations", Some(&admin)).await.json();
        let names: Vec<&str> = orgs["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        for expected in [
            "天津市若水社会工作服务中心",
            "天津市睦邻社会工作服务中心",
            "和平区社区服务志愿者协会",
            "天津市益美嵌入式社区养老院",
            "天津市民政局",
        ] {
            assert!(
                names.contains(&expected),
                "{expected} missing from {names:?}"
            );
        }
        // The same seed gives the same people.
        let first = t.get("/api/v1/residents?limit=1", Some(&ling)).await.json();
        assert!(first["total"].as_i64().unwrap() > 5000);
        let yude = t.token("worker.yudeli").await;
        assert!(
            t.get("/api/v1/residents?limit=1", Some(&yude)).await.json()["total"]
                .as_i64()
                .unwrap()
                < 200
        );
        let org = t.token("org.ruoshui").await;
        assert_eq!(
            t.get("/api/v1/organizations", Some(&org)).await.json()["items"]
                .as_array()
                .unwrap()
                .len(),
            1
        );
        // Volunteers deployed to 凌研里 hold shifts of its gates and hotline for the coming
        // week; some are still open (gaps); errands are in every state.
        // 若水's social worker follows a villager of 北闸口村 up by phone, masked.
        let sun = t.token("sw.ruoshui").await;
        let follow_ups = t.get("/api/v1/follow-ups", Some(&sun)).await.json();
        assert_eq!(follow_ups[0]["name"], "赵**", "{follow_ups}");
        assert_eq!(follow_ups[0]["last_temperature"], "36.7");
        let buildings = t.get("/api/v1/door-to-door", Some(&sun)).await.json();
        assert_eq!(buildings[0]["building"], "东街", "{buildings}");
        let round = buildings[0]["campaign_id"].as_str().unwrap();
        let encoded: String = "东街".bytes().map(|b| format!("%{b:02X}")).collect();
        let doors = t
            .get(
                &format!("/api/v1/campaigns/{round}/visits?building={encoded}"),
                Some(&sun),
            )
            .await
            .json();
        assert_eq!(doors["items"].as_array().map(Vec::len), Some(4), "{doors}");
        let zhang = t.token("vol.zhanglei").await;
        let tomorrow = t.app.today() + chrono::Duration::days(1);
        let rota = t
            .get(
                &format!("/api/v1/shifts?area={community}&from={tomorrow}&days=7"),
                Some(&zhang),
            )
            .await
            .json();
        assert_eq!(
            rota["posts"].as_array().unwrap().len(),
            4,
            "two gates, the night gate 若水 answered, the hotline: {rota}"
        );
        let held = rota["posts"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["shifts"].as_array().unwrap().clone())
            .filter(|s| !s["holders"].as_array().unwrap().is_empty())
            .count();
        assert!(held >= 4, "{held} shifts held");
        assert!(rota["gap_minutes"].as_i64().unwrap() > 0, "a gap or two");
        let offered = rota.to_string().matches("\"offered\":true").count();
        assert_eq!(offered, 1, "王芳 offers one shift for a swap");
        let errands = t.get("/api/v1/help-requests", Some(&ling)).await.json();
        let mut states: Vec<String> = errands
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["status"].as_str().unwrap().to_string())
            .collect();
        states.sort();
        assert_eq!(
            states,
            ["assigned", "bought", "cancelled", "delivered", "open"]
        );
        let waiting = t
            .get(
                "/api/v1/volunteers/applications?status=pending",
                Some(&ling),
            )
            .await
            .json();
        assert_eq!(
            waiting["items"].as_array().unwrap().len(),
            2,
            "凌研里's applicants wait for vetting"
        );
        let admin = t.token("admin").await;
        let pool = t
            .get("/api/v1/volunteers/reserve", Some(&admin))
            .await
            .json();
        assert_eq!(pool["items"][0]["name"], "吴静", "{pool}");
        let liu = t.token("vol.liuyang").await;
        assert_eq!(
            t.get("/api/v1/help-requests", Some(&liu))
                .await
                .json()
                .as_array()
                .unwrap()
                .len(),
            0,
            "裕德里's volunteer sees none of 凌研里's errands"
        );
        // 三社联动: 若水 answers 凌研里's night-gate need, and 张磊 stands at the south gate now.
        let org = t.token("org.ruoshui").await;
        let needs = t.get("/api/v1/needs", Some(&org)).await.json()["items"].clone();
        assert_eq!(needs[0]["title"], "夜班卡口 每晚 4 人，本周", "{needs}");
        assert_eq!(needs[0]["status"], "partly_met");
        let gates = t.get("/api/v1/gates", Some(&zhang)).await.json()["items"].clone();
        assert_eq!(gates.as_array().map(Vec::len), Some(1), "{gates}");
        assert_eq!(gates[0]["name"], "南门");
        // The bureau's notice reached every deployed volunteer; 张磊 has read it.
        let sent = t.get("/api/v1/notices/sent", Some(&admin)).await.json()["items"].clone();
        assert_eq!(sent[0]["title"], "寒潮来临，卡口执勤注意保暖", "{sent}");
        assert_eq!(sent[0]["read_count"], 1);
        assert!(sent[0]["audience"].as_i64().unwrap() >= 4, "{sent}");
        t.finish().await;
    }
}

#[tokio::test]
async fn coordinators_pick_official_divisions_and_add_unlisted_ones_by_hand() {
    on_both(async |t| {
        let admin = t.token("admin").await;
        let ling = t.token("worker.lingyanli").await;
        let tianjin = t.get("/api/v1/divisions?parent=120000", None).await.json();
        assert_eq!(tianjin.as_array().unwrap().len(), 16);
        let streets = t.get("/api/v1/divisions?parent=120104", None).await.json();
        assert!(
            streets
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["code"] == "120104011" && s["name"] == "体育中心街道")
        );
        // Pick: the code alone gives the official name.
        let nankai = t
            .get(
                "/api/v1/areas?kind=district&q=%E5%8D%97%E5%BC%80",
                Some(&admin),
            )
            .await
            .json();
        let nankai_id = nankai[0]["id"].as_str().unwrap();
        let picked = t
            .post_json(
                "/api/v1/areas",
                Some(&admin),
                json!({"parent_id": nankai_id, "code": "120104001", "name": ""}),
            )
            .await;
        assert_eq!(picked.status, StatusCode::CREATED, "{}", picked.text());
        assert_eq!(picked.json()["name"], "长虹街道");
        assert_eq!(picked.json()["kind"], "street");
        // By hand, with no code; a community worker may add buildings but not streets.
        let by_hand = t
            .post_json(
                "/api/v1/areas",
                Some(&ling),
                json!({"parent_id": t.lingyanli, "name": "凌研里四区"}),
            )
            .await;
        assert_eq!(by_hand.status, StatusCode::CREATED);
        assert_eq!(by_hand.json()["kind"], "compound");
        assert_eq!(
            t.post_json(
                "/api/v1/areas",
                Some(&ling),
                json!({"parent_id": t.lingyanli, "name": "凌研里四区"})
            )
            .await
            .json()["errors"][0]["code"],
            "err-area-exists"
        );
        assert_eq!(
            t.post_json(
                "/api/v1/areas",
                Some(&ling),
                json!({"parent_id": nankai_id, "name": "新街道"})
            )
            .await
            .status,
            StatusCode::NOT_FOUND,
            "out of scope"
        );
        let bad = t
            .post_json(
                "/api/v1/areas",
                Some(&admin),
                json!({"parent_id": nankai_id, "name": "x", "code": "12"}),
            )
            .await;
        assert_eq!(bad.json()["errors"][0]["code"], "err-division-code");
    })
    .await;
}

#[tokio::test]
async fn users_are_onboarded_in_bulk_from_a_sheet() {
    on_both(async |t| {
        let admin = t.token("admin").await;
        let sheet = "用户名,姓名,角色,区域,组织\nsun.zhiwen,孙志雯,社区工作者,凌研里社区,\nvol.li,李志愿,志愿者,,天津市若水社会工作服务中心\nbad name,某人,社区工作者,凌研里社区,\nnobody,某人,社区工作者,不存在社区,\n";
        let r = t.post_multipart("/api/v1/imports/users", Some(&admin), None, &[], ("users.csv", sheet.as_bytes())).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let report = r.json();
        let created = report["created"].as_array().unwrap();
        assert_eq!(created.len(), 2, "{report}");
        assert_eq!(report["rejected"][0]["code"], "err-username");
        assert_eq!(report["rejected"][1]["code"], "err-not-found");
        // A password handed out on a sheet: the pages first ask for one of their own.
        let pw = created[0]["password"].as_str().unwrap();
        let first = t.home_after_sign_in("sun.zhiwen", pw).await;
        assert_eq!(first.as_deref(), Some("/account"));
        // The one-time password works, and once their own is set the new worker sees 凌研里 only.
        let token = t.first_token("sun.zhiwen", pw).await;
        assert_eq!(t.get("/api/v1/areas", Some(&token)).await.json()[0]["name"], "凌研里社区");
        // A community worker cannot onboard anyone: refused before the file is read.
        let ling = t.token("worker.lingyanli").await;
        let r = t.post_multipart("/api/v1/imports/users", Some(&ling), None, &[], ("users.csv", "用户名,姓名,角色,区域\nx.y.z,某,协调员,天津市\n".as_bytes())).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text());
    })
    .await;
}

#[tokio::test]
async fn every_list_page_exports_to_excel_within_scope() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        t.resident("王淑兰", ID_FEMALE_1949).by(&ling).await;
        let (admin, _) = t.browser("admin").await;
        for path in [
            "/audit/export.xlsx",
            "/users/export.xlsx",
            "/organizations/export.xlsx",
        ] {
            let r = t.page(path, &admin).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            let table = sanshe_app::sheets::read_table(&r.bytes).unwrap();
            assert!(table.len() >= 2, "{path}: {table:?}");
        }
        let users =
            sanshe_app::sheets::read_table(&t.page("/users/export.xlsx", &admin).await.bytes)
                .unwrap();
        assert!(users.iter().any(|r| r[0] == "worker.yudeli"));
        let (yude, _) = t.browser("worker.yudeli").await;
        assert_eq!(
            t.page(&format!("/areas/{}/households/export", t.lingyanli), &yude)
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            t.page("/audit/export.xlsx", &yude).await.status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn residents_and_households_export_in_the_background_with_progress_for_their_owner_only() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        for i in 0..3u16 {
            t.resident("周桂兰", &id_for(1950 + i as i32, 2, 2, i * 2))
                .room(&format!("{}", 200 + i))
                .by(&ling)
                .await;
        }
        let (cookie, _) = t.browser("worker.lingyanli").await;
        let (other, _) = t.browser("worker.yudeli").await;
        // The residents, and the households they live in (a row each), from the area's page.
        let area = t
            .page(&format!("/areas/{}", t.lingyanli), &cookie)
            .await
            .text();
        let households = format!("/areas/{}/households/export", t.lingyanli);
        assert!(
            area.contains(&format!("id=\"households-export\" href=\"{households}\"")),
            "{area}"
        );
        assert!(area.contains("<h2>住户 (3)</h2>"), "{area}");
        let starts = [
            format!("/residents/export?area={}", t.lingyanli),
            households,
        ];
        for (start, filename) in starts.iter().zip(["residents.xlsx", "households.xlsx"]) {
            let start = t.page(start, &cookie).await;
            assert_eq!(start.status, StatusCode::SEE_OTHER);
            let job = start.headers["location"].to_str().unwrap().to_string();
            let mut html = String::new();
            for _ in 0..100 {
                html = t.page(&job, &cookie).await.text();
                if html.contains("id=\"download\"") {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            assert!(html.contains("共 3 条"), "{html}");
            let file = t.page(&format!("{job}/download"), &cookie).await;
            let disposition = file.headers[axum::http::header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap();
            assert!(disposition.contains(filename), "{disposition}");
            let table = sanshe_app::sheets::read_table(&file.bytes).unwrap();
            assert_eq!(table.len(), 4, "{table:?}");
            if filename == "households.xlsx" {
                assert_eq!(
                    table[0],
                    ["名称", "楼栋", "单元", "房号", "居民"],
                    "{table:?}"
                );
                let mut rooms: Vec<&str> = table[1..].iter().map(|r| r[3].as_str()).collect();
                rooms.sort();
                assert_eq!(rooms, ["200", "201", "202"]);
                assert!(table[1..].iter().all(|r| r[4] == "1"), "{table:?}");
            }
            // Someone else cannot see or download it.
            assert_eq!(
                t.page(&format!("{job}/download"), &other).await.status,
                StatusCode::NOT_FOUND
            );
            assert_eq!(t.page(&job, &other).await.status, StatusCode::NOT_FOUND);
        }
    })
    .await;
}

#[tokio::test]
async fn a_coordinator_grants_and_revokes_roles_and_the_scope_follows() {
    on_both(async |t| {
        let admin = t.token("admin").await;
        let yude = t.token("worker.yudeli").await;
        let ling = t.token("worker.lingyanli").await;
        t.resident("王淑兰", ID_FEMALE_1949).by(&ling).await;
        let users = t.get("/api/v1/users", Some(&admin)).await.json()["items"].clone();
        let yudeli = users
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["username"] == "worker.yudeli")
            .unwrap()
            .clone();
        let uid = yudeli["id"].as_str().unwrap();
        // A worker cannot grant anything; the coordinator can.
        let body = json!({"role": "community_worker", "area_id": t.lingyanli});
        assert_eq!(
            t.post_json(
                &format!("/api/v1/users/{uid}/grants"),
                Some(&ling),
                body.clone()
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let granted = t
            .post_json(&format!("/api/v1/users/{uid}/grants"), Some(&admin), body)
            .await;
        assert_eq!(granted.status, StatusCode::CREATED);
        assert_eq!(
            t.get("/api/v1/residents", Some(&yude)).await.json()["total"],
            1,
            "the new grant widens the scope at once"
        );
        let grant = granted.json()["grants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["area_id"] == t.lingyanli.as_str())
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(
            t.send_json(
                "DELETE",
                &format!("/api/v1/users/{uid}/grants/{grant}"),
                Some(&ling),
                json!({})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let revoked = t
            .send_json(
                "DELETE",
                &format!("/api/v1/users/{uid}/grants/{grant}"),
                Some(&admin),
                json!({}),
            )
            .await;
        assert_eq!(revoked.status, StatusCode::OK, "{}", revoked.text());
        assert_eq!(
            t.get("/api/v1/residents", Some(&yude)).await.json()["total"],
            0
        );
        let audit = t
            .get("/api/v1/audit?action=grant.revoked", Some(&admin))
            .await
            .json();
        assert_eq!(audit.as_array().unwrap().len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_api_runs_large_exports_in_the_background() {
    on_both(async |t| {
        let ling = t.token("worker.lingyanli").await;
        t.resident("王淑兰", ID_FEMALE_1949)
            .phone("13812345678")
            .by(&ling)
            .await;
        let started = t
            .post_json(
                "/api/v1/exports/residents",
                Some(&ling),
                json!({"area": t.lingyanli}),
            )
            .await;
        assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text());
        let id = started.json()["id"].as_str().unwrap().to_string();
        let mut status = json!(null);
        for _ in 0..100 {
            status = t
                .get(&format!("/api/v1/exports/{id}"), Some(&ling))
                .await
                .json();
            if status["status"] == "done" {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(status["status"], "done");
        assert_eq!(status["total"], 1);
        let file = t
            .get(&format!("/api/v1/exports/{id}/file"), Some(&ling))
            .await;
        let table = sanshe_app::sheets::read_table(&file.bytes).unwrap();
        assert_eq!(table[1][6], "138****5678");
        let yude = t.token("worker.yudeli").await;
        assert_eq!(
            t.get(&format!("/api/v1/exports/{id}/file"), Some(&yude))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            t.post_json(
                "/api/v1/exports/residents",
                Some(&yude),
                json!({"area": t.lingyanli})
            )
            .await
            .status,
            StatusCode::NOT_FOUND
        );
    })
    .await;
}

#[tokio::test]
async fn an_org_admin_edits_their_organization_and_others_cannot() {
    on_both(async |t| {
        let org = t.token("org.ruoshui").await;
        let ling = t.token("worker.lingyanli").await;
        let body = json!({"kind": "social_work_agency", "name": "天津市若水社会工作服务中心", "contact": "022-23456789"});
        let r = t.send_json("PUT", &format!("/api/v1/organizations/{}", t.ruoshui), Some(&org), body.clone()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["contact"], "022-23456789");
        // Linked to 凌研里, the worker may see the organization but not change it.
        t.post_json(&format!("/api/v1/organizations/{}/linkages", t.ruoshui), Some(&org), json!({"community_id": t.lingyanli, "organization_provides": "心理支持", "duties": ["counseling"]})).await;
        assert_eq!(t.send_json("PUT", &format!("/api/v1/organizations/{}", t.ruoshui), Some(&ling), body.clone()).await.status, StatusCode::FORBIDDEN);
        let yude = t.token("worker.yudeli").await;
        assert_eq!(t.send_json("PUT", &format!("/api/v1/organizations/{}", t.ruoshui), Some(&yude), body).await.status, StatusCode::NOT_FOUND);
        let empty = t.send_json("PUT", &format!("/api/v1/organizations/{}", t.ruoshui), Some(&org), json!({"kind": "x", "name": " "})).await.json();
        let codes: Vec<&str> = empty["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
        assert_eq!(codes, ["err-organization-kind", "err-required"]);
    })
    .await;
}

#[tokio::test]
async fn an_expired_session_is_refused_and_signing_out_ends_one() {
    on_both(async |t| {
        let mut conn = t.app.db.conn().await.unwrap();
        let user = sanshe_store::accounts::user_by_name(&mut conn, "worker.lingyanli")
            .await
            .unwrap()
            .unwrap();
        let hash = sanshe_app::accounts::token_hash("an-old-token");
        sanshe_store::accounts::insert_session(
            &mut conn,
            &hash,
            &user.id,
            "csrf",
            sanshe_core::accounts::SessionKind::Api,
            sanshe_store::now_ms() - 1,
        )
        .await
        .unwrap();
        drop(conn);
        assert_eq!(
            t.get("/api/v1/residents", Some("an-old-token"))
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        let token = t.token("worker.lingyanli").await;
        assert_eq!(
            t.get("/api/v1/residents", Some(&token)).await.status,
            StatusCode::OK
        );
        assert_eq!(
            t.send_json("DELETE", "/api/v1/sessions", Some(&token), json!({}))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            t.get("/api/v1/residents", Some(&token)).await.status,
            StatusCode::UNAUTHORIZED
        );
    })
    .await;
}
