//! Value normalisation: dates, documentation placeholders, percent escapes, camelCase keys.

// ---------------------------------------------------------------------------------------------
// Values

/// Normalises a date: ISO-8601 (any offset) or PowerShell's `/Date(ms)/` → RFC 3339 in UTC
/// (`2022-08-24T17:29:45Z`). A date without an offset is taken as UTC. `None` if not a date.
pub fn normalize_date(s: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    use time::{OffsetDateTime, PrimitiveDateTime, UtcOffset};
    let s = s.trim();
    if let Some(inner) = s.strip_prefix("/Date(").and_then(|r| r.strip_suffix(")/")) {
        // `/Date(1661362185000)/` or WCF's `/Date(1661362185000+0200)/` (the number is UTC).
        let digits_end =
            inner.char_indices().skip(1).find(|(_, c)| !c.is_ascii_digit()).map(|(i, _)| i).unwrap_or(inner.len());
        let ms: i64 = inner[..digits_end].parse().ok()?;
        let rest = &inner[digits_end..];
        if !(rest.is_empty()
            || (rest.len() == 5
                && (rest.starts_with('+') || rest.starts_with('-'))
                && rest[1..].bytes().all(|b| b.is_ascii_digit())))
        {
            return None;
        }
        let dt = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()?;
        return dt.format(&Rfc3339).ok();
    }
    // What Graph writes (`2021-08-02T10:30:06Z`) is already in the normal form.
    if is_plain_utc_second(s) {
        return Some(s.to_string());
    }
    if let Ok(dt) = OffsetDateTime::parse(s, &Rfc3339) {
        return dt.to_offset(UtcOffset::UTC).format(&Rfc3339).ok();
    }
    // Zone-less ISO-8601 (`2022-08-24T17:29:45` or with a fraction), taken as UTC.
    let fmt = time::macros::format_description!(
        version = 2,
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    if let Ok(p) = PrimitiveDateTime::parse(s, &fmt) {
        return p.assume_utc().format(&Rfc3339).ok();
    }
    None
}

/// Whether `s` is a valid `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds, no leap second): the form
/// [`normalize_date`] gives, so that it can be kept as it is without parsing and formatting it.
pub(super) fn is_plain_utc_second(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z'
    {
        return false;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
    };
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) =
        (num(0..4), num(5..7), num(8..10), num(11..13), num(14..16), num(17..19))
    else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day) && hour < 24 && minute < 60 && second < 60
}

/// True when `value` is a Microsoft documentation placeholder for `key` (`"authenticationType-value"`).
pub fn is_placeholder(key: &str, value: &str) -> bool {
    value.len() == key.len() + 6
        && value.is_char_boundary(key.len())
        && value[key.len()..].eq_ignore_ascii_case("-value")
        && value[..key.len()].eq_ignore_ascii_case(key)
}

/// Percent-decodes a URL fragment (invalid escapes are kept as written).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub(super) fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `contoso` from `PascalCase` key `Contoso`: lower-cases the first character (PowerShell →
/// Graph camelCase).
pub fn camel_case(key: &str) -> String {
    let mut c = key.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}
