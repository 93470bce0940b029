//! `--interval`: what changed between two readings of the same system.
//!
//! The kernel's counters (`cpu.stat`, PSI `total`, `memory.oom_kill`) add up since the cgroup
//! was created or the machine booted, so one reading says what happened over a lifetime, not
//! what is happening now. The command edge reads the facts twice with the one probe
//! ([`crate::probe::collect`]) and hands both to [`rates`], a pure function: every rate here
//! is a difference of two readings divided by the time between them.

use crate::facts::*;

/// The second reading, with the rates between the two attached as `interval`. As the
/// contract asks, `cpu.throttling` then holds the counts over the interval, not since the
/// cgroup was created; the totals go into a note.
pub fn attach(before: &Facts, mut after: Facts, seconds: f64) -> Facts {
    let rates = rates(before, &after, seconds);
    if let (Fact::Known(total), Fact::Known(d)) = (&after.cpu.throttling, &rates.cpu_throttling) {
        after.notes.push(format!(
            "cpu.throttling is over the {seconds:.2} s interval; since the cgroup was created: {} of {} periods throttled, {:.3} s",
            total.throttled_periods, total.periods, total.throttled_seconds
        ));
        after.cpu.throttling = Fact::Known(Throttling {
            periods: d.periods,
            throttled_periods: d.throttled_periods,
            throttled_seconds: d.throttled_seconds,
        });
    }
    after.interval = Some(rates);
    after
}

/// The rates between two readings `seconds` apart (seconds > 0).
pub fn rates(before: &Facts, after: &Facts, seconds: f64) -> IntervalFacts {
    IntervalFacts {
        seconds,
        cpu_throttling: throttling(&before.cpu.throttling, &after.cpu.throttling),
        memory: memory(&before.memory, &after.memory, seconds),
        pressure: IntervalPressure {
            cgroup: pressure_set(&before.pressure.cgroup, &after.pressure.cgroup, seconds),
            host: pressure_set(&before.pressure.host, &after.pressure.host, seconds),
        },
        java_processes: after
            .java_processes
            .iter()
            .map(|b| {
                jvm(
                    before.java_processes.iter().find(|a| a.pid == b.pid),
                    b,
                    seconds,
                )
            })
            .collect(),
    }
}

/// A JVM's GC counters over the interval: the same pid in both readings, and the same JVM (its
/// uptime did not go back, which a reused pid's would).
fn jvm(a: Option<&JavaProcess>, b: &JavaProcess, seconds: f64) -> IntervalJvm {
    let restarted = match a {
        None => Some("the JVM was not running at the first reading".to_owned()),
        Some(a) => match (a.uptime_seconds.known(), b.uptime_seconds.known()) {
            (Some(x), Some(y)) if y < x => {
                Some("a new JVM took the pid between the readings (its uptime went back)".into())
            }
            _ => None,
        },
    };
    let (Some(a), None) = (a, restarted.clone()) else {
        let r = restarted.unwrap_or_default();
        return IntervalJvm {
            pid: b.pid,
            gc_count: Fact::Unknown(r.clone()),
            gc_time_seconds: Fact::Unknown(r.clone()),
            gc_share: Fact::Unknown(r.clone()),
            rss_delta_bytes: Fact::Unknown(r),
        };
    };
    let gc_time = both(&a.gc_time_seconds, &b.gc_time_seconds, |x, y| {
        if y < x {
            Fact::Unknown(format!("GC time: {BACKWARDS}"))
        } else {
            Fact::Known(y - x)
        }
    });
    IntervalJvm {
        pid: b.pid,
        gc_count: both(&a.gc_count, &b.gc_count, |x, y| match y.checked_sub(*x) {
            Some(n) => Fact::Known(n),
            None => Fact::Unknown(format!("GC count: {BACKWARDS}")),
        }),
        gc_share: gc_time.clone().map(|t| (t / seconds).min(1.0)),
        gc_time_seconds: gc_time,
        rss_delta_bytes: delta(&a.rss_bytes, &b.rss_bytes),
    }
}

const BACKWARDS: &str =
    "the counter went backwards between the two readings (the cgroup was recreated)";

/// Combine two readings of one fact: both known gives `f(a, b)`; otherwise the reason of the
/// one that is unknown, or not applicable.
fn both<T, U>(a: &Fact<T>, b: &Fact<T>, f: impl FnOnce(&T, &T) -> Fact<U>) -> Fact<U> {
    match (a, b) {
        (Fact::Known(x), Fact::Known(y)) => f(x, y),
        (Fact::Unknown(r), Fact::Unknown(r2)) if r == r2 => Fact::Unknown(r.clone()),
        (Fact::Unknown(r), _) => Fact::Unknown(format!("first reading: {r}")),
        (_, Fact::Unknown(r)) => Fact::Unknown(format!("second reading: {r}")),
        _ => Fact::NotApplicable,
    }
}

fn throttling(a: &Fact<Throttling>, b: &Fact<Throttling>) -> Fact<IntervalThrottling> {
    both(a, b, |a, b| {
        let (Some(periods), Some(throttled_periods)) = (
            b.periods.checked_sub(a.periods),
            b.throttled_periods.checked_sub(a.throttled_periods),
        ) else {
            return Fact::Unknown(format!("cpu.stat: {BACKWARDS}"));
        };
        let throttled_seconds = b.throttled_seconds - a.throttled_seconds;
        if throttled_seconds < 0.0 {
            return Fact::Unknown(format!("cpu.stat: {BACKWARDS}"));
        }
        Fact::Known(IntervalThrottling {
            periods,
            throttled_periods,
            throttled_seconds,
            throttled_share: if periods == 0 {
                0.0
            } else {
                throttled_periods as f64 / periods as f64
            },
        })
    })
}

/// `b - a`, which a counter read from a file may make too large for an i64.
fn delta(a: &Fact<u64>, b: &Fact<u64>) -> Fact<i64> {
    both(a, b, |a, b| match i64::try_from(*b as i128 - *a as i128) {
        Ok(d) => Fact::Known(d),
        Err(_) => Fact::Unknown(format!("the change from {a} to {b} is out of range")),
    })
}

fn memory(a: &MemoryFacts, b: &MemoryFacts, seconds: f64) -> IntervalMemory {
    let usage = delta(&a.usage_bytes, &b.usage_bytes);
    IntervalMemory {
        usage_bytes_per_second: usage.clone().map(|d| d as f64 / seconds),
        usage_delta_bytes: usage,
        working_set_delta_bytes: delta(&a.working_set_bytes, &b.working_set_bytes),
        oom_kills: both(&a.oom_kills, &b.oom_kills, |a, b| match b.checked_sub(*a) {
            Some(n) => Fact::Known(n),
            None => Fact::Unknown(format!("oom_kill: {BACKWARDS}")),
        }),
    }
}

fn pressure_set(a: &PressureSet, b: &PressureSet, seconds: f64) -> IntervalPressureSet {
    let one = |x: &Fact<Pressure>, y: &Fact<Pressure>| {
        both(x, y, |x, y| {
            let Some(some) = stall(&x.some, &y.some, seconds) else {
                return Fact::Unknown(format!("pressure total: {BACKWARDS}"));
            };
            let full = both(&x.full, &y.full, |x, y| match stall(x, y, seconds) {
                Some(s) => Fact::Known(s),
                None => Fact::Unknown(format!("pressure total: {BACKWARDS}")),
            });
            Fact::Known(IntervalStall { some, full })
        })
    };
    IntervalPressureSet {
        cpu: one(&a.cpu, &b.cpu),
        memory: one(&a.memory, &b.memory),
        io: one(&a.io, &b.io),
    }
}

/// Stalled time between two `total` readings. The share is capped at 1: the two readings are
/// not exactly `seconds` apart, and a stall cannot take more than all of the time.
fn stall(a: &PressureLine, b: &PressureLine, seconds: f64) -> Option<StallDelta> {
    let us = b.total_us.checked_sub(a.total_us)?;
    let stalled_seconds = us as f64 / 1e6;
    Some(StallDelta {
        stalled_seconds,
        share: (stalled_seconds / seconds).min(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::test_facts::{container, GIB, MIB};

    fn throttled(f: &mut Facts, periods: u64, throttled: u64, secs: f64) {
        f.cpu.throttling = Fact::Known(Throttling {
            periods,
            throttled_periods: throttled,
            throttled_seconds: secs,
        });
    }

    #[test]
    fn throttling_is_the_difference_of_the_two_readings() {
        let mut a = container();
        let mut b = container();
        throttled(&mut a, 10_000, 100, 5.0);
        throttled(&mut b, 10_020, 118, 6.5);
        let r = rates(&a, &b, 2.0);
        let t = r.cpu_throttling.known().unwrap();
        assert_eq!((t.periods, t.throttled_periods), (20, 18));
        assert!((t.throttled_seconds - 1.5).abs() < 1e-9);
        assert!((t.throttled_share - 0.9).abs() < 1e-9);
    }

    /// Counters come from files: a difference past i64 is unknown, never a wrap or a panic.
    #[test]
    fn deltas_out_of_range_are_unknown() {
        assert_eq!(delta(&Fact::Known(5), &Fact::Known(3)).known(), Some(&-2));
        assert!(delta(&Fact::Known(0), &Fact::Known(u64::MAX))
            .unknown_reason()
            .is_some());
        assert!(delta(&Fact::Known(u64::MAX), &Fact::Known(0))
            .unknown_reason()
            .is_some());
    }

    #[test]
    fn a_recreated_cgroup_is_unknown_not_negative() {
        let mut a = container();
        let mut b = container();
        throttled(&mut a, 10_000, 100, 5.0);
        throttled(&mut b, 20, 18, 1.0);
        let r = rates(&a, &b, 2.0);
        assert!(r
            .cpu_throttling
            .unknown_reason()
            .unwrap()
            .contains("backwards"));
    }

    #[test]
    fn memory_growth_per_second_and_shrinking() {
        let a = container();
        let mut b = container();
        b.memory.usage_bytes = Fact::Known(600 * MIB + 10 * MIB);
        let r = rates(&a, &b, 4.0);
        assert_eq!(r.memory.usage_delta_bytes, Fact::Known(10 * MIB as i64));
        assert_eq!(
            r.memory.usage_bytes_per_second,
            Fact::Known(10.0 * MIB as f64 / 4.0)
        );
        b.memory.usage_bytes = Fact::Known(GIB / 4);
        let r = rates(&a, &b, 1.0);
        assert!(*r.memory.usage_delta_bytes.known().unwrap() < 0);
    }

    #[test]
    fn unknown_in_either_reading_carries_the_reason() {
        let a = container();
        let mut b = container();
        b.memory.usage_bytes = Fact::Unknown("memory.current: permission denied".into());
        let r = rates(&a, &b, 1.0);
        assert!(r
            .memory
            .usage_delta_bytes
            .unknown_reason()
            .unwrap()
            .contains("second reading: memory.current"));
        assert!(r
            .unknowns()
            .iter()
            .any(|(k, _)| k == "interval.memory.usage_delta_bytes"));
    }

    #[test]
    fn gc_share_per_jvm_by_pid() {
        let mut a = container();
        let mut p = JavaProcess::unread(42, "test");
        p.gc_time_seconds = Fact::Known(10.0);
        p.gc_count = Fact::Known(100);
        p.uptime_seconds = Fact::Known(600.0);
        p.rss_bytes = Fact::Known(500 * MIB);
        a.java_processes = vec![p.clone()];
        let mut b = container();
        p.gc_time_seconds = Fact::Known(11.5);
        p.gc_count = Fact::Known(130);
        p.uptime_seconds = Fact::Known(602.0);
        p.rss_bytes = Fact::Known(520 * MIB);
        let mut fresh = JavaProcess::unread(43, "test");
        fresh.gc_time_seconds = Fact::Known(0.1);
        b.java_processes = vec![p.clone(), fresh];
        let r = rates(&a, &b, 2.0);
        let j = &r.java_processes[0];
        assert_eq!(j.gc_count, Fact::Known(30));
        assert_eq!(j.gc_time_seconds, Fact::Known(1.5));
        assert_eq!(j.gc_share, Fact::Known(0.75));
        assert_eq!(j.rss_delta_bytes, Fact::Known(20 * MIB as i64));
        assert!(r.java_processes[1]
            .gc_share
            .unknown_reason()
            .unwrap()
            .contains("not running"));
        // The same pid, a new JVM: no rate.
        p.uptime_seconds = Fact::Known(1.0);
        b.java_processes = vec![p];
        let r = rates(&a, &b, 2.0);
        assert!(r.java_processes[0]
            .gc_share
            .unknown_reason()
            .unwrap()
            .contains("uptime went back"));
    }

    #[test]
    fn pressure_share_is_stalled_time_over_the_interval() {
        let a = container();
        let mut b = container();
        if let Fact::Known(p) = &mut b.pressure.cgroup.memory {
            p.some.total_us += 500_000;
        }
        let r = rates(&a, &b, 2.0);
        let s = r.pressure.cgroup.memory.known().unwrap();
        assert!((s.some.stalled_seconds - 0.5).abs() < 1e-9);
        assert!((s.some.share - 0.25).abs() < 1e-9);
        assert_eq!(s.full.known().unwrap().stalled_seconds, 0.0);
    }
}
