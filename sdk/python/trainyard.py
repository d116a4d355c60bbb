"""Trainyard's Python SDK: report metrics, progress and checkpoints from a training script.

One file, Python 3.11+ standard library only. Copy it next to your script, put this folder on
``PYTHONPATH``, or install it: ``pip install ./sdk/python`` (no dependencies). Trainyard starts
every run with ``TRAINYARD_*`` environment variables (docs/training-contract.md); :func:`init`
reads them.

Usage::

    import torch, trainyard

    run = trainyard.init()
    model, opt = build(run.params)
    start = 0
    if run.resume_from:                       # the latest registered checkpoint, or None
        state = torch.load(run.resume_from)
        model.load_state_dict(state["model"]); start = run.resume_step + 1
    elif run.init_from:                       # the job's from: (another job's checkpoint), or None
        model.load_state_dict(torch.load(run.init_from)["model"])   # weights only, from step 0
    run.set_total(10_000)
    for step in range(start, 10_000):
        loss = train_step(model, opt)
        run.log({"loss": loss.item()}, step=step)          # never blocks, never raises
        if step % 1000 == 999 or run.should_stop():
            name = f"step-{step}.pt"
            with run.atomic_path(name) as tmp:               # written to a temporary name,
                torch.save({"model": model.state_dict()}, tmp)   # renamed when the block succeeds
            run.checkpoint(name, step=step, metrics={"loss": loss.item()})   # returns at once
            if run.should_stop():                           # SIGTERM arrived: checkpoint and exit
                break
    run.close()                                             # also runs at exit

Modes (``run.mode``):

- ``"http"``: ``TRAINYARD_URL`` and ``TRAINYARD_RUN_ID`` are set (a run started by Trainyard).
  :meth:`Run.log` appends to an in-memory queue; a daemon thread sends it every 0.5 s (or sooner
  when 5,000 calls are waiting) as one columnar batch with a unique ``batchId``. A batch that
  cannot be delivered (connection refused, timeout, HTTP 408/429/5xx) is written to the spool
  directory (``TRAINYARD_SPOOL_DIR``, else ``<checkpoint_dir>/.spool``), one file per batch, and
  resent oldest first once the server answers again (not before the ``Retry-After`` of a 429:
  the run's ingest budget is spent; docs/audit.md); a file is deleted only after a 2xx. The
  server ignores a ``batchId`` it has already accepted, so resending never duplicates points.
  The spool is capped (``TRAINYARD_SPOOL_MAX_MB``, default 512 MiB): past the cap, metric
  batches are dropped with a warning, and the count of what was dropped is printed once there
  is room again; checkpoint registrations are spooled whatever the cap. Any other 4xx is a permanent refusal: the batch is dropped with a warning. The same thread
  posts a heartbeat to ``/status`` every 5 s (with the total set by :meth:`Run.set_total`) and
  reads ``stopRequested`` from the reply. :meth:`Run.checkpoint` registrations travel the same
  way, in order after the points logged before them: the call returns a
  :class:`PendingCheckpoint` at once (``wait=True`` blocks for the record instead).
  :meth:`Run.artifact` (a plot, a table, a report) uploads the file's bytes from a thread of
  its own and returns a :class:`PendingArtifact` at once; artifacts are not spooled.
- ``"lines"``: no ``TRAINYARD_URL`` (the script was started by hand, or by something that only
  reads its output). The same calls print the stdout line protocol (``#trainyard metrics
  step=10 loss=0.5``) from the background thread, so nothing is lost and the script runs
  unchanged under or outside Trainyard. ``sys.stdout`` is wrapped so that these lines never
  land inside a line the script is printing (see ``_SharedStdout``). Pass ``offline="none"`` to
  :func:`init` to print nothing.
- ``"none"``: reporting is off: ``offline="none"`` without a server, or a distributed worker
  whose ``RANK`` is not 0 (only rank 0 reports; every rank still sees :meth:`Run.should_stop`).

Stop: :func:`init` installs a SIGTERM handler (main thread only, ``catch_sigterm=True``) that
makes :meth:`Run.should_stop` return True; a second SIGTERM ends the process as usual.

Limits: points logged in the last ~0.5 s before a SIGKILL (or ``os._exit()``) are lost, and so
are checkpoint registrations not sent yet (they were only in memory);
:meth:`Run.log` is meant to be called from one thread (the automatic step is not locked).
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import email.utils
import json
import math
import os
import re
import secrets
import shutil
import signal
import sys
import threading
import time
import typing
import urllib.error
import urllib.parse
import urllib.request
import uuid
import weakref
from collections.abc import Iterator, Mapping
from typing import Any, Literal

__all__ = [
    "init",
    "Run",
    "PendingCheckpoint",
    "PendingArtifact",
    "TrainyardError",
    "CheckpointPathError",
    "CheckpointNotFoundError",
    "SDK_VERSION",
]

SDK_VERSION = "0.1.0"

#: Seconds between background flushes of logged points. Half a second keeps dashboards live
#: while sending at most two requests a second.
DEFAULT_FLUSH_INTERVAL = 0.5
#: Queued log() calls that wake the background thread before the interval ends.
DEFAULT_FLUSH_ROWS = 5_000
#: Points in one metrics request (the server accepts 1,000,000).
MAX_BATCH_POINTS = 100_000
#: Metric keys in one metrics request (the server's limit).
MAX_BATCH_KEYS = 1_000
#: Seconds between heartbeats (``POST /status``), as the contract documents.
DEFAULT_HEARTBEAT_INTERVAL = 5.0
#: Seconds one HTTP request may take before the server counts as unreachable.
DEFAULT_REQUEST_TIMEOUT = 5.0
#: Deprecated and ignored: :meth:`Run.checkpoint` no longer waits for the server.
DEFAULT_CHECKPOINT_RETRY = 10.0
#: Seconds :meth:`Run.close` keeps trying to deliver spooled batches before giving up.
DEFAULT_CLOSE_TIMEOUT = 10.0
#: Backoff between attempts to resend the spool: first and largest wait, in seconds.
RETRY_FIRST, RETRY_MAX = 0.5, 5.0
#: The spool's size cap, MiB (``TRAINYARD_SPOOL_MAX_MB``): past it, metric batches are dropped
#: with a warning; checkpoint registrations are spooled whatever the cap.
DEFAULT_SPOOL_MAX_MB = 512.0

#: Longest status message the server takes; longer ones are cut.
MAX_MESSAGE_CHARS = 1_000
#: Seconds a ``#trainyard`` line waits for the script to end a line it left open (``print(x,
#: end="")``, a ``\r`` progress counter) before it is written after a newline of its own.
OPEN_LINE_WAIT = 1.0

#: Largest artifact the server takes (:meth:`Run.artifact`): 64 MiB.
ARTIFACT_MAX_BYTES = 64 << 20
#: The kinds of artifacts; None infers one from the name's extension.
ARTIFACT_KINDS = ("image", "table", "text", "other")

_KEY = re.compile(r"[A-Za-z0-9_.\-/]{1,200}")
_SPOOL_VERSION = 1


class TrainyardError(Exception):
    """Base class of the errors this SDK raises (only from init() and checkpoint helpers)."""


class CheckpointPathError(TrainyardError, ValueError):
    """A checkpoint path leaves the checkpoint directory, or is empty."""

    def __init__(self, path: str, checkpoint_dir: str, reason: str) -> None:
        super().__init__(f"checkpoint path {path!r} {reason} (checkpoint dir: {checkpoint_dir})")
        self.path = path
        self.checkpoint_dir = checkpoint_dir


class CheckpointNotFoundError(TrainyardError, FileNotFoundError):
    """The checkpoint file to register (or the temporary file to rename) does not exist."""

    def __init__(self, path: str) -> None:
        super().__init__(f"checkpoint file not found: {path}")
        self.path = path


_now = time.time


def _warn(message: str) -> None:
    try:
        sys.stderr.write(f"trainyard: warning: {message}\n")
        sys.stderr.flush()
    except Exception:
        pass


def _encode_value(value: float | int) -> float | int | str:
    """JSON cannot carry NaN or infinities; the HTTP API takes them as strings."""
    if type(value) is float and not math.isfinite(value):
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    return value


def _format_line_value(value: float | int) -> str:
    return repr(value) if type(value) is float else str(value)


# --------------------------------------------------------------------------- transport


_OK, _TRANSIENT, _PERMANENT = "ok", "transient", "permanent"


class _Transport:
    """POSTs JSON to the run's routes and classifies the outcome; never raises."""

    def __init__(self, url: str, token: str, timeout: float) -> None:
        self._base = url.rstrip("/")
        self._token = token
        self._timeout = timeout
        # Direct connections only: the server is internal, proxies from the environment
        # (http_proxy on a cluster) must not intercept it.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def post(self, path: str, body: Mapping[str, Any]) -> tuple[str, Any]:
        """Returns ``("ok", reply)``, ``("transient", reason)`` or ``("permanent", reason)``."""
        try:
            data = json.dumps(body, allow_nan=False, separators=(",", ":")).encode()
        except (TypeError, ValueError) as error:
            return _PERMANENT, f"cannot encode request: {error}"
        return self._send(path, data, "application/json", self._timeout)

    def post_bytes(self, path: str, data: bytes) -> tuple[str, Any]:
        """POSTs raw bytes (an artifact's content); an upload gets a minute on top of the timeout."""
        return self._send(path, data, "application/octet-stream", self._timeout + 60.0)

    def _send(self, path: str, data: bytes, content_type: str, timeout: float) -> tuple[str, Any]:
        request = urllib.request.Request(
            self._base + path,
            data=data,
            method="POST",
            headers={
                "Authorization": f"Bearer {self._token}",
                "Content-Type": content_type,
                "User-Agent": f"trainyard-python/{SDK_VERSION}",
            },
        )
        try:
            with self._opener.open(request, timeout=timeout) as response:
                raw = response.read()
            try:
                return _OK, json.loads(raw) if raw else {}
            except ValueError:
                return _OK, {}
        except urllib.error.HTTPError as error:
            detail = _error_detail(error)
            if error.code in (408, 429) or error.code >= 500:
                return _TRANSIENT, _Transient(f"HTTP {error.code}{detail}", _retry_after(error.headers.get("Retry-After")))
            return _PERMANENT, f"HTTP {error.code}{detail}"
        except Exception as error:  # refused, reset, timeout, DNS, bad URL: try again later
            reason = getattr(error, "reason", None) or error
            return _TRANSIENT, f"{reason}"


class _Transient(str):
    """The reason of a transient failure, with the server's Retry-After in seconds (or None)."""

    retry_after: float | None

    def __new__(cls, reason: str, retry_after: float | None) -> _Transient:
        made = super().__new__(cls, reason)
        made.retry_after = retry_after
        return made


#: Longest Retry-After honoured, seconds (a longer one is taken as an hour).
RETRY_AFTER_MAX = 3600.0


def _retry_after(header: str | None) -> float | None:
    """A Retry-After header (seconds, or an HTTP date) as seconds from now, at most an hour."""
    if not header or not header.strip():
        return None
    text = header.strip()
    if text.isdigit():
        seconds = float(text)
    else:
        try:
            seconds = email.utils.parsedate_to_datetime(text).timestamp() - time.time()
        except (TypeError, ValueError, OverflowError):
            return None
    return min(max(0.0, seconds), RETRY_AFTER_MAX)


def _error_detail(error: urllib.error.HTTPError) -> str:
    try:
        message = json.loads(error.read() or b"{}").get("error", {}).get("message")
        return f": {message}" if message else ""
    except Exception:
        return ""


# --------------------------------------------------------------------------- spool


class _Spool:
    """A directory of undelivered requests, one JSON file each, sent back oldest first.

    File name: ``<epoch ms, 13 digits>-<session>-<seq, 8 digits>.json``, so sorting by name is
    sorting by creation. Content: ``{"v": 1, "kind": "metrics" | "checkpoint", "jobId",
    "runId", "body"}`` where ``body`` is the request body as it would have been sent. The
    TypeScript SDK writes the same files.
    """

    #: What :meth:`write` returns when a capped entry would take the spool past its cap.
    FULL = "full"

    def __init__(self, directory: str, max_bytes: float = float("inf")) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        # Bytes of the .json files: counted from the folder once (an earlier process's files
        # count), then kept up to date by write() and remove().
        self._bytes: int | None = None
        self._sizes: dict[str, int] = {}

    def _folder_bytes(self) -> int:
        total = 0
        with contextlib.suppress(OSError):
            for entry in os.scandir(self.directory):
                if entry.name.endswith(".json"):
                    with contextlib.suppress(OSError):
                        total += entry.stat().st_size
        return total

    def write(self, name: str, entry: Mapping[str, Any], capped: bool = False) -> str | None:
        """Writes atomically (temporary name, then rename); returns the path, None on failure,
        :attr:`FULL` (nothing written) when ``capped`` and the entry would pass the cap."""
        path = os.path.join(self.directory, name)
        tmp = f"{path}.tmp"
        try:
            text = json.dumps(entry, allow_nan=False, separators=(",", ":"))
            size = len(text.encode("utf-8"))
            if self._bytes is None:
                self._bytes = self._folder_bytes()
            if capped and self._bytes + size > self.max_bytes:
                return self.FULL
            os.makedirs(self.directory, exist_ok=True)
            with open(tmp, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(tmp, path)
            self._sizes[path] = size
            self._bytes += size
            return path
        except Exception as error:
            _warn(f"cannot write spool file {path}: {error}")
            with contextlib.suppress(OSError):
                os.remove(tmp)
            return None

    def files(self) -> list[str]:
        try:
            names = sorted(n for n in os.listdir(self.directory) if n.endswith(".json"))
        except OSError:
            return []
        return [os.path.join(self.directory, n) for n in names]

    @staticmethod
    def read(path: str) -> dict[str, Any] | None:
        try:
            with open(path, encoding="utf-8") as file:
                entry = json.load(file)
            return entry if isinstance(entry, dict) and entry.get("v") == _SPOOL_VERSION else None
        except FileNotFoundError:
            return None
        except Exception:
            return None

    def remove(self, path: str) -> None:
        size = self._sizes.pop(path, None)
        if size is None:
            try:
                size = os.stat(path).st_size
            except OSError:
                size = 0
        with contextlib.suppress(OSError):
            os.remove(path)
        if self._bytes is not None:
            self._bytes = max(0, self._bytes - size)


# --------------------------------------------------------------------------- stdout


class _SharedStdout:
    """``sys.stdout`` shared by the script and the reporter, so that a ``#trainyard`` line never
    lands inside a line the script prints (``"lines"`` mode installs it).

    ``print(x)`` makes two write calls (``x``, then ``"\\n"``), so a line written by another
    thread between them would be cut into the script's line, and neither would parse. This
    wrapper passes the script's writes through under a lock, remembering whether the stream is
    at the start of a line. The reporter's text (whole lines, one write call) goes through the
    same lock: at once when the stream is at a line start, else right after the script ends its
    line, or after a newline of its own when the script leaves a line open for
    :data:`OPEN_LINE_WAIT` seconds. Everything else (``fileno``, ``buffer``, ``encoding``…) is
    the wrapped stream's. Writes that bypass ``sys.stdout`` (``sys.stdout.buffer``,
    ``os.write(1, …)``) are not covered.
    """

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._lock = threading.RLock()
        self._at_line_start = True
        self._held: list[str] = []
        self._held_since = 0.0

    @classmethod
    def install(cls) -> _SharedStdout | None:
        """Wraps ``sys.stdout`` (once); None when there is no stdout."""
        current = sys.stdout
        if current is None or isinstance(current, cls):
            return current
        shared = cls(current)
        sys.stdout = shared
        return shared

    def uninstall(self) -> None:
        """Writes held lines, and puts the wrapped stream back as ``sys.stdout``."""
        self.write_lines("", force=True)
        if sys.stdout is self:
            sys.stdout = self._stream

    # The script's side: a file object.

    def write(self, text: str) -> int:
        with self._lock:
            written = self._stream.write(text)
            if text:
                self._at_line_start = text.endswith("\n")
                if self._at_line_start and self._held:
                    self._release()
            return written

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)

    # The reporter's side.

    def write_lines(self, text: str, *, force: bool = False) -> None:
        """Writes ``text`` (whole lines) in one call when the stream is at a line start; else
        holds it (see the class). ``write_lines("")`` writes what waited too long."""
        with self._lock:
            if text:
                self._held.append(text)
            if not self._held:
                return
            now = time.monotonic()
            if not self._at_line_start:
                if not self._held_since:
                    self._held_since = now
                if not force and now - self._held_since < OPEN_LINE_WAIT:
                    return
                self._stream.write("\n")
                self._at_line_start = True
            self._release()

    def _after_fork_in_child(self) -> None:
        """The lock may have been held by a thread the child does not have: a new one. Held
        lines are the parent's to write."""
        self._lock = threading.RLock()
        self._held.clear()
        self._held_since = 0.0

    def _release(self) -> None:
        text = "".join(self._held)
        self._held.clear()
        self._held_since = 0.0
        try:
            self._stream.write(text)
            self._stream.flush()
        except Exception:
            pass


# --------------------------------------------------------------------------- checkpoints


class _Pending:
    """Something handed over to be sent in the background: settled once, with the server's
    record or None; :meth:`done` and :meth:`wait` as each subclass describes."""

    __slots__ = ("_event", "_record")

    def __init__(self) -> None:
        self._event = threading.Event()
        self._record: dict[str, Any] | None = None

    def done(self) -> bool:
        """True once it is over: :meth:`wait` returns at once."""
        return self._event.is_set()

    def wait(self, timeout: float | None = None) -> dict[str, Any] | None:
        self._event.wait(timeout)
        return self._record

    def _settle(self, record: dict[str, Any] | None) -> None:
        if not self._event.is_set():
            self._record = record
            self._event.set()


class PendingCheckpoint(_Pending):
    """A checkpoint handed to :meth:`Run.checkpoint`, registered in the background.

    Attributes:
        path: the checkpoint's absolute path.
        step: its step.
        metrics: the metrics kept with it (non-finite and non-numeric ones dropped).
    """

    __slots__ = ("path", "step", "metrics", "_body")

    def __init__(self, path: str, step: int | float, metrics: dict[str, float | int]) -> None:
        super().__init__()
        self.path = path
        self.step = step
        self.metrics = metrics
        self._body: dict[str, Any] = {}

    def wait(self, timeout: float | None = None) -> dict[str, Any] | None:
        """Blocks until the registration is over, and returns the server's record (a dict with
        ``id``, ``path``, ``step``, ``bytes`` …) once the server has it: at once, or after an
        outage once the spooled registration is resent. In ``"lines"`` mode: a dict with
        ``path``, ``step`` and ``metrics`` once the line is printed.

        Returns None when this process will not register it: the server refused it (a warning
        says why), reporting is off, the run was closed, or :meth:`Run.close` gave up with it
        still spooled (the server then registers it from the spool when the run ends). Also
        None when ``timeout`` seconds pass first; the registration goes on (see :meth:`done`).
        """
        return super().wait(timeout)

    def __repr__(self) -> str:
        state = "registered" if self._record is not None else ("not registered" if self.done() else "pending")
        return f"<PendingCheckpoint {self.path!r} step={self.step} {state}>"


class PendingArtifact(_Pending):
    """A file handed to :meth:`Run.artifact`, attached in the background.

    Attributes:
        path: the file's absolute path.
        name, kind, step: as given (kind None: the server infers it from the name).
    """

    __slots__ = ("path", "name", "kind", "step")

    def __init__(self, path: str, name: str, kind: str | None, step: int | float | None) -> None:
        super().__init__()
        self.path = path
        self.name = name
        self.kind = kind
        self.step = step

    def wait(self, timeout: float | None = None) -> dict[str, Any] | None:
        """Blocks until the attach is over and returns the server's record (``id``, ``name``,
        ``kind``, ``step``, ``bytes``, ``sha256`` …), or None: it was not attached (a warning
        says why), the mode is ``"lines"`` (the server attaches it from the printed line) or
        ``"none"``, or ``timeout`` seconds passed first."""
        return super().wait(timeout)

    def __repr__(self) -> str:
        state = "attached" if self._record is not None else ("not attached" if self.done() else "pending")
        return f"<PendingArtifact {self.name!r} step={self.step} {state}>"


# --------------------------------------------------------------------------- run


_Mode = Literal["http", "lines", "none"]
_Row = tuple[float, float, dict[str, Any]]  # (step, epoch seconds, metrics)


class Run:
    """One run of a training job, as the script sees it. Create it with :func:`init`.

    Attributes:
        resume_from: absolute path of the checkpoint to resume from, or None on a fresh start.
        resume_step: that checkpoint's step, or None.
        init_from: absolute path of the checkpoint the job starts from (its ``from:``,
            ``TRAINYARD_INIT_FROM``), or None when it starts fresh. Every attempt gets it: load
            it only when ``resume_from`` is None (a resumed run continues its own checkpoint).
        init_from_id: that checkpoint's id (an int), or None.
        params: the job's params (``TRAINYARD_PARAMS``), ``{}`` when none.
        checkpoint_dir: the job's checkpoint directory, absolute.
        attempt: which attempt of the job this is, from 1.
        job_id, run_id: Trainyard's ids (strings), None outside Trainyard.
        mode: ``"http"``, ``"lines"`` or ``"none"`` (see the module docstring).
        spool_dir: where undelivered batches go in ``"http"`` mode.
    """

    def __init__(
        self,
        *,
        mode: _Mode,
        url: str | None,
        token: str | None,
        job_id: str | None,
        run_id: str | None,
        attempt: int,
        checkpoint_dir: str,
        spool_dir: str,
        resume_from: str | None,
        resume_step: float | int | None,
        params: dict[str, Any],
        init_from: str | None = None,
        init_from_id: int | None = None,
        flush_interval: float,
        flush_rows: int,
        heartbeat_interval: float,
        request_timeout: float,
        close_timeout: float,
        spool_max_mb: float = DEFAULT_SPOOL_MAX_MB,
    ) -> None:
        self.mode: _Mode = mode
        self.job_id = job_id
        self.run_id = run_id
        self.attempt = attempt
        self.checkpoint_dir = checkpoint_dir
        self.spool_dir = spool_dir
        self.resume_from = resume_from
        self.resume_step = resume_step
        self.init_from = init_from
        self.init_from_id = init_from_id
        self.params = params

        self._flush_interval = flush_interval
        self._flush_rows = flush_rows
        self._heartbeat_interval = heartbeat_interval
        self._close_timeout = close_timeout

        # Written by log() and checkpoint() in the training thread, drained in order by the
        # background thread. deque.append / popleft are atomic: no lock on the hot path.
        self._points: collections.deque[_Row | PendingCheckpoint] = collections.deque()
        self._next_step: float = 0 if resume_step is None else resume_step + 1
        self._wake = threading.Event()
        # Serializes everything that sends or spools, so batches keep their order.
        self._io_lock = threading.Lock()
        self._session = uuid.uuid4().hex
        self._seq = 0
        self._transport = _Transport(url, token or "", request_timeout) if url else None
        self._spool = _Spool(spool_dir, spool_max_mb * 2**20)
        # Metric batches and points dropped since the spool was found full (see _spool_metrics).
        self._dropped: tuple[int, int] = (0, 0)
        self._spool_pending = bool(self._spool.files()) if mode == "http" else False
        # Checkpoint registrations waiting in the spool, by file path: settled when it is sent.
        self._spooled: dict[str, PendingCheckpoint] = {}
        # "lines" mode: sys.stdout, shared with the script (set by init()).
        self._stdout: _SharedStdout | None = None
        self._retry_at = 0.0
        self._retry_wait = RETRY_FIRST
        # The server asked not to be sent to before this (a 429's Retry-After), monotonic seconds.
        self._not_before = 0.0
        self._heartbeat_at = 0.0
        self._total: float | None = None
        self._message: str | None = None
        self._stop_requested = False
        self._sigterms = 0
        self._previous_sigterm: Any = None
        self._closing = False
        self._closed = False
        self._warned: set[Any] = set()
        self._valid_keys: set[str] = set()
        self._thread: threading.Thread | None = None
        # Uploads of artifacts still going (one thread each); close() waits for them.
        self._artifact_threads: list[threading.Thread] = []
        if mode == "none":
            self.log = self._log_disabled  # type: ignore[method-assign]
        else:
            self._thread = threading.Thread(target=self._loop, name="trainyard-reporter", daemon=True)
            self._thread.start()

    # ----------------------------------------------------------------- the training loop's API

    def log(self, metrics: Mapping[str, Any], step: int | float | None = None) -> None:
        """Records ``metrics`` at ``step``; returns at once and never raises.

        Args:
            metrics: metric name → number. Names match ``[A-Za-z0-9_.-/]{1,200}``. Values may be
                int, float (NaN and infinities included), or anything with ``.item()`` or
                ``float()`` such as a 0-d tensor or a numpy scalar (converted here, which for a
                CUDA tensor waits for the GPU). Other values and bad names are dropped with one
                warning on stderr each.
            step: the step of these points. Default: the previous step + 1 (the first is
                ``resume_step + 1`` on a resumed run, else 0).
        """
        try:
            if step is None:
                step = self._next_step
            elif type(step) is not int:
                step = self._coerce_step(step)
                if step is None:
                    return
            self._next_step = step + 1
            row: dict[str, Any] = {}
            for key, value in metrics.items():
                kind = type(value)
                if kind is float or kind is int:
                    row[key] = value
                else:
                    value = self._coerce_value(key, value)
                    if value is not None:
                        row[key] = value
            if row:
                points = self._points
                points.append((step, _now(), row))
                if len(points) == self._flush_rows:  # once per crossing: set() takes a lock
                    self._wake.set()
        except Exception as error:  # never raise into the training loop
            self._warn_once("log", f"log() ignored a call: {error!r}")

    def set_total(self, total: int | float, message: str | None = None) -> None:
        """Sets the total number of steps (for the progress bar and ETA) and a status message.

        Sent with the next heartbeat, which this call brings forward. Never raises.
        """
        try:
            total = float(total)
            if not math.isfinite(total) or total < 0:
                raise ValueError(f"total must be a finite number >= 0, got {total}")
            self._total = int(total) if total.is_integer() else total
            if message is not None:
                self._message = str(message)[:MAX_MESSAGE_CHARS]
            if self.mode == "lines":
                text = "" if message is None else f" message={json.dumps(self._message)}"
                self._print_line(f"progress total={self._total}{text}")
            self._heartbeat_at = 0.0
            self._wake.set()
        except Exception as error:
            self._warn_once("set_total", f"set_total() ignored: {error}")

    def should_stop(self) -> bool:
        """True once a stop was asked for: SIGTERM arrived, or the server's heartbeat reply
        said ``stopRequested``. The script should then checkpoint and exit."""
        return self._stop_requested

    def checkpoint_path(self, name: str) -> str:
        """The absolute path ``name`` has in the checkpoint directory.

        Raises:
            CheckpointPathError: ``name`` is empty or leaves the checkpoint directory.
        """
        if not name:
            raise CheckpointPathError(name, self.checkpoint_dir, "is empty")
        path = os.path.normpath(os.path.join(self.checkpoint_dir, name))
        real_dir = os.path.realpath(self.checkpoint_dir)
        real = os.path.realpath(path)
        if real == real_dir or os.path.commonpath([real, real_dir]) != real_dir:
            raise CheckpointPathError(name, self.checkpoint_dir, "is not inside the checkpoint directory")
        return path

    @contextlib.contextmanager
    def atomic_path(self, name: str, *, fsync: bool = True) -> Iterator[str]:
        """Yields a temporary path in the checkpoint directory to write ``name`` to.

        When the block ends without an exception the temporary file (or directory) is flushed
        to disk (``fsync``) and renamed to ``name``, so a reader never sees half a checkpoint;
        when it raises, the temporary file is removed and the exception propagates. The
        temporary name keeps the file's extension (``.step-100.tmp-1234-ab12cd.pt``), for
        savers that append one. Register the result with :meth:`checkpoint`.

        Raises:
            CheckpointPathError: ``name`` leaves the checkpoint directory.
            CheckpointNotFoundError: the block wrote nothing at the temporary path.
        """
        final = self.checkpoint_path(name)
        directory = os.path.dirname(final)
        os.makedirs(directory, exist_ok=True)
        stem, suffix = os.path.splitext(os.path.basename(final))
        tmp = os.path.join(directory, f".{stem}.tmp-{os.getpid()}-{secrets.token_hex(3)}{suffix}")
        try:
            yield tmp
            if not os.path.lexists(tmp):
                raise CheckpointNotFoundError(tmp)
            if fsync:
                _fsync_tree(tmp)
            if os.path.isdir(tmp) and os.path.isdir(final):
                trash = f"{tmp}.old"
                os.replace(final, trash)
                os.replace(tmp, final)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.replace(tmp, final)
            if fsync:
                _fsync_dir(directory)
        except BaseException:
            if os.path.isdir(tmp) and not os.path.islink(tmp):
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    os.remove(tmp)
            raise

    @typing.overload
    def checkpoint(
        self, path: str, step: int | float, metrics: Mapping[str, Any] | None = None, *, wait: Literal[False] = False
    ) -> PendingCheckpoint: ...

    @typing.overload
    def checkpoint(
        self, path: str, step: int | float, metrics: Mapping[str, Any] | None = None, *, wait: Literal[True]
    ) -> dict[str, Any] | None: ...

    def checkpoint(
        self, path: str, step: int | float, metrics: Mapping[str, Any] | None = None, *, wait: bool = False
    ) -> PendingCheckpoint | dict[str, Any] | None:
        """Registers a checkpoint file the script wrote, and returns at once.

        Like :meth:`log`'s points, the registration goes out from the background thread (after
        every point logged before this call), is spooled while the server is unreachable and
        resent when it answers. Only registered checkpoints are resumed from or deployed.
        :meth:`close` (also run at exit) sends what is still pending.

        Args:
            path: relative to :attr:`checkpoint_dir`, or absolute inside it.
            step: the training step the checkpoint holds.
            metrics: numbers to keep with it (non-finite or non-numeric ones are dropped).
            wait: ``True`` blocks until the registration is over and returns what
                :meth:`PendingCheckpoint.wait` returns: the server's record, or None. While the
                server is unreachable that is until it answers again; for a bounded wait use
                ``run.checkpoint(…).wait(timeout)``. Default: False, do not wait.

        Returns:
            A :class:`PendingCheckpoint` (``.wait(timeout)``, ``.done()``); with ``wait=True``,
            the record or None.

        Raises:
            CheckpointPathError: the path leaves the checkpoint directory.
            CheckpointNotFoundError: the file does not exist.
        """
        absolute = self.checkpoint_path(path)
        if not os.path.lexists(absolute):
            raise CheckpointNotFoundError(absolute)
        coerced = self._coerce_step(step)
        clean = self._clean_checkpoint_metrics(metrics or {})
        pending = PendingCheckpoint(absolute, step if coerced is None else coerced, clean)
        relative = os.path.relpath(absolute, self.checkpoint_dir).replace(os.sep, "/")
        if coerced is None or self.mode == "none":
            pending._settle(None)
        elif self._closed:
            _warn(f"checkpoint {relative!r} not registered: the run was closed")
            pending._settle(None)
        else:
            pending._body = {"path": relative, "step": coerced, "metrics": clean}
            self._points.append(pending)
            self._wake.set()
        return pending.wait() if wait else pending

    def artifact(
        self,
        path: str | os.PathLike[str],
        kind: str | None = None,
        step: int | float | None = None,
        name: str | None = None,
        *,
        wait: bool = False,
    ) -> Any:
        """Attaches a file the script wrote (a plot, a CSV table, a report) to the run; the
        server keeps a copy, so it outlives the working directory. Never raises.

        Args:
            path: the file, relative to the current directory or absolute; a regular file of
                at most 64 MiB (:data:`ARTIFACT_MAX_BYTES`).
            kind: ``"image"``, ``"table"``, ``"text"`` or ``"other"``; None infers it from the
                name (``.png .jpg .svg`` → image, ``.csv .tsv`` → table, ``.txt .md .json`` → text).
            step: the training step it belongs to, or None.
            name: what it is called; default: the file's base name.
            wait: block until it is attached and return the record (or None) instead of the
                :class:`PendingArtifact`.

        In ``"http"`` mode the bytes are uploaded by a background thread (the server may be on
        another machine); in ``"lines"`` mode a ``#trainyard artifact`` line is printed with the
        absolute path. A missing file, one too large, a bad kind or step, a refusal or an
        unreachable server give one warning on stderr naming the path and the reason, and the
        pending artifact settles with None. Artifacts are not spooled.
        """
        absolute = os.path.abspath(os.fspath(path))
        label = name if name is not None else os.path.basename(absolute)
        pending = PendingArtifact(absolute, label, kind, step)
        problem = self._artifact_problem(absolute, kind, step)
        if problem is not None:
            _warn(f"artifact {os.fspath(path)!r} not attached: {problem}")
            pending._settle(None)
        elif self.mode == "lines" and not self._closing:
            fields = f"path={json.dumps(absolute)}"
            fields += "" if kind is None else f" kind={kind}"
            fields += "" if step is None else f" step={step}"
            fields += "" if label == os.path.basename(absolute) else f" name={json.dumps(label)}"
            self._print_line(f"artifact {fields}")
            pending._settle(None)
        elif self.mode != "http" or self._closing:
            pending._settle(None)
        else:
            thread = threading.Thread(target=self._upload_artifact, args=(pending,), name="trainyard-artifact", daemon=True)
            self._artifact_threads = [t for t in self._artifact_threads if t.is_alive()] + [thread]
            thread.start()
        return pending.wait() if wait else pending

    def _artifact_problem(self, absolute: str, kind: str | None, step: Any) -> str | None:
        if kind is not None and kind not in ARTIFACT_KINDS:
            return f"kind must be one of {', '.join(ARTIFACT_KINDS)}, got {kind!r}"
        if step is not None and (isinstance(step, bool) or not isinstance(step, (int, float)) or not math.isfinite(step)):
            return f"step must be a finite number, got {step!r}"
        if not os.path.exists(absolute):
            return f"{absolute} does not exist"
        if not os.path.isfile(absolute):
            return f"{absolute} is not a regular file"
        size = os.path.getsize(absolute)
        if size > ARTIFACT_MAX_BYTES:
            return f"{absolute} is {size} bytes, over the artifact limit of {ARTIFACT_MAX_BYTES} bytes (64 MiB)"
        return None

    def _upload_artifact(self, pending: PendingArtifact) -> None:
        record = None
        try:
            query = {"name": pending.name}
            if pending.kind is not None:
                query["kind"] = pending.kind
            if pending.step is not None:
                query["step"] = str(pending.step)
            with open(pending.path, "rb") as file:
                data = file.read(ARTIFACT_MAX_BYTES + 1)
            assert self._transport is not None
            path = f"/api/v1/runs/{self.run_id}/artifacts?{urllib.parse.urlencode(query)}"
            outcome, reply = self._transport.post_bytes(path, data)
            if outcome == _OK:
                record = reply
            else:
                why = "the server refused it" if outcome == _PERMANENT else "the server is unreachable"
                _warn(f"artifact {pending.path!r} not attached: {why}: {reply}")
        except Exception as error:
            _warn(f"artifact {pending.path!r} not attached: {error!r}")
        finally:
            pending._settle(record)

    def flush(self, timeout: float | None = None) -> bool:
        """Sends every point logged and every checkpoint handed over so far (or spools them).
        Returns True when nothing is left in the spool. Blocks; the training loop does not need
        to call it."""
        if self.mode == "none":
            return True
        with self._io_lock:
            self._flush_points()
            if self.mode == "http" and self._spool_pending:
                self._drain_spool(deadline=time.monotonic() + (timeout or 0.0))
            return not self._spool_pending

    def close(self) -> None:
        """Flushes everything, sends a last heartbeat and stops the background thread.

        Runs at interpreter exit too. When the server is still unreachable after
        ``close_timeout`` seconds, the undelivered batches stay in the spool (their location is
        printed on stderr): the server takes them in when it sees the run end, and a later
        attempt of the job sends any it finds. Idempotent.
        """
        if self._closed:
            return
        self._closed = True
        self._closing = True
        self.log = self._log_disabled  # type: ignore[method-assign]
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=self._close_timeout)
        deadline = time.monotonic() + self._close_timeout
        for thread in self._artifact_threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(Exception):
            atexit.unregister(self.close)
        if self.mode == "none":
            return
        with self._io_lock:
            try:
                self._flush_points()
                if self._stdout is not None:
                    self._stdout.uninstall()
                if self.mode == "http":
                    self._drain_spool(deadline=time.monotonic() + self._close_timeout)
                    if not self._spool_pending:
                        self._heartbeat()
                    else:
                        for pending in self._spooled.values():
                            pending._settle(None)
                        self._spooled.clear()
                        files = len(self._spool.files())
                        _warn(
                            f"the server is unreachable; {files} undelivered request(s) are kept in "
                            f"{self.spool_dir}; the server takes them in when this run ends"
                        )
            except Exception as error:
                _warn(f"close() could not flush: {error!r}")

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- conversions

    def _log_disabled(self, metrics: Mapping[str, Any], step: int | float | None = None) -> None:
        """log() when reporting is off."""

    def _coerce_step(self, step: Any) -> int | float | None:
        try:
            if type(step) is not int and type(step) is not float:
                if isinstance(step, (str, bytes)) or step is None:
                    raise TypeError("not a number")
                step = step.item() if hasattr(step, "item") else step
                step = float(step) if not isinstance(step, int) else int(step)
            if type(step) is float:
                if not math.isfinite(step):
                    raise ValueError("not finite")
                if step.is_integer():
                    step = int(step)
            return step
        except Exception:
            self._warn_once(("step", type(step).__name__), f"dropping points with a bad step {step!r:.60}")
            return None

    def _coerce_value(self, key: str, value: Any) -> float | int | None:
        try:
            if isinstance(value, (str, bytes)) or value is None:
                raise TypeError
            if hasattr(value, "item"):
                value = value.item()
            return int(value) if type(value) is bool else float(value)
        except Exception:
            self._warn_once(("value", key), f"dropping metric {key!r}: {value!r:.60} is not a number")
            return None

    def _key_ok(self, key: Any) -> bool:
        if key in self._valid_keys:
            return True
        if isinstance(key, str) and _KEY.fullmatch(key):
            self._valid_keys.add(key)
            return True
        self._warn_once(("key", repr(key)), f"dropping metric {key!r}: names match [A-Za-z0-9_.-/]{{1,200}}")
        return False

    def _clean_checkpoint_metrics(self, metrics: Mapping[str, Any]) -> dict[str, float | int]:
        clean: dict[str, float | int] = {}
        for key, value in dict(metrics).items():
            if type(value) not in (int, float):
                value = self._coerce_value(key, value)
            if value is None or not self._key_ok(key):
                continue
            if not math.isfinite(value):
                self._warn_once(("ckpt", key), f"checkpoint metric {key!r} is {value}: not recorded")
                continue
            clean[key] = value
        return clean

    def _warn_once(self, what: Any, message: str) -> None:
        if what not in self._warned:
            self._warned.add(what)
            _warn(message)

    # ----------------------------------------------------------------- background thread

    def _loop(self) -> None:
        while not self._closing:
            self._wake.wait(self._flush_interval)
            self._wake.clear()
            if self._closing:
                break
            try:
                with self._io_lock:
                    if self._closing:
                        break
                    self._flush_points()
                    if self._stdout is not None:
                        self._stdout.write_lines("")  # lines held behind a line left open
                    if self.mode == "http":
                        if self._spool_pending and time.monotonic() >= self._retry_at:
                            self._drain_spool()
                        if time.monotonic() >= self._heartbeat_at:
                            self._heartbeat()
            except Exception as error:  # the thread must outlive any surprise
                self._warn_once("loop", f"background reporter error: {error!r}")

    def _next_name(self) -> tuple[str, str]:
        """A new batch id and spool file name (call with the I/O lock held)."""
        self._seq += 1
        batch_id = f"{self._session}-{self._seq}"
        return batch_id, f"{int(time.time() * 1000):013d}-{self._session}-{self._seq:08d}.json"

    def _drain_rows(self) -> tuple[list[_Row], PendingCheckpoint | None]:
        """Queued points up to a batch's worth, stopping at a checkpoint (returned with them)."""
        rows: list[_Row] = []
        points = self._points
        budget = MAX_BATCH_POINTS
        while budget > 0:
            try:
                row = points.popleft()
            except IndexError:
                break
            if type(row) is PendingCheckpoint:
                return rows, row
            rows.append(row)  # type: ignore[arg-type]
            budget -= len(row[2])  # type: ignore[index]
        return rows, None

    def _flush_points(self) -> None:
        """Moves every queued point and checkpoint out, in order: printed, sent, or spooled
        (I/O lock held)."""
        while True:
            rows, pending = self._drain_rows()
            if rows:
                if self.mode == "lines":
                    self._print_rows(rows)
                else:
                    for series in self._columnar(rows):
                        batch_id, name = self._next_name()
                        body = {"batchId": batch_id, "series": series}
                        self._deliver({"kind": "metrics", "body": body}, name)
            if pending is not None:
                self._register_checkpoint(pending)
            elif not rows:
                return

    def _columnar(self, rows: list[_Row]) -> list[dict[str, dict[str, list[Any]]]]:
        """Rows as the API's columnar series, split to at most MAX_BATCH_KEYS keys each."""
        series: dict[str, dict[str, list[Any]]] = {}
        for step, seconds, metrics in rows:
            ms = int(seconds * 1000)
            for key, value in metrics.items():
                columns = series.get(key)
                if columns is None:
                    if not self._key_ok(key):
                        continue
                    columns = series[key] = {"steps": [], "values": [], "times": []}
                columns["steps"].append(step)
                columns["values"].append(_encode_value(value))
                columns["times"].append(ms)
        keys = list(series)
        return [
            {k: series[k] for k in keys[i : i + MAX_BATCH_KEYS]} for i in range(0, len(keys), MAX_BATCH_KEYS)
        ]

    def _print_rows(self, rows: list[_Row]) -> None:
        lines = []
        for step, _, metrics in rows:
            fields = " ".join(f"{k}={_format_line_value(v)}" for k, v in metrics.items() if self._key_ok(k))
            if fields:
                lines.append(f"#trainyard metrics step={step} {fields}\n")
        self._write_stdout("".join(lines))

    def _print_line(self, instruction: str) -> None:
        self._write_stdout(f"#trainyard {instruction}\n")

    def _write_stdout(self, text: str) -> None:
        if not text:
            return
        if self._stdout is not None:
            self._stdout.write_lines(text)
            return
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except Exception:
            pass

    def _entry(self, entry: dict[str, Any]) -> dict[str, Any]:
        return {"v": _SPOOL_VERSION, "jobId": self.job_id, "runId": self.run_id, **entry}

    def _deliver(self, entry: dict[str, Any], name: str) -> None:
        """Sends one request, or spools it behind older undelivered ones (I/O lock held)."""
        if self._spool_pending:
            self._spool_metrics(name, entry)
            return
        outcome, detail = self._send(entry)
        if outcome == _TRANSIENT:
            self._server_down(detail)
            if self._spool_metrics(name, entry):
                self._spool_pending = True
        elif outcome == _PERMANENT:
            _warn(f"the server refused a {entry['kind']} request, dropped: {detail}")

    def _spool_metrics(self, name: str, entry: dict[str, Any]) -> bool:
        """Spools a metric batch under the cap; False when it was dropped or not written."""
        path = self._spool.write(name, self._entry(entry), capped=True)
        if path == _Spool.FULL:
            if self._dropped[0] == 0:
                cap = round(self._spool.max_bytes / 2**20, 2)
                _warn(
                    f"the spool in {self.spool_dir} is full (its cap: {cap:g} MiB, TRAINYARD_SPOOL_MAX_MB): metric points "
                    "are dropped until the server takes the spool in; checkpoint registrations are still kept"
                )
            points = sum(len(s.get("steps", ())) for s in entry["body"].get("series", {}).values())
            self._dropped = (self._dropped[0] + 1, self._dropped[1] + points)
            return False
        if path is not None:
            self._room_again()
        return path is not None

    def _room_again(self) -> None:
        """The spool took a batch again (or emptied): says what was dropped while it was full."""
        batches, points = self._dropped
        if batches:
            _warn(f"the spool has room again: {batches} metric batch(es), {points} point(s) were dropped while it was full")
            self._dropped = (0, 0)

    def _send(self, entry: Mapping[str, Any]) -> tuple[str, Any]:
        assert self._transport is not None
        route = "metrics" if entry["kind"] == "metrics" else "checkpoints"
        return self._transport.post(f"/api/v1/runs/{self.run_id}/{route}", entry["body"])

    def _server_down(self, detail: str) -> None:
        """Backs off: the doubling wait, or the server's Retry-After when longer (a 429: the
        run's ingest budget is spent; a heartbeat that gets through does not cut it short)."""
        retry_after = getattr(detail, "retry_after", None)
        self._retry_at = time.monotonic() + max(self._retry_wait, retry_after or 0.0)
        if retry_after is not None:
            self._not_before = self._retry_at
        self._retry_wait = min(self._retry_wait * 2, RETRY_MAX)
        if retry_after is None:
            self._warn_once("down", f"the server is unreachable ({detail}); spooling to {self.spool_dir}")
        else:
            self._warn_once("down", f"the server asks to wait {math.ceil(retry_after)} s ({detail}); spooling to {self.spool_dir} and resending then")

    def _server_up(self) -> None:
        if "down" in self._warned:
            self._warned.discard("down")
        self._retry_wait = RETRY_FIRST
        self._retry_at = 0.0

    def _adopt(self, entry: dict[str, Any]) -> dict[str, Any] | None:
        """The request to send for a spooled entry; entries of an earlier run of this job are
        sent under this run, keeping only points at or before the step it resumed from (the
        later ones are superseded). Returns None for an entry to delete unsent."""
        if entry.get("runId") == self.run_id:
            return entry
        if entry.get("kind") != "metrics" or self.resume_step is None:
            return None
        series: dict[str, Any] = {}
        for key, columns in entry["body"].get("series", {}).items():
            keep = [i for i, step in enumerate(columns["steps"]) if step <= self.resume_step]
            if keep:
                series[key] = {name: [columns[name][i] for i in keep] for name in ("steps", "values", "times")}
        if not series:
            return None
        return {**entry, "body": {"batchId": entry["body"]["batchId"], "series": series}}

    def _drain_spool(self, deadline: float | None = None) -> None:
        """Resends spooled requests oldest first, deleting each after a 2xx; stops at the first
        transient failure (retrying until ``deadline`` when one is given). I/O lock held."""
        while True:
            for path in self._spool.files():
                entry = _Spool.read(path)
                if entry is None or entry.get("jobId") != self.job_id:
                    if entry is None and os.path.exists(path):
                        self._warn_once(("bad", path), f"ignoring unreadable spool file {path}")
                    continue
                request = self._adopt(entry)
                if request is None:
                    self._spool.remove(path)
                    continue
                outcome, detail = self._send(request)
                if outcome == _TRANSIENT:
                    self._server_down(detail)
                    break
                if outcome == _PERMANENT:
                    _warn(f"the server refused a spooled {entry.get('kind')} request, dropped: {detail}")
                self._spool.remove(path)
                pending = self._spooled.pop(path, None)
                if pending is not None:
                    pending._settle(detail if outcome == _OK and isinstance(detail, dict) else None)
            else:
                self._spool_pending = False
                self._server_up()
                self._room_again()
                return
            if deadline is None or time.monotonic() >= deadline:
                return
            time.sleep(max(0.0, min(self._retry_at, deadline) - time.monotonic()))

    def _heartbeat(self) -> None:
        """POST /status with the total and message; reads stopRequested (I/O lock held)."""
        assert self._transport is not None
        self._heartbeat_at = time.monotonic() + self._heartbeat_interval
        body: dict[str, Any] = {}
        if self._total is not None:
            body["total"] = self._total
        if self._message is not None:
            body["message"] = self._message
        outcome, reply = self._transport.post(f"/api/v1/runs/{self.run_id}/status", body)
        if outcome == _OK:
            if isinstance(reply, dict) and reply.get("stopRequested") is True:
                self._stop_requested = True
            if self._spool_pending:
                # The server is back: resend the spool now, or once its Retry-After has passed.
                self._retry_at = self._not_before if self._not_before > time.monotonic() else 0.0
        elif outcome == _PERMANENT:
            self._warn_once("status", f"the server refused the heartbeat: {reply}")

    def _register_checkpoint(self, pending: PendingCheckpoint) -> None:
        """Prints, sends or spools one registration, and settles it unless it was spooled (I/O
        lock held; the points logged before it are out already)."""
        body = pending._body
        if self.mode == "lines":
            fields = " ".join(f"{k}={_format_line_value(v)}" for k, v in body["metrics"].items())
            self._print_line(f"checkpoint path={json.dumps(body['path'])} step={body['step']} {fields}".rstrip())
            pending._settle({"path": pending.path, "step": pending.step, "metrics": pending.metrics})
            return
        entry = {"kind": "checkpoint", "body": body}
        if not self._spool_pending:
            outcome, reply = self._send(entry)
            if outcome == _OK:
                self._server_up()
                pending._settle(reply if isinstance(reply, dict) else {})
                return
            if outcome == _PERMANENT:
                _warn(f"the server refused checkpoint {body['path']!r}: {reply}")
                pending._settle(None)
                return
            self._server_down(reply)
        _, name = self._next_name()
        path = self._spool.write(name, self._entry(entry))
        if path is None:
            pending._settle(None)
            return
        self._spool_pending = True
        self._spooled[path] = pending
        _warn(f"checkpoint {body['path']!r} not registered yet (server unreachable); spooled, sent when it answers")

    # ----------------------------------------------------------------- signals and fork

    def _install_sigterm(self) -> None:
        self._previous_sigterm = signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, signum: int, frame: Any) -> None:
        self._sigterms += 1
        self._stop_requested = True
        previous = self._previous_sigterm
        if self._sigterms > 1:
            signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)
            if callable(previous):
                previous(signum, frame)
            else:
                os.kill(os.getpid(), signal.SIGTERM)
            return
        with contextlib.suppress(OSError):
            os.write(2, b"trainyard: SIGTERM received; should_stop() is now True (a second SIGTERM ends the process)\n")
        if callable(previous):
            previous(signum, frame)

    def _after_fork_in_child(self) -> None:
        """A forked child (a DataLoader worker) has no reporter thread: it reports nothing."""
        self.mode = "none"
        self._closed = True
        self._points = collections.deque()
        self.log = self._log_disabled  # type: ignore[method-assign]
        if self._stdout is not None:
            self._stdout._after_fork_in_child()


def _fsync_tree(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        for root, _, files in os.walk(path):
            for name in files:
                _fsync_file(os.path.join(root, name))
            _fsync_dir(root)
    else:
        _fsync_file(path)


def _fsync_file(path: str) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _fsync_dir(path: str) -> None:
    _fsync_file(path)


# --------------------------------------------------------------------------- init


_current: Run | None = None
_current_lock = threading.Lock()


def init(
    *,
    url: str | None = None,
    token: str | None = None,
    run_id: str | None = None,
    checkpoint_dir: str | None = None,
    spool_dir: str | None = None,
    offline: Literal["lines", "none"] = "lines",
    catch_sigterm: bool = True,
    flush_interval: float = DEFAULT_FLUSH_INTERVAL,
    flush_rows: int = DEFAULT_FLUSH_ROWS,
    heartbeat_interval: float = DEFAULT_HEARTBEAT_INTERVAL,
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
    checkpoint_retry: float = DEFAULT_CHECKPOINT_RETRY,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    spool_max_mb: float | None = None,
) -> Run:
    """Starts reporting for this process and returns its :class:`Run`.

    Every argument defaults to the ``TRAINYARD_*`` environment variable of the same meaning.
    Calling init() again while a run is open returns that run (so libraries may call it too).

    Args:
        url, token, run_id: the server, the run's token and id (``TRAINYARD_URL``,
            ``TRAINYARD_TOKEN``, ``TRAINYARD_RUN_ID``).
        checkpoint_dir: ``TRAINYARD_CHECKPOINT_DIR``; default ``./checkpoints``.
        spool_dir: ``TRAINYARD_SPOOL_DIR``; default ``<checkpoint_dir>/.spool``.
        offline: what to do without a server: ``"lines"`` prints the line protocol on stdout
            (default), ``"none"`` reports nothing.
        catch_sigterm: install a SIGTERM handler that makes :meth:`Run.should_stop` True
            (only possible from the main thread; elsewhere this is skipped with a warning).
        flush_interval: seconds between background sends. Default: 0.5.
        flush_rows: queued log() calls that trigger an early send. Default: 5000.
        heartbeat_interval: seconds between heartbeats. Default: 5.
        request_timeout: seconds before one request counts as failed. Default: 5.
        checkpoint_retry: deprecated and ignored (:meth:`Run.checkpoint` no longer waits).
        close_timeout: seconds :meth:`Run.close` tries to empty the spool. Default: 10.
        spool_max_mb: ``TRAINYARD_SPOOL_MAX_MB``: the spool's size cap in MiB. Past it, metric
            batches are dropped (a warning when dropping starts, one with the count when there is
            room again); checkpoint registrations are spooled whatever the cap. Default: 512.
    """
    global _current
    with _current_lock:
        if _current is not None and not _current._closed:
            return _current
        env = os.environ
        url = url or env.get("TRAINYARD_URL") or None
        run_id = run_id or env.get("TRAINYARD_RUN_ID") or None
        mode: _Mode = "http" if url else ("lines" if offline == "lines" else "none")
        if mode == "http" and not run_id:
            _warn("TRAINYARD_URL is set but TRAINYARD_RUN_ID is not: reporting on stdout instead")
            mode = "lines" if offline == "lines" else "none"
        if env.get("RANK", "0").strip() not in ("", "0"):
            mode = "none"
        checkpoint_dir = os.path.abspath(checkpoint_dir or env.get("TRAINYARD_CHECKPOINT_DIR") or "checkpoints")
        run = Run(
            mode=mode,
            url=url if mode == "http" else None,
            token=token or env.get("TRAINYARD_TOKEN"),
            job_id=env.get("TRAINYARD_JOB_ID") or None,
            run_id=run_id,
            attempt=_int_env("TRAINYARD_ATTEMPT", 1),
            checkpoint_dir=checkpoint_dir,
            spool_dir=os.path.abspath(spool_dir or env.get("TRAINYARD_SPOOL_DIR") or os.path.join(checkpoint_dir, ".spool")),
            resume_from=env.get("TRAINYARD_RESUME_FROM") or None,
            resume_step=_step_env("TRAINYARD_RESUME_STEP"),
            init_from=env.get("TRAINYARD_INIT_FROM") or None,
            init_from_id=_optional_int_env("TRAINYARD_INIT_FROM_ID"),
            params=_params_env(),
            flush_interval=flush_interval,
            flush_rows=flush_rows,
            heartbeat_interval=heartbeat_interval,
            request_timeout=request_timeout,
            close_timeout=close_timeout,
            spool_max_mb=spool_max_mb if spool_max_mb is not None else _float_env("TRAINYARD_SPOOL_MAX_MB", DEFAULT_SPOOL_MAX_MB),
        )
        if mode == "lines":
            run._stdout = _SharedStdout.install()
        if catch_sigterm:
            if threading.current_thread() is threading.main_thread():
                run._install_sigterm()
            else:
                _warn("init() was called outside the main thread: SIGTERM is not caught")
        atexit.register(run.close)
        ref = weakref.ref(run)
        os.register_at_fork(after_in_child=lambda: (r := ref()) is not None and r._after_fork_in_child())
        _current = run
        return run


def _int_env(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name) or default)
    except ValueError:
        _warn(f"{name} is not an integer: {os.environ.get(name)!r}")
        return default


def _optional_int_env(name: str) -> int | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        _warn(f"{name} is not an integer: {raw!r}")
        return None


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = float("nan")
    if not value > 0:
        _warn(f"{name} is not a positive number: {raw!r}; using {default:g}")
        return default
    return value


def _step_env(name: str) -> int | float | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
        return int(value) if value.is_integer() else value
    except ValueError:
        _warn(f"{name} is not a number: {raw!r}")
        return None


def _params_env() -> dict[str, Any]:
    raw = os.environ.get("TRAINYARD_PARAMS", "").strip()
    if not raw:
        return {}
    try:
        params = json.loads(raw)
        return params if isinstance(params, dict) else {"value": params}
    except ValueError:
        _warn(f"TRAINYARD_PARAMS is not JSON: {raw[:80]!r}")
        return {}
