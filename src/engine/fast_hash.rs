//! A fast hasher for the engine's own maps (paths and keys in the request
//! scheduler and the write batcher). std's SipHash resists hash flooding by
//! untrusted input, which these maps never see (their keys are the
//! client's own paths), and cost about 6% of the client's CPU on
//! pipelined writes. This is the multiply-rotate hash rustc uses for its
//! own tables ("Fx"): a few instructions per 8 bytes.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`FastHasher`].
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Default, Clone, Copy)]
pub struct FastHasher {
    hash: u64,
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut last = [0u8; 8];
            last[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(last));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_differ_hash_apart_and_maps_work() {
        let h = |b: &[u8]| {
            let mut f = FastHasher::default();
            f.write(b);
            f.finish()
        };
        assert_ne!(h(b"zk/a/brokers/topics/t\0c"), h(b"zk/a/brokers/topics/u\0c"));
        assert_ne!(h(b"/a/b/c/d/e/f/g/h"), h(b"/a/b/c/d/e/f/g/i"), "a difference past the first 8 bytes");
        let mut m: FastMap<String, usize> = FastMap::default();
        for i in 0..1000 {
            m.insert(format!("/p/{i}"), i);
        }
        assert!((0..1000).all(|i| m[&format!("/p/{i}")] == i));
    }
}
