//! Node features made real on a shared host.
//!
//! The nodes of a local cluster are slices of one machine, so they all have
//! its instruction set. A node whose spec leaves out a feature the host has
//! is made to go without it where the libraries that profit from it allow:
//! its workers start with OpenSSL's capability mask (`OPENSSL_ia32cap`, read
//! by Python's `hashlib` and by `cryptography`), numpy's dispatch switches
//! (`NPY_DISABLE_CPU_FEATURES`) and OpenBLAS's core type. Cores and memory
//! are enforced by cgroups; this is the same for features, so a planner that
//! moves a job to the node with AES-NI gains here what it would gain on a
//! real heterogeneous cluster. Presence cannot be emulated: a feature the
//! host lacks is only warned about.

use std::collections::BTreeSet;

/// The host's CPU flags, as `/proc/cpuinfo` names them.
pub fn host_flags() -> BTreeSet<String> {
    let text = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with("flags"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, f)| f.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

fn canonical(f: &str) -> String {
    match f.to_ascii_lowercase().as_str() {
        "sha" => "sha_ni".into(),
        "fma3" => "fma".into(),
        other => other.to_string(),
    }
}

// Bits of OpenSSL's capability vector: the first word is CPUID leaf 1 (EDX,
// then ECX from bit 32); the second is leaf 7 (EBX, then ECX from bit 32).
const W1_PCLMULQDQ: u64 = 1 << 33;
const W1_FMA: u64 = 1 << 44;
const W1_AES: u64 = 1 << 57;
const W2_AVX2: u64 = 1 << 5;
const W2_AVX512: u64 = (1 << 16) | (1 << 17) | (1 << 21) | (1 << 28) | (1 << 30) | (1 << 31);
const W2_SHA: u64 = 1 << 29;
const W2_VAES: u64 = (1 << 41) | (1 << 42);

// numpy's dispatch targets: 2.x names, then 1.x names (a name the installed
// numpy does not dispatch on is ignored, with an ImportWarning that is off
// by default and that the harness silences).
const NPY_AVX512: &str = "X86_V4 AVX512_ICL AVX512_SPR AVX512F AVX512CD AVX512_KNL AVX512_KNM \
                          AVX512_SKX AVX512_CLX AVX512_CNL";
const NPY_AVX2: &str = "X86_V3 AVX2 FMA3";

/// What the workers of a node with `features` need in their environment on
/// a host with `host` flags, and warnings for features the host lacks.
pub fn masks(features: &[String], host: &BTreeSet<String>) -> (Vec<(String, String)>, Vec<String>) {
    let node: BTreeSet<String> = features.iter().map(|f| canonical(f)).collect();
    let mut warnings = Vec::new();
    for f in &node {
        if f != "gpu" && !host.contains(f) {
            warnings.push(format!(
                "the node declares {f}, which this host does not have; its jobs run without it"
            ));
        }
    }
    let hidden = |f: &str| host.contains(f) && !node.contains(f);
    let (mut w1, mut w2) = (0u64, 0u64);
    let mut npy: Vec<&str> = Vec::new();
    let mut blas = None;
    if hidden("aes") {
        w1 |= W1_AES | W1_PCLMULQDQ;
        w2 |= W2_VAES;
    }
    if hidden("sha_ni") {
        w2 |= W2_SHA;
    }
    let no_avx2 = hidden("avx2") || hidden("fma");
    if hidden("avx512f") || (no_avx2 && host.contains("avx512f")) {
        w2 |= W2_AVX512;
        npy.push(NPY_AVX512);
        blas = Some("Haswell");
    }
    if no_avx2 {
        w2 |= W2_AVX2;
        if hidden("fma") {
            w1 |= W1_FMA;
        }
        npy.push(NPY_AVX2);
        blas = Some("Sandybridge");
    }
    let mut env = Vec::new();
    if w1 != 0 || w2 != 0 {
        let word = |w: u64| {
            if w == 0 {
                String::new()
            } else {
                format!("~{w:#x}")
            }
        };
        env.push((
            "OPENSSL_ia32cap".to_string(),
            format!("{}:{}", word(w1), word(w2)),
        ));
    }
    if !npy.is_empty() {
        env.push(("NPY_DISABLE_CPU_FEATURES".to_string(), npy.join(" ")));
    }
    if let Some(b) = blas {
        env.push(("OPENBLAS_CORETYPE".to_string(), b.to_string()));
    }
    (env, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host() -> BTreeSet<String> {
        ["aes", "sha_ni", "avx2", "fma", "avx512f", "sse4_2"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn f(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_node_with_everything_the_host_has_needs_no_mask() {
        let (env, warnings) = masks(
            &f(&["aes", "sha", "avx2", "fma", "avx512f", "gpu"]),
            &host(),
        );
        assert!(env.is_empty(), "{env:?}");
        assert!(warnings.is_empty());
    }

    #[test]
    fn missing_aes_and_sha_mask_openssl_only() {
        let (env, _) = masks(&f(&["avx2", "fma", "avx512f"]), &host());
        assert_eq!(
            env,
            vec![(
                "OPENSSL_ia32cap".to_string(),
                "~0x200000200000000:~0x60020000000".to_string()
            )]
        );
    }

    #[test]
    fn missing_avx512_masks_numpy_and_blas_too() {
        let (env, _) = masks(&f(&["aes", "sha_ni", "avx2", "fma"]), &host());
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("OPENSSL_ia32cap"), Some(":~0xd0230000"));
        assert!(get("NPY_DISABLE_CPU_FEATURES")
            .unwrap()
            .starts_with("X86_V4"));
        assert_eq!(get("OPENBLAS_CORETYPE"), Some("Haswell"));
    }

    #[test]
    fn missing_avx2_takes_avx512_with_it() {
        let (env, _) = masks(&f(&["aes", "sha_ni"]), &host());
        let get = |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let npy = get("NPY_DISABLE_CPU_FEATURES").unwrap();
        assert!(npy.contains("X86_V3") && npy.contains("X86_V4"), "{npy}");
        assert_eq!(get("OPENBLAS_CORETYPE"), Some("Sandybridge"));
        assert_eq!(get("OPENSSL_ia32cap"), Some("~0x100000000000:~0xd0230020"));
    }

    #[test]
    fn a_feature_the_host_lacks_is_warned_about() {
        let mut h = host();
        h.remove("sha_ni");
        let (env, warnings) = masks(&f(&["aes", "sha_ni", "avx2", "fma", "avx512f"]), &h);
        assert!(env.is_empty());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("sha_ni"));
    }
}
