//! The HTTP side of `collect graph` / `collect arm`: a blocking client (ureq, rustls) that only ever
//! sends `GET` with a bearer token to the one host the token was issued for, and `POST`s forms to the
//! sign-in endpoint. Throttling (`429`, `503`, `504`) is retried after `Retry-After`, or after an
//! exponential backoff with jitter when the header is missing, a bounded number of times.
//!
//! - `https://` is required; `http://` is accepted only for a loopback address (the test stand-ins).
//! - Redirects are not followed (a redirect could carry the token elsewhere): a `3xx` is an error.
//! - No secret (token, client secret, assertion) is ever part of an error message: messages name the
//!   endpoint without its query and quote at most the service's own error code and message.

use std::time::Duration;

/// Longest wait honoured for one `Retry-After` or backoff step.
pub const MAX_WAIT: Duration = Duration::from_secs(300);

/// Largest response body read (one Graph page of 999 users is a few MB).
const BODY_LIMIT: u64 = 512 * 1024 * 1024;

/// Retry and timeout settings.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Retries after the first attempt (throttling, 5xx, network errors).
    pub max_retries: u32,
    /// First backoff step when the service gives no `Retry-After` (doubled per retry, with jitter).
    pub backoff: Duration,
    /// Timeout of one request (connect, send, receive).
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_retries: 5, backoff: Duration::from_secs(5), timeout: Duration::from_secs(60) }
    }
}

/// Something that went wrong with one request, after retries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The service answered with a non-success status.
    Status {
        /// HTTP status.
        status: u16,
        /// The service's error code and message (Graph `error.code: error.message`), if any.
        detail: String,
    },
    /// No answer (connection, TLS, timeout, unreadable body).
    Network(String),
    /// Refused before sending (scheme, host pinning).
    Refused(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Status { status, detail } if detail.is_empty() => write!(f, "HTTP {status}"),
            Failure::Status { status, detail } => write!(f, "HTTP {status} ({detail})"),
            Failure::Network(s) | Failure::Refused(s) => f.write_str(s),
        }
    }
}

/// Events reported while requests run (progress lines on stderr).
pub trait Observer {
    /// A retry is scheduled after `wait` (`why`: `HTTP 429`, a network error...).
    fn retry(&self, url: &str, why: &str, wait: Duration, attempt: u32);
}

/// An observer that says nothing.
pub struct Silent;

impl Observer for Silent {
    fn retry(&self, _: &str, _: &str, _: Duration, _: u32) {}
}

/// The scheme, host and port of a URL: what a token is pinned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.port {
            Some(p) => write!(f, "{}://{}:{p}", self.scheme, self.host),
            None => write!(f, "{}://{}", self.scheme, self.host),
        }
    }
}

/// True for `localhost`, `127.0.0.0/8` and `::1`.
fn is_loopback(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(a) => a.is_loopback(),
        url::Host::Ipv6(a) => a.is_loopback(),
    }
}

/// Checks that `raw` may be sent a token: `https://`, or `http://` to a loopback address only.
pub fn check_url(raw: &str) -> Result<Origin, String> {
    let u = url::Url::parse(raw).map_err(|e| format!("{}: not a URL ({e})", without_query(raw)))?;
    let host = u.host().ok_or_else(|| format!("{}: the URL names no host", without_query(raw)))?;
    match u.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(format!(
                "{}: plain http:// is refused (a token would cross the network in clear text); use https:// (http:// is accepted only for a loopback address)",
                without_query(raw)
            ));
        }
        s => return Err(format!("{}: scheme {s}:// is not http(s)", without_query(raw))),
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(format!("{}: credentials in the URL are refused", without_query(raw)));
    }
    Ok(Origin { scheme: u.scheme().to_string(), host: host.to_string().to_ascii_lowercase(), port: u.port() })
}

pub use crate::ingest::collection::without_query;

/// Checks that `link` (a `nextLink`) points at `origin`, the host the token was issued for.
pub fn check_pinned(link: &str, origin: &Origin) -> Result<(), String> {
    let o = check_url(link)?;
    if &o != origin {
        return Err(format!(
            "the service returned a next-page link to {o}, but the token was issued for {origin}: refused (a token is never sent to another host)"
        ));
    }
    Ok(())
}

/// Parses `Retry-After`: delay seconds or an HTTP date (RFC 9110 §10.2.3).
pub fn parse_retry_after(v: &str, now: time::OffsetDateTime) -> Option<Duration> {
    let v = v.trim();
    if v.is_empty() {
        return None;
    }
    if let Ok(n) = v.parse::<u64>() {
        return Some(Duration::from_secs(n));
    }
    let at = parse_http_date(v)?;
    let secs = (at - now).whole_seconds().max(0) as u64;
    Some(Duration::from_secs(secs))
}

/// Parses an HTTP date (`Sun, 06 Dec 2026 17:16:26 GMT`, RFC 9110 §5.6.7): the `Date` and
/// `Retry-After` headers.
pub fn parse_http_date(v: &str) -> Option<time::OffsetDateTime> {
    let fmt = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    Some(time::PrimitiveDateTime::parse(v.trim(), &fmt).ok()?.assume_utc())
}

/// Backoff before retry number `attempt` (0-based): `base · 2^attempt`, scaled by a random factor in
/// [0.5, 1.0] (jitter, so that parallel clients do not retry in step), at most [`MAX_WAIT`].
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1u32 << attempt.min(16));
    let jitter = 0.5 + (random_u64() % 1000) as f64 / 2000.0;
    exp.mul_f64(jitter).min(MAX_WAIT)
}

/// A random number from the operating system (via ring), or the clock when that fails.
pub fn random_u64() -> u64 {
    use ring::rand::SecureRandom as _;
    let mut b = [0u8; 8];
    if ring::rand::SystemRandom::new().fill(&mut b).is_ok() {
        u64::from_le_bytes(b)
    } else {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(7)
    }
}

/// The service's error code and message from a Graph / ARM / sign-in error body.
pub fn error_detail(body: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else {
        return String::new();
    };
    let pick = |o: &serde_json::Value| -> Option<String> {
        let code = o.get("code").and_then(|c| c.as_str()).unwrap_or_default();
        let msg = o.get("message").and_then(|c| c.as_str()).unwrap_or_default();
        (!code.is_empty() || !msg.is_empty()).then(|| format!("{code}: {msg}").trim_matches([':', ' ']).to_string())
    };
    if let Some(e) = v.get("error") {
        if let Some(s) = e.as_str() {
            // OAuth: {"error": "invalid_client", "error_description": "AADSTS7000215: ..."}
            let d = v.get("error_description").and_then(|d| d.as_str()).unwrap_or_default();
            let d = d.lines().next().unwrap_or_default();
            return format!("{s}: {d}").trim_matches([':', ' ']).to_string();
        }
        if let Some(s) = pick(e) {
            return s;
        }
    }
    String::new()
}

/// A successful response.
#[derive(Debug)]
pub struct Fetched {
    /// The body as text.
    pub body: String,
    /// Retries it took.
    pub retries: u32,
    /// The response's `Date` header (when the service answered), if it sent a valid one.
    pub date: Option<time::OffsetDateTime>,
}

/// The client: one agent, one retry policy.
pub struct Client<'o> {
    agent: ureq::Agent,
    policy: RetryPolicy,
    observer: &'o dyn Observer,
}

impl<'o> Client<'o> {
    /// A client with `policy`; retries are reported to `observer`.
    pub fn new(policy: RetryPolicy, observer: &'o dyn Observer) -> Self {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(policy.timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(concat!("tenantlint/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Self { agent, policy, observer }
    }

    /// `GET url` with a bearer token, retrying throttling and transient faults. `url` must already
    /// have passed [`check_url`] / [`check_pinned`]; it is checked again here.
    pub fn get(&self, url: &str, token: &str) -> Result<Fetched, Failure> {
        check_url(url).map_err(Failure::Refused)?;
        let auth = format!("Bearer {token}");
        let (status, body, retries, date) = self.run(url, || {
            self.agent.get(url).header("Authorization", &auth).header("Accept", "application/json").call()
        })?;
        if (200..300).contains(&status) {
            return Ok(Fetched { body, retries, date });
        }
        let mut detail = error_detail(&body);
        if detail.is_empty() && status < 500 && !body.trim().is_empty() && body.len() < 1024 && !body.contains('<') {
            detail = body.trim().to_string();
        }
        if matches!(status, 429 | 500 | 502 | 503 | 504) {
            detail = format!("{detail}; gave up after {retries} retries").trim_start_matches("; ").to_string();
        }
        Err(Failure::Status { status, detail })
    }

    /// `POST url` with a form body (the sign-in endpoints), retrying throttling and transient faults.
    /// Returns the status and body of any final answer (the OAuth flows read their error bodies).
    pub fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Result<(u16, String), Failure> {
        check_url(url).map_err(Failure::Refused)?;
        let (status, body, _, _) =
            self.run(url, || self.agent.post(url).header("Accept", "application/json").send_form(form.to_vec()))?;
        Ok((status, body))
    }

    /// Sends until a final answer: retries network errors, 429 and 5xx (bounded). Returns the status,
    /// the body, the number of retries and the response's `Date`.
    #[allow(clippy::type_complexity)]
    fn run(
        &self,
        url: &str,
        send: impl Fn() -> Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<(u16, String, u32, Option<time::OffsetDateTime>), Failure> {
        let shown = without_query(url);
        let mut attempt = 0u32;
        loop {
            let (why, wait) = match send() {
                Err(e) => {
                    let why = network_reason(&e);
                    if attempt >= self.policy.max_retries {
                        return Err(Failure::Network(format!("{shown}: {why} (after {attempt} retries)")));
                    }
                    (why, backoff(self.policy.backoff, attempt))
                }
                Ok(mut resp) => {
                    let status = resp.status().as_u16();
                    let retry_after = resp
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| parse_retry_after(v, time::OffsetDateTime::now_utc()));
                    let date = resp.headers().get("date").and_then(|v| v.to_str().ok()).and_then(parse_http_date);
                    let body = resp.body_mut().with_config().limit(BODY_LIMIT).read_to_string();
                    let transient = matches!(status, 429 | 500 | 502 | 503 | 504);
                    match body {
                        Ok(body) if !transient || attempt >= self.policy.max_retries => {
                            return Ok((status, body, attempt, date));
                        }
                        Err(e) if attempt >= self.policy.max_retries => {
                            return Err(Failure::Network(format!(
                                "{shown}: reading the answer: {e} (after {attempt} retries)"
                            )));
                        }
                        Err(e) => (format!("reading the answer: {e}"), backoff(self.policy.backoff, attempt)),
                        Ok(_) => match (status, retry_after) {
                            (429 | 503 | 504, Some(w)) => (format!("HTTP {status}, Retry-After"), w.min(MAX_WAIT)),
                            _ => (format!("HTTP {status}, no Retry-After"), backoff(self.policy.backoff, attempt)),
                        },
                    }
                }
            };
            attempt += 1;
            self.observer.retry(&shown, &why, wait, attempt);
            std::thread::sleep(wait);
        }
    }
}

fn network_reason(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(t) => format!("timed out ({t})"),
        ureq::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http() {
        assert!(check_url("https://graph.microsoft.com/v1.0/users").is_ok());
        assert!(check_url("http://127.0.0.1:8080/v1.0/users").is_ok());
        assert!(check_url("http://[::1]:8080/").is_ok());
        assert!(check_url("http://localhost:1/").is_ok());
        let e = check_url("http://graph.contoso.com/v1.0/users?$skiptoken=x").unwrap_err();
        assert!(e.contains("plain http:// is refused") && !e.contains("skiptoken"), "{e}");
        assert!(check_url("http://10.0.0.1/").is_err());
        assert!(check_url("ftp://graph.microsoft.com/").is_err());
        assert!(check_url("https://user:pw@graph.microsoft.com/").unwrap_err().contains("credentials"));
    }

    #[test]
    fn next_links_are_pinned_to_the_token_host() {
        let o = check_url("https://graph.microsoft.com/v1.0/users").unwrap();
        assert!(check_pinned("https://graph.microsoft.com/v1.0/users?$skiptoken=abc", &o).is_ok());
        assert!(check_pinned("https://GRAPH.microsoft.com/v1.0/users?$skiptoken=abc", &o).is_ok());
        let e = check_pinned("https://graph.fabrikam.example/v1.0/users?$skiptoken=abc", &o).unwrap_err();
        assert!(e.contains("graph.fabrikam.example") && e.contains("refused"), "{e}");
        assert!(check_pinned("https://graph.microsoft.com:8443/v1.0/users", &o).is_err());
        assert!(check_pinned("http://graph.microsoft.com/v1.0/users", &o).is_err());
        let l = check_url("http://127.0.0.1:4000/v1.0/users").unwrap();
        assert!(check_pinned("http://127.0.0.1:4001/v1.0/users", &l).is_err());
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = time::macros::datetime!(2026-11-23 12:00:00 UTC);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after(" ", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("Mon, 23 Nov 2026 12:00:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(
            parse_http_date("Mon, 23 Nov 2026 12:00:30 GMT"),
            Some(time::macros::datetime!(2026-11-23 12:00:30 UTC))
        );
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_a_cap() {
        let b = Duration::from_secs(2);
        for attempt in 0..4 {
            let full = b * (1 << attempt);
            let w = backoff(b, attempt);
            assert!(w >= full / 2 && w <= full, "{attempt}: {w:?}");
        }
        assert_eq!(backoff(b, 30), MAX_WAIT);
    }

    #[test]
    fn error_details_from_graph_and_oauth_bodies() {
        let g = r#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#;
        assert_eq!(error_detail(g), "Authorization_RequestDenied: Insufficient privileges to complete the operation.");
        let o = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided.\r\nTrace ID: x"}"#;
        assert_eq!(error_detail(o), "invalid_client: AADSTS7000215: Invalid client secret provided.");
        assert_eq!(error_detail("<html>"), "");
        assert_eq!(without_query("https://u:p@h.example/a?$skiptoken=1"), "https://h.example/a");
    }
}
