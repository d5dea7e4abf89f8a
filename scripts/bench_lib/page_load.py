"""How fast the chat page shows its first screen, in headless Chromium (scripts/bench-page).

Each load is measured with what every Chromium reports, from the start of the navigation:
- response: the page's first byte (PerformanceNavigationTiming.responseStart);
- DOM ready: DOMContentLoaded handled (the modules have run);
- first screen: the first animation frame in which the sign-in form is visible — the page is
  blank until its script decides between sign-in and the app, so this is what a person waits for.
  A requestAnimationFrame loop injected before the page's own scripts notes the frame;
- first contentful paint: only where this Chromium reports it (some headless builds do not).
Loads are cold (the browser's cache disabled) and warm (the fingerprinted assets cached).
"""
import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests" / "browser"))
from conftest import running_parley, start_chromium  # noqa: E402

PROBE = """
(function frame() {
  const form = document.getElementById('signin-form');
  if (form && form.checkVisibility && form.checkVisibility()) { window.__firstScreen = performance.now(); return; }
  requestAnimationFrame(frame);
})();
"""
READ = """
const nav = performance.getEntriesByType('navigation')[0];
const fcp = performance.getEntriesByName('first-contentful-paint')[0];
return {response: nav.responseStart, ready: nav.domContentLoadedEventEnd, screen: window.__firstScreen ?? null,
        fcp: fcp ? fcp.startTime : null};
"""


def summary(values: list) -> str:
    values = sorted(v for v in values if v is not None)
    if not values:
        return "not reported"
    p90 = values[min(len(values) - 1, int(len(values) * 0.9))]
    return f"{statistics.median(values):.0f} ms median, {p90:.0f} ms p90"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loads", type=int, default=20)
    args = parser.parse_args()
    # The sign-in screen needs no model: the provider address is never called.
    with running_parley("http://127.0.0.1:9/v1") as base:
        driver = start_chromium()
        try:
            version = driver.capabilities.get("browserVersion", "?")
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE})
            driver.execute_cdp_cmd("Network.enable", {})
            results = {}
            for label, cache_disabled in (("cold", True), ("warm", False)):
                driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": cache_disabled})
                driver.get(base + "/")  # warms the cache for the warm loads; not counted
                loads = []
                for _ in range(args.loads):
                    driver.get(base + "/")
                    driver.execute_async_script(
                        "const done = arguments[0]; (function wait() { window.__firstScreen ? done() : setTimeout(wait, 5); })();")
                    loads.append(driver.execute_script(READ))
                results[label] = loads
        finally:
            driver.quit()
    print(f"Chat page, headless Chromium {version}, {args.loads} loads each, loopback:")
    print("| load | response | DOM ready | first screen | first contentful paint |")
    print("|---|---:|---:|---:|---:|")
    for label, loads in results.items():
        print(f"| {label} | " + " | ".join(summary([load[key] for load in loads]) for key in ("response", "ready", "screen", "fcp")) + " |")


if __name__ == "__main__":
    main()
