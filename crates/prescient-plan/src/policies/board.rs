//! What every policy keeps: the fleet, its jobs, the queue of jobs waiting
//! for a place, jobs waiting for a node that is starting, and the timers for
//! planned node starts and for idle nodes to power off.

use crate::calendar::Reservation;
use crate::fleet::{Fleet, Power};
use crate::forecast::{Forecast, Observed};
use crate::policy::{Decision, JobId, JobInfo, Limits, NodeId, NodeInfo};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A job as a policy tracks it.
#[derive(Clone, Debug)]
pub struct Job {
    pub info: JobInfo,
    /// What the policy reserves from (its forecast, or the declared flat
    /// request).
    pub forecast: Forecast,
    /// The node it runs on, or is bound for.
    pub node: Option<NodeId>,
    pub running: bool,
    pub paused: bool,
    /// The unit it is in.
    pub section: usize,
    /// A planned move: to which node, before which unit.
    pub moving: Option<(NodeId, usize)>,
    /// Nodes it holds reservations on.
    pub holds: Vec<NodeId>,
    /// What this run measured so far, unit by unit.
    pub observed: Vec<Observed>,
    pub limits: Limits,
    seq: u64,
}

/// A float time as an ordered key (times are never negative).
fn at(t: f64) -> u64 {
    t.max(0.0).to_bits()
}

#[derive(Clone, Debug)]
pub struct Board {
    pub fleet: Fleet,
    pub jobs: HashMap<JobId, Job>,
    queue: BTreeSet<(Reverse<i32>, u64, JobId)>,
    seq: u64,
    /// Jobs bound for a node that is starting, placed when it is up.
    waiting: HashMap<NodeId, Vec<JobId>>,
    /// Virtual nodes to power on at a time (start-up lead).
    planned: BTreeSet<(u64, NodeId)>,
    /// Idle virtual nodes to power off at a time, if still idle.
    idle: BTreeMap<NodeId, f64>,
    idle_at: BTreeSet<(u64, NodeId)>,
    /// How many placed jobs there are of each priority.
    placed_by_priority: BTreeMap<i32, usize>,
}

impl Board {
    pub fn new(nodes: Vec<NodeInfo>) -> Board {
        Board {
            fleet: Fleet::new(nodes),
            jobs: HashMap::new(),
            queue: BTreeSet::new(),
            seq: 0,
            waiting: HashMap::new(),
            planned: BTreeSet::new(),
            idle: BTreeMap::new(),
            idle_at: BTreeSet::new(),
            placed_by_priority: BTreeMap::new(),
        }
    }

    fn mark(&mut self, id: JobId, running: bool) {
        let Some(j) = self.jobs.get_mut(&id) else {
            return;
        };
        if j.running == running {
            return;
        }
        j.running = running;
        let p = j.info.priority;
        if running {
            *self.placed_by_priority.entry(p).or_default() += 1;
        } else if let Some(n) = self.placed_by_priority.get_mut(&p) {
            *n -= 1;
            if *n == 0 {
                self.placed_by_priority.remove(&p);
            }
        }
    }

    /// The lowest priority among placed jobs.
    pub fn lowest_placed_priority(&self) -> Option<i32> {
        self.placed_by_priority.keys().next().copied()
    }

    pub fn admit(&mut self, info: &JobInfo, forecast: Forecast) {
        self.seq += 1;
        let job = Job {
            info: info.clone(),
            forecast,
            node: None,
            running: false,
            paused: false,
            section: 0,
            moving: None,
            holds: Vec::new(),
            observed: Vec::new(),
            limits: Limits::default(),
            seq: self.seq,
        };
        self.jobs.insert(info.id, job);
        self.enqueue(info.id);
    }

    pub fn enqueue(&mut self, id: JobId) {
        self.mark(id, false);
        if let Some(j) = self.jobs.get_mut(&id) {
            j.paused = false;
            j.node = None;
            j.moving = None;
            j.section = 0;
            j.observed.clear();
            self.queue.insert((Reverse(j.info.priority), j.seq, id));
        }
    }

    /// The first `limit` queued jobs, highest priority first, then in
    /// submission order.
    pub fn queued(&self, limit: usize) -> Vec<JobId> {
        self.queue.iter().take(limit).map(|k| k.2).collect()
    }

    pub fn queued_len(&self) -> usize {
        self.queue.len()
    }

    pub fn dequeue(&mut self, id: JobId) {
        if let Some(j) = self.jobs.get(&id) {
            self.queue.remove(&(Reverse(j.info.priority), j.seq, id));
        }
    }

    /// Reserves a timeline for a job on a node from `start`.
    pub fn reserve(
        &mut self,
        id: JobId,
        node: NodeId,
        start: f64,
        phases: &[crate::Phase],
        now: f64,
    ) {
        self.fleet.calendars[node as usize].reserve_timeline(id as u64, start, phases);
        self.hold(id, node, now);
    }

    /// Reserves a flat request from `start` until released.
    pub fn reserve_open(
        &mut self,
        id: JobId,
        node: NodeId,
        start: f64,
        cores: f64,
        memory: f64,
        now: f64,
    ) {
        self.fleet.calendars[node as usize].reserve(Reservation {
            job: id as u64,
            start,
            end: f64::INFINITY,
            cores,
            memory,
        });
        self.hold(id, node, now);
    }

    fn hold(&mut self, id: JobId, node: NodeId, now: f64) {
        self.fleet.refresh(node, now);
        self.idle.remove(&node);
        if let Some(j) = self.jobs.get_mut(&id) {
            if !j.holds.contains(&node) {
                j.holds.push(node);
            }
        }
    }

    /// Releases everything a job holds; nodes left idle start their idle
    /// timer (`idle_after` seconds, None: never power off).
    pub fn release(
        &mut self,
        id: JobId,
        now: f64,
        idle_after: Option<f64>,
        out: &mut Vec<Decision>,
    ) {
        let holds = match self.jobs.get_mut(&id) {
            Some(j) => std::mem::take(&mut j.holds),
            None => return,
        };
        for n in holds {
            self.fleet.calendars[n as usize].release(id as u64);
            self.fleet.refresh(n, now);
            self.check_idle(n, now, idle_after, out);
        }
    }

    /// Starts the idle timer of an idle virtual node.
    pub fn check_idle(
        &mut self,
        node: NodeId,
        now: f64,
        idle_after: Option<f64>,
        out: &mut Vec<Decision>,
    ) {
        let Some(after) = idle_after else { return };
        if self.fleet.nodes[node as usize].elastic
            && self.fleet.power[node as usize] == Power::Up
            && self.fleet.idle(node, now)
            && !self.waiting.contains_key(&node)
            && !self.idle.contains_key(&node)
        {
            let t = now + after;
            self.idle.insert(node, t);
            self.idle_at.insert((at(t), node));
            out.push(Decision::WakeAt(t));
        }
    }

    /// Binds a job to a node that is starting; it is placed when the node is up.
    pub fn wait_for(&mut self, id: JobId, node: NodeId) {
        self.waiting.entry(node).or_default().push(id);
        if let Some(j) = self.jobs.get_mut(&id) {
            j.node = Some(node);
        }
    }

    /// Powers a virtual node on now, or plans it for `when` (a start-up lead
    /// ahead of need). Returns when it will be ready.
    pub fn power_on(&mut self, node: NodeId, when: f64, now: f64, out: &mut Vec<Decision>) -> f64 {
        let when = when.max(now);
        let ready = when + self.fleet.nodes[node as usize].startup_seconds;
        self.fleet.start(node, ready, now);
        if when <= now {
            out.push(Decision::Start { node });
        } else {
            self.planned.insert((at(when), node));
            out.push(Decision::WakeAt(when));
        }
        ready
    }

    /// Handles a wake-up: due planned starts and idle nodes still idle.
    pub fn wake(&mut self, now: f64, out: &mut Vec<Decision>) {
        while let Some(&(t, node)) = self.planned.first() {
            if f64::from_bits(t) > now {
                break;
            }
            self.planned.pop_first();
            out.push(Decision::Start { node });
        }
        while let Some(&(t, node)) = self.idle_at.first() {
            if f64::from_bits(t) > now {
                break;
            }
            self.idle_at.pop_first();
            if self.idle.get(&node) != Some(&f64::from_bits(t)) {
                continue;
            }
            self.idle.remove(&node);
            if self.fleet.power[node as usize] == Power::Up
                && self.fleet.idle(node, now)
                && !self.waiting.contains_key(&node)
            {
                self.fleet.stop(node);
                out.push(Decision::Stop { node });
            }
        }
    }

    /// A node came up: places the jobs bound for it. Returns them.
    pub fn node_ready(&mut self, node: NodeId, now: f64, out: &mut Vec<Decision>) -> Vec<JobId> {
        self.fleet.ready(node, now);
        let jobs = self.waiting.remove(&node).unwrap_or_default();
        for &id in &jobs {
            let bound = self
                .jobs
                .get(&id)
                .is_some_and(|j| !j.running && j.node == Some(node));
            if bound {
                self.mark(id, true);
                out.push(Decision::Place {
                    job: id,
                    node,
                    limits: self.jobs[&id].limits,
                });
            }
        }
        jobs
    }

    /// A node went away: jobs bound for it (waiting for it to come up) go
    /// back in the queue; the jobs that ran there come back through the
    /// runtime (started elsewhere, or killed).
    pub fn node_lost(
        &mut self,
        node: NodeId,
        now: f64,
        idle_after: Option<f64>,
        out: &mut Vec<Decision>,
    ) {
        self.fleet.lost(node);
        self.idle.remove(&node);
        self.planned.retain(|&(_, n)| n != node);
        for id in self.waiting.remove(&node).unwrap_or_default() {
            let bound = self
                .jobs
                .get(&id)
                .is_some_and(|j| !j.running && j.node == Some(node));
            if bound {
                self.release(id, now, idle_after, out);
                self.enqueue(id);
            }
        }
    }

    /// Places a queued job on an up node now.
    pub fn place(&mut self, id: JobId, node: NodeId, limits: Limits, out: &mut Vec<Decision>) {
        self.dequeue(id);
        self.mark(id, true);
        if let Some(j) = self.jobs.get_mut(&id) {
            j.node = Some(node);
            j.limits = limits;
        }
        out.push(Decision::Place {
            job: id,
            node,
            limits,
        });
    }

    /// Binds a queued job to a starting node.
    pub fn place_later(&mut self, id: JobId, node: NodeId, limits: Limits) {
        self.dequeue(id);
        if let Some(j) = self.jobs.get_mut(&id) {
            j.limits = limits;
        }
        self.wait_for(id, node);
    }

    pub fn forget(&mut self, id: JobId) {
        self.dequeue(id);
        self.mark(id, false);
        self.jobs.remove(&id);
    }
}
