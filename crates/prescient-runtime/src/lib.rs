//! The Prescient runtime: node agents that run jobs section by section in real
//! CPython workers, and the coordinator that drives them and moves jobs between
//! nodes at safe points.
//!
//! - [`worker`]: one Python worker process and its channel (I/O).
//! - [`agent`]: the node agent process: a TCP server that owns workers, relays
//!   their output and hands jobs to other agents.
//! - [`coordinator`]: starts a local cluster of agents and drives jobs on it.
//! - [`sandbox`]: what confines a worker: cgroups (v1) or rlimits, an
//!   unprivileged user, no network.
//! - [`harness`]: the Python harness shipped inside the binary.
//! - [`isa`]: node features made real on a shared host (library masks).
//! - [`slurm`]: virtual nodes whose agents run in Slurm allocations, behind
//!   the [`slurm::BatchSystem`] trait.
//!
//! The coordinator and the agents share only `prescient-wire`.

pub mod agent;
pub mod auth;
pub mod coordinator;
pub mod fdpass;
pub mod harness;
pub mod isa;
pub mod sandbox;
pub mod slurm;
pub mod worker;

/// Errors of the runtime.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{context}: {source}")]
    Wire {
        context: String,
        #[source]
        source: prescient_wire::FrameError,
    },
    #[error("{0}")]
    Protocol(String),
    #[error("the worker environment cannot run jobs: {0}")]
    Worker(String),
    #[error("cluster: {0}")]
    Cluster(String),
}

pub(crate) fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> RuntimeError {
    let context = context.into();
    move |source| RuntimeError::Io { context, source }
}

pub(crate) fn wire_err(
    context: impl Into<String>,
) -> impl FnOnce(prescient_wire::FrameError) -> RuntimeError {
    let context = context.into();
    move |source| RuntimeError::Wire { context, source }
}
