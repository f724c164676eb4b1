//! Measured runs through the launcher: the peak memory is the child's own,
//! not that of the (here deliberately large) process that asked for the run.

use prescient_pyenv::run::{run_command, set_launcher};
use std::path::{Path, PathBuf};

fn setup() -> Vec<u8> {
    set_launcher(PathBuf::from(env!("CARGO_BIN_EXE_prescient-measure")));
    // 300 MiB resident in this process.
    let mut big = vec![0u8; 300 << 20];
    for i in (0..big.len()).step_by(4096) {
        big[i] = 1;
    }
    big
}

#[test]
fn the_parent_size_does_not_leak_into_the_child_peak() {
    let big = setup();
    let run = |code: &str| {
        run_command(
            Path::new("python3"),
            &["-c".into(), code.into()],
            &std::env::temp_dir(),
            None,
        )
        .unwrap()
    };
    let small = run("pass");
    assert!(small.success(), "{}", small.stderr_tail(5));
    assert!(
        small.max_rss_bytes < 100.0 * 1048576.0,
        "{}",
        small.max_rss_bytes
    );
    let grown =
        run("x = bytearray(120 * 1024 * 1024)\nfor i in range(0, len(x), 4096): x[i] = 1\n");
    assert!(
        grown.max_rss_bytes > 120.0 * 1048576.0,
        "{}",
        grown.max_rss_bytes
    );
    assert!(
        grown.max_rss_bytes < 250.0 * 1048576.0,
        "{}",
        grown.max_rss_bytes
    );
    assert!(grown.cpu_seconds > 0.0 && grown.wall_seconds >= grown.cpu_seconds * 0.5);
    let failed = run("import os, sys\nsys.exit(7)");
    assert_eq!(failed.exit_code, Some(7));
    let killed = run("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)");
    assert_eq!(killed.signal, Some(15)); // SIGTERM
    let missing = run_command(
        Path::new("/nonexistent/python"),
        &[],
        &std::env::temp_dir(),
        None,
    );
    assert_eq!(missing.unwrap_err().kind(), std::io::ErrorKind::NotFound);
    drop(big);
}
