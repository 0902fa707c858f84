/**
 * Pulumi's mock monitor, extended to record everything the program asks of the engine for each
 * resource: parent, provider, dependencies and the options that matter for safety — and to name
 * resources with the URNs the real engine gives them (./urn.ts). The mock monitor alone only
 * passes type, name and inputs on to the mocks.
 */
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import {
  deserializeProperties,
  deserializeProperty,
  isRpcSecret,
  serializeProperties,
  unknownValue,
  unwrapRpcSecret,
} from "@pulumi/pulumi/runtime/rpc";
import { isUnknown } from "@pulumi/pulumi/output";
import {
  RegisterResourceResponse,
  type RegisterResourceOutputsRequest,
  type RegisterResourceRequest,
} from "@pulumi/pulumi/proto/resource_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { aliasUrns } from "./aliases";
import { SECRET_MASK, type PlannedResource } from "./plan";
import { defaultProviderUrn, engineUrn } from "./urn";

type Callback = (err: unknown, response?: RegisterResourceResponse) => void;

/**
 * Unwraps secrets, collecting the dotted paths where they were; a value unknown in a preview is
 * recorded as the engine's unknown sentinel, the string the CLI sends analyzers for it.
 */
function unwrapSecrets(value: unknown, path: string, secrets: string[]): unknown {
  if (isUnknown(value)) return unknownValue;
  if (isRpcSecret(value)) {
    secrets.push(path);
    return unwrapSecrets(unwrapRpcSecret(value), path, []);
  }
  if (Array.isArray(value)) return value.map((v, i) => unwrapSecrets(v, `${path}[${i}]`, secrets));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v, path ? `${path}.${k}` : k, secrets)]),
    );
  }
  return value;
}

/** The `replacementTrigger` option's value as the engine keeps it to diff; a secret stays masked. */
function replacementTrigger(req: RegisterResourceRequest): unknown {
  if (!req.hasReplacementTrigger()) return undefined;
  const value: unknown = deserializeProperty(req.getReplacementTrigger()?.toJavaScript());
  const secrets: string[] = [];
  const plain = unwrapSecrets(value, "", secrets);
  return secrets.length > 0 ? SECRET_MASK : plain;
}

function providerUrn(ref: string): string | undefined {
  // A provider reference is "<urn>::<id>"; URNs themselves contain "::".
  if (!ref) return undefined;
  const cut = ref.lastIndexOf("::");
  return cut > 0 ? ref.slice(0, cut) : ref;
}

export class RecordingMonitor extends MockMonitor {
  readonly recorded: PlannedResource[] = [];
  /** Outputs registered by component resources (the stack's are the stack outputs), by URN. */
  readonly registeredOutputs = new Map<string, { outputs: Record<string, unknown>; secretPaths: string[] }>();

  override registerResourceOutputs(
    req: RegisterResourceOutputsRequest,
    callback: (err: unknown, response?: unknown) => void,
  ): void {
    const struct = req.getOutputs();
    const secretPaths: string[] = [];
    const outputs = struct ? unwrapSecrets(deserializeProperties(struct), "", secretPaths) : {};
    this.registeredOutputs.set(req.getUrn(), { outputs: outputs as Record<string, unknown>, secretPaths });
    super.registerResourceOutputs(req, callback);
  }

  override async registerResource(req: RegisterResourceRequest, callback: Callback): Promise<void> {
    const object = req.getObject();
    const secretPaths: string[] = [];
    const inputs = object ? unwrapSecrets(deserializeProperties(object), "", secretPaths) : {};
    const propertyDependencies: Record<string, string[]> = {};
    req.getPropertydependenciesMap().forEach((deps, key) => {
      propertyDependencies[key] = deps.getUrnsList();
    });
    const implied = new Set(Object.values(propertyDependencies).flat());
    const dependencies = req.getDependenciesList();
    const timeouts = req.getCustomtimeouts();
    const trigger = replacementTrigger(req);

    return this.register(req, (err: unknown, response?: RegisterResourceResponse) => {
      if (!err && response) {
        const outputs = response.getObject();
        this.recorded.push({
          urn: response.getUrn(),
          type: req.getType(),
          name: req.getName(),
          custom: req.getCustom(),
          id: response.getId() || undefined,
          parent: req.getParent() || undefined,
          provider: providerUrn(req.getProvider()),
          defaultProvider:
            req.getCustom() && !req.getProvider() && !req.getType().startsWith("pulumi:providers:")
              ? defaultProviderUrn(pulumi.getStack(), pulumi.getProject(), req.getType(), req.getVersion())
              : undefined,
          inputs: inputs as Record<string, unknown>,
          secretPaths,
          outputs: outputs
            ? (unwrapSecrets(deserializeProperties(outputs), "", []) as Record<string, unknown>)
            : {},
          dependencies,
          propertyDependencies,
          options: {
            protect: req.getProtect() ?? false,
            retainOnDelete: req.getRetainondelete() ?? false,
            deleteBeforeReplace: req.getDeletebeforereplace(),
            ignoreChanges: req.getIgnorechangesList(),
            replaceOnChanges: req.getReplaceonchangesList(),
            ...(trigger === undefined ? {} : { replacementTrigger: trigger }),
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            dependsOn: dependencies.filter((d) => !implied.has(d)),
            deletedWith: req.getDeletedwith() || undefined,
            aliases: aliasUrns(req, response.getUrn()),
            customTimeouts:
              timeouts && (timeouts.getCreate() || timeouts.getUpdate() || timeouts.getDelete())
                ? {
                    create: timeouts.getCreate() || undefined,
                    update: timeouts.getUpdate() || undefined,
                    delete: timeouts.getDelete() || undefined,
                  }
                : undefined,
          },
        });
      }
      callback(err, response);
    });
  }

  /** MockMonitor.registerResource, but with the engine's URN. */
  private async register(req: RegisterResourceRequest, callback: Callback): Promise<void> {
    try {
      const object = req.getObject();
      const result = await this.mocks.newResource({
        type: req.getType(),
        name: req.getName(),
        inputs: object ? deserializeProperties(object) : {},
        provider: req.getProvider(),
        custom: req.getCustom(),
        id: req.getImportid(),
      });
      const urn = engineUrn(
        pulumi.getStack(),
        pulumi.getProject(),
        req.getParent(),
        req.getType(),
        req.getName(),
      );
      const state = await serializeProperties("", result.state);
      this.resources.set(urn, { urn, id: result.id ?? null, state });
      const response = new RegisterResourceResponse();
      response.setUrn(urn);
      response.setId(result.id || "");
      response.setObject(Struct.fromJavaScript(state));
      callback(null, response);
    } catch (err) {
      callback(err);
    }
  }
}
