//! The knowledge base of library semantics: for each library call, its shape rule,
//! its cost (flops, bytes read and written, bytes allocated) and its category.
//!
//! It is one data-driven table ([`table`]) built from per-library lists
//! (`numpy.rs`, `scipy.rs`, `crypto.rs`, `torch.rs`, `pystd.rs`, `regex.rs`,
//! `serial.rs`). Each entry maps
//! qualified names to a [`Rule`]: most rules are generic and parameterised
//! (elementwise with a flop weight, reduction, creation from a shape argument);
//! the rest are small handlers. Adding a function usually means adding one line.
//!
//! Names are canonical before lookup: `np.dot`, `numpy.dot` and
//! `from numpy import dot as d` all reach `numpy.dot`, because the interpreter
//! resolves names to the library value they are bound to; methods are looked up as
//! `ndarray.sum`, `Tensor.sum`, `hashlib.Hash.update`, ...

pub mod crypto;
pub mod datetime;
pub mod logging;
pub mod numpy;
pub mod pystd;
pub mod regex;
pub mod scipy;
pub mod serial;
pub mod torch;

use crate::host::{Draft, Host};
use crate::value::*;
use prescient_model::{Category, Parallelism, Sym};
use prescient_syntax::ast::Expr;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

/// One call, as the knowledge base sees it.
pub struct CallArgs {
    /// Canonical qualified name: `numpy.zeros`, `ndarray.sum`, `hashlib.Hash.update`.
    pub name: String,
    /// The receiver of a method call.
    pub recv: Option<Value>,
    pub pos: Vec<Value>,
    pub kw: Vec<(String, Value)>,
    /// The call as written, for evidence.
    pub text: String,
    pub arg_exprs: Vec<Expr>,
    /// The receiver as written (`lst` in `lst.append(x)`), for methods that mutate it.
    pub recv_expr: Option<Expr>,
    pub line: u32,
}

impl CallArgs {
    /// Positional argument `i`, or keyword `kw`.
    pub fn arg(&self, i: usize, kw: &str) -> Option<&Value> {
        self.kw
            .iter()
            .find(|(k, _)| k == kw)
            .map(|(_, v)| v)
            .or_else(|| self.pos.get(i))
    }

    pub fn kwarg(&self, kw: &str) -> Option<&Value> {
        self.kw.iter().find(|(k, _)| k == kw).map(|(_, v)| v)
    }

    /// For functions that are also methods (`np.sum(a)` / `a.sum()`): the subject is
    /// the receiver, or else the first positional argument.
    pub fn subject(&self) -> Option<&Value> {
        self.recv.as_ref().or(self.pos.first())
    }

    /// Positional argument `i` counted after the subject.
    pub fn after_subject(&self, i: usize, kw: &str) -> Option<&Value> {
        let off = if self.recv.is_some() { 0 } else { 1 };
        self.arg(i + off, kw)
    }

    pub fn lib(&self) -> Lib {
        let torch = self.name.starts_with("torch") || self.name.starts_with("Tensor");
        let from_recv = matches!(&self.recv, Some(Value::Array(a)) if a.lib == Lib::Torch);
        if torch || from_recv {
            Lib::Torch
        } else {
            Lib::Numpy
        }
    }

    /// The last component of the name: `zeros` for `numpy.zeros`.
    pub fn short(&self) -> &str {
        self.name.rsplit('.').next().unwrap_or(&self.name)
    }
}

pub type Handler = fn(&mut dyn Host, &CallArgs) -> Option<Value>;

/// How a call is costed.
#[derive(Clone, Copy)]
pub enum Rule {
    /// Elementwise over the broadcast of the array arguments; `flops` per element.
    Map { flops: f64, out: Out },
    /// A reduction honouring `axis` and `keepdims`; `flops` per input element.
    Reduce { flops: f64, out: Out },
    /// A new array from a shape argument (positional index, keyword), filled at
    /// `flops` per element.
    Create {
        shape: ShapeArg,
        dtype: DType,
        flops: f64,
    },
    /// Anything else.
    Custom(Handler),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Out {
    Same,
    Float,
    Bool,
    Int,
    Real,
    Complex,
}

#[derive(Clone, Copy)]
pub enum ShapeArg {
    /// The shape is argument `i` or keyword.
    Arg(usize, &'static str),
    /// The shape is every positional argument (`rand(d0, d1, ...)`).
    Varargs,
}

pub struct Entry {
    pub names: &'static [&'static str],
    pub category: Category,
    pub rule: Rule,
}

/// Shorthand used by the per-library tables.
pub const fn e(names: &'static [&'static str], category: Category, rule: Rule) -> Entry {
    Entry {
        names,
        category,
        rule,
    }
}

/// A table entry as stored: how calls to a name are costed.
pub struct Stored {
    pub category: Category,
    pub rule: Rule,
}

/// An entry resolved for one call, with the pattern name that call reports.
pub struct Resolved {
    pub pattern: String,
    pub category: Category,
    pub rule: Rule,
}

/// The pattern a call reports: its canonical name, with method spellings mapped
/// to the library function (`ndarray.sum` -> `numpy.sum`, `len` -> `builtins.len`).
pub fn pattern_of(name: &str) -> String {
    if let Some(rest) = name.strip_prefix("ndarray.") {
        format!("numpy.{rest}")
    } else if let Some(rest) = name.strip_prefix("Tensor.") {
        format!("torch.{rest}")
    } else if !name.contains('.') {
        format!("builtins.{name}")
    } else {
        name.to_string()
    }
}

pub fn table() -> &'static HashMap<&'static str, Stored> {
    static TABLE: OnceLock<HashMap<&'static str, Stored>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut m = HashMap::new();
        for list in [
            numpy::ENTRIES,
            scipy::ENTRIES,
            crypto::ENTRIES,
            torch::ENTRIES,
            pystd::ENTRIES,
            regex::ENTRIES,
            datetime::ENTRIES,
            logging::ENTRIES,
            serial::ENTRIES,
        ] {
            for ent in list {
                for n in ent.names {
                    m.insert(
                        *n,
                        Stored {
                            category: ent.category,
                            rule: ent.rule,
                        },
                    );
                }
            }
        }
        m
    })
}

/// Normalises spellings that reach the same function.
pub fn canonical(name: &str) -> String {
    let mut n = name.to_string();
    for (from, to) in [
        ("numpy.ndarray.", "ndarray."),
        ("torch.Tensor.", "Tensor."),
        ("numpy.core.", "numpy."),
        ("numpy._core.", "numpy."),
        ("numpy.random.mtrand.", "numpy.random."),
        ("numpy.matlib.", "numpy."),
        ("scipy.fftpack.", "scipy.fft."),
        ("torch.functional.", "torch."),
        (
            "cryptography.hazmat.primitives.ciphers.",
            "cryptography.ciphers.",
        ),
        ("cryptography.hazmat.primitives.", "cryptography."),
        ("Cryptodome.", "Crypto."),
        ("torch.nn.modules.", "torch.nn."),
        ("scipy.signal.signaltools.", "scipy.signal."),
        ("scipy.signal.windows.", "scipy.signal."),
        // A `random.Random(seed)` instance's methods are the module's functions.
        ("random.Random.", "random."),
        ("random.SystemRandom.", "random."),
        ("builtins.", ""),
    ] {
        if let Some(rest) = n.strip_prefix(from) {
            n = format!("{to}{rest}");
        }
    }
    n
}

/// ufunc methods (`np.add.outer`, `np.maximum.reduce`, `np.add.accumulate`) map to
/// the generic rule of the method.
fn ufunc_method(name: &str) -> Option<&'static str> {
    let rest = name.strip_prefix("numpy.")?;
    let (ufunc, method) = rest.split_once('.')?;
    if !table().contains_key(format!("numpy.{ufunc}").as_str()) {
        return None;
    }
    Some(match method {
        "outer" => "numpy.outer",
        "reduce" => "numpy.sum",
        "accumulate" => "numpy.cumsum",
        "at" => "numpy.add",
        _ => return None,
    })
}

/// Finds the entry for a canonical name, falling back between numpy and torch
/// spellings of the same operation.
pub fn lookup(name: &str) -> Option<Resolved> {
    let stored = lookup_stored(name)?;
    Some(Resolved {
        pattern: pattern_of(name),
        category: stored.category,
        rule: stored.rule,
    })
}

fn lookup_stored(name: &str) -> Option<&'static Stored> {
    let t = table();
    if let Some(r) = t.get(name) {
        return Some(r);
    }
    if let Some(m) = ufunc_method(name) {
        return t.get(m);
    }
    let alt = if let Some(rest) = name.strip_prefix("Tensor.") {
        format!("ndarray.{rest}")
    } else if let Some(rest) = name.strip_prefix("torch.linalg.") {
        format!("numpy.linalg.{rest}")
    } else if let Some(rest) = name.strip_prefix("torch.fft.") {
        format!("numpy.fft.{rest}")
    } else if let Some(rest) = name.strip_prefix("torch.special.") {
        format!("scipy.special.{rest}")
    } else if let Some(rest) = name.strip_prefix("torch.") {
        format!("numpy.{rest}")
    } else if let Some(rest) = name.strip_prefix("scipy.fft.") {
        format!("numpy.fft.{rest}")
    } else if let Some(rest) = name.strip_prefix("scipy.linalg.") {
        format!("numpy.linalg.{rest}")
    } else {
        return None;
    };
    t.get(alt.as_str())
}

/// Costs a call; `None` if the knowledge base does not know it.
pub fn call(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let r = lookup(&ca.name)?;
    match r.rule {
        Rule::Custom(h) => h(it, ca),
        Rule::Map { flops, out } => numpy::map_rule(it, ca, &r, flops, out),
        Rule::Reduce { flops, out } => numpy::reduce_rule(it, ca, &r, flops, out),
        Rule::Create {
            shape,
            dtype,
            flops,
        } => numpy::create_rule(it, ca, &r, shape, dtype, flops),
    }
}

/// The value of a library attribute: constants and dtypes, else the name itself
/// (a submodule or function, resolved when called).
pub fn lib_attr(qual: &str) -> Value {
    let q = canonical(qual);
    match q.as_str() {
        "math.pi" | "numpy.pi" | "torch.pi" => return Value::Float(Some(std::f64::consts::PI)),
        "math.e" | "numpy.e" => return Value::Float(Some(std::f64::consts::E)),
        "math.tau" => return Value::Float(Some(std::f64::consts::TAU)),
        "math.inf" | "numpy.inf" => return Value::Float(Some(f64::INFINITY)),
        "math.nan" | "numpy.nan" => return Value::Float(None),
        "numpy.newaxis" => return Value::None,
        "sys.argv" => return Value::Lib(Arc::from("sys.argv")),
        "sys.maxsize" => return Value::int(i64::MAX),
        "os.environ" => return Value::Lib(Arc::from("os.environ")),
        _ => {}
    }
    let (module, last) = q.rsplit_once('.').unwrap_or(("", &q));
    if matches!(module, "numpy" | "torch" | "jax.numpy" | "cupy") {
        if let Some(d) = DType::parse(last) {
            // `numpy.float` etc. are not dtypes; only spelled-out names are.
            if last.chars().any(|c| c.is_ascii_digit())
                || matches!(
                    last,
                    "bool_"
                        | "double"
                        | "single"
                        | "half"
                        | "cdouble"
                        | "intp"
                        | "uint"
                        | "bool"
                        | "long"
                        | "short"
                        | "byte"
                        | "ubyte"
                )
            {
                return Value::DType(d);
            }
        }
    }
    Value::Lib(Arc::from(q.as_str()))
}

const BUILTINS: &[&str] = &[
    "abs",
    "all",
    "any",
    "bin",
    "bool",
    "bytearray",
    "bytes",
    "callable",
    "chr",
    "complex",
    "dict",
    "dir",
    "divmod",
    "enumerate",
    "exit",
    "filter",
    "float",
    "format",
    "frozenset",
    "getattr",
    "hasattr",
    "hash",
    "hex",
    "id",
    "input",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "memoryview",
    "min",
    "next",
    "object",
    "oct",
    "open",
    "ord",
    "pow",
    "print",
    "quit",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "setattr",
    "slice",
    "sorted",
    "str",
    "sum",
    "super",
    "tuple",
    "type",
    "vars",
    "zip",
    "staticmethod",
    "classmethod",
    "property",
    "Exception",
    "ValueError",
    "TypeError",
    "RuntimeError",
    "KeyError",
    "IndexError",
    "SystemExit",
    "KeyboardInterrupt",
    "NotImplementedError",
    "StopIteration",
    "AssertionError",
    "OSError",
    "IOError",
    "FileNotFoundError",
    "ZeroDivisionError",
    "ArithmeticError",
    "OverflowError",
    "AttributeError",
    "ImportError",
    "globals",
    "locals",
    "delattr",
    "ascii",
    "breakpoint",
    "compile",
    "eval",
    "exec",
    "NotImplemented",
    "Ellipsis",
];

/// A builtin name as a library value.
pub fn builtin(name: &str) -> Option<Value> {
    BUILTINS
        .contains(&name)
        .then(|| Value::Lib(Arc::from(format!("builtins.{name}").as_str())))
}

/// A kernel draft with the common fields filled.
#[allow(clippy::too_many_arguments)]
pub(crate) fn draft(
    category: Category,
    pattern: &str,
    flops: Sym,
    bytes_moved: Sym,
    alloc: Sym,
    dtype: Option<DType>,
    parallelism: Parallelism,
    affinity: &'static [&'static str],
    evidence: String,
) -> Draft {
    Draft {
        category,
        pattern: pattern.to_string(),
        flops,
        bytes_moved,
        alloc,
        dtype,
        parallelism,
        affinity,
        evidence,
    }
}

/// A dtype named by a value: `np.float32`, `'f4'`, `float`, `torch.float16`.
pub fn dtype_of(v: &Value) -> Option<DType> {
    match v {
        Value::DType(d) => Some(*d),
        Value::Str { text: Some(t), .. } => DType::parse(t),
        Value::Lib(q) => match q.as_ref() {
            "builtins.float" | "float" => Some(DType::Float64),
            "builtins.int" | "int" => Some(DType::Int64),
            "builtins.complex" | "complex" => Some(DType::Complex128),
            "builtins.bool" | "bool" => Some(DType::Bool),
            other => DType::parse(other),
        },
        _ => None,
    }
}

/// A shape named by a value: an int, or a tuple/list of ints.
pub fn shape_of(it: &mut dyn Host, v: &Value) -> Option<Vec<Sym>> {
    match v {
        Value::Int(s) => Some(vec![s.clone()]),
        Value::Seq {
            items: SeqItems::Known(items),
            ..
        } => items.iter().map(|x| x.as_sym()).collect(),
        Value::Seq {
            items: SeqItems::Homog { elem, len, .. },
            ..
        } => {
            let n = len.as_int()? as usize;
            let d = elem.as_sym()?;
            Some(vec![d; n.min(8)])
        }
        Value::Array(a) if a.shape.len() == 1 => {
            let n = it.num(&a.shape[0]) as usize;
            let unknown = it.unknown_int("a dimension given by an array");
            Some(vec![unknown; n.min(8)])
        }
        _ => None,
    }
}
