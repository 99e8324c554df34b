// What the JDK's own providers answer for the primitives vault/crypto/_primitives.py writes
// by hand. Driven by make-primitive-vectors.py (one request per stdin line, tab-separated,
// every byte string hex; one "ok<TAB>answer" or "err<TAB>message" line per request):
//
//   mac    <HmacPBESHAx>            <password utf-8> <salt> <iterations> <data>        -> MAC
//   cipher <PBEWithSHA1And...>      <password utf-8> <salt> <iterations> <plaintext>   -> ciphertext
//   pbes2  <PBEWithHmacSHAxAndAES_n> <password utf-8> <salt> <iterations> <iv> <plaintext> -> ciphertext
//   jks    <file> <JKS|JCEKS> <store password utf-8> <alias> <key password utf-8>
//          -> <the entry's EncryptedPrivateKeyInfo, read from the file><TAB><KeyStore.getKey's PKCS#8>
//
// Passwords reach the providers as a javax.crypto.interfaces.PBEKey, so that they are taken as
// chars (SunJCE's own PBE key refuses non-ASCII and its byte path masks chars to 7 bits).
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.security.*;
import java.util.*;
import javax.crypto.*;
import javax.crypto.spec.*;

public class PrimitiveVectors {
    static final class CharsKey implements javax.crypto.interfaces.PBEKey {
        private final char[] password;
        CharsKey(char[] password) { this.password = password; }
        public char[] getPassword() { return password.clone(); }
        public byte[] getSalt() { return null; }
        public int getIterationCount() { return 0; }
        public String getAlgorithm() { return "PBE"; }
        public String getFormat() { return "RAW"; }
        public byte[] getEncoded() { return new String(password).getBytes(StandardCharsets.UTF_8); }
    }

    static byte[] unhex(String s) {
        byte[] out = new byte[s.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
        return out;
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x & 0xff));
        return sb.toString();
    }

    static char[] chars(String hexUtf8) {
        return new String(unhex(hexUtf8), StandardCharsets.UTF_8).toCharArray();
    }

    static String answer(String[] f) throws Exception {
        switch (f[0]) {
            case "mac": {
                Mac mac = Mac.getInstance(f[1]);
                mac.init(new CharsKey(chars(f[2])), new PBEParameterSpec(unhex(f[3]), Integer.parseInt(f[4])));
                return hex(mac.doFinal(unhex(f[5])));
            }
            case "cipher": {
                Cipher c = Cipher.getInstance(f[1]);
                c.init(Cipher.ENCRYPT_MODE, new CharsKey(chars(f[2])),
                        new PBEParameterSpec(unhex(f[3]), Integer.parseInt(f[4])));
                return hex(c.doFinal(unhex(f[5])));
            }
            case "pbes2": {
                Cipher c = Cipher.getInstance(f[1]);
                c.init(Cipher.ENCRYPT_MODE, new CharsKey(chars(f[2])),
                        new PBEParameterSpec(unhex(f[3]), Integer.parseInt(f[4]), new IvParameterSpec(unhex(f[5]))));
                return hex(c.doFinal(unhex(f[6])));
            }
            case "jks": {
                byte[] data = Files.readAllBytes(Paths.get(f[1]));
                KeyStore ks = KeyStore.getInstance(f[2]);
                ks.load(new ByteArrayInputStream(data), chars(f[3]));
                Key key = ks.getKey(f[4], chars(f[5]));
                return hex(protectedKey(data, f[4])) + "\t" + hex(key.getEncoded());
            }
            default:
                throw new IllegalArgumentException("unknown request " + f[0]);
        }
    }

    /** The protected key bytes of a private-key entry, read from the JKS/JCEKS layout itself. */
    static byte[] protectedKey(byte[] data, String alias) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(data));
        int magic = in.readInt();
        int version = in.readInt();
        boolean jceks = magic == 0xcececece;
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            int tag = in.readInt();
            String name = in.readUTF();
            in.readLong();
            if (tag == 1) {
                byte[] key = new byte[in.readInt()];
                in.readFully(key);
                int certs = in.readInt();
                for (int j = 0; j < certs; j++) {
                    if (version == 2) in.readUTF();
                    in.skipBytes(in.readInt());
                }
                if (name.equalsIgnoreCase(alias)) return key;
            } else if (tag == 2) {
                if (version == 2) in.readUTF();
                in.skipBytes(in.readInt());
            } else if (tag == 3 && jceks) {
                throw new IOException("a sealed secret key comes before the alias asked for");
            } else {
                throw new IOException("unknown tag " + tag);
            }
        }
        throw new IOException("no private-key entry " + alias);
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, true, "UTF-8");
        for (String line; (line = in.readLine()) != null; ) {
            try {
                out.println("ok\t" + answer(line.split("\t", -1)));
            } catch (Exception e) {
                out.println("err\t" + e);
            }
        }
    }
}
