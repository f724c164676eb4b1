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
    let path = dir.join(format!("bench_{job}.py"));
    std::fs::write(&path, &text).map_err(Failure::internal)?;
    let analysis = crate::analyze::analyse_file(&path, &[])?;
    let plan_units = units(&analysis, 0.0);
    let spec = JobSpec {
        job,
        file: path.display().to_string(),
        source: text,
        argv: vec![path.display().to_string()],
        cwd: dir.display().to_string(),
        units: plan_units.iter().map(|u| u.unit.clone()).collect(),
        env: vec![],
        memory_limit: 0,
    };
    let plan = JobPlan {
        spec,
        start_node: 0,
        migrate_every: 1,
        precopy,
        checkpoint_interval: None,
        loop_step: prescient_runtime::coordinator::LOOP_STEP_SECONDS,
        faults: Default::default(),
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
    drop(cluster);
    let _ = std::fs::remove_dir_all(&dir);
    if let Some(p) = &a.json {
        let text = serde_json::to_string_pretty(&rows).map_err(Failure::internal)?;
        std::fs::write(p, text + "\n")
            .with_context(|| format!("cannot write {}", p.display()))
            .map_err(Failure::internal)?;
    }
    Ok(())
}
