//! Prediction end to end, with the real worker environment: calibration, the
//! predicted fields of `analyze --json`, the timeline plot, `eval` against real
//! runs (loose bounds: the tight goals are reported by `prescient eval`, not
//! asserted), and the errors a user can meet.
//!
//! The tests share one data directory, so the worker environment is built and the
//! node calibrated once.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

fn home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        // Under the target directory: reused by later test runs, never left in /tmp.
        let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join("prescient-home");
        std::fs::create_dir_all(&p).unwrap();
        p
    })
}

/// Serialises the tests: the first one builds the environment.
fn lock() -> std::sync::MutexGuard<'static, ()> {
    static L: Mutex<()> = Mutex::new(());
    L.lock().unwrap_or_else(|e| e.into_inner())
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_prescient"));
    c.env("PRESCIENT_HOME", home());
    c
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus")
        .join(name)
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let o = cmd.output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stdout).into(),
        String::from_utf8_lossy(&o.stderr).into(),
    )
}

#[test]
fn analyze_predicts_sections_and_program() {
    let _g = lock();
    let svg = home().join("timeline.svg");
    let (code, out, err) = run(bin()
        .args(["analyze", "--json", "--plot"])
        .arg(&svg)
        .arg(corpus("fft_spectrum.py")));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let p = &v["prediction"];
    for key in ["node", "wall_seconds", "cpu_seconds", "peak_memory_bytes"] {
        assert!(!p[key].is_null(), "prediction lacks {key}");
    }
    for key in ["wall_interval", "cpu_interval", "peak_memory_interval"] {
        assert!(p[key]["low"].as_f64().unwrap() <= p[key]["high"].as_f64().unwrap());
    }
    assert!(
        p["peak_memory_bytes"].as_f64().unwrap() > 10e6,
        "numpy alone takes more than 10 MB"
    );
    for s in v["sections"].as_array().unwrap() {
        for key in ["wall_seconds", "cpu_seconds", "peak_memory_bytes", "cores"] {
            assert!(
                s["predicted"][key].is_number(),
                "section lacks predicted.{key}"
            );
        }
    }
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg") && text.contains("memory") && text.contains("cores"));
}

#[test]
fn eval_measures_real_runs_and_records_history() {
    let _g = lock();
    let out_json = home().join("eval.json");
    let (code, out, err) = run(bin()
        .args(["eval", "--runs", "1", "--json"])
        .arg(&out_json)
        .arg(corpus("fir_slices.py"))
        .arg(corpus("hash_workload.py"))
        .arg(corpus("matmul_loops.py")));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("first sight:") && out.contains("median error"),
        "{out}"
    );
    assert!(
        out.contains("in interval:") && out.contains("(above:"),
        "{out}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out_json).unwrap()).unwrap();
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        assert_eq!(r["status"], "ok", "{r}");
        let (pred, actual) = (&r["first_sight"], &r["actual"]);
        let ratio = |k: &str| pred[k].as_f64().unwrap() / actual[k].as_f64().unwrap();
        assert!(
            (0.5..=1.5).contains(&ratio("peak_memory_bytes")),
            "memory off by more than 50%: {r}"
        );
        assert!(
            (0.2..=5.0).contains(&ratio("wall_seconds")),
            "wall time off by more than 5x: {r}"
        );
    }
    // A second evaluation reuses what the first one measured.
    let (code, out, err) = run(bin()
        .args(["eval", "--runs", "1"])
        .arg(corpus("fir_slices.py")));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("1 programs seen before"), "{out}");
    // Leave one out: "with history" comes from the other programs of the
    // sets only, never from the database that now holds these very runs.
    let loo_json = home().join("eval-loo.json");
    let (code, out, err) = run(bin()
        .args(["eval", "--leave-one-out", "--measured"])
        .arg(&out_json)
        .arg("--json")
        .arg(&loo_json)
        .arg(corpus("fir_slices.py"))
        .arg(corpus("hash_workload.py"))
        .arg(corpus("matmul_loops.py")));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("0 programs seen before"), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&loo_json).unwrap()).unwrap();
    for r in v["results"].as_array().unwrap() {
        let h = r["history"].as_str().unwrap();
        // Three programs of different kernels: no pattern is shared by the
        // three programs a correction needs, so each stays at first sight.
        assert_eq!(h, "none", "{r}");
        assert_eq!(r["with_history"], r["first_sight"], "{r}");
    }
}

#[test]
fn crashes_and_endless_programs_are_reported() {
    let _g = lock();
    let dir = home().join("bad");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("crash.py"), "x = 1 / 0\n").unwrap();
    std::fs::write(dir.join("forever.py"), "while True:\n    pass\n").unwrap();
    std::fs::write(
        dir.join("manifest.toml"),
        "[programs.\"forever.py\"]\ntimeout = 1.5\n",
    )
    .unwrap();
    let (code, out, err) = run(bin().args(["eval"]).arg(&dir));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("program failed (exit code 1): ZeroDivisionError"),
        "{out}"
    );
    assert!(
        out.contains("timed out after 2 s") || out.contains("timed out after 1 s"),
        "{out}"
    );
}

#[test]
fn a_broken_interpreter_is_a_clear_error() {
    let _g = lock();
    let fake = home().join("not-python");
    std::fs::write(&fake, "#!/bin/sh\necho broken >&2\nexit 3\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (code, _, err) = run(bin()
        .args(["analyze", "--python"])
        .arg(&fake)
        .arg(corpus("fft_spectrum.py")));
    assert_eq!(code, 1);
    assert!(
        err.contains("cannot be used") && err.contains("broken"),
        "{err}"
    );
    let (code, _, err) = run(bin().args(["calibrate", "--python", "/nonexistent/python3"]));
    assert_eq!(code, 1);
    assert!(err.contains("cannot be run"), "{err}");
}

#[test]
fn fit_interp_measures_snippets_and_writes_a_fit_that_loads() {
    let _g = lock();
    let out_file = home().join("interp_fit_test.json");
    let _ = std::fs::remove_file(&out_file);
    // Twelve snippets of a seed, three folds, one run each.
    let small = |seed: &str| {
        let mut c = bin();
        c.args([
            "fit-interp",
            "--snippets",
            "12",
            "--folds",
            "3",
            "--runs",
            "1",
            "--seed",
            seed,
        ]);
        c
    };
    let (code, out, err) = run(small("5").arg("--out").arg(&out_file));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("12 snippets (seed 5)"), "{out}");
    assert!(
        out.contains("fit, on snippets left out (3 folds): median error"),
        "{out}"
    );
    assert!(out.contains("replaced model"), "{out}");
    let fit: prescient_profile::interp_fit::InterpFit =
        serde_json::from_str(&std::fs::read_to_string(&out_file).unwrap()).unwrap();
    assert_eq!(fit.schema, prescient_profile::interp_fit::SCHEMA);
    assert_eq!(fit.provenance.snippets, 12);
    assert!(fit.cost.values().all(|c| *c >= 0.0 && c.is_finite()));
    assert!(fit.cost.values().any(|c| *c > 0.0));
    assert!(fit.reference.contains_key("interp.loop_iter"));
    // A fresh fit sets its level too (its median prediction right).
    assert!(fit.level > 0.2 && fit.level < 5.0, "{}", fit.level);
    assert!(fit.level_fit.is_none());
    // Its costs kept, only the level set on another series.
    let level_file = home().join("interp_level_test.json");
    let (code, out, err) = run(small("6")
        .arg("--keep-costs")
        .arg(&out_file)
        .arg("--out")
        .arg(&level_file));
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("kept costs alone, these snippets"), "{out}");
    let kept: prescient_profile::interp_fit::InterpFit =
        serde_json::from_str(&std::fs::read_to_string(&level_file).unwrap()).unwrap();
    // (The costs as written and read back: equal to the last digit.)
    assert_eq!(kept.cost.len(), fit.cost.len());
    for (k, v) in &fit.cost {
        assert!((kept.cost[k] - v).abs() <= 1e-12 * v.abs(), "{k}");
    }
    assert_eq!(kept.provenance, fit.provenance);
    let level = kept.level_fit.as_ref().expect("the level's series");
    assert_eq!((level.seed, level.snippets, level.folds), (6, 12, 3));
    // A file that is not a fit: an input error, before anything runs.
    let bad = home().join("not_a_fit.json");
    std::fs::write(&bad, "{\"schema\": 3}").unwrap();
    let (code, _, err) = run(bin().args(["fit-interp", "--keep-costs"]).arg(&bad));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not a fit"), "{err}");
    // The snippet a row stands for can be printed and run by hand.
    let (code, out, _) = run(bin().args(["fit-interp", "--seed", "5", "--show", "3"]));
    assert_eq!(code, 0);
    assert!(out.contains("def main(n):"), "{out}");
    // Too few snippets for the folds: an input error, nothing measured.
    let (code, _, err) = run(bin().args(["fit-interp", "--snippets", "3"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("too few"), "{err}");
}
