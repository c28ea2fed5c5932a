//! The Northwind forest and its twins (every case of `NwCase`), the stray twin and
//! the copied directory (Northwind Traders Marketing), orphans, converted users and cloud-only members.

use super::cloud::{OnPrem, cloud_only, guest, moera, twin};
use super::people::{NwCase, name, nw_case, nw_user};
use super::truth::cid;
use super::{AD_INITIAL, Estate, FRESH_SYNC, MK_INITIAL, NW_DOMAIN, NW_FOREST, NW_INITIAL, NW_SID};
use crate::generate::{b64, immutable_id, sid_text};

/// Northwind forest and its twins.
pub(super) fn build(e: &mut Estate, n_nw: u64) {
    let Estate { b, nw, mk, ad, nw_objs, .. } = e;
    let mut normal_nw = Vec::new();
    for i in 0..n_nw {
        let o = nw_user(b, i);
        let case = nw_case(b, i);
        let id = cid(b, 11, i);
        let tkey = nw.key(&id);
        let g = o.guid.to_string();
        let pid = |tag: &str| format!("P-{tag}-{i:05}");
        let nid = |tag: &str| format!("N-{tag}-{i:05}");
        let good_upn = o.upn.clone();
        let fallback = moera(&o.nickname, NW_INITIAL);
        let mut tw = Some(twin(&o, NW_FOREST, NW_SID, id, immutable_id(&o.guid), good_upn, FRESH_SYNC));
        let bad_chars = "bad-characters";
        match case {
            NwCase::Normal => normal_nw.push(g.clone()),
            NwCase::SpaceUpn => {
                tw.as_mut().unwrap().upn = fallback;
                b.plant(pid("upn-space"), bad_chars, &["CH002"], vec![g], "UPN contains a space");
            }
            NwCase::TrailingDotUpn => {
                tw.as_mut().unwrap().upn = fallback;
                b.plant(pid("upn-trailing-dot"), bad_chars, &["CH003"], vec![g], "UPN username ends with a dot");
            }
            NwCase::AccentUpn => {
                tw.as_mut().unwrap().upn = fallback;
                b.plant(pid("upn-non-ascii"), bad_chars, &["CH014", "CH002"], vec![g], "accented letter in the UPN");
            }
            NwCase::CommaProxy => {
                b.plant(pid("proxy-comma"), bad_chars, &["CH007"], vec![g], "comma in a secondary SMTP proxy address")
            }
            NwCase::LongSam => {
                b.plant(pid("sam-long"), bad_chars, &["CH011"], vec![g], "sAMAccountName longer than 20 characters")
            }
            NwCase::BlankDisplay => {
                tw = None; // the export error kept it out of the tenant
                b.plant(pid("display-blank"), bad_chars, &["CH012"], vec![g], "displayName blank");
            }
            NwCase::DotNickname => {
                b.plant(pid("nickname-dot"), bad_chars, &["CH010"], vec![g], "mailNickname begins with a dot")
            }
            NwCase::CoUkSuffix => {
                tw.as_mut().unwrap().upn = fallback;
                b.plant(
                    pid("suffix-unverified"),
                    "domains",
                    &["DO006", "CH005"],
                    vec![g, tkey, "northwindtraders.co.uk".into()],
                    "UPN suffix northwindtraders.co.uk is registered but not verified in Northwind Traders (MOERA fallback)",
                );
            }
            NwCase::LocalSuffix => {
                tw.as_mut().unwrap().upn = fallback;
                b.plant(
                    pid("suffix-local"),
                    "domains",
                    &["DO007", "CH006"],
                    vec![g, tkey, "northwind.local".into()],
                    "non-routable UPN suffix northwind.local",
                );
            }
            NwCase::DupProxy => {
                let partner = nw_user(b, i + 1).guid.to_string();
                tw.as_mut().unwrap().proxies.pop();
                b.plant(
                    pid("dup-proxy"),
                    "duplicates",
                    &["DU001", "DU002"],
                    vec![g, partner],
                    "secondary SMTP proxy equals the next user's primary address",
                );
            }
            NwCase::DupMail => {
                let partner = nw_user(b, i + 1).guid.to_string();
                tw.as_mut().unwrap().mail = Some(o.proxies[0][5..].to_string());
                b.plant(
                    pid("dup-mail"),
                    "duplicates",
                    &["DU001", "DU002"],
                    vec![g.clone(), partner],
                    "mail equals the next user's mail",
                );
                b.plant(
                    pid("mail-not-primary"),
                    bad_chars,
                    &["CH018"],
                    vec![g],
                    "mail differs from the primary SMTP address",
                );
            }
            NwCase::AnchorUpn | NwCase::AnchorGuidText | NwCase::AnchorBigEndian => {
                let (anchor, rule, tag) = match case {
                    NwCase::AnchorUpn => (b64(o.upn.as_bytes()), "AN001", "anchor-upn"),
                    NwCase::AnchorGuidText => (o.guid.to_string(), "AN002", "anchor-guid-text"),
                    _ => (b64(o.guid.as_bytes()), "AN003", "anchor-big-endian"),
                };
                tw.as_mut().unwrap().anchor = Some(anchor);
                b.plant(
                    pid(tag),
                    "mutable-anchors",
                    &[rule, "SY003", "DU002"],
                    vec![g, tkey],
                    "the twin's ImmutableId is not Base64 of the objectGUID bytes",
                );
            }
            NwCase::SoftMatch => {
                tw = None;
                let c = cloud_only(id, &o.display, &o.upn, &o.mail, NW_DOMAIN);
                nw.users.push(c);
                b.plant(
                    pid("soft-match"),
                    "sync",
                    &["SY002", "DU002"],
                    vec![g, tkey],
                    "not yet synced; a cloud-only user holds its UPN and SMTP: will be soft-matched",
                );
            }
            NwCase::MigratedMismatch => {
                tw.as_mut().unwrap().anchor = Some(b64(&o.cg.unwrap()));
                b.plant(
                    pid("cg-mismatch"),
                    "anchor-integrity",
                    &["AN008", "SY003", "DU002"],
                    vec![g, tkey],
                    "objectGUID-anchored forest; the twin holds Base64(ms-DS-ConsistencyGuid ≠ objectGUID): will not match",
                );
            }
            NwCase::MigratedLatent => {
                b.plant(
                    pid("cg-latent"),
                    "anchor-integrity",
                    &["AN008"],
                    vec![g.clone(), tkey.clone()],
                    "ms-DS-ConsistencyGuid ≠ objectGUID while the tenant holds the objectGUID value (latent: a switch would change it)",
                );
                b.near(
                    nid("cg-latent-linked"),
                    "anchor-integrity",
                    &["AN008", "AN005", "SY003", "DU002"],
                    Some("low"),
                    vec![g, tkey],
                    "the twin holds the objectGUID value, which is the anchor in use: matched today, nothing above low",
                );
            }
            NwCase::Unlicensed => {
                tw.as_mut().unwrap().licensed = false;
                b.plant(pid("unlicensed"), "sync", &["SY010"], vec![g, tkey], "synced enabled member without licence");
            }
            NwCase::Apostrophe => {
                b.near(nid("upn-apostrophe"), bad_chars, &[bad_chars], None, vec![g], "apostrophe is allowed in a UPN")
            }
            NwCase::Punctuation => b.near(
                nid("upn-punctuation"),
                bad_chars,
                &[bad_chars],
                None,
                vec![g],
                "- _ ~ ^ ! and a non-leading # are allowed in a UPN",
            ),
            NwCase::AccentedName => b.near(
                nid("accented-name"),
                bad_chars,
                &[bad_chars],
                None,
                vec![g],
                "accents in displayName/givenName/sn (ASCII addresses): info at most",
            ),
            NwCase::Sam20 => {
                b.near(nid("sam-20"), bad_chars, &["CH011"], None, vec![g], "sAMAccountName of exactly 20 characters")
            }
            NwCase::Upn64 => b.near(
                nid("upn-local-64"),
                bad_chars,
                &["CH004", "CH009", "CH010"],
                None,
                vec![g],
                "UPN username of exactly 64 characters",
            ),
            NwCase::OwnDupProxy => b.near(
                nid("own-dup-proxy"),
                "duplicates",
                &["duplicates"],
                None,
                vec![g],
                "the same address twice (case differs) on the same object",
            ),
            NwCase::PrestagedCg => b.near(
                nid("cg-prestaged"),
                "anchor-integrity",
                &["anchor-integrity", "mutable-anchors"],
                None,
                vec![g, tkey],
                "ms-DS-ConsistencyGuid pre-staged equal to objectGUID",
            ),
            NwCase::GuestElsewhere => {
                let gid = cid(b, 12, i);
                ad.users.push(guest(gid, &o.display, &o.mail, AD_INITIAL, "ExternalAzureAD"));
                b.near(
                    nid("guest-elsewhere"),
                    "msa-ambiguity",
                    &["msa-ambiguity", "domains", "duplicates", "sync"],
                    None,
                    vec![g, tkey, ad.key(&gid)],
                    "member of Northwind Traders and a B2B guest (ExternalAzureAD) in Adatum",
                );
            }
            NwCase::DisabledShared => {
                let t = tw.as_mut().unwrap();
                t.licensed = false;
                t.enabled = false;
                b.near(
                    nid("shared-mailbox"),
                    "sync",
                    &["SY010"],
                    None,
                    vec![g, tkey],
                    "disabled, unlicensed shared mailbox",
                );
            }
            NwCase::UkSubdomain => b.near(
                nid("uk-subdomain"),
                "domains",
                &["domains", "CH005", "CH006"],
                None,
                vec![g, tkey],
                "UPN suffix uk.northwindtraders.com is verified in Northwind Traders",
            ),
        }
        if let Some(t) = tw {
            nw.users.push(t);
        }
        nw_objs.push(o);
    }
    // The stray twin of user 0 in the copied directory.
    {
        let o = &nw_objs[0];
        let id = cid(b, 13, 0);
        let t = twin(o, NW_FOREST, NW_SID, id, immutable_id(&o.guid), moera(&o.nickname, MK_INITIAL), FRESH_SYNC);
        b.plant(
            "P-stray-twin".into(),
            "sync",
            &["AN007", "SY007"],
            vec![o.guid.to_string(), mk.key(&id), NW_FOREST.into()],
            "one Northwind forest user also synced into the copied directory (a stray twin)",
        );
        mk.users.push(t);
    }
    // The copied directory: cloud-only copies with anchors copied from Northwind Traders.
    let mut copied = Vec::new();
    for i in (0..n_nw).filter(|i| i % 20 == 10) {
        let o = &nw_objs[i as usize];
        let id = cid(b, 14, i);
        let local = o.mail.split('@').next().unwrap_or_default();
        let mut c = cloud_only(id, &o.display, &format!("{local}@{MK_INITIAL}"), &o.mail, MK_INITIAL);
        c.given = Some(o.given.clone());
        c.surname = Some(o.surname.clone());
        c.anchor = Some(immutable_id(&o.guid));
        copied.push(mk.key(&id));
        copied.push(o.guid.to_string());
        copied.push(nw.key(&cid(b, 11, i)));
        mk.users.push(c);
    }
    b.plant(
        "P-copied-anchors".into(),
        "anchor-integrity",
        &["AN007", "AN006"],
        copied,
        "cloud-only users of the copied directory carry anchors copied from Northwind Traders",
    );
    b.plant(
        "P-duplicate-directory".into(),
        "duplicate-directories",
        &["DD001"],
        vec![nw.id.to_string(), mk.id.to_string()],
        "Northwind Traders Marketing duplicates Northwind Traders (copied users, addresses, anchors)",
    );
    b.plant(
        "P-domain-used-elsewhere".into(),
        "domains",
        &["DO005"],
        vec![format!("{}/{NW_DOMAIN}", mk.id), format!("{}/{NW_DOMAIN}", nw.id)],
        "northwindtraders.com is verified in Northwind Traders and registered unverified, used as mail suffix in the copy",
    );
    {
        let mut s = vec![mk.id.to_string(), format!("{}/{NW_DOMAIN}", mk.id)];
        s.extend(normal_nw.iter().cloned());
        b.near(
            "N-targets-per-object".into(),
            "domains",
            &["CH005", "DO006"],
            None,
            s,
            "every Northwind forest user's own twin lives in Northwind Traders, where its suffix is verified; the copied directory is not their target",
        );
    }
    // Orphans (definite: the forest is declared complete and to sync to the tenant) and converted users.
    for k in 0..(n_nw / 100).max(2) {
        let mut r = b.rng(15, k);
        let id = r.guid();
        let (given, surname, _) = name(300_000 + k);
        let local = format!("{}.{}.{k}", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
        let upn = format!("{local}@{NW_DOMAIN}");
        let mut c = cloud_only(id, &format!("{given} {surname}"), &upn, &upn, NW_DOMAIN);
        c.anchor = Some(immutable_id(&r.guid()));
        c.sync_enabled = Some(true);
        c.last_sync = Some("2026-06-01T04:00:00Z");
        c.on_prem = Some(OnPrem {
            domain: NW_FOREST.into(),
            sam: format!("{}{}", &given[..1], surname).to_ascii_lowercase(),
            upn: upn.clone(),
            dn: format!("CN={given} {surname},OU=Leavers,DC=corp,DC=northwindtraders,DC=com"),
            sid: sid_text(NW_SID, 90_000 + k),
        });
        b.plant(
            format!("P-orphan-{k:04}"),
            "anchor-integrity",
            &["AN005"],
            vec![nw.key(&id)],
            "synced user whose anchor matches no object of the complete forest",
        );
        nw.users.push(c);
    }
    for k in 0..(n_nw / 200).max(1) {
        let mut r = b.rng(16, k);
        let id = r.guid();
        let (given, surname, _) = name(310_000 + k);
        let upn = format!("{}.{}.c{k}@{NW_DOMAIN}", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
        let mut c = cloud_only(id, &format!("{given} {surname}"), &upn, &upn, NW_DOMAIN);
        c.anchor = Some(immutable_id(&r.guid()));
        c.sync_enabled = Some(false);
        c.last_sync = Some("2025-02-11T10:00:00Z");
        b.near(
            format!("N-converted-{k:04}"),
            "anchor-integrity",
            &["AN005"],
            None,
            vec![nw.key(&id)],
            "onPremisesSyncEnabled false: removed from sync and converted to cloud-managed, not an orphan",
        );
        nw.users.push(c);
    }
    // Cloud-only members without an AD namesake (and break-glass accounts).
    let mut cloud_members = Vec::new();
    for k in 0..(n_nw / 50).max(3) {
        let id = cid(b, 17, k);
        let (given, surname, _) = name(320_000 + k);
        let upn = if k < 2 {
            format!("breakglass{k}@{NW_INITIAL}")
        } else {
            format!("{}.{}.board{k}@{NW_DOMAIN}", given.to_ascii_lowercase(), surname.to_ascii_lowercase())
        };
        nw.users.push(cloud_only(id, &format!("{given} {surname}"), &upn, &upn, NW_DOMAIN));
        cloud_members.push(nw.key(&id));
    }
    b.near(
        "N-cloud-only-members".into(),
        "sync",
        &["sync", "duplicates", "anchor-integrity"],
        None,
        cloud_members,
        "cloud-only members and break-glass accounts without any AD namesake",
    );
}
