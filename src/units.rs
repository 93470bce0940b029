//! Units for people: byte sizes and CPU amounts, as the report, the advice and the findings
//! print them.

/// Sizes for people, one policy everywhere: MiB below 10 GiB (`1536 MiB`, `37.50 MiB`), GiB
/// from 10 GiB (`16 GiB`, `13.24 GiB`), KiB and bytes below 1 MiB. Binary units, as the JVM and
/// Kubernetes' `Mi` use; whole numbers without decimals, others with two below 100 of the unit
/// and none above (`37.50 MiB`, `7823 MiB`).
pub fn bytes(n: u64) -> String {
    const KIB: u64 = 1 << 10;
    const MIB: u64 = 1 << 20;
    const GIB: u64 = 1 << 30;
    let (unit, name) = match n {
        0 => return "0 MiB".to_owned(),
        n if n < KIB => return format!("{n} B"),
        n if n < MIB => (KIB, "KiB"),
        n if n < 10 * GIB => (MIB, "MiB"),
        _ => (GIB, "GiB"),
    };
    let v = n as f64 / unit as f64;
    if n.is_multiple_of(unit) {
        format!("{} {name}", n / unit)
    } else if v >= 100.0 && unit != GIB {
        // 7823 MiB, not 7822.97 MiB: hundredths of a MiB say nothing at that size.
        format!("{v:.0} {name}")
    } else {
        format!("{v:.2} {name}")
    }
}

/// A number of cores without trailing zeros: `1.5`, `2`, `0.333`.
pub fn cores(c: f64) -> String {
    let s = format!("{c:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_owned()
}

/// `1 core`, `1.5 cores`, `2 cores`.
pub fn cores_label(c: f64) -> String {
    let n = cores(c);
    if n == "1" {
        "1 core".to_owned()
    } else {
        format!("{n} cores")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_units() {
        assert_eq!(super::bytes(512 << 20), "512 MiB");
        assert_eq!(super::bytes(1536 << 20), "1536 MiB");
        assert_eq!(super::bytes(8 << 30), "8192 MiB");
        assert_eq!(super::bytes((10 << 30) - (1 << 20)), "10239 MiB");
        assert_eq!(super::bytes(10 << 30), "10 GiB");
        assert_eq!(super::bytes(13_553 << 20), "13.24 GiB");
        assert_eq!(super::bytes(75 << 19), "37.50 MiB");
        assert_eq!(super::bytes(8_202_986_000), "7823 MiB");
        assert_eq!(super::bytes(256 << 10), "256 KiB");
        assert_eq!(super::bytes(0), "0 MiB");
        assert_eq!(super::bytes(100), "100 B");
        assert_eq!(super::cores(1.5), "1.5");
        assert_eq!(super::cores(2.0), "2");
    }
}
