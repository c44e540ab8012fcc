/// A recipe value after YAML parsing and merging: what a component's parameters are built from.
/// (The Recipes layer keeps the source position of every value beside it, for error messages.)
public indirect enum ConfigValue: Sendable, Equatable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([ConfigValue])
    case map([String: ConfigValue])

    /// The number, for `.int` and `.double`.
    public var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The component name, for a map with a `type:` key.
    public var typeName: String? {
        if case .map(let m) = self, case .string(let t)? = m["type"] { return t }
        return nil
    }

    /// A compact YAML-flow rendering (`{type: lcg, momentum: 0.99}`), keys sorted.
    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return d == d.rounded() && abs(d) < 1e15 ? String(format: "%.1f", d) : "\(d)"
        case .string(let s): return s
        case .list(let l): return "[" + l.map(\.description).joined(separator: ", ") + "]"
        case .map(let m): return "{" + m.keys.sorted().map { "\($0): \(m[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}

import Foundation
