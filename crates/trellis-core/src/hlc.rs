//! Hybrid logical clock: wall-clock milliseconds plus a counter, so every change on every
//! device gets a timestamp that never runs backwards and respects causality, even when a
//! laptop's clock is wrong. "now" is passed in; this module never reads the clock.
//!
//! Written as fixed-width text (`000001764115200000-0000000000`) so that SQLite's text
//! order is the clock's order and the change log needs no migration when sync arrives.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hlc {
    pub millis: u64,
    pub counter: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("the other device's clock is {ahead_ms} ms ahead of this one (more than the {max_ms} ms allowed); check the date and time settings")]
    Drift { ahead_ms: u64, max_ms: u64 },
    #[error("{0:?} is not a clock timestamp (expected 18 digits, a hyphen and 10 digits)")]
    Malformed(String),
}

impl Hlc {
    /// The timestamp for a new local change.
    pub fn tick(self, now_ms: u64) -> Hlc {
        if now_ms > self.millis {
            Hlc {
                millis: now_ms,
                counter: 0,
            }
        } else if self.counter == u32::MAX {
            Hlc {
                millis: self.millis + 1,
                counter: 0,
            }
        } else {
            Hlc {
                millis: self.millis,
                counter: self.counter + 1,
            }
        }
    }

    /// Merges a timestamp seen from another device, refusing one too far in the future so
    /// a single wrong clock cannot drag every device's clock forward.
    pub fn observe(self, remote: Hlc, now_ms: u64, max_drift_ms: u64) -> Result<Hlc, ClockError> {
        if remote.millis > now_ms.saturating_add(max_drift_ms) {
            return Err(ClockError::Drift {
                ahead_ms: remote.millis - now_ms,
                max_ms: max_drift_ms,
            });
        }
        Ok(self.max(remote).tick(now_ms))
    }
}

impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:018}-{:010}", self.millis, self.counter)
    }
}

impl FromStr for Hlc {
    type Err = ClockError;

    fn from_str(s: &str) -> Result<Hlc, ClockError> {
        let bad = || ClockError::Malformed(s.to_string());
        let (m, c) = s.split_once('-').ok_or_else(bad)?;
        if m.len() != 18 || c.len() != 10 {
            return Err(bad());
        }
        Ok(Hlc {
            millis: m.parse().map_err(|_| bad())?,
            counter: c.parse().map_err(|_| bad())?,
        })
    }
}

impl Serialize for Hlc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Hlc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Hlc, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tick_follows_the_wall_clock_and_never_goes_back() {
        let a = Hlc::default().tick(1_000);
        assert_eq!(
            a,
            Hlc {
                millis: 1_000,
                counter: 0
            }
        );
        let b = a.tick(1_000);
        assert_eq!(
            b,
            Hlc {
                millis: 1_000,
                counter: 1
            }
        );
        let c = b.tick(500);
        assert!(c > b, "clock went backwards: {c} after {b}");
        assert!(c.tick(2_000) > c);
    }

    #[test]
    fn counter_overflow_moves_to_the_next_millisecond() {
        let h = Hlc {
            millis: 7,
            counter: u32::MAX,
        }
        .tick(0);
        assert_eq!(
            h,
            Hlc {
                millis: 8,
                counter: 0
            }
        );
    }

    #[test]
    fn observe_moves_past_the_remote_and_refuses_drift() {
        let local = Hlc {
            millis: 1_000,
            counter: 3,
        };
        let remote = Hlc {
            millis: 1_500,
            counter: 9,
        };
        let merged = local.observe(remote, 1_200, 60_000).unwrap();
        assert!(merged > remote && merged > local);
        let err = local
            .observe(
                Hlc {
                    millis: 10_000_000,
                    counter: 0,
                },
                1_000,
                60_000,
            )
            .unwrap_err();
        assert!(matches!(err, ClockError::Drift { .. }));
    }

    #[test]
    fn text_form_sorts_like_the_clock_and_round_trips() {
        let a = Hlc {
            millis: 9,
            counter: 10,
        };
        let b = Hlc {
            millis: 10,
            counter: 0,
        };
        assert!(a.to_string() < b.to_string());
        assert_eq!(a.to_string().parse::<Hlc>().unwrap(), a);
        assert!("12-3".parse::<Hlc>().is_err());
        let json = serde_json::to_string(&b).unwrap();
        assert_eq!(serde_json::from_str::<Hlc>(&json).unwrap(), b);
    }
}
