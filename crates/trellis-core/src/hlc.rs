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
    #[error("{0:?} is not a clock timestamp (expected 18 digits, a hyphen and 10 digits)")]
    Malformed(String),
    /// A change stamped further ahead of the checking clock than the bound allows: the
    /// device that made it has a wrong date or time (never the one checking).
    #[error("it is stamped {} ahead of {checker} (more than the {} allowed): the laptop that made it has the wrong date or time", human_duration(*ahead_ms), human_duration(*max_ms))]
    Ahead {
        ahead_ms: u64,
        max_ms: u64,
        checker: &'static str,
    },
}

/// Refuses a stamp more than `max_ahead_ms` ahead of `now_ms`: trusting it would drag
/// every clock that sees it forward, and every later change with it. The server checks
/// each pushed change with its own clock; a laptop checks what it receives with the later
/// of its own clock and the server's.
pub fn check_ahead(stamp: Hlc, now_ms: u64, max_ahead_ms: u64) -> Result<(), ClockError> {
    if stamp.millis > now_ms.saturating_add(max_ahead_ms) {
        return Err(ClockError::Ahead {
            ahead_ms: stamp.millis - now_ms,
            max_ms: max_ahead_ms,
            checker: "the clock that received it",
        });
    }
    Ok(())
}

/// A length of time in the largest whole unit, in words: "3 hours", "260 years",
/// "1 minute", "45 seconds". Rounded to the nearest unit, never down to zero.
pub fn human_duration(ms: u64) -> String {
    const UNITS: [(u64, &str); 6] = [
        (365 * 24 * 3_600_000, "year"),
        (24 * 3_600_000, "day"),
        (3_600_000, "hour"),
        (60_000, "minute"),
        (1_000, "second"),
        (1, "millisecond"),
    ];
    for (size, name) in UNITS {
        // Within 5% of a whole unit counts as one: an hour ahead less a few
        // milliseconds of travel is "1 hour", not "60 minutes".
        if ms >= size - size / 20 {
            let n = (ms + size / 2) / size;
            return format!("{n} {name}{}", if n == 1 { "" } else { "s" });
        }
    }
    "no time".into()
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
        check_ahead(remote, now_ms, max_drift_ms)?;
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
    fn stamps_far_ahead_are_refused_and_named_in_words() {
        let now = 1_764_115_200_000;
        let at = |millis| Hlc { millis, counter: 0 };
        assert!(check_ahead(at(now + 5 * 60_000), now, 5 * 60_000).is_ok());
        assert!(check_ahead(at(now - 1_000_000_000), now, 5 * 60_000).is_ok());
        let err = check_ahead(at(now + 3 * 3_600_000), now, 5 * 60_000).unwrap_err();
        assert!(
            err.to_string().starts_with("it is stamped 3 hours ahead"),
            "{err}"
        );
        assert!(err.to_string().contains("the laptop that made it"), "{err}");
        assert_eq!(human_duration(260 * 365 * 24 * 3_600_000), "260 years");
        assert_eq!(human_duration(10_799_899), "3 hours");
        assert_eq!(human_duration(60_000), "1 minute");
        assert_eq!(human_duration(90_000), "2 minutes");
        assert_eq!(human_duration(0), "no time");
        assert_eq!(human_duration(3_600_000 - 40), "1 hour");
        assert_eq!(human_duration(31 * 60_000), "31 minutes");
    }

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
        assert!(matches!(err, ClockError::Ahead { .. }));
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
