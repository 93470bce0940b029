//! Memory outside the heap: flags that would bound it are only ever *raised* above what the
//! JVM gives by itself, never cut below it. A cap below the JVM's own takes away what the
//! application would have had: `-XX:MaxDirectMemorySize=64m` killed a service holding 96 MiB
//! of direct buffers at start ("Cannot reserve ... direct buffer memory"), and cutting the
//! 240 MiB code cache reservation saved nothing resident (a reservation is not charged until
//! used; issue 20's measurements).

use super::{Cx, Draft};
use crate::jvm::budget::Budget;
use crate::jvm::ergonomics::MIB;

/// The code cache HotSpot reserves by itself with tiered compilation (`ReservedCodeCacheSize`).
const DEFAULT_CODE_CACHE_RESERVATION: u64 = 240 * MIB;

pub(super) fn off_heap(cx: &Cx, b: &Budget, max_heap: u64, d: &mut Draft) {
    // The JVM's own direct-memory limit is the maximum heap: raise it when the profile says
    // the application holds more than that.
    if b.direct > max_heap && !cx.user.sets_xx("MaxDirectMemorySize") {
        d.add(
            format!("-XX:MaxDirectMemorySize={}m", b.direct.div_ceil(MIB)),
            format!(
                "the application holds {} MiB of direct buffers (memory.direct_mib), more than the JVM's own limit (the {} MiB heap): raised so it does not fail with \"Cannot reserve ... direct buffer memory\"",
                b.direct / MIB,
                max_heap / MIB
            ),
        );
    }
    // The JVM refuses a reserved code cache below the initial one ("Invalid
    // ReservedCodeCacheSize ... Must be at least InitialCodeCacheSize"); raising it is safe.
    if b.code_cache > DEFAULT_CODE_CACHE_RESERVATION && !cx.user.sets_xx("ReservedCodeCacheSize") {
        d.add(
            format!("-XX:ReservedCodeCacheSize={}m", b.code_cache.div_ceil(MIB)),
            format!(
                "the profile expects {} MiB of compiled code (memory.code_cache_mib), more than the JVM's own {} MiB reservation",
                b.code_cache / MIB,
                DEFAULT_CODE_CACHE_RESERVATION / MIB
            ),
        );
    }
}
