"""The planning settings, as they are set: ANTRIAN_PLAN_* variables."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from infra.settings import Settings


def test_service_levels_per_class_are_read_as_json_beside_the_default(monkeypatch):
    monkeypatch.setenv("ANTRIAN_PLAN_SERVICE_LEVELS", '{"lumpy": 0.9, "smooth": 0.97}')
    monkeypatch.setenv("ANTRIAN_PLAN_AUTO_APPLY", "SKU-1,SKU-2")
    found = Settings.from_env()
    assert found.plan_service_levels == {"lumpy": 0.9, "smooth": 0.97}
    assert (found.plan_service_level, found.plan_horizon_days, found.plan_review_days) == (0.95, 56, 7)
    assert found.plan_auto_apply == "SKU-1,SKU-2"


@pytest.mark.parametrize(
    "variable, value",
    [
        ("ANTRIAN_PLAN_SERVICE_LEVELS", '{"lumpy": 1.0}'),
        ("ANTRIAN_PLAN_SERVICE_LEVELS", '{"seasonal": 0.9}'),
        ("ANTRIAN_PLAN_SERVICE_LEVEL", "0.3"),
        ("ANTRIAN_PLAN_HORIZON_DAYS", "3"),
    ],
)
def test_a_planning_setting_that_cannot_be_used_is_refused(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError):
        Settings.from_env()
