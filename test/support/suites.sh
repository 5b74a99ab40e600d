#!/bin/sh
# Runs the named suites (npm scripts test:<name>) one after another and prints
# each one's wall time, so a suite that grows slow shows up in every CI log
# (issue 9: the whole run stays under 15 minutes). Stops at the first failing
# suite, as the `&&` chain it replaces did, and exits with its status.
set -u
report=""
status=0
all_start=$(date +%s)
for suite in "$@"; do
  start=$(date +%s)
  npm run "test:$suite" || status=$?
  took=$(($(date +%s) - start))
  if [ "$status" = 0 ]; then verdict=passed; else verdict="FAILED (exit $status)"; fi
  report="$report$(printf '  %-12s %5ss  %s' "$suite" "$took" "$verdict")
"
  [ "$status" = 0 ] || break
done
printf '\nsecure-meeting: wall time per suite\n%s  %-12s %5ss\n' "$report" total "$(($(date +%s) - all_start))"
exit "$status"
