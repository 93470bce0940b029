//! Behaviour on OutOfMemoryError: exit so the orchestrator restarts the JVM, and keep a heap
//! dump when the profile asks for one.

use super::{Cx, Draft};

pub(super) fn oom(cx: &Cx, d: &mut Draft) {
    let (jvm, user) = (&cx.profile.jvm, cx.user);
    if jvm.exit_on_oom
        && cx.v.has_exit_on_oom()
        && !user.sets_xx("ExitOnOutOfMemoryError")
        && !user.sets_xx("CrashOnOutOfMemoryError")
    {
        d.add(
            "-XX:+ExitOnOutOfMemoryError",
            "a JVM past OutOfMemoryError is in an unknown state: exit and let the orchestrator restart it",
        );
    }
    if jvm.heap_dump_on_oom && !user.sets_xx("HeapDumpOnOutOfMemoryError") {
        d.add(
            "-XX:+HeapDumpOnOutOfMemoryError",
            "keep the evidence of an OutOfMemoryError",
        );
    }
}
