//! The human-readable analysis report (`prescient analyze` without `--json`).

use crate::interp::{fmt_bytes, fmt_count, fmt_flops};
use prescient_model::sym::fmt_num;
use prescient_model::Analysis;
use prescient_model::{Category, Kernel};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Kernels listed per section before the rest are summarised.
const MAX_KERNELS: usize = 25;

pub fn render(a: &Analysis) -> String {
    let mut out = String::new();
    let args = if a.args.is_empty() {
        String::new()
    } else {
        format!(" -- {}", a.args.join(" "))
    };
    let _ = writeln!(out, "{}{args}", a.file);
    if !a.imports.is_empty() {
        let _ = writeln!(out, "  imports: {}", a.imports.join(", "));
    }
    let _ = writeln!(
        out,
        "  library calls understood: {} of {} ({:.0}%)",
        a.calls.understood,
        a.calls.total,
        a.calls.share * 100.0
    );
    if let Some(p) = &a.prediction {
        let _ = writeln!(
            out,
            "  predicted on {} (node {}, {} BLAS threads, history: {}):",
            p.node_cpu, p.node, p.threads, p.history
        );
        let _ = writeln!(
            out,
            "    wall {:.3} s [{:.3}-{:.3}], CPU {:.3} s [{:.3}-{:.3}], peak memory {} [{}-{}]",
            p.wall_seconds,
            p.wall_interval.low,
            p.wall_interval.high,
            p.cpu_seconds,
            p.cpu_interval.low,
            p.cpu_interval.high,
            fmt_bytes(p.peak_memory_bytes),
            fmt_bytes(p.peak_memory_interval.low),
            fmt_bytes(p.peak_memory_interval.high)
        );
        let _ = writeln!(
            out,
            "    of which start-up and imports: {:.3} s, {}",
            p.startup_seconds,
            fmt_bytes(p.baseline_memory_bytes)
        );
    }
    for s in &a.sections {
        let _ = writeln!(out);
        let mut head = format!(
            "section {}  lines {}-{}  [{}]",
            s.index, s.start_line, s.end_line, s.scope
        );
        if let Some(n) = s.iterations {
            let _ = write!(
                head,
                "  loop of {} iterations, each a safe point",
                fmt_num(n)
            );
        }
        match &s.safe_point_blocker {
            None => head.push_str("  safe point"),
            Some(why) => {
                let _ = write!(head, "  not a safe point: {why}");
            }
        }
        let _ = writeln!(out, "{head}");
        if s.kernels.is_empty() {
            let _ = writeln!(out, "  (no significant work)");
        }
        for k in s.kernels.iter().take(MAX_KERNELS) {
            let times = if k.count > 1.0 {
                format!("  [x{}]", fmt_count(k.count))
            } else {
                String::new()
            };
            let secs = match k.predicted_seconds {
                Some(t) if t >= 0.0005 => format!("  ~{t:.3} s"),
                _ => String::new(),
            };
            let _ = writeln!(out, "  {}{times}{secs}", k.evidence);
            if let Some(f) = &k.symbolic.flops {
                let _ = writeln!(out, "      total work: {f}");
            }
        }
        if s.kernels.len() > MAX_KERNELS {
            let _ = writeln!(
                out,
                "  ... and {} more kernels",
                s.kernels.len() - MAX_KERNELS
            );
        }
        if let Some(summary) = work_summary(&s.kernels) {
            let _ = writeln!(out, "  work: {summary}");
        }
        if let Some(p) = &s.predicted {
            let aff = if p.affinity.is_empty() {
                String::new()
            } else {
                format!(", profits from {}", p.affinity.join(" "))
            };
            let _ = writeln!(
                out,
                "  predicted: {:.3} s wall, {:.3} s CPU ({:.1} cores), {} peak{aff}",
                p.wall_seconds,
                p.cpu_seconds,
                p.cores,
                fmt_bytes(p.peak_memory_bytes)
            );
        }
        let _ = writeln!(
            out,
            "  memory: {} live after, {} peak (arrays and buffers)",
            fmt_bytes(s.memory.live_bytes_after),
            fmt_bytes(s.memory.peak_bytes)
        );
    }
    if !a.unknowns.is_empty() {
        let _ = writeln!(out, "\nunknowns and assumptions:");
        for u in &a.unknowns {
            let _ = writeln!(
                out,
                "  {} = {}  (line {}: {})",
                u.symbol,
                fmt_num(u.assumed),
                u.line,
                u.reason
            );
        }
    }
    if !a.unresolved_calls.is_empty() {
        let _ = writeln!(out, "\ncalls not understood:");
        for c in a.unresolved_calls.iter().take(40) {
            let _ = writeln!(out, "  line {}: {}", c.line, c.name);
        }
        if a.unresolved_calls.len() > 40 {
            let _ = writeln!(out, "  ... and {} more", a.unresolved_calls.len() - 40);
        }
    }
    if !a.notes.is_empty() {
        let _ = writeln!(out, "\nnotes:");
        for n in &a.notes {
            let _ = writeln!(out, "  {n}");
        }
    }
    out
}

/// Totals by category, largest first, and the interpreted operations:
/// `matmul 54 GFLOP, elementwise 9 MFLOP; 3.6 Mop interpreted`.
fn work_summary(kernels: &[Kernel]) -> Option<String> {
    let mut by_cat: BTreeMap<Category, f64> = BTreeMap::new();
    let mut interp = 0.0;
    for k in kernels {
        if k.flops > 0.0 {
            *by_cat.entry(k.category).or_default() += k.flops;
        }
        if let Some(ops) = &k.py_ops {
            interp += ops.total();
        }
    }
    let mut cats: Vec<(Category, f64)> = by_cat.into_iter().collect();
    cats.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut parts: Vec<String> = cats
        .iter()
        .take(4)
        .map(|(c, f)| {
            let unit = if *c == Category::Crypto { "B" } else { "FLOP" };
            format!("{} {}", c.as_str(), fmt_flops(*f, unit))
        })
        .collect();
    if interp > 0.0 {
        parts.push(format!("{} interpreted", fmt_flops(interp, "op")));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}
