#!/bin/sh
# Like test/hermetic.sh, for the Firefox suite. Firefox gathers no ICE
# candidates in a namespace that has only loopback and no default route, nor
# on loopback alone whatever its prefs say. So this namespace also gets what
# Firefox looks for, still with no way out: a veth pair with both ends inside
# it, one end holding 198.18.0.1 (RFC 2544's benchmarking range, routed
# nowhere) and the default route. A packet for any other address leaves one
# end, arrives at the other, and is dropped there.
set -eu
if ! command -v unshare >/dev/null || ! command -v ip >/dev/null; then
  echo "secure-meeting: the tests need unshare (util-linux) and ip (iproute2) for a loopback-only network namespace" >&2
  exit 1
fi
flags=-n
[ "$(id -u)" = 0 ] || flags=-rn
exec unshare $flags sh -c '
  ip link set lo up &&
  ip link add sm-out type veth peer name sm-end &&
  ip addr add 198.18.0.1/32 dev sm-out &&
  ip link set sm-end up && ip link set sm-out up &&
  ip route add default dev sm-out &&
  SM_HERMETIC=1 exec "$@"' sh "$@"
