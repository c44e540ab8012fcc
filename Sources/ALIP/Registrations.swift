@_exported import Components

/// The built-in components, one line each: the table a reader follows from a recipe's `type:` to the
/// source file (each type lives in a file named after it).
extension Registry {
    public static let builtin = Registry(origin: "built-in", [
    ])
}
