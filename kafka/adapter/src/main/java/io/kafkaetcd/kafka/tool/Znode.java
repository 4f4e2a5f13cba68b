package io.kafkaetcd.kafka.tool;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.kafkaetcd.Acl;
import io.kafkaetcd.RestoreNode;

/**
 * One znode as the tool moves it between stores: data (null kept apart from empty), ACL, times
 * and the counters Kafka fences on. {@code childCreates} is the count of child creates that
 * ZooKeeper keeps behind cversion (the next sequential suffix): {@code (cversion + numChildren) / 2}.
 * Zxids are not carried: each store numbers its own transactions.
 */
public final class Znode {
    static final ObjectMapper JSON = new ObjectMapper();

    public final String path;
    public final byte[] data;
    public final List<Acl> acl;
    public final long ctime;
    public final long mtime;
    public final int version;
    public final int cversion;
    public final int aversion;
    public final int numChildren;
    public final long ephemeralOwner;

    public Znode(String path, byte[] data, List<Acl> acl, long ctime, long mtime, int version, int cversion,
            int aversion, int numChildren, long ephemeralOwner) {
        this.path = path;
        this.data = data;
        this.acl = acl;
        this.ctime = ctime;
        this.mtime = mtime;
        this.version = version;
        this.cversion = cversion;
        this.aversion = aversion;
        this.numChildren = numChildren;
        this.ephemeralOwner = ephemeralOwner;
    }

    public long childCreates() {
        return ((long) cversion + numChildren) / 2;
    }

    public boolean ephemeral() {
        return ephemeralOwner != 0;
    }

    RestoreNode toRestore() {
        return new RestoreNode(path, data, acl, ctime, mtime, version, aversion, childCreates());
    }

    /**
     * The fields a copy must keep, compared; null when equal. Times only when both stores keep
     * them ({@code withTimes}: ZooKeeper sets its own ctime/mtime on create).
     */
    String differences(Znode o, boolean withTimes) {
        List<String> d = new ArrayList<>();
        if (!Arrays.equals(data, o.data)) {
            d.add("data " + describeData(data) + " != " + describeData(o.data));
        }
        if (!new java.util.HashSet<>(acl).equals(new java.util.HashSet<>(o.acl))) {
            d.add("acl " + acl + " != " + o.acl);
        }
        if (version != o.version) {
            d.add("version " + version + " != " + o.version);
        }
        if (aversion != o.aversion) {
            d.add("aversion " + aversion + " != " + o.aversion);
        }
        if (childCreates() != o.childCreates()) {
            d.add("next sequential suffix " + childCreates() + " != " + o.childCreates());
        }
        if (withTimes && (ctime != o.ctime || mtime != o.mtime)) {
            d.add("ctime/mtime " + ctime + "/" + mtime + " != " + o.ctime + "/" + o.mtime);
        }
        return d.isEmpty() ? null : String.join("; ", d);
    }

    static String describeData(byte[] b) {
        return b == null ? "null" : b.length + " bytes";
    }

    /** One JSON object (a line of a dump): data in base64, null kept as null. */
    ObjectNode toJson() {
        ObjectNode o = JSON.createObjectNode();
        o.put("path", path);
        if (data == null) {
            o.putNull("data");
        } else {
            o.put("data", Base64.getEncoder().encodeToString(data));
        }
        ArrayNode a = o.putArray("acl");
        for (Acl e : acl) {
            a.addObject().put("perms", e.getPerms()).put("scheme", e.getScheme()).put("id", e.getId());
        }
        o.put("ctime", ctime).put("mtime", mtime).put("version", version).put("cversion", cversion)
                .put("aversion", aversion).put("numChildren", numChildren).put("ephemeralOwner", ephemeralOwner);
        return o;
    }

    static Znode fromJson(JsonNode o) {
        String path = text(o, "path");
        JsonNode d = field(o, "data");
        byte[] data = d.isNull() ? null : Base64.getDecoder().decode(d.asText());
        List<Acl> acl = new ArrayList<>();
        for (JsonNode e : field(o, "acl")) {
            acl.add(new Acl(field(e, "perms").asInt(), text(e, "scheme"), text(e, "id")));
        }
        return new Znode(path, data, acl, field(o, "ctime").asLong(), field(o, "mtime").asLong(),
                field(o, "version").asInt(), field(o, "cversion").asInt(), field(o, "aversion").asInt(),
                field(o, "numChildren").asInt(), field(o, "ephemeralOwner").asLong());
    }

    private static JsonNode field(JsonNode o, String name) {
        JsonNode v = o.get(name);
        if (v == null) {
            throw new IllegalArgumentException("missing field \"" + name + "\"");
        }
        return v;
    }

    private static String text(JsonNode o, String name) {
        return Objects.requireNonNull(field(o, name).textValue(), name + " must be a string");
    }
}
