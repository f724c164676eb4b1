//! A node's reservation calendar: what is promised to whom, when.
//!
//! Usage over time is a step function: the sum of the reservations live at
//! each instant. A request fits on `[start, end)` when, added to that sum, it
//! stays within the node's capacity at every instant of the interval; the sum
//! only changes at reservation boundaries, so checking those is enough.
//! Reservations are half-open intervals: one that ends at `t` and one that
//! starts at `t` do not overlap.

use serde::{Deserialize, Serialize};

/// What a node offers.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    pub cores: f64,
    pub memory: f64,
}

/// Resources promised to a job on `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reservation {
    pub job: u64,
    pub start: f64,
    pub end: f64,
    pub cores: f64,
    pub memory: f64,
}

/// One phase of a job's forecast timeline, as the planner reserves it (at
/// the upper bounds of the forecast's intervals).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Phase {
    pub seconds: f64,
    pub cores: f64,
    pub memory: f64,
}

/// Rounding slack, so that reservations computed in floating point that
/// exactly fill a node are not refused.
const EPS: f64 = 1e-9;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Calendar {
    pub capacity: Option<Capacity>,
    reservations: Vec<Reservation>,
}

impl Calendar {
    pub fn new(capacity: Capacity) -> Calendar {
        Calendar {
            capacity: Some(capacity),
            reservations: Vec::new(),
        }
    }

    pub fn reservations(&self) -> &[Reservation] {
        &self.reservations
    }

    /// Cores and memory reserved at instant `t`.
    pub fn usage_at(&self, t: f64) -> (f64, f64) {
        self.reservations
            .iter()
            .filter(|r| r.start <= t && t < r.end)
            .fold((0.0, 0.0), |(c, m), r| (c + r.cores, m + r.memory))
    }

    /// The most cores and the most memory reserved at any instant of
    /// `[start, end)` (each maximum on its own).
    pub fn peak_between(&self, start: f64, end: f64) -> (f64, f64) {
        if end <= start {
            return (0.0, 0.0);
        }
        let mut instants = vec![start];
        instants.extend(
            self.reservations
                .iter()
                .map(|r| r.start)
                .filter(|&t| t > start && t < end),
        );
        instants
            .into_iter()
            .map(|t| self.usage_at(t))
            .fold((0.0, 0.0), |(c, m), (uc, um)| (c.max(uc), m.max(um)))
    }

    /// Whether `cores` and `memory` more fit on `[start, end)`.
    pub fn fits(&self, start: f64, end: f64, cores: f64, memory: f64) -> bool {
        let Some(cap) = self.capacity else {
            return false;
        };
        if cores > cap.cores + EPS || memory > cap.memory + EPS {
            return false;
        }
        let (c, m) = self.peak_between(start, end);
        c + cores <= cap.cores + EPS && m + memory <= cap.memory + EPS
    }

    /// Whether a timeline of phases, started at `start`, fits.
    pub fn fits_timeline(&self, start: f64, phases: &[Phase]) -> bool {
        let mut t = start;
        for p in phases {
            let end = t + p.seconds.max(0.0);
            if !self.fits(t, end.max(t + EPS), p.cores, p.memory) {
                return false;
            }
            t = end;
        }
        true
    }

    /// The earliest start at or after `from` where the whole timeline fits.
    /// Only an ending reservation frees anything, so the earliest start is
    /// `from` or one that makes some phase begin exactly when some
    /// reservation ends. None if it never fits (the node is too small for one
    /// of the phases).
    pub fn earliest_start(&self, from: f64, phases: &[Phase]) -> Option<f64> {
        let mut offsets = Vec::with_capacity(phases.len());
        let mut t = 0.0;
        for p in phases {
            offsets.push(t);
            t += p.seconds.max(0.0);
        }
        let mut candidates: Vec<f64> = std::iter::once(from)
            .chain(
                self.reservations
                    .iter()
                    // Also nudged up: `end - offset + offset` may round to
                    // just before `end` and overlap the reservation ending there.
                    .flat_map(|r| {
                        offsets.iter().flat_map(move |o| {
                            let s = r.end - o;
                            [s, s + 1e-9 * r.end.abs().max(1.0)]
                        })
                    })
                    .filter(|&s| s > from),
            )
            .collect();
        candidates.sort_by(|a, b| a.total_cmp(b));
        candidates.dedup();
        candidates
            .into_iter()
            .find(|&t| self.fits_timeline(t, phases))
    }

    /// Reserves a timeline of phases from `start`, one reservation per phase.
    pub fn reserve_timeline(&mut self, job: u64, start: f64, phases: &[Phase]) {
        let mut t = start;
        for p in phases {
            let end = t + p.seconds.max(0.0);
            if end > t {
                self.reservations.push(Reservation {
                    job,
                    start: t,
                    end,
                    cores: p.cores,
                    memory: p.memory,
                });
            }
            t = end;
        }
    }

    pub fn reserve(&mut self, r: Reservation) {
        if r.end > r.start {
            self.reservations.push(r);
        }
    }

    /// Forgets what a job holds (it ended, or moved elsewhere).
    pub fn release(&mut self, job: u64) {
        self.reservations.retain(|r| r.job != job);
    }

    /// Forgets what a job holds from `t` on (it ended early, or moves at `t`).
    pub fn release_from(&mut self, job: u64, t: f64) {
        self.reservations.retain(|r| r.job != job || r.start < t);
        for r in &mut self.reservations {
            if r.job == job && r.end > t {
                r.end = t;
            }
        }
    }

    /// Drops reservations that ended before `t`.
    pub fn forget_before(&mut self, t: f64) {
        self.reservations.retain(|r| r.end > t);
    }

    /// The first instant at or after `from` when nothing is reserved, for
    /// scaling in an idle virtual node.
    pub fn idle_from(&self, from: f64) -> f64 {
        self.reservations
            .iter()
            .filter(|r| r.end > from)
            .map(|r| r.end)
            .fold(from, f64::max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A node with `cores` and `gib` GiB, for scenarios.
    fn node(cores: f64, gib: f64) -> Calendar {
        Calendar::new(Capacity {
            cores,
            memory: gib * GIB,
        })
    }

    const GIB: f64 = 1073741824.0;

    fn phase(seconds: f64, cores: f64, gib: f64) -> Phase {
        Phase {
            seconds,
            cores,
            memory: gib * GIB,
        }
    }

    #[test]
    fn usage_is_a_step_function_of_half_open_intervals() {
        let mut c = node(4.0, 8.0);
        c.reserve_timeline(1, 0.0, &[phase(10.0, 2.0, 1.0), phase(5.0, 1.0, 4.0)]);
        assert_eq!(c.usage_at(0.0), (2.0, GIB));
        assert_eq!(c.usage_at(9.999), (2.0, GIB));
        assert_eq!(c.usage_at(10.0), (1.0, 4.0 * GIB));
        assert_eq!(c.usage_at(15.0), (0.0, 0.0));
        assert_eq!(c.peak_between(0.0, 20.0), (2.0, 4.0 * GIB));
        assert_eq!(c.peak_between(12.0, 20.0), (1.0, 4.0 * GIB));
    }

    #[test]
    fn a_memory_spike_that_does_not_fit_now_fits_when_the_other_job_ends() {
        let mut c = node(2.0, 8.0);
        // Job 1 holds 6 GiB for 30 s.
        c.reserve_timeline(1, 0.0, &[phase(30.0, 1.0, 6.0)]);
        // Job 2: a small phase, then a 4 GiB spike.
        let job2 = [phase(10.0, 1.0, 1.0), phase(5.0, 1.0, 4.0)];
        assert!(
            !c.fits_timeline(0.0, &job2),
            "the spike collides with job 1"
        );
        // Started at 20 s, its spike begins exactly when job 1 ends.
        assert!(c.fits_timeline(20.0, &job2));
        assert!(!c.fits_timeline(19.0, &job2));
        assert_eq!(c.earliest_start(0.0, &job2), Some(20.0));
        // From 20 s on, fitting the whole timeline only needs job 1's end.
        let first_part_only = [phase(10.0, 1.0, 1.0)];
        assert_eq!(c.earliest_start(0.0, &first_part_only), Some(0.0));
    }

    #[test]
    fn a_phase_larger_than_the_node_never_fits() {
        let c = node(2.0, 4.0);
        assert_eq!(c.earliest_start(0.0, &[phase(1.0, 1.0, 5.0)]), None);
        assert_eq!(c.earliest_start(0.0, &[phase(1.0, 3.0, 1.0)]), None);
        assert!(!Calendar::default().fits(0.0, 1.0, 0.0, 0.0));
    }

    #[test]
    fn exactly_full_is_allowed_despite_rounding() {
        let mut c = node(1.0, 1.0);
        c.reserve(Reservation {
            job: 1,
            start: 0.0,
            end: 10.0,
            cores: 0.1 + 0.2,
            memory: 0.3 * GIB,
        });
        assert!(c.fits(0.0, 10.0, 0.7, 0.7 * GIB));
        assert!(!c.fits(0.0, 10.0, 0.71, 0.7 * GIB));
    }

    #[test]
    fn releasing_frees_from_the_given_instant() {
        let mut c = node(1.0, 1.0);
        c.reserve_timeline(7, 0.0, &[phase(100.0, 1.0, 1.0)]);
        assert!(!c.fits(50.0, 60.0, 1.0, GIB));
        c.release_from(7, 40.0);
        assert!(c.fits(50.0, 60.0, 1.0, GIB));
        assert!(!c.fits(30.0, 35.0, 1.0, GIB));
        assert_eq!(c.idle_from(0.0), 40.0);
        c.release(7);
        assert!(c.reservations().is_empty());
        assert_eq!(c.idle_from(5.0), 5.0);
    }

    #[test]
    fn forgetting_the_past_keeps_what_is_still_running() {
        let mut c = node(1.0, 1.0);
        c.reserve_timeline(1, 0.0, &[phase(10.0, 0.5, 0.5), phase(10.0, 0.5, 0.5)]);
        c.forget_before(12.0);
        assert_eq!(c.reservations().len(), 1);
        assert_eq!(c.usage_at(15.0), (0.5, 0.5 * GIB));
    }

    proptest::proptest! {
        /// Whatever is reserved where `earliest_start` said it fits never
        /// overbooks the node at any reservation boundary, and no earlier
        /// start on a fine grid would have fitted.
        #[test]
        fn earliest_start_never_overbooks(
            jobs in proptest::collection::vec(
                proptest::collection::vec((0.1f64..20.0, 0.1f64..2.0, 0.1f64..4.0), 1..4),
                1..12,
            )
        ) {
            let mut c = node(2.0, 4.0);
            for (i, j) in jobs.iter().enumerate() {
                let phases: Vec<Phase> = j.iter().map(|&(s, cores, g)| phase(s, cores, g)).collect();
                if let Some(t) = c.earliest_start(0.0, &phases) {
                    let mut probe = 0.0;
                    while probe + 0.05 < t {
                        proptest::prop_assert!(!c.fits_timeline(probe, &phases), "fits at {} < {}", probe, t);
                        probe += 0.05;
                    }
                    c.reserve_timeline(i as u64, t, &phases);
                }
            }
            let instants: Vec<f64> = c.reservations().iter().flat_map(|r| [r.start, r.end]).collect();
            for t in instants {
                let (cores, mem) = c.usage_at(t);
                proptest::prop_assert!(cores <= 2.0 + 1e-6, "cores {} at {}", cores, t);
                proptest::prop_assert!(mem <= 4.0 * GIB + 1.0, "memory {} at {}", mem, t);
            }
        }
    }
}
