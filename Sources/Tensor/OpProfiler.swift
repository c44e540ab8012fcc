import Foundation

/// A per-op time profile of the engine (what `alip bench step` prints): forward and backward wall time
/// and call counts by op name, for the thread that runs the graph.
///
/// Off by default; while off it costs one branch per op. Forward time of an op is the time since the
/// previous op was recorded on the profiling thread (so glue code between ops is charged to the op that
/// follows it); backward time is the exact duration of the op's vector–Jacobian product.
public enum OpProfiler {
    /// Accumulated times of one op kind.
    public struct Entry: Sendable, Equatable {
        /// Forward seconds.
        public var forward: Double = 0
        /// Backward seconds.
        public var backward: Double = 0
        /// Forward calls.
        public var forwardCalls: Int = 0
        /// Backward calls.
        public var backwardCalls: Int = 0
    }

    nonisolated(unsafe) static var isOn = false
    nonisolated(unsafe) static var entries: [String: Entry] = [:]
    nonisolated(unsafe) static var last: UInt64 = 0
    /// Set while `backward()` runs: ops inside VJPs are part of their op's backward time, not forward ops.
    nonisolated(unsafe) static var inBackward = false

    /// Whether ops are being timed.
    public static var enabled: Bool { isOn }

    /// Starts (and clears) a profile. Call from the thread that runs the model; not thread-safe.
    public static func start() {
        entries = [:]
        isOn = true
        last = DispatchTime.now().uptimeNanoseconds
    }

    /// Restarts the forward clock (call right before the first op of a timed region, so setup work
    /// outside the model is not charged to its first op).
    public static func mark() { if isOn { last = DispatchTime.now().uptimeNanoseconds } }

    /// Stops profiling and returns the entries by op name.
    @discardableResult
    public static func stop() -> [String: Entry] {
        isOn = false
        return entries
    }

    @inline(__always)
    static func forwardRecorded(_ op: String) {
        if inBackward { return }
        let now = DispatchTime.now().uptimeNanoseconds
        entries[op, default: Entry()].forward += Double(now &- last) * 1e-9
        entries[op, default: Entry()].forwardCalls += 1
        last = now
    }

    @inline(__always)
    static func backwardTimed(_ op: String, seconds: Double) {
        entries[op, default: Entry()].backward += seconds
        entries[op, default: Entry()].backwardCalls += 1
    }
}
