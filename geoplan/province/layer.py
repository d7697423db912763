"""The province layer: one record per high-tech zone, built from a seed (Liaoning: seed 003).

The bundled layer is ``data/province/liaoning/zones.yaml``. Every fact has its seed line
(``003:Lnnn``); the map locations are approximate points (``verified: no``, the seed gives no
coordinates) and are flagged ``approximate`` wherever shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from geoplan.config.loader import read_yaml_doc, validate

ROOT = Path(__file__).resolve().parents[2]
#: The bundled Liaoning layer (seed 003).
LIAONING = ROOT / "data" / "province" / "liaoning" / "zones.yaml"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Fact(_Model):
    """A list of named items with the seed line they come from."""

    items: tuple[str, ...] = ()
    source: str = Field(pattern=r"^\d{3}:L\d+")
    note: str | None = None


class Note(_Model):
    text: str
    source: str = Field(pattern=r"^\d{3}:L\d+")


class Cited(_Model):
    value: float
    source: str = Field(pattern=r"^\d{3}:L\d+")


class Location(_Model):
    lon: float = Field(ge=-180, le=180, allow_inf_nan=False)
    lat: float = Field(ge=-90, le=90, allow_inf_nan=False)
    approximate: bool = True


class ZoneRecord(_Model):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    name_en: str
    city: str
    level: Literal["national", "provincial"]
    level_source: str
    management: Literal["merged", "dispatched"]
    management_source: str
    management_note: Note | None = None
    lead_industries: Fact
    clusters: Fact
    alliances: Fact
    platforms: Fact
    makerspaces: Fact
    funds: Fact
    location: Location


class EvaluationSpec(_Model):
    dimensions: tuple[str, ...] = Field(min_length=1)
    source: str
    rule: str


class LeadRule(_Model):
    min: int = Field(ge=0)
    max: int = Field(ge=1)
    source: str
    text: str


class ProvinceLayer(_Model):
    province: str
    province_en: str
    source: str
    total_area_km2: Cited
    evaluation: EvaluationSpec
    lead_industry_rule: LeadRule
    location_note: str
    zones: tuple[ZoneRecord, ...] = Field(min_length=1)

    @field_validator("zones")
    @classmethod
    def _unique(cls, v: tuple[ZoneRecord, ...]) -> tuple[ZoneRecord, ...]:
        ids = [z.id for z in v]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            msg = f"zone id(s) listed twice: {', '.join(dup)}"
            raise ValueError(msg)
        return v

    def zone(self, zid: str) -> ZoneRecord | None:
        return next((z for z in self.zones if z.id == zid), None)


def read_layer(path: str | Path = LIAONING) -> ProvinceLayer:
    """Read and validate a province layer YAML (errors name file, line and field)."""
    return validate(ProvinceLayer, read_yaml_doc(path, "province layer"))


def lead_industry_check(z: ZoneRecord, rule: LeadRule) -> dict:
    """The "一区一产业" check (003:L88): 1–2 lead industries per zone."""
    n = len(z.lead_industries.items)
    return {
        "count": n,
        "ok": rule.min <= n <= rule.max,
        "rule": f"{rule.min}-{rule.max}",
        "source": rule.source,
    }
