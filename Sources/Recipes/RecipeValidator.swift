import Foundation
import Components

/// One component instance of a resolved recipe: where it sits, its slot, its registered type and its
/// parameters (defaults filled in). Cross-component checks and `alip validate` read these.
public struct ComponentSite: Sendable, Equatable {
    /// The dotted key (`objective.gates.sample`, `data.eval.1`).
    public let path: String
    public let slot: Slot
    public let typeName: String
    /// The component's mapping, `type:` included.
    public let config: ConfigValue
    /// The names of its parameters of kind `file` (the ones that name files).
    public let fileKeys: [String]

    public init(path: String, slot: Slot, typeName: String, config: ConfigValue, fileKeys: [String] = []) {
        self.path = path
        self.slot = slot
        self.typeName = typeName
        self.config = config
        self.fileKeys = fileKeys
    }

    init(path: String, slot: Slot, typeName: String, config: ConfigValue, parameters: [ParameterSpec]) {
        self.init(path: path, slot: slot, typeName: typeName, config: config,
                  fileKeys: parameters.filter { $0.kind == .file }.map(\.name))
    }
}

/// Checks a merged recipe tree against the declared parameters (the root schema, sections and each
/// component's `parameters`) and produces the typed values with defaults filled in. Every problem is
/// logged; nothing stops at the first.
final class RecipeValidator {
    private let registry: Registry
    private let log: DiagnosticLog
    /// The recipe file being loaded (notes name where enclosing sections came from when they differ).
    private let top: SourceLocation.Origin
    /// Value positions by dotted path.
    private(set) var locations: [String: SourceLocation] = [:]
    private(set) var sites: [ComponentSite] = []

    /// A key on the way down (for the "comes from … (extends)" note).
    private typealias Ancestor = (path: String, key: SourceLocation)

    private enum Owner {
        case root
        case section(String)
        case component(Slot, String)

        var phrase: String {
            switch self {
            case .root: return "at the top level of the recipe"
            case .section(let p): return "in '\(p)'"
            case .component(let s, let n): return "for \(s.rawValue) '\(n)'"
            }
        }
    }

    init(registry: Registry, log: DiagnosticLog, top: SourceLocation.Origin) {
        self.registry = registry
        self.log = log
        self.top = top
    }

    /// The validated root (keys of `specs`), or nil when any error was logged.
    func validateRoot(_ node: RecipeNode, specs: [ParameterSpec], skipping: Set<String>) -> ConfigValue? {
        let before = log.diagnostics.count
        let v = mapping(node, specs: specs, path: "", owner: .root, ancestors: [], skipping: skipping)
        return log.diagnostics.count == before ? v : nil
    }

    /// A section validated on its own (the sweep block).
    func validateSection(_ node: RecipeNode, specs: [ParameterSpec], path: String) -> ConfigValue? {
        let before = log.diagnostics.count
        let v = mapping(node, specs: specs, path: path, owner: .section(path), ancestors: [], skipping: [])
        return log.diagnostics.count == before ? v : nil
    }

    // MARK: - Reporting

    private func error(_ path: String, _ message: String, at location: SourceLocation, ancestors: [Ancestor],
                       notes: [Diagnostic.Note] = []) {
        var notes = notes
        if location.origin == top || { if case .override = location.origin { return true } else { return false } }() {
            if let a = ancestors.last(where: { $0.key.origin != location.origin && $0.key.origin != top && !$0.path.isEmpty }),
               case .file = a.key.origin {
                notes.append(.init("'\(a.path)' comes from ", location: a.key, suffix: " (extends)"))
            }
        } else if case .file(let url) = location.origin, case .file(let topURL) = top {
            notes.append(.init("set in \(url.lastPathComponent), which \(topURL.lastPathComponent) extends"))
        }
        log.error(path, message, at: location, notes: notes)
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    // MARK: - Mappings

    private func mapping(_ node: RecipeNode, specs: [ParameterSpec], path: String, owner: Owner, ancestors: [Ancestor],
                         skipping: Set<String> = [], extraKeys: Set<String> = []) -> ConfigValue? {
        guard let entries = node.entries else {
            error(path, "expected a mapping \(owner.phrase), got \(describe(node))", at: node.location, ancestors: ancestors)
            return nil
        }
        var out: [String: ConfigValue] = [:]
        let names = specs.map(\.name)
        for e in entries where !extraKeys.contains(e.key) && !skipping.contains(e.key) {
            let p = Self.join(path, e.key)
            guard let spec = specs.first(where: { $0.name == e.key }) else {
                error(p, "unknown key '\(e.key)' \(owner.phrase)", at: e.keyLocation, ancestors: ancestors,
                      notes: [Suggestions.note(e.key, among: names, listing: "valid keys")])
                continue
            }
            locations[p] = e.value.location
            if let v = value(e.value, spec: spec, path: p, ancestors: ancestors + [(p, e.keyLocation)]) { out[e.key] = v }
        }
        for spec in specs where !skipping.contains(spec.name) && !entries.contains(where: { $0.key == spec.name }) {
            if let d = spec.defaultValue {
                out[spec.name] = fillDefaults(d, kind: spec.kind, path: Self.join(path, spec.name))
            } else if spec.optional {
                out[spec.name] = .null
            } else {
                error(Self.join(path, spec.name), "missing required key '\(spec.name)' \(owner.phrase)", at: node.location,
                      ancestors: ancestors, notes: [.init("'\(spec.name)' (\(spec.kind.description)): \(spec.doc)")])
            }
        }
        return .map(out)
    }

    // MARK: - Values

    private func value(_ node: RecipeNode, spec: ParameterSpec, path: String, ancestors: [Ancestor]) -> ConfigValue? {
        if node.isNull {
            if spec.optional { return .null }
            error(path, "expected \(expected(spec.kind)) for '\(path)', got null", at: node.location, ancestors: ancestors,
                  notes: [.init("'\(spec.name)': \(spec.doc)")])
            return nil
        }
        switch spec.kind {
        case .int, .float, .bool, .string, .choice:
            return scalar(node, kind: spec.kind, range: spec.range, path: path, ancestors: ancestors)
        case .file:
            guard case .string(let text)? = scalar(node, kind: .string, range: nil, path: path, ancestors: ancestors) else { return nil }
            return .string(resolveFile(text, writtenAt: node.location.origin))
        case .ints, .floats, .strings:
            guard let items = node.items else {
                error(path, "expected \(expected(spec.kind)) for '\(path)', got \(describe(node))", at: node.location,
                      ancestors: ancestors, notes: [.init("write a list: [a, b]")])
                return nil
            }
            let element: ParameterSpec.Kind = spec.kind == .ints ? .int : spec.kind == .floats ? .float : .string
            var out: [ConfigValue] = []
            var ok = true
            for (i, item) in items.enumerated() {
                let p = "\(path).\(i)"
                locations[p] = item.location
                if let v = scalar(item, kind: element, range: spec.range, path: p, ancestors: ancestors) { out.append(v) } else { ok = false }
            }
            return ok ? .list(out) : nil
        case .component(let slot):
            return component(node, slot: slot, path: path, ancestors: ancestors)
        case .components(let slot):
            guard let items = node.items else {
                error(path, "expected \(expected(spec.kind)) for '\(path)', got \(describe(node))", at: node.location,
                      ancestors: ancestors, notes: [.init("write a list of mappings: [{type: …}, …]")])
                return nil
            }
            var out: [ConfigValue] = []
            var ok = true
            for (i, item) in items.enumerated() {
                let p = "\(path).\(i)"
                locations[p] = item.location
                if let v = component(item, slot: slot, path: p, ancestors: ancestors) { out.append(v) } else { ok = false }
            }
            return ok ? .list(out) : nil
        case .map:
            guard node.entries != nil else {
                error(path, "expected a mapping for '\(path)', got \(describe(node))", at: node.location, ancestors: ancestors)
                return nil
            }
            return node.naturalValue
        case .section(let specs):
            return mapping(node, specs: specs, path: path, owner: .section(path), ancestors: ancestors)
        }
    }

    private func component(_ node: RecipeNode, slot: Slot, path: String, ancestors: [Ancestor]) -> ConfigValue? {
        let registered = registry.names(slot)
        let listing = "registered \(slot.rawValue) types"
        guard let entries = node.entries else {
            error(path, "expected a \(slot.rawValue) (a mapping with 'type:') for '\(path)', got \(describe(node))", at: node.location,
                  ancestors: ancestors, notes: [Suggestions.note(node.scalarText ?? "", among: registered, listing: listing)])
            return nil
        }
        guard let typeEntry = entries.first(where: { $0.key == "type" }) else {
            error(path, "missing 'type:' for the \(slot.rawValue) at '\(path)'", at: node.location, ancestors: ancestors,
                  notes: [Suggestions.note("", among: registered, listing: listing)])
            return nil
        }
        guard let name = typeEntry.value.scalarText, !typeEntry.value.isNull else {
            error(path + ".type", "expected a \(slot.rawValue) name for '\(path).type', got \(describe(typeEntry.value))",
                  at: typeEntry.value.location, ancestors: ancestors, notes: [Suggestions.note("", among: registered, listing: listing)])
            return nil
        }
        locations[path + ".type"] = typeEntry.value.location
        guard let type = registry.lookup(slot, name) else {
            error(path + ".type", "unknown \(slot.rawValue) '\(name)' for '\(path)'", at: typeEntry.value.location, ancestors: ancestors,
                  notes: [Suggestions.note(name, among: registered, listing: listing)])
            return nil
        }
        let owner = Owner.component(slot, name)
        guard case .map(var m)? = mapping(node, specs: type.parameters, path: path, owner: owner, ancestors: ancestors,
                                          extraKeys: ["type"]) else { return nil }
        m["type"] = .string(name)
        sites.append(ComponentSite(path: path, slot: slot, typeName: name, config: .map(m), parameters: type.parameters))
        return .map(m)
    }

    private func scalar(_ node: RecipeNode, kind: ParameterSpec.Kind, range: ClosedRange<Double>?, path: String,
                        ancestors: [Ancestor]) -> ConfigValue? {
        guard case .scalar(let text, let plain) = node.content else {
            error(path, "expected \(expected(kind)) for '\(path)', got \(describe(node))", at: node.location, ancestors: ancestors)
            return nil
        }
        func mismatch() -> ConfigValue? {
            error(path, "expected \(expected(kind)) for '\(path)', got \(describe(node))", at: node.location, ancestors: ancestors,
                  notes: plain ? [] : [.init("quoted values are strings; remove the quotes")])
            return nil
        }
        let v: ConfigValue
        switch kind {
        case .int:
            guard plain, let i = Int(text) else { return mismatch() }
            v = .int(i)
        case .float:
            guard plain, let d = Int(text).map(Double.init) ?? RecipeNode.double(text) else { return mismatch() }
            guard d.isFinite else {
                error(path, "expected a finite number for '\(path)', got \(text)", at: node.location, ancestors: ancestors)
                return nil
            }
            v = .double(d)
        case .bool:
            guard plain, let b = RecipeNode.bool(text) else { return mismatch() }
            v = .bool(b)
        case .string:
            v = .string(text)
        case .choice(let choices):
            guard choices.contains(text) else {
                error(path, "unknown value '\(text)' for '\(path)'", at: node.location, ancestors: ancestors,
                      notes: [Suggestions.note(text, among: choices, listing: "valid values")])
                return nil
            }
            v = .string(text)
        default:
            return mismatch()
        }
        if let r = range, let x = v.number, !r.contains(x) {
            error(path, "\(text) is out of range for '\(path)': expected \(Self.describe(r))", at: node.location, ancestors: ancestors)
            return nil
        }
        return v
    }

    /// A `file` parameter's value made relative to the recipe being loaded (what `BuildContext` resolves
    /// against): a relative path written in a base recipe is relative to that base's folder, one given
    /// with `--set` to the current folder (made absolute). Absolute and empty values stay as written.
    private func resolveFile(_ text: String, writtenAt origin: SourceLocation.Origin) -> String {
        guard !text.isEmpty, !text.hasPrefix("/") else { return text }
        switch origin {
        case .override:
            let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
            return cwd.appendingPathComponent(text).standardizedFileURL.path
        case .file(let url):
            guard case .file(let topFile) = top else { return text }
            let folder = url.deletingLastPathComponent(), topFolder = topFile.deletingLastPathComponent()
            if folder.standardizedFileURL.path == topFolder.standardizedFileURL.path { return text }
            return RecipeMerge.relativePath(folder.appendingPathComponent(text), from: topFolder)
        }
    }

    // MARK: - Defaults

    /// A declared default with the defaults of any nested section or component filled in too.
    func fillDefaults(_ value: ConfigValue, kind: ParameterSpec.Kind, path: String) -> ConfigValue {
        switch (kind, value) {
        case (.section(let specs), .map(var m)):
            for s in specs {
                if let v = m[s.name] { m[s.name] = fillDefaults(v, kind: s.kind, path: Self.join(path, s.name)) }
                else if let d = s.defaultValue { m[s.name] = fillDefaults(d, kind: s.kind, path: Self.join(path, s.name)) }
                else if s.optional { m[s.name] = .null }
            }
            return .map(m)
        case (.component(let slot), .map):
            guard let name = value.typeName, let type = registry.lookup(slot, name) else { return value }
            guard case .map(var m) = fillDefaults(value, kind: .section(type.parameters), path: path) else { return value }
            m["type"] = .string(name)
            sites.append(ComponentSite(path: path, slot: slot, typeName: name, config: .map(m), parameters: type.parameters))
            return .map(m)
        case (.components(let slot), .list(let l)):
            return .list(l.enumerated().map { fillDefaults($0.element, kind: .component(slot), path: "\(path).\($0.offset)") })
        default:
            return value
        }
    }

    // MARK: - Wording

    private func expected(_ kind: ParameterSpec.Kind) -> String {
        switch kind {
        case .int: return "an int"
        case .float: return "a number"
        case .bool: return "true or false"
        case .string: return "a string"
        case .file: return "a file path"
        case .choice(let c): return "one of \(c.joined(separator: ", "))"
        case .ints: return "a list of ints"
        case .floats: return "a list of numbers"
        case .strings: return "a list of strings"
        case .component(let s): return "a \(s.rawValue) (a mapping with 'type:')"
        case .components(let s): return "a list of \(s.rawValue) mappings"
        case .map, .section: return "a mapping"
        }
    }

    private func describe(_ node: RecipeNode) -> String {
        switch node.content {
        case .scalar(let s, let plain):
            if plain && node.isNull { return "null" }
            return plain ? "'\(s)'" : "the string '\(s)'"
        case .list: return "a list"
        case .map: return "a mapping"
        }
    }

    static func describe(_ r: ClosedRange<Double>) -> String {
        func f(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)" }
        if r.upperBound == .infinity { return "at least \(f(r.lowerBound))" }
        if r.lowerBound == -.infinity { return "at most \(f(r.upperBound))" }
        return "between \(f(r.lowerBound)) and \(f(r.upperBound))"
    }
}
