/// The component tables: for each slot, registered name → component type. Built-in components are
/// listed in `Registrations.swift` (one line each); a plugin module contributes a `Registry` of its own,
/// merged in by the executable. Every name maps to a compiled-in type, so "X is not in the registry
/// because its file was never imported" cannot happen.
public struct Registry: @unchecked Sendable {
    /// Entries by slot, then by registered name.
    public private(set) var tables: [Slot: [String: any Component.Type]] = [:]
    /// Where each entry comes from (`"built-in"` or the plugin's name), for `alip components`.
    public private(set) var origins: [String: String] = [:]

    public init() {}

    /// A registry of the given entries, all from one origin.
    public init(origin: String, _ entries: [(Slot, any Component.Type)]) {
        for (slot, type) in entries { register(type, in: slot, origin: origin) }
    }

    /// Adds one entry; a name already taken in the slot is a programmer error (stops at start-up).
    public mutating func register(_ type: any Component.Type, in slot: Slot, origin: String) {
        precondition(tables[slot]?[type.typeName] == nil,
                     "registry: '\(type.typeName)' registered twice in slot '\(slot.rawValue)' (\(origin))")
        tables[slot, default: [:]][type.typeName] = type
        origins["\(slot.rawValue).\(type.typeName)"] = origin
    }

    /// This registry with every entry of `other` added.
    public func merging(_ other: Registry) -> Registry {
        var r = self
        for (slot, table) in other.tables {
            for (_, t) in table { r.register(t, in: slot, origin: other.origins["\(slot.rawValue).\(t.typeName)"] ?? "plugin") }
        }
        return r
    }

    /// The entry registered as `name` in `slot`.
    public func lookup(_ slot: Slot, _ name: String) -> (any Component.Type)? { tables[slot]?[name] }

    /// Registered names of a slot, sorted.
    public func names(_ slot: Slot) -> [String] { (tables[slot] ?? [:]).keys.sorted() }

    /// Builds the component `value` describes (a map with `type:`) from `slot` and casts it to `T`.
    /// Validation has normally checked everything already; this still reports, never traps.
    public func make<T>(_ slot: Slot, _ value: ConfigValue, path: String, context: BuildContext) throws -> T {
        guard case .map(let m) = value, let name = value.typeName else {
            throw ComponentError(path: path, "expected a mapping with 'type:' for a \(slot.rawValue)")
        }
        guard let type = lookup(slot, name) else {
            throw ComponentError(path: path, "unknown \(slot.rawValue) '\(name)'; registered: \(names(slot).joined(separator: ", "))")
        }
        let config = ComponentConfig(typeName: name, path: path, values: m, specs: type.parameters)
        let built = try type.init(config: config, context: context)
        guard let typed = built as? T else {
            throw ComponentError(path: path, "\(slot.rawValue) '\(name)' cannot be used here (it is not a \(T.self))")
        }
        return typed
    }
}
