import Data
import Foundation
import NN
import Testing
@testable import ALIP

/// `alip bench eval`'s phases run over a whole manifest and produce real retrieval numbers (speed is
/// measured by the benchmark itself, never asserted here).
@Suite struct EvalBenchmarkTests {
    @Test func encodesEveryRowAndScoresRetrieval() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("evalbench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let paths = try DigitScenes.ensure(at: folder, train: 1, test: 37, seed: 4)
        let config = CLIPConfig(embedDim: 16,
                                vision: .init(imageSize: 32, patchSize: 8, width: 16, layers: 1, headWidth: 8),
                                text: .init(contextLength: 16, vocabSize: 600, width: 16, layers: 1, heads: 2))
        let bench = try EvalBenchmark(manifest: paths.test, config: config)
        let r = try bench.run(repeats: 2)
        #expect(r.rows == 37)
        #expect(r.timings.count == 2)
        #expect(r.timings.allSatisfy { $0.encodeImages > 0 && $0.encodeTexts > 0 && $0.retrieval >= 0 })
        #expect(Set(r.recall.keys) == ["i2t.r1", "i2t.r5", "i2t.r10", "t2i.r1", "t2i.r5", "t2i.r10"])
        // The recall is the one the retrieval evaluator's ranking computes on the same features.
        let encoded = try ModelEvaluation.encodeManifest(paths.test, model: bench.model, tokenizer: bench.tokenizer, imageSize: 32)
        let texts = ModelEvaluation.encodeTexts(encoded.texts["raw"]!, model: bench.model, tokenizer: bench.tokenizer)
        let (i2t, _) = RankingMetrics.retrievalRanks(images: encoded.features, texts: texts, textImage: Array(0..<37))
        #expect(r.recall["i2t.r5"] == RankingMetrics.recall(ranks: i2t, ks: [5])[5])
    }
}
