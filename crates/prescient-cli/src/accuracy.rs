//! How the server's predictions compare with what its jobs measured, for
//! `/metrics`: over the jobs that ran to their end, the predicted and the
//! actual wall time and peak memory (summed), how often the actual went
//! over the forecast's upper bound (what the planner reserved), and
//! histograms of actual over predicted.
//!
//! The prediction is the forecast the planner planned with (per unit, with
//! the warm worker's baseline, moved toward earlier runs by the history);
//! the actual is what the runtime measured of each unit.

use prescient_plan::Forecast;

/// Upper bounds of the ratio histograms' buckets (actual / predicted).
pub const RATIO_BUCKETS: [f64; 6] = [0.5, 0.8, 1.25, 2.0, 4.0, f64::INFINITY];

/// What a job measured: wall seconds and peak bytes of each unit.
pub struct Measured<'a> {
    pub units: &'a [(f64, f64)],
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Accuracy {
    pub jobs: u64,
    pub wall_predicted: f64,
    pub wall_actual: f64,
    pub peak_predicted: f64,
    pub peak_actual: f64,
    /// Jobs whose actual went over the forecast's upper bound.
    pub wall_over: u64,
    pub peak_over: u64,
    /// Cumulative counts per bucket of [`RATIO_BUCKETS`].
    pub wall_ratio: [u64; 6],
    pub peak_ratio: [u64; 6],
    pub wall_ratio_sum: f64,
    pub peak_ratio_sum: f64,
}

fn observe(buckets: &mut [u64; 6], sum: &mut f64, ratio: f64) {
    *sum += ratio;
    for (b, &le) in buckets.iter_mut().zip(&RATIO_BUCKETS) {
        if ratio <= le {
            *b += 1;
        }
    }
}

impl Accuracy {
    /// Takes in one job that ran to its end. A job with no unit measured,
    /// or a forecast of a different number of units, is left out.
    pub fn record(&mut self, forecast: &Forecast, m: &Measured) {
        if m.units.is_empty() || m.units.len() != forecast.sections.len() {
            return;
        }
        let wall_p: f64 = forecast.sections.iter().map(|s| s.seconds).sum();
        let wall_hi: f64 = forecast.sections.iter().map(|s| s.seconds_high).sum();
        let peak_p = forecast
            .sections
            .iter()
            .map(|s| s.memory)
            .fold(0.0, f64::max);
        let peak_hi = forecast
            .sections
            .iter()
            .map(|s| s.memory_high)
            .fold(0.0, f64::max);
        let wall_a: f64 = m.units.iter().map(|u| u.0).sum();
        let peak_a = m.units.iter().map(|u| u.1).fold(0.0, f64::max);
        self.jobs += 1;
        self.wall_predicted += wall_p;
        self.wall_actual += wall_a;
        self.peak_predicted += peak_p;
        self.peak_actual += peak_a;
        self.wall_over += u64::from(wall_a > wall_hi);
        self.peak_over += u64::from(peak_a > peak_hi);
        // A prediction of nothing measured as something is off the scale.
        let ratio = |a: f64, p: f64| if p > 0.0 { a / p } else { f64::INFINITY };
        observe(
            &mut self.wall_ratio,
            &mut self.wall_ratio_sum,
            ratio(wall_a, wall_p),
        );
        observe(
            &mut self.peak_ratio,
            &mut self.peak_ratio_sum,
            ratio(peak_a, peak_p),
        );
    }

    /// The Prometheus text of these figures.
    pub fn prometheus(&self) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, v: f64| {
            out.push_str(&format!(
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}\n"
            ));
        };
        counter(
            "prescient_predicted_wall_seconds_total",
            "Predicted wall seconds of the jobs that ran to their end.",
            self.wall_predicted,
        );
        counter(
            "prescient_actual_wall_seconds_total",
            "Measured wall seconds of the same jobs.",
            self.wall_actual,
        );
        counter(
            "prescient_predicted_peak_bytes_total",
            "Predicted peak memory of the jobs that ran to their end, summed.",
            self.peak_predicted,
        );
        counter(
            "prescient_actual_peak_bytes_total",
            "Measured peak memory of the same jobs, summed.",
            self.peak_actual,
        );
        counter(
            "prescient_wall_over_upper_bound_total",
            "Jobs whose wall time went over the forecast's upper bound.",
            self.wall_over as f64,
        );
        counter(
            "prescient_peak_over_upper_bound_total",
            "Jobs whose peak memory went over the forecast's upper bound (what was reserved).",
            self.peak_over as f64,
        );
        for (name, what, buckets, sum) in [
            (
                "prescient_wall_ratio",
                "wall time",
                &self.wall_ratio,
                self.wall_ratio_sum,
            ),
            (
                "prescient_peak_ratio",
                "peak memory",
                &self.peak_ratio,
                self.peak_ratio_sum,
            ),
        ] {
            out.push_str(&format!(
                "# HELP {name} Actual over predicted {what} of the jobs that ran to their end.\n# TYPE {name} histogram\n"
            ));
            for (b, le) in buckets.iter().zip(RATIO_BUCKETS) {
                let le = if le.is_finite() {
                    le.to_string()
                } else {
                    "+Inf".into()
                };
                out.push_str(&format!("{name}_bucket{{le=\"{le}\"}} {b}\n"));
            }
            out.push_str(&format!(
                "{name}_sum {}\n{name}_count {}\n",
                if sum.is_finite() { sum } else { 0.0 },
                self.jobs
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forecast(units: &[(f64, f64, f64, f64)]) -> Forecast {
        let mut f = Forecast::flat(1.0, 1.0, 1.0);
        let one = f.sections[0].clone();
        f.sections = units
            .iter()
            .map(|&(s, sh, m, mh)| prescient_plan::SectionForecast {
                seconds: s,
                seconds_high: sh,
                memory: m,
                memory_high: mh,
                ..one.clone()
            })
            .collect();
        f
    }

    #[test]
    fn sums_bounds_and_ratios() {
        let mut a = Accuracy::default();
        let f = forecast(&[(1.0, 2.0, 100.0, 150.0), (3.0, 4.0, 200.0, 250.0)]);
        // Wall 4 predicted, 3 measured (0.75); peak 200 predicted, 300
        // measured (1.5), over its bound of 250.
        a.record(
            &f,
            &Measured {
                units: &[(1.0, 90.0), (2.0, 300.0)],
            },
        );
        assert_eq!(a.jobs, 1);
        assert_eq!((a.wall_predicted, a.wall_actual), (4.0, 3.0));
        assert_eq!((a.peak_predicted, a.peak_actual), (200.0, 300.0));
        assert_eq!((a.wall_over, a.peak_over), (0, 1));
        assert_eq!(a.wall_ratio, [0, 1, 1, 1, 1, 1]);
        assert_eq!(a.peak_ratio, [0, 0, 0, 1, 1, 1]);
        // A unit count that does not match is left out.
        a.record(
            &f,
            &Measured {
                units: &[(1.0, 1.0)],
            },
        );
        assert_eq!(a.jobs, 1);
        let text = a.prometheus();
        assert!(
            text.contains("prescient_peak_ratio_bucket{le=\"2\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("prescient_wall_ratio_bucket{le=\"+Inf\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("prescient_wall_ratio_count 1\n"), "{text}");
        assert!(
            text.contains("prescient_peak_over_upper_bound_total 1\n"),
            "{text}"
        );
    }
}
