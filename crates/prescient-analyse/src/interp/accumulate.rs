//! Accumulation in object attributes across loop iterations.
//!
//! A loop body is interpreted once, so whatever grows per iteration must be
//! carried over the trip count afterwards. Names are handled in `loops.rs`;
//! this module does the same for attributes of user-class instances, which
//! programs written around classes use for most of their state
//! (`self.queue.append(task)` in a method called from `main()`'s loop,
//! `self.ticks += 1`, `self.cache[key] = value`).
//!
//! Two rules keep the extrapolation honest:
//! - An instance created inside the loop is a new object each iteration: its
//!   growth is not carried over (each instance is born with a serial, and a
//!   loop only extrapolates instances older than itself).
//! - A homogeneous container's element stands for each of its `len` elements,
//!   and an iteration that grows "the element" grows one of them
//!   (`accounts[src].history.append(...)`, or `for a in accounts:
//!   a.history.append(...)`): growth seen through such a path is divided by the
//!   container's length, so the total over all elements comes out right.

use super::Interp;
use crate::value::*;
use prescient_model::Sym;
use prescient_syntax::ast::{Expr, ExprKind};
use std::rc::Rc;

/// An attribute cell whose value was seen before a loop's first update of it.
#[derive(Clone)]
pub(crate) struct AttrBefore {
    pub attrs: Attrs,
    pub name: String,
    pub value: Value,
}

/// How deep the search for an instance goes from a loop's names.
const MAX_PATH: u32 = 5;

impl Interp<'_> {
    /// Notes that the place `target` (a name or `obj.attr`) is about to be
    /// updated in place, so that enclosing loops extrapolate its growth.
    pub(crate) fn mark_accumulated_target(&mut self, target: &Expr) {
        match &target.kind {
            ExprKind::Name(n) => self.mark_accumulated(n),
            ExprKind::Attribute { value, attr } => {
                if self.loops.is_empty() {
                    return;
                }
                let Some(Value::Instance { attrs, .. }) = self.peek(value) else {
                    return;
                };
                let Some(current) = attrs.borrow().get(attr).cloned() else {
                    return;
                };
                self.mark_accumulated_cell(&attrs, attr, current);
            }
            _ => {}
        }
    }

    /// Notes that the attribute `name` of the instance at `attrs`, now
    /// `current`, is about to be updated in place.
    pub(crate) fn mark_accumulated_cell(&mut self, attrs: &Attrs, name: &str, current: Value) {
        let born = self.born_of(attrs);
        let key = Rc::as_ptr(attrs) as usize;
        for ctx in &mut self.loops {
            // Created inside this loop: a fresh object every iteration.
            if born > ctx.serial {
                continue;
            }
            let seen = ctx
                .attr_before
                .iter()
                .any(|b| Rc::as_ptr(&b.attrs) as usize == key && b.name == name);
            if !seen {
                ctx.attr_before.push(AttrBefore {
                    attrs: attrs.clone(),
                    name: name.to_string(),
                    value: current.clone(),
                });
            }
        }
    }

    /// Records a new instance's serial, against which loops judge its age.
    pub(crate) fn note_born(&mut self, attrs: &Attrs) {
        let id = self.fresh_id();
        self.born.insert(Rc::as_ptr(attrs) as usize, id);
    }

    pub(crate) fn born_of(&self, attrs: &Attrs) -> u64 {
        self.born
            .get(&(Rc::as_ptr(attrs) as usize))
            .copied()
            .unwrap_or(0)
    }

    /// The value an expression refers to, looked up without evaluating anything
    /// (no operations counted, no kernels): names, attributes, and the element
    /// of a subscripted container.
    pub(crate) fn peek(&self, e: &Expr) -> Option<Value> {
        match &e.kind {
            ExprKind::Name(n) => self.lookup(n),
            ExprKind::Attribute { value, attr } => match self.peek(value)? {
                Value::Instance { attrs, .. } | Value::Obj { attrs, .. } => {
                    attrs.borrow().get(attr).cloned()
                }
                Value::Class(c) => c.lookup(attr),
                _ => None,
            },
            ExprKind::Subscript { value, .. } => match self.peek(value)? {
                v @ Value::Seq { .. } => Some(v.elem()),
                _ => None,
            },
            // Literals and tuples of what can be peeked (a key `(a, b)`).
            ExprKind::Int(Some(v)) => Some(Value::int(*v)),
            ExprKind::Float(f) => Some(Value::Float(Some(*f))),
            ExprKind::Str(s) => Some(Value::str_known(s).shared()),
            ExprKind::Tuple(items) => items
                .iter()
                .map(|x| self.peek(x))
                .collect::<Option<Vec<_>>>()
                .map(Value::tuple),
            _ => None,
        }
    }

    /// Carries the attribute growth seen in one iteration over `trip` iterations.
    /// `spread` names the cells an inner loop already spread over elements.
    pub(crate) fn extrapolate_attrs(
        &mut self,
        cells: Vec<AttrBefore>,
        spread: &[(usize, String)],
        frame: usize,
        trip: &Sym,
    ) {
        let rest = trip.sub(&Sym::one()).clamp0();
        for cell in cells {
            let Some(new) = cell.attrs.borrow().get(&cell.name).cloned() else {
                continue;
            };
            let key = (Rc::as_ptr(&cell.attrs) as usize, cell.name.clone());
            let per = if spread.contains(&key) {
                Sym::one()
            } else {
                self.elements_sharing(&cell.attrs, frame)
            };
            // The iteration seen grew one of `per` elements: over the loop the
            // elements gain `trip / per` times that growth each, and the seen
            // iteration's growth is already in `new`.
            let scale = if self.num(&per) > 1.0 {
                for ctx in &mut self.loops {
                    if !ctx.spread.contains(&key) {
                        ctx.spread.push(key.clone());
                    }
                }
                trip.div(&per).sub(&Sym::one())
            } else {
                rest.clone()
            };
            if let Some(v) = self.grown_value(&cell.value, &new, &scale) {
                // A method keeps it to a size: it grows to that at most.
                let v = match (self.attr_bounds.get(&key), &v) {
                    (Some(&bound), Value::Seq { kind, .. })
                        if v.len().is_some_and(|l| self.num(&l) > bound + 1.0) =>
                    {
                        Value::partly_owned(*kind, v.elem(), Sym::num(bound + 1.0), v.owned_share())
                    }
                    _ => v,
                };
                cell.attrs.borrow_mut().insert(cell.name, v);
            }
        }
    }

    /// How many real objects the abstract instance with these attributes stands
    /// for, seen from the names of the loop's function and the module: the
    /// product of the lengths of the homogeneous containers on the way to it
    /// (1 when it is reached only directly, or not at all).
    fn elements_sharing(&self, attrs: &Attrs, frame: usize) -> Sym {
        let target = Rc::as_ptr(attrs) as usize;
        let locals = frame
            .checked_sub(1)
            .and_then(|i| self.frames.get(i))
            .map(|f| &f.locals);
        let roots = locals.into_iter().chain(std::iter::once(&self.globals));
        let mut best: Option<Sym> = None;
        for scope in roots {
            for v in scope.values() {
                if let Some(n) = find_path(v, target, Sym::one(), 0) {
                    // A name bound to the element itself (`for a in accounts`)
                    // does not make it one object: any path through a
                    // container says it stands for many.
                    let replace = match &best {
                        None => true,
                        Some(b) => self.num(&n) > self.num(b),
                    };
                    if replace {
                        best = Some(n);
                    }
                }
            }
        }
        best.unwrap_or_else(Sym::one)
    }
}

/// The product of homogeneous container lengths on a path from `v` to the
/// instance whose attributes live at `target`, if there is one.
fn find_path(v: &Value, target: usize, per: Sym, depth: u32) -> Option<Sym> {
    if depth > MAX_PATH {
        return None;
    }
    match v {
        Value::Instance { attrs, .. } | Value::Obj { attrs, .. } => {
            if Rc::as_ptr(attrs) as usize == target {
                return Some(per);
            }
            let attrs = attrs.try_borrow().ok()?;
            attrs
                .values()
                .find_map(|x| find_path(x, target, per.clone(), depth + 1))
        }
        Value::Seq { items, .. } => match items {
            SeqItems::Known(vs) => vs
                .iter()
                .find_map(|x| find_path(x, target, per.clone(), depth + 1)),
            SeqItems::Homog { elem, len, .. } => {
                find_path(elem, target, per.mul(&len.max(&Sym::one())), depth + 1)
            }
        },
        _ => None,
    }
}
