# simservice images, two targets from one file:
#   docker build --target gpu -t simservice:gpu .    TensorFlow's CUDA build (tensorflow[and-cuda])
#   docker build --target cpu -t simservice:cpu .    tensorflow-cpu (also the default target)
# A build stage installs simservice with docker/install.sh (pip install ".[cpu]" or ".[gpu]",
# the pins of pyproject.toml, non-editable, no test extra) into /opt/venv; the runtime stage
# copies only that venv and the shipped demo model, and runs as a non-root user.
# The CUDA build of TensorFlow brings CUDA and cuDNN as pip wheels, so the GPU image needs no
# CUDA base image, only the host's NVIDIA driver through the NVIDIA container toolkit.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY simservice ./simservice
COPY docker/install.sh ./docker/install.sh

FROM build AS venv-cpu
RUN --mount=type=cache,target=/root/.cache/pip docker/install.sh cpu /opt/venv

FROM build AS venv-gpu
RUN --mount=type=cache,target=/root/.cache/pip docker/install.sh gpu /opt/venv

FROM ${PYTHON_IMAGE} AS runtime
# Flags given to `simservice serve` would override these, so the command passes none.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    SIMSERVICE_MODEL=/app/models/demo \
    SIMSERVICE_INDEX=faiss:///data \
    SIMSERVICE_HOST=0.0.0.0 \
    SIMSERVICE_PORT=8000
# Root-owned and made world-readable whatever the checkout's modes, so the service can read
# but not change the shipped model; /app/models itself is the service's, for downloads.
COPY models/demo /app/models/demo
COPY docker/healthcheck.py /app/healthcheck.py
RUN groupadd --system --gid 10001 simservice \
    && useradd --system --uid 10001 --gid simservice --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin simservice \
    && chmod -R a+rX /app \
    && mkdir -p /data \
    && chown simservice:simservice /app/models /data
WORKDIR /app
VOLUME ["/app/models", "/data"]
EXPOSE 8000
USER 10001:10001
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 CMD ["python", "/app/healthcheck.py"]
ENTRYPOINT ["simservice"]
CMD ["serve"]

FROM runtime AS gpu
COPY --from=venv-gpu /opt/venv /opt/venv
# Take GPU memory as needed instead of the whole card at start.
ENV TF_FORCE_GPU_ALLOW_GROWTH=true

FROM runtime AS cpu
COPY --from=venv-cpu /opt/venv /opt/venv
