//! `static`: the user's declared requests, as Slurm uses them.
//!
//! Each job holds what it declared (`--cpus-per-task`, `--mem`, `--time`; 1
//! core and 2 GiB when silent) on one node for its whole life, and the
//! declared memory and time are enforced as limits. A job killed for going
//! over is resubmitted with that request doubled, which is what its user
//! would do. Elastic nodes are powered on for jobs that find no room and off
//! after a fixed idle time. Over-declaring wastes capacity; under-declaring
//! gets jobs killed.

use super::requests::{Mode, Requests};
use crate::policy::NodeInfo;

pub fn new(nodes: Vec<NodeInfo>) -> Requests {
    Requests::new(nodes, Mode::Static)
}
