#!/usr/bin/env bash
# A throwaway Samba AD DC on loopback for tenantlint's live-LDAP tests (Debian 12, run as root).
#   tests/ldap/samba-ad.sh up     provision CORP.CONTOSO.COM in $TL_SAMBA_DIR and start samba
#   tests/ldap/samba-ad.sh seed   add the test objects (seeded problems, >1 page of users, a ranged group)
#   tests/ldap/samba-ad.sh down   stop samba by its PID
# `up` writes $TL_SAMBA_DIR/test.env, which the tests read (URL, base, bind DN, password file, CA file).
# Nothing listens outside 127.0.0.1 / ::1. The password is generated per run and kept in a 0600 file.
set -euo pipefail
T=${TL_SAMBA_DIR:-/tmp/tenantlint-samba}
BASE='DC=corp,DC=contoso,DC=com'
REALM='CORP.CONTOSO.COM'
BIND="Administrator@corp.contoso.com"

pw() { cat "$T.pw"; }

up() {
  down >/dev/null 2>&1 || true
  rm -rf "$T" "$T.pw" "$T.provision.log"
  umask 077
  # 20 random alphanumerics plus fixed classes so the domain's complexity policy accepts it.
  printf 'Tl-%s-9x' "$(head -c 64 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 20)" > "$T.pw"
  umask 022
  samba-tool domain provision \
    --realm="$REALM" --domain=CORP --server-role=dc --dns-backend=NONE \
    --use-rfc2307 --base-schema=2012_R2 --function-level=2008_R2 \
    --adminpass="$(pw)" --host-name=dc1 --host-ip=127.0.0.1 \
    --targetdir="$T" \
    --option='interfaces=lo' --option='bind interfaces only=yes' > "$T.provision.log" 2>&1 \
    || { echo "provision failed; see $T.provision.log" >&2; tail -20 "$T.provision.log" >&2; return 1; }
  mkdir -p "$T"/{run,log,cache,ntp_signd,usershares}
  sed -i '/^\tserver services = /d; /^\tlog file = /d' "$T/etc/smb.conf"
  sed -i "/^\[global\]/a\\
\tldap server require strong auth = no\\
\tserver services = rpc, ldap, cldap, kdc\\
\tpid directory = $T/run\\
\tncalrpc dir = $T/run/ncalrpc\\
\twinbindd socket directory = $T/run/winbindd\\
\tntp signd socket directory = $T/ntp_signd\\
\tusershare path = $T/usershares\\
\tlog file = $T/log/samba.log" "$T/etc/smb.conf"
  samba -s "$T/etc/smb.conf" -D -M single
  for _ in $(seq 1 120); do
    if ldapsearch -H ldap://127.0.0.1 -x -D "$BIND" -y "$T.pw" -b '' -s base '(objectClass=*)' >/dev/null 2>&1; then
      cat > "$T/test.env" <<ENV
TL_LDAP_URL=ldap://127.0.0.1
TL_LDAPS_URL=ldaps://127.0.0.1:636
TL_LDAP_BASE=$BASE
TL_LDAP_BIND=$BIND
TL_LDAP_PASSWORD_FILE=$T.pw
TL_LDAP_CA_FILE=$T/private/tls/ca.pem
ENV
      # Verified TLS needs the certificate's name (dc1.corp.contoso.com) to resolve to the loopback DC.
      if getent hosts dc1.corp.contoso.com | grep -q '^127\.0\.0\.1'; then
        echo "TL_LDAPS_VERIFIED_URL=ldaps://dc1.corp.contoso.com:636" >> "$T/test.env"
      fi
      echo "samba up (pid $(cat "$T/run/samba.pid")), env in $T/test.env"
      return 0
    fi
    sleep 0.25
  done
  echo "samba did not come up; see $T/log" >&2
  return 1
}

seed() {
  local S=(-s "$T/etc/smb.conf" -H ldap://127.0.0.1 -U "Administrator%$(pw)")
  samba-tool ou create 'OU=Staff' "${S[@]}" >/dev/null
  samba-tool user add alice 'Al1ce!pass-12345' --given-name=Alice --surname=Anders \
    --mail-address=alice@corp.contoso.com --userou='OU=Staff' "${S[@]}" >/dev/null
  samba-tool user add '#svc-backup' 'Svc!pass-1234567' --description='service account with # prefix' "${S[@]}" >/dev/null
  samba-tool user add bob 'B0b!pass-1234567' --given-name=Bob --surname='Smith' --userou='OU=Staff' "${S[@]}" >/dev/null
  samba-tool user add carol 'C4rol!pass-123456' --userou='OU=Staff' "${S[@]}" >/dev/null
  samba-tool user add dave 'D4ve!pass-123456' --userou='OU=Staff' "${S[@]}" >/dev/null
  samba-tool user add erin 'Er1n!pass-123456' --userou='OU=Staff' "${S[@]}" >/dev/null
  samba-tool user add frank 'Fr4nk!pass-123456' --userou='OU=Staff' "${S[@]}" >/dev/null
  samba-tool group add 'Sales Team' --mail-address=sales@corp.contoso.com "${S[@]}" >/dev/null
  samba-tool group addmembers 'Sales Team' 'alice,bob,carol' "${S[@]}" >/dev/null
  # Problems the scan must find: a space in a UPN, a .local UPN, one SMTP address on two users,
  # an ms-DS-ConsistencyGuid different from the objectGUID.
  ldapmodify -H ldap://127.0.0.1 -x -D "$BIND" -y "$T.pw" >/dev/null <<LDIF
dn: CN=Alice Anders,OU=Staff,$BASE
changetype: modify
replace: proxyAddresses
proxyAddresses: SMTP:alice@corp.contoso.com
proxyAddresses: smtp:alice.anders@corp.contoso.com
-
replace: mS-DS-ConsistencyGuid
mS-DS-ConsistencyGuid:: AAECAwQFBgcICQoLDA0ODw==
-

dn: CN=Bob Smith,OU=Staff,$BASE
changetype: modify
replace: userPrincipalName
userPrincipalName: bob smith@corp.contoso.com
-

dn: CN=carol,OU=Staff,$BASE
changetype: modify
replace: userPrincipalName
userPrincipalName: carol@corp.local
-

dn: CN=dave,OU=Staff,$BASE
changetype: modify
replace: proxyAddresses
proxyAddresses: SMTP:dave@corp.contoso.com
proxyAddresses: smtp:helpdesk@corp.contoso.com
-

dn: CN=erin,OU=Staff,$BASE
changetype: modify
replace: proxyAddresses
proxyAddresses: SMTP:erin@corp.contoso.com
proxyAddresses: smtp:helpdesk@corp.contoso.com
-

dn: CN=frank,OU=Staff,$BASE
changetype: modify
replace: mS-DS-ConsistencyGuid
mS-DS-ConsistencyGuid:: /////wAAAAB/gIGCw8TFxg==
-
LDIF
  # More users than one page (the tests page by 50).
  local f="$T/bulk.ldf"
  : > "$f"
  for i in $(seq -w 1 120); do
    cat >> "$f" <<LDIF
dn: CN=Bulk User $i,OU=Staff,$BASE
objectClass: user
sAMAccountName: bulk$i
userPrincipalName: bulk.user$i@corp.contoso.com
displayName: Bulk User $i
mail: bulk.user$i@corp.contoso.com
proxyAddresses: SMTP:bulk.user$i@corp.contoso.com

LDIF
  done
  ldapadd -H ldap://127.0.0.1 -x -D "$BIND" -y "$T.pw" -f "$f" >/dev/null
  echo "seeded"
}

down() {
  local pidf="$T/run/samba.pid"
  rm -f "$T/test.env"
  [ -f "$pidf" ] || { echo "no samba pid file in $T/run"; return 0; }
  local P; P=$(cat "$pidf")
  kill -TERM "$P" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$P" 2>/dev/null || { echo "samba $P stopped"; return 0; }; sleep 0.1; done
  echo "samba $P still running after 10 s; killing" >&2
  kill -KILL "$P" 2>/dev/null || true
}

"$@"
