import Foundation

/// A byte-level BPE tokenizer in CLIP's layout (openai/CLIP `simple_tokenizer.py`): text is cleaned
/// and lower-cased (`CLIPText.normalize`), split with CLIP's regex (`CLIPText.pretokenize`), each piece
/// becomes its UTF-8 bytes with the last one marked end-of-word (`</w>`), and merges apply lowest rank
/// first. Ids: 0…255 bytes (CLIP's `bytes_to_unicode` order), 256…511 the same with `</w>`, then one id
/// per merge, then start-of-text and end-of-text (the highest id, `vocabSize − 1`).
///
/// Both the tokenizer trained here (`BPETrainer`) and CLIP's merges file (`CLIPBPETokenizerSpec`) load
/// into this type; it saves to and loads from a JSON string (also stored in checkpoints).
public struct BPETokenizer: Tokenizing, Equatable {
    /// One merge rule: adjacent `left`, `right` become `result`.
    public struct Merge: Sendable, Equatable, Hashable {
        public let left: Int32
        public let right: Int32
        public let result: Int32
        public init(left: Int32, right: Int32, result: Int32) { self.left = left; self.right = right; self.result = result }
    }

    /// The first merge id (512 base ids precede it).
    public static let firstMergeID: Int32 = 512

    public let contextLength: Int
    public let vocabSize: Int
    /// Start-of-text id.
    public let sot: Int32
    /// End-of-text id (the highest id).
    public let eot: Int32
    /// Merge rules by rank (index).
    public let merges: [Merge]
    /// Where the merges come from: `bpe` (trained here) or `clip-bpe` (a CLIP merges file).
    public let kind: String

    private let ranks: [UInt64: Int]
    private let pieces: [[UInt8]]
    private let endsWord: [Bool]

    @inline(__always) static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(bitPattern: a)) << 32 | UInt64(UInt32(bitPattern: b)) }

    /// A tokenizer from merge rules. `vocabSize` must leave room for every merge result and the two
    /// special ids, which are `vocabSize − 2` and `vocabSize − 1`.
    public init(merges: [Merge], vocabSize: Int, contextLength: Int, kind: String = "bpe") throws {
        guard contextLength >= 2 else { throw DataError(file: "<tokenizer>", "context_length must be at least 2 (start and end of text), got \(contextLength)") }
        let maxResult = merges.map(\.result).max() ?? (Self.firstMergeID - 1)
        guard vocabSize >= Int(maxResult) + 3, vocabSize >= 514 else {
            throw DataError(file: "<tokenizer>", "vocab_size \(vocabSize) is too small for \(merges.count) merges (needs at least \(max(514, Int(maxResult) + 3)))")
        }
        self.contextLength = contextLength
        self.vocabSize = vocabSize
        self.sot = Int32(vocabSize - 2)
        self.eot = Int32(vocabSize - 1)
        self.merges = merges
        self.kind = kind
        var ranks: [UInt64: Int] = [:]
        var pieces = [[UInt8]](repeating: [], count: vocabSize)
        var ends = [Bool](repeating: false, count: vocabSize)
        for k in 0..<256 {
            pieces[k] = [CLIPText.byteOrder[k]]
            pieces[256 + k] = [CLIPText.byteOrder[k]]
            ends[256 + k] = true
        }
        for (r, m) in merges.enumerated() {
            for id in [m.left, m.right, m.result] where id < 0 || Int(id) >= vocabSize - 2 {
                throw DataError(file: "<tokenizer>", "merge \(r) uses id \(id) outside 0..<\(vocabSize - 2)")
            }
            ranks[Self.key(m.left, m.right)] = r   // a repeated pair keeps its last rank, as CLIP's dict does
            pieces[Int(m.result)] = pieces[Int(m.left)] + pieces[Int(m.right)]
            ends[Int(m.result)] = ends[Int(m.right)]
        }
        self.ranks = ranks
        self.pieces = pieces
        self.endsWord = ends
    }

    public static func == (a: BPETokenizer, b: BPETokenizer) -> Bool {
        a.contextLength == b.contextLength && a.vocabSize == b.vocabSize && a.merges == b.merges && a.kind == b.kind
    }

    /// The same merges with another row length.
    public func withContextLength(_ n: Int) throws -> BPETokenizer {
        try BPETokenizer(merges: merges, vocabSize: vocabSize, contextLength: n, kind: kind)
    }

    /// Base symbols of one pre-token: its bytes, the last marked end-of-word.
    static func baseSymbols(_ word: String) -> [Int32] {
        var s = word.utf8.map { CLIPText.byteID[Int($0)] }
        if !s.isEmpty { s[s.count - 1] += 256 }
        return s
    }

    /// Applies the merges to one pre-token (lowest rank first, every occurrence left to right).
    func encodeWord(_ word: String) -> [Int32] {
        var sym = Self.baseSymbols(word)
        while sym.count > 1 {
            var bestRank = Int.max, bestAt = -1
            for i in 0..<(sym.count - 1) {
                if let r = ranks[Self.key(sym[i], sym[i + 1])], r < bestRank { bestRank = r; bestAt = i }
            }
            if bestAt < 0 { break }
            let m = merges[bestRank]
            var out: [Int32] = []
            out.reserveCapacity(sym.count)
            var i = 0
            while i < sym.count {
                if i + 1 < sym.count, sym[i] == m.left, sym[i + 1] == m.right { out.append(m.result); i += 2 }
                else { out.append(sym[i]); i += 1 }
            }
            sym = out
        }
        return sym
    }

    /// The text's token ids, without start/end of text and without truncation.
    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for piece in CLIPText.pretokenize(CLIPText.normalize(text)) {
            if piece == "<|startoftext|>" { ids.append(sot); continue }
            if piece == "<|endoftext|>" { ids.append(eot); continue }
            ids += encodeWord(piece)
        }
        return ids
    }

    /// `[sot] + tokens + [eot]`, truncated to `contextLength` with the last id set to `eot`, then zero
    /// padded (open_clip's `tokenize`).
    public func encode(_ text: String) -> [Int32] {
        var row = [sot] + tokenize(text) + [eot]
        if row.count > contextLength { row.removeLast(row.count - contextLength); row[contextLength - 1] = eot }
        if row.count < contextLength { row += [Int32](repeating: 0, count: contextLength - row.count) }
        return row
    }

    /// The text of token ids up to end-of-text (end-of-word marks become spaces; start-of-text is dropped).
    public func decode(_ ids: [Int32]) -> String {
        var bytes: [UInt8] = []
        for id in ids {
            if id == eot { break }   // padding (zeros) follows end-of-text
            guard id >= 0, Int(id) < vocabSize - 2 else { continue }
            bytes += pieces[Int(id)]
            if endsWord[Int(id)] { bytes.append(UInt8(ascii: " ")) }
        }
        return String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    /// The byte string of one id (CLIP's vocabulary entry, `</w>` marked as a trailing flag).
    public func piece(_ id: Int32) -> (bytes: [UInt8], endsWord: Bool) { (pieces[Int(id)], endsWord[Int(id)]) }

    // MARK: JSON

    private struct Stored: Codable {
        var format: String
        var version: Int
        var kind: String
        var vocab_size: Int
        var context_length: Int
        var merges: [[Int32]]
    }

    /// The tokenizer as a JSON string (`format: alip-bpe`, version 1, merges as `[left, right, result]`).
    public func jsonString() -> String {
        let s = Stored(format: "alip-bpe", version: 1, kind: kind, vocab_size: vocabSize, context_length: contextLength,
                       merges: merges.map { [$0.left, $0.right, $0.result] })
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys]
        return String(decoding: (try? enc.encode(s)) ?? Foundation.Data(), as: UTF8.self)
    }

    /// Loads a tokenizer saved by `jsonString()`; `source` names the file or checkpoint in messages.
    public init(json: String, source: String = "<tokenizer json>") throws {
        let s: Stored
        do { s = try JSONDecoder().decode(Stored.self, from: Foundation.Data(json.utf8)) } catch {
            throw DataError(file: source, "not a saved alip tokenizer (\(error)); save one with BPETokenizer.jsonString()")
        }
        guard s.format == "alip-bpe" else { throw DataError(file: source, "format '\(s.format)' is not 'alip-bpe'") }
        guard s.version == 1 else { throw DataError(file: source, "tokenizer format version \(s.version) is not supported (this build reads version 1)") }
        var merges: [Merge] = []
        merges.reserveCapacity(s.merges.count)
        for (k, m) in s.merges.enumerated() {
            guard m.count == 3 else { throw DataError(file: source, "merge \(k) has \(m.count) ids; expected [left, right, result]") }
            merges.append(Merge(left: m[0], right: m[1], result: m[2]))
        }
        do { try self.init(merges: merges, vocabSize: s.vocab_size, contextLength: s.context_length, kind: s.kind) } catch let e as DataError {
            throw DataError(file: source, e.reason)
        }
    }

    /// Saves `jsonString()` to a file.
    public func save(to url: URL) throws {
        try Foundation.Data(jsonString().utf8).write(to: url, options: .atomic)
    }

    /// Loads a tokenizer file written by `save(to:)`.
    public static func load(from url: URL) throws -> BPETokenizer {
        guard let d = FileManager.default.contents(atPath: url.path) else {
            throw DataError(file: url.path, "tokenizer file not found or unreadable; check the tokenizer's 'path'")
        }
        guard let s = String(validating: [UInt8](d), as: UTF8.self) else { throw DataError(file: url.path, "tokenizer file is not valid UTF-8 JSON") }
        return try BPETokenizer(json: s, source: url.path)
    }
}
