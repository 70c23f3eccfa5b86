//! Hybrid logical clock: physical milliseconds + a counter + the device id. Persisted by the store,
//! never goes backwards, and its text form sorts in clock order.

use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// One HLC timestamp. Ordering is (ms, counter, node): the node breaks ties between devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc {
    pub ms: u64,
    pub counter: u32,
    pub node: Uuid,
}

impl Hlc {
    pub const ZERO: Hlc = Hlc { ms: 0, counter: 0, node: Uuid::nil() };
}

impl fmt::Display for Hlc {
    /// `000001764284486123-00000-<uuid>`: fixed widths so text order equals clock order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:018}-{:05}-{}", self.ms, self.counter, self.node)
    }
}

impl FromStr for Hlc {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("not an HLC timestamp: {s:?}");
        let (ms, rest) = s.split_once('-').ok_or_else(bad)?;
        let (counter, node) = rest.split_once('-').ok_or_else(bad)?;
        if ms.len() != 18 || counter.len() != 5 {
            return Err(bad());
        }
        Ok(Hlc {
            ms: ms.parse().map_err(|_| bad())?,
            counter: counter.parse().map_err(|_| bad())?,
            node: node.parse().map_err(|_| bad())?,
        })
    }
}

const MAX_COUNTER: u32 = 99_999;

/// The clock of one device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    last: Hlc,
}

impl Clock {
    pub fn new(node: Uuid, last: Option<Hlc>) -> Self {
        let last = last.map(|h| Hlc { node, ..h }).unwrap_or(Hlc { ms: 0, counter: 0, node });
        Clock { last }
    }

    pub fn last(&self) -> Hlc {
        self.last
    }

    /// A timestamp for a local event at physical time `now_ms`; strictly greater than any before.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        if now_ms > self.last.ms {
            self.last.ms = now_ms;
            self.last.counter = 0;
        } else if self.last.counter >= MAX_COUNTER {
            self.last.ms += 1;
            self.last.counter = 0;
        } else {
            self.last.counter += 1;
        }
        self.last
    }

    /// Takes in a timestamp seen from another device so later local events order after it.
    pub fn observe(&mut self, remote: Hlc, now_ms: u64) {
        let ms = now_ms.max(self.last.ms).max(remote.ms);
        let counter = if ms == self.last.ms && ms == remote.ms {
            self.last.counter.max(remote.counter)
        } else if ms == self.last.ms {
            self.last.counter
        } else if ms == remote.ms {
            remote.counter
        } else {
            0
        };
        self.last.ms = ms;
        self.last.counter = counter;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn ticks_strictly_increase_even_when_the_wall_clock_goes_back() {
        let mut c = Clock::new(node(1), None);
        let a = c.tick(1_000);
        let b = c.tick(1_000);
        let d = c.tick(900);
        assert!(a < b && b < d);
        assert_eq!(d.ms, 1_000);
        assert_eq!(d.counter, 2);
    }

    #[test]
    fn observe_moves_past_remote() {
        let mut c = Clock::new(node(1), None);
        c.tick(1_000);
        c.observe(Hlc { ms: 5_000, counter: 7, node: node(2) }, 1_001);
        let t = c.tick(1_002);
        assert_eq!((t.ms, t.counter), (5_000, 8));
    }

    #[test]
    fn text_form_round_trips_and_sorts() {
        let a = Hlc { ms: 9, counter: 2, node: node(1) };
        let b = Hlc { ms: 10, counter: 0, node: node(1) };
        assert!(a.to_string() < b.to_string());
        assert_eq!(a.to_string().parse::<Hlc>().unwrap(), a);
        assert!("12-3".parse::<Hlc>().is_err());
    }

    #[test]
    fn counter_overflow_spills_into_ms() {
        let mut c = Clock::new(node(1), Some(Hlc { ms: 10, counter: MAX_COUNTER, node: node(1) }));
        let t = c.tick(10);
        assert_eq!((t.ms, t.counter), (11, 0));
    }
}
