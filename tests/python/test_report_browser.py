"""The HTML report in a real browser: Debian's chromium, driven by chromedriver through python3-selenium.

It opens a generated report (every section filled: two providers, grouped failures, a known
deviation, a baseline, a kill matrix, chaos coverage) and checks what a reader does with it: the
filters, the folding groups, expanding a failure and a case body, the links between sections;
and that the page logged no console error and made no network request. The last test breaks a
filter in a copy of the page and requires the filter check to notice, so a check that cannot fail
would show up here.

`./wsaconform test` installs chromium, chromium-driver and python3-selenium when run as root;
elsewhere these tests are skipped, saying what to install.
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from report_fixture import render_full
from wsaconform import report

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1000")
INSTALL = "apt-get install chromium chromium-driver python3-selenium (./wsaconform test does it as root)"


def _browser_or_skip():
    try:
        from selenium import webdriver  # noqa: F401
    except ImportError:
        pytest.skip(f"python3-selenium is not installed: {INSTALL}")
    binary = next((b for b in ("/usr/lib/chromium/chromium", "/usr/bin/chromium") if os.access(b, os.X_OK)), None)
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if os.access("/usr/bin/chromedriver", os.X_OK)
                                              else None)
    if binary is None or driver is None:
        pytest.skip(f"chromium or chromedriver is not installed: {INSTALL}")
    return binary, driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    binary, driver_path = _browser_or_skip()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # An explicit driver path: selenium must not go looking for (or downloading) one.
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    out = render_full(tmp_path_factory.mktemp("report"), report)
    return out / "report.html"


# ---- helpers -----------------------------------------------------------------------


def open_page(browser, path: Path):
    browser.get(path.as_uri())
    browser.get_log("browser")  # start each check with empty logs
    return browser


def by_css(browser, selector):
    from selenium.webdriver.common.by import By

    return browser.find_elements(By.CSS_SELECTOR, selector)


def one(browser, selector):
    found = by_css(browser, selector)
    assert len(found) == 1, f"{selector}: {len(found)} elements"
    return found[0]


def choose(browser, select_id: str, value: str):
    from selenium.webdriver.support.ui import Select

    Select(one(browser, f"#{select_id}")).select_by_value(value)


def click(browser, element):
    """A click as a reader makes it: the element scrolled into the middle of the window first."""
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def shown(elements):
    return [e for e in elements if e.is_displayed()]


def reset(browser):
    for select_id in ("f-statement", "f-provider", "f-verdict"):
        choose(browser, select_id, "")
    search = one(browser, "#f-text")
    search.clear()
    box = one(browser, "#f-known")
    if box.is_selected():
        click(browser, box)


# ---- the checks (each raises AssertionError when what it checks does not work) -----


def check_filters(browser):
    """Provider, verdict, statement, search and known-deviation filters each hide what they should."""
    reset(browser)
    failures = by_css(browser, "#failures .failure")
    assert len(shown(failures)) == 3
    columns = [e.text for e in by_css(browser, "#statement-matrix thead th[data-col]")]
    assert columns == ["mock", "winsock · Wine 8.0"]

    choose(browser, "f-provider", "mock")
    assert [e.text for e in shown(by_css(browser, "#statement-matrix thead th[data-col]"))] == ["mock"]
    assert shown(failures) == [], "the mock has no failure; the provider filter left some shown"
    choose(browser, "f-provider", "winsock · Wine 8.0")
    assert len(shown(failures)) == 3
    choose(browser, "f-provider", "")

    choose(browser, "f-verdict", "DEVIATES")
    rows = shown(by_css(browser, "#statement-matrix tr.st"))
    assert [r.get_attribute("data-statements") for r in rows] == ["BAD-1"]
    assert "showing 1 of 5" in one(browser, "#shown-statements").text
    choose(browser, "f-verdict", "CRASH")
    assert [f.get_attribute("data-verdict") for f in shown(failures)] == ["CRASH"]
    choose(browser, "f-verdict", "")

    choose(browser, "f-statement", "BAD-1")
    assert len(shown(failures)) == 2
    assert [r.get_attribute("data-statements") for r in shown(by_css(browser, "#statement-matrix tr.st"))] == ["BAD-1"]
    choose(browser, "f-statement", "")

    one(browser, "#f-text").send_keys("receiveindication")
    bodies = shown(by_css(browser, "#case-matrix tr.body"))
    assert [b.text.split()[1] for b in bodies] == ["Transfer/ReceiveIndication.Immediate"]
    one(browser, "#f-text").clear()
    one(browser, "#f-text").send_keys(" ")  # an input event with nothing to search for
    assert len(shown(by_css(browser, "#case-matrix tr.body"))) == 2

    click(browser, one(browser, "#f-known"))
    assert all(f.get_attribute("data-known") == "no" for f in shown(failures))
    assert len(shown(failures)) == 2
    reset(browser)


def check_grouping(browser):
    """One failure entry per body and signature; the matrix groups rows by source and folds a group."""
    reset(browser)
    entries = by_css(browser, "#failures .failure")
    headlines = [e.find_element("css selector", ".headline").text for e in entries]
    assert any("4 instances (Udp4 × 4 mechanisms) fail BAD-1 the same way: ret=-1 err=997 instead of 10022" in h
               for h in headlines), headlines
    known = [e for e in entries if e.get_attribute("data-known") == "yes"]
    assert len(known) == 1 and entries[-1] == known[0], "the known deviation comes after the new ones"
    heads = by_css(browser, "#statement-matrix tr.group-head")
    assert [h.text.split()[1] for h in heads] == ["S", "BAD"]
    bad_rows = by_css(browser, "#statement-matrix tbody[data-group='BAD'] tr.st")
    assert len(shown(bad_rows)) == 2
    click(browser, heads[1].find_element("css selector", "button"))
    assert shown(bad_rows) == [], "folding the BAD group left its rows shown"
    click(browser, heads[1].find_element("css selector", "button"))
    assert len(shown(bad_rows)) == 2


def check_expansion(browser):
    """A failure opens to its violated checks; a statement's text opens; a case body lists its instances."""
    reset(browser)
    failure = by_css(browser, "#failures .failure")[0]
    table = failure.find_element("css selector", "table")
    assert not table.is_displayed()
    click(browser, failure.find_element("css selector", "summary"))
    assert table.is_displayed() and "WSAC_EXPECT_EQ(call.wsa_error, 10022)" in table.text
    chips = failure.find_elements("css selector", ".chips a")
    assert [c.text for c in chips] == ["Udp4EventWSARecv", "Udp4RoutineWSARecv", "Udp4PortWSARecv",
                                       "Udp4PollingWSARecv"]
    text = one(browser, "#statement-matrix tr[data-statements='S14'] details.st-text")
    click(browser, text.find_element("css selector", "summary"))
    assert "Source: Overlapped I/O and Event Objects, para 6" in text.text
    body = by_css(browser, "#case-matrix tr.body")[0]
    instances = by_css(browser, f"#case-matrix tr.inst[data-body='{body.get_attribute('id')}']")
    assert shown(instances) == []
    click(browser, body.find_element("css selector", "button.expand"))
    assert len(shown(instances)) == 8  # Tcp4/Udp4 × 4 mechanisms, a row each with both providers
    click(browser, body.find_element("css selector", "button.expand"))
    assert shown(instances) == []


def check_links(browser):
    """Links land on their target and open what hides it: an instance row, a statement's details."""
    reset(browser)
    failure = by_css(browser, "#failures .failure")[0]
    if not failure.get_attribute("open"):
        click(browser, failure.find_element("css selector", "summary"))
    chip = failure.find_element("css selector", ".chips a")
    target = chip.get_attribute("href").split("#", 1)[1]
    click(browser, chip)
    row = one(browser, f"#{target}")
    assert browser.execute_script("return location.hash") == f"#{target}"
    assert row.is_displayed() and row.text.startswith("Udp4EventWSARecv")
    link = row.find_element("css selector", "a")  # the FAIL cell links back to its failure entry
    click(browser, link)
    assert browser.execute_script("return location.hash") == f"#{failure.get_attribute('id')}"
    statement = one(browser, "#statement-matrix tr[data-statements='BAD-1'] th a")
    click(browser, statement)
    details = one(browser, f"#{statement.get_attribute('href').split('#', 1)[1]}")
    assert details.get_attribute("open") is not None and "WSAEINVAL (10022)" in details.text
    change = by_css(browser, "#changes a[href^='#f-']")
    assert change, "the changes section links its new failures to their entries"
    click(browser, change[0])
    assert one(browser, browser.execute_script("return location.hash")).is_displayed()


def check_quiet(browser, path: Path):
    """No console message worse than a warning, and no request but the page itself."""
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "ERROR")]
    assert errors == [], errors
    requests = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            requests.append(message["params"]["request"]["url"])
    assert requests and all(url.split("#")[0] == path.as_uri() for url in requests), requests


# ---- the tests ---------------------------------------------------------------------


def test_filters_grouping_expansion_and_links(browser, page):
    open_page(browser, page)
    browser.get_log("performance")
    browser.get(page.as_uri())  # load again with the network log just emptied
    check_filters(browser)
    check_grouping(browser)
    check_expansion(browser)
    check_links(browser)
    check_quiet(browser, page)


def test_the_filter_check_notices_a_broken_filter(browser, page, tmp_path):
    """The provider filter's comparison made always true in a copy of the page: check_filters must fail."""
    text = page.read_text(encoding="utf-8")
    wrong = "(!f.p || !e.hasAttribute('data-provider') || e.getAttribute('data-provider') === f.p)"
    assert wrong in text
    broken = tmp_path / "broken.html"
    broken.write_text(text.replace(wrong, "true"), encoding="utf-8")
    open_page(browser, broken)
    with pytest.raises(AssertionError, match="provider filter"):
        check_filters(browser)


def test_a_request_is_noticed(browser, page, tmp_path):
    """check_quiet fails on a page that tries to fetch an image (the page's own policy refuses it)."""
    broken = tmp_path / "fetches.html"
    broken.write_text(page.read_text(encoding="utf-8").replace(
        "</body>", '<img src="http://127.0.0.1:9/pixel.png" alt=""></body>', 1), encoding="utf-8")
    browser.get_log("performance")
    browser.get(broken.as_uri())
    with pytest.raises(AssertionError):
        check_quiet(browser, broken)


def test_a_script_error_is_noticed(browser, page, tmp_path):
    """check_quiet fails on a page whose script throws."""
    broken = tmp_path / "throws.html"
    broken.write_text(page.read_text(encoding="utf-8").replace("'use strict';", "'use strict'; null.x;", 1),
                      encoding="utf-8")
    browser.get(broken.as_uri())
    with pytest.raises(AssertionError):
        check_quiet(browser, broken)
