"""The deploy files, checked offline: Dockerfile, compose, Kubernetes and the Grafana dashboard.

The dashboard may only query metric names the app really exports: they are read from a live
/metrics render after a workflow ran, so a renamed metric fails here, not in Grafana.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from podium.server import create_app
from tests.server import serverapp

ROOT = Path(__file__).parents[2]
SMOKE_ORDER = {
    "id": 1,
    "customer": "ada@example.com",
    "items": [{"sku": "TEA", "qty": 2}],
    "total": "19.80",
    "card": "4242424242424242",
}
DEPLOY = ROOT / "deploy"


def _yaml_documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def test_dockerfile_is_slim_and_runs_as_a_non_root_user():
    text = (ROOT / "Dockerfile").read_text()
    froms = re.findall(r"^FROM (\S+)", text, re.M)
    assert froms and all("slim" in f for f in froms), froms
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert re.search(r'^ENTRYPOINT \["podium"\]', text, re.M)
    assert "/healthz" in text


def test_compose_has_postgres_workers_and_server():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert {"postgres", "worker", "server"} <= set(services)
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["worker"]["command"][0] == "worker"
    assert "replicas" in services["worker"]["deploy"]
    assert services["server"]["command"][0] == "server"
    assert "0.0.0.0" in services["server"]["command"]
    for name in ("worker", "server"):
        env = services[name]["environment"]
        assert env["PODIUM_DATABASE_URL"].startswith("postgresql://")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_kubernetes_manifests_have_the_required_fields():
    docs = [d for p in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in _yaml_documents(p)]
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        assert {"apiVersion", "kind"} <= set(doc), doc
        if doc["kind"] != "Kustomization":
            assert doc["metadata"]["name"]
        by_kind.setdefault(doc["kind"], []).append(doc)
    deployments = {d["metadata"]["name"]: d for d in by_kind["Deployment"]}
    assert set(deployments) == {"podium-worker", "podium-server"}
    for deployment in deployments.values():
        assert deployment["apiVersion"] == "apps/v1"
        spec = deployment["spec"]
        labels = spec["template"]["metadata"]["labels"]
        assert spec["selector"]["matchLabels"].items() <= labels.items()
        pod = spec["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        for container in pod["containers"]:
            assert container["name"] and container["image"]
            assert container["args"][0] in ("worker", "server")
            env = {e["name"]: e for e in container["env"]}
            assert "secretKeyRef" in env["PODIUM_DATABASE_URL"]["valueFrom"]
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
    server = deployments["podium-server"]["spec"]["template"]["spec"]["containers"][0]
    assert server["readinessProbe"]["httpGet"]["path"] == "/healthz"
    (service,) = by_kind["Service"]
    server_labels = deployments["podium-server"]["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= server_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] in ("http", 8080)
    (kustomization,) = by_kind["Kustomization"]
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in (DEPLOY / "k8s").glob("*.yaml")} - {"kustomization.yaml"}


def exported_metric_names() -> set[str]:
    """Every sample name of a live /metrics render after workflows ran (store and engine)."""
    with tempfile.TemporaryDirectory() as tmp:
        application = serverapp.build(f"sqlite:///{tmp}/metrics.db")
        try:
            app = create_app(application, auth=False)
            with TestClient(app, base_url="http://localhost") as client:  # no auth: loopback only
                application.start("add", 1, 2, id="m1")
                with application.worker(1):
                    application.runtime.wait_for_end("m1", timeout=10)
                text = client.get("/metrics").text
        finally:
            application.close()
    names = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split()
            names.add(name)
            if kind == "counter":
                names.add(name + "_total")
            if kind == "histogram":
                names.update(name + s for s in ("_bucket", "_count", "_sum"))
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{ ]", line, maxsplit=1)[0])
    return names


def test_grafana_dashboard_queries_only_exported_metrics():
    dashboard = json.loads((DEPLOY / "grafana" / "podium.json").read_text())
    assert dashboard["title"] and dashboard["uid"] and dashboard["panels"]
    exported = exported_metric_names()
    assert "podium_workflows_failed_total" in exported
    used: set[str] = set()
    for panel in dashboard["panels"]:
        assert panel["title"] and panel["targets"], panel
        for target in panel["targets"]:
            used.update(re.findall(r"\bpodium_[a-z_]+\b", target["expr"]))
    assert used, "the dashboard queries no podium metric"
    unknown = used - exported
    assert not unknown, f"the dashboard queries metrics the app does not export: {unknown}"


AUTOSCALING = DEPLOY / "k8s" / "autoscaling"
SCALED_OBJECT_SPEC = {
    "scaleTargetRef",
    "pollingInterval",
    "cooldownPeriod",
    "initialCooldownPeriod",
    "idleReplicaCount",
    "minReplicaCount",
    "maxReplicaCount",
    "advanced",
    "fallback",
    "triggers",
}
"""The fields of a ScaledObject's spec in KEDA's CRD (keda.sh/v1alpha1): a typo fails here."""
PROMETHEUS_METADATA = {
    "serverAddress",
    "query",
    "threshold",
    "activationThreshold",
    "namespace",
    "customHeaders",
    "ignoreNullValues",
    "queryParameters",
    "unsafeSsl",
    "timeout",
}
"""The metadata KEDA's Prometheus scaler reads."""


def _worker_deployment() -> dict[str, Any]:
    (doc,) = [
        d for d in _yaml_documents(DEPLOY / "k8s" / "worker.yaml") if d["kind"] == "Deployment"
    ]
    return doc


def test_keda_scaled_object_scales_the_workers_on_the_exported_gauge():
    (scaled,) = _yaml_documents(AUTOSCALING / "keda-scaledobject.yaml")
    assert (scaled["apiVersion"], scaled["kind"]) == ("keda.sh/v1alpha1", "ScaledObject")
    assert scaled["metadata"]["name"]
    spec = scaled["spec"]
    assert set(spec) <= SCALED_OBJECT_SPEC, set(spec) - SCALED_OBJECT_SPEC
    target = spec["scaleTargetRef"]
    assert target["name"] == _worker_deployment()["metadata"]["name"]
    assert target.get("kind", "Deployment") == "Deployment"
    assert isinstance(spec["minReplicaCount"], int) and isinstance(spec["maxReplicaCount"], int)
    assert 0 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
    exported = exported_metric_names()
    assert "podium_desired_workers" in exported
    assert spec["triggers"]
    for trigger in spec["triggers"]:
        assert trigger["type"] == "prometheus"
        metadata = trigger["metadata"]
        assert set(metadata) <= PROMETHEUS_METADATA, set(metadata) - PROMETHEUS_METADATA
        assert all(isinstance(v, str) for v in metadata.values()), "KEDA metadata are strings"
        assert re.match(r"https?://[\w.-]+(:\d+)?/?$", metadata["serverAddress"])
        assert float(metadata["threshold"]) > 0
        used = set(re.findall(r"\bpodium_[a-z_]+\b", metadata["query"]))
        assert used == {"podium_desired_workers"}, used
        assert re.search(r'queue="[\w.-]+"', metadata["query"])


def test_hpa_example_reads_the_gauge_as_an_external_metric():
    (hpa,) = _yaml_documents(AUTOSCALING / "hpa.yaml")
    assert (hpa["apiVersion"], hpa["kind"]) == ("autoscaling/v2", "HorizontalPodAutoscaler")
    spec = hpa["spec"]
    target = spec["scaleTargetRef"]
    assert (target["apiVersion"], target["kind"]) == ("apps/v1", "Deployment")
    assert target["name"] == _worker_deployment()["metadata"]["name"]
    assert 1 <= spec["minReplicas"] <= spec["maxReplicas"]
    (metric,) = spec["metrics"]
    assert metric["type"] == "External"
    external = metric["external"]
    assert external["metric"]["name"] in exported_metric_names()
    assert set(external["metric"]["selector"]["matchLabels"]) == {"queue"}
    assert external["target"]["type"] == "AverageValue"
    assert float(external["target"]["averageValue"]) > 0
    # the prometheus-adapter rule in its comment names the same gauge
    assert "podium_desired_workers" in (AUTOSCALING / "hpa.yaml").read_text().split("apiVersion")[0]


def test_the_autoscaler_examples_let_workers_go_when_the_advice_does():
    # the advice keeps what the minutes until a new worker serves still need; the HPA's
    # default scale-down window (300 s when behavior is unset) would keep idle workers longer
    (scaled,) = _yaml_documents(AUTOSCALING / "keda-scaledobject.yaml")
    (hpa,) = _yaml_documents(AUTOSCALING / "hpa.yaml")
    behaviours = [
        scaled["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"],
        hpa["spec"]["behavior"],
    ]
    for behaviour in behaviours:
        assert behaviour["scaleDown"]["stabilizationWindowSeconds"] == 0


def _docker_ready() -> str | None:
    """None when a Docker daemon with compose answers, else why the smoke test skips."""
    if shutil.which("docker") is None:
        return "docker is not installed"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=30)
    if info.returncode != 0:
        return "no Docker daemon answers (docker info failed)"
    compose = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    if compose.returncode != 0:
        return "docker compose is not available"
    return None


@pytest.mark.slow
def test_compose_smoke_runs_a_workflow_end_to_end(tmp_path: Path) -> None:
    reason = _docker_ready()
    if reason is not None:
        pytest.skip(f"compose smoke test skipped: {reason}")
    base = ["docker", "compose", "-f", str(DEPLOY / "compose.yaml"), "-p", "podiumsmoke"]
    env_port = {"PODIUM_PORT": "18080", "PODIUM_WORKERS": "2"}
    env = {**os.environ, **env_port}
    try:
        subprocess.run([*base, "up", "-d", "--build", "--wait"], env=env, check=True, timeout=900)
        started = subprocess.run(
            [*base, "exec", "-T", "server", "podium", "start", "examples.checkout:app",
             "checkout", "--input", json.dumps(SMOKE_ORDER),
             "--id", "smoke-1", "--wait", "--timeout", "120"],
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert started.returncode == 0, started.stderr
        deadline = time.time() + 60
        while time.time() < deadline:
            shown = subprocess.run(
                [*base, "exec", "-T", "server", "podium", "show", "smoke-1"],
                env=env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            if "completed" in shown.stdout:
                break
            time.sleep(1)
        assert "completed" in shown.stdout, shown.stdout + shown.stderr
    finally:
        subprocess.run([*base, "down", "-v"], env=env, timeout=300)
