package io.kafkaetcd;

import java.util.Collections;
import java.util.List;
import java.util.Objects;

/** One ACL entry: permission bits, scheme and id (ZooKeeper's {@code ACL} + {@code Id}). */
public final class Acl {
    /** ZooKeeper's {@code ZooDefs.Perms}. */
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int CREATE = 4;
    public static final int DELETE = 8;
    public static final int ADMIN = 16;
    public static final int ALL = READ | WRITE | CREATE | DELETE | ADMIN;

    /** {@code ZooDefs.Ids.OPEN_ACL_UNSAFE}. */
    public static final List<Acl> OPEN_ACL_UNSAFE = Collections.singletonList(new Acl(ALL, "world", "anyone"));
    /** {@code ZooDefs.Ids.READ_ACL_UNSAFE}. */
    public static final List<Acl> READ_ACL_UNSAFE = Collections.singletonList(new Acl(READ, "world", "anyone"));

    private final int perms;
    private final String scheme;
    private final String id;

    public Acl(int perms, String scheme, String id) {
        if (scheme == null || id == null) {
            throw new IllegalArgumentException("ACL scheme and id must not be null");
        }
        this.perms = perms;
        this.scheme = scheme;
        this.id = id;
    }

    public int getPerms() { return perms; }
    public String getScheme() { return scheme; }
    public String getId() { return id; }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Acl)) {
            return false;
        }
        Acl a = (Acl) o;
        return perms == a.perms && scheme.equals(a.scheme) && id.equals(a.id);
    }

    @Override
    public int hashCode() {
        return Objects.hash(perms, scheme, id);
    }

    @Override
    public String toString() {
        return scheme + ":" + id + ":" + perms;
    }
}
