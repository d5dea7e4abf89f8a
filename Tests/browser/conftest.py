"""Fixtures for the chat page's browser tests: a real Parley binary on loopback with a fake
provider (scripts/fake_provider.py --scenarios), and headless Chromium driven by Selenium.

PARLEY_BINARY names the binary (scripts/browser-test passes the debug build's);
PARLEY_SCREENSHOTS the folder for screenshots (data/browser-screenshots by default)."""
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("PARLEY_SCREENSHOTS", ROOT / "data" / "browser-screenshots"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in 60 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="session")
def fake_provider(tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("fake") / "fake.log"
    with open(log, "w") as out:
        process = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "fake_provider.py"), str(port), "--scenarios"],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/v1/models", process, log)
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        process.terminate()
        process.wait(10)


@contextlib.contextmanager
def running_parley(fake_provider: str, **environment: str):
    """Parley on a free port, run from a folder of its own (its page must not need the repo's)."""
    binary = os.environ.get("PARLEY_BINARY")
    if not binary:
        pytest.fail("PARLEY_BINARY is not set: run the browser tests with scripts/browser-test")
    folder = Path(tempfile.mkdtemp(prefix="parley-browser-"))
    port = free_port()
    env = {
        "PATH": os.environ["PATH"], "DATABASE_URL": f"sqlite://{folder}/parley.sqlite",
        "SECRET_KEY": "browser-test-secret-key-of-at-least-32-bytes", "LLM_PROVIDER": "openai",
        "LLM_BASE_URL": fake_provider, "CHAT_RATE_LIMIT": "0", "LOGIN_RATE_LIMIT": "0", "LOG_LEVEL": "warning",
        **environment,
    }
    log = folder / "parley.log"
    with open(log, "w") as out:
        process = subprocess.Popen([binary, "serve", "--hostname", "127.0.0.1", "--port", str(port)],
                                   cwd=folder, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", process, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(70)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def parley(fake_provider):
    with running_parley(fake_provider) as base:
        yield base


@pytest.fixture(scope="session")
def closed_parley(fake_provider):
    with running_parley(fake_provider, OPEN_REGISTRATION="false") as base:
        yield base


class CuttingProxy:
    """A TCP proxy in front of Parley that can cut every connection through it at once, as a
    network that goes away or a proxy that ends long streams does (what DevTools' "offline"
    does not do to a response already streaming)."""

    def __init__(self, port: int):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.port = port
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.open |= {client, upstream}
            for source, target in ((client, upstream), (upstream, client)):
                threading.Thread(target=self.pump, args=(source, target), daemon=True).start()

    def pump(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            self.close(source, target)

    def close(self, *sockets: socket.socket) -> None:
        for sock in sockets:
            with self.lock:
                self.open.discard(sock)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def cut(self) -> None:
        """Drops every connection open now (new ones go through)."""
        with self.lock:
            sockets = list(self.open)
        self.close(*sockets)

    def stop(self) -> None:
        self.listener.close()
        self.cut()


@pytest.fixture
def cutting_proxy(parley):
    proxy = CuttingProxy(int(parley.rsplit(":", 1)[1]))
    try:
        yield proxy
    finally:
        proxy.stop()


def chromium_options() -> webdriver.ChromeOptions:
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,860", "--no-first-run", "--disable-extensions"]:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


def start_chromium() -> webdriver.Chrome:
    return webdriver.Chrome(options=chromium_options(),
                            service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")))


# What the tests need from headless Chromium beyond WebDriver itself. Each is checked once, so a
# Chromium that lacks one fails with its name and version instead of a puzzling test failure.
REQUIRED_FEATURES = {
    "CDP Emulation.setDeviceMetricsOverride (phone width)":
        lambda d: d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                    {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}),
    "CDP Emulation.clearDeviceMetricsOverride": lambda d: d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {}),
    "CDP Emulation.setEmulatedMedia (dark scheme)":
        lambda d: d.execute_cdp_cmd("Emulation.setEmulatedMedia",
                                    {"features": [{"name": "prefers-color-scheme", "value": "dark"}]}),
    "the browser console log (goog:loggingPrefs)": lambda d: d.get_log("browser"),
    "MutationObserver": lambda d: d.execute_script("if (!window.MutationObserver) throw new Error('missing')"),
}


def check_features(driver) -> None:
    version = driver.capabilities.get("browserVersion", "of unknown version")
    missing = []
    for name, probe in REQUIRED_FEATURES.items():
        try:
            probe(driver)
        except Exception as error:  # noqa: BLE001 (any failure means the feature is not there)
            missing.append(f"{name}: {str(error).splitlines()[0] if str(error) else type(error).__name__}")
    if missing:
        pytest.fail(f"Chromium {version} lacks what the browser tests need:\n  " + "\n  ".join(missing), pytrace=False)


@pytest.fixture(scope="session")
def browser():
    driver = start_chromium()
    driver.set_script_timeout(20)
    try:
        check_features(driver)
        yield driver
    finally:
        driver.quit()


def pytest_report_header(config):
    return f"browser: {os.environ.get('CHROMIUM', '/usr/bin/chromium')}"


@pytest.fixture
def page(browser, parley):
    """A fresh start for each test: desktop size, light scheme, signed out."""
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "light"}]})
    browser.get(parley + "/")
    browser.execute_script("localStorage.clear()")
    browser.get(parley + "/")
    browser.get_log("browser")  # start each test with an empty console
    return browser


def screenshot(driver, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
