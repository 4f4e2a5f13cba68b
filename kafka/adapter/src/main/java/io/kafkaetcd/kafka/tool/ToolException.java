package io.kafkaetcd.kafka.tool;

/** A failure the shell reports as one line on stderr and an exit status (1 failed, 2 usage, 3 refused). */
final class ToolException extends Exception {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    ToolException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }
}
