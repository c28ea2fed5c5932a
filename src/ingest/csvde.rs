//! Reader: csvde export (X'hex' binary values, ';'-separated multi-values).
//!
//! `csvde -f out.csv [-l attrs] [-u]` writes a header of LDAP attribute names starting with `DN`,
//! one object per row, multi-valued attributes joined with `;` inside one field and binary values as
//! `X'<hex>'`: objectGUID (→ [`Guid::from_ad_bytes`](crate::model::Guid::from_ad_bytes)), objectSid
//! (→ `S-1-5-...`), mS-DS-ConsistencyGuid (→ raw bytes). `csvde -u` output is UTF-16, decoded before
//! this reader runs. Rows are mapped with the same table as `ad-csv` (the LDAP names are among its
//! aliases); objectClass holds the whole class chain (`top;person;organizationalPerson;user`) and
//! its last value is the class.

use super::ad_csv::{self, AdMapper};
use super::csv_util::{self, CsvFile, SniffedHeader};
use super::{Extract, Format, Input, ReadError, Sniff, codes};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "csvde",
    summary: "csvde export (X'hex' binary values, ';'-separated multi-values)",
    sniff,
    read,
};

/// True when a sniffed header is a csvde export: no `#TYPE` line, first column `DN` (any case),
/// and an `objectClass` or `objectGUID` column (csvde writes `objectClass` unless `-l` leaves it out).
pub(super) fn claims(h: &SniffedHeader<'_>) -> bool {
    h.type_name.is_none()
        && h.header.names().first().is_some_and(|n| n.eq_ignore_ascii_case("DN"))
        && h.header.has_any(&["objectClass", "objectGUID"])
}

/// Content sniffer.
pub fn sniff(text: &str) -> Sniff {
    match csv_util::sniff_header(text) {
        Some(h) if claims(&h) => Sniff::Yes,
        _ => Sniff::No,
    }
}

/// Reader.
pub fn read(input: &Input<'_>) -> Result<Extract, ReadError> {
    let mut file = CsvFile::open(input.text)?;
    let mut ex = Extract::new("csvde");
    let (class, _) = ad_csv::default_class(None, &file.header);
    let mut mapper = AdMapper::new(&file.header, class, false);
    let header_at = input.at(file.header_line);
    let mut missing = mapper.missing_columns();
    if !file.header.has("objectClass") {
        missing.insert(0, "objectClass");
    }
    if !missing.is_empty() {
        ex.issue(
            header_at,
            codes::MISSING_FIELDS,
            format!(
                "the export lacks {}, which linking on-premises objects to cloud objects needs; export again without \
                 `-l` or with `-l \"objectClass,objectGUID,objectSid,mS-DS-ConsistencyGuid,sAMAccountName,\
                 userPrincipalName,mail,proxyAddresses,displayName,userAccountControl\"`{}",
                missing.join(", "),
                if file.header.has("objectClass") { "" } else { " (without objectClass every row is taken as a user)" }
            ),
        );
    }
    while file.next_row(&mut ex, input)? {
        let o = mapper.map_row(&file, input.at(file.line()));
        ex.ad_objects.push(o);
    }
    if file.rows() == 0 {
        ex.issue(
            header_at,
            codes::EMPTY_EXPORT,
            "the export produced no rows (header only); check csvde's -d base and -r filter and export again",
        );
    }
    mapper.finish(&file.header, &mut ex, input);
    ex.count_records();
    Ok(ex)
}
