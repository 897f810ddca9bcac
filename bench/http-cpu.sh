#!/bin/bash
# HTTP mode's CPU per request, from /proc, in fresh processes taking turns: a bare http-proxy with
# a keep-alive agent, `looptap http --quiet` of another checkout (BENCH_BASE, optional) and of
# this one, each under `wrk -t1 -c20 -d${BENCH_SECONDS}s` against a small JSON origin. A fresh
# process per run, so each starts with the same heap (bench/http.ts keeps one process per path).
#
#   npm run build && bench/http-cpu.sh     (env: BENCH_REPS=4 BENCH_SECONDS=3 BENCH_BASE=/other/looptap)
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${BENCH_REPS:-4}
SECONDS_=${BENCH_SECONDS:-3}
free_port() {
  node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}
ORIGIN_PORT=$(free_port)
node -e "
const http = require('node:http');
const body = JSON.stringify({ id: 1, name: 'looptap', items: [1, 2, 3] });
http.createServer((req, res) => { req.resume(); req.on('end', () => {
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body); }); }).listen($ORIGIN_PORT, '127.0.0.1');" &
ORIGIN=$!
trap 'kill $ORIGIN 2>/dev/null || true' EXIT
sleep 0.5
BARE="
const http = require('node:http');
const httpProxy = require('http-proxy');
const agent = new http.Agent({ keepAlive: true });
const proxy = httpProxy.createProxyServer({ target: 'http://127.0.0.1:' + process.argv[2], agent });
proxy.on('error', (e, req, res) => { res.writeHead(502); res.end(); });
http.createServer((req, res) => proxy.web(req, res)).listen(Number(process.argv[1]), '127.0.0.1');
process.on('SIGINT', () => process.exit(0));"
PATHS=(bare)
[ -n "${BENCH_BASE:-}" ] && PATHS+=("$BENCH_BASE")
PATHS+=(.)
echo "| run | path | requests | µs CPU per request |"
echo "| --- | --- | ---: | ---: |"
for rep in $(seq 1 "$REPS"); do
  for p in "${PATHS[@]}"; do
    port=$(free_port)
    if [ "$p" = bare ]; then
      node -e "$BARE" "$port" "$ORIGIN_PORT" > /dev/null 2>&1 &
    else
      "$p/bin/looptap.js" http --target "$ORIGIN_PORT" --listen "$port" --quiet > /dev/null 2>&1 &
    fi
    pid=$!
    for _ in $(seq 1 50); do (echo > "/dev/tcp/127.0.0.1/$port") 2> /dev/null && break; sleep 0.1; done
    before=$(awk '{print $14+$15}' "/proc/$pid/stat")
    n=$(timeout $((SECONDS_ + 20)) wrk -t1 -c20 "-d${SECONDS_}s" "http://127.0.0.1:$port/api/users" | awk '/requests in/{print $1}')
    after=$(awk '{print $14+$15}' "/proc/$pid/stat")
    # /proc counts in ticks of 10 ms
    echo "| $rep | $p | $n | $(( (after - before) * 10000 / n )) |"
    kill -INT "$pid"
    wait "$pid" 2> /dev/null || true
  done
done
