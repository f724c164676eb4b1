//! Prediction glue: the pure profiler plus what only the CLI has (the node's
//! profile and the history database).

use prescient_model::{Analysis, NodeProfile};
use prescient_profile::history::{self, Observation};
use prescient_profile::{Options, Predicted};
use prescient_store::{Demand, RunRecord, SectionRun, Store};

/// First-sight prediction, then history applied when `use_history`.
pub fn predict(
    a: &Analysis,
    node: &NodeProfile,
    store: Option<&Store>,
    use_history: bool,
) -> Predicted {
    predict_with(a, node, store.filter(|_| use_history), false)
}

/// First-sight prediction, then the history in `store` if given; with
/// `others_only`, only runs of other programs (how corrections learned from
/// similar code generalise).
pub fn predict_with(
    a: &Analysis,
    node: &NodeProfile,
    store: Option<&Store>,
    others_only: bool,
) -> Predicted {
    let opts = Options {
        threads: crate::node::threads_from_env(),
    };
    let mut p = prescient_profile::predict(a, node, &opts);
    if let Some(store) = store {
        let obs = observations(store, &node.fingerprint.id(), a, others_only);
        history::apply(&mut p, &obs);
    }
    p
}

/// Runs of the history a prediction learns from: the newest on the node, and
/// the newest of the same program and arguments.
pub const HISTORY_RUNS: usize = 500;

/// Earlier runs on this node as observations; `exclude_same` leaves out runs of
/// this very program, whatever its arguments (to measure how corrections
/// generalise).
pub fn observations(
    store: &Store,
    node: &str,
    a: &Analysis,
    exclude_same: bool,
) -> Vec<Observation> {
    let runs = match store.history_for(node, &a.source_hash, &a.args, HISTORY_RUNS) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("history not used: {e}");
            return vec![];
        }
    };
    runs.into_iter()
        .filter(|r| !(exclude_same && r.program_hash == a.source_hash))
        .map(|r| observation(r, a))
        .collect()
}

/// A stored run as an observation for the prediction of `a`.
pub fn observation(r: RunRecord, a: &Analysis) -> Observation {
    let same = r.program_hash == a.source_hash && r.args == a.args;
    Observation {
        program: r.program_hash,
        same_program: same,
        same_model: r.model == prescient_profile::MODEL_FINGERPRINT,
        predicted: [
            r.predicted.wall_seconds,
            r.predicted.cpu_seconds,
            r.predicted.peak_memory_bytes,
        ],
        actual: [
            r.actual.wall_seconds,
            r.actual.cpu_seconds,
            r.actual.peak_memory_bytes,
        ],
        kernels: r.kernel_seconds,
    }
}

pub fn demand_of(p: &Predicted) -> Demand {
    p.analysis
        .prediction
        .as_ref()
        .map(|x| Demand {
            wall_seconds: x.wall_seconds,
            cpu_seconds: x.cpu_seconds,
            peak_memory_bytes: x.peak_memory_bytes,
        })
        .unwrap_or_default()
}

/// A run record for the history.
pub fn record(
    a: &Analysis,
    node: &NodeProfile,
    first_sight: &Predicted,
    actual: Demand,
) -> RunRecord {
    RunRecord {
        program_hash: a.source_hash.clone(),
        file: a.file.clone(),
        args: a.args.clone(),
        node: node.fingerprint.id(),
        predicted: demand_of(first_sight),
        actual,
        kernel_seconds: first_sight
            .kernels
            .iter()
            .map(|k| (k.pattern.clone(), k.seconds))
            .collect(),
        created: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
        model: prescient_profile::MODEL_FINGERPRINT.into(),
    }
}

/// Feeds a run under the runtime into the history (`prescient run`, the
/// server's jobs): the whole program for the prediction's learning, under
/// `worker_key` (apart from plain runs: a warm worker has its own baseline
/// and pays no start-up, so start-up is left out of the prediction too), and
/// each section's telemetry for the planner's. The whole run's use is the
/// sections' (summed time, largest peak).
pub fn record_worker_run(
    store: &Store,
    a: &Analysis,
    node: &NodeProfile,
    worker_key: &str,
    first_sight: &Predicted,
    sections: &[SectionRun],
) {
    let actual = Demand {
        wall_seconds: sections.iter().map(|s| s.actual.wall_seconds).sum(),
        cpu_seconds: sections.iter().map(|s| s.actual.cpu_seconds).sum(),
        peak_memory_bytes: sections
            .iter()
            .map(|s| s.actual.peak_memory_bytes)
            .fold(0.0, f64::max),
    };
    let mut rec = record(a, node, first_sight, actual);
    rec.node = worker_key.to_string();
    let start = first_sight
        .analysis
        .prediction
        .as_ref()
        .map(|p| p.startup_seconds)
        .unwrap_or(0.0);
    rec.predicted.wall_seconds = (rec.predicted.wall_seconds - start).max(0.0);
    rec.predicted.cpu_seconds = (rec.predicted.cpu_seconds - start).max(0.0);
    let Ok(id) = store
        .record_run(&rec)
        .map_err(|e| tracing::warn!("history not saved: {e}"))
    else {
        return;
    };
    if let Err(e) = store.record_sections(id, sections) {
        tracing::warn!("section telemetry not saved: {e}");
    }
}
