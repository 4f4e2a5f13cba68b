#!/usr/bin/env bash
# Creates the etcd user of one Kafka cluster: a role with readwrite on the
# cluster's namespace prefix only ("<namespace>/", every key kafka-etcd writes
# for it), and a user holding that role. With --enable-auth it first creates
# etcd's root user and turns authentication on (once per etcd cluster).
# A cluster's user then cannot read, write, watch or delete another cluster's
# znodes. Talks to etcd's JSON gateway with curl (etcdctl is not needed; the
# etcdctl equivalent of each step is in the comments).
#
# usage: scripts/etcd-cluster-user.sh --endpoint https://127.0.0.1:2379 --namespace NS \
#          --user NAME --password-file FILE --root-password-file FILE \
#          [--cacert ca.crt --cert client.crt --key client.key] [--enable-auth]
#
# Passwords are read from files, never from the command line, and never printed.
# With etcd's --client-cert-auth, --cert must be a certificate WITHOUT a CN:
# once auth is on, etcd refuses gateway requests from CN certificates
# (scripts/lib/etcd-cluster.sh: etcd_tls_make_certs DIR gateway makes one).
# The namespace is the adapter's kafkaetcd.namespace (default "zk"); clusters
# sharing one etcd need different namespaces (chroots alone share a prefix).
set -euo pipefail

ENDPOINT="" NS="" USER_NAME="" PW_FILE="" ROOT_PW_FILE="" ENABLE=0
CURL_TLS=()
while (($#)); do
  case "$1" in
    --endpoint) ENDPOINT="$2"; shift ;;
    --namespace) NS="$2"; shift ;;
    --user) USER_NAME="$2"; shift ;;
    --password-file) PW_FILE="$2"; shift ;;
    --root-password-file) ROOT_PW_FILE="$2"; shift ;;
    --cacert) CURL_TLS+=(--cacert "$2"); shift ;;
    --cert) CURL_TLS+=(--cert "$2"); shift ;;
    --key) CURL_TLS+=(--key "$2"); shift ;;
    --enable-auth) ENABLE=1 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "unknown argument: $1 (try --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ -n "$ENDPOINT" && -n "$NS" && -n "$USER_NAME" && -n "$PW_FILE" && -n "$ROOT_PW_FILE" ]] \
  || { echo "missing arguments (try --help)" >&2; exit 2; }
[[ "$NS" != */* && "$NS" != "" ]] || { echo "namespace must not contain '/'" >&2; exit 2; }
command -v curl >/dev/null && command -v python3 >/dev/null || { echo "needs curl and python3" >&2; exit 1; }

# JSON string of a secret file's content (stdin of curl: never on a command line)
json_secret() { python3 -c 'import json,sys; s=open(sys.argv[1]).read(); print(json.dumps(s[:-1] if s.endswith("\n") else s), end="")' "$1"; }
b64() { printf '%s' "$1" | base64 -w0; }

TOKEN=""
# call PATH JSON: POST to the gateway; "already exists" answers are fine (re-runs)
call() {
  local out
  out="$(curl -sS --max-time 10 "${CURL_TLS[@]}" ${TOKEN:+-H "Authorization: $TOKEN"} \
    -H 'Content-Type: application/json' --data-binary @- "$ENDPOINT$1" <<<"$2")" || { echo "$1: curl failed" >&2; return 1; }
  if grep -q '"error"\|"code"' <<<"$out" && ! grep -q 'already exists\|already enabled' <<<"$out"; then
    echo "$1: $(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("message", sys.argv[1]))' "$out")" >&2
    return 1
  fi
}

ROLE="kafka-$NS"
if (( ENABLE )); then
  # etcdctl user add root; etcdctl user grant-role root root; etcdctl auth enable
  call /v3/auth/user/add "{\"name\":\"root\",\"password\":$(json_secret "$ROOT_PW_FILE")}"
  call /v3/auth/user/grant "{\"user\":\"root\",\"role\":\"root\"}"
  call /v3/auth/enable "{}"
fi
# Log in as root: etcd answers a token for the next calls.
TOKEN="$(curl -sS --max-time 10 "${CURL_TLS[@]}" -H 'Content-Type: application/json' --data-binary @- \
  "$ENDPOINT/v3/auth/authenticate" <<<"{\"name\":\"root\",\"password\":$(json_secret "$ROOT_PW_FILE")}" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin).get("token",""))')"
[[ -n "$TOKEN" ]] || { echo "etcd refused the root password (is auth enabled? try --enable-auth)" >&2; exit 1; }

# etcdctl role add kafka-NS; etcdctl role grant-permission kafka-NS --prefix=true readwrite NS/
call /v3/auth/role/add "{\"name\":\"$ROLE\"}"
# "NS/" to "NS0" ('0' follows '/'): exactly the keys with prefix NS/
call /v3/auth/role/grant "{\"name\":\"$ROLE\",\"perm\":{\"permType\":\"READWRITE\",\"key\":\"$(b64 "$NS/")\",\"range_end\":\"$(b64 "${NS}0")\"}}"
# etcdctl user add USER; etcdctl user grant-role USER kafka-NS
call /v3/auth/user/add "{\"name\":\"$USER_NAME\",\"password\":$(json_secret "$PW_FILE")}"
call /v3/auth/user/grant "{\"user\":\"$USER_NAME\",\"role\":\"$ROLE\"}"
echo "etcd user $USER_NAME: readwrite on prefix '$NS/' (role $ROLE)"
