import Foundation
import Tensor

/// An ``EvaluationContext`` over two encoding closures (what the trainer and `alip eval` supply from
/// the model and the data loader): runs them without gradients, L2-normalises their features, checks
/// their shapes, and encodes each manifest once however many evaluators read it.
public final class CachedEvaluationContext: EvaluationContext {
    /// Encodes a manifest's images: raw (not yet normalised) features `[N, D]` plus the row metadata.
    public typealias ImageEncoder = (URL) throws -> EncodedManifest
    /// Encodes strings: raw features `[count, D]`.
    public typealias TextEncoder = ([String]) throws -> Tensor

    public let baseDirectory: URL
    public let noiseRecord: NoiseRecord?
    private let imageEncoder: ImageEncoder
    private let textEncoder: TextEncoder
    private let noteSink: (String) -> Void
    private var cache: [URL: EncodedManifest] = [:]
    /// Notes reported so far, in order.
    public private(set) var notes: [String] = []

    /// A context over the given encoders. `noteSink` receives each note (default: standard error).
    public init(baseDirectory: URL, noiseRecord: NoiseRecord? = nil,
                encodeImages: @escaping ImageEncoder, encodeTexts: @escaping TextEncoder,
                noteSink: @escaping (String) -> Void = { FileHandle.standardError.write(Data(("note: " + $0 + "\n").utf8)) }) {
        self.baseDirectory = baseDirectory
        self.noiseRecord = noiseRecord
        self.imageEncoder = encodeImages
        self.textEncoder = encodeTexts
        self.noteSink = noteSink
    }

    public func encodeImages(manifest: URL) throws -> EncodedManifest {
        let key = manifest.standardizedFileURL
        if let hit = cache[key] { return hit }
        var encoded = try withoutGradients { try imageEncoder(manifest) }
        let f = encoded.features
        guard f.rank == 2, f.shape[0] == encoded.count else {
            throw EvaluationError("\(manifest.path): image features have shape \(f.shape) for \(encoded.count) rows; expected [\(encoded.count), D]")
        }
        if let labels = encoded.labels, labels.count != encoded.count {
            throw EvaluationError("\(manifest.path): \(labels.count) labels for \(encoded.count) rows")
        }
        for (field, column) in encoded.texts where column.count != encoded.count {
            throw EvaluationError("\(manifest.path): text field '\(field)' has \(column.count) entries for \(encoded.count) rows")
        }
        encoded.features = withoutGradients { f.l2Normalized().detached() }
        cache[key] = encoded
        return encoded
    }

    public func encodeTexts(_ texts: [String]) throws -> Tensor {
        let t = try withoutGradients { try textEncoder(texts) }
        guard t.rank == 2, t.shape[0] == texts.count else {
            throw EvaluationError("text features have shape \(t.shape) for \(texts.count) strings; expected [\(texts.count), D]")
        }
        return withoutGradients { t.l2Normalized().detached() }
    }

    public func note(_ message: String) {
        notes.append(message)
        noteSink(message)
    }
}
