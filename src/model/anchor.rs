//! Sync-anchor codecs: objectGUID ↔ ImmutableId and the other renderings of the same 16 bytes.
//!
//! AD stores objectGUID (and ms-DS-ConsistencyGuid) as 16 raw bytes in the Microsoft GUID layout:
//! the first three fields little-endian, the last eight bytes as written (`Guid.ToByteArray()`).
//! The cloud ImmutableId is the Base64 of those raw bytes, so
//! `35918bc9-196d-40ea-9779-889d79b753f0` ↔ `yYuRNW0Z6kCXeYidebdT8A==`.
//! The `uuid` crate is big-endian by default; its `_le` functions give the Microsoft layout.
//!
//! [`classify`] tells what an ImmutableId value is made of ([`Shape`]: GUID bytes, GUID text, Base64 of
//! text, UTF-8-mangled bytes…); the `anchors` rule family judges those shapes against the AD twin.

use crate::model::text::TrimFast as _;
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
        let t = text.trim_fast().trim_start_matches('{').trim_end_matches('}');
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
    STANDARD.decode(text.trim_fast()).ok()
}

/// Decodes a csvde binary value `X'c98b91356d19ea409779889d79b753f0'`.
pub fn decode_csvde_hex(text: &str) -> Option<Vec<u8>> {
    let t = text.trim_fast();
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
    let t = text.trim_fast();
    let inner = t.strip_prefix("CN={").or_else(|| t.strip_prefix("cn={"))?.split('}').next()?;
    String::from_utf8(decode_hex(inner)?).ok()
}

/// What an ImmutableId is made of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Base64 of 16 bytes that are not text: a GUID-derived anchor.
    GuidBytes([u8; 16]),
    /// The GUID's text stored as is (36 characters).
    GuidText(Guid),
    /// Base64 of the GUID's text (48 characters).
    Base64GuidText(Guid),
    /// Base64 of printable text (a UPN, mail, number, name).
    Base64Text(String),
    /// Not Base64: the text itself (a name, a number, an address).
    PlainText(String),
    /// Contains the UTF-8 replacement character `EF BF BD`: binary bytes decoded as text and re-encoded.
    Mangled(Vec<u8>),
    /// Base64 of binary bytes that are not 16 long (a custom binary anchor; not judged).
    OtherBinary(usize),
}

impl Shape {
    /// Short name for evidence.
    pub fn name(&self) -> &'static str {
        match self {
            Self::GuidBytes(_) => "guid-bytes",
            Self::GuidText(_) => "guid-text",
            Self::Base64GuidText(_) => "base64-of-guid-text",
            Self::Base64Text(_) => "base64-of-text",
            Self::PlainText(_) => "plain-text",
            Self::Mangled(_) => "utf8-mangled-bytes",
            Self::OtherBinary(_) => "other-binary",
        }
    }
}

/// Printable text a person would type (names, addresses, numbers) — what a Base64-encoded mutable
/// value decodes to. 16 random GUID bytes are all in this set with probability below 1e-9.
fn is_name_text(bytes: &[u8]) -> bool {
    !bytes.is_empty()
        && bytes.iter().all(|b| b.is_ascii_alphanumeric() || b" .@_-'+#!~^&".contains(b))
        && bytes.iter().any(u8::is_ascii_alphanumeric)
}

fn is_printable_utf8(bytes: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(bytes).ok()?;
    (!s.is_empty() && !s.chars().any(char::is_control)).then(|| s.to_string())
}

/// Classifies an ImmutableId by content (never by length alone: Base64 of a 16-character UPN also
/// decodes to 16 bytes).
pub fn classify(immutable_id: &str) -> Shape {
    let s = immutable_id.trim_fast();
    if s.contains('\u{FFFD}') {
        return Shape::Mangled(s.as_bytes().to_vec());
    }
    if let Some(g) = Guid::parse(s) {
        return Shape::GuidText(g);
    }
    if let Some(bytes) = decode_base64(s).filter(|b| !b.is_empty()) {
        if bytes.windows(3).any(|w| w == [0xEF, 0xBF, 0xBD]) {
            return Shape::Mangled(bytes);
        }
        if bytes.len() == 16 {
            if is_name_text(&bytes) {
                return Shape::Base64Text(String::from_utf8_lossy(&bytes).into_owned());
            }
            let mut a = [0u8; 16];
            a.copy_from_slice(&bytes);
            return Shape::GuidBytes(a);
        }
        if let Some(text) = is_printable_utf8(&bytes) {
            if let Some(g) = Guid::parse(&text) {
                return Shape::Base64GuidText(g);
            }
            return Shape::Base64Text(text);
        }
        // A word whose length happens to be a multiple of 4 also "decodes"; without Base64
        // punctuation and padding it is far more likely a name than a custom binary anchor.
        if !s.contains(['+', '/', '=']) && is_name_text(s.as_bytes()) {
            return Shape::PlainText(s.to_string());
        }
        return Shape::OtherBinary(bytes.len());
    }
    Shape::PlainText(s.to_string())
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

    const ANN: &str = "35918bc9-196d-40ea-9779-889d79b753f0";

    #[test]
    fn classifies_every_anchor_shape_from_known_guids() {
        let g = Guid::parse(ANN).unwrap();
        assert_eq!(classify("yYuRNW0Z6kCXeYidebdT8A=="), Shape::GuidBytes(g.to_ad_bytes()));
        // Big-endian encoding is still 16 GUID bytes: only the AD twin can tell it is wrong.
        assert!(matches!(classify("NZGLyRltQOqXeYidebdT8A=="), Shape::GuidBytes(_)));
        assert_eq!(classify(ANN), Shape::GuidText(g));
        assert_eq!(classify(&ANN.to_uppercase()), Shape::GuidText(g));
        let b64_text = encode_base64(ANN.as_bytes());
        assert_eq!(b64_text.len(), 48);
        assert_eq!(classify(&b64_text), Shape::Base64GuidText(g));
        // Base64 of a 16-character UPN decodes to 16 bytes: classified by content.
        assert_eq!(classify("amRvZUBjb250b3NvLmNvbQ=="), Shape::Base64Text("jdoe@contoso.com".into()));
        assert_eq!(classify("MTAwMjM0"), Shape::Base64Text("100234".into()));
        assert_eq!(classify("Annonpremuser"), Shape::PlainText("Annonpremuser".into()));
        assert_eq!(classify("jdoe"), Shape::PlainText("jdoe".into()), "a 4-letter name is not 3 binary bytes");
        assert_eq!(classify("100234"), Shape::PlainText("100234".into()));
        assert_eq!(classify("j.doe@contoso.com"), Shape::PlainText("j.doe@contoso.com".into()));
        match classify("77+9O++/vVEhb3hJ77+9alnvv71oKmlJ") {
            Shape::Mangled(b) => assert_eq!(b.len(), 24),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            classify(&encode_base64(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20])),
            Shape::OtherBinary(20)
        );
    }
}
