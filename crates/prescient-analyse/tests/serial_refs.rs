//! Serialised data read back (`json`, `pickle`, through text or a file the
//! program wrote) and containers that hold references to objects other
//! containers own (sorted or filtered copies, slices).

mod common;

use common::*;

const RECORDS: &str = r#"
import json
import random

def main(n):
    rng = random.Random(3)
    records = [{"id": i, "name": f"user{i}", "score": rng.random()} for i in range(n)]
    STEP
    return back

main(200000)
"#;

fn peak(step: &str) -> f64 {
    scope_peak_mib(&analyze(&RECORDS.replace("STEP", step), &[]), "main")
}

#[test]
fn json_text_the_program_made_reads_back_as_what_it_wrote() {
    let base = peak("back = records");
    // The text: about 60 characters per record (12 MB measured for these).
    let text = peak("text = json.dumps(records)\n    back = None");
    assert!((8.0..20.0).contains(&(text - base)), "{base} {text}");
    // Parsed back: a second copy of the records.
    let both = peak("text = json.dumps(records)\n    back = json.loads(text)");
    assert!(both - text > 0.8 * base - 10.0, "{base} {text} {both}");
    // The same through a file, and with pickle.
    let file = peak(
        "with open('r.json', 'w') as f:\n        json.dump(records, f)\n    with open('r.json') as f:\n        back = json.load(f)",
    );
    assert!(file > 1.6 * base - 15.0, "{base} {file}");
    let pickled = peak("import pickle\n    back = pickle.loads(pickle.dumps(records))");
    assert!(pickled > 1.6 * base - 15.0, "{base} {pickled}");
}

#[test]
fn json_costs_follow_what_is_serialised() {
    let calls = |step: &str| loop_ops(&analyze(&RECORDS.replace("STEP", step), &[])).calls;
    let none = calls("back = records");
    let dumps = calls("back = json.dumps(records)");
    // 200k records of a float (44 units), an int and a string, in a dict.
    assert!(dumps - none > 200_000.0 * 60.0, "{none} {dumps}");
}

#[test]
fn sorted_and_filtered_copies_hold_references() {
    let src = r#"
import random

def main(n):
    xs = [random.random() for _ in range(n)]
    ys = STEP
    return ys

main(1000000)
"#;
    let peak = |step: &str| scope_peak_mib(&analyze(&src.replace("STEP", step), &[]), "main");
    let base = peak("None");
    // 1M floats (24 MiB of objects, 8 MiB of slots): a copy adds the slots.
    for step in [
        "sorted(xs)",
        "xs[:]",
        "list(xs)",
        "[x for x in xs if x > 0.5]",
    ] {
        let grown = peak(step) - base;
        assert!((3.0..9.0).contains(&grown), "{step}: {grown} MiB");
    }
    // Another name for the same list is no copy at all (counted as its slots).
    assert!(peak("xs") - base < 9.0);
    // New objects are new: squares are new floats.
    let squares = peak("[x * x for x in xs]") - base;
    assert!(squares > 25.0, "{squares}");
}

#[test]
fn text_joined_by_the_program_splits_into_what_it_joined() {
    let src = r#"
def main(n):
    lines = [f"worker-{i % 16} request {i} took {i / 7:.4f}s" for i in range(n)]
    text = "\n".join(lines)
    c = 0
    for line in text.split("\n"):
        c += len(line.split(" ", 2))
    return c

main(300000)
"#;
    let a = analyze(src, &[]);
    let loop_iters: f64 = a
        .kernels()
        .filter(|k| k.evidence.contains("loop over line"))
        .filter_map(|k| k.py_ops.as_ref())
        .map(|o| o.loop_iters)
        .sum();
    assert!((299_000.0..301_000.0).contains(&loop_iters), "{loop_iters}");
    // Each `split(" ", 2)` makes 3 parts (`maxsplit + 1`): 3 * 3.5 steps.
    let walked = loop_ops(&a).walked;
    assert!(walked >= 300_000.0 * 3.0 * 3.5, "{walked}");
}

#[test]
fn a_list_seeded_with_a_header_holds_what_the_loop_adds() {
    // `parts = ["<table>"]` then 200k rows of about 70 characters appended:
    // the joined text is about 14 MB, not 200k copies of the header.
    let src = r#"
def render(rows):
    parts = ["<table>"]
    for r in rows:
        parts.append("<tr><td>" + str(r) + "</td><td>" + str(r * r) + "</td><td>padding padding pad</td></tr>")
    return "\n".join(parts)

def main(n):
    rows = list(range(n))
    html = render(rows)
    return html

main(200000)
"#;
    let peak = scope_peak_mib(&analyze(src, &[]), "main");
    assert!(peak > 30.0, "{peak}");
}

#[test]
fn text_joined_with_spaces_splits_back_at_whitespace() {
    let src = r#"
import random

def main(n):
    rng = random.Random(1)
    words = [f"w{i}" for i in range(500)]
    c = 0
    for _ in range(n):
        text = " ".join(rng.choice(words) for _ in range(80))
        for w in text.split():
            c += len(w)
    return c

main(1000)
"#;
    let a = analyze(src, &[]);
    let inner: f64 = a
        .kernels()
        .filter_map(|k| k.py_ops.as_ref())
        .map(|o| o.loop_iters)
        .sum();
    // 1000 texts of 80 words: 80k steps of the generator, 82k inside
    // `random.choice` (512 / 500 rejection rounds each), and 80k over the
    // words split back, not a guess of 8 characters a word (50k).
    assert!((240_000.0..246_000.0).contains(&inner), "{inner}");
}

#[test]
fn a_named_generator_makes_new_items() {
    let src = r#"
import random

def main(n):
    xs = [random.random() for _ in range(n)]
    g = (x * 1.5 for x in xs)
    ys = list(g)
    return ys

main(1000000)
"#;
    let base = scope_peak_mib(
        &analyze(&src.replace("ys = list(g)", "ys = None"), &[]),
        "main",
    );
    // A million new floats (24 MiB of objects) and their slots, copied or
    // filtered.
    for copy in ["ys = list(g)", "ys = [y for y in g if y > 0.1]"] {
        let src = src.replace("ys = list(g)", copy);
        let grown = scope_peak_mib(&analyze(&src, &[]), "main") - base;
        assert!(grown > 15.0, "{copy}: {grown}");
    }
}

#[test]
fn a_generator_pipeline_holds_one_item_at_a_time() {
    // Records made, filtered and mapped lazily: nothing is held together,
    // but collecting them into a list or joining them holds them all.
    let src = r#"
import random

def records(n):
    for i in range(n):
        yield {"id": i, "v": random.random()}

def big(rows):
    for r in rows:
        if r["v"] > 0.5:
            yield r["v"] * 2.0

def main(n):
    total = 0.0
    for x in big(records(n)):
        total += x
    return total

main(1000000)
"#;
    let lazy = scope_peak_mib(&analyze(src, &[]), "main");
    assert!(lazy < 1.0, "{lazy} MiB");
    let held = scope_peak_mib(
        &analyze(
            &src.replace(
                "for x in big(records(n)):",
                "xs = list(big(records(n)))\n    for x in xs:",
            ),
            &[],
        ),
        "main",
    );
    assert!(held > 5.0, "{held} MiB");
}
