//! What the binary's end-to-end tests share: the data directory they use,
//! the command with its environment, checking a run, and whether the Slurm
//! test cluster answers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The data directory of the tests (worker environment, calibration,
/// history), shared by the test binaries.
pub fn home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join("prescient-home");
        std::fs::create_dir_all(&p).unwrap();
        p
    })
}

/// An empty directory of this name for one test.
pub fn scratch(group: &str, name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(group)
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// `prescient` with the tests' data directory and no settings leaking in
/// from the caller's environment.
pub fn command() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_prescient"));
    c.env("PRESCIENT_HOME", home())
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .env_remove("PRESCIENT_LOG")
        .env_remove("PRESCIENT_SERVER")
        .env_remove("PRESCIENT_TOKEN");
    c
}

/// Asserts success; returns stdout.
pub fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Whether the Slurm test cluster answers. The suite's command
/// (scripts/test.sh) starts it; without it these tests fail, unless
/// PRESCIENT_SKIP_SLURM=1 says to leave Slurm out.
pub fn slurm_up() -> bool {
    if std::env::var_os("PRESCIENT_SKIP_SLURM").is_some_and(|v| v == "1") {
        eprintln!("PRESCIENT_SKIP_SLURM=1: not testing Slurm");
        return false;
    }
    let up = Command::new("sinfo")
        .arg("-h")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        up,
        "no Slurm cluster answers (SLURM_CONF={:?}); start the test cluster with \
         `eval \"$(bash scripts/slurm-up.sh)\"` as root, run the suite with \
         scripts/test.sh, or set PRESCIENT_SKIP_SLURM=1",
        std::env::var_os("SLURM_CONF")
    );
    true
}
