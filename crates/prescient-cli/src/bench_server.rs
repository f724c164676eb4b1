//! `prescient bench-server`: the server under load. Starts a server of its
//! own (a fresh state directory, this host's cluster), submits `--jobs`
//! short jobs from `--users` users over the HTTP API on `--threads`
//! connections, then watches it work through the queue for `--observe`
//! seconds and reports:
//!
//! - submissions per second and their latency (each is analysed and
//!   predicted before it is answered);
//! - the planner's time per event and its longest pass with the queue full
//!   (from `/metrics`), and jobs started per second;
//! - the API's latency with the queue full (one job, one user's list, the
//!   metrics).

use crate::Failure;
use anyhow::{anyhow, Context};
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct Args {
    /// Jobs to submit.
    #[arg(long, default_value_t = 10_000)]
    jobs: usize,
    /// Users submitting them (each with a token).
    #[arg(long, default_value_t = 3)]
    users: usize,
    /// Concurrent connections submitting.
    #[arg(long, default_value_t = 8)]
    threads: usize,
    /// Seconds to watch the server work once everything is submitted.
    #[arg(long, default_value_t = 30.0)]
    observe: f64,
    /// Keep the server's state (queue, logs) in this directory instead of a
    /// temporary one that is removed.
    #[arg(long, value_name = "DIR")]
    keep: Option<std::path::PathBuf>,
    /// Use this Python interpreter as the worker environment instead of the managed one.
    #[arg(long, value_name = "PATH")]
    python: Option<std::path::PathBuf>,
}

const JOB: &str = "import time\ntime.sleep(0.05)\nprint('ok')\n";

fn percentile(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn ms(s: f64) -> String {
    format!("{:.1} ms", s * 1e3)
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: kill has no memory-safety preconditions.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let until = Instant::now() + Duration::from_secs(30);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(exe: &Path, state: &Path, python: Option<&Path>) -> Result<Server, Failure> {
    let log = std::fs::File::create(state.join("server.log")).map_err(Failure::internal)?;
    // A history of its own (a copy: the node's calibration with it), so
    // that the benchmark's thousands of runs teach the real one nothing.
    let history = state.join("history.db");
    if !history.exists() {
        let real = crate::node::history_path();
        if real.exists() {
            crate::node::open_store()?
                .backup_to(&history)
                .map_err(Failure::internal)?;
        }
    }
    let mut cmd = Command::new(exe);
    cmd.args(["server", "--listen", "127.0.0.1:0", "--state"])
        .arg(state)
        .env(crate::node::HISTORY_ENV, &history)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    if let Some(p) = python {
        cmd.arg("--python").arg(p);
    }
    let child = cmd.spawn().map_err(Failure::internal)?;
    let mut server = Server {
        child,
        url: String::new(),
    };
    let until = Instant::now() + Duration::from_secs(600);
    while Instant::now() < until {
        if let Ok(a) = std::fs::read_to_string(state.join("server.addr")) {
            server.url = format!("http://{}", a.trim());
            return Ok(server);
        }
        if let Ok(Some(status)) = server.child.try_wait() {
            let log = std::fs::read_to_string(state.join("server.log")).unwrap_or_default();
            return Err(Failure::internal(anyhow!(
                "the server exited ({status}):\n{log}"
            )));
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(Failure::internal(anyhow!(
        "the server did not start in 600 s"
    )))
}

fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0)
}

pub fn run(a: Args) -> Result<(), Failure> {
    if a.users == 0 || a.threads == 0 || a.jobs == 0 {
        return Err(Failure::input(anyhow!(
            "--jobs, --users and --threads must be at least 1"
        )));
    }
    let exe = std::env::current_exe().map_err(Failure::internal)?;
    let tmp = tempfile::tempdir().map_err(Failure::internal)?;
    let root = a.keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    let state = root.join("state");
    let work = root.join("work");
    std::fs::create_dir_all(&state).map_err(Failure::internal)?;
    std::fs::create_dir_all(&work).map_err(Failure::internal)?;
    std::fs::write(work.join("job.py"), JOB).map_err(Failure::internal)?;
    let mut tokens = Vec::new();
    for u in 0..a.users {
        let o = Command::new(&exe)
            .args(["user", "add", &format!("user{u}"), "--state"])
            .arg(&state)
            .output()
            .map_err(Failure::internal)?;
        if !o.status.success() {
            return Err(Failure::internal(anyhow!(
                "cannot add a user: {}",
                String::from_utf8_lossy(&o.stderr)
            )));
        }
        tokens.push(String::from_utf8_lossy(&o.stdout).trim().to_string());
    }
    eprintln!("starting a server (the first start builds the worker environment)...");
    let server = start(&exe, &state, a.python.as_deref())?;
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(120))
        .build();
    let body = serde_json::json!({
        "file": "job.py",
        "source": JOB,
        "args": [],
        "cwd": work.display().to_string(),
    });
    // Submissions, spread over the threads.
    eprintln!(
        "submitting {} jobs from {} users on {} connections...",
        a.jobs, a.users, a.threads
    );
    let next = AtomicUsize::new(0);
    let latencies = Mutex::new(Vec::with_capacity(a.jobs));
    let failures = AtomicUsize::new(0);
    let began = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..a.threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= a.jobs {
                    break;
                }
                let t = Instant::now();
                let r = agent
                    .post(&format!("{}/api/jobs", server.url))
                    .set(
                        "Authorization",
                        &format!("Bearer {}", tokens[i % tokens.len()]),
                    )
                    .send_json(body.clone());
                let secs = t.elapsed().as_secs_f64();
                match r {
                    Ok(_) => latencies
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(secs),
                    Err(_) => {
                        failures.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let submit_secs = began.elapsed().as_secs_f64();
    let mut lat = latencies.into_inner().unwrap_or_else(|p| p.into_inner());
    let submitted = lat.len();
    let get_metrics = || -> Result<String, Failure> {
        agent
            .get(&format!("{}/metrics", server.url))
            .call()
            .map_err(|e| Failure::internal(anyhow!("metrics: {e}")))?
            .into_string()
            .context("metrics")
            .map_err(Failure::internal)
    };
    // The server working through the queue.
    eprintln!("watching the server work for {} s...", a.observe);
    let m0 = get_metrics()?;
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(a.observe.max(1.0)));
    let m1 = get_metrics()?;
    let watched = t0.elapsed().as_secs_f64();
    let started = |m: &str| {
        metric(m, "prescient_jobs{state=\"running\"}")
            + metric(m, "prescient_jobs{state=\"done\"}")
            + metric(m, "prescient_jobs{state=\"failed\"}")
    };
    let events = metric(&m1, "prescient_planner_events_total")
        - metric(&m0, "prescient_planner_events_total");
    let planner = metric(&m1, "prescient_planner_seconds_total")
        - metric(&m0, "prescient_planner_seconds_total");
    // The API with the queue full.
    // Timed on a plain connection per request, as a new client would make
    // it (the client library's pooled connections add its own waits).
    let host = server.url.trim_start_matches("http://").to_string();
    let timed = |path: &str, token: &str, n: usize| -> Result<Vec<f64>, Failure> {
        let mut v = Vec::new();
        for _ in 0..n {
            let t = Instant::now();
            let status = raw_get(&host, path, token).map_err(Failure::internal)?;
            if status != 200 {
                return Err(Failure::internal(anyhow!("{path}: status {status}")));
            }
            v.push(t.elapsed().as_secs_f64());
        }
        Ok(v)
    };
    let mut list = timed("/api/jobs", &tokens[0], 3)?;
    let mine: Value = agent
        .get(&format!("{}/api/jobs", server.url))
        .set("Authorization", &format!("Bearer {}", tokens[0]))
        .call()
        .map_err(|e| Failure::internal(anyhow!("/api/jobs: {e}")))?
        .into_json()
        .map_err(Failure::internal)?;
    let id = mine[0]["id"].as_i64().unwrap_or(1);
    let mut one = timed(&format!("/api/jobs/{id}"), &tokens[0], 50)?;
    let mut metrics = timed("/metrics", &tokens[0], 20)?;
    let waiting = metric(&m1, "prescient_planner_waiting");
    let first_waiting = metric(&m0, "prescient_planner_waiting");
    let v: Value = serde_json::json!({
        "jobs": a.jobs,
        "users": a.users,
        "threads": a.threads,
        "submitted": submitted,
        "refused": failures.load(Ordering::Relaxed),
        "submit_seconds": submit_secs,
        "submissions_per_second": submitted as f64 / submit_secs.max(1e-9),
        "submit_latency_p50": percentile(&mut lat, 0.5),
        "submit_latency_p99": percentile(&mut lat, 0.99),
        "waiting_at_start_of_watch": first_waiting,
        "waiting_at_end_of_watch": waiting,
        "jobs_started_per_second": (started(&m1) - started(&m0)) / watched,
        "planner_events": events,
        "planner_seconds_per_event": if events > 0.0 { planner / events } else { 0.0 },
        "planner_pass_seconds_max": metric(&m1, "prescient_planner_pass_seconds_max"),
        "get_job_p50": percentile(&mut one, 0.5),
        "list_jobs_p50": percentile(&mut list, 0.5),
        "list_jobs_size": submitted / a.users,
        "metrics_p50": percentile(&mut metrics, 0.5),
    });
    let f = |k: &str| v[k].as_f64().unwrap_or(0.0);
    let text = format!(
        "{} jobs from {} users on {} connections: {} accepted, {} refused\n\
         submissions: {:.1}/s over {:.1} s, latency p50 {} p99 {} (each analysed and predicted)\n\
         queue while watched {:.0} s: {:.0} waiting at the start, {:.0} at the end; {:.2} jobs started/s\n\
         planner: {:.0} events, {} per event, longest pass {}\n\
         API with the queue full: one job {} p50, a user's list of {} jobs {} p50, /metrics {} p50\n",
        a.jobs,
        a.users,
        a.threads,
        submitted,
        v["refused"],
        f("submissions_per_second"),
        submit_secs,
        ms(f("submit_latency_p50")),
        ms(f("submit_latency_p99")),
        watched,
        first_waiting,
        waiting,
        f("jobs_started_per_second"),
        events,
        ms(f("planner_seconds_per_event")),
        ms(f("planner_pass_seconds_max")),
        ms(f("get_job_p50")),
        submitted / a.users,
        ms(f("list_jobs_p50")),
        ms(f("metrics_p50")),
    );
    drop(server);
    crate::analyze::write_stdout(&format!(
        "{text}{}\n",
        serde_json::to_string(&v).map_err(Failure::internal)?
    ))
}

/// GET over a fresh connection; returns the status once the whole answer
/// has arrived.
fn raw_get(host: &str, path: &str, token: &str) -> std::io::Result<u16> {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(host)?;
    c.set_nodelay(true)?;
    write!(
        c,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )?;
    let mut answer = Vec::new();
    c.read_to_end(&mut answer)?;
    let head = String::from_utf8_lossy(&answer[..answer.len().min(64)]).into_owned();
    Ok(head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0))
}
