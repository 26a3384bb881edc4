# Sourced by .ci/run: a Docker engine for the tests. When none answers /_ping on the socket,
# starts Debian's dockerd (no bridge, no iptables: the tests use host networking) in the
# background and stops it, by its PID, when the calling shell exits; an engine that was already
# running is left alone.
#   GCD_DOCKER_SOCKET  the engine's socket (default: DOCKER_HOST's unix socket, else
#                      /var/run/docker.sock); exported to the tests as DOCKER_HOST
#   GCD_DOCKERD_LOG    where a started dockerd writes (default test-output/dockerd.log)
if [ -z "${GCD_DOCKER_SOCKET:-}" ]; then
  case "${DOCKER_HOST:-}" in
    unix://*) GCD_DOCKER_SOCKET="${DOCKER_HOST#unix://}" ;;
    *) GCD_DOCKER_SOCKET=/var/run/docker.sock ;;
  esac
fi
export DOCKER_HOST="unix://$GCD_DOCKER_SOCKET"
dockerd_pid=""

docker_ping() { curl -fsS --max-time 2 --unix-socket "$GCD_DOCKER_SOCKET" http://localhost/_ping >/dev/null 2>&1; }

stop_dockerd() {
  if [ -n "$dockerd_pid" ] && kill -0 "$dockerd_pid" 2>/dev/null; then
    kill -TERM "$dockerd_pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 1; done
    kill -KILL "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
  fi
  dockerd_pid=""
}

start_docker_engine() {
  docker_ping && return 0
  local log="${GCD_DOCKERD_LOG:-test-output/dockerd.log}"
  mkdir -p "$(dirname "$log")"
  dockerd --host "unix://$GCD_DOCKER_SOCKET" --bridge=none --iptables=false --ip-forward=false >"$log" 2>&1 &
  dockerd_pid=$!
  trap stop_dockerd EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  for _ in $(seq 1 60); do
    docker_ping && return 0
    kill -0 "$dockerd_pid" 2>/dev/null || break
    sleep 1
  done
  echo "dockerd did not answer /_ping on $GCD_DOCKER_SOCKET (see $log)" >&2
  return 1
}
