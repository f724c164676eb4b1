//! Add-rotate-xor (ARX) cipher rounds in pure Python: ChaCha/Salsa quarter rounds,
//! Speck, TEA-like ciphers.
//!
//! Classified from the operations a loop nest executed (including inside the
//! functions it called): rotations `(x << r) | (x >> (32 - r))` or shifts, xors,
//! and modular additions of words `(a + b) & 0xFFFFFFFF` (all three).
//!
//! Why: these run as interpreted integer operations, one core, at a few million
//! operations per second; the same intent in a library would use vector units.

use super::flags::*;
use super::OpsLabel;
use prescient_model::Category;

pub(crate) fn classify(f: u32) -> Option<OpsLabel> {
    let arx = f & XOR != 0 && f & ADD != 0 && f & (ROTATE | SHIFT) != 0;
    (arx).then_some((
        Category::Crypto,
        "loop.arx_cipher",
        &[][..],
        "add-rotate-xor cipher rounds",
    ))
}
