//! `prescient run` end to end: a real local cluster (agents as processes, over
//! TCP), real CPython workers, real migrations. The bar: with a migration after
//! every section, a program prints exactly what plain Python prints and exits
//! the same way; faults in a migration or the loss of a node change nothing
//! the program shows.
//!
//! The reference runs use the worker environment's interpreter with the same
//! BLAS thread count as the node (one), since BLAS results depend on it.

use serde_json::Value;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

fn home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let p = Path::new(env!("CARGO_TARGET_TMPDIR")).join("prescient-home");
        std::fs::create_dir_all(&p).unwrap();
        p
    })
}

fn scratch(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("run-tests")
        .join(name);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn with_env(c: &mut Command) -> &mut Command {
    c.env("PRESCIENT_HOME", home())
        .env("OMP_NUM_THREADS", "1")
        .env("OPENBLAS_NUM_THREADS", "1")
        .env_remove("PRESCIENT_LOG")
}

/// Builds the worker environment and calibrates once, before any comparison.
fn ready() -> PathBuf {
    static PY: OnceLock<PathBuf> = OnceLock::new();
    PY.get_or_init(|| {
        let o = with_env(&mut Command::new(env!("CARGO_BIN_EXE_prescient")))
            .args(["run", "-q"])
            .arg(corpus("conv_stride.py"))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        home().join("venv/bin/python")
    })
    .clone()
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus")
        .join(name)
}

fn prescient(args: &[&str], file: &Path, prog_args: &[String]) -> Output {
    ready();
    with_env(&mut Command::new(env!("CARGO_BIN_EXE_prescient")))
        .arg("run")
        .args(args)
        .arg(file)
        .arg("--")
        .args(prog_args)
        .output()
        .unwrap()
}

fn python(file: &Path, prog_args: &[String]) -> Output {
    with_env(&mut Command::new(ready()))
        .arg(file)
        .args(prog_args)
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Same stdout, stderr and exit status (code or signal).
fn assert_same(what: &str, plain: &Output, ours: &Output) {
    assert_eq!(
        text(&plain.stdout),
        text(&ours.stdout),
        "{what}: stdout differs (our stderr: {})",
        text(&ours.stderr)
    );
    assert_eq!(
        text(&plain.stderr),
        text(&ours.stderr),
        "{what}: stderr differs"
    );
    assert_eq!(
        (plain.status.code(), plain.status.signal()),
        (ours.status.code(), ours.status.signal()),
        "{what}: exit status differs"
    );
}

fn report(args: &[&str], file: &Path, prog_args: &[String], name: &str) -> (Output, Value) {
    let path = scratch("reports").join(format!("{name}.json"));
    let _ = std::fs::remove_file(&path);
    let mut all: Vec<&str> = args.to_vec();
    let p = path.display().to_string();
    all.extend(["--report", &p]);
    let o = prescient(&all, file, prog_args);
    let v: Value = serde_json::from_str(
        &std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("no report ({e}): {}", text(&o.stderr))),
    )
    .unwrap();
    (o, v)
}

fn script(name: &str, source: &str) -> PathBuf {
    let p = scratch("scripts").join(name);
    std::fs::write(&p, source).unwrap();
    p
}

#[derive(serde::Deserialize)]
struct Manifest {
    programs: std::collections::BTreeMap<String, Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    #[serde(default)]
    args: Vec<String>,
    #[serde(default = "yes")]
    deterministic: bool,
    /// Written in main()/loop style: a migration must happen between two
    /// iterations of a loop, not only between sections.
    #[serde(default)]
    loops: bool,
}

fn yes() -> bool {
    true
}

#[test]
fn corpus_runs_like_plain_python_with_a_migration_at_every_safe_point() {
    let m: Manifest =
        toml::from_str(&std::fs::read_to_string(corpus("manifest.toml")).unwrap()).unwrap();
    let mut files: Vec<String> = std::fs::read_dir(corpus(""))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|f| f.ends_with(".py"))
        .collect();
    files.sort();
    let (mut checked, mut looped) = (0, 0);
    for f in files {
        let entry = m.programs.get(&f);
        if entry.is_some_and(|e| !e.deterministic) {
            continue;
        }
        let args = entry.map(|e| e.args.clone()).unwrap_or_default();
        let plain = python(&corpus(&f), &args);
        // main()/loop programs stop at every iteration, so a move between
        // two of them happens whatever the machine's speed; the others stop
        // every 50 ms: a few moves inside each loop, not one per iteration.
        let loops = entry.is_some_and(|e| e.loops);
        let step = if loops { "0" } else { "0.05" };
        let (ours, v) = report(
            &["-q", "--migrate-every", "1", "--loop-step", step],
            &corpus(&f),
            &args,
            &f,
        );
        assert_same(&f, &plain, &ours);
        let moves = v["migrations"].as_array().cloned().unwrap_or_default();
        let ok = |m: &&Value| m["ok"] == true;
        // A refusal (state that cannot move, e.g. a module object held in a
        // variable) is an answer; a migration that failed is a defect.
        assert!(
            moves
                .iter()
                .all(|m| m["ok"] == true || m["refused"] == true),
            "{f}: a migration failed: {moves:?}"
        );
        // A program that stops early (a library this environment lacks)
        // may end before its first safe point.
        if plain.status.success() && v["sections"].as_array().map_or(0, |s| s.len()) > 1 {
            assert!(!moves.is_empty(), "{f}: never tried to migrate: {v}");
        }
        if loops {
            assert!(
                moves.iter().any(|m| ok(&m) && m["within_unit"] == true),
                "{f}: no migration between loop iterations: {moves:?}"
            );
            looped += 1;
        }
        checked += 1;
    }
    assert!(checked >= 25, "only {checked} programs checked");
    assert!(looped >= 5, "only {looped} main()/loop programs checked");
}

#[test]
fn main_semantics_argv_and_exit_handlers() {
    let s = script(
        "semantics.py",
        r#"import atexit, sys
atexit.register(lambda: print("bye", flush=True))
print(__name__, sys.argv[1:], __file__.endswith("semantics.py"))
counter = 0

def main():
    global counter
    counter += 1
    print("main", counter)

for i in range(3):
    counter += i
print("counter", counter)
if __name__ == "__main__":
    main()
    sys.exit(int(sys.argv[1]))
"#,
    );
    for code in ["0", "3", "300"] {
        let args = vec![code.to_string(), "x y".to_string()];
        assert_same(
            code,
            &python(&s, &args),
            &prescient(&["-q", "--migrate-every", "1"], &s, &args),
        );
    }
}

#[test]
fn tracebacks_show_the_original_file_and_lines() {
    let s = script(
        "boom.py",
        "import sys\nprint('before')\n\ndef f(x):\n    return 1 / x\n\nprint(f(0))\nprint('never')\n",
    );
    assert_same("traceback", &python(&s, &[]), &prescient(&["-q"], &s, &[]));
    let s = script(
        "exit_msg.py",
        "import sys\nprint('out')\nsys.exit('fatal: bad input')\n",
    );
    assert_same(
        "exit message",
        &python(&s, &[]),
        &prescient(&["-q"], &s, &[]),
    );
    let s = script(
        "interrupt.py",
        "print('start', flush=True)\nraise KeyboardInterrupt\n",
    );
    let ours = prescient(&["-q"], &s, &[]);
    assert_same("interrupt", &python(&s, &[]), &ours);
    assert_eq!(ours.status.signal(), Some(2));
}

#[test]
fn summary_and_report_show_predicted_against_actual() {
    let (o, v) = report(
        &["--migrate-every", "2"],
        &corpus("memory_phases.py"),
        &["2048".into(), "--cols".into(), "1024".into()],
        "memory_phases",
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("predicted / actual"), "{err}");
    assert!(err.contains("migration 1 after section 2"), "{err}");
    assert_eq!(v["schema"], "prescient.run/1");
    assert_eq!(v["exit_code"], 0);
    let sections = v["sections"].as_array().unwrap();
    assert_eq!(sections.len(), 5);
    for s in sections {
        assert!(s["predicted"]["wall_seconds"].as_f64().is_some(), "{s}");
        assert!(s["actual"]["wall_seconds"].as_f64().unwrap() >= 0.0);
        assert!(s["actual"]["peak_rss_bytes"].as_u64().unwrap() > 10 << 20);
        assert!(s["node"].as_str().is_some());
    }
    // The spike section holds grid and its temporaries: well above the tail's.
    let peak = |i: usize| sections[i]["actual"]["peak_rss_bytes"].as_f64().unwrap();
    assert!(peak(2) > peak(4) + 16e6, "{} vs {}", peak(2), peak(4));
    let migs = v["migrations"].as_array().unwrap();
    assert_eq!(migs.len(), 2);
    for m in migs {
        assert_eq!(m["ok"], true, "{m}");
        let r = &m["report"];
        let moved = r["bytes"].as_u64().unwrap() + r["precopied_bytes"].as_u64().unwrap();
        assert!(moved > 1 << 20, "{m}");
        assert!(m["downtime_seconds"].as_f64().unwrap() > 0.0);
    }
    assert_ne!(sections[1]["node"], sections[2]["node"]);
}

#[test]
fn unmovable_state_refuses_the_migration_and_the_job_goes_on() {
    let s = script(
        "open_file.py",
        "import os, tempfile\nfd, path = tempfile.mkstemp()\nlog = open(path, 'w')\nfor i in range(3):\n    log.write('x')\nprint('one')\nfor i in range(2):\n    pass\nlog.close()\ndel log\nos.close(fd)\nos.remove(path)\nfor i in range(2):\n    print('two')\nfor i in range(2):\n    pass\n",
    );
    let (o, v) = report(&["-q", "--migrate-every", "1"], &s, &[], "open_file");
    assert_same("open file", &python(&s, &[]), &o);
    let migs = v["migrations"].as_array().unwrap();
    let refused: Vec<&Value> = migs.iter().filter(|m| m["refused"] == true).collect();
    assert!(!refused.is_empty(), "{migs:?}");
    let why = refused[0]["reason"].as_str().unwrap();
    assert!(why.contains("`log`") && why.contains("open file"), "{why}");
    // Once the file is closed and gone the job moves again.
    assert!(migs.iter().any(|m| m["ok"] == true), "{migs:?}");
    let g = script(
        "generator.py",
        "gen = (i * i for i in range(10))\nfor i in range(2):\n    print(next(gen))\nfor i in range(2):\n    print(sum(gen))\n",
    );
    let (o, v) = report(&["-q", "--migrate-every", "1"], &g, &[], "generator");
    assert_same("generator", &python(&g, &[]), &o);
    let why = v["migrations"][0]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(why.contains("`gen`") && why.contains("generator"), "{why}");
}

#[test]
fn functions_classes_and_random_state_survive_migration() {
    let s = script(
        "state.py",
        r#"import random
import numpy as np
random.seed(7)
np.random.seed(3)
rng = np.random.default_rng(11)
scale = 2

class Acc:
    def __init__(self):
        self.items = []
    def add(self, x):
        self.items.append(x * scale)
        return self

def make_counter():
    n = 0
    def step():
        nonlocal n
        n += 1
        return n
    return step

acc = Acc()
step = make_counter()
big = np.arange(1 << 20, dtype=np.float64)
acc.add(random.random())
scale = 3
acc.add(np.random.rand())
print(step(), step())
print(acc.items, float(big.sum()), rng.integers(0, 1000, 3).tolist())
print(step(), random.random(), np.random.rand(), rng.random())
print(type(acc).__name__, isinstance(acc, Acc))
grid = np.arange(24.0).reshape(4, 6)
row = grid[1]
col = grid[:, 2]
back = grid[::-1, ::2]
grid += 1
print(row.sum(), col.sum(), back[0].tolist(), row.base is not None)
row[:] = 0
print(grid.sum(), back.sum())
"#,
    );
    let (o, v) = report(&["--migrate-every", "1"], &s, &[], "state");
    let plain = python(&s, &[]);
    assert_eq!(text(&plain.stdout), text(&o.stdout));
    assert!(o.status.success());
    let migs = v["migrations"].as_array().unwrap();
    assert!(!migs.is_empty(), "{v}");
    assert!(migs.iter().all(|m| m["ok"] == true), "{migs:?}");
}

#[test]
fn a_failed_migration_leaves_the_job_running_on_its_source() {
    let args: Vec<String> = vec!["2048".into(), "--cols".into(), "512".into()];
    let file = corpus("memory_phases.py");
    let plain = python(&file, &args);
    for (transport, fault) in [
        ("local", "drop-connection"),
        ("local", "restore-fails"),
        ("local", "target-dies"),
        ("tcp", "drop-connection"),
        ("tcp", "restore-fails"),
        ("tcp", "target-dies"),
    ] {
        let f = format!("migration:2:{fault}");
        let mut flags = vec!["-q", "--migrate-every", "1", "--inject-fault", &f];
        if transport == "tcp" {
            flags.push("--tcp-only");
        }
        let name = format!("{transport}-{fault}");
        let (o, v) = report(&flags, &file, &args, &name);
        let fault = name.as_str();
        assert_same(fault, &plain, &o);
        let migs = v["migrations"].as_array().unwrap();
        assert_eq!(migs[1]["ok"], false, "{fault}: {migs:?}");
        assert_eq!(migs[1]["refused"], false);
        // The job ran section 3 on the node migration 2 tried to leave.
        let sections = v["sections"].as_array().unwrap();
        assert_eq!(sections[2]["node"], sections[1]["node"], "{fault}");
        if !fault.ends_with("target-dies") {
            assert!(
                migs[2..].iter().any(|m| m["ok"] == true),
                "{fault}: {migs:?}"
            );
        }
        // Every section ran exactly once.
        assert!(sections.iter().all(|s| s["actual"].is_object()));
    }
}

#[test]
fn a_lost_node_restarts_the_job_from_its_last_checkpoint() {
    let s = script(
        "steps.py",
        "import numpy as np\ntotal = np.zeros(1000)\nprint('a')\ntotal += 1\nprint('b')\ntotal += 2\nprint('c', total.sum())\ntotal += 3\nprint('d', total.sum())\n",
    );
    let plain = python(&s, &[]);
    let (o, v) = report(
        &[
            "-q",
            "--checkpoint-interval",
            "0",
            "--inject-fault",
            "kill-agent-after:3",
        ],
        &s,
        &[],
        "lost_ckpt",
    );
    assert_same("from checkpoint", &plain, &o);
    let r = &v["recoveries"][0];
    assert_eq!(r["from_checkpoint"], true, "{v}");
    assert_eq!(r["resumed_at_unit"], 3);
    let (o, v) = report(
        &[
            "-q",
            "--no-checkpoint",
            "--inject-fault",
            "kill-agent-after:2",
        ],
        &s,
        &[],
        "lost_restart",
    );
    assert_same("from the start", &plain, &o);
    assert_eq!(v["recoveries"][0]["from_checkpoint"], false, "{v}");
    assert_eq!(v["recoveries"][0]["resumed_at_unit"], 0);
}

#[test]
fn a_node_lost_mid_loop_resumes_from_an_iteration_checkpoint() {
    // main()-style: the loop is inside the entry function, its accumulators
    // are locals, and each iteration prints.
    let s = script(
        "loop_fault.py",
        "import sys\nimport numpy as np\n\n\ndef main():\n    acc = np.zeros(50000)\n    seen = []\n    for i in range(8):\n        acc += i\n        seen.append(i * i)\n        print('iteration', i, acc.sum())\n    print('done', sum(seen))\n    return 3\n\n\nif __name__ == '__main__':\n    sys.exit(main())\n",
    );
    let plain = python(&s, &[]);
    assert_eq!(plain.status.code(), Some(3));
    let (o, v) = report(
        &[
            "-q",
            "--checkpoint-interval",
            "0",
            "--loop-step",
            "0",
            "--inject-fault",
            "kill-agent-after-step:4",
        ],
        &s,
        &[],
        "lost_mid_loop",
    );
    // Nothing printed twice or lost, and main's return value is the status.
    assert_same("mid-loop recovery", &plain, &o);
    let r = &v["recoveries"][0];
    assert_eq!(r["from_checkpoint"], true, "{v}");
    assert_eq!(r["within_unit"], true, "{v}");
    assert!(v["checkpoints"].as_u64().unwrap() >= 3, "{v}");
    // The job waited for each checkpoint's fork only; the figure is there.
    assert!(
        v["checkpoint_pause_max_seconds"].as_f64().unwrap() > 0.0,
        "{v}"
    );
    assert!(
        v["checkpoint_pause_total_seconds"].as_f64().unwrap()
            >= v["checkpoint_pause_max_seconds"].as_f64().unwrap(),
        "{v}"
    );
}

#[test]
fn bad_cluster_specs_are_clear_errors() {
    let spec = scratch("specs").join("bad.toml");
    std::fs::write(
        &spec,
        "[[node]]\nname = \"v\"\nkind = \"virtual\"\ncores = 1\nmemory = \"1GiB\"\n",
    )
    .unwrap();
    let o = prescient(
        &["--cluster", spec.to_str().unwrap()],
        &corpus("conv_stride.py"),
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.contains("node `v`: a virtual node needs startup_seconds"),
        "{err}"
    );
}

fn small_cluster(memory: &str) -> PathBuf {
    let spec = scratch("specs").join(format!("small-{memory}.toml"));
    std::fs::write(
        &spec,
        format!(
            "[[node]]\nname = \"a\"\nkind = \"physical\"\ncores = 1\nmemory = \"{memory}\"\n\
             [[node]]\nname = \"b\"\nkind = \"physical\"\ncores = 1\nmemory = \"{memory}\"\n"
        ),
    )
    .unwrap();
    spec
}

#[test]
fn going_over_the_memory_limit_ends_the_job_with_a_clear_report() {
    let s = script(
        "hog.py",
        "import numpy as np\nprint('small', flush=True)\nbig = np.ones(1 << 28)\nprint('never')\n",
    );
    let spec = small_cluster("256MiB");
    let (o, v) = report(&["--cluster", spec.to_str().unwrap()], &s, &[], "hog");
    let err = text(&o.stderr);
    assert_eq!(text(&o.stdout), "small\n");
    let reason = v["reason"].as_str().unwrap_or_default();
    assert!(
        reason.contains("memory limit of 256.0 MiB in section 1 (lines 1-4)"),
        "{reason}\n{err}"
    );
    assert!(err.contains(reason), "{err}");
    assert_ne!(o.status.code(), Some(0));
}

/// A checkpoint is written by a forked child while the job runs on; pages
/// the job rewrites meanwhile are copied for the child, inside the node's
/// memory limit. When that runs out, the kernel must end the checkpoint,
/// never the job: here every iteration rewrites 320 MiB on a 600 MiB node.
#[test]
fn a_checkpoint_that_runs_out_of_memory_never_costs_the_job() {
    let s = script(
        "cow.py",
        "import numpy as np\n\n\ndef main():\n    a = np.ones(40_000_000)\n    for i in range(6):\n        a += 1.0\n        print(i, a[0], flush=True)\n\n\nif __name__ == '__main__':\n    main()\n",
    );
    let spec = small_cluster("600MiB");
    let (o, v) = report(
        &[
            "-q",
            "--cluster",
            spec.to_str().unwrap(),
            "--checkpoint-interval",
            "0",
            "--loop-step",
            "0",
        ],
        &s,
        &[],
        "cow",
    );
    // The job's own end first: the report says why when it was not.
    assert_eq!(v["reason"], Value::Null, "{v}");
    assert_same("copy-on-write checkpoints", &python(&s, &[]), &o);
}

#[test]
fn the_worker_reaches_nothing_but_its_channel() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch("sockets");
    let path = dir.join("open.sock");
    let _ = std::fs::remove_file(&path);
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o777)).unwrap();
    let s = script(
        "probe.py",
        &format!(
            "import os, socket\n\
             def attempt(family, addr):\n    \
                 s = socket.socket(family, socket.SOCK_STREAM)\n    \
                 try:\n        s.connect(addr)\n        return 'connected'\n    \
                 except OSError as e:\n        return 'denied %d' % e.errno\n\
             print(attempt(socket.AF_INET, ('127.0.0.1', 22)))\n\
             print(attempt(socket.AF_UNIX, {:?}))\n\
             print(os.getuid() != 0 or os.geteuid() != 0)\n\
             try:\n    open('/root/.prescient-probe', 'w')\n    print('wrote')\n\
             except OSError:\n    print('denied')\n",
            path.display().to_string()
        ),
    );
    let o = prescient(&["-q"], &s, &[]);
    drop(listener);
    let out = text(&o.stdout);
    let lines: Vec<&str> = out.lines().collect();
    let denied = format!("denied {}", libc::EACCES);
    assert_eq!(lines.len(), 4, "{out}\n{}", text(&o.stderr));
    assert_eq!(lines[0], denied, "network: {out}");
    assert_eq!(lines[1], denied, "unix socket: {out}");
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // As root: the worker is another, unprivileged user.
        assert_eq!(lines[2], "True", "{out}");
        assert_eq!(lines[3], "denied", "{out}");
    }
}

#[test]
fn precopy_sends_unchanged_arrays_ahead_over_both_transports() {
    // Each loop runs a second: the pre-copy of 32 MiB behind it has time
    // to finish on a loaded machine too (at half a second it once did not).
    let s = script(
        "precopy.py",
        "import time\nimport numpy as np\nbig = [np.ones(1 << 20) for _ in range(4)]\nfor _ in range(1):\n    t = time.perf_counter()\n    while time.perf_counter() - t < 1.0:\n        pass\nfor _ in range(1):\n    t = time.perf_counter()\n    while time.perf_counter() - t < 1.0:\n        pass\n    big[0] += 1\nfor _ in range(1):\n    t = time.perf_counter()\n    while time.perf_counter() - t < 1.0:\n        pass\nprint(float(sum(b.sum() for b in big)))\n",
    );
    let plain = python(&s, &[]);
    for transport in ["local", "tcp"] {
        let mut flags = vec!["-q", "--migrate-every", "1"];
        if transport == "tcp" {
            flags.push("--tcp-only");
        }
        let (o, v) = report(&flags, &s, &[], &format!("precopy-{transport}"));
        assert_same(transport, &plain, &o);
        let migs = v["migrations"].as_array().unwrap();
        assert!(
            migs.iter().all(|m| m["ok"] == true),
            "{transport}: {migs:?}"
        );
        // After the first loop nothing changed: all four arrays were there.
        let m = &migs[1]["report"];
        assert_eq!(m["precopied_bytes"], 4 << 23, "{transport}: {m}");
        assert!(m["bytes"].as_u64().unwrap() < 1 << 20, "{transport}: {m}");
        // The second loop wrote one array: it alone moves in the pause.
        let m = &migs[2]["report"];
        assert_eq!(m["precopied_bytes"], 3 << 23, "{transport}: {m}");
        assert!(m["bytes"].as_u64().unwrap() >= 1 << 23, "{transport}: {m}");
        let (_, v) = report(
            &["-q", "--migrate-every", "1", "--no-precopy"],
            &s,
            &[],
            &format!("no-precopy-{transport}"),
        );
        let m = &v["migrations"][1]["report"];
        assert_eq!(m["precopied_bytes"], 0, "{m}");
        assert!(m["bytes"].as_u64().unwrap() >= 4 << 23, "{m}");
    }
}

/// Buffers that change every iteration (weights updated in place, a fresh
/// batch array) are left out of the pre-copy once seen changing, and the
/// target faults in memory of their sizes while the job still runs, so the
/// pause receives into memory already there, over both transports.
#[test]
fn buffers_rewritten_every_iteration_arrive_in_memory_faulted_in_ahead() {
    let s = script(
        "prefault.py",
        "import time\nimport numpy as np\n\n\ndef main():\n    data = np.ones(1 << 20)\n    weights = np.zeros(1 << 20)\n    for step in range(6):\n        t = time.perf_counter()\n        while time.perf_counter() - t < 0.3:\n            pass\n        weights += data\n        batch = data * (step + 1)\n        print(step, weights.sum(), batch.sum())\n\n\nmain()\n",
    );
    let plain = python(&s, &[]);
    for transport in ["local", "tcp"] {
        let mut flags = vec!["-q", "--migrate-every", "1", "--loop-step", "0"];
        if transport == "tcp" {
            flags.push("--tcp-only");
        }
        let (o, v) = report(&flags, &s, &[], &format!("prefault-{transport}"));
        assert_same(transport, &plain, &o);
        let migs = v["migrations"].as_array().unwrap();
        assert!(migs.len() >= 4, "{transport}: {migs:?}");
        assert!(
            migs.iter().all(|m| m["ok"] == true),
            "{transport}: {migs:?}"
        );
        // From the second move on, the weights (8 MiB, rewritten) and the
        // batch (8 MiB, fresh) arrive in memory faulted in ahead.
        let late = &migs[migs.len() - 1]["report"];
        assert!(
            late["prefaulted_bytes"].as_u64().unwrap() >= 1 << 23,
            "{transport}: {late}"
        );
        // The read-only data was pre-copied and is not sent again.
        assert!(
            late["precopied_bytes"].as_u64().unwrap() >= 1 << 23,
            "{transport}: {late}"
        );
    }
}

/// A buffer changed once is no pattern: a loop that updates a different
/// array each iteration must still have the others pre-copied, so that only
/// the one it changed moves in the pause.
#[test]
fn a_buffer_changed_once_is_still_precopied() {
    let s = script(
        "rotate.py",
        "import time\nimport numpy as np\n\n\ndef main():\n    arrs = [np.full(1 << 20, float(i)) for i in range(4)]\n    for step in range(7):\n        time.sleep(0.3)\n        arrs[step % 4] += 1.0\n        print(step, sum(float(a[0]) for a in arrs))\n\n\nmain()\n",
    );
    let plain = python(&s, &[]);
    let (o, v) = report(
        &["-q", "--migrate-every", "1", "--loop-step", "0"],
        &s,
        &[],
        "rotate",
    );
    assert_same("rotate", &plain, &o);
    let migs = v["migrations"].as_array().unwrap();
    // The pre-copy runs beside the program and is cut short at the pause,
    // so on a loaded machine one round may not finish: every late pause must
    // have had unchanged buffers sent ahead, and one must have had all three.
    let late: Vec<_> = migs.iter().rev().take(3).map(|m| &m["report"]).collect();
    for r in &late {
        assert!(r["precopied_bytes"].as_u64().unwrap() >= 1 << 23, "{r}");
    }
    assert!(
        late.iter().any(|r| r["bytes"].as_u64().unwrap() < 2 << 23
            && r["precopied_bytes"].as_u64().unwrap() >= 3 << 23),
        "{late:?}"
    );
}

/// Unchanged buffers are known at the pause from the kernel's record of
/// written pages, not by hashing: writes the job makes without touching the
/// array object (the kernel filling it from a file, a second view) and an
/// array replaced by a new one must still move, or the output goes wrong.
#[test]
fn precopy_sees_every_kind_of_write() {
    let spin =
        "    t = time.perf_counter()\n    while time.perf_counter() - t < 0.5:\n        pass\n";
    let s = script(
        "precopy_writes.py",
        &format!(
            "import tempfile, time\nimport numpy as np\n\
             big = [np.full(1 << 20, float(i)) for i in range(5)]\n\
             for _ in range(1):\n{spin}\
             for _ in range(1):\n{spin}\
             \x20   with tempfile.TemporaryFile(buffering=0) as fh:\n\
             \x20       fh.write(np.full(1 << 20, 7.0).tobytes())\n\
             \x20       fh.seek(0)\n\
             \x20       fh.readinto(memoryview(big[1]).cast('B'))\n\
             \x20   view = big[2][::-1]\n\
             \x20   view[:10] = 9.0\n\
             \x20   del view, fh\n\
             \x20   big[3] = None\n\
             \x20   big[3] = np.full(1 << 20, 11.0)\n\
             for _ in range(1):\n{spin}\
             print([float(b.sum()) for b in big])\n"
        ),
    );
    let plain = python(&s, &[]);
    let (o, v) = report(&["-q", "--migrate-every", "1"], &s, &[], "precopy-writes");
    assert_same("writes", &plain, &o);
    let migs = v["migrations"].as_array().unwrap();
    assert!(migs.iter().all(|m| m["ok"] == true), "{migs:?}");
    // After the writing section only the untouched arrays were reused.
    let m = &migs[2]["report"];
    assert_eq!(m["precopied_bytes"], 2 << 23, "{m}");
    assert!(m["bytes"].as_u64().unwrap() >= 3 << 23, "{m}");
}

/// The kernel's record of written pages, as the harness reads it (this
/// machine's kernel has it, so its absence is a failure here): clean after
/// protection, dirty after a write by the kernel or through a view, and
/// shared memory left to hashing.
#[test]
fn the_harness_reads_written_pages_from_the_kernel() {
    let py = ready();
    let check = "import mmap, tempfile\nimport numpy as np\nimport prescient_worker as w\n\
        d = w.dirty_pages()\nassert d is not None, 'no dirty page tracking'\n\
        a = np.ones(1 << 20)\nspan = w.page_span(a)\n\
        assert d.protect(*span) and d.written(*span) is False\n\
        with tempfile.TemporaryFile(buffering=0) as fh:\n\
        \x20   fh.write(b'x' * 4096)\n    fh.seek(0)\n\
        \x20   fh.readinto(memoryview(a).cast('B')[8192:8192 + 4096])\n\
        assert d.written(*span) is True, 'a read(2) into the array'\n\
        assert d.protect(*span) and d.written(*span) is False\n\
        a[::-1][5] = 2.0\nassert d.written(*span) is True, 'a write through a view'\n\
        m = mmap.mmap(-1, 1 << 20)\nassert not d.protect(*w.page_span(np.frombuffer(m, np.uint8)))\n\
        print('ok')\n";
    let o = with_env(&mut Command::new(py))
        .env("PYTHONPATH", home().join("scripts"))
        .args(["-c", check])
        .output()
        .unwrap();
    assert_eq!(text(&o.stdout), "ok\n", "{}", text(&o.stderr));
}

/// A node that lacks a feature the host has runs its jobs without it:
/// numpy dispatches to the older kernels and OpenSSL is told to leave the
/// instructions alone.
#[test]
fn a_node_without_a_feature_of_the_host_runs_without_it() {
    let flags = std::fs::read_to_string("/proc/cpuinfo").unwrap();
    let has = |f: &str| {
        flags
            .lines()
            .find(|l| l.starts_with("flags"))
            .is_some_and(|l| l.split_whitespace().any(|w| w == f))
    };
    let s = script(
        "isa.py",
        "import os\nimport numpy as np\n\
         info = np.lib.introspect.opt_func_info(func_name='exp', signature='float64')\n\
         print(info['exp']['dd']['current'])\n\
         print(os.environ.get('OPENSSL_ia32cap', '-'))\n",
    );
    let run_on = |features: &str| {
        let cluster = scratch("isa").join(format!("{}.toml", features.len()));
        std::fs::write(
            &cluster,
            format!(
                "[[node]]\nname = \"only\"\ncores = 1\nmemory = \"1GiB\"\nfeatures = {features}\n"
            ),
        )
        .unwrap();
        let o = prescient(&["-q", "--cluster", cluster.to_str().unwrap()], &s, &[]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        text(&o.stdout)
    };
    let all = run_on(r#"["avx2", "fma", "aes", "sha_ni", "avx512f"]"#);
    let old = run_on(r#"["avx2", "fma"]"#);
    let (all, old): (Vec<&str>, Vec<&str>) = (all.lines().collect(), old.lines().collect());
    if has("avx512f") {
        assert_eq!(all[0], "X86_V4");
        assert_eq!(old[0], "X86_V3", "avx512f hidden");
    }
    assert_eq!(all[1], "-", "nothing hidden on a node with all of them");
    if has("aes") && has("sha_ni") {
        let (w1, w2) = old[1].split_once(':').unwrap();
        let w1 = u64::from_str_radix(w1.trim_start_matches("~0x"), 16).unwrap();
        let w2 = u64::from_str_radix(w2.trim_start_matches("~0x"), 16).unwrap();
        assert_ne!(w1 & (1 << 57), 0, "AES-NI hidden: {}", old[1]);
        assert_ne!(w2 & (1 << 29), 0, "SHA-NI hidden: {}", old[1]);
    }
}

#[test]
fn signals_reach_the_program_as_under_plain_python() {
    ready();
    let s = script(
        "sleeper.py",
        // `ready` is printed inside the `try`, so the signal lands there, under
        // plain Python and here alike.
        "import time\ntry:\n    print('ready', flush=True)\n    time.sleep(60)\nexcept KeyboardInterrupt:\n    print('interrupted', flush=True)\n    raise SystemExit(5)\n",
    );
    for (sig, want_code, want_signal) in [
        (libc::SIGINT, Some(5), None),
        (libc::SIGTERM, None, Some(libc::SIGTERM)),
    ] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_prescient"));
        // As from an interactive shell: a suite started in the background of
        // a script (`bash .ci/run &`) ignores SIGINT, and ignored signals
        // stay ignored across exec, down to the job's Python, which then
        // ignores it as plain Python would.
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGQUIT, libc::SIG_DFL);
                Ok(())
            });
        }
        let mut child = with_env(&mut cmd)
            .args(["run", "-q"])
            .arg(&s)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let mut first = [0u8; 6];
        std::io::Read::read_exact(&mut out, &mut first).unwrap();
        assert_eq!(&first, b"ready\n");
        // SAFETY: signalling a child we spawned and have not reaped.
        unsafe { libc::kill(child.id() as i32, sig) };
        let status = child.wait().unwrap();
        let mut rest = String::new();
        std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
        assert_eq!(
            (status.code(), status.signal()),
            (want_code, want_signal),
            "signal {sig}: {rest}"
        );
        if sig == libc::SIGINT {
            assert_eq!(rest, "interrupted\n");
        }
        // The run's cgroups are gone with it.
        let groups = Path::new("/sys/fs/cgroup/memory/prescient");
        if groups.exists() {
            let mine = groups.join(format!("c{}", child.id()));
            assert!(!mine.exists(), "{} left behind", mine.display());
        }
    }
}

#[test]
fn a_node_agent_answers_only_members_of_its_cluster() {
    use prescient_runtime::agent::{handshake, hello};
    use prescient_runtime::auth::{Secret, SECRET_ENV};
    use prescient_wire::{frame, Hello, Proof, Role, ToAgent};
    use std::io::{BufRead, BufReader};
    let cfg = serde_json::json!({
        "name": "lone", "cluster": "auth-test", "listen": "127.0.0.1:0",
        "python": "/nonexistent/python", "harness_dir": "/nonexistent",
        "cores": 1.0, "memory_bytes": 256u64 << 20, "cpus": null,
        "worker_user": "nobody", "warm": false,
    })
    .to_string();
    let agent = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_prescient"));
        c.arg("__agent").arg(&cfg).env_remove(SECRET_ENV);
        c
    };
    // Not started by a coordinator: it says what it lacks and stops.
    let o = agent().output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains(SECRET_ENV));

    let secret = Secret::generate();
    let mut child = agent()
        .env(SECRET_ENV, secret.expose())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let listen = serde_json::from_str::<Value>(&line).unwrap()["listen"]
        .as_str()
        .unwrap()
        .to_string();
    // Someone without the secret, however the hello is made, is dropped
    // before anything is read from them.
    let mut c = std::net::TcpStream::connect(&listen).unwrap();
    assert!(handshake(
        &mut c,
        &hello("intruder", Role::Coordinator),
        &Secret::generate()
    )
    .is_err());
    let mut c = std::net::TcpStream::connect(&listen).unwrap();
    frame::write_msg(&mut c, &hello("intruder", Role::Coordinator)).unwrap();
    let _: Hello = frame::read_msg(&mut c, &Default::default()).unwrap();
    frame::write_msg(
        &mut c,
        &Proof {
            mac: "00".repeat(32),
        },
    )
    .unwrap();
    let _ = frame::read_msg::<Proof>(&mut c, &Default::default());
    frame::write_msg(&mut c, &ToAgent::Shutdown).ok();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "a stranger stopped the agent"
    );
    // A member is heard.
    let mut c = std::net::TcpStream::connect(&listen).unwrap();
    let theirs = handshake(&mut c, &hello("coordinator", Role::Coordinator), &secret).unwrap();
    assert_eq!(theirs.name, "lone");
    frame::write_msg(&mut c, &ToAgent::Shutdown).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        assert!(
            std::time::Instant::now() < deadline,
            "the agent did not stop"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}
