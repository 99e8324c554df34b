import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.Security;
import java.security.cert.Certificate;
import java.util.Base64;
import javax.crypto.Cipher;

/**
 * Java's SunPKCS11 provider on a SoftHSM2 token, as WSO2 with an HSM keystore uses it.
 *
 * <p>Argument: a SunPKCS11 configuration file. Standard input: the PIN on line 1 (never
 * an argument), then one request per line, tab-separated: {@code decrypt ALIAS BASE64}
 * (RSA/ECB/PKCS1Padding inside the token: JDK 17's SunPKCS11 does no OAEP) or
 * {@code encrypt ALIAS TRANSFORMATION BASE64} (with the token's certificate, by SunJCE).
 * One answer line per request: {@code ok\tBASE64} or {@code err\tMESSAGE}.
 */
public final class Pkcs11Interop {
    public static void main(String[] args) throws Exception {
        Provider provider = Security.getProvider("SunPKCS11").configure(args[0]);
        Security.addProvider(provider);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        char[] pin = in.readLine().toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS11", provider);
        store.load(null, pin);
        Base64.Decoder dec = Base64.getDecoder();
        Base64.Encoder enc = Base64.getEncoder();
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.split("\t", -1);
            try {
                if (f[0].equals("decrypt")) {
                    PrivateKey key = (PrivateKey) store.getKey(f[1], null);
                    Cipher cipher = Cipher.getInstance("RSA/ECB/PKCS1Padding", provider);
                    cipher.init(Cipher.DECRYPT_MODE, key);
                    System.out.println("ok\t" + enc.encodeToString(cipher.doFinal(dec.decode(f[2]))));
                } else {
                    Certificate certificate = store.getCertificate(f[1]);
                    Cipher cipher = Cipher.getInstance(f[2], "SunJCE");
                    cipher.init(Cipher.ENCRYPT_MODE, certificate.getPublicKey());
                    System.out.println("ok\t" + enc.encodeToString(cipher.doFinal(dec.decode(f[3]))));
                }
            } catch (Exception e) {
                System.out.println("err\t" + e.getClass().getSimpleName());
            }
        }
    }
}
