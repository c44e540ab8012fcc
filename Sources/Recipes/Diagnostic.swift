import Components
import Foundation

/// One problem found in a recipe: where it is, the dotted key it concerns, what was expected, and notes
/// (did-you-mean, where an enclosing section came from through `extends:`).
public struct Diagnostic: Sendable, Equatable {
    /// A line printed after the message as `note: …`; `location`, when set, is rendered between `text`
    /// and `suffix` (so paths render relative to the reader's folder).
    public struct Note: Sendable, Equatable {
        public var text: String
        public var location: SourceLocation?
        public var suffix: String

        public init(_ text: String, location: SourceLocation? = nil, suffix: String = "") {
            self.text = text
            self.location = location
            self.suffix = suffix
        }
    }

    /// The dotted key path (`objective.gates.sample.momentum`; list items by index, `data.eval.0`).
    public var path: String
    /// The message after `error: `.
    public var message: String
    /// Where the offending key or value was written; nil when unknown (filled from `path` by the loader).
    public var location: SourceLocation?
    public var notes: [Note]

    /// A diagnostic about the value at `path`; cross-component checks create these without a location.
    public init(path: String, _ message: String, location: SourceLocation? = nil, notes: [Note] = []) {
        self.path = path
        self.message = message
        self.location = location
        self.notes = notes
    }
}

/// Every problem found in a recipe, thrown at once before any work starts. `description` renders them
/// compiler-style:
/// ```
/// Recipes/ablations/gates.yaml:14:5: error: unknown key 'momentm' for gate 'lcg'
///     momentm: 0.99
///     ^
/// note: did you mean 'momentum'? valid keys: momentum, ema_init, gamma, cap
/// ```
public struct RecipeErrors: Error, CustomStringConvertible, Sendable {
    public let diagnostics: [Diagnostic]
    /// The text of every source a diagnostic points into (for the quoted line), by origin.
    let sources: [SourceLocation.Origin: String]

    init(_ diagnostics: [Diagnostic], sources: [SourceLocation.Origin: String]) {
        self.diagnostics = diagnostics
        self.sources = sources
    }

    /// Diagnostics with paths relative to the current folder.
    public var description: String {
        render(relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
    }

    /// Diagnostics rendered with file paths relative to `base` (absolute when nil or outside it).
    public func render(relativeTo base: URL?) -> String {
        diagnostics.map { render($0, base: base) }.joined(separator: "\n")
    }

    private func render(_ d: Diagnostic, base: URL?) -> String {
        var out = ""
        if let loc = d.location {
            out += "\(loc.render(relativeTo: base)): error: \(d.message)\n"
            if let line = sourceLine(loc) {
                out += line + "\n"
                // The caret keeps the line's tabs so it lines up under any indentation.
                let lead = line.unicodeScalars.prefix(max(0, loc.column - 1)).map { $0 == "\t" ? "\t" : " " }.joined()
                out += lead + "^\n"
            }
        } else {
            out += "error: \(d.path.isEmpty ? "" : "'\(d.path)': ")\(d.message)\n"
        }
        for n in d.notes {
            out += "note: \(n.text)\(n.location.map { $0.render(relativeTo: base) } ?? "")\(n.suffix)\n"
        }
        return out.hasSuffix("\n") ? String(out.dropLast()) : out
    }

    private func sourceLine(_ loc: SourceLocation) -> String? {
        guard let text = sources[loc.origin], loc.line >= 1 else { return nil }
        var n = 1
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if n == loc.line {
                var s = String(line)
                if s.hasSuffix("\r") { s.removeLast() }
                while s.last == " " { s.removeLast() }
                return s
            }
            n += 1
        }
        return nil
    }
}

/// Collects diagnostics while a recipe is read and checked.
final class DiagnosticLog {
    var diagnostics: [Diagnostic] = []
    var sources: [SourceLocation.Origin: String] = [:]

    func error(_ path: String, _ message: String, at location: SourceLocation?, notes: [Diagnostic.Note] = []) {
        diagnostics.append(Diagnostic(path: path, message, location: location, notes: notes))
    }

    var isEmpty: Bool { diagnostics.isEmpty }

    func throwIfAny() throws {
        if !diagnostics.isEmpty { throw RecipeErrors(diagnostics, sources: sources) }
    }
}
