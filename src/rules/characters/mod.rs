//! Family `characters` (CH…, category `bad-characters`): values of AD objects that would synchronise
//! and that Entra ID rejects, rewrites or accepts only with a fallback — every attribute of
//! Microsoft's attribute-requirements table (prepare-for-directory-synchronization; identity-facts
//! §2 "Bad characters and attribute limits"; idfix.md §10), plus what IdFix never checked (idfix.md §8):
//! blank UPN, the 64/48 split, the leading `#`, verified / routable UPN suffixes, non-ASCII with a
//! transliteration, mixed-script confusables, exactly one primary SMTP, mail = primary SMTP.
//!
//! Every finding carries `attribute`, `value`, what failed (`invalid_characters`, `problems`,
//! `limit`...), and `proposed_value` + `action` (`EDIT`/`REMOVE`). The proposed value of an address
//! is the whole attribute fixed at once (`Fixer`, in `address.rs`), so several findings on one
//! attribute agree.
//!
//! Characters outside ASCII are reported only by CH014/CH015 (never twice by the per-attribute rules).
//! Scope: [`super::sync_scope::Scope`]. Linear: one parallel pass over the AD objects; the per-forest
//! and per-file facts (target tenants, domains, which columns a file carried) are computed once.
//!
//! What lives where:
//! - `mod.rs` (here): the entry point [`run`], the family's parameters, the per-run context `Cx`
//!   (subjects, suffix problems, typos, how findings are pushed) and [`routability`];
//! - `upn.rs`: the userPrincipalName checks (CH001–CH006);
//! - `attributes.rs`: sAMAccountName, displayName, name lengths, mail, mailNickname, proxyAddresses
//!   and targetAddress (CH007–CH013);
//! - `unicode.rs`: non-ASCII values and mixed-script confusables (CH014–CH016), [`translit_compact`];
//! - `address.rs`: the ASCII check of an address and the `Fixer` that proposes a whole fixed value;
//! - `tests.rs`: unit tests.

mod address;
mod attributes;
#[cfg(test)]
mod tests;
mod unicode;
mod upn;

use address::{AddrCheck, Fixer, check_address};
pub use unicode::translit_compact;

use super::params::RuleParams;
use super::params::types::lower;
use super::sync_scope::TenantDomains;
use super::{Context, ad_subject, cloud_subject, evidence, finding};
use crate::findings::Finding;
use crate::hash::FastMap as HashMap;
use crate::model::text::TrimFast as _;
use crate::model::{AdClass, AdObject, Estate, TenantIdx};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use unicode_script::{Script, UnicodeScript};

/// The family entry point.
pub fn run(ctx: &Context<'_>) -> Vec<Finding> {
    let cx = Cx::new(ctx);
    let in_scope = ctx.in_sync_scope();
    let mut out: Vec<Finding> = ctx
        .estate()
        .ad_objects
        .par_iter()
        .enumerate()
        .filter(|(i, _)| in_scope[*i])
        .flat_map_iter(|(i, o)| cx.check(i as u32, o))
        .collect();
    out.sort_by_cached_key(|f| (f.rule.clone(), f.subjects[0].id.clone(), f.discriminator.clone()));
    out
}

/// A set of characters from a parameter: ASCII ones looked up in a bit set (every character of every
/// checked value is tested against one), the others in the text. Reads as the parameter's text.
struct Chars {
    text: String,
    ascii: u128,
    /// Per byte, what [`address::check_address`] needs to know of it, looked up once for each byte
    /// of every address: [`address::NOT_IN_ADDRESS`] — a byte of the set, an ASCII control character
    /// or space (U+0000–U+0020, U+007F), or any byte of a non-ASCII character (those are CH014's) —
    /// and [`address::PLAIN`], an ASCII letter or digit not in the set.
    address_class: [u8; 256],
}

impl Chars {
    fn new(text: &str) -> Self {
        let ascii = text.chars().filter(char::is_ascii).fold(0u128, |bits, c| bits | 1 << (c as u32));
        let address_class = std::array::from_fn(|b| {
            let bad = b >= 128 || b <= 32 || b == 127 || ascii >> b & 1 == 1;
            if bad {
                address::NOT_IN_ADDRESS
            } else if (b as u8).is_ascii_alphanumeric() {
                address::PLAIN
            } else {
                0
            }
        });
        Chars { text: text.to_string(), ascii, address_class }
    }
    /// Whether `c` is in the set.
    fn contains(&self, c: char) -> bool {
        if c.is_ascii() { self.ascii >> (c as u32) & 1 == 1 } else { self.text.contains(c) }
    }
}

impl std::ops::Deref for Chars {
    type Target = str;
    fn deref(&self) -> &str {
        &self.text
    }
}

/// Parameters of the family, taken once from the run's typed parameters ([`RuleParams`]).
struct Params {
    upn_allowed: Chars,
    upn_documented_invalid: Chars,
    upn_bad_endings: Chars,
    upn_bad_leading: Chars,
    upn_max: usize,
    upn_max_user: usize,
    upn_max_domain: usize,
    proxy_max: usize,
    proxy_smtp_invalid: Chars,
    proxy_other_invalid: Chars,
    proxy_control_only_types: Vec<String>,
    target_max: usize,
    target_invalid: Chars,
    mail_max: usize,
    mail_invalid: Chars,
    nick_max: usize,
    nick_allowed: Chars,
    sam_max_user: usize,
    sam_max_other: usize,
    sam_invalid: Chars,
    name_limits: Vec<(String, usize)>,
    confusable_scripts: Vec<Script>,
}

impl Params {
    fn new(p: &RuleParams) -> Self {
        let limits = &p.ch013.limits;
        Params {
            upn_allowed: Chars::new(&p.ch002.allowed_punctuation),
            upn_documented_invalid: Chars::new(&p.ch002.documented_invalid),
            upn_bad_endings: Chars::new(&p.ch003.username_bad_endings),
            upn_bad_leading: Chars::new(&p.ch003.username_bad_leading),
            upn_max: p.ch004.max_length,
            upn_max_user: p.ch004.max_username,
            upn_max_domain: p.ch004.max_domain,
            proxy_max: p.ch007.max_length,
            proxy_smtp_invalid: Chars::new(&p.ch007.smtp_invalid),
            proxy_other_invalid: Chars::new(&p.ch007.other_invalid),
            proxy_control_only_types: lower(&p.ch007.control_characters_only_types),
            target_max: p.ch008.max_length,
            target_invalid: Chars::new(&p.ch008.invalid),
            mail_max: p.ch009.max_length,
            mail_invalid: Chars::new(&p.ch009.invalid),
            nick_max: p.ch010.max_length,
            nick_allowed: Chars::new(&p.ch010.allowed_punctuation),
            sam_max_user: p.ch011.max_length_user,
            sam_max_other: p.ch011.max_length_other,
            sam_invalid: Chars::new(&p.ch011.invalid),
            name_limits: vec![
                ("displayName".to_string(), limits.display_name),
                ("givenName".to_string(), limits.given_name),
                ("sn".to_string(), limits.sn),
            ],
            confusable_scripts: p.ch016.scripts.iter().map(|s| s.0).collect(),
        }
    }
}

/// Everything computed once per run.
struct Cx<'a> {
    ctx: &'a Context<'a>,
    p: Params,
    /// Per tenant.
    domains: Vec<TenantDomains>,
    /// Per forest: the suffix to propose instead of an unusable one.
    suggested_suffix: Vec<Option<String>>,
    /// Per source file: whether any object of the file carries a displayName / a UPN (else the
    /// export did not include the column and blank checks would be guesses).
    file_has_display: Vec<bool>,
    file_has_upn: Vec<bool>,
    /// Routability of every UPN suffix seen (lower case), computed once per distinct suffix.
    routable: HashMap<String, Result<(), String>>,
    /// Top-level domains a misspelt one is compared with (CH006 `typo_tlds`, in order of preference).
    typo_tlds: Vec<String>,
    /// Whether plain UPNs are settled by [`Cx::plain_upn`] before the checks (off only in the test
    /// that compares both ways).
    plain_upns: bool,
}

fn domain_of(upn: &str) -> Option<&str> {
    upn.rsplit_once('@').map(|(_, d)| d)
}

impl<'a> Cx<'a> {
    fn new(ctx: &'a Context<'a>) -> Self {
        let e = ctx.estate();
        let targets = ctx.targets();
        let domains = TenantDomains::of_estate(e);
        let nfiles = ctx.ingested.sources.len();
        let mut file_has_display = vec![false; nfiles];
        let mut file_has_upn = vec![false; nfiles];
        // UPN suffixes counted as written (borrowed: no lower-cased copy per object), then merged
        // case-insensitively: an estate has a handful of suffixes and up to millions of UPNs.
        let mut as_written: Vec<HashMap<&str, usize>> = vec![HashMap::default(); e.forests.len()];
        for o in &e.ad_objects {
            let f = o.source.file.0 as usize;
            if f < nfiles {
                file_has_display[f] |= o.display_name.is_some();
                file_has_upn[f] |= o.upn.is_some();
            }
            if let Some(d) = o.upn.as_deref().and_then(domain_of)
                && let Some(m) = as_written.get_mut(o.forest as usize)
            {
                *m.entry(d).or_default() += 1;
            }
        }
        let suffix_counts: Vec<HashMap<String, usize>> = as_written
            .into_iter()
            .map(|m| {
                let mut counts: HashMap<String, usize> = HashMap::default();
                for (d, n) in m {
                    *counts.entry(d.to_lowercase()).or_default() += n;
                }
                counts
            })
            .collect();
        let mut routable: HashMap<String, Result<(), String>> = HashMap::default();
        for counts in &suffix_counts {
            for d in counts.keys() {
                if !routable.contains_key(d) {
                    let r = routability(d.trim_end_matches('.'));
                    routable.insert(d.clone(), r);
                }
            }
        }
        let suggested_suffix = suffix_counts
            .into_iter()
            .enumerate()
            .map(|(f, counts)| {
                let tenants = &targets.forests[f].primary;
                let usable = |d: &str| {
                    routable.get(d).is_some_and(|r| r.is_ok())
                        && tenants.iter().all(|&t| {
                            let td = &domains[t as usize];
                            !td.known || td.verified.contains(d)
                        })
                };
                let mut best: Vec<(&String, &usize)> = counts.iter().filter(|(d, _)| usable(d)).collect();
                best.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
                best.first().map(|(d, _)| d.to_string()).or_else(|| {
                    tenants.iter().find_map(|&t| domains[t as usize].default.clone()).filter(|d| routability(d).is_ok())
                })
            })
            .collect();
        Cx {
            ctx,
            p: Params::new(ctx.params()),
            domains,
            suggested_suffix,
            file_has_display,
            file_has_upn,
            routable,
            typo_tlds: lower(&ctx.params().ch006.typo_tlds),
            plain_upns: true,
        }
    }

    fn estate(&self) -> &Estate {
        self.ctx.estate()
    }

    /// Subjects: the AD object, then its cloud twins (hard-linked by anchor).
    fn subjects(&self, i: u32, o: &AdObject) -> Vec<crate::findings::Subject> {
        let mut s = vec![ad_subject(o)];
        let mut twins: Vec<u32> = self.ctx.graph.anchored_cloud_objects(i).map(|(c, _)| c).collect();
        twins.sort_unstable();
        twins.dedup();
        for c in twins {
            s.push(cloud_subject(self.estate(), &self.estate().cloud_objects[c as usize]));
        }
        s
    }

    fn fixer(&self, o: &AdObject, replace_suffix: bool) -> Fixer<'_> {
        Fixer {
            p: &self.p,
            suffix: if replace_suffix { self.suggested_suffix.get(o.forest as usize).cloned().flatten() } else { None },
        }
    }

    /// Whether the UPN suffix must be replaced (not routable, or not verified in a known target tenant).
    fn suffix_problem(&self, i: u32, domain: &str) -> Option<SuffixProblem> {
        // Lower-cased copies only when needed (called for every UPN).
        let lower = crate::graph::key_index::lower;
        let d = lower(domain.trim_end_matches('.'));
        if d.is_empty() {
            return None; // reported by CH003
        }
        let r = match self.routable.get(&*lower(domain)) {
            Some(r) => r.clone(),
            None => routability(&d),
        };
        if let Err(reason) = r {
            return Some(SuffixProblem::NotRoutable(reason));
        }
        let (tenants, _) = self.ctx.targets().of_object(self.estate(), i);
        let missing: Vec<TenantIdx> = tenants
            .iter()
            .copied()
            .filter(|&t| {
                let td = &self.domains[t as usize];
                td.known && !td.verified.contains(&*d)
            })
            .collect();
        (!missing.is_empty()).then_some(SuffixProblem::NotVerified(missing))
    }

    /// The typo a UPN suffix is, judged against the object's target tenants' verified domains
    /// ([`super::typos`]).
    fn typo_of(&self, i: u32, domain: &str) -> Option<super::typos::Typo> {
        let (tenants, _) = self.ctx.targets().of_object(self.estate(), i);
        let mut verified: Vec<&str> =
            tenants.iter().flat_map(|&t| self.domains[t as usize].verified.iter().map(String::as_str)).collect();
        verified.sort_unstable();
        super::typos::suffix_typo(domain, &verified, &self.typo_tlds)
    }

    fn check(&self, i: u32, o: &AdObject) -> Vec<Finding> {
        let mut out = Vec::new();
        let is_user = matches!(o.class, AdClass::User | AdClass::InetOrgPerson);
        if is_user {
            self.check_upn(i, o, &mut out);
        }
        self.check_sam(i, o, &mut out);
        self.check_display_name(i, o, &mut out);
        self.check_name_lengths(i, o, &mut out);
        self.check_mail(i, o, &mut out);
        self.check_nickname(i, o, &mut out);
        self.check_proxies(i, o, &mut out);
        self.check_target(i, o, &mut out);
        // CH014–CH016 look only at values with characters outside ASCII: most objects have none.
        if unicode::any_non_ascii(o) {
            self.check_non_ascii(i, o, &mut out);
            self.check_mixed_script(i, o, &mut out);
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn push(
        &self,
        out: &mut Vec<Finding>,
        code: &str,
        i: u32,
        o: &AdObject,
        title: String,
        ev: std::collections::BTreeMap<String, Value>,
        disc: &str,
    ) {
        out.push(finding(code, title, self.subjects(i, o), ev, disc));
    }

    /// [`Cx::push`] for a rule whose remediation depends on the case.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn push_case(
        &self,
        out: &mut Vec<Finding>,
        code: &str,
        case: &str,
        i: u32,
        o: &AdObject,
        title: String,
        ev: std::collections::BTreeMap<String, Value>,
        disc: &str,
    ) {
        out.push(super::finding_case(code, case, title, self.subjects(i, o), ev, disc));
    }
}

enum SuffixProblem {
    NotRoutable(String),
    NotVerified(Vec<TenantIdx>),
}

/// Which suffix problem a typo was found on.
enum SuffixKind {
    NotRoutable,
    NotVerified,
}

/// Whether a UPN suffix can be verified in a tenant: at least two labels, a public suffix known to the
/// Public Suffix List, and a registrable name below it. `Err` carries the reason.
pub fn routability(domain: &str) -> Result<(), String> {
    let d = domain.trim_fast().to_lowercase();
    if d.is_empty() {
        return Err("empty".into());
    }
    if !d.contains('.') {
        return Err("single-label name".into());
    }
    let Some(sfx) = psl::suffix(d.as_bytes()) else { return Err("not a domain name".into()) };
    if !sfx.is_known() {
        let tld = d.rsplit('.').next().unwrap_or("");
        return Err(format!("`.{tld}` is not a public top-level domain (Public Suffix List)"));
    }
    if psl::domain(d.as_bytes()).is_none() {
        return Err(format!("`{d}` is itself a public suffix"));
    }
    Ok(())
}
