//! `prescient bench-migration`: migration downtime against the raw loopback
//! transfer time of the same bytes, measured in the same run, with and without
//! pre-copy.
//!
//! For each size, a job holds that many bytes in eight distinct float64 arrays and runs
//! sections that each spin for a while (so a pre-copy has time to finish); it
//! moves after every section. Three scenarios: no pre-copy (everything moves in
//! the pause), pre-copy with the arrays unchanged, and pre-copy with one array
//! in eight written at the end of each section (that eighth moves in the
//! pause). The raw figure is a TCP transfer over loopback, from a buffer
//! already in memory into one already faulted in.
//!
//! Then the realistic cases, written as users write them: a `main()` with a
//! loop whose iterations do real work, moved between every two iterations.
//! "rewritten": seven eighths of the state is read-only data, one eighth is
//! weights updated in place each iteration. "fresh": each iteration makes a
//! new array of one eighth of the state (features of the next batch). Each
//! iteration does a fixed amount of work (sums over the data), so a pre-copy
//! competing for CPU or memory bandwidth shows. Each case reports the pause
//! against the raw transfer of the changed bytes and against the pause
//! without pre-copy, and the job's whole wall time moving at every
//! iteration (with and without pre-copy) against not moving.

use crate::run::{cluster_spec, units};
use crate::Failure;
use anyhow::{anyhow, Context};
use prescient_model::cluster::parse_bytes;
use prescient_runtime::coordinator::{self, Cluster, JobPlan, Observer};
use prescient_wire::{JobSpec, Stream};
use serde::Serialize;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Sizes of the job's arrays.
    #[arg(long, value_delimiter = ',', default_value = "64MiB,512MiB,2GiB")]
    sizes: Vec<String>,
    /// Sections (and so migrations) per scenario.
    #[arg(long, default_value_t = 4)]
    steps: usize,
    /// State sizes of the realistic loop cases.
    #[arg(long, value_delimiter = ',', default_value = "64MiB,256MiB")]
    loop_sizes: Vec<String>,
    /// Iterations per loop case.
    #[arg(long, default_value_t = 4)]
    iterations: usize,
    /// Write the figures as JSON.
    #[arg(long, value_name = "FILE.json")]
    json: Option<std::path::PathBuf>,
    /// Use this Python interpreter as the worker environment instead of the managed one.
    #[arg(long, value_name = "PATH")]
    python: Option<std::path::PathBuf>,
}

#[derive(Serialize)]
struct Row {
    bytes: u64,
    changed_bytes: u64,
    raw_all_seconds: f64,
    raw_changed_seconds: f64,
    downtime_no_precopy: f64,
    downtime_precopy_unchanged: f64,
    downtime_precopy_changed: f64,
    /// 1.2 x raw transfer of the changed bytes + 10 ms.
    target_changed: f64,
    /// Medians of the parts of the pre-copy, changed scenario.
    checkpoint_seconds: f64,
    transfer_seconds: f64,
    restore_seconds: f64,
}

#[derive(Serialize)]
struct LoopRow {
    case: &'static str,
    bytes: u64,
    changed_bytes: u64,
    raw_changed_seconds: f64,
    /// Median pause of the moves between iterations.
    downtime: f64,
    /// The same without pre-copy (pre-copy must never make it longer).
    downtime_no_precopy: f64,
    /// 1.2 x raw transfer of the changed bytes + 10 ms.
    target: f64,
    migrations: usize,
    precopied_bytes_median: u64,
    /// Median bytes of a pause received into memory faulted in ahead.
    prefaulted_bytes_median: u64,
    wall_still: f64,
    wall_moving: f64,
    /// Moving at every iteration without pre-copy.
    wall_moving_no_precopy: f64,
    /// wall_moving / wall_still (target 1.3, goal 1.1).
    slowdown: f64,
}

#[derive(Clone, Copy)]
enum LoopCase {
    /// Weights rewritten in place every iteration beside read-only data.
    Rewritten,
    /// A fresh array every iteration beside read-only data.
    Fresh,
}

impl LoopCase {
    fn name(self) -> &'static str {
        match self {
            LoopCase::Rewritten => "rewritten",
            LoopCase::Fresh => "fresh",
        }
    }
}

/// A main()-style job: read-only data (7/8 of `bytes`) in several arrays,
/// and per iteration a fixed amount of work reading it (`passes` sums over
/// all of it), then the case's change of 1/8 of `bytes`. The work is fixed,
/// not timed, so CPU or memory bandwidth taken by a pre-copy shows as a
/// longer run.
fn loop_script(case: LoopCase, bytes: u64, iterations: usize, passes: usize) -> String {
    // float64 elements in one eighth of the state.
    let per = (bytes / 8 / 8).max(1);
    let update = match case {
        LoopCase::Rewritten => "        weights += 1.0\n".to_string(),
        LoopCase::Fresh => format!("        latest = data[step % 7][:{per}] * float(step + 2)\n"),
    };
    format!(
        r#"import time
import numpy as np


def main():
    data = [np.full({per}, float(i)) for i in range(7)]
    weights = np.zeros({per})
    latest = None
    total = 0.0
    for step in range({iterations}):
        for _ in range({passes}):
            for a in data:
                total += float(a.sum())
{update}    print(total > 0, float(weights[0]), latest is None)


if __name__ == "__main__":
    main()
"#
    )
}

fn job_spec(dir: &std::path::Path, job: u64, text: String) -> Result<JobSpec, Failure> {
    let path = dir.join(format!("bench_{job}.py"));
    std::fs::write(&path, &text).map_err(Failure::internal)?;
    let analysis = crate::analyze::analyse_file(&path, &[])?;
    let plan_units = units(&analysis, 0.0);
    Ok(JobSpec {
        job,
        file: path.display().to_string(),
        source: text,
        argv: vec![path.display().to_string()],
        cwd: dir.display().to_string(),
        units: plan_units.iter().map(|u| u.unit.clone()).collect(),
        env: vec![],
        memory_limit: 0,
        user: None,
    })
}

/// One loop case, run still and then moving at every iteration.
fn loop_case(
    cluster: &Cluster,
    dir: &std::path::Path,
    job: &mut u64,
    case: LoopCase,
    bytes: u64,
    iterations: usize,
) -> Result<LoopRow, Failure> {
    // Each iteration long enough for the paced pre-copy (a tenth of one
    // CPU) to send the unchanged data: about 12 s per GB of state. numpy
    // sums float64 at some 16 GB/s on this kind of machine.
    let spin = (bytes as f64 / 1e9 * 12.0).max(0.5);
    let passes = (spin * 16e9 / (bytes as f64 * 7.0 / 8.0)).ceil().max(1.0) as usize;
    let text = loop_script(case, bytes, iterations, passes);
    // Still; moving at every iteration with pre-copy; moving without.
    let mut walls = [0.0; 3];
    let mut moves = Vec::new();
    let mut plain_moves = Vec::new();
    for (i, (every, precopy)) in [(0usize, true), (1, true), (1, false)]
        .into_iter()
        .enumerate()
    {
        *job += 1;
        let plan = JobPlan {
            spec: job_spec(dir, *job, text.clone())?,
            start_node: 0,
            migrate_every: every,
            precopy,
            checkpoint_interval: None,
            // Every iteration is a stop when moving.
            loop_step: 0.0,
            faults: Default::default(),
            resume: None,
        };
        let t0 = Instant::now();
        let out = coordinator::run_job(cluster, plan, &mut Quiet);
        walls[i] = t0.elapsed().as_secs_f64();
        if out.end.code != 0 {
            return Err(Failure::internal(anyhow!(
                "the {} loop job failed: {:?}",
                case.name(),
                out.end
            )));
        }
        let within: Vec<_> = out
            .migrations
            .into_iter()
            .filter(|m| m.ok && m.within_unit)
            .collect();
        match (every, precopy) {
            (1, true) => moves = within,
            (1, false) => plain_moves = within,
            _ => {}
        }
    }
    // The first move inside the loop has had one iteration of pre-copy; all
    // count, as a user would see them.
    if moves.is_empty() || plain_moves.is_empty() {
        return Err(Failure::internal(anyhow!(
            "the {} loop job never moved between iterations",
            case.name()
        )));
    }
    let changed_bytes = bytes / 8;
    let raw_changed = raw_transfer(changed_bytes)?;
    let median_of = |f: fn(&prescient_wire::MigrationReport) -> u64| {
        let mut v: Vec<u64> = moves
            .iter()
            .filter_map(|m| m.report.as_ref().map(f))
            .collect();
        v.sort();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    Ok(LoopRow {
        case: case.name(),
        bytes,
        changed_bytes,
        raw_changed_seconds: raw_changed,
        downtime: median(moves.iter().map(|m| m.downtime_seconds).collect()),
        downtime_no_precopy: median(plain_moves.iter().map(|m| m.downtime_seconds).collect()),
        target: 1.2 * raw_changed + 0.010,
        migrations: moves.len(),
        precopied_bytes_median: median_of(|r| r.precopied_bytes),
        prefaulted_bytes_median: median_of(|r| r.prefaulted_bytes),
        wall_still: walls[0],
        wall_moving: walls[1],
        wall_moving_no_precopy: walls[2],
        slowdown: walls[1] / walls[0].max(1e-9),
    })
}

struct Quiet;

impl Observer for Quiet {
    fn output(&mut self, _: Stream, _: &[u8]) {}
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Seconds to send `bytes` over loopback TCP, median of three.
fn raw_transfer(bytes: u64) -> Result<f64, Failure> {
    let chunk = 1usize << 20;
    let mut times = Vec::new();
    for _ in 0..3 {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(Failure::internal)?;
        let addr = listener.local_addr().map_err(Failure::internal)?;
        let reader = std::thread::spawn(move || -> std::io::Result<()> {
            let (mut s, _) = listener.accept()?;
            // The receive buffer is faulted in before the clock starts, as the
            // worker's receive buffers would be reused.
            let mut buf = vec![1u8; chunk];
            let mut left = bytes;
            while left > 0 {
                let n = s.read(&mut buf[..(left.min(chunk as u64) as usize)])?;
                if n == 0 {
                    break;
                }
                left -= n as u64;
            }
            s.write_all(b"k")
        });
        let mut s = TcpStream::connect(addr).map_err(Failure::internal)?;
        let _ = s.set_nodelay(true);
        let buf = vec![7u8; chunk];
        let t0 = Instant::now();
        let mut left = bytes;
        while left > 0 {
            let n = left.min(chunk as u64) as usize;
            s.write_all(&buf[..n]).map_err(Failure::internal)?;
            left -= n as u64;
        }
        let mut ack = [0u8; 1];
        s.read_exact(&mut ack).map_err(Failure::internal)?;
        times.push(t0.elapsed().as_secs_f64());
        let _ = reader.join();
    }
    Ok(median(times))
}

fn script(bytes: u64, steps: usize, spin: f64, changed: bool) -> String {
    let per = (bytes / 8 / 8).max(1);
    let mut s = format!(
        "import time\nimport numpy as np\narrs = [np.full({per}, float(i)) for i in range(8)]\n"
    );
    // One top-level loop per section: each is a section of its own.
    for i in 0..steps {
        s.push_str(&format!(
            "for _ in range(1):\n    t = time.perf_counter()\n    while time.perf_counter() - t < {spin}:\n        pass\n"
        ));
        if changed {
            s.push_str(&format!("    arrs[{}] += 1.0\n", i % 8));
        }
    }
    s.push_str("print(float(sum(a[0] for a in arrs)))\n");
    s
}

/// Downtimes of the migrations after the step sections (not the first one,
/// which follows the allocation and has nothing pre-copied).
fn scenario(
    cluster: &Cluster,
    dir: &std::path::Path,
    job: u64,
    bytes: u64,
    steps: usize,
    changed: bool,
    precopy: bool,
) -> Result<(Vec<f64>, Vec<prescient_wire::MigrationReport>), Failure> {
    // Long enough for the pre-copy (through the agents, about 0.5 GB/s here)
    // to finish within the section.
    let spin = (bytes as f64 / 1e9 * 5.0).max(0.5);
    let text = script(bytes, steps, spin, changed);
    let spec = job_spec(dir, job, text)?;
    let plan = JobPlan {
        spec,
        start_node: 0,
        migrate_every: 1,
        precopy,
        checkpoint_interval: None,
        loop_step: prescient_runtime::coordinator::LOOP_STEP_SECONDS,
        faults: Default::default(),
        resume: None,
    };
    let out = coordinator::run_job(cluster, plan, &mut Quiet);
    if out.end.code != 0 {
        return Err(Failure::internal(anyhow!(
            "the benchmark job failed: {:?}",
            out.end
        )));
    }
    let moves: Vec<_> = out
        .migrations
        .iter()
        .filter(|m| m.ok && m.after_unit >= 2)
        .collect();
    if moves.is_empty() {
        return Err(Failure::internal(anyhow!(
            "the benchmark job did not migrate: {:?}",
            out.migrations
        )));
    }
    Ok((
        moves.iter().map(|m| m.downtime_seconds).collect(),
        moves.iter().filter_map(|m| m.report.clone()).collect(),
    ))
}

pub fn run(a: Args) -> Result<(), Failure> {
    let sizes: Vec<u64> = a
        .sizes
        .iter()
        .map(|s| parse_bytes(s).map_err(|e| Failure::input(anyhow!(e))))
        .collect::<Result<_, _>>()?;
    let env = crate::node::env(a.python.clone())?;
    let spec = cluster_spec(None)?;
    let cluster = Cluster::start(&spec, &crate::node::cluster_options(&env, true)?)
        .map_err(Failure::internal)?;
    let dir = std::env::temp_dir().join(format!("prescient-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(Failure::internal)?;
    let mut rows = Vec::new();
    let mut job = 0;
    println!(
        "{:>9}  {:>10}  {:>12}  {:>14}  {:>14}  {:>12}  {:>13}  {:>9}",
        "state",
        "raw all",
        "no pre-copy",
        "pre-copy same",
        "raw 1/8",
        "pre-copy 1/8",
        "target 1/8",
        "parts"
    );
    for &bytes in &sizes {
        let changed_bytes = bytes / 8;
        let raw_all = raw_transfer(bytes)?;
        let raw_changed = raw_transfer(changed_bytes)?;
        job += 1;
        let (none, _) = scenario(&cluster, &dir, job, bytes, a.steps, false, false)?;
        job += 1;
        let (same, _) = scenario(&cluster, &dir, job, bytes, a.steps, false, true)?;
        job += 1;
        let (changed, reports) = scenario(&cluster, &dir, job, bytes, a.steps, true, true)?;
        let row = Row {
            bytes,
            changed_bytes,
            raw_all_seconds: raw_all,
            raw_changed_seconds: raw_changed,
            downtime_no_precopy: median(none),
            downtime_precopy_unchanged: median(same),
            downtime_precopy_changed: median(changed),
            target_changed: 1.2 * raw_changed + 0.010,
            checkpoint_seconds: median(reports.iter().map(|r| r.checkpoint_seconds).collect()),
            transfer_seconds: median(reports.iter().map(|r| r.transfer_seconds).collect()),
            restore_seconds: median(reports.iter().map(|r| r.restore_seconds).collect()),
        };
        let ms = |s: f64| format!("{:.0} ms", s * 1000.0);
        let parts = format!(
            "ckpt {} + send {} + restore {}",
            ms(row.checkpoint_seconds),
            ms(row.transfer_seconds),
            ms(row.restore_seconds)
        );
        println!(
            "{:>9}  {:>10}  {:>12}  {:>14}  {:>14}  {:>12}  {:>13}  {parts}",
            prescient_runtime::agent::human_bytes(bytes),
            ms(row.raw_all_seconds),
            ms(row.downtime_no_precopy),
            ms(row.downtime_precopy_unchanged),
            ms(row.raw_changed_seconds),
            ms(row.downtime_precopy_changed),
            ms(row.target_changed),
        );
        rows.push(row);
    }
    let loop_sizes: Vec<u64> = a
        .loop_sizes
        .iter()
        .map(|s| parse_bytes(s).map_err(|e| Failure::input(anyhow!(e))))
        .collect::<Result<_, _>>()?;
    let mut loops = Vec::new();
    if !loop_sizes.is_empty() {
        println!(
            "\nmain() loops, moved between every two iterations (median pause with and without pre-copy; whole run still, moving, moving without pre-copy):\n{:>9}  {:>9}  {:>9}  {:>10}  {:>10}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}",
            "case", "state", "raw 1/8", "downtime", "no pre", "target", "pre-copy", "faulted", "still", "moving", "no pre", "slowdown"
        );
    }
    for &bytes in &loop_sizes {
        for case in [LoopCase::Rewritten, LoopCase::Fresh] {
            let r = loop_case(&cluster, &dir, &mut job, case, bytes, a.iterations.max(2))?;
            let ms = |s: f64| format!("{:.0} ms", s * 1000.0);
            println!(
                "{:>9}  {:>9}  {:>9}  {:>10}  {:>10}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>9}  {:>8.2}x",
                r.case,
                prescient_runtime::agent::human_bytes(r.bytes),
                ms(r.raw_changed_seconds),
                ms(r.downtime),
                ms(r.downtime_no_precopy),
                ms(r.target),
                prescient_runtime::agent::human_bytes(r.precopied_bytes_median),
                prescient_runtime::agent::human_bytes(r.prefaulted_bytes_median),
                format!("{:.2} s", r.wall_still),
                format!("{:.2} s", r.wall_moving),
                format!("{:.2} s", r.wall_moving_no_precopy),
                r.slowdown
            );
            loops.push(r);
        }
    }
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(p) = &a.json {
        let all = serde_json::json!({"sections": rows, "loops": loops});
        let text = serde_json::to_string_pretty(&all).map_err(Failure::internal)?;
        std::fs::write(p, text + "\n")
            .with_context(|| format!("cannot write {}", p.display()))
            .map_err(Failure::internal)?;
    }
    Ok(())
}
