#!/usr/bin/env bash
# Makes the keytool keystore vectors under tests/vectors/keystores/.
# Run by hand (the files are committed); needs JDK 17 keytool and, for the
# JDK 21+ JKS vector (pyjks issue 79), a JDK 21+ keytool in $JDK21_HOME.
# Passwords: every store password is "storepass"; keys whose key password
# differs use "keypass" (JKS/JCEKS only: keytool refuses it for PKCS12).
set -euo pipefail
cd "$(dirname "$0")"
out=keystores
rm -rf "$out"; mkdir -p "$out"
KT=${KEYTOOL:-keytool}
KT21=${JDK21_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/keytool
dn="CN=vector, OU=secure-vault tests, O=secure-vault, C=LK"

gen() { # keytool store type alias [extra...]
  local kt=$1 file=$2 type=$3 alias=$4; shift 4
  "$kt" -genkeypair -keystore "$out/$file" -storetype "$type" -storepass storepass \
    -alias "$alias" -keyalg RSA -keysize 2048 -sigalg SHA256withRSA -validity 3650 \
    -dname "$dn" "$@" 2>/dev/null
}

# JKS: one key (key password = store password), one key with its own key password.
gen "$KT" jdk17.jks JKS wso2carbon
gen "$KT" jdk17.jks JKS other -keypass keypass
# JCEKS: a key pair and an AES secret key.
gen "$KT" jdk17.jceks JCEKS wso2carbon
"$KT" -genseckey -keystore "$out/jdk17.jceks" -storetype JCEKS -storepass storepass \
  -alias symmetric -keyalg AES -keysize 256 2>/dev/null
# PKCS12: two key entries and one secret key (pyca's load_pkcs12 sees one key only).
gen "$KT" jdk17-two-keys.p12 PKCS12 first
gen "$KT" jdk17-two-keys.p12 PKCS12 second -keysize 3072
"$KT" -genseckey -keystore "$out/jdk17-two-keys.p12" -storetype PKCS12 -storepass storepass \
  -alias aeskey -keyalg AES -keysize 256 2>/dev/null
# A PKCS12 truststore: the certificates of the two keys above.
"$KT" -exportcert -keystore "$out/jdk17-two-keys.p12" -storepass storepass -alias first -rfc \
  -file "$out/first.pem" 2>/dev/null
"$KT" -exportcert -keystore "$out/jdk17-two-keys.p12" -storepass storepass -alias second -rfc \
  -file "$out/second.pem" 2>/dev/null
for a in first second; do
  "$KT" -importcert -noprompt -keystore "$out/truststore.p12" -storetype PKCS12 \
    -storepass storepass -alias "$a" -file "$out/$a.pem" 2>/dev/null
done
# A JKS truststore.
"$KT" -importcert -noprompt -keystore "$out/truststore.jks" -storetype JKS \
  -storepass storepass -alias first -file "$out/first.pem" 2>/dev/null
# JKS written by JDK 21+: its key entries carry no algorithm parameters (pyjks issue 79).
if [ -x "$KT21" ]; then
  gen "$KT21" jdk21.jks JKS wso2carbon
fi

# The facts the tests check, as keytool prints them.
for f in "$out"/*.jks "$out"/*.jceks "$out"/*.p12; do
  t=PKCS12; case $f in *.jks) t=JKS;; *.jceks) t=JCEKS;; esac
  "$KT" -list -v -keystore "$f" -storetype "$t" -storepass storepass 2>/dev/null \
    | grep -E '^(Alias name|Entry type|Certificate fingerprints|	 SHA1|	 SHA256):|SHA1:' \
    > "$f.keytool-list.txt" || true
done
