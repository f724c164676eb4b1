//! `prescient replay WORKLOAD --policy P`: the workload run for real on the
//! local cluster, under the same policy code the simulator replays: real
//! agents and workers, virtual nodes powered on and off, real moves, the
//! kernel's own OOM killer.
//!
//! The policy sees the run through the same events as in the simulator, on
//! the wall clock: submissions on the workload's schedule, units starting
//! and ending (with what they measured), nodes coming up, jobs ending or
//! killed. Its decisions are carried out:
//!
//! - `place`: the job starts on that node (a restart after a kill starts
//!   from the beginning, as a fresh job);
//! - `start`/`stop`: a virtual node's agent is started after the node's
//!   declared start-up latency, or stopped;
//! - `migrate`: the job moves at that unit boundary (pre-copied when the
//!   target is up while the unit before runs);
//! - `pause`/`resume`: SIGSTOP and SIGCONT to the job's worker;
//! - limits: a memory limit is checked against each unit's measured peak at
//!   its end (the runtime enforces memory per node, not per job), a time
//!   limit by killing the job when it expires.
//!
//! Same figures as `prescient simulate`, from measured times.

use crate::catalog::Program;
use crate::simulate::policy_names;
use crate::Failure;
use anyhow::{anyhow, Context};
use prescient_engine::Host;
use prescient_plan::{policies, JobId, JobInfo, NodeInfo};
use prescient_runtime::coordinator::{Cluster, ClusterOptions, JobPlan, Observer};
use prescient_sim::engine::Outcome;
use prescient_sim::metrics::{self, median, summarise, table, Summary};
use prescient_sim::SimJob;
use prescient_wire::{JobSpec, Stream};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    common: crate::simulate::Common,
    /// `all`, or a comma-separated list of: proactive, static, reactive, oracle.
    #[arg(long, default_value = "proactive")]
    policy: String,
    /// Replay every policy this many times, interleaved, and print each
    /// figure's median (and each round's p95, OOM kills and node-seconds):
    /// on a shared machine one round's tail is as much the neighbours'
    /// doing as the policy's.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    rounds: u32,
    /// Give up on a policy's replay after this many seconds.
    #[arg(long, default_value_t = 1800.0)]
    timeout: f64,
}

/// The program's output is not shown during a replay.
struct Quiet;

impl Observer for Quiet {
    fn output(&mut self, _stream: Stream, _bytes: &[u8]) {}
}

/// What one policy's replay runs: the workload's jobs, submitted on its
/// schedule.
struct Replay<'a> {
    nodes: &'a [NodeInfo],
    jobs: &'a [SimJob],
    programs: &'a [&'a Program],
    files: &'a [(PathBuf, Vec<String>)],
    cwd: PathBuf,
    /// Job indices by submission time, and how many were submitted.
    order: Vec<usize>,
    next: usize,
}

impl Host for Replay<'_> {
    fn submissions(&mut self, now: f64) -> Vec<JobInfo> {
        let mut out = Vec::new();
        while self.next < self.order.len() && self.jobs[self.order[self.next]].info.submit <= now {
            out.push(self.jobs[self.order[self.next]].info.clone());
            self.next += 1;
        }
        out
    }

    fn next_submission(&self) -> Option<f64> {
        self.order.get(self.next).map(|&i| self.jobs[i].info.submit)
    }

    fn closed(&self) -> bool {
        self.next == self.order.len()
    }

    fn plan(&self, job: JobId, attempt: u32, node: usize) -> JobPlan {
        let p = self.programs[job as usize];
        let (file, args) = &self.files[job as usize];
        let mut argv = vec![file.display().to_string()];
        argv.extend(args.iter().cloned());
        prescient_engine::attempt_plan(
            JobSpec {
                job: prescient_engine::runtime_id(job, attempt),
                file: file.display().to_string(),
                source: p.source.clone(),
                argv,
                cwd: self.cwd.display().to_string(),
                units: p.units.clone(),
                env: vec![
                    ("OMP_NUM_THREADS".into(), "1".into()),
                    ("OPENBLAS_NUM_THREADS".into(), "1".into()),
                ],
                memory_limit: self.nodes[node].capacity.memory as u64,
                user: None,
            },
            node,
        )
    }

    fn observer(&self, _job: JobId, _attempt: u32) -> Box<dyn Observer + Send> {
        Box::new(Quiet)
    }
}

/// Runs one policy's replay on a fresh cluster.
fn replay_one(
    name: &str,
    r: &mut Replay,
    spec: &prescient_model::cluster::ClusterSpec,
    opts: &ClusterOptions,
    timeout: f64,
    seed: &dyn Fn(&mut dyn prescient_plan::Policy),
) -> Result<Outcome, Failure> {
    let mut policy = policies::by_name(name, r.nodes.to_vec())
        .ok_or_else(|| Failure::input(anyhow!("unknown policy {name}")))?;
    seed(policy.as_mut());
    let cluster = Cluster::start(spec, opts).map_err(Failure::internal)?;
    let nodes = r.nodes;
    let out = prescient_engine::run(name, policy.as_mut(), &cluster, nodes, r, timeout);
    cluster.shutdown();
    out.map_err(Failure::internal)
}

pub fn run(a: Args) -> Result<(), Failure> {
    let names = policy_names(&a.policy)?;
    let crate::simulate::Loaded {
        subs,
        base,
        spec,
        cat,
        nodes: _,
        files,
        jobs,
    } = crate::simulate::load(
        &a.common.workload,
        a.common.cluster.as_deref(),
        a.common.python.clone(),
        true,
    )?;
    let nodes = crate::node::planned_nodes(&spec, cat.worker_rss());
    let programs: Vec<&Program> = files
        .iter()
        .map(|(f, args)| cat.get(f, args).expect("loaded above"))
        .collect();
    let env = crate::node::env(a.common.python.clone())?;
    let opts = crate::node::cluster_options(&env, true)?;
    let cwd = std::env::current_dir()
        .context("cannot read the current directory")
        .map_err(Failure::internal)?;
    // Round-major, policies interleaved, so that a slow spell of the machine
    // falls on every policy alike rather than on one.
    let mut rounds: Vec<Vec<Outcome>> = Vec::new();
    for round in 1..=a.rounds {
        let mut outcomes = Vec::new();
        for name in &names {
            let jobs_for = prescient_sim::job::for_policy(&jobs, policies::wants_actual(name));
            if a.rounds > 1 {
                eprintln!(
                    "round {round}/{}: replaying {} jobs under {name}...",
                    a.rounds,
                    jobs.len()
                );
            } else {
                eprintln!("replaying {} jobs under {name}...", jobs.len());
            }
            let mut order: Vec<usize> = (0..jobs_for.len()).collect();
            order.sort_by(|&a, &b| jobs_for[a].info.submit.total_cmp(&jobs_for[b].info.submit));
            let mut r = Replay {
                nodes: &nodes,
                jobs: &jobs_for,
                programs: &programs,
                files: &files,
                cwd: cwd.clone(),
                order,
                next: 0,
            };
            let seed = |p: &mut dyn prescient_plan::Policy| {
                if a.common.history {
                    crate::simulate::seed_history(p, &jobs, &subs, &base, &cat);
                }
            };
            outcomes.push(replay_one(name, &mut r, &spec, &opts, a.timeout, &seed)?);
        }
        rounds.push(outcomes);
    }
    let per_round: Vec<Vec<Summary>> = rounds
        .iter()
        .map(|o| o.iter().map(summarise).collect())
        .collect();
    let summaries: Vec<Summary> = (0..names.len())
        .map(|p| median(&per_round.iter().map(|r| r[p].clone()).collect::<Vec<_>>()))
        .collect();
    if let Some(path) = &a.common.job_outcomes {
        crate::simulate::write_job_outcomes(path, &rounds)?;
    }
    if let Some(path) = &a.common.plot {
        std::fs::write(path, prescient_sim::plot::timeline_svg(&rounds[0]))
            .with_context(|| format!("cannot write {}", path.display()))
            .map_err(Failure::input)?;
    }
    if a.common.json {
        let mut v = serde_json::json!({
            "schema": "prescient.simulation/1",
            "mode": "replay",
            "workload": a.common.workload.display().to_string(),
            "jobs": jobs.len(),
            "nodes": nodes.len(),
            "forecasts": crate::simulate::forecasts_label(a.common.history),
            "policies": summaries,
        });
        if a.rounds > 1 {
            v["rounds"] = serde_json::json!(per_round);
        }
        let text = serde_json::to_string_pretty(&v).map_err(Failure::internal)?;
        return crate::analyze::write_stdout(&format!("{text}\n"));
    }
    let mut text = format!(
        "{} jobs replayed on {} nodes (real workers)",
        jobs.len(),
        nodes.len()
    );
    if a.rounds > 1 {
        text.push_str(&format!(
            "; each figure is the median of {} rounds\n\n{}\n{}{}{}",
            a.rounds,
            table(&summaries),
            metrics::per_round("completion p95", &per_round, |s| {
                metrics::secs(s.completion_p95)
            }),
            metrics::per_round("OOM kills", &per_round, |s| s.oom_kills.to_string()),
            metrics::per_round("node-seconds", &per_round, |s| {
                format!("{:.0}", s.node_seconds)
            }),
        ));
    } else {
        text.push_str(&format!("\n\n{}", table(&summaries)));
    }
    crate::analyze::write_stdout(&text)
}
