package io.aiaas.common.auth;

import java.util.List;

/** The scopes an API key can carry. */
public final class Scopes {
    public static final String MODELS_READ = "models:read";
    public static final String MODELS_WRITE = "models:write";
    public static final String DATASETS_READ = "datasets:read";
    public static final String DATASETS_WRITE = "datasets:write";
    public static final String JOBS_READ = "jobs:read";
    public static final String JOBS_WRITE = "jobs:write";
    public static final String PREDICT = "predict";
    public static final String USAGE_READ = "usage:read";
    public static final String KEYS_MANAGE = "keys:manage";

    public static final List<String> ALL = List.of(
            MODELS_READ,
            MODELS_WRITE,
            DATASETS_READ,
            DATASETS_WRITE,
            JOBS_READ,
            JOBS_WRITE,
            PREDICT,
            USAGE_READ,
            KEYS_MANAGE);

    /** Realm role of platform administrators (Keycloak) and of admin calls inside the platform. */
    public static final String ROLE_PLATFORM_ADMIN = "platform-admin";
    /** Role of calls made by a platform component on its own behalf (a worker claiming a job, say). */
    public static final String ROLE_SERVICE = "service";

    private Scopes() {}
}
