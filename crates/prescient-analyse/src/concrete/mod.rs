//! Bounded concrete execution: runs a user function for real, on arguments
//! the analysis knows completely, to count how often each loop iterates and
//! each function is called.
//!
//! The abstract interpreter summarises a loop by its trip count, and some
//! trip counts depend on the data in a way no summary sees: a backtracking
//! search's pruning, a register machine's program counter, a maze carved and
//! then walked, a worklist that is drained and refilled. When such a loop
//! sits in a call whose arguments are all known (constants, containers of
//! constants, objects built from them, a random generator), the call is run
//! here, on a small interpreter of a subset of Python with its own values,
//! under a step budget. What it reports is only a [`Trace`] of counts; the
//! abstract interpreter still does the costing, and takes from the trace
//! the trips it could not know. Anything outside the subset, an exception
//! that escapes, or a run longer than the budget stops the execution, and
//! the abstract interpreter's own estimates stand.
//!
//! Draws from a random generator come from a generator of our own (the
//! same distributions, not the same numbers), so counts that depend on
//! random data are right on average, not exactly. The executor does no I/O:
//! it has no files, no clock and no printing.

mod argparse;
mod blocks;
mod builtins;
mod convert;
mod dates;
mod exec;
mod opaque;
mod sizes;
mod stdlib;
pub(crate) mod value;

use crate::value::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

pub(crate) use convert::SCALED_FROM;
pub(crate) use exec::Exec;
pub(crate) use sizes::size_literals;

/// Where a loop or function sits in the source: its line and column.
pub(crate) type At = (u32, u32);

/// The key [`Trace::keys`] counts a line's stores into sets under, apart
/// from its stores into dicts: `postings[w].add(d)` stores into the dict
/// (a new word, now and then) and into the set it picks (a new document,
/// nearly always) on one line, and their shares must not mix.
pub(crate) fn set_slot(line: u32) -> u32 {
    line | SET_SLOT
}

const SET_SLOT: u32 = 1 << 31;

/// What one concrete run counted.
#[derive(Default, Debug, Clone)]
pub(crate) struct Trace {
    /// Per loop (a `for` or `while` statement, a comprehension): how many
    /// times it was entered and how many iterations it ran in all.
    pub loops: HashMap<At, (u64, u64)>,
    /// Loops whose iterations per entry varied by more than half again
    /// between entries (a helper's loop over its argument, called on
    /// sizes 10 and 1000): their mean stands for no entry in particular.
    pub varied: HashSet<At>,
    /// Per statement: how many times it began to run.
    pub stmts: HashMap<At, u64>,
    /// Per function definition: how many times it was called.
    pub calls: HashMap<At, u64>,
    /// Per function definition: how many of those calls were outermost
    /// (not made, directly or not, from a call of the same function).
    pub roots: HashMap<At, u64>,
    /// Per line that stores into a dict under a key (`d[k] = ...`,
    /// `d[k] += 1`, `d.setdefault(k, ...)`, a defaultdict's `d[k]`): how
    /// many stores it made, and how many of them brought a new key. Stores
    /// into sets are counted apart, under [`set_slot`] of the line.
    pub keys: HashMap<u32, (u64, u64)>,
    /// Per line that stores into a dict under a key: how many of its
    /// stores went into a `Counter` (a dict subclass written in Python,
    /// whose stores cost several times a dict's).
    pub counter_stores: HashMap<u32, u64>,
    /// Per line that calls a regular expression: the calls, the
    /// characters of their subjects and the matches they found.
    pub text: HashMap<u32, (u64, u64, u64)>,
    /// Steps the run took.
    pub steps: u64,
    /// The smallest size a scaled run left among its arguments.
    pub smallest: i64,
}

impl Trace {
    /// Mean iterations per entry of the loop at `at`, if it ran.
    pub fn trips(&self, at: At) -> Option<f64> {
        self.loops
            .get(&at)
            .filter(|(entries, _)| *entries > 0)
            .map(|(entries, iters)| *iters as f64 / *entries as f64)
    }

    /// Mean calls of the function defined at `at` per outermost call.
    pub fn calls_per_root(&self, at: At) -> Option<f64> {
        let roots = *self.roots.get(&at).filter(|r| **r > 0)?;
        Some(*self.calls.get(&at)? as f64 / roots as f64)
    }
}

/// Why a concrete run stopped before its end.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Stop {
    /// It took more steps than its budget.
    Budget,
    /// It reached something the executor does not model.
    Unsupported(String),
    /// A Python exception escaped (by the name of its class).
    Raised(String),
}

/// How a run is set up: the module's `globals` (the analysis's values),
/// the program's path and arguments (`sys.argv`), the step budget, and
/// the scale its sizes are shrunk by.
pub(crate) struct Setup<'a> {
    pub globals: &'a BTreeMap<String, Value>,
    pub command_line: (&'a str, &'a [String]),
    pub budget: u64,
    /// Below 1, the integers from [`SCALED_FROM`] up among the arguments
    /// (also inside containers and objects) and on the command line, and
    /// the lengths of lists of repeated items, are multiplied by it: the
    /// same program on a smaller problem. The trace's `smallest` is then
    /// the smallest size left.
    pub scale: f64,
    /// The program's integer literals that are sizes ([`sizes`]), shrunk
    /// by `scale` too; None to leave every literal as written.
    pub sizes: Option<&'a HashSet<At>>,
}

/// Runs `callee` on `args` (abstract values, which must all be known).
/// Returns the counts, or why it stopped, and the steps it took either way.
pub(crate) fn run_call(
    setup: &Setup,
    callee: &Value,
    args: &[Value],
) -> (Result<Trace, Stop>, u64) {
    run(setup, |ex| {
        let f = ex.convert(callee)?;
        ex.scale = setup.scale;
        let pos = args
            .iter()
            .map(|a| ex.convert(a))
            .collect::<Result<Vec<_>, _>>();
        ex.scale = 1.0;
        ex.call(&f, pos?, Vec::new()).map(|_| ())
    })
}

/// Runs a module's statements from the top: the whole program. Its
/// functions and classes are the analysis's, taken by name as their
/// definitions run.
pub(crate) fn run_module(
    setup: &Setup,
    body: &[prescient_syntax::ast::Stmt],
) -> (Result<Trace, Stop>, u64) {
    run(setup, |ex| ex.exec_module(body))
}

fn run(
    setup: &Setup,
    what: impl FnOnce(&mut Exec) -> Result<(), Stop>,
) -> (Result<Trace, Stop>, u64) {
    let mut ex = Exec::new(setup.globals, setup.budget);
    ex.program = setup.command_line.0.to_string();
    ex.argv = setup.command_line.1.to_vec();
    ex.argv_scale = setup.scale;
    ex.size_literals = setup.sizes;
    let result = what(&mut ex);
    let result = finished(result, ex.line);
    let smallest = ex.smallest;
    let mut trace = ex.into_trace();
    trace.smallest = smallest;
    let steps = trace.steps;
    (result.map(|_| trace), steps)
}

/// `sys.exit()` ends a run as its end does; other stops say where.
fn finished(r: Result<(), Stop>, line: u32) -> Result<(), Stop> {
    match r {
        Err(Stop::Raised(e)) if e == "SystemExit" => Ok(()),
        Err(Stop::Raised(e)) => Err(Stop::Raised(format!("{e} at line {line}"))),
        Err(Stop::Unsupported(w)) => Err(Stop::Unsupported(format!("{w} (line {line})"))),
        other => other,
    }
}

#[cfg(test)]
mod tests;
