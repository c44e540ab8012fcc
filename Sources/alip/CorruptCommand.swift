import ALIP
import ArgumentParser
import Data
import Foundation

/// `alip data corrupt`: writes a copy of a manifest with noise injected into its raw-text column and a
/// `corrupted` column (0/1) saying which rows changed — the same rows a training run with `seed: S` and
/// `data.noise: {type: T, rate: R}` corrupts, made visible for audits and for training without noise.
struct CorruptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "corrupt",
        abstract: "Write a manifest with injected raw-text noise and a 0/1 `corrupted` column.")

    @Option(help: "The manifest to corrupt (TSV or CSV).")
    var manifest: String

    @Option(help: "Where to write the corrupted manifest (TSV; image paths are rewritten relative to it).")
    var out: String

    @Option(help: "The noise component (slot noise): swap-raw-text, junk-raw-text or a plugin's.")
    var type: String = "swap-raw-text"

    @Option(help: "Fraction of rows to corrupt.")
    var rate: Double = 0.4

    @Option(help: "Seed (a training run's `seed`, or its noise's `seed`).")
    var seed: UInt64 = 0

    @Option(help: "The raw-text column.")
    var rawKey: String = "raw_text"

    func validate() throws {
        guard (0...1).contains(rate) else { throw ValidationError("--rate must be in [0, 1]") }
    }

    func run() throws {
        try reportingErrors {
            let src = URL(fileURLWithPath: manifest)
            let table = try AuditTable(contentsOf: src)
            guard let raw = table.column(rawKey) else {
                throw ValidationError("\(src.path): no column '\(rawKey)' (columns: \(table.header.joined(separator: ", "))); pass --raw-key")
            }
            guard table.column("corrupted") == nil else {
                throw ValidationError("\(src.path) already has a 'corrupted' column; corrupt the clean manifest instead")
            }
            // The registered component, built as a recipe's `data.noise: {type: T, rate: R}` would be.
            let context = BuildContext(registry: registry, baseDirectory: src.deletingLastPathComponent(), seed: seed)
            let noise: any TextNoise = try registry.make(.noise, .map(["type": .string(type), "rate": .double(rate)]),
                                                         path: "--type", context: context)
            let texts = table.rows.map { raw < $0.count ? $0[raw] : "" }
            let (noisy, flags) = noise.corrupt(texts, seed: seed)
            let dest = URL(fileURLWithPath: out)
            try table.write(to: dest, selected: Array(table.rows.indices), imageColumn: table.column("image"),
                            extra: [(rawKey, noisy), ("corrupted", flags.map { $0 ? "1" : "0" })])
            print("wrote \(dest.path): \(flags.filter { $0 }.count) of \(flags.count) raw texts corrupted (\(type), rate \(rate), seed \(seed))")
        }
    }
}
