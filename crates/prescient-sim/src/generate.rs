//! The workload generator: mixes programs at a chosen load.
//!
//! Jobs arrive as a Poisson process whose rate makes the offered work
//! `load` times what the always-on cores can do:
//! `rate = load * cores / mean core-seconds per job`. Each arrival picks a
//! program by weight, a priority from its list, its declared request, and a
//! deadline at `deadline_factor` times its measured wall time.
//!
//! The mix is TOML:
//!
//! ```toml
//! [[program]]
//! file = "memory_phases.py"
//! args = ["16384", "--cols", "2048"]
//! weight = 3
//! priorities = [0, 0, 1]
//! deadline_factor = 6
//! declared = { cores = 1, memory = "8GiB", seconds = 900 }
//! ```

use crate::workload::{DeclaredSpec, Submission};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mix {
    #[serde(rename = "program")]
    pub programs: Vec<MixEntry>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MixEntry {
    pub file: String,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default = "one")]
    pub weight: f64,
    #[serde(default)]
    pub priorities: Vec<i32>,
    #[serde(default)]
    pub deadline_factor: Option<f64>,
    #[serde(default)]
    pub declared: Option<DeclaredSpec>,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MixError {
    #[error("{0}")]
    Syntax(String),
    #[error("the mix has no programs")]
    Empty,
    #[error("program {0}: weight must be a positive number")]
    Weight(String),
    #[error("program {0}: deadline_factor must be > 0")]
    Deadline(String),
}

impl Mix {
    pub fn parse(text: &str) -> Result<Mix, MixError> {
        let m: Mix = toml::from_str(text).map_err(|e| MixError::Syntax(e.to_string()))?;
        if m.programs.is_empty() {
            return Err(MixError::Empty);
        }
        for p in &m.programs {
            if !(p.weight.is_finite() && p.weight > 0.0) {
                return Err(MixError::Weight(p.file.clone()));
            }
            if p.deadline_factor
                .is_some_and(|d| !(d.is_finite() && d > 0.0))
            {
                return Err(MixError::Deadline(p.file.clone()));
            }
        }
        Ok(m)
    }
}

/// What the generator knows of each mix entry from its measured runs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Measured {
    pub wall_seconds: f64,
    pub core_seconds: f64,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Params {
    pub jobs: usize,
    /// Offered work over the capacity of the always-on cores.
    pub load: f64,
    pub cores: f64,
    pub seed: u64,
}

/// Generates `params.jobs` submissions; `measured[i]` belongs to
/// `mix.programs[i]`.
pub fn generate(mix: &Mix, measured: &[Measured], params: Params) -> Vec<Submission> {
    let mut rng = ChaCha8Rng::seed_from_u64(params.seed);
    let total_w: f64 = mix.programs.iter().map(|p| p.weight).sum();
    let mean_cs: f64 = mix
        .programs
        .iter()
        .zip(measured)
        .map(|(p, m)| p.weight * m.core_seconds.max(1e-3))
        .sum::<f64>()
        / total_w;
    let rate = (params.load.max(1e-6) * params.cores.max(1e-6) / mean_cs).max(1e-9);
    let mut t = 0.0;
    let mut out = Vec::with_capacity(params.jobs);
    for _ in 0..params.jobs {
        let u: f64 = rng.gen_range(f64::MIN_POSITIVE..1.0);
        t += -u.ln() / rate;
        let mut pick = rng.gen_range(0.0..total_w);
        let mut i = 0;
        while i + 1 < mix.programs.len() && pick >= mix.programs[i].weight {
            pick -= mix.programs[i].weight;
            i += 1;
        }
        let p = &mix.programs[i];
        let priority = if p.priorities.is_empty() {
            0
        } else {
            p.priorities[rng.gen_range(0..p.priorities.len())]
        };
        out.push(Submission {
            submit: (t * 1000.0).round() / 1000.0,
            program: p.file.clone(),
            args: p.args.clone(),
            priority,
            deadline: p.deadline_factor.map(|f| {
                (f * measured.get(i).map_or(1.0, |m| m.wall_seconds) * 10.0).ceil() / 10.0
            }),
            declared: p.declared.clone(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIX: &str = r#"
[[program]]
file = "a.py"
weight = 3
priorities = [0, 1]
deadline_factor = 4
declared = { cores = 1, memory = "2GiB" }

[[program]]
file = "b.py"
args = ["7"]
"#;

    #[test]
    fn rate_follows_load_and_is_reproducible() {
        let mix = Mix::parse(MIX).unwrap();
        let m = [
            Measured {
                wall_seconds: 10.0,
                core_seconds: 10.0,
            },
            Measured {
                wall_seconds: 2.0,
                core_seconds: 4.0,
            },
        ];
        let p = Params {
            jobs: 4000,
            load: 0.5,
            cores: 16.0,
            seed: 7,
        };
        let a = generate(&mix, &m, p);
        assert_eq!(a, generate(&mix, &m, p));
        // Offered core-seconds over elapsed time near load * cores.
        let offered: f64 = a
            .iter()
            .map(|s| if s.program == "a.py" { 10.0 } else { 4.0 })
            .sum();
        let span = a.last().unwrap().submit;
        let ratio = offered / span / 16.0;
        assert!((ratio - 0.5).abs() < 0.05, "{ratio}");
        let share_a = a.iter().filter(|s| s.program == "a.py").count() as f64 / a.len() as f64;
        assert!((share_a - 0.75).abs() < 0.03, "{share_a}");
        assert!(a
            .iter()
            .filter(|s| s.program == "a.py")
            .all(|s| s.deadline == Some(40.0)));
        assert!(a.iter().any(|s| s.priority == 1));
        assert!(a
            .iter()
            .filter(|s| s.program == "b.py")
            .all(|s| s.priority == 0 && s.deadline.is_none()));
    }

    #[test]
    fn bad_mixes_are_refused() {
        assert_eq!(Mix::parse("program = []").unwrap_err(), MixError::Empty);
        assert!(Mix::parse("[[program]]\nfile='a'\nweight=-1").is_err());
        assert!(Mix::parse("[[program]]\nfile='a'\ncolour=1").is_err());
    }
}
