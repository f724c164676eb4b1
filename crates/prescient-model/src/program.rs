//! The program model: what the analyser found, in the form every later stage reads
//! and `prescient analyze --json` prints (schema `prescient.analysis/1`, documented in
//! `docs/schema/analysis.md`).
//!
//! Sizes here are numbers evaluated under the analysis' stated assumptions; where a
//! number depends on an unknown, the symbolic form is kept beside it.

use serde::{Deserialize, Serialize};

pub const ANALYSIS_SCHEMA: &str = "prescient.analysis/1";

/// The stable category vocabulary of kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Matmul,
    Nn,
    Crypto,
    Signal,
    Elementwise,
    Reduction,
    Sort,
    Io,
    Memory,
    Python,
    Other,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Matmul => "matmul",
            Category::Nn => "nn",
            Category::Crypto => "crypto",
            Category::Signal => "signal",
            Category::Elementwise => "elementwise",
            Category::Reduction => "reduction",
            Category::Sort => "sort",
            Category::Io => "io",
            Category::Memory => "memory",
            Category::Python => "python",
            Category::Other => "other",
        }
    }
}

/// How a kernel's work can use cores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Parallelism {
    /// Multi-threaded library code (BLAS/LAPACK, FFT backends, torch intra-op).
    Threaded,
    /// Vectorised single-threaded library code (numpy ufuncs, hashing).
    Serial,
    /// The Python interpreter itself: one core, per-bytecode overhead.
    Interpreter,
}

/// Interpreted operations by class, the unit the interpreter cost model is
/// calibrated in. Totals over all executions.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PyOps {
    pub loop_iters: f64,
    pub int_arith: f64,
    pub float_arith: f64,
    pub bit_ops: f64,
    pub indexing: f64,
    pub calls: f64,
    pub other: f64,
    /// Element reads and writes of numpy arrays from Python (`a[i, j]`), each
    /// creating a numpy scalar whose arithmetic is slower than a float's.
    #[serde(default)]
    pub numpy_index: f64,
    /// Calls of Python functions and methods (a new frame each), as against
    /// `calls` of built-in and library functions.
    #[serde(default)]
    pub py_calls: f64,
    /// Attribute reads and writes (`obj.x`, `self.x = v`).
    #[serde(default)]
    pub attr: f64,
    /// Comparisons (`a < b`, `x in s`, `x is None`).
    #[serde(default)]
    pub compare: f64,
    /// Container displays built (`[a, b]`, `(x, y)`, `{k: v}`, comprehensions).
    #[serde(default)]
    pub alloc: f64,
    /// Values unpacked into names: `a, b = pair`, `for i, x in
    /// enumerate(xs)`, `for k, v in d.items()`, one per name (a swap
    /// `a, b = b, a` unpacks nothing).
    #[serde(default)]
    pub unpack: f64,
    /// Instances of user classes created (`Point(x, y)`): the type's call
    /// and the object's allocation, on top of the `__init__` frame counted
    /// in `py_calls`.
    #[serde(default)]
    pub instances: f64,
    /// Objects the cyclic garbage collector tracks (lists, dicts, sets,
    /// instances) that a statement leaves alive. CPython runs a full
    /// collection each time such objects grow by a quarter, so each one added
    /// is traversed about five times over the run. Not an interpreter
    /// operation: it is costed apart from the fitted classes.
    #[serde(default)]
    pub gc_objects: f64,
    /// Visits of the cyclic garbage collector to tracked objects while the
    /// statement grew them (each young collection visits a new object once
    /// per generation; full collections visit every live one, and come
    /// more often than the objects grow while there are few of them). Where
    /// present, the collector is costed by these, not by `gc_objects`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub gc_visits: f64,
    /// 30-bit digits of integers that grow without bound (a factorial's
    /// product, a Fibonacci pair) that each operation on them works
    /// through, summed over the operations. Not an interpreter operation:
    /// costed apart from the fitted classes.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bigint_digits: f64,
    /// Accesses by key or computed index into a container too big for the
    /// caches (`adj[v]`, `k in seen`, `counts[w] += 1` on a dict of
    /// megabytes), each weighted by how likely it is to miss: 0 for a
    /// container of up to 2 MiB (a core's L2 cache), rising with the log of
    /// its size to 1 at 16 MiB. A miss costs several times the whole
    /// operation. Not an interpreter operation: costed apart from the fitted
    /// classes (the fit's snippets are small).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub cold_accesses: f64,
    /// Items built-in functions and operators step through in C: `x in xs`
    /// on a list, `max(xs)`, `sum(xs)`, `xs[a:b]`, `list(xs)`, the slots
    /// `xs.pop(0)` shifts. Each is weighted by its cost relative to one step
    /// of `in` over a list of ints (about 4.4 ns here): a step of `max` is
    /// 1.45, a copied slot of a slice 0.75, a shifted slot 0.023. Not an
    /// interpreter operation: costed apart from the fitted classes (one
    /// call covers any number of items).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub walked: f64,
    /// Bytes of Python objects a statement leaves alive beyond the most the
    /// program held before: memory the allocator takes fresh from the
    /// system (new arenas, first-touch page faults, cold cache lines).
    /// Costed apart.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fresh_bytes: f64,
    /// Exceptions raised and caught, each weighted by its cost relative to
    /// raising a Python exception of the program's own class (a failed
    /// `int("1.5")` formats its message: 3). Costed apart.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub raised: f64,
    /// Names read or written by code at module level, outside any function
    /// (a loop in a script with no `main()`): each a lookup in the module's
    /// dict, where a function's locals are slots. Costed apart.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub module_names: f64,
    /// Statements run, and the names they read or write (`x = y + i` reads
    /// two and writes one): the dispatch and local loads and stores the
    /// other classes leave out, which set the pace of a loop of many
    /// small statements (a `while` loop's test, an `if`/`elif` chain).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stmts: f64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub names: f64,
}

fn is_zero(x: &f64) -> bool {
    *x == 0.0
}

impl PyOps {
    pub fn total(&self) -> f64 {
        self.loop_iters
            + self.int_arith
            + self.float_arith
            + self.bit_ops
            + self.indexing
            + self.calls
            + self.other
            + self.numpy_index
            + self.py_calls
            + self.attr
            + self.compare
            + self.alloc
            + self.instances
            + self.unpack
    }

    /// A rough size of all the work, in units of an interpreted operation:
    /// [`Self::total`] and the work costed apart that can be as big (steps
    /// through containers in C, misses into big ones, raised exceptions,
    /// big-integer digits). Only to judge whether there is work worth a
    /// kernel: `Counter(words)` outside a loop runs no interpreted
    /// operation, yet steps through a million items.
    pub fn work_hint(&self) -> f64 {
        self.total()
            + self.walked
            + 10.0 * self.cold_accesses
            + 40.0 * self.raised
            + self.bigint_digits
    }

    /// Each operation class by name, in a fixed order: the features of the
    /// fitted interpreter cost model.
    pub fn classes(&self) -> [(&'static str, f64); 16] {
        [
            ("loop_iters", self.loop_iters),
            ("int_arith", self.int_arith),
            ("float_arith", self.float_arith),
            ("bit_ops", self.bit_ops),
            ("indexing", self.indexing),
            ("calls", self.calls),
            ("other", self.other),
            ("numpy_index", self.numpy_index),
            ("py_calls", self.py_calls),
            ("attr", self.attr),
            ("compare", self.compare),
            ("alloc", self.alloc),
            ("instances", self.instances),
            ("unpack", self.unpack),
            ("stmts", self.stmts),
            ("names", self.names),
        ]
    }

    pub fn scaled(&self, k: f64) -> PyOps {
        PyOps {
            loop_iters: self.loop_iters * k,
            int_arith: self.int_arith * k,
            float_arith: self.float_arith * k,
            bit_ops: self.bit_ops * k,
            indexing: self.indexing * k,
            calls: self.calls * k,
            other: self.other * k,
            numpy_index: self.numpy_index * k,
            py_calls: self.py_calls * k,
            attr: self.attr * k,
            compare: self.compare * k,
            alloc: self.alloc * k,
            instances: self.instances * k,
            unpack: self.unpack * k,
            gc_objects: self.gc_objects * k,
            gc_visits: self.gc_visits * k,
            bigint_digits: self.bigint_digits * k,
            cold_accesses: self.cold_accesses * k,
            walked: self.walked * k,
            fresh_bytes: self.fresh_bytes * k,
            raised: self.raised * k,
            module_names: self.module_names * k,
            stmts: self.stmts * k,
            names: self.names * k,
        }
    }

    pub fn add(&mut self, o: &PyOps) {
        self.loop_iters += o.loop_iters;
        self.int_arith += o.int_arith;
        self.float_arith += o.float_arith;
        self.bit_ops += o.bit_ops;
        self.indexing += o.indexing;
        self.calls += o.calls;
        self.other += o.other;
        self.numpy_index += o.numpy_index;
        self.py_calls += o.py_calls;
        self.attr += o.attr;
        self.compare += o.compare;
        self.alloc += o.alloc;
        self.instances += o.instances;
        self.unpack += o.unpack;
        self.gc_objects += o.gc_objects;
        self.gc_visits += o.gc_visits;
        self.bigint_digits += o.bigint_digits;
        self.cold_accesses += o.cold_accesses;
        self.walked += o.walked;
        self.fresh_bytes += o.fresh_bytes;
        self.raised += o.raised;
        self.module_names += o.module_names;
        self.stmts += o.stmts;
        self.names += o.names;
    }

    /// Takes away `o` (counts recorded before a mark), never below zero.
    pub fn sub(&mut self, o: &PyOps) {
        let d = |a: &mut f64, b: f64| *a = (*a - b).max(0.0);
        d(&mut self.loop_iters, o.loop_iters);
        d(&mut self.int_arith, o.int_arith);
        d(&mut self.float_arith, o.float_arith);
        d(&mut self.bit_ops, o.bit_ops);
        d(&mut self.indexing, o.indexing);
        d(&mut self.calls, o.calls);
        d(&mut self.other, o.other);
        d(&mut self.numpy_index, o.numpy_index);
        d(&mut self.py_calls, o.py_calls);
        d(&mut self.attr, o.attr);
        d(&mut self.compare, o.compare);
        d(&mut self.alloc, o.alloc);
        d(&mut self.instances, o.instances);
        d(&mut self.unpack, o.unpack);
        d(&mut self.gc_objects, o.gc_objects);
        d(&mut self.gc_visits, o.gc_visits);
        d(&mut self.bigint_digits, o.bigint_digits);
        d(&mut self.cold_accesses, o.cold_accesses);
        d(&mut self.walked, o.walked);
        d(&mut self.fresh_bytes, o.fresh_bytes);
        d(&mut self.raised, o.raised);
        d(&mut self.module_names, o.module_names);
        d(&mut self.stmts, o.stmts);
        d(&mut self.names, o.names);
    }
}

/// Symbolic forms of a kernel's numbers, present when they depend on unknowns.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SymbolicCost {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flops: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_moved: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_allocated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<String>,
}

impl SymbolicCost {
    pub fn is_empty(&self) -> bool {
        self.flops.is_none()
            && self.bytes_moved.is_none()
            && self.bytes_allocated.is_none()
            && self.count.is_none()
    }
}

/// One recognised unit of work.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kernel {
    pub category: Category,
    /// How the work is written: `numpy.matmul`, `loop.matmul`, `hashlib.sha256`, ...
    pub pattern: String,
    pub line: u32,
    /// Floating-point (or, for crypto and integer work, primitive) operations, total
    /// over all `count` executions.
    pub flops: f64,
    /// Bytes read plus bytes written, total over all executions.
    pub bytes_moved: f64,
    /// Bytes one execution allocates (results and temporaries): its memory footprint.
    pub bytes_allocated: f64,
    /// How many times the kernel runs (loop trip counts multiplied out).
    pub count: f64,
    pub parallelism: Parallelism,
    /// Element type of the data, when known (`float64`, `uint8`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dtype: Option<String>,
    /// ISA features or accelerators the kernel profits from (`fma`, `avx2`, `aes`,
    /// `sha`, `gpu`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub affinity: Vec<String>,
    /// Interpreted operations by class, for `python` work.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub py_ops: Option<PyOps>,
    /// The user function this kernel was found in, if not at module level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// e.g. `line 12: a @ b, 3000x3000 @ 3000x3000 float64 -> matmul, 54 GFLOP`.
    pub evidence: String,
    /// For matrix products: `m`, `n`, `k` of one call (batches folded into
    /// `m`); for index grids, the elements of one call; for integer-array
    /// indexing (`numpy.take`), the rows one call picks and the share of
    /// them likely to miss the caches.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub dims: Vec<f64>,
    /// Predicted wall seconds on the node, over all executions (set by prediction).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub predicted_seconds: Option<f64>,
    /// Wall seconds the kernel takes whatever the machine (sleeping, waiting), total.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub seconds: Option<f64>,
    #[serde(skip_serializing_if = "SymbolicCost::is_empty", default)]
    pub symbolic: SymbolicCost,
    /// Fixed cost of one execution in ufunc calls ([`crate::dispatch`]),
    /// where the analyser knows better than the pattern: the sum over the
    /// steps of a fused idiom. 0: the pattern's own.
    #[serde(skip_serializing_if = "is_zero", default)]
    pub call_units: f64,
}

impl Kernel {
    /// Fixed cost of one execution, in ufunc calls on small arrays.
    pub fn call_units(&self) -> f64 {
        if self.call_units > 0.0 {
            self.call_units
        } else {
            crate::dispatch::numpy_call_units(&self.pattern)
        }
    }
}

/// Memory facts the analyser can state from lifetimes alone.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SectionMemory {
    /// Bytes of arrays and buffers reachable from the namespace when the section ends.
    pub live_bytes_after: f64,
    /// Live bytes at the section's start plus the largest set of allocations alive
    /// together inside it (an upper bound: temporaries are counted until their
    /// statement ends).
    pub peak_bytes: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Section {
    pub index: usize,
    pub start_line: u32,
    pub end_line: u32,
    /// True when the job can be checkpointed and moved before this section starts.
    pub safe_point: bool,
    /// Why the start is not a safe point, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_point_blocker: Option<String>,
    /// `module`, or the name of the entry function (e.g. `main`) whose body this is.
    pub scope: String,
    /// For a top-level `for` loop: its trip count; each iteration is a safe point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iterations: Option<f64>,
    pub kernels: Vec<Kernel>,
    pub memory: SectionMemory,
    /// Predicted demand of the section on the node (absent when not predicted).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub predicted: Option<SectionPrediction>,
}

/// A range a predicted quantity is expected to fall in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SectionPrediction {
    pub wall_seconds: f64,
    /// Where the section's wall time is expected to fall.
    #[serde(default)]
    pub wall_interval: Interval,
    pub cpu_seconds: f64,
    /// Peak resident set of the process while the section runs.
    pub peak_memory_bytes: f64,
    /// Where the section's peak is expected to fall.
    #[serde(default)]
    pub peak_memory_interval: Interval,
    /// Cores kept busy on average (`cpu_seconds / wall_seconds`).
    pub cores: f64,
    /// ISA features or accelerators the section profits from.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub affinity: Vec<String>,
    /// Categories by share of the section's time, largest first.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub categories: Vec<(Category, f64)>,
}

/// Whole-program prediction on one node.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ProgramPrediction {
    /// Node fingerprint id and CPU model the prediction is for.
    pub node: String,
    pub node_cpu: String,
    /// Elapsed time of the whole process.
    pub wall_seconds: f64,
    pub wall_interval: Interval,
    /// User plus system CPU time of the whole process.
    pub cpu_seconds: f64,
    pub cpu_interval: Interval,
    /// Maximum resident set of the process (what `/usr/bin/time -f %M` reports, in bytes).
    pub peak_memory_bytes: f64,
    pub peak_memory_interval: Interval,
    /// Interpreter start-up and imports, included above.
    pub startup_seconds: f64,
    /// Resident set of the interpreter with the program's imports, included above.
    pub baseline_memory_bytes: f64,
    /// How the data of the section that sets the peak was sized, which sets
    /// how wide the memory interval is.
    #[serde(default)]
    pub peak_memory_basis: MemoryBasis,
    /// How the work that takes most of the predicted time was costed, which
    /// sets how wide the time interval is.
    #[serde(default)]
    pub wall_basis: TimeBasis,
    /// BLAS threads assumed.
    pub threads: u32,
    /// How history was used: `none`, `corrected (N runs)`, `exact (N runs)`.
    pub history: String,
}

/// How a section's memory was sized, from the most certain to the least.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemoryBasis {
    /// Arrays and buffers of concrete sizes: exact but for their dtype.
    #[default]
    Arrays,
    /// Python objects, sized from one iteration's growth and typical object
    /// sizes (filters, sharing and distinct keys estimated).
    Objects,
    /// Sizes the analyser had to assume.
    Assumed,
}

impl MemoryBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            MemoryBasis::Arrays => "arrays",
            MemoryBasis::Objects => "objects",
            MemoryBasis::Assumed => "assumed",
        }
    }
}

/// How a kernel's time was costed, from the most certain to the least.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeBasis {
    /// Library work on concrete sizes, at calibrated rates.
    #[default]
    Library,
    /// Interpreted Python, by the fitted model over counted operations.
    Interpreted,
    /// Work whose size or trip count the analyser had to assume.
    Assumed,
}

impl TimeBasis {
    pub fn as_str(self) -> &'static str {
        match self {
            TimeBasis::Library => "library",
            TimeBasis::Interpreted => "interpreted",
            TimeBasis::Assumed => "assumed",
        }
    }
}

/// A size or count the analyser could not know, and what it assumed instead.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unknown {
    pub symbol: String,
    pub assumed: f64,
    pub line: u32,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnresolvedCall {
    pub name: String,
    pub line: u32,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CallStats {
    /// Calls to library and builtin functions seen (user functions are analysed, not counted).
    pub total: usize,
    pub understood: usize,
    /// `understood / total`, 1.0 when there were no calls.
    pub share: f64,
}

/// The whole analysis of one program run with one argument list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Analysis {
    pub schema: String,
    pub file: String,
    pub args: Vec<String>,
    /// SHA-256 of the source, hex: identifies code seen before.
    pub source_hash: String,
    pub sections: Vec<Section>,
    pub unknowns: Vec<Unknown>,
    pub unresolved_calls: Vec<UnresolvedCall>,
    pub calls: CallStats,
    /// Libraries the program imports (top-level package names).
    pub imports: Vec<String>,
    /// Other assumptions and limits of the analysis, in words.
    pub notes: Vec<String>,
    /// Predicted demand of the whole program (absent when not predicted).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub prediction: Option<ProgramPrediction>,
}

impl Analysis {
    pub fn kernels(&self) -> impl Iterator<Item = &Kernel> {
        self.sections.iter().flat_map(|s| s.kernels.iter())
    }
}

/// Allocations of tracked objects before CPython 3.11's first full
/// collection: 700 for a young one, times 10 for the middle generation,
/// times 10 for a full one.
const GC_FIRST_FULL: f64 = 70_000.0;

/// Visits of the cyclic garbage collector to tracked objects while a
/// program grows them from none to `n` kept alive. Each new object is
/// visited once by a young collection and once by a middle one. A full
/// collection runs every 70 thousand allocations, but only while those
/// are more than a quarter of the objects already long-lived: up to
/// 280 thousand live objects, every 70 thousand (`n^2 / 140000` visits in
/// all); beyond, each time they grow by a quarter, which visits each
/// object five times over the growth.
pub fn gc_visits_growing(n: f64) -> f64 {
    let n = n.max(0.0);
    let young = 2.0 * n;
    let full = if n <= 4.0 * GC_FIRST_FULL {
        n * n / (2.0 * GC_FIRST_FULL)
    } else {
        8.0 * GC_FIRST_FULL + 5.0 * (n - 4.0 * GC_FIRST_FULL)
    };
    young + full
}

#[cfg(test)]
mod gc_tests {
    use super::gc_visits_growing;

    #[test]
    fn visits_per_object_rise_with_the_population_then_level_off() {
        let per = |n: f64| gc_visits_growing(n) / n;
        assert!((per(50_000.0) - 2.36).abs() < 0.01);
        assert!((per(200_000.0) - 3.43).abs() < 0.01);
        assert!((per(1_000_000.0) - 6.16).abs() < 0.01);
        assert!(per(3_000_000.0) < 7.0);
        // Continuous where the schedule changes.
        let at = 280_000.0;
        assert!((gc_visits_growing(at - 1.0) - gc_visits_growing(at + 1.0)).abs() < 20.0);
        assert_eq!(gc_visits_growing(0.0), 0.0);
    }
}
