//! The machine under the container: is it virtualised, and by what. Files only (no `cpuid`),
//! so a snapshot answers the same: the `hypervisor` CPU flag says "virtualised"; DMI strings,
//! `/sys/hypervisor/type` and `/proc/xen` may name it.

use super::reader::Root;
use crate::facts::{Fact, HostFacts};

pub(super) fn collect(root: &Root) -> HostFacts {
    HostFacts {
        hypervisor: hypervisor(root),
    }
}

fn hypervisor(root: &Root) -> Fact<String> {
    let cpuinfo = match root.read_string("/proc/cpuinfo") {
        Ok(t) => t,
        Err(e) => return Fact::Unknown(e.to_string()),
    };
    let flags = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags") || l.starts_with("Features"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.to_owned());
    let virtualised = flags
        .as_deref()
        .is_some_and(|f| f.split_ascii_whitespace().any(|x| x == "hypervisor"));
    if let Ok(t) = root.read_string("/sys/hypervisor/type") {
        if t.trim() == "xen" {
            return Fact::Known("xen".into());
        }
    }
    if root.exists("/proc/xen") && virtualised {
        return Fact::Known("xen".into());
    }
    if !virtualised && flags.is_some() {
        return Fact::NotApplicable;
    }
    let dmi = |f: &str| root.read_string(&format!("/sys/class/dmi/id/{f}")).ok();
    let vendor = dmi("sys_vendor").unwrap_or_default();
    let product = dmi("product_name").unwrap_or_default();
    if virtualised {
        // DMI alone is not enough: bare-metal cloud machines keep their vendor's strings.
        Fact::Known(
            name_from_dmi(vendor.trim(), product.trim())
                .unwrap_or("unknown")
                .into(),
        )
    } else if flags.is_none() {
        Fact::Unknown("/proc/cpuinfo: no flags line".into())
    } else {
        Fact::NotApplicable
    }
}

/// DMI vendor and product strings as systemd-detect-virt reads them.
fn name_from_dmi(vendor: &str, product: &str) -> Option<&'static str> {
    let either = |s: &str| vendor.contains(s) || product.contains(s);
    Some(if either("KVM") {
        "kvm"
    } else if either("QEMU") {
        "qemu"
    } else if either("VMware") {
        "vmware"
    } else if vendor.contains("Microsoft Corporation") && product.contains("Virtual") {
        "hyper-v"
    } else if either("VirtualBox") || vendor.contains("innotek") {
        "virtualbox"
    } else if either("Xen") {
        "xen"
    } else if vendor.contains("Amazon EC2") {
        "amazon"
    } else if vendor.contains("Google") && product.contains("Google Compute Engine") {
        "google"
    } else if either("Firecracker") {
        "firecracker"
    } else if either("Parallels") {
        "parallels"
    } else if either("BHYVE") {
        "bhyve"
    } else {
        return None;
    })
}
