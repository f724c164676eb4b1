//! Recursive (IIR) filters, including biquads: outputs depend on earlier outputs.
//!
//! Detects, in a loop over samples, either an assignment `y[n] = ... y[n - 1] ...`
//! (the target array is read at an earlier index of the same loop variable), or
//! state variables carried across iterations (`z1`, `z2` read before they are
//! reassigned) updated by multiply-adds of the current input sample
//! (`x[n]`, or the loop's element), with no bit operations (those are ciphers).
//!
//! Why: a recursion cannot be vectorised; it runs sample by sample in the
//! interpreter (or must go to `scipy.signal.lfilter`), so its cost is samples x taps
//! interpreted multiply-adds on one core.

use super::*;
use std::collections::BTreeSet;

fn reads_earlier(value: &Expr, base: &str, var: &str) -> bool {
    let mut found = false;
    value.walk(&mut |x| {
        if let Some((b, idx)) = subscript_parts(x) {
            if b == base && idx.len() == 1 {
                if let ExprKind::BinOp {
                    left,
                    op: BinOp::Sub,
                    right,
                } = &idx[0].kind
                {
                    if left.as_name() == Some(var) && right.as_int().is_some_and(|c| c >= 1) {
                        found = true;
                    }
                }
            }
        }
    });
    found
}

fn has_bit_ops(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if let ExprKind::BinOp { op, .. } = &x.kind {
            if matches!(
                op,
                BinOp::BitXor | BinOp::BitAnd | BinOp::BitOr | BinOp::LShift | BinOp::RShift
            ) {
                found = true;
            }
        }
    });
    found
}

fn has_mul(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if matches!(&x.kind, ExprKind::BinOp { op: BinOp::Mul, .. }) {
            found = true;
        }
    });
    found
}

fn names_in(e: &Expr) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    e.walk(&mut |x| {
        if let Some(n) = x.as_name() {
            out.insert(n.to_string());
        }
    });
    out
}

/// Reads the current sample: a subscript by the innermost loop variable, or the
/// loop variable itself when the loop iterates over the samples.
fn reads_sample(e: &Expr, var: &str) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if let Some((_, idx)) = subscript_parts(x) {
            if idx.iter().any(|i| i.as_name() == Some(var)) {
                found = true;
            }
        }
        if x.as_name() == Some(var) {
            found = true;
        }
    });
    found
}

pub(crate) fn check(it: &mut dyn Host, chain: &Chain, body: &[Stmt]) -> Option<IdiomHit> {
    let (vars, _) = chain.last()?;
    let var = vars.first()?.clone();
    let stmts = flat_stmts(body);
    let mut ops = 0.0;
    let mut recursive = false;
    // Form 1: y[n] = f(y[n - c], ...)
    for s in &stmts {
        if let StmtKind::Assign { targets, value } = &s.kind {
            if let Some((base, idx)) = targets.first().and_then(subscript_parts) {
                if idx.len() == 1
                    && idx[0].as_name() == Some(var.as_str())
                    && reads_earlier(value, &base, &var)
                    && !has_bit_ops(value)
                {
                    recursive = true;
                }
            }
        }
        for e in s.exprs() {
            ops += arith_ops(e);
        }
    }
    // Form 2: state variables carried across iterations.
    if !recursive {
        let assigns = |name: &str| {
            stmts.iter().any(|o| match &o.kind {
                StmtKind::Assign { targets, .. } => {
                    targets.iter().any(|x| x.as_name() == Some(name))
                }
                StmtKind::AugAssign { target, .. } => target.as_name() == Some(name),
                _ => false,
            })
        };
        let mut assigned: BTreeSet<String> = BTreeSet::new();
        let mut carried: BTreeSet<String> = BTreeSet::new();
        let mut updates: Vec<(BTreeSet<String>, bool)> = Vec::new();
        let mut any_bits = false;
        for s in &stmts {
            let (target, value, aug) = match &s.kind {
                StmtKind::Assign { targets, value } if targets.len() == 1 => {
                    (targets[0].as_name(), value, false)
                }
                StmtKind::AugAssign { target, value, .. } => (target.as_name(), value, true),
                _ => continue,
            };
            any_bits |= has_bit_ops(value);
            let reads = names_in(value);
            for r in reads
                .iter()
                .chain(target.filter(|_| aug).map(String::from).iter())
            {
                if !assigned.contains(r) && r != &var && assigns(r) {
                    carried.insert(r.clone());
                }
            }
            updates.push((reads, has_mul(value)));
            if let Some(t) = target {
                assigned.insert(t.to_string());
            }
        }
        // A recursion: some multiply-add update reads a carried state explicitly
        // (a plain `acc += a * b` reads none and is a reduction).
        let feeds_back = updates
            .iter()
            .any(|(reads, mul)| *mul && reads.iter().any(|r| carried.contains(r)));
        let samples = stmts
            .iter()
            .any(|s| s.exprs().iter().any(|e| reads_sample(e, &var)));
        recursive = feeds_back && !any_bits && samples;
    }
    if !recursive {
        return None;
    }
    Some(hit(
        it,
        Category::Signal,
        "loop.iir",
        ops.max(2.0),
        &[],
        "recursive (IIR) filter, sample by sample".into(),
        11,
    ))
}
