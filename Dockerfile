# syntax=docker/dockerfile:1
# One multi-stage file, one target per service:
#   docker build --target gateway      -t csms/gateway .
#   docker build --target ocpp-handler -t csms/ocpp-handler .
#   docker build --target remote-api   -t csms/remote-api .
#   docker build --target shadow       -t csms/shadow .
#   docker build --target notifier     -t csms/notifier .
# (`make images` builds all four.) Every setting comes from the environment (see `<entry point> --help`);
# there is no HEALTHCHECK on purpose: Kubernetes probes /healthz and /readyz.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# ---------------------------------------------------------------------------------------------- build
FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
COPY constraints.txt pyproject.toml README.md ./
COPY libs ./libs
COPY services ./services
# Every dependency at the exact version of constraints.txt (all of them ship wheels, so no compiler is needed);
# the venv is then stripped of its installers so that the runtime stages carry no packaging tools.
RUN python -m venv /opt/csms \
    && /opt/csms/bin/pip install --no-cache-dir --constraint constraints.txt . \
    && /opt/csms/bin/pip uninstall --yes pip \
    && /opt/csms/bin/csms-gateway --help >/dev/null \
    && /opt/csms/bin/csms-ocpp-handler --help >/dev/null \
    && /opt/csms/bin/csms-shadow --help >/dev/null \
    && /opt/csms/bin/csms-remote-api --help >/dev/null

# -------------------------------------------------------------------------------------------- runtime
FROM ${PYTHON_IMAGE} AS runtime
LABEL org.opencontainers.image.title="csms" \
      org.opencontainers.image.description="Self-hosted OCPP charging-station management system" \
      org.opencontainers.image.licenses="Apache-2.0"
RUN groupadd --system --gid 10001 csms \
    && useradd --system --uid 10001 --gid csms --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin csms
COPY --from=build /opt/csms /opt/csms
ENV PATH="/opt/csms/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
WORKDIR /tmp
# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001

# ------------------------------------------------------------------------------------ service targets
FROM runtime AS gateway
# 9000: OCPP WebSocket; 9101: /metrics, /healthz, /readyz
EXPOSE 9000 9101
ENTRYPOINT ["csms-gateway"]

FROM runtime AS ocpp-handler
# 9102: /metrics, /healthz, /readyz
EXPOSE 9102
ENTRYPOINT ["csms-ocpp-handler"]

FROM runtime AS shadow
# 9103: /metrics, /healthz, /readyz
EXPOSE 9103
ENTRYPOINT ["csms-shadow"]

FROM runtime AS notifier
# 9104: /metrics, /healthz, /readyz (webhook deliveries go out over HTTP(S))
EXPOSE 9104
ENTRYPOINT ["csms-notifier"]

# The last stage is the default target. gunicorn (gevent workers) runs inside csms-remote-api.
FROM runtime AS remote-api
# 8080: REST API, /metrics, /healthz, /readyz
EXPOSE 8080
ENTRYPOINT ["csms-remote-api"]
