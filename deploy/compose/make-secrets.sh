#!/usr/bin/env bash
# Writes random Kafka passwords for the SASL compose variant into deploy/compose/secrets/ (ignored by
# git; readable by the owner only): the broker's JAAS file with the admin's PLAIN password, the admin
# client's properties for the setup step, and one SCRAM password per service.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/secrets"
mkdir -p "$dir"
chmod 700 "$dir"
umask 077
random() { python3 -c 'import secrets; print(secrets.token_hex(24))'; }
admin="$(random)"
cat >"$dir/kafka_server_jaas.conf" <<JAAS
KafkaServer {
    org.apache.kafka.common.security.plain.PlainLoginModule required
        username="admin" password="$admin" user_admin="$admin";
    org.apache.kafka.common.security.scram.ScramLoginModule required;
};
JAAS
cat >"$dir/admin-client.properties" <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=PLAIN
sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$admin";
PROPS
for service in intake classification dispatch notification console; do random >"$dir/$service.password"; done
echo "wrote $dir"
