#!/usr/bin/env bash
# Restart kollega's web processes one at a time, each only once the one before answers
# /readyz (its database answers, Redis answers, the schema is at this code's migration head),
# then the scheduler. Browsers of the process being restarted reconnect through nginx to the
# others and catch up after their last seq: nothing is lost or shown twice
# (tests/ops/test_rolling_restart.py does the same with the real JavaScript client).
#
#   deploy/rolling-restart.sh            # kollega-web@01 and @02 (ports 8001, 8002)
#   deploy/rolling-restart.sh 01 02 03   # the instances to restart, in this order
#
# Run `kollega db upgrade` first when the new version has migrations (docs/OPERATIONS.md,
# "Upgrading between versions").
set -euo pipefail

instances=("$@")
[ ${#instances[@]} -gt 0 ] || instances=(01 02)

for i in "${instances[@]}"; do
  echo "restarting kollega-web@$i"
  systemctl restart "kollega-web@$i" # SIGTERM: a graceful stop, then a start
  ready=""
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null --max-time 5 "http://127.0.0.1:80$i/readyz"; then
      ready=yes
      break
    fi
    sleep 1
  done
  if [ -z "$ready" ]; then
    echo "kollega-web@$i is not ready after 120 s:" >&2
    curl -sS --max-time 5 "http://127.0.0.1:80$i/readyz" >&2 || true
    echo "stopping here: the other processes still serve" >&2
    exit 1
  fi
  echo "kollega-web@$i is ready"
done
systemctl restart kollega-scheduler
echo "done"
