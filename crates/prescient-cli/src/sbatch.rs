//! `prescient sbatch FILE [-- ARGS]`: for users who keep Slurm. The program
//! is analysed and predicted on this node, and submitted with `sbatch`
//! asking for what the forecast's upper bounds say it needs: `--mem` (the
//! peak memory's upper bound), `--time` (one and a half times the wall
//! time's upper bound, plus a minute, in whole minutes) and
//! `--cpus-per-task` (the cores it is predicted to keep busy, CPU time over
//! wall time, rounded up).
//!
//! What the job used is learnt once Slurm's accounting has its end: with
//! `--wait` at once, otherwise at the next `prescient sbatch` (each pending
//! submission is kept in the data directory's `sbatch/` until then). The
//! run goes to the history like any other, so the next forecast of the
//! same program starts from what it measured.
//!
//! Assumes the cluster's nodes are like this one (the forecast is made for
//! this node's calibration) and share its file system (the job runs the
//! worker environment's Python on the script where it is).

use crate::Failure;
use anyhow::{anyhow, Context};
use prescient_runtime::agent::human_bytes;
use prescient_runtime::slurm::{Accounting, AllocState, BatchSystem, Slurm};
use prescient_store::{Demand, RunRecord};
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// The Python program to submit.
    file: PathBuf,
    /// The Slurm partition.
    #[arg(long)]
    partition: Option<String>,
    /// The Slurm account.
    #[arg(long)]
    account: Option<String>,
    /// Another sbatch option, passed as it is (repeat for more).
    #[arg(long = "sbatch-arg", value_name = "OPTION", allow_hyphen_values = true)]
    sbatch_args: Vec<String>,
    /// Wait for the job to end, record what it used, and exit with its code.
    #[arg(long)]
    wait: bool,
    /// Print the sbatch options and script instead of submitting.
    #[arg(long)]
    dry_run: bool,
    /// Use this Python interpreter as the worker environment instead of the managed one.
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// The program's own arguments, after `--`.
    #[arg(last = true)]
    args: Vec<String>,
}

/// What is asked of Slurm for a forecast.
#[derive(Debug, PartialEq)]
pub struct Request {
    pub mem_mib: u64,
    pub time_minutes: u64,
    pub cpus: u64,
}

/// The request for a prediction's upper bounds (see the module docs).
pub fn request(peak_high: f64, wall_high: f64, cpu_over_wall: f64) -> Request {
    Request {
        mem_mib: (peak_high.max(16.0 * 1048576.0) / 1048576.0).ceil() as u64,
        time_minutes: ((wall_high * 1.5 + 60.0) / 60.0).ceil().max(1.0) as u64,
        // Cores kept busy, rounded up, but not for a rounding error's sake.
        cpus: (cpu_over_wall - 0.05).ceil().max(1.0) as u64,
    }
}

fn pending_dir() -> PathBuf {
    prescient_pyenv::data_home().join("sbatch")
}

pub fn run(a: Args) -> Result<u8, Failure> {
    let slurm = Slurm::default();
    if !a.dry_run {
        collect(&slurm);
    }
    let (analysis, _) = crate::analyze::analyse_file_with_source(&a.file, &a.args)?;
    let env = crate::node::env(a.python.clone())?;
    let store = crate::node::open_store()?;
    let profile = crate::node::profile(&env, &store)?;
    // A batch job is a plain `python FILE` process, measured as `eval`
    // measures one: its history is this node's, not its workers'.
    let first_sight = crate::predict::predict_with(&analysis, &profile, None, false);
    let predicted = crate::predict::predict_with(&analysis, &profile, Some(&store), false);
    let p = predicted
        .analysis
        .prediction
        .clone()
        .ok_or_else(|| Failure::internal(anyhow!("no prediction was made")))?;
    // A ratio over a wall time too short to measure says nothing of the
    // cores; a request is never more cores than this node has, nor less
    // memory than the interpreter's own.
    let busy = if p.wall_seconds >= 0.05 {
        p.cpu_seconds / p.wall_seconds
    } else {
        1.0
    };
    let mut req = request(
        p.peak_memory_interval.high.max(p.baseline_memory_bytes),
        p.wall_interval.high,
        busy,
    );
    req.cpus = req.cpus.min(u64::from(profile.fingerprint.cores.max(1)));
    let cwd = std::env::current_dir()
        .context("cannot read the current directory")
        .map_err(Failure::internal)?;
    let script_path = if a.file.is_absolute() {
        a.file.clone()
    } else {
        cwd.join(&a.file)
    };
    let stem = a
        .file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "job".into());
    let mut args = vec![
        "--parsable".to_string(),
        format!("--job-name=prescient-{stem}"),
        "--ntasks=1".into(),
        format!("--cpus-per-task={}", req.cpus),
        format!("--mem={}M", req.mem_mib),
        format!("--time={}", req.time_minutes),
        format!("--chdir={}", cwd.display()),
    ];
    if let Some(p) = &a.partition {
        args.push(format!("--partition={p}"));
    }
    if let Some(acct) = &a.account {
        args.push(format!("--account={acct}"));
    }
    args.extend(a.sbatch_args.iter().cloned());
    // The program runs under Prescient's measuring launcher, which writes
    // its wall time, CPU time and peak resident set (from wait4) where this
    // side finds them: Slurm's accounting may keep no memory figures.
    let report = pending_dir().join(format!("{}.measure", unique_name()));
    let exe = std::env::current_exe().map_err(Failure::internal)?;
    let mut words = vec![
        exe.display().to_string(),
        prescient_pyenv::run::LAUNCHER_ARG.to_string(),
        report.display().to_string(),
        env.python.display().to_string(),
        script_path.display().to_string(),
    ];
    words.extend(a.args.iter().cloned());
    let quoted: Result<Vec<String>, _> = words
        .iter()
        .map(|w| shlex::try_quote(w).map(|q| q.into_owned()))
        .collect();
    let quoted = quoted.map_err(|e| Failure::input(anyhow!("cannot quote the command: {e}")))?;
    let report_q = shlex::try_quote(&report.display().to_string())
        .map_err(|e| Failure::input(anyhow!("cannot quote the report path: {e}")))?
        .into_owned();
    let script = format!(
        "#!/bin/sh\n\
         # Submitted by prescient sbatch: predicted peak {} (upper {}), wall {:.1} s (upper {:.1} s).\n\
         {}\n\
         rc=$?\n\
         [ $rc -ne 0 ] && exit $rc\n\
         # The program's own exit: its wait status, as the launcher reported it.\n\
         st=$(cut -d' ' -f2 {report_q})\n\
         [ $((st & 127)) -ne 0 ] && exit $((128 + (st & 127)))\n\
         exit $(((st >> 8) & 255))\n",
        human_bytes(p.peak_memory_bytes as u64),
        human_bytes(p.peak_memory_interval.high as u64),
        p.wall_seconds,
        p.wall_interval.high,
        quoted.join(" ")
    );
    if a.dry_run {
        crate::analyze::write_stdout(&format!("sbatch {}\n{script}", args.join(" ")))?;
        return Ok(0);
    }
    let id = slurm
        .submit_script(&args, &script, &[], &format!("{}", a.file.display()))
        .map_err(Failure::internal)?;
    let record = crate::predict::record(&analysis, &profile, &first_sight, Demand::default());
    save_pending(&id, &Pending { record, report })?;
    crate::analyze::write_stdout(&format!(
        "Slurm job {id}: --mem={}M --time={} --cpus-per-task={} (predicted peak {} [{}-{}], wall {:.1} s [{:.1}-{:.1} s])\n",
        req.mem_mib,
        req.time_minutes,
        req.cpus,
        human_bytes(p.peak_memory_bytes as u64),
        human_bytes(p.peak_memory_interval.low as u64),
        human_bytes(p.peak_memory_interval.high as u64),
        p.wall_seconds,
        p.wall_interval.low,
        p.wall_interval.high,
    ))?;
    if !a.wait {
        return Ok(0);
    }
    let acc = wait_for(&slurm, &id, req.time_minutes as f64 * 60.0 + 300.0)?;
    let line = match record_outcome(&store, &id, &acc)? {
        Some(d) => format!(
            "Slurm job {id} {}: exit {}, wall {:.2} s, CPU {:.2} s, peak {} (recorded in the history)\n",
            acc.state,
            acc.exit_code,
            d.wall_seconds,
            d.cpu_seconds,
            human_bytes(d.peak_memory_bytes as u64)
        ),
        None => format!(
            "Slurm job {id} {}: exit {} (not recorded: only a run to a successful end measures what the program needs)\n",
            acc.state, acc.exit_code
        ),
    };
    crate::analyze::write_stdout(&line)?;
    Ok(acc.exit_code.clamp(0, 255) as u8)
}

/// A submission whose use is not recorded yet.
#[derive(serde::Serialize, serde::Deserialize)]
struct Pending {
    /// The run as predicted; its actual use is filled in at the end.
    record: RunRecord,
    /// Where the measuring launcher writes the program's figures.
    report: PathBuf,
}

/// A name no other submission of this host uses.
fn unique_name() -> String {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{t}-{}", std::process::id())
}

fn save_pending(id: &str, r: &Pending) -> Result<(), Failure> {
    let dir = pending_dir();
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create {}", dir.display()))
        .map_err(Failure::internal)?;
    let text = serde_json::to_string(r).map_err(Failure::internal)?;
    std::fs::write(dir.join(format!("{id}.json")), text)
        .with_context(|| format!("cannot write to {}", dir.display()))
        .map_err(Failure::internal)
}

/// Waits for the job's end to reach accounting.
fn wait_for(slurm: &Slurm, id: &str, patience: f64) -> Result<Accounting, Failure> {
    let until = Instant::now() + Duration::from_secs_f64(patience);
    loop {
        if let Some(acc) = slurm.accounting(id).map_err(Failure::internal)? {
            return Ok(acc);
        }
        if Instant::now() > until {
            let state = slurm.state(id).unwrap_or(AllocState::Ended("?".into()));
            return Err(Failure::internal(anyhow!(
                "Slurm job {id} has not ended after {patience:.0} s ({state:?}); it stays pending and is recorded by a later `prescient sbatch`"
            )));
        }
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// Puts a finished job's use in the history and forgets it as pending.
fn record_outcome(
    store: &prescient_store::Store,
    id: &str,
    acc: &Accounting,
) -> Result<Option<Demand>, Failure> {
    let path = pending_dir().join(format!("{id}.json"));
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))
        .map_err(Failure::internal)?;
    let pending: Pending = serde_json::from_str(&text)
        .with_context(|| format!("{} is damaged", path.display()))
        .map_err(Failure::internal)?;
    let measured = measured(&pending.report);
    let _ = std::fs::remove_file(&pending.report);
    let _ = std::fs::remove_file(&path);
    // Only a program that ran to its own successful end measured what it
    // needs: one that failed, ran out of time or memory would teach the
    // forecast to ask for too little.
    let Some(actual) = measured.filter(|_| acc.state == "COMPLETED" && acc.exit_code == 0) else {
        return Ok(None);
    };
    let mut r = pending.record;
    r.actual = actual.clone();
    store.record_run(&r).map_err(Failure::internal)?;
    Ok(Some(actual))
}

/// What the measuring launcher reported: a program that exited (not one
/// killed by a signal) with its wall time, CPU time and peak resident set.
fn measured(report: &std::path::Path) -> Option<Demand> {
    let text = std::fs::read_to_string(report).ok()?;
    let f: Vec<&str> = text.split_whitespace().collect();
    let ["ok", status, wall, cpu, rss_kib] = f.as_slice() else {
        return None;
    };
    let status: i32 = status.parse().ok()?;
    (status & 127 == 0).then_some(())?;
    Some(Demand {
        wall_seconds: wall.parse().ok()?,
        cpu_seconds: cpu.parse().ok()?,
        peak_memory_bytes: rss_kib.parse::<f64>().ok()? * 1024.0,
    })
}

/// Records every pending submission whose end accounting now has.
fn collect(slurm: &Slurm) {
    let Ok(entries) = std::fs::read_dir(pending_dir()) else {
        return;
    };
    let Ok(store) = crate::node::open_store() else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let Some(id) = p
            .file_stem()
            .and_then(|s| s.to_str())
            .filter(|_| p.extension().is_some_and(|x| x == "json"))
        else {
            continue;
        };
        if let Ok(Some(acc)) = slurm.accounting(id) {
            if let Err(f) = record_outcome(&store, id, &acc) {
                eprintln!("warning: Slurm job {id}: {:#}", f.error);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_come_from_the_upper_bounds() {
        let r = request(1.5 * 1073741824.0, 100.0, 2.3);
        assert_eq!(r.mem_mib, 1536);
        // 1.5 x 100 s + 60 s = 210 s: 4 minutes.
        assert_eq!(r.time_minutes, 4);
        assert_eq!(r.cpus, 3);
        let tiny = request(1000.0, 0.01, 0.0);
        assert_eq!((tiny.mem_mib, tiny.time_minutes, tiny.cpus), (16, 2, 1));
    }
}
