package io.kafkaetcd;

/**
 * Receives the answer of an asynchronous request, on the client's dispatcher
 * thread, in request order (ZooKeeper's FIFO callbacks). It may call the client again.
 */
@FunctionalInterface
public interface ResponseCallback {
    void processResult(Response response);
}
