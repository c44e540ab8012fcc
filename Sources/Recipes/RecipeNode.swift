import Components
import Foundation

/// Where a recipe value was written: a file (line and column from 1, columns in Unicode scalars) or
/// one `--set` override (its text is the single "line").
public struct SourceLocation: Sendable, Equatable {
    /// The file or command-line override a value comes from.
    public enum Origin: Sendable, Equatable, Hashable {
        /// A recipe file (standardized absolute URL).
        case file(URL)
        /// A `--set key=value` override; the associated text is the whole `key=value`.
        case override(String)
    }

    public let origin: Origin
    public let line: Int
    public let column: Int

    public init(_ origin: Origin, line: Int, column: Int) {
        self.origin = origin
        self.line = line
        self.column = column
    }

    /// `file:line:column`, the file relative to `base` when it lies below it.
    public func render(relativeTo base: URL?) -> String {
        switch origin {
        case .file(let url): return "\(SourceLocation.display(url, relativeTo: base)):\(line):\(column)"
        case .override: return "--set:\(line):\(column)"
        }
    }

    /// A file path for messages: relative to `base` when below it, else absolute.
    static func display(_ url: URL, relativeTo base: URL?) -> String {
        let path = url.standardizedFileURL.path
        guard let base else { return path }
        var prefix = base.standardizedFileURL.path
        if !prefix.hasSuffix("/") { prefix += "/" }
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}

/// A parsed recipe value that remembers where it was written: the tree `extends:` and `--set` merge,
/// before it is checked against the declared parameters. Scalars keep their text (typed later by the
/// parameter they are bound to), and whether they were plain (unquoted) in the YAML.
struct RecipeNode: Sendable {
    /// One `key: value` of a mapping, with the key's own position.
    struct Entry: Sendable {
        var key: String
        var keyLocation: SourceLocation
        var value: RecipeNode
    }

    enum Content: Sendable {
        case scalar(String, plain: Bool)
        case list([RecipeNode])
        case map([Entry])
    }

    var content: Content
    var location: SourceLocation

    init(_ content: Content, at location: SourceLocation) {
        self.content = content
        self.location = location
    }

    var entries: [Entry]? { if case .map(let e) = content { return e } else { return nil } }
    var items: [RecipeNode]? { if case .list(let l) = content { return l } else { return nil } }
    var scalarText: String? { if case .scalar(let s, _) = content { return s } else { return nil } }

    /// A plain `null`, `~` or empty scalar.
    var isNull: Bool {
        if case .scalar(let s, let plain) = content, plain { return RecipeNode.nullWords.contains(s) }
        return false
    }

    static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]

    /// The value of `key` in a mapping.
    subscript(key: String) -> RecipeNode? { entries?.first { $0.key == key }?.value }

    /// The `type:` of a component mapping.
    var typeName: String? { self["type"]?.scalarText }

    /// The value with YAML's own (untyped) reading: null, bool, int, float, else string.
    var naturalValue: ConfigValue {
        switch content {
        case .scalar(let s, let plain):
            return plain ? RecipeNode.natural(s) : .string(s)
        case .list(let l):
            return .list(l.map(\.naturalValue))
        case .map(let e):
            var m: [String: ConfigValue] = [:]
            for entry in e { m[entry.key] = entry.value.naturalValue }
            return .map(m)
        }
    }

    /// YAML 1.2 core-schema reading of a plain scalar.
    static func natural(_ s: String) -> ConfigValue {
        if nullWords.contains(s) { return .null }
        if let b = bool(s) { return .bool(b) }
        if let i = Int(s) { return .int(i) }
        if let d = double(s) { return .double(d) }
        return .string(s)
    }

    static func bool(_ s: String) -> Bool? {
        switch s {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default: return nil
        }
    }

    /// A float in YAML's spelling (`1.0e-3`, `.5`, `.inf`); words Swift would also read (`nan`) are not.
    static func double(_ s: String) -> Double? {
        switch s {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        guard s.contains(where: \.isNumber), !s.contains(where: { $0.isLetter && $0 != "e" && $0 != "E" }) else { return nil }
        return Double(s)
    }

    /// A node built from a plain value (defaults, sweep points), all at one location.
    init(_ value: ConfigValue, at location: SourceLocation) {
        switch value {
        case .null: self.init(.scalar("null", plain: true), at: location)
        case .bool(let b): self.init(.scalar(b ? "true" : "false", plain: true), at: location)
        case .int(let i): self.init(.scalar(String(i), plain: true), at: location)
        case .double(let d): self.init(.scalar(RecipeYAMLWriter.format(d), plain: true), at: location)
        case .string(let s): self.init(.scalar(s, plain: false), at: location)
        case .list(let l): self.init(.list(l.map { RecipeNode($0, at: location) }), at: location)
        case .map(let m):
            self.init(.map(m.keys.sorted().map { Entry(key: $0, keyLocation: location, value: RecipeNode(m[$0]!, at: location)) }),
                      at: location)
        }
    }
}
