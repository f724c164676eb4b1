//! Computes the fingerprint of the prediction model this build makes: a hash
//! of the sources and data that decide a first-sight prediction (the parser,
//! the analyser, the model types, the cost model and its shipped fit).
//! History stores it with each run, so that corrections learned from the
//! errors of one model are not applied to the predictions of another.

use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, out);
        } else if matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("rs" | "json" | "toml")
        ) {
            out.push(p);
        }
    }
}

fn main() {
    let here = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let crates = here.parent().expect("crates dir").to_path_buf();
    let dirs = [
        here.join("src"),
        here.join("data"),
        crates.join("prescient-analyse/src"),
        crates.join("prescient-syntax/src"),
        crates.join("prescient-model/src"),
    ];
    let mut all = Vec::new();
    for d in &dirs {
        println!("cargo:rerun-if-changed={}", d.display());
        files(d, &mut all);
    }
    all.sort();
    // FNV-1a, 64 bits: stable across builds and platforms, and enough to
    // tell model versions apart.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in &all {
        let rel = p
            .strip_prefix(&crates)
            .unwrap_or(p)
            .to_string_lossy()
            .into_owned();
        let body = std::fs::read(p).unwrap_or_default();
        for b in rel.as_bytes().iter().chain([0u8].iter()).chain(body.iter()) {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo:rustc-env=PRESCIENT_MODEL_FINGERPRINT={h:016x}");
}
