import ArgumentParser
import Foundation
import Tensor

/// The options every `alip bench` subcommand shares: the thread count and JSON output.
struct BenchOptions: ParsableArguments {
    @Option(help: "Threads for OpenBLAS and the engine (default: ALIP_NUM_THREADS, else all cores).")
    var threads: Int?

    @Flag(help: "Print one JSON object instead of the report.")
    var json = false

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    }

    /// Sets the engine's thread count when `--threads` was given.
    func applyThreads() {
        if let threads { Engine.threads = threads }
    }

    /// Prints `object` as one line of JSON with sorted keys.
    func printJSON(_ object: [String: Any]) throws {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}
