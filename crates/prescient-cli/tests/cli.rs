//! The `prescient` binary as a user runs it: outputs, JSON schema, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_prescient"))
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus")
        .join(name)
}

fn tmp(name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("prescient-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into(),
        String::from_utf8_lossy(&stderr).into(),
    )
}

#[test]
fn human_report_shows_sections_kernels_and_assumptions() {
    let (code, out, err) = run(bin()
        .arg("analyze")
        .arg(corpus("matmul_numpy.py"))
        .args(["--", "--n", "3000"]));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("a @ b, 3000x3000 @ 3000x3000 float64 -> matmul, 54 GFLOP"),
        "{out}"
    );
    assert!(out.contains("section 0"));
    let (_, out, _) = run(bin().args(["analyze", "--no-predict"]).arg(tmp(
        "u.py",
        b"import numpy as np\nn = int(input())\nx = np.ones((n, n))\n",
    )));
    assert!(out.contains("unknowns and assumptions:"), "{out}");
    assert!(out.contains("n = 1000"), "{out}");
}

#[test]
fn json_follows_the_schema() {
    let (code, out, err) = run(bin()
        .arg("analyze")
        .arg("--json")
        .arg(corpus("scipy_filters.py"))
        .args(["--", "1000"]));
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "prescient.analysis/1");
    assert_eq!(v["args"], serde_json::json!(["1000"]));
    assert!(v["file"].as_str().unwrap().ends_with("scipy_filters.py"));
    for key in ["sections", "unknowns", "unresolved_calls"] {
        assert!(v[key].is_array(), "{key}");
    }
    let sections = v["sections"].as_array().unwrap();
    for s in sections {
        for key in ["index", "start_line", "end_line", "safe_point", "kernels"] {
            assert!(!s[key].is_null(), "section lacks {key}");
        }
        for k in s["kernels"].as_array().unwrap() {
            for key in [
                "category",
                "pattern",
                "line",
                "flops",
                "bytes_moved",
                "bytes_allocated",
                "evidence",
            ] {
                assert!(!k[key].is_null(), "kernel lacks {key}");
            }
            let cat = k["category"].as_str().unwrap();
            assert!([
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
                "other"
            ]
            .contains(&cat));
        }
    }
    let lfilter = sections
        .iter()
        .flat_map(|s| s["kernels"].as_array().unwrap())
        .find(|k| k["pattern"] == "scipy.signal.lfilter")
        .unwrap();
    assert_eq!(lfilter["category"], "signal");
}

#[test]
fn syntax_error_exit_2_with_position() {
    let p = tmp("bad.py", b"def f(:\n    pass\n");
    let (code, out, err) = run(bin().args(["analyze", "--no-predict"]).arg(&p));
    assert_eq!(code, 2);
    assert!(out.is_empty());
    let expected = format!("{}:1:7: ", p.display());
    assert!(err.starts_with(&expected), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked"));
}

#[test]
fn bad_inputs_exit_2_with_clear_messages() {
    let (code, _, err) = run(bin()
        .args(["analyze", "--no-predict"])
        .arg("/nonexistent/x.py"));
    assert_eq!(code, 2);
    assert!(err.contains("cannot read /nonexistent/x.py"), "{err}");
    let (code, _, err) = run(bin()
        .args(["analyze", "--no-predict"])
        .arg(std::env::temp_dir()));
    assert_eq!(code, 2);
    assert!(err.contains("is a directory"), "{err}");
    let p = tmp("bin.py", &[0x7f, b'E', b'L', b'F', 0, 0, 1, 2]);
    let (code, _, err) = run(bin().args(["analyze", "--no-predict"]).arg(&p));
    assert_eq!(code, 2);
    assert!(err.contains("binary data"), "{err}");
    let (code, _, _) = run(bin().args(["analyze", "--no-predict"]));
    assert_eq!(code, 2);
}

#[test]
fn deep_nesting_from_the_command_line() {
    let src = format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000));
    let p = tmp("deep.py", src.as_bytes());
    let (code, _, err) = run(bin()
        .args(["analyze", "--no-predict"])
        .arg("--json")
        .arg(&p));
    assert!(code == 0 || code == 2, "{err}");
    assert!(
        !err.contains("overflow") && !err.contains("panicked"),
        "{err}"
    );
}

#[test]
fn without_a_usable_python_prediction_falls_back_to_builtin_figures() {
    let home = std::env::temp_dir().join(format!("prescient-cli-nopython-{}", std::process::id()));
    let (code, out, err) = run(Command::new(env!("CARGO_BIN_EXE_prescient"))
        .env("PRESCIENT_HOME", &home)
        .env("PRESCIENT_BASE_PYTHON", "/nonexistent/python3")
        .args(["analyze", "--json"])
        .arg(corpus("fft_spectrum.py")));
    let _ = std::fs::remove_dir_all(&home);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("predicting from built-in figures"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["prediction"]["wall_seconds"].as_f64().unwrap() > 0.0);
    assert!(v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n.as_str().unwrap().contains("built-in figures")));
}
