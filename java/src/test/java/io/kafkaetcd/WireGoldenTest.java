package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToIntFunction;

import org.junit.jupiter.api.Test;

/**
 * The wire format against the golden vectors in tests/data/wire/, which the
 * Rust side (src/jni/wire_golden.rs) is tested against too: a change to one
 * side alone fails one of the two tests (no native library needed here).
 * requests.txt: what Wire must encode; replies.txt: what Wire must read back.
 */
class WireGoldenTest {
    private static final List<Acl> WORLD = List.of(new Acl(31, "world", "anyone"));
    private static final Stat STAT = new Stat(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);

    static Path dir() {
        return Path.of(System.getProperty("kafkaetcd.wire.vectors", "../tests/data/wire"));
    }

    static List<String> lines(String file) throws IOException {
        List<String> out = new java.util.ArrayList<>();
        for (String l : Files.readAllLines(dir().resolve(file), StandardCharsets.UTF_8)) {
            if (!l.isBlank() && !l.startsWith("#")) {
                out.add(l);
            }
        }
        return out;
    }

    static Map<String, byte[]> vectors(String file) throws IOException {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (String l : lines(file)) {
            String[] f = l.split(" ");
            assertEquals(2, f.length, file + ": not NAME HEX: " + l);
            byte[] b = new byte[f[1].length() / 2];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) Integer.parseInt(f[1].substring(2 * i, 2 * i + 2), 16);
            }
            out.put(f[0], b);
        }
        return out;
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x & 0xff));
        }
        return s.toString();
    }

    @Test
    void requestsEncodeToTheGoldenBytes() throws IOException {
        Map<String, byte[]> v = vectors("requests.txt");
        Map<String, byte[]> ours = new LinkedHashMap<>();
        ours.put("create", Wire.encodeOne(Request.create("/a", new byte[] {1, 2, 3}, WORLD, CreateMode.EPHEMERAL_SEQUENTIAL)));
        ours.put("create_null_data_no_acl", Wire.encodeOne(Request.create("/n", null, null, CreateMode.PERSISTENT)));
        ours.put("delete", Wire.encodeOne(Request.delete("/a", 7)));
        ours.put("exists_watch", Wire.encodeOne(Request.exists("/a", true)));
        ours.put("get_data", Wire.encodeOne(Request.getData("/a/b", false)));
        ours.put("get_children_watch", Wire.encodeOne(Request.getChildren("/", true)));
        ours.put("set_data_empty_any_version", Wire.encodeOne(Request.setData("/a", new byte[0], -1)));
        ours.put("get_acl", Wire.encodeOne(Request.getAcl("/a")));
        ours.put("set_acl", Wire.encodeOne(Request.setAcl("/a", List.of(new Acl(1, "digest", "u:p")), 2)));
        ours.put("multi", Wire.encodeOne(Request.multi(List.of(Op.check("/a", 1),
                Op.create("/b", "x".getBytes(StandardCharsets.UTF_8), WORLD, CreateMode.PERSISTENT),
                Op.setData("/a", null, 3), Op.delete("/b", -1)))));
        ours.put("utf8_path", Wire.encodeOne(Request.getAcl("/caf\u00e9")));
        ours.put("surrogate_path", Wire.encodeOne(Request.getAcl("/s\uD800")));
        ours.put("batch", Wire.encodeBatch(List.of(Request.getData("/x", true), Request.delete("/y", 0))));
        ours.put("security", Wire.encodeSecurity(bytes("CA"), null, null, bytes("etcd.test"), bytes("u"), bytes("p")));
        ours.put("security_plaintext", Wire.encodeSecurity(null, null, null, null, null, null));
        // Every vector is checked: a new one needs its request here.
        assertEquals(new TreeMap<>(v).keySet(), new TreeMap<>(ours).keySet(), "requests.txt vectors");
        for (Map.Entry<String, byte[]> e : ours.entrySet()) {
            assertEquals(hex(v.get(e.getKey())), hex(e.getValue()),
                    "vector " + e.getKey() + ": requests.txt (expected) vs Wire's encoding (actual)");
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The body of a completion record after its kind byte and seq, read as Dispatcher reads it. */
    private static Response completion(byte[] record, long seq) {
        ByteBuffer b = ByteBuffer.wrap(record);
        assertEquals(Wire.REC_COMPLETION, b.get());
        assertEquals(seq, b.getLong());
        Response r = Wire.readResponse(b, Request.getAcl("/"), 0, 0);
        assertFalse(b.hasRemaining(), "bytes left after the record");
        return r;
    }

    @Test
    void repliesReadBackAsTheGoldenValues() throws IOException {
        Map<String, byte[]> v = vectors("replies.txt");
        assertEquals(15, v.size(), "replies.txt vectors: a new one needs its check here");

        Response created = completion(v.get("created"), 5);
        assertEquals(Code.OK, created.code());
        assertEquals("/a0000000001", created.createdPath());
        assertEquals(STAT, created.stat());
        assertEquals(Code.OK, completion(v.get("deleted"), 6).code());
        assertEquals(STAT, completion(v.get("stat"), 7).stat());
        Response data = completion(v.get("data"), 8);
        assertArrayEquals(new byte[] {0, (byte) 255}, data.data());
        assertEquals(STAT, data.stat());
        Response nullData = completion(v.get("data_null"), 9);
        assertNull(nullData.data());
        assertEquals(STAT, nullData.stat());
        assertEquals(STAT, completion(v.get("exists_yes"), 10).stat());
        assertNull(completion(v.get("exists_no"), 11).stat());
        Response children = completion(v.get("children"), 12);
        assertEquals(List.of("b", "c"), children.children());
        assertEquals(STAT, children.stat());
        Response acl = completion(v.get("acl"), 13);
        assertEquals(WORLD, acl.acl());
        assertEquals(STAT, acl.stat());

        Response multi = completion(v.get("multi_ok"), 14);
        assertEquals(Code.OK, multi.code());
        List<OpResult> ok = multi.opResults();
        assertEquals(4, ok.size());
        assertEquals("/b", ((OpResult.CreateResult) ok.get(0)).getPath());
        assertEquals(STAT, ((OpResult.CreateResult) ok.get(0)).getStat());
        assertInstanceOf(OpResult.DeleteResult.class, ok.get(1));
        assertEquals(STAT, ((OpResult.SetDataResult) ok.get(2)).getStat());
        assertInstanceOf(OpResult.CheckResult.class, ok.get(3));
        Response failed = completion(v.get("multi_failed"), 15);
        assertEquals(Code.NONODE, failed.code());
        int[] errs = failed.opResults().stream().mapToInt(r -> ((OpResult.ErrorResult) r).getErr()).toArray();
        assertArrayEquals(new int[] {0, -101, -2}, errs);

        Response error = completion(v.get("error"), -1);
        assertEquals(Code.NONODE, error.code());
        assertEquals("no node /x", error.exception().getMessage());

        WatchedEvent node = event(v.get("event_node"));
        assertEquals(Arrays.asList(EventType.NodeDataChanged, KeeperState.SyncConnected, "/a"),
                Arrays.asList(node.getType(), node.getState(), node.getPath()));
        WatchedEvent state = event(v.get("event_state"));
        assertEquals(Arrays.asList(EventType.None, KeeperState.Expired, null),
                Arrays.asList(state.getType(), state.getState(), state.getPath()));
        assertArrayEquals(new byte[] {Wire.REC_CLOSED}, v.get("closed"));
    }

    private static WatchedEvent event(byte[] record) {
        ByteBuffer b = ByteBuffer.wrap(record);
        assertEquals(Wire.REC_EVENT, b.get());
        WatchedEvent e = Wire.readEvent(b);
        assertFalse(b.hasRemaining(), "bytes left after the event");
        return e;
    }

    /** Each constant's name and number. */
    private static <E extends Enum<E>> Map<String, Integer> numbers(E[] values, ToIntFunction<E> number) {
        Map<String, Integer> out = new TreeMap<>();
        for (E e : values) {
            out.put(e.name(), number.applyAsInt(e));
        }
        return out;
    }

    /** codes.txt: each Java enum holds exactly the entries of its kind there. */
    @Test
    void numbersAreTheSharedOnes() throws IOException {
        Map<String, Map<String, Integer>> file = new TreeMap<>();
        for (String l : lines("codes.txt")) {
            String[] f = l.split("\\s+");
            assertEquals(3, f.length, "codes.txt: not KIND NAME NUMBER: " + l);
            file.computeIfAbsent(f[0], k -> new TreeMap<>()).put(f[1], Integer.parseInt(f[2]));
        }
        assertEquals(file.get("code"), numbers(Code.values(), Code::intValue), "code");
        assertEquals(file.get("event_type"), numbers(EventType.values(), EventType::getIntValue), "event_type");
        assertEquals(file.get("keeper_state"), numbers(KeeperState.values(), KeeperState::getIntValue), "keeper_state");
        assertEquals(file.get("create_mode"), numbers(CreateMode.values(), CreateMode::toFlag), "create_mode");
    }
}
