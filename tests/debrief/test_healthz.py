"""/healthz: what load balancers and the container healthcheck ask."""

UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def test_it_reports_ok_without_login(client, db, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok"}}


def test_it_is_never_cached(client, db, settings):
    settings.REDIS_URL = ""

    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]


def test_it_reports_an_unreachable_redis(client, db, settings):
    settings.REDIS_URL = UNREACHABLE_REDIS
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": UNREACHABLE_REDIS,
        }
    }

    response = client.get("/healthz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"].startswith("error")


def test_it_rejects_post(client, db):
    response = client.post("/healthz")

    assert response.status_code == 405
