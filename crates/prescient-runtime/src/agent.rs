//! The node agent: one process per node. It listens on TCP, serves one
//! coordinator connection, owns the node's workers (one kept warm), relays their
//! output, and hands jobs to other agents over peer connections.
//!
//! A job on an agent is served by one executor thread that owns its worker, so
//! commands for one job run in order while jobs run side by side. Signals and
//! kills bypass the executor, since they must reach a busy worker.

use crate::auth::{self, Secret};
use crate::sandbox::{Confinement, Slice};
use crate::worker::{Event, Worker, WorkerConfig};
use crate::{io_err, RuntimeError};
use prescient_wire::frame::{self, encode_header, FrameHeader, Limits};
use prescient_wire::{
    Fault, FromAgent, FromPeer, FromWorker, Hello, JobEnd, JobSpec, MigrationReport, Proof, Role,
    ToAgent, ToPeer, ToWorker, PROTOCOL_VERSION,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// How long a prepared (restored, not committed) job waits for its commit.
const PREPARED_TTL: Duration = Duration::from_secs(120);

/// How long a worker reserved by a pre-copy waits for its restore.
const RESERVED_TTL: Duration = Duration::from_secs(60);

/// What an agent process is started with (passed as JSON on its command line).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AgentConfig {
    pub name: String,
    /// Names this cluster's cgroups, so two clusters on one host do not mix.
    pub cluster: String,
    pub listen: String,
    pub python: PathBuf,
    pub harness_dir: PathBuf,
    pub cores: f64,
    pub memory_bytes: u64,
    pub cpus: Option<String>,
    /// The unprivileged user workers run as when the agent runs as root.
    pub worker_user: String,
    /// Keep a pre-started worker ready.
    pub warm: bool,
    /// The node's features: those the host has and the node not are hidden
    /// from its workers ([`crate::isa`]).
    #[serde(default)]
    pub features: Option<Vec<String>>,
    /// Where to send the announcement instead of stdout: the coordinator's
    /// rendezvous address, for an agent it did not start itself (one inside
    /// a Slurm allocation).
    #[serde(default)]
    pub announce_to: Option<String>,
    /// The one-time token that comes with that announcement.
    #[serde(default)]
    pub token: Option<String>,
}

/// What an agent started elsewhere sends on the coordinator's rendezvous
/// socket: one JSON line.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Callback {
    pub token: String,
    pub announce: AgentAnnounce,
}

/// The first line an agent prints on stdout, for the process that started it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AgentAnnounce {
    pub listen: String,
    /// The abstract Unix socket name same-host agents hand jobs over on.
    #[serde(default)]
    pub local: Option<String>,
    pub warnings: Vec<String>,
}

struct JobSlot {
    tx: Sender<ToAgent>,
    pid: Arc<AtomicU32>,
}

/// The pre-started workers, and how many are being started.
#[derive(Default)]
struct WarmSlot {
    workers: Vec<Worker>,
    warming: usize,
}

/// Warm workers a node keeps: one per core, up to two. Jobs placed on a
/// node together (a burst of submissions) then all start warm; more would
/// only hold memory. Their memory is the node's: planners set it aside
/// ([`warm_reserve`]).
pub fn warm_pool(cores: f64) -> usize {
    (cores.floor().max(0.0) as usize).clamp(1, 2)
}

/// Memory a node's warm workers hold, each `worker_rss` bytes.
pub fn warm_reserve(cores: f64, worker_rss: f64) -> f64 {
    warm_pool(cores) as f64 * worker_rss
}

/// A worker reserved on a target for a job being pre-copied to it.
enum Reservation {
    /// The pre-copy is still streaming into it.
    Busy(u64),
    Ready(Worker, u64),
}

struct Agent {
    cfg: AgentConfig,
    reserved: Mutex<HashMap<u64, Reservation>>,
    reserved_cv: Condvar,
    confinement: Confinement,
    jobs: Mutex<HashMap<u64, JobSlot>>,
    coord: Mutex<Option<TcpStream>>,
    warm: Mutex<WarmSlot>,
    warm_ready: Condvar,
    spawner: Mutex<Sender<Sender<Result<Worker, RuntimeError>>>>,
    /// The cluster's secret, which every connection must prove.
    secret: Secret,
}

/// Runs an agent until its coordinator goes away or tells it to stop.
pub fn run(cfg: AgentConfig) -> Result<(), RuntimeError> {
    let secret = Secret::from_env().ok_or_else(|| {
        RuntimeError::Cluster(format!(
            "agent {}: no cluster secret in {} (agents are started by the coordinator)",
            cfg.name,
            auth::SECRET_ENV
        ))
    })?;
    let slice = Slice {
        cores: cfg.cores,
        memory_bytes: cfg.memory_bytes,
        cpus: cfg.cpus.clone(),
    };
    let confinement = Confinement::for_node(
        &cfg.cluster,
        &cfg.name,
        &slice,
        &cfg.worker_user,
        &[cfg.python.as_path(), cfg.harness_dir.as_path()],
    );
    let (feature_env, feature_warnings) = match &cfg.features {
        Some(f) => crate::isa::masks(f, &crate::isa::host_flags()),
        None => (Vec::new(), Vec::new()),
    };
    let worker_cfg = WorkerConfig {
        env: feature_env,
        python: cfg.python.clone(),
        harness_dir: cfg.harness_dir.clone(),
        pre_exec: Arc::new(confinement.pre_exec()),
        start_timeout: Duration::from_secs(120),
    };
    let listener = TcpListener::bind(&cfg.listen).map_err(io_err(format!(
        "agent {}: cannot listen on {}",
        cfg.name, cfg.listen
    )))?;
    let addr = listener.local_addr().map_err(io_err("listener address"))?;
    // Workers are spawned from one long-lived thread: a child's parent-death
    // signal fires when the *thread* that forked it ends.
    let (spawn_tx, spawn_rx) = mpsc::channel::<Sender<Result<Worker, RuntimeError>>>();
    {
        let wc = worker_cfg.clone();
        std::thread::spawn(move || {
            for reply in spawn_rx {
                let _ = reply.send(Worker::spawn(&wc));
            }
        });
    }
    let agent = Arc::new(Agent {
        cfg: cfg.clone(),
        reserved: Mutex::new(HashMap::new()),
        reserved_cv: Condvar::new(),
        confinement,
        jobs: Mutex::new(HashMap::new()),
        coord: Mutex::new(None),
        warm: Mutex::new(WarmSlot::default()),
        warm_ready: Condvar::new(),
        spawner: Mutex::new(spawn_tx),
        secret,
    });
    let local_name = format!(
        "prescient-{}-{}-{}",
        cfg.cluster,
        cfg.name,
        std::process::id()
    );
    let local = {
        use std::os::linux::net::SocketAddrExt;
        std::os::unix::net::SocketAddr::from_abstract_name(local_name.as_bytes())
            .and_then(|a| UnixListener::bind_addr(&a))
    };
    let local = match local {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(
                "agent {}: no local socket ({e}); hand-overs go over TCP",
                cfg.name
            );
            None
        }
    };
    if cfg.warm {
        // A node is up when a job can start warm on it: announced before,
        // the first jobs would wait for the worker's start-up (or pay it)
        // while the cluster already counts as up.
        agent.refill_warm();
        agent.wait_warm(Duration::from_secs(120));
    }
    // Listening on every address, the agent names itself by its host name.
    let shown = if addr.ip().is_unspecified() {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        format!("{}:{}", host.trim(), addr.port())
    } else {
        addr.to_string()
    };
    let announce = AgentAnnounce {
        listen: shown,
        local: local.as_ref().map(|_| local_name.clone()),
        warnings: agent
            .confinement
            .warnings
            .iter()
            .cloned()
            .chain(
                feature_warnings
                    .into_iter()
                    .map(|w| format!("node {}: {w}", cfg.name)),
            )
            .collect(),
    };
    match &cfg.announce_to {
        Some(to) => {
            let cb = Callback {
                token: cfg.token.clone().unwrap_or_default(),
                announce,
            };
            let mut s = TcpStream::connect(to)
                .map_err(io_err(format!("agent {}: cannot call back {to}", cfg.name)))?;
            let line = serde_json::to_string(&cb).unwrap_or_default();
            writeln!(s, "{line}")
                .and_then(|_| s.flush())
                .map_err(io_err(format!("agent {}: cannot call back {to}", cfg.name)))?;
        }
        None => {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string(&announce).unwrap_or_default()
            );
            let _ = out.flush();
        }
    }
    if cfg.announce_to.is_some() {
        // Nobody else would end an agent its coordinator never reached.
        let a = agent.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(120));
            if a.coord.lock().unwrap().is_none() {
                tracing::warn!("agent {}: no coordinator came; stopping", a.cfg.name);
                a.shutdown();
            }
        });
    }
    if let Some(l) = local {
        let a = agent.clone();
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(conn) = conn else { continue };
                let a = a.clone();
                std::thread::spawn(move || {
                    if let Err(e) = a.serve_local(conn) {
                        tracing::debug!("agent {}: local hand-over ended: {e}", a.cfg.name);
                    }
                });
            }
        });
    }
    for conn in listener.incoming() {
        let Ok(conn) = conn else { continue };
        let a = agent.clone();
        std::thread::spawn(move || {
            if let Err(e) = a.serve(conn) {
                tracing::debug!("agent {}: connection ended: {e}", a.cfg.name);
            }
        });
    }
    Ok(())
}

/// This side's hello, with a fresh nonce. A listener says `agent`; a
/// caller says `coordinator` or `peer`.
pub fn hello(name: &str, role: Role) -> Hello {
    Hello {
        protocol: PROTOCOL_VERSION,
        role,
        name: name.to_string(),
        nonce: auth::nonce(),
    }
}

/// Exchanges hellos and proofs of the cluster's secret; refuses other
/// protocol versions, a caller that says it is a listener (so that a
/// listener's proof cannot be replayed as a caller's), and a side that
/// does not hold the secret.
pub fn handshake<S: Read + Write>(
    s: &mut S,
    me: &Hello,
    secret: &Secret,
) -> Result<Hello, RuntimeError> {
    // Hellos are small: a caller that sends a large one is not a member.
    let small = Limits {
        max_header: 4096,
        max_blobs: 0,
        max_blob_bytes: 0,
    };
    frame::write_msg(s, me).map_err(crate::wire_err("handshake"))?;
    let theirs: Hello = frame::read_msg(s, &small).map_err(crate::wire_err("handshake"))?;
    if theirs.protocol != PROTOCOL_VERSION {
        return Err(RuntimeError::Protocol(format!(
            "{} speaks protocol {}, this build speaks {}",
            theirs.name, theirs.protocol, PROTOCOL_VERSION
        )));
    }
    let listening = me.role == Role::Agent;
    if (theirs.role == Role::Agent) == listening
        || theirs.nonce.len() < 32
        || theirs.nonce == me.nonce
    {
        return Err(RuntimeError::Protocol(format!(
            "{} opened the connection wrongly (role {:?})",
            theirs.name, theirs.role
        )));
    }
    let mine = Proof {
        mac: secret.prove(me, &theirs),
    };
    frame::write_msg(s, &mine).map_err(crate::wire_err("handshake"))?;
    let proof: Proof = frame::read_msg(s, &small).map_err(crate::wire_err("handshake"))?;
    if !secret.verify(&theirs, me, &proof.mac) {
        return Err(RuntimeError::Protocol(format!(
            "{} does not hold this cluster's secret",
            theirs.name
        )));
    }
    Ok(theirs)
}

impl Agent {
    fn serve(self: &Arc<Self>, mut conn: TcpStream) -> Result<(), RuntimeError> {
        let _ = conn.set_nodelay(true);
        conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
        let theirs = handshake(&mut conn, &hello(&self.cfg.name, Role::Agent), &self.secret)?;
        conn.set_read_timeout(None).ok();
        match theirs.role {
            Role::Coordinator => self.serve_coordinator(conn),
            Role::Peer => self.serve_peer(conn),
            Role::Agent => Err(RuntimeError::Protocol(
                "an agent must connect as a peer".into(),
            )),
        }
    }

    fn serve_coordinator(self: &Arc<Self>, conn: TcpStream) -> Result<(), RuntimeError> {
        *self.coord.lock().unwrap() = Some(conn.try_clone().map_err(io_err("socket"))?);
        let mut r = conn;
        loop {
            let msg = match frame::read_msg::<ToAgent>(&mut r, &Limits::default()) {
                Ok(m) => m,
                Err(prescient_wire::FrameError::Malformed(e)) => {
                    self.to_coord(
                        &FromAgent::Error {
                            job: None,
                            message: format!("malformed request: {e}"),
                        },
                        None,
                    );
                    continue;
                }
                Err(_) => {
                    // The coordinator is gone: nobody will ever collect these jobs.
                    self.shutdown();
                }
            };
            match msg {
                ToAgent::Start { spec } => self.start_job(spec),
                ToAgent::Signal { job, signal } => {
                    if let Some(pid) = self.pid_of(job) {
                        // SAFETY: kill has no memory-safety preconditions.
                        unsafe { libc::kill(pid as i32, signal) };
                    }
                }
                ToAgent::Kill { job } => {
                    if let Some(pid) = self.pid_of(job) {
                        // SAFETY: as above.
                        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                    }
                }
                ToAgent::Shutdown => self.shutdown(),
                other => {
                    let job = job_of(&other);
                    let tx = self.jobs.lock().unwrap().get(&job).map(|s| s.tx.clone());
                    match tx {
                        Some(tx) if tx.send(other.clone()).is_ok() => {}
                        _ => self.to_coord(
                            &FromAgent::Error {
                                job: Some(job),
                                message: format!("node {} has no job {job}", self.cfg.name),
                            },
                            None,
                        ),
                    }
                }
            }
        }
    }

    fn shutdown(&self) -> ! {
        for slot in self.jobs.lock().unwrap().values() {
            let pid = slot.pid.load(Ordering::SeqCst);
            if pid != 0 {
                // SAFETY: as above.
                unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            }
        }
        for mut w in self.warm.lock().unwrap().workers.drain(..) {
            w.kill();
        }
        self.confinement.cgroups.remove();
        std::process::exit(0);
    }

    fn pid_of(&self, job: u64) -> Option<u32> {
        self.jobs
            .lock()
            .unwrap()
            .get(&job)
            .map(|s| s.pid.load(Ordering::SeqCst))
            .filter(|p| *p != 0)
    }

    fn to_coord(&self, msg: &FromAgent, blob: Option<&[u8]>) {
        let mut g = self.coord.lock().unwrap();
        if let Some(s) = g.as_mut() {
            let blobs: Vec<&[u8]> = blob.into_iter().collect();
            if frame::write_frame(s, msg, &blobs).is_err() {
                *g = None;
            }
        }
    }

    fn spawn_worker(&self) -> Result<Worker, RuntimeError> {
        let (tx, rx) = mpsc::channel();
        self.spawner
            .lock()
            .unwrap()
            .send(tx)
            .map_err(|_| RuntimeError::Worker("the spawner thread is gone".into()))?;
        rx.recv()
            .map_err(|_| RuntimeError::Worker("the spawner thread is gone".into()))?
    }

    fn refill_warm(self: &Arc<Self>) {
        let missing = {
            let mut g = self.warm.lock().unwrap();
            let missing = warm_pool(self.cfg.cores).saturating_sub(g.workers.len() + g.warming);
            g.warming += missing;
            missing
        };
        for _ in 0..missing {
            let a = self.clone();
            std::thread::spawn(move || {
                let w = a.spawn_worker();
                let mut g = a.warm.lock().unwrap();
                g.warming -= 1;
                match w {
                    Ok(w) => g.workers.push(w),
                    Err(e) => tracing::warn!("agent {}: no warm worker: {e}", a.cfg.name),
                }
                a.warm_ready.notify_all();
            });
        }
    }

    /// Waits until a warm worker is ready (or none is being started).
    fn wait_warm(&self, limit: Duration) {
        let mut g = self.warm.lock().unwrap();
        let until = std::time::Instant::now() + limit;
        while g.workers.is_empty() && g.warming > 0 {
            let left = until.saturating_duration_since(std::time::Instant::now());
            if left.is_zero() {
                return;
            }
            g = self.warm_ready.wait_timeout(g, left).unwrap().0;
        }
    }

    /// A worker for a new or arriving job: the warm one, waiting for it if it
    /// is still starting (starting a second one would only compete with it).
    fn take_worker(self: &Arc<Self>) -> Result<(Worker, bool), RuntimeError> {
        let warm = {
            let mut g = self.warm.lock().unwrap();
            while g.warming > 0 && g.workers.is_empty() {
                let (ng, timeout) = self
                    .warm_ready
                    .wait_timeout(g, Duration::from_secs(120))
                    .unwrap();
                g = ng;
                if timeout.timed_out() {
                    break;
                }
            }
            g.workers.pop()
        };
        let got = match warm {
            Some(w) => Ok((w, true)),
            None => self.spawn_worker().map(|w| (w, false)),
        };
        if self.cfg.warm {
            self.refill_warm();
        }
        got
    }

    fn register(self: &Arc<Self>, job: u64, pid: u32) -> (Receiver<ToAgent>, Arc<AtomicU32>) {
        let (tx, rx) = mpsc::channel();
        let pid = Arc::new(AtomicU32::new(pid));
        self.jobs.lock().unwrap().insert(
            job,
            JobSlot {
                tx,
                pid: pid.clone(),
            },
        );
        (rx, pid)
    }

    fn start_job(self: &Arc<Self>, spec: JobSpec) {
        let job = spec.job;
        let t0 = Instant::now();
        let (mut worker, warm) = match self.take_worker() {
            Ok(x) => x,
            Err(e) => {
                self.to_coord(
                    &job_failed(job, format!("node {}: {e}", self.cfg.name)),
                    None,
                );
                return;
            }
        };
        let (rx, pid) = self.register(job, worker.os_pid());
        let a = self.clone();
        std::thread::spawn(move || {
            let started = worker
                .send(&ToWorker::Start { spec: spec.clone() })
                .and_then(|_| match worker.pump()? {
                    Event::Reply(h) => match h.msg {
                        FromWorker::Started { rss_bytes } => Ok(rss_bytes),
                        FromWorker::Error { message } => Err(RuntimeError::Worker(message)),
                        other => Err(RuntimeError::Protocol(format!("unexpected {other:?}"))),
                    },
                    _ => Err(RuntimeError::Worker(
                        "the worker ended while setting up".into(),
                    )),
                });
            match started {
                Ok(rss_bytes) => {
                    a.to_coord(
                        &FromAgent::Started {
                            job,
                            warm,
                            setup_seconds: t0.elapsed().as_secs_f64(),
                            rss_bytes,
                        },
                        None,
                    );
                    Executor {
                        agent: a,
                        job,
                        worker,
                        spec,
                        pid,
                        owned: true,
                        precopy: None,
                    }
                    .serve(rx);
                }
                Err(e) => {
                    a.relay_output(job, &mut worker);
                    a.jobs.lock().unwrap().remove(&job);
                    a.to_coord(&job_failed(job, format!("node {}: {e}", a.cfg.name)), None);
                }
            }
        });
    }

    fn relay_output(&self, job: u64, w: &mut Worker) {
        for (stream, bytes) in w.drain_all() {
            self.to_coord(&FromAgent::Output { job, stream }, Some(&bytes));
        }
    }

    /// A peer hands us a job: restore it into a worker and hold it, prepared,
    /// until the coordinator commits or aborts.
    fn serve_peer(self: &Arc<Self>, mut conn: TcpStream) -> Result<(), RuntimeError> {
        let h = frame::read_header::<ToPeer>(&mut conn, &Limits::default())
            .map_err(crate::wire_err("restore request"))?;
        let total = h.blob_total();
        let (migration, spec, fault, refs) = match h.msg {
            ToPeer::Restore {
                migration,
                spec,
                fault,
                refs,
                ..
            } => (migration, spec, fault, refs),
            ToPeer::Direct { .. } => {
                return Err(RuntimeError::Protocol(
                    "a direct hand-over comes on the local socket".into(),
                ))
            }
            ToPeer::Reserve { job } => return self.serve_precopy(conn, job),
            ToPeer::Cache { .. } | ToPeer::Preload { .. } => {
                return Err(RuntimeError::Protocol(
                    "a pre-copy frame outside a pre-copy".into(),
                ))
            }
        };
        let reply = |conn: &mut TcpStream, m: FromPeer| {
            let _ = frame::write_msg(conn, &m);
        };
        let needs_cache = refs.iter().any(prescient_wire::names_cached);
        let mut worker = match self.restoring_worker(spec.job, needs_cache) {
            Ok(w) => w,
            Err(reason) => {
                let _ = frame::skip_blobs(&mut conn, total);
                reply(&mut conn, FromPeer::Failed { reason });
                return Ok(());
            }
        };
        let head = encode_header(
            &ToWorker::Restore {
                spec: spec.clone(),
                fail: fault == Some(Fault::RestoreFails),
                refs,
                direct: false,
            },
            &h.blob_lens,
        );
        if let Err(e) = worker.ctrl.write_all(&head) {
            let _ = frame::skip_blobs(&mut conn, total);
            reply(
                &mut conn,
                FromPeer::Failed {
                    reason: format!("worker channel: {e}"),
                },
            );
            return Ok(());
        }
        let die_at = (fault == Some(Fault::TargetDies)).then_some(total / 2);
        let relayed = relay(&mut conn, &mut worker.ctrl, total, |done| {
            if die_at.is_some_and(|at| done >= at) {
                std::process::exit(75);
            }
            true
        });
        if let Some(e) = relayed.read_error {
            // The source went away mid-transfer: the worker holds half a job.
            worker.kill();
            return Err(io_err("receiving a checkpoint")(e));
        }
        if let Some(e) = relayed.write_error {
            worker.kill();
            reply(
                &mut conn,
                FromPeer::Failed {
                    reason: format!("worker channel: {e}"),
                },
            );
            return Ok(());
        }
        let _ = migration;
        self.finish_restore(worker, spec, &mut conn);
        Ok(())
    }
}

impl Agent {
    /// Waits for the worker's verdict on a restore; a restored job is held
    /// prepared under an executor until the coordinator commits or aborts.
    fn finish_restore(self: &Arc<Self>, mut worker: Worker, spec: JobSpec, conn: &mut impl Write) {
        fn reply(conn: &mut impl Write, m: FromPeer) {
            let _ = frame::write_msg(conn, &m);
        }
        let outcome = loop {
            match worker.pump() {
                Ok(Event::Output(..)) => continue,
                Ok(Event::Reply(r)) => break Ok(r.msg),
                Ok(Event::Gone) => break Err("the worker ended while restoring".to_string()),
                Err(e) => break Err(e.to_string()),
            }
        };
        let failed = match outcome {
            Ok(FromWorker::Restored {
                seconds,
                prefaulted_bytes,
            }) => {
                let job = spec.job;
                let (rx, pid) = self.register(job, worker.os_pid());
                reply(
                    conn,
                    FromPeer::Prepared {
                        restore_seconds: seconds,
                        prefaulted_bytes,
                    },
                );
                let a = self.clone();
                std::thread::spawn(move || {
                    Executor {
                        agent: a,
                        job,
                        worker,
                        spec,
                        pid,
                        owned: false,
                        precopy: None,
                    }
                    .serve(rx)
                });
                return;
            }
            Ok(FromWorker::RestoreFailed { reason }) => format!("restore failed: {reason}"),
            Ok(other) => format!("unexpected {other:?}"),
            Err(reason) => reason,
        };
        worker.kill();
        reply(conn, FromPeer::Failed { reason: failed });
    }

    /// Same-host hand-over on the agent's Unix socket: the two workers get a
    /// socket pair of their own, and the agents pass only headers.
    fn serve_local(self: &Arc<Self>, mut conn: UnixStream) -> Result<(), RuntimeError> {
        conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
        handshake(&mut conn, &hello(&self.cfg.name, Role::Agent), &self.secret)?;
        conn.set_read_timeout(None).ok();
        let h = frame::read_header::<ToPeer>(&mut conn, &Limits::default())
            .map_err(crate::wire_err("hand-over request"))?;
        let ToPeer::Direct { job, needs_cache } = h.msg else {
            return Err(RuntimeError::Protocol("expected a direct hand-over".into()));
        };
        let failed = |conn: &mut UnixStream, reason: String| {
            let _ = frame::write_msg(conn, &FromPeer::Failed { reason });
        };
        let mut worker = match self.restoring_worker(job, needs_cache) {
            Ok(w) => w,
            Err(reason) => {
                failed(&mut conn, reason);
                return Ok(());
            }
        };
        let (ours, theirs) = UnixStream::pair().map_err(io_err("socket pair"))?;
        let given =
            crate::fdpass::send_msg_with_fd(&worker.ctrl, &ToWorker::DataChannel, ours.as_raw_fd())
                .and_then(|_| {
                    crate::fdpass::send_msg_with_fd(
                        &conn,
                        &FromPeer::DataChannel,
                        theirs.as_raw_fd(),
                    )
                });
        drop((ours, theirs));
        if let Err(e) = given {
            worker.kill();
            failed(&mut conn, format!("cannot pass the data channel: {e}"));
            return Ok(());
        }
        let h = match frame::read_header::<ToPeer>(&mut conn, &Limits::default()) {
            Ok(h) => h,
            Err(_) => {
                // The source gave up (a refusal, a failure): this worker holds
                // a half-open channel and cannot serve another job.
                worker.kill();
                return Ok(());
            }
        };
        let ToPeer::Restore {
            spec, fault, refs, ..
        } = h.msg
        else {
            worker.kill();
            return Err(RuntimeError::Protocol("expected a restore".into()));
        };
        let head = encode_header(
            &ToWorker::Restore {
                spec: spec.clone(),
                fail: fault == Some(Fault::RestoreFails),
                refs,
                direct: true,
            },
            &h.blob_lens,
        );
        if let Err(e) = worker.ctrl.write_all(&head) {
            worker.kill();
            failed(&mut conn, format!("worker channel: {e}"));
            return Ok(());
        }
        if fault == Some(Fault::TargetDies) {
            // Mid-restore: the worker is reading the bytes.
            std::thread::sleep(Duration::from_millis(20));
            std::process::exit(75);
        }
        self.finish_restore(worker, spec, &mut conn);
        Ok(())
    }

    /// The target side of a pre-copy: reserves a worker for the job and feeds
    /// it the buffers until the source closes the connection.
    fn serve_precopy(self: &Arc<Self>, mut conn: TcpStream, job: u64) -> Result<(), RuntimeError> {
        conn.set_read_timeout(None).ok();
        let generation = {
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
            NEXT.fetch_add(1, Ordering::SeqCst)
        };
        // A newer pre-copy of the same job replaces an older one.
        if let Some(Reservation::Ready(mut old, _)) = self
            .reserved
            .lock()
            .unwrap()
            .insert(job, Reservation::Busy(generation))
        {
            old.kill();
        }
        let mut worker = match self.take_worker() {
            Ok((w, _)) => Some(w),
            Err(e) => {
                tracing::warn!("pre-copy of job {job}: {e}");
                None
            }
        };
        loop {
            let h = match frame::read_header::<ToPeer>(&mut conn, &Limits::default()) {
                Ok(h) => h,
                Err(prescient_wire::FrameError::Closed) => break,
                Err(_) => {
                    worker = None;
                    break;
                }
            };
            let total = h.blob_total();
            if let (ToPeer::Preload { modules, spare }, Some(w)) = (&h.msg, worker.as_mut()) {
                let _ = frame::skip_blobs(&mut conn, total);
                let (modules, spare) = (modules.clone(), spare.clone());
                if w.send(&ToWorker::Preload { modules, spare }).is_err() {
                    worker = None;
                }
                continue;
            }
            let (ToPeer::Cache { hash }, Some(w)) = (h.msg, worker.as_mut()) else {
                let _ = frame::skip_blobs(&mut conn, total);
                continue;
            };
            let head = encode_header(&ToWorker::Cache { hash }, &h.blob_lens);
            if w.ctrl.write_all(&head).is_err() {
                worker = None;
                let _ = frame::skip_blobs(&mut conn, total);
                continue;
            }
            let r = relay(&mut conn, &mut w.ctrl, total, |_| true);
            if r.read_error.is_some() || r.write_error.is_some() {
                // Half a buffer in the worker's channel: it cannot be used.
                worker = None;
                if r.read_error.is_some() {
                    break;
                }
            }
        }
        let mut g = self.reserved.lock().unwrap();
        let ours = matches!(g.get(&job), Some(Reservation::Busy(x)) if *x == generation);
        match (ours, worker) {
            (true, Some(w)) => {
                g.insert(job, Reservation::Ready(w, generation));
            }
            (true, None) => {
                g.remove(&job);
            }
            (false, Some(mut w)) => w.kill(),
            (false, None) => {}
        }
        drop(g);
        self.reserved_cv.notify_all();
        // An unclaimed reservation holds a worker and its memory: not for long.
        let a = self.clone();
        std::thread::spawn(move || {
            std::thread::sleep(RESERVED_TTL);
            let mut g = a.reserved.lock().unwrap();
            if matches!(g.get(&job), Some(Reservation::Ready(_, x)) if *x == generation) {
                if let Some(Reservation::Ready(mut w, _)) = g.remove(&job) {
                    w.kill();
                }
            }
        });
        Ok(())
    }

    /// The worker a job arriving here restores into: the one its pre-copy
    /// filled (required when the checkpoint names pre-copied buffers), else a
    /// warm one.
    fn restoring_worker(self: &Arc<Self>, job: u64, needs_cache: bool) -> Result<Worker, String> {
        match self.claim_reserved(job, needs_cache) {
            Some(w) => Ok(w),
            None if needs_cache => Err(format!(
                "node {}: the pre-copied buffers are not here",
                self.cfg.name
            )),
            None => self
                .take_worker()
                .map(|(w, _)| w)
                .map_err(|e| format!("node {}: {e}", self.cfg.name)),
        }
    }

    /// The worker reserved for `job`, waiting for a pre-copy still streaming
    /// when `wait`.
    fn claim_reserved(&self, job: u64, wait: bool) -> Option<Worker> {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut g = self.reserved.lock().unwrap();
        loop {
            match g.get(&job) {
                Some(Reservation::Ready(..)) => {
                    return match g.remove(&job) {
                        Some(Reservation::Ready(w, _)) => Some(w),
                        _ => None,
                    };
                }
                Some(Reservation::Busy(_)) if wait && Instant::now() < deadline => {
                    g = self
                        .reserved_cv
                        .wait_timeout(g, Duration::from_millis(200))
                        .unwrap()
                        .0;
                }
                _ => return None,
            }
        }
    }
}

fn job_of(m: &ToAgent) -> u64 {
    match m {
        ToAgent::Run { job, .. }
        | ToAgent::Migrate { job, .. }
        | ToAgent::Commit { job, .. }
        | ToAgent::Abort { job, .. }
        | ToAgent::Release { job }
        | ToAgent::Signal { job, .. }
        | ToAgent::Kill { job }
        | ToAgent::Finish { job }
        | ToAgent::Precopy { job, .. }
        | ToAgent::Checkpoint { job, .. } => *job,
        ToAgent::Start { spec } => spec.job,
        ToAgent::Shutdown => 0,
    }
}

fn job_failed(job: u64, reason: String) -> FromAgent {
    FromAgent::JobEnded {
        job,
        usage: None,
        end: JobEnd {
            code: 1,
            reason: Some(reason),
            unit: None,
            signal: None,
            lost: true,
        },
    }
}

/// Outcome of streaming bytes from one socket to another.
pub struct Relayed {
    pub read_error: Option<std::io::Error>,
    pub write_error: Option<std::io::Error>,
}

/// Streams `total` bytes. A failed write does not stop the reading: the source
/// stream must stay in step (it is a worker's channel that will be used again).
/// `progress` is told the bytes done and returns false to stop writing.
pub fn relay(
    src: &mut impl Read,
    dst: &mut impl Write,
    total: u64,
    mut progress: impl FnMut(u64) -> bool,
) -> Relayed {
    let mut buf = vec![0u8; 1 << 20];
    let mut done = 0u64;
    let mut out = Relayed {
        read_error: None,
        write_error: None,
    };
    while done < total {
        let want = (total - done).min(buf.len() as u64) as usize;
        let n = match src.read(&mut buf[..want]) {
            Ok(0) => {
                out.read_error = Some(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "connection closed mid-transfer",
                ));
                return out;
            }
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                out.read_error = Some(e);
                return out;
            }
        };
        if out.write_error.is_none() {
            if let Err(e) = dst.write_all(&buf[..n]) {
                out.write_error = Some(e);
            }
        }
        done += n as u64;
        if out.write_error.is_none() && !progress(done) {
            out.write_error = Some(std::io::Error::other("transfer cut by a fault injection"));
        }
    }
    out
}

/// Serves one job's commands in order; owns its worker.
struct Executor {
    agent: Arc<Agent>,
    job: u64,
    worker: Worker,
    spec: JobSpec,
    pid: Arc<AtomicU32>,
    /// False while the job is prepared here but not committed.
    owned: bool,
    precopy: Option<PrecopySession>,
}

/// What a worker said of its checkpoint.
struct Checkpointed {
    seconds: f64,
    refs: Vec<Option<String>>,
    precopy_wait_seconds: f64,
    precopied_bytes: u64,
    blob_lens: Vec<u64>,
}

/// An open pre-copy connection to a target agent.
struct PrecopySession {
    conn: TcpStream,
    target: String,
    /// False after a failed write: the target's copy is incomplete.
    healthy: bool,
    /// The worker said it sent everything.
    done: bool,
}

impl Executor {
    fn serve(mut self, rx: Receiver<ToAgent>) {
        loop {
            let cmd = if self.owned {
                match rx.recv() {
                    Ok(c) => c,
                    Err(_) => break,
                }
            } else {
                match rx.recv_timeout(PREPARED_TTL) {
                    Ok(c) => c,
                    Err(RecvTimeoutError::Timeout) | Err(RecvTimeoutError::Disconnected) => break,
                }
            };
            if !self.handle(cmd) {
                break;
            }
        }
        self.worker.kill();
        self.pid.store(0, Ordering::SeqCst);
        self.agent.jobs.lock().unwrap().remove(&self.job);
    }

    /// Returns false when the job is over here.
    fn handle(&mut self, cmd: ToAgent) -> bool {
        let job = self.job;
        match cmd {
            ToAgent::Run {
                unit, step_after, ..
            } => {
                let oom_before = self.agent.confinement.cgroups.oom_kills();
                if let Err(e) = self.worker.send(&ToWorker::Run { unit, step_after }) {
                    tracing::debug!("run: {e}");
                }
                self.until_reply(Some(unit), oom_before)
            }
            ToAgent::Finish { .. } => {
                let _ = self.worker.send(&ToWorker::Finish);
                self.until_reply(None, None)
            }
            ToAgent::Migrate {
                migration,
                target,
                target_local,
                fault,
                ..
            } => {
                let result = match target_local {
                    Some(local) => self.migrate_direct(migration, &target, &local, fault),
                    None => self.migrate(migration, &target, fault),
                };
                let msg = match result {
                    Ok(report) => FromAgent::Prepared {
                        job,
                        migration,
                        report,
                    },
                    Err((refused, reason)) => FromAgent::MigrationFailed {
                        job,
                        migration,
                        refused,
                        reason,
                    },
                };
                self.agent.to_coord(&msg, None);
                true
            }
            ToAgent::Precopy { target, .. } => {
                self.start_precopy(&target);
                true
            }
            ToAgent::Checkpoint {
                checkpoint, target, ..
            } => {
                self.background_checkpoint(checkpoint, target);
                true
            }
            ToAgent::Commit { migration, .. } => {
                self.owned = true;
                self.agent
                    .to_coord(&FromAgent::Committed { job, migration }, None);
                true
            }
            ToAgent::Abort { .. } => false,
            ToAgent::Release { .. } => {
                self.agent.to_coord(&FromAgent::Released { job }, None);
                false
            }
            _ => true,
        }
    }

    /// The worker's next reply. Output is relayed to the coordinator and
    /// pre-copy frames to the pre-copy target meanwhile. None: the worker is gone.
    fn next_reply(&mut self) -> Option<FrameHeader<FromWorker>> {
        let job = self.job;
        loop {
            match self.worker.pump() {
                Ok(Event::Output(stream, bytes)) => self
                    .agent
                    .to_coord(&FromAgent::Output { job, stream }, Some(&bytes)),
                Ok(Event::Reply(h)) => match &h.msg {
                    FromWorker::Cache { hash } => {
                        let hash = hash.clone();
                        let total = h.blob_total();
                        self.forward_cache(hash, &h.blob_lens, total);
                    }
                    FromWorker::PrecopyDone { sent, unchanged } => {
                        tracing::debug!("job {job}: pre-copy sent {sent}, {unchanged} unchanged");
                        if let Some(s) = self.precopy.as_mut() {
                            s.done = true;
                        }
                    }
                    _ => return Some(h),
                },
                Ok(Event::Gone) | Err(_) => return None,
            }
        }
    }

    /// Relays one pre-copied buffer to the target, or drops it if the pre-copy
    /// connection failed: the worker's channel must be read either way.
    fn forward_cache(&mut self, hash: String, lens: &[u64], total: u64) {
        let Some(session) = self.precopy.as_mut().filter(|s| s.healthy) else {
            let _ = frame::skip_blobs(&mut self.worker.ctrl, total);
            return;
        };
        let head = encode_header(&ToPeer::Cache { hash }, lens);
        let mut sink = WriteOrDiscard {
            inner: &mut session.conn,
            failed: false,
        };
        let head_ok = sink.write_all(&head).is_ok();
        let relayed = relay(&mut self.worker.ctrl, &mut sink, total, |_| true);
        if !head_ok || sink.failed || relayed.write_error.is_some() {
            session.healthy = false;
        }
        if relayed.read_error.is_some() {
            session.healthy = false;
        }
    }

    /// Relays the rest of a pre-copy and closes it, so the target can hand
    /// its reserved worker to the restore. Returns the seconds waited.
    fn finish_precopy(&mut self) -> f64 {
        let t0 = Instant::now();
        if self.precopy.as_ref().is_some_and(|s| !s.done) {
            // Buffers not sent yet move in the pause instead.
            let _ = self.worker.send(&ToWorker::PrecopyAbort);
        }
        while self.precopy.as_ref().is_some_and(|s| !s.done) {
            match self.worker.pump() {
                Ok(Event::Output(stream, bytes)) => self.agent.to_coord(
                    &FromAgent::Output {
                        job: self.job,
                        stream,
                    },
                    Some(&bytes),
                ),
                Ok(Event::Reply(h)) => match &h.msg {
                    FromWorker::Cache { hash } => {
                        let hash = hash.clone();
                        let total = h.blob_total();
                        self.forward_cache(hash, &h.blob_lens, total);
                    }
                    FromWorker::PrecopyDone { .. } => {
                        if let Some(s) = self.precopy.as_mut() {
                            s.done = true;
                        }
                    }
                    other => {
                        tracing::warn!("job {}: unexpected {other:?} during a pre-copy", self.job);
                        let _ = frame::skip_blobs(&mut self.worker.ctrl, h.blob_total());
                    }
                },
                Ok(Event::Gone) | Err(_) => break,
            }
        }
        if let Some(s) = self.precopy.as_mut() {
            let _ = s.conn.shutdown(Shutdown::Write);
        }
        t0.elapsed().as_secs_f64()
    }

    /// Relays output until the worker answers a run or finish request.
    fn until_reply(&mut self, unit: Option<usize>, oom_before: Option<u64>) -> bool {
        let job = self.job;
        loop {
            let Some(h) = self.next_reply() else {
                let end = self.death(unit, oom_before);
                self.agent.to_coord(
                    &FromAgent::JobEnded {
                        job,
                        end,
                        usage: None,
                    },
                    None,
                );
                return false;
            };
            match h.msg {
                FromWorker::UnitDone { unit, usage, stop } => {
                    self.agent.to_coord(
                        &FromAgent::UnitDone {
                            job,
                            unit,
                            usage,
                            stop,
                        },
                        None,
                    );
                    return true;
                }
                FromWorker::Exited { end, usage } => {
                    self.worker.wait();
                    self.agent.relay_output(job, &mut self.worker);
                    self.agent
                        .to_coord(&FromAgent::JobEnded { job, end, usage }, None);
                    return false;
                }
                other => {
                    tracing::warn!("job {job}: unexpected {other:?} from the worker");
                    let _ = frame::skip_blobs(&mut self.worker.ctrl, h.blob_lens.iter().sum());
                }
            }
        }
    }

    /// A recovery checkpoint off the job's critical path: the worker forks
    /// (the child holds the state as it was, copy-on-write) and the job goes
    /// on at once; a thread here relays the child's checkpoint to `target`
    /// (the spool) and says how it ended.
    fn background_checkpoint(&mut self, checkpoint: u64, target: String) {
        let job = self.job;
        let t0 = Instant::now();
        let saved =
            move |ok: bool, refused: bool, reason: Option<String>, bytes: u64, t0: Instant| {
                FromAgent::CheckpointSaved {
                    job,
                    checkpoint,
                    ok,
                    refused,
                    reason,
                    bytes,
                    seconds: t0.elapsed().as_secs_f64(),
                }
            };
        let fail = |a: &Agent, refused: bool, reason: String| {
            a.to_coord(&saved(false, refused, Some(reason), 0, t0), None);
        };
        let (ours, theirs) = match UnixStream::pair() {
            Ok(p) => p,
            Err(e) => return fail(&self.agent, false, format!("socket pair: {e}")),
        };
        let request = ToWorker::Checkpoint {
            use_refs: false,
            direct: false,
            cut: false,
            fork: true,
        };
        if let Err(e) =
            crate::fdpass::send_msg_with_fd(&self.worker.ctrl, &request, theirs.as_raw_fd())
        {
            return fail(&self.agent, false, format!("asking the worker: {e}"));
        }
        drop(theirs);
        match self.next_reply() {
            Some(FrameHeader {
                msg: FromWorker::Forked { .. },
                ..
            }) => {}
            Some(FrameHeader {
                msg: FromWorker::Refused { reason },
                ..
            }) => return fail(&self.agent, true, reason),
            Some(h) => {
                let _ = frame::skip_blobs(&mut self.worker.ctrl, h.blob_total());
                return fail(
                    &self.agent,
                    false,
                    format!("unexpected reply to a checkpoint: {:?}", h.msg),
                );
            }
            None => return fail(&self.agent, false, "the worker ended".into()),
        }
        self.agent.to_coord(
            &FromAgent::CheckpointStarted {
                job,
                checkpoint,
                pause_seconds: t0.elapsed().as_secs_f64(),
            },
            None,
        );
        let agent = self.agent.clone();
        let spec = self.spec.clone();
        std::thread::spawn(move || {
            let msg = match spool_checkpoint(&agent, ours, spec, checkpoint, &target) {
                Ok(bytes) => saved(true, false, None, bytes, t0),
                Err((refused, reason)) => saved(false, refused, Some(reason), 0, t0),
            };
            agent.to_coord(&msg, None);
        });
    }

    /// Opens a pre-copy to `target` and starts the worker sending.
    fn start_precopy(&mut self, target: &str) {
        self.precopy = None;
        let session = (|| {
            let addr: std::net::SocketAddr = target.parse().ok()?;
            let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).ok()?;
            let _ = conn.set_nodelay(true);
            conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
            handshake(
                &mut conn,
                &hello(&self.agent.cfg.name, Role::Peer),
                &self.agent.secret,
            )
            .ok()?;
            frame::write_msg(&mut conn, &ToPeer::Reserve { job: self.job }).ok()?;
            Some(PrecopySession {
                conn,
                target: target.to_string(),
                healthy: true,
                done: false,
            })
        })();
        if session.is_none() {
            tracing::warn!("job {}: no pre-copy to {target}", self.job);
            return;
        }
        self.precopy = session;
        if self.worker.send(&ToWorker::Precopy).is_err() {
            self.precopy = None;
            return;
        }
        match self.next_reply() {
            Some(FrameHeader {
                msg: FromWorker::PrecopyStarted { modules, spare, .. },
                ..
            }) => {
                let wanted = !modules.is_empty() || !spare.is_empty();
                if let Some(s) = self.precopy.as_mut().filter(|_| wanted) {
                    let msg = ToPeer::Preload { modules, spare };
                    if frame::write_msg(&mut s.conn, &msg).is_err() {
                        s.healthy = false;
                    }
                }
            }
            Some(h) => {
                tracing::warn!("job {}: unexpected {:?} to a pre-copy", self.job, h.msg);
                let _ = frame::skip_blobs(&mut self.worker.ctrl, h.blob_total());
            }
            None => {}
        }
    }

    /// Why the worker ended without saying so.
    fn death(&mut self, unit: Option<usize>, oom_before: Option<u64>) -> JobEnd {
        let status = self.worker.wait();
        self.agent.relay_output(self.job, &mut self.worker);
        use std::os::unix::process::ExitStatusExt;
        let oom = match (oom_before, self.agent.confinement.cgroups.oom_kills()) {
            (Some(a), Some(b)) => b > a,
            _ => false,
        };
        // A program killed by a signal makes `prescient` die of it too, as
        // plain Python's process would; an OOM kill is reported instead.
        let (code, reason, signal) = match status {
            Some(s) if s.signal() == Some(libc::SIGKILL) && oom => (
                137,
                Some(format!(
                    "the program exceeded its memory limit of {}",
                    human_bytes(self.agent.cfg.memory_bytes)
                )),
                None,
            ),
            Some(s) => match (s.code(), s.signal()) {
                (Some(c), _) => (c, None, None),
                (None, Some(sig)) => (
                    128 + sig,
                    Some(format!("the program was killed by signal {sig}")),
                    Some(sig),
                ),
                _ => (1, Some("the worker ended".into()), None),
            },
            None => (1, Some("the worker ended".into()), None),
        };
        JobEnd {
            code,
            reason,
            unit,
            signal,
            lost: false,
        }
    }

    /// Checkpoints the job and hands it to `target`. The worker stays here,
    /// idle and intact, whatever happens. Errors: (refused, reason).
    /// Ends the pre-copy (if any) before a move to `target`: whether the
    /// checkpoint may name pre-copied buffers, and the seconds waited for it.
    /// Closing the pre-copy connection is what releases the target's
    /// reserved worker to the restore.
    fn close_precopy(&mut self, target: &str) -> (bool, f64) {
        let waited = self.finish_precopy();
        let use_refs = self
            .precopy
            .as_ref()
            .is_some_and(|s| s.healthy && s.done && s.target == target);
        self.precopy = None;
        (use_refs, waited)
    }

    /// The worker's answer to a checkpoint request. The blobs, if any, are
    /// still on the channel. Errors: (refused, reason).
    fn checkpoint_reply(&mut self, waited: f64) -> Result<Checkpointed, (bool, String)> {
        let h = self
            .next_reply()
            .ok_or_else(|| (false, "the worker ended during the checkpoint".to_string()))?;
        match h.msg {
            FromWorker::Checkpoint {
                seconds,
                refs,
                precopy_wait_seconds,
                precopied_bytes,
            } => Ok(Checkpointed {
                seconds,
                refs,
                precopy_wait_seconds: precopy_wait_seconds + waited,
                precopied_bytes,
                blob_lens: h.blob_lens,
            }),
            FromWorker::Refused { reason } => Err((true, reason)),
            other => {
                let _ = frame::skip_blobs(&mut self.worker.ctrl, h.blob_lens.iter().sum());
                Err((
                    false,
                    format!("unexpected reply to a checkpoint: {other:?}"),
                ))
            }
        }
    }

    /// Same host: the agents exchange headers over the target's Unix socket,
    /// and the bytes go from worker to worker on a socket pair the target
    /// agent made and passed to both. `target` (TCP) names the pre-copy
    /// session this hand-over may build on.
    fn migrate_direct(
        &mut self,
        migration: u64,
        target: &str,
        local: &str,
        fault: Option<Fault>,
    ) -> Result<MigrationReport, (bool, String)> {
        use std::os::linux::net::SocketAddrExt;
        let fail = |r: String| (false, r);
        let addr = std::os::unix::net::SocketAddr::from_abstract_name(local.as_bytes())
            .map_err(|e| fail(format!("bad local address {local}: {e}")))?;
        let mut conn = UnixStream::connect_addr(&addr)
            .map_err(|e| fail(format!("cannot reach the target agent at {local}: {e}")))?;
        conn.set_read_timeout(Some(Duration::from_secs(60))).ok();
        handshake(
            &mut conn,
            &hello(&self.agent.cfg.name, Role::Peer),
            &self.agent.secret,
        )
        .map_err(|e| fail(e.to_string()))?;
        let (use_refs, waited) = self.close_precopy(target);
        frame::write_msg(
            &mut conn,
            &ToPeer::Direct {
                job: self.job,
                needs_cache: use_refs,
            },
        )
        .map_err(|e| fail(e.to_string()))?;
        let data = match crate::fdpass::read_header_with_fd::<FromPeer>(&conn) {
            Ok((h, Some(fd))) if matches!(h.msg, FromPeer::DataChannel) => fd,
            Ok((h, _)) => match h.msg {
                FromPeer::Failed { reason } => return Err(fail(format!("target: {reason}"))),
                other => return Err(fail(format!("target: unexpected {other:?}"))),
            },
            Err(e) => return Err(fail(format!("target did not answer: {e}"))),
        };
        let t0 = Instant::now();
        let sent = crate::fdpass::send_msg_with_fd(
            &self.worker.ctrl,
            &ToWorker::Checkpoint {
                use_refs,
                direct: true,
                cut: fault == Some(Fault::DropConnection),
                fork: false,
            },
            data.as_raw_fd(),
        );
        drop(data);
        sent.map_err(|e| fail(format!("worker channel: {e}")))?;
        // On a refusal, dropping `conn` tells the target to let its worker go.
        let Checkpointed {
            seconds: checkpoint_seconds,
            refs,
            precopy_wait_seconds,
            precopied_bytes,
            blob_lens,
        } = self.checkpoint_reply(waited)?;
        let total: u64 = blob_lens.iter().sum();
        let head = encode_header(
            &ToPeer::Restore {
                migration,
                spec: self.spec.clone(),
                fault,
                refs: refs.clone(),
                direct: true,
            },
            &blob_lens,
        );
        let forwarded = conn.write_all(&head);
        // The worker reports whether every byte went out.
        let mut stats = (total, refs.len() as u64, precopied_bytes);
        let done = loop {
            match self.next_reply() {
                Some(h) => match h.msg {
                    FromWorker::DirectDone {
                        ok,
                        error,
                        bytes,
                        buffers,
                        precopied_bytes,
                    } => {
                        stats = (bytes, buffers, precopied_bytes);
                        break Ok((ok, error));
                    }
                    other => tracing::warn!("job {}: unexpected {other:?}", self.job),
                },
                None => break Err("the worker ended while sending its checkpoint".to_string()),
            }
        };
        let transfer_seconds = t0.elapsed().as_secs_f64() - checkpoint_seconds;
        // A send that failed needs no verdict: dropping the connection tells
        // the target to let its worker go.
        match done {
            Ok((true, _)) => {}
            Ok((false, e)) => {
                return Err(fail(format!(
                    "sending the checkpoint: {}",
                    e.unwrap_or_default()
                )))
            }
            Err(e) => return Err(fail(e)),
        }
        let verdict = frame::read_msg::<FromPeer>(&mut conn, &Limits::default());
        forwarded.map_err(|e| fail(format!("target agent: {e}")))?;
        match verdict {
            Ok(FromPeer::Prepared {
                restore_seconds,
                prefaulted_bytes,
            }) => Ok(MigrationReport {
                bytes: stats.0,
                buffers: stats.1,
                precopied_bytes: stats.2,
                precopy_wait_seconds,
                checkpoint_seconds,
                transfer_seconds: transfer_seconds.max(0.0),
                restore_seconds,
                prefaulted_bytes,
            }),
            Ok(FromPeer::Failed { reason }) => Err(fail(format!("target: {reason}"))),
            Ok(other) => Err(fail(format!("target: unexpected {other:?}"))),
            Err(e) => Err(fail(format!("the target agent did not confirm: {e}"))),
        }
    }

    fn migrate(
        &mut self,
        migration: u64,
        target: &str,
        fault: Option<Fault>,
    ) -> Result<MigrationReport, (bool, String)> {
        let fail = |r: String| (false, r);
        let addr: std::net::SocketAddr = target
            .parse()
            .map_err(|e| fail(format!("bad target address {target}: {e}")))?;
        let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
            .map_err(|e| fail(format!("cannot reach the target agent at {target}: {e}")))?;
        let _ = conn.set_nodelay(true);
        conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
        handshake(
            &mut conn,
            &hello(&self.agent.cfg.name, Role::Peer),
            &self.agent.secret,
        )
        .map_err(|e| fail(e.to_string()))?;
        let (use_refs, waited) = self.close_precopy(target);
        self.worker
            .send(&ToWorker::Checkpoint {
                use_refs,
                direct: false,
                cut: false,
                fork: false,
            })
            .map_err(|e| fail(e.to_string()))?;
        let Checkpointed {
            seconds: checkpoint_seconds,
            refs,
            precopy_wait_seconds,
            precopied_bytes,
            blob_lens,
        } = self.checkpoint_reply(waited)?;
        let total: u64 = blob_lens.iter().sum();
        let t1 = Instant::now();
        let head = encode_header(
            &ToPeer::Restore {
                migration,
                spec: self.spec.clone(),
                fault,
                refs: refs.clone(),
                direct: false,
            },
            &blob_lens,
        );
        let mut write_error = conn.write_all(&head).err();
        let cut_at = (fault == Some(Fault::DropConnection)).then_some(total / 2);
        let relayed = {
            let mut sink = WriteOrDiscard {
                inner: &mut conn,
                failed: write_error.is_some(),
            };
            relay(&mut self.worker.ctrl, &mut sink, total, |done| {
                cut_at.is_none_or(|at| done < at)
            })
        };
        if let Some(e) = relayed.read_error {
            return Err(fail(format!("reading the checkpoint from the worker: {e}")));
        }
        if write_error.is_none() {
            write_error = relayed.write_error;
        }
        if let Some(e) = write_error {
            let _ = conn.shutdown(Shutdown::Both);
            return Err(fail(format!("sending the checkpoint to {target}: {e}")));
        }
        let _ = conn.flush();
        let transfer_seconds = t1.elapsed().as_secs_f64();
        conn.set_read_timeout(Some(Duration::from_secs(600))).ok();
        match frame::read_msg::<FromPeer>(&mut conn, &Limits::default()) {
            Ok(FromPeer::Prepared {
                restore_seconds,
                prefaulted_bytes,
            }) => Ok(MigrationReport {
                bytes: total,
                buffers: refs.len() as u64,
                precopied_bytes,
                precopy_wait_seconds,
                checkpoint_seconds,
                transfer_seconds,
                restore_seconds,
                prefaulted_bytes,
            }),
            Ok(FromPeer::Failed { reason }) => Err(fail(format!("target: {reason}"))),
            Ok(FromPeer::DataChannel) => Err(fail("target: unexpected data channel".into())),
            Err(e) => Err(fail(format!(
                "the target agent at {target} did not confirm: {e}"
            ))),
        }
    }
}

/// Relays a forked worker's checkpoint (one frame on `data`) to the spool at
/// `target` as a restore frame. Returns the bytes stored; Err((refused,
/// reason)).
fn spool_checkpoint(
    agent: &Agent,
    mut data: UnixStream,
    spec: JobSpec,
    checkpoint: u64,
    target: &str,
) -> Result<u64, (bool, String)> {
    let fail = |r: String| (false, r);
    let h = frame::read_header::<FromWorker>(&mut data, &Limits::default())
        .map_err(|e| fail(format!("reading the checkpoint from the worker: {e}")))?;
    let total = h.blob_total();
    let refs = match h.msg {
        FromWorker::Checkpoint { refs, .. } => refs,
        FromWorker::Refused { reason } => return Err((true, reason)),
        other => return Err(fail(format!("unexpected checkpoint frame: {other:?}"))),
    };
    let addr: std::net::SocketAddr = target
        .parse()
        .map_err(|e| fail(format!("bad spool address {target}: {e}")))?;
    let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| fail(format!("cannot reach the spool at {target}: {e}")))?;
    conn.set_read_timeout(Some(Duration::from_secs(600))).ok();
    handshake(
        &mut conn,
        &hello(&agent.cfg.name, Role::Peer),
        &agent.secret,
    )
    .map_err(|e| fail(e.to_string()))?;
    let head = encode_header(
        &ToPeer::Restore {
            migration: checkpoint,
            spec,
            fault: None,
            refs,
            direct: false,
        },
        &h.blob_lens,
    );
    conn.write_all(&head)
        .map_err(|e| fail(format!("sending the checkpoint: {e}")))?;
    let relayed = relay(&mut data, &mut conn, total, |_| true);
    if let Some(e) = relayed.read_error {
        return Err(fail(format!("reading the checkpoint from the worker: {e}")));
    }
    if let Some(e) = relayed.write_error {
        return Err(fail(format!("sending the checkpoint: {e}")));
    }
    match frame::read_msg::<FromPeer>(&mut conn, &Limits::default()) {
        Ok(FromPeer::Prepared { .. }) => Ok(total),
        Ok(FromPeer::Failed { reason }) => Err(fail(format!("spool: {reason}"))),
        Ok(other) => Err(fail(format!("spool: unexpected {other:?}"))),
        Err(e) => Err(fail(format!("the spool did not confirm: {e}"))),
    }
}

/// A writer that turns into a sink after its first error, so a relay keeps
/// draining its source.
struct WriteOrDiscard<'a, W: Write> {
    inner: &'a mut W,
    failed: bool,
}

impl<W: Write> Write for WriteOrDiscard<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.failed {
            return Ok(buf.len());
        }
        self.inner.write(buf).inspect_err(|_| self.failed = true)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.failed {
            return Ok(());
        }
        self.inner.flush()
    }
}

pub fn human_bytes(b: u64) -> String {
    let b = b as f64;
    if b >= (1u64 << 30) as f64 {
        format!("{:.1} GiB", b / (1u64 << 30) as f64)
    } else if b >= (1u64 << 20) as f64 {
        format!("{:.1} MiB", b / (1u64 << 20) as f64)
    } else {
        format!("{:.0} KiB", b / 1024.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener on loopback that answers one connection's handshake as an
    /// agent holding `secret`; yields what its side of the handshake gave.
    fn listener(secret: Secret) -> (String, std::thread::JoinHandle<Result<Hello, RuntimeError>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap().to_string();
        let h = std::thread::spawn(move || {
            let (mut c, _) = l.accept().unwrap();
            c.set_read_timeout(Some(Duration::from_secs(5))).ok();
            handshake(&mut c, &hello("n1", Role::Agent), &secret)
        });
        (addr, h)
    }

    #[test]
    fn members_of_the_cluster_pass_the_handshake_and_others_do_not() {
        let secret = Secret::generate();
        let (addr, h) = listener(secret.clone());
        let mut c = TcpStream::connect(&addr).unwrap();
        let theirs = handshake(&mut c, &hello("coordinator", Role::Coordinator), &secret);
        assert_eq!(theirs.unwrap().name, "n1");
        assert_eq!(h.join().unwrap().unwrap().role, Role::Coordinator);

        // Another secret: both sides refuse.
        let (addr, h) = listener(secret.clone());
        let mut c = TcpStream::connect(&addr).unwrap();
        let e = handshake(&mut c, &hello("intruder", Role::Peer), &Secret::generate());
        assert!(e.unwrap_err().to_string().contains("secret"));
        let e = h.join().unwrap().unwrap_err().to_string();
        assert!(e.contains("intruder does not hold"), "{e}");

        // A caller that says it is a listener is refused before any proof.
        let (addr, h) = listener(secret.clone());
        let mut c = TcpStream::connect(&addr).unwrap();
        assert!(handshake(&mut c, &hello("x", Role::Agent), &secret).is_err());
        assert!(h.join().unwrap().is_err());

        // A caller that sends no nonce, or a hello far too large, neither.
        for junk in [
            Hello {
                nonce: String::new(),
                ..hello("x", Role::Peer)
            },
            hello(&"x".repeat(10_000), Role::Peer),
        ] {
            let (addr, h) = listener(secret.clone());
            let mut c = TcpStream::connect(&addr).unwrap();
            frame::write_msg(&mut c, &junk).unwrap();
            assert!(h.join().unwrap().is_err());
        }
    }
}
