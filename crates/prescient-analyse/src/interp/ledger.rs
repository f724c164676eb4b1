//! Incremental accounting of the memory held by the namespaces that survive
//! between top-level statements (the module's globals and the entry function's
//! locals), and of what blocks a checkpoint there.
//!
//! Rescanning every name after every statement would make analysis time quadratic
//! in program length; instead the interpreter reports the names it binds, and only
//! those (plus names holding objects, whose attributes can change in place) are
//! re-measured. Arrays are counted once per buffer, however many names share it.

use super::Interp;
use crate::value::*;
use std::collections::{BTreeMap, HashMap, HashSet};

/// Which surviving namespace a name lives in.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Scope {
    Globals,
    Entry,
}

/// What one name holds: array buffers (base id, bytes) and its other bytes.
type Holding = (Vec<(u64, f64)>, f64);

#[derive(Default)]
pub(crate) struct Ledger {
    entries: HashMap<(Scope, String), Holding>,
    /// Buffer -> (bytes, how many entries hold it).
    bases: HashMap<u64, (f64, usize)>,
    loose: f64,
    touched: HashSet<(Scope, String)>,
    /// Names holding objects or instances (also inside containers): their
    /// attributes change in place.
    containers: HashSet<(Scope, String)>,
    blockers: BTreeMap<(u8, String), String>,
}

impl Ledger {
    pub fn touch(&mut self, scope: Scope, name: &str) {
        self.touched.insert((scope, name.to_string()));
    }

    pub fn total(&self) -> f64 {
        self.loose + self.bases.values().map(|(b, _)| b).sum::<f64>()
    }

    pub fn blocker(&self) -> Option<String> {
        self.blockers.values().next().cloned()
    }

    fn remove(&mut self, key: &(Scope, String)) {
        if let Some((bufs, loose)) = self.entries.remove(key) {
            self.loose -= loose;
            for (base, _) in bufs {
                if let Some(slot) = self.bases.get_mut(&base) {
                    slot.1 -= 1;
                    if slot.1 == 0 {
                        self.bases.remove(&base);
                    }
                }
            }
        }
        self.blockers.remove(&(key.0 as u8, key.1.clone()));
        self.containers.remove(key);
    }

    /// Forgets a whole namespace (the entry function returned).
    pub fn drop_scope(&mut self, scope: Scope) {
        let keys: Vec<_> = self
            .entries
            .keys()
            .filter(|k| k.0 == scope)
            .cloned()
            .collect();
        for k in keys {
            self.remove(&k);
        }
        self.blockers.retain(|k, _| k.0 != scope as u8);
        self.containers.retain(|k| k.0 != scope);
        self.touched.retain(|k| k.0 != scope);
    }
}

impl Interp<'_> {
    /// Re-measures the names bound since the last call; returns live bytes.
    pub(crate) fn account(&mut self) -> f64 {
        let mut keys: Vec<(Scope, String)> = self.ledger.touched.drain().collect();
        keys.extend(self.ledger.containers.iter().cloned());
        keys.sort_by(|a, b| (a.0 as u8, &a.1).cmp(&(b.0 as u8, &b.1)));
        keys.dedup();
        for key in keys {
            self.ledger.remove(&key);
            let value = match key.0 {
                Scope::Globals => self.globals.get(&key.1),
                Scope::Entry => self.frames.first().and_then(|f| f.locals.get(&key.1)),
            };
            let Some(value) = value.cloned() else {
                continue;
            };
            if let Some(why) = blocker(&value) {
                self.ledger.blockers.insert(
                    (key.0 as u8, key.1.clone()),
                    format!("`{}` holds {why}", key.1),
                );
            }
            if holds_objects(&value, 0) {
                self.ledger.containers.insert(key.clone());
            }
            let mut bufs = Vec::new();
            let loose = self.measure(&value, &mut bufs, 0);
            self.ledger.loose += loose;
            for (base, bytes) in &bufs {
                let slot = self.ledger.bases.entry(*base).or_insert((*bytes, 0));
                slot.1 += 1;
            }
            self.ledger.entries.insert(key, (bufs, loose));
        }
        self.ledger.total()
    }

    /// Bytes a value holds: array buffers go to `bufs` (shared by id), the rest is returned.
    fn measure(&self, v: &Value, bufs: &mut Vec<(u64, f64)>, depth: u32) -> f64 {
        if depth > 6 {
            return 0.0;
        }
        match v {
            Value::Array(a) => {
                if !bufs.iter().any(|(b, _)| *b == a.base) {
                    bufs.push((a.base, self.num(&a.nbytes())));
                }
                0.0
            }
            Value::Str { len, .. } => 49.0 + self.num(len),
            Value::Bytes { len } => 33.0 + self.num(len),
            Value::Seq { items, kind } => {
                let per_slot = if *kind == SeqKind::Dict { 100.0 } else { 8.0 };
                match items {
                    SeqItems::Known(vs) => {
                        56.0 + vs
                            .iter()
                            .map(|x| per_slot + self.measure(x, bufs, depth + 1))
                            .sum::<f64>()
                    }
                    SeqItems::Homog { elem, len } => {
                        // Each element holds its own buffers: count them per element.
                        let mut own = Vec::new();
                        let e = self.measure(elem, &mut own, depth + 1)
                            + own.iter().map(|(_, b)| b).sum::<f64>();
                        56.0 + self.num(len) * (per_slot + e)
                    }
                }
            }
            Value::Int(_) | Value::Float(_) => 24.0,
            Value::Instance { attrs, .. } => {
                // CPython 3.11 keeps an instance's attribute values inline
                // after a 48-byte header: 56 bytes for one of 1 attribute.
                let attrs = attrs.borrow();
                48.0 + 8.0 * attrs.len() as f64
                    + attrs
                        .values()
                        .map(|x| self.measure(x, bufs, depth + 1))
                        .sum::<f64>()
            }
            Value::Obj { attrs, .. } => {
                let attrs = attrs.borrow();
                attrs
                    .values()
                    .map(|x| self.measure(x, bufs, depth + 1))
                    .sum::<f64>()
            }
            _ => 0.0,
        }
    }
}

/// Whether a value holds objects (directly or in containers), whose
/// attributes can change without the name being bound again.
fn holds_objects(v: &Value, depth: u32) -> bool {
    match v {
        Value::Instance { .. } | Value::Obj { .. } => true,
        Value::Seq { items, .. } if depth < 4 => match items {
            SeqItems::Known(vs) => vs.iter().any(|x| holds_objects(x, depth + 1)),
            SeqItems::Homog { elem, .. } => holds_objects(elem, depth + 1),
        },
        _ => false,
    }
}

/// What about a value makes the namespace impossible to checkpoint.
fn blocker(v: &Value) -> Option<&'static str> {
    Some(match v {
        Value::File { .. } => "an open file",
        Value::Generator => "a generator",
        Value::Obj { class, .. } if class.starts_with("socket.") => "a socket",
        Value::Obj { class, .. } if class.starts_with("threading.") => "a thread",
        _ => return None,
    })
}
