//! Which objects IdFix looks at: its default LDAP filter and its skip rules (`Skip` of each rule
//! collection), with IdFix's quirk that an exception inside the skip logic means "process it".

use super::IdfixMode;
use super::charset::{fold_str, starts_with_ci};
use super::config::Scope;
use crate::model::{AdClass, AdObject, split_dn};

/// The `cn` IdFix reads: the attribute, else the value of the DN's first RDN (which is the `cn` of
/// every object class in scope), unescaped.
pub fn cn_of(o: &AdObject) -> Option<String> {
    if let Some(cn) = &o.cn {
        return Some(cn.to_string());
    }
    let dn = o.dn.as_deref()?;
    let first = split_dn(dn).into_iter().next()?;
    let (_, v) = first.split_once('=')?;
    Some(unescape_rdn(v.trim()))
}

/// Reverses DN escaping: `\,` → `,`, `\0A` → line feed (hex pairs are UTF-8 bytes).
fn unescape_rdn(v: &str) -> String {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(byte) => {
                    out.push(byte);
                    i += 3;
                }
                None => {
                    out.push(b[i + 1]);
                    i += 2;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// IdFix's default filter: objectCategory Person or Group (classes of `scope.classes`);
/// Dedicated also requires `mail`.
pub fn in_scope(o: &AdObject, mode: IdfixMode, scope: &Scope) -> bool {
    let class = fold_str(o.class.as_str());
    scope.classes.contains(&class)
        && (mode == IdfixMode::MultiTenant || !scope.dedicated_requires_mail || o.mail.is_some())
}

/// IdFix's skip rules. Where IdFix would throw (an attribute it indexes is absent) the object is
/// processed, as IdFix's `catch` does.
pub fn skipped(o: &AdObject, mode: IdfixMode, scope: &Scope) -> bool {
    let Some(cn) = cn_of(o) else { return false };
    if cn.ends_with(scope.cn_suffix.as_str()) {
        return true;
    }
    if scope.cn_prefixes.iter().any(|p| starts_with_ci(&cn, p)) {
        return true;
    }
    let Some(dn) = o.dn.as_deref() else { return false };
    let dn_folded = fold_str(dn);
    if scope.conflict_markers.iter().any(|m| dn_folded.contains(&fold_str(m))) {
        return true;
    }
    if mode == IdfixMode::Dedicated {
        // The Dedicated query does not request isCriticalSystemObject, so its check never fires; it
        // has no other skip rule.
        return false;
    }
    if o.is_critical_system_object == Some(true) {
        return true;
    }
    if o.class == AdClass::User {
        let prefixed = |v: &Option<crate::model::Text>, ps: &[String]| {
            v.as_deref().is_some_and(|v| ps.iter().any(|p| starts_with_ci(v, p)))
        };
        if prefixed(&o.sam_account_name, &scope.user_sam_prefixes)
            || prefixed(&o.mail_nickname, &scope.user_mailnickname_prefixes)
        {
            return true;
        }
        if let (Some(display), Some(true)) = (o.display_name.as_deref(), o.ms_exch_hide_from_address_lists)
            && starts_with_ci(display, &scope.user_hidden_displayname_prefix)
        {
            return true;
        }
        // LDAP returns this Integer8 as decimal text; IdFix compares it with hexadecimal strings.
        if let Some(rtd) = o.ms_exch_recipient_type_details
            && scope.user_recipient_type_details.contains(&rtd.to_string())
        {
            return true;
        }
    }
    if o.class == AdClass::Group {
        let Some(group_type) = o.group_type else { return false };
        if group_type < 0 {
            return o.mail.is_none();
        }
        return o.proxy_addresses.is_empty();
    }
    false
}
