//! The IdFix engine: per-attribute chains of sub-rules with fix propagation, the duplicate store,
//! and the rows IdFix would show.
//!
//! Three phases, so that the work is parallel where it can be and linear overall:
//! 1. per object, in parallel (rayon): scope, skip rules and every chain; a failing sub-rule
//!    replaces the working value with its proposal and the next sub-rule sees the fixed value. The
//!    duplicate sub-rule only records a *probe* (the folded working value) and its would-be action;
//! 2. sequentially, in the deterministic object order: each probe is looked up in one hash map per
//!    attribute (first seen wins), which decides whether the duplicate sub-rule fired, and the rows
//!    are emitted in IdFix's order, with IdFix 2.5+'s extra row for the first holder;
//! 3. rows are sorted by DN (case-insensitive, stable), as IdFix's grid is.
//!
//! Complexity: O(total length of the values read) for phases 1–2 (every sub-rule is a linear scan
//! with table lookups; a hash lookup per probe), O(r log r) for sorting r rows; memory is one folded
//! string per duplicate-checked value plus the rows.

use super::charset::{CharSet, contains_ascii_ci, fold, fold_str, starts_with_ci};
use super::config::{BlankSpec, Config, char_set};
use super::scope::{cn_of, in_scope, skipped};
use super::{Action, IdfixMode, flags};
use crate::model::AdObject;
use rayon::prelude::*;
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// An attribute IdFix checks, in IdFix's spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Attr {
    /// displayName
    DisplayName,
    /// givenName
    GivenName,
    /// mail
    Mail,
    /// mailNickname (IdFix writes `mailnickname`)
    MailNickname,
    /// proxyAddresses
    ProxyAddresses,
    /// sAMAccountName
    SamAccountName,
    /// targetAddress
    TargetAddress,
    /// userPrincipalName
    UserPrincipalName,
}

impl Attr {
    /// The ATTRIBUTE column of IdFix.
    pub fn name(self) -> &'static str {
        match self {
            Self::DisplayName => "displayName",
            Self::GivenName => "givenName",
            Self::Mail => "mail",
            Self::MailNickname => "mailnickname",
            Self::ProxyAddresses => "proxyAddresses",
            Self::SamAccountName => "sAMAccountName",
            Self::TargetAddress => "targetAddress",
            Self::UserPrincipalName => "userPrincipalName",
        }
    }

    /// Value `idx` of the attribute (only proxyAddresses has more than one).
    pub fn value(self, o: &AdObject, idx: usize) -> Option<&str> {
        fn single(v: &Option<crate::model::Text>, idx: usize) -> Option<&str> {
            if idx == 0 { v.as_deref() } else { None }
        }
        match self {
            Self::DisplayName => single(&o.display_name, idx),
            Self::GivenName => single(&o.given_name, idx),
            Self::Mail => single(&o.mail, idx),
            Self::MailNickname => single(&o.mail_nickname, idx),
            Self::ProxyAddresses => o.proxy_addresses.get(idx).map(crate::model::Text::as_str),
            Self::SamAccountName => single(&o.sam_account_name, idx),
            Self::TargetAddress => single(&o.target_address, idx),
            Self::UserPrincipalName => single(&o.upn, idx),
        }
    }
}

/// How a blank rule proposes a value.
#[derive(Clone, Debug)]
pub enum BlankFix {
    /// The object's cn.
    Cn,
    /// The cn cut to this many UTF-16 code units.
    CnMax(usize),
    /// givenName.sn (or either), else sAMAccountName, else cn (Dedicated mailNickname).
    NicknameFromNames,
    /// Contacts: `SMTP:` + mail cut to this length; others: no proposal (Dedicated targetAddress).
    SmtpMail(usize),
}

/// One sub-rule.
#[derive(Clone, Debug)]
pub enum Step {
    /// Length: more UTF-16 code units than this.
    MaxLen(usize),
    /// Length: 20 for class `user`, 256 otherwise (the two values from the catalog).
    SamMaxLen {
        /// Objects whose class is exactly `user`.
        user: usize,
        /// Every other object.
        other: usize,
    },
    /// Character: any character of the set (deleted; cn when nothing is left).
    Chars(CharSet),
    /// Character: leading periods (removed; cn when nothing is left).
    LeadingPeriods,
    /// Character: leading or trailing whitespace (trimmed; cn when nothing is left).
    TrimWhitespace,
    /// Character: a `:` after the prefix's `:` (removed).
    ColonSuffix,
    /// Duplicate.
    Duplicate,
    /// Duplicate, only on objects without userPrincipalName.
    SamDuplicate,
    /// The RFC 2822 sub-rule (TopLevelDomain, DomainPart, LocalPart, Format).
    Rfc2822,
    /// Blank, for a present but empty working value.
    Blank(BlankSpec, BlankFix),
    /// Dedicated's mailNickname period rule: never reports (IdFix forgot its `return`).
    DeadPeriods,
}

/// Extra sub-rules chosen from the raw value's type (proxyAddresses, targetAddress).
#[derive(Clone, Debug)]
pub struct Typed {
    /// Values containing `smtp:` anywhere (case-insensitive).
    pub smtp: Vec<Step>,
    /// Values starting with `x400` or `x.400`.
    pub x400: Vec<Step>,
    /// Values starting with `x500` or `x.500`.
    pub x500: Vec<Step>,
    /// Anything else.
    pub other: Vec<Step>,
}

/// One composed rule: an attribute and its chain.
#[derive(Clone, Debug)]
pub struct Chain {
    /// The attribute.
    pub attr: Attr,
    /// Sub-rules in order.
    pub steps: Vec<Step>,
    /// Sub-rules appended by value type.
    pub typed: Option<Typed>,
    /// Blank rule evaluated when the attribute is absent.
    pub absent: Option<(BlankSpec, BlankFix)>,
}

impl Chain {
    fn new(attr: Attr, steps: Vec<Step>) -> Self {
        Chain { attr, steps, typed: None, absent: None }
    }
}

/// The chains of a rule set, in IdFix's order.
pub fn chains(mode: IdfixMode, cfg: &Config) -> Vec<Chain> {
    use Attr::*;
    use Step::*;
    match mode {
        IdfixMode::MultiTenant => {
            let c = &cfg.multi_tenant;
            let blank = BlankSpec::new(&c.blanks.display_name);
            vec![
                Chain {
                    absent: Some((blank.clone(), BlankFix::Cn)),
                    ..Chain::new(DisplayName, vec![MaxLen(c.lengths.display_name), Blank(blank, BlankFix::Cn)])
                },
                Chain::new(GivenName, vec![MaxLen(c.lengths.given_name)]),
                Chain::new(Mail, vec![MaxLen(c.lengths.mail), Duplicate]),
                Chain::new(MailNickname, vec![MaxLen(c.lengths.mailnickname), LeadingPeriods, Duplicate]),
                Chain {
                    typed: Some(Typed {
                        smtp: vec![Chars(char_set(&c.sets.proxy_smtp)), Rfc2822],
                        x400: vec![Chars(char_set(&c.sets.proxy_x400))],
                        x500: vec![Chars(char_set(&c.sets.proxy_x500))],
                        other: vec![Chars(char_set(&c.sets.proxy_other))],
                    }),
                    ..Chain::new(ProxyAddresses, vec![MaxLen(c.lengths.proxy_addresses), ColonSuffix, Duplicate])
                },
                Chain::new(
                    SamAccountName,
                    vec![
                        SamMaxLen { user: c.lengths.sam_account_name, other: c.lengths.sam_account_name_other },
                        Chars(char_set(&c.sets.sam_account_name)),
                        SamDuplicate,
                    ],
                ),
                Chain {
                    typed: Some(Typed {
                        smtp: vec![Chars(char_set(&c.sets.target_smtp)), Rfc2822],
                        x400: vec![Chars(char_set(&c.sets.target_other))],
                        x500: vec![Chars(char_set(&c.sets.target_other))],
                        other: vec![Chars(char_set(&c.sets.target_other))],
                    }),
                    ..Chain::new(TargetAddress, vec![MaxLen(c.lengths.target_address), ColonSuffix, Duplicate])
                },
                Chain::new(
                    UserPrincipalName,
                    vec![
                        MaxLen(c.lengths.user_principal_name),
                        Chars(char_set(&c.sets.user_principal_name)),
                        Rfc2822,
                        Duplicate,
                    ],
                ),
            ]
        }
        IdfixMode::Dedicated => {
            let c = &cfg.dedicated;
            let display = (BlankSpec::new(&c.blanks.display_name), BlankFix::CnMax(c.blanks.display_name_fix_max));
            let nick = (BlankSpec::new(&c.blanks.mailnickname), BlankFix::NicknameFromNames);
            let target =
                (BlankSpec::new(&c.blanks.target_address), BlankFix::SmtpMail(c.blanks.target_address_fix_max));
            let smtp_only =
                |smtp: Vec<Step>| Some(Typed { smtp, x400: Vec::new(), x500: Vec::new(), other: Vec::new() });
            vec![
                Chain {
                    absent: Some(display.clone()),
                    ..Chain::new(
                        DisplayName,
                        vec![MaxLen(c.lengths.display_name), TrimWhitespace, Blank(display.0, display.1)],
                    )
                },
                Chain::new(Mail, vec![MaxLen(c.lengths.mail), Chars(char_set(&c.sets.mail)), Rfc2822, Duplicate]),
                Chain {
                    absent: Some(nick.clone()),
                    ..Chain::new(
                        MailNickname,
                        vec![
                            MaxLen(c.lengths.mailnickname),
                            Chars(char_set(&c.sets.mailnickname)),
                            Duplicate,
                            Blank(nick.0, nick.1),
                            DeadPeriods,
                        ],
                    )
                },
                Chain {
                    typed: smtp_only(vec![Rfc2822]),
                    ..Chain::new(ProxyAddresses, vec![MaxLen(c.lengths.proxy_addresses), ColonSuffix, Duplicate])
                },
                Chain {
                    typed: smtp_only(vec![Rfc2822]),
                    absent: Some(target.clone()),
                    ..Chain::new(TargetAddress, vec![MaxLen(c.lengths.target_address), Blank(target.0, target.1)])
                },
            ]
        }
    }
}

/// A failing sub-rule.
#[derive(Clone, Debug)]
pub struct Fail {
    /// Flags (one sub-rule can set several).
    pub flags: u8,
    /// Proposed value (`None`: no proposal).
    pub update: Option<String>,
    /// Proposed action.
    pub action: Action,
}

impl Fail {
    fn edit(flags: u8, update: String) -> Self {
        Fail { flags, update: Some(update), action: Action::Edit }
    }
}

/// The chain result for one attribute value of one object, before duplicates are decided.
#[derive(Debug)]
struct Eval {
    chain: u8,
    attr: Attr,
    /// Value index (proxyAddresses); `None` when the attribute is absent.
    idx: Option<u32>,
    fails: Vec<Fail>,
    /// Index in `fails` of the duplicate sub-rule's would-be failure.
    pending: Option<u8>,
    /// Folded working value at the duplicate sub-rule.
    probe: Option<Box<str>>,
    /// Set in phase 2: the object (estate index) that holds the value first.
    dup_of: Option<u32>,
}

impl Eval {
    fn active(&self) -> impl Iterator<Item = &Fail> {
        self.fails
            .iter()
            .enumerate()
            .filter(move |(i, _)| self.pending != Some(*i as u8) || self.dup_of.is_some())
            .map(|(_, f)| f)
    }
}

/// Number of UTF-16 code units (.NET `String.Length`).
fn utf16_len(s: &str) -> usize {
    if s.is_ascii() { s.len() } else { s.chars().map(char::len_utf16).sum() }
}

/// The first `n` UTF-16 code units (.NET `Substring(0, n)`); a surrogate pair cut in half is dropped
/// (a Rust string cannot hold half of it).
fn truncate_utf16(s: &str, n: usize) -> String {
    let mut units = 0;
    let mut end = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > n {
            break;
        }
        end = i + c.len_utf8();
    }
    s[..end].to_string()
}

struct ObjCtx<'a> {
    o: &'a AdObject,
    cn: &'a str,
    class: String,
}

impl ObjCtx<'_> {
    fn or_cn(&self, s: String) -> String {
        if s.is_empty() { self.cn.to_string() } else { s }
    }

    fn blank_applies(&self, spec: &BlankSpec) -> bool {
        spec.classes.contains(&self.class)
            && !(spec.unless_home_mdb && self.o.home_mdb.as_deref().is_some_and(|m| !m.trim().is_empty()))
    }

    fn blank_fix(&self, fix: &BlankFix, working: Option<&str>) -> Option<String> {
        let o = self.o;
        Some(match fix {
            BlankFix::Cn => self.cn.to_string(),
            BlankFix::CnMax(n) => truncate_utf16(self.cn, *n),
            BlankFix::NicknameFromNames => {
                let mut v = match &o.given_name {
                    Some(g) => g.to_string(),
                    None => working.unwrap_or("").to_string(),
                };
                if let Some(sn) = &o.sn {
                    if !v.is_empty() {
                        v.push('.');
                    }
                    v.push_str(sn);
                }
                if v.is_empty() {
                    v = o.sam_account_name.as_deref().map(String::from).unwrap_or_else(|| self.cn.to_string());
                }
                v
            }
            BlankFix::SmtpMail(n) => {
                if self.class != "contact" {
                    return working.map(str::to_string);
                }
                truncate_utf16(&format!("SMTP:{}", o.mail.as_deref().unwrap_or("")), *n)
            }
        })
    }

    /// The action of a duplicate (IdFix's `NoDuplicatesRule`).
    fn dup_action(&self, attr: Attr, working: &str) -> Action {
        let o = self.o;
        // IdFix compares with the attribute's FIRST value, even for the second proxy address.
        if attr.value(o, 0) != Some(working) {
            return Action::Edit;
        }
        let nick = o.mail_nickname.is_some();
        match attr {
            Attr::ProxyAddresses if contains_ascii_ci(working, "smtp:") => {
                if !nick {
                    Action::Remove
                } else if starts_with_ci(working, "smtp:") {
                    Action::Complete
                } else {
                    Action::Edit
                }
            }
            Attr::UserPrincipalName | Attr::Mail | Attr::SamAccountName if nick => Action::Complete,
            Attr::MailNickname if o.home_mdb.is_some() => Action::Complete,
            _ => Action::Edit,
        }
    }

    /// Runs `steps` on `v`, recording failures into `e`; returns the working value.
    fn run(&self, cfg: &Config, steps: &[Step], mut v: String, e: &mut Eval) -> String {
        for step in steps {
            let fail = match step {
                Step::MaxLen(n) => (utf16_len(&v) > *n).then(|| Fail::edit(flags::LENGTH, truncate_utf16(&v, *n))),
                Step::SamMaxLen { user, other } => {
                    let n = if self.class == "user" { *user } else { *other };
                    (utf16_len(&v) > n).then(|| Fail::edit(flags::LENGTH, truncate_utf16(&v, n)))
                }
                Step::Chars(set) => {
                    set.any_in(&v).then(|| Fail::edit(flags::CHARACTER, self.or_cn(set.delete_from(&v))))
                }
                Step::LeadingPeriods => v
                    .starts_with('.')
                    .then(|| Fail::edit(flags::CHARACTER, self.or_cn(v.trim_start_matches('.').to_string()))),
                Step::TrimWhitespace => (v.starts_with(char::is_whitespace) || v.ends_with(char::is_whitespace))
                    .then(|| Fail::edit(flags::CHARACTER, self.or_cn(v.trim().to_string()))),
                Step::ColonSuffix => match v.find(':') {
                    Some(i) if i > 0 && v[i + 1..].contains(':') => {
                        Some(Fail::edit(flags::CHARACTER, format!("{}:{}", &v[..i], v[i + 1..].replace(':', ""))))
                    }
                    _ => None,
                },
                Step::Duplicate | Step::SamDuplicate => {
                    if matches!(step, Step::SamDuplicate) && self.o.upn.is_some() {
                        continue;
                    }
                    e.probe = Some(fold_str(&v).into_boxed_str());
                    e.pending = Some(e.fails.len() as u8);
                    // The would-be failure; phase 2 keeps it only if the value was seen before.
                    e.fails.push(Fail {
                        flags: flags::DUPLICATE,
                        update: Some(v.clone()),
                        action: self.dup_action(e.attr, &v),
                    });
                    continue;
                }
                Step::Rfc2822 => cfg.rfc.check(&v).map(|f| Fail::edit(f.flags, f.update)),
                Step::Blank(spec, fix) => (v.is_empty() && self.blank_applies(spec)).then(|| Fail {
                    flags: flags::BLANK,
                    update: self.blank_fix(fix, Some(&v)),
                    action: Action::Edit,
                }),
                Step::DeadPeriods => None,
            };
            if let Some(f) = fail {
                if let Some(u) = &f.update {
                    v = u.clone();
                } else {
                    v.clear();
                }
                e.fails.push(f);
            }
        }
        v
    }
}

fn typed_steps<'a>(t: &'a Typed, raw: &str) -> &'a [Step] {
    if contains_ascii_ci(raw, "smtp:") {
        &t.smtp
    } else if starts_with_ci(raw, "x400") || starts_with_ci(raw, "x.400") {
        &t.x400
    } else if starts_with_ci(raw, "x500") || starts_with_ci(raw, "x.500") {
        &t.x500
    } else {
        &t.other
    }
}

/// Phase 1 for one object: `None` when out of scope or skipped.
fn evaluate_object(o: &AdObject, mode: IdfixMode, cfg: &Config, chains: &[Chain]) -> Option<Vec<Eval>> {
    if !in_scope(o, mode, &cfg.scope) || skipped(o, mode, &cfg.scope) {
        return None;
    }
    let cn = cn_of(o).unwrap_or_default();
    let ctx = ObjCtx { o, cn: &cn, class: fold_str(o.class.as_str()) };
    let mut out = Vec::new();
    for (ci, chain) in chains.iter().enumerate() {
        let count = if chain.attr == Attr::ProxyAddresses { o.proxy_addresses.len() } else { 1 };
        let mut any = false;
        for idx in 0..count {
            let Some(raw) = chain.attr.value(o, idx) else { continue };
            any = true;
            let mut e = Eval {
                chain: ci as u8,
                attr: chain.attr,
                idx: Some(idx as u32),
                fails: Vec::new(),
                pending: None,
                probe: None,
                dup_of: None,
            };
            let v = ctx.run(cfg, &chain.steps, raw.to_string(), &mut e);
            if let Some(t) = &chain.typed {
                ctx.run(cfg, typed_steps(t, raw), v, &mut e);
            }
            if !e.fails.is_empty() {
                out.push(e);
            }
        }
        if !any
            && let Some((spec, fix)) = &chain.absent
            && ctx.blank_applies(spec)
        {
            let fail = Fail { flags: flags::BLANK, update: ctx.blank_fix(fix, None), action: Action::Edit };
            out.push(Eval {
                chain: ci as u8,
                attr: chain.attr,
                idx: None,
                fails: vec![fail],
                pending: None,
                probe: None,
                dup_of: None,
            });
        }
    }
    Some(out)
}

/// One row of IdFix's grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The object the row is about (index into the objects evaluated).
    pub object: usize,
    /// The object whose class fills OBJECTCLASS (differs from `object` on IdFix's extra duplicate row).
    pub class_of: usize,
    /// Duplicate rows: the other holder of the value.
    pub other: Option<usize>,
    /// True for IdFix 2.5+'s extra row for the first holder of a duplicate value.
    pub first_holder: bool,
    /// ATTRIBUTE.
    pub attribute: &'static str,
    /// Union of the flags of the failing sub-rules.
    pub flags: u8,
    /// ERROR: the failing sub-rules' flags, comma-joined in chain order.
    pub error: String,
    /// VALUE (empty when the attribute is absent).
    pub value: String,
    /// UPDATE: proposal of the last failing sub-rule (empty when none).
    pub update: String,
    /// Proposed action of the last failing sub-rule.
    pub action: Action,
}

/// Runs a rule set over `objects` and returns IdFix's rows, sorted as IdFix sorts its grid.
///
/// "First seen" for duplicates: objects are taken in order of DN (case-insensitive, then exact),
/// then objectGUID, then source file and line — a stable order that does not depend on the order
/// of the inputs (IdFix used the order in which LDAP returned the objects).
pub fn evaluate(objects: &[AdObject], mode: IdfixMode, cfg: &Config) -> Vec<Row> {
    let chains = chains(mode, cfg);
    let mut order: Vec<(String, usize)> =
        objects.par_iter().enumerate().map(|(i, o)| (fold_str(o.dn.as_deref().unwrap_or("")), i)).collect();
    order.par_sort_by(|a, b| {
        let (x, y) = (&objects[a.1], &objects[b.1]);
        a.0.cmp(&b.0)
            .then_with(|| x.dn.cmp(&y.dn))
            .then_with(|| x.object_guid.map(|g| g.to_string()).cmp(&y.object_guid.map(|g| g.to_string())))
            .then_with(|| x.source.cmp(&y.source))
    });
    let mut evals: Vec<(usize, Vec<Eval>)> = order
        .par_iter()
        .filter_map(|&(_, i)| evaluate_object(&objects[i], mode, cfg, &chains).map(|e| (i, e)))
        .collect();

    // Phase 2: the duplicate store, one map per attribute: folded value -> first holder.
    let mut seen: [HashMap<Box<str>, u32>; 8] = Default::default();
    let mut rows: Vec<(String, Row)> = Vec::new();
    for (obj, es) in &mut evals {
        let obj = *obj;
        let mut i = 0;
        while i < es.len() {
            let chain = es[i].chain;
            let mut j = i;
            while j < es.len() && es[j].chain == chain {
                let e = &mut es[j];
                if let Some(key) = e.probe.take() {
                    match seen[e.attr as usize].entry(key) {
                        Entry::Occupied(first) => e.dup_of = Some(*first.get()),
                        Entry::Vacant(v) => {
                            v.insert(obj as u32);
                        }
                    }
                }
                j += 1;
            }
            // Rows of this composed rule; IdFix looks up the first holder once the rule has run.
            for e in &es[i..j] {
                let active: Vec<&Fail> = e.active().collect();
                let Some(last) = active.last() else { continue };
                let o = &objects[obj];
                let value = e.idx.and_then(|k| e.attr.value(o, k as usize)).unwrap_or("").to_string();
                let update = last.update.clone().unwrap_or_default();
                let row = Row {
                    object: obj,
                    class_of: obj,
                    other: e.dup_of.map(|d| d as usize),
                    first_holder: false,
                    attribute: e.attr.name(),
                    flags: active.iter().fold(0, |a, f| a | f.flags),
                    error: active.iter().map(|f| flags::names(f.flags)).collect::<Vec<_>>().join(", "),
                    value,
                    update,
                    action: last.action,
                };
                if e.dup_of.is_some() && row.action == Action::Edit {
                    // Looked up by the raw value: missing when only a fixed value was stored (IdFix
                    // 2.6.0.3 swallows the exception and the row is silently absent).
                    let key = fold_str(&row.value);
                    if let Some(&first) = seen[e.attr as usize].get(key.as_str()) {
                        let first = first as usize;
                        let extra = Row {
                            object: first,
                            class_of: obj,
                            other: Some(obj),
                            first_holder: true,
                            flags: flags::DUPLICATE,
                            error: flags::names(flags::DUPLICATE),
                            ..row.clone()
                        };
                        rows.push((dn_key(&objects[first]), extra));
                    }
                }
                rows.push((dn_key(o), row));
            }
            i = j;
        }
    }
    // Phase 3: IdFix orders its grid by DN, case-insensitively (a stable sort).
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows.into_iter().map(|(_, r)| r).collect()
}

fn dn_key(o: &AdObject) -> String {
    o.dn.as_deref().unwrap_or("").chars().map(fold).collect()
}
