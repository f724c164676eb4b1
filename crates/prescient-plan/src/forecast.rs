//! A job's forecast as the planner uses it: per unit of execution (a
//! module-level section, between which the job can move), the expected
//! seconds, cores and memory, their upper bounds, and the features the unit
//! profits from.
//!
//! Built from the profiler's per-section prediction ([`Forecast::from_analysis`]),
//! from measured runs ([`Forecast::learn`], which is how repeated
//! submissions move a forecast toward what the job really uses), or from
//! declared or exact figures.

use crate::calendar::Phase;
use crate::features::Features;
use prescient_model::Analysis;
use serde::{Deserialize, Serialize};

/// Units shorter than this keep their forecast cores when learning: their
/// measured CPU over wall time is mostly timer granularity.
pub const MIN_RATE_SECONDS: f64 = 0.2;

/// One unit of a job's forecast.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SectionForecast {
    /// Seconds on a node with every feature the unit profits from.
    pub seconds: f64,
    pub seconds_high: f64,
    /// Cores kept busy.
    pub cores: f64,
    /// Peak resident bytes of the whole process during the unit.
    pub memory: f64,
    pub memory_high: f64,
    pub features: Features,
    /// Share of the unit's time spent in work that profits from `features`.
    pub feature_share: f64,
}

impl SectionForecast {
    /// How much longer the unit runs on a node with `node` features.
    pub fn stretch_on(&self, node: Features) -> f64 {
        let lacking = node.lacking(self.features);
        if lacking.is_empty() {
            1.0
        } else {
            1.0 - self.feature_share + self.feature_share * lacking.slowdown()
        }
    }

    /// The unit as reserved on a node: at the upper bounds.
    pub fn reserved_on(&self, node: Features) -> Phase {
        Phase {
            seconds: self.seconds_high * self.stretch_on(node),
            cores: self.cores,
            memory: self.memory_high,
        }
    }
}

/// Measured demand of one unit in one run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Observed {
    pub seconds: f64,
    pub cpu_seconds: f64,
    pub memory: f64,
}

impl Observed {
    /// Cores kept busy, when the unit ran long enough for CPU over wall
    /// time to mean it.
    pub fn cores(&self) -> Option<f64> {
        (self.seconds >= MIN_RATE_SECONDS).then(|| self.cpu_seconds / self.seconds)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    pub sections: Vec<SectionForecast>,
}

/// A unit of execution: the lines it covers and the analysis sections in it.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitSpan {
    pub start_line: u32,
    pub end_line: u32,
    /// `module`, or the entry function whose body statements these are.
    pub scope: String,
    /// Predicted demand, absent when no section in it was predicted.
    pub forecast: Option<SectionForecast>,
}

/// Splits a predicted analysis into units: one per section, in the order
/// they run (module sections, and the sections of the entry function's
/// body where it is called). `worker_rss` replaces the plain
/// interpreter's baseline by the worker's (which has the harness loaded).
pub fn units(a: &Analysis, worker_rss: f64) -> Vec<UnitSpan> {
    let base = a
        .prediction
        .as_ref()
        .map(|p| p.baseline_memory_bytes)
        .unwrap_or(0.0);
    if a.sections.is_empty() {
        return vec![UnitSpan {
            start_line: 1,
            end_line: u32::MAX,
            scope: "module".into(),
            forecast: None,
        }];
    }
    a.sections
        .iter()
        .map(|m| {
            let mut f: Option<SectionForecast> = None;
            let mut cpu = 0.0;
            let mut share = 0.0;
            let s = m;
            if let Some(p) = &s.predicted {
                let e = f.get_or_insert(SectionForecast {
                    seconds: 0.0,
                    seconds_high: 0.0,
                    cores: 1.0,
                    memory: 0.0,
                    memory_high: 0.0,
                    features: Features::NONE,
                    feature_share: 0.0,
                });
                e.seconds += p.wall_seconds;
                e.seconds_high += p.wall_interval.high.max(p.wall_seconds);
                cpu += p.cpu_seconds;
                let rebase = |v: f64| v - base + base.max(worker_rss);
                e.memory = e.memory.max(rebase(p.peak_memory_bytes));
                e.memory_high = e
                    .memory_high
                    .max(rebase(p.peak_memory_interval.high.max(p.peak_memory_bytes)));
                for k in &s.kernels {
                    let fk = Features::from_names(&k.affinity);
                    if !fk.is_empty() {
                        e.features = Features(e.features.0 | fk.0);
                        share += k.predicted_seconds.unwrap_or(0.0);
                    }
                }
            }
            if let Some(e) = f.as_mut() {
                e.cores = if e.seconds > 0.0 {
                    cpu / e.seconds
                } else {
                    1.0
                };
                e.feature_share = if e.seconds > 0.0 {
                    (share / e.seconds).clamp(0.0, 1.0)
                } else {
                    0.0
                };
            }
            UnitSpan {
                start_line: m.start_line,
                end_line: m.end_line,
                scope: m.scope.clone(),
                forecast: f,
            }
        })
        .collect()
}

impl Forecast {
    /// The forecast of a predicted analysis; units without a prediction get
    /// a token demand (a tenth of a second on one core at the baseline).
    pub fn from_analysis(a: &Analysis, worker_rss: f64) -> Forecast {
        let floor = a
            .prediction
            .as_ref()
            .map(|p| p.baseline_memory_bytes)
            .unwrap_or(0.0)
            .max(worker_rss);
        // Imports run in the first unit (the worker has only the harness
        // and numpy loaded ahead).
        let imports = a.prediction.as_ref().map_or(0.0, |p| p.startup_seconds);
        let mut f = Forecast {
            sections: units(a, worker_rss)
                .into_iter()
                .map(|u| {
                    u.forecast.unwrap_or(SectionForecast {
                        seconds: 0.1,
                        seconds_high: 0.2,
                        cores: 1.0,
                        memory: floor,
                        memory_high: floor * 1.1,
                        features: Features::NONE,
                        feature_share: 0.0,
                    })
                })
                .collect(),
        };
        if let Some(first) = f.sections.first_mut() {
            first.seconds += imports;
            first.seconds_high += imports * 1.5;
        }
        f
    }

    /// What one unit of `seconds` with flat `cores` and `memory` looks
    /// like (a declared request).
    pub fn flat(seconds: f64, cores: f64, memory: f64) -> Forecast {
        Forecast {
            sections: vec![SectionForecast {
                seconds,
                seconds_high: seconds,
                cores,
                memory,
                memory_high: memory,
                features: Features::NONE,
                feature_share: 0.0,
            }],
        }
    }

    /// Moves the forecast to what earlier runs measured: per unit, the
    /// median of the runs, with the upper bound at the largest run plus a
    /// margin that shrinks as runs accumulate. Runs with a different number
    /// of units (other code) are ignored.
    pub fn learn(&mut self, runs: &[Vec<Observed>]) {
        let runs: Vec<&Vec<Observed>> = runs
            .iter()
            .filter(|r| r.len() == self.sections.len())
            .collect();
        if runs.is_empty() {
            return;
        }
        let margin = 1.0 + 0.25 / (runs.len() as f64).sqrt();
        for (i, s) in self.sections.iter_mut().enumerate() {
            let pick = |f: fn(&Observed) -> f64| -> (f64, f64) {
                let mut v: Vec<f64> = runs.iter().map(|r| f(&r[i])).collect();
                v.sort_by(f64::total_cmp);
                let mid = v.len() / 2;
                let median = if v.len() % 2 == 1 {
                    v[mid]
                } else {
                    (v[mid - 1] + v[mid]) / 2.0
                };
                (median, v[v.len() - 1])
            };
            let (secs, secs_max) = pick(|o| o.seconds);
            let (cpu, _) = pick(|o| o.cpu_seconds);
            let (mem, mem_max) = pick(|o| o.memory);
            s.seconds = secs;
            s.seconds_high = secs_max * margin;
            s.memory = mem;
            s.memory_high = mem_max * margin;
            // CPU over wall of a unit this short is mostly timer noise.
            if secs >= MIN_RATE_SECONDS {
                s.cores = (cpu / secs).max(0.05);
            }
        }
    }

    /// The upper-bound timeline from unit `from` on, on a node with `node`
    /// features.
    pub fn reserved_from(&self, from: usize, node: Features) -> Vec<Phase> {
        self.sections
            .iter()
            .skip(from)
            .map(|s| s.reserved_on(node))
            .collect()
    }

    /// Largest reserved cores and memory of units `range`.
    pub fn peak(&self, range: std::ops::Range<usize>) -> (f64, f64) {
        self.sections[range.start.min(self.sections.len())..range.end.min(self.sections.len())]
            .iter()
            .fold((0.0, 0.0), |(c, m), s| {
                (c.max(s.cores), m.max(s.memory_high))
            })
    }

    pub fn features(&self) -> Features {
        Features(self.sections.iter().fold(0, |a, s| a | s.features.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(seconds: f64, memory: f64) -> Observed {
        Observed {
            seconds,
            cpu_seconds: seconds,
            memory,
        }
    }

    #[test]
    fn learning_moves_toward_measured_and_narrows() {
        let mut f = Forecast::flat(10.0, 1.0, 100.0);
        f.sections[0].memory_high = 400.0;
        let one = vec![vec![obs(4.0, 1000.0)]];
        f.learn(&one);
        assert_eq!(f.sections[0].memory, 1000.0);
        let first_margin = f.sections[0].memory_high / 1000.0;
        assert!(first_margin > 1.0);
        let many: Vec<Vec<Observed>> = (0..9).map(|_| vec![obs(4.0, 1000.0)]).collect();
        f.learn(&many);
        assert!(f.sections[0].memory_high / 1000.0 < first_margin);
        assert_eq!(f.sections[0].seconds, 4.0);
        // Runs of other code (another unit count) are ignored.
        f.learn(&[vec![obs(1.0, 1.0), obs(1.0, 1.0)]]);
        assert_eq!(f.sections[0].seconds, 4.0);
    }

    #[test]
    fn missing_feature_stretches_only_its_share() {
        let mut s = Forecast::flat(10.0, 1.0, 1.0).sections[0].clone();
        s.features = Features::from_names(["aes"]);
        s.feature_share = 0.5;
        assert_eq!(s.stretch_on(Features::from_names(["aes"])), 1.0);
        assert_eq!(s.stretch_on(Features::NONE), 0.5 + 0.5 * 6.6);
    }
}
