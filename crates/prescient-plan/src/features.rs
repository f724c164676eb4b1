//! The instruction-set features and accelerators a node offers and a section
//! profits from, as a small bit set, and what lacking one costs.
//!
//! Names follow `/proc/cpuinfo` flags as the cluster spec writes them; the
//! analyser's shorter names (`sha`, `avx512`) are aliases.

use serde::{Deserialize, Serialize};

/// Known features, in bit order.
pub const NAMES: [&str; 6] = ["avx2", "avx512f", "fma", "aes", "sha_ni", "gpu"];

/// How many times slower the work that profits from a feature runs without
/// it. AES-NI and SHA-NI are measured on this machine by hiding them from
/// OpenSSL 3 (`OPENSSL_ia32cap`, as a local node without them does, see
/// `prescient_runtime::isa`): AES-256-GCM over 64 MiB took 46 ms with AES-NI
/// and 306 ms without (6.6x); SHA-256 37 ms with SHA-NI and 123 ms without
/// (3.3x). The rest are assumptions from published library figures, since
/// numpy's kernels here did not differ beyond the noise: BLAS kernels with
/// AVX-512 against AVX2 (1.3x), AVX2 against SSE2 (1.6x), FMA (1.2x), and a
/// GPU-bound section on CPU (10x).
pub const SLOWDOWN: [f64; 6] = [1.6, 1.3, 1.2, 6.6, 3.3, 10.0];

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
pub struct Features(pub u8);

impl Features {
    pub const NONE: Features = Features(0);

    /// The bit of one feature name or alias; None for names the planner
    /// does not know (they are ignored, as they cannot be matched).
    pub fn bit(name: &str) -> Option<u8> {
        let canonical = match name.to_ascii_lowercase().as_str() {
            "sha" | "sha_ni" | "sha-ni" => "sha_ni",
            "avx512" | "avx512f" | "avx-512" => "avx512f",
            "cuda" | "gpu" => "gpu",
            "aes" | "aes-ni" | "aesni" => "aes",
            "avx2" => "avx2",
            "fma" | "fma3" => "fma",
            _ => return None,
        };
        NAMES.iter().position(|n| *n == canonical).map(|i| i as u8)
    }

    pub fn from_names<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Features {
        Features(
            names
                .into_iter()
                .filter_map(|n| Features::bit(n.as_ref()))
                .fold(0, |acc, b| acc | (1 << b)),
        )
    }

    pub fn names(self) -> Vec<&'static str> {
        NAMES
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn contains(self, other: Features) -> bool {
        self.0 & other.0 == other.0
    }

    /// What of `wanted` this set lacks.
    pub fn lacking(self, wanted: Features) -> Features {
        Features(wanted.0 & !self.0)
    }

    /// How many of `wanted` this set has.
    pub fn matches(self, wanted: Features) -> u32 {
        (self.0 & wanted.0).count_ones()
    }

    /// Slow-down of work that profits from all of `self`, on a node that
    /// lacks them all.
    pub fn slowdown(self) -> f64 {
        SLOWDOWN
            .iter()
            .enumerate()
            .filter(|(i, _)| self.0 & (1 << i) != 0)
            .map(|(_, f)| f)
            .product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_name_the_same_feature() {
        assert_eq!(
            Features::from_names(["sha"]),
            Features::from_names(["sha_ni"])
        );
        assert_eq!(
            Features::from_names(["avx512", "nope"]).names(),
            vec!["avx512f"]
        );
        let node = Features::from_names(["avx2", "aes"]);
        let want = Features::from_names(["aes", "sha"]);
        assert_eq!(node.lacking(want).names(), vec!["sha_ni"]);
        assert_eq!(node.matches(want), 1);
        assert_eq!(Features::NONE.slowdown(), 1.0);
        assert!((Features::from_names(["aes", "sha"]).slowdown() - 6.6 * 3.3).abs() < 1e-9);
    }
}
