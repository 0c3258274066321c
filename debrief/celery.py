import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "debrief.settings")

app = Celery("debrief")
# Every CELERY_* Django setting configures Celery (see settings.py: eager without a broker).
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="debrief.ping")
def ping() -> str:
    """A round trip through the broker and a worker. CI sends it to a real worker
    (tests/debrief/test_celery_worker.py); /healthz does not, it checks Redis directly."""
    return "pong"
