//! Dense (fully connected) layers written as `x @ W + b`: a matrix product whose
//! result gets a bias broadcast along its last axis.
//!
//! Why: the matrix product is then a layer (`nn`), and the bias add belongs to
//! it; knowing it is a layer lets the forecast expect the activation and
//! backward-pass memory that follows in training code.

use super::*;

pub(crate) fn after_add(
    it: &mut dyn Host,
    op: BinOp,
    l: &Value,
    r: &Value,
    out: &Value,
) -> Option<Value> {
    if op != BinOp::Add {
        return None;
    }
    let (Value::Array(a), Value::Array(b)) = (l, r) else {
        return None;
    };
    let (mm, bias) = match (&a.origin, &b.origin) {
        (Origin::Matmul(i), _) => (*i, b),
        (_, Origin::Matmul(i)) => (*i, a),
        _ => return None,
    };
    let prod = if bias.id == b.id { a } else { b };
    if bias.ndim() != 1 || prod.shape.last() != bias.shape.last() {
        return None;
    }
    // Fold the bias add (the last kernel) into the matrix product.
    let add = it.pop_kernel()?;
    let k = it.kernel_mut(mm)?;
    k.category = Category::Nn;
    k.pattern = "idiom.dense".into();
    k.flops += add.flops;
    k.bytes_moved += add.bytes_moved;
    k.evidence = format!(
        "{} + bias -> nn (dense layer)",
        k.evidence.replace(" -> matmul", "")
    );
    Some(out.clone())
}
