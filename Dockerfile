# The portal's one image: web (gunicorn), worker (celery worker) and beat (celery beat).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# Pango, HarfBuzz and fonts for WeasyPrint (proposal PDFs, award letters).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core shared-mime-info \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 portal

WORKDIR /app
COPY . .
RUN pip install . \
    && DJANGO_SETTINGS_MODULE=portal.settings.production \
       SECRET_KEY=collectstatic-only ALLOWED_HOSTS=localhost DATABASE_URL=sqlite:////tmp/build.db \
       python manage.py collectstatic --noinput \
    && mkdir -p var/media \
    && chown -R portal:portal var

USER portal
ENV DJANGO_SETTINGS_MODULE=portal.settings.production
EXPOSE 8000
# Workers, binding and garbage-collection tuning: gunicorn.conf.py.
CMD ["gunicorn", "-c", "gunicorn.conf.py"]
