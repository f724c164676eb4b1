//! Groups the records of top-level statements into sections: the units the runtime
//! executes one at a time, between which a job can be checkpointed and moved.
//!
//! Each section is a run of light statements (imports, definitions, small
//! assignments) ending in one heavy statement (a loop, a `with` block, or one that
//! does costed work). Module-level code and the body of the `main()` entry point
//! never share a section.

use crate::interp::StmtRecord;
use prescient_model::{Section, SectionMemory};

pub fn group(records: Vec<StmtRecord>) -> Vec<Section> {
    let mut groups: Vec<Vec<StmtRecord>> = Vec::new();
    let mut pending: Vec<StmtRecord> = Vec::new();
    for r in records {
        if let Some(p) = pending.first() {
            if p.scope != r.scope {
                attach_or_push(&mut groups, std::mem::take(&mut pending));
            }
        }
        let heavy = r.heavy;
        pending.push(r);
        if heavy {
            groups.push(std::mem::take(&mut pending));
        }
    }
    if !pending.is_empty() {
        attach_or_push(&mut groups, pending);
    }
    groups
        .into_iter()
        .enumerate()
        .map(|(index, g)| to_section(index, g))
        .collect()
}

/// Trailing light statements join the previous section of the same scope.
fn attach_or_push(groups: &mut Vec<Vec<StmtRecord>>, lights: Vec<StmtRecord>) {
    match groups.last_mut() {
        Some(last) if last.last().map(|r| &r.scope) == lights.first().map(|r| &r.scope) => {
            last.extend(lights)
        }
        _ => groups.push(lights),
    }
}

fn to_section(index: usize, g: Vec<StmtRecord>) -> Section {
    let first = &g[0];
    let last = &g[g.len() - 1];
    let heavy = g.iter().rev().find(|r| r.heavy);
    Section {
        index,
        start_line: first.start_line,
        end_line: g.iter().map(|r| r.end_line).max().unwrap_or(last.end_line),
        safe_point: first.safe_blocker.is_none(),
        safe_point_blocker: first.safe_blocker.clone(),
        scope: first.scope.clone(),
        iterations: heavy.and_then(|r| r.iterations),
        memory: SectionMemory {
            live_bytes_after: last.live_after,
            peak_bytes: g.iter().map(|r| r.peak).fold(0.0, f64::max),
        },
        kernels: g.into_iter().flat_map(|r| r.kernels).collect(),
        predicted: None,
    }
}
