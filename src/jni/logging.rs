//! Records of the Rust `log` crate, handed to the JVM's logging.
//!
//! The logger only queues records (level, target, message); a Java daemon
//! thread (`io.kafkaetcd.NativeLogging`) drains them with the blocking
//! `pollLogs` and forwards each to SLF4J. So no runtime thread ever calls
//! into Java, and nothing is written to stdout or stderr.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use log::{Level, LevelFilter, Log, Metadata, Record};

/// Records kept while Java is not draining; older ones are dropped first.
const CAPACITY: usize = 10_000;

struct Entry {
    level: Level,
    target: String,
    message: String,
}

#[derive(Default)]
struct Queue {
    entries: VecDeque<Entry>,
    dropped: u64,
}

struct JvmLogger {
    queue: Mutex<Queue>,
    ready: Condvar,
}

fn logger() -> &'static JvmLogger {
    static LOGGER: OnceLock<JvmLogger> = OnceLock::new();
    LOGGER.get_or_init(|| JvmLogger { queue: Mutex::new(Queue::default()), ready: Condvar::new() })
}

impl Log for JvmLogger {
    fn enabled(&self, metadata: &Metadata) -> bool {
        metadata.level() <= log::max_level()
    }

    fn log(&self, record: &Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let entry =
            Entry { level: record.level(), target: record.target().to_string(), message: record.args().to_string() };
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if q.entries.len() >= CAPACITY {
            q.entries.pop_front();
            q.dropped += 1;
        }
        q.entries.push_back(entry);
        drop(q);
        self.ready.notify_one();
    }

    fn flush(&self) {}
}

/// Java's level numbers: 0 off, 1 error, 2 warn, 3 info, 4 debug, 5 trace.
fn filter(level: i32) -> LevelFilter {
    match level {
        i32::MIN..=0 => LevelFilter::Off,
        1 => LevelFilter::Error,
        2 => LevelFilter::Warn,
        3 => LevelFilter::Info,
        4 => LevelFilter::Debug,
        _ => LevelFilter::Trace,
    }
}

/// Installs the queueing logger (once; a logger set by someone else in the
/// process wins) and sets the most verbose level Java wants to see.
pub fn init(level: i32) {
    let _ = log::set_logger(logger());
    set_level(level);
}

pub fn set_level(level: i32) {
    log::set_max_level(filter(level));
}

/// Takes the queued records, waiting up to `max_wait` for one. Encoding:
/// per record `int level (1..5), str target, str message`; None on timeout.
pub fn poll(max_wait: Duration) -> Option<Vec<u8>> {
    let l = logger();
    let deadline = Instant::now() + max_wait;
    let mut q = l.queue.lock().unwrap_or_else(|e| e.into_inner());
    while q.entries.is_empty() && q.dropped == 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        q = l.ready.wait_timeout(q, left).unwrap_or_else(|e| e.into_inner()).0;
    }
    let entries = std::mem::take(&mut q.entries);
    let dropped = std::mem::take(&mut q.dropped);
    drop(q);
    let mut out = Vec::with_capacity(entries.len() * 64);
    let mut put = |level: Level, target: &str, message: &str| {
        out.extend_from_slice(&(level as i32).to_be_bytes());
        for s in [target, message] {
            out.extend_from_slice(&(s.len() as i32).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        }
    };
    if dropped > 0 {
        put(
            Level::Warn,
            "kafka_etcd::jni",
            &format!("{dropped} log records were dropped: Java did not drain them in time"),
        );
    }
    for e in &entries {
        put(e.level, &e.target, &e.message);
    }
    Some(out)
}
