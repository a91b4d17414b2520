#!/usr/bin/env bash
# Balie kiosk browser: Chromium full screen on the kiosk's start page, started again whenever it exits.
#
# Run it in the kiosk user's graphical session (see balie-kiosk.service or balie-kiosk.desktop next to
# this file). Lock the browser down with the managed policy in policy.json
# (/etc/chromium/policies/managed/balie.json): only Balie's address, no developer tools, no downloads.
#
#   BALIE_KIOSK_URL      start page (default https://balie.local/)
#   BALIE_CHROMIUM       the browser (default: chromium, else chromium-browser)
#   BALIE_KIOSK_RESTART  seconds to wait before starting again (default 2)
#
# Pinch zoom stays on (people who need large type use it), so --disable-pinch is not passed.
set -u

URL="${BALIE_KIOSK_URL:-https://balie.local/}"
BROWSER="${BALIE_CHROMIUM:-}"
PAUSE="${BALIE_KIOSK_RESTART:-2}"
if [ -z "$BROWSER" ]; then
    BROWSER="$(command -v chromium || command -v chromium-browser || true)"
fi
if [ -z "$BROWSER" ]; then
    echo "balie-kiosk: chromium not found (apt-get install chromium)" >&2
    exit 1
fi

FLAGS=(
    --kiosk
    --no-first-run
    --noerrdialogs
    --disable-translate
    --disable-features=Translate,TranslateUI
    --disable-infobars
    --disable-session-crashed-bubble
    --overscroll-history-navigation=0
    --check-for-update-interval=31536000
    --incognito
)

stopping=0
child=0
stop() {
    stopping=1
    if [ "$child" -ne 0 ]; then kill -TERM "$child" 2>/dev/null; fi
}
trap stop TERM INT HUP

while [ "$stopping" -eq 0 ]; do
    "$BROWSER" "${FLAGS[@]}" "$URL" &
    child=$!
    wait "$child"
    status=$?
    child=0
    [ "$stopping" -eq 0 ] || break
    echo "balie-kiosk: chromium exited with status $status; starting again in ${PAUSE}s" >&2
    sleep "$PAUSE"
done
