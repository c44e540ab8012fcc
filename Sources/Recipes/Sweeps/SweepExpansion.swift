import Foundation
import Components

extension RecipeLoader {
    /// Expands `recipe.sweep` into its variants and validates every one before any runs: all problems
    /// of all variants are thrown at once (`RecipeErrors`), each noting the first variant it occurs in.
    /// A recipe without a sweep gives one variant, the recipe itself.
    public static func variants(of recipe: ResolvedRecipe, registry: Registry,
                                checks: [RecipeCheck] = RecipeChecks.standard) throws -> [SweepVariant] {
        guard let sweep = recipe.sweep else {
            return [SweepVariant(name: SweepNaming.sanitize(recipe.name), group: SweepNaming.sanitize(recipe.name),
                                 settings: [], repeatIndex: 0, recipe: recipe)]
        }
        var base = recipe.tree
        if case .map(let e) = base.content { base.content = .map(e.filter { $0.key != "sweep" }) }

        // Points: grid combinations (last axis fastest) × zip rows × repeats.
        var combos: [[(SweepSpec.Axis, RecipeNode)]] = [[]]
        for axis in sweep.grid { combos = combos.flatMap { c in axis.nodes.map { c + [(axis, $0)] } } }
        let rows = sweep.zip.first?.nodes.count ?? 1
        var points: [[(SweepSpec.Axis, RecipeNode)]] = []
        for c in combos { for r in 0..<rows { points.append(c + sweep.zip.map { ($0, $0.nodes[r]) }) } }

        let swept = sweep.grid.filter { $0.nodes.count > 1 }.map(\.key) + (rows > 1 ? sweep.zip.map(\.key) : [])
        let short = SweepNaming.shortKeys(swept + (sweep.repeats > 1 ? ["seed"] : []))
        let log = DiagnosticLog()
        var seen: [String: (index: Int, count: Int, first: String)] = [:]
        var out: [SweepVariant] = []
        var usedNames: Set<String> = []

        for point in points {
            var tree = base
            for (axis, value) in point {
                let parts = axis.key.split(separator: ".").map(String.init)
                RecipeMerge.assign(value, at: parts, keyLocations: Array(repeating: axis.keyLocation, count: parts.count),
                                   in: &tree, display: axis.key, log: log)
            }
            let seed0 = tree["seed"].flatMap { $0.scalarText }.flatMap { Int($0) } ?? recipe.seed
            for r in 0..<sweep.repeats {
                var t = tree
                if sweep.repeats > 1 {
                    RecipeMerge.assign(RecipeNode(.scalar(String(seed0 + r), plain: true), at: sweep.repeatLocation), at: ["seed"],
                                       keyLocations: [sweep.repeatLocation], in: &t, display: "seed", log: log)
                }
                var settings = point.filter { swept.contains($0.0.key) }.map { SweepSetting(key: $0.0.key, value: SweepNaming.valueText($0.1)) }
                let groupParts = settings.map { "\(short[$0.key]!)=\(SweepNaming.sanitize($0.value))" }
                if sweep.repeats > 1 { settings.append(SweepSetting(key: "seed", value: String(seed0 + r))) }
                let parts = settings.map { "\(short[$0.key]!)=\(SweepNaming.sanitize($0.value))" }
                var name = SweepNaming.fit(parts.isEmpty ? SweepNaming.sanitize(recipe.name) : parts.joined(separator: ","))
                var k = 2
                while usedNames.contains(name) { name = SweepNaming.fit(parts.joined(separator: ",")) + "-\(k)"; k += 1 }
                usedNames.insert(name)
                let group = SweepNaming.fit(groupParts.isEmpty ? SweepNaming.sanitize(recipe.name) : groupParts.joined(separator: ","))

                let pointLog = DiagnosticLog()
                pointLog.sources = log.sources.merging(recipe.sources) { a, _ in a }
                if let resolved = resolve(t, source: recipe.source, registry: registry, checks: checks, log: pointLog, sweepAllowed: false) {
                    out.append(SweepVariant(name: name, group: group, settings: settings, repeatIndex: r, recipe: resolved))
                }
                for d in pointLog.diagnostics {
                    let key = "\(d.location.map { "\($0.origin):\($0.line):\($0.column)" } ?? ""):\(d.message)"
                    if let s = seen[key] { seen[key] = (s.index, s.count + 1, s.first) } else {
                        seen[key] = (log.diagnostics.count, 1, name)
                        log.diagnostics.append(d)
                    }
                }
                log.sources.merge(pointLog.sources) { a, _ in a }
            }
        }
        for (_, s) in seen {
            let more = s.count > 1 ? " and \(s.count - 1) more" : ""
            log.diagnostics[s.index].notes.append(.init("in sweep variant '\(s.first)'\(more)"))
        }
        try log.throwIfAny()
        return out
    }
}

extension String {
    /// nil for the empty string.
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}

/// Run names for sweep variants: the differing keys, short, filesystem-safe and stable.
enum SweepNaming {
    /// Each key without its first part (`objective.gates.sample.type` → `gates.sample.type`) unless that
    /// makes two keys equal or leaves nothing.
    static func shortKeys(_ keys: [String]) -> [String: String] {
        func cut(_ k: String) -> String {
            let parts = k.split(separator: ".")
            return parts.count > 1 ? parts.dropFirst().joined(separator: ".") : k
        }
        var out: [String: String] = [:]
        for k in keys {
            let c = cut(k)
            out[k] = keys.contains(where: { $0 != k && cut($0) == c }) ? k : c
        }
        return out
    }

    /// How a value shows in a name: a scalar's text, a list's items joined by `+`, a mapping's type
    /// followed by its other values in written order, joined by `-` (`{type: clip, path: caption}` →
    /// `clip-caption`), so two components of one type still get different names.
    static func valueText(_ n: RecipeNode) -> String {
        switch n.content {
        case .scalar(let s, _): return s
        case .list(let l): return l.map(valueText).joined(separator: "+")
        case .map(let entries):
            let rest = entries.filter { $0.key != "type" }.map { valueText($0.value) }
            return ([n.typeName].compactMap { $0 } + rest).joined(separator: "-").nonEmpty ?? "map"
        }
    }

    /// Letters, digits and `._+-=` stay; anything else becomes `_`.
    static func sanitize(_ s: String) -> String {
        let out = String(s.unicodeScalars.map { u -> Character in
            let ok = (u.value < 128 && (CharacterSet.alphanumerics.contains(u))) || "._+-=".unicodeScalars.contains(u)
            return ok ? Character(u) : "_"
        })
        if out.isEmpty || out == "." || out == ".." { return "_" + out }
        return out
    }

    /// Names longer than 120 characters are cut and given a stable hash so they stay unique.
    static func fit(_ s: String) -> String {
        guard s.utf8.count > 120 else { return s }
        var h: UInt64 = 0xcbf29ce484222325
        for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return String(s.prefix(100)) + "-" + String(h, radix: 16)
    }
}
