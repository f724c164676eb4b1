//! Regular expressions: the `re` module's functions, compiled patterns and
//! match objects.
//!
//! CPython's regex engine is C code that runs per character, so a call costs
//! a fixed part (argument parsing, the match object), a part per character
//! of the subject it scans, and a part per match it finds. Measured on the
//! reference node (Python 3.11, AMD EPYC), in ns:
//!
//! - the scan per character depends on how the pattern begins: a literal
//!   (`\*\*(.+?)\*\*`) is searched for like a substring, 0.7 per character;
//!   a class (`\d+`) is tried at each position, 11; a greedy class with more
//!   pattern after it (`(\w+)@(\w+)`) backtracks at each position, 30;
//! - a `match` is anchored: 110 fixed and 3 per character it reads;
//! - each match found: 50 for `findall`, 70 for `split`, 150 for `finditer`
//!   (a match object), 100 for `sub`;
//! - a replacement template with group references (`r"<b>\1</b>"`) runs
//!   Python code in 3.11: 600 per call and 480 more per match;
//! - a module function given the pattern as text looks it up in `re`'s
//!   cache first: 250.
//!
//! The matches per character are the ones a run of the program counted on
//! that line (`Host::measured_text`), else a match every 8 characters for
//! the calls that return every match and every 32 for `sub`. The costs are
//! expressed in the interpreter model's `other` operations (`OTHER_NS` each
//! on the reference node), so the per-node calibration scales them like the
//! rest of the interpreter.
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

/// What one `other` operation of the shipped interpreter fit costs on the
/// reference node, in ns: the unit the measured costs above convert to.
const OTHER_NS: f64 = 14.3;

/// Fixed cost of a regex call, in `other` operations.
const CALL_OPS: f64 = 7.0;

/// Scan cost per subject character, in ns, by how the pattern begins.
fn scan_ns(pattern: Option<&str>) -> f64 {
    let Some(p) = pattern else {
        return 11.0;
    };
    let b = p.as_bytes();
    if p.starts_with('^') || p.starts_with("\\A") {
        // Tried at the start only (a search without MULTILINE).
        return 0.0;
    }
    // The first atom and what follows it.
    let (atom_len, literal) = match b.first() {
        None => return 0.0,
        Some(b'\\') => match b.get(1) {
            Some(c) if c.is_ascii_alphanumeric() => (2, false),
            Some(_) => (2, true),
            None => return 11.0,
        },
        Some(b'[') => match p.find(']') {
            Some(end) => (end + 1, false),
            None => return 11.0,
        },
        Some(b'(') => {
            // A group: its own head decides, unless it is optional.
            let inner = p
                .strip_prefix("(?:")
                .or_else(|| {
                    p.strip_prefix("(?P<")
                        .and_then(|r| r.split_once('>').map(|x| x.1))
                })
                .or_else(|| p.strip_prefix('('))
                .unwrap_or(p);
            return if inner.starts_with('(') {
                11.0
            } else {
                scan_ns(Some(inner))
            };
        }
        Some(b'.') => (1, false),
        Some(_) => (1, true),
    };
    let quant = b.get(atom_len).copied();
    match (literal, quant) {
        (true, Some(b'?' | b'*' | b'{')) => 11.0,
        (true, _) => 0.7,
        // A greedy run of a broad class with more pattern after it gives
        // back one character at a time at each position it fails from.
        (false, Some(b'+' | b'*'))
            if b.len() > atom_len + 2 && b.get(atom_len + 1) != Some(&b'?') =>
        {
            30.0
        }
        _ => 11.0,
    }
}

/// What one call costs in ns on the reference node (see the module's
/// docs): `op` over `chars` characters of subject, with `per_char` matches
/// per character when a run measured them, and the replacement `repl` of
/// a `sub`.
fn call_ns(
    op: &str,
    pattern: Option<&str>,
    chars: f64,
    per_char: Option<f64>,
    repl: Option<&Value>,
) -> f64 {
    if matches!(op, "match" | "fullmatch") {
        return 110.0 + 3.0 * chars;
    }
    let mut scan = scan_ns(pattern) * chars;
    if op == "search" {
        // A search that finds its match stops there: half way, on average.
        let found = (per_char.unwrap_or(0.0) * chars).min(1.0);
        scan *= 1.0 - found / 2.0;
    }
    let (fixed, per_match, default_every) = match op {
        "search" => (100.0, 0.0, f64::INFINITY),
        "findall" => (60.0, 50.0, 8.0),
        "finditer" => (60.0, 150.0, 8.0),
        "split" => (60.0, 70.0, 8.0),
        _ => (90.0, 100.0, 32.0),
    };
    let matches = chars * per_char.unwrap_or(1.0 / default_every);
    let template = repl
        .and_then(Value::as_text)
        .is_some_and(|r| r.contains('\\'));
    let (t_fixed, t_match) = if template { (600.0, 480.0) } else { (0.0, 0.0) };
    fixed + t_fixed + scan + (per_match + t_match) * matches
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
        let groups = groups_of(ca.pos.first()).map(|g| ("__groups__", Value::int(g as i64)));
        let text = ca
            .pos
            .first()
            .and_then(Value::as_text)
            .map(|t| ("__pattern__", Value::str_known(t)));
        return Some(obj("re.Pattern", groups.into_iter().chain(text).collect()));
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
    let measured = it.measured_text(ca.line);
    let chars = subject
        .len()
        .or_else(|| measured.map(|(per_call, _)| Sym::num(per_call)))
        .unwrap_or_else(|| Sym::num(80.0));
    let c = it.num(&chars);
    let text = pattern.and_then(|p| match p {
        Value::Obj { .. } => attr(p, "__pattern__"),
        v => Some(v.clone()),
    });
    let repl = (matches!(op, "sub" | "subn"))
        .then(|| rest.first())
        .flatten();
    let ns = call_ns(
        op,
        text.as_ref().and_then(Value::as_text),
        c,
        measured.map(|m| m.1),
        repl,
    ) + if ca.recv.is_none() { 250.0 } else { 0.0 };
    it.ops(|o, mult| o.other += ns / OTHER_NS * mult);
    if let Some(Value::Func(_) | Value::Method { .. }) = repl {
        // A callable replacement: one Python call per match.
        let per_char = measured.map_or(1.0 / 32.0, |m| m.1);
        it.ops(|o, mult| o.py_calls += c * per_char * mult);
    }
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
            // A method call and a new string: 44 ns measured.
            it.ops(|o, mult| o.other += 3.0 * mult);
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
    use super::{call_ns, count_groups, scan_ns};
    use crate::value::Value;

    #[test]
    fn the_scan_follows_how_the_pattern_begins() {
        // Measured per character on the reference node: a literal head is
        // found like a substring, a class is tried at every position, a
        // greedy class with more after it backtracks.
        assert_eq!(scan_ns(Some(r"\*\*(.+?)\*\*")), 0.7);
        assert_eq!(scan_ns(Some("abc")), 0.7);
        assert_eq!(scan_ns(Some(r"\d+")), 11.0);
        assert_eq!(scan_ns(Some(r"[,;]\s*")), 11.0);
        assert_eq!(scan_ns(Some(r"(\w+)@(\w+)")), 30.0);
        assert_eq!(scan_ns(Some(r"(?P<ip>\d+\.\d+)")), 30.0);
        assert_eq!(scan_ns(Some(r"a?b")), 11.0);
        assert_eq!(scan_ns(Some(r"^(#{1,6})\s+(.*)$")), 0.0);
        assert_eq!(scan_ns(None), 11.0);
    }

    #[test]
    fn a_template_replacement_costs_python_code_per_call_and_match() {
        let plain = Value::str_known("<b></b>");
        let template = Value::str_known(r"<b>\1</b>");
        let p = Some(r"\*\*(.+?)\*\*");
        let none = call_ns("sub", p, 80.0, Some(0.0), Some(&plain));
        let one = call_ns("sub", p, 80.0, Some(1.0 / 80.0), Some(&template));
        let three = call_ns("sub", p, 80.0, Some(3.0 / 80.0), Some(&template));
        // Measured: 95-230, 1780 and 2725 ns (two runs, the loop included).
        assert!((90.0..250.0).contains(&none), "{none}");
        assert!((1100.0..1900.0).contains(&one), "{one}");
        assert!((2000.0..3000.0).contains(&three), "{three}");
    }

    #[test]
    fn groups_are_counted_from_the_pattern_text() {
        assert_eq!(count_groups(r"(\S+) (\w+) (\d+)"), 3);
        assert_eq!(count_groups(r"(?:ab)+(c)"), 1);
        assert_eq!(count_groups(r"(?P<day>\d+)-(?P<mon>\d+)"), 2);
        assert_eq!(count_groups(r"\(literal\) [(]x[)]"), 0);
        assert_eq!(count_groups(r"(?=look)(?!no)(x)"), 1);
    }
}
