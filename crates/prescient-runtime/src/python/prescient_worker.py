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

try:
    import numpy  # warm: the job does not pay numpy's import
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
# Pre-copy: buffers below this size go with the final checkpoint.
PRECOPY_MIN = 64 * 1024
PRECOPY = {"thread": None, "valid": set(), "abort": False}
# Pre-copied buffers received for a coming restore, by hash.
CACHE = {}
# Descriptors received with the last frame, and the socket pair end to the
# worker a job is moving to or from (same host).
PENDING_FDS = []
DATA = None
# Exit handlers the job registered: kept here, not in the interpreter, so that
# they move with the job.
EXIT_FUNCS = []
UNITS = []
SPEC = None
PAGE = os.sysconf("SC_PAGE_SIZE")
# Names in a module's namespace that belong to the interpreter, not the job.
SKIP = {"__builtins__", "__loader__", "__spec__", "__cached__"}


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
    if msg.get("direct") and msg.get("type") == "restore":
        # The bytes come on the data channel from the source worker.
        src = DATA
    else:
        src = SOCK
    blobs = [recv_exact(length, src) for length in lens]
    return msg, blobs


def take_fd():
    """The descriptor that came with the request being served; any older one
    (left by a request that did not use it) is closed."""
    if not PENDING_FDS:
        raise RuntimeError("expected a descriptor with this request")
    fd = PENDING_FDS.pop()
    while PENDING_FDS:
        os.close(PENDING_FDS.pop())
    return socket.socket(fileno=fd)


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

def setup(spec):
    """A fresh `__main__` for the job, and its units compiled from the source."""
    global MAIN, UNITS, SPEC
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
    groups = [[] for _ in spec["units"]]
    last = 0
    for stmt in tree.body:
        start = getattr(stmt, "lineno", 0)
        end = getattr(stmt, "end_lineno", start) or start
        first = min((d.lineno for d in getattr(stmt, "decorator_list", [])), default=start)
        for i, u in enumerate(spec["units"]):
            if first <= u["end_line"] and end >= u["start_line"] and i >= last:
                last = i
                break
        groups[last].append(stmt)
    UNITS = [compile(ast.Module(body=g, type_ignores=[]), path, "exec") for g in groups]


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
    if tb is not None and tb.tb_frame.f_code is run_unit.__code__:
        tb = tb.tb_next
    e.__traceback__ = tb
    try:
        sys.excepthook(type(e), e, tb)
    except Exception:
        import traceback

        traceback.print_exception(type(e), e, tb)


def run_unit(index):
    method = reset_peak()
    t0 = time.perf_counter()
    c0 = time.process_time()
    end = None
    try:
        exec(UNITS[index], MAIN.__dict__)
    except SystemExit as e:
        end = {"code": exit_code_of(e), "reason": None, "unit": index}
    except KeyboardInterrupt as e:
        report_uncaught(e)
        end = {"code": 130, "reason": None, "unit": index, "signal": int(signal.SIGINT)}
    except MemoryError as e:
        report_uncaught(e)
        end = {"code": 1, "reason": memory_reason(), "unit": index}
    except BaseException as e:
        report_uncaught(e)
        end = {"code": 1, "reason": None, "unit": index}
    wall = time.perf_counter() - t0
    cpu = time.process_time() - c0
    st = status_bytes("VmHWM", "VmRSS")
    flush()
    usage = {
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "peak_rss_bytes": st["VmHWM"],
        "rss_after_bytes": st["VmRSS"],
        "rss_method": method,
    }
    if end is not None:
        finish(end, usage)
    send({"type": "unit_done", "unit": index, "usage": usage})


def memory_reason():
    limit = SPEC.get("memory_limit", 0) if SPEC else 0
    if limit:
        return "the program ran out of memory under its memory limit of %.1f GiB" % (limit / 2**30)
    return None


def finish(end, usage=None):
    code = run_exit_handlers()
    if code is not None:
        end["code"] = code
    flush()
    send({"type": "exited", "end": end, "usage": usage})
    os._exit(0)


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
            if type(obj) is types.FunctionType and obj.__globals__ is MAIN.__dict__:
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
        if t is not threading.main_thread() and t.is_alive() and t is not PRECOPY["thread"]
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
    raws = []
    if cloudpickle is not None and MAIN is not None:
        buffers = []
        try:
            dumps(snapshot(), buffers)
            raws = [r for r in (b.raw() for b in buffers) if r.nbytes >= PRECOPY_MIN]
        except BaseException:
            raws = []  # the checkpoint will say why, if it comes
    valid = PRECOPY["valid"]

    def run():
        sent = 0
        for r in raws:
            if PRECOPY["abort"]:
                break
            k = buffer_key(r)
            if k in valid:
                continue
            send({"type": "cache", "hash": k}, [r])
            sent += 1
            if buffer_key(r) == k:
                valid.add(k)
        send({"type": "precopy_done", "sent": sent, "unchanged": len(valid)})

    t = threading.Thread(target=run, name="prescient-precopy", daemon=True)
    PRECOPY["thread"] = t
    t.start()
    send({"type": "precopy_started", "buffers": len(raws), "bytes": sum(r.nbytes for r in raws)})


def checkpoint(use_refs=False, direct=False, cut=False):
    # The data channel is taken now, so that a refusal closes it too.
    dsock = take_fd() if direct else None
    try:
        checkpoint_to(dsock, use_refs, cut)
    finally:
        if dsock is not None:
            dsock.close()


def checkpoint_to(dsock, use_refs, cut):
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
    refs = []
    blobs = [data]
    reused = 0
    valid = PRECOPY["valid"] if use_refs else ()
    for r in raws:
        h = buffer_key(r) if valid and r.nbytes >= PRECOPY_MIN else None
        if h is not None and h in valid:
            refs.append(h)
            reused += r.nbytes
        else:
            refs.append(None)
            blobs.append(r)
    msg = {
        "type": "checkpoint",
        "seconds": time.perf_counter() - t0,
        "refs": refs,
        "precopy_wait_seconds": precopy_wait,
        "precopied_bytes": reused,
    }
    if not direct:
        send(msg, blobs)
        return
    send(msg, blobs, inline=False)
    error = None
    try:
        total = sum(memoryview(b).nbytes for b in blobs)
        sent = 0
        for b in blobs:
            v = memoryview(b).cast("B")
            if cut and sent + v.nbytes > total // 2:
                dsock.sendall(v[: max(total // 2 - sent, 0)])
                dsock.shutdown(socket.SHUT_RDWR)
                raise ConnectionError("cut half way by a fault injection")
            dsock.sendall(v)
            sent += v.nbytes
    except OSError as e:
        error = "%s: %s" % (type(e).__name__, e)
    send({"type": "direct_done", "ok": error is None, "error": error})


def culprit(state, err):
    for k, v in state.items():
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


def restore(spec, blobs, refs):
    t0 = time.perf_counter()
    setup(spec)
    data = iter(blobs[1:])
    if refs:
        # A missing hash raises KeyError: the restore fails, the job stays.
        # Equal buffers share a hash: each array after the first gets a copy,
        # or they would share memory.
        used = set()
        buffers = []
        for h in refs:
            if not h:
                buffers.append(next(data))
            elif h in used:
                buffers.append(bytearray(CACHE[h]))
            else:
                used.add(h)
                buffers.append(CACHE[h])
    else:
        buffers = blobs[1:]
    state, extras = pickle.loads(blobs[0], buffers=buffers)
    CACHE.clear()
    MAIN.__dict__.update(state)
    if "random" in extras:
        import random

        random.setstate(extras["random"])
    if "numpy" in extras:
        import numpy as np

        np.random.set_state(extras["numpy"])
    EXIT_FUNCS[:] = extras.get("atexit", [])
    return time.perf_counter() - t0


# --- the loop ---------------------------------------------------------------------

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
            run_unit(msg["unit"])
        elif kind == "checkpoint":
            checkpoint(bool(msg.get("use_refs")), bool(msg.get("direct")), bool(msg.get("cut")))
        elif kind == "data_channel":
            DATA = take_fd()
        elif kind == "precopy":
            precopy()
        elif kind == "precopy_abort":
            PRECOPY["abort"] = True
        elif kind == "cache":
            CACHE[msg["hash"]] = blobs[0]
        elif kind == "restore":
            try:
                secs = restore(msg["spec"], blobs, msg.get("refs") or [])
                if DATA is not None:
                    DATA.close()
                    DATA = None
                if msg.get("fail"):
                    raise RuntimeError("injected restore failure")
            except BaseException as e:
                send({"type": "restore_failed", "reason": "%s: %s" % (type(e).__name__, e)})
                os._exit(0)
            send({"type": "restored", "seconds": secs})
        elif kind == "finish":
            finish({"code": 0, "reason": None, "unit": None})
        else:
            send({"type": "error", "message": "unknown request %r" % kind})


def main(fd):
    global SOCK
    SOCK = socket.socket(fileno=fd)
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
