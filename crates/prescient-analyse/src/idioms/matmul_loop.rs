//! Matrix multiply written as a loop nest, over lists or arrays, in any loop order.
//!
//! Detects an accumulation `c[i][j] += a[i][k] * b[k][j]` (also `c[i, j]`, a
//! scalar accumulator `s += ...`, extra scalar factors like `alpha * ...`, and
//! transposed operands), where `i`, `j`, `k` are three distinct loop variables of
//! the enclosing nest, and the comprehension forms `sum(a[i][k] * b[k][j] for k ...)`
//! and `sum(x * y for x, y in zip(row, col))`.
//!
//! Why: a hand-written matrix multiply is O(n^3) interpreted operations: it is the
//! same intent as `a @ b` but runs orders of magnitude slower, single-threaded,
//! and is the first thing a user would want pointed out and sized correctly.

use super::*;

/// Index variables of a subscript whose indices are all plain names.
fn plain_indices(e: &Expr) -> Option<(String, Vec<String>)> {
    let (base, idx) = subscript_parts(e)?;
    let names: Option<Vec<String>> = idx.iter().map(|i| i.as_name().map(String::from)).collect();
    Some((base, names?))
}

/// Classifies a product term by its subscripted factors (seeing through scalars
/// hoisted out of the inner loop, `a = A[i][k]`).
fn classify(it: &dyn Host, vars: &[String], term: &Expr) -> Option<(&'static str, Category)> {
    let subs: Vec<(String, Vec<String>)> = factors(term)
        .into_iter()
        .filter_map(|f| match f.as_name().and_then(|n| it.hoisted(n)) {
            Some(h) => plain_indices(h),
            None => plain_indices(f),
        })
        .collect();
    for (i, (_, a)) in subs.iter().enumerate() {
        for (_, b) in subs.iter().skip(i + 1) {
            if a.len() == 2 && b.len() == 2 {
                let shared: Vec<&String> = a.iter().filter(|x| b.contains(x)).collect();
                let mut all: Vec<&String> = a.iter().chain(b.iter()).collect();
                all.sort();
                all.dedup();
                if shared.len() == 1 && all.len() == 3 && all.iter().all(|v| vars.contains(v)) {
                    return Some(("loop.matmul", Category::Matmul));
                }
            }
            if a.len() == 1 && b.len() == 1 && a[0] == b[0] && vars.contains(&a[0]) {
                return Some(("loop.dot", Category::Reduction));
            }
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
        if let Some((pattern, cat)) = classify(it, &vars, term) {
            let what = if cat == Category::Matmul {
                "matrix multiply as a loop nest"
            } else {
                "dot product as a loop"
            };
            let prio = if cat == Category::Matmul { 10 } else { 3 };
            return Some(hit(it, cat, pattern, 2.0, &[], what.into(), prio));
        }
    }
    None
}

/// `sum(a[i][k] * b[k][j] for k in ...)` and `sum(x * y for x, y in zip(r, c))`.
pub(crate) fn check_term(
    it: &mut dyn Host,
    chain: &Chain,
    elt: &Expr,
    generators: &[Comprehension],
) -> Option<IdiomHit> {
    let vars = chain_vars(chain);
    if let Some((pattern, cat)) = classify(it, &vars, elt) {
        let prio = if cat == Category::Matmul { 10 } else { 3 };
        return Some(hit(
            it,
            cat,
            pattern,
            2.0,
            &[],
            "matrix multiply in comprehensions".into(),
            prio,
        ));
    }
    // Dot product over zip(): both factors are targets of the innermost generator.
    let g = generators.last()?;
    let ExprKind::Call { func, args, .. } = &g.iter.kind else {
        return None;
    };
    if func.as_name() != Some("zip") || args.len() != 2 {
        return None;
    }
    let targets = g.target.names();
    let fs = factors(elt);
    let named: Vec<&str> = fs.iter().filter_map(|f| f.as_name()).collect();
    if named.len() >= 2 && named.iter().all(|n| targets.iter().any(|t| t == n)) {
        // Within two more loops (rows x columns), a dot product is a matrix multiply.
        let depth = chain.len();
        let (pattern, cat, prio) = if depth >= 3 {
            ("loop.matmul", Category::Matmul, 10)
        } else {
            ("loop.dot", Category::Reduction, 3)
        };
        return Some(hit(
            it,
            cat,
            pattern,
            2.0,
            &[],
            "dot products over zip()".into(),
            prio,
        ));
    }
    None
}
