//! Family `input` (IN…): problems with the exports themselves, turned into findings so that a
//! weakened or partial analysis is visible in every report and can fail a CI gate.

use super::catalog;
use crate::findings::{Finding, Subject};
use crate::ingest::{InputReport, Issue, Status, codes};
use crate::source::{SourceMap, SourceRef};
use std::collections::BTreeMap;

/// The family entry point.
pub fn run(ctx: &super::Context<'_>) -> Vec<Finding> {
    findings(&ctx.ingested.inputs, &ctx.ingested.issues, &ctx.ingested.sources)
}

/// Turns reader and attribution issues, and failed files (with `--keep-going`), into findings.
pub fn findings(inputs: &[InputReport], group_issues: &[Issue], sources: &SourceMap) -> Vec<Finding> {
    let mut out = Vec::new();
    for rep in inputs {
        for issue in &rep.issues {
            out.push(from_issue(issue, sources));
        }
        if let Status::Failed(e) = &rep.status {
            let issue = Issue {
                at: SourceRef::new(rep.file, e.line),
                code: codes::UNREADABLE_FILE,
                message: format!("{}: {}", sources.locate(SourceRef::new(rep.file, e.line)), e.reason),
            };
            out.push(from_issue(&issue, sources));
        }
    }
    for issue in group_issues {
        out.push(from_issue(issue, sources));
    }
    out
}

fn from_issue(issue: &Issue, sources: &SourceMap) -> Finding {
    let meta = catalog::get(issue.code);
    let (category, severity, remediation) = match meta {
        Some(m) => (m.category(), m.severity(), m.remediation.trim().to_string()),
        None => (crate::findings::Category::Input, crate::findings::Severity::Medium, String::new()),
    };
    let path = sources.display(issue.at.file).to_string();
    let stable = sources.stable(issue.at.file).to_string();
    let mut evidence = BTreeMap::new();
    evidence.insert("message".to_string(), serde_json::Value::String(issue.message.clone()));
    Finding {
        rule: issue.code.to_string(),
        category,
        severity,
        title: issue.message.clone(),
        subjects: vec![Subject { kind: "file".into(), id: stable, display: path, source: Some(issue.at) }],
        evidence,
        remediation,
        // Stable across re-exports: the message without digits (counts and lines change).
        discriminator: issue.message.chars().filter(|c| !c.is_ascii_digit()).collect(),
    }
}
