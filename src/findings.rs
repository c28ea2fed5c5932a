//! Stage 4 — findings: what the rules report, with severities, subjects pointing back to the
//! exports, and fingerprints that stay stable across runs.

use crate::source::SourceRef;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Severity of a finding, most severe first (the derived order sorts critical before info).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Breaks sign-in or sync for many objects, or gives away control.
    Critical,
    /// Breaks sign-in, sync or ownership for the subjects.
    High,
    /// Will cause sync errors or wrong matches; fix before migrating.
    Medium,
    /// Hygiene; fix when convenient.
    Low,
    /// For information.
    Info,
}

impl Severity {
    /// All severities, most severe first.
    pub const ALL: [Severity; 5] = [Self::Critical, Self::High, Self::Medium, Self::Low, Self::Info];
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Critical => "critical",
            Self::High => "high",
            Self::Medium => "medium",
            Self::Low => "low",
            Self::Info => "info",
        }
    }
    /// Parses a lower-case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// Category of a finding (closed list; part of the JSON contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Characters and lengths that block sync (IdFix and beyond).
    BadCharacters,
    /// Values that must be unique but are not.
    Duplicates,
    /// Sync anchors derived from mutable values or badly encoded.
    MutableAnchors,
    /// Orphaned, duplicated or inconsistent anchors.
    AnchorIntegrity,
    /// Several unlinked tenants of one organisation.
    DuplicateDirectories,
    /// Personal Microsoft accounts that make sign-in or ownership ambiguous.
    MsaAmbiguity,
    /// Federation settings.
    Federation,
    /// Domains.
    Domains,
    /// Azure subscriptions.
    Subscriptions,
    /// Sync topology, matching and health.
    Sync,
    /// Problems with the inputs themselves.
    Input,
}

impl Category {
    /// Who acts on a finding of this category, as the client's backlog (findings.csv) and the HTML plan
    /// name it: the AD team (attribute values, anchors, Entra Connect), the M365 admin (tenants, domains,
    /// accounts), the Azure owner (subscriptions), the AD FS admin (federation). Input problems are
    /// re-exports by whoever exported the data.
    pub fn owner_role(self) -> &'static str {
        match self {
            Self::BadCharacters | Self::Duplicates | Self::MutableAnchors | Self::AnchorIntegrity | Self::Sync => {
                "AD team"
            }
            Self::DuplicateDirectories | Self::Domains | Self::MsaAmbiguity => "M365 admin",
            Self::Federation => "AD FS admin",
            Self::Subscriptions => "Azure owner",
            Self::Input => "AD team / M365 admin (re-export)",
        }
    }

    /// All categories in report order.
    pub const ALL: [Category; 11] = [
        Self::Input,
        Self::DuplicateDirectories,
        Self::Subscriptions,
        Self::Domains,
        Self::Federation,
        Self::MsaAmbiguity,
        Self::Sync,
        Self::AnchorIntegrity,
        Self::MutableAnchors,
        Self::Duplicates,
        Self::BadCharacters,
    ];
    /// Kebab-case name as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadCharacters => "bad-characters",
            Self::Duplicates => "duplicates",
            Self::MutableAnchors => "mutable-anchors",
            Self::AnchorIntegrity => "anchor-integrity",
            Self::DuplicateDirectories => "duplicate-directories",
            Self::MsaAmbiguity => "msa-ambiguity",
            Self::Federation => "federation",
            Self::Domains => "domains",
            Self::Subscriptions => "subscriptions",
            Self::Sync => "sync",
            Self::Input => "input",
        }
    }
    /// Parses a kebab-case name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }
}

/// A finding's evidence: a JSON object of facts (attribute, value, proposed value, members...), kept as
/// its compact JSON text.
///
/// A million-object estate can have tens of thousands of findings with ten or more facts each; as a
/// `BTreeMap<String, serde_json::Value>` that was ~2.6 KB a finding in some thirty allocations (tree
/// nodes, key strings, value strings), as text it is the ~0.9 KB the report prints. Rules build a map
/// and convert it ([`From`]); readers take the whole object with [`Evidence::map`] (parsed each call:
/// take it once per finding) or one fact with [`Evidence::get`]. Keys are in ascending order, as
/// `serde_json`'s map keeps them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence(Box<str>);

impl Evidence {
    /// The facts as a JSON object.
    pub fn map(&self) -> serde_json::Map<String, serde_json::Value> {
        if self.0.is_empty() {
            return serde_json::Map::new();
        }
        // The text was written by `From` from a map, so it always parses back.
        serde_json::from_str(&self.0).unwrap_or_default()
    }

    /// One fact (`None` when absent). Only that fact is parsed into a value.
    pub fn get(&self, key: &str) -> Option<serde_json::Value> {
        match self.raw(key) {
            Ok(raw) => raw.and_then(|r| serde_json::from_str(r.get()).ok()),
            Err(()) => self.map().remove(key),
        }
    }

    /// One fact that is a string (`None` when absent or not a string).
    pub fn get_str(&self, key: &str) -> Option<String> {
        match self.get(key)? {
            serde_json::Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether a fact named `key` is present.
    pub fn contains_key(&self, key: &str) -> bool {
        match self.raw(key) {
            Ok(raw) => raw.is_some(),
            Err(()) => self.map().contains_key(key),
        }
    }

    /// The JSON text of fact `key`, found without building the other facts' values. The keys are the
    /// rules' own plain names, so they borrow from the text; `Err` when one cannot (a key written with
    /// an escape), for the caller to parse the whole object instead.
    fn raw(&self, key: &str) -> Result<Option<&serde_json::value::RawValue>, ()> {
        if self.0.is_empty() || !Self::may_hold(&self.0, key) {
            return Ok(None);
        }
        let facts = serde_json::from_str::<RawFacts<'_>>(&self.0).map_err(|_| ())?.0;
        Ok(facts.into_iter().find(|(k, _)| *k == key).map(|(_, v)| v))
    }

    /// Whether compact JSON `text` may have a fact named `key` (a plain name, written without
    /// escapes): `false` when `"key":` occurs nowhere, so the text need not be parsed. Inside a
    /// string value a quote is escaped (`\"key\":`), so a value cannot hide the key's absence.
    fn may_hold(text: &str, key: &str) -> bool {
        if key.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
            return true; // written with an escape: not searched for
        }
        let t = text.as_bytes();
        memchr::memmem::find_iter(t, key.as_bytes())
            .any(|at| at > 0 && t[at - 1] == b'"' && t[at + key.len()..].starts_with(b"\":"))
    }

    /// Whether there are no facts.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty() || &*self.0 == "{}"
    }

    /// Sets one fact (replacing a fact of the same name).
    pub fn insert(&mut self, key: &str, value: serde_json::Value) {
        self.update(|m| {
            m.insert(key.to_string(), value);
        });
    }

    /// Changes the facts through their map.
    pub fn update(&mut self, change: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) {
        let mut m = self.map();
        change(&mut m);
        *self = Evidence::from(m);
    }

    /// The compact JSON text of the object (`{}` when empty).
    pub fn as_json(&self) -> &str {
        if self.0.is_empty() { "{}" } else { &self.0 }
    }
}

impl From<serde_json::Map<String, serde_json::Value>> for Evidence {
    fn from(m: serde_json::Map<String, serde_json::Value>) -> Self {
        Evidence::from_object(&m, m.is_empty())
    }
}

impl From<BTreeMap<String, serde_json::Value>> for Evidence {
    fn from(m: BTreeMap<String, serde_json::Value>) -> Self {
        Evidence::from_object(&m, m.is_empty())
    }
}

impl FromIterator<(String, serde_json::Value)> for Evidence {
    fn from_iter<I: IntoIterator<Item = (String, serde_json::Value)>>(iter: I) -> Self {
        Evidence::from(iter.into_iter().collect::<serde_json::Map<_, _>>())
    }
}

impl Evidence {
    fn from_object(m: &impl Serialize, empty: bool) -> Evidence {
        if empty {
            return Evidence::default();
        }
        // Serializing a map of JSON values to a string cannot fail.
        Evidence(serde_json::to_string(m).unwrap_or_default().into_boxed_str())
    }
}

/// An evidence object's facts as (key, raw JSON text) pairs in their order.
struct RawFacts<'a>(Vec<(&'a str, &'a serde_json::value::RawValue)>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for RawFacts<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Facts<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Facts<'a> {
            type Value = RawFacts<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, mut m: M) -> Result<RawFacts<'a>, M::Error> {
                let mut out = Vec::new();
                while let Some(kv) = m.next_entry::<&'de str, &'de serde_json::value::RawValue>()? {
                    out.push(kv);
                }
                Ok(RawFacts(out))
            }
        }
        d.deserialize_map(Facts(std::marker::PhantomData))
    }
}

impl Serialize for Evidence {
    /// Streams the facts from their text into `serializer` (no map of values is built): the same
    /// output as serialising [`Evidence::map`], pretty or compact as `serializer` writes.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = serde_json::Deserializer::from_str(self.as_json());
        serde_transcode::transcode(&mut text, serializer)
    }
}

/// What a finding is about: an object, tenant, domain, subscription, file...
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Subject {
    /// `ad-object`, `cloud-object`, `tenant`, `domain`, `federation`, `subscription`, `external-account`, `file`...
    pub kind: String,
    /// Stable identity: objectGUID, directory object id, tenant id, domain name, subscription id, file path.
    pub id: String,
    /// Human label (display name, UPN...).
    pub display: String,
    /// Where it was read.
    pub source: Option<SourceRef>,
}

/// One finding.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Rule code (`IN001`...).
    pub rule: String,
    /// Category.
    pub category: Category,
    /// Severity (after policy overrides).
    pub severity: Severity,
    /// One-line title of this finding.
    pub title: String,
    /// Subjects, the primary one first.
    pub subjects: Vec<Subject>,
    /// Facts that justify the finding (expected vs actual values, counts...).
    pub evidence: Evidence,
    /// What to do.
    pub remediation: String,
    /// Extra discriminator for the fingerprint when one subject can fail a rule several ways
    /// (the attribute and value); never a line number.
    pub discriminator: String,
    /// When this finding is a consequence of another one (it would disappear if that one were
    /// fixed): the cause's fingerprint. Set by [`crate::rules::causes::fold`]; `None` = top level.
    pub caused_by: Option<String>,
    /// The findings folded under this one (set on causes only).
    pub consequences: Vec<Consequence>,
}

/// A finding folded under its cause, as the cause lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Consequence {
    /// Rule code.
    pub rule: String,
    /// Title.
    pub title: String,
    /// Fingerprint (the consequence is still in the findings, with `caused_by` set).
    pub fingerprint: String,
    /// Its own severity.
    pub severity: Severity,
}

impl Finding {
    /// Stable fingerprint: hash of rule, subject identities (sorted) and discriminator; never paths
    /// of exports' lines or input order. 32 hex characters.
    pub fn fingerprint(&self) -> String {
        // Called several times per finding (sort, gate, folding, preview, every report): ids are
        // lower-cased only when they have an upper-case letter, and the hex is written directly.
        let mut ids: Vec<(&str, std::borrow::Cow<'_, str>)> =
            self.subjects.iter().map(|s| (s.kind.as_str(), crate::graph::key_index::lower(&s.id))).collect();
        ids.sort();
        let mut h = Sha256::new();
        h.update(self.rule.as_bytes());
        for (k, id) in ids {
            h.update([0u8]);
            h.update(k.as_bytes());
            h.update([1u8]);
            h.update(id.as_bytes());
        }
        h.update([2u8]);
        h.update(self.discriminator.as_bytes());
        // The first 16 bytes in lower-case hex.
        const HEX: &[u8; 16] = b"0123456789abcdef";
        h.finalize()[..16]
            .iter()
            .flat_map(|b| [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]])
            .map(char::from)
            .collect()
    }
}

/// Counts of findings per severity and category.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Tally {
    /// Per severity (all five keys present).
    pub by_severity: BTreeMap<&'static str, usize>,
    /// Per category (all keys present).
    pub by_category: BTreeMap<&'static str, usize>,
    /// Total (top-level findings: causes and findings that fold nothing).
    pub total: usize,
    /// Consequences folded under a cause (not in the counts above).
    pub folded: usize,
}

impl Tally {
    /// Counts the top-level findings of `findings` per severity and category; consequences folded under
    /// a cause (`caused_by` set) are counted apart, in `folded`.
    pub fn of(findings: &[Finding]) -> Self {
        let mut t = Tally::default();
        for s in Severity::ALL {
            t.by_severity.insert(s.as_str(), 0);
        }
        for c in Category::ALL {
            t.by_category.insert(c.as_str(), 0);
        }
        for f in findings {
            if f.caused_by.is_some() {
                t.folded += 1;
                continue;
            }
            *t.by_severity.entry(f.severity.as_str()).or_default() += 1;
            *t.by_category.entry(f.category.as_str()).or_default() += 1;
            t.total += 1;
        }
        t
    }
}

/// Sorts findings into report order: severity, category, rule, then fingerprint (input order matters
/// only between findings with one fingerprint). `fps` holds each finding's fingerprint
/// ([`fingerprints`]) and is permuted with them: hashed once, read by every later step.
pub fn sort_with(findings: &mut Vec<Finding>, fps: &mut Vec<String>) {
    use rayon::prelude::*;
    debug_assert_eq!(findings.len(), fps.len());
    let mut order: Vec<usize> = (0..findings.len()).collect();
    // Stable: ties keep their order.
    order.par_sort_by(|&a, &b| {
        let (x, y) = (&findings[a], &findings[b]);
        (x.severity, x.category, x.rule.as_str(), fps[a].as_str()).cmp(&(
            y.severity,
            y.category,
            y.rule.as_str(),
            fps[b].as_str(),
        ))
    });
    let mut slots: Vec<Option<(Finding, String)>> =
        std::mem::take(findings).into_iter().zip(std::mem::take(fps)).map(Some).collect();
    // Room for all at once: grown push by push, the vectors were copied into ever larger blocks
    // (tens of megabytes of fresh pages at a million objects).
    findings.reserve_exact(slots.len());
    fps.reserve_exact(slots.len());
    for i in order {
        if let Some((f, fp)) = slots[i].take() {
            findings.push(f);
            fps.push(fp);
        }
    }
}

/// Keeps the findings `keep` accepts, and their fingerprints (`fps`, parallel to `findings`).
pub fn retain_with(findings: &mut Vec<Finding>, fps: &mut Vec<String>, keep: impl Fn(&Finding) -> bool) {
    debug_assert_eq!(findings.len(), fps.len());
    let kept: Vec<bool> = findings.iter().map(&keep).collect();
    let mut k = kept.iter();
    findings.retain(|_| k.next().copied().unwrap_or(true));
    let mut k = kept.iter();
    fps.retain(|_| k.next().copied().unwrap_or(true));
}

/// Every finding's [`Finding::fingerprint`], in order, computed in parallel (tens of thousands of
/// SHA-256 digests at a million objects: compute them once per stage, not once per use).
pub fn fingerprints(findings: &[Finding]) -> Vec<String> {
    use rayon::prelude::*;
    findings.par_iter().map(Finding::fingerprint).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evidence_keeps_every_fact_and_prints_as_the_map_did() {
        use serde_json::json;
        let facts: BTreeMap<String, serde_json::Value> = [
            ("value", json!("Zolt\u{e1}n \"Z\" Aziz")),
            ("members", json!([{"subject": "x", "role": "keeps"}, {"subject": "y", "role": null}])),
            ("count", json!(18_446_744_073_709_551_615u64)),
            ("ratio", json!(0.1)),
            ("negative", json!(-3)),
            ("typo", json!(true)),
            ("absent", serde_json::Value::Null),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let ev = Evidence::from(facts.clone());
        // The same JSON as the map, compact and pretty.
        assert_eq!(serde_json::to_string(&ev).unwrap(), serde_json::to_string(&facts).unwrap());
        assert_eq!(serde_json::to_string_pretty(&ev).unwrap(), serde_json::to_string_pretty(&facts).unwrap());
        assert_eq!(ev.map().into_iter().collect::<BTreeMap<_, _>>(), facts);
        // One fact at a time, a present null included.
        assert_eq!(ev.get("count"), Some(json!(18_446_744_073_709_551_615u64)));
        assert_eq!(ev.get("ratio").and_then(|v| v.as_f64()), Some(0.1));
        assert_eq!(ev.get_str("value").as_deref(), Some("Zolt\u{e1}n \"Z\" Aziz"));
        assert_eq!(ev.get_str("count"), None, "not a string");
        assert!(ev.contains_key("absent") && ev.get("absent") == Some(serde_json::Value::Null));
        assert!(!ev.contains_key("missing") && ev.get("missing").is_none());
        // Changes.
        let mut ev = ev;
        ev.insert("count", json!(2));
        ev.insert("added", json!(["a"]));
        assert_eq!(ev.get("count"), Some(json!(2)));
        assert_eq!(ev.map().keys().next().map(String::as_str), Some("absent"), "keys stay in order");
        assert_eq!(ev.map().len(), facts.len() + 1);
        // Empty.
        let empty = Evidence::from(BTreeMap::new());
        assert!(empty.is_empty() && Evidence::default().is_empty() && !ev.is_empty());
        assert_eq!(serde_json::to_string(&empty).unwrap(), "{}");
        // A key that needs an escape in JSON is still found.
        let odd = Evidence::from(BTreeMap::from([("say \"hi\"".to_string(), json!(1)), ("b".to_string(), json!(2))]));
        assert_eq!(odd.get("say \"hi\""), Some(json!(1)));
        assert_eq!(odd.get("b"), Some(json!(2)));
        assert!(odd.contains_key("b") && !odd.contains_key("c"));
        assert_eq!(empty.as_json(), "{}");
        assert!(empty.get("x").is_none());
        // A key is a top-level fact only: not a key of a nested object, not text inside a value.
        let nested = Evidence::from(BTreeMap::from([
            ("outer".to_string(), json!({"days_left": 1})),
            ("note".to_string(), json!("see \"days_left\": 3")),
            ("days".to_string(), json!(4)),
        ]));
        assert!(nested.get("days_left").is_none() && !nested.contains_key("days_left"));
        assert_eq!(nested.get("days"), Some(json!(4)));
        assert_eq!(nested.get("outer"), Some(json!({"days_left": 1})));
    }

    fn f(subjects: &[(&str, &str)], disc: &str) -> Finding {
        Finding {
            rule: "IN001".into(),
            category: Category::Input,
            severity: Severity::Medium,
            title: "t".into(),
            subjects: subjects
                .iter()
                .map(|(k, id)| Subject { kind: k.to_string(), id: id.to_string(), display: "x".into(), source: None })
                .collect(),
            evidence: Evidence::default(),
            remediation: String::new(),
            discriminator: disc.into(),
            caused_by: None,
            consequences: Vec::new(),
        }
    }

    #[test]
    fn fingerprint_ignores_subject_order_and_case_but_not_identity() {
        let a = f(&[("cloud-object", "AAA"), ("ad-object", "bbb")], "upn");
        let b = f(&[("ad-object", "BBB"), ("cloud-object", "aaa")], "upn");
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 32);
        // The first 16 bytes of SHA-256 over rule, 0, kind, 1, lower-cased id (sorted), 2, discriminator
        // (computed apart, with Python's hashlib): fingerprints must not change between versions.
        assert_eq!(a.fingerprint(), "390e5187d05cb2abcef2dfcd42032fab");
        assert_ne!(a.fingerprint(), f(&[("cloud-object", "AAA")], "upn").fingerprint());
        assert_ne!(a.fingerprint(), f(&[("cloud-object", "AAA"), ("ad-object", "bbb")], "mail").fingerprint());
    }

    #[test]
    fn severity_order_and_names() {
        assert!(Severity::Critical < Severity::Info);
        assert_eq!(Severity::parse("high"), Some(Severity::High));
        assert_eq!(Category::parse("msa-ambiguity"), Some(Category::MsaAmbiguity));
        assert_eq!(Category::ALL.len(), 11);
    }

    #[test]
    fn sort_with_puts_findings_in_report_order_and_keeps_each_fingerprint_beside_its_finding() {
        // Several severities and rules, and two findings with one fingerprint (ties keep their order).
        let mut found = Vec::new();
        for (n, (rule, sev)) in [
            ("CH002", Severity::High),
            ("DU002", Severity::Low),
            ("CH002", Severity::Critical),
            ("AN001", Severity::High),
        ]
        .iter()
        .cycle()
        .take(24)
        .enumerate()
        {
            let mut x = f(&[("ad-object", &format!("obj-{}", n % 3))], "");
            x.rule = rule.to_string();
            x.severity = *sev;
            x.title = format!("finding {n}");
            found.push(x);
        }
        let mut fps = fingerprints(&found);
        sort_with(&mut found, &mut fps);
        assert_eq!(fps, fingerprints(&found));
        // Severity, category, rule, fingerprint ascending; findings with one fingerprint in input order.
        let input_position = |x: &Finding| x.title["finding ".len()..].parse::<usize>().unwrap_or(usize::MAX);
        for (k, w) in found.windows(2).enumerate() {
            let key = |i: usize| (found[i].severity, found[i].category, found[i].rule.as_str(), fps[i].as_str());
            assert!(key(k) <= key(k + 1), "{} before {}", w[0].title, w[1].title);
            if key(k) == key(k + 1) {
                assert!(input_position(&w[0]) < input_position(&w[1]), "{} before {}", w[0].title, w[1].title);
            }
        }
        // Dropping findings drops their fingerprints.
        retain_with(&mut found, &mut fps, |x| x.rule != "CH002");
        assert_eq!(found.len(), 12);
        assert_eq!(fps, fingerprints(&found));
    }
}
