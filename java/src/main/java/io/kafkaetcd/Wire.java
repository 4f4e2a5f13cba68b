package io.kafkaetcd;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The binary encoding between Java and the native library (Rust:
 * src/jni/codec.rs, which documents the format): big-endian, what
 * {@link ByteBuffer} reads by default. Change both sides together.
 */
final class Wire {
    static final int OP_CREATE = 1;
    static final int OP_DELETE = 2;
    static final int OP_EXISTS = 3;
    static final int OP_GET_DATA = 4;
    static final int OP_SET_DATA = 5;
    static final int OP_GET_ACL = 6;
    static final int OP_SET_ACL = 7;
    static final int OP_GET_CHILDREN = 12;
    static final int OP_CHECK = 13;
    static final int OP_MULTI = 14;
    static final int OP_RESTORE = 50;

    static final byte REC_COMPLETION = 1;
    static final byte REC_EVENT = 2;
    static final byte REC_CLOSED = 3;

    private static final byte R_NONE = 0;
    private static final byte R_CREATED = 1;
    private static final byte R_DELETED = 2;
    private static final byte R_STAT = 3;
    private static final byte R_DATA = 4;
    private static final byte R_EXISTS = 5;
    private static final byte R_CHILDREN = 6;
    private static final byte R_ACL = 7;
    private static final byte R_MULTI = 8;

    private static final byte RES_CREATE = 1;
    private static final byte RES_DELETE = 2;
    private static final byte RES_SET_DATA = 3;
    private static final byte RES_CHECK = 4;
    private static final byte RES_ERROR = 5;

    private Wire() {
    }

    // ---- security settings (the last argument of NativeClient.open) ---------

    /** Each field as nullable bytes, in codec.rs's order. */
    static byte[] encodeSecurity(byte[] caPem, byte[] certPem, byte[] keyPem, byte[] serverName, byte[] user,
            byte[] password) {
        byte[][] fields = {caPem, certPem, keyPem, serverName, user, password};
        int size = 0;
        for (byte[] f : fields) {
            size += 4 + (f == null ? 0 : f.length);
        }
        Out out = new Out(size);
        for (byte[] f : fields) {
            out.putBytes(f);
        }
        return out.toArray();
    }

    // ---- requests -------------------------------------------------------

    static byte[] encodeBatch(List<Request> requests) {
        Out out = new Out(32 * requests.size() + 8);
        out.putInt(requests.size());
        for (Request r : requests) {
            if (r == null) {
                throw new IllegalArgumentException("a request cannot be null");
            }
            encode(out, r);
        }
        return out.toArray();
    }

    static byte[] encodeOne(Request r) {
        Out out = new Out(64);
        encode(out, r);
        return out.toArray();
    }

    private static void encode(Out out, Request r) {
        out.putByte(r.op());
        switch (r.op()) {
            case OP_CREATE:
                out.putPath(r.path());
                out.putBytes(r.data());
                out.putAcls(r.acl());
                out.putInt(r.mode().toFlag());
                break;
            case OP_DELETE:
                out.putPath(r.path());
                out.putInt(r.version());
                break;
            case OP_EXISTS:
            case OP_GET_DATA:
            case OP_GET_CHILDREN:
                out.putPath(r.path());
                out.putByte(r.watch() ? 1 : 0);
                break;
            case OP_SET_DATA:
                out.putPath(r.path());
                out.putBytes(r.data());
                out.putInt(r.version());
                break;
            case OP_GET_ACL:
                out.putPath(r.path());
                break;
            case OP_SET_ACL:
                out.putPath(r.path());
                out.putAcls(r.acl());
                out.putInt(r.version());
                break;
            case OP_MULTI:
                out.putInt(r.ops().size());
                for (Op op : r.ops()) {
                    encodeOp(out, op);
                }
                break;
            case OP_RESTORE: {
                RestoreNode n = r.restore();
                out.putPath(n.path);
                out.putBytes(n.data);
                out.putAcls(r.acl());
                out.putLong(n.ctime);
                out.putLong(n.mtime);
                out.putInt(n.version);
                out.putInt(n.aversion);
                out.putLong(n.childCreates);
                break;
            }
            default:
                throw new IllegalArgumentException("unknown op " + r.op());
        }
    }

    private static void encodeOp(Out out, Op op) {
        out.putByte(op.getType());
        out.putPath(op.getPath());
        if (op instanceof Op.Create) {
            Op.Create c = (Op.Create) op;
            out.putBytes(c.getData());
            out.putAcls(c.getAcl() == null ? Collections.<Acl>emptyList() : c.getAcl());
            out.putInt(c.getMode().toFlag());
        } else if (op instanceof Op.Delete) {
            out.putInt(((Op.Delete) op).getVersion());
        } else if (op instanceof Op.SetData) {
            Op.SetData s = (Op.SetData) op;
            out.putBytes(s.getData());
            out.putInt(s.getVersion());
        } else {
            out.putInt(((Op.Check) op).getVersion());
        }
    }

    /** A growable big-endian buffer: cheaper than DataOutputStream's synchronized writes. */
    private static final class Out {
        private byte[] buf;
        private int len;

        Out(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        private void ensure(int n) {
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            }
        }

        void putByte(int v) {
            ensure(1);
            buf[len++] = (byte) v;
        }

        void putInt(int v) {
            ensure(4);
            buf[len++] = (byte) (v >>> 24);
            buf[len++] = (byte) (v >>> 16);
            buf[len++] = (byte) (v >>> 8);
            buf[len++] = (byte) v;
        }

        void putLong(long v) {
            putInt((int) (v >>> 32));
            putInt((int) v);
        }

        void putBytes(byte[] b) {
            if (b == null) {
                putInt(-1);
                return;
            }
            putInt(b.length);
            ensure(b.length);
            System.arraycopy(b, 0, buf, len, b.length);
            len += b.length;
        }

        void putString(String s) {
            putBytes(s.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * A path. {@code getBytes(UTF_8)} would turn a lone surrogate into
         * {@code '?'} and so name another node; ZooKeeper refuses every
         * surrogate in a path. So each surrogate goes as its own 3-byte
         * sequence, which is not UTF-8: the native side refuses the request
         * with BADARGUMENTS.
         */
        void putPath(String s) {
            int i = 0;
            while (i < s.length() && !Character.isSurrogate(s.charAt(i))) {
                i++;
            }
            if (i == s.length()) {
                putString(s);
                return;
            }
            byte[] head = s.substring(0, i).getBytes(StandardCharsets.UTF_8);
            byte[] b = Arrays.copyOf(head, head.length + 3 * (s.length() - i));
            int n = head.length;
            for (; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.isSurrogate(c)) {
                    b[n++] = (byte) (0xE0 | (c >> 12));
                    b[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                    b[n++] = (byte) (0x80 | (c & 0x3F));
                } else {
                    byte[] one = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                    System.arraycopy(one, 0, b, n, one.length);
                    n += one.length;
                }
            }
            putBytes(Arrays.copyOf(b, n));
        }

        void putAcls(List<Acl> acl) {
            putInt(acl.size());
            for (Acl a : acl) {
                if (a == null) {
                    throw new IllegalArgumentException("an ACL entry cannot be null");
                }
                putInt(a.getPerms());
                putString(a.getScheme());
                putString(a.getId());
            }
        }

        byte[] toArray() {
            return Arrays.copyOf(buf, len);
        }
    }

    // ---- replies and events ---------------------------------------------

    /**
     * Reads a completion record's body (after its kind byte and seq) as the
     * response to {@code request}.
     */
    static Response readResponse(ByteBuffer b, Request request, long sendTimeMs, long receivedTimeMs) {
        int rawCode = b.getInt();
        Code code = Code.get(rawCode);
        String message = readString(b);
        if (code == null) {
            message = "unknown result code " + rawCode + ": " + message;
            code = Code.SYSTEMERROR;
        }
        String created = null;
        byte[] data = null;
        Stat stat = null;
        List<String> children = null;
        List<Acl> acl = null;
        List<OpResult> results = null;
        byte type = b.get();
        switch (type) {
            case R_NONE:
            case R_DELETED:
                break;
            case R_CREATED:
                created = readString(b);
                stat = readStat(b);
                break;
            case R_STAT:
                stat = readStat(b);
                break;
            case R_DATA:
                data = readBytes(b);
                stat = readStat(b);
                break;
            case R_EXISTS:
                stat = b.get() != 0 ? readStat(b) : null;
                break;
            case R_CHILDREN: {
                int n = b.getInt();
                List<String> names = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    names.add(readString(b));
                }
                children = names;
                stat = readStat(b);
                break;
            }
            case R_ACL:
                acl = readAcls(b);
                stat = readStat(b);
                break;
            case R_MULTI:
                results = readResults(b);
                break;
            default:
                throw new IllegalStateException("unknown reply type " + type);
        }
        return new Response(request, code, message, created, data, stat, children, acl, results, sendTimeMs,
                receivedTimeMs);
    }

    private static List<OpResult> readResults(ByteBuffer b) {
        int n = b.getInt();
        List<OpResult> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte t = b.get();
            switch (t) {
                case RES_CREATE:
                    out.add(new OpResult.CreateResult(readString(b), readStat(b)));
                    break;
                case RES_DELETE:
                    out.add(new OpResult.DeleteResult());
                    break;
                case RES_SET_DATA:
                    out.add(new OpResult.SetDataResult(readStat(b)));
                    break;
                case RES_CHECK:
                    out.add(new OpResult.CheckResult());
                    break;
                case RES_ERROR:
                    out.add(new OpResult.ErrorResult(b.getInt()));
                    break;
                default:
                    throw new IllegalStateException("unknown op result type " + t);
            }
        }
        return Collections.unmodifiableList(out);
    }

    static WatchedEvent readEvent(ByteBuffer b) {
        EventType type = EventType.fromInt(b.getInt());
        KeeperState state = KeeperState.fromInt(b.getInt());
        byte[] path = readBytes(b);
        return new WatchedEvent(type, state, path == null ? null : new String(path, StandardCharsets.UTF_8));
    }

    static Stat readStat(ByteBuffer b) {
        return new Stat(b.getLong(), b.getLong(), b.getLong(), b.getLong(), b.getInt(), b.getInt(), b.getInt(),
                b.getLong(), b.getInt(), b.getInt(), b.getLong());
    }

    static byte[] readBytes(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) {
            return null;
        }
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    static String readString(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0) {
            return null;
        }
        String s = new String(b.array(), b.arrayOffset() + b.position(), n, StandardCharsets.UTF_8);
        b.position(b.position() + n);
        return s;
    }

    private static List<Acl> readAcls(ByteBuffer b) {
        int n = b.getInt();
        List<Acl> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(new Acl(b.getInt(), readString(b), readString(b)));
        }
        return Collections.unmodifiableList(out);
    }
}
