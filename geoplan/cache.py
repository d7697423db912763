"""The one cache: content-keyed, in memory and on disk, safe across threads and processes.

Expensive intermediate results (road networks and parcel attachments per phase, coverage,
suitability grids, the base evaluation) are cached here and nowhere else. A result is found by a
*key* derived from everything that determines it — the content of its inputs, its parameters and
the code that computes it — so a changed input or a changed GeoPlan simply misses the cache; there
is no invalidation step to forget. The cache is never needed for correctness: a miss recomputes.

- :func:`key` hashes parts (bytes, text, numbers, tuples, mappings, numpy arrays, pandas frames,
  GeoSeries, paths by content) together with :func:`code_version`.
- :func:`memo` returns the cached value for a key or computes and stores it: in memory (a bounded
  LRU per namespace, one lock per key so threads of the app compute once) and, with ``disk=True``,
  as a pickle under ``settings.cache_dir()`` written atomically (temp file + rename), so another
  process reads a whole file or none.
- The disk cache is bounded (``GEOPLAN_CACHE_MAX_MB``): after a write the oldest files are removed
  until it fits. :func:`clear` empties it (``geoplan cache clear``); :func:`stats` describes it.

Disk files are pickles: the cache folder is created private to the user (mode 0700) and only
GeoPlan writes there; do not point ``GEOPLAN_CACHE_DIR`` at a folder others can write.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pickle
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from geoplan import settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Entries kept in memory per namespace.
MEMORY_ENTRIES = 16
_PICKLE_PROTOCOL = 5


# --- keys ----------------------------------------------------------------------------------------

_CODE_VERSION: str | None = None


def code_version() -> str:
    """A digest of GeoPlan's own source files: any code change gives new cache keys."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        from geoplan import __version__

        root = Path(__file__).resolve().parent
        h = hashlib.sha256(__version__.encode())
        for p in sorted(root.rglob("*.py")):
            h.update(str(p.relative_to(root)).encode())
            h.update(p.read_bytes())
        _CODE_VERSION = h.hexdigest()[:16]
    return _CODE_VERSION


def _feed(h: Any, part: object) -> None:
    import numpy as np
    import pandas as pd

    if part is None or isinstance(part, bool | int | float | complex):
        h.update(f"{type(part).__name__}:{part!r};".encode())
    elif isinstance(part, str):
        h.update(b"s:" + part.encode() + b";")
    elif isinstance(part, bytes | bytearray | memoryview):
        h.update(b"b:" + bytes(part) + b";")
    elif isinstance(part, Path):
        h.update(b"path:")
        h.update(file_digest(part).encode())
    elif isinstance(part, np.ndarray):
        h.update(f"nd:{part.dtype.str}:{part.shape};".encode())
        h.update(
            np.ascontiguousarray(part).tobytes()
            if part.dtype != object
            else pickle.dumps(part.tolist())
        )
    elif isinstance(part, pd.DataFrame | pd.Series):
        _feed_frame(h, part)
    elif isinstance(part, Mapping):
        h.update(b"{")
        for k in sorted(part, key=repr):
            _feed(h, k)
            _feed(h, part[k])
        h.update(b"}")
    elif isinstance(part, list | tuple | set | frozenset):
        items: Iterable[object] = (
            sorted(part, key=repr) if isinstance(part, set | frozenset) else part
        )
        h.update(b"[")
        for item in items:
            _feed(h, item)
        h.update(b"]")
    elif hasattr(part, "cache_token"):
        _feed(h, part.cache_token())
    else:
        msg = f"cannot build a cache key from a {type(part).__name__}; pass its content instead"
        raise TypeError(msg)


def _feed_frame(h: Any, obj: Any) -> None:
    import geopandas as gpd
    import pandas as pd

    frame = obj.to_frame() if isinstance(obj, pd.Series) else obj
    h.update(f"df:{list(map(str, frame.columns))}:{list(map(str, frame.dtypes))};".encode())
    geo_cols = [c for c in frame.columns if isinstance(frame[c].dtype, gpd.array.GeometryDtype)]
    plain = frame.drop(columns=geo_cols)
    if len(plain.columns):
        h.update(pd.util.hash_pandas_object(plain, index=True).to_numpy().tobytes())
    else:
        h.update(pd.util.hash_pandas_object(frame.index).to_numpy().tobytes())
    for c in geo_cols:
        gs = gpd.GeoSeries(frame[c])
        h.update(str(gs.crs.to_wkt() if gs.crs is not None else "").encode())
        for wkb in gs.to_wkb():
            h.update(wkb if wkb is not None else b"\0")


def file_digest(path: str | os.PathLike[str]) -> str:
    """sha256 of a file's bytes, memoised by (path, size, mtime)."""
    p = Path(path)
    st = p.stat()
    stamp = (str(p.resolve()), st.st_size, st.st_mtime_ns)
    with _LOCK:
        hit = _FILE_DIGESTS.get(stamp)
    if hit is not None:
        return hit
    h = hashlib.sha256()
    with p.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    with _LOCK:
        _FILE_DIGESTS[stamp] = digest
    return digest


def key(*parts: object) -> str:
    """A content key for *parts* and the current code (hex, 32 characters)."""
    h = hashlib.sha256(code_version().encode())
    for part in parts:
        _feed(h, part)
    return h.hexdigest()[:32]


# --- memory --------------------------------------------------------------------------------------

_LOCK = threading.Lock()
_FILE_DIGESTS: dict[tuple[str, int, int], str] = {}
_MEMORY: dict[str, OrderedDict[str, Any]] = {}
_KEY_LOCKS: dict[tuple[str, str], threading.Lock] = {}


def _key_lock(namespace: str, k: str) -> threading.Lock:
    with _LOCK:
        lock = _KEY_LOCKS.get((namespace, k))
        if lock is None:
            lock = _KEY_LOCKS[(namespace, k)] = threading.Lock()
        return lock


def _memory_get(namespace: str, k: str) -> tuple[bool, Any]:
    with _LOCK:
        space = _MEMORY.get(namespace)
        if space is not None and k in space:
            space.move_to_end(k)
            return True, space[k]
    return False, None


def _memory_put(namespace: str, k: str, value: Any, entries: int) -> None:
    with _LOCK:
        space = _MEMORY.setdefault(namespace, OrderedDict())
        space[k] = value
        space.move_to_end(k)
        while len(space) > entries:
            old, _ = space.popitem(last=False)
            _KEY_LOCKS.pop((namespace, old), None)


# --- disk ----------------------------------------------------------------------------------------


def _disk_root() -> Path:
    return settings.cache_dir() / "v1"


def _disk_path(namespace: str, k: str) -> Path:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in namespace)
    return _disk_root() / safe / f"{k}.pkl"


def _disk_get(namespace: str, k: str) -> tuple[bool, Any]:
    p = _disk_path(namespace, k)
    try:
        with p.open("rb") as f:
            value = pickle.load(f)
    except FileNotFoundError:
        return False, None
    except (
        OSError,
        EOFError,
        pickle.UnpicklingError,
        AttributeError,
        ImportError,
        ValueError,
    ) as exc:
        # a file from an interrupted or foreign write: drop it and recompute
        logger.warning("cache: ignoring unreadable entry %s (%s)", p.name, type(exc).__name__)
        with contextlib.suppress(OSError):
            p.unlink()
        return False, None
    with contextlib.suppress(OSError):
        os.utime(p)  # recently used: kept longest when the cache is trimmed
    return True, value


def _disk_put(namespace: str, k: str, value: Any) -> None:
    limit = settings.cache_max_bytes()
    if limit <= 0:
        return
    p = _disk_path(namespace, k)
    try:
        p.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        data = pickle.dumps(value, protocol=_PICKLE_PROTOCOL)
    except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
        logger.warning("cache: not storing %s on disk (%s: %s)", namespace, type(exc).__name__, exc)
        return
    if len(data) > limit:
        return
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=p.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, p)
    except OSError as exc:
        logger.warning("cache: could not write %s (%s)", p, exc)
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    _trim(limit)


def _entries() -> list[tuple[float, int, Path]]:
    out: list[tuple[float, int, Path]] = []
    root = _disk_root()
    if not root.exists():
        return out
    for p in root.glob("*/*.pkl"):
        with contextlib.suppress(OSError):
            st = p.stat()
            out.append((st.st_mtime, st.st_size, p))
    return out


def _trim(limit: int) -> None:
    entries = _entries()
    total = sum(size for _, size, _ in entries)
    if total <= limit:
        return
    for _, size, p in sorted(entries):
        with contextlib.suppress(OSError):
            p.unlink()
            total -= size
        if total <= limit:
            break


# --- the interface -------------------------------------------------------------------------------


def memo(
    namespace: str,
    k: str,
    compute: Callable[[], T],
    *,
    disk: bool = False,
    entries: int = MEMORY_ENTRIES,
) -> T:
    """The value cached under (*namespace*, *k*), computing and storing it on a miss.

    Callers must treat the returned value as read-only: it is shared with every later caller.
    """
    found, value = _memory_get(namespace, k)
    if found:
        return value
    with _key_lock(namespace, k):
        found, value = _memory_get(namespace, k)
        if found:
            return value
        if disk:
            found, value = _disk_get(namespace, k)
        if not found:
            value = compute()
            if disk:
                _disk_put(namespace, k, value)
        _memory_put(namespace, k, value, entries)
        return value


def forget_memory() -> None:
    """Drop the in-memory entries (the disk cache stays)."""
    with _LOCK:
        _MEMORY.clear()
        _KEY_LOCKS.clear()


@dataclass(frozen=True)
class CacheStats:
    folder: str
    files: int
    bytes: int
    limit_bytes: int
    namespaces: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "files": self.files,
            "bytes": self.bytes,
            "limit_bytes": self.limit_bytes,
            "namespaces": self.namespaces,
        }


def stats() -> CacheStats:
    entries = _entries()
    spaces: dict[str, int] = {}
    for _, _, p in entries:
        spaces[p.parent.name] = spaces.get(p.parent.name, 0) + 1
    return CacheStats(
        str(settings.cache_dir()),
        len(entries),
        sum(s for _, s, _ in entries),
        settings.cache_max_bytes(),
        dict(sorted(spaces.items())),
    )


def clear() -> int:
    """Remove every disk entry and the memory cache; returns the number of files removed."""
    forget_memory()
    n = 0
    for _, _, p in _entries():
        with contextlib.suppress(OSError):
            p.unlink()
            n += 1
    return n
