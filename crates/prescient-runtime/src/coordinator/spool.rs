//! The checkpoint spool: recovery checkpoints kept by the coordinator, one
//! file per job, taken over the agents' own peer protocol.

use super::*;

/// A spooled checkpoint: its file, its blob lengths and the job it restores.
#[derive(Clone)]
pub(super) struct Saved {
    pub(super) path: PathBuf,
    pub(super) lens: Vec<u64>,
    pub(super) spec: JobSpec,
    /// The coordinator's id of the checkpoint (`migration` in its frame).
    pub(super) checkpoint: u64,
}

pub(super) type SavedMap = Mutex<HashMap<u64, Saved>>;

pub(super) struct Spool {
    pub(super) addr: String,
    pub(super) dir: PathBuf,
    /// Job -> (checkpoint file, blob lengths).
    pub(super) saved: Arc<SavedMap>,
}

impl Spool {
    /// A spool under `base` (default: the temporary directory), in a
    /// directory of this process's own.
    pub(super) fn start(secret: Secret, base: Option<&Path>) -> Result<Spool, RuntimeError> {
        let dir = base
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir)
            .join(format!("prescient-spool-{}", std::process::id()));
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

    pub(super) fn get(&self, job: u64) -> Option<Saved> {
        self.saved.lock().unwrap().get(&job).cloned()
    }

    pub(super) fn forget(&self, job: u64) {
        if let Some(s) = self.saved.lock().unwrap().remove(&job) {
            let _ = std::fs::remove_file(s.path);
        }
    }

    pub(super) fn clear(&self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(super) fn spool_accept(
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
