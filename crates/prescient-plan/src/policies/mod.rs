//! The allocation policies, one file each, all behind [`crate::Policy`].
//!
//! - [`proactive`]: plans from forecasts, ahead of demand (the default).
//! - [`static_requests`]: declared requests, as Slurm uses them.
//! - [`reactive`]: follows observed usage after it crosses a threshold.
//! - [`oracle`]: the proactive planner with exact forecasts (the bound).

pub mod board;
pub mod oracle;
pub mod proactive;
pub mod reactive;
pub mod requests;
pub mod static_requests;

use crate::policy::{NodeInfo, Policy};

/// Policy names as the command line takes them.
pub const NAMES: [&str; 4] = ["proactive", "static", "reactive", "oracle"];

/// A policy by name; None for an unknown name.
pub fn by_name(name: &str, nodes: Vec<NodeInfo>) -> Option<Box<dyn Policy>> {
    Some(match name {
        "proactive" => Box::new(proactive::Proactive::new(nodes)),
        "static" => Box::new(static_requests::new(nodes)),
        "reactive" => Box::new(reactive::new(nodes)),
        "oracle" => Box::new(oracle::new(nodes)),
        _ => return None,
    })
}

/// Whether the policy plans from exact usage (the simulator then gives it
/// each job's actual usage as its forecast).
pub fn wants_actual(name: &str) -> bool {
    name == "oracle"
}
