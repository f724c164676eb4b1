//! Per-policy figures from a simulation outcome, and the side-by-side table.

use crate::engine::Outcome;
use serde::Serialize;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub policy: String,
    pub jobs: usize,
    pub completed: usize,
    pub failed: usize,
    /// Completion time (end minus submit) of completed jobs, seconds.
    pub completion_mean: f64,
    /// Quantiles of completion time over every job, a job that never
    /// completed (it failed, or the run ended first) counting as infinitely
    /// late: a policy does not look faster for giving up on its slowest jobs.
    /// Infinite when a job at that rank never completed (`null` in JSON).
    pub completion_p50: f64,
    pub completion_p95: f64,
    /// First start minus submit, seconds.
    pub queueing_mean: f64,
    pub queueing_p95: f64,
    pub oom_kills: u64,
    pub limit_kills: u64,
    pub deadline_jobs: usize,
    pub deadline_misses: usize,
    pub node_seconds: f64,
    pub cost: f64,
    /// Busy core-seconds over offered core-seconds.
    pub utilisation: f64,
    pub migrations: u64,
    pub downtime_seconds: f64,
    pub pauses: u64,
    pub node_starts: u32,
    pub makespan: f64,
    pub refused_decisions: u64,
}

/// The `q` quantile (0..=1) of sorted values, by nearest rank.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() {
        0.0
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

pub fn summarise(o: &Outcome) -> Summary {
    let completion: Vec<f64> = o
        .jobs
        .iter()
        .filter_map(|j| j.end.map(|e| e - j.submit))
        .collect();
    let mut ranked: Vec<f64> = o
        .jobs
        .iter()
        .map(|j| j.end.map_or(f64::INFINITY, |e| e - j.submit))
        .collect();
    ranked.sort_by(f64::total_cmp);
    let mut queueing: Vec<f64> = o
        .jobs
        .iter()
        .filter_map(|j| j.first_start.map(|s| s - j.submit))
        .collect();
    queueing.sort_by(f64::total_cmp);
    let deadline_jobs = o.jobs.iter().filter(|j| j.deadline.is_some()).count();
    let deadline_misses = o
        .jobs
        .iter()
        .filter(|j| match (j.deadline, j.end) {
            (Some(d), Some(e)) => e - j.submit > d,
            (Some(_), None) => true,
            _ => false,
        })
        .count();
    Summary {
        policy: o.policy.clone(),
        jobs: o.jobs.len(),
        completed: completion.len(),
        failed: o.jobs.iter().filter(|j| j.failed).count(),
        completion_mean: mean(&completion),
        completion_p50: quantile(&ranked, 0.5),
        completion_p95: quantile(&ranked, 0.95),
        queueing_mean: mean(&queueing),
        queueing_p95: quantile(&queueing, 0.95),
        oom_kills: o.jobs.iter().map(|j| j.oom_kills as u64).sum(),
        limit_kills: o.jobs.iter().map(|j| j.limit_kills as u64).sum(),
        deadline_jobs,
        deadline_misses,
        node_seconds: o.node_seconds.iter().sum(),
        cost: o.cost,
        utilisation: if o.offered_core_seconds > 0.0 {
            o.busy_core_seconds / o.offered_core_seconds
        } else {
            0.0
        },
        migrations: o.jobs.iter().map(|j| j.migrations as u64).sum(),
        downtime_seconds: o.jobs.iter().map(|j| j.downtime).sum(),
        pauses: o.jobs.iter().map(|j| j.pauses as u64).sum(),
        node_starts: o.node_starts,
        makespan: o.makespan,
        refused_decisions: o.refused,
    }
}

/// Each figure's median over repeated runs of one policy (the lower median
/// for an even count, so every figure is one that was measured). Repeats are
/// how a noisy machine is measured: one run's p95 of a small workload is the
/// second-slowest job, and a busy neighbour moves it.
pub fn median(runs: &[Summary]) -> Summary {
    fn med<T: Copy + PartialOrd>(runs: &[Summary], f: impl Fn(&Summary) -> T) -> T {
        let mut v: Vec<T> = runs.iter().map(f).collect();
        v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        v[(v.len() - 1) / 2]
    }
    let Some(first) = runs.first() else {
        return Summary::default();
    };
    Summary {
        policy: first.policy.clone(),
        jobs: med(runs, |s| s.jobs),
        completed: med(runs, |s| s.completed),
        failed: med(runs, |s| s.failed),
        completion_mean: med(runs, |s| s.completion_mean),
        completion_p50: med(runs, |s| s.completion_p50),
        completion_p95: med(runs, |s| s.completion_p95),
        queueing_mean: med(runs, |s| s.queueing_mean),
        queueing_p95: med(runs, |s| s.queueing_p95),
        oom_kills: med(runs, |s| s.oom_kills),
        limit_kills: med(runs, |s| s.limit_kills),
        deadline_jobs: med(runs, |s| s.deadline_jobs),
        deadline_misses: med(runs, |s| s.deadline_misses),
        node_seconds: med(runs, |s| s.node_seconds),
        cost: med(runs, |s| s.cost),
        utilisation: med(runs, |s| s.utilisation),
        migrations: med(runs, |s| s.migrations),
        downtime_seconds: med(runs, |s| s.downtime_seconds),
        pauses: med(runs, |s| s.pauses),
        node_starts: med(runs, |s| s.node_starts),
        makespan: med(runs, |s| s.makespan),
        refused_decisions: med(runs, |s| s.refused_decisions),
    }
}

/// One figure of each round, a line per round and a column per policy:
/// `rounds[r][p]` is round r's summary of policy p.
pub fn per_round(label: &str, rounds: &[Vec<Summary>], f: impl Fn(&Summary) -> String) -> String {
    let mut out = String::new();
    for (i, row) in rounds.iter().enumerate() {
        out.push_str(&format!("{:<22}", format!("{label}, round {}", i + 1)));
        for s in row {
            out.push_str(&format!("{:>15}", f(s)));
        }
        out.push('\n');
    }
    out
}

/// Seconds as the table shows them (`never` for a job that never ended).
pub fn secs(s: f64) -> String {
    if s.is_infinite() {
        "never".into()
    } else if s >= 100.0 {
        format!("{s:.0}s")
    } else if s >= 10.0 {
        format!("{s:.1}s")
    } else {
        format!("{s:.2}s")
    }
}

type Cell = Box<dyn Fn(&Summary) -> String>;

/// The side-by-side table, one column per policy.
pub fn table(rows: &[Summary]) -> String {
    let lines: Vec<(&str, Cell)> = vec![
        (
            "jobs completed",
            Box::new(|s| format!("{}/{}", s.completed, s.jobs)),
        ),
        ("completion mean", Box::new(|s| secs(s.completion_mean))),
        ("completion p50", Box::new(|s| secs(s.completion_p50))),
        ("completion p95", Box::new(|s| secs(s.completion_p95))),
        ("queueing mean", Box::new(|s| secs(s.queueing_mean))),
        ("queueing p95", Box::new(|s| secs(s.queueing_p95))),
        ("OOM kills", Box::new(|s| s.oom_kills.to_string())),
        ("limit kills", Box::new(|s| s.limit_kills.to_string())),
        ("failed jobs", Box::new(|s| s.failed.to_string())),
        (
            "deadline misses",
            Box::new(|s| format!("{}/{}", s.deadline_misses, s.deadline_jobs)),
        ),
        (
            "node-seconds",
            Box::new(|s| format!("{:.0}", s.node_seconds)),
        ),
        ("cost", Box::new(|s| format!("{:.2}", s.cost))),
        (
            "utilisation",
            Box::new(|s| format!("{:.1}%", s.utilisation * 100.0)),
        ),
        ("migrations", Box::new(|s| s.migrations.to_string())),
        ("migration downtime", Box::new(|s| secs(s.downtime_seconds))),
        ("preemptions (pauses)", Box::new(|s| s.pauses.to_string())),
        ("node starts", Box::new(|s| s.node_starts.to_string())),
        ("makespan", Box::new(|s| secs(s.makespan))),
    ];
    let width = 15;
    let mut out = format!("{:<22}", "");
    for r in rows {
        out.push_str(&format!("{:>width$}", r.policy));
    }
    out.push('\n');
    for (label, f) in &lines {
        out.push_str(&format!("{label:<22}"));
        for r in rows {
            out.push_str(&format!("{:>width$}", f(r)));
        }
        out.push('\n');
    }
    if rows.iter().any(|r| r.refused_decisions > 0) {
        out.push_str(&format!("{:<22}", "refused decisions"));
        for r in rows {
            out.push_str(&format!("{:>width$}", r.refused_decisions));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(quantile(&v, 0.5), 10.0);
        assert_eq!(quantile(&v, 0.95), 19.0);
        assert_eq!(quantile(&v, 1.0), 20.0);
        assert_eq!(quantile(&[], 0.5), 0.0);
        assert_eq!(quantile(&[3.0], 0.95), 3.0);
    }

    #[test]
    fn a_job_given_up_on_counts_as_never_completed() {
        let job = |end: Option<f64>| crate::engine::JobOutcome {
            submit: 1.0,
            end,
            failed: end.is_none(),
            ..Default::default()
        };
        let mut o = Outcome {
            jobs: (1..=19).map(|i| job(Some(1.0 + f64::from(i)))).collect(),
            ..Default::default()
        };
        o.jobs.push(job(None));
        let s = summarise(&o);
        assert_eq!((s.completed, s.failed), (19, 1));
        // Mean over the completed; the slowest rank is the failed one.
        assert_eq!(s.completion_mean, 10.0);
        assert_eq!(s.completion_p50, 10.0);
        assert_eq!(s.completion_p95, 19.0);
        o.jobs.push(job(None));
        let s = summarise(&o);
        assert!(s.completion_p95.is_infinite());
        assert!(table(&[s]).contains("never"));
    }

    #[test]
    fn medians_are_taken_figure_by_figure() {
        let run = |p95: f64, oom: u64, ns: f64| Summary {
            policy: "p".into(),
            completion_p95: p95,
            oom_kills: oom,
            node_seconds: ns,
            ..Default::default()
        };
        let m = median(&[run(9.0, 0, 30.0), run(3.0, 5, 10.0), run(4.0, 1, 20.0)]);
        assert_eq!(
            (m.completion_p95, m.oom_kills, m.node_seconds),
            (4.0, 1, 20.0)
        );
        // Even counts take the lower of the middle two.
        let m = median(&[run(f64::INFINITY, 0, 1.0), run(2.0, 0, 1.0)]);
        assert_eq!(m.completion_p95, 2.0);
        assert_eq!(median(&[]), Summary::default());
        let rows = per_round(
            "p95",
            &[vec![run(1.5, 0, 0.0)], vec![run(2.5, 0, 0.0)]],
            |s| secs(s.completion_p95),
        );
        assert!(
            rows.contains("p95, round 2") && rows.contains("2.50s"),
            "{rows}"
        );
    }
}
