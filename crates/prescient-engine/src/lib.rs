//! The planner driving a real cluster: one event loop shared by
//! `prescient replay` (a workload on its schedule) and `prescient server`
//! (jobs as users submit them).
//!
//! The policy sees the cluster through the same events as in the simulator,
//! on the wall clock: submissions, units starting and ending (with what they
//! measured), nodes coming up, jobs ending or killed. Its decisions are
//! carried out on the runtime's [`Cluster`]:
//!
//! - `place`: the job starts on that node (a restart after a kill starts
//!   from the beginning, as a fresh attempt);
//! - `start`/`stop`: a virtual node's agent is started after the node's
//!   declared start-up latency, or stopped;
//! - nodes of kind `agent` come up when their agent joins and go when it
//!   leaves ([`Cluster::watch_nodes`]); a lost node is a `NodeLost` event,
//!   and a job the runtime could not recover elsewhere is killed with
//!   `Kill::NodeLost` and placed again;
//! - `migrate`: the job moves at that unit boundary (pre-copied when the
//!   target is up while the unit before runs);
//! - `pause`/`resume`: SIGSTOP and SIGCONT to the job's worker;
//! - limits: a memory limit is checked against each unit's measured peak at
//!   its end (the runtime enforces memory per node, not per job), a time
//!   limit by killing the job when it expires.
//!
//! What differs between a replay and a server lives behind [`Host`]: where
//! jobs come from, how a job's attempt is planned, where its output goes,
//! and who is told what happened. The loop returns the same [`Outcome`] the
//! simulator does, from measured times.

use prescient_plan::calendar::Calendar;
use prescient_plan::{Decision, Event, JobId, JobInfo, Kill, Limits, NodeId, NodeInfo, Observed};
use prescient_runtime::coordinator::NodeChange;
use prescient_runtime::coordinator::{
    self, Cluster, JobOutcome as RunOutcome, JobPlan, Observer, Steering, UnitRecord,
};
use prescient_sim::engine::{JobOutcome, Outcome, Sample};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A job killed this many times is given up on (as in the simulator).
pub const MAX_ATTEMPTS: u32 = 5;

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("policy {policy}: the run did not end within {seconds} s ({left} jobs left)")]
    Timeout {
        policy: String,
        seconds: f64,
        left: usize,
    },
}

/// What happened to a job, as the loop tells its [`Host`].
#[derive(Debug)]
pub enum Notice<'a> {
    /// An attempt was placed on a node and is starting.
    Placed {
        job: JobId,
        attempt: u32,
        node: NodeId,
    },
    /// A unit started on a node.
    UnitStarted {
        job: JobId,
        unit: usize,
        node: NodeId,
    },
    /// A unit ended, with what it measured.
    UnitDone { job: JobId, record: &'a UnitRecord },
    /// An attempt was killed (out of memory, over a limit, cancelled); the
    /// job restarts unless `final_` says it was given up on.
    Killed {
        job: JobId,
        why: Option<Kill>,
        final_: bool,
    },
    /// A node was powered on (its start ordered, or its agent joined) or
    /// off (stopped, or lost).
    Power { node: NodeId, on: bool },
    /// The policy's reservation calendars, one per node (times on the
    /// loop's clock); at most twice a second.
    Reservations { calendars: &'a [Calendar] },
    /// A decision of the policy the loop carried out (not one it refused).
    Decided { decision: &'a Decision },
    /// A node is up and told to the policy (powered on, or joined).
    NodeUp { node: NodeId },
    /// A node the policy started did not come up.
    StartFailed { node: NodeId, error: &'a str },
    /// The policy took in `events` events in `seconds` (one pass of the
    /// loop), with `waiting` jobs submitted and not placed.
    Planned {
        events: u64,
        seconds: f64,
        waiting: usize,
    },
    /// The job ended: its program's own end, or given up on (`failed`).
    Ended {
        job: JobId,
        outcome: &'a JobOutcome,
        run: Option<&'a RunOutcome>,
    },
}

/// What the loop needs from whoever feeds it jobs.
pub trait Host {
    /// Jobs submitted by `now`, in submission order. Their `submit` is on
    /// the loop's clock (seconds since it started).
    fn submissions(&mut self, now: f64) -> Vec<JobInfo>;
    /// When the next submission already known is due, if any (a schedule);
    /// the loop otherwise polls a few times a second.
    fn next_submission(&self) -> Option<f64> {
        None
    }
    /// No more submissions will come: the loop ends once every job ended.
    fn closed(&self) -> bool;
    /// Stop now, whatever runs (a server shutting down): running attempts
    /// are killed and the jobs left as they are, for the host to resume.
    fn stopping(&self) -> bool {
        false
    }
    /// Jobs to cancel now (queued ones never start, running ones are killed).
    fn cancellations(&mut self) -> Vec<JobId> {
        Vec::new()
    }
    /// The runtime plan of `attempt` of `job`, starting on `node`; the
    /// runtime job id must be [`runtime_id`]`(job, attempt)`.
    fn plan(&self, job: JobId, attempt: u32, node: usize) -> JobPlan;
    /// Where an attempt's output goes.
    fn observer(&self, job: JobId, attempt: u32) -> Box<dyn Observer + Send>;
    /// What happened (for the host's records).
    fn notice(&mut self, _now: f64, _notice: Notice) {}
    /// Attempts a job gets before it is given up on (killed each time).
    fn max_attempts(&self) -> u32 {
        MAX_ATTEMPTS
    }
}

/// Runtime job ids: the job and its attempt, so a restart is a new job.
pub fn runtime_id(job: JobId, attempt: u32) -> u64 {
    ((attempt as u64) << 32) | job as u64 | (1 << 62)
}

/// The plan of an attempt as the loop runs it: started on `node`, moved only
/// when the policy says so, pre-copied, no periodic checkpoints.
pub fn attempt_plan(spec: prescient_wire::JobSpec, node: usize) -> JobPlan {
    JobPlan {
        spec,
        start_node: node,
        migrate_every: 0,
        precopy: true,
        checkpoint_interval: None,
        loop_step: prescient_runtime::coordinator::LOOP_STEP_SECONDS,
        faults: Default::default(),
        resume: None,
    }
}

/// How long powering a node on must be made to take: a node of this host
/// starts in a fraction of a second, so its declared start-up latency is
/// played out (the plan was made for it); a Slurm node takes what it takes.
pub fn emulated_startup(cluster: &Cluster, node: usize, declared: f64) -> f64 {
    if cluster.node_spec(node).slurm.is_some() {
        0.0
    } else {
        declared
    }
}

/// The move target once it is up: a node still starting is waited for here,
/// at the boundary (it was powered on ahead, so this is short when the
/// forecast was right), for its start-up time and half a minute more.
pub fn when_up(cluster: &Cluster, target: usize, startup: Option<f64>) -> Option<usize> {
    let patience = startup.unwrap_or(0.0) + 30.0;
    let until = Instant::now() + Duration::from_secs_f64(patience);
    while !cluster.is_alive(target)
        && cluster.start_error(target).is_none()
        && Instant::now() < until
    {
        std::thread::sleep(Duration::from_millis(20));
    }
    cluster.is_alive(target).then_some(target)
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
    /// A node's agent went away.
    NodeLost(NodeId),
    /// A node the policy started did not come up.
    StartFailed(NodeId, String),
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
            .unwrap_or_else(|p| p.into_inner())
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
        when_up(cluster, target, self.startup.get(target).copied())
    }
}

/// A job as the main loop tracks it.
struct Live {
    /// Restarts after kills so far (each attempt is a new runtime job).
    attempt: u32,
    /// The node the current attempt runs on.
    node: Option<NodeId>,
    section: usize,
    limits: Limits,
    /// An attempt is placed and has not ended.
    running: bool,
    /// Why the current attempt is being killed by us, if it is (`None`
    /// inside for a cancellation).
    killing: Option<Option<Kill>>,
    cancelled: bool,
    done: bool,
    /// The last unit's measured use, what a reactive monitor sees next.
    last_usage: Observed,
    out: JobOutcome,
    /// (start, seconds, cores) of each unit run, for the timeline.
    units: Vec<(f64, f64, f64)>,
    unit_start: f64,
}

impl Live {
    fn new(info: &JobInfo) -> Live {
        Live {
            attempt: 0,
            node: None,
            section: 0,
            limits: Limits::default(),
            running: false,
            killing: None,
            cancelled: false,
            done: false,
            last_usage: Observed::default(),
            out: JobOutcome {
                submit: info.submit,
                deadline: info.deadline,
                ..JobOutcome::default()
            },
            units: Vec::new(),
            unit_start: 0.0,
        }
    }
}

/// The loop's state that handlers share.
struct State<'c> {
    cluster: &'c Cluster,
    nodes: &'c [NodeInfo],
    live: BTreeMap<JobId, Live>,
    decisions: Vec<Decision>,
}

impl State<'_> {
    fn remaining(&self) -> usize {
        self.live.values().filter(|l| !l.done).count()
    }

    fn kill(&mut self, job: JobId, why: Option<Kill>) {
        let Some(l) = self.live.get_mut(&job) else {
            return;
        };
        if l.running && l.killing.is_none() {
            l.killing = Some(why);
            if let Some(n) = l.node {
                let _ = self
                    .cluster
                    .kill_job(n as usize, runtime_id(job, l.attempt));
            }
        }
    }

    /// What a job killed by its node's out-of-memory killer must have held: the
    /// node's memory less what its other jobs were last seen using. The last
    /// unit's measure is older than the growth that set the killer off, and the
    /// simulator hands the policies the use at the kill, so the loop does too.
    fn memory_at_oom(&self, job: JobId, node: NodeId) -> f64 {
        let others: f64 = self
            .live
            .iter()
            .filter(|&(&i, l)| i != job && l.running && l.node == Some(node))
            .map(|(_, l)| l.last_usage.memory)
            .sum();
        let left = self
            .nodes
            .get(node as usize)
            .map_or(0.0, |n| n.capacity.memory - others);
        left.max(self.live[&job].last_usage.memory)
    }
}

/// Runs jobs from `host` on `cluster` under `policy` until the host is
/// closed and every job ended, it is stopping, or `timeout` seconds passed.
/// `nodes` are the planner's view of the cluster's nodes, in its order.
pub fn run(
    name: &str,
    policy: &mut dyn prescient_plan::Policy,
    cluster: &Cluster,
    nodes: &[NodeInfo],
    host: &mut dyn Host,
    timeout: f64,
) -> Result<Outcome, EngineError> {
    let (tx, rx) = mpsc::channel::<Msg>();
    let moves: Moves = Arc::new(Mutex::new(HashMap::new()));
    let startup: Arc<Vec<f64>> = Arc::new(nodes.iter().map(|n| n.startup_seconds).collect());
    let mut st = State {
        cluster,
        nodes,
        live: BTreeMap::new(),
        decisions: Vec::new(),
    };
    let mut on_since: Vec<Option<f64>> = nodes
        .iter()
        .map(|n| (!n.elastic && !n.joins).then_some(0.0))
        .collect();
    // Virtual nodes being powered on: a loss heard meanwhile is that of
    // the agent stopped before, not of the one starting.
    let mut powering: BTreeSet<NodeId> = BTreeSet::new();
    let node_changes = cluster.watch_nodes();
    let done = AtomicBool::new(false);
    let mut node_seconds = vec![0.0; nodes.len()];
    let mut node_starts = 0u32;
    let mut refused = 0u64;
    let mut events = 0u64;
    let t0 = Instant::now();
    let mut wakes: BTreeSet<u64> = BTreeSet::new();
    // Time limits: (when, job, attempt).
    let mut deadlines: BTreeSet<(u64, JobId, u32)> = BTreeSet::new();
    let mut timeline: Vec<Sample> = Vec::new();
    let mut last_sample = -1.0;
    let starting = Arc::new(AtomicUsize::new(0));
    std::thread::scope(|scope| -> Result<(), EngineError> {
        {
            let tx = tx.clone();
            let done = &done;
            scope.spawn(move || {
                while !done.load(Ordering::SeqCst) {
                    let m = match node_changes.recv_timeout(Duration::from_millis(200)) {
                        Ok(NodeChange::Joined(i)) => Msg::NodeReady(i as NodeId),
                        Ok(NodeChange::Lost(i)) => Msg::NodeLost(i as NodeId),
                        Err(mpsc::RecvTimeoutError::Timeout) => continue,
                        Err(mpsc::RecvTimeoutError::Disconnected) => break,
                    };
                    if tx.send(m).is_err() {
                        break;
                    }
                }
            });
        }
        loop {
            let now = t0.elapsed().as_secs_f64();
            if now > timeout {
                done.store(true, Ordering::SeqCst);
                return Err(EngineError::Timeout {
                    policy: name.to_string(),
                    seconds: timeout,
                    left: st.remaining(),
                });
            }
            if host.stopping() {
                let running: Vec<JobId> = st
                    .live
                    .iter()
                    .filter(|(_, l)| l.running)
                    .map(|(&j, _)| j)
                    .collect();
                for j in running {
                    st.kill(j, None);
                }
                break;
            }
            let any_running = st.live.values().any(|l| l.running);
            if host.closed() && st.remaining() == 0 && !any_running {
                break;
            }
            // Nothing running, starting or due, yet jobs wait and no more
            // will come: they never will run (no node can take them). They fail.
            let idle = host.closed()
                && !any_running
                && host.next_submission().is_none()
                && wakes.is_empty()
                && st.decisions.is_empty()
                && starting.load(Ordering::SeqCst) == 0;
            if idle {
                for (&job, l) in st.live.iter_mut().filter(|(_, l)| !l.done) {
                    l.done = true;
                    l.out.failed = true;
                    host.notice(
                        now,
                        Notice::Ended {
                            job,
                            outcome: &l.out,
                            run: None,
                        },
                    );
                }
                break;
            }
            // What is due now, in order: submissions, cancellations, time
            // limits, wake-ups.
            let mut due: Vec<JobInfo> = Vec::new();
            for info in host.submissions(now) {
                st.live.entry(info.id).or_insert_with(|| Live::new(&info));
                due.push(info);
            }
            for job in host.cancellations() {
                let Some(l) = st.live.get_mut(&job) else {
                    continue;
                };
                if l.done || l.cancelled {
                    continue;
                }
                l.cancelled = true;
                if l.running {
                    st.kill(job, None);
                } else {
                    // Never started: it ends here; the policy forgets it.
                    l.out.failed = true;
                    end_job(job, l, now, None, host, policy, &mut st.decisions);
                }
            }
            while let Some(&(t, job, attempt)) = deadlines.first() {
                if f64::from_bits(t) > now {
                    break;
                }
                deadlines.pop_first();
                if st
                    .live
                    .get(&job)
                    .is_some_and(|l| l.running && l.attempt == attempt)
                {
                    st.kill(job, Some(Kill::TimeLimit));
                }
            }
            let mut wake = false;
            while wakes.first().is_some_and(|&t| f64::from_bits(t) <= now) {
                wakes.pop_first();
                wake = true;
            }
            let planning = Instant::now();
            let events_before = events;
            for info in &due {
                events += 1;
                policy.on(now, &Event::Submitted(info), &mut st.decisions);
            }
            if wake {
                events += 1;
                policy.on(now, &Event::Wake, &mut st.decisions);
            }
            let mut planned = planning.elapsed().as_secs_f64();
            // Messages from jobs and nodes, waiting for the next due time.
            let next = [
                host.next_submission(),
                wakes.first().map(|&t| f64::from_bits(t)),
                deadlines.first().map(|&(t, _, _)| f64::from_bits(t)),
            ]
            .into_iter()
            .flatten()
            .fold(now + 0.2, f64::min);
            let wait = if st.decisions.is_empty() {
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
            let planning = Instant::now();
            for m in msgs {
                // Power as the host sees it: nodes that join and leave.
                match m {
                    Msg::NodeReady(node) => {
                        let n = node as usize;
                        powering.remove(&node);
                        host.notice(now, Notice::NodeUp { node });
                        if nodes[n].joins {
                            if on_since[n].is_some() {
                                continue;
                            }
                            on_since[n] = Some(now);
                            host.notice(now, Notice::Power { node, on: true });
                        }
                    }
                    Msg::StartFailed(node, _) => {
                        let n = node as usize;
                        powering.remove(&node);
                        if let Some(since) = on_since[n].take() {
                            node_seconds[n] += now - since;
                            host.notice(now, Notice::Power { node, on: false });
                        }
                    }
                    Msg::NodeLost(node) => {
                        let n = node as usize;
                        // Stopped on purpose, starting again, or back already.
                        if on_since[n].is_none() || powering.contains(&node) || cluster.is_alive(n)
                        {
                            continue;
                        }
                        if let Some(since) = on_since[n].take() {
                            node_seconds[n] += now - since;
                        }
                        host.notice(now, Notice::Power { node, on: false });
                        tracing::warn!("node {} was lost", nodes[n].name);
                    }
                    _ => {}
                }
                events += 1;
                handle(m, now, &mut st, policy, host);
            }
            planned += planning.elapsed().as_secs_f64();
            if events > events_before {
                let waiting = st.live.values().filter(|l| !l.running && !l.done).count();
                host.notice(
                    now,
                    Notice::Planned {
                        events: events - events_before,
                        seconds: planned,
                        waiting,
                    },
                );
            }
            // Carry out the decisions (which may lead to more).
            for d in std::mem::take(&mut st.decisions) {
                // Told once carried out: a refused one (a second start of a
                // node already starting) did not happen.
                let refused_before = refused;
                let decided = d.clone();
                match d {
                    Decision::Place { job, node, limits } => {
                        let Some(l) = st.live.get_mut(&job) else {
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
                        let attempt = l.attempt;
                        host.notice(now, Notice::Placed { job, attempt, node });
                        let plan = host.plan(job, attempt, node as usize);
                        let mut obs = host.observer(job, attempt);
                        let steering = JobSteering {
                            job,
                            attempt,
                            tx: tx.clone(),
                            moves: moves.clone(),
                            startup: startup.clone(),
                        };
                        let tx = tx.clone();
                        scope.spawn(move || {
                            let mut steering = steering;
                            let o = coordinator::run_job_steered(
                                cluster,
                                plan,
                                obs.as_mut(),
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
                        powering.insert(node);
                        host.notice(now, Notice::Power { node, on: true });
                        node_starts += 1;
                        let delay =
                            emulated_startup(cluster, node as usize, startup[node as usize]);
                        let tx = tx.clone();
                        let starting = starting.clone();
                        starting.fetch_add(1, Ordering::SeqCst);
                        scope.spawn(move || {
                            power_on(cluster, node, delay, tx);
                            starting.fetch_sub(1, Ordering::SeqCst);
                        });
                    }
                    Decision::Stop { node } => match on_since.get(node as usize).copied().flatten()
                    {
                        Some(since) if cluster.is_alive(node as usize) => {
                            cluster.power_off(node as usize);
                            node_seconds[node as usize] += now - since;
                            on_since[node as usize] = None;
                            host.notice(now, Notice::Power { node, on: false });
                        }
                        _ => refused += 1,
                    },
                    Decision::Migrate {
                        job,
                        to,
                        before_section,
                    } => {
                        moves
                            .lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(job, (to, before_section));
                    }
                    Decision::Resize { job, limits } => {
                        if let Some(l) = st.live.get_mut(&job) {
                            l.limits.memory = limits.memory;
                        }
                    }
                    Decision::Pause { job } | Decision::Resume { job } => {
                        let pause = matches!(d, Decision::Pause { .. });
                        match st.live.get_mut(&job) {
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
                if refused == refused_before {
                    host.notice(now, Notice::Decided { decision: &decided });
                }
            }
            if now - last_sample >= 0.5 {
                last_sample = now;
                if let Some(calendars) = policy.calendars() {
                    host.notice(now, Notice::Reservations { calendars });
                }
                timeline.push(Sample {
                    t: now,
                    nodes_on: on_since.iter().filter(|s| s.is_some()).count() as u32,
                    cores_busy: 0.0,
                    memory_used: 0.0,
                    running: st.live.values().filter(|l| l.running).count() as u32,
                    queued: st
                        .live
                        .values()
                        .filter(|l| !l.running && !l.done && l.out.submit <= now)
                        .count() as u32,
                });
            }
        }
        done.store(true, Ordering::SeqCst);
        Ok(())
    })?;
    // Nodes whose start-up ended after the last job did (their threads were
    // joined with the scope): their hosts still hear when they were up.
    for m in rx.try_iter() {
        if let Msg::NodeReady(node) = m {
            host.notice(t0.elapsed().as_secs_f64(), Notice::NodeUp { node });
        }
    }
    let end = st
        .live
        .values()
        .filter_map(|l| l.out.end)
        .fold(0.0, f64::max);
    let mut offered = 0.0;
    let mut cost = 0.0;
    for (i, n) in nodes.iter().enumerate() {
        if let Some(since) = on_since[i] {
            node_seconds[i] += (end - since).max(0.0);
        }
        offered += node_seconds[i] * n.capacity.cores;
        cost += node_seconds[i] * n.cost_per_second;
    }
    // Busy cores over time, from the units' measured CPU.
    let busy: f64 = st
        .live
        .values()
        .flat_map(|l| l.units.iter())
        .map(|&(_, secs, cores)| secs * cores)
        .sum();
    for s in &mut timeline {
        s.cores_busy = st
            .live
            .values()
            .flat_map(|l| l.units.iter())
            .filter(|&&(start, secs, _)| start <= s.t && s.t < start + secs)
            .map(|&(_, _, cores)| cores)
            .sum();
    }
    Ok(Outcome {
        policy: name.to_string(),
        jobs: st.live.into_values().map(|l| l.out).collect(),
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
        Err(e) => {
            tracing::warn!("node {node} did not start: {e}");
            let _ = tx.send(Msg::StartFailed(node, e.to_string()));
        }
    }
}

/// Takes in one message from a job or a node.
fn handle(
    m: Msg,
    now: f64,
    st: &mut State,
    policy: &mut dyn prescient_plan::Policy,
    host: &mut dyn Host,
) {
    let mut decided = Vec::new();
    take_in(m, now, st, policy, host, &mut decided);
    st.decisions.append(&mut decided);
}

fn take_in(
    m: Msg,
    now: f64,
    st: &mut State,
    policy: &mut dyn prescient_plan::Policy,
    host: &mut dyn Host,
    out: &mut Vec<Decision>,
) {
    match m {
        Msg::NodeReady(node) => policy.on(now, &Event::NodeReady(node), out),
        Msg::NodeLost(node) => policy.on(now, &Event::NodeLost(node), out),
        // As good as lost: what waited for it is placed again.
        Msg::StartFailed(node, error) => {
            host.notice(
                now,
                Notice::StartFailed {
                    node,
                    error: &error,
                },
            );
            policy.on(now, &Event::NodeLost(node), out);
        }
        Msg::Started {
            job,
            attempt,
            section,
            node,
        } => {
            let Some(l) = st.live.get_mut(&job) else {
                return;
            };
            if l.attempt != attempt || !l.running {
                return;
            }
            l.node = Some(node);
            l.section = section;
            l.unit_start = now;
            let usage = l.last_usage;
            host.notice(
                now,
                Notice::UnitStarted {
                    job,
                    unit: section,
                    node,
                },
            );
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
            let Some(l) = st.live.get_mut(&job) else {
                return;
            };
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
            let over = l.limits.memory.is_some_and(|m| observed.memory > m);
            host.notice(
                now,
                Notice::UnitDone {
                    job,
                    record: &record,
                },
            );
            policy.on(
                now,
                &Event::SectionFinished {
                    job,
                    section: record.unit,
                    observed,
                },
                out,
            );
            if over {
                st.kill(job, Some(Kill::MemoryLimit));
            }
        }
        Msg::Ended {
            job,
            attempt,
            outcome,
        } => {
            let nodes = st.cluster.node_names();
            let Some(l) = st.live.get_mut(&job) else {
                return;
            };
            if l.attempt != attempt {
                return;
            }
            l.running = false;
            for m in &outcome.migrations {
                if m.ok {
                    l.out.migrations += 1;
                    l.out.downtime += m.downtime_seconds;
                    if let Some(to) = nodes.iter().position(|n| *n == m.to) {
                        l.out.nodes.push(to as u32);
                    }
                }
            }
            let end = &outcome.end;
            let oom = end
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("memory limit"));
            let killed = l.killing.take();
            if l.cancelled {
                l.done = true;
                l.out.failed = true;
                l.out.end = Some(now);
                host.notice(
                    now,
                    Notice::Killed {
                        job,
                        why: None,
                        final_: true,
                    },
                );
                end_job(job, l, now, Some(&outcome), host, policy, out);
                return;
            }
            // A node lost under a job the runtime could not move elsewhere
            // is not the program's end: it runs again.
            let lost = end.lost && killed.is_none();
            let why = killed
                .flatten()
                .or(oom.then_some(Kill::Oom))
                .or(lost.then_some(Kill::NodeLost));
            let Some(why) = why else {
                // The program's own end (a non-zero exit is still its end).
                l.out.end = Some(now);
                end_job(job, l, now, Some(&outcome), host, policy, out);
                return;
            };
            match why {
                Kill::Oom => l.out.oom_kills += 1,
                Kill::MemoryLimit | Kill::TimeLimit => l.out.limit_kills += 1,
                Kill::NodeLost => {}
            }
            l.attempt += 1;
            let given_up = l.attempt >= host.max_attempts();
            let node = l.node;
            let section = end.unit.unwrap_or(l.section);
            let mut usage = l.last_usage;
            if why == Kill::Oom {
                if let Some(n) = node {
                    usage.memory = st.memory_at_oom(job, n);
                }
            }
            host.notice(
                now,
                Notice::Killed {
                    job,
                    why: Some(why),
                    final_: given_up,
                },
            );
            let l = st.live.get_mut(&job).expect("looked up above");
            if given_up {
                l.out.failed = true;
                end_job(job, l, now, Some(&outcome), host, policy, out);
            } else {
                policy.on(
                    now,
                    &Event::Killed {
                        job,
                        why,
                        section,
                        usage,
                    },
                    out,
                );
            }
        }
    }
}

/// A job's end: it is done, its host is told, its policy forgets it.
fn end_job(
    job: JobId,
    l: &mut Live,
    now: f64,
    run: Option<&RunOutcome>,
    host: &mut dyn Host,
    policy: &mut dyn prescient_plan::Policy,
    out: &mut Vec<Decision>,
) {
    l.done = true;
    host.notice(
        now,
        Notice::Ended {
            job,
            outcome: &l.out,
            run,
        },
    );
    policy.on(now, &Event::Finished(job), out);
}
