package io.finchconnect.connection;

import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;

import io.finchconnect.lifecycle.ConnectionStatus;

/** Stores a connection's status under Finch's name, the same as the table's check constraint. */
@Converter(autoApply = true)
public class ConnectionStatusColumn implements AttributeConverter<ConnectionStatus, String> {

    @Override
    public String convertToDatabaseColumn(ConnectionStatus status) {
        return status == null ? null : status.finchName();
    }

    @Override
    public ConnectionStatus convertToEntityAttribute(String name) {
        return name == null ? null : ConnectionStatus.fromFinch(name).orElseThrow(
                () -> new IllegalStateException("Unknown connection status in the database: " + name));
    }
}
