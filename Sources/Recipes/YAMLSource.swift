import Components
import Foundation
import Yams

/// Reads one recipe file or override text into a `RecipeNode`, safely: regular files only, size,
/// UTF-8 and alias/nesting checks before composing, depth, node and scalar budgets while converting.
/// Problems go to the log; the result is nil when the text cannot be used.
enum YAMLSource {
    /// Reads `url`; `reference` is where it was named (an `extends:` value), for messages.
    static func readFile(_ url: URL, limits: RecipeLimits, log: DiagnosticLog, reference: SourceLocation?) -> String? {
        let shown = url.path
        let fm = FileManager.default
        guard let attributes = try? fm.attributesOfItem(atPath: url.path) else {
            log.error("extends", "cannot read recipe '\(shown)': no such file", at: reference,
                      notes: reference == nil ? [] : [.init("paths in 'extends:' are relative to the file that names them")])
            return nil
        }
        guard (attributes[.type] as? FileAttributeType) == .typeRegular else {
            log.error("", "cannot read recipe '\(shown)': not a regular file", at: reference)
            return nil
        }
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        guard size <= limits.maxFileBytes else {
            log.error("", "recipe '\(shown)' is \(size) bytes; recipes are limited to \(limits.maxFileBytes) bytes", at: reference,
                      notes: [.init("a recipe names data files by path; it does not hold data itself")])
            return nil
        }
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            log.error("", "cannot read recipe '\(shown)': permission denied", at: reference)
            return nil
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: limits.maxFileBytes + 1)) ?? Data()
        guard data.count <= limits.maxFileBytes else {
            log.error("", "recipe '\(shown)' is larger than \(limits.maxFileBytes) bytes", at: reference)
            return nil
        }
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if let bad = firstInvalidUTF8(bytes) {
            let line = bytes[..<bad].reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            let col = bytes[..<bad].reversed().prefix { $0 != 0x0A }.count + 1
            log.error("", "recipe is not valid UTF-8 (byte 0x\(String(bytes[bad], radix: 16, uppercase: true)) at offset \(bad))",
                      at: SourceLocation(.file(url), line: line, column: col),
                      notes: [.init("save the file as UTF-8")])
            return nil
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Composes `text` into a tree; `origin` names it in positions.
    static func parse(_ text: String, origin: SourceLocation.Origin, limits: RecipeLimits, log: DiagnosticLog) -> RecipeNode? {
        log.sources[origin] = text
        let start = log.diagnostics.count
        prescan(text, origin: origin, limits: limits, log: log)
        guard log.diagnostics.count == start else { return nil }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let e as YamlError {
            report(e, origin: origin, log: log)
            return nil
        } catch {
            log.error("", "cannot parse YAML: \(error)", at: SourceLocation(origin, line: 1, column: 1))
            return nil
        }
        guard let node else { return RecipeNode(.map([]), at: SourceLocation(origin, line: 1, column: 1)) }
        var budget = limits.maxNodes
        return convert(node, origin: origin, depth: 0, budget: &budget, limits: limits, log: log)
    }

    // MARK: - Before composing

    /// Counts aliases and anchors and tracks flow (`[`, `{`) nesting outside quotes and comments.
    private static func prescan(_ text: String, origin: SourceLocation.Origin, limits: RecipeLimits, log: DiagnosticLog) {
        var aliases = 0, flow = 0, line = 1, col = 0
        var quote: Character? = nil
        var previous: Character = "\n"
        var escaped = false, comment = false
        for ch in text {
            col += 1
            if ch == "\n" { line += 1; col = 0; comment = false; previous = ch; continue }
            if comment { continue }
            if let q = quote {
                if q == "\"" && ch == "\\" && !escaped { escaped = true; previous = ch; continue }
                if ch == q && !escaped { quote = nil }
                escaped = false
                previous = ch
                continue
            }
            let atTokenStart = previous == " " || previous == "\t" || previous == "\n" || "[{,:-?".contains(previous)
            if atTokenStart {
                switch ch {
                case "\"", "'": quote = ch
                case "#": if previous == " " || previous == "\t" || previous == "\n" { comment = true }
                case "*":
                    aliases += 1
                    if aliases > limits.maxAliases {
                        log.error("", "too many aliases (more than \(limits.maxAliases)); recipes use `extends:` rather than YAML aliases",
                                  at: SourceLocation(origin, line: line, column: col))
                        return
                    }
                default: break
                }
            }
            if ch == "[" || ch == "{" {
                flow += 1
                if flow > limits.maxDepth {
                    log.error("", "nesting deeper than \(limits.maxDepth) levels", at: SourceLocation(origin, line: line, column: col))
                    return
                }
            } else if ch == "]" || ch == "}" {
                flow = max(0, flow - 1)
            }
            previous = ch
        }
    }

    /// The offset of the first byte that is not valid UTF-8 (or a NUL), else nil.
    static func firstInvalidUTF8(_ b: [UInt8]) -> Int? {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c == 0 { return i }
            if c < 0x80 { i += 1; continue }
            let n: Int, lo: UInt8, hi: UInt8
            switch c {
            case 0xC2...0xDF: n = 1; lo = 0x80; hi = 0xBF
            case 0xE0: n = 2; lo = 0xA0; hi = 0xBF
            case 0xED: n = 2; lo = 0x80; hi = 0x9F
            case 0xE1...0xEF: n = 2; lo = 0x80; hi = 0xBF
            case 0xF0: n = 3; lo = 0x90; hi = 0xBF
            case 0xF4: n = 3; lo = 0x80; hi = 0x8F
            case 0xF1...0xF3: n = 3; lo = 0x80; hi = 0xBF
            default: return i
            }
            guard i + n < b.count else { return i }
            if b[i + 1] < lo || b[i + 1] > hi { return i }
            for k in 2...max(2, n) where k <= n { if b[i + k] & 0xC0 != 0x80 { return i } }
            i += n + 1
        }
        return nil
    }

    // MARK: - Composing

    private static func report(_ e: YamlError, origin: SourceLocation.Origin, log: DiagnosticLog) {
        func at(_ m: Mark) -> SourceLocation { SourceLocation(origin, line: max(1, m.line), column: max(1, m.column)) }
        switch e {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var notes: [Diagnostic.Note] = []
            if let context { notes.append(.init("\(context.text) starting at line \(context.mark.line), column \(context.mark.column)")) }
            log.error("", "YAML syntax error: \(problem)", at: at(mark), notes: notes)
        case .duplicatedKeysInMapping(let duplicates, let context):
            log.error("", "duplicate key '\(duplicates.joined(separator: "', '"))' in one mapping", at: at(context.mark),
                      notes: [.init("each key may appear once; later files and --set override earlier values")])
        case .reader(let problem, _, _, _):
            log.error("", "cannot read YAML: \(problem)", at: SourceLocation(origin, line: 1, column: 1))
        default:
            log.error("", "cannot parse YAML: \(e)", at: SourceLocation(origin, line: 1, column: 1))
        }
    }

    private static func convert(_ node: Node, origin: SourceLocation.Origin, depth: Int, budget: inout Int,
                                limits: RecipeLimits, log: DiagnosticLog) -> RecipeNode? {
        let loc = SourceLocation(origin, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
        budget -= 1
        guard budget >= 0 else {
            log.error("", "more than \(limits.maxNodes) values (an alias expanding too far?)", at: loc)
            return nil
        }
        guard depth <= limits.maxDepth else {
            log.error("", "nesting deeper than \(limits.maxDepth) levels", at: loc)
            return nil
        }
        switch node {
        case .scalar(let s):
            guard s.string.utf8.count <= limits.maxScalarBytes else {
                log.error("", "value of \(s.string.utf8.count) bytes; values are limited to \(limits.maxScalarBytes) bytes", at: loc)
                return nil
            }
            return RecipeNode(.scalar(s.string, plain: s.style == .plain), at: loc)
        case .sequence(let seq):
            var items: [RecipeNode] = []
            for item in seq {
                guard let c = convert(item, origin: origin, depth: depth + 1, budget: &budget, limits: limits, log: log) else { return nil }
                items.append(c)
            }
            return RecipeNode(.list(items), at: loc)
        case .mapping(let map):
            var entries: [RecipeNode.Entry] = []
            for (k, v) in map {
                let kloc = SourceLocation(origin, line: k.mark?.line ?? loc.line, column: k.mark?.column ?? loc.column)
                guard case .scalar(let ks) = k else {
                    log.error("", "mapping keys must be plain names", at: kloc)
                    return nil
                }
                guard let c = convert(v, origin: origin, depth: depth + 1, budget: &budget, limits: limits, log: log) else { return nil }
                entries.append(.init(key: ks.string, keyLocation: kloc, value: c))
            }
            return RecipeNode(.map(entries), at: loc)
        case .alias:
            log.error("", "unresolved YAML alias", at: loc)
            return nil
        }
    }
}
