//! The messages. Each enum is one direction of one kind of connection; all are
//! JSON objects tagged by `type`.

use serde::{Deserialize, Serialize};

/// First frame on every connection, in both directions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hello {
    pub protocol: u32,
    pub role: Role,
    /// Node name for agents, `coordinator` otherwise.
    pub name: String,
    /// Fresh for every connection: the other side's proof covers it.
    #[serde(default)]
    pub nonce: String,
}

/// Second frame on every connection, in both directions: an HMAC under the
/// cluster's secret of the sender's role, its nonce and the other side's
/// (see `prescient_runtime::auth`), in lowercase hex.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Proof {
    pub mac: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Coordinator,
    Agent,
    /// An agent connecting to another agent to hand over a job.
    Peer,
}

/// Which of the program's output streams a chunk belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One unit of execution: the top-level statements of `scope` overlapping
/// these lines. `scope` is `module`, or the name of the entry function
/// (`main`) whose body statements these are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub start_line: u32,
    pub end_line: u32,
    #[serde(default = "module_scope")]
    pub scope: String,
}

fn module_scope() -> String {
    "module".into()
}

/// Where a worker stopped: the unit it was running and whether it stopped
/// inside it (between two iterations of a loop) or at its end.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stop {
    /// The unit that runs next: `unit` itself after a step inside a loop,
    /// a later one at a unit's end (units the program skipped are passed
    /// over; the number of units when the program's code is done).
    pub next: usize,
    /// True when the worker stopped between two iterations of a loop of
    /// `unit`, which goes on at the next `run` of the same unit.
    pub step: bool,
}

/// Everything a worker needs to run or resume a job.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    pub job: u64,
    /// Absolute path: `__file__` and what tracebacks show. The worker does not
    /// read it; it runs `source`.
    pub file: String,
    pub source: String,
    /// `sys.argv`, with `argv[0]` as the user typed the file name.
    pub argv: Vec<String>,
    /// Working directory of the program.
    pub cwd: String,
    pub units: Vec<Unit>,
    /// Environment variables set for the program (on top of the worker's).
    #[serde(default)]
    pub env: Vec<(String, String)>,
    /// Memory the job may use, in bytes (0: the node's limit).
    #[serde(default)]
    pub memory_limit: u64,
    /// The (uid, gid) the job's worker takes before it runs or restores
    /// anything of the job: the same on every node the job runs on, and no
    /// other job's. Set by the agent that hands the job to a worker.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<(u32, u32)>,
}

/// Per-section telemetry measured inside the worker.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UnitUsage {
    pub wall_seconds: f64,
    pub cpu_seconds: f64,
    /// Peak resident set of the worker during the unit.
    pub peak_rss_bytes: u64,
    /// Resident set after the unit.
    pub rss_after_bytes: u64,
    /// `clear_refs` when the high-water mark was reset before the unit, `hwm`
    /// when it could not be (the peak then covers the whole process lifetime).
    pub rss_method: String,
}

/// How a job ended.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct JobEnd {
    /// The exit code `python3 FILE` would have exited with.
    pub code: i32,
    /// Why, when it was not the program's own doing (a limit, a lost node).
    pub reason: Option<String>,
    /// The unit that was running, if any.
    pub unit: Option<usize>,
    /// The signal plain Python would have died of (SIGINT after an uncaught
    /// KeyboardInterrupt): the coordinator dies of it too.
    #[serde(default)]
    pub signal: Option<i32>,
    /// The runtime lost the job: no node could run it.
    #[serde(default)]
    pub lost: bool,
}

/// Coordinator to agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToAgent {
    /// Set up a job in a (warm) worker. Replies `started` or `job_ended`.
    Start { spec: JobSpec },
    /// Run one unit. Replies `output`* then `unit_done` or `job_ended`.
    /// With `step_after`, the worker stops at the first safe point inside
    /// the unit (between two loop iterations) once that many seconds have
    /// passed, and says so in `unit_done`.
    Run {
        job: u64,
        unit: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_after: Option<f64>,
    },
    /// Check the job's state and hand it to the agent at `target`, which
    /// restores it but does not own it until `commit`. Replies `prepared` or
    /// `migration_failed`; the job keeps running here either way until `release`.
    Migrate {
        job: u64,
        migration: u64,
        target: String,
        /// The target agent's local (Unix, abstract) address when it runs on
        /// this host: the workers then get a socket pair of their own for the
        /// bytes.
        #[serde(default)]
        target_local: Option<String>,
        /// Test hook: make this migration fail at the named step.
        #[serde(default)]
        fault: Option<Fault>,
    },
    /// Save a recovery checkpoint of the job (idle at a safe point) to
    /// `target` (the coordinator's spool) without holding it: the worker
    /// forks, the child writes the checkpoint and the job goes on at once.
    /// Replies `checkpoint_started` (or `checkpoint_saved` with `ok: false`
    /// when it could not start), then `checkpoint_saved` once it is stored.
    Checkpoint {
        job: u64,
        checkpoint: u64,
        target: String,
    },
    /// Start sending the job's large buffers to the agent at `target` while
    /// the job runs on (pre-copy); a later `migrate` to the same target then
    /// sends only what changed. No reply.
    Precopy { job: u64, target: String },
    /// On the target: the job is now yours. Replies `committed`.
    Commit { job: u64, migration: u64 },
    /// On the target: forget a prepared job.
    Abort { job: u64, migration: u64 },
    /// On the source after a commit: stop the old worker. Replies `released`.
    Release { job: u64 },
    /// Deliver a signal to the job's worker (Ctrl-C forwarding).
    Signal { job: u64, signal: i32 },
    /// Stop the job's worker now.
    Kill { job: u64 },
    /// Run the program's exit handlers and end the job. Replies `job_ended`.
    Finish { job: u64 },
    /// Stop the agent.
    Shutdown,
}

/// Steps at which tests make a migration fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// The source drops the connection half way through the transfer.
    DropConnection,
    /// The target worker fails to restore.
    RestoreFails,
    /// The target agent exits while restoring.
    TargetDies,
}

/// Agent to coordinator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromAgent {
    /// Program output; the bytes are the frame's one blob.
    Output {
        job: u64,
        stream: Stream,
    },
    Started {
        job: u64,
        warm: bool,
        setup_seconds: f64,
        /// The worker's resident set once set up: its baseline for this job.
        rss_bytes: u64,
    },
    UnitDone {
        job: u64,
        unit: usize,
        usage: UnitUsage,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stop: Option<Stop>,
    },
    /// The job is over; `usage` covers the unit it ended in, if any.
    JobEnded {
        job: u64,
        end: JobEnd,
        #[serde(default)]
        usage: Option<UnitUsage>,
    },
    Prepared {
        job: u64,
        migration: u64,
        report: MigrationReport,
    },
    MigrationFailed {
        job: u64,
        migration: u64,
        /// True when the job's state cannot move at this point (not a fault).
        refused: bool,
        reason: String,
    },
    Committed {
        job: u64,
        migration: u64,
    },
    Released {
        job: u64,
    },
    /// A background checkpoint began: the job may run on.
    CheckpointStarted {
        job: u64,
        checkpoint: u64,
    },
    /// A background checkpoint ended: stored whole (`ok`), refused (the
    /// state cannot move) or failed.
    CheckpointSaved {
        job: u64,
        checkpoint: u64,
        ok: bool,
        #[serde(default)]
        refused: bool,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        bytes: u64,
        /// From the fork to the spool's confirmation.
        #[serde(default)]
        seconds: f64,
    },
    /// A request the agent could not act on.
    Error {
        #[serde(default)]
        job: Option<u64>,
        message: String,
    },
}

/// What one migration moved and how long its steps took.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct MigrationReport {
    /// Bytes sent during the pause.
    pub bytes: u64,
    pub buffers: u64,
    /// Bytes of buffers the target already had from the pre-copy.
    #[serde(default)]
    pub precopied_bytes: u64,
    /// Time spent waiting for the pre-copy to finish sending.
    #[serde(default)]
    pub precopy_wait_seconds: f64,
    pub checkpoint_seconds: f64,
    pub transfer_seconds: f64,
    pub restore_seconds: f64,
    /// Bytes of the pause that the target received into memory it had
    /// faulted in ahead, during the pre-copy.
    #[serde(default)]
    pub prefaulted_bytes: u64,
}

/// Agent to agent: the source hands a job over. The blobs are the pickled
/// namespace followed by its out-of-band buffers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToPeer {
    Restore {
        migration: u64,
        spec: JobSpec,
        /// Test hook, see [`Fault`].
        #[serde(default)]
        fault: Option<Fault>,
        /// Per out-of-band buffer: the hash of a pre-copied buffer to use, or
        /// null when the buffer is among the blobs (in order). `"=N"` is
        /// among the blobs too, and says the buffer was found changed at N
        /// pauses in a row (rewritten each section, or made fresh): the
        /// target keeps that count for its pre-copy policy. See
        /// [`names_cached`].
        #[serde(default)]
        refs: Vec<Option<String>>,
        /// The blobs travel on the workers' own socket pair, not here.
        #[serde(default)]
        direct: bool,
    },
    /// Same host: asks for a socket pair to the worker that will restore the
    /// job; the reply `data_channel` carries one end (SCM_RIGHTS).
    Direct {
        job: u64,
        needs_cache: bool,
    },
    /// Opens a pre-copy: a worker is reserved for the job, and `cache` frames
    /// (one blob each) follow until the source shuts down its side. The
    /// target then answers with one raw byte, 1 once the filled worker is
    /// reserved for the job's restore, 0 if it could not keep it (an agent
    /// that closes without answering counts as 0).
    Reserve {
        job: u64,
    },
    /// The libraries the job has imported: the reserved worker imports them
    /// while the job still runs on its source, not in the pause. `spare`:
    /// sizes of buffers that will arrive in the pause (ones rewritten every
    /// section, left out of the pre-copy), for which the worker faults in
    /// memory ahead.
    Preload {
        modules: Vec<String>,
        #[serde(default)]
        spare: Vec<u64>,
    },
    Cache {
        hash: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromPeer {
    /// One end of a socket pair to the restoring worker is attached.
    DataChannel,
    Prepared {
        restore_seconds: f64,
        #[serde(default)]
        prefaulted_bytes: u64,
    },
    Failed {
        reason: String,
    },
}

/// Agent to worker (the Python harness).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToWorker {
    Start {
        spec: JobSpec,
    },
    Run {
        unit: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step_after: Option<f64>,
    },
    /// Pickle the namespace; the reply carries it as blobs. With `use_refs`,
    /// buffers pre-copied unchanged are named by hash instead of sent.
    Checkpoint {
        #[serde(default)]
        use_refs: bool,
        /// The blobs go to the socket attached to this frame, not the channel.
        #[serde(default)]
        direct: bool,
        /// Test hook: cut the direct socket half way.
        #[serde(default)]
        cut: bool,
        /// Fork: a child writes the checkpoint as one frame (header and
        /// blobs) on the socket attached to this frame and exits; the worker
        /// replies `forked` at once and goes on.
        #[serde(default)]
        fork: bool,
    },
    /// One end of a socket pair to the source worker is attached: the blobs of
    /// the coming `restore` arrive on it.
    DataChannel,
    /// Send the namespace's large buffers as `cache` frames from a background
    /// thread while the job runs on. Replies `precopy_started`.
    Precopy,
    /// Stop the pre-copy after the buffer being sent: the migration is due,
    /// and what is left moves faster in the pause than through the agents.
    PrecopyAbort,
    /// Import these modules now (libraries of a job about to arrive); ones
    /// that fail are left to the restore. Allocate and fault in a buffer of
    /// each `spare` size, for the restore to receive into. No reply.
    Preload {
        modules: Vec<String>,
        #[serde(default)]
        spare: Vec<u64>,
        /// The job's (uid, gid): the worker takes it before importing (a
        /// module may be the job's own code).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<(u32, u32)>,
    },
    /// A pre-copied buffer (the frame's blob), kept for a coming restore.
    Cache {
        hash: String,
    },
    /// Rebuild the job from a checkpoint (the frame's blobs) and wait.
    Restore {
        spec: JobSpec,
        /// Test hook: fail after unpickling.
        #[serde(default)]
        fail: bool,
        /// See [`ToPeer::Restore`].
        #[serde(default)]
        refs: Vec<Option<String>>,
        /// The blobs arrive on the data channel.
        #[serde(default)]
        direct: bool,
    },
    /// Run exit handlers and exit.
    Finish,
}

/// Worker to agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FromWorker {
    Ready {
        pid: u32,
        numpy: bool,
    },
    Started {
        rss_bytes: u64,
    },
    UnitDone {
        unit: usize,
        usage: UnitUsage,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stop: Option<Stop>,
    },
    Exited {
        end: JobEnd,
        usage: Option<UnitUsage>,
    },
    /// The pickled namespace and its buffers follow as blobs.
    Checkpoint {
        seconds: f64,
        #[serde(default)]
        refs: Vec<Option<String>>,
        #[serde(default)]
        precopy_wait_seconds: f64,
        /// Bytes of buffers named by hash instead of sent.
        #[serde(default)]
        precopied_bytes: u64,
    },
    PrecopyStarted {
        buffers: u64,
        bytes: u64,
        /// Library modules the job imported since the worker started, for
        /// the target to import ahead.
        #[serde(default)]
        modules: Vec<String>,
        /// Sizes of the large buffers this pre-copy leaves to the pause.
        #[serde(default)]
        spare: Vec<u64>,
    },
    /// A buffer for the pre-copy (the frame's blob).
    Cache {
        hash: String,
    },
    PrecopyDone {
        sent: u64,
        unchanged: u64,
    },
    /// After a direct checkpoint: whether every byte went out.
    DirectDone {
        ok: bool,
        #[serde(default)]
        error: Option<String>,
        /// Bytes that went on the socket pair, buffers, and bytes named by
        /// key instead (pre-copied).
        #[serde(default)]
        bytes: u64,
        #[serde(default)]
        buffers: u64,
        #[serde(default)]
        precopied_bytes: u64,
    },
    Refused {
        reason: String,
    },
    /// A forked checkpoint's child is writing it.
    Forked {
        pid: u32,
    },
    Restored {
        seconds: f64,
        /// Bytes received into memory faulted in ahead (`preload`'s spare).
        #[serde(default)]
        prefaulted_bytes: u64,
    },
    RestoreFailed {
        reason: String,
    },
    Error {
        message: String,
    },
}

/// Whether a checkpoint's `refs` entry names a pre-copied buffer (rather
/// than one among the frame's blobs).
pub fn names_cached(r: &Option<String>) -> bool {
    r.as_deref()
        .is_some_and(|h| !h.is_empty() && !h.starts_with('='))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_are_snake_case() {
        let m = ToAgent::Run {
            job: 1,
            unit: 2,
            step_after: None,
        };
        assert_eq!(
            serde_json::to_string(&m).unwrap(),
            r#"{"type":"run","job":1,"unit":2}"#
        );
        let m = ToAgent::Run {
            job: 1,
            unit: 2,
            step_after: Some(0.5),
        };
        let text = serde_json::to_string(&m).unwrap();
        assert_eq!(text, r#"{"type":"run","job":1,"unit":2,"step_after":0.5}"#);
        // A protocol-2 peer's run (no step_after) still reads.
        let back: ToAgent = serde_json::from_str(r#"{"type":"run","job":1,"unit":2}"#).unwrap();
        assert!(matches!(
            back,
            ToAgent::Run {
                step_after: None,
                ..
            }
        ));
    }
}
