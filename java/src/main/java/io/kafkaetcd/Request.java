package io.kafkaetcd;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One request, for {@link KafkaEtcdClient#submit} and {@link KafkaEtcdClient#submitBatch}.
 * Immutable; {@link #withContext} attaches a caller object that comes back in the
 * {@link Response} (ZooKeeper's {@code ctx}). A null path is rejected here with
 * IllegalArgumentException, as ZooKeeper's client does; other bad paths are
 * answered BADARGUMENTS by the native side.
 */
public final class Request {
    private final int op;
    private final String path;
    private final byte[] data;
    private final List<Acl> acl;
    private final CreateMode mode;
    private final int version;
    private final boolean watch;
    private final List<Op> ops;
    private final Object ctx;
    private final RestoreNode restore;

    private Request(int op, String path, byte[] data, List<Acl> acl, CreateMode mode, int version, boolean watch,
                    List<Op> ops, Object ctx) {
        this(op, path, data, acl, mode, version, watch, ops, ctx, null);
    }

    private Request(int op, String path, byte[] data, List<Acl> acl, CreateMode mode, int version, boolean watch,
                    List<Op> ops, Object ctx, RestoreNode restore) {
        this.restore = restore;
        this.op = op;
        this.path = path;
        this.data = data;
        this.acl = acl;
        this.mode = mode;
        this.version = version;
        this.watch = watch;
        this.ops = ops;
        this.ctx = ctx;
    }

    static String checkPath(String path) {
        if (path == null) {
            throw new IllegalArgumentException("Path cannot be null");
        }
        return path;
    }

    static CreateMode checkMode(CreateMode mode) {
        if (mode == null) {
            throw new IllegalArgumentException("CreateMode cannot be null");
        }
        return mode;
    }

    /** A null ACL list is sent as an empty one and answered INVALIDACL, as ZooKeeper does. */
    private static List<Acl> acl(List<Acl> acl) {
        return acl == null ? Collections.emptyList() : acl;
    }

    public static Request create(String path, byte[] data, List<Acl> acl, CreateMode mode) {
        return new Request(Wire.OP_CREATE, checkPath(path), data, acl(acl), checkMode(mode), -1, false, null, null);
    }

    public static Request delete(String path, int version) {
        return new Request(Wire.OP_DELETE, checkPath(path), null, null, null, version, false, null, null);
    }

    public static Request setData(String path, byte[] data, int version) {
        return new Request(Wire.OP_SET_DATA, checkPath(path), data, null, null, version, false, null, null);
    }

    /** Reads data and Stat; {@code watch} arms a one-shot data watch (default watcher). */
    public static Request getData(String path, boolean watch) {
        return new Request(Wire.OP_GET_DATA, checkPath(path), null, null, null, -1, watch, null, null);
    }

    /** Reads the Stat (null if absent, with code OK); {@code watch} arms a data watch, also on a missing node. */
    public static Request exists(String path, boolean watch) {
        return new Request(Wire.OP_EXISTS, checkPath(path), null, null, null, -1, watch, null, null);
    }

    /** Reads the children names and the Stat; {@code watch} arms a one-shot children watch. */
    public static Request getChildren(String path, boolean watch) {
        return new Request(Wire.OP_GET_CHILDREN, checkPath(path), null, null, null, -1, watch, null, null);
    }

    public static Request getAcl(String path) {
        return new Request(Wire.OP_GET_ACL, checkPath(path), null, null, null, -1, false, null, null);
    }

    public static Request setAcl(String path, List<Acl> acl, int aclVersion) {
        return new Request(Wire.OP_SET_ACL, checkPath(path), null, acl(acl), null, aclVersion, false, null, null);
    }

    public static Request multi(List<Op> ops) {
        if (ops == null) {
            throw new IllegalArgumentException("ops cannot be null");
        }
        List<Op> copy = new ArrayList<>(ops);
        for (Op o : copy) {
            if (o == null) {
                throw new IllegalArgumentException("an op of a multi cannot be null");
            }
        }
        return new Request(Wire.OP_MULTI, null, null, null, null, -1, false, Collections.unmodifiableList(copy), null);
    }

    /** Writes a node with the given counters (not a ZooKeeper operation; see {@link RestoreNode}). Answers its Stat. */
    public static Request restoreNode(RestoreNode n) {
        if (n == null) {
            throw new IllegalArgumentException("node cannot be null");
        }
        return new Request(Wire.OP_RESTORE, n.path, n.data, acl(n.acl), null, n.version, false, null, null, n);
    }

    /** The same request carrying {@code ctx}, returned by {@link Response#ctx()}. */
    public Request withContext(Object ctx) {
        return new Request(op, path, data, acl, mode, version, watch, ops, ctx, restore);
    }

    /** ZooKeeper's op code: 1 create, 2 delete, 3 exists, 4 getData, 5 setData, 6 getACL, 7 setACL, 12 getChildren, 14 multi. */
    public int op() { return op; }
    /** The path; null for a multi. */
    public String path() { return path; }
    public byte[] data() { return data; }
    public List<Acl> acl() { return acl; }
    public CreateMode mode() { return mode; }
    public int version() { return version; }
    public boolean watch() { return watch; }
    public List<Op> ops() { return ops; }
    public Object ctx() { return ctx; }
    /** The node of a restore request, else null. */
    public RestoreNode restore() { return restore; }

    @Override
    public String toString() {
        return "Request(op " + op + ", " + (path != null ? path : ops.size() + " ops") + ")";
    }
}
