//! Reading the input files from disk: the workers that read an estate's files in parallel (costliest
//! first, one reused buffer each), the size limit, and the settings files' text (UTF-8 or UTF-16).
//! What a file's bytes become is [`super::read_bytes`]'s business.

use super::*;

/// Reads and parses one file. Never panics on input; all failures land in the report's status.
pub fn read_one(file: FileId, path: &Path, opts: &Options) -> (InputReport, Extract) {
    read_one_into(file, path, opts, &mut Vec::new())
}

/// [`read_one`] with the file's bytes read into `buf` (its old content dropped), so that a worker
/// reading many files reuses one buffer: a fresh one for each file costs a page fault per 4 KiB of
/// input (a third of the parse's system time at a million objects).
fn read_one_into(file: FileId, path: &Path, opts: &Options, buf: &mut Vec<u8>) -> (InputReport, Extract) {
    let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok().map(time::OffsetDateTime::from);
    let (mut report, ex) = read_one_file(file, path, opts, buf);
    report.modified = modified;
    (report, ex)
}

fn read_one_file(file: FileId, path: &Path, opts: &Options, buf: &mut Vec<u8>) -> (InputReport, Extract) {
    match read_limited_into(path, opts.max_file_size, buf) {
        Ok(()) => read_bytes(file, buf, opts),
        Err(e) => {
            let mut report = new_report(file);
            let max = opts.max_file_size;
            let reason = match e {
                ReadLimited::Io(e) => format!("cannot read file: {e}"),
                ReadLimited::TooBig(Some(size)) => {
                    report.bytes = size;
                    format!("file is {size} bytes, over the limit of {max} bytes (--max-file-size)")
                }
                ReadLimited::TooBig(None) => format!("file is over the limit of {max} bytes (--max-file-size)"),
            };
            report.status = Status::Failed(ReadError::new(0, reason));
            (report, Extract::default())
        }
    }
}

/// Size limit for the settings files (`estate.toml`, `tenantlint.toml`): 16 MiB, far above any
/// real one, so a wrong path (a multi-gigabyte export given as `--policy`) fails at once.
pub const MAX_SETTINGS_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Reads a whole UTF-8 text file of at most `max` bytes (0: no limit). The error names the file,
/// what it was read as (`what`: "policy", "manifest", "baseline") and the reason or the limit.
pub fn read_text_file(path: &Path, what: &str, max: u64) -> Result<String, String> {
    let display = display_path(path);
    let bytes = read_limited(path, max).map_err(|e| match e {
        ReadLimited::Io(e) => format!("{display}: cannot read {what}: {e}"),
        ReadLimited::TooBig(Some(size)) => {
            format!("{display}: cannot read {what}: file is {size} bytes, over the limit of {max} bytes for a {what}")
        }
        ReadLimited::TooBig(None) => {
            format!("{display}: cannot read {what}: file is over the limit of {max} bytes for a {what}")
        }
    })?;
    settings_text(bytes).map_err(|e| format!("{display}: cannot read {what}: {e}"))
}

/// The text of a settings file: UTF-8, with or without a byte order mark, or UTF-16 with one (what Windows
/// PowerShell 5.1 writes for `tenantlint baseline write … > file`, and Notepad's "Unicode"). Anything else is
/// refused rather than guessed.
pub(super) fn settings_text(bytes: Vec<u8>) -> Result<String, String> {
    let utf16 = |b: &[u8], le: bool| -> Result<String, String> {
        if !b.len().is_multiple_of(2) {
            return Err("UTF-16 text with an odd number of bytes (truncated?)".into());
        }
        let units = b
            .chunks_exact(2)
            .map(|c| if le { u16::from_le_bytes([c[0], c[1]]) } else { u16::from_be_bytes([c[0], c[1]]) });
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map_err(|e| format!("invalid UTF-16 text (unpaired surrogate {:#06x})", e.unpaired_surrogate()))
    };
    match bytes.as_slice() {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, true),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, false),
        _ => {
            let skip = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
            String::from_utf8(bytes[skip..].to_vec()).map_err(|e| {
                let at = e.utf8_error().valid_up_to() + skip;
                format!("not UTF-8 text (invalid byte at offset {at})")
            })
        }
    }
}

enum ReadLimited {
    Io(std::io::Error),
    /// The size found in the metadata (None: found over the limit while reading).
    TooBig(Option<u64>),
}

/// Reads a whole file, refusing before reading (and while reading, for files without a reliable
/// length such as pipes) anything over `max` bytes, so a huge file never reaches memory.
fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>, ReadLimited> {
    let mut bytes = Vec::new();
    read_limited_into(path, max, &mut bytes)?;
    Ok(bytes)
}

/// [`read_limited`] into `bytes` (cleared first; its capacity is kept and grown to the file's size).
fn read_limited_into(path: &Path, max: u64, bytes: &mut Vec<u8>) -> Result<(), ReadLimited> {
    use std::io::Read as _;
    bytes.clear();
    let f = std::fs::File::open(path).map_err(ReadLimited::Io)?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if max > 0 && len > max {
        return Err(ReadLimited::TooBig(Some(len)));
    }
    let want = usize::try_from(len).unwrap_or(0).min(1 << 30);
    if bytes.capacity() < want {
        // Growing would copy the old file's bytes into the new allocation for nothing.
        *bytes = Vec::new();
    }
    bytes.reserve_exact(want);
    if max > 0 {
        f.take(max.saturating_add(1)).read_to_end(bytes).map_err(ReadLimited::Io)?;
        if bytes.len() as u64 > max {
            return Err(ReadLimited::TooBig(None));
        }
    } else {
        let mut f = f;
        f.read_to_end(bytes).map_err(ReadLimited::Io)?;
    }
    Ok(())
}

/// The time reading a file of `size` bytes is expected to take, in units of a Graph JSON byte: a
/// byte of LDIF or CSV costs more (more fields per byte, values unquoted and trimmed one by one).
/// Only the order the workers take files in depends on it, never what a file is read as. Measured on a
/// generated million-object estate, one worker each: Graph JSON pages ~300 MB/s, AD CSV ~215 MB/s,
/// LDIF ~185 MB/s; ordered by size alone, the 92 MB LDIF file came after five 125 MB JSON pages and
/// was read alone at the end while the other worker waited (the workers ended 0.16 s apart in a 2 s
/// parse, 0.13 s with this order: a small gain, as files of ~0.5 s each cannot be split finer).
fn read_cost(path: &Path, size: u64) -> u64 {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let per_mille: u64 = if ext.eq_ignore_ascii_case("ldf") || ext.eq_ignore_ascii_case("ldif") {
        1600
    } else if ext.eq_ignore_ascii_case("csv") {
        1400
    } else {
        1000
    };
    size.saturating_mul(per_mille) / 1000
}

/// Collects the files under `paths` (settings files left out) and reads them in parallel.
pub(super) fn read_all(
    paths: &[PathBuf],
    opts: &Options,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(SourceMap, Vec<(InputReport, Extract)>), Error> {
    let files = collect_files(paths)?;
    let mut sources = SourceMap::default();
    let mut todo = Vec::new();
    for FoundFile { path, display, stable } in files {
        let name = path.file_name().map(|n| n.to_string_lossy().to_ascii_lowercase()).unwrap_or_default();
        if CONFIG_FILES.contains(&name.as_str()) {
            continue;
        }
        let id = sources.add_with_stable(path.clone(), display, stable);
        todo.push((id, path));
    }
    // Costliest files first, each worker taking the next file as it finishes one: a big file left for the
    // end would keep one core busy while the others wait (the files of an estate differ a hundredfold).
    let sizes: Vec<u64> = todo.iter().map(|(_, p)| std::fs::metadata(p).map_or(0, |m| m.len())).collect();
    let mut order: Vec<usize> = (0..todo.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(read_cost(&todo[i].1, sizes[i])));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let t0 = std::time::Instant::now();
    let slots: Vec<std::sync::Mutex<Option<(InputReport, Extract)>>> =
        todo.iter().map(|_| std::sync::Mutex::new(None)).collect();
    rayon::scope(|s| {
        for _ in 0..rayon::current_num_threads().min(todo.len()) {
            s.spawn(|_| {
                let mut buf = Vec::new();
                crate::ingest::json_util::reuse_page_tables(|| {
                    loop {
                        let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(&i) = order.get(k) else { break };
                        if sizes[i] < buf.capacity() as u64 / 4 * 3 {
                            // The bigger files are mostly done (the costliest come first): give the big buffer
                            // back now rather than hold its slack while the estate is at its largest (a 200 MB
                            // buffer kept for 125 MB pages put the 1M `--parse-only` peak at the input's size).
                            buf = Vec::new();
                        }
                        let (id, path) = &todo[i];
                        let started = std::time::Instant::now();
                        let r = read_one_into(*id, path, opts, &mut buf);
                        crate::timing::note(|| {
                            format!(
                                "read {} ({} MB) {:.3} s from {:.3} s",
                                display_path(path),
                                r.0.bytes / 1_000_000,
                                started.elapsed().as_secs_f64(),
                                started.duration_since(t0).as_secs_f64()
                            )
                        });
                        progress(r.0.bytes);
                        *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(r);
                    }
                });
            });
        }
    });
    let results: Vec<(InputReport, Extract)> = slots
        .into_iter()
        .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()).expect("every file is read by a worker"))
        .collect();
    Ok((sources, results))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn costlier_formats_are_read_before_larger_cheaper_files() {
        let cost = |name: &str, mb: u64| read_cost(Path::new(name), mb * 1_000_000);
        // The generated million-object estate: the 92 MB LDIF file now comes before the 127 MB Graph pages,
        // the 200 MB CSV file before both.
        assert!(cost("ad/f.ldf", 92) > cost("tenants/t/users-page4.json", 127));
        assert!(cost("ad/users.CSV", 200) > cost("ad/f.LDIF", 92));
        // Within a format, size decides; an unknown extension counts as JSON.
        assert!(cost("a.json", 127) > cost("b.json", 125));
        assert_eq!(cost("notes.txt", 10), cost("x.json", 10));
        assert_eq!(read_cost(Path::new("huge.ldf"), u64::MAX), u64::MAX / 1000);
    }

    #[test]
    fn a_reused_buffer_holds_exactly_each_file_whatever_the_order_of_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let mut buf = Vec::new();
        for (name, len) in [("a", 10_000usize), ("b", 50_000), ("c", 3), ("d", 0), ("e", 70_000)] {
            let path = dir.path().join(name);
            let bytes: Vec<u8> = (0..len).map(|i| (i % 251) as u8 ^ name.as_bytes()[0]).collect();
            std::fs::write(&path, &bytes).unwrap();
            assert!(read_limited_into(&path, 0, &mut buf).is_ok());
            assert_eq!(buf, bytes, "file {name}");
        }
        // Over the limit: refused before reading, whatever the buffer held.
        let path = dir.path().join("e");
        assert!(matches!(read_limited_into(&path, 1000, &mut buf), Err(ReadLimited::TooBig(Some(70_000)))));
    }
}
