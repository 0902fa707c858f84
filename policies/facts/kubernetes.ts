/** Kubernetes conventions the program follows and the pack checks. */

/** Annotation by which a workload declares it needs its service-account token, with the reason. */
export const SA_TOKEN_ANNOTATION = "prism.io/service-account-token";
