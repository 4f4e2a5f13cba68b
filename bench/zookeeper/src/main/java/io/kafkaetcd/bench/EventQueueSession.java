package io.kafkaetcd.bench;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What the sessions of both libraries share: the node events their watcher
 * callback saw, queued as the System.nanoTime() of their arrival, and a
 * bounded wait for the next one.
 */
abstract class EventQueueSession implements Backend.Session {
    final LinkedBlockingQueue<Long> events;

    EventQueueSession(LinkedBlockingQueue<Long> events) {
        this.events = events;
    }

    @Override
    public long nextEvent() throws InterruptedException {
        Long t = events.poll(ZkBench.EVENT_WAIT_S, TimeUnit.SECONDS);
        if (t == null) {
            throw new IllegalStateException("no watch event within " + ZkBench.EVENT_WAIT_S + " s");
        }
        return t;
    }
}
