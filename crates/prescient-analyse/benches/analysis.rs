//! Analysis time per file over the corpus, and on generated files of 5,000 to
//! 50,000 lines to show how it grows. Run with `cargo bench -p prescient-analyse`.
//!
//! Prints the median of repeated runs; compare ratios within one run, the machine
//! is shared and noisy.

use prescient_analyse::{analyze, NoFiles};
use std::path::Path;
use std::time::{Duration, Instant};

fn median_time(src: &[u8], name: &str, args: &[String], min_runs: usize) -> (Duration, usize) {
    let mut times = Vec::new();
    let start = Instant::now();
    let mut lines = 0;
    while times.len() < min_runs
        || (start.elapsed() < Duration::from_millis(300) && times.len() < 200)
    {
        let t = Instant::now();
        let a = analyze(src, name, args, &NoFiles).expect("analysis");
        times.push(t.elapsed());
        lines = a.sections.last().map(|s| s.end_line as usize).unwrap_or(0);
    }
    times.sort();
    (times[times.len() / 2], lines)
}

/// A realistic generated program: functions, loops, numpy and pure-Python code.
fn generated(lines: usize) -> String {
    let mut s = String::from("import numpy as np\nimport math\n\n");
    let mut i = 0;
    while s.lines().count() < lines {
        s.push_str(&format!(
            "def f{i}(n):\n    a = np.ones((n, n))\n    b = a @ a.T + {i}\n    t = 0.0\n    for k in range(n):\n        t += math.sqrt(k + {i})\n    return b.sum() + t\n\nv{i} = f{i}({})\nw{i} = [x * 2 for x in range(100)]\n\n",
            10 + i % 50
        ));
        i += 1;
    }
    s
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
    let manifest: toml::Value =
        toml::from_str(&std::fs::read_to_string(corpus.join("manifest.toml")).unwrap()).unwrap();
    let mut names: Vec<_> = std::fs::read_dir(&corpus)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".py"))
        .collect();
    names.sort();
    println!("{:<28} {:>6} {:>12}", "file", "lines", "median");
    let mut all = Vec::new();
    for n in &names {
        let src = std::fs::read(corpus.join(n)).unwrap();
        let args: Vec<String> = manifest
            .get("programs")
            .and_then(|p| p.get(n))
            .and_then(|p| p.get("args"))
            .and_then(|a| a.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let (t, _) = median_time(&src, n, &args, 5);
        let lines = String::from_utf8_lossy(&src).lines().count();
        println!("{:<28} {:>6} {:>9.3} ms", n, lines, t.as_secs_f64() * 1e3);
        all.push(t);
    }
    all.sort();
    println!(
        "corpus median: {:.3} ms, max: {:.3} ms",
        all[all.len() / 2].as_secs_f64() * 1e3,
        all[all.len() - 1].as_secs_f64() * 1e3
    );
    println!();
    println!(
        "{:<28} {:>6} {:>12} {:>14}",
        "generated", "lines", "median", "per 1k lines"
    );
    for lines in [5_000, 10_000, 25_000, 50_000] {
        let src = generated(lines);
        let (t, _) = median_time(src.as_bytes(), "generated.py", &[], 3);
        let n = src.lines().count();
        println!(
            "{:<28} {:>6} {:>9.1} ms {:>11.3} ms",
            format!("generated_{lines}.py"),
            n,
            t.as_secs_f64() * 1e3,
            t.as_secs_f64() * 1e3 / (n as f64 / 1000.0)
        );
    }
}
