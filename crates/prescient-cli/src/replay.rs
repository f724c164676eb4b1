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
use prescient_plan::{policies, Decision, Event, JobId, Kill, Limits, NodeId, NodeInfo, Observed};
use prescient_runtime::coordinator::{
    self, Cluster, ClusterOptions, JobOutcome as RunOutcome, JobPlan, Observer, Steering,
    UnitRecord,
};
use prescient_sim::engine::{JobOutcome, Outcome, Sample};
use prescient_sim::metrics::{self, median, summarise, table, Summary};
use prescient_sim::SimJob;
use prescient_wire::{JobSpec, Stream};
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A job killed this many times is given up on (as in the simulator).
const MAX_ATTEMPTS: u32 = 5;

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

/// What job threads and node start-ups tell the main loop.
enum Msg {
    Started {
        job: JobId,
        attempt: u32,
        section: usize,
        node: NodeId,
    },
    Finished {
        job: JobId,
        attempt: u32,
        record: UnitRecord,
    },
    Ended {
        job: JobId,
        attempt: u32,
        outcome: Box<RunOutcome>,
    },
    NodeReady(NodeId),
}

/// Runtime job ids: the job and its attempt, so a restart is a new job.
fn runtime_id(job: JobId, attempt: u32) -> u64 {
    ((attempt as u64) << 32) | job as u64 | (1 << 62)
}

/// Planned moves, shared with the job threads.
type Moves = Arc<Mutex<HashMap<JobId, (NodeId, usize)>>>;

struct JobSteering {
    job: JobId,
    attempt: u32,
    tx: Sender<Msg>,
    moves: Moves,
    startup: Arc<Vec<f64>>,
}

impl JobSteering {
    fn planned_before(&self, section: usize) -> Option<usize> {
        self.moves
            .lock()
            .unwrap()
            .get(&self.job)
            .filter(|&&(_, before)| before == section)
            .map(|&(to, _)| to as usize)
    }
}

impl Steering for JobSteering {
    fn move_after(&mut self, unit: usize, current: usize, cluster: &Cluster) -> Option<usize> {
        let _ = self.tx.send(Msg::Started {
            job: self.job,
            attempt: self.attempt,
            section: unit,
            node: current as NodeId,
        });
        self.planned_before(unit + 1)
            .filter(|&t| cluster.is_alive(t))
    }

    fn unit_done(
        &mut self,
        record: &UnitRecord,
        _current: usize,
        _planned: Option<usize>,
        cluster: &Cluster,
    ) -> Option<usize> {
        let _ = self.tx.send(Msg::Finished {
            job: self.job,
            attempt: self.attempt,
            record: record.clone(),
        });
        // Give the policy a moment to answer what it just learnt.
        std::thread::sleep(Duration::from_millis(5));
        let target = self.planned_before(record.unit + 1)?;
        crate::steer::when_up(cluster, target, self.startup.get(target).copied())
    }
}

/// The program's output is not shown during a replay.
struct Quiet;

impl Observer for Quiet {
    fn output(&mut self, _stream: Stream, _bytes: &[u8]) {}
}

/// A job of the replay as the main loop tracks it.
struct Live {
    /// Restarts after kills so far (each attempt is a new runtime job).
    attempt: u32,
    /// The node the current attempt runs on.
    node: Option<NodeId>,
    section: usize,
    limits: Limits,
    /// An attempt is placed and has not ended.
    running: bool,
    /// Why the current attempt is being killed by us, if it is.
    killing: Option<Kill>,
    done: bool,
    /// The last unit's measured use, what a reactive monitor sees next.
    last_usage: Observed,
    out: JobOutcome,
    /// (start, seconds, cores) of each unit run, for the timeline.
    units: Vec<(f64, f64, f64)>,
    unit_start: f64,
}

/// What one policy's replay runs.
struct Replay<'a> {
    name: &'a str,
    nodes: &'a [NodeInfo],
    jobs: &'a [SimJob],
    programs: &'a [&'a Program],
    files: &'a [(PathBuf, Vec<String>)],
    cwd: PathBuf,
}

/// Runs one policy's replay on a fresh cluster.
fn replay_one(
    r: &Replay,
    spec: &prescient_model::cluster::ClusterSpec,
    opts: &ClusterOptions,
    timeout: f64,
    seed: &dyn Fn(&mut dyn prescient_plan::Policy),
) -> Result<Outcome, Failure> {
    let mut policy = policies::by_name(r.name, r.nodes.to_vec())
        .ok_or_else(|| Failure::input(anyhow!("unknown policy {}", r.name)))?;
    seed(policy.as_mut());
    let cluster = Cluster::start(spec, opts).map_err(Failure::internal)?;
    let (tx, rx) = mpsc::channel::<Msg>();
    let moves: Moves = Arc::new(Mutex::new(HashMap::new()));
    let startup: Arc<Vec<f64>> = Arc::new(r.nodes.iter().map(|n| n.startup_seconds).collect());
    let mut live: Vec<Live> = r
        .jobs
        .iter()
        .map(|j| Live {
            attempt: 0,
            node: None,
            section: 0,
            limits: Limits::default(),
            running: false,
            killing: None,
            done: false,
            last_usage: Observed::default(),
            out: JobOutcome {
                submit: j.info.submit,
                deadline: j.info.deadline,
                ..JobOutcome::default()
            },
            units: Vec::new(),
            unit_start: 0.0,
        })
        .collect();
    let mut on_since: Vec<Option<f64>> = r
        .nodes
        .iter()
        .map(|n| (!n.elastic).then_some(0.0))
        .collect();
    let mut node_seconds = vec![0.0; r.nodes.len()];
    let mut node_starts = 0u32;
    let mut refused = 0u64;
    let mut events = 0u64;
    let t0 = Instant::now();
    let mut order: Vec<usize> = (0..r.jobs.len()).collect();
    order.sort_by(|&a, &b| r.jobs[a].info.submit.total_cmp(&r.jobs[b].info.submit));
    let mut next_submit = 0;
    let mut wakes: BTreeSet<u64> = BTreeSet::new();
    // Time limits: (when, job, attempt).
    let mut deadlines: BTreeSet<(u64, JobId, u32)> = BTreeSet::new();
    let mut timeline: Vec<Sample> = Vec::new();
    let mut last_sample = -1.0;
    let mut remaining = r.jobs.len();
    let starting = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    std::thread::scope(|scope| -> Result<(), Failure> {
        let mut decisions: Vec<Decision> = Vec::new();
        loop {
            let now = t0.elapsed().as_secs_f64();
            if now > timeout {
                return Err(Failure::internal(anyhow!(
                    "policy {}: the replay did not end within {timeout} s ({remaining} jobs left)",
                    r.name
                )));
            }
            if remaining == 0 {
                break;
            }
            // Nothing running, starting or due, yet jobs wait: they never
            // will run (no node can take them). They fail.
            let idle = live.iter().all(|l| !l.running)
                && next_submit == order.len()
                && wakes.is_empty()
                && decisions.is_empty()
                && starting.load(std::sync::atomic::Ordering::SeqCst) == 0;
            if idle {
                for l in live.iter_mut().filter(|l| !l.done) {
                    l.done = true;
                    l.out.failed = true;
                }
                break;
            }
            // What is due now, in order: submissions, time limits, wake-ups.
            let mut due: Vec<Event> = Vec::new();
            while next_submit < order.len() && r.jobs[order[next_submit]].info.submit <= now {
                due.push(Event::Submitted(&r.jobs[order[next_submit]].info));
                next_submit += 1;
            }
            while let Some(&(t, job, attempt)) = deadlines.first() {
                if f64::from_bits(t) > now {
                    break;
                }
                deadlines.pop_first();
                let l = &mut live[job as usize];
                if l.running && l.attempt == attempt && l.killing.is_none() {
                    l.killing = Some(Kill::TimeLimit);
                    if let Some(n) = l.node {
                        let _ = cluster.kill_job(n as usize, runtime_id(job, attempt));
                    }
                }
            }
            while wakes.first().is_some_and(|&t| f64::from_bits(t) <= now) {
                wakes.pop_first();
                due.push(Event::Wake);
            }
            for ev in &due {
                events += 1;
                policy.on(now, ev, &mut decisions);
            }
            // Messages from jobs and nodes, waiting for the next due time.
            let next = [
                order.get(next_submit).map(|&i| r.jobs[i].info.submit),
                wakes.first().map(|&t| f64::from_bits(t)),
                deadlines.first().map(|&(t, _, _)| f64::from_bits(t)),
            ]
            .into_iter()
            .flatten()
            .fold(now + 0.2, f64::min);
            let wait = if decisions.is_empty() {
                Duration::from_secs_f64((next - now).clamp(0.0, 0.2))
            } else {
                Duration::ZERO
            };
            let mut msgs: Vec<Msg> = Vec::new();
            if let Ok(m) = rx.recv_timeout(wait) {
                msgs.push(m);
            }
            msgs.extend(rx.try_iter());
            let now = t0.elapsed().as_secs_f64();
            for m in msgs {
                events += 1;
                handle(
                    m,
                    now,
                    r.nodes,
                    &mut live,
                    &mut remaining,
                    &cluster,
                    policy.as_mut(),
                    &mut decisions,
                );
            }
            // Carry out the decisions (which may lead to more).
            for d in std::mem::take(&mut decisions) {
                match d {
                    Decision::Place { job, node, limits } => {
                        let Some(l) = live.get_mut(job as usize) else {
                            refused += 1;
                            continue;
                        };
                        if l.running || l.done || !cluster.is_alive(node as usize) {
                            refused += 1;
                            continue;
                        }
                        l.running = true;
                        l.node = Some(node);
                        l.limits = limits;
                        l.killing = None;
                        l.out.first_start.get_or_insert(now);
                        l.out.nodes.push(node);
                        if let Some(secs) = limits.seconds {
                            deadlines.insert(((now + secs).to_bits(), job, l.attempt));
                        }
                        let plan = job_plan(r, job, l.attempt, node as usize);
                        let steering = JobSteering {
                            job,
                            attempt: l.attempt,
                            tx: tx.clone(),
                            moves: moves.clone(),
                            startup: startup.clone(),
                        };
                        let tx = tx.clone();
                        let cluster = &cluster;
                        let attempt = l.attempt;
                        scope.spawn(move || {
                            let mut steering = steering;
                            let o = coordinator::run_job_steered(
                                cluster,
                                plan,
                                &mut Quiet,
                                &mut steering,
                            );
                            let _ = tx.send(Msg::Ended {
                                job,
                                attempt,
                                outcome: Box::new(o),
                            });
                        });
                    }
                    Decision::Start { node } => {
                        if on_since.get(node as usize) != Some(&None) {
                            refused += 1;
                            continue;
                        }
                        on_since[node as usize] = Some(now);
                        node_starts += 1;
                        let delay = crate::steer::emulated_startup(
                            &cluster,
                            node as usize,
                            startup[node as usize],
                        );
                        let tx = tx.clone();
                        let cluster = &cluster;
                        let starting = starting.clone();
                        starting.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        scope.spawn(move || {
                            power_on(cluster, node, delay, tx);
                            starting.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                        });
                    }
                    Decision::Stop { node } => match on_since.get(node as usize).copied().flatten()
                    {
                        Some(since) if cluster.is_alive(node as usize) => {
                            cluster.power_off(node as usize);
                            node_seconds[node as usize] += now - since;
                            on_since[node as usize] = None;
                        }
                        _ => refused += 1,
                    },
                    Decision::Migrate {
                        job,
                        to,
                        before_section,
                    } => {
                        moves.lock().unwrap().insert(job, (to, before_section));
                    }
                    Decision::Resize { job, limits } => {
                        if let Some(l) = live.get_mut(job as usize) {
                            l.limits.memory = limits.memory;
                        }
                    }
                    Decision::Pause { job } | Decision::Resume { job } => {
                        let pause = matches!(d, Decision::Pause { .. });
                        match live.get_mut(job as usize) {
                            Some(l) if l.running => {
                                let sig = if pause { libc::SIGSTOP } else { libc::SIGCONT };
                                if let Some(n) = l.node {
                                    let _ = cluster.signal_job(
                                        n as usize,
                                        runtime_id(job, l.attempt),
                                        sig,
                                    );
                                }
                                if pause {
                                    l.out.pauses += 1;
                                }
                            }
                            _ => refused += 1,
                        }
                    }
                    Decision::WakeAt(t) => {
                        wakes.insert(t.max(0.0).to_bits());
                    }
                }
            }
            if now - last_sample >= 0.5 {
                last_sample = now;
                timeline.push(Sample {
                    t: now,
                    nodes_on: on_since.iter().filter(|s| s.is_some()).count() as u32,
                    cores_busy: 0.0,
                    memory_used: 0.0,
                    running: live.iter().filter(|l| l.running).count() as u32,
                    queued: live
                        .iter()
                        .enumerate()
                        .filter(|(i, l)| !l.running && !l.done && r.jobs[*i].info.submit <= now)
                        .count() as u32,
                });
            }
        }
        Ok(())
    })?;
    let end = live.iter().filter_map(|l| l.out.end).fold(0.0, f64::max);
    cluster.shutdown();
    let mut offered = 0.0;
    let mut cost = 0.0;
    for (i, n) in r.nodes.iter().enumerate() {
        if let Some(since) = on_since[i] {
            node_seconds[i] += (end - since).max(0.0);
        }
        offered += node_seconds[i] * n.capacity.cores;
        cost += node_seconds[i] * n.cost_per_second;
    }
    // Busy cores over time, from the units' measured CPU.
    let busy: f64 = live
        .iter()
        .flat_map(|l| l.units.iter())
        .map(|&(_, secs, cores)| secs * cores)
        .sum();
    for s in &mut timeline {
        s.cores_busy = live
            .iter()
            .flat_map(|l| l.units.iter())
            .filter(|&&(start, secs, _)| start <= s.t && s.t < start + secs)
            .map(|&(_, _, cores)| cores)
            .sum();
    }
    Ok(Outcome {
        policy: r.name.to_string(),
        jobs: live.into_iter().map(|l| l.out).collect(),
        node_seconds,
        cost,
        busy_core_seconds: busy,
        offered_core_seconds: offered,
        timeline,
        makespan: end,
        refused,
        events,
        node_starts,
    })
}

/// Powers a node on after its declared start-up latency.
fn power_on(cluster: &Cluster, node: NodeId, delay: f64, tx: Sender<Msg>) {
    let began = Instant::now();
    match cluster.power_on(node as usize) {
        Ok(()) => {
            let left = delay - began.elapsed().as_secs_f64();
            if left > 0.0 {
                std::thread::sleep(Duration::from_secs_f64(left));
            }
            let _ = tx.send(Msg::NodeReady(node));
        }
        Err(e) => tracing::warn!("node {node} did not start: {e}"),
    }
}

fn job_plan(r: &Replay, job: JobId, attempt: u32, node: usize) -> JobPlan {
    let p = r.programs[job as usize];
    let (file, args) = &r.files[job as usize];
    let mut argv = vec![file.display().to_string()];
    argv.extend(args.iter().cloned());
    JobPlan {
        spec: JobSpec {
            job: runtime_id(job, attempt),
            file: file.display().to_string(),
            source: p.source.clone(),
            argv,
            cwd: r.cwd.display().to_string(),
            units: p.units.clone(),
            env: vec![
                ("OMP_NUM_THREADS".into(), "1".into()),
                ("OPENBLAS_NUM_THREADS".into(), "1".into()),
            ],
            memory_limit: r.nodes[node].capacity.memory as u64,
        },
        start_node: node,
        migrate_every: 0,
        precopy: true,
        checkpoint_interval: None,
        loop_step: prescient_runtime::coordinator::LOOP_STEP_SECONDS,
        faults: Default::default(),
    }
}

/// What a job killed by its node's out-of-memory killer must have held: the
/// node's memory less what its other jobs were last seen using. The last
/// unit's measure is older than the growth that set the killer off, and the
/// simulator hands the policies the use at the kill, so the replay does too.
fn memory_at_oom(live: &[Live], job: JobId, node: NodeId, nodes: &[NodeInfo]) -> f64 {
    let others: f64 = live
        .iter()
        .enumerate()
        .filter(|&(i, l)| i != job as usize && l.running && l.node == Some(node))
        .map(|(_, l)| l.last_usage.memory)
        .sum();
    let left = nodes
        .get(node as usize)
        .map_or(0.0, |n| n.capacity.memory - others);
    left.max(live[job as usize].last_usage.memory)
}

/// Takes in one message from a job or a node.
#[allow(clippy::too_many_arguments)]
fn handle(
    m: Msg,
    now: f64,
    nodes: &[NodeInfo],
    live: &mut [Live],
    remaining: &mut usize,
    cluster: &Cluster,
    policy: &mut dyn prescient_plan::Policy,
    out: &mut Vec<Decision>,
) {
    match m {
        Msg::NodeReady(node) => policy.on(now, &Event::NodeReady(node), out),
        Msg::Started {
            job,
            attempt,
            section,
            node,
        } => {
            let l = &mut live[job as usize];
            if l.attempt != attempt || !l.running {
                return;
            }
            l.node = Some(node);
            l.section = section;
            l.unit_start = now;
            let usage = l.last_usage;
            policy.on(
                now,
                &Event::SectionStarted {
                    job,
                    section,
                    node,
                    usage,
                },
                out,
            );
        }
        Msg::Finished {
            job,
            attempt,
            record,
        } => {
            let l = &mut live[job as usize];
            if l.attempt != attempt || !l.running {
                return;
            }
            let u = &record.usage;
            let observed = Observed {
                seconds: u.wall_seconds,
                cpu_seconds: u.cpu_seconds,
                memory: u.peak_rss_bytes as f64,
            };
            l.units.push((
                l.unit_start,
                u.wall_seconds,
                if u.wall_seconds > 0.0 {
                    u.cpu_seconds / u.wall_seconds
                } else {
                    0.0
                },
            ));
            // A reactive monitor sees it as the job's current use.
            l.last_usage = Observed {
                seconds: 1.0,
                cpu_seconds: observed.cpu_seconds / observed.seconds.max(1e-9),
                memory: observed.memory,
            };
            policy.on(
                now,
                &Event::SectionFinished {
                    job,
                    section: record.unit,
                    observed,
                },
                out,
            );
            if l.killing.is_none() && l.limits.memory.is_some_and(|m| observed.memory > m) {
                l.killing = Some(Kill::MemoryLimit);
                if let Some(n) = l.node {
                    let _ = cluster.kill_job(n as usize, runtime_id(job, attempt));
                }
            }
        }
        Msg::Ended {
            job,
            attempt,
            outcome,
        } => {
            let l = &mut live[job as usize];
            if l.attempt != attempt {
                return;
            }
            l.running = false;
            for m in &outcome.migrations {
                if m.ok {
                    l.out.migrations += 1;
                    l.out.downtime += m.downtime_seconds;
                    if let Some(to) = cluster.node_names().iter().position(|n| *n == m.to) {
                        l.out.nodes.push(to as u32);
                    }
                }
            }
            let end = &outcome.end;
            let oom = end
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("memory limit"));
            let why = l.killing.take().or(oom.then_some(Kill::Oom));
            match why {
                None => {
                    // The program's own end (a non-zero exit is still its end).
                    l.done = true;
                    l.out.end = Some(now);
                    *remaining -= 1;
                    policy.on(now, &Event::Finished(job), out);
                }
                Some(why) => {
                    match why {
                        Kill::Oom => l.out.oom_kills += 1,
                        Kill::MemoryLimit | Kill::TimeLimit => l.out.limit_kills += 1,
                    }
                    l.attempt += 1;
                    let mut usage = l.last_usage;
                    if why == Kill::Oom {
                        if let Some(n) = l.node {
                            usage.memory = memory_at_oom(live, job, n, nodes);
                        }
                    }
                    let l = &mut live[job as usize];
                    if l.attempt >= MAX_ATTEMPTS {
                        l.done = true;
                        l.out.failed = true;
                        *remaining -= 1;
                        policy.on(now, &Event::Finished(job), out);
                    } else {
                        policy.on(
                            now,
                            &Event::Killed {
                                job,
                                why,
                                section: end.unit.unwrap_or(l.section),
                                usage,
                            },
                            out,
                        );
                    }
                }
            }
        }
    }
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
            let r = Replay {
                name,
                nodes: &nodes,
                jobs: &jobs_for,
                programs: &programs,
                files: &files,
                cwd: cwd.clone(),
            };
            let seed = |p: &mut dyn prescient_plan::Policy| {
                if a.common.history {
                    crate::simulate::seed_history(p, &jobs, &subs, &base, &cat);
                }
            };
            outcomes.push(replay_one(&r, &spec, &opts, a.timeout, &seed)?);
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
