//! The executor: statements and expressions of the supported subset, run on
//! concrete values, every loop's and call's count recorded.

use super::opaque::opaque_misuse;
use super::value::*;
use super::{At, Stop, Trace};
use crate::value::{is_record_class, record_fields, ClassVal, Value};
use prescient_syntax::ast::*;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

/// Python calls nested deeper than this stop the run (the analysis thread's
/// stack holds many more, but a search this deep is not a small one).
const MAX_DEPTH: usize = 400;
/// Items a single container may hold: bigger ones stop the run rather than
/// the machine.
pub(super) const MAX_ITEMS: usize = 1_000_000;
/// Items all bulk copies and repetitions of a run may make together (a
/// hostile `xs.append([0] * 10**6)` in a loop): about 100 MiB at most.
const MAX_ALLOCATED: usize = 4_000_000;

pub(super) enum Flow {
    Normal,
    Return(CV),
    Break,
    Continue,
}

pub(super) struct Frame {
    pub locals: Env,
    /// Enclosing scopes, innermost first (a closure's or a comprehension's).
    pub env: Vec<Env>,
    pub globals_decl: HashSet<String>,
    pub nonlocal_decl: HashSet<String>,
    /// A generator's yielded values.
    pub yields: Option<Vec<CV>>,
    /// The class whose method runs (for `super()`), and its receiver.
    pub class: Option<(Rc<ClassVal>, CV)>,
}

pub(crate) struct Exec<'g> {
    pub(super) globals: &'g BTreeMap<String, Value>,
    /// Module-level names as the run sees them: converted from `globals`
    /// on first use, or assigned by the run.
    pub(super) overlay: HashMap<String, CV>,
    pub(super) funcs: HashMap<u64, Rc<CFunc>>,
    pub(super) objects: HashMap<usize, CV>,
    pub(super) frames: Vec<Frame>,
    budget: u64,
    pub(super) trace: Trace,
    /// The `random` module's own generator.
    pub(super) rng: Rc<RefCell<Rng>>,
    /// Calls of each function under way.
    active: HashMap<At, u32>,
    /// The factor sizes among the arguments are shrunk by, while they
    /// convert (1 otherwise).
    pub(super) scale: f64,
    /// The smallest size a shrink left.
    pub(super) smallest: i64,
    /// The program's path and its command-line arguments.
    pub(super) program: String,
    pub(super) argv: Vec<String>,
    /// The factor integer sizes read from the command line, and the
    /// program's literals that are sizes, are shrunk by.
    pub(super) argv_scale: f64,
    /// The program's integer literals that are sizes (`sizes.rs`).
    pub(super) size_literals: Option<&'g HashSet<At>>,
    /// Comparisons under way inside one another (of nested containers).
    pub(super) nesting: u32,
    /// The line of the statement running.
    pub(super) line: u32,
    /// Items bulk copies and repetitions made (see [`Self::alloc`]).
    allocated: usize,
    /// The read of `d[k] += 1` on a defaultdict counted its store (and
    /// whether the key was new): the write-back is not a second one.
    skip_key_note: bool,
    /// Class attributes the run set (`Strength.REQUIRED = ...`), by class
    /// and name: they shadow the analysis's.
    pub(super) class_attrs: HashMap<(usize, String), CV>,
    /// The members of the `enum.Enum` classes the run reached, by class, in
    /// definition order: each member is one instance, the same every time.
    enum_members: HashMap<usize, Rc<Vec<(String, CV)>>>,
    /// Per loop, the fewest and most iterations one entry ran.
    spread: HashMap<At, (u64, u64)>,
    /// The deques made with a `maxlen`, by address: a deque is a list
    /// here, and these drop items from the other end as they grow past
    /// it. Each is held, so that its address is not reused.
    pub(super) maxlens: HashMap<usize, (ListCell, usize)>,
    /// Whether the run made an opaque value (`opaque.rs`): from then on a
    /// `TypeError` or `AttributeError` may be one's misuse, which a
    /// handler must not take for the program's own.
    pub(super) opaque_made: bool,
    /// Regular expressions compiled so far, by pattern and flags.
    pub(super) patterns: HashMap<(String, i64), Rc<super::value::Pattern>>,
    /// The last id given to a method of a class defined in a function
    /// (`blocks.rs`), counted down from the top.
    pub(super) local_ids: u64,
    /// The classes defined in functions so far.
    pub(super) local_classes: Vec<Rc<ClassVal>>,
}

/// A call's keyword arguments, in order.
type Keywords = Vec<(String, CV)>;

pub(super) fn unsupported<T>(what: impl Into<String>) -> Result<T, Stop> {
    Err(Stop::Unsupported(what.into()))
}

pub(super) fn raise<T>(name: &str) -> Result<T, Stop> {
    Err(Stop::Raised(name.to_string()))
}

fn at(span: Span) -> At {
    (span.line, span.col)
}

impl<'g> Exec<'g> {
    pub fn new(globals: &'g BTreeMap<String, Value>, budget: u64) -> Exec<'g> {
        Exec {
            globals,
            overlay: HashMap::new(),
            funcs: HashMap::new(),
            objects: HashMap::new(),
            frames: Vec::new(),
            budget,
            trace: Trace::default(),
            rng: Rc::new(RefCell::new(Rng::new(0x5eed))),
            active: HashMap::new(),
            scale: 1.0,
            smallest: i64::MAX,
            program: String::new(),
            argv: Vec::new(),
            argv_scale: 1.0,
            size_literals: None,
            nesting: 0,
            line: 0,
            skip_key_note: false,
            allocated: 0,
            class_attrs: HashMap::new(),
            enum_members: HashMap::new(),
            spread: HashMap::new(),
            maxlens: HashMap::new(),
            opaque_made: false,
            patterns: HashMap::new(),
            local_ids: u64::MAX,
            local_classes: Vec::new(),
        }
    }

    /// An integer literal as the run sees it: a size shrunk by the run's
    /// scale, as the command line's are.
    fn literal(&mut self, v: i64, span: Span) -> i64 {
        if self.size_literals.is_some_and(|s| s.contains(&at(span))) {
            self.shrink(v, self.argv_scale)
        } else {
            v
        }
    }

    pub fn into_trace(self) -> Trace {
        let mut t = self.trace;
        t.varied = self
            .spread
            .into_iter()
            .filter(|(_, (lo, hi))| *hi as f64 > 1.5 * *lo as f64)
            .map(|(k, _)| k)
            .collect();
        t
    }

    /// Iterations the loop at `key` has run in all so far.
    fn iterations(&self, key: At) -> u64 {
        self.trace.loops.get(&key).map_or(0, |c| c.1)
    }

    /// Notes the iterations one entry of the loop at `key` ran: those run
    /// since `before` (an entry of the same loop inside it, by recursion,
    /// adds its own, which only widens the spread).
    fn note_entry(&mut self, key: At, before: u64) {
        let n = self.iterations(key).saturating_sub(before);
        let e = self.spread.entry(key).or_insert((n, n));
        e.0 = e.0.min(n);
        e.1 = e.1.max(n);
    }

    /// Counts `n` items a bulk copy or repetition makes, against the run's
    /// memory bound and, an eighth of them, its steps.
    pub(super) fn alloc(&mut self, n: usize) -> Result<(), Stop> {
        self.allocated = self.allocated.saturating_add(n);
        if self.allocated > MAX_ALLOCATED {
            return unsupported("more memory than a run may take");
        }
        self.step(n as u64 / 8)
    }

    /// `v` as a dict's key or a set's element. An instance whose class
    /// defines `__hash__` is keyed by what that returns (objects of equal
    /// hashes taken as equal: what their `__eq__` says of them is not
    /// followed); a frozen dataclass by its fields. Others as `key_of`
    /// says, an unhashable one raising `TypeError`.
    pub(super) fn key(&mut self, v: &CV) -> Result<Key, Stop> {
        if let CV::Instance(i) = v {
            if !i.class.is_enum() {
                if let Some(Value::Func(_)) = i.class.lookup("__hash__") {
                    let h = self.dunder(v, "__hash__", Vec::new())?;
                    let CV::Int(h) = h else {
                        return raise("TypeError");
                    };
                    return Ok(Key::Tuple(vec![Key::Id(class_id(&i.class)), Key::Int(h)]));
                }
                if is_record_class(&i.class) && frozen_record(&i.class) {
                    let mut fields = Vec::new();
                    record_fields(&i.class, &mut fields);
                    let mut keys = vec![Key::Id(class_id(&i.class))];
                    for (name, _) in fields {
                        let f = i.attrs.borrow().get(&name).cloned().unwrap_or(CV::None);
                        keys.push(self.key(&f)?);
                    }
                    return Ok(Key::Tuple(keys));
                }
            }
        }
        if let CV::Tuple(items) = v {
            let items = items.clone();
            let keys = items
                .iter()
                .map(|x| self.key(x))
                .collect::<Result<_, _>>()?;
            return Ok(Key::Tuple(keys));
        }
        key_of(v).or_else(|_| raise("TypeError"))
    }

    /// Counts a store into a dict on the running line, and whether its key
    /// was new there.
    pub(super) fn note_key(&mut self, new: bool) {
        if std::mem::take(&mut self.skip_key_note) {
            return;
        }
        let e = self.trace.keys.entry(self.line).or_insert((0, 0));
        e.0 += 1;
        e.1 += u64::from(new);
    }

    /// Counts `stores` stores into a set on the running line made at once
    /// (`set(items)`), `new` of them of a new element.
    pub(super) fn note_set_keys(&mut self, stores: u64, new: u64) {
        let e = self
            .trace
            .keys
            .entry(super::set_slot(self.line))
            .or_insert((0, 0));
        e.0 += stores;
        e.1 += new;
    }

    /// Counts `n` steps against the budget.
    pub(super) fn step(&mut self, n: u64) -> Result<(), Stop> {
        self.trace.steps += n;
        if self.trace.steps > self.budget {
            Err(Stop::Budget)
        } else {
            Ok(())
        }
    }

    fn lookup(&mut self, name: &str) -> Result<CV, Stop> {
        if let Some(f) = self.frames.last() {
            if !f.globals_decl.contains(name) {
                if let Some(v) = f.locals.borrow().get(name) {
                    return Ok(v.clone());
                }
                for e in &f.env {
                    if let Some(v) = e.borrow().get(name) {
                        return Ok(v.clone());
                    }
                }
            }
        }
        self.global(name)
    }

    pub(super) fn global(&mut self, name: &str) -> Result<CV, Stop> {
        if let Some(v) = self.overlay.get(name) {
            return Ok(v.clone());
        }
        if let Some(v) = self.globals.get(name) {
            let v = v.clone();
            let c = self.convert(&v)?;
            self.overlay.insert(name.to_string(), c.clone());
            return Ok(c);
        }
        match name {
            "__name__" => return Ok(CV::str("__main__")),
            "__file__" => return Ok(CV::str(&self.program)),
            "__doc__" => return Ok(CV::str("")),
            _ => {}
        }
        if crate::kb::builtin(name).is_some() || builtin_exception(name) {
            return Ok(CV::Lib(Rc::from(format!("builtins.{name}").as_str())));
        }
        unsupported(format!("name `{name}`"))
    }

    pub(super) fn bind(&mut self, name: &str, v: CV) {
        match self.frames.last() {
            Some(f) if f.globals_decl.contains(name) => {
                self.overlay.insert(name.to_string(), v);
            }
            Some(f) if f.nonlocal_decl.contains(name) => {
                for e in &f.env {
                    if e.borrow().contains_key(name) {
                        e.borrow_mut().insert(name.to_string(), v);
                        return;
                    }
                }
                f.locals.borrow_mut().insert(name.to_string(), v);
            }
            Some(f) => {
                f.locals.borrow_mut().insert(name.to_string(), v);
            }
            None => {
                self.overlay.insert(name.to_string(), v);
            }
        }
    }

    // ----- calls -----

    pub(crate) fn call(
        &mut self,
        f: &CV,
        mut pos: Vec<CV>,
        kw: Vec<(String, CV)>,
    ) -> Result<CV, Stop> {
        self.step(1)?;
        match f {
            CV::Func(func) => self.call_user(func, pos, kw, None),
            CV::Method(func, recv) => {
                pos.insert(0, (**recv).clone());
                let class = match &**recv {
                    CV::Instance(i) => Some(i.class.clone()),
                    CV::Class(c) => Some(c.clone()),
                    _ => None,
                };
                // `super()` starts above the class that defines the method,
                // not above the receiver's own (a base's `__init__` calling
                // `super().__init__()` on a subclass's object).
                let class =
                    class.map(|c| (defining_class(&c, func).unwrap_or(c), (**recv).clone()));
                self.call_user(func, pos, kw, class)
            }
            CV::Class(c) => self.instantiate(c, pos, kw),
            CV::Lib(q) => {
                let q = q.clone();
                self.call_lib(&q, pos, kw)
            }
            CV::BMethod(recv, name) => {
                let (recv, name) = ((**recv).clone(), name.clone());
                self.call_method(&recv, &name, pos, kw)
            }
            CV::Opaque(q) => {
                let q = q.clone();
                self.opaque_call(&q, &pos, &kw)
            }
            CV::Instance(i) => match i.class.lookup("__call__") {
                Some(Value::Func(g)) => {
                    let g = self.func(&g)?;
                    self.call(&CV::Method(g, Box::new(f.clone())), pos, kw)
                }
                _ => raise("TypeError"),
            },
            _ => raise("TypeError"),
        }
    }

    fn call_user(
        &mut self,
        f: &Rc<CFunc>,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
        class: Option<(Rc<ClassVal>, CV)>,
    ) -> Result<CV, Stop> {
        // What the caller's line does after the call (`seen.add(Pt(x, y))`
        // stores into the set) is counted on the caller's line. An error
        // keeps the line it was raised on.
        let line = self.line;
        let out = self.call_user_inner(f, pos, kw, class);
        if out.is_ok() {
            self.line = line;
        }
        out
    }

    fn call_user_inner(
        &mut self,
        f: &Rc<CFunc>,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
        class: Option<(Rc<ClassVal>, CV)>,
    ) -> Result<CV, Stop> {
        if self.frames.len() >= MAX_DEPTH {
            return unsupported("deep recursion");
        }
        let memo_key = match &f.memo {
            Some(memo) => {
                let key = key_of(&CV::tuple(pos.clone())).map_err(|_| {
                    Stop::Unsupported("unhashable arguments to a cached function".into())
                })?;
                if let Some(v) = memo.borrow().get(&key) {
                    return Ok(v.clone());
                }
                Some(key)
            }
            None => None,
        };
        let (params, span) = match &f.body {
            Body::Def(d) => (&d.params, d.span),
            Body::Lambda(p, body) => (&**p, body.span),
        };
        let key = at(span);
        *self.trace.calls.entry(key).or_insert(0) += 1;
        let active = self.active.entry(key).or_insert(0);
        if *active == 0 {
            *self.trace.roots.entry(key).or_insert(0) += 1;
        }
        *active += 1;
        let r = self.run_user(f, params, pos, kw, class);
        if let Some(a) = self.active.get_mut(&key) {
            *a -= 1;
        }
        let result = r?;
        if let (Some(memo), Some(key)) = (&f.memo, memo_key) {
            memo.borrow_mut().insert(key, result.clone());
        }
        Ok(result)
    }

    fn run_user(
        &mut self,
        f: &Rc<CFunc>,
        params: &Params,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
        class: Option<(Rc<ClassVal>, CV)>,
    ) -> Result<CV, Stop> {
        let locals = self.bind_params(f, params, pos, kw)?;
        let mut frame = Frame {
            locals: Rc::new(RefCell::new(locals)),
            env: f.env.clone(),
            globals_decl: HashSet::new(),
            nonlocal_decl: HashSet::new(),
            yields: f.generator.then(Vec::new),
            class,
        };
        let result = match &f.body {
            Body::Lambda(_, body) => {
                self.frames.push(frame);
                let r = self.eval(body);
                self.frames.pop();
                r?
            }
            Body::Def(d) => {
                declared(&d.body, &mut frame.globals_decl, &mut frame.nonlocal_decl);
                self.frames.push(frame);
                let r = self.exec_block(&d.body);
                let frame = self
                    .frames
                    .pop()
                    .ok_or(Stop::Unsupported("a lost frame".into()))?;
                let v = match r? {
                    Flow::Return(v) => v,
                    _ => CV::None,
                };
                match frame.yields {
                    Some(items) => CV::Iter(Rc::new(RefCell::new(Iter::new(items)))),
                    None => v,
                }
            }
        };
        Ok(result)
    }

    fn bind_params(
        &mut self,
        f: &CFunc,
        params: &Params,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
    ) -> Result<HashMap<String, CV>, Stop> {
        let mut locals = HashMap::new();
        let mut pos = pos.into_iter();
        for p in &params.positional {
            if let Some(v) = pos.next() {
                locals.insert(p.name.clone(), v);
            }
        }
        let rest: Vec<CV> = pos.collect();
        match &params.vararg {
            Some(name) => {
                locals.insert(name.clone(), CV::tuple(rest));
            }
            None if !rest.is_empty() => return raise("TypeError"),
            None => {}
        }
        let mut extra = Table::default();
        for (k, v) in kw {
            let known = params.positional.iter().any(|p| p.name == k)
                || params.kwonly.iter().any(|p| p.name == k);
            if known {
                locals.insert(k, v);
            } else if params.kwarg.is_some() {
                let kv = CV::str(&k);
                extra.insert(Key::Str(Rc::from(k.as_str())), kv, v);
            } else {
                return raise("TypeError");
            }
        }
        if let Some(name) = &params.kwarg {
            locals.insert(name.clone(), CV::Dict(Rc::new(RefCell::new(extra))));
        }
        for p in params.positional.iter().chain(&params.kwonly) {
            if !locals.contains_key(&p.name) {
                match f.defaults.get(&p.name) {
                    Some(v) => {
                        locals.insert(p.name.clone(), v.clone());
                    }
                    None => return raise("TypeError"),
                }
            }
        }
        Ok(locals)
    }

    fn instantiate(
        &mut self,
        c: &Rc<ClassVal>,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
    ) -> Result<CV, Stop> {
        if let Some(kind) = container_alias(c) {
            // `class OrderedCollection(list): pass` is a list by another
            // name: made as the container is.
            return self.call_lib(kind, pos, kw);
        }
        if c.is_enum() {
            // `Color(2)`: the member of that value.
            let [value] = pos.as_slice() else {
                return unsupported("an enum called with other than one value");
            };
            let members = self.members(c);
            let wanted = key_of(value).ok();
            return match members.iter().find(|(_, m)| {
                let v = match m {
                    CV::Instance(i) => i.attrs.borrow().get("value").cloned(),
                    _ => None,
                };
                wanted.is_some() && v.and_then(|v| key_of(&v).ok()) == wanted
            }) {
                Some((_, m)) => Ok(m.clone()),
                None => raise("ValueError"),
            };
        }
        if self.lib_base(c) {
            return unsupported(format!("class `{}` derives from a library class", c.name));
        }
        let inst = CV::Instance(Rc::new(Inst {
            class: c.clone(),
            attrs: RefCell::new(HashMap::new()),
        }));
        self.step(2)?;
        match c.lookup("__init__") {
            Some(Value::Func(init)) => {
                let init = self.func(&init)?;
                self.call(&CV::Method(init, Box::new(inst.clone())), pos, kw)?;
            }
            Some(_) => return unsupported("an `__init__` that is not a function"),
            None if is_record_class(c) => self.init_fields(c, &inst, pos, kw)?,
            None => {
                if !pos.is_empty() && !self.is_exception(c) {
                    return raise("TypeError");
                }
            }
        }
        Ok(inst)
    }

    /// The members of the enum class `c`, made on first use: an instance
    /// each, with its `name` and `value` (`auto()` counts from 1).
    pub(super) fn members(&mut self, c: &Rc<ClassVal>) -> Rc<Vec<(String, CV)>> {
        if let Some(m) = self.enum_members.get(&class_id(c)) {
            return m.clone();
        }
        let mut out = Vec::new();
        for (i, name) in c.enum_member_names().into_iter().enumerate() {
            let value = match c.attrs.borrow().get(&name) {
                Some(
                    v @ (Value::Int(_) | Value::Str { .. } | Value::Float(_) | Value::Bool(_)),
                ) => self.convert(v).unwrap_or(CV::Int(i as i64 + 1)),
                _ => CV::Int(i as i64 + 1),
            };
            let mut attrs = HashMap::new();
            attrs.insert("name".to_string(), CV::str(&name));
            attrs.insert("_name_".to_string(), CV::str(&name));
            attrs.insert("value".to_string(), value.clone());
            attrs.insert("_value_".to_string(), value);
            let m = CV::Instance(Rc::new(Inst {
                class: c.clone(),
                attrs: RefCell::new(attrs),
            }));
            out.push((name, m));
        }
        let out = Rc::new(out);
        self.enum_members.insert(class_id(c), out.clone());
        out
    }

    /// Whether `c` derives from a class of a library (other than `object`
    /// and the exceptions), whose behaviour the executor does not know.
    fn lib_base(&self, c: &ClassVal) -> bool {
        c.bases.iter().any(|b| match b {
            Value::Class(b) => self.lib_base(b),
            Value::Lib(q) => {
                let name = q.strip_prefix("builtins.").unwrap_or(q);
                // An abstract base or a typing marker adds no behaviour a
                // run of the program's own methods would miss.
                // A named tuple's tuple behaviour is the executor's own
                // (`record_items`).
                let marker = matches!(
                    name,
                    "abc.ABC" | "typing.Generic" | "typing.Protocol" | "typing.NamedTuple"
                );
                !(name == "object" || marker || builtin_exception(name))
            }
            _ => true,
        })
    }

    fn is_exception(&self, c: &ClassVal) -> bool {
        c.bases.iter().any(|b| match b {
            Value::Class(b) => self.is_exception(b),
            Value::Lib(q) => builtin_exception(q.strip_prefix("builtins.").unwrap_or(q)),
            _ => false,
        })
    }

    /// A dataclass's generated `__init__`: its annotated fields in order.
    fn init_fields(
        &mut self,
        c: &Rc<ClassVal>,
        inst: &CV,
        pos: Vec<CV>,
        kw: Vec<(String, CV)>,
    ) -> Result<(), Stop> {
        let mut fields: Vec<(String, Option<Expr>)> = Vec::new();
        record_fields(c, &mut fields);
        let CV::Instance(obj) = inst else {
            return Ok(());
        };
        let mut pos = pos.into_iter();
        let mut kw: HashMap<String, CV> = kw.into_iter().collect();
        for (name, default) in fields {
            let v = match pos.next().or_else(|| kw.remove(&name)) {
                Some(v) => v,
                None => match default {
                    Some(d) => self.field_default(&d)?,
                    None => return raise("TypeError"),
                },
            };
            obj.attrs.borrow_mut().insert(name, v);
        }
        if let Some(Value::Func(post)) = c.lookup("__post_init__") {
            let post = self.func(&post)?;
            self.call(
                &CV::Method(post, Box::new(inst.clone())),
                Vec::new(),
                Vec::new(),
            )?;
        }
        Ok(())
    }

    fn field_default(&mut self, d: &Expr) -> Result<CV, Stop> {
        if let ExprKind::Call { func, keywords, .. } = &d.kind {
            if matches!(
                func.dotted().as_deref(),
                Some("field" | "dataclasses.field")
            ) {
                for k in keywords {
                    match k.name.as_deref() {
                        Some("default_factory") => {
                            let f = self.eval(&k.value)?;
                            return self.call(&f, Vec::new(), Vec::new());
                        }
                        Some("default") => return self.eval(&k.value),
                        _ => {}
                    }
                }
                return raise("TypeError");
            }
        }
        self.eval(d)
    }

    // ----- statements -----

    /// A module's statements at its top level: definitions are the
    /// analysis's values of their names, imports bind library names.
    pub(super) fn exec_module(&mut self, body: &[Stmt]) -> Result<(), Stop> {
        for s in body {
            match &s.kind {
                StmtKind::FunctionDef(d) => self.take_definition(&d.name)?,
                StmtKind::ClassDef(c) => self.take_definition(&c.name)?,
                StmtKind::Import(_) | StmtKind::ImportFrom { .. } => {
                    for (name, v) in imported(s)? {
                        self.overlay.insert(name, v);
                    }
                }
                _ => match self.exec(s)? {
                    Flow::Normal => {}
                    _ => return unsupported("control flow outside a function"),
                },
            }
        }
        Ok(())
    }

    /// A module-level function or class, as the analysis defined it.
    fn take_definition(&mut self, name: &str) -> Result<(), Stop> {
        let Some(v) = self.globals.get(name).cloned() else {
            return unsupported(format!(
                "a definition of `{name}` the analysis has not reached"
            ));
        };
        let c = self.convert(&v)?;
        self.overlay.insert(name.to_string(), c);
        Ok(())
    }

    pub(super) fn exec_block(&mut self, body: &[Stmt]) -> Result<Flow, Stop> {
        for s in body {
            match self.exec(s)? {
                Flow::Normal => {}
                other => return Ok(other),
            }
        }
        Ok(Flow::Normal)
    }

    fn exec(&mut self, s: &Stmt) -> Result<Flow, Stop> {
        self.step(1)?;
        self.line = s.span.line;
        *self.trace.stmts.entry(at(s.span)).or_insert(0) += 1;
        match &s.kind {
            StmtKind::Expr(e) => {
                self.eval(e)?;
            }
            StmtKind::Assign { targets, value } => {
                let v = self.eval(value)?;
                for t in targets {
                    self.assign(t, v.clone())?;
                }
            }
            StmtKind::AnnAssign { target, value } => {
                if let Some(value) = value {
                    let v = self.eval(value)?;
                    self.assign(target, v)?;
                }
            }
            StmtKind::AugAssign { target, op, value } => {
                let rhs = self.eval(value)?;
                let stores = |e: &Self| e.trace.keys.get(&e.line).map_or(0, |k| k.0);
                let before = stores(self);
                let cur = self.eval(target)?;
                // `counts[k] += 1` on a defaultdict stores the default as it
                // reads: one store per update, new or not as the read found.
                let read_stored = stores(self) > before;
                let v = match (&cur, op) {
                    // In place: the same list under every name.
                    (CV::List(l), BinOp::Add) => {
                        let items = self.iterate(&rhs)?;
                        self.step(items.len() as u64 / 8)?;
                        l.borrow_mut().extend(items);
                        cur.clone()
                    }
                    (CV::Set(_) | CV::Dict(_), BinOp::BitOr | BinOp::BitAnd | BinOp::Sub) => {
                        let v = self.binop(*op, &cur, &rhs)?;
                        if let (CV::Set(dst), CV::Set(src)) = (&cur, &v) {
                            let new = std::mem::take(&mut *src.borrow_mut());
                            *dst.borrow_mut() = new;
                            cur.clone()
                        } else {
                            v
                        }
                    }
                    _ => self.binop(*op, &cur, &rhs)?,
                };
                self.skip_key_note = read_stored;
                let r = self.assign(target, v);
                self.skip_key_note = false;
                r?;
            }
            StmtKind::Return(v) => {
                let v = match v {
                    Some(e) => self.eval(e)?,
                    None => CV::None,
                };
                return Ok(Flow::Return(v));
            }
            StmtKind::If { test, body, orelse } => {
                let t = self.eval(test)?;
                let branch = if self.truthy(&t)? { body } else { orelse };
                return self.exec_block(branch);
            }
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                let it = self.eval(iter)?;
                let key = at(s.span);
                let before = self.iterations(key);
                let r = self.exec_for(key, target, &it, body, orelse);
                self.note_entry(key, before);
                return r;
            }
            StmtKind::While { test, body, orelse } => {
                let key = at(s.span);
                let before = self.iterations(key);
                let r = self.exec_while(key, test, body, orelse);
                self.note_entry(key, before);
                return r;
            }
            StmtKind::Break => return Ok(Flow::Break),
            StmtKind::Continue => return Ok(Flow::Continue),
            StmtKind::Pass | StmtKind::Global(_) | StmtKind::Nonlocal(_) => {}
            StmtKind::Assert(e) => {
                let t = self.eval(e)?;
                if !self.truthy(&t)? {
                    return raise("AssertionError");
                }
            }
            StmtKind::Raise(e) => {
                let name = match e {
                    Some(e) => {
                        let v = self.eval(e)?;
                        match v {
                            CV::Lib(q) => q.rsplit('.').next().unwrap_or("Exception").to_string(),
                            CV::Class(c) => c.name.clone(),
                            CV::Instance(i) => i.class.name.clone(),
                            _ => "Exception".to_string(),
                        }
                    }
                    None => "Exception".to_string(),
                };
                return Err(Stop::Raised(name));
            }
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                let r = match self.exec_block(body) {
                    Err(Stop::Raised(name)) if self.opaque_made && opaque_misuse(&name) => {
                        unsupported("an error where a library's results were in play")
                    }
                    Err(Stop::Raised(name)) => self.handle(&name, handlers),
                    Ok(Flow::Normal) => self.exec_block(orelse),
                    other => other,
                };
                let fin = self.exec_block(finalbody)?;
                return match fin {
                    Flow::Normal => r,
                    other => Ok(other),
                };
            }
            StmtKind::Delete(targets) => {
                for t in targets {
                    self.delete(t)?;
                }
            }
            StmtKind::FunctionDef(d) => {
                let f = self.make_def(d)?;
                self.bind(&d.name, f);
            }
            StmtKind::ClassDef(c) => {
                let class = self.make_class(c)?;
                self.bind(&c.name, class);
            }
            StmtKind::Import(_) | StmtKind::ImportFrom { .. } => {
                for (name, v) in imported(s)? {
                    self.bind(&name, v);
                }
            }
            StmtKind::With { items, body } => return self.exec_with(items, body),
            StmtKind::Match { subject, cases } => return self.exec_match(subject, cases),
        }
        Ok(Flow::Normal)
    }

    fn handle(&mut self, raised: &str, handlers: &[Handler]) -> Result<Flow, Stop> {
        for h in handlers {
            let matches = match &h.type_ {
                None => true,
                Some(t) => {
                    let names: Vec<String> = match &t.kind {
                        ExprKind::Tuple(items) => items.iter().filter_map(|i| i.dotted()).collect(),
                        _ => t.dotted().into_iter().collect(),
                    };
                    names.iter().any(|n| self.exception_matches(raised, n))
                }
            };
            if matches {
                if let Some(name) = &h.name {
                    self.bind(name, CV::str(raised));
                }
                return self.exec_block(&h.body);
            }
        }
        Err(Stop::Raised(raised.to_string()))
    }

    /// Whether an exception of class `raised` is caught by `handler`.
    fn exception_matches(&self, raised: &str, handler: &str) -> bool {
        let handler = handler.rsplit('.').next().unwrap_or(handler);
        if raised == handler || matches!(handler, "Exception" | "BaseException") {
            return true;
        }
        if handler == "LookupError" && matches!(raised, "KeyError" | "IndexError") {
            return true;
        }
        if handler == "ArithmeticError" && matches!(raised, "ZeroDivisionError" | "OverflowError") {
            return true;
        }
        // A user exception class: its bases, by name.
        match self.globals.get(raised) {
            Some(Value::Class(c)) => class_derives(c, handler),
            _ => false,
        }
    }

    pub(super) fn make_def(&mut self, d: &std::sync::Arc<FunctionDef>) -> Result<CV, Stop> {
        let mut defaults = HashMap::new();
        for p in d.params.positional.iter().chain(&d.params.kwonly) {
            if let Some(e) = &p.default {
                defaults.insert(p.name.clone(), self.eval(e)?);
            }
        }
        let Some(frame) = self.frames.last() else {
            return unsupported("a definition outside a function");
        };
        let mut env = vec![frame.locals.clone()];
        env.extend(frame.env.iter().cloned());
        let memo = memo_decorated(d)?;
        Ok(CV::Func(Rc::new(CFunc {
            name: d.name.clone(),
            body: Body::Def(d.clone()),
            defaults,
            env,
            generator: yields(&d.body),
            memo,
        })))
    }

    fn exec_while(
        &mut self,
        key: At,
        test: &Expr,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> Result<Flow, Stop> {
        self.trace.loops.entry(key).or_insert((0, 0)).0 += 1;
        loop {
            let t = self.eval(test)?;
            if !self.truthy(&t)? {
                return self.exec_block(orelse);
            }
            if let Some(c) = self.trace.loops.get_mut(&key) {
                c.1 += 1;
            }
            match self.exec_block(body)? {
                Flow::Break => return Ok(Flow::Normal),
                Flow::Return(v) => return Ok(Flow::Return(v)),
                _ => {}
            }
        }
    }

    fn exec_for(
        &mut self,
        key: At,
        target: &Expr,
        it: &CV,
        body: &[Stmt],
        orelse: &[Stmt],
    ) -> Result<Flow, Stop> {
        self.trace.loops.entry(key).or_insert((0, 0)).0 += 1;
        let mut iter = self.iter_source(it)?;
        while let Some(v) = self.next_item(&mut iter)? {
            if let Some(c) = self.trace.loops.get_mut(&key) {
                c.1 += 1;
            }
            self.assign(target, v)?;
            match self.exec_block(body)? {
                Flow::Break => return Ok(Flow::Normal),
                Flow::Return(v) => return Ok(Flow::Return(v)),
                _ => {}
            }
        }
        self.exec_block(orelse)
    }

    pub(super) fn assign(&mut self, t: &Expr, v: CV) -> Result<(), Stop> {
        match &t.kind {
            ExprKind::Name(n) => {
                self.bind(n, v);
                Ok(())
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let vals = self.iterate(&v)?;
                let star = items
                    .iter()
                    .position(|i| matches!(i.kind, ExprKind::Starred(_)));
                match star {
                    None => {
                        if vals.len() != items.len() {
                            return raise("ValueError");
                        }
                        for (i, v) in items.iter().zip(vals) {
                            self.assign(i, v)?;
                        }
                    }
                    Some(s) => {
                        let after = items.len() - s - 1;
                        if vals.len() < s + after {
                            return raise("ValueError");
                        }
                        let mut vals = vals;
                        let tail = vals.split_off(vals.len() - after);
                        let mid = vals.split_off(s);
                        for (i, v) in items[..s].iter().zip(vals) {
                            self.assign(i, v)?;
                        }
                        if let ExprKind::Starred(inner) = &items[s].kind {
                            self.assign(inner, CV::list(mid))?;
                        }
                        for (i, v) in items[s + 1..].iter().zip(tail) {
                            self.assign(i, v)?;
                        }
                    }
                }
                Ok(())
            }
            ExprKind::Attribute { value, attr } => {
                let obj = self.eval(value)?;
                match obj {
                    CV::Instance(i) => {
                        i.attrs.borrow_mut().insert(attr.clone(), v);
                        Ok(())
                    }
                    CV::Namespace(ns) => {
                        ns.borrow_mut().insert(attr.clone(), v);
                        Ok(())
                    }
                    CV::Class(c) => {
                        self.class_attrs.insert((class_id(&c), attr.clone()), v);
                        Ok(())
                    }
                    _ => unsupported("an attribute set on a non-instance"),
                }
            }
            ExprKind::Subscript { value, index } => {
                let obj = self.eval(value)?;
                self.store_item(&obj, index, v)
            }
            ExprKind::Starred(inner) => self.assign(inner, v),
            _ => unsupported("an assignment target"),
        }
    }

    fn store_item(&mut self, obj: &CV, index: &Expr, v: CV) -> Result<(), Stop> {
        if let ExprKind::Slice { lower, upper, step } = &index.kind {
            let CV::List(l) = obj else {
                return unsupported("a slice assignment on a non-list");
            };
            let stepv = self.slice_step(step.as_deref())?;
            if stepv != 1 {
                // `flags[p * p::p] = bytes(k)`: as many items as the slice
                // has places, each stored in its place.
                let len = l.borrow().len();
                let idx = self.slice_indices(lower, upper, stepv, len)?;
                let items = self.iterate(&v)?;
                if items.len() != idx.len() {
                    return raise("ValueError");
                }
                self.step(items.len() as u64 / 8)?;
                let mut list = l.borrow_mut();
                for (i, item) in idx.into_iter().zip(items) {
                    // What ran since may have shrunk it.
                    if let Some(slot) = list.get_mut(i) {
                        *slot = item;
                    }
                }
                return Ok(());
            }
            let n = l.borrow().len() as i64;
            let lo = self.slice_bound(lower.as_deref(), n, 0)?;
            let hi = self.slice_bound(upper.as_deref(), n, n)?.max(lo);
            let items = self.iterate(&v)?;
            self.step(items.len() as u64 / 8)?;
            // What ran since (the bounds, the items) may have shrunk it.
            let len = l.borrow().len();
            let (lo, hi) = ((lo as usize).min(len), (hi as usize).min(len));
            l.borrow_mut().splice(lo..hi, items);
            return Ok(());
        }
        let i = self.eval(index)?;
        match obj {
            CV::List(l) => {
                let idx = self.index_of(&i, l.borrow().len())?;
                l.borrow_mut()[idx] = v;
                Ok(())
            }
            CV::Dict(d) => {
                let key = self.key(&i)?;
                let new = !d.borrow().contains(&key);
                self.note_key(new);
                if d.borrow().counter {
                    *self.trace.counter_stores.entry(self.line).or_insert(0) += 1;
                }
                d.borrow_mut().insert(key, i, v);
                Ok(())
            }
            CV::Instance(_) => {
                self.dunder(obj, "__setitem__", vec![i, v])?;
                Ok(())
            }
            _ => raise("TypeError"),
        }
    }

    fn delete(&mut self, t: &Expr) -> Result<(), Stop> {
        match &t.kind {
            ExprKind::Name(n) => {
                if let Some(f) = self.frames.last() {
                    f.locals.borrow_mut().remove(n);
                }
                Ok(())
            }
            ExprKind::Subscript { value, index } => {
                let obj = self.eval(value)?;
                if let ExprKind::Slice {
                    lower,
                    upper,
                    step: None,
                } = &index.kind
                {
                    if let CV::List(l) = &obj {
                        let n = l.borrow().len() as i64;
                        let lo = self.slice_bound(lower.as_deref(), n, 0)?;
                        let hi = self.slice_bound(upper.as_deref(), n, n)?.max(lo);
                        let len = l.borrow().len();
                        let (lo, hi) = ((lo as usize).min(len), (hi as usize).min(len));
                        l.borrow_mut().drain(lo..hi);
                        return Ok(());
                    }
                }
                let i = self.eval(index)?;
                match &obj {
                    CV::List(l) => {
                        let idx = self.index_of(&i, l.borrow().len())?;
                        l.borrow_mut().remove(idx);
                        Ok(())
                    }
                    CV::Dict(d) => {
                        let key = self.key(&i)?;
                        match d.borrow_mut().remove(&key) {
                            Some(_) => Ok(()),
                            None => raise("KeyError"),
                        }
                    }
                    _ => unsupported("`del` of an item of this type"),
                }
            }
            ExprKind::Attribute { value, attr } => {
                let obj = self.eval(value)?;
                if let CV::Instance(i) = obj {
                    i.attrs.borrow_mut().remove(attr);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    // ----- expressions -----

    pub(super) fn eval(&mut self, e: &Expr) -> Result<CV, Stop> {
        self.step(1)?;
        match &e.kind {
            ExprKind::Name(n) => self.lookup(n),
            ExprKind::Int(Some(v)) => Ok(CV::Int(self.literal(*v, e.span))),
            ExprKind::Int(None) => unsupported("a big integer literal"),
            ExprKind::Float(f) => Ok(CV::Float(*f)),
            ExprKind::Str(s) => Ok(CV::Str(Rc::from(&**s))),
            ExprKind::Bool(b) => Ok(CV::Bool(*b)),
            ExprKind::NoneLit => Ok(CV::None),
            ExprKind::FString {
                parts, template, ..
            } => {
                let values = self.eval_items(parts)?;
                if let Some(o) = values.iter().find(|v| matches!(v, CV::Opaque(_))) {
                    return Ok(o.clone());
                }
                let mut out = String::new();
                render_fstring(template, &values, &mut out);
                self.alloc(out.len() / 8)?;
                Ok(CV::Str(Rc::from(out.as_str())))
            }
            ExprKind::Attribute { value, attr } => {
                if let ExprKind::Call { func, args, .. } = &value.kind {
                    if let Some(v) = self.super_attr(func, args, attr)? {
                        return Ok(v);
                    }
                }
                let v = self.eval(value)?;
                self.attribute(&v, attr)
            }
            ExprKind::Subscript { value, index } => {
                let v = self.eval(value)?;
                self.subscript(&v, index)
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => self.eval_call(func, args, keywords),
            ExprKind::BinOp { left, op, right } => {
                let l = self.eval(left)?;
                let r = self.eval(right)?;
                self.binop(*op, &l, &r)
            }
            ExprKind::UnaryOp { op, operand } => {
                let v = self.eval(operand)?;
                match (op, &v) {
                    (UnaryOp::Not, _) => Ok(CV::Bool(!self.truthy(&v)?)),
                    (UnaryOp::Minus, CV::Int(i)) => i
                        .checked_neg()
                        .map(CV::Int)
                        .ok_or(Stop::Unsupported("big integers".into())),
                    (UnaryOp::Minus, CV::Bool(b)) => Ok(CV::Int(-(*b as i64))),
                    (UnaryOp::Minus, CV::Float(f)) => Ok(CV::Float(-f)),
                    (UnaryOp::Plus, CV::Int(_) | CV::Float(_)) => Ok(v),
                    (UnaryOp::Invert, CV::Int(i)) => Ok(CV::Int(!i)),
                    (UnaryOp::Minus, CV::Instance(_)) => self.dunder(&v, "__neg__", Vec::new()),
                    (UnaryOp::Minus, CV::Time(_)) => self.binop(BinOp::Mul, &v, &CV::Int(-1)),
                    (_, CV::Opaque(_)) => Ok(v.clone()),
                    _ => raise("TypeError"),
                }
            }
            ExprKind::BoolOp { op, values } => {
                let mut last = CV::None;
                for v in values {
                    last = self.eval(v)?;
                    let t = self.truthy(&last)?;
                    match op {
                        BoolOp::And if !t => return Ok(last),
                        BoolOp::Or if t => return Ok(last),
                        _ => {}
                    }
                }
                Ok(last)
            }
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } => {
                let mut l = self.eval(left)?;
                for (op, c) in ops.iter().zip(comparators) {
                    let r = self.eval(c)?;
                    if !self.compare(*op, &l, &r)? {
                        return Ok(CV::Bool(false));
                    }
                    l = r;
                }
                Ok(CV::Bool(true))
            }
            ExprKind::IfExp { test, body, orelse } => {
                let t = self.eval(test)?;
                if self.truthy(&t)? {
                    self.eval(body)
                } else {
                    self.eval(orelse)
                }
            }
            ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => {
                let vals = self.eval_items(items)?;
                Ok(match &e.kind {
                    ExprKind::List(_) => CV::list(vals),
                    ExprKind::Tuple(_) => CV::tuple(vals),
                    _ => self.make_set(vals)?,
                })
            }
            ExprKind::Dict(items) => {
                let mut t = Table::default();
                for (k, v) in items {
                    let vv = self.eval(v)?;
                    match k {
                        Some(k) => {
                            let kv = self.eval(k)?;
                            let key = self.key(&kv)?;
                            t.insert(key, kv, vv);
                        }
                        None => match vv {
                            CV::Dict(d) => {
                                for (kv, v) in d.borrow().items() {
                                    let key = self.key(kv)?;
                                    t.insert(key, kv.clone(), v.clone());
                                }
                            }
                            _ => return raise("TypeError"),
                        },
                    }
                }
                Ok(CV::Dict(Rc::new(RefCell::new(t))))
            }
            ExprKind::Comp {
                kind,
                elt,
                key,
                generators,
            } => self.comprehension(*kind, elt, key.as_deref(), generators),
            ExprKind::Lambda { params, body } => {
                let mut defaults = HashMap::new();
                for p in params.positional.iter().chain(&params.kwonly) {
                    if let Some(d) = &p.default {
                        defaults.insert(p.name.clone(), self.eval(d)?);
                    }
                }
                let env = match self.frames.last() {
                    Some(f) => {
                        let mut env = vec![f.locals.clone()];
                        env.extend(f.env.iter().cloned());
                        env
                    }
                    None => Vec::new(),
                };
                Ok(CV::Func(Rc::new(CFunc {
                    name: "<lambda>".into(),
                    body: Body::Lambda(
                        std::sync::Arc::new(params.clone()),
                        std::sync::Arc::new((**body).clone()),
                    ),
                    defaults,
                    env,
                    generator: false,
                    memo: None,
                })))
            }
            ExprKind::Named { target, value } => {
                let v = self.eval(value)?;
                self.assign(target, v.clone())?;
                Ok(v)
            }
            ExprKind::Yield(v) => {
                let v = match v {
                    Some(e) => self.eval(e)?,
                    None => CV::None,
                };
                let n = self.push_yield(vec![v])?;
                self.step(n)?;
                Ok(CV::None)
            }
            ExprKind::YieldFrom(inner) => {
                let v = self.eval(inner)?;
                let items = self.iterate(&v)?;
                let n = self.push_yield(items)?;
                self.step(n)?;
                Ok(CV::None)
            }
            ExprKind::Starred(_) => unsupported("a starred expression here"),
            ExprKind::Slice { .. } => unsupported("a slice outside a subscript"),
            ExprKind::Ellipsis
            | ExprKind::Complex(_)
            | ExprKind::Bytes(_)
            | ExprKind::Await(_)
            | ExprKind::Opaque => unsupported("an expression of an unsupported kind"),
        }
    }

    fn push_yield(&mut self, items: Vec<CV>) -> Result<u64, Stop> {
        let n = items.len() as u64;
        match self.frames.last_mut().and_then(|f| f.yields.as_mut()) {
            Some(y) => {
                if y.len() + items.len() > MAX_ITEMS {
                    return unsupported("a generator yielding too many items");
                }
                y.extend(items);
                Ok(n / 4)
            }
            None => unsupported("`yield` outside a generator"),
        }
    }

    fn comprehension(
        &mut self,
        kind: CompKind,
        elt: &Expr,
        dkey: Option<&Expr>,
        generators: &[Comprehension],
    ) -> Result<CV, Stop> {
        // A comprehension has its own scope, over the enclosing one.
        let (outer, env, class) = match self.frames.last() {
            Some(f) => {
                let mut env = vec![f.locals.clone()];
                env.extend(f.env.iter().cloned());
                (f.globals_decl.clone(), env, f.class.clone())
            }
            None => (HashSet::new(), Vec::new(), None),
        };
        // The first iterable is evaluated in the enclosing scope.
        let first = self.eval(&generators[0].iter)?;
        self.frames.push(Frame {
            locals: Rc::new(RefCell::new(HashMap::new())),
            env,
            globals_decl: outer,
            nonlocal_decl: HashSet::new(),
            yields: None,
            class,
        });
        let mut out = Vec::new();
        let r = self.comp_level(generators, 0, Some(first), elt, dkey, &mut out);
        self.frames.pop();
        r?;
        // The items it made, keyed by where its item expression is written
        // (no loop is written there): what its conditions kept.
        let made = self.trace.loops.entry(at(elt.span)).or_insert((0, 0));
        made.0 += 1;
        made.1 += out.len() as u64;
        Ok(match kind {
            CompKind::List => CV::list(out),
            CompKind::Generator => CV::Iter(Rc::new(RefCell::new(Iter::new(out)))),
            CompKind::Set => self.make_set(out)?,
            CompKind::Dict => {
                let mut t = Table::default();
                for pair in out {
                    if let CV::Tuple(kv) = pair {
                        let key = self.key(&kv[0])?;
                        t.insert(key, kv[0].clone(), kv[1].clone());
                    }
                }
                CV::Dict(Rc::new(RefCell::new(t)))
            }
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn comp_level(
        &mut self,
        generators: &[Comprehension],
        level: usize,
        first: Option<CV>,
        elt: &Expr,
        dkey: Option<&Expr>,
        out: &mut Vec<CV>,
    ) -> Result<(), Stop> {
        let g = &generators[level];
        let it = match first {
            Some(v) => v,
            None => self.eval(&g.iter)?,
        };
        // Keyed by where the iterable is written: the analysis looks each
        // level up there.
        let loop_key = at(g.iter.span);
        self.trace.loops.entry(loop_key).or_insert((0, 0)).0 += 1;
        let mut src = self.iter_source(&it)?;
        'items: while let Some(v) = self.next_item(&mut src)? {
            if let Some(c) = self.trace.loops.get_mut(&loop_key) {
                c.1 += 1;
            }
            self.assign(&g.target, v)?;
            for cond in &g.ifs {
                let t = self.eval(cond)?;
                if !self.truthy(&t)? {
                    continue 'items;
                }
            }
            if level + 1 < generators.len() {
                self.comp_level(generators, level + 1, None, elt, dkey, out)?;
            } else {
                let v = self.eval(elt)?;
                let item = match dkey {
                    Some(k) => CV::tuple(vec![self.eval(k)?, v]),
                    None => v,
                };
                if out.len() >= MAX_ITEMS {
                    return unsupported("a comprehension too big to run");
                }
                out.push(item);
            }
        }
        Ok(())
    }

    fn eval_call(&mut self, func: &Expr, args: &[Expr], keywords: &[Keyword]) -> Result<CV, Stop> {
        // `super().method(...)`, `super(Class, self).method(...)`: the
        // method of the next class up.
        if let ExprKind::Attribute { value, attr } = &func.kind {
            if let ExprKind::Call {
                func: f, args: a, ..
            } = &value.kind
            {
                if let Some(m) = self.super_attr(f, a, attr)? {
                    let (pos, kw) = self.eval_args(args, keywords)?;
                    return self.call(&m, pos, kw);
                }
            }
        }
        let f = self.eval(func)?;
        let (pos, kw) = self.eval_args(args, keywords)?;
        self.call(&f, pos, kw)
    }

    fn eval_args(
        &mut self,
        args: &[Expr],
        keywords: &[Keyword],
    ) -> Result<(Vec<CV>, Keywords), Stop> {
        let pos = self.eval_items(args)?;
        let mut kw = Vec::new();
        for k in keywords {
            let v = self.eval(&k.value)?;
            match &k.name {
                Some(n) => kw.push((n.clone(), v)),
                None => match v {
                    CV::Dict(d) => {
                        for (kv, v) in d.borrow().items() {
                            match kv {
                                CV::Str(s) => kw.push((s.to_string(), v.clone())),
                                _ => return raise("TypeError"),
                            }
                        }
                    }
                    _ => return raise("TypeError"),
                },
            }
        }
        Ok((pos, kw))
    }

    /// The values of a display's items or a call's positional arguments,
    /// `*xs` spread out.
    fn eval_items(&mut self, items: &[Expr]) -> Result<Vec<CV>, Stop> {
        let mut vals = Vec::with_capacity(items.len());
        for it in items {
            if let ExprKind::Starred(inner) = &it.kind {
                let v = self.eval(inner)?;
                vals.extend(self.iterate(&v)?);
            } else {
                vals.push(self.eval(it)?);
            }
        }
        Ok(vals)
    }

    /// `super().name`, `super(Class, self).name` when `func(args)` is such a
    /// `super` call: the attribute of the next class up (a property's
    /// getter already called). None for any other call.
    fn super_attr(&mut self, func: &Expr, args: &[Expr], name: &str) -> Result<Option<CV>, Stop> {
        if func.as_name() != Some("super") || !(args.is_empty() || args.len() == 2) {
            return Ok(None);
        }
        let explicit = match args {
            [c, r] => match (self.eval(c)?, self.eval(r)?) {
                (CV::Class(c), recv) => Some((c, recv)),
                _ => return raise("TypeError"),
            },
            _ => None,
        };
        self.super_method(name, explicit).map(Some)
    }

    fn super_method(
        &mut self,
        name: &str,
        explicit: Option<(Rc<ClassVal>, CV)>,
    ) -> Result<CV, Stop> {
        let from_frame = || self.frames.last().and_then(|f| f.class.clone());
        let Some((class, recv)) = explicit.or_else(from_frame) else {
            return unsupported("`super()` outside a method");
        };
        for b in &class.bases {
            match b {
                Value::Class(b) => {
                    if let Some(v) = b.lookup(name) {
                        return match v {
                            Value::Func(f) => {
                                let kind = method_kind(&f);
                                let f = self.func(&f)?;
                                let m = CV::Method(f, Box::new(recv));
                                match kind {
                                    MethodKind::Property => self.call(&m, Vec::new(), Vec::new()),
                                    _ => Ok(m),
                                }
                            }
                            other => self.convert(&other),
                        };
                    }
                }
                Value::Lib(q) if name == "__init__" && !q.is_empty() => {
                    return Ok(CV::Lib(Rc::from("builtins.object.__init__")));
                }
                _ => {}
            }
        }
        if name == "__init__" {
            return Ok(CV::Lib(Rc::from("builtins.object.__init__")));
        }
        raise("AttributeError")
    }

    /// A class attribute the run set, on the class or a base.
    fn class_attr(&self, c: &ClassVal, attr: &str) -> Option<CV> {
        if self.class_attrs.is_empty() {
            return None;
        }
        if let Some(v) = self.class_attrs.get(&(class_id(c), attr.to_string())) {
            return Some(v.clone());
        }
        c.bases.iter().find_map(|b| match b {
            Value::Class(b) => self.class_attr(b, attr),
            _ => None,
        })
    }

    pub(super) fn attribute(&mut self, v: &CV, attr: &str) -> Result<CV, Stop> {
        // `Color.RED`: the member, one object each time.
        if let CV::Class(c) = v {
            if c.is_enum() {
                if let Some((_, m)) = self.members(c).iter().find(|(n, _)| n == attr) {
                    return Ok(m.clone());
                }
            }
        }
        match v {
            CV::Instance(i) => {
                if let Some(a) = i.attrs.borrow().get(attr) {
                    return Ok(a.clone());
                }
                let class = i.class.clone();
                if let Some(v) = self.class_attr(&class, attr) {
                    return Ok(v);
                }
                match class.lookup(attr) {
                    Some(Value::Func(f)) => {
                        let kind = method_kind(&f);
                        let f = self.func(&f)?;
                        match kind {
                            MethodKind::Property => self.call(
                                &CV::Method(f, Box::new(v.clone())),
                                Vec::new(),
                                Vec::new(),
                            ),
                            MethodKind::Static => Ok(CV::Func(f)),
                            MethodKind::Class => Ok(CV::Method(f, Box::new(CV::Class(class)))),
                            MethodKind::Plain => Ok(CV::Method(f, Box::new(v.clone()))),
                        }
                    }
                    Some(other) => self.convert(&other),
                    None if attr == "__class__" => Ok(CV::Class(class)),
                    None if (attr == "_asdict" || attr == "_replace")
                        && self.record_items(v).is_some() =>
                    {
                        Ok(CV::BMethod(Box::new(v.clone()), Rc::from(attr)))
                    }
                    None if attr == "__dict__" => unsupported("`__dict__`"),
                    None => raise("AttributeError"),
                }
            }
            CV::Class(c) if self.class_attr(c, attr).is_some() => {
                Ok(self.class_attr(c, attr).unwrap_or(CV::None))
            }
            CV::Class(c) => match c.lookup(attr) {
                Some(Value::Func(f)) => {
                    let kind = method_kind(&f);
                    let f = self.func(&f)?;
                    match kind {
                        MethodKind::Class => Ok(CV::Method(f, Box::new(v.clone()))),
                        _ => Ok(CV::Func(f)),
                    }
                }
                Some(other) => self.convert(&other),
                None if attr == "__name__" => Ok(CV::str(&c.name)),
                None => raise("AttributeError"),
            },
            CV::Lib(q) => self.lib_attribute(q, attr),
            CV::Namespace(ns) => match ns.borrow().get(attr) {
                Some(v) => Ok(v.clone()),
                None => raise("AttributeError"),
            },
            CV::Parser(_) => Ok(CV::BMethod(Box::new(v.clone()), Rc::from(attr))),
            CV::Opaque(q) => Ok(CV::Opaque(Rc::from(format!("{q}.{attr}").as_str()))),
            // A deque's `maxlen` (None for a list made as a deque without one).
            CV::List(l) if attr == "maxlen" => Ok(self
                .maxlens
                .get(&(Rc::as_ptr(l) as usize))
                .map_or(CV::None, |(_, n)| CV::Int(*n as i64))),
            CV::Time(t) => match self.time_attribute(*t, attr) {
                Some(a) => Ok(a),
                None => Ok(CV::BMethod(Box::new(v.clone()), Rc::from(attr))),
            },
            CV::Regex(_) | CV::Match(_) => match self.regex_attribute(v, attr) {
                Some(a) => Ok(a),
                None => Ok(CV::BMethod(Box::new(v.clone()), Rc::from(attr))),
            },
            CV::Func(f) if attr == "__name__" => Ok(CV::str(&f.name)),
            CV::Rng(_)
            | CV::List(_)
            | CV::Dict(_)
            | CV::Set(_)
            | CV::Str(_)
            | CV::Tuple(_)
            | CV::Int(_)
            | CV::Float(_)
            | CV::Iter(_) => Ok(CV::BMethod(Box::new(v.clone()), Rc::from(attr))),
            _ => unsupported(format!("attribute `{attr}` of a {}", v.type_name())),
        }
    }

    fn subscript(&mut self, v: &CV, index: &Expr) -> Result<CV, Stop> {
        if let CV::Opaque(q) = v {
            // A slice's bounds still run (they may call the program's own
            // code); what they cut is the library's.
            if let ExprKind::Slice { lower, upper, step } = &index.kind {
                for e in [lower, upper, step].into_iter().flatten() {
                    self.eval(e)?;
                }
                return Ok(CV::Opaque(q.clone()));
            }
        }
        if let ExprKind::Slice { lower, upper, step } = &index.kind {
            let stepv = self.slice_step(step.as_deref())?;
            let items: Vec<CV> = match v {
                CV::List(l) => l.borrow().clone(),
                CV::Tuple(t) => (**t).clone(),
                CV::Str(s) => {
                    let chars: Vec<char> = s.chars().collect();
                    let idx = self.slice_indices(lower, upper, stepv, chars.len())?;
                    self.alloc(idx.len())?;
                    let out: String = idx.into_iter().map(|i| chars[i]).collect();
                    return Ok(CV::Str(Rc::from(out.as_str())));
                }
                CV::Range(..) => self.iterate(v)?,
                _ => return unsupported(format!("a slice of a {}", v.type_name())),
            };
            let idx = self.slice_indices(lower, upper, stepv, items.len())?;
            self.alloc(idx.len())?;
            let out: Vec<CV> = idx.into_iter().map(|i| items[i].clone()).collect();
            return Ok(match v {
                CV::Tuple(_) => CV::tuple(out),
                _ => CV::list(out),
            });
        }
        let i = self.eval(index)?;
        self.item(v, &i)
    }

    pub(super) fn item(&mut self, v: &CV, i: &CV) -> Result<CV, Stop> {
        match (v, i) {
            (CV::Opaque(q), _) => return Ok(CV::Opaque(q.clone())),
            (_, CV::Opaque(q)) => return unsupported(format!("an index `{q}` returned")),
            _ => {}
        }
        if let Some(items) = self.record_items(v) {
            return self.item(&CV::tuple(items), i);
        }
        match v {
            CV::Match(f) => {
                let f = f.clone();
                self.group(&f, i)
            }
            CV::List(l) => {
                let l = l.borrow();
                let idx = self.index_of(i, l.len())?;
                Ok(l[idx].clone())
            }
            CV::Tuple(t) => {
                let idx = self.index_of(i, t.len())?;
                Ok(t[idx].clone())
            }
            CV::Str(s) => {
                let n = s.chars().count();
                let idx = self.index_of(i, n)?;
                match s.chars().nth(idx) {
                    Some(c) => Ok(CV::Str(Rc::from(c.to_string().as_str()))),
                    None => raise("IndexError"),
                }
            }
            CV::Range(a, _, st) => {
                let n = range_len(v);
                let idx = self.index_of(i, n)?;
                let v = *a as i128 + *st as i128 * idx as i128;
                Ok(CV::Int(
                    i64::try_from(v).map_err(|_| Stop::Unsupported("big integers".into()))?,
                ))
            }
            CV::Dict(d) => {
                let key = self.key(i)?;
                let factory = d.borrow().default.clone();
                let held = d.borrow().get(&key).cloned();
                if d.borrow().counter {
                    // `Counter.__missing__` answers 0 and stores nothing.
                    return Ok(held.unwrap_or(CV::Int(0)));
                }
                if let Some(v) = held {
                    if factory.is_some() {
                        // A defaultdict's `d[k].append(x)` stores as it reads.
                        self.note_key(false);
                    }
                    return Ok(v);
                }
                match factory {
                    Some(f) => {
                        self.note_key(true);
                        let new = self.call(&f, Vec::new(), Vec::new())?;
                        d.borrow_mut().insert(key, i.clone(), new.clone());
                        Ok(new)
                    }
                    None => raise("KeyError"),
                }
            }
            CV::Instance(_) => self.dunder(v, "__getitem__", vec![i.clone()]),
            _ => unsupported(format!("indexing a {}", v.type_name())),
        }
    }

    pub(super) fn index_of(&self, i: &CV, len: usize) -> Result<usize, Stop> {
        let i = match i {
            CV::Int(i) => *i,
            CV::Bool(b) => *b as i64,
            _ => return raise("TypeError"),
        };
        let idx = if i < 0 {
            i.saturating_add(len as i64)
        } else {
            i
        };
        if idx < 0 || idx >= len as i64 {
            return raise("IndexError");
        }
        Ok(idx as usize)
    }

    fn slice_bound(&mut self, e: Option<&Expr>, n: i64, default: i64) -> Result<i64, Stop> {
        match e {
            None => Ok(default),
            Some(e) => match self.eval(e)? {
                CV::None => Ok(default),
                CV::Int(i) => Ok(if i < 0 {
                    i.saturating_add(n).max(0)
                } else {
                    i.min(n)
                }),
                _ => raise("TypeError"),
            },
        }
    }

    /// A slice's step: 1 when left out or `None`; zero or a non-integer
    /// raises, as in Python.
    fn slice_step(&mut self, step: Option<&Expr>) -> Result<i64, Stop> {
        match step {
            Some(s) => match self.eval(s)? {
                CV::Int(k) if k != 0 => Ok(k),
                CV::None => Ok(1),
                _ => raise("ValueError"),
            },
            None => Ok(1),
        }
    }

    fn slice_indices(
        &mut self,
        lower: &Option<Box<Expr>>,
        upper: &Option<Box<Expr>>,
        step: i64,
        len: usize,
    ) -> Result<Vec<usize>, Stop> {
        let n = len as i64;
        let bound = |me: &mut Self, e: &Option<Box<Expr>>| -> Result<Option<i64>, Stop> {
            match e {
                None => Ok(None),
                Some(e) => match me.eval(e)? {
                    CV::None => Ok(None),
                    CV::Int(i) => Ok(Some(i)),
                    _ => raise("TypeError"),
                },
            }
        };
        let lo = bound(self, lower)?;
        let hi = bound(self, upper)?;
        let clamp = |i: i64, lo: i64, hi: i64| {
            if i < 0 {
                i.saturating_add(n).max(lo)
            } else {
                i.min(hi)
            }
        };
        let mut out = Vec::new();
        if step > 0 {
            let start = lo.map_or(0, |i| clamp(i, 0, n));
            let stop = hi.map_or(n, |i| clamp(i, 0, n));
            let mut i = start;
            while i < stop {
                out.push(i as usize);
                i = i.saturating_add(step);
            }
        } else {
            let start = lo.map_or(n - 1, |i| clamp(i, -1, n - 1));
            let stop = hi.map_or(-1, |i| clamp(i, -1, n - 1));
            let mut i = start;
            while i > stop {
                out.push(i as usize);
                i = i.saturating_add(step);
            }
        }
        Ok(out)
    }

    /// Calls a special method of an instance.
    pub(super) fn dunder(&mut self, obj: &CV, name: &str, args: Vec<CV>) -> Result<CV, Stop> {
        let CV::Instance(i) = obj else {
            return raise("TypeError");
        };
        match i.class.lookup(name) {
            Some(Value::Func(f)) => {
                let f = self.func(&f)?;
                self.call(&CV::Method(f, Box::new(obj.clone())), args, Vec::new())
            }
            _ => raise("TypeError"),
        }
    }

    pub(super) fn has_dunder(&self, obj: &CV, name: &str) -> bool {
        matches!(obj, CV::Instance(i) if i.class.lookup(name).is_some())
    }

    pub(super) fn truthy(&mut self, v: &CV) -> Result<bool, Stop> {
        Ok(match v {
            CV::None => false,
            CV::Bool(b) => *b,
            CV::Int(i) => *i != 0,
            CV::Float(f) => *f != 0.0,
            CV::Str(s) => !s.is_empty(),
            CV::Tuple(t) => !t.is_empty(),
            CV::List(l) => !l.borrow().is_empty(),
            CV::Dict(d) | CV::Set(d) => d.borrow().len() > 0,
            CV::Range(..) => range_len(v) > 0,
            CV::Time(t) => t.kind != super::dates::TmKind::Delta || t.us != 0,
            CV::Opaque(q) => return unsupported(format!("a branch on what `{q}` returned")),
            CV::Instance(_) => {
                if self.has_dunder(v, "__bool__") {
                    let r = self.dunder(v, "__bool__", Vec::new())?;
                    self.truthy(&r)?
                } else if self.has_dunder(v, "__len__") {
                    let r = self.dunder(v, "__len__", Vec::new())?;
                    self.truthy(&r)?
                } else {
                    true
                }
            }
            _ => true,
        })
    }

    pub(super) fn make_set(&mut self, items: Vec<CV>) -> Result<CV, Stop> {
        let mut t = Table::default();
        for v in items {
            let k = self.key(&v)?;
            t.insert(k, v, CV::None);
        }
        Ok(CV::Set(Rc::new(RefCell::new(t))))
    }

    /// The user function a definition of the analysis stands for.
    pub(super) fn func(&mut self, f: &Rc<crate::value::FuncVal>) -> Result<Rc<CFunc>, Stop> {
        match self.convert(&Value::Func(f.clone()))? {
            CV::Func(g) => Ok(g),
            _ => unsupported("a function"),
        }
    }
}

/// The names an `import` statement binds, each to its module or to the
/// library object it names.
fn imported(s: &Stmt) -> Result<Vec<(String, CV)>, Stop> {
    let lib = |q: &str| CV::Lib(Rc::from(q));
    match &s.kind {
        StmtKind::Import(aliases) => Ok(aliases
            .iter()
            .map(|a| match &a.asname {
                Some(alias) => (alias.clone(), lib(&a.name)),
                None => {
                    let top = a.name.split('.').next().unwrap_or(&a.name);
                    (top.to_string(), lib(top))
                }
            })
            .collect()),
        StmtKind::ImportFrom {
            module,
            names,
            level,
        } => {
            if *level > 0 {
                return unsupported("a relative import");
            }
            Ok(names
                .iter()
                .map(|a| {
                    let name = a.asname.clone().unwrap_or_else(|| a.name.clone());
                    (name, lib(&format!("{module}.{}", a.name)))
                })
                .collect())
        }
        _ => Ok(Vec::new()),
    }
}

/// The class, `c` or one of its bases (depth first, as lookup goes), whose
/// own body defines `f`.
fn defining_class(c: &Rc<ClassVal>, f: &CFunc) -> Option<Rc<ClassVal>> {
    let Body::Def(d) = &f.body else {
        return None;
    };
    let defines = c.attrs.borrow().values().any(|v| {
        matches!(v, Value::Func(g) if matches!(&g.callable, crate::value::Callable::Def(e) if e.span == d.span))
    });
    if defines {
        return Some(c.clone());
    }
    c.bases.iter().find_map(|b| match b {
        Value::Class(b) => defining_class(b, f),
        _ => None,
    })
}

/// An f-string's text, its parts' `values` in place.
fn render_fstring(template: &[FPiece], values: &[CV], out: &mut String) {
    for piece in template {
        match piece {
            FPiece::Text(t) => out.push_str(t),
            FPiece::Value {
                part,
                conversion,
                spec,
            } => {
                let Some(v) = values.get(*part) else {
                    continue;
                };
                let mut spec_text = String::new();
                render_fstring(spec, values, &mut spec_text);
                match conversion {
                    Some('r' | 'a') => {
                        let shown = CV::str(&v.repr());
                        out.push_str(&super::builtins::format_spec(&shown, &spec_text));
                    }
                    _ => out.push_str(&super::builtins::format_spec(v, &spec_text)),
                }
            }
        }
    }
}

/// The number of items of a range.
pub(super) fn range_len(v: &CV) -> usize {
    match v {
        CV::Range(a, b, s) => {
            let (a, b, s) = (*a as i128, *b as i128, *s as i128);
            let n = if s > 0 {
                (b - a + s - 1).div_euclid(s)
            } else {
                (a - b - s - 1).div_euclid(-s)
            };
            n.max(0) as usize
        }
        _ => 0,
    }
}

/// Whether a dataclass is declared `frozen=True` or `unsafe_hash=True`:
/// hashed by its fields.
fn frozen_record(c: &ClassVal) -> bool {
    let named_tuple = c
        .bases
        .iter()
        .any(|b| matches!(b, Value::Lib(q) if q.ends_with("NamedTuple")));
    named_tuple
        || crate::value::dataclass_flag(c, "frozen", true)
        || crate::value::dataclass_flag(c, "unsafe_hash", true)
}

pub(super) fn class_id(c: &ClassVal) -> usize {
    c as *const ClassVal as usize
}

pub(super) fn builtin_exception(name: &str) -> bool {
    matches!(
        name,
        "Exception"
            | "BaseException"
            | "ValueError"
            | "KeyError"
            | "IndexError"
            | "TypeError"
            | "RuntimeError"
            | "ZeroDivisionError"
            | "StopIteration"
            | "AssertionError"
            | "AttributeError"
            | "LookupError"
            | "ArithmeticError"
            | "NotImplementedError"
            | "OverflowError"
            | "SystemExit"
    )
}

fn class_derives(c: &ClassVal, name: &str) -> bool {
    c.bases.iter().any(|b| match b {
        Value::Class(b) => b.name == name || class_derives(b, name),
        Value::Lib(q) => {
            let base = q.rsplit('.').next().unwrap_or(q);
            base == name || (name == "Exception" && builtin_exception(base))
        }
        _ => false,
    })
}

enum MethodKind {
    Plain,
    Property,
    Static,
    Class,
}

/// The built-in container a class only renames (`class Bag(list): pass`,
/// no methods or attributes of its own, one base): what its instances are.
fn container_alias(c: &ClassVal) -> Option<&'static str> {
    let [Value::Lib(q)] = c.bases.as_slice() else {
        return None;
    };
    let kind = match q.strip_prefix("builtins.").unwrap_or(q) {
        "list" => "list",
        "dict" => "dict",
        "set" => "set",
        _ => return None,
    };
    // Only metadata of its own (`__doc__`, `__module__`): no methods, no
    // class attributes.
    let own = c.attrs.borrow();
    own.iter()
        .all(|(k, v)| k.starts_with("__") && !matches!(v, Value::Func(_)))
        .then_some(kind)
}

fn method_kind(f: &crate::value::FuncVal) -> MethodKind {
    let crate::value::Callable::Def(d) = &f.callable else {
        return MethodKind::Plain;
    };
    for dec in &d.decorators {
        match dec.dotted().as_deref() {
            Some("property" | "functools.cached_property" | "cached_property") => {
                return MethodKind::Property
            }
            Some("staticmethod") => return MethodKind::Static,
            Some("classmethod") => return MethodKind::Class,
            _ => {}
        }
    }
    MethodKind::Plain
}

/// `@functools.cache` / `@lru_cache(...)`: a memo; a decorator other than
/// those and the method kinds is not modelled.
pub(super) fn memo_decorated(d: &FunctionDef) -> Result<Option<RefCell<HashMap<Key, CV>>>, Stop> {
    let modelled = d.decorators.iter().all(|dec| {
        let name = match &dec.kind {
            ExprKind::Call { func, .. } => func.dotted(),
            _ => dec.dotted(),
        };
        matches!(
            name.as_deref().map(|n| n.rsplit('.').next().unwrap_or(n)),
            Some(
                "cache"
                    | "lru_cache"
                    | "property"
                    | "staticmethod"
                    | "classmethod"
                    | "cached_property"
            )
        )
    });
    if !modelled {
        return unsupported("a decorated function");
    }
    Ok(crate::value::memoised(d).then(|| RefCell::new(HashMap::new())))
}

/// Whether a function body yields (not counting nested functions).
pub(super) fn yields(body: &[Stmt]) -> bool {
    body.iter().any(|s| {
        if matches!(s.kind, StmtKind::FunctionDef(_) | StmtKind::ClassDef(_)) {
            return false;
        }
        let here = s.exprs().into_iter().any(|e| {
            let mut found = false;
            e.walk(&mut |x| found |= matches!(x.kind, ExprKind::Yield(_) | ExprKind::YieldFrom(_)));
            found
        });
        here || s.child_blocks().into_iter().any(yields)
    })
}

/// `global` and `nonlocal` declarations of a body (not of nested functions).
fn declared(body: &[Stmt], globals: &mut HashSet<String>, nonlocals: &mut HashSet<String>) {
    for s in body {
        match &s.kind {
            StmtKind::Global(names) => globals.extend(names.iter().cloned()),
            StmtKind::Nonlocal(names) => nonlocals.extend(names.iter().cloned()),
            StmtKind::FunctionDef(_) | StmtKind::ClassDef(_) => {}
            _ => {
                for b in s.child_blocks() {
                    declared(b, globals, nonlocals);
                }
            }
        }
    }
}
