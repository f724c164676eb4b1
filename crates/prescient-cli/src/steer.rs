//! The planner steering a real run: the same policy code the simulator
//! replays, driven by the runtime's events on the wall clock.
//!
//! The policy is told of the job's submission, of each unit as it starts
//! and ends, of nodes as they come up, and of the wake-ups it asked for. Its
//! decisions become actions: the first node to run on, virtual nodes powered
//! on (after their declared start-up latency, as a provider would take) and
//! off, and moves at unit boundaries. Every decision is logged with its time,
//! so the report can show how far ahead of a unit it was taken.

use prescient_engine::{emulated_startup, when_up};
use prescient_plan::{Decision, Event, JobInfo, NodeId, Observed, Policy};
use prescient_runtime::coordinator::{Cluster, Steering, UnitRecord};
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::Scope;
use std::time::{Duration, Instant};

/// The only job of a run.
const JOB: u32 = 0;

/// One decision as the report shows it.
#[derive(Clone, Debug, Serialize)]
pub struct DecisionRecord {
    /// Seconds from the start of the run.
    pub at_seconds: f64,
    /// `place`, `start_node`, `stop_node`, `migrate`.
    pub action: String,
    pub node: String,
    /// For a move: the unit (0-based) it is planned before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before_section: Option<usize>,
    /// For a node start: when it was up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_seconds: Option<f64>,
    /// For a node start on Slurm: the allocation's job id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocation: Option<String>,
    /// For a node start that failed: why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

struct State {
    policy: Box<dyn Policy + Send>,
    t0: Instant,
    placed: Option<NodeId>,
    planned: Option<(NodeId, usize)>,
    wakes: BTreeSet<u64>,
    decisions: Vec<DecisionRecord>,
    /// When each unit started, seconds from the start.
    unit_starts: Vec<f64>,
    /// Nodes being powered on.
    starting: usize,
    done: bool,
}

/// Shared between the job's thread, the timer and node start-ups.
#[derive(Clone)]
pub struct Planner {
    state: Arc<(Mutex<State>, Condvar)>,
    names: Arc<Vec<String>>,
    startup: Arc<Vec<f64>>,
}

impl Planner {
    pub fn new(policy: Box<dyn Policy + Send>, nodes: &[prescient_plan::NodeInfo]) -> Planner {
        Planner {
            state: Arc::new((
                Mutex::new(State {
                    policy,
                    t0: Instant::now(),
                    placed: None,
                    planned: None,
                    wakes: BTreeSet::new(),
                    decisions: Vec::new(),
                    unit_starts: Vec::new(),
                    starting: 0,
                    done: false,
                }),
                Condvar::new(),
            )),
            names: Arc::new(nodes.iter().map(|n| n.name.clone()).collect()),
            startup: Arc::new(nodes.iter().map(|n| n.startup_seconds).collect()),
        }
    }

    fn now(s: &State) -> f64 {
        s.t0.elapsed().as_secs_f64()
    }

    /// Tells the policy something and carries out what it decides.
    fn tell<'s, 'e>(&self, cluster: &'s Cluster, scope: &'s Scope<'s, 'e>, event: &Event) {
        let (lock, cv) = &*self.state;
        let mut s = lock.lock().unwrap();
        let now = Planner::now(&s);
        let mut out = Vec::new();
        s.policy.on(now, event, &mut out);
        for d in out {
            self.apply(&mut s, now, d, cluster, scope);
        }
        cv.notify_all();
    }

    fn name(&self, n: NodeId) -> String {
        self.names.get(n as usize).cloned().unwrap_or_default()
    }

    fn apply<'s, 'e>(
        &self,
        s: &mut State,
        now: f64,
        d: Decision,
        cluster: &'s Cluster,
        scope: &'s Scope<'s, 'e>,
    ) {
        let mut log = |action: &str, node: NodeId, before: Option<usize>| {
            s.decisions.push(DecisionRecord {
                at_seconds: now,
                action: action.into(),
                node: self.name(node),
                before_section: before,
                ready_seconds: None,
                allocation: None,
                error: None,
            })
        };
        match d {
            Decision::Place { node, .. } => {
                log("place", node, None);
                s.placed = Some(node);
            }
            Decision::Migrate {
                to, before_section, ..
            } => {
                log("migrate", to, Some(before_section));
                s.planned = Some((to, before_section));
            }
            Decision::Start { node } => {
                log("start_node", node, None);
                let index = s.decisions.len() - 1;
                s.starting += 1;
                let me = self.clone();
                let delay = emulated_startup(
                    cluster,
                    node as usize,
                    self.startup.get(node as usize).copied().unwrap_or(0.0),
                );
                scope.spawn(move || me.power_on(node, delay, index, cluster, scope));
            }
            Decision::Stop { node } => {
                log("stop_node", node, None);
                cluster.power_off(node as usize);
            }
            Decision::WakeAt(t) => {
                s.wakes.insert(t.max(0.0).to_bits());
            }
            // A run has one job: nothing to pause or resize.
            Decision::Pause { .. } | Decision::Resume { .. } | Decision::Resize { .. } => {}
        }
    }

    /// Powers a node on after its start-up latency, then tells the policy.
    fn power_on<'s, 'e>(
        &self,
        node: NodeId,
        delay: f64,
        index: usize,
        cluster: &'s Cluster,
        scope: &'s Scope<'s, 'e>,
    ) {
        let began = Instant::now();
        let started = cluster.power_on(node as usize);
        let (lock, cv) = &*self.state;
        if let Err(e) = started {
            // Said at once, quiet or not: the plan that needed it is now void.
            eprintln!("prescient: node {} did not start: {e}", self.name(node));
            let mut s = lock.lock().unwrap();
            if let Some(d) = s.decisions.get_mut(index) {
                d.error = Some(e.to_string());
            }
            s.starting -= 1;
            drop(s);
            cv.notify_all();
            return;
        }
        let left = delay - began.elapsed().as_secs_f64();
        if left > 0.0 {
            std::thread::sleep(Duration::from_secs_f64(left));
        }
        {
            let mut s = lock.lock().unwrap();
            let now = Planner::now(&s);
            if let Some(d) = s.decisions.get_mut(index) {
                d.ready_seconds = Some(now);
                d.allocation = cluster.allocation(node as usize);
            }
            s.starting -= 1;
        }
        self.tell(cluster, scope, &Event::NodeReady(node));
    }

    /// Serves the policy's wake-ups until the run is over.
    pub fn timer<'s, 'e>(&self, cluster: &'s Cluster, scope: &'s Scope<'s, 'e>) {
        let (lock, cv) = &*self.state;
        loop {
            let mut s = lock.lock().unwrap();
            if s.done {
                return;
            }
            let now = Planner::now(&s);
            match s.wakes.first().map(|&t| f64::from_bits(t)) {
                Some(t) if t <= now => {
                    s.wakes.pop_first();
                    drop(s);
                    self.tell(cluster, scope, &Event::Wake);
                }
                Some(t) => {
                    let _ = cv.wait_timeout(s, Duration::from_secs_f64((t - now).min(1.0)));
                }
                None => {
                    let _ = cv.wait_timeout(s, Duration::from_secs(1));
                }
            }
        }
    }

    /// Submits the job and waits until the policy places it (on a node up
    /// now, or on one it powers on); None if it finds no place (nothing is
    /// starting and no wake-up is due) or none in `patience`.
    pub fn submit<'s, 'e>(
        &self,
        info: &JobInfo,
        cluster: &'s Cluster,
        scope: &'s Scope<'s, 'e>,
        patience: Duration,
    ) -> Option<usize> {
        self.tell(cluster, scope, &Event::Submitted(info));
        let (lock, cv) = &*self.state;
        let deadline = Instant::now() + patience;
        let mut s = lock.lock().unwrap();
        loop {
            if let Some(n) = s.placed {
                return Some(n as usize);
            }
            if s.starting == 0 && s.wakes.is_empty() {
                return None;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            s = cv
                .wait_timeout(s, left.min(Duration::from_millis(200)))
                .unwrap()
                .0;
        }
    }

    pub fn finish<'s, 'e>(&self, cluster: &'s Cluster, scope: &'s Scope<'s, 'e>) {
        self.tell(cluster, scope, &Event::Finished(JOB));
        let (lock, cv) = &*self.state;
        lock.lock().unwrap().done = true;
        cv.notify_all();
    }

    /// The decisions taken, in order.
    pub fn decisions(&self) -> Vec<DecisionRecord> {
        self.state.0.lock().unwrap().decisions.clone()
    }

    /// When each unit started, seconds from the start of the run.
    pub fn unit_starts(&self) -> Vec<f64> {
        self.state.0.lock().unwrap().unit_starts.clone()
    }

    /// The steering a job's driver consults.
    pub fn steering<'s, 'e>(
        &self,
        cluster: &'s Cluster,
        scope: &'s Scope<'s, 'e>,
    ) -> PlannedSteering<'s, 'e> {
        PlannedSteering {
            planner: self.clone(),
            cluster,
            scope,
        }
    }
}

/// The driver's view of the planner (it moves the job where and when the
/// planner says).
pub struct PlannedSteering<'s, 'e> {
    planner: Planner,
    cluster: &'s Cluster,
    scope: &'s Scope<'s, 'e>,
}

impl PlannedSteering<'_, '_> {
    fn planned_before(&self, section: usize) -> Option<usize> {
        let s = self.planner.state.0.lock().unwrap();
        s.planned
            .filter(|&(_, before)| before == section)
            .map(|(to, _)| to as usize)
    }
}

impl Steering for PlannedSteering<'_, '_> {
    fn move_after(&mut self, unit: usize, current: usize, cluster: &Cluster) -> Option<usize> {
        {
            let mut s = self.planner.state.0.lock().unwrap();
            let now = Planner::now(&s);
            s.unit_starts.resize(unit, now);
            s.unit_starts.push(now);
        }
        self.planner.tell(
            self.cluster,
            self.scope,
            &Event::SectionStarted {
                job: JOB,
                section: unit,
                node: current as NodeId,
                usage: Observed::default(),
            },
        );
        // Pre-copy only to a node already up.
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
        let u = &record.usage;
        self.planner.tell(
            self.cluster,
            self.scope,
            &Event::SectionFinished {
                job: JOB,
                section: record.unit,
                observed: Observed {
                    seconds: u.wall_seconds,
                    cpu_seconds: u.cpu_seconds,
                    memory: u.peak_rss_bytes as f64,
                },
            },
        );
        let target = self.planned_before(record.unit + 1)?;
        when_up(cluster, target, self.planner.startup.get(target).copied())
    }
}

/// The planner's part of the run report.
#[derive(Clone, Debug, Serialize)]
pub struct PlannerReport {
    pub policy: &'static str,
    /// The forecast the planner planned with, per unit (from the analysis,
    /// moved toward measured use by the history of earlier runs).
    pub forecast: Vec<prescient_plan::SectionForecast>,
    pub decisions: Vec<DecisionRecord>,
    /// When each unit started, seconds from the start of the run.
    pub section_starts: Vec<f64>,
    /// Per move: how long before the unit it was for started it was
    /// decided, and (for a node powered on for it) how long before that
    /// unit the node was up.
    pub ahead: Vec<Ahead>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Ahead {
    pub section: usize,
    pub node: String,
    pub section_start_seconds: f64,
    /// Section start minus decision time.
    pub decided_seconds_ahead: f64,
    /// Section start minus the node's start-up end (when it was powered on for it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_ready_seconds_ahead: Option<f64>,
}

pub fn report(
    forecast: &prescient_plan::Forecast,
    decisions: &[DecisionRecord],
    starts: &[f64],
) -> PlannerReport {
    let ahead = decisions
        .iter()
        .filter(|d| d.action == "migrate")
        .filter_map(|d| {
            let section = d.before_section?;
            let start = *starts.get(section)?;
            let ready = decisions
                .iter()
                .filter(|x| x.action == "start_node" && x.node == d.node)
                .filter_map(|x| x.ready_seconds)
                .next();
            Some(Ahead {
                section,
                node: d.node.clone(),
                section_start_seconds: start,
                decided_seconds_ahead: start - d.at_seconds,
                node_ready_seconds_ahead: ready.map(|r| start - r),
            })
        })
        .collect();
    PlannerReport {
        policy: "proactive",
        forecast: forecast.sections.clone(),
        decisions: decisions.to_vec(),
        section_starts: starts.to_vec(),
        ahead,
    }
}

/// The summary's lines about the planner.
pub fn lines(p: &PlannerReport) -> Vec<String> {
    let mut out = Vec::new();
    for d in &p.decisions {
        let line = match d.action.as_str() {
            "place" => format!("planner: placed on {} at {:.2}s", d.node, d.at_seconds),
            "start_node" => format!(
                "planner: powered on {}{} at {:.2}s{}{}",
                d.node,
                d.allocation
                    .as_ref()
                    .map(|a| format!(" (Slurm job {a})"))
                    .unwrap_or_default(),
                d.at_seconds,
                d.ready_seconds
                    .map(|r| format!(", up at {r:.2}s"))
                    .unwrap_or_default(),
                if d.error.is_some() {
                    "; it did not start"
                } else {
                    ""
                }
            ),
            "stop_node" => format!("planner: powered off {} at {:.2}s", d.node, d.at_seconds),
            _ => continue,
        };
        out.push(line);
    }
    for a in &p.ahead {
        out.push(format!(
            "planner: move to {} before section {} decided {:.2}s before it started{}",
            a.node,
            a.section + 1,
            a.decided_seconds_ahead,
            a.node_ready_seconds_ahead
                .map(|r| format!(", node up {r:.2}s before"))
                .unwrap_or_default()
        ));
    }
    out
}
