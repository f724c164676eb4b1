//! Which integer literals of a program are its problem sizes.
//!
//! A scaled run is the same program on a smaller problem: sizes read from
//! the command line or passed as arguments are shrunk ([`super::Setup`]).
//! Programs as users write them also hard-code their sizes (`for day in
//! range(730)`, `simulate(rng, 150000)`, `n = int(sys.argv[1]) if
//! len(sys.argv) > 1 else 60000`); unscaled, such a program is too long to
//! run at any rung of the ladder and its counts stay unmeasured. This pass
//! finds the literals that set how much work runs, by where they flow:
//!
//! - into `range(...)`, a repetition (`[0] * n`), or the test of a `while`
//!   loop, directly or through arithmetic;
//! - into a name used so, by assignment (`n = 60000`, also through another
//!   name) or as the argument of a parameter used so (`def f(days):
//!   range(days)`; `f(rng, 150000)`), or as that parameter's default;
//! - as the default of a command-line read (`... if len(sys.argv) > 1 else
//!   60000`), scaled as the command line itself is.
//!
//! Names are matched by name across the module, not by scope: a size name
//! in one function makes a literal bound to the same name in another a
//! size too. That errs towards shrinking; a run the shrink breaks (a table
//! of 256 entries indexed by byte) is retried unscaled by the caller.

use super::At;
use prescient_syntax::ast::*;
use std::collections::{HashMap, HashSet};

/// Rounds of propagation through names and parameters: each follows one
/// more hop (`main` binds `n`, passes it to `simulate(days)`, which passes
/// it on).
const ROUNDS: usize = 4;

/// The positions of the integer literals of `body` that are sizes.
pub(crate) fn size_literals(body: &[Stmt]) -> HashSet<At> {
    let mut defs: HashMap<&str, Vec<&FunctionDef>> = HashMap::new();
    let mut stmts: Vec<&Stmt> = Vec::new();
    for s in body {
        s.walk(&mut |st| {
            stmts.push(st);
            if let StmtKind::FunctionDef(d) = &st.kind {
                defs.entry(d.name.as_str()).or_default().push(d);
            }
        });
    }
    let mut exprs: Vec<&Expr> = Vec::new();
    for st in &stmts {
        for e in st.exprs() {
            e.walk(&mut |x| exprs.push(x));
        }
    }

    let mut found = Sizes::default();
    // Where sizes are used: range arguments, repetitions, while tests.
    for e in &exprs {
        match &e.kind {
            ExprKind::Call { func, args, .. } if func.as_name() == Some("range") => {
                args.iter().for_each(|a| found.add(a));
            }
            ExprKind::BinOp {
                left,
                op: BinOp::Mul,
                right,
            } => {
                if is_display(left) {
                    found.add(right);
                } else if is_display(right) {
                    found.add(left);
                }
            }
            ExprKind::IfExp { test, orelse, .. } if reads_argv(test) => found.add(orelse),
            _ => {}
        }
    }
    for st in &stmts {
        if let StmtKind::While { test, .. } = &st.kind {
            test.walk(&mut |x| {
                if let ExprKind::Compare {
                    left, comparators, ..
                } = &x.kind
                {
                    found.add(left);
                    comparators.iter().for_each(|c| found.add(c));
                }
            });
        }
    }
    for _ in 0..ROUNDS {
        let before = (found.names.len(), found.literals.len());
        // A size name's binding: its value is a size.
        for st in &stmts {
            match &st.kind {
                StmtKind::Assign { targets, value }
                    if targets.iter().any(|t| found.is_size_name(t)) =>
                {
                    found.add(value)
                }
                StmtKind::AnnAssign {
                    target,
                    value: Some(value),
                } if found.is_size_name(target) => found.add(value),
                StmtKind::FunctionDef(d) => {
                    for p in d.params.positional.iter().chain(&d.params.kwonly) {
                        if let Some(default) = &p.default {
                            if found.names.contains(&p.name) {
                                found.add(default);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        // An argument given to a size parameter is a size.
        for e in &exprs {
            let ExprKind::Call {
                func,
                args,
                keywords,
            } = &e.kind
            else {
                continue;
            };
            let (name, method) = match &func.kind {
                ExprKind::Name(n) => (n.as_str(), false),
                ExprKind::Attribute { attr, .. } => (attr.as_str(), true),
                _ => continue,
            };
            let Some(candidates) = defs.get(name) else {
                continue;
            };
            for d in candidates {
                // A method called on an object skips its receiver.
                let skip = usize::from(
                    method
                        && d.params
                            .positional
                            .first()
                            .is_some_and(|p| p.name == "self" || p.name == "cls"),
                );
                for (a, p) in args.iter().zip(d.params.positional.iter().skip(skip)) {
                    if found.names.contains(&p.name) {
                        found.add(a);
                    }
                }
                for k in keywords {
                    if k.name.as_ref().is_some_and(|n| found.names.contains(n)) {
                        found.add(&k.value);
                    }
                }
            }
        }
        if (found.names.len(), found.literals.len()) == before {
            break;
        }
    }
    found.literals
}

#[derive(Default)]
struct Sizes {
    names: HashSet<String>,
    literals: HashSet<At>,
}

impl Sizes {
    /// `e` sets a size: its literals and names are sizes, through
    /// arithmetic, conversions and conditional values (not through a
    /// subscript or a call of anything else: `len(xs)` is the data's).
    fn add(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Int(Some(_)) => {
                self.literals.insert((e.span.line, e.span.col));
            }
            ExprKind::Name(n) => {
                self.names.insert(n.clone());
            }
            ExprKind::BinOp { left, right, .. } => {
                self.add(left);
                self.add(right);
            }
            ExprKind::UnaryOp { operand, .. } => self.add(operand),
            ExprKind::IfExp { body, orelse, .. } => {
                self.add(body);
                self.add(orelse);
            }
            ExprKind::Call { func, args, .. }
                if matches!(
                    func.as_name(),
                    Some("int" | "round" | "min" | "max" | "abs")
                ) =>
            {
                args.iter().for_each(|a| self.add(a));
            }
            _ => {}
        }
    }

    fn is_size_name(&self, target: &Expr) -> bool {
        target.as_name().is_some_and(|n| self.names.contains(n))
    }
}

/// `[0] * n`, `"-" * n`: a display repeated.
fn is_display(e: &Expr) -> bool {
    matches!(
        e.kind,
        ExprKind::List(_) | ExprKind::Tuple(_) | ExprKind::Str(_)
    )
}

/// Whether `e` reads the command line (`len(sys.argv) > 1`).
fn reads_argv(e: &Expr) -> bool {
    let mut found = false;
    e.walk(&mut |x| {
        found |= x.dotted().as_deref() == Some("sys.argv");
    });
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The literals found, as `line:value`.
    fn sizes(src: &str) -> Vec<String> {
        let m = prescient_syntax::parse(src).expect("parses");
        let found = size_literals(&m.body);
        let mut out = Vec::new();
        for s in &m.body {
            s.walk(&mut |st| {
                let mut exprs: Vec<&Expr> = st.exprs();
                if let StmtKind::FunctionDef(d) = &st.kind {
                    exprs.extend(
                        d.params
                            .positional
                            .iter()
                            .filter_map(|p| p.default.as_ref()),
                    );
                }
                for e in exprs {
                    e.walk(&mut |x| {
                        if let ExprKind::Int(Some(v @ 64..)) = x.kind {
                            if found.contains(&(x.span.line, x.span.col)) {
                                out.push(format!("{}:{v}", x.span.line));
                            }
                        }
                    });
                }
            });
        }
        out.sort();
        out.dedup();
        out
    }

    #[test]
    fn literals_that_set_the_work_are_sizes() {
        let src = r#"
import sys
WIDTH = 640
SEED = 12345

def simulate(rng, days, rate=0.5):
    out = []
    for d in range(days - 1):
        out.append(d % 1000)
    return out

def grid(n=300):
    return [[0] * n for _ in range(n)]

def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 60000
    limit = n
    i = 0
    while i < limit:
        i += 1
    simulate(None, 150000)
    row = [0] * WIDTH
    for _ in range(730):
        pass
    threshold = 5000
    return SEED, threshold
"#;
        // `% 1000`, the seed and a threshold never used as a size stay.
        assert_eq!(
            sizes(src),
            ["12:300", "16:60000", "21:150000", "23:730", "3:640"]
        );
    }

    #[test]
    fn a_method_argument_skips_the_receiver() {
        let src = r#"
class Sim:
    def run(self, steps):
        for _ in range(steps):
            pass

def main():
    Sim().run(5000)
"#;
        assert_eq!(sizes(src), ["8:5000"]);
    }
}
