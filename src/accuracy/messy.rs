//! A messy synthetic estate with ground truth (`tenantlint generate --messy DIR --truth truth.json`).
//!
//! The story (all names fictional): Northwind Traders acquired Adatum. Two forests and four tenants:
//!
//! - forest `corp.northwindtraders.com` (`Get-ADUser | Export-Csv`, Windows PowerShell 5.1), declared
//!   complete and syncing to **Northwind Traders**, anchored on objectGUID (not declared: most users
//!   have an empty ms-DS-ConsistencyGuid, a few migrated users carry one that differs);
//! - forest `ad.adatum.com` (`ldifde`), declared with its paths only — the tool must infer its target
//!   and anchor: ms-DS-ConsistencyGuid (= objectGUID for most users), synced to **Adatum** (whose sync
//!   is stale and does not block soft matching); its `OU=Research` is also synced into Northwind
//!   Traders (partial sync of one OU into a second tenant); its `OU=Contacts` holds GAL contacts of
//!   Northwind people;
//! - **Northwind Traders Marketing**: a copied directory whose cloud-only users carry anchors copied from
//!   Northwind Traders, plus ONE synced stray twin of a Northwind forest user;
//! - **Tailspin Toys**: fed by a forest (`corp.tailspintoys.com`) that is not in the export.
//!
//! Planted problems and near-misses are spread over the users by index (a fixed share of each forest
//! cycles through every case, so even a few hundred users hold each case at least once) and written to
//! the truth file (see [`super::Truth`]). The output is a pure function of `(size, seed)`.

use super::{NearMiss, Planted, Truth};
use crate::generate::{
    AD_COLUMNS, GIVEN, Rng, SURNAMES, USERS_SELECT, b64, cell, immutable_id, ldif_fold, ldif_line, sid_bytes, sid_text,
};
use anyhow::{Context as _, Result};
use serde_json::{Value, json};
use std::path::Path;
use uuid::Uuid;

/// The date the estate must be scanned at (`scan --as-of`).
pub const AS_OF: &str = "2026-11-23T12:00:00Z";
const FRESH_SYNC: &str = "2026-11-23T09:12:40Z";
const STALE_SYNC: &str = "2026-10-09T02:11:40Z";

const NW_FOREST: &str = "corp.northwindtraders.com";
const NW_DOMAIN: &str = "northwindtraders.com";
const NW_INITIAL: &str = "northwindtraders.onmicrosoft.com";
const NW_SID: [u32; 3] = [1_493_810_202, 3_217_640_015, 2_880_371_954];
const AD_FOREST: &str = "ad.adatum.com";
const AD_DOMAIN: &str = "adatum.com";
const AD_INITIAL: &str = "adatumcorp.onmicrosoft.com";
const AD_SID: [u32; 3] = [2_705_113_388, 1_066_348_821, 3_930_155_407];
const MK_INITIAL: &str = "northwindmarketing.onmicrosoft.com";
const TT_FOREST: &str = "corp.tailspintoys.com";
const TT_DOMAIN: &str = "tailspintoys.com";
const TT_INITIAL: &str = "tailspintoys.onmicrosoft.com";

/// Cases of the Northwind forest (every fourth user, cycling).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NwCase {
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

const NW_CASES: &[NwCase] = &[
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

fn nw_case(b: &Builder, i: u64) -> NwCase {
    if i % 4 == 1 { NW_CASES[((i / 4 + b.rotate) % NW_CASES.len() as u64) as usize] } else { NwCase::Normal }
}

/// Cases of the Adatum forest.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AdCase {
    Normal,
    DupNickname,
    SpaceUpn,
    SoftMatch,
    AnchorEmployeeId,
    MigratedCarried,
    AccentedName,
    GuestElsewhere,
}

const AD_CASES: &[AdCase] = &[
    AdCase::DupNickname,
    AdCase::MigratedCarried,
    AdCase::SpaceUpn,
    AdCase::AccentedName,
    AdCase::SoftMatch,
    AdCase::GuestElsewhere,
    AdCase::AnchorEmployeeId,
];

fn ad_case(b: &Builder, i: u64) -> AdCase {
    if i % 4 == 1 { AD_CASES[((i / 4 + b.rotate) % AD_CASES.len() as u64) as usize] } else { AdCase::Normal }
}

/// Adatum users in OU=Research (also synced into Northwind Traders).
fn research(i: u64) -> bool {
    i % 10 == 4
}

/// A fictional name from a combination index: (given, surname, tag for addresses).
fn name(k: u64) -> (String, String, String) {
    let g = (k % GIVEN.len() as u64) as usize;
    let s = ((k / GIVEN.len() as u64 + g as u64 * 7) % SURNAMES.len() as u64) as usize;
    let round = k / (GIVEN.len() * SURNAMES.len()) as u64;
    (GIVEN[g].to_string(), SURNAMES[s].to_string(), if round == 0 { String::new() } else { round.to_string() })
}

/// An accented spelling (for names and, in one planted case, a UPN).
fn accent(s: &str) -> String {
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
struct AdObj {
    guid: Uuid,
    contact: bool,
    given: String,
    surname: String,
    display: String,
    cn: String,
    ou: &'static str,
    sam: String,
    upn: String,
    mail: String,
    nickname: String,
    proxies: Vec<String>,
    target: Option<String>,
    cg: Option<[u8; 16]>,
    employee_id: u64,
    rid: u64,
    enabled: bool,
    when_changed: (u32, u32, u32),
}

impl AdObj {
    fn dn(&self, forest: &str) -> String {
        let dcs: Vec<String> = forest.split('.').map(|l| format!("DC={l}")).collect();
        format!("CN={},OU={},{}", self.cn.replace(',', "\\,"), self.ou, dcs.join(","))
    }
}

/// A cloud user as Graph exports it.
#[derive(Clone, Debug, Default)]
struct CloudUser {
    id: Uuid,
    display: String,
    given: Option<String>,
    surname: Option<String>,
    upn: String,
    mail: Option<String>,
    nickname: String,
    proxies: Vec<String>,
    guest: bool,
    creation_type: Option<&'static str>,
    issuer: String,
    anchor: Option<String>,
    sync_enabled: Option<bool>,
    last_sync: Option<&'static str>,
    on_prem: Option<OnPrem>,
    licensed: bool,
    enabled: bool,
}

#[derive(Clone, Debug, Default)]
struct OnPrem {
    domain: String,
    sam: String,
    upn: String,
    dn: String,
    sid: String,
}

impl CloudUser {
    fn json(&self, sku: &Uuid) -> Value {
        let op = self.on_prem.as_ref();
        json!({
            "id": self.id.to_string(),
            "displayName": self.display,
            "givenName": self.given,
            "surname": self.surname,
            "userPrincipalName": self.upn,
            "mail": self.mail,
            "mailNickname": self.nickname,
            "proxyAddresses": self.proxies,
            "otherMails": if self.guest { self.mail.iter().cloned().collect::<Vec<_>>() } else { Vec::new() },
            "userType": if self.guest { "Guest" } else { "Member" },
            "creationType": self.creation_type,
            "externalUserState": if self.guest { Some("Accepted") } else { None },
            "identities": [{
                "signInType": if self.guest { "federated" } else { "userPrincipalName" },
                "issuer": self.issuer,
                "issuerAssignedId": if self.guest { None } else { Some(self.upn.clone()) },
            }],
            "accountEnabled": self.enabled,
            "employeeId": Value::Null,
            "onPremisesImmutableId": self.anchor,
            "onPremisesSyncEnabled": self.sync_enabled,
            "onPremisesLastSyncDateTime": self.last_sync,
            "onPremisesDomainName": op.map(|o| o.domain.clone()),
            "onPremisesSamAccountName": op.map(|o| o.sam.clone()),
            "onPremisesUserPrincipalName": op.map(|o| o.upn.clone()),
            "onPremisesDistinguishedName": op.map(|o| o.dn.clone()),
            "onPremisesSecurityIdentifier": op.map(|o| o.sid.clone()),
            "onPremisesProvisioningErrors": [],
            "assignedLicenses": if self.licensed { vec![json!({"disabledPlans": [], "skuId": sku.to_string()})] } else { Vec::new() },
            "createdDateTime": "2021-05-04T09:12:44Z",
        })
    }
}

/// One tenant being built.
struct Tenant {
    name: &'static str,
    folder: &'static str,
    id: Uuid,
    initial: &'static str,
    /// (domain, verified)
    domains: Vec<(&'static str, bool)>,
    last_sync: Option<&'static str>,
    /// blockSoftMatchEnabled / takeover block (None: no onPremisesSynchronization export).
    blocks: Option<bool>,
    sku: Uuid,
    users: Vec<CloudUser>,
}

impl Tenant {
    fn key(&self, oid: &Uuid) -> String {
        format!("{}/{oid}", self.id)
    }
}

struct Builder {
    seed: u64,
    /// Seed-dependent offset into the case cycles (which user holds which case).
    rotate: u64,
    /// Seed-dependent offset into the name combinations.
    names: u64,
    truth: Truth,
}

impl Builder {
    fn plant(&mut self, id: String, category: &str, rules: &[&str], subjects: Vec<String>, note: &str) {
        self.truth.planted.push(Planted {
            id,
            category: category.into(),
            rules: rules.iter().map(|r| r.to_string()).collect(),
            subjects,
            note: note.into(),
        });
    }
    fn near(
        &mut self,
        id: String,
        category: &str,
        must_not: &[&str],
        max: Option<&str>,
        subjects: Vec<String>,
        note: &str,
    ) {
        self.truth.near_misses.push(NearMiss {
            id,
            category: category.into(),
            subjects,
            must_not: must_not.iter().map(|r| r.to_string()).collect(),
            max_severity: max.map(String::from),
            note: note.into(),
        });
    }
    fn rng(&self, stream: u64, i: u64) -> Rng {
        Rng::new(self.seed, 7_000 + stream, i)
    }
}

fn when(r: &mut Rng) -> (u32, u32, u32) {
    (1 + r.below(10) as u32, 1 + r.below(28) as u32, 2024 + r.below(3) as u32)
}

fn random16(r: &mut Rng) -> [u8; 16] {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&r.next().to_le_bytes());
    b[8..].copy_from_slice(&r.next().to_le_bytes());
    b
}

/// The UPN Entra gives a synced user whose own UPN it cannot use: its alias in the initial domain.
/// (No digits are appended: `<prefix><4 digits>@<initial>` is what duplicate-attribute quarantine does.)
fn moera(local: &str, initial: &str) -> String {
    let clean: String =
        deunicode::deunicode(local).chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.').collect();
    format!("{}@{initial}", clean.trim_matches('.'))
}

/// Builds a Northwind forest user (index `i`) as exported, without its cloud twin.
fn nw_user(b: &Builder, i: u64) -> AdObj {
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
fn ad_user(b: &Builder, i: u64) -> AdObj {
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

/// A synced cloud twin of an AD user.
fn twin(
    o: &AdObj,
    forest: &str,
    sid: [u32; 3],
    id: Uuid,
    anchor: String,
    upn: String,
    last_sync: &'static str,
) -> CloudUser {
    CloudUser {
        id,
        display: if o.display.is_empty() { o.cn.clone() } else { o.display.clone() },
        given: Some(o.given.clone()),
        surname: Some(o.surname.clone()),
        issuer: upn.rsplit('@').next().unwrap_or_default().to_string(),
        upn,
        mail: Some(o.mail.clone()),
        nickname: o.nickname.trim_start_matches('.').to_string(),
        proxies: o.proxies.iter().filter(|p| !p.contains(',') && !p.contains(' ')).cloned().collect(),
        anchor: Some(anchor),
        sync_enabled: Some(true),
        last_sync: Some(last_sync),
        on_prem: Some(OnPrem {
            domain: forest.to_string(),
            sam: o.sam.clone(),
            upn: o.upn.clone(),
            dn: o.dn(forest),
            sid: sid_text(sid, o.rid),
        }),
        licensed: true,
        enabled: o.enabled,
        ..Default::default()
    }
}

/// A cloud-only member.
fn cloud_only(id: Uuid, display: &str, upn: &str, mail: &str, issuer: &str) -> CloudUser {
    CloudUser {
        id,
        display: display.into(),
        upn: upn.into(),
        mail: Some(mail.into()),
        nickname: upn.split('@').next().unwrap_or_default().into(),
        proxies: vec![format!("SMTP:{mail}")],
        issuer: issuer.into(),
        licensed: true,
        enabled: true,
        ..Default::default()
    }
}

/// A B2B guest with address `address` invited into a tenant whose initial domain is `initial`.
fn guest(id: Uuid, display: &str, address: &str, initial: &str, issuer: &str) -> CloudUser {
    let under = address.replace('@', "_");
    CloudUser {
        id,
        display: display.into(),
        upn: format!("{under}#EXT#@{initial}"),
        mail: Some(address.into()),
        nickname: under.clone(),
        proxies: vec![format!("SMTP:{address}")],
        guest: true,
        creation_type: Some("Invitation"),
        issuer: issuer.into(),
        enabled: true,
        ..Default::default()
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Default)]
pub struct Generated {
    /// AD objects (users and contacts).
    pub ad_objects: usize,
    /// Cloud users.
    pub cloud_objects: usize,
    /// Planted problems.
    pub planted: usize,
    /// Near-misses.
    pub near_misses: usize,
}

/// Writes a messy estate of about `size` AD users (at least 200) into `dir` and its truth into `truth_path`.
pub fn generate(dir: &Path, truth_path: &Path, size: u64, seed: u64) -> Result<Generated> {
    let size = size.max(200);
    let mut b = Builder {
        seed,
        rotate: crate::generate::mix(seed) % 1_000,
        names: crate::generate::mix(seed ^ 0x5eed) % 10_000,
        truth: Truth {
            generator: format!("tenantlint {} generate --messy", env!("CARGO_PKG_VERSION")),
            size,
            seed,
            as_of: AS_OF.into(),
            ..Default::default()
        },
    };
    let tid = |n: u64| {
        let mut r = Rng::new(seed, 7_900, n);
        r.guid()
    };
    let mut nw = Tenant {
        name: "Northwind Traders",
        folder: "northwind",
        id: tid(1),
        initial: NW_INITIAL,
        domains: vec![
            (NW_DOMAIN, true),
            ("uk.northwindtraders.com", true),
            ("northwindtraders.mail.onmicrosoft.com", true),
            ("northwindtraders.co.uk", false),
        ],
        last_sync: Some(FRESH_SYNC),
        blocks: Some(true),
        sku: Uuid::from_u128(0x6fd2_c87f_b296_42f0_b197_1e91_e994_b900),
        users: Vec::new(),
    };
    let mut mk = Tenant {
        name: "Northwind Traders Marketing",
        folder: "northwind-marketing",
        id: tid(2),
        initial: MK_INITIAL,
        domains: vec![(NW_DOMAIN, false)],
        last_sync: Some(FRESH_SYNC),
        blocks: None,
        sku: Uuid::from_u128(0x3b55_5118_da6a_4418_894f_7df1_e244_8bb3),
        users: Vec::new(),
    };
    let mut ad = Tenant {
        name: "Adatum",
        folder: "adatum",
        id: tid(3),
        initial: AD_INITIAL,
        domains: vec![(AD_DOMAIN, true)],
        last_sync: Some(STALE_SYNC),
        blocks: Some(false),
        sku: Uuid::from_u128(0x05e9_a617_0261_4cee_bb44_138d_3ef5_d965),
        users: Vec::new(),
    };
    let mut tt = Tenant {
        name: "Tailspin Toys",
        folder: "tailspin",
        id: tid(4),
        initial: TT_INITIAL,
        domains: vec![(TT_DOMAIN, true)],
        last_sync: Some(FRESH_SYNC),
        blocks: None,
        sku: Uuid::from_u128(0xc7df_2760_2c81_4ef7_b578_5b53_92b5_71df),
        users: Vec::new(),
    };
    let n_nw = size * (55 + crate::generate::mix(seed ^ 0x512e) % 11) / 100;
    let n_ad = size - n_nw;
    let cid = |b: &Builder, stream: u64, i: u64| b.rng(stream, i).guid();

    // ---- Northwind forest and its twins ----
    let mut nw_objs = Vec::with_capacity(n_nw as usize);
    let mut normal_nw = Vec::new();
    for i in 0..n_nw {
        let o = nw_user(&b, i);
        let case = nw_case(&b, i);
        let id = cid(&b, 11, i);
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
                let partner = nw_user(&b, i + 1).guid.to_string();
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
                let partner = nw_user(&b, i + 1).guid.to_string();
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
                let gid = cid(&b, 12, i);
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
        let id = cid(&b, 13, 0);
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
        let id = cid(&b, 14, i);
        let local = o.mail.split('@').next().unwrap_or_default();
        let mut c = cloud_only(id, &o.display, &format!("{local}@{MK_INITIAL}"), &o.mail, MK_INITIAL);
        c.given = Some(o.given.clone());
        c.surname = Some(o.surname.clone());
        c.anchor = Some(immutable_id(&o.guid));
        copied.push(mk.key(&id));
        copied.push(o.guid.to_string());
        copied.push(nw.key(&cid(&b, 11, i)));
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
        let id = cid(&b, 17, k);
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

    // ---- Adatum forest (LDIF), its twins, the Research OU synced into Northwind too ----
    let mut ad_objs = Vec::with_capacity(n_ad as usize);
    let mut research_subjects = vec![AD_FOREST.to_string()];
    let mut research_suffix = Vec::new();
    for i in 0..n_ad {
        let o = ad_user(&b, i);
        let id = cid(&b, 21, i);
        let tkey = ad.key(&id);
        let g = o.guid.to_string();
        let pid = |tag: &str| format!("P-{tag}-a{i:05}");
        let nid = |tag: &str| format!("N-{tag}-a{i:05}");
        let anchor = b64(&o.cg.unwrap_or(o.guid.to_bytes_le()));
        let mut tw = Some(twin(&o, AD_FOREST, AD_SID, id, anchor, o.upn.clone(), STALE_SYNC));
        match ad_case(&b, i) {
            AdCase::Normal => {}
            AdCase::DupNickname => {
                let partner = ad_user(&b, i + 1).guid.to_string();
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
                let gid = cid(&b, 22, i);
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
        if research(i) && ad_case(&b, i) == AdCase::Normal {
            let nid2 = cid(&b, 23, i);
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

    // ---- Tailspin Toys: fed by a forest that is not exported ----
    let mut tt_users = Vec::new();
    for k in 0..(size / 20).max(6) {
        let mut r = b.rng(31, k);
        let (given, s1, _) = name(900_000 + k);
        let (_, s2, _) = name(900_000 + k * 31 + 17);
        let surname = format!("{s1}-{s2}");
        let local = format!("{}.{}{k}", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
        let upn = format!("{local}@{TT_DOMAIN}");
        let id = r.guid();
        let mut c = cloud_only(id, &format!("{given} {surname}"), &upn, &upn, TT_DOMAIN);
        c.given = Some(given.clone());
        c.surname = Some(surname.clone());
        c.anchor = Some(immutable_id(&r.guid()));
        c.sync_enabled = Some(true);
        c.last_sync = Some(FRESH_SYNC);
        c.on_prem = Some(OnPrem {
            domain: TT_FOREST.into(),
            sam: format!("{}{}", &given[..1], s1).to_ascii_lowercase(),
            upn: upn.clone(),
            dn: format!("CN={given} {surname},OU=Users,OU=Tailspin,DC=corp,DC=tailspintoys,DC=com"),
            sid: sid_text([3_001_002_003, 1_234_567_890, 987_654_321], 1_500 + k),
        });
        tt_users.push(tt.key(&id));
        tt.users.push(c);
    }
    for k in 0..2u64 {
        let id = cid(&b, 32, k);
        let upn = format!("admin{k}@{TT_INITIAL}");
        tt.users.push(cloud_only(id, &format!("Tailspin Admin {k}"), &upn, &upn, TT_INITIAL));
    }
    b.plant(
        "P-unexported-forest".into(),
        "input",
        &[],
        vec![tt.id.to_string()],
        "Tailspin Toys holds synced users of corp.tailspintoys.com, a forest that is not in the export: one coverage finding",
    );
    b.near(
        "N-unexported-forest-users".into(),
        "anchor-integrity",
        &["AN005"],
        None,
        tt_users,
        "synced users of a tenant no exported forest feeds: one input finding, not an orphan per user",
    );
    b.near(
        "N-separate-company".into(),
        "duplicate-directories",
        &["DD001"],
        None,
        vec![tt.id.to_string()],
        "Tailspin Toys is a separate organisation",
    );

    // ---- Personal accounts ----
    for k in 0..(size / 2000).max(1) {
        let (given, surname, _) = name(950_000 + k);
        let addr = format!("{}.{}{k}@outlook.com", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
        let (a, c) = (cid(&b, 41, k), cid(&b, 42, k));
        nw.users.push(guest(a, &format!("{given} {surname}"), &addr, NW_INITIAL, "MicrosoftAccount"));
        ad.users.push(guest(c, &format!("{given} {surname}"), &addr, AD_INITIAL, "MicrosoftAccount"));
        b.plant(
            format!("P-msa-two-tenants-{k:03}"),
            "msa-ambiguity",
            &["MS001"],
            vec![nw.key(&a), ad.key(&c), addr],
            "one personal Microsoft account is a guest in two tenants",
        );
        let (given, surname, _) = name(960_000 + k);
        let addr = format!("{}.{}{k}@hotmail.com", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
        let a = cid(&b, 43, k);
        nw.users.push(guest(a, &format!("{given} {surname}"), &addr, NW_INITIAL, "MicrosoftAccount"));
        b.near(
            format!("N-msa-one-tenant-{k:03}"),
            "msa-ambiguity",
            &["msa-ambiguity"],
            None,
            vec![nw.key(&a), addr],
            "a personal-account guest in one tenant, without roles",
        );
        let (given, surname, _) = name(970_000 + k);
        let addr = format!("{}.{}{k}@hotmail-us.top", given.to_ascii_lowercase(), surname.to_ascii_lowercase());
        let a = cid(&b, 44, k);
        ad.users.push(guest(a, &format!("{given} {surname}"), &addr, AD_INITIAL, "mail"));
        b.near(
            format!("N-msa-lookalike-{k:03}"),
            "msa-ambiguity",
            &["msa-ambiguity"],
            None,
            vec![ad.key(&a), addr],
            "hotmail-us.top is not a Microsoft consumer domain; e-mail one-time passcode guest",
        );
    }

    // ---- Tenant-level truth ----
    b.plant(
        "P-stale-sync".into(),
        "sync",
        &["SY001"],
        vec![ad.id.to_string()],
        "Adatum last synced 45 days before the scan",
    );
    b.plant(
        "P-takeover-not-blocked".into(),
        "sync",
        &["SY005"],
        vec![ad.id.to_string()],
        "Adatum does not block soft matching or hard-match takeover",
    );
    b.near(
        "N-fresh-sync".into(),
        "sync",
        &["SY001", "SY005"],
        None,
        vec![nw.id.to_string(), mk.id.to_string(), tt.id.to_string()],
        "fresh sync; Northwind Traders blocks soft match and takeover (no export of the others' settings)",
    );
    b.near(
        "N-verified-domains".into(),
        "domains",
        &["domains"],
        None,
        vec![
            format!("{}/uk.northwindtraders.com", nw.id),
            format!("{}/northwindtraders.mail.onmicrosoft.com", nw.id),
            format!("{}/{TT_DOMAIN}", tt.id),
        ],
        "verified, managed domains used by their own tenant",
    );

    b.near(
        "N-paged-exports".into(),
        "input",
        &["input"],
        None,
        [&nw, &mk, &ad, &tt]
            .iter()
            .flat_map(|t| {
                ["users.json", "users-page2.json", "domains.json", "organization.json"]
                    .map(|f| format!("tenants/{}/{f}", t.folder))
            })
            .chain(["ad/northwind/users.csv".to_string(), "ad/adatum/adatum.ldf".to_string()])
            .collect(),
        "complete exports: users pages continued by @odata.nextLink, $select with the sync fields, UTF-8",
    );

    // ---- Subscriptions ----
    let outside = Rng::new(seed, 7_950, 0).guid();
    let mut subs: Vec<Value> = Vec::new();
    let mut sub = |b: &mut Builder, k: u64, name: String, tenant: Uuid, state: &str, quota: &str| {
        let id = b.rng(51, k).guid();
        subs.push(json!({"id": format!("/subscriptions/{id}"), "authorizationSource": "RoleBased", "managedByTenants": [],
            "subscriptionId": id.to_string(), "tenantId": tenant.to_string(), "displayName": name, "state": state,
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": quota, "spendingLimit": "Off"}}));
        id.to_string()
    };
    let ea = "EnterpriseAgreement_2014-09-01";
    let s = sub(&mut b, 0, "Marketing Web".into(), mk.id, "Enabled", "PayAsYouGo_2014-09-01");
    b.plant("P-sub-duplicate-directory".into(), "subscriptions", &["SU002"], vec![s], "trusts the copied directory");
    let s = sub(&mut b, 1, "Analytics Trial".into(), outside, "Enabled", "FreeTrial_2014-09-01");
    b.plant("P-sub-outside".into(), "subscriptions", &["SU001"], vec![s], "trusts a tenant outside the estate");
    let s = sub(&mut b, 2, "Access to Azure Active Directory".into(), nw.id, "Enabled", "AAD_2015-09-01");
    b.plant("P-sub-legacy".into(), "subscriptions", &["SU004"], vec![s], "legacy AAD subscription");
    let s = sub(&mut b, 3, "Old Dev/Test".into(), nw.id, "Disabled", ea);
    b.plant("P-sub-disabled".into(), "subscriptions", &["SU005"], vec![s], "disabled subscription");
    let mut fine = Vec::new();
    for k in 0..(size / 1000).max(2) {
        for (n, t) in [("Northwind", nw.id), ("Adatum", ad.id), ("Tailspin", tt.id)] {
            fine.push(sub(&mut b, 10 + fine.len() as u64, format!("{n} Production {k}"), t, "Enabled", ea));
        }
    }
    b.near(
        "N-subscriptions".into(),
        "subscriptions",
        &["subscriptions"],
        None,
        fine,
        "active subscriptions trusting their own tenant",
    );

    // ---- Write ----
    let mut stats = Generated { ad_objects: nw_objs.len() + ad_objs.len(), ..Default::default() };
    write(dir, "ad/northwind/users.csv", &nw_csv(&nw_objs))?;
    write(dir, "ad/adatum/adatum.ldf", &ad_ldif(&ad_objs))?;
    for t in [&nw, &mk, &ad, &tt] {
        stats.cloud_objects += t.users.len();
        write_tenant(dir, t)?;
    }
    write(dir, "azure/subscriptions.json", &(serde_json::to_string_pretty(&json!({"value": subs}))? + "\n"))?;
    let manifest = format!(
        "# Messy synthetic estate: size {size}, seed {seed} (tenantlint generate --messy)\nname = \"Northwind / Adatum merger (synthetic)\"\n\n\
         [[tenant]]\nname = \"{}\"\nid = \"{}\"\npaths = [\"tenants/northwind\"]\nseparate_from = [\"Adatum\"]\n\n\
         [[tenant]]\nname = \"{}\"\nid = \"{}\"\npaths = [\"tenants/northwind-marketing\"]\n\n\
         [[tenant]]\nname = \"{}\"\nid = \"{}\"\npaths = [\"tenants/adatum\"]\n\n\
         [[tenant]]\nname = \"{}\"\nid = \"{}\"\npaths = [\"tenants/tailspin\"]\n\n\
         [[forest]]\nname = \"{NW_FOREST}\"\npaths = [\"ad/northwind\"]\ncomplete = true\nsyncs_to = [\"Northwind Traders\"]\n\n\
         # Anchor attributes (both forests) and target tenants (this one) not declared: the tool must infer them.\n\
         [[forest]]\nname = \"{AD_FOREST}\"\npaths = [\"ad/adatum\"]\n",
        nw.name, nw.id, mk.name, mk.id, ad.name, ad.id, tt.name, tt.id
    );
    write(dir, "estate.toml", &manifest)?;
    stats.planted = b.truth.planted.len();
    stats.near_misses = b.truth.near_misses.len();
    if let Some(d) = truth_path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    std::fs::write(truth_path, serde_json::to_string_pretty(&b.truth)? + "\n")
        .with_context(|| format!("writing {}", truth_path.display()))?;
    Ok(stats)
}

fn write(dir: &Path, rel: &str, text: &str) -> Result<()> {
    let p = dir.join(rel);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
    }
    std::fs::write(&p, text).with_context(|| format!("writing {}", p.display()))
}

/// `Get-ADUser … | Select-Object … | Export-Csv` (Windows PowerShell 5.1: `#TYPE`, UTF-8 BOM, CRLF).
fn nw_csv(objs: &[AdObj]) -> String {
    let mut s = String::from("\u{feff}#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n");
    s.push_str(AD_COLUMNS);
    s.push_str("\r\n");
    for o in objs {
        let (mo, d, y) = o.when_changed;
        let row = [
            cell(&o.dn(NW_FOREST)),
            cell(if o.enabled { "True" } else { "False" }),
            cell(&o.given),
            cell(&o.cn),
            cell("user"),
            cell(&o.guid.to_string()),
            cell(&o.sam),
            cell(&sid_text(NW_SID, o.rid)),
            cell(&o.surname),
            cell(&o.upn),
            if o.display.is_empty() { String::new() } else { cell(&o.display) },
            cell(&o.mail),
            cell(&o.nickname),
            cell(&o.proxies.join(";")),
            o.target.as_deref().map(cell).unwrap_or_default(),
            cell(&o.employee_id.to_string()),
            o.cg.map(|c| cell(&b64(&c))).unwrap_or_default(),
            cell(if o.enabled { "512" } else { "514" }),
            cell(&format!("{mo}/{d}/{y} 9:14:07 AM")),
            String::new(),
        ];
        s.push_str(&row.join(","));
        s.push_str("\r\n");
    }
    s
}

/// `ldifde -f adatum.ldf` (users and contacts; Base64 binary attributes, folding).
fn ad_ldif(objs: &[AdObj]) -> String {
    let mut s = String::from("version: 1\n\n");
    for o in objs {
        let dn = o.dn(AD_FOREST);
        ldif_line(&mut s, "dn", &dn);
        s.push_str("changetype: add\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n");
        s.push_str(if o.contact { "objectClass: contact\n" } else { "objectClass: user\n" });
        ldif_line(&mut s, "cn", &o.cn);
        ldif_line(&mut s, "sn", &o.surname);
        ldif_line(&mut s, "givenName", &o.given);
        ldif_line(&mut s, "distinguishedName", &dn);
        let (mo, d, y) = o.when_changed;
        s.push_str(&format!("whenCreated: 20200301120000.0Z\nwhenChanged: {y}{mo:02}{d:02}091407.0Z\n"));
        if !o.display.is_empty() {
            ldif_line(&mut s, "displayName", &o.display);
        }
        ldif_line(&mut s, "name", &o.cn);
        ldif_fold(&mut s, &format!("objectGUID:: {}", b64(&o.guid.to_bytes_le())));
        if !o.contact {
            s.push_str(&format!("userAccountControl: {}\n", if o.enabled { 512 } else { 514 }));
            ldif_fold(&mut s, &format!("objectSid:: {}", b64(&sid_bytes(AD_SID, o.rid as u32))));
            ldif_line(&mut s, "sAMAccountName", &o.sam);
            ldif_line(&mut s, "userPrincipalName", &o.upn);
        }
        ldif_line(&mut s, "mail", &o.mail);
        if !o.nickname.is_empty() {
            ldif_line(&mut s, "mailNickname", &o.nickname);
        }
        for p in &o.proxies {
            ldif_line(&mut s, "proxyAddresses", p);
        }
        if let Some(t) = &o.target {
            ldif_line(&mut s, "targetAddress", t);
        }
        if !o.contact {
            ldif_line(&mut s, "employeeID", &o.employee_id.to_string());
        }
        if let Some(c) = o.cg {
            ldif_fold(&mut s, &format!("mS-DS-ConsistencyGuid:: {}", b64(&c)));
        }
        s.push('\n');
    }
    s
}

/// Graph REST exports of one tenant: organization, domains, users (two pages linked by
/// `@odata.nextLink` when there is more than one user) and onPremisesSynchronization.
fn write_tenant(dir: &Path, t: &Tenant) -> Result<()> {
    let base = format!("tenants/{}", t.folder);
    let verified: Vec<Value> = t
        .domains
        .iter()
        .filter(|(_, v)| *v)
        .map(|(d, _)| *d)
        .chain(std::iter::once(t.initial))
        .map(|d| {
            json!({"capabilities": "Email, OfficeCommunicationsOnline", "isDefault": d == t.domains[0].0 && t.domains[0].1,
                "isInitial": d == t.initial, "name": d, "type": "Managed"})
        })
        .collect();
    let org = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#organization", "value": [{
        "id": t.id.to_string(), "displayName": t.name, "createdDateTime": "2016-03-14T16:02:51Z",
        "onPremisesLastSyncDateTime": t.last_sync, "onPremisesSyncEnabled": t.last_sync.map(|_| true),
        "technicalNotificationMails": [format!("it-ops@{}", t.initial)], "tenantType": "AAD", "verifiedDomains": verified}]});
    write(dir, &format!("{base}/organization.json"), &(serde_json::to_string_pretty(&org)? + "\n"))?;
    let domains: Vec<Value> = t
        .domains
        .iter()
        .copied()
        .chain(std::iter::once((t.initial, true)))
        .map(|(d, v)| {
            json!({"authenticationType": "Managed", "id": d, "isAdminManaged": true, "isDefault": d == t.domains[0].0 && v,
                "isInitial": d == t.initial, "isRoot": true, "isVerified": v, "supportedServices": if v { vec!["Email"] } else { vec![] }})
        })
        .collect();
    let doms = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#domains", "value": domains});
    write(dir, &format!("{base}/domains.json"), &(serde_json::to_string_pretty(&doms)? + "\n"))?;
    let users: Vec<Value> = t.users.iter().map(|u| u.json(&t.sku)).collect();
    let context = format!("https://graph.microsoft.com/v1.0/$metadata#users({USERS_SELECT})");
    let half = users.len().div_ceil(2);
    let (p1, p2) = users.split_at(half.min(users.len()));
    let mut first = serde_json::Map::new();
    first.insert("@odata.context".into(), json!(context));
    if !p2.is_empty() {
        let token = b64(format!("page2-{}", t.id).as_bytes());
        first.insert(
            "@odata.nextLink".into(),
            json!(format!("https://graph.microsoft.com/v1.0/users?$select={USERS_SELECT}&$top=999&$skiptoken={token}")),
        );
    }
    first.insert("value".into(), Value::Array(p1.to_vec()));
    write(dir, &format!("{base}/users.json"), &(serde_json::to_string_pretty(&Value::Object(first))? + "\n"))?;
    if !p2.is_empty() {
        let second = json!({"@odata.context": context, "value": p2});
        write(dir, &format!("{base}/users-page2.json"), &(serde_json::to_string_pretty(&second)? + "\n"))?;
    }
    if let Some(block) = t.blocks {
        let sync = json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#directory/onPremisesSynchronization",
            "value": [{"id": t.id.to_string(), "configuration": {"synchronizationInterval": "PT30M"},
            "features": {"blockCloudObjectTakeoverThroughHardMatchEnabled": block, "blockSoftMatchEnabled": block,
                "passwordSyncEnabled": true, "softMatchOnUpnEnabled": true, "synchronizeUpnForManagedUsersEnabled": true}}]});
        write(dir, &format!("{base}/onPremisesSynchronization.json"), &(serde_json::to_string_pretty(&sync)? + "\n"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_readable_and_every_case_present() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let ga = generate(&a.path().join("estate"), &a.path().join("truth.json"), 300, 5).unwrap();
        generate(&b.path().join("estate"), &b.path().join("truth.json"), 300, 5).unwrap();
        for f in [
            "truth.json",
            "estate/ad/northwind/users.csv",
            "estate/ad/adatum/adatum.ldf",
            "estate/tenants/northwind/users.json",
        ] {
            assert_eq!(std::fs::read(a.path().join(f)).unwrap(), std::fs::read(b.path().join(f)).unwrap(), "{f}");
        }
        let ing = crate::ingest::ingest(&[a.path().join("estate")], &Default::default(), &|_| {}).unwrap();
        for r in &ing.inputs {
            assert_eq!(r.status, crate::ingest::Status::Read, "{r:?}");
        }
        assert_eq!(ing.estate.ad_objects.len(), ga.ad_objects);
        assert_eq!(ing.estate.cloud_objects.len(), ga.cloud_objects);
        assert_eq!(ing.estate.tenants.len(), 4);
        let truth: Truth = serde_json::from_slice(&std::fs::read(a.path().join("truth.json")).unwrap()).unwrap();
        // Every planted tag and near-miss tag occurs at 300 users.
        let tags = |ids: Vec<&String>| {
            ids.into_iter()
                .map(|id| {
                    id.trim_end_matches(|c: char| c.is_ascii_digit() || c == 'a').trim_end_matches('-').to_string()
                })
                .collect::<std::collections::BTreeSet<_>>()
        };
        let planted = tags(truth.planted.iter().map(|p| &p.id).collect());
        for t in [
            "P-upn-space",
            "P-cg-mismatch",
            "P-cg-latent",
            "P-soft-match",
            "P-anchor-employee-id",
            "P-dup-nickname",
            "P-unlicensed",
        ] {
            assert!(planted.contains(t), "{t} missing from {planted:?}");
        }
        let near = tags(truth.near_misses.iter().map(|n| &n.id).collect());
        for t in ["N-cg-carried", "N-upn-local-64", "N-guest-elsewhere", "N-gal-contact", "N-sam-20"] {
            assert!(near.contains(t), "{t} missing from {near:?}");
        }
        // Subjects name objects the estate holds: every planted AD subject is an exported objectGUID.
        let guids: std::collections::HashSet<String> =
            ing.estate.ad_objects.iter().filter_map(|o| o.object_guid).map(|g| g.to_string()).collect();
        let p = truth.planted.iter().find(|p| p.id.starts_with("P-cg-mismatch")).unwrap();
        assert!(guids.contains(&p.subjects[0]));
    }
}
