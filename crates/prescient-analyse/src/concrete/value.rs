//! Concrete values of the bounded executor: Python objects with reference
//! semantics (a list appended to through one name is the same list under
//! every name), as far as the code it runs needs them.

use crate::value::ClassVal;
use prescient_syntax::ast::{Expr, FunctionDef, Params};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

/// A list's cell, shared by every name that holds the list.
pub(crate) type ListCell = Rc<RefCell<Vec<CV>>>;

/// A frame's names, shared with the closures defined in it.
pub(crate) type Env = Rc<RefCell<HashMap<String, CV>>>;

#[derive(Clone)]
pub(crate) enum CV {
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Rc<str>),
    Tuple(Rc<Vec<CV>>),
    List(Rc<RefCell<Vec<CV>>>),
    Dict(Rc<RefCell<Table>>),
    Set(Rc<RefCell<Table>>),
    Range(i64, i64, i64),
    Iter(Rc<RefCell<Iter>>),
    Func(Rc<CFunc>),
    Class(Rc<ClassVal>),
    Instance(Rc<Inst>),
    /// A user function bound to its receiver.
    Method(Rc<CFunc>, Box<CV>),
    /// A library name (`random.randint`, `builtins.len`, `math`).
    Lib(Rc<str>),
    /// A method of a built-in object bound to it (`xs.append`).
    BMethod(Box<CV>, Rc<str>),
    Rng(Rc<RefCell<Rng>>),
    /// An `argparse.ArgumentParser`.
    Parser(Rc<RefCell<Parser>>),
    /// What `parse_args` returns: the options by name.
    Namespace(Rc<RefCell<HashMap<String, CV>>>),
    /// A compiled regular expression.
    Regex(Rc<Pattern>),
    /// A regular expression's match.
    Match(Rc<Found>),
    /// A `date`, `datetime` or `timedelta`.
    Time(super::dates::Tm),
    /// What a library the executor does not model returned (named by the
    /// call): carried through arithmetic, attributes, calls and
    /// containers, but never let decide what runs (`opaque.rs`).
    Opaque(Rc<str>),
}

/// One option of an argument parser.
pub(crate) struct Opt {
    /// Its destination (`n_items` for `--n-items`).
    pub dest: String,
    /// Its spellings (`-n`, `--n-items`); empty for a positional one.
    pub flags: Vec<String>,
    /// The `type=` callable.
    pub kind: Option<CV>,
    pub default: CV,
    /// `action="store_true"` / `"store_false"`.
    pub flag_value: Option<bool>,
}

#[derive(Default)]
pub(crate) struct Parser {
    pub opts: Vec<Opt>,
}

/// What a user function runs.
pub(crate) enum Body {
    Def(Arc<FunctionDef>),
    Lambda(Arc<Params>, Arc<Expr>),
}

pub(crate) struct CFunc {
    pub name: String,
    pub body: Body,
    pub defaults: HashMap<String, CV>,
    /// The enclosing frames' names, innermost first.
    pub env: Vec<Env>,
    /// Whether its body yields (a generator function).
    pub generator: bool,
    /// `functools.cache` / `lru_cache`: results by arguments.
    pub memo: Option<RefCell<HashMap<Key, CV>>>,
}

pub(crate) struct Inst {
    pub class: Rc<ClassVal>,
    pub attrs: RefCell<HashMap<String, CV>>,
}

/// An iterator over items already made (a generator runs to its end when
/// called: the executor only counts work, so eagerness changes nothing of
/// what it counts unless the consumer stops early).
pub(crate) struct Iter {
    pub items: Vec<CV>,
    pub pos: usize,
    /// What follows the items, for an iterator without end.
    pub endless: Option<Endless>,
}

impl Iter {
    pub fn new(items: Vec<CV>) -> Iter {
        Iter {
            items,
            pos: 0,
            endless: None,
        }
    }

    /// The next item, if any: the items made, then the endless tail's.
    pub fn next(&mut self) -> Option<CV> {
        if let Some(v) = self.items.get(self.pos).cloned() {
            self.pos += 1;
            return Some(v);
        }
        match self.endless.as_mut()? {
            Endless::Count(next, step) => {
                let v = next.clone();
                *next = match (&*next, &*step) {
                    (CV::Int(a), CV::Int(b)) => CV::Int(a.checked_add(*b)?),
                    (a, b) => CV::Float(num(a)? + num(b)?),
                };
                Some(v)
            }
            Endless::Repeat(v) => Some(v.clone()),
            Endless::Cycle(items, i) => {
                let v = items.get(*i % items.len().max(1)).cloned()?;
                *i += 1;
                Some(v)
            }
        }
    }
}

/// The tail of an iterator that never ends (`itertools.count`, `repeat`
/// without a count, `cycle`): its items are made as they are asked for.
pub(crate) enum Endless {
    /// The next value and the step.
    Count(CV, CV),
    Repeat(CV),
    /// The items and the position in them.
    Cycle(Vec<CV>, usize),
}

/// A number's value as a float (a bool counts as 0 or 1).
pub(crate) fn num(v: &CV) -> Option<f64> {
    match v {
        CV::Int(i) => Some(*i as f64),
        CV::Bool(b) => Some(*b as i64 as f64),
        CV::Float(f) => Some(*f),
        _ => None,
    }
}

/// An integer's value (a bool counts as 0 or 1).
pub(crate) fn int(v: &CV) -> Option<i64> {
    match v {
        CV::Int(i) => Some(*i),
        CV::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

/// An iterator over items already made.
pub(crate) fn iter_of(items: Vec<CV>) -> CV {
    CV::Iter(Rc::new(RefCell::new(Iter::new(items))))
}

/// A compiled regular expression (`re.compile`).
pub(crate) struct Pattern {
    pub re: regex::Regex,
    /// The pattern as the program wrote it.
    pub source: Rc<str>,
    /// The pattern anchored at the start, and at both ends, once a
    /// `match` or `fullmatch` needed it.
    pub anchored: RefCell<[Option<regex::Regex>; 2]>,
}

/// What a match of a [`Pattern`] found: the text searched and each
/// group's byte span in it (group 0 the whole match).
pub(crate) struct Found {
    pub text: Rc<str>,
    pub spans: Vec<Option<(usize, usize)>>,
    pub pattern: Rc<Pattern>,
}

/// A hashable value's identity as a dict key or set element.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) enum Key {
    None,
    Int(i64),
    Float(u64),
    Str(Rc<str>),
    Tuple(Vec<Key>),
    /// Objects hashed by identity (instances, functions, classes).
    Id(usize),
}

/// An insertion-ordered hash table: a dict's items, or a set's elements
/// (values `None`).
#[derive(Default)]
pub(crate) struct Table {
    index: HashMap<Key, usize>,
    slots: Vec<Option<(CV, CV)>>,
    /// Each slot's key as it was computed when stored (an object keyed by
    /// its own `__hash__` cannot be keyed again without running it).
    keys: Vec<Option<Key>>,
    /// `collections.defaultdict`'s factory.
    pub default: Option<CV>,
    /// A `collections.Counter`: a missing key reads as 0 without being
    /// stored, and its stores go through the slot of a class written in
    /// Python (`Trace::counter_stores`).
    pub counter: bool,
}

impl Table {
    pub fn with_default(default: Option<CV>) -> Table {
        Table {
            default,
            ..Table::default()
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn get(&self, k: &Key) -> Option<&CV> {
        self.index
            .get(k)
            .and_then(|&i| self.slots[i].as_ref().map(|(_, v)| v))
    }

    pub fn contains(&self, k: &Key) -> bool {
        self.index.contains_key(k)
    }

    pub fn insert(&mut self, key: Key, kv: CV, v: CV) {
        match self.index.get(&key) {
            Some(&i) => {
                if let Some(slot) = &mut self.slots[i] {
                    slot.1 = v;
                }
            }
            None => {
                self.index.insert(key.clone(), self.slots.len());
                self.slots.push(Some((kv, v)));
                self.keys.push(Some(key));
            }
        }
    }

    pub fn remove(&mut self, k: &Key) -> Option<(CV, CV)> {
        let i = self.index.remove(k)?;
        let out = self.slots[i].take();
        self.keys[i] = None;
        // Compacted once most slots are holes, so that popping from a big
        // dict stays linear overall.
        if self.slots.len() > 32 && self.index.len() * 2 < self.slots.len() {
            let live: Vec<((CV, CV), Key)> = self
                .slots
                .drain(..)
                .zip(self.keys.drain(..))
                .filter_map(|(slot, key)| Some((slot?, key?)))
                .collect();
            self.index.clear();
            for (slot, key) in live {
                self.index.insert(key.clone(), self.slots.len());
                self.slots.push(Some(slot));
                self.keys.push(Some(key));
            }
        }
        out
    }

    pub fn items(&self) -> impl Iterator<Item = &(CV, CV)> {
        self.slots.iter().flatten()
    }

    pub fn pop_last(&mut self) -> Option<(CV, CV)> {
        while let Some(slot) = self.slots.pop() {
            let key = self.keys.pop().flatten();
            if let Some((kv, v)) = slot {
                if let Some(k) = key {
                    self.index.remove(&k);
                }
                return Some((kv, v));
            }
        }
        None
    }

    pub fn clear(&mut self) {
        self.index.clear();
        self.slots.clear();
        self.keys.clear();
    }

    /// The stored keys, slot by slot (holes skipped), with their items.
    pub fn keyed_items(&self) -> impl Iterator<Item = (&Key, &(CV, CV))> {
        self.keys
            .iter()
            .zip(self.slots.iter())
            .filter_map(|(k, s)| Some((k.as_ref()?, s.as_ref()?)))
    }
}

/// A small, fast generator standing in for Python's Mersenne Twister: the
/// executor needs draws with the right distribution, not the same draws.
pub(crate) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        // xorshift64*
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn random(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next_u64() as u128 * n as u128) >> 64) as u64
    }

    pub fn gauss(&mut self) -> f64 {
        let u1 = self.random().max(f64::MIN_POSITIVE);
        let u2 = self.random();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }
}

/// Why a value cannot be a key.
pub(crate) struct Unhashable;

pub(crate) fn key_of(v: &CV) -> Result<Key, Unhashable> {
    Ok(match v {
        CV::None => Key::None,
        CV::Bool(b) => Key::Int(*b as i64),
        CV::Int(i) => Key::Int(*i),
        CV::Float(f) => {
            if f.fract() == 0.0 && f.abs() < 9.0e15 {
                Key::Int(*f as i64)
            } else {
                Key::Float(f.to_bits())
            }
        }
        CV::Str(s) => Key::Str(s.clone()),
        CV::Tuple(items) => Key::Tuple(items.iter().map(key_of).collect::<Result<_, _>>()?),
        // An instance hashes by identity unless its class says otherwise:
        // its own `__hash__` (by value, which the executor does not
        // follow), an `__eq__` alone (unhashable), a dataclass (unhashable,
        // or by value when frozen). Those are not keys here: a run that
        // met one must not count them as distinct objects.
        CV::Instance(i)
            if i.class.hashes_by_value()
                || matches!(i.class.lookup("__eq__"), Some(crate::value::Value::Func(_))) =>
        {
            return Err(Unhashable)
        }
        CV::Instance(i) => Key::Id(Rc::as_ptr(i) as usize),
        CV::Func(f) => Key::Id(Rc::as_ptr(f) as *const u8 as usize),
        CV::Class(c) => Key::Id(Rc::as_ptr(c) as *const u8 as usize),
        CV::Range(a, b, c) => Key::Tuple(vec![Key::Int(*a), Key::Int(*b), Key::Int(*c)]),
        CV::Lib(q) => Key::Str(Rc::from(format!("\u{1}lib:{q}").as_str())),
        CV::Time(t) => super::dates::time_key(*t),
        _ => return Err(Unhashable),
    })
}

impl CV {
    pub fn list(items: Vec<CV>) -> CV {
        CV::List(Rc::new(RefCell::new(items)))
    }

    pub fn tuple(items: Vec<CV>) -> CV {
        CV::Tuple(Rc::new(items))
    }

    pub fn str(s: &str) -> CV {
        CV::Str(Rc::from(s))
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            CV::None => "NoneType",
            CV::Bool(_) => "bool",
            CV::Int(_) => "int",
            CV::Float(_) => "float",
            CV::Str(_) => "str",
            CV::Tuple(_) => "tuple",
            CV::List(_) => "list",
            CV::Dict(_) => "dict",
            CV::Set(_) => "set",
            CV::Range(..) => "range",
            CV::Iter(_) => "iterator",
            CV::Func(_) | CV::Method(..) | CV::BMethod(..) | CV::Lib(_) => "function",
            CV::Class(_) => "type",
            CV::Instance(_) => "object",
            CV::Rng(_) => "Random",
            CV::Parser(_) => "ArgumentParser",
            CV::Namespace(_) => "Namespace",
            CV::Regex(_) => "Pattern",
            CV::Match(_) => "Match",
            CV::Time(t) => super::dates::time_type(*t),
            CV::Opaque(_) => "object",
        }
    }

    /// Python's `str()` of a value, for keys built by formatting; cut
    /// short past a few thousand characters or a few levels of nesting
    /// (a list that holds itself).
    pub fn display(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0, false);
        out
    }

    fn write(&self, out: &mut String, depth: u32, quoted: bool) {
        const MAX_TEXT: usize = 4096;
        if out.len() > MAX_TEXT || depth > 8 {
            out.push_str("...");
            return;
        }
        let items = |out: &mut String, vs: &[CV], open: &str, close: &str| {
            out.push_str(open);
            for (i, v) in vs.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                v.write(out, depth + 1, true);
                if out.len() > MAX_TEXT {
                    break;
                }
            }
            out.push_str(close);
        };
        match self {
            CV::None => out.push_str("None"),
            CV::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
            CV::Int(i) => out.push_str(&i.to_string()),
            CV::Float(f) => {
                if f.fract() == 0.0 && f.abs() < 1e16 {
                    out.push_str(&format!("{f:.1}"))
                } else {
                    out.push_str(&format!("{f}"))
                }
            }
            CV::Str(s) if quoted => {
                out.push('\'');
                out.push_str(&s[..s.floor_char_boundary(MAX_TEXT)]);
                out.push('\'');
            }
            CV::Str(s) => out.push_str(&s[..s.floor_char_boundary(MAX_TEXT)]),
            CV::Tuple(vs) if vs.len() == 1 => items(out, vs, "(", ",)"),
            CV::Tuple(vs) => items(out, vs, "(", ")"),
            CV::List(l) => match l.try_borrow() {
                Ok(vs) => items(out, &vs, "[", "]"),
                Err(_) => out.push_str("[...]"),
            },
            CV::Time(t) => out.push_str(&t.text()),
            other => out.push_str(&format!("<{}>", other.type_name())),
        }
    }

    pub fn repr(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, 0, true);
        out
    }
}
