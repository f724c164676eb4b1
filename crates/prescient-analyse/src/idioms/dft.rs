//! Discrete Fourier transforms written out: nested loops (or comprehensions) that
//! evaluate `exp(-2j*pi*k*n/N)` or `cos`/`sin(2*pi*k*n/N)` for pairs of loop
//! variables, and "DFT matrices" built with `np.exp(-2j*np.pi*np.outer(k, n)/N)`.
//!
//! Why: a naive DFT is O(N^2) (with a transcendental per term) where an FFT is
//! O(N log N); it is signal work whose cost is quadratic in the input length.

use super::*;

/// Whether `e` has a product of two distinct loop variables.
fn loop_var_product(e: &Expr, vars: &[String]) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if let ExprKind::BinOp { op: BinOp::Mul, .. } = &x.kind {
            let mut names = Vec::new();
            x.walk(&mut |y| {
                if let Some(n) = y.as_name() {
                    if vars.iter().any(|v| v == n) && !names.contains(&n.to_string()) {
                        names.push(n.to_string());
                    }
                }
            });
            if names.len() >= 2 {
                found = true;
            }
        }
    });
    found
}

fn twiddle(it: &dyn Host, e: &Expr, vars: &[String]) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if found {
            return;
        }
        if let ExprKind::Call { func, args, .. } = &x.kind {
            let q = it.qual_of(func).unwrap_or_default();
            let trig = [
                "cmath.exp",
                "numpy.exp",
                "math.cos",
                "math.sin",
                "numpy.cos",
                "numpy.sin",
                "cmath.cos",
                "cmath.sin",
                "torch.exp",
            ];
            if trig.contains(&q.as_str()) {
                if let Some(a) = args.first() {
                    if mentions_pi(it, a) && loop_var_product(a, vars) {
                        found = true;
                    }
                }
            }
        }
    });
    found
}

pub(crate) fn check(it: &mut dyn Host, chain: &Chain, body: &[Stmt]) -> Option<IdiomHit> {
    if chain.len() < 2 {
        return None;
    }
    let vars = chain_vars(chain);
    for s in flat_stmts(body) {
        if s.exprs().iter().any(|e| twiddle(it, e, &vars)) {
            return Some(hit(
                it,
                Category::Signal,
                "loop.dft",
                8.0,
                &[],
                "naive DFT (O(N^2))".into(),
                8,
            ));
        }
    }
    None
}

pub(crate) fn check_expr(it: &mut dyn Host, chain: &Chain, elt: &Expr) -> Option<IdiomHit> {
    if chain.len() < 2 {
        return None;
    }
    let vars = chain_vars(chain);
    twiddle(it, elt, &vars).then(|| {
        hit(
            it,
            Category::Signal,
            "loop.dft",
            8.0,
            &[],
            "naive DFT in comprehensions (O(N^2))".into(),
            8,
        )
    })
}

/// `np.exp(-2j * np.pi * np.outer(k, n) / N)` and `k * n` over index grids.
pub(crate) fn check_matrix(it: &dyn Host, e: &Expr) -> Option<ExprIdiom> {
    let ExprKind::Call { func, args, .. } = &e.kind else {
        return None;
    };
    if !matches!(it.qual_of(func).as_deref(), Some("numpy.exp" | "torch.exp")) {
        return None;
    }
    let a = args.first()?;
    let mut complex = false;
    let mut grid = false;
    a.walk(&mut |x| match &x.kind {
        ExprKind::Complex(_) => complex = true,
        ExprKind::Call { func, .. } if it.qual_of(func).is_some_and(|q| q.ends_with("outer")) => {
            grid = true
        }
        ExprKind::Name(n) => {
            if let Some(Value::Array(arr)) = it.lookup(n) {
                if arr.origin == Origin::Grid && arr.ndim() >= 2 || arr.ndim() == 2 {
                    grid = true;
                }
            }
        }
        _ => {}
    });
    (complex && grid && mentions_pi(it, a)).then_some(ExprIdiom {
        category: Category::Signal,
        pattern: "idiom.dft_matrix",
        what: "DFT matrix (a naive DFT follows as a matrix product)",
    })
}
