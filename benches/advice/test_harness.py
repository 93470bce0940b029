"""Tests of the harness's pure parts (parsers, the Paketo formula, the verdict), on text the real
tools printed on this machine. Run: python3 -m unittest discover -s benches/advice -p 'test_*.py'
(tests/integration/advice_harness.rs runs them under `cargo test`)."""

import os
import random
import sys
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
        ok, why = judge.judge("batch", False, alts, S("batch", [1.54, 1.99, 2.20]))
        self.assertFalse(ok)
        self.assertIn("the runs overlap (1.54-2.2 s against 1.74-2 s)", why[0])
        ok, why = judge.judge("batch", False, alts, S("batch", [2.5, 2.6, 2.7]))
        self.assertFalse(ok)
        self.assertNotIn("overlap", why[0])


class Experiments(unittest.TestCase):
    def test_try_adds_its_options_and_nothing_else(self):
        e = configs.Experiment("x346n3", ["-Xmx346m", "-XX:NewRatio=3"])
        self.assertFalse(e.is_ctune)
        self.assertEqual(configs.jvm_options(e, None, None), ["-Xmx346m", "-XX:NewRatio=3"])
        self.assertIn("-XX:NewRatio=3", e.label)
        # The named alternatives are untouched by it.
        mrp75 = next(c for c in configs.ALTERNATIVES if c.name == "mrp75")
        self.assertEqual(configs.jvm_options(mrp75, None, None), ["-XX:MaxRAMPercentage=75"])


def S(kind, values, killed=0, failures=(), runs=3, p99=None, gc=0.05):
    """A summary as judge.summarise makes it, from throughput values (all runs ok if given)."""
    ok = len(values)
    st = judge._stat(values)
    s = {"runs": runs, "ok": ok, "killed": killed, "refused": 0, "failures": list(failures),
         "survived": ok == runs, "rps": None, "wall_s": None,
         "p99_ms": judge._stat([p99] * ok) if p99 else None, "gc_share": judge._stat([gc] * ok)}
    s["rps" if kind == "service" else "wall_s"] = st
    return s


class Verdict(unittest.TestCase):
    def test_passes_close_to_the_best(self):
        alts = {"mrp75": S("service", [2889] * 3, p99=69, gc=0.08),
                "defaults": S("service", [], failures=["OOME heap"])}
        ok, why = judge.judge("service", False, alts, S("service", [2800] * 3, p99=75, gc=0.09))
        self.assertTrue(ok, why)

    def test_issue_figures_fail(self):
        # The issue's 1 GiB / 35 % cell: ctune default 216 req/s, 519 ms, 94 % vs MRP=75.
        alts = {"mrp75": S("service", [2763] * 3, p99=139, gc=0.10)}
        ok, why = judge.judge("service", False, alts, S("service", [216] * 3, p99=519, gc=0.94))
        self.assertFalse(ok)
        self.assertEqual(len(why), 3)

    def test_failing_where_an_alternative_completes(self):
        alts = {"mrp75": S("batch", [11.9] * 3)}
        ok, why = judge.judge("batch", False, alts, S("batch", [], failures=["OOME heap"]))
        self.assertFalse(ok)
        self.assertIn("mrp75", why[0])

    def test_batch_wall_time_direction(self):
        alts = {"mrp75": S("batch", [10.0] * 3)}
        self.assertTrue(judge.judge("batch", False, alts, S("batch", [10.4] * 3))[0])
        self.assertFalse(judge.judge("batch", False, alts, S("batch", [10.6] * 3))[0])

    def test_kernel_kill_always_fails(self):
        ok, why = judge.judge("service", True, {}, S("service", [], killed=1, failures=["k"]))
        self.assertFalse(ok)

    def test_native_heavy_where_mrp75_is_killed(self):
        alts = {"mrp75": S("service", [], killed=3, failures=["kernel OOM kill"])}
        self.assertTrue(judge.judge("service", True, alts, S("service", [900] * 3, p99=80))[0])
        ok, why = judge.judge("service", True, alts, S("service", [], failures=["OOME heap"]))
        self.assertFalse(ok)

    def test_small_gc_shares_within_a_point(self):
        alts = {"mrp75": S("service", [1000] * 3, p99=50, gc=0.004)}
        self.assertTrue(judge.judge("service", False, alts,
                                    S("service", [1000] * 3, p99=50, gc=0.009))[0])


if __name__ == "__main__":
    unittest.main()
