//! `sync-preview.csv`: the sync preview ([`crate::preview`]) as one row per AD object and target
//! tenant.

use crate::preview::Preview;

/// `sync-preview.csv`: one row per object and tenant.
pub fn render(p: &Preview) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    let _ = w.write_record([
        "forest",
        "dn",
        "object_guid",
        "tenant",
        "outcome",
        "matching",
        "cloud_object_id",
        "upn_after",
        "mail_after",
        "reason",
        "findings",
    ]);
    for r in &p.rows {
        let fields = [
            r.forest.as_str(),
            &r.dn,
            &r.object_guid,
            &r.tenant,
            r.outcome.as_str(),
            r.matching.unwrap_or(""),
            &r.cloud_object_id,
            &r.upn_after,
            &r.mail_after,
            &r.reason,
            &r.findings.join(" "),
        ];
        let _ = w.write_record(fields.iter().map(|c| super::csv::cell(c).into_owned()));
    }
    w.into_inner().unwrap_or_default()
}
