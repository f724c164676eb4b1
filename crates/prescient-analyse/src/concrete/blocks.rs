//! Statements that open a block or a scope of their own: a class defined
//! inside a function, a `with` block, a `match` statement.
//!
//! Each used to stop the run, and with it every count of the program: a
//! script that times its phases with a context manager, defines a helper
//! class in `main()` or dispatches events with `match` kept every loop at
//! its assumed trips.

use super::exec::{class_id, raise, unsupported, Exec, Flow};
use super::value::*;
use super::Stop;
use crate::value::{is_record_class, record_fields, Callable, ClassVal, FuncVal, Value};
use prescient_syntax::ast::Pattern;
use prescient_syntax::ast::*;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

impl Exec<'_> {
    /// A class defined where a function runs (`class Index:` in `main()`).
    /// Its methods close over the function's names, as nested functions
    /// do; its other attributes are class attributes the run set. The
    /// class is a [`ClassVal`] like the analysis's own, so instances,
    /// `super()`, dataclasses and properties behave the same way.
    pub(super) fn make_class(&mut self, c: &Arc<ClassDef>) -> Result<CV, Stop> {
        let mut bases = Vec::new();
        for b in &c.bases {
            bases.push(match self.eval(b)? {
                CV::Class(k) => Value::Class(k),
                CV::Lib(q) => Value::Lib(Arc::from(&*q)),
                _ => return unsupported(format!("a base of local class `{}`", c.name)),
            });
        }
        let mut attrs = BTreeMap::new();
        let mut plain = Vec::new();
        for s in &c.body {
            match &s.kind {
                StmtKind::FunctionDef(d) => {
                    let CV::Func(g) = self.make_def(d)? else {
                        return unsupported("a method");
                    };
                    // The method reaches the run through the analysis's
                    // function type: an id of the run's own (counted down,
                    // away from the analysis's) maps it to the function
                    // just made, with its closure.
                    self.local_ids -= 1;
                    let id = self.local_ids;
                    self.funcs.insert(id, g);
                    let f = FuncVal {
                        name: d.name.clone(),
                        callable: Callable::Def(d.clone()),
                        defaults: BTreeMap::new(),
                        closure: None,
                        id,
                    };
                    attrs.insert(d.name.clone(), Value::Func(Rc::new(f)));
                }
                StmtKind::Assign { targets, value } => match targets.as_slice() {
                    [Expr {
                        kind: ExprKind::Name(n),
                        ..
                    }] => plain.push((n.clone(), self.eval(value)?)),
                    _ => return unsupported("a class attribute that is not a name"),
                },
                StmtKind::AnnAssign { target, value } => {
                    // A dataclass field's `field(...)` is read from the
                    // definition when an instance is made.
                    let field = value.as_ref().is_some_and(|v| {
                        matches!(&v.kind, ExprKind::Call { func, .. }
                            if matches!(func.dotted().as_deref(), Some("field" | "dataclasses.field")))
                    });
                    if let (ExprKind::Name(n), Some(v), false) = (&target.kind, value, field) {
                        plain.push((n.clone(), self.eval(v)?));
                    }
                }
                StmtKind::Pass | StmtKind::Expr(_) => {}
                _ => return unsupported(format!("a statement in local class `{}`", c.name)),
            }
        }
        let class = Rc::new(ClassVal {
            name: c.name.clone(),
            def: c.clone(),
            bases,
            attrs: RefCell::new(attrs),
        });
        if class.is_enum() {
            return unsupported(format!("local enum `{}`", c.name));
        }
        let id = class_id(&class);
        for (name, v) in plain {
            self.class_attrs.insert((id, name), v);
        }
        // Held, so that no later class takes its address (and its
        // attributes with it).
        self.local_classes.push(class.clone());
        Ok(CV::Class(class))
    }

    /// `with a as x, b as y: body`: each context entered in turn and left
    /// in reverse. A class of the program's runs its `__enter__` and
    /// `__exit__`; an `__exit__` that returns true swallows the exception
    /// the body raised. What an unmodelled library returned (a temporary
    /// directory, a lock) enters as an opaque value of its own.
    pub(super) fn exec_with(&mut self, items: &[WithItem], body: &[Stmt]) -> Result<Flow, Stop> {
        let Some((first, rest)) = items.split_first() else {
            return self.exec_block(body);
        };
        let ctx = self.eval(&first.context)?;
        let (entered, exit) = match &ctx {
            CV::Instance(i) if i.class.lookup("__enter__").is_some() => {
                let enter = self.attribute(&ctx, "__enter__")?;
                let v = self.call(&enter, Vec::new(), Vec::new())?;
                (v, Some(self.attribute(&ctx, "__exit__")?))
            }
            CV::Opaque(q) => {
                let q = format!("{q}.__enter__()");
                (self.opaque(&q), None)
            }
            _ => return unsupported("a `with` block on what the run does not model"),
        };
        if let Some(t) = &first.target {
            self.assign(t, entered)?;
        }
        let r = self.exec_with(rest, body);
        let Some(exit) = exit else {
            return r;
        };
        match r {
            Ok(flow) => {
                self.call(&exit, vec![CV::None, CV::None, CV::None], Vec::new())?;
                Ok(flow)
            }
            Err(Stop::Raised(name)) => {
                let kind = CV::str(name.split(' ').next().unwrap_or(&name));
                let swallowed = self.call(&exit, vec![kind.clone(), kind, CV::None], Vec::new())?;
                if self.truthy(&swallowed)? {
                    Ok(Flow::Normal)
                } else {
                    Err(Stop::Raised(name))
                }
            }
            Err(other) => Err(other),
        }
    }

    /// `match subject:` runs the first case whose pattern matches and whose
    /// guard holds; the names a pattern captures stay bound after it, as in
    /// Python (also those of a case that then failed).
    pub(super) fn exec_match(&mut self, subject: &Expr, cases: &[MatchCase]) -> Result<Flow, Stop> {
        let v = self.eval(subject)?;
        for case in cases {
            if !self.matches(&case.pattern, &v)? {
                continue;
            }
            if let Some(g) = &case.guard {
                let t = self.eval(g)?;
                if !self.truthy(&t)? {
                    continue;
                }
            }
            return self.exec_block(&case.body);
        }
        Ok(Flow::Normal)
    }

    fn matches(&mut self, p: &Pattern, v: &CV) -> Result<bool, Stop> {
        self.step(1)?;
        if let CV::Opaque(q) = v {
            return unsupported(format!("a `match` on what `{q}` returned"));
        }
        Ok(match p {
            Pattern::Value(e) => {
                let want = self.eval(e)?;
                self.equal(v, &want)?
            }
            Pattern::Singleton(None) => matches!(v, CV::None),
            Pattern::Singleton(Some(b)) => matches!(v, CV::Bool(x) if x == b),
            Pattern::Sequence(ps) => {
                // Strings, bytes and mappings are not sequences to `match`.
                let items = match v {
                    CV::List(l) => l.borrow().clone(),
                    CV::Tuple(t) => t.to_vec(),
                    CV::Instance(_) => match self.record_items(v) {
                        Some(items) => items,
                        None => return Ok(false),
                    },
                    _ => return Ok(false),
                };
                self.sequence_matches(ps, &items)?
            }
            Pattern::Mapping {
                keys,
                patterns,
                rest,
            } => {
                let CV::Dict(d) = v else { return Ok(false) };
                let mut taken = Vec::new();
                for (k, p) in keys.iter().zip(patterns) {
                    let kv = self.eval(k)?;
                    let key = self.key(&kv)?;
                    let got = d.borrow().get(&key).cloned();
                    let Some(got) = got else { return Ok(false) };
                    if !self.matches(p, &got)? {
                        return Ok(false);
                    }
                    taken.push(key);
                }
                if let Some(name) = rest {
                    let mut t = Table::default();
                    for (key, (k, x)) in d.borrow().keyed_items() {
                        if !taken.contains(key) {
                            t.insert(key.clone(), k.clone(), x.clone());
                        }
                    }
                    self.bind(name, CV::Dict(Rc::new(RefCell::new(t))));
                }
                true
            }
            Pattern::Class {
                cls,
                patterns,
                keywords,
            } => {
                let c = self.eval(cls)?;
                let is = self.call_lib("isinstance", vec![v.clone(), c.clone()], Vec::new())?;
                if !self.truthy(&is)? {
                    return Ok(false);
                }
                let names = self.match_args(&c, patterns.len())?;
                for (p, name) in patterns.iter().zip(&names) {
                    let field = match name {
                        Some(n) => self.attribute(v, n)?,
                        // `int(x)`, `str(s)`: the subject itself.
                        None => v.clone(),
                    };
                    if !self.matches(p, &field)? {
                        return Ok(false);
                    }
                }
                for (name, p) in keywords {
                    let field = match self.attribute(v, name) {
                        Ok(f) => f,
                        Err(Stop::Raised(e)) if e.starts_with("AttributeError") => {
                            return Ok(false)
                        }
                        Err(e) => return Err(e),
                    };
                    if !self.matches(p, &field)? {
                        return Ok(false);
                    }
                }
                true
            }
            Pattern::Star(_) => return unsupported("a star pattern outside a sequence"),
            Pattern::As { pattern, name } => {
                if let Some(p) = pattern {
                    if !self.matches(p, v)? {
                        return Ok(false);
                    }
                }
                if let Some(n) = name {
                    self.bind(n, v.clone());
                }
                true
            }
            Pattern::Or(ps) => {
                for p in ps {
                    if self.matches(p, v)? {
                        return Ok(true);
                    }
                }
                false
            }
        })
    }

    /// `[a, *rest, b]` against `items`: as many items as fixed patterns
    /// (at least, with a star), the star taking the middle.
    fn sequence_matches(&mut self, ps: &[Pattern], items: &[CV]) -> Result<bool, Stop> {
        let star = ps.iter().position(|p| matches!(p, Pattern::Star(_)));
        let Some(at) = star else {
            if ps.len() != items.len() {
                return Ok(false);
            }
            for (p, x) in ps.iter().zip(items) {
                if !self.matches(p, x)? {
                    return Ok(false);
                }
            }
            return Ok(true);
        };
        let after = ps.len() - at - 1;
        if items.len() < at + after {
            return Ok(false);
        }
        let tail = items.len() - after;
        for (p, x) in ps[..at].iter().zip(&items[..at]) {
            if !self.matches(p, x)? {
                return Ok(false);
            }
        }
        for (p, x) in ps[at + 1..].iter().zip(&items[tail..]) {
            if !self.matches(p, x)? {
                return Ok(false);
            }
        }
        if let Pattern::Star(Some(name)) = &ps[at] {
            self.bind(name, CV::list(items[at..tail].to_vec()));
        }
        Ok(true)
    }

    /// The attributes a class pattern's positional sub-patterns read, by
    /// `__match_args__`: a dataclass's or named tuple's fields, the class's
    /// own tuple, or (None) the subject itself for the built-in types.
    fn match_args(&mut self, c: &CV, n: usize) -> Result<Vec<Option<String>>, Stop> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let names: Vec<Option<String>> = match c {
            CV::Lib(_) if n == 1 => vec![None],
            CV::Class(k) => match self.attribute(c, "__match_args__") {
                Ok(CV::Tuple(t)) => t
                    .iter()
                    .map(|x| match x {
                        CV::Str(s) => Ok(Some(s.to_string())),
                        _ => raise("TypeError"),
                    })
                    .collect::<Result<_, _>>()?,
                Ok(_) => return raise("TypeError"),
                Err(Stop::Raised(_)) if is_record_class(k) => {
                    let mut fields = Vec::new();
                    record_fields(k, &mut fields);
                    fields.into_iter().map(|(f, _)| Some(f)).collect()
                }
                Err(e) => return Err(e),
            },
            _ => return raise("TypeError"),
        };
        if names.len() < n {
            return raise("TypeError");
        }
        Ok(names)
    }
}
