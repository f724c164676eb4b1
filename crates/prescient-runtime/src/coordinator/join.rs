//! Agents that join: the nodes of kind `agent` are not started by the
//! coordinator. An operator runs `prescient agent --server ADDR` (on this
//! host or another); it connects to the coordinator's join socket, proves the
//! cluster's secret, and asks for a node. The coordinator answers with that
//! node's agent configuration; the joiner starts the agent with it and sends
//! back the agent's announcement; the coordinator connects to the agent as it
//! does to any other, and the node is up until that agent goes away.
//!
//! The join socket speaks the agents' frame format and handshake: nothing is
//! read from a caller before it has proved the secret, and every message is
//! bounded.

use super::cluster::{attach_node, NodeChange, NodeConn, Routes, Watch};
use super::*;
use std::collections::HashSet;
use std::net::IpAddr;

/// What a joiner asks for.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
pub struct JoinRequest {
    /// The node to be; `None`: the first free agent node that fits.
    pub node: Option<String>,
    /// The joiner's host: a node larger than it is refused.
    pub host_cores: f64,
    pub host_memory: u64,
}

/// What the coordinator answers.
#[derive(Clone, Debug, Serialize, serde::Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum JoinReply {
    /// Start an agent with this configuration and send its announcement.
    Config { config: Box<AgentConfig> },
    /// The node is up.
    Joined { node: String, warnings: Vec<String> },
    Refused {
        reason: String,
        /// The node (or every node) has an agent: one may leave, or the
        /// server may not have seen a dead one go yet.
        #[serde(default)]
        busy: bool,
    },
}

/// Why a join did not happen.
#[derive(Debug, thiserror::Error)]
pub enum JoinError {
    /// The coordinator said no (a wrong node name, a node bigger than this
    /// host, another secret): trying again will not help.
    #[error("{0}")]
    Refused(String),
    /// Every node it could take has an agent: worth trying again later.
    #[error("{0}")]
    Busy(String),
    /// It could not be reached, or the exchange broke: worth trying again.
    #[error(transparent)]
    Failed(#[from] RuntimeError),
}

/// A joined agent: its node and its process, which runs until the
/// coordinator lets it go (or goes away).
pub struct Joined {
    pub node: String,
    pub warnings: Vec<String>,
    pub child: Child,
}

/// How the joiner starts its agent: `exe arg CONFIG-JSON`, with the
/// worker environment of the joiner's host.
pub struct Launcher {
    pub exe: PathBuf,
    pub arg: String,
    pub python: PathBuf,
    pub harness_dir: PathBuf,
}

/// Limits for join messages: small JSON headers, no blobs.
fn small() -> Limits {
    Limits {
        max_header: 64 << 10,
        max_blobs: 0,
        max_blob_bytes: 0,
    }
}

/// Joins the coordinator at `addr` as an agent node.
pub fn join(
    addr: &str,
    secret: &Secret,
    request: &JoinRequest,
    launcher: &Launcher,
) -> Result<Joined, JoinError> {
    let mut conn =
        TcpStream::connect(addr).map_err(io_err(format!("cannot reach the server at {addr}")))?;
    let _ = conn.set_read_timeout(Some(Duration::from_secs(180)));
    match handshake(&mut conn, &hello("joiner", Role::Peer), secret) {
        Ok(_) => {}
        // Another protocol version, or the other side's proof does not hold
        // under our secret: trying again changes neither.
        Err(RuntimeError::Protocol(m)) => {
            return Err(JoinError::Refused(if m.contains("secret") {
                "the agent secret is not the server's".into()
            } else {
                m
            }))
        }
        Err(e) => return Err(e.into()),
    }
    frame::write_msg(&mut conn, request).map_err(wire_err("join request"))?;
    let mut config = match frame::read_msg::<JoinReply>(&mut conn, &small()) {
        Ok(JoinReply::Config { config }) => *config,
        Ok(JoinReply::Refused { reason, busy }) => {
            return Err(if busy {
                JoinError::Busy(reason)
            } else {
                JoinError::Refused(reason)
            })
        }
        Ok(JoinReply::Joined { .. }) => {
            return Err(RuntimeError::Protocol("joined before an agent started".into()).into())
        }
        Err(e) => return Err(wire_err("join reply")(e).into()),
    };
    // The worker environment is this host's, wherever the coordinator is.
    config.python = launcher.python.clone();
    config.harness_dir = launcher.harness_dir.clone();
    let json = serde_json::to_string(&config).unwrap_or_default();
    let mut cmd = Command::new(&launcher.exe);
    cmd.arg(&launcher.arg)
        .arg(json)
        .env(auth::SECRET_ENV, secret.expose())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    // SAFETY: prctl only; the agent (and with it its workers) ends with
    // the joiner, whichever way the joiner ends.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    let mut child = cmd.spawn().map_err(io_err(format!(
        "cannot start the agent ({})",
        launcher.exe.display()
    )))?;
    let announce = super::cluster::read_announce(&mut child).map_err(|status| {
        JoinError::from(RuntimeError::Cluster(format!(
            "the agent did not start ({status})"
        )))
    })?;
    let fail = |child: &mut Child, e: JoinError| {
        let _ = child.kill();
        let _ = child.wait();
        e
    };
    if let Err(e) = frame::write_msg(&mut conn, &announce) {
        return Err(fail(&mut child, wire_err("announcement")(e).into()));
    }
    match frame::read_msg::<JoinReply>(&mut conn, &small()) {
        Ok(JoinReply::Joined { node, warnings }) => Ok(Joined {
            node,
            warnings,
            child,
        }),
        Ok(JoinReply::Refused { reason, .. }) => Err(fail(&mut child, JoinError::Refused(reason))),
        Ok(JoinReply::Config { .. }) => Err(fail(
            &mut child,
            RuntimeError::Protocol("a second configuration".into()).into(),
        )),
        Err(e) => Err(fail(&mut child, wire_err("join reply")(e).into())),
    }
}

/// The coordinator's side: everything a join needs, shared with the
/// cluster.
struct Joiner {
    nodes: Vec<Arc<NodeConn>>,
    /// The agent configuration of each agent node (None: not an agent node).
    configs: Vec<Option<AgentConfig>>,
    routes: Routes,
    watch: Watch,
    secret: Secret,
    local_handover: bool,
    /// Nodes a join is under way for.
    joining: Mutex<HashSet<usize>>,
    closing: Arc<AtomicBool>,
}

impl Cluster {
    /// Opens the socket agents join on (`listen`, e.g. `0.0.0.0:7879`);
    /// returns the address it took. Joins are answered until the process
    /// ends.
    pub fn accept_agents(&self, listen: &str) -> Result<String, RuntimeError> {
        let l = TcpListener::bind(listen).map_err(io_err(format!(
            "cannot open the join socket for agents on {listen}"
        )))?;
        let addr = l
            .local_addr()
            .map_err(io_err("join socket address"))?
            .to_string();
        let j = Arc::new(Joiner {
            nodes: self.nodes.clone(),
            configs: (0..self.nodes.len())
                .map(|i| (self.nodes[i].spec.kind == NodeKind::Agent).then(|| self.agent_config(i)))
                .collect(),
            routes: self.routes.clone(),
            watch: self.watch.clone(),
            secret: self.secret.clone(),
            local_handover: self.opts.local_handover,
            joining: Mutex::new(HashSet::new()),
            closing: self.closing.clone(),
        });
        std::thread::spawn(move || {
            for conn in l.incoming() {
                let Ok(conn) = conn else { continue };
                // Dropped unanswered: the joiner tries again, and finds
                // the server that comes next.
                if j.closing.load(Ordering::SeqCst) {
                    continue;
                }
                let j = j.clone();
                std::thread::spawn(move || {
                    let peer = conn.peer_addr().map(|a| a.to_string()).unwrap_or_default();
                    if let Err(e) = j.serve(conn) {
                        tracing::warn!("join from {peer}: {e}");
                    }
                });
            }
        });
        Ok(addr)
    }
}

impl Joiner {
    fn serve(&self, mut conn: TcpStream) -> Result<(), RuntimeError> {
        let _ = conn.set_read_timeout(Some(Duration::from_secs(10)));
        let peer = conn.peer_addr().map_err(io_err("join socket"))?.ip();
        handshake(&mut conn, &hello("server", Role::Agent), &self.secret)?;
        let req: JoinRequest =
            frame::read_msg(&mut conn, &small()).map_err(wire_err("join request"))?;
        let i = match self.claim(&req) {
            Ok(i) => i,
            Err((reason, busy)) => {
                let _ = frame::write_msg(&mut conn, &JoinReply::Refused { reason, busy });
                return Ok(());
            }
        };
        let out = self.join_node(i, peer, &mut conn);
        self.joining.lock().unwrap().remove(&i);
        let reply = match out {
            Ok(warnings) => {
                // Told under the watch's lock: a watcher that starts now
                // either finds the node alive or hears of it here.
                if let Some(tx) = self.watch.lock().unwrap().as_ref() {
                    let _ = tx.send(NodeChange::Joined(i));
                }
                tracing::info!("node {} joined from {peer}", self.nodes[i].spec.name);
                JoinReply::Joined {
                    node: self.nodes[i].spec.name.clone(),
                    warnings,
                }
            }
            Err(e) => JoinReply::Refused {
                reason: format!("node {}: {e}", self.nodes[i].spec.name),
                busy: false,
            },
        };
        frame::write_msg(&mut conn, &reply).map_err(wire_err("join reply"))
    }

    /// Picks the node the request asks for, or the first free one that
    /// fits; marks it as joining. A refusal says whether it is only that
    /// the nodes are taken (`busy`).
    fn claim(&self, req: &JoinRequest) -> Result<usize, (String, bool)> {
        let refuse = |reason: String| Err((reason, false));
        let busy = |reason: String| Err((reason, true));
        let mut joining = self.joining.lock().unwrap();
        let free = |i: usize| {
            self.configs[i].is_some()
                && !self.nodes[i].alive.load(Ordering::SeqCst)
                && !joining.contains(&i)
        };
        let fits = |i: usize| {
            let s = &self.nodes[i].spec;
            s.cores <= req.host_cores + 1e-9 && s.memory <= req.host_memory
        };
        let agent_nodes: Vec<&str> = (0..self.nodes.len())
            .filter(|&i| self.configs[i].is_some())
            .map(|i| self.nodes[i].spec.name.as_str())
            .collect();
        let host = format!(
            "this host has {} cores and {}",
            req.host_cores,
            crate::agent::human_bytes(req.host_memory)
        );
        let i = match &req.node {
            Some(name) => {
                let Some(i) = self.nodes.iter().position(|n| &n.spec.name == name) else {
                    return refuse(format!(
                        "there is no node {name} (agent nodes: {})",
                        agent_nodes.join(", ")
                    ));
                };
                if self.configs[i].is_none() {
                    return refuse(format!(
                        "node {name} is not an agent node (the server runs it itself)"
                    ));
                }
                if !free(i) {
                    return busy(format!("node {name} already has an agent"));
                }
                if !fits(i) {
                    let s = &self.nodes[i].spec;
                    return refuse(format!(
                        "node {name} has {} cores and {}, more than {host}",
                        s.cores,
                        crate::agent::human_bytes(s.memory)
                    ));
                }
                i
            }
            None => {
                if agent_nodes.is_empty() {
                    return refuse("the server's cluster has no agent nodes".into());
                }
                match (0..self.nodes.len()).find(|&i| free(i) && fits(i)) {
                    Some(i) => i,
                    None if (0..self.nodes.len()).any(free) => {
                        return refuse(format!("no free agent node fits: {host}"))
                    }
                    None => {
                        return busy(format!(
                            "every agent node already has an agent ({})",
                            agent_nodes.join(", ")
                        ))
                    }
                }
            }
        };
        joining.insert(i);
        Ok(i)
    }

    /// Sends node `i`'s configuration, takes the agent's announcement and
    /// connects to it.
    fn join_node(
        &self,
        i: usize,
        peer: IpAddr,
        conn: &mut TcpStream,
    ) -> Result<Vec<String>, RuntimeError> {
        let mut config = self.configs[i].clone().expect("claimed an agent node");
        // An agent on this host listens on loopback only; one elsewhere on
        // every address, and is reached at the address it joined from.
        config.listen = if peer.is_loopback() {
            "127.0.0.1:0".into()
        } else {
            "0.0.0.0:0".into()
        };
        frame::write_msg(
            conn,
            &JoinReply::Config {
                config: Box::new(config),
            },
        )
        .map_err(wire_err("join reply"))?;
        // The agent starts a warm worker before it announces itself.
        let _ = conn.set_read_timeout(Some(Duration::from_secs(150)));
        let mut announce: AgentAnnounce =
            frame::read_msg(conn, &small()).map_err(wire_err("announcement"))?;
        if !peer.is_loopback() {
            let port = announce
                .listen
                .rsplit_once(':')
                .map(|(_, p)| p.to_string())
                .ok_or_else(|| RuntimeError::Protocol("an announcement without a port".into()))?;
            announce.listen = match peer {
                IpAddr::V4(ip) => format!("{ip}:{port}"),
                IpAddr::V6(ip) => format!("[{ip}]:{port}"),
            };
        }
        attach_node(
            i,
            &self.nodes[i],
            announce,
            &self.secret,
            self.local_handover,
            &self.routes,
            &self.watch,
        )
    }
}
