//! AN001–AN004: ImmutableIds derived from a mutable value (UPN, mail, number, name), GUID text, the
//! big-endian byte order and UTF-8-mangled bytes, judged per cloud object; a GUID-shaped anchor that
//! matches nothing is handed to `shared.rs` as a possible orphan (AN005).

use super::decision::expected_anchor;
use super::repair::set_anchor_evidence;
use super::shared::orphaned;
use super::{BYTE_ORDER, GUID_TEXT, MANGLED, MUTABLE, Prep, s};
use crate::findings::{Finding, Severity, Subject};
use crate::model::anchor::{Shape, classify};
use crate::model::text::TrimFast as _;
use crate::model::{CloudObject, Estate, Guid};
use crate::rules::{ad_subject, cloud_subject, evidence, finding};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Which attribute a text anchor most likely came from.
#[derive(Clone, Debug)]
struct SourceGuess {
    attribute: String,
    /// The AD object whose attribute equals the text (index), if any.
    ad: Option<u32>,
    /// How sure: `equals the AD object's <attr>`, `equals the cloud object's <attr>`, `shape`.
    basis: &'static str,
}

fn guess_source(text: &str, ads: &[u32], estate: &Estate, c: &CloudObject) -> SourceGuess {
    let t = text.trim_fast();
    let eq = |v: Option<&str>| v.is_some_and(|v| !v.is_empty() && v.eq_ignore_ascii_case(t));
    for &i in ads {
        let o = &estate.ad_objects[i as usize];
        let attrs: [(&str, Option<String>); 9] = [
            ("userPrincipalName", o.upn.as_deref().map(String::from)),
            ("mail", o.mail.as_deref().map(String::from)),
            ("proxyAddresses (primary SMTP)", o.primary_smtp().map(str::to_string)),
            ("employeeID", o.employee_id.as_deref().map(String::from)),
            ("sAMAccountName", o.sam_account_name.as_deref().map(String::from)),
            ("mailNickname", o.mail_nickname.as_deref().map(String::from)),
            ("objectGUID (text)", o.object_guid.map(|g| g.to_string())),
            ("cn", o.cn.as_deref().map(String::from)),
            ("displayName", o.display_name.as_deref().map(String::from)),
        ];
        if let Some((a, _)) = attrs.iter().find(|(_, v)| eq(v.as_deref())) {
            return SourceGuess { attribute: a.to_string(), ad: Some(i), basis: "equals the AD object's value" };
        }
    }
    let cattrs: [(&str, Option<&str>); 5] = [
        ("userPrincipalName", c.upn.as_deref()),
        ("mail", c.mail.as_deref()),
        ("onPremisesUserPrincipalName", c.on_prem_upn.as_deref()),
        ("onPremisesSamAccountName (sAMAccountName)", c.on_prem_sam_account_name.as_deref()),
        ("mailNickname", c.mail_nickname.as_deref()),
    ];
    if let Some((a, _)) = cattrs.iter().find(|(_, v)| eq(*v)) {
        return SourceGuess { attribute: a.to_string(), ad: None, basis: "equals the cloud object's value" };
    }
    let attribute = if t.contains('@') {
        "userPrincipalName or mail (the value is an address)"
    } else if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        "employeeID or another number"
    } else if Guid::parse(t).is_some() {
        "objectGUID (text)"
    } else {
        "a name attribute (sAMAccountName, cn, displayName or similar)"
    };
    SourceGuess { attribute: attribute.to_string(), ad: None, basis: "the shape of the value" }
}

pub(super) fn per_cloud_object(p: &Prep<'_>, ci: u32) -> Vec<Finding> {
    let estate = p.estate;
    let c = &estate.cloud_objects[ci as usize];
    let Some(id) = c.immutable_id.as_deref().filter(|v| !v.trim_fast().is_empty()) else { return Vec::new() };
    let shape = classify(id);
    let (hard, soft) = p.ad_twins(ci);
    let mut out = Vec::new();
    // Most cloud objects hold a good anchor of a hard-linked twin: the subject and the expected anchor
    // are built only for a finding.
    let csub = || cloud_subject(estate, c);
    let tenant = &estate.tenants[c.tenant as usize].name;
    // The AD objects the cloud object most likely belongs to.
    let mut ads: Vec<u32> = hard.iter().chain(soft.iter()).copied().collect();
    match &shape {
        Shape::GuidText(g) | Shape::Base64GuidText(g) => {
            if let Some(&a) = p.ad_by_guid.get(g) {
                ads.retain(|&x| x != a);
                ads.insert(0, a);
            }
        }
        _ => {}
    }
    let twin = ads.first().copied();
    let expected = || twin.and_then(|a| expected_anchor(&estate.ad_objects[a as usize], p.attr_of(a)));
    let subjects = |primary: Subject, twin: Option<u32>| {
        let mut v = vec![primary];
        if let Some(a) = twin {
            v.push(ad_subject(&estate.ad_objects[a as usize]));
        }
        v
    };
    let add_expected = |ev: &mut BTreeMap<String, Value>, a: Option<u32>| {
        let expected = a.and(expected());
        if let (Some(a), Some(x)) = (a, expected.as_deref()) {
            let d = p.decision_of(a);
            ev.insert("expected_immutable_id".into(), s(x));
            ev.insert("proposed_value".into(), s(x));
            ev.insert("anchor_attribute".into(), s(p.attr_of(a).as_str()));
            if let Some(d) = d {
                ev.insert("anchor_attribute_decided_by".into(), s(d.how.clone()));
            }
            set_anchor_evidence(ev, c, Some(&estate.ad_objects[a as usize]), x);
        }
    };
    match &shape {
        Shape::Base64Text(text) | Shape::PlainText(text) => {
            let guess = guess_source(text, &ads, estate, c);
            let twin = guess.ad.or(twin);
            let encoded = matches!(shape, Shape::Base64Text(_));
            let kind = if text.contains('@') {
                "an address"
            } else if text.bytes().all(|b| b.is_ascii_digit()) {
                "a number"
            } else {
                "a name"
            };
            let title = if encoded {
                format!(
                    "{}: ImmutableId `{id}` is Base64 of {kind} (`{text}`; likely source: {}), not a GUID-derived anchor",
                    c.label(),
                    guess.attribute
                )
            } else {
                format!(
                    "{}: ImmutableId `{id}` is {kind} in plain text (likely source: {}), not a GUID-derived anchor",
                    c.label(),
                    guess.attribute
                )
            };
            let mut ev = evidence([
                ("immutable_id", s(id)),
                ("shape", s(shape.name())),
                ("decoded_text", s(text.clone())),
                ("likely_source_attribute", s(guess.attribute.clone())),
                ("source_attribute_basis", s(guess.basis)),
                ("tenant", s(tenant.clone())),
            ]);
            add_expected(&mut ev, twin);
            let mut f = finding(MUTABLE, title, subjects(csub(), twin), ev, id);
            f.severity = if text.contains('@') {
                Severity::High
            } else if text.bytes().all(|b| b.is_ascii_digit()) {
                Severity::Medium
            } else {
                f.severity
            };
            out.push(f);
        }
        Shape::GuidText(g) | Shape::Base64GuidText(g) => {
            let text = matches!(shape, Shape::GuidText(_));
            let title = format!(
                "{}: ImmutableId `{id}` is {} the GUID {g} ({} characters) instead of Base64 of its 16 bytes",
                c.label(),
                if text { "the text of" } else { "Base64 of the text of" },
                id.trim_fast().len()
            );
            let mut ev = evidence([
                ("immutable_id", s(id)),
                ("shape", s(shape.name())),
                ("guid", s(g.to_string())),
                ("guid_as_anchor", s(g.immutable_id())),
                ("tenant", s(tenant.clone())),
            ]);
            if let Some(a) = twin
                && estate.ad_objects[a as usize].object_guid == Some(*g)
            {
                ev.insert("guid_is_objectguid_of".into(), s(estate.ad_objects[a as usize].label()));
            }
            add_expected(&mut ev, twin);
            out.push(finding(GUID_TEXT, title, subjects(csub(), twin), ev, id));
        }
        Shape::Mangled(bytes) => {
            let title = format!(
                "{}: ImmutableId `{id}` decodes to {} bytes containing EF BF BD (U+FFFD): binary anchor bytes were \
                 decoded as UTF-8 text and re-encoded",
                c.label(),
                bytes.len()
            );
            let mut ev = evidence([
                ("immutable_id", s(id)),
                ("shape", s(shape.name())),
                ("decoded_length", json!(bytes.len())),
                ("decoded_hex", s(bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" "))),
                ("tenant", s(tenant.clone())),
            ]);
            add_expected(&mut ev, twin);
            out.push(finding(MANGLED, title, subjects(csub(), twin), ev, id));
        }
        Shape::GuidBytes(bytes) if hard.is_empty() => {
            if let Some(f) = byte_order(p, c, id, bytes, &soft) {
                out.push(f);
            } else if let Some(f) = orphaned(p, c, id) {
                out.push(f);
            }
        }
        Shape::GuidBytes(_) | Shape::OtherBinary(_) => {}
    }
    out
}

/// The byte-order bug: the stored bytes are the big-endian (RFC 4122) layout of an AD object's anchor GUID.
fn byte_order(p: &Prep<'_>, c: &CloudObject, id: &str, bytes: &[u8; 16], soft: &[u32]) -> Option<Finding> {
    let estate = p.estate;
    let as_big_endian = Guid(uuid::Uuid::from_bytes(*bytes));
    let wrong_bytes_of = |g: &[u8; 16]| -> [u8; 16] {
        // The big-endian layout of the GUID whose AD bytes are `g`.
        Guid::from_ad_bytes(g).map(|x| *x.0.as_bytes()).unwrap_or(*g)
    };
    let mut hit: Option<(u32, &'static str)> = None;
    if let Some(&a) = p.ad_by_guid.get(&as_big_endian) {
        hit = Some((a, "objectGUID"));
    }
    if hit.is_none() {
        for &a in soft {
            let o = &estate.ad_objects[a as usize];
            if let Some(cg) = o.consistency_guid.as_deref().filter(|c| c.len() == 16) {
                let mut g = [0u8; 16];
                g.copy_from_slice(cg);
                if wrong_bytes_of(&g) == *bytes {
                    hit = Some((a, "ms-DS-ConsistencyGuid"));
                    break;
                }
            }
        }
    }
    let (a, attr) = hit?;
    let o = &estate.ad_objects[a as usize];
    let right = expected_anchor(o, p.attr_of(a))?;
    if right == id.trim_fast() {
        return None;
    }
    let title = format!(
        "{}: ImmutableId `{id}` is the big-endian byte order of {}'s {attr}; Azure AD Connect computes `{right}` \
         (same last 12 characters)",
        c.label(),
        o.label()
    );
    let mut ev = evidence([
        ("immutable_id", s(id)),
        ("shape", s("guid-bytes-big-endian")),
        ("expected_immutable_id", s(right.clone())),
        ("proposed_value", s(right.clone())),
        ("same_last_12_characters", json!(right.len() >= 12 && id.trim_fast().ends_with(&right[right.len() - 12..]))),
        ("anchor_attribute", s(p.attr_of(a).as_str())),
        ("tenant", s(estate.tenants[c.tenant as usize].name.clone())),
    ]);
    if let Some(d) = p.decision_of(a) {
        ev.insert("anchor_attribute_decided_by".into(), s(d.how.clone()));
    }
    set_anchor_evidence(&mut ev, c, Some(o), &right);
    Some(finding(BYTE_ORDER, title, vec![cloud_subject(estate, c), ad_subject(o)], ev, id))
}
