package io.kafkaetcd;

import java.util.Objects;

/**
 * One op's outcome in a multi, as ZooKeeper's {@code OpResult}. When a multi
 * fails every result is an {@link ErrorResult}: OK for ops before the failing
 * one, its error for that one, RUNTIMEINCONSISTENCY after it.
 */
public abstract class OpResult {
    private final int type;

    private OpResult(int type) {
        this.type = type;
    }

    /** ZooKeeper's op code of the result (-1 for an error). */
    public int getType() { return type; }

    public static final class CreateResult extends OpResult {
        private final String path;
        private final Stat stat;

        public CreateResult(String path, Stat stat) {
            super(Wire.OP_CREATE);
            this.path = path;
            this.stat = stat;
        }

        public String getPath() { return path; }
        public Stat getStat() { return stat; }

        @Override
        public boolean equals(Object o) {
            return o instanceof CreateResult && path.equals(((CreateResult) o).path)
                    && Objects.equals(stat, ((CreateResult) o).stat);
        }

        @Override
        public int hashCode() { return path.hashCode(); }

        @Override
        public String toString() { return "CreateResult(" + path + ")"; }
    }

    public static final class DeleteResult extends OpResult {
        public DeleteResult() { super(Wire.OP_DELETE); }

        @Override
        public boolean equals(Object o) { return o instanceof DeleteResult; }

        @Override
        public int hashCode() { return 2; }

        @Override
        public String toString() { return "DeleteResult"; }
    }

    public static final class SetDataResult extends OpResult {
        private final Stat stat;

        public SetDataResult(Stat stat) {
            super(Wire.OP_SET_DATA);
            this.stat = stat;
        }

        public Stat getStat() { return stat; }

        @Override
        public boolean equals(Object o) {
            return o instanceof SetDataResult && Objects.equals(stat, ((SetDataResult) o).stat);
        }

        @Override
        public int hashCode() { return Objects.hashCode(stat); }

        @Override
        public String toString() { return "SetDataResult(" + stat + ")"; }
    }

    public static final class CheckResult extends OpResult {
        public CheckResult() { super(Wire.OP_CHECK); }

        @Override
        public boolean equals(Object o) { return o instanceof CheckResult; }

        @Override
        public int hashCode() { return 13; }

        @Override
        public String toString() { return "CheckResult"; }
    }

    public static final class ErrorResult extends OpResult {
        private final int err;

        public ErrorResult(int err) {
            super(-1);
            this.err = err;
        }

        /** ZooKeeper's numeric code, as {@code ErrorResult.getErr()}. */
        public int getErr() { return err; }

        public Code code() { return Code.get(err); }

        @Override
        public boolean equals(Object o) { return o instanceof ErrorResult && err == ((ErrorResult) o).err; }

        @Override
        public int hashCode() { return err; }

        @Override
        public String toString() { return "ErrorResult(" + code() + ")"; }
    }
}
