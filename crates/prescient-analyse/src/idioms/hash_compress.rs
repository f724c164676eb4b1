//! Hash compression functions in pure Python (SHA-1/SHA-2/MD5 rounds).
//!
//! Classified from the operations a loop nest executed: the ARX mix of a cipher
//! plus the boolean choice/majority functions of hash rounds (`(e & f) ^ (~e & g)`)
//! and 32-bit masking.
//!
//! Why: a pure-Python SHA-256 costs thousands of interpreted operations per
//! 64-byte block; `hashlib` with SHA extensions does the same work in nanoseconds.

use super::flags::*;
use super::OpsLabel;
use prescient_model::Category;

pub(crate) fn classify(f: u32) -> Option<OpsLabel> {
    let hash = f & CHOOSE != 0 && f & XOR != 0 && f & (ROTATE | SHIFT) != 0 && f & MASK32 != 0;
    (hash).then_some((
        Category::Crypto,
        "loop.hash_compress",
        &["sha"][..],
        "hash compression rounds",
    ))
}
