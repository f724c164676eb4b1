//! The planner's pure core: no I/O, no clock of its own (times are seconds
//! on a clock the caller supplies), so the discrete-event simulator and the
//! real runtime share it.
//!
//! - [`calendar`]: a node's time-indexed reservations, and where a job's
//!   timeline of demand fits on it.
//! - [`features`]: instruction-set features and what lacking one costs.
//! - [`forecast`]: a job's per-unit demand with upper bounds, from the
//!   profiler or from history.
//! - [`fleet`]: nodes, their power and calendars, and a best-fit index.
//! - [`policy`]: the [`Policy`] trait, its events and decisions.
//! - [`policies`]: `proactive`, `static`, `reactive`, `oracle`.

pub mod calendar;
pub mod features;
pub mod fleet;
pub mod forecast;
pub mod policies;
pub mod policy;

pub use calendar::{Calendar, Capacity, Phase, Reservation};
pub use features::Features;
pub use forecast::{Forecast, Observed, SectionForecast};
pub use policy::{
    Decision, Declared, Event, JobId, JobInfo, Kill, Limits, NodeId, NodeInfo, Policy,
};
