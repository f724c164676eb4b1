//! FIR filters and stencils written as a sum of shifted slices of one array:
//! `y = h[0]*x[2:] + h[1]*x[1:-1] + h[2]*x[:-2]`, or the 2-D five-point stencil
//! `0.2 * (a[1:-1, 1:-1] + a[1:-1, :-2] + a[1:-1, 2:] + a[2:, 1:-1] + a[:-2, 1:-1])`.
//!
//! Why: each term allocates a temporary the size of the output; the whole
//! expression is taps x length multiply-adds of filtering work, memory-bound, and a
//! direct convolution would avoid the temporaries.

use super::*;

pub(crate) fn check(it: &dyn Host, e: &Expr) -> Option<ExprIdiom> {
    // Look through a common scalar factor: `0.2 * (a[1:-1] + a[:-2] + a[2:])`.
    let mut core = e;
    while let ExprKind::BinOp {
        left,
        op: BinOp::Mul | BinOp::Div,
        right,
    } = &core.kind
    {
        let scalar = |x: &Expr| {
            matches!(x.kind, ExprKind::Int(_) | ExprKind::Float(_))
                || x.as_name()
                    .is_some_and(|n| it.lookup(n).is_some_and(|v| v.is_numeric_scalar()))
        };
        if scalar(left) {
            core = right;
        } else if scalar(right) {
            core = left;
        } else {
            break;
        }
    }
    let ts = terms(core);
    if ts.len() < 3 {
        return None;
    }
    let mut base: Option<String> = None;
    let mut slices = Vec::new();
    let mut ndim = 0;
    for t in &ts {
        let mut found = false;
        for f in factors(t) {
            if let ExprKind::Subscript { value, index } = &f.kind {
                let parts: Vec<&Expr> = match &index.kind {
                    ExprKind::Tuple(items) => items.iter().collect(),
                    _ => vec![index],
                };
                if parts
                    .iter()
                    .any(|p| matches!(p.kind, ExprKind::Slice { .. }))
                {
                    let b = value.dotted()?;
                    if base.get_or_insert_with(|| b.clone()) != &b {
                        return None;
                    }
                    ndim = ndim.max(parts.len());
                    slices.push(crate::unparse::unparse(index));
                    found = true;
                }
            }
        }
        if !found {
            return None;
        }
    }
    slices.sort();
    slices.dedup();
    if slices.len() < 3 {
        return None;
    }
    Some(if ndim >= 2 {
        ExprIdiom {
            category: Category::Signal,
            pattern: "idiom.stencil",
            what: "stencil (a filter over shifted slices)",
        }
    } else {
        ExprIdiom {
            category: Category::Signal,
            pattern: "idiom.fir_slices",
            what: "FIR filter as a sum of shifted slices",
        }
    })
}
