//! Unit tests of the cost formulas, on a synthetic node profile.

use prescient_model::dispatch::numpy_call_units;
use prescient_model::*;
use prescient_profile::cost::{interpreter_seconds, kernel_cost, microbenchmark_seconds};
use std::collections::BTreeMap;

fn node() -> NodeProfile {
    let rates: BTreeMap<String, f64> = [
        ("gemm.float64.64", 2e10),
        ("gemm.float64.256", 5e10),
        ("gemm.float64.1024", 1e11),
        ("gemm.float64.1024.cpu_ratio", 2.0),
        ("gemm.float64.256.cpu_ratio", 2.0),
        ("gemm.float64.64.cpu_ratio", 2.0),
        ("ew.add", 2e9),
        ("ew.exp", 5e8),
        ("mem.triad", 2e10),
        ("mem.copy", 2e10),
        ("mem.first_touch", 1e10),
        ("hash.sha256", 1e9),
        ("numpy.call_overhead", 2e-6),
        ("numpy.call", 1e-6),
        ("interp.loop_iter", 10e-9),
        ("interp.float_arith", 10e-9),
        ("interp.index", 10e-9),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let mut startup = BTreeMap::new();
    startup.insert(
        "python".into(),
        Startup {
            wall_seconds: 0.02,
            cpu_seconds: 0.02,
            rss_bytes: 10e6,
        },
    );
    startup.insert(
        "numpy".into(),
        Startup {
            wall_seconds: 0.1,
            cpu_seconds: 0.15,
            rss_bytes: 25e6,
        },
    );
    NodeProfile {
        schema: NODE_SCHEMA.into(),
        blas_threads: 2,
        rates,
        startup,
        ..Default::default()
    }
}

fn kernel(
    category: Category,
    pattern: &str,
    flops: f64,
    moved: f64,
    alloc: f64,
    par: Parallelism,
) -> Kernel {
    Kernel {
        category,
        pattern: pattern.into(),
        line: 1,
        flops,
        bytes_moved: moved,
        bytes_allocated: alloc,
        count: 1.0,
        parallelism: par,
        dtype: Some("float64".into()),
        affinity: vec![],
        py_ops: None,
        function: None,
        evidence: String::new(),
        symbolic: SymbolicCost::default(),
        dims: vec![],
        call_units: 0.0,
        predicted_seconds: None,
        seconds: None,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 + 1e-6 * b.abs()
}

#[test]
fn square_matmul_runs_at_the_calibrated_rate_on_all_threads() {
    let n = 1024.0;
    let k = kernel(
        Category::Matmul,
        "numpy.matmul",
        2.0 * n * n * n,
        0.0,
        0.0,
        Parallelism::Threaded,
    );
    let c = kernel_cost(&k, &node(), 2);
    assert!(
        close(
            c.wall,
            2.0 * n * n * n / 1e11 + numpy_call_units("numpy.matmul") * 1e-6
        ),
        "{c:?}"
    );
    assert!(close(c.cpu, c.wall * 2.0));
}

#[test]
fn thin_products_are_slower_per_flop() {
    let mut thin = kernel(
        Category::Matmul,
        "numpy.matmul",
        2.0 * 20000.0 * 256.0 * 16.0,
        0.0,
        0.0,
        Parallelism::Threaded,
    );
    thin.dims = vec![20000.0, 16.0, 256.0];
    let square_equivalent = kernel(
        Category::Matmul,
        "numpy.matmul",
        thin.flops,
        0.0,
        0.0,
        Parallelism::Threaded,
    );
    let node = node();
    assert!(
        kernel_cost(&thin, &node, 2).wall > 2.0 * kernel_cost(&square_equivalent, &node, 2).wall
    );
}

#[test]
fn elementwise_is_the_slower_of_compute_and_memory() {
    let node = node();
    // add on 1e6 doubles: 24 MB moved at 20 GB/s = 1.2 ms beats 1e6 / 2e9 = 0.5 ms.
    let add = kernel(
        Category::Elementwise,
        "numpy.add",
        1e6,
        24e6,
        0.0,
        Parallelism::Serial,
    );
    assert!(close(
        kernel_cost(&add, &node, 2).wall,
        24e6 / 2e10 + numpy_call_units("numpy.add") * 1e-6
    ));
    // exp: 20 flops per element, 1e6 elements / 5e8 per second = 2 ms.
    let exp = kernel(
        Category::Elementwise,
        "numpy.exp",
        20e6,
        16e6,
        0.0,
        Parallelism::Serial,
    );
    assert!(close(kernel_cost(&exp, &node, 2).wall, 1e6 / 5e8 + 1e-6));
}

#[test]
fn fresh_allocations_pay_first_touch() {
    let node = node();
    let z = kernel(
        Category::Memory,
        "numpy.zeros",
        0.0,
        8e8,
        8e8,
        Parallelism::Serial,
    );
    assert!(close(
        kernel_cost(&z, &node, 2).wall,
        8e8 / 1e10 + numpy_call_units("numpy.zeros") * 1e-6
    ));
    // A small array is faulted in once, then reused from the heap.
    let mut small = kernel(
        Category::Elementwise,
        "numpy.add",
        1e3,
        24e3,
        8e3,
        Parallelism::Serial,
    );
    small.count = 1000.0;
    small.flops *= 1000.0;
    small.bytes_moved *= 1000.0;
    let c = kernel_cost(&small, &node, 2).wall;
    assert!(
        c < 1000.0 * 8e3 / 1e10 + 24e6 / 2e10 + 1000.0 * 1e-6 + 1e-6,
        "{c}"
    );
}

#[test]
fn hashing_and_interpreted_loops() {
    let node = node();
    let h = kernel(
        Category::Crypto,
        "hashlib.sha256",
        1e9,
        1e9,
        0.0,
        Parallelism::Serial,
    );
    assert!(close(kernel_cost(&h, &node, 2).wall, 1.0 + 1e-6));
    let ops = PyOps {
        loop_iters: 1e6,
        float_arith: 2e6,
        indexing: 3e6,
        ..Default::default()
    };
    // The microbenchmark model: each class at its calibrated rate.
    assert!(close(microbenchmark_seconds(&ops, &node), 6e6 * 10e-9));
    // The shipped fit, moved to this node by its microbenchmarks against the
    // reference node's.
    let fit = prescient_profile::interp_fit::shipped().expect("a fit is shipped");
    let fitted = interpreter_seconds(&ops, &node);
    assert!(close(fitted, fit.seconds(&ops, &node)));
    assert!(fitted > 0.0 && fit.correction(&node) > 0.0);
    let mut lp = kernel(
        Category::Python,
        "loop.python",
        0.0,
        0.0,
        0.0,
        Parallelism::Interpreter,
    );
    lp.py_ops = Some(ops);
    let c = kernel_cost(&lp, &node, 2);
    assert!(close(c.wall, fitted) && close(c.cpu, fitted));
}

fn two_sections(peaks: [f64; 2]) -> Analysis {
    let mut a = Analysis {
        schema: ANALYSIS_SCHEMA.into(),
        file: "p.py".into(),
        args: vec![],
        source_hash: "h".into(),
        sections: vec![],
        unknowns: vec![],
        unresolved_calls: vec![],
        calls: CallStats::default(),
        imports: vec!["numpy".into()],
        notes: vec![],
        prediction: None,
    };
    for (i, peak) in [(0, peaks[0]), (1, peaks[1])] {
        a.sections.push(Section {
            index: i,
            start_line: 1,
            end_line: 1,
            safe_point: true,
            safe_point_blocker: None,
            scope: "module".into(),
            iterations: None,
            kernels: vec![kernel(
                Category::Elementwise,
                "numpy.add",
                1e6,
                24e6,
                0.0,
                Parallelism::Serial,
            )],
            memory: SectionMemory {
                live_bytes_after: 0.0,
                peak_bytes: peak,
            },
            predicted: None,
        });
    }
    a
}

#[test]
fn program_totals_include_start_up_and_the_largest_section_peak() {
    let node = node();
    let a = two_sections([5e6, 50e6]);
    let p = prescient_profile::predict(&a, &node, &prescient_profile::Options::default());
    let prog = p.analysis.prediction.unwrap();
    let per = 24e6 / 2e10 + numpy_call_units("numpy.add") * 1e-6;
    // The 50 MB the sections reach are touched for the first time, at the
    // default cold rate (0.5 GB/s) instead of the warm one.
    let cold = 50e6 * (1.0 / 5e8 - 1.0 / 1e10);
    assert!(
        close(prog.wall_seconds, 0.1 + 2.0 * per + cold),
        "{}",
        prog.wall_seconds
    );
    assert!(close(prog.peak_memory_bytes, 25e6 + 50e6));
    assert!(
        prog.wall_interval.low <= prog.wall_seconds && prog.wall_seconds <= prog.wall_interval.high
    );
    assert!(
        prog.peak_memory_interval.low <= prog.peak_memory_bytes
            && prog.peak_memory_bytes <= prog.peak_memory_interval.high
    );
    assert_eq!(
        p.analysis.sections[1]
            .predicted
            .as_ref()
            .unwrap()
            .peak_memory_bytes,
        75e6
    );
}

#[test]
fn memory_first_touched_is_costed_cold_once() {
    let mut node = node();
    node.rates.insert("mem.first_touch_cold".into(), 5e8);
    let opts = prescient_profile::Options::default();
    let small = prescient_profile::predict(&two_sections([5e6, 5e6]), &node, &opts);
    let big = prescient_profile::predict(&two_sections([5e6, 4e9]), &node, &opts);
    let (s, b) = (
        small.analysis.prediction.as_ref().unwrap(),
        big.analysis.prediction.as_ref().unwrap(),
    );
    // 4 GB more touched for the first time, at the cold rate instead of the
    // warm: in the point forecast, in CPU time (page faults are system
    // time), twice in the upper bound, and not in the lower one (pages a job
    // that just ended freed are still warm).
    let cold = (4e9 - 5e6) * (1.0 / 5e8 - 1.0 / 1e10);
    let extra = b.wall_seconds - s.wall_seconds;
    assert!(close(extra, cold), "{extra} against {cold}");
    assert!(close(b.cpu_seconds - s.cpu_seconds, cold));
    assert!(close(
        b.wall_interval.high - s.wall_interval.high,
        2.0 * cold
    ));
    assert!(close(b.wall_interval.low, s.wall_interval.low));
    // Growth is counted once: the second section's 4 GB is new, the first's
    // 5 MB is not counted again.
    let sec = big.analysis.sections[1].predicted.as_ref().unwrap();
    assert!(sec.wall_seconds > 7.0, "{:?}", sec.wall_seconds);
    let first = big.analysis.sections[0].predicted.as_ref().unwrap();
    assert!(first.wall_seconds < 0.02, "{}", first.wall_seconds);
    // History sees it as a pattern of its own.
    let touched: f64 = big
        .kernels
        .iter()
        .filter(|k| k.pattern == prescient_profile::COLD_TOUCH_PATTERN)
        .map(|k| k.seconds)
        .sum();
    assert!(close(touched, (4e9 - 5e6 + 5e6) * (1.0 / 5e8 - 1.0 / 1e10)));
}

#[test]
fn memory_intervals_allow_for_the_baseline_and_for_python_objects() {
    let node = node();
    let opts = prescient_profile::Options::default();
    let arrays = two_sections([5e6, 100e6]);
    let mut objects = arrays.clone();
    objects.sections[1].kernels[0].parallelism = Parallelism::Interpreter;
    let a = prescient_profile::predict(&arrays, &node, &opts)
        .analysis
        .prediction
        .unwrap();
    let o = prescient_profile::predict(&objects, &node, &opts)
        .analysis
        .prediction
        .unwrap();
    // A measured peak a little under the baseline estimate is inside.
    assert!(a.peak_memory_interval.low < 25e6 * 0.95 + 100e6 * 0.85 + 1.0);
    assert!(a.peak_memory_interval.high >= 25e6 + 100e6 * 1.25);
    // Objects sized from one iteration's growth get a wider upper bound.
    assert!(o.peak_memory_interval.high >= 25e6 + 100e6 * 2.0);
    assert!(o.peak_memory_interval.high > a.peak_memory_interval.high);
}

#[test]
fn small_calls_cost_their_entry_points_fixed_cost() {
    let node = node();
    // 10,000 calls on 64 doubles: the fixed cost of each call dominates, and
    // `std` goes through numpy's Python wrappers where `add` does not.
    let small = |pattern: &str, category| {
        let mut k = kernel(
            category,
            pattern,
            64e4,
            64e4 * 24.0,
            512.0,
            Parallelism::Serial,
        );
        k.count = 1e4;
        kernel_cost(&k, &node, 2).wall
    };
    let add = small("numpy.add", Category::Elementwise);
    let std = small("numpy.std", Category::Reduction);
    assert!(std > 10.0 * add, "std {std} add {add}");
    // Where the old profile lacks the loop-timed call, the single timed one
    // stands in, less the clock's share.
    let mut old = node.clone();
    old.rates.remove("numpy.call");
    let mut k = kernel(
        Category::Elementwise,
        "numpy.exp",
        64.0,
        1024.0,
        0.0,
        Parallelism::Serial,
    );
    k.count = 1e6;
    let t = kernel_cost(&k, &old, 2).wall;
    assert!((t - 1e6 * 2e-6 * 0.46).abs() < 1e-3, "{t}");
}

#[test]
fn fused_steps_keep_each_calls_fixed_cost() {
    let node = node();
    let mut k = kernel(
        Category::Nn,
        "idiom.layer_norm",
        640.0,
        4096.0,
        512.0,
        Parallelism::Serial,
    );
    k.count = 1e4;
    let plain = kernel_cost(&k, &node, 2).wall;
    let units = numpy_call_units("numpy.mean") + numpy_call_units("numpy.std") + 3.0;
    k.call_units = units;
    let fused = kernel_cost(&k, &node, 2).wall;
    assert!(
        close(fused - plain, 1e4 * (units - 1.0) * 1e-6),
        "{fused} {plain}"
    );
}

/// The whole-program forecast of `a` on the test node.
fn forecast(a: &Analysis) -> ProgramPrediction {
    prescient_profile::predict(a, &node(), &prescient_profile::Options::default())
        .analysis
        .prediction
        .unwrap()
}

/// Records that the analysis had to assume a trip count.
fn assume_a_trip_count(a: &mut Analysis) {
    a.unknowns.push(Unknown {
        symbol: "iters@3".into(),
        assumed: 100.0,
        line: 3,
        reason: "a while loop".into(),
    });
}

#[test]
fn the_memory_interval_widens_with_how_the_data_was_sized() {
    use prescient_profile::memory_width;
    // Arrays of concrete sizes.
    let a = two_sections([5e6, 50e6]);
    let p = forecast(&a);
    assert_eq!(p.peak_memory_basis, MemoryBasis::Arrays);
    let (lo, hi) = memory_width(MemoryBasis::Arrays);
    assert!(close(
        p.peak_memory_interval.high,
        25e6 * 1.05 + 50e6 * hi + 2.0 * 1048576.0
    ));
    assert!(close(p.peak_memory_interval.low, 25e6 * 0.92 + 50e6 * lo));
    // The same data held by Python objects, then with an assumption made.
    let mut o = two_sections([5e6, 50e6]);
    o.sections[1].kernels[0].parallelism = Parallelism::Interpreter;
    let p = forecast(&o);
    assert_eq!(p.peak_memory_basis, MemoryBasis::Objects);
    let objects = p.peak_memory_interval.high;
    // Python objects also get what the analysis cannot see: 8 MiB.
    let (_, ohi) = memory_width(MemoryBasis::Objects);
    assert!(close(
        objects,
        25e6 * 1.05 + 50e6 * ohi + 2.0 * 1048576.0 + 8.0 * 1048576.0
    ));
    assume_a_trip_count(&mut o);
    let p = forecast(&o);
    assert_eq!(p.peak_memory_basis, MemoryBasis::Assumed);
    assert!(p.peak_memory_interval.high > objects);
}

#[test]
fn the_time_interval_widens_with_how_the_work_was_costed() {
    use prescient_profile::time_width;
    let a = two_sections([5e6, 50e6]);
    let p = forecast(&a);
    assert_eq!(p.wall_basis, TimeBasis::Library);
    // The data touched for the first time at the cold rate: in the point
    // forecast, twice in the upper bound, not in the lower one.
    let cold = 50e6 / 5e8 - 50e6 / 1e10;
    let work = p.wall_seconds - p.startup_seconds - cold;
    let (below, above) = time_width(TimeBasis::Library);
    assert!(close(
        p.wall_interval.high,
        p.startup_seconds * 1.3 + work * above + 2.0 * cold
    ));
    assert!(close(
        p.wall_interval.low,
        p.startup_seconds * 0.85 + work / below
    ));
    // Interpreted work, then the same where the analysis assumed a trip count.
    let mut o = two_sections([5e6, 50e6]);
    for s in &mut o.sections {
        s.kernels[0].parallelism = Parallelism::Interpreter;
        s.kernels[0].category = Category::Python;
        s.kernels[0].py_ops = Some(PyOps {
            loop_iters: 1e6,
            ..PyOps::default()
        });
    }
    let p = forecast(&o);
    assert_eq!(p.wall_basis, TimeBasis::Interpreted);
    assume_a_trip_count(&mut o);
    let p = forecast(&o);
    assert_eq!(p.wall_basis, TimeBasis::Assumed);
}

#[test]
fn a_matrix_times_a_vector_is_paced_by_memory() {
    // 200,000 x 64 doubles times a vector: 25.6 MFLOP over 100 MiB read.
    // Costed as a GEMM of that few flops it ran at 5% of the smallest
    // calibrated rate; it streams the matrix at half the stream rate.
    let bytes = 200000.0 * 64.0 * 8.0;
    let mut k = kernel(
        Category::Matmul,
        "numpy.matmul",
        2.0 * 200000.0 * 64.0,
        bytes,
        200000.0 * 8.0,
        Parallelism::Threaded,
    );
    k.dims = vec![200000.0, 1.0, 64.0];
    let c = kernel_cost(&k, &node(), 2);
    let streamed = bytes / (2e10 * 0.5);
    assert!(c.wall > 0.9 * streamed && c.wall < 1.3 * streamed, "{c:?}");
    assert!(close(c.cpu, 2.0 * c.wall));
    // A small one in the caches: a few microseconds, on one core.
    let mut s = kernel(
        Category::Matmul,
        "numpy.matmul",
        2.0 * 1024.0 * 64.0,
        1024.0 * 64.0 * 8.0,
        1024.0 * 8.0,
        Parallelism::Threaded,
    );
    s.dims = vec![1024.0, 1.0, 64.0];
    let c = kernel_cost(&s, &node(), 2);
    assert!(c.wall < 20e-6, "{c:?}");
    assert!(close(c.cpu, c.wall));
    // Integers do not go to BLAS: numpy's own loops, far slower.
    k.parallelism = Parallelism::Serial;
    k.dtype = Some("int64".into());
    let int = kernel_cost(&k, &node(), 2);
    assert!(int.wall > 2.0 * streamed, "{int:?}");
}

#[test]
fn rows_an_index_picks_from_a_big_array_cost_a_random_read_each() {
    use prescient_profile::cost::gather_row_seconds;
    // 1,024 rows of 512 B from 100 MiB: 132 us measured, where copying the
    // bytes alone is 35 us.
    let rows = 1024.0;
    let out = rows * 512.0;
    let mut k = kernel(
        Category::Memory,
        "numpy.take",
        0.0,
        2.0 * out,
        out,
        Parallelism::Serial,
    );
    k.dims = vec![rows, 1.0];
    let cold = kernel_cost(&k, &node(), 2).wall;
    k.dims = vec![rows, 0.0];
    let warm = kernel_cost(&k, &node(), 2).wall;
    assert!(close(
        cold - warm,
        rows * (gather_row_seconds(512.0, 1.0) - gather_row_seconds(512.0, 0.0))
    ));
    assert!(cold > 80e-6 && cold < 200e-6, "{cold}");
    // Scalars overlap their reads: far less a row.
    assert!(gather_row_seconds(8.0, 1.0) < 0.2 * gather_row_seconds(512.0, 1.0));
}

#[test]
fn hypot_runs_at_its_own_rate_or_far_below_sqrt() {
    // NumPy's hypot calls libm per element: 18.8 ns against 1.2 for sqrt.
    let hypot = kernel(
        Category::Elementwise,
        "numpy.hypot",
        4e6,
        24e6,
        0.0,
        Parallelism::Serial,
    );
    let call = numpy_call_units("numpy.hypot") * 1e-6;
    let mut node = node();
    node.rates.insert("ew.sqrt".into(), 8e8);
    // A profile from before `ew.hypot` was measured: sqrt's rate over 15.
    let wall = kernel_cost(&hypot, &node, 2).wall;
    assert!(close(wall, 1e6 / (8e8 / 15.0) + call), "{wall}");
    // Measured: its own rate.
    node.rates.insert("ew.hypot".into(), 5e7);
    let wall = kernel_cost(&hypot, &node, 2).wall;
    assert!(close(wall, 1e6 / 5e7 + call), "{wall}");
}
