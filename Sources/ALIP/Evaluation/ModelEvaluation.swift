import Data
import Foundation
import NN
import Tensor

/// Connects the evaluators to a model: an ``EvaluationContext`` whose image encoder reads a manifest with
/// the evaluation transforms (resize + center crop, CLIP normalisation) and whose text encoder uses the
/// run's tokenizer. The trainer (during and after training) and `alip eval CHECKPOINT` share it.
public enum ModelEvaluation {
    /// Rows encoded per forward pass.
    public static let batchSize = 256

    /// A caching context over `model` (switched to eval mode while it encodes, then back).
    public static func context(model: DualEncoder, tokenizer: BPETokenizer, imageSize: Int, baseDirectory: URL,
                               noiseRecord: NoiseRecord?, notes: @escaping (String) -> Void) -> CachedEvaluationContext {
        CachedEvaluationContext(
            baseDirectory: baseDirectory, noiseRecord: noiseRecord,
            encodeImages: { url in try encodeManifest(url, model: model, tokenizer: tokenizer, imageSize: imageSize) },
            encodeTexts: { texts in encodeTexts(texts, model: model, tokenizer: tokenizer) },
            noteSink: notes)
    }

    /// Every row of the manifest at `url`: normalised image features, labels, texts by field, image IDs.
    public static func encodeManifest(_ url: URL, model: DualEncoder, tokenizer: BPETokenizer,
                                      imageSize: Int) throws -> EncodedManifest {
        let dataset = try ManifestDataset(url: url, imageSize: imageSize)
        let loader = try dataset.evalLoader(tokenizer: tokenizer, batchSize: batchSize)
        defer { loader.shutdown() }
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var features: [Tensor] = []
        var labels: [Int] = []
        var texts: [String: [String]] = [:]
        var ids: [String] = []
        let pathOfRow = Dictionary(dataset.manifest.rows.map { ($0.index, $0.imagePath) }, uniquingKeysWith: { a, _ in a })
        try withoutGradients {
            while let batch = try loader.next() {
                features.append(model.encodeImage(batch.images, normalize: true))
                if let l = batch.labels { labels += l }
                for (field, values) in batch.texts { texts[field, default: []] += values }
                ids += batch.rows.map { pathOfRow[$0] ?? "row \($0)" }
            }
        }
        guard !features.isEmpty else {
            throw EvaluationError("\(url.path): no rows to evaluate (the manifest is empty or every row was skipped)")
        }
        let all = features.count == 1 ? features[0] : Tensor.concat(features, axis: 0)
        return EncodedManifest(features: all, labels: dataset.manifest.hasLabels ? labels : nil, texts: texts, imageIDs: ids)
    }

    /// Normalised text features of `texts`, in chunks of ``batchSize``.
    public static func encodeTexts(_ texts: [String], model: DualEncoder, tokenizer: BPETokenizer) -> Tensor {
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return withoutGradients {
            var parts: [Tensor] = []
            var start = 0
            while start < texts.count {
                let end = min(texts.count, start + batchSize)
                parts.append(model.encodeText(texts[start..<end].map { tokenizer.encode($0) }, normalize: true))
                start = end
            }
            if parts.isEmpty { return Tensor.zeros([0, model.embedDim]) }
            return parts.count == 1 ? parts[0] : Tensor.concat(parts, axis: 0)
        }
    }
}
