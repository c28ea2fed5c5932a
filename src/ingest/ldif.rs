//! Reader: LDIF from ldifde or ldapsearch (RFC 2849).

use super::{Extract, Format, Input, ReadError, Sniff};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "ldif",
    summary: "LDIF from ldifde or ldapsearch (RFC 2849)",
    sniff,
    read,
};

/// Content sniffer.
pub fn sniff(_text: &str) -> Sniff {
    Sniff::No
}

/// Reader.
pub fn read(_input: &Input<'_>) -> Result<Extract, ReadError> {
    Err(ReadError::new(0, "ldif reader not implemented yet"))
}
