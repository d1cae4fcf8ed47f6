#!/usr/bin/env bash
# Opens an HTML report in headless Chromium (Debian package `chromium`); exit 1 on any
# console error, uncaught exception, failed load or request outside the page, and saves a
# screenshot. See check_report.py.
# Usage: scripts/check-report.sh REPORT.html [SCREENSHOT.png]
set -euo pipefail
exec python3 "$(dirname "$0")/check_report.py" "$@"
