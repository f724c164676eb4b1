//! Converts ruff's AST into Prescient's own AST (`crate::ast`).
//!
//! This is the only module that knows about the underlying parser. It also bounds
//! recursion: beyond [`MAX_DEPTH`] levels of nesting a subtree becomes
//! [`ExprKind::Opaque`] and its place is recorded, so later passes (which recurse)
//! can never overflow the stack on hostile input.

use crate::ast::*;
use crate::lines::LineIndex;
use ruff_python_ast as r;
use ruff_text_size::{Ranged, TextRange};
use std::sync::Arc;

/// How deep the converter follows nested expressions and statements.
pub const MAX_DEPTH: u32 = 400;

pub(crate) struct Converter<'a> {
    pub lines: &'a LineIndex<'a>,
    pub depth: u32,
    pub truncated: Vec<Span>,
}

impl Converter<'_> {
    fn span(&self, r: TextRange) -> Span {
        let (line, col) = self.lines.line_col(r.start().to_usize());
        let (end_line, _) = self.lines.line_col(r.end().to_usize());
        Span {
            line,
            col,
            end_line,
        }
    }

    fn pattern(&mut self, p: &r::Pattern) -> Pattern {
        // Nested beyond the bound, a pattern is an opaque value: nothing
        // that reads it can recurse that deep, and a run stops on it.
        if self.depth > MAX_DEPTH {
            let span = self.span(p.range());
            self.truncated.push(span);
            return Pattern::Value(Expr {
                span,
                kind: ExprKind::Opaque,
            });
        }
        self.depth += 1;
        let out = self.pattern_kind(p);
        self.depth -= 1;
        out
    }

    fn pattern_kind(&mut self, p: &r::Pattern) -> Pattern {
        match p {
            r::Pattern::MatchValue(x) => Pattern::Value(self.expr(&x.value)),
            r::Pattern::MatchSingleton(x) => Pattern::Singleton(match x.value {
                r::Singleton::None => None,
                r::Singleton::True => Some(true),
                r::Singleton::False => Some(false),
            }),
            r::Pattern::MatchSequence(x) => {
                Pattern::Sequence(x.patterns.iter().map(|p| self.pattern(p)).collect())
            }
            r::Pattern::MatchMapping(x) => Pattern::Mapping {
                keys: x.keys.iter().map(|k| self.expr(k)).collect(),
                patterns: x.patterns.iter().map(|p| self.pattern(p)).collect(),
                rest: x.rest.as_ref().map(|n| n.id.to_string()),
            },
            r::Pattern::MatchClass(x) => Pattern::Class {
                cls: self.expr(&x.cls),
                patterns: x
                    .arguments
                    .patterns
                    .iter()
                    .map(|p| self.pattern(p))
                    .collect(),
                keywords: x
                    .arguments
                    .keywords
                    .iter()
                    .map(|k| (k.attr.id.to_string(), self.pattern(&k.pattern)))
                    .collect(),
            },
            r::Pattern::MatchStar(x) => Pattern::Star(x.name.as_ref().map(|n| n.id.to_string())),
            r::Pattern::MatchAs(x) => Pattern::As {
                pattern: x.pattern.as_ref().map(|p| Box::new(self.pattern(p))),
                name: x.name.as_ref().map(|n| n.id.to_string()),
            },
            r::Pattern::MatchOr(x) => {
                Pattern::Or(x.patterns.iter().map(|p| self.pattern(p)).collect())
            }
        }
    }

    pub fn suite(&mut self, body: &[r::Stmt]) -> Vec<Stmt> {
        body.iter().filter_map(|s| self.stmt(s)).collect()
    }

    fn stmt(&mut self, s: &r::Stmt) -> Option<Stmt> {
        let span = self.span(s.range());
        if self.depth > MAX_DEPTH {
            self.truncated.push(span);
            return None;
        }
        self.depth += 1;
        let kind = self.stmt_kind(s);
        self.depth -= 1;
        kind.map(|kind| Stmt { span, kind })
    }

    fn stmt_kind(&mut self, s: &r::Stmt) -> Option<StmtKind> {
        Some(match s {
            r::Stmt::FunctionDef(f) => StmtKind::FunctionDef(Arc::new(FunctionDef {
                name: f.name.id.to_string(),
                params: self.params(&f.parameters),
                body: self.suite(&f.body),
                decorators: f
                    .decorator_list
                    .iter()
                    .map(|d| self.expr(&d.expression))
                    .collect(),
                is_async: f.is_async,
                span: self.span(f.range),
            })),
            r::Stmt::ClassDef(c) => StmtKind::ClassDef(Arc::new(ClassDef {
                name: c.name.id.to_string(),
                bases: c
                    .arguments
                    .as_ref()
                    .map(|a| a.args.iter().map(|e| self.expr(e)).collect())
                    .unwrap_or_default(),
                body: self.suite(&c.body),
                decorators: c
                    .decorator_list
                    .iter()
                    .map(|d| self.expr(&d.expression))
                    .collect(),
                span: self.span(c.range),
            })),
            r::Stmt::Return(x) => StmtKind::Return(x.value.as_ref().map(|e| self.expr(e))),
            r::Stmt::Delete(x) => StmtKind::Delete(self.exprs(&x.targets)),
            r::Stmt::TypeAlias(_) => StmtKind::Pass,
            r::Stmt::Assign(x) => StmtKind::Assign {
                targets: self.exprs(&x.targets),
                value: self.expr(&x.value),
            },
            r::Stmt::AugAssign(x) => StmtKind::AugAssign {
                target: self.expr(&x.target),
                op: binop(x.op),
                value: self.expr(&x.value),
            },
            r::Stmt::AnnAssign(x) => StmtKind::AnnAssign {
                target: self.expr(&x.target),
                value: x.value.as_ref().map(|e| self.expr(e)),
            },
            r::Stmt::For(x) => StmtKind::For {
                target: self.expr(&x.target),
                iter: self.expr(&x.iter),
                body: self.suite(&x.body),
                orelse: self.suite(&x.orelse),
            },
            r::Stmt::While(x) => StmtKind::While {
                test: self.expr(&x.test),
                body: self.suite(&x.body),
                orelse: self.suite(&x.orelse),
            },
            r::Stmt::If(x) => {
                // Fold `elif`/`else` clauses into nested Ifs, innermost first.
                let mut orelse: Vec<Stmt> = Vec::new();
                for clause in x.elif_else_clauses.iter().rev() {
                    let body = self.suite(&clause.body);
                    orelse = match &clause.test {
                        None => body,
                        Some(t) => vec![Stmt {
                            span: self.span(clause.range),
                            kind: StmtKind::If {
                                test: self.expr(t),
                                body,
                                orelse,
                            },
                        }],
                    };
                }
                StmtKind::If {
                    test: self.expr(&x.test),
                    body: self.suite(&x.body),
                    orelse,
                }
            }
            r::Stmt::With(x) => StmtKind::With {
                items: x
                    .items
                    .iter()
                    .map(|i| WithItem {
                        context: self.expr(&i.context_expr),
                        target: i.optional_vars.as_ref().map(|e| self.expr(e)),
                    })
                    .collect(),
                body: self.suite(&x.body),
            },
            r::Stmt::Match(x) => StmtKind::Match {
                subject: self.expr(&x.subject),
                cases: x
                    .cases
                    .iter()
                    .map(|c| MatchCase {
                        pattern: self.pattern(&c.pattern),
                        guard: c.guard.as_ref().map(|g| self.expr(g)),
                        body: self.suite(&c.body),
                    })
                    .collect(),
            },
            r::Stmt::Raise(x) => StmtKind::Raise(x.exc.as_ref().map(|e| self.expr(e))),
            r::Stmt::Try(x) => StmtKind::Try {
                body: self.suite(&x.body),
                handlers: x
                    .handlers
                    .iter()
                    .map(|h| {
                        let r::ExceptHandler::ExceptHandler(h) = h;
                        Handler {
                            type_: h.type_.as_ref().map(|e| self.expr(e)),
                            name: h.name.as_ref().map(|n| n.id.to_string()),
                            body: self.suite(&h.body),
                        }
                    })
                    .collect(),
                orelse: self.suite(&x.orelse),
                finalbody: self.suite(&x.finalbody),
            },
            r::Stmt::Assert(x) => StmtKind::Assert(self.expr(&x.test)),
            r::Stmt::Import(x) => StmtKind::Import(x.names.iter().map(alias).collect()),
            r::Stmt::ImportFrom(x) => StmtKind::ImportFrom {
                module: x
                    .module
                    .as_ref()
                    .map(|m| m.id.to_string())
                    .unwrap_or_default(),
                names: x.names.iter().map(alias).collect(),
                level: x.level,
            },
            r::Stmt::Global(x) => {
                StmtKind::Global(x.names.iter().map(|n| n.id.to_string()).collect())
            }
            r::Stmt::Nonlocal(x) => {
                StmtKind::Nonlocal(x.names.iter().map(|n| n.id.to_string()).collect())
            }
            r::Stmt::Expr(x) => StmtKind::Expr(self.expr(&x.value)),
            r::Stmt::Pass(_) => StmtKind::Pass,
            r::Stmt::Break(_) => StmtKind::Break,
            r::Stmt::Continue(_) => StmtKind::Continue,
            r::Stmt::IpyEscapeCommand(_) => return None,
        })
    }

    fn params(&mut self, p: &r::Parameters) -> Params {
        let mut conv = |list: &[r::ParameterWithDefault]| -> Vec<Param> {
            list.iter()
                .map(|pw| Param {
                    name: pw.parameter.name.id.to_string(),
                    default: pw.default.as_ref().map(|d| self.expr(d)),
                })
                .collect()
        };
        let mut positional = conv(&p.posonlyargs);
        positional.extend(conv(&p.args));
        let kwonly = conv(&p.kwonlyargs);
        Params {
            positional,
            vararg: p.vararg.as_ref().map(|v| v.name.id.to_string()),
            kwonly,
            kwarg: p.kwarg.as_ref().map(|v| v.name.id.to_string()),
        }
    }

    /// Collects an f-string's literal length and the expressions it interpolates,
    /// descending into format specs (`f"{x:{width}}"`).
    fn interpolated(
        &mut self,
        elements: &r::InterpolatedStringElements,
        literal: &mut usize,
        parts: &mut Vec<Expr>,
        specced: &mut Vec<bool>,
        template: &mut Vec<FPiece>,
    ) {
        for el in elements.iter() {
            match el {
                r::InterpolatedStringElement::Literal(l) => {
                    *literal += l.value.chars().count();
                    template.push(FPiece::Text(Arc::from(&*l.value)));
                }
                r::InterpolatedStringElement::Interpolation(i) => {
                    let part = parts.len();
                    parts.push(self.expr(&i.expression));
                    specced.push(i.format_spec.is_some());
                    let mut spec = Vec::new();
                    if let Some(f) = &i.format_spec {
                        self.interpolated(&f.elements, literal, parts, specced, &mut spec);
                    }
                    // `{x=}` shows its own text before the value.
                    if let Some(d) = &i.debug_text {
                        template.push(FPiece::Text(Arc::from(d.as_str())));
                    }
                    let conversion = i.conversion.to_char().or_else(|| {
                        (i.debug_text.is_some() && i.format_spec.is_none()).then_some('r')
                    });
                    template.push(FPiece::Value {
                        part,
                        conversion,
                        spec,
                    });
                }
            }
        }
    }

    fn exprs(&mut self, v: &[r::Expr]) -> Vec<Expr> {
        v.iter().map(|e| self.expr(e)).collect()
    }

    fn boxed(&mut self, e: &r::Expr) -> Box<Expr> {
        Box::new(self.expr(e))
    }

    fn comps(&mut self, gens: &[r::Comprehension]) -> Vec<Comprehension> {
        gens.iter()
            .map(|g| Comprehension {
                target: self.expr(&g.target),
                iter: self.expr(&g.iter),
                ifs: self.exprs(&g.ifs),
            })
            .collect()
    }

    pub fn expr(&mut self, e: &r::Expr) -> Expr {
        let span = self.span(e.range());
        if self.depth > MAX_DEPTH {
            self.truncated.push(span);
            return Expr {
                span,
                kind: ExprKind::Opaque,
            };
        }
        self.depth += 1;
        let kind = self.expr_kind(e);
        self.depth -= 1;
        Expr { span, kind }
    }

    fn expr_kind(&mut self, e: &r::Expr) -> ExprKind {
        match e {
            r::Expr::BoolOp(x) => ExprKind::BoolOp {
                op: match x.op {
                    r::BoolOp::And => BoolOp::And,
                    r::BoolOp::Or => BoolOp::Or,
                },
                values: self.exprs(&x.values),
            },
            r::Expr::Named(x) => ExprKind::Named {
                target: self.boxed(&x.target),
                value: self.boxed(&x.value),
            },
            r::Expr::BinOp(x) => ExprKind::BinOp {
                left: self.boxed(&x.left),
                op: binop(x.op),
                right: self.boxed(&x.right),
            },
            r::Expr::UnaryOp(x) => ExprKind::UnaryOp {
                op: match x.op {
                    r::UnaryOp::Invert => UnaryOp::Invert,
                    r::UnaryOp::Not => UnaryOp::Not,
                    r::UnaryOp::UAdd => UnaryOp::Plus,
                    r::UnaryOp::USub => UnaryOp::Minus,
                },
                operand: self.boxed(&x.operand),
            },
            r::Expr::Lambda(x) => ExprKind::Lambda {
                params: x
                    .parameters
                    .as_ref()
                    .map(|p| self.params(p))
                    .unwrap_or_default(),
                body: self.boxed(&x.body),
            },
            r::Expr::If(x) => ExprKind::IfExp {
                test: self.boxed(&x.test),
                body: self.boxed(&x.body),
                orelse: self.boxed(&x.orelse),
            },
            r::Expr::Dict(x) => ExprKind::Dict(
                x.items
                    .iter()
                    .map(|i| (i.key.as_ref().map(|k| self.expr(k)), self.expr(&i.value)))
                    .collect(),
            ),
            r::Expr::Set(x) => ExprKind::Set(self.exprs(&x.elts)),
            r::Expr::ListComp(x) => ExprKind::Comp {
                kind: CompKind::List,
                elt: self.boxed(&x.elt),
                key: None,
                generators: self.comps(&x.generators),
            },
            r::Expr::SetComp(x) => ExprKind::Comp {
                kind: CompKind::Set,
                elt: self.boxed(&x.elt),
                key: None,
                generators: self.comps(&x.generators),
            },
            r::Expr::DictComp(x) => ExprKind::Comp {
                kind: CompKind::Dict,
                elt: self.boxed(&x.value),
                key: x.key.as_ref().map(|k| self.boxed(k)),
                generators: self.comps(&x.generators),
            },
            r::Expr::Generator(x) => ExprKind::Comp {
                kind: CompKind::Generator,
                elt: self.boxed(&x.elt),
                key: None,
                generators: self.comps(&x.generators),
            },
            r::Expr::Await(x) => ExprKind::Await(self.boxed(&x.value)),
            r::Expr::Yield(x) => ExprKind::Yield(x.value.as_ref().map(|v| self.boxed(v))),
            r::Expr::YieldFrom(x) => ExprKind::YieldFrom(self.boxed(&x.value)),
            r::Expr::Compare(x) => ExprKind::Compare {
                left: self.boxed(&x.left),
                ops: x.ops.iter().map(|o| cmpop(*o)).collect(),
                comparators: self.exprs(&x.comparators),
            },
            r::Expr::Call(x) => ExprKind::Call {
                func: self.boxed(&x.func),
                args: self.exprs(&x.arguments.args),
                keywords: x
                    .arguments
                    .keywords
                    .iter()
                    .map(|k| Keyword {
                        name: k.arg.as_ref().map(|a| a.id.to_string()),
                        value: self.expr(&k.value),
                    })
                    .collect(),
            },
            r::Expr::FString(x) => {
                let mut literal = 0;
                let mut parts = Vec::new();
                let mut specced = Vec::new();
                let mut template = Vec::new();
                for part in x.value.iter() {
                    match part {
                        r::FStringPart::Literal(l) => {
                            literal += l.value.chars().count();
                            template.push(FPiece::Text(Arc::from(&*l.value)));
                        }
                        r::FStringPart::FString(f) => self.interpolated(
                            &f.elements,
                            &mut literal,
                            &mut parts,
                            &mut specced,
                            &mut template,
                        ),
                    }
                }
                ExprKind::FString {
                    literal,
                    parts,
                    specced,
                    template,
                }
            }
            r::Expr::TString(x) => {
                let mut literal = 0;
                let mut parts = Vec::new();
                let mut specced = Vec::new();
                let mut template = Vec::new();
                for t in x.value.iter() {
                    self.interpolated(
                        &t.elements,
                        &mut literal,
                        &mut parts,
                        &mut specced,
                        &mut template,
                    );
                }
                ExprKind::FString {
                    literal,
                    parts,
                    specced,
                    template,
                }
            }
            r::Expr::StringLiteral(x) => ExprKind::Str(Arc::from(x.value.to_str())),
            r::Expr::BytesLiteral(x) => ExprKind::Bytes(x.value.bytes().count()),
            r::Expr::NumberLiteral(x) => match &x.value {
                r::Number::Int(i) => ExprKind::Int(i.as_i64()),
                r::Number::Float(f) => ExprKind::Float(*f),
                r::Number::Complex { imag, .. } => ExprKind::Complex(*imag),
            },
            r::Expr::BooleanLiteral(x) => ExprKind::Bool(x.value),
            r::Expr::NoneLiteral(_) => ExprKind::NoneLit,
            r::Expr::EllipsisLiteral(_) => ExprKind::Ellipsis,
            r::Expr::Attribute(x) => ExprKind::Attribute {
                value: self.boxed(&x.value),
                attr: x.attr.id.to_string(),
            },
            r::Expr::Subscript(x) => ExprKind::Subscript {
                value: self.boxed(&x.value),
                index: self.boxed(&x.slice),
            },
            r::Expr::Starred(x) => ExprKind::Starred(self.boxed(&x.value)),
            r::Expr::Name(x) => ExprKind::Name(x.id.to_string()),
            r::Expr::List(x) => ExprKind::List(self.exprs(&x.elts)),
            r::Expr::Tuple(x) => ExprKind::Tuple(self.exprs(&x.elts)),
            r::Expr::Slice(x) => ExprKind::Slice {
                lower: x.lower.as_ref().map(|e| self.boxed(e)),
                upper: x.upper.as_ref().map(|e| self.boxed(e)),
                step: x.step.as_ref().map(|e| self.boxed(e)),
            },
            r::Expr::IpyEscapeCommand(_) => ExprKind::Opaque,
        }
    }
}

fn alias(a: &r::Alias) -> Alias {
    Alias {
        name: a.name.id.to_string(),
        asname: a.asname.as_ref().map(|n| n.id.to_string()),
    }
}

fn binop(op: r::Operator) -> BinOp {
    match op {
        r::Operator::Add => BinOp::Add,
        r::Operator::Sub => BinOp::Sub,
        r::Operator::Mult => BinOp::Mul,
        r::Operator::MatMult => BinOp::MatMul,
        r::Operator::Div => BinOp::Div,
        r::Operator::Mod => BinOp::Mod,
        r::Operator::Pow => BinOp::Pow,
        r::Operator::LShift => BinOp::LShift,
        r::Operator::RShift => BinOp::RShift,
        r::Operator::BitOr => BinOp::BitOr,
        r::Operator::BitXor => BinOp::BitXor,
        r::Operator::BitAnd => BinOp::BitAnd,
        r::Operator::FloorDiv => BinOp::FloorDiv,
    }
}

fn cmpop(op: r::CmpOp) -> CmpOp {
    match op {
        r::CmpOp::Eq => CmpOp::Eq,
        r::CmpOp::NotEq => CmpOp::NotEq,
        r::CmpOp::Lt => CmpOp::Lt,
        r::CmpOp::LtE => CmpOp::LtE,
        r::CmpOp::Gt => CmpOp::Gt,
        r::CmpOp::GtE => CmpOp::GtE,
        r::CmpOp::Is => CmpOp::Is,
        r::CmpOp::IsNot => CmpOp::IsNot,
        r::CmpOp::In => CmpOp::In,
        r::CmpOp::NotIn => CmpOp::NotIn,
    }
}
