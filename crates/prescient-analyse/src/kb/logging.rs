//! The `logging` module: loggers, their levels, and what a log call costs.
//!
//! A call below the effective level returns after a cached level check
//! (150 ns here); one at or above it builds a record, formats it and writes
//! it through the handlers (5.5 us with a plain format, 7 us with the usual
//! `%(asctime)s %(levelname)s ...`, 10 us with two arguments to format;
//! `logger.exception` also formats the traceback). A program that logs per
//! item pays the second price per item, so which calls pass the level
//! matters: the level comes from `logging.basicConfig(level=...)` and
//! `logger.setLevel(...)`, else Python's default, `WARNING`.
//!
//! Weights are in plain-call units (7 ns here, see
//! [`super::pystd::builtin_call_weight`]), measured with Python 3.11 by
//! `timeit` into an in-memory stream.

use super::{e, CallArgs, Entry, Rule};
use crate::host::Host;
use crate::value::*;
use prescient_model::Category as C;

use Rule::Custom;

pub const ENTRIES: &[Entry] = &[e(
    &[
        "logging.getLogger",
        "logging.basicConfig",
        "logging.disable",
        "logging.debug",
        "logging.info",
        "logging.warning",
        "logging.warn",
        "logging.error",
        "logging.exception",
        "logging.critical",
        "logging.log",
        "logging.Logger.debug",
        "logging.Logger.info",
        "logging.Logger.warning",
        "logging.Logger.warn",
        "logging.Logger.error",
        "logging.Logger.exception",
        "logging.Logger.critical",
        "logging.Logger.log",
        "logging.Logger.setLevel",
        "logging.Logger.isEnabledFor",
        "logging.Logger.addHandler",
        "logging.Logger.removeHandler",
        "logging.Logger.getChild",
        "logging.StreamHandler",
        "logging.FileHandler",
        "logging.NullHandler",
        "logging.Formatter",
        "logging.Handler.setFormatter",
        "logging.Handler.setLevel",
    ],
    C::Python,
    Custom(logging_call),
)];

const LOGGER: &str = "logging.Logger";
/// Python's default level for the root logger.
const WARNING: f64 = 30.0;
/// Where the level a `basicConfig` set is kept.
const ROOT_LEVEL: &str = "logging.level";
/// Where a level `logging.disable(level)` set is kept.
const DISABLED: &str = "logging.disabled";

/// A logging level given as a number, a constant (`logging.INFO`) or a name.
fn level_of(v: &Value) -> Option<f64> {
    let name = match v {
        Value::Lib(q) => q.rsplit('.').next()?.to_string(),
        Value::Str { text: Some(t), .. } => t.to_string(),
        v => return v.as_sym()?.as_num(),
    };
    Some(match name.as_str() {
        "NOTSET" => 0.0,
        "DEBUG" => 10.0,
        "INFO" => 20.0,
        "WARNING" | "WARN" => 30.0,
        "ERROR" => 40.0,
        "CRITICAL" | "FATAL" => 50.0,
        _ => return None,
    })
}

/// The level of a message logged by `short` (`info`, `log`, ...).
fn message_level(short: &str, ca: &CallArgs) -> f64 {
    match short {
        "debug" => 10.0,
        "info" => 20.0,
        "warning" | "warn" => 30.0,
        "error" | "exception" => 40.0,
        "critical" => 50.0,
        _ => ca.pos.first().and_then(level_of).unwrap_or(20.0),
    }
}

fn logger() -> Value {
    Value::new_obj(LOGGER)
}

fn logging_call(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let short = ca.short();
    let on_logger = ca.name.starts_with("logging.Logger.");
    match short {
        "getLogger" | "getChild" => Some(logger()),
        "basicConfig" => {
            if let Some(l) = ca.kwarg("level").and_then(level_of) {
                it.set_setting(ROOT_LEVEL, Value::Float(Some(l)));
            }
            Some(Value::None)
        }
        "disable" => {
            let l = ca.pos.first().and_then(level_of).unwrap_or(50.0);
            it.set_setting(DISABLED, Value::Float(Some(l)));
            Some(Value::None)
        }
        "setLevel" => {
            if let (Some(Value::Obj { attrs, .. }), Some(l)) =
                (&ca.recv, ca.pos.first().and_then(level_of))
            {
                attrs
                    .borrow_mut()
                    .insert("__level__".into(), Value::Float(Some(l)));
            }
            Some(Value::None)
        }
        "isEnabledFor" => {
            it.ops(|o, m| o.calls += 6.0 * m);
            Some(Value::Bool(None))
        }
        "StreamHandler" | "FileHandler" | "NullHandler" => Some(Value::new_obj("logging.Handler")),
        "Formatter" => Some(Value::new_obj("logging.Formatter")),
        "addHandler" | "removeHandler" | "setFormatter" => Some(Value::None),
        _ => {
            let level = message_level(short, ca);
            let own = match (&ca.recv, on_logger) {
                (Some(Value::Obj { attrs, .. }), true) => attrs
                    .borrow()
                    .get("__level__")
                    .and_then(|v| v.as_sym())
                    .and_then(|s| s.as_num()),
                _ => None,
            };
            let root = it
                .setting(ROOT_LEVEL)
                .and_then(|v| v.as_sym())
                .and_then(|s| s.as_num());
            let threshold = own.or(root).unwrap_or(WARNING);
            let disabled = it
                .setting(DISABLED)
                .and_then(|v| v.as_sym())
                .and_then(|s| s.as_num())
                .unwrap_or(-1.0);
            let emitted = level >= threshold && level > disabled;
            let units = match (emitted, short) {
                (false, _) => 21.0,
                (true, "exception") => 3000.0,
                // Each argument formatted into the message adds to it.
                (true, _) => 780.0 + 200.0 * ca.pos.len().saturating_sub(1) as f64,
            };
            it.ops(|o, m| o.calls += units * m);
            Some(Value::None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prescient_model::Sym;

    #[test]
    fn levels_read_from_numbers_constants_and_names() {
        assert_eq!(level_of(&Value::Lib("logging.INFO".into())), Some(20.0));
        assert_eq!(level_of(&Value::int(15)), Some(15.0));
        assert_eq!(
            level_of(&Value::Str {
                len: Sym::num(5.0),
                text: Some("DEBUG".into()),
                shared: false
            }),
            Some(10.0)
        );
        assert_eq!(level_of(&Value::Unknown), None);
    }
}
