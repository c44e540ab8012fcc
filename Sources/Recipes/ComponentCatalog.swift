import Foundation
import Components

/// What `alip components` prints: every registered component with its parameters (kind, default,
/// range or choices, doc), grouped by slot, with each entry's origin — as text, JSON, or the Markdown
/// recipe reference (`Docs/recipe-reference.md`).
public enum ComponentCatalog {
    /// The command that regenerates `Docs/recipe-reference.md`.
    public static let regenerateCommand = "swift run alip components --markdown > Docs/recipe-reference.md"

    private static func slots(_ registry: Registry, only: Slot?) -> [Slot] {
        Slot.allCases.sorted().filter { only == nil || $0 == only }
    }

    /// A parameter's default as written in a recipe (`required` when there is none).
    static func defaultText(_ p: ParameterSpec) -> String {
        if let d = p.defaultValue { return RecipeYAMLWriter.flow(d) }
        return p.optional ? "null" : "required"
    }

    /// Range or choices, empty when neither.
    static func constraintText(_ p: ParameterSpec) -> String {
        var parts: [String] = []
        if let r = p.range { parts.append(RecipeValidator.describe(r)) }
        if case .choice(let c) = p.kind { parts.append("one of " + c.joined(separator: ", ")) }
        if p.optional { parts.append("may be null") }
        return parts.joined(separator: "; ")
    }

    /// Plain text, one block per component.
    public static func text(_ registry: Registry, slot only: Slot? = nil) -> String {
        var out = ""
        for slot in slots(registry, only: only) {
            let names = registry.names(slot)
            if names.isEmpty { if only != nil { out += "\(slot.rawValue): (none registered)\n" }; continue }
            out += "\(slot.rawValue):\n"
            for name in names {
                let t = registry.lookup(slot, name)!
                out += "  \(name) — \(t.summary) [\(registry.origins["\(slot.rawValue).\(name)"] ?? "?")]\n"
                for p in t.parameters {
                    let c = constraintText(p)
                    out += "    \(p.name): \(p.kind) = \(defaultText(p))\(c.isEmpty ? "" : " (\(c))") — \(p.doc)\n"
                }
            }
        }
        return out.isEmpty ? "no components registered\n" : out
    }

    /// JSON: `{slot: [{name, summary, origin, parameters: [{name, kind, default, range, choices, optional, doc}]}]}`.
    public static func json(_ registry: Registry, slot only: Slot? = nil) -> String {
        func encode(_ v: ConfigValue) -> Any {
            switch v {
            case .null: return NSNull()
            case .bool(let b): return b
            case .int(let i): return i
            case .double(let d): return d
            case .string(let s): return s
            case .list(let l): return l.map(encode)
            case .map(let m): return m.mapValues(encode)
            }
        }
        func param(_ p: ParameterSpec) -> [String: Any] {
            var d: [String: Any] = ["name": p.name, "kind": p.kind.description, "optional": p.optional, "doc": p.doc,
                                    "required": p.isRequired]
            d["default"] = p.defaultValue.map(encode) ?? NSNull()
            if let r = p.range {
                d["range"] = [r.lowerBound.isFinite ? r.lowerBound as Any : NSNull(), r.upperBound.isFinite ? r.upperBound as Any : NSNull()]
            }
            if case .choice(let c) = p.kind { d["choices"] = c }
            if case .section(let specs) = p.kind { d["keys"] = specs.map(param) }
            return d
        }
        var top: [String: Any] = [:]
        for slot in slots(registry, only: only) {
            let names = registry.names(slot)
            if names.isEmpty && only == nil { continue }
            top[slot.rawValue] = names.map { name -> [String: Any] in
                let t = registry.lookup(slot, name)!
                return ["name": name, "summary": t.summary, "origin": registry.origins["\(slot.rawValue).\(name)"] ?? "?",
                        "parameters": t.parameters.map(param)]
            }
        }
        let data = (try? JSONSerialization.data(withJSONObject: top, options: [.prettyPrinted, .sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// The recipe reference: the root schema, then every component by slot.
    public static func markdown(_ registry: Registry) -> String {
        func cell(_ s: String) -> String { s.replacingOccurrences(of: "|", with: "\\|") }
        func table(_ specs: [ParameterSpec], prefix: String = "") -> String {
            var t = "| key | kind | default | range / choices | doc |\n|---|---|---|---|---|\n"
            var nested: [(String, [ParameterSpec])] = []
            for p in specs {
                var kind = p.kind.description
                if case .section(let s) = p.kind { kind = "section"; nested.append((prefix + p.name, s)) }
                t += "| `\(prefix)\(p.name)` | \(cell(kind)) | `\(cell(defaultText(p)))` | \(cell(constraintText(p))) | \(cell(p.doc)) |\n"
            }
            for (name, s) in nested { t += "\n`\(name)`:\n\n" + table(s, prefix: name + ".") }
            return t
        }
        var out = """
        <!-- Generated by `\(regenerateCommand)`; do not edit by hand (a test keeps it in sync). -->
        # Recipe reference

        Every key a recipe may use: the top-level sections, then each registered component by slot. A
        mapping with `type: NAME` is built by the component registered as NAME for the slot its key
        implies; its other keys are that component's parameters. `required` marks keys without a default.

        ## Recipe (top level)


        """
        out += table(RecipeSchema.root)
        for slot in Slot.allCases.sorted() {
            let names = registry.names(slot)
            guard !names.isEmpty else { continue }
            out += "\n## \(slot.rawValue)\n"
            for name in names {
                let t = registry.lookup(slot, name)!
                out += "\n### `\(name)`\n\n\(t.summary) (\(registry.origins["\(slot.rawValue).\(name)"] ?? "?"))\n\n"
                out += t.parameters.isEmpty ? "No parameters.\n" : table(t.parameters)
            }
        }
        return out
    }
}
