# Shell functions for the scripts that start throwaway redis-servers
# (.ci/with-redis, .ci/with-redis-cluster). Source it; it sets no options.

# free_port prints a loopback port nothing listens on, below the kernel's
# ephemeral range: a port in that range can be taken as the local end of an
# outgoing connection between this check and redis-server's bind.
free_port() {
  local lo=20000 hi candidate
  hi=$(( $(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768) - 1 ))
  [ "$hi" -gt "$lo" ] || hi=32767
  for _ in $(seq 1 100); do
    candidate=$(( lo + RANDOM % (hi - lo) ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  echo "no free port found" >&2
  return 1
}

# start_redis DIR PORT ARGS... starts redis-server in the background on
# 127.0.0.1:PORT with its files and log in DIR, sets REDIS_PID, and waits
# until it answers. It fails, showing the log, when the server exits (a
# port taken after all) or does not answer within 10 s.
start_redis() {
  local dir=$1 port=$2
  shift 2
  redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --save "" --appendonly no \
    --daemonize no --logfile "$dir/redis.log" "$@" &
  REDIS_PID=$!
  for _ in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$REDIS_PID" 2>/dev/null; then
      echo "redis-server on port $port exited:" >&2
      tail -5 "$dir/redis.log" >&2 || true
      return 1
    fi
    sleep 0.05
  done
  echo "redis-server on port $port does not answer" >&2
  return 1
}

# start_redis_anywhere DIR ARGS... is start_redis on a free port, trying
# another when one is taken between the check and the bind. It sets
# REDIS_PORT and REDIS_PID.
start_redis_anywhere() {
  local dir=$1
  shift
  for _ in 1 2 3 4 5; do
    REDIS_PORT=$(free_port) || return 1
    if start_redis "$dir" "$REDIS_PORT" "$@"; then
      return 0
    fi
    kill "$REDIS_PID" 2>/dev/null || true
    wait "$REDIS_PID" 2>/dev/null || true
  done
  return 1
}
