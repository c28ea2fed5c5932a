//! Data dates: when each input was exported ([`ExportTime`]) and the resulting data date of a tenant
//! or forest ([`DataDate`]) — the clock staleness is judged at (the run's own date is the clock
//! deadlines are counted from).

use time::OffsetDateTime;

/// Where an input's export time comes from, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ExportSource {
    /// The file says so itself (the `collected:` header of `tenantlint collect ldap`, ScubaGear's
    /// `timestamp_zulu` / `date`).
    Export,
    /// `collection.json` of `tenantlint collect graph` / `collect arm` (the response `Date` of the
    /// collection's last page, else the run's finish time).
    Collection,
    /// The estate manifest's `exported = …` of the tenant or forest the file belongs to.
    Manifest,
    /// The file's modification time: nothing better was found.
    FileTime,
}

impl ExportSource {
    /// Name as written in `report.json` (`exported_at_source`).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportSource::Export => "export",
            ExportSource::Collection => "collection",
            ExportSource::Manifest => "manifest",
            ExportSource::FileTime => "file-time",
        }
    }
}

/// When one input's data was exported, and how that is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportTime {
    /// The export time (UTC).
    pub at: OffsetDateTime,
    /// Where it comes from.
    pub source: ExportSource,
    /// The field or file that says so, for people (`LDIF header "collected:"`, `estate.toml [[tenant]] "Contoso"`).
    pub detail: String,
}

impl ExportTime {
    /// A new export time, in UTC to the second (file systems give nanoseconds no export means).
    pub fn new(at: OffsetDateTime, source: ExportSource, detail: impl Into<String>) -> Self {
        let at = at.to_offset(time::UtcOffset::UTC);
        Self { at: at.replace_nanosecond(0).unwrap_or(at), source, detail: detail.into() }
    }
}

/// Inputs exported less than this apart count as one export (a collection or an export script runs for
/// minutes; file times of one copy differ by milliseconds).
pub const SPREAD: time::Duration = time::Duration::HOUR;

/// The data date of a tenant or forest: the export time of its inputs — the latest when they differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataDate {
    /// The latest export time of the inputs (what the data shows "as of"), and where it comes from.
    pub latest: ExportTime,
    /// The earliest export time, when the inputs were exported at different times: [`SPREAD`] or more
    /// before the latest (`None` otherwise: files of one export session).
    pub earliest: Option<OffsetDateTime>,
    /// Inputs that gave a date.
    pub inputs: usize,
}

impl DataDate {
    /// The data date over `times` (the latest; the earliest kept when they differ); `None` when empty.
    pub fn over<'a>(times: impl IntoIterator<Item = &'a ExportTime>) -> Option<DataDate> {
        let mut latest: Option<&ExportTime> = None;
        let mut earliest: Option<OffsetDateTime> = None;
        let mut inputs = 0;
        for t in times {
            inputs += 1;
            // Ties keep the better source (a header over a file time).
            if latest.is_none_or(|l| t.at > l.at || (t.at == l.at && t.source < l.source)) {
                latest = Some(t);
            }
            earliest = Some(earliest.map_or(t.at, |e| e.min(t.at)));
        }
        let latest = latest?.clone();
        let earliest = earliest.filter(|e| latest.at - *e >= SPREAD);
        Some(DataDate { latest, earliest, inputs })
    }

    /// One line for people: `2026-11-20 (estate.toml [[tenant]] "Contoso")`, with the earliest date
    /// when the inputs differ.
    pub fn describe(&self) -> String {
        let mut s = format!("{} ({})", self.latest.at.date(), self.latest.detail);
        if let Some(e) = self.earliest {
            s.push_str(&format!("; the latest of {} inputs, the earliest exported {}", self.inputs, e.date()));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_latest_wins_and_a_spread_is_kept() {
        let a = ExportTime::new(datetime!(2026-11-20 00:00 UTC), ExportSource::Manifest, "estate.toml");
        let b = ExportTime::new(datetime!(2026-11-18 10:00 UTC), ExportSource::FileTime, "file modification time");
        let d = DataDate::over([&b, &a]).unwrap();
        assert_eq!(d.latest, a);
        assert_eq!(d.earliest, Some(datetime!(2026-11-18 10:00 UTC)));
        assert_eq!(d.inputs, 2);
        assert!(d.describe().contains("the earliest exported 2026-11-18"), "{}", d.describe());
        let close = ExportTime::new(datetime!(2026-11-19 23:30 UTC), ExportSource::FileTime, "file modification time");
        let same = DataDate::over([&a, &close]).unwrap();
        assert_eq!((same.earliest, same.inputs), (None, 2), "half an hour apart is one export");
        assert_eq!(same.describe(), "2026-11-20 (estate.toml)");
        assert!(DataDate::over([]).is_none());
        // A time given in another offset is kept in UTC.
        let x = ExportTime::new(datetime!(2026-11-20 01:00 +02:00), ExportSource::Export, "x");
        assert_eq!(x.at, datetime!(2026-11-19 23:00 UTC));
        let y = ExportTime::new(datetime!(2026-11-20 01:00:00.123456 UTC), ExportSource::FileTime, "y");
        assert_eq!(y.at, datetime!(2026-11-20 01:00 UTC));
    }
}
