"""A zone's industry lists: its 产业链 (chains) and enterprise tiers (企业梯队), as typed models.

Both are zone files (``tables/chains.yaml``, ``tables/enterprise_tiers.yaml`` in the zone
folder), read through the one YAML loader and validated by pydantic models, so a mistake names
file, line and field. They say what a firm's ``chain`` key and its ``tiers`` keys mean; a firm
list that uses a key not in these lists is refused (see :func:`check_firm_keys`).

Chain roles are fixed (``geoplan.data.catalog.CHAIN_ROLES``): 链主 (anchor), 核心配套
(core_supplier), 一般 (general).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from geoplan import settings
from geoplan.config.loader import read_yaml_doc, validate
from geoplan.errors import Problem, ValidationError

CHAIN_ROLES = ("anchor", "core_supplier", "general")
CHAINS_FILE = "chains.yaml"
TIERS_FILE = "enterprise_tiers.yaml"
TIER_SEP = "|"

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Text = Annotated[str, Field(min_length=1, max_length=400)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Chain(_Model):
    """One 产业链: its key (the firms' ``chain`` value), names, the 1+6 industry it belongs to
    (the firms' ``industry`` label), its links, the planned places (structure element names) and
    the seed line it comes from."""

    key: Key
    name_zh: Text
    name_en: Text
    industry: Text
    links: list[Text] = Field(default_factory=list, max_length=40)
    places: list[Text] = Field(default_factory=list, max_length=40)
    anchors_named: list[Text] = Field(default_factory=list, max_length=60)
    source: Text
    inferred: bool = False
    note: str = ""

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh


class ChainList(_Model):
    source: Text
    chains: list[Chain] = Field(min_length=1, max_length=60)

    @model_validator(mode="after")
    def _unique(self) -> ChainList:
        keys = [c.key for c in self.chains]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            msg = f"chain key(s) defined twice: {', '.join(dup)}"
            raise ValueError(msg)
        return self

    def by_key(self) -> dict[str, Chain]:
        return {c.key: c for c in self.chains}


class TierCount(_Model):
    value: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    when: Text
    source: Text


class Tier(_Model):
    """One enterprise tier: key (a value of the firms' ``tiers`` field), names, the plan
    indicator it counts towards (``hte``, ``sme``, ``growth`` …), counts and targets from the
    seeds, and its definition (or none, said plainly)."""

    key: Key
    name_zh: Text
    name_en: Text
    short_zh: str = ""
    indicator: str = ""
    counts: list[TierCount] = Field(default_factory=list, max_length=20)
    definition: str = ""
    definition_source: str = ""
    verified: bool = True

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" else self.name_zh

    @field_validator("indicator")
    @classmethod
    def _ind(cls, v: str) -> str:
        if v and not v.replace("_", "").isalnum():
            msg = f"indicator must be an indicator key such as hte, got {v!r}"
            raise ValueError(msg)
        return v


class TierList(_Model):
    source: Text
    tiers: list[Tier] = Field(min_length=1, max_length=60)

    @model_validator(mode="after")
    def _unique(self) -> TierList:
        keys = [t.key for t in self.tiers]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            msg = f"tier key(s) defined twice: {', '.join(dup)}"
            raise ValueError(msg)
        return self

    def by_key(self) -> dict[str, Tier]:
        return {t.key: t for t in self.tiers}


def tables_dir(zone_dir: str | Path | None = None) -> Path:
    """The ``tables/`` folder of a zone folder (the bundled sample by default)."""
    return Path(zone_dir) / "tables" if zone_dir else settings.ZONE_TABLES_DIR


def load_chains(path: str | Path | None = None) -> ChainList:
    """The zone's chain list (default: the bundled sample's ``tables/chains.yaml``)."""
    p = Path(path) if path else settings.ZONE_TABLES_DIR / CHAINS_FILE
    return validate(ChainList, read_yaml_doc(p, "chain list"))


def load_tiers(path: str | Path | None = None) -> TierList:
    """The zone's enterprise tier list (default: the sample's ``tables/enterprise_tiers.yaml``)."""
    p = Path(path) if path else settings.ZONE_TABLES_DIR / TIERS_FILE
    return validate(TierList, read_yaml_doc(p, "tier list"))


def split_tiers(values: pd.Series) -> pd.Series:
    """``"high_tech|dengling"`` → ``["high_tech", "dengling"]`` per row (empty list if none)."""
    s = values.astype("object").where(values.notna(), "")
    return s.map(lambda v: [k.strip() for k in str(v).split(TIER_SEP) if k.strip()])


def check_firm_keys(
    firms: pd.DataFrame, chains: ChainList, tiers: TierList, *, source: str = "firms"
) -> None:
    """Refuse a firm list whose ``chain``, ``chain_role`` or ``tiers`` values are not in the
    zone's lists: one :class:`ValidationError` naming every bad cell (row numbers count the
    header as row 1, as a spreadsheet shows them)."""
    problems: list[Problem] = []
    index = list(range(len(firms)))
    if "chain" in firms:
        known = set(chains.by_key())
        vals = firms["chain"].astype("object").to_numpy()
        for i, v in zip(index, vals, strict=True):
            if isinstance(v, str) and v.strip() and v.strip() not in known:
                problems.append(
                    Problem(
                        f"unknown chain {v!r}",
                        source=source,
                        row=i + 2,
                        field="chain",
                        hint=f"use a key of the zone's chain list: {', '.join(sorted(known))}",
                    )
                )
    if "chain_role" in firms:
        vals = firms["chain_role"].astype("object").to_numpy()
        for i, v in zip(index, vals, strict=True):
            if isinstance(v, str) and v.strip() and v.strip() not in CHAIN_ROLES:
                problems.append(
                    Problem(
                        f"unknown chain role {v!r}",
                        source=source,
                        row=i + 2,
                        field="chain_role",
                        hint=f"use one of {', '.join(CHAIN_ROLES)} (链主/核心配套/一般)",
                    )
                )
    if "tiers" in firms:
        known_t = set(tiers.by_key())
        for i, keys in zip(index, split_tiers(firms["tiers"]), strict=True):
            bad = [k for k in keys if k not in known_t]
            if bad:
                problems.append(
                    Problem(
                        f"unknown tier(s) {', '.join(map(repr, bad))}",
                        source=source,
                        row=i + 2,
                        field="tiers",
                        hint=f"use keys of the zone's tier list, joined by '{TIER_SEP}': "
                        + ", ".join(sorted(known_t)),
                    )
                )
    if problems:
        raise ValidationError(problems, source=source)
