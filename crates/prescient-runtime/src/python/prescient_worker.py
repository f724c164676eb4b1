"""Prescient worker harness.

Runs one job, section by section, with the semantics of `python3 FILE ARGS`:
a fresh `__main__` module, `sys.argv`, tracebacks that show the original file
and lines, SystemExit codes, KeyboardInterrupt and atexit handlers. Between
sections it can checkpoint the job's namespace (pickle protocol 5 with
out-of-band buffers, cloudpickle for what the script defines) and restore one.

It talks to its node agent over one inherited Unix socket with the frames of
`prescient-wire`. It is started warm (numpy imported) before any job exists.
This file is shipped inside the `prescient` binary; it must be importable under
its own module name so that pickles can name its helpers.
"""

import ast
import builtins
import io
import json
import linecache
import os
import pickle
import signal
import socket
import struct
import sys
import threading
import time
import types
import weakref

import warnings

try:
    # warm: the job does not pay numpy's import. A node's feature mask may
    # name dispatch targets this numpy does not have: numpy says so with an
    # ImportWarning, which is not the job's business.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImportWarning)
        import numpy
except Exception:  # the job will see the ImportError itself, if it needs numpy
    numpy = None

try:
    import cloudpickle
except Exception:
    cloudpickle = None

SOCK = None
# Frames from the pre-copy thread and from the main thread never interleave.
SEND_LOCK = threading.Lock()
MAIN = None
# Modules loaded when the worker was ready: what a job imports is the rest.
BASE_MODULES = frozenset()
# Pre-copy: buffers below this size go with the final checkpoint.
PRECOPY_MIN = 64 * 1024
PRECOPY = {"thread": None, "valid": set(), "abort": False, "cpu": 0.0}
# The share of the time the pre-copy thread may be busy: on a worker confined
# to one CPU it takes that CPU from the job, so it is held to a tenth (a
# section at most about 10% slower); with more CPUs it mostly runs beside it.
PRECOPY_DUTY_ONE_CPU = 0.1
PRECOPY_DUTY = 0.5


def own_cpus():
    try:
        return len(os.sched_getaffinity(0))
    except Exception:
        return os.cpu_count() or 1
# Pre-copied buffers received for a coming restore, by hash.
CACHE = {}
# Descriptors received with the last frame, and the socket pair end to the
# worker a job is moving to or from (same host).
PENDING_FDS = []
DATA = None
# Exit handlers the job registered: kept here, not in the interpreter, so that
# they move with the job.
EXIT_FUNCS = []
SPEC = None
# The job's module, compiled once with its safe points (see `Safepoints`).
PROG = None
PAGE = os.sysconf("SC_PAGE_SIZE")
# Names in a module's namespace that belong to the interpreter, not the job.
SKIP = {"__builtins__", "__loader__", "__spec__", "__cached__", "__prescient_h"}


# --- frames -----------------------------------------------------------------

def send(msg, blobs=(), inline=True):
    """Sends a frame. With inline=False only the header and the blob lengths
    go on the channel (the bytes go elsewhere)."""
    head = json.dumps(msg).encode()
    views = [memoryview(b).cast("B") for b in blobs]
    parts = [struct.pack("<I", len(head)), head, struct.pack("<I", len(views))]
    parts += [struct.pack("<Q", v.nbytes) for v in views]
    with SEND_LOCK:
        SOCK.sendall(b"".join(parts))
        if inline:
            for v in views:
                SOCK.sendall(v)


def buffer_key(buf):
    """Names a buffer for the pre-copy: its content hash and where it lives.
    Equal arrays are distinct buffers and keep distinct copies on the target."""
    if numpy is not None:
        addr = numpy.frombuffer(buf, dtype=numpy.uint8).__array_interface__["data"][0]
        return "%s@%x" % (digest(buf), addr)
    return digest(buf)


try:
    import xxhash

    def digest(buf):
        return xxhash.xxh3_128_hexdigest(buf)

except Exception:  # an environment without xxhash: slower, same result
    import hashlib

    def digest(buf):
        return hashlib.blake2b(buf, digest_size=16).hexdigest()


def address_of(buf):
    return numpy.frombuffer(buf, dtype=numpy.uint8).__array_interface__["data"][0]


class DirtyPages:
    """Which pages of a pre-copied buffer the job wrote since, asked of the
    kernel rather than found by hashing the buffer again at the pause, so the
    pause does not grow with state that did not change.

    The pages are write-protected with userfaultfd in asynchronous mode: the
    kernel lifts the protection on the first write to a page by itself (no
    handler thread, so a write never waits on this process's GIL) and
    PAGEMAP_SCAN (Linux 6.7+) reports the pages written since. Only private
    anonymous memory is tracked: a shared or file mapping can change through
    another process or the file, which no page table here would see. Where
    any of it is unavailable, `protect` says False and the caller hashes.
    """

    SYS_USERFAULTFD = 323  # x86-64
    UFFD_USER_MODE_ONLY = 1
    UFFDIO_API = 0xC018AA3F
    UFFDIO_REGISTER = 0xC020AA00
    UFFDIO_WRITEPROTECT = 0xC018AA06
    FEATURES = (1 << 15) | (1 << 13)  # WP_ASYNC | WP_UNPOPULATED
    PAGEMAP_SCAN = 0xC0606610
    PM_SCAN_CHECK_WPASYNC = 1 << 1
    PAGE_IS_WRITTEN = 1 << 1

    def __init__(self):
        import ctypes
        import platform

        self.ok = False
        if platform.machine() != "x86_64":
            return
        self.c = ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        libc.syscall.restype = ctypes.c_long
        libc.ioctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_void_p]
        self.libc = libc
        u64 = ctypes.c_uint64
        fields = lambda names: [(n, u64) for n in names.split()]
        self.Api = type("Api", (ctypes.Structure,), {"_fields_": fields("api features ioctls")})
        self.Reg = type("Reg", (ctypes.Structure,), {"_fields_": fields("start len mode ioctls")})
        self.Wp = type("Wp", (ctypes.Structure,), {"_fields_": fields("start len mode")})
        self.Scan = type(
            "Scan",
            (ctypes.Structure,),
            {
                "_fields_": fields(
                    "size flags start end walk_end vec vec_len max_pages "
                    "category_inverted category_mask category_anyof_mask return_mask"
                )
            },
        )
        self.Region = type("Region", (ctypes.Structure,), {"_fields_": fields("start end categories")})
        fd = libc.syscall(self.SYS_USERFAULTFD, os.O_CLOEXEC | os.O_NONBLOCK | self.UFFD_USER_MODE_ONLY)
        if fd < 0:
            return
        api = self.Api(0xAA, self.FEATURES, 0)
        if libc.ioctl(fd, self.UFFDIO_API, ctypes.byref(api)) < 0:
            os.close(fd)
            return
        try:
            self.pagemap = os.open("/proc/self/pagemap", os.O_RDONLY | os.O_CLOEXEC)
        except OSError:
            os.close(fd)
            return
        self.fd = fd
        self.vec = (self.Region * 1)()
        # Trusted only once seen to work, on a page of its own: protected and
        # untouched reads clean, written reads dirty.
        import mmap

        self.ok = True
        probe = mmap.mmap(-1, PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        probe[0:1] = b"x"
        at = ctypes.addressof(ctypes.c_char.from_buffer(probe))
        works = self.protect(at, at + PAGE) and self.written(at, at + PAGE) is False
        probe[0:1] = b"y"
        self.ok = works and self.written(at, at + PAGE) is True
        self.probe = probe

    @staticmethod
    def anonymous_regions():
        """The private anonymous mappings, as sorted (start, end) pairs."""
        out = []
        with open("/proc/self/maps") as f:
            for line in f:
                parts = line.split()
                path = parts[5] if len(parts) > 5 else ""
                if parts[1][3] == "p" and parts[4] == "0" and path in ("", "[heap]"):
                    lo, hi = (int(x, 16) for x in parts[0].split("-"))
                    out.append((lo, hi))
        return out

    @staticmethod
    def anonymous(start, end, regions):
        """Whether [start, end) lies in private anonymous mappings only."""
        covered = start
        for lo, hi in regions:
            if hi <= covered:
                continue
            if lo > covered:
                return False
            covered = hi
            if covered >= end:
                return True
        return False

    def protect(self, start, end, regions=None):
        """Write-protects [start, end) from now on; False if it cannot."""
        if regions is None:
            regions = self.anonymous_regions()
        if not self.ok or not self.anonymous(start, end, regions):
            return False
        c = self.c
        reg = self.Reg(start, end - start, 2, 0)  # MODE_WP
        if self.libc.ioctl(self.fd, self.UFFDIO_REGISTER, c.byref(reg)) < 0:
            return False
        wp = self.Wp(start, end - start, 1)  # MODE_WP
        return self.libc.ioctl(self.fd, self.UFFDIO_WRITEPROTECT, c.byref(wp)) >= 0

    def scan(self, start, end):
        c = self.c
        arg = self.Scan(
            c.sizeof(self.Scan), self.PM_SCAN_CHECK_WPASYNC, start, end, 0,
            c.addressof(self.vec), 1, 1, 0, self.PAGE_IS_WRITTEN, 0, self.PAGE_IS_WRITTEN,
        )
        return self.libc.ioctl(self.pagemap, self.PAGEMAP_SCAN, c.byref(arg))

    def written(self, start, end):
        """True if a page of [start, end) was written since it was
        protected, False if none was, None if it cannot tell."""
        if not self.ok:
            return None
        n = self.scan(start, end)
        if n < 0:
            return None
        return n > 0


def page_span(buf):
    addr = address_of(buf)
    return addr - addr % PAGE, -(-(addr + memoryview(buf).nbytes) // PAGE) * PAGE


DIRTY = {"pages": None}


def dirty_pages():
    if DIRTY["pages"] is None:
        try:
            DIRTY["pages"] = DirtyPages()
        except Exception:
            DIRTY["pages"] = False
    d = DIRTY["pages"]
    return d if d and d.ok else None


# Pre-copied buffers whose pages are write-protected, by key: the object that
# exported the buffer (weakly: the job may drop it), where and how long it was.
WATCHED = {}


def unchanged_key(buf, valid):
    """The key of a pre-copied buffer the kernel says was not written since,
    without hashing it; None when that cannot be said. The exporting object
    must be the very one pre-copied (alive, so its memory was not reused),
    at the same address, with the same length."""
    d = dirty_pages()
    if d is None or numpy is None:
        return None
    addr = address_of(buf)
    key = OLD_AT.get(addr)
    w = WATCHED.get(key)
    if key not in valid or w is None:
        return None
    ref, nbytes, (start, end) = w
    obj = getattr(buf, "obj", None)
    if obj is None or ref() is not obj or nbytes != memoryview(buf).nbytes:
        return None
    return key if d.written(start, end) is False else None


# The key of each pre-copied buffer, by its address.
OLD_AT = {}

# Per-buffer pre-copy policy, as QEMU leaves pages dirtied every round to the
# final pause: a buffer pre-copied and then written before the pause crossed
# the wire twice for nothing, and its copy competed with the job for memory
# bandwidth. Address -> [pauses in a row it was found rewritten (or new),
# the pre-copy round that last probed it]. One rewrite is no pattern (a loop
# may update a different array each time, and leaving an unchanged one to the
# pause would lengthen it): only a buffer rewritten at HOT_AFTER pauses in a
# row is left out.
STREAK = {}
HOT_AFTER = 2
# Hot buffers are probed again every this many rounds, in case they stopped
# changing (a training loop whose weights freeze, say).
PROBE_EVERY = 4
ROUND = [0]


# Sizes of the large buffers that were new at the last pause (made since the
# pre-copy before it, as a loop that makes a fresh array each iteration
# does): the next pre-copy asks the target to fault in memory for as many.
FRESH = []


# Marks a streak byte whose buffer was new at the pause.
FRESH_BIT = 0x80


def note_rewritten(raws):
    """At the pause: which pre-copied buffers were written since they were
    sent (known without hashing where the kernel tracks pages), and which
    large buffers are new since the pre-copy. Returns, by address, the
    streak of each buffer that moves in this pause because it changed (with
    FRESH_BIT for a new one): the target keeps it when the job lands there."""
    d = dirty_pages()
    valid = PRECOPY["valid"]
    fresh = []
    streaks = {}
    for r in raws:
        if r.nbytes < PRECOPY_MIN:
            continue
        addr = address_of(r)
        key = OLD_AT.get(addr)
        if key is None:
            if addr in STREAK:
                streaks[addr] = STREAK[addr][0]  # left out of this pre-copy
            elif OLD_AT:
                fresh.append(r.nbytes)
                streaks[addr] = 1 | FRESH_BIT
            continue
        w = WATCHED.get(key)
        if key not in valid:
            rewritten = True  # changed while it was being sent
        elif d is not None and w is not None:
            rewritten = d.written(*w[2]) is not False
        else:
            continue  # not known without hashing: no opinion
        if rewritten:
            n = STREAK.get(addr, [0, ROUND[0]])[0] + 1
            STREAK[addr] = [n, ROUND[0]]
            streaks[addr] = n
        else:
            STREAK.pop(addr, None)
    FRESH[:] = fresh
    return streaks


def keep_streaks(buffers, streaks):
    """On the target after a restore: the policy the source had for each
    buffer goes on from here, at its new address; a buffer new at that pause
    (a fresh array each iteration) asks the next pre-copy for a spare."""
    fresh = []
    for buf, b in zip(buffers, streaks):
        n = b & ~FRESH_BIT
        if b & FRESH_BIT:
            fresh.append(memoryview(buf).nbytes)
        if n:
            try:
                STREAK[address_of(buf)] = [n, ROUND[0]]
            except Exception:
                pass  # a policy hint only
    FRESH[:] = fresh


def streak_of_ref(ref):
    """The streak byte a TCP checkpoint's refs entry carries for a buffer
    among its blobs: "=N", or null for none."""
    if isinstance(ref, str) and ref.startswith("="):
        try:
            return int(ref[1:]) & 0xFF
        except ValueError:
            return 0
    return 0


def skip_hot(r):
    """Whether this pre-copy round leaves the buffer to the pause."""
    try:
        addr = address_of(r)
    except Exception:
        return False
    st = STREAK.get(addr)
    if st is None or st[0] < HOT_AFTER:
        return False
    if ROUND[0] - st[1] >= PROBE_EVERY:
        st[1] = ROUND[0]
        return False
    return True


def recv_exact(n, sock=None):
    sock = sock or SOCK
    # Large buffers without zero-filling them first: they are written once, by
    # the receive itself.
    if numpy is not None and n >= (1 << 20):
        buf = numpy.empty(n, dtype=numpy.uint8)
    else:
        buf = bytearray(n)
    view = memoryview(buf).cast("B")
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], min(n - got, 1 << 26))
        if k == 0:
            raise EOFError("the peer closed the connection")
        got += k
    return buf


def recv_into_exact(buf, sock):
    view = memoryview(buf).cast("B")
    got = 0
    n = view.nbytes
    while got < n:
        k = sock.recv_into(view[got:], min(n - got, 1 << 26))
        if k == 0:
            raise EOFError("the peer closed the connection")
        got += k
    return buf


def recv():
    try:
        raw, fds, _, _ = socket.recv_fds(SOCK, 4, 4, socket.MSG_WAITALL)
        PENDING_FDS.extend(fds)
    except InterruptedError:
        raw = b""
    if len(raw) < 4:
        if not raw:
            raise EOFError("agent closed the channel")
        raw = bytes(raw) + bytes(recv_exact(4 - len(raw)))
    (hlen,) = struct.unpack("<I", raw)
    msg = json.loads(bytes(recv_exact(hlen)))
    (n,) = struct.unpack("<I", recv_exact(4))
    lens = struct.unpack("<%dQ" % n, bytes(recv_exact(8 * n))) if n else ()
    if msg.get("type") == "restore":
        blobs = [recv_spare(length) for length in lens]
    else:
        blobs = [recv_exact(length) for length in lens]
    return msg, blobs


class Background:
    """At most one helper thread of a kind at a time (imports ahead, memory
    faulted in ahead); what needs its result joins it first."""

    def __init__(self, name):
        self.name = name
        self.thread = None

    def start(self, fn):
        self.join()
        self.thread = threading.Thread(target=fn, name=self.name, daemon=True)
        self.thread.start()

    def join(self):
        t = self.thread
        if t is not None:
            t.join()
            self.thread = None


# Memory faulted in ahead for buffers of a coming restore, by size.
SPARE = {}
SPARE_THREAD = Background("prescient-spare")


def reserve_spare(sizes):
    """Allocates a buffer of each size and writes one byte per page, in a
    thread, while the job still runs on its source: the pause then copies
    into memory already there instead of faulting it in page by page."""
    sizes = [int(n) for n in sizes if int(n) >= PRECOPY_MIN]
    if not sizes or numpy is None:
        return

    def run():
        for n in sizes:
            try:
                buf = numpy.empty(n, dtype=numpy.uint8)
                buf[::PAGE] = 0
            except MemoryError:
                return  # the restore allocates what it needs, or fails there
            SPARE.setdefault(n, []).append(buf)

    SPARE_THREAD.start(run)


# Bytes the restore under way received into spare buffers.
PREFAULTED = [0]


def recv_spare(n, sock=None):
    """recv_exact into a spare buffer of that size when one is ready."""
    if n >= PRECOPY_MIN and (SPARE or SPARE_THREAD.thread is not None):
        SPARE_THREAD.join()
        free = SPARE.get(n)
        if free:
            PREFAULTED[0] += n
            return recv_into_exact(free.pop(), sock or SOCK)
    return recv_exact(n, sock)


def take_fd():
    """The descriptor that came with the request being served; any older one
    (left by a request that did not use it) is closed."""
    if not PENDING_FDS:
        raise RuntimeError("expected a descriptor with this request")
    fd = PENDING_FDS.pop()
    while PENDING_FDS:
        os.close(PENDING_FDS.pop())
    sock = socket.socket(fileno=fd)
    # A checkpoint's bytes go through this socket. With the kernel's default
    # buffer (about 200 KiB) the two workers take turns every fifth of a MiB;
    # with 4 MiB (the kernel caps it at net.core.wmem_max) a buffer moves
    # about 2.5 times faster on this machine.
    for opt in (socket.SO_SNDBUF, socket.SO_RCVBUF):
        try:
            sock.setsockopt(socket.SOL_SOCKET, opt, 4 << 20)
        except OSError:
            pass
    return sock


# --- telemetry ----------------------------------------------------------------

def reset_peak():
    """Resets the kernel's resident high-water mark, so the next reading is this
    section's peak rather than the process's."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return "clear_refs"
    except OSError:
        return "hwm"


def status_bytes(*keys):
    out = dict.fromkeys(keys, 0)
    try:
        with open("/proc/self/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in out:
                    out[k] = int(v.split()[0]) * 1024
    except OSError:
        pass
    return out


# --- the job's module ---------------------------------------------------------

def become(user):
    """Takes the job's own identity, [uid, gid], before anything of the job
    runs: a worker that starts as root (to warm up for any job) keeps no way
    back. Without one the worker already is what it will be. The process is
    made dumpable again, so that its /proc files stay its own (root owns
    them after a change of uid), which only its own uid can then use."""
    if not user or os.geteuid() != 0:
        if user and os.getuid() != user[0]:
            raise PermissionError("the worker is uid %d, the job is %d" % (os.getuid(), user[0]))
        return
    uid, gid = int(user[0]), int(user[1])
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE
    except Exception:
        pass


def setup(spec):
    """A fresh `__main__` for the job, and its units compiled from the source."""
    global MAIN, PROG, SPEC
    become(spec.get("user"))
    SPEC = spec
    path = spec["file"]
    for k, v in spec.get("env", []):
        os.environ[k] = v
    os.chdir(spec["cwd"])
    import atexit

    atexit.register = _atexit_register
    atexit.unregister = _atexit_unregister
    del EXIT_FUNCS[:]
    mod = types.ModuleType("__main__")
    mod.__file__ = path
    mod.__builtins__ = builtins
    mod.__cached__ = None
    mod.__spec__ = None
    mod.__loader__ = None
    sys.modules["__main__"] = mod
    MAIN = mod
    sys.argv = list(spec["argv"])
    # What `python3 FILE` has: the script's directory first, and neither the
    # harness's directory nor the current directory.
    here = os.path.dirname(os.path.abspath(__file__))
    rest = [p for p in sys.path if p not in ("", here)]
    sys.path[:] = [os.path.dirname(os.path.abspath(path))] + rest
    source = spec["source"]
    # Tracebacks read lines through linecache; the worker may not be able to read
    # the file itself, and the source it runs is this one anyway.
    lines = source.splitlines(True)
    linecache.cache[path] = (len(source), None, lines, path)
    tree = ast.parse(source, filename=path)
    reset_position()
    tree = Safepoints(spec["units"], source, path).module(tree)
    PROG = compile(tree, path, "exec")
    mod.__dict__["__prescient_h"] = sys.modules[__name__]


def exit_code_of(e):
    """The exit status CPython gives an uncaught SystemExit."""
    code = e.code
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        sys.stderr.write(str(code) + "\n")
    except Exception:
        pass
    return 1


def flush():
    for s in (sys.stdout, sys.stderr):
        try:
            s.flush()
        except Exception:
            pass


def _atexit_register(func, *args, **kwargs):
    EXIT_FUNCS.append((func, args, kwargs))
    return func


def _atexit_unregister(func):
    EXIT_FUNCS[:] = [e for e in EXIT_FUNCS if e[0] != func]


def run_exit_handlers():
    """What the interpreter does at exit: join threads, then the exit handlers,
    last registered first; an exception in one is reported and ignored."""
    code = None
    try:
        threading._shutdown()
    except Exception:
        pass
    while EXIT_FUNCS:
        func, args, kwargs = EXIT_FUNCS.pop()
        try:
            func(*args, **kwargs)
        except SystemExit as e:
            code = exit_code_of(e)
        except BaseException as e:
            sys.stderr.write("Exception ignored in atexit callback: %r\n" % (func,))
            report_uncaught(e)
    try:
        import atexit

        atexit._run_exitfuncs()
    except BaseException:
        pass
    return code


def report_uncaught(e):
    tb = e.__traceback__
    # The first frame is this harness's exec call.
    if tb is not None and tb.tb_frame.f_code is run_program.__code__:
        tb = tb.tb_next
    # An interrupt that lands while the job waits at a safe point is raised
    # in this harness's frames: plain Python would show the program's only.
    t = tb
    while t is not None and t.tb_next is not None:
        if t.tb_next.tb_frame.f_code.co_filename == __file__:
            t.tb_next = None
            break
        t = t.tb_next
    e.__traceback__ = tb
    try:
        sys.excepthook(type(e), e, tb)
    except Exception:
        import traceback

        traceback.print_exception(type(e), e, tb)


def run_program(msg):
    """Runs the job's module from its start, or from where a restored
    checkpoint stopped, until its code is done; it stops at each safe point
    on the way (`stop`) and waits there for the next `run`."""
    STATE["started"] = True
    begin(msg)
    end = None
    if not STATE["done"]:
        try:
            exec(PROG, MAIN.__dict__)
        except SystemExit as e:
            end = {"code": exit_code_of(e), "reason": None, "unit": CUR["unit"]}
        except KeyboardInterrupt as e:
            report_uncaught(e)
            end = {"code": 130, "reason": None, "unit": CUR["unit"], "signal": int(signal.SIGINT)}
        except MemoryError as e:
            report_uncaught(e)
            end = {"code": 1, "reason": memory_reason(), "unit": CUR["unit"]}
        except BaseException as e:
            report_uncaught(e)
            end = {"code": 1, "reason": None, "unit": CUR["unit"]}
    STATE["done"] = True
    ENTRY["frame"] = None
    usage = measure()
    flush()
    if end is not None:
        finish(end, usage)
    stop = {"next": len(SPEC["units"]), "step": False}
    send({"type": "unit_done", "unit": CUR["unit"], "usage": usage, "stop": stop})


def memory_reason():
    limit = SPEC.get("memory_limit", 0) if SPEC else 0
    if limit:
        return "the program ran out of memory under its memory limit of %.1f GiB" % (limit / 2**30)
    return None


def finish(end, usage=None):
    reap_children()
    code = run_exit_handlers()
    if code is not None:
        end["code"] = code
    flush()
    send({"type": "exited", "end": end, "usage": usage})
    os._exit(0)


# --- safe points ----------------------------------------------------------------
#
# The job's module is compiled once, rewritten so that it can stop between
# its top-level statements, between the statements of its entry function
# (`main()`), and between the iterations of loops at either level, and can be
# resumed there in another worker. Each such statement gets a number (pc) per
# level (0: module, 1: entry function) and:
#   __prescient_h.point(S, pc)              # a safe point before it
#   if __prescient_h.due(S, last_pc): stmt  # skipped while resuming past it
# `if` tests take the branch a resume target lies in without being evaluated
# again; `for` loops iterate through `loop` (their iterator moves with a
# checkpoint, so a resumed loop goes on at its next item); `while` tests call
# `tick` first. The entry function starts by restoring its locals when it is
# resumed. Nothing here changes what the program computes: guards are true
# and hooks return at once unless a resume or a stop is under way.

import itertools
import operator
import symtable

# Resume targets per level (None: not resuming), the last safe point passed
# per level, and the kind of each module statement.
T = [None, None]
POS = [None, None]
KIND = {}
UNIT_OF = {}
# The entry function's running frame (None outside it) and a resumed one's
# saved locals; the loop stopped at, and a restored one to resume.
ENTRY = {"frame": None, "name": None, "pending": None}
LOOP = {"state": None, "pending": None}
STATE = {"started": False, "done": False, "resume": None}
CUR = {"unit": 0, "step_after": None, "t0": 0.0, "c0": 0.0, "method": "hwm", "iters": 0}
TICK = [1]
SECOND = operator.itemgetter(1)
# Loop chunks: items between two looks at the clock, so that a loop of tiny
# iterations pays for its safe points per chunk, not per item.
CHUNK_MAX = 1 << 16


def reset_position():
    T[0] = T[1] = None
    POS[0] = POS[1] = None
    KIND.clear()
    UNIT_OF.clear()
    ENTRY.update(frame=None, name=None, pending=None)
    LOOP.update(state=None, pending=None)
    STATE.update(started=False, done=False, resume=None)


def _hook(name, *args):
    return ast.Call(
        func=ast.Attribute(value=ast.Name(id="__prescient_h", ctx=ast.Load()), attr=name, ctx=ast.Load()),
        args=[a if isinstance(a, ast.AST) else ast.Constant(value=a) for a in args],
        keywords=[],
    )


def _has_yield(fn):
    todo = list(fn.body)
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.Yield, ast.YieldFrom, ast.Await)):
            return True
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        todo.extend(ast.iter_child_nodes(n))
    return False


class Safepoints:
    """Rewrites the module's tree with its safe points; units map each
    statement to the unit (analysis section) it belongs to."""

    def __init__(self, units, source, path):
        self.units = units
        self.entries = {u.get("scope", "module") for u in units} - {"module"}
        self.pc = [0, 0]
        self.last = {}
        self.locals = {}
        try:
            table = symtable.symtable(source, path, "exec")
            for child in table.get_children():
                if child.get_type() == "function" and child.get_name() in self.entries:
                    names = [
                        n.get_name()
                        for n in child.get_symbols()
                        if n.is_local() and not n.is_global() and not n.is_nonlocal()
                    ]
                    self.locals[child.get_name()] = names
        except (SyntaxError, ValueError):
            pass

    def unit_for(self, scope, st):
        first = min((d.lineno for d in getattr(st, "decorator_list", [])), default=st.lineno)
        end = getattr(st, "end_lineno", st.lineno) or st.lineno
        start = self.last.get(scope, 0)
        for i in range(start, len(self.units)):
            u = self.units[i]
            if u.get("scope", "module") == scope and first <= u["end_line"] and end >= u["start_line"]:
                self.last[scope] = i
                return i
        return None

    def module(self, tree):
        body = list(tree.body)
        head = []
        # A docstring and `from __future__` imports must stay first.
        while body and (
            (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str) and not head)
            or (isinstance(body[0], ast.ImportFrom) and body[0].module == "__future__")
        ):
            head.append(body.pop(0))
        tree.body = head + self.block(body, 0, "module")
        return ast.fix_missing_locations(tree)

    def block(self, stmts, level, scope):
        out = []
        for st in stmts:
            out.extend(self.stmt(st, level, scope))
        return out

    def stmt(self, st, level, scope):
        self.pc[level] += 1
        pc = self.pc[level]
        UNIT_OF[(level, pc)] = self.unit_for(scope, st)
        kind = "other"
        new = st
        if isinstance(st, ast.If):
            b_lo = self.pc[level] + 1
            body = self.block(st.body, level, scope)
            b_hi = self.pc[level]
            e_lo = self.pc[level] + 1
            orelse = self.block(st.orelse, level, scope)
            e_hi = self.pc[level]
            test = ast.BoolOp(
                op=ast.Or(),
                values=[
                    _hook("inside", level, b_lo, b_hi),
                    ast.BoolOp(
                        op=ast.And(),
                        values=[ast.UnaryOp(op=ast.Not(), operand=_hook("inside", level, e_lo, e_hi)), st.test],
                    ),
                ],
            )
            new = ast.If(test=test, body=body or [ast.Pass()], orelse=orelse)
        elif isinstance(st, ast.Try):
            body = self.block(st.body, level, scope)
            new = ast.Try(body=body, handlers=st.handlers, orelse=st.orelse, finalbody=st.finalbody)
        elif isinstance(st, ast.For):
            kind = "loop"
            it = ast.BoolOp(op=ast.Or(), values=[_hook("resumed", level, pc), _hook("loop", level, pc, st.iter)])
            new = ast.For(target=st.target, iter=it, body=st.body, orelse=st.orelse, type_comment=None)
        elif isinstance(st, ast.While):
            kind = "loop"
            test = ast.BoolOp(op=ast.And(), values=[_hook("tick", level, pc), st.test])
            new = ast.While(test=test, body=st.body, orelse=st.orelse)
        elif isinstance(st, (ast.Expr, ast.Assign, ast.AnnAssign, ast.Raise)):
            kind = "simple"
        elif (
            isinstance(st, ast.FunctionDef)
            and level == 0
            and st.name in self.entries
            and st.name in self.locals
            and not _has_yield(st)
        ):
            self.entry(st)
        if level == 0:
            KIND[pc] = kind
        hi = self.pc[level]
        point = ast.Expr(value=_hook("point", level, pc))
        guard = ast.If(test=_hook("due", level, hi), body=[new], orelse=[])
        for n in (point, guard, new):
            ast.copy_location(n, st)
        return [point, guard]

    def entry(self, fn):
        body = list(fn.body)
        head = []
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            head.append(body.pop(0))
        saved = "__prescient_l"
        pre = [
            ast.Assign(
                targets=[ast.Name(id=saved, ctx=ast.Store())],
                value=_hook("enter", fn.name),
            )
        ]
        restore = []
        for name in self.locals[fn.name]:
            restore.append(
                ast.If(
                    test=ast.Compare(
                        left=ast.Constant(value=name), ops=[ast.In()], comparators=[ast.Name(id=saved, ctx=ast.Load())]
                    ),
                    body=[
                        ast.Assign(
                            targets=[ast.Name(id=name, ctx=ast.Store())],
                            value=ast.Subscript(
                                value=ast.Name(id=saved, ctx=ast.Load()), slice=ast.Constant(value=name), ctx=ast.Load()
                            ),
                        )
                    ],
                    orelse=[],
                )
            )
        if restore:
            pre.append(
                ast.If(
                    test=ast.Compare(left=ast.Name(id=saved, ctx=ast.Load()), ops=[ast.IsNot()], comparators=[ast.Constant(value=None)]),
                    body=restore,
                    orelse=[],
                )
            )
        for n in pre:
            ast.copy_location(n, fn.body[0])
            for c in ast.walk(n):
                ast.copy_location(c, fn.body[0])
        fn.body = head + pre + self.block(body, 1, fn.name)


def due(level, hi):
    t = T[level]
    return t is None or t <= hi


def inside(level, lo, hi):
    t = T[level]
    return t is not None and lo <= t <= hi


def point(level, pc):
    if level == 0:
        # Module code runs again: the entry function has returned.
        ENTRY["frame"] = None
    elif sys._getframe(1) is not ENTRY["frame"]:
        return  # the entry function called some other way: no safe points
    t = T[level]
    POS[level] = pc
    if t is not None:
        if t == pc:
            T[level] = None
        return
    u = UNIT_OF.get((level, pc))
    if u is not None and u > CUR["unit"]:
        stop(u, False)


def enter(name):
    """The entry function starts: its saved locals when it is resumed.
    Its safe points count only when module code called it directly from a
    plain statement (not a loop or a `with` block, which a resume could not
    re-enter) and it is not already running."""
    frame = sys._getframe(1)
    caller = frame.f_back
    if (
        caller is None
        or caller.f_code is not PROG
        or ENTRY["frame"] is not None
        or KIND.get(POS[0]) != "simple"
    ):
        return None
    ENTRY["frame"] = frame
    ENTRY["name"] = name
    p = ENTRY["pending"]
    if p is not None and p["name"] == name:
        ENTRY["pending"] = None
        T[1] = p["pc"]
        return p["locals"]
    return None


class LoopState:
    __slots__ = ("level", "pc", "it", "count")

    def __init__(self, level, pc, it, count):
        self.level, self.pc, self.it, self.count = level, pc, it, count


def resumed(level, pc):
    p = LOOP["pending"]
    if p is None or p[0] != level or p[1] != pc:
        return None
    LOOP["pending"] = None
    if p[2] is None:
        return None
    return _chained(LoopState(level, pc, p[2], p[3]))


def loop(level, pc, iterable):
    if level == 1 and sys._getframe(1) is not ENTRY["frame"]:
        return iterable
    return _chained(LoopState(level, pc, iter(iterable), 0))


def _chained(st):
    return itertools.chain.from_iterable(_chunks(st))


def _chunks(st):
    n = 1
    first = True
    while True:
        if not first:
            at_step(st)
        first = False
        # zip pulls from range, then the loop's iterator, then the counter:
        # the counter says how many items the chunk gave, so a short chunk
        # means the loop's iterator is done, without reading ahead of it.
        got = itertools.count()
        t = time.perf_counter()
        yield map(SECOND, zip(range(n), st.it, got))
        k = next(got)
        if k < n:
            st.count += k
            return
        st.count += n
        CUR["iters"] += n
        n = _next_chunk(n, time.perf_counter() - t)


def _next_chunk(n, took):
    if CUR["step_after"] == 0:
        return 1
    if took < 0.0005:
        return min(n * 2, CHUNK_MAX)
    if took > 0.005:
        return max(n // 2, 1)
    return n


def exhausted(it):
    """True when a built-in iterator (over a list, range, tuple, dict...) says
    it has nothing left; their length hints are exact and run no job code."""
    if type(it).__module__ != "builtins":
        return False
    try:
        return operator.length_hint(it, -1) == 0
    except Exception:
        return False


def at_step(st):
    """A safe point between two iterations: stop when the coordinator asked
    for a stop this far into the run."""
    after = CUR["step_after"]
    if after is None or CUR["iters"] < 1 or time.perf_counter() - CUR["t0"] < after:
        return
    if exhausted(st.it):
        return  # the last iteration is done: the next safe point is right after
    LOOP["state"] = st
    try:
        stop(CUR["unit"], True)
    finally:
        LOOP["state"] = None


def tick(level, pc):
    TICK[0] -= 1
    if TICK[0] > 0:
        return True
    return _slow_tick(level, pc)


def _slow_tick(level, pc):
    if level == 1 and sys._getframe(2) is not ENTRY["frame"]:
        TICK[0] = CHUNK_MAX
        return True
    now = time.perf_counter()
    last = CUR.get("tick_at", now)
    CUR["tick_at"] = now
    n = CUR.get("tick_n", 1)
    CUR["tick_n"] = n = _next_chunk(n, now - last)
    TICK[0] = n
    at_step(LoopState(level, pc, None, 0))
    CUR["iters"] += n
    return True


def measure():
    st = status_bytes("VmHWM", "VmRSS")
    # The pre-copy thread's CPU is the migration's, not the program's: it is
    # not learnt as the program's demand. Confined to one CPU, it also took
    # that much of the unit's wall time.
    copy = max(0.0, PRECOPY["cpu"] - CUR["p0"])
    wall = time.perf_counter() - CUR["t0"]
    if CUR.get("one_cpu"):
        wall -= copy
    return {
        "wall_seconds": max(wall, 0.0),
        "cpu_seconds": max(time.process_time() - CUR["c0"] - copy, 0.0),
        "peak_rss_bytes": st["VmHWM"],
        "rss_after_bytes": st["VmRSS"],
        "rss_method": CUR["method"],
    }


def begin(msg):
    STATE["resume"] = None  # running: the resume is under way or done
    CUR["unit"] = msg["unit"]
    CUR["step_after"] = msg.get("step_after")
    CUR["iters"] = 0
    CUR["tick_n"] = 1
    TICK[0] = 1
    CUR["method"] = reset_peak()
    CUR["t0"] = time.perf_counter()
    CUR["c0"] = time.process_time()
    CUR["p0"] = PRECOPY["cpu"]
    CUR["one_cpu"] = own_cpus() <= 1
    CUR.pop("tick_at", None)


def stop(nxt, step):
    """Ends the running unit (or a step of it) and waits here, inside the
    program, for the next `run`; checkpoints taken meanwhile resume here."""
    usage = measure()
    flush()
    send({"type": "unit_done", "unit": CUR["unit"], "usage": usage, "stop": {"next": nxt, "step": step}})
    begin(serve_until_run())


def resume_state():
    """Where the job is, for a checkpoint: None before it started."""
    if STATE["done"]:
        return {"done": True}
    if not STATE["started"]:
        return None
    if STATE["resume"] is not None:
        # Restored here and not run since (a pre-copy or a move before the
        # next run): the job is where the checkpoint it came from said.
        return STATE["resume"]
    r = {"module": POS[0], "entry": None, "loop": None}
    f = ENTRY["frame"]
    if f is not None:
        loc = {k: v for k, v in f.f_locals.items() if not k.startswith("__prescient")}
        r["entry"] = {"name": ENTRY["name"], "pc": POS[1], "locals": loc}
    st = LOOP["state"]
    if st is not None:
        r["loop"] = (st.level, st.pc, st.it, st.count)
    return r


def set_resume(r):
    reset_resume = r is None or r.get("module") is None
    if r is not None and r.get("done"):
        STATE.update(started=True, done=True)
        return
    if reset_resume:
        return
    STATE["started"] = True
    STATE["resume"] = r
    T[0] = r["module"]
    ENTRY["pending"] = r.get("entry")
    LOOP["pending"] = r.get("loop")


# --- checkpoint and restore -----------------------------------------------------

def _make_main_function(code, name, ncells):
    g = sys.modules["__main__"].__dict__
    closure = tuple(types.CellType() for _ in range(ncells)) if ncells else None
    return types.FunctionType(code, g, name, None, closure)


def _set_main_function_state(f, state):
    f.__defaults__ = state["defaults"]
    f.__kwdefaults__ = state["kwdefaults"]
    f.__qualname__ = state["qualname"]
    f.__doc__ = state["doc"]
    f.__annotations__ = state["annotations"]
    f.__dict__.update(state["dict"])
    for cell, (full, value) in zip(f.__closure__ or (), state["cells"]):
        if full:
            cell.cell_contents = value
    return f


def _owner(arr):
    """The outermost array a view looks into (it may itself wrap a plain
    buffer, as restored arrays do), or None when `arr` is not a view of one."""
    base = arr.base
    if not isinstance(base, numpy.ndarray):
        return None
    while isinstance(base.base, numpy.ndarray):
        base = base.base
    return base


def _make_view(owner, offset, shape, strides, dtype, writeable):
    v = numpy.ndarray(shape, dtype=dtype, buffer=owner, offset=offset, strides=strides)
    v.flags.writeable = writeable
    return v


def _cell_value(cell):
    try:
        return (True, cell.cell_contents)
    except ValueError:
        return (False, None)


if cloudpickle is not None:

    class MainPickler(cloudpickle.Pickler):
        """cloudpickle, except that functions of the job's `__main__` are rebuilt
        on the target with *that* worker's `__main__` namespace as their globals,
        so later sections see one namespace, as in a single process."""

        def reducer_override(self, obj):
            # A view is rebuilt as a view of its owner (pickled once), so that
            # writes through one name are seen through the other, as before.
            if numpy is not None and type(obj) is numpy.ndarray and obj.base is not None:
                owner = _owner(obj)
                if owner is not None:
                    start = owner.__array_interface__["data"][0]
                    offset = obj.__array_interface__["data"][0] - start
                    return (
                        _make_view,
                        (owner, offset, obj.shape, obj.strides, obj.dtype, obj.flags.writeable),
                    )
            if (
                type(obj) is types.FunctionType
                and MAIN is not None
                and obj.__globals__ is MAIN.__dict__
            ):
                state = {
                    "defaults": obj.__defaults__,
                    "kwdefaults": obj.__kwdefaults__,
                    "qualname": obj.__qualname__,
                    "doc": obj.__doc__,
                    "annotations": obj.__annotations__,
                    "dict": obj.__dict__,
                    "cells": [_cell_value(c) for c in obj.__closure__ or ()],
                }
                ncells = len(obj.__closure__ or ())
                return (
                    _make_main_function,
                    (obj.__code__, obj.__name__, ncells),
                    state,
                    None,
                    None,
                    _set_main_function_state,
                )
            return super().reducer_override(obj)


def describe(value):
    t = type(value)
    kind = "%s.%s" % (t.__module__, t.__qualname__)
    if isinstance(value, io.IOBase):
        state = "a closed" if value.closed else "an open"
        return "%s file (%s %r)" % (state, kind, getattr(value, "name", "?"))
    if isinstance(value, socket.socket):
        return "a socket"
    if isinstance(value, types.GeneratorType):
        return "a running generator (%s)" % value.__qualname__
    if isinstance(value, threading.Thread):
        return "a thread (%s)" % value.name
    return "a %s" % kind


def dumps(obj, buffers):
    f = io.BytesIO()
    MainPickler(f, protocol=5, buffer_callback=buffers.append).dump(obj)
    return f.getbuffer()


def refusal():
    """Why the namespace cannot move now, or None."""
    others = [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread()
        and t.is_alive()
        and t is not PRECOPY["thread"]
        and t is not PRELOAD.thread
        and t is not SPARE_THREAD.thread
    ]
    if others:
        return "a thread is running (%s)" % others[0].name
    return None


def snapshot():
    """The job's state to pickle: its namespace, and what lives outside it."""
    state = {k: v for k, v in MAIN.__dict__.items() if k not in SKIP}
    extras = {}
    if "random" in sys.modules:
        extras["random"] = sys.modules["random"].getstate()
    if "numpy" in sys.modules:
        extras["numpy"] = sys.modules["numpy"].random.get_state()
    extras["atexit"] = list(EXIT_FUNCS)
    extras["resume"] = resume_state()
    return state, extras


def join_precopy():
    t = PRECOPY["thread"]
    if t is not None:
        t.join()
        PRECOPY["thread"] = None


def precopy():
    """Sends the large buffers ahead from a thread while the job runs on. A
    buffer counts as pre-copied only if its hash after sending equals its hash
    before: one the job wrote to meanwhile goes again with the checkpoint."""
    join_precopy()
    PRECOPY["valid"] = set()
    PRECOPY["abort"] = False
    WATCHED.clear()
    OLD_AT.clear()
    ROUND[0] += 1
    raws = []
    # What moves in the pause anyway (hot and fresh buffers): the target
    # faults in memory of these sizes ahead, so the pause only copies.
    spare = list(FRESH)
    if cloudpickle is not None and MAIN is not None:
        buffers = []
        try:
            dumps(snapshot(), buffers)
            for r in (b.raw() for b in buffers):
                if r.nbytes < PRECOPY_MIN:
                    continue
                if skip_hot(r):
                    spare.append(r.nbytes)
                else:
                    raws.append(r)
        except BaseException:
            raws = []  # the checkpoint will say why, if it comes
    valid = PRECOPY["valid"]

    one_cpu = own_cpus() <= 1
    duty = PRECOPY_DUTY_ONE_CPU if one_cpu else PRECOPY_DUTY

    def pace(t_start, busy_start, counted):
        """Counts the thread's CPU and sleeps it down to its duty; returns the
        CPU counted so far. Sleeps in slices so that an abort is seen."""
        busy = time.thread_time() - busy_start
        PRECOPY["cpu"] += busy - counted
        while not PRECOPY["abort"]:
            ahead = busy / duty - (time.perf_counter() - t_start)
            if ahead <= 0:
                break
            time.sleep(min(ahead, 0.01))
        return busy

    def run():
        sent = 0
        t_start = time.perf_counter()
        busy_start = time.thread_time()
        counted = 0.0
        d = dirty_pages()
        regions = d.anonymous_regions() if d is not None else []
        for r in raws:
            counted = pace(t_start, busy_start, counted)
            if PRECOPY["abort"]:
                break
            # Protected before it is read: a write from here on is seen.
            span = page_span(r) if d is not None else None
            tracked = span is not None and d.protect(*span, regions)
            k = buffer_key(r)
            if k in valid:
                continue
            send({"type": "cache", "hash": k}, [r])
            sent += 1
            same = d.written(*span) is False if tracked else buffer_key(r) == k
            if same:
                valid.add(k)
                OLD_AT[address_of(r)] = k
                try:
                    if tracked:
                        WATCHED[k] = (weakref.ref(r.obj), r.nbytes, span)
                except TypeError:
                    pass  # no weak reference to it: hashed at the pause
        PRECOPY["cpu"] += max(0.0, time.thread_time() - busy_start - counted)
        send({"type": "precopy_done", "sent": sent, "unchanged": len(valid)})

    t = threading.Thread(target=run, name="prescient-precopy", daemon=True)
    PRECOPY["thread"] = t
    t.start()
    try:
        modules = job_libraries()
    except Exception:
        modules = []
    send(
        {
            "type": "precopy_started",
            "buffers": len(raws),
            "bytes": sum(r.nbytes for r in raws),
            "modules": modules,
            "spare": spare,
        }
    )


# Children writing forked checkpoints, reaped at the next one and at the end
# (by pid: waiting for any child would take the program's own).
CHILDREN = []


def reap_children():
    for pid in list(CHILDREN):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            CHILDREN.remove(pid)


def oom_score_adj(value):
    """Reads this process's OOM score adjustment, or sets it to `value`;
    returns the value read (None when it cannot be read or set)."""
    try:
        if value is None:
            with open("/proc/self/oom_score_adj") as f:
                return f.read().strip()
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write(value)
        return value
    except OSError:
        return None


def forked_checkpoint():
    """A recovery checkpoint off the job's path: a child, holding the state
    as it is now (copy-on-write), pickles it and writes it as one frame on
    the attached socket, then exits; the job goes on at once. Memory the job
    rewrites meanwhile is copied for the child, within the job's limit."""
    global SOCK, SEND_LOCK
    dsock = take_fd()
    reap_children()
    # The coordinator asks for a checkpoint only once the last one is stored
    # or given up: a child still here is stuck, and holds memory.
    for pid in list(CHILDREN):
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        CHILDREN.remove(pid)
    flush()
    # The child must be the kernel's first choice from its first instant:
    # set in the child alone, a job rewriting its memory at once could run
    # the node out before the child is scheduled to mark itself. So the job
    # marks itself, forks (the child inherits the mark) and takes it back
    # (an unprivileged process may return to a value it had).
    adj = oom_score_adj(None)
    marked = adj is not None and oom_score_adj("1000") is not None
    try:
        pid = os.fork()
    except OSError as e:
        if marked:
            oom_score_adj(adj)
        dsock.close()
        send({"type": "error", "message": "cannot fork for a checkpoint: %s" % e})
        return
    if pid != 0 and marked:
        oom_score_adj(adj)
    if pid == 0:
        code = 0
        try:
            # Pages the job rewrites meanwhile are copied for the child, within
            # the node's memory limit: if that runs out, the kernel is to end
            # the checkpoint, not the job.
            try:
                with open("/proc/self/oom_score_adj", "w") as f:
                    f.write("1000")
            except OSError:
                pass
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            SOCK = dsock
            SEND_LOCK = threading.Lock()
            PRECOPY["thread"] = None
            # A recovery copy: no pre-copy policy to learn or carry.
            checkpoint_to(None, False, False, policy=False)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    dsock.close()
    CHILDREN.append(pid)
    send({"type": "forked", "pid": pid})


def checkpoint(use_refs=False, direct=False, cut=False, fork=False):
    if fork:
        forked_checkpoint()
        return
    # The data channel is taken now, so that a refusal closes it too.
    dsock = take_fd() if direct else None
    try:
        checkpoint_to(dsock, use_refs, cut)
    finally:
        if dsock is not None:
            dsock.close()


def checkpoint_to(dsock, use_refs, cut, policy=True):
    direct = dsock is not None
    t_wait = time.perf_counter()
    join_precopy()
    precopy_wait = time.perf_counter() - t_wait
    if cloudpickle is None:
        send({"type": "refused", "reason": "cloudpickle is not installed in the worker environment"})
        return
    why = refusal()
    if why:
        send({"type": "refused", "reason": why})
        return
    t0 = time.perf_counter()
    state, extras = snapshot()
    buffers = []
    try:
        data = dumps((state, extras), buffers)
    except BaseException as e:
        send({"type": "refused", "reason": culprit(state, e)})
        return
    try:
        raws = [b.raw() for b in buffers]
    except BufferError as e:
        send({"type": "refused", "reason": "a buffer is not contiguous: %s" % e})
        return
    try:
        streaks = note_rewritten(raws) if policy else {}
    except Exception:
        streaks = {}  # a policy hint only

    def streak(r):
        """The byte that travels: the count (up to 127) and FRESH_BIT."""
        try:
            b = streaks.get(address_of(r), 0) if r.nbytes >= PRECOPY_MIN else 0
        except Exception:
            return 0
        return min(b & ~FRESH_BIT, 127) | (b & FRESH_BIT)

    valid = PRECOPY["valid"] if use_refs else ()
    if direct:
        stream_checkpoint(dsock, data, raws, valid, cut, time.perf_counter() - t0, precopy_wait, streak)
        return
    refs = []
    blobs = [data]
    reused = 0
    for r in raws:
        h = checkpoint_key(r, valid)
        if h is not None and h in valid:
            refs.append(h)
            reused += r.nbytes
        else:
            # "=N": among the blobs, found changed at N pauses in a row.
            n = streak(r)
            refs.append("=%d" % n if n else None)
            blobs.append(r)
    msg = {
        "type": "checkpoint",
        "seconds": time.perf_counter() - t0,
        "refs": refs,
        "precopy_wait_seconds": precopy_wait,
        "precopied_bytes": reused,
    }
    send(msg, blobs)


def checkpoint_key(r, valid):
    """A large buffer's key at the pause: known without hashing when its pages
    were not written since the pre-copy, else its hash; None for buffers that
    go with the checkpoint anyway."""
    if not valid or r.nbytes < PRECOPY_MIN:
        return None
    return unchanged_key(r, valid) or buffer_key(r)


def stream_checkpoint(dsock, data, raws, valid, cut, seconds, precopy_wait, streak):
    """Same host: the checkpoint goes to the target worker as one stream on the
    socket pair: the pickle, then per buffer either the key of a pre-copied
    one or its bytes. A thread sends while this one hashes the next buffer,
    so the pause is about the longer of the two, not their sum. The header
    goes first, so the target starts reading at once."""
    import queue

    send(
        {
            "type": "checkpoint",
            "seconds": seconds,
            "refs": [],
            "precopy_wait_seconds": precopy_wait,
            "precopied_bytes": 0,
        }
    )
    total = len(data) + sum(r.nbytes for r in raws)
    q = queue.Queue()
    result = {"error": None, "sent": 0}

    def sender():
        try:
            while True:
                item = q.get()
                if item is None:
                    return
                for part in item:
                    v = memoryview(part).cast("B")
                    if cut and result["sent"] + v.nbytes > total // 2:
                        dsock.sendall(v[: max(total // 2 - result["sent"], 0)])
                        dsock.shutdown(socket.SHUT_RDWR)
                        raise ConnectionError("cut half way by a fault injection")
                    dsock.sendall(v)
                    result["sent"] += v.nbytes
        except OSError as e:
            result["error"] = "%s: %s" % (type(e).__name__, e)
            # Keep draining so the hashing side never blocks on a full queue.
            while q.get() is not None:
                pass

    t = threading.Thread(target=sender, name="prescient-send", daemon=True)
    t.start()
    q.put([struct.pack("<QQ", len(raws), len(data)), data])
    reused = 0
    moved = len(data)
    # The target holds the pre-copied version of a buffer that changed since:
    # it can receive the new bytes into that memory, already faulted in,
    # instead of into fresh pages.
    old_at = {k.rsplit("@", 1)[-1]: k for k in valid}
    # Each buffer: its tag, then its streak (pauses in a row it changed).
    for r in raws:
        key = checkpoint_key(r, valid)
        if key is not None and key in valid:
            k = key.encode()
            q.put([struct.pack("<BBH", 0, 0, len(k)), k])
            reused += r.nbytes
            continue
        old = old_at.get(key.rsplit("@", 1)[-1]) if key is not None else None
        if old is not None:
            k = old.encode()
            q.put([struct.pack("<BBHQ", 2, streak(r), len(k), r.nbytes), k, r])
        else:
            q.put([struct.pack("<BBQ", 1, streak(r), r.nbytes), r])
        moved += r.nbytes
    q.put(None)
    t.join()
    error = result["error"]
    send(
        {
            "type": "direct_done",
            "ok": error is None,
            "error": error,
            "bytes": moved,
            "buffers": len(raws),
            "precopied_bytes": reused,
        }
    )


def read_stream(sock):
    """The target side of stream_checkpoint: the pickle, the buffers, and
    per buffer its streak."""
    n, plen = struct.unpack("<QQ", bytes(recv_exact(16, sock)))
    data = recv_exact(plen, sock)
    buffers = []
    streaks = []
    used = set()
    for _ in range(n):
        tag, streak = struct.unpack("<BB", bytes(recv_exact(2, sock)))
        streaks.append(streak)
        if tag == 0:
            (klen,) = struct.unpack("<H", bytes(recv_exact(2, sock)))
            key = bytes(recv_exact(klen, sock)).decode()
            # A missing key raises KeyError: the restore fails, the job stays.
            buf = CACHE[key]
            buffers.append(bytearray(buf) if key in used else buf)
            used.add(key)
        elif tag == 2:
            klen, size = struct.unpack("<HQ", bytes(recv_exact(10, sock)))
            key = bytes(recv_exact(klen, sock)).decode()
            old = CACHE.get(key)
            if old is not None and key not in used and memoryview(old).nbytes == size:
                used.add(key)
                PREFAULTED[0] += size  # its stale copy's pages are there
                buffers.append(recv_into_exact(old, sock))
            else:
                buffers.append(recv_spare(size, sock))
        else:
            (size,) = struct.unpack("<Q", bytes(recv_exact(8, sock)))
            buffers.append(recv_spare(size, sock))
    return data, buffers, streaks


def culprit(state, err):
    r = resume_state() or {}
    loc = (r.get("entry") or {}).get("locals") or {}
    if r.get("loop") is not None:
        try:
            dumps(r["loop"][2], [])
        except BaseException as e:
            return "the loop being run iterates over %s, which cannot move (%s)" % (describe(r["loop"][2]), e)
    for k, v in list(state.items()) + list(loc.items()):
        try:
            dumps(v, [])
        except BaseException as e:
            return "`%s` holds %s, which cannot move (%s)" % (k, describe(v), e)
    for func, _, _ in EXIT_FUNCS:
        try:
            dumps(func, [])
        except BaseException as e:
            return "the exit handler %r cannot move (%s)" % (func, e)
    return "the namespace cannot be pickled: %s" % err


def restore(spec, blobs, refs, stream=None):
    become(spec.get("user"))
    t0 = time.perf_counter()
    streaks = [streak_of_ref(r) for r in refs]
    if stream is not None:
        # The bytes come on the data channel from the source worker.
        data, buffers, streaks = read_stream(stream)
        t0 = time.perf_counter()
        blobs = [data] + buffers
        refs = []
    # The libraries imported ahead (if any) are in before the pickle names them.
    PRELOAD.join()
    setup(spec)
    data = iter(blobs[1:])
    if refs:
        # A missing hash raises KeyError: the restore fails, the job stays.
        # Equal buffers share a hash: each array after the first gets a copy,
        # or they would share memory.
        used = set()
        buffers = []
        for h in refs:
            if not h or h.startswith("="):
                buffers.append(next(data))
            elif h in used:
                buffers.append(bytearray(CACHE[h]))
            else:
                used.add(h)
                buffers.append(CACHE[h])
    else:
        buffers = blobs[1:]
    state, extras = pickle.loads(blobs[0], buffers=buffers)
    keep_streaks(buffers, streaks)
    CACHE.clear()
    SPARE_THREAD.join()
    SPARE.clear()
    MAIN.__dict__.update(state)
    if "random" in extras:
        import random

        random.setstate(extras["random"])
    if "numpy" in extras:
        import numpy as np

        np.random.set_state(extras["numpy"])
    EXIT_FUNCS[:] = extras.get("atexit", [])
    set_resume(extras.get("resume"))
    return time.perf_counter() - t0


# --- the loop ---------------------------------------------------------------------

def handle_common(kind, msg, blobs):
    """Requests served wherever the worker waits (before the job, at a safe
    point inside it, after it). False: not one of them."""
    global DATA
    if kind == "checkpoint":
        checkpoint(
            bool(msg.get("use_refs")),
            bool(msg.get("direct")),
            bool(msg.get("cut")),
            bool(msg.get("fork")),
        )
    elif kind == "data_channel":
        DATA = take_fd()
    elif kind == "precopy":
        precopy()
    elif kind == "precopy_abort":
        PRECOPY["abort"] = True
    elif kind == "preload":
        become(msg.get("user"))
        reserve_spare(list(msg.get("spare") or []))
        preload(list(msg.get("modules") or []))
    elif kind == "cache":
        CACHE[msg["hash"]] = blobs[0]
    elif kind == "finish":
        finish({"code": 0, "reason": None, "unit": None})
    else:
        return False
    return True


def serve_until_run():
    """Serves requests at a safe point inside the program until the next
    `run`, which it returns."""
    while True:
        msg, blobs = recv()
        kind = msg.get("type")
        if kind == "run":
            return msg
        if not handle_common(kind, msg, blobs):
            send({"type": "error", "message": "request %r while the job runs" % kind})


def serve():
    global DATA
    while True:
        msg, blobs = recv()
        kind = msg.get("type")
        if kind == "start":
            try:
                setup(msg["spec"])
            except Exception as e:
                send({"type": "error", "message": "cannot set up the job: %s: %s" % (type(e).__name__, e)})
                continue
            send({"type": "started", "rss_bytes": status_bytes("VmRSS")["VmRSS"]})
        elif kind == "run":
            run_program(msg)
        elif handle_common(kind, msg, blobs):
            pass
        elif kind == "restore":
            import gc

            gc.disable()  # a full collection is not worth its pause here
            try:
                stream = DATA if msg.get("direct") else None
                secs = restore(msg["spec"], blobs, msg.get("refs") or [], stream)
                if DATA is not None:
                    DATA.close()
                    DATA = None
                if msg.get("fail"):
                    raise RuntimeError("injected restore failure")
            except BaseException as e:
                send({"type": "restore_failed", "reason": "%s: %s" % (type(e).__name__, e)})
                os._exit(0)
            gc.enable()
            # A worker restores once: the count is this restore's.
            send({"type": "restored", "seconds": secs, "prefaulted_bytes": PREFAULTED[0]})
        else:
            send({"type": "error", "message": "unknown request %r" % kind})


def warm_up():
    """Runs once what a hand-over runs, before any job: the first pickling and
    unpickling and the first compile load code and caches that would
    otherwise be paid during a migration's pause."""
    try:
        buffers = []
        payload = {"a": numpy.arange(1 << 16) if numpy is not None else b"x", "f": warm_up}
        data = dumps((payload, {}), buffers)
        pickle.loads(data, buffers=[b.raw() for b in buffers])
        digest(memoryview(b"warm"))
        compile(ast.parse("x = 1\n"), "<warm>", "exec")
        # numpy loads numpy.random on first use (about 9 ms here); restoring
        # a job sets its generator state.
        import random  # noqa: F401

        if numpy is not None:
            numpy.random.get_state()
    except Exception:
        pass


def library_dirs():
    """Where installed libraries and the standard library live: modules from
    here can be imported ahead of a restore; the job's own cannot (their
    import may print or read files)."""
    import sysconfig

    dirs = set()
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        try:
            dirs.add(os.path.realpath(sysconfig.get_path(key)))
        except Exception:
            pass
    return tuple(d.rstrip(os.sep) + os.sep for d in dirs if d)


def job_libraries():
    """Library modules imported since the worker started, parents first."""
    dirs = library_dirs()
    names = []
    for name, m in list(sys.modules.items()):
        if name in BASE_MODULES or m is None or name.startswith("_prescient"):
            continue
        f = getattr(m, "__file__", None)
        if f is None:
            # Built in: only when named at top level (namespace packages and
            # synthetic modules have no file either).
            if "." not in name and name in sys.builtin_module_names:
                names.append(name)
            continue
        try:
            real = os.path.realpath(f)
        except Exception:
            continue
        if real.startswith(dirs):
            names.append(name)
    return sorted(names, key=lambda n: (n.count("."), n))


PRELOAD = Background("prescient-preload")


def preload(modules):
    """Imports a coming job's libraries while it still runs on its source,
    in a thread, so that the pre-copied buffers arriving meanwhile are still
    read; the restore joins it first."""
    import importlib

    def run():
        for name in modules:
            if name in sys.modules:
                continue
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    importlib.import_module(name)
            except BaseException:
                pass  # the restore imports what it needs, and says why if it fails

    PRELOAD.start(run)


def main(fd):
    global SOCK, BASE_MODULES
    SOCK = socket.socket(fileno=fd)
    warm_up()
    BASE_MODULES = frozenset(sys.modules)
    # What the interpreter and numpy loaded stays for good: keeping it out of
    # the collector's full passes keeps them short, in hand-overs and jobs.
    import gc

    gc.collect()
    gc.freeze()
    # Start-up work must not count against the job's first section.
    send({"type": "ready", "pid": os.getpid(), "numpy": numpy is not None})
    try:
        serve()
    except KeyboardInterrupt:
        # Interrupted between sections: what plain Python would print.
        sys.stderr.write("Traceback (most recent call last):\nKeyboardInterrupt\n")
        flush()
        try:
            end = {"code": 130, "reason": None, "unit": None, "signal": int(signal.SIGINT)}
            send({"type": "exited", "end": end, "usage": None})
        except Exception:
            pass
        os._exit(0)
    except EOFError:
        os._exit(0)
