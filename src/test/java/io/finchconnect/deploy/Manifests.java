package io.finchconnect.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/** The objects of one rendered kustomization (or of one plain manifest file), as parsed YAML trees. */
record Manifests(String source, List<JsonNode> objects) {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The kustomizations CI renders: the base and every overlay (the overlays pull in the components). */
    static Stream<Path> kustomizations() {
        return Stream.of("base", "overlays/local", "overlays/production").map(Kustomize.DEPLOY::resolve);
    }

    static Manifests render(Path kustomization) {
        return parse(kustomization.toString(), Kustomize.render(kustomization));
    }

    /** The optional components an overlay may add (deploy/README.md, "Components"); none is in an overlay. */
    static final List<String> OPTIONAL_COMPONENTS = List.of("components/egress-finch-cilium", "components/autoscaling-keda");

    /** The production overlay with one more component, as an operator would add it to its components:. */
    static Manifests productionWith(String component) {
        return render(productionVariant(component.replace('/', '-'), kustomization -> kustomization.replace(
                "components:\n", "components:\n  - ../../" + component + "\n")));
    }

    /**
     * A copy of the production overlay with its kustomization.yaml edited, under target/deploy-variants/NAME (as deep
     * as deploy/overlays/production, so its ../../ paths are rewritten to ../../../deploy/).
     */
    static Path productionVariant(String name, UnaryOperator<String> edit) {
        try {
            Path production = Kustomize.DEPLOY.resolve("overlays/production");
            String edited = edit.apply(Files.readString(production.resolve("kustomization.yaml")));
            Path dir = Path.of("target", "deploy-variants", name);
            Files.createDirectories(dir);
            try (Stream<Path> files = Files.list(production)) {
                for (Path file : files.toList()) {
                    Files.copy(file, dir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.writeString(dir.resolve("kustomization.yaml"), edited.replace("../../", "../../../deploy/"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Manifests read(Path file) {
        try {
            return parse(file.toString(), Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Manifests parse(String source, String yaml) {
        try {
            List<JsonNode> objects = YAML.readerFor(JsonNode.class).<JsonNode> readValues(yaml).readAll().stream()
                    .filter(node -> node != null && !node.isNull() && !node.isMissingNode())
                    .toList();
            return new Manifests(source, objects);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse the YAML of " + source, e);
        }
    }

    Stream<JsonNode> ofKind(String kind) {
        return objects.stream().filter(object -> kind.equals(object.path("kind").asText()));
    }

    JsonNode single(String kind) {
        List<JsonNode> found = ofKind(kind).toList();
        if (found.size() != 1) {
            throw new AssertionError(source + ": expected one " + kind + ", found " + found.size());
        }
        return found.get(0);
    }

    @Override
    public String toString() {
        return source;
    }
}
