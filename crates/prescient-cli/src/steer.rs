//! The planner steering `prescient run`: its one job goes through the same
//! event loop as the server's and `replay`'s (`prescient-engine`), with the
//! same policy code the simulator replays, on the wall clock.
//!
//! The policy is told of the job's submission, of each unit as it starts
//! and ends, of nodes as they come up, and of the wake-ups it asked for. Its
//! decisions become actions: the first node to run on, virtual nodes powered
//! on (after their declared start-up latency, as a provider would take) and
//! off, and moves at unit boundaries. Every decision is logged with its time
//! (`Notice::Decided`), so the report can show how far ahead of a unit it
//! was taken.

use prescient_engine::{runtime_id, Host, Notice};
use prescient_plan::{Decision, JobId, JobInfo, NodeId, NodeInfo};
use prescient_runtime::coordinator::{
    Cluster, JobOutcome as RunOutcome, JobPlan, MigrationRecord, Observer, RecoveryRecord,
    UnitRecord,
};
use prescient_wire::Stream;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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

/// The one job of `prescient run` as a host of the engine's loop: it is
/// submitted at once, planned with the run's own plan, its output goes to the
/// console, and every decision is kept for the report. A run is one
/// attempt: a program the planner cannot finish is not started again.
pub struct RunHost<'c, O: Observer + Send + 'static> {
    info: Option<JobInfo>,
    plan: JobPlan,
    node_memory: Vec<u64>,
    console: Arc<Mutex<O>>,
    names: Vec<String>,
    cluster: &'c Cluster,
    decisions: Vec<DecisionRecord>,
    /// Per node, the decision that started it last (for its ready time).
    starts: HashMap<NodeId, usize>,
    unit_starts: Vec<f64>,
    /// What the runtime measured, once the job ended (None: never placed).
    pub outcome: Option<RunOutcome>,
}

impl<'c, O: Observer + Send + 'static> RunHost<'c, O> {
    pub fn new(
        info: JobInfo,
        plan: JobPlan,
        nodes: &[NodeInfo],
        cluster: &'c Cluster,
        console: Arc<Mutex<O>>,
    ) -> Self {
        RunHost {
            info: Some(info),
            plan,
            node_memory: (0..nodes.len())
                .map(|i| cluster.node_spec(i).memory)
                .collect(),
            console,
            names: nodes.iter().map(|n| n.name.clone()).collect(),
            cluster,
            decisions: Vec::new(),
            starts: HashMap::new(),
            unit_starts: Vec::new(),
            outcome: None,
        }
    }

    /// The decisions taken, in order.
    pub fn decisions(&self) -> &[DecisionRecord] {
        &self.decisions
    }

    /// When each unit started, seconds from the start of the run.
    pub fn unit_starts(&self) -> &[f64] {
        &self.unit_starts
    }

    fn log(&mut self, now: f64, action: &str, node: NodeId, before: Option<usize>) {
        self.decisions.push(DecisionRecord {
            at_seconds: now,
            action: action.into(),
            node: self.names.get(node as usize).cloned().unwrap_or_default(),
            before_section: before,
            ready_seconds: None,
            allocation: None,
            error: None,
        });
    }
}

/// An observer shared with whoever keeps it after the run (the console
/// with its progress bar).
struct Shared<O>(Arc<Mutex<O>>);

impl<O: Observer> Observer for Shared<O> {
    fn output(&mut self, stream: Stream, bytes: &[u8]) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .output(stream, bytes);
    }
    fn unit_started(&mut self, unit: usize, node: &str) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unit_started(unit, node);
    }
    fn unit_done(&mut self, record: &UnitRecord) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .unit_done(record);
    }
    fn migration(&mut self, record: &MigrationRecord) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .migration(record);
    }
    fn recovery(&mut self, record: &RecoveryRecord) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .recovery(record);
    }
}

impl<O: Observer + Send + 'static> Host for RunHost<'_, O> {
    fn submissions(&mut self, now: f64) -> Vec<JobInfo> {
        self.info
            .take()
            .map(|mut i| {
                i.submit = now;
                vec![i]
            })
            .unwrap_or_default()
    }

    fn closed(&self) -> bool {
        self.info.is_none()
    }

    fn plan(&self, job: JobId, attempt: u32, node: usize) -> JobPlan {
        let mut plan = self.plan.clone();
        plan.spec.job = runtime_id(job, attempt);
        plan.start_node = node;
        plan.spec.memory_limit = self.node_memory.get(node).copied().unwrap_or(0);
        plan
    }

    fn observer(&self, _job: JobId, _attempt: u32) -> Box<dyn Observer + Send> {
        Box::new(Shared(self.console.clone()))
    }

    fn max_attempts(&self) -> u32 {
        1
    }

    fn notice(&mut self, now: f64, n: Notice) {
        match n {
            Notice::Decided { decision } => match *decision {
                Decision::Place { node, .. } => self.log(now, "place", node, None),
                Decision::Migrate {
                    to, before_section, ..
                } => self.log(now, "migrate", to, Some(before_section)),
                Decision::Start { node } => {
                    self.log(now, "start_node", node, None);
                    self.starts.insert(node, self.decisions.len() - 1);
                }
                Decision::Stop { node } => self.log(now, "stop_node", node, None),
                // A run has one job: nothing to pause or resize.
                _ => {}
            },
            Notice::NodeUp { node } => {
                if let Some(d) = self
                    .starts
                    .remove(&node)
                    .and_then(|i| self.decisions.get_mut(i))
                {
                    d.ready_seconds = Some(now);
                    d.allocation = self.cluster.allocation(node as usize);
                }
            }
            Notice::StartFailed { node, error } => {
                // Said at once, quiet or not: the plan that needed it is void.
                eprintln!(
                    "prescient: node {} did not start: {error}",
                    self.names.get(node as usize).cloned().unwrap_or_default()
                );
                if let Some(d) = self
                    .starts
                    .remove(&node)
                    .and_then(|i| self.decisions.get_mut(i))
                {
                    d.error = Some(error.to_string());
                }
            }
            Notice::UnitStarted { unit, .. } => {
                self.unit_starts.resize(unit, now);
                self.unit_starts.push(now);
            }
            Notice::Ended { run, .. } => self.outcome = run.cloned(),
            _ => {}
        }
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
