import Foundation
import Tensor

/// The text `alip inspect` prints for a checkpoint or an open_clip export.
public enum Inspection {
    /// Describes the file at `url`: for a checkpoint its format, version, step, creation time, parameter
    /// count and table (name, shape), optimizer slots, state values, tokenizer size and the recipe's first
    /// `recipeLines` lines; for an open_clip export its config and parameter table. Throws the reader's
    /// error (naming the file) for anything else.
    public static func report(for url: URL, recipeLines: Int = 10) throws -> String {
        let file = try HDF5File(reading: url)
        let isCheckpoint = file.hasAttribute("format") && (try? file.stringAttribute("format")) == Checkpoint.format
        if !isCheckpoint, file.isGroup("/params") {
            try file.close()
            return exportReport(try OpenCLIPExport.read(from: url), url: url)
        }
        try file.close()
        return checkpointReport(try Checkpoint.read(from: url), url: url, recipeLines: recipeLines)
    }

    /// The report for a checkpoint.
    static func checkpointReport(_ checkpoint: Checkpoint, url: URL, recipeLines: Int) -> String {
        var lines = [url.path]
        lines.append("  format:     \(Checkpoint.format), version \(checkpoint.formatVersion) (framework \(checkpoint.frameworkVersion))")
        lines.append("  step:       \(checkpoint.step)")
        lines.append("  created:    \(checkpoint.created)")
        lines.append("  parameters: \(grouped(checkpoint.parameterCount)) in \(checkpoint.model.count) tensors")
        lines += table(checkpoint.model.map { ($0.name, $0.tensor.shape) })

        if checkpoint.optimizer.isEmpty && checkpoint.optimizerAttributes.isEmpty {
            lines.append("  optimizer:  none")
        } else {
            let attributes = checkpoint.optimizerAttributes.sorted { $0.key < $1.key }.map { "\($0.key)=\(plain($0.value))" }
            let slots = Set(checkpoint.optimizer.values.flatMap { $0.keys }).sorted()
            let elements = checkpoint.optimizer.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } }
            lines.append("  optimizer:  \(attributes.joined(separator: ", "))")
            lines.append("    \(checkpoint.optimizer.count) parameters, slots: \(slots.joined(separator: ", ")) (\(grouped(elements)) values)")
        }

        lines.append("  state:      \(checkpoint.state.isEmpty ? "none" : "\(checkpoint.state.count) values")")
        for (name, value) in checkpoint.state.sorted(by: { $0.key < $1.key }) {
            lines.append("    \(name) = \(value)")
        }
        lines.append("  tokenizer:  \(checkpoint.tokenizer.map { "\(grouped($0.utf8.count)) bytes" } ?? "none")")

        let recipe = checkpoint.recipe.split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init).reversed().drop { $0.isEmpty }.reversed()
        if recipe.isEmpty {
            lines.append("  recipe:     none")
        } else {
            let shown = min(recipeLines, recipe.count)
            lines.append("  recipe:     first \(shown) of \(recipe.count) lines")
            lines += recipe.prefix(shown).map { "    | \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    /// The report for an open_clip export.
    static func exportReport(_ export: OpenCLIPExport, url: URL) -> String {
        var lines = [url.path]
        lines.append("  format:     open_clip export (/params state dict)")
        lines.append("  config:     \(export.config)")
        lines.append("  parameters: \(grouped(export.parameterCount)) in \(export.params.count) tensors")
        lines += table(export.params.keys.sorted().map { ($0, export.params[$0]!.shape) })
        return lines.joined(separator: "\n")
    }

    /// A two-column table (name, shape), indented under the parameter line.
    static func table(_ rows: [(String, [Int])]) -> [String] {
        let width = max(4, rows.map(\.0.count).max() ?? 0)
        func pad(_ s: String) -> String { s + String(repeating: " ", count: width - s.count) }
        return ["    \(pad("name"))  shape"] + rows.map { "    \(pad($0.0))  \($0.1)" }
    }

    /// A value without quotes for attribute lists.
    static func plain(_ value: StateValue) -> String {
        if case .string(let s) = value { return s }
        return value.description
    }

    /// `1234567` as `1,234,567`.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }
}
