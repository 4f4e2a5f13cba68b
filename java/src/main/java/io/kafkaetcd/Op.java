package io.kafkaetcd;

import java.util.List;

/** One operation of a multi, as ZooKeeper's {@code Op}: create, delete, setData or check. */
public abstract class Op {
    private final int type;
    private final String path;

    private Op(int type, String path) {
        this.type = type;
        this.path = Request.checkPath(path);
    }

    /** ZooKeeper's op code (1 create, 2 delete, 5 setData, 13 check). */
    public int getType() { return type; }
    public String getPath() { return path; }

    public static Op create(String path, byte[] data, List<Acl> acl, CreateMode mode) {
        return new Create(path, data, acl, mode);
    }

    public static Op delete(String path, int version) {
        return new Delete(path, version);
    }

    public static Op setData(String path, byte[] data, int version) {
        return new SetData(path, data, version);
    }

    public static Op check(String path, int version) {
        return new Check(path, version);
    }

    public static final class Create extends Op {
        private final byte[] data;
        private final List<Acl> acl;
        private final CreateMode mode;

        Create(String path, byte[] data, List<Acl> acl, CreateMode mode) {
            super(Wire.OP_CREATE, path);
            this.data = data;
            this.acl = acl;
            this.mode = Request.checkMode(mode);
        }

        public byte[] getData() { return data; }
        public List<Acl> getAcl() { return acl; }
        public CreateMode getMode() { return mode; }
    }

    public static final class Delete extends Op {
        private final int version;

        Delete(String path, int version) {
            super(Wire.OP_DELETE, path);
            this.version = version;
        }

        public int getVersion() { return version; }
    }

    public static final class SetData extends Op {
        private final byte[] data;
        private final int version;

        SetData(String path, byte[] data, int version) {
            super(Wire.OP_SET_DATA, path);
            this.data = data;
            this.version = version;
        }

        public byte[] getData() { return data; }
        public int getVersion() { return version; }
    }

    public static final class Check extends Op {
        private final int version;

        Check(String path, int version) {
            super(Wire.OP_CHECK, path);
            this.version = version;
        }

        public int getVersion() { return version; }
    }
}
