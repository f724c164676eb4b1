//! Prescient's own Python AST: the subset of structure the analyser reasons about.
//!
//! It is deliberately smaller than a full Python AST. Constructs the analyser has no
//! use for (type parameters, decorators' arguments, pattern details) are dropped or
//! summarised, so that swapping the underlying parser only means rewriting
//! `convert.rs`. Every node carries a [`Span`] with 1-based lines and columns.

use std::sync::Arc;

/// Where a node sits in the source: 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub line: u32,
    pub col: u32,
    pub end_line: u32,
}

#[derive(Clone, Debug)]
pub struct Module {
    pub body: Vec<Stmt>,
    /// Places where the tree was cut because it nested deeper than the analyser follows.
    pub truncated: Vec<Span>,
}

#[derive(Clone, Debug)]
pub struct Stmt {
    pub span: Span,
    pub kind: StmtKind,
}

#[derive(Clone, Debug)]
pub struct FunctionDef {
    pub name: String,
    pub params: Params,
    pub body: Vec<Stmt>,
    pub decorators: Vec<Expr>,
    pub is_async: bool,
    pub span: Span,
}

#[derive(Clone, Debug, Default)]
pub struct Params {
    /// Positional (including positional-only) parameters, in order.
    pub positional: Vec<Param>,
    pub vararg: Option<String>,
    pub kwonly: Vec<Param>,
    pub kwarg: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub default: Option<Expr>,
}

#[derive(Clone, Debug)]
pub struct ClassDef {
    pub name: String,
    pub bases: Vec<Expr>,
    pub body: Vec<Stmt>,
    /// `@dataclass`, `@dataclass(frozen=True)`: the decorator expressions.
    pub decorators: Vec<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Alias {
    pub name: String,
    pub asname: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Handler {
    pub type_: Option<Expr>,
    pub name: Option<String>,
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug)]
pub struct WithItem {
    pub context: Expr,
    pub target: Option<Expr>,
}

/// One `case` of a `match`: its pattern, its guard (`if ...`) and body.
#[derive(Clone, Debug)]
pub struct MatchCase {
    pub pattern: Pattern,
    pub guard: Option<Expr>,
    pub body: Vec<Stmt>,
}

/// A `case` pattern (PEP 634).
#[derive(Clone, Debug)]
pub enum Pattern {
    /// A literal or a dotted name, compared with `==`.
    Value(Expr),
    /// `None`, `True` or `False`, compared with `is` (None for `None`).
    Singleton(Option<bool>),
    /// `[a, *rest, b]` or `(a, b)`: a sequence of that shape.
    Sequence(Vec<Pattern>),
    /// `{"k": p, **rest}`: a mapping holding those keys.
    Mapping {
        keys: Vec<Expr>,
        patterns: Vec<Pattern>,
        rest: Option<String>,
    },
    /// `Point(x, y=0)`: an instance, its `__match_args__` and attributes.
    Class {
        cls: Expr,
        patterns: Vec<Pattern>,
        keywords: Vec<(String, Pattern)>,
    },
    /// `*rest` inside a sequence pattern (`*_` binds nothing).
    Star(Option<String>),
    /// `p as name`, a bare capture `name`, or the wildcard `_`.
    As {
        pattern: Option<Box<Pattern>>,
        name: Option<String>,
    },
    /// `p | q`: the first alternative that matches.
    Or(Vec<Pattern>),
}

#[derive(Clone, Debug)]
pub enum StmtKind {
    FunctionDef(Arc<FunctionDef>),
    ClassDef(Arc<ClassDef>),
    Return(Option<Expr>),
    Delete(Vec<Expr>),
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    AugAssign {
        target: Expr,
        op: BinOp,
        value: Expr,
    },
    AnnAssign {
        target: Expr,
        value: Option<Expr>,
    },
    For {
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    While {
        test: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    If {
        test: Expr,
        body: Vec<Stmt>,
        /// `elif` chains are nested `If` statements here.
        orelse: Vec<Stmt>,
    },
    With {
        items: Vec<WithItem>,
        body: Vec<Stmt>,
    },
    Match {
        subject: Expr,
        cases: Vec<MatchCase>,
    },
    Raise(Option<Expr>),
    Try {
        body: Vec<Stmt>,
        handlers: Vec<Handler>,
        orelse: Vec<Stmt>,
        finalbody: Vec<Stmt>,
    },
    Assert(Expr),
    Import(Vec<Alias>),
    ImportFrom {
        module: String,
        names: Vec<Alias>,
        level: u32,
    },
    Global(Vec<String>),
    Nonlocal(Vec<String>),
    Expr(Expr),
    Pass,
    Break,
    Continue,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    MatMul,
    Div,
    Mod,
    Pow,
    LShift,
    RShift,
    BitOr,
    BitXor,
    BitAnd,
    FloorDiv,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::MatMul => "@",
            BinOp::Div => "/",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::LShift => "<<",
            BinOp::RShift => ">>",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::BitAnd => "&",
            BinOp::FloorDiv => "//",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Invert,
    Not,
    Plus,
    Minus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoolOp {
    And,
    Or,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    Is,
    IsNot,
    In,
    NotIn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompKind {
    List,
    Set,
    Dict,
    Generator,
}

#[derive(Clone, Debug)]
pub struct Comprehension {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
}

/// A piece of an f-string's template.
#[derive(Clone, Debug)]
pub enum FPiece {
    Text(Arc<str>),
    /// The value of the f-string's `part`-th expression, converted
    /// (`!r` gives `'r'`) and formatted by a spec, itself a template.
    Value {
        part: usize,
        conversion: Option<char>,
        spec: Vec<FPiece>,
    },
}

#[derive(Clone, Debug)]
pub struct Keyword {
    /// `None` for `**kwargs`.
    pub name: Option<String>,
    pub value: Expr,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Name(String),
    /// An integer literal; `None` when it does not fit in 64 bits.
    Int(Option<i64>),
    Float(f64),
    Complex(f64),
    Str(Arc<str>),
    Bytes(usize),
    /// An f-string (or t-string): the characters of its literal text, and the
    /// expressions it interpolates (format specs' own interpolations included),
    /// which run, and cost, whenever the string is built.
    FString {
        literal: usize,
        parts: Vec<Expr>,
        /// For each part, whether it is formatted by a spec (`{x:.2f}`):
        /// a float formats far faster to a fixed precision than to its
        /// shortest repr.
        specced: Vec<bool>,
        /// The string as written: its text and where each part's value
        /// goes, so that a run can build the very string.
        template: Vec<FPiece>,
    },
    Bool(bool),
    NoneLit,
    Ellipsis,
    Attribute {
        value: Box<Expr>,
        attr: String,
    },
    Subscript {
        value: Box<Expr>,
        index: Box<Expr>,
    },
    Slice {
        lower: Option<Box<Expr>>,
        upper: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
    Call {
        func: Box<Expr>,
        args: Vec<Expr>,
        keywords: Vec<Keyword>,
    },
    BinOp {
        left: Box<Expr>,
        op: BinOp,
        right: Box<Expr>,
    },
    UnaryOp {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    BoolOp {
        op: BoolOp,
        values: Vec<Expr>,
    },
    Compare {
        left: Box<Expr>,
        ops: Vec<CmpOp>,
        comparators: Vec<Expr>,
    },
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Set(Vec<Expr>),
    Dict(Vec<(Option<Expr>, Expr)>),
    Comp {
        kind: CompKind,
        /// The element; for a dict comprehension, the value.
        elt: Box<Expr>,
        key: Option<Box<Expr>>,
        generators: Vec<Comprehension>,
    },
    Lambda {
        params: Params,
        body: Box<Expr>,
    },
    Starred(Box<Expr>),
    Named {
        target: Box<Expr>,
        value: Box<Expr>,
    },
    Await(Box<Expr>),
    Yield(Option<Box<Expr>>),
    YieldFrom(Box<Expr>),
    /// A subtree the converter did not follow (nested too deeply).
    Opaque,
}

impl Expr {
    /// The dotted name of a `Name` or chain of attributes, e.g. `np.linalg.norm`.
    pub fn dotted(&self) -> Option<String> {
        match &self.kind {
            ExprKind::Name(n) => Some(n.clone()),
            ExprKind::Attribute { value, attr } => Some(format!("{}.{}", value.dotted()?, attr)),
            _ => None,
        }
    }

    /// `left op right` with a single comparison operator.
    pub fn as_comparison(&self) -> Option<(&Expr, CmpOp, &Expr)> {
        match &self.kind {
            ExprKind::Compare {
                left,
                ops,
                comparators,
            } if ops.len() == 1 && comparators.len() == 1 => Some((left, ops[0], &comparators[0])),
            _ => None,
        }
    }

    pub fn as_name(&self) -> Option<&str> {
        match &self.kind {
            ExprKind::Name(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i64> {
        match &self.kind {
            ExprKind::Int(v) => *v,
            ExprKind::UnaryOp {
                op: UnaryOp::Minus,
                operand,
            } => operand.as_int().map(|v| -v),
            _ => None,
        }
    }

    /// Every name this expression mentions, in order: the variables an
    /// assignment target such as `i, (j, k)` binds.
    pub fn names(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.walk(&mut |e| {
            if let Some(n) = e.as_name() {
                out.push(n.to_string());
            }
        });
        out
    }

    /// Calls `f` on every sub-expression, this one first (pre-order).
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        self.for_each_child(&mut |c| c.walk(f));
    }

    pub fn for_each_child<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        match &self.kind {
            ExprKind::Attribute { value, .. } => f(value),
            ExprKind::Subscript { value, index } => {
                f(value);
                f(index)
            }
            ExprKind::Slice { lower, upper, step } => {
                for e in [lower, upper, step].into_iter().flatten() {
                    f(e)
                }
            }
            ExprKind::Call {
                func,
                args,
                keywords,
            } => {
                f(func);
                args.iter().for_each(&mut *f);
                keywords.iter().for_each(|k| f(&k.value));
            }
            ExprKind::BinOp { left, right, .. } => {
                f(left);
                f(right)
            }
            ExprKind::UnaryOp { operand, .. } => f(operand),
            ExprKind::BoolOp { values, .. } => values.iter().for_each(f),
            ExprKind::Compare {
                left, comparators, ..
            } => {
                f(left);
                comparators.iter().for_each(f)
            }
            ExprKind::IfExp { test, body, orelse } => {
                f(test);
                f(body);
                f(orelse)
            }
            ExprKind::List(v) | ExprKind::Tuple(v) | ExprKind::Set(v) => v.iter().for_each(f),
            ExprKind::FString { parts, .. } => parts.iter().for_each(f),
            ExprKind::Dict(items) => {
                for (k, v) in items {
                    if let Some(k) = k {
                        f(k)
                    }
                    f(v)
                }
            }
            ExprKind::Comp {
                elt,
                key,
                generators,
                ..
            } => {
                for g in generators {
                    f(&g.iter);
                    f(&g.target);
                    g.ifs.iter().for_each(&mut *f);
                }
                if let Some(k) = key {
                    f(k)
                }
                f(elt)
            }
            ExprKind::Lambda { body, .. } => f(body),
            ExprKind::Starred(e) | ExprKind::Await(e) | ExprKind::YieldFrom(e) => f(e),
            ExprKind::Named { target, value } => {
                f(target);
                f(value)
            }
            ExprKind::Yield(Some(e)) => f(e),
            _ => {}
        }
    }
}

impl Stmt {
    /// Calls `f` on each statement nested directly in this one's blocks.
    pub fn child_blocks(&self) -> Vec<&[Stmt]> {
        match &self.kind {
            StmtKind::FunctionDef(d) => vec![&d.body],
            StmtKind::ClassDef(c) => vec![&c.body],
            StmtKind::For { body, orelse, .. } | StmtKind::While { body, orelse, .. } => {
                vec![body, orelse]
            }
            StmtKind::If { body, orelse, .. } => vec![body, orelse],
            StmtKind::With { body, .. } => vec![body],
            StmtKind::Match { cases, .. } => cases.iter().map(|c| c.body.as_slice()).collect(),
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                let mut v: Vec<&[Stmt]> = vec![body, orelse, finalbody];
                v.extend(handlers.iter().map(|h| h.body.as_slice()));
                v
            }
            _ => vec![],
        }
    }

    /// The expressions that appear directly in this statement (not in nested blocks).
    pub fn exprs(&self) -> Vec<&Expr> {
        match &self.kind {
            StmtKind::Return(Some(e)) | StmtKind::Raise(Some(e)) | StmtKind::Assert(e) => vec![e],
            StmtKind::Expr(e) => vec![e],
            StmtKind::Delete(v) => v.iter().collect(),
            StmtKind::Assign { targets, value } => {
                let mut v: Vec<&Expr> = targets.iter().collect();
                v.push(value);
                v
            }
            StmtKind::AugAssign { target, value, .. } => vec![target, value],
            StmtKind::AnnAssign { target, value } => {
                let mut v = vec![target];
                if let Some(e) = value {
                    v.push(e)
                }
                v
            }
            StmtKind::For { target, iter, .. } => vec![target, iter],
            StmtKind::While { test, .. } | StmtKind::If { test, .. } => vec![test],
            StmtKind::With { items, .. } => {
                let mut v = vec![];
                for i in items {
                    v.push(&i.context);
                    if let Some(t) = &i.target {
                        v.push(t)
                    }
                }
                v
            }
            StmtKind::Match { subject, cases } => {
                let mut v = vec![subject];
                v.extend(cases.iter().filter_map(|c| c.guard.as_ref()));
                v
            }
            _ => vec![],
        }
    }

    /// Pre-order walk over this statement and every statement nested in it.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Stmt)) {
        f(self);
        for block in self.child_blocks() {
            for s in block {
                s.walk(f)
            }
        }
    }
}
