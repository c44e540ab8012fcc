import Foundation
import Components

/// A recipe's `sweep:` block: `grid:` axes (every combination), `zip:` axes (taken in step), `repeat:`
/// seeds, and the metrics the report shows. Axis keys are dotted recipe keys, checked when the sweep
/// expands (each variant is validated like a recipe of its own).
public struct SweepSpec: Sendable {
    /// One swept key and its values.
    public struct Axis: Sendable {
        /// The dotted key (`objective.gates.sample.type`).
        public let key: String
        /// The values, read as YAML reads them.
        public var values: [ConfigValue] { nodes.map(\.naturalValue) }
        let nodes: [RecipeNode]
        let keyLocation: SourceLocation
    }

    public let grid: [Axis]
    public let zip: [Axis]
    /// Runs per variant, with seeds seed, seed+1, …
    public let repeats: Int
    /// `report.metrics` (empty: every key found in the summaries).
    public let metrics: [String]
    let repeatLocation: SourceLocation

    /// How many runs the sweep expands to.
    public var count: Int {
        grid.reduce(1) { $0 * $1.nodes.count } * (zip.first?.nodes.count ?? 1) * repeats
    }

    /// Reads the block (logging problems); nil when it is unusable.
    static func parse(_ node: RecipeNode, validator: RecipeValidator, log: DiagnosticLog) -> SweepSpec? {
        let before = log.diagnostics.count
        // Keep going after errors in the block itself, so the axes' problems are reported too.
        var v: [String: ConfigValue] = [:]
        if case .map(let m)? = validator.validateSection(node, specs: RecipeSchema.sweep, path: "sweep") { v = m }
        func axes(_ name: String) -> [Axis] {
            guard let entries = node[name]?.entries else { return [] }
            var out: [Axis] = []
            for e in entries {
                let path = "sweep.\(name).\(e.key)"
                let parts = e.key.split(separator: ".", omittingEmptySubsequences: false)
                if parts.contains(where: { $0.isEmpty }) || e.key == "sweep" || e.key.hasPrefix("sweep.") {
                    log.error(path, "'\(e.key)' is not a recipe key; write dotted keys like data.noise.rate", at: e.keyLocation)
                    continue
                }
                guard let items = e.value.items, !items.isEmpty else {
                    log.error(path, "expected a non-empty list of values for sweep axis '\(e.key)'", at: e.value.location,
                              notes: [.init("write \(e.key): [a, b, …]")])
                    continue
                }
                out.append(Axis(key: e.key, nodes: items, keyLocation: e.keyLocation))
            }
            return out
        }
        let grid = axes("grid"), zip = axes("zip")
        if let first = zip.first {
            for a in zip.dropFirst() where a.nodes.count != first.nodes.count {
                log.error("sweep.zip.\(a.key)", "zip axes must have equal lengths: '\(a.key)' has \(a.nodes.count) values, '\(first.key)' has \(first.nodes.count)",
                          at: a.keyLocation)
            }
        }
        for a in zip where grid.contains(where: { $0.key == a.key }) {
            log.error("sweep.zip.\(a.key)", "'\(a.key)' is swept in both grid and zip", at: a.keyLocation)
        }
        guard log.diagnostics.count == before else { return nil }
        var repeats = 1
        if case .int(let r)? = v["repeat"] { repeats = r }
        var metrics: [String] = []
        if case .map(let rep)? = v["report"], case .list(let l)? = rep["metrics"] {
            metrics = l.compactMap { if case .string(let s) = $0 { return s } else { return nil } }
        }
        let repeatLocation = node.entries?.first { $0.key == "repeat" }?.keyLocation ?? node.location
        return SweepSpec(grid: grid, zip: zip, repeats: repeats, metrics: metrics, repeatLocation: repeatLocation)
    }
}

/// One swept key's value in a variant, as it appears in the run's name and the report.
public struct SweepSetting: Sendable, Equatable {
    public let key: String
    public let value: String
}

/// One run of a sweep: its folder name, its settings, and its validated recipe.
public struct SweepVariant: Sendable {
    /// The run folder's name: the differing keys, short and filesystem-safe
    /// (`gates.sample.type=lcg,noise.rate=0.4,seed=1`).
    public let name: String
    /// The name without the seed: repeats of one variant share it (the report averages over them).
    public let group: String
    /// The swept keys' values (full dotted keys), seed last when the sweep repeats.
    public let settings: [SweepSetting]
    /// 0-based repeat index.
    public let repeatIndex: Int
    public let recipe: ResolvedRecipe
}
