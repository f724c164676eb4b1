//! Expressions: names, literals, operators (with numpy broadcasting and the
//! temporaries they allocate), attribute access and indexing.

use super::*;
use crate::arrays::{self, broadcast};
use crate::kb::numpy::elementwise_draft;
use prescient_syntax::ast::*;
use std::rc::Rc;
use std::sync::Arc;

/// How an operator's result is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinMode {
    /// Into the left operand (`a += b`).
    InPlace,
    /// Into a new array, unless an operand is a temporary numpy can reuse:
    /// (left is a temporary, right is a temporary).
    Temps((bool, bool)),
}

/// What loading an enum's member (`Color.RED`) costs beyond an attribute
/// load, in units of a plain built-in call (the fitted `calls` cost, 7.7
/// ns): 36-44 ns measured on Python 3.11 in three runs, against 5-10 ns for
/// a plain class's attribute, which the fit costs 2.2.
pub(crate) const ENUM_MEMBER_UNITS: f64 = 5.0;

/// What reading a member's `value` or `name` costs beyond an attribute
/// load, in the same units: 80-86 ns measured (they are properties run in
/// Python).
pub(crate) const ENUM_VALUE_UNITS: f64 = 10.5;

/// What hashing a member costs, as a dict's or a set's key, beyond an
/// integer key, in the same units: `Enum.__hash__` is a Python method
/// that hashes the member's name, 42-73 ns more than an integer key
/// measured.
pub(crate) const ENUM_HASH_UNITS: f64 = 7.0;

impl Interp<'_> {
    /// Evaluates an expression. Operands that are temporaries (fresh arrays not
    /// bound to a name) are freed once the operation that consumes them is done,
    /// as CPython's reference counting does, so the peak of a statement counts
    /// only the temporaries alive together. An attribute does not consume its
    /// object: a method call's receiver (`rng.uniform(...).astype(int)`) and a
    /// view's base (`(a + b).T`) stay alive until what uses them is done.
    pub(crate) fn eval(&mut self, e: &Expr) -> Value {
        let consumes = matches!(
            e.kind,
            ExprKind::BinOp { .. }
                | ExprKind::UnaryOp { .. }
                | ExprKind::Call { .. }
                | ExprKind::Subscript { .. }
                | ExprKind::Compare { .. }
        );
        if !consumes {
            return self.eval_inner(e);
        }
        let mark = self.temp_bytes;
        let id_mark = self.id_mark();
        let v = self.eval_inner(e);
        self.temp_bytes = mark + self.fresh_bytes(&v, id_mark);
        v
    }

    /// Bytes of arrays in `v` allocated after `id_mark` (its own new buffers).
    fn fresh_bytes(&self, v: &Value, id_mark: u64) -> f64 {
        match v {
            Value::Array(a) if a.base > id_mark => self.num(&a.nbytes()),
            Value::Seq {
                items: SeqItems::Known(items),
                ..
            } => items.iter().map(|x| self.fresh_bytes(x, id_mark)).sum(),
            _ => 0.0,
        }
    }

    fn eval_inner(&mut self, e: &Expr) -> Value {
        self.steps += 1;
        if self.steps > STEP_BUDGET {
            self.exhausted = true;
            return Value::Unknown;
        }
        match &e.kind {
            ExprKind::Name(n) => match self.lookup(n) {
                Some(v) => v,
                None if n == "__name__" => Value::str_known("__main__"),
                None if n == "__file__" => Value::str_known(self.file),
                None => Value::Unknown,
            },
            ExprKind::Int(Some(v)) => Value::int(*v),
            ExprKind::Int(None) => Value::Int(Sym::num(1.8e19)),
            ExprKind::Float(f) => Value::Float(Some(*f)),
            ExprKind::Complex(_) => Value::Complex,
            // A literal is a constant of the code object, shared by every use.
            ExprKind::Str(s) => Value::str_known(s).shared(),
            ExprKind::Bytes(n) => Value::Bytes { len: Sym::from(*n) },
            ExprKind::FString {
                literal,
                parts,
                specced,
                ..
            } => {
                // Each interpolation runs its expression and formats the
                // result (a `format()` call inside CPython); the pieces are
                // then joined.
                let mut len = Sym::from(*literal);
                for (i, p) in parts.iter().enumerate() {
                    let v = self.eval(p);
                    let spec = specced.get(i).copied().unwrap_or(false);
                    let w = crate::kb::pystd::format_weight(&v, spec);
                    self.ops(|o, m| o.calls += w * m);
                    len = len.add(&formatted_len(&v));
                }
                if parts.len() + usize::from(*literal > 0) > 1 {
                    self.ops(|o, m| o.calls += 2.0 * m);
                }
                Value::Str {
                    len,
                    text: None,
                    shared: false,
                }
            }
            ExprKind::Bool(b) => Value::Bool(Some(*b)),
            ExprKind::NoneLit => Value::None,
            ExprKind::Ellipsis => Value::Lib(Arc::from("builtins.Ellipsis")),
            ExprKind::Attribute { value, attr } => {
                let v = self.eval(value);
                self.ops(|o, m| o.attr += m);
                self.attribute(v, attr)
            }
            ExprKind::Subscript { value, index } => {
                // `globals()[name]`: dispatch by a module-level name the
                // program spells out (a benchmark's case, a handler).
                if let ExprKind::Call { func, args, .. } = &value.kind {
                    if func.as_name() == Some("globals") && args.is_empty() {
                        let key = self.eval(index);
                        self.ops(|o, m| {
                            o.calls += m;
                            o.indexing += m
                        });
                        if let Some(v) = key.as_text().and_then(|k| self.globals.get(k)) {
                            return v.clone();
                        }
                        return Value::Unknown;
                    }
                }
                let v = self.eval(value);
                let i = self.eval(index);
                self.hash_key(&v, &i);
                if !self.loops.is_empty()
                    && is_lookup_table(&v)
                    && value
                        .as_name()
                        .is_some_and(|n| self.globals.contains_key(n))
                {
                    self.flag(crate::idioms::flags::TABLE);
                }
                self.subscript(v, i, e)
            }
            ExprKind::Slice { lower, upper, step } => {
                let mut part = |x: &Option<Box<Expr>>| match x {
                    Some(x) => self.eval(x),
                    None => Value::None,
                };
                let (l, u, s) = (part(lower), part(upper), part(step));
                Value::Obj {
                    class: Arc::from("builtins.slice"),
                    attrs: Rc::new(std::cell::RefCell::new(
                        [
                            ("start".to_string(), l),
                            ("stop".to_string(), u),
                            ("step".to_string(), s),
                        ]
                        .into_iter()
                        .collect(),
                    )),
                }
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => self.eval_call(e, func, args, keywords),
            ExprKind::BinOp { left, op, right } => {
                let mark = self.id_mark();
                let l = self.eval(left);
                let r = self.eval(right);
                // An operand made within this expression and bound to no name
                // is a temporary only the operator holds.
                let temp = |x: &Expr, v: &Value| {
                    x.as_name().is_none()
                        && matches!(v, Value::Array(a) if a.base > mark && a.id == a.base)
                };
                let temps = (temp(left, &l), temp(right, &r));
                self.binop(*op, l, r, BinMode::Temps(temps), left, right)
            }
            ExprKind::UnaryOp { op, operand } => {
                let v = self.eval(operand);
                self.unary(*op, v, operand)
            }
            ExprKind::BoolOp { values, .. } => {
                let mut last = Value::Unknown;
                for v in values {
                    last = self.eval(v);
                }
                // `a or b`: a test and a jump per operand after the first.
                let tests = values.len().saturating_sub(1) as f64;
                self.ops(|o, m| o.compare += tests * m);
                match last {
                    Value::Bool(_) => Value::Bool(None),
                    other => other,
                }
            }
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => self.compare(left, ops, comparators),
            ExprKind::IfExp { test, body, orelse } => {
                let t = self.eval(test);
                match self.truthiness(&t, test) {
                    Some(true) => self.eval(body),
                    Some(false) => self.eval(orelse),
                    None => {
                        let a = self.eval(body);
                        let b = self.eval(orelse);
                        if matches!(a, Value::Unknown | Value::None) {
                            b
                        } else {
                            a
                        }
                    }
                }
            }
            ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => {
                // A tuple of constants is one constant of the compiled code
                // (`for d in (-1, 0, 1)`): nothing is built when it runs.
                if !(matches!(e.kind, ExprKind::Tuple(_)) && is_constant(e)) {
                    let units = display_units(&e.kind, items.len());
                    self.ops(|o, m| o.alloc += units * m);
                }
                let mut vals = Vec::with_capacity(items.len());
                let mut homog: Option<(Value, Sym)> = None;
                for it in items {
                    if let ExprKind::Starred(inner) = &it.kind {
                        let v = self.eval(inner);
                        match v {
                            Value::Seq {
                                items: SeqItems::Known(vs),
                                ..
                            } => vals.extend(vs),
                            other => {
                                let n = other.len().unwrap_or_else(|| Sym::var("n"));
                                homog = Some((other.elem(), n));
                            }
                        }
                    } else {
                        vals.push(self.eval(it));
                    }
                }
                let kind = match &e.kind {
                    ExprKind::List(_) => SeqKind::List,
                    ExprKind::Tuple(_) => SeqKind::Tuple,
                    _ => SeqKind::Set,
                };
                match homog {
                    Some((elem, n)) => Value::homog(kind, elem, n.add(&Sym::from(vals.len()))),
                    None => Value::Seq {
                        kind,
                        items: SeqItems::Known(vals),
                    },
                }
            }
            ExprKind::Dict(items) => {
                let units = display_units(&e.kind, items.len());
                self.ops(|o, m| o.alloc += units * m);
                let mut kv = Vec::new();
                for (k, v) in items {
                    let vv = self.eval(v);
                    match k {
                        Some(k) => {
                            let kk = self.eval(k);
                            kv.push(Value::tuple(vec![kk, vv]));
                        }
                        None => {
                            if let Value::Seq {
                                items: SeqItems::Known(more),
                                ..
                            } = vv
                            {
                                kv.extend(more);
                            }
                        }
                    }
                }
                Value::Seq {
                    kind: SeqKind::Dict,
                    items: SeqItems::Known(kv),
                }
            }
            ExprKind::Comp {
                kind,
                elt,
                key,
                generators,
            } => {
                self.ops(|o, m| o.alloc += m);
                self.eval_comp(*kind, elt, key.as_deref(), generators)
            }
            ExprKind::Lambda { params, body } => {
                let mut defaults = BTreeMap::new();
                for p in params.positional.iter().chain(params.kwonly.iter()) {
                    if let Some(d) = &p.default {
                        let v = self.eval(d);
                        defaults.insert(p.name.clone(), v);
                    }
                }
                let closure = self.capture_closure();
                let id = self.fresh_id();
                Value::Func(Rc::new(FuncVal {
                    name: "<lambda>".into(),
                    callable: Callable::Lambda {
                        params: Arc::new(params.clone()),
                        body: Arc::new((**body).clone()),
                    },
                    defaults,
                    closure,
                    id,
                }))
            }
            ExprKind::Starred(inner) => self.eval(inner),
            ExprKind::Named { target, value } => {
                let v = self.eval(value);
                self.assign(target, v.clone());
                v
            }
            ExprKind::Await(inner) => self.eval(inner),
            ExprKind::Yield(v) => {
                let val = match v {
                    Some(v) => self.eval(v),
                    None => Value::None,
                };
                let m = self.frame_mult();
                if let Some(f) = self.frames.last_mut() {
                    f.yields.push((val, m));
                }
                Value::Unknown
            }
            ExprKind::YieldFrom(inner) => {
                let v = self.eval(inner);
                let n = v.len().unwrap_or_else(Sym::one);
                let m = self.frame_mult().mul(&n);
                let elem = v.elem();
                if let Some(f) = self.frames.last_mut() {
                    f.yields.push((elem, m));
                }
                Value::Unknown
            }
            ExprKind::Opaque => Value::Unknown,
        }
    }

    /// Product of the trip counts of loops entered in the current frame.
    pub(crate) fn frame_mult(&self) -> Sym {
        let base = self.frames.last().map(|f| f.loop_base).unwrap_or(0);
        Sym::product(
            self.loops[base.min(self.loops.len())..]
                .iter()
                .map(|l| l.trip.clone()),
        )
    }

    fn compare(&mut self, left: &Expr, ops: &[CmpOp], comparators: &[Expr]) -> Value {
        let mut l = self.eval(left);
        let mut result: Option<bool> = Some(true);
        let mut array_result: Option<Value> = None;
        for (op, c) in ops.iter().zip(comparators) {
            let r = self.eval(c);
            self.ops(|o, m| o.compare += m);
            if matches!(op, CmpOp::In | CmpOp::NotIn) {
                match &r {
                    Value::Seq {
                        kind: SeqKind::Dict | SeqKind::Set,
                        ..
                    } => {
                        // `member in table` hashes the key as `table[member]`
                        // does (an enum's member in Python).
                        self.hash_key(&r, &l);
                        self.keyed_access(&r, Some(c), None)
                    }
                    // A list or tuple is scanned: to the item if it is there
                    // (half way on average), to the end if not.
                    Value::Seq { .. } => {
                        let n = r.len().map(|l| self.num(&l)).unwrap_or(0.0);
                        let k = 0.75 * n * crate::kb::pystd::walk_weight("scan");
                        self.ops(|o, m| o.walked += k * m);
                    }
                    _ => {}
                }
            }
            if l.as_array().is_some() || r.as_array().is_some() {
                array_result =
                    Some(self.array_binop(l.clone(), r.clone(), 1.0, "compare", false, true));
                result = None;
            } else if let Some(f) = compare_dunder(*op, &l) {
                self.call_dunder(&f, vec![l.clone(), r.clone()]);
                result = None;
            } else if let Some((root, eq)) = total_ordering_dunder(*op, &l) {
                // `functools.total_ordering` filled the comparison in with
                // Python code that calls the class's own, then `__eq__`
                // where that was false (`a <= b` is `a < b or a == b`).
                self.ops(|o, m| o.py_calls += m);
                self.call_dunder(&root, vec![l.clone(), r.clone()]);
                if let Some(eq) = eq {
                    self.weighted(0.5, |it| it.call_dunder(&eq, vec![l.clone(), r.clone()]));
                }
                result = None;
            } else if let (Some(order), true) = (
                self.python_order(&l),
                matches!(op, CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE),
            ) {
                self.python_compares(order, l.clone(), r.clone(), 1.0);
                result = None;
            } else {
                let known = match (&l, &r) {
                    (Value::Int(a), Value::Int(b)) => match (a.as_num(), b.as_num()) {
                        (Some(a), Some(b)) => Some(cmp(*op, a, b)),
                        _ => None,
                    },
                    (Value::Float(Some(a)), Value::Float(Some(b))) => Some(cmp(*op, *a, *b)),
                    (Value::Str { text: Some(a), .. }, Value::Str { text: Some(b), .. }) => {
                        match op {
                            CmpOp::Eq => Some(a == b),
                            CmpOp::NotEq => Some(a != b),
                            _ => None,
                        }
                    }
                    (Value::None, Value::None) => match op {
                        CmpOp::Is | CmpOp::Eq => Some(true),
                        CmpOp::IsNot | CmpOp::NotEq => Some(false),
                        _ => None,
                    },
                    (a, Value::None) if !matches!(a, Value::Unknown) => match op {
                        CmpOp::Is | CmpOp::Eq => Some(false),
                        CmpOp::IsNot | CmpOp::NotEq => Some(true),
                        _ => None,
                    },
                    _ => None,
                };
                result = match (result, known) {
                    (Some(true), k) => k,
                    (Some(false), _) => Some(false),
                    (None, Some(false)) => Some(false),
                    _ => None,
                };
            }
            l = r;
        }
        array_result.unwrap_or(Value::Bool(result))
    }

    pub(crate) fn unary(&mut self, op: UnaryOp, v: Value, operand: &Expr) -> Value {
        let _ = operand;
        if let (UnaryOp::Minus, Value::Instance { class, .. }) = (op, &v) {
            if let Some(Value::Func(f)) = class.lookup("__neg__") {
                return self.call_dunder(&f, vec![v.clone()]);
            }
        }
        match (op, v) {
            (UnaryOp::Not, v) => {
                if v.as_array().is_some() {
                    return self.array_unary(v, "numpy.logical_not", 1.0);
                }
                Value::Bool(None)
            }
            (UnaryOp::Minus, Value::Int(s)) => Value::Int(s.scale(-1.0)),
            (UnaryOp::Minus, Value::Float(f)) => Value::Float(f.map(|x| -x)),
            (UnaryOp::Plus, v) => v,
            (UnaryOp::Invert, Value::Int(s)) => {
                self.ops(|o, m| o.bit_ops += m);
                Value::Int(match s.as_int() {
                    Some(i) => Sym::from(!i),
                    None => s,
                })
            }
            (_, v @ Value::Array(_)) => self.array_unary(v, "numpy.negative", 1.0),
            (_, v) => v,
        }
    }

    fn array_unary(&mut self, v: Value, pattern: &str, flops: f64) -> Value {
        let a = v.as_array().cloned().expect("array");
        let out = self.new_array(a.shape.clone(), a.dtype, a.lib, Origin::Plain);
        let d = elementwise_draft(
            &[&a],
            &a.shape,
            a.dtype,
            flops,
            pattern,
            pattern.rsplit('.').next().unwrap_or(""),
        );
        self.emit(d);
        out
    }

    /// Binary operators. `in_place` for augmented assignment (`a += b` on arrays
    /// writes into `a` and allocates nothing).
    pub(crate) fn binop(
        &mut self,
        op: BinOp,
        l: Value,
        r: Value,
        mode: BinMode,
        lexpr: &Expr,
        rexpr: &Expr,
    ) -> Value {
        if l.as_array().is_some() || r.as_array().is_some() {
            return self.array_operator(op, l, r, mode, lexpr, rexpr);
        }
        match (&l, &r) {
            (Value::Int(a), Value::Int(b)) => {
                let is_bit = matches!(
                    op,
                    BinOp::LShift | BinOp::RShift | BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor
                );
                if !self.loops.is_empty() {
                    self.int_op_flags(op, a, b, lexpr, rexpr);
                }
                if is_bit {
                    self.ops(|o, m| o.bit_ops += m);
                } else {
                    self.ops(|o, m| o.int_arith += m);
                }
                Value::Int(int_op(op, a, b))
            }
            (Value::Float(_) | Value::Int(_), Value::Float(_) | Value::Int(_)) => {
                self.ops(|o, m| o.float_arith += m);
                let (a, b) = (num_of(&l), num_of(&r));
                Value::Float(match (a, b) {
                    (Some(a), Some(b)) => float_op(op, a, b),
                    _ => None,
                })
            }
            (Value::Bool(_), Value::Int(_) | Value::Bool(_)) | (Value::Int(_), Value::Bool(_)) => {
                self.ops(|o, m| o.int_arith += m);
                Value::Int(Sym::var("flag"))
            }
            (Value::Complex, _) | (_, Value::Complex) => {
                self.ops(|o, m| o.float_arith += m);
                Value::Complex
            }
            (
                Value::Str {
                    len: a, text: ta, ..
                },
                Value::Str {
                    len: b, text: tb, ..
                },
            ) if op == BinOp::Add => {
                self.ops(|o, m| o.other += m);
                let text = match (ta, tb) {
                    (Some(x), Some(y)) if x.len() + y.len() < 4096 => {
                        Some(Arc::from(format!("{x}{y}")))
                    }
                    _ => None,
                };
                Value::Str {
                    len: a.add(b),
                    text,
                    shared: false,
                }
            }
            (Value::Str { len, .. }, Value::Int(n)) | (Value::Int(n), Value::Str { len, .. })
                if op == BinOp::Mul =>
            {
                Value::Str {
                    len: len.mul(n),
                    text: None,
                    shared: false,
                }
            }
            (Value::Str { len, .. }, args) if op == BinOp::Mod => {
                // `"%d: %.2f" % (k, v)`: each field formatted by its spec.
                let fields = match args {
                    Value::Seq {
                        kind: SeqKind::Tuple,
                        items: SeqItems::Known(items),
                    } => items.clone(),
                    one => vec![one.clone()],
                };
                let w = 4.0
                    + fields
                        .iter()
                        .map(|v| crate::kb::pystd::format_weight(v, true))
                        .sum::<f64>();
                self.ops(|o, m| {
                    o.other += m;
                    o.calls += w * m
                });
                Value::Str {
                    len: len.clone(),
                    text: None,
                    shared: false,
                }
            }
            (Value::Bytes { len: a }, Value::Bytes { len: b }) if op == BinOp::Add => {
                self.ops(|o, m| o.other += m);
                Value::Bytes { len: a.add(b) }
            }
            (Value::Bytes { len }, Value::Int(n)) | (Value::Int(n), Value::Bytes { len })
                if op == BinOp::Mul =>
            {
                Value::Bytes { len: len.mul(n) }
            }
            (Value::Seq { kind, .. }, Value::Seq { .. }) if op == BinOp::Add => {
                // A new list or tuple, both sides' pointers copied into it:
                // `a + b + c` of 2, 3 and 1 items takes 67-82 ns, `a + b`
                // of 1,000 and 1,000 items 2.4 us.
                let items = self.num(&l.len().unwrap_or_else(Sym::zero))
                    + self.num(&r.len().unwrap_or_else(Sym::zero));
                let k = items * crate::kb::pystd::walk_weight("copy");
                self.ops(|o, m| {
                    o.other += m;
                    o.walked += k * m
                });
                match (&l, &r) {
                    (
                        Value::Seq {
                            items: SeqItems::Known(a),
                            ..
                        },
                        Value::Seq {
                            items: SeqItems::Known(b),
                            ..
                        },
                    ) if a.len() + b.len() <= 64 => {
                        let mut v = a.clone();
                        v.extend(b.iter().cloned());
                        Value::Seq {
                            kind: *kind,
                            items: SeqItems::Known(v),
                        }
                    }
                    _ => {
                        let n = l
                            .len()
                            .unwrap_or_else(Sym::zero)
                            .add(&r.len().unwrap_or_else(Sym::zero));
                        let elem = match l.elem() {
                            Value::Unknown => r.elem(),
                            e => e,
                        };
                        Value::homog(*kind, elem, n)
                    }
                }
            }
            (
                Value::Seq {
                    kind: SeqKind::Set, ..
                },
                Value::Seq {
                    kind: SeqKind::Set, ..
                },
            ) if matches!(
                op,
                BinOp::Sub | BinOp::BitOr | BinOp::BitAnd | BinOp::BitXor
            ) =>
            {
                self.set_operator(op, &l, &r)
            }
            (Value::Seq { kind, .. }, Value::Int(n)) | (Value::Int(n), Value::Seq { kind, .. })
                if op == BinOp::Mul =>
            {
                let seq = if matches!(l, Value::Seq { .. }) {
                    &l
                } else {
                    &r
                };
                let len = seq.len().unwrap_or_else(Sym::one).mul(n);
                Value::homog(*kind, seq.elem(), len)
            }
            (Value::Instance { class, .. }, _) => {
                let plain = dunder(op, false);
                // `a += b` runs `__iadd__`, or `__add__` where there is none.
                let f = match mode {
                    BinMode::InPlace => class
                        .lookup(&format!("__i{}", &plain[2..]))
                        .or_else(|| class.lookup(plain)),
                    BinMode::Temps(_) => class.lookup(plain),
                };
                match f {
                    Some(Value::Func(f)) => self.call_dunder(&f, vec![l.clone(), r.clone()]),
                    _ => match &r {
                        Value::Instance { .. } => self.reflected(op, l.clone(), r.clone()),
                        _ => Value::Unknown,
                    },
                }
            }
            (_, Value::Instance { .. }) => self.reflected(op, l.clone(), r.clone()),
            _ => crate::kb::datetime::arith(self, op, &l, &r).unwrap_or(Value::Unknown),
        }
    }

    /// `a - b`, `a | b`, `a & b`, `a ^ b` on sets: a new set, both sides'
    /// items hashed through (measured at 20 and 1,000 items: 2.3-4.2 ns an
    /// operand's item for the first three, 12 us for `^` of 1,000 and 143;
    /// 50-245 ns for 20 items). The result holds at most what the operator
    /// can keep.
    fn set_operator(&mut self, op: BinOp, l: &Value, r: &Value) -> Value {
        let (la, lb) = (
            l.len().unwrap_or_else(Sym::zero),
            r.len().unwrap_or_else(Sym::zero),
        );
        let per = match op {
            BinOp::BitXor => 2.5,
            _ => 1.0,
        };
        let k = (self.num(&la) + self.num(&lb)) * per;
        // (A new set starts small and grows its table: the call-like
        // fixed cost of `set()`.)
        let made = crate::kb::pystd::builtin_call_weight("set");
        self.ops(|o, m| {
            o.other += m;
            o.alloc += m;
            o.calls += made * m;
            o.walked += k * m
        });
        let len = match op {
            BinOp::Sub => la,
            BinOp::BitAnd => la.min(&lb),
            _ => la.add(&lb),
        };
        let elem = match l.elem() {
            Value::Unknown => r.elem(),
            e => e,
        };
        Value::homog(SeqKind::Set, elem, len)
    }

    /// `2.0 * v` where only the right operand's class defines the operator:
    /// its reflected method (`__rmul__`).
    fn reflected(&mut self, op: BinOp, l: Value, r: Value) -> Value {
        let Value::Instance { class, .. } = &r else {
            return Value::Unknown;
        };
        match class.lookup(dunder(op, true)) {
            Some(Value::Func(f)) => self.call_dunder(&f, vec![r.clone(), l]),
            _ => Value::Unknown,
        }
    }

    /// Notes the kinds of integer operations a loop runs (for cipher/hash recognition).
    fn int_op_flags(&mut self, op: BinOp, a: &Sym, b: &Sym, lexpr: &Expr, rexpr: &Expr) {
        use crate::idioms::flags::*;
        let is_shift =
            |e: &Expr, which: BinOp| matches!(&e.kind, ExprKind::BinOp { op, .. } if *op == which);
        let mask = |s: &Sym| matches!(s.as_int(), Some(0xFFFF_FFFF) | Some(0xFF) | Some(0xFFFF));
        let f = match op {
            BinOp::BitXor => XOR,
            BinOp::BitOr
                if (is_shift(lexpr, BinOp::LShift) && is_shift(rexpr, BinOp::RShift))
                    || (is_shift(lexpr, BinOp::RShift) && is_shift(rexpr, BinOp::LShift)) =>
            {
                ROTATE
            }
            BinOp::LShift | BinOp::RShift => SHIFT,
            BinOp::BitAnd => {
                let inv = |e: &Expr| {
                    matches!(
                        &e.kind,
                        ExprKind::UnaryOp {
                            op: UnaryOp::Invert,
                            ..
                        }
                    )
                };
                let mut f = 0;
                if mask(a) || mask(b) {
                    f |= MASK32;
                }
                if inv(lexpr) || inv(rexpr) {
                    f |= CHOOSE;
                }
                // Modular addition of words: `(a + b) & 0xFFFFFFFF`.
                let is_add = |e: &Expr| matches!(&e.kind, ExprKind::BinOp { op: BinOp::Add, .. });
                if (mask(a) || mask(b)) && (is_add(lexpr) || is_add(rexpr)) {
                    f |= ADD;
                }
                f
            }
            // Additions of word-sized values, not loop counters.
            BinOp::Add
                if [a, b]
                    .iter()
                    .any(|s| s.as_num().is_some_and(|v| v.abs() >= 65536.0)) =>
            {
                ADD
            }
            _ => 0,
        };
        self.flag(f);
    }

    fn array_operator(
        &mut self,
        op: BinOp,
        l: Value,
        r: Value,
        mode: BinMode,
        lexpr: &Expr,
        rexpr: &Expr,
    ) -> Value {
        if op == BinOp::MatMul {
            return crate::kb::numpy::matmul_values(
                self,
                &l,
                &r,
                &format!(
                    "{} @ {}",
                    unparse::unparse_operand(lexpr),
                    unparse::unparse_operand(rexpr)
                ),
                "operator.matmul",
            );
        }
        let (flops, name) = match op {
            BinOp::Add => (1.0, "add"),
            BinOp::Sub => (1.0, "subtract"),
            BinOp::Mul => (1.0, "multiply"),
            BinOp::Div => (4.0, "divide"),
            BinOp::FloorDiv => (8.0, "floor_divide"),
            BinOp::Mod => (8.0, "remainder"),
            BinOp::Pow => match r.as_sym().and_then(|s| s.as_num()) {
                Some(2.0) => (1.0, "square"),
                Some(3.0) => (2.0, "power"),
                _ => (40.0, "power"),
            },
            BinOp::LShift => (1.0, "left_shift"),
            BinOp::RShift => (1.0, "right_shift"),
            BinOp::BitAnd => (1.0, "bitwise_and"),
            BinOp::BitOr => (1.0, "bitwise_or"),
            BinOp::BitXor => (1.0, "bitwise_xor"),
            BinOp::MatMul => unreachable!(),
        };
        let text = format!(
            "{} {} {}",
            unparse::unparse_operand(lexpr),
            op.symbol(),
            unparse::unparse_operand(rexpr)
        );
        let out = self.array_binop_named(l.clone(), r.clone(), flops, name, mode, false, &text);
        crate::idioms::after_array_binop(self, op, &l, &r, &out, lexpr, rexpr)
    }

    pub(crate) fn array_binop(
        &mut self,
        l: Value,
        r: Value,
        flops: f64,
        name: &str,
        in_place: bool,
        boolean: bool,
    ) -> Value {
        let mode = if in_place {
            BinMode::InPlace
        } else {
            BinMode::Temps((false, false))
        };
        self.array_binop_named(l, r, flops, name, mode, boolean, name)
    }

    #[allow(clippy::too_many_arguments)]
    fn array_binop_named(
        &mut self,
        l: Value,
        r: Value,
        flops: f64,
        name: &str,
        mode: BinMode,
        boolean: bool,
        text: &str,
    ) -> Value {
        let in_place = mode == BinMode::InPlace;
        let la = arrays::array_like(&l);
        let ra = arrays::array_like(&r);
        let shape = broadcast(&la.shape, &ra.shape);
        let lib = if la.lib == Lib::Torch || ra.lib == Lib::Torch {
            Lib::Torch
        } else {
            Lib::Numpy
        };
        let mut dtype = arrays::binop_dtype(name, &l, &r);
        if boolean {
            dtype = DType::Bool;
        }
        let inputs: Vec<&ArrayVal> = [&la, &ra]
            .into_iter()
            .filter(|a| !a.shape.is_empty())
            .collect();
        let pattern = format!(
            "{}.{name}",
            if lib == Lib::Torch { "torch" } else { "numpy" }
        );
        let mut d = elementwise_draft(&inputs, &shape, dtype, flops, &pattern, text);
        // numpy computes into a temporary operand's buffer instead of a new one
        // (temporary elision): the operand must own its data, match the result
        // in dtype, be large enough to be worth it, and the other operand must
        // be a scalar or of the very same shape (no broadcasting); the right
        // operand only for commutative operators.
        let elides = arrays::may_elide(name, la.dtype);
        let reuse = match mode {
            BinMode::Temps((lt, rt)) if lib == Lib::Numpy && elides => {
                let elidable = |it: &Self, v: &Value, other: &ArrayVal| {
                    matches!(v, Value::Array(a) if a.lib == Lib::Numpy
                        && a.shape == shape
                        && (other.shape.is_empty() || other.shape == shape)
                        && a.dtype == dtype
                        && it.num(&a.nbytes()) >= arrays::ELIDE_MIN_BYTES)
                };
                let commutative = arrays::commutes(name);
                if lt && elidable(self, &l, &ra) {
                    Some(l.clone())
                } else if rt && commutative && elidable(self, &r, &la) {
                    Some(r.clone())
                } else {
                    None
                }
            }
            _ => None,
        };
        if in_place || reuse.is_some() {
            d.alloc = Sym::zero();
        }
        self.emit(d);
        self.autograd(&[&l, &r], flops, &shape, dtype);
        if let Some(v) = reuse {
            return v;
        }
        if in_place {
            if let Value::Array(a) = &l {
                if a.shape == shape {
                    return l;
                }
            }
        }
        let rg = la.requires_grad || ra.requires_grad;
        let v = self.new_array(shape, dtype, lib, Origin::Plain);
        arrays::with_grad(v, rg)
    }

    /// Records forward work on tensors that require gradients, for `backward()`.
    pub(crate) fn autograd(
        &mut self,
        inputs: &[&Value],
        flops_per_elem: f64,
        shape: &[Sym],
        dtype: DType,
    ) {
        if self.grad.disabled > 0 {
            return;
        }
        let tracked = inputs
            .iter()
            .any(|v| matches!(v, Value::Array(a) if a.requires_grad));
        if tracked {
            let n = self.num(&Sym::product(shape.iter().cloned()));
            self.grad.flops += n * flops_per_elem * self.mult_num;
            self.grad.act_bytes += n * dtype.itemsize();
        }
    }

    /// The member `name` of the enum class `c`: one instance per member,
    /// with its `value` (an `auto()` one counts from 1) and `name`.
    pub(crate) fn enum_member(&mut self, c: &Rc<ClassVal>, name: &str) -> Value {
        let key = (Rc::as_ptr(c) as usize, name.to_string());
        if let Some(attrs) = self.enum_members.get(&key) {
            return Value::Instance {
                class: c.clone(),
                attrs: attrs.clone(),
            };
        }
        let names = c.enum_member_names();
        let index = names.iter().position(|n| n == name).unwrap_or(0);
        let value = match c.lookup(name) {
            Some(v @ (Value::Int(_) | Value::Float(_) | Value::Str { .. } | Value::Bool(_))) => v,
            _ => Value::int(index as i64 + 1),
        };
        let attrs: Attrs = Rc::new(std::cell::RefCell::new(
            [
                ("value".to_string(), value.clone()),
                ("_value_".to_string(), value),
                ("name".to_string(), Value::str_known(name).shared()),
                ("_name_".to_string(), Value::str_known(name).shared()),
            ]
            .into_iter()
            .collect(),
        ));
        self.enum_members.insert(key, attrs.clone());
        Value::Instance {
            class: c.clone(),
            attrs,
        }
    }

    /// A key of a dict or a set that hashes in Python: an enum's member
    /// (its name's hash, `ENUM_HASH_UNITS`), an instance whose class
    /// defines `__hash__` (run, with its `__eq__` for the half of the
    /// lookups taken to find an equal key), a frozen dataclass (the
    /// generated `__hash__` hashes a tuple of its fields; its `__eq__`
    /// compares two such tuples).
    pub(crate) fn hash_key(&mut self, container: &Value, key: &Value) {
        let keyed = matches!(
            container,
            Value::Seq {
                kind: SeqKind::Dict | SeqKind::Set,
                ..
            }
        );
        let Value::Instance { class, .. } = key else {
            return;
        };
        if !keyed {
            return;
        }
        if class.is_enum() {
            self.ops(|o, m| o.calls += m * ENUM_HASH_UNITS);
            return;
        }
        let own = |n: &str| match class.lookup(n) {
            Some(Value::Func(f)) => Some(f),
            _ => None,
        };
        if let Some(h) = own("__hash__") {
            self.call_dunder(&h, vec![key.clone()]);
            if let Some(eq) = own("__eq__") {
                self.weighted(0.5, |it| {
                    it.call_dunder(&eq, vec![key.clone(), key.clone()])
                });
            }
        } else if is_record_class(class) {
            let mut fields = Vec::new();
            record_fields(class, &mut fields);
            let n = fields.len() as f64;
            // `hash((self.a, self.b))`, then half the time
            // `(self.a, self.b) == (other.a, other.b)`.
            self.ops(|o, m| {
                o.py_calls += 1.5 * m;
                o.attr += 2.0 * n * m;
                o.alloc += 2.0 * m;
                o.calls += m;
                o.compare += 0.5 * m;
            });
        }
    }

    pub(crate) fn attribute(&mut self, v: Value, attr: &str) -> Value {
        match &v {
            Value::Lib(q) => self.lib_value(&format!("{q}.{attr}")),
            Value::Array(a) => match attr {
                "shape" => Value::tuple(a.shape.iter().map(|d| Value::Int(d.clone())).collect()),
                "ndim" => Value::int(a.ndim() as i64),
                "size" => Value::Int(a.size()),
                "nbytes" => Value::Int(a.nbytes()),
                "itemsize" => Value::Int(Sym::num(a.dtype.itemsize())),
                "dtype" => Value::DType(a.dtype),
                "T" | "mT" => {
                    let mut s = a.shape.clone();
                    s.reverse();
                    let a = a.clone();
                    self.view_of(&a, s)
                }
                "real" | "imag" => {
                    let a = a.clone();
                    let mut out = (*self
                        .view_of(&a, a.shape.clone())
                        .as_array()
                        .unwrap()
                        .clone())
                    .clone();
                    out.dtype = a.dtype.to_real();
                    Value::Array(Rc::new(out))
                }
                "grad" => {
                    let a = a.clone();
                    self.new_array(a.shape.clone(), a.dtype, a.lib, Origin::Plain)
                }
                "data" | "flat" => v.clone(),
                _ => Value::Bound {
                    qual: Arc::from(format!(
                        "{}.{attr}",
                        if a.lib == Lib::Torch {
                            "Tensor"
                        } else {
                            "ndarray"
                        }
                    )),
                    recv: Box::new(v.clone()),
                },
            },
            Value::Obj { class, attrs } if &**class == "builtins.super" => {
                super_attr(&attrs.borrow(), attr)
            }
            Value::Obj { class, attrs } => {
                if let Some(x) = attrs.borrow().get(attr) {
                    return x.clone();
                }
                Value::Bound {
                    qual: Arc::from(format!("{class}.{attr}")),
                    recv: Box::new(v.clone()),
                }
            }
            Value::Instance { class, attrs } => {
                // A member's `value` and `name` are properties in Python.
                if class.is_enum() && matches!(attr, "value" | "name") {
                    self.ops(|o, m| o.calls += m * ENUM_VALUE_UNITS);
                }
                if let Some(x) = attrs.borrow().get(attr) {
                    // The instance keeps its attribute's object alive.
                    return x.clone().shared();
                }
                match attr {
                    "__class__" => return Value::Class(class.clone()),
                    // The instance's own attributes, shared: `__dict__.update`
                    // changes the instance.
                    "__dict__" => {
                        return Value::Obj {
                            class: Arc::from(INSTANCE_DICT),
                            attrs: attrs.clone(),
                        }
                    }
                    _ => {}
                }
                match class.lookup(attr) {
                    Some(Value::Func(f)) => match method_kind(&f) {
                        MethodKind::Static => Value::Func(f),
                        MethodKind::Class => Value::Method {
                            func: f,
                            recv: Box::new(Value::Class(class.clone())),
                        },
                        // A property's getter runs in a frame of its own, as a
                        // method call does (measured: 25.5 ns against 18.7 for
                        // the same method called, an attribute about 0).
                        MethodKind::Property => {
                            self.ops(|o, m| o.py_calls += m);
                            self.call_function(&f, vec![v.clone()], vec![])
                        }
                        MethodKind::Plain => Value::Method {
                            func: f,
                            recv: Box::new(v.clone()),
                        },
                    },
                    Some(other) => other,
                    None => match class.lib_base() {
                        Some(base) => Value::Bound {
                            qual: Arc::from(format!("{base}.{attr}")),
                            recv: Box::new(v.clone()),
                        },
                        None => Value::Unknown,
                    },
                }
            }
            // `Color.RED`: the enum's metaclass finds the member in Python.
            Value::Class(c) if c.is_enum() && c.enum_member_names().iter().any(|n| n == attr) => {
                self.ops(|o, m| o.calls += m * ENUM_MEMBER_UNITS);
                self.enum_member(c, attr)
            }
            Value::Class(c) => match c.lookup(attr) {
                // `Cls.build(...)`: a class method gets the class first.
                Some(Value::Func(f)) if method_kind(&f) == MethodKind::Class => Value::Method {
                    func: f,
                    recv: Box::new(v.clone()),
                },
                Some(x) => x,
                // `cls.__new__(cls)`: an instance no `__init__` ran for.
                None if attr == "__new__" => Value::Lib(Arc::from(OBJECT_NEW)),
                None => Value::Unknown,
            },

            Value::Str { .. } => Value::Bound {
                qual: Arc::from(format!("str.{attr}")),
                recv: Box::new(v.clone()),
            },
            Value::Bytes { .. } => Value::Bound {
                qual: Arc::from(format!("bytes.{attr}")),
                recv: Box::new(v.clone()),
            },
            Value::Seq { kind, .. } => {
                let k = match kind {
                    SeqKind::List => "list",
                    SeqKind::Tuple => "tuple",
                    SeqKind::Set => "set",
                    SeqKind::Dict => "dict",
                };
                Value::Bound {
                    qual: Arc::from(format!("{k}.{attr}")),
                    recv: Box::new(v.clone()),
                }
            }
            Value::File { .. } => Value::Bound {
                qual: Arc::from(format!("file.{attr}")),
                recv: Box::new(v.clone()),
            },
            Value::Int(_) | Value::Float(_) => Value::Bound {
                qual: Arc::from(format!("number.{attr}")),
                recv: Box::new(v.clone()),
            },
            Value::DType(d) => match attr {
                "itemsize" => Value::Int(Sym::num(d.itemsize())),
                _ => Value::Unknown,
            },
            _ => Value::Unknown,
        }
    }

    pub(crate) fn subscript(&mut self, v: Value, idx: Value, e: &Expr) -> Value {
        if matches!(v, Value::Array(_)) {
            self.ops(|o, m| o.numpy_index += m);
        } else {
            self.ops(|o, m| o.indexing += m);
            if let ExprKind::Subscript { value, index } = &e.kind {
                self.keyed_access(&v, Some(value), Some(index));
            }
        }
        match &v {
            Value::Array(a) => {
                let a = a.clone();
                let out = self.index_array(&a, &idx);
                if let Value::Array(o) = &out {
                    if !o.is_view() && o.id != a.id {
                        // Advanced indexing copies.
                        let n = o.nbytes();
                        let text = unparse::unparse(e);
                        let o = o.clone();
                        // What the cost model needs beyond the bytes: how
                        // many rows are picked (each a random read) and how
                        // likely the source misses the caches.
                        let rows = o.shape.first().map(|r| self.num(r)).unwrap_or(1.0);
                        let share = crate::caches::miss_share(self.num(&a.nbytes()));
                        let k = self.emit(Draft {
                            category: Category::Memory,
                            pattern: "numpy.take".into(),
                            flops: Sym::zero(),
                            bytes_moved: n.scale(2.0),
                            alloc: n,
                            dtype: Some(o.dtype),
                            parallelism: Parallelism::Serial,
                            affinity: &[],
                            evidence: format!("{text}, gather into {}", shape_str(&o.shape)),
                        });
                        // A boolean mask is a scan in order, not random reads.
                        let masked = match &idx {
                            Value::Array(i) => i.dtype == DType::Bool,
                            Value::Seq {
                                items: SeqItems::Known(parts),
                                ..
                            } => parts
                                .iter()
                                .any(|p| matches!(p, Value::Array(i) if i.dtype == DType::Bool)),
                            _ => false,
                        };
                        if let (false, Some(k)) = (masked, self.cur_kernels.get_mut(k)) {
                            k.dims = vec![rows, share];
                        }
                    }
                }
                out
            }
            Value::Seq { kind, items } => match (&idx, items) {
                (Value::Obj { class, attrs }, _) if class.as_ref() == "builtins.slice" => {
                    let len = v.len().unwrap_or_else(Sym::zero);
                    let n = arrays::slice_len(&attrs.borrow(), &len);
                    // The slice copies its items' pointers into a new list:
                    // the items themselves stay shared. The list (and the
                    // slice object) are made first, whatever the length:
                    // `w[2:4]` takes 45 ns, `w[1:]` of 1,000 items 1.5 us.
                    let k = self.num(&n) * crate::kb::pystd::walk_weight("copy");
                    self.ops(|o, m| {
                        o.walked += k * m;
                        o.alloc += m
                    });
                    Value::refs(*kind, v.elem(), n)
                }
                (
                    k @ Value::Str {
                        text: Some(key), ..
                    },
                    SeqItems::Known(kv),
                ) if *kind == SeqKind::Dict => {
                    let _ = k;
                    for p in kv {
                        if let Value::Seq {
                            items: SeqItems::Known(pair),
                            ..
                        } = p
                        {
                            if pair.first().and_then(|x| x.as_text()) == Some(key) {
                                return pair.get(1).cloned().unwrap_or(Value::Unknown);
                            }
                        }
                    }
                    Value::Unknown
                }
                (_, SeqItems::Homog { elem, .. }) if *kind == SeqKind::Dict => match &**elem {
                    Value::Seq {
                        items: SeqItems::Known(pair),
                        ..
                    } => pair.get(1).cloned().unwrap_or(Value::Unknown),
                    _ => Value::Unknown,
                },
                (Value::Int(i), SeqItems::Known(vs)) => match i.as_int() {
                    Some(i) => {
                        let n = vs.len() as i64;
                        let j = if i < 0 { n + i } else { i };
                        vs.get(j as usize).cloned().unwrap_or(Value::Unknown)
                    }
                    None => v.elem(),
                },
                _ => v.elem(),
            },
            Value::Str { len, .. } | Value::Bytes { len } => match &idx {
                Value::Obj { class, attrs } if class.as_ref() == "builtins.slice" => {
                    let n = arrays::slice_len(&attrs.borrow(), len);
                    // A new string of the characters: made, then filled.
                    let k = self.num(&n) * crate::kb::pystd::walk_weight("char_copy");
                    self.ops(|o, m| {
                        o.walked += k * m;
                        o.alloc += m
                    });
                    if matches!(v, Value::Str { .. }) {
                        Value::Str {
                            len: n,
                            text: None,
                            shared: false,
                        }
                    } else {
                        Value::Bytes { len: n }
                    }
                }
                _ => v.elem(),
            },
            Value::Range { .. } => v.elem(),
            Value::Lib(q) => {
                let q = q.clone();
                self.index_grid(&q, &idx, e)
            }
            Value::Instance { class, .. } => match class.lookup("__getitem__") {
                Some(Value::Func(f)) => self.call_dunder(&f, vec![v.clone(), idx]),
                _ => Value::Unknown,
            },
            Value::Obj { attrs, .. } => {
                if let Some(t) = idx.as_text() {
                    if let Some(x) = attrs.borrow().get(t) {
                        return x.clone();
                    }
                }
                Value::Unknown
            }
            _ => Value::Unknown,
        }
    }

    /// `np.mgrid[0:n, 0:m]`, `np.ogrid[...]`, `np.r_[a, b]`, `np.c_[a, b]`.
    fn index_grid(&mut self, q: &str, idx: &Value, e: &Expr) -> Value {
        let parts = arrays::index_parts(idx);
        // Length of each part: a slice `a:b:c` (a complex step is a count), or an array.
        let lens: Vec<Sym> = parts
            .iter()
            .map(|p| match p {
                Value::Obj { class, attrs } if class.as_ref() == "builtins.slice" => {
                    let a = attrs.borrow();
                    match a.get("step") {
                        Some(Value::Complex) => Sym::num(50.0),
                        _ => arrays::slice_len(&a, &Sym::num(f64::MAX)),
                    }
                }
                Value::Array(a) => a.size(),
                other => other.len().unwrap_or_else(Sym::one),
            })
            .collect();
        let text = unparse::unparse(e);
        let (shape, outs): (Vec<Sym>, Option<usize>) = match crate::kb::canonical(q).as_str() {
            "numpy.mgrid" => {
                let mut s = vec![Sym::from(lens.len())];
                s.extend(lens.iter().cloned());
                (s, None)
            }
            "numpy.ogrid" => (vec![], Some(lens.len())),
            "numpy.r_" => (vec![Sym::sum(lens.iter().cloned())], None),
            "numpy.c_" => (
                vec![
                    lens.first().cloned().unwrap_or_else(Sym::one),
                    Sym::from(lens.len()),
                ],
                None,
            ),
            _ => return Value::Unknown,
        };
        if let Some(n) = outs {
            let arrays = (0..n)
                .map(|i| {
                    let s: Vec<Sym> = (0..n)
                        .map(|j| if i == j { lens[j].clone() } else { Sym::one() })
                        .collect();
                    self.new_array(s, DType::Float64, Lib::Numpy, Origin::Grid)
                })
                .collect();
            return Value::list(arrays);
        }
        let out = self.new_array(shape.clone(), DType::Float64, Lib::Numpy, Origin::Grid);
        let bytes = Sym::product(shape.iter().cloned()).scale(8.0);
        let b = self.num(&bytes);
        self.emit(Draft {
            category: Category::Memory,
            pattern: crate::kb::canonical(q),
            flops: Sym::zero(),
            bytes_moved: bytes.clone(),
            alloc: bytes,
            dtype: Some(DType::Float64),
            parallelism: Parallelism::Serial,
            affinity: &[],
            evidence: format!(
                "{text}, {} float64 -> memory, allocates {}",
                shape_str(&shape),
                fmt_bytes(b)
            ),
        });
        out
    }

    /// numpy indexing: ints drop axes, slices give views, arrays gather (copy).
    pub(crate) fn index_array(&mut self, a: &Rc<ArrayVal>, idx: &Value) -> Value {
        match arrays::index(a, idx) {
            arrays::Indexed::Element(v) => v,
            arrays::Indexed::View(shape) => self.view_of(a, shape),
            arrays::Indexed::Copy(shape) => self.new_array(shape, a.dtype, a.lib, Origin::Plain),
        }
    }
}

/// A constant table of integers (an S-box or round-constant table).
fn is_lookup_table(v: &Value) -> bool {
    match v {
        Value::Seq {
            items: SeqItems::Known(items),
            ..
        } => items.len() >= 64 && items.iter().all(|x| matches!(x, Value::Int(_))),
        Value::Bytes { len } => len.as_num().is_some_and(|n| n >= 64.0),
        _ => false,
    }
}

/// The written comparison method of an instance's class for `op`
/// (`__lt__` for `<`, `__eq__` for `==`); identity and membership tests
/// call none.
fn compare_dunder(op: CmpOp, l: &Value) -> Option<Rc<FuncVal>> {
    let Value::Instance { class, .. } = l else {
        return None;
    };
    let name = match op {
        CmpOp::Lt => "__lt__",
        CmpOp::LtE => "__le__",
        CmpOp::Gt => "__gt__",
        CmpOp::GtE => "__ge__",
        CmpOp::Eq => "__eq__",
        CmpOp::NotEq => "__ne__",
        _ => return None,
    };
    match class.lookup(name) {
        Some(Value::Func(f)) => Some(f),
        _ => None,
    }
}

/// For an ordering `op` a class decorated with `functools.total_ordering`
/// does not define itself: the comparison it does define that the
/// filled-in one calls, and the `__eq__` it calls when that one is false
/// (not for `>=` from `<`, which only negates).
fn total_ordering_dunder(op: CmpOp, l: &Value) -> Option<(Rc<FuncVal>, Option<Rc<FuncVal>>)> {
    let Value::Instance { class, .. } = l else {
        return None;
    };
    if !matches!(op, CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE) {
        return None;
    }
    let decorated = class.def.decorators.iter().any(|d| {
        d.dotted()
            .is_some_and(|n| n.rsplit('.').next() == Some("total_ordering"))
    });
    if !decorated {
        return None;
    }
    let func = |name: &str| match class.lookup(name) {
        Some(Value::Func(f)) => Some(f),
        _ => None,
    };
    let root = ["__lt__", "__le__", "__gt__", "__ge__"]
        .into_iter()
        .find_map(|n| func(n).map(|f| (n, f)))?;
    let eq = match (root.0, op) {
        ("__lt__", CmpOp::GtE) | ("__gt__", CmpOp::LtE) => None,
        _ => func("__eq__"),
    };
    Some((root.1, eq))
}

/// The special method of a binary operator, or of its reflection
/// (`__radd__`, run on the right operand).
fn dunder(op: BinOp, reflected: bool) -> &'static str {
    let (plain, refl) = match op {
        BinOp::Add => ("__add__", "__radd__"),
        BinOp::Sub => ("__sub__", "__rsub__"),
        BinOp::Mul => ("__mul__", "__rmul__"),
        BinOp::MatMul => ("__matmul__", "__rmatmul__"),
        BinOp::Div => ("__truediv__", "__rtruediv__"),
        BinOp::FloorDiv => ("__floordiv__", "__rfloordiv__"),
        BinOp::Mod => ("__mod__", "__rmod__"),
        BinOp::Pow => ("__pow__", "__rpow__"),
        BinOp::LShift => ("__lshift__", "__rlshift__"),
        BinOp::RShift => ("__rshift__", "__rrshift__"),
        BinOp::BitAnd => ("__and__", "__rand__"),
        BinOp::BitOr => ("__or__", "__ror__"),
        BinOp::BitXor => ("__xor__", "__rxor__"),
    };
    if reflected {
        refl
    } else {
        plain
    }
}

fn cmp(op: CmpOp, a: f64, b: f64) -> bool {
    match op {
        CmpOp::Eq | CmpOp::Is => a == b,
        CmpOp::NotEq | CmpOp::IsNot => a != b,
        CmpOp::Lt => a < b,
        CmpOp::LtE => a <= b,
        CmpOp::Gt => a > b,
        CmpOp::GtE => a >= b,
        CmpOp::In | CmpOp::NotIn => false,
    }
}

fn num_of(v: &Value) -> Option<f64> {
    match v {
        Value::Int(s) => s.as_num(),
        Value::Float(f) => *f,
        _ => None,
    }
}

fn float_op(op: BinOp, a: f64, b: f64) -> Option<f64> {
    Some(match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div if b != 0.0 => a / b,
        BinOp::FloorDiv if b != 0.0 => (a / b).floor(),
        BinOp::Mod if b != 0.0 => a.rem_euclid(b),
        BinOp::Pow => a.powf(b),
        _ => return None,
    })
}

/// How a function defined in a class body binds when looked up.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MethodKind {
    Plain,
    Static,
    Class,
    Property,
}

fn method_kind(f: &FuncVal) -> MethodKind {
    let Callable::Def(d) = &f.callable else {
        return MethodKind::Plain;
    };
    for dec in &d.decorators {
        // `@property`, `@functools.cached_property`, `@x.setter` ...
        let name = dec.dotted().unwrap_or_default();
        match name.rsplit('.').next().unwrap_or_default() {
            "staticmethod" => return MethodKind::Static,
            "classmethod" => return MethodKind::Class,
            "property" | "cached_property" => return MethodKind::Property,
            _ => {}
        }
    }
    MethodKind::Plain
}

/// An attribute through `super()`: the method of the first base class (of the
/// class whose method called `super()`) that has it, bound to the same `self`.
fn super_attr(proxy: &BTreeMap<String, Value>, attr: &str) -> Value {
    let (Some(Value::Class(start)), Some(this)) = (proxy.get("__class__"), proxy.get("__self__"))
    else {
        return Value::Unknown;
    };
    let found = start.bases.iter().find_map(|b| match b {
        Value::Class(c) => c.lookup(attr),
        _ => None,
    });
    match found {
        Some(Value::Func(f)) => match method_kind(&f) {
            MethodKind::Static => Value::Func(f),
            MethodKind::Class => Value::Method {
                func: f,
                recv: Box::new(match this {
                    Value::Instance { class, .. } => Value::Class(class.clone()),
                    other => other.clone(),
                }),
            },
            _ => Value::Method {
                func: f,
                recv: Box::new(this.clone()),
            },
        },
        Some(other) => other,
        // `super().__init__()` of a library or `object` base does nothing we model.
        None => Value::Lib(format!("super_proxy.{attr}").into()),
    }
}

/// A literal the compiler folds into one constant: numbers, strings,
/// `None`, booleans, and tuples of them.
fn is_constant(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::Float(_)
        | ExprKind::Complex(_)
        | ExprKind::Str(_)
        | ExprKind::Bytes(_)
        | ExprKind::Bool(_)
        | ExprKind::NoneLit
        | ExprKind::Ellipsis => true,
        ExprKind::UnaryOp { operand, .. } => is_constant(operand),
        ExprKind::Tuple(items) => items.iter().all(is_constant),
        _ => false,
    }
}

/// What building a display of `n` items costs, in `PyOps::alloc` units (one
/// per empty container): a set or dict hashes and inserts each item, about
/// as much again per item; a list or tuple only stores it. Measured on the
/// reference node: `{'id': i, 'value': x, 'tag': t}` 56 ns, six keys 112,
/// one 32; `{i, x, t}` 60; `[i, x, t]` and `(i, x, t)` 26-28.
fn display_units(kind: &ExprKind, n: usize) -> f64 {
    let n = n as f64;
    match kind {
        ExprKind::Dict(_) | ExprKind::Set(_) => 1.0 + n,
        _ => 1.0 + 0.25 * n,
    }
}

/// The class name of an instance's `__dict__` as the analyser holds it: an
/// object sharing the instance's attributes.
pub(crate) const INSTANCE_DICT: &str = "builtins.instance_dict";

/// `object.__new__` as reached through a class that does not define it.
pub(crate) const OBJECT_NEW: &str = "builtins.object.__new__";
