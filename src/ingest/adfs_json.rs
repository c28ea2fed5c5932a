//! Reader: AD FS trusts as JSON — `Get-AdfsClaimsProviderTrust | ConvertTo-Json -Depth 5` and
//! `Get-AdfsRelyingPartyTrust | ConvertTo-Json -Depth 5`.
//!
//! The file is one trust object or an array of them, with the cmdlets' PascalCase properties
//! (Windows PowerShell 5.1 writes UTF-16 LE with a BOM, which [`super::text`] decodes). Read:
//! `Name`, `Identifier` (a list, or a single string), `Enabled`, `MetadataUrl`, the endpoints
//! (`WSFederationEndpoint`/`WSFedEndpoint`, `SamlEndpoints[].Location`), and the claim rules —
//! `AcceptanceTransformRules` (claims providers), `IssuanceTransformRules`,
//! `IssuanceAuthorizationRules` and `ClaimsProviderName` (relying parties). Windows PowerShell 5.1
//! writes `System.Uri` values as objects (`AbsoluteUri`, `OriginalString`...); PowerShell 7 as
//! strings: both are accepted. Certificates and dates (`/Date(ms)/`) are not needed and not read.
//!
//! Claim rules are kept raw and parsed best-effort ([`parse_rules`]) into the claim types they pass
//! through or issue, the attribute-store lookups keyed by an incoming claim (account links), and the
//! values tested by `Value == "..."` conditions. A rule that cannot be parsed is an `IN008` issue at
//! the rules property's line (naming the rule and its line inside the rules text); the other rules
//! are still read. Trusts are not attributed to a tenant or forest: an AD FS farm serves the estate.

use super::json_util::Raw;
use super::json_util::{self as ju, Doc, Head, HeadKind, Problem, Rec, Shape, Tally};
use super::{Extract, Format, Input, ReadError, Sniff, codes};
use crate::model::*;

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "adfs-json",
    summary: "AD FS claims provider / relying party trusts (Get-AdfsClaimsProviderTrust, Get-AdfsRelyingPartyTrust | ConvertTo-Json)",
    sniff,
    read,
};

/// What the file lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Entity {
    ClaimsProviders,
    RelyingParties,
}

/// Properties only a relying party trust has.
const RP_KEYS: &[&str] = &[
    "ClaimsProviderName",
    "IssuanceTransformRules",
    "IssuanceAuthorizationRules",
    "DelegationAuthorizationRules",
    "ImpersonationAuthorizationRules",
    "AdditionalAuthenticationRules",
];

/// Properties that, next to `AcceptanceTransformRules`, show a claims provider trust.
const CP_KEYS: &[&str] =
    &["Identifier", "ClaimOffered", "TokenSigningCertificates", "AnchorClaimType", "AllowCreate", "ProtocolProfile"];

fn classify(has: &dyn Fn(&str) -> bool) -> Option<Entity> {
    if has("AcceptanceTransformRules") && CP_KEYS.iter().any(|k| has(k)) {
        Some(Entity::ClaimsProviders)
    } else if !has("AcceptanceTransformRules")
        && RP_KEYS.iter().any(|k| has(k))
        && (has("Identifier") || has("Name") || has("Enabled"))
    {
        Some(Entity::RelyingParties)
    } else {
        None
    }
}

/// Content sniffer.
pub fn sniff(text: &str) -> Sniff {
    let Some(h) = Head::scan(text) else {
        return Sniff::No;
    };
    let path = match h.root() {
        Some(HeadKind::Object) => "",
        Some(HeadKind::Array) => "[]",
        _ => return Sniff::No,
    };
    let keys = h.keys(path);
    match classify(&|k: &str| keys.iter().any(|x| x.eq_ignore_ascii_case(k))) {
        Some(_) => Sniff::Yes,
        None => Sniff::No,
    }
}

/// Reader.
pub fn read(input: &Input<'_>) -> Result<Extract, ReadError> {
    let text = input.text;
    let root = ju::parse_root(text)?;
    let doc = Doc::new(text);
    let mut t = Tally::default();
    let items: Vec<&Raw> = match ju::shape(root) {
        Shape::Array => ju::array(root).unwrap_or_default(),
        Shape::Object => vec![root],
        _ => {
            return Err(ReadError::new(
                1,
                "an AD FS trust export is a JSON object or array of objects; re-run `Get-AdfsClaimsProviderTrust | ConvertTo-Json -Depth 5`",
            ));
        }
    };
    let mut entity = None;
    let mut recs = Vec::with_capacity(items.len());
    for raw in items {
        let Some(r) = ju::record(&doc, &mut t, raw, "trust list") else { continue };
        if entity.is_none() {
            entity = classify(&|k: &str| r.has(k));
        }
        recs.push(r);
    }
    let Some(entity) = entity else {
        if recs.is_empty() {
            let mut ex = Extract::new("adfs-json");
            t.flush(input, &mut ex);
            ex.issue(input.at(0), codes::EMPTY_EXPORT, "the AD FS export lists no trusts");
            return Ok(ex);
        }
        return Err(ReadError::new(
            recs[0].line,
            "no AD FS trust properties (AcceptanceTransformRules, IssuanceTransformRules, ClaimsProviderName...): export with `Get-AdfsClaimsProviderTrust | ConvertTo-Json -Depth 5` or `Get-AdfsRelyingPartyTrust | ConvertTo-Json -Depth 5`",
        ));
    };
    let mut ex = Extract::new(match entity {
        Entity::ClaimsProviders => "adfs-json:claims-provider-trusts",
        Entity::RelyingParties => "adfs-json:relying-party-trusts",
    });
    for r in recs {
        match entity {
            Entity::ClaimsProviders => {
                let cp = claims_provider(&doc, &mut t, &mut ex, input, &r);
                ex.adfs_claims_providers.push(cp);
            }
            Entity::RelyingParties => {
                let rp = relying_party(&doc, &mut t, &mut ex, input, &r);
                ex.adfs_relying_parties.push(rp);
            }
        }
    }
    t.flush(input, &mut ex);
    ex.count_records();
    Ok(ex)
}

fn name(t: &mut Tally, r: &Rec<'_>) -> String {
    match r.str(t, &["Name"]) {
        Some(n) => n,
        None => {
            t.add(Problem::Missing, "Name", r.line, "");
            format!("(unnamed trust at line {})", r.line)
        }
    }
}

fn claims_provider(
    doc: &Doc<'_>,
    t: &mut Tally,
    ex: &mut Extract,
    input: &Input<'_>,
    r: &Rec<'_>,
) -> AdfsClaimsProvider {
    let name = name(t, r);
    let rules_line = r.raw(&["AcceptanceTransformRules"]).map(|v| doc.line_of(v)).unwrap_or(r.line);
    let rules = rules_of(t, ex, input, r, "AcceptanceTransformRules", &name, rules_line);
    let mut endpoints: Vec<String> = uri(t, r, &["WSFederationEndpoint", "WSFedEndpoint"]).into_iter().collect();
    endpoints.extend(saml_endpoints(t, r));
    AdfsClaimsProvider {
        source: input.at(r.line),
        rules_line,
        identifiers: r.strs(t, &["Identifier"]),
        enabled: r.bool(t, &["Enabled"]),
        metadata_url: uri(t, r, &["MetadataUrl"]),
        endpoints,
        acceptance_rules: rules,
        name,
    }
}

fn relying_party(doc: &Doc<'_>, t: &mut Tally, ex: &mut Extract, input: &Input<'_>, r: &Rec<'_>) -> AdfsRelyingParty {
    let name = name(t, r);
    let line_of = |k: &str| r.raw(&[k]).map(|v| doc.line_of(v)).unwrap_or(r.line);
    let (il, al) = (line_of("IssuanceTransformRules"), line_of("IssuanceAuthorizationRules"));
    AdfsRelyingParty {
        source: input.at(r.line),
        identifiers: r.strs(t, &["Identifier"]),
        enabled: r.bool(t, &["Enabled"]),
        claims_provider_names: r.strs(t, &["ClaimsProviderName"]),
        issuance_rules: rules_of(t, ex, input, r, "IssuanceTransformRules", &name, il),
        authorization_rules: rules_of(t, ex, input, r, "IssuanceAuthorizationRules", &name, al),
        name,
    }
}

/// Reads and parses one rules property; each unparsable rule is an IN008 at the property's line.
fn rules_of(
    t: &mut Tally,
    ex: &mut Extract,
    input: &Input<'_>,
    r: &Rec<'_>,
    key: &str,
    trust: &str,
    line: u32,
) -> AdfsClaimRules {
    let Some(raw) = r.str::<String>(t, &[key]) else { return AdfsClaimRules::default() };
    let (rules, errors) = parse_rules(&raw);
    for e in errors {
        ex.issue(
            input.at(line),
            codes::INVALID_VALUE,
            format!(
                "{key} of AD FS trust {trust:?}: rule {} (line {} of the rules text) cannot be parsed: {}; the other rules were read — check the rule in the AD FS console",
                e.rule, e.line, e.reason
            ),
        );
    }
    rules
}

/// A `System.Uri` property: a string (PowerShell 7) or an object (Windows PowerShell 5.1).
fn uri(t: &mut Tally, r: &Rec<'_>, keys: &[&str]) -> Option<String> {
    let raw = r.raw(keys)?;
    match ju::shape(raw) {
        Shape::Object => {
            let o = ju::object(raw)?;
            ["AbsoluteUri", "OriginalString"]
                .iter()
                .find_map(|k| o.get(k).and_then(ju::string))
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        }
        _ => r.str(t, keys),
    }
}

fn saml_endpoints(t: &mut Tally, r: &Rec<'_>) -> Vec<String> {
    let mut out = Vec::new();
    for o in r.objects(t, &["SamlEndpoints"]) {
        let rec = Rec::new(o, r.line);
        if let Some(u) = uri(t, &rec, &["Location"]) {
            out.push(u);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Claim rule language (best effort)

/// A rule that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// 1-based index of the rule in the rules text.
    pub rule: usize,
    /// 1-based line inside the rules text where the rule starts.
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Splits `text` at top-level `;` (outside strings and brackets): (start offset, rule text).
/// Unbalanced brackets or an unterminated string end the scan with an error.
/// Rules split from a text: (start offset, rule text), and the first structural error (offset, reason).
type Split<'t> = (Vec<(usize, &'t str)>, Option<(usize, String)>);

fn split_rules(text: &str) -> Split<'_> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let (mut depth, mut start, mut i) = (0i32, 0usize, 0usize);
    while i < b.len() {
        match b[i] {
            b'"' => match string_end(b, i) {
                Some(e) => i = e,
                None => return (out, Some((start, "a string is not closed (missing `\"`)".into()))),
            },
            b'(' | b'[' => depth += 1,
            b')' | b']' => {
                depth -= 1;
                if depth < 0 {
                    return (out, Some((start, format!("unexpected `{}`", b[i] as char))));
                }
            }
            b';' if depth == 0 => {
                out.push((start, &text[start..i]));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    if depth != 0 {
        return (out, Some((start, "a bracket or parenthesis is not closed".into())));
    }
    if !text[start..].trim().is_empty() {
        out.push((start, &text[start..]));
    }
    (out, None)
}

/// Index of the closing quote of the string starting at `b[i] == '"'` (`\"` is an escaped quote).
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    while j < b.len() {
        match b[j] {
            b'\\' if b.get(j + 1) == Some(&b'"') => j += 2,
            b'"' => return Some(j),
            _ => j += 1,
        }
    }
    None
}

/// The content of the string literal at the start of `s` (after whitespace), and the rest.
fn literal(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start();
    if !s.starts_with('"') {
        return None;
    }
    let e = string_end(s.as_bytes(), 0)?;
    Some((s[1..e].replace("\\\"", "\""), &s[e + 1..]))
}

/// The text after `key op` (case-insensitive key on a word boundary, outside string literals;
/// op `=` does not match `==`).
fn after_key<'s>(s: &'s str, key: &str, op: &str) -> Option<&'s str> {
    let b = s.as_bytes();
    let k = key.len();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            i = string_end(b, i)? + 1;
            continue;
        }
        let boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] == b'.');
        if boundary
            && s.is_char_boundary(i)
            && s.get(i..i + k).is_some_and(|w| w.eq_ignore_ascii_case(key))
            && let Some(rest) = s[i + k..].trim_start().strip_prefix(op)
            && !(op == "=" && rest.starts_with('='))
        {
            return Some(rest.trim_start());
        }
        i += 1;
    }
    None
}

/// Value of `key = "..."` / `key == "..."`.
fn keyed_literal(s: &str, key: &str, op: &str) -> Option<String> {
    literal(after_key(s, key, op)?).map(|(v, _)| v)
}

/// The identifier at the start of `s` (`c` in `c.Value`).
fn ident(s: &str) -> Option<String> {
    let v: String = s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
    (!v.is_empty()).then_some(v)
}

/// One condition `var:[Type == "X", Value == "V", ...]`.
#[derive(Debug, Default)]
struct Cond {
    var: Option<String>,
    claim_type: Option<String>,
    value: Option<String>,
    empty: bool,
}

/// The conditions of a rule's left side.
fn conditions(lhs: &str) -> Vec<Cond> {
    let b = lhs.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => i = string_end(b, i).unwrap_or(b.len()) + 1,
            b'[' => {
                // Matching `]` outside strings.
                let mut j = i + 1;
                while j < b.len() && b[j] != b']' {
                    if b[j] == b'"' {
                        j = string_end(b, j).unwrap_or(b.len());
                    }
                    j += 1;
                }
                let inner = &lhs[i + 1..j.min(lhs.len())];
                // Variable name: identifier before `:` immediately preceding `[`.
                let before = lhs[..i].trim_end();
                let var = before.strip_suffix(':').map(|v| {
                    let v = v.trim_end();
                    v[word_start(v, |c| c.is_ascii_alphanumeric() || c == '_')..].to_string()
                });
                out.push(Cond {
                    var: var.filter(|v| !v.is_empty()),
                    claim_type: keyed_literal(inner, "Type", "==").map(|s| s.to_ascii_lowercase()),
                    value: keyed_literal(inner, "Value", "=="),
                    empty: inner.trim().is_empty(),
                });
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Parses a rules text. Returns what the rules let through and one error per unparsable rule.
pub fn parse_rules(text: &str) -> (AdfsClaimRules, Vec<RuleError>) {
    let mut rules = AdfsClaimRules { raw: text.to_string(), ..Default::default() };
    let mut errors = Vec::new();
    let line_at = |off: usize| 1 + super::text::count_newlines(&text.as_bytes()[..off.min(text.len())]);
    let (parts, split_err) = split_rules(text);
    let mut n = 0;
    for (start, part) in parts {
        // The part starts after the previous `;`: its first non-blank character starts the rule.
        let lead = part.len() - part.trim_start().len();
        let line = line_at(start + lead);
        n += 1;
        match parse_rule(part) {
            Ok(r) => {
                rules.names.push(r.name.unwrap_or_else(|| format!("rule {n}")));
                rules.passes_all |= r.passes_all;
                rules.passes.extend(r.passes);
                rules.issues.extend(r.issues);
                rules.known_values.extend(r.known_values);
                for mut l in r.lookups {
                    l.rule = rules.names.last().cloned().unwrap_or_default();
                    rules.lookups.push(l);
                }
            }
            Err(reason) => {
                rules.names.push(format!("rule {n}"));
                rules.unparsed += 1;
                errors.push(RuleError { rule: n, line, reason });
            }
        }
    }
    if let Some((start, reason)) = split_err {
        rules.unparsed += 1;
        errors.push(RuleError { rule: n + 1, line: line_at(start), reason });
    }
    for v in [&mut rules.passes, &mut rules.issues] {
        v.sort();
        v.dedup();
    }
    (rules, errors)
}

#[derive(Debug, Default)]
struct Parsed {
    name: Option<String>,
    passes_all: bool,
    passes: Vec<String>,
    issues: Vec<String>,
    lookups: Vec<AdfsLookup>,
    known_values: Vec<(String, String)>,
}

/// Parses one rule (without its final `;`).
fn parse_rule(rule: &str) -> Result<Parsed, String> {
    let mut p = Parsed::default();
    let mut s = rule.trim();
    // Annotations: `@RuleTemplate = "..."`, `@RuleName = "..."`.
    while let Some(rest) = s.strip_prefix('@') {
        let eq = rest.find('=').ok_or("an `@` annotation has no `=`")?;
        let key = rest[..eq].trim();
        let (v, after) = literal(&rest[eq + 1..]).ok_or("an `@` annotation has no quoted value")?;
        if key.eq_ignore_ascii_case("RuleName") {
            p.name = Some(v);
        }
        s = after.trim_start();
    }
    // `=>` outside strings.
    let b = s.as_bytes();
    let mut arrow = None;
    let mut i = 0;
    while i + 1 < b.len() {
        if b[i] == b'"' {
            i = string_end(b, i).ok_or("a string is not closed")? + 1;
            continue;
        }
        if b[i] == b'=' && b[i + 1] == b'>' {
            arrow = Some(i);
            break;
        }
        i += 1;
    }
    let Some(arrow) = arrow else {
        return Err(format!("no `=>` between conditions and issuance statement (rule starts {:?})", head(s)));
    };
    let (lhs, rhs) = (&s[..arrow], s[arrow + 2..].trim());
    let conds = conditions(lhs);
    let lower = rhs.to_ascii_lowercase();
    let kind = if lower.starts_with("issue") {
        "issue"
    } else if lower.starts_with("add") {
        "add"
    } else {
        return Err(format!("the statement after `=>` is not issue(...) or add(...) ({:?})", head(rhs)));
    };
    let args = rhs[kind.len()..].trim_start();
    let args = args
        .strip_prefix('(')
        .and_then(|a| a.strip_suffix(')'))
        .ok_or_else(|| format!("{kind} is not followed by (...)"))?;
    let cond_of = |var: &str| conds.iter().find(|c| c.var.as_deref() == Some(var));
    for c in &conds {
        if let (Some(t), Some(v)) = (&c.claim_type, &c.value) {
            p.known_values.push((t.clone(), v.clone()));
        }
    }
    let issuing = kind == "issue";
    // `claim = c` (pass-through of condition c) or `Type = c.Type` (a copy of c's type).
    let claim_var = after_key(args, "claim", "=")
        .and_then(ident)
        .or_else(|| after_key(args, "Type", "=").filter(|r| !r.starts_with('"')).and_then(ident));
    if let Some(var) = claim_var {
        match cond_of(&var) {
            Some(c) if c.empty => p.passes_all |= issuing,
            Some(c) => {
                if issuing && let Some(t) = &c.claim_type {
                    p.passes.push(t.clone());
                }
            }
            None => return Err(format!("`{var}` names no condition variable")),
        }
        return Ok(p);
    }
    if let Some(t) = keyed_literal(args, "Type", "=") {
        if issuing {
            p.issues.push(t.to_ascii_lowercase());
        }
        return Ok(p);
    }
    if let Some(store) = keyed_literal(args, "store", "=") {
        // `types = ("X", "Y")`
        if issuing && let Some(mut rest) = after_key(args, "types", "=").and_then(|r| r.strip_prefix('(')) {
            while let Some((v, after)) = literal(rest) {
                p.issues.push(v.to_ascii_lowercase());
                rest = after.trim_start().strip_prefix(',').unwrap_or(after);
            }
        }
        let query = keyed_literal(args, "query", "=").unwrap_or_default();
        let filter = query.split(';').next().unwrap_or("");
        let attribute = filter_attribute(filter);
        // `param = c.Value`: the claim whose value fills `{0}`.
        let claim_type =
            after_key(args, "param", "=").and_then(ident).and_then(|v| cond_of(&v)).and_then(|c| c.claim_type.clone());
        p.lookups.push(AdfsLookup { rule: String::new(), store, claim_type, attribute, query });
        return Ok(p);
    }
    Err(format!("{kind}(...) has no `claim =`, `Type =` or `store =` argument"))
}

/// The attribute compared with `{0}` in an LDAP filter (`(&(objectClass=user)(comment={0}))` → `comment`).
fn filter_attribute(filter: &str) -> Option<String> {
    let p = filter.find("={0}")?;
    let before = &filter[..p];
    let a = &before[word_start(before, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_')..];
    (!a.is_empty()).then(|| a.to_string())
}

/// Byte offset where the trailing run of `word` characters of `s` starts (a character boundary).
fn word_start(s: &str, word: impl Fn(char) -> bool) -> usize {
    s.char_indices().rev().find(|(_, c)| !word(*c)).map(|(i, c)| i + c.len_utf8()).unwrap_or(0)
}

fn head(s: &str) -> String {
    let t: String = s.trim().chars().take(40).collect();
    if s.trim().chars().count() > 40 { format!("{t}…") } else { t }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    const AUTH_METHOD: &str = "http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod";

    fn read_text(text: &str) -> Extract {
        read(&Input::new(FileId(0), text)).expect("readable")
    }

    #[test]
    fn rules_pass_issue_lookup_and_known_values() {
        let text = "@RuleTemplate = \"PassThroughClaims\"\r\n@RuleName = \"Pass email\"\r\nc:[Type == \"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress\"]\r\n => issue(claim = c);\r\n\r\n@RuleName = \"Method\"\r\n => issue(Type = \"http://schemas.microsoft.com/ws/2008/06/identity/claims/authenticationmethod\", Value = \"urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport\");\r\n\r\n@RuleName = \"Link\"\r\nc:[Type == \"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress\", Value == \"ann@tailspintoys.com\"]\r\n => issue(store = \"Active Directory\", types = (\"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn\", \"http://schemas.microsoft.com/LiveID/Federation/2008/05/ImmutableID\"), query = \"(&(objectClass=user)(comment={0}));userPrincipalName,objectGUID;FABRIKAM\\svc-adfs\", param = c.Value);\r\n";
        let (r, errors) = parse_rules(text);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(r.names, ["Pass email", "Method", "Link"]);
        assert_eq!(r.passes, ["http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"]);
        assert!(r.provides(AUTH_METHOD));
        assert!(!r.provides("http://schemas.microsoft.com/2008/06/identity/claims/authenticationinstant"));
        assert!(r.issues.contains(&"http://schemas.microsoft.com/liveid/federation/2008/05/immutableid".to_string()));
        assert_eq!(r.lookups.len(), 1);
        let l = &r.lookups[0];
        assert_eq!(
            (l.rule.as_str(), l.store.as_str(), l.attribute.as_deref()),
            ("Link", "Active Directory", Some("comment"))
        );
        assert_eq!(l.claim_type.as_deref(), Some("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"));
        assert_eq!(r.known_values.len(), 1);
        assert_eq!(r.known_values[0].1, "ann@tailspintoys.com");
        assert!(!r.passes_all);
    }

    #[test]
    fn pass_all_add_and_errors() {
        let (r, e) = parse_rules("c:[] => issue(claim = c);");
        assert!(r.passes_all && e.is_empty());
        // `add` puts a claim in the pipeline but does not issue it.
        let (r, e) = parse_rules(&format!("c:[Type == \"{AUTH_METHOD}\"] => add(claim = c);"));
        assert!(!r.provides(AUTH_METHOD) && e.is_empty());
        // A broken rule is reported with its index and line; the next one is still read.
        let (r, e) = parse_rules(&format!(
            "@RuleName = \"ok\"\nc:[] => issue(claim = c);\n\n@RuleName = \"broken\"\nc:[Type == \"x\"] issue(claim = c);\nc:[Type == \"{AUTH_METHOD}\"] => issue(claim = c);"
        ));
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].rule, e[0].line), (2, 4));
        assert!(e[0].reason.contains("=>"), "{}", e[0].reason);
        assert_eq!(r.unparsed, 1);
        assert!(r.passes.contains(&AUTH_METHOD.to_string()));
        // Unclosed string / bracket, junk: errors, never a panic.
        for junk in [
            "c:[Type == \"x] => issue(claim = c);",
            "c:[Type == \"x\" => issue(claim = c);",
            "=>",
            "@",
            "@RuleName",
            "c:[] => issue",
            "c:[] => issue(claim = d);",
            "ü => ü(",
            "\"\\",
            "é:[] => issue(claim = é);",
            "c:[Type == \"x\"] => issue(store = \"AD\", query = \"(ä={0})\", param = c.Value)x",
        ] {
            let (r, e) = parse_rules(junk);
            assert!(!e.is_empty() && r.unparsed > 0, "{junk:?}");
        }
        // Non-ASCII before an LDAP attribute: no panic, the ASCII attribute is taken whole.
        let (r, e) =
            parse_rules("c:[Type == \"x\"] => issue(store = \"AD\", query = \"(äcomment={0});a;b\", param = c.Value);");
        assert!(e.is_empty(), "{e:?}");
        assert_eq!(r.lookups[0].attribute.as_deref(), Some("comment"));
        let (r, e) = parse_rules("  \r\n ");
        assert!(e.is_empty() && r.names.is_empty());
    }

    #[test]
    fn random_rule_texts_never_panic() {
        let alphabet: Vec<char> = "c:[]()=>\"\\;,@ TypeValuéü{0}issueaddclaimstorequeryparam\n".chars().collect();
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3000 {
            let len = (x % 60) as usize;
            let t: String = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    alphabet[(x % alphabet.len() as u64) as usize]
                })
                .collect();
            let (r, e) = parse_rules(&t);
            assert!(r.unparsed == e.len(), "{t:?}");
        }
    }

    fn cp_fixture() -> String {
        std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/adfs/claims-provider-trusts.json"),
        )
        .unwrap()
    }

    #[test]
    fn reads_claims_provider_trusts_from_ps51_json() {
        let text = cp_fixture();
        assert_eq!(sniff(&text), Sniff::Yes);
        let ex = read_text(&text);
        assert_eq!(ex.kind, "adfs-json:claims-provider-trusts");
        assert_eq!(ex.records, 3);
        let cps = &ex.adfs_claims_providers;
        assert_eq!(cps[0].name, "Active Directory");
        assert!(cps[0].is_active_directory());
        assert_eq!(cps[1].name, "Tailspin Toys");
        assert_eq!(cps[1].identifiers, ["http://sts.tailspintoys.com/adfs/services/trust"]);
        assert_eq!(cps[1].enabled, Some(true));
        assert_eq!(
            cps[1].metadata_url.as_deref(),
            Some("https://sts.tailspintoys.com/FederationMetadata/2007-06/FederationMetadata.xml")
        );
        assert_eq!(cps[1].endpoints, ["https://sts.tailspintoys.com/adfs/ls/"]);
        assert_eq!(cps[1].source.line, 34);
        assert_eq!(cps[1].rules_line, 35);
        assert!(!cps[1].acceptance_rules.provides(AUTH_METHOD));
        assert_eq!(cps[1].acceptance_rules.lookups[0].attribute.as_deref(), Some("comment"));
        // Identifier as a single string; disabled.
        assert_eq!(cps[2].identifiers, ["https://accounts.google.com"]);
        assert_eq!(cps[2].enabled, Some(false));
        assert_eq!(cps[2].endpoints, ["https://accounts.google.com/o/saml2/idp"]);
        // The third trust has a broken rule: IN008 at its rules line.
        assert_eq!(ex.issues.len(), 1, "{:?}", ex.issues);
        assert_eq!((ex.issues[0].code, ex.issues[0].at.line), (codes::INVALID_VALUE, 117));
        assert!(ex.issues[0].message.contains("rule 2 (line 3 of the rules text)"), "{}", ex.issues[0].message);
    }

    #[test]
    fn reads_relying_party_trust_single_object() {
        let text = r#"{
    "ClaimsProviderName":  [
                               "Active Directory",
                               "Tailspin Toys"
                           ],
    "Enabled":  true,
    "Identifier":  [
                       "https://login.microsoftonline.com/extSTS.srf",
                       "urn:federation:MicrosoftOnline"
                   ],
    "IssuanceAuthorizationRules":  "=> issue(Type = \"http://schemas.microsoft.com/authorization/claims/permit\", Value = \"true\");",
    "IssuanceTransformRules":  "c:[Type == \"http://schemas.microsoft.com/ws/2008/06/identity/claims/windowsaccountname\"] => issue(store = \"Active Directory\", types = (\"http://schemas.xmlsoap.org/claims/UPN\"), query = \"samAccountName={0};userPrincipalName;{1}\", param = regexreplace(c.Value, \"(?<domain>[^\\\\]+)\\\\(?<user>.+)\", \"${user}\"), param = c.Value);",
    "LastUpdateTime":  "\/Date(1731916800000)\/",
    "Name":  "Microsoft Office 365 Identity Platform",
    "WSFedEndpoint":  {
                          "AbsoluteUri":  "https://login.microsoftonline.com/login.srf"
                      }
}"#;
        assert_eq!(sniff(text), Sniff::Yes);
        let ex = read_text(text);
        assert_eq!(ex.kind, "adfs-json:relying-party-trusts");
        assert!(ex.issues.is_empty(), "{:?}", ex.issues);
        let rp = &ex.adfs_relying_parties[0];
        assert_eq!(rp.source.line, 1);
        assert_eq!(rp.claims_provider_names, ["Active Directory", "Tailspin Toys"]);
        assert_eq!(rp.identifiers[1], "urn:federation:MicrosoftOnline");
        assert!(rp.issuance_rules.issues.contains(&"http://schemas.xmlsoap.org/claims/upn".to_string()));
        assert_eq!(rp.issuance_rules.lookups[0].attribute.as_deref(), Some("samAccountName"));
        assert!(
            rp.authorization_rules
                .issues
                .contains(&"http://schemas.microsoft.com/authorization/claims/permit".to_string())
        );
    }

    #[test]
    fn utf16_bom_sample_files_are_detected_and_read() {
        use crate::ingest::{Options, Status, read_one};
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/contoso-merger/adfs");
        let (rep, ex) = read_one(FileId(0), &dir.join("claims-provider-trusts.json"), &Options::default());
        assert_eq!(rep.status, Status::Read);
        assert_eq!(rep.encoding, "utf-16le-bom");
        assert_eq!(rep.kind, "adfs-json:claims-provider-trusts");
        assert!(ex.adfs_claims_providers.len() >= 4);
        let (rep, ex) = read_one(FileId(1), &dir.join("relying-party-trusts.json"), &Options::default());
        assert_eq!(rep.kind, "adfs-json:relying-party-trusts");
        assert!(!ex.adfs_relying_parties.is_empty());
    }

    #[test]
    fn sniff_decisions_and_bad_files() {
        assert_eq!(sniff(r#"{"Name":"x","Identifier":["a"]}"#), Sniff::No);
        assert_eq!(sniff(r#"[{"AcceptanceTransformRules":"","Identifier":"AD AUTHORITY"}]"#), Sniff::Yes);
        assert_eq!(sniff(r#"{"ClaimsProviderName":[],"Name":"rp"}"#), Sniff::Yes);
        assert_eq!(sniff("Name,Identifier\nx,y"), Sniff::No);
        // Valid JSON, wrong shape: errors, never a panic.
        let e = read(&Input::new(FileId(0), "\"text\"")).unwrap_err();
        assert_eq!(e.line, 1);
        let e = read(&Input::new(FileId(0), "[{\"a\":1}]")).unwrap_err();
        assert!(e.reason.contains("Get-AdfsClaimsProviderTrust"), "{}", e.reason);
        let ex = read_text("[]");
        assert_eq!(ex.issues[0].code, codes::EMPTY_EXPORT);
        // A non-object element is IN002, the rest is read.
        let ex = read_text(
            r#"[{"AcceptanceTransformRules":null,"Identifier":"AD AUTHORITY","Name":"Active Directory"}, 5]"#,
        );
        assert_eq!(ex.adfs_claims_providers.len(), 1);
        assert_eq!(ex.issues[0].code, codes::UNREADABLE_RECORD);
        let e = read(&Input::new(FileId(0), "[{\"AcceptanceTransformRules\": \"x\",\n")).unwrap_err();
        assert!(e.reason.contains("truncated"), "{}", e.reason);
    }
}
