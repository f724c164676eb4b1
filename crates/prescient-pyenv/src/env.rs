//! Creating, finding and probing the worker environment.

use crate::{io_err, EnvError, Progress};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What the managed environment installs.
/// (xxhash: the runtime's pre-copy spots unchanged arrays by hash.)
pub const PACKAGES: &[&str] = &["numpy", "scipy", "cloudpickle", "cryptography", "xxhash"];

const MARKER: &str = "prescient-env.json";

#[derive(Clone, Debug, Default)]
pub struct EnvOptions {
    /// Use this interpreter instead of the managed environment.
    pub python: Option<PathBuf>,
}

#[derive(Clone, Debug)]
pub struct WorkerEnv {
    pub python: PathBuf,
    /// True for the environment Prescient built and owns.
    pub managed: bool,
    /// `python` and the installed libraries, with versions.
    pub versions: BTreeMap<String, String>,
}

/// Prescient's data directory: `PRESCIENT_HOME`, else `$XDG_DATA_HOME/prescient`,
/// else `/var/lib/prescient` for root, else `~/.local/share/prescient`.
///
/// Root's default is outside its home because workers then run as an
/// unprivileged user, who must be able to read the worker environment, and
/// root's home is usually closed to other users.
pub fn data_home() -> PathBuf {
    if let Some(p) = std::env::var_os("PRESCIENT_HOME").filter(|p| !p.is_empty()) {
        return PathBuf::from(p);
    }
    if let Some(p) = std::env::var_os("XDG_DATA_HOME").filter(|p| !p.is_empty()) {
        return PathBuf::from(p).join("prescient");
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        return PathBuf::from("/var/lib/prescient");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|p| !p.is_empty()) {
        return PathBuf::from(h).join(".local/share/prescient");
    }
    std::env::temp_dir().join("prescient")
}

/// The worker environment, built on first use.
pub fn ensure(opts: &EnvOptions) -> Result<WorkerEnv, EnvError> {
    if let Some(p) = &opts.python {
        let versions = probe(p)?;
        return Ok(WorkerEnv {
            python: p.clone(),
            managed: false,
            versions,
        });
    }
    let home = data_home();
    std::fs::create_dir_all(&home).map_err(io_err(format!("cannot create {}", home.display())))?;
    let venv = home.join("venv");
    if let Some(env) = ready(&venv) {
        return Ok(env);
    }
    let _lock = Lock::take(&home.join(".env.lock"))?;
    // Another process may have finished the build while we waited for the lock.
    if let Some(env) = ready(&venv) {
        return Ok(env);
    }
    build(&home, &venv)
}

fn python_in(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

/// The managed environment, if it is complete.
fn ready(venv: &Path) -> Option<WorkerEnv> {
    let text = std::fs::read_to_string(venv.join(MARKER)).ok()?;
    let versions: BTreeMap<String, String> = serde_json::from_str(&text).ok()?;
    // An environment built by an older Prescient that lacks a package now
    // needed is built again.
    if PACKAGES.iter().any(|p| !versions.contains_key(*p)) {
        return None;
    }
    let python = python_in(venv);
    python.exists().then_some(WorkerEnv {
        python,
        managed: true,
        versions,
    })
}

fn base_python() -> Result<PathBuf, EnvError> {
    let explicit = std::env::var("PRESCIENT_BASE_PYTHON")
        .ok()
        .filter(|p| !p.is_empty());
    let mut candidates: Vec<String> = match &explicit {
        Some(p) => vec![p.clone()],
        None => vec!["python3".into(), "python".into()],
    };
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if root && explicit.is_none() {
        // Workers run as an unprivileged user, who must be able to run the
        // interpreter: a Python installed under root's home cannot serve.
        candidates.extend(["/usr/bin/python3".into(), "/usr/local/bin/python3".into()]);
    }
    let mut usable = Vec::new();
    for c in &candidates {
        let out = Command::new(c)
            .args([
                "-c",
                "import sys, venv; print(sys.executable) if sys.version_info >= (3, 9) else sys.exit(1)",
            ])
            .stderr(Stdio::null())
            .output();
        if let Ok(o) = out {
            if o.status.success() {
                let exe = String::from_utf8_lossy(&o.stdout).trim().to_string();
                usable.push((PathBuf::from(c), PathBuf::from(exe)));
            }
        }
    }
    if root {
        if let Some((c, _)) = usable.iter().find(|(_, exe)| others_can_run(exe)) {
            return Ok(c.clone());
        }
    }
    usable
        .into_iter()
        .next()
        .map(|(c, _)| c)
        .ok_or_else(|| EnvError::NoBasePython(candidates.join(", ")))
}

/// True when users other than the owner can run `path` (a file) or enter it (a
/// directory): it and every directory above it are open to them.
pub fn others_can_run(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Ok(real) = std::fs::canonicalize(path) else {
        return false;
    };
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode())
            .unwrap_or(0)
    };
    if mode(&real) & 0o001 == 0 {
        return false;
    }
    real.ancestors().skip(1).all(|d| mode(d) & 0o001 != 0)
}

fn build(home: &Path, venv: &Path) -> Result<WorkerEnv, EnvError> {
    // Leftovers of interrupted builds (we hold the lock: nobody else is building).
    if let Ok(entries) = std::fs::read_dir(home) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with("venv.partial-") {
                let _ = std::fs::remove_dir_all(e.path());
            }
        }
    }
    let base = base_python()?;
    let tmp = home.join(format!("venv.partial-{}", std::process::id()));
    let total_steps = 2 + 2 * PACKAGES.len() as u64;
    let mut progress = Progress::new("preparing the worker Python environment", total_steps);
    progress.set(0, total_steps, "creating the virtual environment");
    let out = Command::new(&base)
        .args(["-m", "venv"])
        .arg(&tmp)
        .output()
        .map_err(io_err(format!("cannot run {}", base.display())))?;
    if !out.status.success() {
        return Err(EnvError::Create {
            path: tmp.display().to_string(),
            reason: String::from_utf8_lossy(&out.stderr).trim().to_string(),
        });
    }
    let python = python_in(&tmp);
    pip_install(&python, PACKAGES, &mut progress, 1, total_steps)?;
    progress.set(total_steps - 1, total_steps, "checking the installation");
    let versions = probe(&python)?;
    std::fs::write(
        tmp.join(MARKER),
        serde_json::to_string_pretty(&versions).unwrap_or_default(),
    )
    .map_err(io_err("cannot write the environment marker"))?;
    if venv.exists() {
        std::fs::remove_dir_all(venv)
            .map_err(io_err(format!("cannot replace {}", venv.display())))?;
    }
    std::fs::rename(&tmp, venv).map_err(io_err(format!(
        "cannot move the environment to {}",
        venv.display()
    )))?;
    progress.finish(&format!(
        "ready: {}",
        versions
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    Ok(WorkerEnv {
        python: python_in(venv),
        managed: true,
        versions,
    })
}

/// `pip install`, advancing the progress bar as pip reports each package.
fn pip_install(
    python: &Path,
    packages: &[&str],
    progress: &mut Progress,
    start: u64,
    total: u64,
) -> Result<(), EnvError> {
    let mut child = Command::new(python)
        .args([
            "-m",
            "pip",
            "install",
            "--no-input",
            "--progress-bar",
            "off",
        ])
        .args(packages)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(io_err("cannot run pip"))?;
    let stderr = child.stderr.take();
    let err_thread = std::thread::spawn(move || {
        let mut lines = Vec::new();
        if let Some(e) = stderr {
            for line in BufReader::new(e).lines().map_while(Result::ok) {
                lines.push(line);
            }
        }
        lines
    });
    let mut pos = start;
    let mut tail: Vec<String> = Vec::new();
    if let Some(out) = child.stdout.take() {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let t = line.trim();
            if t.starts_with("Collecting ")
                || t.starts_with("Installing collected")
                || t.starts_with("Successfully installed")
            {
                pos = (pos + 1).min(total - 2);
                let msg: String = t.chars().take(60).collect();
                progress.set(pos, total, &msg);
            }
            tail.push(line);
            if tail.len() > 15 {
                tail.remove(0);
            }
        }
    }
    let status = child.wait().map_err(io_err("pip did not finish"))?;
    let err_lines = err_thread.join().unwrap_or_default();
    if !status.success() {
        tail.extend(
            err_lines
                .into_iter()
                .rev()
                .take(15)
                .collect::<Vec<_>>()
                .into_iter()
                .rev(),
        );
        return Err(EnvError::Pip {
            packages: packages.join(" "),
            code: status.code().unwrap_or(-1),
            tail: tail.join("\n"),
        });
    }
    Ok(())
}

/// Versions of Python and of the libraries the interpreter can import; it must
/// at least import numpy.
pub fn probe(python: &Path) -> Result<BTreeMap<String, String>, EnvError> {
    let code = r#"
import json, sys
out = {"python": sys.version.split()[0]}
for m in ("numpy", "scipy", "cloudpickle", "cryptography", "xxhash", "torch"):
    try:
        mod = __import__(m)
        out[m] = getattr(mod, "__version__", None) or getattr(mod, "VERSION", "?")
    except Exception:
        pass
print(json.dumps(out))
"#;
    let bad = |reason: String| EnvError::BadInterpreter {
        path: python.display().to_string(),
        reason,
    };
    let out = Command::new(python)
        .args(["-c", code])
        .output()
        .map_err(|e| bad(format!("it cannot be run ({e})")))?;
    if !out.status.success() {
        return Err(bad(format!(
            "it failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )));
    }
    let versions: BTreeMap<String, String> =
        serde_json::from_slice(&out.stdout).map_err(|e| bad(format!("unexpected output ({e})")))?;
    if !versions.contains_key("numpy") {
        return Err(bad("it cannot import numpy".into()));
    }
    Ok(versions)
}

/// An exclusive lock on a file, released on drop.
struct Lock {
    _file: std::fs::File,
}

impl Lock {
    fn take(path: &Path) -> Result<Lock, EnvError> {
        use std::os::unix::io::AsRawFd;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .map_err(io_err(format!("cannot open {}", path.display())))?;
        // SAFETY: flock on a file descriptor we own; blocks until the lock is free.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc != 0 {
            return Err(EnvError::Io {
                context: format!("cannot lock {}", path.display()),
                source: std::io::Error::last_os_error(),
            });
        }
        Ok(Lock { _file: file })
    }
}
