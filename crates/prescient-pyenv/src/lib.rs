//! The worker Python environment: where every piece of user code and every
//! microbenchmark runs.
//!
//! On first use Prescient creates its own virtual environment under its data
//! directory (`PRESCIENT_HOME`, else `$XDG_DATA_HOME/prescient`, else
//! `~/.local/share/prescient`) and installs numpy, scipy, cloudpickle and
//! cryptography into it with pip, showing progress. `--python PATH` uses an
//! existing interpreter instead. The environment is built in a temporary
//! directory and renamed into place, under a lock, so an interrupted or concurrent
//! set-up never leaves a half-built environment behind.

mod calibrate;
mod env;
pub mod progress;
pub mod run;

pub use calibrate::calibrate;
pub use env::{data_home, ensure, others_can_run, probe, EnvOptions, WorkerEnv, PACKAGES};
pub use progress::Progress;

/// Why the worker environment is not usable.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    #[error("no Python 3 interpreter found to build the worker environment (looked for {0}); install python3 or pass --python PATH")]
    NoBasePython(String),
    #[error("the interpreter {path} cannot be used: {reason}")]
    BadInterpreter { path: String, reason: String },
    #[error("creating the worker environment in {path} failed: {reason}")]
    Create { path: String, reason: String },
    #[error(
        "installing {packages} with pip failed (exit {code}); the last lines pip printed:\n{tail}"
    )]
    Pip {
        packages: String,
        code: i32,
        tail: String,
    },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> EnvError {
    let context = context.into();
    move |source| EnvError::Io { context, source }
}
