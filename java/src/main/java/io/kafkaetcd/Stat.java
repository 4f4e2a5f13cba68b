package io.kafkaetcd;

import java.util.Objects;

/**
 * A znode's metadata, field for field ZooKeeper's {@code org.apache.zookeeper.data.Stat}.
 * Mutable like ZooKeeper's, so the blocking calls can fill one passed in.
 */
public final class Stat {
    private long czxid;
    private long mzxid;
    private long ctime;
    private long mtime;
    private int version;
    private int cversion;
    private int aversion;
    private long ephemeralOwner;
    private int dataLength;
    private int numChildren;
    private long pzxid;

    public Stat() {
    }

    public Stat(long czxid, long mzxid, long ctime, long mtime, int version, int cversion, int aversion,
                long ephemeralOwner, int dataLength, int numChildren, long pzxid) {
        this.czxid = czxid;
        this.mzxid = mzxid;
        this.ctime = ctime;
        this.mtime = mtime;
        this.version = version;
        this.cversion = cversion;
        this.aversion = aversion;
        this.ephemeralOwner = ephemeralOwner;
        this.dataLength = dataLength;
        this.numChildren = numChildren;
        this.pzxid = pzxid;
    }

    /** Copies every field of {@code other} into this one. */
    public void copyFrom(Stat other) {
        czxid = other.czxid;
        mzxid = other.mzxid;
        ctime = other.ctime;
        mtime = other.mtime;
        version = other.version;
        cversion = other.cversion;
        aversion = other.aversion;
        ephemeralOwner = other.ephemeralOwner;
        dataLength = other.dataLength;
        numChildren = other.numChildren;
        pzxid = other.pzxid;
    }

    public long getCzxid() { return czxid; }
    public long getMzxid() { return mzxid; }
    public long getCtime() { return ctime; }
    public long getMtime() { return mtime; }
    public int getVersion() { return version; }
    public int getCversion() { return cversion; }
    public int getAversion() { return aversion; }
    public long getEphemeralOwner() { return ephemeralOwner; }
    public int getDataLength() { return dataLength; }
    public int getNumChildren() { return numChildren; }
    public long getPzxid() { return pzxid; }

    public void setCzxid(long v) { czxid = v; }
    public void setMzxid(long v) { mzxid = v; }
    public void setCtime(long v) { ctime = v; }
    public void setMtime(long v) { mtime = v; }
    public void setVersion(int v) { version = v; }
    public void setCversion(int v) { cversion = v; }
    public void setAversion(int v) { aversion = v; }
    public void setEphemeralOwner(long v) { ephemeralOwner = v; }
    public void setDataLength(int v) { dataLength = v; }
    public void setNumChildren(int v) { numChildren = v; }
    public void setPzxid(long v) { pzxid = v; }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Stat)) {
            return false;
        }
        Stat s = (Stat) o;
        return czxid == s.czxid && mzxid == s.mzxid && ctime == s.ctime && mtime == s.mtime
                && version == s.version && cversion == s.cversion && aversion == s.aversion
                && ephemeralOwner == s.ephemeralOwner && dataLength == s.dataLength
                && numChildren == s.numChildren && pzxid == s.pzxid;
    }

    @Override
    public int hashCode() {
        return Objects.hash(czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner,
                dataLength, numChildren, pzxid);
    }

    /** ZooKeeper's CSV order: czxid,mzxid,ctime,mtime,version,cversion,aversion,ephemeralOwner,dataLength,numChildren,pzxid. */
    @Override
    public String toString() {
        return czxid + "," + mzxid + "," + ctime + "," + mtime + "," + version + "," + cversion + ","
                + aversion + "," + ephemeralOwner + "," + dataLength + "," + numChildren + "," + pzxid;
    }
}
