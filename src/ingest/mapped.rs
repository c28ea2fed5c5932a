//! The bytes of one input file: mapped into memory where the platform allows it, else read.
//!
//! Reading a file copies it from the page cache into a fresh buffer, which the kernel first zeroes:
//! at a million objects (900 MB of exports) that copy and its page faults were a tenth of the
//! ingest time. A read-only private mapping shares the page-cache pages instead. The mapping is
//! dropped when the reader is done with the file, like the buffer was.
//!
//! Caveat of every mapped read: if another process truncates the file while it is being read, the
//! process gets `SIGBUS`. Exports are written before a scan starts; pipes, empty files and
//! anything that is not a regular file are read as before.

use super::{ReadLimited, read_limited};
use std::path::Path;

/// A whole input file.
pub(super) enum FileBytes {
    /// Read into memory.
    Read(Vec<u8>),
    /// Mapped (read-only, private).
    #[cfg(unix)]
    Mapped(Map),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Self::Read(v) => v,
            #[cfg(unix)]
            Self::Mapped(m) => m.bytes(),
        }
    }
}

/// Reads (or maps) a whole file under the same size limit as [`read_limited`].
pub(super) fn read_input(path: &Path, max: u64) -> Result<FileBytes, ReadLimited> {
    #[cfg(unix)]
    {
        let f = std::fs::File::open(path).map_err(ReadLimited::Io)?;
        let meta = f.metadata().map_err(ReadLimited::Io)?;
        let len = meta.len();
        if max > 0 && len > max {
            return Err(ReadLimited::TooBig(Some(len)));
        }
        if meta.is_file()
            && len > 0
            && let Ok(len) = usize::try_from(len)
            && let Some(m) = Map::new(&f, len)
        {
            return Ok(FileBytes::Mapped(m));
        }
    }
    read_limited(path, max).map(FileBytes::Read)
}

/// A read-only private mapping of a whole file.
#[cfg(unix)]
pub(super) struct Map {
    ptr: *mut libc::c_void,
    len: usize,
}

// SAFETY: the mapping is read-only and owned by this value; sharing `&[u8]` views of it between
// threads is as safe as sharing a `Vec<u8>`.
#[cfg(unix)]
unsafe impl Send for Map {}
#[cfg(unix)]
unsafe impl Sync for Map {}

#[cfg(unix)]
impl Map {
    fn new(f: &std::fs::File, len: usize) -> Option<Self> {
        use std::os::fd::AsRawFd;
        // SAFETY: a fresh read-only private mapping of `len` (> 0) bytes of an open regular file; the
        // result is checked before use.
        let ptr =
            unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ, libc::MAP_PRIVATE, f.as_raw_fd(), 0) };
        if ptr == libc::MAP_FAILED {
            return None;
        }
        Some(Self { ptr, len })
    }

    fn bytes(&self) -> &[u8] {
        // SAFETY: `ptr` points to `len` readable bytes for as long as `self` lives (unmapped in `drop`).
        unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) }
    }
}

#[cfg(unix)]
impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: the mapping made in `new`, unmapped once; no borrow of it outlives `self`.
        unsafe { libc::munmap(self.ptr, self.len) };
    }
}
