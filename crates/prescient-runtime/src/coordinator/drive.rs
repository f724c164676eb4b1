//! Driving one job: unit by unit and stop by stop on its node, moving it
//! where the steering says, taking recovery checkpoints, and recovering it
//! on another node when its node is lost.

use super::*;

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
    /// Start from this checkpoint (taken by an earlier run of the
    /// coordinator) instead of the program's beginning; from the beginning
    /// when it cannot be restored, swallowing what was printed before.
    pub resume: Option<Resumable>,
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
    /// The longest and the total time the job waited for checkpoints to
    /// start (the worker's fork); the writing is off its path.
    pub checkpoint_pause_max_seconds: f64,
    pub checkpoint_pause_total_seconds: f64,
    pub setup_seconds: f64,
    pub warm_start: bool,
    /// The worker's resident set once the job was set up (its baseline).
    pub worker_rss_bytes: u64,
    /// The node the job ended on, when it ended in a unit.
    pub end_node: Option<String>,
}

/// A signal the coordinator received (set from its handler: SIGINT, SIGTERM,
/// SIGHUP), forwarded to the job's worker; 0 for none.
pub static SIGNALLED: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(0);

pub(super) struct Driver<'a> {
    pub(super) cluster: &'a Cluster,
    pub(super) rx: Receiver<JobEvent>,
    pub(super) job: u64,
    pub(super) node: usize,
    pub(super) obs: &'a mut dyn Observer,
    /// Bytes of output printed so far, per stream.
    pub(super) printed: [u64; 2],
    /// Bytes of replayed output still to swallow after a recovery, per stream.
    pub(super) skip: [u64; 2],
    pub(super) interrupt_sent: bool,
    pub(super) migrations: usize,
    /// Background checkpoints: the last id given, the one being written and
    /// the node writing it (a new one waits for it, so the spool never takes
    /// an older one after a newer), how many were stored, and where each
    /// resumes.
    pub(super) checkpoint_ids: u64,
    pub(super) pending_checkpoint: Option<(u64, usize)>,
    pub(super) checkpoints_saved: usize,
    pub(super) checkpoint_at: HashMap<u64, ResumePoint>,
    /// Why the last wait ended without what it waited for (an agent's
    /// error, a lost node, a timeout): for the reason a step reports.
    pub(super) wait_ended: Option<String>,
}

/// Where a checkpoint resumes: the output printed when it was taken, and the
/// unit (and whether inside it, between loop iterations).
#[derive(Clone, Copy)]
pub(super) struct ResumePoint {
    pub(super) printed: [u64; 2],
    pub(super) unit: (usize, bool),
}

pub(super) enum Wait<T> {
    Got(T),
    /// The job ended, with the usage of the unit it ended in.
    Ended(JobEnd, Option<UnitUsage>),
    Lost,
}

pub(super) fn idx(s: Stream) -> usize {
    match s {
        Stream::Stdout => 0,
        Stream::Stderr => 1,
    }
}

impl Driver<'_> {
    pub(super) fn out(&mut self, stream: Stream, mut bytes: &[u8]) {
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
    pub(super) fn wait<T>(
        &mut self,
        from: usize,
        timeout: Option<Duration>,
        mut pick: impl FnMut(&FromAgent) -> Option<T>,
    ) -> Wait<T> {
        let deadline = timeout.map(|t| Instant::now() + t);
        self.wait_ended = None;
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
                self.wait_ended = Some("no answer in time".into());
                return Wait::Lost;
            }
            let ev = match self.rx.recv_timeout(Duration::from_millis(100)) {
                Ok(ev) => ev,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => {
                    self.wait_ended = Some("the coordinator stopped listening".into());
                    return Wait::Lost;
                }
            };
            match ev {
                JobEvent::Lost { node } if node == from || node == self.node => {
                    self.wait_ended = Some(format!(
                        "the link to node {} dropped",
                        self.cluster.node_spec(node).name
                    ));
                    return Wait::Lost;
                }
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
                            // The spool keeps only the newest: older resume
                            // points can never be used again.
                            let c = *checkpoint;
                            self.checkpoint_at.retain(|&k, _| k >= c);
                            let kept = self
                                .cluster
                                .spool
                                .get(self.job)
                                .filter(|s| s.checkpoint == c);
                            if let (Some(at), Some(saved)) = (self.checkpoint_at.get(&c), kept) {
                                self.obs.checkpoint_saved(&Resumable {
                                    path: saved.path,
                                    lens: saved.lens,
                                    spec: saved.spec,
                                    unit: at.unit.0,
                                    within: at.unit.1,
                                    printed: at.printed,
                                });
                            }
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
                            self.wait_ended = Some(format!(
                                "node {} reported: {message}",
                                self.cluster.node_spec(node).name
                            ));
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
        wait_ended: None,
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
        checkpoint_pause_max_seconds: 0.0,
        checkpoint_pause_total_seconds: 0.0,
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

pub(super) fn drive(
    d: &mut Driver,
    plan: &JobPlan,
    out: &mut JobOutcome,
    steering: &mut dyn Steering,
) -> JobEnd {
    let n_units = plan.spec.units.len();
    let job = d.job;
    let (mut unit, resumed_within) = match &plan.resume {
        Some(r) => match resume(d, plan, r) {
            Ok(at) => at,
            Err(end) => return end,
        },
        None => match start_fresh(d, &plan.spec, d.node) {
            Ok((warm, secs, rss)) => {
                out.warm_start = warm;
                out.setup_seconds = secs;
                out.worker_rss_bytes = rss;
                (0, false)
            }
            Err(end) => return end,
        },
    };
    // Injected faults strike once.
    let mut kill_after = plan.faults.kill_agent_after_unit;
    let mut last_checkpoint = Instant::now();
    // Usage of the running unit's steps so far (a unit with loop steps
    // reports each step; the unit's record adds them up).
    let mut acc: Option<UnitUsage> = None;
    // Whether the next run goes on inside `unit` (after a step).
    let mut within = resumed_within;
    let mut move_to: Option<usize> = None;
    let mut steps = 0usize;
    let mut kill_after_step = plan.faults.kill_agent_after_step;
    // The job's resident memory at its last stop, and whether a checkpoint
    // was left out for want of room.
    let mut rss_now: u64;
    let mut no_room_said = false;
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
                rss_now = usage.rss_after_bytes;
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
            // A forked checkpoint holds the job's pages while the job
            // rewrites them: where two copies cannot fit on the node, the
            // kernel may have to end the job itself to make room (the
            // checkpoint is its first choice, but not a certain one under
            // load). Such a job is not checkpointed.
            let room = d.cluster.node_spec(d.node).memory;
            if rss_now.saturating_mul(2) > room {
                if !no_room_said {
                    no_room_said = true;
                    tracing::info!(
                        "job {}: no recovery checkpoint: {} resident, twice that is more than node {} has",
                        job,
                        crate::agent::human_bytes(rss_now),
                        d.cluster.node_spec(d.node).name
                    );
                }
            } else {
                match start_checkpoint(d, out, (unit, within)) {
                    Ok(true) => last_checkpoint = Instant::now(),
                    Ok(false) => {}
                    Err(end) => return end,
                }
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
pub(super) fn add_usage(acc: Option<UnitUsage>, u: UnitUsage) -> UnitUsage {
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

pub(super) fn unreachable_end() -> ! {
    unreachable!("the finish wait accepts no message")
}

pub(super) fn next_node(c: &Cluster, from: usize) -> Option<usize> {
    let n = c.nodes.len();
    (1..n).map(|k| (from + k) % n).find(|&i| c.is_alive(i))
}

pub(super) fn start_fresh(
    d: &mut Driver,
    spec: &JobSpec,
    node: usize,
) -> Result<(bool, f64, u64), JobEnd> {
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

pub(super) fn lost_end(reason: String, unit: Option<usize>) -> JobEnd {
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
pub(super) fn start_checkpoint(
    d: &mut Driver,
    out: &mut JobOutcome,
    at: (usize, bool),
) -> Result<bool, JobEnd> {
    d.checkpoint_ids += 1;
    let checkpoint = d.checkpoint_ids;
    let msg = ToAgent::Checkpoint {
        job: d.job,
        checkpoint,
        target: d.cluster.spool.addr.clone(),
    };
    let t0 = Instant::now();
    if d.cluster.send(d.node, &msg).is_err() {
        return Ok(false);
    }
    let started = d.wait(d.node, None, |m| match m {
        FromAgent::CheckpointStarted { checkpoint: c, .. } if *c == checkpoint => Some(true),
        FromAgent::CheckpointSaved {
            checkpoint: c, ok, ..
        } if *c == checkpoint => Some(*ok),
        _ => None,
    });
    match started {
        Wait::Got(true) => {}
        Wait::Got(false) | Wait::Lost => return Ok(false),
        Wait::Ended(end, _) => return Err(end),
    }
    // What the job waited, idle at its safe point: the fork and the round trip.
    let pause = t0.elapsed().as_secs_f64();
    out.checkpoint_pause_max_seconds = out.checkpoint_pause_max_seconds.max(pause);
    out.checkpoint_pause_total_seconds += pause;
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
    Ok(true)
}

/// Waits until the background checkpoint in flight, if any, is stored (or
/// has failed, or its node is gone). Err: the job ended meanwhile.
pub(super) fn settle_checkpoint(d: &mut Driver) -> Result<(), JobEnd> {
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
pub(super) fn migrate_to(
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

pub(super) fn migrate(
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
                rec.reason = Some(match d.wait_ended.take() {
                    Some(why) => format!("node {} did not confirm the commit ({why})", rec.to),
                    None => format!("node {} did not confirm the commit", rec.to),
                });
            }
        }
    }
    rec.downtime_seconds = t0.elapsed().as_secs_f64();
    rec
}

/// Starts the job from a checkpoint an earlier run of the coordinator
/// spooled: restored as a checkpoint is after a lost node, under this run's
/// job id. Where it cannot be, the program starts from its beginning and
/// what it had printed by the checkpoint is not printed again.
fn resume(d: &mut Driver, plan: &JobPlan, r: &Resumable) -> Result<(usize, bool), JobEnd> {
    let mut spec = r.spec.clone();
    spec.job = plan.spec.job;
    spec.memory_limit = plan.spec.memory_limit;
    spec.user = plan.spec.user;
    let saved = Saved {
        path: r.path.clone(),
        lens: r.lens.clone(),
        spec,
        checkpoint: 0,
    };
    d.printed = r.printed;
    let target = d.node;
    match replay_checkpoint(d, target, &saved) {
        Ok(()) => Ok((r.unit, r.within)),
        Err(e) => {
            tracing::warn!(
                "job {}: its checkpoint cannot be restored ({e}); it starts from its beginning",
                d.job
            );
            restart(d, plan, target).map(|(at, _)| at)
        }
    }
}

/// The job's node is gone: restart it elsewhere from the last checkpoint.
pub(super) fn recover(
    d: &mut Driver,
    plan: &JobPlan,
    out: &mut JobOutcome,
) -> Result<(usize, bool), JobEnd> {
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

pub(super) fn restart(
    d: &mut Driver,
    plan: &JobPlan,
    target: usize,
) -> Result<((usize, bool), bool), JobEnd> {
    d.skip = d.printed;
    d.printed = [0, 0];
    start_fresh(d, &plan.spec, target)?;
    Ok(((0, false), false))
}

pub(super) fn replay_checkpoint(
    d: &mut Driver,
    target: usize,
    saved: &Saved,
) -> Result<(), RuntimeError> {
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
