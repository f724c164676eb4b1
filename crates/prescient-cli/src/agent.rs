//! `prescient agent`: joins a node to a running `prescient server`.
//!
//! The server's cluster spec names the nodes agents may fill (`kind =
//! "agent"`); this command connects to the server's join socket, proves the
//! server's agent secret, takes one of those nodes, and runs its agent here
//! (workers in this host's worker environment, prepared on first use). The
//! node is up on the server from then until the agent ends. When the server
//! lets the agent go (it stops, restarts, or is killed) the command joins
//! again, waiting for the server to come back, until it is stopped itself.
//! When every node it could take has an agent, it waits for one to free up
//! (the server may not yet have seen a dead agent go); `--once` ends instead.
//!
//! With no options, on the server's own host, it finds the server through
//! its state directory (`agents.addr` and `agent.secret`).

use crate::Failure;
use anyhow::{anyhow, Context};
use prescient_runtime::auth::Secret;
use prescient_runtime::coordinator::{join, JoinError, JoinRequest, Launcher};
use std::path::PathBuf;
use std::time::Duration;

/// The environment variable that may carry the agent secret instead of a file.
pub const SECRET_ENV: &str = "PRESCIENT_AGENT_SECRET";

#[derive(clap::Args)]
pub struct Args {
    /// The server's join address, HOST:PORT (the server prints it, and
    /// writes it to `agents.addr` in its state directory; default: that
    /// file of the server on this host).
    #[arg(long, value_name = "HOST:PORT")]
    server: Option<String>,
    /// The node to be (default: the first free agent node that fits this host).
    #[arg(long)]
    node: Option<String>,
    /// File holding the server's agent secret (default: `agent.secret` in
    /// the server's state directory; or the secret in PRESCIENT_AGENT_SECRET).
    #[arg(long, value_name = "FILE")]
    secret_file: Option<PathBuf>,
    /// The server's state directory on this host, for the defaults above.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// Use this Python interpreter as the worker environment instead of the managed one.
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// Join once: end when the server lets the agent go.
    #[arg(long)]
    once: bool,
}

fn read_trimmed(path: &std::path::Path, what: &str) -> Result<String, Failure> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the {what} from {}", path.display()))
        .map_err(Failure::input)?;
    let t = text.trim().to_string();
    if t.is_empty() {
        return Err(Failure::input(anyhow!("{} is empty", path.display())));
    }
    Ok(t)
}

pub fn run(a: Args) -> Result<(), Failure> {
    let state = crate::server::state_dir(a.state.clone());
    // Read again before each join: a server restarted may have moved.
    let server_addr = || match &a.server {
        Some(s) => Ok(s.clone()),
        None => {
            read_trimmed(&state.join(crate::server::AGENTS_ADDR), "join address").map_err(|f| {
                Failure::input(anyhow!(
                    "{:#}\n(give the server's join address with --server HOST:PORT)",
                    f.error
                ))
            })
        }
    };
    // An address without a port is wrong however often it is tried.
    let first = server_addr()?;
    if first
        .rsplit_once(':')
        .is_none_or(|(h, p)| h.is_empty() || p.parse::<u16>().is_err())
    {
        return Err(Failure::input(anyhow!(
            "{first:?} is not a join address: give HOST:PORT"
        )));
    }
    let secret = match std::env::var(SECRET_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
    {
        Some(s) => s.trim().to_string(),
        None => read_trimmed(
            &a.secret_file
                .clone()
                .unwrap_or_else(|| state.join(crate::server::AGENT_SECRET)),
            "agent secret",
        )?,
    };
    let secret = Secret::new(secret);
    let env = crate::node::env(a.python.clone())?;
    let opts = crate::node::cluster_options(&env, true)?;
    let launcher = Launcher {
        exe: opts.agent_exe,
        arg: opts.agent_arg,
        python: opts.python,
        harness_dir: opts.harness_dir,
    };
    // SAFETY: sysconf has no preconditions.
    let cores = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) }.max(1) as f64;
    let request = JoinRequest {
        node: a.node.clone(),
        host_cores: cores,
        host_memory: crate::run::host_memory(),
    };
    let mut wait = Duration::from_millis(500);
    loop {
        let server = server_addr()?;
        match join(&server, &secret, &request, &launcher) {
            Ok(mut joined) => {
                wait = Duration::from_millis(500);
                eprintln!("prescient agent: joined {server} as node {}", joined.node);
                for w in &joined.warnings {
                    eprintln!("warning: {w}");
                }
                let status = joined
                    .child
                    .wait()
                    .map(|s| s.to_string())
                    .unwrap_or_else(|e| e.to_string());
                eprintln!(
                    "prescient agent: node {} left the server ({status})",
                    joined.node
                );
                if a.once {
                    return Ok(());
                }
            }
            // Taken nodes free up (and a dead agent's node is freed once
            // the server sees it go): wait, unless told to try once.
            Err(JoinError::Busy(reason)) if !a.once => {
                eprintln!(
                    "prescient agent: {reason}; trying again in {:.1} s",
                    wait.as_secs_f64()
                );
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(10));
            }
            Err(JoinError::Refused(reason) | JoinError::Busy(reason)) => {
                return Err(Failure::input(anyhow!(
                    "the server at {server} refused to join: {reason}"
                )))
            }
            Err(JoinError::Failed(e)) => {
                if a.once {
                    return Err(Failure::internal(anyhow!("cannot join {server}: {e}")));
                }
                eprintln!(
                    "prescient agent: cannot join {server} ({e}); trying again in {:.1} s",
                    wait.as_secs_f64()
                );
                std::thread::sleep(wait);
                wait = (wait * 2).min(Duration::from_secs(10));
            }
        }
    }
}
