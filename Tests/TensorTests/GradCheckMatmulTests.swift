import Testing
import Tensor
import TestSupport

/// Finite-difference checks of matmul: every transpose flag combination, non-square, batch 1, folded.
@Suite("Gradients: matmul")
struct GradCheckMatmulTests {
    static let flags = [(false, false), (false, true), (true, false), (true, true)]

    @Test(arguments: flags)
    func plain(_ ta: Bool, _ tb: Bool) {
        let (m, k, n) = (3, 5, 4)
        let a = randomInput(ta ? [k, m] : [m, k], seed: 30), b = randomInput(tb ? [n, k] : [k, n], seed: 31)
        let r = checkGradients([a, b]) { Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
        #expect(r.passed, "transA \(ta) transB \(tb): \(r)")
    }

    @Test(arguments: flags)
    func batched(_ ta: Bool, _ tb: Bool) {
        for bs in [1, 3] {
            let (m, k, n) = (2, 5, 3)
            let a = randomInput(ta ? [bs, k, m] : [bs, m, k], seed: 32)
            let b = randomInput(tb ? [bs, n, k] : [bs, k, n], seed: 33)
            let r = checkGradients([a, b]) { Tensor.matmul($0[0], $0[1], transposeA: ta, transposeB: tb) }
            #expect(r.passed, "batch \(bs) transA \(ta) transB \(tb): \(r)")
        }
    }

    @Test(arguments: [false, true])
    func foldedLeadingAxes(_ tb: Bool) {
        let a = randomInput([2, 3, 5], seed: 34), b = randomInput(tb ? [4, 5] : [5, 4], seed: 35)
        let r = checkGradients([a, b]) { Tensor.matmul($0[0], $0[1], transposeB: tb) }
        #expect(r.passed, "transB \(tb): \(r)")
        let a4 = randomInput([1, 2, 3, 5], seed: 36)
        let r4 = checkGradients([a4, b]) { Tensor.matmul($0[0], $0[1], transposeB: tb) }
        #expect(r4.passed, "rank 4, transB \(tb): \(r4)")
    }

    @Test func onlyOneSideRequiresGrad() {
        let a = randomInput([3, 4], seed: 37), b = randomTensor([4, 2], seed: 38)
        let r = checkGradients([a, b]) { Tensor.matmul($0[0], $0[1]) }
        #expect(r.passed, "\(r)")
        #expect(b.grad == nil)
    }

    @Test func vectorShapes() {
        let a = randomInput([1, 6], seed: 39), b = randomInput([6, 1], seed: 40)
        let r = checkGradients([a, b]) { Tensor.matmul($0[0], $0[1]) }
        #expect(r.passed, "\(r)")
        let r2 = checkGradients([b, a]) { Tensor.matmul($0[0], $0[1]) }
        #expect(r2.passed, "outer product: \(r2)")
    }
}
