//! How many distinct keys a loop's stores make.
//!
//! A dict or set filled in a loop holds one entry per distinct key, not one
//! per store. Where the key is drawn from a known number of values (a random
//! id `rng.randrange(2000)`, a pair of them `(a, b)`, `i % 97`, a loop
//! counter, an element of `rng.sample(range(n), k)`), `n` stores drawn
//! from `U` values give `U (1 - e^(-n/U))` distinct keys: all of them while
//! `n` is small against `U`, and `U` once the draws cover it. Where the
//! number of values is not known (words of a text), counting stores fall
//! back to Heaps' law, `10 sqrt(n)`, and other stores to a new key each.
//!
//! The number of values an expression takes, its *variety*, is read from
//! the expression and from the varieties noted for the names it uses:
//! a name bound in a loop to an expression of known variety, a loop counter
//! (its loop's trip count), and a name iterating a container whose elements'
//! variety is known.

use super::*;
use prescient_syntax::ast::{BinOp, Expr, ExprKind};

/// The values an expression takes: how many, and whether they come as
/// random draws (a key may come again at any time) or in turn (a loop
/// counter's values, each once per pass).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Values {
    pub count: f64,
    pub drawn: bool,
}

impl Values {
    fn in_turn(count: f64) -> Values {
        Values {
            count: count.max(1.0),
            drawn: false,
        }
    }

    fn drawn(count: f64) -> Values {
        Values {
            count: count.max(1.0),
            drawn: true,
        }
    }

    /// The values of a pair, a sum, a formatted string of two parts.
    fn and(self, o: Values) -> Values {
        Values {
            count: self.count * o.count,
            drawn: self.drawn || o.drawn,
        }
    }

    /// Distinct values among `n` of them: every value in turn until they
    /// are all seen, or `count (1 - e^(-n/count))` of random draws.
    pub(crate) fn distinct(self, n: f64) -> f64 {
        if n <= 0.0 || n.is_nan() {
            return 0.0;
        }
        // More values than can be counted (a product of many parts): every
        // key is new.
        if !self.count.is_finite() {
            return n;
        }
        if self.drawn {
            // With `-expm1` for precision when n << count.
            self.count * -(-n / self.count).exp_m1()
        } else {
            n.min(self.count)
        }
    }
}

/// What is known of the values a name takes in the loops running now.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Variety {
    /// The values the name itself takes.
    pub value: Option<Values>,
    /// The values among the elements of the container it holds.
    pub elems: Option<Values>,
}

/// Random draws whose values are counted, from their `(min, max)` or
/// `(n)` arguments.
fn random_values(qual: &str, args: &[Option<f64>]) -> Option<Values> {
    let a = |i: usize| args.get(i).copied().flatten();
    let count = match qual {
        "random.randrange"
        | "secrets.randbelow"
        | "numpy.random.randint"
        | "numpy.random.Generator.integers" => match (a(0), a(1)) {
            (Some(lo), Some(hi)) => hi - lo,
            (Some(n), None) => n,
            _ => return None,
        },
        "random.randint" => a(1)? - a(0)? + 1.0,
        "random.getrandbits" => 2f64.powf(a(0)?.min(60.0)),
        _ => return None,
    };
    (count >= 1.0).then(|| Values::drawn(count))
}

/// The names an assignment target binds: `a` and `b` in `a, (b, *c) = ...`,
/// none in `d[k] = ...` or `self.x = ...`, which bind no name.
fn bound_names(target: &Expr) -> Vec<String> {
    match &target.kind {
        ExprKind::Name(n) => vec![n.clone()],
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            items.iter().flat_map(bound_names).collect()
        }
        ExprKind::Starred(inner) => bound_names(inner),
        _ => Vec::new(),
    }
}

impl Interp<'_> {
    /// The canonical name a callee resolves to, methods of library objects
    /// included (`rng.randrange` on a `random.Random` is `random.randrange`).
    fn callee_qual(&self, func: &Expr) -> Option<String> {
        if let Some(q) = self.qual_of(func) {
            return Some(q);
        }
        let ExprKind::Attribute { value, attr } = &func.kind else {
            return None;
        };
        match self.peek(value)? {
            Value::Obj { class, .. } => Some(crate::kb::canonical(&format!("{class}.{attr}"))),
            _ => None,
        }
    }

    /// The values `e` takes while the current loops run, if that can be
    /// told from the program text.
    pub(crate) fn variety_of(&self, e: &Expr) -> Option<Values> {
        Some(match &e.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::NoneLit => Values::in_turn(1.0),
            ExprKind::Name(n) => return self.name_variety(n).value,
            ExprKind::Tuple(items) | ExprKind::FString { parts: items, .. } => items
                .iter()
                .map(|x| self.variety_of(x))
                .try_fold(Values::in_turn(1.0), |acc, v| v.map(|v| acc.and(v)))?,
            ExprKind::BinOp { left, op, right } => {
                let l = self.variety_of(left);
                match op {
                    BinOp::Mod => {
                        let m = right.as_int()?.unsigned_abs() as f64;
                        match l {
                            Some(l) => Values {
                                count: l.count.min(m),
                                drawn: l.drawn,
                            },
                            None => Values::drawn(m),
                        }
                    }
                    BinOp::FloorDiv | BinOp::RShift => {
                        let d = match op {
                            BinOp::FloorDiv => right.as_int()? as f64,
                            _ => 2f64.powi(right.as_int()?.clamp(0, 60) as i32),
                        };
                        let l = l?;
                        Values {
                            count: (l.count / d.abs().max(1.0)).max(1.0),
                            drawn: l.drawn,
                        }
                    }
                    _ => l?.and(self.variety_of(right)?),
                }
            }
            ExprKind::UnaryOp { operand, .. } => return self.variety_of(operand),
            ExprKind::Call { func, args, .. } => {
                let q = self.callee_qual(func)?;
                match q.as_str() {
                    "str" | "int" | "float" | "abs" | "repr" | "hash" | "tuple" | "frozenset"
                    | "str.lower" | "str.upper" => return self.variety_of(args.first()?),
                    "random.choice" | "secrets.choice" => {
                        let pop = args.first()?;
                        let len = self.peek(pop)?.len()?.as_num()?;
                        let count = self.elem_variety_of(pop).map_or(len, |v| v.count.min(len));
                        Values::drawn(count)
                    }
                    _ => {
                        let vals: Vec<Option<f64>> = args.iter().map(|a| self.number(a)).collect();
                        random_values(&q, &vals)?
                    }
                }
            }
            ExprKind::Subscript { value, index } => {
                // Picking elements by a key of known variety picks at most
                // that many different ones.
                let picked = self.variety_of(index)?;
                match self.elem_variety_of(value) {
                    Some(e) => Values {
                        count: picked.count.min(e.count),
                        drawn: picked.drawn || e.drawn,
                    },
                    None => picked,
                }
            }
            _ => return None,
        })
    }

    /// The value of a number written or bound to a name, if known.
    fn number(&self, e: &Expr) -> Option<f64> {
        match &e.kind {
            ExprKind::Int(Some(v)) => Some(*v as f64),
            ExprKind::UnaryOp { .. } => e.as_int().map(|v| v as f64),
            _ => self.peek(e)?.as_sym()?.as_num(),
        }
    }

    /// The values among the elements `e` holds, if known.
    pub(crate) fn elem_variety_of(&self, e: &Expr) -> Option<Values> {
        match &e.kind {
            ExprKind::Name(n) => self.name_variety(n).elems,
            ExprKind::Call { func, args, .. } => {
                let q = self.callee_qual(func)?;
                let first = args.first()?;
                match q.as_str() {
                    // `range(n)`, `range(a, b)`, `range(a, b, s)`: each value once.
                    "range" => {
                        let nums: Vec<f64> =
                            args.iter().map(|a| self.number(a)).collect::<Option<_>>()?;
                        let count = match nums.as_slice() {
                            [n] => *n,
                            [a, b] => b - a,
                            [a, b, s] if *s != 0.0 => (b - a) / s,
                            _ => return None,
                        };
                        Some(Values::in_turn(count))
                    }
                    // A sample drawn again each time the code runs.
                    "random.sample" | "random.choices" => {
                        self.elem_variety_of(first).map(|v| Values::drawn(v.count))
                    }
                    "sorted"
                    | "list"
                    | "set"
                    | "tuple"
                    | "reversed"
                    | "random.shuffle"
                    | "itertools.combinations"
                    | "itertools.permutations"
                    | "itertools.product" => self.elem_variety_of(first),
                    _ => None,
                }
            }
            ExprKind::Comp { elt, .. } => self.variety_of(elt),
            _ => None,
        }
    }

    fn name_variety(&self, n: &str) -> Variety {
        // A counter of a running loop takes one value per trip.
        let base = self.frames.last().map(|f| f.loop_base).unwrap_or(0);
        for l in self.loops[base.min(self.loops.len())..].iter().rev() {
            if l.counters.iter().any(|c| c == n) {
                return Variety {
                    value: Some(Values::in_turn(self.num(&l.trip))),
                    elems: None,
                };
            }
        }
        self.varieties().get(n).copied().unwrap_or_default()
    }

    fn varieties(&self) -> &HashMap<String, Variety> {
        match self.frames.last() {
            Some(f) => &f.variety,
            None => &self.variety,
        }
    }

    fn varieties_mut(&mut self) -> &mut HashMap<String, Variety> {
        match self.frames.last_mut() {
            Some(f) => &mut f.variety,
            None => &mut self.variety,
        }
    }

    /// Notes what an assignment to a plain name tells of its variety; any
    /// other binding of the name forgets it.
    pub(crate) fn note_variety(&mut self, target: &Expr, value: &Expr) {
        let Some(n) = target.as_name() else {
            for n in bound_names(target) {
                self.varieties_mut().remove(&n);
            }
            return;
        };
        let v = if self.loops.is_empty() {
            Variety {
                value: None,
                elems: self.elem_variety_of(value),
            }
        } else {
            Variety {
                value: self.variety_of(value),
                elems: self.elem_variety_of(value),
            }
        };
        if v.value.is_some() || v.elems.is_some() {
            self.varieties_mut().insert(n.to_string(), v);
        } else {
            self.varieties_mut().remove(n);
        }
    }

    /// Notes the variety of a loop's targets: the elements of what it
    /// iterates, for each name of `for a, b in combinations(xs, 2)` or
    /// `for x in xs`.
    pub(crate) fn note_loop_variety(&mut self, target: &Expr, iter: &Expr) {
        let elems = self.elem_variety_of(iter);
        for n in bound_names(target) {
            match elems {
                Some(e) => {
                    self.varieties_mut().insert(
                        n,
                        Variety {
                            value: Some(e),
                            elems: None,
                        },
                    );
                }
                None => {
                    self.varieties_mut().remove(&n);
                }
            }
        }
    }

    /// The share of stores into `container` under `key` that bring a key not
    /// stored before, over the stores the running loops make, where the
    /// key's variety is known (noted in the output when it matters).
    pub(crate) fn variety_share(&mut self, container: &Expr, key: &Expr) -> Option<f64> {
        if self.loops.is_empty() {
            return None;
        }
        let u = self.variety_of(key)?;
        let n = (self.mult_num * self.branch_share).max(1.0);
        let d = u.distinct(n);
        if d < 0.9 * n {
            self.note(format!(
                "line {}: `{}` stores under keys drawn from about {} values: {} distinct keys over {} stores",
                self.line,
                unparse::unparse(container),
                fmt_num(u.count.round()),
                fmt_num(d.round()),
                fmt_num(n.round())
            ));
        }
        Some((d / n).min(1.0))
    }

    /// The share of stores into `container` that add a new key, over the
    /// stores the running loops make: from the key's variety where it is
    /// known; else as a run of the program measured it on this line; else,
    /// where keys repeat (`repeats`), Heaps' law, and a new key per store
    /// otherwise.
    pub(crate) fn key_share(&mut self, container: &Expr, key: Option<&Expr>, repeats: bool) -> Sym {
        self.key_share_in(container, key, repeats, false)
    }

    /// [`Self::key_share`] of a store into a set (`set`) or into a dict:
    /// a run counts them apart ([`crate::concrete::set_slot`]).
    pub(crate) fn key_share_in(
        &mut self,
        container: &Expr,
        key: Option<&Expr>,
        repeats: bool,
        set: bool,
    ) -> Sym {
        if self.guard_share < 1.0 {
            // Under a first-visit guard the keys are new, but only that
            // share of the iterations stores one.
            return Sym::num(self.guard_share * self.branch_share);
        }
        if self.loops.is_empty() {
            return Sym::num(self.branch_share);
        }
        if let Some(share) = key.and_then(|k| self.variety_share(container, k)) {
            return Sym::num(self.branch_share * share);
        }
        // A run of the program counted the keys its stores here brought.
        let slot = if set {
            crate::concrete::set_slot(self.line)
        } else {
            self.line
        };
        if let Some(share) = self.oracle_key_share(slot) {
            return Sym::num(self.branch_share * share);
        }
        if !repeats {
            return Sym::num(self.branch_share);
        }
        let n = self.mult_num.max(1.0);
        let share = (10.0 / n.sqrt()).min(1.0);
        if share < 1.0 {
            self.note(format!(
                "line {}: `{}` counts under keys that repeat; its distinct keys over {} stores are assumed to be {}",
                self.line,
                unparse::unparse(container),
                fmt_num(n),
                fmt_num((10.0 * n.sqrt()).round())
            ));
        }
        Sym::num(share)
    }
}

#[cfg(test)]
mod tests {
    use super::Values;

    #[test]
    fn distinct_keys_saturate_at_the_values_drawn_from() {
        // Few draws from many values: nearly all distinct.
        assert!((Values::drawn(4e6).distinct(1000.0) - 1000.0).abs() < 1.0);
        // As many draws as values: 1 - 1/e of them.
        assert!((Values::drawn(1e4).distinct(1e4) / 1e4 - 0.632).abs() < 0.001);
        // Many draws: every value.
        assert!((Values::drawn(100.0).distinct(1e6) - 100.0).abs() < 1e-6);
        assert_eq!(Values::drawn(10.0).distinct(0.0), 0.0);
        assert_eq!(Values::drawn(f64::INFINITY).distinct(50.0), 50.0);
    }

    #[test]
    fn values_taken_in_turn_are_all_distinct_until_they_repeat() {
        assert_eq!(Values::in_turn(1e4).distinct(1e4), 1e4);
        assert_eq!(Values::in_turn(97.0).distinct(2e5), 97.0);
        // A pair of a counter and a draw is drawn.
        let pair = Values::in_turn(10.0).and(Values::drawn(10.0));
        assert_eq!(pair, Values::drawn(100.0));
    }
}
