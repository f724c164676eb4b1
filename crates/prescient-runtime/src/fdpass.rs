//! Passing file descriptors over Unix sockets (SCM_RIGHTS), attached to the
//! first bytes of a frame. Same-host migrations use it to give the two workers
//! a socket pair of their own, so a checkpoint's bytes go from one worker to
//! the other without passing through the agents.

use prescient_wire::frame::{self, FrameHeader, Limits};
use prescient_wire::FrameError;
use serde::de::DeserializeOwned;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::net::UnixStream;

/// Sends `bytes` with `fd` attached to them.
pub fn send_with_fd(sock: &UnixStream, bytes: &[u8], fd: RawFd) -> io::Result<()> {
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) } as usize;
    let mut cbuf = vec![0u8; space];
    let mut iov = libc::iovec {
        iov_base: bytes.as_ptr() as *mut libc::c_void,
        iov_len: bytes.len(),
    };
    // SAFETY: msghdr is plain data; every pointer in it outlives the call, and
    // the control buffer is sized with CMSG_SPACE for one descriptor.
    let sent = unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        let cmsg = libc::CMSG_FIRSTHDR(&msg);
        (*cmsg).cmsg_level = libc::SOL_SOCKET;
        (*cmsg).cmsg_type = libc::SCM_RIGHTS;
        (*cmsg).cmsg_len = libc::CMSG_LEN(std::mem::size_of::<RawFd>() as u32) as _;
        std::ptr::write_unaligned(libc::CMSG_DATA(cmsg).cast::<RawFd>(), fd);
        libc::sendmsg(sock.as_raw_fd(), &msg, libc::MSG_NOSIGNAL)
    };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut w = sock;
    w.write_all(&bytes[sent as usize..])
}

/// Sends a frame without blobs, with `fd` attached.
pub fn send_msg_with_fd<T: serde::Serialize>(
    sock: &UnixStream,
    msg: &T,
    fd: RawFd,
) -> io::Result<()> {
    send_with_fd(sock, &frame::encode_header(msg, &[]), fd)
}

/// Reads a frame header and the descriptor attached to it, if any.
pub fn read_header_with_fd<T: DeserializeOwned>(
    sock: &UnixStream,
) -> Result<(FrameHeader<T>, Option<OwnedFd>), FrameError> {
    let space = unsafe { libc::CMSG_SPACE(std::mem::size_of::<RawFd>() as u32) } as usize;
    let mut cbuf = vec![0u8; space];
    let mut first = [0u8; 4];
    let mut iov = libc::iovec {
        iov_base: first.as_mut_ptr().cast(),
        iov_len: first.len(),
    };
    let mut fd = None;
    // SAFETY: as in send_with_fd; descriptors received are owned from here on.
    let got = unsafe {
        let mut msg: libc::msghdr = std::mem::zeroed();
        msg.msg_iov = &mut iov;
        msg.msg_iovlen = 1;
        msg.msg_control = cbuf.as_mut_ptr().cast();
        msg.msg_controllen = space as _;
        let n = libc::recvmsg(
            sock.as_raw_fd(),
            &mut msg,
            libc::MSG_WAITALL | libc::MSG_CMSG_CLOEXEC,
        );
        if n > 0 {
            let mut cmsg = libc::CMSG_FIRSTHDR(&msg);
            while !cmsg.is_null() {
                if (*cmsg).cmsg_level == libc::SOL_SOCKET && (*cmsg).cmsg_type == libc::SCM_RIGHTS {
                    let raw = std::ptr::read_unaligned(libc::CMSG_DATA(cmsg).cast::<RawFd>());
                    fd = Some(OwnedFd::from_raw_fd(raw));
                }
                cmsg = libc::CMSG_NXTHDR(&msg, cmsg);
            }
        }
        n
    };
    if got == 0 {
        return Err(FrameError::Closed);
    }
    if got < 0 {
        return Err(FrameError::Io(io::Error::last_os_error()));
    }
    if (got as usize) < first.len() {
        let mut r = sock;
        io::Read::read_exact(&mut r, &mut first[got as usize..])?;
    }
    let mut r = sock;
    let h = frame::read_header_after(&mut r, first, &Limits::default())?;
    Ok((h, fd))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_descriptor_travels_with_its_frame() {
        let (a, b) = UnixStream::pair().unwrap();
        let (x, mut y) = UnixStream::pair().unwrap();
        send_msg_with_fd(&a, &serde_json::json!({"type": "data"}), x.as_raw_fd()).unwrap();
        drop(x);
        let (h, fd) = read_header_with_fd::<serde_json::Value>(&b).unwrap();
        assert_eq!(h.msg["type"], "data");
        let mut passed = UnixStream::from(fd.expect("a descriptor"));
        passed.write_all(b"hello").unwrap();
        drop(passed);
        let mut got = String::new();
        y.read_to_string(&mut got).unwrap();
        assert_eq!(got, "hello");
    }

    #[test]
    fn frames_without_descriptors_read_the_same() {
        let (mut a, b) = UnixStream::pair().unwrap();
        frame::write_msg(&mut a, &serde_json::json!({"n": 1})).unwrap();
        let (h, fd) = read_header_with_fd::<serde_json::Value>(&b).unwrap();
        assert_eq!(h.msg["n"], 1);
        assert!(fd.is_none());
        drop(a);
        assert!(matches!(
            read_header_with_fd::<serde_json::Value>(&b),
            Err(FrameError::Closed)
        ));
    }
}
