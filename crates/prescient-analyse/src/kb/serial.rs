//! `json` and `pickle`: what serialising a value makes (its text or bytes),
//! what the encoder and decoder cost, and what reading it back gives.
//!
//! The size and the work follow the value's structure: a float takes about
//! 20 characters of JSON and 440 ns to write (its shortest repr), a dict
//! its braces and each key and value. Text or a file the program itself
//! serialised earlier (`text = json.dumps(records)` then `json.loads(text)`,
//! `json.dump(d, f)` then `json.load(f)`) is recognised by its size and
//! reads back as a new copy of what was written; other input parses to a
//! value of unknown structure.
//!
//! `json.dumps(v, indent=...)` is encoded by the module's Python code
//! instead of its C encoder, about 3.4 times slower.
//!
//! Costs are in the units of `pystd::builtin_call_weight` (a plain built-in
//! call, about 10 ns), measured on the reference node (Python 3.11, AMD
//! EPYC) over 200,000 values of each kind.

use super::{e, CallArgs, Entry, Rule};
use crate::host::Host;
use crate::value::*;
use prescient_model::{Category as C, Sym};

pub const ENTRIES: &[Entry] = &[e(
    &[
        "json.dumps",
        "json.loads",
        "json.dump",
        "json.load",
        "pickle.dumps",
        "pickle.loads",
        "pickle.dump",
        "pickle.load",
    ],
    C::Io,
    Rule::Custom(serialize),
)];

/// One value serialised: its size (characters of JSON, bytes of a pickle)
/// and the encoder's and decoder's work.
#[derive(Clone, Copy, Default)]
struct Serial {
    size: f64,
    dump: f64,
    load: f64,
}

impl Serial {
    fn of(size: f64, dump: f64, load: f64) -> Serial {
        Serial { size, dump, load }
    }

    fn times(self, n: f64) -> Serial {
        Serial::of(self.size * n, self.dump * n, self.load * n)
    }

    fn plus(self, o: Serial) -> Serial {
        Serial::of(self.size + o.size, self.dump + o.dump, self.load + o.load)
    }
}

/// `v` serialised as JSON (`json`) or a pickle. Measured per value: a
/// float 20 characters, 440 ns to dump (its repr), 215 ns to load; an int
/// 89 / 62 ns; a short string 85 / 60 ns; a dict of four ints 660 / 540 ns;
/// a list of three ints 250 / 590 ns. Pickles are smaller and faster for
/// numbers (a float 9 bytes, 21 / 46 ns) and slower for strings.
fn serial(it: &dyn Host, v: &Value, json: bool, depth: usize) -> Serial {
    if depth > 8 {
        return Serial::of(8.0, 5.0, 5.0);
    }
    let n_of = |s: Option<Sym>| s.map(|l| it.num(&l)).unwrap_or(0.0);
    match v {
        Value::Float(_) if json => Serial::of(20.0, 44.0, 21.0),
        Value::Float(_) => Serial::of(9.0, 2.0, 4.6),
        Value::Int(_) if json => Serial::of(n_of(Some(formatted_len(v))), 9.0, 6.0),
        Value::Int(_) => Serial::of(5.0, 1.0, 3.4),
        Value::Bool(_) | Value::None => Serial::of(5.0, 3.0, 3.0),
        Value::Str { len, .. } => {
            let chars = it.num(len);
            if json {
                Serial::of(chars + 2.0, 8.5, 6.0)
            } else {
                Serial::of(chars + 5.0, 13.0, 7.0)
            }
        }
        Value::Bytes { len } => Serial::of(it.num(len) + 5.0, 5.0, 5.0),
        Value::Array(a) => {
            let bytes = it.num(&a.nbytes());
            Serial::of(bytes + 150.0, 10.0 + bytes * 0.05, 10.0 + bytes * 0.05)
        }
        Value::Seq { kind, items } => {
            let dict = *kind == SeqKind::Dict;
            // A dict's item is a (key, value) pair: the pair itself is not
            // written, its key and value are, with `": "` and `", "`.
            let item = |x: &Value| -> Serial {
                match (dict, x) {
                    (
                        true,
                        Value::Seq {
                            items: SeqItems::Known(pair),
                            ..
                        },
                    ) if pair.len() == 2 => serial(it, &pair[0], json, depth + 1)
                        .plus(serial(it, &pair[1], json, depth + 1))
                        .plus(Serial::of(4.0, 0.0, 0.0)),
                    _ => serial(it, x, json, depth + 1).plus(Serial::of(2.0, 0.0, 0.0)),
                }
            };
            let body = match items {
                SeqItems::Known(xs) => xs
                    .iter()
                    .fold(Serial::default(), |acc, x| acc.plus(item(x))),
                SeqItems::Homog { elem, len, .. } => item(elem).times(it.num(len)),
            };
            let own = match (json, dict) {
                (true, true) => Serial::of(2.0, 10.0, 6.0),
                (true, false) => Serial::of(2.0, 5.0, 40.0),
                (false, true) => Serial::of(5.0, 5.0, 5.0),
                (false, false) => Serial::of(5.0, 3.0, 55.0),
            };
            own.plus(body)
        }
        Value::Instance { attrs, .. } if !json => {
            // A pickled instance is its class reference and its `__dict__`.
            let d = attrs.borrow().values().fold(Serial::default(), |acc, x| {
                acc.plus(serial(it, x, json, depth + 1))
            });
            Serial::of(40.0, 30.0, 60.0).plus(d)
        }
        _ => Serial::of(8.0, 5.0, 5.0),
    }
}

fn serialize(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let json = ca.name.starts_with("json.");
    let how = if json { "json" } else { "pickle" };
    let short = ca.short();
    let text = |size: f64| -> Value {
        if json {
            Value::Str {
                len: Sym::num(size),
                text: None,
                shared: false,
            }
        } else {
            Value::Bytes {
                len: Sym::num(size),
            }
        }
    };
    match short {
        "dumps" | "dump" => {
            let v = ca.pos.first()?.clone();
            let s = serial(it, &v, json, 0);
            // With `indent`, `json` encodes in Python, not in C: 3.4 times
            // the work, measured on a dict of 2,000 dicts of lists.
            let indented = json
                && ca
                    .kwarg("indent")
                    .is_some_and(|v| !matches!(v, Value::None));
            let dump = if indented { s.dump * 3.4 } else { s.dump };
            it.ops(|o, m| o.calls += (1.0 + dump) * m);
            it.note_made(s.size, how, v);
            if short == "dumps" {
                return Some(text(s.size));
            }
            if let Some(Value::File { path: Some(p), .. }) = ca.pos.get(1) {
                let before = it.written(p).map(|w| w.0).unwrap_or(0.0);
                it.wrote(p.to_string(), (before + s.size, None));
            }
            Some(Value::None)
        }
        _ => {
            // `loads(text)` or `load(f)`: what was written, if this program
            // wrote it; its size otherwise.
            let size = match ca.pos.first()? {
                Value::File { size, .. } => it.num(size),
                v => v.len().map(|l| it.num(&l)).unwrap_or(0.0),
            };
            match it.made(size, how) {
                Some(v) => {
                    let s = serial(it, &v, json, 0);
                    it.ops(|o, m| o.calls += (1.0 + s.load) * m);
                    Some(v)
                }
                None => {
                    // About one value per 8 characters, at an int's cost.
                    let per = if json { 6.0 / 8.0 } else { 3.4 / 5.0 };
                    it.ops(|o, m| o.calls += (1.0 + size * per) * m);
                    Some(Value::Unknown)
                }
            }
        }
    }
}
