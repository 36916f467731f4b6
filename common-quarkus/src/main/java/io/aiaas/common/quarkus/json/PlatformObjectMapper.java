package io.aiaas.common.quarkus.json;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.aiaas.common.json.Json;
import io.quarkus.jackson.ObjectMapperCustomizer;
import jakarta.inject.Singleton;

/** Applies the platform's JSON rules to the ObjectMapper of every Quarkus application. */
@Singleton
public class PlatformObjectMapper implements ObjectMapperCustomizer {
    @Override
    public void customize(ObjectMapper mapper) {
        Json.configure(mapper);
    }
}
