import Foundation
import Components

/// A recipe after `extends:`, `--set` and validation: every value typed and every default filled in,
/// the resolved YAML text to write next to each run and into each checkpoint, and the sweep block.
public struct ResolvedRecipe: Sendable {
    /// The recipe's values (keys of `RecipeSchema.root` except `extends` and `sweep`), defaults filled in.
    public let root: ConfigValue
    /// The resolved recipe as YAML; loading it again gives the same `root`.
    public let yaml: String
    /// The recipe file that was loaded.
    public let source: URL
    /// The `sweep:` block, when the recipe has one.
    public let sweep: SweepSpec?
    /// Every component in the recipe, in the order they appear.
    public let components: [ComponentSite]

    /// The merged tree before validation (sweep points are applied to it).
    let tree: RecipeNode
    /// Value positions by dotted path, for diagnostics of later checks.
    let locations: [String: SourceLocation]
    let sources: [SourceLocation.Origin: String]

    /// The folder relative paths in `root` resolve against (what `BuildContext.baseDirectory` should be).
    public var baseDirectory: URL { source.deletingLastPathComponent() }

    /// The value at a dotted path (`train.steps`, `data.eval.0.path`), or nil.
    public func value(at path: String) -> ConfigValue? {
        var v = root
        for part in path.split(separator: ".") {
            switch v {
            case .map(let m): guard let next = m[String(part)] else { return nil }; v = next
            case .list(let l): guard let i = Int(part), i >= 0, i < l.count else { return nil }; v = l[i]
            default: return nil
            }
        }
        return v
    }

    /// The component of one section (`model`, `data.train`), as the trainer builds it.
    public func component(at path: String) -> ComponentSite? { components.first { $0.path == path } }

    /// `name:`.
    public var name: String { if case .string(let s)? = value(at: "name") { return s } else { return "recipe" } }
    /// `seed:`.
    public var seed: Int { if case .int(let i)? = value(at: "seed") { return i } else { return 0 } }

    /// One line per component (`model  dual-encoder`, …) for `alip validate`.
    public var summaryLines: [String] {
        let width = components.map(\.path.count).max() ?? 0
        return components.map { "\($0.path.padding(toLength: width, withPad: " ", startingAt: 0))  \($0.slot.rawValue) '\($0.typeName)'" }
    }
}
