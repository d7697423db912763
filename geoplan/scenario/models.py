"""Parameter models shared by scenario operations (pydantic): selections of parcels and firms,
yield profiles, the keys every operation takes. Field types: :mod:`geoplan.scenario.params`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from geoplan.data.catalog import PARCEL_STATUS
from geoplan.scenario.params import (
    CLASSES,
    INDUSTRIES,
    PROFILE_FIELDS,
    PROFILE_LEVELS,
    Codes,
    Geometry,
    Text,
    Texts,
    choice,
    fail,
    num,
    strings,
)

# --- models -------------------------------------------------------------------------------------


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ProfileDoc(Model):
    """``profile:`` as written: ``{industry, level}`` (from the base evaluation) or explicit 亩均
    figures (all five)."""

    industry: Annotated[str, choice(*INDUSTRIES)] | None = None
    level: Annotated[str, choice(*PROFILE_LEVELS)] = "median_A"
    far: Annotated[float, num(0.05, 30)] | None = None
    tax_per_mu: Annotated[float, num(0, 1e6, "万元/亩")] | None = None
    revenue_per_mu: Annotated[float, num(0, 1e7, "万元/亩")] | None = None
    va_per_mu: Annotated[float, num(0, 1e7, "万元/亩")] | None = None
    employees_per_mu: Annotated[float, num(0, 1e4, "人/亩")] | None = None
    energy_tce_per_mu: Annotated[float, num(0, 1e6, "tce/亩")] | None = None

    @model_validator(mode="after")
    def _all_or_none(self) -> ProfileDoc:
        given = [k for k in PROFILE_FIELDS if getattr(self, k) is not None]
        if given and len(given) < len(PROFILE_FIELDS):
            missing = [k for k in PROFILE_FIELDS if k not in given]
            fail(f"an explicit profile needs all of {', '.join(PROFILE_FIELDS)}", missing[0])
        return self

    def explicit(self) -> dict[str, float] | None:
        given = {k: getattr(self, k) for k in PROFILE_FIELDS if getattr(self, k) is not None}
        return given or None


@dataclass(frozen=True)
class ProfileSpec:
    """A resolved profile request: the industry's yields at *level* from the base evaluation, or
    *explicit* 亩均 figures at *far*."""

    industry: str | None
    level: str = "median_A"
    explicit: dict[str, float] | None = None
    far: float | None = None

    def with_industry(self, industry: str) -> ProfileSpec:
        return ProfileSpec(industry, self.level, self.explicit, self.far)


def profile_spec(doc: ProfileDoc | None, default_industry: str | None, key: str) -> ProfileSpec:
    """A :class:`ProfileSpec` from ``profile:`` (may be absent) and the operation's industry."""
    doc = doc or ProfileDoc()
    explicit = doc.explicit()
    industry = doc.industry or default_industry
    if not explicit and industry is None:
        fail("is required for a profile taken from the evaluation", key, "industry")
    return ProfileSpec(industry, doc.level, explicit, doc.far)


class ParcelWhere(Model):
    """A selection of parcels: every given condition must hold."""

    parcels: Texts | None = None
    plate: Texts | None = None
    land_use: Codes | None = None
    status: Annotated[tuple[str, ...], strings(PARCEL_STATUS)] | None = None
    structure: Texts | None = None
    within: Geometry | None = None
    far_below: Annotated[float, num(0, 30)] | None = None
    industry: Annotated[tuple[str, ...], strings(INDUSTRIES)] | None = None
    class_: Annotated[tuple[str, ...] | None, strings(CLASSES), Field(alias="class")] = None

    @model_validator(mode="after")
    def _some(self) -> ParcelWhere:
        if not self.given():
            fail("give at least one condition (parcels, plate, land_use, status, class, …)")
        if self.parcels is not None and not self.parcels:
            fail("the list of parcel ids is empty", "parcels")
        return self

    def given(self) -> set[str]:
        return set(self.model_dump(exclude_none=True))


class FirmWhere(ParcelWhere):
    """A selection of firms: parcel conditions (the firm's parcel) plus the firm's own."""

    scale: Annotated[tuple[str, ...], strings(("规上", "规下"))] | None = None


class Selection(Model):
    """Mixin of the operations that act on parcels: ``parcels`` (ids), ``within`` (a polygon) or
    ``where`` (conditions) — one of them."""

    parcels: Texts | None = None
    within: Geometry | None = None
    where: ParcelWhere | None = None

    def check_selection(self) -> None:
        given = [k for k in ("parcels", "within", "where") if getattr(self, k) is not None]
        if "parcels" in given and "where" in given:
            fail("give either 'parcels' or 'where', not both", "where")
        if not given:
            fail(
                "which parcels? give 'parcels' (ids), 'within' (a polygon) or 'where' (conditions)",
                "parcels",
            )
        if self.parcels is not None and not self.parcels:
            fail("the list of parcel ids is empty", "parcels")

    @property
    def selection(self) -> ParcelWhere:
        if self.parcels is not None:
            return ParcelWhere(parcels=self.parcels)
        if self.within is not None:
            return ParcelWhere(within=self.within)
        assert self.where is not None
        return self.where

    @property
    def selection_key(self) -> str:
        """The field a selection error names."""
        if self.parcels is not None:
            return "parcels"
        if self.within is not None:
            return "within"
        return "where"


class OpBase(Model):
    """Keys every operation takes: ``op``, ``name``, ``note``."""

    op: str
    name: Text | None = None
    note: str | None = None


def land_uses(land_use: str | None, mix: dict[str, float] | None, *, required: bool) -> dict:
    """``land_use`` or ``mix`` → {code: share} (shares sum to 1)."""
    if land_use is not None and mix is not None:
        fail("give either 'land_use' or 'mix', not both", "mix")
    if mix is not None:
        return mix
    if land_use is not None:
        return {land_use: 1.0}
    if required:
        fail("is required (or give a 'mix')", "land_use")
    return {}
