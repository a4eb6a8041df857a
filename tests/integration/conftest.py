"""Fixtures several integration test files share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.http_api import SHOP, ServedShop, apply_shop, served, settings_for


@pytest.fixture
def sqlite_shop(tmp_path: Path) -> Iterator[ServedShop]:
    """The API tests' shop on SQLite, served by the app in-process (TestClient)."""
    settings = settings_for("sqlite", tmp_path)
    apply_shop(settings, *SHOP)
    with served(settings) as shop:
        yield shop
