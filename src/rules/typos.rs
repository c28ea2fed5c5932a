//! Misspelt domain names in UPN suffixes: a suffix one edit (Damerau–Levenshtein: one insertion,
//! deletion, substitution or swap of two neighbouring letters) away from a domain the target tenant
//! verifies, or whose top-level domain is not a public suffix but one edit from a common one
//! (`.con`, `.cmo`, `.ocm` for `.com`). Such a suffix is a typo to correct, never a domain to verify.
//! Shared by the characters family (CH005/CH006, per object) and the domains family (DO006, per suffix).

/// A misspelt suffix and its correction.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Typo {
    /// The corrected suffix (`contoso.com`).
    pub corrected: String,
    /// Why it is taken for a typo, for titles and evidence.
    pub reason: String,
}

/// Whether `a` and `b` are at most one edit apart (optimal string alignment distance ≤ 1).
pub fn within_one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return true;
    }
    let (short, long) = if a.len() <= b.len() { (&a, &b) } else { (&b, &a) };
    match long.len() - short.len() {
        0 => {
            let diff: Vec<usize> = (0..a.len()).filter(|&k| a[k] != b[k]).collect();
            match diff.as_slice() {
                [_] => true,
                [x, y] => *y == x + 1 && a[*x] == b[*y] && a[*y] == b[*x],
                _ => false,
            }
        }
        1 => {
            let k = (0..short.len()).find(|&k| short[k] != long[k]).unwrap_or(short.len());
            short[k..] == long[k + 1..]
        }
        _ => false,
    }
}

/// Whether `tld` (one label, lower case) is a top-level domain of the Public Suffix List.
fn is_public_tld(tld: &str) -> bool {
    psl::suffix(format!("x.{tld}").as_bytes()).is_some_and(|s| s.is_known() && s.as_bytes() == tld.as_bytes())
}

/// The typo `suffix` (lower case, no trailing dot) most likely is, if any: first a domain of
/// `verified` (the target tenants' verified domains) one edit away, then a top-level domain of
/// `common_tlds` (in order of preference) one edit from a top-level domain that is not a public suffix.
pub fn suffix_typo(suffix: &str, verified: &[&str], common_tlds: &[String]) -> Option<Typo> {
    let s = suffix.trim().trim_end_matches('.').to_lowercase();
    if s.is_empty() || verified.iter().any(|v| v.eq_ignore_ascii_case(&s)) {
        return None;
    }
    let mut near: Vec<&str> = verified
        .iter()
        .copied()
        .filter(|v| !v.ends_with(".onmicrosoft.com") && within_one_edit(&s, &v.to_lowercase()))
        .collect();
    near.sort_unstable();
    near.dedup();
    if let Some(v) = near.first() {
        return Some(Typo {
            corrected: v.to_lowercase(),
            reason: format!(
                "`{s}` is one edit away from `{}`, a verified domain of the target tenant",
                v.to_lowercase()
            ),
        });
    }
    let (base, tld) = s.rsplit_once('.')?;
    if base.is_empty() || is_public_tld(tld) {
        return None;
    }
    let good = common_tlds.iter().find(|t| within_one_edit(tld, t) && is_public_tld(t))?;
    Some(Typo {
        corrected: format!("{base}.{good}"),
        reason: format!(
            "`.{tld}` is not a public top-level domain but one edit from `.{good}`: a misspelt top-level domain"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tlds() -> Vec<String> {
        ["com", "net", "org"].map(String::from).to_vec()
    }

    #[test]
    fn one_edit_distance() {
        assert!(within_one_edit("con", "com"));
        assert!(within_one_edit("cmo", "com"));
        assert!(within_one_edit("ocm", "com"));
        assert!(within_one_edit("contosso.com", "contoso.com"));
        assert!(within_one_edit("contso.com", "contoso.com"));
        assert!(!within_one_edit("moc", "com"));
        assert!(!within_one_edit("contoso.co.uk", "contoso.com"));
        assert!(!within_one_edit("local", "com"));
    }

    #[test]
    fn typos_against_verified_domains_and_public_tlds() {
        let v = ["contoso.com", "contoso.onmicrosoft.com"];
        assert_eq!(suffix_typo("contoso.con", &v, &tlds()).unwrap().corrected, "contoso.com");
        assert_eq!(suffix_typo("contosso.com", &v, &tlds()).unwrap().corrected, "contoso.com");
        assert_eq!(suffix_typo("fabrikam.ocm", &v, &tlds()).unwrap().corrected, "fabrikam.com");
        assert_eq!(suffix_typo("contoso.com", &v, &tlds()), None);
        assert_eq!(suffix_typo("fabrikam.local", &v, &tlds()), None);
        assert_eq!(suffix_typo("contoso.co.uk", &v, &tlds()), None);
        // A real top-level domain far from every verified domain is not a typo.
        assert_eq!(suffix_typo("tailspintoys.cm", &v, &tlds()), None);
    }
}
