package io.aiaas.tenant.api;

import io.aiaas.common.error.ApiException;

/** Checks shared by the resources for what Jackson cannot: a body or a field that is absent. */
final class Bodies {
    private Bodies() {}

    static <T> T required(T body) {
        if (body == null) {
            throw ApiException.badRequest("A JSON body is required.");
        }
        return body;
    }

    static String requiredText(String field, String value) {
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest("'" + field + "' is required.");
        }
        return value;
    }
}
