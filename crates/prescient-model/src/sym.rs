//! Symbolic arithmetic over sizes and counts.
//!
//! A [`Sym`] is a small expression over named unknowns (`n`, `len(data)`, ...) and
//! numbers. Constructors simplify eagerly (constant folding, flattening, collecting
//! like terms) so that concrete programs stay concrete and symbolic ones print
//! readably (`2*n^3`). Values are `f64`: sizes beyond 2^53 lose exactness, which is
//! irrelevant at the precision of a cost model.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq)]
pub enum Sym {
    Num(f64),
    Var(Arc<str>),
    Add(Vec<Sym>),
    Mul(Vec<Sym>),
    Div(Box<Sym>, Box<Sym>),
    FloorDiv(Box<Sym>, Box<Sym>),
    Pow(Box<Sym>, Box<Sym>),
    Max(Vec<Sym>),
    Min(Vec<Sym>),
    Log2(Box<Sym>),
}

impl From<f64> for Sym {
    fn from(v: f64) -> Self {
        Sym::Num(v)
    }
}
impl From<i64> for Sym {
    fn from(v: i64) -> Self {
        Sym::Num(v as f64)
    }
}
impl From<usize> for Sym {
    fn from(v: usize) -> Self {
        Sym::Num(v as f64)
    }
}

/// Upper bound on terms kept in one sum or product; past it the expression is
/// widened to a fresh opaque form, so hostile programs cannot grow it without limit.
const MAX_TERMS: usize = 64;

impl Sym {
    pub fn num(v: f64) -> Sym {
        Sym::Num(v)
    }
    pub fn var(name: &str) -> Sym {
        Sym::Var(Arc::from(name))
    }
    pub fn zero() -> Sym {
        Sym::Num(0.0)
    }
    pub fn one() -> Sym {
        Sym::Num(1.0)
    }

    pub fn as_num(&self) -> Option<f64> {
        match self {
            Sym::Num(v) => Some(*v),
            _ => None,
        }
    }

    /// The value as an integer, when it is a concrete whole number.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Sym::Num(v) if v.fract() == 0.0 && v.abs() < 9.0e15 => Some(*v as i64),
            _ => None,
        }
    }

    pub fn is_num(&self, v: f64) -> bool {
        matches!(self, Sym::Num(x) if *x == v)
    }

    pub fn add(&self, other: &Sym) -> Sym {
        Sym::sum([self.clone(), other.clone()])
    }
    pub fn sub(&self, other: &Sym) -> Sym {
        Sym::sum([self.clone(), other.scale(-1.0)])
    }
    pub fn mul(&self, other: &Sym) -> Sym {
        Sym::product([self.clone(), other.clone()])
    }
    pub fn scale(&self, k: f64) -> Sym {
        Sym::product([Sym::Num(k), self.clone()])
    }

    pub fn div(&self, other: &Sym) -> Sym {
        match (self, other) {
            (_, Sym::Num(b)) if *b == 1.0 => self.clone(),
            (Sym::Num(a), Sym::Num(b)) if *b != 0.0 => Sym::Num(a / b),
            (_, Sym::Num(b)) if *b != 0.0 => self.scale(1.0 / b),
            (a, b) if a == b => Sym::one(),
            _ => Sym::Div(Box::new(self.clone()), Box::new(other.clone())),
        }
    }

    pub fn floordiv(&self, other: &Sym) -> Sym {
        match (self, other) {
            (_, Sym::Num(b)) if *b == 1.0 => self.clone(),
            (Sym::Num(a), Sym::Num(b)) if *b != 0.0 => Sym::Num((a / b).floor()),
            (a, b) if a == b => Sym::one(),
            _ => Sym::FloorDiv(Box::new(self.clone()), Box::new(other.clone())),
        }
    }

    pub fn pow(&self, e: &Sym) -> Sym {
        match (self, e) {
            // Too large for a float (big integers): kept symbolic, so that its
            // bit length stays known (`log2_big`).
            (Sym::Num(a), Sym::Num(b)) if !a.powf(*b).is_finite() => {
                Sym::Pow(Box::new(self.clone()), Box::new(e.clone()))
            }
            (Sym::Num(a), Sym::Num(b)) => Sym::Num(a.powf(*b)),
            (_, Sym::Num(b)) if *b == 1.0 => self.clone(),
            (_, Sym::Num(b)) if *b == 0.0 => Sym::one(),
            (_, Sym::Num(b)) if *b == 2.0 || *b == 3.0 => {
                Sym::product(std::iter::repeat_n(self.clone(), *b as usize))
            }
            _ => Sym::Pow(Box::new(self.clone()), Box::new(e.clone())),
        }
    }

    pub fn log2(&self) -> Sym {
        match self {
            Sym::Num(a) => Sym::Num(if *a > 1.0 { a.log2() } else { 0.0 }),
            _ => Sym::Log2(Box::new(self.clone())),
        }
    }

    /// log2 of a value that may be too large for a float (a big integer):
    /// exact for powers and products, the dominant term for sums and maxima.
    pub fn log2_big(&self) -> Sym {
        match self {
            Sym::Pow(a, b) => b.mul(&a.log2_big()),
            Sym::Mul(v) => Sym::sum(v.iter().map(|t| t.log2_big())),
            Sym::Add(v) | Sym::Max(v) => {
                let env = |_: &str| Some(1000.0);
                v.iter()
                    .map(|t| t.log2_big())
                    .max_by(|a, b| {
                        let x = a.eval(&env).unwrap_or(0.0);
                        let y = b.eval(&env).unwrap_or(0.0);
                        x.total_cmp(&y)
                    })
                    .unwrap_or_else(Sym::zero)
            }
            _ => self.log2(),
        }
    }

    pub fn max(&self, other: &Sym) -> Sym {
        match (self, other) {
            (Sym::Num(a), Sym::Num(b)) => Sym::Num(a.max(*b)),
            (a, b) if a == b => a.clone(),
            _ => Sym::Max(vec![self.clone(), other.clone()]),
        }
    }

    pub fn min(&self, other: &Sym) -> Sym {
        match (self, other) {
            (Sym::Num(a), Sym::Num(b)) => Sym::Num(a.min(*b)),
            (a, b) if a == b => a.clone(),
            _ => Sym::Min(vec![self.clone(), other.clone()]),
        }
    }

    /// `max(self, 0)`: used for counts that cannot go negative.
    pub fn clamp0(&self) -> Sym {
        match self {
            Sym::Num(a) => Sym::Num(a.max(0.0)),
            // Symbolic sizes clamp too: `n - trips` with `trips` an assumed
            // unknown (a `while` loop that pops) evaluated below zero, and
            // a loop over the rest ran a negative number of times.
            Sym::Var(_) => self.clone(),
            _ => self.max(&Sym::zero()),
        }
    }

    /// Sum with flattening, constant folding and collection of like terms.
    pub fn sum(terms: impl IntoIterator<Item = Sym>) -> Sym {
        let mut constant = 0.0;
        let mut collected: Vec<(f64, Sym)> = Vec::new();
        let mut stack: Vec<Sym> = terms.into_iter().collect();
        while let Some(t) = stack.pop() {
            match t {
                Sym::Num(v) => constant += v,
                Sym::Add(inner) => stack.extend(inner),
                other => {
                    let (k, rest) = other.split_coef();
                    if let Some(slot) = collected.iter_mut().find(|(_, r)| *r == rest) {
                        slot.0 += k;
                    } else {
                        collected.push((k, rest));
                    }
                }
            }
        }
        let mut out: Vec<Sym> = collected
            .into_iter()
            .filter(|(k, _)| *k != 0.0)
            .map(|(k, r)| {
                if k == 1.0 {
                    r
                } else {
                    Sym::product([Sym::Num(k), r])
                }
            })
            .collect();
        out.sort_by_cached_key(|s| s.to_string());
        if constant != 0.0 || out.is_empty() {
            out.push(Sym::Num(constant));
        }
        out.truncate(MAX_TERMS);
        if out.len() == 1 {
            out.pop().unwrap()
        } else {
            Sym::Add(out)
        }
    }

    /// Product with flattening and constant folding.
    pub fn product(factors: impl IntoIterator<Item = Sym>) -> Sym {
        let mut constant = 1.0;
        let mut out: Vec<Sym> = Vec::new();
        let mut stack: Vec<Sym> = factors.into_iter().collect();
        while let Some(f) = stack.pop() {
            match f {
                Sym::Num(v) => constant *= v,
                Sym::Mul(inner) => stack.extend(inner),
                other => out.push(other),
            }
        }
        if constant == 0.0 {
            return Sym::zero();
        }
        out.sort_by_cached_key(|s| s.to_string());
        out.truncate(MAX_TERMS);
        if out.is_empty() {
            return Sym::Num(constant);
        }
        if constant != 1.0 {
            out.insert(0, Sym::Num(constant));
        }
        if out.len() == 1 {
            out.pop().unwrap()
        } else {
            Sym::Mul(out)
        }
    }

    /// Splits `k*rest` into its numeric coefficient and the rest.
    fn split_coef(self) -> (f64, Sym) {
        match self {
            Sym::Mul(mut fs) => {
                if let Some(Sym::Num(k)) = fs.first().cloned() {
                    fs.remove(0);
                    let rest = if fs.len() == 1 {
                        fs.pop().unwrap()
                    } else {
                        Sym::Mul(fs)
                    };
                    (k, rest)
                } else {
                    (1.0, Sym::Mul(fs))
                }
            }
            other => (1.0, other),
        }
    }

    /// Evaluates with values for the free symbols; `None` if one is missing.
    pub fn eval(&self, env: &dyn Fn(&str) -> Option<f64>) -> Option<f64> {
        Some(match self {
            Sym::Num(v) => *v,
            Sym::Var(n) => env(n)?,
            Sym::Add(v) => {
                let mut s = 0.0;
                for t in v {
                    s += t.eval(env)?;
                }
                s
            }
            Sym::Mul(v) => {
                let mut p = 1.0;
                for t in v {
                    p *= t.eval(env)?;
                }
                p
            }
            Sym::Div(a, b) => {
                let d = b.eval(env)?;
                if d == 0.0 {
                    0.0
                } else {
                    a.eval(env)? / d
                }
            }
            Sym::FloorDiv(a, b) => {
                let d = b.eval(env)?;
                if d == 0.0 {
                    0.0
                } else {
                    (a.eval(env)? / d).floor()
                }
            }
            Sym::Pow(a, b) => a.eval(env)?.powf(b.eval(env)?),
            Sym::Max(v) => v
                .iter()
                .map(|t| t.eval(env))
                .collect::<Option<Vec<_>>>()?
                .into_iter()
                .fold(f64::NEG_INFINITY, f64::max),
            Sym::Min(v) => v
                .iter()
                .map(|t| t.eval(env))
                .collect::<Option<Vec<_>>>()?
                .into_iter()
                .fold(f64::INFINITY, f64::min),
            Sym::Log2(a) => {
                let x = a.eval(env)?;
                if x > 1.0 {
                    x.log2()
                } else {
                    0.0
                }
            }
        })
    }

    /// Replaces symbol `name` by `value` and re-simplifies.
    pub fn subst(&self, name: &str, value: &Sym) -> Sym {
        match self {
            Sym::Num(_) => self.clone(),
            Sym::Var(n) if &**n == name => value.clone(),
            Sym::Var(_) => self.clone(),
            Sym::Add(v) => Sym::sum(v.iter().map(|t| t.subst(name, value))),
            Sym::Mul(v) => Sym::product(v.iter().map(|t| t.subst(name, value))),
            Sym::Div(a, b) => a.subst(name, value).div(&b.subst(name, value)),
            Sym::FloorDiv(a, b) => a.subst(name, value).floordiv(&b.subst(name, value)),
            Sym::Pow(a, b) => a.subst(name, value).pow(&b.subst(name, value)),
            Sym::Max(v) => v
                .iter()
                .map(|t| t.subst(name, value))
                .reduce(|a, b| a.max(&b))
                .unwrap_or_else(Sym::zero),
            Sym::Min(v) => v
                .iter()
                .map(|t| t.subst(name, value))
                .reduce(|a, b| a.min(&b))
                .unwrap_or_else(Sym::zero),
            Sym::Log2(a) => a.subst(name, value).log2(),
        }
    }

    /// The free symbols.
    pub fn vars(&self) -> BTreeSet<Arc<str>> {
        let mut out = BTreeSet::new();
        self.collect_vars(&mut out);
        out
    }

    fn collect_vars(&self, out: &mut BTreeSet<Arc<str>>) {
        match self {
            Sym::Num(_) => {}
            Sym::Var(n) => {
                out.insert(n.clone());
            }
            Sym::Add(v) | Sym::Mul(v) | Sym::Max(v) | Sym::Min(v) => {
                v.iter().for_each(|t| t.collect_vars(out))
            }
            Sym::Div(a, b) | Sym::FloorDiv(a, b) | Sym::Pow(a, b) => {
                a.collect_vars(out);
                b.collect_vars(out)
            }
            Sym::Log2(a) => a.collect_vars(out),
        }
    }

    fn precedence(&self) -> u8 {
        match self {
            Sym::Add(_) => 1,
            Sym::Mul(_) | Sym::Div(..) | Sym::FloorDiv(..) => 2,
            Sym::Pow(..) => 3,
            Sym::Num(v) if *v < 0.0 => 1,
            _ => 4,
        }
    }

    fn fmt_child(&self, parent: u8, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.precedence() <= parent {
            write!(f, "({self})")
        } else {
            write!(f, "{self}")
        }
    }
}

/// Formats a number compactly: integers without a fraction, others to 4 significant digits.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sym::Num(v) => f.write_str(&fmt_num(*v)),
            Sym::Var(n) => f.write_str(n),
            Sym::Add(v) => {
                for (i, t) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" + ")?;
                    }
                    t.fmt_child(0, f)?;
                }
                Ok(())
            }
            Sym::Mul(v) => {
                // Show repeated factors as powers: n*n*n -> n^3.
                let mut i = 0;
                let mut first = true;
                while i < v.len() {
                    let mut j = i + 1;
                    while j < v.len() && v[j] == v[i] {
                        j += 1;
                    }
                    if !first {
                        f.write_str("*")?;
                    }
                    first = false;
                    v[i].fmt_child(2, f)?;
                    if j - i > 1 {
                        write!(f, "^{}", j - i)?;
                    }
                    i = j;
                }
                Ok(())
            }
            Sym::Div(a, b) => {
                a.fmt_child(1, f)?;
                f.write_str("/")?;
                b.fmt_child(2, f)
            }
            Sym::FloorDiv(a, b) => {
                a.fmt_child(1, f)?;
                f.write_str("//")?;
                b.fmt_child(2, f)
            }
            Sym::Pow(a, b) => {
                a.fmt_child(3, f)?;
                f.write_str("^")?;
                b.fmt_child(3, f)
            }
            Sym::Max(v) | Sym::Min(v) => {
                f.write_str(if matches!(self, Sym::Max(_)) {
                    "max("
                } else {
                    "min("
                })?;
                for (i, t) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str(")")
            }
            Sym::Log2(a) => write!(f, "log2({a})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symbolic_count_clamps_at_zero() {
        // Three items less an assumed 100 pops: none left, not -97.
        let left = Sym::num(3.0).sub(&Sym::var("trips")).clamp0();
        let env = |v: &str| (v == "trips").then_some(100.0);
        assert_eq!(left.eval(&env), Some(0.0));
        let env = |v: &str| (v == "trips").then_some(1.0);
        assert_eq!(left.eval(&env), Some(2.0));
    }

    #[test]
    fn folds_constants() {
        let s = Sym::num(2.0).mul(&Sym::num(3.0)).add(&Sym::num(1.0));
        assert_eq!(s, Sym::Num(7.0));
    }

    #[test]
    fn collects_like_terms_and_prints_powers() {
        let n = Sym::var("n");
        let s = n.mul(&n).mul(&n).scale(2.0);
        assert_eq!(s.to_string(), "2*n^3");
        let t = n.add(&n);
        assert_eq!(t.to_string(), "2*n");
        assert_eq!(n.sub(&n), Sym::zero());
    }

    #[test]
    fn evaluates_and_substitutes() {
        let n = Sym::var("n");
        let m = Sym::var("m");
        let s = n.mul(&m).add(&Sym::num(4.0));
        let env = |k: &str| match k {
            "n" => Some(3.0),
            "m" => Some(5.0),
            _ => None,
        };
        assert_eq!(s.eval(&env), Some(19.0));
        assert_eq!(s.subst("n", &Sym::num(2.0)).to_string(), "2*m + 4");
        assert_eq!(s.vars().len(), 2);
    }

    proptest::proptest! {
        #[test]
        fn simplification_preserves_value(a in -50i64..50, b in -50i64..50, c in 1i64..20) {
            let x = Sym::var("x");
            let e = x.scale(a as f64).add(&Sym::from(b)).mul(&x).add(&x.scale(c as f64));
            let env = |_: &str| Some(c as f64);
            let direct = (a * c + b) * c + c * c;
            proptest::prop_assert_eq!(e.eval(&env), Some(direct as f64));
        }
    }
}
