//! Turning the proposals for one object into changes: agreement, stale values, collisions and
//! primaries ([`resolve_values`] for proxyAddresses, [`resolve_single`] for the rest), and the
//! safety rules of [`super`]: service and privileged accounts ([`service_account`]), UPN suffix
//! moves ([`OptIn::MoveUpnSuffix`]), the value a duplicate's keeper keeps, and `mail` equal to the
//! primary SMTP address.

use super::{Change, ObjectPlan, OptIn, Proposal, current};
use crate::model::{AdClass, AdObject};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the resolution of one object needs besides its proposals.
pub(super) struct Scope<'a> {
    /// The opt-ins of the run.
    pub opt_ins: &'a [OptIn],
    /// Values a duplicates finding says this object keeps (lower-case, `smtp:` prefix stripped), with the rule.
    pub kept: &'a [(String, String)],
    /// Changes applied only because of an opt-in, per opt-in.
    pub opted: &'a mut BTreeMap<OptIn, usize>,
}

pub(super) fn rules_of(props: &[Proposal]) -> Vec<String> {
    props.iter().map(|p| p.rule.clone()).collect::<BTreeSet<_>>().into_iter().collect()
}

pub(super) fn show(v: &Option<String>) -> String {
    v.as_ref().map_or("removal".to_string(), |s| format!("'{s}'"))
}

/// An address as the duplicate index compares it: lower-case, an `smtp:` prefix stripped.
pub fn address_key(v: &str) -> String {
    let v = v.to_lowercase();
    match v.strip_prefix("smtp:") {
        Some(a) => a.to_string(),
        None => v,
    }
}

/// Whether `a` is a well-formed SMTP address (`local@domain`, ASCII, none of the characters the
/// character rules reject in addresses, no empty or dotted-at-the-ends local part, a qualified domain
/// of letter/digit/hyphen labels). Only such a primary address constrains `mail`.
pub fn valid_smtp(a: &str) -> bool {
    const BAD: &str = "<>()[];,:\"\\";
    if !a.is_ascii() || a.chars().any(|c| c.is_whitespace() || c.is_control() || BAD.contains(c)) {
        return false;
    }
    let Some((l, d)) = a.split_once('@') else { return false };
    if d.contains('@') || l.is_empty() || l.starts_with('.') || l.ends_with('.') || l.contains("..") {
        return false;
    }
    d.contains('.')
        && d.split('.').all(|lab| {
            !lab.is_empty()
                && !lab.starts_with('-')
                && !lab.ends_with('-')
                && lab.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The object's proxyAddresses after `change` (a [`Change::Values`] of proxyAddresses, if any).
pub fn proxies_after<'a>(o: &'a AdObject, change: Option<&'a Change>) -> Vec<&'a str> {
    let mut out: Vec<&str> = o.proxy_addresses.iter().map(|p| p.as_str()).collect();
    if let Some(Change::Values { remove, add, .. }) = change {
        out.retain(|v| !remove.iter().any(|r| r == v));
        out.extend(add.iter().map(String::as_str));
    }
    out
}

/// The single-valued attribute proposals of one object → a change, or a note saying why not.
pub(super) fn resolve_single(
    o: &AdObject,
    attr: &'static str,
    mut props: Vec<Proposal>,
    op: &mut ObjectPlan,
    primary: Option<&str>,
    scope: &mut Scope<'_>,
) {
    let old = current(o, attr).first().map(|s| s.to_string());
    let stale: Vec<&Proposal> = props
        .iter()
        .filter(|p| p.old.is_some() && p.old != old && !(p.old.as_deref() == Some("") && old.is_none()))
        .collect();
    if !stale.is_empty() {
        op.notes.push(format!(
            "{attr}: not changed, {} names the old value {} but the export holds {}",
            rules_of(&props).join(", "),
            show(&stale[0].old),
            show(&old)
        ));
        return;
    }
    // mail must equal the primary SMTP address (after this plan's proxyAddresses changes) when that
    // is valid: a proposed address that differs is replaced by it.
    // Notes on proposals replaced by the primary address: `adjusted` if the change is made, else `notes`.
    let mut replaced = Vec::new();
    if attr == "mail"
        && let Some(p) = primary
    {
        for prop in props.iter_mut() {
            if let Some(n) = prop.new.as_deref().filter(|n| !n.eq_ignore_ascii_case(p)) {
                let (rule, n) = (prop.rule.clone(), n.to_string());
                prop.new = Some(p.to_string());
                if old.as_deref().is_some_and(|v| v.eq_ignore_ascii_case(p)) {
                    op.notes.push(format!(
                        "mail: not changed ({rule} proposed '{n}'): the mail already equals the primary SMTP address \
                         '{p}', and mail must equal it"
                    ));
                } else {
                    replaced.push(format!(
                        "mail: {rule} proposed '{n}', which is not the primary SMTP address; the primary '{p}' is \
                         set instead (mail must equal it)"
                    ));
                }
            }
        }
    }
    let distinct: BTreeSet<&Option<String>> = props.iter().map(|p| &p.new).collect();
    if distinct.len() > 1 {
        let list: Vec<String> = distinct
            .iter()
            .map(|n| {
                let who: Vec<&str> = props
                    .iter()
                    .filter(|p| &&p.new == n)
                    .map(|p| p.rule.as_str())
                    .collect::<BTreeSet<_>>()
                    .into_iter()
                    .collect();
                format!("{} ({})", show(n), who.join(", "))
            })
            .collect();
        op.notes.push(format!("{attr}: not changed, the rules disagree: {}", list.join(" vs ")));
        op.notes.append(&mut replaced);
        return;
    }
    let new = props[0].new.clone();
    if new == old || (new.is_none() && old.is_none()) {
        op.notes.append(&mut replaced);
        return;
    }
    let rules = rules_of(&props);
    if let Some(old_v) = old.as_deref()
        && let Some((kept, by)) = scope.kept.iter().find(|(k, _)| *k == address_key(old_v))
        && new.as_deref().map(address_key).as_ref() != Some(kept)
    {
        op.notes.push(format!(
            "{attr}: not changed ({} proposed {}): {by} says this object keeps '{kept}', so the plan does not take it away",
            rules.join(", "),
            show(&new)
        ));
        op.notes.append(&mut replaced);
        return;
    }
    if matches!(attr, "sAMAccountName" | "userPrincipalName")
        && let Some(why) = service_account(o)
    {
        let breaks = if attr == "sAMAccountName" {
            "renaming it breaks its SPNs, scheduled tasks and service logons"
        } else {
            "a new UPN breaks the services, scripts and sign-ins that use the old one"
        };
        op.notes.push(format!(
            "{attr}: not changed ({} proposed {}): {} is a service or privileged account ({why}); {breaks}: review it \
             by hand",
            rules.join(", "),
            show(&new),
            o.label()
        ));
        op.notes.append(&mut replaced);
        return;
    }
    if attr == "userPrincipalName"
        && let (Some(a), Some(b)) = (old.as_deref().and_then(suffix), new.as_deref().and_then(suffix))
        && !a.eq_ignore_ascii_case(b)
        && edit_distance(&a.to_lowercase(), &b.to_lowercase()) > 1
    {
        if scope.opt_ins.contains(&OptIn::MoveUpnSuffix) {
            *scope.opted.entry(OptIn::MoveUpnSuffix).or_default() += 1;
        } else {
            op.notes.push(format!(
                "userPrincipalName: not changed ({} proposed {}): moving a user from @{a} to @{b} is a business \
                 decision (sign-in name, mail routing, federation), not a mechanical fix: decide it and change it by \
                 hand, or opt in with --fix-policy move-upn-suffix",
                rules.join(", "),
                show(&new)
            ));
            op.notes.append(&mut replaced);
            return;
        }
    }
    op.changes.push(Change::Single { attr, old, new, rules });
    op.adjusted.append(&mut replaced);
}

/// The UPN suffix of a value (`a@b` → `b`).
fn suffix(v: &str) -> Option<&str> {
    v.rsplit_once('@').map(|(_, d)| d).filter(|d| !d.is_empty())
}

/// Levenshtein distance (small strings: UPN suffixes). One edit is a typo (`contoso.con`); more is a
/// move to another suffix.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != *cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Name patterns of service accounts (case-insensitive prefixes of the sAMAccountName).
const SERVICE_PREFIXES: &[&str] = &["svc", "sa-", "sa_", "srv-", "srv_", "service", "msa-", "msa_", "gmsa"];

/// Why an AD object is a service or privileged account whose sAMAccountName and userPrincipalName
/// must not be changed mechanically: it has SPNs, a non-zero adminCount (AdminSDHolder), a managed
/// service account class, or a service-account name pattern (every reason that applies, joined with
/// `; `). `None` for an ordinary account.
pub fn service_account(o: &AdObject) -> Option<String> {
    let mut why = Vec::new();
    match o.spn_count {
        0 => {}
        1 => why.push("has 1 SPN".to_string()),
        n => why.push(format!("has {n} SPNs")),
    }
    if let Some(n) = o.admin_count.filter(|n| *n != 0) {
        why.push(format!("adminCount = {n}: protected by AdminSDHolder, a privileged account"));
    }
    if let AdClass::Other(c) = &o.class
        && c.to_lowercase().contains("managedserviceaccount")
    {
        why.push(format!("object class {c}, a managed service account"));
    }
    if let Some(sam) = o.sam_account_name.as_deref().map(str::to_lowercase) {
        if sam.ends_with('$') {
            why.push("its sAMAccountName ends with $ (a machine or managed service account)".into());
        } else if let Some(p) = SERVICE_PREFIXES.iter().find(|p| sam.starts_with(*p)) {
            why.push(format!("its sAMAccountName starts with the service-account pattern `{p}`"));
        }
    }
    (!why.is_empty()).then(|| why.join("; "))
}

/// The proxyAddresses proposals of one object → one value-level change, or notes.
pub(super) fn resolve_values(
    o: &AdObject,
    attr: &'static str,
    values: BTreeMap<String, Vec<Proposal>>,
    op: &mut ObjectPlan,
    scope: &Scope<'_>,
) {
    let cur = current(o, attr);
    // Per value: one agreed proposal, or a note.
    let mut edits: BTreeMap<&str, (Option<String>, Vec<String>)> = BTreeMap::new();
    for (old, props) in &values {
        let Some(&v) = cur.iter().find(|c| **c == old.as_str()) else {
            op.notes.push(format!("{attr} '{old}': not changed, the export does not hold this value"));
            continue;
        };
        let distinct: BTreeSet<&Option<String>> = props.iter().map(|p| &p.new).collect();
        if distinct.len() > 1 {
            let list: Vec<String> = distinct.iter().map(|n| show(n)).collect();
            op.notes.push(format!(
                "{attr} '{old}': not changed, the rules disagree ({}): {}",
                rules_of(props).join(", "),
                list.join(" vs ")
            ));
            continue;
        }
        let new = props[0].new.clone();
        if new.as_deref() == Some(v) {
            continue;
        }
        if let Some((kept, by)) = scope.kept.iter().find(|(k, _)| *k == address_key(v))
            && new.as_deref().map(address_key).as_ref() != Some(kept)
        {
            op.notes.push(format!(
                "{attr} '{v}': not changed ({} proposed {}): {by} says this object keeps '{kept}', so the plan does not \
                 take it away",
                rules_of(props).join(", "),
                show(&new)
            ));
            continue;
        }
        edits.insert(v, (new, rules_of(props)));
    }
    // Edits whose results collide (case-insensitively) with another value are dropped.
    loop {
        let mut seen: HashMap<String, Vec<(&str, bool)>> = HashMap::new();
        for &v in &cur {
            let (fin, edited) = match edits.get(v) {
                Some((Some(n), _)) => (n.as_str(), true),
                Some((None, _)) => continue,
                None => (v, false),
            };
            seen.entry(fin.to_lowercase()).or_default().push((v, edited));
        }
        let clash: Vec<&str> = seen
            .values()
            .filter(|holders| holders.len() > 1)
            .flat_map(|h| h.iter().filter(|(_, e)| *e).map(|(v, _)| *v))
            .collect();
        if clash.is_empty() {
            break;
        }
        let mut clash: Vec<&str> = clash;
        clash.sort();
        for v in clash {
            if let Some((n, _)) = edits.remove(v) {
                op.notes.push(format!(
                    "{attr} '{v}': not changed, the proposed {} equals another address of the object",
                    show(&n)
                ));
            }
        }
    }
    if edits.is_empty() {
        return;
    }
    let primaries = |vals: &mut dyn Iterator<Item = &str>| vals.filter(|v| v.starts_with("SMTP:")).count();
    let before = primaries(&mut cur.iter().copied());
    let after = primaries(&mut cur.iter().filter_map(|v| match edits.get(v) {
        Some((n, _)) => n.as_deref(),
        None => Some(*v),
    }));
    if after != 1 && after != before {
        op.notes.push(format!(
            "{attr}: not changed, the proposals ({}) would leave {after} primary SMTP: addresses instead of {before}; fix by hand",
            edits.values().flat_map(|(_, r)| r.iter().cloned()).collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>().join(", ")
        ));
        return;
    }
    let mut remove = Vec::new();
    let mut add = Vec::new();
    let mut rules = BTreeSet::new();
    for &v in &cur {
        if let Some((n, r)) = edits.get(v) {
            remove.push(v.to_string());
            add.extend(n.clone());
            rules.extend(r.iter().cloned());
        }
    }
    op.changes.push(Change::Values { attr, remove, add, rules: rules.into_iter().collect() });
}
