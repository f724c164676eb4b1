//! The cluster: the node agents it starts (processes on this host, or
//! agents in Slurm allocations that call back on a rendezvous socket), the
//! connection to each, powering virtual nodes on and off, and the reader
//! that routes each agent's messages to the job they concern.

use super::*;

pub(super) struct NodeConn {
    pub(super) spec: NodeSpec,
    /// The agent's TCP address (empty while the node is off).
    pub(super) addr: Mutex<String>,
    /// The agent's abstract Unix socket, for same-host hand-overs.
    pub(super) local: Mutex<Option<String>>,
    pub(super) writer: Mutex<Option<TcpStream>>,
    pub(super) alive: AtomicBool,
    pub(super) child: Mutex<Option<Child>>,
    /// The Slurm job the agent runs in, for a node that came from Slurm.
    pub(super) alloc: Mutex<Option<String>>,
    /// Why the last power-on failed, until the next one.
    pub(super) start_error: Mutex<Option<String>>,
    /// Held while the node is being powered on.
    pub(super) starting: Mutex<()>,
}

impl NodeConn {
    pub(super) fn addr(&self) -> String {
        self.addr.lock().unwrap().clone()
    }

    pub(super) fn local(&self) -> Option<String> {
        self.local.lock().unwrap().clone()
    }
}

pub(super) type Routes = Arc<Mutex<HashMap<u64, Sender<JobEvent>>>>;

/// Where node changes go, once someone watches ([`Cluster::watch_nodes`]).
pub(super) type Watch = Arc<Mutex<Option<Sender<NodeChange>>>>;

/// A node came or went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeChange {
    /// An agent joined an agent node (`prescient agent --server`).
    Joined(usize),
    /// A node's agent went away (it left, died, or was powered off).
    Lost(usize),
}

/// Reads the announcement a freshly started agent prints first; kills
/// and reaps it when there is none, and returns how it ended.
pub(super) fn read_announce(child: &mut Child) -> Result<AgentAnnounce, String> {
    let mut line = String::new();
    let read = child
        .stdout
        .take()
        .map(|o| BufReader::new(o).read_line(&mut line));
    match (read, serde_json::from_str(line.trim())) {
        (Some(Ok(_)), Ok(a)) => Ok(a),
        _ => {
            let _ = child.kill();
            Err(child.wait().map(|s| s.to_string()).unwrap_or_default())
        }
    }
}

/// Connects to an agent that has announced itself for node `i`; returns
/// its warnings. Shared by the nodes this process starts and the agents
/// that join it.
pub(super) fn attach_node(
    i: usize,
    node: &Arc<NodeConn>,
    announce: AgentAnnounce,
    secret: &Secret,
    local_handover: bool,
    routes: &Routes,
    watch: &Watch,
) -> Result<Vec<String>, RuntimeError> {
    let mut conn = TcpStream::connect(&announce.listen)
        .map_err(io_err(format!("cannot connect to node {}", node.spec.name)))?;
    let _ = conn.set_nodelay(true);
    handshake(&mut conn, &hello("coordinator", Role::Coordinator), secret)?;
    let reader = conn.try_clone().map_err(io_err("socket"))?;
    // Abstract Unix sockets only reach agents on this host.
    let same_host = announce
        .listen
        .parse::<std::net::SocketAddr>()
        .is_ok_and(|a| a.ip().is_loopback());
    *node.addr.lock().unwrap() = announce.listen;
    *node.local.lock().unwrap() = announce.local.filter(|_| local_handover && same_host);
    *node.writer.lock().unwrap() = Some(conn);
    node.alive.store(true, Ordering::SeqCst);
    spawn_reader(i, node.clone(), reader, routes.clone(), watch.clone());
    Ok(announce.warnings)
}

/// A running local cluster. Cheap to share between job threads.
pub struct Cluster {
    /// Every instance of the spec ([`ClusterSpec::instances`]): physical
    /// nodes run from the start, virtual ones when powered on.
    pub(super) nodes: Vec<Arc<NodeConn>>,
    pub(super) routes: Routes,
    pub(super) spool: Spool,
    pub(super) opts: ClusterOptions,
    pub warnings: Vec<String>,
    pub name: String,
    pub(super) slurm: SlurmSettings,
    pub(super) batch: Arc<dyn BatchSystem>,
    /// Started on the first Slurm power-on.
    pub(super) rendezvous: Mutex<Option<Rendezvous>>,
    /// What every connection to an agent or the spool must prove.
    pub(super) secret: Secret,
    pub(super) watch: Watch,
    /// Set once the cluster shuts down: agents no longer join.
    pub(super) closing: Arc<AtomicBool>,
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
        let secret = opts.secret.clone().unwrap_or_else(Secret::generate);
        let mut cluster = Cluster {
            nodes,
            routes: Arc::new(Mutex::new(HashMap::new())),
            spool: Spool::start(secret.clone(), opts.spool_dir.as_deref())?,
            opts: opts.clone(),
            warnings: Vec::new(),
            name,
            slurm: spec.slurm.clone().unwrap_or_default(),
            batch: Arc::new(Slurm {
                bin_dir: spec.slurm.as_ref().and_then(|s| s.bin_dir.clone()),
            }),
            rendezvous: Mutex::new(None),
            secret,
            watch: Arc::new(Mutex::new(None)),
            closing: Arc::new(AtomicBool::new(false)),
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

    pub(super) fn agent_config(&self, i: usize) -> AgentConfig {
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
            worker_uids: Some(worker_uids(&self.name)),
            warm: opts.warm,
            features: n.features.clone(),
            announce_to: None,
            token: None,
        }
    }

    pub(super) fn spawn_agent(&self, i: usize) -> Result<Child, RuntimeError> {
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
    pub(super) fn connect(&self, i: usize, mut child: Child) -> Result<Vec<String>, RuntimeError> {
        let node = &self.nodes[i];
        let announce = match read_announce(&mut child) {
            Ok(a) => a,
            Err(status) => {
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
    pub(super) fn attach(
        &self,
        i: usize,
        announce: AgentAnnounce,
    ) -> Result<Vec<String>, RuntimeError> {
        attach_node(
            i,
            &self.nodes[i],
            announce,
            &self.secret,
            self.opts.local_handover,
            &self.routes,
            &self.watch,
        )
    }

    /// Powers a Slurm node on: submits its allocation and waits for the
    /// agent in it to call back.
    pub(super) fn start_in_slurm(&self, i: usize) -> Result<(), RuntimeError> {
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
    pub(super) fn stop_node(&self, i: usize) {
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

    /// Changes of the nodes from now on: agents joining and nodes lost.
    /// Agent nodes already joined are reported first. One watcher at a time.
    pub fn watch_nodes(&self) -> Receiver<NodeChange> {
        let (tx, rx) = mpsc::channel();
        let mut g = self.watch.lock().unwrap();
        for (i, n) in self.nodes.iter().enumerate() {
            if n.spec.kind == NodeKind::Agent && n.alive.load(Ordering::SeqCst) {
                let _ = tx.send(NodeChange::Joined(i));
            }
        }
        *g = Some(tx);
        rx
    }

    pub fn is_alive(&self, i: usize) -> bool {
        self.nodes[i].alive.load(Ordering::SeqCst)
    }

    pub(super) fn send(&self, node: usize, msg: &ToAgent) -> Result<(), RuntimeError> {
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

    pub(super) fn subscribe(&self, job: u64) -> Receiver<JobEvent> {
        let (tx, rx) = mpsc::channel();
        self.routes.lock().unwrap().insert(job, tx);
        rx
    }

    pub(super) fn unsubscribe(&self, job: u64) {
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
        self.closing.store(true, Ordering::SeqCst);
        for i in 0..self.nodes.len() {
            let _ = self.send(i, &ToAgent::Shutdown);
            self.stop_node(i);
        }
        self.spool.clear();
        crate::sandbox::remove_cluster_groups(&self.name);
    }
}

/// Waits a little for an agent told to shut down, then kills it.
pub(super) fn stop_child(n: &NodeConn) {
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
pub(super) fn bracket(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

pub(super) type Waiting = Arc<Mutex<HashMap<String, Sender<AgentAnnounce>>>>;

/// The socket agents started elsewhere call back on. Each power-on expects
/// one token; a caller with another token, or none, is dropped.
pub(super) struct Rendezvous {
    pub(super) addr: String,
    pub(super) waiting: Waiting,
}

impl Rendezvous {
    pub(super) fn start(host: &str) -> Result<Rendezvous, RuntimeError> {
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

    pub(super) fn expect(&self, token: &str) -> Receiver<AgentAnnounce> {
        let (tx, rx) = mpsc::channel();
        self.waiting.lock().unwrap().insert(token.to_string(), tx);
        rx
    }

    pub(super) fn forget(&self, token: &str) {
        self.waiting.lock().unwrap().remove(token);
    }
}

pub(super) fn spawn_reader(
    index: usize,
    node: Arc<NodeConn>,
    mut r: TcpStream,
    routes: Routes,
    watch: Watch,
) {
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
        if let Some(tx) = watch.lock().unwrap().as_ref() {
            let _ = tx.send(NodeChange::Lost(index));
        }
    });
}

/// The uids the jobs of cluster `name` take, one each: a block of 65,536
/// from 200,000 up (clear of the system's users and of those `useradd`
/// hands out), the same on all its nodes, since a job keeps its uid when it
/// moves. Another cluster on the same host (its name is its coordinator's
/// pid) starts its block elsewhere, with a small chance of meeting this one.
pub fn worker_uids(name: &str) -> (u32, u32) {
    const FIRST: u32 = 200_000;
    const PER_CLUSTER: u32 = 65_536;
    const BLOCKS: u32 = 1024;
    let h = name.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (FIRST + (h % BLOCKS) * PER_CLUSTER, PER_CLUSTER)
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
