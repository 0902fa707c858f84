/**
 * Scheduled rotation of generated credentials. Each credential gets its own `time.Rotating` and is
 * tied to it (the provider's `keepers` or `rotateWhenChanged`, else the `replacementTrigger`
 * option), so the first update after the configured days replaces the credential.
 *
 * The overlap is Pulumi's create-before-delete replacement rather than two alternating slots: the
 * engine creates the new credential, updates every consumer that reads it (Kubernetes Secrets,
 * provider settings) in the same update, and deletes the old one only once all of them have moved.
 * Two slots would double every key while each consumer still reads a single Secret key, and a
 * database role has one password anyway. Hence `deleteBeforeReplace: false`, pinned here.
 */
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";

/** How often generated credentials are replaced (the stack's `credentialRotation`). */
export interface CredentialRotationOptions {
  /** Days a credential lives before the next update replaces it. */
  days: number;
}

/** The keeper (or trigger) key that ties a credential to its schedule. */
export const ROTATION_KEEPER = "rotation";

export interface RotationSchedule {
  schedule: time.Rotating;
  /** For `keepers` / `rotateWhenChanged`: changes, so replaces the credential, at each rotation. */
  keepers: { [ROTATION_KEEPER]: pulumi.Output<string> };
  /** For the `replacementTrigger` option of types without keepers (Spaces and AWS access keys). */
  trigger: pulumi.Output<string>;
  /** The options every rotated credential takes. */
  options: { deleteBeforeReplace: false };
}

/**
 * The schedule of the credential `credential` (its resource name): a `time.Rotating` beside it,
 * which the time provider replaces once `days` have passed since it was created.
 */
export function rotationSchedule(
  credential: string,
  rotation: CredentialRotationOptions,
  parent: pulumi.Resource,
): RotationSchedule {
  const schedule = new time.Rotating(`${credential}-rotation`, { rotationDays: rotation.days }, { parent });
  return {
    schedule,
    keepers: { [ROTATION_KEEPER]: schedule.rfc3339 },
    trigger: schedule.rfc3339,
    options: { deleteBeforeReplace: false },
  };
}
