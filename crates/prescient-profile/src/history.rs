//! Learning from measured runs: exact reuse for code seen before, and
//! corrections per pattern for code that is new but made of known kernels.
//!
//! The caller (which owns the history database) turns stored runs into
//! [`Observation`]s; everything here is pure.

use crate::{KernelTime, Predicted};
use std::collections::BTreeMap;

/// One earlier run: what was predicted with no history, and what happened.
#[derive(Clone, Debug)]
pub struct Observation {
    pub same_program: bool,
    pub predicted: [f64; 3],
    pub actual: [f64; 3],
    /// Predicted seconds per pattern in that run.
    pub kernels: Vec<(String, f64)>,
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    Some(v[v.len() / 2])
}

/// Time factors per pattern: the measured-over-predicted ratio of the runs in
/// which that pattern carried most of the predicted time.
pub fn pattern_factors(obs: &[Observation]) -> BTreeMap<String, f64> {
    let mut samples: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for o in obs {
        let total: f64 = o.kernels.iter().map(|(_, s)| s).sum();
        if total <= 0.0 || o.predicted[0] <= 0.0 || o.actual[0] <= 0.0 {
            continue;
        }
        // Start-up is in the totals but not in the kernels: compare kernel time only.
        let startup = (o.predicted[0] - total).max(0.0);
        let actual_kernels = (o.actual[0] - startup).max(o.actual[0] * 0.05);
        let ratio = actual_kernels / total;
        let mut by: BTreeMap<&str, f64> = BTreeMap::new();
        for (p, s) in &o.kernels {
            *by.entry(p).or_default() += s;
        }
        for (p, s) in by {
            if s / total >= 0.5 {
                samples.entry(p.to_string()).or_default().push(ratio.ln());
            }
        }
    }
    samples
        .into_iter()
        .filter_map(|(p, v)| median(v).map(|m| (p, m.exp().clamp(0.05, 20.0))))
        .collect()
}

/// Applies history to a first-sight prediction; returns a description of what
/// was used.
pub fn apply(pred: &mut Predicted, obs: &[Observation]) -> String {
    let Some(prog) = pred.analysis.prediction.as_mut() else {
        return "none".into();
    };
    let exact: Vec<&Observation> = obs.iter().filter(|o| o.same_program).collect();
    if !exact.is_empty() {
        let pick = |i: usize| median(exact.iter().map(|o| o.actual[i]).collect()).unwrap_or(0.0);
        let (w, c, m) = (pick(0), pick(1), pick(2));
        let spread = |i: usize, v: f64| {
            let lo = exact
                .iter()
                .map(|o| o.actual[i])
                .fold(f64::INFINITY, f64::min);
            let hi = exact.iter().map(|o| o.actual[i]).fold(0.0, f64::max);
            (lo.min(v * 0.95), hi.max(v * 1.05))
        };
        let (wl, wh) = spread(0, w);
        let (cl, ch) = spread(1, c);
        let (ml, mh) = spread(2, m);
        prog.wall_seconds = w;
        prog.wall_interval = prescient_model::Interval { low: wl, high: wh };
        prog.cpu_seconds = c;
        prog.cpu_interval = prescient_model::Interval { low: cl, high: ch };
        prog.peak_memory_bytes = m;
        prog.peak_memory_interval = prescient_model::Interval { low: ml, high: mh };
        prog.history = format!(
            "exact ({} earlier runs of this code and arguments)",
            exact.len()
        );
        return prog.history.clone();
    }
    let factors = pattern_factors(obs);
    if factors.is_empty() {
        return "none".into();
    }
    let total: f64 = pred.kernels.iter().map(|k| k.seconds).sum();
    let corrected: f64 = pred
        .kernels
        .iter()
        .map(|KernelTime { pattern, seconds }| {
            seconds * factors.get(pattern).copied().unwrap_or(1.0)
        })
        .sum();
    if total <= 0.0 {
        return "none".into();
    }
    let f = corrected / total;
    let startup = prog.startup_seconds;
    let scale = |v: f64| startup + (v - startup).max(0.0) * f;
    prog.wall_seconds = scale(prog.wall_seconds);
    prog.cpu_seconds = startup + (prog.cpu_seconds - startup).max(0.0) * f;
    prog.wall_interval.low = scale(prog.wall_interval.low);
    prog.wall_interval.high = scale(prog.wall_interval.high);
    prog.cpu_interval.low *= f.min(1.0);
    prog.cpu_interval.high *= f.max(1.0);
    let used = pred
        .kernels
        .iter()
        .filter(|k| factors.contains_key(&k.pattern))
        .count();
    prog.history = format!(
        "corrected ({} patterns from {} earlier runs, factor {:.2})",
        used,
        obs.len(),
        f
    );
    prog.history.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(p: &str, pred: f64, actual: f64) -> Observation {
        Observation {
            same_program: false,
            predicted: [pred, pred, 1e6],
            actual: [actual, actual, 1e6],
            kernels: vec![(p.into(), pred)],
        }
    }

    #[test]
    fn factors_follow_the_dominant_pattern() {
        let f = pattern_factors(&[
            obs("numpy.matmul", 1.0, 2.0),
            obs("numpy.matmul", 2.0, 4.0),
            obs("numpy.exp", 1.0, 0.5),
        ]);
        assert!((f["numpy.matmul"] - 2.0).abs() < 1e-9);
        assert!((f["numpy.exp"] - 0.5).abs() < 1e-9);
    }
}
