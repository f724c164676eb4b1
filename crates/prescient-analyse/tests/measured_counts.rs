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
