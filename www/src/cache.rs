//! Recent answers, in memory, for a fixed time and a bounded number of entries.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Cache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash + Clone, V: Clone> Cache<K, V> {
    /// A zero `ttl` or `capacity` caches nothing.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Cache {
            ttl,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &K, now: Instant) -> Option<V> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(key) {
            Some((stored, value)) if now.saturating_duration_since(*stored) < self.ttl => {
                Some(value.clone())
            }
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn insert(&self, key: K, value: V, now: Instant) {
        if self.ttl.is_zero() || self.capacity == 0 {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            let ttl = self.ttl;
            entries.retain(|_, (stored, _)| now.saturating_duration_since(*stored) < ttl);
            if entries.len() >= self.capacity {
                let oldest = entries
                    .iter()
                    .min_by_key(|(_, (stored, _))| *stored)
                    .map(|(k, _)| k.clone());
                if let Some(oldest) = oldest {
                    entries.remove(&oldest);
                }
            }
        }
        entries.insert(key, (now, value));
    }

    /// Forgets every expired answer.
    pub fn prune(&self, now: Instant) {
        let ttl = self.ttl;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.retain(|_, (stored, _)| now.saturating_duration_since(*stored) < ttl);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_within_ttl_then_forgets() {
        let cache = Cache::new(Duration::from_secs(30), 10);
        let t0 = Instant::now();
        cache.insert("a", 1, t0);
        assert_eq!(cache.get(&"a", t0 + Duration::from_secs(29)), Some(1));
        assert_eq!(cache.get(&"a", t0 + Duration::from_secs(30)), None);
        assert_eq!(cache.len(), 0);
        cache.insert("b", 2, t0);
        cache.insert("c", 3, t0 + Duration::from_secs(20));
        cache.prune(t0 + Duration::from_secs(31));
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.get(&"c", t0 + Duration::from_secs(31)), Some(3));
    }

    #[test]
    fn evicts_the_oldest_when_full() {
        let cache = Cache::new(Duration::from_secs(60), 3);
        let t0 = Instant::now();
        for (i, key) in ["a", "b", "c", "d"].into_iter().enumerate() {
            cache.insert(key, i, t0 + Duration::from_secs(i as u64));
        }
        let now = t0 + Duration::from_secs(5);
        assert_eq!(cache.len(), 3);
        assert_eq!(cache.get(&"a", now), None);
        assert_eq!(cache.get(&"b", now), Some(1));
        assert_eq!(cache.get(&"d", now), Some(3));
    }

    #[test]
    fn zero_ttl_caches_nothing() {
        let cache = Cache::new(Duration::ZERO, 10);
        cache.insert("a", 1, Instant::now());
        assert_eq!(cache.get(&"a", Instant::now()), None);
    }
}
