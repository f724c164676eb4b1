//! From the analysis's abstract values to concrete ones: only values known
//! completely convert; anything else stops the run before it starts.

use super::exec::{memo_decorated, unsupported, Exec, MAX_ITEMS};
use super::value::*;
use super::Stop;
use crate::value::{Callable, SeqItems, SeqKind, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// Integers from this size up are sizes a scaled run shrinks.
pub(crate) const SCALED_FROM: i64 = 64;

impl Exec<'_> {
    /// An argument's integer as the run sees it: sizes shrunk by the
    /// run's scale while its arguments convert.
    fn scaled(&mut self, v: i64) -> i64 {
        self.shrink(v, self.scale)
    }

    /// An integer size shrunk by `scale` (below 1): its magnitude times the
    /// scale, at least 2, its sign kept; integers below [`SCALED_FROM`] are
    /// no sizes and stay. The smallest size a shrink leaves is recorded.
    pub(super) fn shrink(&mut self, v: i64, scale: f64) -> i64 {
        if scale >= 1.0 || v.abs() < SCALED_FROM {
            return v;
        }
        let s = ((v.unsigned_abs() as f64 * scale).round() as i64).max(2);
        self.smallest = self.smallest.min(s);
        v.signum() * s
    }

    pub(crate) fn convert(&mut self, v: &Value) -> Result<CV, Stop> {
        self.step(1)?;
        Ok(match v {
            Value::None => CV::None,
            Value::Bool(Some(b)) => CV::Bool(*b),
            Value::Int(s) => match s.as_num() {
                Some(x) if x.fract() == 0.0 && x.abs() < 9.0e18 => CV::Int(self.scaled(x as i64)),
                _ => return unsupported("an integer not known"),
            },
            Value::Float(Some(f)) => CV::Float(*f),
            Value::Str { text: Some(t), .. } => CV::Str(Rc::from(&**t)),
            Value::Seq {
                kind,
                items: SeqItems::Known(items),
            } => {
                let mut vals = Vec::with_capacity(items.len());
                for i in items {
                    vals.push(self.convert(i)?);
                }
                match kind {
                    SeqKind::List => CV::list(vals),
                    SeqKind::Tuple => CV::tuple(vals),
                    SeqKind::Set => self.make_set(vals)?,
                    SeqKind::Dict => {
                        let mut t = Table::default();
                        for pair in vals {
                            let CV::Tuple(kv) = pair else {
                                return unsupported("a dict not known");
                            };
                            let key = key_of(&kv[0])
                                .map_err(|_| Stop::Unsupported("an unhashable key".into()))?;
                            t.insert(key, kv[0].clone(), kv[1].clone());
                        }
                        CV::Dict(Rc::new(RefCell::new(t)))
                    }
                }
            }
            // `[0] * n`, `[None] * n`: every item the same known value.
            Value::Seq {
                kind: kind @ (SeqKind::List | SeqKind::Tuple),
                items:
                    SeqItems::Homog {
                        elem,
                        len,
                        lazy: false,
                        ..
                    },
            } => {
                let n = match len.as_num() {
                    Some(n) if n >= 0.0 && n.fract() == 0.0 && n <= MAX_ITEMS as f64 => {
                        self.scaled(n as i64) as usize
                    }
                    _ => return unsupported("a list of unknown length"),
                };
                let item = self.convert(elem)?;
                if !matches!(
                    item,
                    CV::None | CV::Bool(_) | CV::Int(_) | CV::Float(_) | CV::Str(_)
                ) {
                    return unsupported("a list of objects not known one by one");
                }
                self.alloc(n)?;
                let items = vec![item; n];
                match kind {
                    SeqKind::List => CV::list(items),
                    _ => CV::tuple(items),
                }
            }
            Value::Range { start, stop, step } => {
                match (start.as_int(), stop.as_int(), step.as_int()) {
                    (Some(a), Some(b), Some(c)) if c != 0 => CV::Range(a, b, c),
                    _ => return unsupported("a range not known"),
                }
            }
            Value::Func(f) => {
                if let Some(g) = self.funcs.get(&f.id) {
                    return Ok(CV::Func(g.clone()));
                }
                let body = match &f.callable {
                    Callable::Def(d) => Body::Def(d.clone()),
                    Callable::Lambda { params, body } => Body::Lambda(params.clone(), body.clone()),
                };
                let (generator, memo) = match &f.callable {
                    Callable::Def(d) => (super::exec::yields(&d.body), memo_decorated(d)?),
                    Callable::Lambda { .. } => (false, None),
                };
                // The closure's names convert as they are used; the function
                // is registered first, so that a closure holding it (a
                // recursive nested function) finds it.
                let env: Env = Rc::new(RefCell::new(HashMap::new()));
                let mut defaults = HashMap::new();
                for (k, d) in &f.defaults {
                    defaults.insert(k.clone(), self.convert(d)?);
                }
                let g = Rc::new(CFunc {
                    name: f.name.clone(),
                    body,
                    defaults,
                    env: if f.closure.is_some() {
                        vec![env.clone()]
                    } else {
                        Vec::new()
                    },
                    generator,
                    memo,
                });
                self.funcs.insert(f.id, g.clone());
                if let Some(closure) = &f.closure {
                    let bindings: Vec<(String, Value)> = closure
                        .borrow()
                        .iter()
                        .map(|(k, v)| (k.clone(), v.clone()))
                        .collect();
                    for (k, v) in bindings {
                        // A name that does not convert is left out: using it
                        // stops the run then.
                        if let Ok(c) = self.convert(&v) {
                            env.borrow_mut().insert(k, c);
                        }
                    }
                }
                CV::Func(g)
            }
            Value::Class(c) => CV::Class(c.clone()),
            Value::Instance { class, attrs } => {
                let id = Rc::as_ptr(attrs) as *const u8 as usize;
                if let Some(v) = self.objects.get(&id) {
                    return Ok(v.clone());
                }
                let inst = Rc::new(Inst {
                    class: class.clone(),
                    attrs: RefCell::new(HashMap::new()),
                });
                let cv = CV::Instance(inst.clone());
                self.objects.insert(id, cv.clone());
                let fields: Vec<(String, Value)> = attrs
                    .borrow()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                for (k, v) in fields {
                    let c = self.convert(&v)?;
                    inst.attrs.borrow_mut().insert(k, c);
                }
                cv
            }
            Value::Method { func, recv } => {
                let f = self.func(func)?;
                let r = self.convert(recv)?;
                CV::Method(f, Box::new(r))
            }
            Value::Lib(q) => {
                super::builtins::lib_constant(q).unwrap_or_else(|| CV::Lib(Rc::from(&**q)))
            }
            Value::Obj { class, .. } if is_rng(class) => {
                // A generator seeded apart from the module's: its draws are
                // only statistically those of the program.
                let seed = self.objects.len() as u64 * 7919 + 17;
                CV::Rng(Rc::new(RefCell::new(Rng::new(seed))))
            }
            other => return unsupported(format!("a value not known ({})", other.describe())),
        })
    }
}

fn is_rng(class: &str) -> bool {
    matches!(class, "random.Random" | "random.SystemRandom")
}
