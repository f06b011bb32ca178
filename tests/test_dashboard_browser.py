"""The dashboard in a real browser: headless Chromium driven by selenium against the real service.

A 3,000-subject demo data set (bench.generate, with planted scenarios for every warning list) is loaded into a
fresh store; ``graphsvc-api serve`` runs as a subprocess with a government key, its date the end of 2026.
The browser opens the dashboard, is refused a decision on the public tier, enters the key, picks a list and
a rule, sorts, drills into a subject (the SVG path graph must have nodes and edges), confirms a warning with
a reason (the API must agree), exports CSV, and leaves screenshots in tests/artifacts/ (or
$GRAPHSVC_TEST_ARTIFACTS).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select, WebDriverWait

from api.tiers import Tier, add_key
from bench import generate
from graphsvc import cli
from tests.api_world import serve_store

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2026-12-30"
KEY_ID = "dashboard-test"
WARNING_LISTS = (
    "big_data_warning",
    "focus_to_black",
    "appointment_ban_violation",
    "red_black_conflict",
    "post_exit_monitoring",
)
CHROMIUM = next((p for p in (shutil.which("chromium"), "/usr/bin/chromium") if p and Path(p).exists()), None)
CHROMEDRIVER = next(
    (p for p in (shutil.which("chromedriver"), "/usr/bin/chromedriver") if p and Path(p).exists()), None
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None,
        reason="headless Chromium not found: install the Debian packages chromium and chromium-driver "
        "(/usr/bin/chromium, /usr/bin/chromedriver); .ci/run does",
    ),
]


# -- the service ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Running:
    url: str
    key: str
    log: Path

    def get(self, path: str, *, public: bool = False, **params: Any) -> Any:
        query = urllib.parse.urlencode(params, doseq=True)
        headers = {} if public else {"X-API-Key": self.key}
        request = urllib.request.Request(f"{self.url}{path}?{query}", headers=headers)
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())

    def post(self, path: str, body: dict[str, Any]) -> Any:
        data = json.dumps(body).encode("utf-8")
        headers = {"X-API-Key": self.key, "Content-Type": "application/json"}
        request = urllib.request.Request(f"{self.url}{path}", data=data, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read())


def _as_a_registry_writes_them(roles: Path) -> None:
    """Legal representatives as a registry extract gives them: a title as written and a start known to the year
    only (the subject panel shows both as given)."""
    with roles.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        lr = row["role"] == "legal_representative" and bool(row["valid_from"])
        row["title"] = "法定代表人（执行董事）" if lr else ""
        row["valid_from_precision"] = "year" if lr else ""
    with roles.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    work = tmp_path_factory.mktemp("dashboard")
    assert generate.main([str(work / "data"), "--subjects", "3000"]) == 0
    _as_a_registry_writes_them(work / "data" / "roles.csv")
    db = work / "store.duckdb"
    assert cli.main(["load", str(work / "data"), "--db", str(db)]) == 0
    keys = work / "keys.json"
    # A department's key, delegated for every other department of the data: it may decide every warning.
    with (work / "data" / "entries.csv").open(encoding="utf-8-sig") as handle:
        departments = sorted({row["department"] for row in csv.DictReader(handle) if row["department"]})
    key = add_key(keys, KEY_ID, Tier.GOVERNMENT, department=departments[0], delegated=tuple(departments[1:]))
    # The service's date is at the end of 2026, and its departments enter steps taken up to a year before (an
    # objection filed in June is overdue now; one filed in December has deadlines in 2027).
    with serve_store(db, keys, {"GRAPHSVC_LATE_ENTRY_DAYS": "365"}, as_of=AS_OF, profile="default") as (port, log):
        yield Running(f"http://127.0.0.1:{port}", key, log)


# -- the browser ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def artifacts() -> Path:
    folder = Path(os.environ.get("GRAPHSVC_TEST_ARTIFACTS") or ROOT / "tests" / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(downloads: Path) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    for argument in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"):
        options.add_argument(argument)
    options.add_argument("--window-size=1500,1100")
    options.binary_location = str(CHROMIUM)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=ChromeService(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver: WebDriver, condition: Callable[[WebDriver], Any], what: str, seconds: float = 10) -> Any:
    try:
        return WebDriverWait(driver, seconds, poll_frequency=0.05).until(condition)
    except TimeoutException:
        errors = driver.find_element(By.ID, "error-banner").text
        pytest.fail(f"timed out waiting for {what}; error banner: {errors!r}")


def find_one(driver: WebDriver | WebElement, name: str) -> WebElement:
    return driver.find_element(By.CSS_SELECTOR, f"[data-testid='{name}']")


def find_all(driver: WebDriver | WebElement, name: str) -> list[WebElement]:
    return driver.find_elements(By.CSS_SELECTOR, f"[data-testid='{name}']")


def loads(driver: WebDriver) -> int:
    return int(driver.find_element(By.ID, "warnings-table").get_attribute("data-loads") or 0)


def idle(driver: WebDriver) -> bool:
    return driver.find_element(By.TAG_NAME, "body").get_attribute("data-pending") == "0"


def reload_after(driver: WebDriver, action: Callable[[], None], what: str) -> None:
    """Do ``action`` and wait until the warnings table has been drawn again and no request is pending."""
    before = loads(driver)
    action()
    wait(driver, lambda d: loads(d) > before and idle(d), what)


def rows(driver: WebDriver) -> list[WebElement]:
    return find_all(driver, "warning-row")


def row_values(driver: WebDriver, attribute: str) -> list[str]:
    return [r.get_attribute(f"data-{attribute}") or "" for r in rows(driver)]


def tab_count(driver: WebDriver, name: str) -> int:
    return int(find_one(find_one(driver, f"tab-{name}"), "tab-count").text)


# -- the test ---------------------------------------------------------------------------------------------
def test_dashboard_in_a_browser(service: Running, browser: WebDriver, downloads: Path, artifacts: Path) -> None:
    started = time.monotonic()
    answer = service.get("/v1/warnings", limit=1)
    assert answer["total"] > 0 and all(answer["counts"].get(name, 0) > 0 for name in WARNING_LISTS), answer["counts"]

    # Public tier: no key. Statistics and warning lists are drawn; a decision is refused with the detail.
    browser.get(service.url + "/")
    wait(browser, lambda d: loads(d) >= 1 and idle(d), "the first warnings page")
    assert find_one(browser, "tier-badge").get_attribute("data-tier") == "public"
    assert find_one(browser, "stats-domain").find_elements(By.CSS_SELECTOR, "tbody tr")
    assert "P5" in find_one(browser, "stats-rule").text
    public_total = tab_count(browser, "all")
    assert public_total > 0 and "共" in find_one(browser, "page-info").text
    # The public may not decide warnings: the page offers no confirm or dismiss (and the API would refuse).
    assert not find_all(browser, "confirm-btn") and not find_all(browser, "dismiss-btn")
    assert len(find_all(browser, "read-only")) == len(rows(browser))

    # Government key: more warnings are visible. The key is kept for this tab only (sessionStorage).
    find_one(browser, "api-key").send_keys(service.key)
    reload_after(browser, lambda: find_one(browser, "apply-key").click(), "the government view")
    assert browser.execute_script("return sessionStorage.getItem('graphsvc.apiKey')") == service.key
    assert browser.execute_script("return localStorage.getItem('graphsvc.apiKey')") is None
    counts = service.get("/v1/warnings", limit=1)["counts"]
    for name in WARNING_LISTS:
        assert tab_count(browser, name) == counts[name], name
    assert tab_count(browser, "all") >= public_total

    # Paging: ten to a page, then the next page holds the rest.
    total = tab_count(browser, "all")
    reload_after(browser, lambda: Select(find_one(browser, "page-size")).select_by_value("10"), "ten a page")
    assert len(rows(browser)) == min(total, 10) and f"of {total}" in find_one(browser, "page-info").text
    if total > 10:
        reload_after(browser, find_one(browser, "next-page").click, "the second page")
        assert len(rows(browser)) == min(total - 10, 10) and "rows 11–" in find_one(browser, "page-info").text
        assert find_one(browser, "prev-page").is_enabled()

    # One list, then one rule within it; the tabs keep every list's count.
    reload_after(browser, lambda: find_one(browser, "tab-appointment_ban_violation").click(), "the list tab")
    assert set(row_values(browser, "list")) == {"appointment_ban_violation"}
    assert len(rows(browser)) == counts["appointment_ban_violation"]
    assert tab_count(browser, "big_data_warning") == counts["big_data_warning"]
    Select(find_one(browser, "filter-rule")).select_by_value("P5")
    reload_after(browser, lambda: find_one(browser, "apply-filters").click(), "the rule filter")
    p5 = service.get("/v1/warnings", warning_list="appointment_ban_violation", rule="P5")
    assert [r.text for r in find_all(browser, "warning-rule")] == ["P5"] * p5["total"]

    # Sort by valid_from, descending on the second click; the page and the API agree on the order.
    header = browser.find_element(By.CSS_SELECTOR, "#warnings-table th[data-sort='valid_from']")
    reload_after(browser, header.click, "ascending sort")
    reload_after(browser, header.click, "descending sort")
    assert find_one(browser, "filter-sort").get_attribute("value") == "-valid_from"
    assert header.get_attribute("data-direction") == "desc"
    shown = [c.text for c in find_all(browser, "warning-valid-from")]
    assert shown == sorted(shown, reverse=True)
    expected = service.get("/v1/warnings", warning_list="appointment_ban_violation", rule="P5", sort="-valid_from")
    assert row_values(browser, "warning-id") == [w["warning_id"] for w in expected["items"]]

    # Drill into the first row's subject: identity, derived records, and the path graph with nodes.
    first = rows(browser)[0]
    subject_id = first.get_attribute("data-subject")
    find_one(first, "subject-link").click()
    panel = find_one(browser, "subject-panel")
    wait(browser, lambda d: panel.get_attribute("data-loaded") == "true", "the subject panel")
    assert subject_id in find_one(browser, "subject-title").text
    assert find_one(browser, "tier-badge").get_attribute("data-tier") == "government"
    graph = find_one(browser, "subject-graph")
    nodes = {n.get_attribute("data-node-id") for n in find_all(graph, "graph-node")}
    assert subject_id in nodes and len(nodes) >= 2, nodes
    path_edges = graph.find_elements(By.CSS_SELECTOR, ".edge-path")
    assert path_edges and {e.get_attribute("data-role") for e in path_edges} & {"legal_representative"}
    assert find_all(graph, "graph-node-label"), "the source entry's list should label its node"
    assert find_all(browser, "derived-record") and find_all(browser, "derived-citation")
    # the legal representative's role as the registry wrote it: its title, and a start known to the year only
    titles = [t.text for t in find_all(browser, "role-title")]
    assert titles and all("法定代表人（执行董事）" in t for t in titles), titles
    starts = [
        r.find_elements(By.CSS_SELECTOR, "td")[4].text
        for r in find_one(browser, "subject-roles").find_elements(By.CSS_SELECTOR, "tbody tr")
        if find_all(r, "role-title")
    ]
    assert starts and all(len(d) == 4 and d.isdigit() for d in starts), starts
    # an investigator sees the subject's exposure and whether a cap or limit cut it (here none did)
    wait(browser, lambda d: find_all(d, "exposure-summary") or find_all(d, "exposure-error"), "the subject's exposure")
    assert not find_all(browser, "exposure-error"), find_one(browser, "exposure-error").text
    assert find_all(browser, "analytics-complete") and not find_all(browser, "analytics-incomplete")
    browser.save_screenshot(str(artifacts / "dashboard-subject.png"))
    find_one(browser, "subject-close").click()

    # Confirm the first warning with a reason; the row says confirmed and so does the API.
    target = rows(browser)[0]
    warning_id = target.get_attribute("data-warning-id")
    assert target.get_attribute("data-state") == "new"
    find_one(target, "confirm-btn").click()
    reason = "浏览器测试确认 confirmed by the browser test"
    find_one(browser, "reason-input").send_keys(reason)
    reload_after(browser, lambda: find_one(browser, "submit-decision").click(), "the table after the decision")
    row = browser.find_element(By.CSS_SELECTOR, f"tr[data-warning-id='{warning_id}']")
    assert row.get_attribute("data-state") == "confirmed"
    assert find_one(row, "warning-state").get_attribute("data-state") == "confirmed"
    assert not find_all(row, "confirm-btn")
    assert warning_id in find_one(browser, "status-line").text
    decided = service.get("/v1/warnings", state="confirmed", subject_id=subject_id)["items"]
    mine = [w for w in decided if w["warning_id"] == warning_id]
    assert mine and mine[0]["reason"] == reason and mine[0]["decided_by"] == KEY_ID, decided

    # CSV export of the same query: fetched with the key, saved through a Blob download.
    find_one(browser, "export-csv").click()
    wait(browser, lambda d: find_one(d, "export-csv").get_attribute("data-rows"), "the CSV export")
    assert int(find_one(browser, "export-csv").get_attribute("data-rows") or -1) == p5["total"]
    wait(browser, lambda d: [p for p in downloads.glob("*.csv")], "the downloaded CSV file")
    (saved,) = downloads.glob("*.csv")
    assert saved.read_text(encoding="utf-8").startswith("warning_id,") and warning_id in saved.read_text("utf-8")

    screenshot = artifacts / "dashboard.png"
    browser.save_screenshot(str(screenshot))
    print(f"\nscreenshots: {screenshot} and {artifacts / 'dashboard-subject.png'} ({time.monotonic() - started:.1f}s)")


def test_api_docs_load_offline_from_the_service_itself(service: Running, browser: WebDriver) -> None:
    """/docs and /redoc draw with no network (this machine has none to CDNs): every script and stylesheet the
    pages load comes from the service itself, under its content security policy."""
    browser.get(service.url + "/docs")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .info .title"), "Swagger UI")
    assert "graphsvc" in browser.find_element(By.CSS_SELECTOR, ".swagger-ui .info .title").text
    assert browser.find_elements(By.CSS_SELECTOR, ".opblock"), "the operations should be listed"
    sources = browser.execute_script(
        "return [...document.scripts].map(s => s.src).concat([...document.querySelectorAll('link')].map(l => l.href))"
    )
    assert all(not src or src.startswith(service.url) or src.startswith("data:") for src in sources), sources
    browser.get(service.url + "/redoc")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "h1"), "ReDoc")
    assert "graphsvc" in browser.find_element(By.CSS_SELECTOR, "h1").text


def test_the_inbox_counts_deadlines_down_and_shows_announcements(
    service: Running, browser: WebDriver, artifacts: Path
) -> None:
    """An objection filed on 1 June 2026 was due for review by 15 June (10 working days): on 30 December it is
    overdue and drawn in red; one filed on 28 December 2026 has provisional deadlines (2027's holiday notice is not
    in the calendar), marked as such; an exit on 20 December is announced to the public for the announcement
    period."""

    def sources(public: bool, before: str) -> list[str]:
        # entries behind P1 records (organisations' entries in force), determined before the given day
        items = service.get("/v1/derived", public=public, rule="P1", limit=500)["items"]
        return list(dict.fromkeys(r["source_entry_id"] for r in items if str(r["valid_from"]) < before))

    entry_id = sources(False, "2026-06-01")[0]
    filed = service.post(
        f"/v1/entries/{entry_id}/objections",
        {"filer": "某某有限公司", "filed_on": "2026-06-01", "grounds": "inaccurate", "statement": "记载错误"},
    )
    assert {d["name"]: d["due"] for d in filed["deadlines"]} == {"review": "2026-06-15", "verify": "2026-06-08"}
    exited = next(e for e in sources(True, "2026-06-20") if e != entry_id)
    service.post(f"/v1/entries/{exited}/status", {"status": "exited", "since": "2026-12-20"})
    # filed at the end of 2026: counted over 2027, whose holiday notice the bundled calendar lacks
    late = service.post(
        f"/v1/entries/{next(e for e in sources(False, '2026-06-01') if e not in (entry_id, exited))}/objections",
        {"filer": "某某有限公司", "filed_on": "2026-12-28", "grounds": "inaccurate", "statement": "年末异议"},
    )
    assert [d["provisional"] for d in late["deadlines"]] == [True, True]

    browser.get(service.url + "/")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=announcement]"), "the announcements")
    kinds = [a.get_attribute("data-kind") for a in find_all(browser, "announcement")]
    assert "exit" in kinds
    assert "government key" in find_one(browser, "inbox-table").text  # the public sees no inbox
    find_one(browser, "api-key").send_keys(service.key)
    find_one(browser, "apply-key").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, f"[data-case='{filed['case_id']}']"), "the inbox row")
    row = browser.find_element(By.CSS_SELECTOR, f"[data-case='{filed['case_id']}']")
    assert "overdue" in (row.get_attribute("class") or "")
    deadlines = [d.text for d in row.find_elements(By.CSS_SELECTOR, "[data-testid=deadline]")]
    assert any("已逾期 overdue (2026-06-15)" in d for d in deadlines), deadlines
    color = row.find_element(By.CSS_SELECTOR, "li.overdue").value_of_css_property("color")
    assert color.replace(" ", "") in ("rgba(176,0,32,1)", "rgb(176,0,32)"), color
    assert not row.find_elements(By.CSS_SELECTOR, "[data-testid=provisional]")
    marks = browser.find_elements(By.CSS_SELECTOR, f"[data-case='{late['case_id']}'] [data-testid=provisional]")
    assert [m.text for m in marks] == ["暂定 provisional"] * 2 and "2027" in (marks[0].get_attribute("title") or "")
    inbox = artifacts / "dashboard-inbox.png"
    browser.execute_script("document.querySelector('[data-testid=inbox]').scrollIntoView()")
    browser.save_screenshot(str(inbox))
