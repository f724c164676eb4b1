//! Node profiles: what a machine (with its worker Python environment) can do,
//! measured by `prescient calibrate` and read by the cost model.
//!
//! Rates are kept in a map of named measurements (documented in
//! `docs/schema/node.md`) so that calibration can grow without a schema change.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const NODE_SCHEMA: &str = "prescient.node/1";

/// Identifies a node type: two machines with the same fingerprint share a profile.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub cpu_model: String,
    /// ISA features that matter to the cost model: avx2, avx512f, aes, sha_ni, fma.
    pub isa: Vec<String>,
    pub cores: u32,
    pub memory_bytes: u64,
    pub python: String,
    /// Library versions of the worker environment (numpy, scipy, ...).
    pub libraries: BTreeMap<String, String>,
}

impl Fingerprint {
    /// A stable short identifier (hex) for the fingerprint.
    pub fn id(&self) -> String {
        // FNV-1a over the canonical JSON: stable across runs and platforms.
        let text = serde_json::to_string(self).unwrap_or_default();
        let mut h: u64 = 0xcbf29ce484222325;
        for b in text.bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
        format!("{h:016x}")
    }

    pub fn has(&self, feature: &str) -> bool {
        self.isa.iter().any(|f| f == feature)
    }
}

/// Start-up cost of the interpreter or of one import, measured in a fresh process.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Startup {
    pub wall_seconds: f64,
    pub cpu_seconds: f64,
    /// Peak resident set of the process (for an import: of the whole process
    /// after `import`).
    pub rss_bytes: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeProfile {
    pub schema: String,
    pub fingerprint: Fingerprint,
    /// True for the quick calibration, false for `--full`.
    pub quick: bool,
    /// Unix time of the calibration.
    pub measured_at: f64,
    /// BLAS threads the worker environment uses by default.
    pub blas_threads: u32,
    /// Named rates, e.g. `gemm.float64.1024.threads2` (FLOP/s), `mem.copy` (B/s),
    /// `interp.loop_iter` (seconds per operation). See docs/schema/node.md.
    pub rates: BTreeMap<String, f64>,
    /// `python`, `numpy`, `scipy`, `scipy.signal`, `torch`, ...
    pub startup: BTreeMap<String, Startup>,
    /// Version of the calibration procedure that measured this profile (0 for
    /// profiles from before it was recorded); older ones are measured anew.
    #[serde(default)]
    pub method: u32,
}

impl NodeProfile {
    pub fn rate(&self, key: &str) -> Option<f64> {
        self.rates
            .get(key)
            .copied()
            .filter(|v| v.is_finite() && *v > 0.0)
    }
}
