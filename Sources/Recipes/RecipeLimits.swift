/// Bounds that keep a broken or hostile recipe from using unbounded time or memory: checked before
/// the YAML is composed (size, encoding, alias count, flow nesting) and while the composed document is
/// turned into the recipe tree (depth, node count after alias expansion, scalar size).
public struct RecipeLimits: Sendable {
    /// Largest recipe file read, in bytes.
    public var maxFileBytes = 1 << 20
    /// Largest single scalar, in bytes.
    public var maxScalarBytes = 64 << 10
    /// Deepest nesting of mappings and lists.
    public var maxDepth = 64
    /// Most values in one file, counting every alias expansion (an alias bomb hits this at once).
    public var maxNodes = 100_000
    /// Most aliases (`*name`) in one file; recipes rarely need any.
    public var maxAliases = 64
    /// Longest chain of `extends:`.
    public var maxExtends = 32

    public init() {}

    /// The limits `alip` uses.
    public static let `default` = RecipeLimits()
}
