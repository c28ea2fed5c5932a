//! Reader: Azure Resource Manager /subscriptions and /tenants JSON, az account list output.

use super::{Extract, Format, Input, ReadError, Sniff};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "arm-json",
    summary: "Azure Resource Manager /subscriptions and /tenants JSON, az account list output",
    sniff,
    read,
};

/// Content sniffer.
pub fn sniff(_text: &str) -> Sniff {
    Sniff::No
}

/// Reader.
pub fn read(_input: &Input<'_>) -> Result<Extract, ReadError> {
    Err(ReadError::new(0, "arm-json reader not implemented yet"))
}
