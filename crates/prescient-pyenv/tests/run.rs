//! Measured runs against a real interpreter (the machine's `python3`).

use prescient_pyenv::run::run_command;
use std::path::Path;
use std::time::Duration;

fn python() -> &'static Path {
    Path::new("python3")
}

#[test]
fn measures_cpu_and_peak_memory_of_the_child_alone() {
    let code = "x = bytearray(200 * 1024 * 1024)\nfor i in range(0, len(x), 4096): x[i] = 1\ns = sum(range(3_000_000))\n";
    let m = run_command(
        python(),
        &["-c".into(), code.into()],
        &std::env::temp_dir(),
        None,
    )
    .unwrap();
    assert!(m.success(), "{}", m.stderr_tail(5));
    assert!(m.max_rss_bytes > 200.0 * 1048576.0, "{}", m.max_rss_bytes);
    assert!(m.max_rss_bytes < 400.0 * 1048576.0, "{}", m.max_rss_bytes);
    assert!(m.cpu_seconds > 0.01 && m.wall_seconds >= m.cpu_seconds * 0.5);
}

#[test]
fn timeouts_kill_the_process_group_and_say_so() {
    let code = "import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\ntime.sleep(60)\n";
    let t = std::time::Instant::now();
    let m = run_command(
        python(),
        &["-c".into(), code.into()],
        &std::env::temp_dir(),
        Some(Duration::from_millis(800)),
    )
    .unwrap();
    assert!(m.timed_out && !m.success());
    // The grandchild held the output pipes: it must have been killed too.
    assert!(t.elapsed() < Duration::from_secs(20));
}

#[test]
fn failures_keep_the_end_of_a_long_output() {
    let code = "import sys\nfor i in range(200000): print('line', i)\nsys.stderr.write('the end\\n')\nsys.exit(3)\n";
    let m = run_command(
        python(),
        &["-c".into(), code.into()],
        &std::env::temp_dir(),
        None,
    )
    .unwrap();
    assert_eq!(m.exit_code, Some(3));
    assert!(m.stdout.len() <= 64 * 1024);
    assert!(String::from_utf8_lossy(&m.stdout)
        .trim_end()
        .ends_with("line 199999"));
    assert_eq!(m.stderr_tail(1), "the end");
}
