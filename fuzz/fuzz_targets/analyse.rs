//! Fuzzes the whole front end: decoding, parsing, conversion and the abstract
//! interpreter. Any panic (including an internal error) is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use prescient_analyse::{analyze_here, AnalyseError, NoFiles};

fuzz_target!(|data: &[u8]| {
    // libFuzzer's thread has a small stack; deep inputs are bounded by the
    // converter, and the parser gets a fresh large stack here as in production.
    let data = data.to_vec();
    let r = std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || match analyze_here(&data, "fuzz.py", &["1".to_string()], &NoFiles) {
            Ok(_) | Err(AnalyseError::Parse { .. }) => {}
            Err(e) => panic!("{e}"),
        })
        .unwrap()
        .join();
    if r.is_err() {
        panic!("analysis panicked");
    }
});
