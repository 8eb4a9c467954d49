#!/bin/sh
# Starts nats-server ("$@") with the routes' URLs, password included, in its ENVIRONMENT (NATS_ROUTES, read by
# cluster.conf), never on its command line: a process's command line is readable by every user of the node
# (/proc/<pid>/cmdline) and Kubernetes writes `$(VAR)` expansions of args into it; its environment is readable by
# its own user only.
#
# nats-server sends a route's credentials only from the route's URL (the cluster's `authorization` block only checks
# the routes that come in), and a conf file takes an environment variable only as a whole value: so the URLs are
# built here, with shell builtins only (no child process, whose command line would show them), from
#   NATS_ROUTE_HOSTS     the servers' host:port, separated by commas (statefulset.yaml: nats-N.nats-headless:6222)
#   NATS_ROUTE_PASSWORD  the routes' password (Secret nats-users)
# then `exec` replaces this shell: nats-server keeps the PID (1 in the pod: the preStop signal reaches it).
# The tests start their clusters with this very script (tests/support/nats_conf.py).
set -eu

case "${NATS_ROUTE_PASSWORD:-}" in
    "" | *[!A-Za-z0-9]*)
        echo "NATS_ROUTE_PASSWORD is missing or holds other than letters and digits: set it in the Secret nats-users (e.g. openssl rand -hex 24) and restart the pods" >&2
        exit 1
        ;;
esac
case "${NATS_ROUTE_HOSTS:-}" in
    "" | *[!A-Za-z0-9.:,-]*)
        echo "NATS_ROUTE_HOSTS must list the servers' host:port separated by commas (statefulset.yaml)" >&2
        exit 1
        ;;
esac

routes=""
separator=""
hosts="$NATS_ROUTE_HOSTS,"
while [ -n "$hosts" ]; do
    host="${hosts%%,*}"
    hosts="${hosts#*,}"
    if [ -n "$host" ]; then
        routes="$routes$separator\"nats://route:$NATS_ROUTE_PASSWORD@$host\""
        separator=", "
    fi
done
# A conf value: nats-server parses an environment variable's value as it parses the file.
NATS_ROUTES="[$routes]"
export NATS_ROUTES
exec "$@"
