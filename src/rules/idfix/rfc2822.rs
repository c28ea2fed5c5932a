//! IdFix's RFC 2822 sub-rule: TopLevelDomain, DomainPart, LocalPart and Format, evaluated in that
//! order on one value with the fixes of DomainPart and LocalPart carried into the later checks.
//!
//! IdFix implements these with regular expressions; here each is a linear scan over the value with
//! the character classes of the catalog (no regex, nothing compiled per value). `.NET`'s `$` also
//! matches before a final line feed, which [`strip_final_lf`] reproduces.

use super::charset::{CharSet, contains_ascii_ci, fold_str};
use super::flags;
use std::collections::HashSet;

/// Parameters of the sub-rule (from IF003, IF004 and IF005).
#[derive(Debug)]
pub struct Rfc {
    /// Top-level domains with their leading period, lower case (IF003 `tlds`).
    pub tlds: HashSet<String>,
    /// Characters of a domain label (IF004 `label_chars`).
    pub label: CharSet,
    /// Characters allowed inside a label but not at its ends (IF004 `label_inner_chars`).
    pub label_inner: CharSet,
    /// Characters of the final label (IF004 `tld_chars`).
    pub tld_chars: CharSet,
    /// Length bounds of the final label (IF004 `tld_min`, `tld_max`).
    pub tld_len: (usize, usize),
    /// Characters kept in the domain part by the DomainPart fix (IF004 `fix_keep`).
    pub domain_keep: CharSet,
    /// Dot-atom characters (IF005 `atom_chars`).
    pub atom: CharSet,
    /// Dot-atom characters and `.`: kept in the local part by the LocalPart fix.
    pub local_keep: CharSet,
}

/// Outcome of the sub-rule on a failing value.
#[derive(Debug, PartialEq, Eq)]
pub struct RfcFail {
    /// OR-ed flags.
    pub flags: u8,
    /// Proposed value (prefix restored for addresses).
    pub update: String,
}

fn strip_final_lf(s: &str) -> &str {
    s.strip_suffix('\n').unwrap_or(s)
}

impl Rfc {
    fn dot_atom(&self, s: &str) -> bool {
        !s.is_empty() && s.split('.').all(|a| !a.is_empty() && self.atom.all_in(a))
    }

    /// `(?:label\.)+tld` on the whole of `d` (after the `@`), with `$`'s final-LF allowance.
    fn domain_ok(&self, d: &str) -> bool {
        let d = strip_final_lf(d);
        let Some((labels, tld)) = d.rsplit_once('.') else { return false };
        let n = tld.chars().count();
        if n < self.tld_len.0 || n > self.tld_len.1 || !self.tld_chars.all_in(tld) {
            return false;
        }
        labels.split('.').all(|l| {
            let mut cs = l.chars();
            match (cs.next(), cs.next_back()) {
                (None, _) => false,
                (Some(a), None) => self.label.contains(a),
                (Some(a), Some(z)) => {
                    self.label.contains(a)
                        && self.label.contains(z)
                        && cs.all(|c| self.label.contains(c) || self.label_inner.contains(c))
                }
            }
        })
    }

    /// `DomainPartRegex`: some `@` followed by a valid domain to the end; only the last `@` can be it.
    fn domain_part_ok(&self, s: &str) -> bool {
        s.rfind('@').is_some_and(|i| self.domain_ok(&s[i + 1..]))
    }

    /// `LocalPartRegex` (a dot-atom from the start up to the first `@`) and at most one `@`.
    fn local_part_ok(&self, s: &str) -> bool {
        match s.split_once('@') {
            Some((local, rest)) => self.dot_atom(local) && !rest.contains('@'),
            None => false,
        }
    }

    /// `Rfc2822Regex`: `^dot-atom@domain$`.
    fn format_ok(&self, s: &str) -> bool {
        match s.split_once('@') {
            Some((local, domain)) => self.dot_atom(local) && !domain.contains('@') && self.domain_ok(domain),
            None => false,
        }
    }

    /// Runs the sub-rule on `value` (the working value of the chain). `None` when it passes.
    pub fn check(&self, value: &str) -> Option<RfcFail> {
        let smtp = contains_ascii_ci(value, "smtp:");
        let mut v: String = match (smtp, value.find(':')) {
            (true, Some(i)) => value[i + 1..].to_string(),
            _ => value.to_string(),
        };
        let mut f = 0u8;
        if let Some(i) = v.rfind('.') {
            let tld = fold_str(&v[i..]);
            if tld.chars().count() > 1 && !self.tlds.contains(&tld) {
                f |= flags::TOP_LEVEL_DOMAIN;
            }
        }
        if !self.domain_part_ok(&v) {
            f |= flags::DOMAIN_PART;
            if let Some(i) = v.rfind('@') {
                v = format!("{}{}", &v[..=i], self.domain_keep.keep_in(&v[i + 1..]));
            }
        }
        if !self.local_part_ok(&v) || v.matches('@').count() > 1 {
            f |= flags::LOCAL_PART;
            if let Some(i) = v.rfind('@') {
                let local = self.local_keep.keep_in(&v[..i]);
                v = format!("{local}{}", &v[i..]).replace(".@", "@");
            }
        }
        if !self.format_ok(&v) {
            f |= flags::FORMAT;
        }
        if f == 0 {
            return None;
        }
        let update = match (smtp, value.find(':')) {
            (true, Some(i)) => format!("{}{v}", value[..=i].trim()),
            _ => v,
        };
        Some(RfcFail { flags: f, update })
    }
}
