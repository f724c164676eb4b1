//! The `datetime` module: dates, times and durations as objects whose
//! calls are C code of very different weight. Parsing with `strptime` runs
//! Python code in `_strptime.py` (about 3.7 us a call here), formatting
//! with `strftime` about 1.0 us, while building a `datetime` or adding a
//! `timedelta` to one takes 25-100 ns. Log and event processing often
//! parses a timestamp per line, so a flat call weight misses most of it.
//!
//! Weights are in units of a plain built-in call (`len(x)`, 7 ns here; see
//! [`super::pystd::builtin_call_weight`]), measured on the reference node
//! with Python 3.11 by `timeit` over the call, the loop's own time taken
//! away.

use super::{e, CallArgs, Entry, Rule};
use crate::host::Host;
use crate::value::*;
use prescient_model::{Category as C, Sym};
use prescient_syntax::ast::BinOp;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use Rule::Custom;

pub const ENTRIES: &[Entry] = &[e(
    &[
        "datetime.datetime",
        "datetime.date",
        "datetime.timedelta",
        "datetime.datetime.strptime",
        "datetime.datetime.now",
        "datetime.datetime.utcnow",
        "datetime.datetime.today",
        "datetime.datetime.fromisoformat",
        "datetime.datetime.fromtimestamp",
        "datetime.datetime.combine",
        "datetime.date.today",
        "datetime.date.fromisoformat",
        "datetime.datetime.strftime",
        "datetime.date.strftime",
        "datetime.datetime.isoformat",
        "datetime.date.isoformat",
        "datetime.datetime.replace",
        "datetime.date.replace",
        "datetime.datetime.timestamp",
        "datetime.datetime.date",
        "datetime.datetime.time",
        "datetime.datetime.weekday",
        "datetime.date.weekday",
        "datetime.datetime.isoweekday",
        "datetime.date.isoweekday",
        "datetime.datetime.isocalendar",
        "datetime.date.isocalendar",
        "datetime.timedelta.total_seconds",
    ],
    C::Python,
    Custom(datetime_call),
)];

const DATETIME: &str = "datetime.datetime";
const DATE: &str = "datetime.date";
const TIMEDELTA: &str = "datetime.timedelta";

/// One call's cost in plain-call units, the plain call the caller already
/// counted included.
fn weight(short: &str, qual: &str) -> f64 {
    match short {
        "strptime" => 526.0,
        "strftime" => 142.0,
        "replace" => 54.0,
        "isoformat" => 48.0,
        "timedelta" => 32.0,
        "now" | "utcnow" | "today" => 22.0,
        "timestamp" | "fromtimestamp" => 17.0,
        "datetime" | "combine" => 13.5,
        "fromisoformat" => 11.0,
        "date" if qual == DATE => 8.6,
        "isocalendar" => 7.2,
        "total_seconds" => 6.9,
        "weekday" | "isoweekday" => 3.4,
        _ => 2.1,
    }
}

/// A `datetime`, `date` or `timedelta` object, with the fields programs
/// read as attributes.
fn obj(class: &str) -> Value {
    let fields: &[&str] = match class {
        TIMEDELTA => &["days", "seconds", "microseconds"],
        DATE => &["year", "month", "day"],
        _ => &[
            "year",
            "month",
            "day",
            "hour",
            "minute",
            "second",
            "microsecond",
        ],
    };
    let attrs: BTreeMap<String, Value> = fields
        .iter()
        .map(|f| (f.to_string(), Value::Int(Sym::var(f))))
        .collect();
    Value::Obj {
        class: class.into(),
        attrs: Rc::new(RefCell::new(attrs)),
    }
}

/// Text as long as a timestamp: the format's own length where it is
/// written out, else that of an ISO date and time.
fn text(format: Option<&Value>) -> Value {
    let len = format
        .and_then(Value::as_text)
        .map(|f| f.replace("%Y", "2026").len() as f64)
        .unwrap_or(19.0);
    Value::Str {
        len: Sym::num(len),
        text: None,
        shared: false,
    }
}

fn datetime_call(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let short = ca.short();
    let qual = ca.name.as_str();
    let w = weight(short, qual) - 1.0;
    it.ops(|o, m| o.calls += w * m);
    Some(match short {
        "datetime" | "strptime" | "now" | "utcnow" | "fromisoformat" | "fromtimestamp"
        | "combine" => obj(DATETIME),
        "today" if qual.starts_with(DATETIME) => obj(DATETIME),
        "date" if qual == DATE => obj(DATE),
        "today" | "date" => obj(DATE),
        "timedelta" => obj(TIMEDELTA),
        "replace" => match &ca.recv {
            Some(Value::Obj { class, .. }) => obj(class),
            _ => obj(DATETIME),
        },
        "strftime" => text(ca.pos.first()),
        "isoformat" => text(None),
        "timestamp" | "total_seconds" => Value::Float(None),
        "weekday" | "isoweekday" => Value::Int(Sym::var("weekday")),
        "isocalendar" => Value::tuple(vec![
            Value::Int(Sym::var("year")),
            Value::Int(Sym::var("week")),
            Value::Int(Sym::var("weekday")),
        ]),
        _ => Value::Unknown,
    })
}

/// What an operator between dates, times and durations gives
/// (`t0 + timedelta(seconds=s)`, `end - start`), with its cost counted;
/// `None` where neither operand is one of them.
pub fn arith(it: &mut dyn Host, op: BinOp, l: &Value, r: &Value) -> Option<Value> {
    let class = |v: &Value| match v {
        Value::Obj { class, .. } if class.starts_with("datetime.") => Some(class.to_string()),
        _ => None,
    };
    let (a, b) = (class(l), class(r));
    if a.is_none() && b.is_none() {
        return None;
    }
    it.ops(|o, m| o.calls += 3.5 * m);
    Some(match (a.as_deref(), b.as_deref(), op) {
        // A difference of two points in time is a duration.
        (Some(DATETIME | DATE), Some(DATETIME | DATE), BinOp::Sub) => obj(TIMEDELTA),
        // A point moved by a duration stays a point.
        (Some(c @ (DATETIME | DATE)), _, _) | (_, Some(c @ (DATETIME | DATE)), _) => obj(c),
        // Durations added, scaled or divided: a duration, or a ratio of two.
        (Some(TIMEDELTA), Some(TIMEDELTA), BinOp::Div | BinOp::FloorDiv) => Value::Float(None),
        _ => obj(TIMEDELTA),
    })
}
