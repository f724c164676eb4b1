//! Running a Python program and measuring it as the operating system sees it:
//! wall time, CPU time (user + system) and peak resident set of that process,
//! from `wait4`, the same figures `/usr/bin/time` reports.
//!
//! Linux folds the peak resident set of the address space a process was
//! forked or spawned from into the child's `ru_maxrss` (at `execve`). Spawned
//! straight from a large process, a 9 MiB interpreter would be measured at
//! that process's size. So when a [launcher](set_launcher) is set, the child
//! is started by a small, freshly executed launcher process that measures it
//! and reports back, as `/usr/bin/time` does.

use std::ffi::OsString;
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// The first argument that puts an executable into launcher mode.
pub const LAUNCHER_ARG: &str = "__measure-child";

static LAUNCHER: OnceLock<PathBuf> = OnceLock::new();

/// Starts measured children through `exe LAUNCHER_ARG ...`; `exe` must call
/// [`launcher_main`] when given [`LAUNCHER_ARG`]. Set once per process.
pub fn set_launcher(exe: PathBuf) {
    let _ = LAUNCHER.set(exe);
}

/// Launcher mode: `REPORT PROGRAM ARGS...`. Runs the program with the
/// launcher's standard streams, waits for it and writes its figures to
/// `REPORT`. Returns the exit code for the launcher.
pub fn launcher_main(args: &[OsString]) -> i32 {
    let [report, program, rest @ ..] = args else {
        eprintln!("prescient: launcher mode needs REPORT PROGRAM [ARGS...]");
        return 2;
    };
    let start = Instant::now();
    let line = match Command::new(program).args(rest).spawn() {
        Err(e) => format!("spawn-error {}\n", e.raw_os_error().unwrap_or(libc::ENOENT)),
        Ok(child) => {
            let pid = child.id() as libc::pid_t;
            let mut status: libc::c_int = 0;
            // SAFETY: rusage is plain data, filled in by the kernel.
            let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
            loop {
                // SAFETY: waiting on our own child with valid out-pointers.
                let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
                if rc == pid {
                    break;
                }
                if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                    return 125;
                }
            }
            format!(
                "ok {status} {} {} {}\n",
                start.elapsed().as_secs_f64(),
                tv(usage.ru_utime) + tv(usage.ru_stime),
                usage.ru_maxrss
            )
        }
    };
    match std::fs::write(report, line) {
        Ok(()) => 0,
        Err(_) => 125,
    }
}

fn tv(t: libc::timeval) -> f64 {
    t.tv_sec as f64 + t.tv_usec as f64 * 1e-6
}

/// What the launcher reported of its child.
struct Report {
    status: libc::c_int,
    wall: f64,
    cpu: f64,
    max_rss_kib: f64,
}

fn read_report(path: &Path) -> Option<std::io::Result<Report>> {
    let text = std::fs::read_to_string(path).ok()?;
    let f: Vec<&str> = text.split_whitespace().collect();
    match f.as_slice() {
        ["spawn-error", code] => Some(Err(std::io::Error::from_raw_os_error(
            code.parse().unwrap_or(libc::ENOENT),
        ))),
        ["ok", status, wall, cpu, rss] => Some(Ok(Report {
            status: status.parse().ok()?,
            wall: wall.parse().ok()?,
            cpu: cpu.parse().ok()?,
            max_rss_kib: rss.parse().ok()?,
        })),
        _ => None,
    }
}

/// Output kept per stream: the end of it (a program may print gigabytes).
const KEEP: usize = 64 * 1024;

/// Reads a stream to its end, keeping its last [`KEEP`] bytes.
fn tail_of(r: &mut impl Read) -> Vec<u8> {
    let mut kept: std::collections::VecDeque<u8> = std::collections::VecDeque::new();
    let mut buf = [0u8; 8192];
    loop {
        match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                kept.extend(&buf[..n]);
                let excess = kept.len().saturating_sub(KEEP);
                kept.drain(..excess);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    kept.into_iter().collect()
}

#[derive(Clone, Debug, Default)]
pub struct Measured {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub wall_seconds: f64,
    pub cpu_seconds: f64,
    pub max_rss_bytes: f64,
    /// The last 64 KiB of what the program printed on each stream.
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Measured {
    pub fn success(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out
    }

    /// The last lines of stderr, for error messages.
    pub fn stderr_tail(&self, lines: usize) -> String {
        let text = String::from_utf8_lossy(&self.stderr);
        let v: Vec<&str> = text.lines().collect();
        v[v.len().saturating_sub(lines)..].join("\n")
    }
}

/// Runs `python script args...` in `cwd`, capturing output, killing the whole
/// process group at `timeout`.
pub fn run_measured(
    python: &Path,
    script: &Path,
    args: &[String],
    cwd: &Path,
    env: &[(String, String)],
    timeout: Option<Duration>,
) -> std::io::Result<Measured> {
    let mut all = vec![script.display().to_string()];
    all.extend(args.iter().cloned());
    run_inner(python, &all, cwd, env, timeout)
}

/// Runs `python args...` (e.g. `-c CODE`) measured the same way.
pub fn run_command(
    python: &Path,
    args: &[String],
    cwd: &Path,
    timeout: Option<Duration>,
) -> std::io::Result<Measured> {
    run_inner(python, args, cwd, &[], timeout)
}

fn run_inner(
    python: &Path,
    args: &[String],
    cwd: &Path,
    env: &[(String, String)],
    timeout: Option<Duration>,
) -> std::io::Result<Measured> {
    static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let report = match LAUNCHER.get() {
        None => None,
        Some(_) => {
            let path = std::env::temp_dir().join(format!(
                "prescient-measure-{}-{}",
                std::process::id(),
                SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            // Created here, exclusively: in a shared temporary directory a
            // name planted by someone else (a symlink) must not be written
            // through.
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)?;
            Some(path)
        }
    };
    let mut cmd = match (LAUNCHER.get(), &report) {
        (Some(exe), Some(report)) => {
            let mut c = Command::new(exe);
            c.arg(LAUNCHER_ARG).arg(report).arg(python);
            c
        }
        _ => Command::new(python),
    };
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let start = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            if let Some(path) = &report {
                let _ = std::fs::remove_file(path);
            }
            return Err(e);
        }
    };
    let pid = child.id() as libc::pid_t;
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_thread = std::thread::spawn(move || out_pipe.as_mut().map(tail_of).unwrap_or_default());
    let err_thread = std::thread::spawn(move || err_pipe.as_mut().map(tail_of).unwrap_or_default());
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data, filled in by the kernel.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut timed_out = false;
    loop {
        // SAFETY: waiting on our own child's pid with valid out-pointers.
        let rc = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if rc == pid {
            break;
        }
        if rc < 0 {
            let e = std::io::Error::last_os_error();
            if e.kind() != std::io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        if let Some(t) = timeout {
            if start.elapsed() >= t && !timed_out {
                timed_out = true;
                // SAFETY: signalling the process group we created for the child.
                unsafe {
                    libc::kill(-pid, libc::SIGKILL);
                }
            }
        }
        std::thread::sleep(Duration::from_millis(
            if start.elapsed() < Duration::from_secs(1) {
                2
            } else {
                10
            },
        ));
    }
    let wall = start.elapsed().as_secs_f64();
    // Anything the program left running in its group goes with it.
    // SAFETY: as above; the group may already be gone.
    unsafe {
        libc::kill(-pid, libc::SIGKILL);
    }
    let mut wall_seconds = wall;
    let mut cpu_seconds = tv(usage.ru_utime) + tv(usage.ru_stime);
    let mut max_rss_bytes = usage.ru_maxrss as f64 * 1024.0;
    if let Some(path) = &report {
        let got = read_report(path);
        let _ = std::fs::remove_file(path);
        match got {
            Some(Ok(r)) => {
                status = r.status;
                wall_seconds = r.wall;
                cpu_seconds = r.cpu;
                max_rss_bytes = r.max_rss_kib * 1024.0;
            }
            Some(Err(e)) => return Err(e),
            // Killed at the timeout before it could report: the launcher's
            // own figures (its child's included) are what is left.
            None if timed_out => {}
            None => {
                return Err(std::io::Error::other(format!(
                    "the measuring launcher {} exited without a report",
                    LAUNCHER
                        .get()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default()
                )))
            }
        }
    }
    let (exit_code, signal) = if libc::WIFEXITED(status) {
        (Some(libc::WEXITSTATUS(status)), None)
    } else if libc::WIFSIGNALED(status) {
        (None, Some(libc::WTERMSIG(status)))
    } else {
        (None, None)
    };
    Ok(Measured {
        exit_code,
        signal,
        timed_out,
        wall_seconds,
        cpu_seconds,
        max_rss_bytes,
        stdout: out_thread.join().unwrap_or_default(),
        stderr: err_thread.join().unwrap_or_default(),
    })
}
