//! Reading the start of a request's body in a layer without taking it from the handler: what
//! was read is put back in front of the rest, which streams on under the route's own limit.
//! The CSRF layer peeks at a form's first field, the kept-form layer at a whole small form.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use futures_util::StreamExt;

/// How far a peek got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peeked {
    /// The body ended: everything it holds was read.
    Whole,
    /// Reading stopped before its end (enough was read, or the limit was passed).
    Part,
    /// The body failed (past the route's limit, or the connection broke); the handler's
    /// extractor meets the same failure when it reads on.
    Failed,
}

/// Reads `req`'s body until `enough` is satisfied by what has arrived, the body ends, or more
/// than `limit` bytes were read; gives back the request, its body whole again, with the bytes
/// read and how far that got.
pub async fn peek_body(
    req: Request,
    limit: usize,
    enough: impl Fn(&[u8]) -> bool,
) -> (Request, Vec<u8>, Peeked) {
    let (parts, body) = req.into_parts();
    let mut stream = body.into_data_stream();
    let mut head: Vec<u8> = Vec::new();
    let mut chunks: Vec<Result<Bytes, axum::Error>> = Vec::new();
    let mut peeked = Peeked::Part;
    while head.len() <= limit && !enough(&head) {
        match stream.next().await {
            Some(Ok(chunk)) => {
                head.extend_from_slice(&chunk);
                chunks.push(Ok(chunk));
            }
            Some(Err(e)) => {
                chunks.push(Err(e));
                peeked = Peeked::Failed;
                break;
            }
            None => {
                peeked = Peeked::Whole;
                break;
            }
        }
    }
    let rest = futures_util::stream::iter(chunks).chain(stream);
    (
        Request::from_parts(parts, Body::from_stream(rest)),
        head,
        peeked,
    )
}

/// The request's content type, lower case ("" when there is none).
pub fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunked(parts: Vec<Result<&'static str, &'static str>>) -> Request {
        let stream = futures_util::stream::iter(parts.into_iter().map(|p| {
            p.map(|s| Bytes::from_static(s.as_bytes()))
                .map_err(|e| axum::Error::new(std::io::Error::other(e)))
        }));
        Request::new(Body::from_stream(stream))
    }

    async fn rest(req: Request) -> Result<Bytes, axum::Error> {
        axum::body::to_bytes(req.into_body(), usize::MAX).await
    }

    #[tokio::test]
    async fn a_peek_stops_when_it_has_enough_and_the_handler_still_reads_everything() {
        let req = chunked(vec![Ok("csrf=abc"), Ok("&name=x"), Ok("&more=y")]);
        let (req, head, peeked) = peek_body(req, 1024, |h| h.contains(&b'&')).await;
        assert_eq!(
            (head.as_slice(), peeked),
            (&b"csrf=abc&name=x"[..], Peeked::Part)
        );
        assert_eq!(rest(req).await.unwrap(), "csrf=abc&name=x&more=y");

        let req = chunked(vec![Ok("a=1"), Ok("&b=2")]);
        let (req, head, peeked) = peek_body(req, 1024, |_| false).await;
        assert_eq!((head.as_slice(), peeked), (&b"a=1&b=2"[..], Peeked::Whole));
        assert_eq!(rest(req).await.unwrap(), "a=1&b=2");
    }

    #[tokio::test]
    async fn a_peek_stops_past_its_limit_and_passes_a_failure_on() {
        let req = chunked(vec![Ok("12345"), Ok("67890"), Ok("abcde")]);
        let (req, head, peeked) = peek_body(req, 6, |_| false).await;
        assert_eq!(
            (head.len(), peeked),
            (10, Peeked::Part),
            "read just past the limit"
        );
        assert_eq!(rest(req).await.unwrap(), "1234567890abcde");

        let req = chunked(vec![Ok("12345"), Err("too large"), Ok("never")]);
        let (req, head, peeked) = peek_body(req, 1024, |_| false).await;
        assert_eq!((head.as_slice(), peeked), (&b"12345"[..], Peeked::Failed));
        assert!(
            rest(req).await.is_err(),
            "the handler meets the same failure"
        );
    }
}
