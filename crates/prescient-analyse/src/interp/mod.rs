//! Abstract interpreter over Prescient's Python AST.
//!
//! It walks the program once, in order, the way Python would run it, but with
//! abstract [`Value`]s: loops are analysed once and summarised by their trip count
//! (never unrolled), user functions are analysed at each call site with the
//! arguments' abstract values, and calls into known libraries are costed by the
//! knowledge base ([`crate::kb`]). Work is recorded as kernels, per top-level
//! statement, which [`crate::sections`] then groups into sections.
//!
//! Termination on any input is guaranteed by a step budget, a call-depth limit and
//! recursion detection; sizes that cannot be known become named unknowns with a
//! stated assumption.

mod accumulate;
mod as_host;
mod call;
mod expr;
mod keys;
mod ledger;
mod linked;
mod locality;
mod loops;
mod matching;
mod oracle;
mod recursion;
mod stmt;

pub(crate) use crate::fmt::{fmt_bytes, fmt_count, fmt_flops};
use crate::unparse;

use crate::host::{Draft, GradTape, PythonOrder};
pub use crate::host::{FileProbe, NoFiles, DEFAULT_SIZE};
use crate::idioms::IdiomHit;
use crate::value::*;
use prescient_model::sym::fmt_num;
use prescient_model::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// Statements executed before the analysis gives up on the rest of the program.
pub const STEP_BUDGET: u64 = 2_000_000;
/// Nested user-function calls followed.
pub const MAX_CALL_DEPTH: usize = 24;
/// What an unknown `while` loop trip count is assumed to be.
pub const DEFAULT_WHILE_TRIPS: f64 = 100.0;
/// Assumed trips of a walk that stops at a value a memo outliving the call
/// holds (see `memo_walk` in `loops.rs`): walks share their work, so each is
/// a few steps on average (2.2 for Collatz chains below a million, 1-2 for
/// union-find with path compression).
pub const MEMO_WALK_TRIPS: f64 = 4.0;

#[derive(Debug)]
pub(crate) enum Flow {
    Normal,
    Return,
    Break,
    Continue,
}

pub(crate) struct Frame {
    pub name: String,
    pub locals: BTreeMap<String, Value>,
    pub globals_decl: HashSet<String>,
    pub closure: Option<Attrs>,
    /// `loops.len()` when the frame was entered: loops above it belong to callers.
    pub loop_base: usize,
    pub returns: Vec<Value>,
    pub yields: Vec<(Value, Sym)>,
    /// What is known of the distinct values this frame's names take in
    /// its running loops (`keys.rs`).
    pub variety: HashMap<String, keys::Variety>,
    /// The function's parameter names: what its caller handed it.
    pub params: Vec<String>,
    /// The function this frame runs: a nested function finds itself by
    /// name when it recurses (its closure was taken before its own `def`
    /// bound the name).
    pub func: Option<std::rc::Rc<FuncVal>>,
    /// Names bound to a container another place holds (`a = self.items`),
    /// with that place: changes made in place through the name reach it.
    pub aliases: HashMap<String, prescient_syntax::ast::Expr>,
}

pub(crate) struct LoopCtx {
    pub vars: Vec<String>,
    /// Names that take a new value each iteration: the loop's targets and
    /// what its body assigns. They stand for their mean value, so a
    /// condition on them is not known by it.
    pub varying: HashSet<String>,
    pub trip: Sym,
    pub line: u32,
    pub ops: PyOps,
    pub hits: Vec<IdiomHit>,
    pub frame: usize,
    /// Accumulating variables and their value before the loop (first update).
    pub before: BTreeMap<String, Value>,
    /// The same for attributes of instances older than the loop.
    pub attr_before: Vec<accumulate::AttrBefore>,
    /// Attribute cells (instance, name) whose growth an inner loop already
    /// spread over a container's elements: one iteration of this loop grows
    /// every element, so its own extrapolation must not divide again.
    pub spread: Vec<(usize, String)>,
    /// Instances with a serial from here on were created inside the loop.
    pub serial: u64,
    pub comprehension: bool,
    /// Library kernels emitted inside the nest: when present, interpreter overhead
    /// is reported only if it is significant on its own.
    pub lib_kernels: usize,
    /// Integer operation kinds seen (see `idioms::flags`).
    pub flags: u32,
    /// Kernels emitted from here on (in `cur_kernels`) belong to this nest.
    pub kernel_mark: usize,
    /// Names bound to a counting sequence (`range`, `enumerate`'s index):
    /// indexing by them walks a container in order (`locality.rs`).
    pub counters: Vec<String>,
    /// Keyed accesses into containers, judged again by their size over the
    /// loop once its growth is known (`locality.rs`).
    pub keyed: Vec<locality::KeyedAccess>,
    /// Steps built-ins took through containers, judged again by the
    /// containers' size over the loop (`locality.rs`).
    pub walks: Vec<locality::GrownWalk>,
    /// Keyed accesses already made in this iteration, as written
    /// (`dist[v]`): the same slot again is in the cache.
    pub touched: HashSet<String>,
    /// The multiplier (and its number) in effect where the loop began,
    /// restored when it ends.
    pub outer_mult: (Sym, f64),
    /// The levels of an implicit binary tree this `while` loop walks (a
    /// heap's sift), when that is what set its trips.
    pub levels: Option<f64>,
}

/// What one top-level statement (of the module or the entry function) did.
#[derive(Clone, Debug)]
pub struct StmtRecord {
    pub start_line: u32,
    pub end_line: u32,
    pub scope: String,
    pub kernels: Vec<Kernel>,
    pub live_after: f64,
    pub peak: f64,
    pub safe_blocker: Option<String>,
    pub iterations: Option<f64>,
    /// Loops, with-blocks and statements that emitted kernels are "heavy".
    pub heavy: bool,
}

pub struct Interp<'a> {
    pub(crate) args: &'a [String],
    pub(crate) file: &'a str,
    pub(crate) probe: &'a dyn FileProbe,
    pub(crate) globals: BTreeMap<String, Value>,
    pub(crate) frames: Vec<Frame>,
    pub(crate) loops: Vec<LoopCtx>,
    /// Product of the trip counts of all active loops, and its value.
    pub(crate) mult: Sym,
    pub(crate) mult_num: f64,
    pub(crate) records: Vec<StmtRecord>,
    pub(crate) cur_kernels: Vec<Kernel>,
    pub(crate) unknowns: Vec<Unknown>,
    pub(crate) unknown_vals: HashMap<String, f64>,
    pub(crate) unresolved: Vec<UnresolvedCall>,
    unresolved_seen: HashSet<(String, u32)>,
    pub(crate) calls_seen: HashSet<(String, u32)>,
    pub(crate) calls: CallStats,
    pub(crate) notes: Vec<String>,
    pub(crate) imports: BTreeSet<String>,
    pub(crate) steps: u64,
    pub(crate) exhausted: bool,
    next_id: u64,
    /// Bytes of temporaries alive at this point of the statement being evaluated.
    pub(crate) temp_bytes: f64,
    /// The most `temp_bytes` reached in the current top-level statement.
    pub(crate) stmt_peak: f64,
    /// Array bytes the loops of the statement of a loop body being run
    /// built in its frame, and that frame's depth (see
    /// [`Interp::exec_body_rising`]).
    pub(crate) nested_built: (usize, f64),
    /// Attributes a method keeps to a size, by the object's attributes
    /// and the attribute's name: the bound (see
    /// [`Interp::note_attr_bounds`]).
    pub(crate) attr_bounds: HashMap<(usize, String), f64>,
    pub(crate) straight_ops: PyOps,
    /// The containers the last Python function called mutated in place
    /// through its positional parameters, by position, as they were when it
    /// returned (see [`Interp::write_back_params`]).
    pub(crate) mutated_params: Vec<(usize, Value)>,
    pub(crate) name_hint: Option<String>,
    pub(crate) grad: GradTape,
    pub(crate) call_stack: Vec<u64>,
    pub(crate) line: u32,
    /// Scalars loaded from subscripts inside loops (`a = A[i][k]`), so recognisers
    /// see through the hoisting.
    pub(crate) hoisted: HashMap<String, prescient_syntax::ast::Expr>,
    /// Files the program writes, by path: their size and the array written.
    pub(crate) written: HashMap<String, (f64, Option<std::rc::Rc<ArrayVal>>)>,
    /// Values the program turned into text or bytes (`json.dumps`,
    /// `pickle.dump`, `sep.join`): the size made, how, and the value.
    pub(crate) made: Vec<(f64, String, Value)>,
    /// Libraries' process-wide settings (see [`crate::host::Host::setting`]).
    pub(crate) settings: HashMap<String, Value>,
    /// The most bytes of small Python objects the ledger has held so far.
    pub(crate) py_high_water: f64,
    pub(crate) ledger: ledger::Ledger,
    /// The entry function's frame is `frames[0]` and survives between statements.
    pub(crate) in_entry: bool,
    /// Trip count of the top-level `for` statement being recorded.
    pub(crate) last_top_trip: Option<f64>,
    pub(crate) top_stmt_addr: usize,
    /// Outermost calls of functions being analysed, for counting recursion.
    pub(crate) rec_stack: Vec<recursion::RecFrame>,
    /// Bytes the memo cache of each memoised function holds (by its id).
    pub(crate) memo_bytes: HashMap<u64, f64>,
    /// Serial of each user-class instance (by its attributes' address).
    pub(crate) born: HashMap<usize, u64>,
    /// The assignment being made stores back a value read under its key.
    pub(crate) counting_store: bool,
    /// [`Frame::variety`] for the module's own names.
    pub(crate) variety: HashMap<String, keys::Variety>,
    /// Entries a worklist loop being run visits (see `worklist_domain`), and
    /// the multiplicity outside that loop.
    pub(crate) visit_domain: Option<(f64, f64)>,
    /// Share of the iterations that run the branch being run, where that
    /// branch is guarded by a membership test (`if k not in seen:`).
    pub(crate) guard_share: f64,
    /// Share of the iterations taken to run the branch being run, where it sits
    /// under conditions whose truth is not known before the run (`if x > t:`
    /// with no `else`). Each such condition is taken as true half the time, for
    /// what the branch adds to containers; its cost is still counted in full,
    /// as an upper bound.
    pub(crate) branch_share: f64,
    /// Loops (indices into `loops`) that walk a linked structure, attach a
    /// node at its end and leave: the attachment happens once per walk
    /// (`linked.rs`).
    /// With each, the share of iterations it runs in and whether its
    /// node was counted.
    pub(crate) walk_loops: Vec<(usize, f64, bool)>,
    /// Set by the trip count of such a walk for the loop about to be entered.
    pub(crate) walk_pending: bool,
    /// Set by `structure_walk_trips` for a walk down a tree: the bytes of
    /// one of its nodes, for the misses of the steps below the levels the
    /// caches hold.
    pub(crate) tree_walk_node: Option<f64>,
    /// The members of enum classes, one instance each (by class and name),
    /// so that `Color.RED is Color.RED` holds.
    pub(crate) enum_members: std::collections::HashMap<(usize, String), Attrs>,
    /// Set by `tree_level_trips` for the loop about to be entered.
    pub(crate) levels_pending: Option<f64>,
    /// Counts of the concrete runs of the calls being analysed
    /// (`oracle.rs`), innermost last.
    pub(crate) oracle: Vec<std::rc::Rc<oracle::Counts>>,
    /// Steps all concrete runs of this analysis took.
    pub(crate) oracle_spent: u64,
    /// Whether the call about to be made may be run concretely (set where
    /// its arguments were evaluated, taken by the call).
    pub(crate) oracle_ok: bool,
    /// Whether the bounded executor may run calls at all (`Options`).
    pub(crate) oracle_enabled: bool,
    /// Why the last run of the executor stopped, if it did.
    pub(crate) oracle_stop: Option<crate::concrete::Stop>,
    /// Whether the whole module was run already (`oracle_module`).
    pub(crate) module_tried: bool,
    /// The integer literals of the program that are its sizes, shrunk in a
    /// scaled run as its arguments are (`concrete::sizes`), while
    /// `scale_literals` holds (a run they broke is retried without).
    pub(crate) size_literals: std::collections::HashSet<crate::concrete::At>,
    pub(crate) scale_literals: bool,
    /// Whether the last ladder ([`Interp::climb`]) set aside runs that
    /// shrank a size below what says anything of the real one.
    pub(crate) shrunk_too_far: bool,
    /// Why runs did not happen (said at the end, if it matters).
    pub(crate) oracle_notes: Vec<String>,
    /// The counts of the whole module's run, if it ran.
    pub(crate) module_counts: Option<std::rc::Rc<oracle::Counts>>,
    /// The places (`window`, `self.recent`) bound to a deque made with a
    /// `maxlen`, and that length: a loop that appends to one keeps it there.
    pub(crate) maxlens: HashMap<String, f64>,
    /// The places enclosing loops grew to their mean size for their
    /// bodies' analysis (`loops.rs`, `grow_to_mean`).
    pub(crate) mean_sized: Vec<String>,
}

impl<'a> Interp<'a> {
    pub fn new(file: &'a str, args: &'a [String], probe: &'a dyn FileProbe) -> Self {
        Interp {
            args,
            file,
            probe,
            globals: BTreeMap::new(),
            frames: Vec::new(),
            loops: Vec::new(),
            mult: Sym::one(),
            mult_num: 1.0,
            records: Vec::new(),
            cur_kernels: Vec::new(),
            unknowns: Vec::new(),
            unknown_vals: HashMap::new(),
            unresolved: Vec::new(),
            unresolved_seen: HashSet::new(),
            calls_seen: HashSet::new(),
            calls: CallStats::default(),
            notes: Vec::new(),
            imports: BTreeSet::new(),
            steps: 0,
            exhausted: false,
            next_id: 1,
            temp_bytes: 0.0,
            stmt_peak: 0.0,
            nested_built: (usize::MAX, 0.0),
            attr_bounds: HashMap::new(),
            mutated_params: Vec::new(),
            straight_ops: PyOps::default(),
            name_hint: None,
            grad: GradTape::default(),
            call_stack: Vec::new(),
            line: 0,
            hoisted: HashMap::new(),
            written: HashMap::new(),
            made: Vec::new(),
            settings: HashMap::new(),
            py_high_water: 0.0,
            ledger: ledger::Ledger::default(),
            in_entry: false,
            last_top_trip: None,
            top_stmt_addr: 0,
            rec_stack: Vec::new(),
            oracle: Vec::new(),
            oracle_spent: 0,
            oracle_ok: false,
            oracle_enabled: true,
            oracle_stop: None,
            module_tried: false,
            size_literals: std::collections::HashSet::new(),
            scale_literals: true,
            shrunk_too_far: false,
            oracle_notes: Vec::new(),
            module_counts: None,
            maxlens: HashMap::new(),
            mean_sized: Vec::new(),
            memo_bytes: HashMap::new(),
            born: HashMap::new(),
            counting_store: false,
            variety: HashMap::new(),
            visit_domain: None,
            guard_share: 1.0,
            branch_share: 1.0,
            walk_loops: Vec::new(),
            walk_pending: false,
            tree_walk_node: None,
            enum_members: std::collections::HashMap::new(),
            levels_pending: None,
        }
    }

    /// Ids handed out from now on are greater than this.
    pub(crate) fn id_mark(&self) -> u64 {
        self.next_id
    }

    pub(crate) fn fresh_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A new unknown size, recorded with the value assumed for it.
    pub(crate) fn unknown(&mut self, base: &str, assumed: f64, reason: String) -> Sym {
        let mut name = base.to_string();
        let mut k = 2;
        while self.unknown_vals.contains_key(&name) {
            name = format!("{base}_{k}");
            k += 1;
        }
        self.unknown_vals.insert(name.clone(), assumed);
        self.unknowns.push(Unknown {
            symbol: name.clone(),
            assumed,
            line: self.line,
            reason,
        });
        Sym::var(&name)
    }

    /// An unknown integer named after the variable being assigned, if any.
    pub(crate) fn unknown_int(&mut self, what: &str) -> Sym {
        let base = self.name_hint.clone().unwrap_or_else(|| "n".to_string());
        self.unknown(
            &base,
            DEFAULT_SIZE,
            format!(
                "{what} is not known before the run; assumed {}",
                fmt_num(DEFAULT_SIZE)
            ),
        )
    }

    /// Registers, as unknowns, the symbols of `s` that stand for values computed at
    /// run time (an element read from data, a checksum) when they end up in a size.
    pub(crate) fn ensure_known(&mut self, s: &Sym) {
        for v in s.vars() {
            if !self.unknown_vals.contains_key(&*v) {
                self.unknown_vals.insert(v.to_string(), DEFAULT_SIZE);
                self.unknowns.push(Unknown {
                    symbol: v.to_string(),
                    assumed: DEFAULT_SIZE,
                    line: self.line,
                    reason: format!(
                        "a size depends on `{v}`, a value computed at run time; assumed {}",
                        fmt_num(DEFAULT_SIZE)
                    ),
                });
            }
        }
    }

    /// Evaluates a symbolic size with the assumed values of the unknowns.
    pub fn num(&self, s: &Sym) -> f64 {
        s.eval(&|k| Some(self.unknown_vals.get(k).copied().unwrap_or(DEFAULT_SIZE)))
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
    }

    pub(crate) fn note(&mut self, text: String) {
        if !self.notes.contains(&text) && self.notes.len() < 200 {
            self.notes.push(text);
        }
    }

    pub(crate) fn unresolved_call(&mut self, name: &str) {
        let key = (name.to_string(), self.line);
        if self.unresolved_seen.insert(key) && self.unresolved.len() < 500 {
            self.unresolved.push(UnresolvedCall {
                name: name.to_string(),
                line: self.line,
            });
        }
    }

    /// Counts one library call site for the understood-share statistic.
    pub(crate) fn count_call(&mut self, name: &str, understood: bool) {
        if self.calls_seen.insert((name.to_string(), self.line)) {
            self.calls.total += 1;
            if understood {
                self.calls.understood += 1;
            }
        }
        if !understood {
            self.unresolved_call(name);
        }
    }

    pub(crate) fn current_function(&self) -> Option<String> {
        self.frames.last().map(|f| f.name.clone())
    }

    /// Adds interpreted operations, scaled by the loops around this point.
    pub(crate) fn ops(&mut self, f: impl FnOnce(&mut PyOps, f64)) {
        let m = self.mult_num;
        match self.loops.last_mut() {
            Some(ctx) => f(&mut ctx.ops, m),
            None => f(&mut self.straight_ops, m),
        }
    }

    pub(crate) fn flag(&mut self, f: u32) {
        if let Some(ctx) = self.loops.last_mut() {
            ctx.flags |= f;
        }
    }

    /// Fuses the kernels emitted since `mark` into one, labelled with an idiom.
    pub(crate) fn fuse_since(&mut self, mark: usize, idiom: &crate::idioms::ExprIdiom, text: &str) {
        self.fuse_kernels(mark, idiom.category, idiom.pattern, idiom.what, text);
    }

    /// Fuses the kernels emitted since `mark` into one kernel of `category`/`pattern`.
    /// Only the light steps fuse (elementwise work, reductions, views and
    /// copies): a matrix product, a library convolution, a layer or a sort
    /// inside the idiom (the `x @ W` under a ReLU, the einsum of a window
    /// convolution) keeps its own kernel, so that it is costed at the rate
    /// of that work and not at the fused steps' generic one.
    pub(crate) fn fuse_kernels(
        &mut self,
        mark: usize,
        category: Category,
        pattern: &str,
        what: &str,
        text: &str,
    ) {
        if self.cur_kernels.len() <= mark {
            return;
        }
        let heavy = |k: &Kernel| {
            matches!(
                k.category,
                Category::Matmul
                    | Category::Crypto
                    | Category::Sort
                    | Category::Io
                    | Category::Python
            ) || (k.category == Category::Signal && !k.pattern.starts_with("idiom."))
                || k.parallelism == Parallelism::Threaded
        };
        let light = |k: &Kernel| !heavy(k);
        let (parts, heavy): (Vec<Kernel>, Vec<Kernel>) =
            self.cur_kernels.drain(mark..).partition(light);
        self.cur_kernels.extend(heavy);
        if parts.is_empty() {
            return;
        }
        let first = parts[0].clone();
        // Each step is a call of its own: small arrays in a loop pay the
        // fixed cost of every one.
        let units: f64 = parts.iter().map(|p| p.call_units()).sum();
        let mut k = first;
        k.call_units = units;
        for p in &parts[1..] {
            k.flops += p.flops;
            k.bytes_moved += p.bytes_moved;
            // The largest single allocation: the steps' temporaries come and go.
            k.bytes_allocated = k.bytes_allocated.max(p.bytes_allocated);
        }
        k.category = category;
        k.pattern = pattern.to_string();
        k.parallelism = Parallelism::Serial;
        k.symbolic = SymbolicCost::default();
        k.evidence = format!(
            "line {}: {text} -> {} ({}), {} in {} steps",
            k.line,
            category.as_str(),
            what,
            fmt_flops(k.flops / k.count.max(1.0), "FLOP"),
            parts.len()
        );
        self.cur_kernels.push(k);
    }

    /// Records a kernel at the current point; returns its index in the statement.
    pub(crate) fn emit(&mut self, d: Draft) -> usize {
        self.ensure_known(&d.flops);
        self.ensure_known(&d.alloc);
        self.ensure_known(&d.bytes_moved);
        let count = self.mult.clone();
        let flops_total = d.flops.mul(&count);
        let moved_total = d.bytes_moved.mul(&count);
        let alloc = self.num(&d.alloc);
        self.temp_bytes += alloc;
        self.stmt_peak = self.stmt_peak.max(self.temp_bytes);
        if let Some(ctx) = self.loops.last_mut() {
            ctx.lib_kernels += 1;
        }
        let sym_of = |s: &Sym| {
            if s.vars().is_empty() {
                None
            } else {
                Some(s.to_string())
            }
        };
        let symbolic = SymbolicCost {
            flops: sym_of(&flops_total),
            bytes_moved: sym_of(&moved_total),
            bytes_allocated: sym_of(&d.alloc),
            count: sym_of(&count),
        };
        let k = Kernel {
            category: d.category,
            pattern: d.pattern,
            line: self.line,
            flops: self.num(&flops_total),
            bytes_moved: self.num(&moved_total),
            bytes_allocated: alloc,
            count: self.num(&count),
            parallelism: d.parallelism,
            dtype: d.dtype.map(|t| t.name().to_string()),
            affinity: d.affinity.iter().map(|s| s.to_string()).collect(),
            py_ops: None,
            function: self.current_function(),
            evidence: format!("line {}: {}", self.line, d.evidence),
            symbolic,
            seconds: None,
            predicted_seconds: None,
            dims: Vec::new(),
            call_units: 0.0,
        };
        self.cur_kernels.push(k);
        self.cur_kernels.len() - 1
    }

    /// A library attribute, with the values that come from the job's command line.
    pub(crate) fn lib_value(&self, qual: &str) -> Value {
        match crate::kb::canonical(qual).as_str() {
            "sys.argv" => {
                let mut v = vec![Value::str_known(self.file)];
                v.extend(self.args.iter().map(|a| Value::str_known(a)));
                Value::list(v)
            }
            _ => crate::kb::lib_attr(qual),
        }
    }

    /// Looks a name up: locals, closure, globals, then builtins.
    pub(crate) fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(f) = self.frames.last() {
            if !f.globals_decl.contains(name) {
                if let Some(v) = f.locals.get(name) {
                    return Some(v.clone());
                }
                if let Some(c) = &f.closure {
                    if let Some(v) = c.borrow().get(name) {
                        return Some(v.clone());
                    }
                }
            }
        }
        if let Some(v) = self.globals.get(name) {
            return Some(v.clone());
        }
        if let Some(f) = self
            .frames
            .last()
            .and_then(|f| f.func.as_ref())
            .filter(|f| f.name == name)
        {
            return Some(Value::Func(f.clone()));
        }
        crate::kb::builtin(name)
    }

    pub(crate) fn bind(&mut self, name: &str, v: Value) {
        self.touch(name);
        match self.frames.last_mut() {
            Some(f) if !f.globals_decl.contains(name) => {
                f.locals.insert(name.to_string(), v);
            }
            _ => {
                self.globals.insert(name.to_string(), v);
            }
        }
    }

    pub(crate) fn unbind(&mut self, name: &str) {
        self.touch(name);
        match self.frames.last_mut() {
            Some(f) if !f.globals_decl.contains(name) => {
                f.locals.remove(name);
            }
            _ => {
                self.globals.remove(name);
            }
        }
    }

    /// Tells the memory ledger that `name` in the current scope changed, if that
    /// scope survives between top-level statements.
    fn touch(&mut self, name: &str) {
        let scope = match self.frames.last() {
            Some(f) if f.globals_decl.contains(name) => Some(ledger::Scope::Globals),
            None => Some(ledger::Scope::Globals),
            Some(_) if self.frames.len() == 1 && self.in_entry => Some(ledger::Scope::Entry),
            Some(_) => None,
        };
        if let Some(scope) = scope {
            self.ledger.touch(scope, name);
        }
    }

    /// The variables of the innermost scope (for loop extrapolation).
    pub(crate) fn scope_vars(&self) -> &BTreeMap<String, Value> {
        match self.frames.last() {
            Some(f) => &f.locals,
            None => &self.globals,
        }
    }

    pub(crate) fn new_array(
        &mut self,
        shape: Vec<Sym>,
        dtype: DType,
        lib: Lib,
        origin: Origin,
    ) -> Value {
        let id = self.fresh_id();
        Value::Array(std::rc::Rc::new(ArrayVal {
            shape,
            dtype,
            lib,
            id,
            base: id,
            origin,
            requires_grad: false,
        }))
    }

    /// A view of `base` with a new shape: no memory of its own.
    pub(crate) fn view_of(&mut self, base: &ArrayVal, shape: Vec<Sym>) -> Value {
        let id = self.fresh_id();
        Value::Array(std::rc::Rc::new(ArrayVal {
            shape,
            dtype: base.dtype,
            lib: base.lib,
            id,
            base: base.base,
            origin: Origin::Plain,
            requires_grad: base.requires_grad,
        }))
    }

    /// Why the namespace cannot be checkpointed right now, if it cannot.
    pub(crate) fn safe_blocker(&self) -> Option<String> {
        self.ledger.blocker()
    }
}
