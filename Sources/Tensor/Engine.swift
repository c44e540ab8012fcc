import COpenBLAS
import Foundation

/// Process-wide engine settings: the number of threads for BLAS and for the elementwise kernels.
///
/// The default is `ALIP_NUM_THREADS` from the environment, else the number of active cores.
/// OpenBLAS keeps its own pool; it is sized to the same count so the two do not oversubscribe.
public enum Engine {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var _threads: Int = {
        let env = ProcessInfo.processInfo.environment["ALIP_NUM_THREADS"].flatMap(Int.init)
        let n = max(1, env ?? ProcessInfo.processInfo.activeProcessorCount)
        openblas_set_num_threads(Int32(_gemmThreading == .blas ? n : 1))
        return n
    }()

    /// Who runs a large GEMM on several cores.
    public enum GEMMThreading: String, Sendable {
        /// OpenBLAS's own thread pool (its idle workers busy-wait with `sched_yield` for a while after each
        /// call, competing with the engine's elementwise kernels on small machines).
        case blas
        /// OpenBLAS single-threaded; `Kernels.gemm` splits large products into row/column blocks across the
        /// engine's threads (the default: measured faster on the 2-core benchmark machine, Docs/performance.md).
        case engine
    }

    nonisolated(unsafe) private static var _gemmThreading: GEMMThreading =
        ProcessInfo.processInfo.environment["ALIP_GEMM_THREADING"].flatMap(GEMMThreading.init(rawValue:)) ?? .engine

    /// How large GEMMs use the cores (`ALIP_GEMM_THREADING=blas|engine` in the environment; default engine).
    public static var gemmThreading: GEMMThreading {
        get { lock.lock(); defer { lock.unlock() }; return _gemmThreading }
        set {
            lock.lock(); defer { lock.unlock() }
            _gemmThreading = newValue
            openblas_set_num_threads(Int32(newValue == .blas ? _threads : 1))
        }
    }

    nonisolated(unsafe) private static var _fused: Bool = ProcessInfo.processInfo.environment["ALIP_FUSED"] != "0"

    /// Whether layers use the fused ops (`Tensor.linear`, `Tensor.packedAttention`) instead of composing
    /// matmul, broadcast add, permutes and slices (`ALIP_FUSED=0` turns them off, for before/after
    /// measurements and equality tests; the values agree to float32 round-off).
    public static var useFusedKernels: Bool {
        get { lock.lock(); defer { lock.unlock() }; return _fused }
        set { lock.lock(); defer { lock.unlock() }; _fused = newValue }
    }

    /// Products with `m·n·k` below this run as one single-threaded `sgemm` under `.engine` threading
    /// (OpenBLAS's own cut-off for threading, `Kernels.openBLASSingleThreadLimit`).
    public static let gemmSplitThreshold = 1 << 18

    /// Threads used by GEMM and by the parallel elementwise/reduction kernels.
    public static var threads: Int {
        get { lock.lock(); defer { lock.unlock() }; return _threads }
        set {
            lock.lock(); defer { lock.unlock() }
            _threads = max(1, newValue)
            openblas_set_num_threads(Int32(_gemmThreading == .blas ? _threads : 1))
        }
    }

    /// Applies the thread count to OpenBLAS before the first GEMM (reading `threads` does it); GEMM calls
    /// this so `ALIP_NUM_THREADS` holds even in code that never touches `Engine.threads`.
    @inline(__always)
    static func configureOnce() { _ = configured }
    private static let configured: Int = { configureAllocator(); return threads }()

    /// Keeps freed activation buffers in the heap for the next step instead of returning them to the
    /// kernel (glibc: no buffer takes the `mmap` path, and the heap top is not trimmed below 1 GiB), so
    /// a training step stops page-faulting fresh memory for every op. glibc caps the mmap threshold at
    /// 32 MiB, so without `M_MMAP_MAX = 0` every larger buffer (an MLP activation from batch 256 on) was
    /// mapped, faulted in and unmapped again each step, which made step time superlinear in the batch.
    /// Peak RSS is unchanged; memory freed by a step is reused by the next. `ALIP_MALLOC_TUNE=0` leaves
    /// glibc alone.
    static func configureAllocator() {
        #if os(Linux)
        guard ProcessInfo.processInfo.environment["ALIP_MALLOC_TUNE"] != "0" else { return }
        // mallopt from <malloc.h> (not in the Glibc module): M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3,
        // M_MMAP_MAX = -4 (0: never mmap; glibc still falls back to mmap where its heap cannot grow).
        guard let sym = dlsym(nil, "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        let mallopt = unsafeBitCast(sym, to: Mallopt.self)
        _ = mallopt(-3, 32 << 20)
        _ = mallopt(-4, 0)
        _ = mallopt(-1, 1 << 30)
        #endif
    }

    /// The kernel family OpenBLAS picked for this CPU (`openblas_get_corename`, for example "Haswell",
    /// "SkylakeX", or "Prescott" when it fell back to generic SSE3 code); nil when the symbol is missing.
    /// Looked up dynamically because not every `cblas.h` declares it.
    public static var blasCoreName: String? {
        #if os(Linux)
        let everywhere: UnsafeMutableRawPointer? = nil                      // glibc's RTLD_DEFAULT
        #else
        let everywhere = UnsafeMutableRawPointer(bitPattern: -2)            // Darwin's RTLD_DEFAULT
        #endif
        guard let sym = dlsym(everywhere, "openblas_get_corename") else { return nil }
        typealias Fn = @convention(c) () -> UnsafePointer<CChar>?
        guard let p = unsafeBitCast(sym, to: Fn.self)() else { return nil }
        return String(cString: p).trimmingCharacters(in: .whitespaces)
    }

    /// Elementwise kernels below this many elements run on one thread (splitting costs more than it saves).
    public static let parallelThreshold = 1 << 15

    /// Runs `body` over `0..<count` split into at most `threads` contiguous chunks; single-threaded for
    /// small counts. `body` gets a half-open range and must only touch its own range of the output.
    @inline(__always)
    public static func parallelFor(_ count: Int, minChunk: Int = parallelThreshold, _ body: (Range<Int>) -> Void) {
        let t = threads
        if t <= 1 || count < 2 * minChunk { body(0..<count); return }
        let chunks = min(t, count / minChunk)
        let size = (count + chunks - 1) / chunks
        withoutActuallyEscaping(body) { body in
            let work = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let lo = c * size, hi = min(count, lo + size)
                if lo < hi { work.value(lo..<hi) }
            }
        }
    }
}

/// Wraps a value the compiler cannot prove Sendable but that the caller shares safely (each parallel chunk
/// touches only its own range of memory).
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}

// MARK: - OpenBLAS kernel selection

extension Engine {
    /// The kernel families OpenBLAS falls back to on CPUs it does not know (generic SSE-era code).
    static let genericBLASCores: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom",
                                                 "katmai", "coppermine", "northwood", "banias", "generic"]

    /// The `OPENBLAS_CORETYPE` that suits this CPU when OpenBLAS fell back to a generic core: "SkylakeX"
    /// when `/proc/cpuinfo` lists AVX-512 F/BW/DQ/VL, "Haswell" for AVX2 + FMA; nil when OpenBLAS already
    /// picked a specific core, the flags are unknown, or the CPU has neither.
    public static func suggestedBLASCoreType(coreName: String? = Engine.blasCoreName,
                                             cpuFlags: Set<String>? = Engine.cpuFlags()) -> String? {
        guard let core = coreName, genericBLASCores.contains(core.lowercased()), let flags = cpuFlags else { return nil }
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return "SkylakeX" }
        if flags.contains("avx2") && flags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The CPU feature flags of the first processor in `/proc/cpuinfo` (nil where there is none).
    public static func cpuFlags() -> Set<String>? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return nil
    }

    /// Environment marker set on the re-executed process (guards against an exec loop).
    public static let blasAutotuneMarker = "ALIP_BLAS_AUTOTUNED"

    /// OpenBLAS reads `OPENBLAS_CORETYPE` only when the library loads, before `main`; so when it is not
    /// set, OpenBLAS chose a generic core, and the CPU supports AVX-512 or AVX2/FMA, this re-executes
    /// the program (`/proc/self/exe`, same arguments) with the variable set. It never overrides a value
    /// in the environment, does nothing when `ALIP_BLAS_AUTOTUNE=0` or on the re-executed process, and
    /// returns (changing nothing) when the exec fails. Call it first thing in a command-line tool; the
    /// unit tests never call it (they run under whatever the environment sets).
    public static func reexecWithTunedBLASIfNeeded() {
        #if os(Linux)
        let env = ProcessInfo.processInfo.environment
        guard env["OPENBLAS_CORETYPE"] == nil, env["ALIP_BLAS_AUTOTUNE"] != "0", env[blasAutotuneMarker] == nil,
              let core = suggestedBLASCoreType() else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(blasAutotuneMarker, core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when exec failed: carry on with the generic kernels.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(blasAutotuneMarker)
        #endif
    }

    /// The core type a re-exec by `reexecWithTunedBLASIfNeeded()` selected, nil when none happened.
    public static var blasAutotunedCore: String? { ProcessInfo.processInfo.environment[blasAutotuneMarker] }
}
