import Components
import Foundation

/// The `bpe` tokenizer component: a byte-level BPE tokenizer trained from the training manifest's
/// texts (`makeTokenizer(trainingTexts:)`), or loaded from a saved one (`path`).
public struct BPETokenizerSpec: TokenizerSpec, Component {
    public static let typeName = "bpe"
    public static let summary = "byte-level BPE (CLIP layout) trained from the training texts, or loaded from path"
    /// The vocabulary size used when neither the recipe nor a saved file gives one.
    public static let defaultVocabSize = 2048
    public static let parameters: [ParameterSpec] = [
        ParameterSpec("vocab_size", .int, default: nil, range: 514...1_000_000, optional: true,
                      doc: "ids in the vocabulary incl. 512 byte ids and SOT/EOT (default 2048, or the saved file's)"),
        ParameterSpec("context_length", .int, default: .int(77), range: 2...4096, doc: "tokens per row (SOT … EOT, zero padded)"),
        ParameterSpec("path", .file, default: nil, optional: true, doc: "load a tokenizer saved as JSON instead of training one"),
        ParameterSpec("min_frequency", .int, default: .int(2), range: 1...1_000_000, doc: "a pair must occur this often to be merged"),
    ]

    public let vocabSize: Int
    public let contextLength: Int
    public let minFrequency: Int
    /// The saved tokenizer, when `path` was given.
    public let loaded: BPETokenizer?

    /// A spec that trains a tokenizer of `vocabSize` ids.
    public init(vocabSize: Int = BPETokenizerSpec.defaultVocabSize, contextLength: Int = 77, minFrequency: Int = 2) {
        self.vocabSize = vocabSize
        self.contextLength = contextLength
        self.minFrequency = minFrequency
        self.loaded = nil
    }

    /// A spec that uses a saved tokenizer (its row length replaced by `contextLength`).
    public init(loading url: URL, contextLength: Int = 77, expectedVocabSize: Int? = nil) throws {
        let t = try BPETokenizer.load(from: url).withContextLength(contextLength)
        if let v = expectedVocabSize, v != t.vocabSize {
            throw DataError(file: url.path, "the saved tokenizer has vocab_size \(t.vocabSize) but the recipe sets \(v); set vocab_size: \(t.vocabSize) or remove it")
        }
        self.vocabSize = t.vocabSize
        self.contextLength = contextLength
        self.minFrequency = 2
        self.loaded = t
    }

    public init(config: ComponentConfig, context: BuildContext) throws {
        let ctx = config.int("context_length")
        if let p = config.optionalString("path") {
            do { try self.init(loading: context.resolve(path: p), contextLength: ctx, expectedVocabSize: config.optionalInt("vocab_size")) }
            catch let e as DataError { throw ComponentError(path: config.path + ".path", e.description) }
        } else {
            self.init(vocabSize: config.optionalInt("vocab_size") ?? Self.defaultVocabSize, contextLength: ctx,
                      minFrequency: config.int("min_frequency"))
        }
        context.facts["vocab_size"] = vocabSize
        context.facts["context_length"] = contextLength
    }

    public func makeTokenizer(trainingTexts: () throws -> [String]) throws -> BPETokenizer {
        if let t = loaded { return t }
        let merges = BPETrainer.train(texts: try trainingTexts(), vocabSize: vocabSize, minFrequency: minFrequency)
        return try BPETokenizer(merges: merges, vocabSize: vocabSize, contextLength: contextLength, kind: "bpe")
    }
}
