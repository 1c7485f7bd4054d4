package io.finchconnect.finch.client;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

import io.finchconnect.finch.config.FinchConfig;

/** The application's Finch settings with one of them changed, for a {@link FinchGateway} a test builds itself. */
final class FinchSettings {

    private FinchSettings() {
    }

    /** {@code config}, but its {@code setting()} answers {@code value}. */
    static FinchConfig with(FinchConfig config, String setting, Object value) {
        return (FinchConfig) Proxy.newProxyInstance(FinchConfig.class.getClassLoader(), new Class<?>[] { FinchConfig.class },
                (proxy, method, arguments) -> {
                    if (method.getName().equals(setting) && method.getParameterCount() == 0) {
                        return value;
                    }
                    try {
                        return method.invoke(config, arguments);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
