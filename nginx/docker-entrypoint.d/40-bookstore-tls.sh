#!/bin/sh
# Run by the official nginx image's /docker-entrypoint.sh before nginx starts
# (after 20-envsubst-on-templates.sh). Written so that it works whether the
# entrypoint executes or sources it: no exit, no variables left behind.
/usr/local/bin/bookstore-tls select >/dev/null
/usr/local/bin/bookstore-tls watch </dev/null &
