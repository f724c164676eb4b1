//! Bitwise checksums in pure Python (CRC-16/32 and similar): a loop of shifts and
//! xors with a polynomial, masking to the register width, and no modular word
//! additions (which would make it a cipher or hash round).
//!
//! Classified from the operations a loop nest executed.
//!
//! Why: eight interpreted shift/xor/branch steps per input byte; `zlib.crc32` or
//! `binascii` does the same with table lookups or carry-less multiply in C.

use super::flags::*;
use super::OpsLabel;
use prescient_model::Category;

pub(crate) fn classify(f: u32) -> Option<OpsLabel> {
    let crc = f & XOR != 0 && f & SHIFT != 0 && f & ADD == 0;
    (crc).then_some((
        Category::Crypto,
        "loop.checksum",
        &[][..],
        "bitwise checksum (CRC-style)",
    ))
}
