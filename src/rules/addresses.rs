//! The cloud address table: every cloud object's addresses ([`tenancy::addresses`]: UPN, mail,
//! SMTP proxy addresses, otherMails; trimmed, lower-cased, deduplicated), computed once per run in
//! parallel and shared by the families that join on them (`directories`, `domains`), and the
//! domain usage derived from it. Each family lower-cased every address of the estate again before;
//! at a million objects that was a second of CPU per family.
//!
//! Addresses live in string arenas (one per chunk of objects) with end offsets, not one `String`
//! each: a million objects hold three million addresses.

use super::tenancy;
use crate::model::text::TrimFast as _;
use crate::model::{CloudObject, Estate, TenantIdx};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// Objects per parallel chunk when building the table.
const CHUNK: usize = 16 * 1024;

/// Every cloud object's addresses, in `estate.cloud_objects` order: one part per chunk of
/// [`CHUNK`] objects, each built on its own core and kept as built (no copy into one arena).
#[derive(Debug, Default)]
pub struct AddressTable {
    parts: Vec<Part>,
}

/// The addresses of one chunk of objects.
#[derive(Debug, Default)]
struct Part {
    /// All addresses, concatenated.
    text: String,
    /// End offset in `text` of each address (its start is the previous end), with [`CUSTOM`] set
    /// when the address has a custom domain ([`domain_of_lower`], not Microsoft-provided).
    addr_end: Vec<usize>,
    /// End index in `addr_end` of each object's addresses.
    obj_end: Vec<usize>,
}

/// Flag of an [`Part::addr_end`] entry: the address has a custom domain (decided once, when the
/// table is built, instead of by every family that filters on it).
const CUSTOM: usize = 1 << (usize::BITS - 1);

impl AddressTable {
    /// Builds the table for every cloud object of `estate`.
    pub fn new(estate: &Estate) -> Self {
        AddressTable { parts: estate.cloud_objects.par_chunks(CHUNK).map(Part::new).collect() }
    }

    /// Cloud object `i`'s addresses as (position among them, address, custom domain or not).
    fn entries(&self, i: usize) -> impl Iterator<Item = (u32, &str, bool)> + '_ {
        let p = &self.parts[i / CHUNK];
        let i = i % CHUNK;
        let first = if i == 0 { 0 } else { p.obj_end[i - 1] };
        (first..p.obj_end[i]).map(move |k| {
            let start = if k == 0 { 0 } else { p.addr_end[k - 1] & !CUSTOM };
            let end = p.addr_end[k];
            ((k - first) as u32, &p.text[start..end & !CUSTOM], end & CUSTOM != 0)
        })
    }

    /// The addresses of cloud object `i` (sorted, distinct, lower-cased).
    pub fn of(&self, i: usize) -> impl Iterator<Item = &str> + '_ {
        self.entries(i).map(|(_, a, _)| a)
    }

    /// The addresses of cloud object `i` that have a custom domain, with their positions in
    /// [`AddressTable::of`] (for [`AddressTable::nth`]).
    pub fn custom(&self, i: usize) -> impl Iterator<Item = (u32, &str)> + '_ {
        self.entries(i).filter(|e| e.2).map(|(k, a, _)| (k, a))
    }

    /// Address `k` of cloud object `i` (a position [`AddressTable::custom`] gave).
    pub fn nth(&self, i: usize, k: u32) -> &str {
        let p = &self.parts[i / CHUNK];
        let i = i % CHUNK;
        let k = if i == 0 { 0 } else { p.obj_end[i - 1] } + k as usize;
        let start = if k == 0 { 0 } else { p.addr_end[k - 1] & !CUSTOM };
        &p.text[start..p.addr_end[k] & !CUSTOM]
    }

    /// The distinct custom (not Microsoft-provided) domains of cloud object `i`'s addresses, in
    /// the order of first use.
    pub fn custom_domains(&self, i: usize) -> Vec<&str> {
        let mut v: Vec<&str> = Vec::new();
        for (_, a) in self.custom(i) {
            if let Some(d) = domain_of_lower(a)
                && !v.contains(&d)
            {
                v.push(d);
            }
        }
        v
    }
}

impl Part {
    fn new(objects: &[CloudObject]) -> Self {
        // Room for about three 24-byte addresses per object: one growth at most for most chunks.
        let mut p = Part {
            text: String::with_capacity(objects.len() * 72),
            addr_end: Vec::with_capacity(objects.len() * 3),
            obj_end: Vec::with_capacity(objects.len()),
        };
        // One object's addresses ([`tenancy::addresses`]) are lower-cased into `scratch` and sorted and
        // deduplicated there as ranges: no `String` per address.
        let mut scratch = String::new();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        fn add(scratch: &mut String, ranges: &mut Vec<(usize, usize)>, value: &str) {
            let (start, value) = (scratch.len(), value.trim_fast());
            if value.is_ascii() {
                scratch.push_str(value);
                scratch[start..].make_ascii_lowercase();
            } else {
                scratch.push_str(&value.to_lowercase());
            }
            let a = &scratch[start..];
            // Byte searches (`memchr`) first: a substring search costs more to start, and few addresses
            // hold a `#`.
            let has = |b: u8| memchr::memchr(b, a.as_bytes()).is_some();
            if has(b'@') && !(has(b'#') && a.contains("#ext#")) {
                ranges.push((start, scratch.len()));
            } else {
                scratch.truncate(start);
            }
        }
        for o in objects {
            scratch.clear();
            ranges.clear();
            for v in o.upn.iter().chain(o.mail.iter()).chain(o.other_mails.iter()) {
                add(&mut scratch, &mut ranges, v);
            }
            for px in &o.proxy_addresses {
                if let Some((pre, rest)) = px.split_once(':')
                    && pre.eq_ignore_ascii_case("smtp")
                {
                    add(&mut scratch, &mut ranges, rest);
                }
            }
            ranges.sort_unstable_by(|a, b| scratch[a.0..a.1].cmp(&scratch[b.0..b.1]));
            ranges.dedup_by(|a, b| scratch[a.0..a.1] == scratch[b.0..b.1]);
            for &(start, end) in &ranges {
                let a = &scratch[start..end];
                let custom = domain_of_lower(a).is_some_and(|d| !tenancy::is_microsoft_domain(d));
                p.text.push_str(a);
                p.addr_end.push(p.text.len() | if custom { CUSTOM } else { 0 });
            }
            p.obj_end.push(p.addr_end.len());
        }
        // The table lives through the rules: no growth slack (up to half of each part).
        p.text.shrink_to_fit();
        p.addr_end.shrink_to_fit();
        p.obj_end.shrink_to_fit();
        p
    }
}

/// [`tenancy::domain_of`] of an address that is already trimmed and lower-cased (an
/// [`AddressTable`] entry), borrowed instead of allocated.
pub fn domain_of_lower(address: &str) -> Option<&str> {
    // Byte searches (run twice for every address of every cloud object); the split points are ASCII.
    let a = address.trim_fast();
    let a = match memchr::memchr(b':', a.as_bytes()) {
        Some(k) if a[..k].eq_ignore_ascii_case("smtp") => &a[k + 1..],
        _ => a,
    };
    let at = memchr::memrchr(b'@', a.as_bytes())?;
    let (local, dom) = (&a[..at], &a[at + 1..]);
    let dom = dom.trim_fast().trim_end_matches('.');
    // `char::is_whitespace` of an ASCII text: space, tab, line feed, vertical tab, form feed, return.
    let blank = if dom.is_ascii() {
        dom.bytes().any(|b| matches!(b, b' ' | b'\t'..=b'\r'))
    } else {
        dom.contains(char::is_whitespace)
    };
    (!local.is_empty() && !dom.is_empty() && !blank).then_some(dom)
}

/// Where each custom domain is used by members of each tenant ([`tenancy::is_member`]): domain →
/// tenant → cloud objects (in estate order). Shared by `directories` (evidence that two tenants
/// are one organisation) and `domains` (DO003, DO005).
#[derive(Debug, Default)]
pub struct DomainUsage {
    /// Domain → tenant → member objects using it.
    pub by_domain: HashMap<String, BTreeMap<TenantIdx, Vec<u32>>>,
}

impl DomainUsage {
    /// Builds the usage from the address table (chunks of objects in parallel, merged in estate
    /// order).
    pub fn new(estate: &Estate, table: &AddressTable) -> Self {
        type Usage<'a> = crate::hash::FastMap<&'a str, BTreeMap<TenantIdx, Vec<u32>>>;
        let chunks: Vec<Usage<'_>> = estate
            .cloud_objects
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(c, objects)| {
                let mut used = Usage::default();
                for (k, o) in objects.iter().enumerate() {
                    if !tenancy::is_member(o) {
                        continue;
                    }
                    let i = c * CHUNK + k;
                    for d in table.custom_domains(i) {
                        used.entry(d).or_default().entry(o.tenant).or_default().push(i as u32);
                    }
                }
                used
            })
            .collect();
        let mut by_domain: HashMap<String, BTreeMap<TenantIdx, Vec<u32>>> = HashMap::new();
        for used in chunks {
            for (d, tenants) in used {
                let into = match by_domain.get_mut(d) {
                    Some(t) => t,
                    None => by_domain.entry(d.to_string()).or_default(),
                };
                for (t, mut objects) in tenants {
                    into.entry(t).or_default().append(&mut objects);
                }
            }
        }
        Self { by_domain }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CloudKind, Tenant};

    fn user(tenant: TenantIdx, upn: &str, proxies: &[&str]) -> CloudObject {
        CloudObject {
            kind: CloudKind::User,
            tenant,
            upn: Some(upn.into()),
            proxy_addresses: proxies.iter().map(|p| (*p).into()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn table_holds_each_objects_addresses_across_chunks() {
        let mut e = Estate::default();
        e.tenants.push(Tenant::default());
        for k in 0..(CHUNK + 5) {
            let proxies = [format!("SMTP:U{k}@Contoso.com"), format!("smtp:u{k}@contoso.onmicrosoft.com")];
            let proxies: Vec<&str> = proxies.iter().map(String::as_str).collect();
            e.cloud_objects.push(user(0, &format!(" U{k}@CONTOSO.com "), &proxies));
        }
        e.cloud_objects.push(CloudObject { kind: CloudKind::User, ..Default::default() });
        let t = AddressTable::new(&e);
        for i in [0, 1, CHUNK - 1, CHUNK, CHUNK + 4] {
            let want = tenancy::addresses(&e.cloud_objects[i]);
            assert_eq!(t.of(i).collect::<Vec<_>>(), want, "object {i}");
            assert_eq!(want.len(), 2);
            assert_eq!(t.custom_domains(i), ["contoso.com"]);
            let custom: Vec<(u32, &str)> = t.custom(i).collect();
            assert_eq!(custom, [(0, want[0].as_str())], "the onmicrosoft.com address is not custom");
            assert_eq!(t.nth(i, 1), want[1]);
        }
        assert_eq!(t.of(CHUNK + 5).count(), 0);
    }

    #[test]
    fn table_addresses_agree_with_tenancy_addresses() {
        let mut e = Estate::default();
        e.tenants.push(Tenant::default());
        let mut o =
            user(0, " Ann@Contoso.COM ", &["SMTP:ann@contoso.com", "smtp: ÅSA@Contoso.com", "X500:/o=x", "sip:a@b"]);
        o.mail = Some("ann@CONTOSO.com".into());
        o.other_mails =
            ["noat", "b_x.com#EXT#@contoso.onmicrosoft.com", "Zoë@fabrikam.com"].map(Into::into).to_vec().into();
        e.cloud_objects.push(o);
        e.cloud_objects.push(user(0, "", &["smtp:", "SMTP:@"]));
        let t = AddressTable::new(&e);
        for i in 0..e.cloud_objects.len() {
            assert_eq!(t.of(i).collect::<Vec<_>>(), tenancy::addresses(&e.cloud_objects[i]), "object {i}");
        }
        assert_eq!(t.of(0).count(), 3, "{:?}", t.of(0).collect::<Vec<_>>());
    }

    #[test]
    fn borrowed_domain_agrees_with_domain_of() {
        for a in [
            "a@contoso.com",
            "smtp:a@contoso.com.",
            "a@",
            "@contoso.com",
            "a@b c.com",
            "noat",
            " a@x.org ",
            "a@b\u{b}c.com",
            "a@b\u{a0}c.com",
            "sip:a@b.com",
            "SMTP:x@y@z.com",
            "smtp:",
            "a:b@c.com",
        ] {
            assert_eq!(domain_of_lower(a).map(str::to_string), tenancy::domain_of(a), "{a}");
        }
    }

    #[test]
    fn usage_counts_members_once_per_domain_and_skips_guests_and_contacts() {
        let mut e = Estate::default();
        e.tenants.push(Tenant::default());
        e.tenants.push(Tenant::default());
        e.cloud_objects.push(user(0, "a@contoso.com", &["SMTP:a@contoso.com", "smtp:alias@contoso.com"]));
        e.cloud_objects.push(user(1, "b@contoso.com", &["smtp:b@fabrikam.com"]));
        let mut guest = user(1, "c_x.com#EXT#@fabrikam.onmicrosoft.com", &["SMTP:c@contoso.com"]);
        guest.user_type = Some("Guest".into());
        e.cloud_objects.push(guest);
        e.cloud_objects.push(CloudObject {
            kind: CloudKind::Contact,
            tenant: 1,
            mail: Some("d@contoso.com".into()),
            ..Default::default()
        });
        let u = DomainUsage::new(&e, &AddressTable::new(&e));
        let contoso = &u.by_domain["contoso.com"];
        assert_eq!(contoso[&0], [0]);
        assert_eq!(contoso[&1], [1]);
        assert_eq!(u.by_domain["fabrikam.com"][&1], [1]);
        assert_eq!(u.by_domain.len(), 2);
    }
}
