package io.kafkaetcd;

import java.util.List;

/**
 * A failed operation, as ZooKeeper's {@code KeeperException}: one subclass per
 * {@link Code}, so callers can catch {@code NoNodeException} and the like, or
 * switch on {@link #code()}.
 */
public abstract class KeeperException extends Exception {
    private static final long serialVersionUID = 1L;

    private final Code code;
    private final String path;
    private transient List<OpResult> results;

    protected KeeperException(Code code, String message, String path) {
        super(message != null && !message.isEmpty() ? message : defaultMessage(code, path));
        this.code = code;
        this.path = path;
    }

    /** ZooKeeper's message shape: {@code KeeperErrorCode = NONODE for /a}. */
    static String defaultMessage(Code code, String path) {
        return "KeeperErrorCode = " + code.name() + (path != null ? " for " + path : "");
    }

    public Code code() {
        return code;
    }

    /** The path of the request that failed, when known. */
    public String getPath() {
        return path;
    }

    /** For a failed multi: one result per op (ZooKeeper's shape), else null. */
    public List<OpResult> getResults() {
        return results;
    }

    KeeperException withResults(List<OpResult> results) {
        this.results = results;
        return this;
    }

    /** The exception for a native error code; called by the native library. */
    public static KeeperException create(int code, String message) {
        Code c = Code.get(code);
        if (c == null || c == Code.OK) {
            return new SystemErrorException("unknown result code " + code + ": " + message, null);
        }
        return create(c, message, null);
    }

    public static KeeperException create(Code code, String message, String path) {
        switch (code) {
            case SYSTEMERROR:
                return new SystemErrorException(message, path);
            case RUNTIMEINCONSISTENCY:
                return new RuntimeInconsistencyException(message, path);
            case DATAINCONSISTENCY:
                return new DataInconsistencyException(message, path);
            case CONNECTIONLOSS:
                return new ConnectionLossException(message, path);
            case MARSHALLINGERROR:
                return new MarshallingErrorException(message, path);
            case UNIMPLEMENTED:
                return new UnimplementedException(message, path);
            case OPERATIONTIMEOUT:
                return new OperationTimeoutException(message, path);
            case BADARGUMENTS:
                return new BadArgumentsException(message, path);
            case UNKNOWNSESSION:
                return new UnknownSessionException(message, path);
            case APIERROR:
                return new APIErrorException(message, path);
            case NONODE:
                return new NoNodeException(message, path);
            case NOAUTH:
                return new NoAuthException(message, path);
            case BADVERSION:
                return new BadVersionException(message, path);
            case NOCHILDRENFOREPHEMERALS:
                return new NoChildrenForEphemeralsException(message, path);
            case NODEEXISTS:
                return new NodeExistsException(message, path);
            case NOTEMPTY:
                return new NotEmptyException(message, path);
            case SESSIONEXPIRED:
                return new SessionExpiredException(message, path);
            case INVALIDCALLBACK:
                return new InvalidCallbackException(message, path);
            case INVALIDACL:
                return new InvalidACLException(message, path);
            case AUTHFAILED:
                return new AuthFailedException(message, path);
            case SESSIONMOVED:
                return new SessionMovedException(message, path);
            case NOTREADONLY:
                return new NotReadOnlyException(message, path);
            case NOWATCHER:
                return new NoWatcherException(message, path);
            case REQUESTTIMEOUT:
                return new RequestTimeoutException(message, path);
            default:
                throw new IllegalArgumentException("no exception for code " + code);
        }
    }

    /** SYSTEMERROR (-1). */
    public static final class SystemErrorException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public SystemErrorException(String message, String path) {
            super(Code.SYSTEMERROR, message, path);
        }
    }

    /** RUNTIMEINCONSISTENCY (-2). */
    public static final class RuntimeInconsistencyException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public RuntimeInconsistencyException(String message, String path) {
            super(Code.RUNTIMEINCONSISTENCY, message, path);
        }
    }

    /** DATAINCONSISTENCY (-3). */
    public static final class DataInconsistencyException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public DataInconsistencyException(String message, String path) {
            super(Code.DATAINCONSISTENCY, message, path);
        }
    }

    /** CONNECTIONLOSS (-4). */
    public static final class ConnectionLossException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public ConnectionLossException(String message, String path) {
            super(Code.CONNECTIONLOSS, message, path);
        }
    }

    /** MARSHALLINGERROR (-5). */
    public static final class MarshallingErrorException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public MarshallingErrorException(String message, String path) {
            super(Code.MARSHALLINGERROR, message, path);
        }
    }

    /** UNIMPLEMENTED (-6). */
    public static final class UnimplementedException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public UnimplementedException(String message, String path) {
            super(Code.UNIMPLEMENTED, message, path);
        }
    }

    /** OPERATIONTIMEOUT (-7). */
    public static final class OperationTimeoutException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public OperationTimeoutException(String message, String path) {
            super(Code.OPERATIONTIMEOUT, message, path);
        }
    }

    /** BADARGUMENTS (-8). */
    public static final class BadArgumentsException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public BadArgumentsException(String message, String path) {
            super(Code.BADARGUMENTS, message, path);
        }
    }

    /** UNKNOWNSESSION (-12). */
    public static final class UnknownSessionException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public UnknownSessionException(String message, String path) {
            super(Code.UNKNOWNSESSION, message, path);
        }
    }

    /** APIERROR (-100). */
    public static final class APIErrorException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public APIErrorException(String message, String path) {
            super(Code.APIERROR, message, path);
        }
    }

    /** NONODE (-101). */
    public static final class NoNodeException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public NoNodeException(String message, String path) {
            super(Code.NONODE, message, path);
        }
    }

    /** NOAUTH (-102). */
    public static final class NoAuthException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public NoAuthException(String message, String path) {
            super(Code.NOAUTH, message, path);
        }
    }

    /** BADVERSION (-103). */
    public static final class BadVersionException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public BadVersionException(String message, String path) {
            super(Code.BADVERSION, message, path);
        }
    }

    /** NOCHILDRENFOREPHEMERALS (-108). */
    public static final class NoChildrenForEphemeralsException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public NoChildrenForEphemeralsException(String message, String path) {
            super(Code.NOCHILDRENFOREPHEMERALS, message, path);
        }
    }

    /** NODEEXISTS (-110). */
    public static final class NodeExistsException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public NodeExistsException(String message, String path) {
            super(Code.NODEEXISTS, message, path);
        }
    }

    /** NOTEMPTY (-111). */
    public static final class NotEmptyException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public NotEmptyException(String message, String path) {
            super(Code.NOTEMPTY, message, path);
        }
    }

    /** SESSIONEXPIRED (-112). */
    public static final class SessionExpiredException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public SessionExpiredException(String message, String path) {
            super(Code.SESSIONEXPIRED, message, path);
        }
    }

    /** INVALIDCALLBACK (-113). */
    public static final class InvalidCallbackException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public InvalidCallbackException(String message, String path) {
            super(Code.INVALIDCALLBACK, message, path);
        }
    }

    /** INVALIDACL (-114). */
    public static final class InvalidACLException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public InvalidACLException(String message, String path) {
            super(Code.INVALIDACL, message, path);
        }
    }

    /** AUTHFAILED (-115). */
    public static final class AuthFailedException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public AuthFailedException(String message, String path) {
            super(Code.AUTHFAILED, message, path);
        }
    }

    /** SESSIONMOVED (-118). */
    public static final class SessionMovedException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public SessionMovedException(String message, String path) {
            super(Code.SESSIONMOVED, message, path);
        }
    }

    /** NOTREADONLY (-119). */
    public static final class NotReadOnlyException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public NotReadOnlyException(String message, String path) {
            super(Code.NOTREADONLY, message, path);
        }
    }

    /** NOWATCHER (-121). */
    public static final class NoWatcherException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public NoWatcherException(String message, String path) {
            super(Code.NOWATCHER, message, path);
        }
    }

    /** REQUESTTIMEOUT (-122). */
    public static final class RequestTimeoutException extends KeeperException {
        private static final long serialVersionUID = 1L;

        public RequestTimeoutException(String message, String path) {
            super(Code.REQUESTTIMEOUT, message, path);
        }
    }
}
