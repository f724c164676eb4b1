//! The Python worker harness, shipped inside the binary and written next to the
//! worker environment when a worker starts.

use crate::{io_err, RuntimeError};
use std::path::{Path, PathBuf};

/// The harness source.
pub const SOURCE: &str = include_str!("python/prescient_worker.py");

/// Module name the harness is imported under; pickles name its helpers by it.
pub const MODULE: &str = "prescient_worker";

/// Writes the harness into `dir` (if it is not already there, byte for byte)
/// and returns the directory to put on the worker's `sys.path`.
pub fn install(dir: &Path) -> Result<PathBuf, RuntimeError> {
    std::fs::create_dir_all(dir).map_err(io_err(format!("cannot create {}", dir.display())))?;
    let path = dir.join(format!("{MODULE}.py"));
    if std::fs::read_to_string(&path).ok().as_deref() != Some(SOURCE) {
        // Written beside and renamed, so a worker starting concurrently never
        // imports half a file.
        let tmp = dir.join(format!(".{MODULE}.{}.tmp", std::process::id()));
        std::fs::write(&tmp, SOURCE).map_err(io_err(format!("cannot write {}", tmp.display())))?;
        std::fs::rename(&tmp, &path).map_err(io_err(format!("cannot write {}", path.display())))?;
    }
    Ok(dir.to_path_buf())
}
