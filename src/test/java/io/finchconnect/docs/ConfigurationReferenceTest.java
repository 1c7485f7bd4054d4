package io.finchconnect.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;
import io.smallrye.config.WithParentName;

/**
 * The configuration reference (docs/configuration.md) and what the service reads stay in step: every variable
 * of {@code application.properties}, and every key of the service's own {@code @ConfigMapping}s and
 * {@code @ConfigProperty}s, is documented with its production default; nothing is documented that is not read;
 * "required" is exactly the production jar's fail-fast list.
 */
class ConfigurationReferenceTest {

    private static final Path REFERENCE = Path.of("docs/configuration.md");
    private static final Path PROPERTIES = Path.of("src/main/resources/application.properties");
    private static final Path MAIN_SOURCES = Path.of("src/main/java");

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z0-9_]+)(?::([^}]*))?}");
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([A-Z0-9_]+)`\\s*\\|([^|]*)\\|(.*)\\|\\s*$");
    private static final Pattern FIRST_CODE = Pattern.compile("`([^`]*)`");
    private static final Pattern CONFIG_PROPERTY = Pattern.compile("@ConfigProperty\\(name\\s*=\\s*\"([^\"]+)\"");
    private static final String REQUIRED_PREFIX = "%prod.required-environment.";

    private static Map<String, Documented> reference;
    private static List<String> referenceRows;
    private static Properties properties;
    private static Map<String, List<PropertyRead>> variables;
    private static Map<String, Optional<String>> mappingKeys;
    private static Set<String> keysTheServiceReads;

    @BeforeAll
    static void read() throws IOException {
        reference = new TreeMap<>();
        referenceRows = new ArrayList<>();
        for (String line : Files.readAllLines(REFERENCE)) {
            Matcher row = ROW.matcher(line);
            if (row.matches()) {
                referenceRows.add(row.group(1));
                reference.put(row.group(1), Documented.of(row.group(2).trim()));
            }
        }
        properties = new Properties();
        try (Reader reader = Files.newBufferedReader(PROPERTIES)) {
            properties.load(reader);
        }
        variables = variablesOfProperties();
        Map<Path, String> sources = mainSources();
        mappingKeys = mappingDefaults(sources);
        keysTheServiceReads = new TreeSet<>(mappingKeys.keySet());
        keysTheServiceReads.addAll(configProperties(sources));
    }

    @Test
    void theReferenceIsOneTableWithOneRowPerVariable() {
        assertThat(referenceRows).as("rows of " + REFERENCE).isNotEmpty().doesNotHaveDuplicates();
    }

    @Test
    void everyVariableOfApplicationPropertiesIsDocumented() {
        assertThat(reference.keySet()).as("variables documented in " + REFERENCE)
                .containsAll(variables.keySet());
    }

    @Test
    void everyKeyTheServiceReadsIsSetByADocumentedVariable() {
        List<String> undocumented = keysTheServiceReads.stream()
                .filter(key -> variablesSetting(key).stream().noneMatch(reference::containsKey)
                        && !reference.containsKey(environmentForm(key)))
                .toList();
        assertThat(undocumented).as("keys read by the service's @ConfigMapping/@ConfigProperty with no documented "
                + "variable (neither ${VARIABLE} in application.properties nor the key's own environment form)")
                .isEmpty();
    }

    @Test
    void nothingIsDocumentedThatTheServiceDoesNotRead() {
        Set<String> read = new TreeSet<>(variables.keySet());
        productionKeysOfProperties().forEach(key -> read.add(environmentForm(key)));
        keysTheServiceReads.forEach(key -> read.add(environmentForm(key)));
        assertThat(reference.keySet()).as("documented variables the service reads").allMatch(read::contains,
                "read through application.properties or a @ConfigMapping key");
    }

    @Test
    void requiredVariablesAreExactlyTheOnesProductionRefusesToStartWithout() {
        Set<String> documentedRequired = reference.entrySet().stream().filter(e -> e.getValue().required())
                .map(Map.Entry::getKey).collect(Collectors.toCollection(TreeSet::new));
        assertThat(documentedRequired).isEqualTo(requiredVariables());
    }

    @Test
    void everyDocumentedDefaultIsTheProductionDefault() {
        Map<String, String> wrong = new LinkedHashMap<>();
        reference.forEach((variable, documented) -> {
            if (documented.required()) {
                return;
            }
            String actual = productionDefault(variable).orElse("");
            if (!actual.equals(documented.defaultValue())) {
                wrong.put(variable, "documented `" + documented.defaultValue() + "`, application.properties `" + actual + "`");
            }
        });
        assertThat(wrong).as("defaults in " + REFERENCE + " (first value in backquotes; (none) for an empty one)").isEmpty();
    }

    /** Each ${VARIABLE} of application.properties, in any profile, with the expressions that read it. */
    private static Map<String, List<PropertyRead>> variablesOfProperties() {
        Map<String, List<PropertyRead>> variables = new TreeMap<>();
        for (String name : properties.stringPropertyNames()) {
            Matcher matcher = VARIABLE.matcher(properties.getProperty(name));
            while (matcher.find()) {
                variables.computeIfAbsent(matcher.group(1), v -> new ArrayList<>())
                        .add(new PropertyRead(name, Optional.ofNullable(matcher.group(2))));
            }
        }
        return variables;
    }

    private static Set<String> requiredVariables() {
        return properties.stringPropertyNames().stream().filter(name -> name.startsWith(REQUIRED_PREFIX))
                .flatMap(name -> variablesIn(properties.getProperty(name))).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The default production runs with: a %prod expression first, then one of no profile, then a literal value. */
    private static Optional<String> productionDefault(String variable) {
        List<PropertyRead> reads = variables.getOrDefault(variable, List.of());
        Optional<PropertyRead> read = reads.stream().filter(r -> r.property().startsWith("%prod.")).findFirst()
                .or(() -> reads.stream().filter(r -> !r.property().startsWith("%")).findFirst());
        if (read.isPresent()) {
            return read.get().defaultValue();
        }
        // Read through the environment form of a key: the key's own value in production, else the mapping's default.
        for (String key : productionKeysOfProperties()) {
            if (environmentForm(key).equals(variable)) {
                return Optional.ofNullable(properties.getProperty("%prod." + key, properties.getProperty(key)));
            }
        }
        return mappingKeys.entrySet().stream().filter(e -> environmentForm(e.getKey()).equals(variable))
                .map(Map.Entry::getValue).findFirst().flatMap(d -> d);
    }

    /** The keys application.properties sets for production (no profile, or %prod), without the profile. */
    private static Set<String> productionKeysOfProperties() {
        return properties.stringPropertyNames().stream()
                .filter(name -> !name.startsWith("%") || name.startsWith("%prod."))
                .map(name -> name.startsWith("%prod.") ? name.substring("%prod.".length()) : name)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The variables that the production value of {@code key} in application.properties reads. */
    private static Set<String> variablesSetting(String key) {
        return Stream.of(properties.getProperty(key), properties.getProperty("%prod." + key))
                .filter(value -> value != null).flatMap(ConfigurationReferenceTest::variablesIn)
                .collect(Collectors.toSet());
    }

    private static Stream<String> variablesIn(String value) {
        return VARIABLE.matcher(value).results().map(m -> m.group(1));
    }

    /** Every key of the service's {@code @ConfigMapping} interfaces, with its {@code @WithDefault}. */
    private static Map<String, Optional<String>> mappingDefaults(Map<Path, String> sources) {
        Map<String, Optional<String>> keys = new TreeMap<>();
        for (Class<?> mapping : configMappings(sources)) {
            collectKeys(mapping, mapping.getAnnotation(ConfigMapping.class).prefix(), keys);
        }
        return keys;
    }

    private static void collectKeys(Class<?> group, String prefix, Map<String, Optional<String>> keys) {
        for (Method method : group.getMethods()) {
            if (method.isDefault() || Modifier.isStatic(method.getModifiers()) || method.getParameterCount() > 0) {
                continue;
            }
            String name = method.isAnnotationPresent(WithName.class) ? method.getAnnotation(WithName.class).value()
                    : kebab(method.getName());
            String key = method.isAnnotationPresent(WithParentName.class) ? prefix
                    : prefix.isEmpty() ? name : prefix + "." + name;
            Optional<Class<?>> nested = nestedGroup(method.getGenericReturnType());
            if (nested.isPresent()) {
                collectKeys(nested.get(), key, keys);
            } else {
                WithDefault withDefault = method.getAnnotation(WithDefault.class);
                keys.put(key, Optional.ofNullable(withDefault).map(WithDefault::value));
            }
        }
    }

    /** A group of further keys: an interface of this service, possibly in an Optional. */
    private static Optional<Class<?>> nestedGroup(Type type) {
        if (type instanceof ParameterizedType parameterized && parameterized.getRawType() == Optional.class) {
            return nestedGroup(parameterized.getActualTypeArguments()[0]);
        }
        return type instanceof Class<?> c && c.isInterface() && c.getName().startsWith("io.finchconnect.")
                ? Optional.of(c) : Optional.empty();
    }

    /** The service's {@code @ConfigMapping} interfaces, found in its sources by their annotation. */
    private static List<Class<?>> configMappings(Map<Path, String> sources) {
        List<Class<?>> mappings = new ArrayList<>();
        sources.forEach((file, text) -> {
            if (text.contains("@ConfigMapping")) {
                String name = MAIN_SOURCES.relativize(file).toString().replace(".java", "").replace('/', '.');
                try {
                    mappings.add(Class.forName(name, false, ConfigurationReferenceTest.class.getClassLoader()));
                } catch (ClassNotFoundException e) {
                    throw new IllegalStateException(e);
                }
            }
        });
        assertThat(mappings).as("@ConfigMapping interfaces under " + MAIN_SOURCES).isNotEmpty();
        return mappings;
    }

    /** The keys the service injects one by one with {@code @ConfigProperty(name = ...)}. */
    private static Set<String> configProperties(Map<Path, String> sources) {
        return sources.values().stream().flatMap(text -> CONFIG_PROPERTY.matcher(text).results().map(m -> m.group(1)))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Map<Path, String> mainSources() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN_SOURCES)) {
            Map<Path, String> sources = new TreeMap<>();
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                sources.put(file, Files.readString(file));
            }
            return sources;
        }
    }

    private static String kebab(String methodName) {
        return methodName.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    /** How an environment variable names a property (SmallRye Config): non-alphanumerics become _, upper case. */
    static String environmentForm(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase();
    }

    private record PropertyRead(String property, Optional<String> defaultValue) {
    }

    /** A row's default column: **required**, (none), or the production default as the first value in backquotes. */
    private record Documented(boolean required, String defaultValue) {
        static Documented of(String column) {
            if (column.contains("**required**")) {
                return new Documented(true, null);
            }
            Matcher code = FIRST_CODE.matcher(column);
            if (code.find()) {
                return new Documented(false, code.group(1));
            }
            if (column.equals("(none)")) {
                return new Documented(false, "");
            }
            throw new IllegalStateException("default column neither **required**, (none) nor a value in backquotes: " + column);
        }
    }
}
