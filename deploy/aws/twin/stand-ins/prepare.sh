#!/bin/sh
# Image build step: the stand-ins in place, the two AWS agent packages (stand-ins that do nothing
# but record their configuration), a CA and a certificate for the agent buckets' host names.
set -eu
d=/usr/local/lib/awstwin
install -m 0755 "$d/aws" /usr/local/bin/aws
# EFS: nfs-common's mount helpers are diverted, so the package (app.sh installs it) leaves ours.
for helper in /sbin/mount.nfs4 /sbin/mount.nfs; do
  dpkg-divert --quiet --local --rename --divert "$helper.nfs-common" --add "$helper"
done
install -m 0755 "$d/mount.nfs4" /sbin/mount.nfs4
install -m 0644 "$d/awstwin-endpoints.service" /etc/systemd/system/awstwin-endpoints.service
mkdir -p /etc/systemd/system/sysinit.target.wants
ln -s /etc/systemd/system/awstwin-endpoints.service /etc/systemd/system/sysinit.target.wants/awstwin-endpoints.service
# cloud-init sets LANG=en_US.UTF-8: the locale must exist, as on the AMI.
sed -i "s/^# *en_US.UTF-8/en_US.UTF-8/" /etc/locale.gen && locale-gen >/dev/null

deb() { # NAME DIR
  mkdir -p "$2/DEBIAN"
  printf 'Package: %s\nVersion: 0.0-twin\nArchitecture: amd64\nMaintainer: twin\nDescription: stand-in for %s\n' "$1" "$1" >"$2/DEBIAN/control"
  dpkg-deb --build "$2" "$d/www/$1.deb" >/dev/null
}
mkdir -p "$d/www" /tmp/ssm/lib/systemd/system /tmp/cw/opt/aws/amazon-cloudwatch-agent/bin /tmp/cw/opt/aws/amazon-cloudwatch-agent/etc
printf '[Unit]\nDescription=stand-in SSM agent\n[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n' >/tmp/ssm/lib/systemd/system/amazon-ssm-agent.service
deb amazon-ssm-agent /tmp/ssm
cat >/tmp/cw/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl <<'CTL'
#!/bin/sh
# stand-in: records the configuration it was given
echo "$(hostname) $*" >>/twin/cwagent.log
CTL
chmod 0755 /tmp/cw/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl
deb amazon-cloudwatch-agent /tmp/cw
rm -rf /tmp/ssm /tmp/cw

# TLS for the buckets' names (resolved to 127.0.0.1 by the twin's --add-host).
cd "$d"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=awstwin CA' -keyout ca.key -out ca.crt >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -subj '/CN=amazonaws.com' -keyout tls.key -out tls.csr >/dev/null 2>&1
printf 'subjectAltName=DNS:*.amazonaws.com,DNS:*.s3.twin-region-1.amazonaws.com,DNS:s3.twin-region-1.amazonaws.com\n' >ext.cnf
openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 30 -extfile ext.cnf -out tls.crt >/dev/null 2>&1
cp ca.crt /usr/local/share/ca-certificates/awstwin.crt
update-ca-certificates >/dev/null
