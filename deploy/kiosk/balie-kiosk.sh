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
#   BALIE_KIOSK_SECRET_FILE  this kiosk's device secret (default /etc/balie/kiosk.secret; made with
#                        `balie kiosk secret --name NAME --branch CODE`; owner root, group of the kiosk
#                        account, mode 0640)
#   BALIE_KIOSK_START_DIR  private folder for the start page (default $XDG_RUNTIME_DIR/balie-kiosk)
#
# The browser runs --incognito and the policy clears cookies on exit, so the kiosk's device cookie is gone
# after every restart. When the secret file is there, each start opens a local page that posts the secret
# to BALIE_KIOSK_URL's /enrol/device (a form post: never in a URL that a proxy would log); the answer sets
# the device cookie and goes on to the start page. The local page is deleted once the browser has read it.
#
# Pinch zoom stays on (people who need large type use it), so --disable-pinch is not passed.
set -u

URL="${BALIE_KIOSK_URL:-https://balie.local/}"
BROWSER="${BALIE_CHROMIUM:-}"
PAUSE="${BALIE_KIOSK_RESTART:-2}"
SECRET_FILE="${BALIE_KIOSK_SECRET_FILE:-/etc/balie/kiosk.secret}"
START_DIR="${BALIE_KIOSK_START_DIR:-${XDG_RUNTIME_DIR:-/tmp}/balie-kiosk}"
# Extra browser flags, one string (tests add headless and remote-debugging flags here).
EXTRA_FLAGS="${BALIE_CHROMIUM_EXTRA_FLAGS:-}"
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

# The page that exchanges the secret for the device cookie; prints its file URL, or nothing without a secret.
start_page() {
    [ -r "$SECRET_FILE" ] || return 0
    local secret origin page
    secret="$(tr -d ' \t\r\n' < "$SECRET_FILE")"
    case "$secret" in
        *[!A-Za-z0-9_-]*|'') echo "balie-kiosk: $SECRET_FILE does not hold a device secret" >&2; return 0 ;;
    esac
    origin="$(printf '%s' "$URL" | sed -E 's#^(https?://[^/]+).*#\1#')"
    (umask 077 && mkdir -p "$START_DIR") || return 0
    page="$START_DIR/start.html"
    (umask 077 && cat > "$page" <<HTML
<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Balie</title></head>
<body><form id="enrol" method="post" action="$origin/enrol/device">
<input type="hidden" name="secret" value="$secret">
<noscript><button type="submit">Start</button></noscript>
</form><script>document.getElementById('enrol').submit();</script></body></html>
HTML
    ) || return 0
    printf 'file://%s' "$page"
}

stopping=0
child=0
stop() {
    stopping=1
    if [ "$child" -ne 0 ]; then kill -TERM "$child" 2>/dev/null; fi
}
trap stop TERM INT HUP

while [ "$stopping" -eq 0 ]; do
    target="$(start_page)"
    # shellcheck disable=SC2086 # EXTRA_FLAGS is a list of flags on purpose
    "$BROWSER" "${FLAGS[@]}" $EXTRA_FLAGS "${target:-$URL}" &
    child=$!
    if [ -n "$target" ]; then
        # The secret stays on disk only while the browser reads the page.
        ( sleep 5; rm -f "${target#file://}" ) &
    fi
    wait "$child"
    status=$?
    child=0
    [ "$stopping" -eq 0 ] || break
    echo "balie-kiosk: chromium exited with status $status; starting again in ${PAUSE}s" >&2
    sleep "$PAUSE"
done
