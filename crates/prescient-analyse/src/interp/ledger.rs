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

/// What one name holds: array buffers (base id, bytes), its other bytes,
/// the objects in it the garbage collector tracks, and the bytes of its big
/// strings and bytes objects (see [`Ledger::small`]).
type Holding = (Vec<(u64, f64)>, f64, f64, f64);

/// Objects up to this size come from CPython's small-object allocator;
/// bigger ones straight from `malloc`.
const SMALL_OBJECT: f64 = 512.0;

#[derive(Default)]
pub(crate) struct Ledger {
    entries: HashMap<(Scope, String), Holding>,
    /// Buffer -> (bytes, how many entries hold it).
    bases: HashMap<u64, (f64, usize)>,
    loose: f64,
    /// Garbage-collector-tracked objects held (see [`PyOps::gc_objects`]).
    ///
    /// [`PyOps::gc_objects`]: prescient_model::PyOps
    tracked: f64,
    /// Bytes of big strings and bytes objects among `loose`.
    big: f64,
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

    pub fn tracked(&self) -> f64 {
        self.tracked
    }

    /// Bytes of small Python objects held (array buffers and big strings
    /// apart): what CPython's small-object allocator serves.
    pub fn small(&self) -> f64 {
        self.loose - self.big
    }

    pub fn blocker(&self) -> Option<String> {
        self.blockers.values().next().cloned()
    }

    fn remove(&mut self, key: &(Scope, String)) {
        if let Some((bufs, loose, tracked, big)) = self.entries.remove(key) {
            self.loose -= loose;
            self.tracked -= tracked;
            self.big -= big;
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
            let mut tracked = 0.0;
            let loose = self.measure(&value, &mut bufs, &mut tracked, 0);
            let big = self.big_bytes(&value, 0).min(loose);
            self.ledger.loose += loose;
            self.ledger.tracked += tracked;
            self.ledger.big += big;
            for (base, bytes) in &bufs {
                let slot = self.ledger.bases.entry(*base).or_insert((*bytes, 0));
                slot.1 += 1;
            }
            self.ledger.entries.insert(key, (bufs, loose, tracked, big));
        }
        self.ledger.total()
    }

    /// Bytes a value holds outside array buffers (its Python objects).
    pub(crate) fn python_bytes(&self, v: &Value) -> f64 {
        let mut bufs = Vec::new();
        let mut tracked = 0.0;
        self.measure(v, &mut bufs, &mut tracked, 0)
    }

    /// Memory held for a moment within the statement (a temporary the
    /// running expression made): it counts toward the statement's peak.
    pub(crate) fn note_temp(&mut self, bytes: f64) {
        self.temp_bytes += bytes;
        self.stmt_peak = self.stmt_peak.max(self.temp_bytes);
    }

    /// Bytes of the strings and bytes objects too big for the small-object
    /// allocator that `v` holds, as [`Self::measure`] counts them.
    fn big_bytes(&self, v: &Value, depth: u32) -> f64 {
        if depth > 6 {
            return 0.0;
        }
        match v {
            Value::Str { shared: false, .. } | Value::Bytes { .. } => {
                let b = self.scalar_bytes(v).unwrap_or(0.0);
                if b > SMALL_OBJECT {
                    b
                } else {
                    0.0
                }
            }
            Value::Seq {
                items: SeqItems::Known(vs),
                ..
            } => vs.iter().map(|x| self.big_bytes(x, depth + 1)).sum(),
            Value::Seq {
                items:
                    SeqItems::Homog {
                        elem,
                        len,
                        owned,
                        lazy,
                    },
                ..
            } if *owned > 0.0 => {
                let n = if *lazy { 1.0 } else { self.num(len) * owned };
                n * self.big_bytes(elem, depth + 1)
            }
            _ => 0.0,
        }
    }

    /// Bytes of a string, bytes, int or float object (`None` for other
    /// values), as CPython 3.11 lays them out.
    pub(super) fn scalar_bytes(&self, v: &Value) -> Option<f64> {
        Some(match v {
            // A reference to a string held elsewhere is only its slot.
            Value::Str { shared: true, .. } => 0.0,
            Value::Str { len, .. } => 49.0 + self.num(len),
            Value::Bytes { len } => 33.0 + self.num(len),
            // CPython keeps one object for each of -5..=256.
            Value::Int(i) if i.as_num().is_some_and(|x| (-5.0..=256.0).contains(&x)) => 0.0,
            Value::Int(_) => 32.0,
            Value::Float(_) => 24.0,
            _ => return None,
        })
    }

    /// Bytes a value holds: array buffers go to `bufs` (shared by id), the rest
    /// is returned; the objects the garbage collector tracks are counted in
    /// `tracked` (a tuple of scalars is untracked at its first collection).
    pub(crate) fn measure(
        &self,
        v: &Value,
        bufs: &mut Vec<(u64, f64)>,
        tracked: &mut f64,
        depth: u32,
    ) -> f64 {
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
            // An in-memory file holds what was written to it: `StringIO`
            // keeps text as 4-byte characters while it grows (measured: 12.5
            // million characters of CSV held 54 MiB), `BytesIO` a byte each.
            Value::File {
                path: Some(p),
                binary,
                ..
            } if p.starts_with("<memory") => {
                let chars = self.written.get(&**p).map(|w| w.0).unwrap_or(0.0);
                let made = self
                    .settings
                    .get(&format!("io.made:{p}"))
                    .and_then(|v| v.as_sym())
                    .and_then(|s| s.as_num())
                    .unwrap_or(1.0)
                    .max(1.0);
                chars / made * if *binary { 1.0 } else { 4.0 }
            }
            Value::Str { .. } | Value::Bytes { .. } | Value::Int(_) | Value::Float(_) => {
                self.scalar_bytes(v).unwrap_or(0.0)
            }
            Value::Seq { items, kind } => {
                let holds_containers = |e: &Value| {
                    matches!(
                        e,
                        Value::Seq { .. } | Value::Instance { .. } | Value::Obj { .. }
                    )
                };
                // A dict's item is stored as a key and a value in its table,
                // not as the (key, value) tuple the analyser carries.
                let parts = |e: &Value| -> Vec<Value> {
                    match (kind, e) {
                        (
                            SeqKind::Dict,
                            Value::Seq {
                                items: SeqItems::Known(kv),
                                ..
                            },
                        ) => kv.clone(),
                        _ => vec![e.clone()],
                    }
                };
                let (n, contents, tracks) = match items {
                    // A generator holds its frame and the item it is making.
                    SeqItems::Homog {
                        elem, lazy: true, ..
                    } => {
                        *tracked += 1.0;
                        return GENERATOR_BYTES + self.measure(elem, bufs, tracked, depth + 1);
                    }
                    SeqItems::Known(vs) => {
                        let mut bytes = 0.0;
                        for x in vs {
                            for p in parts(x) {
                                bytes += self.measure(&p, bufs, tracked, depth + 1);
                            }
                        }
                        (
                            vs.len() as f64,
                            bytes,
                            vs.iter().any(|x| parts(x).iter().any(holds_containers)),
                        )
                    }
                    // References to objects held elsewhere: only the slots.
                    SeqItems::Homog { len, owned, .. } if *owned <= 0.0 => {
                        (self.num(len), 0.0, false)
                    }
                    SeqItems::Homog {
                        elem, len, owned, ..
                    } => {
                        // Each element holds its own buffers: count them per element.
                        let mut own = Vec::new();
                        let mut own_tracked = 0.0;
                        let mut e = 0.0;
                        for p in parts(elem) {
                            e += self.measure(&p, &mut own, &mut own_tracked, depth + 1);
                        }
                        e += own.iter().map(|(_, b)| b).sum::<f64>();
                        let n = self.num(len);
                        // Only the share it alone holds counts its objects.
                        let objects = n * owned;
                        *tracked += objects * own_tracked;
                        (n, objects * e, parts(elem).iter().any(holds_containers))
                    }
                };
                if *kind != SeqKind::Tuple || tracks {
                    *tracked += 1.0;
                }
                container_bytes(*kind, n) + contents
            }
            Value::Instance { attrs, .. } => {
                // CPython 3.11 keeps an instance's attribute values inline:
                // measured with tracemalloc, 72 bytes plus 8 per attribute
                // (up to about 30 attributes, where a dict takes over).
                let attrs = attrs.borrow();
                // The head of a linked chain stands for its nodes; the
                // link to the rest is not followed (that is the chain).
                let nodes = super::loops::chain_length(v).unwrap_or(1.0);
                let chained = attrs.contains_key(super::loops::CHAIN);
                *tracked += nodes;
                let mut node = 72.0;
                for (name, x) in attrs.iter() {
                    if super::linked::hidden(name) {
                        continue;
                    }
                    node += 8.0;
                    if !(chained && matches!(x, Value::Instance { .. })) {
                        node += self.measure(x, bufs, tracked, depth + 1);
                    }
                }
                nodes * node
            }
            Value::Obj { attrs, .. } => {
                let attrs = attrs.borrow();
                attrs
                    .values()
                    .map(|x| self.measure(x, bufs, tracked, depth + 1))
                    .sum::<f64>()
            }
            // A memoised function holds its cache.
            Value::Func(f) => self.memo_bytes.get(&f.id).copied().unwrap_or(0.0),
            _ => 0.0,
        }
    }
}

/// A suspended generator: its object and frame (`sys.getsizeof` of a
/// generator and of its frame on CPython 3.11).
const GENERATOR_BYTES: f64 = 200.0;

/// Bytes of a container object itself for `n` items, without the items:
/// CPython 3.11 sizes measured with `sys.getsizeof` and tracemalloc. A list
/// or tuple is a header and a pointer per item; a dict of up to five keys is
/// one 184-byte block, a larger one about 42 bytes per key (its index and
/// entry tables at their usual fill); a set is 216 bytes up to four items,
/// then about 34 bytes per item.
pub(super) fn container_bytes(kind: SeqKind, n: f64) -> f64 {
    match kind {
        SeqKind::List | SeqKind::Tuple => 56.0 + 8.0 * n,
        SeqKind::Dict if n <= 0.0 => 64.0,
        SeqKind::Dict if n <= 5.0 => 184.0,
        SeqKind::Dict => 64.0 + 42.0 * n,
        SeqKind::Set if n <= 4.0 => 216.0,
        SeqKind::Set => 216.0 + 34.0 * n,
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
