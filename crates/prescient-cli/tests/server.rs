//! `prescient server` end to end: a real server process over the local
//! cluster (agents and workers), users with tokens, jobs submitted through
//! the CLI and the HTTP API, the server killed with SIGKILL mid-way and
//! started again, and nothing lost; one user cannot see or cancel
//! another's jobs.

mod common;

use common::{command, ok};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

fn scratch(name: &str) -> PathBuf {
    common::scratch("server-tests", name)
}

/// A process of the test's, killed when it is dropped (a failing test
/// leaves no server or agent behind).
struct Proc(Child);

impl std::ops::Deref for Proc {
    type Target = Child;
    fn deref(&self) -> &Child {
        &self.0
    }
}

impl std::ops::DerefMut for Proc {
    fn deref_mut(&mut self) -> &mut Child {
        &mut self.0
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if matches!(self.0.try_wait(), Ok(None)) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// A server on a free port; its address once it listens.
fn start_server(state: &Path) -> (Proc, String) {
    start_server_with(state, &[])
}

fn start_server_with(state: &Path, extra: &[&str]) -> (Proc, String) {
    let addr_file = state.join("server.addr");
    let _ = std::fs::remove_file(&addr_file);
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(state.join("server.log"))
        .unwrap();
    let mut child = command()
        .args(["server", "--listen", "127.0.0.1:0", "--state"])
        .arg(state)
        .args(extra)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    // The first start may build the worker environment and calibrate.
    let until = Instant::now() + Duration::from_secs(600);
    while Instant::now() < until {
        if let Ok(a) = std::fs::read_to_string(&addr_file) {
            if !a.trim().is_empty() {
                return (Proc(child), format!("http://{}", a.trim()));
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!(
        "the server did not start:\n{}",
        std::fs::read_to_string(state.join("server.log")).unwrap_or_default()
    );
}

fn client(server: &str, token: &str, args: &[&str], cwd: &Path) -> Output {
    command()
        .current_dir(cwd)
        .env("PRESCIENT_SERVER", server)
        .env("PRESCIENT_TOKEN", token)
        .args(args)
        .output()
        .unwrap()
}

fn api(server: &str, token: &str, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let req = ureq::request(method, &format!("{server}{path}"))
        .set("Authorization", &format!("Bearer {token}"));
    let res = match body {
        Some(b) => req.send_json(b),
        None => req.call(),
    };
    match res {
        Ok(r) => (r.status(), r.into_json().unwrap_or(Value::Null)),
        Err(ureq::Error::Status(code, r)) => (code, r.into_json().unwrap_or(Value::Null)),
        Err(e) => panic!("{method} {path}: {e}"),
    }
}

/// Adds the users to the server's state; their tokens.
fn add_users(state: &Path, users: &[&str]) -> Vec<String> {
    users
        .iter()
        .map(|u| {
            let o = command()
                .args(["user", "add", u, "--state"])
                .arg(state)
                .output()
                .unwrap();
            ok(&o).trim().to_string()
        })
        .collect()
}

const JOB: &str = r#"import sys, time
tag = sys.argv[1]
data = [i * 2 for i in range(200000)]
time.sleep(0.3)
print("hello", tag, len(data))
"#;

const SLOW: &str = "import time\nfor _ in range(600):\n    time.sleep(0.1)\nprint('never')\n";

/// All of a user's jobs once none is queued or running.
fn wait_all_ended(server: &str, token: &str, secs: u64) -> Vec<Value> {
    let until = Instant::now() + Duration::from_secs(secs);
    loop {
        let (code, v) = api(server, token, "GET", "/api/jobs", None);
        assert_eq!(code, 200, "{v}");
        let jobs = v.as_array().unwrap().clone();
        if jobs
            .iter()
            .all(|j| !matches!(j["state"].as_str(), Some("queued" | "running")))
        {
            return jobs;
        }
        assert!(Instant::now() < until, "jobs still not ended: {v}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

#[test]
fn jobs_from_three_users_survive_a_killed_server_and_stay_private() {
    let state = scratch("state");
    let work = scratch("work");
    std::fs::write(work.join("job.py"), JOB).unwrap();
    std::fs::write(work.join("slow.py"), SLOW).unwrap();
    let users = ["ana", "bo", "cy"];
    let tokens = add_users(&state, &users);
    let (mut server, url) = start_server(&state);
    // Each user: 4 jobs through the CLI and 2 through the API.
    let mut expected: Vec<Vec<String>> = vec![Vec::new(); 3];
    for round in 0..4 {
        for (u, t) in tokens.iter().enumerate() {
            let tag = format!("{}-cli{round}", users[u]);
            let out = ok(&client(&url, t, &["submit", "job.py", "--", &tag], &work));
            assert!(
                out.starts_with("job ") && out.contains("queued: predicted wall"),
                "{out}"
            );
            expected[u].push(tag);
        }
    }
    for round in 0..2 {
        for (u, t) in tokens.iter().enumerate() {
            let tag = format!("{}-api{round}", users[u]);
            let (code, v) = api(
                &url,
                t,
                "POST",
                "/api/jobs",
                Some(serde_json::json!({
                    "file": "job.py",
                    "source": JOB,
                    "args": [tag],
                    "cwd": work.display().to_string(),
                })),
            );
            assert_eq!(code, 201, "{v}");
            assert_eq!(v["state"], "queued");
            assert!(
                v["prediction"]["program"]["peak_memory_bytes"]
                    .as_f64()
                    .unwrap()
                    > 0.0
            );
            expected[u].push(tag);
        }
    }
    // Kill the server while jobs are queued and running, then start it again.
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, v) = api(&url, &tokens[0], "GET", "/api/jobs", None);
        let done = v
            .as_array()
            .unwrap()
            .iter()
            .filter(|j| j["state"] == "done")
            .count();
        if done >= 1 {
            break;
        }
        assert!(Instant::now() < until, "no job ended: {v}");
        std::thread::sleep(Duration::from_millis(100));
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let (mut server, url) = start_server(&state);
    // A slow job, cancelled by its owner; another user cannot touch it.
    let (code, slow) = api(
        &url,
        &tokens[1],
        "POST",
        "/api/jobs",
        Some(serde_json::json!({
            "file": "slow.py", "source": SLOW, "args": [], "cwd": work.display().to_string(),
        })),
    );
    assert_eq!(code, 201, "{slow}");
    let slow_id = slow["id"].as_i64().unwrap();
    let path = format!("/api/jobs/{slow_id}");
    assert_eq!(api(&url, &tokens[0], "GET", &path, None).0, 404);
    let refused = client(&url, &tokens[0], &["cancel", &slow_id.to_string()], &work);
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(
        api(&url, &tokens[2], "POST", &format!("{path}/cancel"), None).0,
        404
    );
    ok(&client(
        &url,
        &tokens[1],
        &["cancel", &slow_id.to_string()],
        &work,
    ));
    // Everything ends; each user sees exactly their own jobs.
    for (u, t) in tokens.iter().enumerate() {
        let jobs = wait_all_ended(&url, t, 300);
        assert!(jobs.iter().all(|j| j["user"] == users[u]), "{jobs:?}");
        let mut tags: Vec<String> = jobs
            .iter()
            .filter(|j| j["file"] == "job.py")
            .map(|j| j["args"][0].as_str().unwrap().to_string())
            .collect();
        tags.sort();
        let mut want = expected[u].clone();
        want.sort();
        assert_eq!(tags, want, "user {}", users[u]);
        for j in jobs.iter().filter(|j| j["file"] == "job.py") {
            assert_eq!(j["state"], "done", "{j}");
            assert_eq!(j["exit_code"], 0, "{j}");
            // Its measured sections, in the job's own view.
            let id = j["id"].as_i64().unwrap();
            let (_, one) = api(&url, t, "GET", &format!("/api/jobs/{id}"), None);
            assert!(!one["units"].as_array().unwrap().is_empty(), "{one}");
            // Its output, from its log.
            let logs = ok(&client(&url, t, &["logs", &id.to_string()], &work));
            let tag = j["args"][0].as_str().unwrap();
            assert!(logs.contains(&format!("hello {tag} 200000")), "{logs}");
        }
    }
    let (_, slow) = api(&url, &tokens[1], "GET", &path, None);
    assert_eq!(slow["state"], "cancelled", "{slow}");
    // What the server's jobs measured is history: the same program and
    // arguments again start from it.
    let again = ok(&client(
        &url,
        &tokens[0],
        &["submit", "--json", "job.py", "--", "ana-cli0"],
        &work,
    ));
    let again: Value = serde_json::from_str(&again).unwrap();
    let history = again["prediction"]["program"]["history"]
        .as_str()
        .unwrap_or("");
    assert!(history.starts_with("exact"), "{again}");
    wait_all_ended(&url, &tokens[0], 120);
    // The CLI's views.
    let list = ok(&client(&url, &tokens[2], &["jobs"], &work));
    assert!(list.contains("6 jobs: 6 done"), "{list}");
    let first = ok(&client(&url, &tokens[0], &["jobs", "--json"], &work));
    let first: Value = serde_json::from_str(&first).unwrap();
    let id = first[0]["id"].as_i64().unwrap().to_string();
    let status = ok(&client(&url, &tokens[0], &["status", &id], &work));
    assert!(
        status.contains("state done") && status.contains("pred wall"),
        "{status}"
    );
    // Metrics over everyone's jobs.
    let metrics = ureq::get(&format!("{url}/metrics"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    assert!(
        metrics.contains("prescient_jobs{state=\"done\"} 19"),
        "{metrics}"
    );
    assert!(
        metrics.contains("prescient_jobs{state=\"cancelled\"} 1"),
        "{metrics}"
    );
    let node_seconds: f64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("prescient_node_seconds_total "))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{metrics}"));
    assert!(node_seconds > 0.0, "{metrics}");
    // Bad requests are clear errors.
    assert_eq!(api(&url, "wrong", "GET", "/api/jobs", None).0, 401);
    let (code, v) = api(
        &url,
        &tokens[0],
        "POST",
        "/api/jobs",
        Some(serde_json::json!({"file": "x.py", "source": "def (:\n", "cwd": "/tmp"})),
    );
    assert_eq!(code, 422, "{v}");
    assert!(v["error"].as_str().unwrap().contains("x.py:1"), "{v}");
    assert_eq!(api(&url, &tokens[0], "GET", "/api/jobs/nope", None).0, 400);
    // A page at a time.
    let (_, all) = api(&url, &tokens[0], "GET", "/api/jobs", None);
    let all: Vec<i64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_i64().unwrap())
        .collect();
    let (_, page) = api(
        &url,
        &tokens[0],
        "GET",
        &format!("/api/jobs?after={}&limit=2&state=done", all[0]),
        None,
    );
    let page: Vec<i64> = page
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["id"].as_i64().unwrap())
        .collect();
    assert_eq!(page, all[1..3].to_vec());
    assert_eq!(
        api(&url, &tokens[0], "GET", "/api/jobs?state=lost", None).0,
        400
    );
    assert_eq!(
        api(&url, &tokens[0], "GET", "/api/jobs?limit=-1", None).0,
        400
    );
    // A job no node can hold is refused at once, not queued for ever.
    let (code, v) = api(
        &url,
        &tokens[0],
        "POST",
        "/api/jobs",
        Some(serde_json::json!({
            "file": "huge.py",
            "source": "data = bytearray(400 * 2**30)\nprint(len(data))\n",
            "cwd": work.display().to_string(),
        })),
    );
    assert_eq!(code, 422, "{v}");
    assert!(v["error"].as_str().unwrap().contains("largest node"), "{v}");
    // SIGTERM stops it cleanly.
    unsafe {
        libc::kill(server.id() as i32, libc::SIGTERM);
    }
    let status = server.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

const VICTIM: &str = r#"import os, sys, time
with open(sys.argv[1], "w") as f:
    f.write(str(os.getpid()))
for _ in range(200):
    time.sleep(0.1)
print("victim survived", os.getuid())
"#;

/// Everything one job's program might try against another job and the
/// server; each line says whether it was denied.
const ATTACK: &str = r#"import ctypes, os, signal, sys, time
pidfile, state, home = sys.argv[1], sys.argv[2], sys.argv[3]
for _ in range(300):
    if os.path.exists(pidfile) and open(pidfile).read().strip():
        break
    time.sleep(0.1)
pid = int(open(pidfile).read())
def attempt(name, fn):
    try:
        fn()
        print(name, "ALLOWED")
    except OSError as e:
        print(name, "denied", e.errno)
attempt("signal", lambda: os.kill(pid, signal.SIGKILL))
attempt("memory", lambda: open(f"/proc/{pid}/mem", "rb").read(1))
attempt("environ", lambda: open(f"/proc/{pid}/environ", "rb").read())
libc = ctypes.CDLL(None, use_errno=True)
def trace():
    if libc.ptrace(16, pid, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "ptrace")
attempt("ptrace", trace)
attempt("queue", lambda: open(os.path.join(state, "server.db"), "rb").read(1))
attempt("logs", lambda: os.listdir(os.path.join(state, "logs")))
attempt("history", lambda: open(os.path.join(home, "history.db"), "rb").read(1))
print("uid", os.getuid())
"#;

#[test]
fn a_job_cannot_touch_another_users_job_or_the_server() {
    let state = scratch("isolation-state");
    let work = scratch("isolation-work");
    // The jobs write their pid file here (their workers are other users).
    std::fs::set_permissions(&work, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let tokens: Vec<String> = ["victim", "attacker"]
        .iter()
        .map(|u| {
            ok(&command()
                .args(["user", "add", u, "--state"])
                .arg(&state)
                .output()
                .unwrap())
            .trim()
            .to_string()
        })
        .collect();
    let (mut server, url) = start_server(&state);
    let pidfile = work.join("victim.pid").display().to_string();
    let submit = |token: &str, file: &str, source: &str, args: Vec<String>| {
        let (code, v) = api(
            &url,
            token,
            "POST",
            "/api/jobs",
            Some(serde_json::json!({
                "file": file, "source": source, "args": args, "cwd": work.display().to_string(),
            })),
        );
        assert_eq!(code, 201, "{v}");
        v["id"].as_i64().unwrap()
    };
    let victim = submit(&tokens[0], "victim.py", VICTIM, vec![pidfile.clone()]);
    let attack = submit(
        &tokens[1],
        "attack.py",
        ATTACK,
        vec![
            pidfile,
            state.display().to_string(),
            common::home().display().to_string(),
        ],
    );
    wait_all_ended(&url, &tokens[1], 120);
    wait_all_ended(&url, &tokens[0], 120);
    let log = |token: &str, id: i64| {
        let (code, _) = api(&url, token, "GET", &format!("/api/jobs/{id}"), None);
        assert_eq!(code, 200);
        ureq::get(&format!("{url}/api/jobs/{id}/logs"))
            .set("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap()
            .into_string()
            .unwrap()
    };
    let out = log(&tokens[1], attack);
    for what in [
        "signal", "memory", "environ", "ptrace", "queue", "logs", "history",
    ] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(&format!("{what} denied"))),
            "{what}:\n{out}"
        );
    }
    assert!(!out.contains("ALLOWED"), "{out}");
    let vout = log(&tokens[0], victim);
    assert!(vout.contains("victim survived"), "{vout}");
    // Two jobs, two uids, neither root.
    let uid_of = |s: &str, key: &str| -> u32 {
        s.lines()
            .find_map(|l| l.strip_prefix(key)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{s}"))
    };
    let (a, v) = (uid_of(&out, "uid "), uid_of(&vout, "victim survived "));
    assert!(a != v && a != 0 && v != 0, "{a} {v}");
    unsafe {
        libc::kill(server.id() as i32, libc::SIGTERM);
    }
    server.wait().unwrap();
}

/// Whether headless Chromium is there. scripts/test.sh installs it
/// (scripts/browser-up.sh); PRESCIENT_SKIP_BROWSER=1 leaves the test out.
fn chromium() -> Option<PathBuf> {
    if std::env::var_os("PRESCIENT_SKIP_BROWSER").is_some_and(|v| v == "1") {
        eprintln!("PRESCIENT_SKIP_BROWSER=1: not testing the dashboard in a browser");
        return None;
    }
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let o = std::process::Command::new("sh")
                .args(["-c", &format!("command -v {name}")])
                .output()
                .ok()?;
            let p = String::from_utf8_lossy(&o.stdout).trim().to_string();
            (o.status.success() && !p.is_empty()).then(|| PathBuf::from(p))
        });
    assert!(
        found.is_some(),
        "no headless Chromium: install it with `bash scripts/browser-up.sh` (root), \
         run the suite with scripts/test.sh, or set PRESCIENT_SKIP_BROWSER=1"
    );
    found
}

#[test]
fn the_dashboard_renders_nodes_and_jobs_in_a_browser() {
    let Some(browser) = chromium() else {
        return;
    };
    let state = scratch("dashboard-state");
    let work = scratch("dashboard-work");
    std::fs::set_permissions(&work, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    std::fs::write(work.join("job.py"), JOB).unwrap();
    let token = ok(&command()
        .args(["user", "add", "dana", "--state"])
        .arg(&state)
        .output()
        .unwrap())
    .trim()
    .to_string();
    let (mut server, url) = start_server(&state);
    for tag in ["one", "two"] {
        ok(&client(
            &url,
            &token,
            &["submit", "job.py", "--", tag],
            &work,
        ));
    }
    wait_all_ended(&url, &token, 120);
    // A job that runs while the page is looked at: its reservation shows
    // on its node's lane.
    std::fs::write(work.join("slow.py"), SLOW).unwrap();
    let slow: Value = serde_json::from_str(&ok(&client(
        &url,
        &token,
        &["submit", "--json", "slow.py"],
        &work,
    )))
    .unwrap();
    let slow_id = slow["id"].as_i64().unwrap();
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, d) = api(&url, &token, "GET", "/api/dashboard", None);
        let shown = d["nodes"].as_array().unwrap().iter().any(|n| {
            n["reservations"].as_array().unwrap().iter().any(|r| {
                r["job"] == slow_id && r["mine"] == true && r["cores"].as_f64() > Some(0.0)
            })
        });
        if shown {
            break;
        }
        assert!(
            Instant::now() < until,
            "no reservation of job {slow_id}: {d}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // The page as the browser leaves it once its script has run.
    let profile = scratch("dashboard-browser");
    let o = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("{url}/#token={token}"))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Three job rows (two done, one running), with sections and bars.
    assert_eq!(dom.matches("class=\"job\"").count(), 3, "{dom}");
    assert_eq!(dom.matches("data-state=\"done\"").count(), 2 + 1, "{dom}");
    // The running job's reservation on its node's lane, in the user's colour.
    let shown = ["resv mine", "resv mine open"]
        .iter()
        .any(|c| dom.contains(&format!("class=\"{c}\" data-job=\"{slow_id}\"")));
    assert!(shown, "{dom}");
    assert!(
        dom.contains("job.py one") && dom.contains("job.py two"),
        "{dom}"
    );
    assert!(
        dom.contains("class=\"section\"") && dom.contains("class=\"pred\""),
        "{dom}"
    );
    // The nodes, and the counts by state.
    assert!(dom.matches("class=\"node\"").count() >= 1, "{dom}");
    assert!(dom.contains("done: 2"), "{dom}");
    assert!(dom.contains("(dana)"), "{dom}");
    assert!(dom.contains("<td>on</td>"), "{dom}");
    // A wrong token shows the server's refusal, not a broken page.
    let o = std::process::Command::new(&browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=5000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            scratch("dashboard-browser2").display()
        ))
        .arg("--dump-dom")
        .arg(format!("{url}/#token=wrong"))
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&o.stdout);
    assert!(dom.contains("the server said 401"), "{dom}");
    ok(&client(
        &url,
        &token,
        &["cancel", &slow_id.to_string()],
        &work,
    ));
    unsafe {
        libc::kill(server.id() as i32, libc::SIGTERM);
    }
    server.wait().unwrap();
}

const TINY: &str = "import sys\nprint('job', sys.argv[1])\n";

const STEPS: &str = r#"import sys, time
def step(i):
    time.sleep(0.25)
    print("step", i, flush=True)
def main():
    for i in range(24):
        step(i)
main()
"#;

/// One Prometheus value.
fn metric(url: &str, name: &str) -> f64 {
    let text = ureq::get(&format!("{url}/metrics"))
        .call()
        .unwrap()
        .into_string()
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{name} ")))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {name} in:\n{text}"))
}

fn wait_for(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let until = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < until, "still waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The pid of the agent process of `node` in the cluster of the server
/// with pid `server` (agents name their cluster after it).
fn agent_pid(server: u32, node: &str) -> Option<i32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: i32 = e.file_name().to_str()?.parse().ok()?;
        let cmd = std::fs::read(e.path().join("cmdline")).ok()?;
        let cmd = String::from_utf8_lossy(&cmd);
        (cmd.contains("__agent")
            && cmd.contains(&format!("\"name\":\"{node}\""))
            && cmd.contains(&format!("\"cluster\":\"c{server}\"")))
        .then_some(pid)
    })
}

/// Issue 14's end-to-end run: a server whose nodes are agents that join it
/// (`prescient agent`), 1,000 jobs from 3 users through the CLI and the
/// API, an agent killed under a running job, and the server killed with
/// SIGKILL mid-way and started again: the agents join again, and every job
/// ends done with its output.
#[test]
fn a_thousand_jobs_on_joined_agents_survive_a_lost_agent_and_a_killed_server() {
    let state = scratch("agents-state");
    let work = scratch("agents-work");
    std::fs::write(work.join("tiny.py"), TINY).unwrap();
    std::fs::write(work.join("steps.py"), STEPS).unwrap();
    let spec = work.join("cluster.toml");
    std::fs::write(
        &spec,
        "[[node]]\nname = \"a\"\nkind = \"agent\"\ncores = 1\nmemory = \"2GiB\"\ncount = 2\n",
    )
    .unwrap();
    let spec = spec.display().to_string();
    let users = ["ana", "bo", "cy"];
    let tokens = add_users(&state, &users);
    let (mut server, url) = start_server_with(&state, &["--cluster", &spec]);
    assert_eq!(metric(&url, "prescient_nodes_up"), 0.0);
    let agent = |i: usize| {
        let log = std::fs::File::create(state.join(format!("agent-{i}.log"))).unwrap();
        Proc(
            command()
                .args(["agent", "--state"])
                .arg(&state)
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        )
    };
    let mut agents = vec![agent(0), agent(1)];
    wait_for("two agents to join", 120, || {
        metric(&url, "prescient_nodes_up") == 2.0
    });
    // A third finds no node free; a wrong secret is refused; both clearly.
    let third = command()
        .args(["agent", "--once", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(third.status.code(), Some(2));
    let err = String::from_utf8_lossy(&third.stderr);
    assert!(
        err.contains("every agent node already has an agent"),
        "{err}"
    );
    let wrong = command()
        .args(["agent", "--once", "--state"])
        .arg(&state)
        .env("PRESCIENT_AGENT_SECRET", "not-the-secret")
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(2));
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(err.contains("secret is not the server's"), "{err}");
    // Two long jobs first; 1,000 small ones after (99 through the CLI, the
    // rest through the API, the users in turn).
    let mut steps = Vec::new();
    for _ in 0..2 {
        let out = ok(&client(
            &url,
            &tokens[0],
            &["submit", "--json", "steps.py"],
            &work,
        ));
        let v: Value = serde_json::from_str(&out).unwrap();
        steps.push(v["id"].as_i64().unwrap());
    }
    // A standby: with both nodes taken it waits, and tries again.
    agents.push(agent(2));
    wait_for("the standby to wait", 60, || {
        std::fs::read_to_string(state.join("agent-2.log"))
            .is_ok_and(|l| l.contains("already has an agent") && l.contains("trying again"))
    });
    // Kill the agent under a long job once it has run a while: the job
    // goes on elsewhere, and the agent's command joins again.
    let running_on = |id: i64| {
        let (_, v) = api(&url, &tokens[0], "GET", &format!("/api/jobs/{id}"), None);
        (v["state"] == "running")
            .then(|| v["node"].as_str().map(str::to_string))
            .flatten()
    };
    let mut victim = None;
    wait_for("a long job to run", 300, || {
        victim = steps.iter().find_map(|&id| running_on(id).map(|n| (id, n)));
        victim.is_some()
    });
    let (long_job, node) = victim.unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let pid = agent_pid(server.id(), &node).expect("the agent's process");
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    wait_for("the killed agent to join again", 120, || {
        metric(&url, "prescient_nodes_up") == 2.0
            && agent_pid(server.id(), &node).is_some_and(|p| p != pid)
    });
    let mut expected: Vec<Vec<String>> = vec![Vec::new(); 3];
    for n in 0..1000 {
        let u = n % 3;
        let tag = format!("{}-{n}", users[u]);
        if n < 99 {
            let out = ok(&client(
                &url,
                &tokens[u],
                &["submit", "tiny.py", "--", &tag],
                &work,
            ));
            assert!(out.starts_with("job "), "{out}");
        } else {
            let (code, v) = api(
                &url,
                &tokens[u],
                "POST",
                "/api/jobs",
                Some(serde_json::json!({
                    "file": "tiny.py",
                    "source": TINY,
                    "args": [tag],
                    "cwd": work.display().to_string(),
                })),
            );
            assert_eq!(code, 201, "{v}");
        }
        expected[u].push(tag);
    }
    // Kill the server once a third of the small jobs are done.
    let done = |url: &str| -> usize {
        tokens
            .iter()
            .map(|t| {
                let (_, v) = api(url, t, "GET", "/api/jobs?state=done", None);
                v.as_array().unwrap().len()
            })
            .sum()
    };
    wait_for("a third of the jobs to end", 300, || done(&url) >= 334);
    server.kill().unwrap();
    server.wait().unwrap();
    let (mut server, url) = start_server_with(&state, &["--cluster", &spec]);
    wait_for("the agents to join the new server", 120, || {
        metric(&url, "prescient_nodes_up") == 2.0
    });
    for (u, t) in tokens.iter().enumerate() {
        let jobs = wait_all_ended(&url, t, 600);
        let mut tags: Vec<String> = Vec::new();
        for j in jobs.iter().filter(|j| j["file"] == "tiny.py") {
            assert_eq!(j["state"], "done", "{j}");
            assert_eq!(j["exit_code"], 0, "{j}");
            tags.push(j["args"][0].as_str().unwrap().to_string());
        }
        tags.sort();
        let mut want = expected[u].clone();
        want.sort();
        assert_eq!(tags, want, "user {}", users[u]);
    }
    // Spot checks of the output, one per hundred.
    for n in (0..1000).step_by(100) {
        let u = n % 3;
        let (_, jobs) = api(&url, &tokens[u], "GET", "/api/jobs", None);
        let tag = format!("{}-{n}", users[u]);
        let id = jobs
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["args"][0] == tag.as_str())
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let logs = ok(&client(&url, &tokens[u], &["logs", &id.to_string()], &work));
        assert!(logs.contains(&format!("job {tag}")), "{logs}");
    }
    // The long jobs ran to their end, every step printed.
    for id in steps {
        let (_, v) = api(&url, &tokens[0], "GET", &format!("/api/jobs/{id}"), None);
        assert_eq!(v["state"], "done", "{v}");
        let logs = ok(&client(&url, &tokens[0], &["logs", &id.to_string()], &work));
        for i in 0..24 {
            assert!(logs.contains(&format!("step {i}\n")), "job {id}: {logs}");
        }
        if id == long_job {
            assert!(!v["node"].is_null(), "{v}");
        }
    }
    assert!(
        metric(&url, "prescient_node_starts_total") >= 2.0,
        "the agents' joins count as node starts"
    );
    // Predicted against measured, over the jobs this server saw end.
    let ended = metric(&url, "prescient_wall_ratio_count");
    assert!((1.0..=1002.0).contains(&ended), "{ended}");
    assert_eq!(metric(&url, "prescient_peak_ratio_count"), ended);
    assert!(metric(&url, "prescient_predicted_wall_seconds_total") > 0.0);
    assert!(metric(&url, "prescient_actual_peak_bytes_total") > 0.0);
    unsafe {
        libc::kill(server.id() as i32, libc::SIGTERM);
    }
    assert!(server.wait().unwrap().success());
    // The server let its agents go; their commands wait to join again.
    for a in &mut agents {
        assert!(a.try_wait().unwrap().is_none());
        let _ = a.kill();
        let _ = a.wait();
    }
    let log: String = (0..3)
        .map(|i| std::fs::read_to_string(state.join(format!("agent-{i}.log"))).unwrap())
        .collect();
    assert!(log.matches("joined").count() >= 5, "{log}");
}

/// A job running when the server is killed resumes, after the restart, from
/// its last recovery checkpoint: every step printed once, none lost.
#[test]
fn a_running_job_resumes_from_its_checkpoint_after_the_server_is_killed() {
    let state = scratch("resume-state");
    let work = scratch("resume-work");
    let steps = STEPS.replace("range(24)", "range(40)");
    std::fs::write(work.join("steps.py"), &steps).unwrap();
    let token = add_users(&state, &["eve"]).remove(0);
    let args = ["--checkpoint-every", "1"];
    let (mut server, url) = start_server_with(&state, &args);
    let out = ok(&client(
        &url,
        &token,
        &["submit", "--json", "steps.py"],
        &work,
    ));
    let id = serde_json::from_str::<Value>(&out).unwrap()["id"]
        .as_i64()
        .unwrap();
    let log = state.join("logs").join(format!("{id}.log"));
    let kept = state.join("checkpoints").join(format!("{id}.ckpt"));
    wait_for("a checkpoint and some steps", 120, || {
        kept.is_file() && std::fs::read_to_string(&log).is_ok_and(|l| l.contains("step 12\n"))
    });
    server.kill().unwrap();
    server.wait().unwrap();
    let (mut server, url) = start_server_with(&state, &args);
    wait_all_ended(&url, &token, 120);
    let (_, v) = api(&url, &token, "GET", &format!("/api/jobs/{id}"), None);
    assert_eq!(v["state"], "done", "{v}");
    let logs = ok(&client(&url, &token, &["logs", &id.to_string()], &work));
    assert!(
        logs.contains("the job resumes from its last checkpoint"),
        "{logs}"
    );
    for i in 0..40 {
        assert_eq!(
            logs.matches(&format!("step {i}\n")).count(),
            1,
            "step {i}: {logs}"
        );
    }
    // Nothing is kept of a job that ended.
    assert!(!kept.exists());
    unsafe {
        libc::kill(server.id() as i32, libc::SIGTERM);
    }
    assert!(server.wait().unwrap().success());
}

/// An agent that joins from another address than loopback (as from another
/// host): it listens on every address and the server reaches it at the
/// address it joined from.
#[test]
fn an_agent_joins_from_a_non_loopback_address() {
    let ip = std::process::Command::new("hostname")
        .arg("-I")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .find(|a| {
                    a.parse::<std::net::Ipv4Addr>()
                        .is_ok_and(|ip| !ip.is_loopback())
                })
                .map(str::to_string)
        });
    let Some(ip) = ip else {
        eprintln!("no non-loopback IPv4 address on this host: not testing a remote join");
        return;
    };
    let state = scratch("remote-state");
    let work = scratch("remote-work");
    std::fs::write(work.join("tiny.py"), TINY).unwrap();
    let spec = work.join("cluster.toml");
    std::fs::write(
        &spec,
        "[[node]]\nname = \"far\"\nkind = \"agent\"\ncores = 1\nmemory = \"1GiB\"\n",
    )
    .unwrap();
    let token = add_users(&state, &["fay"]).remove(0);
    let spec = spec.display().to_string();
    let (mut server, url) =
        start_server_with(&state, &["--cluster", &spec, "--agents", "0.0.0.0:0"]);
    let port = std::fs::read_to_string(state.join("agents.addr"))
        .unwrap()
        .trim()
        .rsplit_once(':')
        .unwrap()
        .1
        .to_string();
    let _agent = Proc(
        command()
            .args([
                "agent",
                "--server",
                &format!("{ip}:{port}"),
                "--secret-file",
            ])
            .arg(state.join("agent.secret"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for("the agent to join", 120, || {
        metric(&url, "prescient_nodes_up") == 1.0
    });
    let out = ok(&client(
        &url,
        &token,
        &["submit", "--json", "tiny.py", "--", "far"],
        &work,
    ));
    let id = serde_json::from_str::<Value>(&out).unwrap()["id"]
        .as_i64()
        .unwrap();
    wait_all_ended(&url, &token, 120);
    let (_, v) = api(&url, &token, "GET", &format!("/api/jobs/{id}"), None);
    assert_eq!(v["state"], "done", "{v}");
    assert_eq!(v["node"], "far", "{v}");
    let logs = ok(&client(&url, &token, &["logs", &id.to_string()], &work));
    assert!(logs.contains("job far"), "{logs}");
    unsafe {
        libc::kill(server.id() as i32, libc::SIGTERM);
    }
    assert!(server.wait().unwrap().success());
}

/// A node the server requests from Slurm: a job too big for the physical
/// node makes the planner start the virtual node, whose agent runs in a
/// Slurm allocation and calls back; the job runs there, and the allocation
/// ends when the server stops.
#[test]
fn a_job_runs_on_a_node_the_server_requests_from_slurm() {
    if !common::slurm_up() {
        return;
    }
    let state = scratch("slurm-state");
    let work = scratch("slurm-work");
    std::fs::write(
        work.join("big.py"),
        "data = bytearray(900 * 2**20)\nprint('held', len(data) >> 20)\n",
    )
    .unwrap();
    let spec = work.join("cluster.toml");
    std::fs::write(
        &spec,
        "[slurm]\ntimeout_seconds = 180\n\n[[node]]\nname = \"small\"\ncores = 1\nmemory = \"512MiB\"\n\n\
         [[node]]\nname = \"cloud\"\nkind = \"virtual\"\ncores = 1\nmemory = \"2GiB\"\nstartup_seconds = 20\n\
         max_count = 1\ncost_per_second = 0.001\nslurm = { partition = \"cloud\", time_minutes = 10 }\n",
    )
    .unwrap();
    let token = add_users(&state, &["gus"]).remove(0);
    let spec = spec.display().to_string();
    let (mut server, url) = start_server_with(&state, &["--cluster", &spec]);
    let out = ok(&client(
        &url,
        &token,
        &["submit", "--json", "big.py"],
        &work,
    ));
    let id = serde_json::from_str::<Value>(&out).unwrap()["id"]
        .as_i64()
        .unwrap();
    wait_all_ended(&url, &token, 300);
    let (_, v) = api(&url, &token, "GET", &format!("/api/jobs/{id}"), None);
    assert_eq!(v["state"], "done", "{v}");
    assert_eq!(v["node"], "cloud-1", "{v}");
    let logs = ok(&client(&url, &token, &["logs", &id.to_string()], &work));
    assert!(logs.contains("held 900"), "{logs}");
    assert!(metric(&url, "prescient_node_starts_total") >= 1.0);
    // The allocation is Slurm's job named after the node; it ends with the
    // server.
    let mine = format!("c{}-cloud-1", server.id());
    let held = || {
        let o = std::process::Command::new("squeue")
            .args(["-h", "-o", "%j", "-t", "PD,CF,R"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).contains(&mine)
    };
    unsafe {
        libc::kill(server.id() as i32, libc::SIGTERM);
    }
    assert!(server.wait().unwrap().success());
    wait_for("the allocation to end", 60, || !held());
}

/// `prescient agent` with what cannot work: clear errors, at once.
#[test]
fn an_agent_with_a_bad_address_or_no_secret_says_so() {
    let dir = scratch("agent-errors");
    let secret = dir.join("secret");
    std::fs::write(&secret, "x\n").unwrap();
    let agent = |server: &str, secret: &Path| {
        let o = command()
            .args(["agent", "--once", "--server", server, "--secret-file"])
            .arg(secret)
            .output()
            .unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let (code, err) = agent("nonsense", &secret);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("give HOST:PORT"), "{err}");
    let (code, err) = agent("127.0.0.1:9", &dir.join("missing"));
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("cannot read the agent secret"), "{err}");
    // No server there: with --once, one try and a clear error.
    let (code, err) = agent("127.0.0.1:9", &secret);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cannot join 127.0.0.1:9"), "{err}");
}
