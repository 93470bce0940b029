//! Units for people: byte sizes and CPU amounts, as the report, the advice and the findings
//! print them.

/// `1536 MiB`-style sizes for people (binary units, as the JVM and Kubernetes `Mi` use).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else if v.fract() == 0.0 {
        format!("{v:.0} {}", UNITS[u])
    } else {
        format!("{v:.2} {}", UNITS[u])
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
        assert_eq!(super::bytes(1536 << 20), "1.50 GiB");
        assert_eq!(super::bytes(100), "100 B");
        assert_eq!(super::cores(1.5), "1.5");
        assert_eq!(super::cores(2.0), "2");
    }
}
