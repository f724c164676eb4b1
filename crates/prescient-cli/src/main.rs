//! `prescient`: predicts what a Python program will need before it runs.
//!
//! Exit codes (also in the README):
//! - 0: success;
//! - 1: an internal error, or output that could not be written;
//! - 2: bad input: a usage error, a file that cannot be read, is not Python source
//!   text, or has a syntax error (reported as `file:line:col: message`).

mod accuracy;
mod agent;
mod analyze;
mod bench;
mod bench_server;
mod calibrate;
mod catalog;
mod client;
mod eval;
mod files;
mod fit;
mod node;
mod plot;
mod predict;
mod replay;
mod run;
mod sbatch;
mod server;
mod simulate;
mod steer;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "prescient",
    version,
    about = "Predicts what a Python program will need, before it runs"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Analyse a program: its sections, the kernels they run, their sizes, and the
    /// predicted wall time, CPU time and peak memory on this node.
    Analyze(analyze::Args),
    /// Measure this node (in the worker Python environment) and store its profile.
    Calibrate(calibrate::Args),
    /// Run programs for real and compare the prediction with what they used.
    Eval(eval::Args),
    /// Fit the interpreter cost model on generated programs measured on this
    /// node, and report its error on programs left out of the fit.
    FitInterp(fit::Args),
    /// Run a program on the local cluster, section by section, and show its
    /// predicted against its actual demand. Exits with the program's exit code.
    Run(run::Args),
    /// Measure migration downtime against the raw loopback transfer time of the
    /// same bytes, with and without pre-copy.
    BenchMigration(bench::Args),
    /// Replay a workload under each allocation policy in the discrete-event
    /// simulator and compare them side by side.
    Simulate(simulate::Args),
    /// Write a workload that mixes programs at a chosen load.
    Generate(simulate::GenerateArgs),
    /// Run a workload for real on the local cluster under a policy, and
    /// report the same figures as `simulate`.
    Replay(replay::Args),
    /// Run the long-running server users submit jobs to (HTTP API, durable
    /// queue, the planner over the local cluster).
    Server(server::Args),
    /// Manage the server's users and their tokens.
    User(server::UserArgs),
    /// Join this host to a server as one of its agent nodes, and run the
    /// node's agent (joining again whenever the server comes back).
    Agent(agent::Args),
    /// Submit a program to a server; prints its job id and prediction.
    Submit(client::SubmitArgs),
    /// List your jobs on a server, with counts by state.
    Jobs(client::JobsArgs),
    /// Show one job: its state, node, attempts, and each section predicted
    /// against measured.
    Status(client::JobArgs),
    /// Print a job's output (`-f` follows it until the job ends).
    Logs(client::LogsArgs),
    /// Cancel a queued or running job.
    Cancel(client::JobArgs),
    /// Submit a program to Slurm with --mem, --time and --cpus-per-task set
    /// from its forecast's upper bounds; what it used is learnt once it ends.
    Sbatch(sbatch::Args),
    /// Load a server of its own with submissions and report their rate and
    /// latency, the planner's time per event with the queue full, and the
    /// API's latency.
    BenchServer(bench_server::Args),
}

/// Argument that turns the binary into a node agent (started by `run`).
pub const AGENT_ARG: &str = "__agent";

/// An error with the exit code it should produce.
#[derive(Debug)]
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
    /// Printed as it is, without the `error: ` prefix (compiler-style diagnostics).
    pub plain: bool,
}

impl Failure {
    pub fn input(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: 2,
            error: error.into(),
            plain: false,
        }
    }

    pub fn internal(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: 1,
            error: error.into(),
            plain: false,
        }
    }

    /// A diagnostic about the user's source: `file:line:col: message`, exit 2.
    pub fn diagnostic(error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code: 2,
            error: error.into(),
            plain: true,
        }
    }
}

fn main() -> ExitCode {
    // Launcher mode runs before anything else, so the process stays small:
    // its size is folded into the peak memory measured for its child.
    let mut argv = std::env::args_os().skip(1);
    let first = argv.next();
    if first
        .as_ref()
        .is_some_and(|a| a == prescient_pyenv::run::LAUNCHER_ARG)
    {
        let rest: Vec<std::ffi::OsString> = argv.collect();
        return ExitCode::from(prescient_pyenv::run::launcher_main(&rest).clamp(0, 255) as u8);
    }
    if first.as_ref().is_some_and(|a| a == AGENT_ARG) {
        return agent_main(argv.next());
    }
    if let Ok(exe) = std::env::current_exe() {
        prescient_pyenv::run::set_launcher(exe);
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("PRESCIENT_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Calibrate(args) => calibrate::run(args),
        Command::Eval(args) => eval::run(args),
        Command::FitInterp(args) => fit::run(args),
        Command::BenchMigration(args) => bench::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Generate(args) => simulate::generate(args),
        Command::Replay(args) => replay::run(args),
        Command::Server(args) => server::run(args),
        Command::Agent(args) => agent::run(args),
        Command::User(args) => server::user(args),
        Command::Submit(args) => client::submit(args),
        Command::Jobs(args) => client::jobs(args),
        Command::Status(args) => client::status(args),
        Command::Logs(args) => client::logs(args),
        Command::Cancel(args) => client::cancel(args),
        Command::BenchServer(args) => bench_server::run(args),
        Command::Sbatch(args) => match sbatch::run(args) {
            Ok(code) => return ExitCode::from(code),
            Err(f) => Err(f),
        },
        Command::Run(args) => match run::run(args) {
            Ok(code) => return ExitCode::from(code),
            Err(f) => Err(f),
        },
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if f.plain {
                eprintln!("{:#}", f.error);
            } else {
                eprintln!("error: {:#}", f.error);
            }
            ExitCode::from(f.code)
        }
    }
}

/// A node agent process: `prescient __agent CONFIG-JSON`.
fn agent_main(config: Option<std::ffi::OsString>) -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("PRESCIENT_LOG"))
        .with_writer(std::io::stderr)
        .init();
    let cfg = config
        .and_then(|c| c.into_string().ok())
        .ok_or_else(|| "missing configuration".to_string())
        .and_then(|c| {
            serde_json::from_str::<prescient_runtime::agent::AgentConfig>(&c)
                .map_err(|e| format!("bad configuration: {e}"))
        });
    let result = cfg.and_then(|cfg| prescient_runtime::agent::run(cfg).map_err(|e| e.to_string()));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("prescient agent: {e}");
            ExitCode::from(1)
        }
    }
}
