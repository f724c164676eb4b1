//! Runs the calibration microbenchmarks (`python/calibrate.py`) in the worker
//! environment and turns their output into a [`NodeProfile`].

use crate::{io_err, EnvError, Progress, WorkerEnv};
use prescient_model::{Fingerprint, NodeProfile, Startup, NODE_SCHEMA};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

const SCRIPT: &str = include_str!("python/calibrate.py");

#[derive(serde::Deserialize)]
struct Raw {
    fingerprint: Fingerprint,
    blas_threads: u32,
    rates: BTreeMap<String, f64>,
    startup: BTreeMap<String, Startup>,
}

/// Measures this node. `full` runs more sizes and repeats for longer.
pub fn calibrate(env: &WorkerEnv, full: bool) -> Result<NodeProfile, EnvError> {
    let dir = crate::data_home().join("scripts");
    std::fs::create_dir_all(&dir).map_err(io_err(format!("cannot create {}", dir.display())))?;
    let script = dir.join("calibrate.py");
    std::fs::write(&script, SCRIPT).map_err(io_err("cannot write the calibration script"))?;
    let mut cmd = Command::new(&env.python);
    cmd.arg(&script)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .stdin(Stdio::null());
    if full {
        cmd.arg("--full");
    }
    let mut child = cmd
        .spawn()
        .map_err(io_err(format!("cannot run {}", env.python.display())))?;
    let mut stdout = child.stdout.take();
    let out_thread = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(o) = stdout.as_mut() {
            let _ = o.read_to_string(&mut s);
        }
        s
    });
    let label = if full {
        "calibrating this node (full)"
    } else {
        "calibrating this node (quick)"
    };
    let mut progress = Progress::new(label, 10);
    let mut warnings = Vec::new();
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("PROGRESS ") {
                let mut parts = rest.splitn(3, ' ');
                let done = parts.next().and_then(|x| x.parse().ok()).unwrap_or(0);
                let total = parts.next().and_then(|x| x.parse().ok()).unwrap_or(10);
                progress.set(done, total, parts.next().unwrap_or(""));
            } else if line.starts_with("WARN ") || line.contains("Error") {
                warnings.push(line);
            }
        }
    }
    let status = child
        .wait()
        .map_err(io_err("the calibration did not finish"))?;
    let stdout = out_thread.join().unwrap_or_default();
    if !status.success() {
        return Err(EnvError::BadInterpreter {
            path: env.python.display().to_string(),
            reason: format!("the calibration failed: {}", warnings.join("; ")),
        });
    }
    let raw: Raw = serde_json::from_str(stdout.trim()).map_err(|e| EnvError::BadInterpreter {
        path: env.python.display().to_string(),
        reason: format!("the calibration printed unexpected output ({e})"),
    })?;
    let mut startup = raw.startup;
    progress.set(9, 10, "interpreter and import start-up");
    measure_startup(env, if full { 7 } else { 5 }, &mut startup);
    progress.finish(&format!("{} rates measured", raw.rates.len()));
    for w in warnings {
        tracing::warn!("{w}");
    }
    Ok(NodeProfile {
        schema: NODE_SCHEMA.to_string(),
        fingerprint: raw.fingerprint,
        quick: !full,
        measured_at: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
        blas_threads: raw.blas_threads,
        rates: raw.rates,
        startup,
        // Stamped by the caller, which completes the procedure.
        method: 0,
    })
}

/// What each import costs a fresh process, measured from here (a small parent)
/// the way a job's own process will be, not from a forked Python whose memory
/// would count in the child's peak.
const IMPORTS: &[(&str, &str)] = &[
    // The bare interpreter; standard modules are measured one by one below.
    ("python", "import sys"),
    (
        "numpy",
        "import sys, os, math, time, random, re, argparse; import numpy",
    ),
    (
        "numpy.blas",
        "import numpy as np; a = np.ones((512, 512)); b = a @ a; c = b @ a",
    ),
    (
        "numpy.random",
        "import sys, os, math, time, random, re, argparse; import numpy as np; np.random.default_rng(0).random(10)",
    ),
    ("scipy", "import scipy"),
    ("scipy.signal", "import scipy.signal"),
    ("scipy.linalg", "import scipy.linalg"),
    ("scipy.fft", "import scipy.fft"),
    (
        "cryptography",
        "import cryptography.hazmat.primitives.ciphers",
    ),
    ("torch", "import torch"),
];

/// Standard modules whose import costs a script more than the bare
/// interpreter (a shared library, or many submodules), each measured as
/// `stdlib.NAME` (the top-level name a program imports) by importing the
/// module most programs use under it.
pub const STDLIB: &[(&str, &str)] = &[
    ("argparse", "argparse"),
    ("array", "array"),
    ("asyncio", "asyncio"),
    ("base64", "base64"),
    ("collections", "collections"),
    ("concurrent", "concurrent.futures"),
    ("csv", "csv"),
    ("ctypes", "ctypes"),
    ("dataclasses", "dataclasses"),
    ("datetime", "datetime"),
    ("decimal", "decimal"),
    ("email", "email.message"),
    ("fractions", "fractions"),
    ("functools", "functools"),
    ("gzip", "gzip"),
    ("hashlib", "hashlib"),
    ("hmac", "hmac"),
    ("http", "http.client"),
    ("json", "json"),
    ("logging", "logging"),
    ("lzma", "lzma"),
    ("multiprocessing", "multiprocessing"),
    ("pathlib", "pathlib"),
    ("pickle", "pickle"),
    ("random", "random"),
    ("re", "re"),
    ("secrets", "secrets"),
    ("socket", "socket"),
    ("sqlite3", "sqlite3"),
    ("ssl", "ssl"),
    ("statistics", "statistics"),
    ("subprocess", "subprocess"),
    ("tempfile", "tempfile"),
    ("threading", "threading"),
    ("typing", "typing"),
    ("urllib", "urllib.request"),
    ("uuid", "uuid"),
    ("xml", "xml.etree.ElementTree"),
    ("zipfile", "zipfile"),
    ("zlib", "zlib"),
];

fn measure_startup(env: &WorkerEnv, runs: usize, out: &mut BTreeMap<String, Startup>) {
    let dir = crate::data_home().join("scripts");
    let stdlib: Vec<(String, String)> = STDLIB
        .iter()
        .map(|(name, module)| (format!("stdlib.{name}"), format!("import sys, {module}")))
        .collect();
    let all = IMPORTS
        .iter()
        .map(|(n, c)| (n.to_string(), c.to_string()))
        .chain(stdlib);
    for (name, code) in all {
        // Run as a script file, the way jobs run (a `-c` string is lighter).
        let script = dir.join(format!("startup_{}.py", name.replace('.', "_")));
        if std::fs::write(&script, format!("{code}\n")).is_err() {
            continue;
        }
        let mut samples = Vec::new();
        for _ in 0..runs {
            let m =
                crate::run::run_command(&env.python, &[script.display().to_string()], &dir, None);
            match m {
                Ok(m) if m.success() => samples.push(m),
                _ => break,
            }
        }
        if samples.len() < runs {
            continue;
        }
        // Start-up is fixed work: anything above the fastest run is noise from
        // other load on the machine.
        let best = |f: fn(&crate::run::Measured) -> f64| {
            samples.iter().map(f).fold(f64::INFINITY, f64::min)
        };
        out.insert(
            name.clone(),
            Startup {
                wall_seconds: best(|m| m.wall_seconds),
                cpu_seconds: best(|m| m.cpu_seconds),
                rss_bytes: best(|m| m.max_rss_bytes),
            },
        );
    }
}
