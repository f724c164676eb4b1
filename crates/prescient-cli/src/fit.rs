//! `prescient fit-interp`: fits the interpreter cost model on generated
//! programs and reports its error on programs left out of the fit.
//!
//! Each snippet (`prescient_profile::snippets`) is analysed for its operation
//! counts and run in the worker environment, where it times its own entry
//! call. The costs per operation class come from a non-negative least-squares
//! fit (`prescient_profile::interp_fit`); k-fold cross-validation predicts
//! every snippet from a fit that did not see it, and the same snippets are
//! predicted by the model the fit replaces, for comparison. `--out` writes the
//! fit in the form the build ships (`crates/prescient-profile/data/interp_fit.json`).

use crate::Failure;
use prescient_profile::interp_fit::{self, Accuracy, InterpFit, Provenance};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// How many snippets to generate and measure.
    #[arg(long, default_value_t = 300)]
    snippets: u64,
    /// Seed of the snippet series (the same seed gives the same programs).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Folds of the cross-validation that measures the error on left-out snippets.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Runs per snippet; the fastest is taken (the others met a noisy machine).
    #[arg(long, default_value_t = 3)]
    runs: u32,
    /// Write the fit here (the shipped one lives in `crates/prescient-profile/data/interp_fit.json`).
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Write each snippet's operation counts and time here, as CSV.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Print snippet INDEX of the series and exit (to see what was measured).
    #[arg(long, value_name = "INDEX")]
    show: Option<u64>,
    /// Use this Python interpreter as the worker environment instead of the managed one.
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
}

pub fn run(a: Args) -> Result<(), Failure> {
    if let Some(i) = a.show {
        return crate::analyze::write_stdout(&prescient_profile::snippets::generate(a.seed, i));
    }
    if a.snippets < (a.folds as u64).max(2) * 4 {
        return Err(Failure::input(anyhow::anyhow!(
            "--snippets {} is too few for {} folds (at least 4 per fold)",
            a.snippets,
            a.folds
        )));
    }
    let env = crate::node::env(a.python)?;
    let store = crate::node::open_store()?;
    let profile = crate::node::profile(&env, &store)?;
    let dir = tempfile::tempdir().map_err(Failure::internal)?;
    let names: Vec<&str> = prescient_model::PyOps::default()
        .classes()
        .iter()
        .map(|(n, _)| *n)
        .collect();

    let mut bar = prescient_pyenv::progress::Progress::new("measuring snippets", a.snippets);
    let mut rows: Vec<(Vec<f64>, f64)> = Vec::new();
    let mut replaced: Vec<f64> = Vec::new();
    let mut csv = format!("snippet,{},seconds\n", names.join(","));
    let mut skipped = 0;
    for i in 0..a.snippets {
        bar.set(i, a.snippets, &format!("snippet {i}"));
        let code = prescient_profile::snippets::generate(a.seed, i);
        let name = format!("snippet_{i}.py");
        let analysis =
            prescient_analyse::analyze(code.as_bytes(), &name, &[], &prescient_analyse::NoFiles)
                .map_err(|e| Failure::internal(anyhow::anyhow!("snippet {i}: {e}")))?;
        let mut ops = prescient_model::PyOps::default();
        for o in analysis.kernels().filter_map(|k| k.py_ops.as_ref()) {
            ops.add(o);
        }
        let path = dir.path().join(&name);
        std::fs::write(&path, &code).map_err(Failure::internal)?;
        let mut best: Option<f64> = None;
        for _ in 0..a.runs.max(1) {
            let m = prescient_pyenv::run::run_measured(
                &env.python,
                &path,
                &[],
                dir.path(),
                &[],
                Some(Duration::from_secs(60)),
            )
            .map_err(Failure::internal)?;
            if !m.success() {
                return Err(Failure::internal(anyhow::anyhow!(
                    "snippet {i} failed: {}\n{code}",
                    m.stderr_tail(5)
                )));
            }
            let secs = String::from_utf8_lossy(&m.stdout)
                .trim()
                .parse::<f64>()
                .ok();
            if let Some(s) = secs {
                best = Some(best.map_or(s, |b: f64| b.min(s)));
            }
        }
        let (Some(t), true) = (best, ops.total() > 0.0) else {
            skipped += 1;
            continue;
        };
        let x: Vec<f64> = ops.classes().iter().map(|(_, v)| *v).collect();
        let _ = writeln!(
            csv,
            "{i},{},{t}",
            x.iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(",")
        );
        replaced.push(prescient_profile::cost::microbenchmark_seconds(
            &ops, &profile,
        ));
        rows.push((x, t));
    }
    bar.finish(&format!("{} snippets measured", rows.len()));

    let held_out = Accuracy::of(&interp_fit::cross_validate(&rows, a.folds));
    let old_pairs: Vec<(f64, f64)> = replaced
        .iter()
        .zip(&rows)
        .map(|(p, (_, t))| (*p, *t))
        .collect();
    let replaced_model = Accuracy::of(&old_pairs);
    let costs = interp_fit::fit_costs(&rows);
    let fit = InterpFit {
        schema: interp_fit::SCHEMA.into(),
        cost: names
            .iter()
            .zip(&costs)
            .map(|(n, c)| (n.to_string(), *c))
            .collect(),
        reference: interp_fit::REFERENCE_KEYS
            .iter()
            .filter_map(|k| Some((k.to_string(), profile.rate(k)?)))
            .collect::<BTreeMap<_, _>>(),
        provenance: Provenance {
            seed: a.seed,
            snippets: rows.len(),
            folds: a.folds,
            node: format!(
                "{} ({}), python {}",
                profile.fingerprint.id(),
                profile.fingerprint.cpu_model,
                profile.fingerprint.python
            ),
            held_out,
            replaced_model,
        },
    };

    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} snippets (seed {}), {} skipped without interpreted work",
        rows.len(),
        a.seed,
        skipped
    );
    let _ = writeln!(out, "cost per counted operation (ns):");
    for (n, c) in names.iter().zip(&costs) {
        let _ = writeln!(out, "  {n:12} {:8.2}", c * 1e9);
    }
    let line = |label: &str, acc: &Accuracy| {
        format!(
            "{label}: median error {:.1}%, within 25%: {:.1}%, within 40%: {:.1}%\n",
            acc.median_error * 100.0,
            acc.within_25 * 100.0,
            acc.within_40 * 100.0
        )
    };
    out.push_str(&line(
        &format!("fit, on snippets left out ({} folds)", a.folds),
        &held_out,
    ));
    out.push_str(&line(
        "replaced model (microbenchmarks x interp.scale), same snippets",
        &replaced_model,
    ));
    if let Some(p) = &a.out {
        let mut s = serde_json::to_string_pretty(&fit).map_err(Failure::internal)?;
        s.push('\n');
        std::fs::write(p, s)
            .map_err(|e| Failure::input(anyhow::anyhow!("cannot write {}: {e}", p.display())))?;
        let _ = writeln!(out, "fit written to {}", p.display());
    }
    if let Some(p) = &a.csv {
        std::fs::write(p, csv)
            .map_err(|e| Failure::input(anyhow::anyhow!("cannot write {}: {e}", p.display())))?;
    }
    crate::analyze::write_stdout(&out)
}
