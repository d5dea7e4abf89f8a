# Sourced by scripts/browser-test and scripts/bench-page: installs what driving the page needs,
# from Debian's packages (chromium, chromium-driver; as root) and PyPI (Selenium and pytest in a
# venv under the data folder), and says which Chromium it found.
browser_tools() {
  local venv=$1
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    if [[ $(id -u) -ne 0 ]]; then
      echo "chromium and chromium-driver are missing and this is not root: apt-get install chromium chromium-driver" >&2
      return 1
    fi
    echo "Installing Chromium and its driver from Debian's packages" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
  # Debian's wrapper prints a shell warning on stderr before the version: keep only the version.
  echo "Using $(chromium --version 2>/dev/null | head -n 1) and $(chromedriver --version 2>/dev/null | head -n 1)" >&2

  if ! "$venv/bin/python" -c 'import selenium, pytest' 2>/dev/null; then
    echo "Installing Selenium and pytest into $venv" >&2
    mkdir -p "$(dirname "$venv")"
    if ! python3 -m venv "$venv" 2>/dev/null; then
      # Debian's python3 needs its venv module from a package of its own.
      if [[ $(id -u) -eq 0 ]]; then apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null; fi
      rm -rf "$venv"
      python3 -m venv "$venv"
    fi
    "$venv/bin/pip" install -q --disable-pip-version-check "selenium==4.51.0" "pytest==9.2.0"
  fi
}
