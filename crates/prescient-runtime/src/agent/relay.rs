//! Streaming bytes between sockets for hand-overs, keeping the source in
//! step when the destination fails.

use super::*;

/// Outcome of streaming bytes from one socket to another.
pub struct Relayed {
    pub read_error: Option<std::io::Error>,
    pub write_error: Option<std::io::Error>,
}

/// Streams `total` bytes. A failed write does not stop the reading: the source
/// stream must stay in step (it is a worker's channel that will be used again).
/// `progress` is told the bytes done and returns false to stop writing.
pub fn relay(
    src: &mut impl Read,
    dst: &mut impl Write,
    total: u64,
    mut progress: impl FnMut(u64) -> bool,
) -> Relayed {
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    let mut out = Relayed {
        read_error: None,
        write_error: None,
    };
    while done < total {
        let want = (total - done).min(buf.len() as u64) as usize;
        let n = match src.read(&mut buf[..want]) {
            Ok(0) => {
                out.read_error = Some(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed mid-transfer",
                ));
                return out;
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                out.read_error = Some(e);
                return out;
            }
        };
        if out.write_error.is_none() {
            if let Err(e) = dst.write_all(&buf[..n]) {
                out.write_error = Some(e);
            }
        }
        done += n as u64;
        if out.write_error.is_none() && !progress(done) {
            out.write_error = Some(std::io::Error::other("transfer cut by a fault injection"));
        }
    }
    out
}

/// A writer that turns into a sink after its first error, so a relay keeps
/// draining its source.
pub(super) struct WriteOrDiscard<'a, W: Write> {
    pub(super) inner: &'a mut W,
    pub(super) failed: bool,
}

impl<W: Write> Write for WriteOrDiscard<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.failed {
            return Ok(buf.len());
        }
        self.inner.write(buf).inspect_err(|_| self.failed = true)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.failed {
            return Ok(());
        }
        self.inner.flush()
    }
}
