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
    /// Keep the class costs of this fit (a file `--out` wrote, such as the
    /// shipped one) and set only their common level on these snippets.
    #[arg(long, value_name = "FILE")]
    keep_costs: Option<PathBuf>,
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
    // Read before anything is measured: a bad file fails at once.
    let kept: Option<InterpFit> = match &a.keep_costs {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| Failure::input(anyhow::anyhow!("cannot read {}: {e}", p.display())))?;
            let fit: InterpFit = serde_json::from_str(&text).map_err(|e| {
                Failure::input(anyhow::anyhow!("{} is not a fit: {e}", p.display()))
            })?;
            if fit.schema != interp_fit::SCHEMA {
                return Err(Failure::input(anyhow::anyhow!(
                    "{} has schema {}, not {}",
                    p.display(),
                    fit.schema,
                    interp_fit::SCHEMA
                )));
            }
            Some(fit)
        }
        None => None,
    };
    let env = crate::node::env(a.python.clone())?;
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
        // The fitted classes price what is left once the work costed apart
        // (built-ins' steps in C, the collector, fresh memory) is taken away.
        let apart = prescient_profile::cost::apart_seconds(&ops);
        let (Some(t), true) = (best.map(|t| t - apart), ops.total() > 0.0) else {
            skipped += 1;
            continue;
        };
        if t <= 0.0 {
            skipped += 1;
            continue;
        }
        let x: Vec<f64> = ops
            .classes()
            .iter()
            .map(|(n, v)| {
                if interp_fit::UNFITTED.contains(n) {
                    0.0
                } else {
                    *v
                }
            })
            .collect();
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

    let node = format!(
        "{} ({}), python {}",
        profile.fingerprint.id(),
        profile.fingerprint.cpu_model,
        profile.fingerprint.python
    );
    let fit = match kept {
        Some(kept) => keep_costs(kept, &rows, &names, &a, node),
        None => fresh_fit(&rows, &replaced, &names, &a, &profile, node),
    };
    let costs: Vec<f64> = names
        .iter()
        .map(|n| fit.cost.get(*n).copied().unwrap_or(0.0))
        .collect();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} snippets (seed {}), {} skipped (no interpreted work, or no time left once the work costed apart is taken off)",
        rows.len(),
        a.seed,
        skipped
    );
    let _ = writeln!(out, "cost per counted operation (ns), before the level:");
    for (n, c) in names.iter().zip(&costs) {
        let _ = writeln!(out, "  {n:12} {:8.2}", c * 1e9);
    }
    let _ = writeln!(out, "level: {:.3}", fit.level);
    let line = |label: &str, acc: &Accuracy| {
        format!(
            "{label}: median error {:.1}%, within 25%: {:.1}%, within 40%: {:.1}%\n",
            acc.median_error * 100.0,
            acc.within_25 * 100.0,
            acc.within_40 * 100.0
        )
    };
    match &fit.level_fit {
        Some(l) => {
            out.push_str(&line("kept costs alone, these snippets", &l.costs_alone));
            out.push_str(&line(
                &format!(
                    "kept costs at the level, on snippets left out ({} folds)",
                    a.folds
                ),
                &l.held_out,
            ));
        }
        None => {
            out.push_str(&line(
                &format!("fit, on snippets left out ({} folds)", a.folds),
                &fit.provenance.held_out,
            ));
            out.push_str(&line(
                "replaced model (microbenchmarks x interp.scale), same snippets",
                &fit.provenance.replaced_model,
            ));
        }
    }
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

/// Class costs and their level both fitted on the rows.
fn fresh_fit(
    rows: &[(Vec<f64>, f64)],
    replaced: &[f64],
    names: &[&str],
    a: &Args,
    profile: &prescient_model::NodeProfile,
    node: String,
) -> InterpFit {
    let held_out = Accuracy::of(&interp_fit::cross_validate(rows, a.folds));
    let old_pairs: Vec<(f64, f64)> = replaced
        .iter()
        .zip(rows)
        .map(|(p, (_, t))| (*p, *t))
        .collect();
    let replaced_model = Accuracy::of(&old_pairs);
    let costs = interp_fit::fit_costs(rows);
    let level = interp_fit::fit_level(rows, &costs);
    InterpFit {
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
            node,
            held_out,
            replaced_model,
        },
        level,
        level_fit: None,
    }
}

/// `kept`'s class costs, at the level that makes their median prediction
/// of the rows right.
fn keep_costs(
    kept: InterpFit,
    rows: &[(Vec<f64>, f64)],
    names: &[&str],
    a: &Args,
    node: String,
) -> InterpFit {
    let costs: Vec<f64> = names
        .iter()
        .map(|n| kept.cost.get(*n).copied().unwrap_or(0.0))
        .collect();
    let alone: Vec<(f64, f64)> = rows
        .iter()
        .map(|(x, t)| (x.iter().zip(&costs).map(|(a, b)| a * b).sum(), *t))
        .collect();
    let held_out = Accuracy::of(&interp_fit::cross_validate_level(rows, &costs, a.folds));
    InterpFit {
        level: interp_fit::fit_level(rows, &costs),
        level_fit: Some(interp_fit::LevelFit {
            seed: a.seed,
            snippets: rows.len(),
            folds: a.folds,
            node,
            costs_alone: Accuracy::of(&alone),
            held_out,
        }),
        ..kept
    }
}
