package io.aiaas.worker.client;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.DigestInputStream;
import java.util.HexFormat;

/**
 * A dataset's CSV as model-service streams it: read straight into the batch run (never stored whole on the worker),
 * hashed on the way, so that {@link #verify} can tell a complete transfer from a damaged one once the run has read it
 * to its end.
 */
public final class DatasetDownload implements AutoCloseable {
    private final DigestInputStream body;
    private final String expectedSha256;
    private final String labelColumn;
    private final long rows;

    DatasetDownload(InputStream body, String expectedSha256, String labelColumn, long rows) {
        this.body = new DigestInputStream(body, ModelServiceCalls.sha256());
        this.expectedSha256 = expectedSha256;
        this.labelColumn = labelColumn;
        this.rows = rows;
    }

    /** The CSV's bytes; closing it is left to {@link #close}. */
    public InputStream body() {
        return new FilterInputStream(body) {
            @Override
            public void close() {
                // the download closes the connection's stream
            }
        };
    }

    public String labelColumn() {
        return labelColumn;
    }

    /** The dataset's rows, as model-service counted them at upload. */
    public long rows() {
        return rows;
    }

    /**
     * Reads what the run left unread and checks the whole against model-service's SHA-256.
     *
     * @throws ModelServiceUnavailableException when they differ (a damaged transfer: the run is repeated)
     */
    public void verify() throws IOException {
        body.transferTo(OutputStream.nullOutputStream());
        String actual = HexFormat.of().formatHex(body.getMessageDigest().digest());
        if (expectedSha256 == null || !expectedSha256.trim().equalsIgnoreCase(actual)) {
            throw new ModelServiceUnavailableException("the dataset's transfer does not match its checksum");
        }
    }

    @Override
    public void close() throws IOException {
        body.close();
    }
}
