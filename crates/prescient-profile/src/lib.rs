//! The resource demand profiler and forecaster: turns the analyser's kernels into
//! demand on a calibrated node, section by section, and the whole program's
//! predicted wall time, CPU time and peak memory with intervals.
//!
//! Pure: it reads an [`Analysis`] and a [`NodeProfile`] and returns numbers. The
//! history corrections ([`history`]) are passed in by the caller, which owns the
//! database.
//!
//! - Time per kernel is a roofline: the larger of compute time (operations over the
//!   calibrated rate of that operation) and memory time (bytes over bandwidth),
//!   plus per-call overhead, with the thread count of the library that runs it.
//! - CPU time is wall time times the cores the kernel keeps busy (BLAS threads spin,
//!   measured as a CPU/wall ratio at calibration).
//! - Memory is the interpreter-and-imports baseline plus the largest live set plus
//!   temporaries of any section.

/// Fingerprint of the prediction model of this build (see `build.rs`): runs
/// stored in the history carry it, and corrections are learned only from
/// runs predicted by the same model.
pub const MODEL_FINGERPRINT: &str = env!("PRESCIENT_MODEL_FINGERPRINT");

pub mod cost;
pub mod history;
pub mod interp_fit;
pub mod snippets;

use cost::{kernel_cost, Cost};
use prescient_model::*;

/// Settings that change the prediction without changing the program.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// BLAS/OpenMP threads, when the job's environment sets them
    /// (`OMP_NUM_THREADS`, `OPENBLAS_NUM_THREADS`); else the node's default.
    pub threads: Option<u32>,
}

/// Per-kernel predicted seconds, for learning corrections.
#[derive(Clone, Debug, Default)]
pub struct KernelTime {
    pub pattern: String,
    pub seconds: f64,
}

/// The result: the analysis with `predicted` filled in, and the kernel times.
#[derive(Clone, Debug)]
pub struct Predicted {
    pub analysis: Analysis,
    pub kernels: Vec<KernelTime>,
}

/// How a kernel's time was costed: interpreted work in a program whose
/// analysis assumed a size or a trip count counts as assumed, as its
/// objects do for memory.
fn time_basis(k: &Kernel, assumed: bool) -> TimeBasis {
    if !k.symbolic.is_empty() {
        TimeBasis::Assumed
    } else if k.parallelism == Parallelism::Interpreter {
        if assumed {
            TimeBasis::Assumed
        } else {
            TimeBasis::Interpreted
        }
    } else {
        TimeBasis::Library
    }
}

/// A kernel's time interval: the estimate divided by the first factor and
/// multiplied by the second, by how it was costed. Measured on the held-out
/// sets 3-5 by `eval/calibrate_intervals.py` (the factors each program's
/// work needed, by how most of it was costed): library work needed up to
/// 2.5 below and 3.3 above (four of ten above 1.5), interpreted work 2.7
/// and 6.3 (eight of ten within 1.1 and 2.0), assumed sizes 25 and 28 (six
/// of eight within 2.7 and 2.5). With ten programs a kind, the conformal
/// 90% quantile is the extreme, which for assumed sizes says nothing: the
/// factors cover most programs of a kind, not all, and the memory interval
/// (the one the planner must not under-reserve) is the one calibrated to
/// the extremes.
pub fn time_width(basis: TimeBasis) -> (f64, f64) {
    match basis {
        TimeBasis::Library => (1.5, 2.8),
        TimeBasis::Interpreted => (2.0, 2.0),
        TimeBasis::Assumed => (3.0, 3.0),
    }
}

/// The memory interval of a section's data, as shares of the point
/// forecast below and above it, by how the data was sized. The upper
/// shares were calibrated on programs the model was not tuned on
/// (`eval/calibrate_intervals.py` over the held-out sets 3-5, 27
/// programs, eval/README.md): the extreme shares of measured to predicted
/// data seen there, rounded outwards (with ten or fewer programs of a
/// kind, the conformal 95% quantile is the extreme). Measured there:
/// arrays needed up to 1.78, objects 5.04, objects sized through an
/// assumption 8.72. Over held-out sets 3-9 (64 programs with enough data,
/// thirteenth session) one program of each of two kinds needed more
/// (arrays 11.2, assumed 12.2): single sizing failures, which an upper
/// share that covers them would charge to every job of the kind. The
/// lower shares are those sets' extremes rounded down (arrays 0.23,
/// objects 0.01, assumed 0.02: a filter that keeps less, strings shared
/// more than seen, an assumed size far above the real one). The planner
/// reserves the upper bound; the lower one only decides whether an
/// outcome counts as covered.
pub fn memory_width(basis: MemoryBasis) -> (f64, f64) {
    match basis {
        MemoryBasis::Arrays => (0.2, 1.8),
        MemoryBasis::Objects => (0.005, 5.1),
        MemoryBasis::Assumed => (0.01, 8.8),
    }
}

/// Interpreter start-up and imports vary with the page cache and the load.
const STARTUP_LOW: f64 = 0.85;
const STARTUP_HIGH: f64 = 1.3;
/// The resident baseline varies with allocator arenas and library versions.
const BASELINE_LOW: f64 = 0.92;
const BASELINE_HIGH: f64 = 1.05;
/// Allocator slack above the largest live set (arenas, fragmentation).
const SLACK_BYTES: f64 = 2.0 * 1048576.0;
/// What a program of Python objects holds that the analysis never sees, on
/// top of the share its sizing may be off by: code objects of a long
/// program, caches and state of the modules it uses, structures built where
/// the analysis lost track (a worklist of unknown length, a tree of
/// generators). Calibrated on the tuning sets (tune-tune5, pyperformance's
/// tune half): programs of a few MiB of objects measured up to 5.5 MiB above
/// the upper bound without it; one (a tree of generators) 12 MiB. It is
/// small beside any allocation a batch system makes, and arrays, which the
/// analysis sizes, do not get it.
const UNSEEN_OBJECT_BYTES: f64 = 8.0 * 1048576.0;

/// The pattern under which the cold first touch of a section's new memory
/// is costed (and corrected by history).
pub const COLD_TOUCH_PATTERN: &str = "memory.first_touch_cold";
/// The cold rate varies with the host's load (388-725 MB/s measured here
/// in fresh processes, against 481 MB/s calibrated): the upper bound
/// allows twice the calibrated time.
const COLD_TOUCH_HIGH: f64 = 2.0;

/// Seconds, beyond the warm rate the kernels' first touch is costed at, of
/// touching `bytes` of memory the machine has not handed out lately
/// (calibrated once per node: on a virtual machine whose host backs memory
/// on demand, 0.4-0.6 GB/s here against 6-9 GB/s warm). Pages freed by a
/// job that ended just before can still be warm, so the lower bound leaves
/// it out.
fn cold_touch_extra(bytes: f64, node: &NodeProfile) -> f64 {
    let warm = node.rate("mem.first_touch").unwrap_or(1e9);
    let cold = node.rate("mem.first_touch_cold").unwrap_or(5e8).min(warm);
    (bytes / cold - bytes / warm).max(0.0)
}

/// Start-up time, CPU and resident baseline for the imports a program uses.
pub fn baseline(a: &Analysis, node: &NodeProfile) -> Startup {
    let get = |name: &str| node.startup.get(name).cloned();
    let python = get("python").unwrap_or(Startup {
        wall_seconds: 0.02,
        cpu_seconds: 0.02,
        rss_bytes: 10e6,
    });
    // Adds what `with` costs beyond `without` (each measurement includes the
    // interpreter and whatever it nests).
    fn add(out: &mut Startup, with: &Startup, without: &Startup, extra_rss: f64) {
        out.wall_seconds += (with.wall_seconds - without.wall_seconds).max(0.0);
        out.cpu_seconds += (with.cpu_seconds - without.cpu_seconds).max(0.0);
        out.rss_bytes += (with.rss_bytes - without.rss_bytes - extra_rss).max(0.0);
    }
    let uses = |prefix: &str| a.kernels().any(|k| k.pattern.starts_with(prefix));
    let has = |m: &str| a.imports.iter().any(|i| i == m);
    let mut out = python.clone();
    // Standard modules share much of what they load (the same shared
    // libraries, `re`, `enum`): the costliest one stands for them all.
    let stdlib = a
        .imports
        .iter()
        .filter_map(|m| get(&format!("stdlib.{m}")))
        .max_by(|x, y| x.rss_bytes.total_cmp(&y.rss_bytes));
    if let Some(s) = &stdlib {
        add(&mut out, s, &python, 0.0);
    }
    let python = out.clone();
    // numpy and scipy nest: the deepest scipy submodule used includes numpy.
    let numpy = get("numpy");
    if has("scipy") {
        let sub = ["scipy.signal", "scipy.linalg", "scipy.fft"]
            .into_iter()
            .find(|s| uses(s))
            .unwrap_or("scipy.signal");
        if let Some(s) = get(sub).or_else(|| get("scipy")) {
            add(&mut out, &s, &python, 0.0);
        }
    } else if has("numpy") || has("torch") {
        if let Some(n) = &numpy {
            add(&mut out, n, &python, 0.0);
        }
    }
    // The first BLAS call maps its threads' work buffers.
    if a.kernels()
        .any(|k| k.parallelism == Parallelism::Threaded && k.category == Category::Matmul)
    {
        if let (Some(b), Some(n)) = (get("numpy.blas"), &numpy) {
            // The probe itself holds three 512x512 float64 arrays.
            add(&mut out, &b, n, 3.0 * 2097152.0);
        }
    }
    // numpy.random loads its bit generators on first use.
    if a.kernels().any(|k| k.pattern.starts_with("numpy.random")) {
        if let (Some(r), Some(n)) = (get("numpy.random"), &numpy) {
            add(&mut out, &r, n, 0.0);
        }
    }
    // What running a script costs beyond its imports (code objects, allocator
    // arenas), fitted at calibration on reference programs.
    out.rss_bytes += node.rate("mem.script_overhead").unwrap_or(0.0);
    if has("cryptography") || has("Crypto") {
        if let Some(c) = get("cryptography") {
            add(&mut out, &c, &python, 0.0);
        }
    }
    if has("torch") {
        match get("torch") {
            Some(t) => add(&mut out, &t, &python, 0.0),
            // torch not installed here: its typical cost on a CPU node.
            None => {
                out.wall_seconds += 1.5;
                out.cpu_seconds += 1.5;
                out.rss_bytes += 250e6;
            }
        }
    }
    out
}

/// Predicts demand for every section and for the whole program.
pub fn predict(a: &Analysis, node: &NodeProfile, opts: &Options) -> Predicted {
    let threads = opts.threads.unwrap_or(node.blas_threads.max(1)).max(1);
    let base = baseline(a, node);
    let mut out = a.clone();
    let mut kernels = Vec::new();
    let (mut wall, mut cpu) = (base.wall_seconds, base.cpu_seconds);
    let (mut wall_lo, mut wall_hi) = (wall * STARTUP_LOW, wall * STARTUP_HIGH);
    let mut peak = base.rss_bytes;
    let mut peak_lo = base.rss_bytes * BASELINE_LOW;
    let mut peak_hi = base.rss_bytes * BASELINE_HIGH;
    let (mut peak_at, mut peak_basis) = (0.0f64, MemoryBasis::Arrays);
    let mut by_basis: std::collections::BTreeMap<&str, f64> = Default::default();
    // The most data memory any section so far needed: growth beyond it is
    // memory the process touches for the first time.
    let mut high_water = 0.0f64;
    for s in &mut out.sections {
        let mut sw = 0.0;
        let mut sc = 0.0;
        let (mut sw_lo, mut sw_hi) = (0.0, 0.0);
        let mut affinity: Vec<String> = Vec::new();
        let mut by_cat: Vec<(Category, f64)> = Vec::new();
        for k in &mut s.kernels {
            let Cost { wall: kw, cpu: kc } = kernel_cost(k, node, threads);
            // A negative or undefined time is an analysis fault (a size that
            // went below zero): the kernel counts as free, never as a
            // refund of the others' time.
            let (kw, kc) = if kw.is_finite() && kc.is_finite() && kw >= 0.0 && kc >= 0.0 {
                (kw, kc)
            } else {
                (0.0, 0.0)
            };
            k.predicted_seconds = Some(kw);
            sw += kw;
            sc += kc;
            let basis = time_basis(k, !a.unknowns.is_empty());
            let (below, above) = time_width(basis);
            sw_lo += kw / below;
            sw_hi += kw * above;
            *by_basis.entry(basis.as_str()).or_insert(0.0) += kw;
            kernels.push(KernelTime {
                pattern: history::signature(&k.pattern, k.py_ops.as_ref()),
                seconds: kw,
            });
            for f in &k.affinity {
                if !affinity.contains(f) && kw > 0.01 * sw.max(1e-9) {
                    affinity.push(f.clone());
                }
            }
            match by_cat.iter_mut().find(|(c, _)| *c == k.category) {
                Some(slot) => slot.1 += kw,
                None => by_cat.push((k.category, kw)),
            }
        }
        by_cat.sort_by(|x, y| y.1.total_cmp(&x.1));
        if sw > 0.0 {
            for c in &mut by_cat {
                c.1 /= sw;
            }
        }
        // Memory the process touches for the first time comes cold: on a
        // virtual machine that reports freed pages to its host (as this
        // machine kind does, within about a second of their release),
        // a new job's pages are backed again on first touch, 0.4-0.6 GB/s
        // measured against 6-9 GB/s warm. Faulting is system time, so CPU
        // time too. It is costed as a pattern of its own, so history
        // corrects it apart from the kernels.
        let growth = (s.memory.peak_bytes - high_water).max(0.0);
        high_water = high_water.max(s.memory.peak_bytes);
        let cold = cold_touch_extra(growth, node);
        if cold > 0.0 {
            sw += cold;
            sc += cold;
            sw_hi += cold * COLD_TOUCH_HIGH;
            kernels.push(KernelTime {
                pattern: COLD_TOUCH_PATTERN.into(),
                seconds: cold,
            });
        }
        let section_peak = base.rss_bytes + s.memory.peak_bytes;
        peak = peak.max(section_peak);
        let symbolic = s
            .kernels
            .iter()
            .any(|k| k.symbolic.bytes_allocated.is_some());
        // Python objects (lists, dicts, instances) are sized from one
        // iteration's growth and typical object sizes: wider than arrays.
        let objects = s
            .kernels
            .iter()
            .any(|k| k.parallelism == Parallelism::Interpreter);
        // Python objects in a program whose analysis had to assume a size or
        // a trip count (a `while` loop's, a length read from a file) count
        // as assumed: their growth may follow what was assumed.
        let basis = if symbolic || (objects && !a.unknowns.is_empty()) {
            MemoryBasis::Assumed
        } else if objects {
            MemoryBasis::Objects
        } else {
            MemoryBasis::Arrays
        };
        if section_peak > peak_at {
            peak_at = section_peak;
            peak_basis = basis;
        }
        let (low_share, factor) = memory_width(basis);
        let section_peak_lo = base.rss_bytes * BASELINE_LOW + s.memory.peak_bytes * low_share;
        let unseen = if basis == MemoryBasis::Arrays {
            0.0
        } else {
            UNSEEN_OBJECT_BYTES
        };
        let section_peak_hi =
            base.rss_bytes * BASELINE_HIGH + s.memory.peak_bytes * factor + SLACK_BYTES + unseen;
        peak_lo = peak_lo.max(section_peak_lo);
        peak_hi = peak_hi.max(section_peak_hi);
        wall += sw;
        wall_lo += sw_lo;
        wall_hi += sw_hi;
        cpu += sc;
        s.predicted = Some(SectionPrediction {
            wall_seconds: sw,
            wall_interval: Interval {
                low: sw_lo,
                high: sw_hi,
            },
            cpu_seconds: sc,
            peak_memory_bytes: section_peak,
            peak_memory_interval: Interval {
                low: section_peak_lo,
                high: section_peak_hi,
            },
            cores: if sw > 0.0 { sc / sw } else { 1.0 },
            affinity,
            categories: by_cat,
        });
    }
    let cpu_ratio = if wall > 0.0 { cpu / wall } else { 1.0 };
    out.prediction = Some(ProgramPrediction {
        node: node.fingerprint.id(),
        node_cpu: node.fingerprint.cpu_model.clone(),
        wall_seconds: wall,
        wall_interval: Interval {
            low: wall_lo,
            high: wall_hi,
        },
        cpu_seconds: cpu,
        // CPU follows wall time, times the cores kept busy (which BLAS spinning
        // makes uncertain upwards).
        cpu_interval: Interval {
            low: wall_lo * cpu_ratio,
            high: wall_hi * cpu_ratio * 1.2,
        },
        peak_memory_bytes: peak,
        peak_memory_interval: Interval {
            low: peak_lo.min(peak),
            high: peak_hi.max(peak),
        },
        startup_seconds: base.wall_seconds,
        baseline_memory_bytes: base.rss_bytes,
        peak_memory_basis: peak_basis,
        wall_basis: [
            TimeBasis::Library,
            TimeBasis::Interpreted,
            TimeBasis::Assumed,
        ]
        .into_iter()
        .max_by(|x, y| {
            let w = |b: &TimeBasis| by_basis.get(b.as_str()).copied().unwrap_or(0.0);
            w(x).total_cmp(&w(y))
        })
        .filter(|b| by_basis.get(b.as_str()).copied().unwrap_or(0.0) > 0.0)
        .unwrap_or_default(),
        threads,
        history: "none".into(),
    });
    Predicted {
        analysis: out,
        kernels,
    }
}
