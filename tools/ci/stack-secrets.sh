#!/usr/bin/env bash
# Selects the stack and sets its secret config from the environment (GitHub Environment secrets),
# so no secret is ever committed. Required secrets fail loudly when missing; optional ones are set
# only when present. Usage: tools/ci/stack-secrets.sh <stack>
set -euo pipefail
stack="${1:?usage: tools/ci/stack-secrets.sh <stack>}"
pulumi stack select "$stack"

set_secret() {
  local key="$1" value="$2" need="$3"
  if [ -n "$value" ]; then
    printf '%s' "$value" | pulumi config set --secret "$key"
  elif [ "$need" = required ]; then
    echo "::error::the environment has no secret for $key"
    exit 1
  fi
}

set_secret digitaloceanToken "${DIGITALOCEAN_TOKEN:-}" required
set_secret veleroDigitaloceanToken "${VELERO_DIGITALOCEAN_TOKEN:-}" required
set_secret spacesAccessKeyId "${SPACES_ACCESS_KEY_ID:-}" required
set_secret spacesSecretKey "${SPACES_SECRET_KEY:-}" required
set_secret cloudflareApiToken "${CLOUDFLARE_API_TOKEN:-}" required
# Only a stack with gcpServiceAccountKeys: allowed reads it; keyless, External Secrets federates.
set_secret externalSecretsGcpCredentials "${EXTERNAL_SECRETS_GCP_CREDENTIALS:-}" optional
set_secret alertmanagerSlackWebhookUrl "${ALERTMANAGER_SLACK_WEBHOOK_URL:-}" required
set_secret openbaoToken "${OPENBAO_TOKEN:-}" optional
