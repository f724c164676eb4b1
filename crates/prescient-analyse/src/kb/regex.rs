//! Regular expressions: the `re` module's functions, compiled patterns and
//! match objects.
//!
//! CPython's regex engine is C code that runs per character, so a call costs a
//! fixed part (argument parsing, the match object) and a part per character of
//! the subject it scans. Measured on this node kind with Python 3.11: a
//! `match` of a 39-character line with five groups takes about 410 ns, a
//! `search` that fails scans at about 10 ns per character, and `findall` and
//! `sub` build their results at about 20 ns per character. Those are expressed
//! here in the interpreter model's `other` operations (about 28 ns each), so
//! the per-node calibration scales them like the rest of the interpreter.
//!
//! The pattern's text, when it is a literal, gives the number of groups, so
//! `day, level, path = m.groups()` unpacks into strings.

use super::{e, CallArgs, Entry, Rule};
use crate::host::Host;
use crate::value::*;
use prescient_model::{Category as C, Sym};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use Rule::Custom;

pub const ENTRIES: &[Entry] = &[e(
    &[
        "re.compile",
        "re.match",
        "re.search",
        "re.fullmatch",
        "re.findall",
        "re.finditer",
        "re.sub",
        "re.subn",
        "re.split",
        "re.escape",
        "re.Pattern.match",
        "re.Pattern.search",
        "re.Pattern.fullmatch",
        "re.Pattern.findall",
        "re.Pattern.finditer",
        "re.Pattern.sub",
        "re.Pattern.subn",
        "re.Pattern.split",
        "re.Match.group",
        "re.Match.groups",
        "re.Match.groupdict",
        "re.Match.start",
        "re.Match.end",
        "re.Match.span",
    ],
    C::Python,
    Custom(regex),
)];

/// Fixed cost of a regex call, in `other` operations.
const CALL_OPS: f64 = 7.0;

/// `other` operations per subject character: anchored match, scanning search,
/// and the calls that build a result from every match.
fn per_char(op: &str) -> f64 {
    match op {
        "match" | "fullmatch" => 0.2,
        "search" => 0.35,
        _ => 0.7,
    }
}

/// Capturing groups in a pattern's text: `(` not escaped and not `(?:`, `(?=`...
/// (named groups `(?P<name>` do capture).
pub fn count_groups(pattern: &str) -> usize {
    let b = pattern.as_bytes();
    let mut n = 0;
    let mut i = 0;
    let mut in_class = false;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'(' if !in_class => {
                let named = b.get(i + 1) == Some(&b'?') && b.get(i + 2) == Some(&b'P');
                if b.get(i + 1) != Some(&b'?') || named && b.get(i + 3) == Some(&b'<') {
                    n += 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    n
}

fn obj(class: &str, attrs: Vec<(&str, Value)>) -> Value {
    Value::Obj {
        class: class.into(),
        attrs: Rc::new(RefCell::new(
            attrs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect::<BTreeMap<_, _>>(),
        )),
    }
}

fn attr(v: &Value, name: &str) -> Option<Value> {
    match v {
        Value::Obj { attrs, .. } => attrs.borrow().get(name).cloned(),
        _ => None,
    }
}

/// Groups of a compiled pattern or of a pattern given as text.
fn groups_of(pattern: Option<&Value>) -> Option<usize> {
    let p = pattern?;
    if let Some(t) = p.as_text() {
        return Some(count_groups(t));
    }
    attr(p, "__groups__")?
        .as_sym()?
        .as_int()
        .map(|g| g as usize)
}

fn regex(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let op = ca.short();
    if let Some(m) = ca
        .recv
        .as_ref()
        .filter(|_| ca.name.starts_with("re.Match."))
    {
        return Some(match_method(it, m, op, ca));
    }
    if op == "compile" || op == "escape" {
        it.ops(|o, mult| o.other += CALL_OPS * mult);
        if op == "escape" {
            return Some(ca.pos.first().cloned().unwrap_or(Value::Unknown));
        }
        let groups = groups_of(ca.pos.first()).map(|g| Value::int(g as i64));
        return Some(obj(
            "re.Pattern",
            groups
                .into_iter()
                .map(|g| ("__groups__", g))
                .collect::<Vec<_>>(),
        ));
    }
    // The pattern is the receiver, or the first argument of the module function;
    // `sub` takes the replacement before the subject.
    let (pattern, rest) = match &ca.recv {
        Some(p) => (Some(p), &ca.pos[..]),
        None => (ca.pos.first(), ca.pos.get(1..).unwrap_or(&[])),
    };
    let subject_at = usize::from(matches!(op, "sub" | "subn"));
    let subject = rest
        .get(subject_at)
        .or_else(|| ca.kwarg("string"))
        .cloned()
        .unwrap_or(Value::Unknown);
    let chars = subject.len().unwrap_or_else(|| Sym::num(80.0));
    let per = per_char(op);
    let c = it.num(&chars);
    it.ops(|o, mult| o.other += (CALL_OPS + per * c) * mult);
    let groups = groups_of(pattern).unwrap_or(0);
    // A piece of the subject: matches and fields are assumed to be short.
    let piece = |parts: usize| Value::Str {
        len: chars.div(&Sym::num((parts + 1) as f64)),
        text: None,
        shared: false,
    };
    Some(match op {
        "match" | "search" | "fullmatch" => obj(
            "re.Match",
            vec![
                ("__groups__", Value::int(groups as i64)),
                ("__chars__", Value::Int(chars.clone())),
            ],
        ),
        "findall" | "finditer" | "split" => {
            let n = chars.div(&Sym::num(8.0));
            let elem = if groups > 1 && op == "findall" {
                Value::tuple((0..groups).map(|_| piece(groups)).collect())
            } else if op == "finditer" {
                obj(
                    "re.Match",
                    vec![
                        ("__groups__", Value::int(groups as i64)),
                        ("__chars__", Value::int(8)),
                    ],
                )
            } else {
                Value::Str {
                    len: Sym::num(8.0),
                    text: None,
                    shared: false,
                }
            };
            Value::homog(SeqKind::List, elem, n)
        }
        "sub" => Value::Str {
            len: chars,
            text: None,
            shared: false,
        },
        "subn" => Value::tuple(vec![
            Value::Str {
                len: chars,
                text: None,
                shared: false,
            },
            Value::Int(Sym::var("count")),
        ]),
        _ => Value::Unknown,
    })
}

fn match_method(it: &mut dyn Host, m: &Value, op: &str, ca: &CallArgs) -> Value {
    let groups = attr(m, "__groups__")
        .and_then(|g| g.as_sym())
        .and_then(|g| g.as_int())
        .unwrap_or(1) as usize;
    let chars = attr(m, "__chars__")
        .and_then(|c| c.as_sym())
        .unwrap_or_else(|| Sym::num(16.0));
    let field = Value::Str {
        len: chars.div(&Sym::num((groups + 1) as f64)),
        text: None,
        shared: false,
    };
    match op {
        "groups" | "groupdict" => {
            // A tuple of new strings: about a third of a `match`.
            it.ops(|o, mult| o.other += (2.0 + groups as f64) * mult);
            let items = (0..groups).map(|_| field.clone()).collect();
            if op == "groups" {
                Value::tuple(items)
            } else {
                Value::homog(SeqKind::Dict, field, Sym::from(groups))
            }
        }
        "group" => {
            it.ops(|o, mult| o.other += mult);
            if ca.pos.len() > 1 {
                Value::tuple(ca.pos.iter().map(|_| field.clone()).collect())
            } else {
                field
            }
        }
        "span" => Value::tuple(vec![
            Value::Int(Sym::var("pos")),
            Value::Int(Sym::var("pos")),
        ]),
        _ => Value::Int(Sym::var("pos")),
    }
}

#[cfg(test)]
mod tests {
    use super::count_groups;

    #[test]
    fn groups_are_counted_from_the_pattern_text() {
        assert_eq!(count_groups(r"(\S+) (\w+) (\d+)"), 3);
        assert_eq!(count_groups(r"(?:ab)+(c)"), 1);
        assert_eq!(count_groups(r"(?P<day>\d+)-(?P<mon>\d+)"), 2);
        assert_eq!(count_groups(r"\(literal\) [(]x[)]"), 0);
        assert_eq!(count_groups(r"(?=look)(?!no)(x)"), 1);
    }
}
