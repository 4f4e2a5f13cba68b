package io.kafkaetcd.kafka;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Our kafka.zookeeper.ZooKeeperClient against the Scala original in the real
 * kafka_2.13 jar (on the test classpath, after our classes): every public
 * member of the original that is not internal to the Scala class must exist in
 * ours with the same name, descriptor and staticness; ours has no other public
 * member. Internal = from the kafka.utils.Logging trait, or with '$' in the
 * name (lambda bodies, name-mangled accessors, the ZooKeeperClientWatcher module).
 * See docs/kafka-zookeeperclient-abi.md, section 3.
 */
class AbiTest {
    private static final String CLASS_FILE = "kafka/zookeeper/ZooKeeperClient.class";

    /** Access flags, super class and public methods ("static|instance name descriptor") of a class file. */
    static final class Shape {
        int access;
        String superName;
        final Set<String> publicMethods = new TreeSet<>();
        final Set<String> allMethodNames = new TreeSet<>();

        static Shape of(InputStream in) throws IOException {
            Shape s = new Shape();
            new ClassReader(in).accept(new ClassVisitor(Opcodes.ASM9) {
                @Override
                public void visit(int version, int access, String name, String signature, String superName,
                                  String[] interfaces) {
                    s.access = access;
                    s.superName = superName;
                }

                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature,
                                                 String[] exceptions) {
                    s.allMethodNames.add(name);
                    if ((access & Opcodes.ACC_PUBLIC) != 0 && (access & Opcodes.ACC_SYNTHETIC) == 0) {
                        s.publicMethods.add(((access & Opcodes.ACC_STATIC) != 0 ? "static " : "instance ")
                                + name + " " + descriptor);
                    }
                    return null;
                }
            }, ClassReader.SKIP_CODE);
            return s;
        }
    }

    private static URL resource(boolean original, String file) throws IOException {
        List<URL> urls = Collections.list(AbiTest.class.getClassLoader().getResources(file));
        for (URL u : urls) {
            if (u.toString().contains("kafka_2.13-") == original) {
                return u;
            }
        }
        throw new AssertionError("no " + (original ? "Kafka" : "adapter") + " copy of " + file + " in " + urls);
    }

    private static Shape shape(boolean original, String file) throws IOException {
        try (InputStream in = resource(original, file).openStream()) {
            return Shape.of(in);
        }
    }

    /** The original's members that Kafka code can link against (see the class comment). */
    private static Set<String> required() throws IOException {
        Set<String> logging = shape(true, "kafka/utils/Logging.class").allMethodNames;
        Set<String> out = new TreeSet<>();
        for (String m : shape(true, CLASS_FILE).publicMethods) {
            String name = m.split(" ")[1];
            if (!name.contains("$") && !logging.contains(name) && !name.equals("ZooKeeperClientWatcher")) {
                out.add(m);
            }
        }
        return out;
    }

    @Test
    void sameMembersAndDescriptorsAsTheOriginal() throws IOException {
        Set<String> required = required();
        Shape ours = shape(false, CLASS_FILE);
        List<String> missing = required.stream().filter(m -> !ours.publicMethods.contains(m)).collect(Collectors.toList());
        assertEquals(List.of(), missing, "missing or different descriptors (ours: " + ours.publicMethods + ")");
        Set<String> extra = new TreeSet<>(ours.publicMethods);
        extra.removeAll(required);
        assertEquals(Set.of(), extra, "public members the original does not have");
        assertEquals(20, required.size(), "the original's linkable members: " + required);
    }

    @Test
    void sameClassShape() throws IOException {
        Shape ours = shape(false, CLASS_FILE);
        Shape original = shape(true, CLASS_FILE);
        assertEquals("java/lang/Object", ours.superName);
        assertTrue((ours.access & Opcodes.ACC_PUBLIC) != 0, "public");
        int kind = Opcodes.ACC_INTERFACE | Opcodes.ACC_ABSTRACT | Opcodes.ACC_FINAL;
        assertEquals(original.access & kind, ours.access & kind, "a plain class, not final (Kafka's tests mock it)");
    }

    @Test
    void agreesWithTheMembersFileOfTheShellChecker() throws IOException {
        // kafka/abi/ZooKeeperClient.members drives scripts/lib/check-zkclient-abi.sh: keep both in step.
        Path members = Paths.get(System.getProperty("user.dir"), "..", "abi", "ZooKeeperClient.members");
        Set<String> listed;
        try (Stream<String> lines = Files.lines(members)) {
            listed = lines.filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.trim().split("\\s+", 2)[1]).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(required(), listed);
    }

    @Test
    void onlyOurClassLivesInKafkasPackage() throws Exception {
        Path dir = Paths.get(resource(false, CLASS_FILE).toURI()).getParent().getParent();
        List<String> files = new ArrayList<>();
        try (Stream<Path> all = Files.walk(dir)) {
            all.filter(Files::isRegularFile).forEach(f -> files.add(dir.relativize(f).toString()));
        }
        assertEquals(List.of("zookeeper/ZooKeeperClient.class"), files,
                "no nested or helper classes in kafka.* (helpers go to io.kafkaetcd.kafka)");
    }
}
