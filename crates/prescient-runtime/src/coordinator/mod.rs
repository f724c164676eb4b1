//! The coordinator: starts a local cluster of node agents (separate processes,
//! over TCP on loopback) and drives jobs on it, section by section.
//!
//! It is the one authority on where a job lives. A migration is two-phase: the
//! source agent checkpoints the job and hands it to the target, which restores
//! it and holds it *prepared*; only when the coordinator's `commit` is
//! confirmed does it release the source. Any failure before that leaves the job
//! on the source, untouched and idle between two sections, so no section runs
//! twice and no output is lost or repeated.
//!
//! Checkpoints for recovery go to a spool inside the coordinator, which speaks
//! the agents' peer protocol. When an agent dies, its job restarts on another
//! node from the last spooled checkpoint (or from the start); output the
//! program already produced is not printed again.
//!
//! Virtual nodes with a `slurm` table are not started here: each instance is
//! an agent in a Slurm allocation ([`crate::slurm`]) that calls back on a
//! rendezvous socket; once connected it is driven like any other node.

use crate::agent::{handshake, hello, AgentAnnounce, AgentConfig, Callback};
use crate::auth::{self, Secret};
use crate::slurm::{AllocRequest, AllocState, BatchSystem, Slurm};
use crate::{io_err, wire_err, RuntimeError};
use prescient_model::cluster::{ClusterSpec, NodeKind, NodeSpec, SlurmSettings};
use prescient_wire::frame::{self, encode_header, Limits};
use prescient_wire::{
    Fault, FromAgent, FromPeer, JobEnd, JobSpec, MigrationReport, Role, Stop, Stream, ToAgent,
    ToPeer, UnitUsage,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How to start the agents of a local cluster.
#[derive(Clone, Debug)]
pub struct ClusterOptions {
    /// The executable that runs an agent, and the argument that selects agent mode.
    pub agent_exe: PathBuf,
    pub agent_arg: String,
    pub python: PathBuf,
    pub harness_dir: PathBuf,
    pub worker_user: String,
    pub warm: bool,
    /// Same-host hand-overs on the agents' Unix sockets, with the bytes going
    /// worker to worker; false forces the TCP relay through the agents (the
    /// path between hosts).
    pub local_handover: bool,
    /// Where the logs of Slurm allocations go.
    pub log_dir: PathBuf,
    /// The cluster's secret; drawn afresh when absent. A server keeps one
    /// across restarts, so the agents that join it can prove it.
    pub secret: Option<Secret>,
    /// Where the recovery checkpoints are spooled (default: the temporary
    /// directory). A server keeps them beside its state, so that it can
    /// link the ones it keeps across a restart.
    pub spool_dir: Option<PathBuf>,
}

/// Something that happened to one job.
#[derive(Debug)]
pub enum JobEvent {
    Agent {
        node: usize,
        msg: FromAgent,
        blob: Option<Vec<u8>>,
    },
    Lost {
        node: usize,
    },
}

mod cluster;
mod drive;
mod join;
mod spool;
mod steering;

pub use cluster::{Cluster, NodeChange};
pub use drive::*;
pub use join::{join, JoinError, JoinRequest, Joined, Launcher};
use spool::{Saved, Spool};
pub use steering::*;
