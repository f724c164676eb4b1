//! This node: its fingerprint, its calibrated profile (calibrating on first use)
//! and the history database.

use crate::Failure;
use prescient_model::{Fingerprint, NodeProfile};
use prescient_pyenv::{EnvOptions, WorkerEnv};
use prescient_store::Store;
use std::path::PathBuf;

/// The fingerprint of this machine with this worker environment.
pub fn fingerprint(env: &WorkerEnv) -> Fingerprint {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let flags: Vec<&str> = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.split_whitespace().collect())
        .unwrap_or_default();
    let mut isa: Vec<String> = [
        "avx2",
        "avx512f",
        "aes",
        "sha_ni",
        "fma",
        "avx512_vnni",
        "avx512_bf16",
    ]
    .iter()
    .filter(|f| flags.contains(f))
    .map(|f| f.to_string())
    .collect();
    isa.sort();
    let memory_bytes = std::fs::read_to_string("/proc/meminfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("MemTotal"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .unwrap_or(0);
    // SAFETY: sysconf has no preconditions.
    let cores = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1) as u32;
    let mut libraries = env.versions.clone();
    let python = libraries.remove("python").unwrap_or_default();
    Fingerprint {
        cpu_model: model,
        isa,
        cores,
        memory_bytes,
        python,
        libraries,
    }
}

/// The history database: `PRESCIENT_HISTORY` if set (a benchmark's server
/// keeps its own), else `history.db` in the data directory.
pub fn history_path() -> PathBuf {
    match std::env::var_os(HISTORY_ENV) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => prescient_pyenv::data_home().join("history.db"),
    }
}

/// Names another history database than the data directory's.
pub const HISTORY_ENV: &str = "PRESCIENT_HISTORY";

pub fn open_store() -> Result<Store, Failure> {
    Store::open(&history_path()).map_err(Failure::internal)
}

/// The worker environment, built on first use.
pub fn env(python: Option<PathBuf>) -> Result<WorkerEnv, Failure> {
    prescient_pyenv::ensure(&EnvOptions { python }).map_err(Failure::internal)
}

/// Measures this node and stores the profile.
/// Version of the calibration procedure, kept in the profile as `method`: a
/// profile measured by an older procedure is measured anew before use (2: peak memory measured through the launcher; 3: the
/// interpreter scale half trusted; 4: LAPACK rates at an order that is no
/// power of two).
pub const CALIBRATION_METHOD: u32 = 4;

pub fn calibrate(env: &WorkerEnv, store: &Store, full: bool) -> Result<NodeProfile, Failure> {
    let mut profile = prescient_pyenv::calibrate(env, full).map_err(Failure::internal)?;
    // The fingerprint is computed here, the same way lookups compute it.
    profile.fingerprint = fingerprint(env);
    calibrate_interpreter(env, &mut profile);
    profile.method = CALIBRATION_METHOD;
    store.save_node(&profile).map_err(Failure::internal)?;
    Ok(profile)
}

/// This node's profile, calibrating (quickly) if it never was.
pub fn profile(env: &WorkerEnv, store: &Store) -> Result<NodeProfile, Failure> {
    let fp = fingerprint(env);
    match store.node(&fp.id()).map_err(Failure::internal)? {
        Some(p) if p.method == CALIBRATION_METHOD => return Ok(p),
        Some(_) => eprintln!(
            "this node was calibrated by an older version of prescient: running a quick calibration first"
        ),
        None => eprintln!(
            "this node has not been calibrated yet: running a quick calibration first"
        ),
    }
    calibrate(env, store, false)
}

/// A profile from built-in figures, for when this node cannot be calibrated (no
/// usable Python): typical of a current x86 server core, stated as such.
pub fn builtin_profile() -> NodeProfile {
    let s = |wall: f64, rss_mib: f64| prescient_model::Startup {
        wall_seconds: wall,
        cpu_seconds: wall,
        rss_bytes: rss_mib * 1048576.0,
    };
    let mut startup = std::collections::BTreeMap::new();
    startup.insert("python".to_string(), s(0.02, 9.0));
    startup.insert("numpy".to_string(), s(0.09, 26.0));
    startup.insert("numpy.blas".to_string(), s(0.095, 33.0));
    startup.insert("scipy".to_string(), s(0.1, 28.0));
    startup.insert("scipy.signal".to_string(), s(0.75, 101.0));
    startup.insert("scipy.linalg".to_string(), s(0.25, 51.0));
    startup.insert("scipy.fft".to_string(), s(0.25, 50.0));
    startup.insert("cryptography".to_string(), s(0.03, 17.0));
    NodeProfile {
        schema: prescient_model::NODE_SCHEMA.into(),
        fingerprint: Fingerprint {
            cpu_model: "uncalibrated (built-in figures)".into(),
            // SAFETY: sysconf has no preconditions.
            cores: unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1) as u32,
            ..Default::default()
        },
        quick: true,
        measured_at: 0.0,
        blas_threads: unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1) as u32,
        rates: Default::default(),
        startup,
        method: 0,
    }
}

/// BLAS threads the job will get, from the environment it runs in.
pub fn threads_from_env() -> Option<u32> {
    ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find_map(|v| v.trim().parse::<u32>().ok())
        .filter(|n| *n > 0)
}

/// Small pure-Python programs run at calibration to relate the interpreter
/// operation counts to measured time (`interp.scale`).
const REFERENCES: &[(&str, &str)] = &[
    ("loops_matmul.py", include_str!("reference/loops_matmul.py")),
    ("loops_filter.py", include_str!("reference/loops_filter.py")),
    ("loops_bits.py", include_str!("reference/loops_bits.py")),
];

/// Sets `interp.scale` from the reference programs (measured time of their
/// interpreted work over what the operation model predicts for it) and
/// `mem.script_overhead` (their measured peak memory beyond the predicted one).
pub fn calibrate_interpreter(env: &WorkerEnv, profile: &mut NodeProfile) {
    let mut ratios = Vec::new();
    let mut rss_residuals = Vec::new();
    let dir = std::env::temp_dir();
    profile.rates.remove("interp.scale");
    profile.rates.remove("mem.script_overhead");
    for (name, code) in REFERENCES {
        let Ok(analysis) =
            prescient_analyse::analyze(code.as_bytes(), name, &[], &prescient_analyse::NoFiles)
        else {
            continue;
        };
        let pred =
            prescient_profile::predict(&analysis, profile, &prescient_profile::Options::default());
        let Some(p) = pred.analysis.prediction.as_ref() else {
            continue;
        };
        let predicted = p.wall_seconds - p.startup_seconds;
        // Run as a script file, the way jobs run.
        let script = dir.join(format!("prescient-reference-{}-{name}", std::process::id()));
        if std::fs::write(&script, code).is_err() {
            continue;
        }
        let mut walls = Vec::new();
        for _ in 0..3 {
            if let Ok(m) = prescient_pyenv::run::run_command(
                &env.python,
                &[script.display().to_string()],
                &dir,
                None,
            ) {
                if m.success() {
                    walls.push(m.wall_seconds);
                    rss_residuals.push(m.max_rss_bytes - p.peak_memory_bytes);
                }
            }
        }
        let _ = std::fs::remove_file(&script);
        walls.sort_by(f64::total_cmp);
        tracing::debug!(
            name,
            predicted,
            startup = p.startup_seconds,
            ?walls,
            "reference program"
        );
        if let Some(w) = walls.first() {
            let actual = w - p.startup_seconds;
            if predicted > 0.0 && actual > 0.0 {
                ratios.push(actual / predicted);
            }
        }
    }
    ratios.sort_by(f64::total_cmp);
    if let Some(r) = ratios.get(ratios.len() / 2) {
        // The reference programs lean on nested list indexing, which runs
        // slower per counted operation than the typical mix (bit and crypto
        // loops run faster): measured per program, the ratio spans 0.7-2.8.
        // Their median is only half trusted, in log terms, against the
        // microbenchmarks' 1.0; the square root did best on the corpus and on
        // programs written outside it.
        profile
            .rates
            .insert("interp.scale".into(), r.sqrt().clamp(0.5, 3.0));
    }
    rss_residuals.sort_by(f64::total_cmp);
    if let Some(r) = rss_residuals.get(rss_residuals.len() / 2) {
        // A few MiB at most: anything larger is a model error, not overhead.
        profile
            .rates
            .insert("mem.script_overhead".into(), r.clamp(0.0, 8.0 * 1048576.0));
    }
}

/// The nodes as a planner of the real local cluster sees them: without the
/// memory its agents' warm workers hold there.
pub fn planned_nodes(
    spec: &prescient_model::cluster::ClusterSpec,
    worker_rss: f64,
) -> Vec<prescient_plan::NodeInfo> {
    let mut nodes = prescient_plan::fleet::nodes_of(spec);
    for n in &mut nodes {
        let spare = prescient_runtime::agent::warm_reserve(n.capacity.cores, worker_rss);
        n.capacity.memory = (n.capacity.memory - spare).max(0.0);
    }
    nodes
}

/// How `run`, `replay` and `bench-migration` start the local cluster's
/// agents: this executable in agent mode, the worker environment's
/// interpreter, the installed harness, workers as `nobody` when root, warm.
pub fn cluster_options(
    env: &WorkerEnv,
    local_handover: bool,
) -> Result<prescient_runtime::coordinator::ClusterOptions, Failure> {
    use anyhow::Context;
    let harness_dir =
        prescient_runtime::harness::install(&prescient_pyenv::data_home().join("scripts"))
            .map_err(Failure::internal)?;
    Ok(prescient_runtime::coordinator::ClusterOptions {
        agent_exe: std::env::current_exe()
            .context("cannot find the prescient executable")
            .map_err(Failure::internal)?,
        agent_arg: crate::AGENT_ARG.into(),
        python: env.python.clone(),
        harness_dir,
        worker_user: "nobody".into(),
        warm: true,
        local_handover,
        log_dir: prescient_pyenv::data_home().join("slurm-logs"),
        secret: None,
        spool_dir: None,
    })
}
