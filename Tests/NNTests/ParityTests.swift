import Checkpoint
import Foundation
import Testing
import Tensor
import TestSupport
@testable import NN

/// A fixture file with the model its `config` attribute describes, loaded strictly from `/params`.
private struct Fixture {
    let file: HDF5File
    let config: CLIPConfig
    let model: DualEncoder

    init(_ name: String) throws {
        let url = FixturePaths.file(name)
        file = try HDF5File(reading: url)
        config = try JSONDecoder().decode(CLIPConfig.self, from: Data(try file.stringAttribute("config").utf8))
        try config.validate()
        var g = RandomGenerator(seed: 0)
        model = DualEncoder(config: config, generator: &g)
        try loadParameters(try file.tensors(under: "/params"), into: model.namedParameters(), file: url)
    }

    /// `[B][context]` token rows from an int32 dataset.
    func tokens(_ path: String) throws -> [[Int32]] {
        let (shape, values) = try file.int32s(path)
        try #require(shape.count == 2)
        return (0..<shape[0]).map { Array(values[($0 * shape[1])..<(($0 + 1) * shape[1])]) }
    }
}

/// Checks `|a − e| ≤ rtol · max(|e|, nearZero · max|E|)` for every element: 1e-4 relative, where
/// elements much smaller than the tensor's largest (dot products that cancel) are held to the
/// tensor's own scale, since float32 round-off grows with the terms summed, not with the result.
/// Returns the norm-wise relative error ‖a − e‖ / ‖e‖ for the report.
@discardableResult
private func expectClose(_ actual: Tensor, _ expected: Tensor, _ what: String, rtol: Double = 1e-4, nearZero: Double = 0.05,
                         sourceLocation: SourceLocation = #_sourceLocation) -> Double {
    #expect(actual.shape == expected.shape, "\(what): shape \(actual.shape) vs \(expected.shape)", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return .infinity }
    let scale = expected.data.reduce(0.0) { max($0, abs(Double($1))) }
    let floor = max(nearZero * scale, 1e-30)
    var worst = 0.0, worstIndex = 0, diff2 = 0.0, ref2 = 0.0
    for i in 0..<actual.count {
        let a = Double(actual.data[i]), e = Double(expected.data[i])
        let ratio = abs(a - e) / (rtol * max(abs(e), floor))
        if ratio > worst { worst = ratio; worstIndex = i }
        diff2 += (a - e) * (a - e); ref2 += e * e
    }
    #expect(worst <= 1, "\(what): element \(worstIndex) is \(actual.data[worstIndex]), expected \(expected.data[worstIndex])",
            sourceLocation: sourceLocation)
    let normRel = ref2 > 0 ? (diff2 / ref2).squareRoot() : diff2.squareRoot()
    return normRel
}

/// One ALIP path's adaptive loss (deepglint/ALIP loss.py, world size 1), with constant weights:
/// L(P, w) = mean_i ws_i · w_i · (CE(logits_i·, i) + CE(logits_·i, i)) / 2, logits = exp(logit_scale)·V Pᵀ.
private func adaptiveLoss(_ model: DualEncoder, _ v: Tensor, _ p: Tensor, sample: Tensor, pair: Tensor) -> Tensor {
    let n = v.shape[0], labels = Array(0..<n)
    let perImage = Tensor.crossEntropy(model.logits(v, p), targets: labels, reduction: .none)
    let perText = Tensor.crossEntropy(model.logits(p, v), targets: labels, reduction: .none)
    let weights = Tensor(shape: [n], data: (0..<n).map { sample.data[$0] * pair.data[$0] / Float(2 * n) })
    return ((perImage + perText) * weights).sum()
}

@Suite("open_clip parity", .serialized)
struct ParityTests {
    @Test(arguments: ["tiny-a.h5", "tiny-128.h5"])
    func namesMatchTheStateDictExactly(_ name: String) throws {
        let f = try Fixture(name)
        let stored = Set(try f.file.tensors(under: "/params").keys)
        #expect(Set(f.model.namedParameters().map(\.name)) == stored)
        #expect(f.model.namedParameters().count == stored.count)
    }

    @Test func strictLoadRejectsAMismatchedConfig() throws {
        let url = FixturePaths.file("tiny-a.h5")
        let file = try HDF5File(reading: url)
        var config = try JSONDecoder().decode(CLIPConfig.self, from: Data(try file.stringAttribute("config").utf8))
        config.text.layers = 1
        config.vision.patchSize = 4
        var g = RandomGenerator(seed: 0)
        let model = DualEncoder(config: config, generator: &g)
        #expect(throws: ParameterLoadError.self) {
            try loadParameters(try file.tensors(under: "/params"), into: model.namedParameters(), file: url)
        }
    }

    @Test(arguments: ["tiny-a.h5", "tiny-128.h5"])
    func forwardMatchesOpenCLIP(_ name: String) throws {
        let f = try Fixture(name)
        let images = try f.file.tensor("/inputs/images")
        let raw = try f.tokens("/inputs/raw_tokens"), caption = try f.tokens("/inputs/caption_tokens")
        let (v, t, c, scale) = withoutGradients {
            (f.model.encodeImage(images, normalize: true), f.model.encodeText(raw, normalize: true),
             f.model.encodeText(caption, normalize: true), f.model.logitScaleExp)
        }
        var worst = 0.0
        worst = max(worst, expectClose(v, try f.file.tensor("/expected/image_features"), "\(name) image_features"))
        worst = max(worst, expectClose(t, try f.file.tensor("/expected/raw_features"), "\(name) raw_features"))
        worst = max(worst, expectClose(c, try f.file.tensor("/expected/caption_features"), "\(name) caption_features"))
        worst = max(worst, expectClose(scale, try f.file.tensor("/expected/logit_scale_exp"), "\(name) logit_scale_exp"))
        let lr = withoutGradients { f.model.logits(v, t) }, lc = withoutGradients { f.model.logits(v, c) }
        worst = max(worst, expectClose(lr, try f.file.tensor("/expected/logits_per_image_raw"), "\(name) logits_per_image_raw"))
        worst = max(worst, expectClose(lc, try f.file.tensor("/expected/logits_per_image_caption"), "\(name) logits_per_image_caption"))
        print("parity \(name) forward: worst norm-relative error \(worst)")
    }

    @Test(arguments: ["tiny-a.h5", "tiny-128.h5"])
    func alipGradientsMatchOpenCLIP(_ name: String) throws {
        let f = try Fixture(name)
        let images = try f.file.tensor("/inputs/images")
        let raw = try f.tokens("/inputs/raw_tokens"), caption = try f.tokens("/inputs/caption_tokens")
        let ws = try f.file.tensor("/expected/weight_sample")
        let wt = try f.file.tensor("/expected/weight_raw"), wc = try f.file.tensor("/expected/weight_caption")

        f.model.zeroGrad()
        let v = f.model.encodeImage(images, normalize: true)
        let t = f.model.encodeText(raw, normalize: true), c = f.model.encodeText(caption, normalize: true)
        let loss = adaptiveLoss(f.model, v, t, sample: ws, pair: wt) + adaptiveLoss(f.model, v, c, sample: ws, pair: wc)
        var worst = expectClose(loss, try f.file.tensor("/expected/loss_alip"), "\(name) loss_alip")
        loss.backward()

        let stored = try f.file.members(of: "/grads")
        if name == "tiny-a.h5" { #expect(stored.count == f.model.namedParameters().count) } else { #expect(stored.count >= 10) }
        var checked = 0
        for (pname, p) in f.model.namedParameters() where stored.contains(pname) {
            let g = try #require(p.grad, "no gradient reached \(pname)")
            worst = max(worst, expectClose(g, try f.file.tensor("/grads/\(pname)"), "\(name) grad \(pname)"))
            checked += 1
        }
        #expect(checked == stored.count)
        print("parity \(name) gradients (\(checked) tensors): worst norm-relative error \(worst)")
        f.model.zeroGrad()
    }
}
