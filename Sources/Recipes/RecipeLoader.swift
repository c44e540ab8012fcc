import Foundation
import Components

/// A cross-component check over a resolved recipe (embedding widths agree, files exist, …). It returns
/// diagnostics with dotted key paths; the loader adds the source positions.
public typealias RecipeCheck = @Sendable (ResolvedRecipe) -> [Diagnostic]

/// Loads recipes: reads the YAML safely, merges `extends:` bases (relative paths, cycles detected),
/// applies `--set key=value` overrides, validates everything against the registry and the root schema,
/// runs the cross-component checks, and either returns the `ResolvedRecipe` or throws `RecipeErrors`
/// holding every problem found.
public enum RecipeLoader {
    /// Loads `url` with `overrides` (`a.b.c=value`; the value is YAML flow: `0.4`, `lcg`, `[a, b]`,
    /// `{type: x}`). Throws `RecipeErrors` with all diagnostics.
    public static func load(_ url: URL, overrides: [String] = [], registry: Registry, checks: [RecipeCheck] = RecipeChecks.standard,
                            limits: RecipeLimits = .default) throws -> ResolvedRecipe {
        let log = DiagnosticLog()
        let source = url.standardizedFileURL.absoluteURL
        var loader = FileLoader(limits: limits, log: log)
        guard var tree = loader.load(source, chain: [], reference: nil) else {
            try log.throwIfAny()
            throw RecipeErrors([Diagnostic(path: "", "cannot load \(url.path)")], sources: log.sources)
        }
        for o in overrides { apply(override: o, to: &tree, limits: limits, log: log) }
        try log.throwIfAny()
        guard let r = resolve(tree, source: source, registry: registry, checks: checks, log: log) else {
            try log.throwIfAny()
            throw RecipeErrors([Diagnostic(path: "", "cannot resolve \(url.path)")], sources: log.sources)
        }
        return r
    }

    /// Validates a merged tree and runs the checks; nil (with diagnostics logged) when anything is wrong.
    static func resolve(_ tree: RecipeNode, source: URL, registry: Registry, checks: [RecipeCheck], log: DiagnosticLog,
                        sweepAllowed: Bool = true) -> ResolvedRecipe? {
        let before = log.diagnostics.count
        let validator = RecipeValidator(registry: registry, log: log, top: .file(source))
        let root = validator.validateRoot(tree, specs: RecipeSchema.root, skipping: ["extends", "sweep"])
        var sweep: SweepSpec?
        if let s = tree.entries?.first(where: { $0.key == "sweep" }), sweepAllowed, !s.value.isNull {
            sweep = SweepSpec.parse(s.value, validator: validator, log: log)
        }
        guard let root, log.diagnostics.count == before else { return nil }
        let yaml = RecipeYAMLWriter.render(root, specs: RecipeSchema.resolved, registry: registry,
                                           header: "Resolved recipe: \(source.lastPathComponent), extends and overrides applied, defaults filled in.")
        let recipe = ResolvedRecipe(root: root, yaml: yaml, source: source, sweep: sweep, components: validator.sites,
                                    tree: tree, locations: validator.locations, sources: log.sources)
        for check in checks {
            for var d in check(recipe) {
                if d.location == nil { d.location = location(of: d.path, in: validator.locations) }
                log.diagnostics.append(d)
            }
        }
        return log.diagnostics.count == before ? recipe : nil
    }

    /// The position recorded for `path`, else for its nearest ancestor.
    static func location(of path: String, in locations: [String: SourceLocation]) -> SourceLocation? {
        var parts = path.split(separator: ".").map(String.init)
        while !parts.isEmpty {
            if let l = locations[parts.joined(separator: ".")] { return l }
            parts.removeLast()
        }
        return nil
    }

    // MARK: - Overrides

    /// Parses `key=value` and assigns it (errors point into the override's text).
    static func apply(override text: String, to tree: inout RecipeNode, limits: RecipeLimits, log: DiagnosticLog) {
        let origin = SourceLocation.Origin.override(text)
        log.sources[origin] = text
        guard let eq = text.firstIndex(of: "=") else {
            log.error("", "an override is written key=value (for example train.steps=500), got '\(text)'",
                      at: SourceLocation(origin, line: 1, column: 1))
            return
        }
        let key = String(text[..<eq])
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        var columns: [Int] = []
        var col = 1
        for p in parts { columns.append(col); col += p.unicodeScalars.count + 1 }
        for (p, c) in zip(parts, columns) where p.isEmpty || !p.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) {
            log.error(key, "'\(p)' is not a key name in override '\(key)'; write dotted names like train.steps",
                      at: SourceLocation(origin, line: 1, column: c))
            return
        }
        let valueText = String(text[text.index(after: eq)...])
        guard !valueText.contains("\n") else {
            log.error(key, "an override's value must be one line", at: SourceLocation(origin, line: 1, column: col))
            return
        }
        let sub = DiagnosticLog()
        guard let parsed = YAMLSource.parse(valueText, origin: origin, limits: limits, log: sub) else {
            // Re-point the value's errors into the whole override text.
            for var d in sub.diagnostics {
                if let l = d.location { d.location = SourceLocation(origin, line: 1, column: l.column + key.count + 1) }
                log.diagnostics.append(d)
            }
            log.sources[origin] = text
            return
        }
        log.sources[origin] = text
        let value = shift(parsed, by: key.unicodeScalars.count + 1)
        let locs = columns.map { SourceLocation(origin, line: 1, column: $0) }
        RecipeMerge.assign(value, at: parts, keyLocations: locs, in: &tree, display: key, log: log)
    }

    private static func shift(_ n: RecipeNode, by k: Int) -> RecipeNode {
        let loc = SourceLocation(n.location.origin, line: 1, column: n.location.column + k)
        switch n.content {
        case .scalar: return RecipeNode(n.content, at: loc)
        case .list(let l): return RecipeNode(.list(l.map { shift($0, by: k) }), at: loc)
        case .map(let e):
            return RecipeNode(.map(e.map {
                .init(key: $0.key, keyLocation: SourceLocation($0.keyLocation.origin, line: 1, column: $0.keyLocation.column + k),
                      value: shift($0.value, by: k))
            }), at: loc)
        }
    }
}

/// Reads one file and its `extends:` chain.
struct FileLoader {
    let limits: RecipeLimits
    let log: DiagnosticLog

    mutating func load(_ url: URL, chain: [URL], reference: SourceLocation?) -> RecipeNode? {
        guard let text = YAMLSource.readFile(url, limits: limits, log: log, reference: reference),
              let node = YAMLSource.parse(text, origin: .file(url), limits: limits, log: log) else { return nil }
        guard var entries = node.entries else {
            log.error("", "a recipe is a mapping of keys (name:, data:, model:, …)", at: node.location)
            return nil
        }
        var bases: [RecipeNode] = []
        if let i = entries.firstIndex(where: { $0.key == "extends" }) {
            let ext = entries.remove(at: i)
            let names: [RecipeNode]
            if ext.value.isNull { names = [] }
            else if ext.value.scalarText != nil { names = [ext.value] }
            else if let l = ext.value.items, l.allSatisfy({ $0.scalarText != nil }) { names = l }
            else {
                log.error("extends", "expected a file name or a list of file names for 'extends'", at: ext.value.location)
                return nil
            }
            for n in names {
                let name = n.scalarText!
                let base = (name.hasPrefix("/") ? URL(fileURLWithPath: name)
                            : url.deletingLastPathComponent().appendingPathComponent(name)).standardizedFileURL
                let resolvedBase = base.resolvingSymlinksInPath()
                if let k = chain.firstIndex(where: { $0.resolvingSymlinksInPath() == resolvedBase }) ?? (resolvedBase == url.resolvingSymlinksInPath() ? chain.count : nil) {
                    let cycle = (chain[k...] + [url, base]).map(\.lastPathComponent).joined(separator: " → ")
                    log.error("extends", "extends cycle: \(cycle)", at: n.location)
                    return nil
                }
                guard chain.count < limits.maxExtends else {
                    log.error("extends", "more than \(limits.maxExtends) levels of extends", at: n.location)
                    return nil
                }
                guard let b = load(base, chain: chain + [url], reference: n.location) else { return nil }
                bases.append(b)
            }
        }
        let own = RecipeNode(.map(entries), at: node.location)
        let merged = bases.dropFirst().reduce(bases.first) { acc, b in RecipeMerge.merge(acc!, b, log: log) }
        var result = merged.map { RecipeMerge.merge($0, own, log: log) } ?? own
        result.location = node.location  // top-level problems point at the file being loaded
        return RecipeMerge.strippingMarkers(result)
    }
}
