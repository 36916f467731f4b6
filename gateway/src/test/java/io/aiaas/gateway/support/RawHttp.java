package io.aiaas.gateway.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what ordinary clients will not send: a declared length with no body following, a
 * request line or header no client library would produce.
 */
public final class RawHttp {
    private RawHttp() {}

    /** A response as read off the socket. */
    public record Response(int status, Map<String, String> headers, String body) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /**
     * Sends {@code head} (request line and headers, CRLF-separated, without the blank line) and then {@code body}, and
     * reads the response until the server closes or the timeout passes.
     */
    public static Response exchange(URI server, String head, byte[] body, int timeoutMillis) throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.getPort())) {
            socket.setSoTimeout(timeoutMillis);
            socket.getOutputStream().write((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                socket.getOutputStream().write(body);
            }
            socket.getOutputStream().flush();
            return read(socket.getInputStream());
        }
    }

    private static Response read(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int contentLength = -1;
        int headerEnd = -1;
        try {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                bytes.write(buffer, 0, n);
                String sofar = bytes.toString(StandardCharsets.ISO_8859_1);
                if (headerEnd < 0 && sofar.contains("\r\n\r\n")) {
                    headerEnd = sofar.indexOf("\r\n\r\n") + 4;
                    for (String line : sofar.substring(0, headerEnd).split("\r\n")) {
                        if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                            contentLength = Integer.parseInt(line.substring(15).trim());
                        }
                    }
                }
                if (headerEnd >= 0 && contentLength >= 0 && bytes.size() >= headerEnd + contentLength) {
                    break;
                }
            }
        } catch (SocketTimeoutException e) {
            if (headerEnd < 0) {
                throw e;
            }
        }
        String all = bytes.toString(StandardCharsets.UTF_8);
        int end = all.indexOf("\r\n\r\n");
        String[] lines = all.substring(0, end).split("\r\n");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(
                    lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        return new Response(Integer.parseInt(lines[0].split(" ")[1]), headers, all.substring(end + 4));
    }
}
