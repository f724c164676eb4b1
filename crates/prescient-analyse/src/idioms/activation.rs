//! Activation functions written with numpy primitives: ReLU as
//! `np.maximum(x, 0)`, `np.where(x > 0, x, 0)`, `np.clip(x, 0, None)` or
//! `x * (x > 0)`; sigmoid as `1 / (1 + np.exp(-x))`; GELU in its tanh
//! (`0.044715`), erf or `x * sigmoid(1.702 x)` forms.
//!
//! Why: these are neural-network layers in disguise (category `nn`); each form
//! allocates temporaries the size of the activation.

use super::*;

fn is_zero(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Int(Some(0))) || matches!(e.kind, ExprKind::Float(f) if f == 0.0)
}

fn has_const(e: &Expr, v: f64) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if let ExprKind::Float(f) = x.kind {
            if (f - v).abs() < 1e-4 {
                found = true;
            }
        }
    });
    found
}

pub(crate) fn check(it: &dyn Host, e: &Expr) -> Option<ExprIdiom> {
    let relu = ExprIdiom {
        category: Category::Nn,
        pattern: "idiom.relu",
        what: "ReLU activation",
    };
    if let ExprKind::Call { func, args, .. } = &e.kind {
        let q = it.qual_of(func).unwrap_or_default();
        match q.as_str() {
            "numpy.maximum" | "torch.maximum" if args.iter().any(is_zero) => return Some(relu),
            "numpy.clip" | "ndarray.clip" if args.iter().any(is_zero) => return Some(relu),
            "numpy.where"
                if args.len() == 3
                    && is_zero(&args[2])
                    && matches!(&args[0].kind, ExprKind::Compare { comparators, .. } if comparators.first().is_some_and(is_zero)) =>
            {
                return Some(relu)
            }
            _ => {}
        }
    }
    if let ExprKind::BinOp {
        left,
        op: BinOp::Mul,
        right,
    } = &e.kind
    {
        let cmp_zero = |x: &Expr| matches!(&x.kind, ExprKind::Compare { comparators, .. } if comparators.first().is_some_and(is_zero));
        if cmp_zero(left) || cmp_zero(right) {
            return Some(relu);
        }
    }
    let exp = calls_any(it, e, &["numpy.exp", "torch.exp", "math.exp"]);
    if has_const(e, 0.044715)
        || (calls_any(it, e, &["scipy.special.erf", "math.erf", "torch.erf"]) && has_const(e, 0.5))
        || has_const(e, 1.702)
    {
        return Some(ExprIdiom {
            category: Category::Nn,
            pattern: "idiom.gelu",
            what: "GELU activation",
        });
    }
    if let ExprKind::BinOp {
        left,
        op: BinOp::Div,
        right,
    } = &e.kind
    {
        let one = |x: &Expr| {
            matches!(x.kind, ExprKind::Int(Some(1)))
                || matches!(x.kind, ExprKind::Float(f) if f == 1.0)
        };
        if one(left) && exp && matches!(&right.kind, ExprKind::BinOp { op: BinOp::Add, .. }) {
            return Some(ExprIdiom {
                category: Category::Nn,
                pattern: "idiom.sigmoid",
                what: "sigmoid activation",
            });
        }
    }
    None
}
