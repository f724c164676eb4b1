//! Array semantics in one place: how numpy (and torch, which follows it)
//! broadcasts shapes, promotes dtypes, shapes the result of an index, and when
//! it reuses a temporary's buffer.
//!
//! These are facts about the libraries, not about our interpreter. They take
//! shapes, dtypes and abstract values and return shapes and dtypes, with no
//! state and no costs. The interpreter (operators, subscripts) and the
//! knowledge base (library calls) both use them, so that `a + b` and
//! `np.add(a, b)`, or `x[idx]` and `np.take`, cannot come to disagree.

use crate::value::*;
use prescient_model::Sym;
use std::collections::BTreeMap;
use std::rc::Rc;

/// numpy elides temporaries of at least this size (`NPY_MIN_ELIDE_BYTES`).
pub const ELIDE_MIN_BYTES: f64 = 256.0 * 1024.0;

/// numpy broadcasting of two symbolic shapes.
pub fn broadcast(a: &[Sym], b: &[Sym]) -> Vec<Sym> {
    let n = a.len().max(b.len());
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let x = if i + a.len() >= n {
            Some(&a[i + a.len() - n])
        } else {
            None
        };
        let y = if i + b.len() >= n {
            Some(&b[i + b.len() - n])
        } else {
            None
        };
        out.push(match (x, y) {
            (Some(x), None) => x.clone(),
            (None, Some(y)) => y.clone(),
            (Some(x), Some(y)) => {
                if x.is_num(1.0) {
                    y.clone()
                } else if y.is_num(1.0) || x == y || (x.as_num().is_some() && y.as_num().is_none())
                {
                    x.clone()
                } else if y.as_num().is_some() && x.as_num().is_none() {
                    y.clone()
                } else {
                    x.max(y)
                }
            }
            (None, None) => Sym::one(),
        });
    }
    out
}

/// numpy's result type for a binary operation between two arrays (simplified).
pub fn promote(a: DType, b: DType) -> DType {
    if a == b {
        return a;
    }
    if a.is_complex() || b.is_complex() {
        let wide = a == DType::Complex128
            || b == DType::Complex128
            || a == DType::Float64
            || b == DType::Float64;
        return if wide {
            DType::Complex128
        } else {
            DType::Complex64
        };
    }
    if a.is_float() || b.is_float() {
        if a.is_float() && b.is_float() {
            return a.max(b);
        }
        let f = if a.is_float() { a } else { b };
        let i = if a.is_float() { b } else { a };
        // float32 with a wide int becomes float64 in numpy.
        return if i.itemsize() >= 4.0 && f < DType::Float64 && i != DType::Bool {
            DType::Float64
        } else {
            f
        };
    }
    a.max(b)
}

/// The dtype numpy computes an operation over these operands in: arrays
/// (and sequences, as `np.asarray` would make them) promote together, while
/// Python scalars do not widen them (numpy's weak scalar promotion) and only
/// lift their kind: an int array with a float scalar gives float64, with a
/// complex one complex. Operands of no numeric kind are left out.
pub fn operands_dtype(vals: &[&Value]) -> Option<DType> {
    let numeric = |v: &&&Value| {
        matches!(
            v,
            Value::Array(_)
                | Value::Seq { .. }
                | Value::Int(_)
                | Value::Bool(_)
                | Value::Float(_)
                | Value::Complex
        )
    };
    let (arrays, scalars): (Vec<&&Value>, Vec<&&Value>) = vals
        .iter()
        .filter(numeric)
        .partition(|v| matches!(v, Value::Array(_) | Value::Seq { .. }));
    if arrays.is_empty() {
        return scalars.iter().map(|v| array_like(v).dtype).reduce(promote);
    }
    let dtype = arrays.iter().map(|v| array_like(v).dtype).reduce(promote)?;
    Some(scalars.iter().fold(dtype, |d, s| weak(d, s)))
}

/// The dtype of the ufunc `name` applied to two operands: as
/// [`operands_dtype`], and true division of integers gives floats.
pub fn binop_dtype(name: &str, l: &Value, r: &Value) -> DType {
    let dtype = operands_dtype(&[l, r]).unwrap_or(DType::Float64);
    if name == "divide" && !dtype.is_float() && !dtype.is_complex() {
        DType::Float64
    } else {
        dtype
    }
}

fn weak(arr: DType, scalar: &Value) -> DType {
    match scalar {
        Value::Float(_) if !arr.is_float() && !arr.is_complex() => DType::Float64,
        Value::Complex => arr.to_complex(),
        _ => arr,
    }
}

/// Whether numpy may compute the ufunc `name` into a temporary operand's
/// buffer instead of a new one (temporary elision), given the dtype of the
/// operand it would reuse. numpy tries it for `+ - *`, `/` on floats,
/// `** 2`, the bitwise operators and shifts only: `%`, `//` and other powers
/// always allocate.
pub fn may_elide(name: &str, operand: DType) -> bool {
    matches!(
        name,
        "add"
            | "subtract"
            | "square"
            | "multiply"
            | "bitwise_and"
            | "bitwise_or"
            | "bitwise_xor"
            | "left_shift"
            | "right_shift"
    ) || (name == "divide" && (operand.is_float() || operand.is_complex()))
}

/// Whether the ufunc `name` commutes, so that numpy may reuse its right
/// operand as well as its left.
pub fn commutes(name: &str) -> bool {
    matches!(
        name,
        "add" | "multiply" | "bitwise_and" | "bitwise_or" | "bitwise_xor"
    )
}

/// A scalar or list operand seen as an array (0-d for scalars).
pub fn array_like(v: &Value) -> ArrayVal {
    let (shape, dtype) = match v {
        Value::Array(a) => return (**a).clone(),
        Value::Seq { .. } => seq_shape(v),
        Value::Int(_) | Value::Bool(_) => (vec![], DType::Int64),
        Value::Complex => (vec![], DType::Complex128),
        _ => (vec![], DType::Float64),
    };
    ArrayVal {
        shape,
        dtype,
        lib: Lib::Numpy,
        id: 0,
        base: 0,
        origin: Origin::Plain,
        requires_grad: false,
    }
}

/// Shape and dtype of a nested Python sequence passed to `np.array`.
pub fn seq_shape(v: &Value) -> (Vec<Sym>, DType) {
    let mut shape = Vec::new();
    let mut cur = v.clone();
    let mut dtype = DType::Float64;
    for _ in 0..8 {
        match &cur {
            Value::Seq { .. } | Value::Range { .. } => {
                shape.push(cur.len().unwrap_or_else(Sym::zero));
                cur = cur.elem();
            }
            Value::Array(a) => {
                shape.extend(a.shape.iter().cloned());
                dtype = a.dtype;
                break;
            }
            Value::Int(_) | Value::Bool(_) => {
                dtype = DType::Int64;
                break;
            }
            Value::Complex => {
                dtype = DType::Complex128;
                break;
            }
            _ => break,
        }
    }
    (shape, dtype)
}

/// The array `v` marked as requiring gradients when `rg` (a tensor computed
/// from one that does); other values unchanged.
pub fn with_grad(v: Value, rg: bool) -> Value {
    match v {
        Value::Array(a) if rg && !a.requires_grad => {
            let mut x = (*a).clone();
            x.requires_grad = true;
            Value::Array(Rc::new(x))
        }
        other => other,
    }
}

/// Length of `x[start:stop:step]` on an axis of length `len`.
pub fn slice_len(attrs: &BTreeMap<String, Value>, len: &Sym) -> Sym {
    let get = |k: &str| attrs.get(k).and_then(|v| v.as_sym());
    let norm = |s: Sym| match s.as_num() {
        Some(v) if v < 0.0 => len.add(&s),
        _ => s.min(len),
    };
    let start = get("start").map(norm).unwrap_or_else(Sym::zero);
    let stop = get("stop").map(norm).unwrap_or_else(|| len.clone());
    let step = get("step").unwrap_or_else(Sym::one);
    if step.as_num().is_some_and(|s| s < 0.0) && get("start").is_none() && get("stop").is_none() {
        return len.clone();
    }
    range_len(&start, &stop, &step)
}

/// What indexing an array gives.
#[derive(Debug)]
pub enum Indexed {
    /// One element, as a Python scalar of the array's kind.
    Element(Value),
    /// A view of the array with this shape (basic indexing: no copy).
    View(Vec<Sym>),
    /// A new array of this shape (advanced indexing copies).
    Copy(Vec<Sym>),
}

/// The indices of `x[idx]` one per axis: `x[i, j]` indexes by the tuple
/// `(i, j)`, `x[i]` by `i` alone.
pub fn index_parts(idx: &Value) -> Vec<Value> {
    match idx {
        Value::Seq {
            kind: SeqKind::Tuple,
            items: SeqItems::Known(v),
        } => v.clone(),
        other => vec![other.clone()],
    }
}

/// numpy indexing of `a` by `idx` (one index or a tuple of them): ints drop
/// axes, slices keep them as views, `None` adds one, `...` spans the axes the
/// others leave, and arrays, sequences and masks gather (copy).
pub fn index(a: &ArrayVal, idx: &Value) -> Indexed {
    let parts = index_parts(idx);
    let mut shape = Vec::new();
    let mut axis = 0usize;
    let mut copy = false;
    // numpy's advanced indexing: the index arrays (and sequences, and
    // masks as their selected count) broadcast together into one shape,
    // which takes the place of the first of them when they are adjacent
    // and goes first when a slice separates them: `g[np.arange(n), y]`
    // is (n,), not (n, n).
    let mut advanced: Option<Vec<Sym>> = None;
    let mut advanced_at = 0usize;
    let mut adjacent = true;
    let mut last_advanced: Option<usize> = None;
    let mut add_advanced = |shape_len: usize, pos: usize, ix: Vec<Sym>| {
        if let Some(prev) = last_advanced {
            if prev + 1 != pos {
                adjacent = false;
            }
        } else {
            advanced_at = shape_len;
        }
        last_advanced = Some(pos);
        advanced = Some(match advanced.take() {
            None => ix,
            Some(b) => broadcast(&b, &ix),
        });
    };
    let n_consuming = parts
        .iter()
        .filter(|p| {
            !matches!(p, Value::None)
                && !matches!(p, Value::Lib(q) if q.as_ref() == "builtins.Ellipsis")
        })
        .count();
    for (pos, p) in parts.iter().enumerate() {
        match p {
            Value::None => shape.push(Sym::one()),
            Value::Lib(q) if q.as_ref() == "builtins.Ellipsis" => {
                let skip = a.shape.len().saturating_sub(n_consuming);
                for _ in 0..skip {
                    if axis < a.shape.len() {
                        shape.push(a.shape[axis].clone());
                    }
                    axis += 1;
                }
            }
            Value::Obj { class, attrs } if class.as_ref() == "builtins.slice" => {
                if let Some(d) = a.shape.get(axis) {
                    shape.push(slice_len(&attrs.borrow(), d));
                }
                axis += 1;
            }
            Value::Array(ix) => {
                copy = true;
                if ix.dtype == DType::Bool {
                    // A mask selects an unknown number of elements; assume half.
                    let sel: Sym = Sym::product(
                        a.shape[axis.min(a.shape.len())..(axis + ix.ndim()).min(a.shape.len())]
                            .iter()
                            .cloned(),
                    )
                    .scale(0.5);
                    add_advanced(shape.len(), pos, vec![sel]);
                    axis += ix.ndim();
                } else {
                    add_advanced(shape.len(), pos, ix.shape.clone());
                    axis += 1;
                }
            }
            Value::Seq { .. } => {
                copy = true;
                add_advanced(shape.len(), pos, vec![p.len().unwrap_or_else(Sym::one)]);
                axis += 1;
            }
            _ => axis += 1,
        }
    }
    if let Some(adv) = advanced {
        let at = if adjacent { advanced_at } else { 0 };
        shape.splice(at..at, adv);
    }
    shape.extend(a.shape.iter().skip(axis).cloned());
    if copy {
        Indexed::Copy(shape)
    } else if shape.is_empty() {
        Indexed::Element(if a.dtype.is_float() {
            Value::Float(None)
        } else if a.dtype.is_complex() {
            Value::Complex
        } else {
            Value::Int(Sym::var("elem"))
        })
    } else {
        Indexed::View(shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::sync::Arc;

    fn arr(shape: &[f64], dtype: DType) -> ArrayVal {
        let mut a = array_like(&Value::Float(None));
        a.shape = shape.iter().map(|&d| Sym::num(d)).collect();
        a.dtype = dtype;
        a
    }

    fn dims(shape: &[Sym]) -> Vec<f64> {
        shape.iter().map(|d| d.as_num().unwrap()).collect()
    }

    fn slice_all() -> Value {
        Value::Obj {
            class: Arc::from("builtins.slice"),
            attrs: Rc::new(RefCell::new(BTreeMap::new())),
        }
    }

    #[test]
    fn shapes_broadcast_from_the_right() {
        let s = |v: &[f64]| v.iter().map(|&d| Sym::num(d)).collect::<Vec<_>>();
        assert_eq!(
            dims(&broadcast(&s(&[8.0, 1.0, 6.0]), &s(&[7.0, 1.0]))),
            [8.0, 7.0, 6.0]
        );
        assert_eq!(dims(&broadcast(&s(&[]), &s(&[3.0]))), [3.0]);
    }

    #[test]
    fn python_scalars_do_not_widen_arrays() {
        let f32 = Value::Array(Rc::new(arr(&[4.0], DType::Float32)));
        let i64 = Value::Array(Rc::new(arr(&[4.0], DType::Int64)));
        let one = Value::Float(Some(1.0));
        let two = Value::int(2);
        assert_eq!(binop_dtype("add", &f32, &one), DType::Float32);
        assert_eq!(binop_dtype("add", &one, &i64), DType::Float64);
        assert_eq!(binop_dtype("multiply", &i64, &two), DType::Int64);
        assert_eq!(binop_dtype("divide", &i64, &two), DType::Float64);
        assert_eq!(binop_dtype("add", &two, &one), DType::Float64);
        // Between arrays, a wide int makes float32 float64.
        assert_eq!(binop_dtype("add", &f32, &i64), DType::Float64);
        // A library ufunc over several operands follows the same rule.
        assert_eq!(operands_dtype(&[&i64, &one, &two]), Some(DType::Float64));
        assert_eq!(
            operands_dtype(&[&f32, &Value::Complex]),
            Some(DType::Complex64)
        );
        assert_eq!(operands_dtype(&[&Value::None]), None);
        assert_eq!(promote(DType::Float32, DType::Complex64), DType::Complex64);
        assert_eq!(promote(DType::Float64, DType::Complex64), DType::Complex128);
    }

    #[test]
    fn indexing_drops_keeps_and_gathers_axes() {
        let g = arr(&[100.0, 10.0], DType::Float64);
        // g[3] is a row view; g[3, 4] an element; g[:, 2] a column view.
        match index(&g, &Value::int(3)) {
            Indexed::View(s) => assert_eq!(dims(&s), [10.0]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            index(&g, &Value::tuple(vec![Value::int(3), Value::int(4)])),
            Indexed::Element(Value::Float(None))
        ));
        match index(&g, &Value::tuple(vec![slice_all(), Value::int(2)])) {
            Indexed::View(s) => assert_eq!(dims(&s), [100.0]),
            other => panic!("{other:?}"),
        }
        // g[np.arange(100), y] pairs the two index arrays: (100,), not (100, 100).
        let ix = Value::Array(Rc::new(arr(&[100.0], DType::Int64)));
        match index(&g, &Value::tuple(vec![ix.clone(), ix.clone()])) {
            Indexed::Copy(s) => assert_eq!(dims(&s), [100.0]),
            other => panic!("{other:?}"),
        }
        // g[idx] gathers rows; g[None] adds an axis.
        match index(&g, &ix) {
            Indexed::Copy(s) => assert_eq!(dims(&s), [100.0, 10.0]),
            other => panic!("{other:?}"),
        }
        match index(&g, &Value::None) {
            Indexed::View(s) => assert_eq!(dims(&s), [1.0, 100.0, 10.0]),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn only_some_ufuncs_reuse_a_temporary() {
        assert!(may_elide("add", DType::Float64));
        assert!(may_elide("divide", DType::Float32));
        assert!(!may_elide("divide", DType::Int64));
        assert!(!may_elide("remainder", DType::Float64));
        assert!(commutes("multiply") && !commutes("subtract"));
    }
}
