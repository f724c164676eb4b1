//! The interpreter cost model fitted by regression.
//!
//! Interpreted work is counted by operation class (`PyOps::classes`). The
//! seconds each class costs come from a non-negative least-squares fit, on
//! relative error, of the operation counts the analyser finds in hundreds of
//! generated programs (`snippets.rs`) against their measured time
//! (`prescient fit-interp`). The fit is made once on a reference node and
//! shipped (`data/interp_fit.json`) with that node's interpreter
//! microbenchmarks; another node scales it by the geometric mean of its own
//! microbenchmarks over the reference ones, so a slower or faster interpreter
//! moves the whole model without a fit of its own.
//!
//! A fit absorbs what the counts systematically miss (name loads, stores, the
//! work inside a call that is counted once): the costs are per counted
//! operation, not per bytecode. Its `level` then puts the median prediction
//! of a snippet series on its measured time; `prescient fit-interp
//! --keep-costs` sets the level alone, on a series of other programs than
//! the costs were fitted on.

use prescient_model::{NodeProfile, PyOps};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const SCHEMA: &str = "prescient.interp-fit/1";

/// The microbenchmarks of the calibration that set a node's correction.
pub const REFERENCE_KEYS: &[&str] = &[
    "interp.loop_iter",
    "interp.int_arith",
    "interp.float_arith",
    "interp.index",
    "interp.call",
    "interp.attr",
];

/// The seconds per iteration of the calibration's interpreter loops (a
/// bare loop; two float operations; two int operations; an index and a
/// modulo; a call; an attribute read), rebuilt from the costs it stores
/// as `calibrate.py` derived them; `None` without the bare loop's.
fn loop_times(rate: impl Fn(&str) -> Option<f64>) -> Option<Vec<f64>> {
    let base = rate("interp.loop_iter")?;
    let int = rate("interp.int_arith");
    let with = |key: &str, k: f64, extra: f64| -> f64 {
        match rate(key) {
            Some(c) => base + k * c + extra * int.unwrap_or(0.0),
            None => 0.0,
        }
    };
    Some(vec![
        base,
        with("interp.float_arith", 2.0, 0.0),
        with("interp.int_arith", 2.0, 0.0),
        with("interp.index", 1.0, 1.0),
        with("interp.call", 1.0, 0.0),
        with("interp.attr", 1.0, 0.0),
    ])
}

/// Classes counted but left out of the fit (costed 0): statements and the
/// names they touch. A fit that priced them took the cost of the many
/// statements of pure-Python benchmarks from the other classes and missed
/// those benchmarks far more (median error 68-74% to 90-95%).
pub const UNFITTED: &[&str] = &["stmts", "names"];

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InterpFit {
    pub schema: String,
    /// Seconds per counted operation, by class.
    pub cost: BTreeMap<String, f64>,
    /// The reference node's microbenchmark rates (seconds per operation).
    pub reference: BTreeMap<String, f64>,
    /// How the fit was made and how well it predicts snippets left out of it.
    pub provenance: Provenance,
    /// A common factor on every class's cost: what makes the costs' median
    /// prediction of a snippet series its measured time (`fit_level`). A
    /// least-squares fit on relative error predicts low (an over-prediction
    /// weighs more than an under-prediction of the same ratio), and the
    /// costs may come from a series of simpler programs than the one the
    /// level is set on. Fits made before the level existed have 1.
    #[serde(default = "unit_level")]
    pub level: f64,
    /// How the level was set, when it was set on its own (`prescient
    /// fit-interp --keep-costs`): the costs then come from an earlier fit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_fit: Option<LevelFit>,
}

fn unit_level() -> f64 {
    1.0
}

/// The series a level was set on, and how well the costs predict it
/// without and with the level (each snippet predicted with the level set
/// on the other folds).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct LevelFit {
    pub seed: u64,
    pub snippets: usize,
    pub folds: usize,
    pub node: String,
    pub costs_alone: Accuracy,
    pub held_out: Accuracy,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Provenance {
    pub seed: u64,
    pub snippets: usize,
    pub folds: usize,
    pub node: String,
    /// Errors on held-out snippets (each predicted by the fit made on the
    /// other folds) and, on the same snippets, of the model the fit replaced.
    pub held_out: Accuracy,
    pub replaced_model: Accuracy,
}

#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Accuracy {
    pub median_error: f64,
    pub within_25: f64,
    pub within_40: f64,
}

impl Accuracy {
    /// Relative errors |p - a| / a over pairs (predicted, actual).
    pub fn of(pairs: &[(f64, f64)]) -> Accuracy {
        let mut errs: Vec<f64> = pairs
            .iter()
            .filter(|(_, a)| *a > 0.0)
            .map(|(p, a)| (p - a).abs() / a)
            .collect();
        if errs.is_empty() {
            return Accuracy::default();
        }
        errs.sort_by(f64::total_cmp);
        let share = |t: f64| errs.iter().filter(|e| **e <= t).count() as f64 / errs.len() as f64;
        Accuracy {
            median_error: errs[errs.len() / 2],
            within_25: share(0.25),
            within_40: share(0.40),
        }
    }
}

impl InterpFit {
    /// Seconds of `ops` on the reference node.
    pub fn reference_seconds(&self, ops: &PyOps) -> f64 {
        let sum: f64 = ops
            .classes()
            .iter()
            .map(|(name, n)| n * self.cost.get(*name).copied().unwrap_or(0.0))
            .sum();
        sum * self.level
    }

    /// How much slower (> 1) or faster this node's interpreter is than the
    /// reference node's: the median of the ratios of the microbenchmarks'
    /// loop times (in log terms: the geometric mean of the middle two of
    /// an even count), within 0.25-4 (beyond that a measurement went
    /// wrong, not the node).
    ///
    /// Whole loop times, not the per-operation costs the calibration
    /// stores: those are differences (`interp.call` is a loop calling a
    /// function less the bare loop), so a bare loop timed slow on a busy
    /// machine made every other cost read fast, and moved every
    /// pure-Python forecast by a third. A median, not a mean: one loop
    /// timed off does not move it. Measured: three calibrations of one
    /// node gave corrections 1.33, 0.92 and 0.71 from the costs' mean,
    /// 1.03, 1.04 and 0.99 from this.
    pub fn correction(&self, node: &NodeProfile) -> f64 {
        let (Some(mine), Some(theirs)) = (
            loop_times(|k| node.rate(k)),
            loop_times(|k| self.reference.get(k).copied()),
        ) else {
            return 1.0;
        };
        let mut logs: Vec<f64> = mine
            .iter()
            .zip(&theirs)
            .filter(|(m, t)| **m > 0.0 && **t > 0.0)
            .map(|(m, t)| (m / t).ln())
            .collect();
        if logs.is_empty() {
            return 1.0;
        }
        logs.sort_by(f64::total_cmp);
        let mid = logs.len() / 2;
        let median = if logs.len().is_multiple_of(2) {
            (logs[mid - 1] + logs[mid]) / 2.0
        } else {
            logs[mid]
        };
        median.exp().clamp(0.25, 4.0)
    }

    pub fn seconds(&self, ops: &PyOps, node: &NodeProfile) -> f64 {
        self.reference_seconds(ops) * self.correction(node)
    }
}

/// The fit shipped with this build, if it parses (a build with a broken file
/// falls back to the microbenchmark model rather than failing).
pub fn shipped() -> Option<&'static InterpFit> {
    static FIT: std::sync::OnceLock<Option<InterpFit>> = std::sync::OnceLock::new();
    FIT.get_or_init(|| {
        serde_json::from_str::<InterpFit>(include_str!("../data/interp_fit.json"))
            .ok()
            .filter(|f| f.schema == SCHEMA)
    })
    .as_ref()
}

/// Non-negative least squares on relative error: the costs `c >= 0`
/// minimising `sum(((x . c) - t)^2 / t^2)` over rows `(x, t)`, by coordinate
/// descent on the normal equations (few features, hundreds of rows).
pub fn fit_costs(rows: &[(Vec<f64>, f64)]) -> Vec<f64> {
    let k = rows.first().map(|(x, _)| x.len()).unwrap_or(0);
    let mut g = vec![vec![0.0; k]; k];
    let mut h = vec![0.0; k];
    for (x, t) in rows {
        if *t <= 0.0 || x.len() != k {
            continue;
        }
        let w = 1.0 / (t * t);
        for a in 0..k {
            h[a] += x[a] * t * w;
            for b in 0..k {
                g[a][b] += x[a] * x[b] * w;
            }
        }
    }
    let mut c = vec![0.0; k];
    for _ in 0..5000 {
        let mut change: f64 = 0.0;
        for a in 0..k {
            if g[a][a] <= 0.0 {
                continue;
            }
            let others: f64 = (0..k).filter(|b| *b != a).map(|b| g[a][b] * c[b]).sum();
            let new = ((h[a] - others) / g[a][a]).max(0.0);
            change = change.max((new - c[a]).abs() / new.abs().max(1e-12));
            c[a] = new;
        }
        if change < 1e-10 {
            break;
        }
    }
    c
}

/// The factor on `costs` that makes their median prediction of the rows
/// right: `exp(median(ln(t / (x . c))))`, over the rows the costs predict
/// anything for (1 where there are none). The median, not the mean: a
/// snippet the counts miss badly should not move the level of all.
pub fn fit_level(rows: &[(Vec<f64>, f64)], costs: &[f64]) -> f64 {
    let mut logs: Vec<f64> = rows
        .iter()
        .filter_map(|(x, t)| {
            let p: f64 = x.iter().zip(costs).map(|(a, b)| a * b).sum();
            (p > 0.0 && *t > 0.0).then(|| (t / p).ln())
        })
        .collect();
    if logs.is_empty() {
        return 1.0;
    }
    logs.sort_by(f64::total_cmp);
    let n = logs.len();
    let mid = if n % 2 == 1 {
        logs[n / 2]
    } else {
        (logs[n / 2 - 1] + logs[n / 2]) / 2.0
    };
    mid.exp()
}

/// Each row predicted by `costs` at the level set on the other folds:
/// pairs (predicted, actual), in the order of the rows.
pub fn cross_validate_level(
    rows: &[(Vec<f64>, f64)],
    costs: &[f64],
    folds: usize,
) -> Vec<(f64, f64)> {
    cross_validate_by(rows, folds, |train| {
        let level = fit_level(train, costs);
        costs.iter().map(|c| c * level).collect()
    })
}

/// Each row predicted by a fit on the other folds (row `i` is in fold
/// `i % folds`), its costs and their level both fitted there: pairs
/// (predicted, actual), in the order of the rows.
pub fn cross_validate(rows: &[(Vec<f64>, f64)], folds: usize) -> Vec<(f64, f64)> {
    cross_validate_by(rows, folds, |train| {
        let c = fit_costs(train);
        let level = fit_level(train, &c);
        c.iter().map(|c| c * level).collect()
    })
}

/// Each row predicted by the costs `fit` makes of the other folds' rows.
fn cross_validate_by(
    rows: &[(Vec<f64>, f64)],
    folds: usize,
    fit: impl Fn(&[(Vec<f64>, f64)]) -> Vec<f64>,
) -> Vec<(f64, f64)> {
    let folds = folds.max(2);
    let mut out: Vec<(f64, f64)> = rows.iter().map(|(_, t)| (0.0, *t)).collect();
    for f in 0..folds {
        let train: Vec<(Vec<f64>, f64)> = rows
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != f)
            .map(|(_, r)| r.clone())
            .collect();
        let c = fit(&train);
        for (i, (x, _)) in rows.iter().enumerate().filter(|(i, _)| i % folds == f) {
            out[i].0 = x.iter().zip(&c).map(|(a, b)| a * b).sum();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_known_costs_and_stays_non_negative() {
        // t = 2 x0 + 5 x1 + 0 x2, with x2 correlated noise the fit must not use.
        let rows: Vec<(Vec<f64>, f64)> = (1..60)
            .map(|i| {
                let x0 = (i % 7 + 1) as f64;
                let x1 = (i % 5 + 1) as f64 * 3.0;
                let x2 = (i % 3) as f64;
                (vec![x0, x1, x2], 2.0 * x0 + 5.0 * x1)
            })
            .collect();
        let c = fit_costs(&rows);
        assert!((c[0] - 2.0).abs() < 1e-6, "{c:?}");
        assert!((c[1] - 5.0).abs() < 1e-6, "{c:?}");
        assert!(c[2].abs() < 1e-6, "{c:?}");
        let cv = cross_validate(&rows, 5);
        assert_eq!(cv.len(), rows.len());
        assert!(Accuracy::of(&cv).median_error < 1e-6);
    }

    #[test]
    fn the_level_makes_the_median_prediction_right() {
        // Times 1.2x what the costs say, but for one row the counts miss
        // tenfold: the median, not the mean, sets the level.
        let mut rows: Vec<(Vec<f64>, f64)> =
            (1..=9).map(|i| (vec![i as f64], 1.2 * i as f64)).collect();
        rows.push((vec![1.0], 12.0));
        let level = fit_level(&rows, &[1.0]);
        assert!((level - 1.2).abs() < 1e-9, "{level}");
        // Nothing predicted: no level.
        assert_eq!(fit_level(&[(vec![0.0], 1.0)], &[1.0]), 1.0);
        let cv = cross_validate_level(&rows, &[1.0], 5);
        assert!(Accuracy::of(&cv[..9]).median_error < 1e-9);
    }

    #[test]
    fn a_fit_made_before_the_level_reads_as_level_one() {
        let old = r#"{"schema": "prescient.interp-fit/1", "cost": {"calls": 1e-8},
            "reference": {}, "provenance": {"seed": 1, "snippets": 3, "folds": 2,
            "node": "n", "held_out": {"median_error": 0.1, "within_25": 1.0, "within_40": 1.0},
            "replaced_model": {"median_error": 0.5, "within_25": 0.0, "within_40": 0.0}}}"#;
        let fit: InterpFit = serde_json::from_str(old).expect("parses");
        assert_eq!(fit.level, 1.0);
        assert!(fit.level_fit.is_none());
        let ops = PyOps {
            calls: 2.0,
            ..PyOps::default()
        };
        let scaled = InterpFit {
            level: 1.5,
            ..fit.clone()
        };
        assert!((scaled.reference_seconds(&ops) - 1.5 * fit.reference_seconds(&ops)).abs() < 1e-18);
    }

    #[test]
    fn a_negative_cost_is_clamped() {
        // The best unconstrained fit would give x1 a negative cost.
        let rows = vec![
            (vec![1.0, 0.0], 1.0),
            (vec![1.0, 1.0], 0.5),
            (vec![2.0, 1.0], 1.5),
        ];
        let c = fit_costs(&rows);
        assert!(c.iter().all(|v| *v >= 0.0), "{c:?}");
    }

    fn fit_with(reference: BTreeMap<String, f64>) -> InterpFit {
        InterpFit {
            schema: SCHEMA.into(),
            cost: BTreeMap::from([("loop_iters".to_string(), 10e-9)]),
            reference,
            provenance: Provenance {
                seed: 0,
                snippets: 0,
                folds: 0,
                node: String::new(),
                held_out: Accuracy::default(),
                replaced_model: Accuracy::default(),
            },
            level: 1.0,
            level_fit: None,
        }
    }

    #[test]
    fn correction_of_two_loops_is_the_geometric_mean_of_their_ratios() {
        let fit = fit_with(BTreeMap::from([
            ("interp.loop_iter".to_string(), 10e-9),
            ("interp.call".to_string(), 20e-9),
        ]));
        let mut node = NodeProfile::default();
        assert_eq!(fit.correction(&node), 1.0);
        node.rates.insert("interp.loop_iter".into(), 20e-9);
        node.rates.insert("interp.call".into(), 80e-9);
        // Loops of 10 and 30 ns against 20 and 100: ratios 2 and 10/3.
        let want = (20.0f64 / 3.0).sqrt();
        assert!((fit.correction(&node) - want).abs() < 1e-9);
        let ops = PyOps {
            loop_iters: 100.0,
            ..PyOps::default()
        };
        assert!((fit.seconds(&ops, &node) - 1e-6 * want).abs() < 1e-15);
    }

    #[test]
    fn a_bare_loop_timed_slow_does_not_make_the_node_read_fast() {
        // The bare loop timed at 15 ns against the reference's 10, each
        // other loop as long as on the reference node: the costs derived
        // by difference read a third to a half lower, the node is not.
        let all_10: BTreeMap<String, f64> = REFERENCE_KEYS
            .iter()
            .map(|k| (k.to_string(), 10e-9))
            .collect();
        let fit = fit_with(all_10);
        let mut node = NodeProfile::default();
        for (k, v) in [
            ("interp.loop_iter", 15e-9),
            ("interp.float_arith", 7.5e-9),
            ("interp.int_arith", 7.5e-9),
            ("interp.index", 7.5e-9),
            ("interp.call", 5e-9),
            ("interp.attr", 5e-9),
        ] {
            node.rates.insert(k.into(), v);
        }
        assert!(
            (fit.correction(&node) - 1.0).abs() < 1e-9,
            "{}",
            fit.correction(&node)
        );
    }

    #[test]
    fn one_microbenchmark_far_off_does_not_move_the_correction() {
        // Five of six classes as fast as on the reference node, one timed
        // three times slower (a difference of two timings on a busy
        // machine): the node is as fast as the reference.
        let reference: BTreeMap<String, f64> = REFERENCE_KEYS
            .iter()
            .map(|k| (k.to_string(), 10e-9))
            .collect();
        let fit = fit_with(reference.clone());
        let mut node = NodeProfile {
            rates: reference,
            ..NodeProfile::default()
        };
        node.rates.insert("interp.index".into(), 30e-9);
        assert!(
            (fit.correction(&node) - 1.0).abs() < 1e-9,
            "{}",
            fit.correction(&node)
        );
    }
}
