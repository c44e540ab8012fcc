import Testing
import Tensor
import TestSupport

/// The checker itself must be able to fail, or every gradient test above would be a tautology.
@Suite("Gradient checker")
struct GradCheckerTests {
    @Test func detectsAWrongGradient() {
        // x.detached() · x has a true derivative of 2x but the graph only sees x.
        let x = randomInput([2, 3], seed: 70)
        let r = checkGradients([x]) { t in t[0].detached() * t[0] }
        #expect(!r.passed)
        #expect(r.worstInput == 0 && r.worstIndex.count == 2)
        #expect(abs(r.numeric - 2 * r.analytic) < 1e-2 * abs(r.numeric) + 1e-3)
        #expect(r.description.contains("MISMATCH"))
    }

    @Test func detectsAGradientOffByOnePercent() {
        let x = randomUniformInput([4], low: 1, high: 2, seed: 71)
        let r = checkGradients([x]) { t in t[0] * 1.05 - t[0].detached() * 0.05 + t[0].detached() * 0 }
        // analytic 1.05 vs numeric 1.0: outside atol 1e-3 + rtol 1e-2
        #expect(!r.passed, "\(r)")
    }

    @Test func passesACorrectGradientAndReportsElements() {
        let a = randomInput([3, 2], seed: 72), b = randomTensor([3, 2], seed: 73)
        let r = checkGradients([a, b]) { $0[0] * $0[1] }
        #expect(r.passed && r.checkedElements == 6, "\(r)")
        #expect(a.grad != nil)
    }

    @Test func samplesLargeInputs() {
        let a = randomInput([50, 40], seed: 74)
        let r = checkGradients([a], maxElementsPerInput: 25) { $0[0].tanh() }
        #expect(r.passed && r.checkedElements == 25, "\(r)")
    }

    @Test func refusesDisconnectedOutputs() {
        let a = randomTensor([2], seed: 75)
        #expect(!checkGradients([a]) { $0[0] * 2 }.passed)
        let b = randomInput([2], seed: 76)
        let r = checkGradients([b]) { _ in Tensor.ones([2]) }
        #expect(!r.passed && !r.notes.isEmpty)
    }

    @Test func unravelIndex() {
        #expect(unravel(0, [3, 4]) == [0, 0] && unravel(7, [3, 4]) == [1, 3] && unravel(23, [2, 3, 4]) == [1, 2, 3])
    }
}
