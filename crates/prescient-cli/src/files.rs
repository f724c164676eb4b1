//! The real file system, as the analyser's [`FileProbe`]: sizes and headers of the
//! input files a program names on its command line, relative to this process's
//! directory ([`RealFiles`]) or to the directory a submitted job runs in
//! ([`CwdFiles`]).

use prescient_analyse::FileProbe;
use std::io::Read;

pub struct RealFiles;

impl FileProbe for RealFiles {
    fn size(&self, path: &str) -> Option<u64> {
        std::fs::metadata(path)
            .ok()
            .filter(|m| m.is_file())
            .map(|m| m.len())
    }

    fn head(&self, path: &str, n: usize) -> Option<Vec<u8>> {
        let f = std::fs::File::open(path).ok()?;
        let mut buf = Vec::with_capacity(n);
        f.take(n as u64).read_to_end(&mut buf).ok()?;
        Some(buf)
    }
}

/// The file system as seen from another directory: the one a job submitted
/// to the server runs in, which is not the server's own.
pub struct CwdFiles {
    cwd: std::path::PathBuf,
}

impl CwdFiles {
    pub fn new(cwd: &str) -> CwdFiles {
        CwdFiles { cwd: cwd.into() }
    }

    fn path(&self, p: &str) -> std::path::PathBuf {
        self.cwd.join(p)
    }
}

impl FileProbe for CwdFiles {
    fn size(&self, path: &str) -> Option<u64> {
        RealFiles.size(self.path(path).to_str()?)
    }

    fn head(&self, path: &str, n: usize) -> Option<Vec<u8>> {
        RealFiles.head(self.path(path).to_str()?, n)
    }
}
