//! Generated Python snippets for fitting the interpreter cost model.
//!
//! Each snippet is a whole program in the shape users write (an entry function
//! with a loop nest, helpers and a small class), built from a seed by drawing
//! statements from templates that each lean on one operation class: integer,
//! float and bit arithmetic, list and dict indexing, function and method
//! calls, attributes, appends, comparisons and branches, tuple packing,
//! built-ins, strings, comprehensions, inner `while` counters, numpy element
//! reads, instances of classes (plain, `__slots__`, dataclasses), the
//! special methods operators call (`__add__`, `__lt__`, `__getitem__`),
//! small loops over lists, `zip`, `enumerate` and `dict.items()` with their
//! targets unpacked, a pair returned and unpacked, and a generator summed;
//! and users' idioms whose costs no one class says (a `Counter` and a dict
//! counting words, tuple keys, slices to tuples, joins and splits, set
//! operators, a heap of tuples, attributes of objects held in a list, a
//! named tuple, `defaultdict(list)`, a keyed sort, `any` over a generator,
//! `isinstance`, a dict comprehension), on which the fit's level is set.
//! Drawn in varied mixes and loop shapes, the programs decorrelate the
//! classes so that a regression can tell their costs apart. The program times
//! its own entry call and prints the seconds, so start-up does not blur the
//! measurement.

/// One statement template: setup lines (in the entry function, before the
/// loops), module-level helpers, and the body lines run per iteration. `{k}`
/// is replaced by the template's instance number and `{i}` by the loop
/// variable.
struct Template {
    setup: &'static [&'static str],
    helper: &'static str,
    body: &'static [&'static str],
    numpy: bool,
}

const TEMPLATES: &[Template] = &[
    Template {
        setup: &["a{k} = 1"],
        helper: "",
        body: &["a{k} = (a{k} + {i} * 7) % 1000003"],
        numpy: false,
    },
    Template {
        setup: &["f{k} = 1.0"],
        helper: "",
        body: &["f{k} = f{k} * 0.999 + 0.25"],
        numpy: false,
    },
    Template {
        setup: &["b{k} = 3"],
        helper: "",
        body: &["b{k} = ((b{k} << 1) ^ {i}) & 0xFFFF"],
        numpy: false,
    },
    Template {
        setup: &["l{k} = list(range(97))", "s{k} = 0"],
        helper: "",
        body: &["s{k} += l{k}[{i} % 97]"],
        numpy: false,
    },
    Template {
        setup: &["w{k} = [0] * 50"],
        helper: "",
        body: &["w{k}[{i} % 50] = w{k}[({i} + 1) % 50] + 1"],
        numpy: false,
    },
    Template {
        setup: &["d{k} = {}"],
        helper: "",
        body: &["d{k}[{i} % 101] = d{k}.get({i} % 101, 0) + 1"],
        numpy: false,
    },
    Template {
        setup: &["c{k} = 0"],
        helper: "def h{k}(x):\n    return x + 1\n",
        body: &["c{k} = h{k}({i})"],
        numpy: false,
    },
    Template {
        setup: &["o{k} = C{k}()"],
        helper: "class C{k}:\n    def __init__(self):\n        self.t = 0\n\n    def bump(self, v):\n        self.t += v\n",
        body: &["o{k}.bump({i})"],
        numpy: false,
    },
    Template {
        setup: &["p{k} = P{k}()"],
        helper: "class P{k}:\n    def __init__(self):\n        self.x = 0\n        self.y = 1\n",
        body: &["p{k}.x = p{k}.y + p{k}.x % 7"],
        numpy: false,
    },
    Template {
        setup: &["r{k} = []"],
        helper: "",
        body: &["r{k}.append({i})"],
        numpy: false,
    },
    Template {
        setup: &["e{k} = 0"],
        helper: "",
        body: &["if {i} % 3 == 0:", "    e{k} += 1"],
        numpy: false,
    },
    Template {
        setup: &["u{k} = 0", "v{k} = 1"],
        helper: "",
        body: &["u{k}, v{k} = v{k}, (u{k} + v{k}) % 1009"],
        numpy: false,
    },
    Template {
        setup: &["m{k} = 0"],
        helper: "",
        body: &["m{k} = max(m{k}, abs({i} - 500))"],
        numpy: false,
    },
    Template {
        setup: &["t{k} = ''"],
        helper: "",
        body: &["t{k} = str({i}) + 'x'"],
        numpy: false,
    },
    Template {
        setup: &["q{k} = None"],
        helper: "",
        body: &["q{k} = ({i}, {i} + 1)"],
        numpy: false,
    },
    Template {
        setup: &["g{k} = list(range(8))", "z{k} = []"],
        helper: "",
        body: &["z{k} = [x * 2 for x in g{k}]"],
        numpy: false,
    },
    Template {
        setup: &["n{k} = 0"],
        helper: "",
        body: &["n{k} = 0", "while n{k} < 4:", "    n{k} += 1"],
        numpy: false,
    },
    Template {
        setup: &["y{k} = set(range(25))", "x{k} = 0"],
        helper: "",
        body: &["if ({i} % 50) in y{k}:", "    x{k} += 1"],
        numpy: false,
    },
    Template {
        setup: &["ga{k} = np.ones((40, 8))", "gs{k} = 0.0"],
        helper: "",
        body: &["gs{k} = ga{k}[{i} % 40, 3] * 1.5 + gs{k}"],
        numpy: true,
    },
    Template {
        setup: &["sq{k} = 0.0"],
        helper: "",
        body: &["sq{k} = math.sqrt({i} + 1.0) + sq{k} * 0.5"],
        numpy: false,
    },
    Template {
        setup: &["pa{k} = P{k}()", "va{k} = 0"],
        helper: "class P{k}:\n    def __init__(self):\n        self.x = 0\n        self.y = 1\n",
        body: &["va{k} = pa{k}.y"],
        numpy: false,
    },
    Template {
        setup: &["li{k} = list(range(16))", "lv{k} = 0"],
        helper: "",
        body: &["lv{k} = li{k}[3] + li{k}[9] + li{k}[5]"],
        numpy: false,
    },
    Template {
        setup: &["ls{k} = [0] * 16"],
        helper: "",
        body: &["ls{k}[7] = {i}"],
        numpy: false,
    },
    Template {
        setup: &["ob{k} = S{k}()", "ok{k} = False"],
        helper: "class S{k}:\n    def __init__(self):\n        self.a = 0\n        self.b = 2\n\n    def step(self):\n        self.a = self.a + self.b\n        return self.a > 5\n",
        body: &["ok{k} = ob{k}.step()"],
        numpy: false,
    },
    Template {
        setup: &["pt{k} = None"],
        helper: "class Pt{k}:\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n",
        body: &["pt{k} = Pt{k}({i}, 1.5)"],
        numpy: false,
    },
    Template {
        setup: &["ll{k} = []", "dd{k} = {}"],
        helper: "",
        body: &["ll{k} = [{i}, 2]", "dd{k} = {'a': {i}}"],
        numpy: false,
    },
    Template {
        setup: &["pc{k} = P{k}()", "hc{k} = 0"],
        helper: "class P{k}:\n    def __init__(self):\n        self.x = 0\n        self.y = 1\n",
        body: &["if pc{k}.x < pc{k}.y:", "    hc{k} = hc{k} + 1"],
        numpy: false,
    },
    Template {
        setup: &["ln{k} = list(range(10))", "cn{k} = 0"],
        helper: "",
        body: &["cn{k} = len(ln{k})"],
        numpy: false,
    },
    Template {
        setup: &["tu{k} = (1, 2, 3)", "te{k} = 0"],
        helper: "",
        body: &["te{k} = tu{k}[1]"],
        numpy: false,
    },
    Template {
        setup: &["ws{k} = 'a b c d'", "wn{k} = 0"],
        helper: "",
        body: &["wn{k} = len(ws{k}.split())"],
        numpy: false,
    },
    Template {
        setup: &["vo{k} = V{k}(1.0, 2.0)", "vr{k} = None"],
        helper: "class V{k}:\n    __slots__ = ('x', 'y')\n\n    def __init__(self, x, y):\n        self.x = x\n        self.y = y\n\n    def __add__(self, o):\n        return V{k}(self.x + o.x, self.y + o.y)\n",
        body: &["vr{k} = vo{k} + vo{k}"],
        numpy: false,
    },
    Template {
        setup: &["em{k} = None"],
        helper: "class E{k}:\n    pass\n",
        body: &["em{k} = E{k}()"],
        numpy: false,
    },
    Template {
        setup: &["dq{k} = None"],
        helper: "@dataclass\nclass D{k}:\n    a: int\n    b: float\n",
        body: &["dq{k} = D{k}({i}, 0.5)"],
        numpy: false,
    },
    Template {
        setup: &["oa{k} = O{k}(1)", "ob{k} = O{k}(2)", "oc{k} = 0"],
        helper: "class O{k}:\n    def __init__(self, v):\n        self.v = v\n\n    def __lt__(self, o):\n        return self.v < o.v\n",
        body: &["if oa{k} < ob{k}:", "    oc{k} += 1"],
        numpy: false,
    },
    Template {
        setup: &["gi{k} = G{k}()", "gv{k} = 0"],
        helper: "class G{k}:\n    def __init__(self):\n        self.d = [1, 2, 3, 4, 5]\n\n    def __getitem__(self, i):\n        return self.d[i]\n",
        body: &["gv{k} = gi{k}[{i} % 5]"],
        numpy: false,
    },
    Template {
        setup: &["za{k} = [1.5, 2.5, 3.5, 4.5]", "zb{k} = [2, 3, 4, 5]", "zs{k} = 0.0"],
        helper: "",
        body: &["for a{k}, b{k} in zip(za{k}, zb{k}):", "    zs{k} = a{k} * b{k}"],
        numpy: false,
    },
    Template {
        setup: &["le{k} = [3, 1, 4, 1, 5]", "es{k} = 0"],
        helper: "",
        body: &["for ie{k}, ve{k} in enumerate(le{k}):", "    es{k} = ie{k} + ve{k}"],
        numpy: false,
    },
    Template {
        setup: &["lx{k} = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5]", "xs{k} = 0.0"],
        helper: "",
        body: &["for x{k} in lx{k}:", "    xs{k} = x{k} * 0.5"],
        numpy: false,
    },
    Template {
        setup: &["di{k} = {'a': 1, 'b': 2, 'c': 3}", "ds{k} = 0"],
        helper: "",
        body: &["for dk{k}, dv{k} in di{k}.items():", "    ds{k} = dv{k}"],
        numpy: false,
    },
    Template {
        setup: &["lo{k} = 0", "hi{k} = 0"],
        helper: "def mm{k}(a, b):\n    return (a, b) if a < b else (b, a)\n",
        body: &["lo{k}, hi{k} = mm{k}({i} % 7, 3)"],
        numpy: false,
    },
    Template {
        setup: &["gg{k} = [1, 2, 3, 4, 5, 6]", "gt{k} = 0"],
        helper: "",
        body: &["gt{k} = sum(v * 2 for v in gg{k})"],
        numpy: false,
    },
    Template {
        setup: &["cw{k} = Counter()", "tw{k} = 'alpha beta gamma delta epsilon zeta eta theta'.split() * 5"],
        helper: "",
        body: &["cw{k}[tw{k}[{i} % 40]] += 1"],
        numpy: false,
    },
    Template {
        setup: &["sd{k} = {}", "sw{k} = 'red green blue cyan magenta yellow black white'.split() * 5"],
        helper: "",
        body: &["sd{k}[sw{k}[{i} % 40]] = sd{k}.get(sw{k}[{i} % 40], 0) + 1"],
        numpy: false,
    },
    Template {
        setup: &["tk{k} = {}", "tn{k} = 'ab cd ef gh ij kl mn op'.split()"],
        helper: "",
        body: &["tk{k}[(tn{k}[{i} % 8], {i} % 5)] = {i}"],
        numpy: false,
    },
    Template {
        setup: &["sl{k} = list(range(40))", "st{k} = ()"],
        helper: "",
        body: &["st{k} = tuple(sl{k}[{i} % 30:{i} % 30 + 3])"],
        numpy: false,
    },
    Template {
        setup: &["jw{k} = ['alpha', 'beta', 'gamma', 'delta']", "js{k} = ''"],
        helper: "",
        body: &["js{k} = ' '.join(jw{k}).upper()"],
        numpy: false,
    },
    Template {
        setup: &["fw{k} = 0"],
        helper: "",
        body: &["fw{k} = len(('%d item %d x' % ({i}, {i} % 7)).split())"],
        numpy: false,
    },
    Template {
        setup: &["sa{k} = set(range(20))", "sb{k} = {3, 7, 11}", "sn{k} = 0"],
        helper: "",
        body: &["sn{k} = len(sa{k} - sb{k})"],
        numpy: false,
    },
    Template {
        setup: &["hq{k} = [(j * 7 % 101, j) for j in range(64)]", "heapq.heapify(hq{k})"],
        helper: "",
        body: &["heapq.heappush(hq{k}, (heapq.heappop(hq{k})[0] + 101, {i}))"],
        numpy: false,
    },
    Template {
        setup: &["rl{k} = [R{k}(j) for j in range(50)]", "rs{k} = 0"],
        helper: "class R{k}:\n    def __init__(self, x):\n        self.x = x\n        self.y = x * 2\n",
        body: &["rs{k} = rs{k} + rl{k}[{i} % 50].x * rl{k}[{i} % 50].y"],
        numpy: false,
    },
    Template {
        setup: &["nv{k} = NT{k}(1, 2.5, 'x')", "ns{k} = 0.0"],
        helper: "NT{k} = namedtuple('NT{k}', 'a b c')\n",
        body: &["ns{k} = nv{k}.a * nv{k}.b"],
        numpy: false,
    },
    Template {
        setup: &["rw{k} = 'hello world'", "rc{k} = 0"],
        helper: "",
        body: &["if 'o w' in rw{k}.replace('l', ''):", "    rc{k} += 1"],
        numpy: false,
    },
    Template {
        setup: &["ca{k} = [1, 2, 3]", "cb{k} = []"],
        helper: "",
        body: &["cb{k} = ca{k} + [{i}]"],
        numpy: false,
    },
    Template {
        setup: &["dl{k} = defaultdict(list)"],
        helper: "",
        body: &["dl{k}[{i} % 30].append({i})"],
        numpy: false,
    },
    Template {
        setup: &["so{k} = [5, 3, 8, 1, 9, 2]", "sr{k} = None"],
        helper: "",
        body: &["sr{k} = sorted(so{k}, key=lambda v: -v)"],
        numpy: false,
    },
    Template {
        setup: &["ag{k} = [1, 4, 2, 8, 5]", "ab{k} = False"],
        helper: "",
        body: &["ab{k} = any(v > 7 for v in ag{k})"],
        numpy: false,
    },
    Template {
        setup: &["iv{k} = 3", "ic{k} = 0"],
        helper: "",
        body: &["if isinstance(iv{k}, int):", "    ic{k} += 1"],
        numpy: false,
    },
    Template {
        setup: &["dw{k} = ['ab', 'cde', 'f']", "dc{k} = None"],
        helper: "",
        body: &["dc{k} = {w: len(w) for w in dw{k}}"],
        numpy: false,
    },
];

/// A deterministic generator (SplitMix64): the same seed gives the same
/// snippets on every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Snippet `index` of the series drawn from `seed`.
pub fn generate(seed: u64, index: u64) -> String {
    let mut rng = Rng(seed ^ index.wrapping_mul(0xA24B_AED4_963E_E407));
    // Warm the state so that neighbouring indexes diverge at once.
    rng.next();
    let outer_count = 1 + rng.below(4);
    let inner_count = if rng.below(3) == 0 {
        0
    } else {
        1 + rng.below(3)
    };
    let inner_trips = [3, 8, 20][rng.below(3)];
    let picks: Vec<usize> = (0..outer_count + inner_count)
        .map(|_| rng.below(TEMPLATES.len()))
        .collect();
    // 50-300 ms of interpreted work: long enough that timer and scheduling
    // noise stay small, short enough for hundreds of snippets in minutes.
    let per_iter = outer_count + inner_count * inner_trips;
    let n = (1_500_000 / per_iter.max(1)).clamp(5_000, 500_000);

    let mut helpers = String::new();
    let mut setup = Vec::new();
    let mut outer = Vec::new();
    let mut inner = Vec::new();
    let mut numpy = false;
    for (k, &t) in picks.iter().enumerate() {
        let tpl = &TEMPLATES[t];
        numpy |= tpl.numpy;
        let fill = |s: &str, var: &str| s.replace("{k}", &k.to_string()).replace("{i}", var);
        if !tpl.helper.is_empty() {
            helpers.push_str(&fill(tpl.helper, "i"));
            helpers.push_str("\n\n");
        }
        setup.extend(tpl.setup.iter().map(|s| fill(s, "i")));
        if k < outer_count {
            outer.extend(tpl.body.iter().map(|s| fill(s, "i")));
        } else {
            inner.extend(tpl.body.iter().map(|s| fill(s, "j")));
        }
    }

    let mut out =
        String::from("import heapq\nimport math\nimport sys\nimport time\nfrom collections import Counter, defaultdict, namedtuple\nfrom dataclasses import dataclass\n");
    if numpy {
        out.push_str("\nimport numpy as np\n");
    }
    out.push_str("\n\n");
    out.push_str(&helpers);
    out.push_str("def main(n):\n");
    for s in &setup {
        out.push_str(&format!("    {s}\n"));
    }
    out.push_str("    for i in range(n):\n");
    for s in &outer {
        out.push_str(&format!("        {s}\n"));
    }
    if !inner.is_empty() {
        out.push_str(&format!("        for j in range({inner_trips}):\n"));
        for s in &inner {
            out.push_str(&format!("            {s}\n"));
        }
    }
    out.push_str("    return 0\n\n\n");
    out.push_str(&format!(
        "if __name__ == \"__main__\":\n    n = int(sys.argv[1]) if len(sys.argv) > 1 else {n}\n    start = time.perf_counter()\n    main(n)\n    print(time.perf_counter() - start)\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_are_deterministic_and_varied() {
        assert_eq!(generate(1, 5), generate(1, 5));
        assert_ne!(generate(1, 5), generate(1, 6));
        assert_ne!(generate(1, 5), generate(2, 5));
        for i in 0..50 {
            let s = generate(7, i);
            assert!(s.contains("def main(n):"));
            assert!(s.contains("print(time.perf_counter() - start)"));
            assert!(!s.contains("{k}") && !s.contains("{i}"));
        }
    }
}
