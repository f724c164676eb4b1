//! The one trait every allocation policy implements, and the words it
//! speaks: what happened ([`Event`]) and what to do about it ([`Decision`]).
//!
//! A policy sees the cluster only through events and acts only through
//! decisions, on a clock the caller passes in. The discrete-event simulator
//! and the real runtime both drive policies this way, so they run the same
//! planner code.

use crate::calendar::Capacity;
use crate::features::Features;
use crate::forecast::{Forecast, Observed};
use serde::{Deserialize, Serialize};

pub type JobId = u32;
pub type NodeId = u32;

/// A node as a policy knows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NodeInfo {
    pub name: String,
    /// Virtual nodes start off and are started on demand.
    pub elastic: bool,
    /// The node comes and goes with an agent its operator starts: off until
    /// [`Event::NodeReady`], off again after [`Event::NodeLost`]; never
    /// started or stopped by a policy.
    #[serde(default)]
    pub joins: bool,
    pub capacity: Capacity,
    pub features: Features,
    pub startup_seconds: f64,
    pub cost_per_second: f64,
}

/// What the user asked for when submitting (as for Slurm's `--cpus-per-task`,
/// `--mem`, `--time`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Declared {
    pub cores: Option<f64>,
    pub memory: Option<f64>,
    pub seconds: Option<f64>,
}

/// A submitted job.
#[derive(Clone, Debug, PartialEq)]
pub struct JobInfo {
    pub id: JobId,
    pub submit: f64,
    /// Higher runs first and may preempt lower.
    pub priority: i32,
    pub deadline: Option<f64>,
    pub declared: Declared,
    /// The forecast from the analyser and the forecaster (for the oracle:
    /// the job's actual usage).
    pub forecast: Forecast,
    /// Jobs with the same key run the same code with the same arguments:
    /// what one of them measured is history for the others.
    pub key: u32,
}

/// Why the runtime (or the kernel) ended a job before its end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kill {
    /// The node ran out of memory and the kernel killed the job.
    Oom,
    /// The job went over the memory limit it was given.
    MemoryLimit,
    /// The job went over the time limit it was given.
    TimeLimit,
    /// The node it ran on went away, and it could not be recovered
    /// elsewhere: it starts again, with the same forecast.
    NodeLost,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Event<'a> {
    Submitted(&'a JobInfo),
    NodeReady(NodeId),
    /// A node went away (its agent left, or died). Jobs running there are
    /// recovered elsewhere by the runtime (a unit then starts on another
    /// node) or come back as [`Event::Killed`] with [`Kill::NodeLost`].
    NodeLost(NodeId),
    /// Unit `section` began on `node`; `usage` is what monitoring sees of it
    /// (a reactive policy acts on it; a predictive one does not need it).
    SectionStarted {
        job: JobId,
        section: usize,
        node: NodeId,
        usage: Observed,
    },
    SectionFinished {
        job: JobId,
        section: usize,
        observed: Observed,
    },
    Finished(JobId),
    /// The job was killed; it is back in the policy's hands to place again.
    Killed {
        job: JobId,
        why: Kill,
        section: usize,
        usage: Observed,
    },
    /// A move could not happen (the target went away); the job stays.
    MoveFailed(JobId),
    /// A wake-up the policy asked for with [`Decision::WakeAt`].
    Wake,
}

/// Limits the runtime enforces on a placed job.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Limits {
    pub memory: Option<f64>,
    pub seconds: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum Decision {
    /// Start (or restart) the job on an up node.
    Place {
        job: JobId,
        node: NodeId,
        limits: Limits,
    },
    /// Power a virtual node on.
    Start {
        node: NodeId,
    },
    /// Power an idle virtual node off.
    Stop {
        node: NodeId,
    },
    /// Move the job to `to` just before unit `before_section` starts; if
    /// `to` is still starting then, the job waits for it there.
    Migrate {
        job: JobId,
        to: NodeId,
        before_section: usize,
    },
    /// Raise (or lower) the memory limit of a running job in place.
    Resize {
        job: JobId,
        limits: Limits,
    },
    /// Stop a running job's progress (freezer) and give its cores back;
    /// its memory stays where it is.
    Pause {
        job: JobId,
    },
    Resume {
        job: JobId,
    },
    /// Ask for an [`Event::Wake`] at this time.
    WakeAt(f64),
}

/// An allocation policy.
pub trait Policy {
    fn name(&self) -> &'static str;
    /// Takes in what happened at `now`; pushes what to do onto `out`.
    fn on(&mut self, now: f64, event: &Event, out: &mut Vec<Decision>);
    /// Earlier measured runs (per unit) of the jobs with key `key`, whose
    /// first-sight forecast is `base`, before anything happens. Policies
    /// that learn start from them; the default ignores them.
    fn history(&mut self, _key: u32, _base: &Forecast, _runs: &[Vec<Observed>]) {}
    /// Each node's reservation calendar as the policy holds it, for a view
    /// of what is promised to whom and when; None for a policy that keeps
    /// none.
    fn calendars(&self) -> Option<&[crate::calendar::Calendar]> {
        None
    }
}
