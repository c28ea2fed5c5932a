//! Sign-in for `collect graph` / `collect arm`: the Microsoft identity platform's v2.0 endpoints, with
//! the caller's own app registration (no borrowed Microsoft client id).
//!
//! - `--access-token-env VAR`: a token obtained elsewhere (`az account get-access-token --resource …`);
//!   an expired JWT is refused before any request.
//! - client credentials with a secret (`--client-secret-env VAR`) or a certificate: a client assertion
//!   JWT signed RS256 with the certificate's key, carrying the `x5t#S256` (SHA-256) and `x5t` (SHA-1)
//!   thumbprints of the certificate, `aud` = the token endpoint, `iss` = `sub` = the client id, a random
//!   `jti`, `nbf`/`iat` = now and `exp` = now + 5 minutes;
//! - the device authorization grant: the code and URL are printed on stderr; `authorization_pending`
//!   waits `interval`, `slow_down` adds 5 seconds to it (RFC 8628 §3.5), expiry and refusal stop.
//!
//! Secrets (client secret, assertion, tokens, device code) are held in [`Secret`], whose `Debug` prints
//! nothing, and never appear in messages.

use super::http::{self, Client};
use base64::Engine as _;
use std::path::PathBuf;
use std::time::Duration;

/// A secret value: shown as `<redacted>` by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How to obtain a token.
#[derive(Debug, Clone)]
pub enum Method {
    /// A bearer token in this environment variable.
    TokenEnv(String),
    /// Client credentials: client id and the environment variable holding the secret.
    ClientSecret {
        /// Application (client) id.
        client_id: String,
        /// Environment variable with the secret.
        secret_env: String,
    },
    /// Client credentials with a certificate: client id, PEM with the certificate, and the PEM with
    /// its private key (the same file when both are in it).
    Certificate {
        /// Application (client) id.
        client_id: String,
        /// PEM file with the certificate (and the key, unless `key` is given).
        certificate: PathBuf,
        /// PEM file with the private key (PKCS#8 or PKCS#1), if not in `certificate`.
        key: Option<PathBuf>,
    },
    /// Device authorization grant (delegated; a public client app registration).
    DeviceCode {
        /// Application (client) id.
        client_id: String,
    },
}

impl Method {
    /// Short name for collection.json and messages.
    pub fn name(&self) -> &'static str {
        match self {
            Method::TokenEnv(_) => "access-token",
            Method::ClientSecret { .. } => "client-secret",
            Method::Certificate { .. } => "certificate",
            Method::DeviceCode { .. } => "device-code",
        }
    }
}

/// `exp` of a JWT (no signature check: only to refuse a token that has already expired).
fn jwt_exp(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("exp")?.as_i64()
}

/// The `aud` claim of a JWT access token, when it can be read.
fn jwt_aud(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("aud")?.as_str().map(str::to_string)
}

/// Which API an audience or resource names: `graph`, `arm`, or `None` (unknown: not judged). Tokens
/// carry the resource URL (`https://graph.microsoft.com`, `https://management.core.windows.net/`,
/// national clouds alike) or the resource's application id.
fn api_of(aud: &str) -> Option<&'static str> {
    let a = aud.trim().trim_end_matches('/').to_ascii_lowercase();
    if a == "00000003-0000-0000-c000-000000000000" || a.contains("graph.microsoft") || a.contains("microsoftgraph.") {
        Some("graph")
    } else if a == "797f4846-ba00-4fd7-ba43-dac1f8f63013" || a.contains("://management.") {
        Some("arm")
    } else {
        None
    }
}

fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// Context of one sign-in.
pub struct SignIn<'a> {
    /// HTTP client.
    pub client: &'a Client<'a>,
    /// Sign-in root (`https://login.microsoftonline.com`).
    pub login: &'a str,
    /// Tenant id or domain.
    pub tenant: &'a str,
    /// Where device-code instructions go (stderr), even with `-q`.
    pub tell: &'a dyn Fn(&str),
    /// How to wait between device-code polls (`std::thread::sleep`; tests pass a recorder).
    pub sleep: &'a dyn Fn(Duration),
}

impl SignIn<'_> {
    fn endpoint(&self, what: &str) -> String {
        format!("{}/{}/oauth2/v2.0/{what}", self.login, url_segment(self.tenant))
    }

    /// A token for `resource` (a root such as `https://graph.microsoft.com`): scope `<resource>/.default`.
    pub fn token(&self, method: &Method, resource: &str) -> Result<Secret, String> {
        let scope = format!("{}/.default", resource.trim_end_matches('/'));
        match method {
            Method::TokenEnv(var) => {
                let t = std::env::var(var)
                    .map_err(|_| format!("--access-token-env: environment variable {var} is not set"))?;
                let t = t.trim().trim_start_matches("Bearer ").trim().to_string();
                if t.is_empty() {
                    return Err(format!("--access-token-env: environment variable {var} is empty"));
                }
                if let Some(exp) = jwt_exp(&t)
                    && exp <= now_unix() + 60
                {
                    return Err(format!(
                        "the token in {var} has expired (or expires within a minute); get a new one (az account get-access-token --resource {resource}) — a borrowed token cannot be refreshed"
                    ));
                }
                // One token has one audience: a Graph token sent to ARM (or the reverse) is refused on
                // every request; say so before the first one.
                if let Some(aud) = jwt_aud(&t)
                    && let (Some(has), Some(wants)) = (api_of(&aud), api_of(resource))
                    && has != wants
                {
                    return Err(format!(
                        "the token in {var} is for {aud} ({has}), not for {resource}: get one for this API (az account get-access-token --resource {resource})"
                    ));
                }
                Ok(Secret(t))
            }
            Method::ClientSecret { client_id, secret_env } => {
                let secret = std::env::var(secret_env)
                    .map_err(|_| format!("--client-secret-env: environment variable {secret_env} is not set"))?;
                if secret.is_empty() {
                    return Err(format!("--client-secret-env: environment variable {secret_env} is empty"));
                }
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id.as_str()),
                    ("scope", scope.as_str()),
                    ("client_secret", secret.as_str()),
                ];
                self.redeem(&form, &[&secret])
            }
            Method::Certificate { client_id, certificate, key } => {
                let cred = Certificate::load(certificate, key.as_ref())?;
                let url = self.endpoint("token");
                let assertion = cred.assertion(client_id, &url, now_unix())?;
                let form = [
                    ("grant_type", "client_credentials"),
                    ("client_id", client_id.as_str()),
                    ("scope", scope.as_str()),
                    ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                    ("client_assertion", assertion.expose()),
                ];
                self.redeem(&form, &[assertion.expose()])
            }
            Method::DeviceCode { client_id } => self.device_code(client_id, &scope),
        }
    }

    /// POSTs a token request; returns the access token or an error naming the endpoint and the
    /// service's reason, with every value of `hide` removed.
    fn redeem(&self, form: &[(&str, &str)], hide: &[&str]) -> Result<Secret, String> {
        let url = self.endpoint("token");
        let (status, body) = self.client.post_form(&url, form).map_err(|e| format!("sign-in at {url}: {e}"))?;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if status == 200
            && let Some(t) = v.get("access_token").and_then(|t| t.as_str())
        {
            return Ok(Secret(t.to_string()));
        }
        Err(redact(&format!("sign-in at {url} refused (HTTP {status}): {}", reason(&body)), hide))
    }

    fn device_code(&self, client_id: &str, scope: &str) -> Result<Secret, String> {
        let url = self.endpoint("devicecode");
        let (status, body) = self
            .client
            .post_form(&url, &[("client_id", client_id), ("scope", scope)])
            .map_err(|e| format!("device code request at {url}: {e}"))?;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        let (Some(device_code), Some(user_code), 200) = (text("device_code"), text("user_code"), status) else {
            return Err(format!("device code request at {url} refused (HTTP {status}): {}", reason(&body)));
        };
        let verify = text("verification_uri").unwrap_or_else(|| "https://microsoft.com/devicelogin".into());
        let expires = v.get("expires_in").and_then(|x| x.as_u64()).unwrap_or(900);
        let interval = v.get("interval").and_then(|x| x.as_u64()).unwrap_or(5);
        (self.tell)(&format!(
            "To sign in, open {verify} and enter the code {user_code} (valid for {} minutes).",
            expires.div_ceil(60)
        ));
        let token_url = self.endpoint("token");
        let device_code = Secret(device_code);
        let mut poll = || -> Result<(u16, String), String> {
            self.client
                .post_form(
                    &token_url,
                    &[
                        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                        ("client_id", client_id),
                        ("device_code", device_code.expose()),
                    ],
                )
                .map_err(|e| format!("sign-in at {token_url}: {e}"))
        };
        poll_device(&mut poll, self.sleep, Duration::from_secs(interval), Duration::from_secs(expires))
            .map_err(|e| format!("device code sign-in at {token_url}: {}", redact(&e, &[device_code.expose()])))
    }
}

/// Polls the token endpoint until the user has signed in: waits `interval` before each poll,
/// `slow_down` adds 5 seconds, `authorization_pending` goes on, anything else stops; gives up once
/// `expires` has passed.
pub fn poll_device(
    poll: &mut dyn FnMut() -> Result<(u16, String), String>,
    sleep: &dyn Fn(Duration),
    mut interval: Duration,
    expires: Duration,
) -> Result<Secret, String> {
    let mut waited = Duration::ZERO;
    loop {
        if waited >= expires {
            return Err(format!("the code expired after {} s without a sign-in", expires.as_secs()));
        }
        sleep(interval);
        waited += interval.max(Duration::from_millis(1));
        let (status, body) = poll()?;
        let v: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
        if status == 200
            && let Some(t) = v.get("access_token").and_then(|t| t.as_str())
        {
            return Ok(Secret(t.to_string()));
        }
        match v.get("error").and_then(|e| e.as_str()).unwrap_or_default() {
            "authorization_pending" => {}
            "slow_down" => interval += Duration::from_secs(5),
            "expired_token" => return Err("the code expired before the sign-in completed (expired_token)".into()),
            "authorization_declined" => return Err("the sign-in was declined (authorization_declined)".into()),
            _ => {
                return Err(format!(
                    "refused (HTTP {status}): {}{}",
                    reason(&body),
                    if body.contains("AADSTS50097") || body.contains("AADSTS53") {
                        " — Conditional Access may block the device code flow here; use --auth certificate"
                    } else {
                        ""
                    }
                ));
            }
        }
    }
}

/// The service's reason from an OAuth / Graph error body, or a note that there was none.
fn reason(body: &str) -> String {
    let d = http::error_detail(body);
    if d.is_empty() { "no error description in the answer".into() } else { d }
}

/// Removes every non-empty value of `hide` from `msg`.
pub fn redact(msg: &str, hide: &[&str]) -> String {
    let mut s = msg.to_string();
    for h in hide {
        if h.len() >= 4 {
            s = s.replace(h, "<redacted>");
        }
    }
    s
}

/// The tenant as one path segment (a GUID or a domain; anything else percent-encoded).
fn url_segment(t: &str) -> String {
    t.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A certificate credential: the certificate's DER and its RSA private key.
pub struct Certificate {
    der: Vec<u8>,
    key: ring::signature::RsaKeyPair,
}

impl Certificate {
    /// Reads the certificate (first `CERTIFICATE` block) and the private key (`PRIVATE KEY` PKCS#8 or
    /// `RSA PRIVATE KEY` PKCS#1) from PEM files; an encrypted key is refused with a hint.
    pub fn load(cert_path: &PathBuf, key_path: Option<&PathBuf>) -> Result<Certificate, String> {
        let blocks = |p: &PathBuf| -> Result<Vec<(String, Vec<u8>)>, String> {
            let bytes = std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let mut out = Vec::new();
            for pem in x509_parser::pem::Pem::iter_from_buffer(&bytes) {
                let pem = pem.map_err(|e| format!("{}: not a PEM file ({e})", p.display()))?;
                out.push((pem.label, pem.contents));
            }
            Ok(out)
        };
        let certs = blocks(cert_path)?;
        let der = certs
            .iter()
            .find(|(l, _)| l == "CERTIFICATE")
            .map(|(_, d)| d.clone())
            .ok_or_else(|| format!("{}: no CERTIFICATE block", cert_path.display()))?;
        x509_parser::parse_x509_certificate(&der)
            .map_err(|e| format!("{}: the certificate cannot be parsed ({e})", cert_path.display()))?;
        let key_file = key_path.unwrap_or(cert_path);
        let keys = if key_path.is_some() { blocks(key_file)? } else { certs };
        let key = keys
            .iter()
            .find_map(|(l, d)| match l.as_str() {
                "PRIVATE KEY" => Some(ring::signature::RsaKeyPair::from_pkcs8(d).map_err(|e| e.to_string())),
                "RSA PRIVATE KEY" => Some(ring::signature::RsaKeyPair::from_der(d).map_err(|e| e.to_string())),
                "ENCRYPTED PRIVATE KEY" => Some(Err("the key is encrypted; write it unencrypted to a file only you can read (openssl pkcs8 -in key.pem -out plain.pem) and pass that".into())),
                _ => None,
            })
            .ok_or_else(|| format!("{}: no PRIVATE KEY block (pass the key with --key FILE)", key_file.display()))?
            .map_err(|e| format!("{}: the private key is not a usable RSA key: {e}", key_file.display()))?;
        Ok(Certificate { der, key })
    }

    /// `x5t#S256`: base64url SHA-256 of the certificate's DER.
    pub fn x5t_s256(&self) -> String {
        b64(ring::digest::digest(&ring::digest::SHA256, &self.der).as_ref())
    }

    /// `x5t`: base64url SHA-1 of the certificate's DER (the thumbprint older validators look up).
    pub fn x5t(&self) -> String {
        b64(ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &self.der).as_ref())
    }

    /// The signed client assertion for `client_id` at token endpoint `aud`, issued at `now`.
    pub fn assertion(&self, client_id: &str, aud: &str, now: i64) -> Result<Secret, String> {
        let header = serde_json::json!({"alg": "RS256", "typ": "JWT", "x5t#S256": self.x5t_s256(), "x5t": self.x5t()});
        let mut jti = [0u8; 16];
        jti[..8].copy_from_slice(&http::random_u64().to_le_bytes());
        jti[8..].copy_from_slice(&http::random_u64().to_le_bytes());
        let claims = serde_json::json!({
            "aud": aud, "iss": client_id, "sub": client_id,
            "jti": uuid::Builder::from_random_bytes(jti).into_uuid().to_string(),
            "nbf": now, "iat": now, "exp": now + 300,
        });
        let signing_input = format!("{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()));
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(
                &ring::signature::RSA_PKCS1_SHA256,
                &ring::rand::SystemRandom::new(),
                signing_input.as_bytes(),
                &mut sig,
            )
            .map_err(|_| "signing the client assertion failed".to_string())?;
        Ok(Secret(format!("{signing_input}.{}", b64(&sig))))
    }
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_borrowed_token_for_the_other_api_is_refused_before_any_request() {
        assert_eq!(api_of("https://graph.microsoft.com"), Some("graph"));
        assert_eq!(api_of("00000003-0000-0000-c000-000000000000"), Some("graph"));
        assert_eq!(api_of("https://management.core.windows.net/"), Some("arm"));
        assert_eq!(api_of("https://management.usgovcloudapi.net"), Some("arm"));
        assert_eq!(api_of("http://127.0.0.1:8080"), None);
        let b64 = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let exp = now_unix() + 3600;
        let graph_token = format!(
            "{}.{}.c2ln",
            b64(r#"{"typ":"JWT"}"#),
            b64(&format!(r#"{{"aud":"https://graph.microsoft.com","exp":{exp}}}"#))
        );
        // SAFETY of the test: a variable name no other test uses.
        unsafe { std::env::set_var("TL_AUD_TEST_TOKEN", &graph_token) };
        let client = Client::new(crate::collect::http::RetryPolicy::default(), &crate::collect::http::Silent);
        let sign_in = SignIn {
            client: &client,
            login: "https://login.microsoftonline.com",
            tenant: "contoso.com",
            tell: &|_| {},
            sleep: &|_| {},
        };
        let m = Method::TokenEnv("TL_AUD_TEST_TOKEN".into());
        let e = sign_in.token(&m, "https://management.azure.com").unwrap_err();
        assert!(e.contains("is for https://graph.microsoft.com (graph), not for https://management.azure.com"), "{e}");
        assert!(!e.contains(&graph_token), "the token is never printed");
        assert!(sign_in.token(&m, "https://graph.microsoft.com").is_ok());
    }
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn secrets_do_not_debug_print() {
        let s = Secret::new("eyJ0eXAiOiJKV1QifQ.super-secret");
        assert_eq!(format!("{s:?}"), "<redacted>");
        assert_eq!(redact("bad secret abcd1234 given", &["abcd1234", ""]), "bad secret <redacted> given");
        assert_eq!(url_segment("contoso.onmicrosoft.com"), "contoso.onmicrosoft.com");
        assert_eq!(url_segment("a/b"), "a%2Fb");
    }

    #[test]
    fn expired_borrowed_tokens_are_refused() {
        let payload = b64(br#"{"aud":"https://graph.microsoft.com","exp":1000}"#);
        assert_eq!(jwt_exp(&format!("e30.{payload}.sig")), Some(1000));
        assert_eq!(jwt_exp("opaque-token"), None);
    }

    fn answers(list: &[(u16, &str)]) -> impl FnMut() -> Result<(u16, String), String> {
        let mut v: Vec<(u16, String)> = list.iter().map(|(s, b)| (*s, b.to_string())).collect();
        v.reverse();
        move || v.pop().ok_or_else(|| "no more answers".to_string())
    }

    #[test]
    fn device_polling_waits_slows_down_and_stops() {
        let waits = RefCell::new(Vec::new());
        let sleep = |d: Duration| waits.borrow_mut().push(d.as_secs());
        let mut poll = answers(&[
            (400, r#"{"error":"authorization_pending"}"#),
            (400, r#"{"error":"slow_down"}"#),
            (400, r#"{"error":"authorization_pending"}"#),
            (200, r#"{"token_type":"Bearer","access_token":"at-123","expires_in":3599}"#),
        ]);
        let t = poll_device(&mut poll, &sleep, Duration::from_secs(5), Duration::from_secs(900)).unwrap();
        assert_eq!(t.expose(), "at-123");
        assert_eq!(*waits.borrow(), vec![5, 5, 10, 10]);

        let mut poll = answers(&[(400, r#"{"error":"expired_token"}"#)]);
        let e = poll_device(&mut poll, &sleep, Duration::from_secs(1), Duration::from_secs(900)).unwrap_err();
        assert!(e.contains("expired_token"), "{e}");
        let mut poll = answers(&[(400, r#"{"error":"authorization_declined"}"#)]);
        assert!(poll_device(&mut poll, &sleep, Duration::from_secs(1), Duration::from_secs(9)).is_err());
        // expiry by the clock: always pending
        let mut n = 0;
        let mut pending = || {
            n += 1;
            Ok((400, r#"{"error":"authorization_pending"}"#.to_string()))
        };
        let e = poll_device(&mut pending, &sleep, Duration::from_secs(5), Duration::from_secs(12)).unwrap_err();
        assert!(e.contains("expired after 12 s"), "{e}");
        assert_eq!(n, 3);
        let mut poll = answers(&[(
            400,
            r#"{"error":"invalid_grant","error_description":"AADSTS50097: Device authentication is required."}"#,
        )]);
        let e = poll_device(&mut poll, &sleep, Duration::from_secs(1), Duration::from_secs(9)).unwrap_err();
        assert!(e.contains("AADSTS50097") && e.contains("--auth certificate"), "{e}");
    }
}
