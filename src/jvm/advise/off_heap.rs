//! Memory outside the heap that the budget counts: a bound on NIO direct buffers and a code
//! cache squeezed to fit a small limit.

use super::{Cx, Draft};
use crate::jvm::budget::Budget;
use crate::jvm::ergonomics::MIB;

pub(super) fn off_heap(cx: &Cx, b: &Budget, d: &mut Draft) {
    if cx.profile.memory.direct_mib > 0 && !cx.user.sets_xx("MaxDirectMemorySize") {
        d.add(
            format!("-XX:MaxDirectMemorySize={}m", b.direct / MIB),
            "bound NIO direct buffers (by default as large as the heap, and outside it)",
        );
    }
    // The JVM refuses a reserved code cache below the initial one ("Invalid
    // ReservedCodeCacheSize ... Must be at least InitialCodeCacheSize"): the user's initial
    // size wins, and the code cache is left alone.
    let users_initial = cx
        .user
        .xx_value("InitialCodeCacheSize")
        .and_then(crate::jvm::options::parse_jvm_size);
    if b.code_cache != 240 * MIB
        && !cx.user.sets_xx("ReservedCodeCacheSize")
        && users_initial.is_some_and(|i| i > b.code_cache)
    {
        d.warn(format!(
            "-XX:InitialCodeCacheSize is above the {} MiB code cache the budget allows: ctune leaves the code cache alone",
            b.code_cache / MIB
        ));
    } else if b.code_cache != 240 * MIB && !cx.user.sets_xx("ReservedCodeCacheSize") {
        d.add(
            format!("-XX:ReservedCodeCacheSize={}m", b.code_cache / MIB),
            "the code cache squeezed to fit a small limit",
        );
    }
}
