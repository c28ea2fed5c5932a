//! Synthetic estates for benchmarks (`tenantlint generate`, a hidden subcommand).
//!
//! Writes a fictional estate of about `objects` AD and cloud objects in the real export formats:
//! two forests (`Get-ADUser | Export-Csv` from Windows PowerShell 5.1, and `ldifde`), three tenants
//! (Graph REST `users` pages linked by `@odata.nextLink`, `organization`, `domains`), an ARM
//! `GET /subscriptions` list, and an `estate.toml` manifest. The output is a pure function of
//! `(objects, seed)`: every object is derived from a hash of the seed and its index, so the files are
//! written streaming (one record at a time) and the cloud twin of an AD user is regenerated, never
//! stored.
//!
//! Shares (of the objects of a kind): ~1.5% bad characters (spaces, commas, non-ASCII, `.local`
//! suffixes), ~0.5% addresses held twice, ~1% ImmutableIds derived from the UPN and ~0.2% that are
//! GUID text, ~1% cloud-only users that will be soft-matched, ~3% guests (some personal Microsoft
//! accounts), a small self-service sign-up tenant that duplicates the main one, and subscriptions
//! trusting it or a tenant outside the estate.

use anyhow::{Context as _, Result};
use base64::Engine as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

/// Given names (varied origins; combined with [`SURNAMES`] into fictional people).
pub(crate) const GIVEN: &[&str] = &[
    "Aaliyah",
    "Abebe",
    "Adaeze",
    "Aiko",
    "Alejandro",
    "Amara",
    "Anahera",
    "Anders",
    "Aniela",
    "Arjun",
    "Astrid",
    "Ayesha",
    "Bao",
    "Beatriz",
    "Bilal",
    "Birgit",
    "Camila",
    "Chidi",
    "Chiara",
    "Dalia",
    "Daniel",
    "Dmitri",
    "Efua",
    "Elif",
    "Emeka",
    "Emma",
    "Esi",
    "Fatima",
    "Felipe",
    "Freya",
    "Gaurav",
    "Giulia",
    "Hana",
    "Hamid",
    "Hiroshi",
    "Ines",
    "Ingrid",
    "Isabela",
    "Ivan",
    "Jamal",
    "Jana",
    "Javier",
    "Jin",
    "Joon",
    "Kalani",
    "Kamal",
    "Kavya",
    "Kenji",
    "Khadija",
    "Kofi",
    "Lars",
    "Leila",
    "Liam",
    "Lucia",
    "Mai",
    "Malik",
    "Mariam",
    "Mateo",
    "Mei",
    "Mikael",
    "Nadia",
    "Naledi",
    "Nikos",
    "Noor",
    "Oksana",
    "Olga",
    "Omar",
    "Pablo",
    "Priya",
    "Quentin",
    "Rafael",
    "Rania",
    "Ravi",
    "Rosa",
    "Sakura",
    "Salma",
    "Santiago",
    "Sanjay",
    "Sigrid",
    "Sione",
    "Sofia",
    "Tariq",
    "Thabo",
    "Tomasz",
    "Uma",
    "Valentina",
    "Vikram",
    "Wanjiru",
    "Wei",
    "Xavier",
    "Yara",
    "Yusuf",
    "Zainab",
    "Zofia",
    "Zoltan",
    "Ngozi",
    "Pita",
    "Marta",
    "Tuan",
    "Leilani",
];

/// Surnames.
pub(crate) const SURNAMES: &[&str] = &[
    "Abara",
    "Achterberg",
    "Adeyemi",
    "Alvarez",
    "Andersen",
    "Bakshi",
    "Banda",
    "Berglund",
    "Bianchi",
    "Brennan",
    "Castillo",
    "Chaudhry",
    "Chen",
    "Costa",
    "Dahl",
    "Delgado",
    "Dimitrov",
    "Dubois",
    "Eriksen",
    "Esposito",
    "Farouk",
    "Ferreira",
    "Fischer",
    "Fujita",
    "Gallo",
    "Ghosh",
    "Haddad",
    "Hakimi",
    "Hansen",
    "Horvat",
    "Ibrahim",
    "Ishikawa",
    "Jansen",
    "Jovanovic",
    "Kamau",
    "Kaur",
    "Kowalski",
    "Kruger",
    "Kuznetsova",
    "Lam",
    "Larsen",
    "Lim",
    "Lindqvist",
    "Mahlangu",
    "Mansour",
    "Marino",
    "Mbeki",
    "Mendes",
    "Moreau",
    "Mwangi",
    "Nakamura",
    "Nguyen",
    "Novak",
    "Nowak",
    "Obi",
    "Okafor",
    "Olsen",
    "Osei",
    "Park",
    "Patel",
    "Pereira",
    "Petrov",
    "Quispe",
    "Rahman",
    "Ramos",
    "Reyes",
    "Rossi",
    "Saito",
    "Salazar",
    "Santos",
    "Schmidt",
    "Sharma",
    "Silva",
    "Sokolov",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Tembo",
    "Torres",
    "Tran",
    "Ueda",
    "Usman",
    "Varga",
    "Vasquez",
    "Vogel",
    "Wanjiku",
    "Watanabe",
    "Weber",
    "Wong",
    "Yamamoto",
    "Yilmaz",
    "Zapata",
    "Zhang",
    "Zielinski",
    "Zulu",
    "Tupou",
    "Kealoha",
    "Aziz",
    "Moana",
    "Haugen",
];

/// Accented spellings used for the "non-ASCII in an address" problems.
const ACCENTED: &[(&str, &str)] = &[("Ines", "Inés"), ("Zoltan", "Zoltán"), ("Elif", "Elif"), ("Jose", "José")];

const OFFICES: &[&str] = &["Seattle", "London", "Nairobi", "Sao Paulo", "Osaka", "Warsaw", "Auckland", "Pune"];

/// SplitMix64: a tiny, fast, well-mixed hash used as a per-object random source.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic random stream for one object.
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64, stream: u64, index: u64) -> Self {
        Rng(mix(seed ^ mix(stream.wrapping_mul(0xA24B_AED4_963E_E407) ^ mix(index))))
    }
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
    /// True with probability `per_10k` / 10,000.
    pub(crate) fn chance(&mut self, per_10k: u64) -> bool {
        self.next() % 10_000 < per_10k
    }
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub(crate) fn guid(&mut self) -> uuid::Uuid {
        let mut b = [0u8; 16];
        b[..8].copy_from_slice(&self.next().to_le_bytes());
        b[8..].copy_from_slice(&self.next().to_le_bytes());
        uuid::Builder::from_random_bytes(b).into_uuid()
    }
}

/// One forest of the synthetic estate.
struct ForestSpec {
    stream: u64,
    /// DNS name of the forest root.
    dns: &'static str,
    /// UPN / mail suffix.
    mail_domain: &'static str,
    /// Tenant initial domain prefix (`<prefix>.onmicrosoft.com`).
    tenant_prefix: &'static str,
    /// Users in the forest.
    users: u64,
    /// Domain SID sub-authorities.
    sid: [u32; 3],
}

/// A generated AD user (and what its cloud twin looks like).
struct Person {
    guid: uuid::Uuid,
    given: String,
    surname: String,
    display: String,
    cn: String,
    sam: String,
    upn: String,
    mail: String,
    nickname: String,
    proxies: Vec<String>,
    office: &'static str,
    employee_id: u64,
    rid: u64,
    enabled: bool,
    /// Synchronised to the tenant (has a cloud twin with the right anchor).
    synced: bool,
    /// The twin's ImmutableId is derived from a mutable attribute (0 = right, 1 = Base64 of UPN, 2 = GUID text).
    bad_anchor: u8,
    /// Not synced, but a cloud-only user with the same UPN exists (soft-match candidate).
    soft_match: bool,
    when_changed: (u32, u32, u32, u32, u32, u32),
}

fn person(seed: u64, f: &ForestSpec, i: u64) -> Person {
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

pub(crate) fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The ImmutableId Entra Connect computes from an objectGUID: Base64 of its little-endian bytes.
pub(crate) fn immutable_id(g: &uuid::Uuid) -> String {
    b64(&g.to_bytes_le())
}

/// Binary objectSid `S-1-5-21-a-b-c-rid`.
pub(crate) fn sid_bytes(sub: [u32; 3], rid: u32) -> Vec<u8> {
    let mut v = vec![1u8, 5, 0, 0, 0, 0, 0, 5];
    for x in [21, sub[0], sub[1], sub[2], rid] {
        v.extend_from_slice(&x.to_le_bytes());
    }
    v
}

pub(crate) fn sid_text(sub: [u32; 3], rid: u64) -> String {
    format!("S-1-5-21-{}-{}-{}-{rid}", sub[0], sub[1], sub[2])
}

fn dn(p: &Person, f: &ForestSpec) -> String {
    let dcs: Vec<String> = f.dns.split('.').map(|l| format!("DC={l}")).collect();
    format!("CN={},OU={},OU=Staff,{}", p.cn.replace(',', "\\,"), p.office, dcs.join(","))
}

/// Statistics of a generated estate.
#[derive(Debug, Default)]
pub struct Generated {
    /// Files written.
    pub files: usize,
    /// Bytes written.
    pub bytes: u64,
    /// AD objects.
    pub ad_objects: u64,
    /// Cloud objects.
    pub cloud_objects: u64,
}

struct Out {
    w: BufWriter<File>,
    bytes: u64,
}

impl Out {
    fn create(path: &Path) -> Result<Self> {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d).with_context(|| format!("creating {}", d.display()))?;
        }
        let f = File::create(path).with_context(|| format!("creating {}", path.display()))?;
        Ok(Out { w: BufWriter::with_capacity(1 << 20, f), bytes: 0 })
    }
    fn put(&mut self, s: &str) -> Result<()> {
        self.bytes += s.len() as u64;
        self.w.write_all(s.as_bytes())?;
        Ok(())
    }
    fn finish(mut self, stats: &mut Generated) -> Result<()> {
        self.w.flush()?;
        stats.files += 1;
        stats.bytes += self.bytes;
        Ok(())
    }
}

/// A JSON string literal.
fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn jopt(s: Option<&str>) -> String {
    s.map(js).unwrap_or_else(|| "null".into())
}

/// A CSV cell as `Export-Csv` (Windows PowerShell 5.1) writes it: always quoted, empty when absent.
pub(crate) fn cell(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub(crate) const AD_COLUMNS: &str = "\"DistinguishedName\",\"Enabled\",\"GivenName\",\"Name\",\"ObjectClass\",\"ObjectGUID\",\"SamAccountName\",\"SID\",\"Surname\",\"UserPrincipalName\",\"DisplayName\",\"mail\",\"mailNickname\",\"proxyAddresses\",\"targetAddress\",\"employeeID\",\"mS-DS-ConsistencyGuid\",\"userAccountControl\",\"whenChanged\",\"isCriticalSystemObject\"";

fn write_ad_csv(dir: &Path, seed: u64, f: &ForestSpec, per_file: u64, stats: &mut Generated) -> Result<()> {
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

/// An LDIF attribute line: `::` Base64 when the value is not safe, folded at 76 columns as ldifde does.
pub(crate) fn ldif_line(out: &mut String, name: &str, value: &str) {
    let safe = value.is_ascii()
        && !value.starts_with([' ', ':', '<'])
        && !value.ends_with(' ')
        && !value.contains(['\r', '\n', '\0']);
    let line = if safe { format!("{name}: {value}") } else { format!("{name}:: {}", b64(value.as_bytes())) };
    ldif_fold(out, &line);
}

pub(crate) fn ldif_fold(out: &mut String, line: &str) {
    let mut rest = line;
    let mut first = true;
    while !rest.is_empty() {
        let width = if first { 76 } else { 75 };
        let mut cut = rest.len().min(width);
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        if !first {
            out.push(' ');
        }
        out.push_str(&rest[..cut]);
        out.push('\n');
        rest = &rest[cut..];
        first = false;
    }
}

fn write_ldif(path: &Path, seed: u64, f: &ForestSpec, stats: &mut Generated) -> Result<()> {
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

pub(crate) const USERS_SELECT: &str = "id,displayName,givenName,surname,userPrincipalName,mail,mailNickname,proxyAddresses,otherMails,userType,creationType,externalUserState,identities,accountEnabled,employeeId,onPremisesImmutableId,onPremisesSyncEnabled,onPremisesLastSyncDateTime,onPremisesDomainName,onPremisesSamAccountName,onPremisesUserPrincipalName,onPremisesDistinguishedName,onPremisesSecurityIdentifier,onPremisesProvisioningErrors,assignedLicenses,createdDateTime";

/// One tenant of the synthetic estate.
struct TenantSpec {
    name: &'static str,
    folder: &'static str,
    id: uuid::Uuid,
    initial: &'static str,
    domains: &'static [&'static str],
    /// The forest synchronised into the tenant.
    forest: Option<usize>,
    /// Cloud-only members and guests beyond the synced twins.
    extra: u64,
    /// Members created by self-service sign-up (a viral tenant).
    viral: bool,
    sku: uuid::Uuid,
}

#[allow(clippy::too_many_arguments)]
fn graph_user(
    rec: &mut String,
    id: &uuid::Uuid,
    display: Option<&str>,
    given: Option<&str>,
    surname: Option<&str>,
    upn: &str,
    mail: Option<&str>,
    nickname: &str,
    proxies: &[String],
    user_type: &str,
    creation_type: Option<&str>,
    issuer: &str,
    on_prem: Option<(&str, &Person, &ForestSpec, String)>,
    sku: &uuid::Uuid,
) {
    rec.push_str(&format!(
        "{{\"id\":\"{id}\",\"displayName\":{},\"givenName\":{},\"surname\":{},\"userPrincipalName\":{},\"mail\":{},\"mailNickname\":{},\"proxyAddresses\":[",
        jopt(display),
        jopt(given),
        jopt(surname),
        js(upn),
        jopt(mail),
        js(nickname)
    ));
    for (n, a) in proxies.iter().enumerate() {
        if n > 0 {
            rec.push(',');
        }
        rec.push_str(&js(a));
    }
    let guest = user_type == "Guest";
    rec.push_str(&format!(
        "],\"otherMails\":[{}],\"userType\":\"{user_type}\",\"creationType\":{},\"externalUserState\":{},\"identities\":[{{\"signInType\":\"{}\",\"issuer\":{},\"issuerAssignedId\":{}}}],\"accountEnabled\":true,",
        if guest { mail.map(js).unwrap_or_default() } else { String::new() },
        jopt(creation_type),
        if guest { "\"Accepted\"" } else { "null" },
        if guest { "federated" } else { "userPrincipalName" },
        js(issuer),
        if guest { "null".to_string() } else { js(upn) },
    ));
    match on_prem {
        Some((anchor, p, f, dn)) => rec.push_str(&format!(
            "\"employeeId\":\"{}\",\"onPremisesImmutableId\":{},\"onPremisesSyncEnabled\":true,\"onPremisesLastSyncDateTime\":\"2026-11-20T07:42:18Z\",\"onPremisesDomainName\":\"{}\",\"onPremisesSamAccountName\":{},\"onPremisesUserPrincipalName\":{},\"onPremisesDistinguishedName\":{},\"onPremisesSecurityIdentifier\":\"{}\",",
            p.employee_id,
            js(anchor),
            f.dns,
            js(&p.sam),
            js(&p.upn),
            js(&dn),
            sid_text(f.sid, p.rid)
        )),
        None => rec.push_str(
            "\"employeeId\":null,\"onPremisesImmutableId\":null,\"onPremisesSyncEnabled\":null,\"onPremisesLastSyncDateTime\":null,\"onPremisesDomainName\":null,\"onPremisesSamAccountName\":null,\"onPremisesUserPrincipalName\":null,\"onPremisesDistinguishedName\":null,\"onPremisesSecurityIdentifier\":null,",
        ),
    }
    rec.push_str(&format!(
        "\"onPremisesProvisioningErrors\":[],\"assignedLicenses\":[{}],\"createdDateTime\":\"2021-05-04T09:12:44Z\"}}",
        if guest { String::new() } else { format!("{{\"disabledPlans\":[],\"skuId\":\"{sku}\"}}") }
    ));
}

/// Writes the users of a tenant as Graph pages of `per_page` users, linked by `@odata.nextLink`.
fn write_graph_users(
    dir: &Path,
    seed: u64,
    t: &TenantSpec,
    forests: &[ForestSpec],
    per_page: u64,
    stats: &mut Generated,
) -> Result<()> {
    let twins = t.forest.map(|f| forests[f].users).unwrap_or(0);
    let total = twins + t.extra;
    let pages = total.div_ceil(per_page).max(1);
    let mut rec = String::with_capacity(4096);
    let mut n = 0u64;
    for page in 0..pages {
        let name = if page == 0 { "users.json".to_string() } else { format!("users-page{}.json", page + 1) };
        let mut out = Out::create(&dir.join(name))?;
        out.put(&format!(
            "{{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#users({USERS_SELECT})\","
        ))?;
        if page + 1 < pages {
            let token = b64(format!("page{}-{}", page + 2, t.id).as_bytes());
            out.put(&format!(
                "\"@odata.nextLink\":\"https://graph.microsoft.com/v1.0/users?$select={USERS_SELECT}&$top=999&$skiptoken={token}\","
            ))?;
        }
        out.put("\"value\":[\n")?;
        let mut first = true;
        while n < total && n < (page + 1) * per_page {
            rec.clear();
            let written = if n < twins {
                let fi = t.forest.unwrap_or(0);
                let f = &forests[fi];
                let p = person(seed, f, n);
                let mut r = Rng::new(seed, 100 + f.stream, n);
                let id = r.guid();
                if p.synced {
                    let anchor = match p.bad_anchor {
                        1 => b64(p.upn.as_bytes()),
                        2 => p.guid.to_string(),
                        _ => immutable_id(&p.guid),
                    };
                    let upn = if p.upn.is_ascii() && !p.upn.contains(' ') && !p.upn.contains(".local") {
                        p.upn.clone()
                    } else {
                        // Entra ID replaced the unusable UPN with one in the initial domain.
                        format!("{}{}@{}", p.nickname.chars().take(10).collect::<String>(), n % 10_000, t.initial)
                    };
                    graph_user(
                        &mut rec,
                        &id,
                        Some(&p.display).filter(|d| !d.trim().is_empty()).map(|s| s.as_str()),
                        Some(&p.given),
                        Some(&p.surname),
                        &upn,
                        Some(&p.mail),
                        &p.nickname,
                        &p.proxies,
                        "Member",
                        None,
                        t.initial,
                        Some((&anchor, &p, f, dn(&p, f))),
                        &t.sku,
                    );
                    true
                } else if p.soft_match {
                    // A cloud-only account created by hand before sync was set up: will be soft-matched.
                    graph_user(
                        &mut rec,
                        &id,
                        Some(&p.display),
                        Some(&p.given),
                        Some(&p.surname),
                        &p.upn,
                        Some(&p.mail),
                        &p.nickname,
                        &[format!("SMTP:{}", p.mail)],
                        "Member",
                        None,
                        t.initial,
                        None,
                        &t.sku,
                    );
                    true
                } else {
                    false
                }
            } else {
                let k = n - twins;
                let mut r = Rng::new(seed, 200 + t.id.as_u128() as u64 % 1000, k);
                let id = r.guid();
                let g = GIVEN[r.below(GIVEN.len() as u64) as usize];
                let s = SURNAMES[r.below(SURNAMES.len() as u64) as usize];
                let local = format!("{}.{}{k}", g.to_ascii_lowercase(), s.to_ascii_lowercase());
                let display = format!("{g} {s}");
                if t.viral {
                    // Self-service sign-up with the main organisation's addresses.
                    let addr = format!("{local}@{}", t.domains[0]);
                    graph_user(
                        &mut rec,
                        &id,
                        Some(&display),
                        Some(g),
                        Some(s),
                        &addr,
                        Some(&addr),
                        &local,
                        &[format!("SMTP:{addr}")],
                        "Member",
                        Some("EmailVerified"),
                        t.initial,
                        None,
                        &t.sku,
                    );
                } else if r.chance(7_000) {
                    // B2B guest: other organisations, some personal Microsoft accounts.
                    let (dom, issuer) = match r.below(10) {
                        0..=1 => ("outlook.com", "MicrosoftAccount"),
                        2 => ("hotmail.com", "MicrosoftAccount"),
                        3..=5 => ("wingtiptoys.com", "ExternalAzureAD"),
                        _ => ("adatum.com", "ExternalAzureAD"),
                    };
                    let ext = format!("{local}@{dom}");
                    let upn = format!("{}#EXT#@{}", ext.replace('@', "_"), t.initial);
                    graph_user(
                        &mut rec,
                        &id,
                        Some(&display),
                        None,
                        None,
                        &upn,
                        Some(&ext),
                        &ext.replace('@', "_"),
                        &[format!("SMTP:{ext}")],
                        "Guest",
                        Some("Invitation"),
                        issuer,
                        None,
                        &t.sku,
                    );
                } else {
                    let addr = format!("{local}@{}", t.domains[0]);
                    graph_user(
                        &mut rec,
                        &id,
                        Some(&display),
                        Some(g),
                        Some(s),
                        &addr,
                        Some(&addr),
                        &local,
                        &[format!("SMTP:{addr}")],
                        "Member",
                        None,
                        t.initial,
                        None,
                        &t.sku,
                    );
                }
                true
            };
            if written {
                if !first {
                    out.put(",\n")?;
                }
                first = false;
                out.put(&rec)?;
                stats.cloud_objects += 1;
            }
            n += 1;
        }
        out.put("\n]}\n")?;
        out.finish(stats)?;
    }
    Ok(())
}

fn write_organization(dir: &Path, t: &TenantSpec, stats: &mut Generated) -> Result<()> {
    let mut out = Out::create(&dir.join("organization.json"))?;
    let mut domains = Vec::new();
    for d in t.domains.iter().chain(std::iter::once(&t.initial)) {
        domains.push(format!(
            "{{\"capabilities\":\"Email, OfficeCommunicationsOnline\",\"isDefault\":{},\"isInitial\":{},\"name\":\"{d}\",\"type\":\"Managed\"}}",
            *d == t.domains[0] && !t.viral,
            *d == t.initial
        ));
    }
    let sync = t.forest.is_some();
    out.put(&format!(
        "{{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#organization\",\"value\":[{{\"id\":\"{}\",\"displayName\":{},\"createdDateTime\":\"2016-03-14T16:02:51Z\",\"onPremisesLastSyncDateTime\":{},\"onPremisesSyncEnabled\":{},\"technicalNotificationMails\":[\"it-ops@{}\"],\"tenantType\":\"AAD\",\"verifiedDomains\":[{}]}}]}}\n",
        t.id,
        js(t.name),
        if sync { "\"2026-11-20T07:42:18Z\"" } else { "null" },
        if sync { "true" } else { "null" },
        t.domains[0],
        domains.join(",")
    ))?;
    out.finish(stats)?;
    let mut out = Out::create(&dir.join("domains.json"))?;
    out.put("{\"@odata.context\":\"https://graph.microsoft.com/v1.0/$metadata#domains\",\"value\":[\n")?;
    let all: Vec<&str> = t.domains.iter().copied().chain(std::iter::once(t.initial)).collect();
    for (n, d) in all.iter().enumerate() {
        let verified = !t.viral || *d == t.initial;
        out.put(&format!(
            "{}{{\"authenticationType\":\"Managed\",\"id\":\"{d}\",\"isAdminManaged\":{},\"isDefault\":{},\"isInitial\":{},\"isRoot\":true,\"isVerified\":{verified},\"supportedServices\":[\"Email\"]}}",
            if n == 0 { "" } else { ",\n" },
            !t.viral,
            n == 0 && !t.viral,
            *d == t.initial,
        ))?;
    }
    out.put("\n]}\n")?;
    out.finish(stats)
}

fn write_subscriptions(
    path: &Path,
    seed: u64,
    tenants: &[TenantSpec],
    count: u64,
    stats: &mut Generated,
) -> Result<()> {
    let mut out = Out::create(path)?;
    out.put("{\"value\":[\n")?;
    let outside = uuid::Uuid::from_u128(0x4f1e_2b3c_9a8d_4e7f_8a6b_5c4d_3e2f_1a0b);
    for i in 0..count {
        let mut r = Rng::new(seed, 900, i);
        let id = r.guid();
        let roll = r.below(100);
        let tenant = if roll < 3 {
            outside
        } else if roll < 8 {
            tenants[2].id
        } else {
            tenants[(roll % 2) as usize].id
        };
        let state = if r.chance(300) { "Disabled" } else { "Enabled" };
        let quota = if r.chance(500) { "AAD_2015-09-01" } else { "EnterpriseAgreement_2014-09-01" };
        out.put(&format!(
            "{}{{\"id\":\"/subscriptions/{id}\",\"authorizationSource\":\"RoleBased\",\"managedByTenants\":[],\"subscriptionId\":\"{id}\",\"tenantId\":\"{tenant}\",\"displayName\":\"Workload {i:05}\",\"state\":\"{state}\",\"subscriptionPolicies\":{{\"locationPlacementId\":\"Public_2014-09-01\",\"quotaId\":\"{quota}\",\"spendingLimit\":\"Off\"}}}}",
            if i == 0 { "" } else { ",\n" }
        ))?;
    }
    out.put("\n]}\n")?;
    out.finish(stats)
}

/// Writes a synthetic estate of about `objects` AD + cloud objects into `dir`.
pub fn generate(dir: &Path, objects: u64, seed: u64) -> Result<Generated> {
    let mut stats = Generated::default();
    // Half of the objects are AD users (80% in the CSV forest, 20% in the LDIF forest), half cloud objects.
    let ad = (objects / 2).max(2);
    let forests = [
        ForestSpec {
            stream: 1,
            dns: "corp.tailspintoys.com",
            mail_domain: "tailspintoys.com",
            tenant_prefix: "tailspintoys",
            users: ad * 4 / 5,
            sid: [1_004_336_348, 1_177_238_915, 682_003_330],
        },
        ForestSpec {
            stream: 2,
            dns: "ad.fourthcoffee.com",
            mail_domain: "fourthcoffee.com",
            tenant_prefix: "fourthcoffee",
            users: ad - ad * 4 / 5,
            sid: [3_166_394_057, 2_841_372_256, 1_932_524_935],
        },
    ];
    let extra = |share: u64| (objects / 2 * share / 100).max(1);
    let tenants = [
        TenantSpec {
            name: "Tailspin Toys",
            folder: "tailspin",
            id: uuid::Uuid::from_u128(0x8f0c_1b4e_2a7d_4c55_9e61_3b2d_7a9c_0e11 ^ seed as u128),
            initial: "tailspintoys.onmicrosoft.com",
            domains: &["tailspintoys.com", "uk.tailspintoys.com"],
            forest: Some(0),
            extra: extra(4),
            viral: false,
            sku: uuid::Uuid::from_u128(0x6fd2_c87f_b296_42f0_b197_1e91_e994_b900),
        },
        TenantSpec {
            name: "Fourth Coffee",
            folder: "fourthcoffee",
            id: uuid::Uuid::from_u128(0x7c7e_6817_1f48_420b_9c83_650a_1e0d_7886 ^ seed as u128),
            initial: "fourthcoffee.onmicrosoft.com",
            domains: &["fourthcoffee.com"],
            forest: Some(1),
            extra: extra(1),
            viral: false,
            sku: uuid::Uuid::from_u128(0x05e9_a617_0261_4cee_bb44_138d_3ef5_d965),
        },
        TenantSpec {
            name: "Tailspin Toys Marketing",
            folder: "tailspin-marketing",
            id: uuid::Uuid::from_u128(0x5a6a_dd13_ecc3_41a4_ac6c_d70a_e428_b617 ^ seed as u128),
            initial: "tailspintoysmarketing.onmicrosoft.com",
            domains: &["tailspintoys.com"],
            forest: None,
            extra: (objects / 500).max(3),
            viral: true,
            sku: uuid::Uuid::from_u128(0x3b55_5118_da6a_4418_894f_7df1_e244_8bb3),
        },
    ];
    let per_file = 500_000;
    write_ad_csv(&dir.join("ad/tailspin"), seed, &forests[0], per_file, &mut stats)?;
    write_ldif(&dir.join("ad/fourthcoffee/fourthcoffee.ldf"), seed, &forests[1], &mut stats)?;
    for t in &tenants {
        let d = dir.join("tenants").join(t.folder);
        write_organization(&d, t, &mut stats)?;
        write_graph_users(&d, seed, t, &forests, 100_000, &mut stats)?;
    }
    write_subscriptions(&dir.join("azure/subscriptions.json"), seed, &tenants, (objects / 5_000).max(4), &mut stats)?;
    let mut m = Out::create(&dir.join("estate.toml"))?;
    m.put(&format!(
        "# Synthetic estate: {objects} objects, seed {seed} (tenantlint generate)\nname = \"Synthetic estate\"\n"
    ))?;
    for t in &tenants {
        m.put(&format!(
            "\n[[tenant]]\nname = \"{}\"\nid = \"{}\"\npaths = [\"tenants/{}\"]\n",
            t.name, t.id, t.folder
        ))?;
    }
    for (f, folder, anchor) in
        [(&forests[0], "tailspin", "objectGUID"), (&forests[1], "fourthcoffee", "ms-DS-ConsistencyGuid")]
    {
        let to = if f.stream == 1 { "Tailspin Toys" } else { "Fourth Coffee" };
        m.put(&format!(
            "\n[[forest]]\nname = \"{}\"\npaths = [\"ad/{folder}\"]\ncomplete = true\nanchor = \"{anchor}\"\nsyncs_to = [\"{to}\"]\n",
            f.dns
        ))?;
    }
    m.w.flush()?;
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_readable() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let sa = generate(a.path(), 2_000, 7).unwrap();
        let sb = generate(b.path(), 2_000, 7).unwrap();
        assert_eq!(sa.bytes, sb.bytes);
        let read = |p: &Path| std::fs::read(p).unwrap();
        for f in ["ad/tailspin/users-001.csv", "ad/fourthcoffee/fourthcoffee.ldf", "tenants/tailspin/users.json"] {
            assert_eq!(read(&a.path().join(f)), read(&b.path().join(f)), "{f}");
        }
        let ing = crate::ingest::ingest(&[a.path().to_path_buf()], &Default::default(), &|_| {}).unwrap();
        for r in &ing.inputs {
            assert_eq!(r.status, crate::ingest::Status::Read, "{:?}", r);
        }
        assert_eq!(ing.estate.ad_objects.len() as u64, sa.ad_objects);
        assert_eq!(ing.estate.cloud_objects.len() as u64, sa.cloud_objects);
        assert_eq!(ing.estate.tenants.len(), 3);
        // ImmutableIds of synced twins are the Base64 of the AD objectGUID's little-endian bytes.
        let guids: std::collections::HashSet<String> =
            ing.estate.ad_objects.iter().filter_map(|o| o.object_guid).map(|g| g.immutable_id()).collect();
        let hard = ing
            .estate
            .cloud_objects
            .iter()
            .filter_map(|c| c.immutable_id.as_ref())
            .filter(|i| guids.contains(i.as_str()));
        assert!(hard.count() as u64 > sa.ad_objects * 9 / 10);
    }
}
