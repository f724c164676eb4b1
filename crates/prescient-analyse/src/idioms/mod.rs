//! Idiom recognisers: they find intent, not only library calls. One file per
//! recogniser, each saying what it detects and why it matters for resources.
//!
//! Three kinds of hooks, all fed by the interpreter:
//! - loop-structure recognisers look at a loop body's AST when the loop is entered,
//!   with the loop variables of the enclosing nest (matrix multiply, FIR and
//!   convolution loops, recursive IIR filters, naive DFTs);
//! - operation-profile recognisers classify a finished loop nest by the kinds of
//!   integer operations it actually executed, including inside the functions it
//!   called (add-rotate-xor ciphers, S-box ciphers, hash compression functions,
//!   CRC-style checksums);
//! - expression recognisers look at a statement's right-hand side, with names
//!   resolved semantically, and at the provenance of array values across
//!   statements (activations, softmax, layer normalisation, dense layers,
//!   shifted-slice filters and stencils, window convolutions, DFT matrices).

pub mod activation;
pub mod arx;
pub mod checksum;
pub mod conv_layer;
pub mod dense;
pub mod dft;
pub mod fir_loop;
pub mod fir_slices;
pub mod hash_compress;
pub mod iir;
pub mod layernorm;
pub mod matmul_loop;
pub mod sbox;
pub mod softmax;
pub mod window_conv;

use crate::host::Host;
use crate::value::*;
use prescient_model::{Category, Sym};
use prescient_syntax::ast::*;

/// An idiom found in a loop nest, with its arithmetic total.
#[derive(Clone, Debug)]
pub struct IdiomHit {
    pub category: Category,
    pub pattern: &'static str,
    /// Operations over the whole nest (already multiplied out).
    pub flops: f64,
    pub flops_sym: Sym,
    pub affinity: &'static [&'static str],
    pub what: String,
    /// Higher wins when several idioms are found in one nest.
    pub priority: u8,
}

/// Bit flags for integer operations seen while a loop ran.
pub mod flags {
    pub const XOR: u32 = 1;
    pub const ROTATE: u32 = 2;
    pub const SHIFT: u32 = 4;
    pub const MASK32: u32 = 8;
    pub const CHOOSE: u32 = 16;
    pub const ADD: u32 = 32;
    pub const TABLE: u32 = 64;
}

/// The loop variables of the current nest, outermost first, with trip counts.
pub type Chain = [(Vec<String>, Sym)];

pub(crate) fn chain_vars(chain: &Chain) -> Vec<String> {
    chain.iter().flat_map(|(v, _)| v.iter().cloned()).collect()
}

/// A hit whose work is `per_exec` operations per execution of the current point.
pub(crate) fn hit(
    it: &dyn Host,
    category: Category,
    pattern: &'static str,
    per_exec: f64,
    affinity: &'static [&'static str],
    what: String,
    priority: u8,
) -> IdiomHit {
    IdiomHit {
        category,
        pattern,
        flops: per_exec * it.mult_num(),
        flops_sym: it.mult().scale(per_exec),
        affinity,
        what,
        priority,
    }
}

/// Structural recognisers, run when a loop is entered.
pub(crate) fn check_loop_body(it: &mut dyn Host, chain: &Chain, body: &[Stmt]) -> Option<IdiomHit> {
    iir::check(it, chain, body)
        .or_else(|| dft::check(it, chain, body))
        .or_else(|| fir_loop::check(it, chain, body))
        .or_else(|| matmul_loop::check(it, chain, body))
}

/// Recognisers for the element of a comprehension (`sum(a[i][k]*b[k][j] for k ...)`).
pub(crate) fn check_comprehension(
    it: &mut dyn Host,
    elt: &Expr,
    generators: &[Comprehension],
) -> Option<IdiomHit> {
    let chain = it.loop_chain();
    dft::check_expr(it, &chain, elt)
        .or_else(|| fir_loop::check_term(it, &chain, elt))
        .or_else(|| matmul_loop::check_term(it, &chain, elt, generators))
}

/// A loop nest's label from its operation profile: category, pattern, the ISA
/// features that would accelerate it, and a description.
pub(crate) type OpsLabel = (
    Category,
    &'static str,
    &'static [&'static str],
    &'static str,
);

/// Classifies a finished loop nest by the integer operations it executed.
pub(crate) fn classify_ops(flag_bits: u32) -> Option<OpsLabel> {
    hash_compress::classify(flag_bits)
        .or_else(|| sbox::classify(flag_bits))
        .or_else(|| arx::classify(flag_bits))
        .or_else(|| checksum::classify(flag_bits))
}

/// A statement-level idiom: the kernels its expression emitted are fused into one.
pub struct ExprIdiom {
    pub category: Category,
    pub pattern: &'static str,
    pub what: &'static str,
}

/// Expression recognisers, run on a right-hand side after it was evaluated.
pub(crate) fn check_expr(it: &dyn Host, e: &Expr) -> Option<ExprIdiom> {
    softmax::check(it, e)
        .or_else(|| window_conv::check(it, e))
        .or_else(|| layernorm::check(it, e))
        .or_else(|| activation::check(it, e))
        .or_else(|| fir_slices::check(it, e))
        .or_else(|| dft::check_matrix(it, e))
}

/// Provenance-based recognisers, run after each array operator.
pub(crate) fn after_array_binop(
    it: &mut dyn Host,
    op: BinOp,
    l: &Value,
    r: &Value,
    out: &Value,
    lexpr: &Expr,
    rexpr: &Expr,
) -> Value {
    let _ = (lexpr, rexpr);
    if let Some(v) = dense::after_add(it, op, l, r, out) {
        return v;
    }
    if let Some(v) = softmax::after_div(it, op, l, r, out) {
        return v;
    }
    softmax::centered(it, op, l, r, out)
}

// ---------- shared AST helpers ----------

/// `a[i][k]`, `a[i, k]`, `self.a[i][k]`: the base and the index expressions.
pub(crate) fn subscript_parts(e: &Expr) -> Option<(String, Vec<&Expr>)> {
    let mut idx: Vec<&Expr> = Vec::new();
    let mut cur = e;
    while let ExprKind::Subscript { value, index } = &cur.kind {
        match &index.kind {
            ExprKind::Tuple(items) => {
                for it in items.iter().rev() {
                    idx.push(it)
                }
            }
            _ => idx.push(index),
        }
        cur = value;
    }
    if idx.is_empty() {
        return None;
    }
    idx.reverse();
    Some((cur.dotted()?, idx))
}

/// The factors of a product, flattening `a * b * c` and unary minus.
pub(crate) fn factors(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::BinOp {
            left,
            op: BinOp::Mul,
            right,
        } => {
            let mut v = factors(left);
            v.extend(factors(right));
            v
        }
        ExprKind::UnaryOp {
            op: UnaryOp::Minus,
            operand,
        } => factors(operand),
        _ => vec![e],
    }
}

/// The terms of a sum, flattening `+` and `-`.
pub(crate) fn terms(e: &Expr) -> Vec<&Expr> {
    match &e.kind {
        ExprKind::BinOp {
            left,
            op: BinOp::Add | BinOp::Sub,
            right,
        } => {
            let mut v = terms(left);
            v.extend(terms(right));
            v
        }
        _ => vec![e],
    }
}

/// The term a statement adds into an accumulator: `acc += t`, `acc = acc + t`.
pub(crate) fn accumulated_term(s: &Stmt) -> Option<&Expr> {
    match &s.kind {
        StmtKind::AugAssign {
            op: BinOp::Add | BinOp::Sub,
            value,
            ..
        } => Some(value),
        StmtKind::Assign { targets, value } if targets.len() == 1 => {
            let t = crate::unparse::unparse(&targets[0]);
            if let ExprKind::BinOp {
                left,
                op: BinOp::Add | BinOp::Sub,
                right,
            } = &value.kind
            {
                if crate::unparse::unparse(left) == t {
                    return Some(right);
                }
                if crate::unparse::unparse(right) == t {
                    return Some(left);
                }
            }
            None
        }
        _ => None,
    }
}

/// Statements directly in a body, looking through `if`/`else` and `with` blocks.
pub(crate) fn flat_stmts(body: &[Stmt]) -> Vec<&Stmt> {
    let mut out = Vec::new();
    for s in body {
        match &s.kind {
            StmtKind::If { body, orelse, .. } => {
                out.extend(flat_stmts(body));
                out.extend(flat_stmts(orelse));
            }
            StmtKind::With { body, .. } | StmtKind::Try { body, .. } => {
                out.extend(flat_stmts(body))
            }
            _ => out.push(s),
        }
    }
    out
}

/// Counts arithmetic operators in an expression (a per-execution flop estimate).
pub(crate) fn arith_ops(e: &Expr) -> f64 {
    let mut n = 0.0;
    e.walk(&mut |x| {
        if let ExprKind::BinOp { op, .. } = &x.kind {
            if matches!(
                op,
                BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Pow
            ) {
                n += 1.0;
            }
        }
    });
    n
}

/// Whether the expression calls a function whose canonical name ends with one of `names`.
pub(crate) fn calls_any(it: &dyn Host, e: &Expr, names: &[&str]) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        if found {
            return;
        }
        if let ExprKind::Call { func, .. } = &x.kind {
            let q = it.qual_of(func).or_else(|| func.dotted());
            if let Some(q) = q {
                if names
                    .iter()
                    .any(|n| q == *n || q.ends_with(&format!(".{n}")))
                {
                    found = true;
                }
            }
        }
    });
    found
}

pub(crate) fn mentions_pi(it: &dyn Host, e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| match &x.kind {
        ExprKind::Name(n) if n == "pi" => found = true,
        ExprKind::Attribute { attr, .. } if attr == "pi" => found = true,
        ExprKind::Float(f)
            if (*f - std::f64::consts::PI).abs() < 1e-3
                || (*f - std::f64::consts::TAU).abs() < 1e-3 =>
        {
            found = true
        }
        ExprKind::Name(n) => {
            if let Some(Value::Float(Some(f))) = it.lookup(n) {
                if (f - std::f64::consts::PI).abs() < 1e-6
                    || (f - std::f64::consts::TAU).abs() < 1e-6
                {
                    found = true;
                }
            }
        }
        _ => {}
    });
    found
}
