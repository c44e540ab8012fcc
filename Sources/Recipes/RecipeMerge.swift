import Components
import Foundation

/// How recipe trees combine: `extends:` bases under the file that names them, `--set` overrides and
/// sweep points on top. Maps merge deeply, lists and scalars replace, a map with `_replace_: true`
/// replaces wholesale, and a component map whose `type:` changes replaces the old one (the old type's
/// parameters do not carry over to a different component).
enum RecipeMerge {
    static let replaceKey = "_replace_"

    /// `over` merged onto `base`. A merged map keeps the base's position (where the section was first
    /// written); each key keeps the position of the file that set it last.
    static func merge(_ base: RecipeNode, _ over: RecipeNode, log: DiagnosticLog) -> RecipeNode {
        guard case .map(let overEntries) = over.content else { return over }
        if let r = overEntries.first(where: { $0.key == replaceKey }) {
            switch r.value.scalarText.flatMap(RecipeNode.bool) {
            case true?: return over
            case false?: break
            case nil:
                log.error(replaceKey, "'_replace_' must be true or false", at: r.value.location)
                return over
            }
        }
        guard case .map(var entries) = base.content else { return over }
        if let bt = base.typeName, let ot = over.typeName, bt != ot { return over }
        for e in overEntries where e.key != replaceKey {
            if let i = entries.firstIndex(where: { $0.key == e.key }) {
                let old = entries[i]
                let bothMaps = old.value.entries != nil && e.value.entries != nil
                entries[i] = .init(key: e.key, keyLocation: bothMaps ? old.keyLocation : e.keyLocation,
                                   value: merge(old.value, e.value, log: log))
            } else {
                entries.append(e)
            }
        }
        return RecipeNode(.map(entries), at: base.location)
    }

    /// The tree without `_replace_` markers (they act once, against the bases of the file holding them).
    static func strippingMarkers(_ n: RecipeNode) -> RecipeNode {
        switch n.content {
        case .scalar: return n
        case .list(let l): return RecipeNode(.list(l.map(strippingMarkers)), at: n.location)
        case .map(let e):
            return RecipeNode(.map(e.filter { $0.key != replaceKey }.map {
                .init(key: $0.key, keyLocation: $0.keyLocation, value: strippingMarkers($0.value))
            }), at: n.location)
        }
    }

    /// Sets the value at a dotted path (creating maps on the way; numeric parts index lists). Setting a
    /// component's `type:` to a different name drops the old type's parameters. `keyLocations` holds
    /// one position per path part, for keys this creates.
    static func assign(_ value: RecipeNode, at path: [String], keyLocations: [SourceLocation], in tree: inout RecipeNode,
                       display: String, log: DiagnosticLog) {
        func go(_ node: inout RecipeNode, _ i: Int) -> Bool {
            let part = path[i]
            let last = i == path.count - 1
            switch node.content {
            case .map(var entries):
                if let j = entries.firstIndex(where: { $0.key == part }) {
                    if last {
                        if part == "type", let old = entries[j].value.scalarText, let new = value.scalarText, old != new {
                            node = RecipeNode(.map([.init(key: part, keyLocation: keyLocations[i], value: value)]), at: node.location)
                            return true
                        }
                        entries[j].value = value
                        entries[j].keyLocation = keyLocations[i]
                    } else {
                        guard go(&entries[j].value, i + 1) else { return false }
                    }
                } else {
                    var child = value
                    if !last {
                        child = RecipeNode(.map([]), at: keyLocations[i])
                        guard go(&child, i + 1) else { return false }
                    }
                    entries.append(.init(key: part, keyLocation: keyLocations[i], value: child))
                }
                node.content = .map(entries)
                return true
            case .list(var items):
                guard let k = Int(part), k >= 0, k < items.count else {
                    log.error(path.joined(separator: "."),
                              "cannot set '\(display)': '\(path[..<i].joined(separator: "."))' is a list of \(items.count); use an index 0…\(max(0, items.count - 1))",
                              at: keyLocations[i])
                    return false
                }
                if last { items[k] = value } else { guard go(&items[k], i + 1) else { return false } }
                node.content = .list(items)
                return true
            case .scalar:
                if node.isNull {
                    node = RecipeNode(.map([]), at: node.location)
                    return go(&node, i)
                }
                log.error(path.joined(separator: "."),
                          "cannot set '\(display)': '\(path[..<i].joined(separator: "."))' is a value, not a mapping",
                          at: keyLocations[i])
                return false
            }
        }
        _ = go(&tree, 0)
    }

    // MARK: - Paths

    /// `target` as a path relative to the folder `base` (`../data/x.tsv`).
    static func relativePath(_ target: URL, from base: URL) -> String {
        let t = target.standardizedFileURL.pathComponents, b = base.standardizedFileURL.pathComponents
        var common = 0
        while common < t.count, common < b.count, t[common] == b[common] { common += 1 }
        let ups = Array(repeating: "..", count: b.count - common)
        let rest = ups + t[common...]
        return rest.isEmpty ? "." : rest.joined(separator: "/")
    }
}
