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

mod executor;
mod peer;
mod relay;
mod warm;

use executor::Executor;
use peer::Reservation;
use relay::WriteOrDiscard;
pub use relay::{relay, Relayed};
use warm::WarmSlot;
pub use warm::{warm_pool, warm_reserve};

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
    /// The uids the cluster's jobs take one each (first, how many), with
    /// `worker_user`'s group: no two jobs share a uid.
    #[serde(default)]
    pub worker_uids: Option<(u32, u32)>,
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

/// Removes `job`'s slot if it is the one registered with `pid` (see
/// `Agent::unregister`).
fn forget_slot(jobs: &mut HashMap<u64, JobSlot>, job: u64, pid: &Arc<AtomicU32>) {
    if jobs.get(&job).is_some_and(|s| Arc::ptr_eq(&s.pid, pid)) {
        jobs.remove(&job);
    }
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
        cfg.worker_uids,
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
        // Only root may raise a priority again once lowered.
        warm_nice: if crate::sandbox::is_root() {
            crate::worker::WARM_NICE
        } else {
            0
        },
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

    /// Forgets the job's slot if it is still the one `pid` came with. A job
    /// that moved away and back has a new slot by the time the executor it
    /// left behind winds down (its worker killed after the release); that
    /// executor must not take the new slot with it, or the coordinator's
    /// commit finds no job here.
    fn unregister(&self, job: u64, pid: &Arc<AtomicU32>) {
        forget_slot(&mut self.jobs.lock().unwrap(), job, pid);
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
            let mut spec = spec.clone();
            spec.user = a.confinement.job_user(spec.job);
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
                    a.unregister(job, &pid);
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

    #[test]
    fn an_executor_winding_down_leaves_the_slot_of_the_jobs_return() {
        // The job moved away (its old executor released, still killing its
        // worker) and back: the new slot must survive the old teardown.
        let slot = |pid: &Arc<AtomicU32>| JobSlot {
            tx: mpsc::channel().0,
            pid: pid.clone(),
        };
        let mut jobs = HashMap::new();
        let old = Arc::new(AtomicU32::new(10));
        let new = Arc::new(AtomicU32::new(10));
        jobs.insert(1, slot(&new));
        forget_slot(&mut jobs, 1, &old);
        assert!(jobs.contains_key(&1));
        forget_slot(&mut jobs, 1, &new);
        assert!(!jobs.contains_key(&1));
    }

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
