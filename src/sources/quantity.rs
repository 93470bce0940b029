//! Kubernetes resource quantities (`2Gi`, `2G`, `500m`, `1e9`, `0.5`) read exactly as
//! `k8s.io/apimachinery/pkg/api/resource.ParseQuantity` reads them, fast path and slow path
//! alike: `2G` is 2·10^9 and `2Gi` 2·2^30; `512m` is 0.512 (half a byte, as a memory limit);
//! a value that is not a whole number of nanos rounds up to the next nano; the slow path caps
//! at 2^63-1 while the int64 fast path (`12E`) does not. Pure: a `&str` in, a value out.

use std::fmt;

/// A parsed quantity: the magnitude in nano-units (saturating at `u128::MAX` for the absurd
/// `1e100`) and the sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quantity {
    pub nanos: u128,
    pub negative: bool,
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    DecimalSI,
    BinarySI,
    DecimalExponent,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    #[error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    Format,
    #[error("unable to parse quantity's suffix")]
    Suffix,
    #[error("unable to parse numeric part of quantity")]
    Numeric,
}

const NANO: u128 = 1_000_000_000;
/// `maxAllowed`: the slow path's cap, 2^63-1 units.
const MAX_NANOS: u128 = (i64::MAX as u128) * NANO;

impl Quantity {
    /// `Value()`: rounded up (away from zero) to a whole unit; saturating.
    pub fn value(&self) -> i128 {
        let v = self.nanos.div_ceil(NANO).min(i128::MAX as u128) as i128;
        if self.negative {
            -v
        } else {
            v
        }
    }

    /// `MilliValue()`: rounded up (away from zero) to a whole milli-unit; saturating.
    pub fn milli_value(&self) -> i128 {
        let v = self.nanos.div_ceil(1_000_000).min(i128::MAX as u128) as i128;
        if self.negative {
            -v
        } else {
            v
        }
    }

    /// As a float number of units (for CPUs).
    pub fn as_f64(&self) -> f64 {
        let v = self.nanos as f64 / NANO as f64;
        if self.negative {
            -v
        } else {
            v
        }
    }

    /// Bytes, as the kubelet would write them into the cgroup (`Value()`), for a memory amount;
    /// None when negative.
    pub fn bytes(&self) -> Option<u64> {
        (!self.negative).then(|| self.value().min(u64::MAX as i128) as u64)
    }

    /// Whether the quantity is not a whole number of units (`512m` of memory).
    pub fn is_fractional(&self) -> bool {
        !self.nanos.is_multiple_of(NANO)
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = if self.negative { "-" } else { "" };
        let (i, n) = (self.nanos / NANO, self.nanos % NANO);
        if n == 0 {
            write!(f, "{s}{i}")
        } else {
            let frac = format!("{n:09}");
            write!(f, "{s}{i}.{}", frac.trim_end_matches('0'))
        }
    }
}

struct Parts<'a> {
    positive: bool,
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
}

/// `parseQuantityString`, step for step.
fn split(s: &str) -> Result<Parts<'_>, QuantityError> {
    let b = s.as_bytes();
    let end = b.len();
    let mut pos = 0;
    let mut positive = true;
    if pos < end {
        match b[0] {
            b'-' => {
                positive = false;
                pos += 1
            }
            b'+' => pos += 1,
            _ => {}
        }
    }
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    if pos >= end {
        return Ok(Parts {
            positive,
            num: "0",
            denom: "",
            suffix: "",
        });
    }
    let start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    let num = if pos == start { "0" } else { &s[start..pos] };
    let mut denom = "";
    if pos < end && b[pos] == b'.' {
        pos += 1;
        let ds = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        denom = &s[ds..pos];
    }
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return Err(QuantityError::Format);
    }
    // `s` is ASCII up to `end` here (every byte matched an ASCII class).
    Ok(Parts {
        positive,
        num,
        denom,
        suffix: &s[suffix_start..],
    })
}

/// `quantitySuffixer.interpret`: (base, exponent, format).
fn interpret(suffix: &str) -> Option<(u32, i32, Format)> {
    use Format::*;
    Some(match suffix {
        "Ki" => (2, 10, BinarySI),
        "Mi" => (2, 20, BinarySI),
        "Gi" => (2, 30, BinarySI),
        "Ti" => (2, 40, BinarySI),
        "Pi" => (2, 50, BinarySI),
        "Ei" => (2, 60, BinarySI),
        "n" => (10, -9, DecimalSI),
        "u" => (10, -6, DecimalSI),
        "m" => (10, -3, DecimalSI),
        "" => (10, 0, DecimalSI),
        "k" => (10, 3, DecimalSI),
        "M" => (10, 6, DecimalSI),
        "G" => (10, 9, DecimalSI),
        "T" => (10, 12, DecimalSI),
        "P" => (10, 15, DecimalSI),
        "E" => (10, 18, DecimalSI),
        _ => {
            let rest = suffix.strip_prefix(['e', 'E'])?;
            if rest.is_empty() {
                return None;
            }
            let digits = rest.strip_prefix(['+', '-']).unwrap_or(rest);
            if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
                return None;
            }
            // strconv.ParseInt(.., 64) then int32(): huge exponents wrap as Go's do; clamp
            // instead (both are nonsense; clamping cannot turn a huge number into a small one).
            let v: i64 = rest.parse().unwrap_or(if rest.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            });
            (10, v.clamp(-100_000, 100_000) as i32, DecimalExponent)
        }
    })
}

fn pow10(e: u32) -> Option<u128> {
    10u128.checked_pow(e)
}

/// Parse a quantity exactly as Kubernetes does.
pub fn parse(s: &str) -> Result<Quantity, QuantityError> {
    if s.is_empty() {
        return Err(QuantityError::Format);
    }
    let p = split(s)?;
    let (base, exponent, mut format) = interpret(p.suffix).ok_or(QuantityError::Suffix)?;
    let negative = !p.positive;
    // The int64 fast path.
    let (precision, mut scale, mantissa): (i64, i64, i64) = match format {
        Format::DecimalExponent | Format::DecimalSI => (
            18 - (p.num.len() + p.denom.len()) as i64,
            exponent as i64,
            1,
        ),
        Format::BinarySI if exponent >= 0 && p.denom.is_empty() => (
            15 - p.num.len() as i64 - ((exponent as f32) * 3.0 / 10.0) as i64 - 1,
            0,
            1i64 << exponent,
        ),
        Format::BinarySI => (-1, 0, 1),
    };
    if precision >= 0 {
        scale -= p.denom.len() as i64;
        if scale >= -9 {
            let shifted = format!("{}{}", p.num, p.denom);
            let v: i64 = shifted.parse().map_err(|_| QuantityError::Numeric)?;
            if let Some(r) = v.checked_mul(mantissa) {
                let nanos = pow10((scale + 9) as u32)
                    .and_then(|m| (r as u128).checked_mul(m))
                    .unwrap_or(u128::MAX);
                return Ok(Quantity {
                    nanos,
                    negative: negative && nanos != 0,
                    format,
                });
            }
        }
    }
    // The inf.Dec slow path: exact, rounded up to a nano, capped at 2^63-1.
    let nanos = slow_nanos(p.num, p.denom, base, exponent);
    let nanos = nanos.min(MAX_NANOS);
    if format == Format::BinarySI && nanos > 0 && nanos < NANO {
        format = Format::DecimalSI;
    }
    Ok(Quantity {
        nanos,
        negative: negative && nanos != 0,
        format,
    })
}

/// Digits kept beyond which only "was anything non-zero" matters (far below a nano even for
/// the 2^63 cap).
const KEEP_DIGITS: usize = 80;

/// ceil(num.denom × base^exponent × 10^9), saturating above the cap.
fn slow_nanos(num: &str, denom: &str, base: u32, exponent: i32) -> u128 {
    let mut digits: Vec<u8> = num
        .bytes()
        .chain(denom.bytes())
        .map(|c| c - b'0')
        .skip_while(|&d| d == 0)
        .collect();
    if digits.is_empty() {
        return 0;
    }
    // value = int(digits) × 10^e10 × 2^e2
    let mut e10: i64 = -(denom.len() as i64) + 9;
    let e2: u32 = if base == 2 { exponent as u32 } else { 0 };
    if base == 10 {
        e10 += exponent as i64;
    }
    let mut sticky = false;
    if digits.len() > KEEP_DIGITS {
        sticky = digits[KEEP_DIGITS..].iter().any(|&d| d != 0);
        e10 += (digits.len() - KEEP_DIGITS) as i64;
        digits.truncate(KEEP_DIGITS);
    }
    // Magnitude: at least 10^(len-1+e10) × 2^e2 nanos; the cap is below 10^29.
    if digits.len() as i64 - 1 + e10 + (e2 as i64 * 3 / 10) > 30 {
        return u128::MAX;
    }
    if e10 < -(digits.len() as i64) - 25 {
        // Below one nano however the binary factor (≤ 2^60 < 10^19) scales it: rounds up to 1.
        return 1;
    }
    let mut big = Big::from_digits(&digits);
    for _ in 0..e2 {
        big.mul_small(2);
    }
    if e10 >= 0 {
        for _ in 0..e10 {
            big.mul_small(10);
        }
        return big.to_u128().unwrap_or(u128::MAX) + u128::from(sticky);
    }
    let mut rem_nonzero = sticky;
    for _ in 0..(-e10) {
        rem_nonzero |= big.div_small(10) != 0;
    }
    big.to_u128().unwrap_or(u128::MAX) + u128::from(rem_nonzero)
}

/// Just enough arbitrary precision: little-endian base-10^9 limbs.
struct Big(Vec<u64>);

impl Big {
    fn from_digits(d: &[u8]) -> Big {
        let mut b = Big(vec![0]);
        for &x in d {
            b.mul_small(10);
            b.add_small(x as u64);
        }
        b
    }
    fn mul_small(&mut self, m: u64) {
        let mut carry = 0;
        for l in self.0.iter_mut() {
            let v = *l * m + carry;
            *l = v % 1_000_000_000;
            carry = v / 1_000_000_000;
        }
        if carry > 0 {
            self.0.push(carry);
        }
    }
    fn add_small(&mut self, a: u64) {
        let mut carry = a;
        for l in self.0.iter_mut() {
            let v = *l + carry;
            *l = v % 1_000_000_000;
            carry = v / 1_000_000_000;
            if carry == 0 {
                return;
            }
        }
        if carry > 0 {
            self.0.push(carry);
        }
    }
    fn div_small(&mut self, d: u64) -> u64 {
        let mut rem = 0;
        for l in self.0.iter_mut().rev() {
            let v = rem * 1_000_000_000 + *l;
            *l = v / d;
            rem = v % d;
        }
        while self.0.len() > 1 && self.0.last() == Some(&0) {
            self.0.pop();
        }
        rem
    }
    fn to_u128(&self) -> Option<u128> {
        self.0.iter().rev().try_fold(0u128, |acc, &l| {
            acc.checked_mul(1_000_000_000)?.checked_add(l as u128)
        })
    }
}

/// The kubelet's `MilliCPUToShares`: a CPU request in millicores to cgroup v1 `cpu.shares`.
pub fn milli_cpu_to_shares(milli: i128) -> u64 {
    const MIN: i128 = 2;
    const MAX: i128 = 262_144;
    if milli <= 0 {
        return MIN as u64;
    }
    (milli.saturating_mul(1024) / 1000).clamp(MIN, MAX) as u64
}

/// runc's `ConvertCPUSharesToCgroupV2Value`: shares to cgroup v2 `cpu.weight`.
pub fn shares_to_weight(shares: u64) -> u64 {
    if shares == 0 {
        return 0;
    }
    1 + ((shares.saturating_sub(2)) * 9999) / 262_142
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (mantissa, exponent) as in quantity_test.go's `decQuantity`, in nanos.
    fn dq(m: u128, e: i32) -> u128 {
        if e + 9 >= 0 {
            m * 10u128.pow((e + 9) as u32)
        } else {
            m / 10u128.pow((-(e + 9)) as u32)
        }
    }

    /// The table of `TestQuantityParse` in kubernetes/apimachinery
    /// pkg/api/resource/quantity_test.go.
    #[test]
    fn kubernetes_parse_table() {
        use Format::*;
        let max = MAX_NANOS;
        let cases: &[(&str, u128, Format)] = &[
            ("0", 0, DecimalSI),
            ("0n", 0, DecimalSI),
            ("0u", 0, DecimalSI),
            ("0m", 0, DecimalSI),
            ("0Ki", 0, BinarySI),
            ("0k", 0, DecimalSI),
            ("0Mi", 0, BinarySI),
            ("0M", 0, DecimalSI),
            ("0Gi", 0, BinarySI),
            ("0G", 0, DecimalSI),
            ("0Ti", 0, BinarySI),
            ("0T", 0, DecimalSI),
            ("1", dq(1, 0), DecimalSI),
            ("1Ki", dq(1024, 0), BinarySI),
            ("8Ki", dq(8 * 1024, 0), BinarySI),
            ("7Mi", dq(7 << 20, 0), BinarySI),
            ("6Gi", dq(6 << 30, 0), BinarySI),
            ("5Ti", dq(5 << 40, 0), BinarySI),
            ("4Pi", dq(4 << 50, 0), BinarySI),
            ("3Ei", dq(3 << 60, 0), BinarySI),
            ("10Ti", dq(10 << 40, 0), BinarySI),
            ("100Ti", dq(100 << 40, 0), BinarySI),
            ("5n", dq(5, -9), DecimalSI),
            ("4u", dq(4, -6), DecimalSI),
            ("3m", dq(3, -3), DecimalSI),
            ("9", dq(9, 0), DecimalSI),
            ("8k", dq(8, 3), DecimalSI),
            ("50k", dq(5, 4), DecimalSI),
            ("7M", dq(7, 6), DecimalSI),
            ("6G", dq(6, 9), DecimalSI),
            ("5T", dq(5, 12), DecimalSI),
            ("40T", dq(4, 13), DecimalSI),
            ("300T", dq(3, 14), DecimalSI),
            ("2P", dq(2, 15), DecimalSI),
            ("1E", dq(1, 18), DecimalSI),
            ("1E-3", dq(1, -3), DecimalExponent),
            ("1e3", dq(1, 3), DecimalExponent),
            ("1E6", dq(1, 6), DecimalExponent),
            ("1e9", dq(1, 9), DecimalExponent),
            ("1E12", dq(1, 12), DecimalExponent),
            ("1e15", dq(1, 15), DecimalExponent),
            ("1E18", dq(1, 18), DecimalExponent),
            ("1e14", dq(1, 14), DecimalExponent),
            ("1e13", dq(1, 13), DecimalExponent),
            ("100.035k", dq(100035, 0), DecimalSI),
            ("0.001", dq(1, -3), DecimalSI),
            ("0.0005k", dq(5, -1), DecimalSI),
            ("0.005", dq(5, -3), DecimalSI),
            ("0.05", dq(5, -2), DecimalSI),
            ("0.5", dq(5, -1), DecimalSI),
            ("0.00050k", dq(5, -1), DecimalSI),
            ("0.00500", dq(5, -3), DecimalSI),
            ("0.05000", dq(5, -2), DecimalSI),
            ("0.50000", dq(5, -1), DecimalSI),
            ("0.5e0", dq(5, -1), DecimalExponent),
            ("0.5e-1", dq(5, -2), DecimalExponent),
            ("0.5e-2", dq(5, -3), DecimalExponent),
            ("10.035M", dq(10035, 3), DecimalSI),
            ("1.2e3", dq(12, 2), DecimalExponent),
            ("1.3E+6", dq(13, 5), DecimalExponent),
            ("1.40e9", dq(14, 8), DecimalExponent),
            ("1.53E12", dq(153, 10), DecimalExponent),
            ("1.6e15", dq(16, 14), DecimalExponent),
            ("1.7E18", dq(17, 17), DecimalExponent),
            ("9.01", dq(901, -2), DecimalSI),
            ("8.1k", dq(81, 2), DecimalSI),
            ("7.123456M", dq(7123456, 0), DecimalSI),
            ("6.987654321G", dq(6987654321, 0), DecimalSI),
            ("5.444T", dq(5444, 9), DecimalSI),
            ("40.1T", dq(401, 11), DecimalSI),
            ("300.2T", dq(3002, 11), DecimalSI),
            ("2.5P", dq(25, 14), DecimalSI),
            ("1.01E", dq(101, 16), DecimalSI),
            // Things that saturate/round
            ("3.001n", dq(4, -9), DecimalSI),
            ("1.1E-9", dq(2, -9), DecimalExponent),
            ("0.0000000001", dq(1, -9), DecimalSI),
            ("0.0000000005", dq(1, -9), DecimalSI),
            ("0.00000000050", dq(1, -9), DecimalSI),
            ("0.5e-9", dq(1, -9), DecimalExponent),
            ("0.9n", dq(1, -9), DecimalSI),
            ("0.00000012345", dq(124, -9), DecimalSI),
            ("0.00000012354", dq(124, -9), DecimalSI),
            ("9Ei", max, BinarySI),
            ("9223372036854775807Ki", max, BinarySI),
            ("12E", dq(12, 18), DecimalSI),
            // Fractional binary
            ("100.035Ki", dq(10243584, -2), BinarySI),
            ("0.5Mi", dq(512 * 1024, 0), BinarySI),
            ("0.05Gi", dq(536870912, -1), BinarySI),
            ("0.025Ti", dq(274877906944, -1), BinarySI),
            // Things written by trolls
            ("0.000000000001Ki", dq(2, -9), DecimalSI),
            (".001", dq(1, -3), DecimalSI),
            (".0001k", dq(100, -3), DecimalSI),
            ("1.", dq(1, 0), DecimalSI),
            ("1.G", dq(1, 9), DecimalSI),
        ];
        for &(input, nanos, format) in cases {
            let q = parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(q.nanos, nanos, "{input}");
            assert_eq!(q.format, format, "{input}");
            assert!(!q.negative, "{input}");
            let neg = parse(&format!("-{input}")).unwrap();
            assert_eq!(neg.nanos, nanos, "-{input}");
            assert_eq!(neg.negative, nanos != 0, "-{input}");
        }
    }

    /// `TestQuantityParseZero`, the error cases of `TestQuantityParse` and
    /// `TestQuantityParseNonNumericPanic`.
    #[test]
    fn kubernetes_errors() {
        for bad in [
            "",
            "1.1.M",
            "1+1.0M",
            "0.1mi",
            "0.1am",
            "aoeu",
            ".5i",
            "1i",
            "-3.01i",
            "-3.01e-",
            "Non-Numeric",
            "1 Gi",
            "1Gb",
            "2K",
            "1e",
            "1e+",
            "0x10",
            "1GiB",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
        assert_eq!(parse("0").unwrap().nanos, 0);
    }

    #[test]
    fn values_round_up_and_memory_m_is_a_fraction() {
        assert_eq!(parse("512m").unwrap().value(), 1);
        assert!(parse("512m").unwrap().is_fractional());
        assert_eq!(parse("2G").unwrap().bytes(), Some(2_000_000_000));
        assert_eq!(parse("2Gi").unwrap().bytes(), Some(2 << 30));
        assert_eq!(parse("1500Mi").unwrap().bytes(), Some(1500 << 20));
        assert_eq!(parse("1.5").unwrap().milli_value(), 1500);
        assert_eq!(parse("100m").unwrap().milli_value(), 100);
        assert_eq!(parse("0.1m").unwrap().milli_value(), 1);
        assert_eq!(parse("-1.5").unwrap().value(), -2);
        assert_eq!(parse("1e100").unwrap().nanos, u128::MAX);
        assert_eq!(format!("{}", parse("250m").unwrap()), "0.25");
    }

    #[test]
    fn kubelet_shares() {
        assert_eq!(milli_cpu_to_shares(0), 2);
        assert_eq!(milli_cpu_to_shares(1), 2);
        assert_eq!(milli_cpu_to_shares(250), 256);
        assert_eq!(milli_cpu_to_shares(1000), 1024);
        assert_eq!(milli_cpu_to_shares(1_000_000), 262_144);
        assert_eq!(shares_to_weight(2), 1);
        assert_eq!(shares_to_weight(1024), 39);
        assert_eq!(shares_to_weight(262_144), 10_000);
    }
}
