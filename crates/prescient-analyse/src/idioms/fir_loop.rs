//! FIR filters and sliding-window convolution or correlation written as loops.
//!
//! Detects an accumulation of a product where one factor is indexed by a plain
//! loop variable (the taps, `h[k]`) and another by a shifted index combining two
//! loop variables (`x[n - k]`, `x[n + k]`, `img[i + di][j + dj]`). One shifted axis
//! is a 1-D FIR filter or correlation; two are a 2-D convolution; a kernel indexed
//! by three or more variables (channels) is a convolution layer.
//!
//! Why: these loops cost output length x taps multiply-adds in the interpreter;
//! the same intent maps to `np.convolve`/`scipy.signal` and is signal work.

use super::*;

fn shifted(e: &Expr, vars: &[String]) -> bool {
    match &e.kind {
        ExprKind::BinOp {
            left,
            op: BinOp::Add | BinOp::Sub,
            right,
        } => {
            let var = |e: &Expr| e.as_name().is_some_and(|n| vars.iter().any(|v| v == n));
            // Both operands are loop variables or shifted indices, at least one a variable.
            (var(left) || var(right))
                && (var(left) || shifted(left, vars))
                && (var(right) || shifted(right, vars))
        }
        _ => false,
    }
}

fn classify(vars: &[String], term: &Expr) -> Option<(&'static str, Category, &'static str)> {
    let subs: Vec<(String, Vec<&Expr>)> = factors(term)
        .into_iter()
        .filter_map(subscript_parts)
        .collect();
    if subs.len() < 2 {
        return None;
    }
    let nshift = |idx: &Vec<&Expr>| idx.iter().filter(|i| shifted(i, vars)).count();
    let plain = |idx: &Vec<&Expr>| {
        idx.iter()
            .all(|i| i.as_name().is_some_and(|n| vars.iter().any(|v| v == n)))
    };
    for (ai, (abase, a)) in subs.iter().enumerate() {
        let sh = nshift(a);
        if sh == 0 {
            continue;
        }
        for (bi, (bbase, b)) in subs.iter().enumerate() {
            if ai == bi || abase == bbase || !plain(b) {
                continue;
            }
            return Some(match (sh, b.len()) {
                (1, 1) => (
                    "loop.fir",
                    Category::Signal,
                    "FIR filter / correlation as a loop",
                ),
                (_, n) if n >= 3 => (
                    "loop.conv_layer",
                    Category::Nn,
                    "convolution layer as a loop nest",
                ),
                _ => (
                    "loop.conv2d",
                    Category::Signal,
                    "2-D sliding-window convolution as a loop nest",
                ),
            });
        }
    }
    None
}

pub(crate) fn check(it: &mut dyn Host, chain: &Chain, body: &[Stmt]) -> Option<IdiomHit> {
    let vars = chain_vars(chain);
    for s in flat_stmts(body) {
        let Some(term) = accumulated_term(s) else {
            continue;
        };
        if let Some((pattern, cat, what)) = classify(&vars, term) {
            return Some(hit(it, cat, pattern, 2.0, &["fma"], what.into(), 9));
        }
    }
    None
}

/// `sum(h[k] * x[n - k] for k in range(K))`.
pub(crate) fn check_term(it: &mut dyn Host, chain: &Chain, elt: &Expr) -> Option<IdiomHit> {
    let vars = chain_vars(chain);
    let (pattern, cat, what) = classify(&vars, elt)?;
    Some(hit(it, cat, pattern, 2.0, &["fma"], what.into(), 9))
}
