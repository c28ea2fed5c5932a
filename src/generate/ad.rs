//! The AD side: the people of a forest, derived one at a time from the seed and their index, written
//! as `Get-ADUser | Export-Csv` (Windows PowerShell 5.1) files or as one `ldifde` file.

use super::Generated;
use super::formats::{Out, b64, cell, ldif_fold, ldif_line, sid_bytes, sid_text};
use super::names::{ACCENTED, GIVEN, OFFICES, SURNAMES};
use super::random::Rng;
use anyhow::Result;
use std::path::Path;

/// One forest of the synthetic estate.
pub(super) struct ForestSpec {
    pub(super) stream: u64,
    /// DNS name of the forest root.
    pub(super) dns: &'static str,
    /// UPN / mail suffix.
    pub(super) mail_domain: &'static str,
    /// Tenant initial domain prefix (`<prefix>.onmicrosoft.com`).
    pub(super) tenant_prefix: &'static str,
    /// Users in the forest.
    pub(super) users: u64,
    /// Domain SID sub-authorities.
    pub(super) sid: [u32; 3],
}

/// A generated AD user (and what its cloud twin looks like).
pub(super) struct Person {
    pub(super) guid: uuid::Uuid,
    pub(super) given: String,
    pub(super) surname: String,
    pub(super) display: String,
    pub(super) cn: String,
    pub(super) sam: String,
    pub(super) upn: String,
    pub(super) mail: String,
    pub(super) nickname: String,
    pub(super) proxies: Vec<String>,
    pub(super) office: &'static str,
    pub(super) employee_id: u64,
    pub(super) rid: u64,
    pub(super) enabled: bool,
    /// Synchronised to the tenant (has a cloud twin with the right anchor).
    pub(super) synced: bool,
    /// The twin's ImmutableId is derived from a mutable attribute (0 = right, 1 = Base64 of UPN, 2 = GUID text).
    pub(super) bad_anchor: u8,
    /// Not synced, but a cloud-only user with the same UPN exists (soft-match candidate).
    pub(super) soft_match: bool,
    pub(super) when_changed: (u32, u32, u32, u32, u32, u32),
}

pub(super) fn person(seed: u64, f: &ForestSpec, i: u64) -> Person {
    let mut r = Rng::new(seed, f.stream, i);
    let combos = (GIVEN.len() * SURNAMES.len()) as u64;
    let k = i % combos;
    let round = i / combos;
    let g = (k % GIVEN.len() as u64) as usize;
    let s = ((k / GIVEN.len() as u64 + (k % GIVEN.len() as u64) * 7) % SURNAMES.len() as u64) as usize;
    let mut given = GIVEN[g].to_string();
    let surname = SURNAMES[s].to_string();
    let tag = if round == 0 { String::new() } else { round.to_string() };
    let mut local = format!("{}.{}{tag}", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
    let sam_base: String = format!("{}{}", &given[..1], surname).to_ascii_lowercase();
    let digits = i.to_string();
    let mut sam: String = sam_base.chars().take(20 - digits.len()).collect();
    sam.push_str(&digits);
    let mut suffix = f.mail_domain.to_string();
    // Bad characters (~1.5% in all).
    let bad = r.below(10_000);
    if bad < 40 {
        local = format!("{} {}{tag}", given.to_ascii_lowercase(), surname.to_ascii_lowercase()); // space
    } else if bad < 70 {
        if let Some((_, acc)) = ACCENTED.iter().find(|(a, _)| *a == given) {
            given = acc.to_string();
        }
        local = format!("{}.{}{tag}", given.to_lowercase(), surname.to_ascii_lowercase()); // maybe non-ASCII
    } else if bad < 100 {
        suffix = format!("{}.local", f.dns.split('.').nth(1).unwrap_or("corp")); // non-routable suffix
    } else if bad < 120 {
        local.push('.'); // ends in a dot
    }
    let upn = format!("{local}@{suffix}");
    let mail = format!("{local}@{}", f.mail_domain);
    let mut proxies = vec![
        format!("SMTP:{mail}"),
        format!("smtp:{sam}@{}", f.mail_domain),
        format!("smtp:{local}@{}.mail.onmicrosoft.com", f.tenant_prefix),
    ];
    if (120..150).contains(&bad) {
        proxies.push(format!("smtp:{},{}@{}", given.to_ascii_lowercase(), surname.to_ascii_lowercase(), f.mail_domain));
    }
    // ~0.5%: also holds the primary address of the previous user (a duplicate).
    if i > 0 && r.chance(50) {
        let prev = person_address(f, i - 1);
        proxies.push(format!("smtp:{prev}"));
    }
    let display = if r.chance(5) { String::from("  ") } else { format!("{} {}", given, surname) };
    let cn = format!("{} {}{}", given, surname, if round == 0 { String::new() } else { format!(" ({round})") });
    let synced_roll = r.below(10_000);
    let synced = synced_roll >= 300; // 3% not synced
    let soft_match = synced_roll < 100; // a third of those have a cloud-only namesake
    let anchor_roll = r.below(10_000);
    let bad_anchor = if !synced {
        0
    } else if anchor_roll < 100 {
        1
    } else if anchor_roll < 120 {
        2
    } else {
        0
    };
    let when_changed = (
        1 + r.below(12) as u32,
        1 + r.below(28) as u32,
        2024 + r.below(3) as u32,
        1 + r.below(12) as u32,
        r.below(60) as u32,
        r.below(60) as u32,
    );
    Person {
        guid: r.guid(),
        nickname: local.replace(' ', "").trim_end_matches('.').to_string(),
        given,
        surname,
        display,
        cn,
        sam,
        upn,
        mail,
        proxies,
        office: OFFICES[r.below(OFFICES.len() as u64) as usize],
        employee_id: 100_000 + i,
        rid: 1_100 + i,
        enabled: !r.chance(400),
        synced,
        bad_anchor,
        soft_match,
        when_changed,
    }
}

/// The primary address user `i` would get without problems (used to plant duplicates cheaply).
fn person_address(f: &ForestSpec, i: u64) -> String {
    let combos = (GIVEN.len() * SURNAMES.len()) as u64;
    let k = i % combos;
    let round = i / combos;
    let g = (k % GIVEN.len() as u64) as usize;
    let s = ((k / GIVEN.len() as u64 + (k % GIVEN.len() as u64) * 7) % SURNAMES.len() as u64) as usize;
    let tag = if round == 0 { String::new() } else { round.to_string() };
    format!("{}.{}{tag}@{}", GIVEN[g].to_ascii_lowercase(), SURNAMES[s].to_ascii_lowercase(), f.mail_domain)
}

pub(super) fn dn(p: &Person, f: &ForestSpec) -> String {
    let dcs: Vec<String> = f.dns.split('.').map(|l| format!("DC={l}")).collect();
    format!("CN={},OU={},OU=Staff,{}", p.cn.replace(',', "\\,"), p.office, dcs.join(","))
}

pub(crate) const AD_COLUMNS: &str = "\"DistinguishedName\",\"Enabled\",\"GivenName\",\"Name\",\"ObjectClass\",\"ObjectGUID\",\"SamAccountName\",\"SID\",\"Surname\",\"UserPrincipalName\",\"DisplayName\",\"mail\",\"mailNickname\",\"proxyAddresses\",\"targetAddress\",\"employeeID\",\"mS-DS-ConsistencyGuid\",\"userAccountControl\",\"whenChanged\",\"isCriticalSystemObject\"";

pub(super) fn write_ad_csv(dir: &Path, seed: u64, f: &ForestSpec, per_file: u64, stats: &mut Generated) -> Result<()> {
    let parts = f.users.div_ceil(per_file).max(1);
    for part in 0..parts {
        let mut out = Out::create(&dir.join(format!("users-{:03}.csv", part + 1)))?;
        out.put("\u{feff}#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n")?;
        out.put(AD_COLUMNS)?;
        out.put("\r\n")?;
        for i in part * per_file..((part + 1) * per_file).min(f.users) {
            let p = person(seed, f, i);
            let (mo, d, y, h, mi, s) = p.when_changed;
            let (h12, ampm) = if h >= 12 { (if h == 12 { 12 } else { h - 12 }, "PM") } else { (h.max(1), "AM") };
            let row = [
                cell(&dn(&p, f)),
                cell(if p.enabled { "True" } else { "False" }),
                cell(&p.given),
                cell(&p.cn),
                cell("user"),
                cell(&p.guid.to_string()),
                cell(&p.sam),
                cell(&sid_text(f.sid, p.rid)),
                cell(&p.surname),
                cell(&p.upn),
                cell(&p.display),
                cell(&p.mail),
                cell(&p.nickname),
                cell(&p.proxies.join(";")),
                String::new(),
                cell(&p.employee_id.to_string()),
                String::new(),
                cell(if p.enabled { "512" } else { "514" }),
                cell(&format!("{mo}/{d}/{y} {h12}:{mi:02}:{s:02} {ampm}")),
                String::new(),
            ];
            out.put(&row.join(","))?;
            out.put("\r\n")?;
            stats.ad_objects += 1;
        }
        out.finish(stats)?;
    }
    Ok(())
}

pub(super) fn write_ldif(path: &Path, seed: u64, f: &ForestSpec, stats: &mut Generated) -> Result<()> {
    let mut out = Out::create(path)?;
    out.put("version: 1\n\n")?;
    let mut rec = String::with_capacity(2048);
    for i in 0..f.users {
        let p = person(seed, f, i);
        let dn = dn(&p, f);
        rec.clear();
        ldif_line(&mut rec, "dn", &dn);
        rec.push_str("changetype: add\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\nobjectClass: user\n");
        ldif_line(&mut rec, "cn", &p.cn);
        ldif_line(&mut rec, "sn", &p.surname);
        ldif_line(&mut rec, "givenName", &p.given);
        ldif_line(&mut rec, "distinguishedName", &dn);
        let (mo, d, y, h, mi, s) = p.when_changed;
        rec.push_str(&format!("whenCreated: 20190301120000.0Z\nwhenChanged: {y}{mo:02}{d:02}{h:02}{mi:02}{s:02}.0Z\n"));
        if !p.display.trim().is_empty() {
            ldif_line(&mut rec, "displayName", &p.display);
        }
        ldif_line(&mut rec, "name", &p.cn);
        ldif_fold(&mut rec, &format!("objectGUID:: {}", b64(&p.guid.to_bytes_le())));
        rec.push_str(&format!("userAccountControl: {}\n", if p.enabled { 512 } else { 514 }));
        ldif_fold(&mut rec, &format!("objectSid:: {}", b64(&sid_bytes(f.sid, p.rid as u32))));
        ldif_line(&mut rec, "sAMAccountName", &p.sam);
        ldif_line(&mut rec, "userPrincipalName", &p.upn);
        ldif_line(&mut rec, "mail", &p.mail);
        ldif_line(&mut rec, "mailNickname", &p.nickname);
        for a in &p.proxies {
            ldif_line(&mut rec, "proxyAddresses", a);
        }
        ldif_line(&mut rec, "employeeID", &p.employee_id.to_string());
        ldif_fold(&mut rec, &format!("mS-DS-ConsistencyGuid:: {}", b64(&p.guid.to_bytes_le())));
        rec.push('\n');
        out.put(&rec)?;
        stats.ad_objects += 1;
    }
    out.finish(stats)
}
