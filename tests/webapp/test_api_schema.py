"""The OpenAPI schema and the interactive docs."""

import yaml


def test_the_schema_documents_every_jobs_endpoint(client, db):
    response = client.get("/api/schema/")

    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert set(schema["paths"]) >= {
        "/api/v1/jobs",
        "/api/v1/jobs/{job_id}",
        "/api/v1/jobs/{job_id}/cancel",
        "/api/v1/jobs/{job_id}/stems/{name}",
        "/api/v1/jobs/{job_id}/download.zip",
        "/api/v1/jobs/{job_id}/result.json",
    }
    listing = schema["paths"]["/api/v1/jobs"]["get"]
    assert {"page", "page_size"} <= {p["name"] for p in listing["parameters"]}
    create = schema["paths"]["/api/v1/jobs"]["post"]
    assert "multipart/form-data" in create["requestBody"]["content"]
    assert {"tokenAuth", "cookieAuth"} <= {k for s in create["security"] for k in s}


def test_the_interactive_docs_page_loads_without_a_cdn(client, db):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    assert b"swagger-ui" in response.content.lower()
    assert b"cdn.jsdelivr" not in response.content


def test_the_health_check_answers_ok(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_the_schema_validates_without_warnings(db):
    from io import StringIO

    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", stdout=StringIO())
