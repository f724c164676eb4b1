//! The node's warm pool: workers started ahead (one per core, up to two),
//! so that a job, or a job arriving by migration, does not wait for an
//! interpreter and its imports.

use super::*;

/// The pre-started workers, and how many are being started.
#[derive(Default)]
pub(super) struct WarmSlot {
    pub(super) workers: Vec<Worker>,
    pub(super) warming: usize,
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

impl Agent {
    pub(super) fn spawn_worker(&self) -> Result<Worker, RuntimeError> {
        let (tx, rx) = mpsc::channel();
        self.spawner
            .lock()
            .unwrap()
            .send(tx)
            .map_err(|_| RuntimeError::Worker("the spawner thread is gone".into()))?;
        rx.recv()
            .map_err(|_| RuntimeError::Worker("the spawner thread is gone".into()))?
    }

    pub(super) fn refill_warm(self: &Arc<Self>) {
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
    pub(super) fn wait_warm(&self, limit: Duration) {
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
    pub(super) fn take_worker(self: &Arc<Self>) -> Result<(Worker, bool), RuntimeError> {
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
        if let Ok((w, _)) = &got {
            w.to_normal_priority();
        }
        if self.cfg.warm {
            self.refill_warm();
        }
        got
    }
}
