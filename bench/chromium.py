"""A real headless Chromium (Debian's chromium + chromedriver) driven by selenium, never a downloaded one.

Shared by the browser tests (tests/support/browser.py) and the dashboard's page-load bench
(bench/http/pages.py), so both measure and check the same browser the same way. The flags keep
Chromium off the network it would call home on (refused here, and slow to be refused), in a
fresh profile per browser.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1366,900",
)


def missing() -> list[str]:
    """The browser's files that are not installed (`make browser` installs them)."""
    return [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]


def chromium() -> Any:  # a selenium WebDriver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager never downloads anything
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="antrian-chromium-")
    options.add_argument(f"--user-data-dir={profile}")
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.antrian_profile = profile  # type: ignore[attr-defined]  # removed by `close`
    driver.implicitly_wait(3)  # a find right after a click waits for the page it leads to
    return driver


def close(driver: Any) -> None:
    """Quit the browser and remove its profile."""
    try:
        driver.quit()
    finally:
        shutil.rmtree(driver.antrian_profile, ignore_errors=True)
