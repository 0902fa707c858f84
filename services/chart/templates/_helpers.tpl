{{/* Labels every object of the service carries. */}}
{{- define "prism-service.labels" -}}
{{ include "prism-service.selectorLabels" . }}
app.kubernetes.io/part-of: prism
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
prism.io/environment: {{ .Values.environment }}
{{- end }}

{{/* Pod template labels. */}}
{{- define "prism-service.podLabels" -}}
{{ include "prism-service.selectorLabels" . }}
app.kubernetes.io/part-of: prism
prism.io/environment: {{ .Values.environment }}
{{- end }}

{{/* The pod selector: the service name, as NetworkPolicies and OpenBao's policies expect. */}}
{{- define "prism-service.selectorLabels" -}}
app.kubernetes.io/name: {{ .Values.name }}
{{- end }}

{{/*
The container image: repository:tag, repository:tag@sha256:... once Image Updater pins a digest,
or repository@sha256:... when the tag value is a bare digest.
*/}}
{{- define "prism-service.image" -}}
{{- if hasPrefix "sha256:" .Values.image.tag -}}
{{ printf "%s@%s" .Values.image.repository .Values.image.tag }}
{{- else -}}
{{ printf "%s:%s" .Values.image.repository .Values.image.tag }}
{{- end -}}
{{- end }}

{{/* One NetworkPolicy peer: pods (podSelector, {} for all) in a namespace. */}}
{{- define "prism-service.peer" -}}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ .namespace }}
  podSelector:
    {{- if or .podSelector.matchLabels .podSelector.matchExpressions }}
    {{- toYaml .podSelector | nindent 4 }}
    {{- else }} {}
    {{- end }}
{{- end }}

{{/* The Rollout's reference to the service's AnalysisTemplate, measuring the newest ReplicaSet. */}}
{{- define "prism-service.analysisRef" -}}
templates:
  - templateName: {{ .Values.name }}-health
args:
  - name: canary-hash
    valueFrom:
      podTemplateHashValue: Latest
{{- end }}

{{/*
"true" when Argo Rollouts weights the route's requests through a TraefikService: a canary with
steps, of a service with a route, with traefikRouting on. Empty otherwise.
*/}}
{{- define "prism-service.weightedRoute" -}}
{{- if and (eq .Values.rollout.strategy "canary") .Values.rollout.steps .Values.rollout.traefikRouting .Values.route -}}
true
{{- end -}}
{{- end }}
