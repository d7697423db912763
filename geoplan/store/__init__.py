"""The versioned project store (项目库): GeoPackage or PostGIS, one backend interface.

:mod:`geoplan.store.base` holds the interface and the shared rules (names, conflicts, audit);
:mod:`geoplan.store.gpkg` and :mod:`geoplan.store.postgis` the two backends;
:mod:`geoplan.store.codec` turns payloads into rows and back; :mod:`geoplan.store.export` writes
an item out as files.
"""

from __future__ import annotations

from geoplan.store.base import (
    ItemNotFoundError as ItemNotFoundError,
)
from geoplan.store.base import (
    Store as Store,
)
from geoplan.store.base import (
    StoreError as StoreError,
)
from geoplan.store.base import (
    current_user as current_user,
)
from geoplan.store.base import (
    default_store_target as default_store_target,
)
from geoplan.store.base import (
    open_project as open_project,
)
from geoplan.store.base import (
    open_store as open_store,
)
from geoplan.store.base import (
    project_path as project_path,
)
from geoplan.store.base import (
    projects_dir as projects_dir,
)
from geoplan.store.base import (
    redact_url as redact_url,
)
from geoplan.store.base import (
    safe_name as safe_name,
)
from geoplan.store.base import (
    sanitize_filename as sanitize_filename,
)
from geoplan.store.codec import PayloadError as PayloadError
