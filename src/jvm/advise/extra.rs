//! The profile's own extra flags (`[jvm] extra`), unless the user set the same option.

use super::{Cx, Draft};

pub(super) fn profile_extras(cx: &Cx, d: &mut Draft) {
    for x in &cx.profile.jvm.extra {
        let name = x
            .split('=')
            .next()
            .unwrap_or(x)
            .trim_start_matches("-XX:")
            .trim_start_matches(['+', '-']);
        if !cx.user.options.iter().any(|o| o.option.contains(name)) {
            d.add(x.clone(), format!("{} profile", cx.profile.name));
        }
    }
}
