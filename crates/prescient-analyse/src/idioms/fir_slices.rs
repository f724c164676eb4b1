//! FIR filters written as a sum of shifted slices of one array:
//! `y = h[0]*x[2:] + h[1]*x[1:-1] + h[2]*x[:-2]`, or `sum(c * x[k:n-K+k] ...)`.
//!
//! Why: each term allocates a temporary the size of the output; the whole
//! expression is taps x length multiply-adds of signal work, and a direct
//! `np.convolve` would avoid the temporaries.

use super::*;

pub(crate) fn check(_: &Interp, e: &Expr) -> Option<ExprIdiom> {
    let ts = terms(e);
    if ts.len() < 3 {
        return None;
    }
    let mut base: Option<String> = None;
    let mut slices = Vec::new();
    for t in &ts {
        let mut found = false;
        for f in factors(t) {
            if let ExprKind::Subscript { value, index } = &f.kind {
                if matches!(index.kind, ExprKind::Slice { .. }) {
                    let b = value.dotted()?;
                    if base.get_or_insert_with(|| b.clone()) != &b {
                        return None;
                    }
                    slices.push(crate::interp::unparse::unparse(index));
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
    (slices.len() >= 3).then_some(ExprIdiom {
        category: Category::Signal,
        pattern: "idiom.fir_slices",
        what: "FIR filter as a sum of shifted slices",
    })
}
