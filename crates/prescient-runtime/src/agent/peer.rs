//! The target side of a hand-over: restoring a job another agent sends
//! (over TCP or, on one host, worker to worker on a socket pair passed over
//! the agent's Unix socket), holding it prepared until the coordinator
//! commits, and the worker a pre-copy reserves and fills ahead.

use super::*;

/// The byte a target answers a finished pre-copy with when the worker it
/// filled is reserved for the job; anything else (0, or the connection
/// closing first) means the restore cannot count on the pre-copied buffers.
pub(super) const PRECOPY_READY: u8 = 1;

/// A worker reserved on a target for a job being pre-copied to it.
pub(super) enum Reservation {
    /// The pre-copy is still streaming into it.
    Busy(u64),
    Ready(Worker, u64),
}

impl Agent {
    /// A peer hands us a job: restore it into a worker and hold it, prepared,
    /// until the coordinator commits or aborts.
    pub(super) fn serve_peer(self: &Arc<Self>, mut conn: TcpStream) -> Result<(), RuntimeError> {
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
                spec: JobSpec {
                    user: self.confinement.job_user(spec.job),
                    ..spec.clone()
                },
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

    /// Waits for the worker's verdict on a restore; a restored job is held
    /// prepared under an executor until the coordinator commits or aborts.
    pub(super) fn finish_restore(
        self: &Arc<Self>,
        mut worker: Worker,
        spec: JobSpec,
        conn: &mut impl Write,
    ) {
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
    pub(super) fn serve_local(self: &Arc<Self>, mut conn: UnixStream) -> Result<(), RuntimeError> {
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
                spec: JobSpec {
                    user: self.confinement.job_user(spec.job),
                    ..spec.clone()
                },
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
    pub(super) fn serve_precopy(
        self: &Arc<Self>,
        mut conn: TcpStream,
        job: u64,
    ) -> Result<(), RuntimeError> {
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
                let user = self.confinement.job_user(job);
                if w.send(&ToWorker::Preload {
                    modules,
                    spare,
                    user,
                })
                .is_err()
                {
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
        let ready = match (ours, worker) {
            (true, Some(w)) => {
                g.insert(job, Reservation::Ready(w, generation));
                true
            }
            (true, None) => {
                g.remove(&job);
                false
            }
            (false, Some(mut w)) => {
                w.kill();
                false
            }
            (false, None) => false,
        };
        drop(g);
        self.reserved_cv.notify_all();
        // The source waits for this before it sends the job: the restore
        // then finds the reservation in place (or knows there is none and
        // sends every buffer in the pause).
        let _ = conn.write_all(&[PRECOPY_READY * u8::from(ready)]);
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
    pub(super) fn restoring_worker(
        self: &Arc<Self>,
        job: u64,
        needs_cache: bool,
    ) -> Result<Worker, String> {
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
    pub(super) fn claim_reserved(&self, job: u64, wait: bool) -> Option<Worker> {
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
