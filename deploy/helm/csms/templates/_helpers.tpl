{{/* ---------------------------------------------------------------- names and labels */}}

{{- define "csms.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* <release>-<chart>, or the release name alone when it already contains the chart name. */}}
{{- define "csms.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The name of one component's objects: (dict "root" $ "component" "gateway") */}}
{{- define "csms.componentName" -}}
{{- printf "%s-%s" (include "csms.fullname" .root) .component | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "csms.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels of every object: (dict "root" $ "component" "gateway") */}}
{{- define "csms.labels" -}}
helm.sh/chart: {{ include "csms.chart" .root }}
{{ include "csms.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/part-of: csms
{{- with .root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "csms.selectorLabels" -}}
app.kubernetes.io/name: {{ include "csms.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* ---------------------------------------------------------------- images */}}

{{/* A service image: (dict "root" $ "service" "gateway" "digestKey" "gateway") */}}
{{- define "csms.image" -}}
{{- $digest := index .root.Values.image.digests .digestKey -}}
{{- if $digest -}}
{{- printf "%s/%s@%s" .root.Values.image.registry .service $digest -}}
{{- else -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .service (default .root.Chart.AppVersion .root.Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* A third-party image: (dict "repository" … "tag" … "digest" …) */}}
{{- define "csms.thirdPartyImage" -}}
{{- if .digest -}}
{{- printf "%s@%s" .repository .digest -}}
{{- else -}}
{{- printf "%s:%s" .repository .tag -}}
{{- end -}}
{{- end -}}


{{- define "csms.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "csms.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- secrets */}}

{{- define "csms.apiTokenSecretName" -}}
{{- default (printf "%s-api-token" (include "csms.fullname" .)) .Values.apiToken.existingSecret -}}
{{- end -}}

{{- define "csms.mqttSecretName" -}}
{{- default (printf "%s-mqtt" (include "csms.fullname" .)) .Values.mqtt.existingSecret -}}
{{- end -}}

{{- define "csms.emqxSecretName" -}}
{{- default (printf "%s-emqx" (include "csms.fullname" .)) .Values.emqx.existingSecret -}}
{{- end -}}

{{- define "csms.redisSecretName" -}}
{{- default (printf "%s-redis" (include "csms.fullname" .)) .Values.redis.existingSecret -}}
{{- end -}}

{{/*
A generated secret value, base64-encoded: the value already stored in the cluster when the Secret exists (so
upgrades keep it), else a new random one. (dict "root" $ "name" secretName "key" key "length" n)
*/}}
{{- define "csms.generatedSecretValue" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace .name -}}
{{- if and $existing $existing.data (hasKey $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randAlphaNum (int .length) | b64enc -}}
{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- broker and Redis addresses */}}

{{- define "csms.emqxHost" -}}
{{- printf "%s-emqx.%s.svc" (include "csms.fullname" .) .Release.Namespace -}}
{{- end -}}

{{- define "csms.mqttUrl" -}}
{{- if .Values.emqx.enabled -}}
{{- if .Values.emqx.listeners.ssl.enabled -}}
{{- printf "mqtts://%s:%d" (include "csms.emqxHost" .) (int .Values.emqx.listeners.ssl.port) -}}
{{- else if .Values.emqx.listeners.tcp.enabled -}}
{{- printf "mqtt://%s:%d" (include "csms.emqxHost" .) (int .Values.emqx.listeners.tcp.port) -}}
{{- else -}}
{{- fail "emqx: enable emqx.listeners.tcp or emqx.listeners.ssl" -}}
{{- end -}}
{{- else -}}
{{- required "externalBroker.url is required when emqx.enabled is false" .Values.externalBroker.url -}}
{{- end -}}
{{- end -}}

{{/* The Secret and key of the CA the services trust for mqtts://, empty when none is mounted. */}}
{{- define "csms.caSecret" -}}
{{- if .Values.mqtt.tls.caSecret -}}
{{- .Values.mqtt.tls.caSecret -}}
{{- else if and .Values.emqx.enabled .Values.emqx.listeners.ssl.enabled -}}
{{- .Values.emqx.listeners.ssl.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "csms.caSecretKey" -}}
{{- if .Values.mqtt.tls.caSecret -}}{{ .Values.mqtt.tls.caSecretKey }}{{- else -}}ca.crt{{- end -}}
{{- end -}}

{{/* ---------------------------------------------------------------- pod parts */}}

{{/*
Environment shared by the four services: broker address and credentials, log level, the broker's CA.
(dict "root" $ "user" username "passwordKey" "gateway-password")
*/}}
{{- define "csms.mqttEnv" -}}
- name: MQTT_URL
  value: {{ include "csms.mqttUrl" .root | quote }}
- name: MQTT_USERNAME
  value: {{ .user | quote }}
- name: MQTT_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ include "csms.mqttSecretName" .root }}
      key: {{ .passwordKey }}
- name: MQTT_KEEPALIVE
  value: {{ .root.Values.mqtt.keepalive | quote }}
- name: LOG_LEVEL
  value: {{ .root.Values.logLevel | quote }}
{{- if include "csms.caSecret" .root }}
- name: MQTT_CA_FILE
  value: /etc/csms/broker-ca/ca.crt
{{- end }}
{{- end -}}

{{- define "csms.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if include "csms.caSecret" . }}
- name: broker-ca
  mountPath: /etc/csms/broker-ca
  readOnly: true
{{- end }}
{{- end -}}

{{- define "csms.volumes" -}}
- name: tmp
  emptyDir:
    medium: Memory
    sizeLimit: 64Mi
{{- if include "csms.caSecret" . }}
- name: broker-ca
  secret:
    secretName: {{ include "csms.caSecret" . }}
    items:
      - key: {{ include "csms.caSecretKey" . }}
        path: ca.crt
{{- end }}
{{- end -}}

{{/* Probes on the admin port: liveness /healthz, readiness /readyz (broker connection). (dict "port" name) */}}
{{- define "csms.probes" -}}
livenessProbe:
  httpGet:
    path: /healthz
    port: {{ .port }}
  initialDelaySeconds: 10
  periodSeconds: 10
  timeoutSeconds: 3
  failureThreshold: 6
readinessProbe:
  httpGet:
    path: /readyz
    port: {{ .port }}
  initialDelaySeconds: 2
  periodSeconds: 5
  timeoutSeconds: 3
  failureThreshold: 3
{{- end -}}

{{/* Scheduling settings of a component: (dict "root" $ "values" .Values.gateway "component" "gateway") */}}
{{- define "csms.scheduling" -}}
{{- with .values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "csms.selectorLabels" (dict "root" .root "component" .component) | nindent 8 }}
{{- end -}}

{{/* The ServiceMonitor of one component: (dict "root" $ "component" "gateway" "port" "metrics" "path" "/metrics") */}}
{{- define "csms.serviceMonitor" -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "csms.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "csms.labels" . | nindent 4 }}
    {{- with .root.Values.metrics.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  namespaceSelector:
    matchNames:
      - {{ .root.Release.Namespace }}
  selector:
    matchLabels:
      {{- include "csms.selectorLabels" . | nindent 6 }}
      csms.io/metrics: "true"
  endpoints:
    - port: {{ .port }}
      path: {{ .path }}
      interval: {{ .root.Values.metrics.serviceMonitor.interval }}
{{- end -}}

{{/* A PodDisruptionBudget: (dict "root" $ "component" "gateway" "pdb" .Values.gateway.pdb) */}}
{{- define "csms.pdb" -}}
{{- if .pdb.enabled }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "csms.componentName" . }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "csms.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .pdb.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "csms.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/*
checkov findings this chart accepts, with the reason, as checkov.io/skipN annotations of the workload (checkov
reports them as skipped; deploy/checkov.yaml has no global skips).
(dict "digest" imageDigest "pullPolicy" policy "digestValue" "image.digests.gateway" "extra" (list "CKV_K8S_40=…"))
*/}}
{{- define "csms.checkovSkips" -}}
{{- $skips := list (default "CKV_K8S_35=every setting, credentials included, is read from environment variables (the services have no file-based secret loading); the values come from Secrets via secretKeyRef" .secretEnvReason) -}}
{{- if not .digest -}}
{{- $skips = append $skips (printf "CKV_K8S_43=the image is pinned by an exact tag; set %s to pin it by digest" .digestValue) -}}
{{- end -}}
{{- if ne .pullPolicy "Always" -}}
{{- $skips = append $skips "CKV_K8S_15=tags are pinned (or digests set), so IfNotPresent pulls nothing unexpected; set the pullPolicy value to Always on nodes shared with untrusted tenants" -}}
{{- end -}}
{{- range .extra }}{{ $skips = append $skips . }}{{ end -}}
{{- range $index, $skip := $skips }}
checkov.io/skip{{ add1 $index }}: {{ $skip | quote }}
{{- end }}
{{- end -}}
