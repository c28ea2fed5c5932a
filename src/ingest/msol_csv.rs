//! Reader: MSOnline Export-Csv of Get-MsolUser, Get-MsolDomain, Get-MsolDomainFederationSettings.

use super::{Extract, Format, Input, ReadError, Sniff};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "msol-csv",
    summary: "MSOnline Export-Csv of Get-MsolUser, Get-MsolDomain, Get-MsolDomainFederationSettings",
    sniff,
    read,
};

/// Content sniffer.
pub fn sniff(_text: &str) -> Sniff {
    Sniff::No
}

/// Reader.
pub fn read(_input: &Input<'_>) -> Result<Extract, ReadError> {
    Err(ReadError::new(0, "msol-csv reader not implemented yet"))
}
