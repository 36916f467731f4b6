package io.aiaas.gateway.proxy;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * A request body passed on as it arrives, counted against a limit: the chunk that crosses it is never passed on, and
 * {@code overLimit} runs instead (once). Flow control is the request's own, so the body streams with back-pressure.
 * Hand-written because neither Vert.x nor its proxy counts a body in flight; it is a few lines around the request.
 */
public final class BoundedBody implements ReadStream<Buffer> {
    private final ReadStream<Buffer> body;
    private final long limit;
    private final Runnable overLimit;
    private long seen;
    private boolean crossed;

    public BoundedBody(ReadStream<Buffer> body, long limit, Runnable overLimit) {
        this.body = body;
        this.limit = limit;
        this.overLimit = overLimit;
    }

    @Override
    public ReadStream<Buffer> handler(Handler<Buffer> handler) {
        if (handler == null) {
            body.handler(null);
            return this;
        }
        body.handler(chunk -> {
            if (crossed) {
                return;
            }
            seen += chunk.length();
            if (seen > limit) {
                crossed = true;
                overLimit.run();
                return;
            }
            handler.handle(chunk);
        });
        return this;
    }

    @Override
    public ReadStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
        body.exceptionHandler(handler);
        return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
        body.pause();
        return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
        body.resume();
        return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
        body.fetch(amount);
        return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(Handler<Void> handler) {
        body.endHandler(
                handler == null
                        ? null
                        : end -> {
                            if (!crossed) {
                                handler.handle(end);
                            }
                        });
        return this;
    }
}
