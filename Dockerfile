# The bot as a container image (see compose.yaml). The CPU build of torch 2.13.0 goes in
# first (scripts/install-torch.sh), so nothing pulls a multi-GB CUDA build.
FROM python:3.11-slim
WORKDIR /app
COPY scripts/install-torch.sh ./scripts/
RUN PIP_NO_CACHE_DIR=1 ./scripts/install-torch.sh python
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY embeddings ./embeddings
RUN pip install --no-cache-dir . && useradd --create-home bot && mkdir /cache && chown bot /cache
USER bot
ENV CACHE_DIR=/cache
CMD ["python", "-m", "bot", "run"]
