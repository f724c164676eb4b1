//! The standard modules users' scripts reach for beyond the core built-ins:
//! the rest of `itertools`, `collections.namedtuple`, `statistics`, and the
//! text modules `json` and `re`. A script that stopped the run on any of
//! them kept the analysis's assumed counts for all of its loops, so each
//! is modelled as far as its results steer what the program does next.
//!
//! `re` runs on the `regex` crate. Python's syntax is mostly the same; what
//! the crate does not have (back-references, look-around) stops the run as
//! unsupported rather than matching differently.

use super::builtins::{arg, kwarg};
use super::exec::{raise, unsupported, Exec, MAX_ITEMS};
use super::value::*;
use super::Stop;
use prescient_syntax::ast::{BinOp, ExprKind};
use std::cell::RefCell;
use std::rc::Rc;

/// A positional argument, or the keyword of that name.
fn param<'a>(pos: &'a [CV], kw: &'a [(String, CV)], i: usize, name: &str) -> Option<&'a CV> {
    pos.get(i).or_else(|| kwarg(kw, name))
}

fn endless(tail: Endless) -> CV {
    CV::Iter(Rc::new(RefCell::new(Iter {
        items: Vec::new(),
        pos: 0,
        endless: Some(tail),
    })))
}

fn text(v: &CV) -> Result<Rc<str>, Stop> {
    match v {
        CV::Str(s) => Ok(s.clone()),
        _ => raise("TypeError"),
    }
}

fn float(v: &CV) -> Result<f64, Stop> {
    num(v).ok_or_else(|| Stop::Raised("TypeError".into()))
}

impl Exec<'_> {
    /// A call of the standard function `q` this module models, or None
    /// when it models no such function.
    pub(super) fn call_stdlib(
        &mut self,
        q: &str,
        pos: &[CV],
        kw: &[(String, CV)],
    ) -> Result<Option<CV>, Stop> {
        if let Some(f) = q.strip_prefix("itertools.") {
            return self.itertools(f, pos, kw);
        }
        if let Some(f) = q.strip_prefix("statistics.") {
            return self.statistics(f, pos).map(Some);
        }
        if let Some(f) = q.strip_prefix("re.") {
            return self.re_call(f, pos, kw);
        }
        if let Some(f) = q.strip_prefix("datetime.") {
            return self.datetime_call(f, pos, kw);
        }
        Ok(Some(match q {
            "collections.namedtuple" | "typing.NamedTuple" => {
                let name = text(arg(pos, 0)?)?;
                let spec = param(pos, kw, 1, "field_names")
                    .ok_or_else(|| Stop::Raised("TypeError".into()))?;
                let fields = match spec {
                    CV::Str(s) => crate::kb::pystd::field_names(s),
                    other => {
                        let mut names = Vec::new();
                        for f in self.iterate(other)? {
                            // `NamedTuple("P", [("x", float), ...])`.
                            let f = match &f {
                                CV::Tuple(pair) => pair.first().cloned().unwrap_or(CV::None),
                                _ => f,
                            };
                            names.push(text(&f)?.to_string());
                        }
                        names
                    }
                };
                if kwarg(kw, "defaults").is_some() {
                    return unsupported("`namedtuple` defaults");
                }
                let class = crate::kb::pystd::record_class(name.to_string(), fields, self.line);
                CV::Class(Rc::new(class))
            }
            "json.dumps" => {
                let indent = match kwarg(kw, "indent") {
                    None | Some(CV::None) => None,
                    Some(CV::Int(n)) => Some(" ".repeat((*n).clamp(0, 64) as usize)),
                    Some(CV::Str(s)) => Some(s.to_string()),
                    Some(_) => return raise("TypeError"),
                };
                let sort = match kwarg(kw, "sort_keys") {
                    Some(v) => self.truthy(&v.clone())?,
                    None => false,
                };
                let mut out = String::new();
                let style = JsonStyle { indent, sort };
                self.json_write(arg(pos, 0)?, &style, 0, &mut out)?;
                self.alloc(out.len() / 16)?;
                CV::Str(Rc::from(out.as_str()))
            }
            "json.loads" => {
                let src = text(arg(pos, 0)?)?;
                self.step(src.len() as u64 / 16)?;
                let mut de = serde_json::Deserializer::from_str(&src);
                let v = serde::de::DeserializeSeed::deserialize(JsonSeed, &mut de)
                    .and_then(|v| de.end().map(|_| v))
                    .map_err(|_| Stop::Raised("json.JSONDecodeError".into()))?;
                self.alloc(src.len() / 16)?;
                v
            }
            _ => return Ok(None),
        }))
    }

    /// The first items of `v`, up to `stop` when it is an integer: an
    /// endless iterator is read only that far (`islice(count(), n)`).
    pub(super) fn leading(&mut self, v: &CV, stop: Option<&CV>) -> Result<Vec<CV>, Stop> {
        match (v, stop) {
            (CV::Iter(i), Some(CV::Int(n))) if i.borrow().endless.is_some() => {
                let n = (*n).max(0) as usize;
                if n > MAX_ITEMS {
                    return unsupported("an endless iterator read too far");
                }
                let mut i = i.borrow_mut();
                Ok((0..n).filter_map(|_| i.next()).collect())
            }
            _ => self.iterate(v),
        }
    }

    fn itertools(&mut self, f: &str, pos: &[CV], kw: &[(String, CV)]) -> Result<Option<CV>, Stop> {
        Ok(Some(match f {
            "count" => {
                let start = param(pos, kw, 0, "start").cloned().unwrap_or(CV::Int(0));
                let step = param(pos, kw, 1, "step").cloned().unwrap_or(CV::Int(1));
                if float(&start).is_err() || float(&step).is_err() {
                    return raise("TypeError");
                }
                endless(Endless::Count(start, step))
            }
            "repeat" => {
                let v = arg(pos, 0)?.clone();
                match param(pos, kw, 1, "times") {
                    Some(n) => {
                        let n = float(n)?.max(0.0) as usize;
                        if n > MAX_ITEMS {
                            return unsupported("a repetition too long to run");
                        }
                        self.alloc(n)?;
                        iter_of(vec![v; n])
                    }
                    None => endless(Endless::Repeat(v)),
                }
            }
            "cycle" => {
                let items = self.iterate(arg(pos, 0)?)?;
                if items.is_empty() {
                    iter_of(Vec::new())
                } else {
                    endless(Endless::Cycle(items, 0))
                }
            }
            "groupby" => {
                let items = self.iterate(arg(pos, 0)?)?;
                let key = param(pos, kw, 1, "key").filter(|k| !matches!(k, CV::None));
                let key = key.cloned();
                let mut groups: Vec<(CV, Vec<CV>)> = Vec::new();
                for it in items {
                    let k = match &key {
                        Some(f) => self.call(f, vec![it.clone()], Vec::new())?,
                        None => it.clone(),
                    };
                    let same = match groups.last() {
                        Some((last, _)) => self.equal(last, &k)?,
                        None => false,
                    };
                    match groups.last_mut() {
                        Some((_, g)) if same => g.push(it),
                        _ => groups.push((k, vec![it])),
                    }
                }
                iter_of(
                    groups
                        .into_iter()
                        .map(|(k, g)| CV::tuple(vec![k, iter_of(g)]))
                        .collect(),
                )
            }
            "accumulate" => {
                let items = self.iterate(arg(pos, 0)?)?;
                let func = param(pos, kw, 1, "func").filter(|k| !matches!(k, CV::None));
                let func = func.cloned();
                let mut acc = kwarg(kw, "initial")
                    .filter(|v| !matches!(v, CV::None))
                    .cloned();
                let mut out = Vec::with_capacity(items.len() + 1);
                if let Some(a) = &acc {
                    out.push(a.clone());
                }
                for it in items {
                    let next = match (&acc, &func) {
                        (None, _) => it,
                        (Some(a), None) => self.binop(BinOp::Add, a, &it)?,
                        (Some(a), Some(f)) => self.call(f, vec![a.clone(), it], Vec::new())?,
                    };
                    out.push(next.clone());
                    acc = Some(next);
                }
                iter_of(out)
            }
            "chain.from_iterable" => {
                let mut out = Vec::new();
                for part in self.iterate(arg(pos, 0)?)? {
                    out.extend(self.iterate(&part)?);
                    if out.len() > MAX_ITEMS {
                        return unsupported("a chain too long to run");
                    }
                }
                iter_of(out)
            }
            "zip_longest" => {
                let fill = kwarg(kw, "fillvalue").cloned().unwrap_or(CV::None);
                let mut cols = Vec::new();
                for p in pos {
                    cols.push(self.iterate(p)?);
                }
                let n = cols.iter().map(Vec::len).max().unwrap_or(0);
                iter_of(
                    (0..n)
                        .map(|i| {
                            CV::tuple(
                                cols.iter()
                                    .map(|c| c.get(i).cloned().unwrap_or_else(|| fill.clone()))
                                    .collect(),
                            )
                        })
                        .collect(),
                )
            }
            "starmap" => {
                let func = arg(pos, 0)?.clone();
                let mut out = Vec::new();
                for args in self.iterate(arg(pos, 1)?)? {
                    let args = self.iterate(&args)?;
                    out.push(self.call(&func, args, Vec::new())?);
                }
                iter_of(out)
            }
            "takewhile" | "dropwhile" | "filterfalse" => {
                let pred = arg(pos, 0)?.clone();
                let src = arg(pos, 1)?.clone();
                let mut out = Vec::new();
                let mut source = self.iter_source(&src)?;
                let mut dropping = true;
                while let Some(it) = self.next_item(&mut source)? {
                    if f == "dropwhile" && !dropping {
                        out.push(it);
                        continue;
                    }
                    let r = self.call(&pred, vec![it.clone()], Vec::new())?;
                    let keep = self.truthy(&r)?;
                    match f {
                        "takewhile" if keep => out.push(it),
                        "takewhile" => break,
                        "dropwhile" if !keep => {
                            dropping = false;
                            out.push(it);
                        }
                        "filterfalse" if !keep => out.push(it),
                        _ => {}
                    }
                    if out.len() > MAX_ITEMS {
                        return unsupported("an iterator too long to run");
                    }
                }
                iter_of(out)
            }
            "pairwise" => {
                let items = self.iterate(arg(pos, 0)?)?;
                iter_of(items.windows(2).map(|w| CV::tuple(w.to_vec())).collect())
            }
            "compress" => {
                let data = self.iterate(arg(pos, 0)?)?;
                let sel = self.iterate(arg(pos, 1)?)?;
                let mut out = Vec::new();
                for (d, s) in data.into_iter().zip(sel) {
                    if self.truthy(&s)? {
                        out.push(d);
                    }
                }
                iter_of(out)
            }
            _ => return Ok(None),
        }))
    }

    fn statistics(&mut self, f: &str, pos: &[CV]) -> Result<CV, Stop> {
        let items = self.iterate(arg(pos, 0)?)?;
        let mut xs = Vec::with_capacity(items.len());
        for it in &items {
            xs.push(float(it)?);
        }
        self.step(xs.len() as u64)?;
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = |ddof: f64| {
            if n - ddof <= 0.0 {
                return raise("statistics.StatisticsError");
            }
            Ok(xs.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - ddof))
        };
        if xs.is_empty() {
            return raise("statistics.StatisticsError");
        }
        Ok(match f {
            // The mean of integers that divides evenly stays an integer.
            "mean" if items.iter().all(|v| matches!(v, CV::Int(_))) && mean.fract() == 0.0 => {
                CV::Int(mean as i64)
            }
            "mean" | "fmean" => CV::Float(mean),
            "median" | "median_low" | "median_high" => {
                let mut sorted = items.clone();
                self.sort_values(&mut sorted, None, false)?;
                let m = sorted.len() / 2;
                match f {
                    _ if sorted.len() % 2 == 1 => sorted[m].clone(),
                    "median_low" => sorted[m - 1].clone(),
                    "median_high" => sorted[m].clone(),
                    _ => CV::Float((float(&sorted[m - 1])? + float(&sorted[m])?) / 2.0),
                }
            }
            "variance" => CV::Float(var(1.0)?),
            "pvariance" => CV::Float(var(0.0)?),
            "stdev" => CV::Float(var(1.0)?.sqrt()),
            "pstdev" => CV::Float(var(0.0)?.sqrt()),
            _ => return unsupported(format!("`statistics.{f}`")),
        })
    }

    /// A named tuple's fields, in order, when `v` is one.
    pub(super) fn record_items(&self, v: &CV) -> Option<Vec<CV>> {
        let CV::Instance(i) = v else { return None };
        let named = i
            .class
            .bases
            .iter()
            .any(|b| matches!(b, crate::value::Value::Lib(q) if q.ends_with("NamedTuple")));
        if !named {
            return None;
        }
        let mut fields = Vec::new();
        crate::value::record_fields(&i.class, &mut fields);
        let attrs = i.attrs.borrow();
        Some(
            fields
                .iter()
                .map(|(n, _)| attrs.get(n).cloned().unwrap_or(CV::None))
                .collect(),
        )
    }

    /// The fields a dataclass's generated `__eq__` (or, with `ordered`,
    /// its `__lt__` and kin, under `order=True`) compares, in order: those
    /// not declared `field(compare=False)`. None for other values, and
    /// where the class writes its own comparison.
    pub(super) fn compared_fields(&self, v: &CV, ordered: bool) -> Option<Vec<CV>> {
        let CV::Instance(i) = v else { return None };
        let c = &i.class;
        let decorated = c.def.decorators.iter().any(|d| {
            let f = match &d.kind {
                ExprKind::Call { func, .. } => func,
                _ => d,
            };
            f.dotted().is_some_and(|n| n.ends_with("dataclass"))
        });
        let generated = match ordered {
            true => crate::value::dataclass_flag(c, "order", true),
            false => !crate::value::dataclass_flag(c, "eq", false),
        };
        let own = if ordered { "__lt__" } else { "__eq__" };
        if !decorated || !generated || self.has_dunder(v, own) {
            return None;
        }
        let mut fields = Vec::new();
        crate::value::record_fields(c, &mut fields);
        let attrs = i.attrs.borrow();
        Some(
            fields
                .iter()
                .filter(|(_, default)| crate::value::compared_field(default.as_ref()))
                .map(|(n, _)| attrs.get(n).cloned().unwrap_or(CV::None))
                .collect(),
        )
    }

    // ----- json -----

    fn json_write(
        &mut self,
        v: &CV,
        style: &JsonStyle,
        depth: usize,
        out: &mut String,
    ) -> Result<(), Stop> {
        if depth > 500 {
            return raise("RecursionError");
        }
        if out.len() > 1 << 24 {
            return unsupported("a JSON text too long to run");
        }
        self.step(1)?;
        let newline = |out: &mut String, depth: usize| {
            if let Some(ind) = &style.indent {
                out.push('\n');
                for _ in 0..depth {
                    out.push_str(ind);
                }
            }
        };
        let comma = if style.indent.is_some() { "," } else { ", " };
        match v {
            CV::None => out.push_str("null"),
            CV::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            CV::Int(i) => out.push_str(&i.to_string()),
            CV::Float(f) if f.is_nan() => out.push_str("NaN"),
            CV::Float(f) if f.is_infinite() => {
                out.push_str(if *f > 0.0 { "Infinity" } else { "-Infinity" })
            }
            CV::Float(_) => out.push_str(&v.repr()),
            CV::Str(s) => json_string(s, out),
            CV::List(_) | CV::Tuple(_) => {
                let items = self.iterate(v)?;
                if items.is_empty() {
                    out.push_str("[]");
                    return Ok(());
                }
                out.push('[');
                for (i, it) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(comma);
                    }
                    newline(out, depth + 1);
                    self.json_write(it, style, depth + 1, out)?;
                }
                newline(out, depth);
                out.push(']');
            }
            CV::Dict(d) => {
                let mut items: Vec<(String, CV)> = Vec::new();
                for (k, v) in d.borrow().items() {
                    let k = match k {
                        CV::Str(s) => s.to_string(),
                        CV::Int(_) | CV::Float(_) => k.display(),
                        CV::Bool(b) => (if *b { "true" } else { "false" }).to_string(),
                        CV::None => "null".to_string(),
                        _ => return raise("TypeError"),
                    };
                    items.push((k, v.clone()));
                }
                if style.sort {
                    items.sort_by(|a, b| a.0.cmp(&b.0));
                }
                if items.is_empty() {
                    out.push_str("{}");
                    return Ok(());
                }
                out.push('{');
                for (i, (k, it)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(comma);
                    }
                    newline(out, depth + 1);
                    json_string(k, out);
                    out.push_str(": ");
                    self.json_write(it, style, depth + 1, out)?;
                }
                newline(out, depth);
                out.push('}');
            }
            _ => match self.record_items(v) {
                Some(items) => self.json_write(&CV::list(items), style, depth, out)?,
                None => return raise("TypeError"),
            },
        }
        Ok(())
    }

    // ----- re -----

    fn re_call(&mut self, f: &str, pos: &[CV], kw: &[(String, CV)]) -> Result<Option<CV>, Stop> {
        let flags = |i: usize| match param(pos, kw, i, "flags") {
            Some(CV::Int(f)) => *f,
            _ => 0,
        };
        let (pattern, rest, flag_at) = match f {
            "compile" => {
                let p = self.compile(arg(pos, 0)?, flags(1))?;
                return Ok(Some(CV::Regex(p)));
            }
            "escape" => {
                let s = text(arg(pos, 0)?)?;
                return Ok(Some(CV::str(&escape_python(&s))));
            }
            "purge" => return Ok(Some(CV::None)),
            "match" | "search" | "fullmatch" | "findall" | "finditer" => (0, 1, 2),
            "split" => (0, 1, 3),
            "sub" | "subn" => (0, 1, 4),
            _ => return Ok(None),
        };
        let p = self.compile(arg(pos, pattern)?, flags(flag_at))?;
        let args = &pos[rest.min(pos.len())..pos.len().min(flag_at)];
        let kw: Vec<(String, CV)> = kw.iter().filter(|(k, _)| k != "flags").cloned().collect();
        self.regex_method(&p, f, args, &kw).map(Some)
    }

    fn compile(&mut self, p: &CV, flags: i64) -> Result<Rc<Pattern>, Stop> {
        let source = match p {
            CV::Regex(p) => return Ok(p.clone()),
            CV::Str(s) => s.clone(),
            _ => return raise("TypeError"),
        };
        // Compiled once per pattern and flags, as `re` caches them: a
        // module function called in a loop does not compile again.
        let cache_key = (source.to_string(), flags);
        if let Some(p) = self.patterns.get(&cache_key) {
            return Ok(p.clone());
        }
        self.step(source.len() as u64)?;
        let mut prefix = String::new();
        for (bit, c) in [(2, 'i'), (8, 'm'), (16, 's'), (64, 'x')] {
            if flags & bit != 0 {
                prefix.push(c);
            }
        }
        let translated = translate_pattern(&source)?;
        let full = match prefix.is_empty() {
            true => translated,
            false => format!("(?{prefix}){translated}"),
        };
        let re = build_regex(&full)?;
        let p = Rc::new(Pattern {
            re,
            source,
            anchored: Default::default(),
        });
        self.patterns.insert(cache_key, p.clone());
        Ok(p)
    }

    /// Counts one regular-expression call on the running line: its
    /// subject's characters and the matches it found.
    fn note_text(&mut self, subject: &str, matches: usize) {
        let e = self.trace.text.entry(self.line).or_insert((0, 0, 0));
        e.0 += 1;
        e.1 += subject.chars().count() as u64;
        e.2 += matches as u64;
    }

    /// A method of a compiled pattern (or the module function of the same
    /// name, its pattern compiled first).
    pub(super) fn regex_method(
        &mut self,
        p: &Rc<Pattern>,
        m: &str,
        pos: &[CV],
        kw: &[(String, CV)],
    ) -> Result<CV, Stop> {
        let subject = |i: usize, name: &str| -> Result<Rc<str>, Stop> {
            text(param(pos, kw, i, name).ok_or_else(|| Stop::Raised("TypeError".into()))?)
        };
        Ok(match m {
            "match" | "search" | "fullmatch" => {
                let s = subject(0, "string")?;
                self.step(s.len() as u64 / 8 + 1)?;
                let start = match pos.get(1) {
                    Some(CV::Int(i)) => char_to_byte(&s, *i),
                    _ => 0,
                };
                let caps = p.re.captures_at(&s, start);
                self.note_text(&s, usize::from(caps.is_some()));
                match caps {
                    Some(c) => {
                        let whole = c.get(0).map_or((0, 0), |g| (g.start(), g.end()));
                        let ok = match m {
                            "match" => whole.0 == start,
                            "fullmatch" => whole.0 == start && whole.1 == s.len(),
                            _ => true,
                        };
                        // A match anchored where the leftmost one is not:
                        // looked for again, anchored.
                        if ok {
                            found(p, &s, &c)
                        } else {
                            match self.anchored(p, &s, start, m == "fullmatch")? {
                                Some(v) => v,
                                None => CV::None,
                            }
                        }
                    }
                    None => CV::None,
                }
            }
            "findall" | "finditer" => {
                let s = subject(0, "string")?;
                self.step(s.len() as u64 / 8 + 1)?;
                let groups = p.re.captures_len() - 1;
                let mut out = Vec::new();
                for c in p.re.captures_iter(&s) {
                    out.push(match (m, groups) {
                        ("finditer", _) => found(p, &s, &c),
                        (_, 0) => CV::str(c.get(0).map_or("", |g| g.as_str())),
                        (_, 1) => CV::str(c.get(1).map_or("", |g| g.as_str())),
                        _ => CV::tuple(
                            (1..=groups)
                                .map(|g| CV::str(c.get(g).map_or("", |g| g.as_str())))
                                .collect(),
                        ),
                    });
                    if out.len() > MAX_ITEMS {
                        return unsupported("too many matches to run");
                    }
                }
                self.note_text(&s, out.len());
                self.alloc(out.len())?;
                match m {
                    "finditer" => iter_of(out),
                    _ => CV::list(out),
                }
            }
            "split" => {
                let s = subject(0, "string")?;
                self.step(s.len() as u64 / 8 + 1)?;
                let max = match param(pos, kw, 1, "maxsplit") {
                    Some(CV::Int(n)) if *n > 0 => *n as usize,
                    _ => usize::MAX,
                };
                let mut out = Vec::new();
                let mut last = 0;
                let mut n = 0;
                for c in p.re.captures_iter(&s).take(max) {
                    let Some(g) = c.get(0) else { continue };
                    n += 1;
                    out.push(CV::str(&s[last..g.start()]));
                    for i in 1..c.len() {
                        out.push(c.get(i).map_or(CV::None, |g| CV::str(g.as_str())));
                    }
                    last = g.end();
                }
                out.push(CV::str(&s[last..]));
                self.note_text(&s, n);
                self.alloc(out.len())?;
                CV::list(out)
            }
            "sub" | "subn" => {
                let repl = param(pos, kw, 0, "repl")
                    .ok_or_else(|| Stop::Raised("TypeError".into()))?
                    .clone();
                let s = subject(1, "string")?;
                self.step(s.len() as u64 / 8 + 1)?;
                let max = match param(pos, kw, 2, "count") {
                    Some(CV::Int(n)) if *n > 0 => *n as usize,
                    _ => usize::MAX,
                };
                let mut out = String::new();
                let mut last = 0;
                let mut n = 0;
                for c in p.re.captures_iter(&s).take(max) {
                    let Some(g) = c.get(0) else { continue };
                    out.push_str(&s[last..g.start()]);
                    match &repl {
                        CV::Str(r) => expand(r, &c, &mut out)?,
                        f => {
                            let r = self.call(f, vec![found(p, &s, &c)], Vec::new())?;
                            out.push_str(&text(&r)?);
                        }
                    }
                    last = g.end();
                    n += 1;
                    if out.len() > 1 << 24 {
                        return unsupported("a substitution too long to run");
                    }
                }
                out.push_str(&s[last..]);
                self.note_text(&s, n as usize);
                self.alloc(out.len() / 16)?;
                let out = CV::str(&out);
                match m {
                    "subn" => CV::tuple(vec![out, CV::Int(n)]),
                    _ => out,
                }
            }
            _ => return unsupported(format!("`Pattern.{m}`")),
        })
    }

    /// A match that must begin at `start` (and end at the text's end, for
    /// `fullmatch`) when the leftmost match does not begin there: the
    /// pattern compiled again, anchored (once per pattern).
    fn anchored(
        &mut self,
        p: &Rc<Pattern>,
        s: &Rc<str>,
        start: usize,
        full: bool,
    ) -> Result<Option<CV>, Stop> {
        let slot = usize::from(full);
        let cached = p.anchored.borrow()[slot].clone();
        let re = match cached {
            Some(re) => re,
            None => {
                let anchored = match full {
                    true => format!(r"\A(?:{})\z", p.re.as_str()),
                    false => format!(r"\A(?:{})", p.re.as_str()),
                };
                let re = build_regex(&anchored)?;
                p.anchored.borrow_mut()[slot] = Some(re.clone());
                re
            }
        };
        let sub = &s[start..];
        Ok(re.captures(sub).map(|c| {
            let spans = (0..c.len())
                .map(|i| c.get(i).map(|g| (g.start() + start, g.end() + start)))
                .collect();
            CV::Match(Rc::new(Found {
                text: s.clone(),
                spans,
                pattern: p.clone(),
            }))
        }))
    }

    /// A method of a match object.
    pub(super) fn match_method(&mut self, f: &Found, m: &str, pos: Vec<CV>) -> Result<CV, Stop> {
        Ok(match m {
            "group" if pos.len() > 1 => {
                let mut out = Vec::new();
                for g in &pos {
                    out.push(self.group(f, g)?);
                }
                CV::tuple(out)
            }
            "group" => self.group(f, pos.first().unwrap_or(&CV::Int(0)))?,
            "groups" => {
                let default = pos.first().cloned().unwrap_or(CV::None);
                CV::tuple(
                    f.spans
                        .iter()
                        .skip(1)
                        .map(|sp| match sp {
                            Some((a, b)) => CV::str(&f.text[*a..*b]),
                            None => default.clone(),
                        })
                        .collect(),
                )
            }
            "groupdict" => {
                let mut t = Table::default();
                for (i, name) in f.pattern.re.capture_names().enumerate() {
                    if let Some(name) = name {
                        let v = self.group(f, &CV::Int(i as i64))?;
                        t.insert(Key::Str(Rc::from(name)), CV::str(name), v);
                    }
                }
                CV::Dict(Rc::new(RefCell::new(t)))
            }
            "start" | "end" | "span" => {
                let i = self.group_index(f, pos.first().unwrap_or(&CV::Int(0)))?;
                let (a, b) = match f.spans[i] {
                    Some((a, b)) => (
                        f.text[..a].chars().count() as i64,
                        f.text[..b].chars().count() as i64,
                    ),
                    None => (-1, -1),
                };
                match m {
                    "start" => CV::Int(a),
                    "end" => CV::Int(b),
                    _ => CV::tuple(vec![CV::Int(a), CV::Int(b)]),
                }
            }
            _ => return unsupported(format!("`Match.{m}`")),
        })
    }

    pub(super) fn group(&mut self, f: &Found, g: &CV) -> Result<CV, Stop> {
        let i = self.group_index(f, g)?;
        Ok(match f.spans[i] {
            Some((a, b)) => CV::str(&f.text[a..b]),
            None => CV::None,
        })
    }

    fn group_index(&mut self, f: &Found, g: &CV) -> Result<usize, Stop> {
        let i = match g {
            CV::Int(i) => usize::try_from(*i).ok(),
            CV::Str(name) => f
                .pattern
                .re
                .capture_names()
                .position(|n| n == Some(&**name)),
            _ => None,
        };
        match i {
            Some(i) if i < f.spans.len() => Ok(i),
            _ => raise("IndexError"),
        }
    }

    /// Attributes of a pattern or a match read as data, not called.
    pub(super) fn regex_attribute(&mut self, v: &CV, attr: &str) -> Option<CV> {
        match (v, attr) {
            (CV::Regex(p), "pattern") => Some(CV::Str(p.source.clone())),
            (CV::Regex(p), "groups") => Some(CV::Int(p.re.captures_len() as i64 - 1)),
            (CV::Match(f), "string") => Some(CV::Str(f.text.clone())),
            (CV::Match(f), "re") => Some(CV::Regex(f.pattern.clone())),
            (CV::Match(f), "lastindex") => {
                Some(last_group(f).map_or(CV::None, |i| CV::Int(i as i64)))
            }
            (CV::Match(f), "lastgroup") => Some(
                last_group(f)
                    .and_then(|i| f.pattern.re.capture_names().nth(i).flatten())
                    .map_or(CV::None, CV::str),
            ),
            _ => None,
        }
    }
}

struct JsonStyle {
    indent: Option<String>,
    sort: bool,
}

/// A JSON string as `json.dumps` writes it (`ensure_ascii`).
fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Builds the executor's values straight from a JSON text, keeping an
/// object's keys in the order written (as `json.loads` does).
struct JsonSeed;

impl<'de> serde::de::DeserializeSeed<'de> for JsonSeed {
    type Value = CV;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<CV, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> serde::de::Visitor<'de> for JsonVisitor {
    type Value = CV;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<CV, E> {
        Ok(CV::None)
    }

    fn visit_bool<E>(self, b: bool) -> Result<CV, E> {
        Ok(CV::Bool(b))
    }

    fn visit_i64<E>(self, i: i64) -> Result<CV, E> {
        Ok(CV::Int(i))
    }

    fn visit_u64<E: serde::de::Error>(self, u: u64) -> Result<CV, E> {
        i64::try_from(u)
            .map(CV::Int)
            .map_err(|_| E::custom("big integer"))
    }

    fn visit_f64<E>(self, f: f64) -> Result<CV, E> {
        Ok(CV::Float(f))
    }

    fn visit_str<E>(self, s: &str) -> Result<CV, E> {
        Ok(CV::str(s))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<CV, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(JsonSeed)? {
            out.push(v);
        }
        Ok(CV::list(out))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<CV, A::Error> {
        let mut t = Table::default();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(JsonSeed)?;
            let k: Rc<str> = Rc::from(k.as_str());
            t.insert(Key::Str(k.clone()), CV::Str(k), v);
        }
        Ok(CV::Dict(Rc::new(RefCell::new(t))))
    }
}

/// A pattern in the crate's syntax, compiled within a size a hostile
/// pattern cannot pass; one the crate refuses stops the run.
fn build_regex(pattern: &str) -> Result<regex::Regex, Stop> {
    regex::RegexBuilder::new(pattern)
        .size_limit(1 << 22)
        .build()
        .map_err(|_| Stop::Unsupported("a regular expression the executor cannot run".into()))
}

/// A match object over `s` from the crate's captures.
fn found(p: &Rc<Pattern>, s: &Rc<str>, c: &regex::Captures) -> CV {
    CV::Match(Rc::new(Found {
        text: s.clone(),
        spans: (0..c.len())
            .map(|i| c.get(i).map(|g| (g.start(), g.end())))
            .collect(),
        pattern: p.clone(),
    }))
}

/// The group that closed last in a match: the one ending last, the
/// outermost of those ending there (`lastindex`).
fn last_group(f: &Found) -> Option<usize> {
    f.spans
        .iter()
        .enumerate()
        .skip(1)
        .filter_map(|(i, s)| s.map(|(a, b)| (i, a, b)))
        .max_by(|x, y| x.2.cmp(&y.2).then(y.1.cmp(&x.1)).then(y.0.cmp(&x.0)))
        .map(|(i, _, _)| i)
}

/// The byte offset of character `i` of `s` (clamped to its ends).
fn char_to_byte(s: &str, i: i64) -> usize {
    if i <= 0 {
        return 0;
    }
    s.char_indices().nth(i as usize).map_or(s.len(), |(b, _)| b)
}

/// Python's pattern syntax in the crate's, where they differ in spelling
/// only: `\Z` is the crate's `\z`. What has no equivalent (a numbered or
/// named back-reference) stops the run.
fn translate_pattern(p: &str) -> Result<String, Stop> {
    let mut out = String::with_capacity(p.len());
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Z') => out.push_str("\\z"),
            Some(d @ '1'..='9') => {
                let _ = d;
                return unsupported("a back-reference in a regular expression");
            }
            Some(n) => {
                out.push('\\');
                out.push(n);
            }
            None => return raise("re.error"),
        }
    }
    if out.contains("(?P=") {
        return unsupported("a back-reference in a regular expression");
    }
    Ok(out)
}

/// `re.escape`: every character but letters, digits and `_` escaped.
fn escape_python(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 2);
    for c in s.chars() {
        if !(c.is_alphanumeric() || c == '_') && c.is_ascii() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A replacement template's text for one match: `\1`, `\g<1>`,
/// `\g<name>` and the character escapes, as `re.sub` reads them.
fn expand(r: &str, c: &regex::Captures, out: &mut String) -> Result<(), Stop> {
    let mut chars = r.chars().peekable();
    let group = |out: &mut String, i: Option<usize>| -> Result<(), Stop> {
        match i {
            Some(i) if i < c.len() => {
                out.push_str(c.get(i).map_or("", |g| g.as_str()));
                Ok(())
            }
            _ => raise("re.error"),
        }
    };
    while let Some(ch) = chars.next() {
        if ch != '\\' {
            out.push(ch);
            continue;
        }
        match chars.next() {
            Some(d @ '0'..='9') => {
                let mut n = d.to_digit(10).unwrap_or(0) as usize;
                if let Some(e) = chars.peek().and_then(|e| e.to_digit(10)) {
                    n = n * 10 + e as usize;
                    chars.next();
                }
                group(out, Some(n))?;
            }
            Some('g') => {
                if chars.next() != Some('<') {
                    return raise("re.error");
                }
                let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                match name.parse::<usize>() {
                    Ok(i) => group(out, Some(i))?,
                    Err(_) => match c.name(&name) {
                        Some(g) => out.push_str(g.as_str()),
                        None => return raise("IndexError"),
                    },
                }
            }
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => return raise("re.error"),
        }
    }
    Ok(())
}
