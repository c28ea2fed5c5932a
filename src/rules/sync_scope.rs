//! What would synchronise, and where to: shared by the `characters` and `duplicates` families.
//!
//! - [`Scope`]: which AD objects Entra Connect would export (users, inetOrgPersons, groups, contacts,
//!   minus built-in and system accounts, conflict objects and computer-like `$` accounts). The lists
//!   are parameters of CH001's `rule.toml` (`[params.scope]`), declared once for both families.
//! - the tenants each object synchronises into are decided per object in [`super::targets`].
//! - [`TenantDomains`]: the verified / registered domains of a tenant, when the tenant was exported.

use super::params::SyncScopeParams;
use crate::model::text::TrimFast as _;
use crate::model::{AdClass, AdObject, CloudKind, Estate};
use std::collections::HashSet;

/// Which AD objects would be exported to Entra ID.
#[derive(Debug, Clone)]
pub struct Scope {
    exact: HashSet<String>,
    prefixes: Vec<String>,
    recipient_types: HashSet<i64>,
}

impl Scope {
    /// The scope declared in CH001's `[params.scope]`: `exact_names`, `name_prefixes` (compared
    /// case-insensitively with sAMAccountName and cn) and `system_recipient_type_details` (decimal
    /// msExchRecipientTypeDetails).
    pub fn new(p: &SyncScopeParams) -> Self {
        Scope {
            exact: p.exact_names.iter().map(|s| s.to_lowercase()).collect(),
            prefixes: p.name_prefixes.iter().map(|s| s.to_lowercase()).collect(),
            recipient_types: p.system_recipient_type_details.iter().copied().collect(),
        }
    }

    /// Whether `name` lower-cased is one of the excluded names or begins with an excluded prefix (both
    /// held lower-cased). An ASCII name is compared without a lower-cased copy (`eq_ignore_ascii_case`
    /// against a lower-case pattern is equality of the lower-cased name).
    fn excluded(&self, name: &str) -> bool {
        if name.is_ascii() {
            let starts = |p: &str| name.as_bytes().get(..p.len()).is_some_and(|b| b.eq_ignore_ascii_case(p.as_bytes()));
            return self.exact.iter().any(|e| name.eq_ignore_ascii_case(e)) || self.prefixes.iter().any(|p| starts(p));
        }
        let l = name.to_lowercase();
        self.exact.contains(&l) || self.prefixes.iter().any(|p| l.starts_with(p.as_str()))
    }

    /// True when Entra Connect would export the object (by its default rules).
    pub fn includes(&self, o: &AdObject) -> bool {
        if !matches!(o.class, AdClass::User | AdClass::InetOrgPerson | AdClass::Group | AdClass::Contact) {
            return false;
        }
        if o.is_critical_system_object == Some(true) {
            return false;
        }
        if o.ms_exch_recipient_type_details.is_some_and(|t| self.recipient_types.contains(&t)) {
            return false;
        }
        // Replication-conflict objects: the RDN carries "\nCNF:<guid>" (escaped `\0A` in DNs). (One
        // search for the common part first: this runs for every AD object.)
        let conflict =
            |s: &str| s.contains("CNF:") && (s.contains("\\0ACNF:") || s.contains("\\0aCNF:") || s.contains("\nCNF:"));
        if o.dn.as_deref().is_some_and(conflict) || o.cn.as_deref().is_some_and(conflict) {
            return false;
        }
        for name in [o.sam_account_name.as_deref(), o.cn.as_deref()].into_iter().flatten() {
            if name.ends_with('$') || self.excluded(name) {
                return false;
            }
        }
        true
    }
}

/// The cloud kind an AD class syncs as.
pub fn cloud_kind(c: &AdClass) -> Option<CloudKind> {
    match c {
        AdClass::User | AdClass::InetOrgPerson => Some(CloudKind::User),
        AdClass::Group => Some(CloudKind::Group),
        AdClass::Contact => Some(CloudKind::Contact),
        _ => None,
    }
}

/// Domains of one tenant as far as the exports tell.
#[derive(Debug, Clone, Default)]
pub struct TenantDomains {
    /// Whether any domain data was exported for the tenant (domains list or organization verifiedDomains).
    pub known: bool,
    /// Verified domains, lower case.
    pub verified: crate::hash::FastSet<String>,
    /// Registered but not verified, lower case.
    pub unverified: crate::hash::FastSet<String>,
    /// The initial `*.onmicrosoft.com` domain.
    pub initial: Option<String>,
    /// The default domain.
    pub default: Option<String>,
}

impl TenantDomains {
    /// Domains of every tenant.
    pub fn of_estate(estate: &Estate) -> Vec<TenantDomains> {
        let mut out: Vec<TenantDomains> = vec![TenantDomains::default(); estate.tenants.len()];
        for (t, td) in estate.tenants.iter().zip(out.iter_mut()) {
            for v in &t.verified_domains {
                let n = v.name.trim_fast().to_lowercase();
                td.known = true;
                if v.is_initial == Some(true) {
                    td.initial = Some(n.clone());
                }
                if v.is_default == Some(true) {
                    td.default = Some(n.clone());
                }
                td.verified.insert(n);
            }
        }
        for d in &estate.domains {
            let Some(td) = out.get_mut(d.tenant as usize) else { continue };
            let n = d.name.trim_fast().to_lowercase();
            td.known = true;
            if d.is_initial == Some(true) {
                td.initial = Some(n.clone());
            }
            if d.is_default == Some(true) && td.default.is_none() {
                td.default = Some(n.clone());
            }
            if d.is_verified == Some(true) {
                td.verified.insert(n);
            } else if !td.verified.contains(&n) {
                td.unverified.insert(n);
            }
        }
        for td in &mut out {
            td.unverified.retain(|d| !td.verified.contains(d));
            if td.initial.is_none() {
                let mut cands: Vec<&String> = td
                    .verified
                    .iter()
                    .filter(|d| d.ends_with(".onmicrosoft.com") && !d.ends_with(".mail.onmicrosoft.com"))
                    .collect();
                cands.sort();
                td.initial = cands.first().map(|s| s.to_string());
            }
        }
        out
    }

    /// The verified parent of a subdomain (`uk.contoso.com` → `contoso.com`), if any.
    pub fn verified_parent(&self, domain: &str) -> Option<&str> {
        let mut rest = domain;
        while let Some((_, parent)) = rest.split_once('.') {
            if let Some(v) = self.verified.get(parent) {
                return Some(v.as_str());
            }
            rest = parent;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_skips_system_conflict_and_dollar_accounts_but_not_people_named_guest() {
        let s = Scope::new(&crate::rules::params::RuleParams::catalog_in_use().ch001.scope);
        let u = |sam: &str| AdObject { sam_account_name: Some(sam.into()), cn: Some(sam.into()), ..Default::default() };
        assert!(s.includes(&u("jdoe")));
        assert!(s.includes(&u("guestrelations")), "only the exact built-in Guest is skipped");
        for skipped in ["Guest", "krbtgt", "MSOL_3f9a2c7d1e04", "HealthMailbox0a1b2c", "WS01$", "SM_0123abcd"] {
            assert!(!s.includes(&u(skipped)), "{skipped}");
        }
        // Compared as lower-cased: any case, and non-ASCII text that lower-cases to a listed name.
        for skipped in ["KRBTGT", "msol_x", "healthMAILBOXé", "\u{212A}rbtgt", "Sm_"] {
            assert!(!s.includes(&u(skipped)), "{skipped}");
        }
        for kept in ["krbtg", "Admin", "sm", "mso_l", "élan", "administrator2"] {
            assert!(s.includes(&u(kept)), "{kept}");
        }
        let mut c = u("x");
        c.dn = Some("CN=x\\0ACNF:7f0e...,OU=a,DC=c".into());
        assert!(!s.includes(&c));
        c.dn = Some("CN=x CNF:7f0e,OU=a,DC=c".into());
        assert!(s.includes(&c), "CNF: without the line feed before it is a name");
        c.cn = Some("x\nCNF:7f0e".into());
        assert!(!s.includes(&c));
        let mut crit = u("y");
        crit.is_critical_system_object = Some(true);
        assert!(!s.includes(&crit));
        let mut comp = u("z");
        comp.class = AdClass::Computer;
        assert!(!s.includes(&comp));
        let mut arb = u("w");
        arb.ms_exch_recipient_type_details = Some(8388608);
        assert!(!s.includes(&arb), "arbitration mailbox (decimal, unlike IdFix's dead hex check)");
    }
}
