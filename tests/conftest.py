"""Shared fixtures. Tests that need PostgreSQL, Redis or Chromium skip, with the reason, when the
service is absent, unless PORTAL_REQUIRE_SERVICES=1: then an absent service fails the test, and any
skipped test at all fails the session (CI must run everything)."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
from django.conf import settings

REQUIRE_SERVICES = os.environ.get("PORTAL_REQUIRE_SERVICES") == "1"
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
]


def pytest_report_header(config):
    """Say up front which real services this run uses (and whether skips are allowed)."""
    database = settings.DATABASES["default"]
    return [
        f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database['NAME']}",
        f"redis: {settings.REDIS_URL or 'not configured'}",
        f"chromium: {CHROMIUM_PATH}",
        f"PORTAL_REQUIRE_SERVICES: {'1 (no skips allowed)' if REQUIRE_SERVICES else 'off'}",
    ]


def _missing(reason: str):
    if REQUIRE_SERVICES:
        pytest.fail(f"PORTAL_REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def uses_postgresql() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


@pytest.fixture
def require_postgresql():
    if not uses_postgresql():
        _missing("PostgreSQL is not configured (set DATABASE_URL=postgres://...)")


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = settings.REDIS_URL
    if not url:
        _missing("Redis is not configured (set REDIS_URL=redis://...)")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _missing(f"Redis at {url} is not reachable: {exc}")
    return url


@pytest.fixture(scope="session")
def browser():
    """One Chromium per test session (per xdist worker), driven by Playwright."""
    if not shutil.which(CHROMIUM_PATH) and not os.path.exists(CHROMIUM_PATH):
        _missing(f"Chromium not found at {CHROMIUM_PATH} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class _RequestsInFlight:
    """Counts the requests the live server is still answering. A page's late htmx request (an
    autosave, the estimator) can still be in a view when the test ends; flushing the database
    under it can deadlock, so the teardown waits for the server to go quiet first."""

    def __init__(self, application):
        self.application = application
        self.count = 0
        self.lock = threading.Lock()
        self.quiet = threading.Condition(self.lock)

    def __call__(self, environ, start_response):
        with self.lock:
            self.count += 1
        try:
            result = self.application(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _ClosingIterator(result, self._done)

    def _done(self):
        with self.lock:
            self.count -= 1
            self.quiet.notify_all()

    def wait_quiet(self, timeout: float) -> bool:
        with self.lock:
            return self.quiet.wait_for(lambda: self.count == 0, timeout=timeout)


class _ClosingIterator:
    def __init__(self, result, on_close):
        self.result, self.on_close = result, on_close

    def __iter__(self):
        return iter(self.result)

    def close(self):
        try:
            if hasattr(self.result, "close"):
                self.result.close()
        finally:
            self.on_close()


def _requests_in_flight(live_server) -> _RequestsInFlight:
    httpd = live_server.thread.httpd
    if not isinstance(httpd.application, _RequestsInFlight):
        httpd.set_app(_RequestsInFlight(httpd.application))
    return httpd.application


# Reports every Content-Security-Policy violation of a page (and of each page it navigates to).
_REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.portalCspViolation(
    `${event.violatedDirective} refused ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile || document.location.href}:${event.lineNumber}`
  );
});
"""


def _watch_content_security_policy(context) -> list[str]:
    """Collect the CSP violations of every page of the context: the events the page fires and
    the browser's console messages about them."""
    violations: list[str] = []
    context.expose_function("portalCspViolation", lambda report: violations.append(report))
    context.add_init_script(_REPORT_CSP_VIOLATIONS)

    def on_console(message):
        if "Content Security Policy" in message.text:
            violations.append(f"console: {message.text}")

    context.on("console", on_console)
    return violations


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context on the live server. The portal must work offline (no CDN): any
    request that leaves the live server is refused and fails the test. Any violation of the
    Content-Security-Policy (an inline script or style the policy refuses) fails it too."""
    in_flight = _requests_in_flight(live_server)
    context = browser.new_context(base_url=live_server.url, timezone_id="Europe/Brussels")
    context.set_default_timeout(15_000)
    csp_violations = _watch_content_security_policy(context)
    outside: list[str] = []
    closing = threading.Event()

    def only_the_portal(route):
        if closing.is_set():
            route.abort()  # the test is over: nothing new reaches the server
        elif route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", only_the_portal)
    pg = context.new_page()
    yield pg
    closing.set()
    context.close()
    assert in_flight.wait_quiet(timeout=30), "the live server was still answering after 30 s"
    assert outside == [], f"the page asked for something outside the portal: {outside}"
    assert csp_violations == [], f"the Content-Security-Policy refused: {csp_violations}"


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


@pytest.fixture
def mail_outbox(mailoutbox):
    return mailoutbox


def pytest_sessionfinish(session, exitstatus):
    """With PORTAL_REQUIRE_SERVICES=1 a skipped test is a failure: CI must run the whole suite."""
    if not REQUIRE_SERVICES:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = reporter.stats.get("skipped", [])
    if skipped and session.exitstatus == 0:
        session.exitstatus = 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Say why a run with skips fails (the summary is printed after sessionfinish set the code)."""
    skipped = terminalreporter.stats.get("skipped", [])
    if REQUIRE_SERVICES and skipped:
        terminalreporter.write_line(
            f"PORTAL_REQUIRE_SERVICES=1: {len(skipped)} test(s) skipped; failing the run.",
            red=True,
        )


@pytest.fixture
def assert_queries_constant():
    """Checks that a list costs the same number of queries for 1 row as for many, under a bound:

        assert_queries_constant(lambda: client.get(url), grow=add_49_rows, at_most=12)

    `request` runs once with the rows there are, `grow` adds rows, `request` runs again; both
    must run the same number of queries, at most `at_most`. Returns that number."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count(request) -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as captured:
            request()
        return len(captured), [q["sql"] for q in captured.captured_queries]

    def check(request, *, grow, at_most: int) -> int:
        few, few_sql = count(request)
        grow()
        many, many_sql = count(request)
        assert few == many, f"{few} queries before growing, {many} after:\n" + "\n".join(many_sql)
        assert many <= at_most, f"{many} queries, more than {at_most}:\n" + "\n".join(many_sql)
        return many

    return check
