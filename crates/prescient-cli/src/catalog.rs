//! The programs a workload names, each with its forecast (from the analyser
//! and the forecaster, first sight: the policies learn the rest) and its
//! actual per-unit usage (from measured runs in the history database).
//!
//! A program with no measured run is run once for real on the local
//! cluster (`prescient run`), which records it; `--no-measure` refuses
//! instead.

use crate::Failure;
use anyhow::anyhow;
use indicatif::{ProgressBar, ProgressStyle};
use prescient_model::NodeProfile;
use prescient_plan::Forecast;
use prescient_sim::Actual;
use prescient_store::Store;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Measured runs used per program.
const RUNS: usize = 8;

#[derive(Clone, Debug)]
pub struct Program {
    pub forecast: Forecast,
    pub actual: Vec<Actual>,
    /// The source analysed (what a real replay runs) and its units.
    pub source: String,
    pub units: Vec<prescient_wire::Unit>,
    /// The measured runs the actual use was taken from, per unit.
    pub runs: Vec<Vec<prescient_plan::Observed>>,
}

impl Program {
    pub fn wall_seconds(&self) -> f64 {
        self.actual.iter().map(|a| a.seconds).sum()
    }

    pub fn core_seconds(&self) -> f64 {
        self.actual.iter().map(|a| a.seconds * a.cores).sum()
    }
}

/// Resident size of a warm worker before its job: it has numpy (and the
/// harness) loaded.
pub fn worker_rss(profile: &NodeProfile) -> f64 {
    profile
        .startup
        .get("numpy.random")
        .map_or(35e6, |s| s.rss_bytes)
}

/// The measured units of earlier runs of this code and arguments (newest
/// first), for learning a forecast.
pub fn measured_units(
    store: &Store,
    a: &prescient_model::Analysis,
    args: &[String],
    node: &str,
) -> Vec<Vec<prescient_plan::Observed>> {
    store
        .measured_sections(&a.source_hash, args, node, RUNS)
        .unwrap_or_default()
        .into_iter()
        .map(|run| {
            run.into_iter()
                .map(|s| prescient_plan::Observed {
                    seconds: s.actual.wall_seconds,
                    cpu_seconds: s.actual.cpu_seconds,
                    memory: s.actual.peak_memory_bytes,
                })
                .collect()
        })
        .collect()
}

pub struct Catalog {
    store: Store,
    profile: NodeProfile,
    worker_key: String,
    threads: u32,
    measure: bool,
    python: Option<PathBuf>,
    programs: HashMap<(PathBuf, Vec<String>), Program>,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

impl Catalog {
    pub fn open(python: Option<PathBuf>, measure: bool) -> Result<Catalog, Failure> {
        let env = crate::node::env(python.clone())?;
        let store = crate::node::open_store()?;
        let profile = crate::node::profile(&env, &store)?;
        let spec = crate::run::cluster_spec(None)?;
        let threads = spec
            .physical()
            .next()
            .map_or(1, |n| n.cores.round().max(1.0) as u32);
        Ok(Catalog {
            worker_key: format!("{}/worker", profile.fingerprint.id()),
            store,
            profile,
            threads: crate::node::threads_from_env().unwrap_or(threads),
            measure,
            python,
            programs: HashMap::new(),
        })
    }

    /// Loads every distinct program of `wanted`, measuring those never run,
    /// with a progress bar.
    pub fn load_all(&mut self, wanted: &[(PathBuf, Vec<String>)]) -> Result<(), Failure> {
        let mut distinct: Vec<&(PathBuf, Vec<String>)> = Vec::new();
        for w in wanted {
            if !self.programs.contains_key(w) && !distinct.contains(&w) {
                distinct.push(w);
            }
        }
        if distinct.is_empty() {
            return Ok(());
        }
        let bar = ProgressBar::new(distinct.len() as u64).with_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix("programs");
        if !std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
        }
        for (file, args) in distinct {
            bar.set_message(format!("{} {}", file.display(), args.join(" ")));
            let p = self.load(file, args, &bar)?;
            self.programs.insert((file.clone(), args.clone()), p);
            bar.inc(1);
        }
        bar.finish_and_clear();
        Ok(())
    }

    /// The resident memory of an idle worker on this node.
    pub fn worker_rss(&self) -> f64 {
        worker_rss(&self.profile)
    }

    pub fn get(&self, file: &Path, args: &[String]) -> Option<&Program> {
        self.programs.get(&(file.to_path_buf(), args.to_vec()))
    }

    fn load(&self, file: &Path, args: &[String], bar: &ProgressBar) -> Result<Program, Failure> {
        let name = file.display().to_string();
        let (analysis, source) = crate::analyze::analyse_file_with_source(file, args)?;
        let source =
            String::from_utf8(source).map_err(|e| Failure::input(anyhow!("{name}: {e}")))?;
        let opts = prescient_profile::Options {
            threads: Some(self.threads),
        };
        let predicted = prescient_profile::predict(&analysis, &self.profile, &opts);
        let forecast = Forecast::from_analysis(&predicted.analysis, worker_rss(&self.profile));
        let query = || {
            self.store
                .measured_sections(&analysis.source_hash, args, &self.worker_key, RUNS)
                .map_err(Failure::internal)
        };
        let mut runs = query()?;
        if runs.is_empty() {
            if !self.measure {
                return Err(Failure::input(anyhow!(
                    "{name} {}: no measured run in the history (run it once with `prescient run`, or drop --no-measure)",
                    args.join(" ")
                )));
            }
            bar.set_message(format!("measuring {name} {}", args.join(" ")));
            self.measure_once(file, args)?;
            runs = query()?;
            if runs.is_empty() {
                return Err(Failure::internal(anyhow!(
                    "{name}: measured, but no telemetry was recorded"
                )));
            }
        }
        let units = forecast.sections.len();
        let runs: Vec<_> = runs.into_iter().filter(|r| r.len() == units).collect();
        if runs.is_empty() {
            return Err(Failure::internal(anyhow!(
                "{name}: the measured runs have another number of sections than the analysis ({units}); run it again with `prescient run`"
            )));
        }
        let actual = forecast
            .sections
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let pick = |g: &dyn Fn(&prescient_store::SectionRun) -> f64| {
                    median(runs.iter().map(|r| g(&r[i])).collect())
                };
                let seconds = pick(&|s| s.actual.wall_seconds).max(1e-4);
                let cpu = pick(&|s| s.actual.cpu_seconds);
                // A short unit's CPU over wall time is mostly timer noise.
                let cores = if seconds >= prescient_plan::forecast::MIN_RATE_SECONDS {
                    cpu / seconds
                } else {
                    (cpu / seconds).min(1.0)
                };
                Actual {
                    seconds,
                    cores: cores.clamp(0.01, 64.0),
                    memory: pick(&|s| s.actual.peak_memory_bytes),
                    features: f.features,
                    feature_share: f.feature_share,
                }
            })
            .collect();
        let units = crate::run::units(&predicted.analysis, 0.0)
            .into_iter()
            .map(|u| u.unit)
            .collect();
        let runs = runs
            .iter()
            .map(|r| {
                r.iter()
                    .map(|s| prescient_plan::Observed {
                        seconds: s.actual.wall_seconds,
                        cpu_seconds: s.actual.cpu_seconds,
                        memory: s.actual.peak_memory_bytes,
                    })
                    .collect()
            })
            .collect();
        Ok(Program {
            forecast,
            actual,
            source,
            units,
            runs,
        })
    }

    /// Runs the program once on the local cluster, which records it.
    fn measure_once(&self, file: &Path, args: &[String]) -> Result<(), Failure> {
        let exe = std::env::current_exe().map_err(Failure::internal)?;
        let mut cmd = std::process::Command::new(exe);
        cmd.arg("run").arg("-q").arg("--no-history");
        if let Some(p) = &self.python {
            cmd.arg("--python").arg(p);
        }
        cmd.arg(file).arg("--").args(args);
        cmd.stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        let out = cmd.output().map_err(Failure::internal)?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            let tail: Vec<&str> = err.lines().rev().take(5).collect();
            return Err(Failure::input(anyhow!(
                "{} {}: failed when run to measure it ({}):\n{}",
                file.display(),
                args.join(" "),
                out.status,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            )));
        }
        Ok(())
    }
}
