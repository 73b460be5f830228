#!/usr/bin/env bash
# Fingertip set-up on a fresh Debian machine, then one action:
#   ./setup.sh sweep [fingertip sweep options]   install, then sweep the bundled samples on the web device
#   ./setup.sh test  [pytest options]            install, then run the test suite
#   ./setup.sh install                           install only
# Idempotent: what is already installed is left as it is.
set -euo pipefail
cd "$(dirname "$0")"

APT_PACKAGES=(chromium chromium-driver xvfb ffmpeg fonts-wqy-microhei fontconfig tcpdump iproute2)
# The tests build a real APK without the Android SDK: aapt + smali + zipalign + apksigner against framework-res.
TEST_APT_PACKAGES=(aapt libsmali-java zipalign apksigner android-framework-res)
PYTHON=${PYTHON:-python3}

say() { printf '\033[1m== %s\033[0m\n' "$*"; }

install_apt() {
  local missing=()
  for package in "${APT_PACKAGES[@]}" "${TEST_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
  # The Frida agent's Java hooks are tested on a HotSpot JVM running stand-in classes.
  command -v javac >/dev/null || missing+=(default-jdk-headless)
  if ((${#missing[@]})); then
    say "apt: ${missing[*]}"
    local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  local major minor
  IFS=. read -r major minor _ < <(node --version | tr -d v)
  if ((major < 20 || (major == 20 && minor < 19))); then
    echo "Appium 3 needs Node.js >= 20.19; this machine has $(node --version)." >&2
    exit 1
  fi
}

install_python() {
  if [ ! -x .venv/bin/python ]; then
    say "python venv (.venv)"
    "$PYTHON" -m venv .venv
  fi
  if ! .venv/bin/python -c "import harness, mitmproxy, appium, xdist" 2>/dev/null \
      || [ pyproject.toml -nt .venv/.installed ]; then
    say "pip install -e .[dev]"
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e '.[dev]'
    touch .venv/.installed
  fi
}

install_appium() {
  # Appium 3 + the chromium and UiAutomator2 drivers in a project-local APPIUM_HOME. --ignore-scripts:
  # no install script may download a binary (chromedriver comes from Debian).
  if [ ! -f .appium/node_modules/appium-chromium-driver/package.json ] \
      || [ ! -f .appium/node_modules/appium-uiautomator2-driver/package.json ] \
      || [ .appium/package-lock.json -nt .appium/node_modules/.package-lock.json ]; then
    say "npm install (.appium: appium 3 + chromium and uiautomator2 drivers, versions from package-lock.json)"
    (cd .appium && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
}

install_agent() {
  # The Frida agent compiles offline against frida-java-bridge; --ignore-scripts: no install script
  # may download a binary.
  local agent=harness/instrumentation/agent
  if [ ! -f $agent/node_modules/frida-java-bridge/package.json ] \
      || [ $agent/package-lock.json -nt $agent/node_modules/.package-lock.json ]; then
    say "npm install ($agent: frida-java-bridge, versions from package-lock.json)"
    (cd $agent && npm install --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
}

install_all() {
  install_apt
  install_python
  install_appium
  install_agent
}

action=${1:-sweep}
shift || true
case "$action" in
  install) install_all ;;
  sweep) install_all; exec .venv/bin/fingertip sweep "$@" ;;
  test) install_all; exec .venv/bin/python -m pytest tests "$@" ;;
  *) echo "usage: ./setup.sh [sweep|test|install] [options]" >&2; exit 2 ;;
esac
