//! The nodes as a policy tracks them: their power state, their calendars,
//! and an index that finds, among thousands of nodes, the best-fitting one
//! for a demand without looking at each.
//!
//! The index keys every powered node by its class (nodes of one spec entry
//! share a class), then by the cores and memory it has free at every instant
//! from its last change on (capacity minus the peak of its calendar from
//! then). A demand of `c` cores and `m` bytes fits a node whose free cores
//! are at least `c` and free memory at least `m` at every time, whatever the
//! timing; the smallest such node is the best fit. Cores are kept in
//! quarter-core steps (rounded down, so the index never promises more than
//! the calendar), which bounds a search to a few dozen range queries per
//! class.

use crate::calendar::{Calendar, Capacity, Phase};
use crate::features::Features;
use crate::policy::{NodeId, NodeInfo};
use prescient_model::cluster::{ClusterSpec, NodeKind};
use std::collections::BTreeSet;

/// A node's power state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Power {
    Off,
    Starting { ready: f64 },
    Up,
}

const QUARTER: f64 = 4.0;

/// Share of a node's memory no policy plans on: kept for the system, and
/// as a margin for usage over a forecast's bound (as Slurm's `RealMemory`
/// is set below the physical size).
pub const MEMORY_HEADROOM: f64 = 0.05;

/// What policies may plan on of a node.
pub fn plannable(c: Capacity) -> Capacity {
    Capacity {
        cores: c.cores,
        memory: c.memory * (1.0 - MEMORY_HEADROOM),
    }
}
const MIB: f64 = 1024.0 * 1024.0;

/// The nodes of a spec as policies know them, numbered as
/// [`ClusterSpec::instances`] numbers them (virtual ones expanded, and off
/// at first).
pub fn nodes_of(spec: &ClusterSpec) -> Vec<NodeInfo> {
    spec.instances()
        .into_iter()
        .map(|n| NodeInfo {
            elastic: n.kind == NodeKind::Virtual,
            joins: n.kind == NodeKind::Agent,
            capacity: Capacity {
                cores: n.cores,
                memory: n.memory as f64,
            },
            features: Features::from_names(n.features()),
            startup_seconds: n.startup_seconds.unwrap_or(0.0),
            cost_per_second: n.cost_per_second.unwrap_or(0.0),
            name: n.name,
        })
        .collect()
}

#[derive(Clone, Debug)]
struct Class {
    elastic: bool,
    features: Features,
    capacity: Capacity,
    startup_seconds: f64,
    cost_per_second: f64,
    /// Virtual instances of this class that are off.
    off: Vec<NodeId>,
    members: Vec<NodeId>,
}

type Key = (u32, u32, u64, NodeId);

/// Which nodes [`Fleet::scan`] looks at: those with all of `need` (more of
/// `want` first), not `except`, that `usable` accepts; at most `limit`.
#[derive(Clone, Copy)]
pub struct Scan<'a> {
    pub need: Features,
    pub want: Features,
    pub except: Option<NodeId>,
    pub limit: usize,
    pub usable: &'a dyn Fn(NodeId) -> bool,
}

/// Power, calendars and the fit index of every node.
#[derive(Clone, Debug)]
pub struct Fleet {
    pub nodes: Vec<NodeInfo>,
    pub power: Vec<Power>,
    pub calendars: Vec<Calendar>,
    class_of: Vec<u32>,
    classes: Vec<Class>,
    index: BTreeSet<Key>,
    keys: Vec<Option<Key>>,
    /// Where the next exact scan of each class begins (rotates, so scans
    /// spread over the class).
    cursor: Vec<std::cell::Cell<usize>>,
}

impl Fleet {
    /// Physical nodes start up; virtual ones off.
    pub fn new(nodes: Vec<NodeInfo>) -> Fleet {
        let mut classes: Vec<Class> = Vec::new();
        let mut class_of = Vec::with_capacity(nodes.len());
        for (i, n) in nodes.iter().enumerate() {
            let same = |c: &Class| {
                c.elastic == n.elastic
                    && c.features == n.features
                    && c.capacity == n.capacity
                    && c.startup_seconds == n.startup_seconds
                    && c.cost_per_second == n.cost_per_second
            };
            let ci = match classes.iter().position(same) {
                Some(ci) => ci,
                None => {
                    classes.push(Class {
                        elastic: n.elastic,
                        features: n.features,
                        capacity: n.capacity,
                        startup_seconds: n.startup_seconds,
                        cost_per_second: n.cost_per_second,
                        off: Vec::new(),
                        members: Vec::new(),
                    });
                    classes.len() - 1
                }
            };
            if n.elastic {
                classes[ci].off.push(i as NodeId);
            }
            classes[ci].members.push(i as NodeId);
            class_of.push(ci as u32);
        }
        // Popped from the back: start the lowest-numbered instance first.
        for c in &mut classes {
            c.off.reverse();
        }
        let mut f = Fleet {
            power: nodes
                .iter()
                .map(|n| {
                    if n.elastic || n.joins {
                        Power::Off
                    } else {
                        Power::Up
                    }
                })
                .collect(),
            calendars: nodes
                .iter()
                .map(|n| Calendar::new(plannable(n.capacity)))
                .collect(),
            keys: vec![None; nodes.len()],
            nodes,
            class_of,
            classes,
            index: BTreeSet::new(),
            cursor: Vec::new(),
        };
        f.cursor = (0..f.classes.len())
            .map(|_| std::cell::Cell::new(0))
            .collect();
        for n in 0..f.nodes.len() {
            if f.power[n] == Power::Up {
                f.refresh(n as NodeId, 0.0);
            }
        }
        f
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Re-keys a node after its calendar or power changed; `now` is the
    /// earliest time anything may still be placed.
    pub fn refresh(&mut self, node: NodeId, now: f64) {
        let n = node as usize;
        if let Some(k) = self.keys[n].take() {
            self.index.remove(&k);
        }
        if self.power[n] == Power::Off {
            return;
        }
        let cal = &mut self.calendars[n];
        cal.forget_before(now);
        let (c, m) = cal.peak_between(now, f64::INFINITY);
        let cap = plannable(self.nodes[n].capacity);
        let free_c = ((cap.cores - c).max(0.0) * QUARTER + 1e-9).floor() as u32;
        let free_m = ((cap.memory - m).max(0.0) / MIB).floor() as u64;
        let k = (self.class_of[n], free_c, free_m, node);
        self.index.insert(k);
        self.keys[n] = Some(k);
    }

    /// The best-fitting powered node (up, or starting when `starting` is
    /// set) with `cores` and `memory` free at all times, among nodes with
    /// all of `need` features; nodes with more of `want` first.
    pub fn find(
        &self,
        cores: f64,
        memory: f64,
        need: Features,
        want: Features,
        starting: bool,
        except: Option<NodeId>,
    ) -> Option<NodeId> {
        let need_c = (cores * QUARTER - 1e-9).ceil().max(0.0) as u32;
        let need_m = (memory / MIB - 1e-9).ceil().max(0.0) as u64;
        let mut order: Vec<u32> = (0..self.classes.len() as u32)
            .filter(|&c| self.classes[c as usize].features.contains(need))
            .collect();
        // More wanted features first; then physical (already paid for) before
        // virtual; then cheaper.
        order.sort_by(|&a, &b| {
            let (ca, cb) = (&self.classes[a as usize], &self.classes[b as usize]);
            cb.features
                .matches(want)
                .cmp(&ca.features.matches(want))
                .then(ca.elastic.cmp(&cb.elastic))
                .then(ca.cost_per_second.total_cmp(&cb.cost_per_second))
        });
        let usable = |k: &Key| {
            Some(k.3) != except
                && match self.power[k.3 as usize] {
                    Power::Up => true,
                    Power::Starting { .. } => starting,
                    Power::Off => false,
                }
        };
        for class in order {
            let mut c = need_c;
            loop {
                let mut it = self
                    .index
                    .range((class, c, need_m, 0)..=(class, u32::MAX, u64::MAX, NodeId::MAX));
                let Some(first) = it.next() else { break };
                if first.1 != c && first.2 < need_m {
                    // A bigger core bucket: seek its first key with the memory.
                    c = first.1;
                    continue;
                }
                let bucket = first.1;
                for k in std::iter::once(first).chain(it) {
                    if k.1 != bucket {
                        break;
                    }
                    if usable(k) {
                        return Some(k.3);
                    }
                }
                c = bucket + 1;
            }
        }
        None
    }

    /// Checks up to `limit` powered nodes one by one for a timeline (as it
    /// runs on each node's features) that starts at `start` (later than now: the index only knows room at all
    /// times, and misses nodes that will have room by then). Nodes with all
    /// of `need`; classes with more of `want` first.
    pub fn scan(
        &self,
        start: f64,
        phases: &dyn Fn(Features) -> Vec<Phase>,
        q: &Scan,
    ) -> Option<NodeId> {
        let Scan {
            need,
            want,
            except,
            limit,
            usable,
        } = *q;
        let mut order: Vec<usize> = (0..self.classes.len())
            .filter(|&c| self.classes[c].features.contains(need))
            .collect();
        order.sort_by_key(|&c| std::cmp::Reverse(self.classes[c].features.matches(want)));
        let mut budget = limit;
        for c in order {
            let members = &self.classes[c].members;
            if members.is_empty() {
                continue;
            }
            let first = self.cursor[c].get() % members.len();
            for i in 0..members.len() {
                if budget == 0 {
                    return None;
                }
                let node = members[(first + i) % members.len()];
                if Some(node) == except || self.power[node as usize] == Power::Off || !usable(node)
                {
                    continue;
                }
                budget -= 1;
                let ready = match self.power[node as usize] {
                    Power::Starting { ready } => ready,
                    _ => start,
                };
                if ready <= start
                    && self.calendars[node as usize]
                        .fits_timeline(start, &phases(self.nodes[node as usize].features))
                {
                    self.cursor[c].set(first + i + 1);
                    return Some(node);
                }
            }
            self.cursor[c].set(first + 1);
        }
        None
    }

    /// The earliest time at or after `from` a timeline can start on one of
    /// up to `limit` up nodes (checked one by one), and the node.
    pub fn earliest(
        &self,
        from: f64,
        phases: &dyn Fn(Features) -> Vec<Phase>,
        limit: usize,
    ) -> Option<(NodeId, f64)> {
        let mut best: Option<(NodeId, f64)> = None;
        let mut budget = limit;
        for (c, class) in self.classes.iter().enumerate() {
            let members = &class.members;
            if members.is_empty() {
                continue;
            }
            let first = self.cursor[c].get() % members.len();
            for i in 0..members.len() {
                if budget == 0 {
                    return best;
                }
                let node = members[(first + i) % members.len()];
                if self.power[node as usize] != Power::Up {
                    continue;
                }
                budget -= 1;
                let timeline = phases(self.nodes[node as usize].features);
                if let Some(t) = self.calendars[node as usize].earliest_start(from, &timeline) {
                    if best.is_none_or(|(_, b)| t < b) {
                        best = Some((node, t));
                    }
                }
            }
        }
        best
    }

    /// Whether a timeline fits a node from `start` (an exact check, for
    /// nodes the index would pass over).
    pub fn fits(&self, node: NodeId, start: f64, phases: &[Phase]) -> bool {
        self.power[node as usize] != Power::Off
            && self.calendars[node as usize].fits_timeline(start, phases)
    }

    /// An off virtual node big enough for `cores` and `memory`, with all of
    /// `need`, preferring more of `want`, then the cheapest.
    pub fn startable(
        &self,
        cores: f64,
        memory: f64,
        need: Features,
        want: Features,
    ) -> Option<NodeId> {
        self.classes
            .iter()
            .filter(|c| {
                c.elastic
                    && !c.off.is_empty()
                    && c.features.contains(need)
                    && c.capacity.cores + 1e-9 >= cores
                    && plannable(c.capacity).memory + 1e-9 >= memory
            })
            .max_by(|a, b| {
                a.features
                    .matches(want)
                    .cmp(&b.features.matches(want))
                    .then(b.cost_per_second.total_cmp(&a.cost_per_second))
                    .then(b.startup_seconds.total_cmp(&a.startup_seconds))
            })
            .and_then(|c| c.off.last().copied())
    }

    /// Marks a virtual node starting, ready at `ready`.
    pub fn start(&mut self, node: NodeId, ready: f64, now: f64) {
        let ci = self.class_of[node as usize] as usize;
        self.classes[ci].off.retain(|&n| n != node);
        self.power[node as usize] = Power::Starting { ready };
        self.refresh(node, now);
    }

    pub fn ready(&mut self, node: NodeId, now: f64) {
        let n = node as usize;
        let joined = self.nodes[n].joins && self.power[n] == Power::Off;
        if joined || matches!(self.power[n], Power::Starting { .. }) {
            self.power[node as usize] = Power::Up;
            self.refresh(node, now);
        }
    }

    pub fn stop(&mut self, node: NodeId) {
        let n = node as usize;
        if self.power[n] == Power::Off || !self.nodes[n].elastic {
            return;
        }
        self.power[n] = Power::Off;
        self.calendars[n] = Calendar::new(plannable(self.nodes[n].capacity));
        self.refresh(node, 0.0);
        let ci = self.class_of[n] as usize;
        self.classes[ci].off.push(node);
    }

    /// A node went away: nothing can be placed on it, and what it had
    /// reserved is gone with it. A virtual node can be started again; one
    /// that joins comes back when its agent does.
    pub fn lost(&mut self, node: NodeId) {
        let n = node as usize;
        if self.power[n] == Power::Off {
            return;
        }
        if self.nodes[n].elastic {
            self.stop(node);
            return;
        }
        self.power[n] = Power::Off;
        self.calendars[n] = Calendar::new(plannable(self.nodes[n].capacity));
        self.refresh(node, 0.0);
    }

    /// Whether nothing is reserved on the node from `now` on.
    pub fn idle(&self, node: NodeId, now: f64) -> bool {
        self.calendars[node as usize].idle_from(now) <= now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, cores: f64, gib: f64, elastic: bool, features: &[&str]) -> NodeInfo {
        NodeInfo {
            name: name.into(),
            elastic,
            joins: false,
            capacity: Capacity {
                cores,
                memory: gib * 1024.0 * MIB,
            },
            features: Features::from_names(features),
            startup_seconds: if elastic { 30.0 } else { 0.0 },
            cost_per_second: if elastic { 0.01 } else { 0.0 },
        }
    }

    const GIB: f64 = 1024.0 * MIB;

    #[test]
    fn a_joining_node_is_usable_only_while_joined() {
        let mut f = Fleet::new(vec![
            node("a", 2.0, 4.0, false, &[]),
            NodeInfo {
                joins: true,
                ..node("j", 8.0, 32.0, false, &[])
            },
        ]);
        let none = Features::from_names(&[] as &[&str]);
        // Too big for `a`; `j` is not there yet, and no policy can start it.
        assert_eq!(f.find(4.0, GIB, none, none, true, None), None);
        assert_eq!(f.startable(4.0, GIB, none, none), None);
        f.ready(1, 0.0);
        assert_eq!(f.power[1], Power::Up);
        assert_eq!(f.find(4.0, GIB, none, none, false, None), Some(1));
        f.calendars[1].reserve_timeline(
            7,
            0.0,
            &[Phase {
                seconds: 100.0,
                cores: 4.0,
                memory: GIB,
            }],
        );
        f.lost(1);
        assert_eq!(f.power[1], Power::Off);
        assert_eq!(f.find(4.0, GIB, none, none, true, None), None);
        // Back with nothing reserved: its reservations left with it.
        f.ready(1, 5.0);
        assert_eq!(f.find(8.0, GIB, none, none, false, None), Some(1));
        // A physical node lost stays off.
        f.lost(0);
        f.ready(0, 6.0);
        assert_eq!(f.power[0], Power::Off);
    }

    #[test]
    fn finds_the_best_fit_and_respects_features() {
        let mut f = Fleet::new(vec![
            node("a", 4.0, 8.0, false, &[]),
            node("b", 4.0, 8.0, false, &[]),
            node("c", 4.0, 8.0, false, &["aes"]),
            node("v", 8.0, 32.0, true, &["aes"]),
        ]);
        f.calendars[1].reserve_timeline(
            1,
            0.0,
            &[Phase {
                seconds: 10.0,
                cores: 2.0,
                memory: 4.0 * GIB,
            }],
        );
        f.refresh(1, 0.0);
        // Best fit: b has just enough left (of what may be planned on).
        assert_eq!(
            f.find(2.0, 3.5 * GIB, Features::NONE, Features::NONE, false, None),
            Some(1)
        );
        assert_eq!(
            f.find(2.0, 3.9 * GIB, Features::NONE, Features::NONE, false, None),
            Some(0)
        );
        // Wanted features first.
        let aes = Features::from_names(["aes"]);
        assert_eq!(f.find(1.0, GIB, Features::NONE, aes, false, None), Some(2));
        assert_eq!(f.find(1.0, GIB, aes, aes, false, Some(2)), None);
        // Too big for any up node: only the virtual one could take it.
        assert_eq!(
            f.find(1.0, 16.0 * GIB, Features::NONE, Features::NONE, true, None),
            None
        );
        let v = f
            .startable(1.0, 16.0 * GIB, Features::NONE, Features::NONE)
            .unwrap();
        assert_eq!(v, 3);
        f.start(v, 30.0, 0.0);
        assert_eq!(
            f.find(1.0, 16.0 * GIB, Features::NONE, Features::NONE, true, None),
            Some(3)
        );
        assert_eq!(
            f.find(1.0, 16.0 * GIB, Features::NONE, Features::NONE, false, None),
            None
        );
        assert_eq!(f.startable(1.0, GIB, Features::NONE, Features::NONE), None);
        f.stop(v);
        assert_eq!(
            f.startable(1.0, GIB, Features::NONE, Features::NONE),
            Some(3)
        );
    }

    #[test]
    fn past_reservations_free_room_on_refresh() {
        let mut f = Fleet::new(vec![node("a", 1.0, 1.0, false, &[])]);
        f.calendars[0].reserve_timeline(
            1,
            0.0,
            &[Phase {
                seconds: 5.0,
                cores: 1.0,
                memory: 0.9 * GIB,
            }],
        );
        f.refresh(0, 0.0);
        assert_eq!(
            f.find(1.0, 1.0, Features::NONE, Features::NONE, false, None),
            None
        );
        f.refresh(0, 5.0);
        assert_eq!(
            f.find(1.0, 0.9 * GIB, Features::NONE, Features::NONE, false, None),
            Some(0)
        );
        // Never the headroom.
        assert_eq!(
            f.find(1.0, GIB, Features::NONE, Features::NONE, false, None),
            None
        );
    }
}
