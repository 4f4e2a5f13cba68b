package io.kafkaetcd;

/**
 * Receives watch events and session state changes of one client, on that
 * client's dispatcher thread, in order. It may call the client again
 * (blocking calls included). Watches are one-shot, as in ZooKeeper.
 */
@FunctionalInterface
public interface Watcher {
    void process(WatchedEvent event);
}
