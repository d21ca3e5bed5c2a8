"""The deployment files agree with the code: settings names, targets, volumes, health check.

No Docker engine is needed: the files are read as text / YAML, and docker/healthcheck.py is
run against a loopback server. scripts/lint-deploy runs hadolint and the Compose schema.
"""

from __future__ import annotations

import http.server
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml

from simservice.serving.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
HEALTHCHECK = ROOT / "docker" / "healthcheck.py"


def setting_names(text: str) -> set[str]:
    return set(re.findall(r"\bSIMSERVICE_([A-Z_]+)\b", text))


def test_every_simservice_variable_is_a_setting():
    fields = {name.upper() for name in Settings.model_fields}
    used = setting_names(DOCKERFILE) | setting_names((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    used -= {"PUBLISH"}  # compose's own: the host port to publish
    assert used - fields == set()
    assert {"MODEL", "INDEX", "HOST", "PORT", "API_KEY"} <= used


def test_dockerfile_targets_user_and_health():
    stages = re.findall(r"^FROM \S+ AS (\S+)$", DOCKERFILE, re.M)
    assert {"cpu", "gpu", "runtime"} <= set(stages)
    assert "RUN --mount=type=cache,target=/root/.cache/pip docker/install.sh cpu /opt/venv" in DOCKERFILE
    assert "docker/install.sh gpu /opt/venv" in DOCKERFILE
    users = re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)
    assert users and all(not u.startswith(("0", "root")) for u in users)
    assert re.search(r"^HEALTHCHECK .*healthcheck\.py", DOCKERFILE, re.M)
    assert "COPY models/demo /app/models/demo" in DOCKERFILE
    assert re.search(r'^VOLUME \["/app/models", "/data"\]$', DOCKERFILE, re.M)


def test_dockerignore_lets_every_copied_path_through():
    allowed = {line[1:].rstrip("/") for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.startswith("!")}
    copied = set()
    for line in re.findall(r"^COPY (?!--from)(.+)$", DOCKERFILE, re.M):
        *sources, _dest = line.split()
        copied |= {s.rstrip("/") for s in sources if not s.startswith("--")}
    assert copied == allowed


def test_compose_gpu_service_and_cpu_profile():
    gpu, cpu = COMPOSE["services"]["simservice"], COMPOSE["services"]["simservice-cpu"]
    assert gpu["build"]["target"] == "gpu" and "profiles" not in gpu
    devices = gpu["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    assert cpu["build"]["target"] == "cpu" and cpu["profiles"] == ["cpu"] and "deploy" not in cpu
    for service in (gpu, cpu):
        assert service["volumes"] == ["models:/app/models", "index-data:/data"]
        assert service["healthcheck"]["test"] == ["CMD", "python", "/app/healthcheck.py"]
        assert service["restart"] == "unless-stopped"
        assert service["environment"]["SIMSERVICE_INDEX"] == "faiss:///data"
    assert gpu["environment"]["TF_FORCE_GPU_ALLOW_GROWTH"] == "true"


def test_install_script_refuses_unknown_flavour(tmp_path):
    result = subprocess.run(["sh", str(ROOT / "docker" / "install.sh"), "tpu", str(tmp_path / "venv")],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "cpu or gpu" in result.stderr
    assert not (tmp_path / "venv").exists()


class Ready(http.server.BaseHTTPRequestHandler):
    status = 200

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.send_response(self.status if self.path == "/ready" else 404)
        self.end_headers()


def run_healthcheck(port: int) -> int:
    env = {"SIMSERVICE_HOST": "0.0.0.0", "SIMSERVICE_PORT": str(port), "PATH": "/usr/bin:/bin"}
    return subprocess.run([sys.executable, str(HEALTHCHECK)], env=env, capture_output=True).returncode


@pytest.mark.parametrize("status, code", [(200, 0), (503, 1)])
def test_healthcheck_follows_ready(status, code):
    handler = type("Handler", (Ready,), {"status": status})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    try:
        assert run_healthcheck(server.server_address[1]) == code
    finally:
        server.shutdown()
        server.server_close()


def test_healthcheck_fails_when_nothing_listens():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert run_healthcheck(port) == 1


def test_compose_milvus_profile_runs_replicas_on_one_index():
    services = COMPOSE["services"]
    profile = {name for name, service in services.items() if "milvus" in service.get("profiles", [])}
    assert profile == {"etcd", "minio", "milvus", "simservice-milvus", "lb"}
    for name in profile:
        image = services[name]["image"]
        assert ":" in image and not image.endswith(":latest"), f"{name}: pin the image tag"
        assert services[name]["healthcheck"]["test"][0] == "CMD", name
    assert services["milvus"]["image"] == "milvusdb/milvus:v2.3.5"  # the server the tests run (PyPI milvus 2.3.5)
    replicas = services["simservice-milvus"]
    env = replicas["environment"]
    assert env["SIMSERVICE_INDEX"] == "${SIMSERVICE_INDEX:-milvus://milvus:19530}"
    assert "SIMSERVICE_MILVUS_TOKEN" in env and replicas["deploy"]["replicas"] >= 2
    assert "ports" not in replicas and replicas["volumes"] == ["models:/app/models:ro"]
    assert replicas["depends_on"]["milvus"]["condition"] == "service_healthy"
    assert services["lb"]["volumes"] == ["./docker/nginx.conf:/etc/nginx/nginx.conf:ro"]
    nginx = (ROOT / "docker" / "nginx.conf").read_text(encoding="utf-8")
    assert "server replicas:8000" in nginx and "listen 8000;" in nginx
    assert replicas["networks"]["default"]["aliases"] == ["replicas"]
    assert {"etcd-data", "minio-data", "milvus-data"} <= set(COMPOSE["volumes"])
    assert "[${flavour},milvus,pgvector]" in (ROOT / "docker" / "install.sh").read_text(encoding="utf-8")


def test_compose_pgvector_profile_runs_replicas_on_one_postgres():
    services = COMPOSE["services"]
    profile = {name for name, service in services.items() if "pgvector" in service.get("profiles", [])}
    assert profile == {"postgres", "simservice-pgvector", "lb"}
    assert services["postgres"]["image"].startswith("pgvector/pgvector:") and "pg16" in services["postgres"]["image"]
    replicas = services["simservice-pgvector"]
    assert replicas["environment"]["SIMSERVICE_INDEX"].startswith("postgresql://simservice:")
    assert replicas["deploy"]["replicas"] >= 2 and "ports" not in replicas
    assert replicas["networks"]["default"]["aliases"] == ["replicas"]
    assert replicas["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["lb"]["depends_on"]["simservice-pgvector"]["required"] is False
    assert "pg-data" in COMPOSE["volumes"]
