/// One declared parameter of a registered component: its name, type, default, allowed values and a
/// one-line doc. `alip components` prints exactly these; the Recipes layer validates against them.
public struct ParameterSpec: Sendable, Equatable {
    /// The value type a parameter takes.
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        case int, float, bool, string
        /// A string naming a file. A relative value is resolved against the folder of the recipe file that
        /// writes it (through `extends`), or against the current folder when it comes from `--set`; only
        /// parameters of this kind are treated as paths, whatever their name.
        case file
        /// One of a fixed set of strings.
        case choice([String])
        case ints, floats, strings
        /// A nested component of a slot (a map with `type:`).
        case component(Slot)
        /// A list of nested components of a slot.
        case components(Slot)
        /// A free-form map (for example the named fields of a manifest); values unchecked here.
        case map
        /// A nested mapping with its own declared keys (for example an objective's `gates:` with
        /// `sample:` and `pair:`, or a recipe's `train:` section); validated key by key like a component.
        case section([ParameterSpec])

        public var description: String {
            switch self {
            case .int: return "int"
            case .float: return "float"
            case .bool: return "bool"
            case .string: return "string"
            case .file: return "file"
            case .choice(let c): return c.joined(separator: "|")
            case .ints: return "[int]"
            case .floats: return "[float]"
            case .strings: return "[string]"
            case .component(let s): return "\(s.rawValue)"
            case .components(let s): return "[\(s.rawValue)]"
            case .map: return "map"
            case .section(let specs): return "{" + specs.map(\.name).joined(separator: ", ") + "}"
            }
        }
    }

    public let name: String
    public let kind: Kind
    /// The value used when the recipe omits the key; `nil` makes the parameter required.
    public let defaultValue: ConfigValue?
    /// Inclusive numeric bounds for `int`/`float` (and each element of `ints`/`floats`).
    public let range: ClosedRange<Double>?
    /// Whether `null` is allowed (an optional parameter with no value).
    public let optional: Bool
    /// One line for `alip components` and the recipe reference.
    public let doc: String

    public init(_ name: String, _ kind: Kind, default defaultValue: ConfigValue?, range: ClosedRange<Double>? = nil,
                optional: Bool = false, doc: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.range = range
        self.optional = optional
        self.doc = doc
    }

    /// Whether the recipe must give a value.
    public var isRequired: Bool { defaultValue == nil && !optional }
}
