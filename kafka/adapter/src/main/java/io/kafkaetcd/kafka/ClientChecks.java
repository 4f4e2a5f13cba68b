package io.kafkaetcd.kafka;

import java.util.ArrayList;
import java.util.List;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.OpResult;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.server.EphemeralType;

import kafka.zookeeper.AsyncRequest;
import kafka.zookeeper.CheckOp;
import kafka.zookeeper.CreateOp;
import kafka.zookeeper.CreateRequest;
import kafka.zookeeper.DeleteOp;
import kafka.zookeeper.MultiRequest;
import kafka.zookeeper.SetDataOp;
import kafka.zookeeper.ZkOp;
import kafka.zookeeper.ZkOpResult;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The checks ZooKeeper's own client makes before a request leaves the JVM, with
 * its exception types, so callers see what they see with ZooKeeper: an invalid
 * path is an {@link IllegalArgumentException} thrown by the send (ZooKeeper's
 * {@code PathUtils.validatePath}, called here: same rules, same messages), and a
 * multi with an invalid op is answered at once with BADARGUMENTS and one result
 * per op (BADARGUMENTS for each invalid op, RUNTIMEINCONSISTENCY for the others),
 * as {@code ZooKeeper.multi} answers it. The engine would refuse such paths too,
 * but only with BADARGUMENTS after a round trip.
 */
public final class ClientChecks {
    private ClientChecks() {
    }

    /**
     * The client settings ZooKeeper's client refuses when it starts: a
     * {@code zookeeper.clientCnxnSocket} naming a class that cannot be loaded
     * (ZooKeeper's constructor fails with "Couldn't instantiate"). The socket
     * class itself is not used over etcd, but a configuration that cannot start
     * on ZooKeeper does not start here either.
     */
    public static void checkConfig(ZKClientConfig config) {
        String socket = config == null ? null : config.getProperty(ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET);
        if (socket == null) {
            return;
        }
        try {
            Class.forName(socket, false, ClientChecks.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new IllegalArgumentException("Couldn't instantiate " + socket + " ("
                    + ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET + "; not used over etcd, but it must name a class)", e);
        }
    }

    /**
     * Checks one request. Throws IllegalArgumentException for a single request
     * ZooKeeper's client refuses; for a multi with an invalid op, returns the
     * per-op results of the BADARGUMENTS answer; else null (send it).
     */
    public static Seq<ZkOpResult> check(AsyncRequest request) {
        if (request instanceof MultiRequest) {
            return checkMulti((MultiRequest) request);
        }
        if (request instanceof CreateRequest) {
            CreateMode mode = ((CreateRequest) request).createMode();
            PathUtils.validatePath(request.path(), mode != null && mode.isSequential());
            if (mode != null) {
                EphemeralType.validateTTL(mode, -1); // a TTL mode without a TTL, as ZooKeeper's create refuses it
            }
        } else {
            PathUtils.validatePath(request.path());
        }
        return null;
    }

    private static Seq<ZkOpResult> checkMulti(MultiRequest request) {
        List<ZkOp> ops = new ArrayList<>(CollectionConverters.asJava(request.zkOps()));
        List<ZkOpResult> results = new ArrayList<>(ops.size());
        boolean invalid = false;
        for (ZkOp op : ops) {
            Code code = Code.RUNTIMEINCONSISTENCY;
            try {
                if (op instanceof CreateOp) {
                    CreateMode mode = ((CreateOp) op).createMode();
                    PathUtils.validatePath(((CreateOp) op).path(), mode != null && mode.isSequential());
                    if (mode != null) {
                        EphemeralType.validateTTL(mode, -1);
                    }
                } else {
                    PathUtils.validatePath(path(op));
                }
            } catch (IllegalArgumentException e) {
                code = Code.BADARGUMENTS;
                invalid = true;
            }
            results.add(new ZkOpResult(op, new OpResult.ErrorResult(code.intValue())));
        }
        return invalid ? Convert.seq(results) : null;
    }

    private static String path(ZkOp op) {
        if (op instanceof SetDataOp) {
            return ((SetDataOp) op).path();
        } else if (op instanceof DeleteOp) {
            return ((DeleteOp) op).path();
        } else if (op instanceof CheckOp) {
            return ((CheckOp) op).path();
        }
        throw new IllegalArgumentException("kafka-etcd: unsupported multi op " + op.getClass().getName());
    }
}
