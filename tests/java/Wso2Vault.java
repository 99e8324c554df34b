/*
 * What a WSO2 server's Secure Vault does at start-up, for the WSO2 tests (Java 17, JDK only).
 *
 *   java Wso2Vault read HOME STOREPASS
 *       Loads HOME/repository/conf/security/secret-conf.properties with java.util.Properties,
 *       then the keystore it names (keystore.identity.location/type/alias) and the secret
 *       repository (secretRepositories.file.location, relative to HOME), and decrypts every
 *       entry with Cipher.getInstance(secretRepositories.file.algorithm, default "RSA"), as
 *       FileBaseSecretRepository does. Then each stdin line "alias<TAB>ciphertext" (e.g. the
 *       [secrets] of deployment.toml) the same way. Prints "alias<TAB>Base64(plaintext)"
 *       lines, repository first (sorted), then stdin's, and "algorithm<TAB>name" first.
 *
 *   java Wso2Vault symencrypt KEYSTORE TYPE STOREPASS ALIAS
 *       For each stdin line (Base64 plaintext), what ciphertool.sh -Dsymmetric writes:
 *       AES/GCM/NoPadding with the secret key ALIAS, a 128-byte IV, 128-bit tag, as
 *       Base64 of Gson's {"cipherText":..,"iv":..} ("=" escaped as \u003d).
 */

import java.io.*;
import java.nio.charset.StandardCharsets;
import java.security.*;
import java.util.*;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

public class Wso2Vault {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        Base64.Encoder b64 = Base64.getEncoder();
        if (args[0].equals("read")) {
            File home = new File(args[1]);
            char[] password = args[2].toCharArray();
            Properties conf = load(new File(home, "repository/conf/security/secret-conf.properties"));
            if (!"true".equals(conf.getProperty("secVault.enabled"))) {
                throw new IllegalStateException("secVault.enabled is not true");
            }
            KeyStore ks = KeyStore.getInstance(conf.getProperty("keystore.identity.type"));
            try (InputStream is = new FileInputStream(conf.getProperty("keystore.identity.location"))) {
                ks.load(is, password);
            }
            PrivateKey key = (PrivateKey) ks.getKey(conf.getProperty("keystore.identity.alias"), password);
            String algorithm = conf.getProperty("secretRepositories.file.algorithm", "RSA");
            out.println("algorithm\t" + algorithm);
            Properties repository = load(new File(home, conf.getProperty("secretRepositories.file.location")));
            for (String alias : new TreeSet<>(repository.stringPropertyNames())) {
                out.println(alias + "\t" + b64.encodeToString(decrypt(algorithm, key, repository.getProperty(alias))));
            }
            String line;
            while ((line = in.readLine()) != null) {
                String[] f = line.split("\t", 2);
                out.println(f[0] + "\t" + b64.encodeToString(decrypt(algorithm, key, f[1])));
            }
        } else if (args[0].equals("symencrypt")) {
            KeyStore ks = KeyStore.getInstance(args[2]);
            char[] password = args[3].toCharArray();
            try (InputStream is = new FileInputStream(args[1])) {
                ks.load(is, password);
            }
            Key key = ks.getKey(args[4], password);
            SecureRandom random = new SecureRandom();
            String line;
            while ((line = in.readLine()) != null) {
                byte[] iv = new byte[128];
                random.nextBytes(iv);
                Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
                cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
                String ct = b64.encodeToString(cipher.doFinal(Base64.getDecoder().decode(line.trim())));
                String json = "{\"cipherText\":\"" + gson(ct) + "\",\"iv\":\"" + gson(b64.encodeToString(iv)) + "\"}";
                out.println(b64.encodeToString(json.getBytes(StandardCharsets.UTF_8)));
            }
        } else {
            throw new IllegalArgumentException("unknown mode " + args[0]);
        }
    }

    static Properties load(File file) throws IOException {
        Properties properties = new Properties();
        try (InputStream is = new FileInputStream(file)) {
            properties.load(is);
        }
        return properties;
    }

    static byte[] decrypt(String algorithm, PrivateKey key, String ciphertext) throws Exception {
        Cipher cipher = Cipher.getInstance(algorithm);
        cipher.init(Cipher.DECRYPT_MODE, key);
        return cipher.doFinal(Base64.getDecoder().decode(ciphertext.trim()));
    }

    static String gson(String s) {
        return s.replace("=", "\\u003d");
    }
}
