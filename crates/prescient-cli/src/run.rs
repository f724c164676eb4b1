//! `prescient run FILE [-- ARGS]`: runs a program on the local cluster, section
//! by section, and shows predicted against actual demand.
//!
//! Exit code: the program's own. Before the program starts, Prescient's own
//! codes apply (2: bad input; 1: internal); 3 means the runtime lost the job
//! (no node left to run it, or no worker could start).

use crate::Failure;
use anyhow::{anyhow, Context};
use indicatif::{ProgressBar, ProgressStyle};
use prescient_model::cluster::{ClusterSpec, NodeSpec};
use prescient_model::Analysis;
use prescient_runtime::agent::human_bytes;
use prescient_runtime::coordinator::{
    self, Cluster, Faults, JobOutcome, JobPlan, MigrationRecord, Observer, RecoveryRecord,
    UnitRecord,
};
use prescient_store::{Demand, SectionRun};
use prescient_wire::{Fault, JobSpec, Stream, Unit};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// Exit code when the runtime lost the job.
pub const EXIT_LOST: u8 = 3;

#[derive(clap::Args)]
pub struct Args {
    /// The Python program to run.
    file: PathBuf,
    /// Cluster spec (TOML). Default: this machine split into two nodes.
    #[arg(long, value_name = "FILE")]
    cluster: Option<PathBuf>,
    /// Write the run summary as JSON (schema `prescient.run/1`, see docs/schema/run.md).
    #[arg(long, value_name = "FILE.json")]
    report: Option<PathBuf>,
    /// Move the job to the next node after every K sections (round robin), to
    /// show and test migration.
    #[arg(long, value_name = "K")]
    migrate_every: Option<usize>,
    /// Do not send the job's arrays ahead of a migration (pre-copy): the whole
    /// state then moves during the pause.
    #[arg(long)]
    no_precopy: bool,
    /// Save a recovery checkpoint when this many seconds have passed since the
    /// last one (0: after every section).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    checkpoint_interval: f64,
    /// Inside a loop, stop to migrate or checkpoint only once the job has run
    /// this many seconds since its last stop (0: at every iteration).
    #[arg(long, value_name = "SECONDS", default_value_t = coordinator::LOOP_STEP_SECONDS)]
    loop_step: f64,
    /// Never save recovery checkpoints (a lost node then restarts the job).
    #[arg(long)]
    no_checkpoint: bool,
    /// No summary and no progress on stderr: only the program's own output.
    #[arg(long, short)]
    quiet: bool,
    /// Predict from the first-sight model only, ignoring earlier runs.
    #[arg(long)]
    no_history: bool,
    /// Use this Python interpreter as the worker environment instead of the managed one.
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// Hand jobs over through the agents over TCP, as between hosts, even
    /// between agents on this host.
    #[arg(long, hide = true)]
    tcp_only: bool,
    /// Test hook: `migration:N:drop-connection|restore-fails|target-dies` or
    /// `kill-agent-after:SECTION` or `kill-agent-after-step:N` (the Nth stop
    /// between loop iterations).
    #[arg(long, hide = true)]
    inject_fault: Vec<String>,
    /// The program's own command-line arguments, after `--`.
    #[arg(last = true)]
    args: Vec<String>,
}

fn parse_faults(specs: &[String]) -> Result<Faults, Failure> {
    let mut f = Faults::default();
    for s in specs {
        let parts: Vec<&str> = s.split(':').collect();
        match parts.as_slice() {
            ["migration", n, kind] => {
                let n: usize = n
                    .parse()
                    .map_err(|_| Failure::input(anyhow!("bad fault {s}")))?;
                let fault = match *kind {
                    "drop-connection" => Fault::DropConnection,
                    "restore-fails" => Fault::RestoreFails,
                    "target-dies" => Fault::TargetDies,
                    _ => return Err(Failure::input(anyhow!("unknown fault {kind}"))),
                };
                f.migration.insert(n, fault);
            }
            ["kill-agent-after", n] => {
                f.kill_agent_after_unit = Some(
                    n.parse()
                        .map_err(|_| Failure::input(anyhow!("bad fault {s}")))?,
                )
            }
            ["kill-agent-after-step", n] => {
                f.kill_agent_after_step = Some(
                    n.parse()
                        .map_err(|_| Failure::input(anyhow!("bad fault {s}")))?,
                )
            }
            _ => return Err(Failure::input(anyhow!("bad fault {s}"))),
        }
    }
    Ok(f)
}

/// CPU features of this host that the cluster spec vocabulary knows.
pub fn host_features() -> Vec<String> {
    let flags = prescient_runtime::isa::host_flags();
    ["avx2", "avx512f", "fma", "aes", "sha_ni"]
        .iter()
        .filter(|f| flags.contains(**f))
        .map(|f| f.to_string())
        .collect()
}

pub fn host_memory() -> u64 {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
        })
        .map(|kib| kib * 1024)
        .unwrap_or(4 << 30)
}

pub fn cluster_spec(path: Option<&Path>) -> Result<ClusterSpec, Failure> {
    match path {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("cannot read {}", p.display()))
                .map_err(Failure::input)?;
            let mut spec = ClusterSpec::parse(&text)
                .with_context(|| format!("cluster spec {}", p.display()))
                .map_err(Failure::input)?;
            spec.fill_features(&host_features());
            Ok(spec)
        }
        None => {
            let cores = std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1);
            Ok(ClusterSpec::local_default(
                cores,
                host_memory(),
                &host_features(),
            ))
        }
    }
}

/// One unit of execution and the analysis sections it covers.
pub struct UnitPlan {
    pub unit: Unit,
    pub predicted: Option<Demand>,
}

/// Units are the analysis's sections in the order they run (see [`prescient_plan::forecast::units`]).
pub fn units(a: &Analysis, worker_rss: f64) -> Vec<UnitPlan> {
    prescient_plan::forecast::units(a, worker_rss)
        .into_iter()
        .map(|u| UnitPlan {
            unit: Unit {
                start_line: u.start_line,
                end_line: u.end_line,
                scope: u.scope,
            },
            predicted: u.forecast.map(|f| Demand {
                wall_seconds: f.seconds,
                cpu_seconds: f.seconds * f.cores,
                peak_memory_bytes: f.memory,
            }),
        })
        .collect()
}

struct Console {
    quiet: bool,
    bar: Option<ProgressBar>,
    n_units: usize,
    lines: Vec<(u32, u32)>,
}

impl Console {
    fn write(&self, stream: Stream, bytes: &[u8]) {
        let put = || match stream {
            Stream::Stdout => {
                let mut o = std::io::stdout().lock();
                let _ = o.write_all(bytes);
                let _ = o.flush();
            }
            Stream::Stderr => {
                let mut e = std::io::stderr().lock();
                let _ = e.write_all(bytes);
                let _ = e.flush();
            }
        };
        match &self.bar {
            Some(b) => b.suspend(put),
            None => put(),
        }
    }

    fn note(&self, text: &str) {
        match &self.bar {
            Some(b) => b.println(text),
            None => eprintln!("{text}"),
        }
    }
}

impl Observer for Console {
    fn output(&mut self, stream: Stream, bytes: &[u8]) {
        self.write(stream, bytes);
    }

    fn unit_started(&mut self, unit: usize, node: &str) {
        if let Some(b) = &self.bar {
            let (s, e) = self.lines.get(unit).copied().unwrap_or((0, 0));
            b.set_position(unit as u64);
            b.set_message(format!(
                "section {}/{} (lines {s}-{e}) on {node}",
                unit + 1,
                self.n_units
            ));
        }
    }

    fn unit_done(&mut self, r: &UnitRecord) {
        if let Some(b) = &self.bar {
            b.set_position(r.unit as u64 + 1);
        }
    }

    fn migration(&mut self, r: &MigrationRecord) {
        if self.bar.is_some() {
            self.note(&migration_line(r));
        }
    }

    fn recovery(&mut self, r: &RecoveryRecord) {
        if self.quiet {
            return;
        }
        self.note(&recovery_line(r));
    }
}

/// SIGINT, SIGTERM and SIGHUP go to the program, which reacts as under plain
/// Python (KeyboardInterrupt, or death by the signal, which `prescient` then
/// dies of too).
extern "C" fn on_signal(sig: libc::c_int) {
    use std::sync::atomic::Ordering;
    if coordinator::SIGNALLED.swap(sig, Ordering::SeqCst) != 0 {
        // A second signal: stop now. The agents see the coordinator go and
        // stop their workers.
        // SAFETY: _exit is async-signal-safe.
        unsafe { libc::_exit(128 + sig) };
    }
}

pub fn run(a: Args) -> Result<u8, Failure> {
    let (analysis, source) = crate::analyze::analyse_file_with_source(&a.file, &a.args)?;
    // The analyser accepts UTF-8 text only, so this cannot fail on its output.
    let source = String::from_utf8(source)
        .map_err(|e| Failure::input(anyhow!("{}: {e}", a.file.display())))?;
    let spec = cluster_spec(a.cluster.as_deref())?;
    let faults = parse_faults(&a.inject_fault)?;
    let env = crate::node::env(a.python.clone())?;
    let store = crate::node::open_store()?;
    let profile = crate::node::profile(&env, &store)?;
    let instances = spec.instances();
    let first_physical = instances
        .iter()
        .position(|n| n.kind == prescient_model::cluster::NodeKind::Physical)
        .ok_or_else(|| Failure::input(anyhow!("the cluster has no physical node to start on")))?;
    let first: &NodeSpec = &instances[first_physical];
    let worker_key = format!("{}/worker", profile.fingerprint.id());
    let threads = first.cores.round().max(1.0) as u32;
    let opts = prescient_profile::Options {
        threads: Some(crate::node::threads_from_env().unwrap_or(threads)),
    };
    let first_sight = prescient_profile::predict(&analysis, &profile, &opts);
    let mut predicted = first_sight.clone();
    // Each section as measured in earlier runs of this code and arguments.
    let measured = if a.no_history {
        Vec::new()
    } else {
        let obs = crate::predict::observations(&store, &worker_key, &analysis, false);
        prescient_profile::history::apply(&mut predicted, &obs);
        crate::catalog::measured_units(&store, &analysis, &a.args, &worker_key)
    };
    let cwd = std::env::current_dir()
        .context("cannot read the current directory")
        .map_err(Failure::internal)?;
    // What CPython makes of the script path: the current directory joined in
    // front of a relative path, nothing normalised.
    let abs = if a.file.is_absolute() {
        a.file.clone()
    } else {
        PathBuf::from(format!("{}/{}", cwd.display(), a.file.display()))
    };
    let plan_units = units(&predicted.analysis, 0.0);
    let mut argv = vec![a.file.display().to_string()];
    argv.extend(a.args.iter().cloned());
    let job_spec = JobSpec {
        job: 1,
        file: abs.display().to_string(),
        source,
        argv,
        cwd: cwd.display().to_string(),
        units: plan_units.iter().map(|u| u.unit.clone()).collect(),
        env: vec![
            ("OMP_NUM_THREADS".into(), threads.to_string()),
            ("OPENBLAS_NUM_THREADS".into(), threads.to_string()),
        ]
        .into_iter()
        .filter(|(k, _)| std::env::var_os(k).is_none())
        .collect(),
        memory_limit: first.memory,
        user: None,
    };
    let opts = crate::node::cluster_options(&env, !a.tcp_only)?;
    let cluster = Cluster::start(&spec, &opts).map_err(Failure::internal)?;
    if !a.quiet {
        for w in &cluster.warnings {
            eprintln!("warning: {w}");
        }
    }
    // SAFETY: the handler only touches an atomic and calls _exit.
    unsafe {
        for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            libc::signal(sig, on_signal as *const () as libc::sighandler_t);
        }
    }
    let bar = (!a.quiet && std::io::stderr().is_terminal()).then(|| {
        let b = ProgressBar::new(plan_units.len() as u64);
        b.set_style(
            ProgressStyle::with_template("prescient [{bar:20}] {pos}/{len} {msg} {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        b
    });
    let mut console = Console {
        quiet: a.quiet,
        bar,
        n_units: plan_units.len(),
        lines: plan_units
            .iter()
            .map(|u| (u.unit.start_line, u.unit.end_line))
            .collect(),
    };
    let plan = JobPlan {
        spec: job_spec,
        start_node: first_physical,
        migrate_every: a.migrate_every.unwrap_or(0),
        precopy: !a.no_precopy,
        checkpoint_interval: (!a.no_checkpoint).then_some(a.checkpoint_interval.max(0.0)),
        loop_step: a.loop_step.max(0.0),
        faults,
        resume: None,
    };
    let mut planner_report = None;
    let outcome = if a.migrate_every.is_some() {
        coordinator::run_job(&cluster, plan, &mut console)
    } else {
        // The planner decides where the job starts and where it moves.
        let nodes = crate::node::planned_nodes(&spec, crate::catalog::worker_rss(&profile));
        let mut forecast = prescient_plan::Forecast::from_analysis(
            &predicted.analysis,
            crate::catalog::worker_rss(&profile),
        );
        forecast.learn(&measured);
        let info = prescient_plan::JobInfo {
            id: 0,
            submit: 0.0,
            priority: 0,
            deadline: None,
            declared: prescient_plan::Declared::default(),
            forecast,
            key: 0,
        };
        let mut policy = prescient_plan::policies::proactive::Proactive::new(nodes.clone());
        let console_shared = std::sync::Arc::new(std::sync::Mutex::new(console));
        let first = plan.clone();
        let mut host = crate::steer::RunHost::new(
            info.clone(),
            plan,
            &nodes,
            &cluster,
            console_shared.clone(),
        );
        let looped = prescient_engine::run(
            "proactive",
            &mut policy,
            &cluster,
            &nodes,
            &mut host,
            f64::INFINITY,
        );
        if let Err(e) = &looped {
            tracing::warn!("the planner's loop ended: {e}");
        }
        planner_report = Some(crate::steer::report(
            &info.forecast,
            host.decisions(),
            host.unit_starts(),
        ));
        let placed = host.outcome.take();
        drop(host);
        console = std::sync::Arc::try_unwrap(console_shared)
            .map_err(|_| Failure::internal(anyhow::anyhow!("the console is still shared")))?
            .into_inner()
            .unwrap_or_else(|p| p.into_inner());
        match placed {
            Some(o) => o,
            None => {
                // Never placed: no node had room for the forecast. The run
                // goes on where it would without a planner.
                if !a.quiet {
                    console.note(&format!(
                        "warning: the planner found no node with room for the forecast (peak {}); starting on {}",
                        human_bytes(info.forecast.peak(0..info.forecast.sections.len()).1 as u64),
                        instances[first_physical].name
                    ));
                }
                let mut plan = first;
                plan.start_node = first_physical;
                plan.spec.memory_limit = instances[first_physical].memory;
                coordinator::run_job(&cluster, plan, &mut console)
            }
        }
    };
    if let Some(b) = &console.bar {
        b.finish_and_clear();
    }
    let node_names = cluster.node_names();
    drop(cluster);
    // Predictions again, now that the worker's own baseline is known; where
    // earlier runs measured each section, what they measured (as the
    // planner forecasts it), so that the table shows what history knows.
    let mut plan_units = units(&predicted.analysis, outcome.worker_rss_bytes as f64);
    if !measured.is_empty() {
        let mut learnt = prescient_plan::Forecast::from_analysis(
            &predicted.analysis,
            outcome.worker_rss_bytes as f64,
        );
        learnt.learn(&measured);
        if learnt.sections.len() == plan_units.len() {
            for (u, f) in plan_units.iter_mut().zip(&learnt.sections) {
                u.predicted = Some(Demand {
                    wall_seconds: f.seconds,
                    cpu_seconds: f.seconds * f.cores,
                    peak_memory_bytes: f.memory,
                });
            }
        }
    }
    let mut report = build_report(&a, &analysis, &plan_units, &outcome, &spec, &node_names);
    report.planner = planner_report;
    if let Some(path) = &a.report {
        let mut text = serde_json::to_string_pretty(&report).map_err(Failure::internal)?;
        text.push('\n');
        std::fs::write(path, text)
            .with_context(|| format!("cannot write {}", path.display()))
            .map_err(Failure::internal)?;
    }
    if !a.quiet {
        eprint!("{}", render_summary(&report));
    } else if let (Some(reason), None) = (&report.reason, outcome.end.signal) {
        // Quiet keeps Prescient's own lines out, but not why it ended the
        // job (a limit, a lost node): that is nowhere else to be seen.
        eprintln!("prescient: {reason}");
    }
    record(
        &store,
        &analysis,
        &profile,
        &worker_key,
        &first_sight,
        &report,
    );
    if report.lost {
        return Ok(EXIT_LOST);
    }
    if let Some(sig) = outcome.end.signal {
        // Die of the signal the program died of, as plain Python would.
        // SAFETY: resetting a handler and raising a signal on ourselves.
        unsafe {
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }
    Ok((outcome.end.code & 0xff) as u8)
}

/// Feeds the run into the history: the whole program for the learning of the
/// prediction issue, and each section's telemetry.
fn record(
    store: &prescient_store::Store,
    a: &Analysis,
    node: &prescient_model::NodeProfile,
    worker_key: &str,
    first_sight: &prescient_profile::Predicted,
    report: &RunReport,
) {
    if report.exit_code != 0 || report.sections.iter().any(|s| s.actual.is_none()) {
        return;
    }
    let sections: Vec<SectionRun> = report
        .sections
        .iter()
        .filter_map(|s| {
            let act = s.actual.as_ref()?;
            Some(SectionRun {
                section: s.index,
                start_line: s.start_line,
                end_line: s.end_line,
                node_name: s.node.clone().unwrap_or_default(),
                predicted: s.predicted.clone().unwrap_or_default(),
                actual: Demand {
                    wall_seconds: act.wall_seconds,
                    cpu_seconds: act.cpu_seconds,
                    peak_memory_bytes: act.peak_rss_bytes as f64,
                },
            })
        })
        .collect();
    crate::predict::record_worker_run(store, a, node, worker_key, first_sight, &sections);
}

#[derive(Serialize)]
pub struct RunReport {
    pub schema: &'static str,
    pub file: String,
    pub args: Vec<String>,
    pub exit_code: i32,
    /// Why the job ended, when it was not the program's own doing.
    pub reason: Option<String>,
    /// The section that was running when the job ended early, 0-based.
    pub ended_in_section: Option<usize>,
    /// The runtime lost the job (exit code 3).
    pub lost: bool,
    pub nodes: Vec<NodeSpec>,
    pub worker: WorkerReport,
    pub sections: Vec<SectionReport>,
    pub migrations: Vec<MigrationRecord>,
    pub recoveries: Vec<RecoveryRecord>,
    pub checkpoints: usize,
    /// The longest wait a checkpoint cost the job (its worker's fork).
    pub checkpoint_pause_max_seconds: f64,
    pub checkpoint_pause_total_seconds: f64,
    pub predicted_total: Demand,
    pub actual_total: Demand,
    /// The planner's decisions (absent under `--migrate-every`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planner: Option<crate::steer::PlannerReport>,
}

#[derive(Serialize)]
pub struct WorkerReport {
    pub warm: bool,
    pub setup_seconds: f64,
    pub baseline_rss_bytes: u64,
}

#[derive(Serialize)]
pub struct SectionReport {
    pub index: usize,
    pub start_line: u32,
    pub end_line: u32,
    pub node: Option<String>,
    pub predicted: Option<Demand>,
    pub actual: Option<prescient_wire::UnitUsage>,
}

fn build_report(
    a: &Args,
    analysis: &Analysis,
    units: &[UnitPlan],
    o: &JobOutcome,
    spec: &ClusterSpec,
    _node_names: &[String],
) -> RunReport {
    let sections: Vec<SectionReport> = units
        .iter()
        .enumerate()
        .map(|(i, u)| {
            // After a recovery a unit may have run twice; the last run counts.
            let rec = o.units.iter().rev().find(|r| r.unit == i);
            let ended_here = o.end.unit == Some(i) && o.end.code != 0;
            SectionReport {
                index: i,
                start_line: u.unit.start_line,
                end_line: u.unit.end_line,
                node: rec
                    .map(|r| r.node.clone())
                    .or_else(|| o.end_node.clone().filter(|_| ended_here)),
                predicted: u.predicted.clone(),
                actual: rec.map(|r| r.usage.clone()),
            }
        })
        .collect();
    let mut pt = Demand::default();
    let mut at = Demand::default();
    for s in &sections {
        if let Some(p) = &s.predicted {
            pt.wall_seconds += p.wall_seconds;
            pt.cpu_seconds += p.cpu_seconds;
            pt.peak_memory_bytes = pt.peak_memory_bytes.max(p.peak_memory_bytes);
        }
        if let Some(x) = &s.actual {
            at.wall_seconds += x.wall_seconds;
            at.cpu_seconds += x.cpu_seconds;
            at.peak_memory_bytes = at.peak_memory_bytes.max(x.peak_rss_bytes as f64);
        }
    }
    let lost = o.end.lost;
    let mut reason = o.end.reason.clone();
    if let (Some(r), Some(u)) = (&mut reason, o.end.unit) {
        if let Some(s) = sections.get(u) {
            if r.contains("memory limit") {
                *r = format!(
                    "{r} in section {} (lines {}-{})",
                    u + 1,
                    s.start_line,
                    s.end_line
                );
            }
        }
    }
    RunReport {
        schema: "prescient.run/1",
        file: analysis.file.clone(),
        args: a.args.clone(),
        exit_code: o.end.code,
        reason,
        ended_in_section: o.end.unit.filter(|_| o.end.code != 0),
        lost,
        nodes: spec.nodes.clone(),
        worker: WorkerReport {
            warm: o.warm_start,
            setup_seconds: o.setup_seconds,
            baseline_rss_bytes: o.worker_rss_bytes,
        },
        sections,
        migrations: o.migrations.clone(),
        recoveries: o.recoveries.clone(),
        checkpoints: o.checkpoints,
        checkpoint_pause_max_seconds: o.checkpoint_pause_max_seconds,
        checkpoint_pause_total_seconds: o.checkpoint_pause_total_seconds,
        predicted_total: pt,
        actual_total: at,
        planner: None,
    }
}

fn secs(s: f64) -> String {
    if s < 1.0 {
        format!("{:.0}ms", s * 1000.0)
    } else {
        format!("{s:.2}s")
    }
}

fn recovery_line(r: &RecoveryRecord) -> String {
    format!(
        "prescient: node {} was lost; the job resumed on {} {} section {} ({})",
        r.lost_node,
        r.to,
        if r.within_unit { "inside" } else { "at" },
        r.resumed_at_unit + 1,
        if r.from_checkpoint {
            "from its last checkpoint"
        } else {
            "from the start: no checkpoint yet"
        }
    )
}

fn migration_line(m: &MigrationRecord) -> String {
    let what = if m.ok {
        let r = m.report.clone().unwrap_or_default();
        let pre = if r.precopied_bytes > 0 {
            format!(" (+{} pre-copied)", human_bytes(r.precopied_bytes))
        } else {
            String::new()
        };
        format!(
            "moved {}{pre} in {} buffers, downtime {}",
            human_bytes(r.bytes),
            r.buffers,
            secs(m.downtime_seconds)
        )
    } else if m.refused {
        format!(
            "refused: {}; the job stayed",
            m.reason.as_deref().unwrap_or("?")
        )
    } else {
        format!(
            "failed: {}; the job stayed",
            m.reason.as_deref().unwrap_or("?")
        )
    };
    // A move between two loop iterations is inside the section the job goes
    // on with; saying "after" the previous one would misplace it.
    let at = if m.within_unit {
        format!("within section {}", m.after_unit + 1)
    } else {
        format!("after section {}", m.after_unit)
    };
    format!(
        "prescient: migration {} {at}: {} -> {}: {what}",
        m.number, m.from, m.to
    )
}

pub fn render_summary(r: &RunReport) -> String {
    let mut s = String::new();
    let name = Path::new(&r.file)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| r.file.clone());
    s.push_str(&format!(
        "\n── prescient run: {name} ── predicted / actual ──\n"
    ));
    s.push_str(&format!(
        "{:>4}  {:<9}  {:<6}  {:>17}  {:>17}  {:>21}\n",
        "sec", "lines", "node", "wall", "cpu", "peak RSS"
    ));
    let pair = |p: Option<f64>, a: Option<f64>, f: &dyn Fn(f64) -> String| {
        format!(
            "{} / {}",
            p.map(f).unwrap_or_else(|| "-".into()),
            a.map(f).unwrap_or_else(|| "-".into())
        )
    };
    let mib = |b: f64| format!("{:.1}MiB", b / 1048576.0);
    for sec in &r.sections {
        let p = sec.predicted.as_ref();
        let x = sec.actual.as_ref();
        s.push_str(&format!(
            "{:>4}  {:<9}  {:<6}  {:>17}  {:>17}  {:>21}\n",
            sec.index + 1,
            format!("{}-{}", sec.start_line, sec.end_line),
            sec.node.as_deref().unwrap_or("-"),
            pair(p.map(|p| p.wall_seconds), x.map(|x| x.wall_seconds), &secs),
            pair(p.map(|p| p.cpu_seconds), x.map(|x| x.cpu_seconds), &secs),
            pair(
                p.map(|p| p.peak_memory_bytes),
                x.map(|x| x.peak_rss_bytes as f64),
                &mib
            ),
        ));
    }
    s.push_str(&format!(
        "{:>4}  {:<9}  {:<6}  {:>17}  {:>17}  {:>21}\n",
        "all",
        "",
        "",
        pair(
            Some(r.predicted_total.wall_seconds),
            Some(r.actual_total.wall_seconds),
            &secs
        ),
        pair(
            Some(r.predicted_total.cpu_seconds),
            Some(r.actual_total.cpu_seconds),
            &secs
        ),
        pair(
            Some(r.predicted_total.peak_memory_bytes),
            Some(r.actual_total.peak_memory_bytes),
            &mib
        ),
    ));
    s.push_str(&format!(
        "worker: {} start, set up in {}, baseline {}\n",
        if r.worker.warm { "warm" } else { "cold" },
        secs(r.worker.setup_seconds),
        human_bytes(r.worker.baseline_rss_bytes)
    ));
    if let Some(p) = &r.planner {
        for line in crate::steer::lines(p) {
            s.push_str(&line);
            s.push('\n');
        }
    }
    for m in &r.migrations {
        s.push_str(&migration_line(m));
        s.push('\n');
    }
    for x in &r.recoveries {
        s.push_str(&recovery_line(x));
        s.push('\n');
    }
    if r.checkpoints > 0 {
        s.push_str(&format!(
            "checkpoints: {} saved; each held the job {} at most ({} in all), written while it ran\n",
            r.checkpoints,
            secs(r.checkpoint_pause_max_seconds),
            secs(r.checkpoint_pause_total_seconds)
        ));
    }
    match &r.reason {
        Some(reason) => s.push_str(&format!("ended: {reason} (exit code {})\n", r.exit_code)),
        None => s.push_str(&format!("exit code {}\n", r.exit_code)),
    }
    s
}
