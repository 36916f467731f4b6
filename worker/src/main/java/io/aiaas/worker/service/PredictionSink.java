package io.aiaas.worker.service;

import io.aiaas.common.predict.PredictReply;

/** Where the replies to online predictions go ({@code aiaas.predict-replies.v1}); must not block. */
public interface PredictionSink {
    void reply(PendingPrediction prediction, PredictReply reply);
}
