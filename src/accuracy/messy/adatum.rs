//! The Adatum forest (LDIF) and its twins, its Research OU also synced into Northwind Traders, and the
//! GAL contacts of Northwind people it holds.

use super::cloud::{cloud_only, guest, moera, twin};
use super::people::{AdCase, AdObj, ad_case, ad_user, research};
use super::truth::cid;
use super::{AD_DOMAIN, AD_FOREST, AD_INITIAL, AD_SID, Estate, FRESH_SYNC, NW_INITIAL, STALE_SYNC};
use crate::generate::{b64, immutable_id};

/// Adatum forest (LDIF), its twins, the Research OU synced into Northwind too.
pub(super) fn build(e: &mut Estate, n_ad: u64) {
    let Estate { b, nw, ad, nw_objs, ad_objs, .. } = e;
    let mut research_subjects = vec![AD_FOREST.to_string()];
    let mut research_suffix = Vec::new();
    for i in 0..n_ad {
        let o = ad_user(b, i);
        let id = cid(b, 21, i);
        let tkey = ad.key(&id);
        let g = o.guid.to_string();
        let pid = |tag: &str| format!("P-{tag}-a{i:05}");
        let nid = |tag: &str| format!("N-{tag}-a{i:05}");
        let anchor = b64(&o.cg.unwrap_or(o.guid.to_bytes_le()));
        let mut tw = Some(twin(&o, AD_FOREST, AD_SID, id, anchor, o.upn.clone(), STALE_SYNC));
        match ad_case(b, i) {
            AdCase::Normal => {}
            AdCase::DupNickname => {
                let partner = ad_user(b, i + 1).guid.to_string();
                b.plant(
                    pid("dup-nickname"),
                    "duplicates",
                    &["DU003"],
                    vec![g, partner],
                    "mailNickname held by two users",
                );
            }
            AdCase::SpaceUpn => {
                tw.as_mut().unwrap().upn = moera(&o.nickname, AD_INITIAL);
                b.plant(pid("upn-space"), "bad-characters", &["CH002"], vec![g], "UPN contains a space");
            }
            AdCase::SoftMatch => {
                tw = None;
                ad.users.push(cloud_only(id, &o.display, &o.upn, &o.mail, AD_DOMAIN));
                b.plant(
                    pid("soft-match"),
                    "sync",
                    &["SY002", "DU002"],
                    vec![g, tkey],
                    "not yet synced; a cloud-only user holds its UPN and SMTP (soft match not blocked)",
                );
            }
            AdCase::AnchorEmployeeId => {
                tw.as_mut().unwrap().anchor = Some(b64(o.employee_id.to_string().as_bytes()));
                b.plant(
                    pid("anchor-employee-id"),
                    "mutable-anchors",
                    &["AN001", "SY003", "DU002"],
                    vec![g, tkey],
                    "the twin's ImmutableId is Base64 of the employeeID",
                );
            }
            AdCase::MigratedCarried => b.near(
                nid("cg-carried"),
                "anchor-integrity",
                &["anchor-integrity", "mutable-anchors", "sync", "duplicates"],
                Some("low"),
                vec![g, tkey],
                "ms-DS-ConsistencyGuid-anchored forest; the twin holds the carried-over ConsistencyGuid: correct",
            ),
            AdCase::AccentedName => b.near(
                nid("accented-name"),
                "bad-characters",
                &["bad-characters"],
                None,
                vec![g],
                "accents in names only (Base64 in LDIF)",
            ),
            AdCase::GuestElsewhere => {
                let gid = cid(b, 22, i);
                nw.users.push(guest(gid, &o.display, &o.mail, NW_INITIAL, "ExternalAzureAD"));
                b.near(
                    nid("guest-elsewhere"),
                    "msa-ambiguity",
                    &["msa-ambiguity", "domains", "duplicates", "sync"],
                    None,
                    vec![g, tkey, nw.key(&gid)],
                    "Adatum member and a B2B guest (ExternalAzureAD) in Northwind Traders",
                );
            }
        }
        if let Some(t) = tw {
            ad.users.push(t);
        }
        if research(i) && ad_case(b, i) == AdCase::Normal {
            let nid2 = cid(b, 23, i);
            let t =
                twin(&o, AD_FOREST, AD_SID, nid2, immutable_id(&o.guid), moera(&o.nickname, NW_INITIAL), FRESH_SYNC);
            research_subjects.push(o.guid.to_string());
            research_subjects.push(nw.key(&nid2));
            research_suffix.push(o.guid.to_string());
            research_suffix.push(nw.key(&nid2));
            nw.users.push(t);
        }
        ad_objs.push(o);
    }
    b.plant(
        "P-partial-sync".into(),
        "sync",
        &["SY007", "AN007", "SY008"],
        research_subjects,
        "OU=Research of ad.adatum.com is also synced into Northwind Traders (undeclared multi-tenant sync)",
    );
    b.plant(
        "P-research-suffix".into(),
        "domains",
        &["DO006", "CH005", "DO005"],
        research_suffix,
        "Research users' twins in Northwind Traders fell back to the initial domain: adatum.com is not verified there",
    );
    b.near(
        "N-adatum-targets-per-object".into(),
        "domains",
        &["CH005", "DO006"],
        None,
        ad_objs.iter().filter(|o| !o.contact && o.ou != "Research").map(|o| o.guid.to_string()).collect(),
        "Adatum users outside OU=Research sync to Adatum only, where adatum.com is verified",
    );
    // GAL contacts of Northwind people in the Adatum forest (they sync to another tenant).
    for j in 0..(n_ad / 20).max(3) {
        let a = 4 * j + 3;
        let Some(p) = nw_objs.get(a as usize) else { break };
        let mut r = b.rng(24, j);
        let c = AdObj {
            guid: r.guid(),
            contact: true,
            given: p.given.clone(),
            surname: p.surname.clone(),
            display: format!("{} (Northwind)", p.display),
            cn: format!("{} (Northwind)", p.cn),
            ou: "Contacts",
            mail: p.mail.clone(),
            proxies: vec![format!("SMTP:{}", p.mail)],
            target: Some(format!("SMTP:{}", p.mail)),
            when_changed: (3, 4, 2026),
            ..Default::default()
        };
        b.near(
            format!("N-gal-contact-{j:04}"),
            "duplicates",
            &["duplicates", "domains"],
            None,
            vec![c.guid.to_string(), p.guid.to_string()],
            "cross-forest GAL contact of a Northwind user; the two forests sync to different tenants",
        );
        ad_objs.push(c);
    }
}
