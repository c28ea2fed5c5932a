//! The remediation plan shared by the fix writers (`ldif-fix`, `ps1-fix`): which attribute of which
//! AD object changes from what to what, derived from the proposals the rules put in their findings.
//!
//! Sources: findings of the families `characters` and `duplicates` (default mode) and `idfix` (IdFix
//! parity mode) whose evidence carries an `action` (`EDIT`/`REMOVE`) and a proposed value
//! (`proposed_value`; IdFix rows: `update`) — for duplicates, per member in `members[]`. Nothing else
//! becomes a change:
//! - a finding excepted by the policy (accepted as it is), or of severity `info` (optional, e.g. CH015);
//! - an `EDIT` without a proposed value (a person has to choose: a UPN held twice, a confusable
//!   letter without a Latin twin), an empty proposal, IdFix's `COMPLETE`;
//! - an object without a DN, one whose subject id matches several objects, or one read from an
//!   export the readers flagged as lossy (`IN001`, `IN006`: its values may not be the real ones, and
//!   an undo file would "restore" damaged values);
//! - a proposal whose recorded old value is not the object's value in the export.
//!
//! Conflicts are never written as two contradictory changes: proposals for one single-valued
//! attribute of one object that agree are merged (the change lists every rule); proposals that
//! disagree are dropped with a note naming them. proxyAddresses changes are value-level (delete the
//! bad value, add the fixed one); a value with disagreeing proposals, edits that would make two
//! values equal (proxyAddresses are unique case-insensitively), and a set of changes that would leave
//! the object with no or several primary `SMTP:` addresses (when it had one) are dropped with a note.
//!
//! The old values (for the undo files) are the object's values as read from the export.

use super::RunSummary;
use crate::findings::{Finding, Severity};
use crate::gate::Suppression;
use crate::ingest::codes;
use crate::model::{AdClass, AdObject, Estate};
use crate::rules::catalog;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Attributes a fix may change, in the order changes are written. `true` = multi-valued.
pub const ATTRIBUTES: &[(&str, bool)] = &[
    ("userPrincipalName", false),
    ("sAMAccountName", false),
    ("mail", false),
    ("mailNickname", false),
    ("proxyAddresses", true),
    ("targetAddress", false),
    ("displayName", false),
    ("givenName", false),
    ("sn", false),
];

/// Families whose proposals are applied.
const FAMILIES: &[&str] = &["characters", "duplicates", "idfix"];

/// The LDAP name of an attribute a fix may change (matched case-insensitively: IdFix writes `mailnickname`).
pub fn attribute(name: &str) -> Option<(&'static str, bool)> {
    ATTRIBUTES.iter().find(|(a, _)| a.eq_ignore_ascii_case(name)).copied()
}

/// The value(s) of an attribute of an object in the export.
pub fn current<'a>(o: &'a AdObject, attr: &str) -> Vec<&'a str> {
    let one = |v: &'a Option<crate::model::Text>| v.as_deref().into_iter().collect();
    match attr {
        "userPrincipalName" => one(&o.upn),
        "sAMAccountName" => one(&o.sam_account_name),
        "mail" => one(&o.mail),
        "mailNickname" => one(&o.mail_nickname),
        "proxyAddresses" => o.proxy_addresses.iter().map(crate::model::Text::as_str).collect(),
        "targetAddress" => one(&o.target_address),
        "displayName" => one(&o.display_name),
        "givenName" => one(&o.given_name),
        "sn" => one(&o.sn),
        _ => Vec::new(),
    }
}

/// One attribute change of one object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// A single-valued attribute: `old` → `new` (`None` = absent / removed).
    Single {
        /// LDAP name.
        attr: &'static str,
        /// Value in the export.
        old: Option<String>,
        /// Value after the fix.
        new: Option<String>,
        /// Rules that proposed it.
        rules: Vec<String>,
    },
    /// A multi-valued attribute, value by value: `remove` are deleted, then `add` are added.
    Values {
        /// LDAP name.
        attr: &'static str,
        /// Values deleted (exactly as in the export).
        remove: Vec<String>,
        /// Values added.
        add: Vec<String>,
        /// Rules that proposed it.
        rules: Vec<String>,
    },
}

impl Change {
    /// The attribute.
    pub fn attr(&self) -> &'static str {
        match self {
            Self::Single { attr, .. } | Self::Values { attr, .. } => attr,
        }
    }
    /// The rules behind the change.
    pub fn rules(&self) -> &[String] {
        match self {
            Self::Single { rules, .. } | Self::Values { rules, .. } => rules,
        }
    }
    /// One line describing the change (for comments).
    pub fn describe(&self) -> String {
        let q = |v: &Option<String>| v.as_ref().map_or("(absent)".to_string(), |s| format!("'{s}'"));
        match self {
            Self::Single { attr, old, new, rules } => {
                format!("{attr}: {} -> {} ({})", q(old), q(new), rules.join(", "))
            }
            Self::Values { attr, remove, add, rules } => {
                let list = |v: &[String]| v.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", ");
                let mut parts = Vec::new();
                if !remove.is_empty() {
                    parts.push(format!("delete {}", list(remove)));
                }
                if !add.is_empty() {
                    parts.push(format!("add {}", list(add)));
                }
                format!("{attr}: {} ({})", parts.join("; "), rules.join(", "))
            }
        }
    }
}

/// The changes of one AD object.
#[derive(Clone, Debug)]
pub struct ObjectPlan {
    /// distinguishedName.
    pub dn: String,
    /// objectGUID, when exported.
    pub guid: Option<String>,
    /// Object class (picks the PowerShell cmdlet).
    pub class: AdClass,
    /// Human label.
    pub label: String,
    /// DNS domain of the DN (the `-Server` of the PowerShell cmdlets).
    pub domain: Option<String>,
    /// Changes, in [`ATTRIBUTES`] order.
    pub changes: Vec<Change>,
    /// Proposals for this object that were not applied, and why.
    pub notes: Vec<String>,
}

/// Every change the fix files make, plus what was left out.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Objects with at least one change or note, sorted by DN (case-insensitively).
    pub objects: Vec<ObjectPlan>,
    /// Proposals left out that belong to no object of the plan, and why.
    pub notes: Vec<String>,
    /// Findings whose proposals were considered.
    pub findings_considered: usize,
    /// Findings left out because the policy excepts them.
    pub excepted: usize,
    /// Findings left out because they are informational.
    pub informational: usize,
}

impl Plan {
    /// Objects that have changes.
    pub fn changed(&self) -> impl Iterator<Item = &ObjectPlan> {
        self.objects.iter().filter(|o| !o.changes.is_empty())
    }
    /// Number of attribute changes.
    pub fn change_count(&self) -> usize {
        self.objects.iter().map(|o| o.changes.len()).sum()
    }
}

/// What one rule proposes for one attribute (value) of one object: `Some(new)` or removal.
#[derive(Clone, Debug)]
struct Proposal {
    rule: String,
    /// The old value the finding names (`None`: not given, or a whole-attribute proposal).
    old: Option<String>,
    new: Option<String>,
}

#[derive(Default)]
struct Pending {
    /// Single-valued attribute → proposals.
    single: BTreeMap<&'static str, Vec<Proposal>>,
    /// proxyAddresses value (exact) → proposals.
    values: BTreeMap<String, Vec<Proposal>>,
    notes: Vec<String>,
}

/// Builds the plan of a run.
pub fn plan(s: &RunSummary<'_>) -> Plan {
    plan_of(&s.ingested.estate, s.findings, &s.gate.suppressions, &lossy_files(s))
}

fn lossy_files(s: &RunSummary<'_>) -> HashSet<u32> {
    s.ingested
        .inputs
        .iter()
        .filter(|r| r.issues.iter().any(|i| i.code == codes::LOSSY_COLUMN || i.code == codes::ENCODING))
        .map(|r| r.file.0)
        .collect()
}

/// Builds the plan from an estate and its findings (`suppressions` parallel to `findings`, may be
/// shorter; `lossy` = file ids whose values cannot be trusted).
pub fn plan_of(
    estate: &Estate,
    findings: &[Finding],
    suppressions: &[Option<Suppression>],
    lossy: &HashSet<u32>,
) -> Plan {
    let mut plan = Plan::default();
    // Subject id (objectGUID or DN) → object; None when several objects share it.
    let guids: Vec<Option<String>> = estate.ad_objects.iter().map(|o| o.object_guid.map(|g| g.to_string())).collect();
    let mut by_id: HashMap<&str, Option<usize>> = HashMap::new();
    for (i, o) in estate.ad_objects.iter().enumerate() {
        for id in [guids[i].as_deref(), o.dn.as_deref()].into_iter().flatten() {
            by_id.entry(id).and_modify(|e| *e = None).or_insert(Some(i));
        }
    }

    let mut pending: BTreeMap<usize, Pending> = BTreeMap::new();
    let mut pending_global: Vec<String> = Vec::new();
    let mut metas: HashMap<&str, Option<&catalog::RuleMeta>> = HashMap::new();
    for (n, f) in findings.iter().enumerate() {
        let Some(meta) = *metas.entry(f.rule.as_str()).or_insert_with(|| catalog::get(&f.rule)) else { continue };
        if !FAMILIES.contains(&meta.family.as_str()) {
            continue;
        }
        if matches!(suppressions.get(n), Some(Some(Suppression::Exception(_)))) {
            plan.excepted += 1;
            continue;
        }
        if f.severity == Severity::Info {
            plan.informational += 1;
            continue;
        }
        plan.findings_considered += 1;
        let mut each = |subject: &str, attr: &str, old: Option<&Value>, new: Option<&Value>, action: &str| {
            let who = match by_id.get(subject) {
                Some(Some(i)) => *i,
                Some(None) => {
                    plan.notes.push(format!("{}: {subject} names several AD objects; not changed", f.rule));
                    return;
                }
                None => return, // a cloud object, or an object without a DN
            };
            let o = &estate.ad_objects[who];
            let p = pending.entry(who).or_default();
            if o.dn.is_none() {
                return;
            }
            if lossy.contains(&o.source.file.0) {
                p.notes.push(format!(
                    "{} {attr}: not changed, the export this object was read from is lossy (IN001/IN006)",
                    f.rule
                ));
                return;
            }
            let Some((attr, multi)) = attribute(attr) else {
                p.notes.push(format!("{} {attr}: not an attribute the fix files change", f.rule));
                return;
            };
            let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
            let new = match action {
                "REMOVE" => None,
                "EDIT" => match text(new) {
                    Some(v) if !v.is_empty() => Some(v),
                    Some(_) => {
                        p.notes.push(format!("{} {attr}: the proposed value is empty; fix by hand", f.rule));
                        return;
                    }
                    None => {
                        p.notes.push(format!("{} {attr}: no value proposed; choose one by hand", f.rule));
                        return;
                    }
                },
                _ => return,
            };
            let prop = Proposal { rule: f.rule.clone(), old: text(old), new };
            if multi {
                match prop.old.clone() {
                    Some(v) => p.values.entry(v).or_default().push(prop),
                    None => p.notes.push(format!("{} {attr}: no value named; not changed", f.rule)),
                }
            } else {
                p.single.entry(attr).or_default().push(prop);
            }
        };
        let ev = &f.evidence;
        let primary = f.subjects.first().map(|s| s.id.as_str()).unwrap_or("");
        match meta.family.as_str() {
            "idfix" => {
                let attr = ev.get("attribute").and_then(Value::as_str).unwrap_or("");
                let action = ev.get("action").and_then(Value::as_str).unwrap_or("");
                let (value, update) = (ev.get("value"), ev.get("update"));
                let text = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_lowercase();
                if action == "EDIT" && text(value) == text(update) {
                    // IdFix's EDIT with UPDATE = VALUE (duplicates, TopLevelDomain): it has no new value.
                    each(primary, attr, value, None, action);
                } else {
                    each(primary, attr, value, update, action);
                }
            }
            "duplicates" => {
                let value = ev.get("value").and_then(Value::as_str).unwrap_or("");
                let members: Vec<&Value> = ev.get("members").and_then(Value::as_array).into_iter().flatten().collect();
                let applicable = |m: &Value| match m.get("action").and_then(Value::as_str) {
                    Some("REMOVE") => true,
                    Some("EDIT") => m.get("proposed_value").is_some_and(|v| !v.is_null()),
                    _ => false,
                };
                let n_applicable = members.iter().filter(|m| applicable(m)).count();
                let members: Vec<&Value> = if ev.get("winner").is_none_or(Value::is_null) && n_applicable > 0 {
                    // Which holder keeps the value is unknown: every member carries a proposal, as
                    // alternatives. One applicable proposal resolves the duplicate on its own; several
                    // would take the value from every holder, so none is applied.
                    if n_applicable > 1 {
                        pending_global.push(format!(
                            "{} '{value}': held by {} objects and which one keeps it is undetermined; choose by hand",
                            f.rule,
                            members.len()
                        ));
                        Vec::new()
                    } else {
                        members.into_iter().filter(|m| applicable(m)).collect()
                    }
                } else {
                    members
                };
                for m in members {
                    let (Some(subject), Some(action)) =
                        (m.get("subject").and_then(Value::as_str), m.get("action").and_then(Value::as_str))
                    else {
                        continue;
                    };
                    let attrs: Vec<&str> = m
                        .get("attributes")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    let new = m.get("proposed_value");
                    if f.rule == "DU003" {
                        let old = Value::String(value.to_string());
                        each_nickname(&mut each, subject, &old, new, action, &by_id, estate);
                    } else if action == "REMOVE" && attrs.iter().any(|a| a.contains("secondary")) {
                        // The secondary smtp: proxy address(es) holding the value.
                        if let Some(Some(i)) = by_id.get(subject) {
                            for v in &estate.ad_objects[*i].proxy_addresses {
                                if v.starts_with("smtp:") && v[5..].eq_ignore_ascii_case(value) {
                                    each(
                                        subject,
                                        "proxyAddresses",
                                        Some(&Value::String(v.to_string())),
                                        None,
                                        "REMOVE",
                                    );
                                }
                            }
                        }
                    } else if attrs.contains(&"mail") && action == "EDIT" {
                        let old = by_id
                            .get(subject)
                            .copied()
                            .flatten()
                            .and_then(|i| estate.ad_objects[i].mail.as_deref().map(String::from))
                            .map(Value::String);
                        each(subject, "mail", old.as_ref(), new, action);
                    } else if action == "EDIT" && new.is_none_or(Value::is_null) {
                        let attr = attrs.first().copied().unwrap_or("userPrincipalName");
                        let attr = if attr.starts_with("proxyAddresses") { "proxyAddresses" } else { attr };
                        each(subject, attr, Some(&Value::String(value.to_string())), None, "EDIT");
                    }
                }
            }
            _ => {
                let attr = ev.get("attribute").and_then(Value::as_str).unwrap_or("");
                let action = ev.get("action").and_then(Value::as_str).unwrap_or("");
                match (ev.get("value"), ev.get("proposed_value")) {
                    // CH017: the whole list of SMTP addresses, rewritten (case of the prefixes).
                    (Some(Value::Array(old)), Some(Value::Array(new))) if old.len() == new.len() => {
                        for (a, b) in old.iter().zip(new) {
                            if a != b {
                                each(primary, attr, Some(a), Some(b), action);
                            }
                        }
                    }
                    (Some(Value::Array(_)), _) => {}
                    (old, new) => each(primary, attr, old, new, action),
                }
            }
        }
    }

    for (i, p) in pending {
        let o = &estate.ad_objects[i];
        let Some(dn) = o.dn.as_deref().map(String::from) else { continue };
        let mut op = ObjectPlan {
            dn,
            guid: o.object_guid.map(|g| g.to_string()),
            class: o.class.clone(),
            label: o.label(),
            domain: o.dns_domain(),
            changes: Vec::new(),
            notes: p.notes,
        };
        for (attr, props) in p.single {
            resolve_single(o, attr, props, &mut op);
        }
        if !p.values.is_empty() {
            resolve_values(o, "proxyAddresses", p.values, &mut op);
        }
        let order = |c: &Change| ATTRIBUTES.iter().position(|(a, _)| *a == c.attr()).unwrap_or(usize::MAX);
        op.changes.sort_by_key(order);
        op.notes.sort();
        op.notes.dedup();
        if !op.changes.is_empty() || !op.notes.is_empty() {
            plan.objects.push(op);
        }
    }
    plan.notes.append(&mut pending_global);
    plan.objects.sort_by(|a, b| a.dn.to_lowercase().cmp(&b.dn.to_lowercase()).then_with(|| a.dn.cmp(&b.dn)));
    plan.notes.sort();
    plan.notes.dedup();
    plan
}

/// DU003: the member's mailNickname (the finding's value is lower-cased; the object's is used).
fn each_nickname(
    each: &mut impl FnMut(&str, &str, Option<&Value>, Option<&Value>, &str),
    subject: &str,
    folded: &Value,
    new: Option<&Value>,
    action: &str,
    by_id: &HashMap<&str, Option<usize>>,
    estate: &Estate,
) {
    let old = by_id
        .get(subject)
        .copied()
        .flatten()
        .and_then(|i| estate.ad_objects[i].mail_nickname.as_deref().map(String::from))
        .filter(|n| Some(n.to_lowercase().as_str()) == folded.as_str())
        .map(Value::String);
    each(subject, "mailNickname", old.as_ref().or(Some(folded)), new, action);
}

fn rules_of(props: &[Proposal]) -> Vec<String> {
    props.iter().map(|p| p.rule.clone()).collect::<BTreeSet<_>>().into_iter().collect()
}

fn show(v: &Option<String>) -> String {
    v.as_ref().map_or("removal".to_string(), |s| format!("'{s}'"))
}

fn resolve_single(o: &AdObject, attr: &'static str, props: Vec<Proposal>, op: &mut ObjectPlan) {
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
        return;
    }
    let new = props[0].new.clone();
    if new == old || (new.is_none() && old.is_none()) {
        return;
    }
    if attr == "sAMAccountName"
        && let Some(why) = service_account(o)
    {
        op.notes.push(format!(
            "sAMAccountName: not changed ({} proposed {}): {} looks like a service account ({why}); renaming it breaks \
             its SPNs, scheduled tasks and service logons — review it by hand",
            rules_of(&props).join(", "),
            show(&new),
            o.label()
        ));
        return;
    }
    if attr == "userPrincipalName"
        && let (Some(a), Some(b)) = (old.as_deref().and_then(suffix), new.as_deref().and_then(suffix))
        && !a.eq_ignore_ascii_case(b)
        && edit_distance(&a.to_lowercase(), &b.to_lowercase()) > 1
    {
        op.notes.push(format!(
            "userPrincipalName: not changed ({} proposed {}): moving a user from @{a} to @{b} is a business decision \
             (sign-in name, mail routing, federation), not a mechanical fix — decide it and change it by hand",
            rules_of(&props).join(", "),
            show(&new)
        ));
        return;
    }
    op.changes.push(Change::Single { attr, old, new, rules: rules_of(&props) });
}

/// The UPN suffix of a value (`a@b` → `b`).
fn suffix(v: &str) -> Option<&str> {
    v.rsplit_once('@').map(|(_, d)| d).filter(|d| !d.is_empty())
}

/// Levenshtein distance (small strings: UPN suffixes). One edit is a typo (`contoso.con`); more is a
/// move to another suffix.
fn edit_distance(a: &str, b: &str) -> usize {
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

/// Why an AD object looks like a service account whose sAMAccountName must not be changed mechanically:
/// a managed service account class, or a service-account name pattern. `None` for an ordinary account.
pub fn service_account(o: &AdObject) -> Option<String> {
    if let AdClass::Other(c) = &o.class
        && c.to_lowercase().contains("managedserviceaccount")
    {
        return Some(format!("object class {c}"));
    }
    let sam = o.sam_account_name.as_deref()?.to_lowercase();
    if sam.ends_with('$') {
        return Some("its sAMAccountName ends with $ (a machine or managed service account)".into());
    }
    SERVICE_PREFIXES
        .iter()
        .find(|p| sam.starts_with(*p))
        .map(|p| format!("its sAMAccountName starts with the service-account pattern `{p}`"))
}

fn resolve_values(o: &AdObject, attr: &'static str, values: BTreeMap<String, Vec<Proposal>>, op: &mut ObjectPlan) {
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
        if new.as_deref() != Some(v) {
            edits.insert(v, (new, rules_of(props)));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Guid;
    use crate::rules::{ad_subject, evidence, finding};
    use serde_json::json;

    fn user(n: u8, f: impl FnOnce(&mut AdObject)) -> AdObject {
        let mut o = AdObject {
            dn: Some(crate::model::Text::from(format!("CN=User {n},OU=Staff,DC=corp,DC=contoso,DC=com"))),
            object_guid: Some(Guid(uuid::Uuid::from_u128(0x1000 + n as u128))),
            class: AdClass::User,
            ..Default::default()
        };
        f(&mut o);
        o
    }

    fn single(code: &str, o: &AdObject, attr: &str, old: Value, new: Value, action: &str) -> Finding {
        let ev =
            evidence([("attribute", json!(attr)), ("value", old), ("proposed_value", new), ("action", json!(action))]);
        finding(code, "t", vec![ad_subject(o)], ev, attr)
    }

    fn plan_for(objects: Vec<AdObject>, findings: &[Finding]) -> (Estate, Plan) {
        let estate = Estate { ad_objects: objects, ..Default::default() };
        let p = plan_of(&estate, findings, &[], &HashSet::new());
        (estate, p)
    }

    #[test]
    fn agreeing_proposals_merge_and_disagreeing_ones_are_left_out() {
        let o = user(1, |o| {
            o.upn = Some("jo sé@contoso.com".into());
            o.mail = Some("ann lee@contoso.com".into());
            o.proxy_addresses = vec!["SMTP:ann.lee@contoso.com".into()];
        });
        let f = [
            single("CH002", &o, "userPrincipalName", json!("jo sé@contoso.com"), json!("jose@contoso.com"), "EDIT"),
            single("CH014", &o, "userPrincipalName", json!("jo sé@contoso.com"), json!("jose@contoso.com"), "EDIT"),
            single("CH009", &o, "mail", json!("ann lee@contoso.com"), json!("annlee@contoso.com"), "EDIT"),
            single("CH018", &o, "mail", json!("ann lee@contoso.com"), json!("ann.lee@contoso.com"), "EDIT"),
        ];
        let (_, p) = plan_for(vec![o], &f);
        assert_eq!(p.objects.len(), 1);
        let op = &p.objects[0];
        assert_eq!(
            op.changes,
            vec![Change::Single {
                attr: "userPrincipalName",
                old: Some("jo sé@contoso.com".into()),
                new: Some("jose@contoso.com".into()),
                rules: vec!["CH002".into(), "CH014".into()],
            }]
        );
        assert_eq!(op.notes.len(), 1, "{:?}", op.notes);
        assert!(op.notes[0].contains("mail: not changed, the rules disagree"), "{}", op.notes[0]);
        assert!(op.notes[0].contains("CH009") && op.notes[0].contains("CH018"));
    }

    #[test]
    fn proxy_addresses_change_value_by_value() {
        let o = user(2, |o| {
            o.proxy_addresses = vec![
                "smtp:a@contoso.com".into(),
                "SMTP:b@contoso.com".into(),
                "SMTP:c@contoso.com".into(),
                "smtp:d e@contoso.com".into(),
                "X500:/o=x".into(),
            ];
        });
        let smtp = json!(["smtp:a@contoso.com", "SMTP:b@contoso.com", "SMTP:c@contoso.com", "smtp:d e@contoso.com"]);
        let fixed = json!(["smtp:a@contoso.com", "SMTP:b@contoso.com", "smtp:c@contoso.com", "smtp:d e@contoso.com"]);
        let f = [
            single("CH017", &o, "proxyAddresses", smtp, fixed, "EDIT"),
            single("CH007", &o, "proxyAddresses", json!("smtp:d e@contoso.com"), json!("smtp:de@contoso.com"), "EDIT"),
        ];
        let (_, p) = plan_for(vec![o], &f);
        assert_eq!(
            p.objects[0].changes,
            vec![Change::Values {
                attr: "proxyAddresses",
                remove: vec!["SMTP:c@contoso.com".into(), "smtp:d e@contoso.com".into()],
                add: vec!["smtp:c@contoso.com".into(), "smtp:de@contoso.com".into()],
                rules: vec!["CH007".into(), "CH017".into()],
            }]
        );
        assert!(p.objects[0].notes.is_empty());
    }

    #[test]
    fn collisions_lost_primaries_and_stale_values_are_left_out() {
        // The fixed value already exists: the edit is dropped.
        let o = user(3, |o| o.proxy_addresses = vec!["SMTP:jose@contoso.com".into(), "smtp:josé@contoso.com".into()]);
        let f = [single(
            "CH014",
            &o,
            "proxyAddresses",
            json!("smtp:josé@contoso.com"),
            json!("smtp:jose@contoso.com"),
            "EDIT",
        )];
        let (_, p) = plan_for(vec![o], &f);
        assert!(p.objects[0].changes.is_empty());
        assert!(p.objects[0].notes[0].contains("equals another address"), "{:?}", p.objects[0].notes);
        // Removing the only primary is refused.
        let o = user(4, |o| o.proxy_addresses = vec!["SMTP:a b@contoso.com".into(), "smtp:x@contoso.com".into()]);
        let f = [single("CH007", &o, "proxyAddresses", json!("SMTP:a b@contoso.com"), Value::Null, "REMOVE")];
        let (_, p) = plan_for(vec![o], &f);
        assert!(p.objects[0].changes.is_empty());
        assert!(p.objects[0].notes[0].contains("would leave 0 primary"), "{:?}", p.objects[0].notes);
        // The finding names a value the object no longer holds.
        let o = user(5, |o| o.mail = Some("new@contoso.com".into()));
        let f = [single("CH009", &o, "mail", json!("old @contoso.com"), json!("old@contoso.com"), "EDIT")];
        let (_, p) = plan_for(vec![o], &f);
        assert!(p.objects[0].changes.is_empty());
        assert!(p.objects[0].notes[0].contains("export holds 'new@contoso.com'"), "{:?}", p.objects[0].notes);
        // EDIT without a proposal, and an empty proposal: notes, no change.
        let o = user(6, |o| o.upn = Some("x@contoso.local".into()));
        let f = [
            single("CH006", &o, "userPrincipalName", json!("x@contoso.local"), Value::Null, "EDIT"),
            single("CH010", &o, "mailNickname", json!("..."), json!(""), "EDIT"),
        ];
        let (_, p) = plan_for(vec![o], &f);
        assert!(p.objects[0].changes.is_empty());
        assert_eq!(p.objects[0].notes.len(), 2, "{:?}", p.objects[0].notes);
    }

    #[test]
    fn exceptions_informational_lossy_and_dn_less_objects_are_not_changed() {
        let o = user(7, |o| o.upn = Some("a b@contoso.com".into()));
        let mut no_dn = user(8, |o| o.upn = Some("c d@contoso.com".into()));
        no_dn.dn = None;
        let f = [
            single("CH002", &o, "userPrincipalName", json!("a b@contoso.com"), json!("ab@contoso.com"), "EDIT"),
            single("CH002", &no_dn, "userPrincipalName", json!("c d@contoso.com"), json!("cd@contoso.com"), "EDIT"),
            single("CH015", &o, "displayName", json!("Zoë"), json!("Zoe"), "EDIT"),
        ];
        let estate = Estate { ad_objects: vec![o, no_dn], ..Default::default() };
        let p = plan_of(&estate, &f, &[], &HashSet::new());
        assert_eq!(p.change_count(), 1);
        assert_eq!(p.informational, 1);
        let exc = crate::gate::Suppression::Exception(crate::gate::Exception {
            line: 1,
            rule: "CH002".into(),
            subject: None,
            fingerprint: None,
            reason: "r".into(),
            owner: "o".into(),
            expires: time::macros::date!(2030 - 01 - 01),
        });
        let p = plan_of(&estate, &f, &[Some(exc)], &HashSet::new());
        assert_eq!((p.change_count(), p.excepted), (0, 1));
        let p = plan_of(&estate, &f, &[], &HashSet::from([0]));
        assert_eq!(p.change_count(), 0);
        assert!(p.objects[0].notes[0].contains("lossy"));
    }

    #[test]
    fn service_accounts_and_upn_suffix_moves_are_listed_not_changed() {
        // Issue 25: a service account's sAMAccountName is never renamed by the fix files (SPNs, logons),
        // and moving a UPN to another suffix is a business decision; a one-edit typo is still corrected.
        let svc = user(11, |o| o.sam_account_name = Some("svc-sharepoint-crawler01".into()));
        let intern = user(12, |o| o.sam_account_name = Some("intern[01]".into()));
        let moved = user(13, |o| o.upn = Some("h.karimi@fabrikam.local".into()));
        let typo = user(14, |o| o.upn = Some("w.zhang@contoso.con".into()));
        let f = [
            single(
                "CH011",
                &svc,
                "sAMAccountName",
                json!("svc-sharepoint-crawler01"),
                json!("svc-sharepoint-crawl"),
                "EDIT",
            ),
            single("CH011", &intern, "sAMAccountName", json!("intern[01]"), json!("intern01"), "EDIT"),
            single(
                "CH006",
                &moved,
                "userPrincipalName",
                json!("h.karimi@fabrikam.local"),
                json!("h.karimi@fabrikam.com"),
                "EDIT",
            ),
            single(
                "CH006",
                &typo,
                "userPrincipalName",
                json!("w.zhang@contoso.con"),
                json!("w.zhang@contoso.com"),
                "EDIT",
            ),
        ];
        let (_, p) = plan_for(vec![svc, intern, moved, typo], &f);
        let changed: Vec<&str> = p.changed().map(|o| o.label.as_str()).collect();
        assert_eq!(p.change_count(), 2, "only the intern's rename and the typo fix: {changed:?}");
        let notes: Vec<&String> = p.objects.iter().flat_map(|o| &o.notes).collect();
        assert!(notes.iter().any(|n| n.contains("looks like a service account") && n.contains("`svc`")), "{notes:?}");
        assert!(
            notes.iter().any(|n| n.contains("from @fabrikam.local to @fabrikam.com is a business decision")),
            "{notes:?}"
        );
        assert_eq!(edit_distance("contoso.con", "contoso.com"), 1);
        let gmsa = AdObject { class: AdClass::Other("msDS-GroupManagedServiceAccount".into()), ..user(15, |_| {}) };
        assert!(service_account(&gmsa).is_some());
    }

    #[test]
    fn duplicate_members_become_changes() {
        let winner = user(9, |o| o.upn = Some("dana@contoso.com".into()));
        let contact = AdObject {
            class: AdClass::Contact,
            mail: Some("dana@contoso.com".into()),
            proxy_addresses: vec!["SMTP:dana@fabrikam.com".into(), "smtp:Dana@Contoso.com".into()],
            ..user(10, |_| {})
        };
        let members = json!([
            {"subject": ad_subject(&winner).id, "attributes": ["userPrincipalName"], "action": null, "proposed_value": null},
            {"subject": ad_subject(&contact).id, "attributes": ["proxyAddresses (secondary smtp:)"], "action": "REMOVE", "proposed_value": null},
            {"subject": ad_subject(&contact).id, "attributes": ["mail"], "action": "EDIT", "proposed_value": "dana@fabrikam.com"},
        ]);
        let ev = evidence([
            ("value", json!("dana@contoso.com")),
            ("members", members.clone()),
            ("winner", json!(ad_subject(&winner).id)),
        ]);
        let f = [finding("DU001", "t", vec![ad_subject(&contact), ad_subject(&winner)], ev, "dana@contoso.com")];
        // Which holder keeps the value is undetermined: several alternatives are not all applied.
        let undecided = evidence([("value", json!("dana@contoso.com")), ("members", members), ("winner", Value::Null)]);
        let g = [finding("DU001", "t", vec![ad_subject(&contact)], undecided, "dana@contoso.com")];
        let (_, p) = plan_for(vec![winner.clone(), contact.clone()], &g);
        assert_eq!(p.change_count(), 0);
        assert!(p.notes[0].contains("undetermined"), "{:?}", p.notes);
        let (_, p) = plan_for(vec![winner, contact], &f);
        assert_eq!(p.objects.len(), 1);
        assert_eq!(
            p.objects[0].changes,
            vec![
                Change::Single {
                    attr: "mail",
                    old: Some("dana@contoso.com".into()),
                    new: Some("dana@fabrikam.com".into()),
                    rules: vec!["DU001".into()]
                },
                Change::Values {
                    attr: "proxyAddresses",
                    remove: vec!["smtp:Dana@Contoso.com".into()],
                    add: vec![],
                    rules: vec!["DU001".into()]
                },
            ]
        );
    }
}
