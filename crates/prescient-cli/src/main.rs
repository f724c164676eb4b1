//! `prescient`: predicts what a Python program will need before it runs.
//!
//! Exit codes (also in the README):
//! - 0: success;
//! - 1: an internal error, or output that could not be written;
//! - 2: bad input: a usage error, a file that cannot be read, is not Python source
//!   text, or has a syntax error (reported as `file:line:col: message`).

mod analyze;
mod calibrate;
mod eval;
mod files;
mod node;
mod plot;
mod predict;

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
}

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
    if argv
        .next()
        .is_some_and(|a| a == prescient_pyenv::run::LAUNCHER_ARG)
    {
        let rest: Vec<std::ffi::OsString> = argv.collect();
        return ExitCode::from(prescient_pyenv::run::launcher_main(&rest).clamp(0, 255) as u8);
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
