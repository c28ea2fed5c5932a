//! `fix.ps1` and `undo.ps1` (`--format ps1-fix`): the proposed values of the run's findings as a
//! PowerShell script for the ActiveDirectory module, and the script that restores the exported values.
//!
//! One `Set-ADUser` / `Set-ADGroup` / `Set-ADObject` call per object (by class), with `-Identity`
//! the objectGUID (the DN when no objectGUID was exported) and `-Server` the object's domain (from its
//! DN), so objects of several domains and forests can be in one script. Single-valued attributes are
//! set with `-Replace` or removed with `-Clear`; proxyAddresses are changed value by value with
//! `-Remove` and `-Add` (the cmdlets apply Remove before Add, so a change of case works).
//!
//! The scripts only show what they would do (`-WhatIf`) unless run with `-Apply`. Each call is in
//! its own `try`: a failing object is reported and the others go on; the exit code is 1 when one failed.
//!
//! Quoting: every value is a single-quoted (verbatim) PowerShell string, in which nothing is
//! interpolated; the quote characters PowerShell accepts as single quotes (`'` and the typographic
//! U+2018, U+2019, U+201A, U+201B) are doubled. Control characters are never written raw: they are
//! joined in as `[char]0x...`. Comments are `#` lines with control characters escaped, so no value can
//! end a comment. The files are UTF-8 with a byte-order mark (Windows PowerShell 5.1 reads a file
//! without one as ANSI and would garble non-ASCII values).

use super::fix::{Change, ObjectPlan, Plan};
use crate::model::AdClass;

/// Characters PowerShell treats as a single quote inside and around verbatim strings.
const SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

fn must_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// A PowerShell expression for the string `s`: `'...'` with single quotes doubled, or, when `s`
/// holds control characters, a parenthesised concatenation with `[char]0x...` for each of them.
pub fn quote(s: &str) -> String {
    let verbatim = |part: &str| {
        let mut q = String::with_capacity(part.len() + 2);
        q.push('\'');
        for c in part.chars() {
            if SINGLE_QUOTES.contains(&c) {
                q.push(c);
            }
            q.push(c);
        }
        q.push('\'');
        q
    };
    if !s.chars().any(must_escape) {
        return verbatim(s);
    }
    let mut parts = Vec::new();
    let mut run = String::new();
    for c in s.chars() {
        if must_escape(c) {
            if !run.is_empty() {
                parts.push(verbatim(&std::mem::take(&mut run)));
            }
            parts.push(format!("[string][char]0x{:04X}", c as u32));
        } else {
            run.push(c);
        }
    }
    if !run.is_empty() {
        parts.push(verbatim(&run));
    }
    format!("({})", parts.join(" + "))
}

/// A `#` comment line (or several) with control characters escaped.
fn comment(out: &mut String, text: &str) {
    let clean: String =
        text.chars().map(|c| if must_escape(c) { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() }).collect();
    out.push_str("# ");
    out.push_str(&clean);
    out.push('\n');
}

fn cmdlet(class: &AdClass) -> &'static str {
    match class {
        AdClass::User | AdClass::InetOrgPerson => "Set-ADUser",
        AdClass::Group => "Set-ADGroup",
        _ => "Set-ADObject",
    }
}

/// The parameters of one Set-AD* call.
#[derive(Default)]
struct Call {
    replace: Vec<(&'static str, String)>,
    remove: Vec<(&'static str, Vec<String>)>,
    add: Vec<(&'static str, Vec<String>)>,
    clear: Vec<&'static str>,
}

impl Call {
    fn fix(changes: &[Change]) -> Self {
        let mut c = Call::default();
        for ch in changes {
            match ch {
                Change::Single { attr, new: Some(n), .. } => c.replace.push((attr, n.clone())),
                Change::Single { attr, new: None, .. } => c.clear.push(attr),
                Change::Values { attr, remove, add, .. } => {
                    if !remove.is_empty() {
                        c.remove.push((attr, remove.clone()));
                    }
                    if !add.is_empty() {
                        c.add.push((attr, add.clone()));
                    }
                }
            }
        }
        c
    }

    fn undo(changes: &[Change]) -> Self {
        let mut c = Call::default();
        for ch in changes {
            match ch {
                Change::Single { attr, old: Some(o), .. } => c.replace.push((attr, o.clone())),
                Change::Single { attr, old: None, .. } => c.clear.push(attr),
                Change::Values { attr, remove, add, .. } => {
                    if !add.is_empty() {
                        c.remove.push((attr, add.clone()));
                    }
                    if !remove.is_empty() {
                        c.add.push((attr, remove.clone()));
                    }
                }
            }
        }
        c
    }

    fn render(&self, o: &ObjectPlan) -> String {
        let identity = o.guid.as_deref().unwrap_or(&o.dn);
        let mut s = format!("{} -Identity {}", cmdlet(&o.class), quote(identity));
        if let Some(d) = &o.domain {
            s.push_str(&format!(" -Server {}", quote(d)));
        }
        let list = |v: &[String]| format!("@({})", v.iter().map(|x| quote(x)).collect::<Vec<_>>().join(", "));
        let table = |pairs: Vec<String>| format!("@{{ {} }}", pairs.join("; "));
        if !self.remove.is_empty() {
            let p = self.remove.iter().map(|(a, v)| format!("{} = {}", quote(a), list(v))).collect();
            s.push_str(&format!(" -Remove {}", table(p)));
        }
        if !self.add.is_empty() {
            let p = self.add.iter().map(|(a, v)| format!("{} = {}", quote(a), list(v))).collect();
            s.push_str(&format!(" -Add {}", table(p)));
        }
        if !self.replace.is_empty() {
            let p = self.replace.iter().map(|(a, v)| format!("{} = {}", quote(a), quote(v))).collect();
            s.push_str(&format!(" -Replace {}", table(p)));
        }
        if !self.clear.is_empty() {
            s.push_str(&format!(" -Clear {}", self.clear.iter().map(|a| quote(a)).collect::<Vec<_>>().join(", ")));
        }
        s.push_str(" -WhatIf:$WhatIf -Confirm:$false -ErrorAction Stop");
        s
    }
}

const PROLOGUE: &str = "\
#Requires -Version 5.1
#Requires -Modules ActiveDirectory
[CmdletBinding()]
param(
    # Make the changes. Without -Apply every change is only shown (-WhatIf) and nothing is written.
    [switch]$Apply
)
Set-StrictMode -Version 3.0
$WhatIf = -not $Apply
$done = 0
$failed = 0
";

const EPILOGUE: &str = "
if ($WhatIf) {
    Write-Output ('WhatIf: nothing was changed ({0} object(s) would be). Run again with -Apply to make the changes.' -f $done)
} else {
    Write-Output ('{0} object(s) changed, {1} failed.' -f $done, $failed)
}
if ($failed -gt 0) { exit 1 }
";

fn render(plan: &Plan, generated_at: &str, undo: bool) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let (name, what) = if undo {
        (
            "undo.ps1",
            "restores the values that fix.ps1 changes, as they were in the exports. Run it only after fix.ps1.",
        )
    } else {
        ("fix.ps1", "applies the values proposed by tenantlint's character and duplicate findings to Active Directory.")
    };
    comment(&mut out, &format!("{name} - written by tenantlint: {what}"));
    comment(&mut out, "Needs the ActiveDirectory module (RSAT) and the right to write these attributes.");
    comment(
        &mut out,
        &format!("Without -Apply it only shows what it would do (-WhatIf): .\\{name}   then   .\\{name} -Apply"),
    );
    if !undo {
        comment(&mut out, "Review every change first; undo.ps1 puts the exported values back.");
        comment(
            &mut out,
            "The exports are a snapshot: -Replace overwrites whatever an attribute holds now; re-export and re-scan shortly before applying.",
        );
    }
    comment(
        &mut out,
        &format!(
            "Run {}: {} object(s), {} change(s) from {} finding(s); {} excepted and {} informational finding(s) not applied.",
            generated_at,
            plan.changed().count(),
            plan.change_count(),
            plan.findings_considered,
            plan.excepted,
            plan.informational
        ),
    );
    for l in super::ldif_fix::opt_in_lines(plan) {
        comment(&mut out, &l);
    }
    if !undo && (!plan.notes.is_empty() || plan.objects.iter().any(|o| !o.notes.is_empty())) {
        comment(&mut out, "Not applied (fix by hand):");
        for n in &plan.notes {
            comment(&mut out, &format!("  {n}"));
        }
        for o in plan.objects.iter().filter(|o| !o.notes.is_empty()) {
            for n in &o.notes {
                comment(&mut out, &format!("  {} ({}): {n}", o.dn, o.label));
            }
        }
    }
    if !undo {
        for l in super::ldif_fix::adjusted_lines(plan) {
            comment(&mut out, &l);
        }
    }
    out.push_str(PROLOGUE);
    let mut objects: Vec<&ObjectPlan> = plan.changed().collect();
    if undo {
        objects.reverse();
    }
    for o in objects {
        out.push('\n');
        comment(
            &mut out,
            &format!("{} - {} - objectGUID {}", o.label, o.dn, o.guid.as_deref().unwrap_or("(not exported)")),
        );
        for c in &o.changes {
            comment(&mut out, &format!("  {}{}", if undo { "undoes " } else { "" }, c.describe()));
        }
        let call = if undo { Call::undo(&o.changes) } else { Call::fix(&o.changes) };
        out.push_str("try {\n    ");
        out.push_str(&call.render(o));
        out.push_str("\n    $done++\n} catch {\n    $failed++\n    Write-Warning (");
        out.push_str(&quote(&o.dn));
        out.push_str(" + ': ' + $_.Exception.Message)\n}\n");
    }
    out.push_str(EPILOGUE);
    out.into_bytes()
}

/// Renders `fix.ps1`.
pub fn render_fix(plan: &Plan, generated_at: &str) -> Vec<u8> {
    render(plan, generated_at, false)
}

/// Renders `undo.ps1`.
pub fn render_undo(plan: &Plan, generated_at: &str) -> Vec<u8> {
    render(plan, generated_at, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_quote(c: char) -> bool {
        SINGLE_QUOTES.contains(&c)
    }

    /// PowerShell's verbatim-string scanner: from an opening single quote, up to the closing one; a
    /// quote followed by another quote stands for the second one. Returns the value and the rest.
    fn scan_verbatim(s: &str) -> (String, &str) {
        let mut it = s.char_indices().peekable();
        let (_, open) = it.next().expect("a string");
        assert!(is_quote(open), "not a verbatim string: {s:?}");
        let mut v = String::new();
        while let Some((i, c)) = it.next() {
            if is_quote(c) {
                match it.peek() {
                    Some(&(_, n)) if is_quote(n) => {
                        it.next();
                        v.push(n);
                        continue;
                    }
                    _ => return (v, &s[i + c.len_utf8()..]),
                }
            }
            v.push(c);
        }
        panic!("unterminated string in {s:?}");
    }

    /// Evaluates what [`quote`] writes: `'..'` or `('..' + [string][char]0x.. + ..)`.
    fn eval(expr: &str) -> String {
        if let Some(inner) = expr.strip_prefix('(') {
            let mut rest = inner;
            let mut out = String::new();
            loop {
                if let Some(r) = rest.strip_prefix("[string][char]0x") {
                    out.push(char::from_u32(u32::from_str_radix(&r[..4], 16).unwrap()).unwrap());
                    rest = &r[4..];
                } else {
                    let (v, r) = scan_verbatim(rest);
                    out.push_str(&v);
                    rest = r;
                }
                if rest == ")" {
                    return out;
                }
                rest = rest.strip_prefix(" + ").unwrap_or_else(|| panic!("unexpected {rest:?}"));
            }
        }
        let (v, rest) = scan_verbatim(expr);
        assert_eq!(rest, "", "text after the string: {expr:?}");
        v
    }

    const HOSTILE: &[&str] = &[
        "O'Brien",
        "$(calc)",
        "`whoami`",
        "\"; rm -rf /",
        "'; Remove-ADUser -Identity x; '",
        "it\u{2019}s \u{2018}quoted\u{201B} \u{201A}",
        "''",
        "line\nbreak\r\n$(x)",
        "\u{2028}sep",
        "José Núñez",
        "",
        "@{a=1}",
    ];

    #[test]
    fn quoting_is_safe_for_hostile_values() {
        for v in HOSTILE {
            let q = quote(v);
            assert_eq!(eval(&q), *v, "{q}");
            assert!(!q.chars().any(must_escape), "raw control character in {q:?}");
        }
        assert_eq!(quote("O'Brien"), "'O''Brien'");
        assert_eq!(quote("$(calc)"), "'$(calc)'");
        assert_eq!(quote("a\nb"), "('a' + [string][char]0x000A + 'b')");
    }

    /// The script's code outside strings and comments.
    fn code_of(script: &str) -> String {
        let mut code = String::new();
        let mut rest = script.trim_start_matches('\u{feff}');
        while let Some(c) = rest.chars().next() {
            if is_quote(c) {
                rest = scan_verbatim(rest).1;
                code.push_str("''");
            } else if c == '#' {
                rest = rest.find('\n').map_or("", |i| &rest[i..]);
            } else {
                code.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        code
    }

    #[test]
    fn hostile_values_stay_inside_strings() {
        let (mut plan, _) = crate::report::ldif_fix::tests::hostile_plan();
        for (n, v) in HOSTILE.iter().enumerate() {
            plan.objects[1].changes.push(Change::Single {
                attr: ["givenName", "sn", "displayName", "mail"][n % 4],
                old: Some(v.to_string()),
                new: Some(format!("{v}!")),
                rules: vec![],
            });
        }
        plan.objects[1].label = "x\n$(calc) #> <#".into();
        plan.notes.push("note\nWrite-Host pwned".into());
        for (script, suffix) in [(render_fix(&plan, "t"), "!"), (render_undo(&plan, "t"), "")] {
            let script = String::from_utf8(script).unwrap();
            assert!(script.starts_with('\u{feff}'), "UTF-8 BOM for Windows PowerShell 5.1");
            assert!(!script.contains("\nWrite-Host pwned"), "a note escaped its comment");
            let code = code_of(&script);
            assert!(!code.contains('"') && !code.contains('`'), "expandable string or escape in code:\n{code}");
            let vars: std::collections::BTreeSet<&str> = code
                .split('$')
                .skip(1)
                .map(|s| s.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').next().unwrap_or(""))
                .collect();
            let allowed = ["Apply", "WhatIf", "done", "failed", "false", "_"];
            assert!(vars.iter().all(|v| allowed.contains(v)), "{vars:?}");
            for v in HOSTILE {
                assert!(script.contains(&quote(&format!("{v}{suffix}"))), "{v:?} missing");
            }
        }
        let fix = String::from_utf8(render_fix(&plan, "t")).unwrap();
        assert!(fix.contains("Set-ADUser -Identity '6a1f0c3e-41d2-4b8e-9a77-0c5d2e8f1a02' -Server 'corp.contoso.com'"));
        assert!(fix.contains("-Remove @{ 'proxyAddresses' = @('smtp:josé@contoso.com', 'SMTP:b@contoso.com') }"));
        assert!(fix.contains("-Add @{ 'proxyAddresses' = @('smtp:jose@contoso.com', 'smtp:b@contoso.com') }"));
        assert!(fix.contains("-Clear 'mail'"));
        assert!(fix.contains("-WhatIf:$WhatIf"));
        let undo = String::from_utf8(render_undo(&plan, "t")).unwrap();
        assert!(undo.contains("-Replace @{ 'userPrincipalName' = 'josé.núñez@contoso.com'; 'mail' = ' :<lead'"));
        assert!(undo.contains("-Clear 'sn'"));
    }
}
