//! `reactive`: a VPA/HPA-like autoscaler that acts after the fact.
//!
//! A job starts with its declared request, or, when silent, with what jobs
//! of the same code were seen using (plus 20%, as a VPA recommender keeps
//! per workload), or with a namespace default (half a core, 256 MiB) for
//! code never seen; no limits. When monitoring sees its usage cross 90% of the request,
//! the request grows to the usage plus 20%, in place if the node has room,
//! otherwise by moving the job at its next boundary to a node that does
//! (powering one on if needed). When a node runs out of memory first, the
//! kernel kills a job and the policy restarts it with the larger request.
//! Everything it does follows the demand; nothing precedes it.

use super::requests::{Mode, Requests};
use crate::policy::NodeInfo;

pub fn new(nodes: Vec<NodeInfo>) -> Requests {
    Requests::new(nodes, Mode::Reactive)
}
