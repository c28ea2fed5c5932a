//! The two forests' users as exported, and the cases planted on them: a fixed share of each forest
//! cycles through every case (which user holds which case depends on the seed).

use super::truth::Builder;
use super::{AD_DOMAIN, NW_DOMAIN};
use crate::generate::{GIVEN, Rng, SURNAMES};
use uuid::Uuid;

/// Cases of the Northwind forest (every fourth user, cycling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NwCase {
    Normal,
    // planted
    SpaceUpn,
    TrailingDotUpn,
    AccentUpn,
    CommaProxy,
    LongSam,
    BlankDisplay,
    DotNickname,
    CoUkSuffix,
    LocalSuffix,
    DupProxy,
    DupMail,
    AnchorUpn,
    AnchorGuidText,
    AnchorBigEndian,
    SoftMatch,
    MigratedMismatch,
    MigratedLatent,
    Unlicensed,
    // near-misses
    Apostrophe,
    Punctuation,
    AccentedName,
    Sam20,
    Upn64,
    OwnDupProxy,
    PrestagedCg,
    GuestElsewhere,
    DisabledShared,
    UkSubdomain,
}

pub(super) const NW_CASES: &[NwCase] = &[
    NwCase::SpaceUpn,
    NwCase::Apostrophe,
    NwCase::TrailingDotUpn,
    NwCase::Punctuation,
    NwCase::AccentUpn,
    NwCase::AccentedName,
    NwCase::CommaProxy,
    NwCase::Sam20,
    NwCase::LongSam,
    NwCase::Upn64,
    NwCase::BlankDisplay,
    NwCase::OwnDupProxy,
    NwCase::DotNickname,
    NwCase::PrestagedCg,
    NwCase::CoUkSuffix,
    NwCase::GuestElsewhere,
    NwCase::LocalSuffix,
    NwCase::DisabledShared,
    NwCase::DupProxy,
    NwCase::UkSubdomain,
    NwCase::DupMail,
    NwCase::AnchorUpn,
    NwCase::AnchorGuidText,
    NwCase::AnchorBigEndian,
    NwCase::SoftMatch,
    NwCase::MigratedMismatch,
    NwCase::MigratedLatent,
    NwCase::Unlicensed,
    // Twice as many migrated users whose twin holds the ConsistencyGuid value as ones whose twin holds
    // the objectGUID value: only the population (most ConsistencyGuids empty) shows the anchor in use.
    NwCase::MigratedMismatch,
];

pub(super) fn nw_case(b: &Builder, i: u64) -> NwCase {
    if i % 4 == 1 { NW_CASES[((i / 4 + b.rotate) % NW_CASES.len() as u64) as usize] } else { NwCase::Normal }
}

/// Cases of the Adatum forest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum AdCase {
    Normal,
    DupNickname,
    SpaceUpn,
    SoftMatch,
    AnchorEmployeeId,
    MigratedCarried,
    AccentedName,
    GuestElsewhere,
}

pub(super) const AD_CASES: &[AdCase] = &[
    AdCase::DupNickname,
    AdCase::MigratedCarried,
    AdCase::SpaceUpn,
    AdCase::AccentedName,
    AdCase::SoftMatch,
    AdCase::GuestElsewhere,
    AdCase::AnchorEmployeeId,
];

pub(super) fn ad_case(b: &Builder, i: u64) -> AdCase {
    if i % 4 == 1 { AD_CASES[((i / 4 + b.rotate) % AD_CASES.len() as u64) as usize] } else { AdCase::Normal }
}

/// Adatum users in OU=Research (also synced into Northwind Traders).
pub(super) fn research(i: u64) -> bool {
    i % 10 == 4
}

/// A fictional name from a combination index: (given, surname, tag for addresses).
pub(super) fn name(k: u64) -> (String, String, String) {
    let g = (k % GIVEN.len() as u64) as usize;
    let s = ((k / GIVEN.len() as u64 + g as u64 * 7) % SURNAMES.len() as u64) as usize;
    let round = k / (GIVEN.len() * SURNAMES.len()) as u64;
    (GIVEN[g].to_string(), SURNAMES[s].to_string(), if round == 0 { String::new() } else { round.to_string() })
}

/// An accented spelling (for names and, in one planted case, a UPN).
pub(super) fn accent(s: &str) -> String {
    let mut done = false;
    s.chars()
        .map(|c| {
            if done {
                return c;
            }
            let r = match c {
                'a' => 'á',
                'e' => 'é',
                'o' => 'ö',
                'u' => 'ü',
                'i' => 'í',
                _ => return c,
            };
            done = true;
            r
        })
        .collect()
}

/// An AD object (user or contact) as the exports carry it.
#[derive(Clone, Debug, Default)]
pub(super) struct AdObj {
    pub(super) guid: Uuid,
    pub(super) contact: bool,
    pub(super) given: String,
    pub(super) surname: String,
    pub(super) display: String,
    pub(super) cn: String,
    pub(super) ou: &'static str,
    pub(super) sam: String,
    pub(super) upn: String,
    pub(super) mail: String,
    pub(super) nickname: String,
    pub(super) proxies: Vec<String>,
    pub(super) target: Option<String>,
    pub(super) cg: Option<[u8; 16]>,
    pub(super) employee_id: u64,
    pub(super) rid: u64,
    pub(super) enabled: bool,
    pub(super) when_changed: (u32, u32, u32),
}

impl AdObj {
    pub(super) fn dn(&self, forest: &str) -> String {
        let dcs: Vec<String> = forest.split('.').map(|l| format!("DC={l}")).collect();
        format!("CN={},OU={},{}", self.cn.replace(',', "\\,"), self.ou, dcs.join(","))
    }
}

pub(super) fn when(r: &mut Rng) -> (u32, u32, u32) {
    (1 + r.below(10) as u32, 1 + r.below(28) as u32, 2024 + r.below(3) as u32)
}

pub(super) fn random16(r: &mut Rng) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&r.next().to_le_bytes());
    b[8..].copy_from_slice(&r.next().to_le_bytes());
    b
}

/// Builds a Northwind forest user (index `i`) as exported, without its cloud twin.
pub(super) fn nw_user(b: &Builder, i: u64) -> AdObj {
    let mut r = b.rng(1, i);
    let (given, surname, tag) = name(b.names + i);
    let local = format!("{}.{}{tag}", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
    let digits = i.to_string();
    let mut sam: String =
        format!("{}{}", &given[..1], surname).to_ascii_lowercase().chars().take(20 - digits.len()).collect();
    sam.push_str(&digits);
    let mail = format!("{local}@{NW_DOMAIN}");
    let mut o = AdObj {
        guid: r.guid(),
        display: format!("{given} {surname}"),
        cn: format!("{given} {surname}{}", if tag.is_empty() { String::new() } else { format!(" ({tag})") }),
        ou: ["Seattle", "London", "Nairobi", "Osaka"][(i % 4) as usize],
        upn: mail.clone(),
        proxies: vec![
            format!("SMTP:{mail}"),
            format!("smtp:{sam}@{NW_DOMAIN}"),
            format!("smtp:{local}@northwindtraders.mail.onmicrosoft.com"),
        ],
        target: Some(format!("SMTP:{local}@northwindtraders.mail.onmicrosoft.com")),
        mail,
        nickname: local.clone(),
        sam,
        employee_id: 200_000 + i,
        rid: 1_200 + i,
        enabled: true,
        when_changed: when(&mut r),
        given,
        surname,
        ..Default::default()
    };
    let set_local = |o: &mut AdObj, l: &str, domain: &str| {
        o.upn = format!("{l}@{domain}");
        o.mail = format!("{l}@{domain}");
        o.proxies[0] = format!("SMTP:{l}@{domain}");
    };
    match nw_case(b, i) {
        NwCase::SpaceUpn => {
            o.upn = format!("{} {}{tag}@{NW_DOMAIN}", o.given.to_ascii_lowercase(), o.surname.to_ascii_lowercase())
        }
        NwCase::TrailingDotUpn => o.upn = format!("{local}.@{NW_DOMAIN}"),
        NwCase::AccentUpn => {
            o.given = accent(&o.given);
            o.display = format!("{} {}", o.given, o.surname);
            o.upn = format!("{}.{}{tag}@{NW_DOMAIN}", o.given.to_lowercase(), o.surname.to_ascii_lowercase());
        }
        NwCase::CommaProxy => o.proxies.push(format!(
            "smtp:{},{}{tag}@{NW_DOMAIN}",
            o.given.to_ascii_lowercase(),
            o.surname.to_ascii_lowercase()
        )),
        NwCase::LongSam => o.sam = format!("{}.archive.account.{i}", o.sam),
        NwCase::BlankDisplay => o.display = String::new(),
        NwCase::DotNickname => o.nickname = format!(".{local}"),
        NwCase::CoUkSuffix => o.upn = format!("{local}@northwindtraders.co.uk"),
        NwCase::LocalSuffix => o.upn = format!("{local}@northwind.local"),
        NwCase::DupProxy => {
            let (g, s, t) = name(b.names + i + 1);
            o.proxies.push(format!("smtp:{}.{}{t}@{NW_DOMAIN}", g.to_ascii_lowercase(), s.to_ascii_lowercase()));
        }
        NwCase::DupMail => {
            let (g, s, t) = name(b.names + i + 1);
            o.mail = format!("{}.{}{t}@{NW_DOMAIN}", g.to_ascii_lowercase(), s.to_ascii_lowercase());
        }
        NwCase::SoftMatch => o.when_changed = (11, 22, 2026),
        NwCase::MigratedMismatch | NwCase::MigratedLatent => o.cg = Some(random16(&mut r)),
        NwCase::Apostrophe => {
            let l = format!("{}.o'{}{tag}", o.given.to_ascii_lowercase(), o.surname.to_ascii_lowercase());
            set_local(&mut o, &l, NW_DOMAIN);
        }
        NwCase::Punctuation => {
            let sep = ['-', '_', '~', '^', '!', '#'][((i / 4) % 6) as usize];
            let l = format!("{}{sep}{}{tag}", o.given.to_ascii_lowercase(), o.surname.to_ascii_lowercase());
            set_local(&mut o, &l, NW_DOMAIN);
        }
        NwCase::AccentedName => {
            o.given = accent(&o.given);
            o.surname = accent(&o.surname);
            o.display = format!("{} {}", o.given, o.surname);
            o.cn = o.display.clone();
        }
        NwCase::Sam20 => {
            let base = format!("svc-{}-", o.surname.to_ascii_lowercase());
            o.sam = format!("{base}{}", "x".repeat(20usize.saturating_sub(base.len() + digits.len())));
            o.sam.truncate(20 - digits.len());
            o.sam.push_str(&digits);
        }
        NwCase::Upn64 => {
            let mut l = format!("{local}.contractor.logistics.emea.region.north.temporary.assignment");
            l.truncate(64);
            let l = l.trim_end_matches('.').to_string();
            let l = format!("{l}{}", "x".repeat(64 - l.len()));
            set_local(&mut o, &l, NW_DOMAIN);
            o.nickname = l;
        }
        NwCase::OwnDupProxy => {
            let mut cap = o.given.clone();
            cap.push('.');
            cap.push_str(&o.surname);
            cap.push_str(&tag);
            o.proxies.push(format!("smtp:{cap}@{NW_DOMAIN}"));
        }
        NwCase::PrestagedCg => o.cg = Some(o.guid.to_bytes_le()),
        NwCase::DisabledShared => o.enabled = false,
        NwCase::UkSubdomain => set_local(&mut o, &local, "uk.northwindtraders.com"),
        _ => {}
    }
    o
}

/// Builds an Adatum forest user (index `i`).
pub(super) fn ad_user(b: &Builder, i: u64) -> AdObj {
    let mut r = b.rng(2, i);
    let (given, surname, tag) = name(500_000 + b.names + i);
    let local = format!("{}.{}{tag}", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
    let digits = i.to_string();
    let mut sam: String =
        format!("{}{}", &given[..1], surname).to_ascii_lowercase().chars().take(20 - digits.len()).collect();
    sam.push_str(&digits);
    let mail = format!("{local}@{AD_DOMAIN}");
    let guid = r.guid();
    let mut o = AdObj {
        guid,
        display: format!("{given} {surname}"),
        cn: format!("{given} {surname} ({i})"),
        ou: if research(i) { "Research" } else { "Staff" },
        upn: mail.clone(),
        proxies: vec![format!("SMTP:{mail}"), format!("smtp:{sam}@{AD_DOMAIN}")],
        mail,
        nickname: local.clone(),
        sam,
        cg: Some(guid.to_bytes_le()),
        employee_id: 700_000 + i,
        rid: 2_100 + i,
        enabled: true,
        when_changed: when(&mut r),
        given,
        surname,
        ..Default::default()
    };
    match ad_case(b, i) {
        AdCase::DupNickname => {
            let (g, s, t) = name(500_000 + b.names + i + 1);
            o.nickname = format!("{}.{}{t}", g.to_ascii_lowercase(), s.to_ascii_lowercase());
        }
        AdCase::SpaceUpn => {
            o.upn = format!("{} {}{tag}@{AD_DOMAIN}", o.given.to_ascii_lowercase(), o.surname.to_ascii_lowercase())
        }
        AdCase::MigratedCarried => o.cg = Some(random16(&mut r)),
        AdCase::AccentedName => {
            o.given = accent(&o.given);
            o.surname = accent(&o.surname);
            o.display = format!("{} {}", o.given, o.surname);
            o.cn = format!("{} ({i})", o.display);
        }
        _ => {}
    }
    o
}
