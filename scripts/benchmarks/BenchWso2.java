// The WSO2 peer of scripts/bench: what WSO2's Secure Vault does at server start-up.
// JVM start, KeyStore.load, getKey, one Cipher initialised for decryption, then one
// doFinal per secret (WSO2's BaseCipher). The store password comes from
// $BENCH_STOREPASS; BLOCKS holds one Base64 RSA block a line.
//
//   java -cp DIR BenchWso2 KEYSTORE TYPE ALIAS TRANSFORMATION BLOCKS
//
// Prints JSON: load_s (KeyStore load and getKey), decrypt_s (the N doFinal calls).

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.crypto.Cipher;

public final class BenchWso2 {
    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        char[] password = System.getenv("BENCH_STOREPASS").toCharArray();
        KeyStore store = KeyStore.getInstance(args[1]);
        try (InputStream in = Files.newInputStream(Paths.get(args[0]))) {
            store.load(in, password);
        }
        PrivateKey key = (PrivateKey) store.getKey(args[2], password);
        long loaded = System.nanoTime();
        List<String> lines = Files.readAllLines(Paths.get(args[4]), StandardCharsets.US_ASCII);
        Cipher cipher = Cipher.getInstance(args[3]);
        cipher.init(Cipher.DECRYPT_MODE, key);
        Base64.Decoder base64 = Base64.getDecoder();
        long bytes = 0;
        for (String line : lines) {
            bytes += cipher.doFinal(base64.decode(line.trim())).length;
        }
        long done = System.nanoTime();
        System.out.println(String.format(
                Locale.ROOT,
                "{\"load_s\": %.6f, \"decrypt_s\": %.6f, \"n\": %d, \"bytes\": %d}",
                (loaded - start) / 1e9, (done - loaded) / 1e9, lines.size(), bytes));
    }
}
