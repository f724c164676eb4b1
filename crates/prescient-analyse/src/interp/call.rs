//! Calls: user functions and methods are analysed at the call site with the
//! arguments' abstract values; library calls go to the knowledge base.

use super::*;
use crate::kb::{self, CallArgs};
use prescient_syntax::ast::*;
use std::rc::Rc;

/// What a frozen dataclass's generated `__init__` costs per field beyond a
/// plain one's, in units of a plain built-in call (7.7 ns): it sets each
/// through `object.__setattr__`, 57-67 ns measured on CPython 3.11.
const FROZEN_FIELD_UNITS: f64 = 7.8;

impl Interp<'_> {
    pub(crate) fn eval_call(
        &mut self,
        whole: &Expr,
        func: &Expr,
        args: &[Expr],
        keywords: &[Keyword],
    ) -> Value {
        let callee = self.eval(func);
        let mut pos = Vec::with_capacity(args.len());
        for a in args {
            match &a.kind {
                ExprKind::Starred(inner) => {
                    let v = self.eval(inner);
                    match v {
                        Value::Seq {
                            items: SeqItems::Known(vs),
                            ..
                        } => pos.extend(vs),
                        Value::Array(a) if a.shape.len() == 1 => {
                            // f(*shape_array): unknown count of scalars.
                            pos.push(Value::Unknown);
                        }
                        other => pos.push(Value::Starred(Box::new(other))),
                    }
                }
                _ => pos.push(self.eval(a)),
            }
        }
        let mut kw = Vec::with_capacity(keywords.len());
        for k in keywords {
            let v = self.eval(&k.value);
            match &k.name {
                Some(n) => kw.push((n.clone(), v)),
                None => {
                    if let Value::Seq {
                        kind: SeqKind::Dict,
                        items: SeqItems::Known(kv),
                    } = v
                    {
                        for p in kv {
                            if let Value::Seq {
                                items: SeqItems::Known(pair),
                                ..
                            } = p
                            {
                                if let (Some(k), Some(v)) =
                                    (pair.first().and_then(|x| x.as_text()), pair.get(1))
                                {
                                    kw.push((k.to_string(), v.clone()));
                                }
                            }
                        }
                    }
                }
            }
        }
        // A Python function's call builds a frame; a built-in's does not. A
        // class's call is counted where it is instantiated: it builds a frame
        // only if an `__init__` runs.
        match &callee {
            Value::Class(_) => {}
            Value::Func(_) | Value::Method { .. } | Value::Instance { .. } => {
                self.ops(|o, m| o.py_calls += m)
            }
            Value::Lib(q) | Value::Bound { qual: q, .. } => {
                let w = kb::pystd::call_weight(&kb::canonical(q), &pos);
                self.ops(|o, m| o.calls += w * m);
            }
            _ => self.ops(|o, m| o.calls += m),
        }
        let line = self.line;
        let text = unparse::unparse(whole);
        // Only the program's own functions run; the test is skipped for
        // every library call.
        self.oracle_ok = matches!(
            callee,
            Value::Func(_) | Value::Method { .. } | Value::Class(_)
        ) && self.may_run(func, args, keywords, &pos, &kw);
        // An argument the statement built (`render(load(path))`) is alive
        // through the call, beside what the call builds.
        let held: f64 = if matches!(callee, Value::Func(_) | Value::Method { .. }) {
            args.iter()
                .zip(&pos)
                .filter(|(a, _)| super::stmt::builds_anew(a))
                .map(|(_, v)| self.python_bytes(v))
                .sum()
        } else {
            0.0
        };
        self.temp_bytes += held;
        let out = self.call_value(callee, pos, kw, &text, func, args, line);
        self.temp_bytes -= held;
        out
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn call_value(
        &mut self,
        callee: Value,
        pos: Vec<Value>,
        kw: Vec<(String, Value)>,
        text: &str,
        func_expr: &Expr,
        arg_exprs: &[Expr],
        line: u32,
    ) -> Value {
        if let Some(v) = self.instance_copy(&callee, &pos) {
            return v;
        }
        // One of several methods picked by name (`getattr(self, "on_" +
        // kind)`): each runs in its share.
        if let Value::Obj { class, attrs } = &callee {
            if &**class == crate::kb::pystd::DISPATCH {
                let methods: Vec<Value> = attrs.borrow().values().cloned().collect();
                let shares = self.dispatch_shares(&methods);
                let mut out = Value::Unknown;
                for (m, w) in methods.into_iter().zip(shares) {
                    if w <= 0.0 {
                        continue;
                    }
                    // For what it adds to containers too, as a branch.
                    let saved = self.branch_share;
                    self.branch_share = saved * w;
                    let r = self.weighted(w, |it| {
                        it.call_value(m, pos.clone(), kw.clone(), text, func_expr, arg_exprs, line)
                    });
                    self.branch_share = saved;
                    if matches!(out, Value::Unknown | Value::None) {
                        out = r;
                    }
                }
                return out;
            }
        }
        match callee {
            Value::Func(f) => {
                let out = self.call_function(&f, pos, kw);
                self.write_back_params(0, arg_exprs);
                out
            }
            Value::Method { func, recv } => {
                let mut all = vec![*recv];
                all.extend(pos);
                let out = self.call_function(&func, all, kw);
                self.write_back_params(1, arg_exprs);
                out
            }
            Value::Class(c) => match builtin_container_base(&c) {
                // `class OrderedCollection(list): pass`: a built-in container
                // under another name, with its methods and its size.
                Some(q) => self.call_lib(&q, None, pos, kw, text, arg_exprs, None, line),
                None => self.instantiate(c, pos, kw),
            },
            Value::Lib(q) => self.call_lib(&q, None, pos, kw, text, arg_exprs, None, line),
            Value::Bound { qual, recv } => {
                let recv_expr = match &func_expr.kind {
                    ExprKind::Attribute { value, .. } => Some((**value).clone()),
                    _ => None,
                };
                self.call_lib(
                    &qual,
                    Some(*recv),
                    pos,
                    kw,
                    text,
                    arg_exprs,
                    recv_expr,
                    line,
                )
            }
            Value::Obj { ref class, .. } => {
                let qual = format!("{class}.__call__");
                self.call_lib(
                    &qual,
                    Some(callee.clone()),
                    pos,
                    kw,
                    text,
                    arg_exprs,
                    None,
                    line,
                )
            }
            Value::Instance { ref class, .. } => {
                let class = class.clone();
                if let Some(Value::Func(f)) = class.lookup("__call__") {
                    let mut all = vec![callee.clone()];
                    all.extend(pos);
                    return self.call_function(&f, all, kw);
                }
                if class.lib_base().is_some_and(|b| b.starts_with("torch.nn")) {
                    if let Some(Value::Func(f)) = class.lookup("forward") {
                        let mut all = vec![callee.clone()];
                        all.extend(pos);
                        return self.call_function(&f, all, kw);
                    }
                }
                Value::Unknown
            }
            Value::DType(d) => {
                // np.float32(x): a scalar conversion.
                let _ = d;
                if d.is_float() {
                    Value::Float(None)
                } else {
                    pos.into_iter().next().unwrap_or(Value::Unknown)
                }
            }
            _ => {
                let name = func_expr
                    .dotted()
                    .unwrap_or_else(|| unparse::unparse(func_expr));
                self.count_call(&name, false);
                Value::Unknown
            }
        }
    }

    /// Calls a value with positional arguments only (from library code).
    pub(crate) fn call_value_simple(&mut self, callee: Value, pos: Vec<Value>) -> Value {
        let dummy = Expr {
            span: Span::default(),
            kind: ExprKind::Opaque,
        };
        let line = self.line;
        self.call_value(callee, pos, vec![], "", &dummy, &[], line)
    }

    /// The canonical library name an expression refers to, if any, without
    /// evaluating anything: `np.exp` -> `numpy.exp`, `x.max` -> `ndarray.max`.
    pub(crate) fn qual_of(&self, e: &Expr) -> Option<String> {
        match &e.kind {
            ExprKind::Name(n) => match self.lookup(n)? {
                Value::Lib(q) => Some(kb::canonical(&q)),
                _ => None,
            },
            ExprKind::Attribute { value, attr } => {
                if let Some(base) = self.qual_of(value) {
                    return Some(kb::canonical(&format!("{base}.{attr}")));
                }
                match &value.kind {
                    ExprKind::Name(n) => match self.lookup(n)? {
                        Value::Array(a) => Some(format!(
                            "{}.{attr}",
                            if a.lib == Lib::Torch {
                                "Tensor"
                            } else {
                                "ndarray"
                            }
                        )),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn call_lib(
        &mut self,
        qual: &str,
        recv: Option<Value>,
        pos: Vec<Value>,
        kw: Vec<(String, Value)>,
        text: &str,
        arg_exprs: &[Expr],
        recv_expr: Option<Expr>,
        line: u32,
    ) -> Value {
        let qual = kb::canonical(qual);
        let ca = CallArgs {
            name: qual.clone(),
            recv,
            pos,
            kw,
            text: text.to_string(),
            arg_exprs: arg_exprs.to_vec(),
            recv_expr,
            line,
        };
        if let (Some(recv), true) = (&ca.recv, keyed_method(&qual)) {
            self.keyed_access(recv, ca.recv_expr.as_ref(), ca.arg_exprs.first());
        }
        match kb::call(self, &ca) {
            Some(v) => {
                self.count_call(&qual, true);
                v
            }
            None => {
                self.count_call(&qual, false);
                // Whatever an unknown call does with an array, it yields something of
                // unknown size; keep the receiver's kind for methods of arrays.
                Value::Unknown
            }
        }
    }

    /// `super()` inside a method: a proxy naming the instance (or class) the
    /// method runs on and the class that defines the running method, whose
    /// bases the proxy's attributes are looked up in.
    pub(crate) fn super_proxy(&self) -> Value {
        let Some(&running) = self.call_stack.last() else {
            return Value::Unknown;
        };
        fn defining(c: &Rc<ClassVal>, id: u64) -> Option<Rc<ClassVal>> {
            let here = c
                .attrs
                .borrow()
                .values()
                .any(|v| matches!(v, Value::Func(f) if f.id == id));
            if here {
                return Some(c.clone());
            }
            c.bases.iter().find_map(|b| match b {
                Value::Class(b) => defining(b, id),
                _ => None,
            })
        }
        let Some(frame) = self.frames.last() else {
            return Value::Unknown;
        };
        for v in frame.locals.values() {
            let class = match v {
                Value::Instance { class, .. } | Value::Class(class) => class,
                _ => continue,
            };
            if let Some(def) = defining(class, running) {
                let attrs = [
                    ("__class__".to_string(), Value::Class(def)),
                    ("__self__".to_string(), v.clone()),
                ];
                return Value::Obj {
                    class: "builtins.super".into(),
                    attrs: Rc::new(std::cell::RefCell::new(attrs.into_iter().collect())),
                };
            }
        }
        Value::Unknown
    }

    /// A list, dict or set passed to a Python function is the caller's own
    /// object: what the function adds to it (`add_edge(graph, u, v)`,
    /// `memo[n] = r` in a helper given `memo`) stays in the caller's
    /// container, which loops around the call then see grow. `skip` is how
    /// many leading parameters the call filled itself (a method's `self`).
    pub(crate) fn write_back_params(&mut self, skip: usize, arg_exprs: &[Expr]) {
        let mutated = std::mem::take(&mut self.mutated_params);
        for (i, after) in mutated {
            let Some(arg) = i.checked_sub(skip).and_then(|j| arg_exprs.get(j)) else {
                continue;
            };
            if !matches!(arg.kind, ExprKind::Name(_) | ExprKind::Attribute { .. }) {
                continue;
            }
            let Some(before @ Value::Seq { .. }) = self.peek(arg) else {
                continue;
            };
            let grew = match (before.len(), after.len()) {
                (Some(b), Some(a)) => self.num(&a) > self.num(&b),
                _ => false,
            };
            if grew && before.seq_kind() == after.seq_kind() {
                self.mark_accumulated_target(arg);
                self.assign(arg, after);
            }
        }
    }

    /// The positional parameters of `d` that hold a list, dict or set the
    /// caller passed and that its body changes in place only (never rebinds),
    /// with their values now: see [`Self::write_back_params`].
    fn note_mutated_params(&mut self, d: &FunctionDef) {
        let Some(frame) = self.frames.last() else {
            return;
        };
        let mut out = Vec::new();
        for (i, p) in d.params.positional.iter().enumerate() {
            let Some(v @ Value::Seq { kind, .. }) = frame.locals.get(&p.name) else {
                continue;
            };
            if *kind == SeqKind::Tuple || rebinds(d, &p.name) {
                continue;
            }
            out.push((i, v.clone()));
        }
        self.mutated_params = out;
    }

    /// The Python containers a function builds in its own locals, as they
    /// are just before it returns (`dist = {}` filled by a search that returns
    /// one number), are alive during its call and freed after: they count in
    /// the calling statement's peak. Only names bound to a new container (a
    /// display, a comprehension, a call by name such as `defaultdict(list)`)
    /// count: others may be the caller's objects under another name
    /// (`q = self.queue`, `cur = self.head`), and arrays are counted where
    /// they are allocated. A linked structure a call by name returned
    /// (`root = build_tree(items)`) counts with all its nodes.
    ///
    /// They are measured after each loop of the function's own body too, as
    /// a loop that drains a container (a heap of events popped until empty)
    /// leaves it small by the return.
    fn note_frame_peak(&mut self, built: &[&str], d: &FunctionDef, receiver: Option<f64>) {
        // What a method's receiver holds beyond what it held when the call
        // began: a queue it fills and drains in the call (`self.heap`) is
        // alive at its fullest here, whether or not the caller keeps the
        // object.
        let grown = match (receiver, self.receiver_bytes(d)) {
            (Some(before), Some(now)) => (now - before).max(0.0),
            _ => 0.0,
        };
        let Some(frame) = self.frames.last() else {
            return;
        };
        let mut bufs = Vec::new();
        let mut tracked = 0.0;
        let loose: f64 = frame
            .locals
            .iter()
            .filter(|(k, v)| {
                built.contains(&k.as_str())
                    && (matches!(v, Value::Seq { .. })
                        || super::loops::chain_length(v).is_some_and(|n| n > 1.0))
            })
            .map(|(_, v)| self.measure(v, &mut bufs, &mut tracked, 0))
            .sum();
        // A memoised function the call defined holds its cache until then,
        // and beyond: it calls itself through its closure's cell, a cycle
        // only the cyclic collector frees. A big cache lives through many
        // young collections and reaches the oldest generation, which is
        // collected rarely: the caches of up to `RETAINED_CYCLES` calls of
        // this function are taken to be alive together (measured: 8.5 of
        // 10 at the peak, 310 MiB against 44 for one). A small one dies
        // young, with its cycle.
        let calls = self.mult_num.clamp(1.0, RETAINED_CYCLES);
        let caches: f64 =
            frame
                .locals
                .values()
                .filter_map(|v| match v {
                    Value::Func(f) => self.memo_bytes.get(&f.id).map(|&b| {
                        if b >= OLD_CYCLE_BYTES {
                            b * calls
                        } else {
                            b
                        }
                    }),
                    _ => None,
                })
                .sum();
        self.stmt_peak = self.stmt_peak.max(self.temp_bytes + loose + caches + grown);
    }

    /// The bytes of Python objects the receiver of a method holds (its
    /// first parameter, an instance of the program's class), in the current
    /// frame. Array buffers are left out: they are counted where they are
    /// allocated (`self.w = np.zeros(...)` in `__init__` counted twice
    /// otherwise).
    fn receiver_bytes(&self, d: &FunctionDef) -> Option<f64> {
        let name = &d.params.positional.first()?.name;
        let v = self.frames.last()?.locals.get(name)?;
        if !matches!(v, Value::Instance { .. }) {
            return None;
        }
        let mut bufs = Vec::new();
        let mut tracked = 0.0;
        Some(self.measure(v, &mut bufs, &mut tracked, 0))
    }

    /// The names a function's body binds to a new container (see
    /// [`Self::note_frame_peak`]).
    fn built_containers(d: &FunctionDef) -> Vec<&str> {
        let mut built: Vec<&str> = Vec::new();
        for s in &d.body {
            s.walk(&mut |st| {
                let StmtKind::Assign { targets, value } = &st.kind else {
                    return;
                };
                let fresh = match &value.kind {
                    ExprKind::List(_)
                    | ExprKind::Dict(_)
                    | ExprKind::Set(_)
                    | ExprKind::Comp { .. }
                    | ExprKind::BinOp { .. } => true,
                    ExprKind::Call { func, .. } => func.as_name().is_some(),
                    _ => false,
                };
                if fresh {
                    built.extend(targets.iter().filter_map(|t| t.as_name()));
                }
            });
        }
        built
    }

    /// Instances made without their `__init__`: `cls.__new__(cls)` (a bare
    /// one), `copy.copy(obj)` and `copy.deepcopy(obj)` (a new instance with
    /// the same attributes: shared by a shallow copy, its own by a deep one,
    /// whose cost the library rule counts), and `new.__dict__.update(
    /// old.__dict__)` (the attributes copied over). None for other calls.
    fn instance_copy(&mut self, callee: &Value, pos: &[Value]) -> Option<Value> {
        match (callee, pos.first()) {
            (Value::Lib(q), Some(Value::Class(c))) if &**q == super::expr::OBJECT_NEW => {
                let attrs: Attrs = Rc::new(std::cell::RefCell::new(BTreeMap::new()));
                self.note_born(&attrs);
                self.ops(|o, m| o.instances += m);
                Some(Value::Instance {
                    class: c.clone(),
                    attrs,
                })
            }
            (Value::Lib(q), Some(Value::Instance { class, attrs }))
                if matches!(&**q, "copy.copy" | "copy.deepcopy") =>
            {
                let deep = &**q == "copy.deepcopy";
                if deep {
                    let units = crate::kb::pystd::deepcopy_units(self, &pos[0], 0);
                    self.ops(|o, m| o.calls += units * m);
                } else {
                    self.ops(|o, m| o.calls += m);
                }
                let copied: BTreeMap<String, Value> = attrs
                    .borrow()
                    .iter()
                    .filter(|(k, _)| !super::linked::hidden(k))
                    .map(|(k, v)| {
                        let v = if deep {
                            v.clone().unshared()
                        } else {
                            v.clone().shared()
                        };
                        (k.clone(), v)
                    })
                    .collect();
                let attrs: Attrs = Rc::new(std::cell::RefCell::new(copied));
                self.note_born(&attrs);
                self.ops(|o, m| o.instances += m);
                Some(Value::Instance {
                    class: class.clone(),
                    attrs,
                })
            }
            (
                Value::Bound { qual, recv },
                Some(Value::Obj {
                    class: from,
                    attrs: src,
                }),
            ) if &**qual == "builtins.instance_dict.update"
                && &**from == super::expr::INSTANCE_DICT =>
            {
                let Value::Obj { attrs: dst, .. } = &**recv else {
                    return None;
                };
                self.ops(|o, m| o.calls += m);
                if !Rc::ptr_eq(dst, src) {
                    let items: Vec<(String, Value)> = src
                        .borrow()
                        .iter()
                        .filter(|(k, _)| !super::linked::hidden(k))
                        .map(|(k, v)| (k.clone(), v.clone().shared()))
                        .collect();
                    dst.borrow_mut().extend(items);
                }
                Some(Value::None)
            }
            _ => None,
        }
    }

    /// A new instance of a user class, initialised by its `__init__`.
    fn instantiate(
        &mut self,
        class: Rc<ClassVal>,
        pos: Vec<Value>,
        kw: Vec<(String, Value)>,
    ) -> Value {
        let attrs: Attrs = Rc::new(std::cell::RefCell::new(BTreeMap::new()));
        self.note_born(&attrs);
        let inst = Value::Instance {
            class: class.clone(),
            attrs,
        };
        self.ops(|o, m| o.instances += m);
        if let Some(Value::Func(init)) = class.lookup("__init__") {
            let mut all = vec![inst.clone()];
            all.extend(pos);
            self.ops(|o, m| o.py_calls += m);
            self.call_function(&init, all, kw);
        } else if is_record_class(&class) {
            // The generated `__init__` is Python code too.
            self.ops(|o, m| o.py_calls += m);
            if crate::value::dataclass_flag(&class, "frozen", true) {
                // A frozen one sets each field through
                // `object.__setattr__` (measured: 57-67 ns a field more
                // than a plain dataclass).
                let mut fields = Vec::new();
                crate::value::record_fields(&class, &mut fields);
                let n = fields.len() as f64;
                self.ops(|o, m| o.calls += FROZEN_FIELD_UNITS * n * m);
            }
            self.init_record(&class, &inst, pos, kw);
        }
        inst
    }

    /// A special method the interpreter calls for an operator or a protocol
    /// (`a + b` -> `__add__`, `len(x)` -> `__len__`): a Python call like any
    /// other, with its frame.
    pub(crate) fn call_dunder(&mut self, f: &Rc<FuncVal>, args: Vec<Value>) -> Value {
        self.ops(|o, m| o.py_calls += m);
        self.call_function(f, args, vec![])
    }

    /// Calls `f` as a library function does, `times` times per execution of
    /// this point (a sort's comparisons, a key function per item): its body's
    /// work is weighted by `times`, and each call builds a frame.
    pub(crate) fn call_times(&mut self, f: &Rc<FuncVal>, args: Vec<Value>, times: f64) -> Value {
        self.weighted(times, |it| it.call_dunder(f, args))
    }

    /// `times` comparisons `l < r` of values that order themselves in Python
    /// (`python_order`), per execution of this point.
    pub(crate) fn python_compares(&mut self, order: PythonOrder, l: Value, r: Value, times: f64) {
        match order {
            PythonOrder::Method(f) => {
                self.call_times(&f, vec![l, r], times);
            }
            PythonOrder::Fields(n) => self.ops(|o, m| {
                let k = times * m;
                o.py_calls += k;
                o.alloc += 2.0 * k;
                o.attr += 2.0 * n as f64 * k;
                o.compare += k;
            }),
        }
    }

    /// How a value orders itself when a sort or a heap compares it: the
    /// Python `__lt__` of its class (written, or generated by
    /// `@dataclass(order=True)`, which compares tuples of the fields), or
    /// `None` where the comparison runs in C.
    pub(crate) fn python_order(&self, v: &Value) -> Option<PythonOrder> {
        let Value::Instance { class, .. } = v else {
            return None;
        };
        if let Some(Value::Func(f)) = class.lookup("__lt__") {
            return Some(PythonOrder::Method(f));
        }
        ordered_dataclass(class).then(|| {
            let mut fields = Vec::new();
            record_fields(class, &mut fields);
            fields.retain(|(_, default)| crate::value::compared_field(default.as_ref()));
            PythonOrder::Fields(fields.len())
        })
    }

    /// The `__init__` a dataclass or `typing.NamedTuple` class generates: each
    /// annotated field, bases' first, takes the next positional argument, else
    /// its keyword, else its default (`field(default_factory=list)` calls the
    /// factory). A generated `__post_init__` runs after.
    fn init_record(
        &mut self,
        class: &Rc<ClassVal>,
        inst: &Value,
        pos: Vec<Value>,
        kw: Vec<(String, Value)>,
    ) {
        let Value::Instance { attrs, .. } = inst else {
            return;
        };
        let mut fields = Vec::new();
        record_fields(class, &mut fields);
        self.ops(|o, m| o.attr += fields.len() as f64 * m);
        let mut pos = pos.into_iter();
        for (name, default) in fields {
            let v = match pos.next() {
                Some(v) => v,
                None => match kw.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => v.clone(),
                    None => self.field_default(class, &name, default.as_ref()),
                },
            };
            attrs.borrow_mut().insert(name, v);
        }
        if let Some(Value::Func(post)) = class.lookup("__post_init__") {
            self.call_function(&post, vec![inst.clone()], vec![]);
        }
    }

    fn field_default(&mut self, class: &ClassVal, name: &str, default: Option<&Expr>) -> Value {
        if let Some(ExprKind::Call { func, keywords, .. }) = default.map(|d| &d.kind) {
            if func.dotted().is_some_and(|f| f.ends_with("field")) {
                for k in keywords {
                    match k.name.as_deref() {
                        Some("default_factory") => {
                            let f = self.eval(&k.value);
                            return self.call_value_simple(f, vec![]);
                        }
                        Some("default") => return self.eval(&k.value),
                        _ => {}
                    }
                }
            }
        }
        class.lookup(name).unwrap_or(Value::Unknown)
    }

    /// A new frame with the parameters of `f` bound to these arguments.
    /// The positional parameters' values in a bound frame, in order.
    pub(crate) fn param_values(&self, f: &FuncVal, frame: &Frame) -> Vec<Value> {
        let params: &Params = match &f.callable {
            Callable::Def(d) => &d.params,
            Callable::Lambda { params, .. } => params,
        };
        params
            .positional
            .iter()
            .map(|p| frame.locals.get(&p.name).cloned().unwrap_or(Value::Unknown))
            .collect()
    }

    pub(crate) fn bind_params(
        &mut self,
        f: &Rc<FuncVal>,
        pos: Vec<Value>,
        kw: Vec<(String, Value)>,
    ) -> Frame {
        let params: &Params = match &f.callable {
            Callable::Def(d) => &d.params,
            Callable::Lambda { params, .. } => params,
        };
        let mut frame = self.new_frame(&f.name, f.closure.clone());
        frame.params = params
            .positional
            .iter()
            .chain(&params.kwonly)
            .map(|p| p.name.clone())
            .collect();
        // A keyword argument, else the default, else unknown.
        let by_name = |name: &str| {
            kw.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
                .or_else(|| f.defaults.get(name).cloned())
                .unwrap_or(Value::Unknown)
        };
        let mut pos_iter = pos.into_iter();
        for p in &params.positional {
            let v = match pos_iter.next() {
                Some(v) => v,
                None => by_name(&p.name),
            };
            frame.locals.insert(p.name.clone(), v);
        }
        if let Some(va) = &params.vararg {
            let rest: Vec<Value> = pos_iter.collect();
            frame.locals.insert(va.clone(), Value::tuple(rest));
        }
        for p in &params.kwonly {
            frame.locals.insert(p.name.clone(), by_name(&p.name));
        }
        if let Some(kwa) = &params.kwarg {
            let items = kw
                .iter()
                .filter(|(k, _)| {
                    !params
                        .positional
                        .iter()
                        .chain(&params.kwonly)
                        .any(|p| &p.name == k)
                })
                .map(|(k, v)| Value::tuple(vec![Value::str_known(k), v.clone()]))
                .collect();
            frame.locals.insert(
                kwa.clone(),
                Value::Seq {
                    kind: SeqKind::Dict,
                    items: SeqItems::Known(items),
                },
            );
        }
        frame
    }

    /// Analyses a user function with these arguments; returns its result.
    pub(crate) fn call_function(
        &mut self,
        f: &Rc<FuncVal>,
        pos: Vec<Value>,
        kw: Vec<(String, Value)>,
    ) -> Value {
        // Only this call's own mutations may be written back to its caller,
        // not those of a call it made last.
        self.mutated_params.clear();
        let may_run = std::mem::take(&mut self.oracle_ok);
        if self.call_stack.contains(&f.id) {
            let frame = self.bind_params(f, pos, kw);
            let params = self.param_values(f, &frame);
            self.recursion_site(f, &params);
            return Value::Unknown;
        }
        if self.call_stack.len() >= MAX_CALL_DEPTH {
            self.note(format!(
                "calls nested deeper than {MAX_CALL_DEPTH} were not followed"
            ));
            return Value::Unknown;
        }
        let mut frame = self.bind_params(f, pos, kw);
        frame.func = Some(f.clone());
        let params = self.param_values(f, &frame);
        let counted = match &f.callable {
            Callable::Def(d) if may_run => self.oracle_enter(f, d, &params),
            _ => false,
        };
        self.recursion_enter(f, &params);
        self.frames.push(frame);
        self.call_stack.push(f.id);
        let saved_line = self.line;
        let result = match &f.callable {
            Callable::Lambda { body, .. } => {
                let v = self.eval(body);
                self.mutated_params.clear();
                v
            }
            Callable::Def(d) => {
                let built = Self::built_containers(d);
                let receiver = self.receiver_bytes(d);
                if !self.loops.is_empty() {
                    self.note_attr_bounds(&d.body);
                }
                for (i, s) in d.body.iter().enumerate() {
                    let flow = self.exec_nth(&d.body, i, true);
                    if matches!(s.kind, StmtKind::For { .. } | StmtKind::While { .. }) {
                        self.note_frame_peak(&built, d, receiver);
                    }
                    if !matches!(flow, Flow::Normal) {
                        break;
                    }
                }
                self.note_frame_peak(&built, d, receiver);
                self.note_mutated_params(d);
                Value::None
            }
        };
        self.line = saved_line;
        self.call_stack.pop();
        let calls = self.recursion_leave(f);
        if counted {
            self.oracle_leave();
        }
        let frame = self.frames.pop().expect("frame");
        if !frame.yields.is_empty() {
            // A generator function: its result is the sequence of what it yields.
            let (elem, _) = frame.yields[0].clone();
            let n = Sym::sum(frame.yields.iter().map(|(_, m)| m.clone()));
            return Value::lazy(elem, n);
        }
        if matches!(f.callable, Callable::Lambda { .. }) {
            return result;
        }
        let result = frame
            .returns
            .iter()
            .find(|v| !matches!(v, Value::Unknown | Value::None))
            .or(frame.returns.first())
            .cloned()
            .unwrap_or(Value::None);
        if let (Some(n), Callable::Def(d)) = (calls, &f.callable) {
            self.built_by_recursion(d, n, &frame.returns, &result);
        }
        result
    }
}

/// Whether `d`'s body binds `name` anew (`xs = sorted(xs)`, `for xs in
/// ...`), so that its value there is no longer the caller's object.
fn rebinds(d: &FunctionDef, name: &str) -> bool {
    // Only a name, or names unpacked into, is bound: `xs[i] = v` and
    // `xs.attr = v` change the object in place.
    fn bound(t: &Expr, name: &str) -> bool {
        match &t.kind {
            ExprKind::Name(n) => n == name,
            ExprKind::Tuple(items) | ExprKind::List(items) => items.iter().any(|i| bound(i, name)),
            ExprKind::Starred(inner) => bound(inner, name),
            _ => false,
        }
    }
    let binds = |t: &Expr| bound(t, name);
    let mut found = false;
    for s in &d.body {
        s.walk(&mut |st| {
            found |= match &st.kind {
                StmtKind::Assign { targets, .. } => targets.iter().any(binds),
                StmtKind::AnnAssign { target, .. } | StmtKind::For { target, .. } => binds(target),
                StmtKind::Delete(ts) => ts.iter().any(binds),
                StmtKind::With { items, .. } => {
                    items.iter().any(|w| w.target.as_ref().is_some_and(&binds))
                }
                StmtKind::Global(ns) | StmtKind::Nonlocal(ns) => ns.iter().any(|n| n == name),
                _ => false,
            };
        });
    }
    found
}

/// Methods that reach into their container by the key they are given.
fn keyed_method(qual: &str) -> bool {
    matches!(
        qual,
        "dict.get" | "dict.setdefault" | "dict.pop" | "set.add" | "set.discard" | "set.remove"
    )
}

/// A dataclass whose decorator asks for ordering methods
/// (`@dataclass(order=True)`), here or in a base.
fn ordered_dataclass(c: &ClassVal) -> bool {
    let here = c.def.decorators.iter().any(|d| match &d.kind {
        ExprKind::Call { func, keywords, .. } => {
            func.dotted().is_some_and(|n| n.ends_with("dataclass"))
                && keywords.iter().any(|k| {
                    k.name.as_deref() == Some("order")
                        && matches!(k.value.kind, ExprKind::Bool(true))
                })
        }
        _ => false,
    });
    here || c.bases.iter().any(|b| match b {
        Value::Class(b) => ordered_dataclass(b),
        _ => false,
    })
}

/// Calls whose memo caches, each a cycle through its function's closure,
/// are taken to be alive together (see `note_frame_peak`).
const RETAINED_CYCLES: f64 = 10.0;

/// The size from which such a cache outlives the young collections (about
/// 7,000 entries: ten collections of the youngest generation).
const OLD_CYCLE_BYTES: f64 = 1048576.0;

/// The built-in container a class only renames: its base is `list`, `dict`,
/// `set` or a `collections` container, and it defines no method of its own
/// (a method could change what the container holds or how it grows).
fn builtin_container_base(c: &ClassVal) -> Option<std::sync::Arc<str>> {
    if c.attrs
        .borrow()
        .values()
        .any(|v| matches!(v, Value::Func(_)))
    {
        return None;
    }
    match c.bases.as_slice() {
        [Value::Lib(q)] if CONTAINER_BASES.contains(&&**q) => Some(q.clone()),
        [Value::Class(b)] => builtin_container_base(b),
        _ => None,
    }
}

const CONTAINER_BASES: &[&str] = &[
    "builtins.list",
    "builtins.dict",
    "builtins.set",
    "collections.OrderedDict",
    "collections.defaultdict",
    "collections.deque",
    "collections.Counter",
];

impl Interp<'_> {
    /// The shares of the calls a name-picked dispatch makes to each of its
    /// methods: as often as a run of the program called each (a state
    /// machine entering `vend` once in five steps, not once in three),
    /// else equal.
    fn dispatch_shares(&self, methods: &[Value]) -> Vec<f64> {
        let equal = vec![1.0 / methods.len().max(1) as f64; methods.len()];
        if !self.oracle_active() {
            return equal;
        }
        let counts: Vec<Option<f64>> = methods
            .iter()
            .map(|m| match m {
                Value::Method { func, .. } => match &func.callable {
                    Callable::Def(d) => self.oracle_call_total(d),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        // A method the run never called has no count: none of the calls.
        let total: f64 = counts.iter().flatten().sum();
        if total <= 0.0 {
            return equal;
        }
        counts.iter().map(|c| c.unwrap_or(0.0) / total).collect()
    }
}
