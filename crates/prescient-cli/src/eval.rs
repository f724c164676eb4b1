//! `prescient eval FILES_OR_DIRS [--runs N] [--timeout S] [--json F] [--csv F] [--measured F] [--leave-one-out] [-- ARGS]`:
//! runs each program for real in the worker environment, measures wall time, CPU
//! time and peak RSS, and compares them with the prediction: first at sight (no
//! history), then with the history of earlier runs. Every run is recorded in the
//! history database, so the second evaluation of a corpus shows what history buys.
//!
//! Each path given is one evaluation set (a directory, or a single program), and
//! the summary is given per set and over all of them, so that a held-out set is
//! never averaged away by the one the model was tuned on. Besides the error of
//! the point forecast, the summary reports interval coverage: the share of
//! programs whose measured value lies inside the forecast's interval, the figure
//! the planner relies on when it reserves the upper bound.

use crate::predict::{demand_of, observation, predict, record};
use crate::Failure;
use anyhow::Context;
use prescient_model::{Interval, NodeProfile};
use prescient_profile::history::{self, Observation};
use prescient_profile::Predicted;
use prescient_store::Demand;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(clap::Args)]
pub struct Args {
    /// Programs, or directories whose `*.py` files are evaluated.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Runs per program; the median is compared.
    #[arg(long, default_value_t = 1)]
    runs: u32,
    /// Seconds after which a program is stopped and reported as timed out.
    #[arg(long, default_value_t = 600.0)]
    timeout: f64,
    /// Per-program arguments (TOML: `[programs."name.py"] args = [...]`); by default
    /// `manifest.toml` in each directory given.
    #[arg(long)]
    manifest: Option<PathBuf>,
    /// Write the results as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Write the results as CSV.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Take the measurements from an earlier `--json` output instead of running
    /// the programs again (programs it lacks are run): for comparing model
    /// changes against one set of measurements. Nothing is recorded in the history.
    #[arg(long, value_name = "FILE")]
    measured: Option<PathBuf>,
    /// Take "with history" from runs of other programs only (never the program
    /// itself, whatever its arguments): what similar code alone teaches.
    #[arg(long)]
    others_only: bool,
    /// Take "with history" from the other programs of the sets given, never
    /// from the history database: each program is predicted from what the
    /// rest of the sets' first-sight predictions and measurements teach
    /// (leave one out). Deterministic, for judging how corrections learned
    /// from similar code carry over to code they were not learned on.
    #[arg(long, conflicts_with = "others_only")]
    leave_one_out: bool,
    /// Use this Python interpreter as the worker environment instead of the managed one.
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// Seconds to wait before each run, so that it meets the machine as a job
    /// does: where the kernel reports freed pages to the host (a virtual
    /// machine with free page reporting), memory the previous run freed is
    /// fast to touch again for about a second, then slow like any memory
    /// first touched. By default 2 there, 0 elsewhere.
    #[arg(long, value_name = "SECONDS")]
    settle: Option<f64>,
    /// Arguments for every program without its own in the manifest.
    #[arg(last = true)]
    args: Vec<String>,
}

/// A forecast's interval for each measured quantity.
#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
struct Bounds {
    wall: Interval,
    cpu: Interval,
    memory: Interval,
    /// The interpreter's resident set with the imports, inside `memory`:
    /// what is left is the program's data, whose interval width depends on
    /// `memory_basis` (`eval/calibrate_intervals.py` reads both).
    #[serde(default)]
    baseline_memory: f64,
    #[serde(default)]
    memory_basis: String,
    /// Start-up and imports, inside `wall`; what is left is the program's
    /// work, whose interval width depends on `wall_basis`.
    #[serde(default)]
    startup: f64,
    #[serde(default)]
    wall_basis: String,
}

#[derive(Clone, Debug, Default, Serialize, serde::Deserialize)]
#[serde(default)]
struct Row {
    /// The evaluation set: the path given on the command line.
    set: String,
    program: String,
    args: Vec<String>,
    status: String,
    first_sight: Option<Demand>,
    first_sight_bounds: Option<Bounds>,
    with_history: Option<Demand>,
    history: String,
    actual: Option<Demand>,
    runs: u32,
}

#[derive(Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    /// Settings for every program of the directory without its own.
    #[serde(default)]
    defaults: Defaults,
    #[serde(default)]
    programs: BTreeMap<String, Entry>,
}

#[derive(Default, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    args: Option<Vec<String>>,
    timeout: Option<f64>,
}

#[derive(Default, Clone, serde::Deserialize)]
struct Entry {
    #[serde(default)]
    args: Vec<String>,
    #[serde(default)]
    skip: bool,
    timeout: Option<f64>,
}

fn load_manifest(path: &Path) -> Result<Manifest, Failure> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(Failure::input)?;
    toml::from_str(&text)
        .with_context(|| format!("{} is not a valid manifest", path.display()))
        .map_err(Failure::input)
}

/// The programs to evaluate, each with its set and its manifest entry.
fn programs(a: &Args) -> Result<Vec<(String, PathBuf, Entry)>, Failure> {
    let explicit = a.manifest.as_deref().map(load_manifest).transpose()?;
    let mut out = Vec::new();
    for p in &a.paths {
        let (files, dir_manifest) = if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read {}", p.display()))
                .map_err(Failure::input)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "py") && f.is_file())
                .collect();
            v.sort();
            let m = p.join("manifest.toml");
            (
                v,
                if m.exists() {
                    Some(load_manifest(&m)?)
                } else {
                    None
                },
            )
        } else if p.is_file() {
            (vec![p.clone()], None)
        } else {
            return Err(Failure::input(anyhow::anyhow!(
                "{}: no such file or directory",
                p.display()
            )));
        };
        for f in files {
            let name = f
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_default();
            let manifest = explicit.as_ref().or(dir_manifest.as_ref());
            let defaults = manifest.map(|m| m.defaults.clone()).unwrap_or_default();
            let entry = manifest
                .and_then(|m| m.programs.get(&name).cloned())
                .unwrap_or_else(|| Entry {
                    args: defaults.args.clone().unwrap_or_else(|| a.args.clone()),
                    ..Default::default()
                });
            let entry = Entry {
                timeout: entry.timeout.or(defaults.timeout),
                ..entry
            };
            if !entry.skip {
                out.push((p.display().to_string(), f, entry));
            }
        }
    }
    if out.is_empty() {
        return Err(Failure::input(anyhow::anyhow!(
            "no Python programs to evaluate"
        )));
    }
    Ok(out)
}

/// The rows of an earlier `--json` output.
fn load_measured(path: &Path) -> Result<Vec<Row>, Failure> {
    #[derive(serde::Deserialize)]
    struct File {
        results: Vec<Row>,
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(Failure::input)?;
    let f: File = serde_json::from_str(&text)
        .with_context(|| {
            format!(
                "{} is not the JSON output of `prescient eval`",
                path.display()
            )
        })
        .map_err(Failure::input)?;
    Ok(f.results)
}

/// Where freed pages go back to the host (see `--settle`).
const PAGE_REPORTING: &str = "/sys/module/page_reporting";
const SETTLE_SECONDS: f64 = 2.0;

/// The wait before a measured run: as asked, or the default for this machine.
fn settle(asked: Option<f64>) -> Duration {
    let seconds = asked.unwrap_or_else(|| {
        if std::path::Path::new(PAGE_REPORTING).exists() {
            SETTLE_SECONDS
        } else {
            0.0
        }
    });
    if seconds.is_finite() {
        Duration::from_secs_f64(seconds.clamp(0.0, 600.0))
    } else {
        Duration::ZERO
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        0.0
    } else {
        v[v.len() / 2]
    }
}

pub fn run(a: Args) -> Result<(), Failure> {
    let progs = programs(&a)?;
    let env = crate::node::env(a.python.clone())?;
    let store = crate::node::open_store()?;
    let node = crate::node::profile(&env, &store)?;
    let cwd = std::env::current_dir().map_err(Failure::internal)?;
    let measured = a.measured.as_deref().map(load_measured).transpose()?;
    let mut rows = Vec::new();
    let mut firsts = Vec::new();
    for (i, (set, file, entry)) in progs.iter().enumerate() {
        eprintln!(
            "[{}/{}] {} {}",
            i + 1,
            progs.len(),
            file.display(),
            entry.args.join(" ")
        );
        let earlier = measured.as_ref().and_then(|m| {
            m.iter().find(|r| {
                r.program == file.display().to_string()
                    && r.args == entry.args
                    && r.actual.is_some()
            })
        });
        if let (Some(path), None) = (&a.measured, earlier) {
            // Paths are matched as given: the same set named from another
            // directory is not found, and running it is worth saying.
            eprintln!(
                "  no measurement of {} with these arguments in {}: running it",
                file.display(),
                path.display()
            );
        }
        let (mut row, first) =
            eval_one(file, entry, &a, (&env.python, &cwd), &store, &node, earlier);
        row.set = set.clone();
        rows.push(row);
        firsts.push(first);
    }
    if a.leave_one_out {
        leave_one_out(&mut rows, &firsts, &node);
    }
    let table = render(&rows);
    if let Some(p) = &a.json {
        let text = serde_json::to_string_pretty(&serde_json::json!({
            "schema": "prescient.eval/1",
            "node": node.fingerprint.id(),
            "node_cpu": node.fingerprint.cpu_model,
            "results": rows,
            "summary": summary_json(&rows),
        }))
        .map_err(Failure::internal)?;
        std::fs::write(p, text + "\n")
            .with_context(|| format!("cannot write {}", p.display()))
            .map_err(Failure::internal)?;
    }
    if let Some(p) = &a.csv {
        std::fs::write(p, csv(&rows))
            .with_context(|| format!("cannot write {}", p.display()))
            .map_err(Failure::internal)?;
    }
    crate::analyze::write_stdout(&table)
}

fn eval_one(
    file: &Path,
    entry: &Entry,
    a: &Args,
    (python, cwd): (&Path, &Path),
    store: &prescient_store::Store,
    node: &NodeProfile,
    earlier: Option<&Row>,
) -> (Row, Option<Predicted>) {
    let mut row = Row {
        program: file.display().to_string(),
        args: entry.args.clone(),
        ..Default::default()
    };
    let analysis = match crate::analyze::analyse_file(file, &entry.args) {
        Ok(x) => x,
        Err(f) => {
            row.status = format!("not analysed: {:#}", f.error);
            return (row, None);
        }
    };
    let first = predict(&analysis, node, None, false);
    let hist = crate::predict::predict_with(&analysis, node, Some(store), a.others_only);
    row.first_sight = Some(demand_of(&first));
    row.first_sight_bounds = first.analysis.prediction.as_ref().map(|p| Bounds {
        wall: p.wall_interval,
        cpu: p.cpu_interval,
        memory: p.peak_memory_interval,
        baseline_memory: p.baseline_memory_bytes,
        memory_basis: p.peak_memory_basis.as_str().into(),
        startup: p.startup_seconds,
        wall_basis: p.wall_basis.as_str().into(),
    });
    row.with_history = Some(demand_of(&hist));
    row.history = hist
        .analysis
        .prediction
        .as_ref()
        .map(|p| p.history.clone())
        .unwrap_or_default();
    if let Some(e) = earlier {
        row.actual = e.actual.clone();
        row.runs = e.runs;
        row.status = "ok".into();
        return (row, Some(first));
    }
    let timeout = Duration::from_secs_f64(entry.timeout.unwrap_or(a.timeout).max(0.1));
    let mut samples = Vec::new();
    for _ in 0..a.runs.max(1) {
        std::thread::sleep(settle(a.settle));
        match prescient_pyenv::run::run_measured(python, file, &entry.args, cwd, &[], Some(timeout))
        {
            Ok(m) if m.success() => samples.push(m),
            Ok(m) if m.timed_out => {
                row.status = format!("timed out after {:.0} s", timeout.as_secs_f64());
                return (row, None);
            }
            Ok(m) => {
                let why = match (m.exit_code, m.signal) {
                    (Some(c), _) => format!("exit code {c}"),
                    (_, Some(s)) => format!("killed by signal {s}"),
                    _ => "failed".into(),
                };
                let tail = m.stderr_tail(1);
                row.status = format!("program failed ({why}): {tail}");
                return (row, None);
            }
            Err(e) => {
                row.status = format!("could not run: {e}");
                return (row, None);
            }
        }
    }
    let actual = Demand {
        wall_seconds: median(samples.iter().map(|m| m.wall_seconds).collect()),
        cpu_seconds: median(samples.iter().map(|m| m.cpu_seconds).collect()),
        peak_memory_bytes: median(samples.iter().map(|m| m.max_rss_bytes).collect()),
    };
    row.runs = samples.len() as u32;
    if let Err(e) = store.record_run(&record(&analysis, node, &first, actual.clone())) {
        eprintln!("warning: run not recorded in the history: {e}");
    }
    row.actual = Some(actual);
    row.status = "ok".into();
    (row, Some(first))
}

/// "With history" for each row from the other rows only: their first-sight
/// predictions (the kernels' predicted seconds) and measurements are the
/// observations, as the history database would hold them had those programs
/// been run by this build. Runs of the same source (other arguments) are
/// left out too, as `--others-only` does.
fn leave_one_out(rows: &mut [Row], firsts: &[Option<Predicted>], node: &NodeProfile) {
    let obs: Vec<Option<(String, Observation)>> = rows
        .iter()
        .zip(firsts)
        .map(|(r, f)| {
            let (Some(actual), Some(f)) = (&r.actual, f) else {
                return None;
            };
            let run = record(&f.analysis, node, f, actual.clone());
            let o = observation(run, &f.analysis);
            Some((f.analysis.source_hash.clone(), o))
        })
        .collect();
    for (row, first) in rows.iter_mut().zip(firsts) {
        let Some(first) = first else { continue };
        let own = &first.analysis.source_hash;
        let others: Vec<Observation> = obs
            .iter()
            .flatten()
            .filter(|(hash, _)| hash != own)
            .map(|(_, o)| Observation {
                same_program: false,
                ..o.clone()
            })
            .collect();
        let mut p = first.clone();
        row.history = history::apply(&mut p, &others);
        row.with_history = Some(demand_of(&p));
    }
}

fn err(pred: f64, actual: f64) -> f64 {
    if actual <= 0.0 {
        return 0.0;
    }
    (pred - actual).abs() / actual
}

#[derive(Serialize)]
struct Stats {
    programs: usize,
    median_error: f64,
    within_25: f64,
    within_40: f64,
    /// Share of programs whose measured value lies inside the first-sight
    /// interval (first sight only).
    #[serde(skip_serializing_if = "Option::is_none")]
    coverage: Option<f64>,
    /// Share of programs whose measured value lies above the first-sight
    /// interval (first sight only): for memory, the jobs a planner
    /// reserving the upper bound would have under-reserved.
    #[serde(skip_serializing_if = "Option::is_none")]
    above: Option<f64>,
}

type Pick = fn(&Row) -> Option<&Demand>;
type Field = fn(&Demand) -> f64;
type Bound = fn(&Bounds) -> Interval;

const FIELDS: [(&str, Field, Bound); 3] = [
    ("wall", |d| d.wall_seconds, |b| b.wall),
    ("cpu", |d| d.cpu_seconds, |b| b.cpu),
    ("memory", |d| d.peak_memory_bytes, |b| b.memory),
];

const MODES: [(&str, Pick); 2] = [
    ("first sight", |r| r.first_sight.as_ref()),
    ("with history", |r| r.with_history.as_ref()),
];

fn stats(rows: &[&Row], mode: usize, field: Field, bound: Bound) -> Stats {
    let pick = MODES[mode].1;
    let errs: Vec<f64> = rows
        .iter()
        .filter_map(|r| Some(err(field(pick(r)?), field(r.actual.as_ref()?))))
        .collect();
    // Per program: inside the interval, and above it.
    let placed: Vec<(bool, bool)> = rows
        .iter()
        .filter_map(|r| {
            let i = bound(r.first_sight_bounds.as_ref()?);
            let a = field(r.actual.as_ref()?);
            Some((a >= i.low && a <= i.high, a > i.high))
        })
        .collect();
    let n = errs.len();
    let share = |k: usize, of: usize| k as f64 / of.max(1) as f64;
    Stats {
        programs: n,
        median_error: median(errs.clone()),
        within_25: share(errs.iter().filter(|e| **e <= 0.25).count(), n),
        within_40: share(errs.iter().filter(|e| **e <= 0.40).count(), n),
        coverage: (mode == 0 && !placed.is_empty())
            .then(|| share(placed.iter().filter(|p| p.0).count(), placed.len())),
        above: (mode == 0 && !placed.is_empty())
            .then(|| share(placed.iter().filter(|p| p.1).count(), placed.len())),
    }
}

/// The sets in the order they were given, then all of them together when
/// there are several.
fn groups(rows: &[Row]) -> Vec<(String, Vec<&Row>)> {
    let mut out: Vec<(String, Vec<&Row>)> = Vec::new();
    for r in rows {
        match out.iter_mut().find(|(s, _)| *s == r.set) {
            Some((_, v)) => v.push(r),
            None => out.push((r.set.clone(), vec![r])),
        }
    }
    if out.len() > 1 {
        out.push(("all".into(), rows.iter().collect()));
    }
    out
}

fn summary_json(rows: &[Row]) -> serde_json::Value {
    let mut sets = serde_json::Map::new();
    for (set, rs) in groups(rows) {
        let mut out = serde_json::Map::new();
        for (mode, (name, _)) in MODES.iter().enumerate() {
            let mut m = serde_json::Map::new();
            for (field_name, field, bound) in FIELDS {
                m.insert(
                    field_name.into(),
                    serde_json::to_value(stats(&rs, mode, field, bound)).unwrap_or_default(),
                );
            }
            out.insert(name.replace(' ', "_"), serde_json::Value::Object(m));
        }
        sets.insert(set, serde_json::Value::Object(out));
    }
    serde_json::Value::Object(sets)
}

fn render(rows: &[Row]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<30} {:>9} {:>9} {:>6}  {:>9} {:>9} {:>6}  {:>9} {:>9} {:>6}",
        "program",
        "wall pred",
        "actual",
        "err",
        "cpu pred",
        "actual",
        "err",
        "mem pred",
        "actual",
        "err"
    );
    for r in rows {
        let name: String = Path::new(&r.program)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let name: String = name.chars().take(30).collect();
        match (&r.first_sight, &r.actual) {
            (Some(p), Some(a)) => {
                let _ = writeln!(
                    out,
                    "{:<30} {:>8.3}s {:>8.3}s {:>5.0}%  {:>8.3}s {:>8.3}s {:>5.0}%  {:>7.1}Mi {:>7.1}Mi {:>5.0}%",
                    name,
                    p.wall_seconds,
                    a.wall_seconds,
                    err(p.wall_seconds, a.wall_seconds) * 100.0,
                    p.cpu_seconds,
                    a.cpu_seconds,
                    err(p.cpu_seconds, a.cpu_seconds) * 100.0,
                    p.peak_memory_bytes / 1048576.0,
                    a.peak_memory_bytes / 1048576.0,
                    err(p.peak_memory_bytes, a.peak_memory_bytes) * 100.0
                );
            }
            _ => {
                let _ = writeln!(out, "{name:<30} {}", r.status);
            }
        }
    }
    for (set, rs) in groups(rows) {
        for (mode, (name, _)) in MODES.iter().enumerate() {
            let _ = writeln!(out, "\n{set}, {name}:");
            for (field_name, field, bound) in FIELDS {
                let s = stats(&rs, mode, field, bound);
                let coverage = match (s.coverage, s.above) {
                    (Some(c), Some(a)) => format!(
                        ", in interval: {:>5.1}% (above: {:>4.1}%)",
                        c * 100.0,
                        a * 100.0
                    ),
                    _ => String::new(),
                };
                let _ = writeln!(
                    out,
                    "  {field_name:<7} median error {:>5.1}%, within 25%: {:>5.1}%, within 40%: {:>5.1}%{coverage}  ({} programs)",
                    s.median_error * 100.0,
                    s.within_25 * 100.0,
                    s.within_40 * 100.0,
                    s.programs
                );
            }
        }
    }
    let histories: Vec<&str> = rows
        .iter()
        .filter(|r| r.status == "ok")
        .map(|r| r.history.as_str())
        .collect();
    let exact = histories.iter().filter(|h| h.starts_with("exact")).count();
    let corrected = histories
        .iter()
        .filter(|h| h.starts_with("corrected"))
        .count();
    let _ = writeln!(out, "\nhistory: {exact} programs seen before (exact reuse), {corrected} corrected from similar kernels, {} at first sight", histories.len() - exact - corrected);
    out
}

fn csv(rows: &[Row]) -> String {
    let mut out = String::from("program,args,status,pred_wall,pred_cpu,pred_mem,hist_wall,hist_cpu,hist_mem,actual_wall,actual_cpu,actual_mem\n");
    let f = |d: &Option<Demand>| match d {
        Some(d) => format!(
            "{},{},{}",
            d.wall_seconds, d.cpu_seconds, d.peak_memory_bytes
        ),
        None => ",,".into(),
    };
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    for r in rows {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{}",
            q(&r.program),
            q(&r.args.join(" ")),
            q(&r.status),
            f(&r.first_sight),
            f(&r.with_history),
            f(&r.actual)
        );
    }
    out
}
