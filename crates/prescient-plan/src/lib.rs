//! The planner's pure core: no I/O, no clock of its own (times are seconds
//! on a clock the caller supplies), so the discrete-event simulator and the
//! real runtime can share it.
//!
//! - [`calendar`]: a node's time-indexed reservations, and where a job's
//!   timeline of demand fits on it.
//!
//! The policies and the decisions they take (placement, early start of
//! virtual nodes, migration, preemption, scale-in) build on it.

pub mod calendar;

pub use calendar::{Calendar, Capacity, Phase, Reservation};
