//! The Python standard library and builtins: sequences and their methods, `math`,
//! `random`, `statistics`, `sys.argv`, `os`, files, `argparse`, `time`.
//!
//! Builtins that walk a Python sequence (`sum`, `sorted`, `max`, `statistics.mean`)
//! are interpreted work and are costed in interpreter operations.

use super::{draft, e, CallArgs, Entry, Rule};
use crate::fmt::fmt_bytes;
use crate::host::Host;
use crate::value::*;
use prescient_model::{Category as C, Parallelism as P, PyOps, Sym};
use prescient_syntax::ast::{BinOp, Expr, ExprKind, FPiece};
use std::sync::Arc;

use Rule::Custom;

pub const ENTRIES: &[Entry] = &[
    e(&["len"], C::Python, Custom(len)),
    e(&["range"], C::Python, Custom(range)),
    e(&["enumerate"], C::Python, Custom(enumerate)),
    e(&["zip"], C::Python, Custom(zip)),
    e(
        &["sum", "math.fsum", "math.prod"],
        C::Python,
        Custom(py_reduce),
    ),
    e(&["min", "max"], C::Python, Custom(py_reduce)),
    e(&["any", "all"], C::Python, Custom(py_reduce)),
    e(&["sorted", "list.sort"], C::Sort, Custom(sorted)),
    e(
        &[
            "heapq.heappush",
            "heapq.heappop",
            "heapq.heapify",
            "heapq.heappushpop",
            "heapq.heapreplace",
            "heapq.nlargest",
            "heapq.nsmallest",
            "heapq.merge",
        ],
        C::Python,
        Custom(heap_ops),
    ),
    e(
        &[
            "reversed",
            "list",
            "tuple",
            "set",
            "frozenset",
            "iter",
            "list.copy",
            "dict.copy",
        ],
        C::Python,
        Custom(convert_seq),
    ),
    e(
        &[
            "bisect.bisect",
            "bisect.bisect_left",
            "bisect.bisect_right",
            "bisect.insort",
            "bisect.insort_left",
            "bisect.insort_right",
        ],
        C::Python,
        Custom(bisect_ops),
    ),
    e(&["dict"], C::Python, Custom(dict)),
    e(&["map"], C::Python, Custom(map)),
    e(&["filter"], C::Python, Custom(filter)),
    e(&["next"], C::Python, Custom(next)),
    e(
        &[
            "int",
            "float",
            "complex",
            "bool",
            "abs",
            "round",
            "ord",
            "hash",
            "id",
            "divmod",
            "pow",
            "math.floor",
            "math.ceil",
            "math.trunc",
            "math.isqrt",
            "math.gcd",
            "math.lcm",
            "math.factorial",
            "math.comb",
            "math.perm",
            "operator.add",
            "operator.mul",
            "operator.xor",
            "math.log2",
        ],
        C::Python,
        Custom(scalar),
    ),
    e(
        &[
            "math.sqrt",
            "math.exp",
            "math.log",
            "math.log10",
            "math.log1p",
            "math.expm1",
            "math.sin",
            "math.cos",
            "math.tan",
            "math.asin",
            "math.acos",
            "math.atan",
            "math.atan2",
            "math.sinh",
            "math.cosh",
            "math.tanh",
            "math.pow",
            "math.fabs",
            "math.hypot",
            "math.erf",
            "math.erfc",
            "math.gamma",
            "math.lgamma",
            "math.radians",
            "math.degrees",
            "math.copysign",
            "math.fmod",
            "math.dist",
            "math.isclose",
            "math.isnan",
            "math.isinf",
            "math.isfinite",
            "cmath.exp",
            "cmath.sqrt",
            "cmath.phase",
            "cmath.polar",
            "cmath.rect",
            "cmath.log",
        ],
        C::Python,
        Custom(scalar),
    ),
    e(
        &[
            "str",
            "repr",
            "format",
            "hex",
            "bin",
            "oct",
            "chr",
            "ascii",
            "input",
            "str.join",
            "str.format",
            "str.upper",
            "str.lower",
            "str.strip",
            "str.lstrip",
            "str.rstrip",
            "str.replace",
            "str.zfill",
            "str.ljust",
            "str.rjust",
            "str.center",
            "str.title",
            "str.capitalize",
            "bytes.hex",
            "bytes.decode",
            "str.swapcase",
            "str.casefold",
            "str.expandtabs",
        ],
        C::Python,
        Custom(strings),
    ),
    e(
        &[
            "str.split",
            "str.splitlines",
            "str.rsplit",
            "str.partition",
            "bytes.split",
        ],
        C::Python,
        Custom(str_split),
    ),
    e(
        &[
            "str.encode",
            "bytes",
            "bytearray",
            "bytes.fromhex",
            "bytearray.fromhex",
            "memoryview",
            "bytes.join",
            "int.to_bytes",
            "str.startswith",
            "str.endswith",
            "str.find",
            "str.index",
            "str.count",
            "str.isdigit",
            "str.isalpha",
            "str.isspace",
            "int.from_bytes",
            "int.bit_length",
            "bytes.startswith",
            "bytes.find",
            "str.rfind",
            "bytes.count",
            "str.isnumeric",
            "str.isalnum",
            "str.isupper",
            "str.islower",
        ],
        C::Python,
        Custom(bytes_ops),
    ),
    e(
        &[
            "bytes.append",
            "bytes.extend",
            "list.append",
            "list.extend",
            "list.insert",
            "list.pop",
            "list.remove",
            "list.clear",
            "list.index",
            "list.count",
            "list.reverse",
            "set.add",
            "set.update",
            "set.discard",
            "set.remove",
            "set.pop",
            "dict.update",
            "dict.setdefault",
            "dict.pop",
            "dict.get",
            "dict.keys",
            "dict.values",
            "dict.items",
            "dict.clear",
            "dict.popitem",
            "set.union",
            "set.intersection",
            "set.difference",
            "collections.deque.append",
            "collections.deque.popleft",
            "collections.deque.appendleft",
            // A deque is modelled as a list, so its methods arrive under `list.`.
            "list.popleft",
            "list.appendleft",
            "list.rotate",
        ],
        C::Python,
        Custom(containers),
    ),
    e(
        &[
            "print",
            "pprint.pprint",
            "logging.info",
            "logging.debug",
            "logging.warning",
            "logging.error",
            "logging.basicConfig",
            "sys.stdout.write",
            "sys.stderr.write",
            "sys.stdout.flush",
            "warnings.warn",
            "warnings.filterwarnings",
            "logging.getLogger",
            "sys.setrecursionlimit",
            "gc.collect",
            "gc.disable",
            "gc.enable",
            "atexit.register",
            "signal.signal",
            "faulthandler.enable",
        ],
        C::Io,
        Custom(print),
    ),
    e(
        &[
            "isinstance",
            "issubclass",
            "callable",
            "hasattr",
            "os.path.exists",
            "os.path.isfile",
            "os.path.isdir",
            "type",
            "vars",
            "dir",
            "globals",
            "locals",
            "object",
            "super",
            "setattr",
            "delattr",
            "NotImplementedError",
            "ValueError",
            "TypeError",
            "RuntimeError",
            "Exception",
            "KeyError",
            "IndexError",
            "SystemExit",
            "AssertionError",
            "StopIteration",
            "OSError",
            "FileNotFoundError",
            "ZeroDivisionError",
            "staticmethod",
            "classmethod",
            "property",
            "functools.wraps",
            "functools.lru_cache",
            "functools.cache",
            "dataclasses.dataclass",
            "dataclasses.field",
            "typing.cast",
            "contextlib.contextmanager",
            "abc.abstractmethod",
            "exit",
            "quit",
            "sys.exit",
            "os._exit",
            "functools.partial",
            "collections.namedtuple",
            "typing.NamedTuple",
            "enum.Enum",
            "enum.IntEnum",
            "enum.Flag",
            "enum.auto",
            "copy.copy",
            "copy.deepcopy",
            "slice",
            "os.makedirs",
            "os.mkdir",
            "os.remove",
            "os.unlink",
            "os.chdir",
            "os.getcwd",
            "os.listdir",
            "os.path.basename",
            "os.path.dirname",
            "os.path.splitext",
            "os.path.abspath",
            "os.getpid",
            "platform.platform",
            "platform.machine",
            "platform.python_version",
            "socket.gethostname",
        ],
        C::Other,
        Custom(misc),
    ),
    e(&["getattr"], C::Other, Custom(getattr)),
    e(
        &[
            "collections.Counter",
            "collections.defaultdict",
            "collections.OrderedDict",
            "collections.deque",
        ],
        C::Python,
        Custom(collection),
    ),
    e(&["dict.most_common"], C::Sort, Custom(most_common)),
    e(
        &[
            "struct.pack",
            "struct.unpack",
            "struct.calcsize",
            "struct.pack_into",
            "struct.unpack_from",
            "struct.iter_unpack",
        ],
        C::Python,
        Custom(struct_ops),
    ),
    e(
        &[
            "itertools.product",
            "itertools.combinations",
            "itertools.permutations",
            "itertools.chain",
            "itertools.islice",
            "itertools.repeat",
            "itertools.count",
            "itertools.accumulate",
            "itertools.cycle",
            "itertools.starmap",
            "itertools.zip_longest",
            "itertools.combinations_with_replacement",
            "itertools.chain.from_iterable",
            "itertools.pairwise",
            "itertools.groupby",
            "functools.reduce",
        ],
        C::Python,
        Custom(itertools),
    ),
    e(
        &[
            "csv.reader",
            "csv.writer",
            "csv.DictReader",
            "csv.DictWriter",
            "csv.writer.writerow",
            "csv.writer.writerows",
            "csv.DictWriter.writerow",
            "csv.DictWriter.writerows",
            "csv.DictWriter.writeheader",
        ],
        C::Io,
        Custom(csv_call),
    ),
    e(
        &[
            "super_proxy.__init__",
            "super_proxy.forward",
            "super_proxy.__call__",
        ],
        C::Other,
        Custom(misc),
    ),
    e(&["os.path.join"], C::Other, Custom(path_join)),
    e(&["os.path.getsize", "os.stat"], C::Io, Custom(getsize)),
    e(&["os.environ.get", "os.getenv"], C::Other, Custom(environ)),
    e(
        &[
            "os.cpu_count",
            "multiprocessing.cpu_count",
            "os.sched_getaffinity",
        ],
        C::Other,
        Custom(cpu_count),
    ),
    e(
        &[
            "open",
            "io.open",
            "gzip.open",
            "bz2.open",
            "lzma.open",
            "io.BytesIO",
            "io.StringIO",
            "tempfile.NamedTemporaryFile",
            "tempfile.TemporaryFile",
        ],
        C::Io,
        Custom(open),
    ),
    e(
        &[
            "file.read",
            "file.readlines",
            "file.readline",
            "file.write",
            "file.writelines",
            "file.close",
            "file.seek",
            "file.tell",
            "file.flush",
            "file.__enter__",
            "file.getvalue",
            "file.fileno",
            "pathlib.Path.read_bytes",
            "pathlib.Path.read_text",
        ],
        C::Io,
        Custom(file_ops),
    ),
    e(
        &[
            "time.time",
            "time.perf_counter",
            "time.monotonic",
            "time.process_time",
            "time.time_ns",
            "time.perf_counter_ns",
            "timeit.default_timer",
            "time.thread_time",
        ],
        C::Other,
        Custom(clock),
    ),
    e(&["time.sleep"], C::Other, Custom(sleep)),
    e(
        &[
            "random.random",
            "random.uniform",
            "random.gauss",
            "random.normalvariate",
            "random.expovariate",
            "random.betavariate",
            "random.triangular",
            "random.lognormvariate",
            "random.vonmisesvariate",
            "random.gammavariate",
            "random.paretovariate",
            "random.weibullvariate",
        ],
        C::Python,
        Custom(rand_scalar),
    ),
    e(
        &[
            "random.randint",
            "random.randrange",
            "random.getrandbits",
            "secrets.randbelow",
            "secrets.randbits",
        ],
        C::Python,
        Custom(rand_scalar),
    ),
    e(
        &["random.choice", "secrets.choice"],
        C::Python,
        Custom(rand_choice),
    ),
    e(
        &[
            "random.seed",
            "random.setstate",
            "random.getstate",
            "random.Random",
        ],
        C::Other,
        Custom(misc),
    ),
    e(
        &["random.shuffle", "random.sample", "random.choices"],
        C::Python,
        Custom(rand_seq),
    ),
    e(&["random.randbytes"], C::Crypto, Custom(randbytes)),
    e(
        &[
            "statistics.mean",
            "statistics.fmean",
            "statistics.median",
            "statistics.stdev",
            "statistics.pstdev",
            "statistics.variance",
            "statistics.pvariance",
            "statistics.mode",
            "statistics.geometric_mean",
            "statistics.harmonic_mean",
            "statistics.quantiles",
            "statistics.median_low",
            "statistics.median_high",
        ],
        C::Python,
        Custom(statistics),
    ),
    e(&["argparse.ArgumentParser"], C::Other, Custom(argparser)),
    e(
        &[
            "argparse.ArgumentParser.add_argument",
            "argparse.ArgumentParser.add_argument_group",
            "argparse.ArgumentParser.add_mutually_exclusive_group",
            "argparse.ArgumentParser.set_defaults",
            "argparse.ArgumentParser.print_help",
            "argparse.ArgumentParser.error",
        ],
        C::Other,
        Custom(add_argument),
    ),
    e(
        &[
            "argparse.ArgumentParser.parse_args",
            "argparse.ArgumentParser.parse_known_args",
        ],
        C::Other,
        Custom(parse_args),
    ),
];

// ---------- builtins ----------

fn len(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let v = ca.pos.first()?;
    match v.len() {
        Some(n) => Some(Value::Int(n)),
        None => match v {
            Value::Instance { class, .. } => match class.lookup("__len__") {
                Some(Value::Func(f)) => Some(it.call_dunder(&f, vec![v.clone()])),
                _ => Some(Value::Int(it.unknown_int("a length"))),
            },
            _ => Some(Value::Int(it.unknown_int(&format!("`{}`", ca.text)))),
        },
    }
}

fn int_arg(it: &mut dyn Host, v: &Value, what: &str) -> Sym {
    match v {
        Value::Int(s) => s.clone(),
        Value::Float(Some(f)) => Sym::num(f.floor()),
        Value::Bool(Some(b)) => Sym::from(*b as i64),
        _ => it.unknown_int(what),
    }
}

fn range(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let a: Vec<Sym> = ca
        .pos
        .iter()
        .map(|v| int_arg(it, v, "a range bound"))
        .collect();
    let (start, stop, step) = match a.as_slice() {
        [n] => (Sym::zero(), n.clone(), Sym::one()),
        [s, n] => (s.clone(), n.clone(), Sym::one()),
        [s, n, k, ..] => (s.clone(), n.clone(), k.clone()),
        [] => return None,
    };
    Some(Value::Range { start, stop, step })
}

fn enumerate(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let (n, elem) = it.iteration_named(ca.pos.first()?, &ca.text);
    Some(Value::homog(
        SeqKind::List,
        Value::tuple(vec![Value::Int(n.scale(0.5)), elem]),
        n,
    ))
}

fn zip(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let mut n: Option<Sym> = None;
    let mut elems = Vec::new();
    for v in &ca.pos {
        if let Value::Starred(inner) = v {
            // zip(*rows): transposes; each element is a column.
            let rows = inner.len().unwrap_or_else(Sym::one);
            let cols = inner.elem().len().unwrap_or_else(Sym::one);
            return Some(Value::homog(
                SeqKind::List,
                Value::homog(SeqKind::Tuple, inner.elem().elem(), rows),
                cols,
            ));
        }
        let (l, elem) = it.iteration_named(v, &ca.text);
        n = Some(match n {
            Some(m) => m.min(&l),
            None => l,
        });
        elems.push(elem);
    }
    Some(Value::homog(
        SeqKind::List,
        Value::tuple(elems),
        n.unwrap_or_else(Sym::zero),
    ))
}

fn py_reduce(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let name = ca.short();
    if ca.pos.len() >= 2 && name != "sum" {
        return Some(
            ca.pos
                .iter()
                .find(|v| !matches!(v, Value::Unknown))
                .cloned()
                .unwrap_or(Value::Unknown),
        );
    }
    let v = ca.pos.first()?;
    if let Value::Array(a) = v {
        // Python's sum over an array iterates its first axis.
        let a = a.clone();
        let n = a.size();
        it.emit(draft(
            C::Reduction,
            &format!("builtins.{name}"),
            n.clone(),
            a.nbytes(),
            Sym::zero(),
            Some(a.dtype),
            P::Interpreter,
            &[],
            format!(
                "{}, Python {name} over {} -> reduction",
                ca.text,
                shape_str(&a.shape)
            ),
        ));
        let row = a.shape.get(1..).map(|r| r.to_vec()).unwrap_or_default();
        return Some(if row.is_empty() {
            Value::Float(None)
        } else {
            it.new_array(row, a.dtype, a.lib, Origin::Plain)
        });
    }
    let n = v.len().unwrap_or_else(Sym::one);
    let items = it.num(&n);
    let k = items * walk_weight(&ca.name);
    it.ops(|o, m| o.walked += m * k);
    // `min(words, key=lambda w: cost(q, w))`: the key runs once per item,
    // and that is most of the work.
    match ca.kwarg("key") {
        Some(Value::Func(key)) if matches!(name, "min" | "max") => {
            it.call_times(key, vec![dict_keys(v.clone()).elem()], items);
        }
        Some(Value::None) | None => {}
        Some(_) => it.ops(|o, m| o.calls += items * m),
    }
    Some(match name {
        "any" | "all" => Value::Bool(None),
        _ => match v.elem() {
            Value::Int(_) if name == "sum" => Value::Int(Sym::var("total")),
            Value::Unknown => Value::Float(None),
            e => e,
        },
    })
}

/// What iterating over `v` yields, as a list, where `v` is a dict: its keys
/// (the analyser carries a dict's items as (key, value) pairs). Other
/// values as they are.
fn dict_keys(v: Value) -> Value {
    match &v {
        // A dict literal's keys, each as written.
        Value::Seq {
            kind: SeqKind::Dict,
            items: SeqItems::Known(pairs),
        } => {
            let keys: Option<Vec<Value>> = pairs
                .iter()
                .map(|p| match p {
                    Value::Seq {
                        items: SeqItems::Known(kv),
                        ..
                    } if kv.len() == 2 => Some(kv[0].clone()),
                    _ => None,
                })
                .collect();
            match keys {
                Some(keys) => Value::Seq {
                    kind: SeqKind::List,
                    items: SeqItems::Known(keys),
                },
                None => Value::homog(SeqKind::List, v.iter_elem(), Sym::num(pairs.len() as f64)),
            }
        }
        Value::Seq {
            kind: SeqKind::Dict,
            ..
        } => match v.len() {
            Some(n) => Value::homog(SeqKind::List, v.iter_elem(), n),
            None => v,
        },
        _ => v,
    }
}

fn sorted(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let v = dict_keys(ca.subject()?.realized());
    let n = v.len()?;
    let compares = n.mul(&n.log2());
    let f = it.num(&compares);
    // What runs in Python: the key function once per item, or else the
    // items' own `__lt__` at each comparison. What the sort then compares
    // (the keys, or the items) weighs each comparison.
    let compared = match ca.kwarg("key") {
        Some(Value::Func(key)) => {
            let items = it.num(&n);
            it.call_times(key, vec![v.elem()], items)
        }
        Some(Value::None) | None => {
            if let Some(order) = it.python_order(&v.elem()) {
                it.python_compares(order, v.elem(), v.elem(), f);
            }
            v.elem()
        }
        Some(_) => {
            let items = it.num(&n);
            it.ops(|o, m| o.calls += items * m);
            Value::Unknown
        }
    };
    let flops = compares.scale(sort_weight(&compared) * sort_size_factor(it.num(&n)));
    let in_place = ca.recv.is_some();
    let held = held_elsewhere(ca);
    it.emit(draft(
        C::Sort,
        "builtins.sorted",
        flops,
        n.scale(8.0),
        if in_place { Sym::zero() } else { n.scale(8.0) },
        None,
        P::Interpreter,
        &[],
        format!(
            "{}, {} items -> sort, {} comparisons",
            ca.text,
            n,
            crate::fmt::fmt_flops(f, "")
        ),
    ));
    if in_place {
        return Some(Value::None);
    }
    // Known strings without a key function (`sorted(BENCHMARKS)` over a
    // dict literal): their order is known, so a loop over the result sees
    // each one (and what a dict of functions maps it to).
    if let (
        None | Some(Value::None),
        Value::Seq {
            items: SeqItems::Known(xs),
            ..
        },
    ) = (ca.kwarg("key"), &v)
    {
        let texts: Option<Vec<&str>> = xs.iter().map(Value::as_text).collect();
        if let Some(mut texts) = texts {
            texts.sort_unstable();
            if matches!(ca.kwarg("reverse"), Some(Value::Bool(Some(true)))) {
                texts.reverse();
            }
            return Some(Value::Seq {
                kind: SeqKind::List,
                items: SeqItems::Known(texts.into_iter().map(Value::str_known).collect()),
            });
        }
    }
    Some(if held {
        Value::refs(SeqKind::List, v.elem(), n)
    } else {
        Value::homog(SeqKind::List, v.elem(), n)
    })
}

/// Whether the container a call copies (`sorted(rows)`, `list(xs)`) is
/// held by a name, so that the copy holds references to the same objects
/// (a generator's items are its own).
fn held_elsewhere(ca: &CallArgs) -> bool {
    let arg = ca.recv_expr.as_ref().or(ca.arg_exprs.first());
    // A generator bound to a name makes its own items (counting too much is
    // the safe side).
    let generated = ca.subject().is_some_and(Value::may_be_generator);
    !generated
        && arg.is_some_and(|e| {
            matches!(
                e.kind,
                ExprKind::Name(_) | ExprKind::Attribute { .. } | ExprKind::Subscript { .. }
            )
        })
}

/// `heapq`: the heap is a plain list the functions take as first argument.
/// A push or pop is the list's append or pop plus the sift's comparisons: a
/// push climbs about two levels on average, a pop sifts the last leaf down
/// the whole height, `log2(n)` levels of two comparisons each. Where the heap's
/// size is not known (it grows inside a loop), a heap of 4096 entries stands
/// for it.
/// `bisect.bisect*(a, x)` finds `x`'s place in the sorted list `a` in
/// `log2 n` comparisons (a key function runs at each); `insort*` then
/// inserts it there, shifting the half of the list after it.
fn bisect_ops(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let list = ca.pos.first().cloned();
    let n = list
        .as_ref()
        .and_then(Value::len)
        .map(|l| it.num(&l))
        .unwrap_or(0.0);
    let compares = (n + 1.0).log2().max(1.0);
    let keyed = ca.kwarg("key").is_some();
    it.ops(|o, m| {
        o.compare += compares * m;
        if keyed {
            o.py_calls += compares * m;
        }
    });
    let item = ca.pos.get(1).cloned();
    if let Some(order) = item.as_ref().and_then(|v| it.python_order(v)) {
        let v = item.clone().unwrap_or(Value::Unknown);
        it.python_compares(order, v.clone(), v, compares);
    }
    if !ca.short().starts_with("insort") {
        it.ops(|o, m| o.calls += m);
        return Some(Value::Int(Sym::num((n / 2.0).floor())));
    }
    let as_list = CallArgs {
        name: "list.insert".into(),
        recv: list,
        // Where is not known before the run: half-way on average.
        pos: vec![Value::Unknown, item.unwrap_or(Value::Unknown)],
        kw: vec![],
        text: ca.text.clone(),
        arg_exprs: vec![],
        recv_expr: ca.arg_exprs.first().cloned(),
        line: ca.line,
    };
    containers(it, &as_list)
}

/// Cold accesses one sift makes through a heap too big for the caches:
/// half a miss per cold level per object a comparison reads (a tuple's
/// first item is read through the tuple). A push climbs from a leaf, about
/// one level; a pop sifts through all of them.
fn heap_cold_accesses(it: &dyn Host, heap: &Value, whole_height: bool) -> f64 {
    let levels = crate::caches::cold_heap_levels(it.python_bytes(heap));
    if levels == 0.0 {
        return 0.0;
    }
    let reads = match heap.elem() {
        Value::Seq { .. } | Value::Instance { .. } | Value::Obj { .. } => 2.0,
        _ => 1.0,
    };
    0.5 * reads
        * if whole_height {
            levels
        } else {
            levels.min(1.0)
        }
}

/// Comparisons of one sift from the root of a heap `h` levels high. CPython
/// moves the hole down to a leaf with one comparison per level (the smaller
/// child), then sifts the last item back up from there, which rarely climbs:
/// about `h + 2`, not the two per level of a textbook sift-down.
fn sift_compares(h: f64) -> f64 {
    h + 2.0
}

fn heap_ops(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let short = ca.short();
    let heap = ca.pos.first().cloned();
    if let Some(h) = &heap {
        if short.starts_with("heap") && short != "heapify" {
            let cold = heap_cold_accesses(it, h, short != "heappush");
            it.ops(|o, m| o.cold_accesses += cold * m);
        }
    }
    let height = |v: &Option<Value>, it: &dyn Host| {
        let n = v
            .as_ref()
            .and_then(Value::len)
            .map(|l| it.num(&l))
            .unwrap_or(0.0);
        n.max(4096.0).log2()
    };
    match short {
        "heappushpop" | "heapreplace" => {
            // One in, one out: the list keeps its length.
            let h = height(&heap, it);
            it.ops(|o, m| {
                o.calls += m;
                o.compare += sift_compares(h) * m;
            });
            Some(heap.map(|h| h.elem()).unwrap_or(Value::Unknown))
        }
        "heappush" | "heappop" => {
            let h = height(&heap, it);
            let compares = if short == "heappush" {
                2.0
            } else {
                sift_compares(h)
            };
            it.ops(|o, m| o.compare += compares * m);
            let item = match short {
                "heappush" => ca.pos.get(1).cloned(),
                _ => heap.as_ref().map(Value::elem),
            };
            if let Some(order) = item.as_ref().and_then(|v| it.python_order(v)) {
                let v = item.unwrap_or(Value::Unknown);
                it.python_compares(order, v.clone(), v, compares);
            }
            let method = if short == "heappush" { "append" } else { "pop" };
            let as_list = CallArgs {
                name: format!("list.{method}"),
                recv: heap,
                pos: ca.pos.iter().skip(1).cloned().collect(),
                kw: vec![],
                text: ca.text.clone(),
                arg_exprs: ca.arg_exprs.iter().skip(1).cloned().collect(),
                recv_expr: ca.arg_exprs.first().cloned(),
                line: ca.line,
            };
            containers(it, &as_list)
        }
        "heapify" => {
            let n = heap.as_ref().and_then(Value::len).unwrap_or_else(Sym::one);
            let n = it.num(&n);
            it.ops(|o, m| {
                o.calls += m;
                o.compare += 2.0 * n * m;
            });
            Some(Value::None)
        }
        "nlargest" | "nsmallest" => {
            let k = ca
                .pos
                .first()
                .and_then(Value::as_sym)
                .unwrap_or_else(|| Sym::num(10.0));
            let src = ca.pos.get(1).cloned().unwrap_or(Value::Unknown);
            let n = src.len().map(|l| it.num(&l)).unwrap_or(0.0);
            let kn = it.num(&k).max(1.0);
            // Each item is compared with the heap's root; few replace it.
            let keyed = ca.kwarg("key").is_some();
            it.ops(|o, m| {
                o.calls += m;
                o.compare += (n + kn * kn.log2().max(1.0)) * m;
                if keyed {
                    o.py_calls += n * m;
                }
            });
            Some(Value::homog(SeqKind::List, src.elem(), k))
        }
        _ => {
            // merge: a lazy iterator over all the inputs' items.
            let n = Sym::sum(ca.pos.iter().filter_map(Value::len));
            let elem = ca.pos.first().map(Value::elem).unwrap_or(Value::Unknown);
            Some(Value::homog(SeqKind::Tuple, elem, n))
        }
    }
}

fn convert_seq(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let kind = match ca.short() {
        "tuple" => SeqKind::Tuple,
        "set" | "frozenset" => SeqKind::Set,
        "copy"
            if matches!(
                ca.subject(),
                Some(Value::Seq {
                    kind: SeqKind::Dict,
                    ..
                })
            ) =>
        {
            SeqKind::Dict
        }
        _ => SeqKind::List,
    };
    let v = match ca.subject() {
        Some(v) => v.clone(),
        // `set()` is an empty set, not an empty list: its methods must resolve.
        None => {
            return Some(Value::Seq {
                kind,
                items: SeqItems::Known(vec![]),
            })
        }
    };
    if ca.short() == "iter" {
        return Some(v);
    }
    // A generator's items, all made now and held by the new container; a
    // dict's keys (`list(d)`, `set(d)`), unless the dict is copied.
    let v = match kind {
        SeqKind::Dict => v.realized(),
        _ => dict_keys(v.realized()),
    };
    let same = |k: SeqKind| matches!(&v, Value::Seq { kind, .. } if *kind == k);
    // A set made from items keeps the distinct ones: as many as a run of
    // the program found, else all.
    let hashed = kind == SeqKind::Set && !same(SeqKind::Set);
    let share = if hashed {
        it.measured_key_share(crate::concrete::set_slot(ca.line))
            .unwrap_or(1.0)
    } else {
        1.0
    };
    if let Some(n) = v.len() {
        // A list or tuple copies the items' pointers; a set hashes and
        // inserts each.
        if hashed {
            let n = it.num(&n);
            fill_hashed(it, n, n * share, &v.elem(), HashedFill::Set);
        } else {
            let per = match kind {
                SeqKind::Set | SeqKind::Dict => walk_weight("dict_copy"),
                _ => walk_weight("copy"),
            };
            let k = it.num(&n) * per;
            it.ops(|o, m| o.walked += m * k);
        }
    }
    // (Realized above: the items are made, not lazy.)
    let v = match v {
        Value::Seq {
            kind: vk,
            items: SeqItems::Homog {
                elem, len, owned, ..
            },
        } if share < 1.0 => Value::partly_owned(vk, *elem, len.scale(share), owned),
        v => v,
    };
    match &v {
        Value::Seq {
            items: SeqItems::Homog { elem, len, .. },
            ..
        } if held_elsewhere(ca) => Some(Value::refs(kind, (**elem).clone(), len.clone())),
        Value::Seq { items, .. } => Some(Value::Seq {
            kind,
            items: items.clone(),
        }),
        Value::Array(a) => {
            let a = a.clone();
            let n = a.shape.first().cloned().unwrap_or_else(Sym::one);
            let elem = v.elem();
            let elem = match elem {
                Value::Unknown if a.ndim() == 1 => {
                    if a.dtype.is_float() {
                        Value::Float(None)
                    } else {
                        Value::Int(Sym::var("elem"))
                    }
                }
                Value::Unknown => {
                    it.view_of(&a, a.shape.get(1..).map(|r| r.to_vec()).unwrap_or_default())
                }
                e => e,
            };
            Some(Value::homog(kind, elem, n))
        }
        other => {
            let (n, elem) = it.iteration_named(other, &ca.text);
            Some(Value::homog(kind, elem, n))
        }
    }
}

fn dict(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    // Another dict's table is copied as it is; pairs are each hashed in.
    if let Some(v) = ca.pos.first() {
        if let Some(n) = v.realized().len() {
            let per = match v {
                Value::Seq {
                    kind: SeqKind::Dict,
                    ..
                } => walk_weight("dict_copy"),
                _ => walk_weight("pair_insert"),
            };
            let k = it.num(&n) * per;
            it.ops(|o, m| o.walked += m * k);
        }
    }
    let mut kv: Vec<Value> = ca
        .kw
        .iter()
        .map(|(k, v)| Value::tuple(vec![Value::str_known(k), v.clone()]))
        .collect();
    if let Some(Value::Seq {
        items: SeqItems::Known(items),
        kind: SeqKind::Dict,
    }) = ca.pos.first()
    {
        kv.extend(items.iter().cloned());
    } else if let Some(v) = ca.pos.first() {
        if let Some(n) = v.len() {
            return Some(Value::homog(SeqKind::Dict, v.elem(), n));
        }
    }
    Some(Value::Seq {
        kind: SeqKind::Dict,
        items: SeqItems::Known(kv),
    })
}

fn map(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let f = ca.pos.first()?.clone();
    let seq = ca.pos.get(1)?.clone();
    let (n, elem) = it.iteration_named(&seq, &ca.text);
    it.enter_loop(vec![], n.clone(), true);
    let out = match &f {
        Value::Func(func) => {
            let func = func.clone();
            it.call_function(&func, vec![elem], vec![])
        }
        Value::Lib(q) if q.as_ref() == "builtins.int" => Value::Int(Sym::var("elem")),
        Value::Lib(q) if q.as_ref() == "builtins.float" => Value::Float(None),
        _ => Value::Unknown,
    };
    it.exit_loop();
    Some(Value::homog(SeqKind::List, out, n))
}

fn filter(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let (n, elem) = it.iteration_named(ca.pos.get(1)?, &ca.text);
    // The predicate runs once per item; `filter(None, xs)` tests truth only.
    match ca.pos.first() {
        Some(Value::Func(pred)) => {
            let pred = pred.clone();
            it.enter_loop(vec![], n.clone(), true);
            it.call_function(&pred, vec![elem.clone()], vec![]);
            it.exit_loop();
        }
        Some(Value::None) | None => {}
        Some(_) => {
            let items = it.num(&n);
            it.ops(|o, m| o.calls += items * m);
        }
    }
    Some(Value::homog(SeqKind::List, elem, n.scale(0.5)))
}

fn next(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    Some(ca.pos.first().map(|v| v.elem()).unwrap_or(Value::Unknown))
}

/// Scalar builtins and math functions: interpreted, one call each.
fn scalar(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    it.ops(|o, m| o.float_arith += m);
    let name = ca.name.as_str();
    let first = ca.pos.first();
    Some(match name {
        "int" | "math.floor" | "math.ceil" | "math.trunc" | "round"
            if !(name == "round" && ca.pos.len() > 1) =>
        {
            match first {
                Some(Value::Str { text: Some(t), .. }) => {
                    match t.trim().replace('_', "").parse::<i64>() {
                        Ok(v) => Value::int(v),
                        Err(_) => match t.trim().parse::<f64>() {
                            Ok(f) => Value::Int(Sym::num(f.trunc())),
                            Err(_) => Value::Int(it.unknown_int(&format!("`{}`", ca.text))),
                        },
                    }
                }
                Some(Value::Str { .. }) => Value::Int(it.unknown_int(&format!("`{}`", ca.text))),
                Some(Value::Int(s)) => Value::Int(s.clone()),
                Some(Value::Float(Some(f))) => Value::Int(Sym::num(match name {
                    "math.ceil" => f.ceil(),
                    "round" => f.round(),
                    "math.floor" => f.floor(),
                    _ => f.trunc(),
                })),
                Some(Value::Array(_)) => Value::Int(Sym::var("elem")),
                Some(Value::Unknown) | None if name == "int" && first.is_none() => Value::int(0),
                _ => Value::Int(it.unknown_int(&format!("`{}`", ca.text))),
            }
        }
        "float" => match first {
            Some(Value::Str { text: Some(t), .. }) => Value::Float(t.trim().parse().ok()),
            Some(Value::Int(s)) => Value::Float(s.as_num()),
            Some(Value::Float(f)) => Value::Float(*f),
            _ => Value::Float(None),
        },
        "bool" => Value::Bool(None),
        "complex" => Value::Complex,
        "abs" => match first {
            Some(Value::Int(s)) => Value::Int(match s.as_num() {
                Some(v) => Sym::num(v.abs()),
                None => s.clone(),
            }),
            Some(Value::Float(f)) => Value::Float(f.map(f64::abs)),
            Some(Value::Complex) => Value::Float(None),
            Some(a @ Value::Array(_)) => {
                let a = a.clone();
                return super::numpy::map_rule(
                    it,
                    &CallArgs {
                        name: "numpy.abs".into(),
                        recv: None,
                        pos: vec![a],
                        kw: vec![],
                        text: ca.text.clone(),
                        arg_exprs: vec![],
                        recv_expr: None,
                        line: ca.line,
                    },
                    &super::lookup("numpy.abs")?,
                    1.0,
                    super::Out::Real,
                );
            }
            _ => Value::Float(None),
        },
        "math.isqrt" => match first.and_then(|v| v.as_sym()) {
            Some(s) => Value::Int(match s.as_num() {
                Some(v) => Sym::num(v.sqrt().floor()),
                None => s.pow(&Sym::num(0.5)),
            }),
            None => Value::Int(Sym::var("isqrt")),
        },
        "math.log2" => match first.and_then(|v| v.as_sym()) {
            Some(s) => Value::Float(s.as_num().map(f64::log2)),
            None => Value::Float(None),
        },
        "pow" if ca.pos.len() == 3 => {
            // Modular exponentiation: the core of RSA/Diffie-Hellman in pure Python.
            let bits = ca
                .pos
                .get(1)
                .and_then(|v| v.as_sym())
                .map(|s| s.log2_big())
                .unwrap_or_else(|| Sym::num(64.0));
            let mbits = ca
                .pos
                .get(2)
                .and_then(|v| v.as_sym())
                .map(|s| s.log2_big())
                .unwrap_or_else(|| Sym::num(64.0));
            let flops = bits.mul(&mbits).mul(&mbits).scale(1.5 / 64.0);
            it.emit(draft(
                C::Crypto,
                "builtins.pow_mod",
                flops,
                Sym::zero(),
                Sym::zero(),
                None,
                P::Interpreter,
                &[],
                format!("{}, modular exponentiation -> crypto", ca.text),
            ));
            Value::Int(Sym::var("residue"))
        }
        "divmod" => Value::tuple(vec![Value::Int(Sym::var("q")), Value::Int(Sym::var("r"))]),
        // Random integers stand for their expected value.
        "random.randint" | "random.randrange" | "secrets.randbelow" => {
            let a = ca.pos.first().and_then(|v| v.as_sym());
            let b = ca.pos.get(1).and_then(|v| v.as_sym());
            match (name, a, b) {
                ("random.randint", Some(a), Some(b)) => Value::Int(a.add(&b).scale(0.5)),
                ("random.randrange", Some(a), Some(b)) => {
                    Value::Int(a.add(&b).sub(&Sym::one()).scale(0.5))
                }
                (_, Some(n), None) => Value::Int(n.sub(&Sym::one()).scale(0.5)),
                _ => Value::Int(Sym::var("value")),
            }
        }
        "random.getrandbits" | "secrets.randbits" => match first.and_then(|v| v.as_sym()) {
            Some(k) => Value::Int(Sym::num(2.0).pow(&k.sub(&Sym::one()))),
            None => Value::Int(Sym::var("value")),
        },
        "ord" | "hash" | "id" | "math.gcd" | "math.lcm" | "math.factorial" | "math.comb"
        | "math.perm" => Value::Int(Sym::var("value")),
        "pow" | "operator.mul" | "operator.add" => match (ca.pos.first(), ca.pos.get(1)) {
            (Some(Value::Int(a)), Some(Value::Int(b))) => Value::Int(crate::value::int_op(
                match name {
                    "operator.add" => prescient_syntax::ast::BinOp::Add,
                    "operator.mul" => prescient_syntax::ast::BinOp::Mul,
                    _ => prescient_syntax::ast::BinOp::Pow,
                },
                a,
                b,
            )),
            _ => Value::Float(None),
        },
        "operator.xor" => Value::Int(Sym::var("value")),
        "math.isclose" | "math.isnan" | "math.isinf" | "math.isfinite" => Value::Bool(None),
        "cmath.exp" | "cmath.sqrt" | "cmath.rect" | "cmath.log" => Value::Complex,
        "cmath.polar" => Value::tuple(vec![Value::Float(None), Value::Float(None)]),
        _ => {
            // math.* and random floats: evaluate constant arguments where cheap.
            let x = first.and_then(|v| match v {
                Value::Int(s) => s.as_num(),
                Value::Float(f) => *f,
                _ => None,
            });
            Value::Float(match (name, x) {
                ("math.sqrt", Some(x)) if x >= 0.0 => Some(x.sqrt()),
                ("math.exp", Some(x)) => Some(x.exp()),
                ("math.log", Some(x)) if x > 0.0 && ca.pos.len() == 1 => Some(x.ln()),
                ("math.log10", Some(x)) if x > 0.0 => Some(x.log10()),
                ("math.sin", Some(x)) => Some(x.sin()),
                ("math.cos", Some(x)) => Some(x.cos()),
                _ => None,
            })
        }
    })
}

fn strings(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    it.ops(|o, m| o.other += m);
    let subject_len = ca.subject().and_then(|v| v.len());
    Some(match ca.name.as_str() {
        "str" | "repr" | "format" | "ascii" => match ca.pos.first() {
            Some(v @ Value::Str { .. }) => v.clone(),
            // An instance of the program's own class: its `__repr__` (or,
            // for `str` and `format`, its `__str__`) runs.
            Some(inst @ Value::Instance { class, .. }) => {
                let made = own_text_method(class, ca.name.as_str())
                    .map(|f| it.call_dunder(&f, vec![inst.clone()]));
                match made {
                    Some(s @ Value::Str { .. }) => s,
                    _ => Value::Str {
                        len: Sym::num(16.0),
                        text: None,
                        shared: false,
                    },
                }
            }
            Some(Value::Int(s)) => match s.as_int() {
                Some(i) => Value::str_known(&i.to_string()),
                // The digits of its typical value (as an f-string formats it).
                None => Value::Str {
                    len: crate::value::formatted_len(&Value::Int(s.clone())),
                    text: None,
                    shared: false,
                },
            },
            Some(Value::Array(a)) => Value::Str {
                len: a.size().scale(10.0).min(&Sym::num(2000.0)),
                text: None,
                shared: false,
            },
            _ => Value::Str {
                len: Sym::num(16.0),
                text: None,
                shared: false,
            },
        },
        "hex" | "bin" | "oct" => Value::Str {
            len: Sym::num(18.0),
            text: None,
            shared: false,
        },
        "chr" => Value::Str {
            len: Sym::one(),
            text: None,
            shared: false,
        },
        "input" => Value::Str {
            len: Sym::num(16.0),
            text: None,
            shared: false,
        },
        "bytes.hex" => Value::Str {
            len: subject_len.unwrap_or_else(Sym::one).scale(2.0),
            text: None,
            shared: false,
        },
        "bytes.decode" => Value::Str {
            len: subject_len.unwrap_or_else(Sym::one),
            text: None,
            shared: false,
        },
        "str.join" => {
            let parts = ca.pos.first()?;
            // A comprehension's items are made for the join, and held all
            // at once (CPython first makes a list of a generator's items).
            if parts.is_lazy()
                || ca
                    .arg_exprs
                    .first()
                    .is_some_and(|e| matches!(e.kind, ExprKind::Comp { .. }))
            {
                let bytes = it.python_bytes(&parts.realized());
                it.note_temp(bytes);
            }
            let n = parts.len().unwrap_or_else(Sym::one);
            let each = parts.elem().len().unwrap_or_else(Sym::one);
            let sep = subject_len.unwrap_or_else(Sym::zero);
            let len = n.mul(&each.add(&sep));
            // Splitting the text at the same separator gives the parts back.
            if let Some(sep) = ca.subject().and_then(|s| s.as_text()) {
                let size = it.num(&len);
                it.note_made(size, &format!("join:{sep}"), parts.clone());
            }
            Value::Str {
                len,
                text: None,
                shared: false,
            }
        }
        "str.format" => Value::Str {
            len: subject_len
                .unwrap_or_else(Sym::one)
                .add(&Sym::num(8.0 * ca.pos.len() as f64)),
            text: None,
            shared: false,
        },
        _ => match ca.subject() {
            Some(Value::Str { len, text, .. }) => {
                let t = text.as_ref().map(|t| match ca.short() {
                    "upper" => Arc::from(t.to_uppercase()),
                    "lower" => Arc::from(t.to_lowercase()),
                    "strip" => Arc::from(t.trim()),
                    _ => t.clone(),
                });
                let len = t
                    .as_ref()
                    .map(|t| Sym::from(t.chars().count()))
                    .unwrap_or_else(|| len.clone());
                Value::Str {
                    len,
                    text: t,
                    shared: false,
                }
            }
            _ => Value::Str {
                len: Sym::num(16.0),
                text: None,
                shared: false,
            },
        },
    })
}

fn str_split(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let s = ca.subject()?;
    if let (Some(t), "split" | "splitlines") = (s.as_text(), ca.short()) {
        let sep = ca.pos.first().and_then(|v| v.as_text());
        let parts: Vec<Value> = match sep {
            _ if ca.short() == "splitlines" => t.lines().map(Value::str_known).collect(),
            Some(sep) if !sep.is_empty() => t.split(sep).map(Value::str_known).collect(),
            _ => t.split_whitespace().map(Value::str_known).collect(),
        };
        if parts.len() <= 256 {
            // Each part is a new string, known text or not.
            let made = parts.len() as f64 * walk_weight("split_part");
            it.ops(|o, m| o.walked += made * m);
            return Some(Value::list(parts));
        }
    }
    let n = s.len().unwrap_or_else(Sym::one);
    let sep = ca.arg(0, "sep").and_then(|v| v.as_text());
    // Text the program joined at this separator splits into what it joined.
    let sep_key = match (ca.short(), sep) {
        ("splitlines", _) => Some("\n"),
        ("split" | "rsplit", Some(s)) => Some(s),
        // At runs of whitespace: what was joined with a space.
        ("split" | "rsplit", None) => Some(" "),
        _ => None,
    };
    if let Some(parts) = sep_key.and_then(|k| it.made(it.num(&n), &format!("join:{k}"))) {
        if let (Some(len), e @ (Value::Str { .. } | Value::Bytes { .. })) =
            (parts.len(), parts.elem())
        {
            let made = it.num(&len) * walk_weight("split_part");
            it.ops(|o, m| o.walked += made * m);
            let parts = Value::homog(SeqKind::List, unshared(e), len);
            let bytes = it.python_bytes(&parts);
            it.note_temp(bytes);
            return Some(parts);
        }
    }
    // Without the text, assume 8-character fields, 80 for lines; at most
    // `maxsplit + 1` of them.
    let each = if ca.short() == "splitlines" || sep.is_some_and(|s| s.contains('\n')) {
        80.0
    } else {
        8.0
    };
    let most = ca
        .arg(1, "maxsplit")
        .and_then(|v| v.as_sym())
        .and_then(|k| k.as_num())
        .filter(|k| *k >= 0.0);
    let elem = if matches!(s, Value::Bytes { .. }) {
        Value::Bytes {
            len: Sym::num(each),
        }
    } else {
        Value::Str {
            len: Sym::num(each),
            text: None,
            shared: false,
        }
    };
    let count = match most {
        Some(k) => n.div(&Sym::num(each)).min(&Sym::num(k + 1.0)),
        None => n.div(&Sym::num(each)),
    };
    // Each part is a new string: measured 14-20 ns a part beyond the call.
    let made = it.num(&count) * walk_weight("split_part");
    it.ops(|o, m| o.walked += made * m);
    let parts = Value::homog(SeqKind::List, elem, count);
    // The parts are new objects, alive together however the list is used
    // (a loop over it holds it to the end).
    let bytes = it.python_bytes(&parts);
    it.note_temp(bytes);
    Some(parts)
}

fn bytes_ops(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let subject_len = ca.subject().and_then(|v| v.len());
    Some(match ca.name.as_str() {
        "str.encode" => Value::Bytes {
            len: subject_len.unwrap_or_else(Sym::one),
        },
        "bytes" | "bytearray" => match ca.pos.first() {
            Some(Value::Int(n)) => {
                let n = n.clone();
                if it.num(&n) >= 1e6 {
                    let b = it.num(&n);
                    it.emit(draft(
                        C::Memory,
                        &format!("builtins.{}", ca.name),
                        Sym::zero(),
                        n.clone(),
                        n.clone(),
                        Some(DType::UInt8),
                        P::Serial,
                        &[],
                        format!("{}, allocates {} -> memory", ca.text, fmt_bytes(b)),
                    ));
                }
                Value::Bytes { len: n }
            }
            Some(v) => Value::Bytes {
                len: v.len().unwrap_or_else(Sym::one),
            },
            None => Value::Bytes { len: Sym::zero() },
        },
        "bytes.fromhex" | "bytearray.fromhex" => Value::Bytes {
            len: ca
                .pos
                .first()
                .and_then(|v| v.len())
                .unwrap_or_else(Sym::one)
                .scale(0.5),
        },
        "memoryview" => ca.pos.first().cloned().unwrap_or(Value::Unknown),
        "bytes.join" => {
            let parts = ca.pos.first()?;
            Value::Bytes {
                len: parts
                    .len()
                    .unwrap_or_else(Sym::one)
                    .mul(&parts.elem().len().unwrap_or_else(Sym::one)),
            }
        }
        "int.to_bytes" => Value::Bytes {
            len: ca
                .pos
                .first()
                .and_then(|v| v.as_sym())
                .unwrap_or_else(|| Sym::num(8.0)),
        },
        "int.from_bytes" | "int.bit_length" | "str.find" | "str.index" | "str.count"
        | "str.rfind" | "bytes.find" | "bytes.count" => Value::Int(Sym::var("value")),
        _ => Value::Bool(None),
    })
}

/// The items a list method steps through or shifts in C: `index` and
/// `remove` scan to the item (half the list on average, `count` all of it),
/// and taking out or putting in before the end (`pop(0)`, `insert(0, x)`,
/// `remove`) shifts the slots after it. A deque's ends cost nothing.
fn list_walk(it: &dyn Host, recv: &Value, short: &str, ca: &CallArgs) -> (f64, f64) {
    let is_list = matches!(
        recv,
        Value::Seq {
            kind: SeqKind::List,
            ..
        }
    );
    if !is_list {
        return (0.0, 0.0);
    }
    let n = recv.len().map(|l| it.num(&l)).unwrap_or(0.0);
    // Slots after index `i` (a negative index counts from the end; an
    // unknown one is taken to be in the middle).
    let after = |i: Option<&Value>| -> f64 {
        match i.and_then(|v| v.as_sym()).and_then(|s| s.as_num()) {
            Some(i) if i < 0.0 => (-i - 1.0).min(n),
            Some(i) => (n - i).max(0.0),
            None => n / 2.0,
        }
    };
    // The share of the list after index `i`, however long it grows: all of
    // it after a small index, none from the end, half for an unknown one.
    let share_after = |i: Option<&Value>| -> f64 {
        match i.and_then(|v| v.as_sym()).and_then(|s| s.as_num()) {
            Some(i) if i < 0.0 => 0.0,
            Some(_) => 1.0,
            None => 0.5,
        }
    };
    let (walked, per_item) = match short {
        "index" => (n / 2.0, 0.5 * walk_weight("scan")),
        "count" => (n, walk_weight("scan")),
        "remove" => (n / 2.0, 0.5 * (walk_weight("scan") + walk_weight("shift"))),
        "pop" if !ca.pos.is_empty() => (
            after(ca.pos.first()),
            share_after(ca.pos.first()) * walk_weight("shift"),
        ),
        "insert" => (
            after(ca.pos.first()),
            share_after(ca.pos.first()) * walk_weight("shift_in"),
        ),
        _ => (0.0, 0.0),
    };
    let weight = match short {
        "index" | "count" => walk_weight("scan"),
        "remove" => walk_weight("scan") + walk_weight("shift"),
        "pop" => walk_weight("shift"),
        "insert" => walk_weight("shift_in"),
        _ => 0.0,
    };
    (walked * weight, per_item)
}

/// Mutating container methods rebind the receiver so that lengths stay right.
fn containers(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let recv = ca.recv.clone()?;
    // The receiver as it is now: an argument may have changed it since it
    // was read (`ks.append(ks.pop(0))` appends to the shortened list).
    let held = ca
        .recv_expr
        .as_ref()
        .filter(|e| matches!(e.kind, ExprKind::Name(_) | ExprKind::Attribute { .. }));
    let recv = match held.and_then(|e| it.peek(e)) {
        Some(now @ Value::Seq { .. }) if matches!(recv, Value::Seq { .. }) => now,
        _ => recv,
    };
    let short = ca.short();
    it.ops(|o, m| o.calls += m);
    let len = recv.len().unwrap_or_else(Sym::zero);
    let (walked, per_item) = list_walk(it, &recv, short, ca);
    if walked > 0.0 {
        it.ops(|o, m| o.walked += m * walked);
    }
    if per_item > 0.0 {
        if let Some(target) = &ca.recv_expr {
            let n = recv.len().map(|l| it.num(&l)).unwrap_or(0.0);
            it.note_walk(target, per_item, n);
        }
    }
    // A key hashed in Python (an enum's member, an object with its own
    // `__hash__`, a frozen dataclass).
    if matches!(
        short,
        "add" | "discard" | "remove" | "get" | "setdefault" | "pop"
    ) {
        if let Some(k) = ca.pos.first() {
            it.hash_key(&recv, k);
        }
    }
    let (new_recv, result) = match short {
        "append" | "add" | "appendleft" => {
            let x = ca.pos.first().cloned().unwrap_or(Value::Unknown);
            // An instance another container holds (`a.nbrs.append(b)` with
            // `b = self.nodes[j]`): the list holds references to it.
            // The share of the adds that bring an object of their own: none
            // for an instance another container holds, one in `k` for the
            // same object added each time round an inner loop of `k`
            // iterations (`for tok in words: index[tok].append(title)`).
            let owned_add = if matches!(x, Value::Instance { .. }) && it.held_in_container(&x) {
                0.0
            } else {
                ca.arg_exprs
                    .first()
                    .and_then(|e| e.as_name())
                    .and_then(|n| it.inner_loop_repeats(n))
                    .map_or(1.0, |k| 1.0 / k)
            };
            let kind = match &recv {
                Value::Seq { kind, .. } => *kind,
                _ => SeqKind::List,
            };
            let v = match &recv {
                Value::Bytes { len } => Value::Bytes {
                    len: len.add(&Sym::one()),
                },
                Value::Seq {
                    items: SeqItems::Known(items),
                    ..
                } if items.len() < 16 && !it.in_loop() => {
                    let mut items = items.clone();
                    items.push(x);
                    Value::Seq {
                        kind,
                        items: SeqItems::Known(items),
                    }
                }
                _ => {
                    let seeded = matches!(
                        recv,
                        Value::Seq {
                            items: SeqItems::Known(_),
                            ..
                        }
                    );
                    let elem = match recv.elem() {
                        Value::Unknown => x,
                        // A list written out with a few items and then filled
                        // in a loop holds mostly what the loop adds.
                        _ if seeded && !matches!(x, Value::Unknown) => x,
                        e if matches!(x, Value::Array(_)) => {
                            if matches!(e, Value::Array(_)) {
                                x
                            } else {
                                e
                            }
                        }
                        e => e,
                    };
                    // A set gains only elements it does not hold yet: as
                    // their variety says, or as a run of the program found.
                    // An object hashed by its fields is as varied as they are,
                    // not as its construction: only a run knows that.
                    let by_value = matches!(ca.pos.first(),
                        Some(Value::Instance { class, .. }) if class.hashes_by_value());
                    let grow = match (kind, &ca.recv_expr, ca.arg_exprs.first()) {
                        (SeqKind::Set, Some(set), Some(x)) => {
                            let share = it.set_key_share(set, (!by_value).then_some(x));
                            it.num(&share)
                        }
                        _ => it.branch_share(),
                    };
                    let before = it.num(&len);
                    let owned = (before * recv.owned_share() + grow * owned_add)
                        / (before + grow).max(1e-9);
                    Value::partly_owned(kind, elem, len.add(&Sym::num(grow)), owned)
                }
            };
            (Some(v), Value::None)
        }
        "extend" | "update"
            if !matches!(
                recv,
                Value::Seq {
                    kind: SeqKind::Dict,
                    ..
                }
            ) || short == "update" =>
        {
            let other = ca.pos.first().cloned().unwrap_or(Value::Unknown);
            let add = other
                .len()
                .unwrap_or_else(Sym::one)
                .scale(it.branch_share());
            if let Value::Bytes { len } = &recv {
                let v = Value::Bytes { len: len.add(&add) };
                if let Some(target) = &ca.recv_expr {
                    it.mark_accumulated_target(target);
                    it.assign(target, v);
                }
                return Some(Value::None);
            }
            let elem = match recv.elem() {
                Value::Unknown => other.elem(),
                e => e,
            };
            let kind = match &recv {
                Value::Seq { kind, .. } => *kind,
                _ => SeqKind::List,
            };
            (Some(Value::homog(kind, elem, len.add(&add))), Value::None)
        }
        "insert" => (
            Some(Value::homog(
                SeqKind::List,
                recv.elem(),
                len.add(&Sym::one()),
            )),
            Value::None,
        ),
        "pop" | "popleft" | "popitem" | "remove" | "discard" => {
            let elem = recv.elem();
            // A dict written out key by key keeps its known entries; one
            // that grew in a loop loses one entry per pop.
            let v = if matches!(
                recv,
                Value::Seq {
                    kind: SeqKind::Dict,
                    items: SeqItems::Known(_),
                }
            ) {
                None
            } else {
                Some(Value::homog(
                    match &recv {
                        Value::Seq { kind, .. } => *kind,
                        _ => SeqKind::List,
                    },
                    elem.clone(),
                    len.sub(&Sym::num(it.branch_share())).clamp0(),
                ))
            };
            // `d.pop(k)` gives the value; `popitem` the (key, value) pair.
            let out = match (&recv, short, &elem) {
                (
                    Value::Seq {
                        kind: SeqKind::Dict,
                        ..
                    },
                    "pop",
                    Value::Seq {
                        items: SeqItems::Known(pair),
                        ..
                    },
                ) if pair.len() == 2 => pair[1].clone(),
                _ => elem,
            };
            (v, out)
        }
        "clear" => (Some(Value::list(vec![])), Value::None),
        "get" | "setdefault" => {
            let key = ca.pos.first().and_then(|k| k.as_text()).map(str::to_string);
            let found = match (&recv, key) {
                (
                    Value::Seq {
                        items: SeqItems::Known(kv),
                        ..
                    },
                    Some(k),
                ) => kv.iter().find_map(|p| match p {
                    Value::Seq {
                        items: SeqItems::Known(pair),
                        ..
                    } if pair.first().and_then(|x| x.as_text()) == Some(k.as_str()) => {
                        pair.get(1).cloned()
                    }
                    _ => None,
                }),
                _ => None,
            };
            if short == "setdefault" && found.is_none() {
                setdefault(it, ca, &recv, len)
            } else {
                (
                    None,
                    found
                        .or_else(|| ca.pos.get(1).cloned())
                        .unwrap_or(Value::Unknown),
                )
            }
        }
        "keys" | "values" | "items" if matches!(&recv, Value::Seq { kind: SeqKind::Dict, items: SeqItems::Known(kv) } if kv.len() <= 64) =>
        {
            // A dict written out key by key: its views are known item by
            // item (`for name, step in STEPS.items():` runs each step).
            let Value::Seq {
                items: SeqItems::Known(kv),
                ..
            } = &recv
            else {
                unreachable!("matched above")
            };
            (
                None,
                Value::list(kv.iter().map(|p| view_part(p, short)).collect()),
            )
        }
        "keys" | "values" | "items" => {
            let e = view_part(&recv.elem(), short);
            (None, Value::homog(SeqKind::List, e, len))
        }
        "index" | "count" => (None, Value::Int(Sym::var("index"))),
        "union" | "intersection" | "difference" | "copy" => (None, recv.clone()),
        _ => (None, Value::None),
    };
    if let (Some(v), Some(target)) = (new_recv, &ca.recv_expr) {
        if !store_through_dict(it, target, &recv, v.clone()) {
            it.mark_accumulated_target(target);
            it.assign(target, v);
        }
    }
    Some(result)
}

/// What a dict's view (`keys`, `values`, `items`) gives for one of its
/// entries, which the analyser carries as a (key, value) pair.
fn view_part(pair: &Value, view: &str) -> Value {
    match (pair, view) {
        (
            Value::Seq {
                items: SeqItems::Known(p),
                ..
            },
            "keys",
        ) => p.first().cloned().unwrap_or(Value::Unknown),
        (
            Value::Seq {
                items: SeqItems::Known(p),
                ..
            },
            "values",
        ) => p.get(1).cloned().unwrap_or(Value::Unknown),
        _ => pair.clone(),
    }
}

/// `d.setdefault(k, v)` under a key not written out: the dict gains the key
/// as often as a counting store would (`d[k] += 1`), and gives what it holds
/// under a key (its values' average), or `v` while it is empty. Returns the
/// dict as it is after, and the value given.
fn setdefault(it: &mut dyn Host, ca: &CallArgs, recv: &Value, len: Sym) -> (Option<Value>, Value) {
    let default = ca.pos.get(1).cloned().unwrap_or(Value::None);
    let held = match recv.elem() {
        Value::Seq {
            items: SeqItems::Known(pair),
            ..
        } if pair.len() == 2 && it.num(&len) >= 1.0 => Some(pair[1].clone()),
        _ => None,
    };
    let (Some(dict), Some(key_expr)) = (&ca.recv_expr, ca.arg_exprs.first()) else {
        return (None, held.unwrap_or(default));
    };
    let share = it.key_share(dict, Some(key_expr), true);
    let key = ca.pos.first().cloned().unwrap_or(Value::Unknown);
    let value = held.unwrap_or(default);
    let grown = Value::homog(
        SeqKind::Dict,
        Value::tuple(vec![key, value.clone()]),
        len.add(&share),
    );
    (Some(grown), value)
}

/// `d[k].append(x)`, `d[k].add(x)`, `rows[i].append(x)`: a mutation of a
/// container's element: for a dict, its value under a
/// key that is not a literal. Such keys repeat (grouping, inverted indexes,
/// adjacency lists), so the dict gains a key only as often as a counting
/// store would, or never if it already held keys, and its
/// values hold the items between them: the value's length is kept as the
/// average over keys, `(K M + added) / (K + share)`. Returns false where the
/// target is not of that shape.
///
/// `d.setdefault(k, []).append(x)` is the same mutation; the call to
/// `setdefault` has already given the dict its new key.
fn store_through_dict(it: &mut dyn Host, target: &Expr, old: &Value, new: Value) -> bool {
    let (value, index, keyed) = match &target.kind {
        ExprKind::Subscript { value, index } => (&**value, &**index, false),
        ExprKind::Call { func, args, .. } => match (&func.kind, args.first()) {
            (ExprKind::Attribute { value, attr }, Some(index)) if attr == "setdefault" => {
                (&**value, index, true)
            }
            _ => return false,
        },
        _ => return false,
    };
    if !matches!(value.kind, ExprKind::Name(_) | ExprKind::Attribute { .. }) {
        return false;
    }
    let Some(dict) = it.peek(value) else {
        return false;
    };
    let (is_dict, items) = match &dict {
        Value::Seq {
            kind: SeqKind::Dict,
            items,
        } => (true, items),
        Value::Seq {
            kind: SeqKind::List,
            items: items @ SeqItems::Homog { .. },
        } => (false, items),
        _ => return false,
    };
    let key = it.peek(index).unwrap_or(Value::Unknown);
    if matches!(items, SeqItems::Known(_)) && key.as_text().is_some() {
        return false;
    }
    let (Some(m_old), Some(m_new)) = (old.len(), new.len()) else {
        return false;
    };
    let k = dict.len().unwrap_or_else(Sym::zero);
    // A plain dict raises on a missing key, so one that already holds keys
    // is mutated under them; only an empty one (a fresh `defaultdict`) gains keys.
    let share = if is_dict && !keyed && it.num(&k) < 1.0 {
        it.key_share(value, Some(index), true)
    } else {
        Sym::zero()
    };
    let added = m_new.sub(&m_old);
    let k_new = k.add(&share);
    if it.num(&k_new) <= 0.0 {
        return false;
    }
    let m = k.mul(&m_old).add(&added).div(&k_new);
    let elem = match &new {
        // Items held by reference stay so (the same title under each of
        // its words).
        Value::Seq { kind, .. } => Value::partly_owned(*kind, new.elem(), m, new.owned_share()),
        other => other.clone(),
    };
    it.mark_accumulated_target(value);
    let whole = if is_dict {
        Value::homog(SeqKind::Dict, Value::tuple(vec![key, elem]), k_new)
    } else {
        Value::homog(SeqKind::List, elem, k_new)
    };
    it.assign(value, whole);
    true
}

fn print(it: &mut dyn Host, _: &CallArgs) -> Option<Value> {
    it.ops(|o, m| o.calls += m * 4.0);
    Some(Value::None)
}

/// `namedtuple("Point", "x y")` (or `["x", "y"]`, or `NamedTuple("Point",
/// [("x", float), ...])`): a record class with those fields, as if written
/// `class Point(NamedTuple): x: ...; y: ...`, so that its calls build
/// records whose fields the program reads by name.
fn named_tuple_class(ca: &CallArgs) -> Option<Value> {
    let name = ca.pos.first()?.as_text()?.to_string();
    let spec = ca.pos.get(1).or_else(|| ca.kwarg("field_names"))?;
    let fields: Vec<String> = match spec {
        Value::Str { text: Some(t), .. } => field_names(t),
        Value::Seq {
            items: SeqItems::Known(items),
            ..
        } => items
            .iter()
            .filter_map(|f| match f {
                Value::Seq {
                    items: SeqItems::Known(pair),
                    ..
                } => pair.first().and_then(Value::as_text).map(str::to_string),
                v => v.as_text().map(str::to_string),
            })
            .collect(),
        _ => return None,
    };
    Some(Value::Class(std::rc::Rc::new(record_class(
        name, fields, ca.line,
    ))))
}

/// The field names of `namedtuple("P", "x y")` or `"x, y"`.
pub(crate) fn field_names(spec: &str) -> Vec<String> {
    spec.replace(',', " ")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The class `namedtuple(name, fields)` makes, as if written `class
/// name(NamedTuple): field: ...` at `line`. Shared with the executor, so
/// that both see the same record.
pub(crate) fn record_class(name: String, fields: Vec<String>, line: u32) -> ClassVal {
    use prescient_syntax::ast::{ClassDef, Span, Stmt, StmtKind};
    let span = Span {
        line,
        col: 0,
        end_line: line,
    };
    let body = fields
        .into_iter()
        .map(|f| Stmt {
            span,
            kind: StmtKind::AnnAssign {
                target: Expr {
                    span,
                    kind: ExprKind::Name(f),
                },
                value: None,
            },
        })
        .collect();
    let def = ClassDef {
        name: name.clone(),
        bases: vec![],
        body,
        decorators: vec![],
        span,
    };
    ClassVal {
        name,
        def: Arc::new(def),
        bases: vec![Value::Lib(Arc::from("typing.NamedTuple"))],
        attrs: std::cell::RefCell::new(Default::default()),
    }
}

/// What `copy.deepcopy` costs to copy `v`, in plain-call units (7 ns
/// here): Python code in `copy.py` runs per object it reaches, with a memo
/// lookup each. Measured on the reference node over a thousand items: an
/// int, float or string 170-210 ns, a list 260 ns beyond its items, a dict
/// 350 ns and its keys, a tuple 690 ns, an instance or dataclass 2.9 us
/// beyond its attributes (through `__reduce_ex__` and a new `__dict__`).
pub(crate) fn deepcopy_units(it: &dyn Host, v: &Value, depth: u32) -> f64 {
    const ATOM: f64 = 27.0;
    if depth > 6 {
        return ATOM;
    }
    match v {
        Value::Seq { kind, items } => {
            let (head, per_key) = match kind {
                SeqKind::List => (37.0, 0.0),
                SeqKind::Set => (49.0, 0.0),
                SeqKind::Dict => (49.0, ATOM),
                SeqKind::Tuple => (97.0, 0.0),
            };
            // A dict's item is carried as a (key, value) pair: the key is
            // counted by `per_key`, the pair's tuple not at all.
            let item = |e: &Value| match (kind, e) {
                (
                    SeqKind::Dict,
                    Value::Seq {
                        items: SeqItems::Known(kv),
                        ..
                    },
                ) if kv.len() == 2 => per_key + deepcopy_units(it, &kv[1], depth + 1),
                _ => per_key + deepcopy_units(it, e, depth + 1),
            };
            head + match items {
                SeqItems::Known(vs) => vs.iter().map(item).sum::<f64>(),
                SeqItems::Homog { elem, len, .. } => it.num(len) * item(elem),
            }
        }
        Value::Instance { attrs, .. } => {
            408.0
                + attrs
                    .borrow()
                    .values()
                    .map(|a| ATOM + deepcopy_units(it, a, depth + 1))
                    .sum::<f64>()
        }
        _ => ATOM,
    }
}

fn misc(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    Some(match ca.name.as_str() {
        "isinstance" | "issubclass" | "callable" | "hasattr" | "os.path.exists"
        | "os.path.isfile" | "os.path.isdir" => Value::Bool(None),
        "copy.deepcopy" => {
            let v = ca.pos.first().cloned().unwrap_or(Value::Unknown);
            let units = deepcopy_units(it, &v, 0);
            it.ops(|o, m| o.calls += units * m);
            // A new copy: its objects are its own.
            v.unshared()
        }
        "copy.copy" | "typing.cast" => ca.pos.last().cloned().unwrap_or(Value::Unknown),
        "collections.namedtuple" | "typing.NamedTuple" => {
            named_tuple_class(ca).unwrap_or(Value::Unknown)
        }
        "functools.lru_cache"
        | "functools.cache"
        | "functools.wraps"
        | "staticmethod"
        | "classmethod"
        | "property"
        | "dataclasses.dataclass"
        | "contextlib.contextmanager"
        | "abc.abstractmethod" => ca.pos.first().cloned().unwrap_or(Value::Unknown),
        "os.path.basename" | "os.path.dirname" | "os.path.abspath" | "os.getcwd" => Value::Str {
            len: Sym::num(32.0),
            text: None,
            shared: false,
        },
        "random.Random" => Value::new_obj("random.Random"),
        "super" => it.super_proxy(),
        _ => Value::None,
    })
}

fn getattr(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let obj = ca.pos.first()?.clone();
    match ca.pos.get(1).and_then(|v| v.as_text()) {
        Some(name) => {
            let name = name.to_string();
            let v = it.attribute(obj, &name);
            Some(match v {
                Value::Unknown => ca.pos.get(2).cloned().unwrap_or(Value::Unknown),
                v => v,
            })
        }
        None => Some(
            dispatch_by_prefix(&obj, ca.arg_exprs.get(1))
                .or_else(|| ca.pos.get(2).cloned())
                .unwrap_or(Value::Unknown),
        ),
    }
}

/// `getattr(self, "on_" + ev.kind)`: a method picked by a name the program
/// builds from a fixed prefix. The candidates are the class's methods whose
/// names start with it; calling the result runs each in an equal share
/// (`Interp::call_value`). None where there is no prefix or no candidate.
fn dispatch_by_prefix(obj: &Value, name: Option<&Expr>) -> Option<Value> {
    let Value::Instance { class, .. } = obj else {
        return None;
    };
    let ExprKind::BinOp {
        left,
        op: prescient_syntax::ast::BinOp::Add,
        ..
    } = &name?.kind
    else {
        return None;
    };
    let ExprKind::Str(prefix) = &left.kind else {
        return None;
    };
    let mut names = Vec::new();
    method_names(class, &mut names);
    names.retain(|n| n.starts_with(&**prefix) && n.len() > prefix.len());
    names.sort();
    names.dedup();
    if names.is_empty() {
        return None;
    }
    let attrs: std::collections::BTreeMap<String, Value> = names
        .into_iter()
        .filter_map(|n| match class.lookup(&n) {
            Some(Value::Func(f)) => Some((
                n,
                Value::Method {
                    func: f,
                    recv: Box::new(obj.clone()),
                },
            )),
            _ => None,
        })
        .collect();
    Some(Value::Obj {
        class: std::sync::Arc::from(DISPATCH),
        attrs: std::rc::Rc::new(std::cell::RefCell::new(attrs)),
    })
}

/// The class of the value `dispatch_by_prefix` returns: one of the methods
/// it holds, each as likely.
pub(crate) const DISPATCH: &str = "prescient.dispatch";

fn method_names(class: &ClassVal, out: &mut Vec<String>) {
    out.extend(
        class
            .attrs
            .borrow()
            .iter()
            .filter(|(_, v)| matches!(v, Value::Func(_)))
            .map(|(k, _)| k.clone()),
    );
    for b in &class.bases {
        if let Value::Class(c) = b {
            method_names(c, out);
        }
    }
}

fn path_join(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let parts: Option<Vec<&str>> = ca.pos.iter().map(|v| v.as_text()).collect();
    Some(match parts {
        Some(p) => {
            let mut out = std::path::PathBuf::new();
            for x in p {
                out.push(x);
            }
            Value::str_known(&out.to_string_lossy())
        }
        None => Value::Str {
            len: Sym::num(32.0),
            text: None,
            shared: false,
        },
    })
}

fn getsize(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let path = ca.pos.first()?;
    let size = match path.as_text() {
        Some(p) => it
            .written(p)
            .map(|(s, _)| Sym::num(s))
            .or_else(|| it.probe().size(p).map(|s| Sym::num(s as f64))),
        None => None,
    };
    let size = size.unwrap_or_else(|| {
        it.unknown(
            "file_size",
            1e6,
            format!(
                "size of the file in `{}` is not known at analysis time",
                ca.text
            ),
        )
    });
    if ca.name == "os.stat" {
        let st = Value::new_obj("os.stat_result");
        if let Value::Obj { attrs, .. } = &st {
            attrs
                .borrow_mut()
                .insert("st_size".into(), Value::Int(size));
        }
        return Some(st);
    }
    Some(Value::Int(size))
}

fn environ(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let key = ca
        .pos
        .first()
        .and_then(|v| v.as_text())
        .unwrap_or("?")
        .to_string();
    match ca.pos.get(1) {
        Some(default) => {
            it.note(format!(
                "environment variable {key} is assumed unset (its default is used)"
            ));
            Some(default.clone())
        }
        None => Some(Value::Str {
            len: Sym::num(8.0),
            text: None,
            shared: false,
        }),
    }
}

fn cpu_count(it: &mut dyn Host, _: &CallArgs) -> Option<Value> {
    let n = it.unknown(
        "cpu_count",
        2.0,
        "the core count of the node the job will run on; assumed 2".into(),
    );
    Some(Value::Int(n))
}

fn open(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let mode = ca
        .arg(1, "mode")
        .and_then(|v| v.as_text())
        .unwrap_or("r")
        .to_string();
    let binary = mode.contains('b') || ca.name == "io.BytesIO";
    let named: Option<Arc<str>> = ca
        .pos
        .first()
        .and_then(|p| p.as_text())
        .filter(|_| !ca.name.starts_with("io.") && !ca.name.starts_with("tempfile"))
        .map(Arc::from);
    // An in-memory file is tracked like a file on disk, under a name of its
    // own, so that what is written to it is there to read back.
    if matches!(ca.name.as_str(), "io.StringIO" | "io.BytesIO") {
        let n = it
            .setting("io.memory_files")
            .and_then(|v| v.as_sym())
            .and_then(|s| s.as_num())
            .unwrap_or(0.0);
        it.set_setting("io.memory_files", Value::Float(Some(n + 1.0)));
        let path: Arc<str> = Arc::from(format!("<memory {n}>"));
        // Made afresh in each iteration of the loops around: what is
        // written to it over all of them is shared out among that many.
        it.set_setting(
            &format!("io.made:{path}"),
            Value::Float(Some(it.mult_num())),
        );
        let initial = ca
            .pos
            .first()
            .and_then(Value::len)
            .unwrap_or_else(Sym::zero);
        it.wrote(path.to_string(), (it.num(&initial), None));
        return Some(Value::File {
            size: initial,
            binary,
            path: Some(path),
        });
    }
    if mode.contains('w')
        || mode.contains('a')
        || ca.name.starts_with("io.")
        || ca.name.starts_with("tempfile")
    {
        if let (Some(p), false) = (&named, mode.contains('a')) {
            // Opening for writing truncates.
            it.wrote(p.to_string(), (0.0, None));
        }
        return Some(Value::File {
            size: Sym::zero(),
            binary,
            path: named,
        });
    }
    let size = match ca.pos.first() {
        Some(p) => match p.as_text() {
            // A file the program wrote itself has the size it wrote.
            Some(path) => match (it.written(path), it.probe().size(path)) {
                (Some((s, _)), _) => Sym::num(s),
                (None, Some(s)) => Sym::num(s as f64),
                (None, None) => it.unknown("file_size", 1e6, format!("size of `{path}` is not known (the file does not exist at analysis time); assumed 1000000")),
            },
            None => it.unknown("file_size", 1e6, format!("the file opened by `{}` is not known; assumed 1000000 bytes", ca.text)),
        },
        None => Sym::zero(),
    };
    Some(Value::File {
        size,
        binary,
        path: named,
    })
}

fn file_ops(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let (size, binary, path) = match ca.recv.as_ref()? {
        Value::File { size, binary, path } => (size.clone(), *binary, path.clone()),
        _ => (Sym::num(1e6), false, None),
    };
    let short = ca.short();
    let content = |n: Sym| {
        if binary {
            Value::Bytes { len: n }
        } else {
            Value::Str {
                len: n,
                text: None,
                shared: false,
            }
        }
    };
    Some(match short {
        "read" | "read_bytes" | "read_text" | "getvalue" => {
            // An in-memory file's value is all that was written to it (its
            // object made afresh in each iteration of the loops around
            // holds a share).
            let size = match (&path, short) {
                (Some(p), "getvalue") => match it.written(p) {
                    Some((chars, _)) => {
                        let made = memory_setting(it, "io.made", p).max(1.0);
                        let lines = memory_setting(it, "io.lines", p) / made;
                        let n = chars / made;
                        // Its lines are the lines written: splitting it
                        // gives them back.
                        if lines >= 2.0 && !binary {
                            let line = Value::Str {
                                len: Sym::num((n / lines).round().max(1.0)),
                                text: None,
                                shared: false,
                            };
                            let parts = Value::homog(SeqKind::List, line, Sym::num(lines.round()));
                            it.note_made(n, "join:\n", parts);
                        }
                        Sym::num(n)
                    }
                    None => size,
                },
                _ => size,
            };
            let n = match ca.pos.first().and_then(|v| v.as_sym()) {
                Some(k) if k.as_num().is_none_or(|x| x >= 0.0) => k.min(&size),
                _ => size.clone(),
            };
            let b = it.num(&n);
            it.emit(draft(
                C::Io,
                "file.read",
                Sym::zero(),
                n.clone(),
                n.clone(),
                None,
                P::Serial,
                &[],
                format!("{}, reads {} -> io", ca.text, fmt_bytes(b)),
            ));
            content(n)
        }
        "readlines" => Value::homog(
            SeqKind::List,
            content(Sym::num(80.0)),
            size.div(&Sym::num(80.0)),
        ),
        "readline" => content(Sym::num(80.0)),
        "write" | "writelines" => {
            let n = ca
                .pos
                .first()
                .and_then(|v| v.len())
                .unwrap_or_else(Sym::one);
            // `writelines` writes every line; each execution adds to the file.
            let n = match (short, ca.pos.first()) {
                ("writelines", Some(lines)) => n.mul(&lines.elem().len().unwrap_or_else(Sym::one)),
                _ => n,
            };
            if let Some(p) = &path {
                let before = it.written(p).map(|w| w.0).unwrap_or(0.0);
                let added = it.num(&n) * it.mult_num();
                it.wrote(p.to_string(), (before + added, None));
                if p.starts_with("<memory") && short == "write" {
                    let breaks = line_breaks_written(ca);
                    let lines = memory_setting(it, "io.lines", p) + breaks * it.mult_num();
                    it.set_setting(&format!("io.lines:{p}"), Value::Float(Some(lines)));
                }
            }
            if it.num(&n) >= 1e5 {
                let b = it.num(&n);
                it.emit(draft(
                    C::Io,
                    "file.write",
                    Sym::zero(),
                    n.clone(),
                    Sym::zero(),
                    None,
                    P::Serial,
                    &[],
                    format!("{}, writes {} -> io", ca.text, fmt_bytes(b)),
                ));
            } else {
                it.ops(|o, m| o.calls += m);
            }
            Value::Int(n)
        }
        "__enter__" => ca.recv.clone()?,
        _ => Value::None,
    })
}

/// A number kept per in-memory file (`io.made`: how many times its object
/// is made; `io.lines`: the line breaks written to it), 0 when unset.
fn memory_setting(it: &dyn Host, key: &str, path: &str) -> f64 {
    it.setting(&format!("{key}:{path}"))
        .and_then(|v| v.as_sym())
        .and_then(|s| s.as_num())
        .unwrap_or(0.0)
}

/// The line breaks one `write` call adds: those of its text when known,
/// else those its source spells (`f"{a},{b}\n"`, `line + "\n"`).
fn line_breaks_written(ca: &CallArgs) -> f64 {
    if let Some(t) = ca.pos.first().and_then(|v| v.as_text()) {
        return t.matches('\n').count() as f64;
    }
    ca.arg_exprs.first().map(spelled_breaks).unwrap_or(0.0)
}

/// The line breaks an expression's literal text holds: a string literal's,
/// an f-string's text between its values, both sides of a `+`.
fn spelled_breaks(e: &Expr) -> f64 {
    match &e.kind {
        ExprKind::Str(t) => t.matches('\n').count() as f64,
        ExprKind::FString { template, .. } => template
            .iter()
            .map(|p| match p {
                FPiece::Text(t) => t.matches('\n').count() as f64,
                FPiece::Value { .. } => 0.0,
            })
            .sum(),
        ExprKind::BinOp {
            op: BinOp::Add,
            left,
            right,
        } => spelled_breaks(left) + spelled_breaks(right),
        _ => 0.0,
    }
}

fn clock(it: &mut dyn Host, _: &CallArgs) -> Option<Value> {
    it.ops(|o, m| o.calls += m);
    Some(Value::Float(None))
}

fn sleep(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let secs = ca
        .pos
        .first()
        .and_then(|v| v.as_sym())
        .unwrap_or_else(Sym::zero);
    let s = it.num(&secs);
    // Sleeping is wall time with no CPU and no work: it carries its seconds.
    let idx = it.emit(draft(
        C::Other,
        "time.sleep",
        Sym::zero(),
        Sym::zero(),
        Sym::zero(),
        None,
        P::Serial,
        &[],
        format!("{}, sleeps {s} s", ca.text),
    ));
    let total = s * it.mult_num();
    if let Some(k) = it.kernel_mut(idx) {
        k.seconds = Some(total);
    }
    Some(Value::None)
}

/// What one call of a built-in costs the interpreter, in units of a plain
/// one (`len(x)`, `abs(x)`, about 10 ns): built-ins differ far more than
/// one class can say. Measured on the reference node (Python 3.11, AMD EPYC)
/// in a loop over the call, loop overhead taken away, and divided by
/// `len(l)`'s time; the fitted cost of `calls` is per unit. Work that grows
/// with an argument (`sum` of a list, `sorted`) is costed apart, by its
/// handler; this is the fixed part. Calls not listed weigh one.
pub fn builtin_call_weight(qual: &str) -> f64 {
    match qual {
        "len" | "abs" | "ord" | "chr" | "bool" | "id" => 1.0,
        "isinstance" | "issubclass" | "getattr" | "hasattr" => 1.2,
        "dict.get" | "hash" | "math.sqrt" | "math.floor" | "math.ceil" | "math.fabs" => 1.6,
        "float" | "tuple" | "str.lower" | "str.upper" | "str.strip" | "math.exp" | "math.log"
        | "math.sin" | "math.cos" => 1.8,
        "dict.items" | "dict.keys" | "dict.values" => 2.0,
        "list.append" => 2.2,
        "int" => 2.7,
        "divmod" | "any" | "all" | "str.join" => 2.9,
        "str.split" => 3.1,
        "str" | "repr" => 3.4,
        "list" | "set" | "dict" | "range" => 3.7,
        "str.startswith" | "str.endswith" => 4.0,
        "math.hypot" | "math.dist" => 4.8,
        "enumerate" | "reversed" => 5.2,
        "max" | "min" => 5.7,
        "zip" => 8.0,
        "round" => 8.0,
        // `super()` builds a proxy, and the lookup through it is generic:
        // `super().f()` took 96 ns against 38 for `Base.f(self)`, an
        // `__init__` through it 110 ns more (CPython 3.11).
        "super" => 9.0,
        // Classes written in Python, or with Python set-up: an empty
        // `Counter()` runs its `__init__` and `update` (452 ns against 15
        // for `{}`); `defaultdict(int)` 84 ns.
        "collections.Counter" => 57.0,
        "collections.defaultdict" => 10.0,
        _ => 1.0,
    }
}

/// What one comparison of a sort costs, relative to one between two floats
/// or ints (`SORT_COMPARE_PER_FLOAT_OP` in the cost model): measured on
/// the reference node over 100-1,000 items, strings 1.4 and tuples 2.3.
pub fn sort_weight(item: &Value) -> f64 {
    match item {
        Value::Float(_) | Value::Int(_) | Value::Bool(_) => 1.0,
        Value::Str { .. } | Value::Bytes { .. } => 1.4,
        _ => 2.3,
    }
}

/// How much more a comparison costs when a sort has many items: past a
/// thousand, the items no longer sit in the caches and each comparison
/// follows two pointers into memory. Measured on the reference node on
/// random floats, per `n log2 n`: 2.9 ns at 1,000 items, 7.1 at 10,000,
/// 8.8 at 100,000, 11.0 at a million; interpolated in `log n` between.
pub fn sort_size_factor(n: f64) -> f64 {
    const POINTS: [(f64, f64); 4] = [(1e3, 1.0), (1e4, 2.45), (1e5, 3.0), (1e6, 3.8)];
    if n <= POINTS[0].0 {
        return 1.0;
    }
    for w in POINTS.windows(2) {
        let ((x0, y0), (x1, y1)) = (w[0], w[1]);
        if n <= x1 {
            let t = (n.ln() - x0.ln()) / (x1.ln() - x0.ln());
            return y0 + t * (y1 - y0);
        }
    }
    POINTS[3].1
}

/// What one item costs a built-in that steps through a container in C,
/// relative to one step of `x in xs` over a list (`PyOps::walked`).
/// Measured on the reference node over lists of 100-1,000 items: `max` and
/// `min` 6.2-6.4 ns per item, `sum` 2.5 (ints) to 3.4 (floats), `any` 2.6,
/// copying into a new list or tuple (`xs[a:b]`, `list(xs)`) 3.2-4.1, a
/// set or dict built from strings 26-31, a part `str.split` makes 14-20,
/// a slot `xs.pop(0)` (or `del xs[:k]`) shifts 0.11-0.16 ns (a `memmove`),
/// and a slot `xs.insert(i, x)` shifts 0.54-0.57 (CPython moves those one
/// at a time), over lists of 15,000-100,000 items.
pub fn walk_weight(what: &str) -> f64 {
    match what {
        "max" | "min" => 1.45,
        "sum" | "math.prod" => 0.7,
        "math.fsum" => 1.5,
        "any" | "all" => 0.6,
        "copy" => 0.8,
        "hash_insert" => 6.5,
        // `set(items)`: 6.5 ns an item of strings or small ints.
        "set_insert" => 1.5,
        // Each part of a tuple key, at each lookup: hashed, and compared
        // where found (6.6 ns a part).
        "tuple_key_part" => 1.5,
        "split_part" => 3.5,
        // Copying a dict or set into a new one of the same kind (`dict(d)`,
        // `d.copy()`, `s.copy()`): its table is copied as it is, 2.4-3.1
        // ns an item at 1,000 items.
        "dict_copy" => 0.6,
        // A dict built from key-value pairs (`dict(pairs)`): 18.5 ns a pair
        // at 1,000 pairs.
        "pair_insert" => 4.2,
        // A character of a string copied into a new one (a slice).
        "char_copy" => 0.05,
        "scan" => 1.0,
        "shift" => 0.035,
        "shift_in" => 0.125,
        _ => 1.0,
    }
}

/// What formatting one value into text costs the interpreter, in the units
/// of [`builtin_call_weight`] as the fitted model costs them (a `calls`
/// unit, 7.7 ns on the reference node): `str(x)`, an f-string's `{x}`, one
/// field of `str.format` or `%`. Floats dominate: their shortest repr
/// (`str(0.1)`, `f"{x}"`) takes about 210 ns, a fixed precision
/// (`f"{x:.4f}"`) about 155 ns; an int 74 ns, 135 ns with a spec
/// (`f"{i:02d}"`); a string only its copy. Measured on the reference node
/// (Python 3.11, AMD EPYC) over 400,000 values each, the comprehension
/// around them taken away: five fields of each kind together took 447 ns,
/// these weights give 440. `specced` is whether a format spec is given.
pub fn format_weight(v: &Value, specced: bool) -> f64 {
    match v {
        Value::Float(_) if specced => 20.0,
        Value::Float(_) => 27.0,
        Value::Complex => 40.0,
        Value::Str { .. } => 0.3,
        Value::Int(_) | Value::Bool(_) | Value::None if specced => 17.5,
        Value::Int(_) | Value::Bool(_) | Value::None => 9.6,
        Value::Array(a) if a.shape.is_empty() => 27.0,
        _ => 9.6,
    }
}

/// [`builtin_call_weight`] for one call with its arguments: conversions to
/// text weigh what formatting their argument costs.
pub fn call_weight(qual: &str, pos: &[Value]) -> f64 {
    match (qual, pos.first()) {
        ("str" | "repr" | "format", Some(v)) => format_weight(v, qual == "format" && pos.len() > 1),
        // The template is parsed, then each field formatted and joined
        // (measured: `'<td>{}</td>'.format(v)` 137 ns for a string, 150 for
        // an int, 266 for a float).
        ("str.format", _) => 14.0 + pos.iter().map(|v| format_weight(v, false)).sum::<f64>(),
        _ => builtin_call_weight(qual),
    }
}

/// The operations `random.py` itself runs for one draw: most of the module
/// is Python code (`randrange` -> `_randbelow` -> `getrandbits`), several
/// times the cost of the one call the caller sees.
fn random_module_ops(short: &str, rounds: f64) -> PyOps {
    // `_randbelow`: `len`, the bit length and the method lookups, then a
    // `getrandbits` per rejection round (`rejection_rounds`). Measured on
    // the reference node: `rng.choice` of 255 items (one round) 142 ns a
    // draw, of 256 (two) 172 ns.
    let below = PyOps {
        py_calls: 1.0,
        calls: 4.0 + rounds,
        attr: 2.0 + rounds,
        compare: rounds,
        loop_iters: rounds,
        ..PyOps::default()
    };
    let mut ops = PyOps::default();
    match short {
        "random" | "getrandbits" | "randbits" => {}
        "randrange" | "randint" | "randbelow" => {
            ops.add(&below);
            // randrange's own frame, its `_index` conversions and checks;
            // randint adds a frame that calls it.
            let extra = if short == "randint" { 1.0 } else { 0.0 };
            ops.add(&PyOps {
                py_calls: 1.0 + extra,
                calls: 3.0,
                int_arith: 2.0 + extra,
                compare: 3.0,
                attr: 1.0,
                ..PyOps::default()
            });
        }
        "choice" => {
            ops.add(&below);
            ops.add(&PyOps {
                py_calls: 1.0,
                calls: 1.0,
                indexing: 1.0,
                attr: 1.0,
                ..PyOps::default()
            });
        }
        "shuffle" | "sample" => {
            // Per element: a `_randbelow` and a swap or a pick.
            ops.add(&below);
            ops.add(&PyOps {
                loop_iters: 1.0,
                indexing: 4.0,
                int_arith: 1.0,
                ..PyOps::default()
            });
        }
        "choices" => {
            ops.add(&PyOps {
                loop_iters: 1.0,
                calls: 2.0,
                float_arith: 1.0,
                indexing: 1.0,
                ..PyOps::default()
            });
        }
        // uniform: one frame of float arithmetic around `random()`.
        "uniform" => ops.add(&PyOps {
            py_calls: 1.0,
            calls: 1.0,
            float_arith: 3.0,
            attr: 1.0,
            ..PyOps::default()
        }),
        // The other distributions: a frame of float arithmetic, `log`,
        // `sqrt` or `cos` calls, and rejection loops, weighed by what each
        // costs (`distribution_weight`).
        _ => ops.add(
            &PyOps {
                py_calls: 1.0,
                calls: 3.0,
                float_arith: 10.0,
                attr: 2.0,
                compare: 2.0,
                ..PyOps::default()
            }
            .scaled(distribution_weight(short)),
        ),
    }
    ops
}

/// What one draw of a `random` distribution costs, relative to `gauss`'s
/// rough bundle of operations (about 180 ns here). Measured on the
/// reference node (Python 3.11) per draw, the loop taken away: uniform 68
/// ns, expovariate 123, paretovariate 109, weibullvariate 164, triangular
/// 154, gauss 233, normalvariate 316 (Kinderman-Monahan rejection),
/// lognormvariate 339, vonmisesvariate 435, gammavariate 497, betavariate
/// 1,052 (two gamma draws).
fn distribution_weight(short: &str) -> f64 {
    match short {
        "expovariate" => 0.68,
        "paretovariate" => 0.6,
        "weibullvariate" => 0.9,
        "triangular" => 0.85,
        "gauss" => 1.28,
        "normalvariate" => 1.74,
        "lognormvariate" => 1.86,
        "vonmisesvariate" => 2.4,
        "gammavariate" => 2.7,
        "betavariate" => 5.8,
        _ => 1.0,
    }
}

/// Draws `_randbelow(n)` takes on average: it draws `n`'s bit length of
/// random bits until they fall below `n`, so `2^bits / n` of them (one for
/// 255, two for 256). About 1.39 over sizes not known.
fn rejection_rounds(n: Option<f64>) -> f64 {
    match n {
        Some(n) if (1.0..1e18).contains(&n) => {
            let bits = 64 - (n as u64).leading_zeros();
            2f64.powi(bits as i32) / n
        }
        _ => 1.39,
    }
}

fn add_random_ops(it: &mut dyn Host, short: &str, times: f64, rounds: f64) {
    let ops = random_module_ops(short, rounds).scaled(times);
    it.ops(|o, m| o.add(&ops.scaled(m)));
}

fn rand_scalar(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    if ca.name.starts_with("random.") {
        // The size `_randbelow` draws below: `randint(a, b)` has b - a + 1
        // values, `randrange(a, b, step)` (b - a) / step, `randrange(n)` n.
        let num = |i: usize| ca.pos.get(i).and_then(|v| v.as_sym()).map(|s| it.num(&s));
        let n = match (ca.short(), num(0), num(1), num(2)) {
            ("randint", Some(a), Some(b), None) => Some(b - a + 1.0),
            ("randrange", Some(a), Some(b), step) => Some(((b - a) / step.unwrap_or(1.0)).ceil()),
            ("randrange", Some(n), None, None) => Some(n),
            _ => None,
        };
        add_random_ops(it, ca.short(), 1.0, rejection_rounds(n));
    }
    scalar(it, ca)
}

fn rand_choice(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    it.ops(|o, m| o.calls += m);
    if ca.name.starts_with("random.") {
        let n = ca.pos.first().and_then(|v| v.len()).map(|l| it.num(&l));
        add_random_ops(it, "choice", 1.0, rejection_rounds(n));
    }
    // The pick is one of the sequence's own items.
    Some(
        ca.pos
            .first()
            .map(|v| v.elem().shared())
            .unwrap_or(Value::Unknown),
    )
}

fn rand_seq(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let v = ca.pos.first()?;
    let n = v.len().unwrap_or_else(Sym::one);
    let k = it.num(&n);
    let draws = match ca.short() {
        "shuffle" => k,
        "sample" => ca
            .pos
            .get(1)
            .and_then(|x| x.as_sym())
            .map(|s| it.num(&s))
            .unwrap_or(k),
        _ => ca
            .kwarg("k")
            .and_then(|x| x.as_sym())
            .map(|s| it.num(&s))
            .unwrap_or(1.0),
    };
    add_random_ops(it, ca.short(), draws, 1.39);
    if matches!(ca.short(), "sample" | "choices") {
        // The call's own set-up in `random.py`: argument checks, the
        // population's length, the choice of method (`sample` picks by a
        // set or a pool, `choices` builds cumulative weights). Measured:
        // `sample(range(2000), 4)` 1.7 us, of which the four picks are 0.6.
        it.ops(|o, m| {
            o.py_calls += m;
            o.calls += 12.0 * m;
            o.int_arith += 8.0 * m;
            o.compare += 6.0 * m;
            o.attr += 6.0 * m;
            o.alloc += 2.0 * m;
            o.other += 10.0 * m;
        });
    }
    // The picks of a list or tuple are its own items, held by it: the new
    // list holds references (`rng.choices(vocab, k=n)` is n slots over a
    // vocabulary's words). A range's picks are new numbers.
    let picks = |len: Sym| match v {
        Value::Seq { kind, .. } if *kind != SeqKind::Dict => {
            Value::refs(SeqKind::List, v.elem().shared(), len)
        }
        _ => Value::homog(SeqKind::List, v.elem(), len),
    };
    Some(match ca.short() {
        "shuffle" => Value::None,
        "sample" => picks(ca.pos.get(1).and_then(|x| x.as_sym()).unwrap_or(n)),
        _ => picks(
            ca.kwarg("k")
                .and_then(|x| x.as_sym())
                .unwrap_or_else(Sym::one),
        ),
    })
}

fn randbytes(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let n = ca.pos.first()?.as_sym()?;
    it.emit(draft(
        C::Crypto,
        "random.randbytes",
        n.scale(0.5),
        n.clone(),
        n.clone(),
        Some(DType::UInt8),
        P::Serial,
        &[],
        format!("{}, {} bytes -> crypto", ca.text, n),
    ));
    Some(Value::Bytes { len: n })
}

fn statistics(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let v = ca.pos.first()?;
    let n = v.len().unwrap_or_else(Sym::one);
    let sort = matches!(
        ca.short(),
        "median" | "median_low" | "median_high" | "quantiles" | "mode"
    );
    let flops = if sort {
        n.mul(&n.log2()).scale(sort_size_factor(it.num(&n)))
    } else {
        n.scale(
            if ca.short().contains("dev") || ca.short().contains("variance") {
                6.0
            } else {
                3.0
            },
        )
    };
    let f = it.num(&flops);
    it.emit(draft(
        if sort { C::Sort } else { C::Reduction },
        &ca.name,
        flops,
        n.scale(8.0),
        Sym::zero(),
        None,
        P::Interpreter,
        &[],
        format!(
            "{}, {} items -> interpreted {} ({})",
            ca.text,
            n,
            if sort { "sort" } else { "reduction" },
            crate::fmt::fmt_flops(f, "op")
        ),
    ));
    Some(Value::Float(None))
}

fn collection(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let src = ca.pos.first();
    Some(match (ca.short(), src) {
        ("Counter", Some(v)) => {
            // At most one entry per element: as many as a run of the
            // program found distinct (a text's vocabulary), else half.
            let share = it.measured_key_share(ca.line).unwrap_or(0.5);
            if let Some(n) = v.len() {
                let n = it.num(&n);
                fill_hashed(it, n, n * share, &v.elem(), HashedFill::Counter);
            }
            let n = v.len().unwrap_or_else(Sym::one).scale(share);
            Value::homog(
                SeqKind::Dict,
                Value::tuple(vec![v.elem(), Value::Int(Sym::var("count"))]),
                n,
            )
        }
        ("deque", Some(v)) => match v.len() {
            Some(n) => Value::homog(SeqKind::List, v.elem(), n),
            None => Value::list(vec![]),
        },
        ("deque", None) => Value::list(vec![]),
        // An empty dict whose missing keys read as the factory's value, so that
        // `d[k].append(x)` and `d[k] += 1` reach a list or a number.
        ("defaultdict", Some(f)) => match default_value(f) {
            Some(v) => Value::homog(
                SeqKind::Dict,
                Value::tuple(vec![Value::Unknown, v]),
                Sym::zero(),
            ),
            None => Value::Seq {
                kind: SeqKind::Dict,
                items: SeqItems::Known(vec![]),
            },
        },
        _ => Value::Seq {
            kind: SeqKind::Dict,
            items: SeqItems::Known(vec![]),
        },
    })
}

/// How a table is filled in C from items.
#[derive(Clone, Copy, PartialEq)]
enum HashedFill {
    /// `set(items)`: each item hashed and inserted once.
    Set,
    /// `Counter(items)`: each item looked up, then stored with its count
    /// (26 ns an item over ten letters).
    Counter,
}

/// Costs filling a table in C from `n` items of which `distinct` are new
/// keys (`Counter(words)`, `set(pairs)`). A tuple key is hashed anew at
/// each lookup, from its parts (not cached as a string's hash is), and
/// compared part by part where it is found (measured: `set` of 2-tuples
/// 20 ns an item against 6.5 for strings, `Counter` 55 against 26). Once
/// the table outgrows the caches each lookup is likely to miss
/// (`Counter` of bigrams, 250 thousand distinct of 1.5 million: 454 ns an
/// item against 76 for 2500 distinct).
fn fill_hashed(it: &mut dyn Host, n: f64, distinct: f64, key: &Value, how: HashedFill) {
    let parts = match key {
        Value::Seq {
            kind: SeqKind::Tuple,
            items,
        } => match items {
            SeqItems::Known(v) => v.len() as f64,
            SeqItems::Homog { len, .. } => it.num(len),
        },
        _ => 0.0,
    };
    let (per, lookups, entry) = match how {
        HashedFill::Set => (walk_weight("set_insert"), 1.0, 34.0),
        HashedFill::Counter => (walk_weight("hash_insert"), 2.0, 44.0),
    };
    let k = n * (per + lookups * parts * walk_weight("tuple_key_part"));
    // The table's slots and each key it compares against.
    let key_bytes = if matches!(key, Value::Str { shared: true, .. }) {
        0.0
    } else {
        it.python_bytes(key)
    };
    let cold = n * crate::caches::filling_miss_share(n, distinct, entry + key_bytes);
    it.ops(|o, m| {
        o.walked += m * k;
        o.cold_accesses += m * cold;
    });
}

/// What a `defaultdict` factory returns for a missing key.
fn default_value(factory: &Value) -> Option<Value> {
    let Value::Lib(q) = factory else {
        return None;
    };
    Some(match q.as_ref() {
        "builtins.list" => Value::list(vec![]),
        "builtins.set" => Value::Seq {
            kind: SeqKind::Set,
            items: SeqItems::Known(vec![]),
        },
        "builtins.dict" => Value::Seq {
            kind: SeqKind::Dict,
            items: SeqItems::Known(vec![]),
        },
        "builtins.int" => Value::Int(Sym::zero()),
        "builtins.float" => Value::Float(None),
        _ => return None,
    })
}

fn most_common(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let recv = ca.recv.as_ref()?;
    let n = recv.len().unwrap_or_else(Sym::one);
    // All entries are sorted; the top `k` come from `heapq.nlargest`, one
    // pass comparing each entry with the smallest of `k` kept.
    let top = ca.pos.first().and_then(|v| v.as_sym());
    let flops = match &top {
        Some(k) => n.mul(&k.log2().max(&Sym::one())),
        None => n.mul(&n.log2()),
    };
    it.emit(draft(
        C::Sort,
        "collections.Counter.most_common",
        flops,
        n.scale(16.0),
        n.scale(8.0),
        None,
        P::Interpreter,
        &[],
        format!("{}, {} entries -> sort", ca.text, n),
    ));
    Some(Value::homog(SeqKind::List, recv.elem(), top.unwrap_or(n)))
}

/// Size of a `struct` format: standard sizes, repeat counts, `s` strings.
fn struct_size(fmt: &str) -> f64 {
    let mut total = 0.0;
    let mut count = String::new();
    for c in fmt.chars() {
        if c.is_ascii_digit() {
            count.push(c);
            continue;
        }
        let n: f64 = count.parse().unwrap_or(1.0);
        count.clear();
        let size = match c {
            'x' | 'c' | 'b' | 'B' | '?' | 's' | 'p' => 1.0,
            'h' | 'H' | 'e' => 2.0,
            'i' | 'I' | 'l' | 'L' | 'f' => 4.0,
            'q' | 'Q' | 'd' | 'n' | 'N' | 'P' => 8.0,
            _ => 0.0,
        };
        total += n * size;
    }
    total
}

fn struct_ops(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    it.ops(|o, m| o.calls += m);
    let fmt = ca.pos.first().and_then(|v| v.as_text()).unwrap_or("");
    let size = Sym::num(struct_size(fmt));
    Some(match ca.short() {
        "pack" => Value::Bytes { len: size },
        "calcsize" => Value::Int(size),
        "unpack" | "unpack_from" => {
            let n = fmt
                .chars()
                .filter(|c| c.is_ascii_alphabetic() && *c != 'x')
                .count()
                .max(1);
            let reps: f64 = fmt
                .trim_start_matches(['<', '>', '!', '=', '@'])
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect::<String>()
                .parse()
                .unwrap_or(1.0);
            let elem = if fmt.contains(['f', 'd', 'e']) {
                Value::Float(None)
            } else {
                Value::Int(Sym::var("field"))
            };
            Value::homog(SeqKind::Tuple, elem, Sym::num(reps.max(n as f64)))
        }
        _ => Value::None,
    })
}

fn itertools(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let lens: Vec<Sym> = ca
        .pos
        .iter()
        .map(|v| v.len().unwrap_or_else(Sym::one))
        .collect();
    let first = ca.pos.first().cloned().unwrap_or(Value::Unknown);
    let r = ca.arg(1, "r").and_then(|v| v.as_sym());
    Some(match ca.short() {
        "product" => {
            let rep = ca
                .kwarg("repeat")
                .and_then(|v| v.as_sym())
                .and_then(|s| s.as_int())
                .unwrap_or(1)
                .clamp(1, 8) as usize;
            let mut n = Sym::product(lens.iter().cloned());
            for _ in 1..rep {
                n = n.mul(&Sym::product(lens.iter().cloned()));
            }
            Value::homog(
                SeqKind::List,
                Value::tuple(ca.pos.iter().map(|v| v.elem()).collect()),
                n,
            )
        }
        "combinations" | "permutations" | "combinations_with_replacement" => {
            let n = first.len().unwrap_or_else(Sym::one);
            let k = r.unwrap_or_else(|| n.clone());
            let count = match (n.as_num(), k.as_num()) {
                (Some(n), Some(k)) if k <= n && k >= 0.0 => {
                    let mut c = 1.0;
                    for i in 0..(k as i64) {
                        c *= (n - i as f64)
                            / if ca.short() == "permutations" {
                                1.0
                            } else {
                                (i + 1) as f64
                            };
                    }
                    Sym::num(c.round())
                }
                _ => n.pow(&k),
            };
            Value::homog(
                SeqKind::List,
                Value::homog(SeqKind::Tuple, first.elem(), k),
                count,
            )
        }
        "chain" => Value::homog(SeqKind::List, first.elem(), Sym::sum(lens)),
        "from_iterable" => Value::homog(
            SeqKind::List,
            first.elem().elem(),
            first
                .len()
                .unwrap_or_else(Sym::one)
                .mul(&first.elem().len().unwrap_or_else(Sym::one)),
        ),
        "islice" => Value::homog(
            SeqKind::List,
            first.elem(),
            ca.pos
                .last()
                .and_then(|v| v.as_sym())
                .unwrap_or_else(|| lens.first().cloned().unwrap_or_else(Sym::one)),
        ),
        "repeat" => Value::homog(
            SeqKind::List,
            first.clone(),
            ca.arg(1, "times")
                .and_then(|v| v.as_sym())
                .unwrap_or_else(|| it.unknown_int("the length of itertools.repeat")),
        ),
        "count" | "cycle" => Value::Generator,
        "reduce" => {
            let f = first;
            let seq = ca.pos.get(1).cloned().unwrap_or(Value::Unknown);
            let n = seq.len().unwrap_or_else(Sym::one);
            it.enter_loop(vec![], n, true);
            let out = it.call_value_simple(f, vec![seq.elem(), seq.elem()]);
            it.exit_loop();
            out
        }
        _ => Value::homog(
            SeqKind::List,
            first.elem(),
            lens.first().cloned().unwrap_or_else(Sym::one),
        ),
    })
}

/// `csv.reader` and `csv.writer`: the objects, a call's worth of set-up.
/// The `csv` module: writers over a file, readers of its rows. Measured on
/// the reference node (plain-call units of 7 ns): `writerow` 200 ns plus a
/// field's formatting (an int 25 ns, a float's repr 150 ns); reading 200 ns
/// a row of four fields, 770 ns as a `DictReader` (a dict per row). What a
/// writer writes is tracked with its file, rows and bytes, so that reading
/// the file back knows how many rows it holds.
fn csv_call(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let short = ca.short();
    let file_path = |v: Option<&Value>| match v {
        Some(Value::File { path, .. }) => path.clone(),
        Some(Value::Obj { attrs, .. }) => match attrs.borrow().get("__file__") {
            Some(Value::File { path, .. }) => path.clone(),
            _ => None,
        },
        _ => None,
    };
    let rows_key = |p: &str| format!("csv.rows:{p}");
    match short {
        "writer" | "DictWriter" => {
            let w = Value::new_obj(&format!("csv.{short}"));
            if let (Value::Obj { attrs, .. }, Some(f)) = (&w, ca.pos.first()) {
                attrs.borrow_mut().insert("__file__".into(), f.clone());
                if let Some(fields) = ca.arg(1, "fieldnames") {
                    attrs
                        .borrow_mut()
                        .insert("__fields__".into(), fields.clone());
                }
            }
            Some(w)
        }
        "writerow" | "writerows" | "writeheader" => {
            let (row, rows) = match short {
                "writerows" => {
                    let all = ca.pos.first().cloned().unwrap_or(Value::Unknown);
                    let n = all.len().map(|l| it.num(&l)).unwrap_or(1.0);
                    (all.elem(), n)
                }
                "writeheader" => (
                    match &ca.recv {
                        Some(Value::Obj { attrs, .. }) => attrs
                            .borrow()
                            .get("__fields__")
                            .cloned()
                            .unwrap_or(Value::Unknown),
                        _ => Value::Unknown,
                    },
                    1.0,
                ),
                _ => (ca.pos.first().cloned().unwrap_or(Value::Unknown), 1.0),
            };
            let fields: Vec<Value> = match &row {
                Value::Seq {
                    items: SeqItems::Known(v),
                    kind,
                } => v
                    .iter()
                    .map(|x| match kind {
                        SeqKind::Dict => view_part(x, "values"),
                        _ => x.clone(),
                    })
                    .collect(),
                Value::Seq {
                    items: SeqItems::Homog { elem, len, .. },
                    ..
                } => vec![(**elem).clone(); it.num(len).clamp(1.0, 64.0) as usize],
                _ => vec![Value::Unknown; 4],
            };
            let (units, chars) = fields.iter().fold((28.0, 2.0), |(u, c), f| {
                let (fu, fc) = match f {
                    Value::Float(_) => (18.0, 18.0),
                    Value::Int(_) | Value::Bool(_) => (3.5, 6.0),
                    Value::Str { len, .. } => (5.0, it.num(len)),
                    _ => (5.0, 8.0),
                };
                (u + fu, c + fc + 1.0)
            });
            let m = it.mult_num();
            it.ops(|o, mult| o.calls += rows * units * mult);
            if let Some(p) = file_path(ca.recv.as_ref()) {
                let before = it.written(&p).map(|w| w.0).unwrap_or(0.0);
                it.wrote(p.to_string(), (before + rows * chars * m, None));
                let had = it
                    .setting(&rows_key(&p))
                    .and_then(|v| v.as_sym())
                    .and_then(|s| s.as_num())
                    .unwrap_or(0.0);
                it.set_setting(&rows_key(&p), Value::Float(Some(had + rows * m)));
            }
            Some(Value::None)
        }
        _ => {
            // `reader` / `DictReader`: the rows a writer put in the file, or
            // its bytes at 64 a row.
            let f = ca.pos.first();
            let path = file_path(f);
            let written_rows = path
                .as_ref()
                .and_then(|p| it.setting(&rows_key(p)))
                .and_then(|v| v.as_sym())
                .and_then(|s| s.as_num());
            let bytes = match (&path, f) {
                (Some(p), _) if it.written(p).is_some() => {
                    it.written(p).map(|w| w.0).unwrap_or(0.0)
                }
                (_, Some(Value::File { size, .. })) => it.num(size),
                _ => 1e6,
            };
            let rows = written_rows.unwrap_or(bytes / 64.0).max(0.0);
            let field = Value::Str {
                len: Sym::num(8.0),
                text: None,
                shared: false,
            };
            let (elem, per_row) = if short == "DictReader" {
                (
                    Value::homog(
                        SeqKind::Dict,
                        Value::tuple(vec![field.clone(), field]),
                        Sym::num(4.0),
                    ),
                    108.0,
                )
            } else {
                (Value::homog(SeqKind::List, field, Sym::num(4.0)), 29.0)
            };
            it.ops(|o, m| o.calls += rows * per_row * m);
            Some(Value::lazy(elem, Sym::num(rows)))
        }
    }
}

// ---------- argparse ----------

fn argparser(_: &mut dyn Host, _: &CallArgs) -> Option<Value> {
    let p = Value::new_obj("argparse.ArgumentParser");
    if let Value::Obj { attrs, .. } = &p {
        attrs
            .borrow_mut()
            .insert("__specs__".into(), Value::list(vec![]));
    }
    Some(p)
}

fn add_argument(_: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let Value::Obj { attrs, .. } = ca.recv.as_ref()? else {
        return None;
    };
    match ca.short() {
        "add_argument" => {}
        "add_argument_group" | "add_mutually_exclusive_group" => return ca.recv.clone(),
        "set_defaults" => {
            let mut a = attrs.borrow_mut();
            for (k, v) in &ca.kw {
                a.insert(format!("__default_{k}"), v.clone());
            }
            return Some(Value::None);
        }
        _ => return Some(Value::None),
    }
    let spec = Value::new_obj("argparse.Action");
    if let Value::Obj { attrs: sa, .. } = &spec {
        let mut sa = sa.borrow_mut();
        let flags: Vec<Value> = ca.pos.clone();
        sa.insert("flags".into(), Value::list(flags));
        for (k, v) in &ca.kw {
            sa.insert(k.clone(), v.clone());
        }
    }
    let mut a = attrs.borrow_mut();
    if let Some(Value::Seq {
        items: SeqItems::Known(specs),
        ..
    }) = a.get_mut("__specs__")
    {
        specs.push(spec);
    }
    Some(Value::None)
}

struct Spec {
    flags: Vec<String>,
    dest: String,
    kw: std::collections::BTreeMap<String, Value>,
}

impl Spec {
    fn positional(&self) -> bool {
        self.flags.iter().all(|f| !f.starts_with('-'))
    }
    fn action(&self) -> &str {
        self.kw
            .get("action")
            .and_then(|v| v.as_text())
            .unwrap_or("store")
    }
    fn nargs(&self) -> Option<String> {
        match self.kw.get("nargs") {
            Some(Value::Str { text: Some(t), .. }) => Some(t.to_string()),
            Some(Value::Int(n)) => Some(n.to_string()),
            _ => None,
        }
    }
}

fn convert(spec: &Spec, raw: &str) -> Value {
    match spec.kw.get("type") {
        Some(Value::Lib(q)) if q.as_ref() == "builtins.int" => {
            match raw.replace('_', "").parse::<i64>() {
                Ok(v) => Value::int(v),
                Err(_) => Value::Int(Sym::var(&spec.dest)),
            }
        }
        Some(Value::Lib(q)) if q.as_ref() == "builtins.float" => Value::Float(raw.parse().ok()),
        Some(Value::Lib(q))
            if q.as_ref() == "argparse.FileType" || q.as_ref() == "pathlib.Path" =>
        {
            Value::str_known(raw)
        }
        _ => Value::str_known(raw),
    }
}

/// Binds the job's command line the way argparse would.
fn parse_args(it: &mut dyn Host, ca: &CallArgs) -> Option<Value> {
    let Value::Obj { attrs, .. } = ca.recv.as_ref()? else {
        return None;
    };
    let parser = attrs.borrow();
    let specs: Vec<Spec> = match parser.get("__specs__") {
        Some(Value::Seq {
            items: SeqItems::Known(v),
            ..
        }) => v
            .iter()
            .filter_map(|s| match s {
                Value::Obj { attrs, .. } => {
                    let a = attrs.borrow();
                    let flags: Vec<String> = match a.get("flags") {
                        Some(Value::Seq {
                            items: SeqItems::Known(f),
                            ..
                        }) => f
                            .iter()
                            .filter_map(|x| x.as_text().map(str::to_string))
                            .collect(),
                        _ => vec![],
                    };
                    let dest = a
                        .get("dest")
                        .and_then(|d| d.as_text())
                        .map(str::to_string)
                        .unwrap_or_else(|| {
                            let long = flags
                                .iter()
                                .find(|f| f.starts_with("--"))
                                .or(flags.first())
                                .cloned()
                                .unwrap_or_default();
                            long.trim_start_matches('-').replace('-', "_")
                        });
                    Some(Spec {
                        flags,
                        dest,
                        kw: a.clone(),
                    })
                }
                _ => None,
            })
            .collect(),
        _ => vec![],
    };
    let set_defaults: Vec<(String, Value)> = parser
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("__default_")
                .map(|d| (d.to_string(), v.clone()))
        })
        .collect();
    drop(parser);
    // An explicit list passed to parse_args replaces sys.argv[1:].
    let argv: Vec<String> = match ca.arg(0, "args") {
        Some(Value::Seq {
            items: SeqItems::Known(v),
            ..
        }) => v
            .iter()
            .filter_map(|x| x.as_text().map(str::to_string))
            .collect(),
        _ => it.argv().to_vec(),
    };
    let mut values: std::collections::BTreeMap<String, Value> = Default::default();
    let mut given: std::collections::BTreeSet<String> = Default::default();
    let mut positionals = specs.iter().filter(|s| s.positional());
    let is_flag = |t: &str| t.starts_with('-') && t.len() > 1 && t.parse::<f64>().is_err();
    let mut i = 0;
    let mut extras = Vec::new();
    while i < argv.len() {
        let tok = &argv[i];
        if tok == "--" {
            i += 1;
            continue;
        }
        if is_flag(tok) {
            let (name, inline) = match tok.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (tok.clone(), None),
            };
            let spec = specs.iter().find(|s| s.flags.contains(&name)).or_else(|| {
                // argparse accepts unambiguous prefixes of long options.
                let cands: Vec<&Spec> = specs
                    .iter()
                    .filter(|s| {
                        s.flags.iter().any(|f| {
                            f.starts_with("--") && f.starts_with(&name) && name.starts_with("--")
                        })
                    })
                    .collect();
                if cands.len() == 1 {
                    Some(cands[0])
                } else {
                    None
                }
            });
            i += 1;
            let Some(spec) = spec else {
                extras.push(name);
                continue;
            };
            given.insert(spec.dest.clone());
            match spec.action() {
                "store_true" => {
                    values.insert(spec.dest.clone(), Value::Bool(Some(true)));
                }
                "store_false" => {
                    values.insert(spec.dest.clone(), Value::Bool(Some(false)));
                }
                "count" => {
                    let cur = values
                        .get(&spec.dest)
                        .and_then(|v| v.as_sym())
                        .and_then(|s| s.as_int())
                        .unwrap_or(0);
                    values.insert(spec.dest.clone(), Value::int(cur + 1));
                }
                "store_const" => {
                    values.insert(
                        spec.dest.clone(),
                        spec.kw.get("const").cloned().unwrap_or(Value::None),
                    );
                }
                _ => {
                    let many = matches!(spec.nargs().as_deref(), Some("+") | Some("*"));
                    let fixed: Option<usize> = spec.nargs().and_then(|n| n.parse().ok());
                    if let Some(v) = inline {
                        values.insert(spec.dest.clone(), convert(spec, &v));
                    } else if many || fixed.is_some() {
                        let mut list = Vec::new();
                        while i < argv.len()
                            && !is_flag(&argv[i])
                            && fixed.is_none_or(|k| list.len() < k)
                        {
                            list.push(convert(spec, &argv[i]));
                            i += 1;
                        }
                        values.insert(spec.dest.clone(), Value::list(list));
                    } else if i < argv.len() {
                        let v = convert(spec, &argv[i]);
                        i += 1;
                        if spec.action() == "append" {
                            let mut cur = match values.remove(&spec.dest) {
                                Some(Value::Seq {
                                    items: SeqItems::Known(v),
                                    ..
                                }) => v,
                                _ => vec![],
                            };
                            cur.push(v);
                            values.insert(spec.dest.clone(), Value::list(cur));
                        } else {
                            values.insert(spec.dest.clone(), v);
                        }
                    }
                }
            }
        } else {
            match positionals.next() {
                Some(spec) => {
                    given.insert(spec.dest.clone());
                    if matches!(spec.nargs().as_deref(), Some("+") | Some("*")) {
                        let mut list = vec![convert(spec, tok)];
                        i += 1;
                        while i < argv.len() && !is_flag(&argv[i]) {
                            list.push(convert(spec, &argv[i]));
                            i += 1;
                        }
                        values.insert(spec.dest.clone(), Value::list(list));
                        continue;
                    }
                    values.insert(spec.dest.clone(), convert(spec, tok));
                }
                None => extras.push(tok.clone()),
            }
            i += 1;
        }
    }
    for spec in &specs {
        if given.contains(&spec.dest) {
            continue;
        }
        let default = spec.kw.get("default").cloned().or_else(|| {
            set_defaults
                .iter()
                .find(|(k, _)| *k == spec.dest)
                .map(|(_, v)| v.clone())
        });
        let v = match (spec.action(), default) {
            ("store_true", None) => Value::Bool(Some(false)),
            ("store_false", None) => Value::Bool(Some(true)),
            ("count", None) => Value::None,
            (_, Some(Value::Str { text: Some(t), .. })) if spec.kw.contains_key("type") => {
                convert(spec, &t)
            }
            (_, Some(d)) => d,
            (_, None)
                if spec.positional()
                    && spec.nargs().as_deref() != Some("?")
                    && spec.nargs().as_deref() != Some("*") =>
            {
                let s = it.unknown(
                    &spec.dest,
                    crate::host::DEFAULT_SIZE,
                    format!(
                        "required argument `{}` was not given on the command line; assumed {}",
                        spec.dest,
                        crate::host::DEFAULT_SIZE
                    ),
                );
                match spec.kw.get("type") {
                    Some(Value::Lib(q)) if q.as_ref() == "builtins.float" => {
                        Value::Float(s.eval(&|_| None))
                    }
                    Some(Value::Lib(q)) if q.as_ref() == "builtins.int" => Value::Int(s),
                    _ => Value::Str {
                        len: Sym::num(16.0),
                        text: None,
                        shared: false,
                    },
                }
            }
            _ => Value::None,
        };
        values.insert(spec.dest.clone(), v);
    }
    for (k, v) in set_defaults {
        values.entry(k).or_insert(v);
    }
    if !extras.is_empty() && ca.short() == "parse_args" {
        it.note(format!(
            "arguments not recognised by the program's argparse parser: {}",
            extras.join(" ")
        ));
    }
    let ns = Value::new_obj("argparse.Namespace");
    if let Value::Obj { attrs, .. } = &ns {
        attrs.borrow_mut().extend(values);
    }
    if ca.short() == "parse_known_args" {
        let rest = Value::list(extras.iter().map(|s| Value::str_known(s)).collect());
        return Some(Value::tuple(vec![ns, rest]));
    }
    Some(ns)
}

/// A string as a new object (a part split off is not the string it came
/// from).
fn unshared(v: Value) -> Value {
    match v {
        Value::Str { len, text, .. } => Value::Str {
            len,
            text,
            shared: false,
        },
        other => other,
    }
}

/// The method `repr(x)` (`__repr__`) or `str(x)`/`format(x)` (`__str__`,
/// else `__repr__`) runs on an instance of the program's class.
fn own_text_method(class: &ClassVal, builtin: &str) -> Option<std::rc::Rc<FuncVal>> {
    let names: &[&str] = if builtin == "repr" || builtin == "ascii" {
        &["__repr__"]
    } else {
        &["__str__", "__repr__"]
    };
    names.iter().find_map(|n| match class.lookup(n) {
        Some(Value::Func(f)) => Some(f),
        _ => None,
    })
}
