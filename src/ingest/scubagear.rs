//! Reader: ScubaGear ProviderSettingsExport.json (CISA M365 baseline tool).

use super::{Extract, Format, Input, ReadError, Sniff};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format = Format {
    name: "scubagear",
    summary: "ScubaGear ProviderSettingsExport.json (CISA M365 baseline tool)",
    sniff,
    read,
};

/// Content sniffer.
pub fn sniff(_text: &str) -> Sniff {
    Sniff::No
}

/// Reader.
pub fn read(_input: &Input<'_>) -> Result<Extract, ReadError> {
    Err(ReadError::new(0, "scubagear reader not implemented yet"))
}
