//! One Python worker process: spawning it confined, and its channel.
//!
//! The channel is a Unix socket pair inherited as fd 3; the program's stdout and
//! stderr are pipes the agent reads and relays. Both are read by one loop (see
//! [`Worker::pump`]) so that output written before a reply is always relayed
//! before the reply: the harness flushes its streams before it answers.

use crate::sandbox::PreExec;
use crate::{io_err, wire_err, RuntimeError};
use prescient_wire::frame::{self, FrameHeader, Limits};
use prescient_wire::{FromWorker, Stream, ToWorker};
use std::io::Read;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStderr, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::time::Duration;

/// The fd the harness finds its channel on.
const CHANNEL_FD: RawFd = 3;

/// How to start workers of one node.
#[derive(Clone)]
pub struct WorkerConfig {
    pub python: PathBuf,
    /// Directory holding the harness module.
    pub harness_dir: PathBuf,
    pub pre_exec: Arc<PreExec>,
    /// How long a worker may take to start (import numpy) before it is given up.
    pub start_timeout: Duration,
    /// Set in the worker's environment (the node's feature masks).
    pub env: Vec<(String, String)>,
    /// The nice value a worker starts and warms up at. A warm-up (an
    /// interpreter importing numpy) on the CPU a job runs on would take that
    /// job's time; until a job takes the worker ([`Worker::to_normal_priority`])
    /// it runs only in the time the node's jobs leave. 0 where priorities
    /// could not be raised again (not root).
    pub warm_nice: i32,
}

/// Nice value of workers warming up, when the agent can raise it again.
pub const WARM_NICE: i32 = 10;

pub struct Worker {
    pub pid: u32,
    pub numpy: bool,
    child: Child,
    pub ctrl: UnixStream,
    stdout: Option<ChildStdout>,
    stderr: Option<ChildStderr>,
}

/// Something read from a worker by [`Worker::pump`].
pub enum Event {
    Output(Stream, Vec<u8>),
    /// A reply; its blobs are still on `ctrl`, unread.
    Reply(FrameHeader<FromWorker>),
    /// The channel closed: the worker is gone.
    Gone,
}

fn set_nonblocking(fd: RawFd) {
    // SAFETY: fcntl on an fd we own.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK);
    }
}

impl Worker {
    pub fn spawn(cfg: &WorkerConfig) -> Result<Worker, RuntimeError> {
        let (ours, theirs) = UnixStream::pair().map_err(io_err("cannot create a socket pair"))?;
        let their_fd = theirs.as_raw_fd();
        let code = format!(
            "import sys; sys.path.insert(0, {}); import {m} as w; w.main({CHANNEL_FD})",
            serde_json::to_string(&cfg.harness_dir.to_string_lossy()).unwrap_or_default(),
            m = crate::harness::MODULE,
        );
        let mut cmd = Command::new(&cfg.python);
        cmd.arg("-c")
            .arg(code)
            // The program must not see what proves a cluster member.
            .env_remove(crate::auth::SECRET_ENV)
            .envs(cfg.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let pre = cfg.pre_exec.clone();
        let nice = cfg.warm_nice;
        // SAFETY: the closure only makes async-signal-safe calls (setpriority,
        // dup2, fcntl and those of PreExec::apply).
        unsafe {
            cmd.pre_exec(move || {
                if nice != 0 {
                    // Threads the worker starts later (BLAS) inherit it.
                    libc::setpriority(libc::PRIO_PROCESS, 0, nice);
                }
                if their_fd == CHANNEL_FD {
                    let flags = libc::fcntl(CHANNEL_FD, libc::F_GETFD);
                    libc::fcntl(CHANNEL_FD, libc::F_SETFD, flags & !libc::FD_CLOEXEC);
                } else if libc::dup2(their_fd, CHANNEL_FD) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                pre.apply()
            });
        }
        let mut child = cmd.spawn().map_err(|e| {
            RuntimeError::Worker(format!("cannot start {}: {e}", cfg.python.display()))
        })?;
        drop(theirs);
        let mut stdout = child.stdout.take();
        let mut stderr = child.stderr.take();
        ours.set_read_timeout(Some(cfg.start_timeout))
            .map_err(io_err("socket"))?;
        let first = frame::read_header::<FromWorker>(&mut &ours, &Limits::default());
        let _ = ours.set_read_timeout(None);
        match first {
            Ok(FrameHeader {
                msg: FromWorker::Ready { pid, numpy },
                ..
            }) => {
                for s in [
                    stdout.as_ref().map(|s| s.as_raw_fd()),
                    stderr.as_ref().map(|s| s.as_raw_fd()),
                ]
                .into_iter()
                .flatten()
                {
                    set_nonblocking(s);
                }
                Ok(Worker {
                    pid,
                    numpy,
                    child,
                    ctrl: ours,
                    stdout,
                    stderr,
                })
            }
            other => {
                let _ = child.kill();
                let status = child.wait().ok();
                let mut err = String::new();
                if let Some(e) = stderr.as_mut() {
                    let _ = e.take(64 * 1024).read_to_string(&mut err);
                }
                let mut out = String::new();
                if let Some(o) = stdout.as_mut() {
                    let _ = o.take(4096).read_to_string(&mut out);
                }
                let what = match other {
                    Err(e) => e.to_string(),
                    Ok(h) => format!("unexpected first message {:?}", h.msg),
                };
                Err(RuntimeError::Worker(format!(
                    "the worker did not start ({what}; exit status {}){}",
                    status
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "unknown".into()),
                    if err.trim().is_empty() {
                        String::new()
                    } else {
                        format!(":\n{}", err.trim_end())
                    }
                )))
            }
        }
    }

    pub fn send(&mut self, msg: &ToWorker) -> Result<(), RuntimeError> {
        frame::write_msg(&mut self.ctrl, msg).map_err(wire_err("writing to the worker"))
    }

    /// Waits for the next output chunk or reply. Output already in the pipes is
    /// always returned before a reply.
    pub fn pump(&mut self) -> Result<Event, RuntimeError> {
        loop {
            if let Some(ev) = self.drain_one() {
                return Ok(ev);
            }
            let mut fds = vec![libc::pollfd {
                fd: self.ctrl.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            }];
            for s in [
                self.stdout.as_ref().map(|s| s.as_raw_fd()),
                self.stderr.as_ref().map(|s| s.as_raw_fd()),
            ]
            .into_iter()
            .flatten()
            {
                fds.push(libc::pollfd {
                    fd: s,
                    events: libc::POLLIN,
                    revents: 0,
                });
            }
            // SAFETY: fds is a valid array of pollfd for its length.
            let r = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, -1) };
            if r < 0 {
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(io_err("poll")(e));
            }
            if let Some(ev) = self.drain_one() {
                return Ok(ev);
            }
            if fds[0].revents != 0 {
                return match frame::read_header::<FromWorker>(&mut &self.ctrl, &Limits::default()) {
                    Ok(h) => Ok(Event::Reply(h)),
                    Err(prescient_wire::FrameError::Closed) => Ok(Event::Gone),
                    Err(prescient_wire::FrameError::Io(_)) => Ok(Event::Gone),
                    Err(e) => Err(RuntimeError::Protocol(format!("from the worker: {e}"))),
                };
            }
        }
    }

    /// One chunk of output that is ready now, if any; closes pipes at EOF.
    fn drain_one(&mut self) -> Option<Event> {
        let mut buf = vec![0u8; 64 * 1024];
        for (stream, slot) in [
            (Stream::Stdout, &mut self.stdout as &mut dyn PipeSlot),
            (Stream::Stderr, &mut self.stderr),
        ] {
            match slot.read_some(&mut buf) {
                ReadResult::Data(n) => {
                    buf.truncate(n);
                    return Some(Event::Output(stream, buf));
                }
                ReadResult::Eof => slot.close(),
                ReadResult::Nothing => {}
            }
        }
        None
    }

    /// Output left in the pipes once the worker has exited.
    pub fn drain_all(&mut self) -> Vec<(Stream, Vec<u8>)> {
        let mut out = Vec::new();
        while let Some(Event::Output(s, b)) = self.drain_one() {
            out.push((s, b));
        }
        out
    }

    /// Reads the blobs of a reply into memory.
    pub fn read_blobs(&mut self, lens: &[u64]) -> Result<Vec<Vec<u8>>, RuntimeError> {
        frame::read_blobs(&mut self.ctrl, lens).map_err(wire_err("reading from the worker"))
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: kill with a pid we spawned and have not reaped.
        unsafe {
            libc::kill(self.child.id() as i32, sig);
        }
    }

    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the process to end (after its channel closed).
    pub fn wait(&mut self) -> Option<ExitStatus> {
        self.child.wait().ok()
    }

    pub fn os_pid(&self) -> u32 {
        self.child.id()
    }

    /// Back to the normal CPU priority, every thread of it (nice values are
    /// per thread): a job is about to run in it.
    pub fn to_normal_priority(&self) {
        let pid = self.child.id();
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return;
        };
        for t in tasks.flatten() {
            if let Some(tid) = t.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) {
                // SAFETY: setpriority has no memory-safety preconditions; a
                // thread that ended meanwhile only makes it fail.
                unsafe { libc::setpriority(libc::PRIO_PROCESS, tid, 0) };
            }
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            self.kill();
        }
    }
}

enum ReadResult {
    Data(usize),
    Eof,
    Nothing,
}

trait PipeSlot {
    fn read_some(&mut self, buf: &mut [u8]) -> ReadResult;
    fn close(&mut self);
}

impl<T: Read> PipeSlot for Option<T> {
    fn read_some(&mut self, buf: &mut [u8]) -> ReadResult {
        let Some(p) = self.as_mut() else {
            return ReadResult::Nothing;
        };
        match p.read(buf) {
            Ok(0) => ReadResult::Eof,
            Ok(n) => ReadResult::Data(n),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
                ) =>
            {
                ReadResult::Nothing
            }
            Err(_) => ReadResult::Eof,
        }
    }

    fn close(&mut self) {
        *self = None;
    }
}
