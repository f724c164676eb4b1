//! The core the two request-driven baselines share: a job holds a flat
//! request (cores and memory) on one node from its start to its end, placed
//! best-fit in priority order, with virtual nodes powered on when a job finds
//! no room and powered off after a fixed idle time (as Slurm's power saving
//! does with `SuspendTime`). [`super::static_requests`] takes the request
//! from what the user declared; [`super::reactive`] starts small and grows
//! it from observed usage.

use super::board::Board;
use crate::features::Features;
use crate::forecast::{Forecast, Observed};
use crate::policy::{Decision, Event, JobId, JobInfo, Kill, Limits, NodeId, NodeInfo, Policy};
use std::collections::HashMap;

/// Idle seconds before a virtual node is powered off.
pub const SUSPEND_SECONDS: f64 = 60.0;
/// Static: memory requested when none is declared (Slurm's `DefMemPerCPU`
/// style).
pub const DEFAULT_MEMORY: f64 = 2.0 * 1024.0 * 1024.0 * 1024.0;
/// Reactive: the request of a job nothing is known of (no declaration, no
/// earlier run of its code), as a Kubernetes namespace's default request.
pub const REACTIVE_DEFAULT_CORES: f64 = 0.5;
pub const REACTIVE_DEFAULT_MEMORY: f64 = 256.0 * 1024.0 * 1024.0;
/// Queued jobs tried per pass.
const DEPTH: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Requests as declared, enforced as limits; a killed job is
    /// resubmitted with the exceeded request doubled, as a user would.
    Static,
    /// Requests start at the declared figures (or defaults) and follow
    /// observed usage once it crosses a threshold; no limits, so the node's
    /// OOM killer is what stops an overgrown job.
    Reactive,
}

/// Usage above this share of the request triggers a reactive resize.
pub const THRESHOLD: f64 = 0.9;
/// A reactive resize asks for this much over what was observed.
pub const HEADROOM: f64 = 1.2;

pub struct Requests {
    b: Board,
    mode: Mode,
    /// Reactive: the recommendation per job key (cores, memory), from the
    /// use its earlier jobs were seen at, as a VPA recommender keeps per
    /// workload.
    seen: HashMap<u32, (f64, f64)>,
    /// The most cores and plannable memory (whole MiB, as the fleet index
    /// counts free memory) any one node has.
    largest: (f64, f64),
}

impl Requests {
    pub fn new(nodes: Vec<NodeInfo>, mode: Mode) -> Requests {
        let mib = 1024.0 * 1024.0;
        let cores = nodes.iter().map(|n| n.capacity.cores).fold(0.0, f64::max);
        let memory = nodes
            .iter()
            .map(|n| crate::fleet::plannable(n.capacity).memory)
            .fold(0.0, f64::max);
        Requests {
            b: Board::new(nodes),
            mode,
            seen: HashMap::new(),
            largest: (cores, (memory / mib).floor() * mib),
        }
    }

    /// The request a job starts with.
    fn request(&self, info: &JobInfo) -> (f64, f64, Option<f64>) {
        let d = info.declared;
        match self.mode {
            Mode::Static => (
                d.cores.unwrap_or(1.0).max(0.01),
                d.memory.unwrap_or(DEFAULT_MEMORY),
                d.seconds,
            ),
            Mode::Reactive => {
                let (c, m) = (
                    d.cores.unwrap_or(REACTIVE_DEFAULT_CORES),
                    d.memory.unwrap_or(REACTIVE_DEFAULT_MEMORY),
                );
                // What jobs of this code were seen using wins, with headroom.
                let (c, m) = match self.seen.get(&info.key) {
                    Some(&(sc, sm)) => (sc, sm * HEADROOM),
                    None => (c, m),
                };
                let (c, m) = self.capped(c, m);
                (c.max(0.01), m, None)
            }
        }
    }

    /// Reactive: a recommendation no node could hold is cut to the largest
    /// node, as a VPA's is to what a node can allocate (a job that used a
    /// little over one core, measured, would otherwise never be placed on
    /// one-core nodes again).
    fn capped(&self, cores: f64, memory: f64) -> (f64, f64) {
        (cores.min(self.largest.0), memory.min(self.largest.1))
    }

    /// Reactive: remembers what a job of this key was seen using.
    fn observe(&mut self, id: JobId, cores: f64, memory: f64) {
        if self.mode != Mode::Reactive {
            return;
        }
        if let Some(key) = self.b.jobs.get(&id).map(|j| j.info.key) {
            self.see(key, cores, memory);
        }
    }

    /// Reactive: the largest use seen of a key's jobs.
    fn see(&mut self, key: u32, cores: f64, memory: f64) {
        let e = self.seen.entry(key).or_insert((0.0, 0.0));
        e.0 = e.0.max(cores);
        e.1 = e.1.max(memory);
    }

    fn req(&self, id: JobId) -> Option<(f64, f64)> {
        let s = self.b.jobs.get(&id)?.forecast.sections.first()?;
        Some((s.cores, s.memory))
    }

    fn limits(&self, id: JobId) -> Limits {
        match (self.mode, self.b.jobs.get(&id)) {
            (Mode::Static, Some(j)) => Limits {
                memory: Some(j.forecast.sections[0].memory),
                seconds: j
                    .info
                    .declared
                    .seconds
                    .map(|_| j.forecast.sections[0].seconds),
            },
            _ => Limits::default(),
        }
    }

    fn try_place(&mut self, id: JobId, now: f64, out: &mut Vec<Decision>) -> bool {
        let Some((cores, mem)) = self.req(id) else {
            return false;
        };
        let limits = self.limits(id);
        let none = Features::NONE;
        if let Some(node) = self.b.fleet.find(cores, mem, none, none, false, None) {
            self.b.reserve_open(id, node, now, cores, mem, now);
            self.b.place(id, node, limits, out);
            return true;
        }
        if let Some(node) = self.b.fleet.find(cores, mem, none, none, true, None) {
            self.b.reserve_open(id, node, now, cores, mem, now);
            self.b.place_later(id, node, limits);
            return true;
        }
        if let Some(v) = self.b.fleet.startable(cores, mem, none, none) {
            self.b.power_on(v, now, now, out);
            self.b.reserve_open(id, v, now, cores, mem, now);
            self.b.place_later(id, v, limits);
            return true;
        }
        false
    }

    fn schedule(&mut self, now: f64, out: &mut Vec<Decision>) {
        let mut failures = 0;
        // A job at least as big as one that found no place finds none either.
        let mut failed: Vec<(f64, f64)> = Vec::new();
        for id in self.b.queued(4 * DEPTH) {
            if failures >= DEPTH {
                break;
            }
            let Some((c, m)) = self.req(id) else { continue };
            if failed.iter().any(|&(fc, fm)| c >= fc && m >= fm) {
                failures += 1;
                continue;
            }
            if !self.try_place(id, now, out) {
                failures += 1;
                failed.push((c, m));
            }
        }
    }

    fn set_request(&mut self, id: JobId, cores: f64, mem: f64) {
        if let Some(j) = self.b.jobs.get_mut(&id) {
            let s = &mut j.forecast.sections[0];
            s.cores = cores;
            s.memory = mem;
            s.memory_high = mem;
        }
    }

    /// Reactive: usage crossed the threshold; grow the request in place, or
    /// move the job at its next boundary to a node that has the room.
    fn react(
        &mut self,
        id: JobId,
        section: usize,
        node: NodeId,
        usage: Observed,
        now: f64,
        out: &mut Vec<Decision>,
    ) {
        let Some((cores, mem)) = self.req(id) else {
            return;
        };
        let used_cores = if usage.seconds > 0.0 {
            usage.cpu_seconds / usage.seconds
        } else {
            0.0
        };
        self.observe(id, used_cores, usage.memory);
        if usage.memory <= THRESHOLD * mem && used_cores <= cores * 1.05 {
            return;
        }
        let (nc, nm) = self.capped(cores.max(used_cores), mem.max(usage.memory * HEADROOM));
        self.set_request(id, nc, nm);
        let mut sink = Vec::new();
        self.b.release(id, now, None, &mut sink);
        let cal = &self.b.fleet.calendars[node as usize];
        if cal.fits(now, f64::INFINITY, nc, nm) {
            self.b.reserve_open(id, node, now, nc, nm, now);
            out.push(Decision::Resize {
                job: id,
                limits: Limits::default(),
            });
            return;
        }
        // Keep holding what it uses here until it moves.
        self.b.reserve_open(id, node, now, nc, nm, now);
        let none = Features::NONE;
        let to = match self.b.fleet.find(nc, nm, none, none, true, Some(node)) {
            Some(t) => t,
            None => match self.b.fleet.startable(nc, nm, none, none) {
                Some(v) => {
                    self.b.power_on(v, now, now, out);
                    v
                }
                None => return,
            },
        };
        self.b.reserve_open(id, to, now, nc, nm, now);
        if let Some(j) = self.b.jobs.get_mut(&id) {
            j.moving = Some((to, section + 1));
        }
        out.push(Decision::Migrate {
            job: id,
            to,
            before_section: section + 1,
        });
    }
}

impl Policy for Requests {
    fn name(&self) -> &'static str {
        match self.mode {
            Mode::Static => "static",
            Mode::Reactive => "reactive",
        }
    }

    fn calendars(&self) -> Option<&[crate::calendar::Calendar]> {
        Some(&self.b.fleet.calendars)
    }

    fn on(&mut self, now: f64, event: &Event, out: &mut Vec<Decision>) {
        let idle = Some(SUSPEND_SECONDS);
        match *event {
            Event::Submitted(info) => {
                let (cores, mem, secs) = self.request(info);
                let f = Forecast::flat(secs.unwrap_or(f64::INFINITY), cores, mem);
                self.b.admit(info, f);
                self.schedule(now, out);
            }
            Event::NodeReady(node) => {
                self.b.node_ready(node, now, out);
                self.schedule(now, out);
            }
            Event::NodeLost(node) => {
                self.b.node_lost(node, now, idle, out);
                self.schedule(now, out);
            }
            Event::SectionStarted {
                job,
                section,
                node,
                usage,
            } => {
                if let Some(j) = self.b.jobs.get_mut(&job) {
                    j.section = section;
                    if let Some((to, _)) = j.moving.filter(|&(to, _)| to == node) {
                        // Arrived: stop holding the old node.
                        j.moving = None;
                        let old: Vec<NodeId> =
                            j.holds.iter().copied().filter(|&n| n != to).collect();
                        for n in old {
                            self.b.fleet.calendars[n as usize].release(job as u64);
                            self.b.fleet.refresh(n, now);
                            self.b.check_idle(n, now, idle, out);
                        }
                        if let Some(j) = self.b.jobs.get_mut(&job) {
                            j.holds.retain(|&n| n == to);
                        }
                    }
                    if let Some(j) = self.b.jobs.get_mut(&job) {
                        j.node = Some(node);
                    }
                }
                if self.mode == Mode::Reactive {
                    self.react(job, section, node, usage, now, out);
                }
            }
            Event::SectionFinished { job, observed, .. } => {
                self.observe(job, observed.cores().unwrap_or(0.0), observed.memory);
            }
            Event::Finished(job) => {
                self.b.release(job, now, idle, out);
                self.b.forget(job);
                self.schedule(now, out);
            }
            Event::Killed {
                job, why, usage, ..
            } => {
                self.observe(job, 0.0, usage.memory);
                self.b.release(job, now, idle, out);
                if let Some((cores, mem)) = self.req(job) {
                    let (nc, nm) = match (self.mode, why) {
                        // The user doubles what ran out and resubmits.
                        (Mode::Static, Kill::MemoryLimit | Kill::Oom) => (cores, mem * 2.0),
                        // Nothing ran out: the same request again.
                        (Mode::Static, Kill::NodeLost) => (cores, mem),
                        (Mode::Static, Kill::TimeLimit) => {
                            if let Some(j) = self.b.jobs.get_mut(&job) {
                                j.forecast.sections[0].seconds *= 2.0;
                            }
                            (cores, mem)
                        }
                        // After an OOM kill, restart with room for what was seen.
                        (Mode::Reactive, _) => (cores, mem.max(usage.memory * HEADROOM)),
                    };
                    self.set_request(job, nc, nm);
                }
                self.b.enqueue(job);
                self.schedule(now, out);
            }
            Event::MoveFailed(job) => {
                if let Some(j) = self.b.jobs.get_mut(&job) {
                    j.moving = None;
                }
            }
            Event::Wake => self.b.wake(now, out),
        }
    }

    fn history(&mut self, key: u32, _base: &Forecast, runs: &[Vec<Observed>]) {
        // A VPA recommender keeps what each workload was seen using.
        if self.mode != Mode::Reactive {
            return;
        }
        for u in runs.iter().flatten() {
            self.see(key, u.cores().unwrap_or(0.0), u.memory);
        }
    }
}
