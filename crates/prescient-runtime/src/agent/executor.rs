//! The executor: one thread per job on a node, owning the job's worker and
//! serving the coordinator's commands for it in order: runs, pre-copies,
//! migrations (the source side) and background checkpoints.

use super::*;

/// Serves one job's commands in order; owns its worker.
pub(super) struct Executor {
    pub(super) agent: Arc<Agent>,
    pub(super) job: u64,
    pub(super) worker: Worker,
    pub(super) spec: JobSpec,
    pub(super) pid: Arc<AtomicU32>,
    /// False while the job is prepared here but not committed.
    pub(super) owned: bool,
    pub(super) precopy: Option<PrecopySession>,
}

/// What a worker said of its checkpoint.
pub(super) struct Checkpointed {
    pub(super) seconds: f64,
    pub(super) refs: Vec<Option<String>>,
    pub(super) precopy_wait_seconds: f64,
    pub(super) precopied_bytes: u64,
    pub(super) blob_lens: Vec<u64>,
}

/// How long the source waits for the target to reserve what it pre-copied:
/// the target has read every buffer by then, so only a stalled agent takes
/// longer (and the buffers then move in the pause).
const PRECOPY_ANSWER_TIMEOUT: Duration = Duration::from_secs(30);

/// An open pre-copy connection to a target agent.
pub(super) struct PrecopySession {
    pub(super) conn: TcpStream,
    pub(super) target: String,
    /// False after a failed write: the target's copy is incomplete.
    pub(super) healthy: bool,
    /// The worker said it sent everything.
    pub(super) done: bool,
}

impl Executor {
    pub(super) fn serve(mut self, rx: Receiver<ToAgent>) {
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
        self.agent.unregister(self.job, &self.pid);
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
            // The target reserves its filled worker for the job only after
            // it has read the last buffer: a restore sent before that finds
            // no reservation. Its answer says the worker is in place.
            if s.healthy && s.done {
                let _ = s.conn.set_read_timeout(Some(PRECOPY_ANSWER_TIMEOUT));
                let mut answer = [0u8; 1];
                let ready = matches!(s.conn.read(&mut answer), Ok(1))
                    && answer[0] == super::peer::PRECOPY_READY;
                if !ready {
                    tracing::warn!(
                        "job {}: the pre-copy target did not keep the buffers; they move in the pause",
                        self.job
                    );
                    s.healthy = false;
                }
            }
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
        self.agent
            .to_coord(&FromAgent::CheckpointStarted { job, checkpoint }, None);
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
            let mut conn = connect_peer(&self.agent, target).ok()?;
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
        let mut conn = connect_peer(&self.agent, target)
            .map_err(|e| fail(format!("the target agent at {target}: {e}")))?;
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

/// A peer connection to the agent (or spool) at `target` (host:port), past
/// the handshake, with a 10 s read timeout.
fn connect_peer(agent: &Agent, target: &str) -> Result<TcpStream, String> {
    let addr: std::net::SocketAddr = target.parse().map_err(|e| format!("bad address: {e}"))?;
    let mut conn = TcpStream::connect_timeout(&addr, Duration::from_secs(5))
        .map_err(|e| format!("cannot reach it: {e}"))?;
    let _ = conn.set_nodelay(true);
    conn.set_read_timeout(Some(Duration::from_secs(10))).ok();
    handshake(
        &mut conn,
        &hello(&agent.cfg.name, Role::Peer),
        &agent.secret,
    )
    .map_err(|e| e.to_string())?;
    Ok(conn)
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
    // A child that stops sending is given up on, so that the job's next
    // checkpoint (which waits for this one) is not held forever.
    data.set_read_timeout(Some(Duration::from_secs(120))).ok();
    let h = frame::read_header::<FromWorker>(&mut data, &Limits::default())
        .map_err(|e| fail(format!("reading the checkpoint from the worker: {e}")))?;
    let total = h.blob_total();
    let refs = match h.msg {
        FromWorker::Checkpoint { refs, .. } => refs,
        FromWorker::Refused { reason } => return Err((true, reason)),
        other => return Err(fail(format!("unexpected checkpoint frame: {other:?}"))),
    };
    let mut conn =
        connect_peer(agent, target).map_err(|e| fail(format!("the spool at {target}: {e}")))?;
    conn.set_read_timeout(Some(Duration::from_secs(600))).ok();
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
