//! The discrete-event simulator: replays jobs on a fleet under a policy.
//!
//! What it models (and what it does not):
//! - **CPU**: a node's cores are shared in proportion (processor sharing):
//!   when the running units want more cores than the node has, each
//!   progresses at `cores / wanted` of its speed.
//! - **Memory**: a unit holds its peak for its whole length. A unit over
//!   its job's memory limit is killed (`MemoryLimit`); a node over its
//!   memory has its largest job killed (`Oom`), as the kernel's OOM killer
//!   would. A killed job loses its progress and goes back to the policy.
//! - **Features**: work that profits from a feature the node lacks runs
//!   slower by the factors in [`prescient_plan::features::SLOWDOWN`].
//! - **Moves** happen between units: the job pauses for
//!   [`move_pause`] (from the migration benchmark), holding its memory on
//!   both nodes; a move to a node still starting waits for it.
//! - **Nodes** cost from power-on to power-off; physical ones for the
//!   whole run.
//!
//! Pure: no I/O, no wall clock; the same inputs give the same outcome.

use crate::job::SimJob;
use prescient_plan::policies::proactive::move_pause;
use prescient_plan::{Decision, Event, JobId, Kill, Limits, NodeId, NodeInfo, Observed, Policy};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, VecDeque};

#[derive(Clone, Debug)]
pub struct Options {
    /// About how many timeline samples to keep.
    pub samples: usize,
    /// A job killed this many times is given up on.
    pub max_attempts: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            samples: 400,
            max_attempts: 5,
        }
    }
}

/// What happened to one job.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct JobOutcome {
    pub submit: f64,
    pub first_start: Option<f64>,
    pub end: Option<f64>,
    /// Given up on after too many kills, or never placed.
    pub failed: bool,
    pub deadline: Option<f64>,
    pub oom_kills: u32,
    pub limit_kills: u32,
    pub migrations: u32,
    pub downtime: f64,
    pub pauses: u32,
    /// The nodes it ran on, in order (a node again after a move back).
    pub nodes: Vec<u32>,
}

/// The cluster at one instant.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Sample {
    pub t: f64,
    pub nodes_on: u32,
    pub cores_busy: f64,
    pub memory_used: f64,
    pub running: u32,
    pub queued: u32,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Outcome {
    pub policy: String,
    pub jobs: Vec<JobOutcome>,
    /// Seconds each node was on.
    pub node_seconds: Vec<f64>,
    pub cost: f64,
    /// Core-seconds of work done (including work lost to kills).
    pub busy_core_seconds: f64,
    /// Core-seconds the nodes offered while on.
    pub offered_core_seconds: f64,
    pub timeline: Vec<Sample>,
    /// When the last job ended.
    pub makespan: f64,
    /// Decisions the engine refused (a policy bug if not zero).
    pub refused: u64,
    pub events: u64,
    pub node_starts: u32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Power {
    Off,
    Starting,
    Up,
}

struct Node {
    info: NodeInfo,
    power: Power,
    on_since: f64,
    seconds: f64,
    jobs: Vec<JobId>,
    incoming: f64,
    last: f64,
    busy: f64,
    mem: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum St {
    Unsubmitted,
    Queued,
    Running,
    /// Between units, waiting for a starting node to move to.
    Waiting {
        to: NodeId,
        next: usize,
    },
    Moving {
        to: NodeId,
        next: usize,
    },
    Done,
    Failed,
}

struct Job {
    st: St,
    node: Option<NodeId>,
    section: usize,
    left: f64,
    rate: f64,
    demand: f64,
    mem: f64,
    paused: bool,
    epoch: u64,
    attempt: u32,
    limits: Limits,
    section_start: f64,
    cpu: f64,
    planned: Option<(NodeId, usize)>,
    out: JobOutcome,
}

#[derive(Clone, Copy, Debug)]
enum Ev {
    Submit(JobId),
    NodeReady(NodeId),
    SectionEnd(JobId, u64),
    MoveDone(JobId, u64),
    Timeout(JobId, u32),
    /// A node found over its memory: still over a moment later, the kernel kills.
    MemCheck(NodeId),
    Wake,
}

/// An event at a time; `u8` orders events of one instant (wake-ups last,
/// so a policy woken at an instant sees everything else of that instant).
struct Timed(f64, u8, u64, Ev);

impl PartialEq for Timed {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Timed {}
impl PartialOrd for Timed {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Timed {
    // Reversed: the heap pops the earliest first, ties in push order.
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.total_cmp(&self.0)
            .then(o.1.cmp(&self.1))
            .then(o.2.cmp(&self.2))
    }
}

/// What the policy is told, owned until it is.
enum Note {
    Submitted(JobId),
    NodeReady(NodeId),
    Started(JobId, usize, NodeId, Observed),
    Finished(JobId, usize, Observed),
    Done(JobId),
    Killed(JobId, Kill, usize, Observed),
    MoveFailed(JobId),
    Wake,
}

struct Sim<'a> {
    specs: &'a [SimJob],
    policy: &'a mut dyn Policy,
    opts: Options,
    now: f64,
    seq: u64,
    heap: BinaryHeap<Timed>,
    nodes: Vec<Node>,
    jobs: Vec<Job>,
    notes: VecDeque<Note>,
    waiting_on: HashMap<NodeId, Vec<JobId>>,
    busy_integral: f64,
    busy_now: f64,
    mem_now: f64,
    running: u32,
    queued: u32,
    period: f64,
    next_sample: f64,
    timeline: Vec<Sample>,
    refused: u64,
    events: u64,
    node_starts: u32,
    last_end: f64,
    ended: usize,
}

/// Runs `jobs` (in submission order or not) on `nodes` under `policy`.
pub fn simulate(
    nodes: &[NodeInfo],
    jobs: &[SimJob],
    policy: &mut dyn Policy,
    opts: Options,
) -> Outcome {
    let name = policy.name().to_string();
    let mut sim = Sim {
        specs: jobs,
        policy,
        opts,
        now: 0.0,
        seq: 0,
        heap: BinaryHeap::new(),
        nodes: nodes
            .iter()
            .map(|n| Node {
                info: n.clone(),
                power: if n.elastic { Power::Off } else { Power::Up },
                on_since: 0.0,
                seconds: 0.0,
                jobs: Vec::new(),
                incoming: 0.0,
                last: 0.0,
                busy: 0.0,
                mem: 0.0,
            })
            .collect(),
        jobs: jobs
            .iter()
            .map(|j| Job {
                st: St::Unsubmitted,
                node: None,
                section: 0,
                left: 0.0,
                rate: 0.0,
                demand: 0.0,
                mem: 0.0,
                paused: false,
                epoch: 0,
                attempt: 0,
                limits: Limits::default(),
                section_start: 0.0,
                cpu: 0.0,
                planned: None,
                out: JobOutcome {
                    submit: j.info.submit,
                    deadline: j.info.deadline,
                    ..JobOutcome::default()
                },
            })
            .collect(),
        notes: VecDeque::new(),
        waiting_on: HashMap::new(),
        busy_integral: 0.0,
        busy_now: 0.0,
        mem_now: 0.0,
        running: 0,
        queued: 0,
        period: 1.0,
        next_sample: 0.0,
        timeline: Vec::new(),
        refused: 0,
        events: 0,
        node_starts: 0,
        last_end: 0.0,
        ended: 0,
    };
    for (i, j) in jobs.iter().enumerate() {
        sim.push(j.info.submit, Ev::Submit(i as JobId));
    }
    sim.run();
    sim.finish(name)
}

impl Sim<'_> {
    fn push(&mut self, t: f64, ev: Ev) {
        self.seq += 1;
        let rank = u8::from(matches!(ev, Ev::Wake));
        self.heap.push(Timed(t.max(self.now), rank, self.seq, ev));
    }

    fn run(&mut self) {
        let mut open = self.jobs.len();
        while let Some(Timed(t, _, _, ev)) = self.heap.pop() {
            if open == 0 {
                // Every job ended: what is left are stale timers.
                break;
            }
            self.sample_until(t);
            self.now = t;
            self.events += 1;
            match ev {
                Ev::Submit(j) => {
                    self.jobs[j as usize].st = St::Queued;
                    self.queued += 1;
                    self.notes.push_back(Note::Submitted(j));
                }
                Ev::NodeReady(n) => self.node_ready(n),
                Ev::SectionEnd(j, epoch) => self.section_end(j, epoch),
                Ev::MoveDone(j, epoch) => self.move_done(j, epoch),
                Ev::Timeout(j, attempt) => {
                    let job = &self.jobs[j as usize];
                    let live =
                        matches!(job.st, St::Running | St::Waiting { .. } | St::Moving { .. });
                    if live && job.attempt == attempt {
                        self.kill(j, Kill::TimeLimit);
                    }
                }
                Ev::MemCheck(n) => {
                    self.oom(n);
                }
                Ev::Wake => self.notes.push_back(Note::Wake),
            }
            self.drain();
            open = self.jobs.len().saturating_sub(self.ended);
        }
    }

    fn drain(&mut self) {
        let specs = self.specs;
        let mut decisions = Vec::new();
        while let Some(note) = self.notes.pop_front() {
            let ev = match note {
                Note::Submitted(j) => Event::Submitted(&specs[j as usize].info),
                Note::NodeReady(n) => Event::NodeReady(n),
                Note::Started(job, section, node, usage) => Event::SectionStarted {
                    job,
                    section,
                    node,
                    usage,
                },
                Note::Finished(job, section, observed) => Event::SectionFinished {
                    job,
                    section,
                    observed,
                },
                Note::Done(j) => Event::Finished(j),
                Note::Killed(job, why, section, usage) => Event::Killed {
                    job,
                    why,
                    section,
                    usage,
                },
                Note::MoveFailed(j) => Event::MoveFailed(j),
                Note::Wake => Event::Wake,
            };
            self.policy.on(self.now, &ev, &mut decisions);
            for d in decisions.drain(..) {
                self.apply(d);
            }
        }
    }

    fn apply(&mut self, d: Decision) {
        let now = self.now;
        match d {
            Decision::Place { job, node, limits } => {
                let ok = (job as usize) < self.jobs.len()
                    && (node as usize) < self.nodes.len()
                    && self.jobs[job as usize].st == St::Queued
                    && self.nodes[node as usize].power == Power::Up;
                if !ok {
                    self.refused += 1;
                    return;
                }
                let j = &mut self.jobs[job as usize];
                j.st = St::Running;
                j.node = Some(node);
                j.limits = limits;
                j.out.first_start.get_or_insert(now);
                j.out.nodes.push(node);
                let attempt = j.attempt;
                self.queued -= 1;
                self.running += 1;
                if let Some(s) = limits.seconds {
                    self.push(now + s, Ev::Timeout(job, attempt));
                }
                self.start_section(job, 0, node);
            }
            Decision::Start { node } => match self.nodes.get_mut(node as usize) {
                Some(n) if n.power == Power::Off && n.info.elastic => {
                    n.power = Power::Starting;
                    n.on_since = now;
                    let ready = now + n.info.startup_seconds;
                    self.node_starts += 1;
                    self.push(ready, Ev::NodeReady(node));
                }
                _ => self.refused += 1,
            },
            Decision::Stop { node } => {
                let busy = self.waiting_on.get(&node).is_some_and(|w| !w.is_empty());
                match self.nodes.get_mut(node as usize) {
                    Some(n)
                        if n.power == Power::Up
                            && n.info.elastic
                            && n.jobs.is_empty()
                            && n.incoming == 0.0
                            && !busy =>
                    {
                        n.power = Power::Off;
                        n.seconds += now - n.on_since;
                    }
                    _ => self.refused += 1,
                }
            }
            Decision::Migrate {
                job,
                to,
                before_section,
            } => match self.jobs.get_mut(job as usize) {
                Some(j)
                    if (to as usize) < self.nodes.len()
                        && matches!(j.st, St::Running | St::Queued) =>
                {
                    j.planned = Some((to, before_section));
                }
                _ => self.refused += 1,
            },
            Decision::Resize { job, limits } => match self.jobs.get_mut(job as usize) {
                Some(j) => j.limits.memory = limits.memory,
                None => self.refused += 1,
            },
            Decision::Pause { job } => {
                let Some(node) = self.live_node(job) else {
                    self.refused += 1;
                    return;
                };
                if self.jobs[job as usize].paused {
                    return;
                }
                self.advance(node);
                let j = &mut self.jobs[job as usize];
                j.paused = true;
                j.out.pauses += 1;
                self.recompute(node);
            }
            Decision::Resume { job } => {
                let Some(node) = self.live_node(job) else {
                    self.refused += 1;
                    return;
                };
                if !self.jobs[job as usize].paused {
                    return;
                }
                self.advance(node);
                self.jobs[job as usize].paused = false;
                self.recompute(node);
            }
            Decision::WakeAt(t) => self.push(t, Ev::Wake),
        }
    }

    fn live_node(&self, job: JobId) -> Option<NodeId> {
        let j = self.jobs.get(job as usize)?;
        (j.st == St::Running).then_some(j.node?)
    }

    /// Brings the progress of a node's running units up to now.
    fn advance(&mut self, node: NodeId) {
        let n = &mut self.nodes[node as usize];
        let dt = self.now - n.last;
        n.last = self.now;
        if dt <= 0.0 {
            return;
        }
        for &j in &n.jobs {
            let job = &mut self.jobs[j as usize];
            if job.st == St::Running && !job.paused {
                job.left -= dt * job.rate;
                job.cpu += dt * job.rate * job.demand;
            }
        }
        self.busy_integral += dt * n.busy;
    }

    /// Shares out a node's cores anew and reschedules its units' ends.
    fn recompute(&mut self, node: NodeId) {
        let now = self.now;
        let n = &self.nodes[node as usize];
        let mut wanted = 0.0;
        let mut mem = n.incoming;
        for &j in &n.jobs {
            let job = &self.jobs[j as usize];
            mem += job.mem;
            if job.st == St::Running && !job.paused {
                wanted += job.demand;
            }
        }
        let share = if wanted > n.info.capacity.cores {
            n.info.capacity.cores / wanted
        } else {
            1.0
        };
        let list = n.jobs.clone();
        let mut busy = 0.0;
        for j in list {
            let job = &mut self.jobs[j as usize];
            if job.st == St::Running && !job.paused {
                job.rate = share;
                job.epoch += 1;
                busy += job.demand * share;
                let end = now + job.left.max(0.0) / share;
                let epoch = job.epoch;
                self.push(end, Ev::SectionEnd(j, epoch));
            }
        }
        let n = &mut self.nodes[node as usize];
        self.busy_now += busy - n.busy;
        self.mem_now += mem - n.mem;
        n.busy = busy;
        n.mem = mem;
    }

    fn start_section(&mut self, job: JobId, k: usize, node: NodeId) {
        self.advance(node);
        let a = &self.specs[job as usize].actual[k];
        let n = &mut self.nodes[node as usize];
        let j = &mut self.jobs[job as usize];
        j.section = k;
        j.left = a.seconds_on(n.info.features);
        j.demand = a.cores.min(n.info.capacity.cores).max(0.01);
        j.mem = a.memory;
        j.section_start = self.now;
        j.cpu = 0.0;
        j.node = Some(node);
        if !n.jobs.contains(&job) {
            n.jobs.push(job);
        }
        let usage = Observed {
            seconds: 1.0,
            cpu_seconds: j.demand,
            memory: a.memory,
        };
        if j.limits.memory.is_some_and(|l| a.memory > l) {
            self.recompute(node);
            self.kill(job, Kill::MemoryLimit);
            return;
        }
        self.recompute(node);
        self.over(node);
        self.notes.push_back(Note::Started(job, k, node, usage));
    }

    /// A unit does not reach its peak the instant it starts: a node over
    /// its memory is checked again a moment later (after whatever else ends
    /// at this same instant), and only then does the OOM killer act.
    fn over(&mut self, node: NodeId) {
        let n = &self.nodes[node as usize];
        if n.mem > n.info.capacity.memory + 1.0 {
            self.push(self.now + 1e-6, Ev::MemCheck(node));
        }
    }

    /// Kills the largest jobs on a node until its memory fits.
    fn oom(&mut self, node: NodeId) {
        while self.nodes[node as usize].mem > self.nodes[node as usize].info.capacity.memory + 1.0 {
            let victim = self.nodes[node as usize]
                .jobs
                .iter()
                .copied()
                .max_by(|a, b| {
                    self.jobs[*a as usize]
                        .mem
                        .total_cmp(&self.jobs[*b as usize].mem)
                });
            let Some(v) = victim else { break };
            self.kill(v, Kill::Oom);
        }
    }

    fn leave(&mut self, job: JobId, node: NodeId) {
        self.advance(node);
        self.nodes[node as usize].jobs.retain(|&j| j != job);
        self.recompute(node);
    }

    fn kill(&mut self, job: JobId, why: Kill) {
        let j = &self.jobs[job as usize];
        let (st, node, section, mem) = (j.st, j.node, j.section, j.mem);
        if let Some(n) = node {
            self.leave(job, n);
        }
        match st {
            St::Moving { to, .. } => {
                self.nodes[to as usize].incoming -= mem;
                self.recompute(to);
            }
            St::Waiting { to, .. } => {
                if let Some(w) = self.waiting_on.get_mut(&to) {
                    w.retain(|&x| x != job);
                }
            }
            _ => {}
        }
        let max = self.opts.max_attempts;
        let j = &mut self.jobs[job as usize];
        match why {
            Kill::Oom => j.out.oom_kills += 1,
            Kill::MemoryLimit | Kill::TimeLimit => j.out.limit_kills += 1,
            // The simulated fleet loses no node.
            Kill::NodeLost => {}
        }
        j.attempt += 1;
        j.epoch += 1;
        j.paused = false;
        j.planned = None;
        j.node = None;
        j.mem = 0.0;
        self.running -= 1;
        let usage = Observed {
            seconds: self.now - j.section_start,
            cpu_seconds: j.cpu,
            memory: mem,
        };
        if j.attempt >= max {
            j.st = St::Failed;
            j.out.failed = true;
            self.ended += 1;
            self.notes.push_back(Note::Done(job));
        } else {
            j.st = St::Queued;
            self.queued += 1;
            self.notes.push_back(Note::Killed(job, why, section, usage));
        }
    }

    fn section_end(&mut self, job: JobId, epoch: u64) {
        let j = &self.jobs[job as usize];
        if j.epoch != epoch || j.st != St::Running || j.paused {
            return;
        }
        let Some(node) = j.node else { return };
        self.advance(node);
        let j = &mut self.jobs[job as usize];
        let k = j.section;
        let observed = Observed {
            seconds: self.now - j.section_start,
            cpu_seconds: j.cpu,
            memory: j.mem,
        };
        self.notes.push_back(Note::Finished(job, k, observed));
        let units = self.specs[job as usize].actual.len();
        if k + 1 >= units {
            j.st = St::Done;
            j.out.end = Some(self.now);
            self.ended += 1;
            j.mem = 0.0;
            self.running -= 1;
            self.last_end = self.last_end.max(self.now);
            self.leave(job, node);
            self.notes.push_back(Note::Done(job));
            return;
        }
        match j.planned {
            Some((to, before)) if before == k + 1 && to != node => self.begin_move(job, to, k + 1),
            _ => self.start_section(job, k + 1, node),
        }
    }

    fn begin_move(&mut self, job: JobId, to: NodeId, next: usize) {
        let Some(from) = self.jobs[job as usize].node else {
            return;
        };
        match self.nodes[to as usize].power {
            Power::Up => {
                self.advance(from);
                let j = &mut self.jobs[job as usize];
                j.st = St::Moving { to, next };
                let pause = move_pause(j.mem);
                j.out.migrations += 1;
                j.out.downtime += pause;
                j.out.nodes.push(to);
                j.epoch += 1;
                let (epoch, mem) = (j.epoch, j.mem);
                self.recompute(from);
                self.nodes[to as usize].incoming += mem;
                self.advance(to);
                self.recompute(to);
                self.over(to);
                self.push(self.now + pause, Ev::MoveDone(job, epoch));
            }
            Power::Starting => {
                self.advance(from);
                self.jobs[job as usize].st = St::Waiting { to, next };
                self.recompute(from);
                self.waiting_on.entry(to).or_default().push(job);
            }
            Power::Off => {
                self.jobs[job as usize].planned = None;
                self.notes.push_back(Note::MoveFailed(job));
                self.start_section(job, next, from);
            }
        }
    }

    fn move_done(&mut self, job: JobId, epoch: u64) {
        let j = &self.jobs[job as usize];
        let St::Moving { to, next } = j.st else {
            return;
        };
        if j.epoch != epoch {
            return;
        }
        let (from, mem) = (j.node, j.mem);
        if let Some(from) = from {
            self.leave(job, from);
        }
        self.nodes[to as usize].incoming -= mem;
        let j = &mut self.jobs[job as usize];
        j.st = St::Running;
        j.planned = None;
        self.start_section(job, next, to);
    }

    fn node_ready(&mut self, node: NodeId) {
        let n = &mut self.nodes[node as usize];
        if n.power != Power::Starting {
            return;
        }
        n.power = Power::Up;
        n.last = self.now;
        self.notes.push_back(Note::NodeReady(node));
        for job in self.waiting_on.remove(&node).unwrap_or_default() {
            if let St::Waiting { to, next } = self.jobs[job as usize].st {
                self.jobs[job as usize].st = St::Running;
                self.begin_move(job, to, next);
            }
        }
    }

    fn sample_until(&mut self, t: f64) {
        while self.next_sample <= t {
            let nodes_on = self.nodes.iter().filter(|n| n.power != Power::Off).count() as u32;
            self.timeline.push(Sample {
                t: self.next_sample,
                nodes_on,
                cores_busy: self.busy_now.max(0.0),
                memory_used: self.mem_now.max(0.0),
                running: self.running,
                queued: self.queued,
            });
            self.next_sample += self.period;
            if self.timeline.len() >= 2 * self.opts.samples.max(1) {
                // Halve the resolution: keep every other sample.
                self.timeline = self.timeline.iter().step_by(2).cloned().collect();
                self.period *= 2.0;
                self.next_sample = self.timeline.last().map_or(0.0, |s| s.t) + self.period;
            }
        }
    }

    fn finish(mut self, policy: String) -> Outcome {
        // Jobs that never ran keep the clock of the last event.
        let end = if self.ended == self.jobs.len() {
            self.last_end
        } else {
            self.now
        };
        let mut offered = 0.0;
        let mut cost = 0.0;
        let mut node_seconds = Vec::with_capacity(self.nodes.len());
        for n in &mut self.nodes {
            if n.power != Power::Off {
                n.seconds += end - n.on_since;
            }
            offered += n.seconds * n.info.capacity.cores;
            cost += n.seconds * n.info.cost_per_second;
            node_seconds.push(n.seconds);
        }
        for j in &mut self.jobs {
            if !matches!(j.st, St::Done) {
                j.out.failed = true;
            }
        }
        Outcome {
            policy,
            jobs: self.jobs.into_iter().map(|j| j.out).collect(),
            node_seconds,
            cost,
            busy_core_seconds: self.busy_integral,
            offered_core_seconds: offered,
            timeline: self.timeline,
            makespan: end,
            refused: self.refused,
            events: self.events,
            node_starts: self.node_starts,
        }
    }
}
