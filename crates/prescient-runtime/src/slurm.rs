//! Node agents inside Slurm allocations: how a virtual node with a `slurm`
//! table is powered on and off.
//!
//! Powering on submits a batch job of the node's cores and memory whose only
//! step is a node agent (`sbatch`, the script on stdin). The agent listens,
//! then calls the coordinator back on a rendezvous socket with a one-time
//! token and its address; from there on it is a node like any other.
//! Powering off tells the agent to stop and cancels the allocation.
//!
//! The batch system sits behind [`BatchSystem`], so the rest of the runtime
//! does not care which engine supplies nodes; [`DryRun`] records what would
//! be submitted instead of submitting it.

use crate::auth::{Secret, SECRET_ENV};
use crate::{io_err, RuntimeError};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

/// Memory asked for on top of the node's own, for the agent process itself:
/// the node's memory limit covers its workers only, and Slurm counts every
/// process of the allocation.
pub const AGENT_OVERHEAD_BYTES: u64 = 128 << 20;

/// One allocation to ask for.
#[derive(Clone, Debug)]
pub struct AllocRequest {
    /// The Slurm job name.
    pub name: String,
    pub cores: f64,
    pub memory_bytes: u64,
    pub partition: Option<String>,
    pub constraint: Option<String>,
    pub time_minutes: Option<u32>,
    pub extra_args: Vec<String>,
    /// Where the allocation's stdout and stderr go (`%j` is the job id).
    pub output: PathBuf,
    /// The command the allocation runs (the node agent).
    pub command: Vec<String>,
    /// The cluster's secret, for the agent: set in `sbatch`'s environment,
    /// which the allocation inherits (`--export=ALL`), so that it stays off
    /// the command line and out of the script Slurm keeps.
    pub secret: Option<Secret>,
}

impl AllocRequest {
    /// The `sbatch` options for this request.
    pub fn sbatch_args(&self) -> Vec<String> {
        let mut a = vec![
            "--parsable".to_string(),
            format!("--job-name={}", self.name),
            "--nodes=1".into(),
            "--ntasks=1".into(),
            // Slurm allocates whole CPUs.
            format!("--cpus-per-task={}", self.cores.ceil().max(1.0) as u64),
            format!(
                "--mem={}M",
                (self.memory_bytes + AGENT_OVERHEAD_BYTES).div_ceil(1 << 20)
            ),
            format!("--output={}", self.output.display()),
            "--export=ALL".into(),
        ];
        if let Some(p) = &self.partition {
            a.push(format!("--partition={p}"));
        }
        if let Some(c) = &self.constraint {
            a.push(format!("--constraint={c}"));
        }
        if let Some(t) = self.time_minutes {
            a.push(format!("--time={t}"));
        }
        a.extend(self.extra_args.iter().cloned());
        a
    }

    /// The batch script: the agent command, quoted for the shell.
    pub fn script(&self) -> Result<String, RuntimeError> {
        let words: Result<Vec<String>, _> = self
            .command
            .iter()
            .map(|w| shlex::try_quote(w).map(|q| q.into_owned()))
            .collect();
        let words = words.map_err(|e| {
            RuntimeError::Cluster(format!("cannot quote the agent command for sbatch: {e}"))
        })?;
        Ok(format!(
            "#!/bin/sh\n# A Prescient node agent; it ends when its coordinator goes away.\nexec {}\n",
            words.join(" ")
        ))
    }
}

/// Where an allocation stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllocState {
    /// Queued or starting.
    Waiting(String),
    Running,
    /// Over, with Slurm's state name (or gone from the queue).
    Ended(String),
}

/// A batch system that supplies nodes.
pub trait BatchSystem: Send + Sync {
    /// Submits an allocation and returns its job id.
    fn submit(&self, req: &AllocRequest) -> Result<String, RuntimeError>;
    fn state(&self, id: &str) -> Result<AllocState, RuntimeError>;
    /// Ends an allocation; an allocation already over is not an error.
    fn cancel(&self, id: &str);
}

/// Slurm, through its commands (`sbatch`, `squeue`, `scancel`).
#[derive(Clone, Debug, Default)]
pub struct Slurm {
    /// Where the commands are; `None` for `PATH`.
    pub bin_dir: Option<PathBuf>,
}

impl Slurm {
    fn cmd(&self, name: &str) -> Command {
        match &self.bin_dir {
            Some(d) => Command::new(d.join(name)),
            None => Command::new(name),
        }
    }
}

impl Slurm {
    /// Runs `sbatch --parsable ARGS` with `script` on its stdin (and `env`
    /// added to its environment, which `--export=ALL` hands to the job);
    /// returns the job id. `what` names the submission in errors.
    pub fn submit_script(
        &self,
        args: &[String],
        script: &str,
        env: &[(&str, &str)],
        what: &str,
    ) -> Result<String, RuntimeError> {
        use std::io::Write;
        let mut cmd = self.cmd("sbatch");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(io_err(
                "cannot run sbatch (is Slurm installed and on PATH?)",
            ))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(script.as_bytes())
                .map_err(io_err("cannot hand the batch script to sbatch"))?;
        }
        let out = child.wait_with_output().map_err(io_err("sbatch"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(RuntimeError::Cluster(format!(
                "sbatch refused {what}: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        parse_job_id(&stdout).ok_or_else(|| {
            RuntimeError::Cluster(format!(
                "sbatch gave no job id for {what} (it printed `{}`)",
                stdout.trim()
            ))
        })
    }

    /// What accounting kept of a finished job: its state, exit code, elapsed
    /// seconds, CPU seconds and the largest resident set of its steps;
    /// `None` while accounting has not recorded its end.
    pub fn accounting(&self, id: &str) -> Result<Option<Accounting>, RuntimeError> {
        let out = self
            .cmd("sacct")
            .args([
                "--noheader",
                "--parsable2",
                "--units=K",
                "--format=JobID,State,ExitCode,ElapsedRaw,TotalCPU,MaxRSS",
                "-j",
                id,
            ])
            .stdin(Stdio::null())
            .output()
            .map_err(io_err("cannot run sacct (is Slurm accounting set up?)"))?;
        if !out.status.success() {
            return Err(RuntimeError::Cluster(format!(
                "sacct failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(parse_accounting(id, &String::from_utf8_lossy(&out.stdout)))
    }
}

/// A finished job as Slurm's accounting has it.
#[derive(Clone, Debug, PartialEq)]
pub struct Accounting {
    pub state: String,
    pub exit_code: i32,
    pub elapsed_seconds: f64,
    pub cpu_seconds: f64,
    pub max_rss_bytes: f64,
}

/// `sacct --parsable2` lines of one job and its steps. The job's own line
/// has its state, exit code, elapsed and total CPU; the steps' lines have
/// their peak resident sets.
fn parse_accounting(id: &str, text: &str) -> Option<Accounting> {
    let mut acc: Option<Accounting> = None;
    let mut rss: f64 = 0.0;
    for line in text.lines() {
        let f: Vec<&str> = line.split('|').collect();
        if f.len() < 6 {
            continue;
        }
        rss = rss.max(parse_size_k(f[5]));
        if f[0] == id {
            let state = f[1].split_whitespace().next().unwrap_or("").to_string();
            if matches!(
                state.as_str(),
                "PENDING" | "RUNNING" | "REQUEUED" | "SUSPENDED" | ""
            ) {
                return None;
            }
            acc = Some(Accounting {
                state,
                exit_code: f[2]
                    .split(':')
                    .next()
                    .and_then(|c| c.parse().ok())
                    .unwrap_or(0),
                elapsed_seconds: f[3].parse().unwrap_or(0.0),
                cpu_seconds: parse_duration(f[4]),
                max_rss_bytes: 0.0,
            });
        }
    }
    acc.map(|mut a| {
        a.max_rss_bytes = rss;
        a
    })
}

/// `[DD-][HH:]MM:SS[.sss]` as Slurm prints durations.
fn parse_duration(s: &str) -> f64 {
    let (days, rest) = match s.split_once('-') {
        Some((d, r)) => (d.parse::<f64>().unwrap_or(0.0), r),
        None => (0.0, s),
    };
    let parts: Vec<f64> = rest.split(':').map(|p| p.parse().unwrap_or(0.0)).collect();
    let secs = parts.iter().fold(0.0, |acc, p| acc * 60.0 + p);
    days * 86400.0 + secs
}

/// A size as `sacct --units=K` prints it (`123456K`; other suffixes too).
fn parse_size_k(s: &str) -> f64 {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len()));
    let n: f64 = num.parse().unwrap_or(0.0);
    n * match unit {
        "K" | "" => 1024.0,
        "M" => 1024.0 * 1024.0,
        "G" => 1024.0 * 1024.0 * 1024.0,
        "T" => 1024.0_f64.powi(4),
        _ => 1.0,
    }
}

impl BatchSystem for Slurm {
    fn submit(&self, req: &AllocRequest) -> Result<String, RuntimeError> {
        let script = req.script()?;
        let secret = req.secret.as_ref().map(|s| s.expose().to_string());
        let env: Vec<(&str, &str)> = secret.iter().map(|s| (SECRET_ENV, s.as_str())).collect();
        self.submit_script(
            &req.sbatch_args(),
            &script,
            &env,
            &format!("node {}", req.name),
        )
    }

    fn state(&self, id: &str) -> Result<AllocState, RuntimeError> {
        let out = self
            .cmd("squeue")
            .args(["--noheader", "--format=%T", "--jobs", id])
            .stdin(Stdio::null())
            .output()
            .map_err(io_err("cannot run squeue"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            // squeue forgets a job some time after it ends.
            if stderr.contains("Invalid job id") {
                return Ok(AllocState::Ended("gone".into()));
            }
            return Err(RuntimeError::Cluster(format!(
                "squeue failed: {}",
                stderr.trim()
            )));
        }
        Ok(parse_state(&stdout))
    }

    fn cancel(&self, id: &str) {
        let _ = self
            .cmd("scancel")
            .arg(id)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// `--parsable` prints `ID` or `ID;CLUSTER`.
fn parse_job_id(stdout: &str) -> Option<String> {
    let id = stdout.trim().split(';').next()?.trim();
    (!id.is_empty() && id.chars().all(|c| c.is_ascii_digit())).then(|| id.to_string())
}

fn parse_state(stdout: &str) -> AllocState {
    match stdout.lines().map(str::trim).find(|l| !l.is_empty()) {
        None => AllocState::Ended("gone".into()),
        Some("RUNNING") => AllocState::Running,
        Some(s @ ("PENDING" | "CONFIGURING" | "REQUEUED" | "RESIZING" | "SUSPENDED")) => {
            AllocState::Waiting(s.to_string())
        }
        Some(s) => AllocState::Ended(s.to_string()),
    }
}

/// Records requests instead of submitting them; every allocation stays
/// waiting. For looking at what would be asked of the batch system.
#[derive(Debug, Default)]
pub struct DryRun {
    pub submitted: Mutex<Vec<AllocRequest>>,
}

impl BatchSystem for DryRun {
    fn submit(&self, req: &AllocRequest) -> Result<String, RuntimeError> {
        let mut s = self.submitted.lock().unwrap();
        s.push(req.clone());
        Ok(format!("dry-run-{}", s.len()))
    }

    fn state(&self, _id: &str) -> Result<AllocState, RuntimeError> {
        Ok(AllocState::Waiting("DRY_RUN".into()))
    }

    fn cancel(&self, _id: &str) {}
}

/// The last lines of an allocation's log, to say why it ended.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req() -> AllocRequest {
        AllocRequest {
            name: "prescient-c1-cloud-1".into(),
            cores: 1.5,
            memory_bytes: 1 << 30,
            partition: Some("cloud".into()),
            constraint: Some("cloud&avx2".into()),
            time_minutes: Some(30),
            extra_args: vec!["--account=research".into()],
            output: "/tmp/logs/cloud-1-%j.log".into(),
            secret: Some(Secret::generate()),
            command: vec![
                "/opt/prescient".into(),
                "__agent".into(),
                r#"{"name":"it's"}"#.into(),
            ],
        }
    }

    #[test]
    fn asks_for_whole_cpus_and_room_for_the_agent() {
        let a = req().sbatch_args();
        assert!(a.contains(&"--cpus-per-task=2".to_string()), "{a:?}");
        assert!(a.contains(&"--mem=1152M".to_string()), "{a:?}");
        assert!(a.contains(&"--partition=cloud".to_string()));
        assert!(a.contains(&"--constraint=cloud&avx2".to_string()));
        assert!(a.contains(&"--time=30".to_string()));
        assert_eq!(a.last().unwrap(), "--account=research");
        // The environment carries the secret; the arguments and the script
        // (which Slurm keeps and shows) do not.
        assert!(a.contains(&"--export=ALL".to_string()), "{a:?}");
        let r = req();
        let script = r.script().unwrap();
        let secret = r.secret.as_ref().unwrap().expose();
        assert!(!script.contains(SECRET_ENV) && !script.contains(secret));
        assert!(!a
            .iter()
            .any(|x| x.contains(SECRET_ENV) || x.contains(secret)));
        assert!(!format!("{r:?}").contains(secret));
    }

    #[test]
    fn the_script_quotes_the_agent_command() {
        let mut r = req();
        r.command.push("$HOME `id` \"q\" \\ ;|&".into());
        let s = r.script().unwrap();
        let last = s.lines().last().unwrap();
        // The shell must hand the agent exactly the words it was given.
        let echo = last.replacen("exec ", "printf '%s\\n' ", 1);
        let out = Command::new("sh").arg("-c").arg(&echo).output().unwrap();
        let words: Vec<String> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        assert_eq!(words, r.command);
        r.command.push("nul\0byte".into());
        assert!(r.script().is_err());
    }

    #[test]
    fn reads_sbatch_and_squeue_output() {
        assert_eq!(parse_job_id("42\n").as_deref(), Some("42"));
        assert_eq!(parse_job_id("42;prescient\n").as_deref(), Some("42"));
        assert_eq!(parse_job_id("Submitted batch job 42"), None);
        assert_eq!(parse_job_id(""), None);
        assert_eq!(parse_state("RUNNING\n"), AllocState::Running);
        assert_eq!(
            parse_state("CONFIGURING\n"),
            AllocState::Waiting("CONFIGURING".into())
        );
        assert_eq!(parse_state(""), AllocState::Ended("gone".into()));
        assert_eq!(
            parse_state("OUT_OF_MEMORY\n"),
            AllocState::Ended("OUT_OF_MEMORY".into())
        );
    }

    #[test]
    fn dry_run_records_and_never_starts() {
        let d = DryRun::default();
        let id = d.submit(&req()).unwrap();
        assert_eq!(id, "dry-run-1");
        assert!(matches!(d.state(&id).unwrap(), AllocState::Waiting(_)));
        assert_eq!(d.submitted.lock().unwrap().len(), 1);
    }

    #[test]
    fn reads_sacct_lines() {
        let text = "42|COMPLETED|0:0|75|01:02.500|\n42.batch|COMPLETED|0:0|75|01:02.500|204800K\n42.extern|COMPLETED|0:0|75|00:00:00|1024K\n";
        let a = parse_accounting("42", text).unwrap();
        assert_eq!(a.state, "COMPLETED");
        assert_eq!(a.exit_code, 0);
        assert_eq!(a.elapsed_seconds, 75.0);
        assert!((a.cpu_seconds - 62.5).abs() < 1e-9);
        assert_eq!(a.max_rss_bytes, 204800.0 * 1024.0);
        // Not ended yet, or not known: nothing.
        assert!(parse_accounting("42", "42|RUNNING|0:0|5|00:01.000|\n").is_none());
        assert!(parse_accounting("42", "").is_none());
        let failed = parse_accounting("7", "7|OUT_OF_MEMORY|0:125|3|00:02.000|\n").unwrap();
        assert_eq!(
            (failed.state.as_str(), failed.exit_code),
            ("OUT_OF_MEMORY", 0)
        );
        assert_eq!(parse_duration("1-02:03:04"), 93784.0);
        assert_eq!(parse_size_k("2G"), 2.0 * 1024.0 * 1024.0 * 1024.0);
    }
}
