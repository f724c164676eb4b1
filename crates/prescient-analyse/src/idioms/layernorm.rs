//! Layer (or batch) normalisation written with numpy:
//! `(x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + eps)`,
//! also with the mean and variance computed in earlier statements.
//!
//! Why: a transformer building block (`nn`), with two reductions and several
//! full-size temporaries.

use super::*;

fn is_reduction_named(it: &dyn Host, e: &Expr, what: &[&str]) -> bool {
    if let ExprKind::Call { func, .. } = &e.kind {
        if let ExprKind::Attribute { attr, .. } = &func.kind {
            if what.contains(&attr.as_str()) {
                return true;
            }
        }
        if let Some(q) = it.qual_of(func) {
            return what.iter().any(|w| q.ends_with(&format!(".{w}")));
        }
    }
    if let Some(n) = e.as_name() {
        if let Some(Value::Array(a)) = it.lookup(n) {
            return matches!(a.origin, Origin::Reduce(r, _) if what.contains(&r));
        }
    }
    false
}

pub(crate) fn check(it: &dyn Host, e: &Expr) -> Option<ExprIdiom> {
    // Look through an affine `* gamma + beta`.
    let mut core = e;
    loop {
        match &core.kind {
            ExprKind::BinOp {
                left,
                op: BinOp::Add | BinOp::Mul,
                ..
            } if matches!(
                left.kind,
                ExprKind::BinOp { op: BinOp::Div, .. }
                    | ExprKind::BinOp { op: BinOp::Mul, .. }
                    | ExprKind::BinOp { op: BinOp::Add, .. }
            ) =>
            {
                core = left
            }
            _ => break,
        }
    }
    let ExprKind::BinOp {
        left,
        op: BinOp::Div,
        right,
    } = &core.kind
    else {
        return None;
    };
    let ExprKind::BinOp {
        op: BinOp::Sub,
        right: mean,
        ..
    } = &left.kind
    else {
        return None;
    };
    if !is_reduction_named(it, mean, &["mean"]) {
        return None;
    }
    let mut ok = false;
    right.walk(&mut |x| {
        if is_reduction_named(it, x, &["var", "std"]) {
            ok = true;
        }
    });
    ok.then_some(ExprIdiom {
        category: Category::Nn,
        pattern: "idiom.layer_norm",
        what: "layer normalisation",
    })
}
