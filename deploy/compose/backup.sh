#!/bin/bash
# Database backups: the `backup` service of docker-compose.yml (runs in the database's own image,
# which has mariadb-dump; root, for the secrets volume).
#
#   backup.sh schedule             the service: a backup every BACKUP_INTERVAL (24h; s, m, h or d),
#                                  counted from the newest one, keeping the newest BACKUP_KEEP (7)
#   backup.sh now                  one backup now; prints its name
#   backup.sh list                 the backups, newest first, with their sizes
#   backup.sh restore NAME --yes   puts every database in NAME back as it was (refuses without --yes)
#   backup.sh health               the HEALTHCHECK: fails while the last scheduled backup failed
#
# A backup is `mariadb-dump --single-transaction` (consistent, no locks on InnoDB) of every database
# but the server's own, gzipped, in $BACKUP_DIR (/backups, the `backups` volume). root's password comes
# from the secrets volume and reaches the client in an option file, never on a command line.
set -euo pipefail

DIR=${BACKUP_DIR:-/backups}
KEEP=${BACKUP_KEEP:-7}
STATUS=/tmp/backup.status
SQL=$(command -v mariadb || command -v mysql)
DUMP=$(command -v mariadb-dump || command -v mysqldump)

log() { echo "backup: $*" >&2; }
fail() { log "ERROR: $*"; exit 1; }

# An option file (mode 600, removed on exit) with the host and root's credentials.
options() {
  OPTS=$(mktemp)
  trap 'rm -f "$OPTS"' EXIT
  printf '[client]\nhost=%s\nuser=root\npassword="%s"\n' "${DB_HOST:-db}" \
    "$(cat "${DB_ROOT_PASSWORD_FILE:-/run/bookstore-secrets/db_root_password}")" > "$OPTS"
}

backups() { ls -1r "$DIR" | grep -E '^bookstore-[0-9TZ]+\.sql\.gz$' || true; }

now() {
  options
  local dbs name
  dbs=$("$SQL" --defaults-extra-file="$OPTS" -N -e "SELECT schema_name FROM information_schema.schemata
        WHERE schema_name NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys')") \
    || fail "cannot reach the database at ${DB_HOST:-db}"
  [ -n "$dbs" ] || fail "no database to back up"
  name=bookstore-$(date -u +%Y%m%dT%H%M%SZ).sql.gz
  # shellcheck disable=SC2086 # one argument per database name
  "$DUMP" --defaults-extra-file="$OPTS" --single-transaction --routines --triggers --events \
      --add-drop-database --databases $dbs | gzip > "$DIR/.$name.part" \
    || { rm -f "$DIR/.$name.part"; fail "mariadb-dump failed; no backup was written"; }
  mv "$DIR/.$name.part" "$DIR/$name"
  backups | tail -n +$((KEEP + 1)) | while read -r old; do rm -f "$DIR/$old"; log "removed $old (keeping $KEEP)"; done
  log "wrote $name ($(du -h "$DIR/$name" | cut -f1)): $(echo $dbs)"
  echo "$name"
}

restore() {
  local name=${1:-}
  [[ $name =~ ^bookstore-[0-9TZ]+\.sql\.gz$ ]] || fail "usage: backup restore NAME --yes (a name from: backup list)"
  [ -f "$DIR/$name" ] || fail "no backup named $name (see: backup list)"
  if [ "${2:-}" != --yes ]; then
    log "restore replaces every database in $name with its contents (what was written since is lost); add --yes"
    exit 2
  fi
  options
  gunzip -c "$DIR/$name" | "$SQL" --defaults-extra-file="$OPTS" || fail "restoring $name failed"
  log "restored $name"
}

seconds() {
  case $1 in
    *d) echo $(( ${1%d} * 86400 )) ;; *h) echo $(( ${1%h} * 3600 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;; *s) echo "${1%s}" ;; *) echo "$1" ;;
  esac
}

schedule() {
  local interval newest last=0 next pause
  interval=$(seconds "${BACKUP_INTERVAL:-24h}")
  [ "$interval" -gt 0 ] 2>/dev/null || fail "BACKUP_INTERVAL=${BACKUP_INTERVAL:-} is not a duration like 24h"
  trap 'exit 0' TERM INT
  echo ok > "$STATUS"
  newest=$(backups | head -n1)
  [ -n "$newest" ] && last=$(stat -c %Y "$DIR/$newest")
  next=$((last + interval))
  log "a backup every ${BACKUP_INTERVAL:-24h} into $DIR, keeping the newest $KEEP"
  while :; do
    if [ "$(date +%s)" -ge "$next" ]; then
      if (now >/dev/null); then
        echo ok > "$STATUS"; next=$(( $(date +%s) + interval ))
      else
        echo failed > "$STATUS"; next=$(( $(date +%s) + 600 ))
        log "ERROR: the scheduled backup failed; the service is unhealthy until one succeeds (next try in 10 min)"
      fi
    fi
    # Wake at the next due time, and at least every 30 s (a backup can appear from `backup now`).
    pause=$((next - $(date +%s)))
    [ "$pause" -gt 30 ] && pause=30
    [ "$pause" -lt 1 ] && pause=1
    sleep "$pause" & wait $!
  done
}

mkdir -p "$DIR"
case ${1:-schedule} in
  schedule) schedule ;;
  now) now ;;
  list) cd "$DIR" && backups | while read -r f; do printf '%s\t%s\n' "$f" "$(du -h "$f" | cut -f1)"; done ;;
  restore) restore "${2:-}" "${3:-}" ;;
  health) [ "$(cat "$STATUS" 2>/dev/null)" = ok ] ;;
  *) fail "usage: backup [schedule | now | list | restore NAME --yes]" ;;
esac
