//! The cluster timeline of each policy as one SVG: a panel per policy,
//! sharing the time axis, with the nodes on, the busy cores and the queued
//! jobs over time.

use crate::engine::Outcome;

const W: f64 = 900.0;
const PANEL: f64 = 150.0;
const LEFT: f64 = 60.0;
const TOP: f64 = 30.0;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub fn timeline_svg(outcomes: &[Outcome]) -> String {
    let t_max = outcomes
        .iter()
        .flat_map(|o| o.timeline.last().map(|s| s.t))
        .fold(1e-9, f64::max);
    type Series = (
        &'static str,
        &'static str,
        fn(&crate::engine::Sample) -> f64,
    );
    let series: [Series; 3] = [
        ("nodes on", "#1f77b4", |s| s.nodes_on as f64),
        ("busy cores", "#2ca02c", |s| s.cores_busy),
        ("queued jobs", "#ff7f0e", |s| s.queued as f64),
    ];
    // One scale per series across policies, so panels compare.
    let maxima: Vec<f64> = series
        .iter()
        .map(|(_, _, f)| {
            outcomes
                .iter()
                .flat_map(|o| o.timeline.iter().map(f))
                .fold(1e-9, f64::max)
        })
        .collect();
    let height = TOP + PANEL * outcomes.len() as f64 + 40.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"11\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    for (i, (name, color, _)) in series.iter().enumerate() {
        s.push_str(&format!(
            "<text x=\"{}\" y=\"16\" fill=\"{color}\">{name} (max {:.0})</text>\n",
            LEFT + i as f64 * 220.0,
            maxima[i]
        ));
    }
    let plot_w = W - LEFT - 20.0;
    for (pi, o) in outcomes.iter().enumerate() {
        let y0 = TOP + pi as f64 * PANEL;
        let h = PANEL - 25.0;
        s.push_str(&format!(
            "<text x=\"4\" y=\"{}\" font-weight=\"bold\">{}</text>\n<rect x=\"{LEFT}\" y=\"{y0}\" width=\"{plot_w}\" height=\"{h}\" fill=\"none\" stroke=\"#ccc\"/>\n",
            y0 + h / 2.0,
            esc(&o.policy)
        ));
        for (si, (_, color, f)) in series.iter().enumerate() {
            let pts: Vec<String> = o
                .timeline
                .iter()
                .map(|p| {
                    let x = LEFT + p.t / t_max * plot_w;
                    let y = y0 + h - f(p) / maxima[si] * h;
                    format!("{x:.1},{y:.1}")
                })
                .collect();
            s.push_str(&format!(
                "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.2\" points=\"{}\"/>\n",
                pts.join(" ")
            ));
        }
    }
    let y = TOP + PANEL * outcomes.len() as f64;
    for k in 0..=4 {
        let t = t_max * k as f64 / 4.0;
        s.push_str(&format!(
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{t:.0}s</text>\n",
            LEFT + plot_w * k as f64 / 4.0,
            y
        ));
    }
    s.push_str("</svg>\n");
    s
}
