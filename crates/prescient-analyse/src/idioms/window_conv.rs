//! Convolution over a moving window with a vectorised inner product: a loop over
//! output positions whose body multiplies a window slice of the input
//! (`x[:, i:i+K, j:j+K, :]`, sliced from a loop variable to that variable plus the
//! kernel size) by a kernel and reduces it (`np.sum(..., axis=...)`, `np.dot`,
//! `np.tensordot`, `np.einsum`, or `+=` accumulation).
//!
//! Why: the numpy work inside is a full convolution (output size x kernel size
//! multiply-adds), spread over as many small library calls as there are output
//! positions; two or more windowed axes on a multi-channel array are a
//! convolution layer (`nn`), one is a 1-D filter (`signal`).

use super::*;

/// Number of axes sliced as `v:v+K` with `v` a loop variable of the nest.
fn windowed_axes(e: &Expr, vars: &[String]) -> usize {
    let Some((_, idx)) = subscript_parts(e) else {
        return 0;
    };
    idx.iter()
        .filter(|i| match &i.kind {
            ExprKind::Slice { lower: Some(lo), upper: Some(hi), .. } => {
                let v = lo.as_name().filter(|n| vars.iter().any(|x| x == n));
                let up_uses = matches!(&hi.kind, ExprKind::BinOp { left, op: BinOp::Add, .. } if left.as_name().is_some() && left.as_name() == v);
                v.is_some() && up_uses
            }
            _ => false,
        })
        .count()
}

pub(crate) fn check(it: &dyn Host, e: &Expr) -> Option<ExprIdiom> {
    if !it.in_loop() {
        return None;
    }
    let vars = chain_vars(&it.loop_chain());
    let mut best = 0usize;
    let mut dims = 0usize;
    e.walk(&mut |x| {
        if let ExprKind::Subscript { .. } = x.kind {
            let w = windowed_axes(x, &vars);
            if w > best {
                best = w;
                dims = subscript_parts(x).map(|(_, i)| i.len()).unwrap_or(0);
            }
        }
    });
    if best == 0 {
        return None;
    }
    let reduces = calls_any(
        it,
        e,
        &[
            "numpy.sum",
            "ndarray.sum",
            "numpy.dot",
            "numpy.tensordot",
            "numpy.einsum",
            "numpy.vdot",
            "torch.sum",
        ],
    ) || matches!(&e.kind, ExprKind::Call { func, .. } if matches!(&func.kind, ExprKind::Attribute { attr, .. } if attr == "sum"));
    if !reduces {
        return None;
    }
    Some(if best >= 2 && dims >= 3 {
        ExprIdiom {
            category: Category::Nn,
            pattern: "idiom.window_conv",
            what: "convolution layer over moving windows",
        }
    } else if best >= 2 {
        ExprIdiom {
            category: Category::Signal,
            pattern: "idiom.window_conv2d",
            what: "2-D convolution over moving windows",
        }
    } else {
        ExprIdiom {
            category: Category::Signal,
            pattern: "idiom.window_fir",
            what: "FIR filter over a moving window",
        }
    })
}
