import Foundation

/// The kinds of component a recipe composes. Every mapping with `type:` in a recipe is built by the
/// registry entry of that name in the slot its key implies.
public enum Slot: String, Sendable, CaseIterable, Comparable {
    case model, encoder, gate, loss, objective, optimizer, schedule, dataset, transform, tokenizer, noise, evaluator

    public static func < (a: Slot, b: Slot) -> Bool { a.rawValue < b.rawValue }
}

/// A registered, recipe-buildable component: a registered name, a one-line summary, declared
/// parameters, and a constructor from validated parameters.
public protocol Component {
    /// The name a recipe uses in `type:` (unique within the slot).
    static var typeName: String { get }
    /// One line for `alip components`.
    static var summary: String { get }
    /// Every parameter the component accepts (other keys are errors).
    static var parameters: [ParameterSpec] { get }
    /// Builds the component from validated parameters (defaults filled in).
    init(config: ComponentConfig, context: BuildContext) throws
}

/// An error while building a component that validation could not foresee (for example a file that
/// exists but cannot be read). `path` is the dotted recipe key.
public struct ComponentError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let message: String
    public init(path: String, _ message: String) { self.path = path; self.message = message }
    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}

/// The validated parameters of one component instance: every declared parameter present (defaults
/// filled in), values of the declared types. Accessors trap only on programmer errors (asking for an
/// undeclared name or the wrong type), never on user input, which validation has already checked.
public struct ComponentConfig: Sendable {
    /// The registered name (`type:`).
    public let typeName: String
    /// The dotted recipe key of this component (`objective.gates.sample`), for messages.
    public let path: String
    /// Values by parameter name.
    public let values: [String: ConfigValue]

    /// Fills defaults from `specs` into the given values (unknown keys are the validator's job).
    public init(typeName: String, path: String, values: [String: ConfigValue], specs: [ParameterSpec]) {
        var v = values
        v.removeValue(forKey: "type")
        for s in specs where v[s.name] == nil {
            if let d = s.defaultValue { v[s.name] = d } else if s.optional { v[s.name] = .null }
        }
        self.typeName = typeName
        self.path = path
        self.values = v
    }

    private func value(_ name: String) -> ConfigValue {
        guard let v = values[name] else { preconditionFailure("\(typeName): parameter '\(name)' is not declared") }
        return v
    }

    public func isNull(_ name: String) -> Bool { values[name] == nil || values[name] == .null }
    public func double(_ name: String) -> Double {
        guard let d = value(name).number else { preconditionFailure("\(typeName).\(name) is not a number") }
        return d
    }
    public func float(_ name: String) -> Float { Float(double(name)) }
    public func optionalFloat(_ name: String) -> Float? { isNull(name) ? nil : float(name) }
    public func int(_ name: String) -> Int {
        guard case .int(let i) = value(name) else { preconditionFailure("\(typeName).\(name) is not an int") }
        return i
    }
    public func optionalInt(_ name: String) -> Int? { isNull(name) ? nil : int(name) }
    public func bool(_ name: String) -> Bool {
        guard case .bool(let b) = value(name) else { preconditionFailure("\(typeName).\(name) is not a bool") }
        return b
    }
    public func string(_ name: String) -> String {
        guard case .string(let s) = value(name) else { preconditionFailure("\(typeName).\(name) is not a string") }
        return s
    }
    public func optionalString(_ name: String) -> String? { isNull(name) ? nil : string(name) }
    public func list(_ name: String) -> [ConfigValue] {
        if isNull(name) { return [] }
        guard case .list(let l) = value(name) else { preconditionFailure("\(typeName).\(name) is not a list") }
        return l
    }
    public func floats(_ name: String) -> [Float] { list(name).map { Float($0.number ?? .nan) } }
    public func ints(_ name: String) -> [Int] { list(name).compactMap { if case .int(let i) = $0 { return i } else { return nil } } }
    public func strings(_ name: String) -> [String] {
        list(name).map { if case .string(let s) = $0 { return s } else { return $0.description } }
    }
    public func map(_ name: String) -> [String: ConfigValue] {
        if isNull(name) { return [:] }
        guard case .map(let m) = value(name) else { preconditionFailure("\(typeName).\(name) is not a map") }
        return m
    }
    /// The raw value of a nested component parameter (a map with `type:`), or nil when null.
    public func component(_ name: String) -> ConfigValue? { isNull(name) ? nil : value(name) }
}

/// What a component's constructor may use besides its own parameters: the registry (to build nested
/// components), the recipe's folder (relative paths resolve against it), the run's seed, and facts
/// that earlier components publish for later ones (for example `embed_dim`, `vocab_size`).
public final class BuildContext {
    public let registry: Registry
    /// The folder relative paths in the recipe resolve against.
    public let baseDirectory: URL
    /// The run's seed.
    public let seed: UInt64
    /// Facts published by components built earlier (`"vocab_size": 2048`).
    public var facts: [String: Int] = [:]
    /// Objects shared between components (for example the tokenizer), by name.
    public var shared: [String: Any] = [:]

    public init(registry: Registry, baseDirectory: URL, seed: UInt64) {
        self.registry = registry
        self.baseDirectory = baseDirectory
        self.seed = seed
    }

    /// Resolves a recipe path against `baseDirectory` (absolute paths stay as they are).
    public func resolve(path: String) -> URL {
        path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
    }

    /// Builds the nested component described by `value` (a map with `type:`) from `slot`, as `T`.
    public func build<T>(_ slot: Slot, _ value: ConfigValue, path: String, as _: T.Type = T.self) throws -> T {
        try registry.make(slot, value, path: path, context: self)
    }
}
