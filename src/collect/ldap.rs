//! `tenantlint collect ldap`: a read-only, paged subtree search of Active Directory (one domain on
//! 389/636, or the whole forest through the Global Catalog on 3268/3269) written as LDIF.
//!
//! - Search only: this module never sends a modify, add or delete.
//! - Paged results (RFC 2696) with a configurable page size; ranged attributes
//!   (`member;range=0-1499`) are followed with base searches until the range ends in `*`.
//! - Binary attributes: ldap3 puts a value into `bin_attrs` only when it is not valid UTF-8, so a
//!   16-byte objectGUID can arrive as text; the known binary attributes are always taken as bytes from
//!   either map and written Base64 (`::`), so the LDIF reader decodes them identically.
//! - TLS: `ldaps://` or StartTLS with certificate verification by default (`--ca-file` adds a trust
//!   anchor); plain LDAP and skipped verification need explicit flags and print a warning.
//! - The password comes from an environment variable, a file or a prompt — never from the command
//!   line — and is never echoed, logged or written.
//! - The LDIF starts with a comment header (server, base, filter, attributes, time, object count) and is
//!   written to a temporary file renamed into place only when the search completed: a failed or partial
//!   collection never looks complete.

use crate::ingest::ldif::{self, LdifValue};
use ldap3::adapters::{Adapter, EntriesOnly, PagedResults};
use ldap3::{LdapConn, LdapConnSettings, Scope, SearchEntry};
use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Attributes collected by default: everything the rules read (the readers' list, [`crate::ingest::export::AD_ATTRIBUTES`]).
pub const DEFAULT_ATTRIBUTES: &[&str] = crate::ingest::export::AD_ATTRIBUTES;

/// Default filter: users, groups, contacts and inetOrgPersons (IdFix's default scope), no computers.
pub const DEFAULT_FILTER: &str = "(|(objectCategory=person)(objectCategory=group))";

/// Where the password comes from.
#[derive(Debug, Clone)]
pub enum PasswordSource {
    /// Environment variable name.
    Env(String),
    /// File whose first line is the password.
    File(PathBuf),
    /// Interactive prompt on the terminal.
    Prompt,
}

/// A collection request.
#[derive(Debug, Clone)]
pub struct Request {
    /// `ldap://`, `ldaps://` URL.
    pub url: String,
    /// Search base (empty with the Global Catalog = whole forest).
    pub base: String,
    /// Bind DN or `DOMAIN\user` / UPN.
    pub bind_dn: String,
    /// Password source.
    pub password: PasswordSource,
    /// LDAP filter.
    pub filter: String,
    /// Attributes to request.
    pub attributes: Vec<String>,
    /// Page size.
    pub page_size: i32,
    /// Use StartTLS on an `ldap://` URL.
    pub starttls: bool,
    /// Extra trust anchor (PEM).
    pub ca_file: Option<PathBuf>,
    /// Skip certificate verification (explicit opt-in).
    pub insecure_skip_verify: bool,
    /// Allow an unencrypted `ldap://` connection without StartTLS (explicit opt-in).
    pub allow_plaintext: bool,
    /// Timeout for connect and each operation.
    pub timeout: std::time::Duration,
}

/// Collection errors, each a clear sentence (printed as `tenantlint: <error>`, exit 2).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Configuration refused before connecting.
    #[error("{0}")]
    Config(String),
    /// The password could not be obtained.
    #[error("password: {0}")]
    Password(String),
    /// TCP/TLS connection failed.
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// Server URL.
        url: String,
        /// Cause.
        reason: String,
    },
    /// The bind was refused.
    #[error("bind as {who} refused by {url}: {reason}")]
    Bind {
        /// Bind identity.
        who: String,
        /// Server URL.
        url: String,
        /// Server's answer.
        reason: String,
    },
    /// The search failed or ended early.
    #[error("search of {base:?} on {url} failed after {objects} objects: {reason}; nothing was written")]
    Search {
        /// Server URL.
        url: String,
        /// Base.
        base: String,
        /// Objects received before the failure.
        objects: usize,
        /// Cause.
        reason: String,
    },
    /// The output could not be written.
    #[error("{path}: {reason}")]
    Output {
        /// Path.
        path: String,
        /// Cause.
        reason: String,
    },
}

/// Result of a collection.
#[derive(Debug, Clone)]
pub struct Collected {
    /// Objects written.
    pub objects: usize,
    /// Warnings printed (plaintext, skipped verification...).
    pub warnings: Vec<String>,
}

fn read_password(src: &PasswordSource) -> Result<String, Error> {
    let pw = match src {
        PasswordSource::Env(var) => {
            std::env::var(var).map_err(|_| Error::Password(format!("environment variable {var} is not set")))?
        }
        PasswordSource::File(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| Error::Password(format!("{}: {e}", p.display())))?;
            text.lines().next().unwrap_or("").to_string()
        }
        PasswordSource::Prompt => {
            rpassword::prompt_password("LDAP password: ").map_err(|e| Error::Password(format!("cannot prompt: {e}")))?
        }
    };
    if pw.is_empty() {
        // An empty password makes an LDAP simple bind anonymous ("unauthenticated bind"): refuse it.
        return Err(Error::Password("empty password (it would make the bind anonymous)".into()));
    }
    Ok(pw)
}

/// Removes the password from a server message, should a server echo it.
fn redact(msg: &str, pw: &str) -> String {
    if pw.is_empty() { msg.to_string() } else { msg.replace(pw, "********") }
}

fn settings(req: &Request) -> Result<(LdapConnSettings, Vec<String>), Error> {
    let mut warnings = Vec::new();
    let url = req.url.to_ascii_lowercase();
    let tls_url = url.starts_with("ldaps://");
    if !tls_url && !url.starts_with("ldap://") {
        return Err(Error::Config(format!("{}: the URL must start with ldap:// or ldaps://", req.url)));
    }
    if !tls_url && !req.starttls && !req.allow_plaintext {
        return Err(Error::Config(format!(
            "{} is unencrypted: use ldaps:// (636, or 3269 for the Global Catalog), add --starttls, or pass --allow-plaintext to send the password in clear text",
            req.url
        )));
    }
    if !tls_url && !req.starttls {
        warnings.push(format!(
            "warning: {} is unencrypted; the password and the directory data cross the network in clear text",
            req.url
        ));
    }
    let mut s = LdapConnSettings::new().set_conn_timeout(req.timeout).set_starttls(req.starttls && !tls_url);
    if req.insecure_skip_verify {
        warnings.push(
            "warning: TLS certificate verification is OFF (--insecure-skip-verify): the server is not authenticated"
                .into(),
        );
        s = s.set_no_tls_verify(true);
    } else if let Some(ca) = &req.ca_file {
        let pem = std::fs::read(ca).map_err(|e| Error::Config(format!("{}: {e}", ca.display())))?;
        let cert = native_tls::Certificate::from_pem(&pem)
            .map_err(|e| Error::Config(format!("{}: not a PEM certificate: {e}", ca.display())))?;
        let connector = native_tls::TlsConnector::builder()
            .add_root_certificate(cert)
            .build()
            .map_err(|e| Error::Config(format!("TLS setup: {e}")))?;
        s = s.set_connector(connector);
    }
    Ok((s, warnings))
}

/// Values of one attribute of an entry as LDIF values: binary attributes as bytes from either map.
fn values(entry: &SearchEntry, name: &str) -> Vec<LdifValue> {
    let binary = ldif::is_binary_attr(name);
    let mut out = Vec::new();
    if let Some(v) = entry.attrs.get(name) {
        for s in v {
            out.push(if binary { LdifValue::Binary(s.clone().into_bytes()) } else { LdifValue::Text(s.clone()) });
        }
    }
    if let Some(v) = entry.bin_attrs.get(name) {
        for b in v {
            out.push(match (binary, String::from_utf8(b.clone())) {
                (false, Ok(s)) => LdifValue::Text(s),
                _ => LdifValue::Binary(b.clone()),
            });
        }
    }
    out
}

/// Follows `attr;range=a-b` values with base searches until the range ends in `*`.
fn follow_ranges(conn: &mut LdapConn, entry: &mut SearchEntry, url: &str) -> Result<(), String> {
    let ranged: Vec<String> =
        entry.attrs.keys().chain(entry.bin_attrs.keys()).filter(|k| k.contains(";range=")).cloned().collect();
    for key in ranged {
        let (base_name, range) = key.split_once(";range=").unwrap_or((&key, ""));
        let mut end = range.split_once('-').map(|(_, e)| e.to_string()).unwrap_or_default();
        let mut vals: Vec<String> = entry.attrs.remove(&key).unwrap_or_default();
        let mut guard = 0;
        while end != "*" {
            guard += 1;
            if guard > 100_000 {
                return Err(format!("{}: ranged attribute {base_name} never ends", entry.dn));
            }
            let next: u64 = end.parse().map_err(|_| format!("{}: bad range {key}", entry.dn))?;
            let want = format!("{base_name};range={}-*", next + 1);
            let (rs, _) = conn
                .search(&entry.dn, Scope::Base, "(objectClass=*)", vec![want.as_str()])
                .and_then(|r| r.success())
                .map_err(|e| format!("{url}: ranged retrieval of {base_name} on {}: {e}", entry.dn))?;
            let Some(e) = rs.into_iter().next() else { break };
            let e = SearchEntry::construct(e);
            let Some((k, v)) = e.attrs.into_iter().find(|(k, _)| {
                k.to_ascii_lowercase().starts_with(&format!("{};range=", base_name.to_ascii_lowercase()))
            }) else {
                break;
            };
            vals.extend(v);
            end = k.rsplit_once('-').map(|(_, e)| e.to_string()).unwrap_or_else(|| "*".into());
        }
        entry.attrs.insert(base_name.to_string(), vals);
    }
    Ok(())
}

/// Runs a collection into `out` (LDIF). `progress` is called with the running object count.
pub fn collect(req: &Request, out: &Path, progress: &dyn Fn(usize)) -> Result<Collected, Error> {
    let (settings, warnings) = settings(req)?;
    let password = read_password(&req.password)?;
    let mut conn = LdapConn::with_settings(settings, &req.url)
        .map_err(|e| Error::Connect { url: req.url.clone(), reason: redact(&e.to_string(), &password) })?;
    conn.with_timeout(req.timeout);
    let bind = conn
        .simple_bind(&req.bind_dn, &password)
        .map_err(|e| e.to_string())
        .and_then(|r| r.success().map_err(|e| e.to_string()));
    if let Err(reason) = bind {
        return Err(Error::Bind { who: req.bind_dn.clone(), url: req.url.clone(), reason: redact(&reason, &password) });
    }
    drop(password);

    let attrs: Vec<&str> = req.attributes.iter().map(String::as_str).collect();
    let search_err = |objects: usize, reason: String| Error::Search {
        url: req.url.clone(),
        base: req.base.clone(),
        objects,
        reason,
    };
    let adapters: Vec<Box<dyn Adapter<_, _>>> =
        vec![Box::new(EntriesOnly::new()), Box::new(PagedResults::new(req.page_size))];
    let mut stream = conn
        .streaming_search_with(adapters, &req.base, Scope::Subtree, &req.filter, attrs.clone())
        .map_err(|e| search_err(0, e.to_string()))?;
    let mut entries: Vec<SearchEntry> = Vec::new();
    loop {
        match stream.next() {
            Ok(Some(e)) => {
                // SearchEntry::construct panics on malformed BER from the server: make that an error.
                let e = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| SearchEntry::construct(e)))
                    .map_err(|_| search_err(entries.len(), "the server sent a malformed entry".into()))?;
                entries.push(e);
                progress(entries.len());
            }
            Ok(None) => break,
            Err(e) => return Err(search_err(entries.len(), e.to_string())),
        }
    }
    let res = stream.result();
    if let Err(e) = res.success() {
        let hint = match e.to_string() {
            s if s.contains("rc=4") => format!("{s} (size limit: lower --page-size or ask for the limit to be raised)"),
            s if s.contains("rc=10") => format!(
                "{s} (referral: the base is in another domain; use the Global Catalog port 3268/3269 or that domain's DC)"
            ),
            s => s,
        };
        return Err(search_err(entries.len(), hint));
    }
    let total = entries.len();
    for e in &mut entries {
        follow_ranges(&mut conn, e, &req.url).map_err(|r| search_err(total, r))?;
    }
    let _ = conn.unbind();
    entries.sort_by(|a, b| a.dn.cmp(&b.dn));

    let mut text = String::new();
    let now =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let header = [
        "tenantlint LDAP collection (read-only search)".to_string(),
        format!("server: {}", req.url),
        format!("base: {}", req.base),
        format!("filter: {}", req.filter),
        format!("attributes: {}", req.attributes.join(",")),
        format!("bind: {}", req.bind_dn),
        format!("collected: {now}"),
        format!("objects: {}", entries.len()),
        format!("complete: yes (paged search ended with success, page size {})", req.page_size),
    ];
    for h in header {
        text.push_str("# ");
        text.push_str(&h.replace(['\n', '\r'], " "));
        text.push('\n');
    }
    ldif::write_version(&mut text);
    let names: Vec<String> = req.attributes.iter().map(|a| a.split(';').next().unwrap_or(a).to_string()).collect();
    for e in &entries {
        let lookup = lower_keys(e);
        let mut attrs: Vec<(&str, Vec<LdifValue>)> = Vec::new();
        for name in &names {
            let Some(actual) = lookup.get(&name.to_ascii_lowercase()) else { continue };
            let v = values(e, actual);
            if !v.is_empty() {
                attrs.push((name.as_str(), v));
            }
        }
        ldif::write_entry(&mut text, &e.dn, &attrs);
    }
    let tmp = out.with_extension("ldf.partial");
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, out)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::Output { path: out.display().to_string(), reason: e.to_string() }
    })?;
    Ok(Collected { objects: entries.len(), warnings })
}

/// Attribute names of an entry by lower case (servers may return another case than requested).
fn lower_keys(e: &SearchEntry) -> HashMap<String, String> {
    e.attrs.keys().chain(e.bin_attrs.keys()).map(|k| (k.to_ascii_lowercase(), k.clone())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(url: &str) -> Request {
        Request {
            url: url.into(),
            base: "DC=corp,DC=contoso,DC=com".into(),
            bind_dn: "CORP\\auditor".into(),
            password: PasswordSource::Env("TL_TEST_UNSET_VARIABLE_X".into()),
            filter: DEFAULT_FILTER.into(),
            attributes: DEFAULT_ATTRIBUTES.iter().map(|s| s.to_string()).collect(),
            page_size: 500,
            starttls: false,
            ca_file: None,
            insecure_skip_verify: false,
            allow_plaintext: false,
            timeout: std::time::Duration::from_secs(5),
        }
    }

    #[test]
    fn plaintext_needs_an_explicit_flag() {
        let e = settings(&req("ldap://dc1.corp.contoso.com")).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("unencrypted") && e.contains("--allow-plaintext"), "{e}");
        let mut r = req("ldap://dc1.corp.contoso.com");
        r.allow_plaintext = true;
        let (_, w) = settings(&r).unwrap();
        assert!(w[0].contains("clear text"));
        r.starttls = true;
        assert!(settings(&r).unwrap().1.is_empty());
        assert!(settings(&req("ldaps://dc1:636")).unwrap().1.is_empty());
        assert!(settings(&req("http://dc1")).is_err());
    }

    #[test]
    fn password_sources() {
        let e = read_password(&PasswordSource::Env("TL_TEST_UNSET_VARIABLE_X".into())).unwrap_err().to_string();
        assert!(e.contains("TL_TEST_UNSET_VARIABLE_X is not set"), "{e}");
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("pw");
        std::fs::write(&f, "s3cret!\n").unwrap();
        assert_eq!(read_password(&PasswordSource::File(f.clone())).unwrap(), "s3cret!");
        std::fs::write(&f, "\n").unwrap();
        assert!(read_password(&PasswordSource::File(f)).unwrap_err().to_string().contains("anonymous"));
        assert_eq!(redact("bind failed for s3cret!", "s3cret!"), "bind failed for ********");
    }
}
