/**
 * Alertmanager's configuration (alertmanager.yaml), built from the stack's receivers. It holds no
 * secret: the Slack webhook URL is read from a file Alertmanager mounts from its own Secret
 * (`api_url_file`). A receiver that cannot work with the given config — email without an SMTP
 * relay, Slack without the webhook secret — stops the program with the key to set.
 */

/** Where alerts go (prism:observability.alertmanager). */
export interface AlertmanagerSettings {
  /** A Slack receiver reads its webhook URL from the alertmanagerSlackWebhookUrl secret. */
  receivers: ({ type: "email"; to: string[] } | { type: "slack"; channel: string })[];
  /** "host:port" of the SMTP relay; required by an email receiver, as is smtpFrom. */
  smtpSmarthost?: string;
  smtpFrom?: string;
}

/** Name of the Secret with the Slack webhook URL; Alertmanager mounts it under /etc/alertmanager/secrets/. */
export const SLACK_WEBHOOK_SECRET = "alertmanager-slack-webhook";
export const SLACK_WEBHOOK_KEY = "url";
export const SLACK_WEBHOOK_FILE = `/etc/alertmanager/secrets/${SLACK_WEBHOOK_SECRET}/${SLACK_WEBHOOK_KEY}`;

/** Pairs of rules (alertRules.ts) where the graver one makes the milder one noise. */
export const INHIBITIONS = [
  {
    source_matchers: ['alertname = "PrismServiceCriticalErrorRate"'],
    target_matchers: ['alertname = "PrismServiceHighErrorRate"'],
    equal: ["component"],
  },
  {
    source_matchers: ['alertname = "PersistentVolumeAlmostFull"'],
    target_matchers: ['alertname = "PersistentVolumeFillingUp"'],
    equal: ["namespace", "persistentvolumeclaim"],
  },
];

/** The receiver every alert goes to, and the one that drops the always-firing Watchdog. */
const PRISM_RECEIVER = "prism-operators";
const NULL_RECEIVER = "null";

interface EmailConfig {
  to: string;
  send_resolved: boolean;
}

interface SlackConfig {
  channel: string;
  api_url_file: string;
  send_resolved: boolean;
  title: string;
  text: string;
}

export interface AlertmanagerConfigFile {
  global: {
    resolve_timeout: string;
    smtp_smarthost?: string;
    smtp_from?: string;
    smtp_require_tls?: boolean;
  };
  route: {
    receiver: string;
    group_by: string[];
    group_wait: string;
    group_interval: string;
    repeat_interval: string;
    routes: { receiver: string; matchers: string[]; repeat_interval?: string }[];
  };
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[];
  receivers: { name: string; email_configs?: EmailConfig[]; slack_configs?: SlackConfig[] }[];
}

/**
 * The configuration for these receivers. stacks/config.ts has already refused receivers that
 * cannot work (email without SMTP, Slack without its webhook secret) before anything registered.
 */
export function alertmanagerConfig(settings: AlertmanagerSettings): AlertmanagerConfigFile {
  const emails = settings.receivers.flatMap((r) => (r.type === "email" ? r.to : []));
  const channels = settings.receivers.flatMap((r) => (r.type === "slack" ? [r.channel] : []));

  return {
    global: {
      resolve_timeout: "5m",
      ...(emails.length > 0
        ? { smtp_smarthost: settings.smtpSmarthost, smtp_from: settings.smtpFrom, smtp_require_tls: true }
        : {}),
    },
    route: {
      receiver: PRISM_RECEIVER,
      group_by: ["alertname", "namespace", "component"],
      group_wait: "30s",
      group_interval: "5m",
      repeat_interval: "12h",
      routes: [
        // kube-prometheus-stack's dead man's switch fires forever by design; nobody needs the mail.
        { receiver: NULL_RECEIVER, matchers: ['alertname = "Watchdog"'] },
        { receiver: NULL_RECEIVER, matchers: ['alertname = "InfoInhibitor"'] },
        // Pages repeat sooner than warnings while unresolved.
        { receiver: PRISM_RECEIVER, matchers: ['severity = "critical"'], repeat_interval: "4h" },
      ],
    },
    inhibit_rules: [
      ...INHIBITIONS,
      // Otherwise a critical alert silences the warning of the same name in its namespace.
      {
        source_matchers: ['severity = "critical"'],
        target_matchers: ['severity = "warning"'],
        equal: ["namespace", "alertname"],
      },
    ],
    receivers: [
      { name: NULL_RECEIVER },
      {
        name: PRISM_RECEIVER,
        ...(emails.length > 0 ? { email_configs: emails.map((to) => ({ to, send_resolved: true })) } : {}),
        ...(channels.length > 0
          ? {
              slack_configs: channels.map((channel) => ({
                channel,
                api_url_file: SLACK_WEBHOOK_FILE,
                send_resolved: true,
                title:
                  "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.severity }})",
                text: "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.description }}\n{{ end }}",
              })),
            }
          : {}),
      },
    ],
  };
}
