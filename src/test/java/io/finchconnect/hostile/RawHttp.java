package io.finchconnect.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * An HTTP/1.1 request written on a plain socket, for what HTTP clients will not do: announce a body and never
 * finish sending it. Whatever the server answers has to come before the body is complete.
 */
final class RawHttp {

    record Answer(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private RawHttp() {
    }

    /**
     * Posts to {@code path} a body announced as {@code declaredLength} bytes (or chunked, when negative) of
     * which only {@code sentBytes} are sent, and reads the answer the server gives within {@code wait}.
     */
    static Answer unfinishedPost(int port, String path, Map<String, String> headers, long declaredLength, int sentBytes,
                                 Duration wait) throws IOException {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout((int) wait.toMillis());
            OutputStream out = socket.getOutputStream();
            StringBuilder head = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\nHost: localhost\r\n");
            headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
            head.append(declaredLength >= 0 ? "Content-Length: " + declaredLength : "Transfer-Encoding: chunked").append("\r\n\r\n");
            try {
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                byte[] block = new byte[8192];
                Arrays.fill(block, (byte) 'x');
                for (int sent = 0; sent < sentBytes; sent += block.length) {
                    int length = Math.min(block.length, sentBytes - sent);
                    if (declaredLength < 0) {
                        out.write((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    }
                    out.write(block, 0, length);
                    if (declaredLength < 0) {
                        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    }
                }
                out.flush();
            } catch (IOException closedWhileSending) {
                // The server may answer and close before taking everything: its answer is still to be read.
            }
            return read(socket.getInputStream());
        }
    }

    private static Answer read(InputStream in) throws IOException {
        String statusLine = line(in);
        if (statusLine == null) {
            throw new IOException("the server closed the connection without an answer");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = line(in); line != null && !line.isEmpty(); line = line(in)) {
            int colon = line.indexOf(':');
            headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        String length = headers.get("content-length");
        try {
            if (length != null) {
                body.write(in.readNBytes(Integer.parseInt(length)));
            } else if (!"chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
                body.write(in.readAllBytes());
            } else {
                for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer.parseInt(line(in).trim(), 16)) {
                    body.write(in.readNBytes(size));
                    line(in);
                }
            }
        } catch (SocketTimeoutException | NumberFormatException e) {
            // Keep what arrived; the assertions say what was missing.
        }
        return new Answer(Integer.parseInt(statusLine.split(" ")[1]), headers, body.toString(StandardCharsets.UTF_8));
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != -1; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }
}
