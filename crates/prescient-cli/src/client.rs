//! The commands that talk to a `prescient server`: `submit`, `jobs`,
//! `status`, `logs`, `cancel`. Each takes `--server URL` (or
//! `PRESCIENT_SERVER`, default `http://127.0.0.1:7878`) and `--token T` (or
//! `PRESCIENT_TOKEN`), and `--json` for the server's answer as it is.
//!
//! Exit codes: 0 done; 2 the request was refused (bad input, no such job,
//! unknown token); 1 the server could not be reached or failed.

use crate::Failure;
use anyhow::{anyhow, Context};
use prescient_runtime::agent::human_bytes;
use serde_json::Value;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Clone)]
pub struct Conn {
    /// The server's URL.
    #[arg(
        long,
        env = "PRESCIENT_SERVER",
        default_value = "http://127.0.0.1:7878"
    )]
    server: String,
    /// Your token (from `prescient user add`).
    #[arg(long, env = "PRESCIENT_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Print the server's JSON answer.
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct SubmitArgs {
    #[command(flatten)]
    conn: Conn,
    /// The Python program to run.
    file: PathBuf,
    /// The program's own arguments, after `--`.
    #[arg(last = true)]
    args: Vec<String>,
}

#[derive(clap::Args)]
pub struct JobsArgs {
    #[command(flatten)]
    conn: Conn,
}

#[derive(clap::Args)]
pub struct JobArgs {
    #[command(flatten)]
    conn: Conn,
    /// The job's id (as `submit` printed it).
    id: i64,
}

#[derive(clap::Args)]
pub struct LogsArgs {
    #[command(flatten)]
    conn: Conn,
    id: i64,
    /// Keep printing output as it comes, until the job ends.
    #[arg(short, long)]
    follow: bool,
}

struct Client {
    base: String,
    token: String,
    agent: ureq::Agent,
}

impl Client {
    fn new(c: &Conn) -> Result<Client, Failure> {
        let token = c.token.clone().ok_or_else(|| {
            Failure::input(anyhow!(
                "no token: pass --token or set PRESCIENT_TOKEN (`prescient user add NAME` on the server prints one)"
            ))
        })?;
        Ok(Client {
            base: c.server.trim_end_matches('/').to_string(),
            token,
            agent: ureq::AgentBuilder::new()
                .timeout_connect(Duration::from_secs(10))
                .timeout(Duration::from_secs(120))
                .build(),
        })
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<ureq::Response, Failure> {
        let req = self
            .agent
            .request(method, &format!("{}{path}", self.base))
            .set("Authorization", &format!("Bearer {}", self.token));
        let res = match body {
            Some(b) => req.send_json(b.clone()),
            None => req.call(),
        };
        match res {
            Ok(r) => Ok(r),
            Err(ureq::Error::Status(code, r)) => {
                let text = r.into_string().unwrap_or_default();
                let msg = serde_json::from_str::<Value>(&text)
                    .ok()
                    .and_then(|v| v["error"].as_str().map(str::to_string))
                    .unwrap_or(text);
                let e = anyhow!("the server refused ({code}): {msg}");
                Err(if code >= 500 {
                    Failure::internal(e)
                } else {
                    Failure::input(e)
                })
            }
            Err(e) => Err(Failure::internal(anyhow!(
                "cannot reach the server at {}: {e}",
                self.base
            ))),
        }
    }

    fn json(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, Failure> {
        self.call(method, path, body)?
            .into_json()
            .context("the server's answer is not JSON")
            .map_err(Failure::internal)
    }
}

fn print_json(v: &Value) -> Result<(), Failure> {
    crate::analyze::write_stdout(&format!(
        "{}\n",
        serde_json::to_string_pretty(v).map_err(Failure::internal)?
    ))
}

fn secs(v: &Value) -> String {
    v.as_f64()
        .map(|s| format!("{s:.2} s"))
        .unwrap_or_else(|| "-".into())
}

fn bytes(v: &Value) -> String {
    v.as_f64()
        .map(|b| human_bytes(b.max(0.0) as u64))
        .unwrap_or_else(|| "-".into())
}

/// One line on what was predicted for a job.
fn prediction_line(job: &Value) -> String {
    let p = &job["prediction"]["program"];
    if p.is_null() {
        return "no prediction".into();
    }
    format!(
        "predicted wall {} [{}-{}], peak {} [{}-{}]",
        secs(&p["wall_seconds"]),
        secs(&p["wall_interval"]["low"]),
        secs(&p["wall_interval"]["high"]),
        bytes(&p["peak_memory_bytes"]),
        bytes(&p["peak_memory_interval"]["low"]),
        bytes(&p["peak_memory_interval"]["high"]),
    )
}

pub fn submit(a: SubmitArgs) -> Result<(), Failure> {
    let c = Client::new(&a.conn)?;
    let name = a.file.display().to_string();
    let meta = std::fs::metadata(&a.file)
        .with_context(|| format!("cannot read {name}"))
        .map_err(Failure::input)?;
    if meta.len() > prescient_analyse::MAX_SOURCE_BYTES as u64 {
        return Err(Failure::input(anyhow!(
            "{name}: file too large: {} bytes (the limit is {} bytes)",
            meta.len(),
            prescient_analyse::MAX_SOURCE_BYTES
        )));
    }
    let source = std::fs::read(&a.file)
        .with_context(|| format!("cannot read {name}"))
        .map_err(Failure::input)?;
    let source =
        String::from_utf8(source).map_err(|_| Failure::input(anyhow!("{name}: not UTF-8 text")))?;
    let cwd = std::env::current_dir()
        .context("cannot read the current directory")
        .map_err(Failure::internal)?;
    let body = serde_json::json!({
        "file": name,
        "source": source,
        "args": a.args,
        "cwd": cwd.display().to_string(),
    });
    let job = c.json("POST", "/api/jobs", Some(&body))?;
    if a.conn.json {
        return print_json(&job);
    }
    crate::analyze::write_stdout(&format!(
        "job {} queued: {}\n",
        job["id"],
        prediction_line(&job)
    ))
}

pub fn jobs(a: JobsArgs) -> Result<(), Failure> {
    let c = Client::new(&a.conn)?;
    let list = c.json("GET", "/api/jobs", None)?;
    if a.conn.json {
        return print_json(&list);
    }
    let rows = list.as_array().cloned().unwrap_or_default();
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    let mut out = format!(
        "{:>6}  {:<10} {:<28} {:>10} {:>10}  {}\n",
        "id", "state", "program", "pred wall", "pred peak", "node"
    );
    for j in &rows {
        let state = j["state"].as_str().unwrap_or("?").to_string();
        *counts.entry(state.clone()).or_default() += 1;
        let mut prog = j["file"].as_str().unwrap_or("?").to_string();
        if prog.len() > 28 {
            prog = format!("…{}", &prog[prog.len() - 27..]);
        }
        let p = &j["prediction"]["program"];
        out.push_str(&format!(
            "{:>6}  {:<10} {:<28} {:>10} {:>10}  {}\n",
            j["id"].as_i64().unwrap_or(0),
            state,
            prog,
            secs(&p["wall_seconds"]),
            bytes(&p["peak_memory_bytes"]),
            j["node"].as_str().unwrap_or("-"),
        ));
    }
    let summary: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
    out.push_str(&format!(
        "{} jobs{}{}\n",
        rows.len(),
        if summary.is_empty() { "" } else { ": " },
        summary.join(", ")
    ));
    crate::analyze::write_stdout(&out)
}

pub fn status(a: JobArgs) -> Result<(), Failure> {
    let c = Client::new(&a.conn)?;
    let j = c.json("GET", &format!("/api/jobs/{}", a.id), None)?;
    if a.conn.json {
        return print_json(&j);
    }
    let mut out = format!(
        "job {}: {} ({} {})\n  {}\n  state {}, node {}, attempts {}, migrations {}",
        j["id"],
        j["file"].as_str().unwrap_or("?"),
        j["user"].as_str().unwrap_or("?"),
        j["args"]
            .as_array()
            .map(|a| a
                .iter()
                .filter_map(|x| x.as_str())
                .collect::<Vec<_>>()
                .join(" "))
            .unwrap_or_default(),
        prediction_line(&j),
        j["state"].as_str().unwrap_or("?"),
        j["node"].as_str().unwrap_or("-"),
        j["attempts"],
        j["migrations"],
    );
    if let Some(code) = j["exit_code"].as_i64() {
        out.push_str(&format!(", exit code {code}"));
    }
    if let Some(r) = j["reason"].as_str() {
        out.push_str(&format!(" ({r})"));
    }
    out.push('\n');
    let predicted = j["prediction"]["units"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let actual = j["units"].as_array().cloned().unwrap_or_default();
    if !predicted.is_empty() {
        out.push_str(&format!(
            "  {:<12} {:>12} {:>12} {:>12} {:>12}  {}\n",
            "section", "pred wall", "actual wall", "pred peak", "actual peak", "node"
        ));
    }
    for (i, p) in predicted.iter().enumerate() {
        let a = actual.iter().find(|u| u["unit"].as_u64() == Some(i as u64));
        let pd = &p["predicted"];
        out.push_str(&format!(
            "  {:<12} {:>12} {:>12} {:>12} {:>12}  {}\n",
            format!("lines {}-{}", p["start_line"], p["end_line"]),
            secs(&pd["wall_seconds"]),
            a.map(|u| secs(&u["wall_seconds"]))
                .unwrap_or_else(|| "-".into()),
            bytes(&pd["peak_memory_bytes"]),
            a.map(|u| bytes(&u["peak_rss_bytes"]))
                .unwrap_or_else(|| "-".into()),
            a.and_then(|u| u["node"].as_str()).unwrap_or("-"),
        ));
    }
    crate::analyze::write_stdout(&out)
}

pub fn logs(a: LogsArgs) -> Result<(), Failure> {
    use std::io::Write;
    let c = Client::new(&a.conn)?;
    let mut offset = 0u64;
    loop {
        let r = c.call(
            "GET",
            &format!("/api/jobs/{}/logs?offset={offset}", a.id),
            None,
        )?;
        let next = r
            .header("X-Prescient-Offset")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(offset);
        let state = r.header("X-Prescient-State").unwrap_or("").to_string();
        let mut body = Vec::new();
        std::io::Read::read_to_end(&mut r.into_reader(), &mut body).map_err(Failure::internal)?;
        let mut out = std::io::stdout().lock();
        if out.write_all(&body).and_then(|_| out.flush()).is_err() {
            // The reader went away (`| head`): nothing more to do.
            return Ok(());
        }
        offset = next;
        let ended = matches!(state.as_str(), "done" | "failed" | "cancelled");
        if !a.follow || (ended && body.is_empty()) {
            return Ok(());
        }
        if body.is_empty() {
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

pub fn cancel(a: JobArgs) -> Result<(), Failure> {
    let c = Client::new(&a.conn)?;
    let v = c.json("POST", &format!("/api/jobs/{}/cancel", a.id), None)?;
    if a.conn.json {
        return print_json(&v);
    }
    crate::analyze::write_stdout(&format!("job {} is being cancelled\n", a.id))
}
