//! Reading and writing frames, with limits so that a hostile or broken peer
//! cannot make the reader allocate without bound.

use serde::{de::DeserializeOwned, Serialize};
use std::io::{self, Read, Write};

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("connection closed")]
    Closed,
    #[error("i/o error: {0}")]
    Io(#[from] io::Error),
    #[error("frame header of {0} bytes is over the limit of {1} bytes")]
    HeaderTooLarge(u64, u64),
    #[error("frame has {0} blobs, over the limit of {1}")]
    TooManyBlobs(u64, u64),
    #[error("frame blobs total {0} bytes, over the limit of {1} bytes")]
    BlobsTooLarge(u64, u64),
    #[error("malformed message: {0}")]
    Malformed(String),
}

/// What a reader accepts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_header: u64,
    pub max_blobs: u64,
    pub max_blob_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header: 64 << 20,
            max_blobs: 1 << 20,
            max_blob_bytes: 1 << 40,
        }
    }
}

/// A decoded header plus the lengths of the blobs that follow it on the stream.
#[derive(Debug)]
pub struct FrameHeader<T> {
    pub msg: T,
    pub blob_lens: Vec<u64>,
}

impl<T> FrameHeader<T> {
    pub fn blob_total(&self) -> u64 {
        self.blob_lens.iter().sum()
    }
}

fn read_exact_or_closed(
    r: &mut impl Read,
    buf: &mut [u8],
    at_start: bool,
) -> Result<(), FrameError> {
    let mut done = 0;
    while done < buf.len() {
        match r.read(&mut buf[done..]) {
            Ok(0) if done == 0 && at_start => return Err(FrameError::Closed),
            Ok(0) => {
                return Err(FrameError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed in the middle of a frame",
                )))
            }
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Reads a header and the blob lengths; the caller then reads or forwards the
/// blob bytes (see [`read_blobs`], [`copy_blobs`]).
pub fn read_header<T: DeserializeOwned>(
    r: &mut impl Read,
    limits: &Limits,
) -> Result<FrameHeader<T>, FrameError> {
    let mut b4 = [0u8; 4];
    read_exact_or_closed(r, &mut b4, true)?;
    read_header_after(r, b4, limits)
}

/// [`read_header`] when the first four bytes (the header length) were read
/// already, e.g. with ancillary data attached.
pub fn read_header_after<T: DeserializeOwned>(
    r: &mut impl Read,
    first: [u8; 4],
    limits: &Limits,
) -> Result<FrameHeader<T>, FrameError> {
    let mut b4 = first;
    let hlen = u32::from_le_bytes(b4) as u64;
    if hlen > limits.max_header {
        return Err(FrameError::HeaderTooLarge(hlen, limits.max_header));
    }
    let mut head = vec![0u8; hlen as usize];
    read_exact_or_closed(r, &mut head, false)?;
    read_exact_or_closed(r, &mut b4, false)?;
    let n = u32::from_le_bytes(b4) as u64;
    if n > limits.max_blobs {
        return Err(FrameError::TooManyBlobs(n, limits.max_blobs));
    }
    let mut blob_lens = Vec::with_capacity(n as usize);
    let mut total: u64 = 0;
    for _ in 0..n {
        let mut b8 = [0u8; 8];
        read_exact_or_closed(r, &mut b8, false)?;
        let l = u64::from_le_bytes(b8);
        total = total.saturating_add(l);
        if total > limits.max_blob_bytes {
            return Err(FrameError::BlobsTooLarge(total, limits.max_blob_bytes));
        }
        blob_lens.push(l);
    }
    let msg = serde_json::from_slice(&head).map_err(|e| FrameError::Malformed(e.to_string()))?;
    Ok(FrameHeader { msg, blob_lens })
}

/// Reads the blobs of a frame into memory. Memory grows with the bytes that
/// actually arrive, not with the lengths the peer claimed.
pub fn read_blobs(r: &mut impl Read, lens: &[u64]) -> Result<Vec<Vec<u8>>, FrameError> {
    let mut out = Vec::with_capacity(lens.len());
    for &l in lens {
        let mut v = Vec::new();
        let got = r.by_ref().take(l).read_to_end(&mut v)?;
        if (got as u64) < l {
            return Err(FrameError::Io(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed in the middle of a blob",
            )));
        }
        out.push(v);
    }
    Ok(out)
}

/// Streams `total` blob bytes from `r` to `w` in chunks, so a relay never holds
/// a whole checkpoint. Returns the bytes copied.
pub fn copy_blobs(r: &mut impl Read, w: &mut impl Write, total: u64) -> Result<u64, FrameError> {
    let mut buf = vec![0u8; 1 << 20];
    let mut left = total;
    while left > 0 {
        let want = left.min(buf.len() as u64) as usize;
        let n = match r.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(FrameError::Io(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed in the middle of a blob",
                )))
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        w.write_all(&buf[..n])?;
        left -= n as u64;
    }
    Ok(total)
}

/// Reads and discards blob bytes (a frame the reader does not want).
pub fn skip_blobs(r: &mut impl Read, total: u64) -> Result<(), FrameError> {
    copy_blobs(r, &mut io::sink(), total).map(|_| ())
}

/// Encodes the header part of a frame: everything before the blob bytes.
pub fn encode_header<T: Serialize>(msg: &T, blob_lens: &[u64]) -> Vec<u8> {
    let head = serde_json::to_vec(msg).expect("wire messages always serialise");
    let mut out = Vec::with_capacity(8 + head.len() + 8 * blob_lens.len());
    out.extend_from_slice(&(head.len() as u32).to_le_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&(blob_lens.len() as u32).to_le_bytes());
    for l in blob_lens {
        out.extend_from_slice(&l.to_le_bytes());
    }
    out
}

/// Writes a whole frame with in-memory blobs.
pub fn write_frame<T: Serialize>(
    w: &mut impl Write,
    msg: &T,
    blobs: &[&[u8]],
) -> Result<(), FrameError> {
    let lens: Vec<u64> = blobs.iter().map(|b| b.len() as u64).collect();
    w.write_all(&encode_header(msg, &lens))?;
    for b in blobs {
        w.write_all(b)?;
    }
    w.flush()?;
    Ok(())
}

/// Writes a frame without blobs.
pub fn write_msg<T: Serialize>(w: &mut impl Write, msg: &T) -> Result<(), FrameError> {
    write_frame(w, msg, &[])
}

/// Reads a frame without blobs; blobs, if a peer sent any, are an error.
pub fn read_msg<T: DeserializeOwned>(r: &mut impl Read, limits: &Limits) -> Result<T, FrameError> {
    let h = read_header(r, limits)?;
    if h.blob_total() > 0 || !h.blob_lens.is_empty() {
        skip_blobs(r, h.blob_total())?;
        return Err(FrameError::Malformed("unexpected binary data".into()));
    }
    Ok(h.msg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn round_trip_with_blobs() {
        let mut buf = Vec::new();
        let msg = serde_json::json!({"type": "x", "n": 3});
        write_frame(&mut buf, &msg, &[b"abc", b"", b"defg"]).unwrap();
        let mut r = &buf[..];
        let h: FrameHeader<Value> = read_header(&mut r, &Limits::default()).unwrap();
        assert_eq!(h.msg, msg);
        assert_eq!(h.blob_lens, vec![3, 0, 4]);
        let blobs = read_blobs(&mut r, &h.blob_lens).unwrap();
        assert_eq!(blobs, vec![b"abc".to_vec(), vec![], b"defg".to_vec()]);
        assert!(r.is_empty());
    }

    #[test]
    fn closed_and_truncated_are_told_apart() {
        let mut empty: &[u8] = &[];
        assert!(matches!(
            read_header::<Value>(&mut empty, &Limits::default()),
            Err(FrameError::Closed)
        ));
        let mut buf = Vec::new();
        write_msg(&mut buf, &serde_json::json!({"a": 1})).unwrap();
        let mut cut = &buf[..buf.len() - 2];
        assert!(matches!(
            read_header::<Value>(&mut cut, &Limits::default()),
            Err(FrameError::Io(_))
        ));
    }

    #[test]
    fn limits_refuse_before_allocating() {
        let mut buf = Vec::new();
        buf.extend_from_slice(&u32::MAX.to_le_bytes());
        let mut r = &buf[..];
        let small = Limits {
            max_header: 1024,
            ..Limits::default()
        };
        assert!(matches!(
            read_header::<Value>(&mut r, &small),
            Err(FrameError::HeaderTooLarge(..))
        ));
        let mut buf = encode_header(&serde_json::json!(1), &[u64::MAX, 5]);
        buf.extend_from_slice(b"hello");
        let mut r = &buf[..];
        assert!(matches!(
            read_header::<Value>(&mut r, &Limits::default()),
            Err(FrameError::BlobsTooLarge(..))
        ));
    }

    #[test]
    fn claimed_blob_longer_than_stream_is_an_error_not_an_allocation() {
        let mut buf = encode_header(&serde_json::json!(1), &[1 << 39]);
        buf.extend_from_slice(b"short");
        let mut r = &buf[..];
        let h: FrameHeader<Value> = read_header(&mut r, &Limits::default()).unwrap();
        assert!(read_blobs(&mut r, &h.blob_lens).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let mut r = &data[..];
            if let Ok(h) = read_header::<crate::msg::ToAgent>(&mut r, &Limits::default()) {
                let _ = read_blobs(&mut r, &h.blob_lens);
            }
        }
    }
}
