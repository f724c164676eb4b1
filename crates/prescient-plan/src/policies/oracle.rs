//! `oracle`: the upper bound. The proactive planner given each job's actual
//! usage as an exact forecast (no intervals, nothing to learn). No real
//! policy can know this; the gap between it and `proactive` is what better
//! forecasts could still win.

use super::proactive::Proactive;
use crate::policy::NodeInfo;

pub fn new(nodes: Vec<NodeInfo>) -> Proactive {
    Proactive::exact(nodes)
}
