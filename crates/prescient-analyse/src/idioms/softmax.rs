//! Softmax and log-softmax written with numpy: `exp(x - max) / sum(exp(x - max))`
//! in one expression or across statements (`e = np.exp(x - x.max()); e / e.sum()`),
//! and `x - max - log(sum(exp(x - max)))`.
//!
//! Why: attention and classifier heads; each step makes a full-size temporary,
//! and the pattern belongs to `nn`, not to generic elementwise work.

use super::*;
use std::rc::Rc;

pub(crate) fn check(it: &dyn Host, e: &Expr) -> Option<ExprIdiom> {
    let exps = ["numpy.exp", "torch.exp"];
    match &e.kind {
        ExprKind::BinOp {
            left,
            op: BinOp::Div,
            right,
        } => {
            let sums = ["numpy.sum", "ndarray.sum", "torch.sum", "Tensor.sum"];
            let right_sums = calls_any(it, right, &sums)
                || matches!(&right.kind, ExprKind::Call { func, .. } if matches!(&func.kind, ExprKind::Attribute { attr, .. } if attr == "sum"));
            if calls_any(it, left, &exps) && right_sums {
                return Some(ExprIdiom {
                    category: Category::Nn,
                    pattern: "idiom.softmax",
                    what: "softmax",
                });
            }
            None
        }
        ExprKind::BinOp {
            op: BinOp::Sub,
            right,
            ..
        } => {
            let logsum =
                calls_any(it, right, &["numpy.log", "torch.log"]) && calls_any(it, right, &exps);
            let lse = calls_any(it, right, &["scipy.special.logsumexp", "torch.logsumexp"]);
            (logsum || lse).then_some(ExprIdiom {
                category: Category::Nn,
                pattern: "idiom.log_softmax",
                what: "log-softmax",
            })
        }
        _ => None,
    }
}

/// `x - x.max(...)` / `x - x.mean(...)`: remembers that the result is centred.
pub(crate) fn centered(it: &mut dyn Host, op: BinOp, l: &Value, r: &Value, out: &Value) -> Value {
    if op == BinOp::Sub {
        if let (Value::Array(a), Value::Array(b), Value::Array(o)) = (l, r, out) {
            if matches!(b.origin, Origin::Reduce("max" | "mean", src) if src == a.id) {
                let mut x = (**o).clone();
                x.origin = Origin::Centered(a.id);
                return Value::Array(Rc::new(x));
            }
        }
    }
    let _ = it;
    out.clone()
}

/// `e / e.sum(...)` where `e` came from `exp`: the division completes a softmax.
pub(crate) fn after_div(
    it: &mut dyn Host,
    op: BinOp,
    l: &Value,
    r: &Value,
    out: &Value,
) -> Option<Value> {
    if op != BinOp::Div {
        return None;
    }
    let (Value::Array(a), Value::Array(b)) = (l, r) else {
        return None;
    };
    if !matches!(a.origin, Origin::Exp(_))
        || !matches!(b.origin, Origin::Reduce("sum", src) if src == a.id)
    {
        return None;
    }
    if let Some(k) = it.last_kernel_mut() {
        k.category = Category::Nn;
        k.pattern = "idiom.softmax".into();
        k.evidence = format!(
            "{} (completes a softmax)",
            k.evidence.replace("-> elementwise", "-> nn")
        );
    }
    Some(out.clone())
}
