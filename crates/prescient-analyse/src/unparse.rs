//! Renders expressions back to short Python text for evidence strings.

use prescient_syntax::ast::*;

const MAX: usize = 80;

pub fn unparse(e: &Expr) -> String {
    let mut s = String::new();
    write(e, &mut s, 0);
    if s.chars().count() > MAX {
        let t: String = s.chars().take(MAX - 1).collect();
        format!("{t}…")
    } else {
        s
    }
}

/// Like [`unparse`], parenthesised when it is itself an operator expression.
pub fn unparse_operand(e: &Expr) -> String {
    let s = unparse(e);
    if matches!(
        e.kind,
        ExprKind::BinOp { .. }
            | ExprKind::BoolOp { .. }
            | ExprKind::Compare { .. }
            | ExprKind::IfExp { .. }
    ) {
        format!("({s})")
    } else {
        s
    }
}

fn list(items: &[Expr], out: &mut String, depth: u32) {
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(x, out, depth + 1);
    }
}

fn write(e: &Expr, out: &mut String, depth: u32) {
    if depth > 12 || out.len() > MAX * 2 {
        out.push('…');
        return;
    }
    match &e.kind {
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::Int(Some(v)) => out.push_str(&v.to_string()),
        ExprKind::Int(None) => out.push_str("<big int>"),
        ExprKind::Float(f) => out.push_str(&format!("{f:?}")),
        ExprKind::Complex(f) => out.push_str(&format!("{f}j")),
        ExprKind::Str(s) => {
            let t: String = s.chars().take(20).collect();
            out.push_str(&format!("{t:?}"))
        }
        ExprKind::Bytes(_) => out.push_str("b'…'"),
        ExprKind::FString { .. } => out.push_str("f'…'"),
        ExprKind::Bool(b) => out.push_str(if *b { "True" } else { "False" }),
        ExprKind::NoneLit => out.push_str("None"),
        ExprKind::Ellipsis => out.push_str("..."),
        ExprKind::Attribute { value, attr } => {
            paren(value, out, depth);
            out.push('.');
            out.push_str(attr);
        }
        ExprKind::Subscript { value, index } => {
            paren(value, out, depth);
            out.push('[');
            match &index.kind {
                ExprKind::Tuple(items) => list(items, out, depth),
                _ => write(index, out, depth + 1),
            }
            out.push(']');
        }
        ExprKind::Slice { lower, upper, step } => {
            if let Some(l) = lower {
                write(l, out, depth + 1)
            }
            out.push(':');
            if let Some(u) = upper {
                write(u, out, depth + 1)
            }
            if let Some(s) = step {
                out.push(':');
                write(s, out, depth + 1)
            }
        }
        ExprKind::Call {
            func,
            args,
            keywords,
        } => {
            paren(func, out, depth);
            out.push('(');
            list(args, out, depth);
            for (i, k) in keywords.iter().enumerate() {
                if i > 0 || !args.is_empty() {
                    out.push_str(", ");
                }
                match &k.name {
                    Some(n) => {
                        out.push_str(n);
                        out.push('=');
                    }
                    None => out.push_str("**"),
                }
                write(&k.value, out, depth + 1);
            }
            out.push(')');
        }
        ExprKind::BinOp { left, op, right } => {
            paren(left, out, depth);
            out.push(' ');
            out.push_str(op.symbol());
            out.push(' ');
            paren(right, out, depth);
        }
        ExprKind::UnaryOp { op, operand } => {
            out.push_str(match op {
                UnaryOp::Invert => "~",
                UnaryOp::Not => "not ",
                UnaryOp::Plus => "+",
                UnaryOp::Minus => "-",
            });
            paren(operand, out, depth);
        }
        ExprKind::BoolOp { op, values } => {
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push_str(if *op == BoolOp::And { " and " } else { " or " });
                }
                paren(v, out, depth);
            }
        }
        ExprKind::Compare {
            left,
            ops,
            comparators,
        } => {
            paren(left, out, depth);
            for (o, c) in ops.iter().zip(comparators) {
                out.push_str(match o {
                    CmpOp::Eq => " == ",
                    CmpOp::NotEq => " != ",
                    CmpOp::Lt => " < ",
                    CmpOp::LtE => " <= ",
                    CmpOp::Gt => " > ",
                    CmpOp::GtE => " >= ",
                    CmpOp::Is => " is ",
                    CmpOp::IsNot => " is not ",
                    CmpOp::In => " in ",
                    CmpOp::NotIn => " not in ",
                });
                paren(c, out, depth);
            }
        }
        ExprKind::IfExp { test, body, orelse } => {
            write(body, out, depth + 1);
            out.push_str(" if ");
            write(test, out, depth + 1);
            out.push_str(" else ");
            write(orelse, out, depth + 1);
        }
        ExprKind::List(v) => {
            out.push('[');
            list(v, out, depth);
            out.push(']');
        }
        ExprKind::Tuple(v) => {
            out.push('(');
            list(v, out, depth);
            if v.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        ExprKind::Set(v) => {
            out.push('{');
            list(v, out, depth);
            out.push('}');
        }
        ExprKind::Dict(_) => out.push_str("{…}"),
        ExprKind::Comp { kind, elt, .. } => {
            let (a, b) = match kind {
                CompKind::List => ('[', ']'),
                CompKind::Set | CompKind::Dict => ('{', '}'),
                CompKind::Generator => ('(', ')'),
            };
            out.push(a);
            write(elt, out, depth + 1);
            out.push_str(" for …");
            out.push(b);
        }
        ExprKind::Lambda { .. } => out.push_str("lambda …"),
        ExprKind::Starred(x) => {
            out.push('*');
            write(x, out, depth + 1);
        }
        ExprKind::Named { target, value } => {
            write(target, out, depth + 1);
            out.push_str(" := ");
            write(value, out, depth + 1);
        }
        ExprKind::Await(x) => {
            out.push_str("await ");
            write(x, out, depth + 1);
        }
        ExprKind::Yield(_) | ExprKind::YieldFrom(_) => out.push_str("yield …"),
        ExprKind::Opaque => out.push('…'),
    }
}

fn paren(e: &Expr, out: &mut String, depth: u32) {
    let needs = matches!(
        e.kind,
        ExprKind::BinOp { .. }
            | ExprKind::BoolOp { .. }
            | ExprKind::Compare { .. }
            | ExprKind::IfExp { .. }
    );
    if needs {
        out.push('(');
    }
    write(e, out, depth + 1);
    if needs {
        out.push(')');
    }
}
