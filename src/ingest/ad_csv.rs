//! Reader: Get-ADUser / Get-ADGroup / Get-ADObject piped to Export-Csv (Windows PowerShell 5.1 and PowerShell 7).

use super::{Extract, Format, Input, ReadError, Sniff};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "ad-csv",
    summary: "Get-ADUser / Get-ADGroup / Get-ADObject piped to Export-Csv (Windows PowerShell 5.1 and PowerShell 7)",
    sniff,
    read,
};

/// Content sniffer.
pub fn sniff(_text: &str) -> Sniff {
    Sniff::No
}

/// Reader.
pub fn read(_input: &Input<'_>) -> Result<Extract, ReadError> {
    Err(ReadError::new(0, "ad-csv reader not implemented yet"))
}
