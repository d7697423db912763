"""Behaviour is unchanged by refactors: CLI outputs on the sample equal the recorded goldens.

The goldens (``tests/golden/out``) were recorded with ``python tests/golden/record.py``; re-record
them only for an intended change of behaviour, and say so in the commit message.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(HERE))

import record  # noqa: E402

NAMES = [n for n, _ in record.COMMANDS] + ["excel_internal", "excel_public", "sample"]
SUFFIX = {"excel_internal": ".txt", "excel_public": ".txt", "sample": ".sha256"}


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_golden_output_unchanged(name: str) -> None:
    got = record.collect({name})
    assert len(got) == 1
    ((fname, text),) = got.items()
    assert fname == name + SUFFIX.get(name, ".json")
    expected = (HERE / "out" / fname).read_text(encoding="utf-8")
    if text != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), text.splitlines(True), "recorded", "now", n=2
            )
        )
        pytest.fail(f"{fname} differs from the recorded golden:\n{diff[:4000]}")
