//! What the knowledge base and the idiom recognisers may ask of the analysis
//! that calls them: the [`Host`] trait, and the plain types that cross it.
//!
//! A library handler (`np.dot`, `heapq.heappush`, `sorted`) must build arrays,
//! record kernels and Python work, and sometimes call back into the program
//! (a key function, `map(f, xs)`, an instance's `__lt__`). It gets exactly
//! that, as a `&mut dyn Host`, never the interpreter itself: the
//! interpreter implements [`Host`] and depends on the knowledge base, which
//! depends only on this contract, on [`crate::value`] and on the array
//! semantics of [`crate::arrays`]. So there is no module cycle, and what a
//! handler can touch is written down here.

use crate::value::*;
use prescient_model::{Category, Kernel, Parallelism, PyOps, Sym};
use prescient_syntax::ast::Expr;
use std::rc::Rc;

/// What an unknown size is assumed to be when nothing better is known.
pub const DEFAULT_SIZE: f64 = 1000.0;

/// Where the analyser learns the sizes of input files named on the command line.
/// The CLI reads the real file system; tests supply a map.
pub trait FileProbe: Sync {
    fn size(&self, path: &str) -> Option<u64>;
    /// The first `n` bytes of the file (for `.npy` headers).
    fn head(&self, path: &str, n: usize) -> Option<Vec<u8>>;
}

/// A probe that knows no files.
pub struct NoFiles;
impl FileProbe for NoFiles {
    fn size(&self, _: &str) -> Option<u64> {
        None
    }
    fn head(&self, _: &str, _: usize) -> Option<Vec<u8>> {
        None
    }
}

/// Forward work recorded on tensors that require gradients, for `backward()`.
#[derive(Default)]
pub struct GradTape {
    pub flops: f64,
    pub act_bytes: f64,
    /// Depth of `torch.no_grad()` blocks entered.
    pub disabled: usize,
}

/// A kernel before loop multipliers are applied.
pub struct Draft {
    pub category: Category,
    pub pattern: String,
    pub flops: Sym,
    pub bytes_moved: Sym,
    pub alloc: Sym,
    pub dtype: Option<DType>,
    pub parallelism: Parallelism,
    pub affinity: &'static [&'static str],
    pub evidence: String,
}

/// How instances of a class compare in Python (see [`Host::python_order`]).
pub enum PythonOrder {
    /// A written `__lt__`.
    Method(Rc<FuncVal>),
    /// The `__lt__` of `@dataclass(order=True)` over this many fields: it
    /// builds a tuple of each side's fields and compares them.
    Fields(usize),
}

/// A file the program wrote: its size, and the array written if it was one.
pub type Written = (f64, Option<Rc<ArrayVal>>);

/// The context a library handler or an idiom recogniser runs in.
///
/// Costs are recorded at the point of the call: a kernel or a Python
/// operation counts once per execution of the innermost loop around it, so
/// handlers record per-call work and the host multiplies it out.
pub trait Host {
    // ---- sizes and assumptions ----

    /// The value of a symbolic size, with unknowns at their assumed values.
    fn num(&self, s: &Sym) -> f64;
    /// A new named unknown, assumed `assumed`, for the reason given.
    fn unknown(&mut self, base: &str, assumed: f64, reason: String) -> Sym;
    /// A new unknown integer (a count or a length) at the default size.
    fn unknown_int(&mut self, what: &str) -> Sym;
    /// A note for the report (deduplicated).
    fn note(&mut self, text: String);

    // ---- arrays and kernels ----

    /// A new array that owns its memory.
    fn new_array(&mut self, shape: Vec<Sym>, dtype: DType, lib: Lib, origin: Origin) -> Value;
    /// A view of `base` with a new shape: no memory of its own.
    fn view_of(&mut self, base: &ArrayVal, shape: Vec<Sym>) -> Value;
    /// Records a kernel; returns its index among the current statement's kernels.
    fn emit(&mut self, d: Draft) -> usize;
    /// A kernel of the current statement, by the index [`Host::emit`] gave.
    fn kernel_mut(&mut self, idx: usize) -> Option<&mut Kernel>;
    /// The kernel recorded last in the current statement.
    fn last_kernel_mut(&mut self) -> Option<&mut Kernel>;
    /// Removes the kernel recorded last (an idiom that fuses it into another).
    fn pop_kernel(&mut self) -> Option<Kernel>;
    /// Memory held for a moment within the statement.
    fn note_temp(&mut self, bytes: f64);
    /// An elementwise operator between two operands, as the interpreter costs
    /// `a * b` (broadcast, dtype, temporaries).
    fn array_binop(
        &mut self,
        l: Value,
        r: Value,
        flops: f64,
        name: &str,
        in_place: bool,
        boolean: bool,
    ) -> Value;
    /// Records forward work on `inputs` if any requires gradients.
    fn autograd(&mut self, inputs: &[&Value], flops_per_elem: f64, shape: &[Sym], dtype: DType);
    /// The gradient tape.
    fn grad(&mut self) -> &mut GradTape;

    // ---- Python-level work ----

    /// Adds interpreter operations: `f` gets the counters of the innermost
    /// loop and the number of times this point runs. Use `ops`, on `dyn Host`.
    fn ops_with(&mut self, f: &mut dyn FnMut(&mut PyOps, f64));
    /// How many times this point runs (the product of the active loops'
    /// trip counts), and its value.
    fn mult(&self) -> &Sym;
    fn mult_num(&self) -> f64;
    /// The share of executions the current branch is taken in.
    fn branch_share(&self) -> f64;
    /// Bytes a Python value holds.
    fn python_bytes(&self, v: &Value) -> f64;
    /// How a value orders itself when a sort or a heap compares it: a Python
    /// `__lt__`, or `None` where the comparison runs in C.
    fn python_order(&self, v: &Value) -> Option<PythonOrder>;
    /// `times` comparisons `l < r` in Python per execution of this point.
    fn python_compares(&mut self, order: PythonOrder, l: Value, r: Value, times: f64);
    /// The share of stores into `container` under `key` that add a new
    /// key, where keys repeat (`repeats`) or not.
    fn key_share(&mut self, container: &Expr, key: Option<&Expr>, repeats: bool) -> Sym;
    /// [`Host::key_share`] of a store into a set (`s.add(x)`).
    fn set_key_share(&mut self, container: &Expr, key: Option<&Expr>) -> Sym;
    /// A key of `container` (a dict or a set) that hashes in Python: its
    /// `__hash__` (and `__eq__`) run per operation.
    fn hash_key(&mut self, container: &Value, key: &Value);
    /// The share of stores under `key` that bring a key not stored before,
    /// where the values the key takes can be counted.
    fn variety_share(&mut self, container: &Expr, key: &Expr) -> Option<f64>;
    /// What a run of the program measured of the regular-expression calls
    /// on `line`: mean characters per call, matches per character.
    fn measured_text(&self, line: u32) -> Option<(f64, f64)>;
    /// The share of the stores a run of the program made into dicts on
    /// `line` that brought a new key (a `Counter` built from a list: its
    /// distinct items).
    fn measured_key_share(&self, line: u32) -> Option<f64>;
    /// Whether an instance is an item of a container the program holds
    /// (`b = self.nodes[j]`): storing it elsewhere stores a reference.
    fn held_in_container(&self, v: &Value) -> bool;
    /// The iterations of the innermost loop when a name keeps its value
    /// across them and they repeat: what it names is one object there.
    fn inner_loop_repeats(&self, name: &str) -> Option<f64>;

    // ---- loops ----

    /// Whether any loop is active.
    fn in_loop(&self) -> bool;
    /// The active loops of the current function, outermost first: their
    /// variables and trip counts.
    fn loop_chain(&self) -> Vec<(Vec<String>, Sym)>;
    /// Opens a loop the library runs (`map`, `np.vectorize`): work recorded
    /// until [`Host::exit_loop`] counts `trip` times.
    fn enter_loop(&mut self, vars: Vec<String>, trip: Sym, comprehension: bool);
    fn exit_loop(&mut self);
    /// The trip count of iterating `v` and the element it yields.
    fn iteration_named(&mut self, v: &Value, text: &str) -> (Sym, Value);

    // ---- the program ----

    /// The value a name is bound to, in the current scope.
    fn lookup(&self, name: &str) -> Option<Value>;
    /// The qualified library name an expression resolves to (`np.dot` ->
    /// `numpy.dot`).
    fn qual_of(&self, e: &Expr) -> Option<String>;
    /// The subscript a scalar was loaded from in this loop (`a = A[i][k]`).
    fn hoisted(&self, name: &str) -> Option<&Expr>;
    /// The value of an expression, without costing it.
    fn peek(&self, e: &Expr) -> Option<Value>;
    /// Binds `v` to an assignment target.
    fn assign(&mut self, target: &Expr, v: Value);
    /// Marks a target as growing by accumulation in the current loop.
    fn mark_accumulated_target(&mut self, target: &Expr);
    /// `v.attr`, as the interpreter evaluates it.
    fn attribute(&mut self, v: Value, attr: &str) -> Value;
    /// What `super()` is inside the method being analysed.
    fn super_proxy(&self) -> Value;
    /// Calls a user function.
    fn call_function(
        &mut self,
        f: &Rc<FuncVal>,
        pos: Vec<Value>,
        kw: Vec<(String, Value)>,
    ) -> Value;
    /// Calls any callable value with positional arguments.
    fn call_value_simple(&mut self, callee: Value, pos: Vec<Value>) -> Value;
    /// Calls a special method: a Python call with its frame.
    fn call_dunder(&mut self, f: &Rc<FuncVal>, args: Vec<Value>) -> Value;
    /// Calls `f` `times` times per execution of this point (a sort's key).
    fn call_times(&mut self, f: &Rc<FuncVal>, args: Vec<Value>, times: f64) -> Value;

    // ---- the world outside the program ----

    /// Sizes and heads of the input files.
    fn probe(&self) -> &dyn FileProbe;
    /// The program's command-line arguments.
    fn argv(&self) -> &[String];
    /// A file the program wrote earlier, by path.
    fn written(&self, path: &str) -> Option<Written>;
    /// Records that the program writes a file.
    fn wrote(&mut self, path: String, file: Written);
    /// Records that the program turned `v` into `size` characters or bytes
    /// in the way `how` names (`"json"`, `"pickle"`, `"join:,"` for
    /// `",".join(v)`), so that undoing it gives `v` back.
    fn note_made(&mut self, size: f64, how: &str, v: Value);
    /// What the program turned into `size` characters or bytes in the way
    /// `how` names, if it did.
    fn made(&self, size: f64, how: &str) -> Option<Value>;
    /// Records that a built-in stepped through `per_item` weighted steps
    /// per item of the container written `container`, which held `len`
    /// items then: where an enclosing loop grows it, the steps follow its
    /// size over the loop.
    fn note_walk(&mut self, container: &Expr, per_item: f64, len: f64);
    /// A library's process-wide setting the program made earlier
    /// (`logging.basicConfig(level=...)` sets `"logging.level"`).
    fn setting(&self, key: &str) -> Option<Value>;
    /// Records a library's process-wide setting.
    fn set_setting(&mut self, key: &str, v: Value);
}

impl dyn Host + '_ {
    /// Adds interpreter operations, as [`Host::ops_with`] with a closure.
    pub fn ops(&mut self, f: impl FnOnce(&mut PyOps, f64)) {
        let mut f = Some(f);
        self.ops_with(&mut |o, m| {
            if let Some(f) = f.take() {
                f(o, m)
            }
        });
    }
}
