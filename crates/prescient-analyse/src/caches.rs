//! What this node kind's caches hold, as the analyser's cost judgements use
//! it: how likely a random access into so many bytes of objects misses, and
//! how many levels of a heap lie beyond the caches. Shared by the
//! interpreter (keyed accesses, walks) and the knowledge base (heap
//! operations), which reach each other only through the host.

/// A container up to this size stays in a core's L2 cache.
pub const FITS_IN_CACHE: f64 = 2.0 * 1024.0 * 1024.0;
/// From this size on nearly every random access misses (measured here: the
/// extra cost of a random access levels off between 12 and 40 MiB).
pub const MISSES_ALWAYS: f64 = 16.0 * 1024.0 * 1024.0;

/// How likely a random access into `bytes` of objects misses: 0 up to
/// `FITS_IN_CACHE`, rising with the log of the size to 1 at `MISSES_ALWAYS`.
pub fn miss_share(bytes: f64) -> f64 {
    if bytes <= FITS_IN_CACHE {
        return 0.0;
    }
    ((bytes / FITS_IN_CACHE).ln() / (MISSES_ALWAYS / FITS_IN_CACHE).ln()).clamp(0.0, 1.0)
}

/// How many levels of a binary heap of `bytes` (its slots and the objects
/// they point to) lie beyond what the caches hold: the top levels of a heap
/// stay cached, the bottom `log2(bytes / FITS_IN_CACHE)` levels do not.
/// Measured here: popping from a heap of 400 thousand floats costs 480 ns
/// more than from one of a thousand, of 400 thousand tuples 1.6 us more, of
/// 30 thousand tuples 260 ns more: about half a cold access per level per
/// object a comparison reads (the tuple, then its first item).
pub fn cold_heap_levels(bytes: f64) -> f64 {
    if bytes <= FITS_IN_CACHE {
        return 0.0;
    }
    (bytes / FITS_IN_CACHE).log2()
}

/// How likely, on average, each of `n` random accesses that fill a table
/// misses, where the accesses bring `distinct` keys in all (drawn at
/// random: the first ones mostly new, the later ones mostly seen) and each
/// key holds `entry_bytes` of table and object: the table grows while it
/// is filled, so the early accesses land in one that fits the caches.
pub fn filling_miss_share(n: f64, distinct: f64, entry_bytes: f64) -> f64 {
    if n <= 0.0 || distinct <= 0.0 || distinct * entry_bytes <= FITS_IN_CACHE {
        return 0.0;
    }
    // The mean of the miss share over the fill, at the midpoints of 32
    // equal shares of the accesses.
    const STEPS: usize = 32;
    let keys_at = |t: f64| distinct * -(-t * n / distinct).exp_m1();
    (0..STEPS)
        .map(|i| miss_share(keys_at((i as f64 + 0.5) / STEPS as f64) * entry_bytes))
        .sum::<f64>()
        / STEPS as f64
}

#[cfg(test)]
mod tests {
    use super::{cold_heap_levels, filling_miss_share, miss_share};

    #[test]
    fn a_table_filled_misses_less_than_one_already_full() {
        let mib = 1024.0 * 1024.0;
        // Fits the caches when full: never misses.
        assert_eq!(filling_miss_share(1e6, 1e4, 100.0), 0.0);
        // 150 MB when full, all keys new: misses from a tenth of the way.
        let all_new = filling_miss_share(1.5e6, 1.5e6, 100.0);
        assert!((0.85..0.97).contains(&all_new), "{all_new}");
        // The same keys drawn many times over: full early, misses nearly always.
        let repeated = filling_miss_share(1.5e7, 2.5e5, 100.0);
        assert!(repeated > 0.95 && repeated <= 1.0, "{repeated}");
        assert!(filling_miss_share(1e6, 1e6, 16.0 * mib) <= 1.0);
    }

    #[test]
    fn misses_grow_with_the_log_of_the_size() {
        assert_eq!(miss_share(1e6), 0.0);
        let mib = 1024.0 * 1024.0;
        assert!((miss_share(4.0 * mib) - 1.0 / 3.0).abs() < 1e-9);
        assert!((miss_share(8.0 * mib) - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(miss_share(16.0 * mib), 1.0);
        assert_eq!(miss_share(1e9), 1.0);
    }

    #[test]
    fn a_heap_within_the_caches_has_no_cold_levels() {
        let mib = 1024.0 * 1024.0;
        assert_eq!(cold_heap_levels(mib), 0.0);
        assert!((cold_heap_levels(16.0 * mib) - 3.0).abs() < 1e-9);
    }
}
