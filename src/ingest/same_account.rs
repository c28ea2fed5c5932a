//! One account, one object: an AD account seen in two exports — a SharpHound collection beside the
//! directory's own export (Get-ADUser, csvde, ldifde), both of one domain — is read once.
//!
//! The security tools' collections carry no anchor (objectGUID, ms-DS-ConsistencyGuid): an object
//! without anchor material whose objectSid is that of exactly one object *with* anchor material read
//! from another file is the same account. It is merged into that object (attributes the richer export
//! lacks are filled in, SID histories united, service and privilege marks kept) and removed, so that
//! no rule reports the account against itself (an address "held twice", a UPN suffix counted twice, a
//! pending soft match of an account that is already synchronised). Every merge is reported (`IN013`,
//! info, one note per file): nothing is dropped silently. Objects that both carry anchor material
//! (a copied directory: same SIDs *and* GUIDs) are left alone — that is what the duplicate-directory
//! and anchor rules are about.

use super::{Ingested, Issue, codes};
use crate::model::{AdObject, normalize_sid};
use crate::source::FileId;
use std::collections::{BTreeMap, HashMap};

/// Fills `into`'s missing attributes from `from` (the same account seen by a poorer export).
fn fill(into: &mut AdObject, from: AdObject) {
    macro_rules! take {
        ($($f:ident),*) => {$(if into.$f.is_none() { into.$f = from.$f; })*};
    }
    take!(dn, cn, upn, sam_account_name, mail, display_name, enabled, when_created);
    for s in from.sid_history {
        if !into.sid_history.iter().any(|x| x.eq_ignore_ascii_case(&s)) {
            into.sid_history.push(s);
        }
    }
    into.spn_count = into.spn_count.max(from.spn_count);
    if into.admin_count.is_none() {
        into.admin_count = from.admin_count;
    }
}

/// Merges accounts seen twice (see the module docs) and records one `IN013` note per merged-away file.
pub fn merge(ingested: &mut Ingested) {
    let ads = &ingested.estate.ad_objects;
    if !ads.iter().any(|o| !o.has_anchor_material() && o.object_sid.is_some()) {
        return;
    }
    // objectSid → the objects with anchor material holding it.
    let mut anchored: HashMap<String, Vec<u32>> = HashMap::new();
    for (i, o) in ads.iter().enumerate().filter(|(_, o)| o.has_anchor_material()) {
        if let Some(sid) = o.object_sid.as_deref().and_then(normalize_sid) {
            anchored.entry(sid).or_default().push(i as u32);
        }
    }
    // Object without anchor → the one object with anchor it is, from another file.
    let mut into_of: Vec<Option<u32>> = vec![None; ads.len()];
    for (i, o) in ads.iter().enumerate().filter(|(_, o)| !o.has_anchor_material()) {
        let Some(sid) = o.object_sid.as_deref().and_then(normalize_sid) else { continue };
        if let Some([t]) = anchored.get(&sid).map(Vec::as_slice)
            && ads[*t as usize].source.file != o.source.file
        {
            into_of[i] = Some(*t);
        }
    }
    if into_of.iter().all(Option::is_none) {
        return;
    }
    // (merged-away file, file merged into) → count.
    let mut notes: BTreeMap<(FileId, FileId), usize> = BTreeMap::new();
    let old = std::mem::take(&mut ingested.estate.ad_objects);
    let mut kept: Vec<Option<AdObject>> = old.into_iter().map(Some).collect();
    for (i, t) in into_of.iter().enumerate() {
        let Some(t) = *t else { continue };
        let Some(from) = kept[i].take() else { continue };
        if let Some(into) = kept[t as usize].as_mut() {
            *notes.entry((from.source.file, into.source.file)).or_default() += 1;
            fill(into, from);
        }
    }
    ingested.estate.ad_objects = kept.into_iter().flatten().collect();
    for ((from, into), n) in notes {
        let into_forest = ingested
            .inputs
            .iter()
            .find(|r| r.file == into)
            .and_then(|r| r.attributed_to.clone())
            .unwrap_or_else(|| "its forest".into());
        ingested.issues.push(Issue {
            at: crate::source::SourceRef::new(from, 0),
            code: codes::MERGED_ACCOUNTS,
            message: format!(
                "{n} object(s) of this collection are the same accounts (objectSid) as objects of {} ({into_forest}), which carry the sync anchor: each account is read once, with the attributes both exports hold",
                ingested.sources.display(into)
            ),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Guid, Text};
    use crate::source::{SourceMap, SourceRef};

    fn ad(file: u32, sid: &str, guid: Option<&str>) -> AdObject {
        AdObject {
            source: SourceRef::new(FileId(file), 1),
            object_sid: Some(Text::from(sid)),
            object_guid: guid.and_then(Guid::parse),
            ..Default::default()
        }
    }

    fn ingested(objects: Vec<AdObject>) -> Ingested {
        let mut sources = SourceMap::default();
        for n in ["ldif.ldf", "sharphound.json", "copy.ldf"] {
            sources.add(std::path::PathBuf::from(n), n.to_string());
        }
        Ingested {
            sources,
            inputs: Vec::new(),
            estate: crate::model::Estate { ad_objects: objects, ..Default::default() },
            issues: Vec::new(),
        }
    }

    #[test]
    fn a_sharphound_view_merges_into_the_anchored_account_and_says_so() {
        let g = "9a4f2c7e-1d3b-4e8a-b5c6-7d8e9f0a1b2c";
        let mut rich = ad(0, "S-1-5-21-1-2-3-1104", Some(g));
        rich.upn = Some("ann.lee@contoso.com".into());
        let mut view = ad(1, "s-1-5-21-1-2-3-1104", None);
        view.admin_count = Some(1);
        view.sid_history = vec![Text::from("S-1-5-21-9-9-9-500")].into();
        view.upn = Some("ignored@contoso.com".into());
        let alone = ad(1, "S-1-5-21-1-2-3-1200", None);
        let mut ing = ingested(vec![rich, view, alone]);
        merge(&mut ing);
        assert_eq!(ing.estate.ad_objects.len(), 2);
        let ann = &ing.estate.ad_objects[0];
        assert_eq!((ann.upn.as_deref(), ann.admin_count), (Some("ann.lee@contoso.com"), Some(1)));
        assert_eq!(ann.sid_history.len(), 1);
        assert_eq!(ing.issues.len(), 1);
        assert_eq!(ing.issues[0].code, codes::MERGED_ACCOUNTS);
        assert!(ing.issues[0].message.starts_with("1 object(s) of this collection"), "{}", ing.issues[0].message);
    }

    #[test]
    fn copies_with_anchors_and_ambiguous_sids_are_left_alone() {
        let g = "9a4f2c7e-1d3b-4e8a-b5c6-7d8e9f0a1b2c";
        // A copied directory: the same SID and GUID twice; the SharpHound view cannot tell which it is.
        let objects = vec![
            ad(0, "S-1-5-21-1-2-3-1104", Some(g)),
            ad(2, "S-1-5-21-1-2-3-1104", Some(g)),
            ad(1, "S-1-5-21-1-2-3-1104", None),
        ];
        let mut ing = ingested(objects);
        merge(&mut ing);
        assert_eq!(ing.estate.ad_objects.len(), 3);
        assert!(ing.issues.is_empty());
        // Same file: not two exports of one account.
        let mut ing = ingested(vec![ad(1, "S-1-5-21-1-2-3-7", Some(g)), ad(1, "S-1-5-21-1-2-3-7", None)]);
        merge(&mut ing);
        assert_eq!(ing.estate.ad_objects.len(), 2);
    }
}
