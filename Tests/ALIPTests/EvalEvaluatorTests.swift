import Foundation
import Testing
import Tensor
@testable import ALIP

/// A fake model: manifests and text embeddings from tables, through the real CachedEvaluationContext.
private final class FakeModel {
    var manifests: [String: EncodedManifest] = [:]
    var textTable: [String: [Float]] = [:]
    var imageCalls = 0
    var noise: NoiseRecord?
    let base = URL(fileURLWithPath: "/tmp/alip-eval-fake")

    func context() -> CachedEvaluationContext {
        CachedEvaluationContext(baseDirectory: base, noiseRecord: noise, encodeImages: { [unowned self] url in
            self.imageCalls += 1
            guard let m = self.manifests[url.lastPathComponent] else { throw EvaluationError("\(url.path): no such manifest") }
            return m
        }, encodeTexts: { [unowned self] texts in
            let rows = try texts.map { t -> [Float] in
                guard let v = self.textTable[t] else { throw EvaluationError("unknown text \(t)") }
                return v
            }
            return Tensor(shape: [texts.count, rows.first?.count ?? 0], data: rows.flatMap { $0 })
        }, noteSink: { _ in })
    }
}

private func manifest(_ rows: [[Float]], labels: [Int]? = nil, texts: [String: [String]] = [:], ids: [String]? = nil) -> EncodedManifest {
    EncodedManifest(features: Tensor(shape: [rows.count, rows[0].count], data: rows.flatMap { $0 }), labels: labels,
                    texts: texts, imageIDs: ids ?? rows.indices.map { "img\($0).png" })
}

private func angle(_ degrees: Double) -> [Float] {
    [Float(cos(degrees * .pi / 180)), Float(sin(degrees * .pi / 180))]
}

@Suite struct EvalEvaluatorTests {
    let registry = Registry(origin: "test", EvaluationComponents.entries)

    private func build(_ values: [String: ConfigValue], base: URL = URL(fileURLWithPath: "/tmp/alip-eval-fake")) throws -> any Evaluator {
        let ctx = BuildContext(registry: registry, baseDirectory: base, seed: 0)
        return try ctx.build(.evaluator, .map(values), path: "data.eval[0]", as: (any Evaluator).self)
    }

    @Test func retrievalWithTwoCaptionsPerImage() throws {
        let model = FakeModel()
        let i0: [Float] = [1, 0, 0], i1: [Float] = [0, 1, 0], i2: [Float] = [0, 0, 1]
        // Rows interleave the images; each image has two caption rows.
        model.manifests["test.tsv"] = manifest([i0, i1, i0, i2, i1, i2],
                                               texts: ["caption": ["c00", "c10", "c01", "c20", "c11", "c21"]],
                                               ids: ["a", "b", "a", "c", "b", "c"])
        model.textTable = ["c00": [1, 0, 0], "c01": [0, 1, 0], "c10": [0.6, 0.8, 0], "c11": [0, 0.6, 0.8],
                           "c20": [0, 0, 1], "c21": [0.8, 0, 0.6]]
        let e = try build(["type": .string("retrieval"), "path": .string("test.tsv")])
        let m = try e.evaluate(model.context())
        // i2t ranks: a → c00 first (0); b → best caption c10 behind c01 (1); c → c20 first (0).
        // t2i ranks: c00 0, c10 0, c01 1 (b ahead; c ties a and ranks after it), c20 0, c11 1, c21 1.
        #expect(m["retrieval.i2t.r1"] == 2.0 / 3)
        #expect(m["retrieval.i2t.r5"] == 1)
        #expect(m["retrieval.t2i.r1"] == 0.5)
        #expect(m["retrieval.t2i.r10"] == 1)
        #expect(m.count == 6)
    }

    @Test func retrievalReportsAMissingTextColumn() throws {
        let model = FakeModel()
        model.manifests["test.tsv"] = manifest([[1, 0]], texts: ["raw": ["x"]])
        let e = try RetrievalEvaluator(manifest: URL(fileURLWithPath: "/d/test.tsv"), textField: "caption")
        let error = #expect(throws: EvaluationError.self) { try e.evaluate(model.context()) }
        #expect(error?.message.contains("/d/test.tsv") == true)
        #expect(error?.message.contains("text_field") == true && error?.message.contains("raw") == true)
    }

    @Test func zeroShotUsesTheNormalisedMeanOfNormalisedTemplates() throws {
        let model = FakeModel()
        // "the cat" is unnormalised: averaging raw vectors would turn the cat class to 33.7°, but the
        // normalised mean points at 18.4°; the image at 50° (a dog, whose class is at 71.6°) is a hit only
        // with normalisation.
        model.textTable = ["a cat": [1, 0], "the cat": [8, 6], "a dog": [0, 1], "the dog": [0.6, 0.8]]
        model.manifests["test.tsv"] = manifest([angle(0), angle(90), angle(50), angle(10)], labels: [0, 1, 1, 1])
        let e = try build(["type": .string("zero-shot"), "path": .string("test.tsv"),
                           "classnames": .list([.string("cat"), .string("dog")]),
                           "templates": .list([.string("a {}"), .string("the {}")]), "ks": .list([.int(1), .int(2)])])
        let ctx = model.context()
        let m = try e.evaluate(ctx)
        #expect(m["zero-shot.top1"] == 0.75)
        #expect(m["zero-shot.top2"] == 1)
        #expect(ctx.notes.contains { $0.contains("top-2") })
    }

    @Test func zeroShotDefaultsAndErrors() throws {
        let e = try #require(try build(["type": .string("zero-shot"), "path": .string("data/test.tsv")]) as? ZeroShotEvaluator)
        #expect(e.classnames.count == 10 && e.classnames[3] == "three")
        #expect(e.templates == ["a photo of the digit {}."])
        #expect(e.manifest.path == "/tmp/alip-eval-fake/data/test.tsv")
        let bad = #expect(throws: ComponentError.self) {
            try build(["type": .string("zero-shot"), "path": .string("t.tsv"), "templates": .list([.string("a photo")])])
        }
        #expect(bad?.path == "data.eval[0].templates")
        let model = FakeModel()
        model.manifests["t.tsv"] = manifest([[1, 0]], labels: [12])
        model.textTable = Dictionary(uniqueKeysWithValues: ZeroShotEvaluator.digitWords.map { ("a photo of the digit \($0).", [1, 0]) })
        let z = try ZeroShotEvaluator(manifest: URL(fileURLWithPath: "/x/t.tsv"))
        let err = #expect(throws: EvaluationError.self) { try z.evaluate(model.context()) }
        #expect(err?.message.contains("label 12") == true)
    }

    @Test func linearProbeOnSeparableFeatures() throws {
        let model = FakeModel()
        var train: [[Float]] = [], trainLabels: [Int] = []
        for i in 0..<30 { train.append(angle(Double(i % 3) * 120 + Double(i / 3) - 5)); trainLabels.append(i % 3) }
        model.manifests["train.tsv"] = manifest(train, labels: trainLabels)
        // The last test point sits on class 0 but is labelled 1: exactly one miss.
        model.manifests["test.tsv"] = manifest([angle(3), angle(118), angle(245), angle(2)], labels: [0, 1, 2, 1])
        let e = try build(["type": .string("linear-probe"), "train_path": .string("train.tsv"), "path": .string("test.tsv"),
                           "name": .string("probe")])
        let m = try e.evaluate(model.context())
        #expect(m["probe.train_top1"] == 1)
        #expect(m["probe.top1"] == 0.75)
        model.manifests["nolabels.tsv"] = manifest([[1, 0]])
        let p = try LinearProbeEvaluator(trainManifest: URL(fileURLWithPath: "/x/nolabels.tsv"), manifest: URL(fileURLWithPath: "/x/test.tsv"))
        #expect(throws: EvaluationError.self) { try p.evaluate(model.context()) }
    }

    @Test func noiseDetectionMetricsAndSkips() throws {
        let model = FakeModel()
        let e = try build(["type": .string("noise-detection")])
        let none = model.context()
        #expect(try e.evaluate(none).isEmpty)
        #expect(none.notes.count == 1 && none.notes[0].contains("skipped"))
        model.noise = try NoiseRecord(weights: [0.5, 0.5], corrupted: [false, false])
        let clean = model.context()
        #expect(try e.evaluate(clean).isEmpty)
        #expect(clean.notes[0].contains("no injected noise"))
        var record = try NoiseRecord(weights: [0.1, 0.9], corrupted: [true, false])
        try record.append(weights: [0.2, 0.8, 0.5], corrupted: [true, false, false])
        model.noise = record
        let m = try e.evaluate(model.context())
        #expect(m["noise-detection.auc"] == 1)
        #expect(m["noise-detection.precision"] == 1 && m["noise-detection.recall"] == 1)
        #expect(m["noise-detection.noise_rate"] == 0.4)
        #expect(abs(m["noise-detection.mean_weight_corrupted"]! - 0.15) < 1e-7)
        #expect(abs(m["noise-detection.mean_weight_clean"]! - 2.2 / 3) < 1e-7)
        #expect(throws: EvaluationError.self) { try record.append(weights: [1], corrupted: []) }
    }

    @Test func contextNormalisesAndEncodesEachManifestOnce() throws {
        let model = FakeModel()
        model.manifests["test.tsv"] = manifest([[3, 4], [0, 2]], labels: [0, 1], texts: ["caption": ["p", "q"]])
        model.textTable = ["p": [3, 4], "q": [0, 2]]
        let ctx = model.context()
        let url = URL(fileURLWithPath: "/tmp/alip-eval-fake/test.tsv")
        let a = try ctx.encodeImages(manifest: url)
        _ = try ctx.encodeImages(manifest: url)
        #expect(model.imageCalls == 1)
        #expect(a.features.data == [0.6, 0.8, 0, 1])
        #expect(try ctx.encodeTexts(["p"]).data == [0.6, 0.8])
        model.manifests["bad.tsv"] = EncodedManifest(features: Tensor(shape: [1, 2], data: [1, 0]), labels: [0, 1], texts: [:], imageIDs: ["x"])
        #expect(throws: EvaluationError.self) { try ctx.encodeImages(manifest: URL(fileURLWithPath: "/b/bad.tsv")) }
    }

    @Test func suiteRunsEveryEvaluatorAndRejectsDuplicateNames() throws {
        let model = FakeModel()
        model.manifests["test.tsv"] = manifest([[1, 0], [0, 1]], labels: [0, 1], texts: ["caption": ["x", "y"]])
        model.textTable = ["x": [1, 0], "y": [0, 1], "a photo of the digit zero.": [1, 0], "a photo of the digit one.": [0, 1]]
        let ctx = BuildContext(registry: registry, baseDirectory: model.base, seed: 0)
        let suite = try EvaluationSuite(configs: [
            .map(["type": .string("retrieval"), "path": .string("test.tsv"), "ks": .list([.int(1)])]),
            .map(["type": .string("zero-shot"), "path": .string("test.tsv"),
                  "classnames": .list([.string("zero"), .string("one")]), "ks": .list([.int(1)])]),
        ], context: ctx)
        let m = try suite.run(model.context())
        #expect(m == ["retrieval.i2t.r1": 1, "retrieval.t2i.r1": 1, "zero-shot.top1": 1])
        #expect(model.imageCalls == 1)
        let r = try RetrievalEvaluator(manifest: URL(fileURLWithPath: "/t.tsv"))
        #expect(throws: EvaluationError.self) { try EvaluationSuite([r, r]) }
    }

    @Test func componentsDeclareTheirParameters() throws {
        #expect(EvaluationComponents.entries.map { $0.1.typeName } == ["retrieval", "zero-shot", "linear-probe", "noise-detection"])
        for (slot, type) in EvaluationComponents.entries {
            #expect(slot == .evaluator)
            #expect(type.parameters.contains { $0.name == "name" })
            #expect(type.parameters.allSatisfy { !$0.doc.isEmpty })
        }
        #expect(throws: ComponentError.self) { try build(["type": .string("retrieval"), "path": .string("t"), "ks": .list([])]) }
    }
}
