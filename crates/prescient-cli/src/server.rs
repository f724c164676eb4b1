//! `prescient server`: a long-running coordinator many users submit to.
//!
//! It owns the cluster (the embedded nodes of the cluster spec, as
//! `prescient run` starts them, and the spec's `agent` nodes, filled by
//! `prescient agent` processes that join on the socket `--agents` names;
//! see `agent.rs`), the planner (the proactive policy, through
//! the same event loop as `prescient replay`: `prescient-engine`), the
//! history database, and a durable job queue in SQLite
//! (`prescient_store::queue`, `server.db` in the state directory).
//!
//! Users reach it over HTTP with a bearer token (`prescient user add NAME`
//! prints one): the `prescient submit | jobs | status | logs | cancel`
//! commands use the API below, and anything else can too.
//!
//! | method and path | what |
//! |---|---|
//! | `POST /api/jobs` | submit `{file, source, args, cwd}`: analysed and predicted at once; `201` with the job |
//! | `GET /api/jobs[?state=S][&after=ID][&limit=N]` | the caller's jobs by id, a page at a time (`after`: the last id of the page before) |
//! | `GET /api/jobs/ID` | one job: state, node, attempts, prediction, measured units |
//! | `GET /api/jobs/ID/logs?offset=N` | its output from byte `N`; headers `X-Prescient-Offset` (the next offset) and `X-Prescient-State` |
//! | `POST /api/jobs/ID/cancel` | cancels a queued or running job |
//! | `GET /api/health` | `ok` |
//! | `GET /` | the dashboard (a page that asks for the token, or takes it as `#token=...`) |
//! | `GET /api/dashboard` | what it shows: counts by state, the nodes with the jobs running on each and what the planner reserved there over time (start and end from now, cores, memory; another user's job without its id), the caller's latest 100 jobs with each section predicted against measured |
//! | `GET /metrics` | Prometheus text: jobs by state, kills, migrations, submissions, nodes up, node-seconds and node starts, the planner's time, predicted against actual (`accuracy.rs`) |
//!
//! A job of another user is answered `404`, as one that does not exist.
//!
//! Nothing is lost when the server is killed: a job is stored before its id
//! is returned, and on start the jobs it was running go back in the queue.
//! A running job's recovery checkpoints (every `--checkpoint-every` seconds
//! of its run) are linked into `checkpoints/` with the length its log had
//! at that point; a requeued job resumes from its last one, its log cut
//! back to it, so no output is lost or repeated. Without one it starts
//! again from its beginning.

use crate::Failure;
use anyhow::{anyhow, Context};
use prescient_engine::{Host, Notice};
use prescient_model::NodeProfile;
use prescient_plan::calendar::Reservation;
use prescient_plan::{Declared, Forecast, JobId, JobInfo, Kill};
use prescient_runtime::agent::human_bytes;
use prescient_runtime::coordinator::{Cluster, JobPlan, Observer, Resumable};
use prescient_store::queue::{JobState, NewJob, ServerDb, UnitRow};
use prescient_store::{Demand, SectionRun};
use prescient_wire::{JobSpec, Stream};
use std::collections::HashMap;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

/// Largest request body accepted: a source file at the analyser's limit,
/// JSON-escaped, with room for arguments.
const MAX_BODY: usize = 2 * prescient_analyse::MAX_SOURCE_BYTES + (1 << 20);

/// Reservations per node the dashboard shows at most.
const MAX_SHOWN_RESERVATIONS: usize = 200;

/// Threads answering HTTP requests.
const HTTP_THREADS: usize = 4;

/// The least share of a core a job is planned with. A job is a worker
/// process of its own: one that mostly waits (sleeps, reads) still costs a
/// process start and scheduling, and a node given hundreds of them at once
/// (a forecast of nearly no CPU each) spends its time starting workers. At
/// most four jobs share a core.
const MIN_CORES_PER_JOB: f64 = 0.25;

/// A forecast as the server plans with it (see [`MIN_CORES_PER_JOB`]).
fn with_core_floor(mut f: Forecast) -> Forecast {
    for s in &mut f.sections {
        s.cores = s.cores.max(MIN_CORES_PER_JOB);
    }
    f
}

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (port 0 picks a free port; the address taken
    /// is written to `server.addr` in the state directory).
    #[arg(long, default_value = "127.0.0.1:7878")]
    listen: String,
    /// Where the server keeps its queue, users and job logs (default: the
    /// data directory's `server/`).
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// Cluster spec (TOML); the default is this host as one node.
    #[arg(long, value_name = "FILE")]
    cluster: Option<PathBuf>,
    /// Use this Python interpreter as the worker environment instead of the managed one.
    #[arg(long, value_name = "PATH")]
    python: Option<PathBuf>,
    /// Where agents join (`prescient agent`), when the cluster spec has
    /// nodes of kind `agent` (port 0 picks a free port; the address taken
    /// is written to `agents.addr` in the state directory). Use an
    /// address other hosts reach for agents elsewhere.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    agents: String,
    /// Take a recovery checkpoint of each running job after this many
    /// seconds of its run (0: never). A job on a node that dies, or running
    /// when the server is killed, resumes from its last one.
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    checkpoint_every: f64,
}

/// The file in the state directory naming where agents join.
pub const AGENTS_ADDR: &str = "agents.addr";
/// The file in the state directory holding the secret agents prove.
pub const AGENT_SECRET: &str = "agent.secret";

#[derive(clap::Args)]
pub struct UserArgs {
    #[command(subcommand)]
    action: UserAction,
}

#[derive(clap::Subcommand)]
enum UserAction {
    /// Add a user (or give one a new token); prints the token, which is
    /// stored only as a hash.
    Add {
        name: String,
        /// The server's state directory (default: the data directory's `server/`).
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
    },
    /// List the users.
    List {
        #[arg(long, value_name = "DIR")]
        state: Option<PathBuf>,
    },
}

pub fn state_dir(p: Option<PathBuf>) -> PathBuf {
    p.unwrap_or_else(|| prescient_pyenv::data_home().join("server"))
}

fn open_db(dir: &Path) -> Result<ServerDb, Failure> {
    ServerDb::open(&dir.join("server.db")).map_err(Failure::internal)
}

/// A fresh token: 24 random bytes from the kernel, as hex.
fn new_token() -> Result<String, Failure> {
    let mut b = [0u8; 24];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .context("cannot read /dev/urandom")
        .map_err(Failure::internal)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// The secret agents prove when they join: drawn at the first start and
/// kept (readable by the server's user only), so agents can join again
/// after a restart.
fn agent_secret(dir: &Path) -> Result<prescient_runtime::auth::Secret, Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(AGENT_SECRET);
    match std::fs::read_to_string(&path) {
        Ok(t) if !t.trim().is_empty() => {
            return Ok(prescient_runtime::auth::Secret::new(t.trim()));
        }
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Failure::internal(
                anyhow!(e).context(format!("cannot read {}", path.display())),
            ))
        }
    }
    let secret = prescient_runtime::auth::Secret::generate();
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .and_then(|mut f| f.write_all(format!("{}\n", secret.expose()).as_bytes()));
    written
        .with_context(|| format!("cannot write {}", path.display()))
        .map_err(Failure::internal)?;
    Ok(secret)
}

pub fn user(a: UserArgs) -> Result<(), Failure> {
    match a.action {
        UserAction::Add { name, state } => {
            let valid = !name.is_empty()
                && name.len() <= 64
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
            if !valid {
                return Err(Failure::input(anyhow!(
                    "user name {name:?}: use 1-64 letters, digits, '-', '_' or '.'"
                )));
            }
            let db = open_db(&state_dir(state))?;
            let token = new_token()?;
            db.set_user(&name, &token).map_err(Failure::internal)?;
            crate::analyze::write_stdout(&format!("{token}\n"))
        }
        UserAction::List { state } => {
            let db = open_db(&state_dir(state))?;
            let users = db.users().map_err(Failure::internal)?;
            crate::analyze::write_stdout(
                &users.iter().map(|u| format!("{u}\n")).collect::<String>(),
            )
        }
    }
}

/// Set by SIGINT/SIGTERM: the server stops (its running jobs go back in
/// the queue at the next start).
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// What the HTTP threads and the event loop share.
struct Shared {
    db: Mutex<ServerDb>,
    profile: NodeProfile,
    worker_rss: f64,
    /// Memory of the largest node, as the planner sees it.
    largest_node: f64,
    /// The nodes as the planner sees them: name, cores, memory.
    nodes: Vec<(String, f64, f64)>,
    /// Per node: since when it is on (on the loop's clock), and the
    /// seconds it was on before.
    power: Mutex<Vec<(Option<f64>, f64)>>,
    threads: u32,
    store: Mutex<prescient_store::Store>,
    logs: PathBuf,
    submitted: Mutex<Sender<JobInfo>>,
    cancelled: Mutex<Sender<JobId>>,
    /// Clock of the event loop: submissions are stamped on it.
    t0: std::time::Instant,
    /// Seconds between a running job's recovery checkpoints (None: never).
    checkpoint_every: Option<f64>,
    /// Where the checkpoints jobs may resume from are kept (links to the
    /// spool's files, which the spool replaces and removes).
    checkpoints: PathBuf,
    /// What the planner has promised on each node, as it last said (times
    /// on the loop's clock).
    reservations: Mutex<Vec<Vec<Reservation>>>,
    /// Predicted against measured, over the jobs that ran to their end.
    accuracy: Mutex<crate::accuracy::Accuracy>,
    counters: Counters,
}

#[derive(Default)]
struct Counters {
    submissions: AtomicU64,
    oom_kills: AtomicU64,
    limit_kills: AtomicU64,
    /// Jobs started again because their node went away.
    node_lost_kills: AtomicU64,
    migrations: AtomicU64,
    /// Microseconds of migration downtime.
    downtime_us: AtomicU64,
    /// Events the planner took in, the microseconds it took, the longest
    /// pass in microseconds, and jobs waiting at the last pass.
    planner_events: AtomicU64,
    planner_us: AtomicU64,
    planner_max_us: AtomicU64,
    waiting: AtomicU64,
    node_starts: AtomicU64,
}

impl Shared {
    fn db(&self) -> std::sync::MutexGuard<'_, ServerDb> {
        self.db.lock().unwrap_or_else(|p| p.into_inner())
    }
}

pub fn run(a: Args) -> Result<(), Failure> {
    let dir = state_dir(a.state);
    std::fs::create_dir_all(dir.join("logs"))
        .with_context(|| format!("cannot create {}", dir.display()))
        .map_err(Failure::input)?;
    // Kept paths (checkpoints) must not depend on where it was started.
    let dir = dir
        .canonicalize()
        .with_context(|| format!("cannot resolve {}", dir.display()))
        .map_err(Failure::input)?;
    // The queue and the jobs' logs are the server's: no job's worker (each
    // runs as a user of its own) may read another's output or the tokens.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("cannot restrict {}", dir.display()))
            .map_err(Failure::input)?;
    }
    let db = open_db(&dir)?;
    let requeued = db.requeue_running().map_err(Failure::internal)?;
    let spec = crate::run::cluster_spec(a.cluster.as_deref())?;
    let env = crate::node::env(a.python.clone())?;
    let store = crate::node::open_store()?;
    let profile = crate::node::profile(&env, &store)?;
    let worker_rss = crate::catalog::worker_rss(&profile);
    let threads = spec
        .physical()
        .next()
        .map_or(1, |n| n.cores.round().max(1.0) as u32);
    let nodes = crate::node::planned_nodes(&spec, worker_rss);
    let mut opts = crate::node::cluster_options(&env, true)?;
    opts.secret = Some(agent_secret(&dir)?);
    // The spool of a server killed before is of no use: what jobs resume
    // from is linked in `checkpoints/`.
    let _ = std::fs::remove_dir_all(dir.join("spool"));
    for sub in ["spool", "checkpoints"] {
        std::fs::create_dir_all(dir.join(sub))
            .with_context(|| format!("cannot create {}", dir.join(sub).display()))
            .map_err(Failure::internal)?;
    }
    opts.spool_dir = Some(dir.join("spool"));
    let http = tiny_http::Server::http(&a.listen)
        .map_err(|e| Failure::input(anyhow!("cannot listen on {}: {e}", a.listen)))?;
    let addr = http
        .server_addr()
        .to_ip()
        .map(|s| s.to_string())
        .unwrap_or_else(|| a.listen.clone());
    let cluster = Cluster::start(&spec, &opts).map_err(Failure::internal)?;
    let joins = spec
        .nodes
        .iter()
        .any(|n| n.kind == prescient_model::cluster::NodeKind::Agent);
    let agents_at = if joins {
        // The port taken before, if any: agents that wait to join again
        // find the server where it was.
        let before = std::fs::read_to_string(dir.join(AGENTS_ADDR))
            .ok()
            .map(|t| t.trim().to_string())
            .filter(|old| {
                a.agents.ends_with(":0")
                    && old.rsplit_once(':').map(|(h, _)| h)
                        == a.agents.rsplit_once(':').map(|(h, _)| h)
            });
        let at = match before.map(|old| cluster.accept_agents(&old)) {
            Some(Ok(at)) => at,
            _ => cluster
                .accept_agents(&a.agents)
                .map_err(|e| Failure::input(anyhow!(e.to_string())))?,
        };
        std::fs::write(dir.join(AGENTS_ADDR), format!("{at}\n"))
            .with_context(|| format!("cannot write {}", dir.join(AGENTS_ADDR).display()))
            .map_err(Failure::internal)?;
        Some(at)
    } else {
        None
    };
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        for sig in [libc::SIGINT, libc::SIGTERM] {
            libc::signal(sig, on_stop as *const () as libc::sighandler_t);
        }
    }
    let (sub_tx, sub_rx) = mpsc::channel();
    let (cancel_tx, cancel_rx) = mpsc::channel();
    let shared = Arc::new(Shared {
        db: Mutex::new(db),
        profile,
        worker_rss,
        largest_node: nodes.iter().map(|n| n.capacity.memory).fold(0.0, f64::max),
        nodes: cluster
            .node_names()
            .into_iter()
            .zip(&nodes)
            .map(|(name, n)| (name, n.capacity.cores, n.capacity.memory))
            .collect(),
        // Nodes that are not elastic are on from the start.
        power: Mutex::new(
            nodes
                .iter()
                .map(|n| ((!n.elastic && !n.joins).then_some(0.0), 0.0))
                .collect(),
        ),
        threads,
        store: Mutex::new(store),
        logs: dir.join("logs"),
        submitted: Mutex::new(sub_tx),
        cancelled: Mutex::new(cancel_tx),
        t0: std::time::Instant::now(),
        reservations: Mutex::new(Vec::new()),
        accuracy: Mutex::default(),
        checkpoint_every: (a.checkpoint_every.is_finite() && a.checkpoint_every > 0.0)
            .then_some(a.checkpoint_every),
        checkpoints: dir.join("checkpoints"),
        counters: Counters::default(),
    });
    // Jobs left queued (and those requeued) enter the loop first, in order.
    let waiting = shared.db().queued().map_err(Failure::internal)?;
    let mut initial = Vec::new();
    for id in waiting {
        match job_info(&shared, id) {
            Ok(info) => initial.push(info),
            Err(e) => {
                let _ = shared.db().finish(id, JobState::Failed, None, Some(&e), 0);
            }
        }
    }
    let http = Arc::new(http);
    for _ in 0..HTTP_THREADS {
        let http = http.clone();
        let shared = shared.clone();
        std::thread::spawn(move || serve(&http, &shared));
    }
    // Written aside and renamed into place, so that whoever waits for the
    // file never reads it half written (an empty address).
    let addr_file = dir.join("server.addr");
    let partial = dir.join("server.addr.partial");
    std::fs::write(&partial, format!("{addr}\n"))
        .and_then(|()| std::fs::rename(&partial, &addr_file))
        .with_context(|| format!("cannot write {}", addr_file.display()))
        .map_err(Failure::internal)?;
    eprintln!(
        "prescient server listening on http://{addr} ({} nodes{}, {} jobs waiting{})",
        nodes.len(),
        agents_at
            .map(|at| format!("; agents join at {at}"))
            .unwrap_or_default(),
        initial.len(),
        if requeued.is_empty() {
            String::new()
        } else {
            format!(", {} of them requeued after a restart", requeued.len())
        }
    );
    let mut policy = prescient_plan::policies::by_name("proactive", nodes.clone())
        .ok_or_else(|| Failure::internal(anyhow!("the proactive policy is missing")))?;
    let mut host = ServerHost {
        shared: shared.clone(),
        initial,
        sub_rx,
        cancel_rx,
        attempts: HashMap::new(),
        cancelling: std::collections::HashSet::new(),
        node_names: cluster.node_names(),
        node_memory: nodes.iter().map(|n| n.capacity.memory as u64).collect(),
        resuming: Mutex::new(HashMap::new()),
    };
    let out = prescient_engine::run(
        "proactive",
        policy.as_mut(),
        &cluster,
        &nodes,
        &mut host,
        f64::INFINITY,
    );
    cluster.shutdown();
    http.unblock();
    out.map(|_| ()).map_err(Failure::internal)?;
    eprintln!("prescient server stopped");
    Ok(())
}

/// What the loop needs of a queued job: its id and forecast.
fn job_info(shared: &Shared, id: i64) -> Result<JobInfo, String> {
    let row = shared
        .db()
        .job(id, None)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("job {id} vanished"))?;
    let forecast: Forecast = serde_json::from_value(row.prediction["forecast"].clone())
        .map_err(|e| format!("job {id}: stored forecast unreadable: {e}"))?;
    Ok(info_of(shared, id, forecast))
}

/// A job as the planner sees it, submitted now. The key (jobs that share
/// it learn from each other's runs) is the job itself: the history already
/// gave its forecast what earlier runs of the same code measured.
fn info_of(shared: &Shared, id: i64, forecast: Forecast) -> JobInfo {
    JobInfo {
        id: id as JobId,
        submit: shared.t0.elapsed().as_secs_f64(),
        priority: 0,
        deadline: None,
        declared: Declared::default(),
        forecast: with_core_floor(forecast),
        key: id as u32,
    }
}

struct ServerHost {
    shared: Arc<Shared>,
    initial: Vec<JobInfo>,
    sub_rx: Receiver<JobInfo>,
    cancel_rx: Receiver<JobId>,
    attempts: HashMap<JobId, u32>,
    cancelling: std::collections::HashSet<JobId>,
    node_names: Vec<String>,
    node_memory: Vec<u64>,
    /// Jobs whose first attempt here resumes from a checkpoint: what they
    /// had printed by it.
    resuming: Mutex<HashMap<JobId, [u64; 2]>>,
}

impl Host for ServerHost {
    fn submissions(&mut self, now: f64) -> Vec<JobInfo> {
        let mut out = std::mem::take(&mut self.initial);
        out.extend(self.sub_rx.try_iter());
        for j in &mut out {
            j.submit = j.submit.min(now);
        }
        out
    }

    fn closed(&self) -> bool {
        false
    }

    fn stopping(&self) -> bool {
        STOP.load(Ordering::SeqCst)
    }

    fn cancellations(&mut self) -> Vec<JobId> {
        let ids: Vec<JobId> = self.cancel_rx.try_iter().collect();
        self.cancelling.extend(ids.iter().copied());
        ids
    }

    fn plan(&self, job: JobId, attempt: u32, node: usize) -> JobPlan {
        let prescient_store::queue::Program {
            file,
            source,
            args,
            cwd,
        } = match self.shared.db().program(job as i64) {
            Ok(Some(p)) => p,
            // Its program cannot be read back: the attempt says so and ends
            // with an error, rather than running something else.
            failed => prescient_store::queue::Program {
                file: format!("job-{job}.py"),
                source: format!(
                    "raise SystemExit('prescient: the program of job {job} cannot be read from the queue: {}')\n",
                    match failed {
                        Err(e) => e.to_string().replace(['\'', '\\', '\n'], " "),
                        _ => "it is missing".to_string(),
                    }
                ),
                args: vec![],
                cwd: "/".into(),
            },
        };
        let mut argv = vec![file.clone()];
        argv.extend(args);
        let units = analysed_units(&source, &file, &argv[1..], &cwd, self.shared.worker_rss);
        let abs = if Path::new(&file).is_absolute() {
            file.clone()
        } else {
            format!("{cwd}/{file}")
        };
        let threads = self.shared.threads.to_string();
        let mut plan = prescient_engine::attempt_plan(
            JobSpec {
                job: prescient_engine::runtime_id(job, attempt),
                file: abs,
                source,
                argv,
                cwd,
                units,
                env: vec![
                    ("OMP_NUM_THREADS".into(), threads.clone()),
                    ("OPENBLAS_NUM_THREADS".into(), threads),
                ],
                memory_limit: self.node_memory.get(node).copied().unwrap_or(0),
                user: None,
            },
            node,
        );
        plan.checkpoint_interval = self.shared.checkpoint_every;
        // The first attempt of this server's life for a job it was running
        // when it went down: from the job's last checkpoint, with its log
        // cut back to what had been printed by then.
        if attempt == 0 {
            if let Some((r, offset)) = self.kept_checkpoint(job) {
                let log = self.shared.logs.join(format!("{job}.log"));
                let cut = std::fs::OpenOptions::new()
                    .write(true)
                    .open(&log)
                    .and_then(|f| f.set_len(offset));
                if cut.is_ok() {
                    self.resuming
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .insert(job, r.printed);
                    plan.resume = Some(r);
                }
            }
        }
        plan
    }

    fn observer(&self, job: JobId, attempt: u32) -> Box<dyn Observer + Send> {
        let path = self.shared.logs.join(format!("{job}.log"));
        let file = {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(&path)
                .ok()
        };
        let offset = file
            .as_ref()
            .and_then(|f| f.metadata().ok())
            .map_or(0, |m| m.len());
        let resumed = self
            .resuming
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&job);
        let mut log = LogFile {
            file,
            job,
            shared: self.shared.clone(),
            printed: resumed.unwrap_or([0, 0]),
            offset,
            marks: Vec::new(),
        };
        if resumed.is_some() {
            log.note(
                "[prescient] the server restarted: the job resumes from its last checkpoint\n",
            );
        }
        log.mark();
        if attempt > 0 {
            log.output(
                Stream::Stderr,
                format!(
                    "[prescient] attempt {} starts from the beginning\n",
                    attempt + 1
                )
                .as_bytes(),
            );
        }
        Box::new(log)
    }

    fn notice(&mut self, _now: f64, n: Notice) {
        // A job that ran to its end teaches the history (after the queue is
        // written, outside its lock).
        let learn = match &n {
            Notice::Ended {
                job,
                outcome,
                run: Some(run),
            } if !outcome.failed && !self.cancelling.contains(job) => Some((*job, (*run).clone())),
            _ => None,
        };
        self.record(n);
        if let Some((job, run)) = learn {
            learn_from(&self.shared, job, &run);
        }
    }
}

impl ServerHost {
    /// The checkpoint a job may resume from, if one is kept and its file is
    /// there.
    fn kept_checkpoint(&self, job: JobId) -> Option<(Resumable, u64)> {
        let (json, offset) = self.shared.db().checkpoint(job as i64).ok()??;
        let r: Resumable = serde_json::from_str(&json).ok()?;
        r.path.is_file().then_some((r, offset))
    }

    /// Adds a job that ran to its end to the predicted-against-measured
    /// figures of `/metrics`.
    fn note_accuracy(
        &self,
        db: &ServerDb,
        job: JobId,
        run: &prescient_runtime::coordinator::JobOutcome,
    ) {
        let Ok(Some(row)) = db.job(job as i64, None) else {
            return;
        };
        let Ok(forecast) = serde_json::from_value::<Forecast>(row.prediction["forecast"].clone())
        else {
            return;
        };
        let units: Vec<(f64, f64)> = run
            .units
            .iter()
            .map(|u| (u.usage.wall_seconds, u.usage.peak_rss_bytes as f64))
            .collect();
        self.shared
            .accuracy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .record(&forecast, &crate::accuracy::Measured { units: &units });
    }

    fn record(&mut self, n: Notice) {
        let db = self.shared.db();
        let name = |node: u32| {
            self.node_names
                .get(node as usize)
                .cloned()
                .unwrap_or_else(|| format!("node{node}"))
        };
        let result = match n {
            Notice::Placed { job, attempt, node } => {
                self.attempts.insert(job, attempt);
                db.mark_running(job as i64, &name(node))
            }
            Notice::UnitStarted { job, node, .. } => db.mark_node(job as i64, &name(node)),
            Notice::UnitDone { job, record } => db.record_unit(
                job as i64,
                self.attempts.get(&job).copied().unwrap_or(0) as i64,
                &UnitRow {
                    unit: record.unit as i64,
                    node: record.node.clone(),
                    wall_seconds: record.usage.wall_seconds,
                    cpu_seconds: record.usage.cpu_seconds,
                    peak_rss_bytes: record.usage.peak_rss_bytes as f64,
                },
            ),
            Notice::Killed { job, why, .. } => {
                // The next attempt starts from the beginning.
                forget_checkpoint(&db, &self.shared.checkpoints, job);
                let c = &self.shared.counters;
                match why {
                    Some(Kill::Oom) => c.oom_kills.fetch_add(1, Ordering::Relaxed),
                    Some(Kill::NodeLost) => c.node_lost_kills.fetch_add(1, Ordering::Relaxed),
                    Some(_) => c.limit_kills.fetch_add(1, Ordering::Relaxed),
                    None => 0,
                };
                Ok(())
            }
            Notice::Power { node, on } => {
                let mut power = self.shared.power.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(slot) = power.get_mut(node as usize) {
                    let now = self.shared.t0.elapsed().as_secs_f64();
                    match (on, slot.0) {
                        (true, None) => {
                            slot.0 = Some(now);
                            self.shared
                                .counters
                                .node_starts
                                .fetch_add(1, Ordering::Relaxed);
                        }
                        (false, Some(since)) => *slot = (None, slot.1 + now - since),
                        _ => {}
                    }
                }
                Ok(())
            }
            Notice::Decided { .. } | Notice::NodeUp { .. } => Ok(()),
            Notice::StartFailed { node, error } => {
                tracing::warn!("node {} did not start: {error}", name(node));
                Ok(())
            }
            Notice::Reservations { calendars } => {
                *self
                    .shared
                    .reservations
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()) = calendars
                    .iter()
                    .map(|c| {
                        let r = c.reservations();
                        r[..r.len().min(MAX_SHOWN_RESERVATIONS)].to_vec()
                    })
                    .collect();
                Ok(())
            }
            Notice::Planned {
                events,
                seconds,
                waiting,
            } => {
                let c = &self.shared.counters;
                let us = (seconds * 1e6) as u64;
                c.planner_events.fetch_add(events, Ordering::Relaxed);
                c.planner_us.fetch_add(us, Ordering::Relaxed);
                c.planner_max_us.fetch_max(us, Ordering::Relaxed);
                c.waiting.store(waiting as u64, Ordering::Relaxed);
                Ok(())
            }
            Notice::Ended { job, outcome, run } => {
                forget_checkpoint(&db, &self.shared.checkpoints, job);
                let c = &self.shared.counters;
                c.migrations
                    .fetch_add(outcome.migrations as u64, Ordering::Relaxed);
                c.downtime_us
                    .fetch_add((outcome.downtime * 1e6) as u64, Ordering::Relaxed);
                let (state, reason) = if self.cancelling.remove(&job) {
                    (
                        JobState::Cancelled,
                        Some("cancelled by its user".to_string()),
                    )
                } else if outcome.failed {
                    let why = if outcome.oom_kills + outcome.limit_kills > 0 {
                        format!(
                            "given up after {} kills ({} out of memory, {} over a limit)",
                            outcome.oom_kills + outcome.limit_kills,
                            outcome.oom_kills,
                            outcome.limit_kills
                        )
                    } else {
                        "no node could take it".to_string()
                    };
                    (JobState::Failed, Some(why))
                } else {
                    if let Some(r) = run {
                        self.note_accuracy(&db, job, r);
                    }
                    (JobState::Done, run.and_then(|r| r.end.reason.clone()))
                };
                let code = run.map(|r| r.end.code as i64);
                db.finish(
                    job as i64,
                    state,
                    code,
                    reason.as_deref(),
                    outcome.migrations as i64,
                )
            }
        };
        if let Err(e) = result {
            tracing::error!("server database: {e}");
        }
    }
}

/// Drops the checkpoint kept for a job, and its file.
fn forget_checkpoint(db: &ServerDb, dir: &Path, job: JobId) {
    let _ = db.clear_checkpoint(job as i64);
    let _ = std::fs::remove_file(dir.join(format!("{job}.ckpt")));
}

/// Feeds a job that ran to its end into the history, as `prescient run`
/// does: the whole program for the prediction's learning, and each
/// section's telemetry for the planner's. The next submission of the same
/// code and arguments starts from what this one measured.
fn learn_from(shared: &Shared, job: JobId, run: &prescient_runtime::coordinator::JobOutcome) {
    if run.end.code != 0 || run.end.reason.is_some() {
        return;
    }
    let Ok(Some(p)) = shared.db().program(job as i64) else {
        return;
    };
    let probe = crate::files::CwdFiles::new(&p.cwd);
    let Ok(analysis) = prescient_analyse::analyze(p.source.as_bytes(), &p.file, &p.args, &probe)
    else {
        return;
    };
    let opts = prescient_profile::Options {
        threads: Some(shared.threads),
    };
    let first_sight = prescient_profile::predict(&analysis, &shared.profile, &opts);
    let units = crate::run::units(&first_sight.analysis, 0.0);
    // The last measure of each unit (a moved job measures each once).
    let mut measured: Vec<Option<&prescient_runtime::coordinator::UnitRecord>> =
        vec![None; units.len()];
    for u in &run.units {
        if let Some(slot) = measured.get_mut(u.unit) {
            *slot = Some(u);
        }
    }
    if units.is_empty() || measured.iter().any(Option::is_none) {
        return;
    }
    let sections: Vec<SectionRun> = units
        .iter()
        .zip(measured.into_iter().flatten())
        .enumerate()
        .map(|(i, (plan, m))| SectionRun {
            section: i,
            start_line: plan.unit.start_line,
            end_line: plan.unit.end_line,
            node_name: m.node.clone(),
            predicted: plan.predicted.clone().unwrap_or_default(),
            actual: Demand {
                wall_seconds: m.usage.wall_seconds,
                cpu_seconds: m.usage.cpu_seconds,
                peak_memory_bytes: m.usage.peak_rss_bytes as f64,
            },
        })
        .collect();
    let worker_key = format!("{}/worker", shared.profile.fingerprint.id());
    let store = shared.store.lock().unwrap_or_else(|p| p.into_inner());
    crate::predict::record_worker_run(
        &store,
        &analysis,
        &shared.profile,
        &worker_key,
        &first_sight,
        &sections,
    );
}

/// The units a program runs in, as analysed now (the analysis is
/// deterministic: the same source and arguments give the units the
/// prediction was made with).
fn analysed_units(
    source: &str,
    file: &str,
    args: &[String],
    cwd: &str,
    worker_rss: f64,
) -> Vec<prescient_wire::Unit> {
    let probe = crate::files::CwdFiles::new(cwd);
    match prescient_analyse::analyze(source.as_bytes(), file, args, &probe) {
        Ok(a) => crate::run::units(&a, worker_rss)
            .into_iter()
            .map(|u| u.unit)
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A job's output, appended to its log file.
/// Where a job's output goes (its log), and what keeps its checkpoints.
struct LogFile {
    file: Option<std::fs::File>,
    job: JobId,
    shared: Arc<Shared>,
    /// Bytes of stdout and stderr the program printed, as the runtime
    /// counts them, and the log's length.
    printed: [u64; 2],
    offset: u64,
    /// (printed, log length) after each write since the last checkpoint:
    /// where to cut the log back to when the job resumes from one.
    marks: Vec<([u64; 2], u64)>,
}

/// Marks kept at most between two checkpoints (the oldest half goes).
const MAX_LOG_MARKS: usize = 100_000;

impl LogFile {
    fn write(&mut self, bytes: &[u8]) {
        if let Some(f) = &mut self.file {
            if f.write_all(bytes).is_ok() {
                self.offset += bytes.len() as u64;
            }
        }
    }

    /// A line of the server's own, not the program's.
    fn note(&mut self, text: &str) {
        self.write(text.as_bytes());
    }

    fn mark(&mut self) {
        if self.marks.len() >= MAX_LOG_MARKS {
            self.marks.drain(..MAX_LOG_MARKS / 2);
        }
        self.marks.push((self.printed, self.offset));
    }

    /// Keeps the checkpoint (a link to the spool's file) and where it
    /// leaves the log, so a restarted server resumes the job from it.
    fn keep(&mut self, at: &Resumable) -> Result<(), String> {
        let Some(i) = self.marks.iter().rposition(|m| m.0 == at.printed) else {
            return Err("its output position is not known".into());
        };
        let offset = self.marks[i].1;
        self.marks.drain(..i);
        let dir = &self.shared.checkpoints;
        let kept = dir.join(format!("{}.ckpt", self.job));
        let tmp = dir.join(format!("{}.ckpt.new", self.job));
        let _ = std::fs::remove_file(&tmp);
        std::fs::hard_link(&at.path, &tmp)
            .or_else(|_| std::fs::copy(&at.path, &tmp).map(|_| ()))
            .and_then(|_| std::fs::rename(&tmp, &kept))
            .map_err(|e| format!("cannot keep {}: {e}", at.path.display()))?;
        let mut r = at.clone();
        r.path = kept;
        let json = serde_json::to_string(&r).map_err(|e| e.to_string())?;
        self.shared
            .db()
            .set_checkpoint(self.job as i64, &json, offset)
            .map_err(|e| e.to_string())
    }
}

impl Observer for LogFile {
    fn output(&mut self, stream: Stream, bytes: &[u8]) {
        self.write(bytes);
        self.printed[match stream {
            Stream::Stdout => 0,
            Stream::Stderr => 1,
        }] += bytes.len() as u64;
        self.mark();
    }

    fn checkpoint_saved(&mut self, at: &Resumable) {
        if let Err(e) = self.keep(at) {
            tracing::warn!("job {}: checkpoint not kept: {e}", self.job);
        }
    }
}

/// Answers HTTP requests until the server is unblocked.
fn serve(http: &tiny_http::Server, shared: &Shared) {
    while let Ok(mut req) = http.recv() {
        let reply = handle(&mut req, shared);
        let mut resp = tiny_http::Response::from_data(reply.body).with_status_code(reply.status);
        for (k, v) in reply.headers {
            if let Ok(h) = tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()) {
                resp.add_header(h);
            }
        }
        let _ = req.respond(resp);
    }
}

struct Reply {
    status: u16,
    body: Vec<u8>,
    headers: Vec<(String, String)>,
}

impl Reply {
    fn json(status: u16, v: &serde_json::Value) -> Reply {
        Reply {
            status,
            body: serde_json::to_vec_pretty(v).unwrap_or_default(),
            headers: vec![("Content-Type".into(), "application/json".into())],
        }
    }

    fn error(status: u16, msg: impl std::fmt::Display) -> Reply {
        Reply::json(status, &serde_json::json!({ "error": msg.to_string() }))
    }

    fn text(status: u16, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            body: body.into(),
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        }
    }
}

fn handle(req: &mut tiny_http::Request, shared: &Shared) -> Reply {
    let url = req.url().to_string();
    let (path, query) = url.split_once('?').unwrap_or((&url, ""));
    let method = req.method().clone();
    use tiny_http::Method::{Get, Post};
    match (&method, path) {
        (Get, "/api/health") => return Reply::text(200, "ok\n"),
        (Get, "/") => {
            return Reply {
                status: 200,
                body: DASHBOARD.as_bytes().to_vec(),
                headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            }
        }
        (Get, "/metrics") => return metrics(shared),
        _ => {}
    }
    if !path.starts_with("/api/") {
        return Reply::error(404, format!("no such resource: {path}"));
    }
    let token = req
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .and_then(|h| h.value.as_str().strip_prefix("Bearer "))
        .map(str::trim)
        .map(str::to_string);
    let Some(token) = token else {
        return Reply::error(401, "missing token: send `Authorization: Bearer TOKEN`");
    };
    let user = match shared.db().user_of(&token) {
        Ok(Some(u)) => u,
        Ok(None) => return Reply::error(401, "unknown token"),
        Err(e) => return Reply::error(500, e),
    };
    let parts: Vec<&str> = path.trim_end_matches('/').split('/').skip(3).collect();
    let id = parts.first().map(|s| s.parse::<i64>());
    match (&method, parts.as_slice(), id) {
        (Post, [], _) if path.trim_end_matches('/') == "/api/jobs" => submit(req, shared, &user),
        (Get, [], _) if path.trim_end_matches('/') == "/api/jobs" => list(shared, &user, query),
        (Get, [], _) if path.trim_end_matches('/') == "/api/dashboard" => dashboard(shared, &user),
        (_, _, Some(Err(_))) => Reply::error(400, format!("{:?} is not a job id", parts[0])),
        (Get, [_], Some(Ok(id))) => match shared.db().job(id, Some(&user)) {
            Ok(Some(row)) => Reply::json(200, &serde_json::json!(row)),
            Ok(None) => Reply::error(404, format!("no job {id}")),
            Err(e) => Reply::error(500, e),
        },
        (Get, [_, "logs"], Some(Ok(id))) => logs(shared, &user, id, query),

        (Post, [_, "cancel"], Some(Ok(id))) => cancel(shared, &user, id),
        _ => Reply::error(404, format!("no such resource: {} {path}", method)),
    }
}

#[derive(serde::Deserialize)]
struct SubmitBody {
    file: String,
    source: String,
    #[serde(default)]
    args: Vec<String>,
    cwd: String,
}

fn submit(req: &mut tiny_http::Request, shared: &Shared, user: &str) -> Reply {
    let mut body = Vec::new();
    let read = req
        .as_reader()
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut body);
    if read.is_err() {
        return Reply::error(400, "the request body could not be read");
    }
    if body.len() > MAX_BODY {
        return Reply::error(413, format!("request larger than {MAX_BODY} bytes"));
    }
    let b: SubmitBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return Reply::error(400, format!("bad submission: {e}")),
    };
    if b.file.is_empty() || !Path::new(&b.cwd).is_absolute() {
        return Reply::error(400, "a submission needs `file` and an absolute `cwd`");
    }
    let probe = crate::files::CwdFiles::new(&b.cwd);
    let analysis = match prescient_analyse::analyze(b.source.as_bytes(), &b.file, &b.args, &probe) {
        Ok(a) => a,
        Err(e) => return Reply::error(422, e),
    };
    let opts = prescient_profile::Options {
        threads: Some(shared.threads),
    };
    let mut predicted = prescient_profile::predict(&analysis, &shared.profile, &opts);
    let worker_key = format!("{}/worker", shared.profile.fingerprint.id());
    {
        let store = shared.store.lock().unwrap_or_else(|p| p.into_inner());
        let obs = crate::predict::observations(&store, &worker_key, &analysis, false);
        prescient_profile::history::apply(&mut predicted, &obs);
        let mut forecast = Forecast::from_analysis(&predicted.analysis, shared.worker_rss);
        forecast.learn(&crate::catalog::measured_units(
            &store,
            &analysis,
            &b.args,
            &worker_key,
        ));
        // A job that fits no node would wait for ever (and hold back the
        // planner's look-ahead): refused at once, with the numbers.
        let (_, peak) = forecast.peak(0..forecast.sections.len());
        if peak > shared.largest_node {
            return Reply::error(
                422,
                format!(
                    "{}: predicted peak memory {} is more than the largest node has ({})",
                    b.file,
                    human_bytes(peak as u64),
                    human_bytes(shared.largest_node as u64)
                ),
            );
        }
        // Each unit as the planner forecasts it (the warm worker's
        // baseline included, moved toward earlier runs): what the job's
        // measured units are compared with.
        let plan_units = crate::run::units(&predicted.analysis, shared.worker_rss);
        let same = plan_units.len() == forecast.sections.len();
        let units: Vec<serde_json::Value> = plan_units
            .iter()
            .enumerate()
            .map(|(i, u)| {
                let f = forecast.sections.get(i).filter(|_| same);
                serde_json::json!({
                    "start_line": u.unit.start_line,
                    "end_line": u.unit.end_line,
                    "predicted": match f {
                        Some(f) => serde_json::json!({
                            "wall_seconds": f.seconds,
                            "cpu_seconds": f.seconds * f.cores,
                            "peak_memory_bytes": f.memory,
                        }),
                        None => serde_json::json!(u.predicted),
                    },
                    "high": f.map(|f| serde_json::json!({
                        "wall_seconds": f.seconds_high,
                        "peak_memory_bytes": f.memory_high,
                    })),
                })
            })
            .collect();
        let prediction = serde_json::json!({
            "schema": "prescient.prediction/1",
            "program": predicted.analysis.prediction,
            "units": units,
            "forecast": forecast,
        });
        drop(store);
        let job = NewJob {
            user: user.to_string(),
            file: b.file,
            source: b.source,
            args: b.args,
            cwd: b.cwd,
            prediction,
        };
        let id = match shared.db().submit(&job) {
            Ok(id) => id,
            Err(e) => return Reply::error(500, e),
        };
        shared.counters.submissions.fetch_add(1, Ordering::Relaxed);
        let info = info_of(shared, id, forecast);
        let _ = shared
            .submitted
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .send(info);
        match shared.db().job(id, Some(user)) {
            Ok(Some(row)) => Reply::json(201, &serde_json::json!(row)),
            Ok(None) => Reply::error(500, "the job was stored but cannot be read back"),
            Err(e) => Reply::error(500, e),
        }
    }
}

/// The dashboard page: plain HTML and script, no build step.
const DASHBOARD: &str = include_str!("dashboard.html");

/// What the dashboard shows the caller.
fn dashboard(shared: &Shared, user: &str) -> Reply {
    let db = shared.db();
    let counts = match db.counts() {
        Ok(c) => c,
        Err(e) => return Reply::error(500, e),
    };
    let running = match db.page(None, Some(JobState::Running), 0, i64::MAX) {
        Ok(r) => r,
        Err(e) => return Reply::error(500, e),
    };
    let power = shared
        .power
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let nodes: Vec<serde_json::Value> = shared
        .nodes
        .iter()
        .enumerate()
        .map(|(i, (name, cores, memory))| {
            let on = power
                .get(i)
                .is_some_and(|(since, _)| since.is_some());
            serde_json::json!({
                "name": name,
                "on": on,
                "cores": cores,
                "memory": memory,
                "running": running.iter().filter(|j| j.node.as_deref() == Some(name.as_str())).count(),
            })
        })
        .collect();
    let mine = match db.jobs(Some(user)) {
        Ok(j) => j,
        Err(e) => return Reply::error(500, e),
    };
    let mut nodes = nodes;
    {
        // Each node's reservations over time, from now (negative: past);
        // another user's job shows as taken, without its id.
        let own: std::collections::HashSet<i64> = mine.iter().map(|j| j.id).collect();
        let clock = shared.t0.elapsed().as_secs_f64();
        let reservations = shared
            .reservations
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        for (n, rs) in nodes.iter_mut().zip(reservations) {
            let list: Vec<serde_json::Value> = rs
                .iter()
                .filter(|r| r.end > clock)
                .map(|r| {
                    let is_mine = own.contains(&(r.job as i64));
                    serde_json::json!({
                        "job": is_mine.then_some(r.job),
                        "mine": is_mine,
                        "start": r.start - clock,
                        "end": r.end.is_finite().then_some(r.end - clock),
                        "cores": r.cores,
                        "memory": r.memory,
                    })
                })
                .collect();
            n["reservations"] = serde_json::json!(list);
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    let mut jobs = Vec::new();
    for row in mine.iter().rev().take(100) {
        let units = db
            .job(row.id, Some(user))
            .ok()
            .flatten()
            .map(|j| j.units)
            .unwrap_or_default();
        let predicted = row.prediction["units"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let sections: Vec<serde_json::Value> = predicted
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let m = units.iter().find(|u| u.unit == i as i64);
                serde_json::json!({
                    "lines": format!("{}-{}", p["start_line"], p["end_line"]),
                    "predicted_seconds": p["predicted"]["wall_seconds"],
                    "predicted_peak": p["predicted"]["peak_memory_bytes"],
                    "wall_seconds": m.map(|u| u.wall_seconds),
                    "peak": m.map(|u| u.peak_rss_bytes),
                    "node": m.map(|u| u.node.clone()),
                })
            })
            .collect();
        let predicted_seconds: f64 = predicted
            .iter()
            .filter_map(|p| p["predicted"]["wall_seconds"].as_f64())
            .sum();
        let run_seconds = row.started.map(|s| row.ended.unwrap_or(now) - s);
        jobs.push(serde_json::json!({
            "id": row.id,
            "file": row.file,
            "args": row.args,
            "state": row.state.as_str(),
            "exit_code": row.exit_code,
            "node": row.node,
            "attempts": row.attempts,
            "migrations": row.migrations,
            "predicted_seconds": predicted_seconds,
            "run_seconds": run_seconds,
            "sections": sections,
        }));
    }
    Reply::json(
        200,
        &serde_json::json!({
            "user": user,
            "counts": counts.iter().map(|(s, n)| (s.as_str().to_string(), *n)).collect::<std::collections::BTreeMap<_, _>>(),
            "nodes": nodes,
            "jobs": jobs,
        }),
    )
}

/// A query parameter's value.
fn param<'q>(query: &'q str, key: &str) -> Option<&'q str> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
}

/// `GET /api/jobs[?state=S][&after=ID][&limit=N]`: the caller's jobs by id,
/// a page at a time (`after` the last id of the page before).
fn list(shared: &Shared, user: &str, query: &str) -> Reply {
    let state = match param(query, "state") {
        None => None,
        Some(s) => match JobState::parse(s) {
            Some(s) => Some(s),
            None => return Reply::error(400, format!("no such state: {s:?}")),
        },
    };
    let number = |key: &str, default: i64| -> Result<i64, Reply> {
        match param(query, key) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| *n >= 0)
                .ok_or_else(|| Reply::error(400, format!("{key}={v:?} is not a count"))),
        }
    };
    let (after, limit) = match (number("after", 0), number("limit", i64::MAX)) {
        (Ok(a), Ok(l)) => (a, l),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    match shared.db().page(Some(user), state, after, limit) {
        Ok(rows) => Reply::json(200, &serde_json::json!(rows)),
        Err(e) => Reply::error(500, e),
    }
}

fn logs(shared: &Shared, user: &str, id: i64, query: &str) -> Reply {
    let row = match shared.db().job(id, Some(user)) {
        Ok(Some(r)) => r,
        Ok(None) => return Reply::error(404, format!("no job {id}")),
        Err(e) => return Reply::error(500, e),
    };
    let offset: u64 = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("offset="))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let path = shared.logs.join(format!("{id}.log"));
    let mut body = Vec::new();
    if let Ok(mut f) = std::fs::File::open(&path) {
        if f.seek(std::io::SeekFrom::Start(offset)).is_ok() {
            let _ = f.take(8 << 20).read_to_end(&mut body);
        }
    }
    let mut r = Reply::text(200, body);
    let next = offset + r.body.len() as u64;
    r.headers
        .push(("X-Prescient-Offset".into(), next.to_string()));
    r.headers
        .push(("X-Prescient-State".into(), row.state.as_str().into()));
    r
}

fn cancel(shared: &Shared, user: &str, id: i64) -> Reply {
    let row = match shared.db().job(id, Some(user)) {
        Ok(Some(r)) => r,
        Ok(None) => return Reply::error(404, format!("no job {id}")),
        Err(e) => return Reply::error(500, e),
    };
    if row.state.finished() {
        return Reply::error(
            409,
            format!("job {id} already ended ({})", row.state.as_str()),
        );
    }
    match shared.db().request_cancel(id, user) {
        Ok(true) => {
            let _ = shared
                .cancelled
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .send(id as JobId);
            Reply::json(200, &serde_json::json!({"id": id, "cancelling": true}))
        }
        Ok(false) => Reply::error(409, format!("job {id} cannot be cancelled now")),
        Err(e) => Reply::error(500, e),
    }
}

fn metrics(shared: &Shared) -> Reply {
    let mut out = String::new();
    out.push_str("# HELP prescient_jobs Jobs by state.\n# TYPE prescient_jobs gauge\n");
    match shared.db().counts() {
        Ok(counts) => {
            for (s, n) in counts {
                out.push_str(&format!("prescient_jobs{{state=\"{}\"}} {n}\n", s.as_str()));
            }
        }
        Err(e) => return Reply::error(500, e),
    }
    let c = &shared.counters;
    let secs = |us: &AtomicU64| us.load(Ordering::Relaxed) as f64 / 1e6;
    let count = |n: &AtomicU64| n.load(Ordering::Relaxed) as f64;
    let now = shared.t0.elapsed().as_secs_f64();
    let (node_seconds, nodes_up) = {
        let power = shared.power.lock().unwrap_or_else(|p| p.into_inner());
        let secs: f64 = power
            .iter()
            .map(|(since, before)| before + since.map_or(0.0, |s| now - s))
            .sum();
        (secs, power.iter().filter(|p| p.0.is_some()).count() as f64)
    };
    let series: [(&str, &str, &str, f64); 13] = [
        (
            "prescient_nodes_up",
            "gauge",
            "Nodes on now (physical ones, virtual ones started, agents joined).",
            nodes_up,
        ),
        (
            "prescient_node_seconds_total",
            "counter",
            "Seconds the nodes were on, summed over nodes, since the server started.",
            node_seconds,
        ),
        (
            "prescient_node_starts_total",
            "counter",
            "Nodes that came up since the server started: virtual ones the planner started, and agents that joined.",
            count(&c.node_starts),
        ),
        (
            "prescient_submissions_total",
            "counter",
            "Jobs submitted since the server started.",
            count(&c.submissions),
        ),
        (
            "prescient_oom_kills_total",
            "counter",
            "Attempts killed for lack of memory on their node.",
            count(&c.oom_kills),
        ),
        (
            "prescient_limit_kills_total",
            "counter",
            "Attempts killed over their memory or time limit.",
            count(&c.limit_kills),
        ),
        (
            "prescient_node_lost_restarts_total",
            "counter",
            "Attempts that ended with their node and could not be recovered on another: started again.",
            count(&c.node_lost_kills),
        ),
        (
            "prescient_migrations_total",
            "counter",
            "Moves of running jobs between nodes.",
            count(&c.migrations),
        ),
        (
            "prescient_migration_downtime_seconds_total",
            "counter",
            "Seconds jobs stood still while they moved.",
            secs(&c.downtime_us),
        ),
        (
            "prescient_planner_events_total",
            "counter",
            "Events the planner took in (submissions, unit ends, node starts, wake-ups).",
            count(&c.planner_events),
        ),
        (
            "prescient_planner_seconds_total",
            "counter",
            "Seconds the planner spent taking in events and deciding.",
            secs(&c.planner_us),
        ),
        (
            "prescient_planner_pass_seconds_max",
            "gauge",
            "The longest pass of the planner over its events.",
            secs(&c.planner_max_us),
        ),
        (
            "prescient_planner_waiting",
            "gauge",
            "Jobs submitted and not placed, at the planner's last pass.",
            count(&c.waiting),
        ),
    ];
    for (name, kind, help, v) in series {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {v}\n"
        ));
    }
    out.push_str(
        &shared
            .accuracy
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .prometheus(),
    );
    let mut r = Reply::text(200, out);
    r.headers[0].1 = "text/plain; version=0.0.4".into();
    r
}
