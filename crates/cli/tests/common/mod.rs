//! Running the real `sanshe` binary in a test: a demo server in a folder of its own.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// Starts `sanshe serve --demo` in `dir` on `port`, the demo accounts' password `password`.
pub fn start(dir: &std::path::Path, port: u16, password: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sanshe"))
        .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
        .current_dir(dir)
        .env("SANSHE_DEMO_PASSWORD", password)
        .env_remove("SANSHE_DATABASE_URL")
        .env_remove("SANSHE_KEY_FILE")
        .env_remove("SANSHE_SECRET_KEY")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sanshe")
}

/// Waits until the server answers `/healthz` (a minute at most).
pub async fn wait_ready(client: &reqwest::Client, base: &str) {
    for _ in 0..240 {
        if let Ok(r) = client.get(format!("{base}/healthz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("sanshe did not start");
}

/// A port nothing listens on.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A bearer token for a demo account.
pub async fn token(client: &reqwest::Client, base: &str, user: &str, password: &str) -> String {
    client
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({"username": user, "password": password}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}
