#!/usr/bin/env bash
# Installs or upgrades EdgeTrainer on one device (run as root on the device):
#   sudo deploy/install.sh server/target/edge-trainer.jar
# Idempotent: re-running with a new jar upgrades it; checkpoints in /var/lib/edge-trainer are kept.
set -euo pipefail

jar=${1:?usage: install.sh path/to/edge-trainer.jar}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v java >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq openjdk-17-jre-headless
fi
id -u edge-trainer >/dev/null 2>&1 \
  || useradd --system --home-dir /var/lib/edge-trainer --shell /usr/sbin/nologin edge-trainer

install -d -m 0755 /etc/edge-trainer
install -d -m 0750 -o edge-trainer -g edge-trainer /var/lib/edge-trainer
# Extract into a new folder with a class-data-sharing archive made on this device's JVM, then swap folders, so a
# running server never sees a half-written installation.
rm -rf /opt/edge-trainer.new
# Named edge-trainer.jar whatever the given jar is called (edge-trainer-0.2.0.jar, a download), as the unit expects.
java -Djarmode=tools -jar "$jar" extract --destination /opt/edge-trainer.new --application-filename edge-trainer.jar
java -XX:ArchiveClassesAtExit=/opt/edge-trainer.new/app.jsa -Dspring.context.exit=onRefresh \
  -jar /opt/edge-trainer.new/edge-trainer.jar --server.port=0 --edge.checkpoint.dir="$(mktemp -d)" >/dev/null
rm -rf /opt/edge-trainer.old
[[ -d /opt/edge-trainer ]] && mv /opt/edge-trainer /opt/edge-trainer.old
mv /opt/edge-trainer.new /opt/edge-trainer
if [[ ! -f /etc/edge-trainer/edge-trainer.env ]]; then
  install -m 0640 -g edge-trainer "$here/edge-trainer.env" /etc/edge-trainer/edge-trainer.env
fi
install -m 0644 "$here/edge-trainer.service" /etc/systemd/system/edge-trainer.service

systemctl daemon-reload
systemctl enable edge-trainer.service
systemctl restart edge-trainer.service
echo "edge-trainer installed; status: systemctl status edge-trainer; health: curl -s localhost:8080/actuator/health"
