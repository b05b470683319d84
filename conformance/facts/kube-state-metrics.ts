/**
 * kube-state-metrics v2.11.0 (the release whose compatibility matrix names Kubernetes 1.28, the k3s line of the
 * stack), read at the tag's commit (not mirrored under ../shared/upstream, so no check): the image's user and
 * entrypoint, the example Deployment's probes, the RBAC its informers need, and the metric names the rules
 * and dashboards query (docs/*-metrics.md).
 */
import { factTable } from '../upstream';

export const KSM_FACTS = factTable('kube-state-metrics', {
  kubernetesCompat: {
    fact: 'the README compatibility matrix pairs kube-state-metrics v2.11.0 with Kubernetes v1.28',
    value: { ksm: 'v2.11.0', kubernetes: '1.28' },
    upstream: 'kube-state-metrics',
    path: 'README.md',
  },
  user: {
    fact: 'the image runs as USER nobody (65534 in distroless static) and its ENTRYPOINT passes --port=8080 --telemetry-port=8081',
    value: { uid: 65534, entrypoint: ['/kube-state-metrics', '--port=8080', '--telemetry-port=8081'] },
    upstream: 'kube-state-metrics',
    path: 'Dockerfile',
  },
  ports: {
    fact: "the example Deployment names 8080 http-metrics (the objects' metrics) and 8081 telemetry (its own)",
    value: { 'http-metrics': 8080, telemetry: 8081 },
    upstream: 'kube-state-metrics',
    path: 'examples/standard/deployment.yaml',
  },
  probes: {
    fact: 'the example Deployment probes liveness GET /healthz on 8080 and readiness GET / on 8081',
    value: { liveness: { path: '/healthz', port: 8080 }, readiness: { path: '/', port: 8081 } },
    upstream: 'kube-state-metrics',
    path: 'examples/standard/deployment.yaml',
  },
  resourcesFlag: {
    fact: '--resources is a comma-separated list of the resources to export (plural names); each enabled resource gets an informer of its own',
    value: '--resources',
    upstream: 'kube-state-metrics',
    path: 'docs/cli-arguments.md',
  },
  rbac: {
    fact: 'the example ClusterRole grants list and watch (no get) per exported resource, in these API groups',
    value: { daemonsets: 'apps', deployments: 'apps', statefulsets: 'apps', jobs: 'batch', nodes: '', persistentvolumeclaims: '', pods: '', verbs: ['list', 'watch'] },
    upstream: 'kube-state-metrics',
    path: 'examples/standard/cluster-role.yaml',
  },
  apiAtStart: {
    fact: 'at start-up CreateKubeClient asks the API server for its version (Discovery().ServerVersion()) and returns an error when that fails; RunKubeStateMetrics returns "failed to create client" and main exits 1: without a path to the API server the pod crash-loops',
    value: { call: 'Discovery().ServerVersion()', onError: 'exit 1' },
    upstream: 'kube-state-metrics',
    path: 'pkg/util/utils.go',
  },
  honorLabels: {
    fact: "with honor_labels false, Prometheus renames a scraped label that clashes with a target label to exported_<name>; true keeps the scraped value (kube-state-metrics' namespace, pod, container describe other pods than the target)",
    value: { honor_labels: true, clash: 'exported_' },
    upstream: 'prometheus',
    path: 'docs/configuration/configuration.md',
  },
  metrics: {
    fact: 'metric names of the exported resources that the stack queries (docs/pod-metrics.md, deployment-metrics.md, statefulset-metrics.md, daemonset-metrics.md); kube_pod_container_status_restarts_total is a counter per container that survives restarts',
    value: [
      'kube_daemonset_status_number_unavailable',
      'kube_deployment_status_replicas_unavailable',
      'kube_pod_container_status_restarts_total',
      'kube_pod_container_status_waiting_reason',
      'kube_pod_status_phase',
      'kube_statefulset_replicas',
      'kube_statefulset_status_replicas_ready',
    ],
    upstream: 'kube-state-metrics',
    path: 'docs/pod-metrics.md',
  },
  jobMetrics: {
    fact: 'Job series, labelled namespace and job_name: kube_job_status_start_time and kube_job_status_completion_time (Unix seconds; completion is set by the Job controller on success only), kube_job_failed{condition} (1 on condition="true" when the Job has failed), from the jobs resource (the backup alerts, constructs/backup.ts)',
    value: ['kube_job_failed', 'kube_job_status_completion_time', 'kube_job_status_start_time'],
    upstream: 'kube-state-metrics',
    path: 'internal/store/job.go',
  },
});
