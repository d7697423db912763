"""PostgreSQL + PostGIS backend: the team store, selected by a ``postgresql://`` URL.

Layout (schema ``geoplan`` by default): ``items`` (one row per version: kind, name, version,
user, time, message, meta JSON), ``heads`` (latest version per item; its row lock serialises saves
of one item), ``audit`` (the trail), and one table per stored frame, ``d<item id>_<n>``, with
typed columns and a PostGIS ``geometry`` column (EPSG SRID when the CRS has one, else 0; the exact
CRS is in the item's meta) plus a GiST index — readable from QGIS.

A save is one transaction: lock the item's head row (``SELECT … FOR UPDATE``), check the
expected version, create and fill (``COPY``) the version's tables, insert the catalog and audit
rows, advance the head, commit. PostgreSQL's DDL is transactional, so a writer killed at any
point leaves no trace; a second writer of the same item waits on the row lock and then sees
the new latest version (→ its own version number, or ConflictError with ``expected_version``).

Credentials: put the password in ``PGPASSWORD`` / ``~/.pgpass`` / ``PGSERVICE`` or pass Streamlit
secrets; the store never logs or shows it (messages carry :func:`geoplan.store.redact_url`).
All values travel as bound parameters; identifiers (schema, generated table names, frame column
names) are composed with :mod:`psycopg.sql`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from geoplan import settings
from geoplan.errors import ConflictError
from geoplan.store.base import PreparedItem, Store, StoreError, _hook, not_found, redact_url
from geoplan.store.codec import PK, dumps

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000
_SCHEMA_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_SQL_TYPES = {
    "bool": "boolean",
    "int": "bigint",
    "float": "double precision",
    "text": "text",
    "json": "text",
    "datetime": "text",
    "wkb": "bytea",
    "geometry": "geometry",
}
_SECRET_KEYS = (
    "host",
    "port",
    "dbname",
    "user",
    "password",
    "sslmode",
    "sslrootcert",
    "connect_timeout",
    "options",
)


def _iso(t: datetime | None) -> str | None:
    if t is None:
        return None
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class PostgisStore(Store):
    """A store in a PostgreSQL database with PostGIS. See :mod:`geoplan.store` for the API."""

    backend = "postgis"

    def __init__(
        self, url: str, *, secrets: Mapping[str, Any] | None = None, schema: str | None = None
    ) -> None:
        try:
            import psycopg  # noqa: F401
            from psycopg.conninfo import conninfo_to_dict, make_conninfo
        except ImportError as exc:  # pragma: no cover - psycopg is a declared extra
            msg = "the PostGIS store needs psycopg: pip install 'geoplan[postgis]'"
            raise StoreError(msg) from exc
        from psycopg import ProgrammingError

        secrets = dict(secrets or {})
        base = str(secrets.pop("url", "") or url or "")
        extra = {k: str(v) for k, v in secrets.items() if k in _SECRET_KEYS and v not in (None, "")}
        try:
            url_password = urlsplit(base).password if base else None
        except ValueError as exc:  # urllib: "Invalid IPv6 URL", bad port …
            msg = f"invalid PostgreSQL address {redact_url(base)!r}: {exc}; write postgresql://user@host:5432/db"
            raise StoreError(msg) from None
        self._secrets = [s for s in (extra.get("password"), url_password) if s]
        try:
            self._conninfo = make_conninfo(base, **extra)
            info = conninfo_to_dict(self._conninfo)
        except (ProgrammingError, ValueError) as exc:
            msg = f"invalid PostgreSQL address {redact_url(base)!r}: {self._redact(str(exc))}"
            raise StoreError(msg) from None
        info.setdefault("connect_timeout", "15")
        self._conninfo = make_conninfo("", **info)
        user = str(info.get("user") or settings.pg_env("PGUSER"))
        host = str(info.get("host") or settings.pg_env("PGHOST", "localhost"))
        port = str(info.get("port") or settings.pg_env("PGPORT", "5432"))
        self.label = (
            f"postgresql://{user + '@' if user else ''}{host}:{port}/{info.get('dbname', '')}"
        )
        self.schema = schema or settings.pg_schema() or "geoplan"
        if not _SCHEMA_RE.match(self.schema):
            msg = f"PostgreSQL schema name {self.schema!r} is not allowed; use lower-case letters, digits and _"
            raise StoreError(msg)
        self.label += f" (schema {self.schema})"
        self._init()

    # --- connections ------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        for s in self._secrets:
            text = text.replace(s, "***")
        return text

    @contextlib.contextmanager
    def _connect(self) -> Iterator[Any]:
        import psycopg

        try:
            conn = psycopg.connect(self._conninfo, autocommit=False, application_name="geoplan")
        except psycopg.Error as exc:
            msg = f"{self.label}: cannot connect to the PostGIS store ({self._redact(str(exc)).strip()})"
            raise StoreError(msg) from None
        try:
            yield conn
            conn.commit()
        except psycopg.Error as exc:
            with contextlib.suppress(Exception):
                conn.rollback()
            msg = f"{self.label}: database error ({self._redact(str(exc)).strip()})"
            raise StoreError(msg) from exc
        except BaseException:
            with contextlib.suppress(Exception):
                conn.rollback()
            raise
        finally:
            conn.close()

    def _t(self, table: str) -> Any:
        from psycopg import sql

        return sql.Identifier(self.schema, table)

    def _init(self) -> None:
        from psycopg import sql

        with self._connect() as conn, conn.cursor() as cur:
            cur.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"geoplan-init:{self.schema}",)
            )
            cur.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
            if cur.fetchone() is None:
                try:
                    with conn.transaction():
                        cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
                except Exception as exc:
                    msg = (
                        f"{self.label}: the database has no PostGIS extension and this user may not "
                        f"create it ({self._redact(str(exc)).strip()}); ask the DBA to run "
                        "CREATE EXTENSION postgis in this database"
                    )
                    raise StoreError(msg) from None
            s = sql.Identifier(self.schema)
            for stmt in (
                "CREATE SCHEMA IF NOT EXISTS {s}",
                "CREATE TABLE IF NOT EXISTS {s}.items (id bigserial PRIMARY KEY, kind text NOT NULL, "
                "name text NOT NULL, version integer NOT NULL, user_name text NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT clock_timestamp(), message text NOT NULL DEFAULT '', "
                "meta text NOT NULL, UNIQUE (kind, name, version))",
                "CREATE TABLE IF NOT EXISTS {s}.heads (kind text NOT NULL, name text NOT NULL, "
                "latest integer NOT NULL, PRIMARY KEY (kind, name))",
                "CREATE TABLE IF NOT EXISTS {s}.audit (id bigserial PRIMARY KEY, "
                "at timestamptz NOT NULL DEFAULT clock_timestamp(), user_name text NOT NULL, action text NOT NULL, "
                "kind text, name text, version integer, message text NOT "
                "NULL DEFAULT '', details text NOT NULL DEFAULT '{{}}')",
            ):
                cur.execute(sql.SQL(stmt).format(s=s))

    # --- saving -----------------------------------------------------------------------------

    def _save_items(self, items: list[PreparedItem], *, user: str, message: str) -> list[int]:
        conflict: tuple[PreparedItem, int, str] | None = None
        versions: list[int] = []
        _hook("before_lock")
        with self._connect() as conn, conn.cursor() as cur:
            for item in items:
                latest, prev = self._lock_head(cur, item.kind, item.name)
                if not item.force and item.expected is not None and item.expected != latest:
                    text = self._conflict_message(
                        item.kind,
                        item.name,
                        item.expected,
                        latest,
                        prev and prev[0],
                        prev and _iso(prev[1]),
                    )
                    conflict = (item, latest, text)
                    conn.rollback()
                    break
                _hook("after_check")
                versions.append(self._write_item(cur, item, prev, latest, user, message))
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

    def _lock_head(self, cur: Any, kind: str, name: str) -> tuple[int, Any]:
        """Lock the item's head row (created if new); the latest version and its row."""
        from psycopg import sql

        cur.execute(
            sql.SQL(
                "INSERT INTO {} (kind, name, latest) VALUES (%s, %s, 0) ON CONFLICT DO NOTHING"
            ).format(self._t("heads")),
            (kind, name),
        )
        cur.execute(
            sql.SQL("SELECT latest FROM {} WHERE kind = %s AND name = %s FOR UPDATE").format(
                self._t("heads")
            ),
            (kind, name),
        )
        latest = cur.fetchone()[0]
        prev = None
        if latest:
            cur.execute(
                sql.SQL(
                    "SELECT user_name, created_at, meta FROM {} WHERE kind = %s AND name = %s "
                    "AND version = %s"
                ).format(self._t("items")),
                (kind, name, latest),
            )
            prev = cur.fetchone()
        return latest, prev

    def _write_item(
        self, cur: Any, item: PreparedItem, prev: Any, latest: int, user: str, message: str
    ) -> int:
        from psycopg import sql

        kind, name, meta = item.kind, item.name, item.meta
        version = latest + 1
        cur.execute(
            sql.SQL(
                "INSERT INTO {} (kind, name, version, user_name, message, meta) "
                "VALUES (%s, %s, %s, %s, %s, '{{}}') RETURNING id"
            ).format(self._t("items")),
            (kind, name, version, user, message),
        )
        item_id = cur.fetchone()[0]
        for i, (spec, data) in enumerate(zip(meta["parts"], item.datas, strict=True)):
            spec["table"] = f"d{item_id}_{i}"
            self._write_table(cur, spec, data)
        details = self._details(kind, json.loads(prev[2]) if prev else None, meta, item.expected)
        if item.force:
            details["forced"] = True
        cur.execute(
            sql.SQL("UPDATE {} SET meta = %s WHERE id = %s").format(self._t("items")),
            (dumps(meta), item_id),
        )
        cur.execute(
            sql.SQL("UPDATE {} SET latest = %s WHERE kind = %s AND name = %s").format(
                self._t("heads")
            ),
            (version, kind, name),
        )
        cur.execute(
            sql.SQL(
                "INSERT INTO {} (user_name, action, kind, name, version, message, details) "
                "VALUES (%s, 'save', %s, %s, %s, %s, %s)"
            ).format(self._t("audit")),
            (user, kind, name, version, message, dumps(details)),
        )
        return version

    def _write_table(self, cur: Any, spec: dict, data: list) -> None:
        import shapely
        from psycopg import sql

        cols = spec["columns"]
        table = self._t(spec["table"])
        ddl = [sql.SQL("{} bigint PRIMARY KEY").format(sql.Identifier(PK))]
        ddl += [
            sql.SQL("{} " + _SQL_TYPES[c["codec"]]).format(sql.Identifier(c["col"])) for c in cols
        ]
        cur.execute(sql.SQL("CREATE TABLE {} ({})").format(table, sql.SQL(", ").join(ddl)))
        data = list(data)
        geometry = spec.get("geometry") or {}
        for j, c in enumerate(cols):
            if c["codec"] == "geometry":
                srid = 0
                if geometry.get("epsg"):
                    cur.execute(
                        "SELECT 1 FROM spatial_ref_sys WHERE srid = %s", (geometry["epsg"],)
                    )
                    srid = geometry["epsg"] if cur.fetchone() else 0
                arr = np.asarray(data[j], dtype=object)
                if srid:
                    arr = shapely.set_srid(arr, srid)
                data[j] = list(shapely.to_wkb(arr, hex=True, include_srid=bool(srid)))
        names = sql.SQL(", ").join(sql.Identifier(x) for x in [PK] + [c["col"] for c in cols])
        n = spec["rows"]
        with cur.copy(sql.SQL("COPY {} ({}) FROM STDIN").format(table, names)) as copy:
            for start in range(0, n, CHUNK_ROWS):
                stop = min(n, start + CHUNK_ROWS)
                for row in zip(
                    range(start + 1, stop + 1), *(col[start:stop] for col in data), strict=True
                ):
                    copy.write_row(row)
                _hook("after_chunk")
        if geometry:
            cur.execute(
                sql.SQL("CREATE INDEX ON {} USING gist ({})").format(
                    table, sql.Identifier(geometry["column"])
                )
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
        from psycopg import sql

        with self._connect() as conn, conn.cursor() as cur:
            cur.execute(
                sql.SQL(
                    "INSERT INTO {} (user_name, action, kind, name, version, message, details) "
                    "VALUES (%s, %s, %s, %s, %s, %s, %s)"
                ).format(self._t("audit")),
                (user, action, kind, name, version, message, dumps(details)),
            )

    # --- reading ----------------------------------------------------------------------------

    def _latest(self, kind: str, name: str) -> int:
        from psycopg import sql

        with self._connect() as conn, conn.cursor() as cur:
            cur.execute(
                sql.SQL("SELECT max(version) FROM {} WHERE kind = %s AND name = %s").format(
                    self._t("items")
                ),
                (kind, name),
            )
            return cur.fetchone()[0] or 0

    def _load(self, kind: str, name: str, version: int | None) -> tuple[int, dict, list]:
        from psycopg import sql

        with self._connect() as conn, conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            items = self._t("items")
            if version is None:
                cur.execute(
                    sql.SQL(
                        "SELECT version, meta FROM {} WHERE kind = %s AND name = %s "
                        "ORDER BY version DESC LIMIT 1"
                    ).format(items),
                    (kind, name),
                )
            else:
                cur.execute(
                    sql.SQL(
                        "SELECT version, meta FROM {} WHERE kind = %s AND name = %s AND version = %s"
                    ).format(items),
                    (kind, name, int(version)),
                )
            row = cur.fetchone()
            if row is None:
                cur.execute(
                    sql.SQL("SELECT max(version) FROM {} WHERE kind = %s AND name = %s").format(
                        items
                    ),
                    (kind, name),
                )
                raise not_found(self.label, kind, name, version, cur.fetchone()[0] or 0)
            meta = json.loads(row[1])
            datas = [self._read_table(cur, spec) for spec in meta["parts"]]
        return row[0], meta, datas

    def _read_table(self, cur: Any, spec: dict) -> list[list[Any]]:
        from psycopg import sql

        cols = spec["columns"]
        if not cols:
            return []
        sel = [
            sql.SQL("ST_AsBinary({})").format(sql.Identifier(c["col"]))
            if c["codec"] == "geometry"
            else sql.Identifier(c["col"])
            for c in cols
        ]
        cur.execute(
            sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
                sql.SQL(", ").join(sel), self._t(spec["table"]), sql.Identifier(PK)
            )
        )
        rows = cur.fetchall()
        return [list(col) for col in zip(*rows, strict=True)] if rows else [[] for _ in cols]

    def _list(self, kind: str | None) -> list[dict]:
        from psycopg import sql

        q = (
            "SELECT i.kind, i.name, i.version, i.user_name, i.created_at, i.message, c.n FROM {items} i "
            "JOIN (SELECT kind, name, max(version) AS v, count(*) AS n FROM {items} GROUP BY kind, name) c "
            "ON i.kind = c.kind AND i.name = c.name AND i.version = c.v"
        )
        params: tuple = ()
        if kind is not None:
            q += " WHERE i.kind = %s"
            params = (kind,)
        q += " ORDER BY i.kind, i.name"
        with self._connect() as conn, conn.cursor() as cur:
            cur.execute(sql.SQL(q).format(items=self._t("items")), params)
            rows = cur.fetchall()
        return [
            {
                "kind": r[0],
                "name": r[1],
                "version": r[2],
                "user": r[3],
                "time": _iso(r[4]),
                "message": r[5],
                "versions": r[6],
            }
            for r in rows
        ]

    def _history(self, kind: str, name: str) -> list[dict]:
        from psycopg import sql

        with self._connect() as conn, conn.cursor() as cur:
            cur.execute(
                sql.SQL(
                    "SELECT kind, name, version, user_name, created_at, message, meta FROM {} "
                    "WHERE kind = %s AND name = %s ORDER BY version"
                ).format(self._t("items")),
                (kind, name),
            )
            rows = cur.fetchall()
        return [
            {
                "kind": r[0],
                "name": r[1],
                "version": r[2],
                "user": r[3],
                "time": _iso(r[4]),
                "message": r[5],
                "rows": [p["rows"] for p in json.loads(r[6])["parts"]],
            }
            for r in rows
        ]

    def _audit(self, kind: str | None, name: str | None, limit: int | None) -> list[dict]:
        from psycopg import sql

        where: list[str] = []
        params: list[Any] = []
        if kind is not None:
            where.append("kind = %s")
            params.append(kind)
        if name is not None:
            where.append("name = %s")
            params.append(name)
        q = "SELECT id, at, user_name, action, kind, name, version, message, details FROM {audit}"
        if where:
            q += " WHERE " + " AND ".join(where)
        q += " ORDER BY id DESC"
        if limit is not None:
            q += " LIMIT %s"
            params.append(int(limit))
        with self._connect() as conn, conn.cursor() as cur:
            cur.execute(sql.SQL(q).format(audit=self._t("audit")), params)
            rows = cur.fetchall()
        return [
            {
                "id": r[0],
                "time": _iso(r[1]),
                "user": r[2],
                "action": r[3],
                "kind": r[4],
                "name": r[5],
                "version": r[6],
                "message": r[7],
                "details": json.loads(r[8] or "{}"),
            }
            for r in reversed(rows)
        ]
