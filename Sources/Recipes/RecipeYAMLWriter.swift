import Foundation
import Components

/// Writes a resolved recipe as YAML: block mappings in declaration order (`type:` first, then each
/// component's parameters as declared), scalar lists in flow style, strings quoted whenever a YAML
/// reader (this one, or PyYAML's YAML 1.1) could read them as anything else. Loading the text again
/// gives the same values.
enum RecipeYAMLWriter {
    static func render(_ root: ConfigValue, specs: [ParameterSpec], registry: Registry, header: String? = nil) -> String {
        var out = ""
        if let header { for line in header.split(separator: "\n", omittingEmptySubsequences: false) { out += "# \(line)\n" } }
        guard case .map(let m) = root else { return out + scalar(root) + "\n" }
        writeMap(m, order: specs, registry: registry, indent: 0, into: &out)
        return out
    }

    private static func keys(of m: [String: ConfigValue], order specs: [ParameterSpec]?) -> [String] {
        var keys: [String] = []
        if m["type"] != nil { keys.append("type") }
        for s in specs ?? [] where m[s.name] != nil { keys.append(s.name) }
        keys += m.keys.filter { !keys.contains($0) }.sorted()
        return keys
    }

    private static func specs(for value: ConfigValue, kind: ParameterSpec.Kind?, registry: Registry) -> [ParameterSpec]? {
        switch kind {
        case .section(let s)?: return s
        case .component(let slot)?, .components(let slot)?:
            return value.typeName.flatMap { registry.lookup(slot, $0)?.parameters }
        default: return nil
        }
    }

    private static func writeMap(_ m: [String: ConfigValue], order: [ParameterSpec]?, registry: Registry, indent: Int,
                                 into out: inout String, firstLinePrefix: String? = nil) {
        let pad = String(repeating: " ", count: indent)
        for (n, key) in keys(of: m, order: order).enumerated() {
            let v = m[key]!
            let lead = n == 0 && firstLinePrefix != nil ? firstLinePrefix! : pad
            let kind = order?.first { $0.name == key }?.kind
            let k = quoteKey(key)
            switch v {
            case .map(let sub) where !sub.isEmpty:
                out += "\(lead)\(k):\n"
                writeMap(sub, order: specs(for: v, kind: kind, registry: registry), registry: registry, indent: indent + 2, into: &out)
            case .list(let items) where items.contains(where: { if case .map = $0 { return true } else { return false } }):
                out += "\(lead)\(k):\n"
                for item in items {
                    if case .map(let sub) = item, !sub.isEmpty {
                        writeMap(sub, order: specs(for: item, kind: kind, registry: registry), registry: registry, indent: indent + 4,
                                 into: &out, firstLinePrefix: pad + "  - ")
                    } else {
                        out += "\(pad)  - \(flow(item))\n"
                    }
                }
            default:
                out += "\(lead)\(k): \(flow(v))\n"
            }
        }
    }

    /// A value in flow style (`[0.9, 0.98]`, `{type: lcg}`).
    static func flow(_ v: ConfigValue) -> String {
        switch v {
        case .list(let l): return "[" + l.map(flow).joined(separator: ", ") + "]"
        case .map(let m): return "{" + m.keys.sorted().map { "\(quoteKey($0)): \(flow(m[$0]!))" }.joined(separator: ", ") + "}"
        default: return scalar(v)
        }
    }

    static func scalar(_ v: ConfigValue) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return format(d)
        case .string(let s): return quote(s)
        case .list, .map: return flow(v)
        }
    }

    /// A float that every YAML reader reads as a float: `1.0`, `0.001`, `1.0e-06`, `.inf`.
    static func format(_ d: Double) -> String {
        if d.isNaN { return ".nan" }
        if d.isInfinite { return d > 0 ? ".inf" : "-.inf" }
        var s = "\(d)"
        if let e = s.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            if !s[..<e].contains(".") { s.insert(contentsOf: ".0", at: e) }
        } else if !s.contains(".") {
            s += ".0"
        }
        return s
    }

    private static let yaml11Words: Set<String> = ["y", "n", "yes", "no", "on", "off"]

    /// `s` as a plain scalar when it reads back as the same string, else double-quoted.
    static func quote(_ s: String) -> String {
        let needs = s.isEmpty
            || RecipeNode.natural(s) != .string(s)
            || yaml11Words.contains(s.lowercased())
            || s.first.map({ "-?:,[]{}#&*!|>'\"%@` \t".contains($0) }) == true
            || s.last == " " || s.last == ":"
            || s.contains(": ") || s.contains(" #") || s.contains(where: { ",[]{}".contains($0) })
            || s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        guard needs else { return s }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 || u.value == 0x7F { out += String(format: "\\x%02X", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    static func quoteKey(_ k: String) -> String { quote(k) }
}
