//! `prescient sbatch` on the Slurm test cluster: the job is submitted with
//! the limits its forecast's upper bounds give, runs, and what it used goes
//! to the history, so the next forecast of it is what it measured.

mod common;

use common::{command, ok, scratch, slurm_up};

const PROGRAM: &str =
    "import sys\ndata = bytearray(int(sys.argv[1]) * 1024 * 1024)\nprint('held', len(data))\n";

#[test]
fn a_dry_run_prints_the_limits_from_the_forecast() {
    let dir = scratch("sbatch-tests", "dry");
    std::fs::write(dir.join("hold.py"), PROGRAM).unwrap();
    let out = ok(&command()
        .current_dir(&dir)
        .args([
            "sbatch",
            "--dry-run",
            "--partition",
            "main",
            "hold.py",
            "--",
            "300",
        ])
        .output()
        .unwrap());
    let mem: u64 = out
        .split_whitespace()
        .find_map(|w| w.strip_prefix("--mem=")?.strip_suffix('M')?.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    // 300 MiB held, plus the interpreter: asked for at least that, not
    // wildly more.
    assert!((300..900).contains(&mem), "{out}");
    assert!(
        out.contains("--time=") && out.contains("--cpus-per-task=1"),
        "{out}"
    );
    assert!(out.contains("--partition=main"), "{out}");
    assert!(out.contains("hold.py 300"), "{out}");
}

#[test]
fn a_job_runs_under_slurm_with_its_forecast_and_teaches_the_history() {
    if !slurm_up() {
        return;
    }
    let dir = scratch("sbatch-tests", "real");
    std::fs::write(dir.join("hold.py"), PROGRAM).unwrap();
    // Arguments no earlier run used, so the history starts empty for them.
    let mib = (150 + std::process::id() % 100).to_string();
    let out = ok(&command()
        .current_dir(&dir)
        .args([
            "sbatch",
            "--wait",
            "--partition",
            "main",
            "hold.py",
            "--",
            &mib,
        ])
        .output()
        .unwrap());
    let id = out
        .split_whitespace()
        .nth(2)
        .and_then(|w| w.strip_suffix(':'))
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    assert!(out.contains("COMPLETED: exit 0"), "{out}");
    // Slurm was asked for what the forecast said (as its controller has
    // the job; accounting fills its copy in a little later).
    let asked: u64 = out
        .split_whitespace()
        .find_map(|w| w.strip_prefix("--mem=")?.strip_suffix('M')?.parse().ok())
        .unwrap();
    let shown = std::process::Command::new("scontrol")
        .args(["show", "job", &id])
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.contains(&format!("MinMemoryNode={asked}M")) && shown.contains("TimeLimit=00:0"),
        "{shown} / {out}"
    );
    // The output is where Slurm puts it.
    let log = std::fs::read_to_string(dir.join(format!("slurm-{id}.out"))).unwrap();
    assert!(
        log.contains(&format!("held {}", mib.parse::<u64>().unwrap() * 1048576)),
        "{log}"
    );
    // The next forecast of the same program and arguments is what it measured.
    let a = ok(&command()
        .current_dir(&dir)
        .args(["analyze", "--json", "hold.py", "--", &mib])
        .output()
        .unwrap());
    let v: serde_json::Value = serde_json::from_str(&a).unwrap();
    let history = v["prediction"]["history"].as_str().unwrap();
    assert!(history.starts_with("exact"), "{history}");
    // Measured by the launcher in the job: at least the bytes it held.
    let held = mib.parse::<f64>().unwrap() * 1048576.0;
    let peak = v["prediction"]["peak_memory_bytes"].as_f64().unwrap();
    assert!(
        peak >= held && peak < held + 200.0 * 1048576.0,
        "{peak} {held}"
    );
}

#[test]
fn a_failing_program_keeps_its_exit_code_and_teaches_nothing() {
    if !slurm_up() {
        return;
    }
    let dir = scratch("sbatch-tests", "fail");
    std::fs::write(
        dir.join("fail.py"),
        "import sys\nprint('bye')\nsys.exit(3)\n",
    )
    .unwrap();
    let o = command()
        .current_dir(&dir)
        .args(["sbatch", "--wait", "--partition", "main", "fail.py"])
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("exit 3") && out.contains("not recorded"),
        "{out}"
    );
}
