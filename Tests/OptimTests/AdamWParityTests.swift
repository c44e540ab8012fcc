import Checkpoint
import Foundation
import Optim
import Tensor
import TestSupport
import Testing

/// clip_grad_norm_(1.0) + one torch AdamW step (lr 1e-3, betas 0.9/0.98, eps 1e-6, wd 0.1) + the
/// logit_scale clamp, from `/params` and `/grads` to `/after_adamw` (fixtures/README.md).
@Suite struct AdamWParityTests {
    static func agree(_ a: Float, _ b: Float) -> Bool { Swift.abs(a - b) <= Swift.max(1e-6, 1e-4 * Swift.max(Swift.abs(a), Swift.abs(b))) }

    func step(_ params: NamedParameters) {
        let opt = AdamW(lr: 1e-3, betas: (0.9, 0.98), eps: 1e-6, weightDecay: 0.1)
        opt.step(params)
        clampLogitScale(in: params)
    }

    func compare(_ params: NamedParameters, _ file: HDF5File) throws -> Int {
        let after = try file.tensors(under: "/after_adamw")
        var checked = 0
        for (name, p) in params {
            guard let want = after[name] else { continue }
            #expect(want.shape == p.shape, "\(name)")
            let bad = zip(p.data, want.data).filter { !Self.agree($0, $1) }.count
            #expect(bad == 0, "\(name): \(bad) of \(p.count) elements differ")
            checked += 1
        }
        return checked
    }

    @Test func tinyAFullStep() throws {
        let file = try HDF5File(reading: FixturePaths.file("tiny-a.h5"))
        let values = try file.tensors(under: "/params"), grads = try file.tensors(under: "/grads")
        let params: NamedParameters = values.keys.sorted().map { name in
            let t = Tensor(shape: values[name]!.shape, data: values[name]!.data, requiresGrad: true)
            t.grad = grads[name]
            return (name, t)
        }
        #expect(grads.count == params.count && params.count == 62)
        let norm = clipGradNorm(params, maxNorm: 1)
        #expect(Self.agree(norm, try file.tensor("/expected/grad_norm_before_clip").item))
        step(params)
        #expect(try compare(params, file) == 62)
    }

    @Test func tiny128StoredSubset() throws {
        // Only a subset of gradients is stored, so the clip coefficient comes from the recorded total norm.
        let file = try HDF5File(reading: FixturePaths.file("tiny-128.h5"))
        let values = try file.tensors(under: "/params"), grads = try file.tensors(under: "/grads")
        let norm = try file.tensor("/expected/grad_norm_before_clip").item
        let coef = Swift.min(1, 1 / (norm + 1e-6))
        let params: NamedParameters = grads.keys.sorted().map { name in
            let t = Tensor(shape: values[name]!.shape, data: values[name]!.data, requiresGrad: true)
            t.grad = Tensor(shape: t.shape, data: grads[name]!.data.map { $0 * coef })
            return (name, t)
        }
        step(params)
        #expect(try compare(params, file) == 15)
    }
}
