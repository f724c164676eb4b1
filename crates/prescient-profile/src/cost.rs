//! Time and CPU of one kernel on a calibrated node.
//!
//! Each pattern maps to the calibration measurement of the same operation
//! (`ew.exp` for `numpy.exp`, `hash.sha256` for `hashlib.sha256`, the GEMM rate at
//! the product's size for `numpy.matmul`, ...). Where a rate is missing the
//! defaults below stand in: typical of a current x86 server core.

use prescient_model::{Category, Kernel, NodeProfile, Parallelism, PyOps};

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Cost {
    pub wall: f64,
    pub cpu: f64,
}

fn rate(node: &NodeProfile, key: &str, default: f64) -> f64 {
    node.rate(key).unwrap_or(default)
}

fn last(pattern: &str) -> &str {
    pattern.rsplit('.').next().unwrap_or(pattern)
}

/// Seconds the cyclic garbage collector spends per tracked object a program
/// leaves alive, on the reference node (Python 3.11, AMD EPYC): measured as
/// the difference with `gc.disable()` on programs that build 0.05-1 million
/// instances, lists and dicts (0.4-0.75 us each; full collections traverse
/// every live object about five times, each visit a likely cache miss).
pub const GC_SECONDS_PER_OBJECT: f64 = 0.6e-6;

/// Seconds per visit of the collector to a tracked object
/// (`PyOps::gc_visits`), on the reference node: the difference with
/// `gc.disable()` of building 50 thousand to 3 million dataclass or plain
/// instances kept in a list was 75, 250, 430-520 and 470-640 ns per object
/// at 50 thousand, 200 thousand, one million and three million, which the
/// collector's schedule (`prescient_model::gc_visits_growing`) puts at 2.4,
/// 3.4, 6.2 and 6.7 visits per object: 73-82 ns a visit from 200 thousand
/// on (the 50 thousand, all young and cached, are cheaper).
pub const GC_SECONDS_PER_VISIT: f64 = 75e-9;

/// Seconds per 30-bit digit an operation on a big integer works through, on
/// the reference node: measured on factorials (a big times a small integer,
/// 0.92-0.95 ns per digit at 10-40 thousand factors) and Fibonacci pairs (a
/// big plus a big, 0.62-0.76 ns at 50-200 thousand steps).
pub const BIGINT_SECONDS_PER_DIGIT: f64 = 0.8e-9;

/// Seconds an access into a container far bigger than the caches costs
/// beyond the operation itself, on the reference node: a random key or
/// index into a list, dict or set of 1-3 million entries, or an attribute
/// of a random instance among them, took 310-700 ns more than into one of a
/// thousand (the slot, then the object it points to, each a likely miss
/// on this virtual machine). `PyOps::cold_accesses` weighs each access by
/// how likely it misses.
pub const COLD_ACCESS_SECONDS: f64 = 350e-9;

/// Seconds per byte of Python objects left alive beyond the most the
/// program held before (`PyOps::fresh_bytes`), on the reference node:
/// keeping a million strings, floats or 4-tuples alive cost 0.48-0.54 ns
/// per byte more than making and dropping them, the collector's passes
/// taken away (fresh arenas and pages, first touched).
pub const FRESH_SECONDS_PER_BYTE: f64 = 0.5e-9;

/// Seconds of raising an exception of a program's own class and catching
/// it a frame or two up (`try: ... raise Refused(...) ... except
/// Refused:`), on the reference node: 140 ns more than the same loop without
/// it (a `KeyError` from `d[k]` 100 ns; a failed `int("1.5")` 420 ns, most
/// of it formatting the message). `PyOps::raised` weighs each.
pub const RAISE_SECONDS: f64 = 140e-9;

/// Seconds a name read or written at module level costs beyond the same
/// access to a function's local (`PyOps::module_names`), on the reference
/// node: a loop of three assignments run at module level took 0.29-0.39 s
/// for 2 million iterations against 0.15-0.19 s in a function, 6-8 ns more
/// for each of its 12 name accesses per iteration (a dict lookup or store,
/// where a local is a slot).
pub const MODULE_NAME_SECONDS: f64 = 7e-9;

/// A comparison `sorted` makes between two floats or ints, in units of the
/// interpreter's float operation (`interp.float_arith`): CPython compares
/// keys of one built-in type without the generic protocol. Measured on the
/// reference node: 2.9-3.3 ns per `n log2 n` for 100-1,000 floats or ints,
/// against 5.8 ns for a float operation in a loop. The analyser weighs the
/// count by what is compared (strings 1.4, tuples 2.3) and by the sort's
/// size (`kb::pystd::sort_size_factor`: 3x at 100,000 items).
pub const SORT_COMPARE_PER_FLOAT_OP: f64 = 0.55;

/// Seconds of one step a built-in takes through a container in C
/// (`PyOps::walked`), on the reference node: `x in xs` over a list of
/// 100-1,000 ints or strings that does not hold `x`, 4.3-4.4 ns per item.
pub const WALK_SECONDS_PER_ITEM: f64 = 4.4e-9;

/// Seconds of interpreted work: the fitted model (`interp_fit.rs`) scaled to
/// this node, or the microbenchmark model where no fit is shipped; plus the
/// garbage collector's traversals of the objects the work leaves alive.
pub fn interpreter_seconds(ops: &PyOps, node: &NodeProfile) -> f64 {
    match crate::interp_fit::shipped() {
        Some(fit) => fit.seconds(ops, node) + apart_seconds(ops) * fit.correction(node),
        None => {
            microbenchmark_seconds(ops, node) + apart_seconds(ops) * rate(node, "interp.scale", 1.0)
        }
    }
}

/// Work costed apart from the fitted classes, on the reference node: the
/// collector's traversals, big-integer digits, cache misses, the items
/// built-ins step through in C and fresh memory for objects kept alive.
pub fn apart_seconds(ops: &PyOps) -> f64 {
    gc_seconds(ops)
        + ops.bigint_digits * BIGINT_SECONDS_PER_DIGIT
        + ops.cold_accesses * COLD_ACCESS_SECONDS
        + ops.walked * WALK_SECONDS_PER_ITEM
        + ops.fresh_bytes * FRESH_SECONDS_PER_BYTE
        + ops.raised * RAISE_SECONDS
        + ops.module_names * MODULE_NAME_SECONDS
}

/// The collector's time: by its visits where the analysis counted them,
/// else (analyses made before they were) by the objects left alive.
fn gc_seconds(ops: &PyOps) -> f64 {
    if ops.gc_visits > 0.0 {
        ops.gc_visits * GC_SECONDS_PER_VISIT
    } else {
        ops.gc_objects * GC_SECONDS_PER_OBJECT
    }
}

/// The model the fit replaced, kept as its fallback and as the yardstick
/// `prescient fit-interp` reports against: each class at the rate of its
/// calibration microbenchmark, times `interp.scale`.
pub fn microbenchmark_seconds(ops: &PyOps, node: &NodeProfile) -> f64 {
    let r = |k: &str, d: f64| rate(node, k, d);
    // `interp.scale` relates the operation counts to measured loop nests (set at
    // calibration from reference programs): name loads and stores are not counted.
    r("interp.scale", 1.0)
        * (ops.loop_iters * r("interp.loop_iter", 15e-9)
            + ops.int_arith * r("interp.int_arith", 13e-9)
            + ops.float_arith * r("interp.float_arith", 9e-9)
            + ops.bit_ops * r("interp.bit_op", 20e-9)
            + ops.indexing * r("interp.index", 9e-9)
            + (ops.calls + ops.py_calls + 2.0 * ops.instances) * r("interp.call", 25e-9)
            + (ops.other + ops.attr + ops.compare + ops.alloc) * r("interp.attr", 17e-9))
        // Measured as a whole (read plus numpy-scalar arithmetic): not scaled.
        + ops.numpy_index * r("interp.np_index", 150e-9)
}

/// Seconds of one ufunc call on small arrays on this node, timed in a loop
/// of calls at calibration (`numpy.call`). Profiles measured before that
/// figure existed have only a single call timed between two clock reads
/// (`numpy.call_overhead`), which the clock's own cost inflates: on the
/// reference node the loop gives 0.46 of it.
fn numpy_call(node: &NodeProfile) -> f64 {
    node.rate("numpy.call")
        .unwrap_or_else(|| rate(node, "numpy.call_overhead", 1e-6) * 0.46)
}

/// Fixed seconds of all the kernel's calls: each costs its entry point's
/// units (`prescient_model::dispatch`) of a ufunc call.
fn call_seconds(k: &Kernel, node: &NodeProfile) -> f64 {
    k.count.max(1.0) * k.call_units() * numpy_call(node)
}

/// Interpolates a size-dependent rate `prefix.{n}` (log-log) at size `n`.
fn sized_rate(node: &NodeProfile, prefix: &str, suffix: &str, n: f64) -> Option<f64> {
    let mut pts: Vec<(f64, f64)> = node
        .rates
        .iter()
        .filter_map(|(k, v)| {
            let rest = k.strip_prefix(prefix)?.strip_prefix('.')?;
            let (size, tail) = match rest.split_once('.') {
                Some((s, t)) => (s, t),
                None => (rest, ""),
            };
            (tail == suffix).then(|| size.parse::<f64>().ok().map(|s| (s, *v)))?
        })
        .collect();
    if pts.is_empty() {
        return None;
    }
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    if n <= pts[0].0 {
        // Below the smallest size a rate falls with the volume of work; a ratio
        // (CPU per wall second) stays as measured.
        let (s0, r0) = pts[0];
        let f = if suffix.is_empty() {
            (n / s0).clamp(0.05, 1.0)
        } else {
            1.0
        };
        return Some(r0 * f);
    }
    if n >= pts[pts.len() - 1].0 {
        return Some(pts[pts.len() - 1].1);
    }
    for w in pts.windows(2) {
        let ((a, ra), (b, rb)) = (w[0], w[1]);
        if n >= a && n <= b {
            let t = (n.ln() - a.ln()) / (b.ln() - a.ln());
            return Some((ra.ln() + t * (rb.ln() - ra.ln())).exp());
        }
    }
    None
}

/// A matrix times a vector (`X @ w`, `A.T @ y`): it reads the matrix once,
/// two flops a number, so memory sets its pace, not the GEMM rate a
/// product of that few flops would be costed at. Measured on the reference
/// node (2 BLAS threads): 50-60 GB/s for a matrix in the caches (512 KiB),
/// 80-90 at 8 MiB, 40 at 32 MiB, 14-17 at 100 MiB, half the stream rate
/// there; a call on a tiny matrix about 2.5 us.
fn matrix_vector(k: &Kernel, node: &NodeProfile, threads: u32) -> Cost {
    let count = k.count.max(1.0);
    let bytes = k.bytes_moved / count;
    const CACHED: f64 = 8.0 * 1048576.0;
    const STREAMED: f64 = 100.0 * 1048576.0;
    let near: f64 = 60e9;
    let far = rate(node, "mem.triad", 2e10) * 0.5;
    let bw = if bytes <= CACHED {
        near
    } else {
        let t = ((bytes / CACHED).ln() / (STREAMED / CACHED).ln()).min(1.0);
        (near.ln() + t * (far.ln() - near.ln())).exp()
    };
    let wall = count * bytes / bw + call_seconds(k, node);
    // OpenBLAS splits a big product over its threads; a small one runs on one.
    let cores = if bytes > 1048576.0 {
        threads.max(1) as f64
    } else {
        1.0
    };
    Cost {
        wall,
        cpu: wall * cores,
    }
}

/// Dense linear algebra (BLAS/LAPACK or a framework's kernels).
fn blas(k: &Kernel, node: &NodeProfile, threads: u32) -> Cost {
    let count = k.count.max(1.0);
    let per_call = k.flops / count;
    // Thin products run far below the square-matrix rate: size the rate by the
    // smallest dimension when the shapes are known.
    let cube = (per_call / 2.0).cbrt().max(1.0);
    let n = match k.dims.as_slice() {
        [m, n, kk] => (2.0 * m.min(*n).min(*kk)).min(cube).max(1.0),
        _ => cube,
    };
    if let [m, n, _] = k.dims.as_slice() {
        // Float products go to BLAS; integer ones to numpy's own loops,
        // costed below.
        if m.min(*n) <= 1.0
            && !k.pattern.contains(".linalg.")
            && k.parallelism == Parallelism::Threaded
        {
            return matrix_vector(k, node, threads);
        }
    }
    let single = matches!(k.dtype.as_deref(), Some("float32" | "float16" | "bfloat16"));
    let dtype = if single { "float32" } else { "float64" };
    let mut r = sized_rate(node, &format!("gemm.{dtype}"), "", n).unwrap_or(if single {
        1.5e11
    } else {
        8e10
    });
    let mut ratio =
        sized_rate(node, &format!("gemm.{dtype}"), "cpu_ratio", n).unwrap_or(threads as f64);
    // A complex multiply-add is four real ones.
    let complex = if matches!(k.dtype.as_deref(), Some("complex64" | "complex128")) {
        0.25
    } else {
        1.0
    };
    r *= complex;
    let name = last(&k.pattern);
    if k.pattern.contains(".linalg.") {
        // The calibration measurement each routine is costed at, and its
        // flops per call as `c n^3` for an `n`-by-`n` matrix (the counts the
        // analyser uses), from which the matrix's order follows.
        let (key, c) = match name {
            "solve" | "cho_solve" | "lu_solve" | "solve_triangular" | "det" | "slogdet" | "lu"
            | "lu_factor" => ("lapack.solve", 2.0 / 3.0),
            "lstsq" => ("lapack.solve", 8.0),
            "inv" | "pinv" => ("lapack.inv", 2.0),
            "cholesky" | "cho_factor" => ("lapack.cholesky", 1.0 / 3.0),
            "qr" => ("lapack.qr", 4.0 / 3.0),
            "svd" | "svdvals" => ("lapack.svd", 26.0),
            "eigh" => ("lapack.eigh", 9.0),
            "eigvalsh" => ("lapack.eigh", 4.0 / 3.0),
            "eig" => ("lapack.eig", 25.0),
            "eigvals" => ("lapack.eig", 10.0),
            _ => ("lapack.solve", 2.0 / 3.0),
        };
        let order = (per_call / c).cbrt().max(1.0);
        // The order the rates were measured at (a profile from before it was
        // kept: 512, or 256 by a quick calibration).
        let at = rate(node, "lapack.n", if node.quick { 256.0 } else { 512.0 });
        let base = rate(node, key, r * 0.3);
        r = if order < at {
            // Below the calibrated size LAPACK's panels and set-up weigh more
            // than GEMM's: measured here, its rate falls as `n^0.8` (solve
            // 20 GFLOP/s at 512, 10.8 at 120, 2.4 at 32; eigh 40, 20, 4.4).
            base * (order / at).powf(0.8)
        } else {
            // Above it, LAPACK approaches GEMM speed as matrices grow.
            let g_at = sized_rate(node, &format!("gemm.{dtype}"), "", at).unwrap_or(r);
            (base * (r / complex / g_at).clamp(1.0, 3.0)).min(r / complex)
        } * complex;
        if name == "eigvalsh" {
            // Eigenvalues alone skip the eigenvectors but not the reduction
            // to tridiagonal form, which is matrix-vector bound: measured at
            // 32-512, `eigvalsh` took 2.1-4.0 times what its textbook count
            // would at `eigh`'s rate.
            r /= 3.0;
        }
        if name == "eigvals" {
            // Eigenvalues alone skip the eigenvectors' back-substitution,
            // but the Hessenberg QR iterations that dominate remain:
            // measured at orders 256-1024, `eigvals` took 0.64-0.77 of
            // `eig`'s time, not the 10/25 the textbook counts say.
            r *= 10.0 / 17.5;
        }
        ratio = rate(node, &format!("{key}.cpu_ratio"), ratio);
    }
    if k.parallelism != Parallelism::Threaded {
        // Integer products do not use BLAS: numpy's generic loops.
        r = rate(node, "ew.add", 2e9) * 0.5;
        ratio = 1.0;
    }
    if threads <= 1 {
        let t1 = rate(
            node,
            "gemm.float64.512.threads1",
            r / node.blas_threads.max(1) as f64,
        );
        r = r.min(t1 * if single { 2.0 } else { 1.0 });
        ratio = 1.0;
    }
    let wall = k.flops / r + call_seconds(k, node);
    Cost {
        wall,
        cpu: wall * ratio.clamp(1.0, threads.max(1) as f64 * 1.3),
    }
}

/// Largest allocation glibc serves from its reusable heap (its dynamic mmap
/// threshold tops out here); larger blocks are fresh pages every time.
const MMAP_MAX: f64 = 32.0 * 1024.0 * 1024.0;

/// Seconds spent faulting in freshly allocated pages: every execution for large
/// blocks, once (then reused from the heap) for smaller ones.
fn first_touch(k: &Kernel, node: &NodeProfile) -> f64 {
    let per_alloc = k.bytes_allocated;
    let bytes = if per_alloc >= MMAP_MAX {
        per_alloc * k.count.max(1.0)
    } else {
        per_alloc
    };
    bytes / rate(node, "mem.first_touch", 1e9)
}

/// Elementwise, reduction and creation work: the slower of compute and memory.
fn vectorised(k: &Kernel, node: &NodeProfile) -> f64 {
    let name = last(&k.pattern);
    let (key, weight) = match name {
        "exp" | "expm1" | "exp2" | "logaddexp" => ("ew.exp", 20.0),
        "log" | "log2" | "log10" | "log1p" => ("ew.log", 20.0),
        "sin" | "cos" | "tan" | "arcsin" | "arccos" | "arctan" | "sinh" | "cosh" | "arcsinh"
        | "arccosh" | "arctanh" | "sinc" => ("ew.sin", 20.0),
        "tanh" | "sigmoid" | "expit" | "erf" | "gelu" => ("ew.tanh", 20.0),
        "sqrt" | "cbrt" | "reciprocal" | "rsqrt" => ("ew.sqrt", 4.0),
        "hypot" => ("ew.hypot", 4.0),
        "divide" | "true_divide" | "div" => ("ew.div", 4.0),
        "remainder" | "mod" | "fmod" => ("ew.mod", 8.0),
        "floor_divide" => ("ew.floordiv", 8.0),
        "power" | "float_power" | "pow" | "arctan2" | "atan2" => ("ew.power", 40.0),
        "var" | "std" | "nanvar" | "nanstd" => ("red.var", 4.0),
        "max" | "min" | "amax" | "amin" | "argmax" | "argmin" | "ptp" => ("red.max", 1.0),
        "sum" | "mean" | "prod" | "nansum" | "nanmean" | "average" | "cumsum" | "cumprod"
        | "trace" | "norm" => ("red.sum", 1.0),
        _ => ("ew.add", 1.0),
    };
    let compute = k.flops / (ew_rate(node, key) * weight);
    let memory = k.bytes_moved / rate(node, "mem.triad", 2e10);
    compute.max(memory) + first_touch(k, node) + call_seconds(k, node)
}

/// Elements per second of the elementwise or reduction loop `key`. NumPy's
/// `hypot` is no vectorised loop but a libm call per element: 18.8 ns an
/// element against 1.2 for `sqrt` on the reference node. Profiles calibrated
/// before `ew.hypot` was measured take `sqrt`'s rate over that ratio.
fn ew_rate(node: &NodeProfile, key: &str) -> f64 {
    match (key, node.rate(key)) {
        (_, Some(r)) => r,
        ("ew.hypot", None) => rate(node, "ew.sqrt", 2e9) / 15.0,
        _ => 2e9,
    }
}

fn creation(k: &Kernel, node: &NodeProfile) -> f64 {
    let count = k.count.max(1.0);
    let bytes = k.bytes_allocated * count;
    let itemsize = match k.dtype.as_deref() {
        Some("float32" | "int32" | "uint32") => 4.0,
        Some("int8" | "uint8" | "bool") => 1.0,
        Some("float16" | "int16" | "uint16") => 2.0,
        Some("complex128") => 16.0,
        _ => 8.0,
    };
    let elements = bytes / itemsize;
    let name = last(&k.pattern);
    let p = k.pattern.as_str();
    let overhead = call_seconds(k, node);
    let warm = |b: f64| b / rate(node, "mem.copy", 2e10);
    let touch = first_touch(k, node);
    let seconds = if p.contains("random") || p.starts_with("torch.rand") {
        let key = match name {
            "rand" | "random_sample" | "ranf" | "sample"
                if p.starts_with("numpy.random.") && !p.contains("Generator") =>
            {
                "rng.legacy_uniform"
            }
            "randn" | "standard_normal" | "normal" if !p.contains("Generator") => {
                "rng.legacy_normal"
            }
            "random" | "uniform" => "rng.uniform",
            "standard_normal" | "normal" | "randn" => "rng.normal",
            "randint" | "integers" | "choice" | "permutation" | "shuffle" => "rng.integers",
            _ => "rng.normal",
        };
        elements / rate(node, key, 1e8) + touch
    } else {
        match name {
            // calloc: pages arrive zeroed at first touch.
            "zeros" | "zeros_like" => touch,
            "empty" | "empty_like" => touch * 0.05,
            "fromfunction" | "indices" => {
                // Index grids: `dims` holds the elements of all grids of one call.
                let dtype = match k.dtype.as_deref() {
                    Some("float32") => "float32",
                    Some(d) if d.starts_with("int") => "int64",
                    _ => "float64",
                };
                let n = k.dims.first().copied().unwrap_or(elements) * count;
                n / rate(node, &format!("mem.indices.{dtype}"), 1e8) + touch
            }
            // Advanced indexing: the copy, plus a random read per row
            // picked (`dims`: rows per call, and how likely the source
            // misses the caches).
            "take" if k.dims.len() == 2 => {
                let (rows, share) = (k.dims[0].max(1.0), k.dims[1]);
                let row_bytes = k.bytes_allocated / rows;
                warm(k.bytes_moved) + touch + rows * count * gather_row_seconds(row_bytes, share)
            }
            "ones" | "full" | "ones_like" | "full_like" | "eye" | "identity" | "arange"
            | "linspace" | "meshgrid" | "tri" => {
                warm(bytes) + k.flops / (rate(node, "ew.add", 2e9) * 2.0) + touch
            }
            _ => {
                if k.parallelism == Parallelism::Interpreter {
                    // From Python objects: one boxed element at a time.
                    elements * 30e-9 + touch
                } else {
                    // Copies: read the source, write fresh memory.
                    warm(k.bytes_moved) + touch
                }
            }
        }
    };
    seconds + overhead
}

/// Seconds, beyond copying its bytes, of each row an advanced index picks
/// (`X[idx]`), by the row's size and how likely the source misses the
/// caches. Measured on the reference node over 1,024 random rows per call:
/// from a source in the caches, 3 ns a scalar and 16 ns a row of one or
/// more lines; from 100 MiB, 12 ns a scalar (the reads overlap) and 63-116
/// ns a row of 64 B to 4 KiB.
pub fn gather_row_seconds(row_bytes: f64, share: f64) -> f64 {
    let (warm, cold) = if row_bytes < 64.0 {
        (3e-9, 12e-9)
    } else {
        (16e-9, 70e-9 + 0.012e-9 * row_bytes)
    };
    warm * (1.0 - share) + cold * share
}

fn signal(k: &Kernel, node: &NodeProfile) -> f64 {
    let p = k.pattern.as_str();
    let name = last(p);
    let key = if p.contains(".fft.")
        || name == "stft"
        || name == "spectrogram"
        || name == "welch"
        || name == "istft"
        || name == "periodogram"
        || name == "csd"
        || name == "coherence"
    {
        if name.starts_with("rfft") || name.starts_with("irfft") || !p.contains(".fft.") {
            "fft.real"
        } else {
            "fft.complex"
        }
    } else {
        match name {
            "lfilter" | "filtfilt" => "signal.lfilter",
            "sosfilt" | "sosfiltfilt" => "signal.sosfilt",
            "fftconvolve" | "oaconvolve" | "resample" | "hilbert" | "resample_poly"
            | "decimate" => "signal.fftconvolve",
            _ => "conv.direct",
        }
    };
    // Direct methods chosen for large inputs by scipy's `convolve` report an FFT flop count.
    let key = if (name == "convolve" || name == "correlate") && k.evidence.contains("FFT method") {
        "signal.fftconvolve"
    } else {
        key
    };
    let r = rate(node, key, 2e9);
    (k.flops / r).max(k.bytes_moved / rate(node, "mem.triad", 2e10)) + k.count.max(1.0) * 5e-6
}

fn crypto(k: &Kernel, node: &NodeProfile) -> f64 {
    let p = k.pattern.as_str();
    let name = last(p);
    let count = k.count.max(1.0);
    let per_call = 1e-6 * count;
    if p == "hashlib.pbkdf2_hmac" {
        // flops = iterations x 2 x block; SHA-512 blocks are 128 bytes.
        let iters = k.flops / 128.0;
        return iters / rate(node, "kdf.pbkdf2_sha256", 3e6) + per_call;
    }
    if p == "hashlib.scrypt" {
        return k.flops / (rate(node, "hash.sha256", 1e9) * 0.25) + per_call;
    }
    if p == "builtins.pow_mod" {
        return k.flops * rate(node, "int.pow_mod_unit", 1.1e-10) + per_call;
    }
    let r = if let Some(algo) = p.strip_prefix("hashlib.") {
        rate(node, &format!("hash.{algo}"), 5e8)
    } else if p.contains("aes") {
        rate(node, "cipher.aes", 2e9)
    } else if p.contains("chacha") {
        rate(node, "cipher.chacha20", 1e9)
    } else if name == "urandom" || p.starts_with("secrets.") || p.contains("random") {
        rate(node, "rand.urandom", 4e8)
    } else {
        3e8
    };
    k.flops / r + per_call
}

/// Wall and CPU seconds of one kernel, over all its executions.
pub fn kernel_cost(k: &Kernel, node: &NodeProfile, threads: u32) -> Cost {
    if let Some(s) = k.seconds {
        return Cost { wall: s, cpu: 0.0 };
    }
    if let Some(ops) = &k.py_ops {
        let w = interpreter_seconds(ops, node);
        return Cost { wall: w, cpu: w };
    }
    let serial = |w: f64| Cost { wall: w, cpu: w };
    let p = k.pattern.as_str();
    match (k.category, k.parallelism) {
        (Category::Matmul | Category::Nn, Parallelism::Threaded) => blas(k, node, threads),
        (Category::Matmul, _)
            if !p.starts_with("scipy.spatial") && !p.ends_with("outer") && !p.ends_with("kron") =>
        {
            blas(k, node, threads)
        }
        (Category::Crypto, _) => serial(crypto(k, node)),
        (Category::Signal, _) if !p.starts_with("idiom.") && !p.starts_with("numpy.han") => {
            serial(signal(k, node))
        }
        (Category::Sort, Parallelism::Interpreter) => serial(
            k.flops * SORT_COMPARE_PER_FLOAT_OP * rate(node, "interp.float_arith", 9e-9)
                + k.bytes_moved / 1e9,
        ),
        (Category::Sort, _) => {
            let key = if p.contains("argsort") {
                "sort.argsort"
            } else {
                "sort.float64"
            };
            serial(k.flops / rate(node, key, 3e8) + call_seconds(k, node))
        }
        (Category::Reduction | Category::Python, Parallelism::Interpreter) => {
            // Interpreted reductions (`sum(list)`, `statistics.*`): per element in Python.
            // Measured here: `statistics.mean`/`stdev` work with exact fractions
            // (about ten float operations per counted one); medians are a C sort.
            let per = match p {
                "statistics.median"
                | "statistics.median_low"
                | "statistics.median_high"
                | "statistics.quantiles"
                | "statistics.mode" => 1.0,
                "statistics.fmean" => 1.0,
                _ if p.starts_with("statistics.") => 12.0,
                _ => 3.0,
            };
            serial(k.flops * per * rate(node, "interp.float_arith", 9e-9))
        }
        (Category::Io, Parallelism::Interpreter) => serial(k.bytes_moved / 8e6),
        (Category::Io, _) => serial(k.bytes_moved / 1.5e9 + k.count.max(1.0) * 20e-6),
        (Category::Memory, _) => serial(creation(k, node)),
        (Category::Other, _) if k.flops == 0.0 && k.bytes_moved == 0.0 => {
            serial(k.count.max(1.0) * 1e-6)
        }
        _ => serial(vectorised(k, node)),
    }
}
