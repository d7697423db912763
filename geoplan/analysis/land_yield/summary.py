"""The JSON summary of an evaluation (``geoplan evaluate --json`` and the app)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from geoplan.analysis.land_yield.common import (
    ALL_CLASSES,
    NATIONAL_HIGH_TECH_OUTPUT_PER_HA,
    NATIONAL_INDUSTRIAL_OUTPUT_PER_HA,
    _r,
)

if TYPE_CHECKING:
    from geoplan.analysis.land_yield.evaluation import Evaluation


def summary(ev: Evaluation) -> dict:
    """The JSON summary of ``geoplan evaluate --json``."""
    by_plate = []
    for _, r in ev.aggregates["plate"].iterrows():  # a handful of plates
        counts = {k: int(r[f"n_{k}"]) for k in ALL_CLASSES}
        by_plate.append(
            {
                "plate": r["plate"],
                "tax_per_mu": _r(r["tax_per_mu"]),
                "va_per_mu": _r(r["va_per_mu"]),
                "亩均税收": _r(r["tax_per_mu"]),
                "亩均增加值": _r(r["va_per_mu"]),
                "occupied_mu": _r(r["occupied_mu"], 1),
                "n_firms": int(r["n_firms"]),
                "classes": counts,
            }
        )
    z = ev.aggregates["zone"].iloc[0]
    low = ev.low_efficiency
    return {
        "scheme": ev.scheme,
        "year": ev.year,
        "tenant_rule": ev.tenant_rule,
        "firms_total": len(ev.firms),
        "firms_evaluated": int(ev.firms["class"].isin(ALL_CLASSES).sum()),
        "firms_scored": int(ev.parts["scored_mask"].sum()),
        "firms_unscored": len(ev.unscored),
        "unscored_reasons": {
            str(k): int(v) for k, v in ev.unscored["reason"].value_counts().items()
        },
        "classes": ev.class_counts(),
        "unit": ev.scheme_obj.unit if ev.scheme_obj else "zone",
        "firms_out_of_scope": int(ev.firms["class_source"].eq("scope").sum()),
        "lists": ev.list_counts(),
        "vetoed": int(ev.firms["class_source"].eq("veto").sum()),
        "by_plate": by_plate,
        "zone": {
            "tax_per_mu": _r(z["tax_per_mu"]),
            "va_per_mu": _r(z["va_per_mu"]),
            "industrial_output_per_ha": _r(z["industrial_output_per_ha"]),
            "national_industrial_output_per_ha": NATIONAL_INDUSTRIAL_OUTPUT_PER_HA,
            "industrial_vs_national": _r(z["industrial_vs_national"], 3),
            "high_tech_output_per_ha": _r(z["high_tech_output_per_ha"]),
            "national_high_tech_output_per_ha": NATIONAL_HIGH_TECH_OUTPUT_PER_HA,
            "high_tech_vs_national": _r(z["high_tech_vs_national"], 3),
        },
        "low_efficiency": {
            "parcels": len(low),
            "area_mu": _r(low["area_mu"].sum() if len(low) else 0.0, 1),
            "by_criterion": {
                k: int(v)
                for k, v in (
                    low["criteria"].str.split(",").explode().value_counts().items()
                    if len(low)
                    else []
                )
            },
            "by_route": {
                k: int(v) for k, v in (low["route"].value_counts().items() if len(low) else [])
            },
            "gain_tax_wan": _r(low["gain_tax"].sum() if len(low) else 0.0, 1),
        },
        "compliance": {
            "checks": len(ev.compliance),
            "failed": int(ev.compliance["passed"].eq(False).sum()) if len(ev.compliance) else 0,
            "parcels_failing": int(
                ev.compliance.loc[ev.compliance["passed"].eq(False), "parcel_id"].nunique()
            )
            if len(ev.compliance)
            else 0,
        },
    }
