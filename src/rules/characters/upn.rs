use super::*;
use crate::model::text::TrimFast as _;

impl Cx<'_> {
    pub(super) fn check_upn(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let label = o.name();
        let upn = match o.upn.as_deref() {
            Some(u) if !u.trim_fast().is_empty() => u,
            _ => {
                if self.file_has_upn.get(o.source.file.0 as usize).copied().unwrap_or(false)
                    && !o.not_collected.has(crate::model::NotCollected::UPN)
                {
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
        // Most UPNs are plain: settled by one pass over their bytes and the suffix check.
        if self.plain_upns
            && self.plain_upn(upn)
            && upn.rsplit_once('@').is_some_and(|(_, d)| self.suffix_problem(i, d).is_none())
        {
            return;
        }
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

    /// Whether CH002–CH004 cannot apply to `upn`: ASCII, exactly one `@` with a username before it
    /// and a domain after it, every other byte a letter, digit or allowed punctuation (CH002), the
    /// username neither beginning nor ending with a listed character nor holding `..`, the domain
    /// neither beginning nor ending with `.` nor holding `..` (CH003), and every length within its
    /// limit (CH004; for ASCII, characters are bytes). Only a sufficient condition: a UPN it refuses
    /// goes through the checks themselves.
    pub(super) fn plain_upn(&self, upn: &str) -> bool {
        let b = upn.as_bytes();
        let Some(at) = b.iter().position(|&x| x == b'@') else { return false };
        let (local, domain) = (&b[..at], &b[at + 1..]);
        let allowed = |x: u8| x.is_ascii_alphanumeric() || (x.is_ascii() && self.p.upn_allowed.contains(char::from(x)));
        !local.is_empty()
            && !domain.is_empty()
            && b.len() <= self.p.upn_max
            && local.len() <= self.p.upn_max_user
            && domain.len() <= self.p.upn_max_domain
            && local.iter().chain(domain).all(|&x| x != b'@' && allowed(x))
            && !self.p.upn_bad_leading.contains(char::from(local[0]))
            && !self.p.upn_bad_endings.contains(char::from(local[local.len() - 1]))
            && domain[0] != b'.'
            && domain[domain.len() - 1] != b'.'
            && !local.windows(2).any(|w| w == b"..")
            && !domain.windows(2).any(|w| w == b"..")
    }
}
