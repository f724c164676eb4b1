//! Helpers shared by the analyser's integration tests.
#![allow(dead_code)]

use prescient_analyse::FileProbe;
use prescient_model::{Analysis, Kernel};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// A file system made of a map: path -> contents.
#[derive(Default)]
pub struct MapFiles(pub HashMap<String, Vec<u8>>);

impl FileProbe for MapFiles {
    fn size(&self, path: &str) -> Option<u64> {
        self.0.get(path).map(|v| v.len() as u64)
    }
    fn head(&self, path: &str, n: usize) -> Option<Vec<u8>> {
        self.0.get(path).map(|v| v[..n.min(v.len())].to_vec())
    }
}

pub fn analyze(src: &str, args: &[&str]) -> Analysis {
    analyze_with(src, args, &MapFiles::default())
}

pub fn analyze_with(src: &str, args: &[&str], files: &MapFiles) -> Analysis {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    prescient_analyse::analyze(src.as_bytes(), "test.py", &args, files).expect("analysis")
}

/// The summary's own reading of the program: no call is run to count
/// its loops (for tests of the summary's estimates).
pub fn analyze_summary(src: &str, args: &[&str]) -> Analysis {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let options = prescient_analyse::Options { run_calls: false };
    prescient_analyse::analyze_with_options(
        src.as_bytes(),
        "test.py",
        &args,
        &MapFiles::default(),
        &options,
    )
    .expect("analysis")
}

pub fn kernels(a: &Analysis) -> Vec<&Kernel> {
    a.kernels().collect()
}

pub fn find<'a>(a: &'a Analysis, pattern: &str) -> &'a Kernel {
    a.kernels()
        .find(|k| k.pattern == pattern)
        .unwrap_or_else(|| {
            panic!(
                "no kernel {pattern} in {:#?}",
                a.kernels()
                    .map(|k| (&k.pattern, &k.evidence))
                    .collect::<Vec<_>>()
            )
        })
}

pub fn has(a: &Analysis, pattern: &str) -> bool {
    a.kernels().any(|k| k.pattern == pattern)
}

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus")
}

/// Arguments for a corpus program from `corpus/manifest.toml`.
pub fn corpus_args(name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(corpus_dir().join("manifest.toml")).unwrap();
    let v: toml::Value = toml::from_str(&text).unwrap();
    v.get("programs")
        .and_then(|p| p.get(name))
        .and_then(|p| p.get("args"))
        .and_then(|a| a.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The highest memory peak of the sections of `scope`, in MiB.
pub fn scope_peak_mib(a: &Analysis, scope: &str) -> f64 {
    a.sections
        .iter()
        .filter(|s| s.scope == scope)
        .map(|s| s.memory.peak_bytes)
        .fold(0.0, f64::max)
        / 1048576.0
}

/// The highest memory peak of any section, in MiB.
pub fn peak_mib(a: &Analysis) -> f64 {
    a.sections
        .iter()
        .map(|s| s.memory.peak_bytes)
        .fold(0.0, f64::max)
        / 1048576.0
}

/// The interpreted operations of every kernel, added up.
pub fn loop_ops(a: &Analysis) -> prescient_model::PyOps {
    let mut ops = prescient_model::PyOps::default();
    for k in kernels(a) {
        if let Some(o) = &k.py_ops {
            ops.add(o);
        }
    }
    ops
}
