//! The discrete-event simulator and its workloads, built on the planner's
//! pure code (`prescient-plan`): the same policies that drive real runs are
//! replayed here on a simulated fleet.
//!
//! - [`workload`]: the workload file (JSON lines).
//! - [`generate`]: mixes programs into a workload at a chosen load.
//! - [`job`]: a simulated job's forecast and actual usage.
//! - [`engine`]: the simulation.
//! - [`metrics`]: per-policy figures and the side-by-side table.
//! - [`plot`]: the cluster timeline of each policy as SVG.
//!
//! Pure: callers read files and the history database.

pub mod engine;
pub mod generate;
pub mod job;
pub mod metrics;
pub mod plot;
pub mod workload;

pub use engine::{simulate, Options, Outcome};
pub use job::{Actual, SimJob};
