package io.kafkaetcd;

import java.util.List;

/**
 * The answer to one {@link Request}: a result {@link Code} (errors are answers
 * too, as in ZooKeeper's callbacks) and what the operation returns. Getters of
 * parts an operation does not return give null.
 */
public final class Response {
    private final Request request;
    private final Code code;
    private final String message;
    private final String createdPath;
    private final byte[] data;
    private final Stat stat;
    private final List<String> children;
    private final List<Acl> acl;
    private final List<OpResult> opResults;
    private final long sendTimeMs;
    private final long receivedTimeMs;

    Response(Request request, Code code, String message, String createdPath, byte[] data, Stat stat,
             List<String> children, List<Acl> acl, List<OpResult> opResults, long sendTimeMs, long receivedTimeMs) {
        this.request = request;
        this.code = code;
        this.message = message;
        this.createdPath = createdPath;
        this.data = data;
        this.stat = stat;
        this.children = children;
        this.acl = acl;
        this.opResults = opResults;
        this.sendTimeMs = sendTimeMs;
        this.receivedTimeMs = receivedTimeMs;
    }

    /** An answer made on the Java side (the client is closed, the request never left). */
    static Response failed(Request request, Code code, String message, long sendTimeMs) {
        return new Response(request, code, message, null, null, null, null, null, null, sendTimeMs, sendTimeMs);
    }

    public Request request() { return request; }
    public Object ctx() { return request.ctx(); }
    public Code code() { return code; }
    public boolean isOk() { return code == Code.OK; }
    /** The request's path (null for a multi). */
    public String path() { return request.path(); }
    /** create: the actual path, sequence suffix included. */
    public String createdPath() { return createdPath; }
    /** getData: the data; null and empty stay distinct. */
    public byte[] data() { return data; }
    /** The node's Stat (create, setData, getData, exists, getChildren, getACL, setACL); exists: null if absent. */
    public Stat stat() { return stat; }
    public List<String> children() { return children; }
    public List<Acl> acl() { return acl; }
    /** multi: one result per op, also when it failed. */
    public List<OpResult> opResults() { return opResults; }
    /** When the request was handed to the client, in {@code System.nanoTime()} milliseconds. */
    public long sendTimeMs() { return sendTimeMs; }
    /** When the answer reached the Java side, same clock. */
    public long receivedTimeMs() { return receivedTimeMs; }

    /** The error as an exception, or null when the code is OK. */
    public KeeperException exception() {
        if (code == Code.OK) {
            return null;
        }
        return KeeperException.create(code, message, request.path()).withResults(opResults);
    }

    /** Returns this response, or throws its error. */
    public Response throwIfError() throws KeeperException {
        KeeperException e = exception();
        if (e != null) {
            throw e;
        }
        return this;
    }

    @Override
    public String toString() {
        return "Response(" + code + ", " + request + ")";
    }
}
