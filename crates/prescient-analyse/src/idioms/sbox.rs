//! S-box and table-driven ciphers in pure Python (AES-like SubBytes, RC4, table
//! CRCs): xors combined with lookups into a constant table of 64+ integers defined
//! at module level (`SBOX[x ^ k]`).
//!
//! Classified from the operations a loop nest executed.
//!
//! Why: per byte, several interpreted lookups and xors; the same intent with
//! AES-NI or a C library is three orders of magnitude faster.

use super::flags::*;
use super::OpsLabel;
use prescient_model::Category;

pub(crate) fn classify(f: u32) -> Option<OpsLabel> {
    (f & TABLE != 0 && f & XOR != 0).then_some((
        Category::Crypto,
        "loop.sbox_cipher",
        &["aes"][..],
        "S-box / table-lookup cipher",
    ))
}
