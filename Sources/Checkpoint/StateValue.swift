/// A named training-state value stored in a checkpoint's `/state` group (or as an HDF5 attribute):
/// gate EMAs, scheduler counters, RNG words, the data position.
///
/// Stored as: `double` → float64 scalar, `int` → int64 scalar, `words` → uint64 `[n]`,
/// `doubles` → float64 `[n]`, `string` → variable-length UTF-8 string scalar.
public enum StateValue: Equatable, Sendable, CustomStringConvertible {
    /// One float64.
    case double(Double)
    /// One signed integer (int64 on disk).
    case int(Int)
    /// Raw 64-bit words, e.g. a random generator's state.
    case words([UInt64])
    /// A float64 vector.
    case doubles([Double])
    /// UTF-8 text.
    case string(String)

    /// The value as a `Double` when it is one number (`double` or `int`).
    public var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    /// The value as an `Int` when it is an `int`.
    public var intValue: Int? {
        if case .int(let i) = self { return i }
        return nil
    }

    /// The value as text when it is a `string`.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// A short human-readable rendering (long vectors and texts are abbreviated).
    public var description: String {
        switch self {
        case .double(let d): return "\(d)"
        case .int(let i): return "\(i)"
        case .words(let w):
            let shown = w.prefix(4).map { "0x" + String($0, radix: 16) }.joined(separator: ", ")
            return "words[\(w.count)] [\(shown)\(w.count > 4 ? ", …" : "")]"
        case .doubles(let d):
            let shown = d.prefix(4).map { "\($0)" }.joined(separator: ", ")
            return "doubles[\(d.count)] [\(shown)\(d.count > 4 ? ", …" : "")]"
        case .string(let s):
            let firstLine = s.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let short = firstLine.count > 60 ? String(firstLine.prefix(60)) + "…" : firstLine
            return "\"\(short)\"" + (s.count > short.count ? " (\(s.utf8.count) bytes)" : "")
        }
    }
}
