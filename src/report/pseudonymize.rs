//! `--pseudonymize`: replaces personal values by stable tokens before any report is written, so that
//! every format (json, sarif, junit, csv, html) shows the same token for the same value.
//!
//! What counts as personal: the display names, user principal names, mail addresses, proxy
//! addresses, mail nicknames, sAMAccountNames, given names and surnames of AD users, inetOrgPersons
//! and contacts and of cloud users and contacts (groups and computers keep their names), the
//! `user.name` of `az account list` entries and tenants' technical notification addresses. They are
//! collected from the estate and replaced wherever they occur (as whole words) in finding titles,
//! subject labels, evidence, remediation, input warnings and skip/failure reasons, and subscription
//! names; any remaining text that looks like a mail address has its local part replaced too.
//!
//! Tokens: `HMAC-SHA256(key, lower-cased value)`, first 8 bytes in hex: `person-1a2b3c4d5e6f7a8b` for a
//! name, `u-1a2b3c4d5e6f7a8b@contoso.com` for a UPN or address (the domain is kept: which domain an
//! account is in is what many findings are about). The key comes from the environment variable
//! [`KEY_ENV`] (any text) when set — then the same value gets the same token in every run, so
//! pseudonymized reports can be compared — and is random per run otherwise.
//!
//! Not changed: object ids (GUIDs, object ids, tenant ids), domain names, tenant and forest names,
//! file paths (a file subject is its path), and fingerprints (computed from the subjects' ids).

use crate::findings::Finding;
use crate::ingest::{Ingested, Status};
use crate::model::{AdClass, CloudKind};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Environment variable holding the pseudonymization key.
pub const KEY_ENV: &str = "TENANTLINT_PSEUDONYM_KEY";

/// Shortest value replaced (shorter ones, like "IT" or "Li", would hit ordinary words).
const MIN_LEN: usize = 3;

/// HMAC-SHA256 (RFC 2104).
fn hmac_sha256(key: &[u8; 32], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    k[..32].copy_from_slice(key);
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    inner.update(msg);
    let ih = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(ih);
    outer.finalize().into()
}

/// The replacement machinery for one run.
pub struct Pseudonymizer {
    key: [u8; 32],
    matcher: Option<AhoCorasick>,
    values: Vec<String>,
}

impl Pseudonymizer {
    /// The key from [`KEY_ENV`], else a random one.
    pub fn key_from_env() -> [u8; 32] {
        match std::env::var(KEY_ENV) {
            Ok(k) if !k.is_empty() => Sha256::digest(k.as_bytes()).into(),
            _ => random_key(),
        }
    }

    /// Collects the personal values of `ingested`'s estate.
    pub fn new(key: [u8; 32], ingested: &Ingested) -> Self {
        let e = &ingested.estate;
        let mut set: BTreeSet<String> = BTreeSet::new();
        let mut add = |v: Option<&str>| {
            if let Some(v) = v.map(str::trim).filter(|v| v.chars().count() >= MIN_LEN) {
                set.insert(v.to_string());
            }
        };
        for o in &e.ad_objects {
            if matches!(o.class, AdClass::Group | AdClass::Computer | AdClass::Other(_)) {
                continue;
            }
            for v in [&o.display_name, &o.cn, &o.given_name, &o.sn, &o.sam_account_name, &o.upn, &o.mail] {
                add(v.as_deref());
            }
            add(o.mail_nickname.as_deref());
            add(o.target_address.as_deref().map(strip_prefix));
            for p in &o.proxy_addresses {
                add(Some(strip_prefix(p)));
            }
            // Account-link values (`comment`, `extensionAttributeN`...): identifier-like ones only, so
            // free text such as a description does not turn common words into tokens.
            for (_, v) in &o.extra {
                add(Some(v.as_str()).filter(|v| !v.contains(char::is_whitespace)));
            }
        }
        // External identities named in AD FS claim rules (`Value == "..."` conditions).
        for cp in &e.adfs_claims_providers {
            for (_, v) in &cp.acceptance_rules.known_values {
                add(Some(v.as_str()).filter(|v| v.contains('@')));
            }
        }
        for o in &e.cloud_objects {
            if o.kind == CloudKind::Group {
                continue;
            }
            for v in [
                &o.display_name,
                &o.upn,
                &o.mail,
                &o.mail_nickname,
                &o.given_name,
                &o.surname,
                &o.on_prem_sam_account_name,
                &o.on_prem_upn,
            ] {
                add(v.as_deref());
            }
            for p in o.proxy_addresses.iter().chain(&o.other_mails) {
                add(Some(strip_prefix(p)));
            }
            for i in &o.identities {
                add(i.issuer_assigned_id.as_deref());
            }
        }
        for s in &e.subscriptions {
            add(s.user_name.as_deref());
        }
        for t in &e.tenants {
            for m in &t.technical_notification_mails {
                add(Some(m));
            }
        }
        let values: Vec<String> = set.into_iter().collect();
        let matcher = (!values.is_empty()).then(|| {
            AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .match_kind(MatchKind::LeftmostLongest)
                .build(&values)
                .expect("pattern set builds")
        });
        Self { key, matcher, values }
    }

    /// The personal values collected from the estate (sorted, each at least three characters long): what
    /// [`Self::text`] replaces as whole words, besides anything shaped like a mail address.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// The token of a value (`person-…`, or `u-…@domain` for an address).
    pub fn token(&self, value: &str) -> String {
        let h = hmac_sha256(&self.key, value.trim().to_lowercase().as_bytes());
        let hex: String = h[..8].iter().map(|b| format!("{b:02x}")).collect();
        match value.trim().rsplit_once('@') {
            Some((local, domain)) if !local.is_empty() && domain.contains('.') => format!("u-{hex}@{domain}"),
            _ => format!("person-{hex}"),
        }
    }

    /// Replaces every personal value (whole words) and every mail-address-like word in `s`.
    pub fn text(&self, s: &str) -> String {
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        if let Some(m) = &self.matcher {
            for hit in m.find_iter(s) {
                let before = s[..hit.start()].chars().next_back();
                let after = s[hit.end()..].chars().next();
                if before.is_some_and(is_word) || after.is_some_and(is_word) {
                    continue;
                }
                out.push_str(&s[last..hit.start()]);
                out.push_str(&self.token(&self.values[hit.pattern().as_usize()]));
                last = hit.end();
            }
        }
        out.push_str(&s[last..]);
        self.addresses(&out)
    }

    /// Replaces the local part of anything shaped like `local@domain.tld` not yet tokenised.
    fn addresses(&self, s: &str) -> String {
        if !s.contains('@') {
            return s.to_string();
        }
        let b = s.as_bytes();
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        let local_ch = |c: u8| c.is_ascii_alphanumeric() || b"._%+-'!#$&*=?^`{|}~".contains(&c) || c >= 0x80;
        for (at, _) in s.match_indices('@') {
            if at < last {
                continue;
            }
            let mut start = at;
            while start > last && local_ch(b[start - 1]) {
                start -= 1;
            }
            while start < at && !s.is_char_boundary(start) {
                start += 1;
            }
            // Quoting around an address is not part of it: "`ann@x.com`" keeps its opening backtick (and a
            // token written there by `text` is recognised as one, not tokenised a second time).
            start = at - s[start..at].trim_start_matches(OPENING_QUOTES).len();
            let mut end = at + 1;
            while end < b.len() && (b[end].is_ascii_alphanumeric() || b[end] == b'.' || b[end] == b'-') {
                end += 1;
            }
            let domain = s[at + 1..end].trim_end_matches('.');
            let local = &s[start..at];
            if local.is_empty() || !domain.contains('.') || is_token_local(local) {
                continue;
            }
            out.push_str(&s[last..start]);
            out.push_str(&self.token(&format!("{local}@{domain}")));
            last = at + 1 + domain.len();
        }
        out.push_str(&s[last..]);
        out
    }

    fn value(&self, v: &mut Value) {
        match v {
            Value::String(s) => *s = self.text(s),
            Value::Array(a) => a.iter_mut().for_each(|x| self.value(x)),
            Value::Object(o) => o.values_mut().for_each(|x| self.value(x)),
            _ => {}
        }
    }

    /// Pseudonymizes the findings and the parts of the ingest result that reports print.
    pub fn apply(&self, findings: &mut [Finding], ingested: &mut Ingested) {
        for f in findings.iter_mut() {
            f.title = self.text(&f.title);
            f.remediation = self.text(&f.remediation);
            for s in &mut f.subjects {
                if s.kind == "file" {
                    continue;
                }
                s.display = self.text(&s.display);
                if s.id.contains('@') {
                    s.id = self.text(&s.id);
                }
            }
            f.evidence.update(|facts| {
                for v in facts.values_mut() {
                    self.value(v);
                }
            });
        }
        for r in &mut ingested.inputs {
            for i in &mut r.issues {
                i.message = self.text(&i.message);
            }
            match &mut r.status {
                Status::Skipped(why) => *why = self.text(why),
                Status::Failed(e) => e.reason = self.text(&e.reason),
                Status::Read => {}
            }
        }
        for i in &mut ingested.issues {
            i.message = self.text(&i.message);
        }
        for s in &mut ingested.estate.subscriptions {
            s.display_name = s.display_name.as_deref().map(|d| self.text(d));
            s.user_name = s.user_name.as_deref().map(|d| self.text(d));
        }
    }
}

/// Characters that open a quotation around a value in report text (`` ` ``, `'`, `{`, `|` and typographic
/// quotes); an address-like word never starts with them.
const OPENING_QUOTES: &[char] =
    &['`', '\'', '{', '|', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{00AB}', '\u{2039}', '\u{201E}'];

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `u-` followed by 16 hex digits: a token this module made.
fn is_token_local(local: &str) -> bool {
    local.len() == 18 && local.starts_with("u-") && local[2..].bytes().all(|c| c.is_ascii_hexdigit())
}

/// `SMTP:a@b` → `a@b`.
fn strip_prefix(p: &str) -> &str {
    match p.split_once(':') {
        Some((pre, rest)) if !pre.is_empty() && pre.len() <= 6 && pre.bytes().all(|c| c.is_ascii_alphanumeric()) => {
            rest
        }
        _ => p,
    }
}

fn random_key() -> [u8; 32] {
    use std::hash::{BuildHasher, Hasher};
    let mut h = Sha256::new();
    for i in 0..4u64 {
        let mut x = std::collections::hash_map::RandomState::new().build_hasher();
        x.write_u64(i);
        h.update(x.finish().to_le_bytes());
    }
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    h.update(t.to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AdObject, CloudObject};

    fn ingested() -> Ingested {
        let mut ing = Ingested::default();
        ing.estate.ad_objects.push(AdObject {
            display_name: Some("Ann Lee".into()),
            upn: Some("ann.lee@contoso.com".into()),
            sam_account_name: Some("annlee".into()),
            proxy_addresses: vec!["SMTP:ann@contoso.com".into()].into(),
            ..Default::default()
        });
        ing.estate.cloud_objects.push(CloudObject { display_name: Some("Bo".into()), ..Default::default() });
        ing
    }

    #[test]
    fn hmac_matches_rfc4231_case_2_shape() {
        // RFC 4231 test case 2 uses a 4-byte key; ours is zero-padded to 32 bytes, which HMAC pads to 64 anyway.
        let mut key = [0u8; 32];
        key[..4].copy_from_slice(b"Jefe");
        let mac = hmac_sha256(&key, b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn replaces_names_and_addresses_consistently() {
        let p = Pseudonymizer::new([7; 32], &ingested());
        let t = p.text("Ann Lee (ann.lee@contoso.com, ANN.LEE@contoso.com) and annlee; Annual report; x@fabrikam.com");
        assert!(!t.to_lowercase().contains("ann.lee@"), "{t}");
        assert!(!t.contains("Ann Lee") && !t.contains("annlee;"), "{t}");
        assert!(t.contains("Annual report"), "whole words only: {t}");
        assert!(!t.contains("x@fabrikam.com") && t.contains("@fabrikam.com"), "{t}");
        let upn = p.token("ann.lee@contoso.com");
        assert!(upn.starts_with("u-") && upn.ends_with("@contoso.com"));
        assert_eq!(t.matches(&upn).count(), 2, "case-insensitive: same token: {t}");
        assert_eq!(p.text(&t), t, "tokens are not tokenised again");
        assert_eq!(p.text("Bo"), "Bo", "too short to replace safely");
        let q = Pseudonymizer::new([8; 32], &ingested());
        assert_ne!(q.token("Ann Lee"), p.token("Ann Lee"), "keyed");
    }

    #[test]
    fn quoting_around_a_value_is_kept() {
        let p = Pseudonymizer::new([7; 32], &ingested());
        let known = p.token("ann.lee@contoso.com");
        let other = p.token("r&d.lab@contoso.com");
        // A known value (replaced by the matcher) and an unknown address (replaced by its shape), each quoted.
        for (text, token) in [
            ("UPN `ann.lee@contoso.com` of `Ann Lee`", known.as_str()),
            ("UPN `r&d.lab@contoso.com` of Ann Lee", other.as_str()),
            ("'r&d.lab@contoso.com' and {r&d.lab@contoso.com} and \u{2018}r&d.lab@contoso.com\u{2019}", other.as_str()),
        ] {
            let t = p.text(text);
            assert_eq!(t.matches('`').count(), text.matches('`').count(), "backticks kept: {t}");
            assert!(t.contains(token), "the same token as the bare value: {t}");
            assert!(!t.contains("r&d.lab") && !t.contains("ann.lee") && !t.contains("Ann Lee"), "{t}");
        }
        assert_eq!(p.text("UPN `ann.lee@contoso.com` of"), format!("UPN `{known}` of"));
        assert_eq!(p.text("'r&d.lab@contoso.com' and {r&d.lab@contoso.com}"), format!("'{other}' and {{{other}}}"));
        // An apostrophe inside the local part is part of the address.
        assert_eq!(p.text("`o'neil@contoso.com`"), format!("`{}`", p.token("o'neil@contoso.com")));
    }
}
