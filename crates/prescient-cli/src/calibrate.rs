//! `prescient calibrate [--full] [--python PATH]`.

use crate::Failure;
use std::fmt::Write;
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    /// Measure more sizes and repeat longer (a few minutes) instead of the quick mode.
    #[arg(long)]
    full: bool,
    /// Use this Python interpreter as the worker environment instead of the managed one.
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// Print the stored profile as JSON (schema `prescient.node/1`).
    #[arg(long)]
    json: bool,
}

pub fn run(a: Args) -> Result<(), Failure> {
    let env = crate::node::env(a.python)?;
    let store = crate::node::open_store()?;
    let p = crate::node::calibrate(&env, &store, a.full)?;
    if a.json {
        let mut s = serde_json::to_string_pretty(&p).map_err(Failure::internal)?;
        s.push('\n');
        return crate::analyze::write_stdout(&s);
    }
    let r = |k: &str| p.rate(k).unwrap_or(0.0);
    let mut out = String::new();
    let fp = &p.fingerprint;
    let _ = writeln!(
        out,
        "node {} ({}), {} cores, {:.1} GiB, ISA: {}",
        fp.id(),
        fp.cpu_model,
        fp.cores,
        fp.memory_bytes as f64 / 1073741824.0,
        fp.isa.join(" ")
    );
    let _ = writeln!(
        out,
        "python {} with {}",
        fp.python,
        fp.libraries
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(out, "BLAS threads: {}", p.blas_threads);
    let _ = writeln!(
        out,
        "GEMM float64 1024: {:.1} GFLOP/s (1 thread at 512: {:.1})",
        r("gemm.float64.1024") / 1e9,
        r("gemm.float64.512.threads1") / 1e9
    );
    let _ = writeln!(
        out,
        "GEMM float32 1024: {:.1} GFLOP/s",
        r("gemm.float32.1024") / 1e9
    );
    let _ = writeln!(
        out,
        "memory copy {:.1} GB/s, triad {:.1} GB/s, fresh fill {:.1} GB/s",
        r("mem.copy") / 1e9,
        r("mem.triad") / 1e9,
        r("mem.fresh_fill") / 1e9
    );
    let _ = writeln!(
        out,
        "elementwise add {:.2} G elem/s, exp {:.2} G elem/s",
        r("ew.add") / 1e9,
        r("ew.exp") / 1e9
    );
    let _ = writeln!(
        out,
        "FFT {:.1} GFLOP/s, sort {:.0} M key-levels/s",
        r("fft.complex") / 1e9,
        r("sort.float64") / 1e6
    );
    let _ = writeln!(
        out,
        "sha256 {:.0} MB/s, sha512 {:.0} MB/s, AES {:.0} MB/s, pbkdf2-sha256 {:.1} M iterations/s",
        r("hash.sha256") / 1e6,
        r("hash.sha512") / 1e6,
        r("cipher.aes") / 1e6,
        r("kdf.pbkdf2_sha256") / 1e6
    );
    let _ = writeln!(
        out,
        "interpreter: loop {:.1} ns, float op {:.1} ns, call {:.1} ns",
        r("interp.loop_iter") * 1e9,
        r("interp.float_arith") * 1e9,
        r("interp.call") * 1e9
    );
    let stdlib: Vec<f64> = p
        .startup
        .iter()
        .filter(|(k, _)| k.starts_with("stdlib."))
        .map(|(_, s)| s.rss_bytes / 1048576.0)
        .collect();
    if !stdlib.is_empty() {
        let lo = stdlib.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = stdlib.iter().copied().fold(0.0, f64::max);
        let _ = writeln!(
            out,
            "start-up of {} standard modules: {lo:.0}-{hi:.0} MiB",
            stdlib.len()
        );
    }
    for (k, s) in p.startup.iter().filter(|(k, _)| !k.starts_with("stdlib.")) {
        let _ = writeln!(
            out,
            "start-up {k}: {:.0} ms, {:.0} MiB",
            s.wall_seconds * 1e3,
            s.rss_bytes / 1048576.0
        );
    }
    let _ = writeln!(out, "stored in {}", crate::node::history_path().display());
    crate::analyze::write_stdout(&out)
}
