"""Private mode's page and files: open to visitors, cross-origin isolated under a policy that
adds only what onnxruntime-web needs, the model served from STEMWORKS_PRIVATE_MODEL_DIR with
checksum caching, a clear 404 while it is not built, and no way out of its folders."""

import hashlib
import json

import pytest
from django.test import Client

MODEL_BYTES = b"\x08\x07not really onnx, but bytes with a checksum" * 100


@pytest.fixture
def model_dir(settings, tmp_path):
    """A built model: an ONNX file and its manifest, as `make private-model` writes them."""
    folder = tmp_path / "private-model"
    folder.mkdir()
    (folder / "unet-2stems.onnx").write_bytes(MODEL_BYTES)
    manifest = {
        "model": "unet-2stems",
        "file": "unet-2stems.onnx",
        "bytes": len(MODEL_BYTES),
        "sha256": hashlib.sha256(MODEL_BYTES).hexdigest(),
        "precision": "fp32",
        "sample_rate": 44100,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    settings.STEMWORKS_PRIVATE_MODEL_DIR = folder
    return folder


@pytest.fixture
def no_model(settings, tmp_path):
    settings.STEMWORKS_PRIVATE_MODEL_DIR = tmp_path / "not-built"


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def sha(model_dir) -> str:
    return json.loads((model_dir / "manifest.json").read_text())["sha256"]


def test_a_visitor_without_an_account_gets_the_page_cross_origin_isolated(client, model_dir):
    response = client.get("/private/")
    assert response.status_code == 200
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Cross-Origin-Embedder-Policy"] == "require-corp"
    page = response.content.decode()
    assert "never leaves this device" in page
    assert "up to 15 minutes" in page
    assert 'id="player-template"' in page and 'data-stem="vocals"' in page


def test_the_page_policy_adds_only_wasm_compilation_and_own_workers(client, model_dir):
    private = policy(client.get("/private/"))
    site = policy(client.get("/accounts/login/"))
    assert private["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert private["worker-src"] == ["'self'"]
    others = {k: v for k, v in private.items() if k not in ("script-src", "worker-src")}
    assert others == {k: v for k, v in site.items() if k != "script-src"}
    assert "'unsafe-eval'" not in private["script-src"] and "'unsafe-inline'" not in str(private)
    assert "'wasm-unsafe-eval'" not in site["script-src"] and "worker-src" not in site


def test_the_page_says_the_model_size_before_the_first_download(client, model_dir):
    page = client.get("/private/").content.decode()
    assert f"{len(MODEL_BYTES) / 1024:.1f}" in page  # filesizeformat: "4.2 KB"


def test_the_page_says_plainly_when_the_model_is_not_built(client, no_model):
    response = client.get("/private/")
    assert response.status_code == 200
    assert "make private-model" in response.content.decode()


def test_the_manifest_is_served_and_checked_on_every_visit(client, model_dir):
    response = client.get("/private/model/manifest.json")
    assert response.status_code == 200
    assert response.json()["sha256"] == sha(model_dir)
    assert response["Cache-Control"] == "no-cache"
    assert response["ETag"] == f'"{sha(model_dir)}"'
    again = client.get("/private/model/manifest.json", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_model_is_served_and_cached_for_good_under_its_checksum(client, model_dir):
    response = client.get(f"/private/model/unet-2stems.onnx?sha256={sha(model_dir)}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == MODEL_BYTES
    assert response["Content-Length"] == str(len(MODEL_BYTES))
    assert response["ETag"] == f'"{sha(model_dir)}"'
    assert "immutable" in response["Cache-Control"]
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    plain = client.get("/private/model/unet-2stems.onnx")
    assert plain.status_code == 200 and plain["Cache-Control"] == "no-cache"
    unchanged = client.get("/private/model/unet-2stems.onnx", HTTP_IF_NONE_MATCH=plain["ETag"])
    assert unchanged.status_code == 304


def test_another_checksum_or_file_name_is_not_found(client, model_dir):
    assert client.get("/private/model/unet-2stems.onnx?sha256=0123").status_code == 404
    assert client.get("/private/model/other.onnx").status_code == 404


def test_the_model_files_are_404_with_a_plain_message_until_built(client, no_model):
    for url in ("/private/model/manifest.json", "/private/model/unet-2stems.onnx"):
        response = client.get(url)
        assert response.status_code == 404
        assert response["Content-Type"].startswith("text/plain")
        assert "make private-model" in response.content.decode()


def test_a_manifest_naming_a_file_outside_its_folder_serves_nothing(client, model_dir):
    manifest = json.loads((model_dir / "manifest.json").read_text())
    (model_dir.parent / "secret.onnx").write_bytes(b"secret")
    manifest["file"] = "../secret.onnx"
    (model_dir / "manifest.json").write_text(json.dumps(manifest))
    assert client.get("/private/model/manifest.json").status_code == 404
    assert client.get("/private/model/secret.onnx").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/private/app/../../settings.py",
        "/private/app/%2e%2e/%2e%2e/settings.py",
        "/private/app/..%2f..%2fsettings.py",
        "/private/app//etc/passwd",
        "/private/app/sw.py",
        "/private/model/..%2fmanifest.json",
        "/private/model/%2e%2e",
    ],
)
def test_paths_cannot_leave_the_served_folders(client, model_dir, url):
    response = client.get(url)
    assert response.status_code == 404
    assert b"SECRET_KEY" not in b"".join(getattr(response, "streaming_content", [response.content]))


def test_the_worker_files_carry_the_page_isolation_and_policy(client):
    # A worker runs under the headers of its own script, so they must allow WASM too.
    response = client.get("/private/app/separation.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript"
    assert response["Cross-Origin-Embedder-Policy"] == "require-corp"
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "'wasm-unsafe-eval'" in policy(response)["script-src"]
    # A revalidated copy keeps them: a 304's headers replace the cached ones.
    again = client.get("/private/app/separation.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again["Cross-Origin-Embedder-Policy"] == "require-corp"
    assert policy(again) == policy(response)


def test_the_service_worker_lists_what_it_keeps_and_changes_with_it(client, model_dir, settings):
    response = client.get("/private/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript"
    assert response["Cache-Control"] == "no-cache"
    first_line = response.content.decode().splitlines()[0]
    config = json.loads(first_line.removeprefix("self.STEMWORKS_OFFLINE = ").rstrip(";"))
    assert "/private/" in config["precache"]
    assert "/private/model/manifest.json" in config["precache"]
    assert "/private/app/separator-worker.js" in config["precache"]
    assert "/static/stemworks/player.js" in config["precache"]
    assert not any(url.endswith(".onnx") for url in config["precache"])
    ort = settings.BASE_DIR / "webapp/private/static/private/ort"
    for path in ort.glob("*.wasm"):
        assert f"/private/app/ort/{path.name}" in config["precache"]
    assert len(config["version"]) == 16


def test_private_mode_is_linked_from_the_landing_page_and_the_dashboard(client, db, owner):
    assert 'href="/private/"' in client.get("/").content.decode()
    signed_in = Client()
    signed_in.force_login(owner)
    assert 'href="/private/"' in signed_in.get("/dashboard/").content.decode()
