//! Recognised files that tenantlint does not read: named in the report with the reason and what to
//! export instead, rather than a generic "not a recognized export".

use super::{Extract, Format, Input, ReadError, Sniff};

/// Registration in [`super::FORMATS`] (last: it only ever says `Unsupported` or `No`).
pub const FORMAT: Format = Format {
    name: "unsupported",
    summary: "recognised but not read: PingCastle healthcheck XML (listed as skipped with the reason)",
    sniff,
    read,
};

/// Recognises known foreign report formats.
pub fn sniff(text: &str) -> Sniff {
    let head = super::head(text, 4096);
    let start = head.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let body =
        start.strip_prefix("<?xml").map(|r| r.split_once("?>").map_or(r, |(_, b)| b).trim_start()).unwrap_or(start);
    if body.starts_with("<HealthcheckData") {
        return Sniff::Unsupported(
            "PingCastle healthcheck report (aggregate counters per domain, no per-object data; not read by tenantlint — export the directory with Get-ADUser, csvde or ldifde)"
                .into(),
        );
    }
    Sniff::No
}

/// Never called: the sniffer never says yes.
pub fn read(_input: &Input<'_>) -> Result<Extract, ReadError> {
    Err(ReadError::new(0, "this file kind is recognised but not read by tenantlint"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pingcastle_is_named_not_read() {
        assert!(
            matches!(sniff("<?xml version=\"1.0\"?>\n<HealthcheckData xmlns:xsi=\"x\">"), Sniff::Unsupported(r) if r.contains("PingCastle"))
        );
        assert!(matches!(sniff("<HealthcheckData>"), Sniff::Unsupported(_)));
        assert_eq!(sniff("<root/>"), Sniff::No);
        assert_eq!(sniff("dn: CN=x"), Sniff::No);
    }
}
