#!/bin/sh
# Runs a command in a loopback-only network namespace, so no test can reach
# anything but this machine (DESIGN.md, Testing). Root needs only a new
# network namespace; other users get a user namespace too (unshare -r).
set -eu
if [ "${SM_HERMETIC:-}" = 1 ] || [ "$(uname -s)" != Linux ]; then
  [ "$(uname -s)" = Linux ] || echo "secure-meeting: not Linux, running without a network namespace" >&2
  exec "$@"
fi
if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
  echo "secure-meeting: the tests need unshare (util-linux) and ip (iproute2) for a loopback-only network namespace" >&2
  exit 1
fi
flags=-n
[ "$(id -u)" = 0 ] || flags=-rn
exec unshare $flags sh -c 'ip link set lo up && SM_HERMETIC=1 exec "$@"' sh "$@"
