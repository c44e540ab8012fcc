import Components
/// "Did you mean" for unknown names and keys: first a `-`/`_` swap or a case difference, then the
/// nearest name within edit distance 2 (a transposition counts as one edit), else nothing.
enum Suggestions {
    /// The best candidate for `word`, or nil.
    static func nearest(_ word: String, among candidates: [String]) -> String? {
        let swapped = [word.replacingOccurrences(of: "-", with: "_"), word.replacingOccurrences(of: "_", with: "-")]
        if let c = candidates.first(where: { swapped.contains($0) && $0 != word }) { return c }
        if let c = candidates.first(where: { $0.lowercased() == word.lowercased() }) { return c }
        var best: (String, Int)?
        for c in candidates {
            let d = distance(word.lowercased(), c.lowercased())
            if d <= 2, d < (best?.1 ?? Int.max) { best = (c, d) }
        }
        return best?.0
    }

    /// The note: `did you mean 'x'? valid keys: a, b, c` (or just the list).
    static func note(_ word: String, among candidates: [String], listing: String) -> Diagnostic.Note {
        let list = candidates.isEmpty ? "\(listing): (none)" : "\(listing): \(candidates.joined(separator: ", "))"
        if let s = nearest(word, among: candidates) { return Diagnostic.Note("did you mean '\(s)'? \(list)") }
        return Diagnostic.Note(list)
    }

    /// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions).
    static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a.unicodeScalars), y = Array(b.unicodeScalars)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        // Long inputs cannot be within 2 of a short name; bail out before the quadratic table.
        if abs(x.count - y.count) > 2 || x.count > 256 { return Int.max }
        var d = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in 0...x.count { d[i][0] = i }
        for j in 0...y.count { d[0][j] = j }
        for i in 1...x.count {
            for j in 1...y.count {
                let cost = x[i - 1] == y[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, x[i - 1] == y[j - 2], x[i - 2] == y[j - 1] { d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1) }
            }
        }
        return d[x.count][y.count]
    }
}
