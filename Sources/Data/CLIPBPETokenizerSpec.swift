import Components
import Foundation

/// The `clip-bpe` tokenizer component: CLIP's own merges (`bpe_simple_vocab_16e6.txt.gz`, gzip or
/// plain text), so a user who has that file tokenizes exactly as open_clip does. The file's first line
/// is a header and is skipped; at most 48,894 merges are read (CLIP's `merges[1:49152-256-2+1]`), so
/// the full file gives 49,408 ids with SOT 49406 and EOT 49407. No training.
public struct CLIPBPETokenizerSpec: TokenizerSpec, Component {
    public static let typeName = "clip-bpe"
    public static let summary = "CLIP's BPE merges file (bpe_simple_vocab_16e6.txt.gz): open_clip's tokenizer"
    /// CLIP reads this many merges at most.
    public static let maxMerges = 49152 - 256 - 2
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("path", .file, default: nil, doc: "CLIP merges file (.txt or .txt.gz)"),
        ParameterSpec("context_length", .int, default: .int(77), range: 2...4096, doc: "tokens per row (open_clip: 77)"),
    ]

    /// The loaded tokenizer.
    public let tokenizer: BPETokenizer
    public var vocabSize: Int { tokenizer.vocabSize }
    public var contextLength: Int { tokenizer.contextLength }

    /// Loads CLIP merges from `url`.
    public init(url: URL, contextLength: Int = 77) throws {
        self.tokenizer = try Self.load(url, contextLength: contextLength)
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        do { try self.init(url: context.resolve(path: config.string("path")), contextLength: config.int("context_length")) }
        catch let e as DataError { throw ComponentError(path: config.path + ".path", e.description) }
        context.facts["vocab_size"] = vocabSize
        context.facts["context_length"] = contextLength
    }

    public func makeTokenizer(trainingTexts: () throws -> [String]) throws -> BPETokenizer { tokenizer }

    /// Parses a CLIP merges file into a tokenizer (token strings use CLIP's byte → unicode table).
    public static func load(_ url: URL, contextLength: Int) throws -> BPETokenizer {
        let bytes = try Gzip.readAll(url)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw DataError(file: url.path, "the merges file is not valid UTF-8; it should be CLIP's bpe_simple_vocab_16e6.txt(.gz)")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { throw DataError(file: url.path, "the merges file is empty") }
        lines.removeFirst()   // version header
        var pairs: [(Substring, Substring, Int)] = []
        for (k, line) in lines.enumerated() {
            if pairs.count == maxMerges { break }
            let parts = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            if parts.isEmpty { continue }
            guard parts.count == 2 else {
                throw DataError(file: url.path, line: k + 2, "expected two tokens separated by a space, found \(parts.count); is this a CLIP merges file?")
            }
            pairs.append((parts[0], parts[1], k + 2))
        }
        // CLIP's vocabulary: 256 byte characters, the same with </w>, one string per merge; the
        // encoder maps each string to its last position.
        var encoder: [String: Int32] = [:]
        for k in 0..<256 {
            let ch = String(CLIPText.byteToUnicode[Int(CLIPText.byteOrder[k])])
            encoder[ch] = Int32(k)
            encoder[ch + "</w>"] = Int32(256 + k)
        }
        for (r, p) in pairs.enumerated() { encoder[String(p.0) + String(p.1)] = BPETokenizer.firstMergeID + Int32(r) }
        var merges: [BPETokenizer.Merge] = []
        merges.reserveCapacity(pairs.count)
        for p in pairs {
            guard let l = encoder[String(p.0)], let r = encoder[String(p.1)] else {
                throw DataError(file: url.path, line: p.2, "merge '\(p.0) \(p.1)' uses a token that neither the byte alphabet nor any merge line defines")
            }
            merges.append(BPETokenizer.Merge(left: l, right: r, result: encoder[String(p.0) + String(p.1)]!))
        }
        return try BPETokenizer(merges: merges, vocabSize: 512 + merges.count + 2, contextLength: contextLength, kind: "clip-bpe")
    }
}
