//! Reader: the `.zip` a collector writes (SharpHound CE `<stamp>_BloodHound.zip`, the legacy
//! AzureHound `<stamp>-azurecollection.zip`): every JSON entry is decoded and read by the text reader
//! that recognises it, one of [`super::ARCHIVE_ENTRY_FORMATS`] (the registry's `sharphound` and
//! `azurehound`); the records of all entries are merged into the archive's extract.
//!
//! Records point at the archive with line 0 (a line inside an entry is not a line of the file); issues
//! name their entry and line. Entries of types tenantlint does not read are listed in one note. The
//! archive is held to the same limits as a file: the entries' total uncompressed size to
//! `--max-file-size` (a zip bomb is an error, not an allocation), each JSON entry to `--max-json-depth`.

use super::{BinaryFormat, Extract, Input, Issue, Options, ReadError, Sniff, codes};
use crate::source::{FileId, SourceRef};
use std::io::Read as _;

/// Registration in [`super::BINARY_FORMATS`].
pub const FORMAT: BinaryFormat = BinaryFormat {
    name: "collector-zip",
    summary: "a SharpHound CE or legacy AzureHound .zip: each JSON entry is read as `sharphound` or `azurehound`",
    sniff,
    read,
};

/// The local-file-header signature every zip starts with (an empty archive starts with the end record).
fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// The text format an entry is read as: the first of [`super::ARCHIVE_ENTRY_FORMATS`] that claims it.
fn entry_format(text: &str) -> Option<(&'static super::Format, Sniff)> {
    for f in super::ARCHIVE_ENTRY_FORMATS {
        match (f.sniff)(text) {
            Sniff::No => continue,
            s => return Some((f, s)),
        }
    }
    None
}

/// Content sniffer: a zip archive holding at least one collector JSON entry.
pub fn sniff(bytes: &[u8]) -> Sniff {
    if !is_zip(bytes) {
        return Sniff::No;
    }
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return Sniff::Reject(ReadError::new(
            0,
            "the file starts like a zip archive but its directory cannot be read (truncated or corrupt archive)",
        ));
    };
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index(i) else { continue };
        if !entry.name().is_ok_and(|n| n.to_ascii_lowercase().ends_with(".json")) {
            continue;
        }
        let mut head = Vec::new();
        if entry.take(super::json_util::HEAD_BYTES as u64).read_to_end(&mut head).is_err() {
            continue;
        }
        let text = super::text::decode(&head);
        if entry_format(&text.text).is_some() {
            return Sniff::Yes;
        }
    }
    Sniff::Unsupported("zip archive without SharpHound or AzureHound JSON entries (not read by tenantlint)".into())
}

/// Reader.
pub fn read(file: FileId, bytes: &[u8], opts: &Options) -> Result<Extract, ReadError> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ReadError::new(0, format!("cannot read the zip archive: {e}")))?;
    let mut ex = Extract::new("collector-zip");
    let mut kinds: Vec<String> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| ReadError::new(0, format!("entry {i} of the zip archive: {e}")))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_else(|_| format!("entry {i} (unreadable name)"));
        if entry.is_dir() {
            continue;
        }
        if !name.to_ascii_lowercase().ends_with(".json") {
            skipped.push(format!("{name} (not JSON)"));
            continue;
        }
        let budget = if opts.max_file_size == 0 { u64::MAX } else { opts.max_file_size.saturating_sub(total) };
        let mut data = Vec::new();
        (&mut entry)
            .take(budget.saturating_add(1))
            .read_to_end(&mut data)
            .map_err(|e| ReadError::new(0, format!("{name} in the zip archive: cannot decompress: {e}")))?;
        total = total.saturating_add(data.len() as u64);
        if opts.max_file_size > 0 && total > opts.max_file_size {
            return Err(ReadError::new(
                0,
                format!(
                    "{name} in the zip archive: the entries decompress to more than {} bytes, the limit (--max-file-size)",
                    opts.max_file_size
                ),
            ));
        }
        let decoded = super::text::decode(&data);
        let text: &str = &decoded.text;
        let in_entry = |e: ReadError| {
            let at = if e.line == 0 { String::new() } else { format!(", line {}", e.line) };
            ReadError::new(0, format!("{name} in the zip archive{at}: {}", e.reason))
        };
        match entry_format(text) {
            None => skipped.push(format!("{name} (not a collector file)")),
            Some((_, Sniff::Unsupported(why))) => skipped.push(format!("{name} ({why})")),
            Some((_, Sniff::Reject(e))) => return Err(in_entry(e)),
            Some((f, _)) => {
                super::check_json_depth(text, opts.max_json_depth).map_err(in_entry)?;
                let mut part = (f.read)(&Input::new(file, text)).map_err(in_entry)?;
                kinds.push(part.kind.clone());
                merge(&mut ex, &mut part, &name, file);
            }
        }
    }
    if kinds.is_empty() {
        return Err(ReadError::new(0, "the zip archive holds no SharpHound or AzureHound entry tenantlint reads"));
    }
    let family = kinds[0].split(':').next().unwrap_or("sharphound").to_string();
    ex.kind = format!("{family}-zip");
    if !skipped.is_empty() {
        ex.issues.push(Issue {
            at: SourceRef::file(file),
            code: codes::MISSING_FIELDS,
            message: format!("entries of the archive not read: {}", skipped.join("; ")),
        });
    }
    ex.count_records();
    Ok(ex)
}

/// Moves the records of one entry into the archive's extract: records at line 0, issues prefixed
/// with the entry's name and line.
fn merge(ex: &mut Extract, part: &mut Extract, name: &str, file: FileId) {
    let at = SourceRef::file(file);
    for mut i in part.issues.drain(..) {
        let line = if i.at.line == 0 { String::new() } else { format!(", line {}", i.at.line) };
        i.message = format!("{name}{line}: {}", i.message);
        i.at = at;
        ex.issues.push(i);
    }
    for n in part.tenant_ids.drain(..) {
        ex.tenant_ids.push(super::NamedTenant { at, field: format!("{name}: {}", n.field), ..n });
    }
    macro_rules! take {
        ($($v:ident),*) => {$(
            for mut r in part.$v.drain(..) {
                r.source = at;
                ex.$v.push(r);
            }
        )*};
    }
    take!(ad_objects, cloud_objects, domains, subscriptions, arm_tenants, applications, role_grants);
    for mut t in part.tenants.drain(..) {
        t.source = Some(at);
        ex.tenants.push(t);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn sharphound_zip_fixture() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sharphound/20261120_BloodHound.zip");
        let bytes = std::fs::read(p).unwrap();
        assert_eq!(sniff(&bytes), Sniff::Yes);
        let ex = read(FileId(3), &bytes, &Options::default()).unwrap();
        assert_eq!(ex.kind, "sharphound-zip");
        // 3 users, 2 groups, 1 domain; the OU file is listed as not read.
        assert_eq!(ex.ad_objects.len(), 6);
        assert!(ex.ad_objects.iter().all(|o| o.source == SourceRef::file(FileId(3))));
        assert!(
            ex.issues.iter().any(|i| i.message.contains("20261120_ous.json (SharpHound collection of ous")),
            "{:?}",
            ex.issues
        );
        assert!(ex.issues.iter().any(|i| i.message.starts_with("20261120_users.json, line ")), "{:?}", ex.issues);
    }

    #[test]
    fn limits_and_corrupt_archives() {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sharphound/20261120_BloodHound.zip");
        let bytes = std::fs::read(p).unwrap();
        let small = Options { max_file_size: 3000, ..Options::default() };
        let e = read(FileId(0), &bytes, &small).unwrap_err();
        assert!(e.reason.contains("more than 3000 bytes, the limit (--max-file-size)"), "{}", e.reason);
        assert!(matches!(sniff(&bytes[..bytes.len() / 2]), Sniff::Reject(_)));
        assert_eq!(
            sniff(b"PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
            Sniff::Unsupported(
                "zip archive without SharpHound or AzureHound JSON entries (not read by tenantlint)".into()
            )
        );
        assert_eq!(sniff(b"{\"data\": []}"), Sniff::No);
    }
}
