# The bot as a container image (see compose.yaml). torch==2.13.0 goes in first, as in
# scripts/setup.sh, so nothing pulls a multi-GB CUDA build.
FROM python:3.11-slim
WORKDIR /app
RUN pip install --no-cache-dir "torch==2.13.0"
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY embeddings ./embeddings
RUN pip install --no-cache-dir . && useradd --create-home bot && mkdir /cache && chown bot /cache
USER bot
ENV CACHE_DIR=/cache
CMD ["python", "-m", "bot", "run"]
