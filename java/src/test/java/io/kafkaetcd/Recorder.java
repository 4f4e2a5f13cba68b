package io.kafkaetcd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A watcher that keeps what it got, and the thread it got it on. */
final class Recorder implements Watcher {
    final BlockingQueue<WatchedEvent> events = new LinkedBlockingQueue<>();
    final List<String> threads = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void process(WatchedEvent event) {
        threads.add(Thread.currentThread().getName());
        events.add(event);
    }

    /** The next event that is not a state change. */
    WatchedEvent nextNodeEvent(long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            WatchedEvent e = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            assertNotNull(e, "no event within " + seconds + " s");
            if (e.getType() != EventType.None) {
                return e;
            }
        }
    }

    /** Waits for the state event {@code state}. */
    void awaitState(KeeperState state, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            long left = deadline - System.nanoTime();
            WatchedEvent e = events.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            assertNotNull(e, "no " + state + " within " + seconds + " s");
            if (e.getType() == EventType.None && e.getState() == state) {
                return;
            }
        }
    }

    /** Node events that arrive within {@code millis}. */
    List<WatchedEvent> nodeEventsWithin(long millis) throws InterruptedException {
        Thread.sleep(millis);
        List<WatchedEvent> out = new ArrayList<>();
        for (WatchedEvent e; (e = events.poll()) != null; ) {
            if (e.getType() != EventType.None) {
                out.add(e);
            }
        }
        return out;
    }
}
