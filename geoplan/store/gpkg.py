"""GeoPackage backend: one ``.gpkg`` file per project, written with SQLite transactions.

Why one SQLite transaction per save (and not temp-file-and-replace): a project file holds every
version of every item, so copying it to change one item would make each save cost the whole
project and would make two concurrent writers race on ``os.replace`` (the last one silently
wins). Instead each save runs ``BEGIN IMMEDIATE`` (the database's single write lock, so saves
are serialised across processes), checks the expected version, creates the new version's tables,
inserts its rows, registers them in ``gpkg_contents``/``gpkg_geometry_columns`` and writes the
catalog and audit rows, then ``COMMIT``. Earlier versions are never touched. SQLite's journal
(WAL mode, ``synchronous=FULL``) guarantees that a process killed anywhere before ``COMMIT``
leaves the file as it was; the next opener rolls the partial transaction back.

The file is a valid GeoPackage 1.3: each stored table is a feature table (geometry as GeoPackage
binary with the CRS in ``gpkg_spatial_ref_sys``) or an attribute table, so QGIS/GDAL can open
any version (identifier ``kind/name/vN``). WAL mode needs a local disk (not a network share).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from geoplan import settings
from geoplan.errors import ConflictError
from geoplan.store.base import PreparedItem, Store, StoreError, _hook, not_found
from geoplan.store.codec import PK, dumps

logger = logging.getLogger(__name__)

#: Rows per INSERT batch.
CHUNK_ROWS = 2000
#: Seconds a save waits for another process's save to finish before giving up ("store busy").

_APPLICATION_ID = 0x47504B47  # "GPKG"
_USER_VERSION = 10300  # GeoPackage 1.3

_GPKG_DDL = """
CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE IF NOT EXISTS gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES
  ('Undefined cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system');
CREATE TABLE IF NOT EXISTS geoplan_items (
  id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, name TEXT NOT NULL,
  version INTEGER NOT NULL, user TEXT NOT NULL, time TEXT NOT NULL, message TEXT NOT NULL DEFAULT '',
  meta TEXT NOT NULL, UNIQUE (kind, name, version));
CREATE TABLE IF NOT EXISTS geoplan_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, user TEXT NOT NULL, action TEXT NOT NULL,
  kind TEXT, name TEXT, version INTEGER, message TEXT NOT NULL DEFAULT '', details TEXT NOT NULL DEFAULT '{}');
INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description) VALUES
  ('geoplan_items', 'attributes', 'geoplan_items', 'GeoPlan catalog: one row per saved version'),
  ('geoplan_audit', 'attributes', 'geoplan_audit', 'GeoPlan audit log 规划全过程留痕');
"""

_SQL_TYPES = {
    "bool": "BOOLEAN",
    "int": "INTEGER",
    "float": "DOUBLE",
    "text": "TEXT",
    "json": "TEXT",
    "datetime": "TEXT",
    "wkb": "BLOB",
    "geometry": "GEOMETRY",
}


def _q(ident: str) -> str:
    """Quote an SQLite identifier (used for generated table names and frame column names)."""
    return '"' + ident.replace('"', '""') + '"'


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _Abort(Exception):
    """Rolls the save transaction back on a conflict (never leaves this module)."""


class GpkgStore(Store):
    """A store in one GeoPackage file. See :mod:`geoplan.store` for the API."""

    backend = "gpkg"

    def __init__(self, path: str | os.PathLike, *, create: bool = True) -> None:
        self.path = Path(path)
        self.label = str(self.path)
        if not self.path.exists():
            if not create:
                msg = f"{self.path}: no such store (create it with `geoplan store init` or a save)"
                raise StoreError(msg)
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                msg = f"{self.path.parent}: cannot create the projects folder ({exc.strerror})"
                raise StoreError(msg) from exc
        elif self.path.is_dir():
            msg = f"{self.path} is a folder; a store is one .gpkg file"
            raise StoreError(msg)
        self._init(create=create)

    # --- connections ------------------------------------------------------------------------

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        try:
            con = sqlite3.connect(
                self.path, timeout=settings.store_busy_timeout_s(), isolation_level=None
            )
        except sqlite3.Error as exc:
            msg = f"{self.path}: cannot open the store ({exc})"
            raise StoreError(msg) from exc
        try:
            con.execute("PRAGMA synchronous=FULL")
            yield con
        except sqlite3.DatabaseError as exc:
            text = str(exc)
            if "locked" in text or "busy" in text:
                msg = f"{self.path}: the store is busy (another save is running); try again"
            elif "not a database" in text or "malformed" in text:
                msg = f"{self.path}: not a readable GeoPackage/SQLite file ({text})"
            else:
                msg = f"{self.path}: database error ({text})"
            raise StoreError(msg) from exc
        finally:
            con.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction holding the database's write lock; rolled back on any error."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise

    def _init(self, *, create: bool = True) -> None:
        with self._connect() as con:
            tables = {
                r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }
            if tables and "geoplan_items" not in tables:
                data = tables - {
                    "gpkg_spatial_ref_sys",
                    "gpkg_contents",
                    "gpkg_geometry_columns",
                    "gpkg_extensions",
                    "gpkg_ogr_contents",
                    "sqlite_sequence",
                }
                if data:
                    msg = (
                        f"{self.path}: this GeoPackage holds other data ({', '.join(sorted(data)[:5])}) and is "
                        "not a GeoPlan store; GeoPlan never writes into data files — choose a new .gpkg"
                    )
                    raise StoreError(msg)
            if "geoplan_items" in tables:
                return
            if not create:
                msg = (
                    f"{self.path}: not a GeoPlan store (no store tables); create one with "
                    "`geoplan store init` or by saving into it"
                )
                raise StoreError(msg)
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("BEGIN IMMEDIATE")
            try:
                con.execute(f"PRAGMA application_id={_APPLICATION_ID}")
                con.execute(f"PRAGMA user_version={_USER_VERSION}")
                for stmt in _GPKG_DDL.split(";"):
                    if stmt.strip():
                        con.execute(stmt)
                self._srs_id(con, {"epsg": 4326, "crs": None})
                con.execute("COMMIT")
            except BaseException:
                if con.in_transaction:
                    con.execute("ROLLBACK")
                raise

    # --- saving -----------------------------------------------------------------------------

    def _save_items(self, items: list[PreparedItem], *, user: str, message: str) -> list[int]:
        conflict: tuple[PreparedItem, int, str] | None = None
        versions: list[int] = []
        _hook("before_lock")
        try:
            with self._write() as con:
                now = _now()
                for item in items:
                    row = con.execute(
                        "SELECT version, user, time, meta FROM geoplan_items WHERE kind=? AND name=? "
                        "ORDER BY version DESC LIMIT 1",
                        (item.kind, item.name),
                    ).fetchone()
                    latest = row[0] if row else 0
                    if not item.force and item.expected is not None and item.expected != latest:
                        text = self._conflict_message(
                            item.kind,
                            item.name,
                            item.expected,
                            latest,
                            row and row[1],
                            row and row[2],
                        )
                        conflict = (item, latest, text)
                        raise _Abort
                    _hook("after_check")
                    versions.append(self._write_item(con, item, row, latest, user, message, now))
        except _Abort:
            pass
        if conflict is not None:
            item, latest, text = conflict
            self._record(
                user,
                "conflict",
                item.kind,
                item.name,
                None,
                message,
                {"expected_version": item.expected, "latest_version": latest},
            )
            raise ConflictError(text)
        return versions

    def _write_item(
        self,
        con: sqlite3.Connection,
        item: PreparedItem,
        row: Any,
        latest: int,
        user: str,
        message: str,
        now: str,
    ) -> int:
        kind, name, meta = item.kind, item.name, item.meta
        version = latest + 1
        item_id = con.execute(
            "INSERT INTO geoplan_items (kind, name, version, user, time, message, meta) "
            "VALUES (?, ?, ?, ?, ?, ?, '{}')",
            (kind, name, version, user, now, message),
        ).lastrowid
        multi = len(meta["parts"]) > 1
        for i, (spec, data) in enumerate(zip(meta["parts"], item.datas, strict=True)):
            spec["table"] = f"gp{item_id}_{i}"
            ident = f"{kind}/{name}/v{version}" + (f"/{i}" if multi else "")
            self._write_table(con, spec, data, ident, message)
        details = self._details(kind, json.loads(row[3]) if row else None, meta, item.expected)
        if item.force:
            details["forced"] = True
        con.execute("UPDATE geoplan_items SET meta=? WHERE id=?", (dumps(meta), item_id))
        con.execute(
            "INSERT INTO geoplan_audit (time, user, action, kind, name, version, message, details) "
            "VALUES (?, ?, 'save', ?, ?, ?, ?, ?)",
            (now, user, kind, name, version, message, dumps(details)),
        )
        return version

    def _srs_id(self, con: sqlite3.Connection, geometry: dict | None) -> int:
        from pyproj import CRS

        if geometry is None or (geometry.get("crs") is None and geometry.get("epsg") is None):
            return -1
        epsg = geometry.get("epsg")
        if epsg is not None:
            if con.execute("SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id=?", (epsg,)).fetchone():
                return epsg
            crs = CRS.from_epsg(epsg)
            con.execute(
                "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, ?)",
                (crs.name, epsg, epsg, _wkt1(crs), crs.to_wkt()),
            )
            return epsg
        wkt2 = geometry["crs"]
        row = con.execute(
            "SELECT srs_id FROM gpkg_spatial_ref_sys WHERE organization='GEOPLAN' AND description=?",
            (wkt2,),
        ).fetchone()
        if row:
            return row[0]
        crs = CRS.from_wkt(wkt2)
        new_id = max(
            100000,
            (con.execute("SELECT max(srs_id) FROM gpkg_spatial_ref_sys").fetchone()[0] or 0) + 1,
        )
        con.execute(
            "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'GEOPLAN', ?, ?, ?)",
            (crs.name, new_id, new_id, _wkt1(crs), wkt2),
        )
        return new_id

    def _write_table(
        self, con: sqlite3.Connection, spec: dict, data: list, ident: str, message: str
    ) -> None:
        table = spec["table"]
        cols = spec["columns"]
        ddl = ", ".join(
            [f"{_q(PK)} INTEGER PRIMARY KEY AUTOINCREMENT"]
            + [f"{_q(c['col'])} {_SQL_TYPES[c['codec']]}" for c in cols]
        )
        con.execute(f"CREATE TABLE {_q(table)} ({ddl})")
        geometry = spec.get("geometry")
        srs_id = self._srs_id(con, geometry) if geometry else None
        data = list(data)
        for j, c in enumerate(cols):
            if c["codec"] == "geometry":
                data[j] = _gpkg_blobs(data[j], srs_id or 0)
        n = spec["rows"]
        placeholders = ", ".join(["?"] * (len(cols) + 1))
        insert = (
            f"INSERT INTO {_q(table)} "
            f"({', '.join(_q(x) for x in [PK] + [c['col'] for c in cols])}) VALUES ({placeholders})"
        )
        for start in range(0, n, CHUNK_ROWS):
            stop = min(n, start + CHUNK_ROWS)
            rows = zip(range(start + 1, stop + 1), *(col[start:stop] for col in data), strict=True)
            con.executemany(insert, rows)
            _hook("after_chunk")
        bounds = spec.get("bounds") or [None] * 4
        con.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, "
            "min_x, min_y, max_x, max_y, srs_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                table,
                "features" if geometry else "attributes",
                ident,
                message,
                _now(),
                *bounds,
                srs_id,
            ),
        )
        if geometry:
            con.execute(
                "INSERT INTO gpkg_geometry_columns VALUES (?, ?, 'GEOMETRY', ?, ?, 0)",
                (table, geometry["column"], srs_id, 1 if geometry.get("has_z") else 0),
            )

    def _record(
        self,
        user: str,
        action: str,
        kind: str,
        name: str,
        version: int | None,
        message: str,
        details: dict,
    ) -> None:
        with self._write() as con:
            con.execute(
                "INSERT INTO geoplan_audit (time, user, action, kind, name, version, message, details) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (_now(), user, action, kind, name, version, message, dumps(details)),
            )

    # --- reading ----------------------------------------------------------------------------

    def _latest(self, kind: str, name: str) -> int:
        with self._connect() as con:
            row = con.execute(
                "SELECT max(version) FROM geoplan_items WHERE kind=? AND name=?", (kind, name)
            ).fetchone()
        return row[0] or 0

    def _load(self, kind: str, name: str, version: int | None) -> tuple[int, dict, list]:
        with self._connect() as con:
            con.execute("BEGIN")  # one consistent snapshot for the catalog row and its tables
            try:
                if version is None:
                    row = con.execute(
                        "SELECT version, meta FROM geoplan_items WHERE kind=? AND name=? "
                        "ORDER BY version DESC LIMIT 1",
                        (kind, name),
                    ).fetchone()
                else:
                    row = con.execute(
                        "SELECT version, meta FROM geoplan_items WHERE kind=? AND name=? AND version=?",
                        (kind, name, int(version)),
                    ).fetchone()
                if row is None:
                    latest = (
                        con.execute(
                            "SELECT max(version) FROM geoplan_items WHERE kind=? AND name=?",
                            (kind, name),
                        ).fetchone()[0]
                        or 0
                    )
                    raise not_found(self.label, kind, name, version, latest)
                meta = json.loads(row[1])
                datas = [self._read_table(con, spec) for spec in meta["parts"]]
            finally:
                con.execute("ROLLBACK")
        return row[0], meta, datas

    def _read_table(self, con: sqlite3.Connection, spec: dict) -> list[list[Any]]:
        cols = spec["columns"]
        if not cols:
            return []
        sel = ", ".join(_q(c["col"]) for c in cols)
        rows = con.execute(f"SELECT {sel} FROM {_q(spec['table'])} ORDER BY {_q(PK)}").fetchall()
        data = [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in cols]
        for j, c in enumerate(cols):
            if c["codec"] == "geometry":
                data[j] = [_strip_gpkg_header(b) for b in data[j]]
        return data

    def _list(self, kind: str | None) -> list[dict]:
        sql = (
            "SELECT i.kind, i.name, i.version, i.user, i.time, i.message, c.n FROM geoplan_items i "
            "JOIN (SELECT kind, name, max(version) AS v, count(*) AS n FROM geoplan_items GROUP BY kind, name) c "
            "ON i.kind = c.kind AND i.name = c.name AND i.version = c.v"
        )
        params: tuple = ()
        if kind is not None:
            sql += " WHERE i.kind = ?"
            params = (kind,)
        with self._connect() as con:
            rows = con.execute(sql + " ORDER BY i.kind, i.name", params).fetchall()
        keys = ("kind", "name", "version", "user", "time", "message", "versions")
        return [dict(zip(keys, r, strict=True)) for r in rows]

    def _history(self, kind: str, name: str) -> list[dict]:
        with self._connect() as con:
            rows = con.execute(
                "SELECT kind, name, version, user, time, message, meta FROM geoplan_items "
                "WHERE kind=? AND name=? ORDER BY version",
                (kind, name),
            ).fetchall()
        out = []
        for r in rows:
            meta = json.loads(r[6])
            out.append(
                {
                    "kind": r[0],
                    "name": r[1],
                    "version": r[2],
                    "user": r[3],
                    "time": r[4],
                    "message": r[5],
                    "rows": [p["rows"] for p in meta["parts"]],
                }
            )
        return out

    def _audit(self, kind: str | None, name: str | None, limit: int | None) -> list[dict]:
        where: list[str] = []
        params: list[Any] = []
        if kind is not None:
            where.append("kind = ?")
            params.append(kind)
        if name is not None:
            where.append("name = ?")
            params.append(name)
        sql = "SELECT id, time, user, action, kind, name, version, message, details FROM geoplan_audit"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(int(limit))
        with self._connect() as con:
            rows = con.execute(sql, params).fetchall()
        keys = ("id", "time", "user", "action", "kind", "name", "version", "message", "details")
        out = [dict(zip(keys, r, strict=True)) for r in reversed(rows)]
        for d in out:
            d["details"] = json.loads(d["details"] or "{}")
        return out


def _wkt1(crs: Any) -> str:
    try:
        text = crs.to_wkt("WKT1_GDAL")
    except Exception:
        text = None
    return text or crs.to_wkt()


def _gpkg_blobs(geoms: list, srs_id: int) -> list[bytes | None]:
    """GeoPackage binary geometries: 'GP' header with the XY envelope, then ISO WKB."""
    import shapely

    arr = np.asarray(geoms, dtype=object)
    missing = shapely.is_missing(arr)
    empty = np.zeros(len(arr), dtype=bool)
    empty[~missing] = shapely.is_empty(arr[~missing])
    wkb = shapely.to_wkb(arr, flavor="iso")
    bounds = shapely.bounds(arr)
    head_env = struct.Struct("<2sBBi4d")
    head = struct.Struct("<2sBBi")
    out: list[bytes | None] = []
    for w, m, e, b in zip(wkb, missing, empty, bounds, strict=True):
        if m:
            out.append(None)
        elif e:
            out.append(
                head.pack(b"GP", 0, 0x11, srs_id) + w
            )  # little-endian, no envelope, empty flag
        else:
            out.append(head_env.pack(b"GP", 0, 0x03, srs_id, b[0], b[2], b[1], b[3]) + w)
    return out


_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def _strip_gpkg_header(blob: bytes | None) -> bytes | None:
    if blob is None:
        return None
    blob = bytes(blob)
    if blob[:2] != b"GP":
        msg = "a geometry is not GeoPackage binary (missing 'GP' magic); the table was edited by another tool"
        raise StoreError(msg)
    env = (blob[3] >> 1) & 0x07
    return blob[8 + _ENVELOPE_BYTES.get(env, 0) :]
