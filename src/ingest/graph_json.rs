//! Reader: Microsoft Graph JSON (REST and PowerShell ConvertTo-Json shapes) and legacy Azure AD Graph JSON.

use super::{Extract, Format, Input, ReadError, Sniff};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "graph-json",
    summary: "Microsoft Graph JSON (REST and PowerShell ConvertTo-Json shapes) and legacy Azure AD Graph JSON",
    sniff,
    read,
};

/// Content sniffer.
pub fn sniff(_text: &str) -> Sniff {
    Sniff::No
}

/// Reader.
pub fn read(_input: &Input<'_>) -> Result<Extract, ReadError> {
    Err(ReadError::new(0, "graph-json reader not implemented yet"))
}
