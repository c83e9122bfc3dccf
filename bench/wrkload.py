"""Driving the HTTP API with wrk (Debian package `wrk`, a C load generator): the shared part of the HTTP benchmarks
(join_api.py, coupon_grab.py, cases_intake.py).

Each request line is `<token>\t<body>`: the bearer token (`-` for none) and the JSON body (`-` or nothing for
none). Every wrk thread walks its own stride of the lines, so no two requests share a line; past the end of its
share a thread repeats its last line. `wrk()` returns requests/s, the total, the latency percentiles and the answers
by HTTP status; `report()` prints one line of them.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

LUA = r"""
local lines = {}
local counter = 1
local threads = {}
local path, method

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  path, method = args[1], args[2]
  local stride = tonumber(args[3])
  local n = 0
  for line in io.lines(args[4]) do
    if n % stride == id then table.insert(lines, line) end
    n = n + 1
  end
  statuses = {}
end

function request()
  local line = lines[counter]
  if line == nil then line = lines[#lines] end
  counter = counter + 1
  local tab = string.find(line, "\t", 1, true)
  local token, body = line, nil
  if tab ~= nil then token, body = string.sub(line, 1, tab - 1), string.sub(line, tab + 1) end
  if body == "-" or body == "" then body = nil end
  local headers = {}
  if token ~= "-" then headers["Authorization"] = "Bearer " .. token end
  if body ~= nil then headers["Content-Type"] = "application/json" end
  return wrk.format(method, path, headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, count in pairs(s) do
      io.write(string.format("status %d %d\n", code, count))
    end
  end
end
"""


def wrk(port: int, path: str, method: str, lines: list[str], *, seconds: int, connections: int, threads: int,
        timeout: str = "30s") -> dict:
    """Run wrk against 127.0.0.1:port for `seconds`; lines as described in the module docstring."""
    with tempfile.TemporaryDirectory() as tmp:
        script, data = Path(tmp) / "bench.lua", Path(tmp) / "requests.tsv"
        script.write_text(LUA)
        data.write_text("\n".join(lines) + "\n")
        out = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout",
             timeout, "-s", str(script), f"http://127.0.0.1:{port}", "--", path, method, str(threads), str(data)],
            capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    pct = {q: m.group(1) for q in ("50%", "90%", "99%") if (m := re.search(rf"^\s*{q}\s+(\S+)", out, re.M))}
    statuses: dict[int, int] = {}
    for code, count in re.findall(r"status (\d+) (\d+)", out):
        statuses[int(code)] = statuses.get(int(code), 0) + int(count)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rate": rate, "total": total, "pct": pct, "statuses": statuses,
            "errors": errors.group(1) if errors else ""}


def report(label: str, result: dict) -> None:
    pct = "  ".join(f"p{q[:-1]} {v}" for q, v in result["pct"].items())
    extra = f"   socket errors: {result['errors']}" if result["errors"] else ""
    print(f"  {label:<46} {result['rate']:>8,.0f}/s   {pct}   statuses {dict(sorted(result['statuses'].items()))}"
          f"{extra}", flush=True)


def wait_for(url: str, *, tries: int = 300) -> None:
    """Wait until the server answers `url` (any HTTP answer), or exit after `tries` x 0.2 s."""
    for _ in range(tries):
        try:
            urllib.request.urlopen(url, timeout=1).read()  # noqa: S310  (http://127.0.0.1 from the caller)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"the server did not answer {url}")
