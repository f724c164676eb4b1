//! The abstract value domain of the interpreter.
//!
//! A [`Value`] stands for every concrete value a Python expression could take at that
//! point, summarised by what matters for cost: numbers that may be symbolic, lengths
//! of strings, bytes and sequences, and arrays with a symbolic shape and a dtype.
//! Anything the analyser cannot describe is [`Value::Unknown`].

use prescient_model::Sym;
use prescient_syntax::ast::{BinOp, ClassDef, Expr, ExprKind, FunctionDef, Params, StmtKind};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum DType {
    Bool,
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Float16,
    BFloat16,
    Float32,
    Float64,
    Complex64,
    Complex128,
    Object,
}

impl DType {
    pub fn itemsize(self) -> f64 {
        match self {
            DType::Bool | DType::Int8 | DType::UInt8 => 1.0,
            DType::Int16 | DType::UInt16 | DType::Float16 | DType::BFloat16 => 2.0,
            DType::Int32 | DType::UInt32 | DType::Float32 => 4.0,
            DType::Int64 | DType::UInt64 | DType::Float64 | DType::Complex64 | DType::Object => 8.0,
            DType::Complex128 => 16.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DType::Bool => "bool",
            DType::Int8 => "int8",
            DType::UInt8 => "uint8",
            DType::Int16 => "int16",
            DType::UInt16 => "uint16",
            DType::Int32 => "int32",
            DType::UInt32 => "uint32",
            DType::Int64 => "int64",
            DType::UInt64 => "uint64",
            DType::Float16 => "float16",
            DType::BFloat16 => "bfloat16",
            DType::Float32 => "float32",
            DType::Float64 => "float64",
            DType::Complex64 => "complex64",
            DType::Complex128 => "complex128",
            DType::Object => "object",
        }
    }

    /// Parses numpy/torch dtype spellings: `float32`, `np.float32`, `'f4'`, `'<f8'`, `int`.
    pub fn parse(s: &str) -> Option<DType> {
        let s = s.rsplit('.').next().unwrap_or(s);
        let s = s.trim_start_matches(['<', '>', '=', '|']);
        Some(match s {
            "bool" | "bool_" | "?" | "b1" => DType::Bool,
            "int8" | "i1" | "byte" => DType::Int8,
            "uint8" | "u1" | "ubyte" | "B" => DType::UInt8,
            "int16" | "i2" | "short" => DType::Int16,
            "uint16" | "u2" => DType::UInt16,
            "int32" | "i4" | "intc" => DType::Int32,
            "uint32" | "u4" | "uintc" => DType::UInt32,
            "int64" | "i8" | "int" | "int_" | "intp" | "long" | "longlong" => DType::Int64,
            "uint64" | "u8" | "uint" | "uintp" => DType::UInt64,
            "float16" | "f2" | "half" => DType::Float16,
            "bfloat16" => DType::BFloat16,
            "float32" | "f4" | "single" | "f" => DType::Float32,
            "float" | "float64" | "f8" | "double" | "float_" | "d" => DType::Float64,
            "complex64" | "c8" | "csingle" => DType::Complex64,
            "complex" | "complex128" | "c16" | "cdouble" | "complex_" => DType::Complex128,
            "object" | "object_" | "O" | "str" | "str_" | "U" => DType::Object,
            _ => return None,
        })
    }

    pub fn is_float(self) -> bool {
        matches!(
            self,
            DType::Float16 | DType::BFloat16 | DType::Float32 | DType::Float64
        )
    }
    pub fn is_complex(self) -> bool {
        matches!(self, DType::Complex64 | DType::Complex128)
    }
    pub fn is_int(self) -> bool {
        !self.is_float() && !self.is_complex() && self != DType::Object
    }

    /// The complex type of the same precision (results of FFTs).
    pub fn to_complex(self) -> DType {
        match self {
            DType::Float32 | DType::Float16 | DType::Complex64 => DType::Complex64,
            _ => DType::Complex128,
        }
    }

    /// The real type of the same precision (`abs` of a complex array).
    pub fn to_real(self) -> DType {
        match self {
            DType::Complex64 => DType::Float32,
            DType::Complex128 => DType::Float64,
            d => d,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lib {
    Numpy,
    Torch,
}

/// What computed an array, for recognisers that look across statements
/// (softmax = exp(x - max) / sum(exp(...)), dense layer = x @ W + b, ...).
#[derive(Clone, Debug, PartialEq, Default)]
pub enum Origin {
    #[default]
    Plain,
    /// `exp` of something; carries the id of its argument's source when known.
    Exp(u64),
    /// A reduction (`sum`/`max`/`mean`/`var`) of the array with this id.
    Reduce(&'static str, u64),
    /// `x - mean(x)` or `x - max(x)` of the array with this id.
    Centered(u64),
    /// Result of the kernel with this index (matmul), for layer recognition.
    Matmul(usize),
    /// A sliding-window view (stride tricks) of the array with this id.
    Windows,
    /// An `arange`/index grid, used by DFT-matrix recognition.
    Grid,
}

#[derive(Clone, Debug)]
pub struct ArrayVal {
    pub shape: Vec<Sym>,
    pub dtype: DType,
    pub lib: Lib,
    pub id: u64,
    /// Id of the buffer this array's memory belongs to (its own id unless a view).
    pub base: u64,
    pub origin: Origin,
    /// Torch: participates in autograd.
    pub requires_grad: bool,
}

impl ArrayVal {
    pub fn size(&self) -> Sym {
        Sym::product(self.shape.iter().cloned())
    }
    pub fn nbytes(&self) -> Sym {
        self.size().scale(self.dtype.itemsize())
    }
    pub fn ndim(&self) -> usize {
        self.shape.len()
    }
    pub fn is_view(&self) -> bool {
        self.base != self.id
    }
}

#[derive(Clone, Debug)]
pub enum SeqItems {
    /// Every item known (a literal, a tuple of known values).
    Known(Vec<Value>),
    /// Homogeneous items of this kind, `len` of them. `owned`: the share
    /// of the items whose object this container alone holds; the rest are
    /// references to objects held elsewhere too (0 for a sorted or
    /// filtered copy, a slice; 1/k for one object added k times over).
    Homog {
        elem: Box<Value>,
        len: Sym,
        owned: f64,
        /// A generator's output: the items are made one at a time as the
        /// consumer asks, never held together (`lazy`).
        lazy: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeqKind {
    List,
    Tuple,
    Set,
    Dict,
}

#[derive(Clone, Debug)]
pub enum Callable {
    Def(Arc<FunctionDef>),
    Lambda {
        params: Arc<Params>,
        body: Arc<Expr>,
    },
}

#[derive(Debug)]
pub struct FuncVal {
    pub name: String,
    pub callable: Callable,
    /// Default values, evaluated where the function was defined, by parameter name.
    pub defaults: BTreeMap<String, Value>,
    /// Names visible from enclosing function scopes at definition time.
    pub closure: Option<Rc<RefCell<BTreeMap<String, Value>>>>,
    pub id: u64,
}

#[derive(Debug)]
pub struct ClassVal {
    pub name: String,
    pub def: Arc<ClassDef>,
    pub bases: Vec<Value>,
    pub attrs: RefCell<BTreeMap<String, Value>>,
}

impl ClassVal {
    /// Looks an attribute up the user-class hierarchy.
    pub fn lookup(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.attrs.borrow().get(name) {
            return Some(v.clone());
        }
        for b in &self.bases {
            if let Value::Class(c) = b {
                if let Some(v) = c.lookup(name) {
                    return Some(v);
                }
            }
        }
        None
    }

    /// Whether this is an `enum.Enum` or `enum.Flag` class, whose members
    /// are objects of their own. (An `IntEnum`'s or `StrEnum`'s members act
    /// as their values in every operation the analysis models.)
    pub fn is_enum(&self) -> bool {
        self.bases.iter().any(|b| match b {
            Value::Class(b) => b.is_enum(),
            Value::Lib(q) => matches!(&**q, "enum.Enum" | "enum.Flag"),
            _ => false,
        })
    }

    /// Whether its instances hash in Python, by what they hold rather than
    /// by identity: a `__hash__` of the class's own, or the one a dataclass
    /// or a NamedTuple generates (not an enum's, whose members are each
    /// one object; not `@dataclass(eq=False)`, which keeps identity).
    pub fn hashes_by_value(&self) -> bool {
        !self.is_enum()
            && (matches!(self.lookup("__hash__"), Some(Value::Func(_)))
                || (is_record_class(self) && !dataclass_flag(self, "eq", false)))
    }

    /// An enum class's member names, in the order its body defines them.
    pub fn enum_member_names(&self) -> Vec<String> {
        self.def
            .body
            .iter()
            .filter_map(|s| match &s.kind {
                StmtKind::Assign { targets, .. } if targets.len() == 1 => {
                    targets[0].as_name().map(String::from)
                }
                _ => None,
            })
            .filter(|n| !n.starts_with('_'))
            .collect()
    }

    /// The first library base class (e.g. `torch.nn.Module`), if any.
    pub fn lib_base(&self) -> Option<Arc<str>> {
        for b in &self.bases {
            match b {
                Value::Lib(q) => return Some(q.clone()),
                Value::Class(c) => {
                    if let Some(q) = c.lib_base() {
                        return Some(q);
                    }
                }
                _ => {}
            }
        }
        None
    }
}

pub type Attrs = Rc<RefCell<BTreeMap<String, Value>>>;

#[derive(Clone, Debug)]
pub enum Value {
    Unknown,
    None,
    Bool(Option<bool>),
    Int(Sym),
    Float(Option<f64>),
    Complex,
    Str {
        len: Sym,
        text: Option<Arc<str>>,
        /// A reference to a string another object already holds (an element
        /// read from a container, a constant): storing it again costs a
        /// pointer, not a new string.
        shared: bool,
    },
    Bytes {
        len: Sym,
    },
    Seq {
        kind: SeqKind,
        items: SeqItems,
    },
    Range {
        start: Sym,
        stop: Sym,
        step: Sym,
    },
    Array(Rc<ArrayVal>),
    DType(DType),
    /// A module, function or constant of a library, by qualified name (`numpy.linalg`).
    Lib(Arc<str>),
    /// A library method bound to its receiver (`ndarray.sum` on an array).
    Bound {
        qual: Arc<str>,
        recv: Box<Value>,
    },
    /// An instance of a library class (`hashlib.sha256` object, `torch.nn.Linear`,
    /// `numpy.random.Generator`, an argparse parser).
    Obj {
        class: Arc<str>,
        attrs: Attrs,
    },
    Func(Rc<FuncVal>),
    Class(Rc<ClassVal>),
    Instance {
        class: Rc<ClassVal>,
        attrs: Attrs,
    },
    Method {
        func: Rc<FuncVal>,
        recv: Box<Value>,
    },
    /// An open file; `size` is its size in bytes when known, `path` where
    /// it was opened, when written literally (so that what the program
    /// writes to it is known when it reads it back).
    File {
        size: Sym,
        binary: bool,
        path: Option<Arc<str>>,
    },
    /// A generator object or iterator: state that cannot be checkpointed.
    Generator,
    /// `*x` in a call whose length is not known.
    Starred(Box<Value>),
}

impl Value {
    /// The kind of container this is, if it is one.
    pub fn seq_kind(&self) -> Option<SeqKind> {
        match self {
            Value::Seq { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    pub fn int(v: i64) -> Value {
        Value::Int(Sym::from(v))
    }

    pub fn str_known(s: &str) -> Value {
        Value::Str {
            len: Sym::from(s.chars().count()),
            text: Some(Arc::from(s)),
            shared: false,
        }
    }

    pub fn list(items: Vec<Value>) -> Value {
        Value::Seq {
            kind: SeqKind::List,
            items: SeqItems::Known(items),
        }
    }

    pub fn tuple(items: Vec<Value>) -> Value {
        Value::Seq {
            kind: SeqKind::Tuple,
            items: SeqItems::Known(items),
        }
    }

    pub fn homog(kind: SeqKind, elem: Value, len: Sym) -> Value {
        Value::Seq {
            kind,
            items: SeqItems::Homog {
                elem: Box::new(elem),
                len,
                owned: 1.0,
                lazy: false,
            },
        }
    }

    /// Whether this may be a generator's output: generators (expressions and
    /// functions that yield) are carried as a tuple of what they yield, whose
    /// items are their own, not references to another container's.
    pub fn may_be_generator(&self) -> bool {
        matches!(
            self,
            Value::Seq {
                kind: SeqKind::Tuple,
                items: SeqItems::Homog { .. },
            }
        )
    }

    /// What a generator (a function that yields, a generator expression)
    /// produces: `len` items like `elem`, one at a time. Iterated, it is a
    /// tuple of them; held, it holds one.
    pub fn lazy(elem: Value, len: Sym) -> Value {
        Value::Seq {
            kind: SeqKind::Tuple,
            items: SeqItems::Homog {
                elem: Box::new(elem),
                len,
                owned: 1.0,
                lazy: true,
            },
        }
    }

    /// Whether this is a generator's output ([`Value::lazy`]).
    pub fn is_lazy(&self) -> bool {
        matches!(
            self,
            Value::Seq {
                items: SeqItems::Homog { lazy: true, .. },
                ..
            }
        )
    }

    /// A generator's items all made and held at once (a tuple of them), as
    /// a consumer that first collects them holds them; other values as
    /// they are.
    pub fn realized(&self) -> Value {
        match self {
            Value::Seq {
                kind,
                items:
                    SeqItems::Homog {
                        elem,
                        len,
                        lazy: true,
                        ..
                    },
            } => Value::homog(*kind, (**elem).clone(), len.clone()),
            v => v.clone(),
        }
    }

    /// A new container of `len` references to objects held elsewhere
    /// (`sorted(xs)`, `xs[a:b]`, `[r for r in rows if ...]`).
    pub fn refs(kind: SeqKind, elem: Value, len: Sym) -> Value {
        Value::partly_owned(kind, elem, len, 0.0)
    }

    /// A new container of `len` items of which the share `owned` are
    /// objects it alone holds, the rest references to objects held
    /// elsewhere too (one object added several times).
    pub fn partly_owned(kind: SeqKind, elem: Value, len: Sym, owned: f64) -> Value {
        Value::Seq {
            kind,
            items: SeqItems::Homog {
                elem: Box::new(elem),
                len,
                owned: owned.clamp(0.0, 1.0),
                lazy: false,
            },
        }
    }

    /// The share of a container's items it alone holds (see
    /// [`SeqItems::Homog`]); 1 for other values.
    pub fn owned_share(&self) -> f64 {
        match self {
            Value::Seq {
                items: SeqItems::Homog { owned, .. },
                ..
            } => *owned,
            _ => 1.0,
        }
    }

    pub fn new_obj(class: &str) -> Value {
        Value::Obj {
            class: Arc::from(class),
            attrs: Rc::new(RefCell::new(BTreeMap::new())),
        }
    }

    /// The same value read as a reference to an object something else keeps
    /// alive (a container element, an attribute, a constant): strings in it,
    /// and in a tuple of it, are then not counted again where it is stored.
    pub fn shared(self) -> Value {
        match self {
            Value::Str { len, text, .. } => Value::Str {
                len,
                text,
                shared: true,
            },
            Value::Seq {
                kind: SeqKind::Tuple,
                items: SeqItems::Known(items),
            } => Value::tuple(items.into_iter().map(Value::shared).collect()),
            other => other,
        }
    }

    /// The same value as a new copy of its objects (`copy.deepcopy`): no
    /// string or item in it is a reference to something kept elsewhere.
    pub fn unshared(self) -> Value {
        match self {
            Value::Str { len, text, .. } => Value::Str {
                len,
                text,
                shared: false,
            },
            Value::Seq {
                kind,
                items: SeqItems::Known(items),
            } => Value::Seq {
                kind,
                items: SeqItems::Known(items.into_iter().map(Value::unshared).collect()),
            },
            Value::Seq {
                kind,
                items: SeqItems::Homog {
                    elem, len, lazy, ..
                },
            } => Value::Seq {
                kind,
                items: SeqItems::Homog {
                    elem: Box::new(elem.unshared()),
                    len,
                    owned: 1.0,
                    lazy,
                },
            },
            other => other,
        }
    }

    pub fn as_array(&self) -> Option<&Rc<ArrayVal>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_sym(&self) -> Option<Sym> {
        match self {
            Value::Int(s) => Some(s.clone()),
            Value::Bool(Some(b)) => Some(Sym::from(*b as i64)),
            Value::Float(Some(f)) => Some(Sym::num(*f)),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Str { text: Some(t), .. } => Some(t),
            _ => None,
        }
    }

    pub fn is_numeric_scalar(&self) -> bool {
        matches!(
            self,
            Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Complex
        )
    }

    /// Length of a sized value (str, bytes, sequence, range, first array axis).
    pub fn len(&self) -> Option<Sym> {
        match self {
            Value::Str { len, .. } | Value::Bytes { len } => Some(len.clone()),
            Value::Seq { items, .. } => Some(match items {
                SeqItems::Known(v) => Sym::from(v.len()),
                SeqItems::Homog { len, .. } => len.clone(),
            }),
            Value::Range { start, stop, step } => Some(range_len(start, stop, step)),
            Value::Array(a) => a.shape.first().cloned(),
            _ => None,
        }
    }

    /// The value of one element when iterating or indexing.
    pub fn elem(&self) -> Value {
        match self {
            Value::Str { .. } => Value::Str {
                len: Sym::one(),
                text: None,
                shared: false,
            },
            Value::Bytes { .. } => Value::Int(Sym::var("byte")),
            Value::Seq { items, .. } => match items {
                SeqItems::Known(v) => v.first().cloned().unwrap_or(Value::Unknown),
                SeqItems::Homog { elem, .. } => (**elem).clone(),
            },
            Value::Range { start, stop, step } => {
                // The mean element stands for all of them: exact for costs linear in it.
                let n = range_len(start, stop, step);
                Value::Int(start.add(&n.sub(&Sym::one()).clamp0().mul(step).scale(0.5)))
            }
            _ => Value::Unknown,
        }
    }

    /// What iterating over the value yields: its element, but a dict's key
    /// (its element is the (key, value) pair `items()` yields).
    pub fn iter_elem(&self) -> Value {
        let e = self.elem();
        match (self, &e) {
            (
                Value::Seq {
                    kind: SeqKind::Dict,
                    ..
                },
                Value::Seq {
                    kind: SeqKind::Tuple,
                    items: SeqItems::Known(kv),
                },
            ) if kv.len() == 2 => kv[0].clone(),
            _ => e,
        }
    }

    /// A short description for evidence strings: `3000x3000 float64`, `bytes[1048576]`.
    pub fn describe(&self) -> String {
        match self {
            Value::Array(a) => format!("{} {}", shape_str(&a.shape), a.dtype.name()),
            Value::Bytes { len } => format!("bytes[{len}]"),
            Value::Str { len, .. } => format!("str[{len}]"),
            Value::Seq { kind, .. } => format!(
                "{}[{}]",
                match kind {
                    SeqKind::List => "list",
                    SeqKind::Tuple => "tuple",
                    SeqKind::Set => "set",
                    SeqKind::Dict => "dict",
                },
                self.len().map(|l| l.to_string()).unwrap_or_default()
            ),
            Value::Int(s) => format!("int {s}"),
            Value::Float(_) => "float".into(),
            _ => "value".into(),
        }
    }
}

pub fn range_len(start: &Sym, stop: &Sym, step: &Sym) -> Sym {
    match step.as_num() {
        Some(s) if s > 0.0 => {
            if s == 1.0 {
                stop.sub(start).clamp0()
            } else {
                let n = stop
                    .sub(start)
                    .add(&Sym::num(s - 1.0))
                    .floordiv(&Sym::num(s));
                n.clamp0()
            }
        }
        Some(s) if s < 0.0 => {
            let n = start
                .sub(stop)
                .add(&Sym::num(-s - 1.0))
                .floordiv(&Sym::num(-s));
            n.clamp0()
        }
        _ => stop.sub(start).div(step).clamp0(),
    }
}

pub fn shape_str(shape: &[Sym]) -> String {
    if shape.is_empty() {
        return "scalar".into();
    }
    shape
        .iter()
        .map(|d| {
            let s = d.to_string();
            if s.contains(' ') {
                format!("({s})")
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join("x")
}

/// Python's integer operator `op` on two (possibly symbolic) ints: exact when
/// both are known and fit, else a symbolic stand-in.
pub fn int_op(op: BinOp, a: &Sym, b: &Sym) -> Sym {
    if let (Some(x), Some(y)) = (a.as_int(), b.as_int()) {
        let v = match op {
            BinOp::Add => x.checked_add(y),
            BinOp::Sub => x.checked_sub(y),
            BinOp::Mul => x.checked_mul(y),
            BinOp::FloorDiv if y != 0 => Some(x.div_euclid(y)),
            BinOp::Mod if y != 0 => Some(x.rem_euclid(y)),
            BinOp::Pow if (0..64).contains(&y) => x.checked_pow(y as u32),
            BinOp::LShift if (0..63).contains(&y) => x.checked_shl(y as u32),
            BinOp::RShift if (0..63).contains(&y) => Some(x >> y),
            BinOp::BitAnd => Some(x & y),
            BinOp::BitOr => Some(x | y),
            BinOp::BitXor => Some(x ^ y),
            BinOp::Div if y != 0 => return Sym::num(x as f64 / y as f64),
            _ => None,
        };
        if let Some(v) = v {
            return Sym::from(v);
        }
        return match op {
            BinOp::Pow => Sym::num((x as f64).powf(y as f64)),
            BinOp::Mul => Sym::num(x as f64 * y as f64),
            _ => Sym::num(0.0),
        };
    }
    match op {
        BinOp::Add => a.add(b),
        BinOp::Sub => a.sub(b),
        BinOp::Mul => a.mul(b),
        BinOp::FloorDiv => a.floordiv(b),
        BinOp::Div => a.div(b),
        BinOp::Pow => a.pow(b),
        BinOp::LShift => a.mul(&Sym::num(2.0).pow(b)),
        BinOp::RShift => a.div(&Sym::num(2.0).pow(b)),
        // Remainders and masks of unknown values: their mean stands in.
        BinOp::Mod => b.scale(0.5),
        BinOp::BitAnd => a.min(b),
        _ => a.max(b),
    }
}

/// Characters a value takes when formatted as `str()` or an f-string does:
/// its own length for text, typical widths for numbers.
pub fn formatted_len(v: &Value) -> Sym {
    match v {
        Value::Str { len, .. } => len.clone(),
        Value::Int(s) => match s.as_num() {
            Some(x) => Sym::from(x.abs().max(1.0).log10().floor() as i64 + 1 + (x < 0.0) as i64),
            None => Sym::num(6.0),
        },
        Value::Float(_) => Sym::num(10.0),
        Value::Bool(_) => Sym::num(5.0),
        Value::None => Sym::num(4.0),
        _ => Sym::num(16.0),
    }
}

/// A class whose `__init__` Python generates from its annotated fields:
/// `@dataclass` (or `@dataclasses.dataclass(...)`) and `typing.NamedTuple`
/// subclasses, directly or through a base.
/// Whether the class's `@dataclass(...)` sets `flag` (`frozen`,
/// `unsafe_hash`, `eq`) to the literal `value`.
pub fn dataclass_flag(c: &ClassVal, flag: &str, value: bool) -> bool {
    c.def.decorators.iter().any(|d| match &d.kind {
        ExprKind::Call { func, keywords, .. } => {
            func.dotted().is_some_and(|n| n.ends_with("dataclass"))
                && keywords.iter().any(|k| {
                    k.name.as_deref() == Some(flag)
                        && matches!(k.value.kind, ExprKind::Bool(b) if b == value)
                })
        }
        _ => false,
    })
}

pub fn is_record_class(c: &ClassVal) -> bool {
    let decorated = c.def.decorators.iter().any(|d| {
        let name = match &d.kind {
            ExprKind::Call { func, .. } => func.dotted(),
            _ => d.dotted(),
        };
        name.is_some_and(|n| n.ends_with("dataclass"))
    });
    decorated
        || c.bases.iter().any(|b| match b {
            Value::Lib(q) => q.ends_with("NamedTuple"),
            Value::Class(b) => is_record_class(b),
            _ => false,
        })
}

/// Annotated fields of a record class in `__init__` order, with their
/// default expressions.
pub fn record_fields(c: &ClassVal, out: &mut Vec<(String, Option<Expr>)>) {
    for b in &c.bases {
        if let Value::Class(b) = b {
            record_fields(b, out);
        }
    }
    for s in &c.def.body {
        if let StmtKind::AnnAssign { target, value } = &s.kind {
            if let Some(n) = target.as_name() {
                out.retain(|(f, _)| f != n);
                out.push((n.to_string(), value.clone()));
            }
        }
    }
}

/// Whether a dataclass field takes part in the generated comparisons: all
/// but those declared `field(compare=False, ...)`.
pub fn compared_field(default: Option<&Expr>) -> bool {
    let Some(ExprKind::Call { func, keywords, .. }) = default.map(|e| &e.kind) else {
        return true;
    };
    !(func.dotted().is_some_and(|n| n.ends_with("field"))
        && keywords.iter().any(|k| {
            k.name.as_deref() == Some("compare") && matches!(k.value.kind, ExprKind::Bool(false))
        }))
}

/// Whether a function is memoised by `functools.cache` or `lru_cache`.
pub fn memoised(d: &FunctionDef) -> bool {
    d.decorators.iter().any(|e| {
        let target = match &e.kind {
            ExprKind::Call { func, .. } => func.as_ref(),
            _ => e,
        };
        target
            .dotted()
            .is_some_and(|n| matches!(n.rsplit('.').next(), Some("cache" | "lru_cache")))
    })
}
