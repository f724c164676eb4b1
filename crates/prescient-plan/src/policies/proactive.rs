//! `proactive`: Prescient's own policy, and the default.
//!
//! It plans from each job's forecast timeline, reserving every unit at the
//! upper bound of its interval on a node's calendar, and acts before demand
//! arrives rather than after:
//!
//! - **Placement**: the best-fitting node where the whole remaining timeline
//!   fits at every instant, preferring nodes with the features the job
//!   profits from.
//! - **Migration before a unit that will not fit**: when the rest of a job's
//!   timeline does not fit where it runs (a memory spike ahead, or a
//!   neighbour that grew), the job is planned to move, at the boundary just
//!   before that unit, to a node where the rest fits.
//! - **Migration for features**: when the next unit profits from a feature
//!   (AES-NI, SHA-NI, AVX-512, a GPU) its node lacks and the time saved
//!   exceeds the move's pause, the job moves to a node that has it.
//! - **Early start of virtual nodes**: a virtual node needed for a coming
//!   unit is powered on its start-up latency ahead of the forecast start of
//!   that unit, so it is ready when the unit is.
//! - **Preemption**: a job that cannot start anywhere may pause
//!   lower-priority jobs (freezer) on a node where their cores make room;
//!   they resume when it ends.
//! - **Scale-in**: a virtual node with nothing reserved ahead powers off
//!   after idling for as long as it takes to start one (past that, keeping
//!   it costs more than starting another would).
//!
//! It learns: every run that ends adds its measured units to the history of
//! its code and arguments, and later submissions of the same job are
//! forecast from that history (see [`Forecast::learn`]).
//!
//! The oracle ([`super::oracle`]) is this planner given exact forecasts.

use super::board::Board;
use crate::calendar::Phase;
use crate::features::Features;
use crate::fleet::Scan;
use crate::forecast::{Forecast, Observed};
use crate::policy::{Decision, Event, JobId, JobInfo, Kill, Limits, NodeId, NodeInfo, Policy};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Runs kept per job key for learning.
const HISTORY: usize = 32;
/// Queued jobs tried per scheduling pass before giving up on the rest.
const DEPTH: usize = 64;
/// Nodes checked one by one (exactly, at a future start) when the index
/// finds none with room at all times.
const SCAN: usize = 32;
/// Seconds waiting for a node with the features must save over running
/// without them before a job waits.
const MIN_DETOUR: f64 = 0.5;

/// Pause of a move at a unit boundary, from `prescient bench-migration`:
/// about 10 ms plus the state at a few GB/s (pre-copy sends most of it
/// while the job still runs).
pub fn move_pause(bytes: f64) -> f64 {
    0.01 + bytes / 2.0e9
}

/// What a job moved before unit `split` needs on its target, on a node with
/// `node` features: its state (the memory of the unit before) during the
/// move's pause, then the rest of its timeline.
fn arriving(f: &Forecast, split: usize, node: Features) -> Vec<Phase> {
    let state = f.sections[split - 1].memory_high;
    let mut v = vec![Phase {
        seconds: move_pause(state),
        cores: 0.0,
        memory: state,
    }];
    v.extend(f.reserved_from(split, node));
    v
}

/// A first-sight timeline as reserved: each unit holds the largest memory
/// of itself and every unit after it, and the last is held until the job
/// lets go. First-sight durations are guesses (often off several times
/// over), so the time a spike arrives is unknown: a neighbour placed in the
/// gap before it would meet it late, and the kernel would kill one of them.
fn untimed(mut phases: Vec<Phase>) -> Vec<Phase> {
    let mut high = 0.0f64;
    for p in phases.iter_mut().rev() {
        high = high.max(p.memory);
        p.memory = high;
    }
    if let Some(last) = phases.last_mut() {
        last.seconds = f64::INFINITY;
    }
    phases
}

pub struct Proactive {
    b: Board,
    exact: bool,
    history: HashMap<u32, Vec<Vec<Observed>>>,
    learned: HashMap<u32, Forecast>,
    /// Per key and unit: floors (memory, seconds) for the upper bounds,
    /// learnt as soon as a unit is seen (ended, killed or running late),
    /// before the whole run ends.
    floors: HashMap<(u32, usize), (f64, f64)>,
    /// When each running job's current unit began.
    started: HashMap<JobId, f64>,
    /// Jobs whose forecast was learnt from runs of their code.
    timed: HashSet<JobId>,
    /// Jobs paused to make room, and who they made room for.
    paused_for: HashMap<JobId, Vec<JobId>>,
    /// Preemptions still to consider in this scheduling pass (each looks
    /// at every placed job).
    preempt_budget: usize,
    /// When to check that a unit has not outrun its reservation.
    overrun: BTreeSet<(u64, JobId, usize)>,
    /// The worst actual-over-upper-bound ratio seen (memory, seconds):
    /// first-sight forecasts of code never run are widened by it.
    widen: (f64, f64),
    name: &'static str,
}

impl Proactive {
    pub fn new(nodes: Vec<NodeInfo>) -> Proactive {
        Proactive {
            b: Board::new(nodes),
            exact: false,
            history: HashMap::new(),
            learned: HashMap::new(),
            floors: HashMap::new(),
            started: HashMap::new(),
            timed: HashSet::new(),
            paused_for: HashMap::new(),
            overrun: BTreeSet::new(),
            preempt_budget: 0,
            widen: (1.0, 1.0),
            name: "proactive",
        }
    }

    /// The planner trusting its forecasts as exact (for the oracle).
    pub fn exact(nodes: Vec<NodeInfo>) -> Proactive {
        Proactive {
            exact: true,
            name: "oracle",
            ..Proactive::new(nodes)
        }
    }

    /// The learnt forecast of a job's code, if its runs were seen.
    fn learned_for(&self, info: &JobInfo) -> Option<&Forecast> {
        self.learned
            .get(&info.key)
            .filter(|l| l.sections.len() == info.forecast.sections.len())
    }

    /// Gives a job the best forecast there is now, and remembers whether
    /// it is good for timing.
    fn refresh_forecast(&mut self, info: &JobInfo) -> Forecast {
        let f = self.forecast_for(info);
        if self.learned_for(info).is_some() {
            self.timed.insert(info.id);
        } else {
            self.timed.remove(&info.id);
        }
        if let Some(j) = self.b.jobs.get_mut(&info.id) {
            j.forecast = f.clone();
        }
        f
    }

    fn forecast_for(&self, info: &JobInfo) -> Forecast {
        if self.exact {
            return info.forecast.clone();
        }
        let mut f = match self.learned_for(info) {
            Some(l) => l.clone(),
            None => {
                // Never run: the first-sight forecast, its bounds widened by
                // how far other first-sight forecasts fell short.
                let mut f = info.forecast.clone();
                for s in &mut f.sections {
                    s.memory_high *= self.widen.0;
                    s.seconds_high *= self.widen.1;
                }
                f
            }
        };
        for (i, s) in f.sections.iter_mut().enumerate() {
            if let Some(&(m, t)) = self.floors.get(&(info.key, i)) {
                s.memory_high = s.memory_high.max(m);
                s.memory = s.memory.max(m / 1.1);
                s.seconds_high = s.seconds_high.max(t);
                s.seconds = s.seconds.max(t / 1.25);
            }
        }
        f
    }

    /// Raises the floors of a key's unit.
    fn floor(&mut self, key: u32, section: usize, memory: f64, seconds: f64) {
        if self.exact {
            return;
        }
        let e = self.floors.entry((key, section)).or_insert((0.0, 0.0));
        e.0 = e.0.max(memory);
        e.1 = e.1.max(seconds);
    }

    /// Whether a job's forecast is good for timing (fitting it between
    /// others' reservations in time): exact, or learnt from runs of its
    /// code. A first-sight forecast gets room for its peak at all times.
    /// It is the forecast the job holds that counts: a job placed on its
    /// first sight stays untimed when a run of its code ends meanwhile.
    fn trusted(&self, id: JobId) -> bool {
        self.exact || self.timed.contains(&id)
    }

    /// A job's phases as its reservations hold them: as forecast when the
    /// forecast is good for timing, else [`untimed`].
    fn shaped(&self, id: JobId, phases: Vec<Phase>) -> Vec<Phase> {
        if self.trusted(id) {
            phases
        } else {
            untimed(phases)
        }
    }

    /// Reserves a job's phases on a node from `start`, shaped.
    fn reserve(&mut self, id: JobId, node: NodeId, start: f64, phases: Vec<Phase>, now: f64) {
        let phases = self.shaped(id, phases);
        self.b.reserve(id, node, start, &phases, now);
    }

    /// Whether a job's phases, shaped, fit on a node from `start`.
    fn fits(&self, id: JobId, node: NodeId, start: f64, phases: Vec<Phase>) -> bool {
        self.b.fleet.fits(node, start, &self.shaped(id, phases))
    }

    /// Whether every job holding reservations on a node is trusted (so
    /// its reservations say when it will be gone).
    fn timed_node(&self, node: NodeId) -> bool {
        self.exact
            || self.b.fleet.calendars[node as usize]
                .reservations()
                .iter()
                .all(|r| self.trusted(r.job as JobId))
    }

    fn learn(&mut self, key: u32, base: &Forecast, run: Vec<Observed>) {
        if self.exact {
            return;
        }
        for (s, o) in base.sections.iter().zip(&run) {
            if s.memory_high > 0.0 {
                self.widen.0 = self.widen.0.max((o.memory / s.memory_high).min(2.0));
            }
            if s.seconds_high > 0.05 {
                self.widen.1 = self.widen.1.max((o.seconds / s.seconds_high).min(4.0));
            }
        }
        let h = self.history.entry(key).or_default();
        h.push(run);
        if h.len() > HISTORY {
            h.remove(0);
        }
        let mut f = base.clone();
        f.learn(h);
        self.learned.insert(key, f);
    }

    fn idle_after(&self, node: NodeId) -> Option<f64> {
        Some(self.b.fleet.nodes[node as usize].startup_seconds)
    }

    /// Tries to place one queued job now; true when it was placed or bound
    /// to a node.
    fn try_place(&mut self, id: JobId, now: f64, out: &mut Vec<Decision>) -> bool {
        let Some(job) = self.b.jobs.get(&id) else {
            return false;
        };
        // What was learnt since it was queued.
        let info = job.info.clone();
        let f = self.refresh_forecast(&info);
        let n = f.sections.len();
        let want = f.features();
        let (pc, pm) = f.peak(0..n);
        let fleet = &self.b.fleet;
        let trusted = self.trusted(id);
        // The whole job on one node: one with room at all times, else (when
        // the timing is known) one where its timeline fits between what is
        // reserved there (a spike after a neighbour's has passed).
        let whole = fleet
            .find(pc, pm, Features::NONE, want, false, None)
            .or_else(|| {
                let phases = |nf| f.reserved_from(0, nf);
                let usable = |n| self.timed_node(n);
                let q = Scan {
                    need: Features::NONE,
                    want,
                    except: None,
                    limit: SCAN,
                    usable: &usable,
                };
                trusted.then(|| fleet.scan(now, &phases, &q)).flatten()
            });
        if let Some(node) = whole {
            let nf = fleet.nodes[node as usize].features;
            if !nf.lacking(want).is_empty() {
                if let Some(placed) = self.feature_detour(id, &f, nf, now, out) {
                    return placed;
                }
            }
            let phases = f.reserved_from(0, self.b.fleet.nodes[node as usize].features);
            self.reserve(id, node, now, phases, now);
            self.b.place(id, node, Limits::default(), out);
            return true;
        }
        // Part here, the rest (a spike ahead) on another node, moved to
        // before that part starts: as late as possible, so the other node is
        // needed (and paid for) as late as possible.
        for split in (1..n).rev() {
            let (ac, am) = f.peak(0..split);
            let (bc, bm) = f.peak(split..n);
            let Some(a) = self.b.fleet.find(ac, am, Features::NONE, want, false, None) else {
                continue;
            };
            if self.plan_rest(id, a, 0, split, now, (bc, bm), want, out) {
                self.b.place(id, a, Limits::default(), out);
                return true;
            }
        }
        // A node already starting, with room.
        if let Some(node) = self.b.fleet.find(pc, pm, Features::NONE, want, true, None) {
            if let crate::fleet::Power::Starting { ready } = self.b.fleet.power[node as usize] {
                let phases = f.reserved_from(0, self.b.fleet.nodes[node as usize].features);
                self.reserve(id, node, ready, phases, now);
                self.b.place_later(id, node, Limits::default());
                return true;
            }
        }
        // A new virtual node.
        if let Some(v) = self.b.fleet.startable(pc, pm, Features::NONE, want) {
            let ready = self.b.power_on(v, now, now, out);
            let phases = f.reserved_from(0, self.b.fleet.nodes[v as usize].features);
            self.reserve(id, v, ready, phases, now);
            self.b.place_later(id, v, Limits::default());
            return true;
        }
        if self.preempt_budget > 0 && self.preemption_pays(id, now) {
            self.preempt_budget -= 1;
            return self.preempt_for(id, now, out);
        }
        false
    }

    /// A job that profits from features the node with room now lacks runs
    /// slower there. Placed there now, it runs its units there until a node
    /// with the features is free, then moves (the moves before a unit that
    /// profits from a feature); or it waits for that node and runs all its
    /// units at full speed. It waits when that ends sooner: for a node
    /// starting, one to power on, or one that frees up. Some(true) when
    /// bound to a node, Some(false) to stay queued; None: place it now.
    fn feature_detour(
        &mut self,
        id: JobId,
        f: &Forecast,
        here: Features,
        now: f64,
        out: &mut Vec<Decision>,
    ) -> Option<bool> {
        let want = f.features();
        let total: f64 = f.sections.iter().map(|s| s.seconds_high).sum();
        // The end when placed now: units that start before `free` stretch.
        let placed_now_end = |free: f64| {
            f.sections.iter().fold(now, |t, s| {
                let stretch = if t < free { s.stretch_on(here) } else { 1.0 };
                t + s.seconds_high * stretch
            })
        };
        let gain = |free: f64| placed_now_end(free) - (free + total);
        let n = f.sections.len();
        let (pc, pm) = f.peak(0..n);
        let fleet = &self.b.fleet;
        // The soonest of: a node with the features starting, one to power
        // on, one up that frees up.
        let starting = fleet.find(pc, pm, want, want, true, None).and_then(|node| {
            match fleet.power[node as usize] {
                crate::fleet::Power::Starting { ready } => Some((ready, node)),
                _ => None,
            }
        });
        let startable = fleet
            .startable(pc, pm, want, want)
            .map(|v| (now + fleet.nodes[v as usize].startup_seconds, v));
        // Nodes without the features cannot take it in this search.
        let phases = |nf: Features| {
            if nf.lacking(want).is_empty() {
                f.reserved_from(0, nf)
            } else {
                vec![Phase {
                    seconds: 1.0,
                    cores: f64::INFINITY,
                    memory: f64::INFINITY,
                }]
            }
        };
        let frees = fleet
            .earliest(now, &phases, SCAN)
            .map(|(node, t)| (t, node));
        let mut best: Option<(f64, u8)> = None;
        for (i, c) in [frees, starting, startable].iter().enumerate() {
            if let Some((t, _)) = c {
                if best.is_none_or(|(b, _)| *t < b) {
                    best = Some((*t, i as u8));
                }
            }
        }
        let (free, which) = best?;
        if gain(free) <= MIN_DETOUR {
            return None;
        }
        match which {
            0 => {
                out.push(Decision::WakeAt(free));
                Some(false)
            }
            1 => {
                let (ready, node) = starting?;
                let phases = f.reserved_from(0, fleet.nodes[node as usize].features);
                self.reserve(id, node, ready, phases, now);
                self.b.place_later(id, node, Limits::default());
                Some(true)
            }
            _ => {
                let (_, v) = startable?;
                let ready = self.b.power_on(v, now, now, out);
                let phases = f.reserved_from(0, self.b.fleet.nodes[v as usize].features);
                self.reserve(id, v, ready, phases, now);
                self.b.place_later(id, v, Limits::default());
                Some(true)
            }
        }
    }

    /// Pausing others costs them what it saves this job; it pays only when
    /// waiting would make this job miss its deadline, or wait far longer
    /// than it runs.
    fn preemption_pays(&self, id: JobId, now: f64) -> bool {
        let Some(job) = self.b.jobs.get(&id) else {
            return false;
        };
        // Nobody of lower priority to pause.
        if self
            .b
            .lowest_placed_priority()
            .is_none_or(|p| p >= job.info.priority)
        {
            return false;
        }
        let f = &job.forecast;
        let phases = |nf| f.reserved_from(0, nf);
        let length: f64 = f.sections.iter().map(|s| s.seconds).sum();
        let start = self
            .b
            .fleet
            .earliest(now, &phases, SCAN)
            .map_or(f64::INFINITY, |(_, t)| t);
        let wait = start - now;
        let misses = job
            .info
            .deadline
            .is_some_and(|d| start + length > job.info.submit + d);
        misses || wait > (2.0 * length).max(5.0)
    }

    /// Reserves units `[from, split)` on `here` from `now` and the rest on
    /// another node (up, starting, or powered on with a start-up lead), and
    /// plans the move. False (nothing reserved) when no node can take the
    /// rest.
    #[allow(clippy::too_many_arguments)]
    fn plan_rest(
        &mut self,
        id: JobId,
        here: NodeId,
        from: usize,
        split: usize,
        now: f64,
        (bc, bm): (f64, f64),
        want: Features,
        out: &mut Vec<Decision>,
    ) -> bool {
        let Some(job) = self.b.jobs.get(&id) else {
            return false;
        };
        let f = job.forecast.clone();
        let here_f = self.b.fleet.nodes[here as usize].features;
        let prefix_expected: f64 = f.sections[from..split]
            .iter()
            .map(|s| s.seconds * s.stretch_on(here_f))
            .sum();
        let rest_start = now + prefix_expected;
        // The target holds the arriving state during the pause, then the rest.
        let state = f.sections[split - 1].memory_high;
        let bm = bm.max(state);
        let arriving = |nf| arriving(&f, split, nf);
        let target = self
            .b
            .fleet
            .find(bc, bm, Features::NONE, want, true, Some(here))
            .or_else(|| {
                let usable = |n| self.timed_node(n);
                let q = Scan {
                    need: Features::NONE,
                    want,
                    except: Some(here),
                    limit: SCAN,
                    usable: &usable,
                };
                self.trusted(id)
                    .then(|| self.b.fleet.scan(rest_start, &arriving, &q))
                    .flatten()
            });
        let (to, ready) = match target {
            Some(t) => match self.b.fleet.power[t as usize] {
                crate::fleet::Power::Starting { ready } => (t, ready),
                _ => (t, now),
            },
            None => match self.b.fleet.startable(bc, bm, Features::NONE, want) {
                Some(v) => {
                    // Ready when the rest is forecast to start.
                    let lead = self.b.fleet.nodes[v as usize].startup_seconds;
                    let ready = self.b.power_on(v, now + prefix_expected - lead, now, out);
                    (v, ready)
                }
                None => return false,
            },
        };
        if !self.reserve_move(id, here, to, from, split, ready, now) {
            return false;
        }
        out.push(Decision::Migrate {
            job: id,
            to,
            before_section: split,
        });
        true
    }

    /// Reserves a planned move of job `id` from `here` to `to` before unit
    /// `split`, the units `[from, split)` running here from `now`: the
    /// prefix here, then the job's state held here until the move ends
    /// (the target may still be starting at `ready`), then on the target
    /// the state arriving and the rest of the timeline.
    #[allow(clippy::too_many_arguments)]
    fn reserve_move(
        &mut self,
        id: JobId,
        here: NodeId,
        to: NodeId,
        from: usize,
        split: usize,
        ready: f64,
        now: f64,
    ) -> bool {
        let trusted = self.trusted(id);
        let Some(job) = self.b.jobs.get(&id) else {
            return false;
        };
        let f = job.forecast.clone();
        let here_f = self.b.fleet.nodes[here as usize].features;
        let prefix = f.reserved_from(from, here_f);
        let prefix = &prefix[..split - from];
        let high: f64 = prefix.iter().map(|p| p.seconds).sum();
        let expected: f64 = f.sections[from..split]
            .iter()
            .map(|s| s.seconds * s.stretch_on(here_f))
            .sum();
        let state = prefix.last().map_or(0.0, |p| p.memory);
        let pause = move_pause(state);
        let arrive = ready.max(now + expected);
        // Where the arrival time is a guess (first-sight timing), the target
        // holds room for the state from now until the latest arrival.
        let (hold_from, hold_until) = if trusted {
            (arrive, arrive + pause)
        } else {
            (ready.max(now), ready.max(now + high) + pause)
        };
        let mut rest = vec![Phase {
            seconds: hold_until - hold_from,
            cores: 0.0,
            memory: state,
        }];
        rest.extend(f.reserved_from(split, self.b.fleet.nodes[to as usize].features));
        let held = Phase {
            seconds: (arrive.max(now + high) + pause) - (now + high),
            cores: 0.0,
            memory: state,
        };
        let mut here_phases = prefix.to_vec();
        here_phases.push(held);
        // Both ends must have the room: the state stays here until it has
        // arrived there.
        if !self.fits(id, to, hold_from, rest.clone())
            || !self.fits(id, here, now, here_phases.clone())
        {
            return false;
        }
        self.reserve(id, here, now, here_phases, now);
        self.reserve(id, to, hold_from, rest, now);
        if let Some(j) = self.b.jobs.get_mut(&id) {
            j.moving = Some((to, split));
        }
        true
    }

    /// Pauses lower-priority jobs on one node whose cores make room for the
    /// job (their memory stays reserved: a frozen job keeps its pages).
    fn preempt_for(&mut self, id: JobId, now: f64, out: &mut Vec<Decision>) -> bool {
        let Some(job) = self.b.jobs.get(&id) else {
            return false;
        };
        let prio = job.info.priority;
        let f = job.forecast.clone();
        let (pc, pm) = f.peak(0..f.sections.len());
        // Victims by node: running, unpaused, lower priority.
        let mut by_node: HashMap<NodeId, Vec<(JobId, f64)>> = HashMap::new();
        for (jid, j) in &self.b.jobs {
            if let (true, false, Some(n)) = (j.running, j.paused, j.node) {
                if j.info.priority < prio && j.moving.is_none() {
                    let cores = j.forecast.sections.get(j.section).map_or(1.0, |s| s.cores);
                    by_node.entry(n).or_default().push((*jid, cores));
                }
            }
        }
        let mut nodes: Vec<NodeId> = by_node.keys().copied().collect();
        nodes.sort_unstable();
        for v in by_node.values_mut() {
            // Lowest priority first, then the latest submitted.
            v.sort_by_key(|&(j, _)| (self.b.jobs[&j].info.priority, std::cmp::Reverse(j)));
        }
        for node in nodes {
            let cal = &self.b.fleet.calendars[node as usize];
            let cap = crate::fleet::plannable(self.b.fleet.nodes[node as usize].capacity);
            let (c, m) = cal.peak_between(now, f64::INFINITY);
            let victims = &by_node[&node];
            let freed: f64 = victims.iter().map(|v| v.1).sum();
            if m + pm > cap.memory || c - freed + pc > cap.cores + 1e-9 {
                continue;
            }
            let mut chosen = Vec::new();
            let mut need = c + pc - cap.cores;
            for &(v, cores) in victims {
                if need <= 1e-9 {
                    break;
                }
                chosen.push(v);
                need -= cores;
            }
            for &v in &chosen {
                self.freeze(v, now, out);
            }
            let phases = f.reserved_from(0, self.b.fleet.nodes[node as usize].features);
            self.reserve(id, node, now, phases, now);
            self.b.place(id, node, Limits::default(), out);
            self.paused_for.insert(id, chosen);
            return true;
        }
        false
    }

    /// Pauses a job: its cores go back, its memory stays held.
    fn freeze(&mut self, v: JobId, now: f64, out: &mut Vec<Decision>) {
        let Some(j) = self.b.jobs.get(&v) else { return };
        let Some(node) = j.node else { return };
        let (_, mem) = j.forecast.peak(j.section..j.forecast.sections.len());
        let mut sink = Vec::new();
        self.b.release(v, now, None, &mut sink);
        self.b.reserve_open(v, node, now, 0.0, mem, now);
        if let Some(j) = self.b.jobs.get_mut(&v) {
            j.paused = true;
        }
        out.push(Decision::Pause { job: v });
    }

    fn thaw(&mut self, v: JobId, now: f64, out: &mut Vec<Decision>) {
        let Some(j) = self.b.jobs.get_mut(&v) else {
            return;
        };
        if !j.paused {
            return;
        }
        j.paused = false;
        out.push(Decision::Resume { job: v });
        if let Some(node) = j.node {
            let section = j.section;
            self.replan(v, section, node, now, out);
        }
    }

    /// Re-plans a running job at the start of unit `k` on `node`.
    fn replan(&mut self, id: JobId, k: usize, node: NodeId, now: f64, out: &mut Vec<Decision>) {
        let held = self
            .b
            .jobs
            .get(&id)
            .map(|j| j.holds.clone())
            .unwrap_or_default();
        self.b.release(id, now, None, out);
        self.replan_released(id, k, node, now, out);
        // Nodes the new plan no longer uses may now be idle.
        for n in held {
            let after = self.idle_after(n);
            self.b.check_idle(n, now, after, out);
        }
        // If the unit is still running past its upper bound, its
        // reservation would lapse: look again then.
        let until = self.b.jobs.get(&id).and_then(|j| {
            let s = j.forecast.sections.get(k)?;
            Some(now + s.seconds_high * s.stretch_on(self.b.fleet.nodes[node as usize].features))
        });
        if let Some(t) = until {
            // Just past the bound (wake-ups also come after whatever else
            // happens at one instant): a unit ending on its bound, give or
            // take rounding, is not late.
            let t = t + 1e-6 * t.abs().max(1.0);
            self.overrun.insert((t.max(now).to_bits(), id, k));
            out.push(Decision::WakeAt(t));
        }
    }

    /// Units still running at their upper bound get their reservations
    /// extended (re-planned from now).
    fn check_overruns(&mut self, now: f64, out: &mut Vec<Decision>) {
        while let Some(&(t, id, k)) = self.overrun.first() {
            if f64::from_bits(t) > now {
                break;
            }
            self.overrun.pop_first();
            let Some(j) = self.b.jobs.get_mut(&id) else {
                continue;
            };
            // Still in unit `k`: not ended (it may be between units, moving).
            let late = j.section == k && j.observed.len() <= k;
            if let (true, false, Some(node), true) = (j.running, j.paused, j.node, late) {
                {
                    let key = j.info.key;
                    let elapsed = now - self.started.get(&id).copied().unwrap_or(now);
                    // Later jobs of this code: at least twice this long.
                    self.floor(key, k, 0.0, elapsed * 2.0);
                    let Some(j) = self.b.jobs.get_mut(&id) else {
                        continue;
                    };
                    // Half as long again (and a little): re-planned from
                    // now with that much of the unit left.
                    let s = &mut j.forecast.sections[k];
                    s.seconds_high = 0.5 * s.seconds_high + 0.05;
                    s.seconds = s.seconds.min(s.seconds_high);
                    self.replan(id, k, node, now, out);
                }
            }
        }
    }

    fn replan_released(
        &mut self,
        id: JobId,
        k: usize,
        node: NodeId,
        now: f64,
        out: &mut Vec<Decision>,
    ) {
        let Some(job) = self.b.jobs.get_mut(&id) else {
            return;
        };
        job.section = k;
        job.node = Some(node);
        job.running = true;
        if job.paused {
            let (_, mem) = job.forecast.peak(k..job.forecast.sections.len());
            self.b.reserve_open(id, node, now, 0.0, mem, now);
            return;
        }
        let f = job.forecast.clone();
        let n = f.sections.len();
        let here_f = self.b.fleet.nodes[node as usize].features;
        let want = f.features();
        // A move already planned for later stays planned.
        if let Some((to, split)) = job.moving.filter(|&(_, s)| s > k) {
            let ready = match self.b.fleet.power[to as usize] {
                crate::fleet::Power::Starting { ready } => ready,
                _ => now,
            };
            if self.reserve_move(id, node, to, k, split, ready, now) {
                return;
            }
            // No room there any more: call the move off (a move to where
            // it is) and plan afresh.
            out.push(Decision::Migrate {
                job: id,
                to: node,
                before_section: split,
            });
        }
        let Some(job) = self.b.jobs.get_mut(&id) else {
            return;
        };
        job.moving = None;
        let phases = f.reserved_from(k, here_f);
        if self.fits(id, node, now, phases.clone()) {
            self.reserve(id, node, now, phases, now);
            self.feature_move(id, k, node, now, out);
            return;
        }
        // Move before the first unit that does not fit here, or earlier
        // (the state stays here until the move is done, which must fit
        // too); the running unit stays regardless.
        let first_misfit = (k + 1..n)
            .find(|&j| !self.b.fleet.fits(node, now, &phases[..j - k + 1]))
            .unwrap_or(n);
        for split in (k + 1..=first_misfit.min(n - 1)).rev() {
            let (bc, bm) = f.peak(split..n);
            if self.plan_rest(id, node, k, split, now, (bc, bm), want, out) {
                return;
            }
        }
        // Nowhere better: keep it here (overbooked on paper).
        self.reserve(id, node, now, phases, now);
    }

    /// Plans a move before unit `k + 1` when it profits from features this
    /// node lacks and another node with them has room for the rest.
    fn feature_move(
        &mut self,
        id: JobId,
        k: usize,
        node: NodeId,
        now: f64,
        out: &mut Vec<Decision>,
    ) {
        let Some(job) = self.b.jobs.get(&id) else {
            return;
        };
        let f = job.forecast.clone();
        let Some(next) = f.sections.get(k + 1) else {
            return;
        };
        let here_f = self.b.fleet.nodes[node as usize].features;
        if here_f.lacking(next.features).is_empty() {
            return;
        }
        let saving = next.seconds * (next.stretch_on(here_f) - 1.0);
        let state = f.sections[k].memory;
        if saving <= 2.0 * move_pause(state) + 1.0 {
            return;
        }
        let (bc, bm) = f.peak(k + 1..f.sections.len());
        let expected = f.sections[k].seconds * f.sections[k].stretch_on(here_f);
        let state = f.sections[k].memory_high;
        let arriving = |nf| arriving(&f, k + 1, nf);
        let to = self
            .b
            .fleet
            .find(
                bc,
                bm.max(state),
                next.features,
                f.features(),
                false,
                Some(node),
            )
            .or_else(|| {
                let usable = |n| self.timed_node(n);
                let q = Scan {
                    need: next.features,
                    want: f.features(),
                    except: Some(node),
                    limit: SCAN,
                    usable: &usable,
                };
                self.trusted(id)
                    .then(|| self.b.fleet.scan(now + expected, &arriving, &q))
                    .flatten()
            });
        let Some(to) = to else {
            return;
        };
        let mut sink = Vec::new();
        self.b.release(id, now, None, &mut sink);
        if !self.reserve_move(id, node, to, k, k + 1, now, now) {
            // Back to staying here.
            self.reserve(id, node, now, f.reserved_from(k, here_f), now);
            return;
        }
        out.push(Decision::Migrate {
            job: id,
            to,
            before_section: k + 1,
        });
    }

    fn schedule(&mut self, now: f64, out: &mut Vec<Decision>) {
        let mut failures = 0;
        // A job at least as big as one that found no place finds none
        // either (and with no higher priority, preempts no more).
        let mut failed: Vec<(f64, f64, i32)> = Vec::new();
        self.preempt_budget = 4;
        for id in self.b.queued(4 * DEPTH) {
            if failures >= DEPTH {
                break;
            }
            let Some(j) = self.b.jobs.get(&id) else {
                continue;
            };
            let f = &j.forecast;
            let (c, m) = f.peak(0..f.sections.len());
            let p = j.info.priority;
            if failed
                .iter()
                .any(|&(fc, fm, fp)| c >= fc && m >= fm && p <= fp)
            {
                failures += 1;
                continue;
            }
            if !self.try_place(id, now, out) {
                failures += 1;
                failed.push((c, m, p));
            }
        }
    }

    fn finish(&mut self, id: JobId, now: f64, out: &mut Vec<Decision>) {
        if let Some(j) = self.b.jobs.get(&id) {
            let (key, base, run) = (j.info.key, j.info.forecast.clone(), j.observed.clone());
            if run.len() == base.sections.len() {
                self.learn(key, &base, run);
            }
        }
        let node = self.b.jobs.get(&id).and_then(|j| j.node);
        let idle_after = node.and_then(|n| self.idle_after(n));
        self.b.release(id, now, idle_after, out);
        self.b.forget(id);
        self.started.remove(&id);
        self.timed.remove(&id);
        if let Some(victims) = self.paused_for.remove(&id) {
            for v in victims {
                self.thaw(v, now, out);
            }
        }
    }
}

impl Policy for Proactive {
    fn name(&self) -> &'static str {
        self.name
    }

    fn calendars(&self) -> Option<&[crate::calendar::Calendar]> {
        Some(&self.b.fleet.calendars)
    }

    fn on(&mut self, now: f64, event: &Event, out: &mut Vec<Decision>) {
        match *event {
            Event::Submitted(info) => {
                let f = self.refresh_forecast(info);
                self.b.admit(info, f);
                self.schedule(now, out);
            }
            Event::NodeReady(node) => {
                self.b.node_ready(node, now, out);
                self.schedule(now, out);
            }
            Event::NodeLost(node) => {
                let idle_after = self.idle_after(node);
                self.b.node_lost(node, now, idle_after, out);
                self.schedule(now, out);
            }
            Event::SectionStarted {
                job, section, node, ..
            } => {
                self.started.insert(job, now);
                self.replan(job, section, node, now, out);
            }
            Event::SectionFinished {
                job,
                section,
                observed,
            } => {
                // Forecasts are for a node with every feature the unit profits
                // from; what ran slower on a node without one is brought
                // back to that, or learning would stretch it twice.
                let mut observed = observed;
                if let Some(j) = self.b.jobs.get(&job) {
                    let nf = j.node.map(|n| self.b.fleet.nodes[n as usize].features);
                    if let (Some(nf), Some(u)) = (nf, j.info.forecast.sections.get(section)) {
                        let stretch = u.stretch_on(nf);
                        observed.seconds /= stretch;
                        observed.cpu_seconds /= stretch;
                    }
                }
                if let Some(j) = self.b.jobs.get_mut(&job) {
                    if j.observed.len() == section {
                        j.observed.push(observed);
                    }
                    let key = j.info.key;
                    self.floor(key, section, observed.memory * 1.1, observed.seconds * 1.25);
                }
            }
            Event::Finished(job) => {
                self.finish(job, now, out);
                self.schedule(now, out);
            }
            Event::Killed {
                job,
                why,
                section,
                usage,
            } => {
                if let Some(j) = self.b.jobs.get(&job) {
                    let info = j.info.clone();
                    let node = j.node;
                    if why == Kill::Oom || why == Kill::MemoryLimit {
                        self.floor(info.key, section, usage.memory * 1.1, 0.0);
                    }
                    let idle_after = node.and_then(|n| self.idle_after(n));
                    self.b.release(job, now, idle_after, out);
                    if let Some(victims) = self.paused_for.remove(&job) {
                        for v in victims {
                            self.thaw(v, now, out);
                        }
                    }
                    self.refresh_forecast(&info);
                    self.b.enqueue(job);
                }
                self.schedule(now, out);
            }
            Event::MoveFailed(job) => {
                if let Some(j) = self.b.jobs.get_mut(&job) {
                    j.moving = None;
                }
            }
            Event::Wake => {
                self.b.wake(now, out);
                self.check_overruns(now, out);
            }
        }
    }

    fn history(&mut self, key: u32, base: &Forecast, runs: &[Vec<Observed>]) {
        for run in runs.iter().rev().take(HISTORY).rev() {
            if run.len() == base.sections.len() {
                self.learn(key, base, run.clone());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Capacity;
    use crate::forecast::SectionForecast;
    use crate::policy::Declared;

    #[test]
    fn a_unit_slowed_by_a_missing_feature_is_learnt_at_full_speed() {
        let node = NodeInfo {
            name: "old".into(),
            elastic: false,
            joins: false,
            capacity: Capacity {
                cores: 1.0,
                memory: 4.0 * 1024.0 * 1024.0 * 1024.0,
            },
            features: Features::NONE,
            startup_seconds: 0.0,
            cost_per_second: 0.0,
        };
        let mut p = Proactive::new(vec![node]);
        let unit = SectionForecast {
            seconds: 1.0,
            seconds_high: 1.2,
            cores: 1.0,
            memory: 1e8,
            memory_high: 1.2e8,
            features: Features::from_names(["aes"]),
            feature_share: 1.0,
        };
        let info = JobInfo {
            id: 0,
            submit: 0.0,
            priority: 0,
            deadline: None,
            declared: Declared::default(),
            forecast: Forecast {
                sections: vec![unit.clone()],
            },
            key: 7,
        };
        let mut out = Vec::new();
        p.on(0.0, &Event::Submitted(&info), &mut out);
        assert!(out
            .iter()
            .any(|d| matches!(d, Decision::Place { node: 0, .. })));
        let slow = crate::features::SLOWDOWN[3];
        let seen = Observed {
            seconds: slow,
            cpu_seconds: slow,
            memory: 1e8,
        };
        p.on(
            0.0,
            &Event::SectionStarted {
                job: 0,
                section: 0,
                node: 0,
                usage: Observed::default(),
            },
            &mut out,
        );
        p.on(
            slow,
            &Event::SectionFinished {
                job: 0,
                section: 0,
                observed: seen,
            },
            &mut out,
        );
        p.on(slow, &Event::Finished(0), &mut out);
        let learnt = &p.learned[&7].sections[0];
        assert!((learnt.seconds - 1.0).abs() < 1e-9, "{learnt:?}");
    }

    #[test]
    fn a_first_sight_job_holds_its_coming_peak_until_it_lets_go() {
        const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
        let node = NodeInfo {
            name: "a".into(),
            elastic: false,
            joins: false,
            capacity: Capacity {
                cores: 2.0,
                memory: 8.0 * GIB,
            },
            features: Features::NONE,
            startup_seconds: 0.0,
            cost_per_second: 0.0,
        };
        let unit = |memory: f64| SectionForecast {
            seconds: 1.0,
            seconds_high: 1.2,
            cores: 1.0,
            memory,
            memory_high: memory,
            features: Features::NONE,
            feature_share: 0.0,
        };
        // Small, spike, small.
        let forecast = Forecast {
            sections: vec![unit(0.5 * GIB), unit(3.0 * GIB), unit(0.5 * GIB)],
        };
        let info = |id| JobInfo {
            id,
            submit: 0.0,
            priority: 0,
            deadline: None,
            declared: Declared::default(),
            forecast: forecast.clone(),
            key: 3,
        };
        let mut p = Proactive::new(vec![node]);
        let mut out = Vec::new();
        p.on(0.0, &Event::Submitted(&info(0)), &mut out);
        let start = |p: &mut Proactive, t: f64, section: usize, out: &mut Vec<Decision>| {
            p.on(
                t,
                &Event::SectionStarted {
                    job: 0,
                    section,
                    node: 0,
                    usage: Observed::default(),
                },
                out,
            );
        };
        start(&mut p, 0.0, 0, &mut out);
        let cal = &p.b.fleet.calendars[0];
        // The spike's memory from the start, and held with no end.
        assert_eq!(cal.usage_at(0.1).1, 3.0 * GIB);
        assert_eq!(cal.usage_at(1e6).1, 0.5 * GIB);
        // A run of the same code ends meanwhile: this job keeps the shape
        // of the forecast it was placed on...
        let run: Vec<Observed> = (0..3)
            .map(|i| Observed {
                seconds: 1.0,
                cpu_seconds: 1.0,
                memory: if i == 1 { 3.0 * GIB } else { 0.5 * GIB },
            })
            .collect();
        p.history(3, &forecast, &[run]);
        start(&mut p, 5.0, 1, &mut out);
        let cal = &p.b.fleet.calendars[0];
        assert_eq!(cal.usage_at(5.1).1, 3.0 * GIB);
        assert_eq!(cal.usage_at(1e6).1, 0.5 * GIB);
        // ...while the next job of that code is timed by what was learnt.
        p.on(5.0, &Event::Submitted(&info(1)), &mut out);
        assert!(p.trusted(1) && !p.trusted(0));
        let ends: Vec<f64> = p.b.fleet.calendars[0]
            .reservations()
            .iter()
            .filter(|r| r.job == 1)
            .map(|r| r.end)
            .collect();
        assert!(
            !ends.is_empty() && ends.iter().all(|e| e.is_finite()),
            "{ends:?}"
        );
    }
}
