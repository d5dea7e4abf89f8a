"""What scripts/bench and scripts/bench-growth share: a Parley server process, JSON calls, wrk."""
import json
import os
import re
import socket
import subprocess
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A Parley process on a free port, with its CPU time and memory readable from /proc."""

    def __init__(self, binary: str, work: Path, database_url: str, provider_port: int, **env_overrides: str):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="bench-secret-key-of-at-least-32-bytes",
                   LLM_BASE_URL=f"http://127.0.0.1:{provider_port}/v1", LLM_MODEL="fake", CHAT_RATE_LIMIT="0",
                   LOGIN_RATE_LIMIT="0", SIGNUP_RATE_LIMIT="0", LOG_LEVEL="error")
        env.update(env_overrides)
        self.process = subprocess.Popen([binary, "serve", "--port", str(self.port)], cwd=work, env=env)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/health", timeout=1)
                return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("Parley did not start")

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self, field: str = "VmRSS") -> float:
        """Resident memory now (VmRSS), or its peak since start or `reset_peak` (VmHWM)."""
        match = re.search(field + r":\s+(\d+) kB", Path(f"/proc/{self.process.pid}/status").read_text())
        return int(match.group(1)) / 1024

    def reset_peak(self) -> None:
        """Starts VmHWM again from the current RSS (Linux: 5 into clear_refs)."""
        Path(f"/proc/{self.process.pid}/clear_refs").write_text("5")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=60)


def call(base: str, method: str, path: str, body=None, token=None, form=None):
    headers = {}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    if form is not None:
        data, headers["Content-Type"] = form.encode(), "application/x-www-form-urlencoded"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        text = response.read().decode()
        return json.loads(text) if text and response.headers.get_content_type() == "application/json" else text


def lua(work: Path, name: str, method: str, token: str | None, body: str = "", content_type: str = "application/json") -> Path:
    path = work / f"{name}.lua"
    auth = f'wrk.headers["Authorization"] = "Bearer {token}"\n' if token else ""
    path.write_text(f'wrk.method = "{method}"\n{auth}wrk.headers["Content-Type"] = "{content_type}"\nwrk.body = [[{body}]]\n')
    return path


def seconds(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def wrk(url: str, script: Path | None, connections: int, duration: int, threads: int = 2) -> dict:
    command = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if script:
        command[1:1] = ["-s", str(script)]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    result = {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p50": seconds(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": seconds(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
    }
    errors = re.findall(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", out)
    result["errors"] = "; ".join(errors)
    return result
