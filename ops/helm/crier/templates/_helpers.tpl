{{- define "crier.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "crier.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "crier.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Every pod of the StatefulSet, by its stable name under the headless service. */}}
{{- define "crier.seedNodes" -}}
{{- $name := include "crier.fullname" . -}}
{{- $seeds := list -}}
{{- range $i := until (int .Values.replicaCount) -}}
{{- $seeds = append $seeds (printf "pekko://crier@%s-%d.%s-nodes.%s.svc.cluster.local:%d" $name $i $name $.Release.Namespace (int $.Values.ports.remoting)) -}}
{{- end -}}
{{- join "," $seeds -}}
{{- end -}}
