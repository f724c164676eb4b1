//! Cache misses of pointer chasing through objects (`interp/linked.rs`,
//! `interp/loops.rs`): a search down a tree of node objects, and the
//! neighbour lists of a graph of node objects, land anywhere among the
//! nodes once those outgrow the caches. A handful of nodes stays cached.

mod common;

use common::*;

fn cold(src: &str, args: &[&str]) -> f64 {
    loop_ops(&analyze(src, args)).cold_accesses
}

#[test]
fn a_search_down_a_big_tree_misses_below_the_cached_levels() {
    let src = r#"
import random
import sys


class Entry:
    def __init__(self, name, value):
        self.name = name
        self.value = value
        self.lo = None
        self.hi = None


class SymbolTable:
    def __init__(self):
        self.top = None

    def define(self, name, value):
        if self.top is None:
            self.top = Entry(name, value)
            return
        cur = self.top
        while True:
            if name < cur.name:
                if cur.lo is None:
                    cur.lo = Entry(name, value)
                    return
                cur = cur.lo
            else:
                if cur.hi is None:
                    cur.hi = Entry(name, value)
                    return
                cur = cur.hi


def main():
    count = int(sys.argv[1])
    rng = random.Random(5)
    table = SymbolTable()
    for _ in range(count):
        table.define(rng.random(), 1)


main()
"#;
    let big = cold(src, &["300000"]);
    let small = cold(src, &["2000"]);
    // 300 thousand entries of about 200 bytes: the top 13 levels stay
    // cached, the search goes about 22 deep on average.
    assert!(big > 300_000.0 * 3.0 && big < 300_000.0 * 15.0, "{big}");
    assert_eq!(small, 0.0);
}

#[test]
fn neighbour_lists_of_a_big_graph_of_objects_miss_per_neighbour() {
    let src = r#"
import random
import sys


class Person:
    def __init__(self, pid):
        self.pid = pid
        self.friends = []
        self.hops = -1


def reach(people, start):
    start.hops = 0
    frontier = [start]
    seen = 1
    while frontier:
        nxt = []
        for p in frontier:
            for f in p.friends:
                if f.hops < 0:
                    f.hops = p.hops + 1
                    nxt.append(f)
                    seen += 1
        frontier = nxt
    return seen


def main():
    n = int(sys.argv[1])
    rng = random.Random(2)
    people = [Person(i) for i in range(n)]
    for _ in range(4 * n):
        a = people[rng.randrange(n)]
        b = people[rng.randrange(n)]
        a.friends.append(b)
        b.friends.append(a)
    print(reach(people, people[0]))


main()
"#;
    let big = cold(src, &["200000"]);
    let small = cold(src, &["500"]);
    // 1.6 million friend links followed; most land out of the caches.
    assert!(big > 800_000.0, "{big}");
    assert!(small < 1.0, "{small}");
}

#[test]
fn items_of_another_class_are_not_a_graph() {
    // An order's lines were made with it and are read in the order they
    // were made: no neighbour misses, however many orders there are.
    let src = r#"
import sys


class Line:
    def __init__(self, qty, price):
        self.qty = qty
        self.price = price


class Order:
    def __init__(self, k):
        self.lines = [Line(j + 1, 2.5) for j in range(k)]

    def total(self):
        s = 0.0
        for line in self.lines:
            s += line.qty * line.price
        return s


def main():
    n = int(sys.argv[1])
    orders = [Order(4) for _ in range(n)]
    print(sum(o.total() for o in orders))


main()
"#;
    assert!(cold(src, &["300000"]) < 1.0);
}
