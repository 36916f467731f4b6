package io.aiaas.model.api;

import io.aiaas.common.error.ApiException;

final class PathParams {
    private PathParams() {}

    /** A version number in a path; anything but a positive integer is a malformed parameter (400). */
    static int version(String value) {
        try {
            int v = Integer.parseInt(value);
            if (v >= 1) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw ApiException.badRequest("A version is a positive integer.");
    }
}
