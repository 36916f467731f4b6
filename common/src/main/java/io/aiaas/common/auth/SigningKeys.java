package io.aiaas.common.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/**
 * Key material of internal tokens: RSA private keys as PKCS#8 PEM files, public keys as a JWKS document whose keys
 * also name the issuer they speak for ({@code x-aiaas-issuer}), so a worker's key can never vouch for the gateway.
 */
public final class SigningKeys {
    static final String ISSUER_MEMBER = "x-aiaas-issuer";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SigningKeys() {}

    /** A verification key with the issuer it is trusted for. */
    public record TrustedKey(String kid, String issuer, PublicKey key) {}

    public static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A stable key id: the first 16 hex characters of the SHA-256 of the encoded public key. */
    public static String keyId(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return java.util.HexFormat.of().formatHex(digest, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static String privateKeyPem(PrivateKey key) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(key.getEncoded());
        return "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n";
    }

    public static PrivateKey readPrivateKey(Path pem) throws IOException {
        return parsePrivateKey(Files.readString(pem, StandardCharsets.US_ASCII));
    }

    public static PrivateKey parsePrivateKey(String pem) {
        String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("RSA")
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a PKCS#8 RSA private key", e);
        }
    }

    /** The public half of an RSA private key (CRT form, as Java generates and PKCS#8 stores it). */
    public static PublicKey publicKeyOf(PrivateKey key) {
        if (!(key instanceof RSAPrivateCrtKey crt)) {
            throw new IllegalArgumentException("an RSA CRT private key is required");
        }
        try {
            return KeyFactory.getInstance("RSA")
                    .generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JWKS document of the given issuers' public keys. */
    public static String jwks(Map<String, PublicKey> keysByIssuer) {
        return jwks(keysByIssuer.entrySet().stream()
                .map(e -> new TrustedKey(keyId(e.getValue()), e.getKey(), e.getValue()))
                .toList());
    }

    /** A JWKS document of the given keys, several per issuer allowed (during a key rotation). */
    public static String jwks(Collection<TrustedKey> trusted) {
        ObjectNode root = JSON.createObjectNode();
        ArrayNode keys = root.putArray("keys");
        for (TrustedKey t : trusted) {
            RSAPublicKey rsa = (RSAPublicKey) t.key();
            ObjectNode jwk = keys.addObject();
            jwk.put("kty", "RSA");
            jwk.put("use", "sig");
            jwk.put("alg", "RS256");
            jwk.put("kid", t.kid());
            jwk.put(ISSUER_MEMBER, t.issuer());
            jwk.put("n", unsigned(rsa.getModulus()));
            jwk.put("e", unsigned(rsa.getPublicExponent()));
        }
        return root.toString();
    }

    public static Map<String, TrustedKey> readJwks(Path file) throws IOException {
        return parseJwks(Files.readString(file, StandardCharsets.UTF_8));
    }

    public static Map<String, TrustedKey> parseJwks(String json) throws IOException {
        Map<String, TrustedKey> out = new HashMap<>();
        for (JsonNode jwk : JSON.readTree(json).path("keys")) {
            if (!"RSA".equals(jwk.path("kty").asText())) {
                continue;
            }
            Base64.Decoder dec = Base64.getUrlDecoder();
            BigInteger n = new BigInteger(1, dec.decode(jwk.path("n").asText()));
            BigInteger e = new BigInteger(1, dec.decode(jwk.path("e").asText()));
            try {
                PublicKey key = KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e));
                String kid = jwk.path("kid").asText();
                out.put(kid, new TrustedKey(kid, jwk.path(ISSUER_MEMBER).asText(), key));
            } catch (GeneralSecurityException ex) {
                throw new IOException("invalid RSA key in JWKS", ex);
            }
        }
        return out;
    }

    private static String unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = java.util.Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
