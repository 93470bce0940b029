//! Pressure stall information (PSI): the kernel's `cpu.pressure`, `memory.pressure` and
//! `io.pressure` files (cgroup v2) and `/proc/pressure/{cpu,memory,io}` (the host), since 4.20.
//!
//! ```text
//! some avg10=1.71 avg60=2.36 avg300=2.57 total=230548833
//! full avg10=1.00 avg60=1.01 avg300=1.00 total=157622356
//! ```
//!
//! `some`: the share of wall time in which at least one task waited for the resource; `full`:
//! in which all non-idle tasks did at once. `avgN` are percentages averaged over N seconds,
//! `total` the stalled time in microseconds since boot (or since the cgroup was created).
//! `full` is missing for cpu on kernels before 5.13; there it is absent, not zero. Keys are
//! looked up by name and unknown keys and lines are ignored, so a kernel adding fields does not
//! break the parse.

use super::{quote, ParseError};

/// One `some` or `full` line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PsiLine {
    /// Percentages (0-100) of wall time stalled, averaged over 10 s, 60 s and 300 s.
    pub avg10: f64,
    pub avg60: f64,
    pub avg300: f64,
    /// Stalled time in microseconds, a counter.
    pub total_us: u64,
}

/// A whole pressure file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Psi {
    pub some: PsiLine,
    /// None when the file has no `full` line (cpu before Linux 5.13).
    pub full: Option<PsiLine>,
}

/// Parse a pressure file.
pub fn parse(text: &str) -> Result<Psi, ParseError> {
    let mut some = None;
    let mut full = None;
    for line in text.lines() {
        let mut words = line.split_ascii_whitespace();
        let slot = match words.next() {
            Some("some") => &mut some,
            Some("full") => &mut full,
            _ => continue,
        };
        if slot.is_some() {
            return Err(ParseError(format!("two lines start with {}", quote(line))));
        }
        *slot = Some(parse_line(line, words)?);
    }
    match some {
        Some(some) => Ok(Psi { some, full }),
        None => Err(ParseError(format!(
            "expected a 'some avg10=.. avg60=.. avg300=.. total=..' line, found {}",
            quote(text.trim())
        ))),
    }
}

fn parse_line<'a>(
    line: &str,
    fields: impl Iterator<Item = &'a str>,
) -> Result<PsiLine, ParseError> {
    let (mut a10, mut a60, mut a300, mut total) = (None, None, None, None);
    for f in fields {
        let Some((k, v)) = f.split_once('=') else {
            return Err(ParseError(format!(
                "expected key=value, found {} in {}",
                quote(f),
                quote(line)
            )));
        };
        match k {
            "avg10" => a10 = Some(avg(v, line)?),
            "avg60" => a60 = Some(avg(v, line)?),
            "avg300" => a300 = Some(avg(v, line)?),
            "total" => {
                total = Some(v.parse::<u64>().map_err(|_| {
                    ParseError(format!(
                        "total: expected microseconds, found {} in {}",
                        quote(v),
                        quote(line)
                    ))
                })?)
            }
            _ => {}
        }
    }
    match (a10, a60, a300, total) {
        (Some(avg10), Some(avg60), Some(avg300), Some(total_us)) => Ok(PsiLine {
            avg10,
            avg60,
            avg300,
            total_us,
        }),
        _ => Err(ParseError(format!(
            "expected avg10, avg60, avg300 and total, found {}",
            quote(line)
        ))),
    }
}

/// A percentage as the kernel prints it (`12.34`): finite, 0 to 100.
fn avg(v: &str, line: &str) -> Result<f64, ParseError> {
    let ok = !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    match v.parse::<f64>() {
        Ok(x) if ok && (0.0..=100.0).contains(&x) => Ok(x),
        _ => Err(ParseError(format!(
            "expected a percentage, found {} in {}",
            quote(v),
            quote(line)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_sample_with_full() {
        // ../shared/samples/pressure.psi.v2.opencontainers-cgroups
        let p = parse("some avg10=1.71 avg60=2.36 avg300=2.57 total=230548833\nfull avg10=1.00 avg60=1.01 avg300=1.00 total=157622356\n").unwrap();
        assert_eq!(p.some.avg10, 1.71);
        assert_eq!(p.some.avg300, 2.57);
        assert_eq!(p.some.total_us, 230548833);
        assert_eq!(p.full.unwrap().total_us, 157622356);
        assert_eq!(p.full.unwrap().avg60, 1.01);
    }

    #[test]
    fn cpu_before_5_13_has_no_full_line() {
        let p = parse("some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n").unwrap();
        assert_eq!(p.full, None);
        assert_eq!(p.some.total_us, 0);
    }

    #[test]
    fn keys_by_name_and_unknown_ones_ignored() {
        let p = parse("some total=5 avg300=3 avg60=2 avg10=1 new=7\nwhatever\n").unwrap();
        assert_eq!((p.some.avg10, p.some.avg60, p.some.avg300), (1.0, 2.0, 3.0));
        assert_eq!(p.some.total_us, 5);
    }

    #[test]
    fn garbage_is_an_error_that_quotes_it() {
        for bad in [
            "",
            "full avg10=0 avg60=0 avg300=0 total=0",
            "some avg10=abc avg60=0 avg300=0 total=0",
            "some avg10=0 avg60=0 avg300=0",
            "some avg10=0 avg60=0 avg300=0 total=-1",
            "some avg10=101 avg60=0 avg300=0 total=1",
            "some avg10=NaN avg60=0 avg300=0 total=1",
            "some avg10=0 avg60 avg300=0 total=1",
            "some avg10=0 avg60=0 avg300=0 total=1\nsome avg10=0 avg60=0 avg300=0 total=1",
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.0.contains('\''), "{bad:?}: {e}");
        }
    }
}
