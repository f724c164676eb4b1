//! Statements: the module driver (top-level statements and the entry function's
//! body become records), assignment, control flow and definitions.

use super::*;
use prescient_syntax::ast::*;
use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

/// The names an expression reads or writes in its own scope: its
/// comprehensions and lambdas have scopes of their own.
pub(crate) fn name_accesses(e: &Expr) -> f64 {
    match &e.kind {
        ExprKind::Name(_) => 1.0,
        ExprKind::Comp { .. } | ExprKind::Lambda { .. } => 0.0,
        _ => {
            let mut n = 0.0;
            e.for_each_child(&mut |c| n += name_accesses(c));
            n
        }
    }
}

/// Whether a function's body calls it: by name, or as a method on `self`
/// (`self._search(node.left)`).
fn calls_itself(d: &FunctionDef) -> bool {
    let mut found = false;
    for s in &d.body {
        s.walk(&mut |st| {
            for e in st.exprs() {
                found |= expr_calls(e, &d.name);
            }
        });
    }
    found
}

/// Whether `e` calls the function `name`, by name or as a method on `self`.
pub(crate) fn expr_calls(e: &Expr, name: &str) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if let ExprKind::Call { func, .. } = &x.kind {
            found |= match &func.kind {
                ExprKind::Name(n) => n == name,
                ExprKind::Attribute { value, attr } => {
                    value.as_name() == Some("self") && attr == name
                }
                _ => false,
            };
        }
    });
    found
}

/// `d[k] = d.get(k, 0) + 1`, `d[k] = d[k] + x`: the value read back under
/// the same key, so keys repeat (a histogram, not a fresh key per item).
fn is_counting_store(target: &Expr, value: &Expr) -> bool {
    let ExprKind::Subscript {
        value: container,
        index,
    } = &target.kind
    else {
        return false;
    };
    let (c, k) = (unparse::unparse(container), unparse::unparse(index));
    let mut found = false;
    value.walk(&mut |e| match &e.kind {
        ExprKind::Call { func, args, .. } => {
            if let ExprKind::Attribute { value: recv, attr } = &func.kind {
                found |= matches!(attr.as_str(), "get" | "setdefault")
                    && unparse::unparse(recv) == c
                    && args.first().map(unparse::unparse).as_deref() == Some(k.as_str());
            }
        }
        ExprKind::Subscript {
            value: recv,
            index: i,
        } => found |= unparse::unparse(recv) == c && unparse::unparse(i) == k,
        _ => {}
    });
    found
}

impl Interp<'_> {
    /// Runs the whole module, recording each top-level statement.
    pub fn run_module(&mut self, module: &Module) {
        self.size_literals = crate::concrete::size_literals(&module.body);
        // The whole program may run only past its last definition.
        let last_def = module
            .body
            .iter()
            .rposition(|s| matches!(s.kind, StmtKind::FunctionDef(_) | StmtKind::ClassDef(_)));
        for (i, s) in module.body.iter().enumerate() {
            if self.exhausted {
                break;
            }
            if last_def.is_none_or(|d| i > d) {
                self.oracle_module(&module.body, s);
            }
            if let Some(block) = main_guard(s) {
                for inner in block {
                    if let Some((func, call)) = self.entry_call(inner) {
                        let result = self.run_entry(&func, call);
                        // `x = initialize(n)` under the guard: later entry
                        // calls get what this one returned.
                        if let StmtKind::Assign { targets, value } = &inner.kind {
                            if std::ptr::eq(value, call) {
                                for t in targets {
                                    self.assign(t, result.clone());
                                }
                                // Measured now: the next statement's peak
                                // starts from what is live before it.
                                self.account();
                            }
                        }
                    } else {
                        self.top_stmt(inner, "module");
                    }
                }
            } else if let Some((func, call)) = self
                .entry_call(s)
                .filter(|_| matches!(s.kind, StmtKind::Expr(_) | StmtKind::Raise(_)))
            {
                // `main()` called from top level, without the guard.
                let _ = self.run_entry(&func, call);
            } else {
                self.top_stmt(s, "module");
            }
        }
        if self.exhausted {
            self.note(format!(
                "analysis stopped after {STEP_BUDGET} statement evaluations; later code is not included"
            ));
        }
        self.flush_oracle_notes();
    }

    /// `main()`, `sys.exit(main(argv))`, `raise SystemExit(main())`: a call of a
    /// user function whose body becomes top level. Returns the function and the call.
    fn entry_call<'s>(&self, s: &'s Stmt) -> Option<(Rc<FuncVal>, &'s Expr)> {
        let mut e = match &s.kind {
            StmtKind::Expr(e) => e,
            StmtKind::Raise(Some(e)) => e,
            StmtKind::Assign { value, .. } => value,
            _ => return None,
        };
        // Look through wrappers: sys.exit(main()), print(main(argv)), exit(...).
        while let ExprKind::Call { func, args, .. } = &e.kind {
            let user = func
                .as_name()
                .is_some_and(|n| matches!(self.globals.get(n), Some(Value::Func(_))));
            match args.as_slice() {
                [inner] if !user && matches!(inner.kind, ExprKind::Call { .. }) => e = inner,
                _ => break,
            }
        }
        let ExprKind::Call { func, .. } = &e.kind else {
            return None;
        };
        match self.globals.get(func.as_name()?) {
            // A function that calls itself is no `main()`: its calls are
            // counted as recursion.
            Some(Value::Func(f)) if matches!(&f.callable, Callable::Def(d) if !calls_itself(d)) => {
                Some((f.clone(), e))
            }
            _ => None,
        }
    }

    /// Runs an entry function's body as top-level statements; returns what it
    /// returned.
    fn run_entry(&mut self, func: &Rc<FuncVal>, call: &Expr) -> Value {
        let Callable::Def(def) = &func.callable else {
            return Value::Unknown;
        };
        let ExprKind::Call { args, keywords, .. } = &call.kind else {
            return Value::Unknown;
        };
        self.line = call.span.line;
        let pos: Vec<Value> = args.iter().map(|a| self.eval(a)).collect();
        let kw: Vec<(String, Value)> = keywords
            .iter()
            .filter_map(|k| Some((k.name.clone()?, self.eval(&k.value))))
            .collect();
        let frame = self.bind_params(func, pos, kw);
        let params: Vec<String> = frame.locals.keys().cloned().collect();
        let values = self.param_values(func, &frame);
        let counted = self.oracle_enter(func, def, &values);
        self.frames.push(frame);
        self.in_entry = true;
        for p in params {
            self.ledger.touch(super::ledger::Scope::Entry, &p);
        }
        self.account();
        self.call_stack.push(func.id);
        for s in &def.body {
            if self.exhausted {
                break;
            }
            let flow = self.top_stmt(s, &func.name);
            if matches!(flow, Flow::Return) {
                break;
            }
        }
        self.call_stack.pop();
        if counted {
            self.oracle_leave();
        }
        let frame = self.frames.pop();
        self.in_entry = false;
        self.ledger.drop_scope(super::ledger::Scope::Entry);
        frame
            .and_then(|f| {
                let first = f.returns.first().cloned();
                f.returns
                    .into_iter()
                    .find(|v| !matches!(v, Value::Unknown | Value::None))
                    .or(first)
            })
            .unwrap_or(Value::None)
    }

    pub(crate) fn new_frame(&self, name: &str, closure: Option<Attrs>) -> Frame {
        Frame {
            name: name.to_string(),
            locals: BTreeMap::new(),
            globals_decl: HashSet::new(),
            closure,
            loop_base: self.loops.len(),
            returns: Vec::new(),
            yields: Vec::new(),
            variety: HashMap::new(),
            params: Vec::new(),
            func: None,
            aliases: HashMap::new(),
        }
    }

    fn top_stmt(&mut self, s: &Stmt, scope: &str) -> Flow {
        let safe_blocker = self.safe_blocker();
        let live_before = self.ledger.total();
        let tracked_before = self.ledger.tracked();
        self.temp_bytes = 0.0;
        self.stmt_peak = 0.0;
        self.straight_ops = PyOps::default();
        self.top_stmt_addr = s as *const Stmt as usize;
        let flow = self.exec(s);
        let mut kernels = std::mem::take(&mut self.cur_kernels);
        let ops = std::mem::take(&mut self.straight_ops);
        if ops.work_hint() >= 1e5 {
            // Work done in C for the statement (a `Counter` of a million
            // words) is named with it: its ops alone would read as nothing.
            let apart = if ops.walked + ops.cold_accesses > ops.total() {
                let misses = if ops.cold_accesses >= 1.0 {
                    format!(", {} likely cache misses", fmt_flops(ops.cold_accesses, ""))
                } else {
                    String::new()
                };
                format!(", {} in C{misses}", fmt_flops(ops.walked, " steps"))
            } else {
                String::new()
            };
            let evidence = format!(
                "line {}: interpreted code outside loops, {}{apart}",
                s.span.line,
                fmt_flops(ops.total(), "op")
            );
            kernels.push(self.interp_kernel("python.statements", s.span.line, evidence, ops));
        }
        let live_after = self.account();
        let tracked_added = self.ledger.tracked() - tracked_before;
        // Objects kept beyond the most held before take fresh memory.
        let small = self.ledger.small();
        let fresh = (small - self.py_high_water).max(0.0);
        self.py_high_water = self.py_high_water.max(small);
        if tracked_added >= 1e4 || fresh >= 1e6 {
            let line = s.span.line;
            let gc = (tracked_added >= 1e4).then(|| {
                format!(
                    "{} objects left alive -> garbage collector passes",
                    fmt_num(tracked_added)
                )
            });
            let mem = (fresh >= 1e6)
                .then(|| format!("{} of new objects kept -> fresh memory", fmt_bytes(fresh)));
            let what: Vec<String> = gc.into_iter().chain(mem).collect();
            let evidence = format!("line {line}: {}", what.join("; "));
            let held = self.ledger.tracked().max(0.0);
            let ops = PyOps {
                gc_objects: tracked_added.max(0.0),
                gc_visits: (prescient_model::gc_visits_growing(held)
                    - prescient_model::gc_visits_growing(tracked_before.max(0.0)))
                .max(0.0),
                fresh_bytes: fresh,
                ..PyOps::default()
            };
            kernels.push(self.interp_kernel("python.gc", line, evidence, ops));
        }
        let iterations = self.last_top_trip.take();
        let heavy = !kernels.is_empty()
            || matches!(
                s.kind,
                StmtKind::For { .. } | StmtKind::While { .. } | StmtKind::With { .. }
            );
        self.records.push(StmtRecord {
            start_line: s.span.line,
            end_line: s.span.end_line,
            scope: scope.to_string(),
            kernels,
            live_after,
            peak: (live_before + self.stmt_peak).max(live_after),
            safe_blocker,
            iterations,
            heavy,
        });
        flow
    }

    /// A kernel of interpreted work outside any loop nest: straight-line
    /// statements, or the garbage collector's passes over the tracked objects
    /// a statement leaves alive (see [`PyOps::gc_objects`]).
    fn interp_kernel(&self, pattern: &str, line: u32, evidence: String, ops: PyOps) -> Kernel {
        Kernel {
            category: Category::Python,
            pattern: pattern.into(),
            line,
            flops: 0.0,
            bytes_moved: 0.0,
            bytes_allocated: 0.0,
            count: 1.0,
            parallelism: Parallelism::Interpreter,
            dtype: None,
            affinity: vec![],
            evidence,
            py_ops: Some(ops),
            function: self.current_function(),
            symbolic: SymbolicCost::default(),
            seconds: None,
            predicted_seconds: None,
            dims: Vec::new(),
            call_units: 0.0,
        }
    }

    pub(crate) fn exec_block(&mut self, body: &[Stmt]) -> Flow {
        for i in 0..body.len() {
            match self.exec_nth(body, i, false) {
                Flow::Normal => {}
                other => return other,
            }
        }
        Flow::Normal
    }

    /// Whether `targets = value` rebinds a name, in a loop of this frame
    /// that repeats, to an object the statement builds (a call's result, a
    /// comprehension, a display): the previous iteration's object is then
    /// alive while the new one is built.
    fn carried_rebinding(&self, targets: &[Expr], value: &Expr) -> bool {
        let [t] = targets else { return false };
        let Some(name) = t.as_name() else {
            return false;
        };
        // A container bound before the loop is counted among what is live
        // when the loop begins: only one first bound in the loop is not.
        let held = match self.frames.last() {
            Some(f) => f.locals.get(name),
            None => self.globals.get(name),
        };
        let bound = held.is_some_and(|v| matches!(v, Value::Seq { .. } | Value::Instance { .. }));
        if bound {
            return false;
        }
        let builds = builds_anew(value);
        let base = self.frames.last().map_or(0, |f| f.loop_base);
        builds
            && self.loops.get(base..).is_some_and(|ls| {
                ls.iter()
                    .any(|l| !l.comprehension && self.num(&l.trip) >= 2.0)
            })
    }

    /// Runs the `i`th statement of `body`. What follows an early exit (`if
    /// c in used: continue`, a guard clause's `return`) runs as often as a
    /// run of the program measured, when one did: for its cost and for
    /// what it adds to containers alike. In a function's own body (`call`)
    /// only where the function repeats (see [`Self::measured_repeat`]):
    /// the calls of a recursion are counted by its recurrence, base cases
    /// and all.
    pub(crate) fn exec_nth(&mut self, body: &[Stmt], i: usize, function_body: bool) -> Flow {
        let s = &body[i];
        if i == 0 || !self.oracle_active() {
            return self.exec(s);
        }
        let repeats = self.measured_repeat();
        let share = if function_body && !repeats {
            None
        } else {
            self.oracle_share(&body[0], s).filter(|w| *w < 1.0)
        };
        let Some(w) = share else {
            return self.exec(s);
        };
        let saved = self.branch_share;
        if repeats {
            self.branch_share = saved * w;
        }
        let flow = self.weighted(w, |it| it.exec(s));
        self.branch_share = saved;
        flow
    }

    pub(crate) fn exec(&mut self, s: &Stmt) -> Flow {
        self.steps += 1;
        if self.steps > STEP_BUDGET {
            self.exhausted = true;
            return Flow::Return;
        }
        self.line = s.span.line;
        // A `while` test's names run per iteration (`exec_while`).
        if !matches!(
            s.kind,
            StmtKind::While { .. } | StmtKind::FunctionDef(_) | StmtKind::ClassDef(_)
        ) {
            let names: f64 = s.exprs().into_iter().map(name_accesses).sum();
            self.count_names(names);
            self.ops(|o, m| o.stmts += m);
        }
        match &s.kind {
            StmtKind::FunctionDef(d) => {
                let f = self.make_function(d);
                self.bind(&d.name, f);
            }
            StmtKind::ClassDef(c) => self.define_class(c),
            StmtKind::Return(v) => {
                let val = match v {
                    Some(e) => self.eval_idiomatic(e),
                    None => Value::None,
                };
                if let Some(f) = self.frames.last_mut() {
                    f.returns.push(val);
                }
                return Flow::Return;
            }
            StmtKind::Delete(targets) => {
                for t in targets {
                    if let Some(n) = t.as_name() {
                        self.unbind(n);
                    }
                }
            }
            StmtKind::Assign { targets, value } => {
                self.name_hint = targets.first().and_then(|t| t.as_name()).map(String::from);
                self.note_self_accumulation(targets, value);
                self.note_maxlen(targets, value);
                if let [t] = targets.as_slice() {
                    if let Some(n) = t.as_name() {
                        if !self.loops.is_empty()
                            && matches!(value.kind, ExprKind::Subscript { .. })
                        {
                            self.hoisted.insert(n.to_string(), value.clone());
                        } else {
                            self.hoisted.remove(n);
                        }
                    }
                }
                let carried = self.carried_rebinding(targets, value);
                let before = self.stmt_peak;
                if carried {
                    self.stmt_peak = self.temp_bytes;
                }
                let v = self.eval_idiomatic(value);
                if carried {
                    // The previous iteration's value stays bound until the
                    // new one is: both are alive at the peak of building it
                    // (`html = render(load(path))` in a loop holds two
                    // documents at once), the old as big as the new.
                    let old = self.python_bytes(&v);
                    self.stmt_peak = before.max(self.stmt_peak + old);
                }
                // `b = a`, `rows = self.rows`, `g = groups[k]`: another name
                // for a container held elsewhere, not a copy.
                let v = match (&value.kind, v) {
                    (
                        ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. },
                        Value::Seq {
                            kind,
                            items: SeqItems::Homog { elem, len, .. },
                        },
                    ) => Value::refs(kind, *elem, len),
                    (_, v) => v,
                };
                self.name_hint = None;
                for t in targets {
                    self.note_variety(t, value);
                }
                self.counting_store = targets.len() == 1 && is_counting_store(&targets[0], value);
                if let [t] = targets.as_slice() {
                    self.link_chain(t, value, &v);
                }
                for t in targets {
                    // `a, b = b, a + b` swaps on the stack; anything else
                    // (a pair a call returned) is unpacked.
                    let swap = matches!((&t.kind, &value.kind),
                        (ExprKind::Tuple(a) | ExprKind::List(a), ExprKind::Tuple(b) | ExprKind::List(b)) if a.len() == b.len());
                    if !swap {
                        self.count_unpack(t);
                    }
                }
                // A name rebound is no longer another name for what it held.
                for t in targets {
                    if let (Some(n), Some(f)) = (t.as_name(), self.frames.last_mut()) {
                        f.aliases.remove(n);
                    }
                }
                for t in targets {
                    self.assign(t, v.clone());
                }
                // `a = self.items`: what the body then does to `a` in place
                // (`a.append(x)`, `a.pop()`) it does to `self.items`.
                if let ([t], ExprKind::Attribute { .. }, Value::Seq { .. }) =
                    (targets.as_slice(), &value.kind, &v)
                {
                    if let (Some(n), Some(f)) = (t.as_name(), self.frames.last_mut()) {
                        f.aliases.insert(n.to_string(), value.clone());
                    }
                }
                self.counting_store = false;
            }
            StmtKind::AnnAssign { target, value } => {
                if let Some(value) = value {
                    self.name_hint = target.as_name().map(String::from);
                    let v = self.eval(value);
                    self.name_hint = None;
                    self.note_variety(target, value);
                    self.assign(target, v);
                }
            }
            StmtKind::AugAssign { target, op, value } => self.aug_assign(target, *op, value),
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => return self.exec_for(s, target, iter, body, orelse),
            StmtKind::While { test, body, orelse } => {
                return self.exec_while(s, test, body, orelse)
            }
            StmtKind::If { test, body, orelse } => return self.exec_if(s, test, body, orelse),
            StmtKind::With { items, body } => {
                let mut managers = Vec::with_capacity(items.len());
                for item in items {
                    let v = self.eval(&item.context);
                    managers.push(v.clone());
                    let bound = self.enter_context(v);
                    if let Some(t) = &item.target {
                        self.assign(t, bound);
                    }
                }
                let flow = self.exec_block(body);
                // A manager of the program's own runs its `__exit__` as the
                // block ends, normally with three `None`s.
                for m in managers.into_iter().rev() {
                    if let Value::Instance { class, .. } = &m {
                        if let Some(Value::Func(f)) = class.lookup("__exit__") {
                            let args = vec![m.clone(), Value::None, Value::None, Value::None];
                            self.call_dunder(&f, args);
                        }
                    }
                }
                for item in items.iter().rev() {
                    if let Some(ExprKind::Name(_)) = item.target.as_ref().map(|t| &t.kind) {
                        // Files opened by `with` are closed at the end of the block.
                        if let Some(n) = item.target.as_ref().and_then(|t| t.as_name()) {
                            if matches!(self.lookup(n), Some(Value::File { .. })) {
                                self.bind(n, Value::None);
                            }
                        }
                    }
                    if matches!(item.context.dotted().as_deref(), Some(n) if n.ends_with("no_grad") || n.ends_with("inference_mode"))
                        || matches!(&item.context.kind, ExprKind::Call { func, .. } if func.dotted().is_some_and(|n| n.ends_with("no_grad") || n.ends_with("inference_mode")))
                    {
                        self.grad.disabled = self.grad.disabled.saturating_sub(1);
                    }
                }
                return flow;
            }
            StmtKind::Match { subject, cases } => {
                self.eval(subject);
                return self.exec_match(s, cases);
            }
            StmtKind::Raise(e) => {
                if let Some(e) = e {
                    self.eval(e);
                }
                // Raised as often as this point is reached (a refusal in a
                // branch taken now and then): caught further up, or the end.
                self.ops(|o, m| o.raised += m);
                return Flow::Return;
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                let raised0 = self.ops_now().raised;
                let flow = self.exec_block(body);
                if !handlers.is_empty() {
                    self.exceptions_caught(body, handlers, raised0);
                }
                let flow = if matches!(flow, Flow::Normal) {
                    self.exec_block(orelse)
                } else {
                    flow
                };
                let f2 = self.exec_block(finalbody);
                return if matches!(f2, Flow::Normal) { flow } else { f2 };
            }
            StmtKind::Assert(e) => {
                self.eval(e);
            }
            StmtKind::Import(names) => {
                for a in names {
                    self.imports
                        .insert(a.name.split('.').next().unwrap_or("").to_string());
                    match &a.asname {
                        Some(alias) => self.bind(alias, Value::Lib(Arc::from(a.name.as_str()))),
                        None => {
                            let top = a.name.split('.').next().unwrap_or("");
                            self.bind(top, Value::Lib(Arc::from(top)));
                        }
                    }
                }
            }
            StmtKind::ImportFrom {
                module,
                names,
                level,
            } => {
                if *level == 0 {
                    self.imports
                        .insert(module.split('.').next().unwrap_or("").to_string());
                }
                for a in names {
                    if a.name == "*" {
                        self.note(format!("`from {module} import *`: names from it are resolved only when known to the knowledge base"));
                        continue;
                    }
                    let qual = if *level > 0 {
                        Value::Unknown
                    } else {
                        self.lib_value(&format!("{module}.{}", a.name))
                    };
                    self.bind(a.asname.as_deref().unwrap_or(&a.name), qual);
                }
            }
            StmtKind::Global(names) | StmtKind::Nonlocal(names) => {
                if let Some(f) = self.frames.last_mut() {
                    if matches!(s.kind, StmtKind::Global(_)) {
                        f.globals_decl.extend(names.iter().cloned());
                    }
                }
            }
            StmtKind::Expr(e) => {
                self.eval_idiomatic(e);
            }
            StmtKind::Pass => {}
            StmtKind::Break => return Flow::Break,
            StmtKind::Continue => return Flow::Continue,
        }
        Flow::Normal
    }

    /// Evaluates a statement's expression, then fuses its kernels if the whole
    /// expression is a recognised idiom (softmax, GELU, shifted-slice FIR, ...).
    fn eval_idiomatic(&mut self, e: &Expr) -> Value {
        let mark = self.cur_kernels.len();
        let v = self.eval(e);
        if self.cur_kernels.len() > mark {
            if let Some(idiom) = crate::idioms::check_expr(self, e) {
                let text = unparse::unparse(e);
                self.fuse_since(mark, &idiom, &text);
            }
        }
        v
    }

    /// `x = x + ...`, `x = np.concatenate([x, ...])`: x accumulates across loop iterations.
    fn note_self_accumulation(&mut self, targets: &[Expr], value: &Expr) {
        if self.loops.is_empty() {
            return;
        }
        let Some(name) = targets.first().and_then(|t| t.as_name()) else {
            return;
        };
        let mut uses_self = false;
        value.walk(&mut |e| {
            if e.as_name() == Some(name) {
                uses_self = true;
            }
        });
        let grows = match &value.kind {
            ExprKind::BinOp { left, op, .. } => {
                matches!(op, BinOp::Add | BinOp::Mul) && left.as_name() == Some(name)
            }
            ExprKind::Call { func, .. } => {
                let f = func.dotted().unwrap_or_default();
                [
                    "concatenate",
                    "append",
                    "vstack",
                    "hstack",
                    "stack",
                    "cat",
                    "column_stack",
                ]
                .iter()
                .any(|n| f.ends_with(n))
            }
            _ => false,
        };
        if uses_self && grows {
            self.mark_accumulated(name);
        }
    }

    /// Notes that `name` accumulates across iterations of every loop of the current
    /// function that encloses this point, remembering its value before the loops.
    pub(crate) fn mark_accumulated(&mut self, name: &str) {
        let base = self.frames.last().map(|f| f.loop_base).unwrap_or(0);
        if base >= self.loops.len() {
            return;
        }
        let Some(current) = self.scope_vars().get(name).cloned() else {
            return;
        };
        for ctx in &mut self.loops[base..] {
            ctx.before
                .entry(name.to_string())
                .or_insert_with(|| current.clone());
        }
    }

    fn aug_assign(&mut self, target: &Expr, op: BinOp, value: &Expr) {
        self.mark_accumulated_target(target);
        let cur = self.eval(target);
        let rhs = self.eval(value);
        let v = self.binop(op, cur, rhs, super::expr::BinMode::InPlace, target, value);
        match &target.kind {
            ExprKind::Subscript { value, index } => {
                // In-place update of an element or slice: the store, no rebinding.
                let numpy = value
                    .as_name()
                    .is_some_and(|n| matches!(self.lookup(n), Some(Value::Array(_))));
                if numpy {
                    self.ops(|o, m| o.numpy_index += m);
                } else {
                    self.ops(|o, m| o.indexing += m);
                    self.counter_store();
                    self.count_into_empty_dict(value, index, v);
                }
            }
            _ => self.assign(target, v),
        }
    }

    /// A store into a dict on this line that a run saw go into a
    /// `Counter`: a class written in Python, so the store goes through its
    /// slot (53 ns against 15 for a dict's, on the reference node), and a
    /// new key's `c[k] += 1` first reads through `__missing__` (60 ns
    /// against 15). In units of the fitted `calls` class (7.7 ns).
    fn counter_store(&mut self) {
        const STORE: f64 = 4.9;
        const MISSING: f64 = 5.8;
        let Some(share) = self.oracle_counter_share(self.line) else {
            return;
        };
        let new = self.oracle_key_share(self.line).unwrap_or(0.0);
        let w = share * (STORE + new * MISSING);
        self.ops(|o, m| o.calls += w * m);
    }

    /// Counts the names a tuple target unpacks into (`for i, x in ...`,
    /// `lo, hi = bounds(x)`), per execution.
    pub(crate) fn count_unpack(&mut self, target: &Expr) {
        if let ExprKind::Tuple(items) | ExprKind::List(items) = &target.kind {
            let n = items.len() as f64;
            self.ops(|o, m| o.unpack += n * m);
            for t in items {
                self.count_unpack(t);
            }
        }
    }

    /// `counts[k] += 1` into a dict that is empty here: a plain dict would
    /// raise on the missing key, so it is a `Counter` or a `defaultdict`,
    /// and the update adds the key the first time it is seen. A dict that
    /// already holds keys is taken to be updated under them.
    fn count_into_empty_dict(&mut self, container: &Expr, key: &Expr, v: Value) {
        if !matches!(
            container.kind,
            ExprKind::Name(_) | ExprKind::Attribute { .. }
        ) {
            return;
        }
        let Some(
            c @ Value::Seq {
                kind: SeqKind::Dict,
                ..
            },
        ) = self.peek(container)
        else {
            return;
        };
        let len = c.len().unwrap_or_else(Sym::zero);
        if self.num(&len) >= 1.0 {
            return;
        }
        let idx = self.peek(key).unwrap_or(Value::Unknown);
        let len = len.add(&self.key_share(container, Some(key), true));
        self.mark_accumulated_target(container);
        self.assign(
            container,
            Value::homog(SeqKind::Dict, Value::tuple(vec![idx, v]), len),
        );
    }

    fn exec_if(&mut self, s: &Stmt, test: &Expr, body: &[Stmt], orelse: &[Stmt]) -> Flow {
        let t = self.eval(test);
        // A uniform draw against a bound (`random.random() < 0.3`) holds
        // with the share the code states, which a run only samples.
        if let Some(w) = self.chance_share(test) {
            return self.branches_in_shares(body, orelse, w);
        }
        // A run of the call counted how often the body ran per test: in a
        // loop, that share stands over what the code alone can say (a
        // worklist's `if nb not in seen`, a filter's selectivity, a
        // relaxation `if nd < dist[v]`). The counts are those extrapolated
        // to full size, so a share that falls as the sizes grow falls here
        // too.
        if let Some(w) = self.measured_branch_share(s, body) {
            return self.branches_in_shares(body, orelse, w);
        }
        let known = self.truthiness(&t, test);
        // A condition on what changes each iteration is not known by the
        // mean value the analysis carries: `if i % 10 == 0` holds in a
        // tenth of the iterations, other tests as an unknown one.
        let known = if known.is_some() && self.varies_per_iteration(test) && !ordering(test) {
            if let Some(w) = periodic_share(self, test) {
                return self.branches_in_shares(body, orelse, w);
            }
            None
        } else {
            known
        };
        match known {
            Some(true) => self.exec_block(body),
            Some(false) => self.exec_block(orelse),
            None if orelse.is_empty() => {
                if let Some(w) = self.first_visit_share(test, body) {
                    let saved = self.guard_share;
                    self.guard_share = saved * w;
                    let _ = self.weighted_branches(vec![body], w);
                    self.guard_share = saved;
                    return Flow::Normal;
                }
                // A lone branch is assumed taken for its cost (an upper bound),
                // but half the time for what it adds to containers: a filter's
                // selectivity is not known before the run.
                let saved = self.branch_share;
                self.branch_share = saved * 0.5;
                let _ = self.exec_block(body);
                self.branch_share = saved;
                Flow::Normal
            }
            None => self.exclusive_branches(vec![body, orelse]),
        }
    }

    /// The share of the runs of the `if` statement `s` that ran its body,
    /// as a run of the call (or of the module) counted them; None where no
    /// run covered the statement, where nothing repeats it (outside any
    /// loop), or in a recursive function outside its own loops: its tests
    /// are its recurrence's own business (which calls reach an empty link),
    /// and a share over all its calls would thin out the call sites it
    /// counts.
    fn measured_branch_share(&self, s: &Stmt, body: &[Stmt]) -> Option<f64> {
        if !self.measured_repeat() {
            return None;
        }
        self.oracle_share(s, body.first()?)
    }

    /// Whether a run's counts stand for the branches here: a run covers
    /// the analysis, and a loop repeats the statement (not a recursive
    /// function's own tests, outside its loops).
    pub(crate) fn measured_repeat(&self) -> bool {
        let frame = self.frames.last();
        let base = frame.map_or(0, |f| f.loop_base);
        let own_loop = self.loops.len() > base;
        let recursive = frame
            .and_then(|f| f.func.as_ref())
            .is_some_and(|f| matches!(&f.callable, Callable::Def(d) if calls_itself(d)));
        let repeated = own_loop || (!self.loops.is_empty() && !recursive);
        self.oracle_active() && repeated
    }

    /// Branches of which one runs (`if`/`else`, the cases of `match`), each
    /// as often as any other: their costs and what they add to containers
    /// are weighted alike, so that `if a: xs.append(1) elif b:
    /// xs.append(2) else: xs.append(3)` adds one item per run, not three.
    pub(crate) fn exclusive_branches(&mut self, blocks: Vec<&[Stmt]>) -> Flow {
        let w = 1.0 / blocks.len().max(1) as f64;
        let saved = self.branch_share;
        self.branch_share = saved * w;
        let flow = self.weighted_branches(blocks, w);
        self.branch_share = saved;
        flow
    }

    /// `if k not in seen: ... seen.add(k)` (or `seen[k] = ...`) inside a loop
    /// runs once per distinct key, not once per iteration. Inside a worklist
    /// loop the distinct keys are the entries it visits; elsewhere they
    /// follow the key's variety where it is known (`keys.rs`), else they are
    /// taken to grow like Heaps' law, `10 sqrt(n)` over `n` iterations, as for
    /// counting stores. Returns the share of iterations that take the branch.
    fn first_visit_share(&mut self, test: &Expr, body: &[Stmt]) -> Option<f64> {
        let ExprKind::Compare {
            left,
            ops,
            comparators,
        } = &test.kind
        else {
            return None;
        };
        if ops.as_slice() != [CmpOp::NotIn] || self.loops.is_empty() {
            return None;
        }
        let seen = unparse::unparse(comparators.first()?);
        let mut stores = false;
        for s in body {
            s.walk(&mut |st| {
                if let StmtKind::Assign { targets, .. } = &st.kind {
                    stores |= targets.iter().any(|t| {
                        matches!(&t.kind, ExprKind::Subscript { value, .. } if unparse::unparse(value) == seen)
                    });
                }
                for e in st.exprs() {
                    e.walk(&mut |x| {
                        if let ExprKind::Call { func, .. } = &x.kind {
                            if let ExprKind::Attribute { value, attr } = &func.kind {
                                stores |= matches!(attr.as_str(), "add" | "append" | "setdefault")
                                    && unparse::unparse(value) == seen;
                            }
                        }
                    });
                }
            });
        }
        if !stores {
            return None;
        }
        let n = self.mult_num.max(1.0);
        Some(match self.visit_domain {
            // Per run of the worklist: a search called five times visits
            // its entries five times.
            Some((entries, outside)) => (entries * outside / n).min(1.0),
            None => match self.variety_of(left) {
                Some(u) => (u.distinct(n) / n).min(1.0),
                None => (10.0 * n.sqrt() / n).min(1.0),
            },
        })
    }

    /// Runs `f` with every cost it records weighted by `weight` (a branch
    /// taken half the time, a function a sort calls per comparison).
    pub(crate) fn weighted<R>(&mut self, weight: f64, f: impl FnOnce(&mut Self) -> R) -> R {
        let saved = (self.mult.clone(), self.mult_num);
        self.mult = self.mult.scale(weight);
        self.mult_num *= weight;
        let r = f(self);
        self.mult = saved.0;
        self.mult_num = saved.1;
        r
    }

    /// Whether `test` reads a name that the running loops of this frame
    /// change each iteration.
    /// Counts `n` name accesses (`PyOps::names`); at module level in a loop
    /// (outside any function or comprehension) each is also a dict lookup
    /// (`PyOps::module_names`; straight-line module code runs once, its few
    /// are not worth it).
    pub(crate) fn count_names(&mut self, n: f64) {
        if n <= 0.0 {
            return;
        }
        let module_level = self.frames.is_empty()
            && !self.loops.is_empty()
            && !self.loops.iter().any(|l| l.comprehension);
        self.ops(|o, m| {
            o.names += n * m;
            if module_level {
                o.module_names += n * m;
            }
        });
    }

    /// The iterations of the innermost loop of this frame when the name
    /// `n` keeps its value across them and they repeat: an object made
    /// before the loop (once per iteration of an outer loop, or once) and
    /// added to a container in it is one object held that many times.
    pub(crate) fn inner_loop_repeats(&self, n: &str) -> Option<f64> {
        let base = self.frames.last().map_or(0, |f| f.loop_base);
        let l = self.loops.get(base..)?.last()?;
        let trips = self.num(&l.trip);
        (!l.varying.contains(n) && trips >= 2.0).then_some(trips)
    }

    pub(crate) fn varies_per_iteration(&self, test: &Expr) -> bool {
        let base = self.frames.last().map_or(0, |f| f.loop_base);
        let names = test.names();
        self.loops[base.min(self.loops.len())..]
            .iter()
            .any(|l| names.iter().any(|n| l.varying.contains(n)))
    }

    /// A `try` with handlers has run its body: whether it raises depends
    /// on the data (a cell that is not a number, a key not there), so in a
    /// loop it is taken to raise half the time, as an unknown branch is
    /// taken. Raises the body reached are counted where they are; a body
    /// with none raises from a built-in (weighed by what fails: parsing a
    /// number formats a message). The handlers run, alike, in that share.
    fn exceptions_caught(&mut self, body: &[Stmt], handlers: &[Handler], raised0: f64) {
        const SHARE: f64 = 0.5;
        // Outside loops a handler is a fallback taken on another machine
        // (`except ImportError: np = None`): assumed not to run.
        if self.loops.is_empty() {
            for h in handlers {
                if let Some(n) = &h.name {
                    self.bind(n, Value::Unknown);
                }
            }
            return;
        }
        if self.ops_now().raised <= raised0 {
            let weight = implicit_raise_weight(body);
            self.ops(|o, m| o.raised += SHARE * weight * m);
        }
        // What the body bound stays what later statements see: a handler's
        // stand-in (`v = None`) is for the failing share only.
        let before = self.scope_vars().clone();
        let w = SHARE / handlers.len() as f64;
        let saved = self.branch_share;
        self.branch_share = saved * w;
        self.weighted(w, |it| {
            for h in handlers {
                if let Some(n) = &h.name {
                    it.bind(n, Value::Unknown);
                }
                let _ = it.exec_block(&h.body);
            }
        });
        self.branch_share = saved;
        for (name, old) in before {
            let clobbered = matches!(
                self.scope_vars().get(&name),
                Some(Value::None | Value::Unknown)
            ) && !matches!(old, Value::None | Value::Unknown);
            if clobbered {
                self.bind(&name, old);
            }
        }
    }

    /// Runs each branch with its cost weighted; returns only if all branches return.
    /// `body` taken in the share `w` of the executions, `orelse` in the
    /// rest, for their work and for what they add to containers alike.
    fn branches_in_shares(&mut self, body: &[Stmt], orelse: &[Stmt], w: f64) -> Flow {
        let saved = (self.guard_share, self.branch_share);
        self.branch_share = saved.1 * w;
        let _ = self.weighted_branches(vec![body], w);
        self.branch_share = saved.1 * (1.0 - w);
        let _ = self.weighted_branches(vec![orelse], 1.0 - w);
        (self.guard_share, self.branch_share) = saved;
        Flow::Normal
    }

    pub(crate) fn weighted_branches(&mut self, blocks: Vec<&[Stmt]>, weight: f64) -> Flow {
        let all_return = self.weighted(weight, |it| {
            let mut all_return = !blocks.is_empty();
            for b in blocks {
                let f = it.exec_block(b);
                all_return &= matches!(f, Flow::Return);
            }
            all_return
        });
        if all_return {
            Flow::Return
        } else {
            Flow::Normal
        }
    }

    /// What a `with` statement binds, and its side effects.
    fn enter_context(&mut self, v: Value) -> Value {
        match &v {
            // A manager of the program's own: what its `__enter__` returns.
            // The statement calls both methods from C, which no call site
            // specialises: 90 ns a `with` against 60 for the two methods
            // called from Python (measured), 4 units of a plain call more.
            Value::Instance { class, .. } => match class.lookup("__enter__") {
                Some(Value::Func(f)) => {
                    self.ops(|o, m| o.calls += 4.0 * m);
                    self.call_dunder(&f, vec![v.clone()])
                }
                _ => v,
            },
            Value::Obj { class, .. }
                if class.ends_with("no_grad") || class.ends_with("inference_mode") =>
            {
                self.grad.disabled += 1;
                v
            }
            _ => v,
        }
    }

    pub(crate) fn make_function(&mut self, d: &Arc<FunctionDef>) -> Value {
        let mut defaults = BTreeMap::new();
        for p in d.params.positional.iter().chain(d.params.kwonly.iter()) {
            if let Some(e) = &p.default {
                let v = self.eval(e);
                defaults.insert(p.name.clone(), v);
            }
        }
        let closure = self.capture_closure();
        let id = self.fresh_id();
        Value::Func(Rc::new(FuncVal {
            name: d.name.clone(),
            callable: Callable::Def(d.clone()),
            defaults,
            closure,
            id,
        }))
    }

    pub(crate) fn capture_closure(&self) -> Option<Attrs> {
        let f = self.frames.last()?;
        let mut env = f
            .closure
            .as_ref()
            .map(|c| c.borrow().clone())
            .unwrap_or_default();
        env.extend(f.locals.iter().map(|(k, v)| (k.clone(), v.clone())));
        Some(Rc::new(RefCell::new(env)))
    }

    fn define_class(&mut self, c: &Arc<ClassDef>) {
        let bases = c.bases.iter().map(|b| self.eval(b)).collect();
        let class = Rc::new(ClassVal {
            name: c.name.clone(),
            def: c.clone(),
            bases,
            attrs: RefCell::new(BTreeMap::new()),
        });
        // Class bodies run in their own namespace; methods become class attributes.
        let frame = self.new_frame(&c.name, self.capture_closure());
        self.frames.push(frame);
        for s in &c.body {
            self.exec(s);
        }
        let frame = self.frames.pop().expect("class frame");
        *class.attrs.borrow_mut() = frame.locals;
        self.bind(&c.name, Value::Class(class));
    }

    /// Binds a value to an assignment target, unpacking tuples.
    pub(crate) fn assign(&mut self, target: &Expr, v: Value) {
        match &target.kind {
            ExprKind::Name(n) => {
                let source = self.frames.last().and_then(|f| f.aliases.get(n).cloned());
                if let Some(source) = source {
                    // The object the alias names is the source's: it holds
                    // its items (the alias counts only references to them).
                    let owned = match &v {
                        Value::Seq {
                            kind,
                            items: SeqItems::Homog { elem, len, .. },
                        } => Value::homog(*kind, (**elem).clone(), len.clone()),
                        other => other.clone(),
                    };
                    self.mark_accumulated_target(&source);
                    self.assign(&source, owned);
                }
                self.bind(n, v)
            }
            ExprKind::Tuple(ts) | ExprKind::List(ts) => {
                let parts = self.unpack(&v, ts.len());
                for (t, p) in ts.iter().zip(parts) {
                    match &t.kind {
                        ExprKind::Starred(inner) => {
                            let rest = Value::homog(SeqKind::List, v.elem(), Sym::var("rest"));
                            let _ = p;
                            self.assign(inner, rest);
                        }
                        _ => self.assign(t, p),
                    }
                }
            }
            ExprKind::Attribute { value, attr } => {
                let obj = self.eval(value);
                self.ops(|o, m| o.attr += m);
                self.attach_link(&obj, attr, &v);
                match obj {
                    Value::Instance { attrs, .. } | Value::Obj { attrs, .. } => {
                        attrs.borrow_mut().insert(attr.clone(), v);
                    }
                    Value::Class(c) => {
                        c.attrs.borrow_mut().insert(attr.clone(), v);
                    }
                    _ => {}
                }
            }
            ExprKind::Subscript { value, index } => self.store_subscript(value, index, v),
            ExprKind::Starred(inner) => self.assign(inner, v),
            _ => {}
        }
    }

    /// Splits a value into `n` parts for tuple unpacking.
    pub(crate) fn unpack(&mut self, v: &Value, n: usize) -> Vec<Value> {
        match v {
            Value::Seq {
                items: SeqItems::Known(items),
                ..
            } if items.len() == n => items.clone(),
            Value::Array(a) if !a.shape.is_empty() => {
                let row = a.shape[1..].to_vec();
                let a = a.clone();
                (0..n).map(|_| self.view_of(&a, row.clone())).collect()
            }
            other => vec![other.elem(); n],
        }
    }

    /// `x[i] = v`: dictionary insertions grow the dict; array slice stores copy data.
    fn store_subscript(&mut self, container: &Expr, index: &Expr, v: Value) {
        let c = self.eval(container);
        let idx = self.eval(index);
        self.hash_key(&c, &idx);
        if matches!(c, Value::Array(_)) {
            self.ops(|o, m| o.numpy_index += m);
        } else {
            self.ops(|o, m| o.indexing += m);
            self.counter_store();
            self.keyed_access(&c, Some(container), Some(index));
        }
        // A dict held by a name or an attribute (`self.cache[key] = v`).
        let place = matches!(
            container.kind,
            ExprKind::Name(_) | ExprKind::Attribute { .. }
        );
        match (&c, place) {
            (
                Value::Seq {
                    kind: SeqKind::Dict,
                    items,
                },
                true,
            ) => {
                let new = match (items, idx.as_text()) {
                    (SeqItems::Known(kv), Some(key)) => {
                        let mut kv = kv.clone();
                        kv.retain(|p| !matches!(p, Value::Seq { items: SeqItems::Known(x), .. } if x.first().and_then(|k| k.as_text()) == Some(key)));
                        kv.push(Value::tuple(vec![idx.clone(), v]));
                        Value::Seq {
                            kind: SeqKind::Dict,
                            items: SeqItems::Known(kv),
                        }
                    }
                    _ => {
                        let len = c
                            .len()
                            .unwrap_or_else(Sym::zero)
                            .add(&self.new_key_share(container, index));
                        self.mark_accumulated_target(container);
                        Value::homog(SeqKind::Dict, Value::tuple(vec![idx.clone(), v]), len)
                    }
                };
                self.assign(container, new);
            }
            // `nodes = [None] * n` then `for i in range(n): nodes[i] = Node(i)`:
            // the slots were placeholders, and the list now holds what is
            // stored (its elements' attributes, methods and sizes are what
            // later loops over it see). Only a store indexed by a loop's
            // variable is taken to fill the list: one by a computed index
            // (`tree[pos] = Child()` in a search) may leave most slots empty,
            // and a loop testing `if slot` would then run for all of them.
            (
                Value::Seq {
                    kind: SeqKind::List,
                    items:
                        SeqItems::Homog {
                            elem,
                            len,
                            owned,
                            lazy,
                        },
                },
                true,
            ) if matches!(**elem, Value::None | Value::Unknown)
                && !matches!(v, Value::None | Value::Unknown)
                && self.indexed_by_loop(index) =>
            {
                let new = Value::Seq {
                    kind: SeqKind::List,
                    items: SeqItems::Homog {
                        elem: Box::new(v),
                        len: len.clone(),
                        owned: *owned,
                        lazy: *lazy,
                    },
                };
                self.assign(container, new);
            }
            (Value::Array(a), _) => {
                let sel = self.index_array(a, &idx);
                if let Value::Array(sub) = sel {
                    let n = sub.nbytes();
                    if self.num(&n) >= 4096.0 {
                        let a = a.clone();
                        self.emit(Draft {
                            category: Category::Memory,
                            pattern: "numpy.setitem".into(),
                            flops: Sym::zero(),
                            bytes_moved: n.scale(2.0),
                            alloc: Sym::zero(),
                            dtype: Some(a.dtype),
                            parallelism: Parallelism::Serial,
                            affinity: &[],
                            evidence: format!(
                                "{}[...] = ..., {} slice store",
                                unparse::unparse(container),
                                shape_str(&sub.shape)
                            ),
                        });
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether an index mentions the variable of a loop running in this
    /// frame (`a[i]`, `a[i + 1]`, `grid[y * w + x]`).
    fn indexed_by_loop(&self, index: &Expr) -> bool {
        let chain = self.loop_chain();
        let mut found = false;
        index.walk(&mut |x| {
            if let Some(n) = x.as_name() {
                found |= chain.iter().any(|(vars, _)| vars.iter().any(|v| v == n));
            }
        });
        found
    }

    /// How many keys one store adds to a dict. A fresh key per store, except
    /// where the store counts (`d[k] = d.get(k, 0) + 1`): there keys repeat,
    /// and over `n` stores the distinct keys are taken to grow like Heaps' law
    /// for vocabularies, `10 sqrt(n)`, noted in the output.
    fn new_key_share(&mut self, container: &Expr, key: &Expr) -> Sym {
        let repeats = self.counting_store;
        self.key_share(container, Some(key), repeats)
    }

    /// `head = Node(x, head)`, `self.top = Frame(v, parent=self.top)`: a new
    /// instance that links to what the target held is one node more on the
    /// chain the target heads. The head instance carries the chain's length
    /// (see `loops::CHAIN`), which loops extrapolate like a container's and
    /// the ledger and `while cur is not None` walks read.
    fn link_chain(&mut self, target: &Expr, value: &Expr, new: &Value) {
        let ExprKind::Call { args, keywords, .. } = &value.kind else {
            return;
        };
        let Value::Instance { attrs, .. } = new else {
            return;
        };
        let key = unparse::unparse(target);
        let links = args
            .iter()
            .chain(keywords.iter().map(|k| &k.value))
            .any(|a| unparse::unparse(a) == key);
        if !links {
            return;
        }
        let Some(old) = self.peek(target) else {
            return;
        };
        let Some(before) = super::loops::chain_length(&old) else {
            return;
        };
        self.mark_accumulated_target(target);
        attrs.borrow_mut().insert(
            super::loops::CHAIN.into(),
            Value::Int(Sym::num(before + 1.0)),
        );
    }

    /// Whether a condition is known to hold, known not to, or unknown.
    pub(crate) fn truthiness(&mut self, v: &Value, test: &Expr) -> Option<bool> {
        if let ExprKind::Compare { left, ops, .. } = &test.kind {
            if left.as_name() == Some("__name__") && ops.len() == 1 {
                return None;
            }
        }
        match v {
            Value::Bool(b) => *b,
            Value::None => Some(false),
            Value::Int(s) => s.as_num().map(|x| x != 0.0),
            Value::Float(Some(f)) => Some(*f != 0.0),
            Value::Str { len, .. } | Value::Bytes { len } => len.as_num().map(|x| x != 0.0),
            Value::Seq {
                items: SeqItems::Known(v),
                ..
            } => Some(!v.is_empty()),
            Value::Func(_) | Value::Class(_) | Value::Lib(_) | Value::Array(_) => None,
            _ => None,
        }
    }
}

/// `a < b` (`<=`, `>`, `>=`): on values that vary, the mean decides it for
/// most iterations (`v < n` for `v` drawn below `n`), unlike a test of
/// equality, which the mean says nothing about.
fn ordering(test: &Expr) -> bool {
    matches!(
        test.as_comparison(),
        Some((_, CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE, _))
    )
}

/// `x % k == 0` (or `!= 0`) with a known `k`: the share of iterations it
/// holds in, `1/k` (or the rest).
impl Interp<'_> {
    /// `if random.random() < p:` (also `rng.random()`, `np.random.rand()`,
    /// `random.uniform(a, b) < x`, either way round): a chance the program
    /// states, taken in that share of the executions. Simulations draw
    /// most of their branches this way.
    pub(crate) fn chance_share(&self, test: &Expr) -> Option<f64> {
        let (l, op, r) = test.as_comparison()?;
        let (draw, bound, below) = match (self.uniform_draw(l), self.uniform_draw(r)) {
            (Some(d), None) => (d, r, matches!(op, CmpOp::Lt | CmpOp::LtE)),
            (None, Some(d)) => (d, l, matches!(op, CmpOp::Gt | CmpOp::GtE)),
            _ => return None,
        };
        if !matches!(op, CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE) {
            return None;
        }
        let x = self.peek(bound)?.as_sym()?.as_num()?;
        let (lo, hi) = draw;
        if hi <= lo {
            return None;
        }
        let p = ((x - lo) / (hi - lo)).clamp(0.0, 1.0);
        Some(if below { p } else { 1.0 - p })
    }

    /// The range of a uniform random number `e` draws, where it is one.
    fn uniform_draw(&self, e: &Expr) -> Option<(f64, f64)> {
        let ExprKind::Call { func, args, .. } = &e.kind else {
            return None;
        };
        let qual = self.qual_of(func).or_else(|| match &func.kind {
            ExprKind::Attribute { value, attr } => match self.peek(value)? {
                Value::Obj { class, .. } => Some(format!("{class}.{attr}")),
                _ => None,
            },
            _ => None,
        })?;
        let short = qual.rsplit('.').next()?;
        let random_module = qual.starts_with("random.") || qual.starts_with("numpy.random.");
        if !random_module {
            return None;
        }
        match (short, args.len()) {
            ("random" | "rand" | "random_sample", 0) => Some((0.0, 1.0)),
            ("uniform", 2) => {
                let a = self.peek(&args[0])?.as_sym()?.as_num()?;
                let b = self.peek(&args[1])?.as_sym()?.as_num()?;
                Some((a, b))
            }
            _ => None,
        }
    }
}

fn periodic_share(it: &Interp, test: &Expr) -> Option<f64> {
    let (left, op, right) = test.as_comparison()?;
    if right.as_int() != Some(0) {
        return None;
    }
    let ExprKind::BinOp {
        op: BinOp::Mod,
        right: k,
        ..
    } = &left.kind
    else {
        return None;
    };
    let k = it.peek(k)?.as_sym()?.as_num()?;
    if k < 1.0 {
        return None;
    }
    match op {
        CmpOp::Eq => Some(1.0 / k),
        CmpOp::NotEq => Some(1.0 - 1.0 / k),
        _ => None,
    }
}

/// What a built-in's failure in `body` costs, relative to raising an
/// exception of the program's own class: parsing a number (`int(s)`,
/// `float(s)`) formats a message with the text, 3; a missing key or index
/// (`d[k]`, `xs[i]`), 0.7; anything else, 1.
fn implicit_raise_weight(body: &[Stmt]) -> f64 {
    let mut parse = false;
    let mut lookup = false;
    for s in body {
        s.walk(&mut |st| {
            for e in st.exprs() {
                e.walk(&mut |x| match &x.kind {
                    ExprKind::Call { func, .. } => {
                        parse |= matches!(func.as_name(), Some("int" | "float" | "complex"));
                    }
                    ExprKind::Subscript { .. } => lookup = true,
                    _ => {}
                });
            }
        });
    }
    if parse {
        3.0
    } else if lookup {
        0.7
    } else {
        1.0
    }
}

/// The block under `if __name__ == "__main__":`, if `s` is that statement.
fn main_guard(s: &Stmt) -> Option<&[Stmt]> {
    let StmtKind::If { test, body, .. } = &s.kind else {
        return None;
    };
    let ExprKind::Compare {
        left, comparators, ..
    } = &test.kind
    else {
        return None;
    };
    let is_main = |e: &Expr| matches!(&e.kind, ExprKind::Str(s) if &**s == "__main__");
    let is_name = |e: &Expr| e.as_name() == Some("__name__");
    let c = comparators.first()?;
    if (is_name(left) && is_main(c)) || (is_main(left) && is_name(c)) {
        Some(body)
    } else {
        None
    }
}

/// Whether `e` makes a new object each time it runs (a call's result, a
/// comprehension, a display), not another name for one held elsewhere.
pub(crate) fn builds_anew(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::Call { .. }
            | ExprKind::Comp { .. }
            | ExprKind::List(_)
            | ExprKind::Dict(_)
            | ExprKind::Set(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_def(src: &str, name: &str) -> Arc<FunctionDef> {
        let m = prescient_syntax::parse(src).expect("parses");
        let mut found = None;
        for s in &m.body {
            s.walk(&mut |st| {
                if let StmtKind::FunctionDef(d) = &st.kind {
                    if d.name == name {
                        found = Some(d.clone());
                    }
                }
            });
        }
        found.expect("defined")
    }

    #[test]
    fn a_method_calling_itself_on_self_is_recursive() {
        let src = r#"
class Tree:
    def count(self, node):
        if node is None:
            return 0
        return 1 + self.count(node.left) + self.count(node.right)

    def size(self):
        return self.count(self.root)

def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
"#;
        assert!(calls_itself(&first_def(src, "count")));
        assert!(calls_itself(&first_def(src, "fib")));
        assert!(!calls_itself(&first_def(src, "size")));
    }
}
