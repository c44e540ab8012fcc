import Foundation

/// Training progress for people: on a terminal a one-line bar redrawn in place
/// (`[########--------] 120/600 loss 3.412 · 1234 samples/s · ETA 1:23`); elsewhere (a log file, CI)
/// plain lines every `every` steps (`step 120/600 loss 3.412 samples/s 1234.0 eta 1:23`).
///
/// The output sink, the terminal flag and the clock are injectable, so tests see exact output.
public final class ProgressReporter {
    /// Last step of the run.
    public let total: Int
    /// Whether output goes to a terminal (bar mode).
    public let isTerminal: Bool
    /// Plain mode: print every this many steps (and the last step).
    public let every: Int
    private let barWidth: Int
    private let minRedrawInterval: Double
    private let clock: () -> Double
    private let sink: (String) -> Void
    private let startStep: Int
    private let startTime: Double
    private var lastDraw = -Double.infinity
    private var lastBar: String?

    /// Whether standard error is a terminal.
    public static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    /// A reporter for a run that goes to step `total`, starting (or resuming) at `startStep`.
    /// `sink` receives text exactly as it should be written (default: standard error); `clock` gives
    /// seconds (default: a monotonic clock).
    public init(total: Int, startStep: Int = 0, isTerminal: Bool = ProgressReporter.standardErrorIsTerminal,
                every: Int = 10, barWidth: Int = 24, minRedrawInterval: Double = 0.1,
                clock: @escaping () -> Double = { Double(DispatchTime.now().uptimeNanoseconds) * 1e-9 },
                sink: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.total = max(total, 0)
        self.startStep = startStep
        self.isTerminal = isTerminal
        self.every = max(every, 1)
        self.barWidth = max(barWidth, 4)
        self.minRedrawInterval = minRedrawInterval
        self.clock = clock
        self.sink = sink
        self.startTime = clock()
    }

    /// Reports that `step` finished with this loss and throughput.
    public func update(step: Int, loss: Double, samplesPerSecond: Double) {
        let now = clock()
        let eta = Self.eta(done: step - startStep, remaining: total - step, elapsed: now - startTime)
        if isTerminal {
            guard step >= total || now - lastDraw >= minRedrawInterval else { return }
            lastDraw = now
            let filled = total > 0 ? min(barWidth, max(0, step * barWidth / total)) : barWidth
            let bar = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: barWidth - filled) + "]"
            let line = "\(bar) \(step)/\(total) loss \(String(format: "%.3f", loss)) · \(String(format: "%.0f", samplesPerSecond)) samples/s · ETA \(eta)"
            lastBar = line
            sink("\r\u{1B}[2K" + line)
        } else {
            guard step % every == 0 || step >= total else { return }
            sink("step \(step)/\(total) loss \(String(format: "%.3f", loss)) samples/s \(String(format: "%.1f", samplesPerSecond)) eta \(eta)\n")
        }
    }

    /// Prints a line of text (an evaluation result, a checkpoint note) without garbling the bar.
    public func message(_ text: String) {
        if isTerminal, let bar = lastBar {
            sink("\r\u{1B}[2K" + text + "\n" + bar)
        } else {
            sink(text + "\n")
        }
    }

    /// Ends the bar's line (terminal mode); nothing in plain mode.
    public func finish() {
        if isTerminal, lastBar != nil { sink("\n"); lastBar = nil }
    }

    /// `m:ss` or `h:mm:ss` for the remaining time at the average pace so far; `--:--` before any step.
    static func eta(done: Int, remaining: Int, elapsed: Double) -> String {
        guard done > 0, elapsed.isFinite, elapsed >= 0 else { return "--:--" }
        let seconds = Int((elapsed / Double(done) * Double(max(remaining, 0))).rounded())
        let h = seconds / 3600, m = (seconds % 3600) / 60, s = seconds % 60
        return h > 0 ? String(format: "%d:%02d:%02d", h, m, s) : String(format: "%d:%02d", m, s)
    }
}
