package io.aiaas.common.json;

import com.fasterxml.jackson.databind.ObjectMapper;
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
