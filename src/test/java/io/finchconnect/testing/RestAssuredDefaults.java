package io.finchconnect.testing;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.restassured.RestAssured;
import io.restassured.config.ObjectMapperConfig;
import io.restassured.path.json.JsonPath;

/**
 * One Jackson mapper for every RestAssured request of a test JVM. RestAssured's default builds a new mapper for
 * each body it writes or reads, and each new mapper looks its modules up with {@code ServiceLoader}: over the
 * test class path (dozens of jars with a jar index, which the JDK scans entry by entry) that cost about a
 * hundred milliseconds of CPU per request, and the fault tests' set-up of 2,000 connections spent minutes in it.
 *
 * <p>Registered as a JUnit launcher session listener, so it is in place before any test; {@link TestStack} installs
 * it again for a Quarkus application's class loader, which may hold a RestAssured of its own.
 */
public final class RestAssuredDefaults implements LauncherSessionListener {

    private static final ObjectMapper MAPPER = new ObjectMapper().findAndRegisterModules();

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        install();
    }

    public static void install() {
        RestAssured.config = RestAssured.config().objectMapperConfig(
                ObjectMapperConfig.objectMapperConfig().jackson2ObjectMapperFactory((type, charset) -> MAPPER));
        JsonPath.config = new io.restassured.path.json.config.JsonPathConfig().jackson2ObjectMapperFactory((type, charset) -> MAPPER);
    }
}
