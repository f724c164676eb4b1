//! Trip counts from running a call for real ([`crate::concrete`]).
//!
//! A function with a `while` loop or that calls itself has trip counts the
//! abstract summary often cannot know: they depend on the data (a search's
//! pruning, a program counter, a queue refilled as it drains). When such a
//! function is called with arguments the analysis knows completely, the
//! call is first run by the bounded executor; while its body is then
//! analysed as usual, the loops and recursions whose counts the summary
//! would have assumed take the counts the run measured instead. The
//! executor's budget is shared by the whole analysis, so a program with
//! many such calls is not analysed much longer than one with none.

use super::*;
use crate::concrete::{self, At, Stop, Trace};
use prescient_syntax::ast::{Expr, ExprKind, FunctionDef, Stmt, StmtKind};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Steps one concrete run may take (a few tenths of a second here).
pub const ORACLE_CALL_BUDGET: u64 = 3_000_000;
/// Steps all concrete runs of one analysis may take together.
pub const ORACLE_TOTAL_BUDGET: u64 = 12_000_000;
/// The scales a call too long to run whole is run at, smallest first:
/// each costs about twice the one before (for linear work). The ladder
/// stops before a run its growth so far says would not fit the budget.
const SCALES: [f64; 11] = [
    1.0 / 1024.0,
    1.0 / 512.0,
    1.0 / 256.0,
    1.0 / 128.0,
    1.0 / 64.0,
    1.0 / 32.0,
    1.0 / 16.0,
    1.0 / 8.0,
    1.0 / 4.0,
    1.0 / 2.0,
    1.0,
];
/// A scaled run whose sizes went below this says little of the real one.
const SMALLEST_SIZE: i64 = 8;
/// How far a search's small size parameters (`n` queens) are lowered.
const DECREMENTS: [i64; 5] = [4, 3, 2, 1, 0];
/// Small integer parameters from this value up are taken for sizes a
/// search grows exponentially in.
const SMALL_SIZE: i64 = 5;
/// The fastest growth per size step an extrapolation believes.
const MAX_GROWTH: f64 = 64.0;

/// What the runs of one call say: mean trips per entry of each loop, and
/// calls per outermost call of each function, measured or extrapolated.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    trips: HashMap<At, f64>,
    calls: HashMap<At, f64>,
    /// How many times each statement began, in the (biggest) run: their
    /// ratios are the shares of branches and of what follows an early
    /// exit (`continue`, `return`).
    stmts: HashMap<At, f64>,
    /// The same counts at the rung below the biggest, when the counts were
    /// extrapolated from a ladder of sizes, with the steps of that rung's
    /// size ratio still to go to the full size: a share that moves
    /// between the rungs by more than their counts' noise moves on.
    stmts_below: Option<(HashMap<At, f64>, f64)>,
    /// Loops whose trips per entry varied (see `Trace::varied`), in the
    /// (biggest) run.
    varied: HashSet<At>,
    /// Per line that stores into a dict: the share of its stores that
    /// brought a new key (the distinct keys of a count, which no summary
    /// knows: they depend on the data).
    keys: HashMap<u32, f64>,
    /// Per line that stores into a dict: the share of its stores that went
    /// into a `Counter`, in the (biggest) run (a ratio of the containers'
    /// kinds, which the sizes do not move).
    counter: HashMap<u32, f64>,
    /// Per line that calls a regular expression: its subjects' mean
    /// characters per call and the matches found per character (`ratios`
    /// a run at a smaller size keeps, unlike the counts).
    text: HashMap<u32, (f64, f64)>,
    /// How they were found, when not by a run of the call itself.
    how: Option<&'static str>,
    /// Functions whose calls per outermost call were the same at the two
    /// biggest rungs of an extrapolation: they do not grow with the sizes
    /// shrunk (`gen(rng, depth)` with the depth not a size), so their
    /// count is as good as measured at full size.
    steady_calls: HashSet<At>,
    /// Calls of each function over the whole (biggest) run: their ratios
    /// are the shares of a dispatch among them.
    call_totals: HashMap<At, f64>,
}

fn call_totals(t: &Trace) -> HashMap<At, f64> {
    t.calls.iter().map(|(k, n)| (*k, *n as f64)).collect()
}

/// Per line, mean subject characters per regular-expression call and
/// matches per character.
fn text_ratios(t: &Trace) -> HashMap<u32, (f64, f64)> {
    t.text
        .iter()
        .filter(|(_, (calls, _, _))| *calls > 0)
        .map(|(line, (calls, chars, matches))| {
            let per_call = *chars as f64 / *calls as f64;
            let per_char = *matches as f64 / (*chars).max(1) as f64;
            (*line, (per_call, per_char))
        })
        .collect()
}

/// Per line, the share of its stores into dicts that went into a
/// `Counter`.
fn counter_shares(t: &Trace) -> HashMap<u32, f64> {
    t.counter_stores
        .iter()
        .filter_map(|(line, n)| {
            let (stores, _) = t.keys.get(line)?;
            (*stores > 0).then(|| (*line, (*n as f64 / *stores as f64).min(1.0)))
        })
        .collect()
}

/// New keys over stores, from the totals of `(stores, new keys)`.
fn key_share(stores: f64, new: f64) -> Option<f64> {
    (stores > 0.0).then(|| (new / stores).clamp(0.0, 1.0))
}

impl Counts {
    fn exact(t: &Trace) -> Counts {
        Counts {
            trips: t
                .loops
                .keys()
                .filter_map(|k| Some((*k, t.trips(*k)?)))
                .collect(),
            calls: t
                .calls
                .keys()
                .filter_map(|k| Some((*k, t.calls_per_root(*k)?)))
                .collect(),
            stmts: stmt_counts(t),
            stmts_below: None,
            varied: t.varied.clone(),
            keys: t
                .keys
                .iter()
                .filter_map(|(line, (stores, new))| {
                    Some((*line, key_share(*stores as f64, *new as f64)?))
                })
                .collect(),
            counter: counter_shares(t),
            text: text_ratios(t),
            how: None,
            steady_calls: HashSet::new(),
            call_totals: call_totals(t),
        }
    }

    /// Counts at full size from two runs `a` and `b` (and `earlier`, the
    /// smaller runs before them, oldest first, when there are any), `b` the
    /// bigger: each count grows by what it grew between the runs, per size
    /// step (`Geometric`, `steps` of them still to go), or with the size
    /// (`Power`: `ratio` the sizes' ratio between the runs, `to_full` the
    /// full size's to `b`'s; see [`project_power`]).
    fn extrapolate(
        earlier: &[&Trace],
        a: &Trace,
        b: &Trace,
        growth: Growth,
        how: &'static str,
    ) -> Counts {
        let project = |older: &[Option<f64>], x: f64, y: f64| -> f64 {
            if x <= 0.0 || y <= 0.0 {
                return y;
            }
            match growth {
                Growth::Power { ratio, to_full } => project_power(older, x, y, ratio, to_full),
                Growth::Geometric { steps } => y * (y / x).clamp(1.0, MAX_GROWTH).powf(steps),
            }
        };
        let mut c = Counts {
            how: Some(how),
            stmts: stmt_counts(b),
            stmts_below: match growth {
                Growth::Power { ratio, to_full } if ratio > 1.0 => {
                    Some((stmt_counts(a), to_full.ln() / ratio.ln()))
                }
                _ => None,
            },
            varied: b.varied.clone(),
            text: text_ratios(b),
            counter: counter_shares(b),
            call_totals: call_totals(b),
            ..Counts::default()
        };
        for (k, y) in b.loops.keys().filter_map(|k| Some((*k, b.trips(*k)?))) {
            let x = a.trips(k).unwrap_or(y);
            let older: Vec<Option<f64>> = earlier.iter().map(|t| t.trips(k)).collect();
            c.trips.insert(k, project(&older, x, y));
        }
        for (k, y) in b
            .calls
            .keys()
            .filter_map(|k| Some((*k, b.calls_per_root(*k)?)))
        {
            let x = a.calls_per_root(k).unwrap_or(y);
            let older: Vec<Option<f64>> = earlier.iter().map(|t| t.calls_per_root(k)).collect();
            if (x - y).abs() <= 0.01 * y {
                c.steady_calls.insert(k);
            }
            c.calls.insert(k, project(&older, x, y));
        }
        // A count's distinct keys grow slower than its stores (a vocabulary
        // saturates): both are extrapolated, and the share is theirs.
        for (line, (ys, yn)) in &b.keys {
            let (xs, xn) = a.keys.get(line).copied().unwrap_or((*ys, *yn));
            let older = |f: fn(&(u64, u64)) -> u64| -> Vec<Option<f64>> {
                earlier
                    .iter()
                    .map(|t| t.keys.get(line).map(|w| f(w) as f64))
                    .collect()
            };
            let stores = project(&older(|w| w.0), xs as f64, *ys as f64);
            let new = project(&older(|w| w.1), xn as f64, *yn as f64);
            if let Some(share) = key_share(stores, new) {
                c.keys.insert(*line, share);
            }
        }
        c
    }
}

#[derive(Clone, Copy)]
enum Growth {
    Power { ratio: f64, to_full: f64 },
    Geometric { steps: f64 },
}

impl Interp<'_> {
    /// Runs `f` on `params` concretely if its trip counts need it and the
    /// budget allows; on success the run's counts cover the call's
    /// analysis until [`Self::oracle_leave`]. Returns whether they do.
    pub(crate) fn oracle_enter(
        &mut self,
        f: &Rc<FuncVal>,
        d: &FunctionDef,
        params: &[Value],
    ) -> bool {
        if !self.oracle_enabled
            || self.covered(d)
            || !self.needs_counts_deep(d, &mut HashSet::new(), 0)
        {
            return false;
        }
        if d.params.vararg.is_some() || d.params.kwarg.is_some() || !d.params.kwonly.is_empty() {
            return false;
        }
        let callee = Value::Func(f.clone());
        self.oracle_stop = None;
        let counts = match self.ladder(&callee, params) {
            Some(c) => Some(c),
            None if has_small_sizes(params) => self.ladder_small(&callee, params),
            None => None,
        };
        match counts {
            Some(c) => {
                self.oracle.push(Rc::new(c));
                true
            }
            None => {
                // Said of entry functions and of runs too long: why the
                // counts below are the summary's own. (A helper whose
                // arguments are not known is the common, quiet case.)
                let why = match self.oracle_stop.take() {
                    Some(Stop::Budget) => {
                        Some("it takes too many steps, even on smaller sizes".to_string())
                    }
                    Some(Stop::Unsupported(what)) if params.is_empty() => {
                        Some(format!("it uses {what}, which the executor does not model"))
                    }
                    Some(Stop::Raised(e)) if params.is_empty() => Some(format!("it raised {e}")),
                    _ => None,
                };
                if let Some(why) = why {
                    self.oracle_notes.push(format!(
                        "`{}` was not run to count its loops: {why}",
                        d.name
                    ));
                }
                false
            }
        }
    }

    /// One run of the executor (`run`) at `scale`, within what is left of
    /// the analysis's budget; `None` when too little is left.
    fn run_at(
        &mut self,
        scale: f64,
        run: &mut impl FnMut(&concrete::Setup) -> (Result<Trace, Stop>, u64),
    ) -> Option<Result<Trace, Stop>> {
        let left = ORACLE_TOTAL_BUDGET.saturating_sub(self.oracle_spent);
        let budget = left.min(ORACLE_CALL_BUDGET);
        if budget < 10_000 {
            return None;
        }
        let setup = concrete::Setup {
            globals: &self.globals,
            command_line: (self.file, self.args),
            budget,
            scale,
            sizes: self.scale_literals.then_some(&self.size_literals),
        };
        let (result, steps) = run(&setup);
        self.oracle_spent += steps;
        if let Err(stop) = &result {
            self.oracle_stop = Some(stop.clone());
        }
        Some(result)
    }

    /// Runs (by `run`) at growing `scales` until a run would not fit the
    /// budget or stops: the counts of the whole if its full scale ran, else
    /// extrapolated from the two biggest runs (as powers of the size, or
    /// its logarithm).
    fn climb(
        &mut self,
        scales: &[f64],
        mut run: impl FnMut(&concrete::Setup) -> (Result<Trace, Stop>, u64),
    ) -> Option<Counts> {
        let mut done: Vec<(f64, Trace)> = Vec::new();
        let mut i = 0;
        self.shrunk_too_far = false;
        while i < scales.len() {
            let scale = scales[i];
            i += 1;
            // A run its growth says would not fit is not tried: it would
            // only spend the budget.
            if !self.worth_trying(&done, scale) {
                break;
            }
            match self.run_at(scale, &mut run) {
                Some(Ok(t)) if scale >= 1.0 => return Some(Counts::exact(&t)),
                // Nothing to shrink: only the whole says anything.
                Some(Ok(t)) if t.smallest == i64::MAX => i = scales.len() - 1,
                Some(Ok(t)) => {
                    if t.smallest >= SMALLEST_SIZE {
                        done.push((scale, t));
                    } else {
                        self.shrunk_too_far = true;
                    }
                }
                Some(Err(_)) | None => break,
            }
        }
        extrapolated(&done)
    }

    /// Runs the call on a ladder of its big sizes ([`Self::climb`]), or
    /// whole only when it has none.
    fn ladder(&mut self, callee: &Value, params: &[Value]) -> Option<Counts> {
        // Sizes come in the arguments, or from the command line (an entry
        // function without parameters).
        let scales: &[f64] = if has_big_sizes(params) || params.is_empty() {
            &SCALES
        } else {
            &SCALES[SCALES.len() - 1..]
        };
        self.climb(scales, |setup| concrete::run_call(setup, callee, params))
    }

    /// A search exponential in a small size (`n` queens): runs with the
    /// small integer parameters lowered by a few steps, the counts grown
    /// per step as between the two biggest runs.
    fn ladder_small(&mut self, callee: &Value, params: &[Value]) -> Option<Counts> {
        let mut done: Vec<(i64, Trace)> = Vec::new();
        for &dec in &DECREMENTS[..DECREMENTS.len() - 1] {
            let lowered: Vec<Value> = params
                .iter()
                .map(|p| match p.as_sym().and_then(|s| s.as_int()) {
                    Some(v) if (SMALL_SIZE..concrete::SCALED_FROM).contains(&v) => {
                        Value::int((v - dec).max(1))
                    }
                    _ => p.clone(),
                })
                .collect();
            match self.run_at(1.0, &mut |setup| {
                concrete::run_call(setup, callee, &lowered)
            })? {
                Ok(t) => done.push((dec, t)),
                Err(Stop::Budget) => break,
                Err(_) => return None,
            }
        }
        let [.., (_, a), (db, b)] = done.as_slice() else {
            return None;
        };
        let growth = Growth::Geometric { steps: *db as f64 };
        Some(Counts::extrapolate(
            &[],
            a,
            b,
            growth,
            "extrapolated from runs of the call on smaller sizes",
        ))
    }

    /// Whether a call's arguments are what they will be when it runs. Inside
    /// a loop the analysis carries each name's mean value, and containers
    /// and objects as they were before the loop changed them: only
    /// constants, and names of scalars or strings the loop does not
    /// change, are the call's real arguments there.
    pub(crate) fn may_run(
        &self,
        func: &Expr,
        args: &[Expr],
        keywords: &[prescient_syntax::ast::Keyword],
        pos: &[Value],
        kw: &[(String, Value)],
    ) -> bool {
        if self.loops.is_empty() {
            return true;
        }
        let scalar = |v: &Value| -> bool {
            fn go(v: &Value, depth: u32) -> bool {
                match v {
                    Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) => true,
                    Value::Str { .. } | Value::Range { .. } => true,
                    Value::Seq {
                        kind: SeqKind::Tuple,
                        items: SeqItems::Known(items),
                    } => depth < 4 && items.iter().all(|i| go(i, depth + 1)),
                    _ => false,
                }
            }
            go(v, 0)
        };
        // A method's receiver is an object the loop may change.
        let plain_callee = func.as_name().is_some();
        plain_callee
            && pos.iter().all(scalar)
            && kw.iter().all(|(_, v)| scalar(v))
            && !args.iter().any(|a| self.varies_per_iteration(a))
            && !keywords.iter().any(|k| self.varies_per_iteration(&k.value))
    }

    /// Whether `d`, or a function or method it calls (as far as names
    /// tell), has counts only a run can tell.
    fn needs_counts_deep(
        &self,
        d: &FunctionDef,
        seen: &mut HashSet<(u32, u32)>,
        depth: u32,
    ) -> bool {
        if !seen.insert((d.span.line, d.span.col)) || depth > 8 {
            return false;
        }
        needs_counts(d) || self.calls_needing_counts(&d.body, seen, depth)
    }

    /// Whether statements call a function or method (as far as names
    /// tell) with counts only a run can tell.
    fn calls_needing_counts(
        &self,
        body: &[Stmt],
        seen: &mut HashSet<(u32, u32)>,
        depth: u32,
    ) -> bool {
        let mut callees: Vec<Rc<FuncVal>> = Vec::new();
        for s in body {
            s.walk(&mut |st| {
                st.exprs().into_iter().for_each(|e| {
                    e.walk(&mut |x| {
                        let ExprKind::Call { func, .. } = &x.kind else {
                            return;
                        };
                        match &func.kind {
                            ExprKind::Name(n) => match self.globals.get(n) {
                                Some(Value::Func(f)) => callees.push(f.clone()),
                                Some(Value::Class(c)) => methods(c, None, &mut callees),
                                _ => {}
                            },
                            ExprKind::Attribute { attr, .. } => {
                                for v in self.globals.values() {
                                    if let Value::Class(c) = v {
                                        methods(c, Some(attr), &mut callees);
                                    }
                                }
                            }
                            _ => {}
                        }
                    })
                })
            });
        }
        callees.iter().any(|f| match &f.callable {
            Callable::Def(g) => self.needs_counts_deep(g, seen, depth + 1),
            _ => false,
        })
    }

    /// Before the module statement `s` (the caller calls it only past the
    /// module's last definition: the run takes the analysis's functions
    /// and classes, which it defines as it goes): when it is the first
    /// that starts work (a loop, a call of the program's own functions,
    /// the main guard), the whole module runs, with the command line, and
    /// its counts cover the rest of the analysis. Tried once. Every
    /// program is run so, not only those with a `while` loop or a
    /// recursion: counts that depend on the data hide in `for` loops too
    /// (a list an enclosing loop grows, the distinct keys of a count, the
    /// share a comprehension's condition keeps), and the summary keeps its
    /// own counts wherever they are derived and agree.
    pub(crate) fn oracle_module(&mut self, body: &[Stmt], s: &Stmt) {
        if !self.oracle_enabled || self.module_tried {
            return;
        }
        // This statement starts the program's work: a loop, or a call of
        // its own functions or classes (the main guard's call).
        let starts = match &s.kind {
            StmtKind::FunctionDef(_)
            | StmtKind::ClassDef(_)
            | StmtKind::Import(_)
            | StmtKind::ImportFrom { .. } => false,
            StmtKind::While { .. } | StmtKind::For { .. } => true,
            _ => {
                let mut user = false;
                s.walk(&mut |st| {
                    for e in st.exprs() {
                        e.walk(&mut |x| {
                            if let ExprKind::Call { func, .. } = &x.kind {
                                let own = func.as_name().and_then(|n| self.globals.get(n));
                                user |= matches!(own, Some(Value::Func(_) | Value::Class(_)))
                                    || matches!(func.kind, ExprKind::Attribute { .. });
                            }
                        });
                    }
                });
                user
            }
        };
        if !starts {
            return;
        }
        self.module_tried = true;
        self.run_whole_module(body);
    }

    fn run_whole_module(&mut self, body: &[Stmt]) {
        self.oracle_stop = None;
        if let Some(c) = self.climb(&SCALES, |setup| concrete::run_module(setup, body)) {
            self.module_counts = Some(Rc::new(c));
            return;
        }
        // A hard-coded size shrunk may break what the program does with
        // it (a table of 256 entries indexed by byte), or leave too few
        // rungs big enough to say anything (200 accounts shrunk to 2
        // while the arguments' 600000 events run out the budget): the
        // ladder again, with only the arguments and the command line
        // shrunk.
        let broke = matches!(self.oracle_stop, Some(Stop::Raised(_)));
        if (broke || self.shrunk_too_far) && !self.size_literals.is_empty() {
            // The second ladder may spend half the analysis's steps, and
            // gives them back if it brings nothing: the calls
            // the analysis runs later need them (pyperformance's
            // deltablue, a hundred variables written in and its loops
            // from the command line, lost the counts of its calls when
            // this ladder spent the budget and failed).
            let spent = self.oracle_spent;
            let cap = ORACLE_TOTAL_BUDGET / 2;
            self.oracle_spent = spent.max(cap);
            let from = self.oracle_spent;
            self.scale_literals = false;
            self.oracle_stop = None;
            let again = self.climb(&SCALES, |setup| concrete::run_module(setup, body));
            self.scale_literals = true;
            let used = self.oracle_spent - from;
            if let Some(c) = again {
                self.oracle_spent = spent + used;
                self.module_counts = Some(Rc::new(c));
                return;
            }
            self.oracle_spent = spent;
        }
        let why = match self.oracle_stop.take() {
            Some(Stop::Unsupported(what)) => {
                format!("it uses {what}, which the executor does not model")
            }
            Some(Stop::Raised(e)) => format!("it raised {e}"),
            _ => "it takes too many steps, even on smaller sizes".to_string(),
        };
        self.oracle_notes
            .push(format!("the program was not run to count its loops: {why}"));
    }

    /// Whether the next rung of a ladder (at `scale`) fits what is left of
    /// the budget, by the steps' growth over the rungs so far.
    fn worth_trying(&self, done: &[(f64, Trace)], scale: f64) -> bool {
        let [.., (sp, p), (sq, q)] = done else {
            return true;
        };
        let growth = (q.steps as f64 / p.steps.max(1) as f64).max(1.0);
        let rungs = (scale / sq).ln() / (sq / sp).ln();
        let next = q.steps as f64 * growth.powf(rungs);
        let left = ORACLE_TOTAL_BUDGET.saturating_sub(self.oracle_spent);
        next <= left.min(ORACLE_CALL_BUDGET) as f64
    }

    /// Says why runs did not happen, when the analysis had to assume trip
    /// counts or lengths for want of them.
    pub(crate) fn flush_oracle_notes(&mut self) {
        let assumed = self
            .unknowns
            .iter()
            .any(|u| u.symbol.starts_with("iters@") || u.symbol.starts_with("len("));
        let notes = std::mem::take(&mut self.oracle_notes);
        if assumed {
            for n in notes {
                self.note(n);
            }
        }
    }

    pub(crate) fn oracle_leave(&mut self) {
        self.oracle.pop();
    }

    /// The counts covering the analysis, innermost first: those of the
    /// calls under way, then the whole module's.
    fn covering(&self) -> impl Iterator<Item = &Rc<Counts>> {
        self.oracle.iter().rev().chain(self.module_counts.iter())
    }

    /// Whether any counts cover the analysis here.
    pub(crate) fn oracle_active(&self) -> bool {
        !self.oracle.is_empty() || self.module_counts.is_some()
    }

    /// Whether a run already under way counted `d`'s calls.
    fn covered(&self, d: &FunctionDef) -> bool {
        let at = (d.span.line, d.span.col);
        self.covering().any(|c| c.calls.contains_key(&at))
    }

    /// Mean iterations per entry the innermost covering run measured for
    /// the loop at `span`, and how it was found.
    pub(crate) fn oracle_trips(
        &self,
        span: prescient_syntax::ast::Span,
    ) -> Option<(f64, &'static str)> {
        let at: At = (span.line, span.col);
        self.covering()
            .find_map(|c| Some((*c.trips.get(&at)?, c.how.unwrap_or(MEASURED))))
    }

    /// Whether the innermost run that measured the loop at `span` saw the
    /// same trips on each entry, within half again: only then does its
    /// mean overrule a count the summary derived for this entry (a helper
    /// called on several sizes has a mean that stands for none of them).
    pub(crate) fn oracle_uniform(&self, span: prescient_syntax::ast::Span) -> bool {
        let at: At = (span.line, span.col);
        self.covering()
            .find(|c| c.trips.contains_key(&at))
            .is_some_and(|c| !c.varied.contains(&at))
    }

    /// How often `s` ran for each run of `first` (the statement its block
    /// begins with, or the `if` whose branch it begins), in the innermost
    /// run that saw `first`.
    pub(crate) fn oracle_share(&self, first: &Stmt, s: &Stmt) -> Option<f64> {
        let key = |s: &Stmt| (s.span.line, s.span.col);
        let c = self
            .covering()
            .find(|c| c.stmts.contains_key(&key(first)))?;
        let base = c.stmts[&key(first)];
        let n = c.stmts.get(&key(s)).copied().unwrap_or(0.0);
        if base <= 0.0 {
            return None;
        }
        let below = c.stmts_below.as_ref().and_then(|(t, steps)| {
            let base = *t.get(&key(first))?;
            Some((t.get(&key(s)).copied().unwrap_or(0.0), base, *steps))
        });
        Some(match below {
            Some((m, base_m, steps)) => projected_share((m, base_m), (n, base), steps),
            None => (n / base).min(1.0),
        })
    }

    /// The share of the stores into a dict on `line` that brought a new
    /// key, in the innermost covering run that stored there.
    pub(crate) fn oracle_key_share(&self, line: u32) -> Option<f64> {
        self.covering().find_map(|c| c.keys.get(&line).copied())
    }

    /// The share of the stores into a dict on `line` that went into a
    /// `Counter`, in the innermost covering run that stored there.
    pub(crate) fn oracle_counter_share(&self, line: u32) -> Option<f64> {
        self.covering()
            .find(|c| c.keys.contains_key(&line))
            .and_then(|c| c.counter.get(&line).copied())
    }

    /// What a run measured of the regular-expression calls on `line`:
    /// characters per call and matches per character.
    pub(crate) fn oracle_text(&self, line: u32) -> Option<(f64, f64)> {
        self.covering().find_map(|c| c.text.get(&line).copied())
    }

    /// Calls per outermost call the covering run measured for `d`, and
    /// how they were found.
    /// Calls of `d` over the whole of the covering run that called it.
    pub(crate) fn oracle_call_total(&self, d: &FunctionDef) -> Option<f64> {
        let at: At = (d.span.line, d.span.col);
        self.covering()
            .find_map(|c| c.call_totals.get(&at).copied())
    }

    pub(crate) fn oracle_calls(&self, d: &FunctionDef) -> Option<(f64, &'static str)> {
        let at: At = (d.span.line, d.span.col);
        self.covering().find_map(|c| {
            let how = match c.how {
                Some(_) if c.steady_calls.contains(&at) => MEASURED,
                how => how.unwrap_or(MEASURED),
            };
            Some((*c.calls.get(&at)?, how))
        })
    }
}

/// A branch's share at full size from its counts at two rungs of a
/// ladder (`(taken, runs)` at the smaller, `a`, and the bigger, `b`),
/// `steps` rungs' size ratios short of the full size. A share that
/// depends on the sizes (a stock of fixed size runs out less often as
/// the orders shrink with the run) moves on as it moved between the
/// rungs, as a power of the size; one whose move is within the noise of
/// its counts (two standard errors of the log ratio, for counts of
/// independent events) is the pooled share of both rungs.
fn projected_share(a: (f64, f64), b: (f64, f64), steps: f64) -> f64 {
    let pooled = ((a.0 + b.0) / (a.1 + b.1)).min(1.0);
    if a.0 < 1.0 || b.0 < 1.0 || a.1 <= 0.0 || steps <= 0.0 {
        return pooled;
    }
    let (pa, pb) = (a.0 / a.1, b.0 / b.1);
    let moved = (pb / pa).ln();
    let noise = (1.0 / a.0 + 1.0 / b.0).sqrt();
    if moved.abs() <= 2.0 * noise {
        return pooled;
    }
    let up = pb * (pb / pa).powf(steps);
    if up < 1.0 {
        return up;
    }
    // A share the law takes past 1 nears it as what is left shrinks, by
    // the same law: a buffer trimmed past a fixed length is trimmed in
    // ever more of the runs, never in all of them.
    let (qa, qb) = (1.0 - pa, 1.0 - pb);
    let left = if qa > 0.0 && qb > 0.0 {
        qb * (qb / qa).powf(steps)
    } else {
        0.0
    };
    (1.0 - left).max(pb)
}

fn stmt_counts(t: &Trace) -> HashMap<At, f64> {
    t.stmts.iter().map(|(k, n)| (*k, *n as f64)).collect()
}

/// Whether a count the summary derived (a heap's depth, a recurrence)
/// agrees with one a run measured or extrapolated: within half again
/// either way. Where it does, the derived one stands (it is exact for
/// its case; an extrapolation is not); where it does not, its premise
/// failed and the measured one is taken.
pub(crate) fn agrees(derived: f64, measured: f64) -> bool {
    within(derived, measured, 1.5)
}

/// [`agrees`] for the calls a recurrence counts (`recursion.rs`): a count
/// from the shape of the calls, not a reading of the data, which counts
/// extrapolated from runs at an eighth of the size or less overrule only
/// when off by more than twice: those carry the small sizes' edge effects
/// (a grid's blocked cells cut off a larger share of a small one).
pub(crate) fn agrees_with_recurrence(derived: f64, measured: f64, how: &str) -> bool {
    within(derived, measured, if how == MEASURED { 1.5 } else { 2.0 })
}

fn within(derived: f64, measured: f64, tolerance: f64) -> bool {
    derived > 0.0 && measured > 0.0 && (derived / measured).max(measured / derived) <= tolerance
}

const MEASURED: &str = "measured by a run of the call on its known arguments";

/// Counts at full size from the runs of a ladder (`(scale, trace)`, the
/// scales growing by equal ratios): the two biggest extrapolated, the
/// smaller ones before them choosing the shape of the growth.
fn extrapolated(done: &[(f64, Trace)]) -> Option<Counts> {
    let [.., (sa, a), (sb, b)] = done else {
        return None;
    };
    let first = done.len().saturating_sub(4);
    let earlier: Vec<&Trace> = done[first..done.len() - 2].iter().map(|(_, t)| t).collect();
    let growth = Growth::Power {
        ratio: sb / sa,
        to_full: 1.0 / sb,
    };
    Some(Counts::extrapolate(
        &earlier,
        a,
        b,
        growth,
        "extrapolated from runs of the call on smaller sizes",
    ))
}

/// A count at full size from its values at the ladder's rungs: `x` and `y`
/// at the two biggest (sizes `ratio` apart, the full size `to_full` times
/// the bigger), `older` at the rungs before them (oldest first, each
/// `ratio` apart too). Three shapes of growth:
///
/// - a power of the size, through `x` and `y`;
/// - a constant increase per step of the size's logarithm (a heap's
///   depth), when it predicts the rung before `x` better;
/// - a logarithm plus a linear term (a search down a tree, then a walk
///   over the items in a range: `a log n + b n`), when the growth is below
///   linear and speeds up rung by rung, which no single power does: a
///   power's exponent is the same at every size, so it carries the small
///   sizes' slow growth to the full size. Its three terms are fitted
///   through the three biggest rungs; a fourth must agree with it.
fn project_power(older: &[Option<f64>], x: f64, y: f64, ratio: f64, to_full: f64) -> f64 {
    let exponent = ((y / x).ln() / ratio.ln()).clamp(0.0, 3.0);
    let power = y * to_full.powf(exponent);
    // Per step of the size's logarithm, a constant increase.
    let per = (y - x).max(0.0) / ratio.ln();
    let log = y + per * to_full.ln();
    let w = older.last().copied().flatten().filter(|w| *w > 0.0);
    let Some(w) = w else {
        return power;
    };
    if let Some(mixed) = log_linear(older, w, x, y, ratio, to_full) {
        return mixed;
    }
    let power_back = x / ratio.powf(exponent);
    let log_back = x - per * ratio.ln();
    if (log_back - w).abs() < (power_back - w).abs() {
        log
    } else {
        power
    }
}

/// `c + p ln(s) + q s` through `(w, x, y)` at sizes `1, r, r^2` (in units
/// of `w`'s size), projected to `to_full` times `y`'s size. Differences of
/// differences magnify the noise of counts over random data, so the shape
/// must show at four rungs: the growth below linear and faster at each,
/// the fourth rung (before `w`) within a tenth of the fit, and the
/// projection no more than linear growth from `y`. None otherwise.
fn log_linear(older: &[Option<f64>], w: f64, x: f64, y: f64, r: f64, to_full: f64) -> Option<f64> {
    let v = older.len().checked_sub(2).and_then(|i| older[i])?;
    if v <= 0.0 {
        return None;
    }
    let e0 = (w / v).ln() / r.ln();
    let e1 = (x / w).ln() / r.ln();
    let e2 = (y / x).ln() / r.ln();
    if !(e0 > 0.0 && e1 > e0 && e2 > e1 && e2 < 0.9) {
        return None;
    }
    // With sizes 1, r, r^2: (x - w) = p ln r + q (r - 1), (y - x) = p ln r
    // + q (r^2 - r).
    let q = ((y - x) - (x - w)) / ((r * r - r) - (r - 1.0));
    let p = ((x - w) - q * (r - 1.0)) / r.ln();
    if q <= 0.0 || p < 0.0 || !q.is_finite() || !p.is_finite() {
        return None;
    }
    let at = |size: f64| w + p * size.ln() + q * (size - 1.0);
    if (at(1.0 / r) - v).abs() > 0.1 * v {
        return None;
    }
    Some(at(r * r * to_full).min(y * to_full))
}

/// A class's methods (by `name`, or all of them).
fn methods(c: &ClassVal, name: Option<&str>, out: &mut Vec<Rc<FuncVal>>) {
    for (k, v) in c.attrs.borrow().iter() {
        if let Value::Func(f) = v {
            if name.is_none_or(|n| n == k) {
                out.push(f.clone());
            }
        }
    }
}

/// Whether some argument holds a size a scaled run can shrink.
fn has_big_sizes(params: &[Value]) -> bool {
    fn big(v: &Value, depth: u32) -> bool {
        if depth > 6 {
            return false;
        }
        match v {
            Value::Int(s) => s
                .as_num()
                .is_some_and(|x| x.abs() >= concrete::SCALED_FROM as f64),
            Value::Seq {
                items: SeqItems::Known(items),
                ..
            } => items.iter().any(|i| big(i, depth + 1)),
            Value::Seq {
                items: SeqItems::Homog { len, .. },
                ..
            } => len
                .as_num()
                .is_some_and(|x| x >= concrete::SCALED_FROM as f64),
            Value::Instance { attrs, .. } => attrs.borrow().values().any(|a| big(a, depth + 1)),
            Value::Method { recv, .. } => big(recv, depth + 1),
            _ => false,
        }
    }
    params.iter().any(|p| big(p, 0))
}

fn has_small_sizes(params: &[Value]) -> bool {
    params.iter().any(|p| {
        p.as_sym()
            .and_then(|s| s.as_int())
            .is_some_and(|v| (SMALL_SIZE..concrete::SCALED_FROM).contains(&v))
    })
}

/// Whether a function has counts only a run can tell: a `while` loop, or a
/// call to itself (by name, or as `self.name`).
fn needs_counts(d: &FunctionDef) -> bool {
    fn stmts(body: &[Stmt], name: &str) -> bool {
        body.iter().any(|s| match &s.kind {
            StmtKind::While { .. } => true,
            StmtKind::FunctionDef(_) | StmtKind::ClassDef(_) => false,
            _ => {
                s.exprs()
                    .into_iter()
                    .any(|e| super::stmt::expr_calls(e, name))
                    || s.child_blocks().into_iter().any(|b| stmts(b, name))
            }
        })
    }
    stmts(&d.body, &d.name)
}

#[cfg(test)]
mod tests {
    use super::{project_power, projected_share};

    #[test]
    fn a_share_moves_on_only_past_its_counts_noise() {
        // 100 of 1000 runs, then 210 of 2000: within two standard errors
        // of the log ratio (0.17), so the pooled share stands.
        let s = projected_share((100.0, 1000.0), (210.0, 2000.0), 4.0);
        assert!((s - 310.0 / 3000.0).abs() < 1e-12, "{s}");
        // 1000 of 10000, then 3000 of 20000: the share grew half again per
        // rung, well past the noise; two rungs on it is 0.15 * 1.5^2.
        let s = projected_share((1000.0, 10000.0), (3000.0, 20000.0), 2.0);
        assert!((s - 0.3375).abs() < 1e-9, "{s}");
        // Falling, it falls on: 0.3 then 0.15, two rungs on 0.0375.
        let s = projected_share((3000.0, 10000.0), (3000.0, 20000.0), 2.0);
        assert!((s - 0.0375).abs() < 1e-9, "{s}");
        // Past 1 by that law, it nears 1 as its complement falls: 0.3 then
        // 0.6, what is left shrinking by 4/7 per rung, eight rungs on.
        let s = projected_share((3000.0, 10000.0), (12000.0, 20000.0), 8.0);
        assert!(
            (s - (1.0 - 0.4 * (0.4f64 / 0.7).powi(8))).abs() < 1e-9,
            "{s}"
        );
        // One when the biggest rung took the branch every time.
        assert_eq!(
            projected_share((1000.0, 10000.0), (20000.0, 20000.0), 8.0),
            1.0
        );
        // No count at a rung: the pooled share.
        let s = projected_share((0.0, 100.0), (5.0, 200.0), 3.0);
        assert!((s - 5.0 / 300.0).abs() < 1e-12, "{s}");
    }

    /// A count's values at rungs of sizes `n0 * 2^i`, projected to 16
    /// times the biggest, against the count's own value there.
    fn projected(count: impl Fn(f64) -> f64, rungs: usize) -> (f64, f64) {
        let sizes: Vec<f64> = (0..rungs).map(|i| 1000.0 * 2f64.powi(i as i32)).collect();
        let vals: Vec<f64> = sizes.iter().map(|n| count(*n)).collect();
        let (x, y) = (vals[rungs - 2], vals[rungs - 1]);
        let older: Vec<Option<f64>> = vals[..rungs - 2].iter().map(|v| Some(*v)).collect();
        let full = sizes[rungs - 1] * 16.0;
        (project_power(&older, x, y, 2.0, 16.0), count(full))
    }

    fn close(got: f64, want: f64) -> bool {
        (got / want - 1.0).abs() < 0.05
    }

    #[test]
    fn a_search_then_a_walk_over_a_range_grows_as_log_plus_linear() {
        // A range query on a tree: a descent, then the items in the range.
        let (got, want) = projected(|n| 2.0 * n.ln() + 0.001 * n, 4);
        assert!(close(got, want), "{got} vs {want}");
        // Three rungs do not show the shape: a power through the last two.
        let (got, want) = projected(|n| 2.0 * n.ln() + 0.001 * n, 3);
        assert!(got < want * 0.8, "{got} vs {want}");
    }

    #[test]
    fn powers_and_logarithms_keep_their_shapes() {
        for count in [
            (|n: f64| n * n) as fn(f64) -> f64,
            |n| 3.0 * n,
            |n| n * n.ln(),
            |n| 5.0 * n.ln(),
            |n| n * n + 50.0 * n,
        ] {
            let (got, want) = projected(count, 4);
            // n log n projects as a power a little under itself.
            assert!((got / want - 1.0).abs() < 0.25, "{got} vs {want}");
        }
        let (got, want) = projected(|n| 5.0 * n.ln(), 4);
        assert!(close(got, want), "{got} vs {want}");
    }
}
