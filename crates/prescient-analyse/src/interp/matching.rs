//! `match` statements: which cases run, and what trying their patterns
//! costs.
//!
//! A `match` tries its cases in order until one pattern matches and its
//! guard holds. Each case's body runs in the share of the statement's runs
//! that a run of the program counted for it (an event loop's mix of
//! kinds), else in an equal share. Each pattern is tried in the runs that
//! reach it: a case far down an event dispatcher pays for every pattern
//! above it. Measured on the reference node (Python 3.11): a sequence
//! pattern with a literal and captures (`case ("withdraw", a, amount)`)
//! about 29 ns an attempt.

use super::*;
use prescient_syntax::ast::{MatchCase, Pattern, Stmt};

impl Interp<'_> {
    pub(crate) fn exec_match(&mut self, s: &Stmt, cases: &[MatchCase]) -> Flow {
        for g in cases.iter().filter_map(|c| c.guard.as_ref()) {
            self.eval(g);
        }
        let measured: Option<Vec<f64>> = if self.measured_repeat() {
            cases
                .iter()
                .map(|c| match c.body.first() {
                    Some(first) => self.oracle_share(s, first),
                    None => Some(0.0),
                })
                .collect()
        } else {
            None
        };
        let equal = 1.0 / cases.len().max(1) as f64;
        // The runs that reach each case: those no case above it took.
        let mut reach = 1.0;
        let mut ops = PyOps::default();
        for (i, c) in cases.iter().enumerate() {
            ops.add(&pattern_ops(&c.pattern).scaled(reach));
            let w = measured.as_ref().map_or(equal, |m| m[i]);
            reach = (reach - w).max(0.0);
        }
        self.ops(|o, m| o.add(&ops.scaled(m)));
        let Some(shares) = measured else {
            return self.exclusive_branches(cases.iter().map(|c| c.body.as_slice()).collect());
        };
        let saved = self.branch_share;
        for (c, w) in cases.iter().zip(shares) {
            self.branch_share = saved * w;
            let _ = self.weighted_branches(vec![&c.body], w);
        }
        self.branch_share = saved;
        Flow::Normal
    }
}

/// The interpreter's work for one attempt at `p`, all its parts tried (an
/// upper bound: a sequence whose first item differs stops there).
fn pattern_ops(p: &Pattern) -> PyOps {
    let mut ops = PyOps::default();
    match p {
        Pattern::Value(_) | Pattern::Singleton(_) => {
            ops.compare += 1.0;
            ops.names += 1.0;
        }
        Pattern::Sequence(items) => {
            // The type test and the length, then the items unpacked.
            ops.other += 1.0;
            ops.compare += 1.0;
            ops.unpack += 1.0;
            for i in items {
                ops.add(&pattern_ops(i));
            }
        }
        Pattern::Mapping { patterns, rest, .. } => {
            ops.other += 1.0;
            ops.indexing += patterns.len() as f64;
            for i in patterns {
                ops.add(&pattern_ops(i));
            }
            if rest.is_some() {
                ops.alloc += 1.0;
            }
        }
        Pattern::Class {
            patterns, keywords, ..
        } => {
            // `isinstance`, then an attribute per sub-pattern.
            ops.calls += 1.0;
            ops.names += 1.0;
            ops.attr += (patterns.len() + keywords.len()) as f64;
            for i in patterns.iter().chain(keywords.iter().map(|(_, p)| p)) {
                ops.add(&pattern_ops(i));
            }
        }
        Pattern::Star(name) => {
            if name.is_some() {
                ops.alloc += 1.0;
                ops.names += 1.0;
            }
        }
        Pattern::As { pattern, name } => {
            if let Some(p) = pattern {
                ops.add(&pattern_ops(p));
            }
            if name.is_some() {
                ops.names += 1.0;
            }
        }
        Pattern::Or(alts) => {
            // Tried in turn: about half of them, at least the first.
            let n = alts.len() as f64;
            if let Some(first) = alts.first() {
                ops.add(&pattern_ops(first).scaled((n + 1.0) / 2.0));
            }
        }
    }
    ops
}
