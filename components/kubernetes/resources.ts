/** A container's CPU and memory requests and limits, as Kubernetes quantities ("500m", "1Gi"). */
export interface ContainerResources {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}
