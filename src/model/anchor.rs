//! Sync-anchor codecs: objectGUID ↔ ImmutableId and the other renderings of the same 16 bytes.
//!
//! AD stores objectGUID (and ms-DS-ConsistencyGuid) as 16 raw bytes in the Microsoft GUID layout:
//! the first three fields little-endian, the last eight bytes as written (`Guid.ToByteArray()`).
//! The cloud ImmutableId is the Base64 of those raw bytes, so
//! `35918bc9-196d-40ea-9779-889d79b753f0` ↔ `yYuRNW0Z6kCXeYidebdT8A==`.
//! The `uuid` crate is big-endian by default; its `_le` functions give the Microsoft layout.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use std::fmt;

/// A GUID as Windows prints it (`35918bc9-196d-40ea-9779-889d79b753f0`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid(pub uuid::Uuid);

impl Guid {
    /// From the 16 raw bytes stored in AD (LDIF `objectGUID::`, csvde `X'..'`, ldap3 binary value).
    pub fn from_ad_bytes(bytes: &[u8]) -> Option<Self> {
        uuid::Uuid::from_slice_le(bytes).ok().map(Guid)
    }
    /// The 16 raw bytes as AD stores them.
    pub fn to_ad_bytes(self) -> [u8; 16] {
        self.0.to_bytes_le()
    }
    /// Parses GUID text (`{...}` braces and upper case accepted).
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().trim_start_matches('{').trim_end_matches('}');
        if t.len() != 36 {
            return None;
        }
        uuid::Uuid::try_parse(t).ok().map(Guid)
    }
    /// The ImmutableId (sourceAnchor) Azure AD Connect derives from this GUID.
    pub fn immutable_id(self) -> String {
        STANDARD.encode(self.to_ad_bytes())
    }
    /// The GUID whose ImmutableId is `immutable_id`, if it is Base64 of exactly 16 bytes.
    pub fn from_immutable_id(immutable_id: &str) -> Option<Self> {
        let bytes = decode_base64(immutable_id)?;
        Self::from_ad_bytes(&bytes)
    }
}

impl fmt::Display for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.hyphenated())
    }
}

impl fmt::Debug for Guid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Guid({})", self.0.hyphenated())
    }
}

/// Base64 of arbitrary bytes (standard alphabet, padded).
pub fn encode_base64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Decodes standard, padded Base64 after trimming surrounding whitespace.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text.trim()).ok()
}

/// Decodes a csvde binary value `X'c98b91356d19ea409779889d79b753f0'`.
pub fn decode_csvde_hex(text: &str) -> Option<Vec<u8>> {
    let t = text.trim();
    let inner = t.strip_prefix("X'").or_else(|| t.strip_prefix("x'"))?.strip_suffix('\'')?;
    decode_hex(inner)
}

/// Decodes hex digits, ignoring spaces (`C9 8B 91 ...` as the metaverse shows it).
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(s, 16).ok()
        })
        .collect()
}

/// Decodes the Entra connector-space DN form `CN={<hex of the ASCII of the Base64 anchor>}` to the anchor.
pub fn decode_connector_space_dn(text: &str) -> Option<String> {
    let t = text.trim();
    let inner = t.strip_prefix("CN={").or_else(|| t.strip_prefix("cn={"))?.split('}').next()?;
    String::from_utf8(decode_hex(inner)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_guid_round_trips_with_little_endian_fields() {
        let g = Guid::parse("35918bc9-196d-40ea-9779-889d79b753f0").unwrap();
        assert_eq!(
            g.to_ad_bytes(),
            [0xC9, 0x8B, 0x91, 0x35, 0x6D, 0x19, 0xEA, 0x40, 0x97, 0x79, 0x88, 0x9D, 0x79, 0xB7, 0x53, 0xF0]
        );
        assert_eq!(g.immutable_id(), "yYuRNW0Z6kCXeYidebdT8A==");
        assert_eq!(Guid::from_immutable_id("yYuRNW0Z6kCXeYidebdT8A=="), Some(g));
        let g2 = Guid::parse("{F7CC07D7-7C15-447D-876D-C01B0E5A9E38}").unwrap();
        assert_eq!(g2.immutable_id(), "1wfM9xV8fUSHbcAbDlqeOA==");
    }

    #[test]
    fn big_endian_encoding_is_not_the_anchor() {
        // The byte-order bug: same last 12 characters, different GUID.
        let wrong = Guid::from_immutable_id("NZGLyRltQOqXeYidebdT8A==").unwrap();
        assert_ne!(wrong.to_string(), "35918bc9-196d-40ea-9779-889d79b753f0");
    }

    #[test]
    fn csvde_hex_and_connector_space_forms() {
        let bytes = decode_csvde_hex("X'9a6b3176c5dbd2118bd00000f875b660'").unwrap();
        assert_eq!(Guid::from_ad_bytes(&bytes).unwrap().to_string(), "76316b9a-dbc5-11d2-8bd0-0000f875b660");
        assert_eq!(
            decode_connector_space_dn("CN={783456306961654236304B58786A66746377643748773D3D}").as_deref(),
            Some("x4V0iaeB60KXxjftcwd7Hw==")
        );
        assert_eq!(
            Guid::from_immutable_id("x4V0iaeB60KXxjftcwd7Hw==").unwrap().to_string(),
            "897485c7-81a7-42eb-97c6-37ed73077b1f"
        );
        assert!(decode_csvde_hex("X'abc'").is_none());
        assert!(Guid::from_immutable_id("MTAwMjM0").is_none());
        // Base64 of a 16-character UPN also decodes to 16 bytes: length alone cannot tell a GUID
        // anchor from a mutable one (the anchor rules look at the bytes).
        assert!(Guid::from_immutable_id("amRvZUBjb250b3NvLmNvbQ==").is_some());
    }
}
