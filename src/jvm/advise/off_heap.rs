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
    if b.code_cache != 240 * MIB && !cx.user.sets_xx("ReservedCodeCacheSize") {
        d.add(
            format!("-XX:ReservedCodeCacheSize={}m", b.code_cache / MIB),
            "the code cache squeezed to fit a small limit",
        );
    }
}
