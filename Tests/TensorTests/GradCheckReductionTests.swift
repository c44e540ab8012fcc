import Testing
import Tensor
import TestSupport

/// Finite-difference checks of reductions and the softmax family.
@Suite("Gradients: reductions")
struct GradCheckReductionTests {
    @Test func sumAndMeanOverAxes() {
        let x = randomInput([3, 5, 7], seed: 20)
        let cases: [NamedOp] = [
            ("sum all", { $0[0].sum() }), ("sum 0", { $0[0].sum(axes: [0]) }),
            ("sum 1 keep", { $0[0].sum(axes: [1], keepDims: true) }), ("sum -1", { $0[0].sum(axes: [-1]) }),
            ("sum 0,2", { $0[0].sum(axes: [0, 2]) }), ("mean all", { $0[0].mean() }),
            ("mean 1", { $0[0].mean(axes: [1]) }), ("mean 0,2 keep", { $0[0].mean(axes: [0, 2], keepDims: true) }),
        ]
        for (name, f) in cases {
            let r = checkGradients([x], f)
            #expect(r.passed, "\(name): \(r)")
        }
    }

    @Test func amaxOverAxes() {
        // Distinct values at least 0.1 apart: a near-tie closer than the step would make the function
        // non-differentiable there and the difference quotient meaningless.
        var g = RandomGenerator(seed: 21)
        let x = Tensor(shape: [3, 5, 7], data: g.permutation(105).map { Float($0) * 0.1 - 5 }, requiresGrad: true)
        for axis in [0, 1, -1] {
            let r = checkGradients([x]) { $0[0].amax(axis: axis) }
            #expect(r.passed, "axis \(axis): \(r)")
        }
        let r = checkGradients([x]) { $0[0].amax(axis: 1, keepDims: true) }
        #expect(r.passed, "\(r)")
    }

    @Test func amaxWithTwoWayTies() {
        // Tied maxima share the gradient, which is also what central differences measure for two-way ties.
        let x = Tensor(shape: [3, 4], data: [1, 3, 3, -1, 0.5, 2, 0.2, 2, 5, 4, 3, 2], requiresGrad: true)
        let r = checkGradients([x]) { $0[0].amax(axis: 1) }
        #expect(r.passed, "\(r)")
        let c = Tensor(shape: [2, 2], data: [1, 2, 1, 0], requiresGrad: true)   // column 0 ties
        let r2 = checkGradients([c]) { $0[0].amax(axis: 0) * 2 }
        #expect(r2.passed, "\(r2)")
    }

    @Test func softmaxAndLogSoftmax() {
        let x = randomInput([3, 5, 7], scale: 2, seed: 22)
        let r1 = checkGradients([x]) { $0[0].softmax() }
        #expect(r1.passed, "\(r1)")
        let r2 = checkGradients([x]) { $0[0].logSoftmax() }
        #expect(r2.passed, "\(r2)")
        let one = randomInput([1, 1], seed: 23)
        let r3 = checkGradients([one]) { $0[0].softmax() * 2 + $0[0] }
        #expect(r3.passed, "\(r3)")
    }
}
