//! How quantities read in evidence and reports: operation counts (`54 GFLOP`),
//! plain counts (`1.5M`) and byte sizes (`3.2 MiB`), rounded to one decimal.

use prescient_model::sym::fmt_num;

/// Formats an operation count for evidence: `54 GFLOP`, `1.2 MFLOP`.
pub fn fmt_flops(v: f64, unit: &str) -> String {
    let (k, p) = if v >= 1e12 {
        (1e12, "T")
    } else if v >= 1e9 {
        (1e9, "G")
    } else if v >= 1e6 {
        (1e6, "M")
    } else if v >= 1e3 {
        (1e3, "k")
    } else {
        (1.0, "")
    };
    format!("{} {p}{unit}", fmt_num((v / k * 10.0).round() / 10.0))
}

/// A count without a unit: `160`, `2k`, `1.5M`.
pub fn fmt_count(v: f64) -> String {
    fmt_flops(v, "").replace(' ', "")
}

pub fn fmt_bytes(v: f64) -> String {
    let (k, p) = if v >= 1024.0 * 1024.0 * 1024.0 {
        (1024.0 * 1024.0 * 1024.0, "GiB")
    } else if v >= 1024.0 * 1024.0 {
        (1024.0 * 1024.0, "MiB")
    } else if v >= 1024.0 {
        (1024.0, "KiB")
    } else {
        (1.0, "B")
    };
    format!("{} {p}", fmt_num((v / k * 10.0).round() / 10.0))
}
