package io.aiaas.gateway.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.http.HttpClosedException;
import jakarta.ws.rs.ProcessingException;
import java.net.ConnectException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class TenantServiceClientTest {

    @Test
    void onlyCallsThatNeverReachedTenantServiceAreAskedAgain() {
        assertTrue(TenantServiceClient.neverAnswered(new ProcessingException(new ConnectException("refused"))));
        assertTrue(TenantServiceClient.neverAnswered(
                new ProcessingException(new HttpClosedException("Connection was closed"))));
        assertFalse(TenantServiceClient.neverAnswered(new TimeoutException("3 s")), "it may be working on it");
        assertFalse(TenantServiceClient.neverAnswered(
                new TenantServiceClient.UnexpectedAnswer("key verification answered 500")));
    }
}
