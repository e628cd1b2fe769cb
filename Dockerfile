# The bot in a container: `docker build -t hocai . && docker run -v hocai-data:/data --env-file .env hocai`
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/hocai.db

RUN useradd --create-home --uid 10001 hocai && mkdir /data && chown hocai /data
WORKDIR /app

# Dependencies first, in their own layer, so that a code change does not reinstall them: exactly
# the lock file's versions, checked against its hashes (`make lock` writes it).
COPY requirements.lock ./
RUN pip install --require-hashes -r requirements.lock

COPY pyproject.toml README.md ./
COPY bot ./bot
COPY lessons ./lessons
COPY scoring ./scoring
RUN pip install --no-deps .

USER hocai
VOLUME ["/data"]
# Zalo webhooks (Bot Platform and Official Account) listen here when configured.
EXPOSE 8080
CMD ["hocai", "run"]
