"""The dashboard printed from Chromium: what a buyer gets on paper (A4) from the overview and the report."""

from __future__ import annotations

import base64

import pytest
from selenium.webdriver.common.by import By

from tests import messages as m
from tests.browser.conftest import sign_in
from tests.support.browser import ARTIFACTS

pytestmark = pytest.mark.browser
A4_WIDTH_PX = 8.27 * 96  # what the print preview lays the page out in, at 96 px per inch
PAGES = {"overview": "/ui", "report": f"/ui/report?from={m.day(0)}&to={m.day(30)}"}


def printed(driver, name: str) -> bytes:
    """The page as Chromium prints it (A4, backgrounds off, as a person's print dialog does), kept as an artifact."""
    answer = driver.execute_cdp_cmd(
        "Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "printBackground": False}
    )
    pdf = base64.b64decode(answer["data"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"print-{name}.pdf").write_bytes(pdf)
    return pdf


@pytest.mark.parametrize("name", sorted(PAGES))
def test_a_printed_page_keeps_its_figures_and_charts_and_leaves_out_navigation_and_forms(
    served, browser, name
):
    # Given an operator's page, laid out for print at the width of an A4 sheet
    sign_in(browser, served, "operator")
    browser.get(f"{served.base}{PAGES[name]}")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    browser.set_window_size(int(A4_WIDTH_PX), 1100)
    try:
        # Then navigation, forms, buttons and the live status are not printed
        hidden = "header.top nav, form, button, #live-status"
        assert not [e.tag_name for e in browser.find_elements(By.CSS_SELECTOR, hidden) if e.is_displayed()]
        # And every chart is printed whole: shown, with its caption (its date range), inside the sheet's width
        charts = browser.find_elements(By.CSS_SELECTOR, ".charts figure")
        assert charts
        for chart in charts:
            assert chart.is_displayed() and m.day(0)[:4] in chart.find_element(By.TAG_NAME, "figcaption").text
            svg = chart.find_element(By.TAG_NAME, "svg")
            assert svg.is_displayed() and svg.rect["x"] + svg.rect["width"] <= A4_WIDTH_PX
        # And no table is cut at the sheet's right edge
        for table in browser.find_elements(By.TAG_NAME, "table"):
            assert table.rect["x"] + table.rect["width"] <= A4_WIDTH_PX, table.get_attribute("id")
        # And Chromium prints it to a PDF of at least one page
        pdf = printed(browser, name)
        assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") >= 1
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        browser.set_window_size(1366, 900)
