import Testing
import Tensor
import TestSupport

/// Finite-difference checks of the elementwise ops, on odd shapes and with broadcasting.
@Suite("Gradients: elementwise")
struct GradCheckElementwiseTests {
    @Test func addSubMulDivSameShape() {
        let a = randomInput([3, 5, 7], seed: 1)
        let b = randomUniformInput([3, 5, 7], low: 0.5, high: 2, seed: 2)
        let ops: [NamedOp] = [("add", { $0[0] + $0[1] }), ("sub", { $0[0] - $0[1] }),
                              ("mul", { $0[0] * $0[1] }), ("div", { $0[0] / $0[1] })]
        for (name, f) in ops {
            let r = checkGradients([a, b], f)
            #expect(r.passed, "\(name): \(r)")
        }
    }

    @Test func broadcasting315And41() {
        let a = randomInput([3, 1, 5], seed: 3)
        let b = randomUniformInput([4, 1], low: 0.5, high: 2, seed: 4)
        let ops: [NamedOp] = [("add", { $0[0] + $0[1] }), ("sub", { $0[0] - $0[1] }), ("mul", { $0[0] * $0[1] }),
                              ("div", { $0[0] / $0[1] }), ("rdiv", { $0[1] / ($0[0] * $0[0] + 1) })]
        for (name, f) in ops {
            let r = checkGradients([a, b], f)
            #expect(r.passed, "\(name): \(r)")
        }
    }

    @Test func broadcastingScalarAndRowColumn() {
        let s = randomInput([], seed: 5), row = randomInput([1, 6], seed: 6), col = randomInput([3, 1], seed: 7)
        let r = checkGradients([s, row, col]) { x in (x[0] * x[1] + x[2]) * x[2] - x[0] }
        #expect(r.passed, "\(r)")
    }

    @Test func scalarOps() {
        let a = randomInput([2, 3], seed: 8)
        let r = checkGradients([a]) { x in ((x[0] + 1.5) * 2 - 0.5) / 4 + (3 - x[0]) * 0.25 + 2 * -x[0] }
        #expect(r.passed, "\(r)")
    }

    @Test func unaryOps() {
        let x = randomInput([3, 5, 7], seed: 9)
        let ops: [NamedOp] = [("exp", { $0[0].exp() }), ("tanh", { $0[0].tanh() }), ("sigmoid", { $0[0].sigmoid() }),
                              ("gelu", { $0[0].gelu() }), ("quickGelu", { $0[0].quickGelu() }),
                              ("square", { $0[0].square() }), ("neg", { -$0[0] })]
        for (name, f) in ops {
            let r = checkGradients([x], f)
            #expect(r.passed, "\(name): \(r)")
        }
    }

    @Test func logAndSqrtOnPositiveInputs() {
        let x = randomUniformInput([4, 3], low: 0.3, high: 3, seed: 10)
        #expect(checkGradients([x]) { $0[0].log() }.passed)
        let r = checkGradients([x]) { $0[0].sqrt() }
        #expect(r.passed, "\(r)")
    }

    /// Inputs kept ≥ 0.05 away from the kink (the step is 1e-2) so the difference quotient is defined.
    static func awayFromKinks(_ shape: [Int], kinks: [Float], seed: UInt64) -> Tensor {
        let x = randomInput(shape, seed: seed)
        for i in 0..<x.count { for k in kinks where abs(x.data[i] - k) < 0.05 { x.data[i] = k + 0.1 } }
        return x
    }

    @Test func reluAndClamp() {
        let x = Self.awayFromKinks([5, 7], kinks: [0, -0.5, 0.7], seed: 11)
        let r1 = checkGradients([x]) { $0[0].relu() }
        #expect(r1.passed, "\(r1)")
        let r2 = checkGradients([x]) { $0[0].clamp(min: -0.5, max: 0.7) }
        #expect(r2.passed, "\(r2)")
        let r3 = checkGradients([x]) { $0[0].clamp(min: 0) * 3 }
        #expect(r3.passed, "\(r3)")
        // outside the interval the gradient is exactly zero, inside it is one
        x.zeroGrad()
        x.clamp(min: -0.5, max: 0.7).sum().backward()
        #expect(x.grad!.data == x.data.map { $0 >= -0.5 && $0 <= 0.7 ? 1 : 0 })
    }

    @Test func whereAndMaskedFill() {
        let a = randomInput([3, 4], seed: 12), b = randomInput([3, 4], seed: 13)
        var g = RandomGenerator(seed: 14)
        let mask = (0..<12).map { _ in g.nextUniform() < 0.5 }
        let r = checkGradients([a, b]) { x in Tensor.where(mask, x[0], x[1]) * x[0] }
        #expect(r.passed, "\(r)")
        let r2 = checkGradients([a]) { x in x[0].maskedFill(mask, -3).exp() }
        #expect(r2.passed, "\(r2)")
        a.zeroGrad()
        a.maskedFill(mask, 0).sum().backward()
        #expect(a.grad!.data == mask.map { $0 ? 0 : 1 })
    }
}
