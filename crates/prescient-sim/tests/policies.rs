//! Scenario tests: each policy on small fleets and workloads built with
//! [`Scenario`], checking the decisions the policies are for.

use prescient_plan::policies;
use prescient_plan::{
    Capacity, Declared, Features, Forecast, JobInfo, NodeInfo, Observed, SectionForecast,
};
use prescient_sim::engine::{simulate, Options, Outcome};
use prescient_sim::metrics::summarise;
use prescient_sim::{Actual, SimJob};

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// A unit: seconds, cores, memory in GiB.
#[derive(Clone, Copy)]
struct U(f64, f64, f64);

#[derive(Default)]
struct Scenario {
    nodes: Vec<NodeInfo>,
    jobs: Vec<SimJob>,
    /// Forecast upper bounds over actual.
    margin: f64,
    /// Give the policies one earlier run of every job, as measured.
    history: bool,
}

impl Scenario {
    fn new() -> Scenario {
        Scenario {
            margin: 1.2,
            ..Scenario::default()
        }
    }

    fn node(mut self, name: &str, cores: f64, gib: f64, features: &[&str]) -> Scenario {
        self.nodes.push(NodeInfo {
            name: name.into(),
            elastic: false,
            joins: false,
            capacity: Capacity {
                cores,
                memory: gib * GIB,
            },
            features: Features::from_names(features),
            startup_seconds: 0.0,
            cost_per_second: 0.0,
        });
        self
    }

    fn burst(mut self, count: usize, cores: f64, gib: f64, startup: f64) -> Scenario {
        for i in 0..count {
            self.nodes.push(NodeInfo {
                name: format!("burst-{}", i + 1),
                elastic: true,
                joins: false,
                capacity: Capacity {
                    cores,
                    memory: gib * GIB,
                },
                features: Features::NONE,
                startup_seconds: startup,
                cost_per_second: 0.01,
            });
        }
        self
    }

    /// A job at `submit` with units `units`; `aes` marks units whose work
    /// (90% of it) profits from AES-NI.
    fn job(
        mut self,
        submit: f64,
        priority: i32,
        units: &[U],
        aes: &[usize],
        declared: Declared,
    ) -> Scenario {
        let id = self.jobs.len() as u32;
        let actual: Vec<Actual> = units
            .iter()
            .enumerate()
            .map(|(i, u)| Actual {
                seconds: u.0,
                cores: u.1,
                memory: u.2 * GIB,
                features: if aes.contains(&i) {
                    Features::from_names(["aes"])
                } else {
                    Features::NONE
                },
                feature_share: if aes.contains(&i) { 0.9 } else { 0.0 },
            })
            .collect();
        let forecast = Forecast {
            sections: actual
                .iter()
                .map(|a| SectionForecast {
                    seconds: a.seconds,
                    seconds_high: a.seconds * self.margin,
                    cores: a.cores,
                    memory: a.memory,
                    memory_high: a.memory * self.margin,
                    features: a.features,
                    feature_share: a.feature_share,
                })
                .collect(),
        };
        self.jobs.push(SimJob {
            info: JobInfo {
                id,
                submit,
                priority,
                deadline: None,
                declared,
                forecast,
                key: id,
            },
            actual,
        });
        self
    }

    /// Another submission of job `of`'s code (the same key), at `submit`.
    fn again(mut self, submit: f64, of: usize) -> Scenario {
        let mut j = self.jobs[of].clone();
        j.info.id = self.jobs.len() as u32;
        j.info.submit = submit;
        self.jobs.push(j);
        self
    }

    fn with_history(mut self) -> Scenario {
        self.history = true;
        self
    }

    fn run(&self, policy: &str) -> Outcome {
        let mut p = policies::by_name(policy, self.nodes.clone()).unwrap();
        if self.history {
            for j in &self.jobs {
                let run: Vec<Observed> = j
                    .actual
                    .iter()
                    .map(|a| Observed {
                        seconds: a.seconds,
                        cpu_seconds: a.seconds * a.cores,
                        memory: a.memory,
                    })
                    .collect();
                p.history(j.info.key, &j.info.forecast, &[run]);
            }
        }
        let jobs = prescient_sim::job::for_policy(&self.jobs, policies::wants_actual(policy));
        simulate(&self.nodes, &jobs, p.as_mut(), Options::default())
    }
}

fn declared(cores: f64, gib: f64) -> Declared {
    Declared {
        cores: Some(cores),
        memory: Some(gib * GIB),
        seconds: None,
    }
}

const SPIKY: [U; 3] = [U(10.0, 1.0, 0.5), U(5.0, 1.0, 3.0), U(10.0, 1.0, 0.5)];

#[test]
fn every_policy_finishes_everything_and_refuses_nothing() {
    let mut s = Scenario::new()
        .node("a", 2.0, 4.0, &[])
        .node("b", 2.0, 4.0, &["aes"])
        .burst(2, 4.0, 8.0, 20.0);
    for i in 0..12 {
        s = s.job(
            i as f64 * 3.0,
            (i % 3 == 0) as i32,
            &SPIKY,
            &[],
            declared(1.0, 4.0),
        );
        s = s.job(
            i as f64 * 3.0 + 1.0,
            0,
            &[U(5.0, 1.0, 0.3), U(10.0, 1.0, 0.3)],
            &[1],
            Declared::default(),
        );
    }
    for name in policies::NAMES {
        let o = s.run(name);
        let m = summarise(&o);
        assert_eq!(m.completed, m.jobs, "{name}: {m:?}");
        assert_eq!(m.refused_decisions, 0, "{name}: {m:?}");
        // Same inputs, same outcome.
        assert_eq!(summarise(&s.run(name)), m, "{name}");
    }
}

#[test]
fn proactive_keeps_spikes_apart_and_reactive_does_not() {
    // Two 5 GiB nodes. The first job spikes to 3 GiB from t=10 to 15, the
    // second from t=11 to 16: both spikes cannot share a node. Reactive
    // packs both by their default requests (2 GiB) on one node.
    let s = Scenario::new()
        .node("a", 4.0, 5.0, &[])
        .node("b", 4.0, 5.0, &[])
        .job(0.0, 0, &SPIKY, &[], Declared::default())
        .job(
            0.5,
            0,
            &[U(10.5, 1.0, 0.4), U(5.0, 1.0, 3.0), U(4.0, 1.0, 0.4)],
            &[],
            Declared::default(),
        );
    let p = summarise(&s.run("proactive"));
    assert_eq!(p.oom_kills, 0, "{p:?}");
    let r = summarise(&s.run("reactive"));
    assert!(r.oom_kills > 0, "{r:?}");
    assert!(p.completion_p95 < r.completion_p95, "{p:?} {r:?}");
}

#[test]
fn proactive_starts_a_virtual_node_ahead_of_the_unit_that_needs_it() {
    // The spike needs 6 GiB: only a burst node (20 s to start) has it.
    let s = Scenario::new()
        .node("a", 2.0, 4.0, &[])
        .burst(1, 4.0, 8.0, 20.0)
        .job(
            0.0,
            0,
            &[U(30.0, 1.0, 0.5), U(5.0, 1.0, 6.0)],
            &[],
            Declared::default(),
        );
    let o = s.run("proactive");
    let j = &o.jobs[0];
    assert_eq!(j.migrations, 1);
    // Started 20 s ahead of the spike at t=30: no waiting at the boundary.
    let end = j.end.unwrap();
    assert!(end < 35.0 + 0.5, "ended at {end}");
    let reactive = s.run("reactive");
    let rj = &reactive.jobs[0];
    assert!(
        rj.end.unwrap() > end + 15.0,
        "reactive ended at {:?}",
        rj.end
    );
}

#[test]
fn proactive_moves_to_a_node_with_the_features_a_unit_profits_from() {
    // Node a (no AES) takes the job first (b is busy with another AES
    // job until t=5); its AES unit, from t=10, is long.
    let s = Scenario::new()
        .node("a", 1.0, 4.0, &[])
        .node("b", 1.0, 4.0, &["aes"])
        .job(0.0, 0, &[U(5.0, 1.0, 0.5)], &[0], Declared::default())
        .job(
            0.1,
            0,
            &[U(10.0, 1.0, 0.5), U(40.0, 1.0, 0.5)],
            &[1],
            Declared::default(),
        )
        .with_history();
    let o = s.run("proactive");
    let j = &o.jobs[1];
    assert_eq!(j.migrations, 1, "{j:?}");
    // 10 s + 40 s with AES; without it the unit would take 40 * 3.7.
    assert!(j.end.unwrap() < 60.0, "{j:?}");
}

#[test]
fn proactive_waits_for_a_node_with_the_features_when_that_ends_sooner() {
    // Node a (no AES) is free; b (AES) is busy until t=2. The job is one
    // long AES unit: 20 s on b from t=2 beats 20 s x 6.6 on a from now.
    let s = Scenario::new()
        .node("a", 1.0, 4.0, &[])
        .node("b", 1.0, 4.0, &["aes"])
        .job(0.0, 0, &[U(2.0, 1.0, 0.5)], &[0], Declared::default())
        .job(0.1, 0, &[U(20.0, 1.0, 0.5)], &[0], Declared::default())
        .with_history();
    let o = s.run("proactive");
    let j = &o.jobs[1];
    assert_eq!(j.nodes, vec![1], "{j:?}");
    assert!(j.end.unwrap() < 23.0, "{j:?}");
    // It waited for b rather than start on a at once.
    assert!(j.first_start.unwrap() >= 2.0, "{j:?}");
}

#[test]
fn reactive_never_asks_for_more_than_the_largest_node() {
    // The first job uses 3.5 GiB of a 4 GiB node; what a VPA would then
    // recommend for its code (x1.2) is more than any node: it is cut to
    // the node, and the next submission still runs.
    let s = Scenario::new()
        .node("a", 1.0, 4.0, &[])
        .job(0.0, 0, &[U(2.0, 1.0, 3.5)], &[], Declared::default())
        .again(10.0, 0);
    let o = s.run("reactive");
    assert!(
        o.jobs.iter().all(|j| !j.failed && j.end.is_some()),
        "{:?}",
        o.jobs
    );
}

#[test]
fn proactive_pauses_lower_priority_work_for_higher() {
    let s = Scenario::new()
        .node("a", 1.0, 4.0, &[])
        .job(0.0, 0, &[U(100.0, 1.0, 0.5)], &[], Declared::default())
        .job(1.0, 5, &[U(10.0, 1.0, 0.5)], &[], Declared::default());
    let o = s.run("proactive");
    assert_eq!(o.jobs[0].pauses, 1);
    assert!(o.jobs[1].end.unwrap() < 12.0, "{:?}", o.jobs[1]);
    assert!(o.jobs[0].end.unwrap() > 109.0);
}

#[test]
fn static_kills_under_declared_jobs_and_resubmits_them_larger() {
    let s = Scenario::new()
        .node("a", 2.0, 8.0, &[])
        .job(0.0, 0, &SPIKY, &[], declared(1.0, 1.0));
    let o = s.run("static");
    let m = summarise(&o);
    assert_eq!(m.limit_kills, 2, "{m:?}");
    assert_eq!(m.completed, 1);
}

#[test]
fn proactive_moves_a_job_before_a_unit_that_will_not_fit_where_it_runs() {
    // a holds a small long job; b a big short one. The new job's spike
    // fits neither now, but its first unit fits on a, and by the time the
    // spike comes b is free: it starts on a and moves to b before the spike.
    // (Fitting a unit between others' reservations in time needs timing
    // learnt from history: every job here ran before.)
    let s = Scenario::new()
        .node("a", 4.0, 4.0, &[])
        .node("b", 4.0, 4.0, &[])
        .job(0.0, 0, &[U(100.0, 1.0, 0.5)], &[], Declared::default())
        .job(0.0, 0, &[U(8.0, 1.0, 3.0)], &[], Declared::default())
        .job(
            0.1,
            0,
            &[U(10.0, 1.0, 0.5), U(5.0, 1.0, 3.0)],
            &[],
            Declared::default(),
        )
        .with_history();
    let o = s.run("proactive");
    let j = &o.jobs[2];
    assert_eq!((j.migrations, j.oom_kills), (1, 0), "{j:?}");
    assert_eq!(j.first_start, Some(0.1));
    assert!(j.end.unwrap() < 15.1 + 0.5, "{j:?}");
    assert_eq!(summarise(&o).oom_kills, 0);
}
