package io.kafkaetcd.kafka;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.apache.zookeeper.KeeperException.Code;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Id;

import io.kafkaetcd.Acl;
import io.kafkaetcd.CreateMode;
import io.kafkaetcd.Op;
import io.kafkaetcd.OpResult;
import io.kafkaetcd.Request;
import io.kafkaetcd.Response;
import io.kafkaetcd.Stat;
import kafka.zookeeper.AsyncRequest;
import kafka.zookeeper.AsyncResponse;
import kafka.zookeeper.CheckOp;
import kafka.zookeeper.CreateOp;
import kafka.zookeeper.CreateRequest;
import kafka.zookeeper.CreateResponse;
import kafka.zookeeper.DeleteOp;
import kafka.zookeeper.DeleteRequest;
import kafka.zookeeper.DeleteResponse;
import kafka.zookeeper.ExistsRequest;
import kafka.zookeeper.ExistsResponse;
import kafka.zookeeper.GetAclRequest;
import kafka.zookeeper.GetAclResponse;
import kafka.zookeeper.GetChildrenRequest;
import kafka.zookeeper.GetChildrenResponse;
import kafka.zookeeper.GetDataRequest;
import kafka.zookeeper.GetDataResponse;
import kafka.zookeeper.MultiRequest;
import kafka.zookeeper.MultiResponse;
import kafka.zookeeper.ResponseMetadata;
import kafka.zookeeper.SetAclRequest;
import kafka.zookeeper.SetAclResponse;
import kafka.zookeeper.SetDataOp;
import kafka.zookeeper.SetDataRequest;
import kafka.zookeeper.SetDataResponse;
import kafka.zookeeper.ZkOp;
import kafka.zookeeper.ZkOpResult;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Kafka's request/response case classes (and ZooKeeper's Stat, ACL, OpResult)
 * to and from the io.kafkaetcd types. The responses are built field for field
 * as Kafka's Scala ZooKeeperClient builds them from ZooKeeper's callbacks
 * (docs/kafka-zookeeperclient-abi.md, section 5).
 */
public final class Convert {
    private Convert() {
    }

    /** The etcd request for a Kafka request; {@code watch} only matters for reads. */
    public static Request toEtcd(AsyncRequest request, boolean watch) {
        if (request instanceof GetDataRequest) {
            return Request.getData(request.path(), watch);
        } else if (request instanceof ExistsRequest) {
            return Request.exists(request.path(), watch);
        } else if (request instanceof GetChildrenRequest) {
            return Request.getChildren(request.path(), watch);
        } else if (request instanceof CreateRequest) {
            CreateRequest r = (CreateRequest) request;
            return Request.create(r.path(), r.data(), acls(r.acl()), mode(r.createMode()));
        } else if (request instanceof SetDataRequest) {
            SetDataRequest r = (SetDataRequest) request;
            return Request.setData(r.path(), r.data(), r.version());
        } else if (request instanceof DeleteRequest) {
            DeleteRequest r = (DeleteRequest) request;
            return Request.delete(r.path(), r.version());
        } else if (request instanceof GetAclRequest) {
            return Request.getAcl(request.path());
        } else if (request instanceof SetAclRequest) {
            SetAclRequest r = (SetAclRequest) request;
            return Request.setAcl(r.path(), acls(r.acl()), r.version());
        } else if (request instanceof MultiRequest) {
            List<Op> ops = new ArrayList<>();
            for (ZkOp op : CollectionConverters.asJava(((MultiRequest) request).zkOps())) {
                ops.add(toEtcd(op));
            }
            return Request.multi(ops);
        }
        throw new IllegalArgumentException("kafka-etcd: unsupported request type " + request.getClass().getName());
    }

    private static Op toEtcd(ZkOp op) {
        if (op instanceof CreateOp) {
            CreateOp o = (CreateOp) op;
            return Op.create(o.path(), o.data(), acls(o.acl()), mode(o.createMode()));
        } else if (op instanceof SetDataOp) {
            SetDataOp o = (SetDataOp) op;
            return Op.setData(o.path(), o.data(), o.version());
        } else if (op instanceof DeleteOp) {
            DeleteOp o = (DeleteOp) op;
            return Op.delete(o.path(), o.version());
        } else if (op instanceof CheckOp) {
            CheckOp o = (CheckOp) op;
            return Op.check(o.path(), o.version());
        }
        throw new IllegalArgumentException("kafka-etcd: unsupported multi op " + op.getClass().getName());
    }

    /**
     * Kafka's response to {@code request} from the etcd answer {@code r}. Path and
     * ctx are the request's (the original passes ZooKeeper's callback path, which
     * is the request's path, and Kafka reads {@code ctx.get} back).
     */
    public static AsyncResponse toKafka(AsyncRequest request, Response r, ResponseMetadata md) {
        return build(request, code(r.code().intValue()), r, md);
    }

    /** An error response with no content (used when an answer cannot be converted). */
    public static AsyncResponse error(AsyncRequest request, Code code, ResponseMetadata md) {
        return build(request, code, null, md);
    }

    private static AsyncResponse build(AsyncRequest request, Code code, Response r, ResponseMetadata md) {
        boolean ok = code == Code.OK && r != null;
        String path = request.path();
        if (request instanceof GetDataRequest) {
            return new GetDataResponse(code, path, request.ctx(), ok ? r.data() : null, ok ? stat(r.stat()) : null, md);
        } else if (request instanceof ExistsRequest) {
            // The Java API answers OK with a null Stat for a missing node; ZooKeeper's
            // async exists (and so Kafka) expects NONODE.
            if (ok && r.stat() == null) {
                code = Code.NONODE;
            }
            return new ExistsResponse(code, path, request.ctx(), ok ? stat(r.stat()) : null, md);
        } else if (request instanceof GetChildrenRequest) {
            List<String> children = ok && r.children() != null ? r.children() : Collections.<String>emptyList();
            return new GetChildrenResponse(code, path, request.ctx(), seq(children), ok ? stat(r.stat()) : null, md);
        } else if (request instanceof CreateRequest) {
            return new CreateResponse(code, path, request.ctx(), ok ? r.createdPath() : null, md);
        } else if (request instanceof SetDataRequest) {
            return new SetDataResponse(code, path, request.ctx(), ok ? stat(r.stat()) : null, md);
        } else if (request instanceof DeleteRequest) {
            return new DeleteResponse(code, path, request.ctx(), md);
        } else if (request instanceof GetAclRequest) {
            List<ACL> acl = new ArrayList<>();
            if (ok && r.acl() != null) {
                for (Acl a : r.acl()) {
                    acl.add(new ACL(a.getPerms(), new Id(a.getScheme(), a.getId())));
                }
            }
            return new GetAclResponse(code, path, request.ctx(), seq(acl), ok ? stat(r.stat()) : null, md);
        } else if (request instanceof SetAclRequest) {
            return new SetAclResponse(code, path, request.ctx(), ok ? stat(r.stat()) : null, md);
        } else if (request instanceof MultiRequest) {
            Seq<ZkOpResult> results = r == null ? null : opResults((MultiRequest) request, r.opResults());
            return new MultiResponse(code, path, request.ctx(), results, md);
        }
        throw new IllegalArgumentException("kafka-etcd: unsupported request type " + request.getClass().getName());
    }

    /**
     * One ZkOpResult per op, as ZooKeeper returns them (on failure ErrorResult(OK)
     * before the failing op, its error, RUNTIMEINCONSISTENCY after). Null when the
     * multi failed as a whole (CONNECTIONLOSS, SESSIONEXPIRED): Kafka then throws
     * {@code KeeperException.create(resultCode)}, as with ZooKeeper.
     */
    private static Seq<ZkOpResult> opResults(MultiRequest request, List<OpResult> results) {
        if (results == null) {
            return null;
        }
        List<ZkOp> ops = new ArrayList<>(CollectionConverters.asJava(request.zkOps()));
        List<ZkOpResult> out = new ArrayList<>(ops.size());
        for (int i = 0; i < Math.min(ops.size(), results.size()); i++) {
            out.add(new ZkOpResult(ops.get(i), opResult(results.get(i))));
        }
        return seq(out);
    }

    private static org.apache.zookeeper.OpResult opResult(OpResult r) {
        if (r instanceof OpResult.CreateResult) {
            OpResult.CreateResult c = (OpResult.CreateResult) r;
            return c.getStat() == null ? new org.apache.zookeeper.OpResult.CreateResult(c.getPath())
                    : new org.apache.zookeeper.OpResult.CreateResult(c.getPath(), stat(c.getStat()));
        } else if (r instanceof OpResult.SetDataResult) {
            return new org.apache.zookeeper.OpResult.SetDataResult(stat(((OpResult.SetDataResult) r).getStat()));
        } else if (r instanceof OpResult.DeleteResult) {
            return new org.apache.zookeeper.OpResult.DeleteResult();
        } else if (r instanceof OpResult.CheckResult) {
            return new org.apache.zookeeper.OpResult.CheckResult();
        } else if (r instanceof OpResult.ErrorResult) {
            return new org.apache.zookeeper.OpResult.ErrorResult(((OpResult.ErrorResult) r).getErr());
        }
        throw new IllegalArgumentException("kafka-etcd: unknown op result " + r);
    }

    /** Our codes carry ZooKeeper's numbers; an unknown one (none today) becomes SYSTEMERROR. */
    public static Code code(int value) {
        Code c = Code.get(value);
        return c != null ? c : Code.SYSTEMERROR;
    }

    public static org.apache.zookeeper.data.Stat stat(Stat s) {
        if (s == null) {
            return null;
        }
        return new org.apache.zookeeper.data.Stat(s.getCzxid(), s.getMzxid(), s.getCtime(), s.getMtime(),
                s.getVersion(), s.getCversion(), s.getAversion(), s.getEphemeralOwner(), s.getDataLength(),
                s.getNumChildren(), s.getPzxid());
    }

    /** Same names on both sides; TTL and container modes are refused by the engine (UNIMPLEMENTED). */
    private static CreateMode mode(org.apache.zookeeper.CreateMode m) {
        return m == null ? null : CreateMode.valueOf(m.name());
    }

    private static List<Acl> acls(Seq<ACL> acl) {
        if (acl == null) {
            return null; // sent as an empty list: INVALIDACL, as ZooKeeper answers
        }
        List<Acl> out = new ArrayList<>();
        for (ACL a : CollectionConverters.asJava(acl)) {
            Id id = a.getId();
            out.add(new Acl(a.getPerms(), id == null ? "" : id.getScheme(), id == null ? "" : id.getId()));
        }
        return out;
    }

    /** A fresh mutable.Buffer, a scala.collection.Seq like the original's results. */
    public static <T> Seq<T> seq(List<T> list) {
        return CollectionConverters.asScala(new ArrayList<>(list));
    }
}
