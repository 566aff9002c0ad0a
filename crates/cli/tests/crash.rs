//! Kill -9 in the middle of a scan load: every scan that got a 201 is in the database exactly
//! once, the clients' retries of unanswered scans double nothing, and the hourly counts agree
//! with the scans. Runs the real `sanshe` binary over SQLite.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

mod common;
use common::DemoServer;

const PASSWORD: &str = "crash-test-2020";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_keeps_every_answered_scan_once() {
    let mut server = DemoServer::start("crash", PASSWORD, Duration::from_secs(5)).await;
    let (client, base) = (server.client.clone(), server.base.clone());
    let token = server.token("worker.lingyanli").await;
    let gates = server.get_json(&token, "/api/v1/gates").await["items"].clone();
    let gate = gates[0]["id"].as_str().unwrap().to_string();
    let compound = gates[0]["compound_id"].as_str().unwrap().to_string();
    let passes = server
        .get_json(&token, &format!("/api/v1/passes?area={compound}"))
        .await;
    let codes: Vec<String> = passes["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["code"].as_str().unwrap().to_string())
        .collect();

    // Eight clients send scans as fast as answers come; the server is killed under them.
    let answered = Arc::new(Mutex::new(HashSet::new()));
    let unanswered = Arc::new(Mutex::new(Vec::new()));
    let mut clients = Vec::new();
    for c in 0..8 {
        let (client, base, token, gate, codes) = (
            client.clone(),
            base.clone(),
            token.clone(),
            gate.clone(),
            codes.clone(),
        );
        let (answered, unanswered) = (answered.clone(), unanswered.clone());
        clients.push(tokio::spawn(async move {
            for i in 0..10_000usize {
                let id = uuid::Uuid::now_v7().to_string();
                let body = json!({"id": id, "gate_id": gate, "pass_code": codes[(c * 31 + i) % codes.len()], "direction": "in", "temperature": 36.5});
                match client.post(format!("{base}/api/v1/scans")).bearer_auth(&token).json(&body).send().await {
                    Ok(r) if r.status().as_u16() == 201 => {
                        answered.lock().unwrap().insert(id);
                    }
                    _ => {
                        unanswered.lock().unwrap().push(body);
                        return;
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.process.kill().expect("kill -9");
    server.process.wait().unwrap();
    for c in clients {
        c.await.unwrap();
    }
    let answered: HashSet<String> = answered.lock().unwrap().clone();
    let retries: Vec<Value> = unanswered.lock().unwrap().clone();
    assert!(
        answered.len() > 50,
        "the load ran: {} answered",
        answered.len()
    );

    // Restart on the same data; the clients retry what got no answer, twice for good measure.
    server.restart().await;
    for _ in 0..2 {
        for body in &retries {
            let r = client
                .post(format!("{base}/api/v1/scans"))
                .bearer_auth(&token)
                .json(body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 201);
        }
    }
    server.process.kill().unwrap();
    server.process.wait().unwrap();

    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}/data/sanshe.db", server.dir.display());
    let mut db = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let ids: Vec<String> = sqlx::query("SELECT id FROM scans")
        .fetch_all(&mut db)
        .await
        .unwrap()
        .iter()
        .map(|r| sqlx::Row::try_get::<String, _>(r, 0).unwrap())
        .collect();
    let stored: HashSet<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(stored.len(), ids.len());
    for id in &answered {
        assert!(
            stored.contains(id.replace('-', "").as_str()),
            "answered scan {id} was lost"
        );
    }
    for body in &retries {
        let id = body["id"].as_str().unwrap().replace('-', "");
        assert!(stored.contains(id.as_str()), "a retried scan is missing");
    }
    // The hourly counts were written in each scan's transaction: they match the scans exactly.
    let counted: i64 = sqlx::Row::try_get(
        &sqlx::query("SELECT CAST(SUM(entries + exits + refused) AS BIGINT) FROM gate_hours")
            .fetch_one(&mut db)
            .await
            .unwrap(),
        0,
    )
    .unwrap();
    assert_eq!(counted, ids.len() as i64, "rollups agree with the scans");
    let _ = std::fs::remove_dir_all(&server.dir);
}
