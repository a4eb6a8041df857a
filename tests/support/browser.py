"""The browser tests' Chromium (bench/chromium.py launches it): skipped or failed when missing, and screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.chromium import missing

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def require_chromium() -> None:
    """Skip with the reason when the browser is missing (`make test` installs it), fail under CI=true."""
    absent = missing()
    if absent:
        reason = f"browser tests need {', '.join(absent)} (apt-get install chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


def screenshot(driver, name: str) -> Path:
    """The whole page (the window stretched to its height), as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(1366, max(900, min(int(height) + 120, 12000)))
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1366, 900)
    return path
