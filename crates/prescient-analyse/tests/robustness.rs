//! Bad input: nothing may panic, overflow the stack or hang.

mod common;

use prescient_analyse::{analyze, AnalyseError, NoFiles};
use proptest::prelude::*;

fn run(src: &[u8]) -> Result<prescient_model::Analysis, AnalyseError> {
    analyze(src, "input.py", &[], &NoFiles)
}

#[test]
fn syntax_error_has_file_line_col() {
    let err = run(b"import numpy as np\nx = np.ones((3, 3)\ny = 2\n").unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with("input.py:3:1: "), "{msg}");
}

#[test]
fn binary_input_is_rejected_clearly() {
    let mut bytes = b"\x7fELF\x02\x01\x01".to_vec();
    bytes.extend(std::iter::repeat_n(0u8, 100));
    let msg = run(&bytes).unwrap_err().to_string();
    assert!(msg.contains("not a Python source file"), "{msg}");
    let latin1 = b"x = '\xe9t\xe9'\n";
    assert!(run(latin1).unwrap_err().to_string().contains("UTF-8"));
}

#[test]
fn fifty_megabyte_file_is_analysed() {
    let line = "x = [i * 2 for i in range(10)]  # padding padding padding padding\n";
    let n = 50 * 1024 * 1024 / line.len() + 1;
    let src = line.repeat(n);
    assert!(src.len() >= 50 * 1024 * 1024);
    let a = run(src.as_bytes()).expect("a result");
    // The step budget bounds the work; the analysis says it stopped early.
    assert!(
        a.notes.iter().any(|n| n.contains("stopped")),
        "{:?}",
        a.notes
    );
}

#[test]
fn ten_thousand_deep_nesting() {
    for src in [
        format!("x = {}1{}\n", "(".repeat(10_000), ")".repeat(10_000)),
        format!("x = {}1{}\n", "[".repeat(10_000), "]".repeat(10_000)),
        format!("x = {}1\n", "-".repeat(10_000)),
        format!("x = 1{}\n", " + 1".repeat(10_000)),
        format!("x = {}0{}\n", "f(".repeat(5_000), ")".repeat(5_000)),
    ] {
        match run(src.as_bytes()) {
            Ok(a) => assert!(a.sections.len() <= 1),
            Err(e) => assert!(!e.to_string().contains("internal"), "{e}"),
        }
    }
}

#[test]
fn deeply_nested_patterns() {
    // A `case` pattern nested past the converter's bound (the rest is
    // opaque, and a run of the executor stops on it), and one of 5000
    // alternatives: analysed, or refused with a clear error.
    for src in [
        format!(
            "def f(v):\n    match v:\n        case {}0{}:\n            return 1\n\nf([0])\n",
            "[".repeat(2_000),
            "]".repeat(2_000)
        ),
        format!(
            "def f(v):\n    match v:\n        case {}:\n            return 1\n\nfor i in range(9):\n    f(i)\n",
            vec!["0"; 5_000].join(" | ")
        ),
    ] {
        if let Err(e) = run(src.as_bytes()) {
            assert!(!e.to_string().contains("internal"), "{e}");
        }
    }
}

#[test]
fn deeply_nested_blocks() {
    let mut src = String::new();
    for d in 0..1000 {
        src.push_str(&" ".repeat(d));
        src.push_str("if x:\n");
    }
    src.push_str(&" ".repeat(1000));
    src.push_str("pass\n");
    let _ = run(src.as_bytes());
}

#[test]
fn hostile_programs_terminate() {
    let cases = [
        "def f():\n    return f()\nf()\n",
        "def a(n):\n    return b(n) + b(n)\ndef b(n):\n    return a(n) + a(n)\na(3)\n",
        "while True:\n    pass\n",
        "x = []\nwhile True:\n    x.append(x)\n",
        "class A:\n    def __init__(self):\n        self.a = A()\nA()\n",
        "import numpy as np\nx = np.ones(10)\nfor i in range(10**18):\n    x = np.concatenate([x, x])\n",
        "s = 'a'\nfor i in range(100):\n    s = s + s\n",
        "x = 10 ** 10 ** 10\n",
        "def g(*a, **k):\n    return g(*a, **k)\ng(1, x=2)\n",
        "import numpy as np\nnp.zeros(-5)\nnp.ones((0, -3))\nnp.arange(0, 10, 0)\n",
        "import numpy as np\na = np.ones(3)\na.reshape(-1, -1)\na[None, ..., None, ...]\n",
        "(lambda f: f(f))(lambda f: f(f))\n",
        // Run by the bounded executor (an entry function with a `while`).
        "def main():\n    a = []\n    a.append(a)\n    b = []\n    b.append(b)\n    i = 0\n    while a == b and i < 3:\n        s = f'{a}' + repr(b)\n        i += 1\nmain()\n",
        "def main():\n    x = -9223372036854775807 - 1\n    i = 0\n    while i < 3:\n        y = x % -1\n        z = x // -1\n        w = -x\n        v = abs(x)\n        i += 1\nmain()\n",
        "def main():\n    x = 9223372036854775807\n    while x:\n        x = x * 2 + (1 << 63) + x ** 99\nmain()\n",
        "def main():\n    r = range(-9223372036854775807, 9223372036854775807, 9223372036854775807)\n    i = 0\n    while i < 2:\n        for v in r:\n            i += 1\n        i += r[-1] > 0\n        s = [1, 2, 3][::-9223372036854775807]\n        t = [1, 2, 3][-9223372036854775807:9223372036854775807]\nmain()\n",
        "import heapq\nclass K:\n    def __init__(self, h):\n        self.h = h\n    def __lt__(self, o):\n        self.h.clear()\n        return True\ndef main():\n    h = []\n    i = 0\n    while i < 5:\n        heapq.heappush(h, K(h))\n        i += 1\nmain()\n",
        "def main():\n    xs = []\n    while True:\n        xs.extend(range(10 ** 6))\n        xs = xs * 1000\nmain()\n",
        "def f(n):\n    return f(n + 1) if n < 10 ** 6 else 0\ndef main():\n    while f(0):\n        pass\nmain()\n",
        "def main():\n    i = 0\n    while i < 10:\n        try:\n            raise ValueError\n        except KeyError:\n            pass\n        finally:\n            i += 1\nmain()\n",
        "def g():\n    while True:\n        yield 1\ndef main():\n    for x in g():\n        break\nmain()\n",
        "def main():\n    s = 'x'\n    while len(s) < 10 ** 9:\n        s = s + s\nmain()\n",
        "def main():\n    d = {}\n    i = 0\n    while i < 100:\n        d[[i]] = i\n        i += 1\nmain()\n",
        // User code run by a comparison or an iteration shrinks the list
        // being searched or assigned to.
        "import bisect\n\nclass K:\n    def __init__(self, xs, v):\n        self.xs = xs\n        self.v = v\n    def __lt__(self, o):\n        self.xs.clear()\n        return True\n\nclass Shrink:\n    def __init__(self, xs):\n        self.xs = xs\n    def __iter__(self):\n        self.xs.clear()\n        return iter([1, 2])\n\ndef main():\n    xs = []\n    i = 0\n    while i < 3:\n        xs.extend([K(xs, j) for j in range(8)])\n        bisect.insort(xs, K(xs, 0))\n        ys = list(range(10))\n        ys[2:8] = Shrink(ys)\n        zs = list(range(10))\n        del zs[2:len(zs.clear() or [0] * 9)]\n        i += 1\n\nmain()\n",
        // Byte strings of hostile sizes and items.
        "def main():\n    i = 0\n    while i < 3:\n        try:\n            a = bytearray(-1)\n        except ValueError:\n            pass\n        try:\n            b = bytes(range(300))\n        except ValueError:\n            pass\n        try:\n            a = bytearray([1, 'x'])\n        except TypeError:\n            pass\n        a = bytearray(3)\n        a[1::2] = bytes([7])\n        c = bytearray([1]) * (10 ** 12)\n        i += 1\nmain()\n",
    ];
    for src in cases {
        let r = run(src.as_bytes());
        assert!(r.is_ok(), "{src}: {:?}", r.err());
    }
}

/// Fragments of real Python for the token-soup generator.
const TOKENS: &[&str] = &[
    "import numpy as np\n",
    "x",
    "=",
    "np.ones",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    ":",
    "\n",
    "    ",
    "for i in range(10):",
    "while",
    "if",
    "else",
    "def f(a, *b, **c):",
    "return",
    "lambda",
    "+",
    "-",
    "*",
    "@",
    "**",
    "//",
    "%",
    "<<",
    ">>",
    "^",
    "&",
    "|",
    "~",
    "not",
    "and",
    "or",
    "1",
    "0",
    "-1",
    "3.5",
    "1e308",
    "'s'",
    "b'\\x00'",
    "f'{x}'",
    "None",
    "True",
    "...",
    "yield",
    "class C:",
    "self.x",
    "with open('f') as g:",
    "try:",
    "except:",
    "finally:",
    "global x",
    ".T",
    ".reshape",
    ".sum",
    "np.dot",
    "a",
    "b",
    "async",
    "await",
    "del x",
    "assert",
];

/// Integer literals at the edges of what the executor's integers hold.
const EDGE_INTS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "63",
    "64",
    "-64",
    "9223372036854775807",
    "(-9223372036854775807 - 1)",
    "4611686018427387904",
    "3.5",
    "-0.0",
    "1e308",
    "'ab'",
    "[1, 2]",
    "(1,)",
    "None",
    "True",
];

const INT_OPS: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^", "<", "==", "in",
];

/// An expression of edge values and operators, `depth` levels deep.
fn int_expr(picks: &[usize], at: &mut usize, depth: u32) -> String {
    fn next(picks: &[usize], at: &mut usize) -> usize {
        let v = picks.get(*at).copied().unwrap_or(0);
        *at += 1;
        v
    }
    if depth == 0 || next(picks, at).is_multiple_of(3) {
        return EDGE_INTS[next(picks, at) % EDGE_INTS.len()].to_string();
    }
    let op = INT_OPS[next(picks, at) % INT_OPS.len()];
    let l = int_expr(picks, at, depth - 1);
    let r = int_expr(picks, at, depth - 1);
    match next(picks, at) % 4 {
        0 => format!("({l} {op} {r})"),
        1 => format!("abs({l} {op} {r})"),
        2 => format!("[{l}, {r}][{l} % 2 if isinstance({l}, int) else 0]"),
        _ => format!("divmod({l}, {r})"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn executed_arithmetic_never_panics(picks in proptest::collection::vec(0usize..1000, 0..80)) {
        // Inside an entry function with a `while` loop, so that the bounded
        // executor runs it for real.
        let mut at = 0;
        let e = int_expr(&picks, &mut at, 4);
        let src = format!(
            "def main():\n    i = 0\n    while i < 3:\n        x = {e}\n        i += 1\nmain()\n"
        );
        let r = run(src.as_bytes());
        if let Err(AnalyseError::Internal { message, .. }) = &r {
            prop_assert!(false, "internal error on {src:?}: {message}");
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let r = run(&bytes);
        if let Err(AnalyseError::Internal { message, .. }) = &r {
            prop_assert!(false, "internal error: {message}");
        }
    }

    #[test]
    fn token_soup_never_panics(idx in proptest::collection::vec(0..TOKENS.len(), 0..120)) {
        let src: String = idx.iter().map(|&i| TOKENS[i]).collect::<Vec<_>>().join(" ");
        let r = run(src.as_bytes());
        if let Err(AnalyseError::Internal { message, .. }) = &r {
            prop_assert!(false, "internal error on {src:?}: {message}");
        }
    }

    #[test]
    fn corpus_mutations_never_panic(which in 0usize..30, cut in 0usize..4000, junk in "[ -~\\n]{0,40}") {
        let dir = common::corpus_dir();
        let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "py")).collect();
        names.sort();
        let path = &names[which % names.len()];
        let src = std::fs::read_to_string(path).unwrap();
        let at = cut.min(src.len());
        let at = (0..=at).rev().find(|i| src.is_char_boundary(*i)).unwrap_or(0);
        let mutated = format!("{}{}{}", &src[..at], junk, &src[at..]);
        let r = run(mutated.as_bytes());
        if let Err(AnalyseError::Internal { message, .. }) = &r {
            prop_assert!(false, "internal error: {message}");
        }
    }
}

/// Every knowledge-base entry, called with a spread of argument shapes and kinds:
/// none may panic, whatever the arguments.
#[test]
fn every_library_rule_survives_odd_arguments() {
    let prelude = "import numpy\nimport numpy as np\nimport torch\nimport scipy\nimport scipy.signal\nimport scipy.linalg\nimport scipy.special\nimport hashlib, hmac, os, secrets, math, random, statistics, struct, itertools, zlib, argparse, cmath\nimport cryptography\nx = np.ones(7)\nm = np.ones((3, 4))\nt = torch.ones(2, 3, 8, 8)\nz = np.zeros(())\nb = b'abc'\n";
    let arg_sets = [
        "",
        "x",
        "m",
        "t",
        "z",
        "x, x",
        "m, m",
        "m, x",
        "x, 3",
        "3",
        "(2, 3)",
        "(2, 3), 4",
        "'s'",
        "b",
        "None",
        "-1",
        "0",
        "x, axis=1",
        "m, axis=-1, keepdims=True",
        "t, 3, 2, 1",
        "[x, x]",
        "[m, m], axis=1",
        "'ij,jk->ik', m, m.T",
        "m, (1, 0)",
        "lambda i, j: i + j, (3, 3)",
        "x, dtype=np.float32",
        "1.5, 2.5, 10",
    ];
    let mut names: Vec<&str> = prescient_analyse::kb::table().keys().copied().collect();
    names.sort();
    let mut failures = Vec::new();
    for name in &names {
        for args in arg_sets {
            let call = if let Some(rest) = name.strip_prefix("ndarray.") {
                format!("m.{rest}({args})")
            } else if let Some(rest) = name.strip_prefix("Tensor.") {
                format!("t.{rest}({args})")
            } else {
                format!("{name}({args})")
            };
            let src = format!("{prelude}r = {call}\ns = r\n");
            match run(src.as_bytes()) {
                Ok(_) | Err(AnalyseError::Parse { .. }) => {}
                Err(e) => failures.push(format!("{call}: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
