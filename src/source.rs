//! Where every record came from: the input files of a run and positions inside them.
//!
//! Readers tag each record with a [`SourceRef`]; findings carry them so that a consultant can open the
//! export at the exact line. Positions are 1-based lines; `line == 0` means "the file as a whole"
//! (for example a value that the reader derived from the file's header).

use std::fmt;
use std::path::{Path, PathBuf};

/// Index of an input file in the run's [`SourceMap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FileId(pub u32);

/// A position in an input: file plus 1-based line (0 = whole file).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SourceRef {
    /// The file.
    pub file: FileId,
    /// 1-based line number of the record's first line, 0 when not known.
    pub line: u32,
}

impl SourceRef {
    /// A position in `file` at `line`.
    pub fn new(file: FileId, line: u32) -> Self {
        Self { file, line }
    }
    /// The file as a whole.
    pub fn file(file: FileId) -> Self {
        Self { file, line: 0 }
    }
}

/// One input file as the run knows it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path as found on disk.
    pub path: PathBuf,
    /// Path as shown to the user and written into reports (relative to the scan root when possible,
    /// with `/` separators so that reports are identical across operating systems).
    pub display: String,
    /// Stable name: the path below the scanned folder, prefixed with that folder's name
    /// (`contoso-merger/ad/users.csv`), or the file name for a file given directly. It does not depend
    /// on where the estate is checked out, so findings about a file keep their fingerprint.
    pub stable: String,
}

/// All input files of a run, indexed by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Registers a file and returns its id.
    pub fn add(&mut self, path: PathBuf, display: String) -> FileId {
        let stable = display.rsplit('/').next().unwrap_or(&display).to_string();
        self.add_with_stable(path, display, stable)
    }
    /// Registers a file with its stable name (see [`SourceFile::stable`]).
    pub fn add_with_stable(&mut self, path: PathBuf, display: String, stable: String) -> FileId {
        let id = FileId(self.files.len() as u32);
        self.files.push(SourceFile { path, display, stable });
        id
    }
    /// Stable name of a file.
    pub fn stable(&self, id: FileId) -> &str {
        &self.get(id).stable
    }
    /// The file behind an id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }
    /// Display path of a file.
    pub fn display(&self, id: FileId) -> &str {
        &self.get(id).display
    }
    /// Disk path of a file.
    pub fn path(&self, id: FileId) -> &Path {
        &self.get(id).path
    }
    /// Number of registered files.
    pub fn len(&self) -> usize {
        self.files.len()
    }
    /// True when no file is registered.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    /// Formats a position as `path:line` (or `path` for a whole-file position).
    pub fn locate(&self, at: SourceRef) -> Located<'_> {
        Located { path: self.display(at.file), line: at.line }
    }
}

/// A printable `path:line`.
pub struct Located<'a> {
    path: &'a str,
    line: u32,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 { write!(f, "{}", self.path) } else { write!(f, "{}:{}", self.path, self.line) }
    }
}
