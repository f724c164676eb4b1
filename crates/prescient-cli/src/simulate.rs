//! `prescient simulate WORKLOAD` (replays a workload under each policy in the
//! discrete-event simulator and prints them side by side) and `prescient
//! generate` (writes a workload that mixes programs at a chosen load).

use crate::catalog::Catalog;
use crate::Failure;
use anyhow::{anyhow, Context};
use prescient_plan::{policies, JobInfo, NodeInfo};
use prescient_sim::metrics::{summarise, table, Summary};
use prescient_sim::workload::{self, Submission};
use prescient_sim::{simulate, Options, Outcome, SimJob};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Largest workload file read.
const MAX_WORKLOAD_BYTES: u64 = 2 << 30;

/// What `simulate` and `replay` share: the workload, the cluster, and what
/// they write besides the table.
#[derive(clap::Args)]
pub struct Common {
    /// The workload: JSON lines, one job each (see docs/schema/workload.md).
    pub workload: PathBuf,
    /// Cluster spec (TOML). Default: this machine split into two nodes.
    #[arg(long, value_name = "FILE")]
    pub cluster: Option<PathBuf>,
    /// Print the figures as JSON (schema `prescient.simulation/1`; a replay
    /// adds `mode`: `replay`).
    #[arg(long)]
    pub json: bool,
    /// Draw each policy's cluster timeline as SVG.
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
    /// Start the policies from the measured runs in the history, as a
    /// deployment that has seen these programs before (default: first
    /// sight; the policies learn as jobs end).
    #[arg(long)]
    pub history: bool,
    /// Write every job's outcome under each policy as JSON lines.
    #[arg(long, value_name = "FILE.jsonl")]
    pub job_outcomes: Option<PathBuf>,
    /// Use this Python interpreter as the worker environment instead of the managed one.
    #[arg(long, value_name = "PATH")]
    pub python: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: Common,
    /// `all`, or a comma-separated list of: proactive, static, reactive, oracle.
    #[arg(long, default_value = "all")]
    policy: String,
    /// Refuse programs without a measured run instead of running them once.
    #[arg(long)]
    no_measure: bool,
}

#[derive(clap::Args)]
pub struct GenerateArgs {
    /// The mix (TOML): programs, weights, priorities, declared requests.
    #[arg(long, value_name = "FILE")]
    mix: PathBuf,
    /// Number of jobs.
    #[arg(long, default_value_t = 1000)]
    jobs: usize,
    /// Offered work over what the cluster's always-on cores can do.
    #[arg(long, default_value_t = 0.8)]
    load: f64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The cluster the load is relative to. Default: this machine split into two nodes.
    #[arg(long, value_name = "FILE")]
    cluster: Option<PathBuf>,
    /// Where to write the workload (default: standard output).
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
}

/// The policies named by `--policy`.
pub fn policy_names(arg: &str) -> Result<Vec<&'static str>, Failure> {
    if arg == "all" {
        return Ok(policies::NAMES.to_vec());
    }
    arg.split(',')
        .map(|p| {
            policies::NAMES
                .iter()
                .copied()
                .find(|n| *n == p.trim())
                .ok_or_else(|| {
                    Failure::input(anyhow!(
                        "unknown policy `{p}` (known: {}, or all)",
                        policies::NAMES.join(", ")
                    ))
                })
        })
        .collect()
}

/// Reads and parses a workload file.
pub fn read_workload(path: &Path) -> Result<Vec<Submission>, Failure> {
    let name = path.display();
    let meta = std::fs::metadata(path)
        .with_context(|| format!("cannot read {name}"))
        .map_err(Failure::input)?;
    if meta.len() > MAX_WORKLOAD_BYTES {
        return Err(Failure::input(anyhow!("{name}: larger than 2 GiB")));
    }
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read {name}"))
        .map_err(Failure::input)?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Failure::input(anyhow!("{name}: not UTF-8 text ({e})")))?;
    workload::parse(&text).map_err(|e| Failure::input(anyhow!("{name}: {e}")))
}

/// A workload's program path, resolved against the workload's directory.
pub fn resolve(base: &Path, program: &str) -> PathBuf {
    let p = Path::new(program);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    }
}

/// `path` relative to the directory `from` (both absolute), with `..` where needed.
pub fn relative(path: &Path, from: &Path) -> PathBuf {
    let a: Vec<_> = path.components().collect();
    let b: Vec<_> = from.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &a[common..] {
        out.push(c);
    }
    out
}

/// The workload as simulated jobs.
pub fn sim_jobs(subs: &[Submission], base: &Path, cat: &Catalog) -> Result<Vec<SimJob>, Failure> {
    let mut keys: Vec<(PathBuf, Vec<String>)> = Vec::new();
    subs.iter()
        .enumerate()
        .map(|(i, s)| {
            let file = resolve(base, &s.program);
            let prog = cat
                .get(&file, &s.args)
                .ok_or_else(|| Failure::internal(anyhow!("{} was not loaded", file.display())))?;
            let id = (file, s.args.clone());
            let key = match keys.iter().position(|k| *k == id) {
                Some(k) => k,
                None => {
                    keys.push(id);
                    keys.len() - 1
                }
            } as u32;
            Ok(SimJob {
                info: JobInfo {
                    id: i as u32,
                    submit: s.submit,
                    priority: s.priority,
                    deadline: s.deadline,
                    declared: s.declared().map_err(|e| Failure::input(anyhow!(e)))?,
                    forecast: prog.forecast.clone(),
                    key,
                },
                actual: prog.actual.clone(),
            })
        })
        .collect()
}

/// Gives a policy the measured runs of every program of the workload.
pub fn seed_history(
    policy: &mut dyn prescient_plan::Policy,
    jobs: &[SimJob],
    subs: &[Submission],
    base: &Path,
    cat: &Catalog,
) {
    let mut seen = std::collections::BTreeSet::new();
    for j in jobs {
        if !seen.insert(j.info.key) {
            continue;
        }
        let s = &subs[j.info.id as usize];
        if let Some(p) = cat.get(&resolve(base, &s.program), &s.args) {
            policy.history(j.info.key, &j.info.forecast, &p.runs);
        }
    }
}

/// Runs one policy.
pub fn run_policy(
    name: &str,
    nodes: &[NodeInfo],
    jobs: &[SimJob],
    seed: &dyn Fn(&mut dyn prescient_plan::Policy),
) -> Result<(Outcome, f64), Failure> {
    let mut policy = policies::by_name(name, nodes.to_vec())
        .ok_or_else(|| Failure::input(anyhow!("unknown policy {name}")))?;
    seed(policy.as_mut());
    let jobs = prescient_sim::job::for_policy(jobs, policies::wants_actual(name));
    let t = std::time::Instant::now();
    let o = simulate(nodes, &jobs, policy.as_mut(), Options::default());
    Ok((o, t.elapsed().as_secs_f64()))
}

#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    workload: String,
    jobs: usize,
    nodes: usize,
    /// `first_sight` (the policies learn as jobs end) or `history`.
    forecasts: &'static str,
    policies: Vec<PolicyReport<'a>>,
}

#[derive(Serialize)]
struct PolicyReport<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    /// Wall time the simulation of this policy took.
    simulation_seconds: f64,
}

/// A workload with its cluster and its programs loaded (measured if needed).
pub struct Loaded {
    pub subs: Vec<Submission>,
    /// The workload file's directory, which program paths are relative to.
    pub base: PathBuf,
    pub spec: prescient_model::cluster::ClusterSpec,
    pub nodes: Vec<NodeInfo>,
    pub cat: Catalog,
    /// Each job's program file and arguments.
    pub files: Vec<(PathBuf, Vec<String>)>,
    pub jobs: Vec<SimJob>,
}

/// Every job's outcome under each policy, one JSON line per job and
/// policy; `rounds[r]` holds round r's outcomes,
/// and lines carry their `round` (from 1) only when there are several.
pub fn write_job_outcomes(
    path: &Path,
    rounds: &[Vec<prescient_sim::engine::Outcome>],
) -> Result<(), Failure> {
    let mut text = String::new();
    for (r, outcomes) in rounds.iter().enumerate() {
        for o in outcomes {
            for (i, j) in o.jobs.iter().enumerate() {
                let mut line = serde_json::json!({"policy": o.policy, "job": i, "outcome": j});
                if rounds.len() > 1 {
                    line["round"] = (r + 1).into();
                }
                text.push_str(&line.to_string());
                text.push('\n');
            }
        }
    }
    std::fs::write(path, text)
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(Failure::input)
}

pub fn load(
    workload: &Path,
    cluster: Option<&Path>,
    python: Option<PathBuf>,
    measure: bool,
) -> Result<Loaded, Failure> {
    let subs = read_workload(workload)?;
    let base = workload.parent().map(Path::to_path_buf).unwrap_or_default();
    let spec = crate::run::cluster_spec(cluster)?;
    let nodes = prescient_plan::fleet::nodes_of(&spec);
    let files: Vec<(PathBuf, Vec<String>)> = subs
        .iter()
        .map(|s| (resolve(&base, &s.program), s.args.clone()))
        .collect();
    // Bad input first, before the worker environment and the calibration.
    let mut seen = std::collections::BTreeSet::new();
    for (f, _) in &files {
        if seen.insert(f) {
            std::fs::metadata(f)
                .with_context(|| format!("{}: cannot read {}", workload.display(), f.display()))
                .map_err(Failure::input)?;
        }
    }
    let mut cat = Catalog::open(python, measure)?;
    cat.load_all(&files)?;
    let jobs = sim_jobs(&subs, &base, &cat)?;
    Ok(Loaded {
        subs,
        base,
        spec,
        nodes,
        cat,
        files,
        jobs,
    })
}

pub fn run(a: Args) -> Result<(), Failure> {
    let names = policy_names(&a.policy)?;
    let Loaded {
        subs,
        base,
        nodes,
        cat,
        jobs,
        ..
    } = load(
        &a.common.workload,
        a.common.cluster.as_deref(),
        a.common.python.clone(),
        !a.no_measure,
    )?;
    let mut outcomes = Vec::new();
    let mut summaries = Vec::new();
    let mut times = Vec::new();
    let seed = |p: &mut dyn prescient_plan::Policy| {
        if a.common.history {
            seed_history(p, &jobs, &subs, &base, &cat);
        }
    };
    for name in &names {
        let (o, secs) = run_policy(name, &nodes, &jobs, &seed)?;
        summaries.push(summarise(&o));
        times.push(secs);
        outcomes.push(o);
    }
    if let Some(path) = &a.common.job_outcomes {
        write_job_outcomes(path, std::slice::from_ref(&outcomes))?;
    }
    if let Some(path) = &a.common.plot {
        std::fs::write(path, prescient_sim::plot::timeline_svg(&outcomes))
            .with_context(|| format!("cannot write {}", path.display()))
            .map_err(Failure::input)?;
    }
    if a.common.json {
        let report = Report {
            schema: "prescient.simulation/1",
            workload: a.common.workload.display().to_string(),
            jobs: jobs.len(),
            nodes: nodes.len(),
            forecasts: forecasts_label(a.common.history),
            policies: summaries
                .iter()
                .zip(&times)
                .map(|(summary, &simulation_seconds)| PolicyReport {
                    summary,
                    simulation_seconds,
                })
                .collect(),
        };
        let text = serde_json::to_string_pretty(&report).map_err(Failure::internal)?;
        return crate::analyze::write_stdout(&format!("{text}\n"));
    }
    let mut text = format!(
        "{} jobs on {} nodes ({} programs), forecasts: {}\n\n{}\n{}",
        jobs.len(),
        nodes.len(),
        jobs.iter().map(|j| j.info.key).max().map_or(0, |k| k + 1),
        if a.common.history {
            "from the history of measured runs"
        } else {
            "first sight (the policies learn as jobs end)"
        },
        programs_table(&jobs, &subs),
        table(&summaries)
    );
    text.push_str(&format!("{:<22}", "simulation wall time"));
    for t in &times {
        text.push_str(&format!("{:>15}", format!("{t:.2}s")));
    }
    text.push('\n');
    crate::analyze::write_stdout(&text)
}

/// How the policies' forecasts start, as the JSON names it.
pub fn forecasts_label(history: bool) -> &'static str {
    if history {
        "history"
    } else {
        "first_sight"
    }
}

/// Per program: first-sight forecast against measured use, over its units.
fn programs_table(jobs: &[SimJob], subs: &[Submission]) -> String {
    use prescient_runtime::agent::human_bytes;
    let mut seen = std::collections::BTreeSet::new();
    let mut out = format!(
        "{:<40} {:>5} {:>22} {:>26}\n",
        "program", "units", "wall predicted/actual", "peak high/actual (largest)"
    );
    for j in jobs {
        if !seen.insert(j.info.key) {
            continue;
        }
        let f = &j.info.forecast;
        let wall: f64 = f.sections.iter().map(|s| s.seconds).sum();
        let real: f64 = j.actual.iter().map(|a| a.seconds).sum();
        let (hi, act) = f
            .sections
            .iter()
            .zip(&j.actual)
            .map(|(s, a)| (s.memory_high, a.memory))
            .fold((0.0, 0.0), |(h, m), (sh, am)| {
                (f64::max(h, sh), f64::max(m, am))
            });
        let s = &subs[j.info.id as usize];
        let file = Path::new(&s.program)
            .file_name()
            .map_or(s.program.clone(), |f| f.to_string_lossy().into_owned());
        let mut label = format!("{file} {}", s.args.join(" "));
        if label.chars().count() > 40 {
            label = label.chars().take(39).collect::<String>() + "…";
        }
        out.push_str(&format!(
            "{:<40} {:>5} {:>22} {:>26}\n",
            label,
            f.sections.len(),
            format!("{wall:.2}s / {real:.2}s"),
            format!("{} / {}", human_bytes(hi as u64), human_bytes(act as u64)),
        ));
    }
    out
}

pub fn generate(a: GenerateArgs) -> Result<(), Failure> {
    let text = std::fs::read_to_string(&a.mix)
        .with_context(|| format!("cannot read {}", a.mix.display()))
        .map_err(Failure::input)?;
    let mix = prescient_sim::generate::Mix::parse(&text)
        .map_err(|e| Failure::input(anyhow!("{}: {e}", a.mix.display())))?;
    if a.jobs == 0 || a.jobs > workload::MAX_JOBS {
        return Err(Failure::input(anyhow!(
            "--jobs must be between 1 and {}",
            workload::MAX_JOBS
        )));
    }
    if !(a.load.is_finite() && a.load > 0.0) {
        return Err(Failure::input(anyhow!("--load must be a positive number")));
    }
    let base = a.mix.parent().map(Path::to_path_buf).unwrap_or_default();
    let spec = crate::run::cluster_spec(a.cluster.as_deref())?;
    let cores: f64 = spec.physical().map(|n| n.cores).sum();
    let mut cat = Catalog::open(a.python.clone(), true)?;
    let wanted: Vec<(PathBuf, Vec<String>)> = mix
        .programs
        .iter()
        .map(|p| (resolve(&base, &p.file), p.args.clone()))
        .collect();
    cat.load_all(&wanted)?;
    let measured: Vec<prescient_sim::generate::Measured> = wanted
        .iter()
        .map(|(f, args)| {
            let p = cat.get(f, args).expect("loaded above");
            prescient_sim::generate::Measured {
                wall_seconds: p.wall_seconds(),
                core_seconds: p.core_seconds(),
            }
        })
        .collect();
    let mut subs = prescient_sim::generate::generate(
        &mix,
        &measured,
        prescient_sim::generate::Params {
            jobs: a.jobs,
            load: a.load,
            cores: cores.max(1e-3),
            seed: a.seed,
        },
    );
    // Program paths relative to where the workload is written, when they can be.
    let out_dir = a
        .output
        .as_ref()
        .and_then(|o| o.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| PathBuf::from("."));
    let out_abs = std::fs::canonicalize(if out_dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        &out_dir
    })
    .ok();
    for s in &mut subs {
        let abs = std::fs::canonicalize(resolve(&base, &s.program)).ok();
        if let Some(abs) = abs {
            s.program = match out_abs.as_ref().map(|o| relative(&abs, o)) {
                Some(rel) => rel.display().to_string(),
                None => abs.display().to_string(),
            };
        }
    }
    let text = workload::render(&subs);
    match &a.output {
        Some(p) => std::fs::write(p, text)
            .with_context(|| format!("cannot write {}", p.display()))
            .map_err(Failure::input),
        None => crate::analyze::write_stdout(&text),
    }
}
