//! How much room the data directory's disk has left. A full disk is not a damaged
//! database: nothing committed is lost, and restoring from the district would throw
//! away what has not been synced yet, so it is named for what it is, with the space
//! to free, and `doctor` checks it before anything else.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Below this much free space an I/O error while writing is taken to be the full
/// disk, and `doctor` says the disk is (nearly) full.
pub const FULL_BELOW_BYTES: u64 = 8 * 1024 * 1024;
/// What staff are told to free, and below what `doctor` starts to warn: enough for
/// weeks of a busy centre's records and slips.
pub const ADVISED_FREE_BYTES: u64 = 64 * 1024 * 1024;

/// Bytes an unprivileged process may still write on the filesystem holding `path`.
pub fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let dir = if path.is_dir() { path } else { path.parent()? };
    let c_path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stats: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: `c_path` is a valid NUL-terminated path and `stats` a valid out-pointer.
    let answer = unsafe { libc::statvfs(c_path.as_ptr(), &mut stats) };
    (answer == 0).then(|| stats.f_bavail as u64 * stats.f_frsize as u64)
}

/// Whether the disk holding `path` is as good as full.
pub fn is_full(path: &Path) -> bool {
    free_bytes(path).is_some_and(|free| free < FULL_BELOW_BYTES)
}

/// Megabytes, rounded down, for sentences.
pub fn megabytes(bytes: u64) -> u64 {
    bytes / (1024 * 1024)
}

/// Writes `bytes` as `dir/name`, whole or not at all: a temporary file created with
/// `mode` (so a secret is never readable by others even for a moment), synced, then
/// renamed over the name and the directory synced. A pulled plug leaves the old file
/// or the new one, never half of either. Creates `dir` if it is missing.
pub fn write_whole(dir: &Path, name: &str, bytes: &[u8], mode: u32) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let temporary = dir.join(format!("{name}.tmp"));
    let _ = std::fs::remove_file(&temporary);
    let written = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, &path)?;
        std::fs::File::open(dir)?.sync_all()
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written.map(|()| path)
}
