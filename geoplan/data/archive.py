"""Zip archives as bureaus send them, opened safely.

- Member names: zips made on Chinese Windows store GBK names without the UTF-8 flag; Python then
  decodes them as CP437 (mojibake). :func:`member_name` re-decodes those as GB18030.
- Safety: absolute paths, ``..`` and drive letters are refused; so is an archive whose members
  would unpack to more than :data:`MAX_TOTAL_BYTES`, or with a member compressed more than
  :data:`MAX_RATIO` : 1 (a "zip bomb" — 1 GB of zeros fits in 1 MB). Both checks use the sizes the
  archive declares, before anything is written, and extraction streams with a counter so a member
  that lies about its size is cut off at once.
"""

from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from geoplan.errors import LoadError

#: Largest total size the members of one archive may unpack to.
MAX_TOTAL_BYTES = 2_000_000_000
#: Largest compression ratio accepted for a member bigger than :data:`RATIO_FLOOR_BYTES`.
MAX_RATIO = 200
RATIO_FLOOR_BYTES = 5_000_000
_CHUNK = 1 << 20


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's name as its author wrote it (GBK names from Chinese Windows decoded)."""
    if info.flag_bits & 0x800:  # the archive says UTF-8
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


@dataclass(frozen=True)
class Member:
    info: zipfile.ZipInfo
    name: str  # decoded, with forward slashes

    @property
    def stem(self) -> str:
        return self.name.rsplit(".", 1)[0]

    @property
    def suffix(self) -> str:
        return "." + self.name.rsplit(".", 1)[1].lower() if "." in self.name else ""


def open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        msg = f"{path.name}: not a valid zip archive (truncated or corrupt)"
        raise LoadError(msg) from exc
    except OSError as exc:
        msg = f"{path}: cannot open the archive ({exc.strerror or exc})"
        raise LoadError(msg) from exc


def members(zf: zipfile.ZipFile, source: str) -> list[Member]:
    """Every member, checked for unsafe names and for bomb-like sizes (nothing is extracted)."""
    out: list[Member] = []
    total = 0
    for info in zf.infolist():
        name = member_name(info).replace("\\", "/")
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
            msg = f"{source}: unsafe member name {name!r} in the archive (absolute or '..'); refusing to extract"
            raise LoadError(msg)
        if info.is_dir() or name.startswith("__MACOSX/") or pure.name.startswith("._"):
            continue
        total += info.file_size
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            msg = (
                f"{source}: member {name!r} would unpack from {info.compress_size:,} to "
                f"{info.file_size:,} bytes (ratio {info.file_size / max(info.compress_size, 1):,.0f}:1); "
                "this looks like a zip bomb and is refused — send the layer uncompressed or zipped normally"
            )
            raise LoadError(msg)
        out.append(Member(info, name))
    if total > MAX_TOTAL_BYTES:
        msg = (
            f"{source}: the archive would unpack to {total / 1e9:.1f} GB; the limit is "
            f"{MAX_TOTAL_BYTES / 1e9:.0f} GB — split it, one layer per zip"
        )
        raise LoadError(msg)
    return out


def extract(zf: zipfile.ZipFile, chosen: list[Member], dest: Path, source: str) -> dict[str, Path]:
    """Extract *chosen* members under *dest* (streamed, size-checked); returns name → path."""
    out: dict[str, Path] = {}
    budget = MAX_TOTAL_BYTES
    for m in chosen:
        target = dest / m.name
        target.parent.mkdir(parents=True, exist_ok=True)
        written = 0
        try:
            with zf.open(m.info) as src, target.open("wb") as dst:
                while True:
                    chunk = src.read(_CHUNK)
                    if not chunk:
                        break
                    written += len(chunk)
                    if written > m.info.file_size or written > budget:
                        msg = f"{source}: member {m.name!r} is larger than the archive declares; refusing it"
                        raise LoadError(msg)
                    dst.write(chunk)
        except (zipfile.BadZipFile, EOFError, OSError, RuntimeError) as exc:
            shutil.rmtree(dest, ignore_errors=True)
            dest.mkdir(parents=True, exist_ok=True)
            msg = f"{source}: archive member {m.name!r} could not be extracted ({exc}); the zip is probably truncated"
            raise LoadError(msg) from exc
        budget -= written
        out[m.name] = target
    return out
