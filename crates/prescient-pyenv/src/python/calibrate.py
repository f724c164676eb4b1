"""Prescient node calibration: microbenchmarks run in the worker's own Python.

Prints one JSON object on stdout: {"fingerprint": ..., "blas_threads": ...,
"rates": {...}, "startup": {...}}. Progress goes to stderr as lines
"PROGRESS <done> <total> <label>" for the caller's progress bar.

Rates: FLOP/s, bytes/s, elements/s or, for the interpreter, seconds per operation;
the key names are documented in docs/schema/node.md.
"""
import hashlib
import json
import os
import resource
import subprocess
import sys
import time

FULL = "--full" in sys.argv
BUDGET = 0.25 if FULL else 0.08  # seconds of repetition per measurement

STEPS = []


def step(label):
    def wrap(fn):
        STEPS.append((label, fn))
        return fn
    return wrap


def cpu_now():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def timed(fn, min_time=None):
    """Best-of seconds per call, and CPU seconds per wall second, repeating to the budget."""
    min_time = BUDGET if min_time is None else min_time
    fn()
    best = float("inf")
    total_wall = 0.0
    total_cpu = 0.0
    reps = 0
    while total_wall < min_time or reps < 3:
        c0 = cpu_now()
        t0 = time.perf_counter()
        fn()
        dt = time.perf_counter() - t0
        total_cpu += cpu_now() - c0
        total_wall += dt
        best = min(best, dt)
        reps += 1
        if reps >= 1000:
            break
    return best, (total_cpu / total_wall if total_wall > 0 else 1.0)


RATES = {}


def put(key, value):
    if value and value == value and value > 0:
        RATES[key] = float(value)


def child_usage(code, env=None):
    """Runs `python -c code`; returns (wall, cpu, maxrss_bytes) of that process alone."""
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        return None
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss * 1024.0


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


STARTUP = {}


@step("interpreter operation costs")
def interpreter():
    n = 200_000 if FULL else 100_000

    def loop():
        for _ in range(n):
            pass

    def floats():
        x = 1.0
        for _ in range(n):
            x = x * 1.000001 + 0.5

    def ints():
        x = 1
        for i in range(n):
            x = (x + i) - 3

    def bits():
        x = 12345
        for i in range(n):
            x = ((x << 1) ^ i) & 0xFFFFFFFF

    lst = list(range(1000))

    def index():
        t = 0
        for i in range(n):
            t = lst[i % 1000]

    d = {i: i for i in range(1000)}

    def dindex():
        t = 0
        for i in range(n):
            t = d[i % 1000]

    def f(a):
        return a

    def calls():
        for i in range(n):
            f(i)

    class O:
        a = 1

    o = O()

    def attrs():
        for i in range(n):
            o.a

    try:
        import numpy as np
        grid = np.random.random((50, 50))

        def np_index():
            t = 0.0
            for i in range(n):
                t = grid[i % 50, 7] * 1.0001 + 0.5
    except ImportError:
        np_index = None

    base = timed(loop)[0] / n
    put("interp.loop_iter", base)
    # Each body has this many operations of its class besides the loop.
    for key, fn, k, extra in [
        ("interp.float_arith", floats, 2, 0.0),
        ("interp.int_arith", ints, 2, 0.0),
        ("interp.bit_op", bits, 3, 0.0),
        ("interp.index", index, 1, 1.0),
        ("interp.dict_index", dindex, 1, 1.0),
        ("interp.call", calls, 1, 0.0),
        ("interp.attr", attrs, 1, 0.0),
    ]:
        per = timed(fn)[0] / n
        # `index` bodies also do a modulo: count it as int arithmetic.
        cost = (per - base - extra * RATES.get("interp.int_arith", 0.0)) / k
        put(key, max(cost, base * 0.2))
    if np_index is not None:
        # A numpy element read used in arithmetic (the numpy scalar's slower ops included).
        per = timed(np_index)[0] / n
        put("interp.np_index", max(per - base - RATES.get("interp.int_arith", 0.0), base))


@step("GEMM rates")
def gemm():
    import numpy as np
    sizes = [64, 256, 512, 1024, 2048] if FULL else [64, 256, 1024]
    for dtype in ("float64", "float32"):
        for n in sizes:
            a = np.random.default_rng(0).random((n, n)).astype(dtype)
            b = a.copy()
            out = np.empty_like(a)
            sec, cpu_ratio = timed(lambda: np.matmul(a, b, out=out))
            put(f"gemm.{dtype}.{n}", 2.0 * n ** 3 / sec)
            put(f"gemm.{dtype}.{n}.cpu_ratio", cpu_ratio)


@step("single-thread GEMM")
def gemm_single():
    n = 512
    code = (
        "import numpy as np, time, json\n"
        f"a = np.random.default_rng(0).random(({n}, {n}))\n"
        "b = a.copy(); o = np.empty_like(a); np.matmul(a, b, out=o)\n"
        "best = 9e9\n"
        "for _ in range(5):\n"
        "    t = time.perf_counter(); np.matmul(a, b, out=o); best = min(best, time.perf_counter() - t)\n"
        f"print(json.dumps(2.0 * {n} ** 3 / best))\n"
    )
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    if out.returncode == 0:
        put(f"gemm.float64.{n}.threads1", float(out.stdout.strip()))


@step("LAPACK rates")
def lapack():
    import numpy as np
    # Not a power of two: LAPACK's blocked routines on an order of 512 or
    # 1024 thrash the cache's sets (measured here: `eig` took 0.30 s at 512
    # against 0.25 at 640), and users' matrices are seldom such orders.
    n = 480 if FULL else 240
    put("lapack.n", n)
    rng = np.random.default_rng(1)
    m = rng.random((n, n))
    s = m @ m.T + n * np.eye(n)
    v = rng.random(n)
    for key, fn, flops in [
        ("lapack.solve", lambda: np.linalg.solve(s, v), 2.0 / 3.0 * n ** 3),
        ("lapack.inv", lambda: np.linalg.inv(s), 2.0 * n ** 3),
        ("lapack.cholesky", lambda: np.linalg.cholesky(s), n ** 3 / 3.0),
        ("lapack.qr", lambda: np.linalg.qr(m), 4.0 / 3.0 * n ** 3),
        ("lapack.svd", lambda: np.linalg.svd(m), 26.0 * n ** 3),
        ("lapack.eigh", lambda: np.linalg.eigh(s), 9.0 * n ** 3),
        ("lapack.eig", lambda: np.linalg.eig(m), 25.0 * n ** 3),
    ]:
        sec, ratio = timed(fn)
        put(key, flops / sec)
        put(key + ".cpu_ratio", ratio)


@step("memory bandwidth")
def memory():
    import numpy as np
    n = (64 << 20) // 8 if FULL else (32 << 20) // 8
    a = np.ones(n)
    b = np.ones(n)
    c = np.ones(n)
    sec, _ = timed(lambda: np.copyto(b, a))
    put("mem.copy", 16.0 * n / sec)
    sec, _ = timed(lambda: np.add(b, c, out=a))
    put("mem.triad", 24.0 * n / sec)

    def fresh():
        x = np.empty(n)
        x.fill(1.0)
        return x

    sec, _ = timed(fresh)
    put("mem.fresh_fill", 8.0 * n / sec)
    sec, _ = timed(lambda: np.zeros(n).sum())
    put("mem.zeros_touch", 8.0 * n / sec)
    sec, _ = timed(lambda: np.concatenate([a, b]))
    put("mem.concat", 16.0 * n / sec)
    # Arrays above the allocator's mmap threshold get fresh pages on every
    # allocation: the first touch (page faults and zeroing) dominates.
    big = (128 << 20) // 8
    # Memory the machine has not handed out lately can cost far more: on a
    # virtual machine whose host backs guest memory on demand (and takes back
    # what the guest reports free), the first touch of such pages faults in
    # the host too. Timed once, on a block larger than anything touched so
    # far, before the warm rate below; the forecast's upper bound uses it.
    cold = (512 << 20) // 8
    t0 = time.perf_counter()
    x = np.ones(cold)
    put("mem.first_touch_cold", 8.0 * cold / max(time.perf_counter() - t0, 1e-9))
    del x
    sec, _ = timed(lambda: np.ones(big), min_time=0.0)
    put("mem.first_touch", 8.0 * big / sec)
    # Index grids (np.indices, np.fromfunction): elements of all the grids.
    m = 1536
    for dt in ("float64", "float32", "int64"):
        sec, _ = timed(lambda: np.indices((m, m), dtype=dt))
        put(f"mem.indices.{dt}", 2.0 * m * m / sec)


@step("elementwise and reductions")
def elementwise():
    import numpy as np
    n = 1 << 21
    a = np.random.default_rng(2).random(n) + 0.5
    out = np.empty(n)
    for key, fn in [
        ("ew.add", lambda: np.add(a, a, out=out)),
        ("ew.mul", lambda: np.multiply(a, a, out=out)),
        ("ew.div", lambda: np.divide(a, a, out=out)),
        ("ew.mod", lambda: np.remainder(a, 7.0, out=out)),
        ("ew.floordiv", lambda: np.floor_divide(a, 7.0, out=out)),
        ("ew.exp", lambda: np.exp(a, out=out)),
        ("ew.log", lambda: np.log(a, out=out)),
        ("ew.sqrt", lambda: np.sqrt(a, out=out)),
        ("ew.hypot", lambda: np.hypot(a, a, out=out)),
        ("ew.sin", lambda: np.sin(a, out=out)),
        ("ew.tanh", lambda: np.tanh(a, out=out)),
        ("ew.power", lambda: np.power(a, 2.5, out=out)),
        ("red.sum", lambda: a.sum()),
        ("red.max", lambda: a.max()),
        ("red.var", lambda: a.var()),
        ("ew.alloc_add", lambda: a + a),
    ]:
        sec, _ = timed(fn)
        put(key, n / sec)
    small = np.ones(10)
    sec, _ = timed(lambda: small + small)
    put("numpy.call_overhead", sec)

    # The same call timed in a loop, less the empty loop: two clock reads
    # around a single call cost as much as the call itself.
    def calls():
        for _ in range(500):
            small + small

    def empty():
        for _ in range(500):
            pass

    sec, _ = timed(calls)
    idle, _ = timed(empty)
    put("numpy.call", max(sec - idle, 0.1 * sec) / 500)
    sec, _ = timed(lambda: np.add(small, small, out=small))
    put("numpy.ufunc_overhead", sec)


@step("random generation")
def rng():
    import numpy as np
    n = 1 << 21
    g = np.random.default_rng(3)
    for key, fn in [
        ("rng.uniform", lambda: g.random(n)),
        ("rng.normal", lambda: g.standard_normal(n)),
        ("rng.legacy_uniform", lambda: np.random.rand(n)),
        ("rng.legacy_normal", lambda: np.random.randn(n)),
        ("rng.integers", lambda: g.integers(0, 100, n)),
    ]:
        sec, _ = timed(fn)
        put(key, n / sec)


@step("FFT, sort, convolution")
def signal_rates():
    import math
    import numpy as np
    n = 1 << 20
    x = np.random.default_rng(4).random(n)
    cx = x.astype(np.complex128)
    sec, _ = timed(lambda: np.fft.fft(cx))
    put("fft.complex", 5.0 * n * math.log2(n) / sec)
    sec, _ = timed(lambda: np.fft.rfft(x))
    put("fft.real", 2.5 * n * math.log2(n) / sec)
    sec, _ = timed(lambda: np.sort(x))
    put("sort.float64", n * math.log2(n) / sec)
    sec, _ = timed(lambda: np.argsort(x))
    put("sort.argsort", n * math.log2(n) / sec)
    m = 64
    h = np.ones(m)
    y = x[: 1 << 17]
    sec, _ = timed(lambda: np.convolve(y, h))
    put("conv.direct", 2.0 * (len(y) + m - 1) * m / sec)
    try:
        from scipy import signal
        b, a = signal.butter(4, 0.1)
        sec, _ = timed(lambda: signal.lfilter(b, a, x))
        put("signal.lfilter", 2.0 * n * (len(b) + len(a)) / sec)
        sos = signal.butter(8, 0.1, output="sos")
        sec, _ = timed(lambda: signal.sosfilt(sos, x))
        put("signal.sosfilt", 9.0 * n * len(sos) / sec)
        L = n + m - 1
        sec, _ = timed(lambda: signal.fftconvolve(x, h))
        put("signal.fftconvolve", (15.0 * L * math.log2(L) + 6.0 * L) / sec)
    except ImportError:
        pass


@step("hashes and ciphers")
def crypto():
    data = os.urandom((16 << 20) if FULL else (8 << 20))
    for name in ("md5", "sha1", "sha224", "sha256", "sha384", "sha512", "sha3_256", "sha3_512", "blake2b", "blake2s"):
        sec, _ = timed(lambda: hashlib.new(name, data).digest())
        put(f"hash.{name}", len(data) / sec)
    # Big-integer modular exponentiation (pure-Python RSA/DH): seconds per
    # exponent bit x modulus bits squared, the unit the analyser counts in.
    import secrets
    bits = 1024 if not FULL else 2048
    mod = secrets.randbits(bits) | 1
    base = secrets.randbits(bits - 1)
    sec, _ = timed(lambda: pow(base, mod - 2, mod))
    put("int.pow_mod_unit", sec / (bits * bits * bits * 1.5 / 64.0))
    iters = 2000
    sec, _ = timed(lambda: hashlib.pbkdf2_hmac("sha256", b"pw", b"salt", iters))
    put("kdf.pbkdf2_sha256", iters / sec)
    sec, _ = timed(lambda: hashlib.pbkdf2_hmac("sha512", b"pw", b"salt", iters))
    put("kdf.pbkdf2_sha512", iters / sec)
    sec, _ = timed(lambda: os.urandom(len(data)))
    put("rand.urandom", len(data) / sec)
    try:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
        key = os.urandom(32)
        nonce = os.urandom(16)
        enc = Cipher(algorithms.AES(key), modes.CTR(nonce)).encryptor()
        sec, _ = timed(lambda: enc.update(data))
        put("cipher.aes", len(data) / sec)
        enc2 = Cipher(algorithms.ChaCha20(key, nonce), mode=None).encryptor()
        sec, _ = timed(lambda: enc2.update(data))
        put("cipher.chacha20", len(data) / sec)
    except Exception:
        pass


def cpuinfo():
    model, flags = "unknown", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "unknown":
                    model = line.split(":", 1)[1].strip()
                elif line.startswith("flags"):
                    flags.update(line.split(":", 1)[1].split())
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    isa = sorted(x for x in ("avx2", "avx512f", "aes", "sha_ni", "fma", "avx512_vnni", "avx512_bf16") if x in flags)
    return model, isa, mem


def versions():
    out = {}
    for mod in ("numpy", "scipy", "cloudpickle", "cryptography", "torch"):
        try:
            m = __import__(mod)
            out[mod] = getattr(m, "__version__", "?")
        except Exception:
            pass
    return out


def blas_threads():
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    try:
        import numpy as np
        cfg = np.show_config(mode="dicts")
        for lib in cfg.get("Build Dependencies", {}).values():
            pass
    except Exception:
        pass
    return os.cpu_count() or 1


def main():
    total = len(STEPS)
    for i, (label, fn) in enumerate(STEPS):
        print(f"PROGRESS {i} {total} {label}", file=sys.stderr, flush=True)
        try:
            fn()
        except Exception as e:  # a failed measurement is left out, not fatal
            print(f"WARN {label}: {type(e).__name__}: {e}", file=sys.stderr, flush=True)
    print(f"PROGRESS {total} {total} done", file=sys.stderr, flush=True)
    model, isa, mem = cpuinfo()
    print(json.dumps({
        "fingerprint": {
            "cpu_model": model,
            "isa": isa,
            "cores": os.cpu_count() or 1,
            "memory_bytes": mem,
            "python": sys.version.split()[0],
            "libraries": versions(),
        },
        "blas_threads": blas_threads(),
        "rates": RATES,
        "startup": STARTUP,
    }))


if __name__ == "__main__":
    main()
