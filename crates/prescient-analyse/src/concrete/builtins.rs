//! Built-in functions, operators, methods of built-in types and the few
//! standard modules (math, random, heapq, bisect, collections, itertools,
//! functools) the executor models.

use super::exec::{raise, range_len, unsupported, Exec, MAX_ITEMS};
use super::value::*;
use super::Stop;
use prescient_syntax::ast::{BinOp, CmpOp};
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::rc::Rc;

/// Where a `for` loop takes its items from: ranges and lists are walked in
/// place (a list appended to while it is walked yields the new items, as
/// in Python); anything else is read into a snapshot first.
pub(super) enum Source {
    Range { next: i64, stop: i64, step: i64 },
    List(Rc<RefCell<Vec<CV>>>, usize),
    Iter(Rc<RefCell<Iter>>),
    Items(std::vec::IntoIter<CV>),
}

/// Levels a deep copy may descend (see `Exec::deep_copy`).
const MAX_COPY_DEPTH: usize = 1_000;

fn big() -> Stop {
    Stop::Unsupported("big integers".into())
}

pub(super) fn arg(pos: &[CV], i: usize) -> Result<&CV, Stop> {
    pos.get(i).ok_or(Stop::Raised("TypeError".into()))
}

fn int_arg(pos: &[CV], i: usize) -> Result<i64, Stop> {
    int(arg(pos, i)?).ok_or(Stop::Raised("TypeError".into()))
}

/// An integer argument given by value, or a `TypeError`.
fn int_of(v: &CV) -> Result<i64, Stop> {
    int(v).ok_or(Stop::Raised("TypeError".into()))
}

pub(super) fn kwarg<'a>(kw: &'a [(String, CV)], name: &str) -> Option<&'a CV> {
    kw.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

impl Exec<'_> {
    pub(super) fn iter_source(&mut self, v: &CV) -> Result<Source, Stop> {
        Ok(match v {
            CV::Range(a, b, s) => Source::Range {
                next: *a,
                stop: *b,
                step: *s,
            },
            CV::List(l) => Source::List(l.clone(), 0),
            CV::Iter(it) => Source::Iter(it.clone()),
            _ => Source::Items(self.iterate(v)?.into_iter()),
        })
    }

    pub(super) fn next_item(&mut self, src: &mut Source) -> Result<Option<CV>, Stop> {
        Ok(match src {
            Source::Range { next, stop, step } => {
                if (*step > 0 && *next < *stop) || (*step < 0 && *next > *stop) {
                    let v = *next;
                    // Past the end of the integers: the range is over.
                    *next = next.checked_add(*step).unwrap_or(*stop);
                    Some(CV::Int(v))
                } else {
                    None
                }
            }
            Source::List(l, i) => {
                let v = l.borrow().get(*i).cloned();
                *i += 1;
                v
            }
            Source::Iter(it) => it.borrow_mut().next(),
            Source::Items(items) => items.next(),
        })
    }

    /// Every item of an iterable, in order.
    pub(super) fn iterate(&mut self, v: &CV) -> Result<Vec<CV>, Stop> {
        let out = match v {
            CV::Opaque(q) => return unsupported(format!("iteration over what `{q}` returned")),
            CV::List(l) => l.borrow().clone(),
            CV::Tuple(t) => (**t).clone(),
            CV::Str(s) => s
                .chars()
                .map(|c| CV::Str(Rc::from(c.to_string().as_str())))
                .collect(),
            CV::Dict(d) | CV::Set(d) => d.borrow().items().map(|(k, _)| k.clone()).collect(),
            CV::Range(a, _, s) => {
                let n = range_len(v);
                if n > MAX_ITEMS {
                    return unsupported("a range too long to list");
                }
                (0..n as i64).map(|i| CV::Int(a + s * i)).collect()
            }
            CV::Iter(it) => {
                let mut it = it.borrow_mut();
                if it.endless.is_some() {
                    return unsupported("an endless iterator read to its end");
                }
                let rest = it.items[it.pos.min(it.items.len())..].to_vec();
                it.pos = it.items.len();
                rest
            }
            CV::Class(c) if c.is_enum() => {
                let c = c.clone();
                self.members(&c).iter().map(|(_, m)| m.clone()).collect()
            }
            CV::Instance(_) if self.record_items(v).is_some() => {
                self.record_items(v).unwrap_or_default()
            }
            CV::Instance(_) if self.has_dunder(v, "__iter__") => {
                let it = self.dunder(v, "__iter__", Vec::new())?;
                if matches!(it, CV::Instance(_)) {
                    return unsupported("an iterator class");
                }
                return self.iterate(&it);
            }
            _ => return raise("TypeError"),
        };
        self.alloc(out.len())?;
        Ok(out)
    }

    // ----- operators -----

    pub(super) fn binop(&mut self, op: BinOp, l: &CV, r: &CV) -> Result<CV, Stop> {
        if let Some(o) = [l, r].into_iter().find(|v| matches!(v, CV::Opaque(_))) {
            return Ok(o.clone());
        }
        if matches!(l, CV::Time(_)) || matches!(r, CV::Time(_)) {
            return self.time_binop(op, l, r);
        }
        if let (Some(a), Some(b)) = (int(l), int(r)) {
            return int_binop(op, a, b);
        }
        if let (Some(a), Some(b)) = (num(l), num(r)) {
            let v = match op {
                BinOp::Add => a + b,
                BinOp::Sub => a - b,
                BinOp::Mul => a * b,
                BinOp::Div => {
                    if b == 0.0 {
                        return raise("ZeroDivisionError");
                    }
                    a / b
                }
                BinOp::FloorDiv => {
                    if b == 0.0 {
                        return raise("ZeroDivisionError");
                    }
                    (a / b).floor()
                }
                BinOp::Mod => {
                    if b == 0.0 {
                        return raise("ZeroDivisionError");
                    }
                    a - b * (a / b).floor()
                }
                BinOp::Pow => a.powf(b),
                _ => return raise("TypeError"),
            };
            return Ok(CV::Float(v));
        }
        match (op, l, r) {
            (BinOp::Add, CV::Str(a), CV::Str(b)) => {
                self.alloc((a.len() + b.len()) / 8)?;
                Ok(CV::Str(Rc::from(format!("{a}{b}").as_str())))
            }
            (BinOp::Mul, CV::Str(s), n) | (BinOp::Mul, n, CV::Str(s)) if int(n).is_some() => {
                let k = int(n).unwrap_or(0).max(0) as usize;
                if s.len().saturating_mul(k) > MAX_ITEMS {
                    return unsupported("a string too big to build");
                }
                self.alloc(s.len() * k / 8)?;
                Ok(CV::Str(Rc::from(s.repeat(k).as_str())))
            }
            (BinOp::Mod, CV::Str(s), v) => {
                // %-formatting: the text's identity is kept, not its layout.
                Ok(CV::Str(Rc::from(
                    format!("{s}\u{1}{}", v.display()).as_str(),
                )))
            }
            (BinOp::Add, CV::List(a), CV::List(b)) => {
                let mut out = a.borrow().clone();
                out.extend(b.borrow().iter().cloned());
                self.alloc(out.len())?;
                Ok(CV::list(out))
            }
            (BinOp::Add, CV::Tuple(a), CV::Tuple(b)) => {
                let mut out = (**a).clone();
                out.extend(b.iter().cloned());
                self.alloc(out.len())?;
                Ok(CV::tuple(out))
            }
            (BinOp::Mul, CV::List(_) | CV::Tuple(_), n)
            | (BinOp::Mul, n, CV::List(_) | CV::Tuple(_))
                if int(n).is_some() =>
            {
                let k = int(n).unwrap_or(0).max(0) as usize;
                let (items, tuple) = match (l, r) {
                    (CV::List(a), _) | (_, CV::List(a)) => (a.borrow().clone(), false),
                    (CV::Tuple(a), _) | (_, CV::Tuple(a)) => ((**a).clone(), true),
                    _ => return raise("TypeError"),
                };
                if items.len().saturating_mul(k) > MAX_ITEMS {
                    return unsupported("a list too big to build");
                }
                self.alloc(items.len() * k)?;
                let mut out = Vec::with_capacity(items.len() * k);
                for _ in 0..k {
                    out.extend(items.iter().cloned());
                }
                Ok(if tuple { CV::tuple(out) } else { CV::list(out) })
            }
            (BinOp::BitOr | BinOp::BitAnd | BinOp::Sub | BinOp::BitXor, CV::Set(a), CV::Set(b)) => {
                let (a, b) = (a.borrow(), b.borrow());
                self.step((a.len() + b.len()) as u64 / 8)?;
                let mut t = Table::default();
                let keep = |in_b: bool| match op {
                    BinOp::BitOr => true,
                    BinOp::BitAnd => in_b,
                    BinOp::Sub => !in_b,
                    _ => !in_b,
                };
                // Each element under the key it was stored with.
                for (key, (k, _)) in a.keyed_items() {
                    if keep(b.contains(key)) {
                        t.insert(key.clone(), k.clone(), CV::None);
                    }
                }
                if matches!(op, BinOp::BitOr | BinOp::BitXor) {
                    for (key, (k, _)) in b.keyed_items() {
                        if !a.contains(key) {
                            t.insert(key.clone(), k.clone(), CV::None);
                        }
                    }
                }
                Ok(CV::Set(Rc::new(RefCell::new(t))))
            }
            (BinOp::BitOr, CV::Dict(a), CV::Dict(b)) => {
                let mut t = Table::default();
                for (k, v) in a.borrow().items().chain(b.borrow().items()) {
                    let key = self.key(k)?;
                    t.insert(key, k.clone(), v.clone());
                }
                Ok(CV::Dict(Rc::new(RefCell::new(t))))
            }
            (_, CV::Instance(_), _) => {
                let name = dunder_name(op, false);
                if self.has_dunder(l, name) {
                    self.dunder(l, name, vec![r.clone()])
                } else if self.has_dunder(r, dunder_name(op, true)) {
                    self.dunder(r, dunder_name(op, true), vec![l.clone()])
                } else {
                    raise("TypeError")
                }
            }
            (_, _, CV::Instance(_)) if self.has_dunder(r, dunder_name(op, true)) => {
                self.dunder(r, dunder_name(op, true), vec![l.clone()])
            }
            _ => raise("TypeError"),
        }
    }

    pub(super) fn compare(&mut self, op: CmpOp, l: &CV, r: &CV) -> Result<bool, Stop> {
        opaque_compared(l, r)?;
        Ok(match op {
            CmpOp::Eq => self.equal(l, r)?,
            CmpOp::NotEq => !self.equal(l, r)?,
            CmpOp::Is => identical(l, r),
            CmpOp::IsNot => !identical(l, r),
            CmpOp::In => self.contains(r, l)?,
            CmpOp::NotIn => !self.contains(r, l)?,
            CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE => {
                // Sets order by inclusion.
                if let (CV::Set(a), CV::Set(b)) = (l, r) {
                    let (a, b) = (a.borrow(), b.borrow());
                    let within = |x: &Table, y: &Table| x.keyed_items().all(|(k, _)| y.contains(k));
                    self.step((a.len() + b.len()) as u64 / 8)?;
                    return Ok(match op {
                        CmpOp::LtE => within(&a, &b),
                        CmpOp::Lt => a.len() < b.len() && within(&a, &b),
                        CmpOp::GtE => within(&b, &a),
                        _ => b.len() < a.len() && within(&b, &a),
                    });
                }
                // Named tuples order as tuples, and so do a dataclass's
                // instances under `order=True`.
                let records = self.as_tuples(l, r, true).is_some();
                if let (CV::Instance(_), false) = (l, records) {
                    let name = match op {
                        CmpOp::Lt => "__lt__",
                        CmpOp::LtE => "__le__",
                        CmpOp::Gt => "__gt__",
                        _ => "__ge__",
                    };
                    let v = self.dunder(l, name, vec![r.clone()])?;
                    return self.truthy(&v);
                }
                if let (CV::Instance(_), false) = (r, records) {
                    let name = match op {
                        CmpOp::Lt => "__gt__",
                        CmpOp::LtE => "__ge__",
                        CmpOp::Gt => "__lt__",
                        _ => "__le__",
                    };
                    let v = self.dunder(r, name, vec![l.clone()])?;
                    return self.truthy(&v);
                }
                let o = self.order(l, r)?;
                match op {
                    CmpOp::Lt => o == Ordering::Less,
                    CmpOp::LtE => o != Ordering::Greater,
                    CmpOp::Gt => o == Ordering::Greater,
                    _ => o != Ordering::Less,
                }
            }
        })
    }

    pub(super) fn equal(&mut self, l: &CV, r: &CV) -> Result<bool, Stop> {
        // Also reached without `compare` (`xs.index(v)`, `xs.remove(v)`).
        opaque_compared(l, r)?;
        if let (Some(a), Some(b)) = (num(l), num(r)) {
            return Ok(a == b);
        }
        // Containers that hold themselves compare forever in Python too
        // (a RecursionError): the run stops instead.
        self.nesting += 1;
        let r = if self.nesting > 64 {
            unsupported("containers nested too deep to compare")
        } else {
            self.equal_nested(l, r)
        };
        self.nesting -= 1;
        r
    }

    fn equal_nested(&mut self, l: &CV, r: &CV) -> Result<bool, Stop> {
        // A named tuple is a tuple: equal to one of the same items; a
        // dataclass's instances are equal when their fields are.
        if let Some((a, b)) = self.as_tuples(l, r, false) {
            return self.seq_equal(&a, &b);
        }
        Ok(match (l, r) {
            (CV::None, CV::None) => true,
            (CV::Str(a), CV::Str(b)) => a == b,
            (CV::Time(a), CV::Time(b)) => a == b,
            (CV::Tuple(a), CV::Tuple(b)) => self.seq_equal(a, b)?,
            (CV::List(a), CV::List(b)) => {
                if Rc::ptr_eq(a, b) {
                    return Ok(true);
                }
                let (a, b) = (a.borrow().clone(), b.borrow().clone());
                self.seq_equal(&a, &b)?
            }
            (CV::Dict(a), CV::Dict(b)) | (CV::Set(a), CV::Set(b)) => {
                if Rc::ptr_eq(a, b) {
                    return Ok(true);
                }
                let (a, b) = (a.borrow(), b.borrow());
                a.len() == b.len() && a.keyed_items().all(|(k, _)| b.contains(k))
            }
            (CV::Instance(_), _) if self.has_dunder(l, "__eq__") => {
                let v = self.dunder(l, "__eq__", vec![r.clone()])?;
                self.truthy(&v)?
            }
            _ => identical(l, r),
        })
    }

    /// Both sides' items, when one is a named tuple and the other a named
    /// tuple or a tuple.
    ///
    /// Two instances of one dataclass compare as the tuples of their
    /// compared fields: for equality unless the class says `eq=False`,
    /// for order under `order=True` (`ordered`).
    fn as_tuples(&self, l: &CV, r: &CV, ordered: bool) -> Option<(Vec<CV>, Vec<CV>)> {
        if let (CV::Instance(a), CV::Instance(b)) = (l, r) {
            if Rc::ptr_eq(&a.class, &b.class) {
                if let (Some(x), Some(y)) = (
                    self.compared_fields(l, ordered),
                    self.compared_fields(r, ordered),
                ) {
                    return Some((x, y));
                }
            }
        }
        let items = |v: &CV| match v {
            CV::Tuple(t) => Some((**t).clone()),
            _ => self.record_items(v),
        };
        if !matches!(l, CV::Instance(_)) && !matches!(r, CV::Instance(_)) {
            return None;
        }
        Some((items(l)?, items(r)?))
    }

    fn seq_equal(&mut self, a: &[CV], b: &[CV]) -> Result<bool, Stop> {
        if a.len() != b.len() {
            return Ok(false);
        }
        for (x, y) in a.iter().zip(b) {
            if !self.equal(x, y)? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub(super) fn order(&mut self, l: &CV, r: &CV) -> Result<Ordering, Stop> {
        opaque_compared(l, r)?;
        if let (Some(a), Some(b)) = (num(l), num(r)) {
            return a.partial_cmp(&b).ok_or(Stop::Raised("ValueError".into()));
        }
        self.nesting += 1;
        let r = if self.nesting > 64 {
            unsupported("containers nested too deep to compare")
        } else {
            self.order_nested(l, r)
        };
        self.nesting -= 1;
        r
    }

    fn order_nested(&mut self, l: &CV, r: &CV) -> Result<Ordering, Stop> {
        if let Some((a, b)) = self.as_tuples(l, r, true) {
            return self.seq_order(&a, &b);
        }
        match (l, r) {
            (CV::Str(a), CV::Str(b)) => Ok(a.cmp(b)),
            (CV::Time(a), CV::Time(b)) => super::dates::time_order(*a, *b),
            (CV::Tuple(a), CV::Tuple(b)) => self.seq_order(&a.clone(), &b.clone()),
            (CV::List(a), CV::List(b)) => {
                let (a, b) = (a.borrow().clone(), b.borrow().clone());
                self.seq_order(&a, &b)
            }
            (CV::Instance(_), _) | (_, CV::Instance(_)) => {
                if self.compare(CmpOp::Lt, l, r)? {
                    Ok(Ordering::Less)
                } else if self.compare(CmpOp::Lt, r, l)? {
                    Ok(Ordering::Greater)
                } else {
                    Ok(Ordering::Equal)
                }
            }
            _ => raise("TypeError"),
        }
    }

    fn seq_order(&mut self, a: &[CV], b: &[CV]) -> Result<Ordering, Stop> {
        for (x, y) in a.iter().zip(b) {
            if !self.equal(x, y)? {
                return self.order(x, y);
            }
        }
        Ok(a.len().cmp(&b.len()))
    }

    fn contains(&mut self, container: &CV, item: &CV) -> Result<bool, Stop> {
        match container {
            CV::Dict(d) | CV::Set(d) => {
                let k = self.key(item)?;
                Ok(d.borrow().contains(&k))
            }
            CV::Str(s) => match item {
                CV::Str(sub) => Ok(s.contains(&**sub)),
                _ => raise("TypeError"),
            },
            CV::Range(a, b, st) => match int(item) {
                Some(i) => Ok(if *st > 0 {
                    i >= *a && i < *b && (i - a) % st == 0
                } else {
                    i <= *a && i > *b && (*a as i128 - i as i128) % (-(*st as i128)) == 0
                }),
                None => Ok(false),
            },
            CV::Instance(_) if self.has_dunder(container, "__contains__") => {
                let v = self.dunder(container, "__contains__", vec![item.clone()])?;
                self.truthy(&v)
            }
            _ => {
                let items = self.iterate(container)?;
                self.step(items.len() as u64 / 4)?;
                for x in &items {
                    if self.equal(x, item)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
        }
    }

    pub(super) fn sort_values(
        &mut self,
        items: &mut Vec<CV>,
        key: Option<&CV>,
        reverse: bool,
    ) -> Result<(), Stop> {
        let n = items.len() as u64;
        self.step(n * (64 - n.leading_zeros() as u64 + 1) / 4)?;
        let keys: Vec<CV> = match key {
            Some(f) if !matches!(f, CV::None) => {
                let mut ks = Vec::with_capacity(items.len());
                for it in items.iter() {
                    ks.push(self.call(f, vec![it.clone()], Vec::new())?);
                }
                ks
            }
            _ => items.clone(),
        };
        // Sorting calls back into comparisons that can fail or run user
        // code: the order is computed first, then applied.
        let mut idx: Vec<usize> = (0..items.len()).collect();
        let mut err = None;
        idx.sort_by(|&a, &b| {
            if err.is_some() {
                return Ordering::Equal;
            }
            match self.order(&keys[a], &keys[b]) {
                Ok(o) => o,
                Err(e) => {
                    err = Some(e);
                    Ordering::Equal
                }
            }
        });
        if let Some(e) = err {
            return Err(e);
        }
        if reverse {
            // Python's sort is stable in reverse too: equal keys keep order.
            idx.reverse();
            let mut i = 0;
            while i < idx.len() {
                let mut j = i + 1;
                while j < idx.len() && self.order(&keys[idx[i]], &keys[idx[j]])? == Ordering::Equal
                {
                    j += 1;
                }
                idx[i..j].reverse();
                i = j;
            }
        }
        let sorted: Vec<CV> = idx.into_iter().map(|i| items[i].clone()).collect();
        *items = sorted;
        Ok(())
    }

    fn extreme(&mut self, pos: Vec<CV>, kw: &[(String, CV)], want: Ordering) -> Result<CV, Stop> {
        let items = if pos.len() == 1 {
            self.iterate(&pos[0])?
        } else {
            pos
        };
        let key = kwarg(kw, "key").cloned();
        let mut best: Option<(CV, CV)> = None;
        for it in items {
            let k = match &key {
                Some(f) if !matches!(f, CV::None) => self.call(f, vec![it.clone()], Vec::new())?,
                _ => it.clone(),
            };
            let better = match &best {
                None => true,
                Some((bk, _)) => self.order(&k, bk)? == want,
            };
            if better {
                best = Some((k, it));
            }
        }
        match best {
            Some((_, v)) => Ok(v),
            None => match kwarg(kw, "default") {
                Some(d) => Ok(d.clone()),
                None => raise("ValueError"),
            },
        }
    }

    // ----- library functions -----

    pub(super) fn lib_attribute(&mut self, q: &str, attr: &str) -> Result<CV, Stop> {
        let full = format!("{q}.{attr}");
        if full == "sys.argv" {
            return Ok(self.sys_argv());
        }
        Ok(lib_constant(&full).unwrap_or_else(|| CV::Lib(Rc::from(full.as_str()))))
    }

    pub(super) fn call_lib(
        &mut self,
        q: &str,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
    ) -> Result<CV, Stop> {
        let name = q.strip_prefix("builtins.").unwrap_or(q);
        if super::exec::builtin_exception(name) {
            return Ok(CV::Str(Rc::from(name)));
        }
        if let Some(v) = self.opaque_arguments(q, &pos, &kw)? {
            return Ok(v);
        }
        if let Some(m) = q.strip_prefix("random.").filter(|m| *m != "Random") {
            let rng = self.rng.clone();
            return self.rng_method(&rng, m, pos, kw);
        }
        if let Some(f) = q.strip_prefix("math.") {
            return math(f, &pos);
        }
        Ok(match name {
            "len" => CV::Int(self.length(arg(&pos, 0)?)? as i64),
            "range" => {
                let (a, b, s) = match pos.len() {
                    1 => (0, int_arg(&pos, 0)?, 1),
                    2 => (int_arg(&pos, 0)?, int_arg(&pos, 1)?, 1),
                    _ => (int_arg(&pos, 0)?, int_arg(&pos, 1)?, int_arg(&pos, 2)?),
                };
                if s == 0 {
                    return raise("ValueError");
                }
                CV::Range(a, b, s)
            }
            "abs" => match arg(&pos, 0)? {
                CV::Int(i) => CV::Int(i.checked_abs().ok_or_else(big)?),
                CV::Float(f) => CV::Float(f.abs()),
                CV::Bool(b) => CV::Int(*b as i64),
                _ => return raise("TypeError"),
            },
            "min" => self.extreme(pos, &kw, Ordering::Less)?,
            "max" => self.extreme(pos, &kw, Ordering::Greater)?,
            "sum" => {
                let items = self.iterate(arg(&pos, 0)?)?;
                let mut acc = pos.get(1).cloned().unwrap_or(CV::Int(0));
                for it in items {
                    acc = self.binop(BinOp::Add, &acc, &it)?;
                }
                acc
            }
            "any" | "all" => {
                let items = self.iterate(arg(&pos, 0)?)?;
                let want = name == "any";
                for it in items {
                    if self.truthy(&it)? == want {
                        return Ok(CV::Bool(want));
                    }
                }
                CV::Bool(!want)
            }
            "enumerate" => {
                let items = self.iterate(arg(&pos, 0)?)?;
                let start = match pos.get(1).or_else(|| kwarg(&kw, "start")) {
                    Some(v) => int(v).unwrap_or(0),
                    None => 0,
                };
                iter_of(
                    items
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| CV::tuple(vec![CV::Int(start + i as i64), v]))
                        .collect(),
                )
            }
            "zip" => {
                // The ends of the finite arguments bound what is read of
                // the endless ones (`zip(itertools.count(), xs)`).
                let endless = |v: &CV| matches!(v, CV::Iter(i) if i.borrow().endless.is_some());
                let mut bound = usize::MAX;
                let mut finite = Vec::new();
                for p in pos.iter().filter(|p| !endless(p)) {
                    let items = self.iterate(p)?;
                    bound = bound.min(items.len());
                    finite.push(items);
                }
                if bound == usize::MAX {
                    return unsupported("`zip` of endless iterators only");
                }
                let mut finite = finite.into_iter();
                let mut cols = Vec::new();
                for p in &pos {
                    cols.push(match p {
                        CV::Iter(i) if endless(p) => {
                            let mut i = i.borrow_mut();
                            (0..bound).filter_map(|_| i.next()).collect()
                        }
                        _ => finite.next().unwrap_or_default(),
                    });
                }
                let n = cols.iter().map(|c| c.len()).min().unwrap_or(0);
                iter_of(
                    (0..n)
                        .map(|i| CV::tuple(cols.iter().map(|c| c[i].clone()).collect()))
                        .collect(),
                )
            }
            "reversed" => {
                let mut items = self.iterate(arg(&pos, 0)?)?;
                items.reverse();
                iter_of(items)
            }
            "sorted" => {
                let mut items = self.iterate(arg(&pos, 0)?)?;
                let reverse = match kwarg(&kw, "reverse") {
                    Some(v) => self.truthy(&v.clone())?,
                    None => false,
                };
                self.sort_values(&mut items, kwarg(&kw, "key"), reverse)?;
                CV::list(items)
            }
            "list" => match pos.first() {
                Some(v) => CV::list(self.iterate(v)?),
                None => CV::list(Vec::new()),
            },
            // Bytes are their items, ints below 256: a `bytearray` is a
            // list of them (mutable), `bytes` a tuple. What the executor
            // counts does not depend on the bytes' text.
            "bytearray" | "bytes" => {
                let items = match pos.first() {
                    None => Vec::new(),
                    Some(CV::Int(n)) => {
                        let n = usize::try_from(*n).or_else(|_| raise("ValueError"))?;
                        if n > MAX_ITEMS {
                            return unsupported("a byte string too long to run");
                        }
                        self.alloc(n)?;
                        vec![CV::Int(0); n]
                    }
                    Some(CV::Str(_)) => return unsupported("text encoded to bytes"),
                    Some(v) => {
                        let items = self.iterate(v)?;
                        for b in &items {
                            match b {
                                CV::Int(0..=255) | CV::Bool(_) => {}
                                CV::Int(_) => return raise("ValueError"),
                                _ => return raise("TypeError"),
                            }
                        }
                        items
                    }
                };
                if name == "bytes" {
                    CV::tuple(items)
                } else {
                    CV::list(items)
                }
            }
            "tuple" => match pos.first() {
                Some(v) => CV::tuple(self.iterate(v)?),
                None => CV::tuple(Vec::new()),
            },
            "set" | "frozenset" => match pos.first() {
                Some(v) => {
                    let items = self.iterate(v)?;
                    let n = items.len();
                    let made = self.make_set(items)?;
                    // Each item a store, as a loop adding them would be:
                    // what is left is the distinct ones.
                    if let CV::Set(t) = &made {
                        let distinct = t.borrow().len();
                        self.note_set_keys(n as u64, distinct as u64);
                    }
                    made
                }
                None => self.make_set(Vec::new())?,
            },
            "dict" => {
                let mut t = Table::default();
                if let Some(src) = pos.first() {
                    let pairs: Vec<CV> = match src {
                        CV::Dict(d) => d
                            .borrow()
                            .items()
                            .map(|(k, v)| CV::tuple(vec![k.clone(), v.clone()]))
                            .collect(),
                        other => self.iterate(other)?,
                    };
                    for p in pairs {
                        let kv = self.iterate(&p)?;
                        if kv.len() != 2 {
                            return raise("ValueError");
                        }
                        let key = self.key(&kv[0])?;
                        t.insert(key, kv[0].clone(), kv[1].clone());
                    }
                }
                for (k, v) in kw {
                    t.insert(Key::Str(Rc::from(k.as_str())), CV::str(&k), v);
                }
                CV::Dict(Rc::new(RefCell::new(t)))
            }
            "int" => match pos.first() {
                None => CV::Int(0),
                Some(CV::Float(f)) => {
                    if !f.is_finite() {
                        return raise("OverflowError");
                    }
                    if f.abs() > 9.0e18 {
                        // A big integer, held as a float (see `int_binop`).
                        CV::Float(f.trunc())
                    } else {
                        CV::Int(f.trunc() as i64)
                    }
                }
                Some(CV::Str(s)) => match s.trim().parse::<i64>() {
                    Ok(i) => CV::Int(i),
                    Err(_) => return raise("ValueError"),
                },
                Some(v) => CV::Int(int(v).ok_or(Stop::Raised("TypeError".into()))?),
            },
            "float" => match pos.first() {
                None => CV::Float(0.0),
                Some(CV::Str(s)) => match s.trim() {
                    "inf" | "infinity" => CV::Float(f64::INFINITY),
                    "-inf" => CV::Float(f64::NEG_INFINITY),
                    t => match t.parse::<f64>() {
                        Ok(f) => CV::Float(f),
                        Err(_) => return raise("ValueError"),
                    },
                },
                Some(v) => CV::Float(num(v).ok_or(Stop::Raised("TypeError".into()))?),
            },
            "str" => CV::Str(Rc::from(
                pos.first()
                    .map(|v| v.display())
                    .unwrap_or_default()
                    .as_str(),
            )),
            "repr" => CV::Str(Rc::from(arg(&pos, 0)?.repr().as_str())),
            "bool" => match pos.first() {
                Some(v) => CV::Bool(self.truthy(&v.clone())?),
                None => CV::Bool(false),
            },
            "round" => {
                let x = num(arg(&pos, 0)?).ok_or(Stop::Raised("TypeError".into()))?;
                match pos.get(1) {
                    Some(CV::Int(d)) => {
                        let m = 10f64.powi(*d as i32);
                        CV::Float((x * m).round() / m)
                    }
                    _ => {
                        let r = x.round_ties_even();
                        if r.abs() > 9.0e18 {
                            return unsupported("big integers");
                        }
                        CV::Int(r as i64)
                    }
                }
            }
            "divmod" => {
                let q = self.binop(BinOp::FloorDiv, arg(&pos, 0)?, arg(&pos, 1)?)?;
                let r = self.binop(BinOp::Mod, arg(&pos, 0)?, arg(&pos, 1)?)?;
                CV::tuple(vec![q, r])
            }
            "pow" => self.binop(BinOp::Pow, arg(&pos, 0)?, arg(&pos, 1)?)?,
            "ord" => match arg(&pos, 0)? {
                CV::Str(s) if s.chars().count() == 1 => {
                    CV::Int(s.chars().next().map_or(0, |c| c as i64))
                }
                _ => return raise("TypeError"),
            },
            "chr" => {
                let c = char::from_u32(int_arg(&pos, 0)? as u32)
                    .ok_or(Stop::Raised("ValueError".into()))?;
                CV::Str(Rc::from(c.to_string().as_str()))
            }
            "isinstance" => CV::Bool(self.isinstance(arg(&pos, 0)?, arg(&pos, 1)?)),
            "getattr" | "hasattr" => {
                let CV::Str(name) = arg(&pos, 1)? else {
                    return raise("TypeError");
                };
                let name = name.clone();
                let obj = arg(&pos, 0)?.clone();
                match (
                    self.attribute(&obj, &name),
                    pos.get(2),
                    q.ends_with("hasattr"),
                ) {
                    (Ok(_), _, true) => CV::Bool(true),
                    (Err(Stop::Raised(e)), _, true) if e == "AttributeError" => CV::Bool(false),
                    (Ok(v), _, false) => v,
                    (Err(Stop::Raised(e)), Some(d), false) if e == "AttributeError" => d.clone(),
                    (Err(e), _, _) => return Err(e),
                }
            }
            "setattr" => {
                match arg(&pos, 0)? {
                    CV::Instance(i) => match arg(&pos, 1)? {
                        CV::Str(name) => {
                            i.attrs
                                .borrow_mut()
                                .insert(name.to_string(), arg(&pos, 2)?.clone());
                        }
                        _ => return raise("TypeError"),
                    },
                    _ => return unsupported("`setattr` on a non-instance"),
                }
                CV::None
            }
            "itertools.islice" => {
                let items =
                    self.leading(arg(&pos, 0)?, pos.get(if pos.len() == 2 { 1 } else { 2 }))?;
                let (start, stop, step) = match pos.len() {
                    2 => (0, pos[1].clone(), 1),
                    _ => (
                        int(arg(&pos, 1)?).unwrap_or(0).max(0) as usize,
                        arg(&pos, 2)?.clone(),
                        pos.get(3).and_then(int).unwrap_or(1).max(1) as usize,
                    ),
                };
                let stop = int(&stop).map_or(items.len(), |s| (s.max(0) as usize).min(items.len()));
                iter_of(
                    items
                        .into_iter()
                        .take(stop)
                        .skip(start)
                        .step_by(step)
                        .collect(),
                )
            }
            "hash" => {
                let k = self.key(arg(&pos, 0)?)?;
                use std::hash::{Hash, Hasher};
                let mut h = std::collections::hash_map::DefaultHasher::new();
                k.hash(&mut h);
                CV::Int((h.finish() >> 2) as i64)
            }
            "iter" => iter_of(self.iterate(arg(&pos, 0)?)?),
            "next" => match arg(&pos, 0)? {
                CV::Iter(it) => {
                    let next = it.borrow_mut().next();
                    match next {
                        Some(v) => v,
                        None => match pos.get(1) {
                            Some(d) => d.clone(),
                            None => return raise("StopIteration"),
                        },
                    }
                }
                _ => return raise("TypeError"),
            },
            "map" => {
                let f = arg(&pos, 0)?.clone();
                let mut cols = Vec::new();
                for p in &pos[1..] {
                    cols.push(self.iterate(p)?);
                }
                let n = cols.iter().map(|c| c.len()).min().unwrap_or(0);
                let mut out = Vec::with_capacity(n);
                for i in 0..n {
                    let args = cols.iter().map(|c| c[i].clone()).collect();
                    out.push(self.call(&f, args, Vec::new())?);
                }
                iter_of(out)
            }
            "filter" => {
                let f = arg(&pos, 0)?.clone();
                let items = self.iterate(arg(&pos, 1)?)?;
                let mut out = Vec::new();
                for it in items {
                    let keep = if matches!(f, CV::None) {
                        it.clone()
                    } else {
                        self.call(&f, vec![it.clone()], Vec::new())?
                    };
                    if self.truthy(&keep)? {
                        out.push(it);
                    }
                }
                iter_of(out)
            }
            "print" | "object.__init__" => CV::None,
            "id" => CV::Int(key_id(arg(&pos, 0)?)),
            "heapq.heappush" => {
                let CV::List(h) = arg(&pos, 0)? else {
                    return raise("TypeError");
                };
                let h = h.clone();
                h.borrow_mut().push(arg(&pos, 1)?.clone());
                let n = h.borrow().len();
                self.sift_down(&h, 0, n - 1)?;
                CV::None
            }
            "heapq.heappop" => {
                let CV::List(h) = arg(&pos, 0)? else {
                    return raise("TypeError");
                };
                let h = h.clone();
                self.heap_pop(&h)?
            }
            "heapq.heapify" => {
                let CV::List(h) = arg(&pos, 0)? else {
                    return raise("TypeError");
                };
                let h = h.clone();
                let n = h.borrow().len();
                for i in (0..n / 2).rev() {
                    self.sift_up(&h, i)?;
                }
                CV::None
            }
            "heapq.heappushpop" | "heapq.heapreplace" => {
                let CV::List(h) = arg(&pos, 0)? else {
                    return raise("TypeError");
                };
                let h = h.clone();
                let item = arg(&pos, 1)?.clone();
                if name == "heapq.heappushpop" {
                    let first = h.borrow().first().cloned();
                    match first {
                        Some(top) if self.order(&top, &item)? == Ordering::Less => {
                            h.borrow_mut()[0] = item;
                            self.sift_up(&h, 0)?;
                            top
                        }
                        _ => item,
                    }
                } else {
                    let top = h
                        .borrow()
                        .first()
                        .cloned()
                        .ok_or(Stop::Raised("IndexError".into()))?;
                    h.borrow_mut()[0] = item;
                    self.sift_up(&h, 0)?;
                    top
                }
            }
            "bisect.bisect_left"
            | "bisect.bisect_right"
            | "bisect.bisect"
            | "bisect.insort"
            | "bisect.insort_left"
            | "bisect.insort_right" => {
                let CV::List(l) = arg(&pos, 0)? else {
                    return raise("TypeError");
                };
                let l = l.clone();
                let x = arg(&pos, 1)?.clone();
                let right = !name.ends_with("left");
                let (mut lo, mut hi) = (0usize, l.borrow().len());
                while lo < hi {
                    let mid = (lo + hi) / 2;
                    // A comparison that ran user code may have shrunk it.
                    let Some(m) = l.borrow().get(mid).cloned() else {
                        return raise("IndexError");
                    };
                    let o = self.order(&x, &m)?;
                    if o == Ordering::Less || (!right && o == Ordering::Equal) {
                        hi = mid;
                    } else {
                        lo = mid + 1;
                    }
                }
                if name.starts_with("bisect.insort") {
                    self.step(l.borrow().len() as u64 / 32)?;
                    l.borrow_mut().insert(lo, x);
                    CV::None
                } else {
                    CV::Int(lo as i64)
                }
            }
            "collections.deque" => {
                let items = match pos.first() {
                    Some(v) => self.iterate(v)?,
                    None => Vec::new(),
                };
                let l = Rc::new(RefCell::new(items));
                match pos.get(1).or_else(|| kwarg(&kw, "maxlen")) {
                    None | Some(CV::None) => {}
                    Some(CV::Int(n)) if *n >= 0 => {
                        self.maxlens
                            .insert(Rc::as_ptr(&l) as usize, (l.clone(), *n as usize));
                        self.trim(&l, true);
                    }
                    Some(_) => return raise("ValueError"),
                }
                CV::List(l)
            }
            "collections.defaultdict" => {
                let t =
                    Table::with_default(pos.first().cloned().filter(|f| !matches!(f, CV::None)));
                CV::Dict(Rc::new(RefCell::new(t)))
            }
            "collections.Counter" => {
                let mut t = Table::with_default(Some(CV::Lib(Rc::from("builtins.int"))));
                t.counter = true;
                let d = Rc::new(RefCell::new(t));
                if let Some(src) = pos.first() {
                    self.count_into(&d, src)?;
                }
                CV::Dict(d)
            }
            "collections.OrderedDict" => CV::Dict(Rc::new(RefCell::new(Table::default()))),
            "itertools.permutations" | "itertools.combinations" => {
                let items = self.iterate(arg(&pos, 0)?)?;
                let r = match pos.get(1) {
                    Some(v) => int(v).unwrap_or(items.len() as i64) as usize,
                    None => items.len(),
                };
                let mut out = Vec::new();
                let mut cur = Vec::new();
                let mut used = vec![false; items.len()];
                self.arrange(
                    &items,
                    r,
                    name.ends_with("permutations"),
                    0,
                    &mut used,
                    &mut cur,
                    &mut out,
                )?;
                iter_of(out)
            }
            "itertools.product" => {
                let repeat = kwarg(&kw, "repeat").and_then(int).unwrap_or(1).max(0) as usize;
                let mut pools = Vec::new();
                for _ in 0..repeat {
                    for p in &pos {
                        pools.push(self.iterate(p)?);
                    }
                }
                let mut out: Vec<Vec<CV>> = vec![Vec::new()];
                for pool in pools {
                    let mut next = Vec::new();
                    for prefix in &out {
                        for it in &pool {
                            let mut p = prefix.clone();
                            p.push(it.clone());
                            next.push(p);
                        }
                    }
                    if next.len() > MAX_ITEMS {
                        return unsupported("a product too big to run");
                    }
                    self.step(next.len() as u64)?;
                    out = next;
                }
                iter_of(out.into_iter().map(CV::tuple).collect())
            }
            "itertools.chain" => {
                let mut out = Vec::new();
                for p in &pos {
                    out.extend(self.iterate(p)?);
                }
                iter_of(out)
            }
            // A getter is its arguments, bound to the getter's name: called
            // on an object, it reads them from it.
            "operator.itemgetter" | "operator.attrgetter" if !pos.is_empty() => {
                CV::BMethod(Box::new(CV::tuple(pos)), Rc::from(q))
            }
            "operator.add" | "operator.sub" | "operator.mul" | "operator.truediv"
            | "operator.floordiv" | "operator.mod" | "operator.pow" | "operator.and_"
            | "operator.or_" | "operator.xor" => {
                let op = match q {
                    "operator.add" => BinOp::Add,
                    "operator.sub" => BinOp::Sub,
                    "operator.mul" => BinOp::Mul,
                    "operator.truediv" => BinOp::Div,
                    "operator.floordiv" => BinOp::FloorDiv,
                    "operator.mod" => BinOp::Mod,
                    "operator.pow" => BinOp::Pow,
                    "operator.and_" => BinOp::BitAnd,
                    "operator.or_" => BinOp::BitOr,
                    _ => BinOp::BitXor,
                };
                self.binop(op, arg(&pos, 0)?, arg(&pos, 1)?)?
            }
            "operator.lt" | "operator.le" | "operator.gt" | "operator.ge" | "operator.eq"
            | "operator.ne" => {
                let op = match q {
                    "operator.lt" => CmpOp::Lt,
                    "operator.le" => CmpOp::LtE,
                    "operator.gt" => CmpOp::Gt,
                    "operator.ge" => CmpOp::GtE,
                    "operator.eq" => CmpOp::Eq,
                    _ => CmpOp::NotEq,
                };
                CV::Bool(self.compare(op, arg(&pos, 0)?, arg(&pos, 1)?)?)
            }
            "operator.neg" => self.binop(BinOp::Sub, &CV::Int(0), arg(&pos, 0)?)?,
            "copy.deepcopy" => self.deep_copy(arg(&pos, 0)?, &mut HashMap::new(), 0)?,
            "copy.copy" => self.shallow_copy(arg(&pos, 0)?)?,
            "functools.reduce" => {
                let f = arg(&pos, 0)?.clone();
                let mut items = self.iterate(arg(&pos, 1)?)?.into_iter();
                let mut acc = match pos.get(2) {
                    Some(v) => v.clone(),
                    None => items.next().ok_or(Stop::Raised("TypeError".into()))?,
                };
                for it in items {
                    acc = self.call(&f, vec![acc, it], Vec::new())?;
                }
                acc
            }
            "argparse.ArgumentParser" => CV::Parser(Rc::new(RefCell::new(Parser::default()))),
            "vars" => match arg(&pos, 0)? {
                CV::Namespace(ns) => {
                    let mut t = Table::default();
                    for (k, v) in ns.borrow().iter() {
                        t.insert(Key::Str(Rc::from(k.as_str())), CV::str(k), v.clone());
                    }
                    CV::Dict(Rc::new(RefCell::new(t)))
                }
                _ => return unsupported("`vars` of an object"),
            },
            // The run has no clock: what it counts does not depend on one.
            "time.time" | "time.perf_counter" | "time.monotonic" | "time.process_time" => {
                CV::Float(0.0)
            }
            "sys.exit" => return raise("SystemExit"),
            // Settings of the interpreter that change nothing counted.
            "sys.setrecursionlimit"
            | "gc.disable"
            | "gc.enable"
            | "gc.collect"
            | "gc.freeze"
            | "warnings.filterwarnings"
            | "warnings.simplefilter"
            | "random.seed" => CV::None,
            "random.Random" => CV::Rng(Rc::new(RefCell::new(Rng::new(
                pos.first().and_then(int).unwrap_or(1) as u64,
            )))),
            _ => match self.call_stdlib(q, &pos, &kw)? {
                Some(v) => v,
                None => self.unmodelled(q, &pos, &kw)?,
            },
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn arrange(
        &mut self,
        items: &[CV],
        r: usize,
        perm: bool,
        start: usize,
        used: &mut Vec<bool>,
        cur: &mut Vec<CV>,
        out: &mut Vec<CV>,
    ) -> Result<(), Stop> {
        if cur.len() == r {
            if out.len() >= MAX_ITEMS {
                return unsupported("too many arrangements to run");
            }
            self.step(1 + r as u64 / 4)?;
            out.push(CV::tuple(cur.clone()));
            return Ok(());
        }
        let from = if perm { 0 } else { start };
        for i in from..items.len() {
            if used[i] {
                continue;
            }
            used[i] = true;
            cur.push(items[i].clone());
            self.arrange(items, r, perm, i + 1, used, cur, out)?;
            cur.pop();
            used[i] = false;
        }
        Ok(())
    }

    fn count_into(&mut self, d: &Rc<RefCell<Table>>, src: &CV) -> Result<(), Stop> {
        let items = self.iterate(src)?;
        for it in items {
            let k = self.key(&it)?;
            let old = d.borrow().get(&k).and_then(int);
            // Each item is a store, a new key or not, as in a counting loop.
            self.note_key(old.is_none());
            d.borrow_mut().insert(k, it, CV::Int(old.unwrap_or(0) + 1));
        }
        Ok(())
    }

    fn heap_pop(&mut self, h: &Rc<RefCell<Vec<CV>>>) -> Result<CV, Stop> {
        let last = h
            .borrow_mut()
            .pop()
            .ok_or(Stop::Raised("IndexError".into()))?;
        if h.borrow().is_empty() {
            return Ok(last);
        }
        let top = std::mem::replace(&mut h.borrow_mut()[0], last);
        self.sift_up(h, 0)?;
        Ok(top)
    }

    /// Moves the item at `pos` up towards `start` (heapq's `_siftdown`).
    fn sift_down(
        &mut self,
        h: &Rc<RefCell<Vec<CV>>>,
        start: usize,
        mut pos: usize,
    ) -> Result<(), Stop> {
        while pos > start {
            let parent = (pos - 1) / 2;
            let (a, b) = (h.borrow()[pos].clone(), h.borrow()[parent].clone());
            self.step(1)?;
            // A comparison that ran user code may have changed the heap.
            if self.order(&a, &b)? == Ordering::Less && pos < h.borrow().len() {
                h.borrow_mut().swap(pos, parent);
                pos = parent;
            } else {
                break;
            }
        }
        Ok(())
    }

    /// Moves the item at `pos` down to its place (heapq's `_siftup`).
    fn sift_up(&mut self, h: &Rc<RefCell<Vec<CV>>>, mut pos: usize) -> Result<(), Stop> {
        let n = h.borrow().len();
        loop {
            let l = 2 * pos + 1;
            if l >= n {
                return Ok(());
            }
            let mut c = l;
            if l + 1 < n {
                let (a, b) = (h.borrow()[l + 1].clone(), h.borrow()[l].clone());
                if self.order(&a, &b)? == Ordering::Less {
                    c = l + 1;
                }
            }
            let (a, b) = (h.borrow()[c].clone(), h.borrow()[pos].clone());
            self.step(1)?;
            if self.order(&a, &b)? == Ordering::Less && c < h.borrow().len() {
                h.borrow_mut().swap(c, pos);
                pos = c;
            } else {
                return Ok(());
            }
        }
    }

    fn isinstance(&self, v: &CV, t: &CV) -> bool {
        match t {
            CV::Tuple(ts) => ts.iter().any(|t| self.isinstance(v, t)),
            CV::Class(c) => match v {
                CV::Instance(i) => {
                    fn derives(a: &crate::value::ClassVal, c: &crate::value::ClassVal) -> bool {
                        std::ptr::eq(a, c)
                            || a.name == c.name && a.def.span == c.def.span
                            || a.bases.iter().any(
                                |b| matches!(b, crate::value::Value::Class(b) if derives(b, c)),
                            )
                    }
                    derives(&i.class, c)
                }
                _ => false,
            },
            CV::Lib(q) => {
                let name = q.strip_prefix("builtins.").unwrap_or(q);
                match name {
                    "int" => matches!(v, CV::Int(_) | CV::Bool(_)),
                    "float" => matches!(v, CV::Float(_)),
                    "str" => matches!(v, CV::Str(_)),
                    "list" => matches!(v, CV::List(_)),
                    "tuple" => matches!(v, CV::Tuple(_)),
                    "dict" => matches!(v, CV::Dict(_)),
                    "set" | "frozenset" => matches!(v, CV::Set(_)),
                    "bool" => matches!(v, CV::Bool(_)),
                    _ => false,
                }
            }
            _ => false,
        }
    }

    pub(super) fn length(&mut self, v: &CV) -> Result<usize, Stop> {
        Ok(match v {
            CV::Opaque(q) => return unsupported(format!("the length of what `{q}` returned")),
            CV::List(l) => l.borrow().len(),
            CV::Tuple(t) => t.len(),
            CV::Str(s) => s.chars().count(),
            CV::Dict(d) | CV::Set(d) => d.borrow().len(),
            CV::Range(..) => range_len(v),
            CV::Instance(_) if self.record_items(v).is_some() => {
                self.record_items(v).map_or(0, |items| items.len())
            }
            CV::Instance(_) => {
                let n = self.dunder(v, "__len__", Vec::new())?;
                int(&n).ok_or(Stop::Raised("TypeError".into()))? as usize
            }
            _ => return raise("TypeError"),
        })
    }

    fn rng_method(
        &mut self,
        rng: &Rc<RefCell<Rng>>,
        m: &str,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
    ) -> Result<CV, Stop> {
        let mut g = rng.borrow_mut();
        Ok(match m {
            "random" => CV::Float(g.random()),
            "seed" => CV::None,
            "uniform" => {
                let a = num(arg(&pos, 0)?).unwrap_or(0.0);
                let b = num(arg(&pos, 1)?).unwrap_or(1.0);
                CV::Float(a + (b - a) * g.random())
            }
            "randint" | "randrange" => {
                let (a, b, s) = match (m, pos.len()) {
                    ("randint", _) => (int_arg(&pos, 0)?, int_arg(&pos, 1)? + 1, 1),
                    (_, 1) => (0, int_arg(&pos, 0)?, 1),
                    (_, 2) => (int_arg(&pos, 0)?, int_arg(&pos, 1)?, 1),
                    _ => (int_arg(&pos, 0)?, int_arg(&pos, 1)?, int_arg(&pos, 2)?),
                };
                let n = range_len(&CV::Range(a, b, s));
                if n == 0 {
                    return raise("ValueError");
                }
                CV::Int(a + s * g.below(n as u64) as i64)
            }
            "gauss" | "normalvariate" => {
                let mu = pos.first().and_then(num).unwrap_or(0.0);
                let sigma = pos.get(1).and_then(num).unwrap_or(1.0);
                CV::Float(mu + sigma * g.gauss())
            }
            "expovariate" => {
                let lambda = pos.first().and_then(num).unwrap_or(1.0);
                CV::Float(-(1.0 - g.random()).ln() / lambda)
            }
            "paretovariate" => {
                let alpha = pos.first().and_then(num).unwrap_or(1.0);
                CV::Float((1.0 - g.random()).powf(-1.0 / alpha))
            }
            "getrandbits" => {
                let k = int_arg(&pos, 0)?.clamp(0, 62);
                CV::Int((g.next_u64() >> (64 - k.max(1))) as i64)
            }
            "choice" => {
                // Picked by index, as CPython does: a list is not copied
                // (a choice from a vocabulary in a loop would copy it at
                // every pick).
                let seq = arg(&pos, 0)?;
                let n = match seq {
                    CV::List(l) => l.borrow().len(),
                    CV::Tuple(t) => t.len(),
                    CV::Range(..) => range_len(seq),
                    _ => {
                        drop(g);
                        let items = self.seq_items(seq)?;
                        if items.is_empty() {
                            return raise("IndexError");
                        }
                        let i = rng.borrow_mut().below(items.len() as u64) as usize;
                        return Ok(items[i].clone());
                    }
                };
                if n == 0 {
                    return raise("IndexError");
                }
                let i = g.below(n as u64) as usize;
                match seq {
                    CV::List(l) => l.borrow()[i].clone(),
                    CV::Tuple(t) => t[i].clone(),
                    CV::Range(a, _, st) => CV::Int(a + st * i as i64),
                    _ => unreachable!("matched above"),
                }
            }
            "shuffle" => {
                let CV::List(l) = arg(&pos, 0)? else {
                    return raise("TypeError");
                };
                let mut l = l.borrow_mut();
                let n = l.len();
                for i in (1..n).rev() {
                    let j = g.below(i as u64 + 1) as usize;
                    l.swap(i, j);
                }
                drop(l);
                drop(g);
                self.step(n as u64 / 2)?;
                CV::None
            }
            "choices" => {
                drop(g);
                let items = self.seq_items(arg(&pos, 0)?)?;
                let named = |n: &str| kw.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
                // `choices(population, weights=None, *, cum_weights=None, k=1)`.
                let k = named("k").and_then(|v| int(&v)).unwrap_or(1).max(0) as usize;
                let cumulative = match (
                    pos.get(1).cloned().or_else(|| named("weights")),
                    named("cum_weights"),
                ) {
                    (Some(w), _) if !matches!(w, CV::None) => {
                        let mut acc = 0.0;
                        let mut out = Vec::new();
                        for x in self.seq_items(&w)? {
                            acc += num(&x).ok_or(Stop::Raised("TypeError".into()))?;
                            out.push(acc);
                        }
                        Some(out)
                    }
                    (_, Some(c)) if !matches!(c, CV::None) => Some(
                        self.seq_items(&c)?
                            .iter()
                            .map(|x| num(x).ok_or(Stop::Raised("TypeError".into())))
                            .collect::<Result<Vec<f64>, Stop>>()?,
                    ),
                    _ => None,
                };
                if items.is_empty() {
                    return raise("IndexError");
                }
                self.step(k as u64)?;
                let mut g = rng.borrow_mut();
                let picks = match cumulative {
                    Some(cum) => {
                        let total = cum.last().copied().unwrap_or(0.0);
                        if cum.len() != items.len() || total.is_nan() || total <= 0.0 {
                            return raise("ValueError");
                        }
                        (0..k)
                            .map(|_| {
                                let x = g.random() * total;
                                let i = cum.partition_point(|c| *c <= x).min(items.len() - 1);
                                items[i].clone()
                            })
                            .collect()
                    }
                    None => (0..k)
                        .map(|_| items[g.below(items.len() as u64) as usize].clone())
                        .collect(),
                };
                CV::list(picks)
            }
            "sample" => {
                drop(g);
                let items = self.seq_items(arg(&pos, 0)?)?;
                let k = match pos.get(1) {
                    Some(v) => int(v).unwrap_or(1).max(0) as usize,
                    None => 1,
                };
                let mut g = rng.borrow_mut();
                if k > items.len() {
                    return raise("ValueError");
                }
                let mut idx: Vec<usize> = (0..items.len()).collect();
                for i in 0..k {
                    let j = i + g.below((items.len() - i) as u64) as usize;
                    idx.swap(i, j);
                }
                CV::list(idx[..k].iter().map(|&i| items[i].clone()).collect())
            }
            _ => return unsupported(format!("`random.{m}`")),
        })
    }

    fn seq_items(&mut self, v: &CV) -> Result<Vec<CV>, Stop> {
        match v {
            CV::Range(..) if range_len(v) > MAX_ITEMS => unsupported("a range too long"),
            CV::Dict(_) | CV::Set(_) => raise("TypeError"),
            _ => self.iterate(v),
        }
    }

    // ----- methods of built-in types -----

    pub(super) fn call_method(
        &mut self,
        recv: &CV,
        m: &str,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
    ) -> Result<CV, Stop> {
        match recv {
            CV::List(l) => self.list_method(l, m, pos, kw),
            CV::Dict(d) => self.dict_method(d, m, pos),
            CV::Set(s) => self.set_method(s, m, pos),
            CV::Str(s) => self.str_method(s, m, pos, kw),
            CV::Rng(r) => {
                let r = r.clone();
                self.rng_method(&r, m, pos, kw)
            }
            CV::Parser(p) => {
                let p = p.clone();
                self.parser_method(&p, m, pos, kw)
            }
            CV::Tuple(t) => match m {
                "operator.itemgetter" | "operator.attrgetter" => {
                    let obj = arg(&pos, 0)?;
                    let mut got = Vec::with_capacity(t.len());
                    for k in t.iter() {
                        got.push(if m == "operator.itemgetter" {
                            self.item(obj, k)?
                        } else {
                            let CV::Str(path) = k else {
                                return raise("TypeError");
                            };
                            let mut v = obj.clone();
                            for part in path.split('.') {
                                v = self.attribute(&v, part)?;
                            }
                            v
                        });
                    }
                    Ok(match got.len() {
                        1 => got.pop().unwrap_or(CV::None),
                        _ => CV::tuple(got),
                    })
                }
                "index" | "count" => {
                    let l = Rc::new(RefCell::new((**t).clone()));
                    self.list_method(&l, m, pos, kw)
                }
                _ => unsupported(format!("`tuple.{m}`")),
            },
            CV::Regex(p) => {
                let p = p.clone();
                self.regex_method(&p, m, &pos, &kw)
            }
            CV::Time(t) => self.time_method(*t, m, pos, kw),
            CV::Opaque(q) => {
                let q = format!("{q}.{m}");
                self.opaque_call(&q, &pos, &kw)
            }
            CV::Match(f) => {
                let f = f.clone();
                self.match_method(&f, m, pos)
            }
            CV::Instance(_) if m == "_asdict" || m == "_replace" => {
                let (Some(items), CV::Instance(i)) = (self.record_items(recv), recv) else {
                    return unsupported(format!("method `{m}` of an object"));
                };
                let mut fields = Vec::new();
                crate::value::record_fields(&i.class, &mut fields);
                if m == "_asdict" {
                    let mut t = Table::default();
                    for ((name, _), v) in fields.iter().zip(items) {
                        t.insert(Key::Str(Rc::from(name.as_str())), CV::str(name), v);
                    }
                    return Ok(CV::Dict(Rc::new(RefCell::new(t))));
                }
                let mut attrs = i.attrs.borrow().clone();
                for (k, v) in kw {
                    if !fields.iter().any(|(n, _)| *n == k) {
                        return raise("ValueError");
                    }
                    attrs.insert(k, v);
                }
                Ok(CV::Instance(Rc::new(Inst {
                    class: i.class.clone(),
                    attrs: RefCell::new(attrs),
                })))
            }
            CV::Float(f) if m == "is_integer" => Ok(CV::Bool(f.fract() == 0.0)),
            CV::Int(i) if m == "bit_length" => {
                Ok(CV::Int(64 - i.unsigned_abs().leading_zeros() as i64))
            }
            _ => unsupported(format!("method `{m}` of a {}", recv.type_name())),
        }
    }

    /// A deque with a `maxlen` grown past it loses items from the end
    /// opposite the one added to (`front` when added at the back).
    fn trim(&mut self, l: &Rc<RefCell<Vec<CV>>>, front: bool) {
        let Some((_, max)) = self.maxlens.get(&(Rc::as_ptr(l) as usize)) else {
            return;
        };
        let mut v = l.borrow_mut();
        let over = v.len().saturating_sub(*max);
        if over > 0 {
            match front {
                true => drop(v.drain(..over)),
                false => v.truncate(*max),
            }
        }
    }

    fn list_method(
        &mut self,
        l: &Rc<RefCell<Vec<CV>>>,
        m: &str,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
    ) -> Result<CV, Stop> {
        Ok(match m {
            "append" => {
                if l.borrow().len() >= MAX_ITEMS {
                    return unsupported("a list too big to run");
                }
                l.borrow_mut().push(arg(&pos, 0)?.clone());
                self.trim(l, true);
                CV::None
            }
            "appendleft" => {
                self.step(l.borrow().len() as u64 / 64)?;
                l.borrow_mut().insert(0, arg(&pos, 0)?.clone());
                self.trim(l, false);
                CV::None
            }
            "extend" => {
                let items = self.iterate(arg(&pos, 0)?)?;
                if l.borrow().len() + items.len() > MAX_ITEMS {
                    return unsupported("a list too big to run");
                }
                l.borrow_mut().extend(items);
                self.trim(l, true);
                CV::None
            }
            "pop" => {
                let n = l.borrow().len();
                if n == 0 {
                    return raise("IndexError");
                }
                let i = match pos.first() {
                    Some(v) => self.index_of(v, n)?,
                    None => n - 1,
                };
                self.step((n - i) as u64 / 64)?;
                l.borrow_mut().remove(i)
            }
            "popleft" => {
                if l.borrow().is_empty() {
                    return raise("IndexError");
                }
                self.step(l.borrow().len() as u64 / 64)?;
                l.borrow_mut().remove(0)
            }
            "insert" => {
                let n = l.borrow().len() as i64;
                let i = int_arg(&pos, 0)?;
                let i = if i < 0 {
                    i.saturating_add(n).max(0)
                } else {
                    i.min(n)
                } as usize;
                self.step((n as u64).saturating_sub(i as u64) / 64)?;
                l.borrow_mut().insert(i, arg(&pos, 1)?.clone());
                CV::None
            }
            "remove" | "index" | "count" => {
                let x = arg(&pos, 0)?.clone();
                let items = l.borrow().clone();
                self.step(items.len() as u64 / 4)?;
                let mut found = None;
                let mut count = 0;
                for (i, it) in items.iter().enumerate() {
                    if self.equal(it, &x)? {
                        count += 1;
                        if found.is_none() {
                            found = Some(i);
                            if m != "count" {
                                break;
                            }
                        }
                    }
                }
                match (m, found) {
                    ("count", _) => CV::Int(count),
                    ("index", Some(i)) => CV::Int(i as i64),
                    ("remove", Some(i)) => {
                        l.borrow_mut().remove(i);
                        CV::None
                    }
                    _ => return raise("ValueError"),
                }
            }
            "sort" => {
                let mut items = l.borrow().clone();
                let reverse = match kwarg(&kw, "reverse") {
                    Some(v) => self.truthy(&v.clone())?,
                    None => false,
                };
                self.sort_values(&mut items, kwarg(&kw, "key"), reverse)?;
                *l.borrow_mut() = items;
                CV::None
            }
            "reverse" => {
                l.borrow_mut().reverse();
                CV::None
            }
            "copy" => CV::list(l.borrow().clone()),
            "clear" => {
                l.borrow_mut().clear();
                CV::None
            }
            _ => return unsupported(format!("`list.{m}`")),
        })
    }

    fn dict_method(&mut self, d: &Rc<RefCell<Table>>, m: &str, pos: Vec<CV>) -> Result<CV, Stop> {
        let key = |this: &mut Self, i: usize| -> Result<(Key, CV), Stop> {
            let v = arg(&pos, i)?.clone();
            let k = this.key(&v)?;
            Ok((k, v))
        };
        Ok(match m {
            "get" => {
                let (k, _) = key(self, 0)?;
                let v = d.borrow().get(&k).cloned();
                v.unwrap_or_else(|| pos.get(1).cloned().unwrap_or(CV::None))
            }
            "setdefault" => {
                let (k, kv) = key(self, 0)?;
                let cur = d.borrow().get(&k).cloned();
                self.note_key(cur.is_none());
                match cur {
                    Some(v) => v,
                    None => {
                        let v = pos.get(1).cloned().unwrap_or(CV::None);
                        d.borrow_mut().insert(k, kv, v.clone());
                        v
                    }
                }
            }
            "pop" => {
                let (k, _) = key(self, 0)?;
                let v = d.borrow_mut().remove(&k);
                match (v, pos.get(1)) {
                    (Some((_, v)), _) => v,
                    (None, Some(default)) => default.clone(),
                    (None, None) => return raise("KeyError"),
                }
            }
            "popitem" => match d.borrow_mut().pop_last() {
                Some((k, v)) => CV::tuple(vec![k, v]),
                None => return raise("KeyError"),
            },
            // A keys view is set-like (`seen |= d.keys()`, `a.keys() &
            // b.keys()`): a set of the same keys, in the dict's order.
            "keys" => {
                let t = d.borrow();
                self.step(t.len() as u64 / 8)?;
                let mut out = Table::default();
                for (key, (k, _)) in t.keyed_items() {
                    out.insert(key.clone(), k.clone(), CV::None);
                }
                CV::Set(Rc::new(RefCell::new(out)))
            }
            "values" | "items" => {
                let t = d.borrow();
                self.step(t.len() as u64 / 8)?;
                let out: Vec<CV> = t
                    .items()
                    .map(|(k, v)| match m {
                        "values" => v.clone(),
                        _ => CV::tuple(vec![k.clone(), v.clone()]),
                    })
                    .collect();
                CV::list(out)
            }
            "update" => {
                match arg(&pos, 0)? {
                    CV::Dict(src) => {
                        let items: Vec<(CV, CV)> = src.borrow().items().cloned().collect();
                        for (kv, v) in items {
                            let k = self.key(&kv)?;
                            d.borrow_mut().insert(k, kv, v);
                        }
                    }
                    other => {
                        // A Counter's update counts; a dict's takes pairs.
                        if d.borrow()
                            .default
                            .as_ref()
                            .is_some_and(|f| matches!(f, CV::Lib(q) if &**q == "builtins.int"))
                        {
                            let other = other.clone();
                            self.count_into(d, &other)?;
                        } else {
                            return unsupported("`dict.update` from pairs");
                        }
                    }
                }
                CV::None
            }
            "copy" => {
                let t = d.borrow();
                let mut out = Table::with_default(t.default.clone());
                for (kv, v) in t.items() {
                    let k = self.key(kv)?;
                    out.insert(k, kv.clone(), v.clone());
                }
                CV::Dict(Rc::new(RefCell::new(out)))
            }
            "clear" => {
                d.borrow_mut().clear();
                CV::None
            }
            "most_common" => {
                let mut items: Vec<CV> = d
                    .borrow()
                    .items()
                    .map(|(k, v)| CV::tuple(vec![k.clone(), v.clone()]))
                    .collect();
                let mut pairs: Vec<(i64, CV)> = items
                    .drain(..)
                    .map(|p| match &p {
                        CV::Tuple(t) => (int(&t[1]).unwrap_or(0), p.clone()),
                        _ => (0, p.clone()),
                    })
                    .collect();
                pairs.sort_by_key(|p| std::cmp::Reverse(p.0));
                let n = pos
                    .first()
                    .and_then(int)
                    .map_or(pairs.len(), |n| n.max(0) as usize);
                CV::list(pairs.into_iter().take(n).map(|(_, p)| p).collect())
            }
            _ => return unsupported(format!("`dict.{m}`")),
        })
    }

    fn set_method(&mut self, s: &Rc<RefCell<Table>>, m: &str, pos: Vec<CV>) -> Result<CV, Stop> {
        Ok(match m {
            "add" => {
                let v = arg(&pos, 0)?.clone();
                let k = self.key(&v)?;
                let new = s.borrow().get(&k).is_none();
                self.note_set_keys(1, u64::from(new));
                s.borrow_mut().insert(k, v, CV::None);
                CV::None
            }
            "remove" | "discard" => {
                let k = self.key(arg(&pos, 0)?)?;
                if s.borrow_mut().remove(&k).is_none() && m == "remove" {
                    return raise("KeyError");
                }
                CV::None
            }
            "pop" => match s.borrow_mut().pop_last() {
                Some((k, _)) => k,
                None => return raise("KeyError"),
            },
            "update" => {
                for p in &pos {
                    for v in self.iterate(p)? {
                        let k = self.key(&v)?;
                        s.borrow_mut().insert(k, v, CV::None);
                    }
                }
                CV::None
            }
            "copy" => {
                let items: Vec<CV> = s.borrow().items().map(|(k, _)| k.clone()).collect();
                self.make_set(items)?
            }
            "union" | "intersection" | "difference" => {
                let other = self.iterate(arg(&pos, 0)?)?;
                let other = self.make_set(other)?;
                let op = match m {
                    "union" => BinOp::BitOr,
                    "intersection" => BinOp::BitAnd,
                    _ => BinOp::Sub,
                };
                self.binop(op, &CV::Set(s.clone()), &other)?
            }
            "issubset" => {
                let other = self.iterate(arg(&pos, 0)?)?;
                let other = self.make_set(other)?;
                let CV::Set(o) = other else {
                    return raise("TypeError");
                };
                let o = o.borrow();
                CV::Bool(s.borrow().keyed_items().all(|(k, _)| o.contains(k)))
            }
            "clear" => {
                s.borrow_mut().clear();
                CV::None
            }
            _ => return unsupported(format!("`set.{m}`")),
        })
    }

    fn str_method(
        &mut self,
        s: &Rc<str>,
        m: &str,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
    ) -> Result<CV, Stop> {
        self.step(s.len() as u64 / 32)?;
        let text = |v: &CV| -> Result<Rc<str>, Stop> {
            match v {
                CV::Str(t) => Ok(t.clone()),
                _ => raise("TypeError"),
            }
        };
        // `strip(chars)`: the characters to strip, or whitespace.
        let strip_set = |pos: &[CV]| -> Result<Option<Vec<char>>, Stop> {
            match pos.first() {
                None | Some(CV::None) => Ok(None),
                Some(v) => Ok(Some(text(v)?.chars().collect())),
            }
        };
        // `startswith(("a", "b"))` takes a tuple of prefixes.
        let affixes = |v: &CV| -> Result<Vec<Rc<str>>, Stop> {
            match v {
                CV::Tuple(items) => items.iter().map(text).collect(),
                other => Ok(vec![text(other)?]),
            }
        };
        let char_index = |b: usize| s[..b].chars().count() as i64;
        let width = |pos: &[CV]| -> Result<usize, Stop> { Ok(int_arg(pos, 0)?.max(0) as usize) };
        let fill = |pos: &[CV]| -> Result<char, Stop> {
            match pos.get(1) {
                Some(v) => text(v)?
                    .chars()
                    .next()
                    .ok_or(Stop::Raised("TypeError".into())),
                None => Ok(' '),
            }
        };
        let len = s.chars().count();
        Ok(match m {
            "split" | "rsplit" => {
                let sep = match pos.first().or_else(|| kwarg(&kw, "sep")) {
                    Some(CV::Str(sep)) if sep.is_empty() => return raise("ValueError"),
                    Some(CV::Str(sep)) => Some(sep.clone()),
                    _ => None,
                };
                let max = match pos.get(1).or_else(|| kwarg(&kw, "maxsplit")) {
                    Some(v) => int_of(v)?,
                    None => -1,
                };
                CV::list(
                    split_str(s, sep.as_deref(), max, m == "rsplit")
                        .into_iter()
                        .map(CV::str)
                        .collect(),
                )
            }
            "splitlines" => CV::list(s.lines().map(CV::str).collect()),
            "join" => {
                let items = self.iterate(arg(&pos, 0)?)?;
                let mut parts = Vec::with_capacity(items.len());
                for it in &items {
                    parts.push(text(it)?.to_string());
                }
                CV::Str(Rc::from(parts.join(s).as_str()))
            }
            "strip" => match strip_set(&pos)? {
                Some(cs) => CV::str(s.trim_matches(cs.as_slice())),
                None => CV::str(s.trim()),
            },
            "lstrip" => match strip_set(&pos)? {
                Some(cs) => CV::str(s.trim_start_matches(cs.as_slice())),
                None => CV::str(s.trim_start()),
            },
            "rstrip" => match strip_set(&pos)? {
                Some(cs) => CV::str(s.trim_end_matches(cs.as_slice())),
                None => CV::str(s.trim_end()),
            },
            "lower" | "casefold" => CV::str(&s.to_lowercase()),
            "upper" => CV::str(&s.to_uppercase()),
            "swapcase" => CV::str(
                &s.chars()
                    .flat_map(|c| {
                        if c.is_uppercase() {
                            c.to_lowercase().collect::<Vec<_>>()
                        } else {
                            c.to_uppercase().collect()
                        }
                    })
                    .collect::<String>(),
            ),
            "capitalize" => {
                let mut cs = s.chars();
                let head: String = cs
                    .next()
                    .map(|c| c.to_uppercase().collect())
                    .unwrap_or_default();
                CV::str(&(head + &cs.as_str().to_lowercase()))
            }
            "title" => CV::str(&title_case(s)),
            "startswith" => {
                let any = affixes(arg(&pos, 0)?)?.iter().any(|a| s.starts_with(&**a));
                CV::Bool(any)
            }
            "endswith" => {
                let any = affixes(arg(&pos, 0)?)?.iter().any(|a| s.ends_with(&**a));
                CV::Bool(any)
            }
            "replace" => {
                let (a, b) = (text(arg(&pos, 0)?)?, text(arg(&pos, 1)?)?);
                if a.is_empty() {
                    return unsupported("`str.replace` of an empty string");
                }
                match pos.get(2) {
                    Some(n) if int_of(n)? >= 0 => {
                        CV::str(&s.replacen(&*a, &b, int_of(n)? as usize))
                    }
                    _ => CV::str(&s.replace(&*a, &b)),
                }
            }
            "isdigit" | "isnumeric" | "isdecimal" => {
                CV::Bool(!s.is_empty() && s.chars().all(|c| c.is_ascii_digit()))
            }
            "isalpha" => CV::Bool(!s.is_empty() && s.chars().all(char::is_alphabetic)),
            "isalnum" => CV::Bool(!s.is_empty() && s.chars().all(char::is_alphanumeric)),
            "isspace" => CV::Bool(!s.is_empty() && s.chars().all(char::is_whitespace)),
            "isupper" => {
                CV::Bool(s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_lowercase))
            }
            "islower" => {
                CV::Bool(s.chars().any(char::is_alphabetic) && !s.chars().any(char::is_uppercase))
            }
            "find" | "index" => match s.find(&*text(arg(&pos, 0)?)?) {
                Some(b) => CV::Int(char_index(b)),
                None if m == "find" => CV::Int(-1),
                None => return raise("ValueError"),
            },
            "rfind" | "rindex" => match s.rfind(&*text(arg(&pos, 0)?)?) {
                Some(b) => CV::Int(char_index(b)),
                None if m == "rfind" => CV::Int(-1),
                None => return raise("ValueError"),
            },
            "count" => {
                let t = text(arg(&pos, 0)?)?;
                if t.is_empty() {
                    CV::Int(len as i64 + 1)
                } else {
                    CV::Int(s.matches(&*t).count() as i64)
                }
            }
            "partition" | "rpartition" => {
                let sep = text(arg(&pos, 0)?)?;
                if sep.is_empty() {
                    return raise("ValueError");
                }
                let found = if m == "partition" {
                    s.find(&*sep)
                } else {
                    s.rfind(&*sep)
                };
                let parts = match found {
                    Some(b) => [&s[..b], &*sep, &s[b + sep.len()..]],
                    None if m == "partition" => [&**s, "", ""],
                    None => ["", "", &**s],
                };
                CV::tuple(parts.iter().map(|p| CV::str(p)).collect())
            }
            "zfill" => {
                let w = width(&pos)?;
                let (sign, digits) = match s.chars().next() {
                    Some(c @ ('+' | '-')) => (c.to_string(), &s[1..]),
                    _ => (String::new(), &**s),
                };
                let pad = w.saturating_sub(len);
                self.alloc(pad)?;
                CV::str(&format!("{sign}{}{digits}", "0".repeat(pad)))
            }
            "ljust" | "rjust" | "center" => {
                let (w, c) = (width(&pos)?, fill(&pos)?);
                let pad = w.saturating_sub(len);
                self.alloc(pad)?;
                let (left, right) = match m {
                    "ljust" => (0, pad),
                    "rjust" => (pad, 0),
                    // CPython puts the odd one on the left when the width is odd.
                    _ => {
                        let left = pad / 2 + (pad & w & 1);
                        (left, pad - left)
                    }
                };
                let fill = |n: usize| c.to_string().repeat(n);
                CV::str(&format!("{}{s}{}", fill(left), fill(right)))
            }
            "format" => CV::str(&self.format_str(s, &pos, &kw)?),
            "encode" => {
                let bytes: Vec<CV> = s.bytes().map(|b| CV::Int(b as i64)).collect();
                self.alloc(bytes.len())?;
                CV::tuple(bytes)
            }
            _ => return unsupported(format!("`str.{m}`")),
        })
    }

    /// `copy.deepcopy`: containers and instances copied all the way down,
    /// each object once however often it is reached (`memo`, by identity).
    /// Python's own recursion limit stops a copy about 300 levels deep; a
    /// chain deeper than [`MAX_COPY_DEPTH`] stops the run (the copy recurses
    /// on the analysis thread's stack).
    fn deep_copy(
        &mut self,
        v: &CV,
        memo: &mut HashMap<usize, CV>,
        depth: usize,
    ) -> Result<CV, Stop> {
        self.step(1)?;
        if depth > MAX_COPY_DEPTH {
            return unsupported("a deep copy nested too deeply");
        }
        let id = match v {
            CV::List(l) => Rc::as_ptr(l) as *const () as usize,
            CV::Dict(t) | CV::Set(t) => Rc::as_ptr(t) as *const () as usize,
            CV::Instance(i) => Rc::as_ptr(i) as *const () as usize,
            CV::Tuple(t) => {
                let items = (**t).clone();
                let mut out = Vec::with_capacity(items.len());
                for it in &items {
                    out.push(self.deep_copy(it, memo, depth + 1)?);
                }
                return Ok(CV::tuple(out));
            }
            CV::Iter(_) | CV::Rng(_) | CV::Parser(_) | CV::Namespace(_) => {
                return unsupported(format!("a deep copy of a {}", v.type_name()))
            }
            other => return Ok(other.clone()),
        };
        if let Some(done) = memo.get(&id) {
            return Ok(done.clone());
        }
        match v {
            CV::List(l) => {
                let new = Rc::new(RefCell::new(Vec::new()));
                memo.insert(id, CV::List(new.clone()));
                let items = l.borrow().clone();
                self.alloc(items.len())?;
                for it in &items {
                    let c = self.deep_copy(it, memo, depth + 1)?;
                    new.borrow_mut().push(c);
                }
                Ok(CV::List(new))
            }
            CV::Dict(t) | CV::Set(t) => {
                let new = Rc::new(RefCell::new(Table::with_default(
                    t.borrow().default.clone(),
                )));
                let made = match v {
                    CV::Set(_) => CV::Set(new.clone()),
                    _ => CV::Dict(new.clone()),
                };
                memo.insert(id, made.clone());
                let items: Vec<(CV, CV)> = t.borrow().items().cloned().collect();
                self.alloc(items.len())?;
                for (k, val) in &items {
                    let (k, val) = (
                        self.deep_copy(k, memo, depth + 1)?,
                        self.deep_copy(val, memo, depth + 1)?,
                    );
                    let key = self.key(&k)?;
                    new.borrow_mut().insert(key, k, val);
                }
                Ok(made)
            }
            CV::Instance(i) => {
                if i.class.lookup("__deepcopy__").is_some() || i.class.lookup("__copy__").is_some()
                {
                    return unsupported("a class's own `__deepcopy__`");
                }
                let new = Rc::new(Inst {
                    class: i.class.clone(),
                    attrs: RefCell::new(HashMap::new()),
                });
                memo.insert(id, CV::Instance(new.clone()));
                let attrs: Vec<(String, CV)> = i
                    .attrs
                    .borrow()
                    .iter()
                    .map(|(k, a)| (k.clone(), a.clone()))
                    .collect();
                for (name, a) in attrs {
                    let c = self.deep_copy(&a, memo, depth + 1)?;
                    new.attrs.borrow_mut().insert(name, c);
                }
                Ok(CV::Instance(new))
            }
            other => Ok(other.clone()),
        }
    }

    /// `copy.copy`: a new container of the same items, or a new instance
    /// with the same attributes.
    fn shallow_copy(&mut self, v: &CV) -> Result<CV, Stop> {
        Ok(match v {
            CV::List(l) => {
                let items = l.borrow().clone();
                self.alloc(items.len())?;
                CV::list(items)
            }
            CV::Dict(t) | CV::Set(t) => {
                let mut new = Table::with_default(t.borrow().default.clone());
                for (key, (k, val)) in t.borrow().keyed_items() {
                    new.insert(key.clone(), k.clone(), val.clone());
                }
                self.alloc(new.len())?;
                let new = Rc::new(RefCell::new(new));
                match v {
                    CV::Set(_) => CV::Set(new),
                    _ => CV::Dict(new),
                }
            }
            CV::Instance(i) => {
                if i.class.lookup("__copy__").is_some() {
                    return unsupported("a class's own `__copy__`");
                }
                CV::Instance(Rc::new(Inst {
                    class: i.class.clone(),
                    attrs: RefCell::new(i.attrs.borrow().clone()),
                }))
            }
            CV::Iter(_) | CV::Rng(_) | CV::Parser(_) | CV::Namespace(_) => {
                return unsupported(format!("a copy of a {}", v.type_name()))
            }
            other => other.clone(),
        })
    }

    /// `template.format(*pos, **kw)`: each field replaced by its value's
    /// text (a spec given a fixed precision, a width or a sign is applied;
    /// others show the value as `str()` would).
    fn format_str(
        &mut self,
        template: &str,
        pos: &[CV],
        kw: &[(String, CV)],
    ) -> Result<String, Stop> {
        let mut out = String::with_capacity(template.len() + 16 * pos.len());
        let mut next = 0usize;
        let mut chars = template.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '{' if chars.peek() == Some(&'{') => {
                    chars.next();
                    out.push('{');
                }
                '}' if chars.peek() == Some(&'}') => {
                    chars.next();
                    out.push('}');
                }
                '}' => return raise("ValueError"),
                '{' => {
                    let mut field = String::new();
                    loop {
                        match chars.next() {
                            Some('}') => break,
                            Some('{') => return unsupported("a nested `str.format` field"),
                            Some(c) => field.push(c),
                            None => return raise("ValueError"),
                        }
                    }
                    let (name, spec) = field.split_once(':').unwrap_or((&field, ""));
                    let (name, conv) = name.split_once('!').unwrap_or((name, ""));
                    let value = if name.is_empty() {
                        next += 1;
                        pos.get(next - 1).cloned()
                    } else if let Ok(i) = name.parse::<usize>() {
                        pos.get(i).cloned()
                    } else if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                        kwarg(kw, name).cloned()
                    } else {
                        return unsupported("a `str.format` field with attributes or items");
                    };
                    let Some(value) = value else {
                        return raise(if name.is_empty() || name.parse::<usize>().is_ok() {
                            "IndexError"
                        } else {
                            "KeyError"
                        });
                    };
                    let shown = if conv == "r" {
                        value.repr()
                    } else {
                        format_spec(&value, spec)
                    };
                    out.push_str(&shown);
                }
                c => out.push(c),
            }
        }
        self.alloc(out.len() / 8)?;
        Ok(out)
    }
}

/// A stop when either side of a comparison is an opaque value: what it
/// decides is not known (`opaque.rs`).
fn opaque_compared(l: &CV, r: &CV) -> Result<(), Stop> {
    match [l, r].into_iter().find(|v| matches!(v, CV::Opaque(_))) {
        Some(CV::Opaque(q)) => unsupported(format!("a comparison of what `{q}` returned")),
        _ => Ok(()),
    }
}

fn key_id(v: &CV) -> i64 {
    match key_of(v) {
        Ok(Key::Id(p)) => p as i64,
        _ => 0,
    }
}

fn identical(l: &CV, r: &CV) -> bool {
    match (l, r) {
        (CV::None, CV::None) => true,
        (CV::Bool(a), CV::Bool(b)) => a == b,
        (CV::Int(a), CV::Int(b)) => a == b,
        (CV::Str(a), CV::Str(b)) => Rc::ptr_eq(a, b) || a == b,
        (CV::List(a), CV::List(b)) => Rc::ptr_eq(a, b),
        (CV::Dict(a), CV::Dict(b)) | (CV::Set(a), CV::Set(b)) => Rc::ptr_eq(a, b),
        (CV::Tuple(a), CV::Tuple(b)) => Rc::ptr_eq(a, b),
        (CV::Instance(a), CV::Instance(b)) => Rc::ptr_eq(a, b),
        (CV::Func(a), CV::Func(b)) => Rc::ptr_eq(a, b),
        (CV::Class(a), CV::Class(b)) => Rc::ptr_eq(a, b),
        _ => false,
    }
}

fn int_binop(op: BinOp, a: i64, b: i64) -> Result<CV, Stop> {
    Ok(match op {
        // Past 64 bits an integer goes on as a float: its size, not its
        // digits, is what the counts depend on (a product that grows, a
        // value reduced modulo something). Bit operations on it stop the
        // run.
        BinOp::Add => a
            .checked_add(b)
            .map_or(CV::Float(a as f64 + b as f64), CV::Int),
        BinOp::Sub => a
            .checked_sub(b)
            .map_or(CV::Float(a as f64 - b as f64), CV::Int),
        BinOp::Mul => a
            .checked_mul(b)
            .map_or(CV::Float(a as f64 * b as f64), CV::Int),
        BinOp::Div => {
            if b == 0 {
                return raise("ZeroDivisionError");
            }
            CV::Float(a as f64 / b as f64)
        }
        BinOp::FloorDiv => {
            if b == 0 {
                return raise("ZeroDivisionError");
            }
            let q = a.checked_div_euclid(b).ok_or_else(big)?;
            let r = a.checked_rem_euclid(b).ok_or_else(big)?;
            CV::Int(q - i64::from(b < 0 && r != 0))
        }
        BinOp::Mod => {
            if b == 0 {
                return raise("ZeroDivisionError");
            }
            let r = a.checked_rem_euclid(b).ok_or_else(big)?;
            CV::Int(if b < 0 && r != 0 { r + b } else { r })
        }
        BinOp::Pow => {
            let exact = u32::try_from(b).ok().and_then(|e| a.checked_pow(e));
            match exact {
                Some(v) if b >= 0 => CV::Int(v),
                _ => CV::Float((a as f64).powf(b as f64)),
            }
        }
        BinOp::LShift => {
            if !(0..63).contains(&b) {
                return Err(big());
            }
            let v = a.checked_shl(b as u32).ok_or_else(big)?;
            if v >> b != a {
                return Err(big());
            }
            CV::Int(v)
        }
        BinOp::RShift => CV::Int(if b >= 64 {
            if a < 0 {
                -1
            } else {
                0
            }
        } else {
            a >> b.max(0)
        }),
        BinOp::BitOr => CV::Int(a | b),
        BinOp::BitAnd => CV::Int(a & b),
        BinOp::BitXor => CV::Int(a ^ b),
        BinOp::MatMul => return raise("TypeError"),
    })
}

fn dunder_name(op: BinOp, reflected: bool) -> &'static str {
    match (op, reflected) {
        (BinOp::Add, false) => "__add__",
        (BinOp::Add, true) => "__radd__",
        (BinOp::Sub, false) => "__sub__",
        (BinOp::Sub, true) => "__rsub__",
        (BinOp::Mul, false) => "__mul__",
        (BinOp::Mul, true) => "__rmul__",
        (BinOp::Div, false) => "__truediv__",
        (BinOp::Div, true) => "__rtruediv__",
        (BinOp::MatMul, false) => "__matmul__",
        (BinOp::MatMul, true) => "__rmatmul__",
        (BinOp::Mod, _) => "__mod__",
        (BinOp::Pow, _) => "__pow__",
        (BinOp::FloorDiv, _) => "__floordiv__",
        (BinOp::BitAnd, _) => "__and__",
        (BinOp::BitOr, _) => "__or__",
        (BinOp::BitXor, _) => "__xor__",
        (BinOp::LShift, _) => "__lshift__",
        (BinOp::RShift, _) => "__rshift__",
    }
}

fn math(f: &str, pos: &[CV]) -> Result<CV, Stop> {
    let x = || -> Result<f64, Stop> { num(arg(pos, 0)?).ok_or(Stop::Raised("TypeError".into())) };
    let to_int = |v: f64| -> Result<CV, Stop> {
        if !v.is_finite() || v.abs() > 9.0e18 {
            unsupported("big integers")
        } else {
            Ok(CV::Int(v as i64))
        }
    };
    Ok(match f {
        "sqrt" => {
            let v = x()?;
            if v < 0.0 {
                return raise("ValueError");
            }
            CV::Float(v.sqrt())
        }
        "floor" => return to_int(x()?.floor()),
        "ceil" => return to_int(x()?.ceil()),
        "exp" => CV::Float(x()?.exp()),
        "log" => {
            let v = x()?;
            if v <= 0.0 {
                return raise("ValueError");
            }
            match pos.get(1).and_then(num) {
                Some(b) => CV::Float(v.ln() / b.ln()),
                None => CV::Float(v.ln()),
            }
        }
        "log2" => CV::Float(x()?.log2()),
        "log10" => CV::Float(x()?.log10()),
        "sin" => CV::Float(x()?.sin()),
        "cos" => CV::Float(x()?.cos()),
        "tan" => CV::Float(x()?.tan()),
        "atan" => CV::Float(x()?.atan()),
        "fabs" => CV::Float(x()?.abs()),
        "atan2" => CV::Float(x()?.atan2(num(arg(pos, 1)?).unwrap_or(1.0))),
        "hypot" => {
            let mut s = 0.0;
            for v in pos {
                let v = num(v).ok_or(Stop::Raised("TypeError".into()))?;
                s += v * v;
            }
            CV::Float(s.sqrt())
        }
        "dist" => {
            let coords = |v: &CV| -> Result<Vec<f64>, Stop> {
                let items = match v {
                    CV::Tuple(t) => t.to_vec(),
                    CV::List(l) => l.borrow().clone(),
                    _ => return unsupported("`math.dist` of what is not a list or tuple"),
                };
                items
                    .iter()
                    .map(|c| num(c).ok_or(Stop::Raised("TypeError".into())))
                    .collect()
            };
            let (p, q) = (coords(arg(pos, 0)?)?, coords(arg(pos, 1)?)?);
            if p.len() != q.len() {
                return raise("ValueError");
            }
            CV::Float(
                p.iter()
                    .zip(&q)
                    .map(|(a, b)| (a - b) * (a - b))
                    .sum::<f64>()
                    .sqrt(),
            )
        }
        "asin" | "acos" => {
            let v = x()?;
            if !(-1.0..=1.0).contains(&v) {
                return raise("ValueError");
            }
            CV::Float(if f == "asin" { v.asin() } else { v.acos() })
        }
        "sinh" => CV::Float(x()?.sinh()),
        "cosh" => CV::Float(x()?.cosh()),
        "tanh" => CV::Float(x()?.tanh()),
        "degrees" => CV::Float(x()?.to_degrees()),
        "radians" => CV::Float(x()?.to_radians()),
        "isqrt" => CV::Int((int_arg(pos, 0)?.max(0) as f64).sqrt().floor() as i64),
        "gcd" => {
            let (mut a, mut b) = (
                int_arg(pos, 0)?.unsigned_abs(),
                int_arg(pos, 1)?.unsigned_abs(),
            );
            while b != 0 {
                (a, b) = (b, a % b);
            }
            CV::Int(i64::try_from(a).map_err(|_| big())?)
        }
        "isfinite" => CV::Bool(x()?.is_finite()),
        "isinf" => CV::Bool(x()?.is_infinite()),
        "isnan" => CV::Bool(x()?.is_nan()),
        _ => return unsupported(format!("`math.{f}`")),
    })
}

/// `str.split` / `str.rsplit` with Python's rules: by a separator (empty
/// fields kept) or by runs of whitespace (none kept), at most `max` splits
/// when `max` is not negative, counted from the right for `rsplit`.
fn split_str<'a>(s: &'a str, sep: Option<&str>, max: i64, right: bool) -> Vec<&'a str> {
    let max = if max < 0 { usize::MAX } else { max as usize };
    match sep {
        Some(sep) => {
            let mut out: Vec<&str> = if right {
                s.rsplitn(max.saturating_add(1), sep).collect()
            } else {
                s.splitn(max.saturating_add(1), sep).collect()
            };
            if right {
                out.reverse();
            }
            out
        }
        None => {
            let words: Vec<(usize, &str)> = s
                .split_whitespace()
                .map(|w| (w.as_ptr() as usize - s.as_ptr() as usize, w))
                .collect();
            if words.len() <= max.saturating_add(1) {
                return words.into_iter().map(|(_, w)| w).collect();
            }
            if right {
                // The leftmost field keeps the rest as it was (its leading
                // whitespace too).
                let cut = words.len() - max;
                let (start, last) = words[cut - 1];
                let head = &s[..start + last.len()];
                let mut out = vec![head];
                out.extend(words[cut..].iter().map(|(_, w)| *w));
                out
            } else {
                let (start, _) = words[max];
                let mut out: Vec<&str> = words[..max].iter().map(|(_, w)| *w).collect();
                out.push(&s[start..]);
                out
            }
        }
    }
}

/// `str.title`: each run of letters starts upper case, the rest lower.
fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        if prev_cased {
            out.extend(c.to_lowercase());
        } else {
            out.extend(c.to_uppercase());
        }
        prev_cased = c.is_alphabetic();
    }
    out
}

/// A value formatted by a spec of `format()`: fill, alignment, sign, width,
/// thousands separator, precision and the types `d f e % s` as Python has
/// them; a spec it does not read shows the value as `str()` would.
pub(super) fn format_spec(v: &CV, spec: &str) -> String {
    if let CV::Time(t) = v {
        return super::dates::time_format(*t, spec);
    }
    let Some(f) = parse_spec(spec) else {
        return v.display();
    };
    let num = |x: f64| -> Option<String> {
        let p = f.precision.unwrap_or(6);
        Some(match f.kind {
            Some('f') | Some('F') => format!("{x:.p$}"),
            Some('e') => {
                let t = format!("{x:.p$e}");
                // Rust writes `1.5e3`; Python `1.5e+03`.
                match t.split_once('e') {
                    Some((m, e)) => {
                        let (sign, digits) = e.strip_prefix('-').map_or(("+", e), |d| ("-", d));
                        format!("{m}e{sign}{digits:0>2}")
                    }
                    None => t,
                }
            }
            Some('%') => format!("{:.p$}%", x * 100.0),
            _ => return None,
        })
    };
    let mut body = match (v, f.kind) {
        (CV::Int(i), None | Some('d')) => i.to_string(),
        (CV::Bool(b), Some('d')) => (*b as i64).to_string(),
        (CV::Int(i), Some(_)) => num(*i as f64).unwrap_or_else(|| v.display()),
        (CV::Float(x), None) if f.precision.is_some() => {
            let p = f.precision.unwrap_or(6);
            format!("{x:.p$}")
        }
        (CV::Float(x), Some(_)) => num(*x).unwrap_or_else(|| v.display()),
        (CV::Str(t), None | Some('s')) => match f.precision {
            Some(p) => t.chars().take(p).collect(),
            None => t.to_string(),
        },
        _ => v.display(),
    };
    if f.comma {
        body = group_thousands(&body);
    }
    let numeric = matches!(v, CV::Int(_) | CV::Float(_));
    if numeric && f.plus && !body.starts_with('-') {
        body.insert(0, '+');
    }
    let len = body.chars().count();
    if len >= f.width {
        return body;
    }
    let pad = f.width - len;
    let align = f.align.unwrap_or(if numeric { '>' } else { '<' });
    let fill = |n: usize| f.fill.to_string().repeat(n);
    match align {
        '<' => format!("{body}{}", fill(pad)),
        '^' => format!("{}{body}{}", fill(pad / 2), fill(pad - pad / 2)),
        '=' if numeric && (body.starts_with('-') || body.starts_with('+')) => {
            format!("{}{}{}", &body[..1], fill(pad), &body[1..])
        }
        _ => format!("{}{body}", fill(pad)),
    }
}

struct Spec {
    fill: char,
    align: Option<char>,
    plus: bool,
    comma: bool,
    width: usize,
    precision: Option<usize>,
    kind: Option<char>,
}

fn parse_spec(spec: &str) -> Option<Spec> {
    let cs: Vec<char> = spec.chars().collect();
    let mut i = 0;
    let mut f = Spec {
        fill: ' ',
        align: None,
        plus: false,
        comma: false,
        width: 0,
        precision: None,
        kind: None,
    };
    let is_align = |c: char| matches!(c, '<' | '>' | '^' | '=');
    if cs.len() >= 2 && is_align(cs[1]) {
        f.fill = cs[0];
        f.align = Some(cs[1]);
        i = 2;
    } else if cs.first().is_some_and(|c| is_align(*c)) {
        f.align = Some(cs[0]);
        i = 1;
    }
    if cs.get(i) == Some(&'+') {
        f.plus = true;
        i += 1;
    } else if matches!(cs.get(i), Some('-' | ' ')) {
        i += 1;
    }
    if cs.get(i) == Some(&'0') {
        // Zeros go between the sign and the digits.
        f.fill = '0';
        f.align = f.align.or(Some('='));
        i += 1;
    }
    let digits = |i: &mut usize| -> Option<usize> {
        let start = *i;
        while cs.get(*i).is_some_and(|c| c.is_ascii_digit()) {
            *i += 1;
        }
        (*i > start).then(|| cs[start..*i].iter().collect::<String>().parse().ok())?
    };
    f.width = digits(&mut i).unwrap_or(0);
    if matches!(cs.get(i), Some(',' | '_')) {
        f.comma = cs[i] == ',';
        i += 1;
    }
    if cs.get(i) == Some(&'.') {
        i += 1;
        f.precision = Some(digits(&mut i)?);
    }
    if let Some(c) = cs.get(i) {
        if !matches!(c, 'd' | 'f' | 'F' | 'e' | '%' | 's' | 'g') {
            return None;
        }
        // `g` is left to `str()`, which it matches for most values.
        f.kind = (*c != 'g').then_some(*c);
        i += 1;
    }
    // A hostile `{:.100000000f}` would build a string of that many digits.
    let bounded = f.width <= 10_000 && f.precision.is_none_or(|p| p <= 1_000);
    (i == cs.len() && bounded).then_some(f)
}

/// `1234567.5` as `1,234,567.5`.
fn group_thousands(s: &str) -> String {
    let (sign, rest) = s.strip_prefix('-').map_or(("", s), |r| ("-", r));
    let (int_part, frac) = rest
        .split_once('.')
        .map_or((rest, None), |(a, b)| (a, Some(b)));
    if !int_part.chars().all(|c| c.is_ascii_digit()) {
        return s.to_string();
    }
    let mut grouped = String::new();
    for (i, c) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    match frac {
        Some(f) => format!("{sign}{grouped}.{f}"),
        None => format!("{sign}{grouped}"),
    }
}

/// A library's constant by its qualified name (`math.pi`,
/// `string.ascii_lowercase`).
pub(super) fn lib_constant(q: &str) -> Option<CV> {
    Some(match q {
        "math.pi" => CV::Float(std::f64::consts::PI),
        "math.e" => CV::Float(std::f64::consts::E),
        "math.tau" => CV::Float(std::f64::consts::TAU),
        "math.inf" => CV::Float(f64::INFINITY),
        "math.nan" => CV::Float(f64::NAN),
        "sys.maxsize" => CV::Int(i64::MAX),
        "string.ascii_lowercase" => CV::str("abcdefghijklmnopqrstuvwxyz"),
        "string.ascii_uppercase" => CV::str("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        "string.ascii_letters" => CV::str("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"),
        "string.digits" => CV::str("0123456789"),
        "string.hexdigits" => CV::str("0123456789abcdefABCDEF"),
        "string.octdigits" => CV::str("01234567"),
        "string.punctuation" => CV::str("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
        "string.whitespace" => CV::str(" \t\n\r\x0b\x0c"),
        "re.I" | "re.IGNORECASE" => CV::Int(2),
        "re.M" | "re.MULTILINE" => CV::Int(8),
        "re.S" | "re.DOTALL" => CV::Int(16),
        "re.X" | "re.VERBOSE" => CV::Int(64),
        "re.A" | "re.ASCII" => CV::Int(256),
        _ => return None,
    })
}
