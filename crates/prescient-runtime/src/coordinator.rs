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
use std::path::PathBuf;
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

struct NodeConn {
    spec: NodeSpec,
    /// The agent's TCP address (empty while the node is off).
    addr: Mutex<String>,
    /// The agent's abstract Unix socket, for same-host hand-overs.
    local: Mutex<Option<String>>,
    writer: Mutex<Option<TcpStream>>,
    alive: AtomicBool,
    child: Mutex<Option<Child>>,
    /// The Slurm job the agent runs in, for a node that came from Slurm.
    alloc: Mutex<Option<String>>,
    /// Why the last power-on failed, until the next one.
    start_error: Mutex<Option<String>>,
    /// Held while the node is being powered on.
    starting: Mutex<()>,
}

impl NodeConn {
    fn addr(&self) -> String {
        self.addr.lock().unwrap().clone()
    }

    fn local(&self) -> Option<String> {
        self.local.lock().unwrap().clone()
    }
}

type Routes = Arc<Mutex<HashMap<u64, Sender<JobEvent>>>>;

/// A running local cluster. Cheap to share between job threads.
pub struct Cluster {
    /// Every instance of the spec ([`ClusterSpec::instances`]): physical
    /// nodes run from the start, virtual ones when powered on.
    nodes: Vec<Arc<NodeConn>>,
    routes: Routes,
    spool: Spool,
    opts: ClusterOptions,
    pub warnings: Vec<String>,
    pub name: String,
    slurm: SlurmSettings,
    batch: Arc<dyn BatchSystem>,
    /// Started on the first Slurm power-on.
    rendezvous: Mutex<Option<Rendezvous>>,
    /// What every connection to an agent or the spool must prove.
    secret: Secret,
}

impl Cluster {
    /// Starts one agent per physical node and connects to each; virtual
    /// nodes stay off until [`Cluster::power_on`].
    pub fn start(spec: &ClusterSpec, opts: &ClusterOptions) -> Result<Cluster, RuntimeError> {
        spec.validate()
            .map_err(|e| RuntimeError::Cluster(e.to_string()))?;
        let name = format!("c{}", std::process::id());
        crate::sandbox::sweep_stale_groups();
        let nodes: Vec<Arc<NodeConn>> = spec
            .instances()
            .into_iter()
            .map(|n| {
                Arc::new(NodeConn {
                    spec: n,
                    addr: Mutex::new(String::new()),
                    local: Mutex::new(None),
                    writer: Mutex::new(None),
                    alive: AtomicBool::new(false),
                    child: Mutex::new(None),
                    alloc: Mutex::new(None),
                    start_error: Mutex::new(None),
                    starting: Mutex::new(()),
                })
            })
            .collect();
        let secret = Secret::generate();
        let mut cluster = Cluster {
            nodes,
            routes: Arc::new(Mutex::new(HashMap::new())),
            spool: Spool::start(secret.clone())?,
            opts: opts.clone(),
            warnings: Vec::new(),
            name,
            slurm: spec.slurm.clone().unwrap_or_default(),
            batch: Arc::new(Slurm {
                bin_dir: spec.slurm.as_ref().and_then(|s| s.bin_dir.clone()),
            }),
            rendezvous: Mutex::new(None),
            secret,
        };
        // Spawned all first, then connected: the agents start in parallel.
        let physical: Vec<usize> = (0..cluster.nodes.len())
            .filter(|&i| cluster.nodes[i].spec.kind == NodeKind::Physical)
            .collect();
        let mut children = Vec::new();
        for &i in &physical {
            children.push((i, cluster.spawn_agent(i)?));
        }
        for (i, child) in children {
            let warnings = cluster.connect(i, child)?;
            for w in warnings {
                if !cluster.warnings.contains(&w) {
                    cluster.warnings.push(w);
                }
            }
        }
        Ok(cluster)
    }

    /// Replaces the batch system (e.g. with [`crate::slurm::DryRun`]).
    pub fn with_batch(mut self, batch: Arc<dyn BatchSystem>) -> Cluster {
        self.batch = batch;
        self
    }

    fn agent_config(&self, i: usize) -> AgentConfig {
        let n = &self.nodes[i].spec;
        let opts = &self.opts;
        AgentConfig {
            name: n.name.clone(),
            cluster: self.name.clone(),
            listen: "127.0.0.1:0".into(),
            python: opts.python.clone(),
            harness_dir: opts.harness_dir.clone(),
            cores: n.cores,
            memory_bytes: n.memory,
            cpus: n.cpus.clone(),
            worker_user: opts.worker_user.clone(),
            warm: opts.warm,
            features: n.features.clone(),
            announce_to: None,
            token: None,
        }
    }

    fn spawn_agent(&self, i: usize) -> Result<Child, RuntimeError> {
        let n = &self.nodes[i].spec;
        let opts = &self.opts;
        let json = serde_json::to_string(&self.agent_config(i)).unwrap_or_default();
        Command::new(&opts.agent_exe)
            .arg(&opts.agent_arg)
            .arg(json)
            .env(auth::SECRET_ENV, self.secret.expose())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            // Ctrl-C reaches the coordinator only; it forwards it to the job.
            .process_group(0)
            .spawn()
            .map_err(io_err(format!(
                "cannot start the agent of node {} ({})",
                n.name,
                opts.agent_exe.display()
            )))
    }

    /// Reads a spawned agent's announcement and connects to it; returns
    /// the agent's warnings.
    fn connect(&self, i: usize, mut child: Child) -> Result<Vec<String>, RuntimeError> {
        let node = &self.nodes[i];
        let mut line = String::new();
        let read = child
            .stdout
            .take()
            .map(|o| BufReader::new(o).read_line(&mut line));
        let announce: AgentAnnounce = match (read, serde_json::from_str(line.trim())) {
            (Some(Ok(_)), Ok(a)) => a,
            _ => {
                let _ = child.kill();
                let status = child.wait().map(|s| s.to_string()).unwrap_or_default();
                return Err(RuntimeError::Cluster(format!(
                    "the agent of node {} did not start ({status})",
                    node.spec.name
                )));
            }
        };
        *node.child.lock().unwrap() = Some(child);
        self.attach(i, announce)
    }

    /// Connects to an agent that has announced itself; returns its warnings.
    fn attach(&self, i: usize, announce: AgentAnnounce) -> Result<Vec<String>, RuntimeError> {
        let node = &self.nodes[i];
        let mut conn = TcpStream::connect(&announce.listen)
            .map_err(io_err(format!("cannot connect to node {}", node.spec.name)))?;
        let _ = conn.set_nodelay(true);
        handshake(
            &mut conn,
            &hello("coordinator", Role::Coordinator),
            &self.secret,
        )?;
        let reader = conn.try_clone().map_err(io_err("socket"))?;
        // Abstract Unix sockets only reach agents on this host.
        let same_host = announce
            .listen
            .parse::<std::net::SocketAddr>()
            .is_ok_and(|a| a.ip().is_loopback());
        *node.addr.lock().unwrap() = announce.listen;
        *node.local.lock().unwrap() = announce
            .local
            .filter(|_| self.opts.local_handover && same_host);
        *node.writer.lock().unwrap() = Some(conn);
        node.alive.store(true, Ordering::SeqCst);
        spawn_reader(i, node.clone(), reader, self.routes.clone());
        Ok(announce.warnings)
    }

    /// Powers a Slurm node on: submits its allocation and waits for the
    /// agent in it to call back.
    fn start_in_slurm(&self, i: usize) -> Result<(), RuntimeError> {
        let node = &self.nodes[i];
        // An allocation whose agent died is no use any more.
        if let Some(old) = node.alloc.lock().unwrap().take() {
            self.batch.cancel(&old);
        }
        let sl = node.spec.slurm.clone().unwrap_or_default();
        let host = self
            .slurm
            .callback
            .clone()
            .unwrap_or_else(|| "127.0.0.1".into());
        std::fs::create_dir_all(&self.opts.log_dir).map_err(io_err(format!(
            "cannot create the Slurm log directory {}",
            self.opts.log_dir.display()
        )))?;
        let (addr, rx, token) = {
            let mut g = self.rendezvous.lock().unwrap();
            if g.is_none() {
                *g = Some(Rendezvous::start(&host)?);
            }
            let r = g.as_ref().unwrap();
            let token = auth::nonce();
            (r.addr.clone(), r.expect(&token), token)
        };
        let mut cfg = self.agent_config(i);
        // On this host's loopback the agent stays on it too; otherwise it
        // runs on another host, listens there and names itself by host name.
        let loopback = host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
            || host == "localhost";
        cfg.listen = if loopback {
            format!("{}:0", bracket(&host))
        } else {
            "0.0.0.0:0".into()
        };
        cfg.announce_to = Some(addr);
        cfg.token = Some(token.clone());
        let job_name = format!("prescient-{}-{}", self.name, node.spec.name);
        let req = AllocRequest {
            name: job_name.clone(),
            cores: node.spec.cores,
            memory_bytes: node.spec.memory,
            partition: sl.partition,
            constraint: sl.constraint,
            time_minutes: sl.time_minutes,
            extra_args: sl.extra_args,
            output: self.opts.log_dir.join(format!("{job_name}-%j.log")),
            secret: Some(self.secret.clone()),
            command: vec![
                self.opts.agent_exe.display().to_string(),
                self.opts.agent_arg.clone(),
                serde_json::to_string(&cfg).unwrap_or_default(),
            ],
        };
        let id = self.batch.submit(&req)?;
        let log = self.opts.log_dir.join(format!("{job_name}-{id}.log"));
        tracing::info!("node {}: Slurm job {id} submitted", node.spec.name);
        let forget = |why: String| {
            self.batch.cancel(&id);
            if let Some(r) = self.rendezvous.lock().unwrap().as_ref() {
                r.forget(&token);
            }
            let tail = crate::slurm::log_tail(&log, 5);
            let tail = if tail.is_empty() {
                String::new()
            } else {
                format!("; its log ({}) ends with:\n{tail}", log.display())
            };
            RuntimeError::Cluster(format!(
                "node {} (Slurm job {id}) {why}{tail}",
                node.spec.name
            ))
        };
        let limit = Duration::from_secs_f64(self.slurm.timeout_seconds.unwrap_or(300.0));
        let start = Instant::now();
        let announce = loop {
            match rx.recv_timeout(Duration::from_millis(500)) {
                Ok(a) => break a,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(forget("lost its rendezvous".into()))
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            if start.elapsed() > limit {
                return Err(forget(format!(
                    "did not call back within {:.0} s",
                    limit.as_secs_f64()
                )));
            }
            match self.batch.state(&id) {
                Ok(AllocState::Ended(state)) => {
                    // It may have called back just before it ended.
                    if let Ok(a) = rx.try_recv() {
                        break a;
                    }
                    return Err(forget(format!(
                        "ended ({state}) before its agent called back"
                    )));
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("node {}: {e}", node.spec.name),
            }
        };
        *node.alloc.lock().unwrap() = Some(id.clone());
        match self.attach(i, announce) {
            Ok(_) => Ok(()),
            Err(e) => {
                *node.alloc.lock().unwrap() = None;
                Err(forget(format!("called back but cannot be reached: {e}")))
            }
        }
    }

    /// Starts the agent of a node that is off (a virtual node), and returns
    /// once it is up. A node already up is left as it is.
    pub fn power_on(&self, i: usize) -> Result<(), RuntimeError> {
        let Some(node) = self.nodes.get(i) else {
            return Err(RuntimeError::Cluster(format!("there is no node {i}")));
        };
        let _one_at_a_time = node.starting.lock().unwrap();
        if self.is_alive(i) {
            return Ok(());
        }
        *node.start_error.lock().unwrap() = None;
        let started = if node.spec.slurm.is_some() {
            self.start_in_slurm(i)
        } else {
            self.spawn_agent(i)
                .and_then(|child| self.connect(i, child))
                .map(|_| ())
        };
        if let Err(e) = &started {
            *node.start_error.lock().unwrap() = Some(e.to_string());
        }
        started
    }

    /// Why the node's last power-on failed (None while it starts or runs).
    pub fn start_error(&self, i: usize) -> Option<String> {
        self.nodes.get(i)?.start_error.lock().unwrap().clone()
    }

    /// The Slurm job a node runs in, if it came from Slurm.
    pub fn allocation(&self, i: usize) -> Option<String> {
        self.nodes.get(i)?.alloc.lock().unwrap().clone()
    }

    /// Sends a signal to a job's worker on a node (SIGSTOP and SIGCONT
    /// pause and resume it).
    pub fn signal_job(&self, node: usize, job: u64, signal: i32) -> Result<(), RuntimeError> {
        self.send(node, &ToAgent::Signal { job, signal })
    }

    /// Stops a job's worker now; its driver sees the job end.
    pub fn kill_job(&self, node: usize, job: u64) -> Result<(), RuntimeError> {
        self.send(node, &ToAgent::Kill { job })
    }

    /// Stops a node's agent (its workers stop with it).
    pub fn power_off(&self, i: usize) {
        if i >= self.nodes.len() {
            return;
        }
        let _ = self.send(i, &ToAgent::Shutdown);
        self.stop_node(i);
    }

    /// Ends what runs a node: its agent process, or its Slurm allocation.
    fn stop_node(&self, i: usize) {
        let n = &self.nodes[i];
        stop_child(n);
        if let Some(id) = n.alloc.lock().unwrap().take() {
            self.batch.cancel(&id);
        }
        n.alive.store(false, Ordering::SeqCst);
    }

    pub fn node_names(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.spec.name.clone()).collect()
    }

    pub fn node_spec(&self, i: usize) -> &NodeSpec {
        &self.nodes[i].spec
    }

    pub fn is_alive(&self, i: usize) -> bool {
        self.nodes[i].alive.load(Ordering::SeqCst)
    }

    fn send(&self, node: usize, msg: &ToAgent) -> Result<(), RuntimeError> {
        let n = &self.nodes[node];
        let mut g = n.writer.lock().unwrap();
        match g.as_mut() {
            Some(s) => frame::write_msg(s, msg).map_err(|e| {
                *g = None;
                RuntimeError::Cluster(format!("node {}: {e}", n.spec.name))
            }),
            None => Err(RuntimeError::Cluster(format!(
                "node {} is down",
                n.spec.name
            ))),
        }
    }

    fn subscribe(&self, job: u64) -> Receiver<JobEvent> {
        let (tx, rx) = mpsc::channel();
        self.routes.lock().unwrap().insert(job, tx);
        rx
    }

    fn unsubscribe(&self, job: u64) {
        self.routes.lock().unwrap().remove(&job);
    }

    /// Kills a node's agent process (fault injection, and the end of a node).
    pub fn kill_node(&self, node: usize) {
        if let Some(mut c) = self.nodes[node].child.lock().unwrap().take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        if let Some(id) = self.nodes[node].alloc.lock().unwrap().take() {
            self.batch.cancel(&id);
        }
    }

    /// Stops every agent (they stop their workers).
    pub fn shutdown(&self) {
        for i in 0..self.nodes.len() {
            let _ = self.send(i, &ToAgent::Shutdown);
            self.stop_node(i);
        }
        self.spool.clear();
        crate::sandbox::remove_cluster_groups(&self.name);
    }
}

/// Waits a little for an agent told to shut down, then kills it.
fn stop_child(n: &NodeConn) {
    if let Some(mut c) = n.child.lock().unwrap().take() {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            match c.try_wait() {
                Ok(Some(_)) => break,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(10))
                }
                _ => {
                    let _ = c.kill();
                    let _ = c.wait();
                    break;
                }
            }
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// `host` as it goes before `:port` (IPv6 addresses in brackets).
fn bracket(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

type Waiting = Arc<Mutex<HashMap<String, Sender<AgentAnnounce>>>>;

/// The socket agents started elsewhere call back on. Each power-on expects
/// one token; a caller with another token, or none, is dropped.
struct Rendezvous {
    addr: String,
    waiting: Waiting,
}

impl Rendezvous {
    fn start(host: &str) -> Result<Rendezvous, RuntimeError> {
        let l = TcpListener::bind(format!("{}:0", bracket(host))).map_err(io_err(format!(
            "cannot open the rendezvous socket for Slurm nodes on {host}"
        )))?;
        let port = l.local_addr().map_err(io_err("rendezvous address"))?.port();
        let waiting: Waiting = Arc::new(Mutex::new(HashMap::new()));
        let w = waiting.clone();
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(conn) = conn else { continue };
                let w = w.clone();
                std::thread::spawn(move || {
                    let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
                    let mut line = String::new();
                    // One line, bounded: whoever connects is not trusted yet.
                    let mut r = BufReader::new(std::io::Read::take(conn, 64 << 10));
                    if r.read_line(&mut line).is_err() {
                        return;
                    }
                    let Ok(cb) = serde_json::from_str::<Callback>(line.trim()) else {
                        tracing::warn!("rendezvous: dropped a malformed call-back");
                        return;
                    };
                    match w.lock().unwrap().remove(&cb.token) {
                        Some(tx) => {
                            let _ = tx.send(cb.announce);
                        }
                        None => {
                            tracing::warn!("rendezvous: dropped a call-back with an unknown token")
                        }
                    }
                });
            }
        });
        Ok(Rendezvous {
            addr: format!("{}:{port}", bracket(host)),
            waiting,
        })
    }

    fn expect(&self, token: &str) -> Receiver<AgentAnnounce> {
        let (tx, rx) = mpsc::channel();
        self.waiting.lock().unwrap().insert(token.to_string(), tx);
        rx
    }

    fn forget(&self, token: &str) {
        self.waiting.lock().unwrap().remove(token);
    }
}

fn spawn_reader(index: usize, node: Arc<NodeConn>, mut r: TcpStream, routes: Routes) {
    std::thread::spawn(move || {
        while let Ok(h) = frame::read_header::<FromAgent>(&mut r, &Limits::default()) {
            let blob = match frame::read_blobs(&mut r, &h.blob_lens) {
                Ok(mut b) => b.pop(),
                Err(_) => break,
            };
            let job = match &h.msg {
                FromAgent::Output { job, .. }
                | FromAgent::Started { job, .. }
                | FromAgent::UnitDone { job, .. }
                | FromAgent::JobEnded { job, .. }
                | FromAgent::Prepared { job, .. }
                | FromAgent::MigrationFailed { job, .. }
                | FromAgent::Committed { job, .. }
                | FromAgent::Released { job }
                | FromAgent::CheckpointStarted { job, .. }
                | FromAgent::CheckpointSaved { job, .. } => *job,
                FromAgent::Error { job: Some(job), .. } => *job,
                FromAgent::Error { job: None, message } => {
                    tracing::warn!("node {}: {message}", node.spec.name);
                    continue;
                }
            };
            if let Some(tx) = routes.lock().unwrap().get(&job) {
                let _ = tx.send(JobEvent::Agent {
                    node: index,
                    msg: h.msg,
                    blob,
                });
            }
        }
        node.alive.store(false, Ordering::SeqCst);
        *node.writer.lock().unwrap() = None;
        for tx in routes.lock().unwrap().values() {
            let _ = tx.send(JobEvent::Lost { node: index });
        }
    });
}

/// Checkpoints kept by the coordinator for recovery, one file per job. It
/// accepts them over the agents' own peer protocol.
/// A spooled checkpoint: its file, its blob lengths and the job it restores.
#[derive(Clone)]
struct Saved {
    path: PathBuf,
    lens: Vec<u64>,
    spec: JobSpec,
    /// The coordinator's id of the checkpoint (`migration` in its frame).
    checkpoint: u64,
}

type SavedMap = Mutex<HashMap<u64, Saved>>;

struct Spool {
    addr: String,
    dir: PathBuf,
    /// Job -> (checkpoint file, blob lengths).
    saved: Arc<SavedMap>,
}

impl Spool {
    fn start(secret: Secret) -> Result<Spool, RuntimeError> {
        let dir = std::env::temp_dir().join(format!("prescient-spool-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(io_err(format!("cannot create {}", dir.display())))?;
        let listener = TcpListener::bind("127.0.0.1:0").map_err(io_err("spool listener"))?;
        let addr = listener
            .local_addr()
            .map_err(io_err("spool listener"))?
            .to_string();
        let saved: Arc<SavedMap> = Arc::default();
        let s2 = saved.clone();
        let d2 = dir.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                if let Err(e) = spool_accept(conn, &d2, &s2, &secret) {
                    tracing::warn!("checkpoint not saved: {e}");
                }
            }
        });
        Ok(Spool { addr, dir, saved })
    }

    fn get(&self, job: u64) -> Option<Saved> {
        self.saved.lock().unwrap().get(&job).cloned()
    }

    fn forget(&self, job: u64) {
        if let Some(s) = self.saved.lock().unwrap().remove(&job) {
            let _ = std::fs::remove_file(s.path);
        }
    }

    fn clear(&self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn spool_accept(
    mut conn: TcpStream,
    dir: &std::path::Path,
    saved: &SavedMap,
    secret: &Secret,
) -> Result<(), RuntimeError> {
    handshake(&mut conn, &hello("spool", Role::Agent), secret)?;
    let h = frame::read_header::<ToPeer>(&mut conn, &Limits::default())
        .map_err(wire_err("checkpoint"))?;
    let total = h.blob_total();
    let ToPeer::Restore {
        spec,
        refs,
        migration: checkpoint,
        ..
    } = h.msg
    else {
        return Err(RuntimeError::Protocol(
            "the spool takes checkpoints only".into(),
        ));
    };
    if refs.iter().any(prescient_wire::names_cached) {
        return Err(RuntimeError::Protocol(
            "a spooled checkpoint must be whole".into(),
        ));
    }
    let job = spec.job;
    // Checkpoints of a job are written one after the other, but a late
    // one must never replace a newer.
    let stale = |g: &HashMap<u64, Saved>| {
        g.get(&job)
            .is_some_and(|s| s.checkpoint >= checkpoint)
            .then(|| {
                RuntimeError::Protocol(format!(
                    "checkpoint {checkpoint} of job {job} is older than the one kept"
                ))
            })
    };
    if let Some(e) = stale(&saved.lock().unwrap()) {
        return Err(e);
    }
    let tmp = dir.join(format!("job-{job}-{checkpoint}.partial"));
    let done = dir.join(format!("job-{job}.ckpt"));
    let written = (|| {
        let mut f = std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(&tmp).map_err(io_err("spool file"))?,
        );
        frame::copy_blobs(&mut conn, &mut f, total).map_err(wire_err("checkpoint"))?;
        f.flush().map_err(io_err("spool file"))
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    // Only a complete checkpoint replaces the last one, and only a newer.
    let mut g = saved.lock().unwrap();
    if let Some(e) = stale(&g) {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, &done).map_err(io_err("spool file"))?;
    g.insert(
        job,
        Saved {
            path: done,
            lens: h.blob_lens,
            spec,
            checkpoint,
        },
    );
    drop(g);
    frame::write_msg(
        &mut conn,
        &FromPeer::Prepared {
            restore_seconds: 0.0,
            prefaulted_bytes: 0,
        },
    )
    .map_err(wire_err("checkpoint"))?;
    Ok(())
}

/// Faults a run injects, to test that each is survived.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Migration number (1-based) -> the fault it suffers.
    pub migration: BTreeMap<usize, Fault>,
    /// Kill the job's agent once this unit (0-based) is done.
    pub kill_agent_after_unit: Option<usize>,
    /// Kill the job's agent once it has stopped this many times (1-based)
    /// between loop iterations.
    pub kill_agent_after_step: Option<usize>,
}

/// How to run one job.
#[derive(Clone, Debug)]
pub struct JobPlan {
    pub spec: JobSpec,
    pub start_node: usize,
    /// Migrate after every K units, round robin over the live nodes (0: never).
    pub migrate_every: usize,
    /// Send the job's buffers to the next node during the unit before each
    /// migration, so the migration sends only what changed.
    pub precopy: bool,
    /// Spool a checkpoint once this much wall time has passed since the last one
    /// (None: never).
    pub checkpoint_interval: Option<f64>,
    /// Inside a loop, a stop (to migrate or checkpoint) waits until the job
    /// has run this long since it last went on: each stop costs a round trip,
    /// so a loop of millisecond iterations is not stopped at every one.
    /// 0: at every iteration.
    pub loop_step: f64,
    pub faults: Faults,
}

/// The default [`JobPlan::loop_step`].
pub const LOOP_STEP_SECONDS: f64 = 0.2;

#[derive(Clone, Debug, Serialize)]
pub struct UnitRecord {
    pub unit: usize,
    pub node: String,
    pub usage: UnitUsage,
}

#[derive(Clone, Debug, Serialize)]
pub struct MigrationRecord {
    pub number: usize,
    /// Units done before it.
    pub after_unit: usize,
    /// True when the job moved between two loop iterations of unit
    /// `after_unit` (which it then goes on with), not after it.
    pub within_unit: bool,
    pub from: String,
    pub to: String,
    pub ok: bool,
    /// The state could not move at this point (not a fault).
    pub refused: bool,
    pub reason: Option<String>,
    pub report: Option<MigrationReport>,
    /// The job's pause: from the end of its last unit on the source to the
    /// moment it could run on the target (or resume on the source).
    pub downtime_seconds: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct RecoveryRecord {
    pub lost_node: String,
    pub to: String,
    /// The unit the job resumed at.
    pub resumed_at_unit: usize,
    /// True when it resumed inside that unit, between two loop iterations.
    pub within_unit: bool,
    pub from_checkpoint: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct JobOutcome {
    pub end: JobEnd,
    pub units: Vec<UnitRecord>,
    pub migrations: Vec<MigrationRecord>,
    pub recoveries: Vec<RecoveryRecord>,
    pub checkpoints: usize,
    pub setup_seconds: f64,
    pub warm_start: bool,
    /// The worker's resident set once the job was set up (its baseline).
    pub worker_rss_bytes: u64,
    /// The node the job ended on, when it ended in a unit.
    pub end_node: Option<String>,
}

/// Sees a job's progress as it happens.
pub trait Observer {
    fn output(&mut self, stream: Stream, bytes: &[u8]);
    fn unit_started(&mut self, _unit: usize, _node: &str) {}
    fn unit_done(&mut self, _record: &UnitRecord) {}
    fn migration(&mut self, _record: &MigrationRecord) {}
    fn recovery(&mut self, _record: &RecoveryRecord) {}
}

/// Decides where a job goes: the hook through which an allocator orders
/// migrations.
pub trait Steering {
    /// Asked before `unit` runs on node `current`: the node the job should move
    /// to once the unit is done, if any. Knowing it a unit ahead lets the move
    /// be pre-copied while the unit runs.
    fn move_after(&mut self, unit: usize, current: usize, cluster: &Cluster) -> Option<usize>;

    /// Told that a unit is done on node `current`, just before the job
    /// moves to `planned` (what [`Steering::move_after`] said): where it
    /// moves now, if anywhere. It may wait here for a node coming up. The
    /// default keeps the plan.
    fn unit_done(
        &mut self,
        _record: &UnitRecord,
        _current: usize,
        planned: Option<usize>,
        _cluster: &Cluster,
    ) -> Option<usize> {
        planned
    }

    /// Asked before a unit runs: stop inside it, between two loop
    /// iterations, once this many seconds have passed (None: only at its
    /// end). The default asks for no steps.
    fn step_after(&mut self, _unit: usize) -> Option<f64> {
        None
    }

    /// Asked before the job runs on inside `unit` towards its next stop
    /// between two loop iterations (its `step`-th in the run): the node it
    /// should move to at that stop, if any. Knowing it ahead lets the move
    /// be pre-copied while the iterations run. The default stays.
    fn move_within(
        &mut self,
        _unit: usize,
        _step: usize,
        _current: usize,
        _cluster: &Cluster,
    ) -> Option<usize> {
        None
    }

    /// Told that the job stopped between two loop iterations, just before it
    /// moves to `planned` (what [`Steering::move_within`] said): where it
    /// moves now, if anywhere. The default keeps the plan.
    fn step_done(
        &mut self,
        _unit: usize,
        _step: usize,
        _current: usize,
        planned: Option<usize>,
        _cluster: &Cluster,
    ) -> Option<usize> {
        planned
    }
}

/// Moves to the next live node after every `every` safe points
/// (`--migrate-every`): unit ends and, inside loops, iterations.
pub struct RoundRobin {
    pub every: usize,
    pub units: usize,
    /// Safe points passed so far.
    pub points: usize,
}

impl RoundRobin {
    /// Whether the next safe point is one to move at.
    fn next_due(&self) -> bool {
        self.every > 0 && (self.points + 1).is_multiple_of(self.every)
    }

    /// Counts a safe point passed: the next live node when it is due.
    fn passed(&mut self, current: usize, cluster: &Cluster) -> Option<usize> {
        let due = self.next_due();
        self.points += 1;
        if due {
            next_node(cluster, current)
        } else {
            None
        }
    }
}

// The hints (move_after, move_within) only look ahead: a unit that stops
// inside passes safe points before its end, so points are counted where
// they are passed (unit_done, step_done).
impl Steering for RoundRobin {
    fn move_after(&mut self, unit: usize, current: usize, cluster: &Cluster) -> Option<usize> {
        (self.next_due() && unit + 1 < self.units)
            .then(|| next_node(cluster, current))
            .flatten()
    }

    fn unit_done(
        &mut self,
        record: &UnitRecord,
        current: usize,
        _planned: Option<usize>,
        cluster: &Cluster,
    ) -> Option<usize> {
        let to = self.passed(current, cluster);
        to.filter(|_| record.unit + 1 < self.units)
    }

    fn step_after(&mut self, _unit: usize) -> Option<f64> {
        (self.every > 0).then_some(0.0)
    }

    fn move_within(
        &mut self,
        _unit: usize,
        _step: usize,
        current: usize,
        cluster: &Cluster,
    ) -> Option<usize> {
        self.next_due()
            .then(|| next_node(cluster, current))
            .flatten()
    }

    fn step_done(
        &mut self,
        _unit: usize,
        _step: usize,
        current: usize,
        _planned: Option<usize>,
        cluster: &Cluster,
    ) -> Option<usize> {
        self.passed(current, cluster)
    }
}

/// A signal the coordinator received (set from its handler: SIGINT, SIGTERM,
/// SIGHUP), forwarded to the job's worker; 0 for none.
pub static SIGNALLED: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

struct Driver<'a> {
    cluster: &'a Cluster,
    rx: Receiver<JobEvent>,
    job: u64,
    node: usize,
    obs: &'a mut dyn Observer,
    /// Bytes of output printed so far, per stream.
    printed: [u64; 2],
    /// Bytes of replayed output still to swallow after a recovery, per stream.
    skip: [u64; 2],
    interrupt_sent: bool,
    migrations: usize,
    /// Background checkpoints: the last id given, the one being written and
    /// the node writing it (a new one waits for it, so the spool never takes
    /// an older one after a newer), how many were stored, and where each
    /// resumes.
    checkpoint_ids: u64,
    pending_checkpoint: Option<(u64, usize)>,
    checkpoints_saved: usize,
    checkpoint_at: HashMap<u64, ResumePoint>,
}

/// Where a checkpoint resumes: the output printed when it was taken, and the
/// unit (and whether inside it, between loop iterations).
#[derive(Clone, Copy)]
struct ResumePoint {
    printed: [u64; 2],
    unit: (usize, bool),
}

enum Wait<T> {
    Got(T),
    /// The job ended, with the usage of the unit it ended in.
    Ended(JobEnd, Option<UnitUsage>),
    Lost,
}

fn idx(s: Stream) -> usize {
    match s {
        Stream::Stdout => 0,
        Stream::Stderr => 1,
    }
}

impl Driver<'_> {
    fn out(&mut self, stream: Stream, mut bytes: &[u8]) {
        let i = idx(stream);
        let skip = (self.skip[i].min(bytes.len() as u64)) as usize;
        self.skip[i] -= skip as u64;
        bytes = &bytes[skip..];
        if !bytes.is_empty() {
            self.printed[i] += bytes.len() as u64;
            self.obs.output(stream, bytes);
        }
    }

    /// Waits for a message from `from` that `pick` accepts. Output is printed
    /// meanwhile; the job's end and the loss of `from` stop the wait.
    fn wait<T>(
        &mut self,
        from: usize,
        timeout: Option<Duration>,
        mut pick: impl FnMut(&FromAgent) -> Option<T>,
    ) -> Wait<T> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            let signal = SIGNALLED.load(Ordering::SeqCst);
            if signal != 0 && !self.interrupt_sent {
                self.interrupt_sent = true;
                let _ = self.cluster.send(
                    self.node,
                    &ToAgent::Signal {
                        job: self.job,
                        signal,
                    },
                );
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Wait::Lost;
            }
            let ev = match self.rx.recv_timeout(Duration::from_millis(100)) {
                Ok(ev) => ev,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return Wait::Lost,
            };
            match ev {
                JobEvent::Lost { node } if node == from || node == self.node => return Wait::Lost,
                JobEvent::Lost { .. } => {}
                JobEvent::Agent { msg, blob, node } => {
                    if let FromAgent::Output { stream, .. } = msg {
                        if node == self.node {
                            self.out(stream, blob.as_deref().unwrap_or_default());
                        }
                        continue;
                    }
                    if let FromAgent::CheckpointSaved {
                        checkpoint,
                        ok,
                        reason,
                        ..
                    } = &msg
                    {
                        // From whichever node took it: the job may have moved since.
                        if *ok {
                            self.checkpoints_saved += 1;
                        } else {
                            tracing::info!(
                                "checkpoint {checkpoint} not saved: {}",
                                reason.as_deref().unwrap_or("?")
                            );
                        }
                        if self
                            .pending_checkpoint
                            .is_some_and(|(c, _)| c == *checkpoint)
                        {
                            self.pending_checkpoint = None;
                        }
                    }
                    if let FromAgent::JobEnded { end, usage, .. } = &msg {
                        if node == self.node {
                            return Wait::Ended(end.clone(), usage.clone());
                        }
                    }
                    if let FromAgent::Error { message, .. } = &msg {
                        if node == self.node || node == from {
                            // The agent lost track of the job: treat it as lost there.
                            tracing::warn!("{message}");
                            return Wait::Lost;
                        }
                    }
                    if node == from {
                        if let Some(t) = pick(&msg) {
                            return Wait::Got(t);
                        }
                    }
                }
            }
        }
    }
}

/// Runs a job to its end, moving it after every `plan.migrate_every` units.
/// Never panics on a lost node or a failed migration.
pub fn run_job(cluster: &Cluster, plan: JobPlan, obs: &mut dyn Observer) -> JobOutcome {
    let mut steering = RoundRobin {
        every: plan.migrate_every,
        units: plan.spec.units.len(),
        points: 0,
    };
    run_job_steered(cluster, plan, obs, &mut steering)
}

/// Runs a job to its end, moving it where `steering` says.
pub fn run_job_steered(
    cluster: &Cluster,
    plan: JobPlan,
    obs: &mut dyn Observer,
    steering: &mut dyn Steering,
) -> JobOutcome {
    let job = plan.spec.job;
    let rx = cluster.subscribe(job);
    let mut d = Driver {
        cluster,
        rx,
        job,
        node: plan.start_node,
        obs,
        printed: [0, 0],
        skip: [0, 0],
        interrupt_sent: false,
        migrations: 0,
        checkpoint_ids: 0,
        pending_checkpoint: None,
        checkpoints_saved: 0,
        checkpoint_at: HashMap::new(),
    };
    let mut out = JobOutcome {
        end: JobEnd {
            code: 0,
            reason: None,
            unit: None,
            signal: None,
            lost: false,
        },
        units: Vec::new(),
        migrations: Vec::new(),
        recoveries: Vec::new(),
        checkpoints: 0,
        setup_seconds: 0.0,
        warm_start: false,
        worker_rss_bytes: 0,
        end_node: None,
    };
    let end = drive(&mut d, &plan, &mut out, steering);
    out.end = end;
    out.checkpoints = d.checkpoints_saved;
    cluster.unsubscribe(job);
    cluster.spool.forget(job);
    out
}

fn drive(
    d: &mut Driver,
    plan: &JobPlan,
    out: &mut JobOutcome,
    steering: &mut dyn Steering,
) -> JobEnd {
    let n_units = plan.spec.units.len();
    let job = d.job;
    let mut unit = match start_fresh(d, &plan.spec, d.node) {
        Ok((warm, secs, rss)) => {
            out.warm_start = warm;
            out.setup_seconds = secs;
            out.worker_rss_bytes = rss;
            0
        }
        Err(end) => return end,
    };
    // Injected faults strike once.
    let mut kill_after = plan.faults.kill_agent_after_unit;
    let mut last_checkpoint = Instant::now();
    // Usage of the running unit's steps so far (a unit with loop steps
    // reports each step; the unit's record adds them up).
    let mut acc: Option<UnitUsage> = None;
    // Whether the next run goes on inside `unit` (after a step).
    let mut within = false;
    let mut move_to: Option<usize> = None;
    let mut steps = 0usize;
    let mut kill_after_step = plan.faults.kill_agent_after_step;
    loop {
        if unit >= n_units {
            // A checkpoint still being written is stored before the job's
            // end, so that the spool is forgotten after it, not before.
            if let Err(end) = settle_checkpoint(d) {
                return end;
            }
            if d.cluster.send(d.node, &ToAgent::Finish { job }).is_ok() {
                match d.wait(d.node, None, |_| None::<()>) {
                    Wait::Ended(end, _) => return end,
                    Wait::Got(()) => unreachable_end(),
                    Wait::Lost => {}
                }
            }
            // The node died while running exit handlers: all sections ran.
            return JobEnd {
                code: 0,
                reason: Some("the node was lost while the program's exit handlers ran".into()),
                unit: None,
                signal: None,
                lost: false,
            };
        }
        let name = d.cluster.node_spec(d.node).name.clone();
        let (here, n_nodes) = (d.node, d.cluster.nodes.len());
        let valid = move |t: &usize| *t != here && *t < n_nodes;
        // Where to go at the unit's end (asked once, as it starts) and at the
        // next stop inside it (asked before every run).
        if !within {
            move_to = steering.move_after(unit, d.node, d.cluster).filter(valid);
        }
        let step_to = steering
            .move_within(unit, steps + 1, d.node, d.cluster)
            .filter(valid);
        let ahead = if within {
            step_to.or(move_to)
        } else {
            move_to.or(step_to)
        };
        if let (true, Some(target)) = (plan.precopy, ahead) {
            let addr = d.cluster.nodes[target].addr();
            let _ = d
                .cluster
                .send(d.node, &ToAgent::Precopy { job, target: addr });
        }
        if !within {
            d.obs.unit_started(unit, &name);
        }
        // Stop inside the unit when the steering wants steps, or when a
        // checkpoint falls due before the unit would end.
        let checkpoint_due = plan
            .checkpoint_interval
            .map(|s| (s - last_checkpoint.elapsed().as_secs_f64()).max(0.0));
        let step_after = match (steering.step_after(unit), checkpoint_due) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
        .map(|s| s.max(plan.loop_step));
        let sent = d.cluster.send(
            d.node,
            &ToAgent::Run {
                job,
                unit,
                step_after,
            },
        );
        let got = if sent.is_ok() {
            d.wait(d.node, None, |m| match m {
                FromAgent::UnitDone {
                    unit: u,
                    usage,
                    stop,
                    ..
                } if *u == unit => Some((usage.clone(), *stop)),
                _ => None,
            })
        } else {
            Wait::Lost
        };
        // Where the job moves at the point it stopped at.
        let mut next = None;
        let mut kill_now = false;
        let step = match got {
            Wait::Got((usage, stop)) => {
                let usage = add_usage(acc.take(), usage);
                let stop = stop.unwrap_or(Stop {
                    next: unit + 1,
                    step: false,
                });
                if stop.step {
                    acc = Some(usage);
                    within = true;
                    steps += 1;
                    true
                } else {
                    within = false;
                    let rec = UnitRecord {
                        unit,
                        node: name,
                        usage,
                    };
                    d.obs.unit_done(&rec);
                    next = steering
                        .unit_done(&rec, d.node, move_to, d.cluster)
                        .filter(valid);
                    out.units.push(rec);
                    if kill_after == Some(unit) {
                        kill_after = None;
                        kill_now = true;
                    }
                    unit = stop.next.max(unit + 1);
                    false
                }
            }
            Wait::Ended(mut end, usage) => {
                out.end_node = Some(name.clone());
                if let Some(usage) = usage {
                    let rec = UnitRecord {
                        unit,
                        node: name.clone(),
                        usage: add_usage(acc.take(), usage),
                    };
                    d.obs.unit_done(&rec);
                    out.units.push(rec);
                }
                if end.unit.is_none() {
                    end.unit = Some(unit);
                }
                return end;
            }
            Wait::Lost => match recover(d, plan, out) {
                Ok(resume) => {
                    unit = resume.0;
                    within = resume.1;
                    acc = None;
                    continue;
                }
                Err(end) => return end,
            },
        };
        if kill_now {
            if let Err(end) = settle_checkpoint(d) {
                return end;
            }
            d.cluster.kill_node(d.node);
        }
        if step && kill_after_step == Some(steps) {
            kill_after_step = None;
            // A fault test knows what it resumes from: the checkpoint in
            // flight is stored first.
            if let Err(end) = settle_checkpoint(d) {
                return end;
            }
            d.cluster.kill_node(d.node);
        }
        if unit < n_units
            && plan
                .checkpoint_interval
                .is_some_and(|s| last_checkpoint.elapsed().as_secs_f64() >= s)
        {
            // Checkpoints asked for faster than they can be written wait
            // for the one before: back-pressure, never a skipped one.
            if let Err(end) = settle_checkpoint(d) {
                return end;
            }
            if start_checkpoint(d, (unit, within)) {
                last_checkpoint = Instant::now();
            }
        }
        if step {
            next = steering
                .step_done(unit, steps, d.node, step_to, d.cluster)
                .filter(valid);
        }
        if unit < n_units {
            if let Some(target) = next.filter(|&t| d.cluster.is_alive(t) && t != d.node) {
                let mut rec = migrate(
                    d,
                    target,
                    unit,
                    plan.faults.migration.get(&(d.migrations + 1)).copied(),
                );
                rec.within_unit = step;
                d.obs.migration(&rec);
                out.migrations.push(rec);
            }
        }
    }
}

/// A unit's usage over its steps: times add up, the peak is the largest.
fn add_usage(acc: Option<UnitUsage>, u: UnitUsage) -> UnitUsage {
    match acc {
        None => u,
        Some(a) => UnitUsage {
            wall_seconds: a.wall_seconds + u.wall_seconds,
            cpu_seconds: a.cpu_seconds + u.cpu_seconds,
            peak_rss_bytes: a.peak_rss_bytes.max(u.peak_rss_bytes),
            rss_after_bytes: u.rss_after_bytes,
            rss_method: u.rss_method,
        },
    }
}

fn unreachable_end() -> ! {
    unreachable!("the finish wait accepts no message")
}

fn next_node(c: &Cluster, from: usize) -> Option<usize> {
    let n = c.nodes.len();
    (1..n).map(|k| (from + k) % n).find(|&i| c.is_alive(i))
}

fn start_fresh(d: &mut Driver, spec: &JobSpec, node: usize) -> Result<(bool, f64, u64), JobEnd> {
    d.node = node;
    let name = d.cluster.node_spec(node).name.clone();
    if let Err(e) = d.cluster.send(node, &ToAgent::Start { spec: spec.clone() }) {
        return Err(lost_end(e.to_string(), None));
    }
    match d.wait(node, Some(Duration::from_secs(300)), |m| match m {
        FromAgent::Started {
            warm,
            setup_seconds,
            rss_bytes,
            ..
        } => Some((*warm, *setup_seconds, *rss_bytes)),
        _ => None,
    }) {
        Wait::Got(x) => Ok(x),
        Wait::Ended(end, _) => Err(end),
        Wait::Lost => Err(lost_end(
            format!("node {name} was lost while starting the job"),
            None,
        )),
    }
}

fn lost_end(reason: String, unit: Option<usize>) -> JobEnd {
    JobEnd {
        code: 1,
        reason: Some(reason),
        unit,
        signal: None,
        lost: true,
    }
}

/// Starts a background recovery checkpoint of the job, idle at a safe point
/// (`at`), to the spool: the job waits only for its worker to fork. False
/// when it could not start (refused state, a worker that cannot fork): the
/// job goes on either way.
fn start_checkpoint(d: &mut Driver, at: (usize, bool)) -> bool {
    d.checkpoint_ids += 1;
    let checkpoint = d.checkpoint_ids;
    let msg = ToAgent::Checkpoint {
        job: d.job,
        checkpoint,
        target: d.cluster.spool.addr.clone(),
    };
    if d.cluster.send(d.node, &msg).is_err() {
        return false;
    }
    let started = d.wait(d.node, None, |m| match m {
        FromAgent::CheckpointStarted { checkpoint: c, .. } if *c == checkpoint => Some(true),
        FromAgent::CheckpointSaved {
            checkpoint: c, ok, ..
        } if *c == checkpoint => Some(*ok),
        _ => None,
    });
    if !matches!(started, Wait::Got(true)) {
        return false;
    }
    // The worker flushed its output before it forked, and the agent relayed
    // it before saying so: what was printed by now is what the checkpoint
    // has printed. It is known before the spool can store it.
    d.checkpoint_at.insert(
        checkpoint,
        ResumePoint {
            printed: d.printed,
            unit: at,
        },
    );
    d.pending_checkpoint = Some((checkpoint, d.node));
    true
}

/// Waits until the background checkpoint in flight, if any, is stored (or
/// has failed, or its node is gone). Err: the job ended meanwhile.
fn settle_checkpoint(d: &mut Driver) -> Result<(), JobEnd> {
    while let Some((checkpoint, node)) = d.pending_checkpoint {
        let got = d.wait(node, None, |m| match m {
            FromAgent::CheckpointSaved { checkpoint: c, .. } if *c == checkpoint => Some(()),
            _ => None,
        });
        match got {
            Wait::Got(()) => {}
            // The job is idle at a safe point: a lost node shows at its next run.
            Wait::Lost => d.pending_checkpoint = None,
            Wait::Ended(end, _) => return Err(end),
        }
    }
    Ok(())
}

/// Sends the job's checkpoint to `target` (an agent or the spool) and waits
/// for the source's verdict. None: the source was lost.
fn migrate_to(
    d: &mut Driver,
    target: &str,
    target_local: Option<String>,
    fault: Option<Fault>,
) -> Option<Result<MigrationReport, (bool, String)>> {
    d.migrations += 1;
    let migration = d.migrations as u64;
    let job = d.job;
    let msg = ToAgent::Migrate {
        job,
        migration,
        target: target.to_string(),
        target_local,
        fault,
    };
    d.cluster.send(d.node, &msg).ok()?;
    match d.wait(d.node, None, |m| match m {
        FromAgent::Prepared {
            migration: x,
            report,
            ..
        } if *x == migration => Some(Ok(report.clone())),
        FromAgent::MigrationFailed {
            migration: x,
            refused,
            reason,
            ..
        } if *x == migration => Some(Err((*refused, reason.clone()))),
        _ => None,
    }) {
        Wait::Got(r) => Some(r),
        // A job cannot end while it sits idle between sections.
        Wait::Ended(..) | Wait::Lost => None,
    }
}

fn migrate(
    d: &mut Driver,
    target: usize,
    after_unit: usize,
    fault: Option<Fault>,
) -> MigrationRecord {
    let t0 = Instant::now();
    let from = d.cluster.node_spec(d.node).name.clone();
    let to = d.cluster.node_spec(target).name.clone();
    let addr = d.cluster.nodes[target].addr();
    let number = d.migrations + 1;
    let mut rec = MigrationRecord {
        number,
        after_unit,
        within_unit: false,
        from,
        to,
        ok: false,
        refused: false,
        reason: None,
        report: None,
        downtime_seconds: 0.0,
    };
    let migration = number as u64;
    let local = d.cluster.nodes[target].local();
    match migrate_to(d, &addr, local, fault) {
        None => rec.reason = Some("the source node was lost during the migration".into()),
        Some(Err((refused, reason))) => {
            rec.refused = refused;
            rec.reason = Some(reason);
        }
        Some(Ok(report)) => {
            rec.report = Some(report);
            let committed = d
                .cluster
                .send(
                    target,
                    &ToAgent::Commit {
                        job: d.job,
                        migration,
                    },
                )
                .is_ok()
                && matches!(
                    d.wait(target, Some(Duration::from_secs(30)), |m| match m {
                        FromAgent::Committed { migration: x, .. } if *x == migration => Some(()),
                        _ => None,
                    }),
                    Wait::Got(())
                );
            if committed {
                let source = d.node;
                d.node = target;
                let _ = d.cluster.send(source, &ToAgent::Release { job: d.job });
                rec.ok = true;
            } else {
                let _ = d.cluster.send(
                    target,
                    &ToAgent::Abort {
                        job: d.job,
                        migration,
                    },
                );
                rec.reason = Some(format!("node {} did not confirm the commit", rec.to));
            }
        }
    }
    rec.downtime_seconds = t0.elapsed().as_secs_f64();
    rec
}

/// The job's node is gone: restart it elsewhere from the last checkpoint.
fn recover(d: &mut Driver, plan: &JobPlan, out: &mut JobOutcome) -> Result<(usize, bool), JobEnd> {
    // A checkpoint the lost node was writing will not come.
    d.pending_checkpoint = None;
    let lost = d.node;
    let lost_name = d.cluster.node_spec(lost).name.clone();
    let Some(target) = next_node(d.cluster, lost) else {
        return Err(lost_end(
            format!("node {lost_name} was lost and no other node is up"),
            None,
        ));
    };
    let to = d.cluster.node_spec(target).name.clone();
    // Whatever the program prints again up to what it had printed is swallowed.
    let saved = d
        .cluster
        .spool
        .get(d.job)
        .and_then(|s| Some((d.checkpoint_at.get(&s.checkpoint).copied()?, s)));
    let (resume, from_checkpoint) = match saved {
        Some((at, saved)) => match replay_checkpoint(d, target, &saved) {
            Ok(()) => {
                d.skip = [
                    d.printed[0].saturating_sub(at.printed[0]),
                    d.printed[1].saturating_sub(at.printed[1]),
                ];
                d.printed = at.printed;
                (at.unit, true)
            }
            Err(e) => {
                tracing::warn!("checkpoint not usable ({e}); restarting from the start");
                restart(d, plan, target)?
            }
        },
        None => restart(d, plan, target)?,
    };
    let rec = RecoveryRecord {
        lost_node: lost_name,
        to,
        resumed_at_unit: resume.0,
        within_unit: resume.1,
        from_checkpoint,
    };
    d.obs.recovery(&rec);
    out.recoveries.push(rec);
    Ok(resume)
}

fn restart(d: &mut Driver, plan: &JobPlan, target: usize) -> Result<((usize, bool), bool), JobEnd> {
    d.skip = d.printed;
    d.printed = [0, 0];
    start_fresh(d, &plan.spec, target)?;
    Ok(((0, false), false))
}

fn replay_checkpoint(d: &mut Driver, target: usize, saved: &Saved) -> Result<(), RuntimeError> {
    let (path, lens, spec) = (&saved.path, &saved.lens, &saved.spec);
    let addr = d.cluster.nodes[target].addr();
    let mut conn = TcpStream::connect(&addr).map_err(io_err(format!("cannot reach {addr}")))?;
    handshake(
        &mut conn,
        &hello("coordinator", Role::Peer),
        &d.cluster.secret,
    )?;
    d.migrations += 1;
    let migration = d.migrations as u64;
    let head = encode_header(
        &ToPeer::Restore {
            migration,
            spec: spec.clone(),
            fault: None,
            refs: vec![None; lens.len().saturating_sub(1)],
            direct: false,
        },
        lens,
    );
    conn.write_all(&head)
        .map_err(io_err("sending a checkpoint"))?;
    let mut f = std::fs::File::open(path).map_err(io_err("spool file"))?;
    std::io::copy(&mut f, &mut conn).map_err(io_err("sending a checkpoint"))?;
    match frame::read_msg::<FromPeer>(&mut conn, &Limits::default()) {
        Ok(FromPeer::Prepared { .. }) => {}
        Ok(FromPeer::Failed { reason }) => return Err(RuntimeError::Protocol(reason)),
        Ok(FromPeer::DataChannel) => {
            return Err(RuntimeError::Protocol("unexpected data channel".into()))
        }
        Err(e) => return Err(wire_err("restoring a checkpoint")(e)),
    }
    d.node = target;
    d.cluster.send(
        target,
        &ToAgent::Commit {
            job: d.job,
            migration,
        },
    )?;
    match d.wait(target, Some(Duration::from_secs(30)), |m| match m {
        FromAgent::Committed { migration: x, .. } if *x == migration => Some(()),
        _ => None,
    }) {
        Wait::Got(()) => Ok(()),
        _ => Err(RuntimeError::Cluster("the commit was not confirmed".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(addr: &str, line: &str) {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(line.as_bytes()).unwrap();
    }

    #[test]
    fn the_rendezvous_takes_only_the_expected_token() {
        let r = Rendezvous::start("127.0.0.1").unwrap();
        let rx = r.expect("right");
        let announce = |token: &str, listen: &str| {
            serde_json::to_string(&Callback {
                token: token.into(),
                announce: AgentAnnounce {
                    listen: listen.into(),
                    local: None,
                    warnings: vec![],
                },
            })
            .unwrap()
                + "\n"
        };
        call(&r.addr, "not json\n");
        call(&r.addr, &"x".repeat(100_000));
        call(&r.addr, &announce("wrong", "10.0.0.1:1"));
        std::thread::sleep(Duration::from_millis(200));
        assert!(rx.try_recv().is_err());
        call(&r.addr, &announce("right", "127.0.0.1:7"));
        let got = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        assert_eq!(got.listen, "127.0.0.1:7");
        // A token is good once.
        call(&r.addr, &announce("right", "127.0.0.1:8"));
        std::thread::sleep(Duration::from_millis(200));
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn hosts_go_before_ports_with_brackets_for_ipv6() {
        assert_eq!(bracket("127.0.0.1"), "127.0.0.1");
        assert_eq!(bracket("::1"), "[::1]");
        assert_eq!(bracket("[::1]"), "[::1]");
        assert_eq!(bracket("login1"), "login1");
    }
}
