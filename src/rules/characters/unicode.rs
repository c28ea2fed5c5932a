use super::*;

impl Cx<'_> {
    pub(super) fn check_non_ascii(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let label = o.name();
        let fx = |attr: &str, v: &str| -> String {
            match attr {
                "userPrincipalName" => {
                    let sp = domain_of(v).and_then(|d| self.suffix_problem(i, d)).is_some();
                    self.fixer(o, sp).upn(v)
                }
                "mail" => self.fixer(o, false).address(v, &self.p.mail_invalid),
                "targetAddress" | "proxyAddresses" => match v.split_once(':') {
                    Some((p, a)) => format!("{p}:{}", self.fixer(o, false).address(a, &self.p.proxy_smtp_invalid)),
                    None => translit_compact(v),
                },
                _ => translit_compact(v),
            }
        };
        let mut addr: Vec<(&str, &str)> = Vec::new();
        if matches!(o.class, AdClass::User | AdClass::InetOrgPerson) {
            addr.extend(o.upn.as_deref().map(|v| ("userPrincipalName", v)));
        }
        addr.extend(o.mail.as_deref().map(|v| ("mail", v)));
        addr.extend(o.mail_nickname.as_deref().map(|v| ("mailNickname", v)));
        addr.extend(o.sam_account_name.as_deref().map(|v| ("sAMAccountName", v)));
        addr.extend(o.target_address.as_deref().map(|v| ("targetAddress", v)));
        addr.extend(o.proxy_addresses.iter().map(|v| ("proxyAddresses", v.as_str())));
        for (attr, v) in addr {
            let chars = non_ascii(v);
            if chars.is_empty() {
                continue;
            }
            let fixed = fx(attr, v);
            let ev = evidence([
                ("attribute", json!(attr)),
                ("value", json!(v)),
                ("non_ascii_characters", json!(describe(&chars))),
                ("proposed_value", json!(fixed)),
                ("action", json!("EDIT")),
            ]);
            let disc = if attr == "proxyAddresses" { format!("{attr}:{}", v.to_lowercase()) } else { attr.to_string() };
            self.push(
                out,
                "CH014",
                i,
                o,
                format!(
                    "{attr} `{v}` of {label} contains non-ASCII {} (proposed `{fixed}`)",
                    chars.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(" ")
                ),
                ev,
                &disc,
            );
        }
        let mut names = Vec::new();
        for (attr, v) in [("displayName", &o.display_name), ("givenName", &o.given_name), ("sn", &o.sn)] {
            let Some(v) = v.as_deref() else { continue };
            let chars = non_ascii(v);
            if !chars.is_empty() {
                names.push(json!({
                    "attribute": attr,
                    "value": v,
                    "non_ascii_characters": describe(&chars),
                    "proposed_value": deunicode::deunicode(v),
                    "action": "EDIT",
                }));
            }
        }
        if !names.is_empty() {
            let attrs: Vec<&str> = names.iter().filter_map(|n| n["attribute"].as_str()).collect();
            let title = format!("{} of {label} contain non-ASCII characters (informational)", attrs.join(", "));
            let first = names[0].clone();
            let ev = evidence([
                ("attribute", first["attribute"].clone()),
                ("value", first["value"].clone()),
                ("attributes", json!(names)),
                ("proposed_value", first["proposed_value"].clone()),
                ("action", json!("EDIT")),
                (
                    "note",
                    json!("optional: Entra ID stores Unicode names; change only where downstream systems need ASCII"),
                ),
            ]);
            self.push(out, "CH015", i, o, title, ev, "names");
        }
    }

    pub(super) fn check_mixed_script(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let mut vals: Vec<(&str, &str)> = Vec::new();
        for (a, v) in [
            ("displayName", &o.display_name),
            ("givenName", &o.given_name),
            ("sn", &o.sn),
            ("userPrincipalName", &o.upn),
            ("mail", &o.mail),
            ("mailNickname", &o.mail_nickname),
            ("sAMAccountName", &o.sam_account_name),
        ] {
            if let Some(v) = v.as_deref() {
                vals.push((a, v));
            }
        }
        vals.extend(o.proxy_addresses.iter().map(|v| ("proxyAddresses", v.as_str())));
        for (attr, v) in vals {
            if v.is_ascii() {
                continue;
            }
            let Some(m) = mixed_script(v, &self.p.confusable_scripts) else { continue };
            let ev = evidence([
                ("attribute", json!(attr)),
                ("value", json!(v)),
                ("word", json!(m.word)),
                ("scripts", json!(m.scripts)),
                ("odd_characters", json!(describe(&m.odd))),
                ("proposed_value", json!(m.proposed.as_ref().map(|w| v.replacen(&m.word, w, 1)))),
                ("action", json!("EDIT")),
            ]);
            let disc = if attr == "proxyAddresses" { format!("{attr}:{}", v.to_lowercase()) } else { attr.to_string() };
            self.push(
                out,
                "CH016",
                i,
                o,
                format!("{attr} `{v}` of {} mixes {} letters in `{}`", o.label(), m.scripts.join(" and "), m.word),
                ev,
                &disc,
            );
        }
    }
}

/// Transliterates non-ASCII characters to ASCII (`é` → `e`, `ß` → `ss`), dropping the spaces some
/// transliterations carry (`北` → `Bei `): for identifiers and addresses.
pub fn translit_compact(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else if let Some(t) = deunicode::deunicode_char(c) {
            out.extend(t.chars().filter(|c| !c.is_whitespace()));
        }
    }
    out
}

/// Whether any value [`Cx::check_non_ascii`] or [`Cx::check_mixed_script`] looks at has a character
/// outside ASCII (neither reports anything otherwise).
pub(super) fn any_non_ascii(o: &AdObject) -> bool {
    let single = [
        &o.display_name,
        &o.given_name,
        &o.sn,
        &o.upn,
        &o.mail,
        &o.mail_nickname,
        &o.sam_account_name,
        &o.target_address,
    ];
    single.iter().any(|v| v.as_deref().is_some_and(|v| !v.is_ascii()))
        || o.proxy_addresses.iter().any(|v| !v.is_ascii())
}

pub(super) fn non_ascii(s: &str) -> Vec<char> {
    if s.is_ascii() {
        return Vec::new();
    }
    let mut v: Vec<char> = s.chars().filter(|c| !c.is_ascii()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

pub(super) fn describe(chars: &[char]) -> Vec<Value> {
    chars.iter().map(|c| json!({"char": c.to_string(), "code_point": format!("U+{:04X}", *c as u32)})).collect()
}

pub(super) struct Mixed {
    word: String,
    pub(super) scripts: Vec<String>,
    odd: Vec<char>,
    pub(super) proposed: Option<String>,
}

/// The first word (run of letters) mixing letters of two or more of `scripts` (e.g. a Cyrillic `а`
/// in a Latin name). Words wholly in one script — `Петров` — are not mixed.
pub(super) fn mixed_script(v: &str, scripts: &[Script]) -> Option<Mixed> {
    for word in v.split(|c: char| !c.is_alphabetic()) {
        if word.is_empty() || word.is_ascii() {
            continue;
        }
        let mut counts: Vec<(Script, usize)> = Vec::new();
        for c in word.chars() {
            let s = c.script();
            if !scripts.contains(&s) {
                continue;
            }
            match counts.iter_mut().find(|(x, _)| *x == s) {
                Some((_, n)) => *n += 1,
                None => counts.push((s, 1)),
            }
        }
        if counts.len() < 2 {
            continue;
        }
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        let major = counts[0].0;
        let odd: Vec<char> = {
            let mut o: Vec<char> =
                word.chars().filter(|c| c.script() != major && scripts.contains(&c.script())).collect();
            o.sort_unstable();
            o.dedup();
            o
        };
        let proposed = (major == Script::Latin).then(|| {
            word.chars()
                .map(|c| {
                    if c.script() == Script::Latin || c.is_ascii() {
                        c.to_string()
                    } else {
                        translit_compact(&c.to_string())
                    }
                })
                .collect::<String>()
        });
        let mut names: Vec<String> = counts.iter().map(|(s, _)| s.full_name().to_string()).collect();
        names.sort();
        return Some(Mixed { word: word.to_string(), scripts: names, odd, proposed });
    }
    None
}
