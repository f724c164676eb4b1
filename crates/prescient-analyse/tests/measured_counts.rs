//! Trip counts measured by running a call on its known arguments
//! (`interp/oracle.rs`, `concrete/`): loops whose trips depend on the
//! data, where the summary alone could only assume them.

mod common;

use common::*;

/// The total loop iterations the kernels of the analysis account for.
fn iterations(a: &prescient_model::Analysis) -> f64 {
    loop_ops(a).loop_iters
}

#[test]
fn a_register_machine_runs_until_its_program_halts() {
    // After the first instruction, `count` rounds of two (`dec`, then
    // `jnz` back to it): the `while` loop on the program counter runs
    // 2 * count + 1 times. The summary assumed 100.
    let src = r#"
import sys

class CPU:
    def __init__(self, prog):
        self.prog = prog
        self.reg = [0] * 4
        self.pc = 0

    def run(self):
        while self.pc < len(self.prog):
            op, a, b = self.prog[self.pc]
            if op == "set":
                self.reg[a] = b
            elif op == "dec":
                self.reg[a] -= 1
            elif op == "jnz" and self.reg[a]:
                self.pc = b - 1
            self.pc += 1

def main():
    count = int(sys.argv[1])
    cpu = CPU([("set", 0, count), ("dec", 0, 0), ("jnz", 0, 1)])
    cpu.run()

main()
"#;
    let a = analyze(src, &["200000"]);
    let n = iterations(&a);
    assert!((3.6e5..4.4e5).contains(&n), "{n}");
    assert!(
        a.unknowns.iter().all(|u| !u.symbol.starts_with("iters@")),
        "{:?}",
        a.unknowns
    );
    assert!(a.notes.iter().any(|n| n.contains("runs")), "{:?}", a.notes);
}

#[test]
fn a_backtracking_search_is_counted_node_by_node() {
    // 10-queens visits 35 539 nodes; a run too long for the budget is
    // extrapolated from smaller boards.
    let src = r#"
import sys

def solve(n, row, cols, d1, d2):
    if row == n:
        return 1
    count = 0
    for c in range(n):
        if c in cols or (row - c) in d1 or (row + c) in d2:
            continue
        cols.add(c)
        d1.add(row - c)
        d2.add(row + c)
        count += solve(n, row + 1, cols, d1, d2)
        cols.remove(c)
        d1.remove(row - c)
        d2.remove(row + c)
    return count

def main():
    n = int(sys.argv[1])
    print(solve(n, 0, set(), set(), set()))

main()
"#;
    let a = analyze(src, &["10"]);
    let note = a
        .notes
        .iter()
        .find(|n| n.contains("`solve` is recursive"))
        .expect("counted");
    let calls: f64 = note
        .split_whitespace()
        .find_map(|w| w.parse().ok())
        .expect("a count");
    assert!((2.0e4..6.0e4).contains(&calls), "{note}");
    // Statements after the `continue` run once per call, not n times.
    let ops = loop_ops(&a);
    assert!(
        ops.py_calls < 3.0 * calls,
        "{} calls, {ops:?}",
        ops.py_calls
    );
}

#[test]
fn a_sorted_insertion_walks_a_quarter_of_the_list_on_average() {
    let src = r#"
import random
import sys

class Node:
    def __init__(self, v, nxt=None):
        self.v = v
        self.nxt = nxt

class SortedList:
    def __init__(self):
        self.head = None

    def insert(self, v):
        if self.head is None or v < self.head.v:
            self.head = Node(v, self.head)
            return
        cur = self.head
        while cur.nxt is not None and cur.nxt.v < v:
            cur = cur.nxt
        cur.nxt = Node(v, cur.nxt)

def main():
    n = int(sys.argv[1])
    rng = random.Random(9)
    sl = SortedList()
    for _ in range(n):
        sl.insert(rng.random())

main()
"#;
    // 4000 inserts walk about n/4 = 1000 nodes each, by random data.
    let a = analyze(src, &["4000"]);
    let n = iterations(&a);
    assert!((2.5e6..6.0e6).contains(&n), "{n}");
}

/// Walks that stop at what a memo kept, from a loop in `main`; `setup`
/// runs first in `main`.
fn memo_walks(setup: &str) -> String {
    format!(
        r#"
import sys

def chain(n, memo):
    path = []
    while n not in memo:
        path.append(n)
        n = n // 2 if n % 2 == 0 else 3 * n + 1
    for v in path:
        memo[v] = 1
    return len(path)

def main():
    limit = int(sys.argv[1])
{setup}    memo = {{1: 1}}
    total = 0
    for n in range(1, limit):
        total += chain(n, memo)

main()
"#
    )
}

#[test]
fn a_walk_that_stops_at_what_a_memo_kept_is_counted_warm() {
    // The entry function runs whole: each walk stops at the first value
    // an earlier walk stored, a few steps on average (the summary's own
    // guess was 4). Run on its own inside the loop, where the analysis
    // knows `n` by its mean and `memo` as before the loop, a walk would
    // have looked like a cold one of a hundred steps.
    let src = memo_walks("");
    let a = analyze(&src, &["100000"]);
    let note = a
        .notes
        .iter()
        .find(|n| n.contains("the `while` loop runs"))
        .expect("measured");
    let trips: f64 = note
        .split_whitespace()
        .find_map(|w| w.parse().ok().filter(|_| !w.contains(':')))
        .expect("a count");
    assert!((1.5..4.0).contains(&trips), "{note}");
}

#[test]
fn a_call_inside_a_loop_on_what_the_loop_changes_is_not_run() {
    // The entry function writes a log (which a run cannot), so only the
    // call inside the loop could run: its arguments are the loop's mean
    // and the memo before the loop, so it is left to the summary.
    let src =
        memo_walks("    with open(\"log.txt\", \"w\") as log:\n        log.write(\"start\")\n");
    let a = analyze(&src, &["100000"]);
    assert!(
        !a.notes.iter().any(|n| n.contains("the `while` loop runs")),
        "{:?}",
        a.notes
    );
}

#[test]
fn a_script_without_an_entry_function_runs_whole() {
    // A depth-first walk of an implicit binary tree of `n` nodes, at the
    // top level: the program itself runs (on smaller sizes) to count it.
    let src = r#"
import sys

n = int(sys.argv[1])
stack = [0]
seen = {0}
steps = 0
while stack:
    v = stack.pop()
    steps += 1
    for w in (2 * v + 1, 2 * v + 2):
        if w < n and w not in seen:
            seen.add(w)
            stack.append(w)
print(steps)
"#;
    let a = analyze(src, &["300000"]);
    let note = a
        .notes
        .iter()
        .find(|n| n.contains("line 8: the `while` loop runs"))
        .unwrap_or_else(|| panic!("{:?}", a.notes));
    let trips: f64 = note
        .split_whitespace()
        .find_map(|w| w.parse().ok().filter(|_| !w.contains(':')))
        .expect("a count");
    assert!((2.7e5..3.3e5).contains(&trips), "{note}");
}

#[test]
fn a_loop_over_a_list_the_outer_loop_grows_takes_the_measured_trips() {
    // `basis` grows by one each outer iteration: the inner loop runs
    // 0, 1, 2, ... times, n(n-1)/2 in all. The summary sees it as it was
    // before the loop (empty). A `while` elsewhere in the program makes
    // it run.
    let src = r#"
import sys

def main():
    n = int(sys.argv[1])
    basis = []
    total = 0
    for i in range(n):
        for b in basis:
            total += b
        basis.append(i)
    k = 0
    while k < 3:
        k += 1

main()
"#;
    let a = analyze(src, &["2000"]);
    let n = loop_ops(&a).loop_iters;
    // 2000 outer + about 2 million inner iterations.
    assert!((1.5e6..2.5e6).contains(&n), "{n}");
}

#[test]
fn a_filtering_comprehension_keeps_what_its_run_kept() {
    // The sieve keeps the 148 933 primes below two million, not half of
    // the numbers: the list and the loop over its gaps are that long. The
    // executor runs `bytearray` and `bytes` as lists of small ints.
    let src = r#"
import sys

def primes_below(n):
    marks = bytearray([1]) * n
    marks[0:2] = bytes(2)
    i = 2
    while i * i < n:
        if marks[i]:
            marks[i * i::i] = bytes(len(range(i * i, n, i)))
        i += 1
    return [k for k in range(n) if marks[k]]

def main():
    ps = primes_below(int(sys.argv[1]))
    widest = 0
    for a, b in zip(ps, ps[1:]):
        widest = max(widest, b - a)
    print(len(ps), widest)

main()
"#;
    let a = analyze(src, &["2000000"]);
    let n = iterations(&a);
    // Two million through the comprehension, the sieve's 1 413 rounds and
    // a round per prime.
    assert!((2.05e6..2.4e6).contains(&n), "{n}");
    let mib = peak_mib(&a);
    assert!(mib < 20.0, "{mib} MiB");
}

#[test]
fn a_count_keeps_the_distinct_keys_its_run_met() {
    // Words of one to three letters of "abc": 39 distinct keys, however
    // many words are counted; Heaps' law would have assumed 4 472 of them
    // over 200 000 stores. The loop over the counts runs once per key.
    let src = r#"
import random
import sys

def make_words(n, rng):
    return ["".join(rng.choice("abc") for _ in range(rng.randint(1, 3))) for _ in range(n)]

def main():
    n = int(sys.argv[1])
    rng = random.Random(1)
    words = make_words(n, rng)
    counts = {}
    for w in words:
        counts[w] = counts.get(w, 0) + 1
    total = 0
    for w, c in counts.items():
        total += len(w) * c
    print(total)

main()
"#;
    let a = analyze(src, &["200000"]);
    assert!(
        !a.notes.iter().any(|n| n.contains("are assumed to be")),
        "{:?}",
        a.notes
    );
    // The loop over the counts is a section of its own, one round a key.
    let per_key = a
        .sections
        .iter()
        .filter(|s| s.start_line >= 15)
        .find_map(|s| s.iterations)
        .unwrap_or(0.0);
    assert!((20.0..60.0).contains(&per_key), "{per_key}");
}

#[test]
fn a_loop_over_a_list_its_enclosing_loop_grows_is_triangular() {
    // Gram-Schmidt: the inner loop runs over the basis found so far, which
    // the outer loop grows by one vector each time: 0 + 1 + ... + 299 =
    // 44 850 rounds, each two comprehensions over 400 items. The program
    // has no `while` loop and no recursion; the module's run counts it.
    let src = r#"
import random
import sys

def orthogonalise(vs):
    basis = []
    for v in vs:
        w = list(v)
        for b in basis:
            d = sum(x * y for x, y in zip(w, b))
            w = [x - d * y for x, y in zip(w, b)]
        n = sum(x * x for x in w) ** 0.5
        if n > 1e-9:
            basis.append([x / n for x in w])
    return basis

def main():
    dim, count = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(1)
    vs = [[rng.gauss(0, 1) for _ in range(dim)] for _ in range(count)]
    print(len(orthogonalise(vs)))

main()
"#;
    let n = iterations(&analyze(src, &["400", "300"]));
    assert!((3.0e7..4.5e7).contains(&n), "{n}");
}

#[test]
fn stores_under_keys_that_come_back_hold_one_item_per_key() {
    // 600 000 stores under 2 000 skus: the dict holds 2 000 items, not a
    // new one per store.
    let src = r#"
import random
import sys

class Item:
    def __init__(self, sku):
        self.sku = sku
        self.qty = 0

def main():
    days, skus = int(sys.argv[1]), int(sys.argv[2])
    rng = random.Random(3)
    catalog = [Item(s) for s in range(skus)]
    stock = {}
    for day in range(days):
        for it in catalog:
            it.qty += rng.randint(0, 5)
            stock[it.sku] = it
    print(len(stock))

main()
"#;
    let a = analyze(src, &["300", "2000"]);
    let mib = peak_mib(&a);
    assert!(mib < 5.0, "{mib} MiB");
}

#[test]
fn a_class_that_only_renames_list_runs_as_a_list() {
    // `class Queue(list): pass` (as DeltaBlue's OrderedCollection): a
    // worklist of it, drained and refilled until a tree of 2 ** 14 - 1
    // nodes is walked, runs as a list does.
    let src = r#"
import sys

class Queue(list):
    pass

def walk(depth):
    todo = Queue()
    todo.append((0, 0))
    seen = 0
    while len(todo):
        level, k = todo.pop()
        seen += 1
        if level + 1 < depth:
            todo.append((level + 1, 2 * k))
            todo.append((level + 1, 2 * k + 1))
    return seen

def main():
    print(walk(int(sys.argv[1])))

main()
"#;
    let a = analyze(src, &["14"]);
    let n = iterations(&a);
    assert!((1.5e4..1.8e4).contains(&n), "{n}");
    assert!(
        a.unknowns.iter().all(|u| !u.symbol.starts_with("iters@")),
        "{:?}",
        a.unknowns
    );
}

#[test]
fn a_helper_called_on_two_sizes_keeps_each_calls_count() {
    // The run's loop in `total` averages 10 and 3 000 000 iterations; each
    // call's own count, derived from its argument, stands.
    let src = r#"
import sys

def total(n):
    s = 0
    for i in range(n):
        s += i * i
    return s

def main():
    n = int(sys.argv[1])
    a = total(10)
    b = total(n)
    print(a + b)

main()
"#;
    let a = analyze(src, &["3000000"]);
    // The big call's loop is one kernel of three million iterations, not
    // two of the mean's 1.5 million.
    let biggest = kernels(&a)
        .iter()
        .filter_map(|k| k.py_ops.as_ref().map(|o| o.loop_iters))
        .fold(0.0, f64::max);
    assert!((2.9e6..3.1e6).contains(&biggest), "{biggest}");
}

#[test]
fn a_filter_keeps_the_share_a_run_measured() {
    // About 5% of the readings pass (a normal draw 1.65 sigma above its
    // mean). Without a run the branch is taken half the time for what it
    // adds: 500 thousand tuples instead of 50 thousand.
    let src = r#"
import random
import sys


def main():
    n = int(sys.argv[1])
    rng = random.Random(1)
    readings = [rng.gauss(20.0, 2.0) for _ in range(n)]
    alerts = []
    for r in readings:
        if r > 23.3:
            alerts.append((r, "hot", round(r - 23.3, 2)))
    print(len(alerts))


main()
"#;
    let a = analyze(src, &["1000000"]);
    // The readings hold about 31 MiB; the alerts about 6.
    let peak = peak_mib(&a);
    assert!((33.0..45.0).contains(&peak), "{peak}");
}

#[test]
fn a_state_machine_over_an_enum_is_run() {
    // Members are objects with a `value` and a `name`, iterable in order,
    // found by value, and hashable as keys: the run counts the `while`
    // loop, 3 ticks per full cycle of green, yellow (2 ticks) and red.
    let src = r#"
import sys
from enum import Enum, auto


class Light(Enum):
    RED = auto()
    GREEN = auto()
    YELLOW = auto()


AFTER = {Light.RED: Light.GREEN, Light.GREEN: Light.YELLOW, Light.YELLOW: Light.RED}


def main():
    n = int(sys.argv[1])
    light = Light(1)
    clock = 0
    while clock < n:
        light = AFTER[light]
        clock += light.value if light is Light.YELLOW else 1
    print(clock, [m.name for m in Light])


main()
"#;
    let a = analyze(src, &["400000"]);
    assert!(
        a.notes
            .iter()
            .any(|n| n.contains("line 19") && n.contains("runs")),
        "{:?}",
        a.notes
    );
    // Each cycle of three members takes 1 + 3 + 1 = 5 ticks.
    let n = iterations(&a);
    assert!((2.2e5..2.6e5).contains(&n), "{n}");
}

#[test]
fn a_set_of_objects_hashed_by_their_fields_holds_the_distinct_ones() {
    // 300 thousand points made, 3,500 distinct by value: a run hashes them
    // by `__hash__` and counts what the set keeps, where the code alone
    // sees a new object each time.
    let src = r#"
import sys


class Cell:
    def __init__(self, row, col):
        self.row = row
        self.col = col

    def __eq__(self, other):
        return self.row == other.row and self.col == other.col

    def __hash__(self):
        return hash((self.row, self.col))


def main():
    n = int(sys.argv[1])
    visited = set()
    for i in range(n):
        visited.add(Cell(i % 500, i % 7))
    print(len(visited))


main()
"#;
    let a = analyze(src, &["300000"]);
    // 3,500 cells of about 200 bytes, not 300 thousand.
    let peak = peak_mib(&a);
    assert!(peak < 5.0, "{peak}");
}

#[test]
fn hard_coded_sizes_shrink_on_the_ladder() {
    // A `while` loop whose step depends on the data (the digits of the
    // counter), its bound written into the entry function: unshrunk, no
    // rung of the ladder fits the budget and the trips stay assumed;
    // shrunk as a command-line size would be, they are measured (about
    // 2.7 million / 6.4 digits).
    let src = r#"
def main():
    limit = 2700000
    seen = 0
    steps = 0
    while seen < limit:
        seen += len(str(seen)) + 1
        steps += 1
    return steps

main()
"#;
    let a = analyze(src, &[]);
    let n = iterations(&a);
    assert!((3.0e5..4.8e5).contains(&n), "{n}");
    assert!(
        a.unknowns.iter().all(|u| !u.symbol.starts_with("iters@")),
        "{:?}",
        a.unknowns
    );
}

#[test]
fn a_queue_refilled_by_a_method_runs_as_often_as_measured() {
    // The heap starts with 30000 jobs; every third job a method of the
    // same object pushes a follow-up: about 40000 pops. The summary sees
    // the heap's first length, a third short; the run's count stands,
    // though it is within half again.
    let src = r#"
import heapq

class Queue:
    def __init__(self):
        self.heap = []

    def submit(self, p):
        heapq.heappush(self.heap, p)

    def run(self):
        done = 0
        while self.heap:
            p = heapq.heappop(self.heap)
            done += 1
            if p % 3 == 0 and p > 3:
                self.submit(p - 1)
        return done

def main(n):
    q = Queue()
    for i in range(n):
        q.submit(i)
    print(q.run())

main(30000)
"#;
    let a = analyze(src, &[]);
    assert!(
        a.notes.iter().any(|n| n.contains("`while` loop runs")),
        "{:?}",
        a.notes
    );
    let runs: Vec<&String> = a
        .notes
        .iter()
        .filter(|n| n.contains("`while` loop runs"))
        .collect();
    let n: f64 = runs[0]
        .split("runs ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|x| x.replace('k', "e3").parse().ok())
        .unwrap_or(0.0);
    assert!((3.6e4..4.4e4).contains(&n), "{runs:?}");
}

#[test]
fn what_follows_a_guard_adds_to_containers_in_its_measured_share() {
    // A quarter as many keys as draws: about 49000 of the 200000 draws
    // pass `if key in seen: continue` and add a row. Before, the rows were
    // counted once per draw (four times too many: 52 MiB at the peak); the
    // statements after the guard now add in the share the run measured.
    let src = r#"
import random
import sys


def main(n):
    rng = random.Random(1)
    seen = set()
    rows = []
    for i in range(n):
        key = rng.randrange(n // 4)
        if key in seen:
            continue
        seen.add(key)
        rows.append([key, str(key) * 3, float(key)])
    print(len(rows))


main(int(sys.argv[1]))
"#;
    let peak = peak_mib(&analyze(src, &["200000"]));
    assert!((8.0..25.0).contains(&peak), "{peak}");
}

#[test]
fn a_guard_clause_in_a_method_runs_the_rest_in_its_measured_share() {
    // `add` returns early for a key it holds: three draws in four. Before,
    // a function's body ran whole for every call, and the store kept a
    // payload per call (278 MiB at the peak); CPython peaks at 32 MiB of
    // objects.
    let src = r#"
import random
import sys


class Store:
    def __init__(self):
        self.index = {}
        self.items = []

    def add(self, key, payload):
        if key in self.index:
            return False
        self.index[key] = payload
        self.items.append((key, payload))
        return True


def main(n):
    rng = random.Random(1)
    s = Store()
    added = 0
    for i in range(n):
        key = f"k{rng.randrange(n // 4)}"
        if s.add(key, [i] * 8):
            added += 1
    print(added, len(s.items))


main(int(sys.argv[1]))
"#;
    let peak = peak_mib(&analyze(src, &["400000"]));
    assert!((20.0..110.0).contains(&peak), "{peak}");
}

#[test]
fn a_match_runs_each_case_in_its_measured_share_and_pays_for_its_patterns() {
    // Nine events in a hundred are audits, each summing the 1000 items of
    // a list. Before, a `match` stopped the run and its cases had equal
    // shares: 350 items walked per event, against about 65 now.
    let src = r#"
import random
import sys


def main(n):
    rng = random.Random(1)
    accounts = [0] * 200
    xs = list(range(1000))
    events = []
    for _ in range(n):
        if rng.random() < 0.91:
            events.append(("deposit", rng.randrange(200), 5))
        else:
            events.append(("audit", rng.randrange(200)))
    total = 0
    for event in events:
        match event:
            case ("deposit", a, amount):
                accounts[a] += amount
            case ("audit", a):
                total += sum(xs) + accounts[a]
    print(total)


main(int(sys.argv[1]))
"#;
    let a = analyze(src, &["300000"]);
    let ops = loop_ops(&a);
    let per_event = ops.walked / 300000.0;
    assert!((60.0..130.0).contains(&per_event), "{per_event}");
    // A sequence pattern unpacks its subject: the first case in every
    // event, the second in the nine in a hundred that reach it.
    assert!((3.0e5..4.0e5).contains(&ops.unpack), "{}", ops.unpack);
}

#[test]
fn a_ladder_whose_written_sizes_shrink_too_far_runs_again_on_the_arguments() {
    // 200 accounts written into the program, 600000 events from the
    // command line. Shrunk with the arguments, the accounts fell below
    // the sizes a run says anything at on every rung that fit the budget,
    // and no counts were taken: the cases of the `match` ran in equal
    // shares (300000 calls of `apply`). The ladder now runs again with
    // only the command line shrunk; CPython makes about 650000 calls.
    // The tuning program itself (eval/programs/tune11).
    let src = include_str!("../../../eval/programs/tune11/event_match.py");
    let a = analyze(src, &["600000"]);
    let calls: f64 = kernels(&a)
        .iter()
        .filter(|k| k.function.as_deref() == Some("process"))
        .filter_map(|k| k.py_ops.as_ref())
        .map(|o| o.py_calls)
        .sum();
    assert!((5.5e5..8.5e5).contains(&calls), "{calls}");
}

#[test]
fn a_triangular_nest_takes_the_inner_loops_measured_mean() {
    // Elimination: both inner loops shrink as `col` grows, so the inner
    // body runs sum((n - col - 1) * (n + 1 - col)) = 583100 times for 120
    // (about n^3 / 3). The body analysed once at the mean `col` said
    // (n / 2)^2 per column, n^3 / 4 (439000); the run's mean per entry of
    // the innermost loop is weighted by how often each entry came.
    let src = r#"
import sys


def eliminate(m):
    n = len(m)
    for col in range(n):
        for r in range(col + 1, n):
            f = m[r][col] / (m[col][col] + 1.0)
            row = m[r]
            top = m[col]
            for c in range(col, n + 1):
                row[c] -= f * top[c]
    return m


def main(n):
    m = [[float((i * 7 + j * 3) % 11) for j in range(n + 1)] for i in range(n)]
    eliminate(m)


main(int(sys.argv[1]))
"#;
    let a = analyze(src, &["120"]);
    // The innermost loop's iterations, the two outer ones' (7260) and the
    // matrix's comprehensions (14520) beside them.
    let n = iterations(&a) - 7260.0 - 14520.0;
    assert!((5.5e5..6.2e5).contains(&n), "{n}");
}

#[test]
fn a_second_ladder_that_brings_nothing_gives_its_steps_back() {
    // A hundred written into the program and 1500 loops from the command
    // line: the first ladder's rungs shrink the hundred too far, the
    // second (the hundred kept) runs out of steps, and before, it had
    // spent what the run of `bench(100)` inside the loop then needed: the
    // worklist's trips stayed assumed. It now gives its steps back.
    let src = r#"
import sys


def propagate(n):
    todo = list(range(n))
    seen = set()
    steps = 0
    while todo:
        v = todo.pop()
        steps += 1
        for w in ((v * 7) % n, (v * 13 + 1) % n):
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return steps


def bench(n):
    total = 0
    for i in range(n):
        total += propagate(n)
    return total


def main(loops):
    n = 100
    for _ in range(loops):
        bench(n)


main(int(sys.argv[1]))"#;
    let a = analyze(src, &["1500"]);
    assert!(
        a.unknowns.iter().all(|u| !u.symbol.starts_with("iters@")),
        "{:?}",
        a.unknowns
    );
}

#[test]
fn a_range_over_the_words_of_each_text_takes_the_measured_mean() {
    // Each text joins three or four phrases, some of two or three words:
    // the summary reads `text.split()` as the parts `join` was given
    // (three or four), but the words number about six. The range over
    // them is entered once per text, in a function run once: the run's
    // mean per entry is the mean the summary stands for.
    let src = r#"
import random
import sys

A = ["the cat", "a dog", "my old neighbour"]
B = ["sees", "likes", "waits for"]
C = ["the bird", "a red ball", "its long shadow"]


def corpus(rng, n):
    out = []
    for _ in range(n):
        parts = [rng.choice(A), rng.choice(B), rng.choice(C)]
        out.append(" ".join(parts))
    return out


def train(texts, order):
    chain = {}
    for text in texts:
        words = ["<s>"] * order + text.split()
        for i in range(len(words) - order):
            key = tuple(words[i:i + order])
            chain[key] = chain.get(key, 0) + 1
    return chain


def main():
    rng = random.Random(1)
    print(len(train(corpus(rng, int(sys.argv[1])), 2)))


main()
"#;
    let a = analyze(src, &["3000"]);
    // The loop over the texts (line 20) with the `for i` loop in it: about 6.8 words a text (2.33 + 1.33 +
    // 2.67), 3000 texts.
    let trips: f64 = kernels(&a)
        .into_iter()
        .filter(|k| k.line == 20)
        .filter_map(|k| k.py_ops.as_ref())
        .map(|o| o.loop_iters)
        .sum();
    let inner = trips - 3000.0;
    assert!((17_000.0..24_000.0).contains(&inner), "{trips}");
}

#[test]
fn what_calls_in_a_comprehension_grow_grows_once_per_item() {
    // `record` appends to an account's postings; it is called in the
    // condition of a generator expression, once per item, as it would be
    // in a loop's body: the postings hold 400,000 ints in both.
    let src = |consume: &str| {
        format!(
            r#"
import sys

class Account:
    def __init__(self):
        self.postings = []

    def post(self, amount):
        self.postings.append(amount)


class Ledger:
    def __init__(self):
        self.accounts = {{}}

    def record(self, t):
        self.accounts[t % 40].post(t * 1000)
        return True


def main(n):
    led = Ledger()
    for i in range(40):
        led.accounts[i] = Account()
{consume}
    print(posted)


main(int(sys.argv[1]))
"#
        )
    };
    let comprehension = peak_mib(&analyze(
        &src("    posted = sum(1 for t in range(n) if led.record(t))"),
        &["400000"],
    ));
    let loop_body = peak_mib(&analyze(
        &src("    posted = 0\n    for t in range(n):\n        if led.record(t):\n            posted += 1"),
        &["400000"],
    ));
    // 400,000 new ints and their pointers: about 14 MiB over the baseline.
    assert!(
        comprehension > loop_body - 1.0,
        "{comprehension} {loop_body}"
    );
    assert!(loop_body > 10.0, "{loop_body}");
}
