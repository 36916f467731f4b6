package io.aiaas.tenant.domain;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

/** Stores {@link TenantStatus} as the lower-case word the API shows. */
@Converter(autoApply = true)
public class TenantStatusColumn implements AttributeConverter<TenantStatus, String> {
    @Override
    public String convertToDatabaseColumn(TenantStatus status) {
        return status == null ? null : status.value();
    }

    @Override
    public TenantStatus convertToEntityAttribute(String value) {
        return value == null ? null : TenantStatus.of(value);
    }
}
