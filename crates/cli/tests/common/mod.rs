//! Running the real `sanshe` binary in a test: a demo server in a folder of its own.

#![allow(dead_code)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

/// Starts `sanshe serve --demo` in `dir` on `port`, the demo accounts' password `password`.
fn start(dir: &std::path::Path, port: u16, password: &str) -> Child {
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
async fn wait_ready(client: &reqwest::Client, base: &str) {
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
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A bearer token for a demo account.
async fn token(client: &reqwest::Client, base: &str, user: &str, password: &str) -> String {
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

/// A demo server of the real binary in a folder of its own, with a client to reach it.
pub struct DemoServer {
    /// The folder it runs in (its database is `data/sanshe.db` there).
    pub dir: std::path::PathBuf,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client whose requests time out after the timeout given at the start.
    pub client: reqwest::Client,
    /// The running process.
    pub process: Child,
    port: u16,
    password: &'static str,
}

impl DemoServer {
    /// Starts a demo server in a new folder named after `test`, and waits until it answers.
    pub async fn start(test: &str, password: &'static str, timeout: Duration) -> DemoServer {
        let dir =
            std::env::temp_dir().join(format!("sanshe-{test}-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let port = free_port();
        let client = reqwest::Client::builder().timeout(timeout).build().unwrap();
        let process = start(&dir, port, password);
        let server = DemoServer {
            dir,
            base: format!("http://127.0.0.1:{port}"),
            client,
            process,
            port,
            password,
        };
        wait_ready(&server.client, &server.base).await;
        server
    }

    /// Starts the server again on the same folder and port (after it was killed).
    pub async fn restart(&mut self) {
        self.process = start(&self.dir, self.port, self.password);
        wait_ready(&self.client, &self.base).await;
    }

    /// A bearer token for a demo account.
    pub async fn token(&self, user: &str) -> String {
        token(&self.client, &self.base, user, self.password).await
    }

    /// The JSON a signed-in GET of `path` answers.
    pub async fn get_json(&self, token: &str, path: &str) -> Value {
        self.client
            .get(format!("{}{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}
