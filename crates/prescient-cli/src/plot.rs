//! `--plot timeline.svg`: predicted demand over time, memory and cores by
//! section, labelled with each section's main category.

use prescient_model::Analysis;
use std::fmt::Write;

const W: f64 = 900.0;
const LANE: f64 = 150.0;
const LEFT: f64 = 70.0;

fn color(cat: &str) -> &'static str {
    match cat {
        "matmul" => "#4e79a7",
        "nn" => "#f28e2b",
        "crypto" => "#e15759",
        "signal" => "#76b7b2",
        "elementwise" => "#59a14f",
        "reduction" => "#edc948",
        "sort" => "#b07aa1",
        "io" => "#ff9da7",
        "memory" => "#9c755f",
        "python" => "#bab0ac",
        _ => "#d3d3d3",
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn timeline_svg(a: &Analysis) -> String {
    let pred = a.prediction.as_ref();
    let startup = pred.map(|p| p.startup_seconds).unwrap_or(0.0);
    let base_mem = pred.map(|p| p.baseline_memory_bytes).unwrap_or(0.0);
    let total: f64 = startup
        + a.sections
            .iter()
            .filter_map(|s| s.predicted.as_ref())
            .map(|p| p.wall_seconds)
            .sum::<f64>();
    let total = total.max(1e-6);
    let max_mem = a
        .sections
        .iter()
        .filter_map(|s| s.predicted.as_ref())
        .map(|p| p.peak_memory_bytes)
        .fold(base_mem, f64::max)
        .max(1.0);
    let max_cores = a
        .sections
        .iter()
        .filter_map(|s| s.predicted.as_ref())
        .map(|p| p.cores)
        .fold(1.0, f64::max)
        .ceil();
    let x = |t: f64| LEFT + t / total * (W - LEFT - 20.0);
    let mut svg = String::new();
    let h = 2.0 * LANE + 110.0;
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{h}" font-family="sans-serif" font-size="11"><rect width="100%" height="100%" fill="white"/>"#
    );
    let title = format!(
        "{} — predicted {:.2} s wall, {:.0} MiB peak",
        a.file,
        pred.map(|p| p.wall_seconds).unwrap_or(0.0),
        pred.map(|p| p.peak_memory_bytes).unwrap_or(0.0) / 1048576.0
    );
    let _ = write!(
        svg,
        r#"<text x="{LEFT}" y="18" font-size="13">{}</text>"#,
        esc(&title)
    );
    for (lane, label) in [
        (0.0, format!("memory (max {:.0} MiB)", max_mem / 1048576.0)),
        (1.0, format!("cores (max {max_cores})")),
    ] {
        let top = 30.0 + lane * (LANE + 20.0);
        let _ = write!(
            svg,
            r##"<rect x="{LEFT}" y="{top}" width="{}" height="{LANE}" fill="none" stroke="#888"/>"##,
            W - LEFT - 20.0
        );
        let _ = write!(
            svg,
            r#"<text x="4" y="{}" >{}</text>"#,
            top + 12.0,
            esc(&label)
        );
    }
    let mut t = 0.0;
    let draw = |t0: f64,
                dt: f64,
                mem: f64,
                cores: f64,
                cat: &str,
                label: &str,
                svg: &mut String| {
        let (x0, x1) = (x(t0), x(t0 + dt));
        let wdt = (x1 - x0).max(0.5);
        let mh = mem / max_mem * LANE;
        let ch = (cores / max_cores).min(1.0) * LANE;
        let c = color(cat);
        let _ = write!(
            svg,
            r#"<rect x="{x0:.1}" y="{:.1}" width="{wdt:.1}" height="{mh:.1}" fill="{c}" opacity="0.85"><title>{}</title></rect>"#,
            30.0 + LANE - mh,
            esc(label)
        );
        let _ = write!(
            svg,
            r#"<rect x="{x0:.1}" y="{:.1}" width="{wdt:.1}" height="{ch:.1}" fill="{c}" opacity="0.85"><title>{}</title></rect>"#,
            30.0 + 2.0 * LANE + 20.0 - ch,
            esc(label)
        );
        if wdt > 40.0 {
            let _ = write!(
                svg,
                r#"<text x="{:.1}" y="{:.1}" font-size="10">{}</text>"#,
                x0 + 2.0,
                30.0 + 2.0 * LANE + 34.0,
                esc(cat)
            );
        }
    };
    if startup > 0.0 {
        draw(
            0.0,
            startup,
            base_mem,
            1.0,
            "other",
            "start-up and imports",
            &mut svg,
        );
        t = startup;
    }
    for s in &a.sections {
        let Some(p) = &s.predicted else { continue };
        let cat = p
            .categories
            .first()
            .map(|(c, _)| c.as_str())
            .unwrap_or("other");
        let label = format!(
            "section {} (lines {}-{}): {:.3} s, {:.1} cores, {:.0} MiB, {}",
            s.index,
            s.start_line,
            s.end_line,
            p.wall_seconds,
            p.cores,
            p.peak_memory_bytes / 1048576.0,
            cat
        );
        draw(
            t,
            p.wall_seconds,
            p.peak_memory_bytes,
            p.cores,
            cat,
            &label,
            &mut svg,
        );
        t += p.wall_seconds;
    }
    // Time axis.
    let axis_y = 30.0 + 2.0 * LANE + 50.0;
    for i in 0..=5 {
        let tt = total * i as f64 / 5.0;
        let _ = write!(
            svg,
            r#"<text x="{:.1}" y="{axis_y}" text-anchor="middle">{:.2} s</text>"#,
            x(tt),
            tt
        );
    }
    // Legend.
    let mut lx = LEFT;
    for cat in [
        "matmul",
        "nn",
        "crypto",
        "signal",
        "elementwise",
        "reduction",
        "sort",
        "io",
        "memory",
        "python",
        "other",
    ] {
        let _ = write!(
            svg,
            r#"<rect x="{lx}" y="{}" width="10" height="10" fill="{}"/><text x="{}" y="{}">{cat}</text>"#,
            axis_y + 12.0,
            color(cat),
            lx + 13.0,
            axis_y + 21.0
        );
        lx += 72.0;
    }
    svg.push_str("</svg>\n");
    svg
}
