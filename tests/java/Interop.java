/*
 * Interop helper for the vault / ciphertool tests (Java 17, JDK only).
 *
 * Protocol: one request per stdin line, 8 TAB-separated fields
 *     op  keystorePath  storeType  storePassword  alias  transformation  format  data
 * (unused fields may be "-"). Exactly one response line per request, flushed:
 *     ok<TAB>RESULT    or    err<TAB>ExceptionClass: message
 * The program exits 0 at EOF. Key password = store password; keystores are cached by path.
 *
 * Ops:
 *   encrypt     data = Base64 plaintext; Cipher(transformation) with the alias certificate's
 *               public key and default parameters (so OAEP-SHA-256 uses SunJCE's MGF1-SHA1).
 *               format "plain": RESULT = Base64 RSA block.
 *               format "self-contained": RESULT = Base64 of Gson-style JSON
 *               {"c":..,"t":..,"tp":..,"tpd":"SHA-1"} ("=" written as \u003d).
 *   decrypt     data = ciphertext text (Base64). If it decodes to a JSON object it is an envelope
 *               (tp checked against the certificate; t = AES/GCM/NoPadding means hybrid with
 *               iv, k, kt, c), otherwise a plain RSA block decrypted with Cipher(transformation).
 *               RESULT = Base64 plaintext.
 *   thumbprint  RESULT = uppercase hex SHA-1 of the certificate DER.
 *   entries     RESULT = sorted, comma-separated alias:EntryType.
 *   keysize     RESULT = RSA modulus bits of the private key (after a sign/verify self-check).
 */

import java.io.*;
import java.nio.ByteBuffer;
import java.nio.charset.*;
import java.security.*;
import java.security.cert.Certificate;
import java.security.interfaces.RSAKey;
import java.util.*;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

public class Interop {
    private static final Map<String, KeyStore> STORES = new HashMap<>();
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, StandardCharsets.UTF_8);
        String line;
        while ((line = in.readLine()) != null) {
            String response;
            try {
                response = "ok\t" + handle(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
            } catch (Throwable e) {
                String msg = e.getClass().getName() + ": " + e.getMessage();
                response = "err\t" + msg.replaceAll("[\r\n\t]+", " ");
            }
            out.print(response + "\n");
            out.flush();
        }
    }

    static String handle(String line) throws Exception {
        String[] f = line.split("\t", -1);
        if (f.length != 8) {
            throw new IllegalArgumentException("expected 8 fields, got " + f.length);
        }
        String op = f[0], alias = f[4], transformation = f[5], format = f[6], data = f[7];
        char[] password = f[3].toCharArray();
        KeyStore ks = keystore(f[1], f[2], password);
        switch (op) {
            case "encrypt":
                return encrypt(certificate(ks, alias), transformation, format, B64D.decode(data.trim()));
            case "decrypt":
                return B64.encodeToString(decrypt(ks, alias, password, transformation, data.trim()));
            case "thumbprint":
                return thumbprint(certificate(ks, alias));
            case "entries":
                return entries(ks);
            case "keysize":
                return keysize(ks, alias, password);
            default:
                throw new IllegalArgumentException("unknown op: " + op);
        }
    }

    static KeyStore keystore(String path, String type, char[] password) throws Exception {
        KeyStore ks = STORES.get(path);
        if (ks == null) {
            ks = KeyStore.getInstance(type);
            try (InputStream is = new FileInputStream(path)) {
                ks.load(is, password);
            }
            STORES.put(path, ks);
        }
        return ks;
    }

    static Certificate certificate(KeyStore ks, String alias) throws Exception {
        Certificate cert = ks.getCertificate(alias);
        if (cert == null) {
            throw new IllegalArgumentException("no certificate for alias: " + alias);
        }
        return cert;
    }

    static PrivateKey privateKey(KeyStore ks, String alias, char[] password) throws Exception {
        Key key = ks.getKey(alias, password);
        if (!(key instanceof PrivateKey)) {
            throw new IllegalArgumentException("no private key for alias: " + alias);
        }
        return (PrivateKey) key;
    }

    static String thumbprint(Certificate cert) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-1").digest(cert.getEncoded());
        return HexFormat.of().withUpperCase().formatHex(digest);
    }

    static String encrypt(Certificate cert, String transformation, String format, byte[] plain) throws Exception {
        Cipher cipher = Cipher.getInstance(transformation);
        cipher.init(Cipher.ENCRYPT_MODE, cert.getPublicKey());
        String block = B64.encodeToString(cipher.doFinal(plain));
        if (format.equals("plain")) {
            return block;
        }
        if (!format.equals("self-contained")) {
            throw new IllegalArgumentException("unknown format: " + format);
        }
        String json = "{\"c\":" + jsonString(block) + ",\"t\":" + jsonString(transformation)
                + ",\"tp\":" + jsonString(thumbprint(cert)) + ",\"tpd\":" + jsonString("SHA-1") + "}";
        return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] decrypt(KeyStore ks, String alias, char[] password, String transformation, String data)
            throws Exception {
        byte[] raw = B64D.decode(data);
        Map<String, String> env = parseEnvelope(raw);
        PrivateKey key = privateKey(ks, alias, password);
        if (env == null) {
            return rsa(transformation, key, raw);
        }
        if (env.containsKey("tp") && !env.get("tp").equalsIgnoreCase(thumbprint(certificate(ks, alias)))) {
            throw new IllegalArgumentException("thumbprint mismatch");
        }
        String t = env.getOrDefault("t", transformation);
        if (t.equalsIgnoreCase("AES/GCM/NoPadding")) {
            byte[] iv = B64D.decode(field(env, "iv"));
            byte[] aesKey = rsa(field(env, "kt"), key, B64D.decode(field(env, "k")));
            if (iv.length != 12 || aesKey.length != 32) {
                throw new IllegalArgumentException("bad hybrid envelope: iv " + iv.length
                        + " bytes, key " + aesKey.length + " bytes (want 12 and 32)");
            }
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new GCMParameterSpec(128, iv));
            return gcm.doFinal(B64D.decode(field(env, "c")));
        }
        return rsa(t, key, B64D.decode(field(env, "c")));
    }

    static byte[] rsa(String transformation, PrivateKey key, byte[] block) throws Exception {
        Cipher cipher = Cipher.getInstance(transformation);
        cipher.init(Cipher.DECRYPT_MODE, key);
        return cipher.doFinal(block);
    }

    static String field(Map<String, String> env, String name) {
        String value = env.get(name);
        if (value == null) {
            throw new IllegalArgumentException("envelope is missing field: " + name);
        }
        return value;
    }

    static String entries(KeyStore ks) throws Exception {
        List<String> aliases = Collections.list(ks.aliases());
        Collections.sort(aliases);
        StringJoiner result = new StringJoiner(",");
        for (String a : aliases) {
            String type = ks.entryInstanceOf(a, KeyStore.PrivateKeyEntry.class) ? "PrivateKeyEntry"
                    : ks.entryInstanceOf(a, KeyStore.TrustedCertificateEntry.class) ? "TrustedCertificateEntry"
                    : ks.entryInstanceOf(a, KeyStore.SecretKeyEntry.class) ? "SecretKeyEntry"
                    : "Unknown";
            result.add(a + ":" + type);
        }
        return result.toString();
    }

    static String keysize(KeyStore ks, String alias, char[] password) throws Exception {
        PrivateKey key = privateKey(ks, alias, password);
        if (!(key instanceof RSAKey)) {
            throw new IllegalArgumentException("not an RSA key: " + key.getAlgorithm());
        }
        byte[] message = "interop self-check".getBytes(StandardCharsets.UTF_8);
        Signature signer = Signature.getInstance("SHA256withRSA");
        signer.initSign(key);
        signer.update(message);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withRSA");
        verifier.initVerify(certificate(ks, alias).getPublicKey());
        verifier.update(message);
        if (!verifier.verify(signature)) {
            throw new GeneralSecurityException("private key does not match certificate of alias: " + alias);
        }
        return Integer.toString(((RSAKey) key).getModulus().bitLength());
    }

    /** Gson-style string literal (HTML-safe escaping, so '=' becomes \u003d). */
    static String jsonString(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                sb.append('\\').append(ch);
            } else if (ch < 0x20 || "<>&='\u2028\u2029".indexOf(ch) >= 0) {
                sb.append(String.format("\\u%04x", (int) ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.append('"').toString();
    }

    /** Returns the string fields of a flat JSON object, or null if the bytes are not one. */
    static Map<String, String> parseEnvelope(byte[] raw) {
        try {
            String s = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(raw)).toString().strip();
            return s.startsWith("{") ? new FlatJson(s).parseObject() : null;
        } catch (CharacterCodingException | RuntimeException e) {
            return null; // not UTF-8 / not JSON, e.g. a raw RSA block that happens to start with '{'
        }
    }

    /** Minimal parser for {"key": "value", ...}; non-string scalar values are skipped. */
    static final class FlatJson {
        private final String s;
        private int pos;

        FlatJson(String s) { this.s = s; }

        Map<String, String> parseObject() {
            Map<String, String> fields = new HashMap<>();
            expect('{');
            boolean more = peek() != '}';
            while (more) {
                String key = string();
                expect(':');
                if (peek() == '"') {
                    fields.put(key, string());
                } else {
                    while (",} \t\r\n".indexOf(s.charAt(pos)) < 0) {
                        pos++; // number, true, false, null
                    }
                }
                more = peek() == ',';
                if (more) {
                    pos++;
                }
            }
            expect('}');
            if (peek() != 0) {
                throw new IllegalStateException("trailing data");
            }
            return fields;
        }

        private char peek() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
            return pos < s.length() ? s.charAt(pos) : 0;
        }

        private void expect(char c) {
            if (peek() != c) {
                throw new IllegalStateException("expected '" + c + "' at " + pos);
            }
            pos++;
        }

        private String string() {
            expect('"');
            StringBuilder sb = new StringBuilder();
            for (char ch = s.charAt(pos++); ch != '"'; ch = s.charAt(pos++)) {
                if (ch != '\\') {
                    sb.append(ch);
                } else if (s.charAt(pos) == 'u') {
                    sb.append((char) Integer.parseInt(s.substring(pos + 1, pos + 5), 16));
                    pos += 5;
                } else {
                    int i = "bfnrt\"\\/".indexOf(s.charAt(pos++));
                    if (i < 0) {
                        throw new IllegalStateException("bad escape at " + pos);
                    }
                    sb.append("\b\f\n\r\t\"\\/".charAt(i));
                }
            }
            return sb.toString();
        }
    }
}
