package io.kafkaetcd;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * One real etcd per test class (started in @BeforeAll, killed in @AfterAll)
 * and whatever a test opened closed after it. Shared with kafka/adapter's
 * tests through this module's test-jar.
 */
public abstract class EtcdPerClass {
    protected static EtcdServer etcd;
    private final List<Runnable> closers = new ArrayList<>();

    @BeforeAll
    static void startEtcd() throws Exception {
        etcd = EtcdServer.start();
    }

    @AfterAll
    static void stopEtcd() {
        if (etcd != null) {
            etcd.close();
            etcd = null;
        }
    }

    @AfterEach
    void closeAfterTest() {
        for (Runnable c : closers) {
            c.run();
        }
        closers.clear();
    }

    /** Closes {@code resource} with {@code close} when the current test ends. */
    protected <T> T closeAfterTest(T resource, java.util.function.Consumer<T> close) {
        closers.add(() -> close.accept(resource));
        return resource;
    }
}
