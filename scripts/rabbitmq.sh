#!/usr/bin/env bash
# A private RabbitMQ broker on 127.0.0.1 for the end-to-end tests (spec-e2e/).
#
#   scripts/rabbitmq.sh install          install rabbitmq-server if it is missing
#   scripts/rabbitmq.sh start DIR        start a broker whose state lives in DIR; print its AMQP URI
#   scripts/rabbitmq.sh stop DIR         stop the broker started in DIR (by PID)
#
# Provisioning choice: `apt-get install -y rabbitmq-server` from Debian 12 (3.10.8 + Erlang 25).
# CI runs as root on a clean Debian 12 machine, so the package manager is the simplest source
# that resolves the 15 Erlang dependencies by itself and is kept patched by bookworm-security.
# The alternative (apt-get download + dpkg -x into a scratch dir + patching ROOTDIR in erl,
# docs/elasticio-platform.md §4.1) needs no root but is brittle across Erlang package layouts.
# The package's system service is never used: there is no systemd here, and a service would
# listen on every interface with shared state. During the install a policy-rc.d that answers
# 101 stops the postinst from starting it; afterwards we run the server binary ourselves,
# as a child of this script's caller, with all state (config, mnesia, logs, cookie) in DIR,
# bound to 127.0.0.1 only, on free ports (AMQP, Erlang distribution, and its own epmd), so
# two runs on one machine do not collide and nothing is left behind after `stop`.
set -euo pipefail

# The real server script: /usr/sbin/rabbitmq-server is a wrapper that su's to the rabbitmq
# user and reads /etc/rabbitmq; we want root-owned state in DIR instead.
RABBIT_BIN=/usr/lib/rabbitmq/bin

log() { echo "rabbitmq.sh: $*" >&2; }

install_broker() {
  if [ -x "$RABBIT_BIN/rabbitmq-server" ]; then
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    log "rabbitmq-server is not installed and installing it needs root (apt-get install -y rabbitmq-server)"
    exit 1
  fi
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# Temporary, by scripts/rabbitmq.sh: do not start services during install.\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  log "installing rabbitmq-server from Debian (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server >&2
  if [ "$created_policy" = 1 ]; then
    rm -f "$policy"
    trap - EXIT
  fi
}

# A TCP port on 127.0.0.1 nobody listens on. Prefers $1 when free, else probes random ones.
# bash's /dev/tcp connect fails when the port is free; the bind race is acceptable for tests.
free_port() {
  local preferred=${1:-}
  if [ -n "$preferred" ] && ! (exec 3<>"/dev/tcp/127.0.0.1/$preferred") 2>/dev/null; then
    echo "$preferred"
    return 0
  fi
  local port
  for _ in $(seq 1 200); do
    port=$((20000 + RANDOM % 25000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  log "no free port found"
  exit 1
}

# Environment shared by the server and rabbitmqctl: everything points into DIR.
broker_env() {
  local dir=$1
  # shellcheck disable=SC1091
  . "$dir/ports"
  export HOME="$dir/home"
  export RABBITMQ_NODENAME="$NODENAME"
  export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
  export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
  export RABBITMQ_MNESIA_BASE="$dir/mnesia"
  export RABBITMQ_LOG_BASE="$dir/log"
  export RABBITMQ_PID_FILE="$dir/beam.pid"
  export RABBITMQ_DIST_PORT="$DIST_PORT"
  export ERL_EPMD_ADDRESS=127.0.0.1
  export ERL_EPMD_PORT="$EPMD_PORT"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

start_broker() {
  local dir=$1
  install_broker
  mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
  local amqp_port dist_port epmd_port
  amqp_port=$(free_port "${E2E_AMQP_PORT:-5672}")
  dist_port=$(free_port)
  epmd_port=$(free_port)
  cat >"$dir/ports" <<EOF
AMQP_PORT=$amqp_port
DIST_PORT=$dist_port
EPMD_PORT=$epmd_port
NODENAME=e2e-$$@localhost
EOF
  cat >"$dir/rabbitmq.conf" <<EOF
listeners.tcp.default = 127.0.0.1:$amqp_port
loopback_users.guest = true
log.console = false
log.file.level = warning
EOF
  : >"$dir/rabbitmq-env.conf"
  echo '[].' >"$dir/enabled_plugins"
  broker_env "$dir"

  # setsid: the broker gets its own process group, so a Ctrl-C of the test run does not
  # race our orderly stop, and `stop` can find everything it started by PID.
  setsid "$RABBIT_BIN/rabbitmq-server" >"$dir/log/server.out" 2>&1 </dev/null &
  echo $! >"$dir/server.pid"

  local deadline=$((SECONDS + 90))
  until (exec 3<>"/dev/tcp/127.0.0.1/$amqp_port") 2>/dev/null; do
    if ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
      log "broker exited during startup; last lines of its output:"
      tail -n 30 "$dir/log/server.out" >&2
      exit 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      log "broker did not listen on 127.0.0.1:$amqp_port within 90 s"
      stop_broker "$dir"
      exit 1
    fi
    sleep 0.2
  done
  find_epmd "$epmd_port" >"$dir/epmd.pid"
  # If the test runner dies without its teardown (Ctrl-C, OOM, CI timeout), stop the broker
  # anyway: a watchdog polls the owner's PID ($E2E_OWNER_PID, default: our caller).
  local owner=${E2E_OWNER_PID:-$PPID}
  setsid bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec "$2" stop "$3"' \
    watchdog "$owner" "$(readlink -f "$0")" "$dir" >/dev/null 2>&1 </dev/null &
  echo $! >"$dir/watchdog.pid"
  echo "amqp://guest:guest@127.0.0.1:$amqp_port"
}

# epmd daemonizes (its parent is init), so find ours by the unique port it serves, read from
# its environment; never by name alone. grep -z reads the NUL-separated environ directly
# (a `tr | grep -q` pipe can die of SIGPIPE under pipefail and miss it).
find_epmd() {
  local port=$1 proc
  for proc in /proc/[0-9]*; do
    if [ "$(cat "$proc/comm" 2>/dev/null)" = epmd ] && grep -qzx "ERL_EPMD_PORT=$port" "$proc/environ" 2>/dev/null; then
      echo "${proc#/proc/}"
    fi
  done
}

# TERM, then KILL after 5 s.
kill_pid() {
  local pid=$1
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
}

kill_pid_file() {
  local pid
  [ -f "$1" ] || return 0
  for pid in $(cat "$1"); do kill_pid "$pid"; done
}

stop_broker() {
  local dir=$1
  [ -f "$dir/ports" ] || return 0
  broker_env "$dir"
  # Orderly first: rabbitmqctl stop flushes and exits the VM; give it 30 s.
  if [ -f "$dir/beam.pid" ]; then
    timeout 30 "$RABBIT_BIN/rabbitmqctl" -n "$NODENAME" stop "$dir/beam.pid" >/dev/null 2>&1 || true
  fi
  # Whatever survived: the VM (which the wrapper script does not take down), the wrapper, epmd.
  kill_pid_file "$dir/beam.pid"
  kill_pid_file "$dir/server.pid"
  # epmd may have been missed at start (or restarted by rabbitmqctl): look again.
  find_epmd "$EPMD_PORT" >>"$dir/epmd.pid"
  kill_pid_file "$dir/epmd.pid"
  # Last, and not when the watchdog itself is the one stopping us.
  if [ -f "$dir/watchdog.pid" ] && [ "$(cat "$dir/watchdog.pid")" != "$$" ]; then
    kill_pid_file "$dir/watchdog.pid"
  fi
  rm -f "$dir/watchdog.pid"
}

case "${1:-}" in
  install) install_broker ;;
  start) start_broker "${2:?usage: rabbitmq.sh start DIR}" ;;
  stop) stop_broker "${2:?usage: rabbitmq.sh stop DIR}" ;;
  *)
    echo "usage: $0 install | start DIR | stop DIR" >&2
    exit 2
    ;;
esac
