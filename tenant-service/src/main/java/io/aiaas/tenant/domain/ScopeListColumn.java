package io.aiaas.tenant.domain;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.Arrays;
import java.util.List;

/** Stores a key's scopes space-separated, as OAuth writes scopes. */
@Converter
public class ScopeListColumn implements AttributeConverter<List<String>, String> {
    @Override
    public String convertToDatabaseColumn(List<String> scopes) {
        return scopes == null ? null : String.join(" ", scopes);
    }

    @Override
    public List<String> convertToEntityAttribute(String value) {
        return value == null || value.isBlank()
                ? List.of()
                : Arrays.stream(value.trim().split("\\s+")).toList();
    }
}
