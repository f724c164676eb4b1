//! Opaque values: what a library the executor does not model returns.
//!
//! A script's loops rarely depend on every value it computes. A call of
//! `numpy`, `os.path`, `hashlib` or `logging` used to stop the whole run,
//! and every loop of the program kept its assumed count. Such a call now
//! returns an opaque value instead, named by the call, and the run goes on
//! as long as no opaque value decides what runs next:
//!
//! - arithmetic, attributes, calls and methods on one give another, and
//!   one can be stored, passed and returned like any value;
//! - a branch on one, a comparison, an iteration, its length, its use as
//!   an index or a key, and any built-in other than a few that only make a
//!   value of it (`str`, `float`, `round`...) stop the run as before;
//! - a call is not made opaque when it could change what the program
//!   holds in a way counts depend on: one given a callback of the
//!   program's own (the library would call it), an iterator (it would
//!   consume it), or a heap or sorted list to insert into.
//!
//! Errors raised after the run made its first opaque value may be an
//! opaque value's misuse (a `TypeError` from a built-in that got one), so
//! a `TypeError` or `AttributeError` then stops the run instead of
//! reaching the program's handlers.

use super::exec::{unsupported, Exec};
use super::value::*;
use super::Stop;
use std::rc::Rc;

/// Built-ins that only make a value of what they are given: an opaque
/// argument gives an opaque result.
const VALUE_MAKERS: &[&str] = &[
    "str", "repr", "format", "round", "abs", "float", "int", "pow",
];

/// Library functions that put their argument into a program's container
/// by comparing it: given an opaque value, their effect cannot be known.
const INSERTS: &[&str] = &["heapq.", "bisect."];

/// Whether a raised error may come from an opaque value's misuse.
pub(super) fn opaque_misuse(raised: &str) -> bool {
    raised.starts_with("TypeError") || raised.starts_with("AttributeError")
}

impl Exec<'_> {
    pub(super) fn opaque(&mut self, name: &str) -> CV {
        self.opaque_made = true;
        CV::Opaque(Rc::from(name))
    }

    /// A call of the unmodelled `q`, or of a method of an opaque value: an
    /// opaque result, unless its arguments say the call could change what
    /// the program's counts depend on.
    pub(super) fn opaque_call(
        &mut self,
        q: &str,
        pos: &[CV],
        kw: &[(String, CV)],
    ) -> Result<CV, Stop> {
        for v in pos.iter().chain(kw.iter().map(|(_, v)| v)) {
            match v {
                CV::Func(_) | CV::Method(..) => {
                    return unsupported(format!("`{q}` given a function of the program"))
                }
                CV::Iter(_) => return unsupported(format!("`{q}` given an iterator")),
                _ => {}
            }
        }
        Ok(self.opaque(q))
    }

    /// What a call of a library function the executor models does with an
    /// opaque argument: None when it has none.
    pub(super) fn opaque_arguments(
        &mut self,
        q: &str,
        pos: &[CV],
        kw: &[(String, CV)],
    ) -> Result<Option<CV>, Stop> {
        let Some(CV::Opaque(from)) = pos
            .iter()
            .chain(kw.iter().map(|(_, v)| v))
            .find(|v| matches!(v, CV::Opaque(_)))
        else {
            return Ok(None);
        };
        let from = from.clone();
        let name = q.strip_prefix("builtins.").unwrap_or(q);
        if name == "print" {
            return Ok(Some(CV::None));
        }
        if VALUE_MAKERS.contains(&name) {
            return Ok(Some(self.opaque(&format!("{name}(...)"))));
        }
        let builtin = !name.contains('.');
        if builtin || INSERTS.iter().any(|p| name.starts_with(p)) {
            return unsupported(format!("`{name}` of what `{from}` returned"));
        }
        Ok(Some(self.opaque(q)))
    }

    /// A library function the executor does not model.
    pub(super) fn unmodelled(
        &mut self,
        q: &str,
        pos: &[CV],
        kw: &[(String, CV)],
    ) -> Result<CV, Stop> {
        let name = q.strip_prefix("builtins.").unwrap_or(q);
        // A built-in left unmodelled (`open`, `input`, `exec`) does I/O or
        // runs code: nothing to carry on with.
        if !name.contains('.') || INSERTS.iter().any(|p| name.starts_with(p)) {
            return unsupported(format!("`{q}`"));
        }
        self.opaque_call(q, pos, kw)
    }
}
