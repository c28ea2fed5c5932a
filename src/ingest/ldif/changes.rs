//! Change records (`changetype: modify`): the types the remediation writer takes and
//! [`changes`], the strict reader that checks its output.

use super::entries::*;
use super::records::*;
use crate::ingest::ReadError;
use std::borrow::Cow;

// ------------------------------------------------------------------------------------------------
// Change records (`changetype: modify`): the writer of remediation files and the strict reader that
// checks them

/// The operation of one mod-spec of a `changetype: modify` record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModOp {
    /// `add: attr`: add the values (the attribute must not hold them yet).
    Add,
    /// `delete: attr`: delete the values listed, or the whole attribute when none is listed.
    Delete,
    /// `replace: attr`: set the attribute to exactly the values listed (none: remove it).
    Replace,
}

impl ModOp {
    /// The keyword of the mod-spec line.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Delete => "delete",
            Self::Replace => "replace",
        }
    }
    pub(super) fn parse(s: &str) -> Option<Self> {
        [Self::Add, Self::Delete, Self::Replace].into_iter().find(|o| o.as_str().eq_ignore_ascii_case(s))
    }
}

/// One mod-spec: an operation on one attribute and its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdifMod {
    /// Operation.
    pub op: ModOp,
    /// Attribute description, as written.
    pub attr: String,
    /// Values, in file order.
    pub values: Vec<LdifValue>,
}

/// One `changetype: modify` record as read back by [`changes`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LdifChange {
    /// Line of the `dn:` line.
    pub line: u32,
    /// The DN.
    pub dn: String,
    /// The mod-specs, in file order (they are applied in this order).
    pub mods: Vec<LdifMod>,
}

/// Reads a file of `changetype: modify` records strictly (the check that [`write_modify`] output
/// reads back identically): comments and `version: 1` are allowed; an entry, another change type,
/// a value line naming another attribute than its mod-spec, a mod-spec not closed by `-`, bad
/// Base64 or a file cut mid-record is an error. Values are decoded as by [`entries`].
pub fn changes(text: &str) -> Result<Vec<LdifChange>, ReadError> {
    #[derive(PartialEq)]
    enum St {
        Outside,
        AfterDn,
        Modify,
        Spec,
    }
    let mut out: Vec<LdifChange> = Vec::new();
    let mut st = St::Outside;
    let mut cur: Option<LdifChange> = None;
    let mut spec: Option<LdifMod> = None;
    let mut lines = Lines::new(text);
    let mut seen_record = false;
    let mut last = 0;
    while let Some(Logical { line, text: t }) = lines.next_logical() {
        last = line;
        if t.is_empty() {
            match st {
                St::Outside => {}
                St::AfterDn => return Err(ReadError::new(line, "record has no `changetype:` line")),
                St::Spec => return Err(ReadError::new(line, "mod-spec is not closed by a `-` line")),
                St::Modify => {
                    out.extend(cur.take());
                    st = St::Outside;
                }
            }
            continue;
        }
        if t.starts_with('#') {
            continue;
        }
        if st == St::Spec && t == "-" {
            if let (Some(c), Some(m)) = (cur.as_mut(), spec.take()) {
                c.mods.push(m);
            }
            st = St::Modify;
            continue;
        }
        let a = split_attr(line, t).map_err(|_| ReadError::new(line, "line is not LDIF"))?;
        let text_of = |a: &RawAttr<'_>, what: &str| -> Result<String, ReadError> {
            a.text_value().map(Cow::into_owned).map_err(|why| ReadError::new(line, format!("{what} {why}")))
        };
        match st {
            St::Outside => {
                if is(a.desc(), "version") && !seen_record {
                    continue;
                }
                if !is(a.desc(), "dn") {
                    return Err(ReadError::new(line, format!("expected `dn:`, found `{}:`", a.desc())));
                }
                seen_record = true;
                cur = Some(LdifChange { line, dn: text_of(&a, "dn")?, mods: Vec::new() });
                st = St::AfterDn;
            }
            St::AfterDn => {
                let ct = text_of(&a, "changetype")?;
                if !is(a.desc(), "changetype") || !ct.trim().eq_ignore_ascii_case("modify") {
                    return Err(ReadError::new(
                        line,
                        format!("expected `changetype: modify`, found `{}: {ct}`", a.desc()),
                    ));
                }
                st = St::Modify;
            }
            St::Modify => {
                let Some(op) = ModOp::parse(a.desc()) else {
                    return Err(ReadError::new(
                        line,
                        format!("expected `add:`, `delete:` or `replace:`, found `{}:`", a.desc()),
                    ));
                };
                let attr = text_of(&a, "attribute")?.trim().to_string();
                if !valid_desc(&attr) {
                    return Err(ReadError::new(line, format!("`{attr}` is not an attribute description")));
                }
                spec = Some(LdifMod { op, attr, values: Vec::new() });
                st = St::Spec;
            }
            St::Spec => {
                let Some(m) = spec.as_mut() else {
                    return Err(ReadError::new(line, "attribute value outside a mod-spec"));
                };
                if !a.desc().eq_ignore_ascii_case(&m.attr) {
                    return Err(ReadError::new(
                        line,
                        format!("value of `{}` inside the mod-spec of `{}`", a.desc(), m.attr),
                    ));
                }
                let value = match a.kind {
                    ValueKind::Plain => LdifValue::Text(a.raw_value().to_string()),
                    ValueKind::Url => return Err(ReadError::new(line, "URL values (`:<`) are not read")),
                    ValueKind::Base64 => {
                        let b = a.bytes().map_err(|why| ReadError::new(line, format!("`{}` {why}", a.desc())))?;
                        if is_binary_attr(a.desc()) {
                            LdifValue::Binary(b.into_owned())
                        } else {
                            match String::from_utf8(b.into_owned()) {
                                Ok(s) => LdifValue::Text(s),
                                Err(e) => LdifValue::Binary(e.into_bytes()),
                            }
                        }
                    }
                };
                m.values.push(value);
            }
        }
    }
    match st {
        St::Outside => {}
        St::Modify if text.ends_with('\n') => out.extend(cur.take()),
        St::Spec => return Err(ReadError::new(last, "file ends inside a mod-spec (no `-` line)")),
        _ => return Err(ReadError::new(last, "file ends inside a record")),
    }
    Ok(out)
}
