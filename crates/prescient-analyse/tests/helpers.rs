//! Work done through helper functions: containers a function fills for its
//! caller, containers it builds and empties before it returns, and walks
//! that stop at what a memo kept from earlier calls.

mod common;

use common::*;

#[test]
fn containers_passed_to_a_helper_grow_in_the_caller() {
    // A dict and a list filled through helpers, a million items each:
    // measured 150 MiB. Before, the caller's containers stayed empty.
    let src = r#"
import sys

def add(d, k):
    d[k] = k * 3

def add_to(xs, k):
    xs.append(k * 1.5)

def main():
    n = int(sys.argv[1])
    d = {}
    xs = []
    for i in range(n):
        add(d, i)
        add_to(xs, i)
    return len(d), len(xs)

main()
"#;
    let a = analyze(src, &["1000000"]);
    let peak = scope_peak_mib(&a, "main");
    assert!((100.0..250.0).contains(&peak), "{peak}");
}

#[test]
fn a_helper_that_rebinds_its_parameter_leaves_the_caller_alone() {
    let src = r#"
import sys

def widen(xs, k):
    xs = list(xs)
    xs.append(k)
    return len(xs)

def main():
    n = int(sys.argv[1])
    xs = []
    total = 0
    for i in range(n):
        total += widen(xs, i)
    return total

main()
"#;
    let a = analyze(src, &["1000000"]);
    let peak = scope_peak_mib(&a, "main");
    assert!(peak < 20.0, "{peak}");
}

#[test]
fn a_container_drained_before_the_return_counts_at_its_fullest() {
    // 400 thousand events pushed, then popped until none is left: measured
    // 89 MiB at the peak, though the heap is empty when the function returns.
    let src = r#"
import heapq
import sys

class Event:
    __slots__ = ("a", "b")
    def __init__(self, a, b):
        self.a = a
        self.b = b

def run(n):
    events = []
    t = 0.0
    for c in range(n):
        t += 1.5
        heapq.heappush(events, (t, c, "arrive", Event(c, t)))
    waits = []
    while events:
        now, _, kind, ev = heapq.heappop(events)
        waits.append(now - ev.b)
    return len(waits)

def main():
    print(run(int(sys.argv[1])))

main()
"#;
    let a = analyze(src, &["400000"]);
    let peak = scope_peak_mib(&a, "main");
    assert!((60.0..200.0).contains(&peak), "{peak}");
}

#[test]
fn a_walk_that_stops_at_a_memo_is_short() {
    let src = r#"
def chain(n, memo):
    path = []
    while n not in memo:
        path.append(n)
        n = n // 2 if n % 2 == 0 else 3 * n + 1
    length = memo[n]
    for v in reversed(path):
        length += 1
        memo[v] = length
    return length

def main(limit):
    memo = {1: 1}
    best = 0
    for n in range(1, limit):
        best = max(best, chain(n, memo))
    return best

main(1000000)
"#;
    // The summary's own reading (a run of `main` measures it: see
    // `measured_counts.rs`).
    let a = analyze_summary(src, &[]);
    let walk = a
        .unknowns
        .iter()
        .find(|u| {
            u.reason
                .contains("walks until it reaches a key `memo` holds")
        })
        .unwrap_or_else(|| panic!("{:?}", a.unknowns));
    assert!(walk.assumed < 10.0, "{walk:?}");
    // The memo keeps what the walks visit: millions of entries (measured:
    // 2.2 million, 173 MiB in all).
    let peak = scope_peak_mib(&a, "main");
    assert!((100.0..600.0).contains(&peak), "{peak}");
}

#[test]
fn a_nested_memoised_function_recurses_and_holds_its_cache() {
    // `ways` is defined inside the function that calls it: it finds itself
    // by name when it recurses (before, its calls were not understood), and
    // its cache of 160,000 entries counts while the call runs.
    let src = r#"
import functools

def count_paths(n):
    @functools.lru_cache(maxsize=None)
    def ways(r, c):
        if r == 0 and c == 0:
            return 1
        total = 0
        if r > 0:
            total += ways(r - 1, c)
        if c > 0:
            total += ways(r, c - 1)
        return total
    return ways(n - 1, n - 1)

def main():
    print(count_paths(400))

main()
"#;
    let a = analyze(src, &[]);
    assert!(a.unresolved_calls.is_empty(), "{:?}", a.unresolved_calls);
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("160000 calls (memoised)")),
        "{:?}",
        a.notes
    );
    let peak = scope_peak_mib(&a, "main");
    assert!(peak > 20.0, "{peak}");
}

#[test]
fn what_an_inner_call_changed_is_not_written_to_the_outer_calls_arguments() {
    // `Box.__init__` fills its `items`, the lambda's first argument; the
    // lambda's second argument, `b`, must not take that growth.
    let src = r#"
class Box:
    def __init__(self, items):
        items.append(0.5)
        self.items = items

def main(n):
    a = []
    b = []
    mk = lambda x, y: Box(x)
    for i in range(n):
        mk(a, b)
    return len(b)

main(1000000)
"#;
    let a = analyze(src, &[]);
    let peak = scope_peak_mib(&a, "main");
    assert!(peak < 4.0, "{peak}");
}
