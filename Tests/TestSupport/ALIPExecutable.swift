import Foundation

/// What one run of the `alip` executable did.
public struct ProcessResult: Sendable {
    /// The exit status (a signal's number + 128 when it was killed by one).
    public let status: Int32
    /// Everything written to standard output.
    public let stdout: String
    /// Everything written to standard error.
    public let stderr: String
    /// Both streams, for failure messages.
    public var transcript: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// A failure to start or finish the executable (not a non-zero exit status, which is a result).
public struct ProcessRunError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
}

/// Finds and runs the built `alip` executable (the CLI tests' target depends on it, so it is built next
/// to the test bundle: `.build/<triple>/<config>/alip`). `$ALIP_EXECUTABLE` overrides the search.
public enum ALIPExecutable {
    /// The executable, or nil when none was found.
    public static let url: URL? = {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["ALIP_EXECUTABLE"] { return URL(fileURLWithPath: env) }
        var folders: [URL] = []
        if let exe = Bundle.main.executableURL { folders.append(exe.deletingLastPathComponent()) }
        folders.append(Bundle.main.bundleURL)
        folders.append(Bundle.main.bundleURL.deletingLastPathComponent())
        let arg0 = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        folders.append(arg0.deletingLastPathComponent())
        // A test bundle `X.xctest/Contents/MacOS/X` (macOS) sits three levels below the build folder.
        folders.append(arg0.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent())
        let build = FixturePaths.repoRoot.appendingPathComponent(".build")
        folders += ["debug", "release"].map { build.appendingPathComponent($0) }
        for dir in folders {
            let candidate = dir.appendingPathComponent("alip")
            var isDir: ObjCBool = false
            if fm.fileExists(atPath: candidate.path, isDirectory: &isDir), !isDir.boolValue,
               fm.isExecutableFile(atPath: candidate.path) {
                return candidate.standardizedFileURL
            }
        }
        return nil
    }()

    /// Runs `alip ARGS…` in `directory` (default: the repository root), waits at most `timeout` seconds
    /// (then kills it and throws), and returns its status and output. `whileRunning` is called about
    /// every 50 ms with the process (to send it a signal, for example); return false to stop calling.
    public static func run(_ arguments: [String], in directory: URL? = nil, timeout: Double = 120,
                           environment: [String: String] = [:],
                           whileRunning: ((Process) -> Bool)? = nil) throws -> ProcessResult {
        guard let exe = url else {
            throw ProcessRunError(description: "the alip executable was not found next to the tests or under .build/; "
                                  + "build it (swift build --build-tests) or set ALIP_EXECUTABLE")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("alip-proc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        // Output goes to files (no pipe can fill up and block the child).
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        let p = Process()
        p.executableURL = exe
        p.arguments = arguments
        p.currentDirectoryURL = directory ?? FixturePaths.repoRoot
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        var watching = whileRunning != nil
        while p.isRunning {
            if Date() > deadline {
                p.terminate()
                p.waitUntilExit()
                throw ProcessRunError(description: "alip \(arguments.joined(separator: " ")) ran past \(timeout) s and was stopped")
            }
            if watching, let f = whileRunning { watching = f(p) }
            Thread.sleep(forTimeInterval: 0.05)
        }
        p.waitUntilExit()
        try? out.close(); try? err.close()
        let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        let status = p.terminationReason == .uncaughtSignal ? 128 + p.terminationStatus : p.terminationStatus
        return ProcessResult(status: status, stdout: stdout, stderr: stderr)
    }
}
