//! `fix.ldf` and `undo.ldf` (`--format ldif-fix`): the proposed values of the run's findings as an
//! RFC 2849 change file for `ldifde -i -f fix.ldf` or `ldapmodify -f fix.ldf`, and the file that
//! restores the exported values.
//!
//! One `changetype: modify` record per object, identified by its DN (a comment above it carries
//! the objectGUID, the label and each change with the rules behind it). Single-valued attributes
//! are `replace:`d (or `delete:`d when the proposal removes them); proxyAddresses are changed value
//! by value (`delete:` the bad value, then `add:` the fixed one), so other addresses are untouched.
//! Values that RFC 2849 does not allow plain are Base64 (`::`); lines are folded at 76 columns.
//!
//! The undo file inverts each record (its mod-specs in reverse order, each inverted: the exported
//! value is put back) and lists the records in reverse order. What the plan left out
//! ([`super::fix`]) is listed in comments. The files are ASCII: comments escape control characters.

use super::fix::{Change, ObjectPlan, Plan};
use crate::ingest::ldif::{LdifMod, LdifValue, ModOp, write_comment, write_modify, write_version};

/// The mod-specs that apply `changes`.
pub fn fix_mods(changes: &[Change]) -> Vec<LdifMod> {
    let text = |v: &[String]| v.iter().map(|s| LdifValue::Text(s.clone())).collect::<Vec<_>>();
    let mut mods = Vec::new();
    for c in changes {
        match c {
            Change::Single { attr, new: Some(n), .. } => {
                mods.push(LdifMod { op: ModOp::Replace, attr: attr.to_string(), values: text(std::slice::from_ref(n)) })
            }
            Change::Single { attr, new: None, .. } => {
                mods.push(LdifMod { op: ModOp::Delete, attr: attr.to_string(), values: Vec::new() })
            }
            Change::Values { attr, remove, add, .. } => {
                if !remove.is_empty() {
                    mods.push(LdifMod { op: ModOp::Delete, attr: attr.to_string(), values: text(remove) });
                }
                if !add.is_empty() {
                    mods.push(LdifMod { op: ModOp::Add, attr: attr.to_string(), values: text(add) });
                }
            }
        }
    }
    mods
}

/// The mod-specs that undo [`fix_mods`]`(changes)`: the inverse of each, in reverse order.
pub fn undo_mods(changes: &[Change]) -> Vec<LdifMod> {
    let text = |v: &[String]| v.iter().map(|s| LdifValue::Text(s.clone())).collect::<Vec<_>>();
    let mut mods = Vec::new();
    for c in changes.iter().rev() {
        match c {
            Change::Single { attr, old: Some(o), .. } => {
                mods.push(LdifMod { op: ModOp::Replace, attr: attr.to_string(), values: text(std::slice::from_ref(o)) })
            }
            Change::Single { attr, old: None, .. } => {
                mods.push(LdifMod { op: ModOp::Delete, attr: attr.to_string(), values: Vec::new() })
            }
            Change::Values { attr, remove, add, .. } => {
                if !add.is_empty() {
                    mods.push(LdifMod { op: ModOp::Delete, attr: attr.to_string(), values: text(add) });
                }
                if !remove.is_empty() {
                    mods.push(LdifMod { op: ModOp::Add, attr: attr.to_string(), values: text(remove) });
                }
            }
        }
    }
    mods
}

fn header(out: &mut String, plan: &Plan, generated_at: &str, undo: bool) {
    let lines: Vec<String> = if undo {
        vec![
            "undo.ldf - written by tenantlint: restores the values that fix.ldf changes, as they were in the exports.".into(),
            "Apply only after fix.ldf, with the same tool: ldifde -i -f undo.ldf -j . (Windows) or ldapmodify -f undo.ldf -H ldap://DC -D ... -W".into(),
        ]
    } else {
        vec![
            "fix.ldf - written by tenantlint: applies the values proposed by the character and duplicate findings to Active Directory.".into(),
            "Review every record first. Apply: ldifde -i -f fix.ldf -j . (Windows, -k to go on after an error) or ldapmodify -f fix.ldf -H ldap://DC -D ... -W".into(),
            "undo.ldf puts the exported values back. The exports are a snapshot: a proxy address changed since makes its record fail, but single-valued attributes are replaced whatever they hold now - re-export and re-scan shortly before applying.".into(),
        ]
    };
    for l in lines {
        write_comment(out, &l);
    }
    write_comment(
        out,
        &format!(
            "Run {}: {} object(s), {} change(s) from {} finding(s); {} excepted and {} informational finding(s) not applied.",
            generated_at,
            plan.changed().count(),
            plan.change_count(),
            plan.findings_considered,
            plan.excepted,
            plan.informational
        ),
    );
    for l in opt_in_lines(plan) {
        write_comment(out, &l);
    }
    if !undo {
        let skipped: Vec<&ObjectPlan> = plan.objects.iter().filter(|o| !o.notes.is_empty()).collect();
        if !skipped.is_empty() || !plan.notes.is_empty() {
            write_comment(out, "Not applied (fix by hand):");
            for n in &plan.notes {
                write_comment(out, &format!("  {n}"));
            }
            for o in skipped {
                for n in &o.notes {
                    write_comment(out, &format!("  {} ({}): {n}", o.dn, o.label));
                }
            }
        }
        for l in adjusted_lines(plan) {
            write_comment(out, &l);
        }
    }
    out.push('\n');
}

/// One header line per opt-in of the run: what it allowed and how many changes it made.
pub fn opt_in_lines(plan: &Plan) -> Vec<String> {
    plan.opt_ins
        .iter()
        .map(|(o, n)| {
            format!(
                "Opt-in used (--fix-policy or [fix] of the policy file): {} - {}; {n} change(s) made because of it.",
                o.as_str(),
                o.describe()
            )
        })
        .collect()
}

/// The "Applied with another value" header section: the proposals the plan changed, and why.
pub fn adjusted_lines(plan: &Plan) -> Vec<String> {
    let mut lines: Vec<String> = plan
        .objects
        .iter()
        .flat_map(|o| o.adjusted.iter().map(move |n| format!("  {} ({}): {n}", o.dn, o.label)))
        .collect();
    if !lines.is_empty() {
        lines.insert(0, "Applied with another value than proposed:".into());
    }
    lines
}

fn object_comment(out: &mut String, o: &ObjectPlan, undo: bool) {
    write_comment(out, &format!("{} - objectGUID {}", o.label, o.guid.as_deref().unwrap_or("(not exported)")));
    for c in &o.changes {
        write_comment(out, &format!("  {}{}", if undo { "undoes " } else { "" }, c.describe()));
    }
}

/// Renders `fix.ldf`.
pub fn render_fix(plan: &Plan, generated_at: &str) -> Vec<u8> {
    let mut out = String::new();
    write_version(&mut out);
    header(&mut out, plan, generated_at, false);
    for o in plan.changed() {
        object_comment(&mut out, o, false);
        write_modify(&mut out, &o.dn, &fix_mods(&o.changes));
    }
    out.into_bytes()
}

/// Renders `undo.ldf`.
pub fn render_undo(plan: &Plan, generated_at: &str) -> Vec<u8> {
    let mut out = String::new();
    write_version(&mut out);
    header(&mut out, plan, generated_at, true);
    let objects: Vec<&ObjectPlan> = plan.changed().collect();
    for o in objects.into_iter().rev() {
        object_comment(&mut out, o, true);
        write_modify(&mut out, &o.dn, &undo_mods(&o.changes));
    }
    out.into_bytes()
}

/// An in-memory directory: DN (lower case) → attribute (lower case) → values. It applies change
/// records with Active Directory's semantics, as a dry run and to test the fix and undo files.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemDirectory {
    /// The objects.
    pub objects: std::collections::BTreeMap<String, std::collections::BTreeMap<String, Vec<String>>>,
}

/// Attributes that hold several values (all others are single-valued here).
const MULTI_VALUED: &[&str] = &["proxyaddresses", "objectclass", "member", "memberof", "othermailbox", "url"];

impl MemDirectory {
    /// The directory holding `entries` (binary values are left out).
    pub fn from_entries(entries: &[crate::ingest::ldif::LdifEntry]) -> Self {
        let mut d = Self::default();
        for e in entries {
            let o = d.objects.entry(e.dn.to_lowercase()).or_default();
            for (a, v) in &e.attrs {
                if let LdifValue::Text(t) = v {
                    o.entry(a.to_lowercase()).or_default().push(t.clone());
                }
            }
        }
        d
    }

    /// The same directory with the values of every attribute sorted (the order of a multi-valued
    /// attribute's values carries no meaning in LDAP): compare two directories with this.
    pub fn canonical(&self) -> Self {
        let mut d = self.clone();
        for o in d.objects.values_mut() {
            for v in o.values_mut() {
                v.sort();
            }
        }
        d
    }

    /// Applies the records in order; each record is atomic (all of its mod-specs or none), as an
    /// LDAP modify is. Values match case-insensitively, as in Active Directory's string syntaxes.
    /// `Err` names the first record that would fail on a real directory, and why.
    pub fn apply(&mut self, changes: &[crate::ingest::ldif::LdifChange]) -> Result<(), String> {
        for c in changes {
            let Some(obj) = self.objects.get(&c.dn.to_lowercase()) else {
                return Err(format!("line {}: {}: no such object", c.line, c.dn));
            };
            let mut obj = obj.clone();
            for m in &c.mods {
                let key = m.attr.to_lowercase();
                let values: Vec<String> =
                    m.values.iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect();
                let have = obj.entry(key.clone()).or_default();
                match m.op {
                    ModOp::Add => {
                        for v in values {
                            if have.iter().any(|h| h.to_lowercase() == v.to_lowercase()) {
                                return Err(format!("line {}: {}: {} already holds {v:?}", c.line, c.dn, m.attr));
                            }
                            if !have.is_empty() && !MULTI_VALUED.contains(&key.as_str()) {
                                return Err(format!("line {}: {}: {} is single-valued", c.line, c.dn, m.attr));
                            }
                            have.push(v);
                        }
                    }
                    ModOp::Delete if values.is_empty() => {
                        if have.is_empty() {
                            return Err(format!("line {}: {}: {} is not set", c.line, c.dn, m.attr));
                        }
                        have.clear();
                    }
                    ModOp::Delete => {
                        for v in values {
                            let Some(i) = have.iter().position(|h| h.to_lowercase() == v.to_lowercase()) else {
                                return Err(format!("line {}: {}: {} does not hold {v:?}", c.line, c.dn, m.attr));
                            };
                            have.remove(i);
                        }
                    }
                    ModOp::Replace => {
                        if values.len() > 1 && !MULTI_VALUED.contains(&key.as_str()) {
                            return Err(format!("line {}: {}: {} is single-valued", c.line, c.dn, m.attr));
                        }
                        *have = values;
                    }
                }
                if have.is_empty() {
                    obj.remove(&key);
                }
            }
            self.objects.insert(c.dn.to_lowercase(), obj);
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ingest::ldif::{self, LdifEntry};
    use crate::model::AdClass;

    /// Values that RFC 2849 does not allow plain, or that need folding.
    pub(crate) fn hostile_plan() -> (Plan, Vec<LdifEntry>) {
        let long = format!("{} end", "x".repeat(180));
        let dn1 = "CN=José Núñez,OU=Staff,DC=corp,DC=contoso,DC=com".to_string();
        let dn2 = "CN=O'Brien\\, Jo,OU=Staff,DC=corp,DC=contoso,DC=com".to_string();
        let obj = |dn: &str, changes: Vec<Change>| ObjectPlan {
            adjusted: Vec::new(),
            dn: dn.to_string(),
            guid: Some("6a1f0c3e-41d2-4b8e-9a77-0c5d2e8f1a02".into()),
            class: AdClass::User,
            label: "José\nfake: line".into(),
            domain: Some("corp.contoso.com".into()),
            changes,
            notes: vec![],
        };
        let t = |s: &str| Some(s.to_string());
        let plan = Plan {
            objects: vec![
                obj(
                    &dn1,
                    vec![
                        Change::Single {
                            attr: "userPrincipalName",
                            old: t("josé.núñez@contoso.com"),
                            new: t("jose.nunez@contoso.com"),
                            rules: vec!["CH014".into()],
                        },
                        Change::Single { attr: "mail", old: t(" :<lead"), new: None, rules: vec!["CH009".into()] },
                        Change::Values {
                            attr: "proxyAddresses",
                            remove: vec!["smtp:josé@contoso.com".into(), "SMTP:b@contoso.com".into()],
                            add: vec!["smtp:jose@contoso.com".into(), "smtp:b@contoso.com".into()],
                            rules: vec!["CH014".into(), "CH017".into()],
                        },
                        Change::Single {
                            attr: "displayName",
                            old: t(&long),
                            new: t("trail "),
                            rules: vec!["CH013".into()],
                        },
                        Change::Single { attr: "sn", old: None, new: t("line\nbreak"), rules: vec!["CH012".into()] },
                    ],
                ),
                obj(
                    &dn2,
                    vec![Change::Single {
                        attr: "mailNickname",
                        old: t("o'brien$(calc)"),
                        new: t("obriencalc"),
                        rules: vec!["CH010".into()],
                    }],
                ),
            ],
            ..Default::default()
        };
        let e = |dn: &str, attrs: &[(&str, &str)]| LdifEntry {
            line: 0,
            dn: dn.to_string(),
            attrs: attrs.iter().map(|(a, v)| (a.to_string(), LdifValue::Text(v.to_string()))).collect(),
        };
        let entries = vec![
            e(
                &dn1,
                &[
                    ("userPrincipalName", "josé.núñez@contoso.com"),
                    ("mail", " :<lead"),
                    ("proxyAddresses", "SMTP:b@contoso.com"),
                    ("proxyAddresses", "smtp:josé@contoso.com"),
                    ("proxyAddresses", "SMTP:a@contoso.com"),
                    ("displayName", &long),
                ],
            ),
            e(&dn2, &[("mailNickname", "o'brien$(calc)")]),
        ];
        (plan, entries)
    }

    #[test]
    fn change_file_round_trips_and_undo_restores_the_exported_values() {
        let (plan, entries) = hostile_plan();
        let fix = String::from_utf8(render_fix(&plan, "2026-01-01T00:00:00Z")).unwrap();
        let undo = String::from_utf8(render_undo(&plan, "2026-01-01T00:00:00Z")).unwrap();
        for text in [&fix, &undo] {
            assert!(text.is_ascii(), "non-ASCII written plain");
            assert!(text.lines().all(|l| l.len() <= 76 || l.starts_with('#')), "a value line is not folded");
            assert!(!text.lines().any(|l| l.starts_with("fake:")), "a comment let a line through");
        }
        // Every record reads back exactly as planned.
        let fix_records = ldif::changes(&fix).unwrap();
        let undo_records = ldif::changes(&undo).unwrap();
        assert_eq!(fix_records.len(), 2);
        for (r, o) in fix_records.iter().zip(&plan.objects) {
            assert_eq!(r.dn, o.dn);
            assert_eq!(r.mods, fix_mods(&o.changes));
        }
        for (r, o) in undo_records.iter().zip(plan.objects.iter().rev()) {
            assert_eq!(r.dn, o.dn);
            assert_eq!(r.mods, undo_mods(&o.changes));
        }
        assert!(fix.contains("dn:: "), "the non-ASCII DN is Base64");
        assert!(fix.contains("displayName:: dHJhaWwg"), "a trailing space forces Base64");
        // Apply to a model of the objects: the proposed values, then back to the exported values.
        let before = MemDirectory::from_entries(&entries);
        let mut dir = before.clone();
        dir.apply(&fix_records).unwrap();
        let o = &dir.objects[&plan.objects[0].dn.to_lowercase()];
        assert_eq!(o["userprincipalname"], ["jose.nunez@contoso.com"]);
        assert!(!o.contains_key("mail"));
        assert_eq!(o["sn"], ["line\nbreak"]);
        assert_eq!(o["displayname"], ["trail "]);
        let mut proxies = o["proxyaddresses"].clone();
        proxies.sort();
        assert_eq!(proxies, ["SMTP:a@contoso.com", "smtp:b@contoso.com", "smtp:jose@contoso.com"]);
        assert_eq!(dir.objects[&plan.objects[1].dn.to_lowercase()]["mailnickname"], ["obriencalc"]);
        dir.apply(&undo_records).unwrap();
        assert_eq!(dir.canonical(), before.canonical());
        // Undo before fix fails on a real directory (the values to delete are not there).
        assert!(before.clone().apply(&undo_records).is_err());
    }

    #[test]
    fn strict_change_reader_rejects_what_ldapmodify_would() {
        let ok = "version: 1\n\n# c\ndn: CN=a,DC=x\nchangetype: modify\nreplace: mail\nmail: a@x\n-\n\n";
        assert_eq!(ldif::changes(ok).unwrap().len(), 1);
        for (bad, why) in [
            ("dn: CN=a,DC=x\nchangetype: modify\nreplace: mail\nmail: a@x\n\n", "not closed"),
            ("dn: CN=a,DC=x\nchangetype: add\nmail: a@x\n\n", "changetype: modify"),
            ("dn: CN=a,DC=x\nchangetype: modify\nreplace: mail\nsn: a\n-\n\n", "inside the mod-spec"),
            ("dn: CN=a,DC=x\nchangetype: modify\nreplace: mail\nmail:: !!\n-\n\n", "Base64"),
            ("dn: CN=a,DC=x\nchangetype: modify\nreplace: mail\nmail: a@x\n-", "ends inside"),
            ("dn: CN=a,DC=x\nmail: a\n\n", "changetype"),
        ] {
            let e = ldif::changes(bad).unwrap_err();
            assert!(e.reason.contains(why), "{bad:?}: {}", e.reason);
        }
    }

    #[test]
    fn model_refuses_what_a_directory_refuses() {
        let entries = vec![LdifEntry {
            line: 0,
            dn: "CN=a,DC=x".into(),
            attrs: vec![("proxyAddresses".into(), LdifValue::Text("SMTP:a@x".into()))],
        }];
        let rec = |op, v: &str| ldif::LdifChange {
            line: 1,
            dn: "cn=A,dc=X".into(),
            mods: vec![ldif::LdifMod { op, attr: "proxyAddresses".into(), values: vec![LdifValue::Text(v.into())] }],
        };
        let d = MemDirectory::from_entries(&entries);
        assert!(d.clone().apply(&[rec(ModOp::Add, "smtp:A@X")]).unwrap_err().contains("already holds"));
        assert!(d.clone().apply(&[rec(ModOp::Delete, "smtp:b@x")]).unwrap_err().contains("does not hold"));
        let mut ok = d.clone();
        ok.apply(&[rec(ModOp::Delete, "smtp:A@X")]).unwrap();
        assert!(ok.objects["cn=a,dc=x"].is_empty());
    }
}
