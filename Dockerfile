# ClientFirst: one image for web (gunicorn), the Celery worker, beat and migrations.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings.base

WORKDIR /app

# Dependencies before the code, so a code change reuses this layer. Production pins only:
# requirements-dev.lock (pytest, Playwright, ruff, ...) stays out of the image.
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock && pip check

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin app

COPY . .

# DEBUG is off, so settings insist on a SECRET_KEY: a dummy one for this step only, never part
# of the image's environment. var/ is where the app may write (the code stays read-only).
RUN SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && mkdir -p var/uploads \
    && chown -R app:app var

USER app

EXPOSE 8000

# Worker and beat override the command (see docker-compose.yml); so no HEALTHCHECK here, which
# they would inherit: the web's lives in docker-compose.yml.
CMD ["gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi:application"]
