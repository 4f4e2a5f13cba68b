package io.kafkaetcd.kafka.tool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The command line: {@code --name value} options, {@code --flag}s, and positional words, in any order. */
final class Options {
    /** Options that take a value; every other {@code --word} is a flag. */
    private static final Set<String> VALUED = new HashSet<>(Arrays.asList("--zk-tls-config-file", "--namespace",
            "--version", "--from", "--to", "--file", "--count", "--zk-config-file", "--zk-auth", "--timeout-ms", "--against"));
    private static final Set<String> FLAGS = new HashSet<>(Arrays.asList("--json", "--force", "--dry-run",
            "--overwrite", "--resume", "--no-verify", "--ephemeral", "--sequential", "--null", "--children",
            "--help"));

    final List<String> words = new ArrayList<>();
    private final Map<String, List<String>> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();

    Options(String[] args) throws ToolException {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                words.addAll(Arrays.asList(args).subList(i + 1, args.length));
                break;
            }
            if (VALUED.contains(a)) {
                if (i + 1 >= args.length) {
                    throw new ToolException(2, a + " needs a value");
                }
                values.computeIfAbsent(a, k -> new ArrayList<>()).add(args[++i]);
            } else if (FLAGS.contains(a)) {
                flags.add(a);
            } else if (a.startsWith("--")) {
                throw new ToolException(2, "unknown option " + a);
            } else {
                words.add(a);
            }
        }
    }

    boolean flag(String name) {
        return flags.contains(name);
    }

    String value(String name) {
        List<String> v = values.get(name);
        return v == null ? null : v.get(v.size() - 1);
    }

    List<String> all(String name) {
        return values.getOrDefault(name, new ArrayList<>());
    }

    int intValue(String name, int dflt) throws ToolException {
        String v = value(name);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new ToolException(2, name + " wants an integer, got '" + v + "'");
        }
    }

    String require(String name) throws ToolException {
        String v = value(name);
        if (v == null) {
            throw new ToolException(2, "this command needs " + name);
        }
        return v;
    }
}
