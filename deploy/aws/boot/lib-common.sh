#!/bin/bash
# Shared by every boot script; the CDK inlines it where a script sources it (lib/boot-script.ts),
# so each instance's user data is one self-contained script. Expects, set by the role's script:
# REGION, STACK, RESOURCE (the logical id CloudFormation waits on), TOOLS_URL (s3:// of the host
# tools, deploy/aws/host), NAME, and LOG_GROUP.

export DEBIAN_FRONTEND=noninteractive
TOKEN_TTL=21600

imds() { # PATH: one value from the instance metadata service, IMDSv2 (a session token first)
  local token
  token="$(curl -sf -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: $TOKEN_TTL" http://169.254.169.254/latest/api/token)"
  curl -sf -H "X-aws-ec2-metadata-token: $token" "http://169.254.169.254/latest/$1"
}

# CloudFormation waits for this signal (a creation policy, or the Auto Scaling Group's rolling
# update); any failing command sends FAILURE instead, so a broken boot fails the deployment rather
# than leaving the group replacing instances for ever. (Debian has no cfn-signal: the AWS CLI.)
signal() { # SUCCESS | FAILURE
  aws cloudformation signal-resource --region "$REGION" --stack-name "$STACK" --logical-resource-id "$RESOURCE" \
    --unique-id "$(imds meta-data/instance-id)" --status "$1" || true
}
on_error() { echo "boot failed at line $1" >&2; signal FAILURE; }
trap 'on_error $LINENO' ERR

apt_install() { apt-get install -y --no-install-recommends "$@"; }

# Debian's AMI has no SSM agent (Session Manager) and no CloudWatch agent: both from AWS's
# regional buckets (reached through the VPC's S3 gateway endpoint).
install_aws_agents() {
  local tmp
  tmp="$(mktemp -d)"
  curl -sfo "$tmp/ssm.deb" "https://s3.$REGION.amazonaws.com/amazon-ssm-$REGION/latest/debian_amd64/amazon-ssm-agent.deb"
  curl -sfo "$tmp/cwagent.deb" "https://amazoncloudwatch-agent-$REGION.s3.$REGION.amazonaws.com/debian/amd64/latest/amazon-cloudwatch-agent.deb"
  apt_install "$tmp/ssm.deb" "$tmp/cwagent.deb"
  rm -rf "$tmp"
  systemctl enable --now amazon-ssm-agent
}

# The host tools (deploy/aws/host, an S3 asset of this stack): scripts into /usr/local/sbin, the
# templates into /usr/local/lib/bookstore, the systemd units into /etc/systemd/system.
install_host_tools() {
  local tmp
  tmp="$(mktemp -d)"
  aws s3 cp --region "$REGION" "$TOOLS_URL" "$tmp/tools.zip"
  rm -rf /usr/local/lib/bookstore && mkdir -p /usr/local/lib/bookstore
  unzip -q "$tmp/tools.zip" -d /usr/local/lib/bookstore
  install -m 0755 /usr/local/lib/bookstore/bin/* /usr/local/sbin/
  cp -r /usr/local/lib/bookstore/systemd/. /etc/systemd/system/
  chmod -R go-w /etc/systemd/system
  systemctl daemon-reload
  rm -rf "$tmp"
}

ship_logs() { # FILE...: to the CloudWatch log group LOG_GROUP, one stream per instance and file
  local collect="" file
  for file in "$@"; do
    collect="$collect${collect:+,}{\"file_path\":\"$file\",\"log_group_name\":\"$LOG_GROUP\",\"log_stream_name\":\"{instance_id}$file\"}"
  done
  cat >/opt/aws/amazon-cloudwatch-agent/etc/bookstore.json <<JSON
{"logs":{"logs_collected":{"files":{"collect_list":[$collect]}}}}
JSON
  /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s \
    -c file:/opt/aws/amazon-cloudwatch-agent/etc/bookstore.json
}

# What every instance does first: the base packages (Debian 12 bookworm has the AWS CLI v2 as
# `awscli`), the agents, the host tools, and the settings the tools read.
boot_common() {
  apt-get update
  apt_install ca-certificates curl unzip awscli
  install_aws_agents
  install_host_tools
  mkdir -p /etc/bookstore
  {
    echo "REGION=$REGION"
    echo "STACK=$STACK"
    echo "NAME=$NAME"
  } >/etc/bookstore/bookstore.env
}
