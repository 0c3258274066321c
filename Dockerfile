# syntax=docker/dockerfile:1
# Debrief's production image. The web server (gunicorn), the Celery worker and Celery beat all
# run from it; docker-compose.yml says which runs where.
FROM python:3.12-slim

# The app runs from its source tree in /app, because templates/, static/ and manage.py live
# beside the packages; PYTHONPATH puts that tree ahead of the copy in site-packages.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=debrief.settings \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

# A fixed, unprivileged user; its home holds gunicorn's control socket.
RUN groupadd --system --gid 10001 debrief \
    && useradd --system --uid 10001 --gid debrief --create-home --home-dir /home/debrief debrief

WORKDIR /app
COPY . .

# The pinned dependencies from pyproject.toml, without the dev extras. The cache mount keeps
# downloaded wheels between builds without storing them in the image.
RUN --mount=type=cache,target=/root/.cache/pip pip install . \
    && rm -rf build ./*.egg-info

# Hashed, compressed static files for WhiteNoise. The key only satisfies settings.py during the
# build; running containers get the real SECRET_KEY from their environment.
RUN DEBUG=0 SECRET_KEY=build-time-only-not-a-secret python manage.py collectstatic --noinput \
    && python -m compileall -q debrief incidents postmortems learning

# Everything above stays owned by root, so the running app cannot rewrite its own code.
USER debrief

EXPOSE 8000
CMD ["gunicorn", "debrief.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
