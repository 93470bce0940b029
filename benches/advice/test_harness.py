"""Tests of the harness's pure parts (parsers, the Paketo formula, the verdict), on text the real
tools printed on this machine. Run: python3 -m unittest discover -s benches/advice -p 'test_*.py'
(tests/integration/advice_harness.rs runs them under `cargo test`)."""

import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from harness import configs, judge, parse  # noqa: E402

MIB = 1024 * 1024

# wrk 4.1.0, 1 thread, 32 connections, --latency, against the Http workload (17.0.15).
WRK = """Running 2s test @ http://127.0.0.1:18123/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    17.66ms   21.43ms 204.30ms   88.42%
    Req/Sec     2.60k     1.61k    5.93k    75.00%
  Latency Distribution
     50%    9.12ms
     75%   20.51ms
     90%   42.84ms
     99%  103.90ms
  5329 requests in 2.09s, 572.45KB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:   2553.45
Transfer/sec:    274.30KB
"""

# -Xlog:gc:file=...:uptime, JDK 17.0.15, Serial at 1 GiB and G1 at 2 GiB.
GC_LOG = """[0.009s] Using Serial
[1.592s] GC(13) Pause Young (Allocation Failure) 218M->218M(316M) 183.280ms
[2.005s] GC(14) Pause Young (Allocation Failure) 306M->306M(393M) 179.120ms
[2.052s] GC(15) Pause Full (Allocation Failure) 306M->306M(713M) 46.882ms
[3.100s] GC(16) Pause Young (Normal) (G1 Evacuation Pause) 24M->3M(256M) 3.456ms
[3.200s] GC(17) Concurrent Mark Cycle 45.678ms
"""


class Parsers(unittest.TestCase):
    def test_wrk(self):
        w = parse.wrk(WRK)
        self.assertEqual(w["rps"], 2553.45)
        self.assertAlmostEqual(w["p99_s"], 0.1039)
        self.assertEqual(w["requests"], 5329)
        self.assertEqual(w["non_2xx"], 7)
        self.assertEqual(w["socket_errors"], 3)

    def test_wrk_seconds_and_garbage(self):
        self.assertAlmostEqual(parse.wrk("     99%    1.20s\n")["p99_s"], 1.2)
        self.assertAlmostEqual(parse.wrk("     99%  812.00us\n")["p99_s"], 0.000812)
        self.assertIsNone(parse.wrk("")["rps"])
        self.assertIsNone(parse.wrk("Requests/sec: nan\n     99% ?\n")["p99_s"])

    def test_gc_pauses_skip_concurrent_phases(self):
        p = parse.gc_pauses(GC_LOG)
        self.assertEqual(len(p), 4)
        self.assertAlmostEqual(p[0][1], 0.18328)

    def test_gc_share_counts_only_the_window(self):
        p = parse.gc_pauses(GC_LOG)
        # [2.0, 3.0]: 179.12 ms pause ending at 2.005 has 5 ms inside, plus 46.882 ms.
        self.assertAlmostEqual(parse.gc_share(p, 2.0, 3.0), 0.005 + 0.046882, places=6)
        self.assertIsNone(parse.gc_share(p, 3.0, 3.0))
        self.assertEqual(parse.gc_share([], 0.0, 1.0), 0.0)

    def test_failures(self):
        self.assertEqual(parse.failure("Terminating due to java.lang.OutOfMemoryError: Java "
                                       "heap space"), "OOME heap")
        self.assertEqual(parse.failure('RESULT {"error":"java.lang.OutOfMemoryError: Cannot '
                                       'reserve 100663296 bytes of direct buffer memory '
                                       '(allocated: 0, limit: 67108864)"}'),
                         "direct-buffer exhaustion")
        self.assertEqual(parse.failure("OpenJDK 64-Bit Server VM warning: CodeCache is full. "
                                       "Compiler has been disabled."), "code-cache exhaustion")
        self.assertEqual(parse.failure("java.lang.OutOfMemoryError: unable to create native "
                                       "thread: possibly out of memory"), "OOME native thread")
        self.assertEqual(parse.failure("java.lang.OutOfMemoryError: Metaspace"), "OOME metaspace")
        # ctune's own line names -XX:+ExitOnOutOfMemoryError: not a failure.
        self.assertIsNone(parse.failure("ctune: -Xmx408m -XX:+ExitOnOutOfMemoryError on the "
                                        "command line (profile default; 1024 MiB, 1 core)"))

    def test_results_skip_garbage(self):
        r = parse.results('RESULT {"event":"ready","max_heap":5}\nRESULT {broken\nRESULT [1]\n')
        self.assertEqual(r, [{"event": "ready", "max_heap": 5}])

    def test_parsers_never_raise(self):
        rnd = random.Random(20)
        alphabet = WRK + GC_LOG + "\x00\xff{}[]%msu"
        for _ in range(300):
            text = "".join(rnd.choice(alphabet) for _ in range(rnd.randrange(200)))
            parse.wrk(text)
            parse.gc_share(parse.gc_pauses(text), 0.0, 1.0)
            parse.failure(text)
            parse.results(text)


class Paketo(unittest.TestCase):
    def test_documented_example(self):
        # domain.md §6 / java-buildpack#1052: at 12,000 classes the fixed part is ~580 MiB and
        # 1 GiB gives -Xmx454935K (to the KiB, as the calculator prints it).
        self.assertEqual(configs.paketo_heap(1024 * MIB, 12000) // 1024, 454935)
        opts = configs.paketo_options(1024 * MIB, 12000)
        self.assertIn("-Xmx454935K", opts)
        self.assertIn("-XX:MaxMetaspaceSize=81640K", opts)
        self.assertIn("-XX:ReservedCodeCacheSize=240M", opts)

    def test_refuses_when_fixed_part_exceeds_the_limit(self):
        with self.assertRaises(configs.Refused):
            configs.paketo_options(512 * MIB, 12000)


class Overlap(unittest.TestCase):
    def test_a_failing_throughput_says_when_the_runs_overlap(self):
        alts = {"mrp75": S("batch", [1.74, 1.80, 2.00])}
        status, why = judge.judge("batch", False, alts, S("batch", [1.54, 1.99, 2.20]))
        self.assertEqual(status, judge.NOISE)
        self.assertIn("the runs overlap (1.54-2.2 s against 1.74-2 s)", why[0])
        status, why = judge.judge("batch", False, alts, S("batch", [2.5, 2.6, 2.7]))
        self.assertEqual(status, judge.FAIL)
        self.assertNotIn("overlap", why[0])


class Faults(unittest.TestCase):
    # The 4 GiB batch (live 10 %, 2 GiB of work), JDK 17, 5 runs each in a 4 GiB / 2 CPU cgroup
    # (memory.stat's total_pgfault): the JVM's defaults (1 GiB heap) faulted 272,927-321,347
    # pages, ctune's -Xmx3634m -XX:GCTimeRatio=7 366,967-480,271.
    DEFAULTS = [321347, 319363, 272927, 320654, 285991]
    CTUNE = [366967, 448626, 460199, 480271, 373145]

    def test_a_throughput_shortfall_says_how_much_more_ctune_faulted_in(self):
        alts = {"defaults": S("batch", [1.72, 1.72, 2.0, 2.0, 1.44], runs=5, faults=self.DEFAULTS)}
        ctune = S("batch", [2.06, 1.75, 2.1, 1.98, 1.74], runs=5, faults=self.CTUNE)
        status, why = judge.judge("batch", False, alts, ctune)
        self.assertNotEqual(status, judge.PASS)
        # Medians 448,626 and 319,363 pages: 129,263 x 4 KiB.
        self.assertIn("its runs faulted in 505 MiB more than defaults'", why[0])

    def test_no_fault_clause_without_both_counts_or_a_clear_difference(self):
        slow = [2.5, 2.6, 2.7]
        # The 2 GiB service's runs faulted in 1 MiB more than MaxRAMPercentage=75's: noise.
        for alt_faults, ctune_faults in ((None, self.CTUNE[:3]), (self.DEFAULTS[:3], None),
                                         (self.CTUNE[:3], self.DEFAULTS[:3]),
                                         ([300000] * 3, [300256] * 3)):
            alts = {"defaults": S("batch", [1.7, 1.8, 1.9], faults=alt_faults)}
            _, why = judge.judge("batch", False, alts, S("batch", slow, faults=ctune_faults))
            self.assertNotIn("faulted", why[0])

    def test_the_batch_entry_shows_the_memory_faulted_in(self):
        from harness import matrix, report
        cell = matrix.Cell(matrix.BATCH, 4096, 2, 0.10, {"work.mib": 2048})
        s = S("batch", [2.0, 2.1, 2.2], faults=[262144, 262144, 262144])
        s.update(peak=judge._stat([1 << 30]), sys_s=judge._stat([1.0, 1.0, 1.0]))
        self.assertIn("kernel 1.0 s, 1,024 MiB faulted in", report.entry("batch", cell, s))

    def test_cgroup_counters_read_from_their_files(self):
        from harness import cgroup
        with tempfile.TemporaryDirectory() as d:
            cg = cgroup.Cgroup("x", 1 << 30, 1)
            cg.dirs = {"memory": d, "cpu": d}
            self.assertIsNone(cg.page_faults())  # no memory.stat
            stat = os.path.join(d, "memory.stat")
            with open(stat, "w") as f:
                f.write("cache 0\npgfault 12\ntotal_cache 0\ntotal_pgfault 300990\n")
            self.assertEqual(cg.page_faults(), 300990)
            with open(stat, "w") as f:
                f.write("total_pgfault lots\n")
            self.assertIsNone(cg.page_faults())
            # The same reader serves cpu.stat and memory.oom_control.
            with open(os.path.join(d, "cpu.stat"), "w") as f:
                f.write("nr_periods 10\nnr_throttled 3\nthrottled_time x\n")
            self.assertEqual(cg.throttled(), (10, 3))
            with open(os.path.join(d, "memory.oom_control"), "w") as f:
                f.write("oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
            self.assertEqual(cg.oom_kills(), 2)


class Noise(unittest.TestCase):
    def test_exact_mann_whitney(self):
        # All five below all five: 1 of the C(10,5) = 252 splits ranks them so.
        self.assertAlmostEqual(judge.mann_whitney_below([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]),
                               1 / 252)
        # The reverse order is the least surprising.
        self.assertEqual(judge.mann_whitney_below([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]), 1.0)
        # The normal approximation beyond 50,000 splits agrees in direction and size.
        p = judge.mann_whitney_below(list(range(10)), list(range(10, 20)))
        self.assertLess(p, 0.001)

    def test_the_first_runs_1_gib_batch_is_noise_and_the_4_gib_batch_is_not(self):
        # Per-run wall seconds of the first run's records (results/earlier/runs.jsonl): the
        # 1 GiB batch, where ctune's -Xmx768m is MRP75's own heap, and the 4 GiB batch against
        # fabric8.
        mrp75 = S("batch", [1.738, 1.738, 1.801, 1.946, 1.997], runs=5)
        ctune = S("batch", [1.539, 1.841, 1.991, 2.089, 2.196], runs=5)
        self.assertEqual(judge.judge("batch", False, {"mrp75": mrp75}, ctune)[0], judge.NOISE)
        fabric8 = S("batch", [1.694, 1.698, 1.949, 1.996, 2.214], runs=5)
        ctune4g = S("batch", [2.495, 2.758, 2.909, 2.947, 3.105], runs=5)
        status, why = judge.judge("batch", False, {"fabric8": fabric8}, ctune4g)
        self.assertEqual(status, judge.FAIL)
        self.assertIn("p = 0.004", why[0])

    def test_the_same_flags_are_never_judged_apart(self):
        # An A/A test on every recorded run: on JDK 10+ fabric8's run-java.sh adds only
        # -XX:+ExitOnOutOfMemoryError to the JVM's defaults, so where both complete, neither may
        # fail against the other. Their medians are up to 12 % apart (0.879x on the rerun's
        # 4 GiB batch): a bare 0.95 threshold would call 6 of the JDK 17 runs' 16 pairs failures.
        pairs = 0
        runs = ("", "6c6557d", "3dfdf24", "c0e22ca", "0c54f83", "4dbf0f9", "earlier", "rerun",
                "jdk11", "jdk21", "jdk21-g1ratio", "jdk25", "jdk25-young", "parallel-start-jdk11",
                "parallel-start-jdk21", "parallel-start-jdk25")
        for d in runs:
            path = os.path.join(HERE, "results", d, "runs.jsonl")
            with open(path) as f:
                recs = [json.loads(line) for line in f if line.strip()]
            for cell in sorted({r["cell"] for r in recs}):
                kind = "service" if cell.startswith("http") else "batch"
                a, b = (judge.summarise([r for r in recs if r["cell"] == cell
                                         and r["config"] == n]) for n in ("defaults", "fabric8"))
                if not (a["survived"] and b["survived"]):
                    continue
                pairs += 1
                for x, y in ((a, b), (b, a)):
                    status, why = judge.judge(kind, False, {"other": y}, x)
                    self.assertNotEqual(status, judge.FAIL, f"{path} {cell}: {why}")
        self.assertEqual(pairs, 28)

    def test_noise_never_hides_another_shortfall(self):
        alts = {"mrp75": S("batch", [1.74, 1.80, 2.00], gc=0.10)}
        status, why = judge.judge("batch", False, alts, S("batch", [1.54, 1.99, 2.20], gc=0.30))
        self.assertEqual(status, judge.FAIL)
        self.assertTrue(any("GC pause share" in w for w in why), why)


class GcShare(unittest.TestCase):
    def test_cpu_deltas(self):
        before = {"cpu_s": 10.0, "sys_s": 1.0, "gc_cpu_s": 2.0}
        after = {"cpu_s": 14.0, "sys_s": 1.5, "gc_cpu_s": 3.0}
        self.assertAlmostEqual(parse.gc_cpu_share(before, after), 0.25)
        self.assertAlmostEqual(parse.cpu_delta(before, after, "sys_s"), 0.5)
        # Since the JVM started.
        self.assertAlmostEqual(parse.gc_cpu_share(None, after), 3.0 / 14.0)
        # Unreadable /proc (-1), a missing field, a missing object, no CPU spent: no share.
        self.assertIsNone(parse.gc_cpu_share(None, {"cpu_s": -1, "gc_cpu_s": -1}))
        self.assertIsNone(parse.gc_cpu_share(before, {"cpu_s": 14.0}))
        self.assertIsNone(parse.gc_cpu_share(before, None))
        self.assertIsNone(parse.gc_cpu_share(before, before))
        self.assertIsNone(parse.cpu_delta(before, {"sys_s": "x"}, "sys_s"))

    def test_the_verdict_compares_cpu_shares_where_both_have_them(self):
        # The 2 GiB service: Parallel pauses 5.3 % of the time, G1 1.4 %, but G1 also works
        # beside the application. Judged on the collector threads' CPU where both recorded it.
        paketo = S("service", [11330] * 3, p99=16, gc=0.014, gc_cpu=0.08)
        parallel = S("service", [12805] * 3, p99=12, gc=0.053, gc_cpu=0.07)
        status, why = judge.judge("service", False, {"paketo": paketo}, parallel)
        self.assertEqual(status, judge.PASS, why)
        worse = S("service", [12805] * 3, p99=12, gc=0.053, gc_cpu=0.20)
        status, why = judge.judge("service", False, {"paketo": paketo}, worse)
        self.assertEqual(status, judge.FAIL)
        self.assertIn("GC share of CPU 20.0 % vs paketo's 8.0 %", why[0])
        # Records from before the CPU share existed: the pause share, named as such.
        old = S("service", [11330] * 3, p99=16, gc=0.014)
        status, why = judge.judge("service", False, {"paketo": old}, parallel)
        self.assertEqual(status, judge.FAIL)
        self.assertIn("GC pause share 5.3 %", why[0])


class Workload(unittest.TestCase):
    """The workloads' CPU counters, from a real JVM (javac and java on PATH)."""

    def test_batch_reports_its_collector_threads_cpu(self):
        javac, java = shutil.which("javac"), shutil.which("java")
        if not javac or not java:
            if os.environ.get("CTUNE_REQUIRE_REAL") == "1":
                self.fail("javac and java are required (CTUNE_REQUIRE_REAL=1)")
            self.skipTest("skipped: no javac/java on PATH")
        with tempfile.TemporaryDirectory() as out:
            subprocess.run(["sh", os.path.join(HERE, "workloads", "build.sh"), out], check=True,
                           stdout=subprocess.DEVNULL)
            for gc in ("-XX:+UseSerialGC", "-XX:+UseG1GC"):
                run = subprocess.run([java, gc, "-Xmx64m", "-Dlive.bytes=16m", "-Dwork.mib=512",
                                      "-cp", out, "Batch"], capture_output=True, text=True,
                                     timeout=120)
                r = parse.results(run.stdout)[-1]
                # Serial collects in the VM Thread, G1 in its GC and concurrent threads: either
                # way a 512 MiB job in a 64 MiB heap spends CPU collecting, and never more CPU
                # than the process spent.
                self.assertGreater(r["gc_count"], 5, r)
                self.assertGreater(r["gc_cpu_s"], 0.0, r)
                self.assertLessEqual(r["gc_cpu_s"], r["cpu_s"], r)
                self.assertLessEqual(r["sys_s"], r["cpu_s"], r)
                self.assertGreater(parse.gc_cpu_share(None, r), 0.0)


class Machine(unittest.TestCase):
    def test_first_touch_before_and_after(self):
        import run
        self.assertEqual(run.first_touch_text(1.8, "before the runs"),
                         "first touch of 2 GiB of fresh memory 1.8 s before the runs "
                         "(3.4 us a page)")
        self.assertEqual(run.first_touch_text(None, "after them"),
                         "first touch of 2 GiB after them: not measured")


class Experiments(unittest.TestCase):
    def test_try_adds_its_options_and_nothing_else(self):
        e = configs.Experiment("x346n3", ["-Xmx346m", "-XX:NewRatio=3"])
        self.assertFalse(e.is_ctune)
        self.assertEqual(configs.jvm_options(e, None, None), ["-Xmx346m", "-XX:NewRatio=3"])
        self.assertIn("-XX:NewRatio=3", e.label)
        # The named alternatives are untouched by it.
        mrp75 = next(c for c in configs.ALTERNATIVES if c.name == "mrp75")
        self.assertEqual(configs.jvm_options(mrp75, None, None), ["-XX:MaxRAMPercentage=75"])


HERE = os.path.dirname(os.path.abspath(__file__))


def S(kind, values, killed=0, failures=(), runs=3, p99=None, gc=0.05, gc_cpu=None, faults=None):
    """A summary as judge.summarise makes it, from throughput values (all runs ok if given)."""
    ok = len(values)
    st = judge._stat(values)
    s = {"runs": runs, "ok": ok, "killed": killed, "refused": 0, "failures": list(failures),
         "survived": ok == runs, "rps": None, "wall_s": None,
         "p99_ms": judge._stat([p99] * ok) if p99 else None, "gc_share": judge._stat([gc] * ok),
         "gc_cpu_share": judge._stat([gc_cpu] * ok) if gc_cpu is not None else None,
         "page_faults": judge._stat(list(faults)) if faults else None}
    s["rps" if kind == "service" else "wall_s"] = st
    return s


class Verdict(unittest.TestCase):
    def test_passes_close_to_the_best(self):
        alts = {"mrp75": S("service", [2889] * 3, p99=69, gc=0.08),
                "defaults": S("service", [], failures=["OOME heap"])}
        status, why = judge.judge("service", False, alts,
                                  S("service", [2800] * 3, p99=75, gc=0.09))
        self.assertEqual(status, judge.PASS, why)

    def test_issue_figures_fail(self):
        # The issue's 1 GiB / 35 % cell: ctune default 216 req/s, 519 ms, 94 % vs MRP=75.
        alts = {"mrp75": S("service", [2763] * 3, p99=139, gc=0.10)}
        status, why = judge.judge("service", False, alts,
                                  S("service", [216] * 3, p99=519, gc=0.94))
        self.assertEqual(status, judge.FAIL)
        self.assertEqual(len(why), 3)

    def test_failing_where_an_alternative_completes(self):
        alts = {"mrp75": S("batch", [11.9] * 3)}
        status, why = judge.judge("batch", False, alts, S("batch", [], failures=["OOME heap"]))
        self.assertEqual(status, judge.FAIL)
        self.assertIn("mrp75", why[0])

    def test_batch_wall_time_direction(self):
        alts = {"mrp75": S("batch", [10.0] * 3)}
        self.assertEqual(judge.judge("batch", False, alts, S("batch", [10.4] * 3))[0], judge.PASS)
        # Three runs each, every one of them slower: p = 1/20.
        self.assertEqual(judge.judge("batch", False, alts, S("batch", [10.6] * 3))[0], judge.FAIL)

    def test_kernel_kill_always_fails(self):
        status, why = judge.judge("service", True, {}, S("service", [], killed=1, failures=["k"]))
        self.assertEqual(status, judge.FAIL)

    def test_native_heavy_where_mrp75_is_killed(self):
        alts = {"mrp75": S("service", [], killed=3, failures=["kernel OOM kill"])}
        self.assertEqual(judge.judge("service", True, alts, S("service", [900] * 3, p99=80))[0],
                         judge.PASS)
        status, why = judge.judge("service", True, alts, S("service", [], failures=["OOME heap"]))
        self.assertEqual(status, judge.FAIL)

    def test_small_gc_shares_within_a_point(self):
        alts = {"mrp75": S("service", [1000] * 3, p99=50, gc=0.004)}
        self.assertEqual(judge.judge("service", False, alts,
                                     S("service", [1000] * 3, p99=50, gc=0.009))[0], judge.PASS)


if __name__ == "__main__":
    unittest.main()
