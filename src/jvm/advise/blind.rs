//! A JVM blind to this cgroup (container detection failed: a JDK too old for the cgroup
//! version, or a `/proc/cgroups` without a controller HotSpot requires) or one that will not
//! start here: give it every flag explicitly, so that what it runs with does not depend on its
//! detection at all. `-XX:-UseContainerSupport` where detection itself crashes the JVM,
//! `-XX:ActiveProcessorCount` even when the host's count happens to be the one wanted; `-Xmx`
//! comes from [`super::heap`], which already sets it for every blind JVM under a limit.

use super::{Cx, Draft};

/// Runs after [`super::processors::processors`] and [`super::heap::heap`].
pub(super) fn explicit_flags(cx: &Cx, cpus: u32, d: &mut Draft) {
    let view = &cx.view;
    if let (true, Some(why)) = (view.will_not_start, &view.blind_reason) {
        if cx.user.sets_xx("UseContainerSupport") {
            d.warn(format!("this JVM may not start here: {why}"));
        } else {
            d.warn(format!(
                "this JVM does not start here without -XX:-UseContainerSupport: {why}"
            ));
            d.add(
                "-XX:-UseContainerSupport",
                format!("{why}; the heap and processor flags given with it set what container detection would have"),
            );
        }
    }
    let Some(reason) = &view.blind_reason else {
        return;
    };
    if cx.v.has_active_processor_count()
        && !d.has("-XX:ActiveProcessorCount=")
        && cx.user.active_processor_count().is_none()
        && (cx.f.cpu.limit.value().is_some() || view.will_not_start)
    {
        d.add(
            format!("-XX:ActiveProcessorCount={cpus}"),
            format!("this JVM does not read the cgroup ({reason}): its processor count is given, not left to detection"),
        );
    }
}
