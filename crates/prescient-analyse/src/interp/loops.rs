//! Loops and comprehensions, summarised symbolically: the body is analysed once with
//! the loop variable standing for its mean value, and everything it does is
//! multiplied by the trip count. Variables that accumulate across iterations
//! (`x += ...`, `lst.append(...)`, `a = np.concatenate([a, ...])`) are extrapolated
//! from the change one iteration makes. Idiom recognisers look at each loop body.

use super::*;
use crate::idioms;
use prescient_syntax::ast::*;

impl Interp<'_> {
    /// Trip count and element value of iterating over `it`.
    pub(crate) fn iteration(&mut self, it: &Value, iter_expr: &Expr) -> (Sym, Value) {
        let text = unparse::unparse(iter_expr);
        self.iteration_named(it, &text)
    }

    /// [`Self::iteration`] for a value described by `text` (for naming unknowns).
    pub(crate) fn iteration_named(&mut self, it: &Value, text: &str) -> (Sym, Value) {
        match it {
            Value::Range { .. } | Value::Seq { .. } | Value::Str { .. } | Value::Bytes { .. } => {
                let n = it.len().unwrap_or_else(Sym::zero);
                (n, it.iter_elem())
            }
            Value::Generator => {
                let n = self.unknown_len(text);
                (n, Value::Unknown)
            }
            Value::Array(a) if !a.shape.is_empty() => {
                let a = a.clone();
                let row = a.shape[1..].to_vec();
                let elem = if row.is_empty() {
                    if a.dtype.is_float() {
                        Value::Float(None)
                    } else {
                        Value::Int(Sym::var("elem"))
                    }
                } else {
                    self.view_of(&a, row)
                };
                (a.shape[0].clone(), elem)
            }
            Value::File { size, .. } => {
                // Lines of a text file: an average line length is assumed.
                let n = size.div(&Sym::num(80.0));
                self.note(format!(
                    "line {}: iterating over a file assumes 80-byte lines",
                    self.line
                ));
                (
                    n,
                    Value::Str {
                        len: Sym::num(80.0),
                        text: None,
                        shared: false,
                    },
                )
            }
            Value::Obj { attrs, .. } if attrs.borrow().contains_key("__modules__") => {
                let mods = attrs
                    .borrow()
                    .get("__modules__")
                    .cloned()
                    .unwrap_or(Value::Unknown);
                (mods.len().unwrap_or_else(Sym::one), mods.elem())
            }
            Value::Obj { class, attrs } if class.as_ref() == "torch.utils.data.DataLoader" => {
                let a = attrs.borrow();
                let n = a.get("__len__").and_then(|v| v.as_sym());
                let batch = a.get("__batch__").cloned().unwrap_or(Value::Unknown);
                drop(a);
                let n = n.unwrap_or_else(|| self.unknown_len(text));
                (n, batch)
            }
            // `for color in Color:` its members, in order.
            Value::Class(c) if c.is_enum() => {
                let names = c.enum_member_names();
                let elem = match names.first() {
                    Some(n) => self.enum_member(c, n),
                    None => Value::Unknown,
                };
                (Sym::num(names.len() as f64), elem)
            }
            Value::Instance { class, .. } => match class.lookup("__iter__") {
                Some(Value::Func(f)) => self.iterate_instance(it, &f, text),
                _ => {
                    let n = self.unknown_len(text);
                    (n, Value::Unknown)
                }
            },
            _ => {
                let n = self.unknown_len(text);
                (n, Value::Unknown)
            }
        }
    }

    /// `for x in obj` where `obj`'s class defines `__iter__`: what the
    /// method returns is iterated (a generator method yields the items).
    /// Over a linked structure (`yield from self.left` in a tree's
    /// `__iter__`), every node yields its own items, each passed up through
    /// the generators of the nodes above it: a resumption per level of the
    /// structure's depth.
    fn iterate_instance(
        &mut self,
        it: &Value,
        f: &std::rc::Rc<FuncVal>,
        text: &str,
    ) -> (Sym, Value) {
        let got = self.call_dunder(f, vec![it.clone()]);
        let delegates = match &f.callable {
            Callable::Def(d) => delegates_to_links(d.as_ref()),
            Callable::Lambda { .. } => Vec::new(),
        };
        let structure = self
            .structure_of(it)
            .filter(|(n, links, _)| *n > 1.0 && delegates.len() >= (*links).clamp(1, 2));
        match (&got, structure) {
            (Value::Seq { .. }, Some((nodes, links, root))) => {
                // Own items per node: what one call yields with its links empty.
                let own = self.num(&got.len().unwrap_or_else(Sym::one)).max(1.0);
                let depth = if links >= 2 {
                    let balanced = root.borrow().contains_key(super::linked::DEPTH_FIRST);
                    if balanced {
                        nodes.log2() + 1.0
                    } else {
                        2.0 * nodes.ln() - 1.85
                    }
                } else {
                    nodes / 2.0
                }
                .max(1.0);
                let items = nodes * own;
                self.ops(|o, m| {
                    o.py_calls += m * items * depth;
                    o.attr += m * nodes * delegates.len() as f64;
                });
                (Sym::num(items), got.elem())
            }
            (Value::Seq { .. }, None) if got.len().is_some() => (got.len().unwrap(), got.elem()),
            _ => {
                let n = self.unknown_len(text);
                (n, Value::Unknown)
            }
        }
    }

    fn unknown_len(&mut self, text: &str) -> Sym {
        let base = format!("len({})", truncate(text, 24));
        self.unknown(
            &base,
            DEFAULT_SIZE,
            format!(
                "length of `{}` is not known; assumed {}",
                truncate(text, 60),
                fmt_num(DEFAULT_SIZE)
            ),
        )
    }

    pub(crate) fn enter_loop(&mut self, vars: Vec<String>, trip: Sym, comprehension: bool) {
        self.ensure_known(&trip);
        let outer_mult = (self.mult.clone(), self.mult_num);
        self.mult = self.mult.mul(&trip);
        self.mult_num = self.num(&self.mult);
        self.loops.push(LoopCtx {
            vars,
            trip,
            line: self.line,
            ops: PyOps::default(),
            hits: Vec::new(),
            frame: self.frames.len(),
            before: BTreeMap::new(),
            attr_before: Vec::new(),
            spread: Vec::new(),
            serial: self.id_mark(),
            comprehension,
            lib_kernels: 0,
            flags: 0,
            kernel_mark: self.cur_kernels.len(),
            counters: Vec::new(),
            keyed: Vec::new(),
            varying: HashSet::new(),
            walks: Vec::new(),
            touched: HashSet::new(),
            levels: None,
            outer_mult,
        });
        self.ops(|o, m| o.loop_iters += m);
        // The loop's targets are stored each time round.
        if !comprehension {
            let stored = self.loops.last().map_or(0, |l| l.vars.len()) as f64;
            self.count_names(stored);
        }
    }

    pub(crate) fn exit_loop(&mut self) {
        let ctx = self.loops.pop().expect("loop stack");
        // What ran the loop ran it in its share (a branch, what follows an
        // early exit, one of a sweep's sizes): the statements after it run
        // in that share too, not in the product of the loops' trips alone.
        (self.mult, self.mult_num) = ctx.outer_mult.clone();
        let same_frame_parent = self.loops.last().is_some_and(|p| p.frame == ctx.frame);
        if same_frame_parent {
            let p = self.loops.last_mut().unwrap();
            p.ops.add(&ctx.ops);
            p.hits.extend(ctx.hits);
            p.lib_kernels += ctx.lib_kernels;
            p.flags |= ctx.flags;
        } else {
            // A nest inside a called function: its operation profile also
            // describes the caller's loop (cipher rounds split into helpers).
            let flags = ctx.flags;
            self.emit_loop_kernel(ctx);
            if let Some(p) = self.loops.last_mut() {
                p.flags |= flags;
            }
        }
    }

    /// One kernel for a whole loop nest: its idiom if one was recognised, else
    /// interpreted Python work.
    fn emit_loop_kernel(&mut self, mut ctx: LoopCtx) {
        let total_ops = ctx.ops.total();
        if ctx.hits.is_empty() {
            if let Some((category, pattern, affinity, what)) = idioms::classify_ops(ctx.flags) {
                let int_work = ctx.ops.bit_ops + ctx.ops.int_arith;
                ctx.hits.push(IdiomHit {
                    category,
                    pattern,
                    flops: int_work,
                    flops_sym: Sym::num(int_work),
                    affinity,
                    what: what.to_string(),
                    priority: 5,
                });
            }
        }
        let best = ctx
            .hits
            .iter()
            .max_by(|a, b| {
                a.priority
                    .cmp(&b.priority)
                    .then(a.flops.total_cmp(&b.flops))
            })
            .cloned();
        if let Some(h) = best
            .as_ref()
            .filter(|h| h.category == Category::Crypto && h.priority == 5)
        {
            // Interpreted helpers this nest called (S-box passes, key mixing) are
            // part of the same cipher or hash.
            let mark = ctx.kernel_mark.min(self.cur_kernels.len());
            for k in &mut self.cur_kernels[mark..] {
                if k.category == Category::Python || k.pattern == "loop.checksum" {
                    k.category = h.category;
                    k.pattern = h.pattern.to_string();
                    let own = k
                        .evidence
                        .split(" -> ")
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    k.evidence = format!(
                        "{own} -> {} ({}: part of the {} at line {})",
                        h.category.as_str(),
                        h.pattern,
                        h.what,
                        ctx.line
                    );
                }
            }
        }
        if best.is_none() && total_ops < 1e4 {
            // Too little interpreted work to matter; keep it with the statement.
            self.straight_ops.add(&ctx.ops);
            return;
        }
        if best.is_none() && ctx.lib_kernels > 0 && total_ops < 1e6 {
            self.straight_ops.add(&ctx.ops);
            return;
        }
        let count = self.mult.clone();
        let iters = if self.mult_num > 0.0 {
            ctx.ops.loop_iters / self.mult_num
        } else {
            ctx.ops.loop_iters
        };
        let kind = if ctx.comprehension {
            "comprehension"
        } else {
            "loop"
        };
        let vars = if ctx.vars.is_empty() {
            String::new()
        } else {
            format!(" over {}", ctx.vars.join(", "))
        };
        let (category, pattern, flops, flops_sym, affinity, what) = match &best {
            Some(h) => (
                h.category,
                h.pattern.to_string(),
                h.flops,
                Some(h.flops_sym.clone()),
                h.affinity,
                format!(
                    " -> {} ({}: {}){}",
                    h.category.as_str(),
                    h.pattern,
                    h.what,
                    if h.flops > 0.0 {
                        format!(", {}", fmt_flops(h.flops, "op"))
                    } else {
                        String::new()
                    }
                ),
            ),
            None => (
                Category::Python,
                format!("{kind}.python"),
                0.0,
                None,
                &[][..],
                String::new(),
            ),
        };
        let evidence = format!(
            "line {}: {kind}{vars}, {} iterations, {} interpreted{what}",
            ctx.line,
            fmt_flops(iters, ""),
            fmt_flops(total_ops, "op"),
        )
        .replace("  ", " ");
        let symbolic = SymbolicCost {
            flops: flops_sym
                .filter(|s| !s.vars().is_empty())
                .map(|s| s.to_string()),
            count: (!count.vars().is_empty()).then(|| count.to_string()),
            ..Default::default()
        };
        self.cur_kernels.push(Kernel {
            category,
            pattern,
            line: ctx.line,
            flops,
            bytes_moved: 0.0,
            bytes_allocated: 0.0,
            count: self.mult_num,
            parallelism: Parallelism::Interpreter,
            dtype: None,
            affinity: affinity.iter().map(|s| s.to_string()).collect(),
            py_ops: Some(ctx.ops),
            function: self.current_function(),
            evidence,
            symbolic,
            seconds: None,
            predicted_seconds: None,
            dims: Vec::new(),
            call_units: 0.0,
        });
    }

    pub(crate) fn exec_for(
        &mut self,
        s: &Stmt,
        target: &Expr,
        iter: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> Flow {
        let it = self.eval(iter);
        let (trip, elem) = self.iteration(&it, iter);
        let trip = match search_exit(&target.names(), body) {
            Some(hit) => {
                let n = self.num(&trip);
                let expected = hit.expected_trips(n);
                if expected < n {
                    self.note(format!(
                        "line {}: the loop ends at the first item {}: taken to run {} of its {} iterations",
                        s.span.line,
                        hit.describe(),
                        fmt_num(expected),
                        fmt_num(n)
                    ));
                    trip.scale(expected / n.max(1.0))
                } else {
                    trip
                }
            }
            None => trip,
        };
        // A length the analysis could only assume, or one a run measured
        // far from it (a loop left early by `break` or `return`, a list the
        // enclosing loop grows that the summary sees as it was before), or
        // a list taken at its mean size over an enclosing loop (an
        // estimate: its growth may not be even): the measured trips.
        let mean_sized = self.mean_sized.contains(&unparse::unparse(iter));
        // A loop over a range an enclosing loop of the function moves
        // (`for c in range(col, n + 1)` inside `for r in range(col + 1,
        // n)` inside `for col in range(n)`): the body sees the outer
        // variable at its mean, and a product of means is not the mean of
        // the product (n^3/4 iterations of an elimination instead of
        // n^3/3). The run's mean per entry is weighted by how often each
        // entry came, so it is the right one.
        let triangular = self.moved_by_enclosing_loop(iter);
        let trip = match self.oracle_trips(s.span) {
            // (What the analysis assumed stays named: the length may be
            // used beyond the loop's trips.)
            Some((n, _))
                if trip.as_num().is_none()
                    || mean_sized
                    || triangular
                    || (!super::oracle::agrees(self.num(&trip), n)
                        && (!counts_numbers(iter)
                            || self.oracle_uniform(s.span)
                            || self.mean_over_own_loops())) =>
            {
                Sym::num(n)
            }
            _ => trip,
        };
        if self.top_stmt_addr == s as *const Stmt as usize {
            self.last_top_trip = Some(self.num(&trip));
        }
        // Items of a container bound to a name outside the body stay alive
        // in it while the loop keeps or stores them.
        let elem = if lives_through(iter, body) {
            elem.shared()
        } else {
            elem
        };
        self.neighbour_misses(iter, &elem, &trip);
        // What the loop's iterable built (`zip(words, words[1:])` copies
        // the list's slots) is alive until the loop ends.
        let held = self.iterable_held_bytes(iter, &it);
        self.note_temp(held);
        let objects_before = if held > 0.0 {
            self.scope_python_bytes()
        } else {
            0.0
        };
        self.enter_loop(target.names(), trip.clone(), false);
        self.note_counters(target, iter, &it);
        self.note_loop_variety(target, iter);
        self.count_unpack(target);
        self.assign(target, elem);
        // `for n in [1_000, 10_000, 100_000]:`: each item runs the body as
        // what it is (a sweep's last size is most of its work).
        let unroll = distinct_items(&it)
            .or_else(|| sizes_swept(&it, target, body))
            .map(|items| (target, items));
        let flow = self.run_loop_body_with(body, &trip, unroll);
        if held > 0.0 {
            // At its end the loop holds all it built beside the iterable.
            let grown = self.scope_python_bytes() - objects_before;
            self.stmt_peak = self.stmt_peak.max(self.temp_bytes + grown);
        }
        self.temp_bytes -= held;
        if !matches!(flow, Flow::Return) {
            self.exec_block(orelse);
        }
        match flow {
            Flow::Return => Flow::Return,
            _ => Flow::Normal,
        }
    }

    /// Bytes of the Python containers a `for` loop's iterable built that
    /// live as long as the loop: a slice or a list it iterates itself
    /// (`for w in words[1:]`, `for x in sorted(xs)`), or one handed to a
    /// lazy wrapper (`zip(words, words[1:])`, `enumerate(sorted(xs))`).
    /// A container bound to a name is counted where it is bound.
    fn iterable_held_bytes(&self, iter: &Expr, it: &Value) -> f64 {
        // A comprehension's or display's items are its own.
        if matches!(iter.kind, ExprKind::Comp { .. } | ExprKind::List(_)) {
            return self.python_bytes(&it.realized());
        }
        let copied = self.copied_slots(iter);
        if copied > 0.0 {
            return copied;
        }
        let ExprKind::Call { func, args, .. } = &iter.kind else {
            return 0.0;
        };
        let lazy = matches!(
            func.as_name(),
            Some("zip" | "enumerate" | "reversed" | "map" | "filter" | "iter")
        ) || func.dotted().is_some_and(|d| d.starts_with("itertools."));
        if !lazy {
            return 0.0;
        }
        args.iter().map(|a| self.copied_slots(a)).sum()
    }

    /// Bytes of a new list of references to a container's items: a slice
    /// (`words[1:]`) or a copy (`sorted(xs)`, `list(xs)`) of a container
    /// bound to a name. 0 for anything else.
    fn copied_slots(&self, e: &Expr) -> f64 {
        let source = match &e.kind {
            ExprKind::Subscript { value, index }
                if matches!(index.kind, ExprKind::Slice { .. }) =>
            {
                value
            }
            ExprKind::Call { func, args, .. }
                if args.len() == 1
                    && matches!(func.as_name(), Some("list" | "sorted" | "tuple")) =>
            {
                &args[0]
            }
            _ => return 0.0,
        };
        match self.peek(source) {
            Some(v @ Value::Seq { .. }) => {
                let n = v.len().map(|l| self.num(&l)).unwrap_or(0.0);
                ledger::container_bytes(SeqKind::List, n)
            }
            _ => 0.0,
        }
    }

    /// Whether a loop here is entered once per iteration of an enclosing
    /// loop of its own frame, and the frame itself ran once: a run's mean
    /// trips per entry are then a mean over those iterations, the same
    /// mean the summary stands for (`range(len(words) - order)` over the
    /// texts of a corpus), not a mean over calls on several sizes, where
    /// the count the summary derived for this call is the better one.
    fn mean_over_own_loops(&self) -> bool {
        let Some(frame) = self.frames.last() else {
            return false;
        };
        if self.loops.len() <= frame.loop_base {
            return false;
        }
        match frame.func.as_deref().map(|f| &f.callable) {
            None => true,
            Some(Callable::Def(d)) => self.oracle_calls(d).is_some_and(|(n, _)| n <= 1.0),
            Some(Callable::Lambda { .. }) => false,
        }
    }

    /// Whether `iter` reads the variable of a loop of this frame that
    /// encloses a loop of this frame itself: the range of the third level
    /// of a nest whose second level the first moves too.
    fn moved_by_enclosing_loop(&self, iter: &Expr) -> bool {
        let base = self.frames.last().map_or(0, |f| f.loop_base);
        let Some(own) = self.loops.get(base..) else {
            return false;
        };
        if own.len() < 2 {
            return false;
        }
        let names = iter.names();
        // The outer loops other than the innermost enclosing one.
        own[..own.len() - 1]
            .iter()
            .any(|l| l.vars.iter().any(|v| names.iter().any(|n| n == v)))
    }

    pub(crate) fn exec_while(
        &mut self,
        s: &Stmt,
        test: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> Flow {
        let before = self.ops_now().clone();
        let outer_mult = self.mult_num.max(1e-300);
        let t = self.eval(test);
        let mut test_ops = self.ops_now().clone();
        test_ops.sub(&before);
        if self.truthiness(&t, test) == Some(false) && !matches!(test.kind, ExprKind::Bool(true)) {
            return self.exec_block(orelse);
        }
        let outer_domain = self.visit_domain.take();
        self.walk_pending = false;
        self.tree_walk_node = None;
        self.levels_pending = None;
        // The summary's own reading of the loop (a heap's levels, a
        // worklist's visits) shapes its costs even where a run of the call
        // measured the trips; only its count, and what it assumed, give way.
        let assumed = self.unknowns.len();
        let trip = self.while_trips(test, body);
        let guessed = self.unknowns.len() > assumed;
        let derived = self.num(&trip);
        // A queue drained more times than it held at first was refilled
        // in ways the summary did not follow (a method of the same object
        // pushing follow-up work): the run's count, however close.
        let refilled = |n: f64| drained_queue(test).is_some() && n > 1.1 * derived;
        let trip = match self.oracle_trips(s.span) {
            Some((n, how)) if guessed || !super::oracle::agrees(derived, n) || refilled(n) => {
                for u in self.unknowns.drain(assumed..) {
                    self.unknown_vals.remove(&u.symbol);
                }
                self.note(format!(
                    "line {}: the `while` loop runs {} times per entry ({how})",
                    s.span.line,
                    fmt_num(n)
                ));
                Sym::num(n)
            }
            _ => trip,
        };
        if let Some(node) = self.tree_walk_node.take() {
            // The top levels of the tree stay in the caches; the steps below
            // them miss.
            let cached = (crate::caches::FITS_IN_CACHE / node.max(16.0))
                .log2()
                .max(0.0);
            let misses = (self.num(&trip) - cached).max(0.0);
            if misses > 0.0 {
                self.ops(|o, m| o.cold_accesses += m * misses);
            }
        }
        self.enter_loop(vec![], trip.clone(), false);
        // The test runs before every iteration, not only before the first:
        // its operations again, per iteration (evaluating it again inside
        // would analyse what it calls once more for each nested loop).
        if test_ops.total() > 0.0 {
            self.ops(|o, m| o.add(&test_ops.scaled(m / outer_mult)));
        }
        self.count_names(super::stmt::name_accesses(test));
        if let (Some(levels), Some(l)) = (self.levels_pending.take(), self.loops.last_mut()) {
            l.levels = Some(levels);
        }
        let walk = std::mem::take(&mut self.walk_pending);
        if walk {
            // The branch share the walk runs in, without its own trips.
            let outer: f64 = self.loops[..self.loops.len() - 1]
                .iter()
                .map(|l| self.num(&l.trip).max(1.0))
                .product();
            let share = (self.mult_num / self.num(&trip).max(1.0) / outer.max(1.0)).clamp(0.0, 1.0);
            self.walk_loops.push((self.loops.len() - 1, share, false));
        }
        let flow = self.run_loop_body_with(body, &trip, None);
        if walk {
            self.walk_loops.pop();
        }
        self.visit_domain = outer_domain;
        // `while q:` ends with `q` empty, however much it grew on the way.
        if let Some(q) = drained_queue(test) {
            if let Some(v @ Value::Seq { kind, .. }) = self.peek(q) {
                self.assign(q, Value::homog(kind, v.elem(), Sym::zero()));
            }
        }
        self.exec_block(orelse);
        match flow {
            Flow::Return => Flow::Return,
            _ => Flow::Normal,
        }
    }

    /// Runs the body of the loop just entered once, closes the loop and carries
    /// accumulations over all `trip` iterations.
    ///
    /// With `unroll`, the body runs once per item of a short sequence
    /// written out item by item, each run in its share of the iterations.
    fn run_loop_body_with(
        &mut self,
        body: &[Stmt],
        trip: &Sym,
        unroll: Option<(&Expr, Vec<Value>)>,
    ) -> Flow {
        if let Some(l) = self.loops.last_mut() {
            let mut varying: HashSet<String> = l.vars.iter().cloned().collect();
            for s in body {
                s.walk(&mut |st| match &st.kind {
                    StmtKind::Assign { targets, .. } => {
                        varying.extend(targets.iter().flat_map(|t| t.names()));
                    }
                    StmtKind::AugAssign { target, .. } | StmtKind::AnnAssign { target, .. } => {
                        varying.extend(target.names());
                    }
                    StmtKind::For { target, .. } => varying.extend(target.names()),
                    _ => {}
                });
            }
            l.varying = varying;
        }
        self.loop_body_idioms(body);
        let start = self.temp_bytes;
        let arrays_before = self.scope_array_bytes();
        let mut rise = 0.0;
        // The lists the body grows, found once for both uses below.
        let sites = growth_sites(body);
        let grown = self.grow_to_mean(body, &sites, trip);
        let flow = match unroll {
            Some((target, items)) => {
                let w = 1.0 / items.len() as f64;
                let saved = self.branch_share;
                self.branch_share = saved * w;
                let mut all_return = true;
                for item in items {
                    self.assign(target, item);
                    let f = self.weighted(w, |it| it.exec_block(body));
                    all_return &= matches!(f, Flow::Return);
                }
                self.branch_share = saved;
                if all_return {
                    Flow::Return
                } else {
                    Flow::Normal
                }
            }
            None => {
                let (flow, r) = self.exec_body_rising(body);
                rise = r;
                flow
            }
        };
        self.ungrow(&grown);
        self.big_int_growth(body, trip);
        let (before, attr_before, spread, frame) = self.loop_growth();
        let bounds = self.bounded_containers(body, &sites);
        self.grown_walks(&before, &attr_before, trip, &bounds);
        self.grown_access_misses(&before, &attr_before, trip);
        self.exit_loop();
        self.extrapolate(&before, trip);
        self.extrapolate_attrs(attr_before, &spread, frame, trip);
        self.apply_bounds(&bounds);
        // Its last iteration builds its temporaries beside all the loop
        // has built by then: the arrays it appended (`snapshots.append(u.copy())`)
        // and the ones its names hold from the iteration before, which
        // stay bound until their statement runs again (`h = layer(x)` in a
        // training loop: the old `h` beside the new). Seen once, the body
        // counts neither.
        if self.num(trip) >= 2.0 {
            let built = self.scope_array_bytes() - arrays_before;
            if built > 0.0 {
                self.stmt_peak = self.stmt_peak.max(start + built + rise);
                if self.nested_built.0 == self.frames.len() {
                    self.nested_built.1 += built;
                }
            }
        }
        flow
    }

    /// Runs a loop's body once, and returns how far the memory held for
    /// the moment rose within one statement of it at most (its
    /// temporaries and the objects it builds before they are bound): the
    /// body's rise, which its last iteration adds to all the loop has
    /// built by then (see [`Self::run_loop_body_with`]).
    ///
    /// A loop nested in a statement has added what it built to that
    /// statement's peak already: those arrays are among what the enclosing
    /// loop built, so they are taken off its rise.
    fn exec_body_rising(&mut self, body: &[Stmt]) -> (Flow, f64) {
        let saved_nested = self.nested_built;
        let mut rise: f64 = 0.0;
        let mut flow = Flow::Normal;
        for i in 0..body.len() {
            let at = self.temp_bytes;
            let saved = self.stmt_peak;
            self.stmt_peak = at;
            self.nested_built = (self.frames.len(), 0.0);
            let f = self.exec_nth(body, i, false);
            rise = rise.max(self.stmt_peak - at - self.nested_built.1);
            self.stmt_peak = self.stmt_peak.max(saved);
            if !matches!(f, Flow::Normal) {
                flow = f;
                break;
            }
        }
        self.nested_built = saved_nested;
        (flow, rise)
    }

    /// Bytes of the Python objects the current frame's names hold (array
    /// buffers apart).
    fn scope_python_bytes(&self) -> f64 {
        let scope = match self.frames.last() {
            Some(f) => &f.locals,
            None => &self.globals,
        };
        scope.values().map(|v| self.python_bytes(v)).sum()
    }

    /// Bytes of the array buffers the current frame's names hold, in
    /// their containers and objects too, each buffer once.
    fn scope_array_bytes(&self) -> f64 {
        let scope = match self.frames.last() {
            Some(f) => &f.locals,
            None => &self.globals,
        };
        let mut seen = HashSet::new();
        scope
            .values()
            .map(|v| self.array_bytes_in(v, &mut seen, 0))
            .sum()
    }

    fn array_bytes_in(&self, v: &Value, seen: &mut HashSet<u64>, depth: u32) -> f64 {
        if depth > 6 {
            return 0.0;
        }
        match v {
            Value::Array(a) if seen.insert(a.base) => self.num(&a.nbytes()),
            Value::Seq {
                items: SeqItems::Known(items),
                ..
            } => items
                .iter()
                .map(|x| self.array_bytes_in(x, seen, depth + 1))
                .sum(),
            // Each element of a list the loop filled holds its own buffers.
            Value::Seq {
                items:
                    SeqItems::Homog {
                        elem,
                        len,
                        owned,
                        lazy: false,
                    },
                ..
            } if *owned > 0.0 => {
                let one = self.array_bytes_in(elem, &mut HashSet::new(), depth + 1);
                one * self.num(len) * owned
            }
            Value::Instance { attrs, .. } | Value::Obj { attrs, .. } => attrs
                .borrow()
                .iter()
                .filter(|(k, _)| k.as_str() != CHAIN && !super::linked::hidden(k))
                .map(|(_, x)| self.array_bytes_in(x, seen, depth + 1))
                .sum(),
            _ => 0.0,
        }
    }

    /// What the innermost loop's body changed, seen once: the frame's names
    /// as they were before it, the attributes it changed as they were, the
    /// attributes spread over many objects, and the loop's frame.
    fn loop_growth(&mut self) -> LoopGrowth {
        self.loops
            .last_mut()
            .map(|l| {
                (
                    l.before.clone(),
                    std::mem::take(&mut l.attr_before),
                    std::mem::take(&mut l.spread),
                    l.frame,
                )
            })
            .unwrap_or_default()
    }

    /// Leaves the innermost loop, its body seen once, and grows what that
    /// once grew (names of the frame, attributes of objects) to all `trip`
    /// iterations.
    fn leave_loop_extrapolating(&mut self, trip: &Sym) {
        let (before, attr_before, spread, frame) = self.loop_growth();
        self.exit_loop();
        self.extrapolate(&before, trip);
        self.extrapolate_attrs(attr_before, &spread, frame, trip);
    }

    /// Lists the loop both grows and reads whole (`if x not in seen:
    /// seen.append(x)`, `hist.append(v); total = sum(hist)`): the body is
    /// analysed once, so what it does with them would be costed at their
    /// size before the first iteration, though each iteration sees them
    /// bigger (the work is quadratic in the trips). They are grown, for the
    /// body's analysis, to their mean size over the loop: their length
    /// before it plus half the loop's growth (the statement that grows one
    /// runs in every iteration, or in the share a run of the program
    /// counted), up to a deque's `maxlen`. Not a list the loop also takes
    /// from (`pop`, `del`, `heappop`): a queue drained as it fills. Returns
    /// each and what was added, for [`Self::ungrow`].
    fn grow_to_mean(
        &mut self,
        body: &[Stmt],
        sites: &[(Expr, &Stmt)],
        trip: &Sym,
    ) -> Vec<(Expr, f64)> {
        let trips = self.num(trip);
        let Some(first) = body.first() else {
            return Vec::new();
        };
        if trips < 4.0 {
            return Vec::new();
        }
        let mut out: Vec<(Expr, f64)> = Vec::new();
        // The loop's own variables name another object each iteration.
        let vars: Vec<String> = self
            .loops
            .last()
            .map(|l| l.vars.clone())
            .unwrap_or_default();
        for (place, stmt) in sites {
            let (place, stmt) = (place.clone(), *stmt);
            let key = unparse::unparse(&place);
            let root = key.split('.').next().unwrap_or("");
            if vars.iter().any(|v| v == root) {
                continue;
            }
            if out.iter().any(|(p, _)| unparse::unparse(p) == key) || !read_whole(body, &key) {
                continue;
            }
            // A queue the loop drains as it fills has no such growth.
            if shrinks(body, &key) {
                continue;
            }
            let Some(
                v @ Value::Seq {
                    kind: SeqKind::List,
                    ..
                },
            ) = self.peek(&place)
            else {
                continue;
            };
            let Some(len) = v.len() else {
                continue;
            };
            let share = self.oracle_share(first, stmt).unwrap_or(1.0);
            let mut extra = share * (trips - 1.0) / 2.0;
            if let Some(cap) = self.maxlen_of(&key) {
                extra = extra.min((cap - self.num(&len)).max(0.0));
            }
            if extra < 1.0 {
                continue;
            }
            let grown = Value::partly_owned(
                SeqKind::List,
                v.elem(),
                len.add(&Sym::num(extra)),
                v.owned_share(),
            );
            // The loops' growth is measured from the length it has now.
            self.mark_accumulated_target(&place);
            self.assign(&place, grown);
            self.mean_sized.push(key);
            out.push((place, extra));
        }
        out
    }

    /// Notes the places `targets` bound to `deque(..., maxlen=k)` (or
    /// forgets them, bound to anything else).
    pub(crate) fn note_maxlen(&mut self, targets: &[Expr], value: &Expr) {
        // `fast, slow = deque(maxlen=a), deque(maxlen=b)`: pairwise.
        if let ([target], ExprKind::Tuple(values)) = (targets, &value.kind) {
            if let ExprKind::Tuple(places) = &target.kind {
                if places.len() == values.len() {
                    for (p, v) in places.iter().zip(values) {
                        self.note_maxlen(std::slice::from_ref(p), v);
                    }
                    return;
                }
            }
        }
        let maxlen = match &value.kind {
            ExprKind::Call {
                func,
                args,
                keywords,
            } if func
                .dotted()
                .is_some_and(|n| n == "deque" || n.ends_with(".deque")) =>
            {
                keywords
                    .iter()
                    .find(|k| k.name.as_deref() == Some("maxlen"))
                    .map(|k| &k.value)
                    .or(args.get(1))
            }
            _ => None,
        };
        let cap = maxlen.and_then(|e| match &e.kind {
            ExprKind::Int(Some(i)) => Some(*i as f64),
            _ => self.peek(e)?.as_sym().map(|s| self.num(&s)),
        });
        for t in targets {
            let key = unparse::unparse(t);
            match cap {
                Some(c) if c >= 0.0 => {
                    self.maxlens.insert(key, c);
                }
                _ => {
                    self.maxlens.remove(&key);
                }
            }
        }
    }

    /// The `maxlen` of the deque bound to the place written `key`.
    pub(crate) fn maxlen_of(&self, key: &str) -> Option<f64> {
        self.maxlens.get(key).copied()
    }

    /// Takes back what [`Self::grow_to_mean`] added, so that the loop's
    /// growth is extrapolated from the lengths it really had.
    fn ungrow(&mut self, grown: &[(Expr, f64)]) {
        let keep = self.mean_sized.len().saturating_sub(grown.len());
        self.mean_sized.truncate(keep);
        for (place, extra) in grown {
            let Some(v @ Value::Seq { kind, .. }) = self.peek(place) else {
                continue;
            };
            let Some(len) = v.len() else {
                continue;
            };
            let back = len.sub(&Sym::num(*extra)).clamp0();
            let v = Value::partly_owned(kind, v.elem(), back, v.owned_share());
            self.assign(place, v);
        }
    }

    /// Containers the loop keeps to a size: `if len(xs) > cap:` followed by
    /// a removal from `xs` (`del xs[:k]`, `xs.pop(0)`, `xs.popleft()`,
    /// `d.popitem()`, `xs = xs[-k:]`, `xs.clear()`), or a deque made with a
    /// `maxlen` the loop appends to: their length never passes the bound,
    /// however many iterations add to them. Returns the container as
    /// written and the bound.
    fn bounded_containers(&self, body: &[Stmt], sites: &[(Expr, &Stmt)]) -> Vec<(Expr, Sym)> {
        let mut out = Vec::new();
        // A deque made with a `maxlen` drops what passes it.
        for (place, _) in sites {
            if let Some(cap) = self.maxlen_of(&unparse::unparse(place)) {
                out.push((place.clone(), Sym::num(cap - 1.0)));
            }
        }
        for s in body {
            s.walk(&mut |st| {
                let Some((container, bound)) = size_guard(st) else {
                    return;
                };
                if let Some(b) = self.peek(bound).and_then(|v| v.as_sym()) {
                    out.push((container, b));
                }
            });
        }
        out
    }

    /// Notes the attributes a method keeps to a size (in `push`, `if
    /// len(self.window) > self.size: self.window.popleft()`): a loop that
    /// calls it grows them to that size at most (see
    /// [`Self::extrapolate_attrs`]). Run as the method's body begins, in
    /// its frame.
    pub(crate) fn note_attr_bounds(&mut self, body: &[Stmt]) {
        let mut found = Vec::new();
        for s in body {
            s.walk(&mut |st| {
                let Some((container, bound)) = size_guard(st) else {
                    return;
                };
                let ExprKind::Attribute { value, attr } = &container.kind else {
                    return;
                };
                let Some(Value::Instance { attrs, .. }) = self.peek(value) else {
                    return;
                };
                if let Some(b) = self.peek(bound).and_then(|v| v.as_sym()) {
                    found.push((
                        (std::rc::Rc::as_ptr(&attrs) as usize, attr.clone()),
                        self.num(&b),
                    ));
                }
            });
        }
        self.attr_bounds.extend(found);
    }

    /// Caps the containers `bounded_containers` found at their bound.
    fn apply_bounds(&mut self, bounds: &[(Expr, Sym)]) {
        for (place, bound) in bounds {
            let Some(v @ Value::Seq { kind, .. }) = self.peek(place) else {
                continue;
            };
            let Some(len) = v.len() else {
                continue;
            };
            let cap = self.num(bound) + 1.0;
            if self.num(&len) > cap {
                let capped = Value::homog(kind, v.elem(), Sym::num(cap));
                self.assign(place, capped);
            }
        }
    }

    /// Integers the loop grows without bound: each operation on one works
    /// through all its digits, so iteration `k` costs `k` times the growth
    /// per iteration. Seen in the loop's own statements: `x *= y` (grows by
    /// `log2 y` bits), `x <<= k` (`k` bits), and the Fibonacci step
    /// `a, b = b, a + b` (`log2` of the golden ratio, 0.694 bits); not when
    /// the loop also reduces `x` (`%`, `//`, `&`, `>>`). Adds the digits to
    /// work through, `n^2 g / 60` over `n` iterations (30-bit digits, half
    /// the final size on average). A product works through its digits more
    /// slowly than a sum (0.93 against 0.65 ns per digit on the reference
    /// node, whose mean `BIGINT_SECONDS_PER_DIGIT` is): weighted 1.16 and
    /// 0.81.
    fn big_int_growth(&mut self, body: &[Stmt], trip: &Sym) {
        let n = self.num(trip);
        if !(n.is_finite() && n >= 1000.0) {
            return;
        }
        let reduced = |x: &str| {
            let mut found = false;
            for s in body {
                s.walk(&mut |st| {
                    if let StmtKind::AugAssign { target, op, .. } = &st.kind {
                        if target.as_name() == Some(x)
                            && matches!(
                                op,
                                BinOp::Mod | BinOp::FloorDiv | BinOp::BitAnd | BinOp::RShift
                            )
                        {
                            found = true;
                        }
                    }
                    for e in st.exprs() {
                        e.walk(&mut |x2| {
                            if let ExprKind::BinOp { left, op, .. } = &x2.kind {
                                if left.as_name() == Some(x)
                                    && matches!(
                                        op,
                                        BinOp::Mod
                                            | BinOp::FloorDiv
                                            | BinOp::BitAnd
                                            | BinOp::RShift
                                    )
                                {
                                    found = true;
                                }
                            }
                        });
                    }
                });
            }
            found
        };
        let is_int = |it: &Self, x: &str| matches!(it.lookup(x), Some(Value::Int(_)));
        let mut bits = 0.0;
        for s in body {
            match &s.kind {
                StmtKind::AugAssign { target, op, value } => {
                    let Some(x) = target.as_name() else { continue };
                    if !is_int(self, x) || reduced(x) {
                        continue;
                    }
                    let by = match (&value.kind, op) {
                        (ExprKind::Int(Some(k)), BinOp::LShift) => *k as f64,
                        (_, BinOp::Mul) => {
                            let m = match &value.kind {
                                ExprKind::Int(Some(k)) => Some(*k as f64),
                                ExprKind::Name(y) => match self.lookup(y) {
                                    Some(Value::Int(v)) => v.as_num(),
                                    _ => None,
                                },
                                _ => None,
                            };
                            m.filter(|m| m.abs() > 1.0).map_or(0.0, |m| m.abs().log2())
                        }
                        _ => 0.0,
                    };
                    bits += by * if *op == BinOp::Mul { 1.16 } else { 1.0 };
                }
                StmtKind::Assign { targets, value } if targets.len() == 1 => {
                    let (ExprKind::Tuple(t), ExprKind::Tuple(v)) = (&targets[0].kind, &value.kind)
                    else {
                        continue;
                    };
                    let (Some(a), Some(b)) = (
                        t.first().and_then(|e| e.as_name()),
                        t.get(1).and_then(|e| e.as_name()),
                    ) else {
                        continue;
                    };
                    let step = t.len() == 2
                        && v.len() == 2
                        && v[0].as_name() == Some(b)
                        && matches!(&v[1].kind, ExprKind::BinOp { left, op: BinOp::Add, right }
                            if (left.as_name() == Some(a) && right.as_name() == Some(b))
                                || (left.as_name() == Some(b) && right.as_name() == Some(a)));
                    if step && is_int(self, a) && !reduced(a) && !reduced(b) {
                        bits += 0.694 * 0.81;
                    }
                }
                _ => {}
            }
        }
        if bits > 0.0 {
            self.ops(|o, m| o.bigint_digits += m * bits * n / 60.0);
        }
    }

    /// `for nb in node.nbrs:` where the items are instances of the owner's
    /// class: links to other nodes of a graph, made in another order than
    /// they are visited, so each item lands anywhere among all the nodes.
    /// Once those are bigger than the caches, reaching each one misses
    /// (measured: 1.7 s for six breadth-first searches over 100 thousand
    /// node objects and 600 thousand links, 22 times the cost of the same
    /// operations on a few nodes).
    fn neighbour_misses(&mut self, iter: &Expr, elem: &Value, trip: &Sym) {
        let ExprKind::Attribute { value, .. } = &iter.kind else {
            return;
        };
        let (Some(Value::Instance { class: owner, .. }), Value::Instance { class, .. }) =
            (value.as_name().and_then(|n| self.lookup(n)), elem)
        else {
            return;
        };
        if !std::rc::Rc::ptr_eq(&owner, class) {
            return;
        }
        let share = crate::caches::miss_share(self.population_bytes(elem));
        if share > 0.0 {
            let n = self.num(trip);
            self.ops(|o, m| o.cold_accesses += m * n * share);
        }
    }

    /// Trip count of `while a < b: ... a += c` style loops, else a named unknown.
    fn while_trips(&mut self, test: &Expr, body: &[Stmt]) -> Sym {
        if let ExprKind::Compare {
            left,
            ops,
            comparators,
        } = &test.kind
        {
            if let (Some(var), 1, Some(bound)) = (left.as_name(), ops.len(), comparators.first()) {
                if let Some(trip) = self.counter_trips(var, ops[0], bound, body) {
                    return trip;
                }
            }
        }
        if let Some(trip) = self.chunked_read_trips(body) {
            return trip;
        }
        if let Some(trip) = self.drain_trips(test, body) {
            return trip;
        }
        if let Some(trip) = self.object_drain_trips(test, body) {
            return trip;
        }
        if let Some(trip) = self.tree_level_trips(test, body) {
            return trip;
        }
        if let Some(trip) = self.structure_walk_trips(test, body) {
            return trip;
        }
        let line = self.line;
        let picked = assigned_names(body);
        if let Some(hit) = search_exit(&picked, body) {
            let expected = hit.expected_trips(DEFAULT_WHILE_TRIPS);
            return self.unknown(
                &format!("iters@{line}"),
                expected,
                format!(
                    "the `while` loop at line {line} ends at the first value it picks {}: assumed {}",
                    hit.describe(),
                    fmt_num(expected)
                ),
            );
        }
        if let Some(memo) = self.memo_walk(test, body) {
            return self.unknown(
                &format!("iters@{line}"),
                MEMO_WALK_TRIPS,
                format!(
                    "the `while` loop at line {line} walks until it reaches a key `{memo}` holds; \
                     `{memo}` outlives the call and keeps what earlier walks found, so each walk \
                     is short: assumed {}",
                    fmt_num(MEMO_WALK_TRIPS)
                ),
            );
        }
        self.unknown(
            &format!("iters@{line}"),
            DEFAULT_WHILE_TRIPS,
            format!(
                "trip count of the `while` loop at line {line} is not known; assumed {}",
                fmt_num(DEFAULT_WHILE_TRIPS)
            ),
        )
    }

    /// A walk down or up the levels of an implicit binary tree: an index
    /// that doubles (`c = 2 * i + 1; ...; i = c`, a heap's sift down) until
    /// it reaches a bound (`if c >= n: return`, `while c < n`), or halves
    /// (`i = (i - 1) >> 1`, `i //= 2`, a sift up or a walk to the root)
    /// while it is positive: `log2` of the bound over the start, about
    /// `log2 n` levels. Where the body can also leave early on the data
    /// (`if a[i] <= a[c]: return`), half of them.
    fn tree_level_trips(&mut self, test: &Expr, body: &[Stmt]) -> Option<Sym> {
        // The index's updates: `v = <f(v)>` directly, or through a temporary.
        let mut defs: Vec<(String, &Expr)> = Vec::new();
        // Names halved in place (`i //= 2`, `i >>= 1`).
        let mut halved: Vec<String> = Vec::new();
        for s in body {
            s.walk(&mut |st| {
                if let StmtKind::Assign { targets, value } = &st.kind {
                    if let [t] = targets.as_slice() {
                        if let Some(n) = t.as_name() {
                            defs.push((n.to_string(), value));
                        }
                    }
                }
                if let StmtKind::AugAssign { target, op, value } = &st.kind {
                    if let (Some(n), BinOp::FloorDiv | BinOp::RShift) = (target.as_name(), op) {
                        if value.as_int().is_some_and(|k| k >= 1) {
                            halved.push(n.to_string());
                        }
                    }
                }
            });
        }
        let step_of = |var: &str, e: &Expr| -> Option<Level> {
            level_step(var, e).or_else(|| {
                // `i = c` with `c = 2 * i + 1` before it.
                let tmp = e.as_name()?;
                let (_, d) = defs.iter().find(|(n, _)| n == tmp)?;
                level_step(var, d)
            })
        };
        let (var, step) = defs
            .iter()
            .filter(|(n, e)| e.as_name() != Some(n.as_str()))
            .find_map(|(n, e)| step_of(n, e).map(|s| (n.clone(), s)))
            .or_else(|| halved.first().map(|n| (n.clone(), Level::Halve)))?;
        let start = self.lookup(&var)?.as_sym()?;
        let start = self.num(&start);
        let levels = match step {
            Level::Halve => start.max(1.0).log2() + 1.0,
            Level::Double => {
                // The bound the index (or the child computed from it) meets.
                let bound = level_bound(test, body, &var, &defs)?;
                let b = self.eval(bound).as_sym().map(|s| self.num(&s))?;
                (b.max(1.0) / start.max(1.0)).log2().max(0.0) + 1.0
            }
        };
        self.levels_pending = Some(levels);
        let early = leaves_on_data(body);
        let trips = if early {
            (levels / 2.0).max(1.0)
        } else {
            levels
        };
        let line = self.line;
        self.note(format!(
            "line {line}: the `while` loop walks the levels of a binary tree by `{var}`: {} trips{}",
            fmt_num((trips * 10.0).round() / 10.0),
            if early { " (half the depth: it may stop early)" } else { "" }
        ));
        Some(Sym::num(trips))
    }

    /// `while q: q.pop()` where `q` is an object whose truth (`__bool__`,
    /// `__len__`) is that of a container it holds (`return bool(self.a)`,
    /// `return len(self.items)`), and the body calls a method of it to take
    /// an item: it drains that container, one item an iteration.
    fn object_drain_trips(&mut self, test: &Expr, body: &[Stmt]) -> Option<Sym> {
        let name = test.as_name()?;
        let Some(Value::Instance { class, attrs }) = self.lookup(name) else {
            return None;
        };
        let attr = ["__bool__", "__len__"]
            .iter()
            .find_map(|m| match class.lookup(m) {
                Some(Value::Func(f)) => match &f.callable {
                    Callable::Def(d) => truth_attribute(d),
                    Callable::Lambda { .. } => None,
                },
                _ => None,
            })?;
        let mut takes = false;
        for s in body {
            s.walk(&mut |st| {
                for e in st.exprs() {
                    e.walk(&mut |x| {
                        if let ExprKind::Call { func, .. } = &x.kind {
                            if let ExprKind::Attribute { value, attr } = &func.kind {
                                takes |= value.as_name() == Some(name) && takes_item(attr);
                            }
                        }
                    });
                }
            });
        }
        if !takes {
            return None;
        }
        let held = attrs.borrow().get(&attr).cloned()?;
        held.len()
    }

    /// `while n not in memo: ...; n = step(n)` where `memo` outlives the
    /// call (a parameter, a global, an attribute): a walk that stops at the
    /// first value an earlier walk recorded, so walks share their work (a
    /// memoised Collatz chain, a path-compressed union-find). Returns the
    /// memo as written.
    fn memo_walk(&self, test: &Expr, body: &[Stmt]) -> Option<String> {
        let (left, CmpOp::NotIn, memo) = test.as_comparison()? else {
            return None;
        };
        let var = left.as_name()?;
        let steps = body.iter().any(|s| {
            let mut hit = false;
            s.walk(&mut |st| {
                if let StmtKind::Assign { targets, .. } = &st.kind {
                    hit |= targets.iter().any(|t| t.as_name() == Some(var));
                }
            });
            hit
        });
        let frame = self.frames.last()?;
        let outlives = match &memo.kind {
            ExprKind::Attribute { .. } => true,
            ExprKind::Name(n) => !frame.locals.contains_key(n) || frame.params.contains(n),
            _ => false,
        };
        (steps && outlives).then(|| unparse::unparse(memo))
    }

    /// `while queue:` (also `while len(queue) > 0:`) whose body takes an item
    /// off the queue (`pop`, `popleft`, `heappop`, `get`): one iteration per
    /// item there at the start. When the body also puts items back, how many
    /// it adds is data-dependent: the count becomes a named unknown assumed
    /// to be at least the starting length.
    fn drain_trips(&mut self, test: &Expr, body: &[Stmt]) -> Option<Sym> {
        // `while q and q[0][0] <= now:` drains only what is due: the
        // condition stops it early.
        let (queue, until) = match &test.kind {
            ExprKind::BoolOp {
                op: BoolOp::And,
                values,
            } if values.len() >= 2 => (drained_queue(&values[0])?, true),
            _ => (drained_queue(test)?, false),
        };
        let key = unparse::unparse(queue);
        let (mut pops, mut pushes) = (false, false);
        for s in body {
            s.walk(&mut |st| {
                for e in st.exprs() {
                    e.walk(&mut |x| {
                        let Some(name) = queue_method(x, &key) else {
                            return;
                        };
                        match name {
                            n if takes_item(n) => pops = true,
                            "append" | "appendleft" | "add" | "extend" | "insert" | "put"
                            | "put_nowait" | "heappush" | "setdefault" => pushes = true,
                            _ => {}
                        }
                    });
                }
            });
        }
        if !pops {
            return None;
        }
        let len = self.peek(queue)?.len()?;
        if until && !pushes {
            return Some(self.due_trips(queue, &key, len));
        }
        if !pushes {
            return Some(len);
        }
        let line = self.line;
        let start = self.num(&len);
        if let Some((over, n)) = self.worklist_domain(queue, body) {
            let assumed = start.max(n);
            self.visit_domain = Some((assumed, self.mult_num.max(1.0)));
            return Some(self.unknown(
                &format!("iters@{line}"),
                assumed,
                format!(
                    "the `while` loop at line {line} drains `{key}` and adds to it while visiting `{over}` by the items it takes out: assumed one visit per entry of `{over}`, {}",
                    fmt_num(assumed)
                ),
            ));
        }
        if let Some((visits, how)) = self.requeue_visits(queue, &key, body) {
            let assumed = (start * visits).max(1.0);
            return Some(self.unknown(
                &format!("iters@{line}"),
                assumed,
                format!(
                    "the `while` loop at line {line} takes items off `{key}` ({} at the start) and puts each back until {how}: about {} visits each, {} iterations",
                    fmt_num(start),
                    fmt_num((visits * 10.0).round() / 10.0),
                    fmt_num(assumed.round())
                ),
            ));
        }
        let assumed = start.max(DEFAULT_WHILE_TRIPS);
        Some(self.unknown(
            &format!("iters@{line}"),
            assumed,
            format!(
                "the `while` loop at line {line} drains `{key}` ({} items at the start) and also adds to it; assumed {} iterations",
                fmt_num(start),
                fmt_num(assumed)
            ),
        ))
    }

    /// A round-robin queue (`t = q.pop(0)`, work on `t`, `q.append(t)`
    /// unless it is done): each item comes back until a counter of its own
    /// reaches its end. The counter is an attribute the body or a method
    /// of the item moves by a constant step (`t.left -= quantum`,
    /// `self.done += 3` in `t.step()`), and its end is zero, or what it is
    /// compared with (`self.done >= self.work`). Returns the visits per
    /// item, from the item's values as the queue holds them, and what ends
    /// them.
    fn requeue_visits(&self, queue: &Expr, key: &str, body: &[Stmt]) -> Option<(f64, String)> {
        // The item taken out, and put back as it is.
        let mut item: Option<String> = None;
        let mut back = false;
        for s in body {
            s.walk(&mut |st| {
                if let StmtKind::Assign { targets, value } = &st.kind {
                    if matches!(
                        queue_method(value, key),
                        Some("pop" | "popleft" | "get" | "heappop")
                    ) {
                        if let [t] = targets.as_slice() {
                            item = t.as_name().map(str::to_string);
                        }
                    }
                }
            });
        }
        let item = item?;
        for s in body {
            s.walk(&mut |st| {
                for e in st.exprs() {
                    e.walk(&mut |x| {
                        if let ExprKind::Call { args, .. } = &x.kind {
                            if matches!(
                                queue_method(x, key),
                                Some("append" | "appendleft" | "put" | "heappush")
                            ) {
                                back |= args.last().and_then(|a| a.as_name()) == Some(&item);
                            }
                        }
                    });
                }
            });
        }
        if !back {
            return None;
        }
        let Value::Instance { class, attrs } = self.peek(queue)?.elem() else {
            return None;
        };
        // Where the counter moves: the loop body on `item.x`, or a method
        // the body calls on the item, on `self.x`.
        let mut places: Vec<(&[Stmt], String)> = vec![(body, item.clone())];
        let mut methods = Vec::new();
        for s in body {
            for e in s.exprs() {
                e.walk(&mut |x| {
                    if let ExprKind::Call { func, .. } = &x.kind {
                        if let ExprKind::Attribute { value, attr } = &func.kind {
                            if value.as_name() == Some(item.as_str()) {
                                methods.push(attr.clone());
                            }
                        }
                    }
                });
            }
        }
        let defs: Vec<std::sync::Arc<FunctionDef>> = methods
            .iter()
            .filter_map(|m| match class.lookup(m) {
                Some(Value::Func(f)) => match &f.callable {
                    Callable::Def(d) => Some(d.clone()),
                    _ => None,
                },
                _ => None,
            })
            .collect();
        for d in &defs {
            places.push((&d.body, "self".to_string()));
        }
        let attr_num = |name: &str| -> Option<f64> {
            attrs
                .borrow()
                .get(name)
                .and_then(|v| v.as_sym())
                .and_then(|s| s.as_num())
        };
        for (stmts, owner) in places {
            let Some((attr, step)) = counter_step(stmts, &owner) else {
                continue;
            };
            let now = attr_num(&attr)?;
            if step < 0.0 {
                // Counting down: done at zero.
                return (now > 0.0)
                    .then(|| ((now / -step).ceil(), format!("its `{attr}` runs out")));
            }
            // Counting up to what it is compared with.
            let bound = counter_bound(stmts, &owner, &attr, &attr_num)?;
            return (bound > now).then(|| {
                (
                    ((bound - now) / step).ceil(),
                    format!("its `{attr}` reaches its bound"),
                )
            });
        }
        None
    }

    /// Trips of a drain that stops at a condition (`while q and due(q[0])`)
    /// and puts nothing back. Inside a loop that fills the queue, what it
    /// takes out over the run is at most what went in, so each run takes
    /// about what one iteration of that loop added (what the queue grew by
    /// since the loop began, in the iteration seen); elsewhere, at most the
    /// whole queue.
    fn due_trips(&mut self, queue: &Expr, key: &str, len: Sym) -> Sym {
        let frame = self.frames.len();
        let before = queue.as_name().and_then(|n| {
            self.loops
                .iter()
                .rev()
                .take_while(|l| l.frame == frame)
                .find_map(|l| l.before.get(n))
                .and_then(|v| v.len())
        });
        let Some(before) = before else {
            return len;
        };
        let added = self.num(&len.sub(&before));
        if added <= 0.0 {
            return len;
        }
        let line = self.line;
        self.note(format!(
            "line {line}: the `while` loop drains what is due from `{key}`, which the loop around it fills: taken to remove what one iteration adds, {}",
            fmt_num(added)
        ));
        Sym::num(added).min(&len)
    }

    /// A worklist loop (graph search, shortest paths) indexes a container by
    /// the items it takes out of the queue: `for w in adj[v]`, `dist[i][j]`.
    /// Such searches visit each entry about once, so the entries of the
    /// largest container indexed that way bound the trips. Returns that
    /// container as written and its entry count.
    fn worklist_domain(&mut self, queue: &Expr, body: &[Stmt]) -> Option<(String, f64)> {
        let key = unparse::unparse(queue);
        let mut taken: Vec<String> = Vec::new();
        for s in body {
            let StmtKind::Assign { targets, value } = &s.kind else {
                continue;
            };
            let from_queue = matches!(
                queue_method(value, &key),
                Some("pop" | "popleft" | "get" | "heappop")
            );
            if !from_queue {
                continue;
            }
            for t in targets {
                match &t.kind {
                    ExprKind::Name(n) => taken.push(n.clone()),
                    ExprKind::Tuple(v) | ExprKind::List(v) => {
                        taken.extend(v.iter().filter_map(|x| x.as_name().map(str::to_string)))
                    }
                    _ => {}
                }
            }
        }
        if taken.is_empty() {
            return None;
        }
        // Neighbours computed from a taken item (`rr, cc = r + dr, c + dc`,
        // `nxt = v + 1`) index the same containers.
        for s in body {
            s.walk(&mut |st| {
                let StmtKind::Assign { targets, value } = &st.kind else {
                    return;
                };
                if !matches!(
                    value.kind,
                    ExprKind::BinOp { .. } | ExprKind::Tuple(_) | ExprKind::List(_)
                ) {
                    return;
                }
                let mut uses = false;
                value.walk(&mut |x| {
                    uses |= x.as_name().is_some_and(|n| taken.iter().any(|t| t == n))
                });
                if uses {
                    for t in targets {
                        for n in t.names() {
                            if !taken.contains(&n) {
                                taken.push(n);
                            }
                        }
                    }
                }
            });
        }
        let is_taken = |e: &Expr| e.as_name().is_some_and(|n| taken.iter().any(|t| t == n));
        let mut best: Option<(String, f64)> = None;
        let mut seen = Vec::new();
        for s in body {
            s.walk(&mut |st| {
                for e in st.exprs() {
                    e.walk(&mut |x| {
                        if let ExprKind::Subscript { value, index } = &x.kind {
                            if is_taken(index) {
                                seen.push((value.clone(), false));
                                if let ExprKind::Subscript {
                                    value: outer,
                                    index: i0,
                                } = &value.kind
                                {
                                    if is_taken(i0) {
                                        seen.push((outer.clone(), true));
                                    }
                                }
                            }
                        }
                    });
                }
            });
        }
        for (container, grid) in seen {
            let Some(v) = self.peek(&container) else {
                continue;
            };
            let Some(len) = v.len() else {
                continue;
            };
            let mut n = self.num(&len);
            if grid {
                n *= v.elem().len().map(|l| self.num(&l)).unwrap_or(1.0);
            }
            if n > best.as_ref().map_or(0.0, |b| b.1) {
                best = Some((unparse::unparse(&container), n));
            }
        }
        best
    }

    /// `while True: block = f.read(n); if not block: break`: one iteration per
    /// chunk of a file of known size, plus the final empty read.
    fn chunked_read_trips(&mut self, body: &[Stmt]) -> Option<Sym> {
        for s in body {
            let StmtKind::Assign { value, .. } = &s.kind else {
                continue;
            };
            let ExprKind::Call { func, args, .. } = &value.kind else {
                continue;
            };
            let ExprKind::Attribute { value: recv, attr } = &func.kind else {
                continue;
            };
            if !matches!(attr.as_str(), "read" | "recv" | "readinto") {
                continue;
            }
            let Some(Value::File { size, .. }) = recv.as_name().and_then(|n| self.lookup(n)) else {
                continue;
            };
            let chunk = args
                .first()
                .map(|a| self.eval(a))
                .and_then(|v| v.as_sym())?;
            return Some(
                size.add(&chunk)
                    .sub(&Sym::one())
                    .floordiv(&chunk)
                    .add(&Sym::one()),
            );
        }
        None
    }

    fn counter_trips(&mut self, var: &str, op: CmpOp, bound: &Expr, body: &[Stmt]) -> Option<Sym> {
        let start = self.lookup(var)?.as_sym()?;
        let bound_v = self.eval(bound).as_sym()?;
        // Find the update of `var` in the body (top level of the body only).
        for s in body {
            let (uop, step_expr) = match &s.kind {
                StmtKind::AugAssign { target, op, value } if target.as_name() == Some(var) => {
                    (*op, value)
                }
                StmtKind::Assign { targets, value }
                    if targets.len() == 1 && targets[0].as_name() == Some(var) =>
                {
                    match &value.kind {
                        ExprKind::BinOp { left, op, right } if left.as_name() == Some(var) => {
                            (*op, &**right)
                        }
                        _ => continue,
                    }
                }
                _ => continue,
            };
            let step = self.eval(step_expr).as_sym()?;
            let increasing = matches!(op, CmpOp::Lt | CmpOp::LtE | CmpOp::NotEq);
            let decreasing = matches!(op, CmpOp::Gt | CmpOp::GtE | CmpOp::NotEq);
            let inclusive = matches!(op, CmpOp::LtE | CmpOp::GtE);
            let extra = if inclusive { Sym::one() } else { Sym::zero() };
            return match uop {
                BinOp::Add if increasing => Some(range_len(&start, &bound_v.add(&extra), &step)),
                BinOp::Sub if decreasing => {
                    Some(range_len(&start, &bound_v.sub(&extra), &step.scale(-1.0)))
                }
                BinOp::Mul | BinOp::LShift if increasing => {
                    let factor = if uop == BinOp::LShift {
                        Sym::num(2.0).pow(&step)
                    } else {
                        step
                    };
                    Some(
                        bound_v
                            .div(&start)
                            .log2()
                            .div(&factor.log2())
                            .add(&Sym::one()),
                    )
                }
                BinOp::FloorDiv | BinOp::Div | BinOp::RShift if decreasing => {
                    let factor = if uop == BinOp::RShift {
                        Sym::num(2.0).pow(&step)
                    } else {
                        step
                    };
                    Some(
                        start
                            .div(&bound_v.max(&Sym::one()))
                            .log2()
                            .div(&factor.log2())
                            .add(&Sym::one()),
                    )
                }
                _ => None,
            };
        }
        None
    }

    /// Carries accumulations seen in one iteration over all `trip` iterations.
    pub(crate) fn extrapolate(&mut self, before: &BTreeMap<String, Value>, trip: &Sym) {
        let rest = trip.sub(&Sym::one()).clamp0();
        for (name, old) in before {
            let Some(new) = self.scope_vars().get(name).cloned() else {
                continue;
            };
            if let Some(v) = self.grown_value(old, &new, &rest) {
                self.bind(name, v);
            }
        }
    }

    /// `new` grown by `scale` more times its change from `old`, for the kinds
    /// of value that accumulate (counts, strings, containers, arrays).
    pub(crate) fn grown_value(&mut self, old: &Value, new: &Value, scale: &Sym) -> Option<Value> {
        let grown = |o: &Sym, n: &Sym| n.add(&n.sub(o).mul(scale));
        // A container a loop drains faster than it fills ends empty, never
        // below.
        let size = |o: &Sym, n: &Sym| grown(o, n).clamp0();
        Some(match (old, new) {
            (Value::Int(o), Value::Int(n)) => Value::Int(grown(o, n)),
            (Value::Str { len: o, .. }, Value::Str { len: n, .. }) => Value::Str {
                len: size(o, n),
                text: None,
                shared: false,
            },
            (Value::Bytes { len: o }, Value::Bytes { len: n }) => Value::Bytes { len: size(o, n) },
            (Value::Seq { .. }, Value::Seq { kind, .. }) => {
                let (o, n) = (
                    old.len().unwrap_or_else(Sym::zero),
                    new.len().unwrap_or_else(Sym::zero),
                );
                // Elements that grew in place (`groups[k].append(x)`) carry
                // their growth too: the items in all elements together grow
                // with the loop, and are shared out over the final count
                // (a dict's entry is a (key, value) pair).
                let total = size(&o, &n);
                let elem = match (old.elem(), new.elem()) {
                    (
                        Value::Seq {
                            kind: SeqKind::Tuple,
                            items: SeqItems::Known(a),
                        },
                        Value::Seq {
                            kind: SeqKind::Tuple,
                            items: SeqItems::Known(b),
                        },
                    ) if *kind == SeqKind::Dict && a.len() == 2 && b.len() == 2 => {
                        match self.shared_growth(&a[1], &b[1], (&o, &n, &total), scale) {
                            Some(v) => Value::tuple(vec![b[0].clone(), v]),
                            None => new.elem(),
                        }
                    }
                    (a, b) if *kind != SeqKind::Dict => self
                        .shared_growth(&a, &b, (&o, &n, &total), scale)
                        .unwrap_or(b),
                    _ => new.elem(),
                };
                // References stay references however many there are.
                Value::partly_owned(*kind, elem, total, new.owned_share())
            }
            // A linked chain built by `head = Node(x, head)`: it gains the
            // nodes of one iteration every iteration.
            (Value::None | Value::Instance { .. }, Value::Instance { attrs, .. })
                if attrs.borrow().contains_key(CHAIN) =>
            {
                let before = Sym::num(chain_length(old).unwrap_or(0.0));
                let after = Sym::num(chain_length(new).unwrap_or(1.0));
                let total = size(&before, &after);
                attrs.borrow_mut().insert(CHAIN.into(), Value::Int(total));
                new.clone()
            }
            (Value::Array(o), Value::Array(n)) if o.shape.len() == n.shape.len() => {
                let shape = o
                    .shape
                    .iter()
                    .zip(&n.shape)
                    .map(|(a, b)| size(a, b))
                    .collect();
                let (dtype, lib) = (n.dtype, n.lib);
                self.new_array(shape, dtype, lib, Origin::Plain)
            }
            _ => return None,
        })
    }

    /// An element's length over the loop, where the elements are containers
    /// that grew in the iteration seen: the items of all elements together
    /// (`count x length`) grow linearly and are shared over the final count.
    /// `counts` is the container's length before, after one iteration and
    /// at the end.
    fn shared_growth(
        &mut self,
        old: &Value,
        new: &Value,
        counts: (&Sym, &Sym, &Sym),
        scale: &Sym,
    ) -> Option<Value> {
        let (Value::Seq { .. }, Value::Seq { kind, .. }) = (old, new) else {
            return None;
        };
        let (a, b) = (old.len()?, new.len()?);
        if (self.num(&a) - self.num(&b)).abs() < 1e-12 {
            return None;
        }
        let (k_old, k_new, k_end) = counts;
        if self.num(k_end) <= 0.0 {
            return None;
        }
        let (e_old, e_new) = (k_old.mul(&a), k_new.mul(&b));
        let e_end = e_new.add(&e_new.sub(&e_old).mul(scale));
        Some(Value::homog(*kind, new.elem(), e_end.div(k_end)))
    }

    /// Runs the loop-body idiom recognisers for the nest that is now innermost.
    fn loop_body_idioms(&mut self, body: &[Stmt]) {
        let chain = self.loop_chain();
        if let Some(hit) = idioms::check_loop_body(self, &chain, body) {
            if let Some(ctx) = self.loops.last_mut() {
                ctx.hits.push(hit);
            }
        }
    }

    /// Loop variables of the current frame's loops, outermost first.
    pub(crate) fn loop_chain(&self) -> Vec<(Vec<String>, Sym)> {
        let base = self.frames.last().map(|f| f.loop_base).unwrap_or(0);
        self.loops[base.min(self.loops.len())..]
            .iter()
            .map(|l| (l.vars.clone(), l.trip.clone()))
            .collect()
    }

    /// List/set/dict comprehensions and generator expressions.
    pub(crate) fn eval_comp(
        &mut self,
        kind: CompKind,
        elt: &Expr,
        key: Option<&Expr>,
        generators: &[Comprehension],
    ) -> Value {
        // Python 3.11 runs a comprehension as a function of its own: made
        // and called each time the expression runs (85 ns for an empty one
        // here, against 10 for an empty display). A generator expression
        // also makes its generator and frame object: `any(v for v in ())`
        // takes 151 ns against 28 for `any(())`, 60 more than the list's.
        let made = if kind == CompKind::Generator {
            2.0
        } else {
            1.0
        };
        self.ops(|o, m| o.py_calls += made * m);
        let mut total = Sym::one();
        let mut entered = 0;
        // The share of items the conditions keep: a condition not known
        // before the run keeps half, as an unknown `if` in a loop adds to
        // containers half the time.
        let mut keep = 1.0;
        let mut trips: Vec<Sym> = Vec::new();
        let bound: Vec<String> = generators.iter().flat_map(|g| g.target.names()).collect();
        // `"".join(f"<td>{v}</td>" for v in row)` over a row of an int, a
        // string and a float: each item costs what it is (formatting a float
        // is nine times an int), not what the first one is.
        let mut mixed: Option<Vec<Value>> = None;
        for g in generators {
            let it = self.eval(&g.iter);
            if generators.len() == 1 && g.ifs.is_empty() {
                mixed = distinct_items(&it).or_else(|| text_items(&it));
            }
            let (trip, elem) = self.iteration(&it, &g.iter);
            // A length the analysis could only assume, where a run measured it.
            let trip = match self.oracle_trips(g.iter.span) {
                Some((n, _)) if trip.as_num().is_none() => Sym::num(n),
                _ => trip,
            };
            let elem = if lives_through(&g.iter, &[]) {
                elem.shared()
            } else {
                elem
            };
            self.enter_loop(g.target.names(), trip.clone(), true);
            trips.push(trip.clone());
            self.note_counters(&g.target, &g.iter, &it);
            self.note_loop_variety(&g.target, &g.iter);
            self.count_unpack(&g.target);
            entered += 1;
            self.assign(&g.target, elem);
            for cond in &g.ifs {
                let c = self.eval(cond);
                // The targets stand for their mean value: a condition on
                // them (`if s % 2 == 0`, `if a < b`) is not known by it.
                let on_items = cond.names().iter().any(|n| bound.contains(n));
                keep *= match self.truthiness(&c, cond) {
                    Some(true) if !on_items => 1.0,
                    Some(false) if !on_items => 0.0,
                    // `if random.random() < 0.1`: the chance it states.
                    _ => self.chance_share(cond).unwrap_or(0.5),
                };
            }
            total = total.mul(&trip);
        }
        // A generator's frame is resumed for each item it yields: 6-9 ns
        // an item more than the same comprehension into a list.
        if kind == CompKind::Generator {
            self.ops(|o, m| o.calls += m);
        }
        if let Some(hit) = idioms::check_comprehension(self, elt, generators) {
            if let Some(ctx) = self.loops.last_mut() {
                ctx.hits.push(hit);
            }
        }
        let mut each = Vec::new();
        let v = match (&mixed, generators.first()) {
            (Some(items), Some(g)) => {
                let share = 1.0 / items.len() as f64;
                for item in items {
                    self.assign(&g.target, item.clone());
                    each.push(self.weighted(share, |it| it.eval(elt)));
                }
                each.first().cloned().unwrap_or(Value::Unknown)
            }
            _ => self.eval(elt),
        };
        let k = key.map(|k| self.eval(k));
        // Conditions on the items keep a share only a run knows (`if
        // flags[i]` in a sieve keeps the primes): the items a run made.
        let total = match self.oracle_trips(elt.span) {
            Some((n, _)) if keep < 1.0 => Sym::num(n),
            _ => total.scale(keep),
        };
        // A set or dict holds each distinct key once: where the key's
        // variety is known, as many as the items bring.
        let total = match kind {
            CompKind::Set | CompKind::Dict => {
                let keyed = key.unwrap_or(elt);
                match self.variety_of(keyed) {
                    Some(u) => {
                        let n = self.num(&total);
                        Sym::num(u.distinct(n).min(n))
                    }
                    None => total,
                }
            }
            _ => total,
        };
        // What the items' calls grew (`sum(1 for t in ts if ledger.record(t))`
        // appending to an account's postings) grew once per item, as in a
        // loop's body.
        for _ in 0..entered {
            let trip = trips.pop().unwrap_or_else(Sym::one);
            self.leave_loop_extrapolating(&trip);
        }
        // `[r for r in rows if ...]`: the items are the objects `rows` holds.
        // A generator's items are its own.
        let generated = |e: &Expr| self.peek(e).is_some_and(|v| v.may_be_generator());
        let picked = elt.as_name().is_some_and(|n| {
            generators.iter().any(|g| {
                g.target.as_name() == Some(n)
                    && lives_through(&g.iter, &[])
                    && !generated(&g.iter)
                    && holds_objects(&v)
            })
        });
        match kind {
            // Each item looked at on its own: the list is known item by item
            // (`[line.strip() for line in TEXT.splitlines()]` keeps the text).
            CompKind::List if !each.is_empty() && !picked => Value::Seq {
                kind: SeqKind::List,
                items: SeqItems::Known(each),
            },
            CompKind::List if picked => Value::refs(SeqKind::List, v, total),
            CompKind::Set if picked => Value::refs(SeqKind::Set, v, total),
            CompKind::List => Value::homog(SeqKind::List, v, total),
            CompKind::Set => Value::homog(SeqKind::Set, v, total),
            CompKind::Dict => Value::homog(
                SeqKind::Dict,
                Value::tuple(vec![k.unwrap_or(Value::Unknown), v]),
                total,
            ),
            CompKind::Generator => Value::lazy(v, total),
        }
    }
}

/// Whether a `for` loop counts through numbers (`range(...)`): a count
/// the summary derives from them is exact for the call it analyses, where
/// a run's mean over calls on other sizes is not. (Over a container the
/// summary may see it as it was before an enclosing loop grew it.)
/// Methods that grow a list by an item or a few.
const GROWS: &[&str] = &["append", "appendleft", "extend", "insert"];

/// The places (a name, `self.items`) the loop body grows by a method call
/// (`xs.append(v)`), each with the statement that does it; not those whose
/// name the body also binds (`xs = xs[-k:]`, `node = Node()` before
/// `node.children.append(c)`, a nested loop's `for g in groups:` before
/// `g.members.append(x)`: another object each time), nor inside functions
/// it defines.
fn growth_sites(body: &[Stmt]) -> Vec<(Expr, &Stmt)> {
    let mut out = Vec::new();
    let mut rebound: Vec<String> = Vec::new();
    for s in body {
        s.walk(&mut |st| match &st.kind {
            StmtKind::For { target, .. } => rebound.extend(target.names()),
            StmtKind::Expr(e) => {
                if let ExprKind::Call { func, .. } = &e.kind {
                    if let ExprKind::Attribute { value, attr } = &func.kind {
                        let place =
                            matches!(value.kind, ExprKind::Name(_) | ExprKind::Attribute { .. });
                        if place && GROWS.contains(&attr.as_str()) {
                            out.push(((**value).clone(), st));
                        }
                    }
                }
            }
            StmtKind::Assign { targets, .. } => {
                rebound.extend(targets.iter().map(unparse::unparse));
                rebound.extend(targets.iter().flat_map(|t| t.names()));
            }
            StmtKind::With { items, .. } => {
                rebound.extend(
                    items
                        .iter()
                        .filter_map(|i| i.target.as_ref())
                        .flat_map(|v| v.names()),
                );
            }
            _ => {}
        });
    }
    let root = |e: &Expr| -> String {
        let mut e = e;
        while let ExprKind::Attribute { value, .. } = &e.kind {
            e = value;
        }
        unparse::unparse(e)
    };
    out.retain(|(p, _)| !rebound.contains(&unparse::unparse(p)) && !rebound.contains(&root(p)));
    // What a method of the same object (`self.process()` beside
    // `self.queue.append(e)`) or a function of the program handed the list
    // does to it is not seen here: it may drain it.
    out.retain(|(p, _)| !handed_on(body, &root(p), &unparse::unparse(p)));
    out
}

/// Built-in functions that read a list without changing it.
const READERS: &[&str] = &[
    "len",
    "sum",
    "min",
    "max",
    "sorted",
    "list",
    "tuple",
    "set",
    "any",
    "all",
    "enumerate",
    "zip",
    "reversed",
    "print",
    "str",
    "repr",
    "frozenset",
    "dict",
    "iter",
    "map",
    "filter",
];

/// Whether the body calls a method of the object `root` other than the
/// list's own, sorts the list `key` in place, or hands it to a function
/// other than a built-in reader.
fn handed_on(body: &[Stmt], root: &str, key: &str) -> bool {
    let mut found = false;
    for s in body {
        s.walk(&mut |st| {
            for e in st.exprs() {
                e.walk(&mut |x| {
                    let ExprKind::Call { func, args, .. } = &x.kind else {
                        return;
                    };
                    if root != key {
                        if let ExprKind::Attribute { value, .. } = &func.kind {
                            found |= unparse::unparse(value) == root;
                        }
                    }
                    // Sorting a list kept sorted as it grows is a linear
                    // pass, not what a sort of its size costs.
                    if let ExprKind::Attribute { value, attr } = &func.kind {
                        found |= attr == "sort" && unparse::unparse(value) == key;
                    }
                    let reader = func.as_name().is_some_and(|n| READERS.contains(&n))
                        || matches!(&func.kind, ExprKind::Attribute { attr, .. } if attr == "join");
                    if !reader && func.as_name().is_some() {
                        found |= args.iter().any(|a| unparse::unparse(a) == key);
                    }
                });
            }
        });
    }
    found
}

/// Whether the body reads the container written `key` whole: anywhere but
/// as the receiver of a method that grows or pops it at an end, inside
/// `len()`, or indexed (`xs[i]`, `xs[-1]`, a slice).
fn read_whole(body: &[Stmt], key: &str) -> bool {
    const AT_AN_END: &[&str] = &["append", "appendleft", "extend", "pop", "popleft", "add"];
    let (mut all, mut cheap) = (0, 0);
    for s in body {
        s.walk(&mut |st| {
            if matches!(st.kind, StmtKind::FunctionDef(_) | StmtKind::ClassDef(_)) {
                return;
            }
            // Handing it back reads nothing.
            if let StmtKind::Return(Some(e)) = &st.kind {
                if unparse::unparse(e) == key {
                    cheap += 1;
                }
            }
            for e in st.exprs() {
                e.walk(&mut |x| {
                    let is_key = |e: &Expr| unparse::unparse(e) == key;
                    if is_key(x) {
                        all += 1;
                    }
                    match &x.kind {
                        ExprKind::Call { func, args, .. } => {
                            if let ExprKind::Attribute { value, attr } = &func.kind {
                                if is_key(value) && AT_AN_END.contains(&attr.as_str()) {
                                    cheap += 1;
                                }
                            }
                            if func.as_name() == Some("len") && args.len() == 1 && is_key(&args[0])
                            {
                                cheap += 1;
                            }
                        }
                        ExprKind::Subscript { value, .. } if is_key(value) => cheap += 1,
                        _ => {}
                    }
                });
            }
        });
    }
    all > cheap
}

fn counts_numbers(iter: &Expr) -> bool {
    matches!(&iter.kind, ExprKind::Call { func, .. } if func.as_name() == Some("range"))
}

/// What a loop's body changed, seen once (`Interp::loop_growth`).
type LoopGrowth = (
    BTreeMap<String, Value>,
    Vec<super::accumulate::AttrBefore>,
    Vec<(usize, String)>,
    usize,
);

pub(crate) fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let t: String = s.chars().take(n).collect();
        format!("{t}…")
    }
}

/// The container a `while` test waits to be empty: `while q`, `while len(q)`,
/// `while len(q) > 0` (or `!= 0`, `>= 1`).
/// The method `x` calls on the queue written `key`, if it is such a call:
/// `q.pop()`, `q.append(x)`, and `heapq.heappop(q)` / `heappush(q, x)`,
/// whose queue is the first argument.
fn queue_method<'e>(x: &'e Expr, key: &str) -> Option<&'e str> {
    let ExprKind::Call { func, args, .. } = &x.kind else {
        return None;
    };
    let (name, target) = match &func.kind {
        ExprKind::Attribute { value, attr } => match attr.as_str() {
            "heappop" | "heappush" | "heapreplace" | "heappushpop" => (attr.as_str(), args.first()),
            _ => (attr.as_str(), Some(&**value)),
        },
        ExprKind::Name(n) => (n.as_str(), args.first()),
        _ => return None,
    };
    (target.map(unparse::unparse).as_deref() == Some(key)).then_some(name)
}

fn drained_queue(test: &Expr) -> Option<&Expr> {
    fn len_arg(e: &Expr) -> Option<&Expr> {
        match &e.kind {
            ExprKind::Call { func, args, .. }
                if func.as_name() == Some("len") && args.len() == 1 =>
            {
                Some(&args[0])
            }
            _ => None,
        }
    }
    match &test.kind {
        ExprKind::Name(_) | ExprKind::Attribute { .. } => Some(test),
        ExprKind::Call { .. } => len_arg(test),
        ExprKind::Compare {
            left,
            ops,
            comparators,
        } if ops.len() == 1 => {
            let bound = comparators[0].as_int()?;
            match (ops[0], bound) {
                (CmpOp::Gt | CmpOp::NotEq, 0) | (CmpOp::GtE, 1) => len_arg(left),
                _ => None,
            }
        }
        _ => None,
    }
}

/// Whether the container a `for` loop iterates is kept alive by a name the
/// loop body does not rebind: `for w in words`, `for k, v in d.items()`,
/// `for a, b in zip(xs, ys)`, `for i, x in enumerate(self.items)`.
fn lives_through(iter: &Expr, body: &[Stmt]) -> bool {
    let root = |e: &Expr| -> Option<String> {
        let mut e = e;
        while let ExprKind::Attribute { value, .. } = &e.kind {
            e = value;
        }
        e.as_name().map(str::to_string)
    };
    let holders: Option<Vec<String>> = match &iter.kind {
        ExprKind::Name(_) | ExprKind::Attribute { .. } => root(iter).map(|r| vec![r]),
        ExprKind::Call { func, args, .. } => match &func.kind {
            // d.items(), d.keys(), d.values()
            ExprKind::Attribute { value, attr }
                if matches!(attr.as_str(), "items" | "keys" | "values") && args.is_empty() =>
            {
                root(value).map(|r| vec![r])
            }
            ExprKind::Name(f) if matches!(f.as_str(), "zip" | "enumerate" | "reversed") => args
                .iter()
                .map(|a| match &a.kind {
                    ExprKind::Subscript { value, .. } => root(value),
                    _ => root(a),
                })
                .collect(),
            _ => None,
        },
        _ => None,
    };
    let Some(holders) = holders.filter(|h| !h.is_empty()) else {
        return false;
    };
    let mut rebound = false;
    for s in body {
        s.walk(&mut |st| {
            let targets: Vec<&Expr> = match &st.kind {
                StmtKind::Assign { targets, .. } => targets.iter().collect(),
                StmtKind::AugAssign { target, .. }
                | StmtKind::AnnAssign { target, .. }
                | StmtKind::For { target, .. } => vec![target],
                _ => vec![],
            };
            rebound |= targets
                .iter()
                .flat_map(|t| t.names())
                .any(|n| holders.contains(&n));
        });
    }
    !rebound
}

/// Whether `stmts` take items out of the container written `key`.
/// An `if` that keeps a container to a size: `if len(xs) > cap:` (or
/// `cap < len(xs)`, `>=`) whose body takes from `xs` ([`shrinks`]). The
/// container as written and the bound's expression.
fn size_guard(st: &Stmt) -> Option<(Expr, &Expr)> {
    let StmtKind::If { test, body, .. } = &st.kind else {
        return None;
    };
    let (left, op, right) = test.as_comparison()?;
    let len_of = |e: &Expr| match &e.kind {
        ExprKind::Call { func, args, .. } if func.as_name() == Some("len") && args.len() == 1 => {
            Some(args[0].clone())
        }
        _ => None,
    };
    let (container, bound) = match op {
        CmpOp::Gt | CmpOp::GtE => (len_of(left)?, right),
        CmpOp::Lt | CmpOp::LtE => (len_of(right)?, left),
        _ => return None,
    };
    shrinks(body, &unparse::unparse(&container)).then_some((container, bound))
}

fn shrinks(stmts: &[Stmt], key: &str) -> bool {
    let mut found = false;
    for s in stmts {
        s.walk(&mut |st| match &st.kind {
            StmtKind::Delete(targets) => {
                found |= targets.iter().any(|t| {
                    matches!(&t.kind, ExprKind::Subscript { value, .. } if unparse::unparse(value) == key)
                });
            }
            StmtKind::Assign { targets, value }
                if targets.iter().any(|t| unparse::unparse(t) == key) =>
            {
                let sliced = matches!(&value.kind, ExprKind::Subscript { value: v, .. } if unparse::unparse(v) == key);
                found |= sliced;
            }
            // Also what an assignment takes (`old = xs.popleft()`).
            _ => {
                for e in st.exprs() {
                    e.walk(&mut |x| {
                        let ExprKind::Call { func, args, .. } = &x.kind else {
                            return;
                        };
                        if let ExprKind::Attribute { value, attr } = &func.kind {
                            found |= unparse::unparse(value) == key
                                && matches!(
                                    attr.as_str(),
                                    "pop" | "popleft" | "popitem" | "clear" | "remove"
                                );
                        }
                        // `heapq.heappop(xs)`
                        found |= func.dotted().is_some_and(|d| d.ends_with("heappop"))
                            && args.first().is_some_and(|a| unparse::unparse(a) == key);
                    });
                }
            }
        });
    }
    found
}

/// Hidden attribute of the head node of a linked chain: how many nodes are
/// reachable from it through the link it was built with.
pub(crate) const CHAIN: &str = "__chain__";

/// Nodes in the chain that starts at `v`: 0 for `None`, 1 for an instance
/// not built as a chain.
pub(crate) fn chain_length(v: &Value) -> Option<f64> {
    match v {
        Value::None => Some(0.0),
        Value::Instance { attrs, .. } => Some(
            attrs
                .borrow()
                .get(CHAIN)
                .and_then(|c| c.as_sym())
                .and_then(|c| c.as_num())
                .unwrap_or(1.0),
        ),
        _ => None,
    }
}

/// Whether a value is an object of its own, which a container holds by
/// reference (not a small int a copy would share anyway).
fn holds_objects(v: &Value) -> bool {
    !matches!(v, Value::Unknown | Value::None | Value::Bool(_))
}

/// `owner.attr += k` or `owner.attr -= k` with a constant `k` in `stmts`
/// (at any depth): the attribute and its signed step.
fn counter_step(stmts: &[Stmt], owner: &str) -> Option<(String, f64)> {
    let mut found = None;
    for s in stmts {
        s.walk(&mut |st| {
            if let StmtKind::AugAssign { target, op, value } = &st.kind {
                if let ExprKind::Attribute { value: obj, attr } = &target.kind {
                    let k = match &value.kind {
                        ExprKind::Int(Some(k)) => Some(*k as f64),
                        ExprKind::Float(f) => Some(*f),
                        _ => None,
                    };
                    if let (true, Some(k)) = (obj.as_name() == Some(owner), k) {
                        let signed = match op {
                            BinOp::Add => Some(k),
                            BinOp::Sub => Some(-k),
                            _ => None,
                        };
                        if let (Some(k), None) = (signed.filter(|k| *k != 0.0), &found) {
                            found = Some((attr.clone(), k));
                        }
                    }
                }
            }
        });
    }
    found
}

/// What `owner.attr` is compared with in `stmts`: a constant, or another
/// attribute of the same owner (`self.done >= self.work`).
fn counter_bound(
    stmts: &[Stmt],
    owner: &str,
    attr: &str,
    attr_num: &dyn Fn(&str) -> Option<f64>,
) -> Option<f64> {
    let is_counter = |e: &Expr| matches!(&e.kind, ExprKind::Attribute { value, attr: a } if value.as_name() == Some(owner) && a == attr);
    let value_of = |e: &Expr| -> Option<f64> {
        match &e.kind {
            ExprKind::Int(Some(k)) => Some(*k as f64),
            ExprKind::Float(f) => Some(*f),
            ExprKind::Attribute { value, attr: a } if value.as_name() == Some(owner) => attr_num(a),
            _ => None,
        }
    };
    let mut bound = None;
    for s in stmts {
        for e in s.exprs() {
            e.walk(&mut |x| {
                if let ExprKind::Compare {
                    left, comparators, ..
                } = &x.kind
                {
                    if let [right] = comparators.as_slice() {
                        let b = if is_counter(left) {
                            value_of(right)
                        } else if is_counter(right) {
                            value_of(left)
                        } else {
                            None
                        };
                        if bound.is_none() {
                            bound = b;
                        }
                    }
                }
            });
        }
    }
    bound
}

/// How a search loop's exit test picks its item (see [`search_exit`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum SearchHit {
    /// `if item.key == k:`, `if x > limit:`: one item, or a position in an
    /// order, that the test looks for: on average half-way.
    Position,
    /// `if board.useful(pos):`, `if item.ready:`: a property many items
    /// may have: a few tries.
    Property,
}

/// Tries a search for a property takes on average: a hit one time in four.
const PROPERTY_TRIES: f64 = 4.0;

impl SearchHit {
    pub(crate) fn expected_trips(self, n: f64) -> f64 {
        match self {
            SearchHit::Position => ((n + 1.0) / 2.0).min(n),
            SearchHit::Property => n.min(PROPERTY_TRIES),
        }
    }

    fn describe(self) -> &'static str {
        match self {
            SearchHit::Position => "its test looks for (half-way on average)",
            SearchHit::Property => "that has the property tested (a few tries)",
        }
    }
}

/// A search loop: `for x in xs: if test(x): return x` (or `break`), or a
/// `while` loop that picks a value each iteration and returns it once it
/// passes a test. The exit is taken where the test holds, and what leaves
/// the loop is the item found: the loop ends early. A test that does not
/// look at the picked item, or an exit that gives something else back (a
/// validation's `return False`, a convergence test on a running error), is
/// no search: those loops run their count.
pub(crate) fn search_exit(picked: &[String], body: &[Stmt]) -> Option<SearchHit> {
    let mentions = |e: &Expr| e.names().iter().any(|n| picked.contains(n));
    for st in body {
        let StmtKind::If {
            test, body: then, ..
        } = &st.kind
        else {
            continue;
        };
        if !mentions(test) {
            continue;
        }
        let gives_item = then.iter().any(|t| match &t.kind {
            StmtKind::Return(Some(v)) => mentions(v),
            // `found = x; break`
            StmtKind::Break => then.iter().any(|a| match &a.kind {
                StmtKind::Assign { value, .. } => mentions(value),
                _ => false,
            }),
            _ => false,
        });
        if !gives_item {
            continue;
        }
        let hit = match test.as_comparison() {
            Some((
                _,
                CmpOp::Eq | CmpOp::Is | CmpOp::In | CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE,
                _,
            )) => SearchHit::Position,
            _ => SearchHit::Property,
        };
        return Some(hit);
    }
    None
}

/// Names the top-level statements of a loop body assign: the values a
/// `while` loop picks each iteration.
fn assigned_names(body: &[Stmt]) -> Vec<String> {
    body.iter()
        .filter_map(|st| match &st.kind {
            StmtKind::Assign { targets, .. } => Some(targets.iter().flat_map(|t| t.names())),
            _ => None,
        })
        .flatten()
        .collect()
}

/// The items of a list or tuple written out item by item.
fn written_items(v: &Value) -> Option<&Vec<Value>> {
    match v {
        Value::Seq {
            items: SeqItems::Known(items),
            kind: SeqKind::List | SeqKind::Tuple,
        } => Some(items),
        _ => None,
    }
}

/// The items of a sequence of texts the program wrote out (lines of a
/// literal string): up to 64, each of which keeps its text through the
/// comprehension; `None` for anything else.
fn text_items(v: &Value) -> Option<Vec<Value>> {
    let items = written_items(v)?;
    ((1..=64).contains(&items.len()) && items.iter().all(|i| i.as_text().is_some()))
        .then(|| items.clone())
}

/// The items of a short sequence written out item by item that differ
/// from each other (`(i, name, score)`, `[1_000, 10_000, 100_000]`), where
/// each deserves its own look; `None` for anything else.
fn distinct_items(v: &Value) -> Option<Vec<Value>> {
    let items = written_items(v)?;
    if !(2..=16).contains(&items.len()) {
        return None;
    }
    let first = identity(&items[0], 0);
    items
        .iter()
        .any(|i| identity(i, 0) != first)
        .then(|| items.clone())
}

/// The values of a short range (2 to 16 of them, its bounds known) whose
/// variable sets the size of what a call makes for a loop nested in the
/// body (`for size in range(2, n): for subset in combinations(items,
/// size)`): what the inner loops do is then seldom linear in it (a
/// binomial), and the body at the mean size is not the mean over the
/// sizes. Each value runs the body as itself, as written-out items do.
fn sizes_swept(v: &Value, target: &Expr, body: &[Stmt]) -> Option<Vec<Value>> {
    let Value::Range { start, stop, step } = v else {
        return None;
    };
    let name = target.as_name()?;
    let (a, b, d) = (start.as_num()?, stop.as_num()?, step.as_num()?);
    if d == 0.0 || a.fract() != 0.0 || b.fract() != 0.0 || d.fract() != 0.0 {
        return None;
    }
    let n = ((b - a) / d).ceil();
    if !(2.0..=16.0).contains(&n) {
        return None;
    }
    // A range, or a walk over one, is linear in its bounds: the mean size
    // gives the mean work, and the nest stays one kernel. A call that
    // makes the items from the size (`combinations`, `product(repeat=)`)
    // is not.
    let mut sized = false;
    for s in body {
        s.walk(&mut |st| {
            if let StmtKind::For { iter, .. } = &st.kind {
                let linear = matches!(&iter.kind, ExprKind::Call { func, .. }
                    if matches!(func.as_name(), Some("range" | "enumerate" | "zip" | "reversed")));
                let call = matches!(iter.kind, ExprKind::Call { .. });
                sized |= call && !linear && iter.names().iter().any(|x| x == name);
            }
        });
    }
    sized.then(|| {
        (0..n as i64)
            .map(|i| Value::int((a + d * i as f64) as i64))
            .collect()
    })
}

/// What tells two written-out items apart: their kind, number, text, the
/// function or class they are, and for a tuple its items'.
fn identity(v: &Value, depth: u32) -> String {
    let kind = format!("{:?}", std::mem::discriminant(v));
    let what = match v {
        Value::Func(f) => format!("f{}", std::rc::Rc::as_ptr(f) as usize),
        Value::Class(c) => format!("c{}", std::rc::Rc::as_ptr(c) as usize),
        Value::Seq {
            items: SeqItems::Known(items),
            ..
        } if depth < 2 => items
            .iter()
            .map(|i| identity(i, depth + 1))
            .collect::<Vec<_>>()
            .join(","),
        v => match (v.as_sym().and_then(|s| s.as_num()), v.as_text()) {
            (Some(n), _) => n.to_string(),
            (_, Some(t)) => t.to_string(),
            _ => String::new(),
        },
    };
    format!("{kind}:{what}")
}

/// The attributes of `self` a generator method delegates to
/// (`yield from self.left`, `for x in self.next: yield x`).
fn delegates_to_links(d: &FunctionDef) -> Vec<String> {
    let Some(me) = d.params.positional.first().map(|p| p.name.as_str()) else {
        return Vec::new();
    };
    let link = |e: &Expr| match &e.kind {
        ExprKind::Attribute { value, attr } if value.as_name() == Some(me) => Some(attr.clone()),
        _ => None,
    };
    let mut out: Vec<String> = Vec::new();
    for s in &d.body {
        s.walk(&mut |st| {
            if let StmtKind::For { iter, body, .. } = &st.kind {
                let yields = body.iter().any(|b| {
                    matches!(&b.kind, StmtKind::Expr(e) if matches!(e.kind, ExprKind::Yield(_)))
                });
                if let (Some(l), true) = (link(iter), yields) {
                    out.push(l);
                }
            }
            for e in st.exprs() {
                e.walk(&mut |x| {
                    if let ExprKind::YieldFrom(inner) = &x.kind {
                        if let Some(l) = link(inner) {
                            out.push(l);
                        }
                    }
                });
            }
        });
    }
    out.sort();
    out.dedup();
    out
}

/// The attribute whose truth a `__bool__` or `__len__` returns:
/// `return bool(self.a)`, `return len(self.a)`, `return self.a`,
/// `return len(self.a) > 0`.
fn truth_attribute(d: &FunctionDef) -> Option<String> {
    let me = d.params.positional.first()?.name.as_str();
    let [stmt] = d.body.as_slice() else {
        return None;
    };
    let StmtKind::Return(Some(e)) = &stmt.kind else {
        return None;
    };
    let mut e = e;
    if let ExprKind::Compare { left, .. } = &e.kind {
        e = left;
    }
    if let ExprKind::Call { func, args, .. } = &e.kind {
        if matches!(func.as_name(), Some("bool" | "len")) && args.len() == 1 {
            e = &args[0];
        }
    }
    match &e.kind {
        ExprKind::Attribute { value, attr } if value.as_name() == Some(me) => Some(attr.clone()),
        _ => None,
    }
}

#[derive(Clone, Copy, Debug)]
enum Level {
    Double,
    Halve,
}

/// How `e` moves the index `var` along the levels of a binary tree:
/// `2 * var + k`, `var * 2 + k`, `var << 1` double it; `(var - k) >> 1`,
/// `(var - k) // 2`, `var // 2`, `var >> 1` halve it.
fn level_step(var: &str, e: &Expr) -> Option<Level> {
    let is_var = |x: &Expr| x.as_name() == Some(var);
    let two = |x: &Expr| x.as_int() == Some(2);
    let one = |x: &Expr| x.as_int() == Some(1);
    match &e.kind {
        ExprKind::BinOp { left, op, right } => match op {
            BinOp::Add => level_step(var, left).filter(|l| matches!(l, Level::Double)),
            BinOp::Mul if (two(left) && is_var(right)) || (is_var(left) && two(right)) => {
                Some(Level::Double)
            }
            BinOp::LShift if is_var(left) && one(right) => Some(Level::Double),
            BinOp::RShift | BinOp::FloorDiv
                if (op == &BinOp::RShift && one(right))
                    || (op == &BinOp::FloorDiv && two(right)) =>
            {
                let inner = match &left.kind {
                    ExprKind::BinOp {
                        left: l,
                        op: BinOp::Sub,
                        ..
                    } => l,
                    _ => left,
                };
                is_var(inner).then_some(Level::Halve)
            }
            _ => None,
        },
        _ => None,
    }
}

/// The bound a doubling index meets: the right side of `x < B` / `x >= B`
/// in the test, or in an `if` of the body that leaves the loop, where `x`
/// is the index or a temporary computed from it.
fn level_bound<'e>(
    test: &'e Expr,
    body: &'e [Stmt],
    var: &str,
    defs: &[(String, &Expr)],
) -> Option<&'e Expr> {
    let related = |x: &Expr| {
        x.as_name().is_some_and(|n| {
            n == var
                || defs
                    .iter()
                    .any(|(t, e)| t == n && level_step(var, e).is_some())
        })
    };
    let pick = |c: &'e Expr| -> Option<&'e Expr> {
        let (l, op, r) = c.as_comparison()?;
        (related(l) && matches!(op, CmpOp::Lt | CmpOp::LtE | CmpOp::Gt | CmpOp::GtE)).then_some(r)
    };
    if let Some(b) = pick(test) {
        return Some(b);
    }
    for s in body {
        if let StmtKind::If {
            test: t, body: b, ..
        } = &s.kind
        {
            let leaves = b
                .iter()
                .any(|x| matches!(x.kind, StmtKind::Return(_) | StmtKind::Break));
            if leaves {
                if let Some(bound) = pick(t) {
                    return Some(bound);
                }
            }
        }
    }
    None
}

/// Whether the body leaves the loop (`return`, `break`) under a test of
/// something other than a plain comparison of names (the data it walks).
fn leaves_on_data(body: &[Stmt]) -> bool {
    body.iter().any(|s| match &s.kind {
        StmtKind::If { test, body: b, .. } => {
            let leaves = b
                .iter()
                .any(|x| matches!(x.kind, StmtKind::Return(_) | StmtKind::Break));
            let mut reads_data = false;
            test.walk(&mut |x| {
                reads_data |= matches!(x.kind, ExprKind::Subscript { .. } | ExprKind::Call { .. });
            });
            leaves && reads_data
        }
        _ => false,
    })
}

/// Methods that take an item out of a queue or a stack.
fn takes_item(method: &str) -> bool {
    matches!(
        method,
        "pop" | "popleft" | "popitem" | "heappop" | "get" | "get_nowait"
    )
}
