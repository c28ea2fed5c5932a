//! JUnit XML (`report.junit.xml`) for CI test dashboards: one test suite, one test case per rule of
//! the catalog. A rule's case fails when it has findings that fail the gate (when no threshold is set:
//! any finding not suppressed); the failure lists them. Suppressed findings go to the case's
//! system-out. The gate verdict is in the suite's properties.

use super::RunSummary;
use crate::rules::catalog;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

/// Renders the JUnit XML.
pub fn render(s: &RunSummary<'_>) -> Vec<u8> {
    let g = s.gate;
    // Consequences folded under a cause never fail a case: their cause carries them.
    let counts_against: Vec<bool> = (0..s.findings.len())
        .map(|i| match g.fail_on {
            Some(_) => g.failing.contains(&i),
            None => s.findings[i].caused_by.is_none() && g.suppressions.get(i).is_none_or(|x| x.is_none()),
        })
        .collect();
    let mut suite = TestSuite::new("tenantlint");
    suite.add_property(Property::new("gate.fail_on", g.fail_on.map(|f| f.as_str()).unwrap_or("none")));
    suite.add_property(Property::new("gate.passed", g.passed().to_string()));
    suite.add_property(Property::new("gate.failing", g.failing.len().to_string()));
    for rule in catalog::all() {
        let mine: Vec<usize> = (0..s.findings.len()).filter(|&i| s.findings[i].rule == rule.code).collect();
        let failing: Vec<usize> = mine.iter().copied().filter(|&i| counts_against[i]).collect();
        let line = |i: usize| {
            let f = &s.findings[i];
            let at = f
                .subjects
                .iter()
                .find_map(|x| x.source)
                .map(|at| format!(" ({})", s.ingested.sources.locate(at)))
                .unwrap_or_default();
            let folded = match (&f.caused_by, f.consequences.is_empty()) {
                (Some(c), _) => format!(" (folded under {c})"),
                (None, false) => format!(
                    " (consequences: {})",
                    f.consequences
                        .iter()
                        .map(|c| format!("{} {}", c.rule, c.fingerprint))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                (None, true) => String::new(),
            };
            format!("[{}] {}{at} fingerprint {}{folded}", f.severity.as_str(), f.title, s.fingerprint(i))
        };
        let status = if failing.is_empty() {
            TestCaseStatus::success()
        } else {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
            st.set_message(format!("{} finding(s): {}", failing.len(), rule.title));
            st.set_type(rule.severity.clone());
            st.set_description(failing.iter().map(|&i| line(i)).collect::<Vec<_>>().join("\n"));
            st
        };
        let mut case = TestCase::new(format!("{} {}", rule.code, rule.name), status);
        case.set_classname(format!("tenantlint.{}", rule.category));
        let quiet: Vec<String> = mine.iter().copied().filter(|&i| !counts_against[i]).map(line).collect();
        if !quiet.is_empty() {
            case.set_system_out(format!(
                "not failing the gate (below the threshold, excepted, baselined or folded under a cause):\n{}",
                quiet.join("\n")
            ));
        }
        suite.add_test_case(case);
    }
    let mut report = Report::new("tenantlint");
    report.add_test_suite(suite);
    let mut out = report.to_string().unwrap_or_default().into_bytes();
    if !out.ends_with(b"\n") {
        out.push(b'\n');
    }
    out
}
