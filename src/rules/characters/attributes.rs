use super::*;
use crate::model::text::TrimFast as _;

impl Cx<'_> {
    pub(super) fn check_sam(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let Some(sam) = o.sam_account_name.as_deref() else { return };
        let is_user = matches!(o.class, AdClass::User | AdClass::InetOrgPerson);
        if !is_user && o.class != AdClass::Group {
            return;
        }
        let limit = if is_user { self.p.sam_max_user } else { self.p.sam_max_other };
        let bad: BTreeSet<char> =
            sam.chars().filter(|c| self.p.sam_invalid.contains(*c) || (c.is_ascii_control())).collect();
        let n = sam.chars().count();
        if bad.is_empty() && n <= limit {
            return;
        }
        let mut fixed: String = sam.chars().filter(|c| !bad.contains(c)).collect();
        fixed = fixed.chars().take(limit).collect();
        let mut problems = Vec::new();
        if !bad.is_empty() {
            problems.push(format!(
                "invalid characters {}",
                bad.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(" ")
            ));
        }
        if n > limit {
            problems.push(format!("{n} characters (limit {limit})"));
        }
        let ev = evidence([
            ("attribute", json!("sAMAccountName")),
            ("value", json!(sam)),
            ("invalid_characters", json!(bad.iter().map(|c| c.to_string()).collect::<Vec<_>>())),
            ("limit", json!(limit)),
            ("length", json!(n)),
            ("has_upn", json!(o.upn.as_deref().is_some_and(|u| !u.is_empty()))),
            ("proposed_value", json!(fixed)),
            ("action", json!("EDIT")),
        ]);
        self.push(
            out,
            "CH011",
            i,
            o,
            format!("sAMAccountName `{sam}` of {}: {}", o.label(), problems.join(", ")),
            ev,
            "sAMAccountName",
        );
    }

    pub(super) fn check_display_name(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        if o.display_name.as_deref().is_some_and(|d| !d.trim_fast().is_empty()) {
            return;
        }
        if !self.file_has_display.get(o.source.file.0 as usize).copied().unwrap_or(false)
            || o.not_collected.has(crate::model::NotCollected::DISPLAY_NAME)
        {
            return; // the export did not carry displayName at all (or its source never collects it)
        }
        let proposed =
            o.cn.as_deref()
                .map(String::from)
                .or_else(|| match (&o.given_name, &o.sn) {
                    (Some(g), Some(s)) => Some(format!("{g} {s}")),
                    _ => None,
                })
                .or_else(|| o.sam_account_name.as_deref().map(String::from));
        let ev = evidence([
            ("attribute", json!("displayName")),
            ("value", json!(o.display_name)),
            ("object_class", json!(o.class.as_str())),
            ("proposed_value", json!(proposed)),
            ("action", json!("EDIT")),
        ]);
        let what = if o.display_name.is_some() { "is blank" } else { "is missing" };
        self.push(
            out,
            "CH012",
            i,
            o,
            format!(
                "displayName of {} {} {what}",
                o.class.as_str(),
                o.cn.as_deref().map(String::from).unwrap_or_else(|| o.label())
            ),
            ev,
            "displayName",
        );
    }

    pub(super) fn check_name_lengths(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        for (attr, limit) in &self.p.name_limits {
            let v = match attr.as_str() {
                "displayName" => o.display_name.as_deref(),
                "givenName" => o.given_name.as_deref(),
                _ => o.sn.as_deref(),
            };
            let Some(v) = v else { continue };
            let n = v.chars().count();
            if n <= *limit {
                continue;
            }
            let fixed: String = v.chars().take(*limit).collect();
            let ev = evidence([
                ("attribute", json!(attr)),
                ("value", json!(v)),
                ("limit", json!(limit)),
                ("length", json!(n)),
                ("proposed_value", json!(fixed.trim_end())),
                ("action", json!("EDIT")),
            ]);
            self.push(
                out,
                "CH013",
                i,
                o,
                format!("{attr} of {} is {n} characters long (limit {limit})", o.label()),
                ev,
                attr,
            );
        }
    }

    pub(super) fn check_mail(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let Some(mail) = o.mail.as_deref() else { return };
        let label = o.name();
        let r = check_address(mail, &self.p.mail_invalid, true);
        let n = mail.chars().count();
        if !r.is_clean() || n > self.p.mail_max {
            let fixed = self.fixer(o, false).address(mail, &self.p.mail_invalid);
            let mut problems = r.problems.clone();
            if n > self.p.mail_max {
                problems.push(format!("{n} characters (limit {})", self.p.mail_max));
            }
            let ev = evidence([
                ("attribute", json!("mail")),
                ("value", json!(mail)),
                ("invalid_characters", json!(r.chars())),
                ("problems", json!(problems)),
                ("proposed_value", json!(fixed)),
                ("action", json!("EDIT")),
            ]);
            self.push(
                out,
                "CH009",
                i,
                o,
                format!("mail `{mail}` of {label} is not a valid address: {}", r.summary(&problems)),
                ev,
                "mail",
            );
        }
        // CH018: mail = primary SMTP.
        if let Some(primary) = crate::model::primary_smtp(&o.proxy_addresses)
            && !primary.eq_ignore_ascii_case(mail)
            && primary.to_lowercase() != mail.to_lowercase()
        {
            let ev = evidence([
                ("attribute", json!("mail")),
                ("value", json!(mail)),
                ("primary_smtp", json!(primary)),
                ("proposed_value", json!(primary)),
                ("action", json!("EDIT")),
            ]);
            self.push(
                out,
                "CH018",
                i,
                o,
                format!("mail `{mail}` of {label} differs from its primary SMTP address `{primary}`"),
                ev,
                "mail",
            );
        }
    }

    pub(super) fn check_nickname(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let Some(nick) = o.mail_nickname.as_deref() else { return };
        let bad: BTreeSet<char> = nick
            .chars()
            .filter(|c| c.is_ascii() && !c.is_ascii_alphanumeric() && !self.p.nick_allowed.contains(*c))
            .collect();
        let mut problems = Vec::new();
        if !bad.is_empty() {
            problems.push(format!(
                "invalid characters {} (synchronised as `_`)",
                bad.iter()
                    .map(|c| if *c == ' ' { "space".to_string() } else { format!("`{c}`") })
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
        }
        if nick.starts_with('.') {
            problems.push("begins with `.`".into());
        }
        if nick.len() > 1 && nick.ends_with('.') {
            problems.push("ends with `.`".into());
        }
        if nick.contains("..") {
            problems.push("contains `..`".into());
        }
        let n = nick.chars().count();
        if n > self.p.nick_max {
            problems.push(format!("{n} characters (limit {})", self.p.nick_max));
        }
        if nick.trim_fast().is_empty() {
            problems.push("blank".into());
        }
        if problems.is_empty() {
            return;
        }
        let mut fixed: String = translit_compact(nick).chars().filter(|c| !bad.contains(c)).collect();
        while fixed.contains("..") {
            fixed = fixed.replace("..", ".");
        }
        let fixed: String = fixed.trim_matches('.').chars().take(self.p.nick_max).collect();
        let ev = evidence([
            ("attribute", json!("mailNickname")),
            ("value", json!(nick)),
            ("invalid_characters", json!(bad.iter().map(|c| c.to_string()).collect::<Vec<_>>())),
            ("problems", json!(problems)),
            ("proposed_value", json!(fixed)),
            ("action", json!("EDIT")),
        ]);
        self.push(
            out,
            "CH010",
            i,
            o,
            format!("mailNickname `{nick}` of {}: {}", o.label(), problems.join("; ")),
            ev,
            "mailNickname",
        );
    }

    pub(super) fn check_proxies(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        // Labels and the lower-cased set of the object's addresses are only needed for a finding.
        let label = || o.name();
        let own = std::cell::OnceCell::new();
        let own = || -> &BTreeSet<String> {
            own.get_or_init(|| o.proxy_addresses.iter().map(|p| p.as_str().to_lowercase()).collect())
        };
        for v in &o.proxy_addresses {
            let (prefix, addr) = match v.split_once(':') {
                Some((p, a)) if !p.is_empty() => (p, a),
                _ => {
                    let ev = evidence([
                        ("attribute", json!("proxyAddresses")),
                        ("value", json!(v)),
                        ("problems", json!(["no address type prefix (`SMTP:`, `smtp:`, `X500:`...)"])),
                        ("proposed_value", json!(null)),
                        ("action", json!("REMOVE")),
                    ]);
                    self.push(
                        out,
                        "CH007",
                        i,
                        o,
                        format!("proxyAddress `{v}` of {} has no address type", label()),
                        ev,
                        &format!("proxyAddresses:{}", v.to_lowercase()),
                    );
                    continue;
                }
            };
            // `prefix.to_lowercase() == "smtp"` (no other character lower-cases to these letters).
            let is_smtp = prefix.eq_ignore_ascii_case("smtp");
            let mut problems = Vec::new();
            let control_only =
                !is_smtp && self.p.proxy_control_only_types.iter().any(|t| crate::hash::eq_lower(t, prefix));
            let r = if is_smtp {
                check_address(addr, &self.p.proxy_smtp_invalid, true)
            } else if control_only {
                AddrCheck { bad: addr.chars().filter(|c| c.is_control()).collect(), ..Default::default() }
            } else {
                check_address(addr, &self.p.proxy_other_invalid, false)
            };
            let n = v.chars().count();
            if r.is_clean() && n <= self.p.proxy_max {
                continue;
            }
            let fixed = if is_smtp {
                format!("{prefix}:{}", self.fixer(o, false).address(addr, &self.p.proxy_smtp_invalid))
            } else if control_only {
                format!("{prefix}:{}", addr.chars().filter(|c| !c.is_control()).collect::<String>())
            } else {
                let kept: String =
                    addr.chars().filter(|c| !c.is_whitespace() && !self.p.proxy_other_invalid.contains(*c)).collect();
                format!("{prefix}:{kept}")
            };
            problems.extend(r.problems.iter().cloned());
            if n > self.p.proxy_max {
                problems.push(format!("{n} characters (limit {})", self.p.proxy_max));
            }
            let fixed: String = fixed.chars().take(self.p.proxy_max).collect();
            let addr_empty = fixed.split_once(':').is_none_or(|(_, a)| a.is_empty());
            let already = own().contains(&fixed.to_lowercase())
                || (is_smtp && own().contains(&format!("smtp:{}", fixed[prefix.len() + 1..].to_lowercase())));
            let (proposed, action) =
                if addr_empty || already { (Value::Null, "REMOVE") } else { (json!(fixed), "EDIT") };
            let ev = evidence([
                ("attribute", json!("proxyAddresses")),
                ("value", json!(v)),
                ("address_type", json!(prefix)),
                ("invalid_characters", json!(r.chars())),
                ("problems", json!(problems)),
                ("proposed_value", proposed),
                ("action", json!(action)),
            ]);
            self.push(
                out,
                "CH007",
                i,
                o,
                format!("proxyAddress `{v}` of {} is invalid: {}", label(), r.summary(&problems)),
                ev,
                &format!("proxyAddresses:{}", v.to_lowercase()),
            );
        }
        // CH017: exactly one primary (counted first: the lists are only needed for a finding).
        let is_smtp = |p: &&crate::model::Text| p.get(..5).is_some_and(|s| s.eq_ignore_ascii_case("smtp:"));
        let (n_smtp, n_primary) = o
            .proxy_addresses
            .iter()
            .filter(is_smtp)
            .fold((0, 0), |(n, m), p| (n + 1, m + usize::from(p.starts_with("SMTP:"))));
        if n_smtp > 0 && n_primary != 1 {
            let smtp: Vec<&crate::model::Text> = o.proxy_addresses.iter().filter(is_smtp).collect();
            let primaries: Vec<&&crate::model::Text> = smtp.iter().filter(|p| p.starts_with("SMTP:")).collect();
            let keep = o
                .mail
                .as_deref()
                .and_then(|m| smtp.iter().find(|p| p[5..].eq_ignore_ascii_case(m)))
                .or_else(|| primaries.first().copied())
                .or(smtp.first())
                .map(|p| p[5..].to_string());
            let proposed: Vec<String> = smtp
                .iter()
                .map(|p| {
                    let a = &p[5..];
                    if Some(a) == keep.as_deref() { format!("SMTP:{a}") } else { format!("smtp:{a}") }
                })
                .collect();
            let what = if primaries.is_empty() {
                "no primary `SMTP:` address".to_string()
            } else {
                format!("{} primary `SMTP:` addresses", primaries.len())
            };
            let ev = evidence([
                ("attribute", json!("proxyAddresses")),
                ("value", json!(smtp)),
                ("primary_count", json!(primaries.len())),
                ("proposed_value", json!(proposed)),
                ("action", json!("EDIT")),
            ]);
            self.push(out, "CH017", i, o, format!("{} has {what}", label()), ev, "proxyAddresses");
        }
    }

    pub(super) fn check_target(&self, i: u32, o: &AdObject, out: &mut Vec<Finding>) {
        let Some(t) = o.target_address.as_deref() else { return };
        let (prefix, addr) = match t.split_once(':') {
            Some((p, a)) if p.eq_ignore_ascii_case("smtp") => (Some(p), a),
            Some((p, _)) if !p.contains('@') => return, // X400 and other non-SMTP routing addresses
            _ => (None, t),
        };
        let r = check_address(addr, &self.p.target_invalid, true);
        let n = t.chars().count();
        if r.is_clean() && n <= self.p.target_max {
            return;
        }
        let mut problems = r.problems.clone();
        if n > self.p.target_max {
            problems.push(format!("{n} characters (limit {})", self.p.target_max));
        }
        let fixed_addr = self.fixer(o, false).address(addr, &self.p.target_invalid);
        let fixed = match prefix {
            Some(p) => format!("{p}:{fixed_addr}"),
            None => fixed_addr,
        };
        let ev = evidence([
            ("attribute", json!("targetAddress")),
            ("value", json!(t)),
            ("invalid_characters", json!(r.chars())),
            ("problems", json!(problems)),
            ("proposed_value", json!(fixed)),
            ("action", json!("EDIT")),
        ]);
        self.push(
            out,
            "CH008",
            i,
            o,
            format!("targetAddress `{t}` of {} is invalid: {}", o.label(), r.summary(&problems)),
            ev,
            "targetAddress",
        );
    }
}
