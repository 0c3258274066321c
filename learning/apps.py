from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "Learning"

    def ready(self):
        # The signals keep the stored weekly figures in step with the writes that change them;
        # the tasks module registers their nightly fill wherever the Celery app is loaded.
        from . import signals, tasks  # noqa: F401
