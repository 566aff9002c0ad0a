//! Where a request comes from, and how often that place may call the routes anyone can reach.
//!
//! The client's address is the connection's peer, or — when the peer is a proxy named in
//! `WebSettings::trusted_proxies` — the last address in `X-Forwarded-For` that is not one of
//! them (everything left of it could be made up by the client). Public routes are throttled per
//! address with token buckets kept in this node's memory: a second node keeps its own, so the
//! rate a place gets is per node; sign-in failures, which matter more, are also counted in the
//! database (`accounts::sign_in`).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sanshe_app::AppError;

use crate::AppState;
use crate::auth::request_locale;
use crate::error::ApiError;
use crate::i18n::Tr;

/// The client's address, as far as this server can tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddress(pub String);

/// The client address of a request: the peer, or what trusted proxies forwarded.
pub fn client_address(
    peer: Option<IpAddr>,
    headers: &HeaderMap,
    trusted_proxies: &[IpAddr],
) -> String {
    let Some(peer) = peer else {
        // Requests handed to the router directly (tests, benchmarks) have no peer.
        return "local".into();
    };
    if !trusted_proxies.contains(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|a| !trusted_proxies.contains(a))
        .unwrap_or(&peer)
        .to_string()
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientAddress(client_address(
            peer,
            &parts.headers,
            &state.settings.trusted_proxies,
        )))
    }
}

/// A class of public routes sharing one budget per address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bucket {
    /// Signing in (page and API).
    SignIn,
    /// Forms anyone may send: volunteer sign-up, a resident's report, help request, receipt.
    PublicForm,
    /// Pages anyone may open through a link.
    PublicPage,
}

impl Bucket {
    /// (burst, tokens per second). An office behind one address signs thirty people in at the
    /// start of a day; a household sends a report or two a day.
    fn rate(self) -> (f64, f64) {
        match self {
            Bucket::SignIn => (60.0, 1.0),
            Bucket::PublicForm => (20.0, 0.2),
            Bucket::PublicPage => (120.0, 2.0),
        }
    }
}

/// Token buckets per (route class, address), in this node's memory.
#[derive(Debug, Default)]
pub struct Throttle {
    buckets: Mutex<HashMap<(Bucket, String), (f64, Instant)>>,
}

/// Addresses remembered at most; past it, full buckets (idle addresses) are forgotten.
const MAX_TRACKED: usize = 100_000;

impl Throttle {
    /// Takes one token of `bucket` for `address`, or says how many seconds until one is there.
    pub fn take(&self, bucket: Bucket, address: &str) -> Result<(), u64> {
        let (burst, per_second) = bucket.rate();
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_TRACKED {
            buckets.retain(|(b, _), (tokens, at)| {
                let (burst, per_second) = b.rate();
                *tokens + now.duration_since(*at).as_secs_f64() * per_second < burst
            });
        }
        let (tokens, at) = buckets
            .entry((bucket, address.to_string()))
            .or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * per_second).min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / per_second).ceil().max(1.0) as u64)
        }
    }
}

/// Middleware of a public route: one token of `bucket` per request, or 429 with Retry-After
/// (problem+json under /api, a page elsewhere).
pub async fn throttled(
    State((state, bucket)): State<(AppState, Bucket)>,
    req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let address = client_address(peer, req.headers(), &state.settings.trusted_proxies);
    match state.throttle.take(bucket, &address) {
        Ok(()) => next.run(req).await,
        Err(seconds) => {
            let error = AppError::TooManyAttempts(seconds);
            let locale = request_locale(req.headers());
            if req.uri().path().starts_with("/api/") {
                ApiError::from(error).into_response()
            } else {
                crate::pages::error_page(Tr::new(locale), &error)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", "6.6.6.6, 1.2.3.4".parse().unwrap());
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let other: IpAddr = "9.9.9.9".parse().unwrap();
        // Straight from the internet, the header is the client's own claim.
        assert_eq!(client_address(Some(other), &h, &[proxy]), "9.9.9.9");
        // Behind the proxy, the address it saw (the rightmost), not what the client wrote.
        assert_eq!(client_address(Some(proxy), &h, &[proxy]), "1.2.3.4");
        assert_eq!(
            client_address(Some(proxy), &HeaderMap::new(), &[proxy]),
            "10.0.0.1"
        );
    }

    #[test]
    fn a_bucket_empties_and_says_when_to_come_back() {
        let t = Throttle::default();
        for _ in 0..20 {
            assert!(t.take(Bucket::PublicForm, "1.2.3.4").is_ok());
        }
        assert_eq!(t.take(Bucket::PublicForm, "1.2.3.4"), Err(5));
        // Another address has its own budget.
        assert!(t.take(Bucket::PublicForm, "5.6.7.8").is_ok());
    }
}
