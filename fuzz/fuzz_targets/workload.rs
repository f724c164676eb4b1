//! Arbitrary bytes as a workload file, a mix file and a cluster spec: each
//! is parsed as the commands parse them. No input may panic.

#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(jobs) = prescient_sim::workload::parse(text) {
            for j in &jobs {
                let _ = j.declared();
            }
            let _ = prescient_sim::workload::parse(&prescient_sim::workload::render(&jobs));
        }
        let _ = prescient_sim::generate::Mix::parse(text);
        if let Ok(spec) = prescient_model::cluster::ClusterSpec::parse(text) {
            if spec.nodes.len() < 10_000 {
                let _ = prescient_plan::fleet::nodes_of(&spec);
            }
        }
    }
});
