#!/bin/bash
# A self-signed server certificate for the test servers: CN and SAN localhost, 127.0.0.1, ::1,
# and CA:FALSE — rustls (webpki) refuses a CA certificate used as the server's own
# (CaUsedAsEndEntity), which is what a bare `openssl req -x509` makes.
#   make-cert.sh KEY.pem CERT.pem
set -euo pipefail
cnf=$(mktemp); trap 'rm -f "$cnf"' EXIT
printf '[req]\ndistinguished_name=dn\nprompt=no\n[dn]\nCN=localhost\n' > "$cnf"
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -config "$cnf" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
  -addext "basicConstraints=critical,CA:FALSE" -addext "extendedKeyUsage=serverAuth" \
  -keyout "$1" -out "$2" 2>/dev/null
