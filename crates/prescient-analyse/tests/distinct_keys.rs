//! How many entries the containers a loop fills end up holding: keys drawn
//! from a known number of values, keys taken in turn, entries taken out
//! again, and queues drained of what is due.

mod common;

use common::*;

fn counting(init: &str, store: &str, n: u32) -> String {
    format!(
        r#"
import random
from collections import Counter, defaultdict

def main(n):
    rng = random.Random(1)
    {init}
    for i in range(n):
        a = rng.randrange(500)
        b = rng.randrange(500)
        {store}
    return len(c)

main({n})
"#
    )
}

#[test]
fn counts_under_random_pairs_hold_the_distinct_pairs_drawn() {
    // 700k draws of (a, b) from 250k pairs: 234,752 distinct keys when run
    // (each a dict entry, a tuple and its ints: 41 MB at the peak, measured).
    // Counter, defaultdict and `d.get(k, 0) + 1` all grow the same way.
    for (init, store) in [
        ("c = Counter()", "c[(a, b)] += 1"),
        ("c = defaultdict(int)", "c[(a, b)] += 1"),
        ("c = {}", "c[(a, b)] = c.get((a, b), 0) + 1"),
    ] {
        let a = analyze(&counting(init, store, 700_000), &[]);
        let mib = scope_peak_mib(&a, "main");
        assert!((20.0..60.0).contains(&mib), "{init}: {mib} MiB");
        assert!(
            a.notes
                .iter()
                .any(|n| n.contains("drawn from about 250000 values: 234797 distinct keys")),
            "{init}: {:?}",
            a.notes
        );
    }
}

#[test]
fn counts_under_few_values_stay_small() {
    // 500 values of `a`, or 50 of `a % 50`: the dict saturates.
    for store in ["c[a] += 1", "c[a % 50] += 1"] {
        let a = analyze(&counting("c = Counter()", store, 700_000), &[]);
        let mib = scope_peak_mib(&a, "main");
        assert!(mib < 1.0, "{store}: {mib} MiB");
    }
    // A set of pairs holds as many as were distinct.
    let a = analyze(&counting("c = set()", "c.add(a % 50)", 700_000), &[]);
    assert!(scope_peak_mib(&a, "main") < 1.0);
}

#[test]
fn keys_taken_in_turn_are_each_new() {
    // `i` takes each of its 300k values once: 300k keys, not 1 - 1/e of them.
    let src = r#"
def main(n):
    seen = {}
    for i in range(n):
        seen[i * 2] = i
    return len(seen)

main(300000)
"#;
    let a = analyze(src, &[]);
    assert!(
        !a.notes.iter().any(|n| n.contains("distinct keys")),
        "{:?}",
        a.notes
    );
    // 300k entries of two ints each: over 20 MiB.
    assert!(scope_peak_mib(&a, "main") > 20.0);
}

#[test]
fn a_dict_emptied_as_it_is_filled_stays_small() {
    let src = r#"
def main(n):
    pending = {}
    for i in range(n):
        pending[i] = 1.0
        pending.pop(i - 1, None)
    return len(pending)

main(400000)
"#;
    let a = analyze(src, &[]);
    assert!(
        scope_peak_mib(&a, "main") < 1.0,
        "{}",
        scope_peak_mib(&a, "main")
    );
}

#[test]
fn draining_what_is_due_takes_what_the_loop_adds() {
    // Each outer iteration pushes one event and pops the due ones: about
    // one pop per iteration over the run, not 100 per iteration.
    let src = r#"
import heapq
import random

def main(n):
    rng = random.Random(6)
    heap = []
    fired = 0
    now = 0.0
    for i in range(n):
        heapq.heappush(heap, (now + rng.expovariate(0.5), i))
        while heap and heap[0][0] <= now:
            t, j = heapq.heappop(heap)
            fired += 1
        now += 0.3
    return fired

main(100000)
"#;
    let a = analyze(src, &[]);
    let iters = loop_ops(&a).loop_iters;
    assert!((150_000.0..400_000.0).contains(&iters), "{iters}");
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("drains what is due from `heap`")),
        "{:?}",
        a.notes
    );
}

#[test]
fn a_round_robin_queue_visits_each_item_until_its_counter_ends() {
    // Counting down: 5,000 jobs of 12 units served 3 at a time, 4 visits
    // each: the summary's own reading (a run of the call would count it).
    let down = r#"
from collections import deque

class Job:
    def __init__(self, left):
        self.left = left

def main(n):
    q = deque(Job(12) for _ in range(n))
    turns = 0
    while q:
        j = q.popleft()
        j.left -= 3
        turns += 1
        if j.left > 0:
            q.append(j)
    return turns

main(5000)
"#;
    let a = analyze_summary(down, &[]);
    assert!(
        a.notes
            .iter()
            .chain(a.unknowns.iter().map(|u| &u.reason))
            .any(|n| n.contains("about 4 visits each, 20000 iterations")),
        "{:?}",
        a.unknowns
    );
    // Counting up in a method, to another attribute: 90 / 3 = 30 visits.
    let up = r#"
class Task:
    def __init__(self, work):
        self.work = work
        self.done = 0

    def step(self):
        self.done += 3
        return self.done >= self.work

def main(n):
    queue = [Task(90) for _ in range(n)]
    ticks = 0
    while queue:
        t = queue.pop(0)
        ticks += 1
        if not t.step():
            queue.append(t)
    return ticks

main(1000)
"#;
    let a = analyze_summary(up, &[]);
    assert!(
        a.unknowns
            .iter()
            .any(|u| u.reason.contains("about 30 visits each, 30000 iterations")),
        "{:?}",
        a.unknowns
    );
}
