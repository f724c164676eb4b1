//! Snapshot tests: every program in `corpus/` is analysed with its manifest
//! arguments, and the kernels and sizes found are compared with a reviewed snapshot.

mod common;

use prescient_model::sym::fmt_num;
use std::fmt::Write;

fn sig(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    if v.abs() < 1e6 && v.fract() == 0.0 {
        return fmt_num(v);
    }
    format!("{v:.4e}")
}

fn summary(a: &prescient_model::Analysis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "args: {:?}", a.args);
    let _ = writeln!(
        out,
        "calls: {} of {} understood",
        a.calls.understood, a.calls.total
    );
    for s in &a.sections {
        let _ = writeln!(
            out,
            "section {} lines {}-{} [{}]{}{}",
            s.index,
            s.start_line,
            s.end_line,
            s.scope,
            if s.safe_point { "" } else { " NOT-SAFE" },
            s.iterations
                .map(|n| format!(" iterations={}", sig(n)))
                .unwrap_or_default()
        );
        for k in &s.kernels {
            let _ = writeln!(
                out,
                "  {:<11} {:<32} count={} flops={} alloc={}",
                k.category.as_str(),
                k.pattern,
                sig(k.count),
                sig(k.flops),
                sig(k.bytes_allocated)
            );
            let _ = writeln!(out, "      {}", k.evidence);
        }
        let _ = writeln!(
            out,
            "  memory: live={} peak={}",
            sig(s.memory.live_bytes_after),
            sig(s.memory.peak_bytes)
        );
    }
    for u in &a.unknowns {
        let _ = writeln!(
            out,
            "unknown {} = {} ({})",
            u.symbol,
            sig(u.assumed),
            u.reason
        );
    }
    for c in &a.unresolved_calls {
        let _ = writeln!(out, "unresolved line {}: {}", c.line, c.name);
    }
    for n in &a.notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

#[test]
fn corpus_snapshots() {
    let dir = common::corpus_dir();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".py"))
        .collect();
    names.sort();
    assert!(
        names.len() >= 20,
        "the corpus should have at least 20 programs"
    );
    for name in names {
        let src = std::fs::read(dir.join(&name)).unwrap();
        let args = common::corpus_args(&name);
        let a =
            prescient_analyse::analyze(&src, &name, &args, &prescient_analyse::NoFiles).unwrap();
        insta::assert_snapshot!(name.trim_end_matches(".py"), summary(&a));
    }
}
