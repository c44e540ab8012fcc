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
        openblas_set_num_threads(Int32(n))
        return n
    }()

    /// Threads used by GEMM and by the parallel elementwise/reduction kernels.
    public static var threads: Int {
        get { lock.lock(); defer { lock.unlock() }; return _threads }
        set {
            lock.lock(); defer { lock.unlock() }
            _threads = max(1, newValue)
            openblas_set_num_threads(Int32(_threads))
        }
    }

    /// Applies the thread count to OpenBLAS before the first GEMM (reading `threads` does it); GEMM calls
    /// this so `ALIP_NUM_THREADS` holds even in code that never touches `Engine.threads`.
    @inline(__always)
    static func configureOnce() { _ = configured }
    private static let configured: Int = threads

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
