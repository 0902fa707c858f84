#!/usr/bin/env bash
# What a CI job needs to reach the stack's cluster, opened before Pulumi runs and closed after it
# (the close step runs `if: always()`), since GitHub-hosted runners have no fixed address and
# OpenBao's API is reached through a port-forward (prism:pki.openbao.address, default 127.0.0.1:8200).
#
#   tools/ci/cluster-access.sh open <stack> [--admit-runner]
#   tools/ci/cluster-access.sh close <stack>
#
# open: with --admit-runner and the control-plane firewall enabled, adds this runner's address
# (/32) to the stack's allow-list for this run: in the checkout's stack file (never committed), so
# `pulumi up` keeps it if it updates the cluster, and on the cluster through the DigitalOcean API
# when it exists already, so the Kubernetes API answers from the first step. Then, if the cluster
# exists, fetches a kubeconfig with a one-hour token from the API (never the one in state, which
# expires) and opens `kubectl port-forward` to OpenBao in the background; the kubeconfig is deleted
# once the forward is up. close: stops the forward, takes the runner's address off the cluster and
# refreshes the cluster's state, so no later run sees the address.
# Needs DIGITALOCEAN_TOKEN (a token that may update the cluster for --admit-runner) and PULUMI_ACCESS_TOKEN.
set -euo pipefail
mode="${1:?usage: tools/ci/cluster-access.sh open|close <stack> [--admit-runner]}"
stack="${2:?usage: tools/ci/cluster-access.sh open|close <stack> [--admit-runner]}"
admit="${3:-}"
state="${RUNNER_TEMP:?RUNNER_TEMP is not set}/cluster-access-$stack"
api="https://api.digitalocean.com/v2/kubernetes/clusters"
: "${DIGITALOCEAN_TOKEN:?the environment has no DIGITALOCEAN_TOKEN}"

do_api() {
  curl --fail-with-body --silent --show-error --max-time 60 \
    -H "Authorization: Bearer $DIGITALOCEAN_TOKEN" -H "Content-Type: application/json" "$@"
}

cluster_id() {
  do_api "$api?per_page=200" | jq -r --arg name "prism-$stack" '.kubernetes_clusters[] | select(.name == $name) | .id'
}

# Replaces the cluster's allow-list by the given JSON array, keeping the firewall enabled (the
# update takes the cluster's name; fields it is not given stay as they are).
put_allow_list() {
  do_api -X PUT "$api/$1" \
    -d "$(jq -n --arg name "prism-$stack" --argjson addresses "$2" \
      '{name: $name, control_plane_firewall: {enabled: true, allowed_addresses: $addresses}}')" \
    > /dev/null
}

open() {
  mkdir -p "$state"
  chmod 700 "$state"
  pulumi stack select "$stack"
  local id
  id="$(cluster_id)"
  if [ "$admit" = "--admit-runner" ] &&
    [ "$(pulumi config get --path digitalocean.controlPlaneFirewall.enabled 2>/dev/null || echo false)" = "true" ]; then
    local address configured
    address="$(curl --fail --silent --show-error --max-time 30 https://api.ipify.org)/32"
    configured="$(pulumi config get --path digitalocean.controlPlaneFirewall.allowedAddresses)"
    pulumi config set --path "digitalocean.controlPlaneFirewall.allowedAddresses[$(jq length <<< "$configured")]" "$address"
    echo "$address" > "$state/runner-address"
    if [ -n "$id" ]; then
      local current
      current="$(do_api "$api/$id" | jq -c '.kubernetes_cluster.control_plane_firewall.allowed_addresses // []')"
      put_allow_list "$id" "$(jq -c --arg a "$address" '. + [$a] | unique' <<< "$current")"
      echo "admitted $address to the control-plane firewall of prism-$stack for this run"
    fi
  fi
  if [ -z "$id" ]; then
    echo "prism-$stack does not exist yet: nothing to forward (OpenBao is installed by this run)"
    return 0
  fi
  local kubeconfig="$state/kubeconfig"
  (umask 077 && do_api "$api/$id/kubeconfig?expiry_seconds=3600" > "$kubeconfig")
  # Not found and unreachable differ: a missing Service is a cluster before its first full run, an
  # unreachable API (the control-plane firewall, which only deploys open for their runner) is an
  # error here, not a Pulumi failure later against 127.0.0.1:8200.
  local found
  if ! found="$(kubectl --kubeconfig "$kubeconfig" -n openbao get service openbao --ignore-not-found -o name 2> "$state/kubectl.log")"; then
    rm -f "$kubeconfig"
    echo "::error::the Kubernetes API of prism-$stack does not answer this runner: $(cat "$state/kubectl.log")"
    echo "With the control-plane firewall enabled only deploys admit their runner (--admit-runner); run this from an address in the allow-list."
    exit 1
  fi
  if [ -z "$found" ]; then
    echo "OpenBao is not installed yet: nothing to forward"
    rm -f "$kubeconfig"
    return 0
  fi
  nohup kubectl --kubeconfig "$kubeconfig" -n openbao port-forward svc/openbao 8200:8200 \
    > "$state/port-forward.log" 2>&1 &
  echo "$!" > "$state/port-forward.pid"
  for _ in $(seq 1 60); do
    if (exec 3<> /dev/tcp/127.0.0.1/8200) 2> /dev/null; then
      rm -f "$kubeconfig"
      echo "OpenBao forwarded to 127.0.0.1:8200"
      return 0
    fi
    sleep 1
  done
  rm -f "$kubeconfig"
  echo "::error::the port-forward to OpenBao did not open within 60 s"
  cat "$state/port-forward.log"
  exit 1
}

close() {
  if [ -f "$state/port-forward.pid" ]; then
    kill "$(cat "$state/port-forward.pid")" 2> /dev/null || true
  fi
  rm -f "$state/kubeconfig"
  if [ -f "$state/runner-address" ]; then
    local address id
    address="$(cat "$state/runner-address")"
    id="$(cluster_id)"
    if [ -n "$id" ]; then
      local current
      current="$(do_api "$api/$id" | jq -c '.kubernetes_cluster.control_plane_firewall.allowed_addresses // []')"
      put_allow_list "$id" "$(jq -c --arg a "$address" 'map(select(. != $a))' <<< "$current")"
      echo "removed $address from the control-plane firewall of prism-$stack"
      # The run's `up` recorded the runner in the cluster's state; read the cluster back so the next
      # preview and drift check see the allow-list the stack file gives, not a change to undo. Only
      # the cluster: its provider's token does not expire, and nothing here needs the cluster's API,
      # which no longer admits this runner.
      local urn
      urn="$(pulumi stack export | jq -r '.deployment.resources[]? | select(.type == "digitalocean:index/kubernetesCluster:KubernetesCluster") | .urn')"
      if [ -n "$urn" ]; then
        pulumi refresh --yes --skip-preview --target "$urn"
      fi
    fi
  fi
}

case "$mode" in
  open) open ;;
  close) close ;;
  *)
    echo "usage: tools/ci/cluster-access.sh open|close <stack> [--admit-runner]"
    exit 2
    ;;
esac
