//! Reader: csvde export (X'hex' binary values, ';'-separated multi-values).

use super::{Extract, Format, Input, ReadError, Sniff};

/// Registration in [`super::FORMATS`].
pub const FORMAT: Format =
    Format { name: "csvde", summary: "csvde export (X'hex' binary values, ';'-separated multi-values)", sniff, read };

/// Content sniffer.
pub fn sniff(_text: &str) -> Sniff {
    Sniff::No
}

/// Reader.
pub fn read(_input: &Input<'_>) -> Result<Extract, ReadError> {
    Err(ReadError::new(0, "csvde reader not implemented yet"))
}
