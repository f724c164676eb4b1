//! Recursion: how many calls a recursive function makes, from how it calls itself.
//!
//! A recursive call is never followed (analysis must terminate on any input),
//! so the body is analysed once, at the outermost call. Each recursive call
//! site records how often it runs per call (loops and branch weights inside
//! the body) and how its arguments shrink against the outermost call's: by a
//! constant (`n - 1`, `len(xs) - 1`) or by a ratio (`n // 2`, `xs[:mid]`).
//! The number of calls follows as for a divide-and-conquer recurrence:
//!
//! - steps that subtract, `a` calls per call with decrements `d_i` over a size
//!   `n`: about `x^n` calls, `x` the root of `sum(x^-d_i) = 1` (Fibonacci's
//!   golden ratio), or `n / d` for a chain (one call per call);
//! - steps that divide by `r`: `log_r n` levels of `a^level` calls;
//! - a memoised function (`functools.cache`, `lru_cache`): one call per
//!   distinct argument tuple, the product of each shrinking argument's range.
//!
//! The body's straight-line work is then multiplied by that count. Its loops
//! and library calls work on the call's size, which shrinks with depth: they
//! are multiplied by the sum over levels of calls times the size at that
//! level (a balanced divide and conquer does the top call's loop work once
//! per level; a chain half of it per call on average).
//! - recursion over the links of a structure the program built
//!   (`height(node.left)`, `linked.rs`): one call per node, and a cheap one
//!   (a test of `None` and a return) per empty link.
//!
//! Sizes that do not shrink visibly (recursion over a nested data structure)
//! leave the function costed once, with a note, as before.

use super::*;
use prescient_syntax::ast::{ExprKind, FunctionDef};
use std::rc::Rc;

/// The wrapper `functools.lru_cache` puts around a function, in C, in
/// units of a step a built-in takes (`PyOps::walked`, 4.4 ns here): a call
/// that hits (the key tuple built, hashed and found) 50 steps, one that
/// misses (and stores the result) 86, beyond the call itself. Measured on
/// the reference node over 400 thousand distinct two-integer keys: 180-260
/// ns a hit and 320-440 ns a miss more than a plain function's call.
const LRU_HIT_STEPS: f64 = 50.0;
const LRU_MISS_STEPS: f64 = 86.0;

/// Counts above this are runaway recursion (or an exponential the program
/// would never finish); they are capped and noted.
const MAX_CALLS: f64 = 1e10;

#[derive(Clone, Debug)]
enum Step {
    Minus(f64),
    Divide(f64),
    /// A node's link (`node.left`) of a structure of this many nodes.
    Link(f64),
}

/// One recursive call site: runs per call, and per parameter how it shrinks.
#[derive(Clone, Debug)]
struct Site {
    per_call: f64,
    steps: Vec<(usize, Step)>,
}

/// A structure of linked instances a parameter is a node of: its nodes, the
/// nodes' class, its links and its root.
#[derive(Clone, Debug)]
struct Structure {
    nodes: f64,
    class: Rc<ClassVal>,
    links: usize,
    root: Attrs,
}

/// The outermost call of a recursive function being analysed.
#[derive(Clone, Debug)]
pub(crate) struct RecFrame {
    func: u64,
    /// Each parameter's size at the outermost call, if it has one.
    sizes: Vec<Option<f64>>,
    mult0: f64,
    /// The parameters at the outermost call.
    params: Vec<Value>,
    /// Each parameter's structure, if it is a node of one the program built
    /// by linking instances: found at the first recursive call (most calls
    /// never recurse, and finding a root searches the program's names).
    structures: Option<Vec<Option<Structure>>>,
    sites: Vec<Site>,
    kernels0: usize,
    ops0: PyOps,
}

/// The size recursion shrinks: an integer's value or a sequence's length.
fn size_of(v: &Value) -> Option<f64> {
    match v {
        Value::Int(s) => s.as_num().filter(|x| x.is_finite() && *x >= 0.0),
        other => other.len().and_then(|s| s.as_num()),
    }
}

/// The bound of a memoising decorator's cache: `Some(None)` unbounded
/// (`cache`, `lru_cache(maxsize=None)`), `Some(Some(n))` at most `n`
/// entries (`lru_cache()` keeps 128), None when not memoised.
fn cache_bound(d: &FunctionDef) -> Option<Option<f64>> {
    d.decorators.iter().find_map(|e| {
        let (target, call) = match &e.kind {
            ExprKind::Call {
                func,
                args,
                keywords,
            } => (func.as_ref(), Some((args, keywords))),
            _ => (e, None),
        };
        let name = target.dotted()?;
        match name.rsplit('.').next()? {
            "cache" => Some(None),
            "lru_cache" => {
                let given = call.and_then(|(args, keywords)| {
                    args.first().or_else(|| {
                        keywords
                            .iter()
                            .find(|k| k.name.as_deref() == Some("maxsize"))
                            .map(|k| &k.value)
                    })
                });
                Some(match given.map(|e| &e.kind) {
                    None => Some(128.0),
                    Some(ExprKind::Int(Some(n))) => Some((*n as f64).max(0.0)),
                    // `None`, or anything not a literal: unbounded.
                    _ => None,
                })
            }
            _ => None,
        }
    })
}

/// Bytes one entry of a memo cache holds: its slot in the cache's dict, the
/// key (a single argument is its own key; several are packed into a list
/// of them), integer arguments beyond CPython's small ints, and the result
/// (an int or float: a larger result is not followed); a bounded cache also
/// keeps a link node per entry. On CPython 3.11, for two integer
/// arguments: 139 bytes per entry by tracemalloc with small int results, 181
/// with large ones, and 217 in resident memory (the allocator's slack);
/// this gives 226.
fn cache_entry_bytes(args: usize, bounded: bool) -> f64 {
    let key = if args <= 1 {
        0.0
    } else {
        72.0 + 8.0 * args as f64
    };
    42.0 + key + 28.0 * args as f64 + 40.0 + if bounded { 88.0 } else { 0.0 }
}

fn has_loop(d: &FunctionDef) -> bool {
    let mut found = false;
    for s in &d.body {
        s.walk(&mut |st| {
            found |= matches!(
                st.kind,
                prescient_syntax::ast::StmtKind::For { .. }
                    | prescient_syntax::ast::StmtKind::While { .. }
            )
        });
    }
    found
}

/// The root `x > 1` of `sum(a_i * x^-d_i) = 1`, by bisection.
fn growth(sites: &[(f64, f64)]) -> f64 {
    let g = |x: f64| sites.iter().map(|(a, d)| a * x.powf(-d)).sum::<f64>() - 1.0;
    let total: f64 = sites.iter().map(|(a, _)| a).sum();
    let (mut lo, mut hi) = (1.0, total.max(1.0) + 1.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if g(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// Calls over the links of a structure: one per node, and the calls that
/// reach an empty link (a link site runs once per node; a binary tree of
/// `n` nodes has `n + 1` empty links). None when no site follows a link.
fn link_calls(frame: &RecFrame) -> Option<(f64, f64)> {
    let mut nodes = 0.0f64;
    let mut per_node = 0.0;
    for s in &frame.sites {
        for (_, st) in &s.steps {
            if let Step::Link(n) = st {
                nodes = nodes.max(*n);
                per_node += s.per_call;
                break;
            }
        }
    }
    if per_node == 0.0 {
        return None;
    }
    let all = 1.0 + per_node * nodes;
    Some((nodes, (all - nodes).max(0.0)))
}

/// Calls made in all, counting the outermost one, and the factor for work
/// proportional to the call's size; None when the sizes do not show how the
/// recursion ends.
fn calls(frame: &RecFrame, memo: bool) -> Option<(f64, f64)> {
    let sites: Vec<&Site> = frame
        .sites
        .iter()
        .filter(|s| {
            !s.steps.is_empty() && !s.steps.iter().any(|(_, st)| matches!(st, Step::Link(_)))
        })
        .collect();
    if sites.is_empty() {
        return None;
    }
    let per_call: f64 = frame.sites.iter().map(|s| s.per_call).sum();
    let size = |i: usize| frame.sizes.get(i).copied().flatten().unwrap_or(0.0);
    // Parameters that shrink somewhere, with their smallest step.
    let mut shrinking: Vec<(usize, Step)> = Vec::new();
    for s in &sites {
        for (i, st) in &s.steps {
            match shrinking.iter_mut().find(|(j, _)| j == i) {
                Some((_, cur)) => {
                    if let (Step::Minus(a), Step::Minus(b)) = (&cur, st) {
                        if b < a {
                            *cur = Step::Minus(*b);
                        }
                    }
                }
                None => shrinking.push((*i, st.clone())),
            }
        }
    }
    let levels = |i: usize, st: &Step| match st {
        Step::Minus(d) => size(i) / d,
        Step::Divide(r) => size(i).max(1.0).ln() / r.ln(),
        Step::Link(n) => *n,
    };
    if memo {
        let distinct: f64 = shrinking
            .iter()
            .map(|(i, st)| levels(*i, st) + 1.0)
            .product();
        return Some((distinct, distinct * 0.5));
    }
    if shrinking
        .iter()
        .any(|(_, st)| matches!(st, Step::Divide(_)))
    {
        // Divide and conquer: the depth is set by the argument that runs out first.
        let depth = shrinking
            .iter()
            .map(|(i, st)| levels(*i, st))
            .fold(f64::INFINITY, f64::min)
            .max(0.0);
        let r = shrinking
            .iter()
            .filter_map(|(_, st)| match st {
                Step::Divide(r) => Some(*r),
                Step::Minus(_) | Step::Link(_) => None,
            })
            .fold(f64::INFINITY, f64::min);
        let series = |q: f64| {
            if (q - 1.0).abs() < 1e-9 {
                depth + 1.0
            } else {
                (q.powf(depth + 1.0) - 1.0) / (q - 1.0)
            }
        };
        return Some((series(per_call), series(per_call / r)));
    }
    // Subtracting steps over a combined size.
    let total: f64 = shrinking.iter().map(|(i, _)| size(*i)).sum();
    let per_site: Vec<(f64, f64)> = sites
        .iter()
        .map(|s| {
            let d: f64 = s
                .steps
                .iter()
                .map(|(_, st)| match st {
                    Step::Minus(d) => *d,
                    Step::Divide(_) | Step::Link(_) => 1.0,
                })
                .sum();
            (s.per_call, d.max(1e-9))
        })
        .collect();
    let n = if per_call <= 1.0 + 1e-9 {
        let d = per_site
            .iter()
            .map(|(_, d)| *d)
            .fold(f64::INFINITY, f64::min);
        total / d + 1.0
    } else {
        growth(&per_site).powf(total)
    };
    Some((n, n * 0.5))
}

impl Interp<'_> {
    /// The operations counted so far where counting goes on now: the
    /// innermost loop's, or the straight-line code's.
    pub(crate) fn ops_now(&self) -> &PyOps {
        match self.loops.last() {
            Some(ctx) => &ctx.ops,
            None => &self.straight_ops,
        }
    }

    /// The structure each parameter is a node of, if any.
    fn structures_of(&self, params: &[Value]) -> Vec<Option<Structure>> {
        params
            .iter()
            .map(|p| match p {
                Value::Instance { class, .. } => self
                    .structure_of(p)
                    .filter(|(n, _, _)| *n > 1.0)
                    .map(|(nodes, links, root)| Structure {
                        nodes,
                        class: class.clone(),
                        links,
                        root,
                    }),
                _ => None,
            })
            .collect()
    }

    /// The outermost call of `f` starts: remember its sizes and where its
    /// costs begin.
    pub(crate) fn recursion_enter(&mut self, f: &FuncVal, params: &[Value]) {
        let frame = RecFrame {
            func: f.id,
            sizes: params.iter().map(size_of).collect(),
            mult0: self.mult_num.max(1e-300),
            params: params.to_vec(),
            structures: None,
            sites: Vec::new(),
            kernels0: self.cur_kernels.len(),
            ops0: self.ops_now().clone(),
        };
        self.rec_stack.push(frame);
    }

    /// `f` calls itself with these parameter values.
    pub(crate) fn recursion_site(&mut self, f: &FuncVal, params: &[Value]) {
        let mult = self.mult_num;
        let Some(at) = self.rec_stack.iter().rposition(|r| r.func == f.id) else {
            return;
        };
        if self.rec_stack[at].structures.is_none() {
            let found = self.structures_of(&self.rec_stack[at].params);
            self.rec_stack[at].structures = Some(found);
        }
        let frame = &mut self.rec_stack[at];
        let mut steps = Vec::new();
        for (i, v) in params.iter().enumerate() {
            // A node's link: another node of the structure, or the end of it.
            if let Some(s) = frame
                .structures
                .as_ref()
                .and_then(|v| v.get(i).cloned().flatten())
            {
                let node = match v {
                    Value::Instance { class: c, .. } => Rc::ptr_eq(c, &s.class),
                    Value::None => true,
                    _ => false,
                };
                if node {
                    steps.push((i, Step::Link(s.nodes)));
                    continue;
                }
            }
            let (Some(old), Some(new)) = (frame.sizes.get(i).copied().flatten(), size_of(v)) else {
                continue;
            };
            if new >= old {
                continue;
            }
            if old >= 4.0 && new <= old * 0.6 {
                steps.push((i, Step::Divide((old / new.max(1.0)).max(1.5))));
            } else {
                steps.push((i, Step::Minus(old - new)));
            }
        }
        frame.sites.push(Site {
            per_call: mult / frame.mult0,
            steps,
        });
    }

    /// The outermost call of `f` returns: its body's costs, recorded once,
    /// are multiplied by the number of calls, which is returned (None when
    /// `f` made one call, or its count is not known).
    pub(crate) fn recursion_leave(&mut self, f: &FuncVal) -> Option<f64> {
        let pos = self.rec_stack.iter().rposition(|r| r.func == f.id)?;
        let frame = self.rec_stack.remove(pos);
        if frame.sites.is_empty() {
            return None;
        }
        let memo = matches!(&f.callable, Callable::Def(d) if memoised(d));
        let bound = match &f.callable {
            Callable::Def(d) => cache_bound(d),
            _ => None,
        };
        // Over a structure's links the body runs once per node; the calls
        // that reach an empty link only test it and return.
        let measured = match &f.callable {
            Callable::Def(d) => self.oracle_calls(d),
            _ => None,
        };
        // Over a structure's links the count is known, and the calls that
        // reach an empty link are cheap ones.
        let (counted, ends) = match link_calls(&frame) {
            Some((nodes, ends)) => (Some((nodes, nodes)), ends),
            None => (calls(&frame, memo), 0.0),
        };
        // A run of the call counted them, where the recurrence could not,
        // or where its premise failed (the run disagrees by half again).
        let (counted, ends) = match (measured, counted) {
            // A run counts the calls that reach an empty link too.
            (Some((m, how)), Some((n, _)))
                if super::oracle::agrees_with_recurrence(n + ends, m, how) =>
            {
                (counted, ends)
            }
            (Some((m, _)), _) => (Some((m, m)), 0.0),
            (None, _) => (counted, ends),
        };
        let Some((n, work)) = counted.filter(|(n, w)| !n.is_nan() && !w.is_nan()) else {
            self.note(format!(
                "`{}` is recursive over sizes that do not visibly shrink: its body is costed once",
                f.name
            ));
            return None;
        };
        let capped = |x: f64| x.clamp(1.0, MAX_CALLS);
        let work = capped(work);
        let n = if n > MAX_CALLS {
            self.note(format!(
                "`{}` recurses about {} times; counted as {}",
                f.name,
                fmt_num(n),
                fmt_num(MAX_CALLS)
            ));
            MAX_CALLS
        } else {
            n.max(1.0)
        };
        self.note(format!(
            "`{}` is recursive: about {} calls{}",
            f.name,
            fmt_num(n),
            if memo { " (memoised)" } else { "" }
        ));
        if let Some(bound) = bound.filter(|_| memo) {
            // The cache keeps an entry per distinct call for as long as the
            // function lives (a bounded one, its newest entries).
            let entries = bound.map_or(n, |b| n.min(b));
            let bytes = entries * cache_entry_bytes(frame.sizes.len(), bound.is_some());
            let slot = self.memo_bytes.entry(f.id).or_insert(0.0);
            *slot = slot.max(bytes);
            // Re-measured where the function is bound, like any name.
            if matches!(self.globals.get(&f.name), Some(Value::Func(g)) if g.id == f.id) {
                self.ledger.touch(super::ledger::Scope::Globals, &f.name);
            }
        }
        if n <= 1.0 {
            return None;
        }
        let from = frame.kernels0.min(self.cur_kernels.len());
        for k in &mut self.cur_kernels[from..] {
            k.flops *= work;
            k.bytes_moved *= work;
            k.count *= n;
            if let Some(ops) = &mut k.py_ops {
                *ops = ops.scaled(work);
            }
        }
        // Straight-line work is per call; a body with a loop spends most of
        // its interpreted work in the loop, which shrinks with the size.
        let per = if matches!(&f.callable, Callable::Def(d) if has_loop(d)) {
            work
        } else {
            n
        };
        let mut delta = self.ops_now().clone();
        delta.sub(&frame.ops0);
        let extra = delta.scaled(per - 1.0);
        self.ops(|o, _| o.add(&extra));
        if memo {
            // Every call goes through the cache's wrapper in C: the distinct
            // ones miss (and store), the rest hit. Added after the body's
            // work was scaled to all the calls: this counts them all already.
            let per_call: f64 = frame.sites.iter().map(|s| s.per_call).sum();
            let hits = (n * per_call + 1.0 - n).max(0.0);
            let steps = frame.mult0 * (n * LRU_MISS_STEPS + hits * LRU_HIT_STEPS);
            self.ops(|o, _| o.walked += steps);
        }
        if ends > 0.0 {
            let m = frame.mult0 * ends;
            self.ops(|o, _| {
                o.py_calls += m;
                o.compare += m;
            });
            // A tree's nodes were made in the order their keys came, and are
            // visited in another: each visit lands anywhere among them. One
            // a recursion built was made depth first, as it is visited.
            if let Some(s) =
                frame.structures.iter().flatten().flatten().find(|s| {
                    s.links >= 2 && !s.root.borrow().contains_key(super::linked::DEPTH_FIRST)
                })
            {
                let bytes = self.python_bytes(&Value::Instance {
                    class: s.class.clone(),
                    attrs: s.root.clone(),
                });
                let misses = frame.mult0 * n * crate::caches::miss_share(bytes);
                self.ops(|o, _| o.cold_accesses += misses);
            }
        }
        Some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(sizes: &[f64], sites: Vec<Site>) -> RecFrame {
        RecFrame {
            func: 1,
            sizes: sizes.iter().map(|s| Some(*s)).collect(),
            mult0: 1.0,
            params: Vec::new(),
            structures: None,
            sites,
            kernels0: 0,
            ops0: PyOps::default(),
        }
    }

    fn minus(i: usize, d: f64) -> Site {
        Site {
            per_call: 1.0,
            steps: vec![(i, Step::Minus(d))],
        }
    }

    #[test]
    fn call_counts_follow_the_recurrence() {
        // fib(30): about 1.6 million calls (the golden ratio to the 30th).
        let fib = calls(&frame(&[30.0], vec![minus(0, 1.0), minus(0, 2.0)]), false)
            .unwrap()
            .0;
        assert!((1.5e6..2.0e6).contains(&fib), "{fib}");
        // A chain: factorial(500) makes 501 calls.
        assert_eq!(
            calls(&frame(&[500.0], vec![minus(0, 1.0)]), false),
            Some((501.0, 250.5))
        );
        // Memoised grid paths(r, c): one call per (r, c) pair.
        let grid = frame(&[300.0, 300.0], vec![minus(0, 1.0), minus(1, 1.0)]);
        assert_eq!(calls(&grid, true).unwrap().0, 301.0 * 301.0);
        // Merge sort of 1024 items: two halves per call, 2n - 1 calls.
        let halves = Site {
            per_call: 2.0,
            steps: vec![(0, Step::Divide(2.0))],
        };
        let (ms, work) = calls(&frame(&[1024.0], vec![halves]), false).unwrap();
        assert!((ms - 2047.0).abs() < 1.0, "{ms}");
        // ... and the top call's merge work once per level: 11 levels.
        assert!((work - 11.0).abs() < 1e-6, "{work}");
        // Nothing visibly shrinks: unknown.
        let none = Site {
            per_call: 1.0,
            steps: vec![],
        };
        assert_eq!(calls(&frame(&[5.0], vec![none]), false), None);
    }
}
