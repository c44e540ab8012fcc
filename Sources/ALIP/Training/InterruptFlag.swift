import Foundation

/// Turns Ctrl-C (SIGINT) and SIGTERM into a flag the training loop polls between steps, so an
/// interrupted run saves a checkpoint and exits cleanly instead of dying mid-write.
/// A second Ctrl-C while the first is being handled exits at once.
public final class InterruptFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    private var sources: [DispatchSourceSignal] = []

    public init() {}

    /// Whether an interrupt has arrived since `install()`.
    public var isRaised: Bool { lock.lock(); defer { lock.unlock() }; return raised }

    /// Raises the flag (what the signal handler does; tests call it directly).
    public func raise() { lock.lock(); raised = true; lock.unlock() }

    /// Starts catching SIGINT and SIGTERM.
    public func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [weak self] in
                guard let self else { return }
                if self.isRaised { _exit(130) }
                FileHandle.standardError.write("\ninterrupt: finishing the current step, saving a checkpoint…\n".data(using: .utf8)!)
                self.raise()
            }
            source.resume()
            sources.append(source)
        }
    }

    /// Stops catching signals (restores the default action).
    public func uninstall() {
        for s in sources { s.cancel() }
        sources.removeAll()
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
    }
}
