//! A simulated job: what the policy is told (its [`JobInfo`], with the
//! forecast from the analyser and the forecaster) and what it really does,
//! unit by unit (from measured runs in the history).

use prescient_plan::{Features, Forecast, JobInfo, SectionForecast};
use serde::{Deserialize, Serialize};

/// What one unit really uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Actual {
    /// Seconds on a node with every feature the unit profits from, alone.
    pub seconds: f64,
    /// Cores it keeps busy.
    pub cores: f64,
    /// Peak resident bytes of the process.
    pub memory: f64,
    pub features: Features,
    pub feature_share: f64,
}

impl Actual {
    /// Seconds on a node with `node` features, alone.
    pub fn seconds_on(&self, node: Features) -> f64 {
        let lacking = node.lacking(self.features);
        if lacking.is_empty() {
            self.seconds
        } else {
            self.seconds * (1.0 - self.feature_share + self.feature_share * lacking.slowdown())
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct SimJob {
    pub info: JobInfo,
    pub actual: Vec<Actual>,
}

impl SimJob {
    /// The job's actual usage as an exact forecast (for the oracle).
    pub fn exact_forecast(&self) -> Forecast {
        Forecast {
            sections: self
                .actual
                .iter()
                .map(|a| SectionForecast {
                    seconds: a.seconds,
                    seconds_high: a.seconds,
                    cores: a.cores,
                    memory: a.memory,
                    memory_high: a.memory,
                    features: a.features,
                    feature_share: a.feature_share,
                })
                .collect(),
        }
    }
}

/// The jobs as a policy should be told of them: with their actual use as
/// an exact forecast for a policy that wants it (the oracle), as they are
/// otherwise.
pub fn for_policy(jobs: &[SimJob], exact: bool) -> std::borrow::Cow<'_, [SimJob]> {
    if !exact {
        return std::borrow::Cow::Borrowed(jobs);
    }
    std::borrow::Cow::Owned(
        jobs.iter()
            .map(|j| {
                let mut j = j.clone();
                j.info.forecast = j.exact_forecast();
                j
            })
            .collect(),
    )
}
