//! Family `characters` (CH…, category `bad-characters`): values of AD objects that would synchronise
//! and that Entra ID rejects, rewrites or accepts only with a fallback — every attribute of
//! Microsoft's attribute-requirements table (prepare-for-directory-synchronization; identity-facts
//! §2 "Bad characters and attribute limits"; idfix.md §10), plus what IdFix never checked (idfix.md §8):
//! blank UPN, the 64/48 split, the leading `#`, verified / routable UPN suffixes, non-ASCII with a
//! transliteration, mixed-script confusables, exactly one primary SMTP, mail = primary SMTP.
//!
//! Every finding carries `attribute`, `value`, what failed (`invalid_characters`, `problems`,
//! `limit`...), and `proposed_value` + `action` (`EDIT`/`REMOVE`). The proposed value of an address
//! is the whole attribute fixed at once ([`Fixer`]), so several findings on one attribute agree.
//!
//! Characters outside ASCII are reported only by CH014/CH015 (never twice by the per-attribute rules).
//! Scope: [`super::sync_scope::Scope`]. Linear: one parallel pass over the AD objects; the per-forest
//! and per-file facts (target tenants, domains, which columns a file carried) are computed once.

use super::params::RuleParams;
use super::params::types::lower;
use super::sync_scope::TenantDomains;
use super::{Context, ad_subject, cloud_subject, evidence, finding};
use crate::findings::Finding;
use crate::model::{AdClass, AdObject, Estate, TenantIdx};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
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

/// Parameters of the family, taken once from the run's typed parameters ([`RuleParams`]).
struct Params {
    upn_allowed: String,
    upn_documented_invalid: String,
    upn_bad_endings: String,
    upn_bad_leading: String,
    upn_max: usize,
    upn_max_user: usize,
    upn_max_domain: usize,
    proxy_max: usize,
    proxy_smtp_invalid: String,
    proxy_other_invalid: String,
    proxy_control_only_types: Vec<String>,
    target_max: usize,
    target_invalid: String,
    mail_max: usize,
    mail_invalid: String,
    nick_max: usize,
    nick_allowed: String,
    sam_max_user: usize,
    sam_max_other: usize,
    sam_invalid: String,
    name_limits: Vec<(String, usize)>,
    confusable_scripts: Vec<Script>,
}

impl Params {
    fn new(p: &RuleParams) -> Self {
        let limits = &p.ch013.limits;
        Params {
            upn_allowed: p.ch002.allowed_punctuation.clone(),
            upn_documented_invalid: p.ch002.documented_invalid.clone(),
            upn_bad_endings: p.ch003.username_bad_endings.clone(),
            upn_bad_leading: p.ch003.username_bad_leading.clone(),
            upn_max: p.ch004.max_length,
            upn_max_user: p.ch004.max_username,
            upn_max_domain: p.ch004.max_domain,
            proxy_max: p.ch007.max_length,
            proxy_smtp_invalid: p.ch007.smtp_invalid.clone(),
            proxy_other_invalid: p.ch007.other_invalid.clone(),
            proxy_control_only_types: lower(&p.ch007.control_characters_only_types),
            target_max: p.ch008.max_length,
            target_invalid: p.ch008.invalid.clone(),
            mail_max: p.ch009.max_length,
            mail_invalid: p.ch009.invalid.clone(),
            nick_max: p.ch010.max_length,
            nick_allowed: p.ch010.allowed_punctuation.clone(),
            sam_max_user: p.ch011.max_length_user,
            sam_max_other: p.ch011.max_length_other,
            sam_invalid: p.ch011.invalid.clone(),
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
        let mut suffix_counts: Vec<HashMap<String, usize>> = vec![HashMap::new(); e.forests.len()];
        for o in &e.ad_objects {
            let f = o.source.file.0 as usize;
            if f < nfiles {
                file_has_display[f] |= o.display_name.is_some();
                file_has_upn[f] |= o.upn.is_some();
            }
            if let Some(d) = o.upn.as_deref().and_then(domain_of)
                && let Some(m) = suffix_counts.get_mut(o.forest as usize)
            {
                *m.entry(d.to_lowercase()).or_default() += 1;
            }
        }
        let mut routable: HashMap<String, Result<(), String>> = HashMap::new();
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
        let d = domain.trim_end_matches('.').to_lowercase();
        if d.is_empty() {
            return None; // reported by CH003
        }
        let r = match self.routable.get(domain.to_lowercase().as_str()) {
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
                td.known && !td.verified.contains(&d)
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
        self.check_non_ascii(i, o, &mut out);
        self.check_mixed_script(i, o, &mut out);
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
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
    fn push_case(
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

    fn check_upn(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let label = o.name();
        let upn = match o.upn.as_deref() {
            Some(u) if !u.trim().is_empty() => u,
            _ => {
                if self.file_has_upn.get(o.source.file.0 as usize).copied().unwrap_or(false) {
                    let sam = o.sam_account_name.as_deref().unwrap_or("");
                    let proposed = self.suggested_suffix[o.forest as usize]
                        .as_ref()
                        .filter(|_| !sam.is_empty())
                        .map(|d| format!("{}@{d}", self.fixer(o, false).upn_local(sam)));
                    let ev = evidence([
                        ("attribute", json!("userPrincipalName")),
                        ("value", json!(o.upn)),
                        ("sam_account_name", json!(o.sam_account_name)),
                        ("proposed_value", json!(proposed)),
                        ("action", json!("EDIT")),
                    ]);
                    self.push(
                        out,
                        "CH001",
                        i,
                        o,
                        format!("User {label} has no userPrincipalName"),
                        ev,
                        "userPrincipalName",
                    );
                }
                return;
            }
        };
        let (local, domain) = match upn.rsplit_once('@') {
            Some((l, d)) => (l, Some(d)),
            None => (upn, None),
        };
        let suffix_problem = domain.and_then(|d| self.suffix_problem(i, d));
        let sp = suffix_problem.is_some();
        // A misspelt suffix is corrected, not replaced by the forest's usual one.
        let typo = if sp { domain.and_then(|d| self.typo_of(i, d)) } else { None };
        let fixed = || {
            let mut f = self.fixer(o, sp);
            if let Some(t) = &typo {
                f.suffix = Some(t.corrected.clone());
            }
            f.upn(upn)
        };

        // CH002: ASCII characters outside the allowed set (non-ASCII: CH014).
        let mut bad: BTreeSet<char> = BTreeSet::new();
        for c in local.chars().chain(domain.unwrap_or("").chars()) {
            if c.is_ascii() && !c.is_ascii_alphanumeric() && !self.p.upn_allowed.contains(c) {
                bad.insert(c);
            }
        }
        if let Some(d) = domain {
            // '@' inside the username is a format problem (CH003); in the domain only letters, digits, '.', '-'.
            bad.retain(|c| *c != '@' || d.contains('@'));
        }
        bad.remove(&'@');
        if !bad.is_empty() {
            let documented: Vec<String> =
                bad.iter().filter(|c| self.p.upn_documented_invalid.contains(**c)).map(|c| c.to_string()).collect();
            let ev = evidence([
                ("attribute", json!("userPrincipalName")),
                ("value", json!(upn)),
                ("invalid_characters", json!(bad.iter().map(|c| c.to_string()).collect::<Vec<_>>())),
                ("documented_invalid", json!(documented)),
                ("proposed_value", json!(fixed())),
                ("action", json!("EDIT")),
            ]);
            let shown: String = bad
                .iter()
                .map(|c| if *c == ' ' { "space".to_string() } else { format!("`{c}`") })
                .collect::<Vec<_>>()
                .join(", ");
            self.push(
                out,
                "CH002",
                i,
                o,
                format!("UPN `{upn}` of {label} contains characters Entra ID rejects ({shown})"),
                ev,
                "userPrincipalName",
            );
        }

        // CH003: format.
        let mut problems: Vec<String> = Vec::new();
        let ats = upn.matches('@').count();
        if ats == 0 {
            problems.push("no `@`".into());
        } else if ats > 1 {
            problems.push(format!("{ats} `@` (exactly one is allowed)"));
        }
        if upn.starts_with('@') {
            problems.push("begins with `@` (no username)".into());
        }
        let user = if ats > 1 { upn.split('@').next().unwrap_or("") } else { local };
        if let Some(c) = user.chars().last().filter(|c| self.p.upn_bad_endings.contains(*c)) {
            problems.push(format!("username ends with `{c}`"));
        }
        if let Some(c) = user.chars().next().filter(|c| self.p.upn_bad_leading.contains(*c)) {
            problems.push(format!("username begins with `{c}`"));
        }
        if user.contains("..") {
            problems.push("username contains `..`".into());
        }
        if let Some(d) = domain {
            if d.is_empty() {
                problems.push("empty domain after `@`".into());
            } else if d.starts_with('.') || d.ends_with('.') || d.contains("..") {
                problems.push(format!("malformed domain `{d}`"));
            }
        }
        if !problems.is_empty() {
            let ev = evidence([
                ("attribute", json!("userPrincipalName")),
                ("value", json!(upn)),
                ("problems", json!(problems)),
                ("proposed_value", json!(fixed())),
                ("action", json!("EDIT")),
            ]);
            self.push(
                out,
                "CH003",
                i,
                o,
                format!("UPN `{upn}` of {label} is malformed: {}", problems.join("; ")),
                ev,
                "userPrincipalName",
            );
        }

        // CH004: lengths.
        let (n, nu, nd) = (upn.chars().count(), local.chars().count(), domain.map(|d| d.chars().count()).unwrap_or(0));
        let mut over = Vec::new();
        if n > self.p.upn_max {
            over.push(json!({"part": "whole", "limit": self.p.upn_max, "length": n}));
        }
        if nu > self.p.upn_max_user {
            over.push(json!({"part": "before @", "limit": self.p.upn_max_user, "length": nu}));
        }
        if nd > self.p.upn_max_domain {
            over.push(json!({"part": "after @", "limit": self.p.upn_max_domain, "length": nd}));
        }
        if !over.is_empty() {
            let ev = evidence([
                ("attribute", json!("userPrincipalName")),
                ("value", json!(upn)),
                ("limits_exceeded", json!(over)),
                ("proposed_value", json!(fixed())),
                ("action", json!("EDIT")),
            ]);
            self.push(
                out,
                "CH004",
                i,
                o,
                format!("UPN of {label} is too long ({n} characters)"),
                ev,
                "userPrincipalName",
            );
        }

        // CH005 / CH006: the suffix.
        if let (Some(d), Some(problem)) = (domain, suffix_problem) {
            let problem_kind = if matches!(problem, SuffixProblem::NotRoutable(_)) {
                SuffixKind::NotRoutable
            } else {
                SuffixKind::NotVerified
            };
            let (tenants, basis) = self.ctx.targets().of_object(self.estate(), i);
            let names = |ts: &[TenantIdx]| -> Vec<String> {
                ts.iter().map(|&t| self.estate().tenants[t as usize].name.clone()).collect()
            };
            match (problem, typo.as_ref()) {
                (_, Some(typo)) => {
                    // A typo: correct it (CH006 when the suffix cannot be routed at all, else CH005).
                    let code = if matches!(problem_kind, SuffixKind::NotRoutable) { "CH006" } else { "CH005" };
                    let ev = evidence([
                        ("attribute", json!("userPrincipalName")),
                        ("value", json!(upn)),
                        ("suffix", json!(d)),
                        ("typo", json!(true)),
                        ("corrected_suffix", json!(typo.corrected)),
                        ("reason", json!(typo.reason)),
                        ("target_tenants", json!(names(tenants))),
                        ("target_basis", json!(basis.as_str())),
                        ("proposed_value", json!(fixed())),
                        ("action", json!("EDIT")),
                    ]);
                    self.push_case(
                        out,
                        code,
                        "typo",
                        i,
                        o,
                        format!("UPN suffix `{d}` of {label} is a typo of `{}` ({})", typo.corrected, typo.reason),
                        ev,
                        &format!("userPrincipalName:{}", d.to_lowercase()),
                    );
                }
                (SuffixProblem::NotRoutable(reason), None) => {
                    let ev = evidence([
                        ("attribute", json!("userPrincipalName")),
                        ("value", json!(upn)),
                        ("suffix", json!(d)),
                        ("reason", json!(reason)),
                        ("target_tenants", json!(names(tenants))),
                        ("proposed_value", json!(fixed())),
                        ("action", json!("EDIT")),
                    ]);
                    self.push_case(
                        out,
                        "CH006",
                        "not_routable",
                        i,
                        o,
                        format!("UPN suffix `{d}` of {label} is not routable ({reason})"),
                        ev,
                        &format!("userPrincipalName:{}", d.to_lowercase()),
                    );
                }
                (SuffixProblem::NotVerified(missing), None) => {
                    let dl = d.to_lowercase();
                    let registered: Vec<String> = missing
                        .iter()
                        .filter(|&&t| self.domains[t as usize].unverified.contains(&dl))
                        .map(|&t| self.estate().tenants[t as usize].name.clone())
                        .collect();
                    let parent = missing.iter().find_map(|&t| self.domains[t as usize].verified_parent(&dl));
                    let ev = evidence([
                        ("attribute", json!("userPrincipalName")),
                        ("value", json!(upn)),
                        ("suffix", json!(d)),
                        ("tenants_without_it", json!(names(&missing))),
                        ("target_basis", json!(basis.as_str())),
                        ("registered_unverified_in", json!(registered)),
                        ("verified_parent_domain", json!(parent)),
                        ("alternative", json!(format!("verify {dl} in {}", names(&missing).join(", ")))),
                        ("proposed_value", json!(fixed())),
                        ("action", json!("EDIT")),
                    ]);
                    self.push_case(
                        out,
                        "CH005",
                        "not_verified",
                        i,
                        o,
                        format!(
                            "UPN suffix `{d}` of {label} is not a verified domain of {}",
                            names(&missing).join(", ")
                        ),
                        ev,
                        &format!("userPrincipalName:{dl}"),
                    );
                }
            }
        }
    }

    fn check_sam(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let Some(sam) = o.sam_account_name.as_deref() else { return };
        let is_user = matches!(o.class, AdClass::User | AdClass::InetOrgPerson);
        if !is_user && o.class != AdClass::Group {
            return;
        }
        let limit = if is_user { self.p.sam_max_user } else { self.p.sam_max_other };
        let bad: BTreeSet<char> =
            sam.chars().filter(|c| self.p.sam_invalid.contains(*c) || (c.is_ascii_control())).collect();
        let n = sam.chars().count();
        if bad.is_empty() && n <= limit {
            return;
        }
        let mut fixed: String = sam.chars().filter(|c| !bad.contains(c)).collect();
        fixed = fixed.chars().take(limit).collect();
        let mut problems = Vec::new();
        if !bad.is_empty() {
            problems.push(format!(
                "invalid characters {}",
                bad.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(" ")
            ));
        }
        if n > limit {
            problems.push(format!("{n} characters (limit {limit})"));
        }
        let ev = evidence([
            ("attribute", json!("sAMAccountName")),
            ("value", json!(sam)),
            ("invalid_characters", json!(bad.iter().map(|c| c.to_string()).collect::<Vec<_>>())),
            ("limit", json!(limit)),
            ("length", json!(n)),
            ("has_upn", json!(o.upn.as_deref().is_some_and(|u| !u.is_empty()))),
            ("proposed_value", json!(fixed)),
            ("action", json!("EDIT")),
        ]);
        self.push(
            out,
            "CH011",
            i,
            o,
            format!("sAMAccountName `{sam}` of {}: {}", o.label(), problems.join(", ")),
            ev,
            "sAMAccountName",
        );
    }

    fn check_display_name(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        if o.display_name.as_deref().is_some_and(|d| !d.trim().is_empty()) {
            return;
        }
        if !self.file_has_display.get(o.source.file.0 as usize).copied().unwrap_or(false) {
            return; // the export did not carry displayName at all
        }
        let proposed =
            o.cn.as_deref()
                .map(String::from)
                .or_else(|| match (&o.given_name, &o.sn) {
                    (Some(g), Some(s)) => Some(format!("{g} {s}")),
                    _ => None,
                })
                .or_else(|| o.sam_account_name.as_deref().map(String::from));
        let ev = evidence([
            ("attribute", json!("displayName")),
            ("value", json!(o.display_name)),
            ("object_class", json!(o.class.as_str())),
            ("proposed_value", json!(proposed)),
            ("action", json!("EDIT")),
        ]);
        let what = if o.display_name.is_some() { "is blank" } else { "is missing" };
        self.push(
            out,
            "CH012",
            i,
            o,
            format!(
                "displayName of {} {} {what}",
                o.class.as_str(),
                o.cn.as_deref().map(String::from).unwrap_or_else(|| o.label())
            ),
            ev,
            "displayName",
        );
    }

    fn check_name_lengths(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        for (attr, limit) in &self.p.name_limits {
            let v = match attr.as_str() {
                "displayName" => o.display_name.as_deref(),
                "givenName" => o.given_name.as_deref(),
                _ => o.sn.as_deref(),
            };
            let Some(v) = v else { continue };
            let n = v.chars().count();
            if n <= *limit {
                continue;
            }
            let fixed: String = v.chars().take(*limit).collect();
            let ev = evidence([
                ("attribute", json!(attr)),
                ("value", json!(v)),
                ("limit", json!(limit)),
                ("length", json!(n)),
                ("proposed_value", json!(fixed.trim_end())),
                ("action", json!("EDIT")),
            ]);
            self.push(
                out,
                "CH013",
                i,
                o,
                format!("{attr} of {} is {n} characters long (limit {limit})", o.label()),
                ev,
                attr,
            );
        }
    }

    fn check_mail(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let Some(mail) = o.mail.as_deref() else { return };
        let label = o.name();
        let r = check_address(mail, &self.p.mail_invalid, true);
        let n = mail.chars().count();
        if !r.is_clean() || n > self.p.mail_max {
            let fixed = self.fixer(o, false).address(mail, &self.p.mail_invalid);
            let mut problems = r.problems.clone();
            if n > self.p.mail_max {
                problems.push(format!("{n} characters (limit {})", self.p.mail_max));
            }
            let ev = evidence([
                ("attribute", json!("mail")),
                ("value", json!(mail)),
                ("invalid_characters", json!(r.chars())),
                ("problems", json!(problems)),
                ("proposed_value", json!(fixed)),
                ("action", json!("EDIT")),
            ]);
            self.push(
                out,
                "CH009",
                i,
                o,
                format!("mail `{mail}` of {label} is not a valid address: {}", r.summary(&problems)),
                ev,
                "mail",
            );
        }
        // CH018: mail = primary SMTP.
        if let Some(primary) = crate::model::primary_smtp(&o.proxy_addresses)
            && !primary.eq_ignore_ascii_case(mail)
            && primary.to_lowercase() != mail.to_lowercase()
        {
            let ev = evidence([
                ("attribute", json!("mail")),
                ("value", json!(mail)),
                ("primary_smtp", json!(primary)),
                ("proposed_value", json!(primary)),
                ("action", json!("EDIT")),
            ]);
            self.push(
                out,
                "CH018",
                i,
                o,
                format!("mail `{mail}` of {label} differs from its primary SMTP address `{primary}`"),
                ev,
                "mail",
            );
        }
    }

    fn check_nickname(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let Some(nick) = o.mail_nickname.as_deref() else { return };
        let bad: BTreeSet<char> = nick
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_alphanumeric() && !self.p.nick_allowed.contains(*c))
            .collect();
        let mut problems = Vec::new();
        if !bad.is_empty() {
            problems.push(format!(
                "invalid characters {} (synchronised as `_`)",
                bad.iter()
                    .map(|c| if *c == ' ' { "space".to_string() } else { format!("`{c}`") })
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        if nick.starts_with('.') {
            problems.push("begins with `.`".into());
        }
        if nick.len() > 1 && nick.ends_with('.') {
            problems.push("ends with `.`".into());
        }
        if nick.contains("..") {
            problems.push("contains `..`".into());
        }
        let n = nick.chars().count();
        if n > self.p.nick_max {
            problems.push(format!("{n} characters (limit {})", self.p.nick_max));
        }
        if nick.trim().is_empty() {
            problems.push("blank".into());
        }
        if problems.is_empty() {
            return;
        }
        let mut fixed: String = translit_compact(nick).chars().filter(|c| !bad.contains(c)).collect();
        while fixed.contains("..") {
            fixed = fixed.replace("..", ".");
        }
        let fixed: String = fixed.trim_matches('.').chars().take(self.p.nick_max).collect();
        let ev = evidence([
            ("attribute", json!("mailNickname")),
            ("value", json!(nick)),
            ("invalid_characters", json!(bad.iter().map(|c| c.to_string()).collect::<Vec<_>>())),
            ("problems", json!(problems)),
            ("proposed_value", json!(fixed)),
            ("action", json!("EDIT")),
        ]);
        self.push(
            out,
            "CH010",
            i,
            o,
            format!("mailNickname `{nick}` of {}: {}", o.label(), problems.join("; ")),
            ev,
            "mailNickname",
        );
    }

    fn check_proxies(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        // Labels and the lower-cased set of the object's addresses are only needed for a finding.
        let label = || o.name();
        let own = std::cell::OnceCell::new();
        let own = || -> &BTreeSet<String> {
            own.get_or_init(|| o.proxy_addresses.iter().map(|p| p.as_str().to_lowercase()).collect())
        };
        for v in &o.proxy_addresses {
            let (prefix, addr) = match v.split_once(':') {
                Some((p, a)) if !p.is_empty() => (p, a),
                _ => {
                    let ev = evidence([
                        ("attribute", json!("proxyAddresses")),
                        ("value", json!(v)),
                        ("problems", json!(["no address type prefix (`SMTP:`, `smtp:`, `X500:`...)"])),
                        ("proposed_value", json!(null)),
                        ("action", json!("REMOVE")),
                    ]);
                    self.push(
                        out,
                        "CH007",
                        i,
                        o,
                        format!("proxyAddress `{v}` of {} has no address type", label()),
                        ev,
                        &format!("proxyAddresses:{}", v.to_lowercase()),
                    );
                    continue;
                }
            };
            let kind = prefix.to_lowercase();
            let mut problems = Vec::new();
            let control_only = kind != "smtp" && self.p.proxy_control_only_types.contains(&kind);
            let r = if kind == "smtp" {
                check_address(addr, &self.p.proxy_smtp_invalid, true)
            } else if control_only {
                AddrCheck { bad: addr.chars().filter(|c| c.is_control()).collect(), ..Default::default() }
            } else {
                check_address(addr, &self.p.proxy_other_invalid, false)
            };
            let n = v.chars().count();
            if r.is_clean() && n <= self.p.proxy_max {
                continue;
            }
            let fixed = if kind == "smtp" {
                format!("{prefix}:{}", self.fixer(o, false).address(addr, &self.p.proxy_smtp_invalid))
            } else if control_only {
                format!("{prefix}:{}", addr.chars().filter(|c| !c.is_control()).collect::<String>())
            } else {
                let kept: String =
                    addr.chars().filter(|c| !c.is_whitespace() && !self.p.proxy_other_invalid.contains(*c)).collect();
                format!("{prefix}:{kept}")
            };
            problems.extend(r.problems.iter().cloned());
            if n > self.p.proxy_max {
                problems.push(format!("{n} characters (limit {})", self.p.proxy_max));
            }
            let fixed: String = fixed.chars().take(self.p.proxy_max).collect();
            let addr_empty = fixed.split_once(':').is_none_or(|(_, a)| a.is_empty());
            let already = own().contains(&fixed.to_lowercase())
                || (kind == "smtp" && own().contains(&format!("smtp:{}", fixed[prefix.len() + 1..].to_lowercase())));
            let (proposed, action) =
                if addr_empty || already { (Value::Null, "REMOVE") } else { (json!(fixed), "EDIT") };
            let ev = evidence([
                ("attribute", json!("proxyAddresses")),
                ("value", json!(v)),
                ("address_type", json!(prefix)),
                ("invalid_characters", json!(r.chars())),
                ("problems", json!(problems)),
                ("proposed_value", proposed),
                ("action", json!(action)),
            ]);
            self.push(
                out,
                "CH007",
                i,
                o,
                format!("proxyAddress `{v}` of {} is invalid: {}", label(), r.summary(&problems)),
                ev,
                &format!("proxyAddresses:{}", v.to_lowercase()),
            );
        }
        // CH017: exactly one primary.
        let smtp: Vec<&crate::model::Text> =
            o.proxy_addresses.iter().filter(|p| p.get(..5).is_some_and(|s| s.eq_ignore_ascii_case("smtp:"))).collect();
        let primaries: Vec<&&crate::model::Text> = smtp.iter().filter(|p| p.starts_with("SMTP:")).collect();
        if !smtp.is_empty() && primaries.len() != 1 {
            let keep = o
                .mail
                .as_deref()
                .and_then(|m| smtp.iter().find(|p| p[5..].eq_ignore_ascii_case(m)))
                .or_else(|| primaries.first().copied())
                .or(smtp.first())
                .map(|p| p[5..].to_string());
            let proposed: Vec<String> = smtp
                .iter()
                .map(|p| {
                    let a = &p[5..];
                    if Some(a) == keep.as_deref() { format!("SMTP:{a}") } else { format!("smtp:{a}") }
                })
                .collect();
            let what = if primaries.is_empty() {
                "no primary `SMTP:` address".to_string()
            } else {
                format!("{} primary `SMTP:` addresses", primaries.len())
            };
            let ev = evidence([
                ("attribute", json!("proxyAddresses")),
                ("value", json!(smtp)),
                ("primary_count", json!(primaries.len())),
                ("proposed_value", json!(proposed)),
                ("action", json!("EDIT")),
            ]);
            self.push(out, "CH017", i, o, format!("{} has {what}", label()), ev, "proxyAddresses");
        }
    }

    fn check_target(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let Some(t) = o.target_address.as_deref() else { return };
        let (prefix, addr) = match t.split_once(':') {
            Some((p, a)) if p.eq_ignore_ascii_case("smtp") => (Some(p), a),
            Some((p, _)) if !p.contains('@') => return, // X400 and other non-SMTP routing addresses
            _ => (None, t),
        };
        let r = check_address(addr, &self.p.target_invalid, true);
        let n = t.chars().count();
        if r.is_clean() && n <= self.p.target_max {
            return;
        }
        let mut problems = r.problems.clone();
        if n > self.p.target_max {
            problems.push(format!("{n} characters (limit {})", self.p.target_max));
        }
        let fixed_addr = self.fixer(o, false).address(addr, &self.p.target_invalid);
        let fixed = match prefix {
            Some(p) => format!("{p}:{fixed_addr}"),
            None => fixed_addr,
        };
        let ev = evidence([
            ("attribute", json!("targetAddress")),
            ("value", json!(t)),
            ("invalid_characters", json!(r.chars())),
            ("problems", json!(problems)),
            ("proposed_value", json!(fixed)),
            ("action", json!("EDIT")),
        ]);
        self.push(
            out,
            "CH008",
            i,
            o,
            format!("targetAddress `{t}` of {} is invalid: {}", o.label(), r.summary(&problems)),
            ev,
            "targetAddress",
        );
    }

    fn check_non_ascii(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let label = o.name();
        let fx = |attr: &str, v: &str| -> String {
            match attr {
                "userPrincipalName" => {
                    let sp = domain_of(v).and_then(|d| self.suffix_problem(i, d)).is_some();
                    self.fixer(o, sp).upn(v)
                }
                "mail" => self.fixer(o, false).address(v, &self.p.mail_invalid),
                "targetAddress" | "proxyAddresses" => match v.split_once(':') {
                    Some((p, a)) => format!("{p}:{}", self.fixer(o, false).address(a, &self.p.proxy_smtp_invalid)),
                    None => translit_compact(v),
                },
                _ => translit_compact(v),
            }
        };
        let mut addr: Vec<(&str, &str)> = Vec::new();
        if matches!(o.class, AdClass::User | AdClass::InetOrgPerson) {
            addr.extend(o.upn.as_deref().map(|v| ("userPrincipalName", v)));
        }
        addr.extend(o.mail.as_deref().map(|v| ("mail", v)));
        addr.extend(o.mail_nickname.as_deref().map(|v| ("mailNickname", v)));
        addr.extend(o.sam_account_name.as_deref().map(|v| ("sAMAccountName", v)));
        addr.extend(o.target_address.as_deref().map(|v| ("targetAddress", v)));
        addr.extend(o.proxy_addresses.iter().map(|v| ("proxyAddresses", v.as_str())));
        for (attr, v) in addr {
            let chars = non_ascii(v);
            if chars.is_empty() {
                continue;
            }
            let fixed = fx(attr, v);
            let ev = evidence([
                ("attribute", json!(attr)),
                ("value", json!(v)),
                ("non_ascii_characters", json!(describe(&chars))),
                ("proposed_value", json!(fixed)),
                ("action", json!("EDIT")),
            ]);
            let disc = if attr == "proxyAddresses" { format!("{attr}:{}", v.to_lowercase()) } else { attr.to_string() };
            self.push(
                out,
                "CH014",
                i,
                o,
                format!(
                    "{attr} `{v}` of {label} contains non-ASCII {} (proposed `{fixed}`)",
                    chars.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(" ")
                ),
                ev,
                &disc,
            );
        }
        let mut names = Vec::new();
        for (attr, v) in [("displayName", &o.display_name), ("givenName", &o.given_name), ("sn", &o.sn)] {
            let Some(v) = v.as_deref() else { continue };
            let chars = non_ascii(v);
            if !chars.is_empty() {
                names.push(json!({
                    "attribute": attr,
                    "value": v,
                    "non_ascii_characters": describe(&chars),
                    "proposed_value": deunicode::deunicode(v),
                    "action": "EDIT",
                }));
            }
        }
        if !names.is_empty() {
            let attrs: Vec<&str> = names.iter().filter_map(|n| n["attribute"].as_str()).collect();
            let title = format!("{} of {label} contain non-ASCII characters (informational)", attrs.join(", "));
            let first = names[0].clone();
            let ev = evidence([
                ("attribute", first["attribute"].clone()),
                ("value", first["value"].clone()),
                ("attributes", json!(names)),
                ("proposed_value", first["proposed_value"].clone()),
                ("action", json!("EDIT")),
                (
                    "note",
                    json!("optional: Entra ID stores Unicode names; change only where downstream systems need ASCII"),
                ),
            ]);
            self.push(out, "CH015", i, o, title, ev, "names");
        }
    }

    fn check_mixed_script(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let mut vals: Vec<(&str, &str)> = Vec::new();
        for (a, v) in [
            ("displayName", &o.display_name),
            ("givenName", &o.given_name),
            ("sn", &o.sn),
            ("userPrincipalName", &o.upn),
            ("mail", &o.mail),
            ("mailNickname", &o.mail_nickname),
            ("sAMAccountName", &o.sam_account_name),
        ] {
            if let Some(v) = v.as_deref() {
                vals.push((a, v));
            }
        }
        vals.extend(o.proxy_addresses.iter().map(|v| ("proxyAddresses", v.as_str())));
        for (attr, v) in vals {
            if v.is_ascii() {
                continue;
            }
            let Some(m) = mixed_script(v, &self.p.confusable_scripts) else { continue };
            let ev = evidence([
                ("attribute", json!(attr)),
                ("value", json!(v)),
                ("word", json!(m.word)),
                ("scripts", json!(m.scripts)),
                ("odd_characters", json!(describe(&m.odd))),
                ("proposed_value", json!(m.proposed.as_ref().map(|w| v.replacen(&m.word, w, 1)))),
                ("action", json!("EDIT")),
            ]);
            let disc = if attr == "proxyAddresses" { format!("{attr}:{}", v.to_lowercase()) } else { attr.to_string() };
            self.push(
                out,
                "CH016",
                i,
                o,
                format!("{attr} `{v}` of {} mixes {} letters in `{}`", o.label(), m.scripts.join(" and "), m.word),
                ev,
                &disc,
            );
        }
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
    let d = domain.trim().to_lowercase();
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

/// Result of checking an address's ASCII characters and form.
#[derive(Default, Clone)]
struct AddrCheck {
    bad: BTreeSet<char>,
    problems: Vec<String>,
}

impl AddrCheck {
    fn is_clean(&self) -> bool {
        self.bad.is_empty() && self.problems.is_empty()
    }
    fn chars(&self) -> Vec<String> {
        self.bad.iter().map(|c| c.to_string()).collect()
    }
    fn summary(&self, problems: &[String]) -> String {
        let mut parts = Vec::new();
        if !self.bad.is_empty() {
            parts.push(format!(
                "invalid characters {}",
                self.bad
                    .iter()
                    .map(|c| if c.is_whitespace() { "space".to_string() } else { format!("`{c}`") })
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        parts.extend(problems.iter().cloned());
        parts.join("; ")
    }
}

/// Checks an address: whitespace and characters of `invalid` (ASCII only; non-ASCII is CH014's), and
/// when `smtp` the form `local@domain` (one `@`, no stray `:`, no empty labels, dots not at the ends).
fn check_address(a: &str, invalid: &str, smtp: bool) -> AddrCheck {
    // Called for every address of every object: ASCII characters are looked up in a bit set.
    let (mut ascii, mut other) = (0u128, false);
    for c in invalid.chars() {
        if c.is_ascii() {
            ascii |= 1 << (c as u32);
        } else {
            other = true;
        }
    }
    let is_bad = |c: char| {
        c.is_whitespace()
            || c.is_control()
            || if c.is_ascii() { ascii >> (c as u32) & 1 == 1 } else { other && invalid.contains(c) }
    };
    let mut r = AddrCheck { bad: a.chars().filter(|&c| is_bad(c)).collect(), ..Default::default() };
    if !smtp {
        return r;
    }
    let core: std::borrow::Cow<str> =
        if r.bad.is_empty() { a.into() } else { a.chars().filter(|c| !r.bad.contains(c)).collect::<String>().into() };
    if core.contains(':') {
        r.problems.push("`:` inside the address (only the type prefix may end with `:`)".into());
    }
    let ats = core.matches('@').count();
    if ats != 1 {
        r.problems.push(if ats == 0 { "no `@`".into() } else { format!("{ats} `@`") });
        return r;
    }
    let (l, d) = core.split_once('@').unwrap_or_default();
    if l.is_empty() {
        r.problems.push("empty local part".into());
    } else if l.starts_with('.') || l.ends_with('.') || l.contains("..") {
        r.problems.push("local part begins or ends with `.` or contains `..`".into());
    }
    if d.is_empty() || !d.contains('.') {
        r.problems.push(format!("domain `{d}` is not a fully qualified name"));
    } else if d.split('.').any(|lab| {
        lab.is_empty()
            || lab.starts_with('-')
            || lab.ends_with('-')
            || lab.chars().any(|c| c.is_ascii() && !(c.is_ascii_alphanumeric() || c == '-'))
    }) {
        r.problems.push(format!("domain `{d}` has an empty or invalid label"));
    }
    r
}

/// Builds the proposed value of an attribute: transliterates non-ASCII, drops invalid characters and
/// fixes the form, in one go (so every finding on one attribute proposes the same value).
struct Fixer<'a> {
    p: &'a Params,
    /// Replacement for an unusable UPN suffix.
    suffix: Option<String>,
}

impl Fixer<'_> {
    /// A UPN username: allowed characters only, no bad leading/trailing characters, no `..`.
    fn upn_local(&self, l: &str) -> String {
        let mut s: String = translit_compact(l)
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || (self.p.upn_allowed.contains(*c)))
            .collect();
        while s.contains("..") {
            s = s.replace("..", ".");
        }
        let s = s.trim_start_matches(|c| self.p.upn_bad_leading.contains(c));
        let s = s.trim_end_matches(|c| self.p.upn_bad_endings.contains(c));
        s.chars().take(self.p.upn_max_user).collect()
    }

    fn domain(&self, d: &str) -> String {
        if let Some(s) = &self.suffix {
            return s.clone();
        }
        let d: String =
            translit_compact(d).chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-').collect();
        let mut d = d.trim_matches('.').to_string();
        while d.contains("..") {
            d = d.replace("..", ".");
        }
        d
    }

    fn upn(&self, upn: &str) -> String {
        let (l, d) = match upn.rsplit_once('@') {
            Some((l, d)) => (l, d),
            None => (upn, ""),
        };
        let local = self.upn_local(l);
        let dom = self.domain(d);
        let mut out = if dom.is_empty() { local } else { format!("{local}@{dom}") };
        if out.chars().count() > self.p.upn_max {
            let keep = self.p.upn_max.saturating_sub(dom.chars().count() + 1);
            out = format!("{}@{dom}", out.chars().take(keep).collect::<String>());
        }
        out
    }

    /// An SMTP address: transliterated, whitespace and `invalid` removed, extra `@`/`:` removed,
    /// dots at the ends of the local part removed.
    fn address(&self, a: &str, invalid: &str) -> String {
        let t: String = translit_compact(a)
            .chars()
            .filter(|c| !c.is_whitespace() && !c.is_control() && !invalid.contains(*c) && *c != ':')
            .collect();
        let Some((l, d)) = t.rsplit_once('@') else { return t };
        let mut l: String = l.replace('@', "");
        while l.contains("..") {
            l = l.replace("..", ".");
        }
        format!("{}@{}", l.trim_matches('.'), self.domain(d))
    }
}

/// Transliterates non-ASCII characters to ASCII (`é` → `e`, `ß` → `ss`), dropping the spaces some
/// transliterations carry (`北` → `Bei `): for identifiers and addresses.
pub fn translit_compact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if let Some(t) = deunicode::deunicode_char(c) {
            out.extend(t.chars().filter(|c| !c.is_whitespace()));
        }
    }
    out
}

fn non_ascii(s: &str) -> Vec<char> {
    let mut v: Vec<char> = s.chars().filter(|c| !c.is_ascii()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn describe(chars: &[char]) -> Vec<Value> {
    chars.iter().map(|c| json!({"char": c.to_string(), "code_point": format!("U+{:04X}", *c as u32)})).collect()
}

struct Mixed {
    word: String,
    scripts: Vec<String>,
    odd: Vec<char>,
    proposed: Option<String>,
}

/// The first word (run of letters) mixing letters of two or more of `scripts` (e.g. a Cyrillic `а`
/// in a Latin name). Words wholly in one script — `Петров` — are not mixed.
fn mixed_script(v: &str, scripts: &[Script]) -> Option<Mixed> {
    for word in v.split(|c: char| !c.is_alphabetic()) {
        if word.is_empty() || word.is_ascii() {
            continue;
        }
        let mut counts: Vec<(Script, usize)> = Vec::new();
        for c in word.chars() {
            let s = c.script();
            if !scripts.contains(&s) {
                continue;
            }
            match counts.iter_mut().find(|(x, _)| *x == s) {
                Some((_, n)) => *n += 1,
                None => counts.push((s, 1)),
            }
        }
        if counts.len() < 2 {
            continue;
        }
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        let major = counts[0].0;
        let odd: Vec<char> = {
            let mut o: Vec<char> =
                word.chars().filter(|c| c.script() != major && scripts.contains(&c.script())).collect();
            o.sort_unstable();
            o.dedup();
            o
        };
        let proposed = (major == Script::Latin).then(|| {
            word.chars()
                .map(|c| {
                    if c.script() == Script::Latin || c.is_ascii() {
                        c.to_string()
                    } else {
                        translit_compact(&c.to_string())
                    }
                })
                .collect::<String>()
        });
        let mut names: Vec<String> = counts.iter().map(|(s, _)| s.full_name().to_string()).collect();
        names.sort();
        return Some(Mixed { word: word.to_string(), scripts: names, odd, proposed });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psl_routability() {
        for ok in [
            "contoso.com",
            "contoso.app",
            "contoso.shop",
            "contoso.co.uk",
            "contoso.onmicrosoft.com",
            "example.xn--p1ai",
            "пример.рф",
        ] {
            assert!(routability(ok).is_ok(), "{ok}: {:?}", routability(ok));
        }
        for bad in ["fabrikam.local", "corp.lan", "contoso.internal", "contoso.corp", "contoso", "contoso.con", "co.uk"]
        {
            assert!(routability(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn transliteration_keeps_letters() {
        assert_eq!(translit_compact("josé"), "jose");
        assert_eq!(translit_compact("björn.ek"), "bjorn.ek");
        assert_eq!(translit_compact("Straße"), "Strasse");
    }

    #[test]
    fn mixed_script_flags_cyrillic_a_in_latin_word_only() {
        let scripts = Params::new(RuleParams::catalog_in_use()).confusable_scripts;
        let m = mixed_script("M\u{0430}ria Lopez", &scripts).expect("Cyrillic а in Maria");
        assert_eq!(m.scripts, vec!["Cyrillic", "Latin"]);
        assert_eq!(m.proposed.as_deref(), Some("Maria"));
        assert!(mixed_script("Ivan Петров", &scripts).is_none());
        assert!(mixed_script("Zoé Leroux", &scripts).is_none());
        assert!(mixed_script("山田 はなこ", &scripts).is_none());
    }

    #[test]
    fn address_checks_and_fixes() {
        let p = Params::new(RuleParams::catalog_in_use());
        let f = Fixer { p: &p, suffix: None };
        assert!(check_address("d.fischer @contoso.com", &p.proxy_smtp_invalid, true).bad.contains(&' '));
        assert_eq!(f.address("<k.osei@contoso.com>", &p.proxy_smtp_invalid), "k.osei@contoso.com");
        assert!(check_address("user:M@contoso.com", &p.proxy_smtp_invalid, true).problems[0].contains(':'));
        assert!(check_address("o'brien@contoso.com", &p.proxy_smtp_invalid, true).is_clean());
        assert_eq!(f.upn("olivia grant@contoso.com"), "oliviagrant@contoso.com");
        assert_eq!(f.upn("t.okonkwo.@contoso.com"), "t.okonkwo@contoso.com");
        assert_eq!(f.upn("zoé.leroux@contoso.com"), "zoe.leroux@contoso.com");
        assert_eq!(f.upn("#ops-admin@contoso.com"), "ops-admin@contoso.com");
        assert_eq!(f.upn("s.o'brien@contoso.com"), "s.o'brien@contoso.com");
        assert_eq!(f.upn("a@b@contoso.com"), "ab@contoso.com");
        let g = Fixer { p: &p, suffix: Some("fabrikam.com".into()) };
        assert_eq!(g.upn("derek.mwangi@fabrikam.local"), "derek.mwangi@fabrikam.com");
    }
}
