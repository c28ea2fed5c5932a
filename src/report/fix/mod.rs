//! The remediation plan shared by the fix writers (`ldif-fix`, `ps1-fix`): which attribute of which
//! AD object changes from what to what, derived from the proposals the rules put in their findings.
//!
//! What lives where: `mod.rs` — the plan types, the opt-ins and the collection of proposals from the
//! findings; `resolve.rs` — one object's proposals turned into changes (agreement, stale values,
//! collisions, service accounts, suffix moves, keepers, mail = primary SMTP); `tests.rs` — unit tests.
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
//! Only safe, mechanical edits are made; the rest is listed in the files' headers with why:
//! - **Service and privileged accounts** ([`service_account`]): an account with SPNs (it runs a
//!   service: Kerberos tickets name it), with a non-zero `adminCount` (AdminSDHolder protects it), of
//!   a managed service account class, or whose sAMAccountName matches a service-account pattern
//!   (`svc…`, `…$`) gets no sAMAccountName and no userPrincipalName change (services, scheduled tasks
//!   and scripts log on with either); its address edits stay.
//! - **Business decisions**: moving a UPN to another suffix (`@fabrikam.local` → `@fabrikam.com`)
//!   changes the sign-in name and belongs to whoever owns the migration; a one-edit typo of the
//!   suffix (`@contoso.con`) is still corrected. An [`OptIn`] (`--fix-policy move-upn-suffix`, or
//!   `[fix] move_upn_suffix = true` in the policy file) applies the moves, and the header says so.
//! - **Consistency between proposals**: the object a duplicates finding says keeps a value (its
//!   `winner`) never loses that value in the plan, whichever rule proposes it. And a proposed `mail`
//!   equals the object's primary `SMTP:` address (after the plan's own proxyAddresses changes) when
//!   that address is well formed ([`valid_smtp`]): a proposal that differs is replaced by the primary
//!   address, with a note. Replaced rather than dropped because the primary address is not a choice:
//!   Exchange derives `mail` from it (the recipient update stamps it back), Entra shows it as the
//!   mailbox address, and every proposal for `mail` is made because the current value is wrong — so
//!   the primary address is the one correct value, and dropping the edit would leave a value the
//!   rules already called broken. When the mail already equals the primary address, nothing changes
//!   (note). A removal of `mail` is not an address and is left as proposed.
//!
//! The old values (for the undo files) are the object's values as read from the export.

mod resolve;
#[cfg(test)]
mod tests;

pub use resolve::{address_key, proxies_after, service_account, valid_smtp};

use super::RunSummary;
use crate::findings::{Finding, Severity};
use crate::gate::Suppression;
use crate::ingest::{Ingested, codes};
use crate::model::{AdClass, AdObject, Estate};
use crate::rules::catalog;
use resolve::{Scope, resolve_single, resolve_values};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// A change the fix files make only when the user opts in (declared with the policy that grants it).
pub use crate::gate::policy::OptIn;

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
    /// Proposals applied with another value than proposed, and why (a mail set to the primary SMTP address).
    pub adjusted: Vec<String>,
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
    /// The opt-ins of the run, each with the number of changes made only because of it.
    pub opt_ins: Vec<(OptIn, usize)>,
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
    plan_of(&s.ingested.estate, s.findings, &s.gate.suppressions, &lossy_files(s.ingested), &s.meta.fix_opt_ins)
}

/// File ids of the inputs whose values cannot be trusted (`IN001`, `IN006`): their objects are not changed.
pub fn lossy_files(ingested: &Ingested) -> HashSet<u32> {
    ingested
        .inputs
        .iter()
        .filter(|r| r.issues.iter().any(|i| i.code == codes::LOSSY_COLUMN || i.code == codes::ENCODING))
        .map(|r| r.file.0)
        .collect()
}

/// Builds the plan from an estate and its findings (`suppressions` parallel to `findings`, may be
/// shorter; `lossy` = file ids whose values cannot be trusted; `opt_ins` = the business decisions
/// the user allowed).
pub fn plan_of(
    estate: &Estate,
    findings: &[Finding],
    suppressions: &[Option<Suppression>],
    lossy: &HashSet<u32>,
    opt_ins: &[OptIn],
) -> Plan {
    let mut plan = Plan::default();
    let mut opt_ins = opt_ins.to_vec();
    opt_ins.sort();
    opt_ins.dedup();
    // Subject id (objectGUID or DN) → object; None when several objects share it.
    let guids: Vec<Option<String>> = estate.ad_objects.iter().map(|o| o.object_guid.map(|g| g.to_string())).collect();
    let mut by_id: HashMap<&str, Option<usize>> = HashMap::new();
    for (i, o) in estate.ad_objects.iter().enumerate() {
        for id in [guids[i].as_deref(), o.dn.as_deref()].into_iter().flatten() {
            by_id.entry(id).and_modify(|e| *e = None).or_insert(Some(i));
        }
    }

    let mut pending: BTreeMap<usize, Pending> = BTreeMap::new();
    let mut opted: BTreeMap<OptIn, usize> = BTreeMap::new();
    let mut pending_global: Vec<String> = Vec::new();
    // Object → the values a duplicates finding says it keeps (address key, rule).
    let mut kept: HashMap<usize, Vec<(String, String)>> = HashMap::new();
    let mut metas: HashMap<&str, Option<&catalog::RuleMeta>> = HashMap::new();
    for (n, f) in findings.iter().enumerate() {
        let Some(meta) = *metas.entry(f.rule.as_str()).or_insert_with(|| catalog::get(&f.rule)) else { continue };
        if !FAMILIES.contains(&meta.family.as_str()) {
            continue;
        }
        // Whatever else happens to the finding (excepted too), its keeper keeps the value.
        let ev = f.evidence.map();
        if meta.family == "duplicates"
            && let (Some(w), Some(v)) =
                (ev.get("winner").and_then(Value::as_str), ev.get("value").and_then(Value::as_str))
            && let Some(Some(i)) = by_id.get(w)
        {
            kept.entry(*i).or_default().push((address_key(v), f.rule.clone()));
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
            adjusted: Vec::new(),
        };
        let mut scope = Scope { opt_ins: &opt_ins, kept: kept.get(&i).map_or(&[], Vec::as_slice), opted: &mut opted };
        // proxyAddresses first: a proposed mail must equal the primary SMTP address they leave.
        if !p.values.is_empty() {
            resolve_values(o, "proxyAddresses", p.values, &mut op, &scope);
        }
        let proxies = proxies_after(o, op.changes.first());
        let primary = crate::model::primary_smtp(&proxies).filter(|a| valid_smtp(a)).map(String::from);
        for (attr, props) in p.single {
            resolve_single(o, attr, props, &mut op, primary.as_deref(), &mut scope);
        }
        let order = |c: &Change| ATTRIBUTES.iter().position(|(a, _)| *a == c.attr()).unwrap_or(usize::MAX);
        op.changes.sort_by_key(order);
        op.notes.sort();
        op.notes.dedup();
        op.adjusted.sort();
        op.adjusted.dedup();
        if !op.changes.is_empty() || !op.notes.is_empty() {
            plan.objects.push(op);
        }
    }
    plan.notes.append(&mut pending_global);
    plan.opt_ins = opt_ins.iter().map(|o| (*o, opted.get(o).copied().unwrap_or(0))).collect();
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
