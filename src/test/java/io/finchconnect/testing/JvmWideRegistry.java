package io.finchconnect.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Values shared by every class loader of a test JVM. Quarkus loads test classes again for each application,
 * so a plain static field would exist once per application; this class is always taken from the system
 * class loader, and only JDK types go in it.
 */
public final class JvmWideRegistry {

    public static final Map<String, Object> ENTRIES = new ConcurrentHashMap<>();

    private JvmWideRegistry() {
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> entries() {
        try {
            return (Map<String, Object>) Class.forName(JvmWideRegistry.class.getName(), true,
                    ClassLoader.getSystemClassLoader()).getField("ENTRIES").get(null);
        } catch (ReflectiveOperationException e) {
            return ENTRIES;  // not on the system class path (e.g. exec:java): one class loader only
        }
    }
}
